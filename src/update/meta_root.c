/* The root document: which keys the repository's roles trust and how many of them must sign.
 * It is the device's trust relationship for every other check (5.3-10), so it is read
 * strictly: each key
 * must carry the id computed from it, every role must be there, and every role's key ids
 * must name keys of the root, once each, with a threshold they can meet. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "meta_private.h"

#define KEYTYPE_MAX 32

int keel_update_root_key_index(const keel_update_root *root, const char *keyid)
{
    if (root == NULL || keyid == NULL)
        return -1;
    for (size_t i = 0; i < root->nkeys && i < KEEL_UPDATE_MAX_KEYS; i++) {
        if (strcmp(root->keyids[i], keyid) == 0)
            return (int)i;
    }
    return -1;
}

void keel_update_root_free(keel_update_root *root)
{
    if (root == NULL)
        return;
    for (size_t i = 0; i < KEEL_UPDATE_MAX_KEYS; i++)
        EVP_PKEY_free(root->keys[i]);
    memset(root, 0, sizeof(*root));
}

/* What is wrong with role r of root, or NULL: its key ids must be keys of the root, once
 * each, and its threshold reachable. */
static const char *role_problem(const keel_update_root *root, keel_update_role r)
{
    const keel_update_role_keys *rk = &root->roles[r];

    if (rk->nkeyids == 0)
        return "has no key ids";
    if (rk->nkeyids > KEEL_UPDATE_MAX_KEYS)
        return "has more key ids than a role may have";
    if (rk->threshold < 1 || rk->threshold > rk->nkeyids)
        return "threshold must be from 1 to the number of its key ids";
    for (size_t i = 0; i < rk->nkeyids; i++) {
        if (keel_update_root_key_index(root, rk->keyids[i]) < 0)
            return "names a key that is not in the root's keys";
        for (size_t j = 0; j < i; j++) {
            if (strcmp(rk->keyids[i], rk->keyids[j]) == 0)
                return "names a key more than once";
        }
    }
    return NULL;
}

/* One entry of "keys", whose name is keyid (already known to be 64 hex digits). */
static keel_err parse_key(const cJSON *entry, const char *keyid, EVP_PKEY **out)
{
    char where[96];
    char id[KEEL_UPDATE_KEYID_SIZE];
    const cJSON *keyval = NULL;
    const char *type = NULL;
    const char *scheme = NULL;
    const char *pem = NULL;
    EVP_PKEY *key = NULL;
    keel_err ret;

    if (keel_str_format(where, sizeof(where), "root.keys.%s", keyid) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if (!cJSON_IsObject(entry))
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "", "must be an object");
    if ((ret = keel_update_json_string(entry, where, "keytype", KEYTYPE_MAX, &type)) != KEEL_OK ||
        (ret = keel_update_json_string(entry, where, "scheme", KEYTYPE_MAX, &scheme)) != KEEL_OK ||
        (ret = keel_update_json_object(entry, where, "keyval", &keyval)) != KEEL_OK ||
        (ret = keel_update_json_string(keyval, where, "public", KEEL_UPDATE_PEM_MAX, &pem)) !=
            KEEL_OK)
        return ret == KEEL_ERR_TOO_LARGE ? KEEL_ERR_PARSE : ret;
    if (strcmp(scheme, type) != 0)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "scheme", "differs from keytype");
    if ((ret = keel_update_key_from_pem(pem, &key)) != KEEL_OK)
        return keel_update_json_refuse(ret == KEEL_ERR_NOMEM ? ret : KEEL_ERR_PARSE, where,
                                       "keyval.public",
                                       "must be the PEM of an Ed25519 or ECDSA P-256 public key");
    if (strcmp(keel_update_key_type(key), type) != 0)
        ret = keel_update_json_refuse(KEEL_ERR_PARSE, where, "keytype", "differs from the key");
    else if ((ret = keel_update_key_id(key, id)) == KEEL_OK && strcmp(id, keyid) != 0)
        ret = keel_update_json_refuse(KEEL_ERR_PARSE, where, "",
                                      "the key id is not the SHA-256 of the key");
    if (ret == KEEL_OK)
        *out = key;
    else
        EVP_PKEY_free(key);
    return ret;
}

