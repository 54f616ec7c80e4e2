/*
 * Downloading a target straight into the inactive slot (5.3-2, 5.3-9). Bytes go from the
 * fetcher through a ring of fixed buffers into the slot while SHA-256 runs over them on a
 * thread of its own (hasher.c), so memory stays the same whatever the image's size; never
 * more than the signed length is accepted (endless data). After each synced step a progress
 * record names the target and how much of it the slot holds, so an interrupted download (a
 * power cut, a lost connection) resumes: the bytes already there are hashed again from the
 * slot and the rest is asked for with a range request. The hash decides at the end; a slot
 * that does not match is never offered to the bootloader, and its progress is dropped so
 * that the next attempt starts over.
 *
 * The progress file is keel's own scratch: one that is malformed or names another target
 * only means starting from byte 0 of the inactive slot, which holds nothing in use.
 */
#define _GNU_SOURCE /* sync_file_range */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fetch_private.h"
#include "meta_private.h"

/* What the slot receives at a time: a whole number of these makes one progress step. */
#define DOWNLOAD_BUF KEEL_UPDATE_HASHER_BUF

typedef struct download {
    int fd;
    int regular; /* a regular file (truncated to the length at the end), else a block device */
    const keel_update_target *target;
    const char *progress_path;
    EVP_MD_CTX *md;             /* the hasher's while it runs */
    keel_update_hasher *hasher; /* while fetching */
    uint8_t *buf;               /* the hasher's buffer being filled */
    size_t buffered;
    uint64_t written; /* bytes written to the slot and posted to the hasher */
    uint64_t synced;  /* bytes synced and recorded in the progress file */
} download;

/* ---- the progress record ---- */

/* A JSON number that is a whole number in [min, max] (max <= 2^53: exact in a double). */
static int json_u64(const cJSON *item, uint64_t min, uint64_t max, uint64_t *out)
{
    double v;

    if (!cJSON_IsNumber(item))
        return 0;
    v = item->valuedouble;
    if (!(v >= (double)min && v <= (double)max) || (double)(uint64_t)v != v)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

keel_err keel_update_progress_parse(const void *text, size_t len, keel_update_progress *out)
{
    cJSON *root = NULL;
    const cJSON *name, *hash;
    keel_err ret = KEEL_ERR_PARSE;

    if (text == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    if (len > KEEL_UPDATE_PROGRESS_MAX)
        return KEEL_ERR_TOO_LARGE;
    root = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(root))
        goto out;
    name = cJSON_GetObjectItemCaseSensitive(root, "target");
    hash = cJSON_GetObjectItemCaseSensitive(root, "sha256");
    if (!cJSON_IsString(name) || !cJSON_IsString(hash) ||
        keel_update_name_check(name->valuestring, KEEL_UPDATE_NAME_MAX) != KEEL_OK ||
        keel_update_hex32_decode(hash->valuestring, out->sha256) != KEEL_OK ||
        !json_u64(cJSON_GetObjectItemCaseSensitive(root, "length"), 1, UINT64_C(1) << 53,
                  &out->length) ||
        !json_u64(cJSON_GetObjectItemCaseSensitive(root, "written"), 0, out->length, &out->written))
        goto out;
    ret = keel_str_copy(out->target, sizeof(out->target), name->valuestring);
out:
    if (ret != KEEL_OK)
        memset(out, 0, sizeof(*out));
    cJSON_Delete(root);
    return ret;
}

/* Numbers go in as raw decimal text: cJSON prints a double with 15 significant digits,
 * which would round a length above 10^15. */
static int add_u64(cJSON *obj, const char *name, uint64_t v)
{
    char text[24];

    return keel_str_format(text, sizeof(text), "%llu", (unsigned long long)v) == KEEL_OK &&
           cJSON_AddRawToObject(obj, name, text) != NULL;
}

keel_err keel_update_progress_format(const keel_update_progress *p, char **out, size_t *out_len)
{
    char hex[KEEL_UPDATE_KEYID_SIZE];
    cJSON *root;
    char *text = NULL;

    if (p == NULL || out == NULL || out_len == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    keel_update_sha256_hex(p->sha256, hex);
    root = cJSON_CreateObject();
    if (root != NULL && cJSON_AddStringToObject(root, "target", p->target) != NULL &&
        add_u64(root, "length", p->length) &&
        cJSON_AddStringToObject(root, "sha256", hex) != NULL &&
        add_u64(root, "written", p->written))
        text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text == NULL)
        return KEEL_ERR_NOMEM;
    *out = text;
    *out_len = strlen(text);
    return KEEL_OK;
}

static keel_err progress_save(const download *d)
{
    keel_update_progress p;
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    memset(&p, 0, sizeof(p));
    ret = keel_str_copy(p.target, sizeof(p.target), d->target->name);
    if (ret != KEEL_OK)
        return ret;
    p.length = d->target->length;
    memcpy(p.sha256, d->target->sha256, sizeof(p.sha256));
    p.written = d->synced;
    ret = keel_update_progress_format(&p, &text, &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(d->progress_path, text, len, 0600);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: progress file '%s' cannot be written", d->progress_path);
    free(text);
    return ret;
}

static keel_err progress_remove(const char *path)
{
    if (unlink(path) != 0 && errno != ENOENT) {
        keel_log(KEEL_LOG_ERROR, "update: progress file '%s' cannot be removed: %s", path,
                 strerror(errno));
        return KEEL_ERR_IO;
    }
    return keel_file_sync_parent(path);
}

/* ---- writing the slot ---- */

static keel_err pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t offset)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return KEEL_ERR_IO;
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return KEEL_OK;
}

