/*
 * keel release: the release team's tool for a signed update repository (EN 303 645 5.3-2,
 * 5.3-7, 5.3-9, 5.3-10, 5.3-11, 5.3-12).
 *
 * The repository is a directory of The Update Framework's four roles, each a JSON document in
 * a DSSE envelope, and the target images; any static HTTPS server serves it as it is. The
 * tool makes it (init), stages images with their owner-facing notices (add), publishes them
 * (publish), replaces signing keys (rotate-key) and checks it as a device would (status), so
 * that devices can check each update's authenticity and integrity themselves (5.3-9, 5.3-10).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "release.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"init", release_init, "make a new repository and its signing keys"},
    {"add", release_add, "stage an image with its version and notice"},
    {"publish", release_publish, "publish what is staged; renew expiries"},
    {"rotate-key", release_rotate, "replace a role's signing key"},
    {"status", release_status, "verify the repository as a device would"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: keel release SUBCOMMAND [OPTIONS]\n\n"
                "Keep a signed update repository (The Update Framework's roles in DSSE\n"
                "envelopes) that any static HTTPS server serves as it is.\n\nsubcommands:\n");
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        fprintf(to, "  %-11s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(to, "\n'keel release SUBCOMMAND --help' describes each; docs/release.md is the "
                "release team's guide.\n");
}

int cli_release(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    }
    return cli_usage_error("release", "unknown subcommand '%s'", argv[1]);
}
