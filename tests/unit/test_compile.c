// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Compiling policies (lib/compile/compile.c): to KVM filters through the
 * packer, to VMX/SVM maps, back from filters and maps, and the diff of
 * two policies. Fixed cases, then property tests over thousands of random
 * policies:
 *  - the KVM filter gives the policy's verdict for every MSR of the
 *    windows where MSRs live (0-0x3fff, 0x40000000-0x400001ff,
 *    0x4b564d00-0x4b564dff, 0xc0000000-0xc0003fff, 0xc0010000-
 *    0xc0013fff; x2APIC 0x800-0x8ff is always allowed instead), at every
 *    edge of the policy's intervals and at random 32-bit MSRs; it is
 *    valid and its report adds up;
 *  - a VMX/SVM map passes through exactly what the policy allows, over
 *    every representable MSR, and intercepts everything else;
 *  - decompiling gives the same verdicts over the whole 2^32 domain
 *    (checked one MSR per piece of constant verdict: both sides are
 *    constant between the edges of their intervals), and the canonical
 *    text of the expected policy;
 *  - msrtrap_policy_diff() equals a segment-by-segment comparison.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <msrtrap/filter.h>
#include <msrtrap/map.h>
#include <msrtrap/compile.h>

#include "testfilter.h"
#include "testpolicy.h"
#include "testutil.h"
#include "testtext.h"

#define R MSRTRAP_READ
#define W MSRTRAP_WRITE

/* ---- helpers ------------------------------------------------------------ */

/* Print a text as TAP comment lines. */
static void print_commented(const char *text)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		int n = nl ? (int)(nl - text) : (int)strlen(text);

		printf("#   %.*s\n", n, text);
		text += n + (nl != NULL);
	}
}

static struct msrtrap_policy *parse(const char *text)
{
	MSRTRAP_OPTS(msrtrap_policy_opts, opts);
	struct msrtrap_policy *p = NULL;
	int err = msrtrap_policy_parse(text, strlen(text), &opts, &p, NULL);

	if (err) {
		printf("# cannot parse:\n");
		print_commented(text);
	}
	assert_int_equal(err, 0);
	return p;
}

static bool allows(const struct msrtrap_policy *p, uint32_t msr,
		   unsigned int access)
{
	int v = msrtrap_policy_verdict(p, msr, access);

	assert_true(v == 0 || v == 1);
	return v == 1;
}

static bool x2apic(uint32_t msr)
{
	return msr >= 0x800 && msr <= 0x8ff;
}

/* A growable list of MSR numbers. */
struct pts {
	uint64_t *v;
	size_t n, cap;
};

static void pts_add(struct pts *s, uint64_t x)
{
	if (x > UINT32_MAX)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		assert_non_null(s->v);
	}
	s->v[s->n++] = x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void pts_sort(struct pts *s)
{
	size_t m = 0;

	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (size_t i = 0; i < s->n; i++)
		if (!m || s->v[m - 1] != s->v[i])
			s->v[m++] = s->v[i];
	s->n = m;
}

/* Where a policy's verdicts may change: 0, and every interval's edges. */
static void add_edges(struct pts *s, const struct msrtrap_policy *p)
{
	pts_add(s, 0);
	for (unsigned int a = R; a <= W; a++) {
		long n = msrtrap_policy_exceptions(p, a, NULL, 0);
		struct msrtrap_interval *v = malloc(((size_t)n + 1) * sizeof(*v));

		assert_true(n >= 0);
		assert_non_null(v);
		assert_int_equal(msrtrap_policy_exceptions(p, a, v, (size_t)n), n);
		for (long i = 0; i < n; i++) {
			pts_add(s, v[i].first);
			pts_add(s, (uint64_t)v[i].last + 1);
		}
		free(v);
	}
}

/*
 * Compare two policies over the whole 2^32 domain, one MSR per piece of
 * constant verdict (the pieces between the edges of both). `expect`
 * maps p's verdict at an MSR to the one q must give (NULL: the same).
 */
typedef bool (*expect_fn)(uint32_t msr, unsigned int access, bool v);

static void expect_policies(const struct msrtrap_policy *p,
			    const struct msrtrap_policy *q, expect_fn expect,
			    const uint64_t *extra, size_t nextra)
{
	struct pts s = { 0 };

	add_edges(&s, p);
	add_edges(&s, q);
	for (size_t i = 0; i < nextra; i++)
		pts_add(&s, extra[i]);
	pts_sort(&s);
	for (size_t i = 0; i < s.n; i++) {
		uint32_t msr = (uint32_t)s.v[i];

		for (unsigned int a = R; a <= W; a++) {
			bool v = allows(p, msr, a);
			bool want = expect ? expect(msr, a, v) : v;

			if (allows(q, msr, a) != want)
				printf("# msr 0x%x access %u: %d, want %d\n", msr,
				       a, allows(q, msr, a), want);
			assert_int_equal(allows(q, msr, a), want);
		}
	}
	free(s.v);
}

