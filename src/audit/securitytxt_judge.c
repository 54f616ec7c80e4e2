/* The judgement of TS 103 701 test case 5.2-1-2 on a device's security.txt, apart from the
 * network. 5.2-1 asks for a published vulnerability disclosure policy with a contact; keel's
 * rule (docs/audit-report.md) is RFC 9116's required fields (Contact, Expires) and the two
 * that make the policy and its language findable (Policy, Preferred-Languages). */
#include <string.h>
#include <strings.h>

#include "audit.h"

#define DAY_S 86400

static void list_values(const char *name, const keel_audit_sectxt_field *f, keel_audit_evidence *ev)
{
    size_t shown = f->count < KEEL_AUDIT_SECTXT_KEEP ? f->count : KEEL_AUDIT_SECTXT_KEEP;

    for (size_t i = 0; i < shown; i++)
        (void)keel_audit_evidence_addf(ev, "%s: %s", name, f->values[i]);
    if (f->count > shown)
        (void)keel_audit_evidence_addf(ev, "%s: %zu more not shown", name, f->count - shown);
}

/* A field that must be present, with valid values (listed unless the caller says them
 * otherwise). 1 when it fails. */
static int required(const char *name, const keel_audit_sectxt_field *f, const char *valid_as,
                    int list, keel_audit_evidence *ev)
{
    if (f->count == 0) {
        (void)keel_audit_evidence_addf(ev, "%s: missing", name);
        return 1;
    }
    if (list)
        list_values(name, f, ev);
    if (f->invalid > 0) {
        (void)keel_audit_evidence_addf(ev, "%s: '%s' is not %s", name, f->first_invalid, valid_as);
        return 1;
    }
    return 0;
}

static int judge_expires(const keel_audit_securitytxt *s, int64_t now, keel_audit_evidence *ev)
{
    char when[32];

    if (required("Expires", &s->expires, "an RFC 3339 date-time", 0, ev))
        return 1;
    if (s->expires.count > 1) {
        (void)keel_audit_evidence_addf(ev, "Expires: appears %zu times (RFC 9116: exactly once)",
                                       s->expires.count);
        return 1;
    }
    if (keel_audit_format_time((time_t)s->expires_at, when, sizeof(when)) != KEEL_OK)
        (void)keel_str_copy(when, sizeof(when), "?");
    if (s->expires_at <= now) {
        (void)keel_audit_evidence_addf(ev, "Expires: %s is in the past: the file is stale", when);
        return 1;
    }
    if (s->expires_at - now > (int64_t)KEEL_AUDIT_SECTXT_EXPIRES_DAYS * DAY_S)
        (void)keel_audit_evidence_addf(ev,
                                       "warning: Expires %s is %lld days ahead; RFC 9116 asks "
                                       "for less than a year",
                                       when, (long long)((s->expires_at - now) / DAY_S));
    else
        (void)keel_audit_evidence_addf(ev, "Expires: %s, %lld days ahead", when,
                                       (long long)((s->expires_at - now) / DAY_S));
    return 0;
}

static int judge_languages(const keel_audit_securitytxt *s, keel_audit_evidence *ev)
{
    if (required("Preferred-Languages", &s->languages, "a list of language tags", 1, ev))
        return 1;
    if (s->languages.count > 1) {
        (void)keel_audit_evidence_addf(ev,
                                       "Preferred-Languages: appears %zu times (RFC 9116: at "
                                       "most once)",
                                       s->languages.count);
        return 1;
    }
    return 0;
}

/* 1 when hay holds needle, ASCII case ignored. */
static int has_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay != '\0'; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    }
    return 0;
}

/* Warnings that do not decide: the media type and the Canonical URI. */
static void warnings(const keel_audit_sectxt_fetch *f, const keel_audit_securitytxt *s,
                     keel_audit_evidence *ev)
{
    const char *ct = f->content_type != NULL ? f->content_type : "";
    int url_named = 0;

    if (strncasecmp(ct, "text/plain", 10) != 0 || !has_nocase(ct, "charset=utf-8"))
        (void)keel_audit_evidence_addf(ev,
                                       "warning: Content-Type '%s'; RFC 9116 asks for "
                                       "text/plain; charset=utf-8",
                                       ct);
    for (size_t i = 0; i < s->canonical.count && i < KEEL_AUDIT_SECTXT_KEEP; i++)
        url_named |= f->url != NULL && strcmp(s->canonical.values[i], f->url) == 0;
    if (s->canonical.count > 0) {
        list_values("Canonical", &s->canonical, ev);
        if (!url_named)
            (void)keel_audit_evidence_addf(ev, "warning: no Canonical names %s",
                                           f->url != NULL ? f->url : "the fetched URL");
    }
    if (s->is_signed)
        (void)keel_audit_evidence_addf(ev, "signed with OpenPGP (the signature is not verified)");
    if (s->other_fields > 0)
        (void)keel_audit_evidence_addf(ev, "%zu other field(s), not judged", s->other_fields);
}

/* Why the fetch alone decides, or INCONCLUSIVE + 1 to go on. */
static int fetch_decides(const keel_audit_sectxt_fetch *f, keel_audit_verdict *v,
                         keel_audit_evidence *ev)
{
    const char *url = f->url != NULL ? f->url : "security.txt";

    if (f->status == 0) {
        (void)keel_audit_evidence_addf(ev, "GET %s: no answer over HTTPS", url);
        *v = KEEL_AUDIT_INCONCLUSIVE;
        return 1;
    }
    (void)keel_audit_evidence_addf(ev, "GET %s (no session): HTTP %ld", url, f->status);
    if (f->status >= 300 && f->status <= 399) {
        (void)keel_audit_evidence_addf(ev, "a redirect: the audit follows none (name the final "
                                           "path in the IXIT's security_txt)");
        *v = KEEL_AUDIT_INCONCLUSIVE;
        return 1;
    }
    *v = KEEL_AUDIT_FAIL;
    if (f->status != 200) {
        (void)keel_audit_evidence_addf(ev, "no security.txt is published there");
        return 1;
    }
    if (f->cut) {
        (void)keel_audit_evidence_addf(ev, "the file is longer than %zu bytes",
                                       KEEL_AUDIT_SECTXT_MAX);
        return 1;
    }
    if (f->parsed != KEEL_OK) {
        (void)keel_audit_evidence_addf(
            ev, "security.txt does not follow RFC 9116: %s",
            f->why != NULL && f->why[0] != '\0' ? f->why : keel_strerror(f->parsed));
        return 1;
    }
    return 0;
}

keel_audit_verdict keel_audit_securitytxt_judge(const keel_audit_sectxt_fetch *f,
                                                const keel_audit_securitytxt *s, int64_t now,
                                                keel_audit_evidence *ev)
{
    keel_audit_verdict v = KEEL_AUDIT_INCONCLUSIVE;
    int failed = 0;

    if (f == NULL || ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (fetch_decides(f, &v, ev))
        return v;
    if (s == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    failed |= required("Contact", &s->contact, "a URI (web URIs must be https)", 1, ev);
    failed |= judge_expires(s, now, ev);
    failed |= required("Policy", &s->policy, "a URI (web URIs must be https)", 1, ev);
    failed |= judge_languages(s, ev);
    warnings(f, s, ev);
    (void)keel_audit_evidence_addf(ev, "%s",
                                   failed ? "security.txt lacks what 5.2-1 needs (Contact, "
                                            "Expires in the future, Policy, Preferred-Languages)"
                                          : "security.txt has a contact, a current expiry, the "
                                            "policy and its languages");
    return failed ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}
