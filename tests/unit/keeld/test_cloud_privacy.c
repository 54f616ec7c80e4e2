/* The owner's deletion request at the service (5.11-2, 5.11-4) as keeld's cloud link carries
 * it: the confirmation's parser takes exactly {"request":"<32 lower-case hex>","items":N}
 * and refuses everything else (unknown, missing or repeated members, wrong types, ids of
 * the wrong length or case, counts that are negative, fractional or past 2^53, escaped and
 * raw NUL, trailing bytes, oversize payloads); the request's JSON is of its declared shape;
 * and keeld_cloud_deleted, against a real lock (lock.db over a real store), confirms only
 * the pending request: a retained, malformed or stale confirmation leaves it pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keeld.h"
#include "store_env.h"

#define ID "0123456789abcdef0123456789abcdef"

static const char *backend;
static store_env env;
static keel_store *store;
static struct keeld_lock *lock;

static keel_err parse(const char *text, size_t len, char *id, uint64_t *items)
{
    return keeld_deleted_parse((const uint8_t *)text, len, id, items);
}

static void expect_ok(const char *text, const char *want_id, uint64_t want_items)
{
    char id[KEELD_DELETION_ID_HEX + 1];
    uint64_t items = 99;

    if (parse(text, strlen(text), id, &items) != KEEL_OK)
        fail_msg("refused: %s", text);
    assert_string_equal(id, want_id);
    assert_true(items == want_items);
}

static void expect_refused(const char *text, size_t len, keel_err want)
{
    char id[KEELD_DELETION_ID_HEX + 1];
    uint64_t items = 99;

    memcpy(id, "junk", 5);
    if (parse(text, len, id, &items) != want)
        fail_msg("not refused as %d: %.*s", (int)want, (int)len, text);
    assert_string_equal(id, ""); /* nothing of a refused confirmation is left behind */
    assert_true(items == 0);
}

#define REFUSED(text) expect_refused(text, sizeof(text) - 1, KEEL_ERR_PARSE)

static void test_parse_accepts_the_declared_shape(void **state)
{
    (void)state;
    expect_ok("{\"request\":\"" ID "\",\"items\":3}", ID, 3);
    expect_ok("{\"items\":0,\"request\":\"" ID "\"}", ID, 0);
    expect_ok(" \n{ \"request\" : \"" ID "\" , \"items\" : 9007199254740992 }\r\n", ID,
              KEELD_DELETED_ITEMS_MAX);
    /* JSON escapes standing for allowed characters are those characters */
    expect_ok("{\"request\":\"\\u0030123456789abcdef0123456789abcdef\",\"items\":2}", ID, 2);
}

static void test_parse_refuses_other_shapes(void **state)
{
    (void)state;
    REFUSED("");
    REFUSED(" ");
    REFUSED("{}");
    REFUSED("[]");
    REFUSED("null");
    REFUSED("\"" ID "\"");
    REFUSED("[{\"request\":\"" ID "\",\"items\":1}]");
    REFUSED("{\"request\":\"" ID "\"}");
    REFUSED("{\"items\":1}");
    REFUSED("{\"request\":\"" ID "\",\"items\":1,\"who\":\"Alice\"}");
    REFUSED("{\"request\":\"" ID "\",\"items\":1,\"request\":\"" ID "\"}");
    REFUSED("{\"request\":\"" ID "\",\"items\":1,\"items\":1}");
    REFUSED("{\"Request\":\"" ID "\",\"items\":1}");
    /* the id: exactly 32 lower-case hex digits */
    REFUSED("{\"request\":\"0123456789ABCDEF0123456789abcdef\",\"items\":1}");
    REFUSED("{\"request\":\"" ID "0\",\"items\":1}");
    REFUSED("{\"request\":\"0123456789abcdef0123456789abcde\",\"items\":1}");
    REFUSED("{\"request\":\"0123456789abcdef0123456789abcdeg\",\"items\":1}");
    REFUSED("{\"request\":\"\",\"items\":1}");
    REFUSED("{\"request\":1,\"items\":1}");
    REFUSED("{\"request\":null,\"items\":1}");
    /* the count: a whole number 0..2^53 */
    REFUSED("{\"request\":\"" ID "\",\"items\":-1}");
    REFUSED("{\"request\":\"" ID "\",\"items\":1.5}");
    REFUSED("{\"request\":\"" ID "\",\"items\":9007199254740994}");
    REFUSED("{\"request\":\"" ID "\",\"items\":1e300}");
    REFUSED("{\"request\":\"" ID "\",\"items\":\"3\"}");
    REFUSED("{\"request\":\"" ID "\",\"items\":true}");
    REFUSED("{\"request\":\"" ID "\",\"items\":null}");
    /* trailing bytes, truncation */
    REFUSED("{\"request\":\"" ID "\",\"items\":1}x");
    REFUSED("{\"request\":\"" ID "\",\"items\":1}{}");
    REFUSED("{\"request\":\"" ID "\",\"items\":");
}

