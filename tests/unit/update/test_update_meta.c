/*
 * The four role documents of the update metadata (5.3-2, 5.3-10, 5.3-11, 5.3-12, 5.13-1):
 * emitting then parsing gives the same document, and every parse refuses what a
 * hostile repository could send: another role's document, missing or mistyped fields,
 * numbers that are not whole or not exact, oversized texts, too many keys or targets, key
 * ids that do not name their keys, unreachable thresholds, invalid UTF-8 and trailing
 * garbage. Also the time and version helpers the documents rely on.
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

#include "keel/update.h"
#include "meta_private.h"

#define EXPIRES 4102444800 /* 2100-01-01T00:00:00Z */
#define HASH_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- Helpers ---- */

static char *dup_text(const char *s)
{
    char *copy = strdup(s);

    assert_non_null(copy);
    return copy;
}

static char *print(const cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    char *copy;

    assert_non_null(text);
    copy = dup_text(text);
    cJSON_free(text);
    return copy;
}

/* text with the member at path ("a/b/c") set to value (a JSON text, written as it is), or
 * removed when value is NULL. */
static char *edited(const char *text, const char *path, const char *value)
{
    cJSON *doc = cJSON_Parse(text);
    cJSON *obj = doc;
    char buf[512];
    char *name = buf;
    char *slash;
    char *out;

    assert_non_null(doc);
    assert_int_equal(keel_str_copy(buf, sizeof(buf), path), KEEL_OK);
    while ((slash = strchr(name, '/')) != NULL) {
        *slash = '\0';
        obj = cJSON_GetObjectItemCaseSensitive(obj, name);
        if (obj == NULL)
            fail_msg("no %s in %s", name, path);
        name = slash + 1;
    }
    if (value == NULL) {
        assert_non_null(cJSON_GetObjectItemCaseSensitive(obj, name));
        cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    } else {
        /* Raw: cJSON's printer would round large numbers. */
        cJSON *v = cJSON_CreateRaw(value);
        assert_non_null(v);
        if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
            assert_true(cJSON_ReplaceItemInObjectCaseSensitive(obj, name, v));
        else
            assert_true(cJSON_AddItemToObject(obj, name, v));
    }
    out = print(doc);
    cJSON_Delete(doc);
    return out;
}

typedef keel_err (*parse_fn)(const char *text, size_t len);

static keel_err parse_root(const char *text, size_t len)
{
    keel_update_root r;
    keel_err ret = keel_update_root_parse(text, len, &r);

    if (ret != KEEL_OK)
        assert_int_equal(r.nkeys, 0);
    keel_update_root_free(&r);
    return ret;
}

static keel_err parse_timestamp(const char *text, size_t len)
{
    keel_update_timestamp t;

    return keel_update_timestamp_parse(text, len, &t);
}

static keel_err parse_snapshot(const char *text, size_t len)
{
    keel_update_snapshot s;

    return keel_update_snapshot_parse(text, len, &s);
}

static keel_err parse_targets(const char *text, size_t len)
{
    keel_update_targets t;
    keel_err ret = keel_update_targets_parse(text, len, &t);

    if (ret != KEEL_OK) {
        assert_null(t.targets);
        assert_int_equal(t.ntargets, 0);
    }
    keel_update_targets_free(&t);
    return ret;
}

/* Parse text with the member at path set to value (NULL: removed); expect err. */
static void expect_edit(parse_fn parse, const char *text, const char *path, const char *value,
                        keel_err err)
{
    char *e = edited(text, path, value);
    keel_err got = parse(e, strlen(e));

    if (got != err)
        fail_msg("%s = %s: got %d, expected %d", path, value != NULL ? value : "(removed)", got,
                 err);
    free(e);
}

static void expect_text(parse_fn parse, const char *text, keel_err err)
{
    keel_err got = parse(text, strlen(text));

    if (got != err)
        fail_msg("%.80s: got %d, expected %d", text, got, err);
}

/* ---- Sample documents ---- */

typedef struct sample_root {
    EVP_PKEY *keys[3];
    keel_update_root root;
    char *text;
} sample_root;

