/* The judgement of TS 103 701 test case 5.1-5-2 (brute-force protection), apart from the
 * network so that every branch is tested: the numbers are the ones agreed in guard.md.
 * A device passes when, within its first 10 failures, it throttles (429, or answers that
 * slow to a crawl) so that an attacker gets less than one guess per second after them. */
#include <stdio.h>
#include <string.h>

#include "audit.h"

typedef struct brute_tally {
    size_t evaluated, accepted, throttled, timed_out, errors, unexpected;
    long long tenth_at, last_at; /* end of the 10th and of the last evaluated attempt */
    long long throttle_after;    /* evaluated attempts before the first throttle, -1 none */
} brute_tally;

static void count(const keel_audit_brute_attempt *a, size_t n, brute_tally *k)
{
    memset(k, 0, sizeof(*k));
    k->throttle_after = -1;
    for (size_t i = 0; i < n; i++) {
        long s = a[i].status;
        if ((s >= 200 && s <= 299) || s == 401 || s == 403) {
            k->accepted += s <= 299;
            if (++k->evaluated == KEEL_AUDIT_BRUTE_FREE_FAILURES)
                k->tenth_at = a[i].at_ms;
            k->last_at = a[i].at_ms;
            continue;
        }
        /* A timeout is a delay only on a device that has answered before: one that never
         * answers is not guarding its login. */
        if (s == 429 || (a[i].timed_out && k->evaluated > 0)) {
            k->throttled += s == 429;
            k->timed_out += s != 429;
            if (k->throttle_after < 0)
                k->throttle_after = (long long)k->evaluated;
        } else if (s == 0) {
            k->errors++;
            k->timed_out += a[i].timed_out;
        } else {
            k->unexpected++;
        }
    }
}

/* "401 401 429" and "12 11 9" lines: what the device did, attempt by attempt. */
static void sequence(const keel_audit_brute_attempt *a, size_t n, keel_audit_evidence *ev)
{
    char statuses[KEEL_AUDIT_EVIDENCE_LINE_MAX], times[KEEL_AUDIT_EVIDENCE_LINE_MAX];
    size_t s = 0, t = 0;

    statuses[0] = times[0] = '\0';
    for (size_t i = 0; i < n && i < KEEL_AUDIT_BRUTE_ATTEMPTS_MAX; i++) {
        s += (size_t)snprintf(statuses + s, sizeof(statuses) - s, "%s%ld", i ? " " : "",
                              a[i].timed_out ? -1L : a[i].status);
        t += (size_t)snprintf(times + t, sizeof(times) - t, "%s%lld", i ? " " : "", a[i].took_ms);
    }
    (void)keel_audit_evidence_addf(ev, "statuses in order (0: no answer, -1: timed out): %s",
                                   statuses);
    (void)keel_audit_evidence_addf(ev, "answer times in ms: %s", times);
}

static double per_second(size_t events, long long span_ms)
{
    return span_ms <= 0 ? 1e9 : (double)events * 1000.0 / (double)span_ms;
}

/* More than 10 evaluated: the achievable rate after the free failures decides. */
static keel_audit_verdict judge_rate(const brute_tally *k, keel_audit_evidence *ev)
{
    double rate =
        per_second(k->evaluated - KEEL_AUDIT_BRUTE_FREE_FAILURES, k->last_at - k->tenth_at);

    if (rate < 1.0) {
        (void)keel_audit_evidence_addf(ev,
                                       "after %d failures the device slowed down to %.2f "
                                       "guesses per second",
                                       KEEL_AUDIT_BRUTE_FREE_FAILURES, rate);
        return KEEL_AUDIT_PASS;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "after %d failures %zu more wrong passwords were evaluated "
                                   "at %.1f per second: no brute-force protection",
                                   KEEL_AUDIT_BRUTE_FREE_FAILURES,
                                   k->evaluated - KEEL_AUDIT_BRUTE_FREE_FAILURES, rate);
    return KEEL_AUDIT_FAIL;
}

keel_audit_verdict keel_audit_brute_judge(const keel_audit_brute_attempt *a, size_t n,
                                          keel_audit_evidence *ev)
{
    brute_tally k;
    long long span;

    if (a == NULL || n == 0) {
        (void)keel_audit_evidence_addf(ev, "no attempt could be made");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    span = a[n - 1].at_ms;
    count(a, n, &k);
    (void)keel_audit_evidence_addf(ev,
                                   "%zu wrong passwords in %.1f s: %zu evaluated (401/403), "
                                   "%zu throttled (429), %zu timed out, %zu accepted, "
                                   "%zu unanswered, %zu other; %.1f attempts per second",
                                   n, (double)span / 1000.0, k.evaluated - k.accepted, k.throttled,
                                   k.timed_out, k.accepted, k.errors, k.unexpected,
                                   per_second(n, span));
    sequence(a, n, ev);
    if (k.accepted > 0) {
        (void)keel_audit_evidence_addf(ev, "a random wrong password was accepted");
        return KEEL_AUDIT_FAIL;
    }
    if (k.throttle_after >= 0 && k.throttle_after <= KEEL_AUDIT_BRUTE_FREE_FAILURES) {
        (void)keel_audit_evidence_addf(ev,
                                       "the device throttled after %lld evaluated failures of "
                                       "this test (earlier tests' failures count too)",
                                       k.throttle_after);
        return KEEL_AUDIT_PASS;
    }
    if (k.evaluated > KEEL_AUDIT_BRUTE_FREE_FAILURES)
        return judge_rate(&k, ev);
    if (k.errors > 0 || k.unexpected > 0) {
        (void)keel_audit_evidence_addf(ev, "the login did not answer 401/403 or 429: the "
                                           "protection cannot be judged");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (per_second(k.evaluated, span) < 1.0) {
        (void)keel_audit_evidence_addf(ev, "the device answered at %.2f guesses per second",
                                       per_second(k.evaluated, span));
        return KEEL_AUDIT_PASS;
    }
    (void)keel_audit_evidence_addf(ev, "too few attempts to judge the protection");
    return KEEL_AUDIT_INCONCLUSIVE;
}
