/* TS 103 701 test case 5.6-7-2 (keel's white-box addition to the conceptual 5.6-7-1): least
 * privilege in the firmware's file modes. A setuid or setgid program runs with its owner's or
 * group's rights whoever starts it, and a file or directory every user may write lets any
 * process change what another runs or reads; each is named. The allow-list is short on
 * purpose: the character devices every Linux system makes world-writable (dev/null ...). No
 * setuid or setgid program is allowed by default: the device maker justifies each in the ICS.
 * The modes are judged as the tree was unpacked (tar -p or unsquashfs as root keep them). */
#include <string.h>

#include "whitebox.h"

static const char *const allowed_devices[] = {"dev/null",    "dev/zero", "dev/full", "dev/random",
                                              "dev/urandom", "dev/tty",  "dev/ptmx"};

static int allowed_device(const char *path, mode_t mode)
{
    if (!S_ISCHR(mode))
        return 0;
    for (size_t i = 0; i < sizeof(allowed_devices) / sizeof(allowed_devices[0]); i++) {
        if (strcmp(path, allowed_devices[i]) == 0)
            return 1;
    }
    return 0;
}

static const char *writable_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "world-writable directory without the sticky bit";
    if (S_ISREG(mode))
        return "world-writable file";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "world-writable device";
    return "world-writable FIFO or socket";
}

int keel_audit_mode_judge(const char *path, mode_t mode, keel_audit_mode_tally *t,
                          keel_audit_evidence *findings)
{
    const char *what[3] = {"", "", ""};
    size_t n = 0;

    if (path == NULL || t == NULL || S_ISLNK(mode))
        return 0;
    t->entries++;
    if (S_ISREG(mode) && (mode & S_ISUID)) {
        what[n++] = "setuid";
        t->setuid++;
    }
    if (S_ISREG(mode) && (mode & S_ISGID)) {
        what[n++] = "setgid";
        t->setgid++;
    }
    if ((mode & S_IWOTH) && !(S_ISDIR(mode) && (mode & S_ISVTX))) {
        if (allowed_device(path, mode)) {
            t->allowed++;
        } else {
            what[n++] = writable_kind(mode);
            t->world_writable++;
        }
    }
    if (n == 0)
        return 0;
    if (findings != NULL)
        (void)keel_audit_evidence_addf(findings, "%s: %s%s%s%s%s (mode %04o)", path, what[0],
                                       n > 1 ? ", " : "", n > 1 ? what[1] : "", n > 2 ? ", " : "",
                                       n > 2 ? what[2] : "", (unsigned)(mode & 07777));
    return 1;
}

typedef struct mode_walk {
    keel_audit_mode_tally t;
    keel_audit_evidence *findings;
} mode_walk;

static void visit(const char *path, int dirfd, const char *name, const struct stat *st, void *user)
{
    mode_walk *w = user;

    (void)dirfd;
    (void)name;
    (void)keel_audit_mode_judge(path, st->st_mode, &w->t, w->findings);
}

static keel_audit_verdict judge(const mode_walk *w, const keel_audit_scan_stats *s,
                                keel_audit_evidence *ev)
{
    const keel_audit_mode_tally *t = &w->t;

    (void)keel_audit_evidence_addf(ev,
                                   "%zu entries judged: %zu setuid, %zu setgid, %zu "
                                   "world-writable; allowed: %zu standard device nodes (dev/null, "
                                   "dev/zero, dev/full, dev/random, dev/urandom, dev/tty, "
                                   "dev/ptmx), no setuid or setgid program (each needs its "
                                   "justification in the ICS)",
                                   t->entries, t->setuid, t->setgid, t->world_writable, t->allowed);
    (void)keel_audit_evidence_addf(ev, "not judged: %zu unreadable directories or entries%s",
                                   s->unreadable,
                                   s->truncated ? "; the walk hit its bounds and stopped" : "");
    if (t->setuid + t->setgid + t->world_writable > 0)
        return KEEL_AUDIT_FAIL;
    if (s->unreadable > 0 || s->truncated)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (t->entries == 0) {
        (void)keel_audit_evidence_addf(ev, "the tree is empty");
        return KEEL_AUDIT_NA;
    }
    return KEEL_AUDIT_PASS;
}

keel_err keel_audit_check_modes(keel_audit_report *r, const char *dir)
{
    keel_audit_scan_stats s;
    keel_audit_evidence ev, findings;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    mode_walk w;

    if (r == NULL || dir == NULL)
        return KEEL_ERR_ARG;
    memset(&w, 0, sizeof(w));
    w.findings = &findings;
    keel_audit_evidence_init(&ev);
    keel_audit_evidence_init(&findings);
    (void)keel_audit_evidence_addf(&ev,
                                   "white-box: the modes of every entry of %s (symbolic links "
                                   "not followed): setuid, setgid, world-writable",
                                   dir);
    if (keel_audit_walk_entries(dir, visit, &w, &s) != KEEL_OK)
        (void)keel_audit_evidence_addf(&ev, "%s cannot be opened", dir);
    else
        v = judge(&w, &s, &ev);
    for (size_t i = 0; i < findings.count; i++)
        (void)keel_audit_evidence_add(&ev, findings.lines[i], strlen(findings.lines[i]));
    ev.dropped += findings.dropped;
    keel_audit_evidence_free(&findings);
    return keel_audit_record(r, "5.6-7-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
