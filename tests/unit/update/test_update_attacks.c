/*
 * The attacks of TUF's threat catalogue against a keel device (5.3-2, 5.3-7, 5.3-9, 5.3-10).
 *
 * Each test builds a hostile repository with test_repo, points a device at it and checks
 * that the device refuses it with the specific error, through the client workflow
 * (keel_update_refresh) and through the whole agent (keel_update_agent_check with install
 * on); that neither slot changed and the boot environment still boots slot a with no trial
 * (for attacks caught while downloading: slot a unchanged, slot b at most the signed
 * length, no trial); and that the trusted metadata kept exactly what was valid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "keel/update.h"
#include "repo.h"

#define NOW ((int64_t)1780272000) /* 2026-06-01T00:00:00Z */
#define HWID "keel-lock-r1"
#define IMAGE_LEN 4096u
#define FACTORY "lock-1.0.0.bin"

#define ROOT KEEL_UPDATE_ROLE_ROOT
#define TARGETS KEEL_UPDATE_ROLE_TARGETS
#define SNAPSHOT KEEL_UPDATE_ROLE_SNAPSHOT
#define TIMESTAMP KEEL_UPDATE_ROLE_TIMESTAMP

typedef struct world {
    char tmp[64];
    char repo_dir[128];
    char dev_dir[128];
    test_repo repo;
    test_device dev;
    test_slots slots; /* both slots as the factory left them */
} world;

/* ---- The world: a repository publishing the factory image and a device running it ---- */

static void image(uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i * 31u + (i >> 8));
}

static void add_image(world *w, const char *name, uint8_t seed, const char *hwid,
                      const char *version, uint64_t secver)
{
    uint8_t bytes[IMAGE_LEN];

    image(bytes, sizeof(bytes), seed);
    assert_int_equal(
        test_repo_add_target(&w->repo, name, bytes, sizeof(bytes), hwid, version, secver), KEEL_OK);
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));

    if (w == NULL || test_tempdir(w->tmp, sizeof(w->tmp)) != KEEL_OK)
        return -1;
    snprintf(w->repo_dir, sizeof(w->repo_dir), "%s/repo", w->tmp);
    snprintf(w->dev_dir, sizeof(w->dev_dir), "%s/device", w->tmp);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;

    test_device_free(&w->dev);
    test_repo_free(&w->repo);
    test_rmtree(w->tmp);
    free(w);
    return 0;
}

/* Repository v1 with the factory image (security version 1), a device trusting it. */
static void world_up(world *w, const test_repo_shape *shape)
{
    assert_int_equal(test_repo_init(&w->repo, w->repo_dir, NOW, shape), KEEL_OK);
    add_image(w, FACTORY, 1, HWID, "1.0.0", 1);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    assert_int_equal(test_device_init(&w->dev, &w->repo, w->dev_dir, HWID, FACTORY, NOW), KEEL_OK);
    assert_int_equal(test_device_slots(&w->dev, &w->slots), KEEL_OK);
}

/* ---- What the device must show ---- */

static void expect_trusted(world *w, uint64_t root, uint64_t targets, uint64_t snapshot,
                           uint64_t timestamp)
{
    uint64_t v[KEEL_UPDATE_ROLES];

    assert_int_equal(test_device_trusted(&w->dev, v), KEEL_OK);
    assert_int_equal(v[ROOT], root);
    assert_int_equal(v[TARGETS], targets);
    assert_int_equal(v[SNAPSHOT], snapshot);
    assert_int_equal(v[TIMESTAMP], timestamp);
}

static void expect_boot(world *w, char primary, char trial, char booted)
{
    keel_update_boot_state st;

    assert_int_equal(keel_update_boot_read(w->dev.boot, &st), KEEL_OK);
    assert_int_equal(st.primary, primary);
    assert_int_equal(st.trial, trial);
    assert_int_equal(st.booted, booted);
}

/* Both slots exactly as before, slot a booted, no trial. */
static void expect_untouched(world *w, const test_slots *before)
{
    test_slots now;

    assert_int_equal(test_device_slots(&w->dev, &now), KEEL_OK);
    assert_memory_equal(now.a, before->a, sizeof(now.a));
    assert_memory_equal(now.b, before->b, sizeof(now.b));
    assert_int_equal(now.a_len, before->a_len);
    assert_int_equal(now.b_len, before->b_len);
    expect_boot(w, 'a', 0, 'a');
}

/* Caught while downloading into slot b: slot a as before, slot b no longer than the signed
 * length, slot a still booted with no trial. */
static void expect_download_refused(world *w, uint64_t signed_length)
{
    test_slots now;

    assert_int_equal(test_device_slots(&w->dev, &now), KEEL_OK);
    assert_memory_equal(now.a, w->slots.a, sizeof(now.a));
    assert_int_equal(now.a_len, w->slots.a_len);
    assert_true(now.b_len <= signed_length);
    expect_boot(w, 'a', 0, 'a');
}

