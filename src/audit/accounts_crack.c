/* The dictionary attack of 5.1-1-3: a firmware account whose hash opens with a well-known
 * default password (or the account's own name) has the same password on every device that
 * runs the firmware. crypt(3) (libxcrypt) computes each candidate's hash with the setting
 * (scheme, cost, salt) stored in the firmware.
 *
 * The work is bounded twice: a hash's own cost parameter is read before it is tried (a
 * setting like "rounds=999999999" would take hours per candidate) and refused above the caps
 * of whitebox.h, and all calls of one tree share a time budget; a hash not tried with every
 * candidate leaves the test case INCONCLUSIVE, never PASS. */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "whitebox.h"

static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

keel_err keel_audit_cracker_init(keel_audit_cracker *c, long long budget_ms)
{
    if (c == NULL || budget_ms <= 0)
        return KEEL_ERR_ARG;
    memset(c, 0, sizeof(*c));
    c->work = calloc(1, sizeof(struct crypt_data));
    if (c->work == NULL)
        return KEEL_ERR_NOMEM;
    c->budget_ms = budget_ms;
    return KEEL_OK;
}

void keel_audit_cracker_free(keel_audit_cracker *c)
{
    if (c == NULL)
        return;
    if (c->work != NULL) {
        keel_wipe(c->work, sizeof(struct crypt_data));
        free(c->work);
    }
    memset(c, 0, sizeof(*c));
}

static int prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int is_descrypt(const char *hash)
{
    if (strlen(hash) != 13)
        return 0;
    for (size_t i = 0; i < 13; i++) {
        if (strchr(itoa64, hash[i]) == NULL || hash[i] == '\0')
            return 0;
    }
    return 1;
}

const char *keel_audit_hash_scheme(const char *hash)
{
    static const struct {
        const char *prefix, *name;
    } schemes[] = {{"$y$", "yescrypt"},     {"$gy$", "gost-yescrypt"}, {"$7$", "scrypt"},
                   {"$2b$", "bcrypt"},      {"$2a$", "bcrypt"},        {"$2y$", "bcrypt"},
                   {"$2x$", "bcrypt"},      {"$6$", "sha512crypt"},    {"$5$", "sha256crypt"},
                   {"$sha1$", "sha1crypt"}, {"$md5", "sunmd5"},        {"$1$", "md5crypt"},
                   {"$3$", "nthash"},       {"_", "bsdicrypt"}};

    if (hash == NULL)
        return "unknown";
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (prefix(hash, schemes[i].prefix))
            return schemes[i].name;
    }
    return is_descrypt(hash) ? "descrypt" : "unknown";
}

static int a64(char c)
{
    const char *p = c != '\0' ? strchr(itoa64, c) : NULL;

    return p != NULL ? (int)(p - itoa64) : -1;
}

/* yescrypt's variable-length number (yescrypt-common.c decode64_uint32); NULL when bad. */
static const char *decode_var(const char *src, uint32_t min, uint64_t *out)
{
    uint64_t start = 0, end = 47, chars = 1, bits = 0, value = min;
    int c = a64(*src++);

    if (c < 0)
        return NULL;
    while ((uint64_t)c > end) {
        value += (end + 1 - start) << bits;
        start = end + 1;
        end = start + (62 - end) / 2;
        chars++;
        bits += 6;
    }
    value += ((uint64_t)c - start) << bits;
    while (--chars) {
        c = a64(*src++);
        if (c < 0 || bits < 6)
            return NULL;
        bits -= 6;
        value += (uint64_t)c << bits;
    }
    *out = value;
    return src;
}

/* scrypt's fixed 30-bit little-endian number. */
static const char *decode_fixed30(const char *src, uint64_t *out)
{
    uint64_t value = 0;

    for (int i = 0; i < 5; i++) {
        int c = a64(src[i]);
        if (c < 0)
            return NULL;
        value |= (uint64_t)c << (6 * i);
    }
    *out = value;
    return src + 5;
}

