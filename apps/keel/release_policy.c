/* The release policy kept in the repository's state directory: how long each role's
 * metadata stays valid when signed (5.3-7: a device refuses stale metadata, so the periods
 * bound how long a replayed copy can deceive it) and which key type new keys get. Written
 * by init; edit .keel-release/policy.json to change it. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "release.h"

#define POLICY_FORMAT 1
#define POLICY_MAX 4096u

void release_policy_default(struct release_policy *p)
{
    p->expires_days[KEEL_UPDATE_ROLE_ROOT] = 365;
    p->expires_days[KEEL_UPDATE_ROLE_TARGETS] = 90;
    p->expires_days[KEEL_UPDATE_ROLE_SNAPSHOT] = 7;
    p->expires_days[KEEL_UPDATE_ROLE_TIMESTAMP] = 1;
    p->key_type = RELEASE_KEY_ED25519;
}

static keel_err read_days(const cJSON *days, struct release_policy *p, struct release_err *e)
{
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        const char *name = keel_update_role_name((keel_update_role)r);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(days, name);

        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > RELEASE_DAYS_MAX ||
            v->valuedouble != (double)(uint32_t)v->valuedouble)
            return release_fail(e, KEEL_ERR_PARSE,
                                "%s: expires_days.%s must be a whole number of days from 1 to %u",
                                RELEASE_POLICY_FILE, name, RELEASE_DAYS_MAX);
        p->expires_days[r] = (uint32_t)v->valuedouble;
    }
    return KEEL_OK;
}

static keel_err parse(const char *text, size_t len, struct release_policy *p, struct release_err *e)
{
    cJSON *doc = cJSON_ParseWithLength(text, len);
    const cJSON *format, *days, *type;
    keel_err ret = release_fail(e, KEEL_ERR_PARSE, "%s: not a JSON object", RELEASE_POLICY_FILE);

    if (!cJSON_IsObject(doc))
        goto out;
    format = cJSON_GetObjectItemCaseSensitive(doc, "format");
    days = cJSON_GetObjectItemCaseSensitive(doc, "expires_days");
    type = cJSON_GetObjectItemCaseSensitive(doc, "key_type");
    if (!cJSON_IsNumber(format) || format->valuedouble != POLICY_FORMAT) {
        ret = release_fail(e, KEEL_ERR_PARSE, "%s: format must be %d", RELEASE_POLICY_FILE,
                           POLICY_FORMAT);
        goto out;
    }
    if (!cJSON_IsObject(days) || !cJSON_IsString(type) ||
        release_key_type_parse(type->valuestring, &p->key_type) != KEEL_OK) {
        ret = release_fail(e, KEEL_ERR_PARSE,
                           "%s: needs expires_days {role: days} and key_type "
                           "(ed25519 or ecdsa-p256)",
                           RELEASE_POLICY_FILE);
        goto out;
    }
    ret = read_days(days, p, e);
out:
    cJSON_Delete(doc);
    return ret;
}

keel_err release_policy_read(const char *dir, struct release_policy *p, struct release_err *e)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret = release_read(dir, RELEASE_POLICY_FILE, POLICY_MAX, &text, &len, e);

    if (ret != KEEL_OK)
        return ret;
    ret = parse(text, len, p, e);
    keel_file_free(text, len);
    return ret;
}

static cJSON *to_json(const struct release_policy *p)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *days = cJSON_AddObjectToObject(doc, "expires_days");
    int ok = doc != NULL && days != NULL &&
             cJSON_AddNumberToObject(doc, "format", POLICY_FORMAT) != NULL &&
             cJSON_AddStringToObject(doc, "key_type", release_key_type_name(p->key_type)) != NULL;

    for (int r = 0; ok && r < KEEL_UPDATE_ROLES; r++)
        ok = cJSON_AddNumberToObject(days, keel_update_role_name((keel_update_role)r),
                                     p->expires_days[r]) != NULL;
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

keel_err release_policy_write(const char *dir, const struct release_policy *p,
                              struct release_err *e)
{
    cJSON *doc = to_json(p);
    char *text = doc != NULL ? cJSON_Print(doc) : NULL;
    char path[RELEASE_PATH_MAX];
    keel_err ret = release_fail(e, KEEL_ERR_NOMEM, "%s: out of memory", RELEASE_POLICY_FILE);

    if (text == NULL)
        goto out;
    ret = release_path(path, dir, RELEASE_POLICY_FILE);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, text, strlen(text), 0600);
    if (ret != KEEL_OK)
        release_fail(e, ret, "%s: cannot write: %s", path, keel_strerror(ret));
out:
    free(text);
    cJSON_Delete(doc);
    return ret;
}
