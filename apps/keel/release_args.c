/* The values keel release accepts on its command line, checked where they enter:
 * role names, "role=value" lists, and what goes into a target (names, hardware ids, version
 * strings and the owner-facing notice texts of 5.3-11 and 5.3-12), held to the rules of
 * keel/update.h so that a device never meets a document it would refuse. */
#include <string.h>
#include <time.h>

#include "release.h"

static const char *const key_type_names[] = {"ed25519", "ecdsa-p256"};

keel_err release_key_type_parse(const char *text, enum release_key_type *out)
{
    for (size_t i = 0; i < sizeof(key_type_names) / sizeof(key_type_names[0]); i++) {
        if (strcmp(text, key_type_names[i]) == 0) {
            *out = (enum release_key_type)i;
            return KEEL_OK;
        }
    }
    return KEEL_ERR_PARSE;
}

const char *release_key_type_name(enum release_key_type type)
{
    return type == RELEASE_KEY_P256 ? key_type_names[1] : key_type_names[0];
}

keel_err release_role_parse(const char *text, keel_update_role *out)
{
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        if (strcmp(text, keel_update_role_name((keel_update_role)r)) == 0) {
            *out = (keel_update_role)r;
            return KEEL_OK;
        }
    }
    return KEEL_ERR_PARSE;
}

/* One "role=value" item of len bytes at item. */
static keel_err role_value(const char *item, size_t len, uint64_t min, uint64_t max,
                           uint32_t values[KEEL_UPDATE_ROLES], int seen[KEEL_UPDATE_ROLES],
                           struct release_err *e)
{
    char copy[64];
    char *eq;
    keel_update_role role;
    uint64_t v = 0;

    if (len == 0 || len >= sizeof(copy))
        return release_fail(e, KEEL_ERR_PARSE, "'%.*s' is not role=value", (int)len, item);
    memcpy(copy, item, len);
    copy[len] = '\0';
    eq = strchr(copy, '=');
    if (eq == NULL)
        return release_fail(e, KEEL_ERR_PARSE, "'%s' is not role=value", copy);
    *eq = '\0';
    if (release_role_parse(copy, &role) != KEEL_OK)
        return release_fail(e, KEEL_ERR_PARSE,
                            "'%s' is no role (root, targets, snapshot, timestamp)", copy);
    if (seen[role])
        return release_fail(e, KEEL_ERR_PARSE, "%s is named twice", copy);
    if (keel_str_to_u64(eq + 1, min, max, &v) != KEEL_OK)
        return release_fail(e, KEEL_ERR_PARSE, "%s=%s: a number from %llu to %llu", copy, eq + 1,
                            (unsigned long long)min, (unsigned long long)max);
    seen[role] = 1;
    values[role] = (uint32_t)v;
    return KEEL_OK;
}

keel_err release_role_values_parse(const char *spec, uint64_t min, uint64_t max,
                                   uint32_t values[KEEL_UPDATE_ROLES], struct release_err *e)
{
    int seen[KEEL_UPDATE_ROLES] = {0};
    const char *p = spec;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        keel_err ret = role_value(p, len, min, max, values, seen, e);

        if (ret != KEEL_OK)
            return ret;
        if (comma == NULL)
            return KEEL_OK;
        p = comma + 1;
    }
}

keel_err release_time_arg(const char *text, int64_t *out)
{
    if (strcmp(text, "now") == 0) {
        *out = (int64_t)time(NULL);
        return KEEL_OK;
    }
    return keel_update_time_parse(text, out);
}
