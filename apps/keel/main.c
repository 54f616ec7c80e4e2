/* keel: the command line for the factory, the release team, the assessor and the fleet
 * operator. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"catalog", cli_catalog, "list the provisions of EN 303 645"},
    {"provision", cli_provision, "make a device's identity in the factory"},
    {"flash", cli_flash, "install a device's first software from its update repository"},
    {"audit", cli_audit, "test a device against EN 303 645 (TS 103 701)"},
    {"release", cli_release, "keep a signed update repository"},
    {"monitor", cli_monitor, "watch the fleet's security events for anomalies (5.10-1)"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: keel COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(to, "\n'keel COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "keel: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
