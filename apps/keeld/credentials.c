/* The device's one credential (5.1-1): the label password while the device is in its
 * factory state, the owner's own password once they set it, and never both. Both live in
 * the secure store as Argon2id hashes (5.1-3, 5.4-1). */
#include <string.h>

#include "keeld.h"

/* Read record name into hash (KEEL_AUTH_HASH_MAX) and prove it is a hash keel can verify: a
 * damaged one would lock everyone out, so keeld refuses to start on it. */
static keel_err load_hash(keel_store *store, const char *name, char *hash, char *err, size_t errsz)
{
    keel_secret probe;
    size_t len = 0;
    keel_err ret;

    hash[0] = '\0';
    ret = keel_store_get(store, name, hash, KEEL_AUTH_HASH_MAX - 1, &len);
    if (ret == KEEL_ERR_NOT_FOUND)
        return ret; /* the caller decides whether it may be absent */
    if (ret == KEEL_OK && memchr(hash, '\0', len) != NULL)
        ret = KEEL_ERR_PARSE;
    if (ret == KEEL_OK) {
        hash[len] = '\0';
        keel_secret_clear(&probe);
        ret = keel_auth_verify_password(hash, &probe);
        if (ret == KEEL_ERR_AUTH_DENIED)
            ret = KEEL_OK;
    }
    if (ret != KEEL_OK) {
        keel_str_format(err, errsz, "secure store record '%s': %s", name, keel_strerror(ret));
        keel_wipe(hash, KEEL_AUTH_HASH_MAX);
    }
    return ret;
}

static keel_err credentials_load(struct keeld_state *st, char *err, size_t errsz)
{
    keel_err ret = load_hash(st->store, KEELD_REC_LABEL_HASH, st->label_hash, err, errsz);

    if (ret == KEEL_ERR_NOT_FOUND) {
        keel_str_format(err, errsz,
                        "secure store record '%s' is missing: the device was not provisioned",
                        KEELD_REC_LABEL_HASH);
        return ret;
    }
    if (ret != KEEL_OK)
        return ret;
    ret = load_hash(st->store, KEELD_REC_OWNER_HASH, st->owner_hash, err, errsz);
    return ret == KEEL_ERR_NOT_FOUND ? KEEL_OK : ret;
}

int keeld_initialised(const struct keeld_state *st)
{
    return st->owner_hash[0] != '\0';
}

keel_err keeld_credential_verify(const struct keeld_state *st, const keel_secret *password)
{
    keel_secret canonical;
    keel_err ret;

    if (keeld_initialised(st))
        return keel_auth_verify_password(st->owner_hash, password);
    keel_secret_clear(&canonical);
    /* A label is read off a sticker: case, spaces and dashes are the reader's, not part of
     * the password. Input that cannot be a label password is simply wrong. */
    ret = keel_auth_label_canonical(password, &canonical);
    if (ret == KEEL_OK)
        ret = keel_auth_verify_password(st->label_hash, &canonical);
    else if (ret == KEEL_ERR_PARSE)
        ret = KEEL_ERR_AUTH_DENIED;
    keel_secret_clear(&canonical);
    return ret;
}

keel_err keeld_credential_set(struct keeld_state *st, const keel_secret *new_pw)
{
    char hash[KEEL_AUTH_HASH_MAX];
    keel_err ret = keel_auth_hash_password(new_pw, hash, sizeof(hash));

    if (ret == KEEL_OK)
        ret = keel_store_put(st->store, KEELD_REC_OWNER_HASH, hash, strlen(hash));
    if (ret == KEEL_OK)
        memcpy(st->owner_hash, hash, sizeof(hash));
    keel_wipe(hash, sizeof(hash));
    return ret;
}

keel_err keeld_state_init(struct keeld_state *st, const struct keeld_identity *identity,
                          keel_store *store, char *err, size_t errsz)
{
    keel_err ret;

    if (st == NULL || identity == NULL || store == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    memset(st, 0, sizeof(*st));
    err[0] = '\0';
    st->identity = *identity;
    st->store = store;
    ret =
        keel_auth_sessions_init(&st->sessions, st->slots, KEELD_SESSION_SLOTS, KEELD_SESSION_TTL_S);
    if (ret == KEEL_OK)
        ret = credentials_load(st, err, errsz);
    if (ret == KEEL_OK)
        ret = keeld_guard_load(st, err, errsz);
    if (ret != KEEL_OK) {
        if (err[0] == '\0')
            keel_str_format(err, errsz, "cannot initialise: %s", keel_strerror(ret));
        keeld_state_wipe(st);
    }
    return ret;
}

void keeld_state_wipe(struct keeld_state *st)
{
    if (st == NULL)
        return;
    keel_auth_sessions_wipe(&st->sessions);
    keel_wipe(st, sizeof(*st));
}