static void test_parse_refuses_nul_and_size(void **state)
{
    static const char raw[] = "{\"request\":\"" ID "\",\"items\":1}\0";
    char big[KEELD_DELETED_MAX + 2];
    char id[KEELD_DELETION_ID_HEX + 1];
    uint64_t items = 0;
    int n;
    (void)state;

    REFUSED("{\"request\":\"" ID "\\u0000\",\"items\":1}");
    expect_refused(raw, sizeof(raw), KEEL_ERR_PARSE); /* the NUL counted in */
    /* the largest accepted size, then one byte over */
    n = snprintf(big, sizeof(big), "{\"request\":\"" ID "\",\"items\":1}");
    memset(big + n, ' ', sizeof(big) - (size_t)n);
    assert_int_equal(parse(big, KEELD_DELETED_MAX, id, &items), KEEL_OK);
    expect_refused(big, KEELD_DELETED_MAX + 1, KEEL_ERR_TOO_LARGE);
    /* misuse */
    assert_int_equal(parse(NULL, 1, id, &items), KEEL_ERR_ARG);
    assert_int_equal(parse(big, 10, NULL, &items), KEEL_ERR_ARG);
    assert_int_equal(parse(big, 10, id, NULL), KEEL_ERR_ARG);
    expect_refused(NULL, 0, KEEL_ERR_PARSE);
}

static void test_request_json(void **state)
{
    char out[KEELD_DELETION_REQUEST_MAX];
    (void)state;

    assert_int_equal(keeld_deletion_request_json(ID, 1795334400, out, sizeof(out)), KEEL_OK);
    assert_string_equal(out, "{\"request\":\"" ID "\",\"requested\":\"2026-11-22T08:00:00Z\"}");
    assert_int_equal(keeld_deletion_request_json("0123", 0, out, sizeof(out)), KEEL_ERR_ARG);
    assert_int_equal(keeld_deletion_request_json(ID "\"", 0, out, sizeof(out)), KEEL_ERR_ARG);
    assert_int_equal(keeld_deletion_request_json(ID, -1, out, sizeof(out)), KEEL_ERR_ARG);
    assert_int_equal(keeld_deletion_request_json(NULL, 0, out, sizeof(out)), KEEL_ERR_ARG);
    assert_int_equal(keeld_deletion_request_json(ID, 0, out, 20), KEEL_ERR_RANGE);
}

/* ---- confirmations against a real lock ---- */

