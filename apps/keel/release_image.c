/* Target images: copied into the repository's targets/ directory while they are hashed, so
 * the length and SHA-256 that the targets metadata signs are those of the bytes the server
 * will send (5.3-2), whatever the image's size (a fixed buffer, streamed). The copy goes to
 * a temporary file that is synced and renamed into place: a device never downloads half an
 * image under a target's name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "release.h"

#define CHUNK ((size_t)64 * 1024)

/* SHA-256 from the default provider: hashing gigabytes through a token's provider would be
 * needlessly slow. */
static EVP_MD_CTX *sha256_begin(void)
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", "?provider=default");
    EVP_MD_CTX *ctx = md != NULL ? EVP_MD_CTX_new() : NULL;

    if (ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    EVP_MD_free(md);
    ERR_clear_error();
    return ctx;
}

static keel_err sha256_end(EVP_MD_CTX *ctx, uint8_t out[32])
{
    unsigned int n = 0;
    int ok = EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 32;

    EVP_MD_CTX_free(ctx);
    return ok ? KEEL_OK : KEEL_ERR_CRYPTO;
}

keel_err release_sha256(const void *data, size_t len, uint8_t out[32], struct release_err *e)
{
    EVP_MD_CTX *ctx = sha256_begin();

    if (ctx == NULL || EVP_DigestUpdate(ctx, data, len) != 1) {
        EVP_MD_CTX_free(ctx);
        return release_fail(e, KEEL_ERR_CRYPTO, "SHA-256 is not available");
    }
    if (sha256_end(ctx, out) != KEEL_OK)
        return release_fail(e, KEEL_ERR_CRYPTO, "SHA-256 is not available");
    return KEEL_OK;
}

/* Read all of fd into the hash (and into out_fd, unless it is -1). */
static keel_err pump(int fd, int out_fd, EVP_MD_CTX *ctx, uint64_t *length, const char *what,
                     struct release_err *e)
{
    uint8_t *buf = malloc(CHUNK);
    keel_err ret = KEEL_OK;
    ssize_t n;

    if (buf == NULL)
        return release_fail(e, KEEL_ERR_NOMEM, "%s: out of memory", what);
    *length = 0;
    while (ret == KEEL_OK && (n = read(fd, buf, CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            ret = release_fail(e, KEEL_ERR_IO, "%s: cannot read: %s", what, strerror(errno));
        else if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            ret = release_fail(e, KEEL_ERR_CRYPTO, "%s: cannot hash", what);
        else if (out_fd >= 0 && keel_file_write_all(out_fd, buf, (size_t)n) != KEEL_OK)
            ret = release_fail(e, KEEL_ERR_IO, "%s: cannot copy: %s", what, strerror(errno));
        else
            *length += (uint64_t)n;
    }
    free(buf);
    return ret;
}

/* Open path read-only: a regular file, not a link (nothing outside may stand in for it). */
static keel_err open_regular(const char *path, int *fd, struct release_err *e)
{
    struct stat st;

    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0)
        return release_fail(e, errno == ENOENT ? KEEL_ERR_NOT_FOUND : KEEL_ERR_IO,
                            "%s: cannot open: %s", path, strerror(errno));
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return release_fail(e, KEEL_ERR_PARSE, "%s: not a regular file", path);
    }
    return KEEL_OK;
}

keel_err release_image_hash(const char *path, uint64_t *length, uint8_t sha256[32],
                            struct release_err *e)
{
    EVP_MD_CTX *ctx;
    int fd;
    keel_err ret = open_regular(path, &fd, e);

    if (ret != KEEL_OK)
        return ret;
    ctx = sha256_begin();
    ret = ctx != NULL ? pump(fd, -1, ctx, length, path, e)
                      : release_fail(e, KEEL_ERR_CRYPTO, "SHA-256 is not available");
    close(fd);
    if (ret == KEEL_OK && sha256_end(ctx, sha256) != KEEL_OK)
        return release_fail(e, KEEL_ERR_CRYPTO, "%s: cannot hash", path);
    if (ret != KEEL_OK)
        EVP_MD_CTX_free(ctx);
    return ret;
}

/* Copy src into the open temporary tmp_fd while hashing. */
static keel_err copy_into(const char *src, int tmp_fd, uint64_t *length, uint8_t sha256[32],
                          struct release_err *e)
{
    EVP_MD_CTX *ctx;
    int fd;
    keel_err ret = open_regular(src, &fd, e);

