/* A signed update repository for the update benchmarks, written with keel's public API only
 * (keel/update.h): what a release team publishes, with the shape a real product has. */
#ifndef KEEL_BENCH_UPDATE_REPO_H
#define KEEL_BENCH_UPDATE_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "keel/update.h"

/* Write into dir (which must exist) a repository of roots root versions (1.root.json ..
 * N.root.json and root.json; each version after the first rotates the root key and is
 * signed by the old and the new root key), one Ed25519 key and threshold 1 per role, and
 * targets.json (the ntargets targets), snapshot.json and timestamp.json naming the version,
 * length and SHA-256 of what they cover, every role expiring well after now. The images
 * under dir/targets/ are the caller's. Files are written plainly: a server's files need no
 * power-cut safety. 0 on success, -1 (with a message on stderr) otherwise. */
int bench_update_repo_write(const char *dir, int64_t now, unsigned roots,
                            const keel_update_target *targets, size_t ntargets);

/* A target named name, with the given length and hash, for hardware "keel-bench-1", version
 * "1.<n>.0", security version 1 and a notice of the length a real release note has. */
void bench_update_target(keel_update_target *t, const char *name, uint64_t length,
                         const uint8_t sha256[32], unsigned n);

#endif /* KEEL_BENCH_UPDATE_REPO_H */
