/* DSSE envelopes (v1): the signature covers the pre-authentication encoding of the payload
 * type and the exact payload bytes, so a device verifies what it will parse without any
 * canonical form of JSON, and a payload of one type can never pass for another (5.3-7,
 * 5.3-9). The envelope arrives from the network, so it is read strictly (5.13-1). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "meta_private.h"

#define PAE_PREFIX "DSSEv1 "

keel_err keel_update_dsse_pae(const char *type, const void *payload, size_t len, uint8_t **out,
                              size_t *out_len)
{
    char tlen[24];
    char plen[24];
    size_t nt;
    size_t head;
    uint8_t *buf;

    if (type == NULL || (payload == NULL && len != 0) || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    nt = strlen(type);
    if (keel_str_format(tlen, sizeof(tlen), "%zu", nt) != KEEL_OK ||
        keel_str_format(plen, sizeof(plen), "%zu", len) != KEEL_OK)
        return KEEL_ERR_RANGE;
    if (nt > SIZE_MAX / 2 || len > SIZE_MAX / 2 - nt - 64)
        return KEEL_ERR_TOO_LARGE;
    head = strlen(PAE_PREFIX) + strlen(tlen) + 1 + nt + 1 + strlen(plen) + 1;
    if ((buf = malloc(head + len + 1)) == NULL)
        return KEEL_ERR_NOMEM;
    if (keel_str_format((char *)buf, head + 1, "%s%s %s %s ", PAE_PREFIX, tlen, type, plen) !=
        KEEL_OK) {
        free(buf);
        return KEEL_ERR_RANGE;
    }
    if (len != 0)
        memcpy(buf + head, payload, len);
    buf[head + len] = '\0';
    *out = buf;
    *out_len = head + len;
    return KEEL_OK;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Standard base64 with its padding, nothing else: no white space, no other alphabet, no
 * missing or extra '=', and zero bits where the last character has bits to spare, so that
 * each byte string has exactly one encoding. The number of padding characters, or -1. */
static int b64_padding(const char *in, size_t n)
{
    size_t pad = 0;
    int last;

    if (n % 4 != 0)
        return -1;
    while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++) {
        if (b64_value(in[i]) < 0)
            return -1;
    }
    if (pad == 0)
        return 0;
    last = b64_value(in[n - pad - 1]);
    if ((pad == 2 && (last & 0x0f) != 0) || (pad == 1 && (last & 0x03) != 0))
        return -1;
    return (int)pad;
}

/* Decode the base64 string in (strictly) into a new buffer of at most max bytes plus a NUL. */
static keel_err b64_decode(const char *in, size_t max, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(in);
    int pad = b64_padding(in, n);
    size_t len;
    uint8_t *buf;

    *out = NULL;
    *out_len = 0;
    if (pad < 0)
        return KEEL_ERR_PARSE;
    len = n / 4 * 3 - (size_t)pad;
    if (len > max || n > INT_MAX)
        return KEEL_ERR_TOO_LARGE;
    if ((buf = malloc(n / 4 * 3 + 1)) == NULL)
        return KEEL_ERR_NOMEM;
    if (n != 0 && EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n) != (int)(n / 4 * 3)) {
        free(buf);
        return KEEL_ERR_PARSE;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return KEEL_OK;
}

/* Standard base64 of len bytes in a new NUL-terminated buffer. */
static keel_err b64_encode(const void *in, size_t len, char **out)
{
    size_t n;

    *out = NULL;
    if (len > (size_t)INT_MAX / 4 * 3 - 3)
        return KEEL_ERR_TOO_LARGE;
    n = (len + 2) / 3 * 4;
    if ((*out = malloc(n + 1)) == NULL)
        return KEEL_ERR_NOMEM;
    if (EVP_EncodeBlock((unsigned char *)*out, in, (int)len) != (int)n) {
        free(*out);
        *out = NULL;
        return KEEL_ERR_CRYPTO;
    }
    return KEEL_OK;
}

static int keyid_form(const char *s)
{
    uint8_t raw[32];

    return keel_update_hex32_decode(s, raw) == KEEL_OK;
}

