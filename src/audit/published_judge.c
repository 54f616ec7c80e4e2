/* The judgement of TS 103 701 test cases 5.3-13-2 (the defined support period is published)
 * and 5.3-16-2 (the model designation is recognisable), apart from the network: every place
 * the IXIT names must show the value the IXIT declares, readable without logging in. */
#include <string.h>

#include "audit.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The one "YYYY-MM-DD" standing alone in text (no digit or '-' right before or after) into
 * *out; 0 when there is none, more than one, or it is not a day that exists. */
static int the_date(const char *text, int64_t *out)
{
    size_t n = strlen(text), found = 0;

    for (size_t i = 0; i + 10 <= n; i++) {
        const char *d = text + i;
        if (!is_digit(d[0]) || !is_digit(d[1]) || !is_digit(d[2]) || !is_digit(d[3]) ||
            d[4] != '-' || !is_digit(d[5]) || !is_digit(d[6]) || d[7] != '-' || !is_digit(d[8]) ||
            !is_digit(d[9]) || (i > 0 && (is_digit(d[-1]) || d[-1] == '-')) ||
            (i + 10 < n && (is_digit(d[10]) || d[10] == '-')))
            continue;
        if (found++ > 0 || keel_audit_date_parse(d, 10, out) != KEEL_OK)
            return 0;
    }
    return found == 1;
}

int keel_audit_published_same(int is_date, const char *declared, const char *seen)
{
    int64_t a, b;

    if (declared == NULL || seen == NULL)
        return 0;
    if (!is_date)
        return strcmp(declared, seen) == 0;
    return keel_audit_date_parse(declared, strlen(declared), &a) == KEEL_OK && the_date(seen, &b) &&
           a == b;
}

/* The verdict of one place, with its evidence line. */
static keel_audit_verdict place_verdict(const keel_audit_published_place *p, const char *declared,
                                        keel_audit_evidence *ev)
{
    if (!p->reached) {
        (void)keel_audit_evidence_addf(ev, "%s: could not be read", p->where);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (p->status != 0 && p->status != 200) {
        (void)keel_audit_evidence_addf(ev, "%s: HTTP %ld: not readable without logging in",
                                       p->where, p->status);
        return KEEL_AUDIT_FAIL;
    }
    if (p->items == 0) {
        (void)keel_audit_evidence_addf(ev, "%s: nothing to read", p->where);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (p->absent > 0 || p->different > 0) {
        if (p->items > 1 || p->first_bad[0] != '\0')
            (void)keel_audit_evidence_addf(ev,
                                           "%s: %zu of %zu without it, %zu with another value "
                                           "(first: %s%s%s)",
                                           p->where, p->absent, p->items, p->different,
                                           p->first_bad, p->seen[0] != '\0' ? " shows " : "",
                                           p->seen);
        else if (p->absent > 0)
            (void)keel_audit_evidence_addf(ev, "%s: absent", p->where);
        else
            (void)keel_audit_evidence_addf(ev, "%s: '%s', declared '%s'", p->where, p->seen,
                                           declared);
        return KEEL_AUDIT_FAIL;
    }
    if (p->items > 1)
        (void)keel_audit_evidence_addf(ev, "%s: all %zu show '%s'", p->where, p->items, p->seen);
    else
        (void)keel_audit_evidence_addf(ev, "%s: '%s' as declared", p->where, p->seen);
    return KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_published_judge(const char *what, const char *declared,
                                              const keel_audit_published_place *p, size_t n,
                                              keel_audit_evidence *ev)
{
    int failed = 0, unknown = 0;

    if (ev == NULL || what == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (declared == NULL || declared[0] == '\0' || n == 0 || p == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "the IXIT's \"publication\" declares no %s%s: nothing to "
                                       "compare",
                                       what,
                                       declared != NULL && declared[0] != '\0' ? " place" : "");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev, "declared %s (IXIT): %s", what, declared);
    for (size_t i = 0; i < n; i++) {
        keel_audit_verdict v = place_verdict(&p[i], declared, ev);
        failed |= v == KEEL_AUDIT_FAIL;
        unknown |= v == KEEL_AUDIT_INCONCLUSIVE;
    }
    if (failed)
        return KEEL_AUDIT_FAIL;
    return unknown ? KEEL_AUDIT_INCONCLUSIVE : KEEL_AUDIT_PASS;
}
