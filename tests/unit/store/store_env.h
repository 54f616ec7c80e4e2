/* The store tests' world: a temporary directory holding a root of trust's state and a
 * store, for either backend. "file" keeps its keys and counters in the state directory;
 * "tpm2" starts a real swtpm of its own (keel_test_swtpm), so that two environments are two
 * devices with two different storage keys. */
#ifndef KEEL_STORE_ENV_H
#define KEEL_STORE_ENV_H

#include <stddef.h>

#include "keel/rot.h"
#include "keel/store.h"
#include "swtpm.h"

typedef struct store_env {
    int tpm2;
    char dir[64];    /* the temporary directory, removed by teardown */
    char state[128]; /* the root of trust's state directory */
    char path[128];  /* the store file */
    char spec[KEEL_ROT_SPEC_MAX];
    keel_test_swtpm swtpm; /* tpm2 only */
    keel_rot *rot;
} store_env;

/* "file" or "tpm2" from the test's first argument (default "file"). */
const char *store_env_backend(int argc, char **argv);

/* Make the directory, start swtpm for "tpm2", open the root of trust and make its storage
 * key. 0 on success. */
int store_env_setup(store_env *e, const char *backend);

/* Close the root of trust; open it again. */
void store_env_rot_close(store_env *e);
int store_env_rot_open(store_env *e);

/* With the root of trust closed: for tpm2, stop swtpm and start it on the same state, as a
 * reboot does; nothing for file. 0 on success. */
int store_env_reboot(store_env *e);

/* Close everything, stop swtpm and remove the directory. */
void store_env_teardown(store_env *e);

/* Copy the file at from to to (0 on success); read a whole file into buf. */
int store_env_copy(const char *from, const char *to);
long store_env_read(const char *path, unsigned char *buf, size_t cap);
int store_env_write(const char *path, const unsigned char *buf, size_t len);

/* Log capture: every line logged at error level, joined; and how many there were. */
void store_env_log_capture(void);
const char *store_env_log_text(void);
int store_env_log_errors(void);

#endif /* KEEL_STORE_ENV_H */
