/* The owner's request that the associated service delete their data (5.11-2, 5.11-4): the
 * request keeld sends on keel/<serial>/privacy/delete and the service's confirmation on
 * keel/<serial>/privacy/deleted. The confirmation is input the broker pushes into the
 * device, so it is validated whole against its declared shape before anything changes
 * (5.13-1A): exactly {"request":"<32 lower-case hex>","items":N}, N a whole number
 * 0..2^53. It only ever moves the one pending request to "confirmed"; a confirmation for
 * any other id (an old request, a forged or mistaken one) changes nothing, and a retained
 * one is refused, since the broker would hand it over again at every connection. */
#include <string.h>
#include <time.h>

#include "keeld.h"

#define DELETED_MEMBERS 2

static int request_id_valid(const char *s)
{
    size_t n = strlen(s);

    if (n != KEELD_DELETION_ID_HEX)
        return 0;
    return strspn(s, "0123456789abcdef") == n;
}

/* A JSON number holding a whole number 0..KEELD_DELETED_ITEMS_MAX (a double holds each one
 * exactly, so the comparison below is exact). */
static int items_from(const cJSON *m, uint64_t *out)
{
    double v;

    if (!cJSON_IsNumber(m))
        return 0;
    v = m->valuedouble;
    if (!(v >= 0.0) || v > (double)KEELD_DELETED_ITEMS_MAX || v != (double)(uint64_t)v)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

keel_err keeld_deleted_parse(const uint8_t *payload, size_t len, char id[KEELD_DELETION_ID_HEX + 1],
                             uint64_t *items)
{
    const cJSON *m_request = NULL, *m_items = NULL;
    const char *end = NULL;
    keel_err ret = KEEL_ERR_PARSE;
    uint64_t n = 0;
    cJSON *root = NULL;
    int members = 0;

    if ((payload == NULL && len != 0) || id == NULL || items == NULL)
        return KEEL_ERR_ARG;
    id[0] = '\0';
    *items = 0;
    if (len > KEELD_DELETED_MAX)
        return KEEL_ERR_TOO_LARGE;
    /* raw and escaped NUL first: cJSON would cut a string at one */
    if (len == 0 || memchr(payload, '\0', len) != NULL || keeld_json_has_escaped_nul(payload, len))
        return KEEL_ERR_PARSE;
    root = cJSON_ParseWithLengthOpts((const char *)payload, len, &end, 0);
    if (root == NULL || end == NULL || !cJSON_IsObject(root) ||
        !keeld_json_only_space(end, (const char *)payload + len))
        goto out;
    /* the members themselves, not a lookup by name: cJSON keeps duplicates */
    for (const cJSON *m = root->child; m != NULL; m = m->next) {
        if (++members > DELETED_MEMBERS || m->string == NULL)
            goto out;
        if (strcmp(m->string, "request") == 0 && m_request == NULL)
            m_request = m;
        else if (strcmp(m->string, "items") == 0 && m_items == NULL)
            m_items = m;
        else
            goto out;
    }
    if (m_request == NULL || m_items == NULL || !cJSON_IsString(m_request) ||
        m_request->valuestring == NULL || !request_id_valid(m_request->valuestring) ||
        !items_from(m_items, &n))
        goto out;
    memcpy(id, m_request->valuestring, KEELD_DELETION_ID_HEX + 1);
    *items = n;
    ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

keel_err keeld_deletion_request_json(const char *id, int64_t requested, char *out, size_t outsz)
{
    char when[32];
    struct tm tm;
    time_t t = (time_t)requested;

    if (id == NULL || out == NULL || outsz == 0 || !request_id_valid(id) || requested < 0 ||
        (int64_t)t != requested)
        return KEEL_ERR_ARG;
    if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        return KEEL_ERR_ARG;
    return keel_str_format(out, outsz, "{\"request\":\"%s\",\"requested\":\"%s\"}", id, when);
}

keel_err keeld_cloud_deleted(struct keeld_lock *l, const uint8_t *payload, size_t len, int retained)
{
    char id[KEELD_DELETION_ID_HEX + 1];
    uint64_t items = 0;
    keel_err ret;

    if (l == NULL || (payload == NULL && len != 0))
        return KEEL_ERR_ARG;
    if (retained) {
        keel_log(KEEL_LOG_WARN, "cloud: refused a retained deletion confirmation");
        return KEEL_ERR_PERM;
    }
    ret = keeld_deleted_parse(payload, len, id, &items);
    if (ret != KEEL_OK) {
        keel_log(KEEL_LOG_WARN, "cloud: refused a malformed deletion confirmation (%s)",
                 keel_strerror(ret));
        return ret;
    }
    ret = keeld_lock_deletion_confirm(l, id, items);
    if (ret == KEEL_ERR_NOT_FOUND)
        keel_log(KEEL_LOG_WARN,
                 "cloud: ignored a deletion confirmation for request %s: not the pending request",
                 id);
    else if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "cloud: cannot record the confirmation of deletion request %s: %s",
                 id, keel_strerror(ret));
    else
        keel_log(KEEL_LOG_WARN, "cloud: the service confirmed deletion request %s (%llu items)", id,
                 (unsigned long long)items);
    return ret;
}
