// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap compile [--to kvm|c|rust|vmx|svm|vmx-c|svm-c|policy] [-o OUT]
 * [--name NAME] FILE: a policy (or a filter or map, decompiled first) to a
 * KVM MSR filter in the JSON format, a C source file with a ready struct
 * kvm_msr_filter, a Rust module with the same, a VMX bitmap, an SVM map
 * (raw or as a C array: cli/common/emit.c), or the canonical policy.
 *
 * Everything is produced in memory first; with -o the bytes go to a
 * temporary file in OUT's directory that is renamed over OUT, so OUT is
 * either untouched or complete, never partial, and on any error no file
 * is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msrtrap/msrtrap.h>

#include "common/emit.h"
#include "common/input.h"
#include "common/cli.h"
#include "common/opts.h"

static const char compile_head[] =
	"usage: msrtrap compile [--to kvm|c|rust|vmx|svm|vmx-c|svm-c|policy]\n"
	"                       [-o OUT] [--name NAME] [--format policy|json|vmx|svm]\n"
	"                       FILE\n"
	"\n"
	"Compile the policy in FILE (docs/policy.md). FILE may also be a KVM MSR\n"
	"filter (JSON) or a VMX/SVM map: it is decompiled first, so --to policy\n"
	"prints the shortest canonical policy with its verdicts. The policy's\n"
	"warnings and errors are printed compiler-style on stderr.\n"
	"\n";

static const char help_json_diags[] =
	"  --json-diagnostics  print the policy's diagnostics as one JSON array\n"
	"              on stderr: [{\"file\",\"line\",\"column\",\"severity\",\n"
	"              \"code\",\"message\"},...] (for editors)\n";

static const char help_to[] =
	"  -t, --to kvm (default) a KVM userspace MSR filter in the JSON format\n"
	"               (docs/filter-json.md): exact for every MSR outside the\n"
	"               x2APIC MSRs 0x800-0x8ff, which KVM never filters, with\n"
	"               the fewest ranges possible, then the fewest bitmap bytes.\n"
	"               A summary goes to stderr. More than 16 ranges needed:\n"
	"               an error naming the MSR clusters that force them, exit 1\n"
	"  --to c       the same filter as a self-contained C source file: the\n"
	"               bitmaps and a struct kvm_msr_filter initializer\n"
	"  --to rust    the same filter as a dependency-free Rust module:\n"
	"               #[repr(C)] mirrors of the kernel structs, the ranges\n"
	"               and bitmaps as statics, and pub fn NAME() returning\n"
	"               the struct kvm_msr_filter for the ioctl\n"
	"  --to vmx     a VMX MSR bitmap, 4096 bytes (allow = pass through,\n"
	"               deny = intercept; other MSRs always exit)\n"
	"  --to svm     an SVM MSR permission map, 8192 bytes (the same)\n"
	"  --to vmx-c, --to svm-c  that map as a page-aligned static const\n"
	"               uint8_t array in ISO C11, for a bare-metal hypervisor\n"
	"  --to policy  the canonical policy text\n";

static const char help_output[] =
	"  -o, --output OUT  write OUT instead of stdout: a regular file is\n"
	"               replaced atomically (complete or not at all), a device\n"
	"               or FIFO written through; binary maps are not written\n"
	"               to a terminal\n";

static const char help_name[] =
	"  -n, --name NAME  the identifier of the --to c filter and of the\n"
	"               --to rust function (msr_filter), of the --to vmx-c\n"
	"               array (msr_bitmap) and of the --to svm-c array (msrpm);\n"
	"               not a keyword of the output's language\n";

static const char help_format[] =
	"  -f, --format F  read FILE as policy, json, vmx or svm\n";

enum target {
	TO_KVM,
	TO_C,
	TO_VMX,
	TO_SVM,
	TO_POLICY,
	TO_RUST,
	TO_VMX_C,
	TO_SVM_C,
};

static const char *const target_names[] = {
	[TO_KVM] = "kvm",
	[TO_C] = "c",
	[TO_VMX] = "vmx",
	[TO_SVM] = "svm",
	[TO_POLICY] = "policy",
	[TO_RUST] = "rust",
	[TO_VMX_C] = "vmx-c",
	[TO_SVM_C] = "svm-c",
};

/* --name's default per target; NULL: --name does not apply */
static const char *const default_names[] = {
	[TO_C] = "msr_filter",
	[TO_RUST] = "msr_filter",
	[TO_VMX_C] = "msr_bitmap",
	[TO_SVM_C] = "msrpm",
};

