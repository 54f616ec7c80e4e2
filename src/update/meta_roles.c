/* The timestamp and snapshot documents. The timestamp, re-signed often with a short expiry,
 * names the current snapshot; the snapshot names the current targets. Together they stop
 * a mirror from freezing a device on old metadata or mixing documents of different
 * releases (5.3-2: a secure update mechanism; 5.3-10). */
#include <string.h>

#include "meta_private.h"

#define TIMESTAMP_REF "snapshot.json"
#define SNAPSHOT_REF "targets.json"

keel_err keel_update_meta_ref_parse(const cJSON *entry, const char *where,
                                    keel_update_meta_ref *out)
{
    const cJSON *hashes = NULL;
    const char *hex = NULL;
    char hwhere[256];
    keel_err ret;

    if (entry == NULL || where == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(entry))
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "", "must be an object");
    if ((ret = keel_update_json_u64(entry, where, "version", 1, KEEL_UPDATE_JSON_INT_MAX,
                                    &out->version)) != KEEL_OK)
        return ret;
    /* A file is never empty, so 0 can stand for "no length given". */
    if (keel_update_json_has(entry, "length") &&
        (ret = keel_update_json_u64(entry, where, "length", 1, KEEL_UPDATE_JSON_INT_MAX,
                                    &out->length)) != KEEL_OK)
        return ret;
    if (!keel_update_json_has(entry, "hashes"))
        return KEEL_OK;
    if ((ret = keel_update_json_object(entry, where, "hashes", &hashes)) != KEEL_OK)
        return ret;
    if (keel_str_format(hwhere, sizeof(hwhere), "%s.hashes", where) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if ((ret = keel_update_json_string(hashes, hwhere, "sha256", KEEL_UPDATE_KEYID_SIZE, &hex)) !=
        KEEL_OK)
        return ret == KEEL_ERR_TOO_LARGE ? KEEL_ERR_PARSE : ret;
    if (keel_update_hex32_decode(hex, out->sha256) != KEEL_OK)
        return keel_update_json_refuse(KEEL_ERR_PARSE, hwhere, "sha256",
                                       "must be 64 lower-case hex digits");
    out->has_sha256 = 1;
    return KEEL_OK;
}

keel_err keel_update_meta_ref_emit(const keel_update_meta_ref *ref, cJSON **out)
{
    char hex[KEEL_UPDATE_KEYID_SIZE];
    cJSON *obj = NULL;
    cJSON *hashes;
    keel_err ret;

    if (ref == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    if (ref->version == 0 || ref->version > KEEL_UPDATE_JSON_INT_MAX ||
        ref->length > KEEL_UPDATE_JSON_INT_MAX)
        return KEEL_ERR_ARG;
    if ((obj = cJSON_CreateObject()) == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = keel_update_json_add_u64(obj, "version", ref->version)) != KEEL_OK ||
        (ref->length != 0 &&
         (ret = keel_update_json_add_u64(obj, "length", ref->length)) != KEEL_OK))
        goto out;
    if (ref->has_sha256) {
        keel_update_sha256_hex(ref->sha256, hex);
        ret = KEEL_ERR_NOMEM;
        if ((hashes = cJSON_AddObjectToObject(obj, "hashes")) == NULL ||
            (ret = keel_update_json_add_string(hashes, "sha256", hex)) != KEEL_OK)
            goto out;
    }
    *out = obj;
    obj = NULL;
    ret = KEEL_OK;
out:
    cJSON_Delete(obj);
    return ret;
}

/* The header and the one "meta" entry (file) of a timestamp or a snapshot. */
static keel_err parse_doc(const void *payload, size_t len, keel_update_role role, const char *file,
                          keel_update_header *header, keel_update_meta_ref *ref)
{
    const char *what = keel_update_role_name(role);
    const cJSON *meta = NULL;
    const cJSON *entry = NULL;
    char where[48];
    cJSON *doc = NULL;
    keel_err ret;

    if ((ret = keel_update_json_parse(payload, len, KEEL_UPDATE_META_MAX, what, &doc)) != KEEL_OK)
        return ret;
    if ((ret = keel_update_json_header_parse(doc, role, header)) == KEEL_OK &&
        (ret = keel_update_json_object(doc, what, "meta", &meta)) == KEEL_OK &&
        (ret = keel_update_json_member(meta, "meta", file, &entry)) == KEEL_OK &&
        (ret = keel_str_format(where, sizeof(where), "%s.meta.%s", what, file)) == KEEL_OK)
        ret = keel_update_meta_ref_parse(entry, where, ref);
    cJSON_Delete(doc);
    return ret;
}

static keel_err emit_doc(const keel_update_header *header, keel_update_role role, const char *file,
                         const keel_update_meta_ref *ref, char **out, size_t *out_len)
{
    cJSON *doc = NULL;
    cJSON *meta;
    cJSON *entry = NULL;
    keel_err ret;

    *out = NULL;
    *out_len = 0;
    if ((ret = keel_update_json_header_emit(header, role, &doc)) != KEEL_OK)
        return ret;
    if ((ret = keel_update_meta_ref_emit(ref, &entry)) != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if ((meta = cJSON_AddObjectToObject(doc, "meta")) == NULL ||
        !cJSON_AddItemToObject(meta, file, entry))
        goto out;
    entry = NULL;
    ret = keel_update_json_print(doc, out, out_len);
out:
    cJSON_Delete(entry);
    cJSON_Delete(doc);
    return ret;
}

keel_err keel_update_timestamp_parse(const void *payload, size_t len, keel_update_timestamp *out)
{
    keel_err ret;

    if (payload == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ret = parse_doc(payload, len, KEEL_UPDATE_ROLE_TIMESTAMP, TIMESTAMP_REF, &out->header,
                    &out->snapshot);
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}

keel_err keel_update_snapshot_parse(const void *payload, size_t len, keel_update_snapshot *out)
{
    keel_err ret;

    if (payload == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ret = parse_doc(payload, len, KEEL_UPDATE_ROLE_SNAPSHOT, SNAPSHOT_REF, &out->header,
                    &out->targets);
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}

keel_err keel_update_timestamp_emit(const keel_update_timestamp *ts, char **out, size_t *out_len)
{
    if (ts == NULL || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    return emit_doc(&ts->header, KEEL_UPDATE_ROLE_TIMESTAMP, TIMESTAMP_REF, &ts->snapshot, out,
                    out_len);
}

keel_err keel_update_snapshot_emit(const keel_update_snapshot *snap, char **out, size_t *out_len)
{
    if (snap == NULL || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    return emit_doc(&snap->header, KEEL_UPDATE_ROLE_SNAPSHOT, SNAPSHOT_REF, &snap->targets, out,
                    out_len);
}
