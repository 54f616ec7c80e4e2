/* The hard-coded secret scan of 5.4-3-2 (scan_secrets.c): every rule on the shapes firmware
 * holds secrets in, the look-alikes that must not count (placeholders, references, code,
 * prose, hashes, settings about secrets, dictionary words reported elsewhere), the entropy
 * and length thresholds at their edges, the keyed fingerprint, and the files left to 5.1-1-3.
 * The secret values are built at run time from a fixed pattern, not stored as literals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scan.h"

#define MAX_FOUND 16

typedef struct found {
    keel_audit_finding f[MAX_FOUND];
    size_t n;
} found;

static void collect(const char *path, const keel_audit_finding *f, void *user)
{
    found *x = user;

    (void)path;
    if (x->n < MAX_FOUND)
        x->f[x->n] = *f;
    x->n++;
}

static const uint8_t key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static size_t scan(const char *text, found *x)
{
    keel_audit_dictionary d;
    keel_audit_scan_sink sink = {.path = "f", .fn = collect, .user = x, .fp_key = key};

    keel_audit_dictionary_builtin(&d);
    memset(x, 0, sizeof(*x));
    keel_audit_scan_secrets((const uint8_t *)text, strlen(text), &d, &sink);
    assert_int_equal(sink.secrets, x->n);
    return x->n;
}

/* n characters of a fixed mixed alphabet drawn by a linear congruential generator from seed:
 * random-looking and repeatable, not a literal. */
static const char *mixed(size_t n, unsigned seed)
{
    static char buf[8][128];
    static unsigned slot;
    static const char set[] = "aB3dE5gH7jK9mN2pQ4sT6vW8yZ0cF1hL";
    char *b = buf[slot++ % 8];

    uint32_t x = seed * 2654435761u + 1;

    for (size_t i = 0; i < n && i < 127; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = set[(x >> 16) % (sizeof(set) - 1)];
    }
    b[n < 127 ? n : 127] = '\0';
    return b;
}

static void expect_one(const char *text, const char *what, const char *form)
{
    found x;

    if (scan(text, &x) != 1)
        fail_msg("expected one finding in \"%s\", got %zu", text, x.n);
    assert_string_equal(x.f[0].what, what);
    assert_string_equal(x.f[0].context, form);
    assert_int_equal(x.f[0].kind, KEEL_AUDIT_FOUND_SECRET);
    assert_int_equal(strlen(x.f[0].fingerprint), 16);
}

static void expect_none(const char *text)
{
    found x;

    if (scan(text, &x) != 0)
        fail_msg("expected nothing in \"%s\", got '%s' (%s)", text, x.f[0].what, x.f[0].context);
}

static void test_entropy(void **state)
{
    (void)state;
    assert_true(keel_audit_entropy((const uint8_t *)"aaaa", 4) == 0.0);
    assert_true(keel_audit_entropy((const uint8_t *)"abab", 4) == 1.0);
    assert_true(keel_audit_entropy((const uint8_t *)"abcd", 4) == 2.0);
    assert_true(keel_audit_entropy(NULL, 0) == 0.0);
}

static void test_assignments(void **state)
{
    char t[256];

    (void)state;
    snprintf(t, sizeof(t), "db_password = \"%s\"\n", mixed(14, 1));
    expect_one(t, "db_password", "assignment '='");
    snprintf(t, sizeof(t), "{\"apiToken\": \"%s\"}", mixed(32, 2));
    expect_one(t, "apiToken", "assignment ':'");
    snprintf(t, sizeof(t), "auth:\n  client_secret: %s\n", mixed(24, 3));
    expect_one(t, "client_secret", "assignment ':'");
    snprintf(t, sizeof(t), "export MQTT_PASS='%s'\n", mixed(12, 4));
    expect_one(t, "MQTT_PASS", "assignment '='");
    snprintf(t, sizeof(t), "<user><Password>%s</Password></user>", mixed(10, 5));
    expect_one(t, "Password", "XML element");
    snprintf(t, sizeof(t), "remote_password %s\n", mixed(16, 6));
    expect_one(t, "remote_password", "KEY VALUE line");
    snprintf(t, sizeof(t), "machine h.vendor.net login dev password %s\n", mixed(12, 7));
    expect_one(t, "password", ".netrc");
    snprintf(t, sizeof(t), "network={\n\tpsk=\"%s\"\n}\n", mixed(20, 8));
    expect_one(t, "psk", "assignment '='");
    snprintf(t, sizeof(t), "--password=%s ", mixed(9, 9));
    expect_one(t, "password", "assignment '='");
}

