// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The optimal KVM MSR filter packer's driver (docs/packing.md §6): build
 * the model for both filter defaults, count, pick the default, pack its
 * bytes and emit the filter. The phases live next door, one file per
 * section of the document: model.c (§2-3), count.c (§4), bytes.c (§5),
 * report.c (§5.6, §6.3); pack_internal.h has the vocabulary.
 */
#include <msrtrap/filter.h>

#include "pack_internal.h"

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Count with the dummy range a deny filter needs when it needs none. */
static uint64_t eff_count(const struct side *s)
{
	return !s->allow && s->count == 0 ? 1 : s->count;
}

static bool seg_starts_by(const void *elem, const void *key)
{
	return ((const struct eseg *)elem)->start <= *(const uint64_t *)key;
}

/* The segment holding m (the first one starts at 0). */
static size_t seg_find(const struct ctx *c, uint64_t m)
{
	return mt_lower_bound(c->seg, c->nseg, sizeof(*c->seg), &m,
			      seg_starts_by) - 1;
}

/*
 * The bits of piece q (of the side's sorted pieces, family blocks fb),
 * whose start is in segment si: an r (w) piece's bit is the wanted READ
 * (WRITE) verdict; a t piece's decides the accesses no single-access
 * piece before it decides (§2.4).
 */
static void fill_bitmap(const struct ctx *c, const struct side *s,
			const size_t fb[NFAM + 1], const struct piece *q,
			size_t si, uint8_t *bm)
{
	const struct piece *p = s->lpieces.p;
	bool pol_allow = c->pol->default_allow;

	for (uint64_t m = q->start; m < q->end; m++) {
		const struct eseg *e;
		bool r, w, bit;

		while (si + 1 < c->nseg && c->seg[si + 1].start <= m)
			si++;
		e = &c->seg[si];
		r = pol_allow ^ e->in_r; /* wanted verdicts */
		w = pol_allow ^ e->in_w;
		if (q->fam == FAM_R) {
			bit = r;
		} else if (q->fam == FAM_W) {
			bit = w;
		} else {
			bool sr = mt_pack_covered(p, fb[FAM_R], fb[FAM_R + 1], m);
			bool sw = mt_pack_covered(p, fb[FAM_W], fb[FAM_W + 1], m);

			bit = sr && !sw ? w : sr && sw ? s->allow : r;
		}
		if (bit)
			bm[(m - q->start) / 8] |= (uint8_t)(1u << ((m - q->start) % 8));
	}
}

static int make_filter(const struct ctx *c, struct side *s,
		       struct msrtrap_filter **out)
{
	struct piece *p = s->lpieces.p;
	size_t n = s->lpieces.n, fb[NFAM + 1];
	struct msrtrap_filter *f = NULL;
	uint8_t *bm = NULL;
	int err;

	mt_pack_sort_families(p, n, fb);
	err = msrtrap_filter_new(s->allow ? MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW :
				 MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY, &f);
	if (err)
		return err;
	/* cmp_piece order is r, w, t: already the filter order */
	for (size_t i = 0; i < n && !err; i++) {
		uint32_t nm = (uint32_t)(p[i].end - p[i].start);
		size_t len = msrtrap_kvm_bitmap_bytes(nm);
		size_t si = seg_find(c, p[i].start);

		bm = calloc(len, 1);
		if (!bm) {
			err = -ENOMEM;
			break;
		}
		fill_bitmap(c, s, fb, &p[i], si, bm);
		err = msrtrap_filter_add_range(f, fam_access(p[i].fam),
					       (uint32_t)p[i].start, nm, bm, len);
		free(bm);
	}
	if (err) {
		msrtrap_filter_free(f);
		return err;
	}
	*out = f;
	return 0;
}

/* Validate the arguments and fill the context (docs/packing.md §1). */
static int ctx_init(struct ctx *c, const struct mt_pack_policy *policy,
		    const struct mt_pack_params *params)
{
	if (!policy || !params || params->max_nmsrs == 0 ||
	    params->max_nmsrs > MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS ||
	    params->max_ranges == 0 ||
	    params->max_ranges > MSRTRAP_KVM_MSR_FILTER_MAX_RANGES ||
	    params->word_msrs == 0 ||
	    (uint64_t)params->free_first + params->free_count > SPACE_END ||
	    (params->debug & ~MT_PACK_DEBUG_PLAIN))
		return -EINVAL;
	/* stretch indices are 32-bit: 2^30 intervals is 8 GiB of input */
	if (policy->nread > (1u << 30) || policy->nwrite > (1u << 30) ||
	    mt_pack_check_list(policy->read, policy->nread) ||
	    mt_pack_check_list(policy->write, policy->nwrite))
		return -EINVAL;
	c->pol = policy;
	c->nmax = params->max_nmsrs;
	c->word = params->word_msrs;
	/* §5.2: lengths that matter are multiples of word and nmax */
	c->delta = c->nmax < c->word ? c->nmax : gcd(c->word, c->nmax);
	c->plain = params->debug & MT_PACK_DEBUG_PLAIN;
	c->free_first = params->free_first;
	c->free_end = (uint64_t)params->free_first + params->free_count;
	return 0;
}

