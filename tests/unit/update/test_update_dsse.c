/*
 * DSSE envelopes of the update metadata (5.3-7, 5.3-9, 5.3-10): the pre-authentication encoding
 * against vectors computed from the DSSE specification, sealing and opening with Ed25519 and ECDSA
 * P-256 keys, thresholds, and the envelopes an attacker would try: unsigned, signed by a
 * key the role does not trust, tampered with, one key signing twice, another payload type,
 * malformed or oversized.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "keel/update.h"
#include "meta_private.h"

#define PAYLOAD "{\"_type\":\"targets\",\"spec_version\":\"1.0\"}"

static EVP_PKEY *gen_ed25519(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    assert_non_null(k);
    return k;
}

static EVP_PKEY *gen_p256(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    assert_non_null(k);
    return k;
}

/* A root whose every role trusts keys[0..n) with threshold; the root holds its own
 * references. */
static void root_make(keel_update_root *root, EVP_PKEY *const *keys, size_t n, uint32_t threshold)
{
    memset(root, 0, sizeof(*root));
    root->header.type = KEEL_UPDATE_ROLE_ROOT;
    root->header.version = 1;
    root->header.expires = 4102444800; /* 2100-01-01 */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(EVP_PKEY_up_ref(keys[i]), 1);
        root->keys[i] = keys[i];
        assert_int_equal(keel_update_key_id(keys[i], root->keyids[i]), KEEL_OK);
    }
    root->nkeys = n;
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        for (size_t i = 0; i < n; i++)
            memcpy(root->roles[r].keyids[i], root->keyids[i], KEEL_UPDATE_KEYID_SIZE);
        root->roles[r].nkeyids = n;
        root->roles[r].threshold = threshold;
    }
}

static char *seal(const char *payload, EVP_PKEY *const *keys, size_t n)
{
    char *env = NULL;
    size_t len = 0;

    assert_int_equal(keel_update_envelope_seal(payload, strlen(payload), keys, n, &env, &len),
                     KEEL_OK);
    assert_int_equal(strlen(env), len);
    return env;
}

static keel_err open_as(const char *env, const keel_update_root *root, keel_update_role role)
{
    uint8_t *payload = (uint8_t *)"untouched";
    size_t len = 99;
    keel_err ret = keel_update_envelope_open(env, strlen(env), root, role, &payload, &len);

    if (ret == KEEL_OK) {
        assert_int_equal(payload[len], '\0');
        free(payload);
    } else {
        assert_null(payload);
        assert_int_equal(len, 0);
    }
    return ret;
}

/* env with member name replaced by value (a JSON text); the result is freed by the caller. */
static char *edit(const char *env, const char *name, const char *value)
{
    cJSON *doc = cJSON_Parse(env);
    cJSON *v = cJSON_Parse(value);
    char *text;
    char *copy;

    assert_non_null(doc);
    assert_non_null(v);
    assert_true(cJSON_ReplaceItemInObjectCaseSensitive(doc, name, v));
    text = cJSON_PrintUnformatted(doc);
    assert_non_null(text);
    copy = strdup(text);
    assert_non_null(copy);
    cJSON_free(text);
    cJSON_Delete(doc);
    return copy;
}

/* The JSON text of member name of env. */
static char *member(const char *env, const char *name)
{
    cJSON *doc = cJSON_Parse(env);
    char *text;
    char *copy;

    assert_non_null(doc);
    text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(doc, name));
    assert_non_null(text);
    copy = strdup(text);
    assert_non_null(copy);
    cJSON_free(text);
    cJSON_Delete(doc);
    return copy;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);

    if (strcmp(hex, "-") == 0)
        return 0;
    assert_true(n % 2 == 0 && n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned int b;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
        out[i] = (uint8_t)b;
    }
    return n / 2;
}

