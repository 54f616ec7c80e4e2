/* TS 103 701 test case 5.1-2-2 (functional, on the labels of a batch): the device maker's
 * label files for a batch of devices are read and judged by keel_audit_labels_analyse. A
 * label file is the maker's output, not the device's, but it is still read as untrusted:
 * bounded, no symbolic links, parsed strictly. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

static int is_label_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 4 && n < KEEL_AUDIT_LABEL_NAME_MAX &&
           strcmp(name + n - 4, ".txt") == 0;
}

/* Read dirfd/name (a regular file, not a link) and parse it into *out. */
static keel_err load_one(int dirfd, const char *name, keel_audit_label *out)
{
    char buf[KEEL_AUDIT_LABEL_FILE_MAX + 1];
    struct stat st;
    ssize_t got;
    size_t len = 0;
    keel_err ret = KEEL_ERR_IO;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return KEEL_ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    do {
        got = read(fd, buf + len, sizeof(buf) - len);
        if (got > 0)
            len += (size_t)got;
    } while ((got > 0 && len < sizeof(buf)) || (got < 0 && errno == EINTR));
    if (got < 0)
        goto out;
    ret = keel_audit_label_parse(buf, len, out);
    if (ret == KEEL_OK)
        ret = keel_str_copy(out->name, sizeof(out->name), name);
out:
    keel_wipe(buf, sizeof(buf));
    close(fd);
    return ret;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const keel_audit_label *)a)->name, ((const keel_audit_label *)b)->name);
}

static keel_err load_all(DIR *d, keel_audit_label *labels, size_t *n, char *why, size_t whysz)
{
    struct dirent *e;

    while ((e = readdir(d)) != NULL) {
        keel_err ret;
        if (!is_label_name(e->d_name))
            continue;
        if (*n == KEEL_AUDIT_LABELS_MAX) {
            (void)keel_str_format(why, whysz, "more than %d labels", KEEL_AUDIT_LABELS_MAX);
            return KEEL_ERR_RANGE;
        }
        ret = load_one(dirfd(d), e->d_name, &labels[*n]);
        if (ret != KEEL_OK) {
            (void)keel_str_format(why, whysz, "'%s': %s", e->d_name, keel_strerror(ret));
            return ret;
        }
        (*n)++;
    }
    return KEEL_OK;
}

keel_err keel_audit_labels_load(const char *dir, keel_audit_label **labels, size_t *n, char *why,
                                size_t whysz)
{
    keel_audit_label *all = NULL;
    size_t count = 0;
    DIR *d = NULL;
    keel_err ret = KEEL_ERR_ARG;
    int fd;

    if (dir == NULL || labels == NULL || n == NULL || why == NULL || whysz == 0)
        return KEEL_ERR_ARG;
    *labels = NULL;
    *n = 0;
    why[0] = '\0';
    ret = KEEL_ERR_IO;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        (void)keel_str_format(why, whysz, "cannot open the directory: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    ret = KEEL_ERR_NOMEM;
    all = calloc(KEEL_AUDIT_LABELS_MAX, sizeof(*all));
    if (all == NULL)
        goto out;
    ret = load_all(d, all, &count, why, whysz);
    if (ret == KEEL_OK && count == 0) {
        (void)keel_str_format(why, whysz, "no label (*.txt) in the directory");
        ret = KEEL_ERR_NOT_FOUND;
    }
    if (ret != KEEL_OK)
        goto out;
    /* Directory order is arbitrary: sorted, the evidence reads the same every time. */
    qsort(all, count, sizeof(*all), by_name);
    *labels = all;
    *n = count;
    all = NULL;
out:
    if (d != NULL)
        closedir(d);
    keel_audit_labels_free(all, KEEL_AUDIT_LABELS_MAX);
    return ret;
}

void keel_audit_labels_free(keel_audit_label *labels, size_t n)
{
    if (labels == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        keel_audit_label_clear(&labels[i]);
    free(labels);
}

static keel_audit_verdict judge(const keel_audit_batch_stats *s, keel_audit_evidence *ev)
{
    int fail = s->shared > 0 || s->derived > 0;

    (void)keel_audit_evidence_addf(ev,
                                   "%zu labels: %zu share a password, %zu derive it from "
                                   "their serial or MAC",
                                   s->labels, s->shared, s->derived);
    (void)keel_audit_evidence_addf(ev,
                                   "%zu symbols in all, %zu distinct; shortest password %zu "
                                   "symbols: about %.1f bits each (at least %.0f needed)",
                                   s->symbols, s->alphabet, s->min_length, s->entropy_bits,
                                   KEEL_AUDIT_ENTROPY_MIN_BITS);
    fail |= s->entropy_bits < KEEL_AUDIT_ENTROPY_MIN_BITS;
    if (s->chi_square_run) {
        int skewed = s->chi_square > s->chi_square_max;
        (void)keel_audit_evidence_addf(ev,
                                       "chi-square of the symbols against a uniform "
                                       "distribution: %.1f, limit %.1f (0.999 quantile, "
                                       "%zu degrees of freedom): %s",
                                       s->chi_square, s->chi_square_max, s->alphabet - 1,
                                       skewed ? "skewed" : "consistent with uniform");
        fail |= skewed;
    } else {
        (void)keel_audit_evidence_addf(ev, "chi-square test not run: fewer than 5 symbols "
                                           "expected per distinct symbol (give more labels)");
    }
    return fail ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

keel_err keel_audit_check_labels(keel_audit_report *r, const char *dir,
                                 keel_audit_batch_stats *stats)
{
    keel_audit_batch_stats s;
    keel_audit_label *labels = NULL;
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    char why[KEEL_AUDIT_LABEL_NAME_MAX + 128];
    size_t n = 0;
    keel_err ret;

    if (r == NULL || dir == NULL)
        return KEEL_ERR_ARG;
    memset(&s, 0, sizeof(s));
    keel_audit_evidence_init(&ev);
    ret = keel_audit_labels_load(dir, &labels, &n, why, sizeof(why));
    if (ret != KEEL_OK) {
        (void)keel_audit_evidence_addf(&ev, "labels in %s could not be read: %s", dir, why);
    } else if (n < 2) {
        (void)keel_audit_evidence_addf(&ev,
                                       "one label in %s: uniqueness needs a batch of at "
                                       "least 2",
                                       dir);
    } else if (keel_audit_labels_analyse(labels, n, &ev, &s) == KEEL_OK) {
        verdict = judge(&s, &ev);
    }
    keel_audit_labels_free(labels, n);
    if (stats != NULL)
        *stats = s;
    return keel_audit_record(r, "5.1-2-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
