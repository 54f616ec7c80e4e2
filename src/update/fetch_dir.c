/*
 * A repository in a local directory: a mirror on removable media, or a test's. The signed
 * metadata makes it as safe as HTTPS; what this backend adds is that a name never leaves the
 * directory (no symbolic link is followed below it, no device or FIFO is read) and that no
 * file yields more than the caller's bound (5.3-9: endless data).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch_private.h"

typedef struct dir_state {
    char path[KEEL_UPDATE_PATH_MAX];
} dir_state;

/* Why comp (in the directory dirfd) could not be opened: a symbolic link is refused, not
 * "missing", so that a mirror laid out with links says what is wrong with it. */
static keel_err open_errno(int dirfd, const char *comp, const char *name, int err)
{
    struct stat st;

    if ((err == ELOOP || err == ENOTDIR) && fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode)) {
        keel_log(KEEL_LOG_ERROR, "update: mirror file '%s': a symbolic link is not followed", name);
        return KEEL_ERR_UPDATE_FETCH;
    }
    if (err == ENOENT || err == ENOTDIR)
        return KEEL_ERR_NOT_FOUND;
    keel_log(KEEL_LOG_ERROR, "update: mirror file '%s' cannot be opened: %s", name, strerror(err));
    return KEEL_ERR_UPDATE_FETCH;
}

/* Walk name one component at a time from the base, refusing symbolic links at every step;
 * O_NONBLOCK so that opening a FIFO planted in the mirror cannot block. */
static keel_err open_beneath(const dir_state *d, const char *name, int *out)
{
    char comp[KEEL_UPDATE_FETCH_NAME_MAX];
    const char *p = name;
    int fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return open_errno(AT_FDCWD, d->path, d->path, errno);
    for (;;) {
        size_t n = strcspn(p, "/");
        int last = p[n] == '\0';
        int next;

        memcpy(comp, p, n); /* n < sizeof(comp): the name check bounds the whole name */
        comp[n] = '\0';
        next =
            openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY));
        if (next < 0) {
            keel_err ret = open_errno(fd, comp, name, errno);
            close(fd);
            return ret;
        }
        close(fd);
        fd = next;
        if (last)
            break;
        p += n + 1;
    }
    *out = fd;
    return KEEL_OK;
}

static keel_err read_to_sink(int fd, const char *name, uint64_t offset, uint64_t max,
                             keel_update_sink sink, void *sink_ctx, uint64_t *got)
{
    uint8_t *buf = malloc(KEEL_UPDATE_FETCH_CHUNK);
    keel_err ret = KEEL_ERR_NOMEM;

    if (buf == NULL)
        return ret;
    for (;;) {
        ssize_t n = pread(fd, buf, KEEL_UPDATE_FETCH_CHUNK, (off_t)(offset + *got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            keel_log(KEEL_LOG_ERROR, "update: mirror file '%s': %s", name, strerror(errno));
            ret = KEEL_ERR_UPDATE_FETCH;
            break;
        }
        ret = KEEL_OK;
        if (n == 0)
            break;
        if ((uint64_t)n > max - *got) {
            keel_log(KEEL_LOG_ERROR, "update: mirror file '%s' is longer than %llu bytes", name,
                     (unsigned long long)max);
            ret = KEEL_ERR_UPDATE_TOO_LONG;
            break;
        }
        ret = sink(sink_ctx, buf, (size_t)n);
        if (ret != KEEL_OK)
            break;
        *got += (uint64_t)n;
    }
    free(buf);
    return ret;
}

static keel_err dir_stream(keel_update_fetcher *f, const char *name, uint64_t offset, uint64_t max,
                           keel_update_sink sink, void *sink_ctx, uint64_t *got)
{
    const dir_state *d = f->backend;
    struct stat st;
    keel_err ret;
    int fd = -1;

    ret = open_beneath(d, name, &fd);
    if (ret != KEEL_OK)
        return ret;
    ret = KEEL_ERR_UPDATE_FETCH;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        keel_log(KEEL_LOG_ERROR, "update: mirror file '%s' is not a regular file", name);
        goto out;
    }
    if (offset > (uint64_t)st.st_size) {
        keel_log(KEEL_LOG_ERROR, "update: mirror file '%s' has no byte %llu", name,
                 (unsigned long long)offset);
        goto out;
    }
    ret = read_to_sink(fd, name, offset, max, sink, sink_ctx, got);
out:
    close(fd);
    return ret;
}

static void dir_close(keel_update_fetcher *f)
{
    free(f->backend);
    f->backend = NULL;
}

static const keel_update_fetch_ops dir_ops = {dir_stream, dir_close};

keel_err keel_update_fetcher_dir(const char *path, keel_update_fetcher **out)
{
    keel_update_fetcher *f = NULL;
    dir_state *d = NULL;
    struct stat st;
    keel_err ret = KEEL_ERR_ARG;

    if (out != NULL)
        *out = NULL;
    if (path == NULL || *path == '\0' || out == NULL)
        return KEEL_ERR_ARG;
    if (stat(path, &st) != 0) {
        int err = errno;
        keel_log(KEEL_LOG_ERROR, "update: mirror '%s': %s", path, strerror(err));
        return err == ENOENT ? KEEL_ERR_NOT_FOUND : KEEL_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        keel_log(KEEL_LOG_ERROR, "update: mirror '%s' is not a directory", path);
        return KEEL_ERR_IO;
    }
    f = calloc(1, sizeof(*f));
    d = calloc(1, sizeof(*d));
    if (f == NULL || d == NULL) {
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    ret = keel_str_copy(d->path, sizeof(d->path), path);
    if (ret != KEEL_OK)
        goto out;
    f->ops = &dir_ops;
    f->backend = d;
    *out = f;
    f = NULL;
    d = NULL;
out:
    free(f);
    free(d);
    return ret;
}
