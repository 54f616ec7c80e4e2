/*
 * keel audit: the assessor's engine for ETSI TS 103 701 (conformance tests of
 * EN 303 645). Private to the keel CLI, its tests and fuzz targets; never linked into a
 * device.
 *
 * A report holds every provision of one EN 303 645 version (4-1 / 5.0-1: the assessment
 * accounts for each one), each with the test cases recorded against it. TS 103 701 names
 * test cases "<provision>-1" (conceptual: judges the documented design) and
 * "<provision>-2" (functional: exercises the device).
 *
 * Everything a device says is untrusted: evidence is cut to bounded sizes, stripped of
 * control characters and invalid UTF-8 when it is recorded, and escaped by every writer.
 *
 * Functions return keel_err (0 on success). NULL where the contract forbids it returns
 * KEEL_ERR_ARG; nothing here aborts.
 */
#ifndef KEEL_AUDIT_H
#define KEEL_AUDIT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "keel/catalog.h"
#include "keel/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Verdicts in the order the reports print them. */
typedef enum keel_audit_verdict {
    KEEL_AUDIT_PASS = 0,
    KEEL_AUDIT_FAIL = 1,
    KEEL_AUDIT_NA = 2,
    KEEL_AUDIT_INCONCLUSIVE = 3,
    KEEL_AUDIT_NOT_TESTED = 4
} keel_audit_verdict;

#define KEEL_AUDIT_VERDICT_COUNT 5

typedef enum keel_audit_kind {
    KEEL_AUDIT_CONCEPTUAL = 0,
    KEEL_AUDIT_FUNCTIONAL = 1
} keel_audit_kind;

/* "PASS", "FAIL", "N/A", "INCONCLUSIVE", "NOT TESTED"; NULL for an unknown value. */
const char *keel_audit_verdict_name(keel_audit_verdict v);

/* "conceptual" or "functional"; NULL for an unknown value. */
const char *keel_audit_kind_name(keel_audit_kind k);

/* ---- Evidence: bounded lines of text about one test case ---------------------------- */

/* At most this many lines per test case; further lines are counted, not kept, and one
 * closing line says how many were cut. */
#define KEEL_AUDIT_EVIDENCE_MAX 64
/* At most this many input bytes of one line are kept; a longer line is cut there and says
 * so. After sanitising a kept line is at most 4 times longer plus the note. */
#define KEEL_AUDIT_EVIDENCE_LINE_MAX 512

typedef struct keel_audit_evidence {
    char *lines[KEEL_AUDIT_EVIDENCE_MAX + 1]; /* one spare slot for the "cut" note */
    size_t count;
    size_t dropped; /* lines refused because count had reached KEEL_AUDIT_EVIDENCE_MAX */
} keel_audit_evidence;

/* An empty evidence list; free it with keel_audit_evidence_free unless it was handed to
 * keel_audit_record. */
void keel_audit_evidence_init(keel_audit_evidence *ev);

/* Append len bytes (any bytes, NUL included) as one line. Control characters, bytes that
 * are not valid UTF-8 and backslashes are written as "\xNN"; a line longer than
 * KEEL_AUDIT_EVIDENCE_LINE_MAX bytes is cut and ends with a note naming its length. When
 * the list is full the line is counted in dropped and KEEL_OK is returned: a chatty
 * device must not stop the audit. KEEL_ERR_NOMEM if the copy cannot be allocated. */
keel_err keel_audit_evidence_add(keel_audit_evidence *ev, const void *bytes, size_t len);

/* keel_audit_evidence_add of a formatted line; KEEL_ERR_RANGE for a format error. */
KEEL_PRINTF(2, 3) keel_err keel_audit_evidence_addf(keel_audit_evidence *ev, const char *fmt, ...);

/* Free every line and leave ev empty. NULL is a no-op. */
void keel_audit_evidence_free(keel_audit_evidence *ev);

/* ---- The report --------------------------------------------------------------------- */

/* At most this many test cases per provision (TS 103 701 has two per test group). */
#define KEEL_AUDIT_TESTS_MAX 8
/* Longest test case ID, like "5.3-16-2" or "5.3-4A-2". */
#define KEEL_AUDIT_TEST_ID_MAX 32
/* Longest target text: "HOST:PORT" with a DNS name of at most 253 bytes, or "[IPv6]:PORT". */
#define KEEL_AUDIT_TARGET_MAX 272

