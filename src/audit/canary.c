/* Canaries for 5.11-1-2: unique random values planted as user data through the device's own
 * routes, then looked for, byte for byte, in every file of the device's data tree once it has
 * been reset. Evidence names the file and shows only the start of a canary. */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "ixit_int.h"

keel_err keel_audit_canary_make(char out[KEEL_AUDIT_CANARY_LEN + 1])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

    if (out == NULL)
        return KEEL_ERR_ARG;
    out[0] = 'k';
    out[1] = 'c';
    for (size_t i = 2; i < KEEL_AUDIT_CANARY_LEN; i++) {
        uint32_t k;
        if (keel_random_uniform(sizeof(alphabet) - 1, &k) != KEEL_OK) {
            keel_wipe(out, KEEL_AUDIT_CANARY_LEN + 1);
            return KEEL_ERR_RANDOM;
        }
        out[i] = alphabet[k];
    }
    out[KEEL_AUDIT_CANARY_LEN] = '\0';
    return KEEL_OK;
}

/* s with every placeholder replaced by value, in a new string (NULL: out of memory). */
static char *replace_all(const char *s, const char *placeholder, const char *value)
{
    size_t plen = strlen(placeholder), vlen = strlen(value), n = 0, len;
    keel_buf b;
    char *out;
    keel_err ret = KEEL_OK;

    for (const char *at = strstr(s, placeholder); at != NULL; at = strstr(at + plen, placeholder))
        n++;
    len = strlen(s) - n * plen + n * vlen;
    out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    keel_buf_init(&b, out, len + 1);
    for (const char *at; ret == KEEL_OK && (at = strstr(s, placeholder)) != NULL; s = at + plen) {
        ret = keel_buf_append(&b, s, (size_t)(at - s));
        if (ret == KEEL_OK)
            ret = keel_buf_append(&b, value, vlen);
    }
    if (ret == KEEL_OK)
        ret = keel_buf_append(&b, s, strlen(s) + 1); /* with its NUL */
    if (ret != KEEL_OK) {                            /* cannot happen: len counted it all */
        keel_buf_reset(&b);
        free(out);
        return NULL;
    }
    return out;
}

typedef struct filling {
    const char *placeholder;
    const char *value;
    size_t hits; /* strings changed */
    keel_err ret;
} filling;

/* Replace in one string of the tree. */
static int fill(cJSON *item, void *user)
{
    filling *f = user;
    char *next;

    if (!cJSON_IsString(item) || item->valuestring == NULL ||
        strstr(item->valuestring, f->placeholder) == NULL)
        return 0;
    next = replace_all(item->valuestring, f->placeholder, f->value);
    if (next == NULL) {
        f->ret = KEEL_ERR_NOMEM;
        return 1;
    }
    /* The old text holds only the placeholder; the new one is freed with the tree. */
    free(item->valuestring);
    item->valuestring = next;
    f->hits++;
    return 0;
}

/* Wipe a string before the tree is freed: it may hold a password. */
static int wipe_string(cJSON *item, void *user)
{
    (void)user;
    if (cJSON_IsString(item) && item->valuestring != NULL)
        keel_wipe(item->valuestring, strlen(item->valuestring));
    return 0;
}

keel_err keel_audit_body_fill(const char *body, const char *placeholder, const char *value,
                              char **out)
{
    filling f = {.placeholder = placeholder, .value = value, .hits = 0, .ret = KEEL_OK};
    cJSON *root;
    keel_err ret;

    if (out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    if (body == NULL || placeholder == NULL || placeholder[0] == '\0' || value == NULL)
        return KEEL_ERR_ARG;
    root = cJSON_Parse(body);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return KEEL_ERR_PARSE;
    }
    (void)keel_audit_json_walk(root, fill, &f);
    ret = f.ret;
    if (ret == KEEL_OK && f.hits == 0)
        ret = KEEL_ERR_NOT_FOUND;
    if (ret == KEEL_OK && (*out = cJSON_PrintUnformatted(root)) == NULL)
        ret = KEEL_ERR_NOMEM;
    (void)keel_audit_json_walk(root, wipe_string, NULL);
    cJSON_Delete(root);
    return ret;
}

void keel_audit_body_free(char *body)
{
    if (body == NULL)
        return;
    keel_wipe(body, strlen(body));
    cJSON_free(body);
}

typedef struct search {
    const char (*canaries)[KEEL_AUDIT_CANARY_LEN + 1];
    size_t n;
    keel_audit_evidence *ev;
    keel_audit_canary_hits *hits;
} search;

static void look(const char *path, const uint8_t *data, size_t len, void *user)
{
    search *s = user;
    int any = 0;

    for (size_t i = 0; i < s->n; i++) {
        const uint8_t *at = memmem(data, len, s->canaries[i], KEEL_AUDIT_CANARY_LEN);

        if (at == NULL)
            continue;
        any = 1;
        s->hits->files[i]++;
        if (s->ev != NULL)
            (void)keel_audit_evidence_addf(s->ev,
                                           "%s: canary %.*s... (user data %zu) at offset %zu",
                                           path[0] != '\0' ? path : ".", KEEL_AUDIT_CANARY_SHOWN,
                                           s->canaries[i], i, (size_t)(at - data));
    }
    s->hits->total += (size_t)any;
}

keel_err keel_audit_canary_search(const char *root,
                                  const char (*canaries)[KEEL_AUDIT_CANARY_LEN + 1], size_t n,
                                  keel_audit_evidence *ev, keel_audit_canary_hits *hits,
                                  keel_audit_scan_stats *stats)
{
    keel_audit_canary_hits local;
    keel_audit_scan_stats local_stats;
    search s;

    if (root == NULL || (canaries == NULL && n > 0) || n > KEEL_AUDIT_USER_DATA_MAX)
        return KEEL_ERR_ARG;
    if (hits == NULL)
        hits = &local;
    if (stats == NULL)
        stats = &local_stats;
    memset(hits, 0, sizeof(*hits));
    for (size_t i = 0; i < n; i++) {
        if (strlen(canaries[i]) != KEEL_AUDIT_CANARY_LEN)
            return KEEL_ERR_ARG;
    }
    s.canaries = canaries;
    s.n = n;
    s.ev = ev;
    s.hits = hits;
    return keel_audit_walk_tree(root, NULL, 0, look, &s, stats);
}
