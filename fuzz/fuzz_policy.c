// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the policy language: msrtrap_policy_parse() on any text; when it
 * parses, the compilers must agree with the policy's own verdicts
 * (msrtrap_policy_verdict()) on a sample of MSRs: every end of every
 * exception interval and its neighbours (msrtrap_policy_exceptions()),
 * every MSR a rule names at its ends, and fuzz_fixed_msrs[].
 *  - the model: intervals sorted, disjoint, maximal, their MSRs the
 *    opposite of the default, their neighbours the default;
 *  - the KVM filter (msrtrap_policy_to_filter()): valid, and the linear
 *    and compiled lookups equal the policy outside x2APIC 0x800-0x8ff;
 *  - VMX and SVM maps (msrtrap_policy_to_map()): pass through exactly
 *    what the policy allows among the MSRs the format covers;
 *  - the canonical text (msrtrap_policy_to_text()) parses again to a
 *    policy with no differences (msrtrap_policy_diff()) and the same text;
 *  - exhaustively, over all 2^32 MSRs: the filter decompiled
 *    (msrtrap_policy_from_filter()) differs from the policy only inside
 *    x2APIC, and each map decompiled (msrtrap_policy_from_map()) only
 *    where the format has no bits (there the map intercepts).
 * Inputs above 4 KiB are ignored so that every run stays fast.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

#define MAX_INPUT 4096
#define MAX_INTERVALS 128

static const unsigned int accesses[2] = { MSRTRAP_READ, MSRTRAP_WRITE };

static void check_model(const struct msrtrap_policy *p, unsigned int acc,
			struct fuzz_samples *s)
{
	struct msrtrap_interval iv[MAX_INTERVALS];
	bool dflt = msrtrap_policy_default_allow(p);
	long n = msrtrap_policy_exceptions(p, acc, iv, MAX_INTERVALS);

	FUZZ_CHECK(n >= 0, "exceptions: %ld", n);
	if (n > MAX_INTERVALS)
		n = MAX_INTERVALS;
	for (long i = 0; i < n; i++) {
		FUZZ_CHECK(iv[i].first <= iv[i].last, "interval %ld reversed", i);
		if (i)
			FUZZ_CHECK((uint64_t)iv[i - 1].last + 1 < iv[i].first,
				   "intervals %ld and %ld overlap or touch", i - 1, i);
		fuzz_sample_around(s, iv[i].first);
		fuzz_sample_around(s, iv[i].last);
		FUZZ_CHECK(msrtrap_policy_verdict(p, iv[i].first, acc) == !dflt,
			   "0x%x in an exception has the default verdict", iv[i].first);
		FUZZ_CHECK(msrtrap_policy_verdict(p, iv[i].last, acc) == !dflt,
			   "0x%x in an exception has the default verdict", iv[i].last);
		if (iv[i].first)
			FUZZ_CHECK(msrtrap_policy_verdict(p, iv[i].first - 1, acc) == dflt,
				   "0x%x before an exception is not the default",
				   iv[i].first - 1);
		if (iv[i].last != UINT32_MAX)
			FUZZ_CHECK(msrtrap_policy_verdict(p, iv[i].last + 1, acc) == dflt,
				   "0x%x after an exception is not the default",
				   iv[i].last + 1);
	}
}

static void sample_rules(const struct msrtrap_policy *p, struct fuzz_samples *s)
{
	struct msrtrap_interval t[16];
	size_t nrules = msrtrap_policy_nrules(p);

	for (size_t i = 0; i < nrules && i < 64; i++) {
		long n = msrtrap_policy_rule_targets(p, i, t, 16);
		MSRTRAP_OPTS(msrtrap_policy_rule, rule);

		FUZZ_CHECK(n >= 0, "rule_targets(%zu): %ld", i, n);
		FUZZ_CHECK(msrtrap_policy_rule(p, i, &rule) == 0, "rule(%zu)", i);
		for (long j = 0; j < n && j < 16; j++) {
			fuzz_sample(s, t[j].first);
			fuzz_sample(s, t[j].last);
		}
	}
}

/*
 * Every MSR where @q's verdicts differ from @p's lies in [lo, hi] of one
 * of @n allowed windows: msrtrap_policy_diff() compares the whole 2^32
 * domain in O(intervals), so this is exhaustive, not sampled.
 */
