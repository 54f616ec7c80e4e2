/* "HOST:PORT" as the assessor types it: validated strictly before anything is probed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

static void expect_ok(const char *text, const char *host, unsigned port, int v6,
                      const char *formatted)
{
    keel_audit_target t;
    char out[KEEL_AUDIT_TARGET_MAX];

    assert_int_equal(keel_audit_target_parse(text, &t), KEEL_OK);
    assert_string_equal(t.host, host);
    assert_int_equal(t.port, port);
    assert_int_equal(t.ipv6_literal, v6);
    assert_int_equal(keel_audit_target_format(&t, out, sizeof(out)), KEEL_OK);
    assert_string_equal(out, formatted);
}

static void test_valid(void **state)
{
    (void)state;
    expect_ok("127.0.0.1:443", "127.0.0.1", 443, 0, "127.0.0.1:443");
    expect_ok("[::1]:8443", "::1", 8443, 1, "[::1]:8443");
    expect_ok("[fe80::1:2]:1", "fe80::1:2", 1, 1, "[fe80::1:2]:1");
    expect_ok("lock.example:65535", "lock.example", 65535, 0, "lock.example:65535");
    expect_ok("localhost:8443", "localhost", 8443, 0, "localhost:8443");
}

static void test_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "127.0.0.1",
        "127.0.0.1:",
        ":443",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:+1",
        "127.0.0.1: 1",
        "127.0.0.1:1x",
        "::1:443",
        "[::1]443",
        "[::1:443",
        "[]:443",
        "[not-v6]:443",
        "bad_host:443",
        "-lead:443",
        "trail-:443",
        "a..b:443",
        ".a:443",
        "a b:443",
        "host/path:443",
        "h\n:443",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x:443"};
    keel_audit_target t;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_audit_target_parse(bad[i], &t) != KEEL_ERR_PARSE)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(t.port, 0);
    }
    assert_int_equal(keel_audit_target_parse(NULL, &t), KEEL_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
