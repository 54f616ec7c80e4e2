/* keel monitor's detector (apps/keel/monitor*.c, 5.10-1) driven with its own clock: each rule
 * fires at its threshold and not below it, at most once per device and kind per window, on
 * the device named in the event; baselines learn before they judge; repeats of a seq count
 * once; the device table stays within its capacity by forgetting the longest idle device;
 * malformed messages are counted and logged sparingly; alerts are the documented JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "monitor.h"

#define ALERTS_MAX 64
#define WINDOW_MS 10000 /* the tests' window: 10 s, buckets of 1 s */

static struct monitor_alert got[ALERTS_MAX];
static size_t ngot;
static uint64_t seqs[4096];

static void collect(const struct monitor_alert *a, void *user)
{
    (void)user;
    assert_true(ngot < ALERTS_MAX);
    got[ngot++] = *a;
}

static void start(struct monitor_detector *d, struct monitor_rules *r)
{
    r->window_s = WINDOW_MS / 1000;
    assert_int_equal(monitor_detector_init(d, r, collect, NULL), KEEL_OK);
    ngot = 0;
    memset(seqs, 0, sizeof(seqs));
}

static void start_default(struct monitor_detector *d)
{
    struct monitor_rules r;

    monitor_rules_default(&r);
    start(d, &r);
}

/* The pseudonym of test device i. */
static const char *dev(unsigned i)
{
    static char p[8][KEEL_EVENT_PSEUDONYM_HEX + 1];
    static unsigned next;
    char *out = p[next++ % 8];

    snprintf(out, KEEL_EVENT_PSEUDONYM_HEX + 1, "%08x%024x", i * 2654435761u, i);
    return out;
}

/* Device i sends event name with firmware fw at t ms; its seqs count up by themselves. */
static int send_fw(struct monitor_detector *d, unsigned i, const char *name, const char *fw,
                   int64_t t)
{
    keel_event e;

    memset(&e, 0, sizeof(e));
    e.seq = ++seqs[i % 4096];
    assert_int_equal(keel_str_copy(e.time, sizeof(e.time), "2026-11-22T06:00:00Z"), KEEL_OK);
    assert_int_equal(keel_str_copy(e.event, sizeof(e.event), name), KEEL_OK);
    assert_int_equal(keel_str_copy(e.source, sizeof(e.source), "api"), KEEL_OK);
    assert_int_equal(keel_str_copy(e.device, sizeof(e.device), dev(i)), KEEL_OK);
    assert_int_equal(keel_str_copy(e.firmware, sizeof(e.firmware), fw), KEEL_OK);
    return monitor_detector_event(d, &e, t);
}

static int send(struct monitor_detector *d, unsigned i, const char *name, int64_t t)
{
    return send_fw(d, i, name, "1.0.0", t);
}

static size_t count_kind(enum monitor_kind k, const char *device)
{
    size_t n = 0;

    for (size_t i = 0; i < ngot; i++)
        if (got[i].kind == k && (device == NULL || strcmp(got[i].device, device) == 0))
            n++;
    return n;
}

static void test_brute_force(void **state)
{
    struct monitor_detector d;
    (void)state;
    start_default(&d);
    for (int i = 0; i < 9; i++)
        send(&d, 1, i % 2 ? "auth.failure" : "pin_rejected", 1000 + i * 100);
    send(&d, 2, "auth.failure", 1950); /* another device's failure is not device 1's */
    send(&d, 1, "auth.lockout", 1960); /* a lockout is not a failure */
    assert_int_equal(ngot, 0);
    send(&d, 1, "auth.failure", 2000); /* the tenth */
    assert_int_equal(ngot, 1);
    assert_int_equal(got[0].kind, MONITOR_BRUTE_FORCE);
    assert_string_equal(got[0].device, dev(1));
    assert_int_equal(got[0].count, 10);
    assert_non_null(strstr(got[0].detail, "10 authentication failures in 10 s"));
    for (int i = 0; i < 50; i++) /* the burst goes on: no flood of alerts */
        send(&d, 1, "auth.failure", 2100 + i * 100);
    assert_int_equal(ngot, 1);
    /* a window later it is raised again, once */
    for (int i = 0; i < 20; i++)
        send(&d, 1, "auth.failure", 12500 + i * 10);
    assert_int_equal(count_kind(MONITOR_BRUTE_FORCE, dev(1)), 2);
    assert_int_equal(count_kind(MONITOR_BRUTE_FORCE, dev(2)), 0);
    monitor_detector_free(&d);
}

