/*
 * A real software TPM (swtpm) for keel's tests: started on a free loopback port pair with a
 * fresh state directory, reachable through tpm2-tss's swtpm TCTI, stopped and removed in
 * teardown. Every instance is a different TPM (its own seeds): start two for "foreign
 * device" tests. keel_test_swtpm_restart keeps the state, as a reboot of the device does.
 *
 * Functions return 0 on success and -1 on failure, with the reason on stderr.
 */
#ifndef KEEL_TEST_SWTPM_H
#define KEEL_TEST_SWTPM_H

#include <stdint.h>
#include <sys/types.h>

typedef struct keel_test_swtpm {
    pid_t pid;     /* 0 when not running */
    uint16_t port; /* the TPM command port; the control port is port + 1 */
    char dir[256]; /* the TPM's state directory (NV, seeds), removed by stop */
    char tcti[64]; /* "swtpm:host=127.0.0.1,port=P", for Tss2_TctiLdr_Initialize */
    char spec[80]; /* "tpm2:" and the TCTI, for keel_rot_open */
} keel_test_swtpm;

/* Start a new TPM (fresh state directory, free ports) and wait until it answers. */
int keel_test_swtpm_start(keel_test_swtpm *t);

/* Stop the TPM (SIGTERM) and start it again on the same state, like a reboot: transient
 * objects and sessions are gone, NV indices and seeds stay. The ports stay the same when
 * they can; tcti and spec are updated if they had to change. */
int keel_test_swtpm_restart(keel_test_swtpm *t);

/* Stop the TPM and remove its state directory. Safe on a zeroed or stopped instance. */
void keel_test_swtpm_stop(keel_test_swtpm *t);

#endif /* KEEL_TEST_SWTPM_H */
