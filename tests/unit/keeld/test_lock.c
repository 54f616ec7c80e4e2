/*
 * keeld's lock (lock.h) against real SQLite in a temporary directory and a real secure store
 * made with the file root of trust: the bolt's changes logged and queued in one step, PIN
 * codes (policy, duplicates, the limit, HMAC only), the keypad's guard and its persistence,
 * the cloud's queue (order, acknowledgement, overflow with its count), the fail-secure lock
 * after an unclean stop (a child process that exits without closing), and databases that
 * are not the lock's (garbage, another shape, a newer schema), refused and left untouched.
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

#include <cmocka.h>
#include <openssl/sha.h>
#include <sqlite3.h>

#include "keel/rot.h"
#include "keeld.h"

struct fixture {
    char dir[64];
    char db[128];
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

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/keel-lock-XXXXXX");
    if (mkdtemp(f->dir) == NULL || store_make(f->dir, &f->rot, &f->store) != 0)
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/%s", f->dir, KEELD_LOCK_DB);
    if (keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)) != KEEL_OK) {
        fprintf(stderr, "open: %s\n", f->err);
        return -1;
    }
    *state = f;
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

static void reopen(struct fixture *f)
{
    keeld_lock_close(f->lock);
    f->lock = NULL;
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)), KEEL_OK);
}

/* One integer from the database, read with a connection of the test's own. */
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

    assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
}

/* PIN id's stored HMAC is 32 bytes, and neither the code nor its plain SHA-256. */
static void pin_hmac_differs(const char *db, int id, const char *pin)
{
    unsigned char plain[SHA256_DIGEST_LENGTH];
    unsigned char stored[32];
    sqlite3 *c = NULL;
    sqlite3_stmt *s = NULL;

    SHA256((const unsigned char *)pin, strlen(pin), plain);
    assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(c, "SELECT hmac FROM pins WHERE id = ?1", -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int(s, 1, id);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(s, 0), 32);
    memcpy(stored, sqlite3_column_blob(s, 0), sizeof(stored));
    sqlite3_finalize(s);
    sqlite3_close(c);
    assert_memory_not_equal(stored, plain, sizeof(stored));
    assert_null(memmem(stored, sizeof(stored), pin, strlen(pin)));
}

static struct keeld_lock_state state_of(struct keeld_lock *l)
{
    struct keeld_lock_state st;

    assert_int_equal(keeld_lock_get(l, &st), KEEL_OK);
    return st;
}

/* The newest access-log entry as JSON (its first entry). */
static void newest(struct keeld_lock *l, char *out, size_t outsz)
{
    assert_int_equal(keeld_lock_log_json(l, 1, out, outsz), KEEL_OK);
}

