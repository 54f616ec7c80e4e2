/*
 * keel integrity: the device's software verified at every start (EN 303 645 5.7-1) and what
 * the device does when it does not verify (5.7-2).
 *
 * The booted slot must hold exactly the target its record names (keel/update.h:
 * keel_update_slot_record), and that record must verify under the trusted root: its length
 * and SHA-256 come from signed metadata, never from a file an attacker could rewrite. Chained
 * to a hardware secure boot that verifies the bootloader and kernel (docs/updates.md), this
 * covers the whole software image.
 */
#ifndef KEEL_INTEGRITY_H
#define KEEL_INTEGRITY_H

#include "keel/core.h"
#include "keel/update.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct keel_integrity_result {
    char slot;                 /* the booted slot */
    keel_update_target target; /* what it must hold (name empty if no record verified) */
} keel_integrity_result;

/* Verify the booted slot (as boot reports it) against its signed record in trust_dir.
 * slot_a and slot_b are the slots' paths. Errors: KEEL_ERR_INTEGRITY_MISMATCH (the slot's
 * bytes differ from the signed length or hash), KEEL_ERR_NOT_FOUND (no record for the
 * booted slot: software nobody signed), the update module's errors when the record does not
 * verify (KEEL_ERR_UPDATE_UNSIGNED ...), KEEL_ERR_UPDATE_BOOT, KEEL_ERR_IO. Every failure is
 * logged naming the slot and the reason; a caller treats any of them as a failed check
 *. */
KEEL_MUST_CHECK keel_err keel_integrity_verify(const char *trust_dir, keel_update_boot *boot,
                                               const char *slot_a, const char *slot_b,
                                               keel_integrity_result *out);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_INTEGRITY_H */
