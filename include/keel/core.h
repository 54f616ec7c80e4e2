/*
 * keel core: errors, wiping, constant-time comparison, randomness, atomic files,
 * bounded buffers and strings, and a logger that cannot print a secret.
 *
 * Every function returns keel_err (0 on success, a negative code on failure) unless it
 * says otherwise. Bad arguments (NULL where the contract forbids it, a size of zero where
 * one is needed) return KEEL_ERR_ARG; nothing here aborts.
 */
#ifndef KEEL_CORE_H
#define KEEL_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KEEL_MUST_CHECK __attribute__((warn_unused_result))
#define KEEL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KEEL_MUST_CHECK
#define KEEL_PRINTF(fmt, args)
#endif

/* Error codes, grouped by module: core -1..-99, catalog -100..-199, rot -200..-299,
 * store -300..-399, auth -400..-499, tls -500..-599, update -600..-699, integrity
 * -700..-799. New modules take the next free hundred. */
typedef enum keel_err {
    KEEL_OK = 0,
    KEEL_ERR_ARG = -1,                 /* a bad argument: NULL, zero size, out of range */
    KEEL_ERR_NOMEM = -2,               /* an allocation failed */
    KEEL_ERR_IO = -3,                  /* a file or socket operation failed (errno says which) */
    KEEL_ERR_RANDOM = -4,              /* the system CSPRNG failed; nothing random was produced */
    KEEL_ERR_RANGE = -5,               /* the result does not fit the caller's buffer */
    KEEL_ERR_PARSE = -6,               /* input is malformed */
    KEEL_ERR_NOT_FOUND = -7,           /* no such file, entry or provision */
    KEEL_ERR_TOO_LARGE = -8,           /* input exceeds its declared maximum size */
    KEEL_ERR_CRYPTO = -9,              /* a cryptographic library call failed */
    KEEL_ERR_PERM = -10,               /* a file has unsafe permissions or access was refused */
    KEEL_ERR_EXISTS = -11,             /* refusing to overwrite something that exists */
    KEEL_ERR_CATALOG_VERSION = -100,   /* unknown EN 303 645 version */
    KEEL_ERR_ROT_REFUSED = -200,       /* backend not allowed in this build (file in production) */
    KEEL_ERR_ROT_UNAVAILABLE = -201,   /* the root of trust cannot be reached */
    KEEL_ERR_ROT_SEALED = -202,        /* a sealed blob is damaged or from another device */
    KEEL_ERR_STORE_TRUNCATED = -300,   /* the store file is shorter than its header says */
    KEEL_ERR_STORE_FOREIGN = -301,     /* not this device's store (or not a keel store) */
    KEEL_ERR_STORE_TAMPERED = -302,    /* the store failed authentication */
    KEEL_ERR_STORE_ROLLBACK = -303,    /* the store is older than the root of trust's counter */
    KEEL_ERR_AUTH_DENIED = -400,       /* wrong credentials */
    KEEL_ERR_AUTH_EXPIRED = -401,      /* the session has expired or was ended */
    KEEL_ERR_AUTH_FULL = -402,         /* no free session slot */
    KEEL_ERR_AUTH_WEAK = -403,         /* a new password breaks the password policy (5.1-4) */
    KEEL_ERR_AUTH_THROTTLED = -404,    /* too many failed attempts: wait, then retry (5.1-5) */
    KEEL_ERR_TLS_POLICY = -500,        /* a TLS context could not be held to keel's policy */
    KEEL_ERR_UPDATE_UNSIGNED = -600,   /* no valid signature by a key trusted for the role */
    KEEL_ERR_UPDATE_THRESHOLD = -601,  /* valid signatures, fewer than the role's threshold */
    KEEL_ERR_UPDATE_ROLLBACK = -602,   /* metadata older than the trusted copy */
    KEEL_ERR_UPDATE_EXPIRED = -603,    /* metadata past its expiry (a freeze attack) */
    KEEL_ERR_UPDATE_MISMATCH = -604,   /* metadata disagrees with the role that names it */
    KEEL_ERR_UPDATE_TOO_LONG = -605,   /* more bytes than the signed length (endless data) */
    KEEL_ERR_UPDATE_HASH = -606,       /* the bytes differ from the signed SHA-256 */
    KEEL_ERR_UPDATE_HARDWARE = -607,   /* the target is for another hardware id */
    KEEL_ERR_UPDATE_DOWNGRADE = -608,  /* security version below the device's floor */
    KEEL_ERR_UPDATE_FETCH = -609,      /* the repository cannot be reached or refused */
    KEEL_ERR_UPDATE_BOOT = -610,       /* the boot-control environment is missing or bad */
    KEEL_ERR_INTEGRITY_MISMATCH = -700 /* the installed software differs from its metadata */
} keel_err;

