/*
 * The anti-rollback floor (5.3 anti-rollback): the highest security version this device has
 * confirmed, kept in the root of trust's monotonic counter KEEL_ROT_COUNTER_UPDATE, which
 * nothing can lower, so an attacker with the whole file system still cannot make the device
 * accept an older signed image. The counter counts from its value at first use (a TPM starts
 * a new counter at the highest value any of its counters had); that base is kept in the
 * secure store, which is authenticated and rollback-protected, and read once at start.
 */
#include <stdio.h>
#include <string.h>

#include "client_private.h"

#define FLOOR_BASE "update.floor-base"

keel_err keel_update_floor_base(keel_rot *rot, keel_store *store, uint64_t *base)
{
    char text[24];
    size_t len = 0;
    uint64_t counter = 0;
    keel_err ret;

    if (rot == NULL || store == NULL || base == NULL)
        return KEEL_ERR_ARG;
    ret = keel_store_get(store, FLOOR_BASE, text, sizeof(text) - 1, &len);
    if (ret == KEEL_ERR_NOT_FOUND) {
        /* First use on this device: the counter as it is now counts as floor 0. */
        ret = keel_rot_counter_read(rot, KEEL_ROT_COUNTER_UPDATE, &counter);
        if (ret == KEEL_OK)
            ret = keel_str_format(text, sizeof(text), "%llu", (unsigned long long)counter);
        if (ret == KEEL_OK)
            ret = keel_store_put(store, FLOOR_BASE, text, strlen(text));
        *base = counter;
        return ret;
    }
    if (ret != KEEL_OK)
        return ret;
    text[len] = '\0';
    ret = keel_str_to_u64(text, 0, UINT64_MAX, base);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: the store's %s is malformed", FLOOR_BASE);
    return ret;
}

keel_err keel_update_floor(const keel_update_agent_config *cfg, uint64_t *floor)
{
    uint64_t counter = 0;
    keel_err ret;

    if (cfg == NULL || cfg->rot == NULL || floor == NULL)
        return KEEL_ERR_ARG;
    ret = keel_rot_counter_read(cfg->rot, KEEL_ROT_COUNTER_UPDATE, &counter);
    if (ret != KEEL_OK)
        return ret;
    if (counter < cfg->floor_base) {
        /* A counter never goes down: this base belongs to another root of trust. */
        keel_log(KEEL_LOG_ERROR,
                 "update: the anti-rollback counter (%llu) is below its base "
                 "(%llu)",
                 (unsigned long long)counter, (unsigned long long)cfg->floor_base);
        return KEEL_ERR_STORE_FOREIGN;
    }
    *floor = counter - cfg->floor_base;
    return KEEL_OK;
}

keel_err keel_update_floor_raise(const keel_update_agent_config *cfg, uint64_t security_version)
{
    uint64_t floor = 0, value = 0;
    keel_err ret = keel_update_floor(cfg, &floor);

    /* One step at a time: a power cut leaves a floor between the old and the new value,
     * and the next start raises it the rest of the way. */
    while (ret == KEEL_OK && floor < security_version) {
        ret = keel_rot_counter_increment(cfg->rot, KEEL_ROT_COUNTER_UPDATE, &value);
        floor++;
    }
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: cannot raise the anti-rollback floor to %llu: %s",
                 (unsigned long long)security_version, keel_strerror(ret));
    return ret;
}