/* One member of "signatures". */
static keel_err parse_sig(const cJSON *obj, const char *where, keel_update_envelope_sig *out)
{
    const char *keyid = NULL;
    const char *sig = NULL;
    uint8_t *raw = NULL;
    size_t n = 0;
    keel_err ret;

    if (!cJSON_IsObject(obj))
        return keel_update_json_refuse(KEEL_ERR_PARSE, where, "", "must be an object");
    if ((ret = keel_update_json_string(obj, where, "keyid", 256, &keyid)) != KEEL_OK ||
        (ret = keel_update_json_string(obj, where, "sig", 4 * KEEL_UPDATE_SIG_MAX, &sig)) !=
            KEEL_OK)
        return ret;
    /* A key id of another form names no key a root can hold: kept empty, then ignored. */
    if (keyid_form(keyid) && keel_str_copy(out->keyid, sizeof(out->keyid), keyid) != KEEL_OK)
        return KEEL_ERR_RANGE;
    ret = b64_decode(sig, KEEL_UPDATE_SIG_MAX, &raw, &n);
    if (ret == KEEL_ERR_PARSE || ret == KEEL_ERR_TOO_LARGE)
        return keel_update_json_refuse(ret, where, "sig", "must be base64 of a signature");
    if (ret != KEEL_OK)
        return ret;
    memcpy(out->sig, raw, n);
    out->sig_len = n;
    free(raw);
    return KEEL_OK;
}

static keel_err parse_sigs(const cJSON *doc, keel_update_envelope *out)
{
    const cJSON *sigs = NULL;
    char where[48];
    keel_err ret;
    int n;

    if ((ret = keel_update_json_member(doc, "envelope", "signatures", &sigs)) != KEEL_OK)
        return ret;
    if (!cJSON_IsArray(sigs))
        return keel_update_json_refuse(KEEL_ERR_PARSE, "envelope", "signatures",
                                       "must be an array");
    n = cJSON_GetArraySize(sigs);
    if (n < 0 || (size_t)n > KEEL_UPDATE_MAX_KEYS)
        return keel_update_json_refuse(KEEL_ERR_TOO_LARGE, "envelope", "signatures",
                                       "more signatures than keys a role may have");
    for (const cJSON *s = sigs->child; s != NULL; s = s->next) {
        if (keel_str_format(where, sizeof(where), "envelope.signatures[%zu]", out->nsigs) !=
                KEEL_OK ||
            (ret = parse_sig(s, where, &out->sigs[out->nsigs])) != KEEL_OK)
            return ret != KEEL_OK ? ret : KEEL_ERR_RANGE;
        out->nsigs++;
    }
    return KEEL_OK;
}

static keel_err parse_doc(const cJSON *doc, keel_update_envelope *out)
{
    const char *type = NULL;
    const char *payload = NULL;
    keel_err ret;

    ret = keel_update_json_string(doc, "envelope", "payloadType", 128, &type);
    if (ret != KEEL_OK)
        return ret == KEEL_ERR_TOO_LARGE ? KEEL_ERR_PARSE : ret;
    if (strcmp(type, KEEL_UPDATE_PAYLOAD_TYPE) != 0)
        return keel_update_json_refuse(KEEL_ERR_PARSE, "envelope", "payloadType",
                                       "is not " KEEL_UPDATE_PAYLOAD_TYPE);
    if ((ret = keel_update_json_string(doc, "envelope", "payload", KEEL_UPDATE_META_MAX + 1,
                                       &payload)) != KEEL_OK)
        return ret;
    ret = b64_decode(payload, KEEL_UPDATE_META_MAX, &out->payload, &out->payload_len);
    if (ret == KEEL_ERR_PARSE)
        return keel_update_json_refuse(ret, "envelope", "payload", "must be standard base64");
    if (ret != KEEL_OK)
        return ret;
    return parse_sigs(doc, out);
}

