/*
 * Erasing a file (keel/privacy.h, 5.11-1): its bytes overwritten with zeros and flushed, then
 * the name unlinked and the directory flushed. The file is opened without following a
 * symbolic link and checked to be the regular file lstat saw, so that a link planted in the
 * data directory cannot turn the erase against another file. Every name the inode has
 * (a hard link) sees the zeros: they are written into the file, not into a copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keel/privacy.h"

#define ERASE_CHUNK 65536

static const uint8_t zeros[ERASE_CHUNK];

static keel_err step_failed(const char *path, const char *step)
{
    keel_log(KEEL_LOG_ERROR, "privacy: erasing %s: %s failed (%s)", path, step, strerror(errno));
    return KEEL_ERR_IO;
}

/* Zeros over the first size bytes of fd, then fsync. */
static keel_err overwrite(int fd, const char *path, off_t size)
{
    off_t at = 0;

    while (at < size) {
        size_t n = size - at < ERASE_CHUNK ? (size_t)(size - at) : ERASE_CHUNK;
        ssize_t w = pwrite(fd, zeros, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return step_failed(path, "overwriting");
        at += w;
    }
    if (fsync(fd) != 0)
        return step_failed(path, "fsync");
    return KEEL_OK;
}

keel_err keel_privacy_erase_file(const char *path)
{
    struct stat before;
    struct stat st;
    keel_err ret;
    int fd;

    if (path == NULL || *path == '\0')
        return KEEL_ERR_ARG;
    if (lstat(path, &before) != 0) {
        if (errno == ENOENT)
            return KEEL_ERR_NOT_FOUND;
        return step_failed(path, "lstat");
    }
    if (!S_ISREG(before.st_mode)) {
        keel_log(KEEL_LOG_ERROR, "privacy: refusing to erase %s: not a regular file", path);
        return KEEL_ERR_PERM;
    }
    fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return KEEL_ERR_NOT_FOUND;
        if (errno == ELOOP) {
            keel_log(KEEL_LOG_ERROR, "privacy: refusing to erase %s: a symbolic link", path);
            return KEEL_ERR_PERM;
        }
        return step_failed(path, "open");
    }
    if (fstat(fd, &st) != 0) {
        ret = step_failed(path, "fstat");
    } else if (!S_ISREG(st.st_mode) || st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
        keel_log(KEEL_LOG_ERROR, "privacy: refusing to erase %s: it changed while being opened",
                 path);
        ret = KEEL_ERR_PERM;
    } else {
        ret = overwrite(fd, path, st.st_size);
    }
    if (close(fd) != 0 && ret == KEEL_OK)
        ret = step_failed(path, "close");
    if (ret != KEEL_OK)
        return ret;
    if (unlink(path) != 0)
        return step_failed(path, "unlink");
    if (keel_file_sync_parent(path) != KEEL_OK)
        return step_failed(path, "fsync of its directory");
    return KEEL_OK;
}
