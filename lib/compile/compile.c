// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policies to KVM filters and hardware maps and back, and the difference
 * of two policies. Everything works on the canonical model (per access,
 * the sorted maximal intervals whose verdict differs from the default),
 * never MSR by MSR over the 32-bit space:
 *  - to a KVM filter: the model is handed to the optimal packer
 *    (pack.c, docs/packing.md) with the KVM limits;
 *  - to a map: the allowed intervals, clipped to the format's spans, are
 *    cleared in an all-intercept map a 64-bit word at a time;
 *  - from a filter: the filter's verdict is constant between range edges
 *    (and the x2APIC window's), so only the MSRs inside ranges are read
 *    bit by bit (at most 16 * 0x3000 per access);
 *  - from a map: its pass-through runs;
 *  - diff: a merge of the two models' runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/compile.h>
#include <msrtrap/filter.h>
#include <msrtrap/map.h>

#include "compile/pack/pack.h"
#include "policy/policy_internal.h"
#include "util/opts.h"
#include "util/sort.h"
#include "util/vec.h"

/* ---- interval lists ---------------------------------------------------- */

struct ivec {
	struct msrtrap_interval *v;
	size_t n, cap;
	int err;
};

/* Append [first, last], merging with the last interval when they touch. */
static void ivec_add(struct ivec *iv, uint32_t first, uint32_t last)
{
	if (iv->err)
		return;
	if (iv->n && (uint64_t)iv->v[iv->n - 1].last + 1 >= first) {
		if (last > iv->v[iv->n - 1].last)
			iv->v[iv->n - 1].last = last;
		return;
	}
	if (mt_vec_reserve(&iv->v, &iv->cap, iv->n + 1)) {
		iv->err = -ENOMEM;
		return;
	}
	iv->v[iv->n++] = (struct msrtrap_interval){ first, last };
}

/*
 * Runs of constant verdict of one access of a policy, walked forward:
 * the verdict at `pos` and the last MSR of its run. *idx is a cursor
 * into the exception list that only moves forward (start at 0).
 */
static bool run_at(const struct msrtrap_policy *p, int ai, uint64_t pos,
		   size_t *idx, uint64_t *end)
{
	const struct msrtrap_interval *e = p->exc[ai];
	size_t n = p->nexc[ai];

	while (*idx < n && e[*idx].last < pos)
		(*idx)++;
	if (*idx < n && e[*idx].first <= pos) {
		*end = e[*idx].last;
		return !p->default_allow;
	}
	*end = *idx < n ? (uint64_t)e[*idx].first - 1 : UINT32_MAX;
	return p->default_allow;
}

/* The MSRs one access allows, as sorted maximal intervals. */
static int allowed_list(const struct msrtrap_policy *p, int ai,
			struct ivec *out)
{
	uint64_t pos = 0, end;
	size_t idx = 0;

	while (pos <= UINT32_MAX) {
		if (run_at(p, ai, pos, &idx, &end))
			ivec_add(out, (uint32_t)pos, (uint32_t)end);
		pos = end + 1;
	}
	return out->err;
}

/* ---- KVM filter ---------------------------------------------------------- */

/*
 * Zero a caller's report, as far as its sz goes, keeping sz: -EINVAL when
 * sz cannot even hold itself (<msrtrap/compile.h>).
 */
static int report_clear(struct msrtrap_pack_report *report)
{
	size_t sz = report->sz;

	if (sz < sizeof(report->sz))
		return -EINVAL;
	if (sz > sizeof(*report))
		sz = sizeof(*report);
	memset((char *)report + sizeof(report->sz), 0, sz - sizeof(report->sz));
	return 0;
}

/* Does a caller's report reach as far as its spans pointer? */
static bool report_has_spans(const struct msrtrap_pack_report *report)
{
	/* the size of the pointer member itself is meant: */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	return report->sz >= mt_offsetofend(struct msrtrap_pack_report, spans);
}

void msrtrap_pack_report_fini(struct msrtrap_pack_report *report)
{
	if (!report || report->sz < sizeof(report->sz))
		return;
	if (report_has_spans(report))
		free(report->spans);
	report_clear(report);
}

/* MSRs of a sorted disjoint list inside [lo, hi]. */
static uint64_t count_inside(const struct msrtrap_interval *v, size_t n,
			     uint32_t lo, uint32_t hi)
{
	uint64_t c = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t a = v[i].first > lo ? v[i].first : lo;
		uint32_t b = v[i].last < hi ? v[i].last : hi;

		if (a <= b)
			c += (uint64_t)b - a + 1;
	}
	return c;
}

