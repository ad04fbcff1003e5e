// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The packer's model (docs/packing.md §2-3): the policy as elementary
 * segments of constant membership, for each choice of filter default
 * the typed stretches (§2.2), their components (§3) and the count DP's
 * shortened instance (§4.3).
 */
#include <string.h>

#include "pack_internal.h"
#include "util/sort.h"

void mt_pack_side_fini(struct side *s)
{
	free(s->st);
	free(s->cst);
	free(s->cutk);
	free(s->comp);
	free(s->ccount);
	free(s->cpieces.p);
	free(s->lpieces.p);
}

/* ---- input: elementary segments and typed stretches (§2.2) ---- */

int mt_pack_check_list(const struct msrtrap_interval *v, size_t n)
{
	if (n && !v)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i].first > v[i].last)
			return -EINVAL;
		if (i && v[i].first <= v[i - 1].last)
			return -EINVAL;
	}
	return 0;
}

int mt_pack_build_segments(struct ctx *c)
{
	const struct mt_pack_policy *pol = c->pol;
	size_t n = 5 + 2 * (pol->nread + pol->nwrite), k = 0, m = 0;
	size_t ir = 0, iw = 0;
	uint64_t *pts = malloc(n * sizeof(*pts));

	if (!pts)
		return -ENOMEM;
	pts[k++] = 0;
	pts[k++] = UNIV_END;
	pts[k++] = SPACE_END;
	if (c->free_end > c->free_first) {
		pts[k++] = c->free_first;
		pts[k++] = c->free_end;
	}
	for (size_t i = 0; i < pol->nread; i++) {
		pts[k++] = pol->read[i].first;
		pts[k++] = (uint64_t)pol->read[i].last + 1;
	}
	for (size_t i = 0; i < pol->nwrite; i++) {
		pts[k++] = pol->write[i].first;
		pts[k++] = (uint64_t)pol->write[i].last + 1;
	}
	mt_sort(pts, k, sizeof(*pts), mt_cmp_u64);
	for (size_t i = 0; i < k; i++)
		if (!m || pts[i] != pts[m - 1])
			pts[m++] = pts[i];
	/* pts[m - 1] == SPACE_END: m - 1 segments */
	/* pts holds 0 and SPACE_END, so m >= 2 (a false positive): */
	/* NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI) */
	c->seg = malloc((m - 1) * sizeof(*c->seg));
	if (!c->seg) {
		free(pts);
		return -ENOMEM;
	}
	for (size_t i = 0; i + 1 < m; i++) {
		uint64_t p = pts[i];
		struct eseg *s = &c->seg[i];

		while (ir < pol->nread && pol->read[ir].last < p)
			ir++;
		while (iw < pol->nwrite && pol->write[iw].last < p)
			iw++;
		s->start = p;
		s->in_r = ir < pol->nread && pol->read[ir].first <= p;
		s->in_w = iw < pol->nwrite && pol->write[iw].first <= p;
		s->free = p >= c->free_first && p < c->free_end;
	}
	c->nseg = m - 1;
	free(pts);
	return 0;
}

static uint64_t seg_end(const struct ctx *c, size_t i)
{
	return i + 1 < c->nseg ? c->seg[i + 1].start : SPACE_END;
}

/*
 * The stretches for filter default `allow`: a point's READ verdict
 * differs from the default iff (in a READ exception) xor (the filter
 * default differs from the policy default).
 */
static int build_stretches(const struct ctx *c, struct side *s, bool allow)
{
	unsigned int flip = allow != c->pol->default_allow;
	size_t cap = 0;

	s->allow = allow;
	s->possible = true;
	for (size_t i = 0; i < c->nseg; i++) {
		const struct eseg *e = &c->seg[i];
		uint64_t end = seg_end(c, i);
		unsigned int type = e->free ? TY_NONE :
			((e->in_r ^ flip) | (e->in_w ^ flip) << 1);

		if (e->start >= UNIV_END) {
			/* MSR 0xffffffff: no range can hold it (§2.1) */
			if (type)
				s->possible = false;
			continue;
		}
		if (!type)
			continue;
		s->measure += end - e->start;
		if (s->nst && s->st[s->nst - 1].end == e->start &&
		    s->st[s->nst - 1].type == type) {
			s->st[s->nst - 1].end = end;
			continue;
		}
		if (mt_vec_reserve(&s->st, &cap, s->nst + 1))
			return -ENOMEM;
		s->st[s->nst++] = (struct stretch){ e->start, end, type };
	}
	return 0;
}

/*
 * Components (§3): no range of at most nmax MSRs can hold demand on both
 * sides of a gap longer than nmax - 2, so such gaps split the problem.
 * (We split only at gaps > nmax: coarser, equally exact.)
 */
static int build_components(const struct ctx *c, struct side *s)
{
	size_t cap = 0;

	s->ncomp = 0;
	if (mt_vec_reserve(&s->comp, &cap, 1))
		return -ENOMEM;
	s->comp[0] = 0;
	for (size_t i = 0; i < s->nst; i++) {
		if (i + 1 < s->nst && s->st[i + 1].start - s->st[i].end <= c->nmax)
			continue;
		if (mt_vec_reserve(&s->comp, &cap, s->ncomp + 2))
			return -ENOMEM;
		s->comp[++s->ncomp] = i + 1;
	}
	s->ccount = calloc(s->ncomp ? s->ncomp : 1, sizeof(*s->ccount));
	return s->ccount ? 0 : -ENOMEM;
}

/*
 * §4.3: a stretch of L >= 4*nmax MSRs loses k = (L - 3*nmax) / nmax full
 * ranges' worth of its middle for the count DP; the minimum count of the
 * whole is that of the shortened instance plus k.
 */
static int compress(const struct ctx *c, struct side *s)
{
	uint64_t shift = 0;

	s->cst = malloc((s->nst ? s->nst : 1) * sizeof(*s->cst));
	s->cutk = calloc(s->nst ? s->nst : 1, sizeof(*s->cutk));
	if (!s->cst || !s->cutk)
		return -ENOMEM;
	for (size_t i = 0; i < s->nst; i++) {
		uint64_t len = s->st[i].end - s->st[i].start, k = 0;

		if (len >= 4 * c->nmax)
			k = (len - 3 * c->nmax) / c->nmax;
		s->cutk[i] = k;
		s->cst[i] = (struct stretch){ s->st[i].start - shift,
					      s->st[i].end - shift - k * c->nmax,
					      s->st[i].type };
		shift += k * c->nmax;
	}
	return 0;
}

/* A side of filter default `allow`: stretches, components, compression. */
int mt_pack_build_side(const struct ctx *c, struct side *s, bool allow)
{
	int err = build_stretches(c, s, allow);

	if (!err)
		err = build_components(c, s);
	if (!err)
		err = compress(c, s);
	return err;
}
