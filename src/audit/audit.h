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

/* Write why a parser or a step refused something into why (whysz bytes, always NUL-terminated
 * when whysz > 0; cut to fit: it is a message, never data). why NULL or whysz 0: a no-op. */
KEEL_PRINTF(3, 4) void keel_audit_say(char *why, size_t whysz, const char *fmt, ...);

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

/* The SBOM keel audit wrote beside the report with --firmware (docs/sbom.md): the report's
 * optional "sbom" member. present 0: none was written. */
#define KEEL_AUDIT_SBOM_FILE "sbom.cdx.json"
typedef struct keel_audit_sbom_note {
    int present;
    size_t components;
    char sources[8][64]; /* the package databases read, paths in the tree */
    size_t source_count;
} keel_audit_sbom_note;

typedef struct keel_audit_report {
    keel_catalog_version version;
    char target[KEEL_AUDIT_TARGET_MAX];
    time_t generated;          /* when the report was made; writers print it as RFC 3339 UTC */
    keel_audit_entry *entries; /* one per provision of version, in catalog order */
    size_t count;
    struct keel_audit_progress *progress; /* the terminal's progress line for the long steps
                                             (progress.h); NULL: none. Not owned. */
    keel_audit_sbom_note sbom;            /* set by the CLI after writing the SBOM */
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

/* The most sections a report has (EN 303 645 has 15). */
#define KEEL_AUDIT_SECTIONS_MAX 64

/* What every text writer does first: check its arguments (KEEL_ERR_ARG), print the report's
 * time into when (RFC 3339, at least 21 bytes), list its sections into sections
 * (KEEL_AUDIT_SECTIONS_MAX of them at most; their number into *n), and open *f, a
 * memstream over (*out, *len) that keel_audit_memstream_close closes. *out is NULL and *len
 * 0 on every error. */
keel_err keel_audit_render_open(const keel_audit_report *r, char *when, size_t whensz,
                                const char **sections, size_t *n, char **out, size_t *len,
                                FILE **f);

/* Render and write to path with keel_file_write_atomic (mode 0644: a report is not
 * secret). KEEL_ERR_IO when the file cannot be written. */
keel_err keel_audit_write_json(const keel_audit_report *r, const char *path);
keel_err keel_audit_write_html(const keel_audit_report *r, const char *path);

/* The report in the formats of laboratories' and CI's tools (docs/audit-report.md), in a new
 * buffer as keel_audit_render_json: GitHub-flavoured Markdown (evidence in code spans, no text
 * can add a table cell or markup), SARIF 2.1.0 (a rule per test case, a result per FAIL or
 * INCONCLUSIVE one) and JUnit XML (a testsuite per section, a testcase per test case and one
 * per provision not tested; well-formed whatever the evidence holds). */
keel_err keel_audit_render_markdown(const keel_audit_report *r, char **out, size_t *len);
keel_err keel_audit_render_sarif(const keel_audit_report *r, char **out, size_t *len);
keel_err keel_audit_render_junit(const keel_audit_report *r, char **out, size_t *len);

/* As keel_audit_write_json, in those formats. */
keel_err keel_audit_write_markdown(const keel_audit_report *r, const char *path);
keel_err keel_audit_write_sarif(const keel_audit_report *r, const char *path);
keel_err keel_audit_write_junit(const keel_audit_report *r, const char *path);

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

/* ---- Batches of device labels (5.1-1, 5.1-2) ------------------------------------- */

/* A label file is at most this long; a batch holds at most KEEL_AUDIT_LABELS_MAX labels. */
#define KEEL_AUDIT_LABEL_FILE_MAX 4096
#define KEEL_AUDIT_LABELS_MAX 4096
#define KEEL_AUDIT_LABEL_FIELD_MAX 128
#define KEEL_AUDIT_LABEL_NAME_MAX 256

/* What the audit reads from one label: "serial: ..." and "password: ..." lines (any
 * spacing after the colon, keys in any case), and the first MAC-like text of any line
 * ("xx:xx:xx:xx:xx:xx", '-' separated, or 12 hex digits standing alone) as 12 lower-case
 * hex digits. The password is a secret: it is held in a keel_secret and wiped by
 * keel_audit_label_clear. */
typedef struct keel_audit_label {
    char name[KEEL_AUDIT_LABEL_NAME_MAX]; /* the file name, for evidence */
    char serial[KEEL_AUDIT_LABEL_FIELD_MAX];
    char mac[13]; /* "" when the label shows none */
    keel_secret password;
} keel_audit_label;

/* Parse the len bytes of one label (untrusted, need not be NUL-terminated) into *out
 * (name left empty). KEEL_ERR_PARSE when there is no password or no serial line, a key
 * appears twice, a value is empty or holds a control character or a NUL;
 * KEEL_ERR_TOO_LARGE past KEEL_AUDIT_LABEL_FILE_MAX bytes or a value past
 * KEEL_AUDIT_LABEL_FIELD_MAX - 1. On failure *out is cleared. */
keel_err keel_audit_label_parse(const void *text, size_t len, keel_audit_label *out);

/* Wipe the label. NULL is a no-op. */
void keel_audit_label_clear(keel_audit_label *l);

/* The numbers 5.1-2-2 judges a batch by. Symbols are the password's characters other
 * than the group separators '-' and ' '. */
typedef struct keel_audit_batch_stats {
    size_t labels;
    size_t shared;         /* labels whose password another label of the batch also has */
    size_t derived;        /* passwords holding a 4+ character run of their serial or MAC */
    size_t symbols;        /* symbols in all passwords together */
    size_t alphabet;       /* distinct symbols observed in the batch */
    size_t min_length;     /* symbols in the shortest password */
    double entropy_bits;   /* min_length * log2(alphabet) */
    int chi_square_run;    /* 1 when every symbol is expected at least 5 times */
    double chi_square;     /* against a uniform distribution over the observed alphabet */
    double chi_square_max; /* its 0.999 quantile with alphabet - 1 degrees of freedom */
} keel_audit_batch_stats;

/* Entropy a password must have at least (per password, estimated). */
#define KEEL_AUDIT_ENTROPY_MIN_BITS 64.0

/* Analyse n labels (n >= 1) into *out; evidence names the labels that share a password
 * or derive it from their serial or MAC (never a password or a part of one). */
keel_err keel_audit_labels_analyse(const keel_audit_label *labels, size_t n,
                                   keel_audit_evidence *ev, keel_audit_batch_stats *out);

/* The 0.999 quantile of the chi-square distribution with df >= 1 degrees of freedom
 * (Wilson-Hilferty: at most 2 % high for df >= 3, 1 % for df >= 10, which is what a batch's
 * alphabet gives; erring high, it never fails a fair generator more often than 0.1 %). */
double keel_audit_chi_square_q999(size_t df);

/* Read every "*.txt" file of dir (not recursive, symbolic links refused) as a label into
 * a new array (*labels, *n) that the caller frees with keel_audit_labels_free. A file that
 * cannot be read or parsed stops the load: KEEL_ERR_PARSE / KEEL_ERR_IO / KEEL_ERR_TOO_LARGE
 * with its name in why (whysz bytes). KEEL_ERR_NOT_FOUND when dir holds no label,
 * KEEL_ERR_RANGE past KEEL_AUDIT_LABELS_MAX labels. */
keel_err keel_audit_labels_load(const char *dir, keel_audit_label **labels, size_t *n, char *why,
                                size_t whysz);
void keel_audit_labels_free(keel_audit_label *labels, size_t n);

/* 5.1-2 test "5.1-2-2": load the batch of labels in dir and judge it. FAIL when two
 * labels share a password, a password holds a 4+ character run of its serial or MAC, the
 * symbols fail the chi-square test at the 0.999 quantile (run only with enough symbols),
 * or the estimated entropy is below KEEL_AUDIT_ENTROPY_MIN_BITS; INCONCLUSIVE when the
 * labels cannot be read or fewer than 2 are given; PASS otherwise. *stats (may be NULL)
 * receives the numbers, labels == 0 when none could be read. */
keel_err keel_audit_check_labels(keel_audit_report *r, const char *dir,
                                 keel_audit_batch_stats *stats);

/* ---- Logins against a live device (5.1-1, 5.1-4, 5.1-5) ----------------------------- */

/* The built-in list of well-known default passwords (data/credentials/
 * default-passwords.txt, compiled in, most common first) and its length. */
extern const char *const keel_audit_default_passwords[];
extern const size_t keel_audit_default_password_count;

/* The entries of that list that programs also use as names (JSON keys, option and user
 * names: data/credentials/identifier-words.txt). */
extern const char *const keel_audit_identifier_words[];
extern const size_t keel_audit_identifier_word_count;

/* How long 5.1-1-2 may wait for a throttling device, and how many candidates must be
 * evaluated for a PASS (guard.md). */
#define KEEL_AUDIT_CREDENTIALS_BUDGET_MS 30000LL
#define KEEL_AUDIT_CREDENTIALS_MIN_EVALUATED 5

/* 5.1-1 test "5.1-1-2": POST {"password": candidate} over HTTPS to login_path (NULL:
 * "/api/v1/login") for each of n candidates in order. A 429 is waited out (Retry-After)
 * and the candidate retried while the wait fits in budget_ms (0: the default); past it the
 * test stops. FAIL naming every candidate answered with 2xx, or when batch (may be NULL,
 * from 5.1-2-2) shows two devices with one password; PASS when none was accepted and at
 * least the first KEEL_AUDIT_CREDENTIALS_MIN_EVALUATED (or all n, if fewer) got 401/403;
 * INCONCLUSIVE otherwise (fewer evaluated, no answer, unexpected answers), with the reason.
 * login_path must pass keel_audit_http_path_valid's rule (else KEEL_ERR_ARG). */
keel_err keel_audit_check_credentials(keel_audit_report *r, const keel_audit_target *t,
                                      const char *login_path, const char *const *candidates,
                                      size_t n, long long budget_ms,
                                      const keel_audit_batch_stats *batch);

/* The built-in list of well-known default "user:password" pairs (data/credentials/
 * default-logins.txt, compiled in, most common first) and its length. */
extern const char *const keel_audit_default_logins[];
extern const size_t keel_audit_default_login_count;

/* 5.1-1-2 for a login behind HTTP Basic authentication (--login-scheme basic): GET
 * login_path with each of the n "user:password" pairs, judged as keel_audit_check_credentials
 * judges (2xx: the pair opened the route, named in the evidence; 401/403: refused; 429
 * waited out within budget_ms). KEEL_ERR_ARG for a pair without ':' or with an empty or too
 * long user, and as keel_audit_check_credentials. */
keel_err keel_audit_check_credentials_basic(keel_audit_report *r, const keel_audit_target *t,
                                            const char *login_path, const char *const *pairs,
                                            size_t n, long long budget_ms,
                                            const keel_audit_batch_stats *batch);

/* 5.1-5 limits of "5.1-5-2" (guard.md): at most this many wrong passwords, this long. */
#define KEEL_AUDIT_BRUTE_ATTEMPTS_MAX 25
#define KEEL_AUDIT_BRUTE_TIME_MAX_MS 20000LL
#define KEEL_AUDIT_BRUTE_FREE_FAILURES 10

/* One wrong attempt as 5.1-5-2 saw it. */
typedef struct keel_audit_brute_attempt {
    long status;       /* 0: no answer */
    int timed_out;     /* 1 when no answer came within the request timeout */
    long long took_ms; /* time to the answer */
    long long at_ms;   /* end of the attempt, from the start of the test */
} keel_audit_brute_attempt;

/* The verdict on a series of n wrong attempts (the analysis of 5.1-5-2, apart from the
 * network): PASS when a 429 or a timeout came while at most KEEL_AUDIT_BRUTE_FREE_FAILURES
 * attempts had been evaluated, or when the evaluated attempts after the first
 * KEEL_AUDIT_BRUTE_FREE_FAILURES came at less than 1 per second (or the time ran out
 * before that many, at that rate); FAIL when any was accepted or the guesses went on at 1
 * per second or more; INCONCLUSIVE for missing or unexpected answers. Evidence says why. */
keel_audit_verdict keel_audit_brute_judge(const keel_audit_brute_attempt *a, size_t n,
                                          keel_audit_evidence *ev);

/* 5.1-5 test "5.1-5-2": send random wrong passwords (never a candidate of any list) from
 * one client as fast as the device answers, at most KEEL_AUDIT_BRUTE_ATTEMPTS_MAX of
 * them within KEEL_AUDIT_BRUTE_TIME_MAX_MS, stopping as soon as the device throttles,
 * and judge with keel_audit_brute_judge. */
keel_err keel_audit_check_bruteforce(keel_audit_report *r, const keel_audit_target *t,
                                     const char *login_path);

/* 5.1-4 test "5.1-4-2" inputs. password is the device's current password (NULL: the test
 * is recorded INCONCLUSIVE, "no credentials given"); new_password_file is where the new
 * password is written (mode 0600) so that the owner can still log in. */
typedef struct keel_audit_change_opts {
    const char *login_path;    /* NULL: KEEL_AUDIT_LOGIN_PATH_DEFAULT */
    const char *password_path; /* NULL: KEEL_AUDIT_PASSWORD_PATH_DEFAULT */
    const char *password;
    const char *new_password_file;
    /* May be NULL; else KEEL_SECRET_MAX + 1 bytes that receive the device's password once
     * the test is over: the given one, or the one the test set (the later test cases that act
     * as the owner, 5.11-1-2, log in with it). */
    char *password_now;
} keel_audit_change_opts;

#define KEEL_AUDIT_PASSWORD_PATH_DEFAULT "/api/v1/password"
/* Length of the strong password 5.1-4-2 sets. */
#define KEEL_AUDIT_NEW_PASSWORD_LEN 20

/* 5.1-4 test "5.1-4-2": log in with the given password, ask for a weak new password (it
 * must be refused with 400), then for a strong random one (204), then check the old
 * password is refused and the new one accepted. PASS when all hold; FAIL when the weak
 * password is accepted or the change does not take; INCONCLUSIVE when the given password
 * is refused, the route is missing or the device does not answer. Whenever the device's
 * password changed, the final one is written to new_password_file and the evidence says
 * so; no password appears in the report. */
keel_err keel_audit_check_password_change(keel_audit_report *r, const keel_audit_target *t,
                                          const keel_audit_change_opts *o);

/* ---- The device's root of trust (5.4-1) --------------------------------------------- */

#define KEEL_AUDIT_STATUS_PATH_DEFAULT "/api/v1/status"
/* Where 5.4-1-2 ends the session it opened, so that none is left on the device. */
#define KEEL_AUDIT_LOGOUT_PATH "/api/v1/logout"
/* The longest "root_of_trust" value kept; a longer one is reported as such. */
#define KEEL_AUDIT_ROT_NAME_MAX 32

/* The verdict of 5.4-1-2 on what the device's authenticated status route answered, apart
 * from the network: status is its HTTP status (0: no answer), found the result of reading
 * its "root_of_trust" string member with keel_audit_http_body_string (KEEL_OK: rot holds
 * it; KEEL_ERR_PARSE: no such string; KEEL_ERR_RANGE: longer than KEEL_AUDIT_ROT_NAME_MAX
 * - 1) and rot that value (untrusted; may be NULL unless found is KEEL_OK). FAIL for
 * "file" (keys kept in files: the development root of trust), PASS for "tpm2",
 * INCONCLUSIVE for anything else, with the reason; one evidence line says why. */
keel_audit_verdict keel_audit_rot_judge(long status, keel_err found, const char *rot,
                                        keel_audit_evidence *ev);

/* 5.4-1 test "5.4-1-2": log in at login_path (NULL: KEEL_AUDIT_LOGIN_PATH_DEFAULT) with
 * password (the device's current one; required), waiting out the device's guard (429)
 * for up to KEEL_AUDIT_CREDENTIALS_BUDGET_MS, GET status_path (NULL:
 * KEEL_AUDIT_STATUS_PATH_DEFAULT) with the session, judge its "root_of_trust" with
 * keel_audit_rot_judge, and log out at KEEL_AUDIT_LOGOUT_PATH. A password that is not
 * accepted is INCONCLUSIVE. The verdict rests on what the device says of itself, and the
 * evidence says so. KEEL_ERR_ARG for a NULL argument or an invalid path (the rule of
 * keel_audit_http_path_valid); otherwise only a failure to record is returned. */
keel_err keel_audit_check_rot(keel_audit_report *r, const keel_audit_target *t,
                              const char *login_path, const char *status_path,
                              const char *password);

#define KEEL_AUDIT_LOGIN_PATH_DEFAULT "/api/v1/login"
#define KEEL_AUDIT_LOGIN_PATH_MAX 256

/* 1 when path starts with '/' and holds only printable ASCII without spaces, shorter than
 * KEEL_AUDIT_LOGIN_PATH_MAX: the rule for every configurable route. */
int keel_audit_http_path_valid(const char *path);

/* ---- White-box: hard-coded keys and passwords in a firmware tree (5.4-3) ------------ */

typedef enum keel_audit_finding_kind {
    KEEL_AUDIT_FOUND_PEM_KEY = 0,    /* a PEM "BEGIN ... PRIVATE KEY" block */
    KEEL_AUDIT_FOUND_DER_KEY = 1,    /* a DER private key OpenSSL can load */
    KEEL_AUDIT_FOUND_PASSWORD = 2,   /* a well-known default password as a delimited string */
    KEEL_AUDIT_FOUND_LISTED = 3,     /* one as a C string inside a list of 64 or more short
                                        words (a blocklist of weak passwords, say): shown,
                                        not counted as a hard-coded credential */
    KEEL_AUDIT_FOUND_SECRET = 4,     /* a credential of a well-known shape (cloud or service
                                        token, JWT, user:password@ URL, HTTP Basic) or a
                                        literal assigned to a key naming a secret */
    KEEL_AUDIT_FOUND_SSH_KEY = 5,    /* an OpenSSH private key in its binary form
                                        ("openssh-key-v1") or a PuTTY key file (.ppk) */
    KEEL_AUDIT_FOUND_CERTIFICATE = 6 /* a PEM certificate: public, listed, not counted */
} keel_audit_finding_kind;

typedef struct keel_audit_finding {
    keel_audit_finding_kind kind;
    uint64_t offset;      /* of the block, key or password within the file */
    char what[64];        /* the PEM label ("RSA PRIVATE KEY"), the key type ("EC"), or the
                             candidate (public: it is on the dictionary) */
    char context[24];     /* for passwords: "NUL-delimited", "quoted", "after '='" */
    char fingerprint[17]; /* keys: the first 16 hex digits of SHA-256 over the key's
                             public part (SubjectPublicKeyInfo DER) when keel can derive it,
                             so that every encoding of one key has one fingerprint (5.4-4-2),
                             else over the block or DER; certificates: over the DER; secrets: of
                             HMAC-SHA-256 under a key drawn for the scan (a weak password's plain
                             hash could be reversed); never the key or secret itself */
    size_t length;        /* secrets: the value's length in bytes */
    double entropy;       /* secrets: its Shannon entropy in bits per byte */
} keel_audit_finding;

/* Called once per finding; path is relative to the scanned root ("" for a buffer). */
typedef void (*keel_audit_finding_fn)(const char *path, const keel_audit_finding *f, void *user);

/* Candidate passwords of the scan: the words and the subset that programs also use as
 * names (these count only as the value of a key whose name says password, pass, pwd or
 * secret, never as a bare NUL-delimited string). */
typedef struct keel_audit_dictionary {
    const char *const *words;
    size_t count;
    const char *const *identifiers;
    size_t identifier_count;
} keel_audit_dictionary;

/* The built-in dictionary (keel_audit_default_passwords, keel_audit_identifier_words). */
void keel_audit_dictionary_builtin(keel_audit_dictionary *d);

/* Scan len bytes for private keys and dictionary passwords (see keel_audit_scan_tree),
 * calling fn(path, finding, user) for each; *found (may be NULL) is increased by their
 * number. Words of 1-63 bytes; longer or empty words are skipped. */
keel_err keel_audit_scan_buffer(const uint8_t *data, size_t len, const keel_audit_dictionary *d,
                                const char *path, keel_audit_finding_fn fn, void *user,
                                size_t *found);

/* Bounds of a tree scan. */
#define KEEL_AUDIT_SCAN_FILE_MAX ((uint64_t)64 * 1024 * 1024)
#define KEEL_AUDIT_SCAN_TOTAL_MAX ((uint64_t)4 * 1024 * 1024 * 1024)
#define KEEL_AUDIT_SCAN_FILES_MAX 1000000
#define KEEL_AUDIT_SCAN_DEPTH_MAX 64

typedef struct keel_audit_scan_stats {
    size_t files;         /* regular files scanned */
    uint64_t bytes;       /* bytes scanned */
    size_t skipped_large; /* files larger than KEEL_AUDIT_SCAN_FILE_MAX, not scanned */
    size_t skipped_links; /* symbolic links, not followed */
    size_t skipped_other; /* devices, FIFOs, sockets */
    size_t unreadable;    /* files or directories that could not be opened or read */
    size_t excluded;      /* paths skipped because the caller excluded them */
    int truncated;        /* 1 when a total, count or depth bound stopped the walk */
    size_t pem_keys, der_keys, passwords;
    size_t ssh_keys;     /* KEEL_AUDIT_FOUND_SSH_KEY findings */
    size_t certificates; /* KEEL_AUDIT_FOUND_CERTIFICATE: listed, not counted */
    size_t secrets;      /* KEEL_AUDIT_FOUND_SECRET findings */
    size_t listed;       /* KEEL_AUDIT_FOUND_LISTED findings: not counted against the tree */
} keel_audit_scan_stats;

/* Walk the tree at root (a directory or a single file) without following symbolic links
 * or crossing into special files, read each regular file once (at most
 * KEEL_AUDIT_SCAN_FILE_MAX bytes; larger ones are counted and skipped) and report:
 * PEM private key blocks of every flavour (PKCS#1, SEC1, PKCS#8, ENCRYPTED, OPENSSH, ...),
 * DER private keys (a SEQUENCE that OpenSSL's d2i_AutoPrivateKey parses exactly), and
 * dictionary passwords standing as a NUL-delimited string, a quoted string that is not a
 * JSON key, or a value after '=' (identifier words and digit-only words only as the value
 * of a key naming a password; a C string inside a list of 64+ words is reported as
 * KEEL_AUDIT_FOUND_LISTED). exclude (n_exclude paths relative to root, may be NULL)
 * are skipped with everything below them. KEEL_ERR_IO when root cannot be opened. */
keel_err keel_audit_scan_tree(const char *root, const char *const *exclude, size_t n_exclude,
                              const keel_audit_dictionary *d, keel_audit_finding_fn fn, void *user,
                              keel_audit_scan_stats *stats);

/* Called once per regular file of a walk with its bytes (valid only during the call);
 * path is relative to the walked root (root itself for a single file). */
typedef void (*keel_audit_file_fn)(const char *path, const uint8_t *data, size_t len, void *user);

/* The walk of keel_audit_scan_tree (same bounds, order and stats for files, bytes, skipped,
 * unreadable and truncated) with file_fn called for each file read. KEEL_ERR_IO when root
 * cannot be opened. */
keel_err keel_audit_walk_tree(const char *root, const char *const *exclude, size_t n_exclude,
                              keel_audit_file_fn file_fn, void *user, keel_audit_scan_stats *stats);

/* 5.4-3 test "5.4-3-2" (white-box): scan the firmware tree at dir with the built-in
 * dictionary. FAIL listing each finding (file, offset, kind, fingerprint or candidate
 * name; never a secret); PASS when nothing is found and every file was scanned;
 * INCONCLUSIVE when files were skipped or unreadable, or the walk was cut short. */
keel_err keel_audit_check_firmware(keel_audit_report *r, const char *dir);

/* 5.4-4 test "5.4-4-2" (white-box, functional): the private keys of the firmware tree dir and
 * of a second device's tree peer (same model), compared by fingerprint (keel_audit_finding's:
 * independent of the encoding). FAIL naming both paths of each shared key; INCONCLUSIVE when a
 * tree cannot be opened or not every file was searched; N/A when neither tree holds a private
 * key; else PASS. Only a failure to record is returned. */
keel_err keel_audit_check_unique(keel_audit_report *r, const char *dir, const char *peer);

/* 5.5-1 test case "5.5-1-3" (white-box): the TLS configurations of the firmware tree at dir
 * (nginx, Apache, lighttpd, mosquitto, openssl.cnf, stunnel, HAProxy; src/audit/tls_config.h)
 * allow no legacy protocol (SSL, TLS 1.0, TLS 1.1) and no weak suite. FAIL naming
 * file:line: directive; PASS when TLS configurations were found and all are modern; N/A
 * when the tree has none; INCONCLUSIVE when a file could not be read or TLS is switched on
 * without a protocol directive. Only a failure to record is returned. */
keel_err keel_audit_check_tls_config(keel_audit_report *r, const char *dir);

/* One evidence line for a finding: "etc/ssl/key.pem: offset 0: PEM block 'RSA PRIVATE
 * KEY' (SHA-256 3f0c...)". */
keel_err keel_audit_finding_format(const char *path, const keel_audit_finding *f, char *out,
                                   size_t outsz);

/* ---- The device's declared interfaces and routes (IXIT 15-Intf, 13-SoftServ) --------- */

/* Bounds of an IXIT file (untrusted input from the device maker). */
#define KEEL_AUDIT_IXIT_FILE_MAX ((size_t)1024 * 1024)
#define KEEL_AUDIT_IXIT_INTERFACES_MAX 64
#define KEEL_AUDIT_IXIT_ROUTES_MAX 256
#define KEEL_AUDIT_IXIT_ID_MAX 64
#define KEEL_AUDIT_IXIT_TEXT_MAX 512 /* protocol, purpose, authentication */
#define KEEL_AUDIT_IXIT_METHOD_MAX 8 /* "DELETE" */
/* Room for the reason of a refused IXIT: "interfaces[1].port: must be ...". */
#define KEEL_AUDIT_IXIT_WHY_MAX 256

typedef struct keel_audit_ixit_interface {
    char id[KEEL_AUDIT_IXIT_ID_MAX];
    int inbound; /* "direction": 1 "inbound", 0 "outbound" */
    int udp;     /* "transport": 1 "udp", 0 "tcp" */
    char address[KEEL_AUDIT_HOST_MAX];
    uint16_t port; /* 1-65535 */
    char protocol[KEEL_AUDIT_IXIT_TEXT_MAX];
    char purpose[KEEL_AUDIT_IXIT_TEXT_MAX];
    char authentication[KEEL_AUDIT_IXIT_TEXT_MAX];
} keel_audit_ixit_interface;

/* The JSON type of a declared body member (5.13-1): "string", "secret" (a string the audit
 * never fills with a plausible value: a password), "integer", "number", "boolean",
 * "object", "array". */
typedef enum keel_audit_json_type {
    KEEL_AUDIT_JSON_STRING = 0,
    KEEL_AUDIT_JSON_SECRET,
    KEEL_AUDIT_JSON_INTEGER,
    KEEL_AUDIT_JSON_NUMBER,
    KEEL_AUDIT_JSON_BOOLEAN,
    KEEL_AUDIT_JSON_OBJECT,
    KEEL_AUDIT_JSON_ARRAY
} keel_audit_json_type;

#define KEEL_AUDIT_IXIT_MEMBERS_MAX 16
#define KEEL_AUDIT_IXIT_NAME_MAX 64 /* a JSON member name, a label key */
#define KEEL_AUDIT_IXIT_BODY_MAX ((size_t)16 * 1024 * 1024)

typedef struct keel_audit_ixit_member {
    char name[KEEL_AUDIT_IXIT_NAME_MAX];
    keel_audit_json_type type;
} keel_audit_ixit_member;

typedef struct keel_audit_ixit_route {
    char method[KEEL_AUDIT_IXIT_METHOD_MAX]; /* GET, POST, PUT, PATCH or DELETE */
    char path[KEEL_AUDIT_LOGIN_PATH_MAX];    /* keel_audit_http_path_valid */
    int is_public;                           /* "public": reachable without a session */
    int security_relevant;                   /* "security_relevant" (5.5-5) */
    int has_max_body;                        /* "max_body" declared (5.13-1) */
    size_t max_body;                         /* its largest body in bytes, 0: none */
    int has_body;                            /* "body" declared: the members of its object */
    keel_audit_ixit_member members[KEEL_AUDIT_IXIT_MEMBERS_MAX];
    size_t member_count;
} keel_audit_ixit_route;

/* "publication" (5.3-13, 5.3-16): the declared support period and model designation, and
 * where the device publishes them. A place names the JSON member (api) or label key (label)
 * that carries each value; "" where it carries none. */
typedef struct keel_audit_ixit_publication {
    int present;
    char support_until[11];                   /* "YYYY-MM-DD", "" when not declared */
    char model[KEEL_AUDIT_IXIT_NAME_MAX];     /* "" when not declared */
    char api_path[KEEL_AUDIT_LOGIN_PATH_MAX]; /* "" when no API place */
    char api_support_until[KEEL_AUDIT_IXIT_NAME_MAX];
    char api_model[KEEL_AUDIT_IXIT_NAME_MAX];
    int has_label; /* the label is a place */
    char label_support_until[KEEL_AUDIT_IXIT_NAME_MAX];
    char label_model[KEEL_AUDIT_IXIT_NAME_MAX];
} keel_audit_ixit_publication;

/* "outage" (5.9-2): the laboratory's hook to cut the device's cloud link and restore it,
 * each a list of commands (argv arrays, run without a shell), and how local function is
 * exercised meanwhile: POST each step's body to path, then GET path, whose member must equal
 * the step's expected value. */
#define KEEL_AUDIT_OUTAGE_COMMANDS_MAX 8
#define KEEL_AUDIT_OUTAGE_ARGS_MAX 32
#define KEEL_AUDIT_OUTAGE_ARG_MAX 256
#define KEEL_AUDIT_OUTAGE_STEPS_MAX 4
#define KEEL_AUDIT_OUTAGE_BODY_MAX 256
#define KEEL_AUDIT_OUTAGE_TIMEOUT_MS 10000L /* per command, when the IXIT names none */
#define KEEL_AUDIT_OUTAGE_SETTLE_MS 2000L   /* after the cut, when the IXIT names none */
#define KEEL_AUDIT_OUTAGE_WAIT_MAX_MS 60000L

typedef struct keel_audit_ixit_command {
    char args[KEEL_AUDIT_OUTAGE_ARGS_MAX][KEEL_AUDIT_OUTAGE_ARG_MAX];
    size_t argc; /* >= 1 */
} keel_audit_ixit_command;

typedef struct keel_audit_ixit_step {
    char body[KEEL_AUDIT_OUTAGE_BODY_MAX];   /* a JSON object as printed by cJSON */
    char expect[KEEL_AUDIT_OUTAGE_BODY_MAX]; /* a JSON scalar as printed by cJSON */
} keel_audit_ixit_step;

typedef struct keel_audit_ixit_outage {
    keel_audit_ixit_command cut[KEEL_AUDIT_OUTAGE_COMMANDS_MAX];
    size_t cut_count;
    keel_audit_ixit_command restore[KEEL_AUDIT_OUTAGE_COMMANDS_MAX];
    size_t restore_count;
    long timeout_ms; /* 1..KEEL_AUDIT_OUTAGE_WAIT_MAX_MS */
    long settle_ms;  /* 0..KEEL_AUDIT_OUTAGE_WAIT_MAX_MS */
    char path[KEEL_AUDIT_LOGIN_PATH_MAX];
    char member[KEEL_AUDIT_IXIT_NAME_MAX];
    keel_audit_ixit_step steps[KEEL_AUDIT_OUTAGE_STEPS_MAX];
    size_t step_count; /* >= 1 */
} keel_audit_ixit_outage;

typedef struct keel_audit_ixit {
    keel_audit_ixit_interface *interfaces;
    size_t interface_count;
    keel_audit_ixit_route *routes;
    size_t route_count;
    char security_txt[KEEL_AUDIT_LOGIN_PATH_MAX]; /* "security_txt": the path of security.txt
                                                     (5.2-1); "" when not declared */
    keel_audit_ixit_publication publication;      /* .present 0 when not declared */
    keel_audit_ixit_outage *outage;               /* NULL when not declared */
    struct keel_audit_ixit_privacy *privacy;      /* personal data, telemetry, sensing,
                                                     deletion, consent check, user information
                                                     (5.8-3, 5.10-1, 5.11, 6-1 .. 6-5); NULL when
                                                     the IXIT has none of them */
} keel_audit_ixit;

/* Parse len bytes (untrusted; need not be NUL-terminated) of the IXIT in the shape that
 * `keeld --describe` prints (data/schemas/ixit.schema.json): an object with "interfaces"
 * and "routes" arrays, and the optional "security_txt", "publication" and "outage" members
 * and the privacy members of keel_audit_ixit_privacy_parse (parsed as strictly as the rest;
 * personal data and telemetry are checked against each other and the routes there), and the
 * other tables of TS 103 701's 29 (auth_mechanisms .. input_validation: ixit_tables.c checks
 * each table that is present field by field, naming the field); other top-level members are
 * ignored (the IXIT grows),
 * and so are unknown members of an entry. Every field of an entry is required but a
 * route's "max_body" and "body". KEEL_ERR_PARSE with
 * why naming the field and the rule ("interfaces[1].port: must be an integer 1-65535")
 * for malformed JSON, a missing field, a wrong type, an unknown enumerated value, an
 * out-of-range port, an invalid route path, a duplicate interface id or route;
 * KEEL_ERR_TOO_LARGE (why says which) past KEEL_AUDIT_IXIT_FILE_MAX bytes, more than
 * KEEL_AUDIT_IXIT_INTERFACES_MAX interfaces or KEEL_AUDIT_IXIT_ROUTES_MAX routes, or a
 * string past its field's bound. KEEL_ERR_NOMEM. why (whysz bytes, may be NULL) is always
 * NUL-terminated; on failure *out is empty. Free with keel_audit_ixit_free. */
keel_err keel_audit_ixit_parse(const void *text, size_t len, keel_audit_ixit *out, char *why,
                               size_t whysz);

/* keel_audit_ixit_parse of the file at path; KEEL_ERR_IO (why: the system's reason) when
 * it cannot be read. Relative file names of "consent_check" (the laboratory's MQTT
 * certificates) are taken from the file's directory. */
keel_err keel_audit_ixit_load(const char *path, keel_audit_ixit *out, char *why, size_t whysz);

/* Release the IXIT and leave it empty. NULL is a no-op. */
void keel_audit_ixit_free(keel_audit_ixit *x);

/* The inbound interface of transport TCP on port, or NULL. */
const keel_audit_ixit_interface *keel_audit_ixit_inbound_tcp(const keel_audit_ixit *x,
                                                             uint16_t port);

/* ---- 5.6-1-2: the expected set of open ports --------------------------------------- */

/* The verdict on a port scan, apart from the network: open (n_open ports, ascending) is
 * what answered, declared (n_declared ports) the expected set (from the IXIT's inbound TCP
 * interfaces when from_ixit, else the target port). Evidence: "declared interfaces[
 * (IXIT)]: TCP a, b", "open TCP ports: a,b" (or "none"; the machine-readable line), one
 * line per open port ("TCP p: open (declared)" / "TCP p: open, not declared") and per
 * declared port that is closed. INCONCLUSIVE when no declared port is open (the host
 * cannot be judged as declared); else FAIL when any open port is not declared; else PASS. */
keel_audit_verdict keel_audit_ports_judge(const uint16_t *open, size_t n_open,
                                          const uint16_t *declared, size_t n_declared,
                                          int from_ixit, keel_audit_evidence *ev);

/* 5.6-1-2 with the IXIT's inbound TCP ports as the expected set (ixit NULL: the target port,
 * as keel_audit_check_ports). Open TCP ports that speak telnet are named (telnet.h), and the
 * UDP ports of udp.h are scanned and judged against the IXIT's inbound UDP interfaces (none
 * without an IXIT) by keel_audit_udp_judge: the verdict is the worse of the two halves. */
keel_err keel_audit_check_ports_ixit(keel_audit_report *r, const keel_audit_target *t,
                                     const keel_audit_ixit *ixit);

/* ---- 5.5-1-2: TLS versions, suite classes and the certificate ---------------------- */

/* Outcome of one TLS probe. */
typedef enum keel_audit_tls_probe {
    KEEL_AUDIT_TLS_ACCEPTED = 0,
    KEEL_AUDIT_TLS_REFUSED = 1,
    KEEL_AUDIT_TLS_UNPROBED = 2 /* no handshake reached the device or this OpenSSL cannot */
} keel_audit_tls_probe;

/* The TLS 1.2 suite classes that 5.5-1-2 offers one at a time; each accepted one FAILs. */
typedef enum keel_audit_tls_class {
    KEEL_AUDIT_TLS_NO_FS = 0,   /* static RSA key exchange: no forward secrecy */
    KEEL_AUDIT_TLS_NO_AEAD = 1, /* CBC suites only */
    KEEL_AUDIT_TLS_WEAK = 2     /* NULL, EXPORT, RC4, DES, 3DES, anonymous */
} keel_audit_tls_class;

#define KEEL_AUDIT_TLS_CLASS_COUNT 3

/* What was seen of the server certificate of an accepted TLS 1.2/1.3 handshake. */
typedef struct keel_audit_tls_cert {
    int present;       /* 0: no certificate was obtained */
    char key_type[16]; /* "RSA", "EC", "ED25519", "ED448", "DSA", other: "other" */
    int key_bits;      /* EVP_PKEY_get_bits */
    int not_yet_valid; /* notBefore in the future */
    int expired;       /* notAfter in the past */
    int self_signed;   /* issuer == subject and its own key verifies it */
    int name_checked;  /* 1 when a name or address was checked against it */
    int name_match;    /* 1 when it matched */
    int name_is_dns;   /* 1 when the expected identity is a DNS name (not an IP address) */
    char expected[KEEL_AUDIT_HOST_MAX]; /* the name or address expected */
    char subject[256];                  /* one-line subject, evidence only */
} keel_audit_tls_cert;

/* The verdict of 5.5-1-2 apart from the network. versions: TLS 1.0, 1.1, 1.2, 1.3;
 * classes: indexed by keel_audit_tls_class (only meaningful when TLS 1.2 was accepted).
 * FAIL when 1.0 or 1.1 is accepted, when no version is, when a suite class is accepted,
 * when the key is small (RSA or DSA < 2048 bits, EC < 256), the certificate expired or is
 * not yet valid, or its name does not match a DNS name while it is CA-issued (the rule of
 * docs/audit-report.md); INCONCLUSIVE when a legacy version or a suite class could not be
 * probed; else PASS. Evidence says which rule decided; probe lines are the caller's. */
keel_audit_verdict
keel_audit_tls_judge(const keel_audit_tls_probe versions[4],
                     const keel_audit_tls_probe classes[KEEL_AUDIT_TLS_CLASS_COUNT],
                     const keel_audit_tls_cert *cert, keel_audit_evidence *ev);

/* 5.5-1-2 as keel_audit_check_tls, with the certificate's name checked against the DNS
 * name of the IXIT's inbound interface on the target port when it names one (ixit may be
 * NULL). cert_out (may be NULL) receives what was seen of the certificate. */
keel_err keel_audit_check_tls_ixit(keel_audit_report *r, const keel_audit_target *t,
                                   const keel_audit_ixit *ixit, keel_audit_tls_cert *cert_out);

/* ---- 5.5-4-2, 5.5-5-2: routes need authentication ---------------------------------- */

/* One request of the access tests as observed. */
typedef struct keel_audit_access_probe {
    const keel_audit_ixit_route *route;
    int with_token; /* 0: no Authorization header; 1: a random bogus bearer token */
    long status;    /* 0: no answer */
} keel_audit_access_probe;

/* The verdict on n probes (5.5-4-2 over non-public routes, 5.5-5-2 over security-relevant
 * ones): FAIL naming each route answered 2xx (the function ran without authentication) or
 * 5xx (it ran and failed inside), and, when security_relevant, each route the IXIT marks
 * public; else INCONCLUSIVE naming each route answered otherwise than 401/403 (404/405: the
 * declared route was not reached; 3xx or another 4xx: refused before the session was looked
 * at; or no answer), or when n is 0; PASS when every answer is 401 or 403. */
keel_audit_verdict keel_audit_access_judge(const keel_audit_access_probe *p, size_t n,
                                           int security_relevant, const keel_audit_ixit *ixit,
                                           keel_audit_evidence *ev);

/* 5.5-4-2 and 5.5-5-2: every non-public IXIT route (5.5-4-2) and every security-relevant
 * one (5.5-5-2) requested without a session and with a random bogus bearer token (POST,
 * PUT and PATCH with the body "{}", asked again without a body when that draws a 4xx other
 * than 401/403/404/405), judged by keel_audit_access_judge. Without IXIT routes
 * both are INCONCLUSIVE, "no IXIT routes". */
keel_err keel_audit_check_access(keel_audit_report *r, const keel_audit_target *t,
                                 const keel_audit_ixit *ixit);

/* ---- 5.6-2-2: what the device reveals before login ---------------------------------- */

#define KEEL_AUDIT_DISCLOSE_HEADER_MAX 256
#define KEEL_AUDIT_DISCLOSE_BODY_MAX 1024

/* One unauthenticated answer as observed. */
typedef struct keel_audit_disclosure_probe {
    const char *what;                                /* "unknown path GET /...", for evidence */
    long status;                                     /* 0: no answer */
    char server[KEEL_AUDIT_DISCLOSE_HEADER_MAX];     /* the Server header, "" if none */
    char powered_by[KEEL_AUDIT_DISCLOSE_HEADER_MAX]; /* X-Powered-By, "" if none */
    char content_type[KEEL_AUDIT_DISCLOSE_HEADER_MAX];
    char body[KEEL_AUDIT_DISCLOSE_BODY_MAX]; /* the body's first bytes, NUL-terminated */
} keel_audit_disclosure_probe;

/* 1 when text carries a version number: a digit anywhere in a Server or X-Powered-By
 * value; in a body, a letter followed by '/' and a digit ("nginx/1.22") or the word
 * "version" followed by a digit within three characters. */
int keel_audit_has_version(const char *text, int is_header);

/* 1 when body holds a stack trace or exception marker (the list in docs/audit-report.md). */
int keel_audit_has_stack_trace(const char *body);

/* The verdict of 5.6-2-2 on n answers: FAIL when a Server or X-Powered-By header carries a
 * version, a body holds a stack trace or a version string, or the answers with a body do
 * not share one Content-Type (a different software layer answered: a framework's default
 * page shows through); INCONCLUSIVE when no probe got an answer; else PASS. Every Server
 * header is named in evidence. */
keel_audit_verdict keel_audit_disclosure_judge(const keel_audit_disclosure_probe *p, size_t n,
                                               keel_audit_evidence *ev);

/* 5.6-2-2: GET an unknown random path, a wrong method on a known route (the IXIT's first
 * route, else login_path), and a non-public route without a session (the IXIT's first one,
 * else status_path), judged by keel_audit_disclosure_judge; cert (may be NULL) adds the
 * certificate's subject to the evidence. login_path/status_path NULL: the defaults. */
keel_err keel_audit_check_disclosure(keel_audit_report *r, const keel_audit_target *t,
                                     const keel_audit_ixit *ixit, const char *login_path,
                                     const char *status_path, const keel_audit_tls_cert *cert);

/* ---- 5.6-4 (V2.1.1 "5.6-4-2") / 5.6-4A (V3.1.3 "5.6-4A-2"): no development build ------ */

/* The markers of include/keel/core.h's keel_build_kind. */
#define KEEL_AUDIT_BUILD_DEV_MARKER "keel-build-kind: development"
#define KEEL_AUDIT_BUILD_PROD_MARKER "keel-build-kind: production"

/* The verdict of the build-kind scan: dev files hold the development marker, prod the
 * production one, complete is 0 when files were skipped or unreadable or the walk was cut
 * short. FAIL when dev > 0 (the caller names each file); else INCONCLUSIVE when not
 * complete; else PASS, saying whether production markers or none were found. */
keel_audit_verdict keel_audit_build_kind_judge(size_t dev, size_t prod, int complete,
                                               keel_audit_evidence *ev);

/* White-box scan of the firmware tree at dir for KEEL_AUDIT_BUILD_DEV_MARKER (a keel
 * development build: debug paths and the file root of trust) recorded as "5.6-4-2"
 * (V2.1.1) or "5.6-4A-2" (V3.1.3), with the debug and remote services the tree switches on
 * (keel_audit_services_scan, whitebox.h) in the same test case: FAIL when either fails. */
keel_err keel_audit_check_build_kind(keel_audit_report *r, const char *dir);

/* ---- Secure updates and software integrity (5.3-2, 5.3-7, 5.3-9, 5.3-10, 5.7-1) --------- */

/* Bounds of the IXIT's "update" object. */
#define KEEL_AUDIT_UPDATE_URL_MAX 1024
#define KEEL_AUDIT_UPDATE_FILE_MAX 1024

/* The IXIT's optional "update" object (data/schemas/ixit.schema.json): what a test laboratory
 * is given to assess the update mechanism (TS 103 701): the repository the device uses, the
 * trust anchors it was made with, a copy of the repository, and the means to stand in for the
 * repository's server (a certificate and key for its host issued by the repository's CA). */
typedef struct keel_audit_ixit_update {
    int present;                                     /* 0: the IXIT has no "update" object */
    char repository[KEEL_AUDIT_UPDATE_URL_MAX];      /* "https://HOST[:PORT][/path]" */
    keel_audit_target repository_at;                 /* its host and port (443 when none) */
    char repository_path[KEEL_AUDIT_LOGIN_PATH_MAX]; /* its path, "" for none; no final '/' */
    char repository_ca[KEEL_AUDIT_UPDATE_FILE_MAX];  /* the CA the device pins */
    char trust_root[KEEL_AUDIT_UPDATE_FILE_MAX];     /* the device's trust anchor (1.root.json) */
    char mirror[KEEL_AUDIT_UPDATE_FILE_MAX];         /* a copy of the repository directory */
    char lab_cert[KEEL_AUDIT_UPDATE_FILE_MAX];       /* "" when not given (both or neither) */
    char lab_key[KEEL_AUDIT_UPDATE_FILE_MAX];
    keel_audit_target lab_listen; /* "lab_listen", else repository_at: where the lab serves */
    keel_audit_target server;     /* "repository_server", else repository_at: where the lab
                                     reaches the genuine server while it holds its address */
} keel_audit_ixit_update;

/* Parse the "update" member of the IXIT text (len bytes, untrusted, as for
 * keel_audit_ixit_parse; the rest of the document is not looked at). No member: KEEL_OK with
 * out->present 0. Otherwise every rule of the schema: "repository", "repository_ca",
 * "trust_root" and "mirror" required, "lab_cert" and "lab_key" together or not at all,
 * "lab_listen" and "repository_server" HOST:PORT texts (keel_audit_target_parse); the URL
 * https with a host and no user, query, fragment or final '/', as the device's fetcher wants
 * it. Paths are kept as written. KEEL_ERR_PARSE / KEEL_ERR_TOO_LARGE with why naming the
 * field ("update.repository: must be an https URL ..."); on failure *out is zeroed. */
keel_err keel_audit_ixit_update_parse(const void *text, size_t len, keel_audit_ixit_update *out,
                                      char *why, size_t whysz);

/* keel_audit_ixit_update_parse of the file at path, with relative paths in it taken from the
 * file's directory. KEEL_ERR_IO (why: the system's reason) when it cannot be read. */
keel_err keel_audit_ixit_update_load(const char *path, keel_audit_ixit_update *out, char *why,
                                     size_t whysz);

/* The manipulated repositories the laboratory serves to the device, one per round, in the
 * order they run. None needs a key of the repository: the laboratory has none. */
typedef enum keel_audit_update_round_id {
    KEEL_AUDIT_ROUND_UNSIGNED = 0, /* timestamp, snapshot and targets re-signed by a key of the
                                      laboratory, offering a forged newest target */
    KEEL_AUDIT_ROUND_SUBSTITUTED,  /* targets.json alone replaced by one the laboratory signed */
    KEEL_AUDIT_ROUND_UNTRUSTED_SERVER, /* the genuine repository behind a certificate not issued
                                          by the repository's CA */
    KEEL_AUDIT_ROUND_LEGACY_TLS,       /* the genuine repository over TLS 1.0 and 1.1 only */
    KEEL_AUDIT_ROUND_TAMPERED,         /* the newest target's bytes changed, its length kept */
    KEEL_AUDIT_ROUND_ENDLESS,          /* the newest target longer than its signed length */
    KEEL_AUDIT_ROUNDS
} keel_audit_update_round_id;

#define KEEL_AUDIT_ROUND_BIT(id) (1u << (unsigned)(id))
/* The rounds each test case judges. */
#define KEEL_AUDIT_ROUNDS_5_3_9                                                                    \
    (KEEL_AUDIT_ROUND_BIT(KEEL_AUDIT_ROUND_UNSIGNED) |                                             \
     KEEL_AUDIT_ROUND_BIT(KEEL_AUDIT_ROUND_SUBSTITUTED) |                                          \
     KEEL_AUDIT_ROUND_BIT(KEEL_AUDIT_ROUND_TAMPERED) |                                             \
     KEEL_AUDIT_ROUND_BIT(KEEL_AUDIT_ROUND_ENDLESS))
#define KEEL_AUDIT_ROUNDS_5_3_10                                                                   \
    (KEEL_AUDIT_ROUND_BIT(KEEL_AUDIT_ROUND_UNSIGNED) |                                             \
     KEEL_AUDIT_ROUND_BIT(KEEL_AUDIT_ROUND_UNTRUSTED_SERVER) |                                     \
     KEEL_AUDIT_ROUND_BIT(KEEL_AUDIT_ROUND_LEGACY_TLS))
#define KEEL_AUDIT_ROUNDS_ALL ((1u << KEEL_AUDIT_ROUNDS) - 1u)

/* "unsigned-metadata", "substituted-targets", "untrusted-server", "legacy-tls",
 * "tampered-target", "endless-target"; NULL for an unknown id. */
const char *keel_audit_update_round_name(keel_audit_update_round_id id);

/* What one round did and saw. Device texts are untrusted (sanitised when recorded). */
typedef struct keel_audit_update_round {
    long install_status; /* the answer to POST /api/v1/update/install; 0: none */
    size_t connections;  /* TCP connections the laboratory's server accepted */
    size_t requests;     /* HTTP requests it answered (a TLS handshake completed) */
    long status_after;   /* its status route afterwards, with the session; 0: no answer */
    int run;             /* 0: not run, note says why */
    int decided;         /* the device reported a new decision within the time budget */
    int same_firmware;   /* that answer names the firmware version it named before */
    char note[256];      /* what was served, or why the round did not run */
    char fetched[256];   /* the files the device asked for, comma-separated, cut to fit */
    char state[32];      /* its "state": "refused", "installed", ... */
    char error[160];     /* its "error", "" when none */
} keel_audit_update_round;

/* The verdict of one round, with one evidence line naming the round, what the device did and
 * the verdict. FAIL when the device installed (state installed, trial or confirmed), stopped
 * answering or changed its firmware version afterwards (it exits to reboot after an install),
 * or, in the two channel rounds, sent an HTTP request to a server its trust relationship
 * does not vouch for; PASS when it refused with the round's expected error
 * (keel_strerror text: unsigned-metadata: no valid signature or below threshold;
 * substituted-targets: metadata mismatch, more bytes than the snapshot's length, or no valid
 * signature; untrusted-server and
 * legacy-tls: the repository cannot be reached, after a TCP connection and no request;
 * tampered-target: hash; endless-target: more bytes than the signed length); else
 * INCONCLUSIVE with the reason (not run, no decision, nothing to install, refused for
 * another reason). */
keel_audit_verdict keel_audit_update_round_judge(keel_audit_update_round_id id,
                                                 const keel_audit_update_round *r,
                                                 keel_audit_evidence *ev);

/* The verdict of a test case over the rounds in mask (KEEL_AUDIT_ROUNDS_*), rounds indexed by
 * keel_audit_update_round_id: any FAIL -> FAIL, else any INCONCLUSIVE -> INCONCLUSIVE, else
 * PASS; INCONCLUSIVE when mask is empty. One evidence line per round. */
keel_audit_verdict keel_audit_update_rounds_judge(const keel_audit_update_round *rounds,
                                                  unsigned mask, keel_audit_evidence *ev);

/* What the audit's own client found in the repository (the mirror walked from the trust
 * anchor) and on the repository's server. */
typedef struct keel_audit_update_repo {
    int walked;            /* the walk ran (the inputs could be read) */
    keel_err walk_error;   /* KEEL_OK: the metadata verified from the trust anchor */
    size_t keys;           /* keys in the newest root */
    size_t best_keys;      /* of them, Ed25519 or ECDSA P-256 */
    int hashes;            /* timestamp and snapshot name their files by SHA-256 */
    size_t targets;        /* targets in the signed targets */
    size_t targets_intact; /* of them, files in the mirror with the signed length and hash */
    keel_audit_verdict server_tls; /* the server judged by 5.5-1-2's rules; NOT_TESTED: not
                                      probed */
    int plain_http;                /* 1 served over plain HTTP, 0 not, -1 not probed */
    int pinned;                    /* 1 the server's certificate chains to the repository's CA and
                                      names the URL's host, 0 it does not, -1 not probed */
} keel_audit_update_repo;

/* 5.3-7-2: best-practice cryptography in the update mechanism. FAIL when the metadata does not
 * verify from the trust anchor for a cryptographic reason, a key is of another type, the
 * repository's server fails 5.5-1-2's rules, serves plain HTTP or presents a certificate the
 * device's pinned CA does not vouch for, or the legacy-tls round failed (legacy may be NULL:
 * not run); INCONCLUSIVE when the walk could not run or the metadata could not be read;
 * else PASS. Parts not probed are named in the evidence. */
keel_audit_verdict keel_audit_update_crypto_judge(const keel_audit_update_repo *repo,
                                                  const keel_audit_update_round *legacy,
                                                  keel_audit_evidence *ev);

/* 5.3-2-2: a secure update mechanism, end to end. FAIL when the metadata does not verify from
 * the trust anchor for a cryptographic reason or any round FAILs; INCONCLUSIVE when the walk
 * could not run, a target file of the mirror differs from its signed length or hash (the
 * mirror is not a faithful copy), no round ran (rounds NULL) or a round is inconclusive;
 * else PASS. */
keel_audit_verdict keel_audit_update_mechanism_judge(const keel_audit_update_repo *repo,
                                                     const keel_audit_update_round *rounds,
                                                     keel_audit_evidence *ev);

/* Inputs of the update test cases besides the IXIT. */
typedef struct keel_audit_update_opts {
    const keel_audit_ixit_update *ixit;
    const char *login_path;  /* NULL: KEEL_AUDIT_LOGIN_PATH_DEFAULT */
    const char *status_path; /* NULL: KEEL_AUDIT_STATUS_PATH_DEFAULT */
    const char *password;    /* the device's current one; NULL: the rounds do not run */
    /* Called before each round and step with a line for the operator (may be NULL). */
    void (*progress)(const char *line, void *user);
    void *user;
} keel_audit_update_opts;

#define KEEL_AUDIT_UPDATE_PATH "/api/v1/update"
#define KEEL_AUDIT_UPDATE_INSTALL_PATH "/api/v1/update/install"
/* How long one round waits for the device's decision. */
#define KEEL_AUDIT_UPDATE_ROUND_MS 45000LL

/* 5.3-2-2, 5.3-7-2, 5.3-9-2 and 5.3-10-2: walk the mirror from the trust anchor with keel's
 * own client (keel_update_refresh over a directory) and check every target file; probe the
 * repository's server (5.5-1-2's rules, plain HTTP, the pinned CA and host); then, with a
 * password and the repository's address free for the laboratory, run every round: serve the
 * manipulated repository over HTTPS on the repository's address (libwebsockets), log in, ask
 * the device to install now (POST KEEL_AUDIT_UPDATE_INSTALL_PATH), follow
 * KEEL_AUDIT_UPDATE_PATH until a new decision, and check the device still runs as before.
 * Judged by the judges above. KEEL_ERR_ARG for NULL arguments or an IXIT without "update";
 * otherwise only a failure to record is returned. */
keel_err keel_audit_check_update(keel_audit_report *r, const keel_audit_target *t,
                                 const keel_audit_update_opts *o);

/* What 5.7-1-2 saw. */
typedef struct keel_audit_integrity_facts {
    int ran;          /* the firmware tree has a trust directory and a boot environment */
    keel_err verify;  /* keel_integrity_verify on the tree */
    char slot;        /* the booted slot, 0 when unknown */
    char target[128]; /* the target its record names, "" when none verified */
    int listed;       /* 1 the target is in the repository's signed targets as recorded, 0 it
                         is not, -1 not checked (no IXIT "update") */
    long status;      /* the device's status route without a session; 0: no answer */
    int alert;        /* that answer is the integrity alert ("alert": "integrity") */
} keel_audit_integrity_facts;

/* 5.7-1-2: PASS when the booted slot verifies and the device reports normal function (its
 * status route answers without the integrity alert), or when it does not verify and the
 * device is in restricted mode (it detected it); FAIL when it does not verify and the device
 * serves normally; INCONCLUSIVE when the check could not run, the tree could not be read,
 * the device does not answer, or the slot verifies but the target is not in the repository's
 * signed targets or the device reports the alert (the tree is not what the device runs). */
keel_audit_verdict keel_audit_integrity_judge(const keel_audit_integrity_facts *f,
                                              keel_audit_evidence *ev);

/* 5.7-1-2 (white-box and live): verify the booted slot of the firmware tree dir (as `keel
 * flash` makes it: dir/update the trust directory, dir/slot-a and dir/slot-b, dir/bootenv
 * the boot environment) with keel_integrity_verify, the function the device runs at start;
 * with ixit (may be NULL) also check that the target is in the repository's signed targets
 * (walked from the trust anchor); ask the device's status route without a session; judge
 * with keel_audit_integrity_judge. Nothing is written to dir. */
keel_err keel_audit_check_integrity(keel_audit_report *r, const keel_audit_target *t,
                                    const char *dir, const keel_audit_ixit_update *ixit,
                                    const char *status_path);

/* ---- 5.2-1-2: security.txt (RFC 9116) --------------------------------------------- */

#define KEEL_AUDIT_SECURITY_TXT_PATH "/.well-known/security.txt"
/* A security.txt longer than this is refused (RFC 9116 sets no bound; real ones are ~1 KiB). */
#define KEEL_AUDIT_SECTXT_MAX ((size_t)32 * 1024)
/* A line longer than this is refused. */
#define KEEL_AUDIT_SECTXT_LINE_MAX 2048
/* Each value kept for evidence is cut to this many bytes - 1 (checks see the whole value). */
#define KEEL_AUDIT_SECTXT_VALUE_MAX 256
/* Values of a repeatable field kept for evidence. */
#define KEEL_AUDIT_SECTXT_KEEP 4

/* One field of security.txt as read: how often it appeared, how many of those values were
 * malformed for the field (a URI, a date-time, language tags), and the first values. */
typedef struct keel_audit_sectxt_field {
    size_t count;
    size_t invalid;
    char first_invalid[KEEL_AUDIT_SECTXT_VALUE_MAX];
    char values[KEEL_AUDIT_SECTXT_KEEP][KEEL_AUDIT_SECTXT_VALUE_MAX];
} keel_audit_sectxt_field;

typedef struct keel_audit_securitytxt {
    keel_audit_sectxt_field contact;   /* URIs; web URIs must be https */
    keel_audit_sectxt_field expires;   /* RFC 3339 date-time */
    int64_t expires_at;                /* the first valid Expires, seconds since the epoch */
    keel_audit_sectxt_field policy;    /* URIs */
    keel_audit_sectxt_field languages; /* Preferred-Languages: comma-separated RFC 5646 tags */
    keel_audit_sectxt_field canonical; /* URIs */
    size_t other_fields;               /* known but not judged, and unknown fields (ignored) */
    size_t lines;
    int is_signed; /* an OpenPGP cleartext signature frames the fields (not verified) */
} keel_audit_securitytxt;

/* Parse len bytes (untrusted, need not be NUL-terminated) as security.txt, strictly per RFC
 * 9116's grammar: UTF-8 without NUL or byte order mark; lines end in LF or CRLF (a last line
 * may lack it); each line is empty, a comment ("#..."), or a field "Name: value" (the name
 * printable ASCII without ':', any case; the value after optional spaces, non-empty, no
 * control characters); an OpenPGP cleartext-signed file is read inside its frame (dash-
 * escaped lines unescaped; the signature is not verified). Unknown fields are ignored;
 * known fields' values are checked and counted, not refused. KEEL_ERR_PARSE with why naming
 * the line and the rule ("line 3: not a field, comment or empty line"), KEEL_ERR_TOO_LARGE
 * past KEEL_AUDIT_SECTXT_MAX bytes or a line past KEEL_AUDIT_SECTXT_LINE_MAX. On failure
 * *out is zeroed. why (whysz bytes, may be NULL) is always NUL-terminated. */
keel_err keel_audit_securitytxt_parse(const void *text, size_t len, keel_audit_securitytxt *out,
                                      char *why, size_t whysz);

/* An RFC 3339 date-time (len bytes): "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)", 'T' and
 * 'Z' in either case, seconds 00-60, a day that exists, into seconds since the epoch (UTC).
 * KEEL_ERR_PARSE otherwise. */
keel_err keel_audit_rfc3339_parse(const char *text, size_t len, int64_t *out);

/* A calendar date "YYYY-MM-DD" (exactly 10 bytes, a day that exists) into the seconds since
 * the epoch of its midnight UTC. KEEL_ERR_PARSE otherwise. */
keel_err keel_audit_date_parse(const char *text, size_t len, int64_t *out);

/* 1 when the len bytes are an absolute URI (RFC 3986: a scheme, ':', and only URI
 * characters, every '%' followed by two hex digits) that security.txt accepts: a web URI
 * must be https with a host ("http:" is refused). */
int keel_audit_uri_valid(const char *text, size_t len);

/* What 5.2-1-2 fetched. */
typedef struct keel_audit_sectxt_fetch {
    const char *url;          /* what was asked for, for evidence */
    long status;              /* 0: no answer */
    const char *content_type; /* "" when none */
    keel_err parsed;          /* keel_audit_securitytxt_parse's result (status 200 only) */
    const char *why;          /* its reason when not KEEL_OK */
    int cut;                  /* the answer was longer than KEEL_AUDIT_SECTXT_MAX */
} keel_audit_sectxt_fetch;

/* Days past now within which an Expires draws no warning (RFC 9116: less than a year). */
#define KEEL_AUDIT_SECTXT_EXPIRES_DAYS 366

/* The verdict of 5.2-1-2 on a fetch (s meaningful when f->parsed is KEEL_OK) at time now:
 * INCONCLUSIVE when nothing answered or the answer is a redirect (none is followed); FAIL
 * when the status is not 200, the file does not parse, or is cut, and naming each of: no
 * Contact or a Contact that is not a URI, no Expires, Expires more than once, malformed or
 * not in the future, no Policy or one that is not a URI, no Preferred-Languages, more than
 * one or malformed tags; else PASS. Evidence names every field's values; an Expires more
 * than KEEL_AUDIT_SECTXT_EXPIRES_DAYS ahead, a Content-Type other than text/plain with
 * charset utf-8 and a Canonical that does not name url are warnings, not failures. */
keel_audit_verdict keel_audit_securitytxt_judge(const keel_audit_sectxt_fetch *f,
                                                const keel_audit_securitytxt *s, int64_t now,
                                                keel_audit_evidence *ev);

/* 5.2-1-2: GET the IXIT's "security_txt" (ixit NULL or none declared:
 * KEEL_AUDIT_SECURITY_TXT_PATH) over HTTPS without a session, parse it (up to
 * KEEL_AUDIT_SECTXT_MAX bytes) and judge it at the current time. Only a failure to record is
 * returned. */
keel_err keel_audit_check_securitytxt(keel_audit_report *r, const keel_audit_target *t,
                                      const keel_audit_ixit *ixit);

/* ---- 5.3-13-2, 5.3-16-2: the support period and model designation as published ------ */

/* One place where a value should be published, as observed. */
typedef struct keel_audit_published_place {
    char where[KEEL_AUDIT_LOGIN_PATH_MAX + 96]; /* "GET /api/v1/device member support_until" */
    int reached;      /* the place could be read (an HTTP answer, or the label files) */
    long status;      /* its HTTP status; 0 for a label or no answer */
    size_t items;     /* labels read (1 for the API) */
    size_t absent;    /* of them, without the value */
    size_t different; /* with another value */
    char seen[KEEL_AUDIT_IXIT_NAME_MAX + 16];  /* the value when all agree; else the first bad
                                                  item's value ("" when it has none) */
    char first_bad[KEEL_AUDIT_LABEL_NAME_MAX]; /* the first label without or with another
                                                  value */
} keel_audit_published_place;

/* The verdict on n places for the declared value (NULL or "": none declared): INCONCLUSIVE
 * when nothing is declared or no place is (n == 0), or a place could not be read; FAIL when
 * a place lacks the value (an HTTP answer other than 200 counts as lacking it: it must be
 * readable without logging in) or shows another one; else PASS. Evidence line per place. */
keel_audit_verdict keel_audit_published_judge(const char *what, const char *declared,
                                              const keel_audit_published_place *p, size_t n,
                                              keel_audit_evidence *ev);

/* 1 when seen (untrusted) shows the declared value: for a date (is_date) declared is
 * "YYYY-MM-DD" and seen holds exactly one such date standing alone, the same day ("security
 * updates until 2031-12-31" on a label); otherwise byte for byte. */
int keel_audit_published_same(int is_date, const char *declared, const char *seen);

/* The value of the line "key: value" of a label (len bytes, untrusted): key matched without
 * regard to case at the start of a line, the value after the colon and spaces, up to the
 * line's end without trailing spaces or CR. KEEL_ERR_NOT_FOUND when no line has the key,
 * KEEL_ERR_PARSE when two do, the value is empty or holds a control character or NUL,
 * KEEL_ERR_RANGE when it does not fit outsz. */
keel_err keel_audit_label_value(const void *text, size_t len, const char *key, char *out,
                                size_t outsz);

/* 5.3-13-2 and 5.3-16-2 from the IXIT's "publication": GET its API route without a session
 * and, with labels_dir (may be NULL), read every label there; compare with the declared
 * support period (as a date) and model designation. Without "publication" both are
 * INCONCLUSIVE. */
keel_err keel_audit_check_published(keel_audit_report *r, const keel_audit_target *t,
                                    const keel_audit_ixit *ixit, const char *labels_dir);

/* ---- 5.9-2-2: local function while the cloud link is cut ---------------------------- */

/* The outcome of one command of the hook. */
typedef struct keel_audit_command_result {
    int started; /* 0: it could not be started (errno_value says why) */
    int errno_value;
    int timed_out;   /* killed after the time limit */
    int exit_status; /* when it exited: its status; -1 when killed by a signal */
    long long took_ms;
    char output[160]; /* its first line of output (stdout and stderr), for evidence */
} keel_audit_command_result;

/* Run cmd (argv as declared, looked up on PATH; no shell) with stdin from /dev/null and
 * output to a pipe of which the first line is kept, in its own process group, for at most
 * timeout_ms: then the whole group is killed. The environment is the audit's; no signal is
 * blocked in the command. KEEL_ERR_ARG for a NULL or empty command or timeout_ms <= 0,
 * KEEL_ERR_NOMEM; a command that cannot be started is KEEL_OK with out->started 0. */
keel_err keel_audit_command_run(const keel_audit_ixit_command *cmd, long timeout_ms,
                                keel_audit_command_result *out);

/* One evidence line: "ip link set kc0 down: exit 0 (4 ms)". */
keel_err keel_audit_command_format(const keel_audit_ixit_command *cmd,
                                   const keel_audit_command_result *res, char *out, size_t outsz);

/* What 5.9-2-2 did. */
typedef struct keel_audit_outage_facts {
    int hook;          /* the IXIT declares "outage" */
    int credentials;   /* a password was given */
    int baseline;      /* local function with the link up: 1 worked, 0 did not, -1 not run */
    int cut;           /* every cut command exited 0: 1; 0 one did not; -1 not run */
    int logged_in;     /* logged in while the link was cut: 1, 0 refused, -1 not tried */
    long login_status; /* that login's HTTP status, 0: no answer */
    size_t steps;      /* steps of the exercise tried while cut */
    size_t steps_ok;   /* of them, answered 2xx with the state as expected */
    int restored;      /* every restore command exited 0: 1; 0 not; -1 not run */
} keel_audit_outage_facts;

/* INCONCLUSIVE without the hook or credentials, when the cut did not take, or when local
 * function did not work with the link up (the exercise is not what the device does); FAIL
 * when the login or any step failed while cut; PASS when all worked. A restore that failed
 * is named in the evidence, it does not change the verdict. */
keel_audit_verdict keel_audit_outage_judge(const keel_audit_outage_facts *f,
                                           keel_audit_evidence *ev);

/* 5.9-2-2: with the IXIT's "outage" and password: log in and exercise local function with
 * the link up, log out; run the cut commands, wait settle_ms, log in, exercise it again
 * (each step's body POSTed to the declared path, the state read back by GET), log out; run
 * the restore commands whatever happened after the first cut command was started. ixit and
 * password may be NULL (INCONCLUSIVE); login_path NULL: the default. */
keel_err keel_audit_check_resilience(keel_audit_report *r, const keel_audit_target *t,
                                     const keel_audit_ixit *ixit, const char *login_path,
                                     const char *password);

/* ---- 5.13-1B (V2.1.1: 5.13-1): malformed input on every declared route -------------- */

/* The campaign's bounds. */
#define KEEL_AUDIT_MALFORMED_REQUESTS_MAX 400
#define KEEL_AUDIT_MALFORMED_TIME_MS 120000LL
/* Offending requests named in the evidence; the rest are counted. */
#define KEEL_AUDIT_MALFORMED_NAMED_MAX 12

typedef enum keel_audit_bad_kind {
    KEEL_AUDIT_BAD_METHOD = 0,     /* a method the path does not declare */
    KEEL_AUDIT_BAD_OVERSIZED,      /* one byte past the declared max_body (65537 if none) */
    KEEL_AUDIT_BAD_EMPTY,          /* no body where one is expected */
    KEEL_AUDIT_BAD_JSON,           /* not JSON */
    KEEL_AUDIT_BAD_TOP_TYPE,       /* a JSON array where an object is expected */
    KEEL_AUDIT_BAD_MEMBER_TYPES,   /* every declared member of a wrong type */
    KEEL_AUDIT_BAD_UNKNOWN_MEMBER, /* an undeclared member */
    KEEL_AUDIT_BAD_NESTING,        /* arrays nested as deep as the body may be long */
    KEEL_AUDIT_BAD_UTF8,           /* a string of invalid UTF-8 */
    KEEL_AUDIT_BAD_NUL,            /* a raw NUL byte inside a string */
    KEEL_AUDIT_BAD_LONG_PATH,      /* the path with 8 KiB more */
    KEEL_AUDIT_BAD_PATH_BYTES,     /* invalid UTF-8 bytes in the path */
    KEEL_AUDIT_BAD_PATH_NUL,       /* a NUL byte in the path */
    KEEL_AUDIT_BAD_HEADER_LINE,    /* a header line without a colon */
    KEEL_AUDIT_BAD_HEADER_CTRL,    /* control bytes and NUL in a header value */
    KEEL_AUDIT_BAD_HEADER_HUGE,    /* a 16 KiB header */
    KEEL_AUDIT_BAD_KINDS
} keel_audit_bad_kind;

/* "wrong method", "oversized body", ... ; NULL for an unknown kind. */
const char *keel_audit_bad_kind_name(keel_audit_bad_kind k);

/* One malformed request as observed. */
typedef struct keel_audit_bad_probe {
    char method[KEEL_AUDIT_IXIT_METHOD_MAX]; /* as sent */
    const char *path;                        /* the declared route's path (borrowed) */
    keel_audit_bad_kind kind;
    int framing;    /* malformed HTTP (sent raw, without a session): a refusal by closing the
                       connection counts, and so does the answer of the same request
                       without the fault (baseline): the fault was ignored */
    int may_close;  /* closing without an answer is a refusal (framing, or a body past any
                       declared bound) */
    long baseline;  /* framing: the status of the clean GET of the path; 0: none */
    long status;    /* 0: no answer */
    char shape[96]; /* of a 4xx answer: "application/json {error}", "text/html", "empty" */
} keel_audit_bad_probe;

/* The shape of an error answer: the media type (lower case, without parameters; "none")
 * and, for a JSON object, its member names in order ("application/json {error,reason}");
 * "empty" for no body. */
void keel_audit_error_shape(const char *content_type, const char *body, size_t len, char *out,
                            size_t outsz);

/* What the campaign amounted to besides its probes. */
typedef struct keel_audit_campaign {
    size_t planned;    /* requests planned */
    int cut_short;     /* the request or time bound stopped it */
    size_t unreached;  /* routes with a body that need a session the audit did not have */
    long status_after; /* the status route afterwards (with the session if any); 0: none */
    const char *status_path;
} keel_audit_campaign;

/* FAIL naming the first offending requests: an answer of 5xx; an answer below 400 to a
 * malformed request (for framing faults unless equal to the baseline); no answer where one is
 * due (not may_close); 4xx answers of more than one shape; the status route not answering
 * (or 5xx) afterwards. Else INCONCLUSIVE when n is 0, the campaign was cut short, or routes
 * with a body were not reached for want of a session; else PASS. */
keel_audit_verdict keel_audit_malformed_judge(const keel_audit_bad_probe *p, size_t n,
                                              const keel_audit_campaign *c,
                                              keel_audit_evidence *ev);

/* The conceptual judge of the same provision (5.13-1B-1; V2.1.1 5.13-1-1) on the IXIT: PASS
 * when every declared route declares its largest body ("max_body") and every route that takes
 * one (max_body > 0) the shape of its JSON object ("body"); FAIL naming each route that does
 * not; INCONCLUSIVE without IXIT routes, or when no route declares either (an IXIT of the
 * earlier shape says nothing about input either way). */
keel_audit_verdict keel_audit_declared_input_judge(const keel_audit_ixit *ixit,
                                                   keel_audit_evidence *ev);

/* 5.13-1B-2 (V2.1.1: 5.13-1-2) and the conceptual 5.13-1B-1 (5.13-1-1): the malformed
 * requests of keel_audit_bad_kind against every route of the IXIT, over HTTPS, at most
 * KEEL_AUDIT_MALFORMED_REQUESTS_MAX of them within KEEL_AUDIT_MALFORMED_TIME_MS; non-public
 * routes with a session when password is given (it logs in once; no wrong password is ever
 * sent, and no request carries a plausible value for a "secret" member), then the status
 * route. login_path, status_path NULL: the defaults. */
keel_err keel_audit_check_malformed(keel_audit_report *r, const keel_audit_target *t,
                                    const keel_audit_ixit *ixit, const char *login_path,
                                    const char *status_path, const char *password);

/* ---- Personal data, telemetry and deletion (5.8-3, 5.10-1, 5.11, 6-1 .. 6-5) --------- */

/* Bounds of the IXIT's privacy members (TS 103 701 IXIT 2-UserInfo, 21-PersData,
 * 22-ExtSens, 24-TelData, 25-DelFunc). */
#define KEEL_AUDIT_PRIVACY_DATA_MAX 64
#define KEEL_AUDIT_PRIVACY_CONSENTS_MAX 16
#define KEEL_AUDIT_PRIVACY_RECIPIENTS_MAX 16
#define KEEL_AUDIT_PRIVACY_RECIPIENT_MAX 128
#define KEEL_AUDIT_TELEMETRY_FIELDS_MAX 64
#define KEEL_AUDIT_SENSING_MAX 32
#define KEEL_AUDIT_USER_DATA_MAX 16
#define KEEL_AUDIT_USER_DOCS_MAX 16
#define KEEL_AUDIT_PRIVACY_BODY_MAX 1024 /* a request body, printed by cJSON */
#define KEEL_AUDIT_TOPIC_MAX 256         /* an MQTT topic filter */
/* Where a user_data body takes its canary and the reset body the owner's password. */
#define KEEL_AUDIT_CANARY_PLACEHOLDER "{canary}"
#define KEEL_AUDIT_PASSWORD_PLACEHOLDER "{password}"

/* Whether the IXIT says something: an absent member says nothing (the test cases that need it
 * are INCONCLUSIVE), null (or the empty list where the schema says so) declares "none". */
typedef enum keel_audit_declared {
    KEEL_AUDIT_UNDECLARED = 0,
    KEEL_AUDIT_DECLARED_NONE = 1,
    KEEL_AUDIT_DECLARED = 2
} keel_audit_declared;

typedef enum keel_audit_legal_basis {
    KEEL_AUDIT_BASIS_CONTRACT = 0,
    KEEL_AUDIT_BASIS_CONSENT,
    KEEL_AUDIT_BASIS_LEGITIMATE_INTEREST,
    KEEL_AUDIT_BASIS_LEGAL_OBLIGATION
} keel_audit_legal_basis;

/* "contract", "consent", "legitimate_interest", "legal_obligation"; NULL if unknown. */
const char *keel_audit_legal_basis_name(keel_audit_legal_basis b);

/* One personal datum (21-PersData). */
typedef struct keel_audit_ixit_datum {
    char id[KEEL_AUDIT_IXIT_ID_MAX];
    char datum[KEEL_AUDIT_IXIT_TEXT_MAX];
    char purpose[KEEL_AUDIT_IXIT_TEXT_MAX];
    keel_audit_legal_basis legal_basis;
    char retention[KEEL_AUDIT_IXIT_TEXT_MAX];
    long retention_days; /* -1 for null: no fixed number of days */
    char recipients[KEEL_AUDIT_PRIVACY_RECIPIENTS_MAX][KEEL_AUDIT_PRIVACY_RECIPIENT_MAX];
    size_t recipient_count; /* 0: kept by the controller alone */
    char stored[KEEL_AUDIT_IXIT_TEXT_MAX];
    int sealed;
    char consent_purpose[KEEL_AUDIT_IXIT_ID_MAX]; /* "" for null */
} keel_audit_ixit_datum;

/* One purpose the owner may consent to. */
typedef struct keel_audit_ixit_consent {
    char purpose[KEEL_AUDIT_IXIT_ID_MAX];
    char description[KEEL_AUDIT_IXIT_TEXT_MAX];
    int default_on;                        /* "default": 6-2 wants false */
    char route[KEEL_AUDIT_LOGIN_PATH_MAX]; /* where it is given and withdrawn */
} keel_audit_ixit_consent;

typedef struct keel_audit_ixit_personal_data {
    int present;
    char controller[KEEL_AUDIT_IXIT_TEXT_MAX];
    keel_audit_ixit_datum data[KEEL_AUDIT_PRIVACY_DATA_MAX];
    size_t data_count;
    keel_audit_ixit_consent consent[KEEL_AUDIT_PRIVACY_CONSENTS_MAX];
    size_t consent_count;
} keel_audit_ixit_personal_data;

/* One field of the telemetry (24-TelData). */
typedef struct keel_audit_ixit_telemetry_field {
    char name[KEEL_AUDIT_IXIT_NAME_MAX];
    char meaning[KEEL_AUDIT_IXIT_TEXT_MAX];
    int personal;
    char justification[KEEL_AUDIT_IXIT_TEXT_MAX]; /* why a personal field is needed; "" none */
} keel_audit_ixit_telemetry_field;

typedef struct keel_audit_ixit_telemetry {
    keel_audit_declared declared; /* null: no telemetry is collected */
    char topic[KEEL_AUDIT_TOPIC_MAX];
    char recipient[KEEL_AUDIT_IXIT_TEXT_MAX];
    char purpose[KEEL_AUDIT_IXIT_TEXT_MAX];
    char examined_by[KEEL_AUDIT_IXIT_TEXT_MAX]; /* how security anomalies are found (5.10-1) */
    keel_audit_ixit_telemetry_field fields[KEEL_AUDIT_TELEMETRY_FIELDS_MAX];
    size_t field_count;
} keel_audit_ixit_telemetry;

/* One external sensing capability (22-ExtSens). */
typedef struct keel_audit_ixit_sensor {
    char capability[KEEL_AUDIT_IXIT_TEXT_MAX];
    char what[KEEL_AUDIT_IXIT_TEXT_MAX];
    char documented_in[KEEL_AUDIT_IXIT_TEXT_MAX]; /* a user_info document, "#section" allowed */
} keel_audit_ixit_sensor;

typedef struct keel_audit_ixit_sensing {
    keel_audit_declared declared; /* []: the device has no external sensing capability */
    keel_audit_ixit_sensor items[KEEL_AUDIT_SENSING_MAX];
    size_t count;
} keel_audit_ixit_sensing;

/* An HTTP request the IXIT declares: method, path and body (a JSON object as printed by
 * cJSON, placeholders in its strings; "" when none is declared). */
typedef struct keel_audit_ixit_request {
    char method[KEEL_AUDIT_IXIT_METHOD_MAX];
    char path[KEEL_AUDIT_LOGIN_PATH_MAX];
    char body[KEEL_AUDIT_PRIVACY_BODY_MAX];
} keel_audit_ixit_request;

/* How long 5.11-2-2 follows the status route when the IXIT names no "timeout_ms". */
#define KEEL_AUDIT_DELETION_WAIT_MS 10000L
#define KEEL_AUDIT_DELETION_WAIT_MAX_MS 120000L

/* The deletion functions (25-DelFunc). */
typedef struct keel_audit_ixit_deletion {
    int present;
    keel_audit_ixit_request reset; /* the body may hold KEEL_AUDIT_PASSWORD_PLACEHOLDER */
    int restarts;                  /* the device restarts into its factory state after it */
    keel_audit_ixit_request user_data[KEEL_AUDIT_USER_DATA_MAX]; /* bodies hold the canary */
    size_t user_data_count;
    keel_audit_declared service; /* null: no associated service keeps personal data */
    keel_audit_ixit_request service_request;
    char status_path[KEEL_AUDIT_LOGIN_PATH_MAX];
    char status_field[KEEL_AUDIT_IXIT_NAME_MAX];
    char status_confirmed[KEEL_AUDIT_OUTAGE_BODY_MAX]; /* a JSON scalar as printed by cJSON */
    long status_timeout_ms;
    char instructions[KEEL_AUDIT_IXIT_TEXT_MAX]; /* where the user reads how (5.11-3) */
} keel_audit_ixit_deletion;

/* How long 6-3A-2 waits for a datum while consent is given, and watches after withdrawal,
 * when the IXIT names no "wait_ms" / "quiet_ms". */
#define KEEL_AUDIT_CONSENT_WAIT_MS 10000L
#define KEEL_AUDIT_CONSENT_QUIET_MS 3000L
#define KEEL_AUDIT_CONSENT_WAIT_MAX_MS 60000L

/* The laboratory's view of the device's processing: an MQTT subscription (TLS, a client
 * certificate of the laboratory). */
typedef struct keel_audit_ixit_mqtt {
    char host[KEEL_AUDIT_HOST_MAX]; /* a name or address its certificate carries */
    uint16_t port;
    char ca[KEEL_AUDIT_UPDATE_FILE_MAX];
    char cert[KEEL_AUDIT_UPDATE_FILE_MAX];
    char key[KEEL_AUDIT_UPDATE_FILE_MAX];
    char topic[KEEL_AUDIT_TOPIC_MAX]; /* a valid subscription filter */
} keel_audit_ixit_mqtt;

/* "consent_check" (6-3A-2): how consent is given and withdrawn, what makes the device
 * process the datum, and where the laboratory sees it arrive. */
typedef struct keel_audit_ixit_consent_check {
    int present;
    char purpose[KEEL_AUDIT_IXIT_ID_MAX];
    char route[KEEL_AUDIT_LOGIN_PATH_MAX]; /* POST {"purpose": ..., "granted": true|false} */
    keel_audit_ixit_request trigger;
    keel_audit_ixit_mqtt mqtt;
    long wait_ms;
    long quiet_ms;
} keel_audit_ixit_consent_check;

/* "user_info" (2-UserInfo): the documents the owner gets. */
typedef struct keel_audit_ixit_document {
    char title[KEEL_AUDIT_IXIT_TEXT_MAX];
    char path[KEEL_AUDIT_IXIT_TEXT_MAX];
} keel_audit_ixit_document;

typedef struct keel_audit_ixit_user_info {
    int present;
    keel_audit_ixit_document documents[KEEL_AUDIT_USER_DOCS_MAX];
    size_t count;
} keel_audit_ixit_user_info;

typedef struct keel_audit_ixit_privacy {
    keel_audit_ixit_personal_data personal_data; /* "personal_data" */
    keel_audit_ixit_telemetry telemetry;         /* "telemetry" */
    keel_audit_ixit_sensing sensing;             /* "sensing" */
    keel_audit_ixit_deletion deletion;           /* "deletion" */
    keel_audit_ixit_consent_check consent_check; /* "consent_check" */
    keel_audit_ixit_user_info user_info;         /* "user_info" */
} keel_audit_ixit_privacy;

/* Parse the privacy members of the IXIT document root (a cJSON object, passed as void so that
 * this header needs no cJSON) into x->privacy, which is allocated when any member is present
 * (left NULL otherwise). Every field of the schema is required (null where it allows null;
 * "justification", "wait_ms", "quiet_ms", "timeout_ms" and request bodies optional), strings
 * non-empty without control characters, paths valid routes, methods as for routes; besides:
 * a user_data body without KEEL_AUDIT_CANARY_PLACEHOLDER, a datum whose "consent_purpose"
 * names no declared consent purpose, a duplicate datum id or consent purpose, and an MQTT
 * topic that is not a valid subscription are refused. KEEL_ERR_PARSE / KEEL_ERR_TOO_LARGE
 * with why ("personal_data.data[2].retention: missing"), KEEL_ERR_NOMEM. Called by
 * keel_audit_ixit_parse; on failure the caller frees x. */
keel_err keel_audit_ixit_privacy_parse(const void *root, keel_audit_ixit *x, char *why,
                                       size_t whysz);

/* The conceptual judges over the IXIT (x may lack every privacy member: INCONCLUSIVE naming
 * the member). v decides where N/A is allowed: only for provisions conditional on a condition
 * (V2.1.1) or feature (V3.1.3) the IXIT declares absent. Evidence names each entry judged and
 * the reason of the verdict; a first line "units: ..." says what each TS 103 701 test unit
 * checks. */

/* 5.8-3-1: every sensing capability has what it senses and is documented in a document of
 * user_info (path equal, "#section" ignored). FAIL naming each that is not; no capability
 * ([]): N/A in V3.1.3 (feature v absent), PASS in V2.1.1 (unconditional: nothing to
 * document); INCONCLUSIVE without "sensing" or, with capabilities, without "user_info". */
keel_audit_verdict keel_audit_sensing_judge(const keel_audit_ixit *x, keel_catalog_version v,
                                            keel_audit_evidence *ev);

/* 5.10-1-1: telemetry is declared with a topic, recipient and how it is examined for security
 * anomalies ("examined_by": FAIL when it says nobody, "none" or "n/a"). null: N/A (condition
 * 6 / feature w); absent: INCONCLUSIVE. */
keel_audit_verdict keel_audit_telemetry_examined_judge(const keel_audit_ixit *x,
                                                       keel_audit_evidence *ev);

/* 6-1-1: every personal datum has a purpose, legal basis, retention and (possibly no)
 * recipients, the controller is named, and user_info names a document the consumer gets.
 * FAIL naming each gap; INCONCLUSIVE without "personal_data" or with no datum listed. */
keel_audit_verdict keel_audit_personal_data_judge(const keel_audit_ixit *x,
                                                  keel_audit_evidence *ev);

/* 6-2-1: every consent purpose is off by default and given through a route the IXIT declares
 * (POST), every datum processed on consent names a declared purpose. FAIL naming each gap; N/A
 * when no datum is processed on consent and no purpose is declared (condition 7 / feature y);
 * INCONCLUSIVE without "personal_data". */
keel_audit_verdict keel_audit_consent_judge(const keel_audit_ixit *x, keel_audit_evidence *ev);

/* 6-4-1: no telemetry field is personal, or each personal one carries a justification.
 * FAIL naming each personal field without one; N/A for null telemetry; INCONCLUSIVE absent. */
keel_audit_verdict keel_audit_telemetry_minimal_judge(const keel_audit_ixit *x,
                                                      keel_audit_evidence *ev);

/* 6-5-1: the telemetry's fields (each with its meaning), purpose and recipient are declared
 * and user_info names a document the consumer gets. FAIL on a gap; N/A for null telemetry;
 * INCONCLUSIVE absent. */
keel_audit_verdict keel_audit_telemetry_info_judge(const keel_audit_ixit *x,
                                                   keel_audit_evidence *ev);

/* 5.11-1-1: a deletion function for the device (deletion.reset on a route the IXIT declares)
 * and the instructions for it. FAIL on a gap; INCONCLUSIVE without "deletion". */
keel_audit_verdict keel_audit_deletion_device_judge(const keel_audit_ixit *x,
                                                    keel_audit_evidence *ev);

/* 5.11-2-1: a function on the device to delete personal data at the associated service: its
 * request and status routes declared in the IXIT and the value that confirms it. service null:
 * N/A in V3.1.3 (feature x absent), FAIL in V2.1.1 (a recommendation without condition: the
 * ICS must justify it); INCONCLUSIVE without "deletion". */
keel_audit_verdict keel_audit_deletion_service_judge(const keel_audit_ixit *x,
                                                     keel_catalog_version v,
                                                     keel_audit_evidence *ev);

/* Record 5.8-3-1, 5.10-1-1, 5.11-1-1, 5.11-2-1, 6-1-1, 6-2-1, 6-4-1 and 6-5-1 for the IXIT
 * (those provisions of r's version; conceptual). Only a failure to record is returned. */
keel_err keel_audit_check_privacy_docs(keel_audit_report *r, const keel_audit_ixit *x);

/* ---- The conceptual test cases on the IXIT's design tables (src/audit/concepts.h) ---------
 * 5.1-3-1, 5.3-3-1, 5.3-8-1, 5.4-2-1, 5.4-4-1, 5.5-7-1, 5.5-8-1, 5.8-2-1, 5.13-1A-1,
 * 6-3B-1 and 6-6-1, judged on the tables 1-AuthMech, 4-Conf, 6-SoftComp, 7-UpdMech, 8-UpdProc,
 * 10-SecParam, 11-ComMech, 14-SecMgmt, 21-PersData, 27-UserIntf and 29-InpVal (docs/ixit.md);
 * an absent table makes its test cases INCONCLUSIVE, naming it. */

/* 1 when one of these test cases of version v serves provision ("5.4-4"). */
int keel_audit_concepts_serve(keel_catalog_version v, const char *provision);

/* How many of these test cases of version v wanted accepts (by provision; NULL: all), their
 * IDs space-separated into ids (idsz bytes, may be NULL; IDs that do not fit are left out). */
size_t keel_audit_concepts_wanted(keel_catalog_version v,
                                  int (*wanted)(const char *provision, const void *user),
                                  const void *user, char *ids, size_t idsz);

/* Parse len bytes of the IXIT (untrusted JSON) and record each of these test cases that
 * exists in r's version and whose provision wanted accepts (wanted NULL: all).
 * KEEL_ERR_PARSE when the text is not JSON (nothing recorded); else only a failure to
 * record is returned. */
keel_err keel_audit_check_concepts(keel_audit_report *r, const void *text, size_t len,
                                   int (*wanted)(const char *provision, const void *user),
                                   const void *user);

/* The same on the IXIT file at path (at most KEEL_AUDIT_IXIT_FILE_MAX bytes; KEEL_ERR_IO,
 * KEEL_ERR_TOO_LARGE when it cannot be read). */
keel_err keel_audit_check_concepts_file(keel_audit_report *r, const char *path,
                                        int (*wanted)(const char *provision, const void *user),
                                        const void *user);

/* ---- 6-3A-2 (V2.1.1: 6-3-2): withdrawn consent stops the processing ----------------- */

/* What 6-3A-2 did and saw. HTTP statuses are 0 for no answer, -1 when not sent. */
typedef struct keel_audit_consent_facts {
    int declared;      /* the IXIT has "consent_check" */
    int consent_based; /* 1 the IXIT declares processing on consent, 0 it declares none */
    int credentials;   /* a password was given */
    int watching;      /* 1 subscribed to the topic, 0 could not (evidence says why) */
    int logged_in;     /* 1, 0 refused, -1 not tried */
    long grant, trigger, withdraw, trigger_again;
    size_t while_granted;    /* messages after the first trigger while consent was given */
    long long first_ms;      /* from the trigger to the first of them */
    size_t after_withdrawal; /* messages from the withdrawal's answer on */
    long long watched_ms;    /* how long it watched after the withdrawal */
} keel_audit_consent_facts;

/* INCONCLUSIVE without the check, credentials or a subscription, when consent could not be
 * given or the trigger was not taken, or when nothing arrived while consent was given (the
 * observation does not work); FAIL when the withdrawal is refused (4xx, 5xx) or anything
 * arrived after it; PASS when nothing arrived for the watch after the trigger fired again. N/A
 * (V3.1.3 6-3A is feature y) when the IXIT declares no processing on consent and no check. */
keel_audit_verdict keel_audit_consent_withdrawal_judge(const keel_audit_consent_facts *f,
                                                       keel_catalog_version v,
                                                       keel_audit_evidence *ev);

/* 6-3A-2 (V2.1.1 6-3-2) with the IXIT's "consent_check" and the owner's password: subscribe
 * to the topic (libmosquitto, the laboratory's certificate, keel's TLS policy), log in, give
 * consent through the route, fire the trigger, wait up to wait_ms for a message (messages
 * retained by the broker do not count), wait until none came for a second, withdraw, fire the
 * trigger again and watch quiet_ms (when nothing arrived while consent was given, it is only
 * withdrawn); log out. The consent is left withdrawn. ixit and password may be NULL
 * (INCONCLUSIVE). Only a failure to record is returned. */
keel_err keel_audit_check_consent(keel_audit_report *r, const keel_audit_target *t,
                                  const keel_audit_ixit *ixit, const char *login_path,
                                  const char *password);

/* ---- 5.11-2-2 and 5.11-4-1: deletion at the associated service, confirmed ---------------- */

/* What the service deletion did and saw. */
typedef struct keel_audit_service_deletion_facts {
    keel_audit_declared service; /* deletion.service as declared (UNDECLARED: no "deletion") */
    int credentials;
    int logged_in;  /* 1, 0 refused, -1 not tried */
    long request;   /* its HTTP status, 0 no answer, -1 not sent */
    long status;    /* the last status answer's HTTP status, 0 none, -1 not asked */
    int field_seen; /* an answer carried the field */
    int confirmed;  /* the field showed the confirmed value (for this request, when the answers
                       name it) */
    long long waited_ms;
    long timeout_ms;
    char last[KEEL_AUDIT_OUTAGE_BODY_MAX];    /* the field's last value, "" when none */
    char shown[KEEL_AUDIT_EVIDENCE_LINE_MAX]; /* the confirming answer, as the owner sees it */
} keel_audit_service_deletion_facts;

/* confirmation 0: 5.11-2-2 (the function deletes at the service), 1: 5.11-4-1 (the
 * confirmation is shown). PASS when the request was taken (2xx) and the status showed the
 * confirmed value; FAIL when the request is refused (404, 405, 5xx, another 4xx but 401, 403,
 * 409, 429) or no confirmation came within the time; INCONCLUSIVE without credentials, login,
 * an answer, or when the device has no service link (409) or the status never carried the
 * field; service null: N/A in V3.1.3 for 5.11-2-2 (feature x), else INCONCLUSIVE. */
keel_audit_verdict keel_audit_service_deletion_judge(const keel_audit_service_deletion_facts *f,
                                                     int confirmation, keel_catalog_version v,
                                                     keel_audit_evidence *ev);

/* 5.11-2-2 and 5.11-4-1 (functional) with deletion.service and the owner's password: log in,
 * read the status, send the request, follow the status route every 250 ms for up to its
 * timeout_ms until the field shows the confirmed value, log out. */
keel_err keel_audit_check_service_deletion(keel_audit_report *r, const keel_audit_target *t,
                                           const keel_audit_ixit *ixit, const char *login_path,
                                           const char *password);

/* ---- 5.11-1-2: the reset erases the user data (canaries) ---------------------------- */

/* A canary: KEEL_AUDIT_CANARY_LEN letters and digits, "kc" first; evidence shows at most its
 * first KEEL_AUDIT_CANARY_SHOWN characters. */
#define KEEL_AUDIT_CANARY_LEN 24
#define KEEL_AUDIT_CANARY_SHOWN 8
/* Waits of 5.11-1-2 after the reset: to see the device go down (when it restarts) and to see
 * it answer again. */
#define KEEL_AUDIT_RESET_DOWN_MS 15000LL
#define KEEL_AUDIT_RESET_UP_MS 60000LL

/* A new random canary into out (KEEL_AUDIT_CANARY_LEN + 1 bytes). KEEL_ERR_RANDOM. */
keel_err keel_audit_canary_make(char out[KEEL_AUDIT_CANARY_LEN + 1]);

/* body (a JSON object's text) with every occurrence of placeholder inside its strings
 * replaced by value (escaped by cJSON), into a new string the caller releases with
 * keel_audit_body_free (it may hold a password). KEEL_ERR_NOT_FOUND when no string holds the
 * placeholder, KEEL_ERR_PARSE when body is not a JSON object, KEEL_ERR_NOMEM. */
keel_err keel_audit_body_fill(const char *body, const char *placeholder, const char *value,
                              char **out);
/* Wipe and free a body of keel_audit_body_fill. NULL is a no-op. */
void keel_audit_body_free(char *body);

/* What a search of the data tree found: per canary, the number of files holding it. */
typedef struct keel_audit_canary_hits {
    size_t files[KEEL_AUDIT_USER_DATA_MAX];
    size_t total; /* files holding any canary */
} keel_audit_canary_hits;

/* Walk the tree at root as keel_audit_walk_tree does (no symbolic link followed, regular files
 * only, every byte of each) and look for each of the n (<= KEEL_AUDIT_USER_DATA_MAX) canaries.
 * With ev (may be NULL), one line per file holding one: "lock.db: canary kc3F9a0Q... (user
 * data 1) at offset 8192" (never a whole canary). stats (may be NULL) gets the walk's counts.
 * KEEL_ERR_IO when root cannot be opened, KEEL_ERR_ARG. */
keel_err keel_audit_canary_search(const char *root,
                                  const char (*canaries)[KEEL_AUDIT_CANARY_LEN + 1], size_t n,
                                  keel_audit_evidence *ev, keel_audit_canary_hits *hits,
                                  keel_audit_scan_stats *stats);

/* What 5.11-1-2 did and saw. */
typedef struct keel_audit_reset_facts {
    int declared;       /* the IXIT declares deletion.reset */
    int credentials;    /* a password was given */
    int tree;           /* the data tree was given (--device-data) */
    int logged_in;      /* 1, 0 refused, -1 not tried */
    size_t user_data;   /* user_data routes declared */
    size_t planted;     /* canaries the device took (2xx) */
    size_t seen_before; /* of them, found in the data tree before the reset */
    long reset;         /* the reset's HTTP status, 0 no answer, -1 not sent */
    int restarts;       /* the IXIT says it restarts */
    int went_down;      /* 1 seen down, 0 not within KEEL_AUDIT_RESET_DOWN_MS, -1 not watched */
    int came_back;      /* 1 answered again, 0 not within KEEL_AUDIT_RESET_UP_MS, -1 not run */
    long owner_after;   /* the owner's password after the reset: its login status, -1 not tried */
    int searched;       /* the tree was searched after the reset */
    int complete;       /* every file of it was read (no skip, no unreadable file, no cut) */
    size_t found;       /* files holding a canary after the reset */
} keel_audit_reset_facts;

/* INCONCLUSIVE without the reset, credentials, the tree, user_data routes or a planted
 * canary, when the login or the reset could not be made (no answer, 401, 403, 429), the device
 * did not answer again, or the tree was not searched completely without a hit; FAIL when the
 * reset is refused (404, 405, another 4xx, 5xx), a canary is found after the reset, or the
 * owner's password still opens a session (every reason is named); PASS otherwise, except that
 * when no canary was visible before the reset either (data sealed at rest: the search then
 * shows only that no plain copy remains) the owner's password must also have been refused
 * (401, 403), else INCONCLUSIVE. */
keel_audit_verdict keel_audit_reset_judge(const keel_audit_reset_facts *f, keel_audit_evidence *ev);

/* 5.11-1-2 inputs. */
typedef struct keel_audit_reset_opts {
    const keel_audit_ixit *ixit;
    const char *login_path;  /* NULL: KEEL_AUDIT_LOGIN_PATH_DEFAULT */
    const char *status_path; /* NULL: KEEL_AUDIT_STATUS_PATH_DEFAULT: asked to see it answer */
    const char *password;    /* the owner's password now (after 5.1-4-2's change) */
    const char *device_data; /* the device's data tree, NULL: not given */
} keel_audit_reset_opts;

/* 5.11-1-2: log in, plant a canary through each user_data route (the placeholder replaced),
 * search the tree, reset through deletion.reset (KEEL_AUDIT_PASSWORD_PLACEHOLDER replaced by
 * the password), wait for the device to go down and answer again when it restarts, try the
 * owner's password (it must be refused), search the tree again. Without the tree, credentials
 * or a reset nothing is planted or reset. IT RESETS THE DEVICE: run it after every test case
 * that needs the owner. Only a failure to record is returned. */
keel_err keel_audit_check_reset(keel_audit_report *r, const keel_audit_target *t,
                                const keel_audit_reset_opts *o);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_AUDIT_H */