static void expect_text_equal(const struct msrtrap_policy *p,
			      const struct msrtrap_policy *q)
{
	char *a, *b;

	assert_int_equal(msrtrap_policy_to_text(p, &a), 0);
	assert_int_equal(msrtrap_policy_to_text(q, &b), 0);
	if (strcmp(a, b)) {
		printf("# canonical texts differ:\n");
		print_commented(a);
		printf("# ---\n");
		print_commented(b);
	}
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* ---- random policies ---------------------------------------------------- */

/* Where real MSRs cluster, and the edges that are easy to get wrong. */
static const uint32_t centers[] = {
	0x0, 0x10, 0x174, 0x277, 0x7f0, 0x800, 0x8ff, 0x900, 0x1fff, 0x2fff,
	0x3000, 0x40000000, 0x4b564d00, 0xc0000000, 0xc0000080, 0xc0001fff,
	0xc0010000, 0xc0011fff, 0xc0012000, 0xfffff000, 0xffffffff,
};

static uint32_t clustered(void)
{
	uint32_t c = centers[test_below(sizeof(centers) / sizeof(centers[0]))];

	switch (test_below(8)) {
	case 0:
		return test_rand32();
	case 1:
		return c;
	default: /* near the center, on either side */
		return c + (test_below(0x400) - 0x200);
	}
}

enum shape {
	SHAPE_TIGHT, /* intervals of at most 0x400 MSRs */
	SHAPE_ANY,   /* up to the whole 32-bit space */
	SHAPE_WIDE,  /* short intervals anywhere: usually > 16 ranges */
};

/*
 * A random policy text: `nrules` rules of 1 to `maxtargets` targets
 * (single MSRs and intervals), near the interesting places.
 *
 * The KVM tests use SHAPE_TIGHT: the packer's byte phase can take
 * minutes on policies with long unaligned intervals (see the report of
 * this change), so long intervals are left to the fixed cases and the
 * CLI examples there; the map and diff tests take every shape.
 */
static void random_policy(struct mt_strbuf *t, unsigned int nrules,
			  unsigned int maxtargets, enum shape shape)
{
	static const char *const acc[] = { "r", "w", "rw" };

	t->len = 0;
	tx(t, "%s", "");
	switch (test_below(3)) {
	case 0:
		tx(t, "default allow\n");
		break;
	case 1:
		tx(t, "default deny\n");
		break;
	default: /* implicit allow */
		break;
	}
	for (unsigned int i = 0; i < nrules; i++) {
		unsigned int ntargets = 1 + test_below(maxtargets);

		tx(t, "%s %s", test_below(2) ? "allow" : "deny", acc[test_below(3)]);
		for (unsigned int k = 0; k < ntargets; k++) {
			uint32_t first = shape == SHAPE_WIDE ? test_rand32() : clustered();
			uint32_t len;

			switch (test_below(shape == SHAPE_ANY ? 6 : 4)) {
			case 0:
				len = 1;
				break;
			case 1:
			case 2:
				len = 1 + test_below(64);
				break;
			case 3:
				len = 1 + test_below(shape == SHAPE_WIDE ? 64 : 0x400);
				break;
			case 4:
				len = 1 + test_below(0x8000);
				break;
			default:
				len = test_rand32();
				break;
			}
			if ((uint64_t)first + len - 1 > UINT32_MAX)
				len = UINT32_MAX - first + 1;
			if (len == 1)
				tx(t, " 0x%x", first);
			else
				tx(t, " 0x%x-0x%x", first, first + (len - 1));
		}
		tx(t, "\n");
	}
}

/* ---- KVM filters ------------------------------------------------------- */

static const struct msrtrap_interval windows[] = {
	{ 0x0, 0x3fff },
	{ 0x40000000, 0x400001ff },
	{ 0x4b564d00, 0x4b564dff },
	{ 0xc0000000, 0xc0003fff },
	{ 0xc0010000, 0xc0013fff },
};

/* The verdict a KVM filter must give where the policy says v. */
static bool kvm_expect(uint32_t msr, unsigned int access, bool v)
{
	(void)access;
	return x2apic(msr) || v;
}

/* MSRs (outside x2APIC) whose verdict, for either access, is not d. */
static uint64_t naive_reference(const struct msrtrap_policy *p, bool d)
{
	struct pts s = { 0 };
	uint64_t total = 0;

	add_edges(&s, p);
	pts_add(&s, 0x800);
	pts_add(&s, 0x900);
	pts_sort(&s);
	for (size_t i = 0; i < s.n; i++) {
		uint64_t end = i + 1 < s.n ? s.v[i + 1] : 1ull << 32;
		uint32_t m = (uint32_t)s.v[i];

		if (x2apic(m))
			continue;
		if (allows(p, m, R) != d || allows(p, m, W) != d)
			total += end - s.v[i];
	}
	free(s.v);
	return total;
}

struct kvm_stats {
	unsigned long ok, e2big, erange, ranges[17];
};

/* Everything a compiled filter must satisfy. */
static void check_filter(const struct msrtrap_policy *p,
			 const struct msrtrap_filter *f,
			 const struct msrtrap_pack_report *rep)
{
	struct msrtrap_cfilter *cf = NULL;
	MSRTRAP_OPTS(msrtrap_error, diag);
	unsigned int nonempty = 0;
	uint64_t bytes = 0, nd, na;

	/* valid, and the report describes it */
	assert_int_equal(msrtrap_filter_validate(f, &diag), 0);
	for (unsigned int i = 0; i < msrtrap_filter_nranges(f); i++) {
		struct msrtrap_filter_range r;

		assert_int_equal(msrtrap_filter_range(f, i, &r), 0);
		if (!r.nmsrs)
			continue;
		nonempty++;
		bytes += msrtrap_kvm_bitmap_bytes(r.nmsrs);
		assert_true(i < rep->nspans);
		assert_int_equal(rep->spans[i].first, r.base);
		assert_int_equal(rep->spans[i].last, r.base + r.nmsrs - 1);
		assert_int_equal(rep->spans[i].access, r.flags);
		assert_int_equal(rep->spans[i].count, 1);
	}
	assert_int_equal(nonempty, rep->nranges);
	assert_int_equal(rep->nspans, rep->nranges);
	assert_true(rep->nranges <= 16);
	assert_int_equal(bytes, rep->bytes);
	assert_int_equal(rep->default_allow,
			 !(msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY));
	na = naive_reference(p, true);
	nd = naive_reference(p, false);
	if (!nd)
		nd = 1;
	assert_int_equal(rep->naive_ranges, na < nd ? na : nd);
	assert_int_equal(rep->naive_bytes, 8 * rep->naive_ranges);

	assert_int_equal(msrtrap_cfilter_new(f, &cf, &diag), 0);
	/* exhaustively over the windows where MSRs live */
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		for (uint64_t m = windows[w].first; m <= windows[w].last; m++) {
			uint32_t msr = (uint32_t)m;

			for (unsigned int a = R; a <= W; a++) {
				bool want = kvm_expect(msr, a, allows(p, msr, a));

				if (msrtrap_cfilter_allowed(cf, msr, a) != want)
					printf("# msr 0x%x access %u: filter %d, want %d\n",
					       msr, a, !want, want);
				assert_int_equal(msrtrap_cfilter_allowed(cf, msr, a), want);
			}
		}
	}
	/* every edge of the policy's intervals, and random MSRs */
	{
		struct pts s = { 0 };

		add_edges(&s, p);
		for (size_t i = 0, n = s.n; i < n; i++) {
			pts_add(&s, s.v[i] - (s.v[i] > 0));
			pts_add(&s, s.v[i] + 1);
		}
		for (int i = 0; i < 256; i++)
			pts_add(&s, test_rand32());
		pts_add(&s, UINT32_MAX);
		for (size_t i = 0; i < s.n; i++) {
			uint32_t msr = (uint32_t)s.v[i];

			for (unsigned int a = R; a <= W; a++) {
				bool want = kvm_expect(msr, a, allows(p, msr, a));

				assert_int_equal(msrtrap_cfilter_allowed(cf, msr, a), want);
				assert_int_equal(msrtrap_filter_allowed(f, msr, a), want);
			}
		}
		free(s.v);
	}
	msrtrap_cfilter_free(cf);
}

