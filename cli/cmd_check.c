// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap check [--format policy|json|vmx|svm] [--json] FILE: would the
 * kernel accept this MSR filter, and if not, with which errno and why
 * (spec §3.2, invariants 9-17)? Maps are checked for their size, policies
 * parsed with their diagnostics.
 */
#include <errno.h>
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
	"  -j, --json  print one object on stdout: {\"valid\":B,\"format\":...,\n"
	"              \"diagnostics\":[{\"file\",\"line\",\"column\",\"severity\",\n"
	"              \"code\",\"message\"},...],...}; an invalid filter adds\n"
	"              \"errno\", \"where\", \"message\", a policy \"kvm\":{\"fits\",\n"
	"              \"ranges\"}\n";


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

/*
 * The "diagnostics" array of check --json, for editors and CI; the
 * number left out (over INPUT_MAX_DIAGS) in "more_diagnostics".
 */
static void put_diags(json_t *obj, const char *file,
		      const struct msrtrap_diags *diags)
{
	size_t n = input_diags_total(diags);

	json_object_set_new(obj, "diagnostics", input_diags_json(file, diags));
	if (n > INPUT_MAX_DIAGS)
		json_object_set_new(obj, "more_diagnostics",
				    json_integer((json_int_t)(n - INPUT_MAX_DIAGS)));
}

