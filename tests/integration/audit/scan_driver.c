/*
 * keel_audit_scan: the firmware scanner of keel audit (TS 103 701 test case 5.4-3-2) run
 * over a tree without a device, for keel's own 5.4-3 test (self_scan.sh).
 *
 *   keel_audit_scan ROOT [EXCLUDE...]   EXCLUDE paths are relative to ROOT
 *
 * Prints one line per finding (file, offset, kind, fingerprint or dictionary entry; never
 * a secret) and a count line. Exit status 0 when nothing is found (words inside long word
 * lists are shown, not counted: keeld's blocklist of weak passwords is one) and every file
 * was scanned, 1 when something is found or files could not be scanned, 2 for bad usage.
 */
#include <inttypes.h>
#include <stdio.h>

#include "audit.h"

static void print_finding(const char *path, const keel_audit_finding *f, void *user)
{
    char line[KEEL_AUDIT_EVIDENCE_LINE_MAX];

    (void)user;
    if (keel_audit_finding_format(path, f, line, sizeof(line)) == KEEL_OK)
        printf("%s\n", line);
}

int main(int argc, char **argv)
{
    keel_audit_dictionary d;
    keel_audit_scan_stats s;
    keel_err ret;

    if (argc < 2) {
        fprintf(stderr, "usage: keel_audit_scan ROOT [EXCLUDE...]\n");
        return 2;
    }
    keel_audit_dictionary_builtin(&d);
    ret = keel_audit_scan_tree(argv[1], (const char *const *)argv + 2, (size_t)argc - 2, &d,
                               print_finding, NULL, &s);
    if (ret != KEEL_OK) {
        fprintf(stderr, "keel_audit_scan: %s: %s\n", argv[1], keel_strerror(ret));
        return 1;
    }
    printf("%zu files, %" PRIu64 " bytes: %zu PEM keys, %zu DER keys, %zu passwords, %zu in "
           "word lists; %zu links, %zu special, %zu large, %zu unreadable, %zu excluded%s\n",
           s.files, s.bytes, s.pem_keys, s.der_keys, s.passwords, s.listed, s.skipped_links,
           s.skipped_other, s.skipped_large, s.unreadable, s.excluded,
           s.truncated ? ", cut short" : "");
    return s.pem_keys + s.der_keys + s.passwords > 0 || s.skipped_large > 0 || s.unreadable > 0 ||
                   s.truncated
               ? 1
               : 0;
}
