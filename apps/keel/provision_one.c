/* One device (--count 1): its data directory is --out, its label goes to stdout or to
 * --label FILE with the QR code beside it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "provision.h"

/* FILE with .png in place of a final .txt, or FILE.png. */
static keel_err png_path(const char *label, char *out, size_t outsz)
{
    size_t n = strlen(label);

    if (n > 4 && strcmp(label + n - 4, ".txt") == 0)
        return keel_str_format(out, outsz, "%.*s.png", (int)(n - 4), label);
    return keel_str_format(out, outsz, "%s.png", label);
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "keel provision: %s: %s\n", what, why);
    return CLI_EXIT_ERROR;
}

/* The label to stdout. If it cannot be printed the device is removed: a device whose
 * password nobody has is of no use to its owner. */
static int print_label(const struct provision_request *req, const struct provision_device *dev)
{
    char text[PROVISION_LABEL_MAX];
    keel_err ret = provision_label_format(text, sizeof(text), dev);
    int ok = ret == KEEL_OK && fputs(text, stdout) != EOF && fflush(stdout) == 0;

    keel_wipe(text, sizeof(text));
    if (ok)
        return CLI_EXIT_OK;
    if (provision_tree_remove(req->out) != KEEL_OK)
        return fail(req->out, "the label could not be printed and the device not removed");
    return fail(req->out, "the label could not be printed; the device was removed");
}

static keel_err prepare(const struct provision_request *req, struct provision_device *dev,
                        struct provision_job *job, char *png, size_t pngsz)
{
    keel_err ret;

    memset(dev, 0, sizeof(*dev));
    ret = req->serial != NULL ? keel_str_copy(dev->serial, sizeof(dev->serial), req->serial)
                              : provision_random_serial(dev->serial, sizeof(dev->serial));
    if (ret == KEEL_OK)
        ret = keel_str_copy(dev->model, sizeof(dev->model), req->model);
    if (ret == KEEL_OK)
        ret = provision_now(dev->created, sizeof(dev->created));
    if (ret == KEEL_OK && req->label != NULL)
        ret = png_path(req->label, png, pngsz);
    job->rot_spec = req->rot_spec;
    job->data_dir = req->out;
    job->label_txt = req->label;
    job->label_png = req->label != NULL ? png : NULL;
    job->ca = req->ca;
    return ret;
}

int provision_one(const struct provision_request *req)
{
    struct provision_device dev;
    struct provision_job job;
    char png[PROVISION_PATH_MAX];
    char err[512];
    int rc = CLI_EXIT_ERROR;
    keel_err ret = prepare(req, &dev, &job, png, sizeof(png));

    if (ret != KEEL_OK) {
        rc = fail("preparing the device", keel_strerror(ret));
        goto out;
    }
    ret = provision_device_make(&job, &dev, err, sizeof(err));
    if (ret != KEEL_OK) {
        rc = fail(req->out, err);
        goto out;
    }
    rc = req->label == NULL ? print_label(req, &dev) : CLI_EXIT_OK;
out:
    keel_secret_clear(&dev.password);
    return rc;
}
