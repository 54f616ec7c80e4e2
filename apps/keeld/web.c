/* The setup page (5.12-1) and security.txt (RFC 9116, 5.2-1), held in memory: the files of
 * web/setup/ are read once at start, before the sandbox, so that serving them opens
 * nothing and no request can name a file on disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keeld.h"

#ifndef KEEL_SUPPORT_UNTIL
#error "KEEL_SUPPORT_UNTIL must be defined by the build"
#endif
#ifndef KEEL_SECURITY_CONTACT
#error "KEEL_SECURITY_CONTACT must be defined by the build"
#endif
#ifndef KEEL_SECURITY_POLICY
#error "KEEL_SECURITY_POLICY must be defined by the build"
#endif

#define SECURITY_TXT_PATH "/.well-known/security.txt"
#define SECURITY_TXT_MAX 1024u
#define EXPIRES_MAX_S ((int64_t)365 * 86400) /* RFC 9116 2.5.5: less than a year ahead */

/* The files served, by path: the three of web/setup/ and the one made at start. */
static const struct {
    const char *path;
    const char *file; /* in the web directory; NULL: made at start */
    const char *content_type;
} files[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/setup.css", "setup.css", "text/css"},
    {"/setup.js", "setup.js", "text/javascript"},
    {SECURITY_TXT_PATH, NULL, "text/plain; charset=utf-8"},
};

#define FILE_COUNT (sizeof(files) / sizeof(files[0]))

struct keeld_web {
    uint8_t *data[FILE_COUNT];
    size_t len[FILE_COUNT];
};

/* Read name in the directory dirfd: a regular file (not a symbolic link, not a device) of
 * at most KEELD_WEB_FILE_MAX bytes, read whole. */
static keel_err read_file(int dirfd, const char *dir, const char *name, uint8_t **out, size_t *len,
                          char *err, size_t errsz)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat sb;
    size_t got = 0, size = 0;
    uint8_t *buf = NULL;
    const char *why = NULL;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        why = errno == ELOOP ? "is a symbolic link" : strerror(errno);
    else if (fstat(fd, &sb) != 0)
        why = strerror(errno);
    else if (!S_ISREG(sb.st_mode))
        why = "is not a regular file";
    else if ((uint64_t)sb.st_size > KEELD_WEB_FILE_MAX)
        why = "is larger than 256 KiB";
    else if ((buf = malloc((size = (size_t)sb.st_size) > 0 ? size : 1)) == NULL)
        why = "out of memory";
    while (why == NULL && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            why = n < 0 ? strerror(errno) : "changed while it was read";
        else
            got += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    if (why != NULL) {
        free(buf);
        (void)keel_str_format(err, errsz, "setup page %s/%s: %s", dir, name, why);
        return KEEL_ERR_IO;
    }
    *out = buf;
    *len = got;
    return KEEL_OK;
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The end of the last day of security updates (23:59:59 UTC of KEEL_SUPPORT_UNTIL). */
static keel_err support_end(int64_t *out)
{
    static const char until[] = KEEL_SUPPORT_UNTIL;
    struct tm tm, back;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (sizeof(until) != 11 || until[4] != '-' || until[7] != '-')
        return KEEL_ERR_PARSE;
    tm.tm_year = digits(until, 4) - 1900;
    tm.tm_mon = digits(until + 5, 2) - 1;
    tm.tm_mday = digits(until + 8, 2);
    tm.tm_hour = 23;
    tm.tm_min = 59;
    tm.tm_sec = 59;
    if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return KEEL_ERR_PARSE;
    back = tm;
    t = timegm(&tm);
    /* a day the month does not have (02-30) is moved on by timegm: refused instead */
    if (t == (time_t)-1 || tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon)
        return KEEL_ERR_PARSE;
    *out = (int64_t)t;
    return KEEL_OK;
}

/* security.txt (RFC 9116) for now. Canonical (2.5.2) is left out: the device is reached by
 * whatever address its owner's network gives it, so it has no stable URI to name, and a
 * wrong Canonical would tell a reader the file was copied from elsewhere. */
static keel_err security_txt(int64_t now, uint8_t **out, size_t *len, char *err, size_t errsz)
{
    char expires[32];
    char *text = malloc(SECURITY_TXT_MAX);
    int64_t end = 0;
    time_t e;
    struct tm tm;
    keel_err ret = support_end(&end);

    *out = NULL;
    if (ret != KEEL_OK) {
        free(text);
        (void)keel_str_format(err, errsz, "the support period's end '%s' is not a date YYYY-MM-DD",
                              KEEL_SUPPORT_UNTIL);
        return ret;
    }
    /* the earlier of the support period's end and a year from now: after the end nobody
     * promises to act on a report, and a file must not outlive a year */
    e = (time_t)(end < now + EXPIRES_MAX_S ? end : now + EXPIRES_MAX_S);
    if (text == NULL || gmtime_r(&e, &tm) == NULL ||
        strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
        keel_str_format(text, SECURITY_TXT_MAX,
                        "# The vulnerability disclosure contact of this device (RFC 9116).\n"
                        "Contact: %s\n"
                        "Expires: %s\n"
                        "Policy: %s\n"
                        "Preferred-Languages: en\n",
                        KEEL_SECURITY_CONTACT, expires, KEEL_SECURITY_POLICY) != KEEL_OK) {
        free(text);
        (void)keel_str_copy(err, errsz, "cannot make security.txt");
        return KEEL_ERR_RANGE;
    }
    *out = (uint8_t *)text;
    *len = strlen(text);
    return KEEL_OK;
}

keel_err keeld_web_load(const char *dir, int64_t now, struct keeld_web **out, char *err,
                        size_t errsz)
{
    struct keeld_web *w;
    keel_err ret = KEEL_OK;
    int dirfd;

    if (dir == NULL || out == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    *out = NULL;
    err[0] = '\0';
    w = calloc(1, sizeof(*w));
    if (w == NULL) {
        (void)keel_str_copy(err, errsz, "setup page: out of memory");
        return KEEL_ERR_NOMEM;
    }
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        (void)keel_str_format(err, errsz, "setup page directory %s: %s", dir, strerror(errno));
        free(w);
        return KEEL_ERR_IO;
    }
    for (size_t i = 0; i < FILE_COUNT && ret == KEEL_OK; i++) {
        if (files[i].file != NULL)
            ret = read_file(dirfd, dir, files[i].file, &w->data[i], &w->len[i], err, errsz);
        else
            ret = security_txt(now, &w->data[i], &w->len[i], err, errsz);
    }
    close(dirfd);
    if (ret != KEEL_OK) {
        keeld_web_free(w);
        return ret;
    }
    *out = w;
    return KEEL_OK;
}

void keeld_web_free(struct keeld_web *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < FILE_COUNT; i++)
        free(w->data[i]);
    free(w);
}

int keeld_web_find(const struct keeld_web *w, const char *path, struct keeld_response *rs)
{
    for (size_t i = 0; w != NULL && path != NULL && i < FILE_COUNT; i++) {
        if (strcmp(files[i].path, path) != 0)
            continue;
        rs->status = 200;
        rs->body_len = 0;
        rs->ext_body = w->data[i];
        rs->ext_len = w->len[i];
        rs->content_type = files[i].content_type;
        return 1;
    }
    return 0;
}

size_t keeld_web_path_count(void)
{
    return FILE_COUNT;
}

const char *keeld_web_path_at(size_t i)
{
    return i < FILE_COUNT ? files[i].path : NULL;
}
