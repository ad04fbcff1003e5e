// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap: command table and dispatch. One file per subcommand
 * (cmd_*.c); this file only finds the command and handles the global
 * --help / --version and `help [COMMAND]`.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"
#include "util/strdist.h"

const struct command commands[] = {
	{ "names", cmd_names, "list MSRs of the name database" },
	{ "decode", cmd_decode, "show what a VMX bitmap or SVM map passes through" },
	{ "check", cmd_check, "validate a filter with the kernel's rules" },
	{ "query", cmd_query, "allow or deny, per MSR, under a policy, filter or map" },
	{ "explain", cmd_explain, "why a policy, filter or map allows or denies an MSR" },
	{ "sim", cmd_sim, "replay an intercept/filter script on the engine" },
	{ "compile", cmd_compile, "compile a policy to a KVM filter, C, a map or a policy" },
	{ "diff", cmd_diff, "where two policies, filters or maps disagree" },
	{ "verify", cmd_verify, "install a filter on live KVM and check every verdict" },
	{ "kvm-check", cmd_kvm_check, "can live KVM run the probe here? (exit 77: no)" },
	{ NULL, NULL, NULL },
};

static void print_usage(FILE *out)
{
	fprintf(out, "usage: %s [-V|--version] [-h|--help] COMMAND [ARGS]\n\n"
		     "commands:\n", progname);
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "  %-10s %s\n", "help", "this list, or a command's help");
	fprintf(out, "\nRun '%s help COMMAND' for a command's options.\n",
		progname);
}

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(name, c->name))
			return c;
	return NULL;
}

/* One line naming the closest command, exit 2. */
static int unknown_command(const char *name)
{
	const char *names[32];
	const char *hint;
	size_t n = 0;

	for (const struct command *c = commands; c->name && n < 32; c++)
		names[n++] = c->name;
	hint = mt_suggest(name, strlen(name), names, n);
	if (hint)
		fprintf(stderr,
			"%s: unknown command '%s' (did you mean '%s'?)\n",
			progname, name, hint);
	else
		fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n",
			progname, name, progname);
	return EXIT_USAGE;
}

/* `help COMMAND` is `COMMAND --help`: the command's own text, exit 0. */
static int help(int argc, char **argv)
{
	const struct command *c;
	char *args[3];

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2) {
		fprintf(stderr, "%s help: expected at most one COMMAND (see '%s "
			"--help')\n", progname, progname);
		return EXIT_USAGE;
	}
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	args[0] = argv[1];
	args[1] = (char *)"--help";
	args[2] = NULL;
	return c->run(2, args);
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	const char *name;

	/*
	 * Past RLIMIT_FSIZE, write() fails with EFBIG instead of the process
	 * dying of SIGXFSZ: the writers report it and remove their temporary
	 * files (compile -o, sim's save), so nothing partial is left.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(name, "help"))
		return help(argc - 1, argv + 1);
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("msrtrap %s\n", msrtrap_version());
		return EXIT_OK;
	}
	if (name[0] == '-' && name[1]) {
		fprintf(stderr, "%s: bad option '%s' (see '%s --help')\n",
			progname, name, progname);
		return EXIT_USAGE;
	}
	cmd = find_command(name);
	return cmd ? cmd->run(argc - 1, argv + 1) : unknown_command(name);
}
