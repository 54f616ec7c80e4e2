/* keeld's personal-data routes and factory reset against real parts: a secure store on the
 * file root of trust, the lock in SQLite (lock.db), files on disk. The route table's flags
 * for the new routes; the inventory served byte for byte and in --describe (6-1, 6-5);
 * consent granted, withdrawn and recorded, from the API and from the setup (6-2, 6-3A), and
 * an older keeld's choice migrated; the export (every datum, never a PIN code); the request
 * that the service delete the owner's data (5.11-2); the retention thread (6-6); the
 * factory reset (5.11-1): what the store keeps and loses, the files erased, the marker, the
 * answer, and a restart that finishes it, also after a power cut right after the marker. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "keeld.h"
#include "keel/update.h"
#include "store_env.h"

#define OWNER_PW "a long owner passphrase 7"
#define CANARY_NAME "Canary Zq7 Holder"
#define CANARY_PIN "740219583316"

struct fixture {
    store_env env;
    keel_store *store;
    struct keeld_lock *lock;
    struct keeld_state st;
    char token[KEEL_AUTH_TOKEN_SIZE];
    char auth[KEEL_AUTH_TOKEN_SIZE + 16];
    struct keeld_response rs;
    const char *text;  /* the answer's body as text (rs.body or rs.owned; "" for a file) */
    keel_secret label; /* the label password keel provision would print */
    uint8_t old_pin_key[64], old_data_key[64];
    size_t old_pin_key_len, old_data_key_len;
};

static const struct keeld_identity identity = {.serial = "KL0123456789AB",
                                               .model = "keel-lock-1",
                                               .created = "2025-01-02T03:04:05Z",
                                               .rot = "file"};

static int provision(struct fixture *f)
{
    char hash[KEEL_AUTH_HASH_MAX];

    return keel_auth_label_password(&f->label) == KEEL_OK &&
                   keel_auth_hash_password(&f->label, hash, sizeof(hash)) == KEEL_OK &&
                   keel_store_put(f->store, KEELD_REC_LABEL_HASH, hash, strlen(hash)) == KEEL_OK
               ? 0
               : -1;
}

/* keeld's start as main.c does it: state, lock, then the state's borrowed parts. */
static int start(struct fixture *f)
{
    char err[KEELD_ERROR_MAX];

    if (keeld_state_init(&f->st, &identity, f->store, err, sizeof(err)) != KEEL_OK ||
        keeld_lock_open(f->env.dir, f->store, &f->lock, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "start: %s\n", err);
        return -1;
    }
    f->st.lock = f->lock;
    f->st.data_dir = f->env.dir;
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || store_env_setup(&f->env, "file") != 0 ||
        keel_store_create(f->env.path, f->env.rot) != KEEL_OK ||
        keel_store_open(f->env.path, f->env.rot, &f->store) != KEEL_OK || provision(f) != 0 ||
        start(f) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    keeld_response_release(&f->rs);
    keel_secret_clear(&f->label);
    keeld_lock_close(f->lock);
    keeld_state_wipe(&f->st);
    keel_store_close(f->store);
    store_env_teardown(&f->env);
    free(f);
    return 0;
}

static void session(struct fixture *f)
{
    assert_int_equal(keel_auth_session_create(&f->st.sessions, keel_auth_now_ms(), f->token),
                     KEEL_OK);
    (void)keel_str_format(f->auth, sizeof(f->auth), "Bearer %s", f->token);
}

static void initialise(struct fixture *f)
{
    keel_secret pw;

    keel_secret_clear(&pw);
    assert_int_equal(keel_secret_set(&pw, OWNER_PW, strlen(OWNER_PW)), KEEL_OK);
    assert_int_equal(keeld_credential_set(&f->st, &pw), KEEL_OK);
    keel_secret_clear(&pw);
    session(f);
}

static int ask(struct fixture *f, keeld_method m, const char *path, const char *body, int authed)
{
    struct keeld_request rq = {
        .method = m,
        .path = path,
        .client = "192.0.2.9",
        .authorization = authed ? f->auth : NULL,
        .body = (const uint8_t *)body,
        .body_len = body != NULL ? strlen(body) : 0,
    };

    keeld_response_release(&f->rs);
    keeld_dispatch(&f->st, &rq, &f->rs);
    if (f->rs.owned != NULL) {
        assert_int_equal(strlen(f->rs.owned), f->rs.owned_len);
        f->text = f->rs.owned;
    } else if (f->rs.ext_body != NULL) {
        f->text = "";
    } else {
        assert_true(f->rs.body_len < sizeof(f->rs.body));
        f->rs.body[f->rs.body_len] = '\0';
        f->text = f->rs.body;
    }
    return f->rs.status;
}