static void sample_root_make(sample_root *s)
{
    size_t len = 0;

    memset(s, 0, sizeof(*s));
    s->keys[0] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    s->keys[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    s->keys[2] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    s->root.header = (keel_update_header){KEEL_UPDATE_ROLE_ROOT, 7, EXPIRES};
    for (int i = 0; i < 3; i++) {
        assert_non_null(s->keys[i]);
        assert_int_equal(EVP_PKEY_up_ref(s->keys[i]), 1);
        s->root.keys[i] = s->keys[i];
        assert_int_equal(keel_update_key_id(s->keys[i], s->root.keyids[i]), KEEL_OK);
    }
    s->root.nkeys = 3;
    /* root: all three, two needed; the others one key each. */
    for (int i = 0; i < 3; i++)
        memcpy(s->root.roles[KEEL_UPDATE_ROLE_ROOT].keyids[i], s->root.keyids[i],
               KEEL_UPDATE_KEYID_SIZE);
    s->root.roles[KEEL_UPDATE_ROLE_ROOT].nkeyids = 3;
    s->root.roles[KEEL_UPDATE_ROLE_ROOT].threshold = 2;
    for (int r = 1; r < KEEL_UPDATE_ROLES; r++) {
        memcpy(s->root.roles[r].keyids[0], s->root.keyids[r - 1], KEEL_UPDATE_KEYID_SIZE);
        s->root.roles[r].nkeyids = 1;
        s->root.roles[r].threshold = 1;
    }
    assert_int_equal(keel_update_root_emit(&s->root, &s->text, &len), KEEL_OK);
    assert_int_equal(strlen(s->text), len);
}

static void sample_root_free(sample_root *s)
{
    keel_update_root_free(&s->root);
    for (int i = 0; i < 3; i++)
        EVP_PKEY_free(s->keys[i]);
    free(s->text);
}

static void sample_targets_make(keel_update_targets *t, keel_update_target items[2])
{
    memset(t, 0, sizeof(*t));
    memset(items, 0, 2 * sizeof(items[0]));
    t->header = (keel_update_header){KEEL_UPDATE_ROLE_TARGETS, 3, EXPIRES};
    t->targets = items;
    t->ntargets = 2;
    assert_int_equal(keel_str_copy(items[0].name, sizeof(items[0].name), "keeld-1.4.2.img"),
                     KEEL_OK);
    items[0].length = 123456789;
    assert_int_equal(keel_update_hex32_decode(HASH_A, items[0].sha256), KEEL_OK);
    assert_int_equal(keel_str_copy(items[0].hardware_id, KEEL_UPDATE_HWID_MAX, "lock-v1"), KEEL_OK);
    items[0].security_version = 5;
    assert_int_equal(keel_str_copy(items[0].version, KEEL_UPDATE_VERSION_MAX, "1.4.2"), KEEL_OK);
    assert_int_equal(keel_str_copy(items[0].notice.fixes, KEEL_UPDATE_TEXT_MAX,
                                   "Behebt CVE-2024-0001 \xe2\x80\x94 \xc3\xbc\xe2\x9c\x93"),
                     KEEL_OK);
    assert_int_equal(keel_str_copy(items[0].notice.risks_mitigated, KEEL_UPDATE_TEXT_MAX,
                                   "Remote unlock by a forged \"token\" \\ quoted"),
                     KEEL_OK);
    items[0].notice.interrupts_function = 1;
    items[0].notice.interruption_seconds = 90;
    items[1] = items[0];
    assert_int_equal(keel_str_copy(items[1].name, sizeof(items[1].name), "keeld_2.0.img"), KEEL_OK);
    assert_int_equal(keel_str_copy(items[1].version, KEEL_UPDATE_VERSION_MAX, "2.0"), KEEL_OK);
    items[1].length = 1;
    items[1].security_version = 0;
    items[1].sha256[31] ^= 0xff;
    items[1].notice.fixes[0] = '\0';
    items[1].notice.interrupts_function = 0;
    items[1].notice.interruption_seconds = 0;
}

static char *targets_text(void)
{
    keel_update_targets t;
    keel_update_target items[2];
    char *text = NULL;
    size_t len = 0;

    sample_targets_make(&t, items);
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_OK);
    return text;
}

static char *timestamp_text(void)
{
    keel_update_timestamp ts = {{KEEL_UPDATE_ROLE_TIMESTAMP, 40, EXPIRES}, {12, 2048, 1, {0}}};
    char *text = NULL;
    size_t len = 0;

    ts.snapshot.sha256[0] = 0xab;
    assert_int_equal(keel_update_timestamp_emit(&ts, &text, &len), KEEL_OK);
    return text;
}

static char *snapshot_text(void)
{
    keel_update_snapshot s = {{KEEL_UPDATE_ROLE_SNAPSHOT, 12, EXPIRES}, {3, 4096, 1, {0}}};
    char *text = NULL;
    size_t len = 0;

    s.targets.sha256[31] = 0x01;
    assert_int_equal(keel_update_snapshot_emit(&s, &text, &len), KEEL_OK);
    return text;
}

/* ---- Round trips ---- */

static void assert_same_header(const keel_update_header *a, const keel_update_header *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->expires, b->expires);
}

static void assert_same_ref(const keel_update_meta_ref *a, const keel_update_meta_ref *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->length, b->length);
    assert_int_equal(a->has_sha256, b->has_sha256);
    assert_memory_equal(a->sha256, b->sha256, 32);
}

static void assert_same_root(const keel_update_root *a, const keel_update_root *b)
{
    assert_same_header(&a->header, &b->header);
    assert_int_equal(a->nkeys, b->nkeys);
    for (size_t i = 0; i < a->nkeys; i++) {
        assert_string_equal(a->keyids[i], b->keyids[i]);
        assert_int_equal(EVP_PKEY_eq(a->keys[i], b->keys[i]), 1);
    }
    for (int r = 0; r < KEEL_UPDATE_ROLES; r++) {
        assert_int_equal(a->roles[r].nkeyids, b->roles[r].nkeyids);
        assert_int_equal(a->roles[r].threshold, b->roles[r].threshold);
        for (size_t i = 0; i < a->roles[r].nkeyids; i++)
            assert_string_equal(a->roles[r].keyids[i], b->roles[r].keyids[i]);
    }
}

static void test_root_round_trip(void **state)
{
    sample_root s;
    keel_update_root parsed;
    char *again = NULL;
    size_t len = 0;

    (void)state;
    sample_root_make(&s);
    assert_int_equal(keel_update_root_parse(s.text, strlen(s.text), &parsed), KEEL_OK);
    assert_same_root(&s.root, &parsed);
    assert_int_equal(keel_update_root_emit(&parsed, &again, &len), KEEL_OK);
    assert_string_equal(again, s.text);
    /* Private keys are written as their public halves only. */
    assert_null(strstr(s.text, "PRIVATE"));
    free(again);
    keel_update_root_free(&parsed);
    keel_update_root_free(NULL);
    sample_root_free(&s);
}

