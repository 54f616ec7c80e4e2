/* The conceptual test cases of personal data, telemetry and deletion (TS 103 701 5.8-3-1,
 * 5.10-1-1, 5.11-1-1, 5.11-2-1, 6-1-1, 6-2-1, 6-4-1, 6-5-1), judged on the IXIT alone. An
 * absent member says nothing (INCONCLUSIVE); a declared "none" gives N/A only where the
 * provision is conditional on it (condition 6/7 in V2.1.1, features v, w, x, y in V3.1.3). */
#include <string.h>
#include <strings.h>

#include "audit.h"

static const keel_audit_ixit_privacy *priv(const keel_audit_ixit *x)
{
    return x != NULL ? x->privacy : NULL;
}

/* Length of a document reference without its "#section". */
static size_t doc_len(const char *ref)
{
    const char *hash = strchr(ref, '#');

    return hash != NULL ? (size_t)(hash - ref) : strlen(ref);
}

/* The user_info document ref points into, or NULL. */
static const keel_audit_ixit_document *user_document(const keel_audit_ixit_privacy *p,
                                                     const char *ref)
{
    size_t n = doc_len(ref);

    for (size_t i = 0; n > 0 && i < p->user_info.count; i++) {
        const char *path = p->user_info.documents[i].path;
        if (doc_len(path) == n && strncmp(path, ref, n) == 0)
            return &p->user_info.documents[i];
    }
    return NULL;
}

/* 1 when the IXIT declares method (NULL: any) on path. */
static int route_declared(const keel_audit_ixit *x, const char *method, const char *path)
{
    for (size_t i = 0; i < x->route_count; i++) {
        if (strcmp(x->routes[i].path, path) == 0 &&
            (method == NULL || strcmp(x->routes[i].method, method) == 0))
            return 1;
    }
    return 0;
}

/* The consumer gets at least one document (2-UserInfo): 1, else a line and 0. */
static int documents_given(const keel_audit_ixit_privacy *p, keel_audit_evidence *ev)
{
    if (!p->user_info.present) {
        (void)keel_audit_evidence_addf(ev, "the IXIT has no user_info (2-UserInfo): no document "
                                           "the consumer gets is named");
        return 0;
    }
    if (p->user_info.count == 0) {
        (void)keel_audit_evidence_addf(ev, "user_info names no document: the consumer is not "
                                           "told");
        return 0;
    }
    for (size_t i = 0; i < p->user_info.count; i++)
        (void)keel_audit_evidence_addf(ev, "the consumer gets: %s (%s)",
                                       p->user_info.documents[i].title,
                                       p->user_info.documents[i].path);
    return 1;
}

static keel_audit_verdict missing(const char *member, const char *table, keel_audit_evidence *ev)
{
    (void)keel_audit_evidence_addf(ev, "the IXIT has no %s (%s): nothing to judge", member, table);
    return KEEL_AUDIT_INCONCLUSIVE;
}

/* ---- 5.8-3-1 ---- */