static void expect(struct fixture *f, keeld_method m, const char *path, const char *body,
                   int authed, int status, const char *answer)
{
    int got = ask(f, m, path, body, authed);

    if (got != status || (answer != NULL && strcmp(f->text, answer) != 0))
        fail_msg("%s %s %s: got %d %s, expected %d %s", keeld_method_name(m), path,
                 body != NULL ? body : "", got, f->text, status, answer != NULL ? answer : "");
}

static cJSON *answer_json(struct fixture *f)
{
    cJSON *j = cJSON_Parse(f->text);

    assert_non_null(j);
    return j;
}

static char *read_file(const char *path, size_t *len)
{
    char *data = NULL;

    assert_int_equal(keel_file_read(path, 1024 * 1024, &data, len), KEEL_OK);
    return data;
}

static int exists(const char *dir, const char *name)
{
    char path[256];
    struct stat sb;

    assert_int_equal(keel_str_format(path, sizeof(path), "%s/%s", dir, name), KEEL_OK);
    return lstat(path, &sb) == 0;
}

static int has_record(struct fixture *f, const char *name)
{
    char v[KEEL_STORE_VALUE_MAX];
    size_t len = 0;
    keel_err ret = keel_store_get(f->store, name, v, sizeof(v), &len);

    keel_wipe(v, sizeof(v));
    assert_true(ret == KEEL_OK || ret == KEEL_ERR_NOT_FOUND);
    return ret == KEEL_OK;
}

/* The consent records' count and the last one's "via" and "granted". */
static int consent_records(struct fixture *f, char *via, size_t viasz, int *granted)
{
    char text[KEELD_RESPONSE_MAX * 4];
    const cJSON *records, *last;
    cJSON *j;
    int n;

    assert_int_equal(keeld_lock_consent_json(f->lock, text, sizeof(text)), KEEL_OK);
    j = cJSON_Parse(text);
    assert_non_null(j);
    records = cJSON_GetObjectItemCaseSensitive(j, "records");
    assert_true(cJSON_IsArray(records));
    n = cJSON_GetArraySize(records);
    if (n > 0 && via != NULL) {
        last = cJSON_GetArrayItem(records, n - 1);
        assert_int_equal(
            keel_str_copy(via, viasz, cJSON_GetObjectItemCaseSensitive(last, "via")->valuestring),
            KEEL_OK);
        *granted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(last, "granted"));
    }
    cJSON_Delete(j);
    return n;
}

/* ---- the table ---- */

static void test_table(void **state)
{
    const struct keeld_route *r;

    (void)state;
    r = keeld_route_find("/api/v1/privacy", KEELD_GET);
    assert_non_null(r);
    assert_true(!r->needs_session && r->factory && !r->security_relevant && r->max_body == 0);
    r = keeld_route_find("/api/v1/privacy/consent", KEELD_GET);
    assert_true(r != NULL && r->needs_session && !r->factory && !r->security_relevant);
    r = keeld_route_find("/api/v1/privacy/consent", KEELD_POST);
    assert_true(r != NULL && r->needs_session && !r->factory && r->security_relevant &&
                r->max_body == KEELD_CONSENT_BODY_MAX);
    r = keeld_route_find("/api/v1/privacy/export", KEELD_GET);
    assert_true(r != NULL && r->needs_session && !r->factory);
    r = keeld_route_find("/api/v1/privacy/cloud-delete", KEELD_GET);
    assert_true(r != NULL && r->needs_session && !r->factory);
    r = keeld_route_find("/api/v1/privacy/cloud-delete", KEELD_POST);
    assert_true(r != NULL && r->needs_session && !r->factory && r->security_relevant);
    r = keeld_route_find("/api/v1/reset", KEELD_POST);
    assert_true(r != NULL && r->needs_session && !r->factory && r->security_relevant &&
                r->max_body == KEELD_RESET_BODY_MAX && r->max_body <= KEELD_BODY_MAX);
    assert_null(keeld_route_find("/api/v1/reset", KEELD_GET));
    assert_null(keeld_route_find("/api/v1/privacy/export", KEELD_POST));
}

/* ---- the inventory (6-1, 6-5) ---- */

static void test_inventory(void **state)
{
    struct fixture *f = *state;
    const char *src = getenv("KEEL_SOURCE_DIR");
    char path[512];
    char *file, *describe = NULL;
    size_t len = 0;
    struct keeld_config cfg = {.listen = "127.0.0.1", .port = 8443};
    cJSON *d, *inv;

    assert_non_null(src);
    assert_int_equal(
        keel_str_format(path, sizeof(path), "%s/data/privacy/keeld-inventory.json", src), KEEL_OK);
    file = read_file(path, &len);
    /* public and served in the factory state: byte for byte the file of the build */
    expect(f, KEELD_GET, "/api/v1/privacy", NULL, 0, 200, NULL);
    assert_string_equal(f->rs.content_type, "application/json");
    assert_int_equal(f->rs.ext_len, len);
    assert_memory_equal(f->rs.ext_body, file, len);
    expect(f, KEELD_POST, "/api/v1/privacy", "{}", 0, 405, NULL);
    /* keeld --describe carries it whole as "privacy" */
    assert_int_equal(keeld_describe(&cfg, &describe), KEEL_OK);
    d = cJSON_Parse(describe);
    inv = cJSON_Parse(file);
    assert_non_null(d);
    assert_non_null(inv);
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(d, "privacy"), inv, 1));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(d, "routes"));
    cJSON_Delete(d);
    cJSON_Delete(inv);
    free(describe);
    keel_file_free(file, len);
}

