/* TS 103 701 test case 5.1-5-2 (functional): brute-force protection, measured. One client
 * sends random wrong passwords as fast as the device answers and honours nothing: it
 * records what the device does (guard.md). The passwords are random 128-bit values, so
 * none can be a real password, and the test stops as soon as the device throttles: the
 * point is to see the guard, not to lock the owner out for longer than needed. */
#include <string.h>

#include "http.h"
#include "net.h"
#include "progress.h"

/* "keel-audit-" and 32 hex digits: obviously the auditor's, never a real candidate. */
static keel_err wrong_password(char out[64])
{
    uint8_t raw[16];
    char hex[33];
    keel_err ret = keel_random(raw, sizeof(raw));

    if (ret == KEEL_OK)
        ret = keel_hex_encode(raw, sizeof(raw), hex, sizeof(hex));
    if (ret == KEEL_OK)
        ret = keel_str_format(out, 64, "keel-audit-%s", hex);
    keel_wipe(raw, sizeof(raw));
    return ret;
}

/* Whether the series is decided and may stop. */
static int decided(const keel_audit_brute_attempt *a)
{
    return a->status == 429 || a->timed_out || (a->status >= 200 && a->status <= 299) ||
           a->status == 0;
}

static keel_err attempt(keel_audit_http *h, const char *path, long long start,
                        keel_audit_brute_attempt *out)
{
    static const char *const names[] = {"password"};
    char guess[64];
    const char *values[1] = {guess};
    keel_audit_http_answer a;
    char *body;
    keel_err ret = wrong_password(guess);

    if (ret != KEEL_OK)
        return ret;
    body = keel_audit_http_json(names, values, 1);
    keel_wipe(guess, sizeof(guess));
    if (body == NULL)
        return KEEL_ERR_NOMEM;
    ret = keel_audit_http_post(h, path, body, strlen(body), NULL, &a);
    keel_audit_http_json_free(body);
    if (ret != KEEL_OK)
        return ret;
    out->status = a.status;
    out->timed_out = a.status == 0 && a.code == CURLE_OPERATION_TIMEDOUT;
    out->took_ms = a.took_ms;
    out->at_ms = keel_audit_net_now_ms() - start;
    return KEEL_OK;
}

static keel_audit_verdict measure(keel_audit_http *h, const char *path, keel_audit_progress *p,
                                  keel_audit_evidence *ev)
{
    keel_audit_brute_attempt a[KEEL_AUDIT_BRUTE_ATTEMPTS_MAX];
    long long start = keel_audit_net_now_ms();
    size_t n = 0;

    memset(a, 0, sizeof(a));
    (void)keel_audit_evidence_addf(ev,
                                   "POST %s%s with random wrong passwords from one client, "
                                   "at most %d attempts in %lld s, Retry-After not honoured",
                                   h->base, path, KEEL_AUDIT_BRUTE_ATTEMPTS_MAX,
                                   KEEL_AUDIT_BRUTE_TIME_MAX_MS / 1000);
    while (n < KEEL_AUDIT_BRUTE_ATTEMPTS_MAX &&
           keel_audit_net_now_ms() - start < KEEL_AUDIT_BRUTE_TIME_MAX_MS) {
        if (attempt(h, path, start, &a[n]) != KEEL_OK) {
            (void)keel_audit_evidence_addf(ev, "an attempt could not be made (out of memory "
                                               "or no randomness)");
            return KEEL_AUDIT_INCONCLUSIVE;
        }
        keel_audit_progress_count(p, n + 1, KEEL_AUDIT_BRUTE_ATTEMPTS_MAX);
        if (decided(&a[n++]))
            break;
    }
    if (n > 0 && a[n - 1].status == 0 && !a[n - 1].timed_out)
        (void)keel_audit_evidence_addf(ev, "attempt %zu: no HTTP answer", n);
    return keel_audit_brute_judge(a, n, ev);
}

keel_err keel_audit_check_bruteforce(keel_audit_report *r, const keel_audit_target *t,
                                     const char *login_path)
{
    keel_audit_http h;
    keel_audit_evidence ev;
    keel_audit_verdict verdict = KEEL_AUDIT_INCONCLUSIVE;

    if (login_path == NULL)
        login_path = KEEL_AUDIT_LOGIN_PATH_DEFAULT;
    if (r == NULL || t == NULL || !keel_audit_http_path_valid(login_path))
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    if (keel_audit_http_open(&h, t) != KEEL_OK)
        (void)keel_audit_evidence_addf(&ev, "libcurl could not be set up");
    else
        verdict = measure(&h, login_path, r->progress, &ev);
    keel_audit_http_close(&h);
    return keel_audit_record(r, "5.1-5-2", KEEL_AUDIT_FUNCTIONAL, verdict, &ev);
}