static void expect_refresh(world *w, keel_err want)
{
    assert_int_equal(keel_update_refresh(w->dev.trust, w->dev.fetcher, NOW, NULL), want);
}

/* The whole agent, allowed to install, refuses with want. */
static void expect_agent_refused(world *w, keel_err want)
{
    keel_update_report report;

    memset(&report, 0, sizeof(report));
    assert_int_equal(keel_update_agent_check(&w->dev.cfg, NOW, 1, &report), want);
    assert_int_equal(report.outcome, KEEL_UPDATE_REFUSED);
    assert_int_equal(report.error, want);
}

/* A metadata attack: refused by the client workflow and by the agent, nothing installed. */
static void expect_refused(world *w, keel_err want)
{
    expect_refresh(w, want);
    expect_agent_refused(w, want);
    expect_untouched(w, &w->slots);
}

static keel_update_outcome agent_check(world *w, keel_update_report *report)
{
    memset(report, 0, sizeof(*report));
    assert_int_equal(keel_update_agent_check(&w->dev.cfg, NOW, 1, report), KEEL_OK);
    return report->outcome;
}

/* The trusted copy of target name (the test fails if there is none). */
static void trusted_target(world *w, const char *name, keel_update_target *out)
{
    keel_update_targets t;
    int found = 0;

    memset(&t, 0, sizeof(t));
    assert_int_equal(keel_update_trust_targets(w->dev.trust, &t), KEEL_OK);
    for (size_t i = 0; i < t.ntargets; i++)
        if (strcmp(t.targets[i].name, name) == 0) {
            *out = t.targets[i];
            found = 1;
        }
    keel_update_targets_free(&t);
    assert_true(found);
}

/* ---- Helpers that build hostile files ---- */

static char *saved(world *w, keel_update_role role, size_t *len)
{
    char *copy = NULL;

    assert_int_equal(test_repo_read(&w->repo, test_repo_file(role), &copy, len), KEEL_OK);
    return copy;
}

static void serve(world *w, keel_update_role role, const char *bytes, size_t len)
{
    assert_int_equal(test_repo_write(&w->repo, test_repo_file(role), bytes, len), KEEL_OK);
}

/* The first member called name anywhere in the tree under node (depth first), or NULL;
 * *parent receives the object holding it. */
static cJSON *find_member(cJSON *node, const char *name, cJSON **parent)
{
    cJSON *child;

    cJSON_ArrayForEach(child, node)
    {
        cJSON *hit;
        if (child->string != NULL && strcmp(child->string, name) == 0) {
            *parent = node;
            return child;
        }
        hit = find_member(child, name, parent);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

/* Role's last published document, parsed. */
static cJSON *published_doc(world *w, keel_update_role role)
{
    const test_repo_role *rr = &w->repo.roles[role];
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    cJSON *doc;

    assert_int_equal(
        keel_update_envelope_payload(rr->envelope, rr->envelope_len, &payload, &payload_len),
        KEEL_OK);
    doc = cJSON_ParseWithLength((const char *)payload, payload_len);
    assert_non_null(doc);
    free(payload);
    return doc;
}

/* doc (freed) sealed by role's keys: well signed, whatever it says. */
static char *resealed(world *w, keel_update_role role, cJSON *doc, size_t *len)
{
    const test_repo_role *rr = &w->repo.roles[role];
    char *text = cJSON_PrintUnformatted(doc), *env = NULL;

    assert_non_null(text);
    assert_int_equal(test_repo_seal(text, strlen(text), rr->keys, rr->nkeys, &env, len), KEEL_OK);
    cJSON_free(text);
    cJSON_Delete(doc);
    return env;
}

/* Role's last published document with the member field replaced by value (taken), sealed
 * again by role's keys: well signed, badly typed. */
static char *resealed_with(world *w, keel_update_role role, const char *field, cJSON *value,
                           size_t *len)
{
    cJSON *doc = published_doc(w, role), *member, *parent = NULL;

    member = find_member(doc, field, &parent);
    assert_non_null(member); /* the document has such a field */
    assert_true(cJSON_ReplaceItemViaPointer(parent, member, value));
    return resealed(w, role, doc, len);
}

/* ---- The positive path ---- */

static void test_good_update_installs(void **state)
{
    world *w = *state;
    keel_update_report report;
    keel_update_target t;
    test_slots now;

    world_up(w, NULL);
    expect_boot(w, 'a', 0, 'a');
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    assert_int_equal(agent_check(w, &report), KEEL_UPDATE_INSTALLED);
    assert_int_equal(report.slot, 'b');
    assert_string_equal(report.target.name, "lock-2.0.0.bin");
    expect_boot(w, 'a', 'b', 'a');
    trusted_target(w, "lock-2.0.0.bin", &t);
    assert_int_equal(keel_update_slot_verify(w->dev.slot_b, &t), KEEL_OK);
    assert_int_equal(test_device_slots(&w->dev, &now), KEEL_OK);
    assert_memory_equal(now.a, w->slots.a, sizeof(now.a));
    expect_trusted(w, 1, 2, 2, 2);
}

/* ---- 1. Arbitrary software ---- */

static void test_arbitrary_software_foreign_key(void **state)
{
    world *w = *state;
    EVP_PKEY *foreign;

    world_up(w, NULL);
    foreign = test_repo_key_new(&w->repo);
    assert_non_null(foreign);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_sign_with(&w->repo, TARGETS, &foreign, 1), KEEL_OK);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_UNSIGNED);
    /* timestamp and snapshot were valid and are kept; the targets are not */
    expect_trusted(w, 1, 1, 2, 2);
}