struct output {
	char *data;
	size_t len;
	bool binary;
};

/* ---- writing ---- */

/* OUT replaced atomically, or written through (cli.h) */
static int write_out(const char *path, const struct output *o)
{
	int err = write_output_file(path, o->data, o->len);

	if (err)
		return fail(path, "cannot write: %s", write_strerror(err));
	return EXIT_OK;
}

static int write_output(const char *path, const struct output *o)
{
	if (path && strcmp(path, "-"))
		return write_out(path, o);
	/*
	 * No summary after a failed write; main() says why, as it does for
	 * everything every command prints.
	 */
	if (fwrite(o->data, 1, o->len, stdout) != o->len || fflush(stdout))
		return EXIT_BAD_INPUT;
	return EXIT_OK;
}

/* ---- KVM ---- */

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void print_span(FILE *f, const struct msrtrap_pack_span *s)
{
	const char *tag = msrtrap_access_name(s->access, MSRTRAP_ACCESS_WORD);

	if (s->first == s->last)
		fprintf(f, "0x%x %s", s->first, tag);
	else
		fprintf(f, "0x%x-0x%x %s", s->first, s->last, tag);
	if (s->count != 1)
		fprintf(f, " (%llu ranges)", (unsigned long long)s->count);
}

static int cmp_span(const void *a, const void *b)
{
	const struct msrtrap_pack_span *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return (x->access > y->access) - (x->access < y->access);
}

struct cluster {
	const struct msrtrap_policy *policy;
	const struct msrtrap_pack_span *span;
	bool dflt;
};

/* The policy's verdict differs from the filter's default for one of the
 * cluster's accesses. */
static bool cluster_odd(uint32_t msr, const void *ctx)
{
	const struct cluster *cl = ctx;

	for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++)
		if ((cl->span->access & a) &&
		    (msrtrap_policy_verdict(cl->policy, msr, a) == 1) != cl->dflt)
			return true;
	return false;
}

/*
 * The known MSRs of a cluster whose verdict for one of its accesses is
 * not the filter's default: what the cluster is there for. Up to `max`
 * names, then "(+N more)"; empty when none is known.
 */
static void cluster_names(const struct msrtrap_policy *p, bool dflt,
			  const struct msrtrap_pack_span *s, unsigned int max,
			  char *buf, size_t size)
{
	const struct cluster cl = { .policy = p, .span = s, .dflt = dflt };

	describe_interval_if(s->first, s->last, max, cluster_odd, &cl, buf, size);
}

/*
 * "FILE: error: needs 17 ranges, KVM allows 16; the MSR clusters that
 * force them: 0x10-0x12 rw, ..." and a note for each cluster with known
 * MSRs, naming what it allows (or denies).
 */
static int too_many(const char *label, const struct msrtrap_policy *p,
		    struct msrtrap_pack_report *rep)
{
	char names[512];

	qsort(rep->spans, rep->nspans, sizeof(*rep->spans), cmp_span);
	fprintf(stderr, "%s: error: needs %llu ranges, KVM allows %d; "
		"the MSR clusters that force them: ", label,
		(unsigned long long)rep->nranges,
		MSRTRAP_KVM_MSR_FILTER_MAX_RANGES);
	for (size_t i = 0; i < rep->nspans; i++) {
		if (i)
			fputs(", ", stderr);
		print_span(stderr, &rep->spans[i]);
	}
	fputc('\n', stderr);
	for (size_t i = 0; i < rep->nspans; i++) {
		const struct msrtrap_pack_span *s = &rep->spans[i];

		cluster_names(p, rep->default_allow, s, 3, names, sizeof(names));
		if (!names[0])
			continue;
		fprintf(stderr, "%s: note: ", label);
		print_span(stderr, s);
		fprintf(stderr, " %s %s\n", rep->default_allow ? "denies" : "allows",
			names);
	}
	return EXIT_BAD_INPUT;
}

static int to_filter(const char *label, const struct msrtrap_policy *p,
		     struct msrtrap_filter **f, struct msrtrap_pack_report *rep)
{
	int err = msrtrap_policy_to_filter(p, f, rep);

	if (err == -E2BIG)
		return too_many(label, p, rep);
	if (err == -ERANGE) {
		fprintf(stderr, "%s: error: MSR 0xffffffff is allowed for one "
			"access and denied for the other; no KVM filter can say "
			"that (no range can hold 0xffffffff, so the default decides "
			"both)\n", label);
		return EXIT_BAD_INPUT;
	}
	if (err)
		return fail(label, "cannot compile: %s", strerror(-err));
	return EXIT_OK;
}

