/* 5.2-1-2: the security.txt parser (RFC 9116's grammar, strictly), its date and URI readers,
 * and the judge: every rule decides once, with the evidence line that says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "expect_line.h"

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */

static const char good[] = "# keel lock\r\n"
                           "Contact: mailto:security@keel.invalid\r\n"
                           "Contact: https://keel.invalid/report\r\n"
                           "Expires: 2026-06-30T12:00:00Z\r\n"
                           "Encryption: https://keel.invalid/pgp.asc\r\n"
                           "Policy: https://keel.invalid/disclosure\r\n"
                           "Preferred-Languages: en, de\r\n"
                           "Canonical: https://127.0.0.1:8443/.well-known/security.txt\r\n"
                           "X-Vendor-Thing: anything at all\r\n";

static void test_parse_good(void **state)
{
    keel_audit_securitytxt s;
    char why[160];
    int64_t t;

    (void)state;
    assert_int_equal(keel_audit_securitytxt_parse(good, strlen(good), &s, why, sizeof(why)),
                     KEEL_OK);
    assert_int_equal(s.contact.count, 2);
    assert_int_equal(s.contact.invalid, 0);
    assert_string_equal(s.contact.values[1], "https://keel.invalid/report");
    assert_int_equal(s.expires.count, 1);
    assert_int_equal(keel_audit_rfc3339_parse("2026-06-30T12:00:00Z", 20, &t), KEEL_OK);
    assert_true(s.expires_at == t);
    assert_int_equal(s.policy.count, 1);
    assert_int_equal(s.languages.count, 1);
    assert_int_equal(s.languages.invalid, 0);
    assert_int_equal(s.canonical.count, 1);
    assert_int_equal(s.other_fields, 2); /* Encryption (not judged) and the unknown field */
    assert_false(s.is_signed);
    assert_int_equal(s.lines, 9);
}

static void test_parse_forms(void **state)
{
    /* LF only, no final end of line, names in any case, spaces and tabs around values. */
    static const char lf[] = "contact:mailto:a@b.invalid\nEXPIRES:\t2030-01-01t00:00:00z \n"
                             "\n# comment\npolicy: https://x.invalid/p\nPreferred-languages: en";
    static const char signed_[] =
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        "Contact: mailto:a@b.invalid\nExpires: 2030-01-01T00:00:00+02:00\n"
        "- # a dash-escaped comment\nPolicy: https://x.invalid/p\nPreferred-Languages: fr\n"
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n";
    keel_audit_securitytxt s;
    char why[160];

    (void)state;
    assert_int_equal(keel_audit_securitytxt_parse(lf, strlen(lf), &s, why, sizeof(why)), KEEL_OK);
    assert_int_equal(s.contact.count, 1);
    assert_int_equal(s.expires.invalid, 0);
    assert_string_equal(s.expires.values[0], "2030-01-01t00:00:00z");
    assert_int_equal(s.languages.count, 1);
    assert_int_equal(keel_audit_securitytxt_parse(signed_, strlen(signed_), &s, why, sizeof(why)),
                     KEEL_OK);
    assert_true(s.is_signed);
    assert_int_equal(s.contact.count, 1);
    assert_int_equal(s.policy.count, 1);
    assert_true(s.expires_at == INT64_C(1893456000) - 7200);
    /* Empty: parses, holds nothing (the judge fails it). */
    assert_int_equal(keel_audit_securitytxt_parse("", 0, &s, why, sizeof(why)), KEEL_OK);
    assert_int_equal(s.contact.count, 0);
}

/* text must be refused with err and why. */
static void refused(const char *text, size_t len, keel_err err, const char *says)
{
    keel_audit_securitytxt s;
    char why[160];

    assert_int_equal(keel_audit_securitytxt_parse(text, len, &s, why, sizeof(why)), err);
    if (strcmp(why, says) != 0)
        fail_msg("'%s': expected '%s'", why, says);
    assert_int_equal(s.contact.count, 0);
}

#define REFUSED(lit, err, says) refused(lit, sizeof(lit) - 1, err, says)

