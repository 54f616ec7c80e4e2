/*
 * Fetching from a repository: the checks every backend shares (the names it may be asked
 * for) and the whole-file fetch built on the stream. The signed metadata decides what is
 * trusted; the fetcher only has to make sure that no name leaves the repository and that no
 * answer exceeds its bound (5.3-9: no endless data).
 */
#include <stdlib.h>
#include <string.h>

#include "fetch_private.h"

static int name_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '/' || c == '-';
}

/* Each '/'-separated component must be non-empty and neither "." nor "..". */
static int components_ok(const char *name)
{
    const char *p = name;

    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (p[n] == '\0')
            return 1;
        p += n + 1;
    }
}

keel_err keel_update_fetch_name_check(const char *name)
{
    size_t len;

    if (name == NULL)
        return KEEL_ERR_ARG;
    len = strnlen(name, KEEL_UPDATE_FETCH_NAME_MAX);
    if (len == 0 || len == KEEL_UPDATE_FETCH_NAME_MAX) {
        keel_log(KEEL_LOG_ERROR, "update: a repository name must have 1 to %u characters",
                 KEEL_UPDATE_FETCH_NAME_MAX - 1u);
        return KEEL_ERR_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        if (!name_char_ok(name[i])) {
            keel_log(KEEL_LOG_ERROR, "update: repository name '%s': only A-Z a-z 0-9 . _ / -",
                     name);
            return KEEL_ERR_ARG;
        }
    }
    if (!components_ok(name)) {
        keel_log(KEEL_LOG_ERROR,
                 "update: repository name '%s' is absolute, has an empty, '.' or '..' part", name);
        return KEEL_ERR_ARG;
    }
    return KEEL_OK;
}

keel_err keel_update_fetch_stream(keel_update_fetcher *f, const char *name, uint64_t offset,
                                  uint64_t max, keel_update_sink sink, void *sink_ctx,
                                  uint64_t *got)
{
    keel_err ret;

    if (got != NULL)
        *got = 0;
    if (f == NULL || f->ops == NULL || sink == NULL || got == NULL)
        return KEEL_ERR_ARG;
    ret = keel_update_fetch_name_check(name);
    if (ret != KEEL_OK)
        return ret;
    return f->ops->stream(f, name, offset, max, sink, sink_ctx, got);
}

/* A whole file, collected in memory (metadata: bounded by the caller's max). */
typedef struct collect {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
} collect;

static keel_err collect_sink(void *ctx, const uint8_t *data, size_t len)
{
    collect *c = ctx;

    if (len > c->max - c->len)
        return KEEL_ERR_UPDATE_TOO_LONG; /* the stream bounds it; never trust that alone */
    if (len > c->cap - c->len) {
        size_t cap = c->cap < c->max / 2 ? c->cap * 2 : c->max;
        uint8_t *grown;
        if (cap < c->len + len)
            cap = c->len + len;
        grown = realloc(c->data, cap + 1);
        if (grown == NULL)
            return KEEL_ERR_NOMEM;
        c->data = grown;
        c->cap = cap;
    }
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return KEEL_OK;
}

keel_err keel_update_fetch(keel_update_fetcher *f, const char *name, size_t max, uint8_t **out,
                           size_t *out_len)
{
    collect c = {NULL, 0, 0, 0};
    uint64_t got = 0;
    keel_err ret = KEEL_ERR_ARG;

    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (f == NULL || out == NULL || out_len == NULL || max == SIZE_MAX)
        return KEEL_ERR_ARG;
    c.max = max;
    c.cap = max < 4096 ? max : 4096; /* grows with what arrives, never past max */
    c.data = malloc(c.cap + 1);
    if (c.data == NULL)
        return KEEL_ERR_NOMEM;
    ret = keel_update_fetch_stream(f, name, 0, max, collect_sink, &c, &got);
    if (ret != KEEL_OK)
        goto out;
    c.data[c.len] = '\0';
    *out = c.data;
    *out_len = c.len;
    c.data = NULL;
out:
    free(c.data);
    return ret;
}

void keel_update_fetcher_free(keel_update_fetcher *f)
{
    if (f == NULL)
        return;
    if (f->ops != NULL && f->ops->close != NULL)
        f->ops->close(f);
    free(f);
}
