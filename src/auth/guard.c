/* The brute-force guard of 5.1-5, as pure logic: state in, decision out, the time passed in.
 * keeld persists each record it is told changed, so that neither a restart nor a power cut
 * gives an attacker a fresh set of attempts. */
#include <string.h>
#include <time.h>

#include "keel/auth.h"

#define MS 1000u
#define FAILURES_MAX 1000000u /* the codec's bound; the count saturates there */

uint64_t keel_auth_guard_now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * MS + (uint64_t)ts.tv_nsec / 1000000u;
}

keel_err keel_auth_guard_init(keel_auth_guard *guard, keel_auth_guard_client *clients,
                              size_t nclients)
{
    if (guard == NULL || clients == NULL || nclients == 0)
        return KEEL_ERR_ARG;
    memset(clients, 0, nclients * sizeof(*clients));
    memset(guard, 0, sizeof(*guard));
    guard->clients = clients;
    guard->nclients = nclients;
    return KEEL_OK;
}

/* Seconds a client waits after its failure number n. */
static uint32_t client_wait_s(uint32_t n)
{
    if (n < KEEL_AUTH_GUARD_FREE_FAILURES)
        return 0;
    if (n >= KEEL_AUTH_GUARD_LOCKOUT_FAILURES)
        return KEEL_AUTH_GUARD_LOCKOUT_S;
    return 1u << (n - KEEL_AUTH_GUARD_FREE_FAILURES);
}

/* Seconds everyone waits after the n-th failure of the last hour. */
static uint32_t overall_wait_s(uint32_t n)
{
    uint32_t shift;

    if (n < KEEL_AUTH_GUARD_OVERALL_FREE)
        return 0;
    shift = n - KEEL_AUTH_GUARD_OVERALL_FREE;
    if (shift >= 6 || (1u << shift) > KEEL_AUTH_GUARD_OVERALL_CAP_S)
        return KEEL_AUTH_GUARD_OVERALL_CAP_S;
    return 1u << shift;
}

/* Milliseconds of wait_s still to serve after a failure at since_ms. */
static uint64_t remaining_ms(uint32_t wait_s, uint64_t since_ms, uint64_t now_ms)
{
    uint64_t wait_ms = (uint64_t)wait_s * MS;
    uint64_t passed = now_ms - since_ms; /* since_ms <= now_ms after normalise() */

    return passed >= wait_ms ? 0 : wait_ms - passed;
}

static int addr_ok(const char *addr)
{
    size_t n = addr != NULL ? strnlen(addr, KEEL_AUTH_GUARD_ADDR_MAX) : 0;

    if (n == 0 || n >= KEEL_AUTH_GUARD_ADDR_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = addr[i];
        int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex && c != '.' && c != ':')
            return 0;
    }
    return 1;
}

static keel_auth_guard_client *find(keel_auth_guard *g, const char *addr)
{
    for (size_t i = 0; i < g->nclients; i++) {
        if (g->clients[i].addr[0] != '\0' && strcmp(g->clients[i].addr, addr) == 0)
            return &g->clients[i];
    }
    return NULL;
}

/* Failures of all clients within the window ending at now_ms. */
static uint32_t overall_recent(const keel_auth_guard_overall *o, uint64_t now_ms)
{
    uint64_t window = (uint64_t)KEEL_AUTH_GUARD_OVERALL_WINDOW_S * MS;
    uint32_t n = 0;

    for (uint32_t i = 0; i < o->count; i++) {
        if (now_ms - o->failures_ms[i] < window)
            n++;
    }
    return n;
}

/* A clock that went back would make a wait last until it caught up: bring every time after
 * now_ms back to now_ms, so the wait is served once in full and no longer. */
static void normalise(keel_auth_guard *g, keel_auth_guard_client *c, uint64_t now_ms,
                      keel_auth_guard_result *r)
{
    if (c != NULL && c->last_failure_ms > now_ms) {
        c->last_failure_ms = now_ms;
        r->client_changed = 1;
        r->slot = (size_t)(c - g->clients);
    }
    for (uint32_t i = 0; i < g->overall.count; i++) {
        if (g->overall.failures_ms[i] > now_ms) {
            g->overall.failures_ms[i] = now_ms;
            r->overall_changed = 1;
        }
    }
}