static void test_arbitrary_software_unsigned(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_sign_with(&w->repo, TARGETS, NULL, 0), KEEL_OK);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_UNSIGNED);
    expect_trusted(w, 1, 1, 2, 2);
}

static void test_arbitrary_software_image_replaced(void **state)
{
    world *w = *state;
    uint8_t evil[IMAGE_LEN];

    world_up(w, NULL);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    /* same length, other bytes, metadata unchanged */
    image(evil, sizeof(evil), 0x66);
    assert_int_equal(test_repo_write(&w->repo, "targets/lock-2.0.0.bin", evil, sizeof(evil)),
                     KEEL_OK);
    expect_refresh(w, KEEL_OK);
    expect_agent_refused(w, KEEL_ERR_UPDATE_HASH);
    expect_download_refused(w, IMAGE_LEN);
    expect_trusted(w, 1, 2, 2, 2);
}

/* ---- 2. Wrong key ---- */

static void test_wrong_key_timestamp_signed_by_targets_key(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    assert_int_equal(test_repo_sign_with(&w->repo, TIMESTAMP, w->repo.roles[TARGETS].keys,
                                         w->repo.roles[TARGETS].nkeys),
                     KEEL_OK);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_UNSIGNED);
    expect_trusted(w, 1, 1, 1, 1);
}

/* ---- 3. Signatures below the threshold ---- */

static void test_threshold_one_of_two(void **state)
{
    world *w = *state;
    test_repo_shape shape = {{1, 2, 1, 1}, {1, 2, 1, 1}};
    EVP_PKEY *twice[2];

    world_up(w, &shape); /* the factory targets carry both signatures */
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_sign_with(&w->repo, TARGETS, w->repo.roles[TARGETS].keys, 1),
                     KEEL_OK);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_THRESHOLD);
    expect_trusted(w, 1, 1, 2, 2);
    /* one key signing twice is still one signature */
    twice[0] = twice[1] = w->repo.roles[TARGETS].keys[1];
    assert_int_equal(test_repo_sign_with(&w->repo, TARGETS, twice, 2), KEEL_OK);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_THRESHOLD);
    expect_trusted(w, 1, 1, 3, 3);
}

/* ---- 4. Rollback of metadata versions ---- */

/* Publish v2 and v3, the device takes v3; *old receives v2 of role. */
static char *two_releases(world *w, keel_update_role role, size_t *old_len)
{
    char *old;

    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    old = saved(w, role, old_len);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refresh(w, KEEL_OK);
    expect_trusted(w, 1, 3, 3, 3);
    return old;
}

static void test_rollback_timestamp(void **state)
{
    world *w = *state;
    size_t len;
    char *ts2;

    world_up(w, NULL);
    ts2 = two_releases(w, TIMESTAMP, &len);
    serve(w, TIMESTAMP, ts2, len); /* validly signed, but older */
    free(ts2);
    expect_refused(w, KEEL_ERR_UPDATE_ROLLBACK);
    expect_trusted(w, 1, 3, 3, 3);
}

static void test_rollback_snapshot_named_by_timestamp(void **state)
{
    world *w = *state;
    size_t len;
    char *snap2;

    world_up(w, NULL);
    snap2 = two_releases(w, SNAPSHOT, &len);
    /* a new timestamp (v4) names the older snapshot v2 */
    assert_int_equal(test_repo_use_envelope(&w->repo, SNAPSHOT, snap2, len, 2), KEEL_OK);
    free(snap2);
    assert_int_equal(test_repo_publish_role(&w->repo, TIMESTAMP), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_ROLLBACK);
    expect_trusted(w, 1, 3, 3, 3);
}

