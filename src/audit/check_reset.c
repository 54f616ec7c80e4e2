/* TS 103 701 test case 5.11-1-2 (functional): the user can erase the user data from the device
 * simply. The audit plants a unique random canary through every kind of user data the IXIT
 * names (deletion.user_data), resets the device through its declared function
 * (deletion.reset, with the owner's password), waits for it to come back in its factory state
 * and searches every byte of every regular file of the device's data tree (--device-data) for
 * the canaries. Before the reset the tree is searched too: data sealed at rest hides the
 * canaries, and the evidence says what the search can then show. The owner's password must no
 * longer open a session.
 *
 * This test case changes the device for good (its owner, PINs, logs are gone): it runs after
 * every test case that acts as the owner. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "session.h"

#define DOWN_POLL_MS 25
#define UP_POLL_MS 100
#define PROBE_MS 250

typedef struct reset_run {
    keel_audit_http h;
    const keel_audit_target *t;
    const keel_audit_reset_opts *o;
    const keel_audit_ixit_deletion *d;
    keel_audit_session s;
    keel_audit_evidence *ev;
    keel_audit_reset_facts f;
    char canaries[KEEL_AUDIT_USER_DATA_MAX][KEEL_AUDIT_CANARY_LEN + 1]; /* the planted ones */
    size_t source[KEEL_AUDIT_USER_DATA_MAX]; /* the user_data entry each came from */
} reset_run;

static int ok(long status)
{
    return status >= 200 && status <= 299;
}

static const char *said(long status)
{
    return status > 0 ? "HTTP" : "no answer";
}

static long send_filled(reset_run *x, const keel_audit_ixit_request *q, const char *placeholder,
                        const char *value)
{
    int takes_body = strcmp(q->method, "GET") != 0 && strcmp(q->method, "DELETE") != 0;
    const char *body = q->body[0] != '\0' ? q->body : (takes_body ? "{}" : NULL);
    char *filled = NULL;
    keel_audit_http_answer a;
    keel_err ret = KEEL_OK;

    if (body != NULL && strstr(body, placeholder) != NULL &&
        (ret = keel_audit_body_fill(body, placeholder, value, &filled)) != KEEL_OK) {
        (void)keel_audit_evidence_addf(x->ev, "%s %s: the body cannot be filled in: %s", q->method,
                                       q->path, keel_strerror(ret));
        return 0;
    }
    if (filled != NULL)
        body = filled;
    if (keel_audit_http_request(&x->h, q->method, q->path, body, body != NULL ? strlen(body) : 0,
                                x->s.token, &a) != KEEL_OK)
        a.status = 0;
    keel_audit_body_free(filled);
    return a.status;
}

static void plant(reset_run *x)
{
    for (size_t i = 0; i < x->d->user_data_count; i++) {
        const keel_audit_ixit_request *q = &x->d->user_data[i];
        char *canary = x->canaries[x->f.planted];
        long status;

        if (keel_audit_canary_make(canary) != KEEL_OK) {
            (void)keel_audit_evidence_addf(x->ev, "no randomness for a canary");
            return;
        }
        status = send_filled(x, q, KEEL_AUDIT_CANARY_PLACEHOLDER, canary);
        (void)keel_audit_evidence_addf(x->ev, "user data %zu: %s %s with canary %.*s...: %s %ld%s",
                                       i, q->method, q->path, KEEL_AUDIT_CANARY_SHOWN, canary,
                                       said(status), status, ok(status) ? "" : ": not planted");
        if (ok(status))
            x->source[x->f.planted++] = i;
        else
            keel_wipe(canary, KEEL_AUDIT_CANARY_LEN + 1);
    }
}

/* Search the tree; the number of files with a canary, or (size_t)-1 when it cannot be read.
 * *seen (may be NULL) gets how many canaries were found at all. */
