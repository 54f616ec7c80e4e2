/*
 * keel provision: make one device's identity in the factory (5.1-1, 5.1-2, 5.5-1).
 *
 * A fresh label password from the CSPRNG (stored only as its Argon2id hash), a fresh
 * P-256 key with a self-signed certificate for local HTTPS, the serial and the model, all
 * in a new private directory; the label goes to stdout or to a 0600 file for the printer.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli.h"
#include "keel/tls.h"
#include "provision.h"

#define PATH_MAX_LEN 4096
#define LABEL_MAX 512
#define DEFAULT_MODEL "keel-lock-1"

struct options {
    const char *out;
    const char *model;
    const char *serial;
    const char *label;
    int help;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: keel provision --out DIR [--model NAME] [--serial SERIAL] [--label FILE]\n\n"
            "Make a device's identity: a unique label password (kept only as its Argon2id\n"
            "hash), a P-256 key and self-signed certificate for the local HTTPS API, the\n"
            "serial and the model. DIR is created with mode 0700 and must not hold an\n"
            "identity already. The label (model, serial, password, certificate SHA-256)\n"
            "goes to stdout, or to FILE with mode 0600.\n\n"
            "  --out DIR        the device's data directory\n"
            "  --model NAME     1-32 of A-Z a-z 0-9 . _ - (default " DEFAULT_MODEL ")\n"
            "  --serial SERIAL  4-32 of A-Z 0-9 - (default: KL + 12 random hex digits)\n"
            "  --label FILE     write the label to FILE instead of stdout\n"
            "  --help           this text\n");
}

static int fail(const char *what, keel_err err)
{
    fprintf(stderr, "keel provision: %s: %s\n", what, keel_strerror(err));
    return CLI_EXIT_ERROR;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},    {"model", required_argument, NULL, 'm'},
        {"serial", required_argument, NULL, 's'}, {"label", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'm': o->model = optarg; break;
        case 's': o->serial = optarg; break;
        case 'l': o->label = optarg; break;
        case 'h': o->help = 1; break;
        default: return cli_option_error("provision", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("provision", "unknown argument '%s'", argv[optind]);
    if (o->help)
        return CLI_EXIT_OK;
    if (o->out == NULL || *o->out == '\0')
        return cli_usage_error("provision", "--out DIR is required");
    if (provision_model_check(o->model) != KEEL_OK)
        return cli_usage_error("provision",
                               "--model '%s': use 1-32 of A-Z a-z 0-9 . _ - , starting with a "
                               "letter or digit",
                               o->model);
    if (o->serial != NULL && keel_tls_serial_check(o->serial) != KEEL_OK)
        return cli_usage_error("provision",
                               "--serial '%s': use 4-32 of A-Z 0-9 -, not starting or ending "
                               "with -",
                               o->serial);
    if (o->label != NULL && *o->label == '\0')
        return cli_usage_error("provision", "--label needs a file name");
    return CLI_EXIT_OK;
}

/* "KL" and 12 upper-case hex digits from the CSPRNG: unique without a central counter. */
static keel_err random_serial(char *out, size_t outsz)
{
    uint8_t raw[6];
    keel_err ret = keel_random(raw, sizeof(raw));

    if (ret != KEEL_OK)
        return ret;
    return keel_str_format(out, outsz, "KL%02X%02X%02X%02X%02X%02X", raw[0], raw[1], raw[2], raw[3],
                           raw[4], raw[5]);
}

static keel_err fill_device(struct provision_device *dev, const struct options *o)
{
    time_t now = time(NULL);
    struct tm tm;
    keel_err ret;

    memset(dev, 0, sizeof(*dev));
    ret = o->serial != NULL ? keel_str_copy(dev->serial, sizeof(dev->serial), o->serial)
                            : random_serial(dev->serial, sizeof(dev->serial));
    if (ret == KEEL_OK)
        ret = keel_str_copy(dev->model, sizeof(dev->model), o->model);
    if (ret != KEEL_OK)
        return ret;
    if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
        strftime(dev->created, sizeof(dev->created), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return KEEL_ERR_IO;
    return KEEL_OK;
}

static keel_err write_tls_identity(const char *dir, const char *serial, char *fingerprint)
{
    char kp[PATH_MAX_LEN];
    char cp[PATH_MAX_LEN];
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    keel_err ret = keel_str_format(kp, sizeof(kp), "%s/%s", dir, PROVISION_KEY_FILE);

    if (ret == KEEL_OK)
        ret = keel_str_format(cp, sizeof(cp), "%s/%s", dir, PROVISION_CERT_FILE);
    if (ret == KEEL_OK)
        ret = keel_tls_identity_generate(serial, &key, &cert);
    if (ret == KEEL_OK)
        ret = keel_tls_identity_write(key, cert, kp, cp);
    if (ret == KEEL_OK)
        ret = keel_tls_cert_fingerprint(cert, fingerprint);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ret;
}

static int emit_label(const char *label_path, const char *text)
{
    keel_err ret;

    if (label_path == NULL) {
        if (fputs(text, stdout) == EOF || fflush(stdout) != 0)
            return fail("writing the label to stdout", KEEL_ERR_IO);
        return CLI_EXIT_OK;
    }
    ret = keel_file_write_atomic(label_path, text, strlen(text), 0600);
    return ret == KEEL_OK ? CLI_EXIT_OK : fail(label_path, ret);
}

static int provision(const struct options *o)
{
    struct provision_device dev;
    char fingerprint[KEEL_TLS_FINGERPRINT_SIZE];
    char label[LABEL_MAX];
    keel_secret password;
    int rc = CLI_EXIT_ERROR;
    keel_err ret;

    keel_secret_clear(&password);
    label[0] = '\0';
    ret = fill_device(&dev, o);
    if (ret != KEEL_OK) {
        rc = fail("preparing the identity", ret);
        goto out;
    }
    ret = provision_dir_prepare(o->out);
    if (ret != KEEL_OK) {
        rc = fail(ret == KEEL_ERR_EXISTS ? "refusing to overwrite the identity in --out" : o->out,
                  ret);
        goto out;
    }
    ret = keel_auth_label_password(&password);
    if (ret == KEEL_OK)
        ret = keel_auth_hash_password(&password, dev.password_hash, sizeof(dev.password_hash));
    if (ret != KEEL_OK) {
        rc = fail("making the label password", ret);
        goto out;
    }
    ret = write_tls_identity(o->out, dev.serial, fingerprint);
    if (ret != KEEL_OK) {
        rc = fail("making the device key and certificate", ret);
        goto out;
    }
    /* identity.json last: its presence marks a complete identity */
    ret = provision_identity_write(o->out, &dev);
    if (ret == KEEL_OK)
        ret = provision_label_format(label, sizeof(label), &dev, &password, fingerprint);
    if (ret != KEEL_OK) {
        rc = fail("writing identity.json", ret);
        goto out;
    }
    rc = emit_label(o->label, label);
out:
    keel_secret_clear(&password);
    keel_wipe(label, sizeof(label));
    return rc;
}

int cli_provision(int argc, char **argv)
{
    struct options o = {.model = DEFAULT_MODEL};
    int rc = parse(argc, argv, &o);

    if (rc != CLI_EXIT_OK)
        return rc;
    if (o.help) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    return provision(&o);
}
