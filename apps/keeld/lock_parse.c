/* The bodies of the lock's routes (POST /api/v1/lock, /api/v1/pins, /api/v1/pins/remove),
 * validated whole before anything reads them (5.13-1A): exactly the members named, of the
 * right type, length and range; unknown, missing and duplicate members, trailing bytes,
 * NUL bytes and escaped NULs are refused. */
#include <string.h>

#include "keeld.h"

#define BODY_COPY_MAX KEELD_PIN_BODY_MAX /* the largest body parsed here */
#define PIN_TEXT_MAX (KEELD_PIN_MAX_DIGITS + 8u)
#define ID_MAX 2147483647.0 /* 2^31 - 1 */

/* Parse the len bytes at body as one JSON object of exactly members members into *root
 * (the caller deletes it). cJSON reads a NUL-terminated copy, told to require the NUL right
 * after the value (trailing whitespace aside): it never reads past the copy and refuses
 * trailing bytes itself. The copy is wiped (a body may hold a PIN). */
static keel_err parse_object(const uint8_t *body, size_t len, size_t max, int members, cJSON **root)
{
    char copy[BODY_COPY_MAX + 1];

    *root = NULL;
    if (body == NULL && len != 0)
        return KEEL_ERR_ARG;
    if (len > max)
        return KEEL_ERR_TOO_LARGE;
    if (len == 0 || memchr(body, '\0', len) != NULL || keeld_json_has_escaped_nul(body, len))
        return KEEL_ERR_PARSE;
    memcpy(copy, body, len);
    copy[len] = '\0';
    *root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
    keel_wipe(copy, sizeof(copy));
    /* members counted as cJSON keeps them: a duplicate counts twice, so that with every
     * expected name found, the count also rules duplicates and unknown names out */
    if (*root == NULL || !cJSON_IsObject(*root) || cJSON_GetArraySize(*root) != members) {
        keeld_json_wipe_strings(*root);
        cJSON_Delete(*root);
        *root = NULL;
        return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

keel_err keeld_lock_action_parse(const uint8_t *body, size_t len, int *locked)
{
    cJSON *root = NULL;
    const char *action;
    size_t n = 0;
    keel_err ret;

    if (locked == NULL)
        return KEEL_ERR_ARG;
    *locked = 0;
    ret = parse_object(body, len, KEELD_LOCK_BODY_MAX, 1, &root);
    if (ret != KEEL_OK)
        return ret;
    action = keeld_json_string(root, "action", 6, &n);
    ret = KEEL_ERR_PARSE;
    if (action != NULL && strcmp(action, "lock") == 0) {
        *locked = 1;
        ret = KEEL_OK;
    } else if (action != NULL && strcmp(action, "unlock") == 0) {
        ret = KEEL_OK;
    }
    cJSON_Delete(root);
    return ret;
}

keel_err keeld_pin_add_parse(const uint8_t *body, size_t len, char *name, char *pin)
{
    cJSON *root = NULL;
    const char *nm, *pn;
    size_t name_len = 0, pin_len = 0;
    keel_err ret;

    if (name == NULL || pin == NULL)
        return KEEL_ERR_ARG;
    name[0] = '\0';
    keel_wipe(pin, PIN_TEXT_MAX + 1);
    ret = parse_object(body, len, KEELD_PIN_BODY_MAX, 2, &root);
    if (ret != KEEL_OK)
        return ret;
    nm = keeld_json_string(root, "name", KEELD_PIN_NAME_MAX, &name_len);
    pn = keeld_json_string(root, "pin", PIN_TEXT_MAX, &pin_len);
    ret = KEEL_ERR_PARSE;
    if (nm != NULL && pn != NULL && keeld_text_printable(nm, name_len)) {
        memcpy(name, nm, name_len + 1);
        memcpy(pin, pn, pin_len + 1);
        ret = KEEL_OK;
    }
    keeld_json_wipe_strings(root);
    cJSON_Delete(root);
    return ret;
}

keel_err keeld_pin_remove_parse(const uint8_t *body, size_t len, uint32_t *id)
{
    cJSON *root = NULL;
    const cJSON *m;
    keel_err ret;

    if (id == NULL)
        return KEEL_ERR_ARG;
    *id = 0;
    ret = parse_object(body, len, KEELD_LOCK_BODY_MAX, 1, &root);
    if (ret != KEEL_OK)
        return ret;
    m = keeld_json_member(root, "id");
    ret = KEEL_ERR_PARSE;
    /* an integer in range: 1e400 is infinity, 1.5 is not whole, NaN compares false */
    if (m != NULL && cJSON_IsNumber(m) && m->valuedouble >= 1.0 && m->valuedouble <= ID_MAX &&
        m->valuedouble == (double)(uint32_t)m->valuedouble) {
        *id = (uint32_t)m->valuedouble;
        ret = KEEL_OK;
    }
    cJSON_Delete(root);
    return ret;
}
