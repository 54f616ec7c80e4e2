/* TS 103 701 test cases 5.11-2-2 (functional: the device has a function that deletes the
 * owner's personal data at the associated service) and 5.11-4-1 (functional: the user gets a
 * clear confirmation), from one exercise of deletion.service as the IXIT declares it: the
 * owner asks through the device's request route, and the device's status route must come to
 * show the declared confirmed value within the declared time. When the request's answer and
 * the status both name a "request", they must name the same one: an earlier confirmation
 * does not count. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "net.h"
#include "session.h"

#define POLL_MS 250
#define LINES_MAX 12
#define ID_MAX 128

/* The exercise's own lines, given to both test cases' evidence. */
typedef struct lines {
    char text[LINES_MAX][KEEL_AUDIT_EVIDENCE_LINE_MAX];
    size_t n;
} lines;

typedef struct deletion_run {
    keel_audit_http h;
    const keel_audit_ixit_deletion *d;
    keel_audit_session s;
    lines log;
    keel_audit_service_deletion_facts f;
    char request_id[ID_MAX]; /* the request's id from its answer, "" when none */
} deletion_run;

KEEL_PRINTF(2, 3)
static void note(deletion_run *x, const char *fmt, ...)
{
    va_list ap;

    if (x->log.n == LINES_MAX)
        return;
    va_start(ap, fmt);
    if (vsnprintf(x->log.text[x->log.n], sizeof(x->log.text[0]), fmt, ap) >= 0)
        x->log.n++;
    va_end(ap);
}

/* The string member name of the JSON object in the last answer, "" when none. */
static void member_string(deletion_run *x, const char *name, char *out, size_t outsz)
{
    cJSON *body = cJSON_ParseWithLength(x->h.body, x->h.body_len);
    const cJSON *m = cJSON_IsObject(body) ? cJSON_GetObjectItemCaseSensitive(body, name) : NULL;

    out[0] = '\0';
    if (m != NULL && cJSON_IsString(m) && m->valuestring != NULL &&
        keel_str_copy(out, outsz, m->valuestring) != KEEL_OK)
        out[0] = '\0';
    cJSON_Delete(body);
}

/* Read the status once: 1 when it shows the confirmed value (for this request). */
static int status_confirmed(deletion_run *x, int record)
{
    keel_audit_http_answer a;
    cJSON *body = NULL, *want = cJSON_Parse(x->d->status_confirmed);
    const cJSON *got;
    char *text = NULL, id[ID_MAX];
    int confirmed = 0;

    if (keel_audit_http_get(&x->h, x->d->status_path, x->s.token, &a) != KEEL_OK)
        a.status = 0;
    x->f.status = a.status;
    if (a.status == 200)
        body = cJSON_ParseWithLength(x->h.body, x->h.body_len);
    got = cJSON_IsObject(body) ? cJSON_GetObjectItemCaseSensitive(body, x->d->status_field) : NULL;
    if (got != NULL && (text = cJSON_PrintUnformatted(got)) != NULL) {
        x->f.field_seen = 1;
        (void)keel_str_copy(x->f.last, sizeof(x->f.last), text);
        member_string(x, "request", id, sizeof(id));
        confirmed = want != NULL && cJSON_Compare(got, want, 1) &&
                    (x->request_id[0] == '\0' || id[0] == '\0' || strcmp(id, x->request_id) == 0);
    }
    if (record || confirmed)
        note(x, "GET %s: %s %ld%s%.300s", x->d->status_path, a.status ? "HTTP" : "no answer",
             a.status, a.status == 200 ? ": " : "", a.status == 200 ? x->h.body : "");
    if (confirmed)
        (void)keel_str_format(x->f.shown, sizeof(x->f.shown), "%.300s", x->h.body);
    cJSON_free(text);
    cJSON_Delete(body);
    cJSON_Delete(want);
    return confirmed;
}

static void request(deletion_run *x)
{
    const keel_audit_ixit_request *q = &x->d->service_request;
    int takes_body = strcmp(q->method, "GET") != 0 && strcmp(q->method, "DELETE") != 0;
    const char *body = q->body[0] != '\0' ? q->body : (takes_body ? "{}" : NULL);
    keel_audit_http_answer a;

    if (keel_audit_http_request(&x->h, q->method, q->path, body, body != NULL ? strlen(body) : 0,
                                x->s.token, &a) != KEEL_OK)
        a.status = 0;
    x->f.request = a.status;
    note(x, "request: %s %s: %s %ld%s%.200s", q->method, q->path, a.status ? "HTTP" : "no answer",
         a.status, a.status ? ": " : "", a.status ? x->h.body : "");
    if (a.status >= 200 && a.status <= 299)
        member_string(x, "request", x->request_id, sizeof(x->request_id));
}

