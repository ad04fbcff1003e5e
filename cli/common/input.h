/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The FILE operand of check, query, explain, compile and diff: a policy
 * (docs/policy.md), a KVM MSR filter in the JSON interchange format
 * (docs/filter-json.md), or a hardware intercept map (VMX bitmap, SVM
 * MSRPM) read as a filter where "allow" means "passes through".
 * Recognised by content unless --format says.
 */
#ifndef MSRTRAP_CLI_INPUT_H
#define MSRTRAP_CLI_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <msrtrap/msrtrap.h>

enum input_kind {
	INPUT_AUTO = 0, /* only as a --format request: recognise by content */
	INPUT_FILTER,	/* JSON filter */
	INPUT_VMX,	/* VMX MSR bitmap, 4096 bytes */
	INPUT_SVM,	/* SVM MSR permission map, 8192 bytes */
	INPUT_POLICY,	/* policy language text (docs/policy.md) */
};

struct input {
	const char *path;
	enum input_kind kind;
	struct msrtrap_filter *filter; /* INPUT_FILTER */
	struct msrtrap_map *map;       /* INPUT_VMX, INPUT_SVM */
	struct msrtrap_policy *policy; /* INPUT_POLICY */
	char *text;		       /* INPUT_POLICY: the source, NUL-ended */
	/* INPUT_KEEP_DIAGS: the policy's diagnostics, not printed */
	struct msrtrap_diags *diags;
	size_t text_len;
	/*
	 * 0 when the content is usable; else a negative errno with diag:
	 * from loading the JSON (-EINVAL) or from the kernel's validation
	 * rules (msrtrap_filter_validate()).
	 */
	int err;
	struct msrtrap_error diag;
};

/*
 * --format (policy, json, vmx or svm) as a cli_opt parse callback
 * (common/opts.h) into an enum input_kind: -1 to go on, or EXIT_USAGE
 * after the error.
 */
int input_format_option(const char *cmd, const char *arg, void *want);

/* check's, explain's and query's --format option (common/opts.h). */
extern const char input_format_help[];
#define INPUT_OPT_FORMAT(want)                                                 \
	CLI_PARSE("format", 'f', input_format_option, (want), input_format_help)

/*
 * --max-input SIZE (every command that reads a FILE): bytes, or with a
 * K, M or G suffix (KiB, MiB, GiB) into read_file_limit (cli.h). Long
 * only (letter 0).
 */
int input_max_option(const char *cmd, const char *arg, void *limit);
extern const char input_max_help[];
#define INPUT_OPT_MAX_INPUT                                                    \
	CLI_PARSE("max-input", 0, input_max_option, &read_file_limit,          \
		  input_max_help)

/*
 * Report read_file()'s error for path: "FILE: larger than N bytes (see
 * --max-input)" for -EFBIG, else "FILE: cannot read: ...". EXIT_BAD_INPUT.
 */
int input_read_fail(const char *path, int err);

/*
 * Every diagnostic diags reported: those it keeps and those past
 * MSRTRAP_DIAGS_MAX it only counts (the "N more" of input_print_diags()).
 */
size_t input_diags_total(const struct msrtrap_diags *diags);
/* "msrtrap: FILE: N warnings, errors under --strict"; EXIT_BAD_INPUT. */
int input_strict_fail(const char *path, size_t nwarn);
/*
 * For compile and verify, after input_open_*(INPUT_KEEP_DIAGS): print
 * in->diags, then extra (NULL: none; what the output cannot carry out,
 * msrtrap_policy_check_format()'s, made before anything is written so
 * that --strict and --json-diagnostics see them too); EXIT_BAD_INPUT
 * with errors among in->diags, or with warnings in either under --strict
 * ("N warnings, errors under --strict"); else EXIT_OK. With json, both
 * lists are one array.
 */
int input_diags_verdict(const struct input *in,
			const struct msrtrap_diags *extra, bool strict,
			bool json);
/*
 * The first INPUT_MAX_DIAGS of diags as [{"file", "line", "column",
 * "severity", "code", "message"}, ...] (check --json, compile
 * --json-diagnostics); with json, input_diags_verdict() prints that
 * array on stderr instead of the text lines.
 */
json_t *input_diags_json(const char *file, const struct msrtrap_diags *diags);
/* check's, compile's and verify's --strict help line. */
extern const char input_strict_help[];

