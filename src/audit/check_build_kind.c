/* White-box test of 5.6-4 (V2.1.1, "5.6-4-2") / 5.6-4A (V3.1.3, "5.6-4A-2"): a keel
 * development build keeps debug paths and the file root of trust, so it must not ship. Every
 * libkeel carries its kind as a marker string (keel_build_kind, include/keel/core.h); the
 * firmware tree is walked as for 5.4-3-2 and each file holding the development marker is
 * named. The same test case then looks at the debug and remote services the tree's boot
 * configuration switches on (check_services.c): one verdict for the debug interfaces. */
#include <inttypes.h>
#include <string.h>

#include "whitebox.h"

typedef struct kind_scan {
    size_t dev, prod;
    keel_audit_evidence *files;
} kind_scan;

static int holds(const uint8_t *data, size_t len, const char *marker)
{
    size_t m = strlen(marker);
    const uint8_t *p = data, *end = data + len;

    /* memmem is a GNU extension: the first byte is found with memchr, the rest compared. */
    while (len >= m && (size_t)(end - p) >= m &&
           (p = memchr(p, marker[0], (size_t)(end - p) - m + 1)) != NULL) {
        if (memcmp(p, marker, m) == 0)
            return 1;
        p++;
    }
    return 0;
}

/* Only programs and libraries carry a build: an ELF file or an ar archive (a static
 * library). A header, a manual or a log that quotes the marker is not a build. */
static int is_binary(const uint8_t *data, size_t len)
{
    static const char elf[] = "\x7f"
                              "ELF";
    static const char ar[] = "!<arch>\n";

    return (len >= 4 && memcmp(data, elf, 4) == 0) || (len >= 8 && memcmp(data, ar, 8) == 0);
}

static void scan_kind(const char *path, const uint8_t *data, size_t len, void *user)
{
    kind_scan *k = user;

    if (!is_binary(data, len))
        return;
    if (holds(data, len, KEEL_AUDIT_BUILD_DEV_MARKER)) {
        k->dev++;
        (void)keel_audit_evidence_addf(k->files, "%s: keel development build", path);
    }
    if (holds(data, len, KEEL_AUDIT_BUILD_PROD_MARKER))
        k->prod++;
}

keel_audit_verdict keel_audit_build_kind_judge(size_t dev, size_t prod, int complete,
                                               keel_audit_evidence *ev)
{
    if (dev > 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%zu file(s) from a keel development build (debug paths, "
                                       "development root of trust): build with "
                                       "-DKEEL_PRODUCTION=ON",
                                       dev);
        return KEEL_AUDIT_FAIL;
    }
    if (!complete) {
        (void)keel_audit_evidence_addf(ev, "the tree could not be fully scanned");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (prod > 0)
        (void)keel_audit_evidence_addf(ev, "only keel production builds found (%zu file(s))", prod);
    else
        (void)keel_audit_evidence_addf(ev, "no keel build marker found");
    return KEEL_AUDIT_PASS;
}

/* The build's verdict joined with the services' (whitebox.h): FAIL over INCONCLUSIVE over
 * PASS; the services' N/A (no boot configuration in the tree) leaves the build's verdict. */
static keel_audit_verdict with_services(const char *dir, keel_audit_verdict build,
                                        keel_audit_evidence *ev)
{
    keel_audit_evidence found;
    keel_audit_service_scan s = {.findings = &found};
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;

    keel_audit_evidence_init(&found);
    if (keel_audit_services_scan(dir, &s) == KEEL_OK)
        v = keel_audit_services_verdict(&s, ev);
    else
        (void)keel_audit_evidence_addf(ev, "debug and remote services: %s cannot be opened", dir);
    for (size_t i = 0; i < found.count; i++)
        (void)keel_audit_evidence_add(ev, found.lines[i], strlen(found.lines[i]));
    ev->dropped += found.dropped;
    keel_audit_evidence_free(&found);
    if (build == KEEL_AUDIT_FAIL || v == KEEL_AUDIT_FAIL)
        return KEEL_AUDIT_FAIL;
    if (build == KEEL_AUDIT_INCONCLUSIVE || v == KEEL_AUDIT_INCONCLUSIVE)
        return KEEL_AUDIT_INCONCLUSIVE;
    return build;
}

keel_err keel_audit_check_build_kind(keel_audit_report *r, const char *dir)
{
    const char *id;
    keel_audit_scan_stats s;
    keel_audit_evidence ev, files;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    kind_scan k = {.files = &files};

    if (r == NULL || dir == NULL)
        return KEEL_ERR_ARG;
    id = r->version == KEEL_EN303645_V2_1_1 ? "5.6-4-2" : "5.6-4A-2";
    keel_audit_evidence_init(&ev);
    keel_audit_evidence_init(&files);
    (void)keel_audit_evidence_addf(&ev, "white-box scan of %s for '%s'", dir,
                                   KEEL_AUDIT_BUILD_DEV_MARKER);
    if (keel_audit_walk_tree(dir, NULL, 0, scan_kind, &k, &s) != KEEL_OK) {
        (void)keel_audit_evidence_addf(&ev, "%s cannot be opened", dir);
    } else {
        int complete = !(s.skipped_large > 0 || s.unreadable > 0 || s.truncated);

        (void)keel_audit_evidence_addf(&ev,
                                       "%zu files (%" PRIu64 " bytes) scanned; not scanned: %zu "
                                       "over %" PRIu64 " MiB, %zu unreadable%s",
                                       s.files, s.bytes, s.skipped_large,
                                       KEEL_AUDIT_SCAN_FILE_MAX >> 20, s.unreadable,
                                       s.truncated ? "; the walk hit its bounds" : "");
        v = keel_audit_build_kind_judge(k.dev, k.prod, complete, &ev);
    }
    for (size_t i = 0; i < files.count; i++)
        (void)keel_audit_evidence_add(&ev, files.lines[i], strlen(files.lines[i]));
    keel_audit_evidence_free(&files);
    v = with_services(dir, v, &ev);
    return keel_audit_record(r, id, KEEL_AUDIT_FUNCTIONAL, v, &ev);
}
