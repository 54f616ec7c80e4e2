/* The brute-force guard of 5.1-5 with the agreed numbers (tests in keel audit depend on
 * them): every threshold, the waits counted in simulated time, reset on success, the overall
 * cap, eviction from a full table, a clock that goes back, and the records as persisted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keel/auth.h"

#define T0 1700000000000ull /* a wall-clock time in ms */
#define S 1000ull
#define NSLOTS 4

static keel_auth_guard_client slots[NSLOTS];
static keel_auth_guard guard;

static int setup(void **state)
{
    (void)state;
    return keel_auth_guard_init(&guard, slots, NSLOTS) == KEEL_OK ? 0 : -1;
}

static keel_auth_guard_result check(const char *addr, uint64_t now)
{
    keel_auth_guard_result r;

    assert_int_equal(keel_auth_guard_check(&guard, addr, now, &r), KEEL_OK);
    return r;
}

static keel_auth_guard_result failure(const char *addr, uint64_t now)
{
    keel_auth_guard_result r;

    assert_int_equal(keel_auth_guard_failure(&guard, addr, now, &r), KEEL_OK);
    assert_true(r.client_changed);
    assert_true(r.overall_changed);
    return r;
}

/* Failures 1..5 at once; then 1, 2, 4, 8, 16 s; the 10th locks out for 300 s. */
static void test_client_thresholds(void **state)
{
    static const uint32_t waits[] = {0, 0, 0, 0, 1, 2, 4, 8, 16, 300, 300};
    uint64_t now = T0;

    (void)state;
    for (uint32_t n = 1; n <= 11; n++) {
        keel_auth_guard_result r = check("192.0.2.7", now);
        assert_true(r.allowed);
        r = failure("192.0.2.7", now);
        assert_int_equal(r.failures, n);
        assert_int_equal(r.retry_after_s, waits[n - 1]);
        assert_int_equal(r.locked_out, n >= 10);
        assert_false(r.overall);
        if (waits[n - 1] > 0) {
            /* inside the wait: refused, with the time left rounded up */
            r = check("192.0.2.7", now + 1);
            assert_false(r.allowed);
            assert_int_equal(r.retry_after_s, waits[n - 1]);
            assert_int_equal(r.locked_out, n >= 10);
            r = check("192.0.2.7", now + waits[n - 1] * S - 1);
            assert_false(r.allowed);
            assert_int_equal(r.retry_after_s, 1);
        }
        now += waits[n - 1] * S; /* exactly when the wait ends */
    }
}

static void test_free_attempts_are_free(void **state)
{
    (void)state;
    for (int n = 1; n <= 4; n++) {
        assert_int_equal(failure("192.0.2.8", T0).retry_after_s, 0);
        assert_true(check("192.0.2.8", T0).allowed);
    }
    assert_int_equal(failure("192.0.2.8", T0).retry_after_s, 1);
    assert_false(check("192.0.2.8", T0 + 999).allowed);
    assert_true(check("192.0.2.8", T0 + 1000).allowed);
}

/* A success resets the client's count; other clients are untouched by it. */
static void test_success_resets(void **state)
{
    keel_auth_guard_result r;

    (void)state;
    for (int n = 0; n < 7; n++)
        failure("192.0.2.9", T0);
    failure("192.0.2.10", T0);
    assert_int_equal(keel_auth_guard_success(&guard, "192.0.2.9", &r), KEEL_OK);
    assert_true(r.client_changed);
    assert_string_equal(slots[r.slot].addr, "");
    r = check("192.0.2.9", T0);
    assert_true(r.allowed);
    assert_int_equal(r.failures, 0);
    assert_int_equal(failure("192.0.2.9", T0).failures, 1);
    assert_int_equal(check("192.0.2.10", T0).failures, 1);
    /* success of a client with no record changes nothing */
    assert_int_equal(keel_auth_guard_success(&guard, "192.0.2.11", &r), KEEL_OK);
    assert_false(r.client_changed);
}

/* A lock-out lasts 300 s and a single failure after it locks out again. */
static void test_lockout_length(void **state)
{
    uint64_t now = T0;

    (void)state;
    for (int n = 0; n < 10; n++)
        failure("2001:db8::1", now);
    assert_false(check("2001:db8::1", now + 299 * S).allowed);
    assert_int_equal(check("2001:db8::1", now + 10 * S).retry_after_s, 290);
    assert_true(check("2001:db8::1", now + 300 * S).allowed);
    now += 300 * S;
    assert_int_equal(failure("2001:db8::1", now).retry_after_s, 300);
    assert_true(check("2001:db8::1", now).locked_out);
}