    if (ret != KEEL_OK)
        return ret;
    ctx = sha256_begin();
    ret = ctx != NULL ? pump(fd, tmp_fd, ctx, length, src, e)
                      : release_fail(e, KEEL_ERR_CRYPTO, "SHA-256 is not available");
    close(fd);
    if (ret == KEEL_OK && sha256_end(ctx, sha256) != KEEL_OK)
        return release_fail(e, KEEL_ERR_CRYPTO, "%s: cannot hash", src);
    if (ret != KEEL_OK)
        EVP_MD_CTX_free(ctx);
    if (ret == KEEL_OK && *length == 0)
        ret = release_fail(e, KEEL_ERR_PARSE, "%s: empty; a target has at least one byte", src);
    if (ret == KEEL_OK && (fchmod(tmp_fd, 0644) != 0 || fsync(tmp_fd) != 0))
        ret = release_fail(e, KEEL_ERR_IO, "%s: cannot sync the copy: %s", src, strerror(errno));
    return ret;
}

/* What is at path now: *existed, and *same when it has length and sha256. */
static keel_err compare(const char *path, uint64_t length, const uint8_t sha256[32], int *existed,
                        int *same, struct release_err *e)
{
    uint8_t have[32];
    uint64_t have_len = 0;
    struct stat st;
    keel_err ret;

    *existed = lstat(path, &st) == 0;
    *same = 0;
    if (!*existed)
        return errno == ENOENT ? KEEL_OK
                               : release_fail(e, KEEL_ERR_IO, "%s: %s", path, strerror(errno));
    ret = release_image_hash(path, &have_len, have, e);
    if (ret != KEEL_OK)
        return ret;
    *same = have_len == length && memcmp(have, sha256, 32) == 0;
    return KEEL_OK;
}

/* Refuse what must not replace the file at targets/name. */
static keel_err placeable(const char *name, const keel_update_target *published, int existed,
                          int same, int replace, uint64_t length, const uint8_t sha256[32],
                          struct release_err *e)
{
    if (published != NULL &&
        (published->length != length || memcmp(published->sha256, sha256, 32) != 0))
        return release_fail(e, KEEL_ERR_EXISTS,
                            "targets/%s: published with other content; devices may be "
                            "downloading it, so it never changes: add the new image under a "
                            "new name",
                            name);
    if (existed && !same && !replace)
        return release_fail(e, KEEL_ERR_EXISTS,
                            "targets/%s: exists with other content; refusing to replace it "
                            "(--replace, or add the new image under a new name)",
                            name);
    return KEEL_OK;
}

keel_err release_image_place(const char *dir, const char *name, const char *src, int replace,
                             const keel_update_target *published, uint64_t *length,
                             uint8_t sha256[32], int *existed, struct release_err *e)
{
    char tmp[RELEASE_PATH_MAX], path[RELEASE_PATH_MAX];
    int fd, same = 0, placed = 0;
    keel_err ret;

    if (keel_str_format(path, sizeof(path), "%s/%s/%s", dir, RELEASE_TARGETS_DIR, name) !=
            KEEL_OK ||
        keel_str_format(tmp, sizeof(tmp), "%s/%s/.tmp-XXXXXX", dir, RELEASE_TARGETS_DIR) != KEEL_OK)
        return release_fail(e, KEEL_ERR_RANGE, "%s: path too long", dir);
    if ((fd = mkstemp(tmp)) < 0)
        return release_fail(e, KEEL_ERR_IO, "%s/%s: cannot write: %s", dir, RELEASE_TARGETS_DIR,
                            strerror(errno));
    ret = copy_into(src, fd, length, sha256, e);
    if (close(fd) != 0 && ret == KEEL_OK)
        ret = release_fail(e, KEEL_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    if (ret == KEEL_OK)
        ret = compare(path, *length, sha256, existed, &same, e);
    if (ret == KEEL_OK)
        ret = placeable(name, published, *existed, same, replace, *length, sha256, e);
    if (ret == KEEL_OK && !same) {
        if (rename(tmp, path) != 0)
            ret = release_fail(e, KEEL_ERR_IO, "%s: cannot rename into place: %s", path,
                               strerror(errno));
        else
            placed = 1;
    }
    if (!placed)
        unlink(tmp);
    if (ret == KEEL_OK && placed && keel_file_sync_parent(path) != KEEL_OK)
        ret = release_fail(e, KEEL_ERR_IO, "%s: cannot sync its directory", path);
    return ret;
}
