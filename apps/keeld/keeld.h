/*
 * keeld, the reference smart lock: its internal interfaces. Everything here is built into
 * the static library keeld_core (all of keeld but main.c), which the fuzz targets and
 * tests link; main.c only parses the command line and runs the server.
 */
#ifndef KEEL_APPS_KEELD_H
#define KEEL_APPS_KEELD_H

#include <stddef.h>
#include <stdint.h>

#include "keel/auth.h"

#define KEELD_NAME_MAX 32u
#define KEELD_IDENTITY_FILE "identity.json"
#define KEELD_KEY_FILE "device-key.pem"
#define KEELD_CERT_FILE "device-cert.pem"
#define KEELD_IDENTITY_MAX 4096u   /* identity.json larger than this is refused */
#define KEELD_LOGIN_BODY_MAX 1024u /* POST /api/v1/login */
#define KEELD_SESSION_SLOTS 8u
#define KEELD_SESSION_TTL_S 900u
#define KEELD_ERROR_MAX 256u
#define KEELD_RESPONSE_MAX 512u

/* ---- identity.json ---- */

struct keeld_identity {
    char serial[KEELD_NAME_MAX + 1];
    char model[KEELD_NAME_MAX + 1];
    char created[21];                       /* "YYYY-MM-DDTHH:MM:SSZ" */
    char password_hash[KEEL_AUTH_HASH_MAX]; /* Argon2id PHC string */
};

/* Parse the len bytes at text (need not be NUL-terminated) as identity.json: an object
 * with exactly "format" (the number 1), "serial", "model", "created" and "password_hash",
 * each of the right type, length and characters. On failure a message naming file and the
 * field goes to err (size errsz) and KEEL_ERR_PARSE is returned; out is then wiped. */
keel_err keeld_identity_parse(const char *text, size_t len, const char *file,
                              struct keeld_identity *out, char *err, size_t errsz);

/* Read and parse dir/identity.json, check that its password hash is one keel can verify,
 * and check that dir/device-key.pem is a regular file readable by its owner only
 * (KEEL_ERR_PERM otherwise) and that dir/device-cert.pem exists. err as above. */
keel_err keeld_identity_load(const char *dir, struct keeld_identity *out, char *err, size_t errsz);

/* ---- POST /api/v1/login body ---- */

/* Parse {"password":"..."} from the len bytes at body (untrusted, need not be
 * NUL-terminated): a JSON object with the one member "password", a string of 1 to
 * KEEL_SECRET_MAX bytes without NUL. Anything else, including unknown members, duplicate
 * members and trailing bytes, is KEEL_ERR_PARSE; more than KEELD_LOGIN_BODY_MAX bytes is
 * KEEL_ERR_TOO_LARGE. Every copy of the password made while parsing is wiped. */
keel_err keeld_login_parse(const uint8_t *body, size_t len, keel_secret *password);

/* ---- routes ---- */

typedef enum keeld_method { KEELD_GET, KEELD_POST, KEELD_OTHER } keeld_method;

struct keeld_state {
    struct keeld_identity identity;
    keel_auth_session slots[KEELD_SESSION_SLOTS];
    keel_auth_sessions sessions;
};

struct keeld_request {
    keeld_method method;
    const char *path;
    const char *authorization; /* the Authorization header, or NULL */
    const uint8_t *body;
    size_t body_len;
    int body_too_large; /* more arrived than the route's maximum; body holds none of it */
};

struct keeld_response {
    int status;
    const char *allow; /* for 405: the method the route takes */
    char body[KEELD_RESPONSE_MAX];
    size_t body_len;
};

struct keeld_route {
    keeld_method method;
    const char *path;
    int needs_session;
    size_t max_body;
    void (*handle)(struct keeld_state *st, const struct keeld_request *rq,
                   struct keeld_response *rs);
};

/* Set up st for identity (copied) with an empty session table. */
keel_err keeld_state_init(struct keeld_state *st, const struct keeld_identity *identity);
/* Wipe every session and the identity. NULL is a no-op. */
void keeld_state_wipe(struct keeld_state *st);

/* The route declared for path, or NULL. */
const struct keeld_route *keeld_route_find(const char *path);

/* Answer rq into rs: 404, 405, 413, 401 in that order, else the route's handler. Error
 * bodies are uniform and carry no detail. The caller wipes rs (it may hold a token). */
void keeld_dispatch(struct keeld_state *st, const struct keeld_request *rq,
                    struct keeld_response *rs);

/* Fill rs with status and the uniform error body for it. */
void keeld_response_error(struct keeld_response *rs, int status);

/* ---- the HTTPS server ---- */

struct keeld_config {
    const char *data_dir;
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
