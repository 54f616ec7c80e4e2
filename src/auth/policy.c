/* The password policy of 5.1-4: a password the owner chooses must not be one an attacker
 * tries first. Rules are checked from the cheapest to the dearest; the label-password rule
 * runs Argon2id and only for candidates shaped like a label password. */
#include <string.h>

#include "keel/auth.h"

const char *keel_auth_weak_name(keel_auth_weak reason)
{
    switch (reason) {
    case KEEL_AUTH_WEAK_NONE: return "";
    case KEEL_AUTH_WEAK_NOT_UTF8: return "not utf-8";
    case KEEL_AUTH_WEAK_TOO_LONG: return "too long";
    case KEEL_AUTH_WEAK_TOO_SHORT: return "too short";
    case KEEL_AUTH_WEAK_ONE_CHAR: return "one character";
    case KEEL_AUTH_WEAK_COMMON: return "common password";
    case KEEL_AUTH_WEAK_LABEL: return "label password";
    }
    return "unknown";
}

/* Walk the UTF-8 text: its code points counted into *chars, *same 1 when all are one. */
static int utf8_shape(const uint8_t *p, size_t len, size_t *chars, int *same)
{
    uint32_t first = 0;
    uint32_t cp = 0;
    size_t n;

    *chars = 0;
    *same = 1;
    for (size_t i = 0; i < len; i += n) {
        n = keel_utf8_next(p + i, len - i, &cp);
        if (n == 0 || cp == 0)
            return 0;
        if (*chars == 0)
            first = cp;
        else if (cp != first)
            *same = 0;
        (*chars)++;
    }
    return 1;
}

/* The label password in any spelling keel_auth_label_canonical accepts. */
static keel_err is_label(const void *password, size_t len, const char *label_hash, int *match)
{
    keel_secret in;
    keel_secret canonical;
    keel_err ret = keel_secret_set(&in, password, len);

    *match = 0;
    keel_secret_clear(&canonical);
    if (ret != KEEL_OK)
        goto out;
    if (keel_auth_label_canonical(&in, &canonical) != KEEL_OK) {
        ret = KEEL_OK; /* not shaped like a label password, so not the label password */
        goto out;
    }
    ret = keel_auth_verify_password(label_hash, &canonical);
    if (ret == KEEL_OK)
        *match = 1;
    if (ret == KEEL_ERR_AUTH_DENIED)
        ret = KEEL_OK;
out:
    keel_secret_clear(&in);
    keel_secret_clear(&canonical);
    return ret;
}

static keel_auth_weak cheap_rules(const void *password, size_t len)
{
    size_t chars;
    int same;

    if (len > 0 && memchr(password, '\0', len) != NULL)
        return KEEL_AUTH_WEAK_NOT_UTF8;
    if (len > KEEL_AUTH_PASSWORD_MAX_BYTES)
        return KEEL_AUTH_WEAK_TOO_LONG;
    if (!utf8_shape(password, len, &chars, &same))
        return KEEL_AUTH_WEAK_NOT_UTF8;
    if (chars < KEEL_AUTH_PASSWORD_MIN_CHARS)
        return KEEL_AUTH_WEAK_TOO_SHORT;
    if (same)
        return KEEL_AUTH_WEAK_ONE_CHAR;
    if (keel_auth_password_is_common(password, len))
        return KEEL_AUTH_WEAK_COMMON;
    return KEEL_AUTH_WEAK_NONE;
}

keel_err keel_auth_password_check(const void *password, size_t len, const char *label_hash,
                                  keel_auth_weak *reason)
{
    keel_err ret;
    int match = 0;

    if (reason == NULL || (password == NULL && len > 0))
        return KEEL_ERR_ARG;
    *reason = cheap_rules(password, len);
    if (*reason != KEEL_AUTH_WEAK_NONE)
        return KEEL_ERR_AUTH_WEAK;
    if (label_hash == NULL)
        return KEEL_OK;
    ret = is_label(password, len, label_hash, &match);
    if (ret != KEEL_OK)
        return ret;
    if (match) {
        *reason = KEEL_AUTH_WEAK_LABEL;
        return KEEL_ERR_AUTH_WEAK;
    }
    return KEEL_OK;
}