static void test_thresholds(void **state)
{
    char t[256];

    (void)state;
    /* a password-like key: 6 bytes and 2.3 bits/byte */
    expect_none("password=aB3dE\n");        /* 5 bytes */
    expect_none("password=aaaaaaaaaaaa\n"); /* 0 bits */
    expect_none("password=abcabcabc\n");    /* 1.6 bits */
    expect_one("password=aB3dE5\n", "password", "assignment '='");
    /* other secret keys: 16 bytes and 3.0 bits/byte, not a word */
    snprintf(t, sizeof(t), "api_key=%s\n", mixed(15, 10));
    expect_none(t);
    snprintf(t, sizeof(t), "api_key=%s\n", mixed(16, 10));
    expect_one(t, "api_key", "assignment '='");
    expect_none("secret_value=session_cookie_name_v\n");
    expect_none("TOKEN=ABCDEFGHIJKLMNOPQRSTUV\n");
}

static void test_lookalikes(void **state)
{
    (void)state;
    expect_none("password = changeme\n");
    expect_none("password = \"<password>\"\n");
    expect_none("api_token = ${API_TOKEN}\n");
    expect_none("token = xxxxxxxxxxxxxxxxxxxxxxxx\n");
    expect_none("psk = \"********\"\n");
    expect_none("secret =\n");
    expect_none("{\"password\": \"\", \"token\": null}");
    expect_none("password_file = /run/secrets/app-password\n");
    expect_none("password_min_length = 12\n");
    expect_none("secret_key_path = /var/lib/app/secret.key\n");
    expect_none("password_hash = $6$rounds=5000$c2FsdA$Wc2h3yJmB2gUKl1s1wX7p8Pq0YtQ\n");
    expect_none("export DB_PASSWORD=\"$1\"\n");
    expect_none("password = get_password_from_vault(name);\n");
    expect_none("If EncPass = NoUser then\n");
    expect_none("UserEncPass := sEntry^.sp_pwdp;\n");
    expect_none("const password = 'Password used to generate key';\n");
    expect_none("if [ \"$PASSWORD\" == \"$EXPECTED\" ]; then\n");
    expect_none("kpasswd         464/tcp\n");
    expect_none("PasswordAuthentication no\n");
    expect_none("password=admin\n"); /* a dictionary word: 5.4-3-2's default password */
    expect_none("apiKey: YOUR_API_KEY\n");
    expect_none("device_id = 123e4567-e89b-12d3-a456-426614174000\n");
    expect_none("printf(\"password=%s token=%s\\n\", p, t);");
    expect_none("management.password.toHashes = true|false\n");
    expect_none("PPWINDOW = pointer\n");
    expect_none("`base-passwd: no-debconf-config`\n"); /* a lintian override, quoted */
    expect_none("Package: xapp-sn-watcher\n");         /* a package, not a Slack token */
}

static void test_tokens(void **state)
{
    char t[512];
    const char *upper = "QWERTYUIOPASDFGH"; /* 16 of [A-Z2-7] */

    (void)state;
    snprintf(t, sizeof(t), "id: AKIA%s\n", upper);
    expect_one(t, "AWS access key ID", "token shape");
    expect_none("AKIAIOSFODNN7EXAMPLE"); /* AWS's documentation key */
    snprintf(t, sizeof(t), "AKIA%s%c%s%c", upper, 0, mixed(40, 11), 0);
    {
        found x;
        keel_audit_dictionary d;
        keel_audit_scan_sink sink = {.path = "bin", .fn = collect, .user = &x, .fp_key = key};
        keel_audit_dictionary_builtin(&d);
        memset(&x, 0, sizeof(x));
        keel_audit_scan_secrets((const uint8_t *)t, 20 + 1 + 40 + 1, &d, &sink);
        assert_int_equal(x.n, 2);
        assert_string_equal(x.f[1].what, "AWS secret access key");
        assert_int_equal(x.f[1].offset, 21);
        assert_int_equal(x.f[1].length, 40);
    }
    snprintf(t, sizeof(t), "x ghp_%s y", mixed(36, 12));
    expect_one(t, "GitHub token", "token shape");
    snprintf(t, sizeof(t), "x ghp_%s y", mixed(35, 12)); /* one short */
    expect_none(t);
    snprintf(t, sizeof(t), "deploy glpat-%s\n", mixed(20, 13));
    expect_one(t, "GitLab token", "token shape");
    snprintf(t, sizeof(t), "\"xoxb-%s\"", mixed(30, 14));
    expect_one(t, "Slack token", "token shape");
    snprintf(t, sizeof(t), "k sk_live_%s\n", mixed(24, 15));
    expect_one(t, "Stripe secret key", "token shape");
    snprintf(t, sizeof(t), "u https://hooks.slack.com/services/T%s/B%s/%s\n", "ABCD1234",
             "EFGH5678", mixed(24, 16));
    expect_one(t, "Slack webhook", "token shape");
    snprintf(t, sizeof(t), "k AIza%s\n", mixed(35, 17));
    expect_one(t, "Google API key", "token shape");
    snprintf(t, sizeof(t), "b eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXYifQ.%s\n", mixed(43, 18));
    expect_one(t, "JWT", "token shape");
    expect_none("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXYifQ.short");
}

