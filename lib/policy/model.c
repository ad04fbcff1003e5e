// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The policy model: rules and their target intervals ("items") turned
 * into, per access, the sorted runs of MSRs each decided by one item (the
 * last one naming them), and from those the canonical model — the maximal
 * intervals whose verdict differs from the default.
 *
 * Building is a sweep over the items sorted by first MSR with a max-heap
 * of the items covering the sweep position (keyed by item index, which is
 * rule order): O(n log n) for n items, never per MSR. Verdicts are a
 * binary search over the runs.
 *
 * Also here: explain, canonical text, building from intervals, the
 * overridden-rule analysis and the hardware-format check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/map.h>
#include <msrtrap/names.h>
#include <msrtrap/policy.h>

#include "util/bsearch.h"
#include "util/diags.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "policy_internal.h"

/* ---- the object --------------------------------------------------------- */

struct msrtrap_policy *mt_policy_new(void)
{
	struct msrtrap_policy *p = calloc(1, sizeof(*p));

	if (p)
		p->default_allow = true;
	return p;
}

void msrtrap_policy_free(struct msrtrap_policy *p)
{
	if (!p)
		return;
	for (int a = 0; a < 2; a++) {
		free(p->segs[a]);
		free(p->exc[a]);
	}
	free(p->rules);
	free(p->items);
	free(p->filename);
	free(p);
}

int mt_policy_add_rule(struct msrtrap_policy *p, bool allow,
		       unsigned int access, unsigned int line,
		       unsigned int column)
{
	struct mt_rule *r;

	/* rule indices are stored in 32 bits */
	if (p->nrules >= UINT32_MAX)
		return -ENOMEM;
	if (mt_vec_reserve(&p->rules, &p->rules_cap, p->nrules + 1))
		return -ENOMEM;
	r = &p->rules[p->nrules++];
	r->allow = allow;
	r->access = access;
	r->line = line;
	r->column = column;
	return 0;
}

int mt_policy_add_item(struct msrtrap_policy *p, uint32_t first, uint32_t last,
		       unsigned int column, unsigned int length)
{
	struct mt_item *it;

	if (p->nitems >= UINT32_MAX || !p->nrules)
		return -ENOMEM;
	if (mt_vec_reserve(&p->items, &p->items_cap, p->nitems + 1))
		return -ENOMEM;
	it = &p->items[p->nitems++];
	it->first = first;
	it->last = last;
	it->rule = (uint32_t)(p->nrules - 1);
	it->column = column;
	it->length = length;
	return 0;
}

/* ---- building ----------------------------------------------------------- */

struct start {
	uint32_t first;
	uint32_t item;
};

