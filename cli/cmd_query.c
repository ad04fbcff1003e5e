// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap query [--format policy|json|vmx|svm] [--json] FILE MSR...: the
 * read and write verdicts of MSRs under a policy, a KVM MSR filter (from
 * the compiled filter, checked against the reference scan in debug
 * builds) or a hardware map.
 */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "common/opts.h"
#include "util/vec.h"

static const char query_head[] =
	"usage: msrtrap query [--format policy|json|vmx|svm] [--json] FILE MSR...\n"
	"\n"
	"Print the verdict for read and for write of each MSR under FILE. A\n"
	"policy (docs/policy.md) answers what its rules say. A KVM MSR filter\n"
	"(JSON, docs/filter-json.md) answers allow or deny as the kernel's\n"
	"kvm_msr_allowed() does. A VMX bitmap (4096 bytes) or SVM map (8192\n"
	"bytes) answers allow where the access passes through and deny where\n"
	"it is intercepted. An invalid filter is refused as check reports it,\n"
	"a policy with errors with its diagnostics. FILE is recognised by\n"
	"content; - is stdin.\n"
	"\n"
	"MSR is a number (0x10, 16), a name (IA32_TSC, efer) or an inclusive\n"
	"interval A-B of those, at most 65536 MSRs; - reads MSRs from stdin,\n"
	"one per line (# comments and blank lines are skipped). One line per\n"
	"MSR, in input order.\n"
	"\n";

static const char help_json[] =
	"  -j, --json  print [{\"msr\":16,\"name\":\"IA32_TSC\",\n"
	"              \"read\":\"allow\",\"write\":\"deny\"},...] (name null when the\n"
	"              database has none)\n";

/* Largest interval one operand may expand to. */
#define MAX_INTERVAL 0x10000u