/* Fields are read-only to callers: change a report only through keel_audit_record. */
typedef struct keel_audit_test {
    char id[KEEL_AUDIT_TEST_ID_MAX];
    keel_audit_kind kind;
    keel_audit_verdict verdict;
    char **evidence; /* evidence_count sanitised lines */
    size_t evidence_count;
} keel_audit_test;

typedef struct keel_audit_entry {
    const keel_provision *provision; /* from the catalog, never NULL */
    keel_audit_test tests[KEEL_AUDIT_TESTS_MAX];
    size_t test_count;
} keel_audit_entry;

typedef struct keel_audit_report {
    keel_catalog_version version;
    char target[KEEL_AUDIT_TARGET_MAX];
    time_t generated;          /* when the report was made; writers print it as RFC 3339 UTC */
    keel_audit_entry *entries; /* one per provision of version, in catalog order */
    size_t count;
} keel_audit_report;

/* A new report for every provision of version v, each NOT TESTED, about target (a
 * "HOST:PORT" text, copied; KEEL_ERR_RANGE when longer than KEEL_AUDIT_TARGET_MAX - 1).
 * KEEL_ERR_CATALOG_VERSION for an unknown version, KEEL_ERR_NOMEM. The caller frees *out
 * with keel_audit_report_free. */
keel_err keel_audit_report_new(keel_catalog_version v, const char *target, keel_audit_report **out);

/* Free the report and all its evidence. NULL is a no-op. */
void keel_audit_report_free(keel_audit_report *r);

/* Record a test case result. test_id is "<provision>-<n>" with n a decimal number; the
 * provision must be in the report's version (else KEEL_ERR_NOT_FOUND). verdict is one of
 * PASS, FAIL, N/A, INCONCLUSIVE (a recorded test was run: NOT TESTED is KEEL_ERR_ARG).
 * The same test case twice is KEEL_ERR_EXISTS; more than KEEL_AUDIT_TESTS_MAX on one
 * provision is KEEL_ERR_RANGE. ev may be NULL (no evidence); otherwise its lines move into
 * the report (with a closing note if lines were dropped) and ev is left empty, on success
 * and on failure alike. */
keel_err keel_audit_record(keel_audit_report *r, const char *test_id, keel_audit_kind kind,
                           keel_audit_verdict verdict, keel_audit_evidence *ev);

/* The entry of provision id, or NULL. */
const keel_audit_entry *keel_audit_report_find(const keel_audit_report *r, const char *id);

/* A provision's verdict from its tests: any FAIL -> FAIL; else any INCONCLUSIVE ->
 * INCONCLUSIVE; else any PASS -> PASS (N/A test cases do not count against it); else, when
 * every test is N/A -> N/A; no test -> NOT TESTED. Never PASS by default. */
keel_audit_verdict keel_audit_entry_verdict(const keel_audit_entry *e);

/* Count of provisions per verdict. */
typedef struct keel_audit_counts {
    size_t n[KEEL_AUDIT_VERDICT_COUNT]; /* indexed by keel_audit_verdict */
    size_t total;
} keel_audit_counts;

typedef struct keel_audit_summary {
    keel_audit_counts all;
    keel_audit_counts mandatory; /* only provisions whose status starts with M */
} keel_audit_summary;

/* Count the provisions of section (like "5.1"; NULL for every section) by verdict. */
keel_err keel_audit_summarize(const keel_audit_report *r, const char *section,
                              keel_audit_summary *out);

/* The distinct sections of the report in catalog order: up to max of them into
 * sections[] (pointers into the catalog), their number into *count. KEEL_ERR_RANGE when
 * there are more than max. */
keel_err keel_audit_sections(const keel_audit_report *r, const char **sections, size_t max,
                             size_t *count);

/* ---- Writers ------------------------------------------------------------------------ */

/* The report as JSON (shape: data/schemas/audit-report.schema.json) or as one
 * self-contained HTML page, in a new NUL-terminated buffer (*out, *len without the NUL)
 * that the caller frees with free(). KEEL_ERR_NOMEM, KEEL_ERR_RANGE if the time cannot be
 * printed. */