/* The reset answer names exactly the inventory's data erased at a reset, then the keys. */
static void test_erased_matches_inventory(void **state)
{
    static const char *const keys[] = {"pin_key", "data_key", "telemetry_pseudonym"};
    struct fixture *f = *state;
    cJSON *inv = cJSON_ParseWithLength((const char *)keeld_inventory_data, keeld_inventory_size);
    cJSON *answer, *want = cJSON_CreateArray();
    const cJSON *d;

    assert_non_null(inv);
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(inv, "data"))
    {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "erased_at_reset")))
            cJSON_AddItemToArray(
                want, cJSON_CreateString(cJSON_GetObjectItemCaseSensitive(d, "id")->valuestring));
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        cJSON_AddItemToArray(want, cJSON_CreateString(keys[i]));
    initialise(f);
    expect(f, KEELD_POST, "/api/v1/reset", "{\"password\":\"" OWNER_PW "\",\"confirm\":\"erase\"}",
           1, 200, NULL);
    answer = answer_json(f);
    if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(answer, "erased"), want, 1)) {
        char *w = cJSON_PrintUnformatted(want);
        fail_msg("the reset's \"erased\" %s is not the inventory's %s", f->text, w);
    }
    cJSON_Delete(answer);
    cJSON_Delete(want);
    cJSON_Delete(inv);
}

/* ---- consent (6-2, 6-3A, 6-3B) ---- */

static void test_consent(void **state)
{
    static const char grant[] = "{\"purpose\":\"access_log_sync\",\"granted\":true}";
    static const char withdraw[] = "{\"purpose\":\"access_log_sync\",\"granted\":false}";
    struct fixture *f = *state;
    char via[16];
    int granted = 0;
    cJSON *j;
    const cJSON *c;

    /* a session and the owner's own password first */
    expect(f, KEELD_GET, "/api/v1/privacy/consent", NULL, 0, 401, NULL);
    expect(f, KEELD_POST, "/api/v1/privacy/consent", grant, 0, 401, NULL);
    session(f);
    expect(f, KEELD_POST, "/api/v1/privacy/consent", grant, 1, 403, NULL);
    assert_int_equal(consent_records(f, NULL, 0, NULL), 0);
    initialise(f);
    /* off by default, nothing recorded */
    expect(f, KEELD_GET, "/api/v1/privacy/consent", NULL, 1, 200, NULL);
    j = answer_json(f);
    c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "consents"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(c, "purpose")->valuestring,
                        KEELD_CONSENT_ACCESS_LOG_SYNC);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(c, "granted")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "records")), 0);
    cJSON_Delete(j);
    /* granted, then withdrawn: each recorded, via the API */
    expect(f, KEELD_POST, "/api/v1/privacy/consent", grant, 1, 200, NULL);
    j = answer_json(f);
    c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "consents"), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "granted")));
    cJSON_Delete(j);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 1);
    assert_int_equal(consent_records(f, via, sizeof(via), &granted), 1);
    assert_string_equal(via, "api");
    assert_int_equal(granted, 1);
    expect(f, KEELD_POST, "/api/v1/privacy/consent", withdraw, 1, 200, NULL);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
    assert_int_equal(consent_records(f, via, sizeof(via), &granted), 2);
    assert_int_equal(granted, 0);
    /* refused bodies record nothing */
    expect(f, KEELD_POST, "/api/v1/privacy/consent", "{\"purpose\":\"telemetry\",\"granted\":true}",
           1, 400, "{\"error\":\"bad request\"}");
    expect(f, KEELD_POST, "/api/v1/privacy/consent", "{\"purpose\":\"access_log_sync\"}", 1, 400,
           NULL);
    expect(f, KEELD_POST, "/api/v1/privacy/consent",
           "{\"purpose\":\"access_log_sync\",\"granted\":\"yes\"}", 1, 400, NULL);
    expect(f, KEELD_POST, "/api/v1/privacy/consent",
           "{\"purpose\":\"access_log_sync\",\"granted\":true,\"granted\":false}", 1, 400, NULL);
    {
        struct keeld_request rq = {.method = KEELD_POST,
                                   .path = "/api/v1/privacy/consent",
                                   .client = "192.0.2.9",
                                   .authorization = f->auth,
                                   .body = (const uint8_t *)"",
                                   .body_too_large = 1};
        keeld_dispatch(&f->st, &rq, &f->rs);
        assert_int_equal(f->rs.status, 413);
    }
    assert_int_equal(consent_records(f, NULL, 0, NULL), 2);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
}

