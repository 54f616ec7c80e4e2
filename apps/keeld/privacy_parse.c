/* The bodies of the privacy routes and of the factory reset (5.13-1A): each validated whole,
 * strictly (exact members, no trailing bytes, no escaped NUL), before anything else reads it.
 * The reset body carries the owner's password: every copy made while parsing is wiped. */
#include <string.h>

#include "keeld.h"

/* body parsed as one JSON value followed by nothing but whitespace, or NULL. The body must
 * hold no NUL and no escaped NUL (a string cut short at one would be another string). */
static cJSON *parse_whole(const uint8_t *body, size_t len)
{
    const char *end = NULL;
    cJSON *root;

    if (len == 0 || memchr(body, '\0', len) != NULL || keeld_json_has_escaped_nul(body, len))
        return NULL;
    root = cJSON_ParseWithLengthOpts((const char *)body, len, &end, 0);
    if (root != NULL && (end == NULL || !keeld_json_only_space(end, (const char *)body + len))) {
        keeld_json_wipe_strings(root);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static int purpose_chars(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

keel_err keeld_consent_parse(const uint8_t *body, size_t len, char *purpose, int *granted)
{
    const cJSON *g;
    const char *p;
    size_t plen = 0;
    cJSON *root = NULL;
    keel_err ret = KEEL_ERR_PARSE;

    if ((body == NULL && len != 0) || purpose == NULL || granted == NULL)
        return KEEL_ERR_ARG;
    purpose[0] = '\0';
    *granted = 0;
    if (len > KEELD_CONSENT_BODY_MAX)
        return KEEL_ERR_TOO_LARGE;
    root = parse_whole(body, len);
    /* exactly two members, both found: no third, no duplicate */
    if (root == NULL || !cJSON_IsObject(root) || cJSON_GetArraySize(root) != 2)
        goto out;
    p = keeld_json_string(root, "purpose", KEELD_CONSENT_PURPOSE_MAX, &plen);
    g = keeld_json_member(root, "granted");
    if (p == NULL || !purpose_chars(p, plen) || !cJSON_IsBool(g))
        goto out;
    memcpy(purpose, p, plen);
    purpose[plen] = '\0';
    *granted = cJSON_IsTrue(g);
    ret = KEEL_OK;
out:
    cJSON_Delete(root);
    return ret;
}

keel_err keeld_cloud_delete_parse(const uint8_t *body, size_t len)
{
    cJSON *root;
    keel_err ret;

    if (body == NULL && len != 0)
        return KEEL_ERR_ARG;
    if (len > KEELD_CLOUD_DELETE_BODY_MAX)
        return KEEL_ERR_TOO_LARGE;
    root = parse_whole(body, len);
    ret = root != NULL && cJSON_IsObject(root) && root->child == NULL ? KEEL_OK : KEEL_ERR_PARSE;
    cJSON_Delete(root);
    return ret;
}

/* The two members of the reset body into password. */
static keel_err take_reset(const cJSON *root, keel_secret *password)
{
    const char *pw, *confirm;
    size_t pw_len = 0, confirm_len = 0;

    if (!cJSON_IsObject(root) || cJSON_GetArraySize(root) != 2)
        return KEEL_ERR_PARSE; /* also catches a duplicate member */
    pw = keeld_json_string(root, "password", KEEL_SECRET_MAX, &pw_len);
    confirm = keeld_json_string(root, "confirm", 5, &confirm_len);
    /* the word is part of the request's meaning: "erase" or nothing is erased */
    if (pw == NULL || confirm == NULL || confirm_len != 5 || memcmp(confirm, "erase", 5) != 0)
        return KEEL_ERR_PARSE;
    return keel_secret_set(password, pw, pw_len);
}

keel_err keeld_reset_parse(const uint8_t *body, size_t len, keel_secret *password)
{
    cJSON *root;
    keel_err ret = KEEL_ERR_PARSE;

    if ((body == NULL && len != 0) || password == NULL)
        return KEEL_ERR_ARG;
    keel_secret_clear(password);
    if (len > KEELD_RESET_BODY_MAX)
        return KEEL_ERR_TOO_LARGE;
    root = parse_whole(body, len);
    if (root != NULL)
        ret = take_reset(root, password);
    keeld_json_wipe_strings(root);
    cJSON_Delete(root);
    if (ret != KEEL_OK)
        keel_secret_clear(password);
    return ret;
}
