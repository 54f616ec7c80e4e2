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
#include "keel/update.h"
#include "lock.h"

#define KEELD_NAME_MAX 32u
#define KEELD_ROT_NAME_MAX 7u
#define KEELD_IDENTITY_FILE "identity.json"
#define KEELD_KEY_FILE "device-key.pem"
#define KEELD_CERT_FILE "device-cert.pem"
#define KEELD_IDENTITY_CERT_FILE "identity-cert.pem" /* the identity key's, from the CA */
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
#define KEELD_RESPONSE_MAX 4096u
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
/* 1 when the len bytes at text are well-formed UTF-8 (keel_utf8_next) without control
 * characters (C0, DEL, C1): text the owner sees and the log records. */
int keeld_text_printable(const char *text, size_t len);
/* Member name of object root (exact case), or NULL. */
const cJSON *keeld_json_member(const cJSON *root, const char *name);
/* The string value of member name when it is 1 to max bytes long (length into *len), or
 * NULL. */
const char *keeld_json_string(const cJSON *root, const char *name, size_t max, size_t *len);
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
    struct keeld_update *update; /* NULL when the device has no update configuration */
    int restricted;              /* the integrity check failed: only the alert is served */
    struct keeld_lock *lock;     /* the lock's state (lock.h); NULL only in unit tests */
    const struct keeld_web *web; /* the setup page's files; NULL only in unit tests */
    int cloud_online;            /* 1 while the cloud link is up: written by its thread, read by the
                                    server's, both with __atomic_load_n / __atomic_store_n */
    /* Set after keeld_state_init (which zeroes the state), by main.c or a test: */
    const char *data_dir; /* borrowed: the device directory (lock.db, the reset marker) */
    int cloud_configured; /* a cloud link is configured (--mqtt): the service can be asked to
                             delete the owner's data (5.11-2) */
    int reset_done;       /* a factory reset erased the device: every request answers 503 until
                             keeld exits (__atomic_*: the retention thread reads it) */
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
    const char *allow;    /* for 405: the methods the path takes ("GET, POST") */
    uint32_t retry_after; /* for 429: seconds, sent as Retry-After */
    char body[KEELD_RESPONSE_MAX];
    size_t body_len;
    /* A static file (the setup page): when ext_body is set it is sent instead of body, with
     * content_type (NULL: application/json). Borrowed from struct keeld_web. */
    const uint8_t *ext_body;
    size_t ext_len;
    const char *content_type;
    /* An answer larger than body (the owner's export, a long consent history): heap memory
     * owned by the response and sent instead of body (ext_body wins over it); whoever
     * dispatched the request gives it back with keeld_response_release, which wipes it. */
    char *owned;
    size_t owned_len;
    const char *disposition; /* a Content-Disposition header (static text), or NULL */
    int exit_after;          /* keeld stops once this answer is sent (the factory reset) */
};

/* Wipe and free rs->owned (NULL is fine), leaving rs without it. */
void keeld_response_release(struct keeld_response *rs);

/* One entry of the route table, the single place that says which routes exist and which
 * are public (5.5-4: everything else needs a session; 5.5-5: every route that changes
 * security-relevant configuration needs one too, checked by the tests). */