static void test_window_slides(void **state)
{
    struct monitor_detector d;
    (void)state;
    /* one failure every 1.2 s: never 10 within any 10 s */
    start_default(&d);
    for (int i = 0; i < 40; i++)
        send(&d, 3, "auth.failure", 5000 + i * 1200);
    assert_int_equal(ngot, 0);
    monitor_detector_free(&d);
    /* one every 0.9 s: 10 within 10 s, across bucket and round-second boundaries */
    start_default(&d);
    for (int i = 0; i < 10; i++)
        send(&d, 3, "auth.failure", 5500 + i * 900);
    assert_int_equal(count_kind(MONITOR_BRUTE_FORCE, dev(3)), 1);
    monitor_detector_free(&d);
}

static void test_firmware(void **state)
{
    struct monitor_detector d;
    struct monitor_rules r;
    (void)state;
    monitor_rules_default(&r);
    assert_int_equal(monitor_firmware_list_parse("1.0.0,1.1.0", &r), KEEL_OK);
    start(&d, &r);
    send_fw(&d, 1, "unlocked", "1.0.0", 100);
    send_fw(&d, 1, "update.installed", "1.1.0", 200); /* an upgrade within the list */
    send_fw(&d, 2, "unlocked", "9.9.9", 300);         /* not in the list */
    send_fw(&d, 3, "link.up", "1.1.0", 400);
    send_fw(&d, 3, "unlocked", "1.0.0", 500); /* down, although both are in the list */
    assert_int_equal(ngot, 2);
    assert_int_equal(count_kind(MONITOR_UNEXPECTED_FIRMWARE, dev(2)), 1);
    assert_int_equal(count_kind(MONITOR_UNEXPECTED_FIRMWARE, dev(3)), 1);
    assert_non_null(strstr(got[0].detail, "9.9.9 is not one of the 2 expected"));
    assert_non_null(strstr(got[1].detail, "went down from 1.1.0 to 1.0.0"));
    send_fw(&d, 3, "unlocked", "1.0.0", 600); /* it stays at 1.0.0: no new downgrade */
    send_fw(&d, 2, "unlocked", "9.9.9", 700); /* quiet for a window */
    assert_int_equal(ngot, 2);
    send_fw(&d, 2, "unlocked", "9.9.9", 10700);
    assert_int_equal(count_kind(MONITOR_UNEXPECTED_FIRMWARE, dev(2)), 2);
    monitor_detector_free(&d);
    /* without a list only downgrades count; a non-version orders below every version */
    start_default(&d);
    send_fw(&d, 4, "unlocked", "2.0.0", 100);
    send_fw(&d, 4, "unlocked", "2.0.1", 200);
    send_fw(&d, 5, "unlocked", "1.10.0", 300);
    send_fw(&d, 5, "unlocked", "1.9.9", 400);
    send_fw(&d, 6, "unlocked", "1.0.0", 500);
    send_fw(&d, 6, "unlocked", "evil", 600);
    assert_int_equal(ngot, 2);
    assert_int_equal(count_kind(MONITOR_UNEXPECTED_FIRMWARE, dev(5)), 1);
    assert_int_equal(count_kind(MONITOR_UNEXPECTED_FIRMWARE, dev(6)), 1);
    monitor_detector_free(&d);
}

