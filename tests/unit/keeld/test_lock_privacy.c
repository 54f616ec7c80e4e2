/*
 * Personal data in keeld's lock (lock.h; 5.11, 6-2 .. 6-6) against real SQLite in a
 * temporary directory and a real secure store (file root of trust):
 * - the PIN holders' names and every "who" never reach lock.db or its WAL in plaintext (the
 *   raw bytes of both files searched for canary names), yet read back right;
 * - consent: off until granted, every choice recorded, a withdrawal deletes the queued
 *   copies in the same transaction (a failure late in that transaction leaves them all);
 * - the owner's access-log copies exist only while consent is granted;
 * - retention: keeld_lock_prune at chosen times deletes exactly what is older, the default
 *   is 90 days, and deleted rows are overwritten in the file (secure_delete);
 * - the export holds every datum and no PIN code or HMAC;
 * - the cloud deletion request: one pending at a time, confirmed only by its own id;
 * - erase: the three files overwritten (seen through hard links) and gone, every later call
 *   refused;
 * - security events are keel/events.h objects with the pseudonym and the firmware;
 * - the data key's rule at open, and the migration of a schema-1 database built here with
 *   schema 1's own SQL.
 */
/* memmem */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "keel/events.h"
#include "keel/privacy.h"
#include "keel/rot.h"
#include "keeld.h"

#define DAY 86400LL

struct fixture {
    char dir[64];
    char db[128];
    char wal[160];
    keel_rot *rot;
    keel_store *store;
    struct keeld_lock *lock;
    char err[KEELD_ERROR_MAX];
};

static int store_make(const char *dir, keel_rot **rot, keel_store **store)
{
    char state[160];
    char path[160];

    snprintf(state, sizeof(state), "%s/rot", dir);
    snprintf(path, sizeof(path), "%s/store.kst", dir);
    if (keel_rot_open("file", state, rot) != KEEL_OK ||
        keel_rot_storage_key_create(*rot) != KEEL_OK || keel_store_create(path, *rot) != KEEL_OK)
        return -1;
    return keel_store_open(path, *rot, store) == KEEL_OK ? 0 : -1;
}

static int setup_bare(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/keel-lockp-XXXXXX");
    if (mkdtemp(f->dir) == NULL || store_make(f->dir, &f->rot, &f->store) != 0)
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/%s", f->dir, KEELD_LOCK_DB);
    snprintf(f->wal, sizeof(f->wal), "%s-wal", f->db);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    struct fixture *f;

    if (setup_bare(state) != 0)
        return -1;
    f = *state;
    if (keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)) != KEEL_OK) {
        fprintf(stderr, "open: %s\n", f->err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    keeld_lock_close(f->lock);
    keel_store_close(f->store);
    keel_rot_close(f->rot);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", f->dir);
    free(f);
    return 0;
}

static void lock_close(struct fixture *f)
{
    keeld_lock_close(f->lock);
    f->lock = NULL;
}

static void lock_open(struct fixture *f)
{
    keel_err ret = keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err));

    if (ret != KEEL_OK)
        fail_msg("open: %s (%s)", f->err, keel_strerror(ret));
}

static long long db_int(const char *db, const char *sql)
{
    sqlite3 *c = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -1;

    assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(c);
    return v;
}

static void db_exec(const char *db, const char *sql)
{
    sqlite3 *c = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    if (sqlite3_exec(c, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
    sqlite3_close(c);
}

/* The whole file at path (NULL when it does not exist), its length into *len. */
static unsigned char *file_all(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *buf;
    FILE *fp;

    *len = 0;
    if (stat(path, &st) != 0)
        return NULL;
    buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    *len = fread(buf, 1, (size_t)st.st_size, fp);
    fclose(fp);
    return buf;
}

/* How many of the canaries occur in the raw bytes of path. */
static int canaries_in(const char *path, const char *const *canaries, size_t n)
{
    size_t len = 0;
    unsigned char *buf = file_all(path, &len);
    int found = 0;

    for (size_t i = 0; buf != NULL && i < n; i++) {
        if (memmem(buf, len, canaries[i], strlen(canaries[i])) != NULL) {
            fprintf(stderr, "'%s' in %s\n", canaries[i], path);
            found++;
        }
    }
    free(buf);
    return found;
}

static int all_zero_file(const char *path, size_t *len)
{
    unsigned char *buf = file_all(path, len);
    int zero = buf != NULL;

    for (size_t i = 0; buf != NULL && i < *len; i++)
        zero &= buf[i] == 0;
    free(buf);
    return zero;
}

static void pin_add(struct fixture *f, const char *name, const char *pin, uint32_t *id)
{
    assert_int_equal(keeld_lock_pin_add(f->lock, name, pin, strlen(pin), id, NULL), KEEL_OK);
}

static void keypad(struct fixture *f, const char *pin, keel_err want)
{
    uint32_t wait = 0;

    assert_int_equal(keeld_lock_keypad_pin(f->lock, pin, strlen(pin), &wait), want);
}

static long long sync_count(struct fixture *f)
{
    return db_int(f->db, "SELECT count(*) FROM sync");
}

/* ---- sealing at rest ---- */

static const char *const canaries[] = {"CanaryAlice7Q", "CanaryBobZ3X", "CanaryCarolV8"};

static void test_never_in_plaintext(void **state)
{
    struct fixture *f = *state;
    char json[8192];
    uint32_t id = 0;
    uint32_t gone = 0;
    uint64_t seq = 0;

    pin_add(f, canaries[0], "482915", &id);
    pin_add(f, canaries[1], "73910264", &id);
    pin_add(f, canaries[2], "5550172", &gone);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_OK);
    keypad(f, "482915", KEEL_OK);
    keypad(f, "73910264", KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, canaries[1]), KEEL_OK);
    assert_int_equal(keeld_lock_pin_remove(f->lock, gone), KEEL_OK);
    /* the names are there for the owner, and in the copies waiting for the cloud */
    assert_int_equal(keeld_lock_pins_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, canaries[0]));
    assert_int_equal(keeld_lock_log_json(f->lock, 50, json, sizeof(json)), KEEL_OK);
    assert_non_null(
        strstr(json, "\"event\":\"pin_removed\",\"source\":\"api\",\"who\":\"CanaryCarolV8\""));
    assert_non_null(strstr(json, "\"source\":\"keypad\",\"who\":\"CanaryBobZ3X\""));
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_true(sync_count(f) >= 4);
    /* stored sealed: blobs of the name's length plus the seal's overhead */
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM pins WHERE typeof(name) = 'blob'"), 2);
    assert_int_equal(db_int(f->db, "SELECT length(name) FROM pins WHERE id = 1"),
                     strlen(canaries[0]) + KEEL_PRIVACY_SEAL_OVERHEAD);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log WHERE who IS NOT NULL AND "
                                   "typeof(who) <> 'blob'"),
                     0);
    assert_true(db_int(f->db, "SELECT count(*) FROM log WHERE typeof(who) = 'blob'") >= 6);
    assert_true(db_int(f->db, "SELECT count(*) FROM sync WHERE typeof(who) = 'blob'") >= 3);
    /* nowhere in the raw bytes: the WAL while open, then the database after the checkpoint */
    assert_int_equal(access(f->wal, F_OK), 0);
    assert_int_equal(canaries_in(f->wal, canaries, 3), 0);
    assert_int_equal(canaries_in(f->db, canaries, 3), 0);
    lock_close(f);
    assert_int_equal(canaries_in(f->db, canaries, 3), 0);
    assert_int_equal(canaries_in(f->wal, canaries, 3), 0);
    /* and back in the clear after a restart */
    lock_open(f);
    assert_int_equal(keeld_lock_pins_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, canaries[1]));
    /* uniqueness of the sealed names is still checked */
    assert_int_equal(keeld_lock_pin_add(f->lock, canaries[0], "918273", 6, &id, NULL),
                     KEEL_ERR_EXISTS);
    assert_int_equal(keeld_lock_pin_add(f->lock, canaries[2], "918273", 6, &id, NULL), KEEL_OK);
}

