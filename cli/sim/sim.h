/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * msrtrap sim without the command line: run a script held in memory
 * (cmd_sim.c). The CLI reads filter files with read_file() and allows
 * 4096 vCPUs; the fuzz harness (fuzz/fuzz_sim.c) serves filter files
 * from memory, forbids `save` and bounds the vCPU count, so a script can
 * neither touch the file system nor take long.
 */
#ifndef MSRTRAP_CLI_SIM_H
#define MSRTRAP_CLI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_env {
	/*
	 * Read a `filter FILE` operand (the path resolved against the
	 * script's directory) as read_file() does: 0 with a malloc()ed
	 * buffer NUL-terminated one past *len, or -errno.
	 */
	int (*read_filter)(const char *path, uint8_t **data, size_t *len);
	/* `save` lines are script errors (nothing is written) */
	bool no_save;
	/* the largest `vcpus N` accepted (the CLI: 4096) */
	unsigned int max_vcpus;
	/* out: the strategies disagreed / an engine call failed */
	bool disagreed;
	bool engine_error;
};

/*
 * Parse and run `len` bytes of script text (need not be NUL-terminated)
 * named `name` in messages, exactly as `msrtrap sim [--json] NAME` runs a
 * file: the output on stdout, diagnostics on stderr. Returns the exit
 * status (0 or 1).
 */
int sim_run_text(const char *name, const char *text, size_t len, bool json,
		 struct sim_env *env);

#endif
