/* keel audit init: write the ICS template (Table B.1 of EN 303 645) for the device maker to
 * fill in: every provision of the version, its status and condition beside it, "support" to
 * be set to Y, N or N/A. `keel audit --ics FILE` reads the filled-in file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ics.h"

static void usage(FILE *to)
{
    fprintf(to, "usage: keel audit init [--version 3.1.3|2.1.1] [--out FILE]\n\n"
                "Writes the ICS template of ETSI EN 303 645 (Table B.1) as JSON\n"
                "(data/schemas/ics.schema.json) to FILE, or to standard output: every\n"
                "provision with its status and condition (read-only help), and \"support\"\n"
                "to fill in with Y (implemented: say how in \"detail\"), N (not implemented)\n"
                "or N/A (not applicable: only where the status has a condition C or feature F).\n"
                "Every N/A, and every recommendation (R) declared N, needs a \"justification\"\n"
                "(4-1 / 5.0-1). Fill in \"device\" too, then run keel audit --ics FILE.\n"
                "FILE must not exist: an ICS is never overwritten.\n");
}

/* Write len bytes to a new file at path (0644: an ICS is not secret); a file that exists is
 * left alone. */
static int write_new(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

    if (fd < 0) {
        fprintf(stderr, "keel audit init: cannot create %s: %s%s\n", path, strerror(errno),
                errno == EEXIST ? " (an ICS is never overwritten: remove it first)" : "");
        return CLI_EXIT_ERROR;
    }
    if (keel_file_write_all(fd, text, len) != KEEL_OK || fsync(fd) != 0) {
        fprintf(stderr, "keel audit init: cannot write %s: %s\n", path, strerror(errno));
        (void)close(fd);
        (void)unlink(path);
        return CLI_EXIT_ERROR;
    }
    if (close(fd) != 0) {
        fprintf(stderr, "keel audit init: cannot write %s: %s\n", path, strerror(errno));
        (void)unlink(path);
        return CLI_EXIT_ERROR;
    }
    printf("ICS template: %s\n", path);
    return CLI_EXIT_OK;
}

int cli_audit_init(int argc, char **argv)
{
    static const struct option longopts[] = {{"version", required_argument, NULL, 'v'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    keel_catalog_version v = KEEL_CATALOG_DEFAULT;
    const char *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (keel_catalog_version_parse(optarg, &v) != KEEL_OK)
                return cli_usage_error("audit init", "--version '%s' is not 3.1.3 or 2.1.1",
                                       optarg);
            break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_option_error("audit init", c, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("audit init", "unknown argument '%s'", argv[optind]);
    if (keel_audit_ics_template(v, &text, &len) != KEEL_OK) {
        fprintf(stderr, "keel audit init: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    if (out != NULL) {
        rc = write_new(out, text, len);
    } else {
        rc = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? CLI_EXIT_OK
                                                                        : CLI_EXIT_ERROR;
        if (rc != CLI_EXIT_OK)
            fprintf(stderr, "keel audit init: cannot write the template\n");
    }
    free(text);
    return rc;
}
