/* TS 103 701 test case 5.1-1-2 (functional): no universal default password. The login API
 * of the device is offered each well-known default password, the most common first (the
 * order botnets such as Mirai try them in); a device that accepts one has a password that
 * is neither unique per device nor chosen by the user.
 *
 * A device that guards its login (5.1-5) slows the test down: its Retry-After is honoured
 * within a budget, and the test judges what it could evaluate (guard.md). When the
 * assessor gives a batch of labels (5.1-2-2), the uniqueness of their passwords is a unit
 * of this test too: 5.1-1 asks for a password unique per device.
 *
 * A device whose web interface asks for HTTP Basic authentication instead (--login-scheme
 * basic) is offered the well-known default user:password pairs the same way, each as a GET
 * of the login path; a 2xx answer names the pair that opened the route. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "net.h"

/* As keel_audit_login's guard handling (login.c). */
#define WAIT_MARGIN_MS 150
#define DEFAULT_WAIT_MS 1000
#define USER_MAX 64

/* GET path with "Authorization: Basic" of pair ("user:password"); a 429 is waited out as
 * keel_audit_login waits it out. The pair is a public default, not a secret. */
static keel_err login_basic(keel_audit_http *h, const char *path, const char *pair,
                            long long deadline_ms, keel_audit_http_answer *out)
{
    const char *colon = strchr(pair, ':');
    char user[USER_MAX];
    keel_err ret;
    int failed = 0;

    if (colon == NULL || (size_t)(colon - pair) >= sizeof(user))
        return KEEL_ERR_ARG;
    memcpy(user, pair, (size_t)(colon - pair));
    user[colon - pair] = '\0';
    failed |= curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK;
    failed |= curl_easy_setopt(h->curl, CURLOPT_USERNAME, user) != CURLE_OK;
    failed |= curl_easy_setopt(h->curl, CURLOPT_PASSWORD, colon + 1) != CURLE_OK;
    if (failed)
        return KEEL_ERR_NOMEM;
    for (;;) {
        long long wait;

        ret = keel_audit_http_get(h, path, NULL, out);
        if (ret != KEEL_OK || out->status != 429)
            break;
        wait =
            (out->retry_after > 0 ? out->retry_after * 1000LL : DEFAULT_WAIT_MS) + WAIT_MARGIN_MS;
        if (keel_audit_net_now_ms() + wait > deadline_ms)
            break;
        keel_audit_sleep_ms(wait);
    }
    (void)curl_easy_setopt(h->curl, CURLOPT_USERNAME, NULL);
    (void)curl_easy_setopt(h->curl, CURLOPT_PASSWORD, NULL);
    (void)curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
    return ret;
}

typedef struct tally {
    size_t accepted, refused, unexpected;
    int transport_error, throttled;
} tally;

/* One candidate; its outcome goes into the tally and, when notable, the evidence. Returns
 * 0 when the test must stop. */
static int try_candidate(keel_audit_http *h, const char *path, const char *candidate, int basic,
                         long long deadline, tally *k, keel_audit_evidence *ev)
{
    keel_audit_http_answer a;

    if ((basic ? login_basic(h, path, candidate, deadline, &a)
               : keel_audit_login(h, path, candidate, deadline, &a, NULL)) != KEEL_OK) {
        k->transport_error = 1;
        (void)keel_audit_evidence_addf(ev, "'%s': the request could not be built", candidate);
        return 0;
    }
    if (a.status == 0) {
        k->transport_error = 1;
        (void)keel_audit_evidence_addf(ev, "'%s': no HTTP answer (%s)", candidate,
                                       curl_easy_strerror(a.code));
        return 0;
    }
    if (a.status >= 200 && a.status <= 299) {
        /* Any success status is a login: a 204 accepts the password as surely as a 200. */
        k->accepted++;
        (void)keel_audit_evidence_addf(ev, "'%s': accepted (HTTP %ld)", candidate, a.status);
    } else if (a.status == 401 || a.status == 403) {
        k->refused++;
    } else if (a.status == 429) {
        k->throttled = 1;
        if (a.retry_after > 0)
            (void)keel_audit_evidence_addf(ev,
                                           "'%s': HTTP 429, Retry-After %ld s is past the "
                                           "test's budget",
                                           candidate, a.retry_after);
        else
            (void)keel_audit_evidence_addf(ev, "'%s': HTTP 429, the test's budget is spent",
                                           candidate);
        return 0;
    } else {
        k->unexpected++;
        (void)keel_audit_evidence_addf(ev, "'%s': unexpected HTTP %ld", candidate, a.status);
    }
    return 1;
}

