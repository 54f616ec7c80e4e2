/*
 * Private to src/update: the transport and boot-control layer shared by fetch.c,
 * fetch_https.c, fetch_dir.c, download.c, hasher.c, slot_verify.c and boot*.c. Unit tests and fuzz
 * targets include it to reach the parsers and to build fetchers of their own (fault
 * injection); nothing here is part of keel's public interface.
 *
 * Every function returns keel_err unless it says otherwise; NULL where a pointer is needed
 * is KEEL_ERR_ARG. Refusals are logged (keel_log, "update: ...") naming what is wrong.
 */
#ifndef KEEL_UPDATE_FETCH_PRIVATE_H
#define KEEL_UPDATE_FETCH_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "keel/update.h"

#ifndef KEEL_UPDATE_PATH_MAX
#define KEEL_UPDATE_PATH_MAX 4096
#endif

/* ---- Fetchers (fetch.c, fetch_https.c, fetch_dir.c) ---- */

/* A repository name: at most KEEL_UPDATE_FETCH_NAME_MAX - 1 characters. */
#define KEEL_UPDATE_FETCH_NAME_MAX 256u

/* The bytes a backend reads or receives at a time before handing them to the sink. */
#define KEEL_UPDATE_FETCH_CHUNK ((size_t)64 * 1024)

/* One backend: what keel_update_fetch_stream and keel_update_fetcher_free dispatch to. */
typedef struct keel_update_fetch_ops {
    /* The contract of keel_update_fetch_stream; every argument is checked and name has
     * passed keel_update_fetch_name_check before the call. *got counts the bytes the sink
     * accepted, on failure too. */
    keel_err (*stream)(keel_update_fetcher *f, const char *name, uint64_t offset, uint64_t max,
                       keel_update_sink sink, void *sink_ctx, uint64_t *got);
    /* Release the backend's state (f->backend), not f itself. */
    void (*close)(keel_update_fetcher *f);
} keel_update_fetch_ops;

struct keel_update_fetcher {
    const keel_update_fetch_ops *ops;
    void *backend; /* the backend's own state */
};

/* A relative repository path: 1 to KEEL_UPDATE_FETCH_NAME_MAX - 1 characters of
 * [A-Za-z0-9._/-], not absolute, no empty component ("//", a trailing '/'), no "." or ".."
 * component. KEEL_OK or KEEL_ERR_ARG (logged). */
KEEL_MUST_CHECK keel_err keel_update_fetch_name_check(const char *name);

/* The https backend's limits, for tests that cannot wait for the defaults: connect_s bounds
 * the TCP and TLS handshake (default 10 s); a transfer slower than 100 bytes/s for stall_s
 * (default 30 s) is abandoned with KEEL_ERR_UPDATE_FETCH. KEEL_ERR_ARG when f is not an
 * https fetcher or a value is 0. */
KEEL_MUST_CHECK keel_err keel_update_fetcher_https_timeouts(keel_update_fetcher *f, long connect_s,
                                                            long stall_s);

/* ---- Download progress (download.c) ---- */

/* The progress of a download, kept as JSON in the progress file:
 * {"target":NAME,"length":L,"sha256":HEX,"written":N}: the first N bytes of the target are
 * in the slot and synced. */
typedef struct keel_update_progress {
    char target[KEEL_UPDATE_NAME_MAX];
    uint64_t length;
    uint8_t sha256[32];
    uint64_t written; /* <= length */
} keel_update_progress;

/* The bytes synced to the slot between two progress records. */
#define KEEL_UPDATE_PROGRESS_STEP ((uint64_t)4 * 1024 * 1024)
/* The largest progress file read back. */
#define KEEL_UPDATE_PROGRESS_MAX 1024u

/* Parse a progress file's text (len bytes, need not be NUL-terminated). KEEL_ERR_PARSE for
 * anything but the object above with a valid target name, 1 <= length <= 2^53, 64 hex
 * digits and written <= length; KEEL_ERR_TOO_LARGE beyond KEEL_UPDATE_PROGRESS_MAX bytes.
 * Nothing is logged: the caller says why it starts over. */
