/* The directories keel provision writes: a device's data directory is made whole beside
 * its final place and renamed into it, never written over an existing identity, and removed
 * whole when anything fails. */
/* nftw is XSI */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provision.h"

keel_err provision_model_check(const char *model)
{
    size_t n;

    if (model == NULL)
        return KEEL_ERR_PARSE;
    n = strnlen(model, PROVISION_NAME_MAX + 1);
    if (n == 0 || n > PROVISION_NAME_MAX)
        return KEEL_ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        char c = model[i];
        int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return KEEL_ERR_PARSE;
    }
    return KEEL_OK;
}

static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int empty = 1;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

keel_err provision_target_check(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? KEEL_OK : KEEL_ERR_IO;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return KEEL_ERR_PERM;
    return dir_is_empty(path) ? KEEL_OK : KEEL_ERR_EXISTS;
}

keel_err provision_dir_ensure(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0700) == 0)
        return KEEL_OK;
    if (errno != EEXIST)
        return KEEL_ERR_IO;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return KEEL_ERR_PERM;
    return KEEL_OK;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        return rmdir(path) == 0 ? 0 : -1;
    return unlink(path) == 0 ? 0 : -1;
}

keel_err provision_tree_remove(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? KEEL_OK : KEEL_ERR_IO;
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? KEEL_OK : KEEL_ERR_IO;
}