static size_t search(reset_run *x, keel_audit_evidence *ev, size_t *seen, int *complete,
                     keel_audit_scan_stats *st)
{
    keel_audit_canary_hits hits;
    keel_err ret = keel_audit_canary_search(x->o->device_data,
                                            (const char(*)[KEEL_AUDIT_CANARY_LEN + 1]) x->canaries,
                                            x->f.planted, ev, &hits, st);

    if (ret != KEEL_OK) {
        (void)keel_audit_evidence_addf(x->ev, "the data tree %s cannot be read: %s",
                                       x->o->device_data, keel_strerror(ret));
        *complete = 0;
        return (size_t)-1;
    }
    if (seen != NULL) {
        *seen = 0;
        for (size_t i = 0; i < x->f.planted; i++)
            *seen += hits.files[i] > 0;
    }
    *complete = st->unreadable == 0 && st->skipped_large == 0 && !st->truncated;
    return hits.total;
}

/* Wait until a TCP connection to the device is refused: it went down to restart. */
static int went_down(reset_run *x)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    const char *why = NULL;
    long long deadline = keel_audit_net_now_ms() + KEEL_AUDIT_RESET_DOWN_MS;

    if (keel_audit_net_resolve(x->t, &ss, &len, &why) != KEEL_OK)
        return 0;
    keel_audit_net_set_port(&ss, x->t->port);
    while (keel_audit_net_now_ms() < deadline) {
        int fd = keel_audit_net_connect(&ss, len, PROBE_MS, PROBE_MS);

        if (fd < 0)
            return 1;
        close(fd);
        keel_audit_sleep_ms(DOWN_POLL_MS);
    }
    return 0;
}

/* Wait until the device answers HTTPS again; the status of that answer, 0 when none came. */
static long came_back(reset_run *x, long long *took)
{
    const char *path =
        x->o->status_path != NULL ? x->o->status_path : KEEL_AUDIT_STATUS_PATH_DEFAULT;
    long long start = keel_audit_net_now_ms();
    keel_audit_http_answer a;

    a.status = 0;
    while (keel_audit_net_now_ms() - start < KEEL_AUDIT_RESET_UP_MS) {
        if (keel_audit_http_get(&x->h, path, NULL, &a) == KEEL_OK && a.status != 0)
            break;
        a.status = 0;
        keel_audit_sleep_ms(UP_POLL_MS);
    }
    *took = keel_audit_net_now_ms() - start;
    return a.status;
}

static void after_reset(reset_run *x)
{
    keel_audit_scan_stats st;
    keel_audit_session owner;
    long long took = 0;
    long status;
    size_t found;

    if (x->d->restarts) {
        x->f.went_down = went_down(x);
        if (!x->f.went_down)
            (void)keel_audit_evidence_addf(x->ev,
                                           "the device was not seen going down within %lld "
                                           "ms, though the IXIT says it restarts",
                                           KEEL_AUDIT_RESET_DOWN_MS);
    }
    status = came_back(x, &took);
    x->f.came_back = status != 0;
    if (!x->f.came_back) {
        (void)keel_audit_evidence_addf(x->ev, "no answer within %lld ms after the reset", took);
        return;
    }
    (void)keel_audit_evidence_addf(x->ev,
                                   "the device answered again %lld ms after the reset: "
                                   "HTTP %ld",
                                   took, status);
    (void)keel_audit_session_open(&x->h, x->o->login_path, x->o->password, &owner);
    x->f.owner_after = owner.status;
    (void)keel_audit_evidence_addf(x->ev, "the owner's password after the reset: %s %ld%s",
                                   said(owner.status), owner.status,
                                   owner.status == 401 || owner.status == 403 ? ", refused" : "");
    (void)keel_audit_session_close(&x->h, &owner);
    memset(&st, 0, sizeof(st));
    found = search(x, x->ev, NULL, &x->f.complete, &st);
    if (found == (size_t)-1)
        return;
    x->f.searched = 1;
    x->f.found = found;
    (void)keel_audit_evidence_addf(x->ev,
                                   "after the reset: %zu file(s), %llu bytes of %s searched "
                                   "(%zu unreadable, %zu too large, %zu links not followed): %zu "
                                   "with a canary",
                                   st.files, (unsigned long long)st.bytes, x->o->device_data,
                                   st.unreadable, st.skipped_large, st.skipped_links, found);
}

