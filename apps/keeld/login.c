/* The login body, the first bytes an attacker on the local network controls: validated
 * whole before anything else reads it (5.13-1). */
#include <string.h>

#include <cjson/cJSON.h>

#include "keeld.h"

static int only_space(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return 0;
    }
    return 1;
}

/* cJSON copies the password into its own strings: wipe them before they are freed. */
static void wipe_strings(cJSON *root)
{
    for (cJSON *m = root != NULL ? root->child : NULL; m != NULL; m = m->next) {
        if (cJSON_IsString(m) && m->valuestring != NULL)
            keel_wipe(m->valuestring, strlen(m->valuestring));
    }
}

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
    if (len == 0 || memchr(body, '\0', len) != NULL)
        return KEEL_ERR_PARSE;
    root = cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0);
    if (root == NULL || end == NULL || !only_space(end, (const char *)body + len) ||
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
    wipe_strings(root);
    cJSON_Delete(root);
    if (ret != KEEL_OK)
        keel_secret_clear(password);
    return ret;
}