static void test_pae_vectors(void **state)
{
    const char *dir = getenv("KEEL_SOURCE_DIR");
    char path[4096];
    static char line[8192];
    size_t same = 0, differ = 0;
    FILE *f;

    (void)state;
    assert_non_null(dir);
    assert_int_equal(
        keel_str_format(path, sizeof(path), "%s/tests/unit/update/data/dsse_pae.txt", dir),
        KEEL_OK);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        static char kind[16], thex[512], phex[2048], ehex[4096];
        static uint8_t type[256], payload[1024], expected[2048];
        size_t tlen, plen, elen, got_len = 0;
        uint8_t *got = NULL;

        if (line[0] == '#' || line[0] == '\n')
            continue;
        assert_int_equal(sscanf(line, "%15s %511s %2047s %4095s", kind, thex, phex, ehex), 4);
        tlen = unhex(thex, type, sizeof(type) - 1);
        type[tlen] = '\0';
        plen = unhex(phex, payload, sizeof(payload));
        elen = unhex(ehex, expected, sizeof(expected));
        assert_int_equal(keel_update_dsse_pae((const char *)type, payload, plen, &got, &got_len),
                         KEEL_OK);
        if (strcmp(kind, "same") == 0) {
            assert_int_equal(got_len, elen);
            assert_memory_equal(got, expected, elen);
            same++;
        } else {
            assert_string_equal(kind, "differ");
            assert_true(got_len != elen || memcmp(got, expected, elen) != 0);
            differ++;
        }
        free(got);
    }
    fclose(f);
    assert_true(same >= 10);
    assert_true(differ >= 5);
}

static void test_pae_args(void **state)
{
    uint8_t *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(keel_update_dsse_pae(NULL, "x", 1, &out, &len), KEEL_ERR_ARG);
    assert_int_equal(keel_update_dsse_pae("t", NULL, 1, &out, &len), KEEL_ERR_ARG);
    assert_int_equal(keel_update_dsse_pae("t", NULL, 0, &out, &len), KEEL_OK);
    assert_int_equal(len, strlen("DSSEv1 1 t 0 "));
    assert_memory_equal(out, "DSSEv1 1 t 0 ", len);
    free(out);
}

static void seal_open_one(EVP_PKEY *key)
{
    keel_update_root root;
    uint8_t *payload = NULL;
    size_t len = 0;
    char *env = seal(PAYLOAD, &key, 1);

    root_make(&root, &key, 1, 1);
    assert_int_equal(keel_update_envelope_open(env, strlen(env), &root, KEEL_UPDATE_ROLE_TARGETS,
                                               &payload, &len),
                     KEEL_OK);
    assert_int_equal(len, strlen(PAYLOAD));
    assert_string_equal((char *)payload, PAYLOAD);
    free(payload);
    assert_int_equal(keel_update_envelope_payload(env, strlen(env), &payload, &len), KEEL_OK);
    assert_string_equal((char *)payload, PAYLOAD);
    free(payload);
    free(env);
    keel_update_root_free(&root);
}

static void test_seal_open_ed25519(void **state)
{
    EVP_PKEY *k = gen_ed25519();

    (void)state;
    assert_string_equal(keel_update_key_type(k), "ed25519");
    seal_open_one(k);
    EVP_PKEY_free(k);
}

static void test_seal_open_p256(void **state)
{
    EVP_PKEY *k = gen_p256();

    (void)state;
    assert_string_equal(keel_update_key_type(k), "ecdsa-sha2-nistp256");
    seal_open_one(k);
    EVP_PKEY_free(k);
}

/* The signatures are the schemes' own: 64 raw bytes for Ed25519, DER for ECDSA. */
static void test_signature_forms(void **state)
{
    EVP_PKEY *keys[2] = {gen_ed25519(), gen_p256()};
    keel_update_envelope env;
    char *text = seal(PAYLOAD, keys, 2);

    (void)state;
    assert_int_equal(keel_update_envelope_parse(text, strlen(text), &env), KEEL_OK);
    assert_int_equal(env.nsigs, 2);
    assert_int_equal(env.sigs[0].sig_len, 64);
    assert_int_equal(env.sigs[1].sig[0], 0x30); /* a DER SEQUENCE */
    assert_true(env.sigs[1].sig_len >= 8 && env.sigs[1].sig_len <= 72);
    keel_update_envelope_clear(&env);
    free(text);
    EVP_PKEY_free(keys[0]);
    EVP_PKEY_free(keys[1]);
}

