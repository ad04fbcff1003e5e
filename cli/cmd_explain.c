// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap explain [--format policy|json|vmx|svm] [--json] FILE MSR: why an
 * MSR's read and write are allowed or denied. For a policy: the deciding
 * rule by line (explain_policy.c). For a KVM MSR filter: the deciding
 * range and bit, the default, or the x2APIC exemption (spec §3.4, §3.5,
 * invariants 19-26), with the ranges that would have matched but were not
 * consulted. For a map: the byte and bit that hold the MSR.
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

static const char explain_head[] =
	"usage: msrtrap explain [--format policy|json|vmx|svm] [--json] FILE MSR\n"
	"\n"
	"Explain the verdict for read and for write of one MSR under FILE. For\n"
	"a policy (docs/policy.md): the rule that decides, by line and target\n"
	"(the last rule naming the MSR for that access), or the default. For\n"
	"a KVM MSR filter (JSON, docs/filter-json.md): the first range that\n"
	"holds the MSR for that access and its bitmap bit, or the default when\n"
	"no range does, or the x2APIC exemption (0x800-0x8ff are never\n"
	"filtered); ranges that hold the MSR but were not consulted, or would\n"
	"hold it but wrap past 2^32, are named too. For a VMX bitmap or SVM map:\n"
	"the byte and bit that hold the MSR's intercept (1 = intercept = deny,\n"
	"0 = pass through = allow), or that the format cannot represent it and\n"
	"it is always intercepted. An invalid filter is refused as check\n"
	"reports it. MSR is a number or a name; - as FILE is stdin.\n"
	"\n";

static const char help_json[] =
	"  -j, --json  print {\"msr\":N,\"name\":...,\"read\":{\"verdict\":...,\n"
	"              \"by\":\"rule\"|\"range\"|\"default\"|\"x2apic\"|\"no-filter\"|\n"
	"              \"map\"|\"unrepresentable\",...},\"write\":{...}}\n";

static const char *verdict(bool ok)
{
	return ok ? "allow" : "deny";
}

/* ---- filters ---- */

/*
 * The ranges other than the deciding one that hold msr: for `access` (not
 * consulted, or without effect on x2APIC MSRs), for the other access only,
 * or for `access` but for wrapping past 2^32.
 */
struct others {
	unsigned int unused[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES], nunused;
	unsigned int other_access[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES], nother;
	unsigned int wrapping[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES], nwrapping;
};

static void find_others(const struct msrtrap_filter *f, uint32_t msr,
			unsigned int access, const struct msrtrap_decision *d,
			struct others *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned int i = 0; i < msrtrap_filter_nranges(f); i++) {
		struct msrtrap_filter_range r;

		msrtrap_filter_range(f, i, &r);
		if (!r.nmsrs ||
		    (d->by == MSRTRAP_BY_RANGE && i == d->range))
			continue;
		if (input_range_wraps(&r)) {
			if ((r.flags & access) && input_range_would_hold(&r, msr))
				o->wrapping[o->nwrapping++] = i;
		} else if (input_range_holds(&r, msr)) {
			if (r.flags & access)
				o->unused[o->nunused++] = i;
			else
				o->other_access[o->nother++] = i;
		}
	}
}

/* "ranges[1], ranges[4] <plural>" or "ranges[1] <singular>" */
static void print_list(const char *singular, const char *plural,
		       const unsigned int *v, unsigned int n)
{
	if (!n)
		return;
	printf("%9s", "");
	for (unsigned int i = 0; i < n; i++)
		printf("%sranges[%u]", i ? ", " : "", v[i]);
	printf(" %s\n", n == 1 ? singular : plural);
}

static json_t *json_list(const unsigned int *v, unsigned int n)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

/* As in the JSON filter format: ["read"], ["write"], ["read","write"] or N. */
static json_t *flags_json(uint32_t flags)
{
	if (flags < 1 || flags > 3)
		return json_integer(flags);
	if (flags == 3)
		return json_pack("[s,s]", "read", "write");
	return json_pack("[s]",
			 msrtrap_access_name(flags, MSRTRAP_ACCESS_NAME));
}