/* Write the buffer to the slot, hand it to the hasher and take the next one. */
static keel_err flush(download *d)
{
    keel_err ret;

    if (d->buffered == 0)
        return KEEL_OK;
    if (pwrite_all(d->fd, d->buf, d->buffered, d->written) != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: writing the slot at byte %llu failed: %s",
                 (unsigned long long)d->written, strerror(errno));
        return KEEL_ERR_IO;
    }
    ret = keel_update_hasher_post(d->hasher, d->buffered);
    if (ret != KEEL_OK)
        return ret;
    /* Start writing these bytes back now, so the next checkpoint's fdatasync waits for little;
     * only a hint: the checkpoint's fdatasync is what makes them durable. */
    (void)sync_file_range(d->fd, (off_t)d->written, (off_t)d->buffered, SYNC_FILE_RANGE_WRITE);
    d->written += d->buffered;
    d->buffered = 0;
    d->buf = keel_update_hasher_buffer(d->hasher);
    return KEEL_OK;
}

/* Make what was written durable, then say so: the record never runs ahead of the slot. */
static keel_err checkpoint(download *d)
{
    keel_err ret = flush(d);

    if (ret != KEEL_OK)
        return ret;
    if (d->written == d->synced)
        return KEEL_OK;
    if (fdatasync(d->fd) != 0) {
        keel_log(KEEL_LOG_ERROR, "update: syncing the slot failed: %s", strerror(errno));
        return KEEL_ERR_IO;
    }
    d->synced = d->written;
    return progress_save(d);
}

static keel_err download_sink(void *ctx, const uint8_t *data, size_t len)
{
    download *d = ctx;
    keel_err ret = KEEL_OK;

    while (len > 0 && ret == KEEL_OK) {
        size_t n = DOWNLOAD_BUF - d->buffered;
        if (n > len)
            n = len;
        memcpy(d->buf + d->buffered, data, n);
        d->buffered += n;
        data += n;
        len -= n;
        if (d->buffered == DOWNLOAD_BUF)
            ret = flush(d);
        if (ret == KEEL_OK && d->written - d->synced >= KEEL_UPDATE_PROGRESS_STEP)
            ret = checkpoint(d);
    }
    return ret;
}

/* ---- resuming ---- */