/*
 * §6.1: the side with less demand first, the other capped by it; *best
 * is the fewest ranges either needs.
 */
static int count_sides(const struct ctx *c, struct side sd[2], uint64_t *best)
{
	struct side *first = &sd[0], *second = &sd[1];
	int err;

	if (!sd[0].possible || (sd[1].possible && sd[1].measure < sd[0].measure)) {
		first = &sd[1];
		second = &sd[0];
	}
	err = mt_pack_count_side(c, first, UINT64_MAX / 4);
	if (err)
		return err;
	if (first->over) /* cannot happen with an unbounded cap */
		return -EPROTO;
	if (second->possible) {
		err = mt_pack_count_side(c, second, eff_count(first));
		if (err)
			return err;
	} else {
		second->over = true;
	}
	*best = eff_count(first);
	if (!second->over && eff_count(second) < *best)
		*best = eff_count(second);
	return 0;
}

/* A side that reaches the minimum count, the policy's default on a tie. */
static struct side *counted_winner(struct side sd[2], uint64_t best)
{
	struct side *win = NULL;

	for (int i = 1; i >= 0; i--)
		if (sd[i].possible && !sd[i].over && eff_count(&sd[i]) == best)
			win = &sd[i];
	return win;
}

/* §6.2: bytes decide among the sides with the fewest ranges. */
static int pack_sides(const struct ctx *c, struct budget *bud,
		      struct side sd[2], uint64_t best, struct side **win)
{
	*win = NULL;
	for (int i = 0; i < 2; i++) {
		struct side *s = &sd[i];
		int err;

		if (!s->possible || s->over || eff_count(s) != best)
			continue;
		err = mt_pack_lex_side(c, bud, s);
		if (err)
			return err;
		if (!*win || s->bytes < (*win)->bytes)
			*win = s;
	}
	/* the first side has the fewest ranges or the second does */
	return *win ? 0 : -EPROTO;
}

/* The winner's filter and report; no filter when the report fails. */
static int finish(const struct ctx *c, const struct budget *bud,
		  struct side *win, uint64_t best, struct msrtrap_filter **out,
		  struct msrtrap_pack_report *report)
{
	int err = out ? make_filter(c, win, out) : 0;

	if (err)
		return err;
	err = mt_pack_report_packed(win, report, best);
	if (report)
		report->bytes_proven = !bud->approx;
	if (err && out) {
		msrtrap_filter_free(*out);
		*out = NULL;
	}
	return err;
}

int mt_pack(const struct mt_pack_policy *policy,
	    const struct mt_pack_params *params, struct msrtrap_filter **out,
	    struct msrtrap_pack_report *report)
{
	struct ctx c = { 0 };
	struct budget bud = { 0 };
	struct side sd[2] = { 0 };
	struct side *win;
	uint64_t best = 0;
	int err;

	if (report)
		*report = (struct msrtrap_pack_report){ .sz = sizeof(*report) };
	err = ctx_init(&c, policy, params);
	if (!err)
		err = mt_pack_build_segments(&c);
	if (err)
		return err;
	/* sd[0]: the policy's default as the filter default; sd[1]: the other */
	for (int i = 0; i < 2 && !err; i++)
		err = mt_pack_build_side(&c, &sd[i],
					 policy->default_allow ^ (i == 1));
	if (!err && !sd[0].possible && !sd[1].possible)
		err = -ERANGE;
	if (!err)
		err = count_sides(&c, sd, &best);
	if (!err && best > params->max_ranges) {
		/* the report: a count-optimal solution, trimmed (§6.3) */
		if (report)
			err = mt_pack_report_counted(&c, counted_winner(sd, best),
						     report);
		err = err ? err : -E2BIG;
	} else if (!err) {
		err = pack_sides(&c, &bud, sd, best, &win);
		if (!err)
			err = finish(&c, &bud, win, best, out, report);
	}
	mt_pack_side_fini(&sd[0]);
	mt_pack_side_fini(&sd[1]);
	free(c.seg);
	return err;
}