static keel_err parse_keys(const cJSON *doc, keel_update_root *out)
{
    const cJSON *keys = NULL;
    uint8_t raw[32];
    keel_err ret;

    if ((ret = keel_update_json_object(doc, "root", "keys", &keys)) != KEEL_OK)
        return ret;
    if ((size_t)cJSON_GetArraySize(keys) > KEEL_UPDATE_MAX_KEYS)
        return keel_update_json_refuse(KEEL_ERR_TOO_LARGE, "root", "keys", "too many keys");
    for (const cJSON *k = keys->child; k != NULL; k = k->next) {
        if (k->string == NULL || keel_update_hex32_decode(k->string, raw) != KEEL_OK)
            return keel_update_json_refuse(KEEL_ERR_PARSE, "root", "keys",
                                           "a key id is not 64 lower-case hex digits");
        if (keel_update_root_key_index(out, k->string) >= 0)
            return keel_update_json_refuse(KEEL_ERR_PARSE, "root.keys", k->string,
                                           "given more than once");
        if ((ret = parse_key(k, k->string, &out->keys[out->nkeys])) != KEEL_OK)
            return ret;
        if ((ret = keel_str_copy(out->keyids[out->nkeys], KEEL_UPDATE_KEYID_SIZE, k->string)) !=
            KEEL_OK)
            return ret;
        out->nkeys++;
    }
    return KEEL_OK;
}

/* The key ids of one role, as strings (checked against the keys by role_problem). */
static keel_err parse_keyids(const cJSON *obj, const char *where, keel_update_role_keys *rk)
{
    const cJSON *ids = NULL;
    keel_err ret;

    if ((ret = keel_update_json_member(obj, where, "keyids", &ids)) != KEEL_OK)
        return ret;
    if (!cJSON_IsArray(ids))
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "keyids", "must be an array");
    if ((size_t)cJSON_GetArraySize(ids) > KEEL_UPDATE_MAX_KEYS)
        return keel_update_json_refuse(KEEL_ERR_TOO_LARGE, where, "keyids", "too many key ids");
    for (const cJSON *id = ids->child; id != NULL; id = id->next) {
        if (!cJSON_IsString(id) || id->valuestring == NULL ||
            keel_str_copy(rk->keyids[rk->nkeyids], KEEL_UPDATE_KEYID_SIZE, id->valuestring) !=
                KEEL_OK)
            return keel_update_json_refuse(KEEL_ERR_PARSE, where, "keyids",
                                           "each must be a key id");
        rk->nkeyids++;
    }
    return KEEL_OK;
}

static keel_err parse_role(const cJSON *roles, keel_update_role r, keel_update_root *out)
{
    const char *name = keel_update_role_name(r);
    keel_update_role_keys *rk = &out->roles[r];
    const cJSON *obj = NULL;
    const char *problem;
    char where[32];
    uint64_t threshold = 0;
    keel_err ret;

    if (keel_str_format(where, sizeof(where), "root.roles.%s", name) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if ((ret = keel_update_json_object(roles, "root.roles", name, &obj)) != KEEL_OK ||
        (ret = parse_keyids(obj, where, rk)) != KEEL_OK)
        return ret;
    if (rk->nkeyids == 0)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "keyids", "must not be empty");
    if ((ret = keel_update_json_u64(obj, where, "threshold", 1, rk->nkeyids, &threshold)) !=
        KEEL_OK)
        return ret;
    rk->threshold = (uint32_t)threshold;
    if ((problem = role_problem(out, r)) != NULL)
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "keyids", problem);
    return KEEL_OK;
}

keel_err keel_update_root_parse(const void *payload, size_t len, keel_update_root *out)
{
    const cJSON *roles = NULL;
    cJSON *doc = NULL;
    keel_err ret;

    if (payload == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if ((ret = keel_update_json_parse(payload, len, KEEL_UPDATE_META_MAX, "root", &doc)) != KEEL_OK)
        return ret;
    if ((ret = keel_update_json_header_parse(doc, KEEL_UPDATE_ROLE_ROOT, &out->header)) !=
            KEEL_OK ||
        (ret = parse_keys(doc, out)) != KEEL_OK ||
        (ret = keel_update_json_object(doc, "root", "roles", &roles)) != KEEL_OK)
        goto out;
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        if ((ret = parse_role(roles, (keel_update_role)r, out)) != KEEL_OK)
            goto out;
    }
out:
    cJSON_Delete(doc);
    if (ret != KEEL_OK)
        keel_update_root_free(out);
    return ret;
}