/* The setup's choice is a consent record made "via setup"; the security check follows it. */
static void test_setup_consent(void **state)
{
    struct fixture *f = *state;
    char via[16];
    int granted = 0;
    cJSON *j;
    const cJSON *c;

    initialise(f);
    expect(f, KEELD_POST, "/api/v1/setup", "{\"auto_install\":true,\"data_processing\":true}", 1,
           204, NULL);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 1);
    assert_int_equal(consent_records(f, via, sizeof(via), &granted), 1);
    assert_string_equal(via, "setup");
    assert_int_equal(granted, 1);
    assert_false(has_record(f, KEELD_REC_PROCESSING)); /* no second copy of the choice */
    expect(f, KEELD_GET, "/api/v1/security", NULL, 1, 200, NULL);
    j = answer_json(f);
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "checks"))
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring, "data_processing") == 0)
            assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "on")));
    }
    cJSON_Delete(j);
    /* a refusal at setup is recorded too */
    expect(f, KEELD_POST, "/api/v1/setup", "{\"auto_install\":true,\"data_processing\":false}", 1,
           204, NULL);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
    assert_int_equal(consent_records(f, via, sizeof(via), &granted), 2);
    assert_string_equal(via, "setup");
    assert_int_equal(granted, 0);
}

/* An older keeld's privacy.processing becomes a consent record, then goes. */
static void test_setup_migrate(void **state)
{
    struct fixture *f = *state;
    char via[16];
    int granted = 0, migrated = 7;

    assert_int_equal(keeld_setup_migrate(f->store, f->lock, &migrated), KEEL_OK);
    assert_int_equal(migrated, 0);
    assert_int_equal(consent_records(f, NULL, 0, NULL), 0);
    assert_int_equal(keel_store_put(f->store, KEELD_REC_PROCESSING, "1", 1), KEEL_OK);
    assert_int_equal(keeld_setup_migrate(f->store, f->lock, &migrated), KEEL_OK);
    assert_int_equal(migrated, 1);
    assert_false(has_record(f, KEELD_REC_PROCESSING));
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 1);
    assert_int_equal(consent_records(f, via, sizeof(via), &granted), 1);
    assert_string_equal(via, "setup");
    assert_int_equal(keel_store_put(f->store, KEELD_REC_PROCESSING, "0", 1), KEEL_OK);
    assert_int_equal(keeld_setup_migrate(f->store, f->lock, &migrated), KEEL_OK);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
    assert_int_equal(consent_records(f, NULL, 0, NULL), 2);
    /* malformed: nothing recorded, the record goes */
    assert_int_equal(keel_store_put(f->store, KEELD_REC_PROCESSING, "yes", 3), KEEL_OK);
    assert_int_equal(keeld_setup_migrate(f->store, f->lock, &migrated), KEEL_OK);
    assert_int_equal(migrated, 1);
    assert_int_equal(consent_records(f, NULL, 0, NULL), 2);
    assert_false(has_record(f, KEELD_REC_PROCESSING));
}

/* ---- the export ---- */

static void plant(struct fixture *f)
{
    const char *reason = NULL;
    uint32_t id = 0, wait_s = 0;

    assert_int_equal(
        keeld_lock_pin_add(f->lock, CANARY_NAME, CANARY_PIN, strlen(CANARY_PIN), &id, &reason),
        KEEL_OK);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, CANARY_PIN, strlen(CANARY_PIN), &wait_s),
                     KEEL_OK);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_OK);
    assert_int_equal(keel_store_put(f->store, KEELD_REC_UPDATE_SETTINGS, "0,1,1900000000", 14),
                     KEEL_OK);
}

