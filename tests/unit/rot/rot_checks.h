/* Shared checks of the rot tests: both backends must behave the same. */
#ifndef KEEL_TEST_ROT_CHECKS_H
#define KEEL_TEST_ROT_CHECKS_H

#include <stddef.h>

#include <openssl/evp.h>

#include "keel/rot.h"

/* A fresh private temporary directory (parent of state directories) into out. */
void rot_test_tempdir(char *out, size_t outsz);
/* Remove dir and everything under it. */
void rot_test_rmtree(const char *dir);
/* out = dir/name. */
void rot_test_join(char *out, size_t outsz, const char *dir, const char *name);
/* Flip one bit of the byte at offset (negative: from the end) of the file at path. */
void rot_test_flip_byte(const char *path, long offset);
/* Read a small file into buf (NUL-terminated); returns its length. */
size_t rot_test_slurp(const char *path, char *buf, size_t bufsz);
/* The file's permission bits. */
unsigned rot_test_mode(const char *path);

/* Sign a message with key (an ECDSA P-256 identity key of rot) and verify the signature with
 * its public key decoded into the default provider, as a peer would. A tampered message must
 * fail to verify. */
void rot_test_sign_verify(keel_rot *rot, EVP_PKEY *key);

/* The storage-key life cycle: create, unseal twice (same 32 bytes), create again EXISTS,
 * destroy, unseal NOT_FOUND, destroy NOT_FOUND, create again gives another key. */
void rot_test_storage_key_cycle(keel_rot *rot);

/* Counters: read, increment by one, bad ids, each counter on its own. */
void rot_test_counters(keel_rot *rot);

#endif