struct keeld_route {
    const char *path;
    size_t max_body;
    void (*handle)(struct keeld_state *st, const struct keeld_request *rq,
                   struct keeld_response *rs);
    keeld_method method;
    int needs_session;
    int security_relevant; /* changes security-relevant configuration (5.5-5) */
    int factory; /* served in the factory state (5.12-1: only the setup page and the login);
                    every other route answers 403 {"error":"setup required"} until the
                    owner has set their password */
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

/* The route declared for path and method, or NULL (one path may have a GET and a POST
 * entry). */
const struct keeld_route *keeld_route_find(const char *path, keeld_method method);

/* The whole route table: its length, and entry i (NULL past the end). */
size_t keeld_route_count(void);
const struct keeld_route *keeld_route_at(size_t i);

/* "GET" or "POST" (KEELD_OTHER: "OTHER"). */
const char *keeld_method_name(keeld_method m);

/* Answer rq into rs: a static file of st->web for GET (keeld_web_find), else the route
 * table: 404, 405, 401, 403 (setup required: the factory state and a route not marked
 * factory), 413 in that order, else the route's handler. Error bodies are uniform and carry
 * no detail. Once a factory reset is done (st->reset_done) every request is 503. The caller
 * releases rs (keeld_response_release) and wipes it (it may hold a token). */
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

/* ---- configuration ---- */

#define KEELD_USER_DEFAULT "keel" /* the account keeld drops to when started as root */
#define KEELD_MQTT_PORT_DEFAULT 8883u
#define KEELD_CLOUD_BACKOFF_BASE_MS 1000u /* the first retry comes within a second */
#define KEELD_CLOUD_BACKOFF_CAP_MS 60000u /* and no retry waits more than a minute */

struct keeld_config {
    const char *data_dir;
    const char *rot_spec;
    const char *listen;
    unsigned port;
    int verbose;
    const char *user;      /* --user: account to run as once started (root only) */
    const char *mqtt_host; /* --mqtt HOST[:PORT]: the broker; NULL: no cloud link */
    unsigned mqtt_port;
    const char *mqtt_ca;      /* --mqtt-ca FILE: the CA that issued the broker's certificate */
    const char *mqtt_name;    /* --mqtt-name NAME: the name the broker's certificate must carry
                                 (NULL: mqtt_host) */
    const char *update_url;   /* --update URL: the HTTPS update repository; NULL: no checks */
    const char *update_ca;    /* --update-ca FILE: the CA that issued the repository's cert */
    unsigned update_interval; /* --update-interval S: seconds between checks (jittered) */
    const char *boot_spec;    /* --boot SPEC: boot control (default file:DATA/bootenv) */
    const char *slot_a;       /* --slot-a PATH (default DATA/slot-a) */
    const char *slot_b;       /* --slot-b PATH (default DATA/slot-b) */
    const char *web_dir;      /* --web DIR: the setup page (default KEELD_WEB_DIR) */
    const char *keypad;       /* --keypad PATH: the keypad's socket (default DATA/keypad.sock) */
    int64_t log_retention_s;  /* --log-retention S: access-log entries kept this long (6-6;
                                 default KEELD_LOG_RETENTION_DEFAULT_S) */
};

/* ---- declared interfaces (5.6-1: every port and service in one place) ---- */

#define KEELD_INTERFACES_MAX 4u
#define KEELD_ADDRESS_MAX 256u

struct keeld_interface {
    const char *id;        /* "local-api", "cloud" */
    const char *direction; /* "inbound" (keeld listens) or "outbound" (keeld connects) */
    const char *transport; /* "tcp" */
    char address[KEELD_ADDRESS_MAX];
    unsigned port;
    const char *protocol;       /* e.g. "HTTPS (TLS 1.2+, HTTP/1.1)" */
    const char *purpose;        /* why it exists, for the owner and the assessor */
    const char *authentication; /* how a peer authenticates on it */
};

/* The interfaces keeld opens with cfg, into out (at most max); their number into *n.
 * KEEL_ERR_RANGE when max is too small or an address does not fit. */
keel_err keeld_interfaces(const struct keeld_config *cfg, struct keeld_interface *out, size_t max,
                          size_t *n);

/* `keeld --describe`: the declared interfaces and routes as one JSON document, the
 * device's part of the IXIT (15-Intf, and the routes for 5.5-4 / 5.5-5), into a new
 * NUL-terminated buffer the caller frees with free(). Shape:
 *   {"interfaces":[{"id","direction","transport","address","port","protocol","purpose",
 *                   "authentication"}, ...],
 *    "routes":[{"method","path","public":bool,"security_relevant":bool,"factory":bool}, ...],
 *    "privacy":{the data inventory, keeld_inventory_add}}
 * The routes are the route table's, then the static files (keeld_web_path_at) as public GETs.
 * KEEL_ERR_NOMEM, KEEL_ERR_RANGE, KEEL_ERR_PARSE (an inventory that is not an object). */
keel_err keeld_describe(const struct keeld_config *cfg, char **out);

/* ---- the HTTPS server ---- */

struct keeld_server; /* opaque: the bound listener and its TLS context */

/* Bind cfg's address and port, load the local HTTPS key and certificate and hold the TLS
 * context to keel's policy; serve nothing yet. Returns 0 and *out, or 1 (after printing
 * why) when the server cannot start. Runs before privileges are dropped. */
int keeld_server_open(const struct keeld_config *cfg, struct keeld_state *st,
                      struct keeld_server **out);
/* Serve until *stop becomes non-zero (set from a signal handler). 0 after a clean stop. */
int keeld_server_run(struct keeld_server *srv, volatile int *stop);
/* Close the listener and free. NULL is a no-op. */
void keeld_server_close(struct keeld_server *srv);
/* Wake the server loop from a signal handler so it sees *stop. */
void keeld_wake(void);

/* ---- the cloud link: MQTT over mutual TLS (cloud.c) ---- */

struct keeld_cloud; /* opaque */

/* Prepare the link to cfg->mqtt_host before privileges are dropped: the TLS client context
 * from the tls module (keel's policy, the broker checked against cfg->mqtt_ca and its name,
 * the device's identity certificate and its key in the root of trust), and the MQTT client.
 * No connection yet. alert (may be NULL): the integrity alert (keeld_update_alert), sent in
 * the retained status (5.7-2). err names what is missing or wrong (CA file, certificate,
 * key). */
keel_err keeld_cloud_open(const struct keeld_config *cfg, struct keeld_device *dev,
                          const struct keeld_identity *id, const char *alert,
                          struct keeld_cloud **out, char *err, size_t errsz);
/* The lock whose queued events the link delivers to keel/<serial>/events (QoS 1, in order,
 * one in flight; removed on the broker's PUBACK) and whose commands it takes; online (may
 * be NULL) is set to 1 while connected. Before keeld_cloud_start. */
void keeld_cloud_attach(struct keeld_cloud *c, struct keeld_lock *lock, int *online);
/* Connect in the background (after the sandbox is in place): reconnects by itself with
 * capped exponential back-off and full jitter (keel_backoff_ms, KEELD_CLOUD_BACKOFF_*,
 * 5.9-3); never blocks local function. */
keel_err keeld_cloud_start(struct keeld_cloud *c);
/* Say goodbye to the broker, stop the background thread, free. NULL is a no-op. */
void keeld_cloud_close(struct keeld_cloud *c);

/* ---- updates and software integrity (5.3, 5.7) (update.c, update_route.c) ---- */

#define KEELD_UPDATE_DIR "update"            /* the trust directory in the data directory */
#define KEELD_UPDATE_INTERVAL_DEFAULT 86400u /* a check a day */
#define KEELD_EXIT_REBOOT 75 /* exit status asking the system to reboot (switch slots) */
#define KEELD_REC_UPDATE_SETTINGS "update.settings" /* the owner's choices (5.3-4, 5.3-6) */
#define KEELD_UPDATE_BODY_MAX 256u

struct keeld_update; /* opaque */

/* The owner's update settings (5.3-4A/B, 5.3-6A/B): automatic installs and notices are on by
 * default; an install can be postponed until a time. */
struct keeld_update_settings {
    int auto_install;
    int notify;
    int64_t postponed_until; /* seconds since the epoch; 0: not postponed */
};

/* At start, before any thread: open boot control, read the anti-rollback base, reconcile a
 * trial boot (keel_update_agent_boot) and verify the booted slot (5.7-1). A device whose
 * data directory has no update/ trust directory and no --boot runs without updates (*out
 * NULL, a warning logged). On an integrity failure *out is set and keeld_update_restricted
 * says so: keeld then serves only the alert (5.7-2). Errors (err says which): a bad --boot,
 * an unreadable trust directory, a broken boot environment. */
keel_err keeld_update_open(const struct keeld_config *cfg, struct keeld_device *dev,
                           struct keeld_state *st, struct keeld_update **out, char *err,
                           size_t errsz);

/* The alert JSON when the integrity check failed ({"alert":"integrity",...}), else NULL.
 * Owned by u. */
const char *keeld_update_alert(const struct keeld_update *u);

/* After the sandbox: the update thread. A trial boot is confirmed once the repository is
 * reached again (the health check), or rejected; then checks run shortly after start and
 * every interval with jitter (5.3-5). request_stop is called when keeld must exit for a
 * reboot (keeld_update_reboot_requested then says so). */
keel_err keeld_update_start(struct keeld_update *u, void (*request_stop)(void));

/* 1 when keeld stopped to have the system reboot into another slot. */
int keeld_update_reboot_requested(const struct keeld_update *u);

/* Stop the thread, free. NULL is a no-op. */
void keeld_update_close(struct keeld_update *u);

/* For the routes (called on the server's thread): the state as the owner's notice (JSON
 * into out), and the owner's settings. */
keel_err keeld_update_notice_json(struct keeld_update *u, char *out, size_t outsz);
void keeld_update_settings_get(struct keeld_update *u, struct keeld_update_settings *out);
void keeld_update_settings_set(struct keeld_update *u, const struct keeld_update_settings *in);
/* The owner has set the device up (their own password): automatic installs may start. */
void keeld_update_consent(struct keeld_update *u);
/* Ask for a check (and an install, if settings allow or install_now) as soon as possible. */
void keeld_update_check_now(struct keeld_update *u, int install_now);

/* Parse the settings body {"auto_install":bool,"notify":bool,"postpone_hours":N}: every
 * member optional but at least one, no others; postpone_hours 0..720 (0 ends a postponement).
 * Applied onto *io. KEEL_ERR_PARSE, KEEL_ERR_TOO_LARGE. */
keel_err keeld_update_settings_parse(const uint8_t *body, size_t len, int64_t now,
                                     struct keeld_update_settings *io);
/* The settings as stored ("a,n,postponed_until") and back. */
keel_err keeld_update_settings_encode(const struct keeld_update_settings *s, char *out,
                                      size_t outsz);
keel_err keeld_update_settings_decode(const char *text, size_t len,
                                      struct keeld_update_settings *out);

/* GET /api/v1/update and POST /api/v1/update/settings, /api/v1/update/install. */
void keeld_handle_update(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs);
void keeld_handle_update_settings(struct keeld_state *st, const struct keeld_request *rq,
                                  struct keeld_response *rs);
void keeld_handle_update_install(struct keeld_state *st, const struct keeld_request *rq,
                                 struct keeld_response *rs);

/* ---- the lock's routes (lock_route.c), 5.9-2: all local ----
 * GET  /api/v1/lock          {"locked":bool,"door":"open"|"closed","battery":N,
 *                             "changed_at":"RFC 3339","unclean_start":bool,"queued":N}
 * POST /api/v1/lock          {"action":"lock"|"unlock"} -> 200 and the state as for GET
 * GET  /api/v1/pins          keeld_lock_pins_json
 * POST /api/v1/pins          {"name":"...","pin":"123456"} -> 201 {"id":N};
 *                            400 {"error":"weak pin","reason":"..."}; 409 (PIN or name held,
 *                            or KEELD_PINS_MAX PINs held)
 * POST /api/v1/pins/remove   {"id":N} -> 204; 404 {"error":"not found"}
 * GET  /api/v1/log           keeld_lock_log_json, the newest KEELD_LOG_SHOWN entries (a
 *                            response holds KEELD_RESPONSE_MAX bytes: 50 would not fit)
 * Every one needs a session and is refused in the factory state. */
#define KEELD_LOCK_BODY_MAX 64u
#define KEELD_PIN_BODY_MAX 256u
#define KEELD_LOG_SHOWN 20u

/* Parse a POST /api/v1/lock body: exactly {"action":"lock"|"unlock"}. *locked: 1 to lock. */
keel_err keeld_lock_action_parse(const uint8_t *body, size_t len, int *locked);
/* Parse a POST /api/v1/pins body: exactly {"name":string,"pin":string}; name 1..
 * KEELD_PIN_NAME_MAX bytes without control characters, pin 1..KEELD_PIN_MAX_DIGITS + 8
 * bytes (so that the policy, not the parser, says why a PIN is refused). Copies into name
 * (KEELD_PIN_NAME_MAX + 1) and pin (KEELD_PIN_MAX_DIGITS + 9), NUL-terminated; the PIN is
 * wiped from cJSON's copy. */
keel_err keeld_pin_add_parse(const uint8_t *body, size_t len, char *name, char *pin);
/* Parse a POST /api/v1/pins/remove body: exactly {"id":N}, N an integer 1..2^31-1. */
keel_err keeld_pin_remove_parse(const uint8_t *body, size_t len, uint32_t *id);

void keeld_handle_lock_get(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs);
void keeld_handle_lock_set(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs);
void keeld_handle_pins_get(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs);
void keeld_handle_pins_add(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs);
void keeld_handle_pins_remove(struct keeld_state *st, const struct keeld_request *rq,
                              struct keeld_response *rs);
void keeld_handle_log(struct keeld_state *st, const struct keeld_request *rq,
                      struct keeld_response *rs);

/* ---- the product: model designation and support period (5.3-13, 5.3-16) ----
 * KEEL_SUPPORT_UNTIL ("YYYY-MM-DD", the last day of security updates) and
 * KEEL_SECURITY_CONTACT (a URI) are set by the build (cmake -DKEEL_SUPPORT_UNTIL=...). */

/* GET /api/v1/device, public and served in the factory state: what anyone holding the
 * device may read before logging in:
 *   {"model":"...","serial":"...","firmware_version":"...","support_until":"YYYY-MM-DD",
 *    "supported":bool,"state":"factory"|"initialised",
 *    "security_contact":"...","security_txt":"/.well-known/security.txt"} */
void keeld_handle_device(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs);

/* GET /api/v1/security (session; factory too): the device's security state, for the owner
 * to check it is still set up securely (5.12-3):
 *   {"ok":bool,"checks":[{"id":"owner_password","ok":bool,"detail":"..."}, ...]}
 * ids: owner_password, software_integrity, automatic_updates, update_check,
 * root_of_trust, support_period, cloud_link, data_processing. "ok" is the and of them
 * all except cloud_link and data_processing, which are information: their "ok" is always
 * true and a member "on" says whether the link is up / the owner chose the processing. */
void keeld_handle_security(struct keeld_state *st, const struct keeld_request *rq,
                           struct keeld_response *rs);

/* ---- first-run setup (5.12-1, setup_route.c) ----
 * POST /api/v1/setup (session; the owner's password must already be set, else 403):
 * {"auto_install":bool,"data_processing":bool}, both required: automatic updates (on by
 * default) and the optional processing (off by default): data_processing true grants
 * KEELD_CONSENT_ACCESS_LOG_SYNC through keeld_lock_consent_set (via "setup"), false records
 * a refusal the same way (6-2, 6-3A). 204. */
#define KEELD_SETUP_BODY_MAX 128u
/* Where keeld before consent records kept the setup's choice ("0" or "1"): read once at start
 * by keeld_setup_migrate, then deleted. */
#define KEELD_REC_PROCESSING "privacy.processing"

keel_err keeld_setup_parse(const uint8_t *body, size_t len, int *auto_install,
                           int *data_processing);
void keeld_handle_setup(struct keeld_state *st, const struct keeld_request *rq,
                        struct keeld_response *rs);
/* Once at start, with the lock open: a choice left in KEELD_REC_PROCESSING by an older keeld
 * becomes a consent record (via "setup", as it was made), then the record is deleted. A
 * malformed value records nothing (the processing stays off) and is deleted too. Nothing to
 * do: KEEL_OK. *migrated (may be NULL): 1 when a record was found. */
keel_err keeld_setup_migrate(keel_store *store, struct keeld_lock *lock, int *migrated);

/* ---- the setup page and security.txt (web.c) ----
 * The files of web/setup/ are read once at start (before the sandbox) into memory and
 * served from there: "/" (index.html), "/setup.css", "/setup.js", and
 * "/.well-known/security.txt" (RFC 9116, 5.2-1) made at start: Contact
 * (KEEL_SECURITY_CONTACT), Expires (the earlier of the support period's end and a year
 * from now), Policy, Preferred-Languages: en (no Canonical: the device has no stable
 * address to name; web.c). Public, factory too, GET only, with Content-Security-Policy
 * "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';
 * frame-ancestors 'none'", X-Content-Type-Options nosniff,
 * Referrer-Policy no-referrer and X-Frame-Options DENY (server.c sends these on every
 * answer, libwebsockets' own too). */
#define KEELD_WEB_FILE_MAX ((size_t)256 * 1024)

struct keeld_web; /* opaque */

/* Load dir's index.html, setup.css and setup.js (each a regular file of at most
 * KEELD_WEB_FILE_MAX bytes; a missing one fails naming it) and make security.txt for
 * now. */
keel_err keeld_web_load(const char *dir, int64_t now, struct keeld_web **out, char *err,
                        size_t errsz);
void keeld_web_free(struct keeld_web *w);
/* The file served at path, filling rs (200, ext_body, content_type, headers): 1; or 0 when
 * path is not a static file. */
int keeld_web_find(const struct keeld_web *w, const char *path, struct keeld_response *rs);
/* The static paths, for --describe and the audit: count and path i. */
size_t keeld_web_path_count(void);
const char *keeld_web_path_at(size_t i);

/* ---- the keypad and the inside button (keypad.c) ----
 * A local stream socket (--keypad PATH, default DATA/keypad.sock, mode 0600) stands for the
 * keypad's wires: a test or the hardware's driver writes one command per line:
 *   "PIN <digits>"   a PIN typed outside          -> "OK unlocked" | "DENIED" | "WAIT <s>"
 *   "LOCK"           the outside lock key         -> "OK locked"
 *   "BUTTON"         the inside thumb-turn        -> "OK locked" | "OK unlocked" (toggles)
 *   "DOOR OPEN" | "DOOR CLOSED"  the door sensor  -> "OK"
 *   "BATTERY <0-100>"            the battery gauge -> "OK"
 *   "STATE"                                       -> "STATE locked|unlocked open|closed N"
 * Anything else (unknown words, lines over KEELD_KEYPAD_LINE_MAX bytes, control characters,
 * NUL) is answered "ERROR malformed" and changes nothing; the connection stays usable. */
#define KEELD_KEYPAD_SOCKET "keypad.sock"
#define KEELD_KEYPAD_LINE_MAX 64u
#define KEELD_KEYPAD_CLIENTS 4u

typedef enum keeld_keypad_op {
    KEELD_KEYPAD_PIN,
    KEELD_KEYPAD_LOCK,
    KEELD_KEYPAD_BUTTON,
    KEELD_KEYPAD_DOOR,
    KEELD_KEYPAD_BATTERY,
    KEELD_KEYPAD_STATE
} keeld_keypad_op;

struct keeld_keypad_cmd {
    keeld_keypad_op op;
    char pin[KEELD_PIN_MAX_DIGITS + 1]; /* PIN: the digits */
    int value;                          /* DOOR: 1 open; BATTERY: percent */
};

/* Parse one line (len bytes without its newline; untrusted). KEEL_ERR_PARSE for anything
 * not in the grammar above; KEEL_ERR_TOO_LARGE past KEELD_KEYPAD_LINE_MAX. */
keel_err keeld_keypad_parse(const char *line, size_t len, struct keeld_keypad_cmd *out);
/* Carry out cmd on the lock, the answer line (without newline) into out. */
void keeld_keypad_execute(struct keeld_lock *l, const struct keeld_keypad_cmd *cmd, char *out,
                          size_t outsz);

struct keeld_keypad; /* opaque */
/* Bind the socket (before the sandbox; a stale socket file is replaced, anything else at
 * path is refused). */
keel_err keeld_keypad_open(const char *path, struct keeld_lock *lock, struct keeld_keypad **out,
                           char *err, size_t errsz);
/* Serve on a thread of its own (after the sandbox). */
keel_err keeld_keypad_start(struct keeld_keypad *k);
/* Stop, close, remove the socket file. NULL is a no-op. */
void keeld_keypad_close(struct keeld_keypad *k);

/* ---- cloud commands (cloud_command.c) ----
 * keel/<serial>/command carries {"id":"...","action":"lock"|"unlock"|"state"}: id 1..36
 * of [A-Za-z0-9-], no other members. The answer goes to keel/<serial>/reply:
 * {"id":"...","result":"ok","locked":bool} or {"id":...,"result":"error","error":"..."}
 * (id omitted when it could not be read). */
#define KEELD_COMMAND_MAX 256u
#define KEELD_COMMAND_ID_MAX 36u

typedef enum keeld_command_action {
    KEELD_CMD_LOCK,
    KEELD_CMD_UNLOCK,
    KEELD_CMD_STATE
} keeld_command_action;

keel_err keeld_command_parse(const uint8_t *payload, size_t len, char id[KEELD_COMMAND_ID_MAX + 1],
                             keeld_command_action *action);
/* Parse and carry out one command payload; the reply JSON (NUL-terminated) into out. */
void keeld_command_execute(struct keeld_lock *l, const uint8_t *payload, size_t len, char *out,
                           size_t outsz);

/* Queue the security event name (keeld_lock_security) from src; l NULL (unit tests without
 * a lock) does nothing, and a failure is logged, never passed on: the action the event
 * reports has already happened (security_event.c). */
void keeld_security_event(struct keeld_lock *l, const char *name, keeld_lock_source src);

/* ---- the owner's data at the associated service (cloud_privacy.c; 5.11-2, 5.11-4) ----
 * keel/<serial>/privacy/delete   device -> service, QoS 1, sent on every connection while the
 *                                request is pending: {"request":"<id>","requested":"RFC 3339"}
 * keel/<serial>/privacy/deleted  service -> device, QoS 1, never retained:
 *                                {"request":"<id>","items":N}
 * The id is KEELD_DELETION_ID_HEX lower-case hex digits; N is a whole number
 * 0..KEELD_DELETED_ITEMS_MAX (what the service deleted). */
#define KEELD_DELETED_MAX 256u                               /* a confirmation's payload */
#define KEELD_DELETED_ITEMS_MAX ((uint64_t)9007199254740992) /* 2^53: exact in JSON */
#define KEELD_DELETION_REQUEST_MAX 96u                       /* the request's JSON and NUL */

/* Parse a confirmation (len untrusted bytes, need not be NUL-terminated): exactly the two
 * members above, each once, of the right type and characters, nothing after the object.
 * KEEL_ERR_TOO_LARGE past KEELD_DELETED_MAX bytes, KEEL_ERR_PARSE otherwise; on failure id is
 * "" and *items 0. KEEL_ERR_ARG for NULL outputs or NULL payload with len > 0. */
keel_err keeld_deleted_parse(const uint8_t *payload, size_t len, char id[KEELD_DELETION_ID_HEX + 1],
                             uint64_t *items);
/* The request's JSON for id (checked: KEEL_ERR_ARG) made at requested (seconds since the
 * epoch) into out. KEEL_ERR_RANGE when out is too small. */
keel_err keeld_deletion_request_json(const char *id, int64_t requested, char *out, size_t outsz);
/* One message from privacy/deleted as the broker delivered it: a retained one is refused
 * (KEEL_ERR_PERM: it would be replayed at every connection), a malformed one refused
 * (keeld_deleted_parse's error), one naming a request that is not pending ignored
 * (KEEL_ERR_NOT_FOUND: stale or forged); otherwise the request is confirmed
 * (keeld_lock_deletion_confirm). Each outcome is logged. l NULL: KEEL_ERR_ARG. */
keel_err keeld_cloud_deleted(struct keeld_lock *l, const uint8_t *payload, size_t len,
                             int retained);

/* ---- personal data (6-1 .. 6-8) and deletion (5.11): privacy_route.c, privacy_parse.c,
 * inventory.c, reset.c, retention.c ----
 * GET  /api/v1/privacy               public, factory too: the data inventory
 *                                    (data/privacy/keeld-inventory.json, compiled in), byte for
 *                                    byte (6-1, 6-5)
 * GET  /api/v1/privacy/consent       keeld_lock_consent_json
 * POST /api/v1/privacy/consent       {"purpose":"access_log_sync","granted":bool} -> 200 and
 *                                    keeld_lock_consent_json; an unknown purpose 400 (6-2, 6-3)
 * GET  /api/v1/privacy/export        everything keeld holds about its owner as one document,
 *                                    Content-Disposition: attachment; filename="keel-export.json":
 *                                    {"format":"keel-export-1","exported":"RFC 3339",
 *                                     "device":{"serial","model"},"owner":{"password_set":true,
 *                                     "update_settings":{"auto_install","notify",
 *                                     "postponed_until":"RFC 3339"|null}}, + keeld_lock_export}
 * POST /api/v1/privacy/cloud-delete  {} -> 202 {"state":"pending","request":"<id>"} (the same
 *                                    request while one is pending); 409 without a cloud link
 * GET  /api/v1/privacy/cloud-delete  keeld_lock_deletion_json (5.11-2, 5.11-4)
 * POST /api/v1/reset                 {"password":"<owner's>","confirm":"erase"} -> 200
 *                                    {"reset":"done","erased":[...]}; then keeld exits with
 *                                    KEELD_EXIT_REBOOT and starts in the factory state (5.11-1)
 * Every one but the inventory needs a session and is refused in the factory state. */
#define KEELD_CONSENT_BODY_MAX 128u
#define KEELD_CONSENT_PURPOSE_MAX 32u /* bytes of a purpose's name, [a-z0-9_] */
#define KEELD_CLOUD_DELETE_BODY_MAX 16u
#define KEELD_RESET_BODY_MAX 1024u
#define KEELD_EXPORT_FORMAT "keel-export-1"
#define KEELD_EXPORT_FILE "keel-export.json"
/* The largest answer kept in memory (the export of a full access log and consent history
 * is well below it); more is a 500 rather than an unbounded allocation. */
#define KEELD_ANSWER_MAX ((size_t)4 * 1024 * 1024)
/* The factory reset's marker in the data directory: written before anything is erased and
 * removed by the next start once the erasure is complete, so that a power cut in between
 * finishes the reset at the next start (keeld_reset_resume). */
#define KEELD_RESET_MARKER "reset-pending"
#define KEELD_RESET_MARKER_MAX 256u
/* "update.floor-base" (src/update/floor.c): where the anti-rollback counter started on this
 * device. Kept by the factory reset: without it the next start would take the counter as it
 * is for floor 0 and accept images older than the ones already confirmed (5.3 anti-rollback). */
#define KEELD_REC_UPDATE_FLOOR_BASE "update.floor-base"

/* The compiled-in inventory (generated by the build from data/privacy/keeld-inventory.json,
 * checked to be JSON then): keeld_inventory_size bytes, not NUL-terminated. */
extern const uint8_t keeld_inventory_data[];
extern const size_t keeld_inventory_size;
/* Add the inventory to root as member "privacy" (for keeld --describe and the IXIT).
 * KEEL_ERR_PARSE if it is not a JSON object, KEEL_ERR_NOMEM. */
keel_err keeld_inventory_add(cJSON *root);

/* Parse a POST /api/v1/privacy/consent body: exactly {"purpose":string,"granted":bool},
 * purpose 1..KEELD_CONSENT_PURPOSE_MAX bytes of [a-z0-9_] copied into purpose
 * (KEELD_CONSENT_PURPOSE_MAX + 1, NUL-terminated; whether keeld knows it is the lock's to
 * say). KEEL_ERR_PARSE, KEEL_ERR_TOO_LARGE past KEELD_CONSENT_BODY_MAX; on error purpose is
 * "" and *granted 0. */
keel_err keeld_consent_parse(const uint8_t *body, size_t len, char *purpose, int *granted);
/* Parse a POST /api/v1/privacy/cloud-delete body: an empty JSON object, whitespace allowed.
 * KEEL_ERR_PARSE, KEEL_ERR_TOO_LARGE past KEELD_CLOUD_DELETE_BODY_MAX. */
keel_err keeld_cloud_delete_parse(const uint8_t *body, size_t len);
/* Parse a POST /api/v1/reset body: exactly {"password":string,"confirm":"erase"}, the
 * password 1..KEEL_SECRET_MAX bytes without NUL. KEEL_ERR_PARSE (also for any other
 * "confirm"), KEEL_ERR_TOO_LARGE past KEELD_RESET_BODY_MAX. Every copy of the password made
 * while parsing is wiped; on error *password is empty. */
keel_err keeld_reset_parse(const uint8_t *body, size_t len, keel_secret *password);

void keeld_handle_privacy(struct keeld_state *st, const struct keeld_request *rq,
                          struct keeld_response *rs);
void keeld_handle_consent_get(struct keeld_state *st, const struct keeld_request *rq,
                              struct keeld_response *rs);
void keeld_handle_consent_set(struct keeld_state *st, const struct keeld_request *rq,
                              struct keeld_response *rs);
void keeld_handle_export(struct keeld_state *st, const struct keeld_request *rq,
                         struct keeld_response *rs);
void keeld_handle_cloud_delete_get(struct keeld_state *st, const struct keeld_request *rq,
                                   struct keeld_response *rs);
void keeld_handle_cloud_delete(struct keeld_state *st, const struct keeld_request *rq,
                               struct keeld_response *rs);
void keeld_handle_reset(struct keeld_state *st, const struct keeld_request *rq,
                        struct keeld_response *rs);

/* The store records a factory reset keeps (the manufacturer's: what keel provision writes,
 * and the anti-rollback base); every other record is destroyed. The one list; its length
 * into *n. */
const char *const *keeld_factory_records(size_t *n);

/* The factory reset of a running keeld (5.11-1), crash-safe: (1) the marker
 * DATA/KEELD_RESET_MARKER written atomically ({"requested":"RFC 3339"}); (2) the store kept to
 * keeld_factory_records (the owner's password hash, the guard's records, the update settings,
 * the lock's PIN key, the data key, the telemetry pseudonym: gone); (3) the lock's database
 * erased (keeld_lock_erase: crypto-erase first, then the files' bytes); (4) every session
 * ended and the owner's hash and guard records dropped from memory; st->reset_done set. The
 * marker stays for the next start. Needs st->data_dir and st->lock. A failure after (1)
 * leaves the marker, so that the next start finishes the reset; err says which step failed. */
keel_err keeld_factory_reset(struct keeld_state *st, char *err, size_t errsz);
/* At start, after the store is open and before the state and the lock are: when the marker
 * exists, do steps (2) and (3) again (idempotent; *resumed 1), else nothing (*resumed 0). */
keel_err keeld_reset_resume(const char *data_dir, keel_store *store, int *resumed, char *err,
                            size_t errsz);
/* Once the fresh lock is open after a resumed reset: record the security event
 * "factory_reset" and remove the marker (and sync the directory). */
keel_err keeld_reset_finish(const char *data_dir, struct keeld_lock *lock, char *err, size_t errsz);

/* Retention (6-6): a thread that prunes the access log (keeld_lock_prune) every
 * keeld_retention_interval_s seconds until stopped; pruning also runs once at start, before
 * the thread (main.c). Started after the sandbox; its calls (futex, clock_gettime, the
 * lock's SQLite writes) are on the allow-list. Skips its work once st->reset_done is set. */
struct keeld_retention; /* opaque */
/* min(retention_s, 60), at least 1: an entry outlives its retention by less than a minute
 * (and by less than the retention itself when that is shorter). */
uint32_t keeld_retention_interval_s(int64_t retention_s);
keel_err keeld_retention_start(struct keeld_state *st, int64_t retention_s,
                               struct keeld_retention **out);
/* Stop the thread and free. NULL is a no-op. */
void keeld_retention_stop(struct keeld_retention *r);

/* ---- privileges and the system-call allow-list (5.6-7) (sandbox.c) ---- */

/* Checks made before anything is opened, so that keeld refuses early: when started as
 * root, cfg->user must exist, must not be root, and must own cfg->data_dir (which must not be
 * writable by group or others); when not root, cfg->user must be NULL or name the current
 * user. err says what to fix. When root and the checks pass, the effective user and groups
 * become cfg->user's (only CAP_NET_BIND_SERVICE stays effective), so that the identity, the
 * root of trust and the store are opened, checked and written as the account that will own
 * them; the real and saved uid stay 0 until keeld_sandbox_enter. */
keel_err keeld_sandbox_check(const struct keeld_config *cfg, char *err, size_t errsz);

/* After the listener is bound and the root of trust is open: when root, switch to
 * cfg->user (groups, gid, uid; no way back), drop every capability (bounding and ambient
 * sets too); in every case set no-new-privs and load the seccomp allow-list (anything
 * else kills the process). KEEL_ERR_PERM with err naming the step that failed: keeld then
 * stops rather than run with privileges. */
keel_err keeld_sandbox_enter(const struct keeld_config *cfg, char *err, size_t errsz);

#endif /* KEEL_APPS_KEELD_H */