/*
 * What the packer achieved, on stderr; printed only once the output is
 * written, so that a failed write ends with its error alone.
 */
static void print_summary(const char *label, const struct msrtrap_pack_report *rep)
{
	fprintf(stderr, "%s: %llu %s, %llu bitmap bytes%s (one range per MSR "
		"would need %llu %s, %llu bytes)\n", label,
		(unsigned long long)rep->nranges,
		plural(rep->nranges, "range", "ranges"),
		(unsigned long long)rep->bytes,
		rep->bytes_proven ? "" : " (not proven minimal)",
		(unsigned long long)rep->naive_ranges,
		plural(rep->naive_ranges, "range", "ranges"),
		(unsigned long long)rep->naive_bytes);
}

/* The filter as a C source file; NULL on OOM. */
static char *c_source(const char *label, const char *name,
		      const struct msrtrap_policy *p,
		      const struct msrtrap_filter *f,
		      const struct msrtrap_pack_report *rep, size_t *len)
{
	bool deny = msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
	unsigned int n = msrtrap_filter_nranges(f);
	char *text = NULL, *canon = NULL, *line;
	FILE *o = open_memstream(&text, len);

	if (!o)
		return NULL;
	fprintf(o, "/*\n"
		   " * KVM userspace MSR filter compiled by msrtrap from %s:\n"
		   " * default %s, %llu %s, %llu bitmap bytes.\n"
		   " *\n"
		   " *\tioctl(vm_fd, KVM_X86_SET_MSR_FILTER, &%s);\n"
		   " *\n"
		   " * Bitmap bit i (byte i / 8, bit i %% 8) = 1 allows MSR base + i;\n"
		   " * the kernel copies ceil(nmsrs / 64) 8-byte words of each bitmap.\n"
		   " * x2APIC MSRs 0x800-0x8ff are never filtered.\n",
		label, deny ? "deny" : "allow",
		(unsigned long long)rep->nranges,
		plural(rep->nranges, "range", "ranges"),
		(unsigned long long)rep->bytes, name);
	if (input_policy_denies_x2apic(p))
		fprintf(o, " *\n"
			   " * Note: this policy denies x2APIC MSRs (0x800-0x8ff), but KVM\n"
			   " * never filters them: the guest can still access them.\n");
	if (emit_placeholder(f))
		fprintf(o, " *\n * %s allows nothing: KVM refuses a default-deny filter\n"
			   " * without a range, so the compiler adds one that changes no verdict.\n",
			n == 1 ? "The one range" : "Every range");
	fprintf(o, " *\n");
	for (const char *const *l = emit_vmm_lines; *l; l++)
		fprintf(o, " * %s\n", *l);
	if (msrtrap_policy_to_text(p, &canon) == 0) {
		fprintf(o, " *\n * The policy (canonical form):\n *\n");
		for (line = strtok(canon, "\n"); line; line = strtok(NULL, "\n"))
			fprintf(o, " *\t%s\n", line);
		free(canon);
	}
	fprintf(o, " */\n#include <linux/kvm.h>\n");
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter_range r;
		size_t bytes;

		msrtrap_filter_range(f, i, &r);
		bytes = msrtrap_kvm_bitmap_bytes(r.nmsrs);
		fprintf(o, "\n/* ranges[%u]: %s, ", i,
			msrtrap_access_name(r.flags, MSRTRAP_ACCESS_PLUS));
		/* "MSR 0x800", not "MSRs 0x800-0x800" */
		if (r.nmsrs == 1)
			fprintf(o, "MSR 0x%x */\n", r.base);
		else
			fprintf(o, "MSRs 0x%x-0x%x */\n", r.base,
				(uint32_t)(r.base + r.nmsrs - 1));
		fprintf(o, "static __u8 %s_bitmap%u[%zu] __attribute__((aligned(8))) = {\n",
			name, i, bytes);
		for (size_t b = 0; b < bytes; b += 8) {
			fputc('\t', o);
			for (size_t k = b; k < b + 8; k++)
				fprintf(o, "0x%02x,%s",
					k < r.bitmap_len ? r.bitmap[k] : 0,
					k + 1 < b + 8 ? " " : "");
			fprintf(o, " /* 0x%08llx */\n",
				(unsigned long long)r.base + 8 * b);
		}
		fprintf(o, "};\n");
	}
	fprintf(o, "\nstruct kvm_msr_filter %s = {\n"
		   "\t.flags = KVM_MSR_FILTER_DEFAULT_%s,\n",
		name, deny ? "DENY" : "ALLOW");
	/* ISO C has no empty braces: with no range, .ranges is left out */
	if (n)
		fprintf(o, "\t.ranges = {\n");
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter_range r;

		msrtrap_filter_range(f, i, &r);
		fprintf(o, "\t\t{\n"
			   "\t\t\t.flags = %s,\n"
			   "\t\t\t.nmsrs = 0x%x,\n"
			   "\t\t\t.base = 0x%x,\n"
			   "\t\t\t.bitmap = %s_bitmap%u,\n"
			   "\t\t},\n",
			emit_kvm_flags(r.flags), r.nmsrs, r.base, name, i);
	}
	fprintf(o, "%s};\n", n ? "\t},\n" : "");
	if (fclose(o)) {
		free(text);
		return NULL;
	}
	return text;
}

