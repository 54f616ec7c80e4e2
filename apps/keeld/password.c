/* The password-change body (5.1-1, 5.1-4): validated whole before anything reads it
 * (5.13-1). The new password is taken as bytes, longer than any the policy accepts, so that
 * the owner is told "too long" rather than "bad request". */
#include <string.h>

#include "keeld.h"

static keel_err take(const cJSON *root, keel_secret *current, uint8_t *new_pw, size_t *new_len)
{
    const char *cur;
    const char *nw;
    size_t cur_len = 0;

    if (!cJSON_IsObject(root) || cJSON_GetArraySize(root) != 2)
        return KEEL_ERR_PARSE; /* also catches a duplicate member */
    cur = keeld_json_string(root, "current", KEEL_SECRET_MAX, &cur_len);
    nw = keeld_json_string(root, "new", KEELD_NEW_PASSWORD_MAX, new_len);
    if (cur == NULL || nw == NULL)
        return KEEL_ERR_PARSE;
    memcpy(new_pw, nw, *new_len);
    return keel_secret_set(current, cur, cur_len);
}

keel_err keeld_password_parse(const uint8_t *body, size_t len, keel_secret *current,
                              uint8_t new_pw[KEELD_NEW_PASSWORD_MAX], size_t *new_len)
{
    const char *end = NULL;
    cJSON *root = NULL;
    keel_err ret = KEEL_ERR_PARSE;

    if ((body == NULL && len != 0) || current == NULL || new_pw == NULL || new_len == NULL)
        return KEEL_ERR_ARG;
    keel_secret_clear(current);
    keel_wipe(new_pw, KEELD_NEW_PASSWORD_MAX);
    *new_len = 0;
    if (len > KEELD_PASSWORD_BODY_MAX)
        return KEEL_ERR_TOO_LARGE;
    if (len == 0 || memchr(body, '\0', len) != NULL || keeld_json_has_escaped_nul(body, len))
        return KEEL_ERR_PARSE;
    root = cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0);
    if (root != NULL && end != NULL && keeld_json_only_space(end, (const char *)body + len))
        ret = take(root, current, new_pw, new_len);
    keeld_json_wipe_strings(root);
    cJSON_Delete(root);
    if (ret != KEEL_OK) {
        keel_secret_clear(current);
        keel_wipe(new_pw, KEELD_NEW_PASSWORD_MAX);
        *new_len = 0;
    }
    return ret;
}