static void test_new_database(void **state)
{
    struct fixture *f = *state;
    struct keeld_lock_state st = state_of(f->lock);
    struct stat sb;
    uint8_t key[64];
    size_t len = 0;
    char json[256];

    assert_int_equal(st.locked, 1); /* a new lock starts locked */
    assert_int_equal(st.door_open, 0);
    assert_int_equal(st.unclean_start, 0);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(stat(f->db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(keel_store_get(f->store, KEELD_REC_PIN_KEY, key, sizeof(key), &len), KEEL_OK);
    assert_int_equal(len, 32);
    assert_int_equal(db_int(f->db, "PRAGMA user_version"), 2);
    assert_int_equal(db_int(f->db, "SELECT running FROM state"), 1);
    assert_int_equal(keeld_lock_log_json(f->lock, 10, json, sizeof(json)), KEEL_OK);
    assert_string_equal(json, "{\"entries\":[]}");
    keeld_lock_close(f->lock);
    f->lock = NULL;
    assert_int_equal(db_int(f->db, "SELECT running FROM state"), 0); /* a clean stop */
    reopen(f);
    assert_int_equal(state_of(f->lock).unclean_start, 0);
}

static void test_wal_and_sync(void **state)
{
    struct fixture *f = *state;
    sqlite3 *c = NULL;
    sqlite3_stmt *s = NULL;

    assert_int_equal(sqlite3_open_v2(f->db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(c, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(c);
}

static void test_lock_unlock(void **state)
{
    struct fixture *f = *state;
    char json[KEELD_EVENT_MAX];
    uint64_t seq = 0;

    assert_int_equal(keeld_lock_set(f->lock, 0, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(state_of(f->lock).locked, 0);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"seq\":1,"));
    assert_non_null(strstr(json, "\"event\":\"unlocked\",\"source\":\"api\"}"));
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, 1);
    assert_non_null(strstr(json, "{\"seq\":1,\"time\":\""));
    assert_non_null(strstr(json, "\",\"event\":\"unlocked\",\"source\":\"api\",\"locked\":false,"
                                 "\"dropped\":0,\"device\":\""));
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_CLOUD, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_BUTTON, NULL), KEEL_OK); /* again */
    assert_int_equal(state_of(f->lock).locked, 1);
    assert_int_equal(state_of(f->lock).queued, 3);
    assert_int_equal(keeld_lock_log_json(f->lock, 5, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, "\"seq\":3,"));
    assert_true(strstr(json, "\"seq\":3,") < strstr(json, "\"seq\":2,")); /* newest first */
    assert_true(strstr(json, "\"seq\":2,") < strstr(json, "\"seq\":1,"));
    assert_non_null(strstr(json, "\"event\":\"locked\",\"source\":\"button\""));
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log"), 3);
    assert_int_equal(keeld_lock_set(f->lock, 1, (keeld_lock_source)42, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_log_json(f->lock, 5, json, 20), KEEL_ERR_RANGE);
}

static void test_door_battery(void **state)
{
    struct fixture *f = *state;
    char json[512];

    assert_int_equal(keeld_lock_door(f->lock, 1), KEEL_OK);
    assert_int_equal(state_of(f->lock).door_open, 1);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"event\":\"door_open\""));
    assert_int_equal(keeld_lock_door(f->lock, 1), KEEL_OK); /* a repeat changes nothing */
    assert_int_equal(state_of(f->lock).queued, 1);
    assert_int_equal(keeld_lock_door(f->lock, 0), KEEL_OK);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"event\":\"door_closed\""));
    assert_int_equal(keeld_lock_battery(f->lock, 50), KEEL_OK);
    assert_int_equal(state_of(f->lock).battery, 50);
    assert_int_equal(state_of(f->lock).queued, 2); /* no event above the threshold */
    assert_int_equal(keeld_lock_battery(f->lock, KEELD_BATTERY_LOW), KEEL_OK);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"event\":\"battery_low\""));
    assert_int_equal(keeld_lock_battery(f->lock, 5), KEEL_OK); /* already low: no repeat */
    assert_int_equal(state_of(f->lock).queued, 3);
    assert_int_equal(state_of(f->lock).battery, 5);
    assert_int_equal(keeld_lock_battery(f->lock, 101), KEEL_ERR_RANGE);
    assert_int_equal(keeld_lock_battery(f->lock, -1), KEEL_ERR_RANGE);
    assert_int_equal(state_of(f->lock).battery, 5);
}