static void test_firmware_list(void **state)
{
    struct monitor_rules r;
    char many[MONITOR_FIRMWARE_MAX * 3 + 8] = "";
    (void)state;
    monitor_rules_default(&r);
    assert_int_equal(monitor_firmware_list_parse("1.0.0", &r), KEEL_OK);
    assert_int_equal(r.nfirmware, 1);
    assert_true(monitor_firmware_expected(&r, "1.0.0"));
    assert_false(monitor_firmware_expected(&r, "1.0"));
    assert_int_equal(monitor_firmware_list_parse("1.0.0,,2", &r), KEEL_ERR_PARSE);
    assert_int_equal(monitor_firmware_list_parse("1.0.0,", &r), KEEL_ERR_PARSE);
    assert_int_equal(monitor_firmware_list_parse("", &r), KEEL_ERR_PARSE);
    assert_int_equal(monitor_firmware_list_parse("1.0 0", &r), KEEL_ERR_PARSE);
    assert_int_equal(monitor_firmware_list_parse("a23456789012345678901234567890123", &r),
                     KEEL_ERR_PARSE);
    for (unsigned i = 0; i < MONITOR_FIRMWARE_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s%u", i ? "," : "", i % 10);
    assert_int_equal(monitor_firmware_list_parse(many, &r), KEEL_OK);
    assert_int_equal(r.nfirmware, MONITOR_FIRMWARE_MAX);
    snprintf(many + strlen(many), sizeof(many) - strlen(many), ",1");
    assert_int_equal(monitor_firmware_list_parse(many, &r), KEEL_ERR_PARSE);
}

static void test_integrity_and_storm(void **state)
{
    struct monitor_detector d;
    (void)state;
    start_default(&d);
    send(&d, 7, "integrity.failed", 100);
    send(&d, 7, "integrity.failed", 200);
    assert_int_equal(count_kind(MONITOR_INTEGRITY, dev(7)), 1);
    for (int i = 0; i < 9; i++)
        send(&d, 8, "link.up", 300 + i * 500);
    assert_int_equal(count_kind(MONITOR_RECONNECT_STORM, NULL), 0);
    send(&d, 8, "link.up", 5000);
    assert_int_equal(count_kind(MONITOR_RECONNECT_STORM, dev(8)), 1);
    assert_int_equal(got[ngot - 1].count, 10);
    assert_int_equal(ngot, 2);
    monitor_detector_free(&d);
}

static void test_rate(void **state)
{
    struct monitor_detector d;
    struct monitor_rules r;
    int64_t t = 0;
    (void)state;
    start_default(&d);
    /* device 9: one event every 2 s for three windows, a baseline of 5 a window */
    for (; t < 30000; t += 2000)
        send(&d, 9, "unlocked", t);
    /* 30 more within a second: 34 in the window, above the floor but not 8 times 5 */
    for (int i = 0; i < 30; i++)
        send(&d, 9, i % 2 ? "locked" : "unlocked", t + i * 20);
    assert_int_equal(count_kind(MONITOR_RATE, NULL), 0);
    for (int i = 0; i < 20; i++) /* 54: far above */
        send(&d, 9, "unlocked", t + 700 + i * 10);
    assert_int_equal(count_kind(MONITOR_RATE, dev(9)), 1);
    assert_true(got[ngot - 1].count >= 40 && got[ngot - 1].count < 45);
    assert_non_null(strstr(got[ngot - 1].detail, "against a baseline of 5.0"));
    monitor_detector_free(&d);
    /* a new device is learnt for a window first; and the floor holds for quiet devices */
    start_default(&d);
    for (int i = 0; i < 100; i++)
        send(&d, 10, "unlocked", 1000 + i * 10);
    send(&d, 11, "unlocked", 20000);
    for (int i = 0; i < 28; i++) /* 29 in a window: below the floor of 30 */
        send(&d, 11, "unlocked", 40000 + i * 10);
    assert_int_equal(count_kind(MONITOR_RATE, NULL), 0);
    monitor_detector_free(&d);
    /* the floor is an option */
    monitor_rules_default(&r);
    r.rate_floor = 5;
    start(&d, &r);
    send(&d, 12, "unlocked", 0);
    for (int i = 0; i < 5; i++)
        send(&d, 12, "unlocked", 40000 + i);
    assert_int_equal(count_kind(MONITOR_RATE, dev(12)), 1);
    monitor_detector_free(&d);
}

static void test_fleet_rate(void **state)
{
    struct monitor_detector d;
    int64_t t;
    (void)state;
    start_default(&d);
    /* 200 devices, each failing a login once every 20 s: 100 failures a window fleet-wide,
     * and at the start a burst of 200 that the warm-up must not take for an anomaly */
    for (unsigned i = 0; i < 200; i++)
        send(&d, 100 + i, "auth.failure", i);
    for (t = 1000; t < 60000; t += 100)
        send(&d, 100 + (unsigned)(t / 100) % 200, "auth.failure", t);
    assert_int_equal(ngot, 0);
    /* a campaign spread thin: 3 failures on each of 300 devices within 3 s */
    for (unsigned i = 0; i < 900; i++)
        send(&d, 400 + i % 300, "pin_rejected", t + (int64_t)i * 3);
    assert_int_equal(count_kind(MONITOR_FLEET_RATE, NULL), 1);
    assert_int_equal(count_kind(MONITOR_BRUTE_FORCE, NULL), 0);
    assert_string_equal(got[0].device, "");
    assert_non_null(strstr(got[0].detail, "auth_failure: "));
    assert_true(got[0].count > 400);
    monitor_detector_free(&d);
}

static void test_repeats(void **state)
{
    struct monitor_detector d;
    keel_event e;
    (void)state;
    start_default(&d);
    memset(&e, 0, sizeof(e));
    assert_int_equal(keel_str_copy(e.time, sizeof(e.time), "2026-11-22T06:00:00Z"), KEEL_OK);
    assert_int_equal(keel_str_copy(e.event, sizeof(e.event), "auth.failure"), KEEL_OK);
    assert_int_equal(keel_str_copy(e.source, sizeof(e.source), "api"), KEEL_OK);
    assert_int_equal(keel_str_copy(e.device, sizeof(e.device), dev(20)), KEEL_OK);
    assert_int_equal(keel_str_copy(e.firmware, sizeof(e.firmware), "1"), KEEL_OK);
    e.seq = 100;
    for (int i = 0; i < 20; i++) /* one failure delivered twenty times */
        assert_int_equal(monitor_detector_event(&d, &e, 100 + i), i == 0);
    e.seq = 98; /* late, but new */
    assert_int_equal(monitor_detector_event(&d, &e, 200), 1);
    assert_int_equal(monitor_detector_event(&d, &e, 201), 0);
    e.seq = 200;
    assert_int_equal(monitor_detector_event(&d, &e, 300), 1);
    e.seq = 100; /* 100 back: too old to tell, counted */
    assert_int_equal(monitor_detector_event(&d, &e, 400), 1);
    assert_int_equal(d.counters.events, 4);
    assert_int_equal(d.counters.duplicates, 20);
    assert_int_equal(d.counters.messages, 24);
    assert_int_equal(ngot, 0);
    monitor_detector_free(&d);
}

static void test_table_bounded(void **state)
{
    struct monitor_table t;
    int fresh;
    (void)state;
    assert_int_equal(monitor_table_init(&t, 3), KEEL_OK);
    assert_non_null(monitor_table_get(&t, dev(1), &fresh));
    assert_true(fresh);
    assert_non_null(monitor_table_get(&t, dev(2), &fresh));
    assert_non_null(monitor_table_get(&t, dev(3), &fresh));
    monitor_table_get(&t, dev(1), &fresh); /* seen again: 2 is now the longest idle */
    assert_false(fresh);
    monitor_table_get(&t, dev(4), &fresh);
    assert_true(fresh);
    assert_int_equal(t.used, 3);
    assert_int_equal(t.evicted, 1);
    assert_null(monitor_table_find(&t, dev(2), 0));
    assert_non_null(monitor_table_find(&t, dev(1), 0));
    assert_non_null(monitor_table_find(&t, dev(3), 0));
    assert_non_null(monitor_table_find(&t, dev(4), 0));
    assert_null(monitor_table_get(&t, "not a pseudonym", &fresh));
    monitor_table_free(&t);
    monitor_table_free(NULL);
    assert_int_equal(monitor_table_init(&t, 0), KEEL_ERR_ARG);
    /* many more devices than room: always exactly the last 100 seen are kept */
    assert_int_equal(monitor_table_init(&t, 100), KEEL_OK);
    for (unsigned i = 0; i < 5000; i++) {
        assert_non_null(monitor_table_get(&t, dev(i), &fresh));
        assert_true(fresh);
    }
    assert_int_equal(t.used, 100);
    assert_int_equal(t.evicted, 4900);
    for (unsigned i = 0; i < 5000; i++)
        assert_int_equal(monitor_table_find(&t, dev(i), 0) != NULL, i >= 4900);
    monitor_table_free(&t);
}

static void test_evicted_device_starts_afresh(void **state)
{
    struct monitor_detector d;
    struct monitor_rules r;
    (void)state;
    monitor_rules_default(&r);
    r.devices_max = 2;
    start(&d, &r);
    for (int i = 0; i < 9; i++)
        send(&d, 30, "auth.failure", i);
    send(&d, 31, "unlocked", 10);
    send(&d, 32, "unlocked", 11); /* 30 is forgotten */
    send(&d, 30, "auth.failure", 12);
    assert_int_equal(ngot, 0);
    assert_int_equal(d.table.evicted, 2);
    monitor_detector_free(&d);
}

static void test_malformed(void **state)
{
    struct monitor_detector d;
    char named[256];
    (void)state;
    start_default(&d);
    send(&d, 40, "unlocked", 0);
    snprintf(named, sizeof(named), "{\"device\":\"%s\",\"name\":\"Alice\"}", dev(40));
    assert_int_equal(monitor_detector_malformed(&d, named, strlen(named), 100), 1);
    assert_int_equal(monitor_detector_malformed(&d, named, strlen(named), 200), 0);
    assert_int_equal(monitor_detector_malformed(&d, "garbage", 7, 300), 1);
    assert_int_equal(monitor_detector_malformed(&d, "{}", 2, 400), 0);
    assert_int_equal(monitor_detector_malformed(&d, NULL, 0, 500), 0);
    assert_int_equal(monitor_detector_malformed(&d, "{}", 2, 10300), 1); /* a window on */
    assert_int_equal(d.counters.malformed, 6);
    assert_int_equal(d.counters.messages, 7);
    assert_int_equal(d.counters.events, 1);
    assert_int_equal(ngot, 0);
    monitor_detector_free(&d);
}

static void test_alert_json(void **state)
{
    struct monitor_alert a = {.kind = MONITOR_BRUTE_FORCE, .count = 12};
    char out[512];
    cJSON *o;
    (void)state;
    snprintf(a.device, sizeof(a.device), "%s", dev(50));
    snprintf(a.detail, sizeof(a.detail), "12 authentication failures in 60 s (threshold 10)");
    assert_int_equal(monitor_alert_json(&a, out, sizeof(out)), KEEL_OK);
    o = cJSON_Parse(out);
    assert_non_null(o);
    assert_int_equal(cJSON_GetArraySize(o), 5);
    assert_string_equal(cJSON_GetObjectItem(o, "device")->valuestring, dev(50));
    assert_string_equal(cJSON_GetObjectItem(o, "kind")->valuestring, "brute_force");
    assert_int_equal(cJSON_GetObjectItem(o, "count")->valuedouble, 12);
    assert_int_equal(strlen(cJSON_GetObjectItem(o, "time")->valuestring), 20);
    assert_non_null(strstr(cJSON_GetObjectItem(o, "detail")->valuestring, "threshold 10"));
    cJSON_Delete(o);
    a.kind = MONITOR_FLEET_RATE;
    a.device[0] = '\0';
    assert_int_equal(monitor_alert_json(&a, out, sizeof(out)), KEEL_OK);
    o = cJSON_Parse(out);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "device")));
    assert_string_equal(cJSON_GetObjectItem(o, "kind")->valuestring, "fleet_rate");
    cJSON_Delete(o);
    assert_int_equal(monitor_alert_json(&a, out, 16), KEEL_ERR_RANGE);
    a.kind = MONITOR_KINDS;
    assert_int_equal(monitor_alert_json(&a, out, sizeof(out)), KEEL_ERR_ARG);
    assert_null(monitor_kind_name(MONITOR_KINDS));
    assert_string_equal(monitor_kind_name(MONITOR_RECONNECT_STORM), "reconnect_storm");
}