/* Overall: after the 20th failure within an hour every client waits 1, 2, 4 ... s, capped at
 * 60 s, never a lock-out; failures older than an hour stop counting. */
static void test_overall_cap(void **state)
{
    char addr[32];
    uint64_t now = T0;
    keel_auth_guard_client many[64];
    keel_auth_guard_result r;

    (void)state;
    assert_int_equal(keel_auth_guard_init(&guard, many, 64), KEEL_OK);
    for (uint32_t n = 1; n <= 40; n++) {
        uint32_t expect = n < 20 ? 0 : (n - 20 >= 6 ? 60 : 1u << (n - 20));
        snprintf(addr, sizeof(addr), "198.51.100.%u", n); /* each client fails once */
        assert_true(check("203.0.113.1", now).allowed);
        r = failure(addr, now);
        assert_int_equal(r.overall_recent, n > 32 ? 32 : n);
        assert_int_equal(r.retry_after_s, expect);
        assert_int_equal(r.overall, expect > 0);
        assert_false(r.locked_out);
        if (expect > 0) {
            r = check("203.0.113.1", now); /* an innocent client waits too */
            assert_false(r.allowed);
            assert_true(r.overall);
            assert_int_equal(r.retry_after_s, expect);
        }
        now += (uint64_t)expect * S;
    }
    assert_true(check("203.0.113.1", now).allowed);
    /* an hour after the last failure nothing counts any more */
    r = check("203.0.113.1", now + 3600 * S);
    assert_true(r.allowed);
    assert_int_equal(r.overall_recent, 0);
    r = failure("203.0.113.1", now + 3600 * S);
    assert_int_equal(r.overall_recent, 1);
    assert_int_equal(r.retry_after_s, 0);
}

/* A full table evicts the client whose latest failure is oldest. */
static void test_eviction(void **state)
{
    keel_auth_guard_result r;

    (void)state;
    for (int i = 0; i < NSLOTS; i++) {
        char addr[16];
        snprintf(addr, sizeof(addr), "10.0.0.%d", i);
        r = failure(addr, T0 + (uint64_t)(i == 2 ? 0 : 10 + i) * S);
        assert_false(r.evicted);
    }
    r = failure("10.0.0.99", T0 + 20 * S);
    assert_true(r.evicted);
    assert_string_equal(slots[r.slot].addr, "10.0.0.99");
    assert_int_equal(slots[r.slot].failures, 1);
    assert_int_equal(check("10.0.0.2", T0 + 20 * S).failures, 0);
    assert_int_equal(check("10.0.0.1", T0 + 20 * S).failures, 1);
}

/* A clock set back must not stretch a wait beyond its full length. */
static void test_clock_back(void **state)
{
    keel_auth_guard_result r;

    (void)state;
    for (int n = 0; n < 10; n++)
        failure("192.0.2.50", T0);
    r = check("192.0.2.50", T0 - 86400 * S); /* a day earlier */
    assert_false(r.allowed);
    assert_int_equal(r.retry_after_s, 300);
    assert_true(r.client_changed);
    assert_true(r.overall_changed);
    assert_true(check("192.0.2.50", T0 - 86400 * S + 300 * S).allowed);
}

static void test_bad_arguments(void **state)
{
    keel_auth_guard_result r;

    (void)state;
    assert_int_equal(keel_auth_guard_init(NULL, slots, 1), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_guard_init(&guard, slots, 0), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_guard_check(&guard, "", T0, &r), KEEL_ERR_ARG);
    assert_false(r.allowed);
    assert_int_equal(keel_auth_guard_check(&guard, "1.2.3.4 x", T0, &r), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_guard_check(&guard, NULL, T0, &r), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_guard_failure(&guard, "host.example", T0, &r), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_guard_success(&guard, "1.2.3.4", NULL), KEEL_ERR_ARG);
    assert_int_equal(
        keel_auth_guard_check(&guard, "0000:0000:0000:0000:0000:ffff:255.255.255.255x", T0, &r),
        KEEL_ERR_ARG);
}