/* A sealed name moved into another field, or altered, does not open: refused, not shown. */
static void test_sealed_fields_bound(void **state)
{
    struct fixture *f = *state;
    char json[4096];
    uint32_t id = 0;

    pin_add(f, "Alice", "482915", &id);
    keypad(f, "482915", KEEL_OK);
    /* the name's sealed bytes copied into the log's who */
    db_exec(f->db, "UPDATE log SET who = (SELECT name FROM pins WHERE id = 1) "
                   "WHERE event = 'unlocked'");
    assert_int_equal(keeld_lock_log_json(f->lock, 10, json, sizeof(json)), KEEL_ERR_CRYPTO);
    db_exec(f->db, "UPDATE pins SET name = zeroblob(40) WHERE id = 1");
    assert_int_equal(keeld_lock_pins_json(f->lock, json, sizeof(json)), KEEL_ERR_PARSE);
    assert_int_equal(keeld_lock_pin_add(f->lock, "Bob", "73910264", 8, &id, NULL), KEEL_ERR_PARSE);
}

/* ---- consent ---- */

static cJSON *consent_doc(struct fixture *f)
{
    static char json[256 * 1024];
    cJSON *doc;

    assert_int_equal(keeld_lock_consent_json(f->lock, json, sizeof(json)), KEEL_OK);
    doc = cJSON_Parse(json);
    assert_non_null(doc);
    return doc;
}

static void test_consent_records(void **state)
{
    struct fixture *f = *state;
    cJSON *doc = consent_doc(f);
    cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "consents"), 0);
    cJSON *r;
    char json[KEELD_EVENT_MAX];
    uint64_t seq = 0;

    /* off until granted, never asked */
    assert_string_equal(cJSON_GetObjectItem(c, "purpose")->valuestring,
                        KEELD_CONSENT_ACCESS_LOG_SYNC);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c, "granted")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "changed")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "records")), 0);
    cJSON_Delete(doc);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
    assert_int_equal(keeld_lock_consent_set(f->lock, "marketing", 1, "api"), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_consent_granted(f->lock, "marketing"), 0);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "web"),
                     KEEL_ERR_ARG);
    /* a refusal at setup, a grant, a repeat, a withdrawal: four records */
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 0, "setup"),
                     KEEL_OK);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 7, "api"),
                     KEEL_OK);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 1);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_OK);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 0, "api"),
                     KEEL_OK);
    lock_close(f); /* kept across a restart */
    lock_open(f);
    doc = consent_doc(f);
    c = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "consents"), 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c, "granted")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(c, "changed")));
    r = cJSON_GetObjectItem(doc, "records");
    assert_int_equal(cJSON_GetArraySize(r), 4);
    c = cJSON_GetArrayItem(r, 0); /* oldest first */
    assert_int_equal(cJSON_GetObjectItem(c, "seq")->valueint, 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c, "granted")));
    assert_string_equal(cJSON_GetObjectItem(c, "via")->valuestring, "setup");
    assert_string_equal(cJSON_GetObjectItem(c, "purpose")->valuestring,
                        KEELD_CONSENT_ACCESS_LOG_SYNC);
    assert_int_equal(strlen(cJSON_GetObjectItem(c, "time")->valuestring), 20);
    c = cJSON_GetArrayItem(r, 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "granted")));
    assert_string_equal(cJSON_GetObjectItem(c, "via")->valuestring, "api");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(r, 3), "granted")));
    cJSON_Delete(doc);
    /* each choice queued its security event */
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log WHERE event = 'consent.granted'"), 2);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log WHERE event = 'consent.withdrawn'"),
                     2);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, "\"event\":\"consent.withdrawn\""));
}