static int memory_ok(uint64_t n_log2, uint64_t r, uint64_t p, char *why, size_t whysz)
{
    uint64_t blocks, bytes;

    if (n_log2 > 40 || r == 0 || r > (1u << 20) || p == 0 || p > (1u << 10)) {
        keel_audit_say(why, whysz, "cost parameters out of range");
        return 0;
    }
    blocks = ((uint64_t)1 << n_log2) * r; /* <= 2^60 */
    bytes = blocks > (UINT64_MAX / 128) / p ? UINT64_MAX : 128 * blocks * p;
    if (bytes > KEEL_AUDIT_CRACK_MEMORY_MAX) {
        keel_audit_say(why, whysz, "%llu MiB per try, above %llu MiB",
                       (unsigned long long)(bytes >> 20),
                       (unsigned long long)(KEEL_AUDIT_CRACK_MEMORY_MAX >> 20));
        return 0;
    }
    return 1;
}

static int yescrypt_cost_ok(const char *params, char *why, size_t whysz)
{
    uint64_t flavor, n_log2, r, have = 0, p = 1, t = 0, g = 0;
    const char *s = decode_var(params, 0, &flavor);

    if (s != NULL)
        s = decode_var(s, 1, &n_log2);
    if (s != NULL)
        s = decode_var(s, 1, &r);
    if (s != NULL && *s != '$') {
        s = decode_var(s, 1, &have);
        if (s != NULL && (have & 1))
            s = decode_var(s, 2, &p);
        if (s != NULL && (have & 2))
            s = decode_var(s, 1, &t);
        if (s != NULL && (have & 4))
            s = decode_var(s, 1, &g);
        if (s != NULL && (have & ~(uint64_t)7) != 0) {
            keel_audit_say(why, whysz, "a ROM or unknown parameter");
            return 0;
        }
    }
    if (s == NULL || *s != '$') {
        keel_audit_say(why, whysz, "parameters not readable");
        return 0;
    }
    if (t > 0 || g > 0) {
        keel_audit_say(why, whysz, "time or upgrade parameters t=%llu g=%llu",
                       (unsigned long long)t, (unsigned long long)g);
        return 0;
    }
    return memory_ok(n_log2, r, p, why, whysz);
}

static int scrypt_cost_ok(const char *params, char *why, size_t whysz)
{
    int n_log2 = a64(params[0]);
    uint64_t r, p;
    const char *s = n_log2 > 0 ? decode_fixed30(params + 1, &r) : NULL;

    if (s != NULL)
        s = decode_fixed30(s, &p);
    if (s == NULL) {
        keel_audit_say(why, whysz, "parameters not readable");
        return 0;
    }
    return memory_ok((uint64_t)n_log2, r, p, why, whysz);
}

/* Decimal digits at s up to stop; -1 when none or too many. */
static long long digits(const char *s, char stop)
{
    long long v = 0;
    size_t n = 0;

    for (; s[n] != stop; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= 12)
            return -1;
        v = v * 10 + (s[n] - '0');
    }
    return n > 0 ? v : -1;
}

static int rounds_ok(long long rounds, unsigned long long cap, char *why, size_t whysz)
{
    if (rounds < 0) {
        keel_audit_say(why, whysz, "rounds not readable");
        return 0;
    }
    if ((unsigned long long)rounds > cap) {
        keel_audit_say(why, whysz, "rounds=%lld above %llu", rounds, cap);
        return 0;
    }
    return 1;
}

static int bsdi_cost_ok(const char *hash, char *why, size_t whysz)
{
    uint64_t count = 0;

    for (int i = 0; i < 4; i++) {
        int c = a64(hash[1 + i]);
        if (c < 0) {
            keel_audit_say(why, whysz, "count not readable");
            return 0;
        }
        count |= (uint64_t)c << (6 * i);
    }
    return rounds_ok((long long)count, KEEL_AUDIT_CRACK_BSDI_ROUNDS_MAX, why, whysz);
}