static void test_rollback_targets_named_by_snapshot(void **state)
{
    world *w = *state;
    size_t len;
    char *targets2;

    world_up(w, NULL);
    targets2 = two_releases(w, TARGETS, &len);
    /* snapshot v4 names the older targets v2 (served too), timestamp v4 names snapshot v4 */
    assert_int_equal(test_repo_use_envelope(&w->repo, TARGETS, targets2, len, 2), KEEL_OK);
    free(targets2);
    assert_int_equal(test_repo_publish_role(&w->repo, SNAPSHOT), KEEL_OK);
    assert_int_equal(test_repo_publish_role(&w->repo, TIMESTAMP), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_ROLLBACK);
    /* the timestamp v4 was valid and is kept; the snapshot and targets are not */
    expect_trusted(w, 1, 3, 3, 4);
}

/* ---- 5. Security-version downgrade ---- */

/* Install lock-2.0.0 (security version 5), reboot into its trial, confirm it. */
static void install_and_confirm(world *w)
{
    keel_update_report report;
    uint64_t floor = 99;

    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 5);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    assert_int_equal(agent_check(w, &report), KEEL_UPDATE_INSTALLED);
    assert_int_equal(keel_update_boot_file_reboot(w->dev.boot_path), KEEL_OK);
    expect_boot(w, 'a', 'b', 'b');
    memset(&report, 0, sizeof(report));
    assert_int_equal(keel_update_agent_boot(&w->dev.cfg, &report), KEEL_OK);
    assert_int_equal(report.outcome, KEEL_UPDATE_TRIAL);
    memset(&report, 0, sizeof(report));
    assert_int_equal(keel_update_agent_confirm(&w->dev.cfg, &report), KEEL_OK);
    assert_int_equal(report.outcome, KEEL_UPDATE_CONFIRMED);
    expect_boot(w, 'b', 0, 'b');
    assert_int_equal(keel_update_floor(&w->dev.cfg, &floor), KEEL_OK);
    assert_int_equal(floor, 5);
}

static void test_security_version_downgrade(void **state)
{
    world *w = *state;
    keel_update_target older;
    const keel_update_target *selected = NULL;
    keel_update_targets trusted;
    test_slots confirmed, now;

    world_up(w, NULL);
    install_and_confirm(w);
    assert_int_equal(test_device_slots(&w->dev, &confirmed), KEEL_OK);
    /* a newer version, validly signed, with a lower security version */
    add_image(w, "lock-3.0.0.bin", 3, HWID, "3.0.0", 3);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refresh(w, KEEL_OK);
    expect_agent_refused(w, KEEL_ERR_UPDATE_DOWNGRADE);
    assert_int_equal(test_device_slots(&w->dev, &now), KEEL_OK);
    assert_memory_equal(&now, &confirmed, sizeof(now));
    expect_boot(w, 'b', 0, 'b');
    trusted_target(w, "lock-3.0.0.bin", &older);
    assert_int_equal(keel_update_target_check(&older, HWID, 5), KEEL_ERR_UPDATE_DOWNGRADE);
    assert_int_equal(keel_update_target_check(&older, HWID, 3), KEEL_OK);
    memset(&trusted, 0, sizeof(trusted));
    assert_int_equal(keel_update_trust_targets(w->dev.trust, &trusted), KEEL_OK);
    assert_int_equal(keel_update_select(&trusted, HWID, 5, &selected), KEEL_ERR_UPDATE_DOWNGRADE);
    keel_update_targets_free(&trusted);
}

/* A trial rejected by its health check: while the rejected slot still runs, the agent must
 * not write the other slot (the good primary); after the restart the rollback is reported,
 * the floor is untouched and the rejected target is not tried again. */