static void test_consent_records_bounded(void **state)
{
    struct fixture *f = *state;
    unsigned total = KEELD_CONSENT_RECORDS_MAX + 3;

    for (unsigned i = 0; i < total; i++)
        assert_int_equal(
            keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, (int)(i & 1), "api"),
            KEEL_OK);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM consent_log"), KEELD_CONSENT_RECORDS_MAX);
    assert_int_equal(db_int(f->db, "SELECT min(seq) FROM consent_log"), 4); /* oldest went */
    assert_int_equal(db_int(f->db, "SELECT max(seq) FROM consent_log"), total);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC),
                     (int)((total - 1) & 1));
}

/* Copies only while granted; a withdrawal deletes every waiting copy at once. */
static void test_sync_while_granted(void **state)
{
    struct fixture *f = *state;
    char json[1024];
    uint64_t seq = 0;
    uint64_t first = 0;
    uint32_t id = 0;

    pin_add(f, "Alice", "482915", &id);
    keypad(f, "482915", KEEL_OK);
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_ERR_NOT_FOUND);
    assert_int_equal(sync_count(f), 0);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "setup"),
                     KEEL_OK);
    keypad(f, "482915", KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_BUTTON, NULL), KEEL_OK);
    /* the grant's own event, the unlock, the lock */
    assert_int_equal(sync_count(f), 3);
    assert_int_equal(keeld_lock_sync_peek(f->lock, &first, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, "\"event\":\"consent.granted\""));
    assert_int_equal(keeld_lock_sync_done(f->lock, first), KEEL_OK);
    assert_int_equal(keeld_lock_sync_done(f->lock, first), KEEL_OK); /* a repeat */
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, first + 1);
    assert_non_null(
        strstr(json, "\"event\":\"unlocked\",\"source\":\"keypad\",\"who\":\"Alice\"}"));
    assert_non_null(strstr(json, "{\"seq\":"));
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, 20), KEEL_ERR_RANGE);
    /* the cloud's own events never carry who */
    while (keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)) == KEEL_OK) {
        assert_null(strstr(json, "Alice"));
        assert_int_equal(keeld_lock_outbox_done(f->lock, seq), KEEL_OK);
    }
    /* withdrawn: nothing waits, nothing more is copied */
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 0, "api"),
                     KEEL_OK);
    assert_int_equal(sync_count(f), 0);
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_ERR_NOT_FOUND);
    keypad(f, "482915", KEEL_OK);
    assert_int_equal(sync_count(f), 0);
    /* a copy that got into the table some other way is not handed out without consent */
    db_exec(f->db, "INSERT INTO sync(seq, time, event, source, who) "
                   "VALUES (999999, 1, 'unlocked', 'api', NULL)");
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_ERR_NOT_FOUND);
}

/* The withdrawal is one transaction: when its last step fails, the copies and the grant
 * are all still there. */
static void test_withdrawal_one_transaction(void **state)
{
    struct fixture *f = *state;
    char json[1024];
    uint64_t seq = 0;

    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 0, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(sync_count(f), 2);
    /* the withdrawal's security event (its last step, after the copies are deleted) fails */
    db_exec(f->db, "CREATE TRIGGER fail_withdrawn BEFORE INSERT ON log "
                   "WHEN NEW.event = 'consent.withdrawn' BEGIN SELECT RAISE(ABORT, 'test'); END");
    assert_int_not_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 0, "api"),
                         KEEL_OK);
    assert_int_equal(sync_count(f), 2);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 1);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM consent_log"), 1);
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    db_exec(f->db, "DROP TRIGGER fail_withdrawn");
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 0, "api"),
                     KEEL_OK);
    assert_int_equal(sync_count(f), 0);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM consent_log"), 2);
}

static void test_sync_bounded(void **state)
{
    struct fixture *f = *state;
    char json[1024];
    uint64_t seq = 0;

    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_OK);
    for (unsigned i = 0; i < KEELD_SYNC_MAX + 5; i++)
        assert_int_equal(keeld_lock_set(f->lock, (int)(i & 1), KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(sync_count(f), KEELD_SYNC_MAX);
    /* the oldest went: the grant's event (seq 1) and the first five */
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, 7);
}

/* ---- retention ---- */

static void test_prune_by_time(void **state)
{
    struct fixture *f = *state;
    char json[8192];
    uint32_t removed = 99;
    uint32_t id = 0;
    int64_t now = (int64_t)time(NULL);

    pin_add(f, "Alice", "482915", &id); /* seq 1 */
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_OK);    /* seq 2 */
    keypad(f, "482915", KEEL_OK); /* seq 3 */
    for (int i = 0; i < 5; i++)   /* seq 4 .. 8 */
        assert_int_equal(keeld_lock_set(f->lock, i & 1, KEELD_SRC_API, NULL), KEEL_OK);
    /* ages: seq 1..3 ten days old, 4..5 two days old, the rest new */
    db_exec(f->db, "UPDATE log SET time = time - 864000 WHERE seq <= 3");
    db_exec(f->db, "UPDATE sync SET time = time - 864000 WHERE seq <= 3");
    db_exec(f->db, "UPDATE log SET time = time - 172800 WHERE seq IN (4, 5)");
    db_exec(f->db, "UPDATE sync SET time = time - 172800 WHERE seq IN (4, 5)");
    assert_int_equal(keeld_lock_set_retention(f->lock, 0), KEEL_ERR_RANGE);
    assert_int_equal(keeld_lock_set_retention(f->lock, -5), KEEL_ERR_RANGE);
    assert_int_equal(keeld_lock_set_retention(f->lock, 7 * DAY), KEEL_OK);
    assert_int_equal(keeld_lock_prune(f->lock, now, &removed), KEEL_OK);
    assert_int_equal(removed, 3);
    assert_int_equal(db_int(f->db, "SELECT min(seq) FROM log"), 4);
    assert_int_equal(db_int(f->db, "SELECT min(seq) FROM sync"), 4);     /* the copies too */
    assert_int_equal(keeld_lock_prune(f->lock, now, &removed), KEEL_OK); /* again: nothing */
    assert_int_equal(removed, 0);
    /* a day later with a one-day retention: the two-day-old ones go */
    assert_int_equal(keeld_lock_set_retention(f->lock, DAY), KEEL_OK);
    lock_close(f); /* the retention is kept */
    lock_open(f);
    assert_int_equal(keeld_lock_prune(f->lock, now + 3600, &removed), KEEL_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(keeld_lock_log_json(f->lock, 100, json, sizeof(json)), KEEL_OK);
    assert_null(strstr(json, "\"seq\":5,"));
    assert_non_null(strstr(json, "\"seq\":6,"));
    /* far in the future: all of it, and NULL for the count is fine */
    assert_int_equal(keeld_lock_prune(f->lock, now + 3 * DAY, NULL), KEEL_OK);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log"), 0);
    assert_int_equal(sync_count(f), 0);
    /* the numbering goes on */
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, NULL), KEEL_OK);
    assert_true(db_int(f->db, "SELECT max(seq) FROM log") > 8);
}

