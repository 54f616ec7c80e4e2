/* The TLS configuration judge of 5.5-1-3 (tls_config.c): each of the seven servers' directives
 * legacy and modern, protocol spellings, cipher strings with their exclusions, TLS switched on
 * without a floor, the verdicts, file placement and hostile lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tls_config.h"

typedef struct run {
    keel_audit_evidence findings, notes;
    keel_audit_tls_scan s;
} run;

static void judge(run *r, keel_audit_tls_software sw, const char *text)
{
    memset(r, 0, sizeof(*r));
    keel_audit_evidence_init(&r->findings);
    keel_audit_evidence_init(&r->notes);
    r->s.findings = &r->findings;
    r->s.notes = &r->notes;
    keel_audit_tls_config_scan(sw, "c", text, strlen(text), &r->s);
}

static void done(run *r)
{
    keel_audit_evidence_free(&r->findings);
    keel_audit_evidence_free(&r->notes);
}

/* text of software sw yields exactly the finding lines given (NULL-terminated). */
static void expect(keel_audit_tls_software sw, const char *text, ...)
{
    run r;
    va_list ap;
    size_t n = 0;
    const char *want;

    judge(&r, sw, text);
    va_start(ap, text);
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (n >= r.findings.count || strcmp(r.findings.lines[n], want) != 0)
            fail_msg("\"%s\": finding %zu is \"%s\", expected \"%s\"", text, n,
                     n < r.findings.count ? r.findings.lines[n] : "(none)", want);
        n++;
    }
    va_end(ap);
    if (r.findings.count != n)
        fail_msg("\"%s\": %zu findings, expected %zu (first extra: %s)", text, r.findings.count, n,
                 r.findings.lines[n]);
    assert_int_equal(r.s.legacy + r.s.weak, n);
    done(&r);
}

static void test_versions(void **state)
{
    (void)state;
    assert_int_equal(keel_audit_tls_version_legacy("TLSv1", 5), 1);
    assert_int_equal(keel_audit_tls_version_legacy("tlsv1.1", 7), 1);
    assert_int_equal(keel_audit_tls_version_legacy("TLSv1.0", 7), 1);
    assert_int_equal(keel_audit_tls_version_legacy("SSLv3", 5), 1);
    assert_int_equal(keel_audit_tls_version_legacy("TLSv1.2", 7), 0);
    assert_int_equal(keel_audit_tls_version_legacy("TLSv1.3", 7), 0);
    assert_int_equal(keel_audit_tls_version_legacy("None", 4), -1);
    assert_int_equal(keel_audit_tls_version_legacy(NULL, 0), -1);
}

static void test_ciphers(void **state)
{
    char out[160];

    (void)state;
    assert_int_equal(keel_audit_tls_ciphers_weak("HIGH:!aNULL:!MD5", 16, out, sizeof(out)), 0);
    assert_int_equal(keel_audit_tls_ciphers_weak("ECDHE+AESGCM:!RC4", 17, out, sizeof(out)), 0);
    assert_int_equal(keel_audit_tls_ciphers_weak("RC4-SHA:DES-CBC3-SHA", 20, out, sizeof(out)), 2);
    assert_string_equal(out, "RC4, DES");
    assert_int_equal(keel_audit_tls_ciphers_weak("DEFAULT@SECLEVEL=0", 18, out, sizeof(out)), 1);
    assert_string_equal(out, "@SECLEVEL=0");
    assert_int_equal(keel_audit_tls_ciphers_weak("ALL", 3, out, sizeof(out)), 1);
    assert_int_equal(keel_audit_tls_ciphers_weak("ALL:!aNULL", 10, out, sizeof(out)), 0);
    assert_int_equal(keel_audit_tls_ciphers_weak("EXP-RC4-MD5", 11, out, sizeof(out)), 1);
    assert_int_equal(keel_audit_tls_ciphers_weak("eNULL:!eNULL", 12, out, sizeof(out)), 0);
    assert_int_equal(keel_audit_tls_ciphers_weak("TLS_RSA_WITH_RC4_128_SHA", 24, out, sizeof(out)),
                     1);
}