static void test_baseline(void **state)
{
    struct monitor_ewma e = {0};
    (void)state;
    monitor_ewma_add(&e, 10, 4);
    assert_true(e.mean == 10.0); /* learns from the first value, not from zero */
    monitor_ewma_add(&e, 20, 4);
    assert_true(e.mean == 15.0); /* a plain mean while learning */
    monitor_ewma_add(&e, 0, 4);
    monitor_ewma_add(&e, 0, 4);
    assert_true(e.mean == 7.5);
    monitor_ewma_add(&e, 7.5 + 4 * 10, 4); /* then moving: weight 1/4 */
    assert_true(e.mean == 17.5);
    assert_true(monitor_ewma_cap(&e) == 35.0); /* a bucket adds at most twice the mean */
    e.mean = 0.1;
    assert_true(monitor_ewma_cap(&e) == 1.0); /* or one event */
    e.mean = 17.5;
    monitor_ewma_idle(&e, 1000000, 4);
    assert_true(e.mean == 0.0);
    assert_int_equal(e.n, 5 + 1000000);
}

static void test_rules_checked(void **state)
{
    struct monitor_detector d;
    struct monitor_rules r;
    (void)state;
    monitor_rules_default(&r);
    r.brute_min = 0;
    assert_int_equal(monitor_detector_init(&d, &r, collect, NULL), KEEL_ERR_ARG);
    monitor_rules_default(&r);
    r.window_s = 0;
    assert_int_equal(monitor_detector_init(&d, &r, collect, NULL), KEEL_ERR_ARG);
    monitor_rules_default(&r);
    r.devices_max = MONITOR_DEVICES_MAX + 1;
    assert_int_equal(monitor_detector_init(&d, &r, collect, NULL), KEEL_ERR_ARG);
    assert_int_equal(monitor_detector_init(NULL, &r, collect, NULL), KEEL_ERR_ARG);
    monitor_detector_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_window_slides),
        cmocka_unit_test(test_firmware),
        cmocka_unit_test(test_firmware_list),
        cmocka_unit_test(test_integrity_and_storm),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_fleet_rate),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_table_bounded),
        cmocka_unit_test(test_evicted_device_starts_afresh),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_alert_json),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_rules_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