/* A static, human-readable description of err; never NULL. */
const char *keel_strerror(keel_err err);

/* "keel-build-kind: " followed by "production" (KEEL_PRODUCTION) or "development": a marker
 * kept in every binary linking libkeel, so that a firmware image shows which kind of build
 * it carries (5.6-4 / 5.6-4A: a development build must not ship). */
extern const char keel_build_kind[];

/* Overwrite len bytes at p with zeros in a way the compiler may not remove.
 * NULL with len 0 is allowed. */
void keel_wipe(void *p, size_t len);

/* 1 if the len bytes at a and b are equal, 0 otherwise. The time taken depends only on
 * len, never on the contents: use it for every comparison of secrets or their hashes. */
int keel_ct_equal(const void *a, const void *b, size_t len);

/* Fill buf with len bytes from the operating system's CSPRNG (getrandom). On any failure
 * buf is wiped and KEEL_ERR_RANDOM returned: there is no fallback to a weaker source. */
KEEL_MUST_CHECK keel_err keel_random(void *buf, size_t len);

/* A uniform random integer in [0, bound), without modulo bias. bound must be > 0. */
KEEL_MUST_CHECK keel_err keel_random_uniform(uint32_t bound, uint32_t *out);

/* Capped exponential back-off with full jitter (5.9-3): the wait before retry number
 * attempt (0 for the first retry) is uniform in [0, min(cap_ms, base_ms * 2^attempt)], so
 * that devices that lost their link together do not come back together. base_ms >= 1,
 * cap_ms >= base_ms (else KEEL_ERR_ARG); a large attempt saturates at cap_ms. */
KEEL_MUST_CHECK keel_err keel_backoff_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms,
                                         uint32_t *out);

/* Whether a connecting socket has already failed, without reading from it (a waiting byte is
 * only peeked at): KEEL_OK while the attempt may go on; KEEL_ERR_IO with errno set to the
 * socket's pending error, or to ENOTCONN when the peer has closed it (a refused connection
 * or a failed TLS handshake). MQTT clients use it while libmosquitto retries such an attempt
 * for ever. fd < 0 is KEEL_ERR_ARG. */
KEEL_MUST_CHECK keel_err keel_socket_failed(int fd);

/* Replace path with len bytes of data, atomically: write a temporary file in the same
 * directory with the given mode, fsync it, rename it over path, fsync the directory.
 * On any failure path keeps its old content (or stays absent) and the temporary is removed. */
KEEL_MUST_CHECK keel_err keel_file_write_atomic(const char *path, const void *data, size_t len,
                                                mode_t mode);

/* Write all len bytes at p to fd, retrying short writes and EINTR. KEEL_ERR_IO on any other
 * failure (errno says which); how much was written is then unknown. */
KEEL_MUST_CHECK keel_err keel_file_write_all(int fd, const void *p, size_t len);

/* fsync the directory that holds path, so that a rename or creation of path is durable.
 * KEEL_ERR_RANGE for an over-long path, KEEL_ERR_IO when the directory cannot be synced. */
KEEL_MUST_CHECK keel_err keel_file_sync_parent(const char *path);

