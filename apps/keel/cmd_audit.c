/* keel audit: run TS 103 701 functional test cases against a live device and write the
 * conformance report. Exit 0 when no mandatory provision fails, CLI_EXIT_FAILED when one
 * does, so that a device maker's CI can gate a release on it. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "ics.h"
#include "image.h"
#include "keel/catalog.h"
#include "progress.h"
#include "sbom.h"
#include "whitebox.h"

#define PATH_MAX_LEN 4096

#define ONLY_MAX 32u /* provisions --only may name */
#define ONLY_TEXT_MAX 512u

typedef struct options {
    const char *target;
    const char *version;
    const char *out_dir;
    const char *login_path;
    int login_basic; /* --login-scheme basic: 5.1-1-2 offers HTTP Basic user:password pairs */
    const char *password_path;
    const char *status_path;
    const char *password_arg; /* as given: the password, or "-" for stdin */
    const char *labels_dir;
    const char *firmware_dir;  /* a tree: as given, or an image's tree unpacked into fw_image */
    const char *firmware_peer; /* --firmware-peer: a second device's tree or image, for 5.4-4-2 */
    keel_audit_image fw_image, peer_image; /* unpacked images, removed at exit */
    const char *device_data;               /* --device-data: the device's data tree, for 5.11-1-2 */
    const char *ixit_path;
    keel_audit_ixit ixit; /* loaded when ixit_path is given */
    int has_ixit;
    keel_audit_ixit_update update; /* its "update" object, when it has one */
    const char *ics_path;          /* --ics FILE: the ICS (Table B.1), for 4-1 / 5.0-1 and N/A */
    keel_audit_ics ics;            /* loaded when ics_path is given */
    int has_ics;
    int version_given;                  /* --version was given (else the ICS's version is taken) */
    int json, html, md, sarif, junit;   /* --format */
    char password[KEEL_SECRET_MAX + 1]; /* the device's password, wiped at exit */
    char new_password_file[PATH_MAX_LEN];
    const char *only_arg; /* --only ID,...: run just the steps serving these provisions */
    const keel_provision *only[ONLY_MAX];
    size_t only_count;
} options;