static void test_pin_policy(void **state)
{
    static const struct {
        const char *pin;
        const char *reason;
    } weak[] = {{"12345", "length"},          {"1234567890123", "length"}, {"", "length"},
                {"12a456", "digits"},         {"12 456", "digits"},        {"111111", "repeated"},
                {"000000000000", "repeated"}, {"123456", "sequence"},      {"987654", "sequence"},
                {"012345678", "sequence"}};
    struct fixture *f = *state;
    const char *reason = "x";
    uint32_t id = 7;

    (void)f;
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        assert_false(keeld_lock_pin_acceptable(weak[i].pin, strlen(weak[i].pin), &reason));
        assert_string_equal(reason, weak[i].reason);
        assert_int_equal(
            keeld_lock_pin_add(f->lock, "Bob", weak[i].pin, strlen(weak[i].pin), &id, &reason),
            KEEL_ERR_AUTH_WEAK);
        assert_string_equal(reason, weak[i].reason);
        assert_int_equal(id, 0);
    }
    assert_true(keeld_lock_pin_acceptable("482915", 6, &reason));
    assert_null(reason);
    assert_true(keeld_lock_pin_acceptable("123457", 6, NULL));
    assert_true(keeld_lock_pin_acceptable("112233445566", 12, NULL));
    assert_false(keeld_lock_pin_acceptable("4829\0"
                                           "15",
                                           7, NULL));
    assert_false(keeld_lock_pin_acceptable(NULL, 0, NULL));
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM pins"), 0);
}

static void test_pin_add_verify_remove(void **state)
{
    static const char *const bad_names[] = {"",
                                            "Tab\there",
                                            "Del\x7f",
                                            "C1 \xc2\x85",
                                            "bad \xc3",
                                            "overlong \xc0\xaf",
                                            "0123456789abcdef0123456789abcdefX"};
    struct fixture *f = *state;
    char json[2048];
    uint32_t id = 0;
    uint32_t id2 = 0;
    uint32_t wait = 9;
    uint64_t seq = 0;

    assert_int_equal(keeld_lock_pin_add(f->lock, "Alice", "482915", 6, &id, NULL), KEEL_OK);
    assert_int_equal(id, 1);
    assert_int_equal(keeld_lock_pin_add(f->lock, "Zoë", "73910264", 8, &id2, NULL), KEEL_OK);
    assert_int_equal(id2, 2);
    assert_int_equal(keeld_lock_pin_add(f->lock, "Carol", "482915", 6, &id, NULL), KEEL_ERR_EXISTS);
    assert_int_equal(keeld_lock_pin_add(f->lock, "Alice", "591027", 6, &id, NULL), KEEL_ERR_EXISTS);
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
        assert_int_equal(keeld_lock_pin_add(f->lock, bad_names[i], "591027", 6, &id, NULL),
                         KEEL_ERR_PARSE);
    /* only the HMAC is stored: neither the code nor its plain hash is in the file */
    assert_int_equal(db_int(f->db, "SELECT length(hmac) FROM pins WHERE id = 1"), 32);
    pin_hmac_differs(f->db, 1, "482915");
    assert_int_equal(keeld_lock_pins_json(f->lock, json, sizeof(json)), KEEL_OK);
    assert_non_null(strstr(json, "{\"pins\":[{\"id\":1,\"name\":\"Alice\",\"created\":\""));
    assert_non_null(strstr(json, "\"id\":2,\"name\":\"Zoë\""));
    assert_null(strstr(json, "482915"));
    assert_null(strstr(json, "hmac"));

    assert_int_equal(keeld_lock_keypad_pin(f->lock, "73910264", 8, &wait), KEEL_OK);
    assert_int_equal(wait, 0);
    assert_int_equal(state_of(f->lock).locked, 0);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"event\":\"unlocked\",\"source\":\"keypad\",\"who\":\"Zoë\""));
    /* the cloud's events never name the PIN's holder (6-4) */
    while (keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)) == KEEL_OK) {
        assert_null(strstr(json, "Zo"));
        assert_null(strstr(json, "Alice"));
        assert_int_equal(keeld_lock_outbox_done(f->lock, seq), KEEL_OK);
    }
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_BUTTON, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482916", 6, &wait), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "4829", 4, &wait), KEEL_ERR_PARSE);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"event\":\"pin_rejected\",\"source\":\"keypad\"}"));
    assert_int_equal(state_of(f->lock).locked, 1);
    assert_int_equal(keeld_lock_pin_remove(f->lock, 1), KEEL_OK);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"event\":\"pin_removed\",\"source\":\"api\",\"who\":\"Alice\""));
    assert_int_equal(keeld_lock_pin_remove(f->lock, 1), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_pin_remove(f->lock, 0), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482915", 6, &wait), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(state_of(f->lock).locked, 1);
    /* a removed PIN's number is never given again */
    assert_int_equal(keeld_lock_pin_add(f->lock, "Alice", "482915", 6, &id, NULL), KEEL_OK);
    assert_int_equal(id, 3);
    /* the right PIN after two wrong ones clears the count */
    assert_int_equal(db_int(f->db, "SELECT keypad_failures FROM state"), 3);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482915", 6, &wait), KEEL_OK);
    assert_int_equal(db_int(f->db, "SELECT keypad_failures FROM state"), 0);
}

