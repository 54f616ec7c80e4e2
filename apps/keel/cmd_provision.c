/*
 * keel provision: make devices' identities in the factory (5.1-1, 5.1-2, 5.4-1, 5.5-1).
 *
 * Per device: a root of trust with a sealed storage key and an identity key certified by
 * the manufacturer CA; a secure store holding the Argon2id hash of a fresh label password;
 * a key and self-signed certificate for local HTTPS; identity.json with the public facts;
 * and the label (text and QR code) for the printer. The CA is checked before anything is
 * written; each device is made in a temporary directory and renamed into place whole.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "keel/tls.h"
#include "provision.h"

#define DEFAULT_MODEL "keel-lock-1"
#if KEEL_ROT_FILE
#define DEFAULT_ROT "file"
#define DEFAULT_ROT_HELP "file (development builds)"
#else
#define DEFAULT_ROT NULL
#define DEFAULT_ROT_HELP "none: required in production builds"
#endif

struct options {
    struct provision_request req;
    const char *ca_cert;
    const char *ca_key;
    const char *count;
    int help;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: keel provision --out DIR --ca-cert PEM --ca-key PEM [--rot SPEC]\n"
            "                      [--model NAME] [--serial SERIAL] [--count N] [--label FILE]\n\n"
            "Make devices' identities for EN 303 645 5.1-1, 5.1-2 and 5.4-1. Each device gets\n"
            "a root of trust (its state in <data>/rot/) with a sealed storage key and an\n"
            "identity key; the identity key certified by the manufacturer CA\n"
            "(identity-cert.pem, valid 10 years, and the CA chain in ca.pem); a secure store\n"
            "(store.kst) holding the Argon2id hash of a fresh label password as\n"
            "auth.label_hash; a P-256 key and self-signed certificate for local HTTPS; and\n"
            "identity.json (format, serial, model, created, rot). Data directories have mode\n"
            "0700; the password is written to no file in them.\n\n"
            "With --count 1 (the default) DIR is the device's data directory; it must be\n"
            "absent or empty. The label (model, serial, password, certificate SHA-256\n"
            "fingerprints) goes to stdout, or with --label FILE to FILE (mode 0600) and its QR\n"
            "code to FILE with .png for .txt, or FILE.png (mode 0600).\n"
            "With --count N (1-100000) each device goes to DIR/<serial>/ with a random serial,\n"
            "its label and QR code to DIR/labels/<serial>.txt and .png, and the list of\n"
            "devices to DIR/manifest.json (serials and certificate digests; no passwords, no\n"
            "hashes).\n\n"
            "  --out DIR        the data directory (count 1) or the batch directory\n"
            "  --ca-cert PEM    the manufacturer CA certificate, then its chain if any\n"
            "  --ca-key PEM     the CA's private key (unencrypted PEM)\n"
            "  --rot SPEC       root of trust: \"file\" or \"tpm2:TCTI\" (a TPM is one device:\n"
            "                   count 1 only); default " DEFAULT_ROT_HELP "\n"
            "  --model NAME     1-32 of A-Z a-z 0-9 . _ - (default " DEFAULT_MODEL ")\n"
            "  --serial SERIAL  4-32 of A-Z 0-9 - (count 1; default KL + 12 random hex digits)\n"
            "  --count N        how many devices (default 1)\n"
            "  --label FILE     write the label to FILE and its QR code beside (count 1)\n"
            "  --help           this text\n");
}

static int check_combination(const struct options *o, const struct provision_request *r)
{
    if (r->count > 1 && r->serial != NULL)
        return cli_usage_error("provision",
                               "--serial names one device; a batch (--count %zu) "
                               "gets random serials",
                               r->count);
    if (r->count > 1 && r->label != NULL)
        return cli_usage_error("provision", "--label is for one device; a batch writes its "
                                            "labels to DIR/labels/");
    if (r->rot_spec == NULL)
        return cli_usage_error("provision", "--rot SPEC is required (this build has no "
                                            "development file backend)");
    if (r->count > 1 && strncmp(r->rot_spec, "tpm2:", 5) == 0)
        return cli_usage_error("provision",
                               "--rot %s: one TPM is one device; a TPM provisions "
                               "a single device (--count 1), not %zu",
                               r->rot_spec, r->count);
    if (o->ca_cert == NULL || o->ca_key == NULL)
        return cli_usage_error("provision", "--ca-cert PEM and --ca-key PEM are required: the "
                                            "identity key is certified by the manufacturer CA");
    return CLI_EXIT_OK;
}

static int check_values(struct options *o)
{
    struct provision_request *r = &o->req;
    uint64_t count = 1;

    if (r->out == NULL || *r->out == '\0')
        return cli_usage_error("provision", "--out DIR is required");
    if (provision_model_check(r->model) != KEEL_OK)
        return cli_usage_error("provision",
                               "--model '%s': use 1-32 of A-Z a-z 0-9 . _ - , starting with a "
                               "letter or digit",
                               r->model);
    if (r->serial != NULL && keel_tls_serial_check(r->serial) != KEEL_OK)
        return cli_usage_error("provision",
                               "--serial '%s': use 4-32 of A-Z 0-9 -, not starting or ending "
                               "with -",
                               r->serial);
    if (r->label != NULL && *r->label == '\0')
        return cli_usage_error("provision", "--label needs a file name");
    if (o->count != NULL && keel_str_to_u64(o->count, 1, PROVISION_COUNT_MAX, &count) != KEEL_OK)
        return cli_usage_error("provision", "--count '%s': a number from 1 to %u", o->count,
                               PROVISION_COUNT_MAX);
    r->count = (size_t)count;
    return check_combination(o, r);
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},     {"model", required_argument, NULL, 'm'},
        {"serial", required_argument, NULL, 's'},  {"label", required_argument, NULL, 'l'},
        {"ca-cert", required_argument, NULL, 'C'}, {"ca-key", required_argument, NULL, 'K'},
        {"rot", required_argument, NULL, 'r'},     {"count", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->req.out = optarg; break;
        case 'm': o->req.model = optarg; break;
        case 's': o->req.serial = optarg; break;
        case 'l': o->req.label = optarg; break;
        case 'C': o->ca_cert = optarg; break;
        case 'K': o->ca_key = optarg; break;
        case 'r': o->req.rot_spec = optarg; break;
        case 'n': o->count = optarg; break;
        case 'h': o->help = 1; break;
        default: return cli_option_error("provision", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("provision", "unknown argument '%s'", argv[optind]);
    if (o->help)
        return CLI_EXIT_OK;
    return check_values(o);
}

int cli_provision(int argc, char **argv)
{
    struct options o;
    struct provision_ca ca;
    char err[512];
    int rc;

    memset(&o, 0, sizeof(o));
    o.req.model = DEFAULT_MODEL;
    o.req.rot_spec = DEFAULT_ROT;
    rc = parse(argc, argv, &o);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (o.help) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    /* Fail closed: the CA is checked before anything is written. */
    if (provision_ca_load(&ca, o.ca_cert, o.ca_key, err, sizeof(err)) != KEEL_OK) {
        fprintf(stderr, "keel provision: %s; no device written\n", err);
        return CLI_EXIT_ERROR;
    }
    o.req.ca = &ca;
    rc = o.req.count == 1 ? provision_one(&o.req) : provision_batch(&o.req);
    provision_ca_free(&ca);
    return rc;
}