static void test_rejected_trial(void **state)
{
    world *w = *state;
    keel_update_report report;
    test_slots before, now;
    uint64_t floor = 99;

    world_up(w, NULL);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 5);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    assert_int_equal(agent_check(w, &report), KEEL_UPDATE_INSTALLED);
    assert_int_equal(keel_update_boot_file_reboot(w->dev.boot_path), KEEL_OK);
    memset(&report, 0, sizeof(report));
    assert_int_equal(keel_update_agent_boot(&w->dev.cfg, &report), KEEL_OK);
    assert_int_equal(report.outcome, KEEL_UPDATE_TRIAL);
    memset(&report, 0, sizeof(report));
    assert_int_equal(keel_update_agent_reject(&w->dev.cfg, &report), KEEL_OK);
    assert_int_equal(report.outcome, KEEL_UPDATE_ROLLED_BACK);
    expect_boot(w, 'a', 0, 'b');
    /* still on the rejected slot: slot a is the good one and is not written */
    assert_int_equal(test_device_slots(&w->dev, &before), KEEL_OK);
    expect_agent_refused(w, KEEL_ERR_UPDATE_BOOT);
    assert_int_equal(test_device_slots(&w->dev, &now), KEEL_OK);
    assert_memory_equal(&now, &before, sizeof(now));
    /* the restart: back on slot a, the rollback reported, nothing installed again */
    assert_int_equal(keel_update_boot_file_reboot(w->dev.boot_path), KEEL_OK);
    expect_boot(w, 'a', 0, 'a');
    memset(&report, 0, sizeof(report));
    assert_int_equal(keel_update_agent_boot(&w->dev.cfg, &report), KEEL_OK);
    assert_int_equal(report.outcome, KEEL_UPDATE_ROLLED_BACK);
    assert_string_equal(report.target.name, "lock-2.0.0.bin");
    /* the floor follows the confirmed primary (the factory image, 1), not the rejected 5 */
    assert_int_equal(keel_update_floor(&w->dev.cfg, &floor), KEEL_OK);
    assert_int_equal(floor, 1);
    assert_int_equal(agent_check(w, &report), KEEL_UPDATE_NOTHING);
    expect_boot(w, 'a', 0, 'a');
}

/* ---- 6. Indefinite freeze ---- */

static void expired(world *w, keel_update_role role)
{
    world_up(w, NULL);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    test_repo_set_expires(&w->repo, role, NOW - 1);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_EXPIRED);
}

static void test_freeze_expired_timestamp(void **state)
{
    world *w = *state;
    expired(w, TIMESTAMP);
    expect_trusted(w, 1, 1, 1, 1);
}

static void test_freeze_expired_snapshot(void **state)
{
    world *w = *state;
    expired(w, SNAPSHOT);
    expect_trusted(w, 1, 1, 1, 2);
}

static void test_freeze_expired_targets(void **state)
{
    world *w = *state;
    expired(w, TARGETS);
    expect_trusted(w, 1, 1, 2, 2);
}

static void test_freeze_expired_root(void **state)
{
    world *w = *state;
    uint64_t v[KEEL_UPDATE_ROLES];

    world_up(w, NULL);
    test_repo_set_expires(&w->repo, ROOT, NOW - 1);
    assert_int_equal(test_repo_publish_role(&w->repo, ROOT), KEEL_OK);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_EXPIRED);
    /* The validly signed root v2 may be kept (TUF keeps it and then stops on its expiry);
     * nothing past the root is taken. */
    assert_int_equal(test_device_trusted(&w->dev, v), KEEL_OK);
    assert_true(v[ROOT] == 1 || v[ROOT] == 2);
    assert_int_equal(v[TARGETS], 1);
    assert_int_equal(v[SNAPSHOT], 1);
    assert_int_equal(v[TIMESTAMP], 1);
}

/* ---- 7. Fast-forward ---- */

static void test_fast_forward_recovery(void **state)
{
    world *w = *state;
    keel_update_report report;

    world_up(w, NULL);
    /* a stolen timestamp key signs v1000: validly signed, so the device takes it */
    test_repo_set_version(&w->repo, TIMESTAMP, 1000);
    assert_int_equal(test_repo_publish_role(&w->repo, TIMESTAMP), KEEL_OK);
    expect_refresh(w, KEEL_OK);
    expect_trusted(w, 1, 1, 1, 1000);
    /* the repository's own timestamp v2 is now a rollback for the device */
    test_repo_set_version(&w->repo, TIMESTAMP, 2);
    assert_int_equal(test_repo_publish_role(&w->repo, TIMESTAMP), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_ROLLBACK);
    expect_trusted(w, 1, 1, 1, 1000);
    /* recovery: root v2 replaces the timestamp key, the device drops the v1000 */
    assert_int_equal(test_repo_rotate(&w->repo, TIMESTAMP), KEEL_OK);
    test_repo_set_version(&w->repo, TIMESTAMP, 2);
    assert_int_equal(test_repo_publish_role(&w->repo, TIMESTAMP), KEEL_OK);
    expect_refresh(w, KEEL_OK);
    expect_trusted(w, 2, 1, 1, 2);
    assert_int_equal(agent_check(w, &report), KEEL_UPDATE_NOTHING);
    expect_untouched(w, &w->slots);
}

/* ---- 8. Mix-and-match ---- */

static void test_mix_and_match_targets_hash(void **state)
{
    world *w = *state;
    size_t len2, len3;
    char *targets2, *targets3;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    targets2 = saved(w, TARGETS, &len2);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    targets3 = saved(w, TARGETS, &len3);
    assert_true(len2 < len3);          /* within the signed length: the hash must catch it */
    serve(w, TARGETS, targets2, len2); /* signed targets v2 under snapshot v3 */
    free(targets2);
    free(targets3);
    expect_refused(w, KEEL_ERR_UPDATE_MISMATCH);
    expect_trusted(w, 1, 1, 3, 3);
}