static void test_threshold(void **state)
{
    EVP_PKEY *k[3] = {gen_ed25519(), gen_p256(), gen_ed25519()};
    EVP_PKEY *two[2] = {k[0], k[2]};
    keel_update_root root;
    char *env;

    (void)state;
    root_make(&root, k, 3, 2);
    env = seal(PAYLOAD, two, 2);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_SNAPSHOT), KEEL_OK);
    free(env);
    env = seal(PAYLOAD, k, 3);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_SNAPSHOT), KEEL_OK);
    free(env);
    env = seal(PAYLOAD, &k[1], 1);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_SNAPSHOT), KEEL_ERR_UPDATE_THRESHOLD);
    free(env);
    keel_update_root_free(&root);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(k[i]);
}

static void test_unknown_key(void **state)
{
    EVP_PKEY *trusted = gen_ed25519();
    EVP_PKEY *stranger[2] = {gen_ed25519(), gen_p256()};
    EVP_PKEY *both[2] = {stranger[0], trusted};
    keel_update_root root;
    char *env;

    (void)state;
    root_make(&root, &trusted, 1, 1);
    env = seal(PAYLOAD, stranger, 2);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_UPDATE_UNSIGNED);
    free(env);
    /* A stranger's signature beside a trusted one is ignored, not an error. */
    env = seal(PAYLOAD, both, 2);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_OK);
    free(env);
    env = seal(PAYLOAD, NULL, 0);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_UPDATE_UNSIGNED);
    free(env);
    keel_update_root_free(&root);
    EVP_PKEY_free(trusted);
    EVP_PKEY_free(stranger[0]);
    EVP_PKEY_free(stranger[1]);
}

/* A key the root trusts for targets only cannot sign for the root role. */
static void test_wrong_role(void **state)
{
    EVP_PKEY *k[2] = {gen_ed25519(), gen_ed25519()};
    keel_update_root root;
    char *env;

    (void)state;
    root_make(&root, k, 2, 1);
    root.roles[KEEL_UPDATE_ROLE_ROOT].nkeyids = 1; /* only k[0] */
    root.roles[KEEL_UPDATE_ROLE_TARGETS].nkeyids = 1;
    memcpy(root.roles[KEEL_UPDATE_ROLE_TARGETS].keyids[0], root.keyids[1],
           KEEL_UPDATE_KEYID_SIZE); /* only k[1] */
    env = seal(PAYLOAD, &k[1], 1);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_TARGETS), KEEL_OK);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_UPDATE_UNSIGNED);
    free(env);
    keel_update_root_free(&root);
    EVP_PKEY_free(k[0]);
    EVP_PKEY_free(k[1]);
}

static void test_tampered(void **state)
{
    EVP_PKEY *k[2] = {gen_ed25519(), gen_p256()};
    keel_update_root root;
    char *good;
    char *other;
    char *payload;
    char *bad;

    (void)state;
    root_make(&root, k, 2, 1);
    good = seal(PAYLOAD, k, 2);
    other = seal("{\"_type\":\"targets\",\"spec_version\":\"1.1\"}", NULL, 0);
    payload = member(other, "payload");
    bad = edit(good, "payload", payload);
    assert_int_equal(open_as(bad, &root, KEEL_UPDATE_ROLE_TARGETS), KEEL_ERR_UPDATE_UNSIGNED);
    free(bad);
    free(payload);
    /* A signature with one bit flipped. */
    {
        keel_update_envelope env;
        assert_int_equal(keel_update_envelope_parse(good, strlen(good), &env), KEEL_OK);
        env.sigs[0].sig[10] ^= 0x01;
        env.sigs[1].sig[env.sigs[1].sig_len - 1] ^= 0x01;
        assert_int_equal(
            keel_update_envelope_verify_signatures(&env, &root, KEEL_UPDATE_ROLE_TARGETS),
            KEEL_ERR_UPDATE_UNSIGNED);
        keel_update_envelope_clear(&env);
    }
    free(good);
    free(other);
    keel_update_root_free(&root);
    EVP_PKEY_free(k[0]);
    EVP_PKEY_free(k[1]);
}