static int cmp_start(const void *a, const void *b)
{
	const struct start *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* Max-heap of item indices. */
static void heap_push(uint32_t *h, size_t *n, uint32_t v)
{
	size_t i = (*n)++;

	while (i > 0 && h[(i - 1) / 2] < v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static void heap_pop(uint32_t *h, size_t *n)
{
	uint32_t v = h[--(*n)];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] > h[c])
			c++;
		if (h[c] <= v)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = v;
}

static int build_access(struct msrtrap_policy *p, int ai)
{
	unsigned int bit = ai ? MSRTRAP_WRITE : MSRTRAP_READ;
	struct start *starts;
	uint32_t *heap;
	struct mt_seg *segs;
	size_t n = 0, nh = 0, ns = 0, i = 0;
	uint64_t pos = 0;

	starts = malloc((p->nitems ? p->nitems : 1) * sizeof(*starts));
	heap = malloc((p->nitems ? p->nitems : 1) * sizeof(*heap));
	segs = malloc((2 * p->nitems + 1) * sizeof(*segs));
	if (!starts || !heap || !segs) {
		free(starts);
		free(heap);
		free(segs);
		return -ENOMEM;
	}
	for (size_t k = 0; k < p->nitems; k++)
		if (p->rules[p->items[k].rule].access & bit)
			starts[n++] = (struct start){ p->items[k].first, (uint32_t)k };
	qsort(starts, n, sizeof(*starts), cmp_start);

	for (;;) {
		uint32_t top;
		uint64_t next;

		if (!nh) {
			if (i == n)
				break;
			pos = starts[i].first;
		}
		while (i < n && starts[i].first <= pos)
			heap_push(heap, &nh, starts[i++].item);
		while (nh && p->items[heap[0]].last < pos)
			heap_pop(heap, &nh);
		if (!nh)
			continue;
		top = heap[0];
		next = (uint64_t)p->items[top].last + 1;
		if (i < n && starts[i].first < next)
			next = starts[i].first;
		if (ns && segs[ns - 1].item == top &&
		    (uint64_t)segs[ns - 1].last + 1 == pos)
			segs[ns - 1].last = (uint32_t)(next - 1);
		else
			segs[ns++] = (struct mt_seg){ (uint32_t)pos,
						      (uint32_t)(next - 1), top };
		pos = next;
		if (pos > UINT32_MAX)
			break;
	}
	free(starts);
	free(heap);
	free(p->segs[ai]);
	p->segs[ai] = segs;
	p->nsegs[ai] = ns;
	return 0;
}

static bool seg_allows(const struct msrtrap_policy *p, const struct mt_seg *s)
{
	return p->rules[p->items[s->item].rule].allow;
}

static int build_exceptions(struct msrtrap_policy *p, int ai)
{
	struct msrtrap_interval *exc;
	size_t n = 0;

	exc = malloc((p->nsegs[ai] ? p->nsegs[ai] : 1) * sizeof(*exc));
	if (!exc)
		return -ENOMEM;
	for (size_t k = 0; k < p->nsegs[ai]; k++) {
		const struct mt_seg *s = &p->segs[ai][k];

		if (seg_allows(p, s) == p->default_allow)
			continue;
		if (n && (uint64_t)exc[n - 1].last + 1 == s->first)
			exc[n - 1].last = s->last;
		else
			exc[n++] = (struct msrtrap_interval){ s->first, s->last };
	}
	free(p->exc[ai]);
	p->exc[ai] = exc;
	p->nexc[ai] = n;
	return 0;
}

int mt_policy_build(struct msrtrap_policy *p)
{
	for (int ai = 0; ai < 2; ai++) {
		if (build_access(p, ai) || build_exceptions(p, ai))
			return -ENOMEM;
	}
	return 0;
}

/* ---- queries ------------------------------------------------------------ */

static bool seg_first_le(const void *elem, const void *key)
{
	return ((const struct mt_seg *)elem)->first <= *(const uint32_t *)key;
}

static bool seg_last_lt(const void *elem, const void *key)
{
	return ((const struct mt_seg *)elem)->last < *(const uint32_t *)key;
}

/* Index of the first run with last >= msr. */
static size_t seg_lower(const struct msrtrap_policy *p, int ai, uint32_t msr)
{
	return mt_lower_bound(p->segs[ai], p->nsegs[ai], sizeof(struct mt_seg),
			      &msr, seg_last_lt);
}

/* Index of the first run with first > msr. */
static size_t seg_upper(const struct msrtrap_policy *p, int ai, uint32_t msr)
{
	return mt_lower_bound(p->segs[ai], p->nsegs[ai], sizeof(struct mt_seg),
			      &msr, seg_first_le);
}

/* The run holding msr, or NULL when no rule names it. */
static const struct mt_seg *find_seg(const struct msrtrap_policy *p, int ai,
				     uint32_t msr)
{
	size_t i = seg_upper(p, ai, msr);

	if (i == 0 || p->segs[ai][i - 1].last < msr)
		return NULL;
	return &p->segs[ai][i - 1];
}

int msrtrap_policy_verdict(const struct msrtrap_policy *p, uint32_t msr,
			   unsigned int access)
{
	int ai = mt_access_index(access);
	const struct mt_seg *s;

	if (!p || ai < 0)
		return -EINVAL;
	s = find_seg(p, ai, msr);
	return s ? seg_allows(p, s) : p->default_allow;
}

int msrtrap_policy_explain(const struct msrtrap_policy *p, uint32_t msr,
			   unsigned int access, struct msrtrap_policy_decision *d)
{
	int ai = mt_access_index(access);
	const struct mt_seg *s;

	if (!p || !d || ai < 0)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	s = find_seg(p, ai, msr);
	if (s) {
		const struct mt_item *it = &p->items[s->item];

		d->allowed = p->rules[it->rule].allow;
		d->rule = it->rule;
		d->line = p->rules[it->rule].line;
		d->column = it->column;
	} else {
		d->allowed = p->default_allow;
		d->by_default = true;
		d->line = p->default_line;
		d->column = p->default_column;
	}
	return 0;
}

bool msrtrap_policy_default_allow(const struct msrtrap_policy *p)
{
	return p ? p->default_allow : true;
}

size_t msrtrap_policy_nrules(const struct msrtrap_policy *p)
{
	return p ? p->nrules : 0;
}

int msrtrap_policy_rule(const struct msrtrap_policy *p, size_t i,
			struct msrtrap_policy_rule *rule)
{
	if (!p || !rule)
		return -EINVAL;
	if (i >= p->nrules)
		return -ENOENT;
	rule->allow = p->rules[i].allow;
	rule->access = p->rules[i].access;
	rule->line = p->rules[i].line;
	rule->column = p->rules[i].column;
	return 0;
}

long msrtrap_policy_rule_targets(const struct msrtrap_policy *p, size_t i,
				 struct msrtrap_interval *buf, size_t n)
{
	long count = 0;

	if (!p || (!buf && n))
		return -EINVAL;
	if (i >= p->nrules)
		return -ENOENT;
	for (size_t k = 0; k < p->nitems; k++) {
		if (p->items[k].rule != i)
			continue;
		if ((size_t)count < n) {
			buf[count].first = p->items[k].first;
			buf[count].last = p->items[k].last;
		}
		count++;
	}
	return count;
}

long msrtrap_policy_exceptions(const struct msrtrap_policy *p,
			       unsigned int access, struct msrtrap_interval *buf,
			       size_t n)
{
	int ai = mt_access_index(access);

	if (!p || ai < 0 || (!buf && n))
		return -EINVAL;
	if (n > p->nexc[ai])
		n = p->nexc[ai];
	if (n)
		memcpy(buf, p->exc[ai], n * sizeof(*buf));
	return (long)p->nexc[ai];
}

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
				if (!(p->rules[r].access & (ai ? MSRTRAP_WRITE : MSRTRAP_READ)))
					continue;
				mm_query(&t[ai], seg_lower(p, ai, it->first),
					 seg_upper(p, ai, it->last), &mn, &mx);
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

/* ---- text --------------------------------------------------------------- */

/* One line of a canonical policy. */
struct entry {
	uint32_t first, last;
	unsigned int access;
};

/*
 * The canonical rules for exception lists r and w (sorted, disjoint,
 * maximal): one per interval, rw where the two lists hold the same
 * interval. Returns the count, or -ENOMEM; *out is malloc()ed.
 */
static long canon_entries(const struct msrtrap_interval *r, size_t nr,
			  const struct msrtrap_interval *w, size_t nw,
			  struct entry **out)
{
	struct entry *e = malloc((nr + nw + 1) * sizeof(*e));
	size_t i = 0, j = 0, n = 0;

	if (!e)
		return -ENOMEM;
	while (i < nr || j < nw) {
		if (i < nr && j < nw && r[i].first == w[j].first &&
		    r[i].last == w[j].last) {
			e[n++] = (struct entry){ r[i].first, r[i].last, MSRTRAP_RW };
			i++;
			j++;
		} else if (j == nw ||
			   (i < nr && (r[i].first < w[j].first ||
				       (r[i].first == w[j].first &&
					r[i].last < w[j].last)))) {
			e[n++] = (struct entry){ r[i].first, r[i].last, MSRTRAP_READ };
			i++;
		} else {
			e[n++] = (struct entry){ w[j].first, w[j].last, MSRTRAP_WRITE };
			j++;
		}
	}
	/* a merge of two lists sorted by first: (first, last, access) order */
	*out = e;
	return (long)n;
}

/* Rules canonical text needs for lists r and w. */
static size_t canon_cost(const struct msrtrap_interval *r, size_t nr,
			 const struct msrtrap_interval *w, size_t nw)
{
	size_t i = 0, j = 0, same = 0;

	while (i < nr && j < nw) {
		if (r[i].first == w[j].first && r[i].last == w[j].last) {
			same++;
			i++;
			j++;
		} else if (r[i].first < w[j].first ||
			   (r[i].first == w[j].first && r[i].last < w[j].last)) {
			i++;
		} else {
			j++;
		}
	}
	return nr + nw - same;
}

/* The complement of a sorted, disjoint, maximal list within 0..2^32-1. */
static long complement(const struct msrtrap_interval *v, size_t n,
		       struct msrtrap_interval **out)
{
	struct msrtrap_interval *c = malloc((n + 1) * sizeof(*c));
	uint64_t next = 0;
	size_t m = 0;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (v[i].first > next)
			c[m++] = (struct msrtrap_interval){ (uint32_t)next,
							    v[i].first - 1 };
		next = (uint64_t)v[i].last + 1;
	}
	if (next <= UINT32_MAX)
		c[m++] = (struct msrtrap_interval){ (uint32_t)next, UINT32_MAX };
	*out = c;
	return (long)m;
}