/* Without a choice of the owner's, 90 days. */
static void test_retention_default(void **state)
{
    struct fixture *f = *state;
    uint32_t removed = 99;
    int64_t now = (int64_t)time(NULL);
    cJSON *doc = cJSON_CreateObject();

    assert_int_equal(keeld_lock_set(f->lock, 0, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_export(f->lock, doc), KEEL_OK);
    assert_true(cJSON_GetObjectItem(doc, "retention_days")->valuedouble == 90.0);
    cJSON_Delete(doc);
    assert_int_equal(keeld_lock_prune(f->lock, now + 89 * DAY, &removed), KEEL_OK);
    assert_int_equal(removed, 0);
    assert_int_equal(keeld_lock_prune(f->lock, now + 91 * DAY, &removed), KEEL_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log"), 0);
}

/* Deleted rows are overwritten in the file, not only unlinked (secure_delete), and their
 * older versions scrubbed from the WAL: an event's name, the one plaintext a log row holds,
 * is gone from the bytes of both files once pruned, while the lock is still open. */
static void test_pruned_bytes_overwritten(void **state)
{
    static const char *const marker[] = {"zq.canary.retention"};
    struct fixture *f = *state;
    char json[KEELD_EVENT_MAX];
    uint64_t seq = 0;

    assert_int_equal(keeld_lock_security(f->lock, marker[0], KEELD_SRC_SYSTEM), KEEL_OK);
    while (keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)) == KEEL_OK)
        assert_int_equal(keeld_lock_outbox_done(f->lock, seq), KEEL_OK);
    assert_int_equal(canaries_in(f->wal, marker, 1), 1); /* it is there */
    lock_close(f);
    assert_int_equal(canaries_in(f->db, marker, 1), 1);
    lock_open(f);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, NULL), KEEL_OK);
    db_exec(f->db, "UPDATE log SET time = 1 WHERE seq = 1");
    assert_int_equal(canaries_in(f->wal, marker, 1), 1); /* the page's new version, in the WAL */
    assert_int_equal(keeld_lock_prune(f->lock, (int64_t)time(NULL), NULL), KEEL_OK);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log"), 1);
    assert_int_equal(canaries_in(f->wal, marker, 1), 0);
    assert_int_equal(canaries_in(f->db, marker, 1), 0);
    lock_close(f);
    assert_int_equal(canaries_in(f->db, marker, 1), 0);
    lock_open(f);
}

/* ---- export ---- */

