/* The targets document: the images a device may install, each with the length and hash it
 * must have (5.3-9, 5.3-10: no endless data, no altered bytes), the hardware it is built for,
 * its security version (the anti-rollback number of the update mechanism, 5.3-2), its version
 * for people, and the owner's notice: what it fixes and which risks it mitigates (5.3-11), whether
 * and for how long installing interrupts the device's basic function (5.3-12). */
#include <stdlib.h>
#include <string.h>

#include "meta_private.h"

#define WHERE_MAX 256

/* "sha256" of "hashes" of obj, required. */
static keel_err parse_sha256(const cJSON *obj, const char *where, uint8_t out[32])
{
    const cJSON *hashes = NULL;
    const char *hex = NULL;
    char hwhere[WHERE_MAX];
    keel_err ret;

    if ((ret = keel_update_json_object(obj, where, "hashes", &hashes)) != KEEL_OK)
        return ret;
    if (keel_str_format(hwhere, sizeof(hwhere), "%s.hashes", where) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if ((ret = keel_update_json_string(hashes, hwhere, "sha256", KEEL_UPDATE_KEYID_SIZE, &hex)) !=
        KEEL_OK)
        return ret == KEEL_ERR_TOO_LARGE ? KEEL_ERR_PARSE : ret;
    if (keel_update_hex32_decode(hex, out) != KEEL_OK)
        return keel_update_json_refuse(KEEL_ERR_PARSE, hwhere, "sha256",
                                       "must be 64 lower-case hex digits");
    return KEEL_OK;
}

static keel_err parse_text(const cJSON *obj, const char *where, const char *name,
                           char out[KEEL_UPDATE_TEXT_MAX])
{
    const char *s = NULL;
    keel_err ret;

    if ((ret = keel_update_json_string(obj, where, name, KEEL_UPDATE_TEXT_MAX, &s)) != KEEL_OK)
        return ret;
    if (keel_update_text_check(s) != KEEL_OK)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, name,
                                       "must be UTF-8 text without control characters");
    return keel_str_copy(out, KEEL_UPDATE_TEXT_MAX, s);
}

static keel_err parse_notice(const cJSON *custom, const char *cwhere, keel_update_notice *n)
{
    const cJSON *obj = NULL;
    char where[WHERE_MAX];
    uint64_t seconds = 0;
    keel_err ret;

    if ((ret = keel_update_json_object(custom, cwhere, "notice", &obj)) != KEEL_OK)
        return ret;
    if (keel_str_format(where, sizeof(where), "%s.notice", cwhere) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if ((ret = parse_text(obj, where, "fixes", n->fixes)) != KEEL_OK ||
        (ret = parse_text(obj, where, "risks_mitigated", n->risks_mitigated)) != KEEL_OK ||
        (ret = keel_update_json_bool(obj, where, "interrupts_function", &n->interrupts_function)) !=
            KEEL_OK ||
        (ret = keel_update_json_u64(obj, where, "interruption_seconds", 0, UINT32_MAX, &seconds)) !=
            KEEL_OK)
        return ret;
    if (!n->interrupts_function && seconds != 0)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "interruption_seconds",
                                       "must be 0 when installing does not interrupt");
    n->interruption_seconds = (uint32_t)seconds;
    return KEEL_OK;
}

static keel_err parse_custom(const cJSON *target, const char *twhere, keel_update_target *t)
{
    const cJSON *custom = NULL;
    const char *s = NULL;
    char where[WHERE_MAX];
    keel_err ret;

    if ((ret = keel_update_json_object(target, twhere, "custom", &custom)) != KEEL_OK)
        return ret;
    if (keel_str_format(where, sizeof(where), "%s.custom", twhere) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if ((ret = keel_update_json_string(custom, where, "hardware_id", KEEL_UPDATE_HWID_MAX, &s)) !=
        KEEL_OK)
        return ret;
    if (keel_update_name_check(s, KEEL_UPDATE_HWID_MAX) != KEEL_OK)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "hardware_id",
                                       "must be [A-Za-z0-9._-], not . or ..");
    if ((ret = keel_str_copy(t->hardware_id, sizeof(t->hardware_id), s)) != KEEL_OK ||
        (ret = keel_update_json_u64(custom, where, "security_version", 0, KEEL_UPDATE_JSON_INT_MAX,
                                    &t->security_version)) != KEEL_OK ||
        (ret = keel_update_json_string(custom, where, "version", KEEL_UPDATE_VERSION_MAX, &s)) !=
            KEEL_OK)
        return ret;
    if (keel_update_version_check(s) != KEEL_OK)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "version",
                                       "must be 1 to 4 dot-separated numbers of 1 to 9 digits");
    if ((ret = keel_str_copy(t->version, sizeof(t->version), s)) != KEEL_OK)
        return ret;
    return parse_notice(custom, where, &t->notice);
}