static int sb_target(char *buf, size_t size, uint32_t first, uint32_t last)
{
	if (first == last)
		return snprintf(buf, size, "0x%x", first);
	return snprintf(buf, size, "0x%x-0x%x", first, last);
}

/*
 * The trailing comment of a canonical rule: "# @group: NAME, NAME" —
 * the group whose only interval this is, and the known (canonical) MSR
 * names inside: up to three by name, more as "FIRST .. LAST (N known)"
 * when the interval spans fewer than NAMES_SPAN MSRs. Nothing if nothing.
 */
#define NAMES_SPAN 0x1000u

static void sb_names(struct mt_strbuf *b, uint32_t first, uint32_t last)
{
	const char *names[3] = { NULL }, *lastname = NULL;
	size_t count = 0, gi;
	struct msrtrap_group_info g;
	bool group = false;

	for (gi = 0; msrtrap_group_at(gi, &g) == 0; gi++) {
		if (g.nintervals == 1 && g.intervals[0].first == first &&
		    g.intervals[0].last == last) {
			group = true;
			break;
		}
	}
	for (size_t i = msrtrap_msr_lower_bound(first); i < msrtrap_msr_count(); i++) {
		struct msrtrap_msr_info info;

		msrtrap_msr_at(i, &info);
		if (info.index > last)
			break;
		if (!info.canonical)
			continue;
		if (count < 3)
			names[count] = info.name;
		lastname = info.name;
		count++;
	}
	/* a long list of names says nothing about a big interval */
	if (count > 3 && (uint64_t)last - first >= NAMES_SPAN)
		count = 0;
	if (!group && !count)
		return;
	mt_strbuf_printf(b, "# ");
	if (group)
		mt_strbuf_printf(b, "@%s%s", g.name, count ? ": " : "");
	if (count <= 3) {
		for (size_t i = 0; i < count; i++)
			mt_strbuf_printf(b, "%s%s", i ? ", " : "", names[i]);
	} else {
		mt_strbuf_printf(b, "%s .. %s (%zu known)", names[0], lastname, count);
	}
}

