/* The judgements of 5.13-1B (V2.1.1: 5.13-1), apart from the network. Functional: malformed
 * input is refused with a client error (4xx) of one uniform shape, never accepted (2xx, 3xx)
 * nor failed on inside (5xx), and the device still answers afterwards. Conceptual: every
 * declared route declares the input it takes. */
#include <ctype.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"

#define SHAPES_MAX 8

void keel_audit_error_shape(const char *content_type, const char *body, size_t len, char *out,
                            size_t outsz)
{
    char media[64];
    size_t m = 0, at;
    cJSON *json;

    if (out == NULL || outsz == 0)
        return;
    for (const char *c = content_type != NULL ? content_type : "";
         *c != '\0' && *c != ';' && m + 1 < sizeof(media); c++) {
        if (*c != ' ' && *c != '\t')
            media[m++] = (char)tolower((unsigned char)*c);
    }
    media[m] = '\0';
    if (body == NULL || len == 0) {
        (void)keel_str_format(out, outsz, "%s empty", m > 0 ? media : "none");
        return;
    }
    json = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(json)) {
        (void)keel_str_format(out, outsz, "%s %s", m > 0 ? media : "none",
                              json != NULL ? "json" : "text");
        cJSON_Delete(json);
        return;
    }
    (void)keel_str_format(out, outsz, "%s {", m > 0 ? media : "none");
    at = strlen(out);
    for (const cJSON *e = json->child; e != NULL && at + 2 < outsz; e = e->next) {
        int n = snprintf(out + at, outsz - at, "%s%.24s", e == json->child ? "" : ",",
                         e->string != NULL ? e->string : "");
        if (n < 0 || (size_t)n >= outsz - at)
            break;
        at += (size_t)n;
    }
    if (at + 1 < outsz) {
        out[at++] = '}';
        out[at] = '\0';
    }
    cJSON_Delete(json);
}

typedef enum outcome { REFUSED, CLOSED, IGNORED, ACCEPTED, SERVER_ERROR, SILENT } outcome;

static outcome classify(const keel_audit_bad_probe *p)
{
    if (p->status >= 400 && p->status <= 499)
        return REFUSED;
    if (p->status >= 500)
        return SERVER_ERROR;
    if (p->status == 0)
        return p->may_close ? CLOSED : SILENT;
    if (p->framing && p->status == p->baseline)
        return IGNORED;
    return ACCEPTED;
}

static void name_offender(const keel_audit_bad_probe *p, outcome o, keel_audit_evidence *ev)
{
    const char *kind = keel_audit_bad_kind_name(p->kind);

    if (o == SILENT)
        (void)keel_audit_evidence_addf(ev, "%s %s (%s): no answer", p->method,
                                       p->path != NULL ? p->path : "?", kind ? kind : "?");
    else
        (void)keel_audit_evidence_addf(
            ev, "%s %s (%s): HTTP %ld%s%s", p->method, p->path != NULL ? p->path : "?",
            kind ? kind : "?", p->status,
            o == SERVER_ERROR ? ": it failed inside" : ": the malformed request was taken",
            o == ACCEPTED && p->framing ? " (not as without the fault)" : "");
}

typedef struct shapes {
    char name[SHAPES_MAX][sizeof(((keel_audit_bad_probe *)0)->shape)];
    size_t count[SHAPES_MAX];
    const keel_audit_bad_probe *example[SHAPES_MAX];
    size_t n;
    size_t more; /* answers of shapes past SHAPES_MAX */
} shapes;

static void add_shape(shapes *s, const keel_audit_bad_probe *p)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->name[i], p->shape) == 0) {
            s->count[i]++;
            return;
        }
    }
    if (s->n == SHAPES_MAX) {
        s->more++;
        return;
    }
    (void)keel_str_copy(s->name[s->n], sizeof(s->name[s->n]), p->shape);
    s->count[s->n] = 1;
    s->example[s->n++] = p;
}

/* 1 when the error answers are not of one shape. */
static int judge_shapes(const shapes *s, keel_audit_evidence *ev)
{
    for (size_t i = 0; i < s->n; i++)
        (void)keel_audit_evidence_addf(ev, "error answers shaped %s: %zu (e.g. %s %s, %s)",
                                       s->name[i], s->count[i], s->example[i]->method,
                                       s->example[i]->path ? s->example[i]->path : "?",
                                       keel_audit_bad_kind_name(s->example[i]->kind));
    if (s->n + (s->more > 0) <= 1)
        return 0;
    (void)keel_audit_evidence_addf(ev,
                                   "the error answers are of %zu%s shapes, not one uniform "
                                   "error",
                                   s->n, s->more > 0 ? "+" : "");
    return 1;
}