static void test_export(void **state)
{
    struct fixture *f = *state;
    const cJSON *owner, *us, *pins, *log, *e;
    int who_found = 0;
    cJSON *j;

    expect(f, KEELD_GET, "/api/v1/privacy/export", NULL, 0, 401, NULL);
    initialise(f);
    plant(f);
    /* a long access log: far more than one response buffer holds */
    for (int i = 0; i < 200; i++)
        assert_int_equal(keeld_lock_set(f->lock, i % 2, KEELD_SRC_API, NULL), KEEL_OK);
    expect(f, KEELD_GET, "/api/v1/privacy/export", NULL, 1, 200, NULL);
    assert_non_null(f->rs.owned);
    assert_true(f->rs.owned_len > KEELD_RESPONSE_MAX);
    assert_string_equal(f->rs.disposition, "attachment; filename=\"keel-export.json\"");
    assert_null(strstr(f->rs.owned, CANARY_PIN)); /* never the code */
    j = answer_json(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "format")->valuestring,
                        "keel-export-1");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "exported")->valuestring);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "device"), "serial")
            ->valuestring,
        identity.serial);
    owner = cJSON_GetObjectItemCaseSensitive(j, "owner");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(owner, "password_set")));
    us = cJSON_GetObjectItemCaseSensitive(owner, "update_settings");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(us, "auto_install")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(us, "notify")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(us, "postponed_until")->valuestring,
                        "2030-03-17T17:46:40Z");
    pins = cJSON_GetObjectItemCaseSensitive(j, "pins");
    assert_int_equal(cJSON_GetArraySize(pins), 1);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(pins, 0), "name")->valuestring,
        CANARY_NAME);
    log = cJSON_GetObjectItemCaseSensitive(j, "access_log");
    assert_true(cJSON_GetArraySize(log) >= 201); /* every entry, not the newest few */
    cJSON_ArrayForEach(e, log)
    {
        const cJSON *who = cJSON_GetObjectItemCaseSensitive(e, "who");
        who_found += cJSON_IsString(who) && strcmp(who->valuestring, CANARY_NAME) == 0;
    }
    assert_true(who_found >= 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "consent_records")), 1);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "consents"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "cloud_deletion"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "retention_days"));
    cJSON_Delete(j);
    keeld_response_release(&f->rs);
    assert_null(f->rs.owned);
    assert_int_equal(f->rs.owned_len, 0);
    keeld_response_release(&f->rs); /* twice, and NULL: no-ops */
    keeld_response_release(NULL);
}

/* A consent history longer than one response buffer is answered whole. */
static void test_consent_long(void **state)
{
    struct fixture *f = *state;
    cJSON *j;

    initialise(f);
    for (int i = 0; i < 120; i++)
        assert_int_equal(
            keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, i % 2, "api"), KEEL_OK);
    expect(f, KEELD_GET, "/api/v1/privacy/consent", NULL, 1, 200, NULL);
    assert_non_null(f->rs.owned);
    j = answer_json(f);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "records")), 120);
    cJSON_Delete(j);
}

/* ---- deletion at the service (5.11-2) ---- */

static void test_cloud_delete(void **state)
{
    struct fixture *f = *state;
    char id[KEELD_DELETION_ID_HEX + 1];
    cJSON *j;

    initialise(f);
    expect(f, KEELD_GET, "/api/v1/privacy/cloud-delete", NULL, 1, 200, "{\"state\":\"none\"}");
    /* no cloud link configured: nobody to ask */
    expect(f, KEELD_POST, "/api/v1/privacy/cloud-delete", "{}", 1, 409, "{\"error\":\"conflict\"}");
    expect(f, KEELD_GET, "/api/v1/privacy/cloud-delete", NULL, 1, 200, "{\"state\":\"none\"}");
    f->st.cloud_configured = 1;
    expect(f, KEELD_POST, "/api/v1/privacy/cloud-delete", "{\"all\":true}", 1, 400, NULL);
    expect(f, KEELD_POST, "/api/v1/privacy/cloud-delete", "[]", 1, 400, NULL);
    expect(f, KEELD_POST, "/api/v1/privacy/cloud-delete", NULL, 1, 400, NULL);
    expect(f, KEELD_POST, "/api/v1/privacy/cloud-delete", "{}", 0, 401, NULL);
    expect(f, KEELD_GET, "/api/v1/privacy/cloud-delete", NULL, 1, 200, "{\"state\":\"none\"}");
    expect(f, KEELD_POST, "/api/v1/privacy/cloud-delete", " {}\n", 1, 202, NULL);
    j = answer_json(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "pending");
    assert_int_equal(
        keel_str_copy(id, sizeof(id), cJSON_GetObjectItemCaseSensitive(j, "request")->valuestring),
        KEEL_OK);
    assert_int_equal(strlen(id), KEELD_DELETION_ID_HEX);
    assert_int_equal(strspn(id, "0123456789abcdef"), KEELD_DELETION_ID_HEX);
    cJSON_Delete(j);
    /* asked again while pending: the same request, not a second one */
    expect(f, KEELD_POST, "/api/v1/privacy/cloud-delete", "{}", 1, 202, NULL);
    assert_non_null(strstr(f->text, id));
    expect(f, KEELD_GET, "/api/v1/privacy/cloud-delete", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "pending");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "request")->valuestring, id);
    cJSON_Delete(j);
    /* the service's confirmation shows */
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, id, 3), KEEL_OK);
    expect(f, KEELD_GET, "/api/v1/privacy/cloud-delete", NULL, 1, 200, NULL);
    j = answer_json(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring, "confirmed");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "items")->valueint, 3);
    cJSON_Delete(j);
}