#define COMMENT_COLUMN 32

static void sb_rule(struct mt_strbuf *b, bool allow, const struct entry *e)
{
	struct mt_strbuf comment = MT_STRBUF_INIT;
	char target[32];
	int len;

	sb_target(target, sizeof(target), e->first, e->last);
	sb_names(&comment, e->first, e->last);
	if (comment.err)
		b->err = comment.err;
	len = (int)strlen(allow ? "allow" : "deny") + 4 + (int)strlen(target);
	if (comment.len)
		mt_strbuf_printf(b, "%s %-2s %s%*s%s\n", allow ? "allow" : "deny",
				 msrtrap_access_name(e->access, MSRTRAP_ACCESS_WORD),
				 target,
				 len < COMMENT_COLUMN ? COMMENT_COLUMN - len : 1, "",
				 comment.s);
	else
		mt_strbuf_printf(b, "%s %-2s %s\n", allow ? "allow" : "deny",
				 msrtrap_access_name(e->access, MSRTRAP_ACCESS_WORD),
				 target);
	mt_strbuf_fini(&comment);
}

int msrtrap_policy_to_text(const struct msrtrap_policy *p, char **text)
{
	struct msrtrap_interval *cr = NULL, *cw = NULL;
	const struct msrtrap_interval *r, *w;
	size_t nr, nw;
	struct entry *e = NULL;
	struct mt_strbuf b = MT_STRBUF_INIT;
	bool dflt;
	long n, ncr, ncw;

	if (!p || !text)
		return -EINVAL;
	*text = NULL;
	ncr = complement(p->exc[0], p->nexc[0], &cr);
	ncw = ncr < 0 ? -ENOMEM : complement(p->exc[1], p->nexc[1], &cw);
	if (ncr < 0 || ncw < 0) {
		free(cr);
		return -ENOMEM;
	}
	{
		size_t own = canon_cost(p->exc[0], p->nexc[0], p->exc[1], p->nexc[1]);
		size_t flip = canon_cost(cr, (size_t)ncr, cw, (size_t)ncw);

		/* fewer rules wins; on a tie, deny (whatever the source said) */
		if (own < flip || (own == flip && !p->default_allow)) {
			dflt = p->default_allow;
			r = p->exc[0], nr = p->nexc[0];
			w = p->exc[1], nw = p->nexc[1];
		} else {
			dflt = !p->default_allow;
			r = cr, nr = (size_t)ncr;
			w = cw, nw = (size_t)ncw;
		}
	}
	n = canon_entries(r, nr, w, nw, &e);
	if (n >= 0) {
		mt_strbuf_printf(&b, "default %s\n", dflt ? "allow" : "deny");
		for (long i = 0; i < n; i++)
			sb_rule(&b, !dflt, &e[i]);
	}
	free(e);
	free(cr);
	free(cw);
	if (n < 0) {
		mt_strbuf_fini(&b);
		return -ENOMEM;
	}
	*text = mt_strbuf_steal(&b, NULL);
	return *text ? 0 : -ENOMEM;
}

