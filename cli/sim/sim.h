/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * msrtrap sim (docs/sim.md) in pieces: script.c turns script text into
 * an op list, run.c runs the ops on one VM per strategy and reports
 * through an event callback, report.c prints the events as text or
 * JSON. The CLI
 * (cmd_sim.c) reads filter files with read_file() and allows 4096 vCPUs;
 * the fuzz harness (fuzz/fuzz_sim.c) serves filter files from memory,
 * forbids `save` and bounds the vCPU count, so a script can neither touch
 * the file system nor take long.
 */
#ifndef MSRTRAP_CLI_SIM_H
#define MSRTRAP_CLI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msrtrap/msrtrap.h>

#define STRATEGY_ALL (-1)
#define STRATEGY_UNSET (-2) /* no --strategy */
#define VCPU_ALL (-1)


enum op_kind {
	OP_VENDOR,
	OP_VCPUS,
	OP_PASSTHROUGH,
	OP_STRATEGY,
	OP_KERNEL,
	OP_INTERCEPT,
	OP_FILTER,
	OP_SYNC,
	OP_EXPECT,
	OP_PRINT,
	OP_SAVE,
	OP_STATS,
	OP_NESTED,	/* enter L2 with L1's map, or leave (l1map NULL) */
	OP_EXPECT_L2,
	OP_REFLECT,
	OP_APIC,	/* controls: MSRTRAP_APIC_* */
};

#define SETUP_OPS 5 /* OP_VENDOR .. OP_KERNEL come first */

struct op {
	enum op_kind kind;
	unsigned int line;
	int vcpu;		/* VCPU_ALL for all */
	uint32_t first, last;	/* intercept, expect */
	unsigned int access;	/* intercept, expect */
	bool on;		/* intercept: on; expect: want intercept */
	struct msrtrap_filter *filter; /* filter; NULL for none */
	char *path;		/* filter (for messages), save */
	uint8_t *l1map;		/* nested: L1's raw map; NULL: leave L2 */
	unsigned int controls;	/* nested: MSRTRAP_NESTED_* */
};

struct script {
	const char *path;
	const struct sim_env *env; /* file access and limits; never NULL */
	char *dir;		/* "" or the script's directory with a '/' */
	unsigned int errors;
	/* set-up */
	enum msrtrap_format fmt;
	unsigned int vcpus;
	enum msrtrap_passthrough passthrough;
	int strategy;		/* STRATEGY_ALL or an enum msrtrap_strategy */
	/* `kernel`: the engine's profile (NONE: msrtrap's model) and so whose
	 * nested merge (NONE: v6.19's) */
	enum msrtrap_kernel kernel;
	unsigned int setup_line[SETUP_OPS];
	unsigned int first_op_line;
	bool *in_l2;		/* per vCPU while parsing: after a nested line */
	/* the operations, in order */
	struct op *ops;
	size_t nops, cap;
};

/*
 * Parse the whole script: len bytes of text, NUL-terminated one past len
 * and modified in place; `strategy` (STRATEGY_UNSET: none) wins over the
 * script's. EXIT_OK, or EXIT_BAD_INPUT after the errors.
 */
int script_parse(struct script *s, const char *path, char *text, size_t len,
		 int strategy, const struct sim_env *env);
void script_free(struct script *s);

/*
 * A strategy name in any case, or "all" (STRATEGY_ALL), into *strategy;
 * false for anything else.
 */
bool sim_strategy_parse(const char *arg, int *strategy);

/* ---- running (run.c) ---- */

enum sim_event_kind {
	SIM_EV_SYNC,		/* refreshed */
	SIM_EV_EXPECT,		/* failures[nfailures] (none: it held); also
				 * expect-l2 and reflect (op->kind) */
	SIM_EV_PRINT,		/* map */
	SIM_EV_SAVE,
	SIM_EV_STATS,		/* stats, totals */
	SIM_EV_DISAGREE,	/* vcpu, k, msr, access, byte */
	SIM_EV_ERROR,		/* message: an engine call failed */
	SIM_EV_FAIL,		/* message: no VMs could be set up (no op) */
};

/* An expect that does not hold for strategy k on vCPU vcpu, first at msr. */
struct sim_failure {
	unsigned int vcpu, k;
	uint32_t msr;
	unsigned int access;	/* MSRTRAP_READ or MSRTRAP_WRITE */
};

struct sim_vcpu_stats {
	struct msrtrap_engine_vcpu_stats st;
	uint32_t digest;	/* FNV-1a of the bitmap(s) */
};

struct sim_event {
	enum sim_event_kind kind;
	const struct op *op;
	unsigned int refreshed;
	const struct sim_failure *failures;
	size_t nfailures;
	const struct msrtrap_map *map;
	const struct sim_vcpu_stats *stats;	/* [k * vcpus + v] */
	const struct sim_vcpu_stats *totals;	/* [k] */
	/* disagree: strategies 0 and k on vcpu, first at (msr, access), or
	 * access 0 and byte, outside every MSR */
	unsigned int vcpu, k;
	uint32_t msr;
	unsigned int access;
	size_t byte;
	const char *message;
};

struct sim;
typedef void sim_event_fn(void *ctx, const struct sim *m,
			  const struct sim_event *ev);

struct sim {
	const struct script *s;
	unsigned int nstrat;
	enum msrtrap_strategy strat[MSRTRAP_STRATEGY_COUNT];
	struct msrtrap_engine *vm[MSRTRAP_STRATEGY_COUNT];
	struct msrtrap_engine_vcpu **vcpu[MSRTRAP_STRATEGY_COUNT];
	size_t size;		/* bitmap bytes */
	const struct op **nested; /* per vCPU: its nested line, or NULL */
	uint8_t *l2;		/* scratch: a merged map */
	unsigned int syncs, expects, expects_failed;
	bool disagreed, failed;
	/* everything the run has to say goes through here; never NULL */
	sim_event_fn *on_event;
	void *ctx;
};

/*
 * One VM per strategy of m->s (all, or the one chosen), with its vCPUs.
 * EXIT_OK, or EXIT_BAD_INPUT after a SIM_EV_FAIL event. sim_free() frees
 * what was made either way.
 */
int sim_setup(struct sim *m);

/*
 * Apply every op to every VM, up to the first engine error or
 * disagreement. EXIT_OK when every expect held, else EXIT_BAD_INPUT.
 */
int sim_run(struct sim *m);
void sim_free(struct sim *m);

/* ---- output (report.c) ---- */

/*
 * Parse, run and report a script held in memory (report.c; text[len]
 * must be NUL; text is modified).
 */
int sim_text(const char *path, char *text, size_t len, int strategy,
	     bool json, struct sim_env *env);

struct sim_env {
	/*
	 * Read a `filter FILE` operand (the path resolved against the
	 * script's directory) as read_file() does: 0 with a malloc()ed
	 * buffer NUL-terminated one past *len, or -errno.
	 */
	int (*read_filter)(const char *path, uint8_t **data, size_t *len);
	/* `save` lines are script errors (nothing is written) */
	bool no_save;
	/*
	 * `save` may write anywhere (sim --allow-paths); else only inside
	 * the script's directory tree: no absolute path, no "..", and no
	 * symlink leading out (docs/sim.md, "Files").
	 */
	bool allow_paths;
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