/* ---- retention (6-6) ---- */

static int log_entries(struct fixture *f)
{
    char text[KEELD_RESPONSE_MAX * 4];
    cJSON *j;
    int n;

    assert_int_equal(keeld_lock_log_json(f->lock, 1000, text, sizeof(text)), KEEL_OK);
    j = cJSON_Parse(text);
    assert_non_null(j);
    n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "entries"));
    cJSON_Delete(j);
    return n;
}

static void test_retention(void **state)
{
    struct fixture *f = *state;
    struct keeld_retention *r = NULL;
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};

    assert_int_equal(keeld_retention_interval_s(KEELD_LOG_RETENTION_DEFAULT_S), 60);
    assert_int_equal(keeld_retention_interval_s(60), 60);
    assert_int_equal(keeld_retention_interval_s(5), 5);
    assert_int_equal(keeld_retention_interval_s(1), 1);
    assert_int_equal(keeld_retention_interval_s(0), 1);
    assert_int_equal(keeld_retention_start(&f->st, 0, &r), KEEL_ERR_ARG);
    assert_null(r);
    assert_int_equal(keeld_lock_set_retention(f->lock, 1), KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 0, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, NULL), KEEL_OK);
    assert_true(log_entries(f) >= 2);
    assert_int_equal(keeld_retention_start(&f->st, 1, &r), KEEL_OK);
    /* within a few ticks of the thread, without anyone asking, the entries are gone */
    for (int i = 0; i < 60 && log_entries(f) > 0; i++)
        nanosleep(&pause, NULL);
    assert_int_equal(log_entries(f), 0);
    keeld_retention_stop(r);
    keeld_retention_stop(NULL);
}

/* ---- the factory reset (5.11-1) ---- */

static const char *const owner_records[] = {
    KEELD_REC_OWNER_HASH,      KEELD_REC_PIN_KEY,    KEELD_REC_DATA_KEY,
    KEELD_REC_UPDATE_SETTINGS, KEELD_REC_PROCESSING, KEELD_REC_GUARD_OVERALL,
};

/* Everything an owner leaves: password, PINs, log, consent, settings, a failed login counted
 * by the guard, an old choice of processing, the telemetry pseudonym; and the anti-rollback
 * base the update agent made. *floor: that base. */
static void live_device(struct fixture *f, uint64_t *floor)
{
    char pseudonym[33];
    keel_secret wrong;

    initialise(f);
    plant(f);
    assert_int_equal(keeld_lock_pseudonym(f->lock, pseudonym), KEEL_OK);
    assert_int_equal(keel_store_put(f->store, KEELD_REC_PROCESSING, "1", 1), KEEL_OK);
    keel_secret_clear(&wrong);
    assert_int_equal(keel_secret_set(&wrong, "not the password", 16), KEEL_OK);
    assert_false(keeld_guarded_verify(&f->st, "192.0.2.9", &wrong, &f->rs));
    keel_secret_clear(&wrong);
    assert_int_equal(keel_update_floor_base(f->env.rot, f->store, floor), KEEL_OK);
    assert_int_equal(keel_store_get(f->store, KEELD_REC_PIN_KEY, f->old_pin_key,
                                    sizeof(f->old_pin_key), &f->old_pin_key_len),
                     KEEL_OK);
    assert_int_equal(keel_store_get(f->store, KEELD_REC_DATA_KEY, f->old_data_key,
                                    sizeof(f->old_data_key), &f->old_data_key_len),
                     KEEL_OK);
    for (size_t i = 0; i < sizeof(owner_records) / sizeof(owner_records[0]); i++) {
        if (!has_record(f, owner_records[i]))
            fail_msg("the owner's record %s was not made", owner_records[i]);
    }
    assert_true(exists(f->env.dir, KEELD_LOCK_DB));
}

/* What a device looks like once its reset is complete: the factory records only, nothing
 * of the owner in the lock, the reset recorded, no marker. */