static void test_pins_full(void **state)
{
    struct fixture *f = *state;
    char name[16];
    char pin[16];
    uint32_t id = 0;

    for (unsigned i = 0; i < KEELD_PINS_MAX; i++) {
        snprintf(name, sizeof(name), "user %u", i);
        snprintf(pin, sizeof(pin), "5%02u9%02u", i, i * 7);
        assert_int_equal(keeld_lock_pin_add(f->lock, name, pin, strlen(pin), &id, NULL), KEEL_OK);
    }
    assert_int_equal(keeld_lock_pin_add(f->lock, "one more", "8675309", 7, &id, NULL),
                     KEEL_ERR_AUTH_FULL);
    assert_int_equal(id, 0);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM pins"), KEELD_PINS_MAX);
    assert_int_equal(keeld_lock_pin_remove(f->lock, 5), KEEL_OK);
    assert_int_equal(keeld_lock_pin_add(f->lock, "one more", "8675309", 7, &id, NULL), KEEL_OK);
}

static void test_keypad_guard(void **state)
{
    struct fixture *f = *state;
    uint32_t id = 0;
    uint32_t wait = 0;

    assert_int_equal(keeld_lock_pin_add(f->lock, "Alice", "482915", 6, &id, NULL), KEEL_OK);
    for (unsigned i = 1; i < KEELD_KEYPAD_FREE_FAILURES; i++) {
        assert_int_equal(keeld_lock_keypad_pin(f->lock, "000001", 6, &wait), KEEL_ERR_AUTH_DENIED);
        assert_int_equal(wait, 0);
    }
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "000001", 6, &wait), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(wait, KEELD_KEYPAD_WAIT_S);
    /* while it waits, nothing is checked: not even the right PIN */
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482915", 6, &wait), KEEL_ERR_AUTH_THROTTLED);
    assert_in_range(wait, KEELD_KEYPAD_WAIT_S - 2, KEELD_KEYPAD_WAIT_S);
    assert_int_equal(state_of(f->lock).locked, 1);
    assert_in_range(state_of(f->lock).keypad_wait_s, KEELD_KEYPAD_WAIT_S - 2, KEELD_KEYPAD_WAIT_S);
    assert_int_equal(db_int(f->db, "SELECT keypad_failures FROM state"),
                     KEELD_KEYPAD_FREE_FAILURES);
    /* a restart (or a power cut) keeps the wait */
    reopen(f);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482915", 6, &wait), KEEL_ERR_AUTH_THROTTLED);
    assert_in_range(wait, KEELD_KEYPAD_WAIT_S - 2, KEELD_KEYPAD_WAIT_S);
    /* the wait over (time moved on), a further wrong PIN doubles it */
    keeld_lock_close(f->lock);
    f->lock = NULL;
    db_exec(f->db, "UPDATE state SET keypad_wait_until = 1");
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)), KEEL_OK);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "000001", 6, &wait), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(wait, 2 * KEELD_KEYPAD_WAIT_S);
    keeld_lock_close(f->lock);
    f->lock = NULL;
    db_exec(f->db, "UPDATE state SET keypad_wait_until = 1, keypad_failures = 40");
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)), KEEL_OK);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "000001", 6, &wait), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(wait, KEELD_KEYPAD_WAIT_MAX_S); /* capped */
    keeld_lock_close(f->lock);
    f->lock = NULL;
    db_exec(f->db, "UPDATE state SET keypad_wait_until = 1");
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)), KEEL_OK);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482915", 6, &wait), KEEL_OK);
    assert_int_equal(db_int(f->db, "SELECT keypad_failures FROM state"), 0);
    assert_int_equal(db_int(f->db, "SELECT keypad_wait_until FROM state"), 0);
    assert_int_equal(state_of(f->lock).keypad_wait_s, 0);
}

