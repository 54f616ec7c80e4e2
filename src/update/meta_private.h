/* Private to the update module: the metadata layer's helpers (names, hashes, keys, DSSE
 * envelopes, version strings and the JSON reading and writing the four roles share), for
 * the files of src/update. Nothing here is part of keel's public interface.
 *
 * Every function returns keel_err unless it says otherwise; NULL where a pointer is needed
 * is KEEL_ERR_ARG. Refusals of untrusted input are logged (keel_log, "update: ...") naming
 * the field and the rule. */
#ifndef KEEL_UPDATE_META_PRIVATE_H
#define KEEL_UPDATE_META_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "keel/update.h"

/* The largest integer in the metadata: 2^53 - 1, the top of the range in which every
 * integer has its own double (RFC 7493, I-JSON), since cJSON reads every number as a
 * double. A number written beyond it (2^53 + 1 reads as 2^53) is refused, never rounded. */
#define KEEL_UPDATE_JSON_INT_MAX ((UINT64_C(1) << 53) - 1)

/* The largest signature an envelope may carry (decoded): Ed25519 is 64 bytes, a DER ECDSA
 * P-256 signature at most 72. */
#define KEEL_UPDATE_SIG_MAX ((size_t)256)

/* The largest PEM public key in a root ("keyval": {"public": ...}). */
#define KEEL_UPDATE_PEM_MAX ((size_t)1024)

/* ---- Names (role.c) ---- */

/* ---- Hashes and keys (key.c) ---- */

/* SHA-256 of len bytes at data (NULL allowed when len is 0). KEEL_ERR_CRYPTO. */
KEEL_MUST_CHECK keel_err keel_update_sha256(const void *data, size_t len, uint8_t out[32]);

/* Lower-case hex of a SHA-256 into out (65 bytes, NUL-terminated). */
void keel_update_sha256_hex(const uint8_t digest[32], char out[KEEL_UPDATE_KEYID_SIZE]);

/* Decode exactly 64 lower-case hex digits (the whole string) into out. KEEL_ERR_PARSE for
 * any other length or character (upper case too: keel writes and compares lower case);
 * out is zeroed then. Nothing is logged. */
KEEL_MUST_CHECK keel_err keel_update_hex32_decode(const char *hex, uint8_t out[32]);

/* Sign len bytes at msg with key: Ed25519 (pure, 64 bytes) or ECDSA P-256 over SHA-256
 * (DER). The operation is fetched from the provider that holds the key, so a key kept in a
 * TPM (tpm2-openssl, in OpenSSL's default library context) signs inside it. The signature
 * is in a new buffer (*sig, *sig_len; free with free()). KEEL_ERR_CRYPTO when the key is of
 * another type or cannot sign; KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_key_sign(EVP_PKEY *key, const void *msg, size_t len,
                                              uint8_t **sig, size_t *sig_len);

/* Check sig over msg with key (the same two schemes). KEEL_OK when it verifies;
 * KEEL_ERR_UPDATE_UNSIGNED when it does not (a wrong key, a changed message, a malformed
 * signature); KEEL_ERR_CRYPTO when the key is of another type; KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_key_verify(EVP_PKEY *key, const void *msg, size_t len,
                                                const uint8_t *sig, size_t sig_len);

/* A public key from the PEM of its SubjectPublicKeyInfo (at most KEEL_UPDATE_PEM_MAX
 * bytes), which must be Ed25519 or EC P-256, into *out (free with EVP_PKEY_free).
 * KEEL_ERR_TOO_LARGE, KEEL_ERR_PARSE (not such a key). Nothing is logged. */
KEEL_MUST_CHECK keel_err keel_update_key_from_pem(const char *pem, EVP_PKEY **out);

/* The PEM of key's SubjectPublicKeyInfo (the public part of a private key too) in a new
 * NUL-terminated buffer (*out; free with free()). KEEL_ERR_CRYPTO, KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_key_to_pem(EVP_PKEY *key, char **out);

/* ---- Version strings (version.c) ---- */

/* ---- DSSE envelopes (dsse.c) ---- */

/* One signature of an envelope, decoded. keyid is "" when the envelope's keyid is not 64
 * lower-case hex digits: such a signature can match no key of a root and is ignored. */
typedef struct keel_update_envelope_sig {
    char keyid[KEEL_UPDATE_KEYID_SIZE];
    uint8_t sig[KEEL_UPDATE_SIG_MAX];
    size_t sig_len;
} keel_update_envelope_sig;

/* An envelope, parsed but not verified. */
typedef struct keel_update_envelope {
    uint8_t *payload; /* payload_len bytes and a NUL, owned */
    size_t payload_len;
    size_t nsigs;
    keel_update_envelope_sig sigs[KEEL_UPDATE_MAX_KEYS];
} keel_update_envelope;

/* Parse an envelope (at most KEEL_UPDATE_META_MAX bytes): a JSON object whose payloadType is
 * KEEL_UPDATE_PAYLOAD_TYPE, whose payload is strict standard base64, and whose signatures
 * are an array of at most KEEL_UPDATE_MAX_KEYS objects {"keyid": string, "sig": strict
 * base64 of at most KEEL_UPDATE_SIG_MAX bytes}. KEEL_ERR_PARSE, KEEL_ERR_TOO_LARGE,
 * KEEL_ERR_NOMEM, each logged. On failure *out holds nothing to free; on success free it
 * with keel_update_envelope_clear. */