static void factory_again(struct fixture *f, uint64_t floor)
{
    char text[KEELD_RESPONSE_MAX * 4];
    char v[32];
    size_t len = 0;
    uint64_t base = 0;

    for (size_t i = 0; i < sizeof(owner_records) / sizeof(owner_records[0]); i++) {
        if (has_record(f, owner_records[i]) && strcmp(owner_records[i], KEELD_REC_PIN_KEY) != 0 &&
            strcmp(owner_records[i], KEELD_REC_DATA_KEY) != 0)
            fail_msg("%s survived the reset", owner_records[i]);
    }
    assert_true(has_record(f, KEELD_REC_LABEL_HASH));
    /* the fresh lock made fresh keys: the old ones are nowhere */
    {
        uint8_t key[64];
        size_t n = 0;
        keel_err ret = keel_store_get(f->store, KEELD_REC_PIN_KEY, key, sizeof(key), &n);
        assert_true(
            ret == KEEL_ERR_NOT_FOUND ||
            (ret == KEEL_OK && (n != f->old_pin_key_len || memcmp(key, f->old_pin_key, n) != 0)));
        ret = keel_store_get(f->store, KEELD_REC_DATA_KEY, key, sizeof(key), &n);
        assert_true(
            ret == KEEL_ERR_NOT_FOUND ||
            (ret == KEEL_OK && (n != f->old_data_key_len || memcmp(key, f->old_data_key, n) != 0)));
        keel_wipe(key, sizeof(key));
    }
    assert_int_equal(keel_store_get(f->store, KEELD_REC_UPDATE_FLOOR_BASE, v, sizeof(v) - 1, &len),
                     KEEL_OK);
    v[len] = '\0';
    assert_int_equal(keel_str_to_u64(v, 0, UINT64_MAX, &base), KEEL_OK);
    assert_int_equal(base, floor);
    assert_false(keeld_initialised(&f->st));
    assert_false(exists(f->env.dir, KEELD_RESET_MARKER));
    assert_int_equal(keeld_lock_pins_json(f->lock, text, sizeof(text)), KEEL_OK);
    assert_string_equal(text, "{\"pins\":[]}");
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
    assert_int_equal(consent_records(f, NULL, 0, NULL), 0);
    assert_int_equal(keeld_lock_deletion_json(f->lock, text, sizeof(text)), KEEL_OK);
    assert_string_equal(text, "{\"state\":\"none\"}");
    assert_int_equal(keeld_lock_log_json(f->lock, 1000, text, sizeof(text)), KEEL_OK);
    assert_null(strstr(text, CANARY_NAME));
    assert_non_null(strstr(text, "\"event\":\"factory_reset\""));
    /* the label password opens the device again, for the next owner */
    assert_int_equal(keeld_credential_verify(&f->st, &f->label), KEEL_OK);
}

/* keeld stops (the lock as main.c closes it) and starts again, as main.c orders it. */
static void restart(struct fixture *f)
{
    char err[KEELD_ERROR_MAX];
    int resumed = 0;

    keeld_lock_close(f->lock);
    f->lock = NULL;
    keeld_state_wipe(&f->st);
    assert_int_equal(keeld_reset_resume(f->env.dir, f->store, &resumed, err, sizeof(err)), KEEL_OK);
    assert_int_equal(resumed, 1);
    assert_int_equal(start(f), 0);
    assert_int_equal(keeld_reset_finish(f->env.dir, f->lock, err, sizeof(err)), KEEL_OK);
    /* once finished, the next start has nothing to do */
    assert_int_equal(keeld_reset_resume(f->env.dir, f->store, &resumed, err, sizeof(err)), KEEL_OK);
    assert_int_equal(resumed, 0);
}

static void test_reset(void **state)
{
    static const char body[] = "{\"password\":\"" OWNER_PW "\",\"confirm\":\"erase\"}";
    struct fixture *f = *state;
    uint64_t floor = 0;
    char *marker;
    size_t len = 0;
    char path[256];
    cJSON *j;

    live_device(f, &floor);
    /* refused: without a session, a wrong password, not confirmed; nothing erased */
    expect(f, KEELD_POST, "/api/v1/reset", body, 0, 401, NULL);
    expect(f, KEELD_POST, "/api/v1/reset", "{\"password\":\"nope nope\",\"confirm\":\"erase\"}", 1,
           401, "{\"error\":\"unauthorized\"}");
    expect(f, KEELD_POST, "/api/v1/reset", "{\"password\":\"" OWNER_PW "\",\"confirm\":\"yes\"}", 1,
           400, NULL);
    expect(f, KEELD_POST, "/api/v1/reset", "{\"password\":\"" OWNER_PW "\"}", 1, 400, NULL);
    assert_false(f->rs.exit_after);
    assert_false(f->st.reset_done);
    assert_true(has_record(f, KEELD_REC_OWNER_HASH));
    assert_false(exists(f->env.dir, KEELD_RESET_MARKER));
    /* the reset */
    expect(f, KEELD_POST, "/api/v1/reset", body, 1, 200, NULL);
    assert_true(f->rs.exit_after);
    assert_true(f->st.reset_done);
    j = answer_json(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "reset")->valuestring, "done");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "erased")) > 5);
    cJSON_Delete(j);
    /* the store: only the factory records; the keys are gone (crypto-erase) */
    for (size_t i = 0; i < sizeof(owner_records) / sizeof(owner_records[0]); i++) {
        if (has_record(f, owner_records[i]))
            fail_msg("%s survived the reset", owner_records[i]);
    }
    assert_false(has_record(f, KEELD_REC_PSEUDONYM));
    assert_true(has_record(f, KEELD_REC_LABEL_HASH));
    assert_true(has_record(f, KEELD_REC_UPDATE_FLOOR_BASE));
    /* the database's files are gone; the marker waits for the next start */
    assert_false(exists(f->env.dir, KEELD_LOCK_DB));
    assert_false(exists(f->env.dir, KEELD_LOCK_DB "-wal"));
    assert_false(exists(f->env.dir, KEELD_LOCK_DB "-shm"));
    assert_int_equal(keel_str_format(path, sizeof(path), "%s/%s", f->env.dir, KEELD_RESET_MARKER),
                     KEEL_OK);
    marker = read_file(path, &len);
    assert_non_null(strstr(marker, "{\"requested\":\"20"));
    keel_file_free(marker, len);
    /* memory: factory state, every session ended; keeld answers nothing more */
    assert_false(keeld_initialised(&f->st));
    expect(f, KEELD_GET, "/api/v1/device", NULL, 0, 503, NULL);
    expect(f, KEELD_POST, "/api/v1/login", "{\"password\":\"x\"}", 0, 503, NULL);
    restart(f);
    factory_again(f, floor);
}