/* p with the x2APIC MSRs allowed: what a KVM filter carries out. */
static struct msrtrap_policy *with_x2apic(const struct msrtrap_policy *p)
{
	struct msrtrap_interval *r, *w;
	size_t nr = allowed_set(p, R, &r), nw = allowed_set(p, W, &w);
	struct msrtrap_policy *q;

	r[nr++] = (struct msrtrap_interval){ 0x800, 0x8ff };
	w[nw++] = (struct msrtrap_interval){ 0x800, 0x8ff };
	assert_int_equal(msrtrap_policy_from_intervals(false, r, nr, w, nw, &q), 0);
	free(r);
	free(w);
	return q;
}

/* policy -> filter -> policy: the same verdicts, x2APIC allowed. */
static void check_filter_round_trip(const struct msrtrap_policy *p,
				    const struct msrtrap_filter *f,
				    const struct msrtrap_pack_report *rep)
{
	static const uint64_t extra[] = { 0x7ff, 0x800, 0x8ff, 0x900 };
	MSRTRAP_OPTS(msrtrap_pack_report, rep2);
	struct msrtrap_policy *back, *want;
	struct msrtrap_filter *f2;

	assert_int_equal(msrtrap_policy_from_filter(f, &back), 0);
	expect_policies(p, back, kvm_expect, extra, 4);
	want = with_x2apic(p);
	expect_text_equal(back, want);
	/* and compiling it again costs the same (x2APIC is don't-care) */
	assert_int_equal(msrtrap_policy_to_filter(back, &f2, &rep2), 0);
	assert_int_equal(rep2.nranges, rep->nranges);
	assert_int_equal(rep2.bytes, rep->bytes);
	msrtrap_filter_free(f2);
	msrtrap_pack_report_fini(&rep2);
	msrtrap_policy_free(want);
	msrtrap_policy_free(back);
}

static void check_kvm(const struct msrtrap_policy *p, const char *text,
		      struct kvm_stats *st)
{
	MSRTRAP_OPTS(msrtrap_pack_report, rep);
	struct msrtrap_filter *f = (void *)1;
	uint64_t sum = 0;
	int err = msrtrap_policy_to_filter(p, &f, &rep);

	if (err == -ERANGE) {
		/* only when 0xffffffff, which no range holds, has r != w */
		assert_null(f);
		assert_int_not_equal(allows(p, UINT32_MAX, R),
				     allows(p, UINT32_MAX, W));
		st->erange++;
		msrtrap_pack_report_fini(&rep);
		return;
	}
	if (err == -E2BIG) {
		assert_null(f);
		assert_true(rep.nranges > 16);
		for (size_t i = 0; i < rep.nspans; i++) {
			assert_true(rep.spans[i].first <= rep.spans[i].last);
			assert_true(rep.spans[i].access >= R &&
				    rep.spans[i].access <= MSRTRAP_RW);
			assert_true(rep.spans[i].count >= 1);
			sum += rep.spans[i].count;
		}
		assert_int_equal(sum, rep.nranges);
		st->e2big++;
		msrtrap_pack_report_fini(&rep);
		return;
	}
	if (err) {
		printf("# to_filter: %d for\n", err);
		print_commented(text);
	}
	assert_int_equal(err, 0);
	assert_non_null(f);
	check_filter(p, f, &rep);
	check_filter_round_trip(p, f, &rep);
	st->ok++;
	st->ranges[rep.nranges]++;
	msrtrap_filter_free(f);
	msrtrap_pack_report_fini(&rep);
}

/* ---- maps -------------------------------------------------------------- */

