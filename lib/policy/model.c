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
 * The canonical text and building from intervals are in text.c; the
 * overridden-rule analysis and the hardware-format check in lint.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/policy.h>

#include "util/bsearch.h"
#include "util/opts.h"
#include "util/vec.h"
#include "policy_internal.h"

/*
 * struct msrtrap_interval travels in caller arrays without a size field;
 * <msrtrap/policy.h> promises its layout never changes.
 */
_Static_assert(sizeof(struct msrtrap_interval) == 8 &&
		       offsetof(struct msrtrap_interval, last) == 4,
	       "struct msrtrap_interval is frozen ABI");

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
		       enum msrtrap_access access, unsigned int line,
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
	unsigned int bit = mt_index_access(ai);
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

static int build_exceptions(struct msrtrap_policy *p, int ai)
{
	struct msrtrap_interval *exc;
	size_t n = 0;

	exc = malloc((p->nsegs[ai] ? p->nsegs[ai] : 1) * sizeof(*exc));
	if (!exc)
		return -ENOMEM;
	for (size_t k = 0; k < p->nsegs[ai]; k++) {
		const struct mt_seg *s = &p->segs[ai][k];

		if (mt_seg_allows(p, s) == p->default_allow)
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

size_t mt_seg_lower(const struct msrtrap_policy *p, int ai, uint32_t msr)
{
	return mt_lower_bound(p->segs[ai], p->nsegs[ai], sizeof(struct mt_seg),
			      &msr, seg_last_lt);
}

size_t mt_seg_upper(const struct msrtrap_policy *p, int ai, uint32_t msr)
{
	return mt_lower_bound(p->segs[ai], p->nsegs[ai], sizeof(struct mt_seg),
			      &msr, seg_first_le);
}

/* The run holding msr, or NULL when no rule names it. */
static const struct mt_seg *find_seg(const struct msrtrap_policy *p, int ai,
				     uint32_t msr)
{
	size_t i = mt_seg_upper(p, ai, msr);

	if (i == 0 || p->segs[ai][i - 1].last < msr)
		return NULL;
	return &p->segs[ai][i - 1];
}

int msrtrap_policy_verdict(const struct msrtrap_policy *p, uint32_t msr,
			   enum msrtrap_access access)
{
	int ai = mt_access_index(access);
	const struct mt_seg *s;

	if (!p || ai < 0)
		return -EINVAL;
	s = find_seg(p, ai, msr);
	return s ? mt_seg_allows(p, s) : p->default_allow;
}

int msrtrap_policy_explain(const struct msrtrap_policy *p, uint32_t msr,
			   enum msrtrap_access access,
			   struct msrtrap_policy_decision *decision)
{
	struct msrtrap_policy_decision d;
	int ai = mt_access_index(access);
	const struct mt_seg *s;

	if (!p || !decision || decision->sz < sizeof(decision->sz) || ai < 0)
		return -EINVAL;
	/* padding included: no stack bytes of ours reach the caller */
	memset(&d, 0, sizeof(d));
	d.sz = sizeof(d);
	s = find_seg(p, ai, msr);
	if (s) {
		const struct mt_item *it = &p->items[s->item];

		d.allowed = p->rules[it->rule].allow;
		d.rule = it->rule;
		d.line = p->rules[it->rule].line;
		d.column = it->column;
	} else {
		d.allowed = p->default_allow;
		d.by_default = true;
		d.line = p->default_line;
		d.column = p->default_column;
	}
	return mt_out_copy(decision, &d, sizeof(d));
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
	struct msrtrap_policy_rule r;

	if (!p || !rule || rule->sz < sizeof(rule->sz))
		return -EINVAL;
	if (i >= p->nrules)
		return -ENOENT;
	/* padding included: no stack bytes of ours reach the caller */
	memset(&r, 0, sizeof(r));
	r.sz = sizeof(r);
	r.allow = p->rules[i].allow;
	r.access = p->rules[i].access;
	r.line = p->rules[i].line;
	r.column = p->rules[i].column;
	return mt_out_copy(rule, &r, sizeof(r));
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
			       enum msrtrap_access access, struct msrtrap_interval *buf,
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
