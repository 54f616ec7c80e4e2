/* Sealing and opening a store file (the layout is described at the top of store.c).
 *
 * Opening checks, in this order, so that each kind of damage gets its own error: the magic
 * and version (else FOREIGN: not a keel store), the header's length (else TRUNCATED), the
 * key id (else FOREIGN: another device's storage key), the declared body length against
 * the limits and the bytes present (TAMPERED if impossible or if bytes trail, TRUNCATED if
 * missing), then AES-256-GCM with the whole header as additional data (TAMPERED), then the
 * records themselves. Nothing is trusted before the tag has been checked.
 */
#include <string.h>

#include <openssl/evp.h>

#include "store_internal.h"

static const uint8_t magic[KEEL_STORE_MAGIC_LEN] = {'K', 'E', 'E', 'L', 'S', 'T', 'O', 'R'};

#define OFF_VERSION KEEL_STORE_MAGIC_LEN
#define OFF_KEY_ID (OFF_VERSION + 4)
#define OFF_GEN (OFF_KEY_ID + KEEL_STORE_KEY_ID_LEN)
#define OFF_SALT (OFF_GEN + 8)
#define OFF_NONCE (OFF_SALT + KEEL_STORE_SALT_LEN)
#define OFF_BODY_LEN (OFF_NONCE + KEEL_STORE_NONCE_LEN)

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* AES-256-GCM over in (len bytes) into out; encrypt writes tag, decrypt checks it. */
static keel_err gcm(int encrypt, const uint8_t key[KEEL_ROT_KEY_LEN], const uint8_t *nonce,
                    const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                    uint8_t tag[KEEL_STORE_TAG_LEN])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    keel_err ret = KEEL_ERR_CRYPTO;
    int n = 0;

    if (ctx == NULL || len > (size_t)KEEL_STORE_BODY_MAX)
        goto out;
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, KEEL_STORE_NONCE_LEN, NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, encrypt) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
        (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1))
        goto out;
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, KEEL_STORE_TAG_LEN, tag) != 1)
        goto out;
    if (EVP_CipherFinal_ex(ctx, out + len, &n) != 1) {
        ret = encrypt ? KEEL_ERR_CRYPTO : KEEL_ERR_STORE_TAMPERED;
        goto out;
    }
    if (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, KEEL_STORE_TAG_LEN, tag) != 1)
        goto out;
    ret = KEEL_OK;
out:
    if (ret != KEEL_OK)
        keel_wipe(out, len);
    EVP_CIPHER_CTX_free(ctx);
    return ret;
}