/* One key signing twice, or its signature copied, still counts once. */
static void test_duplicate_signature(void **state)
{
    EVP_PKEY *k[3] = {gen_ed25519(), gen_ed25519(), gen_p256()};
    EVP_PKEY *twice[2] = {k[0], k[0]};
    keel_update_root root;
    char *env;
    char *sigs;
    char *doubled;
    size_t n;

    (void)state;
    root_make(&root, k, 3, 2);
    env = seal(PAYLOAD, twice, 2);
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_TIMESTAMP), KEEL_ERR_UPDATE_THRESHOLD);
    free(env);
    env = seal(PAYLOAD, &k[2], 1);
    sigs = member(env, "signatures"); /* [ {...} ] */
    n = strlen(sigs);
    doubled = malloc(2 * n + 1);
    assert_non_null(doubled);
    memcpy(doubled, sigs, n - 1);
    doubled[n - 1] = ',';
    memcpy(doubled + n, sigs + 1, n - 1);
    doubled[2 * n - 1] = '\0';
    free(sigs);
    sigs = edit(env, "signatures", doubled);
    assert_int_equal(open_as(sigs, &root, KEEL_UPDATE_ROLE_TIMESTAMP), KEEL_ERR_UPDATE_THRESHOLD);
    free(sigs);
    free(doubled);
    free(env);
    keel_update_root_free(&root);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(k[i]);
}

