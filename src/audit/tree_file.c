/* Reading named files of a firmware tree (etc/shadow, etc/inittab, sshd_config ...) for the
 * white-box test cases. A firmware's etc/shadow is often a link (to /var/etc/shadow, say):
 * links are resolved as the device would resolve them, with the tree as "/", and the kernel
 * (openat2 RESOLVE_IN_ROOT) guarantees that no link or ".." leads out of the tree, so the
 * auditor's own /etc/shadow can never end up in a device's report. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "whitebox.h"

#define REL_MAX 4096

static int open_in_root(int rootfd, const char *rel, int flags)
{
    struct open_how how;

    memset(&how, 0, sizeof(how));
    how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

/* Without openat2: one component at a time, every symbolic link refused (ELOOP). */
static int open_no_links(int rootfd, const char *rel, int flags)
{
    char copy[REL_MAX];
    char *p = copy, *slash;
    int dfd = rootfd, fd = -1;

    if (keel_str_copy(copy, sizeof(copy), rel) != KEEL_OK) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (;;) {
        while (*p == '/')
            p++;
        slash = strchr(p, '/');
        if (slash != NULL)
            *slash = '\0';
        if (strcmp(p, "..") == 0) {
            errno = EACCES;
            fd = -1;
        } else if (slash == NULL || slash[1] == '\0') {
            fd = openat(dfd, *p ? p : ".", flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        } else {
            fd = openat(dfd, *p ? p : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (dfd != rootfd) {
            int saved = errno;
            close(dfd);
            errno = saved;
        }
        if (fd < 0 || slash == NULL || slash[1] == '\0')
            return fd;
        dfd = fd;
        p = slash + 1;
    }
}

keel_err keel_audit_tree_open(int rootfd, const char *rel, int flags, int *fd)
{
    int got;

    if (rootfd < 0 || rel == NULL || fd == NULL)
        return KEEL_ERR_ARG;
    *fd = -1;
    got = open_in_root(rootfd, rel, flags);
    if (got < 0 && errno == ENOSYS)
        got = open_no_links(rootfd, rel, flags);
    if (got < 0)
        return errno == ENOENT || errno == ENOTDIR ? KEEL_ERR_NOT_FOUND : KEEL_ERR_IO;
    *fd = got;
    return KEEL_OK;
}

static keel_err read_fd(int fd, size_t size, char **data, size_t *len)
{
    char *buf = malloc(size + 1);
    size_t got = 0;

    if (buf == NULL)
        return KEEL_ERR_NOMEM;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return KEEL_ERR_IO;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return KEEL_OK;
}

keel_err keel_audit_tree_read(int rootfd, const char *rel, size_t max, char **data, size_t *len,
                              keel_audit_file_id *ino)
{
    struct stat st;
    keel_err ret;
    int fd;

    if (data == NULL || len == NULL)
        return KEEL_ERR_ARG;
    *data = NULL;
    *len = 0;
    ret = keel_audit_tree_open(rootfd, rel, O_RDONLY, &fd);
    if (ret != KEEL_OK)
        return ret;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ret = KEEL_ERR_IO;
    } else if ((uint64_t)st.st_size > max) {
        ret = KEEL_ERR_TOO_LARGE;
    } else {
        ret = read_fd(fd, (size_t)st.st_size, data, len);
        if (ino != NULL) {
            ino->dev = st.st_dev;
            ino->ino = st.st_ino;
        }
    }
    close(fd);
    return ret;
}

void keel_audit_names_free(char **names, size_t n)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static keel_err add_name(char ***names, size_t *n, size_t *cap, const char *name)
{
    if (*n == *cap) {
        size_t more = *cap ? *cap * 2 : 16;
        char **grown = realloc(*names, more * sizeof(**names));
        if (grown == NULL)
            return KEEL_ERR_NOMEM;
        *names = grown;
        *cap = more;
    }
    (*names)[*n] = strdup(name);
    if ((*names)[*n] == NULL)
        return KEEL_ERR_NOMEM;
    (*n)++;
    return KEEL_OK;
}

keel_err keel_audit_tree_list(int rootfd, const char *rel, size_t max, char ***names, size_t *n)
{
    keel_err ret;
    struct dirent *e;
    size_t cap = 0;
    DIR *d;
    int fd;

    if (names == NULL || n == NULL)
        return KEEL_ERR_ARG;
    *names = NULL;
    *n = 0;
    ret = keel_audit_tree_open(rootfd, rel, O_RDONLY | O_DIRECTORY, &fd);
    if (ret != KEEL_OK)
        return ret;
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return KEEL_ERR_IO;
    }
    errno = 0;
    while (ret == KEEL_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        ret = *n >= max ? KEEL_ERR_TOO_LARGE : add_name(names, n, &cap, e->d_name);
    }
    if (ret == KEEL_OK && errno != 0)
        ret = KEEL_ERR_IO;
    closedir(d);
    if (ret != KEEL_OK) {
        keel_audit_names_free(*names, *n);
        *names = NULL;
        *n = 0;
        return ret;
    }
    if (*n > 1)
        qsort(*names, *n, sizeof(**names), by_name);
    return KEEL_OK;
}
