/* The conceptual test cases of personal data on the IXIT's design tables (21-PersData,
 * 11-ComMech, 25-DelFunc and the routes of 15-Intf):
 *   5.8-2-1 every personal datum marked sensitive that goes to a recipient (an associated
 *     service) is carried ("personal_data:<id>") only by communication mechanisms whose
 *     security is best practice (a).
 *   6-3B-1 (V3.1.3) every consent purpose has a route that records the choice (POST on its
 *     declared route, among the IXIT's routes: a) and a GET route at that path or under it
 *     that reads the records back (b).
 *   6-6-1 (V3.1.3) every personal datum states its retention (a); one that is stored has a
 *     retention_days or is erased by a deletion function (the IXIT's deletion.reset, or its
 *     own "deletion") (b); none is kept indefinitely ("indefinitely", "forever",
 *     "permanently", "unlimited") without a retention_justification (c). */
#include <stdio.h>
#include <string.h>

#include "concepts.h"

#define RETENTION_DAYS_MAX 36500 /* a hundred years */

/* personal_data (an object) and its array member list; NULL with an evidence line. */
static const cJSON *personal_list(const cJSON *root, const char *list, keel_audit_evidence *ev)
{
    const cJSON *pd =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "personal_data") : NULL;
    const cJSON *a;

    if (!cJSON_IsObject(pd)) {
        (void)keel_audit_evidence_addf(ev, "the IXIT has no personal_data (21-PersData): nothing "
                                           "to judge");
        return NULL;
    }
    a = cJSON_GetObjectItemCaseSensitive(pd, list);
    if (!cJSON_IsArray(a)) {
        (void)keel_audit_evidence_addf(ev,
                                       "personal_data.%s (21-PersData) is not an array: "
                                       "nothing to judge",
                                       list);
        return NULL;
    }
    return a;
}

static int has_recipients(const cJSON *d)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "recipients")) > 0;
}

/* ---- 5.8-2-1 ---- */

/* a) one sensitive datum sent out; 1 when it has a gap. */
static int sensitive_gap(const cJSON *d, const char *who, const cJSON *mechs,
                         keel_audit_evidence *ev)
{
    const char *id = keel_audit_concept_string(d, "id");
    char item[160];
    size_t carried = 0;
    int gap = 0;
    const cJSON *m;

    (void)snprintf(item, sizeof(item), "personal_data:%s", id != NULL ? id : "");
    cJSON_ArrayForEach(m, mechs)
    {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(m, "carries"), *e;
        int hit = 0;
        char what[200];

        cJSON_ArrayForEach(e, list) hit |=
            cJSON_IsString(e) && e->valuestring != NULL && strcmp(e->valuestring, item) == 0;
        if (!hit || id == NULL)
            continue;
        carried++;
        (void)snprintf(what, sizeof(what), "%s (sensitive) over %s", who,
                       keel_audit_concept_string(m, "id") != NULL
                           ? keel_audit_concept_string(m, "id")
                           : "a mechanism without id");
        gap |= !keel_audit_concept_best_practice(what, keel_audit_concept_string(m, "security"), 1,
                                                 ev);
    }
    if (carried == 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s (sensitive) goes to a recipient, but no communication "
                                       "mechanism carries \"%s\": its protection is not "
                                       "documented",
                                       who, item);
        return 1;
    }
    return gap;
}

keel_audit_verdict keel_audit_concept_sensitive_judge(const cJSON *root, keel_catalog_version v,
                                                      keel_audit_evidence *ev)
{
    const cJSON *data, *mechs = NULL, *d;
    size_t scope = 0, gaps = 0, i = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) every sensitive personal datum sent to an "
                                       "associated service goes over communication mechanisms "
                                       "whose cryptography is best practice");
    data = personal_list(root, "data", ev);
    if (data == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(d, data) scope +=
        keel_audit_concept_bool(d, "sensitive") == 1 && has_recipients(d);
    if (scope > 0 && (mechs = keel_audit_concept_table(root, "communication_mechanisms",
                                                       "11-ComMech", ev)) == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(d, data)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(d, "personal_data.data", i++, buf, sizeof(buf));

        if (keel_audit_concept_bool(d, "sensitive") == 1 && has_recipients(d))
            gaps += (size_t)sensitive_gap(d, who, mechs, ev);
    }
    if (scope == 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "no personal datum marked sensitive goes to a "
                                       "recipient (%d datum/data declared)",
                                       cJSON_GetArraySize(data));
        if (v == KEEL_EN303645_V3_1_3) {
            (void)keel_audit_evidence_addf(ev, "feature u is absent: 5.8-2 does not apply");
            return KEEL_AUDIT_NA;
        }
        (void)keel_audit_evidence_addf(ev, "V2.1.1 states 5.8-2 without a condition: nothing "
                                           "sensitive is exchanged");
        return KEEL_AUDIT_PASS;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%zu of %zu sensitive data sent out are protected with "
                                   "best-practice cryptography",
                                   scope - gaps, scope);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* ---- 6-3B-1 ---- */

