/* TS 103 701 test case 6-3A-2 (V3.1.3; 6-3-2 in V2.1.1, functional): consent given to a
 * processing can be withdrawn, and the processing stops. The IXIT's "consent_check" names the
 * purpose, the route that gives and withdraws it, a request that makes the device process the
 * datum (for a lock: unlock, which writes the access log), and where the laboratory sees the
 * datum arrive (an MQTT topic on the device's broker). With consent given the datum must
 * arrive (else the observation proves nothing); after the withdrawal, with the trigger fired
 * again, nothing may. Only sizes of the messages are kept: they carry personal data. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mqtt_watch.h"
#include "net.h"
#include "session.h"

#define POLL_MS 20
/* Messages still on their way from the trigger: the withdrawal waits until none came for this
 * long (within the wait), so that they are not taken for processing after it. */
#define SETTLE_MS 1000LL

typedef struct consent_run {
    keel_audit_http h;
    const keel_audit_ixit_consent_check *c;
    keel_audit_session s;
    keel_audit_mqtt_watch *w;
    keel_audit_evidence *ev;
    keel_audit_consent_facts f;
} consent_run;

static long send_body(consent_run *x, const char *method, const char *path, const char *body)
{
    keel_audit_http_answer a;

    if (keel_audit_http_request(&x->h, method, path, body, body != NULL ? strlen(body) : 0,
                                x->s.token, &a) != KEEL_OK)
        return 0;
    return a.status;
}

/* POST {"purpose": ..., "granted": granted} to the route. */
static long send_consent(consent_run *x, int granted)
{
    cJSON *o = cJSON_CreateObject();
    char *body = NULL;
    long status = 0;

    if (o != NULL && cJSON_AddStringToObject(o, "purpose", x->c->purpose) != NULL &&
        cJSON_AddBoolToObject(o, "granted", granted) != NULL)
        body = cJSON_PrintUnformatted(o);
    if (body != NULL)
        status = send_body(x, "POST", x->c->route, body);
    (void)keel_audit_evidence_addf(x->ev, "consent for %s %s: POST %s: %s %ld", x->c->purpose,
                                   granted ? "given" : "withdrawn", x->c->route,
                                   status ? "HTTP" : "no answer", status);
    cJSON_free(body);
    cJSON_Delete(o);
    return status;
}

static long fire(consent_run *x, const char *when)
{
    const keel_audit_ixit_request *t = &x->c->trigger;
    int takes_body = strcmp(t->method, "GET") != 0 && strcmp(t->method, "DELETE") != 0;
    const char *body = t->body[0] != '\0' ? t->body : (takes_body ? "{}" : NULL);
    long status = send_body(x, t->method, t->path, body);

    (void)keel_audit_evidence_addf(x->ev, "trigger %s: %s %s%s%s: %s %ld", when, t->method, t->path,
                                   body != NULL ? " " : "", body != NULL ? body : "",
                                   status ? "HTTP" : "no answer", status);
    return status;
}

/* Wait until more than base messages arrived or until; the count. */
static size_t wait_beyond(consent_run *x, size_t base, long long until)
{
    size_t n = keel_audit_mqtt_watch_count(x->w, NULL, NULL);

    while (n <= base && keel_audit_net_now_ms() < until) {
        keel_audit_sleep_ms(POLL_MS);
        n = keel_audit_mqtt_watch_count(x->w, NULL, NULL);
    }
    return n;
}

/* Until no message came for SETTLE_MS, or until. */
static void settle(consent_run *x, long long until)
{
    for (;;) {
        long long last = 0, now = keel_audit_net_now_ms();

        (void)keel_audit_mqtt_watch_count(x->w, &last, NULL);
        if (now >= until || now - last >= SETTLE_MS)
            return;
        keel_audit_sleep_ms(POLL_MS);
    }
}

static int ok(long status)
{
    return status >= 200 && status <= 299;
}

/* With consent given: the trigger, and the datum must arrive. */
static void while_granted(consent_run *x)
{
    long long start = keel_audit_net_now_ms();
    size_t base = keel_audit_mqtt_watch_count(x->w, NULL, NULL), n;
    long long last = 0;

    x->f.trigger = fire(x, "with consent");
    if (!ok(x->f.trigger))
        return;
    n = wait_beyond(x, base, start + x->c->wait_ms);
    if (n > base) {
        (void)keel_audit_mqtt_watch_count(x->w, &last, NULL);
        settle(x, start + x->c->wait_ms);
        n = keel_audit_mqtt_watch_count(x->w, NULL, NULL);
    }
    x->f.while_granted = n - base;
    x->f.first_ms = n > base ? last - start : 0;
    (void)keel_audit_evidence_addf(x->ev, "%s: %zu message(s) while consent was given%s%lld%s",
                                   x->c->mqtt.topic, x->f.while_granted,
                                   n > base ? ", the first " : " within ",
                                   n > base ? x->f.first_ms : (long long)x->c->wait_ms,
                                   n > base ? " ms after the trigger" : " ms");
}