static int setup(void **state)
{
    char err[256];
    (void)state;
    if (store_env_setup(&env, backend) != 0 || keel_store_create(env.path, env.rot) != KEEL_OK ||
        keel_store_open(env.path, env.rot, &store) != KEEL_OK)
        return -1;
    if (keeld_lock_open(env.dir, store, &lock, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keeld_lock_open: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    keeld_lock_close(lock);
    lock = NULL;
    keel_store_close(store);
    store = NULL;
    store_env_teardown(&env);
    return 0;
}

static keel_err deliver(const char *text, int retained)
{
    return keeld_cloud_deleted(lock, (const uint8_t *)text, strlen(text), retained);
}

/* The deletion state's JSON, parsed. */
static cJSON *deletion_state(void)
{
    char out[512];
    cJSON *o;

    assert_int_equal(keeld_lock_deletion_json(lock, out, sizeof(out)), KEEL_OK);
    o = cJSON_Parse(out);
    assert_non_null(o);
    return o;
}

static void expect_state(const char *want_state, const char *want_id)
{
    cJSON *o = deletion_state();
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "state");
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(o, "request");

    assert_true(cJSON_IsString(st));
    assert_string_equal(st->valuestring, want_state);
    if (want_id != NULL) {
        assert_true(cJSON_IsString(rq));
        assert_string_equal(rq->valuestring, want_id);
    }
    cJSON_Delete(o);
}

static void test_only_the_pending_request_is_confirmed(void **state)
{
    char id[KEELD_DELETION_ID_HEX + 1], again[KEELD_DELETION_ID_HEX + 1], msg[128];
    char other[KEELD_DELETION_ID_HEX + 1];
    int64_t requested = 0;
    cJSON *o;
    (void)state;

    expect_state("none", NULL);
    /* nothing pending: any confirmation is stale */
    assert_int_equal(deliver("{\"request\":\"" ID "\",\"items\":1}", 0), KEEL_ERR_NOT_FOUND);
    expect_state("none", NULL);

    assert_int_equal(keeld_lock_deletion_request(lock, id), KEEL_OK);
    assert_int_equal(keeld_lock_deletion_pending(lock, again, &requested), KEEL_OK);
    assert_string_equal(id, again);
    assert_true(requested > 0);
    expect_state("pending", id);

    /* another id (a different last digit): ignored */
    memcpy(other, id, sizeof(other));
    other[KEELD_DELETION_ID_HEX - 1] = other[KEELD_DELETION_ID_HEX - 1] == '0' ? '1' : '0';
    snprintf(msg, sizeof(msg), "{\"request\":\"%s\",\"items\":4}", other);
    assert_int_equal(deliver(msg, 0), KEEL_ERR_NOT_FOUND);
    expect_state("pending", id);

    /* the right id, but retained: refused */
    snprintf(msg, sizeof(msg), "{\"request\":\"%s\",\"items\":4}", id);
    assert_int_equal(deliver(msg, 1), KEEL_ERR_PERM);
    expect_state("pending", id);

    /* the right id in a malformed message: refused */
    snprintf(msg, sizeof(msg), "{\"request\":\"%s\",\"items\":4,\"extra\":1}", id);
    assert_int_equal(deliver(msg, 0), KEEL_ERR_PARSE);
    snprintf(msg, sizeof(msg), "{\"request\":\"%s\",\"items\":-4}", id);
    assert_int_equal(deliver(msg, 0), KEEL_ERR_PARSE);
    expect_state("pending", id);
    assert_int_equal(keeld_cloud_deleted(NULL, (const uint8_t *)msg, strlen(msg), 0), KEEL_ERR_ARG);

    /* the right one: confirmed, with what the service deleted */
    snprintf(msg, sizeof(msg), "{\"items\":7,\"request\":\"%s\"}", id);
    assert_int_equal(deliver(msg, 0), KEEL_OK);
    expect_state("confirmed", id);
    o = deletion_state();
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "items")->valuedouble, 7);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "confirmed")));
    cJSON_Delete(o);
    assert_int_equal(keeld_lock_deletion_pending(lock, again, &requested), KEEL_ERR_NOT_FOUND);

    /* the same confirmation again (QoS 1 may repeat it): nothing pending, nothing changes */
    assert_int_equal(deliver(msg, 0), KEEL_ERR_NOT_FOUND);
    expect_state("confirmed", id);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest parser[] = {
        cmocka_unit_test(test_parse_accepts_the_declared_shape),
        cmocka_unit_test(test_parse_refuses_other_shapes),
        cmocka_unit_test(test_parse_refuses_nul_and_size),
        cmocka_unit_test(test_request_json),
    };
    const struct CMUnitTest confirm[] = {
        cmocka_unit_test(test_only_the_pending_request_is_confirmed),
    };
    int failed;

    backend = store_env_backend(argc, argv);
    failed = cmocka_run_group_tests_name("parser", parser, NULL, NULL);
    failed += cmocka_run_group_tests_name("confirm", confirm, setup, teardown);
    return failed;
}
