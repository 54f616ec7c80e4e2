/*
 * keel auth: unique per-device label passwords, Argon2id password verification and
 * login sessions (EN 303 645 5.1-1, 5.1-2, 5.1-3 and 5.5-4).
 *
 * Every function returns keel_err. Bad arguments (NULL where the contract forbids it, a
 * buffer too small for the declared size) return KEEL_ERR_ARG or KEEL_ERR_RANGE; nothing
 * here aborts and nothing allocates on the heap except libargon2's working memory.
 */
#ifndef KEEL_AUTH_H
#define KEEL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "keel/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Argon2id password hashing (5.1-3: passwords are stored only as slow hashes) ---- */

/*
 * Two cost profiles, both OWASP's Argon2id minimum, chosen at build time with the CMake
 * cache option KEEL_AUTH_PROFILE:
 *   default  19 MiB of memory, 2 passes, 1 lane;
 *   small     7 MiB of memory, 5 passes, 1 lane: the same cost in time, for devices with
 *            little RAM.
 * New hashes use the build's profile (keel_auth_argon2_profile); verification accepts a
 * stored hash made under either, so a device can move between them.
 */
#define KEEL_AUTH_ARGON2_DEFAULT_M_KIB 19456u
#define KEEL_AUTH_ARGON2_DEFAULT_T 2u
#define KEEL_AUTH_ARGON2_SMALL_M_KIB 7168u
#define KEEL_AUTH_ARGON2_SMALL_T 5u
#define KEEL_AUTH_ARGON2_P 1u
#define KEEL_AUTH_SALT_LEN 16u
#define KEEL_AUTH_HASH_LEN 32u
/* Stored hashes may carry stronger parameters than the defaults, up to these bounds, so a
 * corrupted or hostile stored hash cannot make verification allocate without limit. */
#define KEEL_AUTH_ARGON2_M_MAX_KIB 262144u
#define KEEL_AUTH_ARGON2_T_MAX 16u
#define KEEL_AUTH_ARGON2_P_MAX 8u
/* Size of a buffer that holds any encoded hash keel writes or accepts, NUL included. */
#define KEEL_AUTH_HASH_MAX 128u

/* Argon2id cost parameters. */
typedef struct keel_auth_argon2_params {
    uint32_t m_kib; /* memory in KiB */
    uint32_t t;     /* passes */
    uint32_t p;     /* lanes */
} keel_auth_argon2_params;

/* The profile this build hashes with (KEEL_AUTH_PROFILE); never NULL. */
const keel_auth_argon2_params *keel_auth_argon2_profile(void);
/* "default" or "small". */
const char *keel_auth_argon2_profile_name(void);

/* Hash password with Argon2id under the build's profile and a fresh 16-byte salt from
 * keel_random, and write the PHC string "$argon2id$v=19$m=M,t=T,p=1$<salt>$<hash>" into
 * encoded (size encoded_size, KEEL_AUTH_HASH_MAX is always enough). An empty password is
 * refused with KEEL_ERR_ARG. Errors: KEEL_ERR_RANDOM, KEEL_ERR_RANGE (buffer too small),
 * KEEL_ERR_CRYPTO (libargon2 failed, for instance out of memory). On error encoded is "". */
KEEL_MUST_CHECK keel_err keel_auth_hash_password(const keel_secret *password, char *encoded,
                                                 size_t encoded_size);

/* The same under the given parameters, which must be at least as strong as one of the two
 * profiles and within the maxima above (KEEL_ERR_ARG otherwise): for tests and benchmarks
 * that compare profiles. */
KEEL_MUST_CHECK keel_err keel_auth_hash_password_params(const keel_auth_argon2_params *params,
                                                        const keel_secret *password, char *encoded,
                                                        size_t encoded_size);

