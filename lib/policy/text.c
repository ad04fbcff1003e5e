// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A policy as canonical text, and a policy built from its canonical
 * model (exception intervals): the two directions share the canonical
 * rules, one per maximal interval, rw where read and write coincide.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/names.h>
#include <msrtrap/policy.h>

#include "util/strbuf.h"
#include "policy_internal.h"

/* ---- text --------------------------------------------------------------- */

/* One line of a canonical policy. */
struct entry {
	uint32_t first, last;
	enum msrtrap_access access;
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

int mt_target_text(char *buf, size_t size, uint32_t first, uint32_t last)
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
	MSRTRAP_OPTS(msrtrap_group_info, g);
	bool group = false;

	for (gi = 0; msrtrap_group_at(gi, &g) == 0; gi++) {
		if (g.nintervals == 1 && g.intervals[0].first == first &&
		    g.intervals[0].last == last) {
			group = true;
			break;
		}
	}
	for (size_t i = msrtrap_msr_lower_bound(first); i < msrtrap_msr_count(); i++) {
		MSRTRAP_OPTS(msrtrap_msr_info, info);

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

	mt_target_text(target, sizeof(target), e->first, e->last);
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

	/*
	 * No array has more than PTRDIFF_MAX bytes: a larger count is a
	 * bogus one, and would wrap n * sizeof(*c) in normalize().
	 */
	if (!out || (!read && nread) || (!write && nwrite) ||
	    nread > PTRDIFF_MAX / sizeof(*read) ||
	    nwrite > PTRDIFF_MAX / sizeof(*write))
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
