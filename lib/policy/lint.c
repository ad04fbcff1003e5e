// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Analyses of a built policy that report, never change it: the rules
 * later rules override entirely (the parser's overridden-rule warnings)
 * and the MSRs a hardware map format cannot pass through
 * (msrtrap_policy_check_format()).
 */
#include <errno.h>
#include <stdlib.h>

#include <msrtrap/map.h>
#include <msrtrap/names.h>
#include <msrtrap/policy.h>

#include "util/diags.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "policy_internal.h"

/* ---- overridden rules --------------------------------------------------- */

/* A segment tree of (min, max) decider rule over one access's runs. */
struct mm_tree {
	uint32_t *min, *max;
	size_t n;
};

static int mm_build(struct mm_tree *t, const struct msrtrap_policy *p, int ai)
{
	size_t n = p->nsegs[ai];

	t->n = n;
	t->min = malloc((2 * n + 1) * sizeof(*t->min));
	t->max = malloc((2 * n + 1) * sizeof(*t->max));
	if (!t->min || !t->max)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		t->min[n + k] = t->max[n + k] =
			p->items[p->segs[ai][k].item].rule;
	for (size_t k = n - 1; k > 0 && k < n; k--) {
		uint32_t a = t->min[2 * k], b = t->min[2 * k + 1];
		uint32_t c = t->max[2 * k], d = t->max[2 * k + 1];

		t->min[k] = a < b ? a : b;
		t->max[k] = c > d ? c : d;
	}
	return 0;
}

/* min/max over runs [l, r) */
static void mm_query(const struct mm_tree *t, size_t l, size_t r,
		     uint32_t *mn, uint32_t *mx)
{
	for (l += t->n, r += t->n; l < r; l /= 2, r /= 2) {
		if (l & 1) {
			if (t->min[l] < *mn)
				*mn = t->min[l];
			if (t->max[l] > *mx)
				*mx = t->max[l];
			l++;
		}
		if (r & 1) {
			r--;
			if (t->min[r] < *mn)
				*mn = t->min[r];
			if (t->max[r] > *mx)
				*mx = t->max[r];
		}
	}
}

int mt_policy_overridden(const struct msrtrap_policy *p,
			 int (*fn)(void *ctx, size_t rule, size_t min_rule,
				   size_t max_rule),
			 void *ctx)
{
	struct mm_tree t[2] = { 0 };
	bool *used, any = false;
	size_t k = 0;
	int err = 0;

	if (!p->nrules)
		return 0;
	used = calloc(p->nrules, sizeof(*used));
	if (!used)
		return -ENOMEM;
	for (int ai = 0; ai < 2; ai++)
		for (size_t s = 0; s < p->nsegs[ai]; s++)
			used[p->items[p->segs[ai][s].item].rule] = true;
	for (size_t r = 0; r < p->nrules; r++)
		any |= !used[r];
	if (!any)
		goto out;
	for (int ai = 0; ai < 2; ai++) {
		err = mm_build(&t[ai], p, ai);
		if (err)
			goto out;
	}
	/* items are in rule order: walk them once */
	for (size_t r = 0; r < p->nrules && !err; r++) {
		uint32_t mn = UINT32_MAX, mx = 0;

		for (; k < p->nitems && p->items[k].rule == r; k++) {
			const struct mt_item *it = &p->items[k];

			if (used[r])
				continue;
			for (int ai = 0; ai < 2; ai++) {
				if (!(p->rules[r].access & mt_index_access(ai)))
					continue;
				mm_query(&t[ai], mt_seg_lower(p, ai, it->first),
					 mt_seg_upper(p, ai, it->last), &mn, &mx);
			}
		}
		if (!used[r] && mn != UINT32_MAX)
			err = fn(ctx, r, mn, mx);
	}
out:
	for (int ai = 0; ai < 2; ai++) {
		free(t[ai].min);
		free(t[ai].max);
	}
	free(used);
	return err;
}

/* ---- hardware formats --------------------------------------------------- */

struct outside {
	uint32_t first, last;
	uint32_t item;
	unsigned int access;
};

static int cmp_outside(const void *a, const void *b)
{
	const struct outside *x = a, *y = b;

	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return (x->access > y->access) - (x->access < y->access);
}

static const char *format_phrase(enum msrtrap_format fmt)
{
	return fmt == MSRTRAP_FMT_VMX ? "a VMX MSR bitmap" :
					"an SVM MSR permission map";
}

#define NO_ITEM UINT32_MAX
#define MAX_GAPS 8

/* Allowed MSRs outside a format's spans, with what allowed them. */
struct outside_list {
	struct outside *v;
	size_t n, cap;
	unsigned int dflt_access; /* accesses the default lets out */
};

/* The MSRs outside every span of fmt, ascending: how many (at most 8). */
static size_t format_gaps(enum msrtrap_format fmt,
			  struct msrtrap_interval gaps[MAX_GAPS])
{
	uint32_t first, last;
	uint64_t next = 0;
	size_t n = 0;

	for (unsigned int i = 0; !msrtrap_format_span(fmt, i, &first, &last); i++) {
		if (first > next && n < MAX_GAPS)
			gaps[n++] = (struct msrtrap_interval){ (uint32_t)next,
							       first - 1 };
		next = (uint64_t)last + 1;
	}
	if (next <= UINT32_MAX && n < MAX_GAPS)
		gaps[n++] = (struct msrtrap_interval){ (uint32_t)next,
						       UINT32_MAX };
	return n;
}

/*
 * Walk one gap for access ai, run by run and through the holes between
 * runs (where the default decides): 0 or -ENOMEM.
 */
static int collect_gap(const struct msrtrap_policy *p, int ai,
		       const struct msrtrap_interval *gap,
		       struct outside_list *out)
{
	unsigned int bit = mt_index_access(ai);
	size_t s = mt_seg_lower(p, ai, gap->first);
	uint64_t pos = gap->first;

	while (pos <= gap->last) {
		const struct mt_seg *sg = s < p->nsegs[ai] ? &p->segs[ai][s] : NULL;
		uint32_t item = NO_ITEM;
		bool allow = p->default_allow;
		uint64_t end;

		if (sg && sg->first <= pos) {
			end = sg->last;
			item = sg->item;
			allow = mt_seg_allows(p, sg);
			s++;
		} else {
			end = sg ? (uint64_t)sg->first - 1 : UINT32_MAX;
		}
		if (end > gap->last)
			end = gap->last;
		if (allow && item == NO_ITEM) {
			out->dflt_access |= bit;
		} else if (allow) {
			if (mt_vec_reserve(&out->v, &out->cap, out->n + 1))
				return -ENOMEM;
			out->v[out->n++] = (struct outside){ (uint32_t)pos,
							     (uint32_t)end, item, bit };
		}
		pos = end + 1;
	}
	return 0;
}

/* Every allowed piece outside the spans, sorted by item: 0 or -ENOMEM. */
static int collect_outside(const struct msrtrap_policy *p,
			   enum msrtrap_format fmt, struct outside_list *out)
{
	struct msrtrap_interval gaps[MAX_GAPS];
	size_t ngaps = format_gaps(fmt, gaps);

	for (int ai = 0; ai < 2; ai++)
		for (size_t g = 0; g < ngaps; g++)
			if (collect_gap(p, ai, &gaps[g], out))
				return -ENOMEM;
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_outside);
	return 0;
}

