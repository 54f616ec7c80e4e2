/*
 * keeld, the reference smart lock: its internal interfaces. Everything here is built into
 * the static library keeld_core (all of keeld but main.c), which the fuzz targets and
 * tests link; main.c only parses the command line and runs the server.
 */
#ifndef KEEL_APPS_KEELD_H
#define KEEL_APPS_KEELD_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "keel/auth.h"
#include "keel/rot.h"
#include "keel/store.h"

#define KEELD_NAME_MAX 32u
#define KEELD_ROT_NAME_MAX 7u
#define KEELD_IDENTITY_FILE "identity.json"
#define KEELD_KEY_FILE "device-key.pem"
#define KEELD_CERT_FILE "device-cert.pem"
#define KEELD_STORE_FILE "store.kst"
#define KEELD_ROT_DIR "rot"
#define KEELD_IDENTITY_FORMAT 2    /* identity.json without secrets: hashes are in the store */
#define KEELD_IDENTITY_MAX 4096u   /* identity.json larger than this is refused */
#define KEELD_LOGIN_BODY_MAX 1024u /* POST /api/v1/login */
/* POST /api/v1/password: room for a new password well past the policy's maximum, so that
 * one too long is answered with its reason rather than as a malformed request. */
#define KEELD_PASSWORD_BODY_MAX 2048u
#define KEELD_NEW_PASSWORD_MAX 512u
#define KEELD_BODY_MAX KEELD_PASSWORD_BODY_MAX /* the largest body of any route */
#define KEELD_SESSION_SLOTS 8u
#define KEELD_SESSION_TTL_S 900u
#define KEELD_GUARD_CLIENTS 32u /* clients with failures remembered; the oldest go first */
#define KEELD_ERROR_MAX 512u
#define KEELD_RESPONSE_MAX 512u
#define KEELD_CLIENT_MAX KEEL_AUTH_GUARD_ADDR_MAX

/* Secure-store records (keel/store.h). */
#define KEELD_REC_LABEL_HASH "auth.label_hash" /* written by keel provision */
#define KEELD_REC_OWNER_HASH "auth.owner_hash" /* the owner's own password (5.1-1) */
#define KEELD_REC_GUARD_OVERALL "auth.guard.overall"
#define KEELD_REC_GUARD_CLIENT "auth.guard.client." /* + the slot number, 0 .. */

/* Root-of-trust spec when --rot is not given: the development backend only where it is
 * compiled in. */
#if KEEL_PRODUCTION
#define KEELD_ROT_DEFAULT "tpm2:device:/dev/tpmrm0"
#else
#define KEELD_ROT_DEFAULT "file"
#endif

/* ---- identity.json ---- */

struct keeld_identity {
    char serial[KEELD_NAME_MAX + 1];
    char model[KEELD_NAME_MAX + 1];
    char created[21]; /* "YYYY-MM-DDTHH:MM:SSZ" */
    char rot[KEELD_ROT_NAME_MAX +
             1]; /* the root-of-trust backend the device was made with: file, tpm2 */
};

/* Parse the len bytes at text (need not be NUL-terminated) as identity.json: an object
 * with exactly "format" (the number 2), "serial", "model", "created" and "rot", each of the
 * right type, length and characters. On failure a message naming file and the field goes
 * to err (size errsz) and KEEL_ERR_PARSE is returned; out is then wiped. */
keel_err keeld_identity_parse(const char *text, size_t len, const char *file,
                              struct keeld_identity *out, char *err, size_t errsz);

/* Read and parse dir/identity.json, check that dir/device-key.pem is a regular file
 * readable by its owner only (KEEL_ERR_PERM otherwise) and that dir/device-cert.pem
 * exists. err as above. */
keel_err keeld_identity_load(const char *dir, struct keeld_identity *out, char *err, size_t errsz);

/* ---- the root of trust and the secure store ---- */

struct keeld_device {
    keel_rot *rot;
    keel_store *store;
};

/* Open the root of trust named by rot_spec (state in dir/rot), check that it is the backend
 * identity.json names, and open and verify dir/store.kst. Nothing is ever created: a missing,
 * tampered, foreign or rolled-back store stops keeld with an error in err naming the store
 * file and what is wrong. */
keel_err keeld_device_open(const char *dir, const char *rot_spec, const struct keeld_identity *id,
                           struct keeld_device *dev, char *err, size_t errsz);
/* Close the store, then the root of trust. NULL members are skipped. */
void keeld_device_close(struct keeld_device *dev);

/* ---- JSON bodies ---- */

/* 1 when [p, end) holds only JSON whitespace. */
int keeld_json_only_space(const char *p, const char *end);
/* Wipe the string values of root's members (cJSON copies passwords into its own memory). */
void keeld_json_wipe_strings(cJSON *root);
/* 1 when the len bytes at body hold the escape \u0000 (which cJSON would cut a string at). */
int keeld_json_has_escaped_nul(const uint8_t *body, size_t len);

/* ---- POST /api/v1/login body ---- */

/* Parse {"password":"..."} from the len bytes at body (untrusted, need not be
 * NUL-terminated): a JSON object with the one member "password", a string of 1 to
 * KEEL_SECRET_MAX bytes without NUL. Anything else, including unknown members, duplicate
 * members and trailing bytes, is KEEL_ERR_PARSE; more than KEELD_LOGIN_BODY_MAX bytes is
 * KEEL_ERR_TOO_LARGE. Every copy of the password made while parsing is wiped. */
keel_err keeld_login_parse(const uint8_t *body, size_t len, keel_secret *password);

/* ---- POST /api/v1/password body ---- */