static void test_payload_type(void **state)
{
    EVP_PKEY *k = gen_ed25519();
    keel_update_root root;
    uint8_t *payload = NULL;
    size_t len = 0;
    char *env;
    char *bad;

    (void)state;
    root_make(&root, &k, 1, 1);
    env = seal(PAYLOAD, &k, 1);
    bad = edit(env, "payloadType", "\"application/vnd.in-toto+json\"");
    assert_int_equal(open_as(bad, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_envelope_payload(bad, strlen(bad), &payload, &len),
                     KEEL_ERR_PARSE);
    free(bad);
    bad = edit(env, "payloadType", "1");
    assert_int_equal(open_as(bad, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_PARSE);
    free(bad);
    free(env);
    keel_update_root_free(&root);
    EVP_PKEY_free(k);
}

static void test_base64_strict(void **state)
{
    static const char *const bad[] = {
        "\"e30\"",      /* missing padding */
        "\"e30==\"",    /* too much padding */
        "\"e3 0=\"",    /* white space */
        "\"e30=\\n\"",  /* a newline */
        "\"e31=\"",     /* bits left over in the last character */
        "\"e-0=\"",     /* the URL alphabet */
        "\"=e30\"",     /* padding first */
        "\"e3=0\"",     /* padding inside */
        "\"====\"",     /* nothing but padding */
        "\"e30=e30=\"", /* padding in the middle of the string */
        "null",         "[]",
    };
    EVP_PKEY *k = gen_ed25519();
    uint8_t *payload = NULL;
    size_t len = 0;
    char *env = seal("{}", &k, 1);
    char *p = member(env, "payload");

    (void)state;
    assert_string_equal(p, "\"e30=\"");
    free(p);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *e = edit(env, "payload", bad[i]);
        if (keel_update_envelope_payload(e, strlen(e), &payload, &len) != KEEL_ERR_PARSE)
            fail_msg("payload %s was accepted", bad[i]);
        free(e);
    }
    {
        char *e = edit(env, "signatures", "[{\"keyid\":\"00\",\"sig\":\"AAA\"}]");
        assert_int_equal(keel_update_envelope_payload(e, strlen(e), &payload, &len),
                         KEEL_ERR_PARSE);
        free(e);
    }
    free(env);
    EVP_PKEY_free(k);
}

static void test_not_an_envelope(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{}",
        "\"x\"",
        "{\"payloadType\":\"application/vnd.keel.tuf+json\",\"payload\":\"e30=\"}",
        "{\"payloadType\":\"application/vnd.keel.tuf+json\",\"signatures\":[]}",
        "{\"payload\":\"e30=\",\"signatures\":[]}",
        "{\"payloadType\":\"application/"
        "vnd.keel.tuf+json\",\"payload\":\"e30=\",\"signatures\":{}}",
        "{\"payloadType\":\"application/"
        "vnd.keel.tuf+json\",\"payload\":\"e30=\",\"signatures\":[1]}",
        "{\"payloadType\":\"application/vnd.keel.tuf+json\",\"payload\":\"e30=\","
        "\"signatures\":[{\"keyid\":\"a\"}]}",
        "{\"payloadType\":\"application/vnd.keel.tuf+json\",\"payload\":\"e30=\","
        "\"signatures\":[{\"sig\":\"AAAA\"}]}",
        "{\"payloadType\":\"application/vnd.keel.tuf+json\",\"payload\":\"e30=\","
        "\"signatures\":[{\"keyid\":1,\"sig\":\"AAAA\"}]}",
        "{\"payloadType\":\"application/vnd.keel.tuf+json\",\"payload\":\"e30=\","
        "\"signatures\":[]} x",
        "{\"payloadType\":\"application/vnd.keel.tuf+json\",\"payload\":\"e30=\","
        "\"payload\":\"e30=\",\"signatures\":[]}",
    };
    uint8_t *payload = NULL;
    size_t len = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_update_envelope_payload(bad[i], strlen(bad[i]), &payload, &len) != KEEL_ERR_PARSE)
            fail_msg("envelope %zu was accepted", i);
        assert_null(payload);
    }
    /* A NUL inside the given length. */
    assert_int_equal(keel_update_envelope_payload("{}\0{}", 5, &payload, &len), KEEL_ERR_PARSE);
    /* Only white space may follow; an unsigned envelope with no signatures parses. */
    {
        const char *ok = "{\"payloadType\":\"application/vnd.keel.tuf+json\","
                         "\"payload\":\"\",\"signatures\":[]}\n ";
        assert_int_equal(keel_update_envelope_payload(ok, strlen(ok), &payload, &len), KEEL_OK);
        assert_int_equal(len, 0);
        free(payload);
    }
}

