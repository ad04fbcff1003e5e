// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap diff [--json] A B: where two policies, KVM filters or maps (any
 * two, in any mix) give different verdicts, per access, as maximal MSR
 * intervals with names. Exit status like diff(1): 0 the same verdicts
 * everywhere, 1 some differ, 2 trouble.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "common/opts.h"

enum { DIFF_SAME = 0, DIFF_DIFFERENT = 1, DIFF_TROUBLE = 2 };

static const char diff_head[] =
	"usage: msrtrap diff [--json] A B\n"
	"\n"
	"Compare the verdicts of A and B for every MSR 0-0xffffffff, read and\n"
	"write. Each is a policy, a KVM MSR filter (JSON), a VMX bitmap or an\n"
	"SVM map, recognised by content (- is stdin, for one of them). A map\n"
	"allows what passes through (MSRs it cannot represent are denied); a\n"
	"KVM filter allows the x2APIC MSRs 0x800-0x8ff. Prints, per access, the\n"
	"MSR intervals whose verdicts differ, as A's verdict -> B's, with the\n"
	"names of known MSRs; nothing when none differ.\n"
	"Exit 0 when no verdict differs, 1 when some do, 2 on trouble.\n"
	"\n";

static const char help_json[] =
	"  -j, --json  print {\"a\":{\"path\":...,\"format\":...},\"b\":{...},\"differ\":B,\n"
	"              \"read\":[{\"first\":N,\"last\":N,\"a\":\"allow\",\"b\":\"deny\"},...],\n"
	"              \"write\":[...]}\n";

static const char *verdict(int v)
{
	return v == 1 ? "allow" : "deny";
}

struct side {
	struct msrtrap_interval *v;
	long n;
};

static int collect(const struct msrtrap_policy *a, const struct msrtrap_policy *b,
		   unsigned int access, struct side *s)
{
	s->n = msrtrap_policy_diff(a, b, access, NULL, 0);
	if (s->n < 0)
		return (int)s->n;
	s->v = malloc(((size_t)s->n + 1) * sizeof(*s->v));
	if (!s->v)
		abort(); /* the CLI may die on OOM */
	msrtrap_policy_diff(a, b, access, s->v, (size_t)s->n);
	return 0;
}

static void print_text(const struct input *ia, const struct input *ib,
		       const struct side *sides)
{
	char names[512], span[32];

	printf("--- %s (%s)\n+++ %s (%s)\n", input_label(ia->path),
	       input_kind_title(ia->kind), input_label(ib->path),
	       input_kind_title(ib->kind));
	for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++) {
		const char *aname = msrtrap_access_name(a, MSRTRAP_ACCESS_NAME);
		const struct side *s = &sides[a - 1];
		uint64_t msrs = 0;

		for (long i = 0; i < s->n; i++)
			msrs += (uint64_t)s->v[i].last - s->v[i].first + 1;
		if (!s->n) {
			printf("%s: the same verdicts\n", aname);
			continue;
		}
		printf("%s: %llu MSR%s in %ld interval%s differ%s\n",
		       aname, (unsigned long long)msrs,
		       msrs == 1 ? "" : "s", s->n, s->n == 1 ? "" : "s",
		       msrs == 1 ? "s" : "");
		for (long i = 0; i < s->n; i++) {
			uint32_t first = s->v[i].first, last = s->v[i].last;
			int va = msrtrap_policy_verdict(ia->policy, first, a);
			int vb = msrtrap_policy_verdict(ib->policy, first, a);
			char how[16];

			if (first == last)
				snprintf(span, sizeof(span), "0x%08x", first);
			else
				snprintf(span, sizeof(span), "0x%08x-0x%08x", first,
					 last);
			snprintf(how, sizeof(how), "%s -> %s", verdict(va),
				 verdict(vb));
			describe_interval(first, last, 3, names, sizeof(names));
			if (names[0])
				printf("  %-21s  %-13s  %s\n", span, how, names);
			else
				printf("  %-21s  %s\n", span, how);
		}
	}
}

static json_t *side_json(const struct input *ia, const struct input *ib,
			 const struct side *s, unsigned int access)
{
	json_t *arr = json_array();

	for (long i = 0; i < s->n; i++) {
		uint32_t first = s->v[i].first;

		json_array_append_new(arr,
			json_pack("{s:I, s:I, s:s, s:s}", "first",
				  (json_int_t)first, "last",
				  (json_int_t)s->v[i].last, "a",
				  verdict(msrtrap_policy_verdict(ia->policy, first,
								 access)),
				  "b",
				  verdict(msrtrap_policy_verdict(ib->policy, first,
								 access))));
	}
	return arr;
}

/* Open one side as a policy; DIFF_TROUBLE after printing why. */
static int open_side(const char *path, struct input *in)
{
	int err;

	if (input_open_or_report(path, INPUT_AUTO, 0, in))
		return DIFF_TROUBLE;
	err = input_make_policy(in);
	if (err) {
		fail(input_label(path), "cannot decompile: %s", strerror(-err));
		return DIFF_TROUBLE;
	}
	return DIFF_SAME;
}

static int diff(const char *pa, const char *pb, bool json)
{
	struct input ia, ib;
	struct side sides[2] = { { 0 }, { 0 } };
	int rc;

	memset(&ib, 0, sizeof(ib));
	rc = open_side(pa, &ia);
	if (!rc)
		rc = open_side(pb, &ib);
	for (unsigned int a = MSRTRAP_READ; !rc && a <= MSRTRAP_WRITE; a++)
		if (collect(ia.policy, ib.policy, a, &sides[a - 1]))
			rc = DIFF_TROUBLE;
	if (rc)
		goto out;
	rc = sides[0].n || sides[1].n ? DIFF_DIFFERENT : DIFF_SAME;
	if (json)
		print_json(json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:b, s:o, s:o}",
				     "a", "path", input_label(pa), "format",
				     input_kind_name(ia.kind), "b", "path",
				     input_label(pb), "format",
				     input_kind_name(ib.kind), "differ",
				     rc == DIFF_DIFFERENT, "read",
				     side_json(&ia, &ib, &sides[0], MSRTRAP_READ),
				     "write",
				     side_json(&ia, &ib, &sides[1], MSRTRAP_WRITE)));
	else if (rc == DIFF_DIFFERENT)
		print_text(&ia, &ib, sides);
out:
	free(sides[0].v);
	free(sides[1].v);
	input_close(&ia);
	input_close(&ib);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	bool json = false;
	const struct cli_opt opts[] = {
		CLI_FLAG("json", 'j', &json, help_json),
		INPUT_OPT_MAX_INPUT,
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "diff",
		.head = diff_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 2)
		return usage_error("diff", "expected two files, A and B");
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
		return usage_error("diff", "stdin (-) can be read only once");
	return diff(argv[optind], argv[optind + 1], json);
}
