/* TS 103 701 test case 5.5-1-3 (keel's white-box addition to 5.5-1-2): the TLS configurations
 * the firmware tree ships (tls_config.h) allow no legacy protocol and no weak suite. The live
 * test 5.5-1-2 sees one listener at a time; the tree also shows listeners switched off in the
 * lab, client settings (a bridge to the cloud) and the library's own defaults. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls_config.h"
#include "whitebox.h"

typedef struct tls_walk {
    keel_audit_tls_scan s;
    char *buf; /* KEEL_AUDIT_TLS_FILE_MAX + 1 bytes */
} tls_walk;

/* Read the regular file name (in dirfd) into w->buf; its length or -1. */
static long read_file(tls_walk *w, int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    size_t len = 0;

    if (fd < 0)
        return -1;
    for (;;) {
        ssize_t got = read(fd, w->buf + len, KEEL_AUDIT_TLS_FILE_MAX + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            close(fd);
            return got < 0 || len > KEEL_AUDIT_TLS_FILE_MAX ? -1 : (long)len;
        }
        len += (size_t)got;
        if (len > KEEL_AUDIT_TLS_FILE_MAX) {
            close(fd);
            return -1;
        }
    }
}

static void visit(const char *path, int dirfd, const char *name, const struct stat *st, void *user)
{
    tls_walk *w = user;
    keel_audit_tls_software sw;
    long len;

    if (!S_ISREG(st->st_mode) || (sw = keel_audit_tls_software_of(path)) == KEEL_AUDIT_TLS_NONE)
        return;
    if (w->s.files + w->s.unreadable >= KEEL_AUDIT_TLS_FILES_MAX) {
        w->s.unreadable++;
        return;
    }
    if ((uint64_t)st->st_size > KEEL_AUDIT_TLS_FILE_MAX || (len = read_file(w, dirfd, name)) < 0) {
        w->s.unreadable++;
        if (w->s.notes != NULL)
            (void)keel_audit_evidence_addf(w->s.notes, "%s: cannot be read (or over %zu KiB)", path,
                                           KEEL_AUDIT_TLS_FILE_MAX >> 10);
        return;
    }
    keel_audit_tls_config_scan(sw, path, w->buf, (size_t)len, &w->s);
}

/* Move the lines of more after those of ev (already sanitised: not added again); lines past
 * the limit are counted as dropped. */
static void append(keel_audit_evidence *ev, keel_audit_evidence *more)
{
    for (size_t i = 0; i < more->count; i++) {
        if (ev->count < KEEL_AUDIT_EVIDENCE_MAX) {
            ev->lines[ev->count++] = more->lines[i];
            more->lines[i] = NULL;
        } else {
            ev->dropped++;
        }
    }
    ev->dropped += more->dropped;
    keel_audit_evidence_free(more);
}

keel_err keel_audit_check_tls_config(keel_audit_report *r, const char *dir)
{
    keel_audit_evidence ev, findings, notes;
    keel_audit_scan_stats stats;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;
    tls_walk w;

    if (r == NULL || dir == NULL)
        return KEEL_ERR_ARG;
    memset(&w, 0, sizeof(w));
    keel_audit_evidence_init(&ev);
    keel_audit_evidence_init(&findings);
    keel_audit_evidence_init(&notes);
    w.s.findings = &findings;
    w.s.notes = &notes;
    (void)keel_audit_evidence_addf(&ev,
                                   "white-box: the TLS configurations of %s (nginx, Apache, "
                                   "lighttpd, mosquitto, openssl.cnf, stunnel, HAProxy): no "
                                   "SSL 3.0, TLS 1.0 or 1.1 (RFC 7568, RFC 8996), no NULL, "
                                   "anonymous, export, DES, 3DES, RC4, RC2 or MD5 suites, no "
                                   "@SECLEVEL=0",
                                   dir);
    w.buf = malloc(KEEL_AUDIT_TLS_FILE_MAX + 1);
    if (w.buf == NULL) {
        (void)keel_audit_evidence_addf(&ev, "out of memory for the file buffer");
    } else if (keel_audit_walk_entries(dir, visit, &w, &stats) != KEEL_OK) {
        (void)keel_audit_evidence_addf(&ev, "%s cannot be opened", dir);
    } else {
        w.s.unreadable += stats.unreadable;
        if (stats.truncated)
            (void)keel_audit_evidence_addf(&ev, "the walk hit its bounds and stopped");
        verdict = keel_audit_tls_config_verdict(&w.s, &ev);
        if (stats.truncated && verdict != KEEL_AUDIT_FAIL)
            verdict = KEEL_AUDIT_INCONCLUSIVE;
    }
    free(w.buf);
    append(&ev, &findings);
    append(&ev, &notes);
    return keel_audit_record(r, "5.5-1-3", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
