/* keeld's root of trust and secure store, opened at start (5.4-1). Nothing here creates
 * anything: a store that is missing or fails verification is a device to repair, and
 * starting over with an empty one would hand the lock back to whoever holds the label. */
#include <string.h>

#include "keeld.h"

#define PATH_MAX_LEN 4096

static keel_err rot_open(const char *dir, const char *spec, const struct keeld_identity *id,
                         keel_rot **rot, char *err, size_t errsz)
{
    char path[PATH_MAX_LEN];
    const char *backend;
    keel_err ret = keel_str_format(path, sizeof(path), "%s/%s", dir, KEELD_ROT_DIR);

    if (ret == KEEL_OK)
        ret = keel_rot_open(spec, path, rot);
    if (ret != KEEL_OK) {
        keel_str_format(err, errsz, "root of trust '%s' (state in %s): %s", spec, path,
                        keel_strerror(ret));
        return ret;
    }
    backend = keel_rot_backend_name(keel_rot_backend_of(*rot));
    if (strcmp(backend, id->rot) != 0) {
        keel_str_format(err, errsz,
                        "root of trust '%s' is the %s backend, but %s/%s says the device was "
                        "made with %s",
                        spec, backend, dir, KEELD_IDENTITY_FILE, id->rot);
        keel_rot_close(*rot);
        *rot = NULL;
        return KEEL_ERR_ROT_UNAVAILABLE;
    }
    return KEEL_OK;
}

keel_err keeld_device_open(const char *dir, const char *rot_spec, const struct keeld_identity *id,
                           struct keeld_device *dev, char *err, size_t errsz)
{
    char path[PATH_MAX_LEN];
    keel_err ret;

    if (dir == NULL || rot_spec == NULL || id == NULL || dev == NULL || err == NULL || errsz == 0)
        return KEEL_ERR_ARG;
    memset(dev, 0, sizeof(*dev));
    err[0] = '\0';
    ret = rot_open(dir, rot_spec, id, &dev->rot, err, errsz);
    if (ret != KEEL_OK)
        return ret;
    ret = keel_str_format(path, sizeof(path), "%s/%s", dir, KEELD_STORE_FILE);
    if (ret == KEEL_OK)
        ret = keel_store_open(path, dev->rot, &dev->store);
    if (ret != KEEL_OK) {
        keel_str_format(err, errsz, "secure store %s: %s", path, keel_strerror(ret));
        keeld_device_close(dev);
    }
    return ret;
}

void keeld_device_close(struct keeld_device *dev)
{
    if (dev == NULL)
        return;
    keel_store_close(dev->store);
    keel_rot_close(dev->rot);
    dev->store = NULL;
    dev->rot = NULL;
}