static void test_urls_and_headers(void **state)
{
    char t[256];

    (void)state;
    snprintf(t, sizeof(t), "mqtt://dev:%s@broker.vendor.net:1883", mixed(12, 20));
    expect_one(t, "user:password@ in a URL", "URL userinfo");
    expect_none("mqtts://user:password@broker.example.com:8883");
    expect_none("https://a:b@vendor.net/");
    expect_none("cvs://:pserver:anoncvs@sources.vendor.net:/cvs");
    expect_none("mqtt://%s:%s@%s:1883");
    expect_none("ftp://anonymous:guest1@ftp.vendor.net/");
    /* base64 of "device:" + 12 mixed characters */
    snprintf(t, sizeof(t), "Authorization: Basic %s\r\n", "ZGV2aWNlOmFCM2RFNWdIN2pLOQ==");
    expect_one(t, "Authorization: Basic", "HTTP Basic credentials");
    expect_none("Authorization: Basic %s\r\n");
    expect_none("Authorization: Basic <base64 of user:password>\n");
    snprintf(t, sizeof(t), "Authorization: Bearer %s\n", mixed(40, 21));
    expect_one(t, "Authorization: Bearer", "HTTP Bearer token");
}

static void test_fingerprint(void **state)
{
    char a[17], b[17], c[17];
    uint8_t other[32];

    (void)state;
    memcpy(other, key, sizeof(other));
    other[0] ^= 1;
    keel_audit_secret_fingerprint(key, (const uint8_t *)"hunter22", 8, a);
    keel_audit_secret_fingerprint(key, (const uint8_t *)"hunter22", 8, b);
    keel_audit_secret_fingerprint(other, (const uint8_t *)"hunter22", 8, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c); /* keyed: another scan, another fingerprint */
    keel_audit_scan_fingerprint((const uint8_t *)"hunter22", 8, c);
    assert_string_not_equal(a, c); /* not the plain SHA-256 */
    keel_audit_secret_fingerprint(NULL, (const uint8_t *)"x", 1, c);
    assert_string_equal(c, "?");
}

static void test_never_the_value(void **state)
{
    char t[128], line[KEEL_AUDIT_EVIDENCE_LINE_MAX];
    const char *v = mixed(20, 30);
    found x;

    (void)state;
    snprintf(t, sizeof(t), "wpa_passphrase=%s\n", v);
    assert_int_equal(scan(t, &x), 1);
    assert_int_equal(keel_audit_finding_format("etc/hostapd.conf", &x.f[0], line, sizeof(line)),
                     KEEL_OK);
    assert_null(strstr(line, v));
    assert_non_null(strstr(line, "etc/hostapd.conf: offset 15: secret 'wpa_passphrase' "
                                 "(assignment '='; 20 bytes, "));
}

static void test_paths(void **state)
{
    (void)state;
    assert_true(keel_audit_secret_path_skipped("etc/shadow"));
    assert_true(keel_audit_secret_path_skipped("rootfs/etc/gshadow-"));
    assert_true(keel_audit_secret_path_skipped("etc/passwd"));
    assert_false(keel_audit_secret_path_skipped("etc/app/shadow"));
    assert_false(keel_audit_secret_path_skipped("usr/share/etc-shadow"));
    assert_false(keel_audit_secret_path_skipped("shadow"));
    assert_false(keel_audit_secret_path_skipped(NULL));
}

static void test_bounds(void **state)
{
    char big[2048];
    found x;

    (void)state;
    /* a value longer than 512 bytes is not taken (a blob, not a credential) */
    memset(big, 'a', sizeof(big));
    memcpy(big, "token=", 6);
    for (size_t i = 6; i < sizeof(big) - 1; i++)
        big[i] = mixed(1, (unsigned)i)[0];
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(scan(big, &x), 0);
    /* anchors at the very ends of the buffer */
    expect_none("=");
    expect_none("@");
    expect_none("password=");
    expect_none(":");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entropy),     cmocka_unit_test(test_assignments),
        cmocka_unit_test(test_thresholds),  cmocka_unit_test(test_lookalikes),
        cmocka_unit_test(test_tokens),      cmocka_unit_test(test_urls_and_headers),
        cmocka_unit_test(test_fingerprint), cmocka_unit_test(test_never_the_value),
        cmocka_unit_test(test_paths),       cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