KEEL_MUST_CHECK keel_err keel_update_progress_parse(const void *text, size_t len,
                                                    keel_update_progress *out);

/* The JSON text of p in a new NUL-terminated buffer (*out, *out_len; free with free()). */
KEEL_MUST_CHECK keel_err keel_update_progress_format(const keel_update_progress *p, char **out,
                                                     size_t *out_len);

/* ---- Hashing beside the download (hasher.c) ---- */

/* The ring between the downloading thread and the hashing thread: KEEL_UPDATE_HASHER_BUFS
 * buffers of KEEL_UPDATE_HASHER_BUF bytes, a whole number of which makes a progress step. */
#define KEEL_UPDATE_HASHER_BUF ((size_t)256 * 1024)
#define KEEL_UPDATE_HASHER_BUFS 8u

typedef struct keel_update_hasher keel_update_hasher;

/* Start a thread that feeds every posted buffer, in order, into md (an initialised SHA-256
 * digest, which the thread alone touches until keel_update_hasher_stop returns).
 * KEEL_ERR_NOMEM when the ring or the thread cannot be had (logged). */
KEEL_MUST_CHECK keel_err keel_update_hasher_start(EVP_MD_CTX *md, keel_update_hasher **out);

/* The buffer to fill next (KEEL_UPDATE_HASHER_BUF bytes), waiting while every buffer is still
 * being hashed. The same buffer until it is posted. */
uint8_t *keel_update_hasher_buffer(keel_update_hasher *h);

/* Hand the buffer of keel_update_hasher_buffer, its first len bytes filled (0 posts nothing),
 * to the thread. KEEL_ERR_CRYPTO once a digest update has failed (the buffer is hashed no
 * more); KEEL_ERR_ARG when len is above KEEL_UPDATE_HASHER_BUF. */
KEEL_MUST_CHECK keel_err keel_update_hasher_post(keel_update_hasher *h, size_t len);

/* Wait until everything posted is hashed, stop the thread and free h (NULL: nothing).
 * KEEL_ERR_CRYPTO when a digest update failed: md is then not to be trusted. */
KEEL_MUST_CHECK keel_err keel_update_hasher_stop(keel_update_hasher *h);

/* ---- Slots (slot_verify.c) ---- */

/* The bytes read from a slot at a time while hashing it. */
#define KEEL_UPDATE_SLOT_CHUNK ((size_t)256 * 1024)

/* Feed the first len bytes of the open slot fd (read with pread from offset 0) into ctx,
 * an initialised SHA-256 digest. KEEL_ERR_UPDATE_HASH when the slot is shorter than len,
 * KEEL_ERR_IO, KEEL_ERR_CRYPTO, KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_update_slot_hash(int fd, uint64_t len, EVP_MD_CTX *ctx);

/* ---- Boot control (boot*.c) ---- */

/* The variables keel keeps in a bootloader's environment:
 *   keel_primary=a|b       the slot started by default
 *   keel_trial=|a|b        the slot to try ("" or absent: none)
 *   keel_attempts=0..9     trial starts left
 *   keel_booted=a|b        the slot started this time (file backend only; U-Boot and GRUB
 *                          tell it on the kernel command line, keel.slot=a|b)
 * A text environment is "name=value" lines, each ended by '\n': names of [a-z0-9_], values
 * of printable ASCII (0x20-0x7e), at most KEEL_UPDATE_ENV_LINES lines of at most
 * KEEL_UPDATE_ENV_LINE_MAX bytes (the newline not counted), no name twice. */
#define KEEL_UPDATE_ENV_LINES 64u
#define KEEL_UPDATE_ENV_LINE_MAX 256u
#define KEEL_UPDATE_ENV_TEXT_MAX ((size_t)KEEL_UPDATE_ENV_LINES * (KEEL_UPDATE_ENV_LINE_MAX + 1u))
/* The most output read from fw_printenv or grub-editenv. */
#define KEEL_UPDATE_ENV_TOOL_MAX ((size_t)64 * 1024)