/* A fresh download is the normal case and logged as such; dropping a record is a warning. */
static keel_err start_over(download *d, const char *why, keel_log_level level)
{
    keel_log(level, "update: download of '%s' starts from byte 0: %s", d->target->name, why);
    d->written = 0;
    d->synced = 0;
    if (EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1)
        return KEEL_ERR_CRYPTO;
    return progress_remove(d->progress_path);
}

#define NO_PROGRESS "no progress recorded"

/* The progress record, if it describes this very target. */
static const char *progress_load(const download *d, keel_update_progress *p)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret = keel_file_read(d->progress_path, KEEL_UPDATE_PROGRESS_MAX, &text, &len);
    const keel_update_target *t = d->target;

    if (ret == KEEL_ERR_NOT_FOUND)
        return NO_PROGRESS;
    if (ret == KEEL_OK)
        ret = keel_update_progress_parse(text, len, p);
    keel_file_free(text, len);
    if (ret != KEEL_OK)
        return "the progress file is malformed";
    if (strcmp(p->target, t->name) != 0 || p->length != t->length ||
        memcmp(p->sha256, t->sha256, sizeof(p->sha256)) != 0)
        return "the progress file is of another target";
    return NULL;
}

static keel_err resume(download *d)
{
    keel_update_progress p;
    const char *why = progress_load(d, &p);
    keel_err ret;

    if (why != NULL)
        return start_over(d, why, strcmp(why, NO_PROGRESS) == 0 ? KEEL_LOG_INFO : KEEL_LOG_WARN);
    ret = keel_update_slot_hash(d->fd, p.written, d->md);
    if (ret == KEEL_ERR_UPDATE_HASH)
        return start_over(d, "the slot is shorter than the progress file says", KEEL_LOG_WARN);
    if (ret != KEEL_OK)
        return ret;
    d->written = p.written;
    d->synced = p.written;
    if (p.written > 0)
        keel_log(KEEL_LOG_INFO, "update: download of '%s' resumes at byte %llu", p.target,
                 (unsigned long long)p.written);
    return KEEL_OK;
}

/* ---- the slot ---- */