static void test_parse_refused(void **state)
{
    char *big;

    (void)state;
    REFUSED("Contact: mailto:a@b\nnot a field\n", KEEL_ERR_PARSE,
            "line 2: not a field (Name: value), comment or empty line");
    REFUSED("Contact : mailto:a@b\n", KEEL_ERR_PARSE,
            "line 1: not a field (Name: value), comment or empty line");
    REFUSED(" Contact: mailto:a@b\n", KEEL_ERR_PARSE,
            "line 1: not a field (Name: value), comment or empty line");
    REFUSED("Contact: mailto:a@b\n   \n", KEEL_ERR_PARSE,
            "line 2: not a field (Name: value), comment or empty line");
    REFUSED("Contact:   \n", KEEL_ERR_PARSE, "line 1: field 'Contact' has no value");
    REFUSED("Contact: a\x01"
            "b\n",
            KEEL_ERR_PARSE, "line 1: a control character in the value");
    REFUSED("\xef\xbb\xbf"
            "Contact: mailto:a@b\n",
            KEEL_ERR_PARSE, "line 1: starts with a byte order mark");
    REFUSED("Contact: mailto:a@b\n\nPolicy: x\xff\n", KEEL_ERR_PARSE,
            "line 3: not UTF-8 (byte 0xff)");
    REFUSED("Contact: mailto:a@b\nPolicy: \xc0\xaf\n", KEEL_ERR_PARSE,
            "line 2: not UTF-8 (byte 0xc0)");
    REFUSED("Contact: mailto:a@b\nPolicy: a\0b\n", KEEL_ERR_PARSE, "line 2: holds a NUL byte");
    REFUSED("Contact: mailto:a@b\rPolicy: x\n", KEEL_ERR_PARSE, "line 1: a CR not followed by LF");
    REFUSED("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b\n",
            KEEL_ERR_PARSE, "line 4: the OpenPGP signed text has no signature");
    REFUSED("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n-Contact: x\n", KEEL_ERR_PARSE,
            "line 4: a line starting with '-' not dash-escaped");
    REFUSED("-----BEGIN PGP SIGNED MESSAGE-----\nVersion: 1\n\n", KEEL_ERR_PARSE,
            "line 2: not an armor header of the OpenPGP frame");
    REFUSED("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b\n"
            "-----BEGIN PGP SIGNATURE-----\nAAAA\n-----END PGP SIGNATURE-----\nContact: x\n",
            KEEL_ERR_PARSE, "line 8: text after the OpenPGP signature");
    /* Bounds: a line, the whole file. */
    big = malloc(KEEL_AUDIT_SECTXT_MAX + 2);
    assert_non_null(big);
    memcpy(big, "Policy: ", 8);
    memset(big + 8, 'a', KEEL_AUDIT_SECTXT_LINE_MAX);
    refused(big, 8 + KEEL_AUDIT_SECTXT_LINE_MAX, KEEL_ERR_TOO_LARGE,
            "line 1: longer than 2048 bytes");
    memset(big, '#', KEEL_AUDIT_SECTXT_MAX + 1);
    refused(big, KEEL_AUDIT_SECTXT_MAX + 1, KEEL_ERR_TOO_LARGE, "larger than 32768 bytes");
    free(big);
    assert_int_equal(keel_audit_securitytxt_parse(NULL, 1, NULL, NULL, 0), KEEL_ERR_ARG);
}

static void test_values(void **state)
{
    keel_audit_securitytxt s;
    static const char bad[] = "Contact: http://keel.invalid/report\nContact: not a uri\n"
                              "Contact: tel:+1-201-555-0123\nExpires: 2026-02-30T00:00:00Z\n"
                              "Policy: https://\nPreferred-Languages: en, 12, de\n";

    (void)state;
    assert_int_equal(keel_audit_securitytxt_parse(bad, strlen(bad), &s, NULL, 0), KEEL_OK);
    assert_int_equal(s.contact.count, 3);
    assert_int_equal(s.contact.invalid, 2);
    assert_string_equal(s.contact.first_invalid, "http://keel.invalid/report");
    assert_int_equal(s.expires.invalid, 1);
    assert_int_equal(s.policy.invalid, 1);
    assert_int_equal(s.languages.invalid, 1);
}

static void test_dates_and_uris(void **state)
{
    int64_t t = 0;

    (void)state;
    assert_int_equal(keel_audit_rfc3339_parse("1970-01-01T00:00:00Z", 20, &t), KEEL_OK);
    assert_true(t == 0);
    assert_int_equal(keel_audit_rfc3339_parse("2026-01-01T01:30:00.25+01:30", 28, &t), KEEL_OK);
    assert_true(t == NOW);
    assert_int_equal(keel_audit_rfc3339_parse("2025-12-31T23:00:00-01:00", 25, &t), KEEL_OK);
    assert_true(t == NOW);
    assert_int_equal(keel_audit_rfc3339_parse("2024-02-29T00:00:00Z", 20, &t), KEEL_OK);
    assert_int_equal(keel_audit_rfc3339_parse("2023-02-29T00:00:00Z", 20, &t), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_rfc3339_parse("2026-01-01 00:00:00Z", 20, &t), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_rfc3339_parse("2026-01-01T00:00:00", 19, &t), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_rfc3339_parse("2026-01-01T24:00:00Z", 20, &t), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_rfc3339_parse("2026-01-01T00:00:00.Z", 21, &t), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_rfc3339_parse("2026-01-01T00:00:00+0100", 24, &t), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_date_parse("2031-12-31", 10, &t), KEEL_OK);
    assert_true(t == INT64_C(1956441600));
    assert_int_equal(keel_audit_date_parse("2031-13-01", 10, &t), KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_date_parse("2031-12-31Z", 11, &t), KEEL_ERR_PARSE);

#define URI(s) keel_audit_uri_valid(s, sizeof(s) - 1)
    assert_true(URI("mailto:security@keel.invalid"));
    assert_true(URI("https://keel.invalid/a?b=c#d"));
    assert_true(URI("tel:+1-201-555-0123"));
    assert_true(URI("https://keel.invalid/%41"));
    assert_false(URI("http://keel.invalid/"));
    assert_false(URI("HTTP://keel.invalid/"));
    assert_false(URI("https:///nohost"));
    assert_false(URI("https://keel.invalid/a b"));
    assert_false(URI("https://keel.invalid/%4"));
    assert_false(URI("https://keel.invalid/%zz"));
    assert_false(URI("mailto:"));
    assert_false(URI("security@keel.invalid"));
    assert_false(URI("1http://x"));
    assert_false(URI("https://keel.invalid/\xc3\xa9"));
#undef URI
}

