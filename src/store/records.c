/* The record table: the plaintext inside a store file and the store's image in memory.
 *
 *   u16 count, then count times: u8 name_len, name, u16 value_len, value   (big-endian)
 *
 * The body is authenticated before it gets here, yet it is still parsed with every length
 * checked against the bytes left and the limits of keel/store.h: a bug or a leaked key must
 * not become an out-of-bounds read. Once checked, lookups walk it without further checks.
 */
#include <string.h>

#include "store_internal.h"

int keel_store_name_valid(const char *name, size_t len)
{
    if (name == NULL || len == 0 || len > KEEL_STORE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static size_t get_u16(const uint8_t *p)
{
    return ((size_t)p[0] << 8) | p[1];
}

static void put_u16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* One record at body[*pos] (len bytes in all): bounds-checked, advances *pos. */
static keel_err take_record(const uint8_t *body, size_t len, size_t *pos, const uint8_t **name,
                            size_t *name_len, size_t *value_len)
{
    size_t p = *pos;

    if (len - p < 1)
        return KEEL_ERR_PARSE;
    *name_len = body[p++];
    if (len - p < *name_len || !keel_store_name_valid((const char *)body + p, *name_len))
        return KEEL_ERR_PARSE;
    *name = body + p;
    p += *name_len;
    if (len - p < 2)
        return KEEL_ERR_PARSE;
    *value_len = get_u16(body + p);
    p += 2;
    if (*value_len > KEEL_STORE_VALUE_MAX || len - p < *value_len)
        return KEEL_ERR_PARSE;
    *pos = p + *value_len;
    return KEEL_OK;
}

/* 1 if the record named name (name_len bytes) appears in the first end bytes of a
 * checked body. */
static int seen_before(const uint8_t *body, size_t end, const uint8_t *name, size_t name_len)
{
    size_t pos = 2;
    const uint8_t *n;
    size_t nl;
    size_t vl;

    while (pos < end && take_record(body, end, &pos, &n, &nl, &vl) == KEEL_OK) {
        if (nl == name_len && memcmp(n, name, nl) == 0)
            return 1;
    }
    return 0;
}

keel_err keel_store_records_check(const uint8_t *body, size_t len)
{
    size_t count;
    size_t pos = 2;

    if (body == NULL || len < 2)
        return KEEL_ERR_PARSE;
    count = get_u16(body);
    if (count > KEEL_STORE_MAX_RECORDS)
        return KEEL_ERR_PARSE;
    for (size_t i = 0; i < count; i++) {
        size_t start = pos;
        const uint8_t *name;
        size_t name_len;
        size_t value_len;
        if (take_record(body, len, &pos, &name, &name_len, &value_len) != KEEL_OK ||
            seen_before(body, start, name, name_len))
            return KEEL_ERR_PARSE;
    }
    return pos == len ? KEEL_OK : KEEL_ERR_PARSE;
}

keel_err keel_store_records_find(const uint8_t *body, size_t len, const char *name,
                                 const uint8_t **value, size_t *value_len)
{
    size_t want = strlen(name);
    size_t count = get_u16(body);
    size_t pos = 2;

    for (size_t i = 0; i < count; i++) {
        const uint8_t *n;
        size_t nl;
        if (take_record(body, len, &pos, &n, &nl, value_len) != KEEL_OK)
            return KEEL_ERR_NOT_FOUND;
        if (nl == want && memcmp(n, name, nl) == 0) {
            *value = body + pos - *value_len;
            return KEEL_OK;
        }
    }
    return KEEL_ERR_NOT_FOUND;
}

keel_err keel_store_records_set(const uint8_t *body, size_t len, const char *name,
                                const uint8_t *value, size_t value_len, uint8_t *out, size_t cap,
                                size_t *out_len)
{
    size_t want = strlen(name);
    size_t count = get_u16(body);
    size_t kept = 0;
    size_t pos = 2;
    size_t o = 2;

    if (cap < 2)
        return KEEL_ERR_TOO_LARGE;
    for (size_t i = 0; i < count; i++) {
        size_t start = pos;
        const uint8_t *n;
        size_t nl;
        size_t vl;
        if (take_record(body, len, &pos, &n, &nl, &vl) != KEEL_OK)
            return KEEL_ERR_PARSE;
        if (nl == want && memcmp(n, name, nl) == 0)
            continue;
        if (cap - o < pos - start)
            return KEEL_ERR_TOO_LARGE;
        memcpy(out + o, body + start, pos - start);
        o += pos - start;
        kept++;
    }
    if (value != NULL) {
        if (kept + 1 > KEEL_STORE_MAX_RECORDS || cap - o < 1 + want + 2 + value_len)
            return KEEL_ERR_TOO_LARGE;
        out[o++] = (uint8_t)want;
        for (size_t i = 0; i < want; i++) /* the name's bytes, without its NUL */
            out[o++] = (uint8_t)name[i];
        put_u16(out + o, value_len);
        o += 2;
        if (value_len > 0)
            memcpy(out + o, value, value_len);
        o += value_len;
        kept++;
    }
    put_u16(out, kept);
    *out_len = o;
    return KEEL_OK;
}

/* 1 if the name_len bytes at name are one of the n names of keep. */
static int kept(const uint8_t *name, size_t name_len, const char *const *keep, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (keep[i] != NULL && strlen(keep[i]) == name_len && memcmp(keep[i], name, name_len) == 0)
            return 1;
    }
    return 0;
}

keel_err keel_store_records_keep(const uint8_t *body, size_t len, const char *const *keep, size_t n,
                                 uint8_t *out, size_t cap, size_t *out_len, size_t *removed)
{
    size_t count = get_u16(body);
    size_t left = 0;
    size_t pos = 2;
    size_t o = 2;

    *removed = 0;
    if (cap < 2)
        return KEEL_ERR_TOO_LARGE;
    for (size_t i = 0; i < count; i++) {
        size_t start = pos;
        const uint8_t *name;
        size_t nl;
        size_t vl;
        if (take_record(body, len, &pos, &name, &nl, &vl) != KEEL_OK)
            return KEEL_ERR_PARSE;
        if (!kept(name, nl, keep, n)) {
            (*removed)++;
            continue;
        }
        if (cap - o < pos - start)
            return KEEL_ERR_TOO_LARGE;
        memcpy(out + o, body + start, pos - start);
        o += pos - start;
        left++;
    }
    put_u16(out, left);
    *out_len = o;
    return KEEL_OK;
}