/* The warning for a `default allow` that lets MSRs out: 0 or -ENOMEM. */
static int warn_default(struct msrtrap_diags *d, const struct msrtrap_policy *p,
			enum msrtrap_format fmt, unsigned int access)
{
	struct mt_strbuf b = MT_STRBUF_INIT;
	uint32_t first, last;
	int err;

	for (unsigned int i = 0; !msrtrap_format_span(fmt, i, &first, &last); i++) {
		bool more = msrtrap_format_span(fmt, i + 1, NULL, NULL) == 0;
		bool final = i > 0 && !more;

		mt_strbuf_printf(&b, "%s0x%x-0x%x",
				 i == 0 ? "" : final ? " and " : ", ", first, last);
	}
	if (b.err) {
		mt_strbuf_fini(&b);
		return -ENOMEM;
	}
	err = mt_diags_add(d, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_UNREPRESENTABLE,
			   p->default_line, p->default_column,
			   p->default_line ? 7 : 0,
			   "%s'default allow' allows %s of MSRs outside %s, "
			   "which %s cannot pass through (they always exit)",
			   p->default_line ? "" : "the implicit ",
			   msrtrap_access_name(access, MSRTRAP_ACCESS_PHRASE), b.s,
			   format_phrase(fmt));
	mt_strbuf_fini(&b);
	return err;
}

/*
 * One warning per allowing target and interval, both accesses in one when
 * they share it: the number of warnings, or -ENOMEM.
 */
static int warn_targets(struct msrtrap_diags *d, const struct msrtrap_policy *p,
			enum msrtrap_format fmt, const struct outside_list *out)
{
	const struct outside *o = out->v;
	int count = 0;

	for (size_t i = 0; i < out->n; i++) {
		const struct mt_item *it = &p->items[o[i].item];
		unsigned int access = o[i].access;
		char target[32];
		const char *name;

		while (i + 1 < out->n && o[i + 1].item == o[i].item &&
		       o[i + 1].first == o[i].first && o[i + 1].last == o[i].last)
			access |= o[++i].access;
		mt_target_text(target, sizeof(target), o[i].first, o[i].last);
		name = o[i].first == o[i].last ? msrtrap_msr_name(o[i].first) : NULL;
		if (mt_diags_add(d, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_UNREPRESENTABLE,
				 p->rules[it->rule].line, it->column, it->length,
				 "allows %s of %s%s%s%s, which %s cannot pass through "
				 "(they always exit)",
				 msrtrap_access_name(access, MSRTRAP_ACCESS_PHRASE),
				 target, name ? " (" : "", name ? name : "",
				 name ? ")" : "", format_phrase(fmt)))
			return -ENOMEM;
		count++;
	}
	return count;
}

int msrtrap_policy_check_format(const struct msrtrap_policy *p,
				enum msrtrap_format fmt,
				struct msrtrap_diags **diags)
{
	struct outside_list out = { 0 };
	struct msrtrap_diags *d = NULL;
	int count = 0, err = -ENOMEM;

	if (diags)
		*diags = NULL;
	if (!p || msrtrap_format_span(fmt, 0, NULL, NULL))
		return -EINVAL;
	if (collect_outside(p, fmt, &out))
		goto out;
	d = mt_diags_new(p->filename);
	if (!d)
		goto out;
	if (out.dflt_access) {
		if (warn_default(d, p, fmt, out.dflt_access))
			goto out;
		count++;
	}
	err = warn_targets(d, p, fmt, &out);
	if (err < 0)
		goto out;
	count += err;
	mt_diags_sort(d);
	if (diags) {
		*diags = d;
		d = NULL;
	}
	err = count;
out:
	msrtrap_diags_free(d);
	free(out.v);
	return err;
}
