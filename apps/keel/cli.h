/* The keel command line: one function per subcommand, each taking the arguments after
 * the subcommand's name (argv[0] is the subcommand) and returning the process exit status. */
#ifndef KEEL_APPS_CLI_H
#define KEEL_APPS_CLI_H

/* Exit statuses shared by every subcommand. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1  /* the command could not do its work: bad input, I/O, crypto */
#define CLI_EXIT_USAGE 2  /* bad command line */
#define CLI_EXIT_FAILED 3 /* the work was done and found a failure (audit: a mandatory FAIL) */

/* Report a bad command line of `keel COMMAND` on stderr, with a pointer to its --help;
 * returns CLI_EXIT_USAGE. Subcommands parse their options with getopt_long, with an
 * optstring starting with ':' so that a missing value and an unknown option differ. */
__attribute__((format(printf, 2, 3))) int cli_usage_error(const char *command, const char *fmt,
                                                          ...);

/* The error for what getopt_long returned as c (':' or '?'), naming the option. */
int cli_option_error(const char *command, int c, char **argv);

int cli_catalog(int argc, char **argv);
int cli_provision(int argc, char **argv);
int cli_audit(int argc, char **argv);
/* `keel audit init` (the ICS template) and `keel audit list` (the test cases), sub-modes of
 * `keel audit` taking the arguments after "audit". */
int cli_audit_init(int argc, char **argv);
int cli_audit_list(int argc, char **argv);
int cli_release(int argc, char **argv);
int cli_flash(int argc, char **argv);
int cli_monitor(int argc, char **argv);

#endif /* KEEL_APPS_CLI_H */