static keel_err parse_target(const cJSON *obj, keel_update_target *t)
{
    char where[WHERE_MAX];
    keel_err ret;

    if (keel_str_format(where, sizeof(where), "targets.%s", t->name) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if (!cJSON_IsObject(obj))
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "", "must be an object");
    if ((ret = keel_update_json_u64(obj, where, "length", 1, KEEL_UPDATE_JSON_INT_MAX,
                                    &t->length)) != KEEL_OK ||
        (ret = parse_sha256(obj, where, t->sha256)) != KEEL_OK)
        return ret;
    return parse_custom(obj, where, t);
}

/* The name of entry i of "targets", checked and unique among the first i. */
static keel_err parse_name(const cJSON *entry, const keel_update_target *targets, size_t i)
{
    keel_err ret = entry->string != NULL
                       ? keel_update_name_check(entry->string, KEEL_UPDATE_NAME_MAX)
                       : KEEL_ERR_PARSE;

    if (ret == KEEL_ERR_TOO_LARGE)
        return keel_update_json_refuse(ret, "targets", "targets", "a target name is too long");
    if (ret != KEEL_OK)
        return keel_update_json_refuse(KEEL_ERR_PARSE, "targets", "targets",
                                       "a target name must be [A-Za-z0-9._-], not . or ..");
    for (size_t j = 0; j < i; j++) {
        if (strcmp(targets[j].name, entry->string) == 0)
            return keel_update_json_refuse(KEEL_ERR_PARSE, "targets.targets", entry->string,
                                           "given more than once");
    }
    return KEEL_OK;
}

static keel_err parse_body(const cJSON *doc, keel_update_targets *out)
{
    const cJSON *list = NULL;
    keel_err ret;
    int n;

    if ((ret = keel_update_json_object(doc, "targets", "targets", &list)) != KEEL_OK)
        return ret;
    n = cJSON_GetArraySize(list);
    if (n < 0 || (size_t)n > KEEL_UPDATE_MAX_TARGETS)
        return keel_update_json_refuse(KEEL_ERR_TOO_LARGE, "targets", "targets",
                                       "more targets than one document may hold");
    if (n == 0)
        return KEEL_OK;
    if ((out->targets = calloc((size_t)n, sizeof(*out->targets))) == NULL)
        return KEEL_ERR_NOMEM;
    for (const cJSON *e = list->child; e != NULL; e = e->next) {
        keel_update_target *t = &out->targets[out->ntargets];

        if ((ret = parse_name(e, out->targets, out->ntargets)) != KEEL_OK ||
            (ret = keel_str_copy(t->name, sizeof(t->name), e->string)) != KEEL_OK ||
            (ret = parse_target(e, t)) != KEEL_OK)
            return ret;
        out->ntargets++;
    }
    return KEEL_OK;
}