static int judge_after(const keel_audit_campaign *c, keel_audit_evidence *ev)
{
    const char *path = c->status_path != NULL ? c->status_path : "the status route";

    if (c->status_after == 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "GET %s afterwards: no answer: the device did not "
                                       "come through the campaign",
                                       path);
        return 1;
    }
    if (c->status_after >= 500) {
        (void)keel_audit_evidence_addf(ev,
                                       "GET %s afterwards: HTTP %ld: the device did not come "
                                       "through the campaign",
                                       path, c->status_after);
        return 1;
    }
    (void)keel_audit_evidence_addf(ev, "GET %s afterwards: HTTP %ld: the device still answers",
                                   path, c->status_after);
    return 0;
}

keel_audit_verdict keel_audit_malformed_judge(const keel_audit_bad_probe *p, size_t n,
                                              const keel_audit_campaign *c, keel_audit_evidence *ev)
{
    size_t count[SILENT + 1] = {0}, named = 0;
    shapes s;
    int failed;

    if (c == NULL || ev == NULL || (p == NULL && n > 0))
        return KEEL_AUDIT_INCONCLUSIVE;
    memset(&s, 0, sizeof(s));
    for (size_t i = 0; i < n; i++) {
        outcome o = classify(&p[i]);
        count[o]++;
        if (o == REFUSED)
            add_shape(&s, &p[i]);
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%zu of %zu planned malformed requests sent: %zu refused "
                                   "(4xx), %zu refused by closing the connection, %zu ignored "
                                   "(answered as without the fault), %zu taken (2xx/3xx), %zu "
                                   "server errors (5xx), %zu unanswered",
                                   n, c->planned, count[REFUSED], count[CLOSED], count[IGNORED],
                                   count[ACCEPTED], count[SERVER_ERROR], count[SILENT]);
    for (size_t i = 0; i < n; i++) {
        outcome o = classify(&p[i]);
        if (o >= ACCEPTED && named++ < KEEL_AUDIT_MALFORMED_NAMED_MAX)
            name_offender(&p[i], o, ev);
    }
    if (named > KEEL_AUDIT_MALFORMED_NAMED_MAX)
        (void)keel_audit_evidence_addf(ev, "%zu more offending requests not named",
                                       named - KEEL_AUDIT_MALFORMED_NAMED_MAX);
    failed = named > 0;
    failed |= judge_shapes(&s, ev);
    failed |= judge_after(c, ev);
    if (c->cut_short)
        (void)keel_audit_evidence_addf(ev,
                                       "the campaign was cut short by its bounds (%d "
                                       "requests, %lld ms)",
                                       KEEL_AUDIT_MALFORMED_REQUESTS_MAX,
                                       KEEL_AUDIT_MALFORMED_TIME_MS);
    if (c->unreached > 0)
        (void)keel_audit_evidence_addf(ev,
                                       "%zu route(s) taking a body need a session: their "
                                       "bodies were not reached (give --password)",
                                       c->unreached);
    if (failed)
        return KEEL_AUDIT_FAIL;
    if (n == 0 || c->cut_short || c->unreached > 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    return KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_declared_input_judge(const keel_audit_ixit *ixit,
                                                   keel_audit_evidence *ev)
{
    size_t missing = 0, declared = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (ixit == NULL || ixit->route_count == 0) {
        (void)keel_audit_evidence_addf(ev, "no IXIT routes");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    for (size_t i = 0; i < ixit->route_count; i++)
        declared += ixit->routes[i].has_max_body || ixit->routes[i].has_body;
    if (declared == 0) {
        /* An IXIT of an earlier shape: it says nothing of the routes' input either way. */
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no route's input (max_body, body): "
                                           "the design cannot be judged from it");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    for (size_t i = 0; i < ixit->route_count; i++) {
        const keel_audit_ixit_route *r = &ixit->routes[i];

        if (!r->has_max_body) {
            (void)keel_audit_evidence_addf(ev, "%s %s: no declared max_body", r->method, r->path);
            missing++;
        } else if (r->max_body > 0 && !r->has_body) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s %s: takes up to %zu bytes, no declared body "
                                           "shape",
                                           r->method, r->path, r->max_body);
            missing++;
        }
    }
    if (missing > 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%zu of %zu declared routes do not declare the input "
                                       "they take",
                                       missing, ixit->route_count);
        return KEEL_AUDIT_FAIL;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "all %zu declared routes declare their largest body and, "
                                   "where they take one, its members and types",
                                   ixit->route_count);
    return KEEL_AUDIT_PASS;
}