static void check_diff_within(const struct msrtrap_policy *p,
			      const struct msrtrap_policy *q, const char *what,
			      const uint32_t (*win)[2], unsigned int n)
{
	struct msrtrap_interval d[MAX_INTERVALS];

	for (int a = 0; a < 2; a++) {
		long nd = msrtrap_policy_diff(p, q, accesses[a], d, MAX_INTERVALS);

		FUZZ_CHECK(nd >= 0 && nd <= MAX_INTERVALS, "%s: diff %ld", what, nd);
		for (long i = 0; i < nd; i++) {
			bool inside = false;

			for (unsigned int w = 0; w < n && !inside; w++)
				inside = d[i].first >= win[w][0] &&
					 d[i].last <= win[w][1];
			FUZZ_CHECK(inside, "%s: access %u differs at 0x%x-0x%x", what,
				   accesses[a], d[i].first, d[i].last);
		}
	}
}

/* The MSRs a format has no bits for: the gaps between its spans. */
static unsigned int uncovered(enum msrtrap_format fmt, uint32_t (*gap)[2])
{
	uint64_t next = 0;
	uint32_t first, last;
	unsigned int n = 0;

	for (unsigned int i = 0; !msrtrap_format_span(fmt, i, &first, &last); i++) {
		if (first > next) {
			gap[n][0] = (uint32_t)next;
			gap[n++][1] = first - 1;
		}
		next = (uint64_t)last + 1;
	}
	if (next <= UINT32_MAX) {
		gap[n][0] = (uint32_t)next;
		gap[n++][1] = UINT32_MAX;
	}
	return n;
}

static void check_filter(const struct msrtrap_policy *p,
			 const struct fuzz_samples *s)
{
	MSRTRAP_OPTS(msrtrap_pack_report, report);
	struct msrtrap_filter *f = NULL;
	struct msrtrap_cfilter *cf = NULL;
	MSRTRAP_OPTS(msrtrap_error, diag);
	int rc;

	rc = msrtrap_policy_to_filter(p, &f, &report);
	msrtrap_pack_report_fini(&report);
	if (rc == -E2BIG || rc == -ERANGE) {
		FUZZ_CHECK(!f, "a filter with error %d", rc);
		return;
	}
	FUZZ_CHECK(rc == 0, "policy_to_filter: %d", rc);
	rc = msrtrap_filter_validate(f, &diag);
	FUZZ_CHECK(rc == 0, "compiled filter invalid: %d %s: %s", rc, diag.where,
		   diag.message);
	FUZZ_CHECK(msrtrap_filter_nranges(f) <= MSRTRAP_KVM_MSR_FILTER_MAX_RANGES,
		   "%u ranges", msrtrap_filter_nranges(f));
	rc = msrtrap_cfilter_new(f, &cf, &diag);
	FUZZ_CHECK(rc == 0, "cfilter_new: %d", rc);
	for (size_t i = 0; i < s->n; i++) {
		uint32_t msr = s->msr[i];

		for (int a = 0; a < 2; a++) {
			int want = msrtrap_policy_verdict(p, msr, accesses[a]);
			int lin = msrtrap_filter_allowed(f, msr, accesses[a]);
			bool comp = msrtrap_cfilter_allowed(cf, msr, accesses[a]);

			FUZZ_CHECK(lin == (int)comp,
				   "MSR 0x%x access %u: linear %d, compiled %d", msr,
				   accesses[a], lin, comp);
			if (fuzz_is_x2apic(msr)) {
				FUZZ_CHECK(lin == 1, "x2APIC 0x%x filtered", msr);
				continue;
			}
			FUZZ_CHECK(lin == want,
				   "MSR 0x%x access %u: policy %d, KVM filter %d", msr,
				   accesses[a], want, lin);
		}
	}
	{
		static const uint32_t x2apic[1][2] = {
			{ MSRTRAP_X2APIC_FIRST, MSRTRAP_X2APIC_LAST },
		};
		struct msrtrap_policy *q = NULL;

		rc = msrtrap_policy_from_filter(f, &q);
		FUZZ_CHECK(rc == 0, "policy_from_filter: %d", rc);
		check_diff_within(p, q, "KVM filter", x2apic, 1);
		msrtrap_policy_free(q);
	}
	msrtrap_cfilter_free(cf);
	msrtrap_filter_free(f);
}