static bool c_identifier(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* ---- maps ---- */

static enum msrtrap_format map_format(enum target to)
{
	return to == TO_VMX || to == TO_VMX_C ? MSRTRAP_FMT_VMX :
						MSRTRAP_FMT_SVM;
}

/*
 * What the map cannot carry out (MSRs it cannot pass through), into
 * *extra before anything is written: for a policy its own warnings (with
 * lines), for a decompiled filter the same without lines. 0 or -errno.
 */
static int map_warnings(const struct input *in, enum target to,
			struct msrtrap_diags **extra)
{
	int n;

	if (to != TO_VMX && to != TO_SVM && to != TO_VMX_C && to != TO_SVM_C)
		return 0;
	n = msrtrap_policy_check_format(in->policy, map_format(to), extra);
	return n < 0 ? n : 0;
}

/* ---- the command ---- */

/*
 * The policy as a VMX bitmap or SVM map (--to vmx|svm), or as that map in
 * a C array (--to vmx-c|svm-c), into *o.
 */
static int to_map(const struct input *in, const char *label, enum target to,
		  const char *name, struct output *o)
{
	enum msrtrap_format fmt = map_format(to);
	struct msrtrap_map *map;
	int err;

	err = msrtrap_policy_to_map(in->policy, fmt, &map);
	if (err)
		return fail(label, "cannot compile: %s", strerror(-err));
	o->len = msrtrap_map_size(map);
	if (to == TO_VMX_C || to == TO_SVM_C) {
		o->data = emit_map_c(label, name, fmt, msrtrap_map_data(map),
				     o->len, &o->len);
	} else {
		o->data = malloc(o->len);
		if (o->data)
			memcpy(o->data, msrtrap_map_data(map), o->len);
		o->binary = true;
	}
	msrtrap_map_free(map);
	if (!o->data)
		return fail(label, "out of memory");
	return EXIT_OK;
}

static int compile(const char *path, enum input_kind want, enum target to,
		   const char *out_path, const char *name, bool strict,
		   bool json_diags)
{
	const char *label = input_label(path);
	MSRTRAP_OPTS(msrtrap_pack_report, rep);
	struct msrtrap_diags *extra = NULL;
	struct msrtrap_filter *f = NULL;
	struct output o = { 0 };
	struct input in;
	int rc, err = 0;

	/* through whatever path: replacing the input loses it, by mistake */
	if (out_path && strcmp(out_path, "-") && same_file(path, out_path))
		return fail(out_path, "is the input file %s: not overwritten",
			    label);
	rc = input_open_or_report(path, want,
				  (to == TO_KVM || to == TO_C || to == TO_RUST ?
					   INPUT_FOR_KVM : 0) | INPUT_KEEP_DIAGS,
				  &in);
	if (rc)
		return rc;
	/*
	 * Every diagnostic before the verdict, so that --strict and
	 * --json-diagnostics take the map's warnings as the policy's.
	 */
	if (!msrtrap_diags_errors(in.diags)) {
		err = input_make_policy(&in);
		if (err) {
			rc = fail(label, "cannot decompile: %s",
				  strerror(-err));
			goto out;
		}
		err = map_warnings(&in, to, &extra);
		if (err) {
			rc = fail(label, "cannot compile: %s", strerror(-err));
			goto out;
		}
	}
	rc = input_diags_verdict(&in, extra, strict, json_diags);
	if (rc)
		goto out;
	switch (to) {
	case TO_KVM:
	case TO_C:
	case TO_RUST:
		rc = to_filter(label, in.policy, &f, &rep);
		if (rc)
			goto out;

		if (to == TO_KVM)
			err = msrtrap_filter_to_json(f, &o.data);
		else if (to == TO_RUST)
			o.data = emit_rust(label, name, f, &o.len);
		else
			o.data = c_source(label, name, in.policy, f, &rep, &o.len);
		if (err || !o.data) {
			rc = fail(label, "out of memory");
			goto out;
		}
		if (to == TO_KVM)
			o.len = strlen(o.data);
		break;
	case TO_VMX:
	case TO_SVM:
	case TO_VMX_C:
	case TO_SVM_C:
		rc = to_map(&in, label, to, name, &o);
		if (rc)
			goto out;
		break;
	case TO_POLICY:
		err = msrtrap_policy_to_text(in.policy, &o.data);
		if (err) {
			rc = fail(label, "out of memory");
			goto out;
		}
		o.len = strlen(o.data);
		break;
	}
	if (o.binary && (!out_path || !strcmp(out_path, "-")) &&
	    isatty(STDOUT_FILENO)) {
		rc = usage_error("compile", "not writing a binary %s map to a "
				 "terminal; use -o OUT or redirect stdout",
				 target_names[to]);
		goto out;
	}
	rc = write_output(out_path, &o);
	if (rc == EXIT_OK && f)
		print_summary(label, &rep);
	/* explicit or by default: 'default deny' sandboxes meet it */
	if (rc == EXIT_OK && f && input_policy_denies_x2apic(in.policy))
		fprintf(stderr, "%s: note: KVM never filters the x2APIC MSRs "
			"0x800-0x8ff: the guest can still access them, whatever "
			"the policy denies\n", label);
out:
	free(o.data);
	msrtrap_diags_free(extra);
	msrtrap_filter_free(f);
	msrtrap_pack_report_fini(&rep);
	input_close(&in);
	return rc;
}

static bool parse_target(const char *arg, enum target *to)
{
	for (size_t i = 0; i < sizeof(target_names) / sizeof(*target_names); i++) {
		if (!strcmp(arg, target_names[i])) {
			*to = (enum target)i;
			return true;
		}
	}
	return false;
}

static int target_option(const char *cmd, const char *arg, void *to)
{
	if (!parse_target(arg, to))
		return usage_error(
			cmd,
			"unknown target '%s' "
			"(expected kvm, c, rust, vmx, svm, vmx-c, svm-c "
			"or policy)",
			clip(arg));
	return -1;
}

static int name_option(const char *cmd, const char *arg, void *name)
{
	if (!c_identifier(arg))
		return usage_error(cmd, "--name '%s' is not a C identifier",
				   clip(arg));
	*(const char **)name = arg;
	return -1;
}

int cmd_compile(int argc, char **argv)
{
	enum input_kind want = INPUT_AUTO;
	enum target to = TO_KVM;
	const char *out_path = NULL, *name = NULL;
	bool strict = false, json_diags = false;
	const struct cli_opt opts[] = {
		CLI_PARSE("to", 't', target_option, &to, help_to),
		CLI_VALUE("output", 'o', &out_path, help_output),
		CLI_PARSE("name", 'n', name_option, &name, help_name),
		CLI_PARSE("format", 'f', input_format_option, &want, help_format),
		CLI_FLAG("strict", 0, &strict, input_strict_help),
		CLI_FLAG("json-diagnostics", 0, &json_diags, help_json_diags),
		INPUT_OPT_MAX_INPUT,
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "compile",
		.head = compile_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_error("compile", "expected exactly one FILE");
	if (name && (to >= sizeof(default_names) / sizeof(*default_names) ||
		     !default_names[to]))
		return usage_error("compile", "--name only applies to --to c, "
				   "rust, vmx-c and svm-c");
	/* the identifier check is the option's; keywords depend on --to */
	if (name && to == TO_RUST && emit_rust_keyword(name))
		return usage_error("compile", "--name '%s' is a Rust keyword "
				   "or a name the module defines", name);
	if (name && to != TO_RUST && emit_c_keyword(name))
		return usage_error("compile", "--name '%s' is a C keyword",
				   name);
	if (!name && (size_t)to < sizeof(default_names) / sizeof(*default_names))
		name = default_names[to];
	return compile(argv[optind], want, to, out_path, name, strict,
		       json_diags);
}