static enum msrtrap_format map_fmt;

/* Outside the format's spans a map always intercepts. */
static bool map_expect(uint32_t msr, unsigned int access, bool v)
{
	(void)access;
	return v && msrtrap_format_covers(map_fmt, msr);
}

static void check_map(const struct msrtrap_policy *p, enum msrtrap_format fmt)
{
	uint64_t extra[16];
	size_t nextra = 0;
	struct msrtrap_policy *back, *want;
	struct msrtrap_interval *r, *w, *rc, *wc;
	size_t nr, nw, nrc = 0, nwc = 0;
	struct msrtrap_map *map;
	uint32_t first, last;

	assert_int_equal(msrtrap_policy_to_map(p, fmt, &map), 0);
	assert_int_equal(msrtrap_map_format(map), fmt);
	/* every representable MSR passes through iff the policy allows it */
	for (unsigned int s = 0; msrtrap_format_span(fmt, s, &first, &last) == 0; s++) {
		for (uint64_t m = first; m <= last; m++) {
			uint32_t msr = (uint32_t)m;

			for (unsigned int a = R; a <= W; a++) {
				int t = msrtrap_map_test(map, msr, a);

				assert_true(t == 0 || t == (int)a);
				assert_int_equal(t == 0, allows(p, msr, a));
			}
		}
		extra[nextra++] = first;
		extra[nextra++] = (uint64_t)last + 1;
		if (first)
			assert_int_equal(msrtrap_map_test(map, first - 1, MSRTRAP_RW),
					 MSRTRAP_RW);
		if (last < UINT32_MAX)
			assert_int_equal(msrtrap_map_test(map, last + 1, MSRTRAP_RW),
					 MSRTRAP_RW);
	}
	/* the rest is intercepted, whatever the policy says */
	for (int i = 0; i < 256; i++) {
		uint32_t msr = test_rand32();

		if (!msrtrap_format_covers(fmt, msr))
			assert_int_equal(msrtrap_map_test(map, msr, MSRTRAP_RW),
					 MSRTRAP_RW);
	}

	/* policy -> map -> policy: the verdicts where representable */
	assert_int_equal(msrtrap_policy_from_map(map, &back), 0);
	map_fmt = fmt;
	expect_policies(p, back, map_expect, extra, nextra);
	nr = allowed_set(p, R, &r);
	nw = allowed_set(p, W, &w);
	rc = malloc((nr + 1) * 3 * sizeof(*rc));
	wc = malloc((nw + 1) * 3 * sizeof(*wc));
	assert_non_null(rc);
	assert_non_null(wc);
	for (unsigned int s = 0; msrtrap_format_span(fmt, s, &first, &last) == 0; s++) {
		for (size_t i = 0; i < nr; i++)
			if (r[i].first <= last && r[i].last >= first)
				rc[nrc++] = (struct msrtrap_interval){
					r[i].first > first ? r[i].first : first,
					r[i].last < last ? r[i].last : last };
		for (size_t i = 0; i < nw; i++)
			if (w[i].first <= last && w[i].last >= first)
				wc[nwc++] = (struct msrtrap_interval){
					w[i].first > first ? w[i].first : first,
					w[i].last < last ? w[i].last : last };
	}
	assert_int_equal(msrtrap_policy_from_intervals(false, rc, nrc, wc, nwc, &want), 0);
	expect_text_equal(back, want);
	/* and back to the very same map */
	{
		struct msrtrap_map *again;

		assert_int_equal(msrtrap_policy_to_map(back, fmt, &again), 0);
		assert_memory_equal(msrtrap_map_data(again), msrtrap_map_data(map),
				    msrtrap_map_size(map));
		msrtrap_map_free(again);
	}
	msrtrap_policy_free(want);
	msrtrap_policy_free(back);
	free(r);
	free(w);
	free(rc);
	free(wc);
	msrtrap_map_free(map);
}

/* ---- diff -------------------------------------------------------------- */

/* The reference: segments of constant (a, b), merged, where they differ. */
static void check_diff(const struct msrtrap_policy *a,
		       const struct msrtrap_policy *b)
{
	for (unsigned int acc = R; acc <= W; acc++) {
		struct msrtrap_interval *want = NULL, *got;
		size_t nwant = 0;
		struct pts s = { 0 };
		long n;

		add_edges(&s, a);
		add_edges(&s, b);
		pts_sort(&s);
		want = malloc((s.n + 1) * sizeof(*want));
		assert_non_null(want);
		for (size_t i = 0; i < s.n; i++) {
			uint32_t m = (uint32_t)s.v[i];
			uint32_t end = i + 1 < s.n ? (uint32_t)(s.v[i + 1] - 1) : UINT32_MAX;
			bool va = allows(a, m, acc), vb = allows(b, m, acc);

			if (va == vb)
				continue;
			if (nwant && want[nwant - 1].last + 1 == m &&
			    allows(a, want[nwant - 1].first, acc) == va)
				want[nwant - 1].last = end;
			else
				want[nwant++] = (struct msrtrap_interval){ m, end };
		}
		n = msrtrap_policy_diff(a, b, acc, NULL, 0);
		assert_int_equal(n, (long)nwant);
		got = malloc(((size_t)n + 1) * sizeof(*got));
		assert_non_null(got);
		assert_int_equal(msrtrap_policy_diff(a, b, acc, got, (size_t)n), n);
		for (long i = 0; i < n; i++) {
			assert_int_equal(got[i].first, want[i].first);
			assert_int_equal(got[i].last, want[i].last);
		}
		/* a short buffer gets a prefix, the count stays */
		if (n > 1) {
			struct msrtrap_interval one;

			assert_int_equal(msrtrap_policy_diff(a, b, acc, &one, 1), n);
			assert_int_equal(one.first, want[0].first);
			assert_int_equal(one.last, want[0].last);
		}
		/* symmetric, and nothing against itself */
		assert_int_equal(msrtrap_policy_diff(b, a, acc, NULL, 0), n);
		assert_int_equal(msrtrap_policy_diff(a, a, acc, NULL, 0), 0);
		free(got);
		free(want);
		free(s.v);
	}
}

