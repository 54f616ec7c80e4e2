/* The state directory: everything a backend keeps on flash lives here, so it must belong to
 * this user and nobody else may plant or swap files in it (5.4-1). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rot_private.h"

keel_err keel_rot_state_dir_prepare(const char *dir)
{
    struct stat st;
    keel_err ret = KEEL_ERR_PERM;
    int fd;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        keel_log(KEEL_LOG_ERROR, "rot: cannot make state directory %s", dir);
        return KEEL_ERR_IO;
    }
    /* O_NOFOLLOW: the checks below must be about the directory itself, not a link target. */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        keel_log(KEEL_LOG_ERROR, "rot: state directory %s is not a directory (or a symlink)", dir);
        return errno == ELOOP || errno == ENOTDIR ? KEEL_ERR_PERM : KEEL_ERR_IO;
    }
    if (fstat(fd, &st) != 0) {
        ret = KEEL_ERR_IO;
        goto out;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        keel_log(KEEL_LOG_ERROR,
                 "rot: state directory %s is writable by others or not ours; refused", dir);
        goto out;
    }
    ret = (st.st_mode & 07777) == 0700 || fchmod(fd, 0700) == 0 ? KEEL_OK : KEEL_ERR_IO;
out:
    close(fd);
    return ret;
}

keel_err keel_rot_path(const keel_rot *rot, const char *name, char out[KEEL_ROT_PATH_MAX])
{
    return keel_str_format(out, KEEL_ROT_PATH_MAX, "%s/%s", rot->state_dir, name);
}

int keel_rot_path_exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0 || errno != ENOENT;
}

static keel_err write_zeros(int fd, off_t size)
{
    static const uint8_t zeros[512];

    while (size > 0) {
        size_t n = size > (off_t)sizeof(zeros) ? sizeof(zeros) : (size_t)size;
        ssize_t w = write(fd, zeros, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return KEEL_ERR_IO;
        size -= w;
    }
    return fsync(fd) == 0 ? KEEL_OK : KEEL_ERR_IO;
}

keel_err keel_rot_file_shred(const char *path)
{
    struct stat st;
    keel_err ret = KEEL_ERR_IO;
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? KEEL_ERR_NOT_FOUND : KEEL_ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    /* On flash the old blocks may survive the overwrite; the key is gone in any case once
     * the file is unlinked, this only shortens the time its bytes stay readable. */
    ret = write_zeros(fd, st.st_size);
out:
    close(fd);
    if (ret == KEEL_OK && unlink(path) != 0)
        ret = KEEL_ERR_IO;
    return ret;
}
