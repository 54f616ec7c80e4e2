/*
 * keel flash: the factory step that puts the first software on a provisioned device (5.3,
 * 5.7-1). From a local copy of the update repository it installs the repository's first root
 * as the device's trust anchor, verifies the metadata the way the device will, writes the
 * named target into slot A with its signed record, leaves slot B empty and makes the boot
 * environment start slot A. From then on the device verifies slot A at every start and takes
 * updates from the same repository.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "keel/update.h"

#define FLASH_PATH_MAX 4096

struct flash {
    const char *data;
    const char *repo;
    const char *target;
    char trust[FLASH_PATH_MAX];
};

static void usage(FILE *to)
{
    fprintf(to, "usage: keel flash --data DIR --repo REPO --target NAME\n\n"
                "Install the device's first software from a local copy of its update\n"
                "repository (made with 'keel release'): REPO/1.root.json becomes the device's\n"
                "trust anchor in DIR/update, the metadata is verified as the device will, the\n"
                "target NAME (for the device's model) is written to DIR/slot-a with its signed\n"
                "record, DIR/slot-b is made empty, and DIR/bootenv starts slot a.\n\n"
                "  --data DIR      the device directory made by 'keel provision'\n"
                "  --repo REPO     the repository directory\n"
                "  --target NAME   the target to install\n"
                "  --help          this text\n");
}

static int flash_error(const char *what, keel_err ret)
{
    fprintf(stderr, "keel flash: %s: %s\n", what, keel_strerror(ret));
    return CLI_EXIT_ERROR;
}

static int path(char *out, const char *dir, const char *name)
{
    return keel_str_format(out, FLASH_PATH_MAX, "%s/%s", dir, name) == KEEL_OK ? 0 : -1;
}

/* The device's model from DIR/identity.json: the hardware id its targets must carry. */
static keel_err device_model(const char *data, char *model, size_t modelsz)
{
    char p[FLASH_PATH_MAX], *text = NULL;
    size_t len = 0;
    cJSON *doc;
    const cJSON *m;
    keel_err ret =
        path(p, data, "identity.json") == 0 ? keel_file_read(p, 4096, &text, &len) : KEEL_ERR_RANGE;

    if (ret != KEEL_OK)
        return ret;
    doc = cJSON_ParseWithLength(text, len);
    m = cJSON_GetObjectItemCaseSensitive(doc, "model");
    ret = cJSON_IsString(m) ? keel_str_copy(model, modelsz, m->valuestring) : KEEL_ERR_PARSE;
    cJSON_Delete(doc);
    keel_file_free(text, len);
    return ret;
}

static keel_err trust_anchor(const struct flash *f)
{
    char p[FLASH_PATH_MAX], *root = NULL;
    size_t len = 0;
    keel_err ret = path(p, f->repo, "1.root.json") == 0
                       ? keel_file_read(p, KEEL_UPDATE_ROOT_MAX, &root, &len)
                       : KEEL_ERR_RANGE;

    if (ret == KEEL_OK)
        ret = keel_update_trust_init(f->trust, root, len);
    keel_file_free(root, len);
    return ret;
}

/* An empty slot B, made once; an existing one is left alone. */
static keel_err empty_slot(const char *data)
{
    char p[FLASH_PATH_MAX];
    int fd;

    if (path(p, data, "slot-b") != 0)
        return KEEL_ERR_RANGE;
    fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errno == EEXIST ? KEEL_OK : KEEL_ERR_IO;
    return close(fd) == 0 ? KEEL_OK : KEEL_ERR_IO;
}

/* The target, checked against this device's hardware id, into slot A with its record. */
static int install(const struct flash *f, keel_update_fetcher *fetch,
                   const keel_update_targets *targets)
{
    const keel_update_target *t = NULL;
    char model[64], slot[FLASH_PATH_MAX], progress[FLASH_PATH_MAX], env[FLASH_PATH_MAX];
    keel_err ret;

    for (size_t i = 0; i < targets->ntargets && t == NULL; i++)
        if (strcmp(targets->targets[i].name, f->target) == 0)
            t = &targets->targets[i];
    if (t == NULL) {
        fprintf(stderr, "keel flash: %s is not in %s/targets.json\n", f->target, f->repo);
        return CLI_EXIT_ERROR;
    }
    ret = device_model(f->data, model, sizeof(model));
    if (ret != KEEL_OK)
        return flash_error("cannot read the device's model from identity.json", ret);
    ret = keel_update_target_check(t, model, 0);
    if (ret != KEEL_OK)
        return flash_error(f->target, ret);
    if (path(slot, f->data, "slot-a") != 0 || path(progress, f->trust, "download.json") != 0 ||
        path(env, f->data, "bootenv") != 0)
        return flash_error("the data directory path", KEEL_ERR_RANGE);
    ret = keel_update_download(fetch, t, slot, progress);
    if (ret == KEEL_OK)
        ret = keel_update_slot_record(f->trust, 'a', t);
    if (ret == KEEL_OK)
        ret = empty_slot(f->data);
    if (ret == KEEL_OK)
        ret = keel_update_boot_file_create(env, 'a');
    if (ret != KEEL_OK)
        return flash_error("cannot write the slots", ret);
    printf("keel flash: slot a holds %s %s (security version %llu); booting slot a\n", t->name,
           t->version, (unsigned long long)t->security_version);
    return CLI_EXIT_OK;
}

static int flash_run(struct flash *f)
{
    keel_update_fetcher *fetch = NULL;
    keel_update_targets targets = {0};
    keel_err ret;
    int rc = CLI_EXIT_ERROR;

    if (path(f->trust, f->data, "update") != 0)
        return flash_error("the data directory path", KEEL_ERR_RANGE);
    ret = trust_anchor(f);
    if (ret != KEEL_OK)
        return flash_error("cannot install the trust anchor (REPO/1.root.json)", ret);
    ret = keel_update_fetcher_dir(f->repo, &fetch);
    if (ret == KEEL_OK)
        ret = keel_update_refresh(f->trust, fetch, (int64_t)time(NULL), &targets);
    if (ret != KEEL_OK)
        (void)flash_error("the repository does not verify", ret);
    else
        rc = install(f, fetch, &targets);
    keel_update_targets_free(&targets);
    keel_update_fetcher_free(fetch);
    return rc;
}

int cli_flash(int argc, char **argv)
{
    static const struct option longopts[] = {{"data", required_argument, NULL, 'd'},
                                             {"repo", required_argument, NULL, 'r'},
                                             {"target", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct flash f = {NULL, NULL, NULL, ""};
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': f.data = optarg; break;
        case 'r': f.repo = optarg; break;
        case 't': f.target = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_option_error("flash", c, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("flash", "unexpected argument '%s'", argv[optind]);
    if (f.data == NULL || f.repo == NULL || f.target == NULL)
        return cli_usage_error("flash", "--data, --repo and --target are all required");
    return flash_run(&f);
}
