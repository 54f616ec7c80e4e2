/* A batch (--count N): N devices with random serials under one directory, their labels in
 * labels/, and the manifest for the manufacturer's records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "provision.h"

/* A collision of 48 random bits within one batch directory is rare; retrying a few times
 * turns rare into never without a central counter. */
#define SERIAL_TRIES 8

struct paths {
    char data[PROVISION_PATH_MAX];
    char txt[PROVISION_PATH_MAX];
    char png[PROVISION_PATH_MAX];
};

static int taken(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

/* A fresh serial whose data directory and labels do not exist yet in the batch directory. */
static keel_err pick_serial(const struct provision_request *req, struct provision_device *dev,
                            struct paths *p)
{
    for (int i = 0; i < SERIAL_TRIES; i++) {
        keel_err ret = provision_random_serial(dev->serial, sizeof(dev->serial));
        if (ret == KEEL_OK)
            ret = keel_str_format(p->data, sizeof(p->data), "%s/%s", req->out, dev->serial);
        if (ret == KEEL_OK)
            ret = keel_str_format(p->txt, sizeof(p->txt), "%s/%s/%s.txt", req->out,
                                  PROVISION_LABELS_DIR, dev->serial);
        if (ret == KEEL_OK)
            ret = keel_str_format(p->png, sizeof(p->png), "%s/%s/%s.png", req->out,
                                  PROVISION_LABELS_DIR, dev->serial);
        if (ret != KEEL_OK)
            return ret;
        if (!taken(p->data) && !taken(p->txt) && !taken(p->png))
            return KEEL_OK;
    }
    return KEEL_ERR_EXISTS;
}

static keel_err make_one(const struct provision_request *req,
                         struct provision_manifest_entry *entry, char *err, size_t errsz)
{
    struct provision_device dev;
    struct provision_job job;
    struct paths p;
    keel_err ret;

    memset(&dev, 0, sizeof(dev));
    ret = pick_serial(req, &dev, &p);
    if (ret == KEEL_OK)
        ret = keel_str_copy(dev.model, sizeof(dev.model), req->model);
    if (ret == KEEL_OK)
        ret = provision_now(dev.created, sizeof(dev.created));
    if (ret != KEEL_OK) {
        keel_str_format(err, errsz, "choosing a serial: %s", keel_strerror(ret));
        goto out;
    }
    job = (struct provision_job){req->rot_spec, p.data, p.txt, p.png, req->ca};
    ret = provision_device_make(&job, &dev, err, errsz);
    if (ret != KEEL_OK)
        goto out;
    memcpy(entry->serial, dev.serial, sizeof(entry->serial));
    memcpy(entry->created, dev.created, sizeof(entry->created));
    memcpy(entry->identity_sha256, dev.identity_sha256, sizeof(entry->identity_sha256));
    memcpy(entry->https_sha256, dev.https_sha256, sizeof(entry->https_sha256));
out:
    if (ret != KEEL_OK && dev.serial[0] != '\0') {
        char named[512];
        if (keel_str_format(named, sizeof(named), "serial %s: %s", dev.serial, err) == KEEL_OK)
            keel_str_copy(err, errsz, named);
    }
    keel_secret_clear(&dev.password);
    return ret;
}

/* The batch directory: made if missing; never one that already holds a batch. */
static int prepare_dir(const char *out)
{
    char path[PROVISION_PATH_MAX];

    if (provision_dir_ensure(out) != KEEL_OK) {
        fprintf(stderr, "keel provision: %s: cannot make or use it as the batch directory\n", out);
        return CLI_EXIT_ERROR;
    }
    if (keel_str_format(path, sizeof(path), "%s/%s", out, PROVISION_MANIFEST_FILE) != KEEL_OK ||
        taken(path)) {
        fprintf(stderr,
                "keel provision: %s: refusing to overwrite %s (a batch directory holds "
                "one batch)\n",
                out, PROVISION_MANIFEST_FILE);
        return CLI_EXIT_ERROR;
    }
    if (keel_str_format(path, sizeof(path), "%s/%s", out, PROVISION_LABELS_DIR) != KEEL_OK ||
        provision_dir_ensure(path) != KEEL_OK) {
        fprintf(stderr, "keel provision: %s: cannot make the labels directory\n", out);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

int provision_batch(const struct provision_request *req)
{
    struct provision_manifest_entry *entries = calloc(req->count, sizeof(*entries));
    char err[1024];
    size_t made = 0;
    int rc = CLI_EXIT_ERROR;
    keel_err ret;

    if (entries == NULL) {
        fprintf(stderr, "keel provision: %s\n", keel_strerror(KEEL_ERR_NOMEM));
        return CLI_EXIT_ERROR;
    }
    rc = prepare_dir(req->out);
    for (; rc == CLI_EXIT_OK && made < req->count; made++) {
        if (make_one(req, &entries[made], err, sizeof(err)) != KEEL_OK) {
            fprintf(stderr,
                    "keel provision: device %zu of %zu (%s) failed; %zu complete "
                    "devices kept\n",
                    made + 1, req->count, err, made);
            rc = CLI_EXIT_ERROR;
            break;
        }
    }
    if (made > 0) {
        ret = provision_manifest_write(req->out, req->model, entries, made);
        if (ret != KEEL_OK) {
            fprintf(stderr, "keel provision: %s/%s: %s\n", req->out, PROVISION_MANIFEST_FILE,
                    keel_strerror(ret));
            rc = CLI_EXIT_ERROR;
        }
    }
    if (rc == CLI_EXIT_OK)
        printf("%zu devices in %s: data directories by serial, labels in %s/, %s\n", made, req->out,
               PROVISION_LABELS_DIR, PROVISION_MANIFEST_FILE);
    free(entries);
    return rc;
}
