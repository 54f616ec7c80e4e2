/* 5.13-1A-1 (V3.1.3; IXIT 27-UserIntf, 29-InpVal): the device software validates the data
 * input through user interfaces. Units: a) every input of every user interface has an
 * input_validation entry (interface: the user interface's id, input: the input as
 * user_interfaces names it), b) that entry says how it is validated. */
#include <string.h>

#include "concepts.h"

/* The validation of input on interface, or NULL. */
static const char *validation_of(const cJSON *validations, const char *interface, const char *input)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, validations)
    {
        const char *i = keel_audit_concept_string(e, "interface");
        const char *in = keel_audit_concept_string(e, "input");

        if (i != NULL && in != NULL && strcmp(i, interface) == 0 && strcmp(in, input) == 0)
            return keel_audit_concept_string(e, "validation");
    }
    return NULL;
}

keel_audit_verdict keel_audit_concept_input_judge(const cJSON *root, keel_catalog_version v,
                                                  keel_audit_evidence *ev)
{
    const cJSON *uis, *vals, *ui;
    size_t inputs = 0, gaps = 0, i = 0;

    (void)v;
    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) every input of every user interface has an "
                                       "input_validation entry, b) saying how it is validated");
    uis = keel_audit_concept_table(root, "user_interfaces", "27-UserIntf", ev);
    vals = keel_audit_concept_table(root, "input_validation", "29-InpVal", ev);
    if (uis == NULL || vals == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(ui, uis)
    {
        const char *id = keel_audit_concept_string(ui, "id");
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(ui, "inputs"), *in;

        if (id == NULL || !cJSON_IsArray(list)) {
            (void)keel_audit_evidence_addf(ev,
                                           "user_interfaces[%zu]: needs \"id\" and \"inputs\" (an "
                                           "array of strings)",
                                           i++);
            gaps++;
            continue;
        }
        i++;
        cJSON_ArrayForEach(in, list)
        {
            const char *name =
                cJSON_IsString(in) && in->valuestring != NULL && in->valuestring[0] != '\0'
                    ? in->valuestring
                    : NULL;
            const char *how;

            inputs++;
            if (name == NULL) {
                (void)keel_audit_evidence_addf(ev, "%s: an input that is not a non-empty string",
                                               id);
                gaps++;
                continue;
            }
            how = validation_of(vals, id, name);
            if (how == NULL) {
                (void)keel_audit_evidence_addf(ev, "%s: %s: a) no input_validation entry", id,
                                               name);
                gaps++;
            } else {
                (void)keel_audit_evidence_addf(ev, "%s: %s: a) b) %s", id, name, how);
            }
        }
    }
    if (cJSON_GetArraySize(uis) == 0) {
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no user interface: no input to "
                                           "validate");
        return KEEL_AUDIT_PASS;
    }
    (void)keel_audit_evidence_addf(ev, "%zu of %zu user-interface inputs validated",
                                   inputs >= gaps ? inputs - gaps : 0, inputs);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}