typedef enum keel_update_env_mode {
    /* The whole text is keel's (the file backend): every line is held to the rules, and
     * keel_trial and keel_booted must be there. */
    KEEL_UPDATE_ENV_FILE = 0,
    /* A tool's listing of a real bootloader's environment: lines whose name does not start
     * with "keel_" belong to the bootloader and are skipped unread (they are bounded only by
     * KEEL_UPDATE_ENV_TOOL_MAX); keel_trial absent or empty is no trial; keel_booted is not
     * read. */
    KEEL_UPDATE_ENV_TOOL = 1
} keel_update_env_mode;

/* Parse len bytes of environment text into out (booted is 0 in KEEL_UPDATE_ENV_TOOL mode).
 * keel_primary and keel_attempts are always required. KEEL_ERR_UPDATE_BOOT for a text that
 * breaks a rule (logged, naming the line and the rule). */
KEEL_MUST_CHECK keel_err keel_update_env_parse(const char *text, size_t len,
                                               keel_update_env_mode mode,
                                               keel_update_boot_state *out);

/* The file backend's text for st: old (oldlen bytes, a text that keel_update_env_parse
 * accepted in KEEL_UPDATE_ENV_FILE mode, or NULL) with keel's four variables set to st and
 * every other line kept, into out (outsz bytes, NUL-terminated, *out_len without the NUL).
 * KEEL_ERR_ARG for a state with a slot other than 'a' or 'b' (trial may be 0) or attempts
 * above 9; KEEL_ERR_RANGE when it does not fit. */
KEEL_MUST_CHECK keel_err keel_update_env_format(const char *old, size_t oldlen,
                                                const keel_update_boot_state *st, char *out,
                                                size_t outsz, size_t *out_len);

/* One boot-control backend. */
typedef struct keel_update_boot_ops {
    /* The whole state (booted included). */
    keel_err (*load)(keel_update_boot *boot, keel_update_boot_state *st);
    /* Write primary, trial and attempts of st in one change of the environment (booted is
     * the bootloader's to write). The tool backends read them back: a tool that ignored a
     * line must not pass unnoticed. */
    keel_err (*store)(keel_update_boot *boot, const keel_update_boot_state *st);
} keel_update_boot_ops;

struct keel_update_boot {
    const keel_update_boot_ops *ops;
    char path[KEEL_UPDATE_PATH_MAX]; /* the file; fw_env.config ("" for the default); grubenv */
};

extern const keel_update_boot_ops keel_update_boot_file_ops;
extern const keel_update_boot_ops keel_update_boot_uboot_ops;
extern const keel_update_boot_ops keel_update_boot_grub_ops;

/* Run argv[0] (found on PATH) with argv, never through a shell: input (inlen bytes, may be
 * NULL) on its standard input, its standard output into out (outsz bytes, NUL-terminated,
 * *out_len without the NUL), its standard error left to keel's. KEEL_ERR_UPDATE_BOOT when
 * it cannot start, exits other than 0 or prints outsz bytes or more (each logged). */
KEEL_MUST_CHECK keel_err keel_update_boot_run(const char *const argv[], const char *input,
                                              size_t inlen, char *out, size_t outsz,
                                              size_t *out_len);

/* The slot the kernel command line names (keel.slot=a|b, exactly once) into *slot. The
 * command line is /proc/cmdline; in development builds (not KEEL_PRODUCTION) the
 * environment variable KEEL_UPDATE_CMDLINE may name another file, for tests.
 * KEEL_ERR_UPDATE_BOOT when it is missing, repeated or not a or b. */
KEEL_MUST_CHECK keel_err keel_update_boot_cmdline_slot(char *slot);

/* 1 when c is 'a' or 'b'. */
int keel_update_boot_slot_valid(char c);

#endif /* KEEL_UPDATE_FETCH_PRIVATE_H */