static void test_servers(void **state)
{
    (void)state;
    expect(KEEL_AUDIT_TLS_NGINX, "server {\n  ssl_protocols TLSv1.2 TLSv1.3;\n}\n", NULL);
    expect(KEEL_AUDIT_TLS_NGINX, "  ssl_protocols TLSv1 TLSv1.1 TLSv1.2; # old clients\n",
           "c:1: ssl_protocols allows TLSv1, TLSv1.1 (legacy protocols)", NULL);
    expect(KEEL_AUDIT_TLS_NGINX, "# ssl_protocols SSLv3;\nssl_ciphers RC4:HIGH;\n",
           "c:2: ssl_ciphers enables RC4 (weak suites)", NULL);
    expect(KEEL_AUDIT_TLS_APACHE, "SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1\n", NULL);
    expect(KEEL_AUDIT_TLS_APACHE, "SSLProtocol -all +TLSv1.1 +TLSv1.2\n",
           "c:1: SSLProtocol allows TLSv1.1 (legacy protocols)", NULL);
    expect(KEEL_AUDIT_TLS_APACHE, "SSLCipherSuite TLSv1.3 TLS_AES_256_GCM_SHA384\n", NULL);
    expect(KEEL_AUDIT_TLS_LIGHTTPD,
           "ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\", \"CipherString\" => "
           "\"EECDH+AESGCM\")\n",
           NULL);
    expect(KEEL_AUDIT_TLS_LIGHTTPD,
           "ssl.openssl.ssl-conf-cmd = (\n  \"MinProtocol\" => \"TLSv1\"\n)\n",
           "c:2: ssl-conf-cmd MinProtocol TLSv1 (a legacy protocol as the minimum)", NULL);
    expect(KEEL_AUDIT_TLS_MOSQUITTO, "listener 8883\ncertfile a\ntls_version tlsv1\n",
           "c:3: tls_version tlsv1", NULL);
    expect(KEEL_AUDIT_TLS_MOSQUITTO, "tls_version tlsv1.3\nciphers ECDHE-RSA-AES128-GCM-SHA256\n",
           NULL);
    expect(KEEL_AUDIT_TLS_OPENSSL,
           "[sys]\nMinProtocol = TLSv1.2\nCipherString = DEFAULT:@SECLEVEL=2\n", NULL);
    expect(KEEL_AUDIT_TLS_OPENSSL, "MinProtocol=SSLv3\n",
           "c:1: MinProtocol SSLv3 (a legacy protocol as the minimum)", NULL);
    expect(KEEL_AUDIT_TLS_STUNNEL, "sslVersionMin = TLSv1.2\n", NULL);
    expect(KEEL_AUDIT_TLS_STUNNEL, "sslVersion = TLSv1\n",
           "c:1: sslVersion TLSv1 (a legacy protocol as the minimum)", NULL);
    expect(KEEL_AUDIT_TLS_HAPROXY, "  bind :443 ssl crt x.pem ssl-min-ver TLSv1.2\n", NULL);
    expect(KEEL_AUDIT_TLS_HAPROXY, "  bind :443 ssl crt x.pem force-tlsv10\n",
           "c:1: force-tlsv10 (forces a legacy protocol)", NULL);
}