static json_t *filter_access_json(const struct msrtrap_filter *f, bool deny,
				  const struct msrtrap_decision *d,
				  const struct others *o)
{
	static const char *const by[] = {
		[MSRTRAP_BY_NO_FILTER] = "no-filter",
		[MSRTRAP_BY_X2APIC] = "x2apic",
		[MSRTRAP_BY_RANGE] = "range",
		[MSRTRAP_BY_DEFAULT] = "default",
	};
	struct msrtrap_filter_range r;
	json_t *j = json_pack("{s:s, s:s}", "verdict", verdict(d->allowed),
			      "by", by[d->by]);

	if (d->by == MSRTRAP_BY_RANGE) {
		msrtrap_filter_range(f, d->range, &r);
		json_object_set_new(j, "range", json_integer(d->range));
		json_object_set_new(j, "flags", flags_json(r.flags));
		json_object_set_new(j, "base", json_integer(r.base));
		json_object_set_new(j, "nmsrs", json_integer(r.nmsrs));
		json_object_set_new(j, "bit", json_integer(d->bit));
		json_object_set_new(j, "value", json_integer(d->allowed));
	}
	if (d->by == MSRTRAP_BY_DEFAULT)
		json_object_set_new(j, "default",
				    json_string(deny ? "deny" : "allow"));
	json_object_set_new(j, "not_consulted", json_list(o->unused, o->nunused));
	json_object_set_new(j, "other_access",
			    json_list(o->other_access, o->nother));
	json_object_set_new(j, "wrapping", json_list(o->wrapping, o->nwrapping));
	return j;
}

/* The deciding line, then the ranges that hold the MSR to no effect. */
static void filter_access_text(const struct msrtrap_filter *f, bool deny,
			       unsigned int access,
			       const struct msrtrap_decision *d,
			       const struct others *o)
{
	struct msrtrap_filter_range r;
	char fb[16];

	printf("  %-6s ", access == MSRTRAP_READ ? "read:" : "write:");
	switch (d->by) {
	case MSRTRAP_BY_NO_FILTER:
		printf("no filter -> allow\n");
		break;
	case MSRTRAP_BY_X2APIC:
		printf("x2APIC MSR (0x800-0x8ff): never filtered -> allow\n");
		break;
	case MSRTRAP_BY_RANGE:
		msrtrap_filter_range(f, d->range, &r);
		printf("ranges[%u] (%s, base 0x%x, nmsrs 0x%x): bit 0x%x = %d -> %s\n",
		       d->range, input_access_name(r.flags, fb), r.base, r.nmsrs,
		       d->bit, d->allowed, verdict(d->allowed));
		break;
	case MSRTRAP_BY_DEFAULT:
		printf("no range holds it for %s: default %s -> %s\n",
		       msrtrap_access_name(access, MSRTRAP_ACCESS_NAME),
		       deny ? "deny" : "allow", verdict(d->allowed));
		break;
	}
	if (d->by == MSRTRAP_BY_X2APIC)
		print_list("holds it: no effect on x2APIC MSRs",
			   "hold it: no effect on x2APIC MSRs",
			   o->unused, o->nunused);
	else
		print_list("holds it too: not consulted (the first match decides)",
			   "hold it too: not consulted (the first match decides)",
			   o->unused, o->nunused);
	if (access == MSRTRAP_READ)
		print_list("holds it for write only: skipped",
			   "hold it for write only: skipped",
			   o->other_access, o->nother);
	else
		print_list("holds it for read only: skipped",
			   "hold it for read only: skipped",
			   o->other_access, o->nother);
	print_list("would hold it, but base + nmsrs reaches 2^32: it matches nothing",
		   "would hold it, but base + nmsrs reaches 2^32: they match nothing",
		   o->wrapping, o->nwrapping);
}

static void explain_filter_access(const struct msrtrap_filter *f,
				  const struct msrtrap_cfilter *cf,
				  uint32_t msr, unsigned int access,
				  json_t *out)
{
	bool deny = msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY;
	MSRTRAP_OPTS(msrtrap_decision, d);
	struct others o;
	int err;

	err = msrtrap_filter_explain(f, msr, access, &d);
	assert(!err); /* validated */
	(void)err;
	assert(msrtrap_cfilter_allowed(cf, msr, access) == d.allowed);
	find_others(f, msr, access, &d, &o);
	if (out)
		json_object_set_new(out,
				    msrtrap_access_name(access,
							MSRTRAP_ACCESS_NAME),
				    filter_access_json(f, deny, &d, &o));
	else
		filter_access_text(f, deny, access, &d, &o);
}

/* ---- maps ---- */

struct map_bit {
	bool representable;
	size_t byte;
	unsigned int bit;
	int value;
};