static void test_timestamp_snapshot_round_trip(void **state)
{
    keel_update_timestamp ts;
    keel_update_timestamp ts2;
    keel_update_snapshot sn;
    keel_update_snapshot sn2;
    char *text = NULL;
    size_t len = 0;

    (void)state;
    memset(&ts, 0, sizeof(ts));
    ts.header.type = KEEL_UPDATE_ROLE_TIMESTAMP;
    ts.header.version = 9;
    ts.snapshot.version = 8;
    /* Without length and hash. */
    assert_int_equal(keel_update_timestamp_emit(&ts, &text, &len), KEEL_OK);
    assert_null(strstr(text, "length"));
    assert_null(strstr(text, "hashes"));
    assert_int_equal(keel_update_timestamp_parse(text, len, &ts2), KEEL_OK);
    assert_same_header(&ts.header, &ts2.header);
    assert_same_ref(&ts.snapshot, &ts2.snapshot);
    free(text);
    /* With both. */
    text = timestamp_text();
    assert_int_equal(keel_update_timestamp_parse(text, strlen(text), &ts2), KEEL_OK);
    assert_int_equal(ts2.header.version, 40);
    assert_int_equal(ts2.header.expires, EXPIRES);
    assert_int_equal(ts2.snapshot.version, 12);
    assert_int_equal(ts2.snapshot.length, 2048);
    assert_int_equal(ts2.snapshot.has_sha256, 1);
    assert_int_equal(ts2.snapshot.sha256[0], 0xab);
    free(text);
    text = snapshot_text();
    assert_int_equal(keel_update_snapshot_parse(text, strlen(text), &sn), KEEL_OK);
    free(text);
    assert_int_equal(keel_update_snapshot_emit(&sn, &text, &len), KEEL_OK);
    assert_int_equal(keel_update_snapshot_parse(text, len, &sn2), KEEL_OK);
    assert_same_header(&sn.header, &sn2.header);
    assert_same_ref(&sn.targets, &sn2.targets);
    assert_int_equal(sn.targets.version, 3);
    assert_int_equal(sn.targets.sha256[31], 0x01);
    free(text);
}

static void test_targets_round_trip(void **state)
{
    keel_update_targets t;
    keel_update_targets parsed;
    keel_update_target items[2];
    char *text = NULL;
    char *again = NULL;
    size_t len = 0;

    (void)state;
    sample_targets_make(&t, items);
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_OK);
    assert_int_equal(keel_update_targets_parse(text, len, &parsed), KEEL_OK);
    assert_same_header(&parsed.header, &t.header);
    assert_int_equal(parsed.ntargets, 2);
    for (int i = 0; i < 2; i++) {
        const keel_update_target *a = &items[i];
        const keel_update_target *b = &parsed.targets[i];
        assert_string_equal(a->name, b->name); /* in the order given */
        assert_int_equal(a->length, b->length);
        assert_memory_equal(a->sha256, b->sha256, 32);
        assert_string_equal(a->hardware_id, b->hardware_id);
        assert_int_equal(a->security_version, b->security_version);
        assert_string_equal(a->version, b->version);
        assert_string_equal(a->notice.fixes, b->notice.fixes);
        assert_string_equal(a->notice.risks_mitigated, b->notice.risks_mitigated);
        assert_int_equal(a->notice.interrupts_function, b->notice.interrupts_function);
        assert_int_equal(a->notice.interruption_seconds, b->notice.interruption_seconds);
    }
    assert_int_equal(keel_update_targets_emit(&parsed, &again, &len), KEEL_OK);
    assert_string_equal(again, text);
    keel_update_targets_free(&parsed);
    keel_update_targets_free(NULL);
    free(again);
    free(text);
    /* No targets at all. */
    t.ntargets = 0;
    t.targets = NULL;
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_OK);
    assert_int_equal(keel_update_targets_parse(text, len, &parsed), KEEL_OK);
    assert_int_equal(parsed.ntargets, 0);
    keel_update_targets_free(&parsed);
    free(text);
}

/* ---- What every parse refuses ---- */

