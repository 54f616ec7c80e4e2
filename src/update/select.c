/* Which target a device may install: its own hardware, never below its anti-rollback floor
 * (5.3-2: only software meant for this device; the floor is what makes a downgrade to an
 * older, vulnerable but validly signed image fail). */
#include <string.h>

#include "client_private.h"

keel_err keel_update_target_check(const keel_update_target *target, const char *hardware_id,
                                  uint64_t floor)
{
    if (target == NULL || hardware_id == NULL)
        return KEEL_ERR_ARG;
    if (strcmp(target->hardware_id, hardware_id) != 0) {
        keel_log(KEEL_LOG_ERROR, "update: target %s is for hardware %s, this device is %s",
                 target->name, target->hardware_id, hardware_id);
        return KEEL_ERR_UPDATE_HARDWARE;
    }
    if (target->security_version < floor) {
        keel_log(KEEL_LOG_ERROR,
                 "update: target %s has security version %llu, below this "
                 "device's floor %llu",
                 target->name, (unsigned long long)target->security_version,
                 (unsigned long long)floor);
        return KEEL_ERR_UPDATE_DOWNGRADE;
    }
    return KEEL_OK;
}

keel_err keel_update_select(const keel_update_targets *targets, const char *hardware_id,
                            uint64_t floor, const keel_update_target **out)
{
    const keel_update_target *best = NULL;

    if (targets == NULL || hardware_id == NULL || out == NULL)
        return KEEL_ERR_ARG;
    for (size_t i = 0; i < targets->ntargets; i++) {
        const keel_update_target *t = &targets->targets[i];

        if (strcmp(t->hardware_id, hardware_id) != 0)
            continue;
        if (best == NULL || keel_update_version_compare(t->version, best->version) > 0)
            best = t;
    }
    if (best == NULL)
        return KEEL_ERR_NOT_FOUND;
    *out = best;
    return keel_update_target_check(best, hardware_id, floor);
}