static void test_export(void **state)
{
    struct fixture *f = *state;
    cJSON *doc = cJSON_CreateObject();
    cJSON *a;
    cJSON *e;
    char *text;
    char id[KEELD_DELETION_ID_HEX + 1];
    uint32_t pid = 0;
    unsigned char hmac[32];
    char hex[65];
    long long entries;

    pin_add(f, "Alice", "482915", &pid);
    pin_add(f, "Bob", "73910264", &pid);
    keypad(f, "73910264", KEEL_OK);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "setup"),
                     KEEL_OK);
    assert_int_equal(keeld_lock_deletion_request(f->lock, id), KEEL_OK);
    assert_int_equal(keeld_lock_set_retention(f->lock, 30 * DAY), KEEL_OK);
    entries = db_int(f->db, "SELECT count(*) FROM log");
    assert_non_null(doc);
    assert_non_null(cJSON_AddStringToObject(doc, "format", "keel-export-1"));
    assert_int_equal(keeld_lock_export(f->lock, doc), KEEL_OK);
    assert_string_equal(cJSON_GetObjectItem(doc, "format")->valuestring, "keel-export-1");
    a = cJSON_GetObjectItem(doc, "pins");
    assert_int_equal(cJSON_GetArraySize(a), 2);
    e = cJSON_GetArrayItem(a, 1);
    assert_string_equal(cJSON_GetObjectItem(e, "name")->valuestring, "Bob");
    assert_int_equal(cJSON_GetObjectItem(e, "id")->valueint, 2);
    assert_non_null(cJSON_GetObjectItem(e, "created"));
    a = cJSON_GetObjectItem(doc, "access_log");
    assert_int_equal(cJSON_GetArraySize(a), entries);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "seq")->valueint, 1);
    e = cJSON_GetArrayItem(a, 2); /* the keypad's unlock, with who */
    assert_string_equal(cJSON_GetObjectItem(e, "event")->valuestring, "unlocked");
    assert_string_equal(cJSON_GetObjectItem(e, "who")->valuestring, "Bob");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "consents")), 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "consent_records")), 1);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "cloud_deletion"), "request")->valuestring,
        id);
    assert_true(cJSON_GetObjectItem(doc, "retention_days")->valuedouble == 30.0);
    /* no PIN code, no HMAC, in any form */
    text = cJSON_PrintUnformatted(doc);
    assert_non_null(text);
    assert_null(strstr(text, "482915"));
    assert_null(strstr(text, "73910264"));
    assert_null(strstr(text, "hmac"));
    {
        sqlite3 *c = NULL;
        sqlite3_stmt *s = NULL;
        assert_int_equal(sqlite3_open_v2(f->db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(c, "SELECT hmac FROM pins WHERE id = 2", -1, &s, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        memcpy(hmac, sqlite3_column_blob(s, 0), sizeof(hmac));
        sqlite3_finalize(s);
        sqlite3_close(c);
    }
    assert_int_equal(keel_hex_encode(hmac, sizeof(hmac), hex, sizeof(hex)), KEEL_OK);
    assert_null(strstr(text, hex));
    hex[16] = '\0';
    assert_null(strstr(text, hex));
    assert_null(memmem(text, strlen(text), hmac, 8));
    free(text);
    cJSON_Delete(doc);
    assert_int_equal(keeld_lock_export(f->lock, NULL), KEEL_ERR_ARG);
}

/* ---- the cloud deletion request ---- */

static void deletion_state(struct fixture *f, const char *want)
{
    char json[512];
    char key[64];

    assert_int_equal(keeld_lock_deletion_json(f->lock, json, sizeof(json)), KEEL_OK);
    snprintf(key, sizeof(key), "{\"state\":\"%s\"", want);
    assert_non_null(strstr(json, key));
}

static void test_deletion(void **state)
{
    struct fixture *f = *state;
    char id[KEELD_DELETION_ID_HEX + 1];
    char again[KEELD_DELETION_ID_HEX + 1];
    char stale[KEELD_DELETION_ID_HEX + 1];
    char json[512];
    int64_t requested = 0;

    assert_int_equal(keeld_lock_deletion_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_string_equal(json, "{\"state\":\"none\"}");
    assert_int_equal(keeld_lock_deletion_pending(f->lock, id, &requested), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, "00000000000000000000000000000000", 1),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_deletion_request(f->lock, id), KEEL_OK);
    assert_int_equal(strlen(id), KEELD_DELETION_ID_HEX);
    assert_int_equal(strspn(id, "0123456789abcdef"), KEELD_DELETION_ID_HEX);
    assert_int_equal(keeld_lock_deletion_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, "\"state\":\"pending\""));
    assert_non_null(strstr(json, id));
    assert_non_null(strstr(json, "\"confirmed\":null,\"items\":null}"));
    /* pending: not duplicated, the same id comes back, also after a restart */
    assert_int_equal(keeld_lock_deletion_request(f->lock, again), KEEL_ERR_EXISTS);
    assert_string_equal(again, id);
    lock_close(f);
    lock_open(f);
    assert_int_equal(keeld_lock_deletion_pending(f->lock, again, &requested), KEEL_OK);
    assert_string_equal(again, id);
    assert_true(requested > 0 && requested <= (int64_t)time(NULL));
    /* a stale or forged reply changes nothing */
    snprintf(stale, sizeof(stale), "%s", id);
    stale[0] = stale[0] == 'a' ? 'b' : 'a';
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, stale, 5), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, "abc", 5), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, id, 1ULL << 60), KEEL_ERR_RANGE);
    deletion_state(f, "pending");
    /* its own id confirms it */
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, id, 42), KEEL_OK);
    assert_int_equal(keeld_lock_deletion_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, "\"state\":\"confirmed\""));
    assert_non_null(strstr(json, "\"items\":42}"));
    assert_null(strstr(json, "\"confirmed\":null"));
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, id, 42), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_deletion_pending(f->lock, again, &requested), KEEL_ERR_NOT_FOUND);
    /* a new request replaces the confirmed one */
    assert_int_equal(keeld_lock_deletion_request(f->lock, again), KEEL_OK);
    assert_string_not_equal(again, id);
    deletion_state(f, "pending");
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, id, 1), KEEL_ERR_NOT_FOUND);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM deletion"), 1);
    /* no security event for it (no configuration changed) */
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log"), 0);
}

/* ---- security events and the pseudonym ---- */

static void test_security_events(void **state)
{
    struct fixture *f = *state;
    char json[KEEL_EVENT_JSON_MAX];
    char pseudonym[33];
    char stored[64];
    keel_event e;
    uint64_t seq = 0;
    size_t len = 0;

    assert_int_equal(keeld_lock_pseudonym(f->lock, pseudonym), KEEL_OK);
    assert_true(keel_event_pseudonym_valid(pseudonym));
    assert_int_equal(keel_store_get(f->store, KEELD_REC_PSEUDONYM, stored, sizeof(stored), &len),
                     KEEL_OK);
    assert_int_equal(len, 32);
    assert_memory_equal(stored, pseudonym, 32);
    assert_int_equal(keeld_lock_set(f->lock, 0, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_security(f->lock, "auth.failure", KEELD_SRC_API), KEEL_OK);
    assert_int_equal(keeld_lock_security(f->lock, "Auth Failure", KEELD_SRC_API), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_security(f->lock, "", KEELD_SRC_API), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_security(f->lock, NULL, KEELD_SRC_API), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_security(f->lock, "auth.failure", (keeld_lock_source)9),
                     KEEL_ERR_ARG);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log WHERE event = 'auth.failure' AND "
                                   "source = 'api'"),
                     1);
    assert_int_equal(keeld_lock_outbox_done(f->lock, 1), KEEL_OK);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, 2);
    /* a keel/events.h object the service's parser takes, with the pseudonym and firmware */
    assert_int_equal(keel_event_parse(json, strlen(json), &e, NULL, 0), KEEL_OK);
    assert_string_equal(e.event, "auth.failure");
    assert_string_equal(e.source, "api");
    assert_int_equal(e.locked, 0); /* the bolt as it is */
    assert_int_equal(e.seq, 2);
    assert_string_equal(e.device, pseudonym);
    assert_string_equal(e.firmware, KEELD_FIRMWARE_VERSION);
    /* the same pseudonym after a restart */
    lock_close(f);
    lock_open(f);
    assert_int_equal(keeld_lock_pseudonym(f->lock, stored), KEEL_OK);
    assert_string_equal(stored, pseudonym);
    assert_int_equal(keeld_lock_pseudonym(f->lock, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_pseudonym(NULL, stored), KEEL_ERR_ARG);
    /* a pseudonym record that is not one is refused, naming it */
    lock_close(f);
    assert_int_equal(keel_store_put(f->store, KEELD_REC_PSEUDONYM, "NOT-HEX", 7), KEEL_OK);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)),
                     KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, KEELD_REC_PSEUDONYM));
    /* absent (a factory reset): a new one is made */
    assert_int_equal(keel_store_delete(f->store, KEELD_REC_PSEUDONYM), KEEL_OK);
    lock_open(f);
    assert_int_equal(keeld_lock_pseudonym(f->lock, stored), KEEL_OK);
    assert_true(keel_event_pseudonym_valid(stored));
    assert_string_not_equal(stored, pseudonym);
}