/* 1 when routes declares method on path (prefix: also under path). */
static int route(const cJSON *routes, const char *method, const char *path, int prefix)
{
    size_t n = strlen(path);
    const cJSON *r;

    cJSON_ArrayForEach(r, routes)
    {
        const char *m = keel_audit_concept_string(r, "method");
        const char *p = keel_audit_concept_string(r, "path");

        if (m == NULL || p == NULL || strcmp(m, method) != 0)
            continue;
        if (strcmp(p, path) == 0 ||
            (prefix && strncmp(p, path, n) == 0 && (p[n] == '/' || p[n] == '?')))
            return 1;
    }
    return 0;
}

keel_audit_verdict keel_audit_concept_consent_record_judge(const cJSON *root,
                                                           keel_catalog_version v,
                                                           keel_audit_evidence *ev)
{
    const cJSON *consent, *data, *routes, *c, *d;
    size_t on_consent = 0, gaps = 0, i = 0;

    (void)v;
    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units, per consent purpose: a) a declared route records "
                                       "the consumer's choice, b) a GET route reads the records "
                                       "back");
    consent = personal_list(root, "consent", ev);
    data = consent != NULL ? personal_list(root, "data", ev) : NULL;
    if (consent == NULL || data == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(d, data)
    {
        const char *basis = keel_audit_concept_string(d, "legal_basis");
        on_consent += basis != NULL && strcmp(basis, "consent") == 0;
    }
    if (on_consent == 0 && cJSON_GetArraySize(consent) == 0) {
        (void)keel_audit_evidence_addf(ev, "no personal datum is processed on the basis of "
                                           "consent: feature y is absent: 6-3B does not apply");
        return KEEL_AUDIT_NA;
    }
    if (cJSON_GetArraySize(consent) == 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%zu datum/data processed on consent, but no consent "
                                       "purpose is declared: nothing records it",
                                       on_consent);
        return KEEL_AUDIT_FAIL;
    }
    routes = keel_audit_concept_table(root, "routes", "15-Intf", ev);
    if (routes == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(c, consent)
    {
        const char *purpose = keel_audit_concept_string(c, "purpose");
        const char *path = keel_audit_concept_string(c, "route");
        int records, reads;

        if (purpose == NULL || path == NULL) {
            (void)keel_audit_evidence_addf(ev,
                                           "personal_data.consent[%zu]: needs \"purpose\" and "
                                           "\"route\"",
                                           i++);
            gaps++;
            continue;
        }
        i++;
        records = route(routes, "POST", path, 0) || route(routes, "PUT", path, 0);
        reads = route(routes, "GET", path, 1);
        (void)keel_audit_evidence_addf(ev, "%s: a) %s %s, b) %s", purpose,
                                       records ? "recorded at POST" : "no POST or PUT route at",
                                       path,
                                       reads ? "read back with GET at that path"
                                             : "no GET route at that path or under it reads "
                                               "the records back");
        gaps += !(records && reads);
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%d consent purpose(s), %zu without a recorded and "
                                   "readable choice",
                                   cJSON_GetArraySize(consent), gaps);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* ---- 6-6-1 ---- */

static const keel_audit_concept_term forever[] = {
    {"indefinitely", NULL, "indefinitely"}, {"indefinite", NULL, "indefinitely"},
    {"forever", NULL, "forever"},           {"permanently", NULL, "permanently"},
    {"unlimited", NULL, "unlimited"},       {"no limit", NULL, "without a limit"},
};

static const keel_audit_concept_term memory_only[] = {
    {"memory only", NULL, ""},  {"never written", NULL, ""}, {"not stored", NULL, ""},
    {"never stored", NULL, ""}, {"ram only", NULL, ""},
};

/* 1 when the datum's "stored" says it is never stored. */
static int not_stored(const cJSON *d)
{
    const char *stored = keel_audit_concept_string(d, "stored");
    int negated = 0;

    if (stored == NULL)
        return 0;
    return keel_audit_concept_mentions(
               stored, memory_only, sizeof(memory_only) / sizeof(memory_only[0]), &negated) >= 0 ||
           negated;
}

/* One datum; 1 when it has a gap. */
static int retention_gap(const cJSON *d, size_t i, const char *reset, keel_audit_evidence *ev)
{
    char buf[48];
    const char *who = keel_audit_concept_label(d, "personal_data.data", i, buf, sizeof(buf));
    const char *retention = keel_audit_concept_string(d, "retention");
    const char *why = keel_audit_concept_string(d, "retention_justification");
    const char *own = keel_audit_concept_string(d, "deletion");
    const cJSON *days = cJSON_GetObjectItemCaseSensitive(d, "retention_days");
    int f;

    if (retention == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: a) personal_data.data[%zu].retention: required "
                                       "string",
                                       who, i);
        return 1;
    }
    f = keel_audit_concept_mentions(retention, forever, sizeof(forever) / sizeof(forever[0]), NULL);
    if (f >= 0 && why == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: a) '%s': c) kept %s, and no retention_justification "
                                       "says why",
                                       who, retention, forever[f].name);
        return 1;
    }
    if (not_stored(d)) {
        (void)keel_audit_evidence_addf(ev, "%s: a) '%s': b) not stored", who, retention);
        return 0;
    }
    if (cJSON_IsNumber(days) && (days->valuedouble < 0 || days->valuedouble > RETENTION_DAYS_MAX)) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: b) personal_data.data[%zu].retention_days: an integer "
                                       "0-%d or null",
                                       who, i, RETENTION_DAYS_MAX);
        return 1;
    }
    if (cJSON_IsNumber(days)) {
        (void)keel_audit_evidence_addf(ev, "%s: a) '%s': b) deleted after %d day(s)", who,
                                       retention, (int)days->valuedouble);
        return 0;
    }
    if (own != NULL || reset != NULL) {
        (void)keel_audit_evidence_addf(ev, "%s: a) '%s': b) deleted by %s", who, retention,
                                       own != NULL ? own : reset);
        return 0;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%s: a) '%s': b) stored, with no retention_days and no "
                                   "deletion function",
                                   who, retention);
    return 1;
}

