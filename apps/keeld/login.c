/* The login body, the first bytes an attacker on the local network controls: validated
 * whole before anything else reads it (5.13-1). */
#include <string.h>

#include <cjson/cJSON.h>

#include "keeld.h"

keel_err keeld_login_parse(const uint8_t *body, size_t len, keel_secret *password)
{
    const char *end = NULL;
    cJSON *root = NULL;
    cJSON *pw;
    keel_err ret = KEEL_ERR_PARSE;
    size_t n;

    if ((body == NULL && len != 0) || password == NULL)
        return KEEL_ERR_ARG;
    keel_secret_clear(password);
    if (len > KEELD_LOGIN_BODY_MAX)
        return KEEL_ERR_TOO_LARGE;
    if (len == 0 || memchr(body, '\0', len) != NULL || keeld_json_has_escaped_nul(body, len))
        return KEEL_ERR_PARSE;
    root = cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0);
    if (root == NULL || end == NULL || !keeld_json_only_space(end, (const char *)body + len) ||
        !cJSON_IsObject(root) || cJSON_GetArraySize(root) != 1)
        goto out;
    pw = root->child;
    if (pw->string == NULL || strcmp(pw->string, "password") != 0 || !cJSON_IsString(pw) ||
        pw->valuestring == NULL)
        goto out;
    n = strlen(pw->valuestring);
    if (n == 0 || n > KEEL_SECRET_MAX)
        goto out;
    ret = keel_secret_set(password, pw->valuestring, n);
out:
    keeld_json_wipe_strings(root);
    cJSON_Delete(root);
    if (ret != KEEL_OK)
        keel_secret_clear(password);
    return ret;
}
