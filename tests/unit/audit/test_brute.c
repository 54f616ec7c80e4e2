/* 5.1-5-2's judgement on series of attempts, one per behaviour the agreed numbers
 * (guard.md) distinguish: no guard, keeld's guard, a tarpit, a late guard, a device that
 * stops answering, one that accepts anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

/* n attempts answered status, each taking ms, from index from on. */
static size_t fill(keel_audit_brute_attempt *a, size_t from, size_t n, long status, long long ms)
{
    long long at = from > 0 ? a[from - 1].at_ms : 0;

    for (size_t i = from; i < from + n; i++) {
        at += ms;
        a[i] = (keel_audit_brute_attempt){.status = status, .took_ms = ms, .at_ms = at};
    }
    return from + n;
}

static keel_audit_verdict judge(const keel_audit_brute_attempt *a, size_t n, const char *must_say)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;
    int said = must_say == NULL;

    keel_audit_evidence_init(&ev);
    v = keel_audit_brute_judge(a, n, &ev);
    for (size_t i = 0; i < ev.count; i++)
        said |= must_say != NULL && strstr(ev.lines[i], must_say) != NULL;
    if (!said)
        fail_msg("no evidence line says '%s'", must_say);
    keel_audit_evidence_free(&ev);
    return v;
}

static void test_no_guard(void **state)
{
    keel_audit_brute_attempt a[KEEL_AUDIT_BRUTE_ATTEMPTS_MAX];
    size_t n = fill(a, 0, 25, 401, 5);

    (void)state;
    assert_int_equal(judge(a, n, "no brute-force protection"), KEEL_AUDIT_FAIL);
    assert_int_equal(judge(a, n, "401 401 401"), KEEL_AUDIT_FAIL);
}

static void test_keeld_guard(void **state)
{
    keel_audit_brute_attempt a[KEEL_AUDIT_BRUTE_ATTEMPTS_MAX];
    size_t n = fill(a, 0, 5, 401, 5);

    (void)state;
    n = fill(a, n, 1, 429, 5);
    assert_int_equal(judge(a, n, "throttled after 5 evaluated"), KEEL_AUDIT_PASS);
    /* Already throttled by 5.1-1-2: the first answer is a 429. */
    n = fill(a, 0, 1, 429, 5);
    assert_int_equal(judge(a, n, "after 0 evaluated"), KEEL_AUDIT_PASS);
    /* Throttled at the 10th failure: still within the agreed numbers. */
    n = fill(a, 0, 10, 401, 5);
    n = fill(a, n, 1, 429, 5);
    assert_int_equal(judge(a, n, NULL), KEEL_AUDIT_PASS);
}

static void test_late_guard(void **state)
{
    keel_audit_brute_attempt a[KEEL_AUDIT_BRUTE_ATTEMPTS_MAX];
    size_t n = fill(a, 0, 15, 401, 5);

    (void)state;
    n = fill(a, n, 1, 429, 5);
    assert_int_equal(judge(a, n, "no brute-force protection"), KEEL_AUDIT_FAIL);
}

static void test_tarpit(void **state)
{
    keel_audit_brute_attempt a[KEEL_AUDIT_BRUTE_ATTEMPTS_MAX];
    size_t n = fill(a, 0, 10, 401, 5);

    (void)state;
    n = fill(a, n, 8, 401, 1500);
    assert_int_equal(judge(a, n, "slowed down to 0.67"), KEEL_AUDIT_PASS);
    /* A timeout within the first 10 failures is a delay, too. */
    n = fill(a, 0, 6, 401, 5);
    a[n] = (keel_audit_brute_attempt){
        .status = 0, .timed_out = 1, .took_ms = 5000, .at_ms = a[n - 1].at_ms + 5000};
    assert_int_equal(judge(a, n + 1, "-1"), KEEL_AUDIT_PASS);
    /* Slow from the first attempt: 20 s ran out before 10 failures. */
    n = fill(a, 0, 9, 401, 2200);
    assert_int_equal(judge(a, n, "0.45 guesses per second"), KEEL_AUDIT_PASS);
}

static void test_inconclusive(void **state)
{
    keel_audit_brute_attempt a[KEEL_AUDIT_BRUTE_ATTEMPTS_MAX];
    size_t n = fill(a, 0, 3, 401, 5);

    (void)state;
    n = fill(a, n, 1, 0, 5);
    assert_int_equal(judge(a, n, "cannot be judged"), KEEL_AUDIT_INCONCLUSIVE);
    n = fill(a, 0, 25, 404, 5);
    assert_int_equal(judge(a, n, "25 other"), KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(judge(NULL, 0, "no attempt"), KEEL_AUDIT_INCONCLUSIVE);
    /* A service that never answers is not a guard. */
    a[0] = (keel_audit_brute_attempt){.status = 0, .timed_out = 1, .took_ms = 5000, .at_ms = 5000};
    assert_int_equal(judge(a, 1, "cannot be judged"), KEEL_AUDIT_INCONCLUSIVE);
}

static void test_accepts_anything(void **state)
{
    keel_audit_brute_attempt a[KEEL_AUDIT_BRUTE_ATTEMPTS_MAX];
    size_t n = fill(a, 0, 1, 200, 5);

    (void)state;
    assert_int_equal(judge(a, n, "was accepted"), KEEL_AUDIT_FAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_guard),     cmocka_unit_test(test_keeld_guard),
        cmocka_unit_test(test_late_guard),   cmocka_unit_test(test_tarpit),
        cmocka_unit_test(test_inconclusive), cmocka_unit_test(test_accepts_anything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