static void test_outbox_order(void **state)
{
    struct fixture *f = *state;
    char json[KEELD_EVENT_MAX];
    uint64_t seq = 0;

    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keeld_lock_set(f->lock, 0, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_door(f->lock, 1), KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_BUTTON, NULL), KEEL_OK);
    for (uint64_t want = 1; want <= 3; want++) {
        assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
        assert_int_equal(seq, want);
        /* a peek again, before the broker's acknowledgement, is the same event */
        assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
        assert_int_equal(seq, want);
        assert_int_equal(keeld_lock_outbox_done(f->lock, seq), KEEL_OK);
        assert_int_equal(keeld_lock_outbox_done(f->lock, seq), KEEL_OK); /* a repeat */
    }
    assert_non_null(strstr(json, "\"event\":\"locked\",\"source\":\"button\",\"locked\":true"));
    assert_int_equal(keeld_lock_outbox_done(f->lock, 999), KEEL_OK);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_ERR_NOT_FOUND);
    assert_int_equal(state_of(f->lock).queued, 0);
    /* the events stay in the access log */
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log"), 3);
    assert_int_equal(keeld_lock_set(f->lock, 0, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, 40), KEEL_ERR_RANGE);
}

static void test_outbox_overflow(void **state)
{
    struct fixture *f = *state;
    char json[KEELD_EVENT_MAX];
    const unsigned extra = 3;
    unsigned total = KEELD_OUTBOX_MAX + extra;
    uint64_t seq = 0;
    struct keeld_lock_state st;

    for (unsigned i = 0; i < total; i++)
        assert_int_equal(keeld_lock_set(f->lock, (int)(i & 1), KEELD_SRC_API, NULL), KEEL_OK);
    st = state_of(f->lock);
    assert_int_equal(st.queued, KEELD_OUTBOX_MAX);
    assert_int_equal(st.dropped, extra);
    /* the oldest left; the next to send says how many went before it */
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, extra + 1);
    assert_non_null(strstr(json, "\"dropped\":3,"));
    assert_int_equal(keeld_lock_outbox_done(f->lock, seq), KEEL_OK);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, extra + 2);
    assert_non_null(strstr(json, "\"dropped\":0,"));
    /* one more drop after a delivery: counted from the delivery on */
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_set(f->lock, 1, KEELD_SRC_API, NULL), KEEL_OK);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, extra + 3);
    assert_non_null(strstr(json, "\"dropped\":1,"));
    assert_int_equal(state_of(f->lock).dropped, extra + 1);
    /* the queue's seqs stay contiguous; the access log keeps its newest KEELD_LOG_KEEP */
    assert_int_equal(db_int(f->db, "SELECT max(seq) - min(seq) + 1 - count(*) FROM outbox"), 0);
    assert_int_equal(db_int(f->db, "SELECT max(seq) FROM outbox"), total + 2);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log"), KEELD_LOG_KEEP);
    assert_int_equal(db_int(f->db, "SELECT min(seq) FROM log"), total + 2 - KEELD_LOG_KEEP + 1);
    /* survives a restart */
    reopen(f);
    assert_int_equal(state_of(f->lock).dropped, extra + 1);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(seq, extra + 3);
}

