/*
 * The device side of the update module, private to src/update: the files of the trust
 * directory and the helpers that read them, shared by trust.c, refresh.c, slot_record.c,
 * floor.c and agent.c.
 *
 * The trust directory holds, each written with keel_file_write_atomic:
 *   root.json, timestamp.json, snapshot.json, targets.json  the trusted envelopes
 *   slot-a.json, slot-b.json   what each slot holds and the envelope that vouched for it
 *   download.json              progress of the download into the inactive slot
 *   trial.json                 the slot a trial boot was requested for
 *   rejected.json              a target whose trial failed, not to be tried again
 */
#ifndef KEEL_UPDATE_CLIENT_PRIVATE_H
#define KEEL_UPDATE_CLIENT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "keel/update.h"

#define KEEL_UPDATE_PATH_MAX 4096

/* trust_dir/name into out. KEEL_ERR_RANGE when it does not fit. */
KEEL_MUST_CHECK keel_err keel_update_trust_path(const char *trust_dir, const char *name,
                                                char out[KEEL_UPDATE_PATH_MAX]);

/* The trusted envelope trust_dir/name (at most max bytes) in a new buffer, its signatures
 * checked against root for role, and its payload (both free()d by the caller; either out
 * pointer may be NULL when not wanted). KEEL_ERR_NOT_FOUND when the file is absent. */
KEEL_MUST_CHECK keel_err keel_update_trust_load(const char *trust_dir, const char *name, size_t max,
                                                const keel_update_root *root, keel_update_role role,
                                                char **envelope, size_t *envelope_len,
                                                uint8_t **payload, size_t *payload_len);

/* Persist len bytes as trust_dir/name (mode 0600, atomically). */
KEEL_MUST_CHECK keel_err keel_update_trust_save(const char *trust_dir, const char *name,
                                                const void *data, size_t len);

/* Remove trust_dir/name and sync the directory; an absent file is not an error. */
KEEL_MUST_CHECK keel_err keel_update_trust_remove(const char *trust_dir, const char *name);

/* The path of slot ('a' or 'b') from cfg; NULL for any other value. */
const char *keel_update_agent_slot_path(const keel_update_agent_config *cfg, char slot);

/* Raise the anti-rollback floor to security_version (never lowers it). */
KEEL_MUST_CHECK keel_err keel_update_floor_raise(const keel_update_agent_config *cfg,
                                                 uint64_t security_version);

/* The entry called name in targets, or NULL. */
const keel_update_target *keel_update_targets_find(const keel_update_targets *targets,
                                                   const char *name);

#endif /* KEEL_UPDATE_CLIENT_PRIVATE_H */