/* Read all of path into a newly allocated, NUL-terminated buffer (*out, *out_len without
 * the NUL). A file larger than max bytes is refused with KEEL_ERR_TOO_LARGE. The caller
 * frees *out with keel_file_free, which wipes it. */
KEEL_MUST_CHECK keel_err keel_file_read(const char *path, size_t max, char **out, size_t *out_len);
void keel_file_free(char *data, size_t len);

/* A bounded byte buffer over caller-owned memory. Appends never write past cap: one that
 * would is refused whole with KEEL_ERR_RANGE and the buffer is left as it was. */
typedef struct keel_buf {
    uint8_t *data;
    size_t cap;
    size_t len;
} keel_buf;

void keel_buf_init(keel_buf *b, void *mem, size_t cap);
KEEL_MUST_CHECK keel_err keel_buf_append(keel_buf *b, const void *p, size_t len);
KEEL_MUST_CHECK keel_err keel_buf_append_str(keel_buf *b, const char *s);
/* Wipe the bytes used so far and empty the buffer. */
void keel_buf_reset(keel_buf *b);

/* Copy the string src into dst (size dstsz, always NUL-terminated when dstsz > 0).
 * If src does not fit, dst becomes "" and KEEL_ERR_RANGE is returned: never truncates. */
keel_err keel_str_copy(char *dst, size_t dstsz, const char *src);

/* snprintf that refuses to truncate: on overflow dst becomes "" and KEEL_ERR_RANGE. */
KEEL_PRINTF(3, 4) keel_err keel_str_format(char *dst, size_t dstsz, const char *fmt, ...);

/* Parse a decimal unsigned integer in [min, max], the whole string, no sign or spaces. */
KEEL_MUST_CHECK keel_err keel_str_to_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Lower-case hex of len bytes into out (size at least 2 * len + 1). */
keel_err keel_hex_encode(const void *in, size_t len, char *out, size_t outsz);

/* The length (1 to 4) of the well-formed UTF-8 sequence at the start of text (n bytes
 * available), its code point in *cp (may be NULL); 0 when it is not one: a truncated or
 * overlong sequence, a surrogate or a value past U+10FFFF (RFC 3629). */
size_t keel_utf8_next(const void *text, size_t n, uint32_t *cp);

/*
 * Secrets: passwords, keys, tokens. A keel_secret lives in caller-owned memory, its bytes
 * are reachable only as `const void *`, so it cannot be handed to keel_log's format (the
 * compiler rejects a void pointer or a struct for %s under -Wformat -Werror), and
 * keel_secret_clear wipes it.
 */
#define KEEL_SECRET_MAX 128

typedef struct keel_secret {
    uint8_t bytes_[KEEL_SECRET_MAX];
    size_t len_;
} keel_secret;

/* Copy len bytes into s; more than KEEL_SECRET_MAX is refused with KEEL_ERR_TOO_LARGE. */
KEEL_MUST_CHECK keel_err keel_secret_set(keel_secret *s, const void *p, size_t len);
const void *keel_secret_bytes(const keel_secret *s);
size_t keel_secret_len(const keel_secret *s);
void keel_secret_clear(keel_secret *s);

/* Logging. Messages go to the sink (stderr by default) as one line each, with control
 * characters escaped so that input cannot forge log lines. Messages longer than
 * KEEL_LOG_LINE_MAX are cut and marked with "...". */
typedef enum keel_log_level {
    KEEL_LOG_ERROR = 0,
    KEEL_LOG_WARN = 1,
    KEEL_LOG_INFO = 2,
    KEEL_LOG_DEBUG = 3
} keel_log_level;

#define KEEL_LOG_LINE_MAX 1024

typedef void (*keel_log_sink)(keel_log_level level, const char *line, void *user);

/* Set the threshold (messages above it are dropped) and the sink (NULL: stderr). */
void keel_log_configure(keel_log_level threshold, keel_log_sink sink, void *user);
KEEL_PRINTF(2, 3) void keel_log(keel_log_level level, const char *fmt, ...);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_CORE_H */