/*
 * Does the policy deny any access to 0x800-0x8ff (explicitly or by its
 * default)? KVM never filters them: the guest can still access them.
 */
bool input_policy_denies_x2apic(const struct msrtrap_policy *p);

/* Text by msrtrap_content_recognise(): a policy or a JSON filter. */
bool input_is_text(const uint8_t *data, size_t len);

/*
 * Read and recognise FILE (- is stdin), load it and, for a filter,
 * validate it. Returns EXIT_OK with *in filled (content errors only in
 * in->err / in->diag), or EXIT_BAD_INPUT after printing the one-line
 * error when FILE cannot be read or is not any input format.
 */
int input_open(const char *path, enum input_kind want, struct input *in);

void input_close(struct input *in);

/*
 * input_open() with flags: INPUT_FOR_KVM parses a policy for a KVM
 * filter (warnings for denied x2APIC MSRs). A policy's diagnostics are
 * printed compiler-style on stderr (FILE:LINE:COL: warning: ...); with
 * errors among them the result is EXIT_BAD_INPUT.
 */
#define INPUT_FOR_KVM 1u
/*
 * INPUT_KEEP_DIAGS: a policy's diagnostics are not printed but kept in
 * in->diags, and a policy with errors is EXIT_OK with in->policy NULL
 * (check prints them as text or JSON).
 */
#define INPUT_KEEP_DIAGS 2u
int input_open_flags(const char *path, enum input_kind want,
		     unsigned int flags, struct input *in);

/*
 * input_open_flags() for the commands that refuse content errors: those
 * are reported (input_report()) and *in closed again, EXIT_BAD_INPUT.
 */
int input_open_or_report(const char *path, enum input_kind want,
			 unsigned int flags, struct input *in);

/*
 * Print diagnostics compiler-style on stderr, one line each: the first
 * INPUT_MAX_DIAGS, then "msrtrap: N more diagnostics not shown (E
 * errors)".
 */
#define INPUT_MAX_DIAGS 100u
void input_print_diags(const struct msrtrap_diags *diags);

/*
 * Make in->policy for any input: a filter (which must be valid) or map
 * is decompiled (msrtrap_policy_from_filter/_map); input_close() frees
 * it. 0 or a negative errno.
 */
int input_make_policy(struct input *in);

/* Label for diagnostics: the path, or "<stdin>" for -. */
const char *input_label(const char *path);

/*
 * explain for a policy (explain_policy.c): the deciding rule by line and
 * target, or the default; one access, text or into the JSON object.
 */
void explain_policy_access(const struct input *in, uint32_t msr,
			   unsigned int access, json_t *out);

/* "EINVAL", "EFAULT", ... for a negative errno. */
const char *input_errno_name(int err);

/*
 * Print in->err the way check does, "msrtrap: FILE: EINVAL: WHERE:
 * MESSAGE", on stderr. Returns EXIT_BAD_INPUT.
 */
int input_report(const struct input *in);

/*
 * Range geometry as kvm_msr_allowed() sees it, for annotations only (the
 * verdicts come from the library): empty ranges hold nothing; a range
 * whose base + nmsrs reaches 2^32 holds nothing, as its u32 end wraps to
 * a value <= base (spec §3.4, invariant 26).
 */
bool input_range_wraps(const struct msrtrap_filter_range *r);
bool input_range_holds(const struct msrtrap_filter_range *r, uint32_t msr);
/* Would it hold msr if base + nmsrs did not wrap? */
bool input_range_would_hold(const struct msrtrap_filter_range *r, uint32_t msr);

/* "read", "write", "read+write", or "0x%x" for other flags. */
const char *input_access_name(uint32_t flags, char buf[16]);

/* "vmx", "svm" or "filter". */
const char *input_kind_name(enum input_kind kind);

/* A long human name: "KVM MSR filter", "VMX MSR bitmap", ... */
const char *input_kind_title(enum input_kind kind);

/*
 * Read a raw map file (fmt NONE: VMX or SVM by its size) into *map: 0, or
 * the exit code after the one-line error (an unreadable file, a size that
 * is not the format's). *text (may be NULL): the bytes look like text, a
 * policy or JSON file that happens to have a map's size.
 */
int input_read_map(const char *path, enum msrtrap_format fmt,
		   struct msrtrap_map **map, bool *text);

#endif