static void reset(reset_run *x)
{
    const keel_audit_ixit_request *q = &x->d->reset;
    keel_audit_scan_stats st;
    size_t seen = 0;
    int complete = 0;

    memset(&st, 0, sizeof(st));
    if (search(x, NULL, &seen, &complete, &st) != (size_t)-1)
        x->f.seen_before = seen;
    (void)keel_audit_evidence_addf(x->ev,
                                   "before the reset: %zu of %zu canaries found in %s (%zu "
                                   "file(s))",
                                   x->f.seen_before, x->f.planted, x->o->device_data, st.files);
    x->f.reset = send_filled(x, q, KEEL_AUDIT_PASSWORD_PLACEHOLDER, x->o->password);
    (void)keel_audit_evidence_addf(x->ev, "reset: %s %s: %s %ld%s%.400s", q->method, q->path,
                                   said(x->f.reset), x->f.reset, x->f.reset > 0 ? ": " : "",
                                   x->f.reset > 0 ? x->h.body : "");
    if (ok(x->f.reset)) {
        keel_wipe(&x->s, sizeof(x->s)); /* the reset ended every session */
        after_reset(x);
    }
}

static void run(reset_run *x)
{
    x->f.logged_in = keel_audit_session_open(&x->h, x->o->login_path, x->o->password, &x->s);
    if (!x->f.logged_in) {
        (void)keel_audit_evidence_addf(x->ev, "login: %s %ld", said(x->s.status), x->s.status);
        return;
    }
    plant(x);
    if (x->f.planted > 0)
        reset(x);
    if (x->s.open)
        (void)keel_audit_session_close(&x->h, &x->s);
}

keel_err keel_audit_check_reset(keel_audit_report *r, const keel_audit_target *t,
                                const keel_audit_reset_opts *o)
{
    const keel_audit_ixit *ixit = o != NULL ? o->ixit : NULL;
    keel_audit_evidence ev;
    keel_audit_verdict v;
    reset_run *x;
    keel_err ret;

    if (r == NULL || t == NULL || o == NULL)
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    (void)keel_audit_evidence_addf(&ev, "units: a) user data planted through every declared kind "
                                        "(canaries), b) the reset through the declared function, "
                                        "c) no canary in the device's data tree afterwards");
    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return keel_audit_record(r, "5.11-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_INCONCLUSIVE,
                                 &ev);
    x->t = t;
    x->o = o;
    x->ev = &ev;
    x->d = ixit != NULL && ixit->privacy != NULL && ixit->privacy->deletion.present
               ? &ixit->privacy->deletion
               : NULL;
    x->f = (keel_audit_reset_facts){.declared = x->d != NULL,
                                    .credentials = o->password != NULL,
                                    .tree = o->device_data != NULL,
                                    .logged_in = -1,
                                    .user_data = x->d != NULL ? x->d->user_data_count : 0,
                                    .reset = -1,
                                    .restarts = x->d != NULL && x->d->restarts,
                                    .went_down = -1,
                                    .came_back = -1,
                                    .owner_after = -1};
    if (x->f.declared && x->f.credentials && x->f.tree && x->f.user_data > 0) {
        if (keel_audit_http_open(&x->h, t) == KEEL_OK)
            run(x);
        else
            (void)keel_audit_evidence_addf(&ev, "HTTPS client could not start");
        keel_audit_http_close(&x->h);
    }
    v = keel_audit_reset_judge(&x->f, &ev);
    keel_wipe(x, sizeof(*x));
    free(x);
    ret = keel_audit_record(r, "5.11-1-2", KEEL_AUDIT_FUNCTIONAL, v, &ev);
    return ret;
}