static void follow(deletion_run *x)
{
    long long start = keel_audit_net_now_ms(), deadline = start + x->d->status_timeout_ms;

    for (;;) {
        if (status_confirmed(x, 0)) {
            x->f.confirmed = 1;
            break;
        }
        if (keel_audit_net_now_ms() >= deadline)
            break;
        keel_audit_sleep_ms(POLL_MS);
    }
    x->f.waited_ms = keel_audit_net_now_ms() - start;
    if (!x->f.confirmed)
        note(x, "after %lld ms: GET %s: %s %ld, %s = %s", x->f.waited_ms, x->d->status_path,
             x->f.status ? "HTTP" : "no answer", x->f.status, x->d->status_field,
             x->f.last[0] != '\0' ? x->f.last : "absent");
}

static void exercise(deletion_run *x, const char *login_path, const char *password)
{
    long out;

    x->f.logged_in = keel_audit_session_open(&x->h, login_path, password, &x->s);
    if (!x->f.logged_in) {
        note(x, "login: %s %ld", x->s.status ? "HTTP" : "no answer", x->s.status);
        return;
    }
    note(x, "before the request:");
    (void)status_confirmed(x, 1);
    x->f.field_seen = 0; /* what counts is the status after the request */
    x->f.last[0] = '\0';
    request(x);
    if (x->f.request >= 200 && x->f.request <= 299)
        follow(x);
    out = keel_audit_session_close(&x->h, &x->s);
    if (out < 200 || out > 299)
        note(x, "logout: %s %ld; the session stays open until it expires",
             out ? "HTTP" : "no answer", out);
}

static keel_err record(keel_audit_report *r, const char *id, const char *units,
                       const deletion_run *x, int confirmation)
{
    keel_audit_evidence ev;

    keel_audit_evidence_init(&ev);
    (void)keel_audit_evidence_addf(&ev, "%s", units);
    for (size_t i = 0; i < x->log.n; i++)
        (void)keel_audit_evidence_addf(&ev, "%s", x->log.text[i]);
    return keel_audit_record(
        r, id, KEEL_AUDIT_FUNCTIONAL,
        keel_audit_service_deletion_judge(&x->f, confirmation, r->version, &ev), &ev);
}

keel_err keel_audit_check_service_deletion(keel_audit_report *r, const keel_audit_target *t,
                                           const keel_audit_ixit *ixit, const char *login_path,
                                           const char *password)
{
    const keel_audit_ixit_deletion *d =
        ixit != NULL && ixit->privacy != NULL && ixit->privacy->deletion.present
            ? &ixit->privacy->deletion
            : NULL;
    deletion_run *x;
    keel_err ret;

    if (r == NULL || t == NULL)
        return KEEL_ERR_ARG;
    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return KEEL_ERR_NOMEM;
    x->d = d;
    x->f = (keel_audit_service_deletion_facts){.service =
                                                   d != NULL ? d->service : KEEL_AUDIT_UNDECLARED,
                                               .credentials = password != NULL,
                                               .logged_in = -1,
                                               .request = -1,
                                               .status = -1,
                                               .timeout_ms = d != NULL ? d->status_timeout_ms : 0};
    if (d != NULL && d->service == KEEL_AUDIT_DECLARED && password != NULL) {
        if (keel_audit_http_open(&x->h, t) == KEEL_OK)
            exercise(x, login_path, password);
        else
            note(x, "HTTPS client could not start");
        keel_audit_http_close(&x->h);
    }
    ret = record(r, "5.11-2-2",
                 "units: a) the owner asks through the device, b) the request reaches the "
                 "associated service, c) the service deletes and says so",
                 x, 0);
    if (ret == KEEL_OK)
        ret = record(r, "5.11-4-1",
                     "units: a) the confirmation of the deletion reaches the user, b) on the "
                     "device, in clear terms",
                     x, 1);
    keel_wipe(x, sizeof(*x));
    free(x);
    return ret;
}