static keel_audit_verdict judge_batch(const keel_audit_batch_stats *batch, keel_audit_evidence *ev)
{
    if (batch == NULL || batch->labels == 0)
        return KEEL_AUDIT_PASS;
    if (batch->shared > 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "batch of %zu labels: %zu devices share their password "
                                       "with another device (see 5.1-2-2)",
                                       batch->labels, batch->shared);
        return KEEL_AUDIT_FAIL;
    }
    (void)keel_audit_evidence_addf(ev, "batch of %zu labels: every device has its own password",
                                   batch->labels);
    return KEEL_AUDIT_PASS;
}

static keel_audit_verdict judge(const tally *k, size_t n, const keel_audit_batch_stats *batch,
                                keel_audit_evidence *ev)
{
    size_t need =
        n < KEEL_AUDIT_CREDENTIALS_MIN_EVALUATED ? n : KEEL_AUDIT_CREDENTIALS_MIN_EVALUATED;
    keel_audit_verdict unique = judge_batch(batch, ev);

    (void)keel_audit_evidence_addf(ev,
                                   "%zu refused with HTTP 401/403, %zu accepted, "
                                   "%zu unexpected answers",
                                   k->refused, k->accepted, k->unexpected);
    if (k->throttled)
        (void)keel_audit_evidence_addf(ev,
                                       "evaluated %zu of %zu candidates; the device then "
                                       "throttled/locked out (5.1-5)",
                                       k->refused + k->accepted, n);
    if (k->accepted > 0 || unique == KEEL_AUDIT_FAIL)
        return KEEL_AUDIT_FAIL;
    if (k->transport_error) {
        (void)keel_audit_evidence_addf(ev, "the device stopped answering; the remaining "
                                           "candidates were not tried");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (k->refused < need) {
        (void)keel_audit_evidence_addf(ev, "fewer than %zu candidates could be evaluated", need);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (k->unexpected > 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    return KEEL_AUDIT_PASS;
}

static keel_audit_verdict probe_all(keel_audit_http *h, const char *path,
                                    const char *const *candidates, size_t n, int basic,
                                    long long budget_ms, const keel_audit_batch_stats *batch,
                                    keel_audit_evidence *ev)
{
    long long deadline = keel_audit_net_now_ms() + budget_ms;
    tally k = {0};

    if (basic)
        (void)keel_audit_evidence_addf(ev,
                                       "GET %s%s with HTTP Basic authentication for %zu "
                                       "well-known default user:password pairs, most common "
                                       "first",
                                       h->base, path, n);
    else
        (void)keel_audit_evidence_addf(ev,
                                       "POST %s%s with {\"password\": candidate} for %zu "
                                       "well-known default passwords, most common first",
                                       h->base, path, n);
    for (size_t i = 0; i < n; i++) {
        if (candidates[i] != NULL &&
            !try_candidate(h, path, candidates[i], basic, deadline, &k, ev))
            break;
    }
    return judge(&k, n, batch, ev);
}

static keel_err check(keel_audit_report *r, const keel_audit_target *t, const char *login_path,
                      const char *const *candidates, size_t n, int basic, long long budget_ms,
                      const keel_audit_batch_stats *batch)
{
    keel_audit_http h;
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;

    if (login_path == NULL)
        login_path = KEEL_AUDIT_LOGIN_PATH_DEFAULT;
    if (r == NULL || t == NULL || candidates == NULL || n == 0 || budget_ms < 0 ||
        !keel_audit_http_path_valid(login_path))
        return KEEL_ERR_ARG;
    if (budget_ms == 0)
        budget_ms = KEEL_AUDIT_CREDENTIALS_BUDGET_MS;
    keel_audit_evidence_init(&ev);
    if (keel_audit_http_open(&h, t) != KEEL_OK)
        (void)keel_audit_evidence_addf(&ev, "libcurl could not be set up");
    else
        verdict = probe_all(&h, login_path, candidates, n, basic, budget_ms, batch, &ev);
    keel_audit_http_close(&h);
    return keel_audit_record(r, "5.1-1-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}

keel_err keel_audit_check_credentials(keel_audit_report *r, const keel_audit_target *t,
                                      const char *login_path, const char *const *candidates,
                                      size_t n, long long budget_ms,
                                      const keel_audit_batch_stats *batch)
{
    return check(r, t, login_path, candidates, n, 0, budget_ms, batch);
}

keel_err keel_audit_check_credentials_basic(keel_audit_report *r, const keel_audit_target *t,
                                            const char *login_path, const char *const *pairs,
                                            size_t n, long long budget_ms,
                                            const keel_audit_batch_stats *batch)
{
    for (size_t i = 0; pairs != NULL && i < n; i++) {
        const char *colon = pairs[i] != NULL ? strchr(pairs[i], ':') : NULL;

        if (pairs[i] != NULL &&
            (colon == NULL || colon == pairs[i] || colon - pairs[i] >= USER_MAX))
            return KEEL_ERR_ARG;
    }
    return check(r, t, login_path, pairs, n, 1, budget_ms, batch);
}