/* ---- fixed cases ------------------------------------------------------- */

static void test_kvm_fixed(void **state)
{
	static const struct {
		const char *text;
		int err;
		uint64_t nranges, bytes, naive;
	} cases[] = {
		/* nothing to filter: no range */
		{ "default allow\n", 0, 0, 0, 0 },
		{ "# empty\n", 0, 0, 0, 0 },
		/* a deny filter needs a range to be valid (spec §3.2) */
		{ "default deny\n", 0, 1, 8, 1 },
		{ "default deny\nallow rw @x2apic\n", 0, 1, 8, 1 },
		/* one MSR, one range */
		{ "default deny\nallow rw IA32_EFER\n", 0, 1, 8, 1 },
		{ "deny w IA32_PAT\n", 0, 1, 8, 1 },
		/* read-only and read-write MSRs cannot share a range */
		{ "default deny\nallow r 0x10\nallow rw 0x11\n", 0, 2, 16, 2 },
		/*
		 * 0x3000 MSRs fit one range; 0x3001 need two, and then the
		 * x2APIC MSRs can be left out: 0x0-0x7ff (0x100 bytes) and
		 * 0x900-0x3000 (0x4e8 bytes) beat 0x0-0x2fff and 0x3000
		 */
		{ "default deny\nallow rw 0x0-0x2fff\n", 0, 1, 0x600, 0x3000 - 0x100 },
		{ "default deny\nallow rw 0x0-0x3000\n", 0, 2, 0x5e8, 0x3001 - 0x100 },
		/*
		 * 0xffffffff: no range holds it, so the default must be its
		 * verdict: allow, and then every other MSR needs denying
		 */
		{ "default deny\nallow rw 0xffffffff\n", -E2BIG, 349526, 0, 0 },
		{ "default allow\ndeny rw 0xffffffff\n", -E2BIG, 349526, 0, 0 },
		{ "default deny\nallow r 0xffffffff\n", -ERANGE, 0, 0, 0 },
		/* x2APIC denials are don't-care */
		{ "default allow\ndeny rw @x2apic\n", 0, 0, 0, 0 },
		/* the whole space but 0xffffffff, denied: 349526 ranges */
		{ "default allow\ndeny rw 0-0xfffffffe\n", -E2BIG, 349526, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msrtrap_policy *p = parse(cases[i].text);
		MSRTRAP_OPTS(msrtrap_pack_report, rep);
		struct msrtrap_filter *f = NULL;
		int err = msrtrap_policy_to_filter(p, &f, &rep);

		printf("# %zu: err %d, %llu ranges, %llu bytes, naive %llu\n", i,
		       err, (unsigned long long)rep.nranges,
		       (unsigned long long)rep.bytes,
		       (unsigned long long)rep.naive_ranges);
		assert_int_equal(err, cases[i].err);
		if (err != -ERANGE)
			assert_int_equal(rep.nranges, cases[i].nranges);
		if (!err) {
			assert_int_equal(rep.bytes, cases[i].bytes);
			assert_int_equal(rep.naive_ranges, cases[i].naive);
			check_filter(p, f, &rep);
			check_filter_round_trip(p, f, &rep);
		}
		/* the report alone */
		msrtrap_pack_report_fini(&rep);
		assert_int_equal(msrtrap_policy_to_filter(p, NULL, &rep), err);
		if (err != -ERANGE)
			assert_int_equal(rep.nranges, cases[i].nranges);
		msrtrap_pack_report_fini(&rep);
		/* no report at all */
		msrtrap_filter_free(f);
		f = NULL;
		assert_int_equal(msrtrap_policy_to_filter(p, &f, NULL), err);
		msrtrap_filter_free(f);
		msrtrap_policy_free(p);
	}
}

/* KVM allows 16 ranges: 16 far-apart clusters compile, 17 do not. */
static void test_kvm_limit(void **state)
{
	struct mt_strbuf t = { 0 };

	(void)state;
	for (unsigned int n = 15; n <= 18; n++) {
		MSRTRAP_OPTS(msrtrap_pack_report, rep);
		struct msrtrap_filter *f = NULL;
		struct msrtrap_policy *p;
		int err;

		t.len = 0;
		tx(&t, "default deny\n");
		for (unsigned int i = 0; i < n; i++)
			tx(&t, "allow rw 0x%x-0x%x\n", 0x1000000 * i + 0x10000,
			   0x1000000 * i + 0x1000f);
		p = parse(t.s);
		err = msrtrap_policy_to_filter(p, &f, &rep);
		assert_int_equal(err, n <= 16 ? 0 : -E2BIG);
		assert_int_equal(rep.nranges, n);
		assert_int_equal(rep.nspans, n);
		if (err) {
			assert_null(f);
			/* the clusters that force them, each one range */
			for (unsigned int i = 0; i < n; i++) {
				bool found = false;

				for (size_t k = 0; k < rep.nspans; k++)
					found |= rep.spans[k].first == 0x1000000 * i + 0x10000 &&
						 rep.spans[k].last == 0x1000000 * i + 0x1000f &&
						 rep.spans[k].access == MSRTRAP_RW &&
						 rep.spans[k].count == 1;
				assert_true(found);
			}
		} else {
			assert_int_equal(rep.bytes, 8 * n);
			check_filter(p, f, &rep);
		}
		msrtrap_filter_free(f);
		msrtrap_pack_report_fini(&rep);
		msrtrap_policy_free(p);
	}
	free(t.s);
}

static void test_bad_arguments(void **state)
{
	struct msrtrap_policy *p = parse("default deny\nallow rw 0x10\n"), *q;
	MSRTRAP_OPTS(msrtrap_pack_report, rep);
	struct msrtrap_filter *f;
	struct msrtrap_map *m;
	struct msrtrap_interval iv;

	(void)state;
	assert_int_equal(msrtrap_policy_to_filter(NULL, &f, &rep), -EINVAL);
	msrtrap_pack_report_fini(&rep);
	msrtrap_pack_report_fini(NULL);
	assert_int_equal(msrtrap_policy_to_map(p, MSRTRAP_FMT_NONE, &m), -EINVAL);
	assert_int_equal(msrtrap_policy_to_map(NULL, MSRTRAP_FMT_VMX, &m), -EINVAL);
	assert_int_equal(msrtrap_policy_to_map(p, MSRTRAP_FMT_VMX, NULL), -EINVAL);
	assert_int_equal(msrtrap_policy_from_filter(NULL, &q), -EINVAL);
	assert_int_equal(msrtrap_policy_from_map(NULL, &q), -EINVAL);
	assert_int_equal(msrtrap_policy_diff(p, NULL, R, NULL, 0), -EINVAL);
	assert_int_equal(msrtrap_policy_diff(p, p, MSRTRAP_RW, NULL, 0), -EINVAL);
	assert_int_equal(msrtrap_policy_diff(p, p, R, NULL, 1), -EINVAL);
	assert_int_equal(msrtrap_policy_diff(p, p, R, &iv, 1), 0);

	/* an invalid filter does not decompile: the kernel's errno */
	assert_int_equal(msrtrap_filter_new(2, &f), 0);
	assert_int_equal(msrtrap_policy_from_filter(f, &q), -EINVAL);
	msrtrap_filter_free(f);
	assert_int_equal(msrtrap_filter_new(0, &f), 0);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 65, "\xff", 1), 0);
	assert_int_equal(msrtrap_policy_from_filter(f, &q), -EFAULT);
	msrtrap_filter_free(f);
	msrtrap_policy_free(p);
}