static void check_map(const struct msrtrap_policy *p, enum msrtrap_format fmt,
		      const struct fuzz_samples *s)
{
	struct msrtrap_map *map = NULL;
	int rc = msrtrap_policy_to_map(p, fmt, &map);

	FUZZ_CHECK(rc == 0, "policy_to_map(%d): %d", fmt, rc);
	for (size_t i = 0; i < s->n; i++) {
		uint32_t msr = s->msr[i];

		for (int a = 0; a < 2; a++) {
			int want = msrtrap_policy_verdict(p, msr, accesses[a]);
			int hw = msrtrap_map_test(map, msr, accesses[a]);

			/* a mask of the intercepted accesses among those asked */
			FUZZ_CHECK(hw == 0 || hw == (int)accesses[a], "map_test: %d", hw);
			hw = !!hw;
			if (!msrtrap_format_covers(fmt, msr))
				FUZZ_CHECK(hw == 1, "%s: uncovered 0x%x passes",
					   msrtrap_format_name(fmt), msr);
			else
				FUZZ_CHECK(hw == !want,
					   "%s: MSR 0x%x access %u: policy %d, intercept %d",
					   msrtrap_format_name(fmt), msr, accesses[a], want,
					   hw);
		}
	}
	{
		uint32_t gap[8][2];
		unsigned int ngap = uncovered(fmt, gap);
		struct msrtrap_policy *q = NULL;

		rc = msrtrap_policy_from_map(map, &q);
		FUZZ_CHECK(rc == 0, "policy_from_map: %d", rc);
		check_diff_within(p, q, msrtrap_format_name(fmt),
				  (const uint32_t (*)[2])gap, ngap);
		msrtrap_policy_free(q);
	}
	msrtrap_map_free(map);
}

static void check_canonical(const struct msrtrap_policy *p)
{
	struct msrtrap_policy *q = NULL;
	char *text = NULL, *text2 = NULL;
	int rc = msrtrap_policy_to_text(p, &text);

	FUZZ_CHECK(rc == 0, "to_text: %d", rc);
	rc = msrtrap_policy_parse(text, strlen(text), NULL, &q, NULL);
	FUZZ_CHECK(rc == 0, "canonical text does not parse: %d\n%s", rc, text);
	for (int a = 0; a < 2; a++)
		FUZZ_CHECK(msrtrap_policy_diff(p, q, accesses[a], NULL, 0) == 0,
			   "canonical text changes verdicts (access %u)", accesses[a]);
	rc = msrtrap_policy_to_text(q, &text2);
	FUZZ_CHECK(rc == 0 && !strcmp(text, text2),
		   "canonical text is not a fixed point:\n%s---\n%s", text,
		   text2 ? text2 : "");
	free(text);
	free(text2);
	msrtrap_policy_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MSRTRAP_OPTS(msrtrap_policy_opts, opts,
		     .filename = "fuzz.policy",
		     .for_kvm = true);
	struct msrtrap_policy *p = NULL;
	struct msrtrap_diags *diags = NULL;
	struct fuzz_samples s = { .n = 0 };
	char line[512];
	int rc;

	if (size > MAX_INPUT)
		return 0;
	rc = msrtrap_policy_parse((const char *)data, size, &opts, &p, &diags);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "parse: %d", rc);
	FUZZ_CHECK(!rc == !!p, "parse %d with policy %p", rc, (void *)p);
	/* every diagnostic formats and has a message */
	for (size_t i = 0; diags && i < msrtrap_diags_count(diags); i++) {
		MSRTRAP_OPTS(msrtrap_diagnostic, d);

		FUZZ_CHECK(msrtrap_diags_get(diags, i, &d) == 0, "diags_get(%zu)", i);
		FUZZ_CHECK(d.message && !strchr(d.message, '\n'), "diag %zu message", i);
		FUZZ_CHECK(msrtrap_diags_format(diags, i, line, sizeof(line)) >= 0,
			   "diags_format(%zu)", i);
	}
	if (rc)
		FUZZ_CHECK(diags && msrtrap_diags_errors(diags) > 0,
			   "-EINVAL without an error diagnostic");
	msrtrap_diags_free(diags);
	if (rc)
		return 0;

	fuzz_sample_fixed(&s);
	sample_rules(p, &s);
	check_model(p, MSRTRAP_READ, &s);
	check_model(p, MSRTRAP_WRITE, &s);
	check_filter(p, &s);
	check_map(p, MSRTRAP_FMT_VMX, &s);
	check_map(p, MSRTRAP_FMT_SVM, &s);
	check_canonical(p);
	msrtrap_policy_free(p);
	return 0;
}
