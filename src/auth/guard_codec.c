/* The guard's records as the store keeps them: one line of text each, decoded strictly. The
 * store authenticates them, so a malformed record is a bug or a foreign file, and it is
 * refused rather than read as "no failures" (that would hand out fresh attempts). */
#include <string.h>

#include "keel/auth.h"

#define FAILURES_MAX 1000000u
#define FIELDS_MAX (2u + KEEL_AUTH_GUARD_OVERALL_KEEP)

/* Split the len bytes at text into space-separated fields in buf (size bufsz), NUL-ending
 * each. Exactly one space between fields, none at either end; no NUL or other control. */
static size_t split(const void *text, size_t len, char *buf, size_t bufsz, char **fields,
                    size_t max)
{
    size_t n = 0;

    if (text == NULL || len == 0 || len >= bufsz)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)buf[i] <= ' ' && buf[i] != ' ')
            return 0;
    }
    for (char *p = buf; n < max;) {
        char *space = strchr(p, ' ');
        if (*p == '\0' || *p == ' ')
            return 0; /* an empty field */
        fields[n++] = p;
        if (space == NULL)
            return n;
        *space = '\0';
        p = space + 1;
    }
    return 0; /* more fields than allowed */
}

static int number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (s[0] == '0' && s[1] != '\0')
        return 0; /* one spelling per value */
    return keel_str_to_u64(s, min, max, out) == KEEL_OK;
}

static int addr_chars(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= KEEL_AUTH_GUARD_ADDR_MAX)
        return 0;
    return strspn(s, "0123456789abcdefABCDEF.:") == n;
}

keel_err keel_auth_guard_client_encode(const keel_auth_guard_client *c, char *out, size_t outsz)
{
    if (out != NULL && outsz > 0)
        out[0] = '\0';
    if (c == NULL || out == NULL || !addr_chars(c->addr) || c->failures == 0 ||
        c->failures > FAILURES_MAX)
        return KEEL_ERR_ARG;
    return keel_str_format(out, outsz, "1 %s %u %llu", c->addr, (unsigned)c->failures,
                           (unsigned long long)c->last_failure_ms);
}

keel_err keel_auth_guard_client_decode(const void *text, size_t len, keel_auth_guard_client *out)
{
    char buf[KEEL_AUTH_GUARD_CLIENT_TEXT_MAX];
    char *f[4];
    uint64_t failures;
    uint64_t last;

    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (split(text, len, buf, sizeof(buf), f, 4) != 4 || strcmp(f[0], "1") != 0 ||
        !addr_chars(f[1]) || !number(f[2], 1, FAILURES_MAX, &failures) ||
        !number(f[3], 0, UINT64_MAX, &last))
        return KEEL_ERR_PARSE;
    memcpy(out->addr, f[1], strlen(f[1]) + 1);
    out->failures = (uint32_t)failures;
    out->last_failure_ms = last;
    return KEEL_OK;
}

keel_err keel_auth_guard_overall_encode(const keel_auth_guard_overall *o, char *out, size_t outsz)
{
    keel_buf b;
    char num[24];
    keel_err ret = KEEL_ERR_ARG;

    if (out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    if (o == NULL || o->count > KEEL_AUTH_GUARD_OVERALL_KEEP)
        return KEEL_ERR_ARG;
    keel_buf_init(&b, out, outsz - 1);
    ret = keel_str_format(num, sizeof(num), "1 %u", (unsigned)o->count);
    if (ret == KEEL_OK)
        ret = keel_buf_append_str(&b, num);
    for (uint32_t i = 0; ret == KEEL_OK && i < o->count; i++) {
        if (i > 0 && o->failures_ms[i] < o->failures_ms[i - 1])
            ret = KEEL_ERR_ARG;
        if (ret == KEEL_OK)
            ret = keel_str_format(num, sizeof(num), " %llu", (unsigned long long)o->failures_ms[i]);
        if (ret == KEEL_OK)
            ret = keel_buf_append_str(&b, num);
    }
    out[ret == KEEL_OK ? b.len : 0] = '\0';
    return ret;
}

keel_err keel_auth_guard_overall_decode(const void *text, size_t len, keel_auth_guard_overall *out)
{
    char buf[KEEL_AUTH_GUARD_OVERALL_TEXT_MAX];
    char *f[FIELDS_MAX];
    size_t n;
    uint64_t count;

    if (out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    n = split(text, len, buf, sizeof(buf), f, FIELDS_MAX);
    if (n < 2 || strcmp(f[0], "1") != 0 || !number(f[1], 0, KEEL_AUTH_GUARD_OVERALL_KEEP, &count) ||
        n != 2 + count)
        return KEEL_ERR_PARSE;
    for (size_t i = 0; i < count; i++) {
        if (!number(f[2 + i], 0, UINT64_MAX, &out->failures_ms[i]) ||
            (i > 0 && out->failures_ms[i] < out->failures_ms[i - 1])) {
            memset(out, 0, sizeof(*out));
            return KEEL_ERR_PARSE;
        }
    }
    out->count = (uint32_t)count;
    return KEEL_OK;
}