/* The header and the document as a whole, for each of the four. */
static void header_cases(parse_fn parse, const char *text, parse_fn other)
{
    char *big;
    size_t n = strlen(text);

    expect_text(parse, text, KEEL_OK);
    expect_text(other, text, KEEL_ERR_PARSE); /* another role's document */
    expect_edit(parse, text, "_type", "\"mirrors\"", KEEL_ERR_PARSE);
    expect_edit(parse, text, "_type", "1", KEEL_ERR_PARSE);
    expect_edit(parse, text, "_type", NULL, KEEL_ERR_PARSE);
    expect_edit(parse, text, "spec_version", "\"1.1\"", KEEL_ERR_PARSE);
    expect_edit(parse, text, "spec_version", "1.0", KEEL_ERR_PARSE);
    expect_edit(parse, text, "spec_version", NULL, KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", NULL, KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "0", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "-1", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "1.5", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "\"2\"", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "true", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "null", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "9007199254740992", KEEL_ERR_PARSE); /* 2^53 */
    expect_edit(parse, text, "version", "9007199254740993", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "1e300", KEEL_ERR_PARSE);
    expect_edit(parse, text, "version", "9007199254740991", KEEL_OK); /* 2^53 - 1 */
    expect_edit(parse, text, "version", "2e0", KEEL_OK);
    expect_edit(parse, text, "expires", "\"2030-01-01\"", KEEL_ERR_PARSE);
    expect_edit(parse, text, "expires", "1900000000", KEEL_ERR_PARSE);
    expect_edit(parse, text, "expires", NULL, KEEL_ERR_PARSE);
    expect_edit(parse, text, "x-vendor", "{\"anything\":[1,2,3]}", KEEL_OK); /* ignored */
    expect_text(parse, "[]", KEEL_ERR_PARSE);
    expect_text(parse, "", KEEL_ERR_PARSE);
    expect_text(parse, "\"root\"", KEEL_ERR_PARSE);
    /* Trailing garbage, a second document, a repeated member, a NUL. */
    big = malloc(2 * n + 16);
    assert_non_null(big);
    assert_int_equal(keel_str_format(big, 2 * n + 16, "%s x", text), KEEL_OK);
    expect_text(parse, big, KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(big, 2 * n + 16, "%s%s", text, text), KEEL_OK);
    expect_text(parse, big, KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(big, 2 * n + 16, "%s \n\t", text), KEEL_OK);
    expect_text(parse, big, KEEL_OK);
    assert_int_equal(keel_str_format(big, 2 * n + 16, "{\"version\":2,%s", text + 1), KEEL_OK);
    expect_text(parse, big, KEEL_ERR_PARSE);
    assert_int_equal(parse(text, n + 1), KEEL_ERR_PARSE); /* its NUL inside the length */
    assert_int_equal(parse(text, n - 1), KEEL_ERR_PARSE); /* cut short */
    free(big);
    big = malloc(n + 32);
    assert_non_null(big);
    assert_int_equal(keel_str_format(big, n + 32, "{\"x\":\"a\\u0000b\",%s", text + 1), KEEL_OK);
    expect_text(parse, big, KEEL_ERR_PARSE); /* cJSON would cut the string at the NUL */
    free(big);
    /* Larger than any document may be. */
    big = malloc(KEEL_UPDATE_META_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', KEEL_UPDATE_META_MAX + 1);
    memcpy(big, text, n);
    big[KEEL_UPDATE_META_MAX + 1] = '\0';
    expect_text(parse, big, KEEL_ERR_TOO_LARGE);
    big[KEEL_UPDATE_META_MAX] = '\0';
    expect_text(parse, big, KEEL_OK);
    free(big);
}

static void test_headers(void **state)
{
    sample_root s;
    char *ts = timestamp_text();
    char *sn = snapshot_text();
    char *tg = targets_text();

    (void)state;
    sample_root_make(&s);
    header_cases(parse_root, s.text, parse_targets);
    header_cases(parse_timestamp, ts, parse_snapshot);
    header_cases(parse_snapshot, sn, parse_timestamp);
    header_cases(parse_targets, tg, parse_root);
    sample_root_free(&s);
    free(ts);
    free(sn);
    free(tg);
}

static void test_root_rejects(void **state)
{
    sample_root s;
    char path[256];
    char value[256];
    const char *t;

    (void)state;
    sample_root_make(&s);
    t = s.text;
    expect_edit(parse_root, t, "keys", NULL, KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "keys", "[]", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles", NULL, KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/snapshot", NULL, KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/timestamp", "[]", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/delegated", "{\"keyids\":[],\"threshold\":9}", KEEL_OK);
    /* Thresholds. */
    expect_edit(parse_root, t, "roles/root/threshold", "0", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/root/threshold", "4", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/root/threshold", "3", KEEL_OK);
    expect_edit(parse_root, t, "roles/root/threshold", "1.5", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/root/threshold", "-1", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/root/threshold", NULL, KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/targets/threshold", "2", KEEL_ERR_PARSE);
    /* Role key ids. */
    expect_edit(parse_root, t, "roles/targets/keyids", "[]", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/targets/keyids", "\"x\"", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/targets/keyids", "[1]", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, "roles/targets/keyids", NULL, KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(value, sizeof(value), "[\"%s\"]", HASH_A),
                     KEEL_OK); /* not a key */
    expect_edit(parse_root, t, "roles/targets/keyids", value, KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(value, sizeof(value), "[\"%s\",\"%s\"]", s.root.keyids[0],
                                     s.root.keyids[0]),
                     KEEL_OK);
    expect_edit(parse_root, t, "roles/targets/keyids", value, KEEL_ERR_PARSE);
    {
        char many[64 * 70];
        size_t at = 0;
        many[at++] = '[';
        for (int i = 0; i < 17; i++) {
            assert_int_equal(keel_str_format(many + at, sizeof(many) - at, "%s\"%s\"", i ? "," : "",
                                             s.root.keyids[i % 3]),
                             KEEL_OK);
            at += strlen(many + at);
        }
        many[at++] = ']';
        many[at] = '\0';
        expect_edit(parse_root, t, "roles/targets/keyids", many, KEEL_ERR_TOO_LARGE);
    }
    /* Keys. */
    assert_int_equal(keel_str_format(path, sizeof(path), "keys/%s/keytype", s.root.keyids[0]),
                     KEEL_OK);
    expect_edit(parse_root, t, path, "\"ecdsa-sha2-nistp256\"", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, path, "\"rsa\"", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, path, NULL, KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(path, sizeof(path), "keys/%s/scheme", s.root.keyids[1]),
                     KEEL_OK);
    expect_edit(parse_root, t, path, "\"ed25519\"", KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(path, sizeof(path), "keys/%s/keyval/public", s.root.keyids[2]),
                     KEEL_OK);
    expect_edit(parse_root, t, path, "\"not a key\"", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, path, "7", KEEL_ERR_PARSE);
    expect_edit(parse_root, t, path, NULL, KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(path, sizeof(path), "keys/%s", s.root.keyids[2]), KEEL_OK);
    expect_edit(parse_root, t, path, "\"key\"", KEEL_ERR_PARSE);
    sample_root_free(&s);
}

/* A key filed under an id that is not its own, and an id that is not one. */
static void test_root_key_ids(void **state)
{
    sample_root s;
    cJSON *doc;
    cJSON *keys;
    char *text;

    (void)state;
    sample_root_make(&s);
    doc = cJSON_Parse(s.text);
    keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
    /* Swap the names of the first two keys (the roles still name existing ids). */
    {
        cJSON *a = cJSON_GetObjectItemCaseSensitive(keys, s.root.keyids[0]);
        cJSON *b = cJSON_GetObjectItemCaseSensitive(keys, s.root.keyids[1]);
        char *sa = a->string;
        a->string = b->string;
        b->string = sa;
    }
    text = print(doc);
    expect_text(parse_root, text, KEEL_ERR_PARSE);
    free(text);
    cJSON_Delete(doc);
    /* An id in upper case, too short, not hex. */
    {
        static const char *const names[] = {"UPPER", "short", "nothex"};
        for (int i = 0; i < 3; i++) {
            char id[KEEL_UPDATE_KEYID_SIZE];
            memcpy(id, s.root.keyids[0], sizeof(id));
            if (i == 0)
                for (int j = 0; j < 64; j++)
                    id[j] = (char)(id[j] >= 'a' ? id[j] - 32 : id[j]);
            else if (i == 1)
                id[63] = '\0';
            else
                id[0] = 'g';
            doc = cJSON_Parse(s.text);
            keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
            cJSON_AddItemReferenceToObject(
                keys, id, cJSON_GetObjectItemCaseSensitive(keys, s.root.keyids[0]));
            text = print(doc);
            if (parse_root(text, strlen(text)) != KEEL_ERR_PARSE)
                fail_msg("key id %s accepted", names[i]);
            free(text);
            cJSON_Delete(doc);
        }
    }
    /* The same key twice (a repeated member). */
    doc = cJSON_Parse(s.text);
    keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
    cJSON_AddItemToObject(
        keys, s.root.keyids[0],
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(keys, s.root.keyids[0]), 1));
    text = print(doc);
    expect_text(parse_root, text, KEEL_ERR_PARSE);
    free(text);
    cJSON_Delete(doc);
    /* Seventeen keys: more than a root may hold. */
    doc = cJSON_Parse(s.text);
    keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
    for (int i = 0; i < 14; i++) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        char id[KEEL_UPDATE_KEYID_SIZE];
        char *pem = NULL;
        cJSON *entry = cJSON_AddObjectToObject(keys, "x");
        assert_int_equal(keel_update_key_id(k, id), KEEL_OK);
        assert_int_equal(keel_update_key_to_pem(k, &pem), KEEL_OK);
        cJSON_AddStringToObject(entry, "keytype", "ed25519");
        cJSON_AddStringToObject(entry, "scheme", "ed25519");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(entry, "keyval"), "public", pem);
        cJSON_free(entry->string);
        entry->string = strdup(id);
        free(pem);
        EVP_PKEY_free(k);
    }
    text = print(doc);
    expect_text(parse_root, text, KEEL_ERR_TOO_LARGE);
    free(text);
    /* Sixteen are allowed. */
    cJSON_DeleteItemFromObjectCaseSensitive(keys, s.root.keyids[2]);
    cJSON_ReplaceItemInObjectCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(doc, "roles"), "timestamp",
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(doc, "roles"), "snapshot"),
                        1));
    {
        cJSON *root_ids = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "roles"),
                                             "root"),
            "keyids");
        cJSON_DeleteItemFromArray(root_ids, 2);
    }
    text = print(doc);
    expect_text(parse_root, text, KEEL_OK);
    free(text);
    cJSON_Delete(doc);
    sample_root_free(&s);
}

