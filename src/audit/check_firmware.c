/* TS 103 701 test case 5.4-3-2 (functional, white-box): no hard-coded critical security
 * parameter in the device software (5.4-3). The firmware tree the device maker hands over
 * is scanned for private keys and for the well-known default passwords that 5.1-1-2 tries
 * on the live device. Evidence names the file, the offset and the kind of finding; a key
 * is shown only by a fingerprint and a password only by its public dictionary entry. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"

keel_err keel_audit_finding_format(const char *path, const keel_audit_finding *f, char *out,
                                   size_t outsz)
{
    if (path == NULL || f == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    switch (f->kind) {
    case KEEL_AUDIT_FOUND_PEM_KEY:
        return keel_str_format(out, outsz, "%s: offset %" PRIu64 ": PEM block '%s' (SHA-256 %s)",
                               path, f->offset, f->what, f->fingerprint);
    case KEEL_AUDIT_FOUND_DER_KEY:
        return keel_str_format(out, outsz,
                               "%s: offset %" PRIu64 ": DER %s private key (SHA-256 %s)", path,
                               f->offset, f->what, f->fingerprint);
    case KEEL_AUDIT_FOUND_PASSWORD:
        return keel_str_format(out, outsz, "%s: offset %" PRIu64 ": default password '%s' (%s)",
                               path, f->offset, f->what, f->context);
    case KEEL_AUDIT_FOUND_LISTED:
        return keel_str_format(out, outsz,
                               "%s: offset %" PRIu64 ": '%s' in a list of 64+ words (a "
                               "blocklist of weak passwords?), not counted",
                               path, f->offset, f->what);
    case KEEL_AUDIT_FOUND_SECRET:
        return keel_str_format(out, outsz,
                               "%s: offset %" PRIu64 ": secret '%s' (%s; %zu bytes, %.1f "
                               "bits/byte; fingerprint %s)",
                               path, f->offset, f->what, f->context, f->length, f->entropy,
                               f->fingerprint);
    case KEEL_AUDIT_FOUND_SSH_KEY:
        return keel_str_format(out, outsz, "%s: offset %" PRIu64 ": %s private key (SHA-256 %s)",
                               path, f->offset, f->what, f->fingerprint);
    case KEEL_AUDIT_FOUND_CERTIFICATE:
        return keel_str_format(out, outsz,
                               "%s: offset %" PRIu64 ": certificate '%s' (SHA-256 %s; public, "
                               "not counted)",
                               path, f->offset, f->what, f->fingerprint);
    }
    return KEEL_ERR_ARG;
}

static void add_finding(const char *path, const keel_audit_finding *f, void *user)
{
    char line[KEEL_AUDIT_EVIDENCE_LINE_MAX];

    if (keel_audit_finding_format(path, f, line, sizeof(line)) == KEEL_OK)
        (void)keel_audit_evidence_add(user, line, strlen(line));
}

static keel_audit_verdict judge(const keel_audit_scan_stats *s, keel_audit_evidence *ev)
{
    size_t found = s->pem_keys + s->der_keys + s->ssh_keys + s->passwords + s->secrets;

    (void)keel_audit_evidence_addf(ev,
                                   "%zu files (%" PRIu64 " bytes) scanned: %zu PEM private "
                                   "keys, %zu DER private keys, %zu default passwords (and %zu "
                                   "in word lists, not counted)",
                                   s->files, s->bytes, s->pem_keys, s->der_keys, s->passwords,
                                   s->listed);
    (void)keel_audit_evidence_addf(ev,
                                   "%zu OpenSSH (binary) and PuTTY private keys; %zu "
                                   "certificates (public: listed, not counted)",
                                   s->ssh_keys, s->certificates);
    (void)keel_audit_evidence_addf(ev,
                                   "%zu hard-coded secrets (tokens of well-known shapes, "
                                   "literals assigned to secret keys, user:password@ URLs, "
                                   "HTTP Basic credentials)",
                                   s->secrets);
    (void)keel_audit_evidence_addf(ev,
                                   "not scanned: %zu symbolic links (not followed), %zu "
                                   "special files, %zu files over %" PRIu64 " MiB, %zu "
                                   "unreadable%s",
                                   s->skipped_links, s->skipped_other, s->skipped_large,
                                   KEEL_AUDIT_SCAN_FILE_MAX >> 20, s->unreadable,
                                   s->truncated ? "; the walk hit its bounds and stopped" : "");
    if (found > 0)
        return KEEL_AUDIT_FAIL;
    if (s->skipped_large > 0 || s->unreadable > 0 || s->truncated)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (s->files == 0) {
        /* Nothing was read: an empty tree (or the wrong directory) proves nothing. */
        (void)keel_audit_evidence_addf(ev, "the tree holds no regular file: nothing was searched");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return KEEL_AUDIT_PASS;
}

/* Move the findings' lines after the summary, so that a tree with more findings than the
 * evidence holds still shows its counts; lines past the limit are counted as dropped. */
static void append(keel_audit_evidence *ev, keel_audit_evidence *findings)
{
    for (size_t i = 0; i < findings->count; i++) {
        if (ev->count < KEEL_AUDIT_EVIDENCE_MAX) {
            ev->lines[ev->count++] = findings->lines[i];
            findings->lines[i] = NULL;
        } else {
            ev->dropped++;
        }
    }
    ev->dropped += findings->dropped;
    keel_audit_evidence_free(findings);
}

keel_err keel_audit_check_firmware(keel_audit_report *r, const char *dir)
{
    keel_audit_dictionary d;
    keel_audit_scan_stats s;
    keel_audit_evidence ev, findings;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;

    if (r == NULL || dir == NULL)
        return KEEL_ERR_ARG;
    keel_audit_dictionary_builtin(&d);
    keel_audit_evidence_init(&ev);
    keel_audit_evidence_init(&findings);
    (void)keel_audit_evidence_addf(&ev,
                                   "white-box scan of %s for private keys (PEM and DER), "
                                   "the %zu well-known default passwords and hard-coded "
                                   "secrets",
                                   dir, d.count);
    if (keel_audit_scan_tree(dir, NULL, 0, &d, add_finding, &findings, &s) != KEEL_OK)
        (void)keel_audit_evidence_addf(&ev, "%s cannot be opened", dir);
    else
        verdict = judge(&s, &ev);
    append(&ev, &findings);
    return keel_audit_record(r, "5.4-3-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
