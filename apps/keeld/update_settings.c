/* The owner's update settings (5.3-4A/B, 5.3-6A/B): the body that changes them, validated
 * whole before anything is applied (5.13-1), and their stored form. */
#include <string.h>

#include "keeld.h"

#define POSTPONE_HOURS_MAX 720 /* thirty days: a postponement, not a way to stop updates */

/* One member: a bool for auto_install or notify, an integer for postpone_hours. */
static keel_err apply_member(const cJSON *m, int64_t now, struct keeld_update_settings *s)
{
    if (strcmp(m->string, "auto_install") == 0 && cJSON_IsBool(m)) {
        s->auto_install = cJSON_IsTrue(m);
    } else if (strcmp(m->string, "notify") == 0 && cJSON_IsBool(m)) {
        s->notify = cJSON_IsTrue(m);
    } else if (strcmp(m->string, "postpone_hours") == 0 && cJSON_IsNumber(m) &&
               m->valuedouble >= 0 && m->valuedouble <= POSTPONE_HOURS_MAX &&
               m->valuedouble == (double)(int)m->valuedouble) {
        s->postponed_until = m->valueint == 0 ? 0 : now + (int64_t)m->valueint * 3600;
    } else {
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

keel_err keeld_update_settings_parse(const uint8_t *body, size_t len, int64_t now,
                                     struct keeld_update_settings *io)
{
    struct keeld_update_settings next;
    const char *end = NULL;
    cJSON *root;
    keel_err ret = KEEL_ERR_PARSE;
    int seen = 0;

    if ((body == NULL && len != 0) || io == NULL)
        return KEEL_ERR_ARG;
    if (len > KEELD_UPDATE_BODY_MAX)
        return KEEL_ERR_TOO_LARGE;
    if (len == 0 || memchr(body, '\0', len) != NULL || keeld_json_has_escaped_nul(body, len))
        return KEEL_ERR_PARSE;
    root = cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0);
    if (root == NULL || !cJSON_IsObject(root) ||
        !keeld_json_only_space(end, (const char *)body + len))
        goto out;
    next = *io;
    for (const cJSON *m = root->child; m != NULL; m = m->next, seen++) {
        if (seen >= 3 || apply_member(m, now, &next) != KEEL_OK)
            goto out;
    }
    /* at least one member, none twice (three distinct names at most) */
    if (seen == 0 || (cJSON_GetObjectItemCaseSensitive(root, "auto_install") != NULL) +
                             (cJSON_GetObjectItemCaseSensitive(root, "notify") != NULL) +
                             (cJSON_GetObjectItemCaseSensitive(root, "postpone_hours") != NULL) !=
                         seen)
        goto out;
    *io = next;
    ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

keel_err keeld_update_settings_encode(const struct keeld_update_settings *s, char *out,
                                      size_t outsz)
{
    return keel_str_format(out, outsz, "%d,%d,%lld", s->auto_install ? 1 : 0, s->notify ? 1 : 0,
                           (long long)s->postponed_until);
}

keel_err keeld_update_settings_decode(const char *text, size_t len,
                                      struct keeld_update_settings *out)
{
    char copy[64], *until;
    uint64_t t = 0;

    if (len < 5 || len >= sizeof(copy))
        return KEEL_ERR_PARSE;
    memcpy(copy, text, len);
    copy[len] = '\0';
    if ((copy[0] != '0' && copy[0] != '1') || copy[1] != ',' ||
        (copy[2] != '0' && copy[2] != '1') || copy[3] != ',')
        return KEEL_ERR_PARSE;
    until = copy + 4;
    if (keel_str_to_u64(until, 0, INT64_MAX, &t) != KEEL_OK)
        return KEEL_ERR_PARSE;
    out->auto_install = copy[0] == '1';
    out->notify = copy[2] == '1';
    out->postponed_until = (int64_t)t;
    return KEEL_OK;
}