keel_audit_verdict keel_audit_sensing_judge(const keel_audit_ixit *x, keel_catalog_version v,
                                            keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    size_t gaps = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) every external sensing capability declared "
                                       "with what it senses, b) documented, c) in a document "
                                       "the owner is given (user_info)");
    if (p == NULL || p->sensing.declared == KEEL_AUDIT_UNDECLARED)
        return missing("sensing", "22-ExtSens", ev);
    if (p->sensing.declared == KEEL_AUDIT_DECLARED_NONE) {
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no external sensing capability");
        if (v == KEEL_EN303645_V3_1_3) {
            (void)keel_audit_evidence_addf(ev, "feature v (external sensing) is absent: 5.8-3 "
                                               "does not apply");
            return KEEL_AUDIT_NA;
        }
        (void)keel_audit_evidence_addf(ev, "V2.1.1 states 5.8-3 without a condition: no "
                                           "capability, nothing to document");
        return KEEL_AUDIT_PASS;
    }
    if (!p->user_info.present || p->user_info.count == 0) {
        (void)documents_given(p, ev);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    for (size_t i = 0; i < p->sensing.count; i++) {
        const keel_audit_ixit_sensor *s = &p->sensing.items[i];
        const keel_audit_ixit_document *d = user_document(p, s->documented_in);

        if (d == NULL) {
            gaps++;
            (void)keel_audit_evidence_addf(ev,
                                           "%s: documented in %s, which is not a document the "
                                           "owner is given (user_info)",
                                           s->capability, s->documented_in);
        } else {
            (void)keel_audit_evidence_addf(ev, "%s (%s): documented in %s (%s)", s->capability,
                                           s->what, s->documented_in, d->title);
        }
    }
    (void)keel_audit_evidence_addf(ev, "%zu of %zu sensing capabilities documented for the owner",
                                   p->sensing.count - gaps, p->sensing.count);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* ---- telemetry: 5.10-1-1, 6-4-1, 6-5-1 ---- */

/* 0 when telemetry is declared; else 1 with *v for absent (INCONCLUSIVE) or none (N/A). */
static int telemetry_decides(const keel_audit_ixit_privacy *p, keel_audit_verdict *v,
                             keel_audit_evidence *ev)
{
    if (p == NULL || p->telemetry.declared == KEEL_AUDIT_UNDECLARED) {
        *v = missing("telemetry", "24-TelData; null when none is collected", ev);
        return 1;
    }
    if (p->telemetry.declared == KEEL_AUDIT_DECLARED_NONE) {
        (void)keel_audit_evidence_addf(ev, "the IXIT declares that no telemetry is collected "
                                           "(condition 6 in V2.1.1, feature w in V3.1.3): not "
                                           "applicable");
        *v = KEEL_AUDIT_NA;
        return 1;
    }
    return 0;
}

/* 1 when text says that nobody does it. */
static int says_nobody(const char *text)
{
    static const char *const nobody[] = {"none", "nobody", "no one",       "n/a",
                                         "na",   "-",      "not examined", "nothing"};

    for (size_t i = 0; i < sizeof(nobody) / sizeof(nobody[0]); i++) {
        if (strcasecmp(text, nobody[i]) == 0)
            return 1;
    }
    return 0;
}

keel_audit_verdict keel_audit_telemetry_examined_judge(const keel_audit_ixit *x,
                                                       keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    const keel_audit_ixit_telemetry *t;
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;

    if (ev == NULL)
        return v;
    (void)keel_audit_evidence_addf(ev, "units: a) the telemetry collected is declared, b) how "
                                       "it is examined for security anomalies");
    if (telemetry_decides(p, &v, ev))
        return v;
    t = &p->telemetry;
    (void)keel_audit_evidence_addf(ev, "telemetry: %s | recipient: %s | purpose: %s", t->topic,
                                   t->recipient, t->purpose);
    if (t->examined_by[0] == '\0' || says_nobody(t->examined_by)) {
        (void)keel_audit_evidence_addf(ev,
                                       "examined_by: '%s': nobody examines it for security "
                                       "anomalies",
                                       t->examined_by);
        return KEEL_AUDIT_FAIL;
    }
    (void)keel_audit_evidence_addf(ev, "examined for security anomalies by: %s", t->examined_by);
    return KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_telemetry_minimal_judge(const keel_audit_ixit *x,
                                                      keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    size_t personal = 0, unjustified = 0;

    if (ev == NULL)
        return v;
    (void)keel_audit_evidence_addf(ev, "units: a) the telemetry carries no personal data beyond "
                                       "what its declared purpose needs");
    if (telemetry_decides(p, &v, ev))
        return v;
    for (size_t i = 0; i < p->telemetry.field_count; i++) {
        const keel_audit_ixit_telemetry_field *f = &p->telemetry.fields[i];

        if (!f->personal)
            continue;
        personal++;
        if (f->justification[0] == '\0') {
            unjustified++;
            (void)keel_audit_evidence_addf(ev,
                                           "field %s is personal data and nothing says why "
                                           "the purpose needs it",
                                           f->name);
        } else {
            (void)keel_audit_evidence_addf(ev, "field %s is personal data: %s", f->name,
                                           f->justification);
        }
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%zu telemetry field(s), %zu marked personal, %zu without "
                                   "a justification",
                                   p->telemetry.field_count, personal, unjustified);
    return unjustified > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_telemetry_info_judge(const keel_audit_ixit *x,
                                                   keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    int docs;

    if (ev == NULL)
        return v;
    (void)keel_audit_evidence_addf(ev, "units: a) the telemetry's fields, how they are used, by "
                                       "whom and why, documented for the consumer");
    if (telemetry_decides(p, &v, ev))
        return v;
    (void)keel_audit_evidence_addf(ev, "telemetry: %s | recipient: %s | purpose: %s",
                                   p->telemetry.topic, p->telemetry.recipient,
                                   p->telemetry.purpose);
    for (size_t i = 0; i < p->telemetry.field_count; i++)
        (void)keel_audit_evidence_addf(ev, "field %s: %s", p->telemetry.fields[i].name,
                                       p->telemetry.fields[i].meaning);
    docs = documents_given(p, ev);
    if (p->telemetry.field_count == 0)
        (void)keel_audit_evidence_addf(ev, "no field of the telemetry is declared: what is "
                                           "collected is not said");
    return p->telemetry.field_count > 0 && docs ? KEEL_AUDIT_PASS : KEEL_AUDIT_FAIL;
}

/* ---- personal data: 6-1-1, 6-2-1 ---- */

/* One datum's gaps, named; 1 when it has any. */
static int datum_gaps(const keel_audit_ixit_datum *d, keel_audit_evidence *ev)
{
    const char *basis = keel_audit_legal_basis_name(d->legal_basis);
    int gap = 0;

    if (d->purpose[0] == '\0' || d->retention[0] == '\0' || basis == NULL || d->datum[0] == '\0') {
        (void)keel_audit_evidence_addf(
            ev, "%s: lacks its%s%s%s%s", d->id, d->datum[0] == '\0' ? " description" : "",
            d->purpose[0] == '\0' ? " purpose" : "", basis == NULL ? " legal basis" : "",
            d->retention[0] == '\0' ? " retention" : "");
        gap = 1;
    }
    if (d->legal_basis == KEEL_AUDIT_BASIS_CONSENT && d->consent_purpose[0] == '\0') {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: processed on consent, but names no consent "
                                       "purpose",
                                       d->id);
        gap = 1;
    }
    if (gap)
        return 1;
    (void)keel_audit_evidence_addf(ev,
                                   "%s: %s | purpose: %s | basis: %s | retention: %s | "
                                   "recipients: %s%s",
                                   d->id, d->datum, d->purpose, basis, d->retention,
                                   d->recipient_count > 0 ? d->recipients[0]
                                                          : "none besides the controller",
                                   d->recipient_count > 1 ? " and others" : "");
    return 0;
}

keel_audit_verdict keel_audit_personal_data_judge(const keel_audit_ixit *x, keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    size_t gaps = 0;
    int docs;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) what personal data is processed, why, on what "
                                       "basis, for how long and by whom, in a document the "
                                       "consumer gets");
    if (p == NULL || !p->personal_data.present)
        return missing("personal_data", "21-PersData", ev);
    if (p->personal_data.data_count == 0) {
        (void)keel_audit_evidence_addf(ev, "personal_data lists no datum: what the consumer is "
                                           "told cannot be judged");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev, "controller: %s", p->personal_data.controller);
    for (size_t i = 0; i < p->personal_data.data_count; i++)
        gaps += (size_t)datum_gaps(&p->personal_data.data[i], ev);
    docs = documents_given(p, ev);
    (void)keel_audit_evidence_addf(ev, "%zu of %zu personal data fully described",
                                   p->personal_data.data_count - gaps, p->personal_data.data_count);
    return gaps == 0 && docs && p->personal_data.controller[0] != '\0' ? KEEL_AUDIT_PASS
                                                                       : KEEL_AUDIT_FAIL;
}