/* Parse {"current":"...","new":"..."} from the len bytes at body (untrusted): exactly those
 * two members, strings; current 1 to KEEL_SECRET_MAX bytes; new 1 to KEELD_NEW_PASSWORD_MAX
 * bytes copied into new_pw (KEELD_NEW_PASSWORD_MAX bytes) with its length in *new_len, so
 * that the policy, not the parser, refuses one too long. A string holding an escaped NUL is
 * refused (it would be cut short). KEEL_ERR_PARSE, KEEL_ERR_TOO_LARGE (more than
 * KEELD_PASSWORD_BODY_MAX) as for the login body; on error both outputs are wiped. */
keel_err keeld_password_parse(const uint8_t *body, size_t len, keel_secret *current,
                              uint8_t new_pw[KEELD_NEW_PASSWORD_MAX], size_t *new_len);

/* ---- routes ---- */

typedef enum keeld_method { KEELD_GET, KEELD_POST, KEELD_OTHER } keeld_method;

struct keeld_state {
    struct keeld_identity identity;
    keel_store *store; /* borrowed: the device's open store */
    char label_hash[KEEL_AUTH_HASH_MAX];
    char owner_hash[KEEL_AUTH_HASH_MAX]; /* "" in the factory state */
    keel_auth_session slots[KEELD_SESSION_SLOTS];
    keel_auth_sessions sessions;
    keel_auth_guard_client guard_slots[KEELD_GUARD_CLIENTS];
    keel_auth_guard guard;
};

struct keeld_request {
    keeld_method method;
    const char *path;
    const char *client;        /* the peer's address, for the brute-force guard */
    const char *authorization; /* the Authorization header, or NULL */
    const uint8_t *body;
    size_t body_len;
    int body_too_large; /* more arrived than the route's maximum; body holds none of it */
};

struct keeld_response {
    int status;
    const char *allow;    /* for 405: the method the route takes */
    uint32_t retry_after; /* for 429: seconds, sent as Retry-After */
    char body[KEELD_RESPONSE_MAX];
    size_t body_len;
};

struct keeld_route {
    const char *path;
    size_t max_body;
    void (*handle)(struct keeld_state *st, const struct keeld_request *rq,
                   struct keeld_response *rs);
    keeld_method method;
    int needs_session;
};

/* Set up st for identity (copied) over the open store: an empty session table, the
 * label password's hash (required) and the owner's (if set) read from the store and proven
 * verifiable, and the brute-force guard's records restored. A missing or malformed record
 * fails with err naming it. */
keel_err keeld_state_init(struct keeld_state *st, const struct keeld_identity *identity,
                          keel_store *store, char *err, size_t errsz);
/* Wipe every session, hash and guard record held in memory. NULL is a no-op. */
void keeld_state_wipe(struct keeld_state *st);

/* ---- credentials (5.1-1: outside the factory state the password is the owner's) ---- */

/* 1 once the owner has set a password. */
int keeld_initialised(const struct keeld_state *st);

/* Check password against the device's credential: in the factory state the label password
 * (in any spelling keel_auth_label_canonical reads), afterwards only the owner's password.
 * KEEL_OK, KEEL_ERR_AUTH_DENIED, or another error (the caller answers 500). */
keel_err keeld_credential_verify(const struct keeld_state *st, const keel_secret *password);

/* Make new_pw the owner's password: hash it and persist it before anything changes in
 * memory. */
keel_err keeld_credential_set(struct keeld_state *st, const keel_secret *new_pw);

/* ---- the brute-force guard (5.1-5), persisted in the store ---- */

/* Restore the guard's records from the store. */
keel_err keeld_guard_load(struct keeld_state *st, char *err, size_t errsz);

/* Before evaluating a password of rq->client: 1 if it may be evaluated; 0 after filling rs
 * with 429 and Retry-After (and logging the event). */
int keeld_guard_admit(struct keeld_state *st, const char *client, struct keeld_response *rs);

/* After a wrong password / a right one: count it, log the security events, persist what
 * changed. */
void keeld_guard_failed(struct keeld_state *st, const char *client);
void keeld_guard_succeeded(struct keeld_state *st, const char *client);

/* The one path by which a password is checked (login, password change, 5.1-5): admitted by
 * the guard, verified, the outcome counted. 1 when the password is right; 0 when it is not
 * or was not evaluated, with rs filled in (429, 401 or 500). */
int keeld_guarded_verify(struct keeld_state *st, const char *client, const keel_secret *password,
                         struct keeld_response *rs);

/* The route declared for path, or NULL. */
const struct keeld_route *keeld_route_find(const char *path);

/* Answer rq into rs: 404, 405, 413, 401 in that order, else the route's handler. Error
 * bodies are uniform and carry no detail. The caller wipes rs (it may hold a token). */
void keeld_dispatch(struct keeld_state *st, const struct keeld_request *rq,
                    struct keeld_response *rs);

/* Fill rs with status and the uniform error body for it. */
void keeld_response_error(struct keeld_response *rs, int status);

/* POST /api/v1/password (session required): {"current","new"}. 204 when changed (every
 * session then ends: they were opened with the old credential); 400 {"error":"weak
 * password","reason":"<keel_auth_weak_name>"}; 401 for a wrong current password, counted
 * by the guard like a failed login; 429 while the guard makes the client wait. */
void keeld_handle_password(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs);

/* ---- the HTTPS server ---- */

struct keeld_config {
    const char *data_dir;
    const char *rot_spec;
    const char *listen;
    unsigned port;
    int verbose;
};

/* Serve HTTPS until *stop becomes non-zero (set from a signal handler), then shut down.
 * Returns 0 after a clean shutdown, 1 when the server could not start. */
int keeld_serve(const struct keeld_config *cfg, struct keeld_state *st, volatile int *stop);
/* Wake the server loop from a signal handler so it sees *stop. */
void keeld_wake(void);

#endif /* KEEL_APPS_KEELD_H */