/*
 * MSRs outside the x2APIC window whose read or write verdict differs
 * from `dflt`: one QEMU-style range each. (MSR 0xffffffff, which no
 * range can hold, counts too: the comparison is about sizes.)
 */
static uint64_t naive_count(const struct msrtrap_policy *p, bool dflt)
{
	uint64_t pos = 0, total = 0, er, ew, end;
	size_t ir = 0, iw = 0;

	while (pos <= UINT32_MAX) {
		bool r = run_at(p, 0, pos, &ir, &er);
		bool w = run_at(p, 1, pos, &iw, &ew);

		end = er < ew ? er : ew;
		if (r != dflt || w != dflt) {
			struct msrtrap_interval iv = { (uint32_t)pos, (uint32_t)end };

			total += end - pos + 1 -
				 count_inside(&iv, 1, MSRTRAP_X2APIC_FIRST,
					      MSRTRAP_X2APIC_LAST);
		}
		pos = end + 1;
	}
	return total;
}

static enum msrtrap_access flags_access(uint32_t flags)
{
	/* the kernel's KVM_MSR_FILTER_READ/WRITE equal MSRTRAP_READ/WRITE */
	return flags & (MSRTRAP_READ | MSRTRAP_WRITE);
}

/* The QEMU-style filter's size, for comparison (<msrtrap/compile.h>). */
static void naive_fill(const struct msrtrap_policy *p,
		       struct msrtrap_pack_report *rep)
{
	uint64_t na = naive_count(p, true), nd = naive_count(p, false);

	/* a deny filter needs a range, even one that holds nothing */
	if (!nd)
		nd = 1;
	rep->naive_ranges = na < nd ? na : nd;
	rep->naive_bytes = 8 * rep->naive_ranges;
}

/*
 * Hand a complete report of ours to the caller's, as far as its sz goes;
 * the spans stay ours (and are freed) when it cannot hold the pointer.
 */
static void report_hand_over(struct msrtrap_pack_report *report,
			     struct msrtrap_pack_report *ours)
{
	/* the caller's sz was checked by report_clear() */
	if (report && !mt_out_copy(report, ours, sizeof(*ours)) &&
	    report_has_spans(report))
		ours->spans = NULL;
	msrtrap_pack_report_fini(ours);
}

int msrtrap_policy_to_filter(const struct msrtrap_policy *p,
			     struct msrtrap_filter **out,
			     struct msrtrap_pack_report *report)
{
	struct mt_pack_params params = MT_PACK_PARAMS_KVM;
	struct msrtrap_pack_report ours;
	struct mt_pack_policy pp;
	int err;

	if (out)
		*out = NULL;
	if (report && report_clear(report))
		return -EINVAL;
	if (!p)
		return -EINVAL;
	pp = (struct mt_pack_policy){
		.default_allow = p->default_allow,
		.read = p->exc[0],
		.nread = p->nexc[0],
		.write = p->exc[1],
		.nwrite = p->nexc[1],
	};
	err = mt_pack(&pp, &params, out, &ours);
	if (!err || err == -E2BIG) {
		naive_fill(p, &ours);
		report_hand_over(report, &ours);
	} else {
		msrtrap_pack_report_fini(&ours);
	}
	return err;
}

/* ---- hardware maps ----------------------------------------------------- */

