/* What keeld's route fuzz targets share: a device set up once per process in a temporary
 * directory (the file root of trust, a secure store, the lock's lock.db in SQLite), the
 * owner's password taken as set, and a live session, so that a body refused by its parser
 * can go through the whole route as it would from the network, and the lock, its PINs and
 * the store can be compared before and after. The directory is removed at exit. */
#ifndef KEELD_FUZZ_DEVICE_H
#define KEELD_FUZZ_DEVICE_H

#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw; include this header first */
#endif
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keeld.h"

struct fuzz_device {
    char dir[64];
    char rot_dir[96];
    char store_path[96];
    keel_rot *rot;
    keel_store *store;
    struct keeld_lock *lock;
    struct keeld_state st;
    char auth[16 + KEEL_AUTH_TOKEN_SIZE];
};

static struct fuzz_device fuzz_dev;

static int fuzz_remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fuzz_device_close(void)
{
    keeld_lock_close(fuzz_dev.lock);
    keel_store_close(fuzz_dev.store);
    keel_rot_close(fuzz_dev.rot);
    keeld_state_wipe(&fuzz_dev.st);
    if (fuzz_dev.dir[0] != '\0')
        (void)nftw(fuzz_dev.dir, fuzz_remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* The device, made on the first call; aborts when it cannot be made. */
static struct fuzz_device *fuzz_device(void)
{
    char token[KEEL_AUTH_TOKEN_SIZE];
    char err[KEELD_ERROR_MAX];
    struct fuzz_device *d = &fuzz_dev;

    if (d->lock != NULL)
        return d;
    (void)keel_str_copy(d->dir, sizeof(d->dir), "/tmp/keeld-fuzz-XXXXXX");
    if (mkdtemp(d->dir) == NULL)
        abort();
    atexit(fuzz_device_close);
    if (keel_str_format(d->rot_dir, sizeof(d->rot_dir), "%s/rot", d->dir) != KEEL_OK ||
        keel_str_format(d->store_path, sizeof(d->store_path), "%s/store.kst", d->dir) != KEEL_OK ||
        keel_rot_open("file", d->rot_dir, &d->rot) != KEEL_OK ||
        keel_rot_storage_key_create(d->rot) != KEEL_OK ||
        keel_store_create(d->store_path, d->rot) != KEEL_OK ||
        keel_store_open(d->store_path, d->rot, &d->store) != KEEL_OK)
        abort();
    if (keeld_lock_open(d->dir, d->store, &d->lock, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "fuzz device: %s\n", err);
        abort();
    }
    memset(&d->st, 0, sizeof(d->st));
    d->st.store = d->store;
    d->st.lock = d->lock;
    /* the owner's password is set (no route here checks it: only its presence matters) */
    (void)keel_str_copy(d->st.owner_hash, sizeof(d->st.owner_hash), "$argon2id$set");
    if (keel_auth_sessions_init(&d->st.sessions, d->st.slots, KEELD_SESSION_SLOTS, 86400) !=
            KEEL_OK ||
        keel_auth_session_create(&d->st.sessions, keel_auth_now_ms(), token) != KEEL_OK ||
        keel_str_format(d->auth, sizeof(d->auth), "Bearer %s", token) != KEEL_OK)
        abort();
    return d;
}

/* POST body to path with the session; the answer's status. */
static int fuzz_post(struct fuzz_device *d, const char *path, const uint8_t *body, size_t len,
                     size_t max)
{
    struct keeld_request rq = {KEELD_POST, path, "192.0.2.1", d->auth, body, len, len > max};
    struct keeld_response rs;

    if (len > max) { /* as the server keeps it: nothing of a body past the route's maximum */
        rq.body = (const uint8_t *)"";
        rq.body_len = 0;
    }
    keeld_dispatch(&d->st, &rq, &rs);
    return rs.status;
}

#endif /* KEELD_FUZZ_DEVICE_H */