static void test_mix_and_match_targets_version(void **state)
{
    world *w = *state;
    size_t len;
    char *targets2;

    world_up(w, NULL);
    w->repo.meta_hashes = 0; /* snapshot names versions only: the version check must hold */
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    targets2 = saved(w, TARGETS, &len);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    serve(w, TARGETS, targets2, len);
    free(targets2);
    expect_refused(w, KEEL_ERR_UPDATE_MISMATCH);
    expect_trusted(w, 1, 1, 3, 3);
}

static void test_mix_and_match_snapshot_hash(void **state)
{
    world *w = *state;
    size_t len2, len3;
    char *snap2, *snap3;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    snap2 = saved(w, SNAPSHOT, &len2);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    snap3 = saved(w, SNAPSHOT, &len3);
    assert_true(len2 <= len3);
    serve(w, SNAPSHOT, snap2, len2); /* signed snapshot v2 under timestamp v3 */
    free(snap2);
    free(snap3);
    expect_refused(w, KEEL_ERR_UPDATE_MISMATCH);
    expect_trusted(w, 1, 1, 1, 3);
}

/* Role re-signed at the same version with other content (a day less to live) and served in
 * place of the one its parent names: same version, same length, only the hash differs. */
static void resign_same_version(world *w, keel_update_role role)
{
    size_t before, after;
    char *named = saved(w, role, &before), *other;

    test_repo_set_version(&w->repo, role, w->repo.roles[role].version);
    test_repo_set_expires(&w->repo, role, w->repo.roles[role].expires - TEST_REPO_DAY);
    assert_int_equal(test_repo_publish_role(&w->repo, role), KEEL_OK);
    other = saved(w, role, &after);
    assert_int_equal(after, before);
    assert_memory_not_equal(other, named, before);
    free(named);
    free(other);
}

static void test_mix_and_match_targets_same_version(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    resign_same_version(w, TARGETS);
    expect_refused(w, KEEL_ERR_UPDATE_MISMATCH);
    expect_trusted(w, 1, 1, 2, 2);
}

static void test_mix_and_match_snapshot_same_version(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    resign_same_version(w, SNAPSHOT);
    expect_refused(w, KEEL_ERR_UPDATE_MISMATCH);
    expect_trusted(w, 1, 1, 1, 2);
}

/* ---- 9. Endless data ---- */

static void test_endless_target(void **state)
{
    world *w = *state;
    size_t len = IMAGE_LEN + 64 * 1024;
    uint8_t *endless = malloc(len);

    assert_non_null(endless);
    world_up(w, NULL);
    add_image(w, "lock-2.0.0.bin", 2, HWID, "2.0.0", 2);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    /* the signed bytes, then more */
    image(endless, IMAGE_LEN, 2);
    memset(endless + IMAGE_LEN, 0x5a, len - IMAGE_LEN);
    assert_int_equal(test_repo_write(&w->repo, "targets/lock-2.0.0.bin", endless, len), KEEL_OK);
    free(endless);
    expect_refresh(w, KEEL_OK);
    expect_agent_refused(w, KEEL_ERR_UPDATE_TOO_LONG);
    expect_download_refused(w, IMAGE_LEN);
    expect_trusted(w, 1, 2, 2, 2);
}

/* The repository file name (a valid envelope) followed by whitespace up to total bytes:
 * still valid JSON, so only a size limit can refuse it. */
static void serve_padded(world *w, const char *name, size_t total)
{
    size_t len;
    char *env = NULL, *big = malloc(total);

    assert_non_null(big);
    assert_int_equal(test_repo_read(&w->repo, name, &env, &len), KEEL_OK);
    assert_true(len < total);
    memcpy(big, env, len);
    memset(big + len, ' ', total - len);
    assert_int_equal(test_repo_write(&w->repo, name, big, total), KEEL_OK);
    free(big);
    free(env);
}

static void test_endless_timestamp(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    serve_padded(w, "timestamp.json", 10u * 1024u * 1024u);
    expect_refused(w, KEEL_ERR_UPDATE_TOO_LONG);
    expect_trusted(w, 1, 1, 1, 1);
}

static void test_endless_snapshot(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    serve_padded(w, "snapshot.json", 2u * KEEL_UPDATE_META_MAX); /* past its signed length too */
    expect_refused(w, KEEL_ERR_UPDATE_TOO_LONG);
    expect_trusted(w, 1, 1, 1, 2);
}

static void test_endless_root(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish_role(&w->repo, ROOT), KEEL_OK);
    serve_padded(w, "2.root.json", 10u * 1024u * 1024u);
    expect_refused(w, KEEL_ERR_UPDATE_TOO_LONG);
    expect_trusted(w, 1, 1, 1, 1);
}

