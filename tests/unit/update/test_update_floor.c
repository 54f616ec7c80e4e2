/*
 * The anti-rollback floor on a real TPM (swtpm): the counter KEEL_ROT_COUNTER_UPDATE less the
 * base the secure store keeps. A TPM starts a new counter at the highest value any of its
 * counters had, so the base is not 0 here (the store's own counter has moved first); the
 * floor must still start at 0, only ever go up, and survive a reboot of the TPM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_private.h"
#include "keel/rot.h"
#include "keel/store.h"
#include "keel/update.h"
#include "swtpm.h"

struct device {
    keel_test_swtpm tpm;
    char dir[64];
    char rot_dir[96];
    char store_path[96];
    keel_rot *rot;
    keel_store *store;
};

static void device_open(struct device *d)
{
    assert_int_equal(keel_rot_open(d->tpm.spec, d->rot_dir, &d->rot), KEEL_OK);
    assert_int_equal(keel_store_open(d->store_path, d->rot, &d->store), KEEL_OK);
}

static void device_close(struct device *d)
{
    keel_store_close(d->store);
    keel_rot_close(d->rot);
    d->store = NULL;
    d->rot = NULL;
}

static int setup(void **state)
{
    static struct device d;

    memset(&d, 0, sizeof(d));
    if (keel_test_swtpm_start(&d.tpm) != 0)
        return -1;
    (void)keel_str_copy(d.dir, sizeof(d.dir), "/tmp/keel-floor-XXXXXX");
    if (mkdtemp(d.dir) == NULL)
        return -1;
    (void)keel_str_format(d.rot_dir, sizeof(d.rot_dir), "%s/rot", d.dir);
    (void)keel_str_format(d.store_path, sizeof(d.store_path), "%s/store.kst", d.dir);
    if (keel_rot_open(d.tpm.spec, d.rot_dir, &d.rot) != KEEL_OK ||
        keel_rot_storage_key_create(d.rot) != KEEL_OK ||
        keel_store_create(d.store_path, d.rot) != KEEL_OK ||
        keel_store_open(d.store_path, d.rot, &d.store) != KEEL_OK)
        return -1;
    /* Move the store's counter first, as a device in use does. */
    for (int i = 0; i < 3; i++) {
        if (keel_store_put(d.store, "some.record", "x", 1) != KEEL_OK)
            return -1;
    }
    *state = &d;
    return 0;
}

static int teardown(void **state)
{
    struct device *d = *state;
    char cmd[128];

    device_close(d);
    keel_test_swtpm_stop(&d->tpm);
    if (keel_str_format(cmd, sizeof(cmd), "rm -rf '%s'", d->dir) == KEEL_OK && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", d->dir);
    return 0;
}

static uint64_t floor_now(struct device *d, uint64_t base)
{
    keel_update_agent_config cfg;
    uint64_t floor = UINT64_MAX;

    memset(&cfg, 0, sizeof(cfg));
    cfg.rot = d->rot;
    cfg.floor_base = base;
    assert_int_equal(keel_update_floor(&cfg, &floor), KEEL_OK);
    return floor;
}

static void raise_to(struct device *d, uint64_t base, uint64_t sv)
{
    keel_update_agent_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.rot = d->rot;
    cfg.floor_base = base;
    assert_int_equal(keel_update_floor_raise(&cfg, sv), KEEL_OK);
}

static void test_floor_on_tpm(void **state)
{
    struct device *d = *state;
    uint64_t base = 0, again = 0, counter = 0;
    keel_update_agent_config cfg;
    uint64_t floor = 0;

    /* First use: the base is the counter as the TPM made it, and the floor is 0. */
    assert_int_equal(keel_update_floor_base(d->rot, d->store, &base), KEEL_OK);
    assert_int_equal(keel_rot_counter_read(d->rot, KEEL_ROT_COUNTER_UPDATE, &counter), KEEL_OK);
    assert_int_equal(base, counter);
    assert_true(base > 0); /* the TPM started the new counter above 0 */
    assert_int_equal(floor_now(d, base), 0);

    /* Raised to 3, one increment at a time; a lower value never lowers it. */
    raise_to(d, base, 3);
    assert_int_equal(floor_now(d, base), 3);
    raise_to(d, base, 2);
    assert_int_equal(floor_now(d, base), 3);

    /* A reboot: the TPM keeps the counter, the store the base. */
    device_close(d);
    assert_int_equal(keel_test_swtpm_restart(&d->tpm), 0);
    device_open(d);
    assert_int_equal(keel_update_floor_base(d->rot, d->store, &again), KEEL_OK);
    assert_int_equal(again, base);
    assert_int_equal(floor_now(d, again), 3);

    /* A base above the counter belongs to another root of trust. */
    memset(&cfg, 0, sizeof(cfg));
    cfg.rot = d->rot;
    cfg.floor_base = base + 100;
    assert_int_equal(keel_update_floor(&cfg, &floor), KEEL_ERR_STORE_FOREIGN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_floor_on_tpm, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
