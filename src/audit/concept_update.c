/* The conceptual test cases of updates on the IXIT's design tables:
 *   5.3-3-1 (IXIT 6-SoftComp, 7-UpdMech): updates are simple for the user to apply. Units:
 *     a) every updatable software component names an update mechanism that exists,
 *     b) each mechanism is automatic or needs at most KEEL_CONCEPT_USER_STEPS_MAX steps of
 *        the user, c) a component that cannot be updated says why.
 *   5.3-8-1 (IXIT 4-Conf, 8-UpdProc): security updates are timely. Units: a) the supplier
 *     confirms 5.3-8 (4-Conf), b) an update procedure states the longest time from a known
 *     vulnerability to its fix shipped (security_fix_days, 1-3650); the number is named. */
#include <stdio.h>
#include <string.h>

#include "concepts.h"

/* "Simple": the update is applied automatically, or with at most this many user steps (say,
 * "open the page" and "press install"). */
#define KEEL_CONCEPT_USER_STEPS_MAX 2
#define FIX_DAYS_MAX 3650

/* 0 when no update mechanism is implemented (update_mechanisms present and empty): condition
 * 12 (V2.1.1) / feature g (V3.1.3) absent. */
static int mechanisms_declared(const cJSON *mechs)
{
    return cJSON_GetArraySize(mechs) > 0;
}

/* b) one mechanism; 1 when it has a gap. */
static int mechanism_gap(const cJSON *m, size_t i, keel_audit_evidence *ev)
{
    char buf[48];
    const char *who = keel_audit_concept_label(m, "update_mechanisms", i, buf, sizeof(buf));
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(m, "user_steps");
    int automatic = keel_audit_concept_bool(m, "automatic");
    double n;

    if (automatic < 0 || !cJSON_IsNumber(steps) || steps->valuedouble < 0 ||
        steps->valuedouble > 1000 || steps->valuedouble != (double)(int)steps->valuedouble) {
        (void)keel_audit_evidence_addf(ev,
                                       "update_mechanisms[%zu] (%s): b) needs \"automatic\" "
                                       "(boolean) and \"user_steps\" (integer >= 0)",
                                       i, who);
        return 1;
    }
    n = steps->valuedouble;
    if (automatic) {
        (void)keel_audit_evidence_addf(ev, "%s: b) automatic (%d step(s) of the user)", who,
                                       (int)n);
        return 0;
    }
    if (n > KEEL_CONCEPT_USER_STEPS_MAX) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: b) not automatic and %d steps of the user (at most %d "
                                       "is simple)",
                                       who, (int)n, KEEL_CONCEPT_USER_STEPS_MAX);
        return 1;
    }
    (void)keel_audit_evidence_addf(ev, "%s: b) not automatic, %d step(s) of the user", who, (int)n);
    return 0;
}

/* a) and c) one component; 1 when it has a gap. */
static int component_gap(const cJSON *c, size_t i, const cJSON *mechs, keel_audit_evidence *ev)
{
    char buf[48];
    const char *who = keel_audit_concept_label(c, "software_components", i, buf, sizeof(buf));
    const char *version = keel_audit_concept_string(c, "version");
    const char *mech = keel_audit_concept_string(c, "update_mechanism");
    const char *why = keel_audit_concept_string(c, "justification");
    int updatable = keel_audit_concept_bool(c, "updatable");

    if (updatable < 0) {
        (void)keel_audit_evidence_addf(ev, "software_components[%zu].updatable: required boolean",
                                       i);
        return 1;
    }
    if (!updatable) {
        if (why == NULL) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s: c) cannot be updated and nothing says why "
                                           "(justification)",
                                           who);
            return 1;
        }
        (void)keel_audit_evidence_addf(ev, "%s: c) cannot be updated: %s", who, why);
        return 0;
    }
    if (mech == NULL) {
        (void)keel_audit_evidence_addf(ev, "%s: a) updatable but names no update_mechanism", who);
        return 1;
    }
    if (keel_audit_concept_find(mechs, "id", mech) == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: a) its update_mechanism '%s' is not among "
                                       "update_mechanisms",
                                       who, mech);
        return 1;
    }
    (void)keel_audit_evidence_addf(ev, "%s %s: a) updated by %s", who,
                                   version != NULL ? version : "(no version)", mech);
    return 0;
}