/* ---- building from intervals ------------------------------------------- */

static int cmp_interval(const void *a, const void *b)
{
	const struct msrtrap_interval *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return (x->last > y->last) - (x->last < y->last);
}

/* Sorted, disjoint, maximal copy of any list. */
static long normalize(const struct msrtrap_interval *v, size_t n,
		      struct msrtrap_interval **out)
{
	struct msrtrap_interval *c = malloc((n ? n : 1) * sizeof(*c));
	size_t m = 0;

	if (!c)
		return -ENOMEM;
	if (n)
		memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_interval);
	for (size_t i = 0; i < n; i++) {
		if (m && (uint64_t)c[m - 1].last + 1 >= c[i].first) {
			if (c[i].last > c[m - 1].last)
				c[m - 1].last = c[i].last;
		} else {
			c[m++] = c[i];
		}
	}
	*out = c;
	return (long)m;
}

int msrtrap_policy_from_intervals(bool default_allow,
				  const struct msrtrap_interval *read,
				  size_t nread,
				  const struct msrtrap_interval *write,
				  size_t nwrite, struct msrtrap_policy **out)
{
	struct msrtrap_interval *r = NULL, *w = NULL;
	struct msrtrap_policy *p = NULL;
	struct entry *e = NULL;
	long nr, nw, n;
	int err = -ENOMEM;

	if (!out || (!read && nread) || (!write && nwrite))
		return -EINVAL;
	*out = NULL;
	for (size_t i = 0; i < nread; i++)
		if (read[i].first > read[i].last)
			return -EINVAL;
	for (size_t i = 0; i < nwrite; i++)
		if (write[i].first > write[i].last)
			return -EINVAL;
	nr = normalize(read, nread, &r);
	nw = nr < 0 ? -ENOMEM : normalize(write, nwrite, &w);
	if (nr < 0 || nw < 0)
		goto out;
	n = canon_entries(r, (size_t)nr, w, (size_t)nw, &e);
	if (n < 0)
		goto out;
	p = mt_policy_new();
	if (!p)
		goto out;
	p->default_allow = default_allow;
	p->default_line = 1;
	p->default_column = 1;
	for (long i = 0; i < n; i++) {
		/* the line and column msrtrap_policy_to_text() would print */
		unsigned int line = (unsigned int)i + 2;

		if (mt_policy_add_rule(p, !default_allow, e[i].access, line, 1) ||
		    mt_policy_add_item(p, e[i].first, e[i].last,
				       default_allow ? 9 : 10, 0))
			goto out;
	}
	if (mt_policy_build(p))
		goto out;
	*out = p;
	p = NULL;
	err = 0;
out:
	msrtrap_policy_free(p);
	free(e);
	free(r);
	free(w);
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

int msrtrap_policy_check_format(const struct msrtrap_policy *p,
				enum msrtrap_format fmt,
				struct msrtrap_diags **diags)
{
	struct msrtrap_interval gaps[8];
	size_t ngaps = 0, no = 0, cap = 0;
	struct outside *o = NULL;
	struct msrtrap_diags *d = NULL;
	unsigned int dflt_access = 0;
	uint64_t next = 0;
	uint32_t first, last;
	int count = 0, err = -ENOMEM;

	if (diags)
		*diags = NULL;
	if (!p || msrtrap_format_span(fmt, 0, &first, &last))
		return -EINVAL;
	/* the MSRs outside every span */
	for (unsigned int i = 0; msrtrap_format_span(fmt, i, &first, &last) == 0; i++) {
		if (first > next && ngaps < 8)
			gaps[ngaps++] = (struct msrtrap_interval){ (uint32_t)next, first - 1 };
		next = (uint64_t)last + 1;
	}
	if (next <= UINT32_MAX && ngaps < 8)
		gaps[ngaps++] = (struct msrtrap_interval){ (uint32_t)next, UINT32_MAX };

	/* every allowed piece outside the spans, with what allowed it */
	for (int ai = 0; ai < 2; ai++) {
		unsigned int bit = ai ? MSRTRAP_WRITE : MSRTRAP_READ;

		for (size_t g = 0; g < ngaps; g++) {
			uint64_t pos = gaps[g].first;
			size_t s = seg_lower(p, ai, gaps[g].first);

			while (pos <= gaps[g].last) {
				const struct mt_seg *sg = s < p->nsegs[ai] ?
								  &p->segs[ai][s] : NULL;
				uint64_t end;
				uint32_t item;
				bool allow;

				if (sg && sg->first <= pos) {
					end = sg->last;
					item = sg->item;
					allow = seg_allows(p, sg);
					s++;
				} else {
					end = sg ? (uint64_t)sg->first - 1 : UINT32_MAX;
					item = NO_ITEM;
					allow = p->default_allow;
				}
				if (end > gaps[g].last)
					end = gaps[g].last;
				if (allow && item == NO_ITEM) {
					dflt_access |= bit;
				} else if (allow) {
					if (mt_vec_reserve(&o, &cap, no + 1))
						goto out;
					o[no++] = (struct outside){ (uint32_t)pos, (uint32_t)end,
								    item, bit };
				}
				pos = end + 1;
			}
		}
	}
	if (no)
		qsort(o, no, sizeof(*o), cmp_outside);

	d = mt_diags_new(p->filename);
	if (!d)
		goto out;
	if (dflt_access) {
		struct mt_strbuf b = MT_STRBUF_INIT;

		for (unsigned int i = 0; msrtrap_format_span(fmt, i, &first, &last) == 0; i++) {
			bool more = msrtrap_format_span(fmt, i + 1, NULL, NULL) == 0;
			bool final = i > 0 && !more;

			mt_strbuf_printf(&b, "%s0x%x-0x%x", i == 0 ? "" : final ? " and " : ", ",
				  first, last);
		}
		if (b.err) {
			mt_strbuf_fini(&b);
			goto out;
		}
		err = mt_diags_add(d, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_UNREPRESENTABLE,
				   p->default_line, p->default_column,
				   p->default_line ? 7 : 0,
				   "%s'default allow' allows %s of MSRs outside %s, "
				   "which %s cannot pass through (they always exit)",
				   p->default_line ? "" : "the implicit ",
				   msrtrap_access_name(dflt_access, MSRTRAP_ACCESS_PHRASE), b.s, format_phrase(fmt));
		mt_strbuf_fini(&b);
		if (err)
			goto out;
		err = -ENOMEM;
		count++;
	}
	for (size_t i = 0; i < no; i++) {
		const struct mt_item *it = &p->items[o[i].item];
		unsigned int access = o[i].access;
		char target[32];
		const char *name;

		while (i + 1 < no && o[i + 1].item == o[i].item &&
		       o[i + 1].first == o[i].first && o[i + 1].last == o[i].last)
			access |= o[++i].access;
		sb_target(target, sizeof(target), o[i].first, o[i].last);
		name = o[i].first == o[i].last ? msrtrap_msr_name(o[i].first) : NULL;
		if (mt_diags_add(d, MSRTRAP_SEV_WARNING, MSRTRAP_DIAG_UNREPRESENTABLE,
				 p->rules[it->rule].line, it->column, it->length,
				 "allows %s of %s%s%s%s, which %s cannot pass through "
				 "(they always exit)",
				 msrtrap_access_name(access, MSRTRAP_ACCESS_PHRASE), target, name ? " (" : "",
				 name ? name : "", name ? ")" : "", format_phrase(fmt)))
			goto out;
		count++;
	}
	mt_diags_sort(d);
	if (diags) {
		*diags = d;
		d = NULL;
	}
	err = count;
out:
	msrtrap_diags_free(d);
	free(o);
	return err;
}
