/* The keel command line: one function per subcommand, each taking the arguments after
 * the subcommand's name (argv[0] is the subcommand) and returning the process exit status. */
#ifndef KEEL_APPS_CLI_H
#define KEEL_APPS_CLI_H

/* Exit statuses shared by every subcommand. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1  /* the command could not do its work: bad input, I/O, crypto */
#define CLI_EXIT_USAGE 2  /* bad command line */
#define CLI_EXIT_FAILED 3 /* the work was done and found a failure (audit: a mandatory FAIL) */

int cli_catalog(int argc, char **argv);
int cli_provision(int argc, char **argv);
int cli_audit(int argc, char **argv);

#endif /* KEEL_APPS_CLI_H */