static void usage(FILE *to)
{
    fprintf(to, "usage: keel audit --target HOST:PORT [--version 3.1.3|2.1.1]\n"
                "                  [--format json,html,md,sarif,junit] [--out DIR]\n"
                "                  [--login-path PATH] [--login-scheme json|basic]\n"
                "                  [--password PW|-] [--password-path PATH]\n"
                "                  [--status-path PATH]\n"
                "                  [--labels DIR] [--firmware DIR|IMAGE]\n"
                "                  [--firmware-peer DIR|IMAGE] [--ixit FILE]\n"
                "                  [--device-data DIR] [--ics FILE]\n"
                "                  [--only ID[,ID...]]\n"
                "       keel audit init [--version 3.1.3|2.1.1] [--out FILE]\n"
                "       keel audit list [--version 3.1.3|2.1.1] [--format text|json]\n\n");
    fprintf(to, "Tests the device at HOST:PORT (IPv4, [IPv6] or a name) with the functional\n"
                "test cases of ETSI TS 103 701 that keel implements. --ixit FILE is the\n"
                "device's declared interfaces and routes as `keeld --describe` prints them\n"
                "(data/schemas/ixit.schema.json):\n"
                "  5.6-1-2  TCP scan of every port: only the declared ones (the IXIT's inbound\n"
                "           TCP interfaces, else PORT) may be open; open ports speaking telnet\n"
                "           are named; UDP scan of nmap-services' top 1000 UDP ports and the\n"
                "           IoT ones (DNS, NTP, SNMP, SSDP, mDNS, CoAP ...): only the IXIT's\n"
                "           inbound UDP interfaces may answer\n"
                "  5.5-1-2  TLS 1.0 and 1.1 refused, TLS 1.2 or 1.3 accepted; TLS 1.2 suites\n"
                "           without forward secrecy, CBC-only and weak ones refused; the\n"
                "           certificate's key size, validity and name; no declared TCP\n"
                "           interface speaks telnet (a clear-text remote login)\n"
                "  5.5-4-2  with --ixit: every non-public route refuses (401/403) requests\n"
                "           without a session and with a bogus token\n"
                "  5.5-5-2  with --ixit: the same for every security-relevant route\n"
                "  5.6-2-2  before login: no version in Server/X-Powered-By, no stack trace or\n"
                "           version in error bodies, one error page format\n");
    fprintf(to, "  5.4-1-2  with --password (the device's current one, '-' reads it from stdin):\n"
                "           logs in and reads \"root_of_trust\" from --status-path (default\n"
                "           /api/v1/status): \"file\" (keys in files) fails, \"tpm2\" passes\n"
                "  5.1-4-2  with --password:\n"
                "           a weak new password refused, a strong one accepted and in force.\n"
                "           CHANGES the device's password: the new one is written to\n"
                "           DIR/new-password.txt (mode 0600), never into the report\n"
                "  5.1-1-2  no well-known default password accepted by the login API (honours\n"
                "           the device's Retry-After for up to 30 s); with --labels, no two\n"
                "           devices of the batch share a password. --login-scheme basic: the\n"
                "           default user:password pairs as HTTP Basic authentication on a GET\n"
                "           of --login-path (default json: POST {\"password\": ...})\n"
                "  5.1-5-2  up to 25 random wrong passwords: the device must throttle\n"
                "  5.1-2-2  with --labels DIR (label files *.txt of a batch of devices): unique,\n"
                "           not derived from serial or MAC, uniform symbols, >= 64 bits\n"
                "  5.4-3-2  with --firmware DIR (a firmware tree): no private key, no default\n"
                "           password, no token or secret literal hard-coded. --firmware also takes "
                "an IMAGE file (tar, also\n"
                "           gzip/xz/zstd/bzip2-compressed, squashfs, ext2/3/4: by its magic),\n"
                "           unpacked into a private directory in --out and removed afterwards\n"
                "  5.4-4-2  with --firmware and --firmware-peer (a second device of the model):\n"
                "           no private key in both\n");
    fprintf(to, "  5.6-4A-2 (5.6-4-2 in 2.1.1) with --firmware DIR: no keel development build,\n"
                "           no telnetd, adbd, SSH password login or serial getty switched on\n"
                "  5.1-1-3  with --firmware DIR: no account of etc/passwd and etc/shadow without\n"
                "           a password or opened by a default password or its name (crypt(3))\n"
                "  5.6-7-2  with --firmware DIR: no setuid/setgid file, nothing world-writable\n"
                "  5.6-8-2  with --firmware DIR: every ELF program and library has NX, PIE, RELRO\n"
                "  5.5-1-3  with --firmware DIR: no TLS configuration (nginx, Apache, lighttpd,\n"
                "           mosquitto, openssl.cnf, stunnel, HAProxy) allows SSL, TLS 1.0/1.1\n"
                "           or weak suites\n"
                "  SBOM     with --firmware: OUT/sbom.cdx.json (CycloneDX 1.5) of the tree's\n"
                "           dpkg and opkg databases (docs/sbom.md), whatever --only says\n"
                "  5.7-1-2  with --firmware DIR as flashed (DIR/update, DIR/slot-a, DIR/slot-b,\n"
                "           DIR/bootenv): the booted slot verifies against its signed record as\n"
                "           the device checks it at start (and, with the IXIT's \"update\", is in\n"
                "           the repository's signed targets); the device shows no integrity alert\n"
                "  with the IXIT's \"update\" object (repository URL, CA, trust anchor, mirror,\n"
                "  lab certificate; docs/audit-report.md):\n"
                "  5.3-7-2  the mirror verifies from the trust anchor with keel's client: key\n"
                "           types, thresholds, expiries, SHA-256; the repository's server: TLS\n"
                "           as 5.5-1-2, its CA and host, no plain HTTP\n"
                "  5.3-9-2  with --password: the audit serves the device, on the repository's\n"
                "           address, metadata signed by its own key, a substituted targets.json,\n"
                "           a changed target and an endless one: each must be refused\n"
                "  5.3-10-2 with --password: an untrusted server certificate and TLS 1.0/1.1\n"
                "           must be refused, and metadata signed by an unknown key\n"
                "  5.3-2-2  all of the above: the mechanism verifies and refuses, the device runs\n"
                "           on. Stop the repository's server (or redirect the device) first: the\n"
                "           audit takes its address (the IXIT's repository_server names where the\n"
                "           genuine server is probed meanwhile)\n"
                "  with --ixit (docs/audit-report.md):\n");
    fprintf(to, "  5.0-1-1 (4-1-1 in 2.1.1) with --ics FILE (the ICS, as keel audit init writes\n"
                "           it): every recommendation declared N or N/A is justified, N/A only\n"
                "           where the status has a condition or feature (without --ics:\n"
                "           INCONCLUSIVE). A provision declared N/A where allowed is reported\n"
                "           N/A and its own steps are skipped; a mandatory one declared N FAILs\n"
                "           (<provision>-1). The ICS's version is taken unless --version is given\n"
                "  keel audit list prints every test case with its inputs.\n");
    fprintf(to, "  5.2-1-2  security.txt (the IXIT's security_txt, default\n"
                "           /.well-known/security.txt) parses per RFC 9116 and has Contact, an\n"
                "           Expires in the future, Policy and Preferred-Languages\n"
                "  5.3-13-2 the support period, and 5.3-16-2 the model designation, published as\n"
                "           the IXIT's \"publication\" declares (a route read without logging in;\n"
                "           with --labels, every label)\n"
                "  5.9-2-2  with --password and the IXIT's \"outage\" hook: local function (its\n"
                "           declared steps) works while the hook's commands cut the cloud link;\n"
                "           the restore commands always run afterwards\n"
                "  5.13-1B-2 (5.13-1-2 in 2.1.1) a bounded campaign of malformed requests against\n"
                "           every declared route (with --password, non-public ones with a\n"
                "           session; never a wrong password): only uniform 4xx answers, the\n"
                "           device still up; 5.13-1B-1 (5.13-1-1) every route declares its input\n"
                "  5.8-3-1 5.10-1-1 5.11-1-1 5.11-2-1 6-1-1 6-2-1 6-4-1 6-5-1 (conceptual) the\n"
                "           IXIT's personal_data, telemetry, sensing, deletion and user_info\n"
                "  5.1-3-1 5.3-3-1 5.3-8-1 5.4-2-1 5.4-4-1 5.5-7-1 5.5-8-1 5.8-2-1 5.13-1A-1\n"
                "           6-3B-1 6-6-1 (conceptual; the last three in 3.1.3 only) the IXIT's\n"
                "           design tables: authentication, updates, security parameters,\n"
                "           communication, user interfaces, consent records, retention\n"
                "           (docs/ixit.md); a table left out: INCONCLUSIVE, naming it\n"
                "  6-3A-2 (6-3-2 in 2.1.1) with --password and the IXIT's consent_check: consent\n"
                "           given, the datum seen on the broker; withdrawn, nothing more arrives\n"
                "  5.11-2-2 5.11-4-1 with --password: the device asks its service to delete the\n"
                "           owner's data and shows the service's confirmation\n"
                "  5.11-1-2 with --password and --device-data DIR (the device's data tree):\n"
                "           canaries planted as user data, the device RESET through its declared\n"
                "           function, no canary left in DIR. Runs after every test case that\n"
                "           needs the owner (before 5.1-1-2 and 5.1-5-2, which need none)\n"
                "--only ID,... runs only the steps that serve those provisions (a step that\n"
                "serves several records them all); every other provision stays NOT TESTED.\n"
                "Writes into DIR (default: current directory; made if missing) the formats\n"
                "--format lists, in any order (default json,html): json report.json, html\n"
                "report.html, md report.md (Markdown), sarif report.sarif (SARIF 2.1.0),\n"
                "junit report.junit.xml (JUnit XML).\n"
                "Exit status: 0 no mandatory provision fails, 3 one does, 1 error, 2 usage.\n");
}

