/* Placeholder while the foundation is assembled: replaced by the real subcommand. */
#include <stdio.h>

#include "cli.h"

int cli_catalog(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "keel catalog: not built yet\n");
    return CLI_EXIT_ERROR;
}