keel_audit_verdict keel_audit_concept_retention_judge(const cJSON *root, keel_catalog_version v,
                                                      keel_audit_evidence *ev)
{
    const cJSON *data, *d, *del, *reset;
    char reset_text[160] = "";
    size_t gaps = 0, i = 0, n;

    (void)v;
    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units, per personal datum: a) its retention stated, b) "
                                       "when stored, a number of days or a deletion function, "
                                       "c) nothing kept indefinitely without a justification");
    data = personal_list(root, "data", ev);
    if (data == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    n = (size_t)cJSON_GetArraySize(data);
    if (n == 0) {
        (void)keel_audit_evidence_addf(ev, "personal_data declares no datum: feature z is absent: "
                                           "6-6 does not apply");
        return KEEL_AUDIT_NA;
    }
    del = cJSON_GetObjectItemCaseSensitive(root, "deletion");
    reset = cJSON_GetObjectItemCaseSensitive(del, "reset");
    if (keel_audit_concept_string(reset, "method") != NULL &&
        keel_audit_concept_string(reset, "path") != NULL)
        (void)snprintf(
            reset_text, sizeof(reset_text), "the device's deletion function %s %s (25-DelFunc)",
            keel_audit_concept_string(reset, "method"), keel_audit_concept_string(reset, "path"));
    cJSON_ArrayForEach(d, data) gaps +=
        (size_t)retention_gap(d, i++, reset_text[0] != '\0' ? reset_text : NULL, ev);
    (void)keel_audit_evidence_addf(ev, "%zu of %zu personal data kept only as long as needed",
                                   n - gaps, n);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}