keel_err keel_update_envelope_parse(const void *envelope, size_t len, keel_update_envelope *out)
{
    cJSON *doc = NULL;
    keel_err ret;

    if (envelope == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if ((ret = keel_update_json_parse(envelope, len, KEEL_UPDATE_META_MAX, "envelope", &doc)) !=
        KEEL_OK)
        return ret;
    ret = parse_doc(doc, out);
    cJSON_Delete(doc);
    if (ret != KEEL_OK)
        keel_update_envelope_clear(out);
    return ret;
}

void keel_update_envelope_clear(keel_update_envelope *env)
{
    if (env == NULL)
        return;
    free(env->payload);
    memset(env, 0, sizeof(*env));
}

keel_err keel_update_envelope_payload(const void *envelope, size_t len, uint8_t **payload,
                                      size_t *payload_len)
{
    keel_update_envelope env;
    keel_err ret;

    if (envelope == NULL || payload == NULL || payload_len == NULL)
        return KEEL_ERR_ARG;
    *payload = NULL;
    *payload_len = 0;
    if ((ret = keel_update_envelope_parse(envelope, len, &env)) != KEEL_OK)
        return ret;
    *payload = env.payload;
    *payload_len = env.payload_len;
    env.payload = NULL;
    keel_update_envelope_clear(&env);
    return KEEL_OK;
}

/* {"keyid": ..., "sig": ...} of key over pae, appended to sigs. */
static keel_err add_sig(cJSON *sigs, EVP_PKEY *key, const uint8_t *pae, size_t pae_len)
{
    char keyid[KEEL_UPDATE_KEYID_SIZE];
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    char *b64 = NULL;
    cJSON *obj = NULL;
    keel_err ret;

    if ((ret = keel_update_key_id(key, keyid)) != KEEL_OK ||
        (ret = keel_update_key_sign(key, pae, pae_len, &sig, &sig_len)) != KEEL_OK ||
        (ret = b64_encode(sig, sig_len, &b64)) != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if ((obj = cJSON_CreateObject()) == NULL ||
        keel_update_json_add_string(obj, "keyid", keyid) != KEEL_OK ||
        keel_update_json_add_string(obj, "sig", b64) != KEEL_OK || !cJSON_AddItemToArray(sigs, obj))
        goto out;
    obj = NULL;
    ret = KEEL_OK;
out:
    cJSON_Delete(obj);
    free(b64);
    free(sig);
    return ret;
}

static keel_err seal_doc(const void *payload, size_t len, EVP_PKEY *const *keys, size_t nkeys,
                         cJSON *doc)
{
    uint8_t *pae = NULL;
    size_t pae_len = 0;
    char *b64 = NULL;
    cJSON *sigs;
    keel_err ret;

    if ((ret = keel_update_dsse_pae(KEEL_UPDATE_PAYLOAD_TYPE, payload, len, &pae, &pae_len)) !=
            KEEL_OK ||
        (ret = b64_encode(payload, len, &b64)) != KEEL_OK ||
        (ret = keel_update_json_add_string(doc, "payloadType", KEEL_UPDATE_PAYLOAD_TYPE)) !=
            KEEL_OK ||
        (ret = keel_update_json_add_string(doc, "payload", b64)) != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if ((sigs = cJSON_AddArrayToObject(doc, "signatures")) == NULL)
        goto out;
    for (size_t i = 0; i < nkeys; i++) {
        if ((ret = add_sig(sigs, keys[i], pae, pae_len)) != KEEL_OK)
            goto out;
    }
    ret = KEEL_OK;
out:
    free(b64);
    free(pae);
    return ret;
}

keel_err keel_update_envelope_seal(const void *payload, size_t len, EVP_PKEY *const *keys,
                                   size_t nkeys, char **out, size_t *out_len)
{
    cJSON *doc = NULL;
    char *text = NULL;
    size_t n;
    keel_err ret;

    if ((payload == NULL && len != 0) || (keys == NULL && nkeys != 0) ||
        nkeys > KEEL_UPDATE_MAX_KEYS || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    if (len > KEEL_UPDATE_META_MAX)
        return KEEL_ERR_TOO_LARGE;
    if ((doc = cJSON_CreateObject()) == NULL)
        return KEEL_ERR_NOMEM;
    if ((ret = seal_doc(payload, len, keys, nkeys, doc)) != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if ((text = cJSON_PrintUnformatted(doc)) == NULL)
        goto out;
    n = strlen(text);
    ret = KEEL_ERR_TOO_LARGE; /* no device would open it */
    if (n > KEEL_UPDATE_META_MAX)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if ((*out = malloc(n + 1)) == NULL)
        goto out;
    memcpy(*out, text, n + 1);
    *out_len = n;
    ret = KEEL_OK;
out:
    if (ret == KEEL_ERR_TOO_LARGE)
        keel_log(KEEL_LOG_ERROR, "update: an envelope would be over the limit of %zu bytes",
                 KEEL_UPDATE_META_MAX);
    cJSON_free(text);
    cJSON_Delete(doc);
    return ret;
}