/* ---- 10. Wrong hardware id ---- */

static void test_wrong_hardware(void **state)
{
    world *w = *state;
    keel_update_report report;
    keel_update_target other;
    const keel_update_target *selected = NULL;
    keel_update_targets trusted;

    world_up(w, NULL);
    add_image(w, "lock-9.0.0-other.bin", 9, "other-board", "9.0.0", 9);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    assert_int_equal(agent_check(w, &report), KEEL_UPDATE_NOTHING);
    expect_untouched(w, &w->slots);
    expect_trusted(w, 1, 2, 2, 2);
    trusted_target(w, "lock-9.0.0-other.bin", &other);
    assert_int_equal(keel_update_target_check(&other, HWID, 0), KEEL_ERR_UPDATE_HARDWARE);
    memset(&trusted, 0, sizeof(trusted));
    assert_int_equal(keel_update_trust_targets(w->dev.trust, &trusted), KEEL_OK);
    assert_int_equal(keel_update_select(&trusted, HWID, 0, &selected), KEEL_OK);
    assert_non_null(selected);
    assert_string_equal(selected->name, FACTORY);
    keel_update_targets_free(&trusted);
}

/* ---- 11. Malformed or oversized metadata ---- */

static void test_malformed_garbage(void **state)
{
    world *w = *state;
    uint8_t junk[300];

    world_up(w, NULL);
    image(junk, sizeof(junk), 0x80);
    serve(w, TIMESTAMP, (const char *)junk, sizeof(junk));
    expect_refused(w, KEEL_ERR_PARSE);
    expect_trusted(w, 1, 1, 1, 1);
}

static void test_malformed_truncated(void **state)
{
    world *w = *state;
    size_t len;
    char *ts;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    ts = saved(w, TIMESTAMP, &len);
    serve(w, TIMESTAMP, ts, len / 2);
    free(ts);
    expect_refused(w, KEEL_ERR_PARSE);
    expect_trusted(w, 1, 1, 1, 1);
}

/* The timestamp envelope with one of its own members of the wrong type. */
static void serve_bad_envelope(world *w, const char *member, cJSON *value)
{
    size_t len;
    char *ts = saved(w, TIMESTAMP, &len), *text;
    cJSON *doc = cJSON_ParseWithLength(ts, len);

    assert_non_null(doc);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(doc, member));
    assert_true(cJSON_ReplaceItemInObjectCaseSensitive(doc, member, value));
    text = cJSON_PrintUnformatted(doc);
    assert_non_null(text);
    serve(w, TIMESTAMP, text, strlen(text));
    cJSON_free(text);
    cJSON_Delete(doc);
    free(ts);
}

static void test_malformed_envelope_types(void **state)
{
    world *w = *state;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    serve_bad_envelope(w, "signatures", cJSON_CreateString("none"));
    expect_refused(w, KEEL_ERR_PARSE);
    serve_bad_envelope(w, "payload", cJSON_CreateNumber(5));
    expect_refused(w, KEEL_ERR_PARSE);
    serve_bad_envelope(w, "payloadType", cJSON_CreateString("application/json"));
    expect_refused(w, KEEL_ERR_PARSE);
    expect_trusted(w, 1, 1, 1, 1);
}

/* Well signed, badly typed documents: each refused by the parser after the signature. */
static void test_malformed_signed_types(void **state)
{
    world *w = *state;
    size_t len;
    char *env;

    world_up(w, NULL);
    assert_int_equal(test_repo_publish(&w->repo), KEEL_OK);
    env = resealed_with(w, TIMESTAMP, "version", cJSON_CreateString("2"), &len);
    serve(w, TIMESTAMP, env, len);
    free(env);
    expect_refused(w, KEEL_ERR_PARSE);
    env = resealed_with(w, TIMESTAMP, "expires", cJSON_CreateNumber((double)NOW), &len);
    serve(w, TIMESTAMP, env, len);
    free(env);
    expect_refused(w, KEEL_ERR_PARSE);
    expect_trusted(w, 1, 1, 1, 1);
    /* a target's length as text, in a targets document the snapshot names correctly */
    env = resealed_with(w, TARGETS, "length", cJSON_CreateString("4096"), &len);
    assert_int_equal(test_repo_use_envelope(&w->repo, TARGETS, env, len, 2), KEEL_OK);
    free(env);
    assert_int_equal(test_repo_publish_role(&w->repo, SNAPSHOT), KEEL_OK);
    assert_int_equal(test_repo_publish_role(&w->repo, TIMESTAMP), KEEL_OK);
    expect_refused(w, KEEL_ERR_PARSE);
    expect_trusted(w, 1, 1, 3, 3);
}

