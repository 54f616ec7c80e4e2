/* The JSON every role's document and every envelope is read from and written to. The
 * documents come from a repository an attacker may control (5.13-1: input from the network
 * is validated, before and after its signature is checked): each member has one type, one range and
 * one occurrence, numbers are integers a double holds exactly, and each refusal names the field so
 * that a release team can find it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meta_private.h"

#define SPEC_VERSION "1.0"

keel_err keel_update_json_refuse(keel_err err, const char *where, const char *name, const char *why)
{
    keel_log(KEEL_LOG_ERROR, "update: %s%s%s: %s", where, name[0] != '\0' ? "." : "", name, why);
    return err;
}

/* cJSON reads "\u0000" into a NUL that would silently end the string it is in. Looking for
 * the six bytes also refuses the rare text that spells them after an escaped backslash,
 * which fails closed. */
static int has_nul_escape(const char *text, size_t len)
{
    static const char seq[] = "\\u0000";
    const size_t n = sizeof(seq) - 1;

    for (size_t i = 0; i + n <= len; i++) {
        if (text[i] == '\\' && memcmp(text + i, seq, n) == 0)
            return 1;
    }
    return 0;
}

keel_err keel_update_json_parse(const void *text, size_t len, size_t max, const char *what,
                                cJSON **out)
{
    char *copy = NULL;
    cJSON *doc = NULL;
    keel_err ret = KEEL_ERR_PARSE;

    if (text == NULL || what == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    if (len > max)
        return keel_update_json_refuse(KEEL_ERR_TOO_LARGE, what, "", "larger than its limit");
    if (memchr(text, '\0', len) != NULL || has_nul_escape(text, len))
        return keel_update_json_refuse(KEEL_ERR_PARSE, what, "", "holds a NUL character");
    /* cJSON checks for trailing garbage only up to a NUL inside the length it is given. */
    if ((copy = malloc(len + 1)) == NULL)
        return KEEL_ERR_NOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    doc = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
    if (doc == NULL)
        keel_update_json_refuse(KEEL_ERR_PARSE, what, "", "not one well-formed JSON text");
    else if (!cJSON_IsObject(doc))
        keel_update_json_refuse(KEEL_ERR_PARSE, what, "", "not a JSON object");
    else
        ret = KEEL_OK;
    free(copy);
    if (ret == KEEL_OK)
        *out = doc;
    else
        cJSON_Delete(doc);
    return ret;
}

keel_err keel_update_json_member(const cJSON *obj, const char *where, const char *name,
                                 const cJSON **out)
{
    const cJSON *found = NULL;

    if (obj == NULL || where == NULL || name == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    for (const cJSON *m = obj->child; m != NULL; m = m->next) {
        if (m->string == NULL || strcmp(m->string, name) != 0)
            continue;
        if (found != NULL)
            return keel_update_json_refuse(KEEL_ERR_PARSE, where, name, "given more than once");
        found = m;
    }
    if (found == NULL)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, name, "missing");
    *out = found;
    return KEEL_OK;
}

int keel_update_json_has(const cJSON *obj, const char *name)
{
    return obj != NULL && name != NULL && cJSON_GetObjectItemCaseSensitive(obj, name) != NULL;
}

keel_err keel_update_json_object(const cJSON *obj, const char *where, const char *name,
                                 const cJSON **out)
{
    keel_err ret = keel_update_json_member(obj, where, name, out);

    if (ret == KEEL_OK && !cJSON_IsObject(*out)) {
        *out = NULL;
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, name, "must be an object");
    }
    return ret;
}

keel_err keel_update_json_u64(const cJSON *obj, const char *where, const char *name, uint64_t min,
                              uint64_t max, uint64_t *out)
{
    const cJSON *m = NULL;
    keel_err ret;
    double d;

    if (out == NULL || min > max || max > KEEL_UPDATE_JSON_INT_MAX)
        return KEEL_ERR_ARG;
    *out = 0;
    if ((ret = keel_update_json_member(obj, where, name, &m)) != KEEL_OK)
        return ret;
    if (!cJSON_IsNumber(m))
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, name, "must be a number");
    d = m->valuedouble;
    /* Compare as doubles first: every bound up to 2^53 - 1 is exact there, and a NaN or
     * an infinity fails every comparison. */
    if (!(d >= 0.0 && d <= (double)KEEL_UPDATE_JSON_INT_MAX) || floor(d) != d)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, name,
                                       "must be a whole number from 0 to 2^53 - 1");
    if ((uint64_t)d < min || (uint64_t)d > max) {
        keel_log(KEEL_LOG_ERROR, "update: %s.%s: must be from %llu to %llu", where, name,
                 (unsigned long long)min, (unsigned long long)max);
        return KEEL_ERR_PARSE;
    }
    *out = (uint64_t)d;
    return KEEL_OK;
}

keel_err keel_update_json_string(const cJSON *obj, const char *where, const char *name, size_t size,
                                 const char **out)
{
    const cJSON *m = NULL;
    keel_err ret;

    if (out == NULL || size == 0)
        return KEEL_ERR_ARG;
    *out = NULL;
    if ((ret = keel_update_json_member(obj, where, name, &m)) != KEEL_OK)
        return ret;
    if (!cJSON_IsString(m) || m->valuestring == NULL)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, name, "must be a string");
    if (strnlen(m->valuestring, size) >= size)
        return keel_update_json_refuse(KEEL_ERR_TOO_LARGE, where, name, "too long");
    *out = m->valuestring;
    return KEEL_OK;
}