KEEL_MUST_CHECK keel_err keel_update_envelope_parse(const void *envelope, size_t len,
                                                    keel_update_envelope *out);
void keel_update_envelope_clear(keel_update_envelope *env);

/* The signatures of env checked against the keys root gives role, as
 * keel_update_envelope_open does (distinct trusted key ids, one per key, unknown ones
 * ignored): KEEL_OK when at least the role's threshold verify, KEEL_ERR_UPDATE_UNSIGNED
 * when none does, KEEL_ERR_UPDATE_THRESHOLD when some but too few do; KEEL_ERR_ARG when
 * the role has no keys or a threshold of 0 (a root not made by keel_update_root_parse). */
KEEL_MUST_CHECK keel_err keel_update_envelope_verify_signatures(const keel_update_envelope *env,
                                                                const keel_update_root *root,
                                                                keel_update_role role);

/* ---- JSON (meta_json.c) ---- */

/* Parse len bytes (need not be NUL-terminated) as one JSON object, nothing but white space
 * after it, no NUL byte and no "\u0000" escape in it (either would cut a string short), at
 * most max bytes (KEEL_ERR_TOO_LARGE). what names the document in the log. The tree in *out
 * is freed with cJSON_Delete. KEEL_ERR_PARSE, KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_json_parse(const void *text, size_t len, size_t max,
                                                const char *what, cJSON **out);

/* The member name of object obj, which must be there exactly once (a repeated name is
 * refused, so no reader can see another value than keel's). where is the object's path in
 * the log ("targets.app.custom"). KEEL_ERR_PARSE when it is missing or repeated. */
KEEL_MUST_CHECK keel_err keel_update_json_member(const cJSON *obj, const char *where,
                                                 const char *name, const cJSON **out);

/* 1 when obj has a member name (once or more), 0 otherwise: for optional members. */
int keel_update_json_has(const cJSON *obj, const char *name);

/* A required member that is an object. KEEL_ERR_PARSE. */
KEEL_MUST_CHECK keel_err keel_update_json_object(const cJSON *obj, const char *where,
                                                 const char *name, const cJSON **out);

/* A required member that is an integer in [min, max] (max at most
 * KEEL_UPDATE_JSON_INT_MAX): a JSON number that is integral, not negative and exactly
 * representable. KEEL_ERR_PARSE. */
KEEL_MUST_CHECK keel_err keel_update_json_u64(const cJSON *obj, const char *where, const char *name,
                                              uint64_t min, uint64_t max, uint64_t *out);

/* A required member that is a string shorter than size bytes (KEEL_ERR_TOO_LARGE
 * otherwise); *out points into the tree. KEEL_ERR_PARSE for another type. */
KEEL_MUST_CHECK keel_err keel_update_json_string(const cJSON *obj, const char *where,
                                                 const char *name, size_t size, const char **out);

/* A required member that is true or false. KEEL_ERR_PARSE. */
KEEL_MUST_CHECK keel_err keel_update_json_bool(const cJSON *obj, const char *where,
                                               const char *name, int *out);

/* Log "update: <where>.<name>: <why>" at error level and return err. */
keel_err keel_update_json_refuse(keel_err err, const char *where, const char *name,
                                 const char *why);

/* The common header of doc, which must be of type role: "_type" (the role's name),
 * "spec_version" ("1.0"), "version" (1 .. KEEL_UPDATE_JSON_INT_MAX) and "expires". */
KEEL_MUST_CHECK keel_err keel_update_json_header_parse(const cJSON *doc, keel_update_role role,
                                                       keel_update_header *out);

/* A new object holding the header's four members, for a document of type role. KEEL_ERR_ARG
 * when header->type is not role, the version is 0 or above KEEL_UPDATE_JSON_INT_MAX, or
 * expires has no four-digit year; KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_json_header_emit(const keel_update_header *header,
                                                      keel_update_role role, cJSON **out);

/* Add the integer v (at most KEEL_UPDATE_JSON_INT_MAX, else KEEL_ERR_ARG) to obj as name.
 * KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_json_add_u64(cJSON *obj, const char *name, uint64_t v);

/* Add the string s to obj as name. KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_json_add_string(cJSON *obj, const char *name, const char *s);

/* Print doc into a new NUL-terminated buffer (*out, *out_len without the NUL; free with
 * free()), refusing more than KEEL_UPDATE_META_MAX bytes (KEEL_ERR_TOO_LARGE: no device
 * would read it). doc stays the caller's. KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_json_print(const cJSON *doc, char **out, size_t *out_len);

/* ---- Role documents (meta_roles.c, meta_root.c) ---- */

/* A "meta" entry of a timestamp or a snapshot ("snapshot.json", "targets.json"):
 * {"version": N, "length": L, "hashes": {"sha256": hex}}, length and hashes optional. */
KEEL_MUST_CHECK keel_err keel_update_meta_ref_parse(const cJSON *entry, const char *where,
                                                    keel_update_meta_ref *out);
KEEL_MUST_CHECK keel_err keel_update_meta_ref_emit(const keel_update_meta_ref *ref, cJSON **out);

/* The index in root->keyids of keyid, or -1 when the root has no such key. */
int keel_update_root_key_index(const keel_update_root *root, const char *keyid);

#endif /* KEEL_UPDATE_META_PRIVATE_H */