/* Check password against a stored PHC string made by keel_auth_hash_password.
 * KEEL_OK: it matches. KEEL_ERR_AUTH_DENIED: it does not. KEEL_ERR_PARSE: encoded is not a
 * well-formed Argon2id v19 string with a 16-byte salt, a 32-byte hash and parameters at
 * least as strong as one of the two profiles (memory and passes both) and within the maxima
 * above; a malformed or weakened hash never verifies. KEEL_ERR_CRYPTO: libargon2 could not
 * run. */
KEEL_MUST_CHECK keel_err keel_auth_verify_password(const char *encoded,
                                                   const keel_secret *password);

/* ---- Label passwords (5.1-1 unique per device, 5.1-2 not guessable) ---- */

/*
 * 28 symbols: the digits 2-9 and the capital letters without I, L, O (which read as 1, 1, 0)
 * and without B, S, Z (which read as 8, 5, 2 in many label fonts). A label password is 15
 * symbols drawn only from the CSPRNG, 15 * log2(28) = 72.1 bits (5.1-2 asks for no less than
 * 64 here), and one check symbol computed over them, printed in four dash-separated groups
 * of four: "7KQ3-M9TX-C4RH-2VWE" (19 characters). Nothing comes from the serial, a MAC
 * address or the time: the password is a pure function of the CSPRNG's output.
 *
 * The check symbol catches every single mistyped symbol and every swap of two neighbours
 * before a login attempt is spent on them (so typing errors do not feed the brute-force
 * guard). It is the Luhn scheme generalised to 28 symbols: each symbol index i is read as
 * the pair (i mod 4 in GF(4), i div 4 in Z/7); symbols at odd distance from the check
 * symbol are multiplied by u = (w, 3), the others by 1, and the check symbol makes the sum
 * zero. Plain Luhn mod 28 (doubling) misses the swap of the first and last symbol of the
 * alphabet, as Luhn mod 10 misses 09/90: Z/28 has no doubling-like map m with m(x) and
 * m(x) - x both one-to-one, Z/2 x Z/2 x Z/7 has (u and u - 1 are both units).
 */
#define KEEL_AUTH_LABEL_ALPHABET "23456789ACDEFGHJKMNPQRTUVWXY"
#define KEEL_AUTH_LABEL_RANDOM 15u  /* symbols from the CSPRNG */
#define KEEL_AUTH_LABEL_SYMBOLS 16u /* the random ones and the check symbol */
#define KEEL_AUTH_LABEL_BITS 72u    /* floor(15 * log2(28)) */
#define KEEL_AUTH_LABEL_GROUP 4u
#define KEEL_AUTH_LABEL_LEN 19u /* symbols plus the three dashes: the canonical form */

/* Generate a fresh label password in its canonical form into out (replacing its
 * contents). On error out is cleared. Errors: KEEL_ERR_ARG, KEEL_ERR_RANDOM. */
KEEL_MUST_CHECK keel_err keel_auth_label_password(keel_secret *out);

/* The canonical form of a label password as a person typed it: lower case is read as upper
 * case, spaces and dashes anywhere are ignored; the 16 symbols that remain must come from
 * the alphabet and end in the right check symbol. out (which may be input itself) receives
 * "XXXX-XXXX-XXXX-XXXX", the form that is hashed and stored (keel_auth_hash_password) and
 * verified. Errors: KEEL_ERR_ARG (NULL), KEEL_ERR_PARSE (a wrong number of symbols, a
 * character outside the alphabet, a wrong check symbol); on error out is cleared. */
KEEL_MUST_CHECK keel_err keel_auth_label_canonical(const keel_secret *input, keel_secret *out);

/* ---- Sessions (5.5-4: session tokens are unguessable and stored only as hashes) ---- */

#define KEEL_AUTH_TOKEN_BYTES 32u    /* 256 random bits */
#define KEEL_AUTH_TOKEN_TEXT_LEN 64u /* lower-case hex */
#define KEEL_AUTH_TOKEN_SIZE (KEEL_AUTH_TOKEN_TEXT_LEN + 1u)