static void test_limits(void **state)
{
    EVP_PKEY *k = gen_ed25519();
    keel_update_root root;
    char *env = seal(PAYLOAD, &k, 1);
    char *sigs = member(env, "signatures");
    char *many;
    char *big;
    char *text = NULL;
    size_t n = strlen(sigs) - 2;
    size_t len = 0;
    size_t at = 1;

    (void)state;
    root_make(&root, &k, 1, 1);
    /* 17 signatures: more than any role may have. */
    many = malloc(17 * (n + 1) + 2);
    assert_non_null(many);
    many[0] = '[';
    for (int i = 0; i < 17; i++) {
        memcpy(many + at, sigs + 1, n);
        at += n;
        many[at++] = i < 16 ? ',' : ']';
    }
    many[at] = '\0';
    free(sigs);
    sigs = edit(env, "signatures", many);
    assert_int_equal(open_as(sigs, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_TOO_LARGE);
    free(sigs);
    free(many);
    /* An envelope over KEEL_UPDATE_META_MAX, however it is padded. */
    big = malloc(KEEL_UPDATE_META_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', KEEL_UPDATE_META_MAX + 1);
    memcpy(big, env, strlen(env));
    big[KEEL_UPDATE_META_MAX + 1] = '\0';
    assert_int_equal(open_as(big, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_TOO_LARGE);
    /* Sealing what no device would open. */
    memset(big, 'a', KEEL_UPDATE_META_MAX + 1);
    assert_int_equal(keel_update_envelope_seal(big, KEEL_UPDATE_META_MAX + 1, &k, 1, &text, &len),
                     KEEL_ERR_TOO_LARGE);
    assert_int_equal(
        keel_update_envelope_seal(big, KEEL_UPDATE_META_MAX * 4 / 5, &k, 1, &text, &len),
        KEEL_ERR_TOO_LARGE);
    assert_null(text);
    free(big);
    free(env);
    keel_update_root_free(&root);
    EVP_PKEY_free(k);
}

/* Signatures the envelope carries but no key can match: ignored, never an error. */
static void test_unmatched_signatures(void **state)
{
    EVP_PKEY *k = gen_ed25519();
    keel_update_root root;
    char *env = seal(PAYLOAD, &k, 1);
    char *bad;

    (void)state;
    root_make(&root, &k, 1, 1);
    bad = edit(env, "signatures", "[{\"keyid\":\"not hex\",\"sig\":\"AAAA\"}]");
    assert_int_equal(open_as(bad, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_UPDATE_UNSIGNED);
    free(bad);
    {
        char ids[512];
        assert_int_equal(keel_str_format(ids, sizeof(ids), "[{\"keyid\":\"%s\",\"sig\":\"AAAA\"}]",
                                         root.keyids[0]),
                         KEEL_OK);
        bad = edit(env, "signatures", ids);
        assert_int_equal(open_as(bad, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_UPDATE_UNSIGNED);
        free(bad);
    }
    free(env);
    keel_update_root_free(&root);
    EVP_PKEY_free(k);
}

static void test_open_args(void **state)
{
    EVP_PKEY *k = gen_ed25519();
    keel_update_root root;
    uint8_t *payload = NULL;
    size_t len = 0;
    char *env = seal(PAYLOAD, &k, 1);

    (void)state;
    root_make(&root, &k, 1, 1);
    root.roles[KEEL_UPDATE_ROLE_ROOT].threshold = 0;
    assert_int_equal(open_as(env, &root, KEEL_UPDATE_ROLE_ROOT), KEEL_ERR_ARG);
    assert_int_equal(
        keel_update_envelope_open(env, strlen(env), &root, KEEL_UPDATE_ROLES, &payload, &len),
        KEEL_ERR_ARG);
    assert_int_equal(
        keel_update_envelope_open(env, strlen(env), NULL, KEEL_UPDATE_ROLE_ROOT, &payload, &len),
        KEEL_ERR_ARG);
    assert_int_equal(keel_update_envelope_seal(NULL, 1, &k, 1, (char **)&payload, &len),
                     KEEL_ERR_ARG);
    free(env);
    keel_update_root_free(&root);
    EVP_PKEY_free(k);
}

static void test_key_ids(void **state)
{
    EVP_PKEY *keys[2] = {gen_ed25519(), gen_p256()};
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    char id[KEEL_UPDATE_KEYID_SIZE];
    char again[KEEL_UPDATE_KEYID_SIZE];
    char *text = NULL;
    size_t len = 0;

    (void)state;
    for (int i = 0; i < 2; i++) {
        unsigned char *der = NULL;
        uint8_t digest[32];
        char *pem = NULL;
        EVP_PKEY *pub = NULL;
        int n = i2d_PUBKEY(keys[i], &der);

        assert_true(n > 0);
        assert_int_equal(keel_update_sha256(der, (size_t)n, digest), KEEL_OK);
        keel_update_sha256_hex(digest, again);
        OPENSSL_free(der);
        assert_int_equal(keel_update_key_id(keys[i], id), KEEL_OK);
        assert_string_equal(id, again);
        assert_int_equal(strlen(id), 64);
        /* The public half read back from its PEM has the same id. */
        assert_int_equal(keel_update_key_to_pem(keys[i], &pem), KEEL_OK);
        assert_int_equal(keel_update_key_from_pem(pem, &pub), KEEL_OK);
        assert_int_equal(keel_update_key_id(pub, again), KEEL_OK);
        assert_string_equal(id, again);
        free(pem);
        EVP_PKEY_free(pub);
    }
    assert_non_null(other);
    assert_null(keel_update_key_type(other));
    assert_int_equal(keel_update_key_id(other, id), KEEL_ERR_CRYPTO);
    assert_int_equal(keel_update_envelope_seal("{}", 2, &other, 1, &text, &len), KEEL_ERR_CRYPTO);
    assert_null(text);
    EVP_PKEY_free(other);
    EVP_PKEY_free(keys[0]);
    EVP_PKEY_free(keys[1]);
}

static void test_sign_verify(void **state)
{
    EVP_PKEY *keys[2] = {gen_ed25519(), gen_p256()};
    static const char msg[] = "DSSEv1 1 t 1 x";

    (void)state;
    for (int i = 0; i < 2; i++) {
        uint8_t *sig = NULL;
        size_t n = 0;

        assert_int_equal(keel_update_key_sign(keys[i], msg, strlen(msg), &sig, &n), KEEL_OK);
        assert_int_equal(keel_update_key_verify(keys[i], msg, strlen(msg), sig, n), KEEL_OK);
        assert_int_equal(keel_update_key_verify(keys[i], msg, strlen(msg) - 1, sig, n),
                         KEEL_ERR_UPDATE_UNSIGNED);
        assert_int_equal(keel_update_key_verify(keys[1 - i], msg, strlen(msg), sig, n),
                         KEEL_ERR_UPDATE_UNSIGNED);
        assert_int_equal(keel_update_key_verify(keys[i], msg, strlen(msg), sig, n / 2),
                         KEEL_ERR_UPDATE_UNSIGNED);
        free(sig);
    }
    EVP_PKEY_free(keys[0]);
    EVP_PKEY_free(keys[1]);
}

static void test_pem_strict(void **state)
{
    EVP_PKEY *k = gen_ed25519();
    EVP_PKEY *out = NULL;
    char *pem = NULL;
    char buf[2048];

    (void)state;
    assert_int_equal(keel_update_key_to_pem(k, &pem), KEEL_OK);
    assert_int_equal(keel_str_format(buf, sizeof(buf), "junk\n%s", pem), KEEL_OK);
    assert_int_equal(keel_update_key_from_pem(buf, &out), KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(buf, sizeof(buf), "%sjunk", pem), KEEL_OK);
    assert_int_equal(keel_update_key_from_pem(buf, &out), KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(buf, sizeof(buf), "%s\n\n", pem), KEEL_OK);
    assert_int_equal(keel_update_key_from_pem(buf, &out), KEEL_OK);
    EVP_PKEY_free(out);
    out = NULL;
    assert_int_equal(keel_update_key_from_pem("-----BEGIN PUBLIC KEY-----\n", &out),
                     KEEL_ERR_PARSE);
    memset(buf, 'A', sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    assert_int_equal(keel_update_key_from_pem(buf, &out), KEEL_ERR_TOO_LARGE);
    assert_null(out);
    free(pem);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pae_vectors),
        cmocka_unit_test(test_pae_args),
        cmocka_unit_test(test_seal_open_ed25519),
        cmocka_unit_test(test_seal_open_p256),
        cmocka_unit_test(test_signature_forms),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_wrong_role),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_duplicate_signature),
        cmocka_unit_test(test_payload_type),
        cmocka_unit_test(test_base64_strict),
        cmocka_unit_test(test_not_an_envelope),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_unmatched_signatures),
        cmocka_unit_test(test_open_args),
        cmocka_unit_test(test_key_ids),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_pem_strict),
    };

    keel_log_configure(KEEL_LOG_ERROR, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
