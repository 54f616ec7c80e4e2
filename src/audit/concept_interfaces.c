/* 5.6-1-1 (TS 103 701, IXIT 15-Intf), one unit: every network interface and logical
 * interface the device declares has a documented purpose, and none is declared as unused
 * (5.6-1: unused interfaces are disabled, so an interface kept "for later", "reserved" or
 * "unused" contradicts the provision). The functional 5.6-1-2 then checks that nothing else is
 * open. */
#include <string.h>

#include "concepts.h"

#define TABLE "interfaces"
#define TABLE_ID "15-Intf"
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const keel_audit_concept_term unused[] = {
    {"unused", NULL, "unused"},
    {"reserved", NULL, "reserved"},
    {"for later", NULL, "kept for later"},
    {"tbd", NULL, "to be decided"},
    {"n a", NULL, "n/a"},
};

keel_audit_verdict keel_audit_concept_interfaces_judge(const cJSON *root, keel_catalog_version v,
                                                       keel_audit_evidence *ev)
{
    const cJSON *table = keel_audit_concept_table(root, TABLE, TABLE_ID, ev);
    const cJSON *m;
    size_t i = 0, failed = 0;

    (void)v;
    if (table == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(m, table)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(m, TABLE, i, buf, sizeof(buf));
        size_t gaps = 0;
        const char *purpose = keel_audit_concept_need(m, TABLE, i, "purpose", ev, &gaps);
        const char *transport = keel_audit_concept_string(m, "transport");
        const cJSON *port = cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, "port") : NULL;
        int u;

        i++;
        if (gaps > 0) {
            failed++;
            continue;
        }
        u = keel_audit_concept_mentions(purpose, unused, COUNT(unused), NULL);
        if (u != -1) {
            failed++;
            if (u == -2)
                (void)keel_audit_evidence_addf(ev, "%s: out of memory reading its purpose", who);
            else
                (void)keel_audit_evidence_addf(ev,
                                               "%s: its purpose says it is %s: an unused interface "
                                               "is to be disabled (5.6-1)",
                                               who, unused[u].name);
            continue;
        }
        if (port != NULL && cJSON_IsNumber(port))
            (void)keel_audit_evidence_addf(ev, "%s (%s/%d): %s", who,
                                           transport != NULL ? transport : "?", port->valueint,
                                           purpose);
        else
            (void)keel_audit_evidence_addf(ev, "%s: %s", who, purpose);
    }
    if (i == 0) {
        (void)keel_audit_evidence_addf(ev, "%s (%s) declares no interface: nothing to judge", TABLE,
                                       TABLE_ID);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev, "%zu interfaces declared, %zu without a purpose in use", i,
                                   failed);
    return failed > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}