/* One slot: the SHA-256 of the token and when it stops being valid. Treat as opaque. */
typedef struct keel_auth_session {
    uint8_t token_hash_[32];
    uint64_t expires_ms_;
    int in_use_;
} keel_auth_session;

/* A session table over caller-allocated slots: no heap, a fixed capacity. */
typedef struct keel_auth_sessions {
    keel_auth_session *slots_;
    size_t nslots_;
    uint64_t ttl_ms_;
} keel_auth_sessions;

/* Milliseconds on CLOCK_MONOTONIC: session expiry does not move when the wall clock is
 * set. Callers pass this (or, in tests, any value) as now_ms below. */
uint64_t keel_auth_now_ms(void);

/* Set up table over slots[0..nslots) (all emptied) with sessions lasting ttl_s seconds.
 * Errors: KEEL_ERR_ARG (NULL, nslots 0, ttl_s 0). */
keel_err keel_auth_sessions_init(keel_auth_sessions *table, keel_auth_session *slots, size_t nslots,
                                 uint32_t ttl_s);

/* Start a session at now_ms: write a new 64-character hex token and its NUL into token
 * (KEEL_AUTH_TOKEN_SIZE bytes); the table keeps only the token's SHA-256. Expired and
 * ended slots are reused. Errors: KEEL_ERR_AUTH_FULL (every slot holds a live session),
 * KEEL_ERR_RANDOM, KEEL_ERR_CRYPTO. On error token is wiped. The caller wipes token. */
KEEL_MUST_CHECK keel_err keel_auth_session_create(keel_auth_sessions *table, uint64_t now_ms,
                                                  char token[KEEL_AUTH_TOKEN_SIZE]);

/* Check the len bytes at token at now_ms. KEEL_OK: a live session. KEEL_ERR_AUTH_EXPIRED:
 * the session existed and has expired (its slot is freed). KEEL_ERR_AUTH_DENIED: no such
 * session, or token is not a well-formed token. Hashes are compared with keel_ct_equal
 * against every slot. */
KEEL_MUST_CHECK keel_err keel_auth_session_validate(keel_auth_sessions *table, uint64_t now_ms,
                                                    const void *token, size_t len);

/* End (log out) the session of token. KEEL_ERR_AUTH_DENIED if there is none. */
KEEL_MUST_CHECK keel_err keel_auth_session_end(keel_auth_sessions *table, const void *token,
                                               size_t len);

/* Wipe every slot (shutdown, factory reset). NULL is a no-op. */
void keel_auth_sessions_wipe(keel_auth_sessions *table);

/* ---- Password policy (5.1-4: the user's own password must not be a weak one) ---- */

#define KEEL_AUTH_PASSWORD_MIN_CHARS 10u  /* code points, not bytes */
#define KEEL_AUTH_PASSWORD_MAX_BYTES 128u /* = KEEL_SECRET_MAX */

/* Why a new password was refused; each rule its own reason, so the setup page can say
 * which. Checked in this order. */
typedef enum keel_auth_weak {
    KEEL_AUTH_WEAK_NONE = 0,
    KEEL_AUTH_WEAK_NOT_UTF8,  /* not well-formed UTF-8 (or holds a NUL) */
    KEEL_AUTH_WEAK_TOO_LONG,  /* more than KEEL_AUTH_PASSWORD_MAX_BYTES bytes */
    KEEL_AUTH_WEAK_TOO_SHORT, /* fewer than KEEL_AUTH_PASSWORD_MIN_CHARS characters */
    KEEL_AUTH_WEAK_ONE_CHAR,  /* one character repeated */
    KEEL_AUTH_WEAK_COMMON,    /* in data/passwords/common.txt, ignoring ASCII case */
    KEEL_AUTH_WEAK_LABEL      /* the device's label password, in any spelling */
} keel_auth_weak;