/* A child opens the lock, unlocks, and exits without closing: keeld killed. */
static void test_unclean_start(void **state)
{
    struct fixture *f = *state;
    struct keeld_lock_state st;
    char json[1024];
    uint64_t seq = 0;
    int status = 0;
    pid_t pid;

    keeld_lock_close(f->lock);
    f->lock = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct keeld_lock *l = NULL;
        char err[256];
        if (keeld_lock_open(f->dir, f->store, &l, err, sizeof(err)) != KEEL_OK ||
            keeld_lock_set(l, 0, KEELD_SRC_API, NULL) != KEEL_OK)
            _exit(1);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(db_int(f->db, "SELECT locked FROM state"), 0);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)), KEEL_OK);
    st = state_of(f->lock);
    assert_int_equal(st.locked, 1);
    assert_int_equal(st.unclean_start, 1);
    newest(f->lock, json, sizeof(json));
    assert_non_null(strstr(json, "\"event\":\"fail_secure\",\"source\":\"system\"}"));
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_int_equal(keeld_lock_outbox_done(f->lock, seq), KEEL_OK);
    assert_int_equal(keeld_lock_outbox_peek(f->lock, &seq, json, sizeof(json)), KEEL_OK);
    assert_non_null(
        strstr(json, "\"event\":\"fail_secure\",\"source\":\"system\",\"locked\":true"));
    /* a clean stop then: no fail-secure lock on the next start */
    reopen(f);
    assert_int_equal(state_of(f->lock).unclean_start, 0);
    assert_int_equal(db_int(f->db, "SELECT count(*) FROM log WHERE event = 'fail_secure'"), 1);
}

static long file_bytes(const char *path, unsigned char *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    size_t n;

    if (fp == NULL)
        return -1;
    n = fread(buf, 1, cap, fp);
    fclose(fp);
    return (long)n;
}

/* path made with the bytes given, then keeld_lock_open must refuse it naming the file, and
 * leave it as it was (and make no WAL beside it). */
static void refused_untouched(struct fixture *f, keel_err want)
{
    static unsigned char before[16384];
    static unsigned char after[16384];
    char wal[160];
    long n = file_bytes(f->db, before, sizeof(before));
    struct keeld_lock *l = NULL;

    assert_true(n >= 0);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &l, f->err, sizeof(f->err)), want);
    assert_null(l);
    assert_non_null(strstr(f->err, f->db));
    assert_int_equal(file_bytes(f->db, after, sizeof(after)), n);
    assert_memory_equal(before, after, (size_t)n);
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_not_equal(access(wal, F_OK), 0);
}

static void fresh_file(struct fixture *f, const void *bytes, size_t len, mode_t mode)
{
    char cmd[512];
    int fd;

    keeld_lock_close(f->lock);
    f->lock = NULL;
    snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", f->db, f->db, f->db);
    assert_int_equal(system(cmd), 0);
    fd = open(f->db, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void test_garbage_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char junk[8192];

    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 131u + 7u);
    fresh_file(f, junk, sizeof(junk), 0600);
    refused_untouched(f, KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, "not a lock database"));
}

/* A real database made by someone else, then one of a newer schema. */
static void test_other_shapes_refused(void **state)
{
    struct fixture *f = *state;

    fresh_file(f, "", 0, 0600);
    db_exec(f->db, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('keep me')");
    refused_untouched(f, KEEL_ERR_PARSE);
    db_exec(f->db, "PRAGMA user_version = 1");
    refused_untouched(f, KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, "another shape"));
    fresh_file(f, "", 0, 0600);
    db_exec(f->db, "PRAGMA user_version = 3");
    refused_untouched(f, KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, "newer"));
    fresh_file(f, "", 0, 0644);
    refused_untouched(f, KEEL_ERR_PERM);
    /* an empty file is a new database */
    fresh_file(f, "", 0, 0600);
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)), KEEL_OK);
}