/* ---- erase ---- */

static void test_erase(void **state)
{
    struct fixture *f = *state;
    struct keeld_lock_state st;
    char links[3][160];
    char path[160];
    char json[256];
    char id[KEELD_DELETION_ID_HEX + 1];
    cJSON *doc = cJSON_CreateObject();
    uint32_t pid = 0;
    uint64_t seq = 0;
    int64_t requested = 0;
    size_t len = 0;

    pin_add(f, canaries[0], "482915", &pid);
    keypad(f, "482915", KEEL_OK);
    /* hard links to the three files, taken before: the inodes' bytes stay visible */
    snprintf(links[0], sizeof(links[0]), "%s/link-db", f->dir);
    snprintf(links[1], sizeof(links[1]), "%s/link-wal", f->dir);
    snprintf(links[2], sizeof(links[2]), "%s/link-shm", f->dir);
    assert_int_equal(link(f->db, links[0]), 0);
    assert_int_equal(link(f->wal, links[1]), 0);
    snprintf(path, sizeof(path), "%s-shm", f->db);
    assert_int_equal(link(path, links[2]), 0);
    assert_int_equal(keeld_lock_erase(f->lock), KEEL_OK);
    assert_int_not_equal(access(f->db, F_OK), 0);
    assert_int_not_equal(access(f->wal, F_OK), 0);
    assert_int_not_equal(access(path, F_OK), 0);
    for (int i = 0; i < 3; i++) {
        if (!all_zero_file(links[i], &len))
            fail_msg("%s is not all zeros after the erase", links[i]);
        if (i < 2)
            assert_true(len > 0); /* the database and its WAL had content */
    }
    /* every later call is refused */
    assert_int_equal(keeld_lock_get(f->lock, &st), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, NULL), KEEL_ERR_IO);
    keypad(f, "482915", KEEL_ERR_IO);
    assert_int_equal(keeld_lock_pin_add(f->lock, "Bob", "73910264", 8, &pid, NULL), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_pin_remove(f->lock, 1), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_door(f->lock, 1), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_battery(f->lock, 50), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_pins_json(f->lock, json, sizeof(json)), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_log_json(f->lock, 5, json, sizeof(json)), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_outbox_done(f->lock, 1), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_security(f->lock, "auth.failure", KEELD_SRC_API), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_pseudonym(f->lock, id), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_set_retention(f->lock, DAY), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_prune(f->lock, 0, NULL), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_ERR_IO);
    assert_int_equal(keeld_lock_consent_granted(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
    assert_int_equal(keeld_lock_consent_json(f->lock, json, sizeof(json)), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_sync_peek(f->lock, &seq, json, sizeof(json)), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_sync_done(f->lock, 1), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_export(f->lock, doc), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_deletion_request(f->lock, id), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_deletion_pending(f->lock, id, &requested), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, id, 1), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_deletion_json(f->lock, json, sizeof(json)), KEEL_ERR_IO);
    assert_int_equal(keeld_lock_erase(f->lock), KEEL_ERR_IO);
    cJSON_Delete(doc);
    /* nothing was made again behind the lock's back; close is fine */
    assert_int_not_equal(access(f->db, F_OK), 0);
    lock_close(f);
    assert_int_not_equal(access(f->db, F_OK), 0);
    /* a new lock starts empty */
    lock_open(f);
    assert_int_equal(keeld_lock_pins_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_string_equal(json, "{\"pins\":[]}");
}

/* The same for a lock that is not open: a reset resumed after a power cut, the database
 * left with its WAL by a keeld that was killed (a child that exits without closing). */
static void test_erase_files(void **state)
{
    struct fixture *f = *state;
    char link_db[160];
    char link_wal[160];
    char shm[160];
    size_t len = 0;
    int status = 0;
    pid_t pid;

    lock_close(f);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct keeld_lock *l = NULL;
        uint32_t id = 0;
        char err[256];
        if (keeld_lock_open(f->dir, f->store, &l, err, sizeof(err)) != KEEL_OK ||
            keeld_lock_pin_add(l, canaries[1], "482915", 6, &id, NULL) != KEEL_OK)
            _exit(1);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    snprintf(link_db, sizeof(link_db), "%s/link-db", f->dir);
    snprintf(link_wal, sizeof(link_wal), "%s/link-wal", f->dir);
    snprintf(shm, sizeof(shm), "%s-shm", f->db);
    assert_int_equal(link(f->db, link_db), 0);
    assert_int_equal(link(f->wal, link_wal), 0);
    assert_int_equal(keeld_lock_erase_files(f->dir), KEEL_OK);
    assert_int_not_equal(access(f->db, F_OK), 0);
    assert_int_not_equal(access(f->wal, F_OK), 0);
    assert_int_not_equal(access(shm, F_OK), 0);
    assert_true(all_zero_file(link_db, &len));
    assert_true(len > 0);
    assert_true(all_zero_file(link_wal, &len));
    assert_true(len > 0);
    /* nothing left to erase is fine, twice */
    assert_int_equal(keeld_lock_erase_files(f->dir), KEEL_OK);
    assert_int_equal(keeld_lock_erase_files(NULL), KEEL_ERR_ARG);
    /* a symbolic link planted as lock.db is refused, its target untouched */
    assert_int_equal(symlink(link_db, f->db), 0);
    assert_int_equal(keeld_lock_erase_files(f->dir), KEEL_ERR_PERM);
    assert_int_equal(unlink(f->db), 0);
    lock_open(f);
}

/* ---- the data key at open ---- */

static void test_data_key_rule(void **state)
{
    struct fixture *f = *state;
    uint8_t key[64];
    uint8_t saved[32];
    size_t len = 0;
    uint32_t pid = 0;

    /* made with the database */
    assert_int_equal(keel_store_get(f->store, KEELD_REC_DATA_KEY, key, sizeof(key), &len), KEEL_OK);
    assert_int_equal(len, 32);
    memcpy(saved, key, sizeof(saved));
    /* lost while nothing is sealed: made again */
    lock_close(f);
    assert_int_equal(keel_store_delete(f->store, KEELD_REC_DATA_KEY), KEEL_OK);
    lock_open(f);
    assert_int_equal(keel_store_get(f->store, KEELD_REC_DATA_KEY, key, sizeof(key), &len), KEEL_OK);
    assert_memory_not_equal(key, saved, 32);
    memcpy(saved, key, sizeof(saved));
    /* lost while names are sealed: refused, naming the record, the database untouched */
    pin_add(f, "Alice", "482915", &pid);
    lock_close(f);
    assert_int_equal(keel_store_delete(f->store, KEELD_REC_DATA_KEY), KEEL_OK);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)),
                     KEEL_ERR_NOT_FOUND);
    assert_null(f->lock);
    assert_non_null(strstr(f->err, KEELD_REC_DATA_KEY));
    assert_int_equal(keel_store_get(f->store, KEELD_REC_DATA_KEY, key, sizeof(key), &len),
                     KEEL_ERR_NOT_FOUND); /* not replaced */
    assert_int_equal(db_int(f->db, "SELECT running FROM state"), 0);
    /* a key of the wrong size is refused too */
    assert_int_equal(keel_store_put(f->store, KEELD_REC_DATA_KEY, "short", 5), KEEL_OK);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)),
                     KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, KEELD_REC_DATA_KEY));
    /* the right key back: the name opens */
    assert_int_equal(keel_store_put(f->store, KEELD_REC_DATA_KEY, saved, 32), KEEL_OK);
    lock_open(f);
    keypad(f, "482915", KEEL_OK);
}