keel_audit_verdict keel_audit_concept_update_simple_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev)
{
    const cJSON *comps, *mechs, *e;
    size_t gaps = 0, i = 0, updatable = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) every updatable component names an existing "
                                       "update mechanism, b) each mechanism is automatic or "
                                       "needs at most 2 user steps, c) a component that cannot "
                                       "be updated says why");
    comps = keel_audit_concept_table(root, "software_components", "6-SoftComp", ev);
    mechs = keel_audit_concept_table(root, "update_mechanisms", "7-UpdMech", ev);
    if (comps == NULL || mechs == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(e, comps)
    {
        updatable += keel_audit_concept_bool(e, "updatable") == 1;
        gaps += (size_t)component_gap(e, i++, mechs, ev);
    }
    if (updatable == 0 && gaps == 0) {
        (void)keel_audit_evidence_addf(ev, "no software component is declared updatable");
        (void)keel_audit_evidence_addf(ev, v == KEEL_EN303645_V3_1_3
                                               ? "feature g (updatable components) is absent: "
                                                 "5.3-3 does not apply"
                                               : "condition 12 (an update mechanism) is absent: "
                                                 "5.3-3 does not apply");
        return KEEL_AUDIT_NA;
    }
    i = 0;
    cJSON_ArrayForEach(e, mechs) gaps += (size_t)mechanism_gap(e, i++, ev);
    (void)keel_audit_evidence_addf(
        ev, "%d component(s), %zu updatable, %d mechanism(s), %zu gap(s)",
        cJSON_GetArraySize(comps), updatable, cJSON_GetArraySize(mechs), gaps);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_concept_update_timely_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev)
{
    const cJSON *conf, *procs, *mechs, *e;
    char slowest[64] = "";
    double longest = -1;
    size_t gaps = 0, i = 0;
    int confirmed;

    (void)v;
    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) the supplier confirms 5.3-8 (4-Conf), b) the "
                                       "update procedures state the longest time to a security "
                                       "fix (security_fix_days)");
    mechs =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "update_mechanisms") : NULL;
    if (cJSON_IsArray(mechs) && !mechanisms_declared(mechs)) {
        (void)keel_audit_evidence_addf(ev, "update_mechanisms (7-UpdMech) is empty: condition 12 "
                                           "(an update mechanism is implemented) is absent: 5.3-8 "
                                           "does not apply");
        return KEEL_AUDIT_NA;
    }
    conf = keel_audit_concept_table(root, "confirmations", "4-Conf", ev);
    procs = keel_audit_concept_table(root, "update_procedures", "8-UpdProc", ev);
    if (conf == NULL || procs == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    confirmed = keel_audit_concept_confirmed(conf, "5.3-8", ev);
    cJSON_ArrayForEach(e, procs)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(e, "update_procedures", i, buf, sizeof(buf));
        const cJSON *days = cJSON_GetObjectItemCaseSensitive(e, "security_fix_days");

        if (!cJSON_IsNumber(days) || days->valuedouble < 1 || days->valuedouble > FIX_DAYS_MAX ||
            days->valuedouble != (double)(int)days->valuedouble) {
            (void)keel_audit_evidence_addf(ev,
                                           "update_procedures[%zu].security_fix_days: required "
                                           "integer 1-%d",
                                           i, FIX_DAYS_MAX);
            gaps++;
        } else {
            (void)keel_audit_evidence_addf(ev, "%s: b) a security fix within %d day(s)", who,
                                           (int)days->valuedouble);
            if (days->valuedouble > longest) {
                longest = days->valuedouble;
                (void)snprintf(slowest, sizeof(slowest), "%s", who);
            }
        }
        i++;
    }
    if (longest < 0) {
        (void)keel_audit_evidence_addf(ev, "b) no update procedure states the time to a "
                                           "security fix");
        return KEEL_AUDIT_FAIL;
    }
    (void)keel_audit_evidence_addf(ev, "b) security fixes ship within %d day(s) at the latest (%s)",
                                   (int)longest, slowest);
    return confirmed && gaps == 0 ? KEEL_AUDIT_PASS : KEEL_AUDIT_FAIL;
}