static void meta_ref_cases(parse_fn parse, const char *text, const char *entry)
{
    char path[128];

    assert_int_equal(keel_str_format(path, sizeof(path), "meta/%s/version", entry), KEEL_OK);
    expect_edit(parse, text, path, "0", KEEL_ERR_PARSE);
    expect_edit(parse, text, path, "2.5", KEEL_ERR_PARSE);
    expect_edit(parse, text, path, NULL, KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(path, sizeof(path), "meta/%s/length", entry), KEEL_OK);
    expect_edit(parse, text, path, "0", KEEL_ERR_PARSE);
    expect_edit(parse, text, path, "-5", KEEL_ERR_PARSE);
    expect_edit(parse, text, path, "10.25", KEEL_ERR_PARSE);
    expect_edit(parse, text, path, "\"10\"", KEEL_ERR_PARSE);
    expect_edit(parse, text, path, NULL, KEEL_OK);
    assert_int_equal(keel_str_format(path, sizeof(path), "meta/%s/hashes", entry), KEEL_OK);
    expect_edit(parse, text, path, NULL, KEEL_OK);
    expect_edit(parse, text, path, "[]", KEEL_ERR_PARSE);
    expect_edit(parse, text, path, "{\"sha512\":\"00\"}", KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(path, sizeof(path), "meta/%s/hashes/sha256", entry), KEEL_OK);
    expect_edit(parse, text, path, "\"0123\"", KEEL_ERR_PARSE);
    expect_edit(parse, text, path,
                "\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"",
                KEEL_ERR_PARSE);
    expect_edit(parse, text, path,
                "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00\"",
                KEEL_ERR_PARSE);
    expect_edit(parse, text, path, "5", KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(path, sizeof(path), "meta/%s", entry), KEEL_OK);
    expect_edit(parse, text, path, NULL, KEEL_ERR_PARSE);
    expect_edit(parse, text, path, "7", KEEL_ERR_PARSE);
    expect_edit(parse, text, "meta", NULL, KEEL_ERR_PARSE);
    expect_edit(parse, text, "meta", "[]", KEEL_ERR_PARSE);
    expect_edit(parse, text, "meta/other.json", "{\"version\":1}", KEEL_OK);
}

static void test_timestamp_snapshot_rejects(void **state)
{
    char *ts = timestamp_text();
    char *sn = snapshot_text();

    (void)state;
    meta_ref_cases(parse_timestamp, ts, "snapshot.json");
    meta_ref_cases(parse_snapshot, sn, "targets.json");
    free(ts);
    free(sn);
}

#define T0 "targets/keeld-1.4.2.img"

static void test_targets_rejects(void **state)
{
    static const char *const custom_fields[] = {
        T0 "/custom/hardware_id",
        T0 "/custom/security_version",
        T0 "/custom/version",
        T0 "/custom/notice",
        T0 "/custom/notice/fixes",
        T0 "/custom/notice/risks_mitigated",
        T0 "/custom/notice/interrupts_function",
        T0 "/custom/notice/interruption_seconds",
        T0 "/custom",
        T0 "/length",
        T0 "/hashes",
        T0 "/hashes/sha256",
        "targets",
    };
    char *t = targets_text();

    (void)state;
    for (size_t i = 0; i < sizeof(custom_fields) / sizeof(custom_fields[0]); i++)
        expect_edit(parse_targets, t, custom_fields[i], NULL, KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, "targets", "[]", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0, "[]", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/length", "0", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/length", "-1", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/length", "1.0000001", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/length", "\"12\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/hashes/sha256", "\"\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/hardware_id", "5", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/hardware_id", "\"lock/v1\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/hardware_id", "\"..\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/hardware_id", "\"\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/hardware_id",
                "\"0123456789012345678901234567890123456789012345678901234567890123\"",
                KEEL_ERR_TOO_LARGE);
    expect_edit(parse_targets, t, T0 "/custom/hardware_id",
                "\"012345678901234567890123456789012345678901234567890123456789012\"", KEEL_OK);
    expect_edit(parse_targets, t, T0 "/custom/security_version", "-1", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/security_version", "0.5", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/security_version", "\"5\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/security_version", "0", KEEL_OK);
    expect_edit(parse_targets, t, T0 "/custom/version", "1", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/version", "\"v1\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/version", "\"1.2.3.4.5\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/version", "\"1.2.3.4\"", KEEL_OK);
    expect_edit(parse_targets, t, T0 "/custom/notice", "\"text\"", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/notice/fixes", "5", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/notice/interrupts_function", "1", KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/notice/interrupts_function", "\"yes\"",
                KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/notice/interruption_seconds", "4294967296",
                KEEL_ERR_PARSE);
    expect_edit(parse_targets, t, T0 "/custom/notice/interruption_seconds", "4294967295", KEEL_OK);
    expect_edit(parse_targets, t, T0 "/custom/notice/interruption_seconds", "2.5", KEEL_ERR_PARSE);
    /* Seconds of interruption for an install that does not interrupt. */
    {
        char *e = edited(t, T0 "/custom/notice/interrupts_function", "false");
        expect_edit(parse_targets, e, T0 "/custom/notice/interruption_seconds", "30",
                    KEEL_ERR_PARSE);
        expect_edit(parse_targets, e, T0 "/custom/notice/interruption_seconds", "0", KEEL_OK);
        free(e);
    }
    free(t);
}

