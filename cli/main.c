// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap: command table and dispatch. One file per subcommand
 * (cmd_*.c); this file only finds the command, handles the global
 * --help / --version and `help [COMMAND]`, and checks that what was
 * printed was written.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"
#include "util/strdist.h"

/* the last column: the exit code for trouble (diff: 1 means "differ") */
const struct command commands[] = {
	{ "names", cmd_names, "list MSRs of the name database", 1 },
	{ "decode", cmd_decode, "show what a VMX bitmap or SVM map passes through", 1 },
	{ "check", cmd_check, "validate a filter with the kernel's rules", 1 },
	{ "query", cmd_query, "allow or deny, per MSR, under a policy, filter or map", 1 },
	{ "explain", cmd_explain, "why a policy, filter or map allows or denies an MSR", 1 },
	{ "sim", cmd_sim, "replay an intercept/filter script on the engine", 1 },
	{ "compile", cmd_compile, "compile a policy to a KVM filter, C, a map or a policy", 1 },
	{ "diff", cmd_diff, "where two policies, filters or maps disagree", 2 },
	{ "merge", cmd_merge, "the map KVM runs a nested (L2) guest with", 1 },
	{ "verify", cmd_verify, "install a filter on live KVM and check every verdict", 1 },
	{ "kvm-check", cmd_kvm_check, "can live KVM run the probe here? (exit 77: no)", 1 },
	{ NULL, NULL, NULL, 0 },
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

/* why the last write to stdout failed (stdio does not keep errno) */
static int stdout_errno;

static ssize_t stdout_write(void *cookie, const char *buf, size_t len)
{
	int err = write_all(STDOUT_FILENO, buf, len);

	(void)cookie;
	/* 0, never -1: fopencookie(3) says so, and glibc 2.36 trusts it */
	if (err) {
		stdout_errno = -err;
		return 0;
	}
	return (ssize_t)len;
}

/*
 * stdout through a stream that remembers the errno of a failed write:
 * stdio drops the buffer and keeps only the error flag, and by the time
 * the command returns errno is anything. Buffered as stdio would.
 */
static void watch_stdout(void)
{
	cookie_io_functions_t io = { .write = stdout_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (!f)
		return;
	setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
	stdout = f;
}

/*
 * Whatever the command printed must have reached stdout: a full disk,
 * RLIMIT_FSIZE, a closed stdout or EPIPE is an error, never exit 0 after
 * a short write. The command's own error, if any, was printed already;
 * the exit code becomes `trouble` (a usage error stays one).
 */
static int check_stdout(int rc, int trouble)
{
	int err = 0;

	if (fflush(stdout) || ferror(stdout))
		err = stdout_errno ? stdout_errno : EIO;
	fclose(stdout);
	/* e.g. NFS reports a failed write-back only at close */
	if (close(STDOUT_FILENO) && !err && errno != EBADF)
		err = errno;
	if (!err)
		return rc;
	fail("<stdout>", "cannot write: %s", strerror(err));
	return rc == EXIT_USAGE ? rc : trouble;
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
			progname, clip(name), hint);
	else
		fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n",
			progname, clip(name), progname);
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

	watch_stdout();
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
		return check_stdout(EXIT_OK, EXIT_BAD_INPUT);
	}
	if (!strcmp(name, "help"))
		return check_stdout(help(argc - 1, argv + 1), EXIT_BAD_INPUT);
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("msrtrap %s\n", msrtrap_version());
		return check_stdout(EXIT_OK, EXIT_BAD_INPUT);
	}
	if (name[0] == '-' && name[1]) {
		fprintf(stderr, "%s: bad option '%s' (see '%s --help')\n",
			progname, clip(name), progname);
		return EXIT_USAGE;
	}
	cmd = find_command(name);
	return cmd ? check_stdout(cmd->run(argc - 1, argv + 1), cmd->trouble) :
		     unknown_command(name);
}
