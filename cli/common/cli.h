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
	int trouble; /* exit code when the output cannot be written */
};

extern const struct command commands[];
extern const char *progname; /* "msrtrap" in messages (util.c) */

/* "msrtrap: <what>: <message>" on stderr, one line. Returns EXIT_BAD_INPUT. */
int fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Text from the user (an operand, an option's value, a script's token) as
 * an error message quotes it: s itself when it has at most CLIP_MAX bytes,
 * else its first and last bytes around "..." (CLIP_MAX bytes in all, not
 * splitting a UTF-8 sequence), so that a 100 KB operand makes a short
 * line. Static storage, CLIP_SLOTS of them in turn: up to that many clips
 * in one message. fail() and usage_error() clip their what/cmd to
 * CLIP_PATH_MAX themselves (paths may be long, but not without bound).
 */
#define CLIP_MAX      64
#define CLIP_PATH_MAX 256
#define CLIP_SLOTS    4
const char *clip(const char *s);
const char *clip_to(const char *s, size_t max);

/* Usage error for a subcommand; points at --help. Returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Read a whole file ("-" is stdin). Returns 0, or -errno with *len untouched:
 * -EFBIG as soon as more than read_file_limit bytes arrived. The buffer is
 * 8-byte aligned and NUL-terminated one past *len.
 */
int read_file(const char *path, uint8_t **data, size_t *len);

/* write(2) until all of buf is written. Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* --max-input (input.h): 64 MiB unless set, far above any real policy. */
#define READ_FILE_LIMIT_DEFAULT ((size_t)64 << 20)
extern size_t read_file_limit;

/*
 * Write len bytes to an output file (compile -o, sim's save; every
 * writer). path, once symlinks are followed (a dangling link names the
 * file to create):
 *  - a regular file, or none: replaced atomically, by a temporary file in
 *    its directory renamed over it once complete, so it is either
 *    untouched or complete, never partial, and on failure nothing is left
 *    behind; the old file's mode (and, as root, owner) is kept, a new one
 *    gets 0666 & ~umask;
 *  - a regular file with other hard links: refused (-EMLINK), as
 *    replacing would split the links and writing in place is not atomic;
 *  - anything else (a device, a FIFO, /dev/stdout): written through with
 *    open() + write(), never replaced.
 * Returns 0 or -errno; write_strerror() words it.
 */
int write_output_file(const char *path, const void *data, size_t len);

/* strerror(-err), with write_output_file()'s own meaning of -EMLINK. */
const char *write_strerror(int err);

/*
 * Is output the regular file that input ("-": stdin) is, through whatever
 * path (same st_dev and st_ino)? Writing it would clobber the input.
 */
bool same_file(const char *input, const char *output);

/* Parse an MSR number: 0x-prefixed hex or decimal, full 32-bit range. */
bool parse_u32(const char *s, uint32_t *out);

/*
 * Why the name database gives no MSR for name, as "WHAT (did you mean
 * 'IA32_EFER'?)" when a name is close, "ambiguous MSR name: HINT" when
 * msrtrap_msr_lookup() refuses it (MSR_IA32_PMC0), else WHAT. Static
 * storage, valid until the next call.
 */
const char *msr_name_why(const char *name, const char *what);

/*
 * Parse an MSR operand: a number, a name from the database, or an
 * inclusive interval A-B of those. Returns false with *why set (for a
 * name, by msr_name_why(), so it may name the closest one).
 */
bool parse_msr_operand(const char *s, uint32_t *first, uint32_t *last,
		       const char **why);

/*
 * The control bit (MSRTRAP_NESTED_*) of one word of L1's nested controls,
 * len bytes at word, any case: msr-bitmaps, virt-x2apic, apic-reg-virt,
 * vid (*fmt VMX), msr-prot (*fmt SVM); -1 for any other word.
 */
int nested_control(const char *word, size_t len, enum msrtrap_format *fmt);
#define NESTED_CONTROL_WORDS "msr-bitmaps, virt-x2apic, apic-reg-virt, vid, msr-prot"

/*
 * The host's KVM as verify's expectations depend on it (kvm_host.c):
 * the vendor module, the kernel version, kvm_intel's preemption timer
 * (-1 unknown), and whether KVM completes TSC_DEADLINE writes before the
 * userspace filter (the WRMSR fast path), with why in words. root is
 * prepended to /sys and /proc paths ("" for this host).
 */
struct kvm_host {
	char module[16]; /* "kvm_intel", "kvm_amd", "kvm_pvm" or "" */
	unsigned int major, minor;
	int preemption_timer;
	bool tsc_deadline_fastpath;
	char why[160];
};

void kvm_host_probe(const char *root, struct kvm_host *h);

/* Does KVM on this host complete (msr, access) without the filter? */
bool kvm_host_bypasses_filter(const struct kvm_host *h, uint32_t msr,
			      unsigned int access);

/*
 * What verify expects of (msr, access) on this host given the model's
 * verdict: allowed where the model allows it or KVM completes it before
 * the filter (*fastpath set then).
 */
bool kvm_host_expects_allow(const struct kvm_host *h, bool model_allows,
			    uint32_t msr, unsigned int access, bool *fastpath);

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
int cmd_merge(int argc, char **argv);
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
/* kvm_timed_out() as msrtrap_probe_opts.cancelled (ctx unused). */
bool kvm_probe_cancelled(void *ctx);

/*
 * Did live KVM fail for want of resources (EMFILE, ENFILE, ENOMEM)? That
 * is an error (exit 1), not "live KVM is not usable here" (77): the
 * README's `verify || [ $? -eq 77 ]` must not pass on it.
 */
bool kvm_resource_error(int err);

/*
 * The gate (msrtrap_kvm_open() + msrtrap_kvm_selftest()) within `seconds`;
 * a signal other than the timeout's (a stop and continue) restarts the
 * self-test. 0 with the VM in *kvm (NULL: closed again), or a negative errno with
 * the reason ("/dev/kvm: No such file or directory", "timed out after
 * 10 s", ...) in reason.
 */
int kvm_open_gated(unsigned int seconds, struct msrtrap_kvm_vm **kvm,
		   char *reason, size_t size);
#define kvm_gate(seconds, reason, size) kvm_open_gated(seconds, NULL, reason, size)

#endif
