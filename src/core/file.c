/* Atomic file replacement and bounded reads.
 *
 * The sequence that survives a power cut at any point: write a temporary file beside the
 * target, fsync it, rename it over the target, fsync the directory so the rename itself is
 * durable. Before the rename the old file is untouched; after it the new one is complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keel/core.h"

#define KEEL_PATH_MAX 4096

keel_err keel_file_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return KEEL_ERR_IO;
        p += n;
        len -= (size_t)n;
    }
    return KEEL_OK;
}

keel_err keel_file_sync_parent(const char *path)
{
    char copy[KEEL_PATH_MAX];
    keel_err ret = keel_str_copy(copy, sizeof(copy), path);
    int fd;

    if (ret != KEEL_OK)
        return ret;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return KEEL_ERR_IO;
    ret = fsync(fd) == 0 ? KEEL_OK : KEEL_ERR_IO;
    close(fd);
    return ret;
}

/* Open a fresh temporary "<path>.tmp-<random>" with O_EXCL so that no other file, link or
 * earlier leftover is ever written through. */
static keel_err open_temp(const char *path, mode_t mode, char *tmp, size_t tmpsz, int *fd)
{
    uint8_t nonce[8];
    char hex[sizeof(nonce) * 2 + 1];
    keel_err ret = keel_random(nonce, sizeof(nonce));

    if (ret != KEEL_OK)
        return ret;
    ret = keel_hex_encode(nonce, sizeof(nonce), hex, sizeof(hex));
    if (ret == KEEL_OK)
        ret = keel_str_format(tmp, tmpsz, "%s.tmp-%s", path, hex);
    if (ret != KEEL_OK)
        return ret;
    *fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (*fd < 0)
        return KEEL_ERR_IO;
    /* open() applies the umask; the caller's mode is what the file must have. */
    if (fchmod(*fd, mode) != 0) {
        close(*fd);
        unlink(tmp);
        return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

keel_err keel_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[KEEL_PATH_MAX];
    int fd = -1;
    keel_err ret;

    if (path == NULL || *path == '\0' || (data == NULL && len != 0))
        return KEEL_ERR_ARG;
    ret = open_temp(path, mode, tmp, sizeof(tmp), &fd);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_file_write_all(fd, data, len);
    if (ret == KEEL_OK && fsync(fd) != 0)
        ret = KEEL_ERR_IO;
    if (close(fd) != 0 && ret == KEEL_OK)
        ret = KEEL_ERR_IO;
    if (ret == KEEL_OK && rename(tmp, path) != 0)
        ret = KEEL_ERR_IO;
    if (ret != KEEL_OK) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        return ret;
    }
    return keel_file_sync_parent(path);
}

keel_err keel_file_read(const char *path, size_t max, char **out, size_t *out_len)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    keel_err ret = KEEL_ERR_IO;
    int fd;

    if (path == NULL || out == NULL || out_len == NULL || max == SIZE_MAX)
        return KEEL_ERR_ARG;
    *out = NULL;
    *out_len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? KEEL_ERR_NOT_FOUND : KEEL_ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    if ((uintmax_t)st.st_size > max) {
        ret = KEEL_ERR_TOO_LARGE;
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    /* Read until EOF, not st_size: the file may change under us, and must stay in bounds. */
    for (;;) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > (size_t)st.st_size) {
            ret = KEEL_ERR_TOO_LARGE; /* grew while we read it */
            goto out;
        }
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
    ret = KEEL_OK;
out:
    keel_file_free(buf, len);
    close(fd);
    return ret;
}

void keel_file_free(char *data, size_t len)
{
    if (data == NULL)
        return;
    keel_wipe(data, len);
    free(data);
}