keel_err keel_audit_render_json(const keel_audit_report *r, char **out, size_t *len);
keel_err keel_audit_render_html(const keel_audit_report *r, char **out, size_t *len);

/* The terminal summary: one line per section with counts per verdict, then the totals of
 * all and of mandatory provisions. */
keel_err keel_audit_render_text(const keel_audit_report *r, char **out, size_t *len);

/* Close f, an open_memstream over (*out, *len): on any write or close error the buffer is
 * freed, *out set to NULL and KEEL_ERR_NOMEM returned. */
keel_err keel_audit_memstream_close(FILE *f, char **out, size_t *len);

/* Render and write to path with keel_file_write_atomic (mode 0644: a report is not
 * secret). KEEL_ERR_IO when the file cannot be written. */
keel_err keel_audit_write_json(const keel_audit_report *r, const char *path);
keel_err keel_audit_write_html(const keel_audit_report *r, const char *path);

/* RFC 3339 UTC text of t ("2025-01-31T12:00:00Z") into out (at least 21 bytes). */
keel_err keel_audit_format_time(time_t t, char *out, size_t outsz);

/* ---- Checks against a live device --------------------------------------------------- */

/* Longest host: a DNS name is at most 253 bytes. */
#define KEEL_AUDIT_HOST_MAX 254

typedef struct keel_audit_target {
    char host[KEEL_AUDIT_HOST_MAX]; /* name or IP literal, IPv6 without brackets */
    uint16_t port;
    int ipv6_literal; /* 1 when host is an IPv6 address (printed in brackets) */
} keel_audit_target;

/* Parse "HOST:PORT", "[IPv6]:PORT" (port 1-65535; host an IPv4 or IPv6 literal or a DNS
 * name of letters, digits, '-' and '.'). KEEL_ERR_PARSE names no detail beyond the code:
 * callers print the text they passed. */
keel_err keel_audit_target_parse(const char *text, keel_audit_target *out);

/* "HOST:PORT" or "[IPv6]:PORT" into out. */
keel_err keel_audit_target_format(const keel_audit_target *t, char *out, size_t outsz);

/* 5.6-1 test "5.6-1-2": TCP connect scan of every port 1-65535 of the target's address.
 * The declared interface is the target port. PASS when it is the only open port, FAIL
 * naming every other open port, INCONCLUSIVE when the declared port is closed or the host
 * cannot be resolved. Returns an error only when the test could not be recorded. */
keel_err keel_audit_check_ports(keel_audit_report *r, const keel_audit_target *t);

/* 5.5-1 test "5.5-1-2": one TLS handshake per protocol version 1.0, 1.1, 1.2, 1.3. PASS
 * when 1.0 and 1.1 are refused and 1.2 or 1.3 accepted; FAIL when a legacy version is
 * accepted or no version is (also when nothing answers on the port); INCONCLUSIVE when the
 * host does not resolve, or when 1.2 or 1.3 works but a legacy probe could not be made. */
keel_err keel_audit_check_tls(keel_audit_report *r, const keel_audit_target *t);

/* The built-in list of well-known default passwords (data/credentials/
 * default-passwords.txt, compiled in) and its length. */
extern const char *const keel_audit_default_passwords[];
extern const size_t keel_audit_default_password_count;

/* 5.1-1 test "5.1-1-2": POST {"password": candidate} over HTTPS to login_path (NULL:
 * "/api/v1/login") for each of n candidates. FAIL naming every candidate answered with
 * HTTP 200; PASS when every candidate got 401 or 403; INCONCLUSIVE otherwise (the device
 * did not answer, or answered something else), with the reason. login_path must start
 * with '/' and hold only printable ASCII without spaces (else KEEL_ERR_ARG). */
keel_err keel_audit_check_credentials(keel_audit_report *r, const keel_audit_target *t,
                                      const char *login_path, const char *const *candidates,
                                      size_t n);

#define KEEL_AUDIT_LOGIN_PATH_DEFAULT "/api/v1/login"
#define KEEL_AUDIT_LOGIN_PATH_MAX 256

#ifdef __cplusplus
}
#endif
#endif /* KEEL_AUDIT_H */
