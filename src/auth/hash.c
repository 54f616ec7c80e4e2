/* Argon2id password hashing and verification (5.1-3).
 *
 * libargon2 encodes and decodes the PHC string; keel only checks, before handing a stored
 * string to it, that the string has exactly the shape keel writes and parameters within
 * bounds. A stored hash is data from disk: a truncated or edited one must be refused as
 * malformed, never verified with whatever parameters it happens to claim.
 */
#include <argon2.h>
#include <string.h>

#include "keel/auth.h"

#define B64_SALT_CHARS 22u /* 16 bytes, unpadded */
#define B64_HASH_CHARS 43u /* 32 bytes, unpadded */

/* At least as strong as one of the two profiles, memory and passes both, and within the
 * maxima that bound what verification may allocate. */
static int params_ok(uint64_t m, uint64_t t, uint64_t p)
{
    int default_floor = m >= KEEL_AUTH_ARGON2_DEFAULT_M_KIB && t >= KEEL_AUTH_ARGON2_DEFAULT_T;
    int small_floor = m >= KEEL_AUTH_ARGON2_SMALL_M_KIB && t >= KEEL_AUTH_ARGON2_SMALL_T;

    return (default_floor || small_floor) && m <= KEEL_AUTH_ARGON2_M_MAX_KIB &&
           t <= KEEL_AUTH_ARGON2_T_MAX && p >= KEEL_AUTH_ARGON2_P && p <= KEEL_AUTH_ARGON2_P_MAX;
}

keel_err keel_auth_hash_password_params(const keel_auth_argon2_params *params,
                                        const keel_secret *password, char *encoded,
                                        size_t encoded_size)
{
    uint8_t salt[KEEL_AUTH_SALT_LEN];
    size_t need;
    keel_err ret = KEEL_ERR_ARG;
    int rc;

    if (encoded == NULL || encoded_size == 0)
        return KEEL_ERR_ARG;
    encoded[0] = '\0';
    if (params == NULL || !params_ok(params->m_kib, params->t, params->p) || password == NULL ||
        keel_secret_len(password) == 0)
        return KEEL_ERR_ARG;
    need = argon2_encodedlen(params->t, params->m_kib, params->p, KEEL_AUTH_SALT_LEN,
                             KEEL_AUTH_HASH_LEN, Argon2_id);
    if (need > encoded_size)
        return KEEL_ERR_RANGE;
    ret = keel_random(salt, sizeof(salt));
    if (ret != KEEL_OK)
        goto out;
    rc = argon2id_hash_encoded(params->t, params->m_kib, params->p, keel_secret_bytes(password),
                               keel_secret_len(password), salt, sizeof(salt), KEEL_AUTH_HASH_LEN,
                               encoded, encoded_size);
    ret = rc == ARGON2_OK ? KEEL_OK : KEEL_ERR_CRYPTO;
out:
    if (ret != KEEL_OK)
        keel_wipe(encoded, encoded_size);
    keel_wipe(salt, sizeof(salt));
    return ret;
}

keel_err keel_auth_hash_password(const keel_secret *password, char *encoded, size_t encoded_size)
{
    return keel_auth_hash_password_params(keel_auth_argon2_profile(), password, encoded,
                                          encoded_size);
}

/* Consume the literal lit at *p. */
static int take_literal(const char **p, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*p, lit, n) != 0)
        return 0;
    *p += n;
    return 1;
}

/* Consume a decimal number in [min, max] without leading zeros into *v. */
static int take_number(const char **p, uint64_t min, uint64_t max, uint64_t *v)
{
    char digits[8];
    size_t n = 0;

    while ((*p)[n] >= '0' && (*p)[n] <= '9') {
        if (n + 1 >= sizeof(digits))
            return 0;
        digits[n] = (*p)[n];
        n++;
    }
    if (n == 0 || (n > 1 && digits[0] == '0'))
        return 0;
    digits[n] = '\0';
    if (keel_str_to_u64(digits, min, max, v) != KEEL_OK)
        return 0;
    *p += n;
    return 1;
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Consume exactly n base64 characters; the character after them must not be base64. */
static int take_b64(const char **p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_b64((*p)[i]))
            return 0;
    }
    if (is_b64((*p)[n]))
        return 0;
    *p += n;
    return 1;
}

/* The exact shape keel writes: "$argon2id$v=19$m=M,t=T,p=P$<22 b64>$<43 b64>". */
static int well_formed(const char *s)
{
    const char *p = s;
    uint64_t m = 0;
    uint64_t t = 0;
    uint64_t lanes = 0;

    if (strnlen(s, KEEL_AUTH_HASH_MAX) >= KEEL_AUTH_HASH_MAX)
        return 0;
    return take_literal(&p, "$argon2id$v=19$m=") &&
           take_number(&p, 1, KEEL_AUTH_ARGON2_M_MAX_KIB, &m) && take_literal(&p, ",t=") &&
           take_number(&p, 1, KEEL_AUTH_ARGON2_T_MAX, &t) && take_literal(&p, ",p=") &&
           take_number(&p, 1, KEEL_AUTH_ARGON2_P_MAX, &lanes) && params_ok(m, t, lanes) &&
           take_literal(&p, "$") && take_b64(&p, B64_SALT_CHARS) && take_literal(&p, "$") &&
           take_b64(&p, B64_HASH_CHARS) && *p == '\0';
}

keel_err keel_auth_verify_password(const char *encoded, const keel_secret *password)
{
    int rc;

    if (encoded == NULL || password == NULL)
        return KEEL_ERR_ARG;
    if (!well_formed(encoded))
        return KEEL_ERR_PARSE;
    rc = argon2id_verify(encoded, keel_secret_bytes(password), keel_secret_len(password));
    switch (rc) {
    case ARGON2_OK: return KEEL_OK;
    case ARGON2_VERIFY_MISMATCH: return KEEL_ERR_AUTH_DENIED;
    case ARGON2_DECODING_FAIL:
    case ARGON2_DECODING_LENGTH_FAIL:
    case ARGON2_INCORRECT_TYPE:
    case ARGON2_SALT_TOO_SHORT:
    case ARGON2_OUTPUT_TOO_SHORT: return KEEL_ERR_PARSE;
    default: return KEEL_ERR_CRYPTO;
    }
}