int msrtrap_policy_to_map(const struct msrtrap_policy *p,
			  enum msrtrap_format fmt, struct msrtrap_map **out)
{
	struct msrtrap_map *map = NULL;
	uint32_t sfirst, slast;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!p || !msrtrap_format_size(fmt))
		return -EINVAL;
	err = msrtrap_map_new(fmt, NULL, &map);
	if (err)
		return err;
	for (int ai = 0; ai < 2 && !err; ai++) {
		enum msrtrap_access access = ai ? MSRTRAP_WRITE : MSRTRAP_READ;
		struct ivec allow = { 0 };

		err = allowed_list(p, ai, &allow);
		for (unsigned int s = 0; !err &&
		     msrtrap_format_span(fmt, s, &sfirst, &slast) == 0; s++) {
			for (size_t i = 0; i < allow.n && !err; i++) {
				uint32_t a = allow.v[i].first, b = allow.v[i].last;

				if (a < sfirst)
					a = sfirst;
				if (b > slast)
					b = slast;
				if (a <= b)
					err = msrtrap_map_clear_range(map, a, b, access);
			}
		}
		free(allow.v);
	}
	if (err) {
		msrtrap_map_free(map);
		return err;
	}
	*out = map;
	return 0;
}

/*
 * Unless err, the policy with default `dflt` whose read and write
 * exceptions are iv[0] and iv[1]; the lists are freed either way.
 */
static int policy_from_lists(int err, bool dflt, struct ivec iv[2],
			     struct msrtrap_policy **out)
{
	if (!err)
		err = msrtrap_policy_from_intervals(dflt, iv[0].v, iv[0].n,
						    iv[1].v, iv[1].n, out);
	free(iv[0].v);
	free(iv[1].v);
	return err;
}

int msrtrap_policy_from_map(const struct msrtrap_map *map,
			    struct msrtrap_policy **out)
{
	struct ivec pass[2] = { { 0 }, { 0 } };
	int err = 0;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!map)
		return -EINVAL;
	for (int ai = 0; ai < 2 && !err; ai++) {
		enum msrtrap_access access = ai ? MSRTRAP_WRITE : MSRTRAP_READ;
		uint64_t cursor = 0;
		uint32_t first, last;
		int more;

		while ((more = msrtrap_map_next_pass(map, access, &cursor,
						     &first, &last)) == 1)
			ivec_add(&pass[ai], first, last);
		err = more < 0 ? more : pass[ai].err;
	}
	return policy_from_lists(err, false, pass, out);
}

/* ---- decompiling a KVM filter ------------------------------------------ */

/* A non-empty range that can match (base + nmsrs does not wrap). */
struct frange {
	uint64_t start, end; /* [start, end) */
	enum msrtrap_access access;
	const uint8_t *bitmap;
};

/*
 * The exceptions (verdicts other than `dflt`) of one access. Between two
 * consecutive edges (range starts and ends, the x2APIC window, 0 and
 * 2^32) the same range decides, or none does: its bits are read there,
 * the default or the x2APIC exemption applies elsewhere.
 */
static int filter_exceptions(const struct frange *fr, size_t nfr,
			     enum msrtrap_access access, bool dflt, struct ivec *out)
{
	uint64_t edges[2 * MSRTRAP_KVM_MSR_FILTER_MAX_RANGES + 4];
	size_t ne = 0;

	edges[ne++] = 0;
	edges[ne++] = MSRTRAP_X2APIC_FIRST;
	edges[ne++] = (uint64_t)MSRTRAP_X2APIC_LAST + 1;
	edges[ne++] = 1ull << 32;
	for (size_t i = 0; i < nfr; i++) {
		if (!(fr[i].access & access))
			continue;
		edges[ne++] = fr[i].start;
		edges[ne++] = fr[i].end;
	}
	mt_sort(edges, ne, sizeof(edges[0]), mt_cmp_u64);