static void test_verdicts(void **state)
{
    run r;
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    /* TLS on without a protocol directive: the version's default, not a PASS */
    judge(&r, KEEL_AUDIT_TLS_NGINX, "listen 443 ssl;\nssl_certificate a;\n");
    assert_int_equal(r.s.no_floor, 1);
    assert_int_equal(r.notes.count, 1);
    assert_int_equal(keel_audit_tls_config_verdict(&r.s, &ev), KEEL_AUDIT_INCONCLUSIVE);
    done(&r);
    /* modern: PASS */
    judge(&r, KEEL_AUDIT_TLS_NGINX, "listen 443 ssl;\nssl_protocols TLSv1.3;\n");
    assert_int_equal(keel_audit_tls_config_verdict(&r.s, &ev), KEEL_AUDIT_PASS);
    done(&r);
    /* a file of the software without TLS: N/A */
    judge(&r, KEEL_AUDIT_TLS_NGINX, "listen 80;\nlocation / { return 204; }\n");
    assert_int_equal(r.s.files, 1);
    assert_int_equal(r.s.tls_files, 0);
    assert_int_equal(keel_audit_tls_config_verdict(&r.s, &ev), KEEL_AUDIT_NA);
    done(&r);
    judge(&r, KEEL_AUDIT_TLS_NGINX, "ssl_protocols SSLv3;\n");
    assert_int_equal(keel_audit_tls_config_verdict(&r.s, &ev), KEEL_AUDIT_FAIL);
    r.s.unreadable = 1;
    assert_int_equal(keel_audit_tls_config_verdict(&r.s, &ev), KEEL_AUDIT_FAIL);
    r.s.legacy = 0;
    assert_int_equal(keel_audit_tls_config_verdict(&r.s, &ev), KEEL_AUDIT_INCONCLUSIVE);
    done(&r);
    keel_audit_evidence_free(&ev);
}

static void test_placement(void **state)
{
    (void)state;
    assert_int_equal(keel_audit_tls_software_of("etc/nginx/sites-available/default"),
                     KEEL_AUDIT_TLS_NGINX);
    assert_int_equal(keel_audit_tls_software_of("usr/local/etc/nginx/nginx.conf"),
                     KEEL_AUDIT_TLS_NGINX);
    assert_int_equal(keel_audit_tls_software_of("etc/httpd/conf.d/ssl.conf"),
                     KEEL_AUDIT_TLS_APACHE);
    assert_int_equal(keel_audit_tls_software_of("usr/lib/ssl/openssl.cnf"), KEEL_AUDIT_TLS_OPENSSL);
    assert_int_equal(keel_audit_tls_software_of("etc/mosquitto/conf.d/tls.conf"),
                     KEEL_AUDIT_TLS_MOSQUITTO);
    assert_int_equal(keel_audit_tls_software_of("etc/haproxy/haproxy.cfg"), KEEL_AUDIT_TLS_HAPROXY);
    assert_int_equal(keel_audit_tls_software_of("etc/mynginx/x.conf"), KEEL_AUDIT_TLS_NONE);
    assert_int_equal(keel_audit_tls_software_of("etc/nginx/"), KEEL_AUDIT_TLS_NONE);
    assert_int_equal(keel_audit_tls_software_of(NULL), KEEL_AUDIT_TLS_NONE);
}

static void test_hostile(void **state)
{
    static char big[3 * KEEL_AUDIT_TLS_LINE_MAX];
    run r;

    (void)state;
    /* a line longer than the bound, with many words, NUL bytes, no newline at the end */
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (i % 3 == 0) ? ' ' : 'x';
    memcpy(big, "ssl_protocols", 13);
    big[sizeof(big) - 1] = '\0';
    judge(&r, KEEL_AUDIT_TLS_NGINX, big);
    assert_int_equal(r.s.legacy, 0);
    done(&r);
    judge(&r, KEEL_AUDIT_TLS_APACHE, "SSLProtocol\n\n;;;\n\"\"\"\n+\n-\n");
    assert_int_equal(r.s.legacy + r.s.weak, 0);
    done(&r);
    keel_audit_tls_config_scan(KEEL_AUDIT_TLS_NONE, "c", "x", 1, &r.s);
    keel_audit_tls_config_scan(KEEL_AUDIT_TLS_NGINX, "c", "x", 1, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),  cmocka_unit_test(test_ciphers),
        cmocka_unit_test(test_servers),   cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_placement), cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