/* A root the caller built must be one that keel_update_root_parse would accept. */
static keel_err root_check(const keel_update_root *root)
{
    char id[KEEL_UPDATE_KEYID_SIZE];
    const char *problem;

    if (root->nkeys > KEEL_UPDATE_MAX_KEYS)
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < root->nkeys; i++) {
        if (root->keys[i] == NULL || keel_update_key_id(root->keys[i], id) != KEEL_OK ||
            strcmp(id, root->keyids[i]) != 0 ||
            keel_update_root_key_index(root, root->keyids[i]) != (int)i) {
            keel_log(KEEL_LOG_ERROR, "update: root: keys[%zu] does not match keyids[%zu]", i, i);
            return KEEL_ERR_ARG;
        }
    }
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        if ((problem = role_problem(root, (keel_update_role)r)) != NULL) {
            keel_log(KEEL_LOG_ERROR, "update: root: role %s %s",
                     keel_update_role_name((keel_update_role)r), problem);
            return KEEL_ERR_ARG;
        }
    }
    return KEEL_OK;
}

static keel_err emit_key(cJSON *keys, const char *keyid, EVP_PKEY *key)
{
    const char *type = keel_update_key_type(key);
    cJSON *entry = cJSON_AddObjectToObject(keys, keyid);
    cJSON *keyval;
    char *pem = NULL;
    keel_err ret;

    if (entry == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = keel_update_json_add_string(entry, "keytype", type)) != KEEL_OK ||
        (ret = keel_update_json_add_string(entry, "scheme", type)) != KEEL_OK)
        return ret;
    if ((keyval = cJSON_AddObjectToObject(entry, "keyval")) == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = keel_update_key_to_pem(key, &pem)) != KEEL_OK)
        return ret;
    ret = keel_update_json_add_string(keyval, "public", pem);
    free(pem);
    return ret;
}

static keel_err emit_role(cJSON *roles, const keel_update_role_keys *rk, keel_update_role r)
{
    cJSON *obj = cJSON_AddObjectToObject(roles, keel_update_role_name(r));
    cJSON *ids = obj != NULL ? cJSON_AddArrayToObject(obj, "keyids") : NULL;

    if (ids == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < rk->nkeyids; i++) {
        cJSON *s = cJSON_CreateString(rk->keyids[i]);

        if (s == NULL || !cJSON_AddItemToArray(ids, s)) {
            cJSON_Delete(s);
            return KEEL_ERR_NOMEM;
        }
    }
    return keel_update_json_add_u64(obj, "threshold", rk->threshold);
}

static keel_err emit_body(const keel_update_root *root, cJSON *doc)
{
    cJSON *keys = cJSON_AddObjectToObject(doc, "keys");
    cJSON *roles;
    keel_err ret;

    if (keys == NULL)
        return KEEL_ERR_NOMEM;
    for (size_t i = 0; i < root->nkeys; i++) {
        if ((ret = emit_key(keys, root->keyids[i], root->keys[i])) != KEEL_OK)
            return ret;
    }
    if ((roles = cJSON_AddObjectToObject(doc, "roles")) == NULL)
        return KEEL_ERR_NOMEM;
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        if ((ret = emit_role(roles, &root->roles[r], (keel_update_role)r)) != KEEL_OK)
            return ret;
    }
    return KEEL_OK;
}

keel_err keel_update_root_emit(const keel_update_root *root, char **out, size_t *out_len)
{
    cJSON *doc = NULL;
    keel_err ret;

    if (root == NULL || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if ((ret = root_check(root)) != KEEL_OK ||
        (ret = keel_update_json_header_emit(&root->header, KEEL_UPDATE_ROLE_ROOT, &doc)) != KEEL_OK)
        return ret;
    if ((ret = emit_body(root, doc)) == KEEL_OK)
        ret = keel_update_json_print(doc, out, out_len);
    cJSON_Delete(doc);
    return ret;
}