/*
 * Where the map keeps msr's intercept bit for `access`, found through the
 * library so the layout stays in one place: clear the bit in an
 * all-intercept map and see which bit changed.
 */
static void locate(const struct msrtrap_map *map, uint32_t msr,
		   unsigned int access, struct map_bit *mb)
{
	enum msrtrap_format fmt = msrtrap_map_format(map);
	const uint8_t *data = msrtrap_map_data(map), *probe;
	struct msrtrap_map *scratch;

	memset(mb, 0, sizeof(*mb));
	if (msrtrap_map_new(fmt, NULL, &scratch))
		abort(); /* the CLI may die on OOM */
	if (msrtrap_map_clear(scratch, msr, access) == 0) {
		probe = msrtrap_map_data(scratch);
		for (size_t i = 0; i < msrtrap_map_size(scratch); i++) {
			if (probe[i] == 0xff)
				continue;
			mb->representable = true;
			mb->byte = i;
			mb->bit = (unsigned int)__builtin_ctz(~probe[i] & 0xffu);
			mb->value = (data[i] >> mb->bit) & 1;
			break;
		}
	}
	msrtrap_map_free(scratch);
	/* the map's own test must agree */
	assert((msrtrap_map_test(map, msr, access) != 0) ==
	       (!mb->representable || mb->value));
}

static void explain_map_access(const struct input *in, uint32_t msr,
			       unsigned int access, json_t *out)
{
	const char *fmt = in->kind == INPUT_VMX ? "VMX bitmap" : "SVM map";
	const char *aname = msrtrap_access_name(access, MSRTRAP_ACCESS_NAME);
	struct map_bit mb;
	json_t *j;

	locate(in->map, msr, access, &mb);
	if (out) {
		if (mb.representable)
			j = json_pack("{s:s, s:s, s:I, s:i, s:i}", "verdict",
				      verdict(!mb.value), "by", "map", "byte",
				      (json_int_t)mb.byte, "bit", mb.bit,
				      "value", mb.value);
		else
			j = json_pack("{s:s, s:s}", "verdict", "deny", "by",
				      "unrepresentable");
		json_object_set_new(out, aname, j);
		return;
	}
	printf("  %-6s ", access == MSRTRAP_READ ? "read:" : "write:");
	if (mb.representable)
		printf("%s byte 0x%zx bit %u = %d -> %s\n", fmt, mb.byte, mb.bit,
		       mb.value, mb.value ? "intercept (deny)" :
					    "pass through (allow)");
	else
		printf("not representable in a%s: always intercepted -> deny\n",
		       in->kind == INPUT_VMX ? " VMX bitmap" : "n SVM map");
}

static int explain(const char *path, enum input_kind want, const char *operand,
		   bool json)
{
	struct msrtrap_cfilter *cf = NULL;
	uint32_t msr, last;
	const char *why, *name;
	json_t *out = NULL;
	struct input in;
	int rc, err;

	rc = input_open_or_report(path, want, 0, &in);
	if (rc)
		return rc;
	if (!parse_msr_operand(operand, &msr, &last, &why)) {
		rc = fail(clip(operand), "%s", why);
		goto done;
	}
	if (msr != last) {
		rc = fail(clip(operand),
			  "explain takes one MSR, not an interval (see query)");
		goto done;
	}
	if (in.filter) {
		err = msrtrap_cfilter_new(in.filter, &cf, &in.diag);
		if (err) {
			in.err = err;
			rc = input_report(&in);
			goto done;
		}
	}
	name = msrtrap_msr_name(msr);
	if (json)
		out = json_pack("{s:I, s:s?, s:s}", "msr", (json_int_t)msr,
				"name", name, "format", input_kind_name(in.kind));
	else
		printf("0x%08x%s%s\n", msr, name ? " " : "", name ? name : "");
	for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++) {
		if (in.kind == INPUT_POLICY)
			explain_policy_access(&in, msr, a, out);
		else if (in.filter)
			explain_filter_access(in.filter, cf, msr, a, out);
		else
			explain_map_access(&in, msr, a, out);
	}
	if (json)
		print_json(out);
done:
	msrtrap_cfilter_free(cf);
	input_close(&in);
	return rc;
}

int cmd_explain(int argc, char **argv)
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
		.name = "explain",
		.head = explain_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 2)
		return usage_error("explain", "expected FILE and one MSR");
	return explain(argv[optind], want, argv[optind + 1], json);
}