static keel_audit_verdict judge_text(const char *text, long status, const char *ct,
                                     keel_audit_evidence *ev)
{
    keel_audit_securitytxt s;
    char why[160];
    keel_audit_sectxt_fetch f = {.url = "https://127.0.0.1:8443/.well-known/security.txt",
                                 .status = status,
                                 .content_type = ct,
                                 .why = why};

    f.parsed = keel_audit_securitytxt_parse(text, strlen(text), &s, why, sizeof(why));
    keel_audit_evidence_init(ev);
    return keel_audit_securitytxt_judge(&f, &s, NOW, ev);
}

static void test_judge(void **state)
{
    const char *ct = "text/plain; charset=utf-8";
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(judge_text(good, 200, ct, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "GET https://127.0.0.1:8443/.well-known/security.txt (no session): HTTP 200");
    EXPECT_LINE(&ev, "Contact: mailto:security@keel.invalid");
    EXPECT_LINE(&ev, "Expires: 2026-06-30T12:00:00Z, 180 days ahead");
    EXPECT_LINE(&ev, "Preferred-Languages: en, de");
    EXPECT_LINE(&ev, "2 other field(s), not judged");
    assert_false(has_line(&ev, "warning: Content-Type 'text/plain; charset=utf-8'; RFC 9116 asks "
                               "for text/plain; charset=utf-8"));
    keel_audit_evidence_free(&ev);
    /* Missing fields: each named. */
    assert_int_equal(judge_text("Expires: 2026-06-30T12:00:00Z\n", 200, ct, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "Contact: missing");
    EXPECT_LINE(&ev, "Policy: missing");
    EXPECT_LINE(&ev, "Preferred-Languages: missing");
    keel_audit_evidence_free(&ev);
    /* Expired; twice; far ahead (a warning only); malformed. */
    assert_int_equal(judge_text("Contact: mailto:a@b.invalid\nExpires: 2025-12-31T23:59:59Z\n"
                                "Policy: https://x.invalid/\nPreferred-Languages: en\n",
                                200, ct, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "Expires: 2025-12-31T23:59:59Z is in the past: the file is stale");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge_text("Contact: mailto:a@b.invalid\nExpires: 2026-03-01T00:00:00Z\n"
                                "Expires: 2026-04-01T00:00:00Z\nPolicy: https://x.invalid/\n"
                                "Preferred-Languages: en\n",
                                200, ct, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "Expires: appears 2 times (RFC 9116: exactly once)");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge_text("Contact: mailto:a@b.invalid\nExpires: 2028-01-01T00:00:00Z\n"
                                "Policy: https://x.invalid/\nPreferred-Languages: en\n",
                                200, "text/html", &ev),
                     KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "warning: Expires 2028-01-01T00:00:00Z is 730 days ahead; RFC 9116 asks for "
                     "less than a year");
    EXPECT_LINE(&ev, "warning: Content-Type 'text/html'; RFC 9116 asks for text/plain; "
                     "charset=utf-8");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge_text("Contact: mailto:a@b.invalid\nExpires: tomorrow\n"
                                "Policy: http://x.invalid/\nPreferred-Languages: en\n"
                                "Preferred-Languages: de\n",
                                200, ct, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "Expires: 'tomorrow' is not an RFC 3339 date-time");
    EXPECT_LINE(&ev, "Policy: 'http://x.invalid/' is not a URI (web URIs must be https)");
    EXPECT_LINE(&ev, "Preferred-Languages: appears 2 times (RFC 9116: at most once)");
    keel_audit_evidence_free(&ev);
    /* The fetch alone: unparseable, 404, a redirect, nothing. */
    assert_int_equal(judge_text("junk\n", 200, ct, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "security.txt does not follow RFC 9116: line 1: not a field (Name: value), "
                     "comment or empty line");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge_text(good, 404, ct, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "no security.txt is published there");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge_text(good, 301, ct, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge_text(good, 0, ct, &ev), KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "GET https://127.0.0.1:8443/.well-known/security.txt: no answer over HTTPS");
    keel_audit_evidence_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),     cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_refused),  cmocka_unit_test(test_values),
        cmocka_unit_test(test_dates_and_uris), cmocka_unit_test(test_judge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