/* ---- schema 1 ---- */

/* Schema 1 exactly as keeld wrote it, with plaintext names and who. */
static const char v1_sql[] =
    "PRAGMA journal_mode = WAL;"
    "BEGIN;"
    "CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), "
    "locked INTEGER NOT NULL, door_open INTEGER NOT NULL, battery INTEGER NOT NULL, "
    "changed_at INTEGER NOT NULL, running INTEGER NOT NULL, "
    "keypad_failures INTEGER NOT NULL, keypad_wait_until INTEGER NOT NULL, "
    "dropped INTEGER NOT NULL, next_seq INTEGER NOT NULL);"
    "CREATE TABLE pins(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, "
    "hmac BLOB NOT NULL UNIQUE, created INTEGER NOT NULL);"
    "CREATE TABLE log(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, "
    "event TEXT NOT NULL, source TEXT NOT NULL, who TEXT);"
    "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, event TEXT NOT NULL, "
    "dropped INTEGER NOT NULL);"
    "INSERT INTO state VALUES (1, 1, 0, 80, 1700000000, 0, 0, 0, 0, 5);"
    "INSERT INTO log VALUES (1, 1700000000, 'pin_added', 'api', 'OldCanaryAnna');"
    "INSERT INTO log VALUES (2, 1700000100, 'pin_added', 'api', 'OldCanaryBert');"
    "INSERT INTO log VALUES (3, 1700000200, 'unlocked', 'keypad', 'OldCanaryAnna');"
    "INSERT INTO log VALUES (4, 1700000300, 'locked', 'button', NULL);"
    "INSERT INTO outbox VALUES (4, '{\"seq\":4,\"time\":\"2023-11-14T22:18:20Z\",\"event\":"
    "\"locked\",\"source\":\"button\",\"locked\":true}', 2);"
    "PRAGMA user_version = 1;"
    "COMMIT;";

static const char *const v1_canaries[] = {"OldCanaryAnna", "OldCanaryBert"};