static keel_err slot_open(download *d, const char *slot_path)
{
    struct stat st;
    off_t end;

    d->fd = open(slot_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (d->fd < 0 || fstat(d->fd, &st) != 0) {
        keel_log(KEEL_LOG_ERROR, "update: slot '%s' cannot be opened: %s", slot_path,
                 strerror(errno));
        return KEEL_ERR_IO;
    }
    d->regular = S_ISREG(st.st_mode);
    if (!d->regular && !S_ISBLK(st.st_mode)) {
        keel_log(KEEL_LOG_ERROR, "update: slot '%s' is neither a file nor a block device",
                 slot_path);
        return KEEL_ERR_IO;
    }
    if (d->regular)
        return KEEL_OK;
    end = lseek(d->fd, 0, SEEK_END);
    if (end < 0 || (uint64_t)end < d->target->length) {
        keel_log(KEEL_LOG_ERROR, "update: slot '%s' is smaller than '%s' (%llu bytes)", slot_path,
                 d->target->name, (unsigned long long)d->target->length);
        return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

/* The whole target is in the slot and hashed: cut a stale tail, sync, and let the hash
 * decide. */
static keel_err finish(download *d)
{
    uint8_t digest[32];
    unsigned int dlen = 0;
    keel_err ret;

    if ((d->regular && ftruncate(d->fd, (off_t)d->target->length) != 0) || fdatasync(d->fd) != 0) {
        keel_log(KEEL_LOG_ERROR, "update: the slot cannot be completed: %s", strerror(errno));
        return KEEL_ERR_IO;
    }
    if (EVP_DigestFinal_ex(d->md, digest, &dlen) != 1 || dlen != sizeof(digest))
        return KEEL_ERR_CRYPTO;
    ret = progress_remove(d->progress_path);
    if (ret != KEEL_OK)
        return ret;
    if (memcmp(digest, d->target->sha256, sizeof(digest)) != 0) {
        keel_log(KEEL_LOG_ERROR, "update: '%s' differs from its signed SHA-256: refused",
                 d->target->name);
        return KEEL_ERR_UPDATE_HASH;
    }
    keel_log(KEEL_LOG_INFO, "update: '%s' downloaded and verified (%llu bytes)", d->target->name,
             (unsigned long long)d->target->length);
    return KEEL_OK;
}

/* Receive the rest of the target into the slot, hashed on the hasher's thread. */
static keel_err fetch_stream(keel_update_fetcher *f, download *d)
{
    const keel_update_target *t = d->target;
    char name[KEEL_UPDATE_NAME_MAX + 8];
    uint64_t got = 0;
    keel_err ret = keel_str_format(name, sizeof(name), "targets/%s", t->name);

    if (ret != KEEL_OK)
        return KEEL_ERR_ARG;
    ret = keel_update_fetch_stream(f, name, d->written, t->length - d->written, download_sink, d,
                                   &got);
    if (ret == KEEL_ERR_UPDATE_TOO_LONG) {
        (void)progress_remove(d->progress_path); /* a hostile answer: nothing to resume */
        return ret;
    }
    if (ret == KEEL_OK && d->written + d->buffered < t->length) {
        keel_log(KEEL_LOG_ERROR, "update: '%s' ended after %llu of %llu bytes", t->name,
                 (unsigned long long)d->written + d->buffered, (unsigned long long)t->length);
        ret = KEEL_ERR_UPDATE_FETCH;
    }
    if (ret == KEEL_OK)
        ret = flush(d);
    if (ret == KEEL_ERR_UPDATE_FETCH && checkpoint(d) != KEEL_OK)
        keel_log(KEEL_LOG_WARN, "update: the progress of '%s' could not be kept", t->name);
    return ret;
}

/* Fetch the rest of the target; on an interruption keep what arrived for the next try. The
 * hasher runs from here to the end of the transfer; its failure is the download's. */
static keel_err fetch_rest(keel_update_fetcher *f, download *d)
{
    keel_err ret = keel_update_hasher_start(d->md, &d->hasher), stopped;

    if (ret != KEEL_OK)
        return ret;
    d->buf = keel_update_hasher_buffer(d->hasher);
    ret = fetch_stream(f, d);
    stopped = keel_update_hasher_stop(d->hasher);
    d->hasher = NULL;
    d->buf = NULL;
    d->buffered = 0;
    if (stopped != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "update: hashing '%s' failed", d->target->name);
    return ret != KEEL_OK ? ret : stopped;
}

static keel_err target_check(const keel_update_target *t)
{
    if (t->length == 0 || keel_update_name_check(t->name, KEEL_UPDATE_NAME_MAX) != KEEL_OK) {
        keel_log(KEEL_LOG_ERROR, "update: a target needs a valid name and a length");
        return KEEL_ERR_ARG;
    }
    return KEEL_OK;
}

keel_err keel_update_download(keel_update_fetcher *f, const keel_update_target *target,
                              const char *slot_path, const char *progress_path)
{
    download d = {-1, 0, target, progress_path, NULL, NULL, NULL, 0, 0, 0};
    keel_err ret = KEEL_ERR_ARG;

    if (f == NULL || target == NULL || slot_path == NULL || progress_path == NULL ||
        target_check(target) != KEEL_OK)
        return ret;
    ret = KEEL_ERR_NOMEM;
    d.md = EVP_MD_CTX_new();
    if (d.md == NULL)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    if (EVP_DigestInit_ex(d.md, EVP_sha256(), NULL) != 1)
        goto out;
    ret = slot_open(&d, slot_path);
    if (ret == KEEL_OK)
        ret = resume(&d);
    if (ret == KEEL_OK && d.written < target->length)
        ret = fetch_rest(f, &d);
    if (ret == KEEL_OK)
        ret = finish(&d);
out:
    if (d.fd >= 0)
        close(d.fd);
    EVP_MD_CTX_free(d.md);
    return ret;
}
