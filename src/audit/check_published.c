/* TS 103 701 test cases 5.3-13-2 and 5.3-16-2 (functional): the defined support period and
 * the model designation are published where the IXIT's "publication" says: a route of the
 * device, asked without logging in (anyone holding the device must be able to read them), and
 * the label, read from the batch given with --labels. Each value must be the one declared. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"

/* ---- the label ------------------------------------------------------------------------ */

/* The line of text at [s, end) starting with key (any case) and a colon: the value's start
 * and length after spaces; 0 when the line is another. */
static int line_value(const char *s, const char *end, const char *key, const char **v, size_t *n)
{
    size_t klen = strlen(key);
    const char *p;

    if ((size_t)(end - s) <= klen || strncasecmp(s, key, klen) != 0 || s[klen] != ':')
        return 0;
    p = s + klen + 1;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *v = p;
    *n = (size_t)(end - p);
    return 1;
}

keel_err keel_audit_label_value(const void *text, size_t len, const char *key, char *out,
                                size_t outsz)
{
    const char *s = text, *end = s != NULL ? s + len : NULL, *v = NULL;
    size_t n = 0;
    int found = 0;

    if ((s == NULL && len != 0) || key == NULL || key[0] == '\0' || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    while (s != NULL && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s)), *line_end = nl != NULL ? nl : end;
        const char *lv;
        size_t ln;

        if (line_value(s, line_end, key, &lv, &ln)) {
            if (found++)
                return KEEL_ERR_PARSE;
            v = lv;
            n = ln;
        }
        s = nl != NULL ? nl + 1 : end;
    }
    if (!found)
        return KEEL_ERR_NOT_FOUND;
    if (n == 0)
        return KEEL_ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return KEEL_ERR_PARSE;
    }
    if (n >= outsz)
        return KEEL_ERR_RANGE;
    memcpy(out, v, n);
    out[n] = '\0';
    return KEEL_OK;
}

/* One label file (a regular file, not a link, at most KEEL_AUDIT_LABEL_FILE_MAX bytes): its
 * value for key into out. The label holds the device's password: the buffer is wiped. */
static keel_err label_file_value(int dirfd, const char *name, const char *key, char *out,
                                 size_t outsz)
{
    char buf[KEEL_AUDIT_LABEL_FILE_MAX + 1];
    struct stat st;
    ssize_t got = 0;
    size_t len = 0;
    keel_err ret = KEEL_ERR_IO;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return KEEL_ERR_IO;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        do {
            got = read(fd, buf + len, sizeof(buf) - len);
            if (got > 0)
                len += (size_t)got;
        } while ((got > 0 && len < sizeof(buf)) || (got < 0 && errno == EINTR));
        if (got >= 0)
            ret = len > KEEL_AUDIT_LABEL_FILE_MAX
                      ? KEEL_ERR_TOO_LARGE
                      : keel_audit_label_value(buf, len, key, out, outsz);
    }
    keel_wipe(buf, sizeof(buf));
    close(fd);
    return ret;
}

static int is_label_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 4 && n < KEEL_AUDIT_LABEL_NAME_MAX &&
           strcmp(name + n - 4, ".txt") == 0;
}

/* Every label of dir against the declared value. */
static void read_labels(const char *dir, const char *key, int is_date, const char *declared,
                        keel_audit_published_place *p)
{
    struct dirent *e;
    DIR *d = NULL;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    (void)keel_str_format(p->where, sizeof(p->where), "labels in %s, line '%s:'", dir, key);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    p->reached = 1;
    while ((e = readdir(d)) != NULL && p->items < KEEL_AUDIT_LABELS_MAX) {
        char value[KEEL_AUDIT_IXIT_NAME_MAX + 16];
        keel_err ret;

        if (!is_label_name(e->d_name))
            continue;
        ret = label_file_value(dirfd(d), e->d_name, key, value, sizeof(value));
        p->items++;
        if (ret == KEEL_ERR_IO || ret == KEEL_ERR_TOO_LARGE) {
            p->reached = 0; /* a label that cannot be read leaves the batch unjudged */
            (void)keel_str_copy(p->first_bad, sizeof(p->first_bad), e->d_name);
            break;
        }
        if (ret == KEEL_OK && keel_audit_published_same(is_date, declared, value)) {
            if (p->absent + p->different == 0)
                (void)keel_str_copy(p->seen, sizeof(p->seen), value);
            continue;
        }
        if (p->absent + p->different == 0) {
            (void)keel_str_copy(p->first_bad, sizeof(p->first_bad), e->d_name);
            (void)keel_str_copy(p->seen, sizeof(p->seen), ret == KEEL_OK ? value : "");
        }
        if (ret == KEEL_OK || ret == KEEL_ERR_RANGE)
            p->different++;
        else
            p->absent++;
    }
    closedir(d);
}