/* Records round-trip exactly, and restore the same decisions. */
static void test_codec_round_trip(void **state)
{
    char text[KEEL_AUTH_GUARD_OVERALL_TEXT_MAX];
    keel_auth_guard_client c;
    keel_auth_guard_overall o;
    keel_auth_guard_result r;

    (void)state;
    for (int n = 0; n < 32; n++) /* fill the overall record to its end */
        r = failure("2001:db8::abcd:ef01", T0 + (uint64_t)n);
    assert_int_equal(
        keel_auth_guard_client_encode(&slots[r.slot], text, KEEL_AUTH_GUARD_CLIENT_TEXT_MAX),
        KEEL_OK);
    assert_int_equal(keel_auth_guard_client_decode(text, strlen(text), &c), KEEL_OK);
    assert_memory_equal(&c, &slots[r.slot], sizeof(c));
    assert_int_equal(keel_auth_guard_overall_encode(&guard.overall, text, sizeof(text)), KEEL_OK);
    assert_int_equal(keel_auth_guard_overall_decode(text, strlen(text), &o), KEEL_OK);
    assert_memory_equal(&o, &guard.overall, sizeof(o));
    /* a fresh guard loaded from the records decides the same */
    assert_int_equal(keel_auth_guard_init(&guard, slots, NSLOTS), KEEL_OK);
    slots[1] = c;
    guard.overall = o;
    r = check("2001:db8::abcd:ef01", T0 + 31 + 10 * S);
    assert_false(r.allowed);
    assert_true(r.locked_out);
    assert_int_equal(r.retry_after_s, 290);
    assert_int_equal(
        keel_auth_guard_overall_encode(&(keel_auth_guard_overall){0}, text, sizeof(text)), KEEL_OK);
    assert_string_equal(text, "1 0");
    assert_int_equal(keel_auth_guard_overall_decode("1 0", 3, &o), KEEL_OK);
    assert_int_equal(o.count, 0);
    memset(&c, 0, sizeof(c));
    assert_int_equal(keel_auth_guard_client_encode(&c, text, sizeof(text)), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_guard_client_encode(&slots[1], text, 10), KEEL_ERR_RANGE);
}

static void test_codec_refuses_malformed(void **state)
{
    static const char *clients[] = {
        "",
        "1",
        "1 10.0.0.1 3",
        "2 10.0.0.1 3 1700000000000",
        "1 10.0.0.1 0 1700000000000",
        "1 10.0.0.1 03 1700000000000",
        "1 10.0.0.1 -3 1700000000000",
        "1 10.0.0.1 1000001 1700000000000",
        "1 10.0.0.1 3 18446744073709551616",
        "1 10.0.0.1  3 1700000000000",
        " 1 10.0.0.1 3 1700000000000",
        "1 10.0.0.1 3 1700000000000 ",
        "1 10.0.0.1 3 1700000000000 9",
        "1 10.0.0.1 3 1700000000000\n",
        "1 10.0.0.1\t3 1700000000000",
        "1 host 3 1700000000000",
        "1 10.0.0.1;rm 3 1700000000000",
        "1 0000:0000:0000:0000:0000:ffff:255.255.255.2555 3 1",
    };
    static const char *overalls[] = {
        "",    "1",    "1 1",    "1 2 5", "1 2 6 5", "1 33 1",
        "2 0", "1 0 ", "1 01 5", "1 1 x", "1 -1",    "1 1 5 6",
    };
    keel_auth_guard_client c;
    keel_auth_guard_overall o;

    (void)state;
    for (size_t i = 0; i < sizeof(clients) / sizeof(clients[0]); i++) {
        assert_int_equal(keel_auth_guard_client_decode(clients[i], strlen(clients[i]), &c),
                         KEEL_ERR_PARSE);
        assert_int_equal(c.failures, 0);
        assert_string_equal(c.addr, "");
    }
    for (size_t i = 0; i < sizeof(overalls) / sizeof(overalls[0]); i++) {
        assert_int_equal(keel_auth_guard_overall_decode(overalls[i], strlen(overalls[i]), &o),
                         KEEL_ERR_PARSE);
        assert_int_equal(o.count, 0);
    }
    assert_int_equal(keel_auth_guard_client_decode("1 10.0.0.1 3 17\0", 16, &c), KEEL_ERR_PARSE);
    assert_int_equal(keel_auth_guard_client_decode(NULL, 5, &c), KEEL_ERR_PARSE);
    assert_int_equal(keel_auth_guard_client_decode("1 10.0.0.1 3 1", 14, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_guard_client_decode("1 10.0.0.1 3 1", 14, &c), KEEL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_client_thresholds, setup),
        cmocka_unit_test_setup(test_free_attempts_are_free, setup),
        cmocka_unit_test_setup(test_success_resets, setup),
        cmocka_unit_test_setup(test_lockout_length, setup),
        cmocka_unit_test_setup(test_overall_cap, setup),
        cmocka_unit_test_setup(test_eviction, setup),
        cmocka_unit_test_setup(test_clock_back, setup),
        cmocka_unit_test_setup(test_bad_arguments, setup),
        cmocka_unit_test_setup(test_codec_round_trip, setup),
        cmocka_unit_test_setup(test_codec_refuses_malformed, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