keel_err keel_update_json_bool(const cJSON *obj, const char *where, const char *name, int *out)
{
    const cJSON *m = NULL;
    keel_err ret;

    if (out == NULL)
        return KEEL_ERR_ARG;
    *out = 0;
    if ((ret = keel_update_json_member(obj, where, name, &m)) != KEEL_OK)
        return ret;
    if (!cJSON_IsBool(m))
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, name, "must be true or false");
    *out = cJSON_IsTrue(m) ? 1 : 0;
    return KEEL_OK;
}

keel_err keel_update_json_header_parse(const cJSON *doc, keel_update_role role,
                                       keel_update_header *out)
{
    const char *what = keel_update_role_name(role);
    const char *s = NULL;
    keel_err ret;

    if (doc == NULL || out == NULL || (unsigned)role >= KEEL_UPDATE_ROLES)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if ((ret = keel_update_json_string(doc, what, "_type", 16, &s)) != KEEL_OK)
        return ret == KEEL_ERR_TOO_LARGE ? KEEL_ERR_PARSE : ret;
    if (strcmp(s, what) != 0)
        return keel_update_json_refuse(KEEL_ERR_PARSE, what, "_type", "names another role");
    if ((ret = keel_update_json_string(doc, what, "spec_version", 16, &s)) != KEEL_OK)
        return ret == KEEL_ERR_TOO_LARGE ? KEEL_ERR_PARSE : ret;
    if (strcmp(s, SPEC_VERSION) != 0)
        return keel_update_json_refuse(KEEL_ERR_PARSE, what, "spec_version", "must be \"1.0\"");
    if ((ret = keel_update_json_u64(doc, what, "version", 1, KEEL_UPDATE_JSON_INT_MAX,
                                    &out->version)) != KEEL_OK)
        return ret;
    if ((ret = keel_update_json_string(doc, what, "expires", 32, &s)) != KEEL_OK)
        return ret == KEEL_ERR_TOO_LARGE ? KEEL_ERR_PARSE : ret;
    if (keel_update_time_parse(s, &out->expires) != KEEL_OK)
        return keel_update_json_refuse(KEEL_ERR_PARSE, what, "expires",
                                       "must be YYYY-MM-DDTHH:MM:SSZ");
    out->type = role;
    return KEEL_OK;
}

keel_err keel_update_json_add_u64(cJSON *obj, const char *name, uint64_t v)
{
    char digits[24];

    if (obj == NULL || name == NULL || v > KEEL_UPDATE_JSON_INT_MAX)
        return KEEL_ERR_ARG;
    /* Written as decimal digits by keel, not by cJSON's number printer, which rounds to 15
     * significant digits when the result compares "close enough" (9007199254740991 would
     * come out as 9.00719925474099e+15). */
    if (keel_str_format(digits, sizeof(digits), "%llu", (unsigned long long)v) != KEEL_OK)
        return KEEL_ERR_RANGE;
    return cJSON_AddRawToObject(obj, name, digits) != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
}

keel_err keel_update_json_add_string(cJSON *obj, const char *name, const char *s)
{
    if (obj == NULL || name == NULL || s == NULL)
        return KEEL_ERR_ARG;
    return cJSON_AddStringToObject(obj, name, s) != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
}

keel_err keel_update_json_header_emit(const keel_update_header *header, keel_update_role role,
                                      cJSON **out)
{
    char expires[21];
    cJSON *doc = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (header == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    if (header->type != role || (unsigned)role >= KEEL_UPDATE_ROLES || header->version == 0 ||
        header->version > KEEL_UPDATE_JSON_INT_MAX ||
        keel_update_time_format(header->expires, expires) != KEEL_OK)
        return KEEL_ERR_ARG;
    if ((doc = cJSON_CreateObject()) == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = keel_update_json_add_string(doc, "_type", keel_update_role_name(role))) != KEEL_OK ||
        (ret = keel_update_json_add_string(doc, "spec_version", SPEC_VERSION)) != KEEL_OK ||
        (ret = keel_update_json_add_u64(doc, "version", header->version)) != KEEL_OK ||
        (ret = keel_update_json_add_string(doc, "expires", expires)) != KEEL_OK) {
        cJSON_Delete(doc);
        return ret;
    }
    *out = doc;
    return KEEL_OK;
}

keel_err keel_update_json_print(const cJSON *doc, char **out, size_t *out_len)
{
    char *text;
    char *copy = NULL;
    size_t n;
    keel_err ret = KEEL_ERR_NOMEM;

    if (doc == NULL || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if ((text = cJSON_Print(doc)) == NULL)
        return KEEL_ERR_NOMEM;
    n = strlen(text);
    if (n > KEEL_UPDATE_META_MAX) {
        keel_log(KEEL_LOG_ERROR, "update: a document of %zu bytes is over the limit of %zu", n,
                 KEEL_UPDATE_META_MAX);
        ret = KEEL_ERR_TOO_LARGE;
    } else if ((copy = malloc(n + 1)) != NULL) {
        /* The caller frees with free(), whatever allocator cJSON was given. */
        memcpy(copy, text, n + 1);
        *out = copy;
        *out_len = n;
        ret = KEEL_OK;
    }
    cJSON_free(text);
    return ret;
}
