/* The firmware scan of one buffer (5.4-3-2): keys and dictionary passwords. */
#include "scan.h"

void keel_audit_dictionary_builtin(keel_audit_dictionary *d)
{
    if (d == NULL)
        return;
    d->words = keel_audit_default_passwords;
    d->count = keel_audit_default_password_count;
    d->identifiers = keel_audit_identifier_words;
    d->identifier_count = keel_audit_identifier_word_count;
}

keel_err keel_audit_scan_buffer(const uint8_t *data, size_t len, const keel_audit_dictionary *d,
                                const char *path, keel_audit_finding_fn fn, void *user,
                                size_t *found)
{
    uint8_t fp_key[32];
    keel_audit_scan_sink sink = {
        .path = path != NULL ? path : "", .fn = fn, .user = user, .fp_key = fp_key};

    if ((data == NULL && len != 0) || d == NULL || fn == NULL ||
        (d->words == NULL && d->count != 0) || (d->identifiers == NULL && d->identifier_count != 0))
        return KEEL_ERR_ARG;
    if (len == 0)
        return KEEL_OK;
    if (keel_random(fp_key, sizeof(fp_key)) != KEEL_OK)
        sink.fp_key = NULL; /* fingerprints shown as "?", the scan still runs */
    keel_audit_scan_keys(data, len, &sink);
    keel_audit_scan_words(data, len, d, &sink);
    keel_audit_scan_secrets(data, len, d, &sink);
    keel_wipe(fp_key, sizeof(fp_key));
    if (found != NULL)
        *found += sink.pem + sink.der + sink.passwords + sink.listed + sink.secrets;
    return KEEL_OK;
}