static void test_damaged_page_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char buf[16384];
    long n;
    int fd;

    for (int i = 0; i < 20; i++)
        assert_int_equal(keeld_lock_set(f->lock, i & 1, KEELD_SRC_API, NULL), KEEL_OK);
    keeld_lock_close(f->lock); /* checkpoints the WAL into the file */
    f->lock = NULL;
    n = file_bytes(f->db, buf, sizeof(buf));
    assert_true(n > 4096);
    /* scribble over the second page (a table's b-tree page) */
    memset(buf + 4096 + 8, 0xa5, 200);
    fd = open(f->db, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, (size_t)n), (ssize_t)n);
    close(fd);
    refused_untouched(f, KEEL_ERR_PARSE);
}

/* PINs exist but the secure store lost their key: refused, naming the record. */
static void test_pin_key_missing(void **state)
{
    struct fixture *f = *state;
    char other[96];
    keel_rot *rot = NULL;
    keel_store *store = NULL;
    struct keeld_lock *l = NULL;
    uint32_t id = 0;

    assert_int_equal(keeld_lock_pin_add(f->lock, "Alice", "482915", 6, &id, NULL), KEEL_OK);
    keeld_lock_close(f->lock);
    f->lock = NULL;
    snprintf(other, sizeof(other), "%s/other", f->dir);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_int_equal(store_make(other, &rot, &store), 0);
    assert_int_equal(keeld_lock_open(f->dir, store, &l, f->err, sizeof(f->err)),
                     KEEL_ERR_NOT_FOUND);
    assert_null(l);
    assert_non_null(strstr(f->err, KEELD_REC_PIN_KEY));
    /* a key of the wrong size is refused too */
    assert_int_equal(keel_store_put(store, KEELD_REC_PIN_KEY, "short", 5), KEEL_OK);
    assert_int_equal(keeld_lock_open(f->dir, store, &l, f->err, sizeof(f->err)), KEEL_ERR_PARSE);
    assert_non_null(strstr(f->err, KEELD_REC_PIN_KEY));
    keel_store_close(store);
    keel_rot_close(rot);
    /* the right store still opens it, and the PIN still works */
    assert_int_equal(keeld_lock_open(f->dir, f->store, &f->lock, f->err, sizeof(f->err)), KEEL_OK);
    uint32_t wait = 0;
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482915", 6, &wait), KEEL_OK);
}

static void test_arguments(void **state)
{
    struct fixture *f = *state;
    struct keeld_lock *l = NULL;
    struct keeld_lock_state st;
    char buf[64];
    uint64_t seq;
    uint32_t w;

    assert_int_equal(keeld_lock_open(NULL, f->store, &l, buf, sizeof(buf)), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_open(f->dir, NULL, &l, buf, sizeof(buf)), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_open("/nonexistent/dir", f->store, &l, buf, sizeof(buf)),
                     KEEL_ERR_IO);
    assert_int_equal(keeld_lock_get(NULL, &st), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_set(NULL, 1, KEELD_SRC_API, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, NULL, 3, &w), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_keypad_pin(f->lock, "482915", 6, NULL), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_outbox_peek(NULL, &seq, buf, sizeof(buf)), KEEL_ERR_ARG);
    assert_int_equal(keeld_lock_outbox_done(NULL, 1), KEEL_ERR_ARG);
    keeld_lock_close(NULL);
    assert_string_equal(keeld_lock_source_name(KEELD_SRC_KEYPAD), "keypad");
    assert_string_equal(keeld_lock_source_name(KEELD_SRC_BUTTON), "button");
    assert_string_equal(keeld_lock_source_name(KEELD_SRC_API), "api");
    assert_string_equal(keeld_lock_source_name(KEELD_SRC_CLOUD), "cloud");
    assert_string_equal(keeld_lock_source_name(KEELD_SRC_SYSTEM), "system");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_and_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_unlock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_door_battery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_add_verify_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pins_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keypad_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unclean_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_shapes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_page_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pin_key_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