/* The v1 database with two PINs, their HMACs under pin_key; PIN numbers up to 7 used. */
static void v1_build(struct fixture *f, const uint8_t pin_key[32])
{
    static const char *const pins[][2] = {{"OldCanaryAnna", "482915"},
                                          {"OldCanaryBert", "73910264"}};
    sqlite3 *c = NULL;
    sqlite3_stmt *s = NULL;
    unsigned char mac[32];
    unsigned int n = 0;
    int fd = open(f->db, O_WRONLY | O_CREAT | O_EXCL, 0600);

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(sqlite3_open_v2(f->db, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, v1_sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(c,
                                        "INSERT INTO pins(id, name, hmac, created) "
                                        "VALUES (?1, ?2, ?3, 1700000000)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    for (int i = 0; i < 2; i++) {
        assert_non_null(HMAC(EVP_sha256(), pin_key, 32, (const unsigned char *)pins[i][1],
                             strlen(pins[i][1]), mac, &n));
        sqlite3_bind_int(s, 1, i == 0 ? 2 : 5);
        sqlite3_bind_text(s, 2, pins[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 3, mac, 32, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    /* PIN 7 was added and removed: its number is never given again */
    assert_int_equal(
        sqlite3_exec(c, "UPDATE sqlite_sequence SET seq = 7 WHERE name = 'pins'", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(c); /* checkpointed: the names are in lock.db */
}

static void test_v1_migration(void **state)
{
    struct fixture *f = *state;
    uint8_t pin_key[32];
    char json[4096];
    char event[KEEL_EVENT_JSON_MAX];
    uint8_t key[32];
    size_t len = 0;
    uint32_t id = 0;
    uint64_t seq = 0;

    for (int i = 0; i < 32; i++)
        pin_key[i] = (uint8_t)(0x40 + i);
    assert_int_equal(keel_store_put(f->store, KEELD_REC_PIN_KEY, pin_key, 32), KEEL_OK);
    v1_build(f, pin_key);
    assert_int_equal(canaries_in(f->db, v1_canaries, 2), 2); /* plaintext before */
    assert_int_equal(keel_store_get(f->store, KEELD_REC_DATA_KEY, key, sizeof(key), &len),
                     KEEL_ERR_NOT_FOUND);
    lock_open(f);
    assert_int_equal(db_int(f->db, "PRAGMA user_version"), 2);
    assert_int_equal(keel_store_get(f->store, KEELD_REC_DATA_KEY, key, sizeof(key), &len), KEEL_OK);
    /* sealed, in the database and its WAL, while open and after */
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM pins WHERE typeof(name) = 'blob'"), 2);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log WHERE typeof(who) = 'blob'"), 3);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log WHERE who IS NULL"), 1);
    assert_int_equal(canaries_in(f->db, v1_canaries, 2), 0);
    assert_int_equal(canaries_in(f->wal, v1_canaries, 2), 0);
    /* everything still there, readable */
    assert_int_equal(keeld_lock_pins_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, "{\"id\":2,\"name\":\"OldCanaryAnna\""));
    assert_non_null(strstr(json, "{\"id\":5,\"name\":\"OldCanaryBert\""));
    assert_int_equal(keeld_lock_log_json(f->lock, 10, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json,
                           "\"seq\":3,\"time\":\"2023-11-14T22:16:40Z\",\"event\":\"unlocked\","
                           "\"source\":\"keypad\",\"who\":\"OldCanaryAnna\"}"));
    assert_non_null(strstr(json, "\"seq\":4,"));
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, event, sizeof(event)), KEEL_OK);
    assert_int_equal(seq, 4);
    assert_non_null(strstr(event, "\"dropped\":2,\"device\":\""));
    /* the PINs work, numbering goes on past the removed 7, the name is still unique */
    keypad(f, "73910264", KEEL_OK);
    assert_int_equal(keeld_lock_pin_add(f->lock, "OldCanaryAnna", "918273", 6, &id, NULL),
                     KEEL_ERR_EXISTS);
    pin_add(f, "New", "918273", &id);
    assert_int_equal(id, 8);
    assert_int_equal(db_int(f->db, "SELECT max(seq) FROM log"), 6); /* 5 unlocked, 6 added */
    /* the new tables work */
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_OK);
    lock_close(f);
    assert_int_equal(canaries_in(f->db, v1_canaries, 2), 0);
    lock_open(f); /* a version-2 database opens as it is */
    assert_int_equal(db_int(f->db, "PRAGMA user_version"), 2);
}

/* A version-1 database of another shape is not migrated: refused and left as it was. */
static void test_v1_other_shape_untouched(void **state)
{
    struct fixture *f = *state;
    unsigned char *before;
    unsigned char *after;
    size_t n1 = 0;
    size_t n2 = 0;
    int fd = open(f->db, O_WRONLY | O_CREAT | O_EXCL, 0600);

    assert_true(fd >= 0);
    close(fd);
    db_exec(f->db, "CREATE TABLE state(id INTEGER PRIMARY KEY, x TEXT); "
                   "CREATE TABLE pins(id INTEGER PRIMARY KEY, name TEXT); "
                   "INSERT INTO pins VALUES (1, 'OldCanaryAnna'); PRAGMA user_version = 1");
    before = file_all(f->db, &n1);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)),
                     KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, "another shape"));
    after = file_all(f->db, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    assert_int_not_equal(access(f->wal, F_OK), 0);
    free(before);
    free(after);
    /* and a newer one */
    db_exec(f->db, "PRAGMA user_version = 3");
    before = file_all(f->db, &n1);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)),
                     KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, "newer"));
    after = file_all(f->db, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
    free(before);
    free(after);
}

static void test_arguments(void **state)
{
    struct fixture *f = *state;
    char json[64];
    char id[KEELD_DELETION_ID_HEX + 1];
    uint64_t seq = 0;

    assert_int_equal(keeld_lock_security(NULL, "auth.failure", KEELD_SRC_API), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_set_retention(NULL, DAY), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_prune(NULL, 0, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_consent_set(NULL, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, "api"),
                     KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_consent_set(f->lock, NULL, 1, "api"), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_consent_set(f->lock, KEELD_CONSENT_ACCESS_LOG_SYNC, 1, NULL),
                     KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_consent_granted(NULL, KEELD_CONSENT_ACCESS_LOG_SYNC), 0);
    assert_int_equal(keeld_lock_consent_granted(f->lock, NULL), 0);
    assert_int_equal(keeld_lock_consent_json(NULL, json, sizeof(json)), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_consent_json(f->lock, json, 10), KEEL_ERR_RANGE);
    assert_int_equal(keeld_lock_sync_peek(NULL, &seq, json, sizeof(json)), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_sync_done(NULL, 1), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_export(NULL, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_deletion_request(NULL, id), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_deletion_request(f->lock, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_deletion_pending(f->lock, id, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_deletion_confirm(f->lock, NULL, 1), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_deletion_json(f->lock, json, 5), KEEL_ERR_RANGE);
    assert_int_equal(keeld_lock_erase(NULL), KEEL_ERR_ARG);
    /* who is a PIN holder's name at most */
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, ""), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, "0123456789abcdef0123456789abcdefX"),
                     KEEL_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_never_in_plaintext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed_fields_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_records_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_while_granted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdrawal_one_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pruned_bytes_overwritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deletion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_key_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_migration, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_v1_other_shape_untouched, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