/* The owner's notice texts: UTF-8, no control characters, bounded. */
static void test_targets_texts(void **state)
{
    static const struct {
        const char *json;
        keel_err err;
    } cases[] = {
        {"\"\"", KEEL_OK},
        {"\"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x94\x92\"", KEEL_OK},
        {"\"\xff\"", KEEL_ERR_PARSE},
        {"\"\xc0\xaf\"", KEEL_ERR_PARSE},         /* overlong '/' */
        {"\"\xed\xa0\x80\"", KEEL_ERR_PARSE},     /* a surrogate */
        {"\"\xf4\x90\x80\x80\"", KEEL_ERR_PARSE}, /* past U+10FFFF */
        {"\"\xe2\x80\"", KEEL_ERR_PARSE},         /* cut short */
        {"\"a\\u0007b\"", KEEL_ERR_PARSE},
        {"\"line\\nbreak\"", KEEL_ERR_PARSE},
        {"\"tab\\there\"", KEEL_ERR_PARSE},
        {"\"del\x7f\"", KEEL_ERR_PARSE},
        {"\"c1 \\u0085\"", KEEL_ERR_PARSE},
        {"\"\\u202e reversed\"", KEEL_ERR_PARSE}, /* bidirectional override */
        {"\"\\u2067isolate\"", KEEL_ERR_PARSE},
        {"\"\\u00a0no-break space\"", KEEL_OK},
    };
    char *t = targets_text();
    char *big = malloc(KEEL_UPDATE_TEXT_MAX + 4);

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_edit(parse_targets, t, T0 "/custom/notice/fixes", cases[i].json, cases[i].err);
        expect_edit(parse_targets, t, T0 "/custom/notice/risks_mitigated", cases[i].json,
                    cases[i].err);
    }
    assert_non_null(big);
    big[0] = '"';
    memset(big + 1, 'a', KEEL_UPDATE_TEXT_MAX - 1);
    big[KEEL_UPDATE_TEXT_MAX] = '"';
    big[KEEL_UPDATE_TEXT_MAX + 1] = '\0';
    expect_edit(parse_targets, t, T0 "/custom/notice/fixes", big, KEEL_OK); /* 1023 bytes */
    big[KEEL_UPDATE_TEXT_MAX] = 'a';
    big[KEEL_UPDATE_TEXT_MAX + 1] = '"';
    big[KEEL_UPDATE_TEXT_MAX + 2] = '\0';
    expect_edit(parse_targets, t, T0 "/custom/notice/fixes", big, KEEL_ERR_TOO_LARGE);
    expect_edit(parse_targets, t, T0 "/custom/notice/risks_mitigated", big, KEEL_ERR_TOO_LARGE);
    free(big);
    free(t);
}

/* Target names, repeated names, and more targets than a document may hold. */
static void test_targets_names(void **state)
{
    static const char *const bad[] = {"..", ".", "a/b", "a b", "", "caf\xc3\xa9", "a\\\\b"};
    char *t = targets_text();
    cJSON *doc;
    cJSON *list;
    cJSON *first;
    char *text;
    char name[160];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        doc = cJSON_Parse(t);
        list = cJSON_GetObjectItemCaseSensitive(doc, "targets");
        first = cJSON_GetObjectItemCaseSensitive(list, "keeld-1.4.2.img");
        cJSON_free(first->string);
        first->string = strdup(bad[i]);
        text = print(doc);
        if (parse_targets(text, strlen(text)) != KEEL_ERR_PARSE)
            fail_msg("target name '%s' accepted", bad[i]);
        free(text);
        cJSON_Delete(doc);
    }
    /* 127 characters fit, 128 do not. */
    for (int len = 127; len <= 128; len++) {
        doc = cJSON_Parse(t);
        list = cJSON_GetObjectItemCaseSensitive(doc, "targets");
        first = cJSON_GetObjectItemCaseSensitive(list, "keeld-1.4.2.img");
        memset(name, 'n', (size_t)len);
        name[len] = '\0';
        cJSON_free(first->string);
        first->string = strdup(name);
        text = print(doc);
        expect_text(parse_targets, text, len == 127 ? KEEL_OK : KEEL_ERR_TOO_LARGE);
        free(text);
        cJSON_Delete(doc);
    }
    /* The same name twice. */
    doc = cJSON_Parse(t);
    list = cJSON_GetObjectItemCaseSensitive(doc, "targets");
    first = cJSON_GetObjectItemCaseSensitive(list, "keeld-1.4.2.img");
    cJSON_AddItemToObject(list, "keeld-1.4.2.img", cJSON_Duplicate(first, 1));
    text = print(doc);
    expect_text(parse_targets, text, KEEL_ERR_PARSE);
    free(text);
    cJSON_Delete(doc);
    /* 256 targets, then 257. */
    doc = cJSON_Parse(t);
    list = cJSON_GetObjectItemCaseSensitive(doc, "targets");
    first = cJSON_GetObjectItemCaseSensitive(list, "keeld-1.4.2.img");
    for (int i = 2; i < 257; i++) {
        assert_int_equal(keel_str_format(name, sizeof(name), "t%03d.img", i), KEEL_OK);
        cJSON_AddItemToObject(list, name, cJSON_Duplicate(first, 1));
        if (i == 255 || i == 256) {
            text = print(doc);
            expect_text(parse_targets, text, i == 255 ? KEEL_OK : KEEL_ERR_TOO_LARGE);
            free(text);
        }
    }
    cJSON_Delete(doc);
    free(t);
}