/* 1 when the hash's cost is within the caps (or the scheme has a fixed, small cost). */
static int cost_ok(const char *hash, char *why, size_t whysz)
{
    if (prefix(hash, "$y$"))
        return yescrypt_cost_ok(hash + 3, why, whysz);
    if (prefix(hash, "$gy$"))
        return yescrypt_cost_ok(hash + 4, why, whysz);
    if (prefix(hash, "$7$"))
        return scrypt_cost_ok(hash + 3, why, whysz);
    if (prefix(hash, "$5$rounds=") || prefix(hash, "$6$rounds="))
        return rounds_ok(digits(hash + 10, '$'), KEEL_AUDIT_CRACK_SHA_ROUNDS_MAX, why, whysz);
    if (prefix(hash, "$md5,rounds="))
        return rounds_ok(digits(hash + 12, '$'), KEEL_AUDIT_CRACK_SHA_ROUNDS_MAX, why, whysz);
    if (prefix(hash, "$sha1$"))
        return rounds_ok(digits(hash + 6, '$'), KEEL_AUDIT_CRACK_SHA1_ROUNDS_MAX, why, whysz);
    if (prefix(hash, "_"))
        return bsdi_cost_ok(hash, why, whysz);
    if (strcmp(keel_audit_hash_scheme(hash), "bcrypt") == 0) {
        long long cost = digits(hash + 4, '$');
        if (cost < 0) {
            keel_audit_say(why, whysz, "cost not readable");
            return 0;
        }
        if (cost > (long long)KEEL_AUDIT_CRACK_BCRYPT_COST_MAX) {
            keel_audit_say(why, whysz, "cost %lld above %u", cost,
                           KEEL_AUDIT_CRACK_BCRYPT_COST_MAX);
            return 0;
        }
        return 1;
    }
    return prefix(hash, "$5$") || prefix(hash, "$6$") || prefix(hash, "$md5$") ||
           prefix(hash, "$1$") || prefix(hash, "$3$") || is_descrypt(hash);
}

/* One candidate: 1 match, 0 no match, -1 crypt(3) refused. */
static int try_one(keel_audit_cracker *c, const char *hash, const char *candidate)
{
    long long start = now_ms();
    const char *out = crypt_rn(candidate, hash, c->work, (int)sizeof(struct crypt_data));
    size_t n = strlen(hash);
    int match = out != NULL && strlen(out) == n && keel_ct_equal(out, hash, n);

    c->spent_ms += now_ms() - start;
    c->calls++;
    return out == NULL ? -1 : match;
}

keel_audit_crack_result keel_audit_crack(keel_audit_cracker *c, const char *hash, const char *user,
                                         const char *const *words, size_t n, size_t *tried,
                                         const char **found, char *why, size_t whysz)
{
    int check;

    if (why != NULL && whysz > 0)
        why[0] = '\0';
    if (tried != NULL)
        *tried = 0;
    if (c == NULL || c->work == NULL || hash == NULL || user == NULL || tried == NULL ||
        found == NULL || (words == NULL && n != 0))
        return KEEL_AUDIT_CRACK_UNSUPPORTED;
    *found = NULL;
    check = crypt_checksalt(hash);
    if (check == CRYPT_SALT_INVALID)
        return KEEL_AUDIT_CRACK_INVALID;
    if (check == CRYPT_SALT_METHOD_DISABLED) {
        keel_audit_say(why, whysz, "%s is switched off in this crypt(3)",
                       keel_audit_hash_scheme(hash));
        return KEEL_AUDIT_CRACK_UNSUPPORTED;
    }
    if (strcmp(keel_audit_hash_scheme(hash), "unknown") == 0) {
        keel_audit_say(why, whysz, "a scheme whose cost keel does not bound");
        return KEEL_AUDIT_CRACK_UNSUPPORTED;
    }
    if (!cost_ok(hash, why, whysz))
        return KEEL_AUDIT_CRACK_TOO_COSTLY;
    for (size_t i = 0; i <= n; i++) {
        const char *candidate = i == 0 ? user : words[i - 1];
        int got;

        if (i > 0 && strcmp(candidate, user) == 0)
            continue;
        if (c->spent_ms >= c->budget_ms) {
            keel_audit_say(why, whysz, "the time budget of %lld ms ran out", c->budget_ms);
            return KEEL_AUDIT_CRACK_BUDGET;
        }
        got = try_one(c, hash, candidate);
        if (got < 0)
            return KEEL_AUDIT_CRACK_INVALID;
        (*tried)++;
        if (got == 1) {
            *found = candidate;
            return KEEL_AUDIT_CRACK_FOUND;
        }
    }
    return KEEL_AUDIT_CRACK_NONE;
}
