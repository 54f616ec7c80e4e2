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

/* The OWASP minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane. */
#define KEEL_AUTH_ARGON2_M_KIB 19456u
#define KEEL_AUTH_ARGON2_T 2u
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

/* Hash password with Argon2id (the parameters above, a fresh 16-byte salt from keel_random)
 * and write the PHC string "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" into encoded
 * (size encoded_size, KEEL_AUTH_HASH_MAX is always enough). An empty password is refused
 * with KEEL_ERR_ARG. Errors: KEEL_ERR_RANDOM, KEEL_ERR_RANGE (buffer too small),
 * KEEL_ERR_CRYPTO (libargon2 failed, for instance out of memory). On error encoded is "". */
KEEL_MUST_CHECK keel_err keel_auth_hash_password(const keel_secret *password, char *encoded,
                                                 size_t encoded_size);

/* Check password against a stored PHC string made by keel_auth_hash_password.
 * KEEL_OK: it matches. KEEL_ERR_AUTH_DENIED: it does not. KEEL_ERR_PARSE: encoded is not a
 * well-formed Argon2id v19 string with a 16-byte salt, a 32-byte hash and parameters
 * between the defaults and the maxima above; a malformed hash never verifies.
 * KEEL_ERR_CRYPTO: libargon2 could not run. */
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

#ifdef __cplusplus
}
#endif
#endif /* KEEL_AUTH_H */
