/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the msrtrap command-line tool. */
#ifndef MSRTRAP_CLI_H
#define MSRTRAP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <msrtrap/map.h>

/* Exit codes: diff(1)-like commands use EXIT_DIFFERENT for "differs". */
enum {
	EXIT_OK = 0,
	EXIT_BAD_INPUT = 1,
	EXIT_USAGE = 2,
	EXIT_SKIP = 77, /* live KVM not usable (automake/meson "skip") */
};

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

extern const struct command commands[];
extern const char *progname; /* "msrtrap" in messages (util.c) */

/* "msrtrap: <what>: <message>" on stderr, one line. Returns EXIT_BAD_INPUT. */
int fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Usage error for a subcommand; points at --help. Returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Read a whole file ("-" is stdin). Returns 0, or -errno with *len untouched:
 * -EFBIG as soon as more than read_file_limit bytes arrived. The buffer is
 * 8-byte aligned and NUL-terminated one past *len.
 */
int read_file(const char *path, uint8_t **data, size_t *len);

/* --max-input (input.h): 64 MiB unless set, far above any real policy. */
#define READ_FILE_LIMIT_DEFAULT ((size_t)64 << 20)
extern size_t read_file_limit;

/*
 * Write len bytes to path atomically: to a temporary file in path's
 * directory, renamed over path once complete, so path is either untouched
 * or complete, never partial, and on failure no file is left behind.
 * Returns 0 or -errno.
 */
int write_file_atomic(const char *path, const void *data, size_t len);

/* Parse an MSR number: 0x-prefixed hex or decimal, full 32-bit range. */
bool parse_u32(const char *s, uint32_t *out);

/*
 * Parse an MSR operand: a number, a name from the database, or an
 * inclusive interval A-B of those. Returns false with *why set.
 */
bool parse_msr_operand(const char *s, uint32_t *first, uint32_t *last,
		       const char **why);

/* Print a JSON value compactly followed by a newline; frees it. */
void print_json(json_t *value);

/*
 * Canonical names inside [first, last], for human output: up to `max`
 * names separated by ", ", then "(+N more)". Empty when none is known.
 */
void describe_interval(uint32_t first, uint32_t last, unsigned int max,
		       char *buf, size_t size);

/* The same, only the MSRs for which keep(msr, ctx) is true. */
void describe_interval_if(uint32_t first, uint32_t last, unsigned int max,
			  bool (*keep)(uint32_t msr, const void *ctx),
			  const void *ctx, char *buf, size_t size);


/*
 * Span queries (spans.c). format_span_of: the span of fmt holding msr
 * (true), or else the next span above it in [*lo, *hi] (false; *lo > *hi
 * when there is none). format_covers_range: is [first, last] inside one
 * span? raw_first_difference: the first MSR (in MSR order, read before
 * write) whose bit differs between two raw maps; false when only bytes
 * outside every MSR differ.
 */
bool format_span_of(enum msrtrap_format fmt, uint32_t msr, uint32_t *lo,
		    uint32_t *hi);
bool format_covers_range(enum msrtrap_format fmt, uint32_t first,
			 uint32_t last);
bool raw_first_difference(enum msrtrap_format fmt, const void *a,
			  const void *b, uint32_t *msr, unsigned int *access);

/*
 * The decode of a map as `msrtrap decode` prints it (decode_print.c):
 * "LABEL: VMX MSR bitmap, 4096 bytes; ..." and the pass-through intervals
 * per access on stdout, or the --json object {"format","read","write"}.
 */
void decode_print_text(const char *label, const struct msrtrap_map *map);
json_t *decode_json(const struct msrtrap_map *map);

int cmd_names(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_kvm_check(int argc, char **argv);

struct msrtrap_kvm_vm;

/*
 * Live KVM under a wall-clock timeout (kvm_util.c): SIGALRM after
 * `seconds`, then every 0.1 s, so any KVM_RUN in progress or to come
 * returns -EINTR until kvm_timeout_stop().
 */
void kvm_timeout_start(unsigned int seconds);
void kvm_timeout_stop(void);
bool kvm_timed_out(void);

/*
 * The gate (msrtrap_kvm_open() + msrtrap_kvm_selftest()) within `seconds`.
 * 0 with the VM in *kvm (NULL: closed again), or a negative errno with
 * the reason ("/dev/kvm: No such file or directory", "timed out after
 * 10 s", ...) in reason.
 */
int kvm_open_gated(unsigned int seconds, struct msrtrap_kvm_vm **kvm,
		   char *reason, size_t size);
#define kvm_gate(seconds, reason, size) kvm_open_gated(seconds, NULL, reason, size)

#endif