/* Decompiling hand-made filters: first match, wrap, x2APIC, flags. */
static void test_from_filter_fixed(void **state)
{
	static const uint8_t ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff };
	static const uint8_t zeros[16] = { 0 };
	struct msrtrap_filter *f;
	struct msrtrap_policy *p;
	char *text;

	(void)state;
	/* S7c: WRITE [0x270, +16) deny first, then RW [0x200, +0x100) allow */
	assert_int_equal(msrtrap_filter_new(1, &f), 0);
	assert_int_equal(msrtrap_filter_add_range(f, W, 0x270, 16, zeros, 8), 0);
	/* 0x100 MSRs: 32 bytes of ones */
	{
		uint8_t big[32];

		memset(big, 0xff, sizeof(big));
		assert_int_equal(msrtrap_filter_add_range(f, MSRTRAP_RW, 0x200,
							  0x100, big, 32), 0);
	}
	/* an empty slot, a wrapping range (matches nothing), x2APIC */
	assert_int_equal(msrtrap_filter_add_range(f, 0xff, 0, 0, NULL, 0), 0);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0xffffffff, 2, ones, 8), 0);
	assert_int_equal(msrtrap_filter_add_range(f, MSRTRAP_RW, 0x7f8, 16, zeros, 8), 0);
	assert_int_equal(msrtrap_policy_from_filter(f, &p), 0);
	assert_int_equal(msrtrap_policy_to_text(p, &text), 0);
	print_commented(text);
	assert_string_equal(text,
			    "default deny\n"
			    "allow w  0x200-0x26f            # IA32_MTRR_PHYSBASE0 .. IA32_MTRR_FIX4K_F8000 (31 known)\n"
			    "allow r  0x200-0x2ff            # IA32_MTRR_PHYSBASE0 .. IA32_MTRR_DEF_TYPE (63 known)\n"
			    "allow w  0x280-0x2ff            # IA32_MC0_CTL2 .. IA32_MTRR_DEF_TYPE (31 known)\n"
			    "allow rw 0x800-0x8ff            # @x2apic: IA32_X2APIC_APICID .. IA32_X2APIC_SELF_IPI (44 known)\n");
	free(text);
	for (uint32_t m = 0x1f0; m < 0x910; m++)
		for (unsigned int a = R; a <= W; a++)
			assert_int_equal(allows(p, m, a),
					 msrtrap_filter_allowed(f, m, a) == 1);
	msrtrap_policy_free(p);
	msrtrap_filter_free(f);
}

