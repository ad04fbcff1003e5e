// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap check [--format policy|json|vmx|svm] [--json] FILE: would the
 * kernel accept this MSR filter, and if not, with which errno and why
 * (spec §3.2, invariants 9-17)? Maps are checked for their size, policies
 * parsed with their diagnostics.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "common/opts.h"

static const char check_head[] =
	"usage: msrtrap check [--format policy|json|vmx|svm] [--json] FILE\n"
	"\n"
	"Check FILE with the kernel's rules. A KVM MSR filter in the JSON\n"
	"format (docs/filter-json.md) is validated as KVM_X86_SET_MSR_FILTER\n"
	"validates it: when the kernel would refuse it, the errno it would\n"
	"return (EINVAL, EFAULT) and the field it objects to are printed on\n"
	"stderr. A valid filter gets a summary and notes on ranges that have\n"
	"no effect. A VMX bitmap (4096 bytes) or SVM MSR permission map\n"
	"(8192 bytes) is valid by its size. A policy (docs/policy.md) is\n"
	"parsed; its errors and warnings are printed compiler-style on stderr.\n"
	"FILE is recognised by content; - is stdin. Exit 0 when valid, 1 when\n"
	"not.\n"
	"\n";

static const char help_json[] =
	"  --json      print {\"valid\":false,\"errno\":\"EINVAL\",\"where\":...,\n"
	"              \"message\":...} or {\"valid\":true,\"format\":...} on stdout\n";

#define MAX_NOTES (3 * MSRTRAP_KVM_MSR_FILTER_MAX_RANGES + 1)

struct summary {
	unsigned int slots, ranges;
	size_t bitmap_bytes;
	unsigned int nnotes;
	char notes[MAX_NOTES][128];
};

static void note(struct summary *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct summary *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nnotes == MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(s->notes[s->nnotes++], sizeof(s->notes[0]), fmt, ap);
	va_end(ap);
}

/*
 * Is every MSR of r decided for `access` by the earlier ranges (first
 * match wins, invariant 21)? Sweep from r's base through earlier ranges
 * that hold the current MSR.
 */
static bool shadowed(const struct msrtrap_filter *f, unsigned int i,
		     const struct msrtrap_filter_range *r, uint32_t access)
{
	uint64_t cur = r->base, end = (uint64_t)r->base + r->nmsrs;

	while (cur < end) {
		uint64_t next = cur;

		for (unsigned int j = 0; j < i; j++) {
			struct msrtrap_filter_range e;

			msrtrap_filter_range(f, j, &e);
			if ((e.flags & access) && e.nmsrs &&
			    input_range_holds(&e, (uint32_t)cur)) {
				next = (uint64_t)e.base + e.nmsrs;
				break;
			}
		}
		if (next == cur)
			return false;
		cur = next;
	}
	return true;
}

static void summarise(const struct msrtrap_filter *f, struct summary *s)
{
	static const char *const acc[] = { NULL, "read", "write" };

	memset(s, 0, sizeof(*s));
	s->slots = msrtrap_filter_nranges(f);
	for (unsigned int i = 0; i < s->slots; i++) {
		struct msrtrap_filter_range r;

		msrtrap_filter_range(f, i, &r);
		if (!r.nmsrs)
			continue;
		s->ranges++;
		s->bitmap_bytes += msrtrap_kvm_bitmap_bytes(r.nmsrs);
		if (input_range_wraps(&r)) {
			note(s, "ranges[%u]: base 0x%x + nmsrs 0x%x reaches 2^32, so it matches no MSR",
			     i, r.base, r.nmsrs);
			continue;
		}
		if (r.base <= 0x8ff && (uint64_t)r.base + r.nmsrs > 0x800)
			note(s, "ranges[%u]: covers x2APIC MSRs (0x800-0x8ff), which are never filtered",
			     i);
		for (uint32_t a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++)
			if ((r.flags & a) && shadowed(f, i, &r, a))
				note(s, "ranges[%u]: never decides a %s: earlier ranges cover all its MSRs",
				     i, acc[a]);
	}
	if (!s->ranges)
		note(s, "no non-empty range: everything is allowed, as with no filter");
}

static int check_filter(const struct input *in, bool json)
{
	bool deny = msrtrap_filter_flags(in->filter) &
		    MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
	struct summary s;

	summarise(in->filter, &s);
	if (json) {
		json_t *notes = json_array();

		for (unsigned int i = 0; i < s.nnotes; i++)
			json_array_append_new(notes, json_string(s.notes[i]));
		print_json(json_pack("{s:b, s:s, s:s, s:I, s:I, s:I, s:o}",
				     "valid", 1, "format", "filter", "default",
				     deny ? "deny" : "allow", "ranges",
				     (json_int_t)s.ranges, "slots",
				     (json_int_t)s.slots, "bitmap_bytes",
				     (json_int_t)s.bitmap_bytes, "notes", notes));
		return EXIT_OK;
	}
	printf("%s: valid KVM MSR filter: default %s, %u range%s", in->path,
	       deny ? "deny" : "allow", s.ranges, s.ranges == 1 ? "" : "s");
	if (s.slots != s.ranges)
		printf(" (+%u empty slot%s)", s.slots - s.ranges,
		       s.slots - s.ranges == 1 ? "" : "s");
	printf(", the kernel copies %zu bitmap bytes\n", s.bitmap_bytes);
	for (unsigned int i = 0; i < s.nnotes; i++)
		printf("  note: %s\n", s.notes[i]);
	return EXIT_OK;
}

/* A policy that parsed (its warnings are printed): say what it is. */
static int check_policy(const struct input *in, bool json)
{
	bool allow = msrtrap_policy_default_allow(in->policy);
	size_t n = msrtrap_policy_nrules(in->policy);

	if (json)
		print_json(json_pack("{s:b, s:s, s:s, s:I}", "valid", 1, "format",
				     "policy", "default", allow ? "allow" : "deny",
				     "rules", (json_int_t)n));
	else
		printf("%s: valid policy: default %s, %zu rule%s "
		       "(compile it with 'msrtrap compile')\n", in->path,
		       allow ? "allow" : "deny", n, n == 1 ? "" : "s");
	return EXIT_OK;
}

static int check(const char *path, enum input_kind want, bool json)
{
	struct input in;
	int rc = input_open(path, want, &in);

	if (rc)
		return rc;
	if (in.err && json) {
		print_json(json_pack("{s:b, s:s, s:s, s:s}", "valid", 0, "errno",
				     input_errno_name(in.err), "where",
				     in.diag.where, "message", in.diag.message));
		rc = EXIT_BAD_INPUT;
	} else if (in.err) {
		rc = input_report(&in);
	} else if (in.kind == INPUT_FILTER) {
		rc = check_filter(&in, json);
	} else if (in.kind == INPUT_POLICY) {
		rc = check_policy(&in, json);
	} else if (json) {
		print_json(json_pack("{s:b, s:s, s:I}", "valid", 1, "format",
				     input_kind_name(in.kind), "bytes",
				     (json_int_t)msrtrap_map_size(in.map)));
	} else {
		printf("%s: valid %s (%zu bytes)\n", path,
		       input_kind_title(in.kind), msrtrap_map_size(in.map));
	}
	input_close(&in);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	enum input_kind want = INPUT_AUTO;
	bool json = false;
	const struct cli_opt opts[] = {
		INPUT_OPT_FORMAT(&want),
		CLI_FLAG("json", 'j', &json, help_json),
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "check",
		.head = check_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_error("check", "expected exactly one FILE");
	return check(argv[optind], want, json);
}