/* ---- the API -------------------------------------------------------------------------- */

static void read_api(keel_audit_http *h, const char *path, const char *member, int is_date,
                     const char *declared, keel_audit_published_place *p)
{
    keel_audit_http_answer a;
    keel_err got;

    (void)keel_str_format(p->where, sizeof(p->where), "GET %s (no session) member %s", path,
                          member);
    if (keel_audit_http_get(h, path, NULL, &a) != KEEL_OK || a.status == 0)
        return;
    p->reached = 1;
    p->status = a.status;
    if (a.status != 200)
        return;
    p->items = 1;
    got = keel_audit_http_body_string(h, member, p->seen, sizeof(p->seen));
    if (got == KEEL_ERR_RANGE) {
        (void)keel_str_copy(p->seen, sizeof(p->seen), "(a longer text)");
        p->different = 1;
    } else if (got != KEEL_OK) {
        p->absent = 1;
    } else if (!keel_audit_published_same(is_date, declared, p->seen)) {
        p->different = 1;
    }
}

/* ---- the two test cases ---------------------------------------------------------------- */

static keel_err one(keel_audit_report *r, keel_audit_http *h, const keel_audit_ixit_publication *o,
                    int is_date, const char *labels_dir)
{
    const char *declared = is_date ? o->support_until : o->model;
    const char *api_member = is_date ? o->api_support_until : o->api_model;
    const char *label_key = is_date ? o->label_support_until : o->label_model;
    keel_audit_published_place places[2];
    keel_audit_evidence ev;
    keel_audit_verdict v;
    size_t n = 0;

    memset(places, 0, sizeof(places));
    keel_audit_evidence_init(&ev);
    if (h != NULL && o->api_path[0] != '\0' && api_member[0] != '\0')
        read_api(h, o->api_path, api_member, is_date, declared, &places[n++]);
    if (o->has_label && label_key[0] != '\0' && labels_dir != NULL)
        read_labels(labels_dir, label_key, is_date, declared, &places[n++]);
    v = keel_audit_published_judge(is_date ? "support period" : "model designation", declared,
                                   places, n, &ev);
    if (o->has_label && label_key[0] != '\0' && labels_dir == NULL)
        (void)keel_audit_evidence_addf(&ev, "the label (line '%s:') was not read: no --labels",
                                       label_key);
    if (is_date && v != KEEL_AUDIT_INCONCLUSIVE && declared[0] != '\0') {
        int64_t end = 0;
        if (keel_audit_date_parse(declared, strlen(declared), &end) == KEEL_OK &&
            end + 86400 <= (int64_t)time(NULL))
            (void)keel_audit_evidence_addf(&ev, "the declared support period has ended");
    }
    if (h == NULL && o->api_path[0] != '\0')
        (void)keel_audit_evidence_addf(&ev, "HTTPS client could not start");
    return keel_audit_record(r, is_date ? "5.3-13-2" : "5.3-16-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}

keel_err keel_audit_check_published(keel_audit_report *r, const keel_audit_target *t,
                                    const keel_audit_ixit *ixit, const char *labels_dir)
{
    static const keel_audit_ixit_publication none;
    const keel_audit_ixit_publication *o = ixit != NULL ? &ixit->publication : &none;
    keel_audit_http h;
    int open_ok;
    keel_err ret;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    open_ok = keel_audit_http_open(&h, t) == KEEL_OK;
    ret = one(r, open_ok ? &h : NULL, o, 1, labels_dir);
    if (ret == KEEL_OK)
        ret = one(r, open_ok ? &h : NULL, o, 0, labels_dir);
    keel_audit_http_close(&h);
    return ret;
}
