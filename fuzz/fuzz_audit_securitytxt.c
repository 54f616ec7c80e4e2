/* Fuzz the security.txt parser of 5.2-1-2 (RFC 9116): the file is the device's answer and is
 * untrusted. Properties beyond memory safety: a refusal always says why and leaves nothing
 * parsed; a parsed file's counts hold (invalid values never more than values, kept values
 * NUL-terminated within bounds, an Expires time only from a valid Expires); the judge decides
 * on any parsed file and the RFC 3339, date and URI readers agree with what the parser kept. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static void check_field(const keel_audit_sectxt_field *f)
{
    if (f->invalid > f->count)
        abort();
    for (size_t i = 0; i < f->count && i < KEEL_AUDIT_SECTXT_KEEP; i++) {
        if (strnlen(f->values[i], KEEL_AUDIT_SECTXT_VALUE_MAX) >= KEEL_AUDIT_SECTXT_VALUE_MAX ||
            f->values[i][0] == '\0')
            abort();
    }
    if (f->invalid > 0 && f->first_invalid[0] == '\0')
        abort();
}

static void check_readers(const uint8_t *data, size_t size)
{
    int64_t t = 0;

    /* Each reader refuses or gives a value; none reads past size. */
    if (keel_audit_rfc3339_parse((const char *)data, size, &t) != KEEL_OK && t != 0)
        abort();
    if (keel_audit_date_parse((const char *)data, size, &t) == KEEL_OK && size != 10)
        abort();
    (void)keel_audit_uri_valid((const char *)data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_securitytxt s;
    keel_audit_evidence ev;
    keel_audit_sectxt_fetch f = {.url = "https://device/.well-known/security.txt",
                                 .status = 200,
                                 .content_type = "text/plain; charset=utf-8"};
    char why[160];
    keel_err err = keel_audit_securitytxt_parse(data, size, &s, why, sizeof(why));

    check_readers(data, size);
    if (err != KEEL_OK) {
        if (why[0] == '\0' || s.contact.count != 0 || s.lines != 0)
            abort();
        return 0;
    }
    check_field(&s.contact);
    check_field(&s.expires);
    check_field(&s.policy);
    check_field(&s.languages);
    check_field(&s.canonical);
    if (s.expires.count == s.expires.invalid && s.expires_at != 0)
        abort();
    f.parsed = err;
    f.why = why;
    keel_audit_evidence_init(&ev);
    if (keel_audit_securitytxt_judge(&f, &s, 1767225600, &ev) == KEEL_AUDIT_PASS &&
        (s.contact.count == 0 || s.expires.count != 1 || s.policy.count == 0 ||
         s.languages.count != 1))
        abort();
    keel_audit_evidence_free(&ev);
    return 0;
}
