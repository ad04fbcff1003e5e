// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The option parser of every command (opts.h). The option grammar lives
 * in one place: getopt_spec() asks for '-' (operands come back in order
 * as option 1, so options may sit anywhere among them whatever
 * POSIXLY_CORRECT says) and ':' (a missing argument is told from an
 * unknown option), and adds --help/-h to every table; cli_options()
 * moves the operands to the end of argv, "--" ending the options.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "opts.h"

#define MAX_OPTS 16

/*
 * Report the option getopt_long() just rejected, given its return value c:
 * unknown, or missing its argument.
 */
static int bad_option(const char *cmd, char **argv, int c)
{
	const char *opt = clip(argv[optind - 1]);

	if (c == ':')
		return usage_error(cmd, "option '%s' needs an argument", opt);
	if (optopt && strchr(opt, '-') == opt && opt[1] != '-')
		return usage_error(cmd, "bad option '-%c'", optopt);
	return usage_error(cmd, "bad option '%s'", opt);
}

static void print_help(const struct cli_cmd *cmd)
{
	fputs(cmd->head, stdout);
	for (const struct cli_opt *o = cmd->opts; o->name; o++)
		if (o->help)
			fputs(o->help, stdout);
	if (cmd->tail)
		fputs(cmd->tail, stdout);
}

/*
 * What getopt_long() returns for the table's option i: its letter, or for
 * a long-only option (letter 0) a value no character has, past 255 (1 is
 * taken: with "-" first getopt returns it for every operand).
 */
static int option_val(const struct cli_opt *o, int i)
{
	return o->letter ? (unsigned char)o->letter : 256 + i;
}

/* getopt_long()'s short and long option lists for cmd's table. */
static void getopt_spec(const struct cli_cmd *cmd, char *shorts,
			struct option *longs)
{
	size_t n = 0;
	int i = 0;

	shorts[n++] = '-';
	shorts[n++] = ':';
	for (const struct cli_opt *o = cmd->opts; o->name; o++, i++) {
		if (i == MAX_OPTS)
			abort(); /* a table too long for the arrays below */
		if (o->letter) {
			shorts[n++] = o->letter;
			if (o->arg)
				shorts[n++] = ':';
		}
		longs[i] = (struct option){
			o->name, o->arg ? required_argument : no_argument,
			NULL, option_val(o, i),
		};
	}
	shorts[n++] = 'h';
	shorts[n] = 0;
	longs[i++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[i] = (struct option){ NULL, 0, NULL, 0 };
}

static const struct cli_opt *find(const struct cli_cmd *cmd, int c)
{
	int i = 0;

	for (const struct cli_opt *o = cmd->opts; o->name; o++, i++)
		if (option_val(o, i) == c)
			return o;
	return NULL;
}

static int take(const char *cmd, const struct cli_opt *o, const char *arg)
{
	if (o->flag)
		*o->flag = true;
	else if (o->value)
		*o->value = arg;
	else
		return o->parse(cmd, arg, o->dest);
	return -1;
}

/*
 * Operands in their order, then what follows "--", at the end of argv so
 * that argv[optind..argc) are exactly the operands. ops has room for
 * argc pointers; everything before index end is an option or its value.
 */
static void gather(int argc, char **argv, char **ops, int nops, int end)
{
	while (end < argc)
		ops[nops++] = argv[end++];
	memcpy(argv + argc - nops, ops, (size_t)nops * sizeof(*ops));
	optind = argc - nops;
}

int cli_options(const struct cli_cmd *cmd, int argc, char **argv)
{
	char shorts[3 * MAX_OPTS + 4];
	struct option longs[MAX_OPTS + 2];
	const struct cli_opt *o;
	char **ops;
	int c, rc = -1, nops = 0;

	ops = malloc((size_t)argc * sizeof(*ops));
	if (!ops)
		return fail(cmd->name, "cannot parse options: out of memory");
	getopt_spec(cmd, shorts, longs);
	opterr = 0;
	while (rc < 0 &&
	       (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == 1) {
			ops[nops++] = optarg;
		} else if (c == 'h') {
			print_help(cmd);
			rc = EXIT_OK;
		} else if (!(o = find(cmd, c))) {
			rc = bad_option(cmd->name, argv, c);
		} else {
			rc = take(cmd->name, o, optarg);
		}
	}
	if (rc < 0)
		gather(argc, argv, ops, nops, optind);
	free(ops);
	return rc;
}