/* Maps: a known bitmap both ways, and the unrepresentable MSRs. */
static void test_maps_fixed(void **state)
{
	struct msrtrap_policy *p = parse("default allow\n"
					 "deny rw 0x10-0x1f\n"
					 "deny w IA32_EFER\n"
					 "deny r 0xc0011fff\n");
	struct msrtrap_policy *back;
	struct msrtrap_map *m;
	char *text;

	(void)state;
	assert_int_equal(msrtrap_policy_to_map(p, MSRTRAP_FMT_VMX, &m), 0);
	assert_int_equal(msrtrap_map_test(m, 0x10, MSRTRAP_RW), MSRTRAP_RW);
	assert_int_equal(msrtrap_map_test(m, 0x20, MSRTRAP_RW), 0);
	assert_int_equal(msrtrap_map_test(m, 0xc0000080, MSRTRAP_RW), W);
	assert_int_equal(msrtrap_map_test(m, 0x2000, MSRTRAP_RW), MSRTRAP_RW);
	assert_int_equal(msrtrap_policy_from_map(m, &back), 0);
	assert_int_equal(msrtrap_policy_to_text(back, &text), 0);
	print_commented(text);
	assert_string_equal(text,
			    "default allow\n"
			    "deny rw 0x10-0x1f               # IA32_TSC .. IA32_APIC_BASE (5 known)\n"
			    "deny rw 0x2000-0xbfffffff\n"
			    "deny w  0xc0000080              # IA32_EFER\n"
			    "deny rw 0xc0002000-0xffffffff\n");
	free(text);
	msrtrap_policy_free(back);
	msrtrap_map_free(m);

	assert_int_equal(msrtrap_policy_to_map(p, MSRTRAP_FMT_SVM, &m), 0);
	assert_int_equal(msrtrap_map_test(m, 0xc0011fff, MSRTRAP_RW), R);
	assert_int_equal(msrtrap_map_test(m, 0xc0011ffe, MSRTRAP_RW), 0);
	assert_int_equal(msrtrap_map_test(m, 0xc0012000, MSRTRAP_RW), MSRTRAP_RW);
	msrtrap_map_free(m);
	msrtrap_policy_free(p);
}

/* ---- property tests ------------------------------------------------------ */

static void test_random_kvm(void **state)
{
	unsigned int n = test_volume(4000);
	struct kvm_stats st = { 0 };
	struct mt_strbuf t = { 0 };

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_policy *p;

		/* mostly policies that fit, some that do not */
		if (i % 10)
			random_policy(&t, 1 + test_below(8), 2, SHAPE_TIGHT);
		else
			random_policy(&t, 12 + test_below(20), 2, SHAPE_WIDE);
		p = parse(t.s);
		check_kvm(p, t.s, &st);
		msrtrap_policy_free(p);
	}
	printf("# %u policies: %lu compiled, %lu need more than 16 ranges, "
	       "%lu have r != w at 0xffffffff\n", n, st.ok, st.e2big, st.erange);
	printf("# ranges used:");
	for (int i = 0; i <= 16; i++)
		printf(" %d:%lu", i, st.ranges[i]);
	printf("\n");
	/* the generator must exercise every outcome */
	assert_true(st.ok > n / 2);
	assert_true(st.e2big > 0);
	assert_true(st.ranges[0] + st.ranges[1] > 0);
	free(t.s);
}

static void test_random_maps(void **state)
{
	unsigned int n = test_volume(1000);
	struct mt_strbuf t = { 0 };

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_policy *p;

		random_policy(&t, 1 + test_below(16), 3, SHAPE_ANY);
		p = parse(t.s);
		check_map(p, i % 2 ? MSRTRAP_FMT_SVM : MSRTRAP_FMT_VMX);
		msrtrap_policy_free(p);
	}
	printf("# %u policies compiled to maps and back\n", n);
	free(t.s);
}

static void test_random_diff(void **state)
{
	unsigned int n = test_volume(2000);
	struct mt_strbuf t = { 0 };

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_policy *a, *b;

		random_policy(&t, 1 + test_below(12), 3, SHAPE_ANY);
		a = parse(t.s);
		/* b: often a small change of a, else unrelated */
		if (i % 2) {
			tx(&t, "%s rw 0x%x\n", test_below(2) ? "allow" : "deny",
			   clustered());
		} else {
			random_policy(&t, 1 + test_below(12), 3, SHAPE_ANY);
		}
		b = parse(t.s);
		check_diff(a, b);
		msrtrap_policy_free(a);
		msrtrap_policy_free(b);
	}
	printf("# %u pairs diffed\n", n);
	free(t.s);
}

/* Random valid filters decompile to their own verdicts. */
static void test_random_from_filter(void **state)
{
	unsigned int n = test_volume(1000);

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter *f;
		struct msrtrap_policy *p;
		struct pts s = { 0 };
		unsigned int nr = test_below(17);

		assert_int_equal(msrtrap_filter_new(test_below(2), &f), 0);
		for (unsigned int k = 0; k < nr; k++) {
			uint32_t nmsrs = test_below(4) ? 1 + test_below(256) :
							 1 + test_below(0x3000);
			uint32_t base = test_below(4) ? clustered() : test_rand32();
			uint8_t bm[0x600];
			size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);

			test_random_bitmap(bm, len, 3);
			if (test_below(8) == 0)
				nmsrs = 0; /* an empty slot */
			assert_int_equal(msrtrap_filter_add_range(f, 1 + test_below(3),
								  base, nmsrs, bm,
								  len), 0);
			if (nmsrs) {
				pts_add(&s, base);
				pts_add(&s, (uint64_t)base + nmsrs);
			}
		}
		if (msrtrap_filter_validate(f, NULL)) { /* deny, all empty */
			assert_int_equal(msrtrap_policy_from_filter(f, &p), -EINVAL);
			msrtrap_filter_free(f);
			free(s.v);
			continue;
		}
		assert_int_equal(msrtrap_policy_from_filter(f, &p), 0);
		/* inside ranges bit by bit, elsewhere at the edges */
		for (unsigned int k = 0; k < msrtrap_filter_nranges(f); k++) {
			struct msrtrap_filter_range r;

			msrtrap_filter_range(f, k, &r);
			for (uint64_t m = r.base; m < (uint64_t)r.base + r.nmsrs &&
						  m <= UINT32_MAX; m++)
				pts_add(&s, m);
		}
		add_edges(&s, p);
		for (size_t k = 0, cnt = s.n; k < cnt; k++)
			pts_add(&s, s.v[k] - (s.v[k] > 0));
		pts_add(&s, 0x7ff);
		pts_add(&s, 0x800);
		pts_add(&s, 0x8ff);
		pts_add(&s, 0x900);
		pts_add(&s, UINT32_MAX);
		for (size_t k = 0; k < s.n; k++)
			for (unsigned int a = R; a <= W; a++)
				assert_int_equal(allows(p, (uint32_t)s.v[k], a),
						 msrtrap_filter_allowed(f, (uint32_t)s.v[k], a) == 1);
		free(s.v);
		msrtrap_policy_free(p);
		msrtrap_filter_free(f);
	}
	printf("# %u random filters decompiled\n", n);
}

