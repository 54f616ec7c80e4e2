/* identity.json, as written by `keel provision`: validated field by field, refusing
 * anything unknown or missing, with an error that names the file and the field, so a
 * damaged device directory stops keeld instead of starting it half-configured. It holds
 * public facts only; the password hashes are in the secure store (5.4-1). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "keel/tls.h"
#include "keeld.h"

struct field {
    const char *name;
    size_t min;
    size_t max;
    int (*valid)(const char *s);
    size_t offset; /* into struct keeld_identity; 0 for "format" */
};

static int model_ok(const char *s)
{
    for (size_t i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

static int serial_ok(const char *s)
{
    return keel_tls_serial_check(s) == KEEL_OK;
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static int created_ok(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

    for (size_t i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    return s[sizeof(shape) - 1] == '\0';
}

/* A backend keel_rot_backend_name can name. */
static int rot_ok(const char *s)
{
    return strcmp(s, keel_rot_backend_name(KEEL_ROT_BACKEND_FILE)) == 0 ||
           strcmp(s, keel_rot_backend_name(KEEL_ROT_BACKEND_TPM2)) == 0;
}

static const struct field fields[] = {
    {"format", 0, 0, NULL, 0},
    {"serial", 4, KEELD_NAME_MAX, serial_ok, offsetof(struct keeld_identity, serial)},
    {"model", 1, KEELD_NAME_MAX, model_ok, offsetof(struct keeld_identity, model)},
    {"created", 20, 20, created_ok, offsetof(struct keeld_identity, created)},
    {"rot", 1, KEELD_ROT_NAME_MAX, rot_ok, offsetof(struct keeld_identity, rot)},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

KEEL_PRINTF(3, 4)
static keel_err fail(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errsz > 0) {
        va_start(ap, fmt);
        if (vsnprintf(err, errsz, fmt, ap) < 0)
            err[0] = '\0';
        va_end(ap);
    }
    return KEEL_ERR_PARSE;
}

static const struct field *field_named(const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++) {
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    }
    return NULL;
}

static keel_err take_field(const struct field *f, const cJSON *item, const char *file,
                           struct keeld_identity *out, char *err, size_t errsz)
{
    size_t n;

    if (f->valid == NULL) {
        if (!cJSON_IsNumber(item) || item->valuedouble != (double)KEELD_IDENTITY_FORMAT)
            return fail(err, errsz, "%s: field 'format' must be the number %d", file,
                        KEELD_IDENTITY_FORMAT);
        return KEEL_OK;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return fail(err, errsz, "%s: field '%s' must be a string", file, f->name);
    n = strlen(item->valuestring);
    if (n < f->min || n > f->max || !f->valid(item->valuestring))
        return fail(err, errsz,
                    "%s: field '%s' is malformed (%zu to %zu characters of the "
                    "documented form)",
                    file, f->name, f->min, f->max);
    memcpy((char *)out + f->offset, item->valuestring, n + 1);
    return KEEL_OK;
}

static keel_err take_fields(const cJSON *root, const char *file, struct keeld_identity *out,
                            char *err, size_t errsz)
{
    int seen[NFIELDS] = {0};

    for (const cJSON *m = root->child; m != NULL; m = m->next) {
        const struct field *f = field_named(m->string != NULL ? m->string : "");
        keel_err ret;
        if (f == NULL)
            return fail(err, errsz, "%s: unknown field '%.64s'", file, m->string);
        if (seen[f - fields]++)
            return fail(err, errsz, "%s: field '%s' appears twice", file, f->name);
        ret = take_field(f, m, file, out, err, errsz);
        if (ret != KEEL_OK)
            return ret;
    }
    for (size_t i = 0; i < NFIELDS; i++) {
        if (!seen[i])
            return fail(err, errsz, "%s: missing field '%s'", file, fields[i].name);
    }
    return KEEL_OK;
}

keel_err keeld_identity_parse(const char *text, size_t len, const char *file,
                              struct keeld_identity *out, char *err, size_t errsz)
{
    const char *end = NULL;
    cJSON *root = NULL;
    keel_err ret;

    if (text == NULL || out == NULL || file == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (err != NULL && errsz > 0)
        err[0] = '\0';
    if (len > KEELD_IDENTITY_MAX)
        return fail(err, errsz, "%s: larger than %u bytes", file, KEELD_IDENTITY_MAX);
    if (memchr(text, '\0', len) != NULL)
        return fail(err, errsz, "%s: not JSON (contains a NUL byte)", file);
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL)
        ret = fail(err, errsz, "%s: not valid JSON", file);
    else if (!cJSON_IsObject(root))
        ret = fail(err, errsz, "%s: must be a JSON object", file);
    else
        ret = take_fields(root, file, out, err, errsz);
    for (; ret == KEEL_OK && end != NULL && end < text + len; end++) {
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n')
            ret = fail(err, errsz, "%s: trailing bytes after the JSON object", file);
    }
    cJSON_Delete(root);
    if (ret != KEEL_OK)
        keel_wipe(out, sizeof(*out));
    return ret;
}