keel_err keel_update_targets_parse(const void *payload, size_t len, keel_update_targets *out)
{
    cJSON *doc = NULL;
    keel_err ret;

    if (payload == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if ((ret = keel_update_json_parse(payload, len, KEEL_UPDATE_META_MAX, "targets", &doc)) !=
        KEEL_OK)
        return ret;
    if ((ret = keel_update_json_header_parse(doc, KEEL_UPDATE_ROLE_TARGETS, &out->header)) ==
        KEEL_OK)
        ret = parse_body(doc, out);
    cJSON_Delete(doc);
    if (ret != KEEL_OK)
        keel_update_targets_free(out);
    return ret;
}

void keel_update_targets_free(keel_update_targets *targets)
{
    if (targets == NULL)
        return;
    free(targets->targets);
    memset(targets, 0, sizeof(*targets));
}

/* What is wrong with target i of a document the caller built, or NULL. */
static const char *target_problem(const keel_update_target *targets, size_t i)
{
    const keel_update_target *t = &targets[i];

    if (keel_update_name_check(t->name, sizeof(t->name)) != KEEL_OK)
        return "its name is not a target name";
    for (size_t j = 0; j < i; j++) {
        if (strcmp(targets[j].name, t->name) == 0)
            return "its name is given more than once";
    }
    if (t->length == 0 || t->length > KEEL_UPDATE_JSON_INT_MAX ||
        t->security_version > KEEL_UPDATE_JSON_INT_MAX)
        return "its length or security version is out of range";
    if (keel_update_name_check(t->hardware_id, sizeof(t->hardware_id)) != KEEL_OK)
        return "its hardware id is not a hardware id";
    if (keel_update_version_check(t->version) != KEEL_OK)
        return "its version is not a version";
    if (keel_update_text_check(t->notice.fixes) != KEEL_OK ||
        keel_update_text_check(t->notice.risks_mitigated) != KEEL_OK)
        return "a notice text is not UTF-8 without control characters";
    if (!t->notice.interrupts_function && t->notice.interruption_seconds != 0)
        return "it gives interruption seconds but does not interrupt";
    return NULL;
}

static keel_err emit_notice(cJSON *custom, const keel_update_notice *n)
{
    cJSON *obj = cJSON_AddObjectToObject(custom, "notice");
    keel_err ret;

    if (obj == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = keel_update_json_add_string(obj, "fixes", n->fixes)) != KEEL_OK ||
        (ret = keel_update_json_add_string(obj, "risks_mitigated", n->risks_mitigated)) != KEEL_OK)
        return ret;
    if (cJSON_AddBoolToObject(obj, "interrupts_function", n->interrupts_function != 0) == NULL)
        return KEEL_ERR_NOMEM;
    return keel_update_json_add_u64(obj, "interruption_seconds", n->interruption_seconds);
}

static keel_err emit_target(cJSON *list, const keel_update_target *t)
{
    char hex[KEEL_UPDATE_KEYID_SIZE];
    cJSON *obj = cJSON_AddObjectToObject(list, t->name);
    cJSON *hashes;
    cJSON *custom;
    keel_err ret;

    if (obj == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = keel_update_json_add_u64(obj, "length", t->length)) != KEEL_OK)
        return ret;
    if ((hashes = cJSON_AddObjectToObject(obj, "hashes")) == NULL ||
        (custom = cJSON_AddObjectToObject(obj, "custom")) == NULL)
        return KEEL_ERR_NOMEM;
    keel_update_sha256_hex(t->sha256, hex);
    if ((ret = keel_update_json_add_string(hashes, "sha256", hex)) != KEEL_OK ||
        (ret = keel_update_json_add_string(custom, "hardware_id", t->hardware_id)) != KEEL_OK ||
        (ret = keel_update_json_add_u64(custom, "security_version", t->security_version)) !=
            KEEL_OK ||
        (ret = keel_update_json_add_string(custom, "version", t->version)) != KEEL_OK)
        return ret;
    return emit_notice(custom, &t->notice);
}

static keel_err emit_body(const keel_update_targets *targets, cJSON *doc)
{
    cJSON *list = cJSON_AddObjectToObject(doc, "targets");
    keel_err ret;

    if (list == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < targets->ntargets; i++) {
        if ((ret = emit_target(list, &targets->targets[i])) != KEEL_OK)
            return ret;
    }
    return KEEL_OK;
}

static keel_err targets_check(const keel_update_targets *targets)
{
    const char *problem;

    if (targets->ntargets > KEEL_UPDATE_MAX_TARGETS ||
        (targets->ntargets != 0 && targets->targets == NULL))
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < targets->ntargets; i++) {
        if ((problem = target_problem(targets->targets, i)) != NULL) {
            keel_log(KEEL_LOG_ERROR, "update: targets[%zu]: %s", i, problem);
            return KEEL_ERR_ARG;
        }
    }
    return KEEL_OK;
}

keel_err keel_update_targets_emit(const keel_update_targets *targets, char **out, size_t *out_len)
{
    cJSON *doc = NULL;
    keel_err ret;

    if (targets == NULL || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if ((ret = targets_check(targets)) != KEEL_OK ||
        (ret = keel_update_json_header_emit(&targets->header, KEEL_UPDATE_ROLE_TARGETS, &doc)) !=
            KEEL_OK)
        return ret;
    if ((ret = emit_body(targets, doc)) == KEEL_OK)
        ret = keel_update_json_print(doc, out, out_len);
    cJSON_Delete(doc);
    return ret;
}
