/* Software integrity at start (5.7-1): the booted slot against its signed record. */
#include <string.h>

#include "keel/integrity.h"

keel_err keel_integrity_verify(const char *trust_dir, keel_update_boot *boot, const char *slot_a,
                               const char *slot_b, keel_integrity_result *out)
{
    keel_update_boot_state st;
    const char *path;
    keel_err ret;

    if (trust_dir == NULL || boot == NULL || slot_a == NULL || slot_b == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    ret = keel_update_boot_read(boot, &st);
    if (ret != KEEL_OK)
        return ret;
    out->slot = st.booted;
    path = st.booted == 'a' ? slot_a : slot_b;
    ret = keel_update_slot_target(trust_dir, st.booted, &out->target);
    if (ret == KEEL_ERR_NOT_FOUND)
        keel_log(KEEL_LOG_ERROR, "integrity: slot %c (%s) has no signed record", st.booted, path);
    if (ret != KEEL_OK) {
        memset(&out->target, 0, sizeof(out->target));
        return ret;
    }
    ret = keel_update_slot_verify(path, &out->target);
    if (ret == KEEL_ERR_UPDATE_HASH) {
        keel_log(KEEL_LOG_ERROR, "integrity: slot %c (%s) differs from %s as signed", st.booted,
                 path, out->target.name);
        ret = KEEL_ERR_INTEGRITY_MISMATCH;
    }
    if (ret == KEEL_OK)
        keel_log(KEEL_LOG_INFO, "integrity: slot %c holds %s %s as signed", st.booted,
                 out->target.name, out->target.version);
    return ret;
}
