/* What every keel subcommand shares: how a bad command line is reported. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "keel %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'keel %s --help')\n", command);
    return CLI_EXIT_USAGE;
}

int cli_option_error(const char *command, int c, char **argv)
{
    if (c == ':')
        return cli_usage_error(command, "%s needs a value", argv[optind - 1]);
    return cli_usage_error(command, "unknown argument '%s'", argv[optind - 1]);
}
