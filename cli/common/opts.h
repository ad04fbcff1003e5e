/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One option parser for every command (kvmtool's parse-options is the
 * model): a command declares a table of its options and calls
 * cli_options(), which runs getopt_long(), prints the command's usage for
 * --help/-h and reports unknown options and missing arguments (exit 2).
 *
 *	bool json = false;
 *	const struct cli_opt opts[] = {
 *		CLI_FLAG("json", 'j', &json, "  -j, --json  print ...\n"),
 *		CLI_END,
 *	};
 *	const struct cli_cmd cmd = { "names", usage, NULL, opts };
 *	int rc = cli_options(&cmd, argc, argv);
 *
 *	if (rc >= 0)
 *		return rc;
 *	... operands from argv[optind] on ...
 */
#ifndef MSRTRAP_CLI_OPTS_H
#define MSRTRAP_CLI_OPTS_H

#include <stdbool.h>

struct cli_opt {
	const char *name;	/* the long name, without "--"; NULL ends */
	char letter;		/* the short option; 0: long only */
	bool arg;		/* takes an argument */
	/* its lines of the --help text, verbatim (NULL: none) */
	const char *help;
	/* where it goes: exactly one of */
	bool *flag;		/* no argument: set to true */
	const char **value;	/* the argument, as given */
	/*
	 * the argument parsed into dest: -1 to go on, else the exit code. A
	 * value the option does not take is a usage error (EXIT_USAGE, by
	 * usage_error(cmd, ...)), like an unknown option: cmd is the command
	 * so that the message points at its --help.
	 */
	int (*parse)(const char *cmd, const char *arg, void *dest);
	void *dest;
};

#define CLI_FLAG(NAME, LETTER, FLAG, HELP)                                     \
	{ .name = (NAME), .letter = (LETTER), .help = (HELP), .flag = (FLAG) }
#define CLI_VALUE(NAME, LETTER, VALUE, HELP)                                   \
	{ .name = (NAME), .letter = (LETTER), .arg = true, .help = (HELP),     \
	  .value = (VALUE) }
#define CLI_PARSE(NAME, LETTER, PARSE, DEST, HELP)                             \
	{ .name = (NAME), .letter = (LETTER), .arg = true, .help = (HELP),     \
	  .parse = (PARSE), .dest = (DEST) }
#define CLI_END { .name = NULL }

struct cli_cmd {
	const char *name;	/* in messages: "msrtrap NAME: ..." */
	/*
	 * --help prints head, every option's help in table order, then
	 * tail (NULL: nothing).
	 */
	const char *head;
	const char *tail;
	const struct cli_opt *opts;
};

/*
 * Parse argv's options by cmd's table, one grammar for every command:
 * options anywhere among the operands (GNU permutation, POSIXLY_CORRECT
 * or not), "--" ends the options, "-" is an operand. Returns -1 to go
 * on, with argv[optind..argc) the operands in their order (argv is
 * reordered), or the exit code to return: EXIT_OK after --help,
 * EXIT_USAGE after an unknown option or a missing argument, or what a
 * parse callback returned.
 */
int cli_options(const struct cli_cmd *cmd, int argc, char **argv);

#endif
