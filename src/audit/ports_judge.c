/* The judgement of TS 103 701 test case 5.6-1-2 (unused interfaces disabled), apart from the
 * network: the ports that answered against the expected set, which is the IXIT's declared
 * inbound TCP interfaces or, without an IXIT, the one port the auditor was pointed at. */
#include <string.h>

#include "audit.h"

/* Ports listed in one evidence line at most; the rest are counted. */
#define LIST_MAX 64

static int contains(const uint16_t *set, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        if (set[i] == port)
            return 1;
    }
    return 0;
}

/* "a<sep>b<sep>c" of at most LIST_MAX ports, then " (and N more)"; "none" when n is 0. */
static void list_ports(char *out, size_t outsz, const uint16_t *ports, size_t n, const char *sep)
{
    size_t used = 0;

    out[0] = '\0';
    if (n == 0) {
        (void)keel_str_copy(out, outsz, "none");
        return;
    }
    for (size_t i = 0; i < n && i < LIST_MAX; i++) {
        if (keel_str_format(out + used, outsz - used, "%s%u", i > 0 ? sep : "",
                            (unsigned)ports[i]) != KEEL_OK)
            return;
        used += strlen(out + used);
    }
    if (n > LIST_MAX)
        (void)keel_str_format(out + used, outsz - used, " (and %zu more)", n - LIST_MAX);
}

keel_audit_verdict keel_audit_ports_judge(const uint16_t *open, size_t n_open,
                                          const uint16_t *declared, size_t n_declared,
                                          int from_ixit, keel_audit_evidence *ev)
{
    char line[LIST_MAX * 8 + 32];
    size_t undeclared = 0, declared_open = 0;

    if ((open == NULL && n_open != 0) || (declared == NULL && n_declared != 0))
        return KEEL_AUDIT_INCONCLUSIVE;
    list_ports(line, sizeof(line), declared, n_declared, ", TCP ");
    (void)keel_audit_evidence_addf(ev, "declared interfaces%s: %s%s", from_ixit ? " (IXIT)" : "",
                                   n_declared > 0 ? "TCP " : "", line);
    list_ports(line, sizeof(line), open, n_open, ",");
    (void)keel_audit_evidence_addf(ev, "open TCP ports: %s", line);
    for (size_t i = 0; i < n_open; i++) {
        if (contains(declared, n_declared, open[i])) {
            (void)keel_audit_evidence_addf(ev, "TCP %u: open (declared)", (unsigned)open[i]);
            declared_open++;
        } else {
            (void)keel_audit_evidence_addf(ev, "TCP %u: open, not declared", (unsigned)open[i]);
            undeclared++;
        }
    }
    for (size_t i = 0; i < n_declared; i++) {
        if (!contains(open, n_open, declared[i]))
            (void)keel_audit_evidence_addf(ev, "TCP %u: declared, closed", (unsigned)declared[i]);
    }
    if (declared_open == 0) {
        (void)keel_audit_evidence_addf(ev, "no declared TCP port is open: the device cannot be "
                                           "judged as declared");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (undeclared > 0) {
        (void)keel_audit_evidence_addf(ev, "open TCP ports that the %s does not declare: %zu",
                                       from_ixit ? "IXIT" : "target", undeclared);
        return KEEL_AUDIT_FAIL;
    }
    return KEEL_AUDIT_PASS;
}