/* A comma list of json, html, md, sarif and junit in any order (a name twice is harmless). */
static int parse_formats(const char *text, options *o)
{
    char copy[64];
    size_t start = 0;

    if (keel_str_copy(copy, sizeof(copy), text) != KEEL_OK)
        return -1;
    o->json = o->html = o->md = o->sarif = o->junit = 0;
    for (size_t i = 0;; i++) {
        if (copy[i] != ',' && copy[i] != '\0')
            continue;
        int end = copy[i] == '\0';
        copy[i] = '\0';
        if (strcmp(copy + start, "json") == 0)
            o->json = 1;
        else if (strcmp(copy + start, "html") == 0)
            o->html = 1;
        else if (strcmp(copy + start, "md") == 0)
            o->md = 1;
        else if (strcmp(copy + start, "sarif") == 0)
            o->sarif = 1;
        else if (strcmp(copy + start, "junit") == 0)
            o->junit = 1;
        else
            return -1;
        if (end)
            return 0;
        start = i + 1;
    }
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {{"target", required_argument, NULL, 't'},
                                             {"version", required_argument, NULL, 'v'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"login-path", required_argument, NULL, 'l'},
                                             {"login-scheme", required_argument, NULL, 'A'},
                                             {"password", required_argument, NULL, 'p'},
                                             {"password-path", required_argument, NULL, 'P'},
                                             {"status-path", required_argument, NULL, 'S'},
                                             {"labels", required_argument, NULL, 'L'},
                                             {"firmware", required_argument, NULL, 'F'},
                                             {"firmware-peer", required_argument, NULL, 'Q'},
                                             {"device-data", required_argument, NULL, 'D'},
                                             {"ixit", required_argument, NULL, 'I'},
                                             {"only", required_argument, NULL, 'O'},
                                             {"ics", required_argument, NULL, 'C'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->version = "3.1.3";
    o->out_dir = ".";
    o->json = o->html = 1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 't': o->target = optarg; break;
        case 'v':
            o->version = optarg;
            o->version_given = 1;
            break;
        case 'o': o->out_dir = optarg; break;
        case 'l': o->login_path = optarg; break;
        case 'A':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "basic") != 0)
                return cli_usage_error("audit", "--login-scheme takes json or basic");
            o->login_basic = strcmp(optarg, "basic") == 0;
            break;
        case 'p': o->password_arg = optarg; break;
        case 'P': o->password_path = optarg; break;
        case 'S': o->status_path = optarg; break;
        case 'L': o->labels_dir = optarg; break;
        case 'F': o->firmware_dir = optarg; break;
        case 'Q': o->firmware_peer = optarg; break;
        case 'D': o->device_data = optarg; break;
        case 'I': o->ixit_path = optarg; break;
        case 'O': o->only_arg = optarg; break;
        case 'C': o->ics_path = optarg; break;
        case 'f':
            if (parse_formats(optarg, o) != 0)
                return cli_usage_error("audit", "--format takes a comma list of json, html, "
                                                "md, sarif, junit");
            break;
        case 'h': usage(stdout); return -1;
        default: return cli_option_error("audit", c, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("audit", "unknown argument '%s'", argv[optind]);
    return CLI_EXIT_OK;
}

/* --only: provision IDs of version v, comma-separated, each once. */
static int parse_only(options *o, keel_catalog_version v)
{
    char copy[ONLY_TEXT_MAX];
    char *save = NULL;

    if (keel_str_copy(copy, sizeof(copy), o->only_arg) != KEEL_OK)
        return cli_usage_error("audit", "--only is longer than %u bytes", ONLY_TEXT_MAX - 1);
    for (char *id = strtok_r(copy, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
        const keel_provision *p = keel_catalog_find(v, id);
        if (p == NULL)
            return cli_usage_error("audit", "--only: '%s' is not a provision of EN 303 645 V%s", id,
                                   o->version);
        for (size_t i = 0; i < o->only_count; i++)
            if (o->only[i] == p)
                return cli_usage_error("audit", "--only names '%s' twice", id);
        if (o->only_count == ONLY_MAX)
            return cli_usage_error("audit", "--only names more than %u provisions", ONLY_MAX);
        o->only[o->only_count++] = p;
    }
    if (o->only_count == 0)
        return cli_usage_error("audit", "--only names no provision");
    return CLI_EXIT_OK;
}

/* 1 when a step serving provision id (of the report's version) is to run: always without
 * --only. id NULL: no such provision in this version. */
static int wanted(const options *o, const char *id)
{
    if (id == NULL || (o->has_ics && keel_audit_ics_skips(&o->ics, id)))
        return 0;
    if (o->only_count == 0)
        return 1;
    for (size_t i = 0; i < o->only_count; i++)
        if (strcmp(o->only[i]->id, id) == 0)
            return 1;
    return 0;
}

/* The device's password: the argument, or one line of stdin for "-" (so that it need not
 * show in the process list). */
static int read_password(options *o)
{
    size_t n;

    if (strcmp(o->password_arg, "-") != 0) {
        if (keel_str_copy(o->password, sizeof(o->password), o->password_arg) != KEEL_OK)
            return cli_usage_error("audit", "--password is longer than %d bytes", KEEL_SECRET_MAX);
    } else if (fgets(o->password, sizeof(o->password), stdin) == NULL) {
        fprintf(stderr, "keel audit: --password -: no password on stdin\n");
        return CLI_EXIT_ERROR;
    }
    n = strcspn(o->password, "\r\n");
    o->password[n] = '\0';
    if (n == 0)
        return cli_usage_error("audit", "--password is empty");
    return CLI_EXIT_OK;
}

static int check_path(const char *option, const char *path)
{
    if (path != NULL && !keel_audit_http_path_valid(path))
        return cli_usage_error("audit",
                               "%s must be an absolute URL path of printable ASCII without "
                               "spaces, shorter than %d bytes",
                               option, KEEL_AUDIT_LOGIN_PATH_MAX);
    return CLI_EXIT_OK;
}

static int check_paths(const options *o)
{
    int ret;

    if ((ret = check_path("--login-path", o->login_path)) != CLI_EXIT_OK ||
        (ret = check_path("--password-path", o->password_path)) != CLI_EXIT_OK)
        return ret;
    return check_path("--status-path", o->status_path);
}

/* --labels and --firmware must name directories before anything is probed. */
static int check_dir(const char *option, const char *dir)
{
    struct stat st;

    if (dir != NULL && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "keel audit: %s '%s' is not a directory\n", option, dir);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

/* --ics: parsed before anything is probed; its version is the audit's unless --version
 * says otherwise, and then they must agree. */
static int load_ics(options *o, keel_catalog_version *v)
{
    char why[KEEL_AUDIT_ICS_WHY_MAX];

    if (keel_audit_ics_load(o->ics_path, &o->ics, why, sizeof(why)) != KEEL_OK) {
        fprintf(stderr, "keel audit: %s: %s\n", o->ics_path, why);
        return CLI_EXIT_ERROR;
    }
    o->has_ics = 1;
    if (!o->version_given) {
        *v = o->ics.version;
        o->version = keel_catalog_version_name(*v);
    } else if (o->ics.version != *v) {
        fprintf(stderr,
                "keel audit: %s: version: the ICS is for V%s, the audit runs V%s (--version)\n",
                o->ics_path, keel_catalog_version_name(o->ics.version), o->version);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

/* --firmware and --firmware-peer: a directory as it is, or an image file (by its magic) unpacked
 * into a private directory below the report directory, which *path then names. */
static int open_firmware(const char *option, const char **path, keel_audit_image *img,
                         const char *out_dir)
{
    char why[KEEL_AUDIT_IMAGE_WHY_MAX];
    struct stat st;

    if (*path == NULL)
        return CLI_EXIT_OK;
    if (stat(*path, &st) != 0) {
        fprintf(stderr, "keel audit: %s '%s': %s\n", option, *path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (S_ISDIR(st.st_mode))
        return CLI_EXIT_OK;
    fprintf(stderr, "keel audit: %s unpacking the image %s\n", option, *path);
    if (keel_audit_image_unpack(*path, out_dir, img, why, sizeof(why)) != KEEL_OK) {
        fprintf(stderr, "keel audit: %s %s\n", option, why);
        return CLI_EXIT_ERROR;
    }
    fprintf(stderr, "keel audit: %s %s (%s) unpacked by %s: %zu entries, %llu bytes\n", option,
            *path, img->what, img->tool, img->entries, (unsigned long long)img->bytes);
    *path = img->root;
    return CLI_EXIT_OK;
}

static int check_inputs(options *o, keel_audit_target *t, keel_catalog_version *v)
{
    struct stat st;
    int ret;

    if (o->target == NULL)
        return cli_usage_error("audit", "--target HOST:PORT is required");
    if (keel_audit_target_parse(o->target, t) != KEEL_OK)
        return cli_usage_error("audit",
                               "--target '%s' is not HOST:PORT with a port 1-65535 "
                               "(IPv6 in brackets: [::1]:443)",
                               o->target);
    if (keel_catalog_version_parse(o->version, v) != KEEL_OK)
        return cli_usage_error("audit", "--version '%s' is not 3.1.3 or 2.1.1", o->version);
    if (o->ics_path != NULL && (ret = load_ics(o, v)) != CLI_EXIT_OK)
        return ret;
    if (o->only_arg != NULL && (ret = parse_only(o, *v)) != CLI_EXIT_OK)
        return ret;
    if (o->ixit_path != NULL) {
        char why[KEEL_AUDIT_IXIT_WHY_MAX];
        keel_err err = keel_audit_ixit_load(o->ixit_path, &o->ixit, why, sizeof(why));

        if (err != KEEL_OK) {
            fprintf(stderr, "keel audit: %s: %s\n", o->ixit_path,
                    why[0] != '\0' ? why : keel_strerror(err));
            return CLI_EXIT_ERROR;
        }
        o->has_ixit = 1;
        err = keel_audit_ixit_update_load(o->ixit_path, &o->update, why, sizeof(why));
        if (err != KEEL_OK) {
            fprintf(stderr, "keel audit: %s: %s\n", o->ixit_path,
                    why[0] != '\0' ? why : keel_strerror(err));
            return CLI_EXIT_ERROR;
        }
    }
    if ((ret = check_paths(o)) != CLI_EXIT_OK ||
        (ret = check_dir("--labels", o->labels_dir)) != CLI_EXIT_OK ||
        (ret = check_dir("--device-data", o->device_data)) != CLI_EXIT_OK)
        return ret;
    /* The report directory is made if it is missing (its parent must exist). */
    if (mkdir(o->out_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "keel audit: cannot make --out '%s': %s\n", o->out_dir, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (stat(o->out_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "keel audit: --out '%s' is not a directory\n", o->out_dir);
        return CLI_EXIT_ERROR;
    }
    if (keel_str_format(o->new_password_file, sizeof(o->new_password_file), "%s/new-password.txt",
                        o->out_dir) != KEEL_OK) {
        fprintf(stderr, "keel audit: --out '%s' is too long\n", o->out_dir);
        return CLI_EXIT_ERROR;
    }
    if (o->firmware_peer != NULL && o->firmware_dir == NULL)
        return cli_usage_error("audit", "--firmware-peer needs --firmware");
    if ((ret = open_firmware("--firmware", &o->firmware_dir, &o->fw_image, o->out_dir)) !=
            CLI_EXIT_OK ||
        (ret = open_firmware("--firmware-peer", &o->firmware_peer, &o->peer_image, o->out_dir)) !=
            CLI_EXIT_OK)
        return ret;
    return o->password_arg != NULL ? read_password(o) : CLI_EXIT_OK;
}

/* OUT/sbom.cdx.json: the CycloneDX 1.5 SBOM of the --firmware tree's package databases
 * (docs/sbom.md), written whenever --firmware is given, before anything is probed. A database
 * keel cannot read ends the audit: an SBOM from a misread database would mislead. */
static int write_sbom(const options *o, keel_audit_sbom_note *note)
{
    const char *label = o->fw_image.unpacked ? o->fw_image.image : o->firmware_dir;
    char path[PATH_MAX_LEN], why[KEEL_AUDIT_SBOM_WHY_MAX], from[KEEL_AUDIT_SBOM_SOURCES_MAX * 66];
    keel_audit_sbom_stats s;

    if (o->firmware_dir == NULL)
        return CLI_EXIT_OK;
    if (keel_str_format(path, sizeof(path), "%s/%s", o->out_dir, KEEL_AUDIT_SBOM_FILE) != KEEL_OK) {
        fprintf(stderr, "keel audit: --out '%s' is too long\n", o->out_dir);
        return CLI_EXIT_ERROR;
    }
    if (keel_audit_sbom_write(o->firmware_dir, label, path, &s, why, sizeof(why)) != KEEL_OK) {
        fprintf(stderr, "keel audit: no SBOM of %s: %s\n", label, why);
        return CLI_EXIT_ERROR;
    }
    from[0] = '\0';
    for (size_t i = 0; i < s.sources; i++) {
        size_t len = strlen(from);
        snprintf(from + len, sizeof(from) - len, "%s%s", i > 0 ? ", " : "", s.source[i]);
        if (i < sizeof(note->sources) / sizeof(note->sources[0]) &&
            keel_str_copy(note->sources[i], sizeof(note->sources[i]), s.source[i]) == KEEL_OK)
            note->source_count++;
    }
    note->present = 1;
    note->components = s.components;
    fprintf(stderr,
            "keel audit: SBOM %s: %zu components from %s (%zu not installed left out, %zu "
            "dependencies, %zu unresolved)\n",
            path, s.components, s.sources > 0 ? from : "no package database in the tree",
            s.not_installed, s.dependencies, s.unresolved);
    return CLI_EXIT_OK;
}

/* A step's line on stderr ("keel audit: 5.6-1-2 ..."); on a terminal the progress line under
 * it then shows the step, its count and its time (progress.h). */
static KEEL_PRINTF(2, 3) void step(keel_audit_report *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
        line[0] = '\0';
    va_end(ap);
    keel_audit_progress_clear(r->progress);
    fprintf(stderr, "keel audit: %s\n", line);
    keel_audit_progress_step(r->progress, line);
}

/* The white-box test cases: what the device maker handed over, before the device. */
static keel_err run_offline(keel_audit_report *r, const options *o, keel_audit_batch_stats *batch)
{
    keel_err ret = KEEL_OK;

    memset(batch, 0, sizeof(*batch));
    if (o->labels_dir != NULL && wanted(o, "5.1-2")) {
        step(r, "5.1-2-2 judging the labels in %s", o->labels_dir);
        ret = keel_audit_check_labels(r, o->labels_dir, batch);
    }
    if (ret == KEEL_OK && o->firmware_dir != NULL && wanted(o, "5.4-3")) {
        step(r, "5.4-3-2 scanning %s for keys and passwords", o->firmware_dir);
        ret = keel_audit_check_firmware(r, o->firmware_dir);
    }
    if (ret == KEEL_OK && o->firmware_dir != NULL && o->firmware_peer != NULL &&
        wanted(o, "5.4-4")) {
        step(r, "5.4-4-2 comparing the private keys of %s and %s", o->firmware_dir,
             o->firmware_peer);
        ret = keel_audit_check_unique(r, o->firmware_dir, o->firmware_peer);
    }
    if (ret == KEEL_OK && o->firmware_dir != NULL &&
        wanted(o, r->version == KEEL_EN303645_V2_1_1 ? "5.6-4" : "5.6-4A")) {
        step(r, "%s scanning %s for a keel development build",
             r->version == KEEL_EN303645_V2_1_1 ? "5.6-4-2" : "5.6-4A-2", o->firmware_dir);
        ret = keel_audit_check_build_kind(r, o->firmware_dir);
    }
    if (ret == KEEL_OK && o->firmware_dir != NULL && wanted(o, "5.1-1")) {
        step(r, "5.1-1-3 trying the accounts of %s", o->firmware_dir);
        ret = keel_audit_check_accounts(r, o->firmware_dir);
    }
    if (ret == KEEL_OK && o->firmware_dir != NULL && wanted(o, "5.6-7")) {
        step(r, "5.6-7-2 judging the file modes of %s", o->firmware_dir);
        ret = keel_audit_check_modes(r, o->firmware_dir);
    }
    if (ret == KEEL_OK && o->firmware_dir != NULL && wanted(o, "5.6-8")) {
        step(r, "5.6-8-2 judging the ELF hardening of %s", o->firmware_dir);
        ret = keel_audit_check_elf(r, o->firmware_dir);
    }
    if (ret == KEEL_OK && o->firmware_dir != NULL && wanted(o, "5.5-1")) {
        step(r, "5.5-1-3 judging the TLS configurations of %s", o->firmware_dir);
        ret = keel_audit_check_tls_config(r, o->firmware_dir);
    }
    return ret;
}

static void update_progress(const char *line, void *user)
{
    step(user, "5.3-2-2 5.3-7-2 5.3-9-2 5.3-10-2 %s", line);
}

/* The update test cases (the IXIT's "update" object): with a password they log in and ask the
 * device to install, so they run before 5.1-4-2 replaces the password. */
static keel_err run_update(keel_audit_report *r, const keel_audit_target *t, const options *o)
{
    keel_audit_update_opts u = {.ixit = &o->update,
                                .login_path = o->login_path,
                                .status_path = o->status_path,
                                .password = o->password_arg != NULL ? o->password : NULL,
                                .progress = update_progress,
                                .user = r};

    return keel_audit_check_update(r, t, &u);
}

/* 5.7-1-2 runs on a firmware tree as `keel flash` makes it (a trust directory beside the
 * slots), or on any --firmware tree when the IXIT describes the update mechanism. */
static int integrity_applies(const options *o)
{
    char trust[PATH_MAX_LEN];
    struct stat st;

    if (o->firmware_dir == NULL)
        return 0;
    if (o->update.present)
        return 1;
    return keel_str_format(trust, sizeof(trust), "%s/update", o->firmware_dir) == KEEL_OK &&
           stat(trust, &st) == 0 && S_ISDIR(st.st_mode);
}

/* What the device publishes, read without logging in (5.2-1, 5.3-13, 5.3-16). */
static keel_err run_published(keel_audit_report *r, const keel_audit_target *t, const options *o)
{
    keel_err ret = KEEL_OK;

    if (wanted(o, "5.2-1")) {
        step(r, "5.2-1-2 reading security.txt (RFC 9116)");
        ret = keel_audit_check_securitytxt(r, t, &o->ixit);
    }
    if (ret == KEEL_OK && (wanted(o, "5.3-13") || wanted(o, "5.3-16"))) {
        step(r, "5.3-13-2 5.3-16-2 reading the published support period and "
                "model designation");
        ret = keel_audit_check_published(r, t, &o->ixit, o->labels_dir);
    }
    return ret;
}

/* The conceptual privacy test cases serve these provisions (a step that serves several records
 * them all). */
static int privacy_docs_wanted(const options *o)
{
    static const char *const ids[] = {"5.8-3", "5.10-1", "5.11-1", "5.11-2",
                                      "6-1",   "6-2",    "6-4",    "6-5"};

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (wanted(o, ids[i]))
            return 1;
    return 0;
}

static keel_err run_privacy_docs(keel_audit_report *r, const options *o)
{
    step(r, "5.8-3-1 5.10-1-1 5.11-1-1 5.11-2-1 6-1-1 6-2-1 6-4-1 6-5-1 "
            "reading the IXIT's personal data, telemetry, sensing and deletion");
    return keel_audit_check_privacy_docs(r, &o->ixit);
}

static int concept_wanted(const char *provision, const void *user)
{
    return wanted(user, provision);
}

/* The conceptual test cases on the IXIT's design tables (5.1-3-1, 5.3-3-1, 5.3-8-1, 5.4-2-1,
 * 5.4-4-1, 5.5-7-1, 5.5-8-1, 5.8-2-1, 5.13-1A-1, 6-3B-1, 6-6-1, ...): each one --only asks for. */
static keel_err run_concepts(keel_audit_report *r, const options *o)
{
    char ids[512];
    keel_err err;

    if (keel_audit_concepts_wanted(r->version, concept_wanted, o, ids, sizeof(ids)) == 0)
        return KEEL_OK;
    step(r, "%s reading the IXIT's design tables", ids);
    err = keel_audit_check_concepts_file(r, o->ixit_path, concept_wanted, o);
    if (err == KEEL_ERR_IO || err == KEEL_ERR_TOO_LARGE || err == KEEL_ERR_PARSE)
        fprintf(stderr, "keel audit: %s: cannot read it again for the design tables: %s\n",
                o->ixit_path, keel_strerror(err));
    return err;
}

/* The owner's privacy functions (6-3A, 5.11-2, 5.11-4): consent given and withdrawn, the
 * service asked to delete; they leave the consent withdrawn. */
static keel_err run_privacy_owner(keel_audit_report *r, const keel_audit_target *t,
                                  const options *o, const char *password)
{
    const char *consent = r->version == KEEL_EN303645_V2_1_1 ? "6-3" : "6-3A";
    const keel_audit_ixit_privacy *p = o->ixit.privacy;
    keel_err ret = KEEL_OK;

    if (wanted(o, consent)) {
        step(r, "%s withdrawing consent and watching the processing stop%s",
             r->version == KEEL_EN303645_V2_1_1 ? "6-3-2" : "6-3A-2",
             p == NULL || !p->consent_check.present ? " (skipped: the IXIT has no consent_check)"
             : password == NULL                     ? " (skipped: no --password)"
                                                    : "");
        ret = keel_audit_check_consent(r, t, &o->ixit, o->login_path, password);
    }
    if (ret == KEEL_OK && (wanted(o, "5.11-2") || wanted(o, "5.11-4"))) {
        fprintf(stderr,
                "keel audit: 5.11-2-2 5.11-4-1 asking the associated service to delete "
                "the owner's data%s\n",
                password == NULL ? " (skipped: no --password)" : "");
        ret = keel_audit_check_service_deletion(r, t, &o->ixit, o->login_path, password);
    }
    return ret;
}

/* 5.11-1-2: it resets the device, so it comes after every test case that acts as the owner,
 * with the password the device has now (5.1-4-2 may have set a new one). The tests after it
 * (5.1-1-2, 5.1-5-2) need no owner, and their wrong passwords would lock the owner out. */
static keel_err run_reset(keel_audit_report *r, const keel_audit_target *t, const options *o,
                          const char *password)
{
    keel_audit_reset_opts ro = {.ixit = &o->ixit,
                                .login_path = o->login_path,
                                .status_path = o->status_path,
                                .password = password,
                                .device_data = o->device_data};
    const keel_audit_ixit_privacy *p = o->ixit.privacy;

    fprintf(stderr,
            "keel audit: 5.11-1-2 planting canaries, resetting the device, searching "
            "its data%s\n",
            p == NULL || !p->deletion.present ? " (skipped: the IXIT has no deletion)"
            : password == NULL                ? " (skipped: no --password)"
            : o->device_data == NULL          ? " (skipped: no --device-data)"
                                              : "");
    return keel_audit_check_reset(r, t, &ro);
}

/* The owner's tests of the IXIT's routes and hook (5.9-2, 5.13-1B): with the given password,
 * so before 5.1-4-2 replaces it; the campaign sends no wrong password, so the guard stays
 * quiet for the tests after it. */
static keel_err run_owner(keel_audit_report *r, const keel_audit_target *t, const options *o)
{
    const char *password = o->password_arg != NULL ? o->password : NULL;
    const char *input = r->version == KEEL_EN303645_V2_1_1 ? "5.13-1" : "5.13-1B";
    keel_err ret = KEEL_OK;

    if (wanted(o, "5.9-2")) {
        step(r, "5.9-2-2 using local function with the cloud link cut%s",
             o->ixit.outage == NULL ? " (skipped: the IXIT has no outage hook)"
             : password == NULL     ? " (skipped: no --password)"
                                    : "");
        ret = keel_audit_check_resilience(r, t, &o->ixit, o->login_path, password);
    }
    if (ret == KEEL_OK && wanted(o, input)) {
        step(r, "%s sending malformed input to every declared route",
             r->version == KEEL_EN303645_V2_1_1 ? "5.13-1-2" : "5.13-1B-2");
        ret = keel_audit_check_malformed(r, t, &o->ixit, o->login_path, o->status_path, password);
    }
    if (ret == KEEL_OK)
        ret = run_privacy_owner(r, t, o, password);
    return ret;
}

/* Logins, in the order that leaves the device usable: the tests that need the owner's
 * login (5.4-1-2 with the given password, then the password change, which replaces it, then
 * the reset of 5.11-1-2 with the password in force) before the tests that make the device's
 * guard throttle this client. */
static keel_err run_logins(keel_audit_report *r, const keel_audit_target *t, const options *o,
                           const keel_audit_batch_stats *batch)
{
    char now[KEEL_SECRET_MAX + 1]; /* the password after 5.1-4-2 */
    keel_audit_change_opts change = {.login_path = o->login_path,
                                     .password_path = o->password_path,
                                     .password = o->password_arg != NULL ? o->password : NULL,
                                     .new_password_file = o->new_password_file,
                                     .password_now = now};
    keel_err ret = KEEL_OK;

    if (keel_str_copy(now, sizeof(now), change.password != NULL ? change.password : "") != KEEL_OK)
        return KEEL_ERR_ARG;
    if (change.password != NULL && wanted(o, "5.4-1")) {
        step(r, "5.4-1-2 asking the device for its root of trust");
        ret = keel_audit_check_rot(r, t, o->login_path, o->status_path, change.password);
    }
    if (ret == KEEL_OK && o->update.present &&
        (wanted(o, "5.3-2") || wanted(o, "5.3-7") || wanted(o, "5.3-9") || wanted(o, "5.3-10")))
        ret = run_update(r, t, o);
    if (ret == KEEL_OK && o->has_ixit)
        ret = run_owner(r, t, o);
    if (ret == KEEL_OK && wanted(o, "5.1-4")) {
        step(r, "5.1-4-2 changing the password%s",
             change.password != NULL ? "" : " (skipped: no --password)");
        ret = keel_audit_check_password_change(r, t, &change);
    }
    if (ret == KEEL_OK && o->has_ixit && wanted(o, "5.11-1"))
        ret = run_reset(r, t, o, change.password != NULL ? now : NULL);
    keel_wipe(now, sizeof(now));
    if (ret == KEEL_OK && wanted(o, "5.1-1") && o->login_basic) {
        step(r, "5.1-1-2 trying well-known default user:password pairs "
                "(HTTP Basic)");
        ret = keel_audit_check_credentials_basic(r, t, o->login_path, keel_audit_default_logins,
                                                 keel_audit_default_login_count, 0, batch);
    } else if (ret == KEEL_OK && wanted(o, "5.1-1")) {
        step(r, "5.1-1-2 trying well-known default passwords");
        ret = keel_audit_check_credentials(r, t, o->login_path, keel_audit_default_passwords,
                                           keel_audit_default_password_count, 0, batch);
    }
    if (ret == KEEL_OK && wanted(o, "5.1-5")) {
        step(r, "5.1-5-2 measuring brute-force protection");
        ret = keel_audit_check_bruteforce(r, t, o->login_path);
    }
    return ret;
}

static keel_err run_checks(keel_audit_report *r, const keel_audit_target *t, const options *o)
{
    const keel_audit_ixit *ixit = o->has_ixit ? &o->ixit : NULL;
    keel_audit_batch_stats batch;
    keel_audit_tls_cert cert;
    keel_err ret = run_offline(r, o, &batch);

    memset(&cert, 0, sizeof(cert));
    if (ret == KEEL_OK && wanted(o, "5.6-1")) {
        step(r, "5.6-1-2 scanning every TCP port and the listed UDP ports of %s", t->host);
        ret = keel_audit_check_ports_ixit(r, t, ixit);
    }
    if (ret == KEEL_OK && wanted(o, "5.5-1")) {
        step(r, "5.5-1-2 probing TLS versions, suites and certificate");
        ret = keel_audit_check_tls_ixit(r, t, ixit, &cert);
    }
    /* Before the logins: none of these is a login attempt, and the device's guard is
     * still quiet. */
    if (ret == KEEL_OK && (wanted(o, "5.5-4") || wanted(o, "5.5-5"))) {
        step(r, "5.5-4-2 5.5-5-2 asking routes without authentication");
        ret = keel_audit_check_access(r, t, ixit);
    }
    if (ret == KEEL_OK && wanted(o, "5.6-2")) {
        step(r, "5.6-2-2 looking at what the device reveals before login");
        ret = keel_audit_check_disclosure(r, t, ixit, o->login_path, o->status_path, &cert);
    }
    if (ret == KEEL_OK && ixit != NULL)
        ret = run_published(r, t, o);
    if (ret == KEEL_OK && ixit != NULL && privacy_docs_wanted(o))
        ret = run_privacy_docs(r, o);
    if (ret == KEEL_OK && ixit != NULL)
        ret = run_concepts(r, o);
    if (ret == KEEL_OK && integrity_applies(o) && wanted(o, "5.7-1")) {
        step(r, "5.7-1-2 verifying the booted slot of %s", o->firmware_dir);
        ret = keel_audit_check_integrity(r, t, o->firmware_dir, o->has_ixit ? &o->update : NULL,
                                         o->status_path);
    }
    if (ret == KEEL_OK)
        ret = run_logins(r, t, o, &batch);
    return ret;
}

static keel_err write_one(const keel_audit_report *r, const char *dir, const char *name,
                          keel_err (*writer)(const keel_audit_report *, const char *))
{
    char path[PATH_MAX_LEN];
    keel_err ret = keel_str_format(path, sizeof(path), "%s/%s", dir, name);

    if (ret == KEEL_OK)
        ret = writer(r, path);
    if (ret != KEEL_OK)
        fprintf(stderr, "keel audit: cannot write %s/%s: %s\n", dir, name, keel_strerror(ret));
    else
        printf("report: %s\n", path);
    return ret;
}

/* Each format --format asked for, into its file in --out. */
static keel_err write_reports(const keel_audit_report *r, const options *o)
{
    const struct {
        int wanted;
        const char *name;
        keel_err (*writer)(const keel_audit_report *, const char *);
    } reports[] = {
        {o->json, "report.json", keel_audit_write_json},
        {o->html, "report.html", keel_audit_write_html},
        {o->md, "report.md", keel_audit_write_markdown},
        {o->sarif, "report.sarif", keel_audit_write_sarif},
        {o->junit, "report.junit.xml", keel_audit_write_junit},
    };

    for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
        if (reports[i].wanted &&
            write_one(r, o->out_dir, reports[i].name, reports[i].writer) != KEEL_OK)
            return KEEL_ERR_IO;
    }
    return KEEL_OK;
}

static void print_tests(const keel_audit_report *r)
{
    for (size_t i = 0; i < r->count; i++) {
        for (size_t j = 0; j < r->entries[i].test_count; j++) {
            const keel_audit_test *t = &r->entries[i].tests[j];
            printf("%-10s %-10s %s\n", t->id, keel_audit_kind_name(t->kind),
                   keel_audit_verdict_name(t->verdict));
        }
    }
}

static int finish(const keel_audit_report *r, const options *o)
{
    keel_audit_summary s;
    char *text = NULL;
    size_t len = 0;

    if (write_reports(r, o) != KEEL_OK)
        return CLI_EXIT_ERROR;
    if (keel_audit_render_text(r, &text, &len) != KEEL_OK ||
        keel_audit_summarize(r, NULL, &s) != KEEL_OK) {
        free(text);
        fprintf(stderr, "keel audit: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    print_tests(r);
    fwrite(text, 1, len, stdout);
    free(text);
    if (s.mandatory.n[KEEL_AUDIT_FAIL] > 0) {
        printf("result: %zu mandatory provision(s) FAIL\n", s.mandatory.n[KEEL_AUDIT_FAIL]);
        return CLI_EXIT_FAILED;
    }
    printf("result: no mandatory provision fails\n");
    return CLI_EXIT_OK;
}

/* The ICS: its conceptual test case first (after: 0), and once the steps ran (after: 1) its
 * N/A and not-met provisions. */
static keel_err run_ics(keel_audit_report *r, const options *o, int after)
{
    const char *id = keel_audit_ics_provision_id(r->version);

    if (after)
        return o->has_ics ? keel_audit_ics_apply(r, &o->ics, o->only_count > 0 ? o->only : NULL,
                                                 o->only_count)
                          : KEEL_OK;
    if (!wanted(o, id))
        return KEEL_OK;
    step(r, "%s-1 judging the ICS's justifications%s", id,
         o->has_ics ? "" : " (skipped: no --ics)");
    return keel_audit_check_ics(r, o->has_ics ? &o->ics : NULL);
}

int cli_audit(int argc, char **argv)
{
    char target_text[KEEL_AUDIT_TARGET_MAX];
    keel_audit_sbom_note sbom;
    keel_audit_report *r = NULL;
    keel_audit_target t;
    keel_catalog_version v = KEEL_CATALOG_DEFAULT;
    options o;
    keel_err err;
    int ret;

    if (argc > 1 && strcmp(argv[1], "init") == 0)
        return cli_audit_init(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "list") == 0)
        return cli_audit_list(argc - 1, argv + 1);
    ret = parse_options(argc, argv, &o);
    if (ret != CLI_EXIT_OK)
        return ret < 0 ? CLI_EXIT_OK : ret;
    memset(&sbom, 0, sizeof(sbom));
    ret = check_inputs(&o, &t, &v);
    if (ret == CLI_EXIT_OK)
        ret = write_sbom(&o, &sbom);
    if (ret != CLI_EXIT_OK)
        goto out;
    ret = CLI_EXIT_ERROR;
    err = keel_audit_target_format(&t, target_text, sizeof(target_text));
    if (err == KEEL_OK)
        err = keel_audit_report_new(v, target_text, &r);
    if (err == KEEL_OK) {
        r->sbom = sbom;
        /* The progress line on a terminal (nothing on a pipe or file); its failure to start
         * only costs the line. */
        if (keel_audit_progress_open(STDERR_FILENO, &r->progress) != KEEL_OK)
            r->progress = NULL;
    }
    if (err == KEEL_OK)
        err = run_ics(r, &o, 0);
    if (err == KEEL_OK)
        err = run_checks(r, &t, &o);
    if (err == KEEL_OK && o.fw_image.unpacked)
        err = keel_audit_image_annotate(r, &o.fw_image);
    if (err == KEEL_OK && o.peer_image.unpacked)
        err = keel_audit_image_annotate(r, &o.peer_image);
    if (err == KEEL_OK)
        err = run_ics(r, &o, 1);
    if (r != NULL) {
        keel_audit_progress_close(r->progress); /* erases the line before the summary */
        r->progress = NULL;
    }
    if (err != KEEL_OK) {
        fprintf(stderr, "keel audit: %s\n", keel_strerror(err));
        goto out;
    }
    ret = finish(r, &o);
out:
    if (keel_audit_image_remove(&o.fw_image) != KEEL_OK ||
        keel_audit_image_remove(&o.peer_image) != KEEL_OK) {
        fprintf(stderr, "keel audit: cannot remove the unpacked image below %s\n", o.out_dir);
        ret = CLI_EXIT_ERROR;
    }
    keel_wipe(o.password, sizeof(o.password));
    keel_audit_ixit_free(&o.ixit);
    keel_audit_ics_free(&o.ics);
    if (r != NULL)
        keel_audit_progress_close(r->progress);
    keel_audit_report_free(r);
    return ret;
}