/* ---- Emitting refuses what parsing would ---- */

static void test_emit_rejects(void **state)
{
    keel_update_targets t;
    keel_update_target items[2];
    keel_update_timestamp ts = {{KEEL_UPDATE_ROLE_TIMESTAMP, 1, EXPIRES}, {1, 0, 0, {0}}};
    sample_root s;
    char *text = NULL;
    size_t len = 0;

    (void)state;
    sample_targets_make(&t, items);
    items[1].notice.interruption_seconds = 5;
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    sample_targets_make(&t, items);
    assert_int_equal(keel_str_copy(items[1].name, sizeof(items[1].name), items[0].name), KEEL_OK);
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    sample_targets_make(&t, items);
    items[0].version[0] = 'v';
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    sample_targets_make(&t, items);
    items[0].hardware_id[0] = '\0';
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    sample_targets_make(&t, items);
    items[0].notice.fixes[0] = '\n';
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    sample_targets_make(&t, items);
    items[0].length = 0;
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    sample_targets_make(&t, items);
    t.header.type = KEEL_UPDATE_ROLE_SNAPSHOT;
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    sample_targets_make(&t, items);
    t.targets = NULL;
    assert_int_equal(keel_update_targets_emit(&t, &text, &len), KEEL_ERR_ARG);
    assert_null(text);
    ts.header.version = 0;
    assert_int_equal(keel_update_timestamp_emit(&ts, &text, &len), KEEL_ERR_ARG);
    ts.header.version = 1;
    ts.header.expires = -1;
    assert_int_equal(keel_update_timestamp_emit(&ts, &text, &len), KEEL_ERR_ARG);
    ts.header.expires = EXPIRES;
    ts.snapshot.version = 0;
    assert_int_equal(keel_update_timestamp_emit(&ts, &text, &len), KEEL_ERR_ARG);
    ts.snapshot.version = KEEL_UPDATE_JSON_INT_MAX + 1;
    assert_int_equal(keel_update_timestamp_emit(&ts, &text, &len), KEEL_ERR_ARG);
    sample_root_make(&s);
    s.root.keyids[1][0] ^= 1; /* no longer the key's id */
    assert_int_equal(keel_update_root_emit(&s.root, &text, &len), KEEL_ERR_ARG);
    s.root.keyids[1][0] ^= 1;
    s.root.roles[KEEL_UPDATE_ROLE_TARGETS].threshold = 2;
    assert_int_equal(keel_update_root_emit(&s.root, &text, &len), KEEL_ERR_ARG);
    s.root.roles[KEEL_UPDATE_ROLE_TARGETS].threshold = 1;
    s.root.roles[KEEL_UPDATE_ROLE_TARGETS].keyids[0][3] ^= 1;
    assert_int_equal(keel_update_root_emit(&s.root, &text, &len), KEEL_ERR_ARG);
    assert_null(text);
    sample_root_free(&s);
}

/* ---- Time, versions, names ---- */

static void test_time(void **state)
{
    static const char *const bad[] = {
        "",
        "2030-01-01",
        "2030-01-01T00:00:00",
        "2030-01-01T00:00:00z",
        "2030-01-01t00:00:00Z",
        "2030-01-01 00:00:00Z",
        "2030-01-01T00:00:00+00:00",
        "2030-01-01T00:00:00.5Z",
        "2030-01-01T00:00:00ZZ",
        "2030-1-01T00:00:00Z",
        "+030-01-01T00:00:00Z",
        "2030-00-01T00:00:00Z",
        "2030-13-01T00:00:00Z",
        "2030-01-00T00:00:00Z",
        "2030-01-32T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2030-04-31T00:00:00Z",
        "2030-01-01T24:00:00Z",
        "2030-01-01T23:60:00Z",
        "2030-01-01T23:59:60Z",
        "1969-12-31T23:59:59Z",
        "2030-01-01T0a:00:00Z",
    };
    char out[21];
    int64_t t = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_update_time_parse(bad[i], &t) != KEEL_ERR_PARSE)
            fail_msg("time '%s' accepted", bad[i]);
    }
    assert_int_equal(keel_update_time_parse("1970-01-01T00:00:00Z", &t), KEEL_OK);
    assert_int_equal(t, 0);
    assert_int_equal(keel_update_time_parse("2000-02-29T12:34:56Z", &t), KEEL_OK);
    assert_int_equal(t, 951827696);
    assert_int_equal(keel_update_time_parse("2038-01-19T03:14:08Z", &t), KEEL_OK);
    assert_int_equal(t, INT64_C(2147483648));
    assert_int_equal(keel_update_time_parse("9999-12-31T23:59:59Z", &t), KEEL_OK);
    assert_int_equal(t, INT64_C(253402300799));
    assert_int_equal(keel_update_time_format(0, out), KEEL_OK);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    assert_int_equal(keel_update_time_format(EXPIRES, out), KEEL_OK);
    assert_string_equal(out, "2100-01-01T00:00:00Z");
    assert_int_equal(keel_update_time_format(INT64_C(253402300799), out), KEEL_OK);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    assert_int_equal(keel_update_time_format(INT64_C(253402300800), out), KEEL_ERR_ARG);
    assert_string_equal(out, "");
    assert_int_equal(keel_update_time_format(-1, out), KEEL_ERR_ARG);
    assert_int_equal(keel_update_time_parse(NULL, &t), KEEL_ERR_ARG);
    for (int64_t v = 0; v < INT64_C(253402300799); v += INT64_C(9876543211)) {
        assert_int_equal(keel_update_time_format(v, out), KEEL_OK);
        assert_int_equal(keel_update_time_parse(out, &t), KEEL_OK);
        assert_int_equal(t, v);
    }
}

