/*
 * Verifying a slot against its target (5.7-1: the software a device starts is the software
 * that was signed): hash the first length bytes and compare them with the signed SHA-256.
 * The slot is read in fixed chunks, so memory does not grow with the image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch_private.h"

keel_err keel_update_slot_hash(int fd, uint64_t len, EVP_MD_CTX *ctx)
{
    uint8_t *buf;
    uint64_t done = 0;
    keel_err ret = KEEL_OK;

    if (fd < 0 || ctx == NULL)
        return KEEL_ERR_ARG;
    if (len == 0)
        return KEEL_OK;
    buf = malloc(KEEL_UPDATE_SLOT_CHUNK);
    if (buf == NULL)
        return KEEL_ERR_NOMEM;
    while (done < len && ret == KEEL_OK) {
        size_t want =
            len - done < KEEL_UPDATE_SLOT_CHUNK ? (size_t)(len - done) : KEEL_UPDATE_SLOT_CHUNK;
        ssize_t n = pread(fd, buf, want, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            keel_log(KEEL_LOG_ERROR, "update: reading a slot failed: %s", strerror(errno));
            ret = KEEL_ERR_IO;
        } else if (n == 0) {
            ret = KEEL_ERR_UPDATE_HASH; /* shorter than the target */
        } else if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
            ret = KEEL_ERR_CRYPTO;
        } else {
            done += (uint64_t)n;
        }
    }
    free(buf);
    return ret;
}

static keel_err hash_slot(const char *slot_path, uint64_t len, uint8_t digest[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int dlen = 0;
    keel_err ret = KEEL_ERR_NOMEM;
    int fd = -1;

    if (md == NULL)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        goto out;
    fd = open(slot_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        keel_log(KEEL_LOG_ERROR, "update: slot '%s' cannot be opened: %s", slot_path,
                 strerror(errno));
        ret = KEEL_ERR_IO;
        goto out;
    }
    ret = keel_update_slot_hash(fd, len, md);
    if (ret == KEEL_OK && (EVP_DigestFinal_ex(md, digest, &dlen) != 1 || dlen != 32))
        ret = KEEL_ERR_CRYPTO;
out:
    if (fd >= 0)
        close(fd);
    EVP_MD_CTX_free(md);
    return ret;
}

keel_err keel_update_slot_verify(const char *slot_path, const keel_update_target *target)
{
    uint8_t digest[32];
    keel_err ret;

    if (slot_path == NULL || target == NULL || target->length == 0)
        return KEEL_ERR_ARG;
    ret = hash_slot(slot_path, target->length, digest);
    if (ret == KEEL_OK && memcmp(digest, target->sha256, sizeof(digest)) != 0)
        ret = KEEL_ERR_UPDATE_HASH;
    if (ret == KEEL_ERR_UPDATE_HASH)
        keel_log(KEEL_LOG_ERROR, "update: slot '%s' does not hold '%s' (%s)", slot_path,
                 target->name, "length or SHA-256 differs");
    return ret;
}