struct span {
	uint32_t first, last;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

/* where: the operand itself (command line) or "<stdin>:LINE". */
static int add_operand(struct spans *s, const char *text, const char *where)
{
	const char *why;
	struct span sp;
	uint64_t count;

	if (!parse_msr_operand(text, &sp.first, &sp.last, &why))
		return where ? fail(where, "%s: %s", clip(text), why) :
			       fail(clip(text), "%s", why);
	count = (uint64_t)sp.last - sp.first + 1;
	if (count > MAX_INTERVAL)
		return where ? fail(where,
				    "%s: %llu MSRs; at most %u per interval",
				    clip(text), (unsigned long long)count,
				    MAX_INTERVAL) :
			       fail(clip(text),
				    "%llu MSRs; at most %u per interval",
				    (unsigned long long)count, MAX_INTERVAL);
	if (mt_vec_reserve(&s->v, &s->cap, s->n + 1))
		abort(); /* the CLI may die on OOM */
	s->v[s->n++] = sp;
	return EXIT_OK;
}

/*
 * One operand per line; '#' starts a comment. Stdin is read whole with
 * read_file(), so a read error is an error (not the end of the list),
 * and its size is bounded by --max-input; a NUL byte ends nothing
 * silently but is reported where it is.
 */
static int add_stdin(struct spans *s)
{
	uint8_t *data;
	size_t len;
	char *text, *next, where[48];
	unsigned long lineno = 0;
	int rc = read_file("-", &data, &len);

	if (rc)
		return input_read_fail("<stdin>", rc);
	text = (char *)data;
	for (char *p = text; rc == EXIT_OK && p < text + len; p = next) {
		char *eol = memchr(p, '\n', (size_t)(text + len - p));
		char *nul, *end;

		lineno++;
		if (!eol)
			eol = text + len;
		next = eol + 1;
		nul = memchr(p, 0, (size_t)(eol - p));
		if (nul) {
			snprintf(where, sizeof(where), "<stdin>:%lu:%zu", lineno,
				 (size_t)(nul - p) + 1);
			rc = fail(where, "NUL byte (\\x00) in an MSR line");
			break;
		}
		*eol = 0;
		end = strchr(p, '#');
		if (!end)
			end = eol;
		while (end > p && strchr(" \t\r", end[-1]))
			end--;
		*end = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		snprintf(where, sizeof(where), "<stdin>:%lu", lineno);
		rc = add_operand(s, p, where);
	}
	free(data);
	return rc;
}

static bool allowed(const struct input *in, const struct msrtrap_cfilter *cf,
		    uint32_t msr, unsigned int access)
{
	bool ok;

	if (in->kind == INPUT_POLICY)
		return msrtrap_policy_verdict(in->policy, msr, access) == 1;
	if (in->map)
		return msrtrap_map_test(in->map, msr, access) == 0;
	ok = msrtrap_cfilter_allowed(cf, msr, access);
	/* the compiled filter must agree with the reference scan */
	assert(msrtrap_filter_allowed(in->filter, msr, access) == ok);
	return ok;
}

static const char *verdict(bool ok)
{
	return ok ? "allow" : "deny";
}

static void print_all(const struct input *in, const struct msrtrap_cfilter *cf,
		      const struct spans *s, bool json)
{
	json_t *out = json ? json_array() : NULL;

	for (size_t i = 0; i < s->n; i++) {
		for (uint64_t m = s->v[i].first; m <= s->v[i].last; m++) {
			uint32_t msr = (uint32_t)m;
			bool r = allowed(in, cf, msr, MSRTRAP_READ);
			bool w = allowed(in, cf, msr, MSRTRAP_WRITE);
			const char *name = msrtrap_msr_name(msr);

			if (json)
				json_array_append_new(out,
					json_pack("{s:I, s:s?, s:s, s:s}", "msr",
						  (json_int_t)msr, "name", name,
						  "read", verdict(r), "write",
						  verdict(w)));
			else if (name)
				printf("0x%08x  read=%-5s  write=%-5s  %s\n",
				       msr, verdict(r), verdict(w), name);
			else
				printf("0x%08x  read=%-5s  write=%s\n", msr,
				       verdict(r), verdict(w));
		}
	}
	if (json)
		print_json(out);
}

static int query(const char *path, enum input_kind want, char **msrs,
		 int nmsrs, bool json)
{
	struct msrtrap_cfilter *cf = NULL;
	struct spans s = { 0 };
	struct input in;
	int rc, err;

	rc = input_open_or_report(path, want, 0, &in);
	if (rc)
		return rc;
	for (int i = 0; i < nmsrs && rc == EXIT_OK; i++)
		rc = strcmp(msrs[i], "-") ? add_operand(&s, msrs[i], NULL) :
					    add_stdin(&s);
	if (rc)
		goto out;
	if (in.filter) {
		err = msrtrap_cfilter_new(in.filter, &cf, &in.diag);
		if (err) {
			in.err = err;
			rc = input_report(&in);
			goto out;
		}
	}
	print_all(&in, cf, &s, json);
out:
	msrtrap_cfilter_free(cf);
	free(s.v);
	input_close(&in);
	return rc;
}

int cmd_query(int argc, char **argv)
{
	enum input_kind want = INPUT_AUTO;
	bool json = false, stdin_used;
	const struct cli_opt opts[] = {
		INPUT_OPT_FORMAT(&want),
		CLI_FLAG("json", 'j', &json, help_json),
		INPUT_OPT_MAX_INPUT,
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "query",
		.head = query_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind < 2)
		return usage_error("query", "expected FILE and at least one MSR");
	stdin_used = !strcmp(argv[optind], "-");
	for (int i = optind + 1; i < argc; i++) {
		if (strcmp(argv[i], "-"))
			continue;
		if (stdin_used)
			return usage_error("query",
					   "stdin (-) can be read only once");
		stdin_used = true;
	}
	return query(argv[optind], want, argv + optind + 1, argc - optind - 1,
		     json);
}