/* After the withdrawal: the trigger again, and nothing may arrive. */
static void after_withdrawal(consent_run *x)
{
    long long start;
    size_t base, n;

    x->f.withdraw = send_consent(x, 0);
    base = keel_audit_mqtt_watch_count(x->w, NULL, NULL);
    start = keel_audit_net_now_ms();
    if (!ok(x->f.withdraw))
        return;
    x->f.trigger_again = fire(x, "after the withdrawal");
    n = wait_beyond(x, base, start + x->c->quiet_ms);
    x->f.after_withdrawal = n - base;
    x->f.watched_ms = keel_audit_net_now_ms() - start;
    (void)keel_audit_evidence_addf(x->ev, "%s: %zu message(s) in the %lld ms after the withdrawal",
                                   x->c->mqtt.topic, x->f.after_withdrawal, x->f.watched_ms);
}

static void exercise(consent_run *x, const char *login_path, const char *password)
{
    long out;

    x->f.logged_in = keel_audit_session_open(&x->h, login_path, password, &x->s);
    if (!x->f.logged_in) {
        (void)keel_audit_evidence_addf(x->ev, "login: %s %ld", x->s.status ? "HTTP" : "no answer",
                                       x->s.status);
        return;
    }
    x->f.grant = send_consent(x, 1);
    if (ok(x->f.grant)) {
        while_granted(x);
        /* Always withdrawn again: the audit leaves the consent off, as it is by default. When
         * nothing was seen while it was given, watching after the withdrawal proves nothing. */
        if (x->f.while_granted > 0)
            after_withdrawal(x);
        else
            x->f.withdraw = send_consent(x, 0);
    }
    out = keel_audit_session_close(&x->h, &x->s);
    if (out < 200 || out > 299)
        (void)keel_audit_evidence_addf(x->ev,
                                       "logout: %s %ld; the session stays open until it "
                                       "expires",
                                       out ? "HTTP" : "no answer", out);
}

static void watch_and_exercise(consent_run *x, const keel_audit_target *t, const char *login_path,
                               const char *password)
{
    const keel_audit_ixit_mqtt *m = &x->c->mqtt;
    char why[256];

    (void)keel_audit_evidence_addf(x->ev,
                                   "observing %s on %s:%u (MQTT over TLS, the "
                                   "laboratory's certificate)",
                                   m->topic, m->host, (unsigned)m->port);
    if (keel_audit_mqtt_watch_start(m, &x->w, why, sizeof(why)) != KEEL_OK) {
        x->f.watching = 0;
        (void)keel_audit_evidence_addf(x->ev, "cannot observe: %s", why);
        return;
    }
    x->f.watching = 1;
    if (keel_audit_http_open(&x->h, t) == KEEL_OK)
        exercise(x, login_path, password);
    else
        (void)keel_audit_evidence_addf(x->ev, "HTTPS client could not start");
    keel_audit_http_close(&x->h);
    keel_audit_mqtt_watch_stop(x->w);
    x->w = NULL;
}

/* 1 when the IXIT declares processing on consent, 0 when it declares none, -1 unknown. */
static int consent_based(const keel_audit_ixit *ixit)
{
    const keel_audit_ixit_personal_data *pd;

    if (ixit == NULL || ixit->privacy == NULL || !ixit->privacy->personal_data.present)
        return -1;
    pd = &ixit->privacy->personal_data;
    if (pd->consent_count > 0)
        return 1;
    for (size_t i = 0; i < pd->data_count; i++) {
        if (pd->data[i].legal_basis == KEEL_AUDIT_BASIS_CONSENT)
            return 1;
    }
    return 0;
}

keel_err keel_audit_check_consent(keel_audit_report *r, const keel_audit_target *t,
                                  const keel_audit_ixit *ixit, const char *login_path,
                                  const char *password)
{
    const char *id = r != NULL && r->version == KEEL_EN303645_V2_1_1 ? "6-3-2" : "6-3A-2";
    keel_audit_evidence ev;
    keel_audit_verdict v;
    consent_run *x;
    keel_err ret;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    (void)keel_audit_evidence_addf(&ev, "units: a) consent withdrawn through the device stops "
                                        "the processing it covered");
    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return keel_audit_record(r, id, KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_INCONCLUSIVE, &ev);
    x->ev = &ev;
    x->c = ixit != NULL && ixit->privacy != NULL && ixit->privacy->consent_check.present
               ? &ixit->privacy->consent_check
               : NULL;
    x->f = (keel_audit_consent_facts){.declared = x->c != NULL,
                                      .consent_based = consent_based(ixit),
                                      .credentials = password != NULL,
                                      .watching = -1,
                                      .logged_in = -1,
                                      .grant = -1,
                                      .trigger = -1,
                                      .withdraw = -1,
                                      .trigger_again = -1};
    if (x->c != NULL && password != NULL)
        watch_and_exercise(x, t, login_path, password);
    v = keel_audit_consent_withdrawal_judge(&x->f, r->version, &ev);
    keel_wipe(x, sizeof(*x));
    free(x);
    ret = keel_audit_record(r, id, KEEL_AUDIT_FUNCTIONAL, v, &ev);
    return ret;
}