	for (size_t k = 0; k + 1 < ne; k++) {
		uint64_t lo = edges[k], hi = edges[k + 1]; /* [lo, hi) */
		const struct frange *r = NULL;

		if (lo == hi)
			continue;
		if (lo >= MSRTRAP_X2APIC_FIRST && hi <= (uint64_t)MSRTRAP_X2APIC_LAST + 1) {
			if (!dflt)
				ivec_add(out, (uint32_t)lo, (uint32_t)(hi - 1));
			continue;
		}
		for (size_t i = 0; i < nfr && !r; i++)
			if ((fr[i].access & access) && fr[i].start <= lo &&
			    hi <= fr[i].end)
				r = &fr[i];
		if (!r)
			continue; /* the default decides */
		for (uint64_t m = lo; m < hi;) {
			uint64_t bit = m - r->start;
			bool allow = (r->bitmap[bit / 8] >> (bit % 8)) & 1;
			uint64_t stop = m + 1;

			/* whole bytes at once where they agree */
			while (stop < hi) {
				uint64_t b = stop - r->start;
				uint8_t byte = r->bitmap[b / 8];

				if (b % 8 == 0 && stop + 8 <= hi &&
				    byte == (allow ? 0xff : 0x00)) {
					stop += 8;
					continue;
				}
				if (((byte >> (b % 8)) & 1) != allow)
					break;
				stop++;
			}
			if (allow != dflt)
				ivec_add(out, (uint32_t)m, (uint32_t)(stop - 1));
			m = stop;
		}
	}
	return out->err;
}

int msrtrap_policy_from_filter(const struct msrtrap_filter *f,
			       struct msrtrap_policy **out)
{
	struct frange fr[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES];
	struct ivec exc[2] = { { 0 }, { 0 } };
	size_t nfr = 0;
	bool dflt;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!f)
		return -EINVAL;
	err = msrtrap_filter_validate(f, NULL);
	if (err)
		return err;
	dflt = !(msrtrap_filter_flags(f) & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY);
	for (unsigned int i = 0; i < msrtrap_filter_nranges(f); i++) {
		struct msrtrap_filter_range r;

		if (msrtrap_filter_range(f, i, &r) || !r.nmsrs)
			continue;
		/* a range whose u32 end wraps matches nothing (invariant 26) */
		if ((uint64_t)r.base + r.nmsrs > UINT32_MAX)
			continue;
		fr[nfr++] = (struct frange){
			.start = r.base,
			.end = (uint64_t)r.base + r.nmsrs,
			.access = flags_access(r.flags),
			.bitmap = r.bitmap, /* validated: ceil(nmsrs/64)*8 bytes */
		};
	}
	err = filter_exceptions(fr, nfr, MSRTRAP_READ, dflt, &exc[0]);
	if (!err)
		err = filter_exceptions(fr, nfr, MSRTRAP_WRITE, dflt, &exc[1]);
	return policy_from_lists(err, dflt, exc, out);
}

/* ---- diff -------------------------------------------------------------- */

long msrtrap_policy_diff(const struct msrtrap_policy *a,
			 const struct msrtrap_policy *b, enum msrtrap_access access,
			 struct msrtrap_interval *buf, size_t n)
{
	int ai = mt_access_index(access);
	uint64_t pos = 0, ea, eb, end;
	size_t ia = 0, ib = 0, count = 0;
	bool prev = false, pva = false;

	if (!a || !b || ai < 0 || (!buf && n))
		return -EINVAL;
	while (pos <= UINT32_MAX) {
		bool va = run_at(a, ai, pos, &ia, &ea);
		bool vb = run_at(b, ai, pos, &ib, &eb);

		end = ea < eb ? ea : eb;
		if (va != vb) {
			/* runs alternate, but merge defensively */
			if (prev && pva == va) {
				if (count <= n)
					buf[count - 1].last = (uint32_t)end;
			} else {
				if (count < n)
					buf[count] = (struct msrtrap_interval){
						(uint32_t)pos, (uint32_t)end };
				count++;
			}
			pva = va;
		}
		prev = va != vb;
		pos = end + 1;
	}
	return (long)count;
}