static void test_versions(void **state)
{
    static const char *const bad[] = {
        "",   ".",  "1.", ".1", "1..2",       "1.2.3.4.5",    "v1",  "1.2a",
        "-1", "+1", "1 ", " 1", "1234567890", "1.1234567890", "1,2",
    };
    (void)state;
    assert_int_equal(keel_update_version_compare("1.10", "1.9"), 1);
    assert_int_equal(keel_update_version_compare("1.9", "1.10"), -1);
    assert_int_equal(keel_update_version_compare("1.10.0", "1.9.3"), 1);
    assert_int_equal(keel_update_version_compare("1.0", "1"), 0);
    assert_int_equal(keel_update_version_compare("1.0.0.0", "1"), 0);
    assert_int_equal(keel_update_version_compare("1.0.0.1", "1"), 1);
    assert_int_equal(keel_update_version_compare("2", "1.999999999"), 1);
    assert_int_equal(keel_update_version_compare("01.2", "1.2"), 0);
    assert_int_equal(keel_update_version_compare("999999999", "999999998.9"), 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_update_version_check(bad[i]) != KEEL_ERR_PARSE)
            fail_msg("version '%s' accepted", bad[i]);
        /* An invalid string orders below every valid one. */
        assert_int_equal(keel_update_version_compare(bad[i], "0"), -1);
        assert_int_equal(keel_update_version_compare("0", bad[i]), 1);
        assert_int_equal(keel_update_version_compare(bad[i], "v2"), 0);
    }
    assert_int_equal(keel_update_version_compare(NULL, "1"), -1);
    assert_int_equal(keel_update_version_compare(NULL, NULL), 0);
    assert_int_equal(keel_update_version_check("999999999.999999999.999999999.9"), KEEL_OK);
    assert_int_equal(keel_update_version_check("999999999.999999999.999999999.99"),
                     KEEL_ERR_PARSE); /* 32 characters: longer than the field */
    assert_int_equal(keel_update_version_check("0"), KEEL_OK);
}

static void test_names(void **state)
{
    char name[KEEL_UPDATE_NAME_MAX + 1];

    (void)state;
    assert_int_equal(keel_update_name_check("keeld-1.4.2_a.img", KEEL_UPDATE_NAME_MAX), KEEL_OK);
    assert_int_equal(keel_update_name_check("...", KEEL_UPDATE_NAME_MAX), KEEL_OK);
    assert_int_equal(keel_update_name_check("..", KEEL_UPDATE_NAME_MAX), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_name_check(".", KEEL_UPDATE_NAME_MAX), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_name_check("", KEEL_UPDATE_NAME_MAX), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_name_check("../etc", KEEL_UPDATE_NAME_MAX), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_name_check("a b", KEEL_UPDATE_NAME_MAX), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_name_check(NULL, KEEL_UPDATE_NAME_MAX), KEEL_ERR_ARG);
    memset(name, 'a', sizeof(name));
    name[KEEL_UPDATE_NAME_MAX - 1] = '\0';
    assert_int_equal(keel_update_name_check(name, KEEL_UPDATE_NAME_MAX), KEEL_OK);
    name[KEEL_UPDATE_NAME_MAX - 1] = 'a';
    name[KEEL_UPDATE_NAME_MAX] = '\0';
    assert_int_equal(keel_update_name_check(name, KEEL_UPDATE_NAME_MAX), KEEL_ERR_TOO_LARGE);
    assert_int_equal(keel_update_text_check("fine \xe2\x9c\x93"), KEEL_OK);
    assert_int_equal(keel_update_text_check("bell\a"), KEEL_ERR_PARSE);
    assert_string_equal(keel_update_role_name(KEEL_UPDATE_ROLE_ROOT), "root");
    assert_string_equal(keel_update_role_name(KEEL_UPDATE_ROLE_TARGETS), "targets");
    assert_string_equal(keel_update_role_name(KEEL_UPDATE_ROLE_SNAPSHOT), "snapshot");
    assert_string_equal(keel_update_role_name(KEEL_UPDATE_ROLE_TIMESTAMP), "timestamp");
    assert_string_equal(keel_update_role_name(KEEL_UPDATE_ROLES), "?");
    assert_string_equal(keel_update_role_name((keel_update_role)-1), "?");
}

static void test_hex32(void **state)
{
    uint8_t out[32];

    (void)state;
    assert_int_equal(keel_update_hex32_decode(HASH_A, out), KEEL_OK);
    assert_int_equal(out[0], 0x01);
    assert_int_equal(out[31], 0xef);
    assert_int_equal(keel_update_hex32_decode(HASH_A "0", out), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_hex32_decode("01", out), KEEL_ERR_PARSE);
    assert_int_equal(keel_update_hex32_decode(
                         "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", out),
                     KEEL_ERR_PARSE);
    assert_int_equal(out[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_round_trip),
        cmocka_unit_test(test_timestamp_snapshot_round_trip),
        cmocka_unit_test(test_targets_round_trip),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_root_rejects),
        cmocka_unit_test(test_root_key_ids),
        cmocka_unit_test(test_timestamp_snapshot_rejects),
        cmocka_unit_test(test_targets_rejects),
        cmocka_unit_test(test_targets_texts),
        cmocka_unit_test(test_targets_names),
        cmocka_unit_test(test_emit_rejects),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_hex32),
    };

    /* The refusals are logged by design; keep the test output to the results. */
    keel_log_configure(KEEL_LOG_ERROR, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