keel_err keel_store_encode(const uint8_t key[KEEL_ROT_KEY_LEN], uint64_t gen, const uint8_t *body,
                           size_t body_len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t file_key[KEEL_ROT_KEY_LEN];
    size_t total = KEEL_STORE_HEADER_LEN + body_len + KEEL_STORE_TAG_LEN;
    keel_err ret = KEEL_ERR_ARG;

    if (key == NULL || body == NULL || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    if (body_len > (size_t)KEEL_STORE_BODY_MAX || cap < total)
        return KEEL_ERR_TOO_LARGE;
    memcpy(out, magic, sizeof(magic));
    put_be(out + OFF_VERSION, KEEL_STORE_VERSION, 4);
    ret = keel_store_key_id(key, out + OFF_KEY_ID);
    if (ret != KEEL_OK)
        goto out;
    put_be(out + OFF_GEN, gen, 8);
    ret = keel_random(out + OFF_SALT, KEEL_STORE_SALT_LEN + KEEL_STORE_NONCE_LEN);
    if (ret != KEEL_OK)
        goto out;
    put_be(out + OFF_BODY_LEN, body_len, 4);
    ret = keel_store_file_key(key, out + OFF_SALT, file_key);
    if (ret != KEEL_OK)
        goto out;
    ret = gcm(1, file_key, out + OFF_NONCE, out, KEEL_STORE_HEADER_LEN, body, body_len,
              out + KEEL_STORE_HEADER_LEN, out + KEEL_STORE_HEADER_LEN + body_len);
    if (ret == KEEL_OK)
        *out_len = total;
out:
    keel_wipe(file_key, sizeof(file_key));
    if (ret != KEEL_OK)
        keel_wipe(out, total);
    return ret;
}

/* The checks that need no key: magic, version, header length. */
static keel_err check_shape(const uint8_t *file, size_t len, const char **why)
{
    size_t head = len < KEEL_STORE_MAGIC_LEN ? len : KEEL_STORE_MAGIC_LEN;

    if (memcmp(file, magic, head) != 0) {
        *why = "not a keel store (no store magic)";
        return KEEL_ERR_STORE_FOREIGN;
    }
    if (len < OFF_KEY_ID) {
        *why = "file ends inside the header";
        return KEEL_ERR_STORE_TRUNCATED;
    }
    if (get_be(file + OFF_VERSION, 4) != KEEL_STORE_VERSION) {
        *why = "unsupported store format version";
        return KEEL_ERR_STORE_FOREIGN;
    }
    if (len < KEEL_STORE_HEADER_LEN) {
        *why = "file ends inside the header";
        return KEEL_ERR_STORE_TRUNCATED;
    }
    return KEEL_OK;
}

/* The declared body length against the limit and the bytes actually present. */
static keel_err check_length(const uint8_t *file, size_t len, size_t *body_len, const char **why)
{
    uint64_t declared = get_be(file + OFF_BODY_LEN, 4);

    if (declared > (uint64_t)KEEL_STORE_BODY_MAX) {
        *why = "header declares a body larger than a store can be";
        return KEEL_ERR_STORE_TAMPERED;
    }
    *body_len = (size_t)declared;
    if (len < KEEL_STORE_HEADER_LEN + *body_len + KEEL_STORE_TAG_LEN) {
        *why = "file is shorter than its header declares";
        return KEEL_ERR_STORE_TRUNCATED;
    }
    if (len > KEEL_STORE_HEADER_LEN + *body_len + KEEL_STORE_TAG_LEN) {
        *why = "bytes trail the authenticated content";
        return KEEL_ERR_STORE_TAMPERED;
    }
    return KEEL_OK;
}

static keel_err check_key_id(const uint8_t *file, const uint8_t key[KEEL_ROT_KEY_LEN],
                             const char **why)
{
    uint8_t id[KEEL_STORE_KEY_ID_LEN];
    keel_err ret = keel_store_key_id(key, id);

    if (ret != KEEL_OK) {
        *why = "key derivation failed";
        return ret;
    }
    if (!keel_ct_equal(id, file + OFF_KEY_ID, sizeof(id))) {
        *why = "made under another storage key (another device's store)";
        ret = KEEL_ERR_STORE_FOREIGN;
    }
    keel_wipe(id, sizeof(id));
    return ret;
}

static keel_err open_body(const uint8_t *file, size_t body_len, const uint8_t key[KEEL_ROT_KEY_LEN],
                          uint8_t *body, const char **why)
{
    uint8_t file_key[KEEL_ROT_KEY_LEN];
    uint8_t tag[KEEL_STORE_TAG_LEN];
    keel_err ret = keel_store_file_key(key, file + OFF_SALT, file_key);

    if (ret != KEEL_OK) {
        *why = "key derivation failed";
        goto out;
    }
    memcpy(tag, file + KEEL_STORE_HEADER_LEN + body_len, sizeof(tag));
    ret = gcm(0, file_key, file + OFF_NONCE, file, KEEL_STORE_HEADER_LEN,
              file + KEEL_STORE_HEADER_LEN, body_len, body, tag);
    if (ret == KEEL_ERR_STORE_TAMPERED)
        *why = "authentication failed (header or content altered)";
    else if (ret != KEEL_OK)
        *why = "decryption failed";
out:
    keel_wipe(file_key, sizeof(file_key));
    return ret;
}

keel_err keel_store_decode(const uint8_t *file, size_t len, const uint8_t key[KEEL_ROT_KEY_LEN],
                           uint8_t *body, size_t cap, size_t *body_len, uint64_t *gen,
                           const char **why)
{
    keel_err ret;

    if (file == NULL || key == NULL || body == NULL || body_len == NULL || gen == NULL ||
        why == NULL || cap < (size_t)KEEL_STORE_BODY_MAX)
        return KEEL_ERR_ARG;
    *why = "";
    *body_len = 0;
    ret = check_shape(file, len, why);
    if (ret == KEEL_OK)
        ret = check_key_id(file, key, why);
    if (ret == KEEL_OK)
        ret = check_length(file, len, body_len, why);
    if (ret == KEEL_OK)
        ret = open_body(file, *body_len, key, body, why);
    if (ret == KEEL_OK && keel_store_records_check(body, *body_len) != KEEL_OK) {
        *why = "authentic but malformed records";
        ret = KEEL_ERR_STORE_TAMPERED;
    }
    if (ret != KEEL_OK) {
        keel_wipe(body, *body_len);
        *body_len = 0;
        return ret;
    }
    *gen = get_be(file + OFF_GEN, 8);
    return KEEL_OK;
}