/* A power cut right after the marker: the next start does the whole erasure. */
static void test_reset_power_cut(void **state)
{
    struct fixture *f = *state;
    uint64_t floor = 0;
    char path[256];
    static const char marker[] = "{\"requested\":\"2026-01-01T00:00:00Z\"}\n";

    live_device(f, &floor);
    assert_int_equal(keel_str_format(path, sizeof(path), "%s/%s", f->env.dir, KEELD_RESET_MARKER),
                     KEEL_OK);
    assert_int_equal(keel_file_write_atomic(path, marker, strlen(marker), 0600), KEEL_OK);
    restart(f);
    factory_again(f, floor);
}

/* A marker that is not a regular file stops the start rather than being followed. */
static void test_reset_marker_not_file(void **state)
{
    struct fixture *f = *state;
    char path[256], err[KEELD_ERROR_MAX];
    int resumed = 7;

    assert_int_equal(keel_str_format(path, sizeof(path), "%s/%s", f->env.dir, KEELD_RESET_MARKER),
                     KEEL_OK);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(keeld_reset_resume(f->env.dir, f->store, &resumed, err, sizeof(err)),
                     KEEL_ERR_PERM);
    assert_int_equal(resumed, 0);
    assert_non_null(strstr(err, KEELD_RESET_MARKER));
    assert_int_equal(rmdir(path), 0);
}

static void test_factory_records(void **state)
{
    size_t n = 0;
    const char *const *keep = keeld_factory_records(&n);

    (void)state;
    assert_int_equal(n, 2);
    assert_string_equal(keep[0], KEELD_REC_LABEL_HASH);
    assert_string_equal(keep[1], KEELD_REC_UPDATE_FLOOR_BASE);
}

/* The body parsers (the fuzz targets take them further). */
#define TEXT(s) (const uint8_t *)(s), strlen(s)
static void test_parsers(void **state)
{
    char purpose[KEELD_CONSENT_PURPOSE_MAX + 1];
    int granted = 7;
    keel_secret pw;

    (void)state;
    assert_int_equal(
        keeld_consent_parse(TEXT("{\"granted\":false,\"purpose\":\"a_1\"}"), purpose, &granted),
        KEEL_OK);
    assert_string_equal(purpose, "a_1");
    assert_int_equal(granted, 0);
    assert_int_equal(
        keeld_consent_parse(TEXT("{\"purpose\":\"A\",\"granted\":true}"), purpose, &granted),
        KEEL_ERR_PARSE);
    assert_string_equal(purpose, "");
    assert_int_equal(keeld_cloud_delete_parse(TEXT("{}")), KEEL_OK);
    assert_int_equal(keeld_cloud_delete_parse(TEXT("{} x")), KEEL_ERR_PARSE);
    assert_int_equal(keeld_cloud_delete_parse(TEXT("{\"a\":1}")), KEEL_ERR_PARSE);
    assert_int_equal(keeld_cloud_delete_parse(TEXT("{}                ")), KEEL_ERR_TOO_LARGE);
    assert_int_equal(keeld_reset_parse(TEXT("{\"confirm\":\"erase\",\"password\":\"pw\"}"), &pw),
                     KEEL_OK);
    assert_int_equal(keel_secret_len(&pw), 2);
    assert_int_equal(keeld_reset_parse(TEXT("{\"confirm\":\"erased\",\"password\":\"pw\"}"), &pw),
                     KEEL_ERR_PARSE);
    assert_int_equal(keel_secret_len(&pw), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_factory_records),
        cmocka_unit_test(test_parsers),
        cmocka_unit_test_setup_teardown(test_inventory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erased_matches_inventory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_consent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cloud_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_power_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_marker_not_file, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