/* Targets v2 holding one target more than KEEL_UPDATE_MAX_TARGETS (keel's emitter refuses
 * to write it, so the document is grown by hand), well signed and named by the snapshot. */
static void test_oversized_targets(void **state)
{
    world *w = *state;
    cJSON *doc, *list;
    char name[32], *env;
    size_t len;

    world_up(w, NULL);
    doc = published_doc(w, TARGETS);
    assert_true(cJSON_ReplaceItemInObjectCaseSensitive(doc, "version", cJSON_CreateNumber(2)));
    list = cJSON_GetObjectItemCaseSensitive(doc, "targets");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(list, FACTORY));
    for (unsigned i = 0; i < KEEL_UPDATE_MAX_TARGETS; i++) {
        snprintf(name, sizeof(name), "lock-extra-%u.bin", i);
        assert_true(cJSON_AddItemToObject(
            list, name, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(list, FACTORY), 1)));
    }
    assert_int_equal(cJSON_GetArraySize(list), KEEL_UPDATE_MAX_TARGETS + 1);
    env = resealed(w, TARGETS, doc, &len);
    assert_int_equal(test_repo_use_envelope(&w->repo, TARGETS, env, len, 2), KEEL_OK);
    free(env);
    assert_int_equal(test_repo_publish_role(&w->repo, SNAPSHOT), KEEL_OK);
    assert_int_equal(test_repo_publish_role(&w->repo, TIMESTAMP), KEEL_OK);
    expect_refused(w, KEEL_ERR_TOO_LARGE);
    expect_trusted(w, 1, 1, 2, 2);
}

/* ---- 12. Compromised, then rotated, root key ---- */

static void test_compromised_rotated_root_key(void **state)
{
    world *w = *state;
    EVP_PKEY *k1, *k2;

    world_up(w, NULL);
    k1 = w->repo.roles[ROOT].keys[0];
    assert_int_equal(test_repo_rotate(&w->repo, ROOT), KEEL_OK); /* v2: K2, signed by K1, K2 */
    k2 = w->repo.roles[ROOT].keys[0];
    expect_refresh(w, KEEL_OK);
    expect_trusted(w, 2, 1, 1, 1);
    /* the thief of K1 makes root v3 trusting K1 again, signed by K1 only */
    assert_int_equal(test_repo_set_keys(&w->repo, ROOT, &k1, 1, 1), KEEL_OK);
    assert_int_equal(test_repo_sign_with(&w->repo, ROOT, &k1, 1), KEEL_OK);
    assert_int_equal(test_repo_publish_role(&w->repo, ROOT), KEEL_OK);
    expect_refused(w, KEEL_ERR_UPDATE_UNSIGNED);
    expect_trusted(w, 2, 1, 1, 1);
    /* the real root v3, signed by K2, is taken */
    assert_int_equal(test_repo_set_keys(&w->repo, ROOT, &k2, 1, 1), KEEL_OK);
    assert_int_equal(test_repo_sign_with(&w->repo, ROOT, &k2, 1), KEEL_OK);
    test_repo_set_version(&w->repo, ROOT, 3);
    assert_int_equal(test_repo_publish_role(&w->repo, ROOT), KEEL_OK);
    expect_refresh(w, KEEL_OK);
    expect_trusted(w, 3, 1, 1, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_good_update_installs),
        T(test_arbitrary_software_foreign_key),
        T(test_arbitrary_software_unsigned),
        T(test_arbitrary_software_image_replaced),
        T(test_wrong_key_timestamp_signed_by_targets_key),
        T(test_threshold_one_of_two),
        T(test_rollback_timestamp),
        T(test_rollback_snapshot_named_by_timestamp),
        T(test_rollback_targets_named_by_snapshot),
        T(test_security_version_downgrade),
        T(test_rejected_trial),
        T(test_freeze_expired_timestamp),
        T(test_freeze_expired_snapshot),
        T(test_freeze_expired_targets),
        T(test_freeze_expired_root),
        T(test_fast_forward_recovery),
        T(test_mix_and_match_targets_hash),
        T(test_mix_and_match_targets_version),
        T(test_mix_and_match_snapshot_hash),
        T(test_mix_and_match_targets_same_version),
        T(test_mix_and_match_snapshot_same_version),
        T(test_endless_target),
        T(test_endless_timestamp),
        T(test_endless_snapshot),
        T(test_endless_root),
        T(test_wrong_hardware),
        T(test_malformed_garbage),
        T(test_malformed_truncated),
        T(test_malformed_envelope_types),
        T(test_malformed_signed_types),
        T(test_oversized_targets),
        T(test_compromised_rotated_root_key),
    };
    return cmocka_run_group_tests_name("update_attacks", tests, NULL, NULL);
}
