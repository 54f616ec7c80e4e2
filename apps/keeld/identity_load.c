/* Loading a device directory at start: identity.json parsed, the private key file private
 * to its owner (5.4-1: keys are not left readable to other users). */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keeld.h"

#define PATH_MAX_LEN 4096

static keel_err key_file_check(const char *path, char *err, size_t errsz)
{
    struct stat st;

    if (lstat(path, &st) != 0) {
        keel_str_format(err, errsz, "%s: cannot read it (errno %d)", path, errno);
        return errno == ENOENT ? KEEL_ERR_NOT_FOUND : KEEL_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        keel_str_format(err, errsz, "%s: not a regular file", path);
        return KEEL_ERR_PERM;
    }
    if ((st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
        keel_str_format(err, errsz,
                        "%s: mode %03o: the key must be owned by this user and readable by it "
                        "only (chmod 600)",
                        path, (unsigned)(st.st_mode & 0777));
        return KEEL_ERR_PERM;
    }
    return KEEL_OK;
}

static keel_err read_identity(const char *path, struct keeld_identity *out, char *err, size_t errsz)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret = keel_file_read(path, KEELD_IDENTITY_MAX, &text, &len);

    if (ret != KEEL_OK) {
        keel_str_format(err, errsz, "%s: %s", path, keel_strerror(ret));
        return ret;
    }
    ret = keeld_identity_parse(text, len, path, out, err, errsz);
    keel_file_free(text, len);
    return ret;
}

keel_err keeld_identity_load(const char *dir, struct keeld_identity *out, char *err, size_t errsz)
{
    char path[PATH_MAX_LEN];
    struct stat st;
    keel_err ret;

    if (dir == NULL || out == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    err[0] = '\0';
    ret = keel_str_format(path, sizeof(path), "%s/%s", dir, KEELD_IDENTITY_FILE);
    if (ret == KEEL_OK)
        ret = read_identity(path, out, err, errsz);
    if (ret == KEEL_OK)
        ret = keel_str_format(path, sizeof(path), "%s/%s", dir, KEELD_KEY_FILE);
    if (ret == KEEL_OK)
        ret = key_file_check(path, err, errsz);
    if (ret == KEEL_OK)
        ret = keel_str_format(path, sizeof(path), "%s/%s", dir, KEELD_CERT_FILE);
    if (ret == KEEL_OK && stat(path, &st) != 0) {
        keel_str_format(err, errsz, "%s: missing", path);
        ret = KEEL_ERR_NOT_FOUND;
    }
    if (ret != KEEL_OK) {
        if (err[0] == '\0')
            keel_str_format(err, errsz, "%s: %s", dir, keel_strerror(ret));
        keel_wipe(out, sizeof(*out));
    }
    return ret;
}