static int check_filter(const struct input *in, bool json, bool strict)
{
	bool deny = msrtrap_filter_flags(in->filter) &
		    MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
	struct summary s;
	size_t nnotes, nwarn;
	bool valid;
	int err = summarise(in->filter, &s);

	if (err)
		return fail(in->path, "%s", strerror(-err));
	nnotes = msrtrap_diags_count(s.notes);
	nwarn = msrtrap_diags_warnings(s.notes);
	valid = !(strict && nwarn);
	if (json) {
		json_t *notes = json_array(), *obj;

		for (size_t i = 0; i < nnotes; i++)
			json_array_append_new(notes,
					      json_string(note_text(&s, i)));
		obj = json_pack("{s:b, s:s, s:s, s:I, s:I, s:I, s:o}", "valid",
				valid, "format", "filter", "default",
				deny ? "deny" : "allow", "ranges",
				(json_int_t)s.ranges, "slots",
				(json_int_t)s.slots, "bitmap_bytes",
				(json_int_t)s.bitmap_bytes, "notes", notes);
		put_diags(obj, input_label(in->path), s.notes);
		print_json(obj);
		msrtrap_diags_free(s.notes);
		return valid ? EXIT_OK : EXIT_BAD_INPUT;
	}
	if (!valid) {
		/*
		 * Under --strict a warning makes the filter invalid: say so,
		 * never "valid" first; the warnings on stderr as a policy's.
		 */
		for (size_t i = 0; i < nnotes; i++) {
			MSRTRAP_OPTS(msrtrap_diagnostic, d);

			if (!msrtrap_diags_get(s.notes, i, &d))
				fprintf(stderr, "%s: %s: %s\n",
					input_label(in->path),
					msrtrap_severity_name(d.severity),
					d.message);
		}
		msrtrap_diags_free(s.notes);
		return input_strict_fail(in->path, nwarn);
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

/*
 * Would the policy fit a KVM MSR filter? The packer's count of the
 * fewest ranges (no filter is built). *ranges is 0 when no KVM filter
 * can say it at all (MSR 0xffffffff split by access).
 */
static int kvm_fit(const struct msrtrap_policy *p, bool *fits,
		   unsigned long long *ranges)
{
	MSRTRAP_OPTS(msrtrap_pack_report, rep);
	int err = msrtrap_policy_to_filter(p, NULL, &rep);

	*fits = !err;
	*ranges = err == -ERANGE ? 0 : rep.nranges;
	msrtrap_pack_report_fini(&rep);
	return err == -E2BIG || err == -ERANGE ? 0 : err;
}

static void print_kvm_fit(bool fits, unsigned long long ranges)
{
	if (fits)
		printf("  kvm: fits a KVM MSR filter: %llu range%s (at most %d)\n",
		       ranges, ranges == 1 ? "" : "s",
		       MSRTRAP_KVM_MSR_FILTER_MAX_RANGES);
	else if (ranges)
		printf("  kvm: does not fit a KVM MSR filter: needs %llu ranges, "
		       "KVM allows %d (see 'msrtrap compile')\n", ranges,
		       MSRTRAP_KVM_MSR_FILTER_MAX_RANGES);
	else
		printf("  kvm: does not fit a KVM MSR filter: MSR 0xffffffff is "
		       "allowed for one access and denied for the other\n");
}

/* A policy, parsed with its diagnostics kept (INPUT_KEEP_DIAGS). */
static int check_policy(const struct input *in, bool json, bool strict)
{
	size_t nerr = msrtrap_diags_errors(in->diags);
	size_t nwarn = msrtrap_diags_warnings(in->diags);
	bool valid = !nerr && !(strict && nwarn), fits = false, allow;
	unsigned long long ranges = 0;
	size_t n;
	json_t *obj;
	int err;

	if (!json)
		input_print_diags(in->diags);
	if (in->policy) {
		err = kvm_fit(in->policy, &fits, &ranges);
		if (err)
			return fail(in->path, "%s", strerror(-err));
	}
	if (!json && nerr)
		return EXIT_BAD_INPUT;
	if (!json && !valid)
		return input_strict_fail(in->path, nwarn);
	if (!json) {
		allow = msrtrap_policy_default_allow(in->policy);
		n = msrtrap_policy_nrules(in->policy);
		printf("%s: valid policy: default %s, %zu rule%s "
		       "(compile it with 'msrtrap compile')\n", in->path,
		       allow ? "allow" : "deny", n, n == 1 ? "" : "s");
		print_kvm_fit(fits, ranges);
		return EXIT_OK;
	}
	obj = json_pack("{s:b, s:s}", "valid", valid, "format", "policy");
	if (in->policy) {
		allow = msrtrap_policy_default_allow(in->policy);
		json_object_set_new(obj, "default",
				    json_string(allow ? "allow" : "deny"));
		json_object_set_new(obj, "rules", json_integer((json_int_t)
				    msrtrap_policy_nrules(in->policy)));
		json_object_set_new(obj, "kvm",
				    json_pack("{s:b, s:I}", "fits", fits,
					      "ranges", (json_int_t)ranges));
	}
	put_diags(obj, input_label(in->path), in->diags);
	print_json(obj);
	return valid ? EXIT_OK : EXIT_BAD_INPUT;
}

static int check(const char *path, enum input_kind want, bool json,
		 bool strict)
{
	struct input in;
	int rc = input_open_flags(path, want, INPUT_KEEP_DIAGS | INPUT_FOR_KVM,
				  &in);

	if (rc) {
		/* always one object on stdout; the reason is on stderr */
		if (json)
			print_json(json_pack("{s:b, s:n, s:[]}", "valid", 0,
					     "format", "diagnostics"));
		return rc;
	}
	if (in.err && in.kind != INPUT_POLICY && json) {
		print_json(json_pack("{s:b, s:s, s:s, s:s, s:s, s:[]}", "valid", 0,
				     "format", input_kind_name(in.kind),
				     "errno", input_errno_name(in.err), "where",
				     in.diag.where, "message", in.diag.message,
				     "diagnostics"));
		rc = EXIT_BAD_INPUT;
	} else if (in.err && in.kind != INPUT_POLICY) {
		rc = input_report(&in);
	} else if (in.kind == INPUT_FILTER) {
		rc = check_filter(&in, json, strict);
	} else if (in.kind == INPUT_POLICY) {
		rc = check_policy(&in, json, strict);
	} else if (json) {
		print_json(json_pack("{s:b, s:s, s:I, s:[]}", "valid", 1, "format",
				     input_kind_name(in.kind), "bytes",
				     (json_int_t)msrtrap_map_size(in.map),
				     "diagnostics"));
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
	bool json = false, strict = false;
	const struct cli_opt opts[] = {
		INPUT_OPT_FORMAT(&want),
		CLI_FLAG("json", 'j', &json, help_json),
		CLI_FLAG("strict", 0, &strict, input_strict_help),
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
	return check(argv[optind], want, json, strict);
}