/* A short stable name for reason, for APIs and logs: "not utf-8", "too long", "too short",
 * "one character", "common password", "label password"; "" for KEEL_AUTH_WEAK_NONE. */
const char *keel_auth_weak_name(keel_auth_weak reason);

/* Check the len bytes at password (a candidate new password; any bytes, any length) against
 * the policy. label_hash, the stored Argon2id hash of the label password, may be NULL to skip
 * that rule; when given, a candidate that keel_auth_label_canonical accepts is verified
 * against it (one Argon2id run; other candidates cost nothing).
 * KEEL_OK with *reason KEEL_AUTH_WEAK_NONE: acceptable. KEEL_ERR_AUTH_WEAK: refused, *reason
 * says why. KEEL_ERR_ARG (password NULL with len > 0, reason NULL), KEEL_ERR_PARSE
 * (label_hash malformed) or KEEL_ERR_CRYPTO: no decision; the caller must refuse. */
KEEL_MUST_CHECK keel_err keel_auth_password_check(const void *password, size_t len,
                                                  const char *label_hash, keel_auth_weak *reason);

/* 1 when the len bytes at word are an entry of the compiled-in list of common passwords,
 * ignoring ASCII case; 0 otherwise (also for NULL). */
int keel_auth_password_is_common(const void *word, size_t len);

/* ---- Brute-force guard (5.1-5: repeated failed logins are slowed down, then locked) ----
 *
 * Pure logic: the caller passes the time and persists what changed; nothing here sleeps,
 * reads a clock or touches a file. The numbers are fixed (agreed with keel audit's tests
 * 5.1-1-2 and 5.1-5-2):
 *  - per client: failures 1 to 5 are evaluated at once; after failure n (5 <= n < 10) the
 *    client waits 2^(n-5) s before its next attempt is evaluated; after 10 consecutive
 *    failures it is locked out for 300 s (and again after each further failure). A success
 *    resets the client.
 *  - overall: after failure n (n >= 20) counted over the last hour, every client waits
 *    2^(n-20) s, at most 60 s: slower, never locked for good, so an owner is never kept out
 *    of their own lock by someone else's attempts.
 * Times are milliseconds of the wall clock (keel_auth_guard_now_ms), so that a lock-out
 * survives a restart or a power cut. A clock that went back is handled: a wait never lasts
 * longer than its full length counted from the current time.
 */
#define KEEL_AUTH_GUARD_FREE_FAILURES 5u
#define KEEL_AUTH_GUARD_LOCKOUT_FAILURES 10u
#define KEEL_AUTH_GUARD_LOCKOUT_S 300u
#define KEEL_AUTH_GUARD_OVERALL_FREE 20u
#define KEEL_AUTH_GUARD_OVERALL_WINDOW_S 3600u
#define KEEL_AUTH_GUARD_OVERALL_CAP_S 60u
/* The overall record keeps the times of this many latest failures: beyond 26 the cap holds. */
#define KEEL_AUTH_GUARD_OVERALL_KEEP 32u
#define KEEL_AUTH_GUARD_ADDR_MAX 46u /* a textual IPv4 or IPv6 address, NUL included */
/* Encoded records (keel_auth_guard_*_encode) fit in this, NUL included. */
#define KEEL_AUTH_GUARD_CLIENT_TEXT_MAX 96u
#define KEEL_AUTH_GUARD_OVERALL_TEXT_MAX 720u

/* One client's record; addr "" marks a free slot. Fields are readable for persistence. */
typedef struct keel_auth_guard_client {
    char addr[KEEL_AUTH_GUARD_ADDR_MAX];
    uint32_t failures;        /* consecutive failures since the last success */
    uint64_t last_failure_ms; /* wall clock of the latest one */
} keel_auth_guard_client;

/* All clients together: the times of the latest failures, oldest first, newest last. */
typedef struct keel_auth_guard_overall {
    uint64_t failures_ms[KEEL_AUTH_GUARD_OVERALL_KEEP];
    uint32_t count; /* entries used in failures_ms */
} keel_auth_guard_overall;