static int consent_gaps(const keel_audit_ixit *x, const keel_audit_ixit_consent *c,
                        keel_audit_evidence *ev)
{
    int gap = 0;

    if (c->default_on) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: on by default: consent must be asked, not "
                                       "assumed",
                                       c->purpose);
        gap = 1;
    }
    if (!route_declared(x, "POST", c->route)) {
        (void)keel_audit_evidence_addf(ev, "%s: its route POST %s is not among the IXIT's routes",
                                       c->purpose, c->route);
        gap = 1;
    }
    if (!gap)
        (void)keel_audit_evidence_addf(ev,
                                       "%s: off by default, given and withdrawn at POST %s "
                                       "(%s)",
                                       c->purpose, c->route, c->description);
    return gap;
}

keel_audit_verdict keel_audit_consent_judge(const keel_audit_ixit *x, keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    size_t on_consent = 0, gaps = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) consent is obtained validly: each purpose "
                                       "asked explicitly, off until given, through a declared "
                                       "route");
    if (p == NULL || !p->personal_data.present)
        return missing("personal_data", "21-PersData", ev);
    for (size_t i = 0; i < p->personal_data.data_count; i++) {
        const keel_audit_ixit_datum *d = &p->personal_data.data[i];
        if (d->legal_basis != KEEL_AUDIT_BASIS_CONSENT)
            continue;
        on_consent++;
        if (d->consent_purpose[0] == '\0') {
            gaps++;
            (void)keel_audit_evidence_addf(ev,
                                           "%s: processed on consent, but names no consent "
                                           "purpose",
                                           d->id);
        }
    }
    if (on_consent == 0 && p->personal_data.consent_count == 0) {
        (void)keel_audit_evidence_addf(ev, "no personal datum is processed on the basis of "
                                           "consent (condition 7 in V2.1.1, feature y in "
                                           "V3.1.3): not applicable");
        return KEEL_AUDIT_NA;
    }
    for (size_t i = 0; i < p->personal_data.consent_count; i++)
        gaps += (size_t)consent_gaps(x, &p->personal_data.consent[i], ev);
    if (p->personal_data.consent_count == 0) {
        gaps++;
        (void)keel_audit_evidence_addf(ev, "data are processed on consent, but no consent "
                                           "purpose is declared");
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%zu datum/data processed on consent, %zu purpose(s), "
                                   "%zu gap(s)",
                                   on_consent, p->personal_data.consent_count, gaps);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* ---- deletion: 5.11-1-1, 5.11-2-1 ---- */