/* Fill r's wait from the client's and the overall record at now_ms. */
static void decide(const keel_auth_guard *g, const keel_auth_guard_client *c, uint64_t now_ms,
                   keel_auth_guard_result *r)
{
    const keel_auth_guard_overall *o = &g->overall;
    uint64_t client_ms = 0;
    uint64_t overall_ms = 0;
    uint64_t wait_ms;

    r->failures = c != NULL ? c->failures : 0;
    r->overall_recent = overall_recent(o, now_ms);
    if (c != NULL)
        client_ms = remaining_ms(client_wait_s(c->failures), c->last_failure_ms, now_ms);
    if (o->count > 0)
        overall_ms =
            remaining_ms(overall_wait_s(r->overall_recent), o->failures_ms[o->count - 1], now_ms);
    wait_ms = client_ms > overall_ms ? client_ms : overall_ms;
    r->allowed = wait_ms == 0;
    r->retry_after_s = (uint32_t)((wait_ms + MS - 1) / MS);
    r->locked_out = client_ms > 0 && r->failures >= KEEL_AUTH_GUARD_LOCKOUT_FAILURES;
    r->overall = overall_ms > client_ms;
}

static int usable(const keel_auth_guard *g, const char *addr, const keel_auth_guard_result *r)
{
    return g != NULL && g->clients != NULL && r != NULL && addr_ok(addr);
}

keel_err keel_auth_guard_check(keel_auth_guard *guard, const char *addr, uint64_t now_ms,
                               keel_auth_guard_result *r)
{
    keel_auth_guard_client *c;

    if (r != NULL)
        memset(r, 0, sizeof(*r));
    if (!usable(guard, addr, r))
        return KEEL_ERR_ARG;
    c = find(guard, addr);
    normalise(guard, c, now_ms, r);
    decide(guard, c, now_ms, r);
    return KEEL_OK;
}

/* The client's slot: its own, a free one, or the one whose latest failure is oldest. */
static keel_auth_guard_client *take_slot(keel_auth_guard *g, const char *addr,
                                         keel_auth_guard_result *r)
{
    keel_auth_guard_client *c = find(g, addr);
    keel_auth_guard_client *oldest = &g->clients[0];

    if (c != NULL)
        return c;
    for (size_t i = 0; i < g->nclients; i++) {
        keel_auth_guard_client *s = &g->clients[i];
        if (s->addr[0] == '\0')
            return s;
        if (s->last_failure_ms < oldest->last_failure_ms)
            oldest = s;
    }
    r->evicted = 1;
    return oldest;
}

static void overall_push(keel_auth_guard_overall *o, uint64_t now_ms)
{
    uint64_t window = (uint64_t)KEEL_AUTH_GUARD_OVERALL_WINDOW_S * MS;
    uint32_t keep = 0;

    for (uint32_t i = 0; i < o->count; i++) { /* drop what left the window */
        if (now_ms - o->failures_ms[i] < window)
            o->failures_ms[keep++] = o->failures_ms[i];
    }
    o->count = keep;
    if (o->count == KEEL_AUTH_GUARD_OVERALL_KEEP) {
        memmove(o->failures_ms, o->failures_ms + 1, (o->count - 1) * sizeof(o->failures_ms[0]));
        o->count--;
    }
    o->failures_ms[o->count++] = now_ms;
    for (uint32_t i = o->count; i < KEEL_AUTH_GUARD_OVERALL_KEEP; i++)
        o->failures_ms[i] = 0;
}

keel_err keel_auth_guard_failure(keel_auth_guard *guard, const char *addr, uint64_t now_ms,
                                 keel_auth_guard_result *r)
{
    keel_auth_guard_client *c;

    if (r != NULL)
        memset(r, 0, sizeof(*r));
    if (!usable(guard, addr, r))
        return KEEL_ERR_ARG;
    normalise(guard, find(guard, addr), now_ms, r);
    c = take_slot(guard, addr, r);
    if (strcmp(c->addr, addr) != 0) {
        memset(c, 0, sizeof(*c));
        memcpy(c->addr, addr, strlen(addr) + 1);
    }
    if (c->failures < FAILURES_MAX)
        c->failures++;
    c->last_failure_ms = now_ms;
    overall_push(&guard->overall, now_ms);
    decide(guard, c, now_ms, r);
    r->slot = (size_t)(c - guard->clients);
    r->client_changed = 1;
    r->overall_changed = 1;
    return KEEL_OK;
}

keel_err keel_auth_guard_success(keel_auth_guard *guard, const char *addr,
                                 keel_auth_guard_result *r)
{
    keel_auth_guard_client *c;

    if (r != NULL)
        memset(r, 0, sizeof(*r));
    if (!usable(guard, addr, r))
        return KEEL_ERR_ARG;
    r->allowed = 1;
    c = find(guard, addr);
    if (c == NULL)
        return KEEL_OK;
    memset(c, 0, sizeof(*c));
    r->slot = (size_t)(c - guard->clients);
    r->client_changed = 1;
    return KEEL_OK;
}