/* The guard over caller-allocated client slots: a bounded table, no heap. */
typedef struct keel_auth_guard {
    keel_auth_guard_client *clients;
    size_t nclients;
    keel_auth_guard_overall overall;
} keel_auth_guard;

/* What a call decided, and what the caller must persist. */
typedef struct keel_auth_guard_result {
    int allowed;             /* check: 1 when the attempt may be evaluated */
    uint32_t retry_after_s;  /* when not allowed (check) or after a failure: the wait */
    int locked_out;          /* the client's wait is the 300 s lock-out */
    int overall;             /* the overall limit is what imposes the wait */
    uint32_t failures;       /* the client's consecutive failures */
    uint32_t overall_recent; /* failures of all clients in the last hour */
    size_t slot;             /* the client's slot, when client_changed */
    int client_changed;      /* clients[slot] changed (possibly freed): persist it */
    int overall_changed;     /* overall changed: persist it */
    int evicted;             /* a full table dropped its oldest record for this client */
} keel_auth_guard_result;

/* Wall-clock milliseconds since the epoch (CLOCK_REALTIME); 0 if the clock fails. */
uint64_t keel_auth_guard_now_ms(void);

/* Set up guard over clients[0..nclients) (all emptied). KEEL_ERR_ARG: NULL, nclients 0. */
keel_err keel_auth_guard_init(keel_auth_guard *guard, keel_auth_guard_client *clients,
                              size_t nclients);

/* May the client at addr (its textual address, 1 to KEEL_AUTH_GUARD_ADDR_MAX - 1 bytes) have
 * an attempt evaluated at now_ms? Fills r (allowed, retry_after_s rounded up, locked_out,
 * overall). A clock found to have gone back re-stamps the failure times to now_ms and marks
 * them changed. KEEL_ERR_ARG on bad arguments, with r->allowed 0. */
KEEL_MUST_CHECK keel_err keel_auth_guard_check(keel_auth_guard *guard, const char *addr,
                                               uint64_t now_ms, keel_auth_guard_result *r);

/* Record a failed attempt of addr at now_ms: the client's count and the overall record go up
 * (a full table first evicts the record with the oldest failure). r says the wait now
 * imposed (retry_after_s 0 when none) and what to persist. */
KEEL_MUST_CHECK keel_err keel_auth_guard_failure(keel_auth_guard *guard, const char *addr,
                                                 uint64_t now_ms, keel_auth_guard_result *r);

/* Record a success of addr: its record is freed (client_changed when it had one). */
KEEL_MUST_CHECK keel_err keel_auth_guard_success(keel_auth_guard *guard, const char *addr,
                                                 keel_auth_guard_result *r);

/* Persistence: one line of text per record, "1 ADDR FAILURES LAST_MS" for a client and
 * "1 COUNT T1 T2 ..." for the overall record, written into out (size outsz, the _TEXT_MAX
 * sizes above are enough). Decoding accepts exactly that form (version 1, an address of
 * [0-9A-Fa-f.:], 1 <= FAILURES <= 1000000, COUNT <= KEEL_AUTH_GUARD_OVERALL_KEEP, times in
 * ascending order) and nothing else: KEEL_ERR_PARSE, with out cleared. A free client slot
 * has no encoding (KEEL_ERR_ARG): the caller deletes its record instead. */
keel_err keel_auth_guard_client_encode(const keel_auth_guard_client *c, char *out, size_t outsz);
KEEL_MUST_CHECK keel_err keel_auth_guard_client_decode(const void *text, size_t len,
                                                       keel_auth_guard_client *out);
keel_err keel_auth_guard_overall_encode(const keel_auth_guard_overall *o, char *out, size_t outsz);
KEEL_MUST_CHECK keel_err keel_auth_guard_overall_decode(const void *text, size_t len,
                                                        keel_auth_guard_overall *out);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_AUTH_H */