keel_audit_verdict keel_audit_deletion_device_judge(const keel_audit_ixit *x,
                                                    keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    const keel_audit_ixit_deletion *d;
    int declared;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) a function erases the user data from the "
                                       "device, b) on a declared interface, c) with instructions "
                                       "for the user");
    if (p == NULL || !p->deletion.present)
        return missing("deletion", "25-DelFunc", ev);
    d = &p->deletion;
    declared = route_declared(x, d->reset.method, d->reset.path);
    (void)keel_audit_evidence_addf(ev, "reset: %s %s%s%s", d->reset.method, d->reset.path,
                                   d->restarts ? ", the device restarts in its factory state" : "",
                                   declared ? "" : ": not among the IXIT's routes");
    (void)keel_audit_evidence_addf(ev,
                                   "%zu kind(s) of user data can be planted for the "
                                   "functional test (user_data)",
                                   d->user_data_count);
    (void)keel_audit_evidence_addf(ev, "instructions for the user: %s", d->instructions);
    return declared ? KEEL_AUDIT_PASS : KEEL_AUDIT_FAIL;
}

keel_audit_verdict keel_audit_deletion_service_judge(const keel_audit_ixit *x,
                                                     keel_catalog_version v,
                                                     keel_audit_evidence *ev)
{
    const keel_audit_ixit_privacy *p = priv(x);
    const keel_audit_ixit_deletion *d;
    int request, status;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) a function on the device asks the associated "
                                       "service to delete the personal data, b) its outcome can "
                                       "be read back");
    if (p == NULL || !p->deletion.present)
        return missing("deletion", "25-DelFunc", ev);
    d = &p->deletion;
    if (d->service == KEEL_AUDIT_DECLARED_NONE) {
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no associated service that keeps "
                                           "personal data (deletion.service null)");
        if (v == KEEL_EN303645_V3_1_3)
            return KEEL_AUDIT_NA; /* feature x absent */
        (void)keel_audit_evidence_addf(ev, "V2.1.1 states 5.11-2 without a condition: the ICS "
                                           "must justify it (4-1)");
        return KEEL_AUDIT_FAIL;
    }
    if (d->service != KEEL_AUDIT_DECLARED)
        return missing("deletion.service", "25-DelFunc", ev);
    request = route_declared(x, d->service_request.method, d->service_request.path);
    status = route_declared(x, "GET", d->status_path);
    (void)keel_audit_evidence_addf(ev, "request: %s %s%s", d->service_request.method,
                                   d->service_request.path,
                                   request ? "" : ": not among the IXIT's routes");
    (void)keel_audit_evidence_addf(ev, "status: GET %s, %s = %s once confirmed%s", d->status_path,
                                   d->status_field, d->status_confirmed,
                                   status ? "" : ": not among the IXIT's routes");
    return request && status ? KEEL_AUDIT_PASS : KEEL_AUDIT_FAIL;
}
