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

struct summary {
	unsigned int slots, ranges;
	size_t bitmap_bytes;
	struct msrtrap_diags *notes; /* msrtrap_filter_lint() */
};

static int summarise(const struct msrtrap_filter *f, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	s->slots = msrtrap_filter_nranges(f);
	for (unsigned int i = 0; i < s->slots; i++) {
		struct msrtrap_filter_range r;

		msrtrap_filter_range(f, i, &r);
		if (!r.nmsrs)
			continue;
		s->ranges++;
		s->bitmap_bytes += msrtrap_kvm_bitmap_bytes(r.nmsrs);
	}
	return msrtrap_filter_lint(f, &s->notes);
}

/* The message of note i (the list holds exactly that many). */
static const char *note_text(const struct summary *s, size_t i)
{
	MSRTRAP_OPTS(msrtrap_diagnostic, d);

	return msrtrap_diags_get(s->notes, i, &d) ? "" : d.message;
}

static int check_filter(const struct input *in, bool json)
{
	bool deny = msrtrap_filter_flags(in->filter) &
		    MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
	struct summary s;
	size_t nnotes;
	int err = summarise(in->filter, &s);

	if (err)
		return fail(in->path, "%s", strerror(-err));
	nnotes = msrtrap_diags_count(s.notes);
	if (json) {
		json_t *notes = json_array();

		for (size_t i = 0; i < nnotes; i++)
			json_array_append_new(notes,
					      json_string(note_text(&s, i)));
		print_json(json_pack("{s:b, s:s, s:s, s:I, s:I, s:I, s:o}",
				     "valid", 1, "format", "filter", "default",
				     deny ? "deny" : "allow", "ranges",
				     (json_int_t)s.ranges, "slots",
				     (json_int_t)s.slots, "bitmap_bytes",
				     (json_int_t)s.bitmap_bytes, "notes", notes));
		msrtrap_diags_free(s.notes);
		return EXIT_OK;
	}
	printf("%s: valid KVM MSR filter: default %s, %u range%s", in->path,
	       deny ? "deny" : "allow", s.ranges, s.ranges == 1 ? "" : "s");
	if (s.slots != s.ranges)
		printf(" (+%u empty slot%s)", s.slots - s.ranges,
		       s.slots - s.ranges == 1 ? "" : "s");
	printf(", the kernel copies %zu bitmap bytes\n", s.bitmap_bytes);
	for (size_t i = 0; i < nnotes; i++)
		printf("  note: %s\n", note_text(&s, i));
	msrtrap_diags_free(s.notes);
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
		INPUT_OPT_MAX_INPUT,
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