/*
 * The report is a caller-allocated output struct (<msrtrap/compile.h>):
 * a program built against an older, shorter struct gets exactly its
 * prefix filled and the bytes past its sz untouched; one built against
 * a longer struct keeps its extra bytes; an sz that cannot hold sz
 * itself is refused.
 */
static void test_report_sizes(void **state)
{
	struct msrtrap_policy *p = parse("default deny\nallow rw 0x10-0x20\n"
					 "allow r 0xc0000080\n");
	const size_t full = sizeof(struct msrtrap_pack_report);
	const size_t older = offsetof(struct msrtrap_pack_report, naive_ranges);
	MSRTRAP_OPTS(msrtrap_pack_report, want);
	union {
		struct msrtrap_pack_report r;
		unsigned char b[sizeof(struct msrtrap_pack_report) + 32];
	} u;
	struct msrtrap_filter *f = NULL;

	(void)state;
	assert_int_equal(msrtrap_policy_to_filter(p, NULL, &want), 0);
	assert_true(want.nspans >= 1 && want.naive_ranges >= 1);

	/* older: up to (without) naive_ranges */
	memset(u.b, 0xa5, sizeof(u.b));
	u.r.sz = older;
	assert_int_equal(msrtrap_policy_to_filter(p, &f, &u.r), 0);
	assert_int_equal(u.r.sz, older);
	assert_int_equal(u.r.default_allow, want.default_allow);
	assert_int_equal(u.r.nranges, want.nranges);
	assert_int_equal(u.r.bytes, want.bytes);
	assert_int_equal(u.r.nspans, want.nspans);
	for (size_t i = 0; i < want.nspans; i++) {
		assert_int_equal(u.r.spans[i].access, want.spans[i].access);
		assert_int_equal(u.r.spans[i].first, want.spans[i].first);
		assert_int_equal(u.r.spans[i].last, want.spans[i].last);
		assert_int_equal(u.r.spans[i].count, want.spans[i].count);
	}
	for (size_t i = older; i < sizeof(u.b); i++)
		assert_int_equal(u.b[i], 0xa5);
	msrtrap_pack_report_fini(&u.r);
	assert_int_equal(u.r.sz, older);
	assert_null(u.r.spans);
	for (size_t i = older; i < sizeof(u.b); i++)
		assert_int_equal(u.b[i], 0xa5);
	msrtrap_filter_free(f);

	/* too short for the spans pointer: the library keeps (frees) them */
	memset(u.b, 0xa5, sizeof(u.b));
	u.r.sz = offsetof(struct msrtrap_pack_report, spans);
	assert_int_equal(msrtrap_policy_to_filter(p, NULL, &u.r), 0);
	assert_int_equal(u.r.nranges, want.nranges);
	for (size_t i = offsetof(struct msrtrap_pack_report, spans);
	     i < sizeof(u.b); i++)
		assert_int_equal(u.b[i], 0xa5);
	msrtrap_pack_report_fini(&u.r);

	/* newer: 32 bytes more, left alone */
	memset(u.b, 0xa5, sizeof(u.b));
	u.r.sz = sizeof(u.b);
	assert_int_equal(msrtrap_policy_to_filter(p, NULL, &u.r), 0);
	assert_int_equal(u.r.sz, sizeof(u.b));
	assert_int_equal(u.r.naive_ranges, want.naive_ranges);
	assert_int_equal(u.r.naive_bytes, want.naive_bytes);
	assert_int_equal(u.r.bytes_proven, want.bytes_proven);
	for (size_t i = full; i < sizeof(u.b); i++)
		assert_int_equal(u.b[i], 0xa5);
	msrtrap_pack_report_fini(&u.r);

	/* no room for sz itself */
	memset(u.b, 0xa5, sizeof(u.b));
	u.r.sz = sizeof(size_t) - 1;
	assert_int_equal(msrtrap_policy_to_filter(p, &f, &u.r), -EINVAL);
	assert_null(f);
	for (size_t i = sizeof(size_t); i < sizeof(u.b); i++)
		assert_int_equal(u.b[i], 0xa5);
	msrtrap_pack_report_fini(&u.r);

	msrtrap_pack_report_fini(&want);
	msrtrap_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_fixed),
		cmocka_unit_test(test_kvm_limit),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_report_sizes),
		cmocka_unit_test(test_from_filter_fixed),
		cmocka_unit_test(test_maps_fixed),
		cmocka_unit_test(test_random_kvm),
		cmocka_unit_test(test_random_maps),
		cmocka_unit_test(test_random_diff),
		cmocka_unit_test(test_random_from_filter),
	};

	return TEST_MAIN(tests);
}
