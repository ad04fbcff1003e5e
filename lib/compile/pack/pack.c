// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The optimal KVM MSR filter packer. docs/packing.md is the companion:
 * the model (§2), the count DP (§4), the lexicographic DP (§5) and why
 * each is exact. Section numbers below refer to it.
 *
 * Vocabulary: a "piece" is a range of the output filter, of one of three
 * families: r (READ-only), w (WRITE-only), t (READ|WRITE). Families are
 * label bits 1, 2, 4. For a filter default D, every MSR has a type: 0
 * (nothing to do: both verdicts equal D, or don't-care), A (only the READ
 * verdict differs from D), B (only WRITE), C (both). A point is served
 * by the set of families covering it iff (§2.3)
 *	A: r or (t and w)	B: w or (t and r)	C: t or (r and w)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/filter.h>

#include "pack.h"
#include "util/bsearch.h"
#include "util/sort.h"
#include "util/vec.h"

/* Ranges can hold MSRs [0, UNIV_END): base+nmsrs must not wrap (§2.1). */
#define UNIV_END 0xffffffffull
#define SPACE_END (1ull << 32)
#define NIL UINT32_MAX
#define NO_FAIL UINT64_MAX

enum { FAM_R, FAM_W, FAM_T, NFAM };
enum { TY_NONE, TY_A, TY_B, TY_C };

/* A family's accesses; they are also its filter flags (lib/filter/filter.c). */
static const enum msrtrap_access fam_access[NFAM] = {
	MSRTRAP_READ,
	MSRTRAP_WRITE,
	MSRTRAP_RW,
};

/* Is a point of this type served by the families in `lab`? (§2.3) */
static bool served(unsigned int type, unsigned int lab)
{
	switch (type) {
	case TY_A:
		return (lab & 1) || (lab & 6) == 6;
	case TY_B:
		return (lab & 2) || (lab & 5) == 5;
	case TY_C:
		return (lab & 4) || (lab & 3) == 3;
	default:
		return true;
	}
}

/* Elementary segment [start, next start): constant membership. */
struct eseg {
	uint64_t start;
	bool in_r, in_w, free;
};

/* Maximal run of one non-zero type. */
struct stretch {
	uint64_t start, end;
	unsigned int type;
};

struct piece {
	uint64_t start, end;
	unsigned int fam;
};

struct pvec {
	struct piece *p;
	size_t n, cap;
};

static int pvec_push(struct pvec *v, uint64_t start, uint64_t end,
		     unsigned int fam)
{
	if (mt_vec_reserve(&v->p, &v->cap, v->n + 1))
		return -ENOMEM;
	v->p[v->n++] = (struct piece){ start, end, fam };
	return 0;
}

struct ctx {
	const struct mt_pack_policy *pol;
	uint64_t nmax;	/* max_nmsrs */
	uint64_t word;	/* word_msrs */
	uint64_t delta; /* grid step of the lexicographic DP (§5.2) */
	bool plain;	/* MT_PACK_DEBUG_PLAIN */
	uint64_t free_first, free_end;
	struct eseg *seg;
	size_t nseg;
};

static uint64_t piece_bytes(const struct ctx *c, uint64_t len)
{
	return 8 * ((len + c->word - 1) / c->word);
}

/* One choice of filter default. */
struct side {
	bool allow;
	bool possible; /* MSR 0xffffffff's verdicts equal the default */
	struct stretch *st;
	size_t nst;
	uint64_t measure; /* MSRs of non-zero type */
	/* the count DP's instance (§4.3): stretch i shortened by cutk[i]
	 * full ranges, coordinates shifted accordingly */
	struct stretch *cst;
	uint64_t *cutk;
	/* components (§3): stretch index ranges and their minimum counts */
	size_t *comp; /* ncomp + 1 boundaries into st */
	uint64_t *ccount;
	size_t ncomp;
	bool over;	/* count DP stopped above its cap */
	uint64_t count; /* minimum number of pieces (when !over) */
	struct pvec cpieces; /* a count-optimal solution */
	uint64_t bytes;
	struct pvec lpieces; /* a lexicographically optimal solution */
};

static void side_fini(struct side *s)
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

static int check_list(const struct msrtrap_interval *v, size_t n)
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

static int build_segments(struct ctx *c)
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
static int build_side(const struct ctx *c, struct side *s, bool allow)
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

/* ---- the count DP (§4) ---- */

struct cnode {
	uint64_t start;
	uint32_t prev;
	uint8_t fam;
};

struct cstate {
	uint64_t pos; /* first point the pieces so far do not serve */
	uint64_t reach[NFAM];
	uint64_t count;
	uint32_t trail; /* last started piece (cnode), NIL */
	uint32_t sidx;	/* stretch holding pos */
};

/*
 * Stretches with, per type, the index of the next stretch of that type:
 * the first point a label leaves unserved is found in O(log n).
 */
struct scan {
	const struct stretch *st;
	size_t n;
	uint32_t *nt; /* nt[(type - 1) * (n + 1) + i] */
};

static int scan_init(struct scan *sc, const struct stretch *st, size_t n)
{
	sc->st = st;
	sc->n = n;
	sc->nt = malloc(3 * (n + 1) * sizeof(*sc->nt));
	if (!sc->nt)
		return -ENOMEM;
	for (unsigned int t = 0; t < 3; t++) {
		uint32_t *v = &sc->nt[t * (n + 1)];

		v[n] = (uint32_t)n;
		for (size_t i = n; i-- > 0;)
			v[i] = st[i].type == t + 1 ? (uint32_t)i : v[i + 1];
	}
	return 0;
}

static bool stretch_ends_by(const void *elem, const void *key)
{
	return ((const struct stretch *)elem)->end <= *(const uint64_t *)key;
}

/* First stretch of st[0..n) whose end is past y (sorted, disjoint). */
static size_t stretch_after(const struct stretch *st, size_t n, uint64_t y)
{
	return mt_lower_bound(st, n, sizeof(*st), &y, stretch_ends_by);
}

/* First stretch index >= i whose end is past y. */
static size_t scan_seek(const struct scan *sc, size_t i, uint64_t y)
{
	return i + stretch_after(sc->st + i, sc->n - i, y);
}

struct cdp {
	const struct ctx *c;
	const struct stretch *st;
	size_t n;
	const struct scan *sc;
	struct cnode *nodes;
	size_t nnodes, cnodes;
	struct cstate *heap;
	size_t nheap, cheap;
	struct cstate *grp;
	size_t cgrp;
};

static unsigned int label_at(const uint64_t reach[NFAM], uint64_t y)
{
	unsigned int lab = 0;

	for (unsigned int f = 0; f < NFAM; f++)
		if (reach[f] > y)
			lab |= 1u << f;
	return lab;
}

/*
 * First point >= x whose type is not served by pieces reaching
 * reach[] (no new piece started), NO_FAIL when there is none. Between
 * two piece ends the label is constant: the failure is the start of the
 * first stretch of a type it does not serve (or x itself).
 */
static uint64_t next_failure(const struct cdp *d, uint32_t *sidx, uint64_t x,
			     const uint64_t reach[NFAM])
{
	const struct scan *sc = d->sc;
	size_t i = scan_seek(sc, *sidx, x);
	uint64_t y = x;

	while (i < sc->n) {
		unsigned int lab = label_at(reach, y);
		uint64_t z = UINT64_MAX;
		size_t j = sc->n;

		for (unsigned int f = 0; f < NFAM; f++)
			if (reach[f] > y && reach[f] < z)
				z = reach[f];
		for (unsigned int t = 1; t <= 3; t++)
			if (!served(t, lab) && sc->nt[(t - 1) * (sc->n + 1) + i] < j)
				j = sc->nt[(t - 1) * (sc->n + 1) + i];
		if (j < sc->n) {
			uint64_t fy = sc->st[j].start > y ? sc->st[j].start : y;

			if (fy < z) {
				*sidx = (uint32_t)j;
				return fy;
			}
		}
		if (z == UINT64_MAX)
			break;
		y = z;
		i = scan_seek(sc, i, y);
	}
	return NO_FAIL;
}

static void heap_up(struct cstate *h, size_t i)
{
	while (i) {
		size_t p = (i - 1) / 2;
		struct cstate t;

		if (h[p].pos <= h[i].pos)
			break;
		t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static void heap_down(struct cstate *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct cstate t;

		if (l < n && h[l].pos < h[m].pos)
			m = l;
		if (r < n && h[r].pos < h[m].pos)
			m = r;
		if (m == i)
			break;
		t = h[m];
		h[m] = h[i];
		h[i] = t;
		i = m;
	}
}

static int heap_push(struct cdp *d, const struct cstate *s)
{
	if (mt_vec_reserve(&d->heap, &d->cheap, d->nheap + 1))
		return -ENOMEM;
	d->heap[d->nheap] = *s;
	heap_up(d->heap, d->nheap++);
	return 0;
}

static struct cstate heap_pop(struct cdp *d)
{
	struct cstate top = d->heap[0];

	d->heap[0] = d->heap[--d->nheap];
	heap_down(d->heap, d->nheap, 0);
	return top;
}

/* Same position: fewer pieces and every family reaching as far. */
static bool cdom(const struct cstate *a, const struct cstate *b)
{
	if (a->count > b->count)
		return false;
	for (unsigned int f = 0; f < NFAM; f++) {
		uint64_t ra = a->reach[f] > a->pos ? a->reach[f] : a->pos;
		uint64_t rb = b->reach[f] > b->pos ? b->reach[f] : b->pos;

		if (ra < rb)
			return false;
	}
	return true;
}

/*
 * Minimum number of pieces serving stretches st[0..n), if at most cap:
 * returns 0 and the pieces (length nmax, clipped at the last stretch's
 * end) appended to `out`; 1 when more than cap are needed. Where the
 * pieces end past the last demand does not matter for the count, so no
 * clipping at UNIV_END is needed here.
 */
static int count_dp(const struct ctx *c, const struct stretch *st, size_t n,
		    uint64_t cap, uint64_t *count, struct pvec *out)
{
	struct cdp d = { .c = c, .st = st, .n = n };
	struct cstate s0 = { .trail = NIL };
	struct scan sc;
	uint64_t best = cap + 1;
	uint32_t best_trail = NIL;
	bool found = false;
	int err = 0;

	if (scan_init(&sc, st, n))
		return -ENOMEM;
	d.sc = &sc;
	s0.pos = next_failure(&d, &s0.sidx, 0, s0.reach);
	if (s0.pos == NO_FAIL) {
		*count = 0;
		free(sc.nt);
		return 0;
	}
	if (heap_push(&d, &s0)) {
		free(sc.nt);
		return -ENOMEM;
	}
	while (d.nheap && !err) {
		uint64_t pos = d.heap[0].pos;
		size_t ng = 0, keep = 0;

		while (d.nheap && d.heap[0].pos == pos) {
			if (mt_vec_reserve(&d.grp, &d.cgrp, ng + 1)) {
				err = -ENOMEM;
				break;
			}
			d.grp[ng++] = heap_pop(&d);
		}
		/* keep the non-dominated states (first of equals) */
		for (size_t i = 0; i < ng; i++) {
			bool dominated = false;

			for (size_t j = 0; j < ng && !dominated; j++)
				if (j != i && cdom(&d.grp[j], &d.grp[i]) &&
				    (j < i || !cdom(&d.grp[i], &d.grp[j])))
					dominated = true;
			if (!dominated)
				d.grp[keep++] = d.grp[i];
		}
		for (size_t i = 0; i < keep && !err; i++) {
			const struct cstate *s = &d.grp[i];
			unsigned int type = st[s->sidx].type;
			unsigned int lab = label_at(s->reach, pos);

			if (s->count + 1 >= best)
				continue;
			/* branch over the minimal sets of families to start */
			for (unsigned int m = 1; m < 8 && !err; m++) {
				struct cstate ch = *s;
				bool minimal = true;

				if ((m & lab) || !served(type, lab | m))
					continue;
				for (unsigned int sub = (m - 1) & m; sub; sub = (sub - 1) & m)
					if (served(type, lab | sub))
						minimal = false;
				if (!minimal)
					continue;
				for (unsigned int f = 0; f < NFAM; f++) {
					if (!(m & (1u << f)))
						continue;
					ch.reach[f] = pos + c->nmax;
					ch.count++;
					/* trails are 32-bit indices */
					if (d.nnodes >= NIL ||
					    mt_vec_reserve(&d.nodes, &d.cnodes, d.nnodes + 1)) {
						err = -ENOMEM;
						break;
					}
					d.nodes[d.nnodes] = (struct cnode){ pos, ch.trail, (uint8_t)f };
					ch.trail = (uint32_t)d.nnodes++;
				}
				if (err || ch.count >= best)
					continue;
				ch.pos = next_failure(&d, &ch.sidx, pos, ch.reach);
				if (ch.pos == NO_FAIL) {
					best = ch.count;
					best_trail = ch.trail;
					found = true;
					continue;
				}
				err = heap_push(&d, &ch);
			}
		}
	}
	if (!err && found) {
		*count = best;
		for (uint32_t t = best_trail; t != NIL && !err; t = d.nodes[t].prev) {
			uint64_t s = d.nodes[t].start;
			uint64_t e = s + c->nmax < st[n - 1].end ?
				     s + c->nmax : st[n - 1].end;

			err = pvec_push(out, s, e, d.nodes[t].fam);
		}
	}
	free(d.nodes);
	free(d.heap);
	free(d.grp);
	free(sc.nt);
	return err ? err : !found;
}

/* ---- the lexicographic DP (§5) ---- */

struct pend {
	uint64_t start, end;
	uint8_t fam;
};

struct pstate {
	int64_t o[NFAM]; /* start of the open piece, -1 when none */
	uint64_t count;	 /* pieces opened so far */
	uint64_t bytes;	 /* bytes of the closed pieces */
	uint32_t togo;	 /* count-to-go with the open pieces, UINT32_MAX unknown */
	uint32_t trail;	 /* last closed piece (pnode), NIL */
	uint8_t npend;	 /* pieces closed on the way here, not yet in trail */
	struct pend pend[NFAM];
};

struct pnode {
	uint64_t start, end;
	uint32_t prev;
	uint8_t fam;
};

struct pfront {
	struct pstate *s;
	size_t n, cap;
};

/*
 * a is at least as good as b for every continuation (§5.4): a can copy
 * b's decisions; where b has a piece open that a has not, a opens one
 * when it is first needed (one more range, no more bytes); where a has
 * one open that b has not, a closes it at the next grid position xn (its
 * bytes); where both have one open, a's must not start earlier. Then a's
 * (count, bytes) with these corrections must be lexicographically no
 * larger than b's. (Plain mode: the same families open, no corrections.)
 */
static bool pdom(const struct ctx *c, const struct pstate *a,
		 const struct pstate *b, uint64_t xn)
{
	uint64_t count = a->count, bytes = a->bytes;

	for (unsigned int f = 0; f < NFAM; f++) {
		bool ao = a->o[f] >= 0, bo = b->o[f] >= 0;

		if (c->plain && ao != bo)
			return false;
		if (ao && bo && a->o[f] < b->o[f])
			return false;
		if (!ao && bo)
			count++;
		if (ao && !bo)
			bytes += piece_bytes(c, xn - (uint64_t)a->o[f]);
	}
	if (count != b->count)
		return count < b->count;
	return bytes <= b->bytes;
}

static bool dominated(const struct ctx *c, const struct pfront *fr,
		      const struct pstate *s, uint64_t xn)
{
	for (size_t i = 0; i < fr->n; i++)
		if (pdom(c, &fr->s[i], s, xn))
			return true;
	return false;
}

static int pinsert(const struct ctx *c, struct pfront *fr,
		   const struct pstate *s, uint64_t xn)
{
	size_t j = 0;

	if (dominated(c, fr, s, xn))
		return 0;
	for (size_t i = 0; i < fr->n; i++)
		if (!pdom(c, s, &fr->s[i], xn))
			fr->s[j++] = fr->s[i];
	fr->n = j;
	if (mt_vec_reserve(&fr->s, &fr->cap, fr->n + 1))
		return -ENOMEM;
	fr->s[fr->n++] = *s;
	return 0;
}

enum { OPT_KEEP, OPT_CLOSE, OPT_REOPEN, OPT_STAY, OPT_OPEN };

/*
 * Count-to-go (§5.5): the fewest new pieces that serve everything from x
 * on when the open pieces may extend to reach[], i.e. the count DP's
 * recursion, asked with a budget b and answering min(true value, b) -
 * all the pruning needs, and it bounds the recursion depth by b. Memoized
 * on (first failure, reaches past it): a value below the budget it was
 * computed with is exact, one equal to it only a lower bound.
 */
struct togo_ent {
	uint64_t f;
	uint16_t r[NFAM]; /* reach - f, 0 for none (reaches are <= f + nmax) */
	uint8_t val;	  /* <= max_ranges + 1 */
	uint8_t flags;	  /* TOGO_USED, TOGO_EXACT */
};

#define TOGO_USED 1u
#define TOGO_EXACT 2u
/* a cache, not a record: wiped when this full */
#define TOGO_MAX_CAP (1u << 20)

struct togo {
	const struct ctx *c;
	const struct stretch *st;
	size_t n;
	struct scan sc;
	struct togo_ent *tab;
	size_t cap, used;
};

static size_t togo_hash(uint64_t f, const uint16_t r[NFAM], size_t mask)
{
	uint64_t h = f ^ ((uint64_t)r[0] << 40 ^ (uint64_t)r[1] << 20 ^ r[2]) *
			     0x9e3779b97f4a7c15ull;

	h = (h ^ (h >> 31)) * 0xff51afd7ed558ccdull;
	h = (h ^ (h >> 29)) * 0xc4ceb9fe1a85ec53ull;
	return (size_t)(h ^ (h >> 32)) & mask;
}

static struct togo_ent *togo_slot(struct togo *t, uint64_t f,
				  const uint16_t r[NFAM])
{
	size_t i = togo_hash(f, r, t->cap - 1);

	while ((t->tab[i].flags & TOGO_USED) &&
	       (t->tab[i].f != f || memcmp(t->tab[i].r, r, sizeof(t->tab[i].r))))
		i = (i + 1) & (t->cap - 1);
	return &t->tab[i];
}

static int togo_put(struct togo *t, uint64_t f, const uint16_t r[NFAM],
		    uint32_t val, bool exact)
{
	struct togo_ent *e;

	if (2 * (t->used + 1) > t->cap) {
		struct togo_ent *old = t->tab;
		size_t ocap = t->cap;

		if (ocap >= TOGO_MAX_CAP) {
			memset(t->tab, 0, ocap * sizeof(*t->tab));
			t->used = 0;
		} else {
			t->cap = ocap ? 2 * ocap : 1024;
			t->tab = calloc(t->cap, sizeof(*t->tab));
			if (!t->tab) {
				t->tab = old;
				t->cap = ocap;
				return -ENOMEM;
			}
			for (size_t i = 0; i < ocap; i++)
				if (old[i].flags & TOGO_USED)
					*togo_slot(t, old[i].f, old[i].r) = old[i];
			free(old);
		}
	}
	e = togo_slot(t, f, r);
	if (!(e->flags & TOGO_USED))
		t->used++;
	*e = (struct togo_ent){ f, { r[0], r[1], r[2] }, (uint8_t)val,
				(uint8_t)(TOGO_USED | (exact ? TOGO_EXACT : 0)) };
	return 0;
}

static int togo(struct togo *t, uint64_t x, const uint64_t reach[NFAM],
		uint32_t budget, uint32_t *out)
{
	struct cdp d = { .c = t->c, .st = t->st, .n = t->n, .sc = &t->sc };
	uint32_t sidx = 0, best = budget;
	uint64_t r[NFAM], f;
	uint16_t key[NFAM];
	unsigned int type, lab;
	int err;

	*out = 0;
	if (!budget)
		return 0;
	f = next_failure(&d, &sidx, x, reach);
	if (f == NO_FAIL)
		return 0;
	for (unsigned int i = 0; i < NFAM; i++) {
		r[i] = reach[i] > f ? reach[i] : 0;
		key[i] = (uint16_t)(r[i] ? r[i] - f : 0);
	}
	if (t->cap) {
		const struct togo_ent *e = togo_slot(t, f, key);

		if ((e->flags & TOGO_USED) &&
		    ((e->flags & TOGO_EXACT) || e->val >= budget)) {
			*out = e->val < budget ? e->val : budget;
			return 0;
		}
	}
	type = t->st[sidx].type;
	lab = label_at(r, f);
	for (unsigned int m = 1; m < 8; m++) {
		uint64_t r2[NFAM];
		uint32_t v, rest;
		bool minimal = true;

		if ((m & lab) || !served(type, lab | m))
			continue;
		for (unsigned int sub = (m - 1) & m; sub; sub = (sub - 1) & m)
			if (served(type, lab | sub))
				minimal = false;
		v = (uint32_t)__builtin_popcount(m);
		if (!minimal || v >= best)
			continue;
		for (unsigned int i = 0; i < NFAM; i++)
			r2[i] = m & (1u << i) ? f + t->c->nmax : r[i];
		err = togo(t, f, r2, best - v, &rest);
		if (err)
			return err;
		if (v + rest < best)
			best = v + rest;
	}
	err = togo_put(t, f, key, best, best < budget);
	if (err)
		return err;
	*out = best;
	return 0;
}

/*
 * The grid of §5.2: every position in [lo, hi] congruent modulo delta to
 * a stretch boundary of the component.
 */
static int grid(const struct ctx *c, const struct stretch *st, size_t n,
		uint64_t **out, size_t *nout)
{
	uint64_t lo = st[0].start, hi = st[n - 1].end, dl = c->delta;
	uint8_t *has = calloc(dl, 1);
	uint64_t *res = NULL, *pos = NULL;
	size_t nres = 0, npos = 0, cap = 0;
	int err = -ENOMEM;

	if (!has)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		has[st[i].start % dl] = 1;
		has[st[i].end % dl] = 1;
	}
	res = malloc(dl * sizeof(*res));
	if (!res)
		goto out;
	for (uint64_t r = 0; r < dl; r++)
		if (has[r])
			res[nres++] = r;
	for (uint64_t q = lo - lo % dl; q <= hi; q += dl) {
		for (size_t i = 0; i < nres; i++) {
			uint64_t x = q + res[i];

			if (x < lo || x > hi)
				continue;
			if (mt_vec_reserve(&pos, &cap, npos + 1))
				goto out;
			pos[npos++] = x;
		}
	}
	*out = pos;
	*nout = npos;
	pos = NULL;
	err = 0;
out:
	free(pos);
	free(res);
	free(has);
	return err;
}

/*
 * §5.3: a run of one family is split greedily from its left end, every
 * piece but the last max_nmsrs long; when word does not divide
 * max_nmsrs, also at whole words (one piece of a run may be untidy).
 */
static bool reopen_ok(const struct ctx *c, uint64_t len)
{
	if (len == c->nmax)
		return true;
	return c->nmax % c->word && c->nmax > c->word && len % c->word == 0;
}

/*
 * A bound on the byte phase. Dominance keeps the front of states small on
 * real policies (tens of states), but adversarial shapes - a long run
 * interrupted by a single MSR whose accesses disagree, at unaligned
 * positions - can make it grow into the hundreds of thousands and the
 * search take minutes. Past EXACT_FRONT states the phase keeps only the
 * BEAM most promising states at each step: every kept state can still
 * reach the proven minimum count (the count-to-go check admitted it), so
 * the count stays optimal; only the byte minimum is no longer proven
 * (budget.approx, reported as bytes_proven = false).
 */
#define EXACT_FRONT 1024
#define BEAM 64
/*
 * A moderate front can still cost too much: a front of ~50 states over
 * tens of thousands of grid positions (default deny, two read-only MSRs
 * and a 65,296-MSR pass-through block: 1.7 billion dominance comparisons,
 * 1-2 s) never reaches EXACT_FRONT. So the phase also counts its
 * dominance comparisons (budget.work, one per front entry looked at):
 * past EXACT_WORK it turns to the beam as above, and past NARROW_WORK it
 * keeps only BEAM_NARROW states per step, which bounds the rest of the
 * phase to a few thousand comparisons per grid position. The counts are
 * deterministic, so the result does not depend on the machine's speed.
 */
#define EXACT_WORK (1ull << 24)
#define NARROW_WORK (1ull << 25)
#define BEAM_NARROW 4

/* Bytes a state has committed by position xn (closed plus open so far). */
static uint64_t state_bytes(const struct ctx *c, const struct pstate *s,
			    uint64_t xn)
{
	uint64_t b = s->bytes;

	for (unsigned int f = 0; f < NFAM; f++)
		if (s->o[f] >= 0)
			b += piece_bytes(c, xn - (uint64_t)s->o[f]);
	return b;
}

/*
 * A state's place in the beam: known to reach the minimum first, then
 * fewer pieces, then fewer bytes committed by the current position, then
 * its place in the front (so the order is total and the trim does not
 * depend on the sort's stability). The keys are computed before sorting,
 * so the comparator needs no state: compiles may run in parallel.
 */
struct beam_key {
	uint64_t promise; /* count + count-to-go, UINT64_MAX unknown */
	uint64_t bytes;
	size_t idx;
};

static int beam_cmp(const void *pa, const void *pb)
{
	const struct beam_key *a = pa, *b = pb;

	if (a->promise != b->promise)
		return a->promise < b->promise ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The byte phase's work bound and whether it fell back to the beam. */
struct budget {
	uint64_t work; /* dominance comparisons made so far */
	bool approx;   /* the beam trimmed a front: bytes not proven */
};

static size_t beam_width(const struct budget *b)
{
	return b->work > NARROW_WORK ? BEAM_NARROW : BEAM;
}

/* Keep the beam_width() most promising states of fr; keys is scratch. */
static int beam_trim(const struct ctx *c, const struct budget *b,
		     struct pfront *fr, uint64_t xn, struct beam_key **keys,
		     size_t *kcap)
{
	size_t width = beam_width(b);
	struct pstate keep[BEAM];

	if (fr->n <= width)
		return 0;
	if (mt_vec_reserve(keys, kcap, fr->n))
		return -ENOMEM;
	for (size_t i = 0; i < fr->n; i++) {
		const struct pstate *s = &fr->s[i];

		(*keys)[i] = (struct beam_key){
			s->togo == UINT32_MAX ? UINT64_MAX : s->count + s->togo,
			state_bytes(c, s, xn), i };
	}
	qsort(*keys, fr->n, sizeof(**keys), beam_cmp);
	for (size_t i = 0; i < width; i++)
		keep[i] = fr->s[(*keys)[i].idx];
	memcpy(fr->s, keep, width * sizeof(*keep));
	fr->n = width;
	return 0;
}

/*
 * Lexicographically optimal pieces (count, then bytes) for one component
 * whose minimum count is `cap`; appended to `out`, bytes added to *bytes.
 */
static int lex_dp(const struct ctx *c, struct budget *bud,
		  const struct stretch *st, size_t n, uint64_t cap,
		  struct pvec *out, uint64_t *bytes)
{
	struct beam_key *keys = NULL;
	size_t kcap = 0;
	struct pfront cur = { 0 }, nxt = { 0 }, tmp;
	struct pnode *nodes = NULL;
	size_t nnodes = 0, cnodes = 0, j = 0;
	uint64_t *pos = NULL, hi = st[n - 1].end;
	size_t npos = 0;
	struct pstate init = { .o = { -1, -1, -1 }, .togo = UINT32_MAX,
			       .trail = NIL };
	struct togo tg = { .c = c, .st = st, .n = n };
	const struct pstate *best = NULL;
	uint64_t best_bytes = 0;
	int err;

	err = grid(c, st, n, &pos, &npos);
	if (err)
		return err;
	err = scan_init(&tg.sc, st, n);
	if (err) {
		free(pos);
		return err;
	}
	err = -ENOMEM;
	/* grid() always yields lo = st[0].start (its residue is in the set),
	 * so npos >= 1 (a false positive): */
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	if (pinsert(c, &cur, &init, pos[0]))
		goto out;

	for (size_t i = 0; i + 1 < npos; i++) {
		uint64_t x = pos[i], xn = pos[i + 1];
		unsigned int type;

		while (j < n && st[j].end <= x)
			j++;
		type = j < n && st[j].start <= x ? st[j].type : TY_NONE;
		nxt.n = 0;
		for (size_t k = 0; k < cur.n; k++) {
			const struct pstate *s = &cur.s[k];
			unsigned int opt[NFAM][3], nopt[NFAM], a[NFAM];

			for (unsigned int f = 0; f < NFAM; f++) {
				nopt[f] = 0;
				if (s->o[f] >= 0) {
					if (xn - (uint64_t)s->o[f] <= c->nmax)
						opt[f][nopt[f]++] = OPT_KEEP;
					opt[f][nopt[f]++] = OPT_CLOSE;
					if (c->plain || reopen_ok(c, x - (uint64_t)s->o[f]))
						opt[f][nopt[f]++] = OPT_REOPEN;
				} else {
					opt[f][nopt[f]++] = OPT_STAY;
					opt[f][nopt[f]++] = OPT_OPEN;
				}
			}
			for (a[0] = 0; a[0] < nopt[0]; a[0]++)
			for (a[1] = 0; a[1] < nopt[1]; a[1]++)
			for (a[2] = 0; a[2] < nopt[2]; a[2]++) {
				struct pstate ch = *s;
				unsigned int lab = 0, opened = 0;
				bool needed = true, same = true;

				ch.npend = 0;
				for (unsigned int f = 0; f < NFAM; f++) {
					unsigned int o = opt[f][a[f]];

					same &= o == OPT_KEEP || o == OPT_STAY;
					if (o == OPT_CLOSE || o == OPT_REOPEN) {
						uint64_t st0 = (uint64_t)s->o[f];

						ch.pend[ch.npend++] = (struct pend){ st0, x, (uint8_t)f };
						ch.bytes += piece_bytes(c, x - st0);
						ch.o[f] = -1;
					}
					if (o == OPT_OPEN || o == OPT_REOPEN) {
						ch.o[f] = (int64_t)x;
						ch.count++;
						opened |= 1u << f;
					}
					if (ch.o[f] >= 0)
						lab |= 1u << f;
				}
				if (ch.count > cap || !served(type, lab))
					continue;
				/* §5.3: a piece starts only where it is needed */
				for (unsigned int f = 0; f < NFAM && !c->plain; f++)
					if ((opened & (1u << f)) &&
					    served(type, lab & ~(1u << f)))
						needed = false;
				if (!needed)
					continue;
				/* §5.5: the proven minimum must stay reachable.
				 * Same open pieces as the parent (which serves
				 * [x, xn) too): same count-to-go. */
				bud->work += nxt.n;
				if (!c->plain && !(same && s->togo != UINT32_MAX) &&
				    !dominated(c, &nxt, &ch, xn)) {
					uint32_t budget = (uint32_t)(cap - ch.count) + 1, more;
					uint64_t rch[NFAM];

					for (unsigned int f = 0; f < NFAM; f++)
						rch[f] = ch.o[f] >= 0 ?
							 (uint64_t)ch.o[f] + c->nmax : 0;
					if (togo(&tg, x, rch, budget, &more))
						goto out;
					if (more == budget)
						continue;
					ch.togo = more;
				}
				bud->work += 2 * nxt.n;
				if (pinsert(c, &nxt, &ch, xn))
					goto out;
				if (!c->plain &&
				    (nxt.n >= EXACT_FRONT || bud->work > EXACT_WORK ||
				     (bud->approx && nxt.n > 2 * beam_width(bud)))) {
					bud->approx = true;
					/* EXACT_FRONT > 2 * BEAM: a full front is trimmed too */
					if (nxt.n > 2 * beam_width(bud) &&
					    beam_trim(c, bud, &nxt, xn, &keys, &kcap))
						goto out;
				}
			}
		}
		/* the survivors' closed pieces join their trails */
		for (size_t k = 0; k < nxt.n; k++) {
			struct pstate *s = &nxt.s[k];

			for (unsigned int q = 0; q < s->npend; q++) {
				if (nnodes >= NIL ||
				    mt_vec_reserve(&nodes, &cnodes, nnodes + 1))
					goto out;
				nodes[nnodes] = (struct pnode){ s->pend[q].start,
								s->pend[q].end,
								s->trail,
								s->pend[q].fam };
				s->trail = (uint32_t)nnodes++;
			}
			s->npend = 0;
		}
		tmp = cur;
		cur = nxt;
		nxt = tmp;
	}

	/* at the component's end every open piece closes */
	for (size_t k = 0; k < cur.n; k++) {
		const struct pstate *s = &cur.s[k];
		uint64_t b = s->bytes;

		for (unsigned int f = 0; f < NFAM; f++)
			if (s->o[f] >= 0)
				b += piece_bytes(c, hi - (uint64_t)s->o[f]);
		if (!best || s->count < best->count ||
		    (s->count == best->count && b < best_bytes)) {
			best = s;
			best_bytes = b;
		}
	}
	/* the count DP proved `cap` is the minimum: anything else is a bug */
	err = -EPROTO;
	if (!best || best->count != cap)
		goto out;
	err = -ENOMEM;
	for (unsigned int f = 0; f < NFAM; f++)
		if (best->o[f] >= 0 && pvec_push(out, (uint64_t)best->o[f], hi, f))
			goto out;
	/* a trail other than NIL indexes nodes[], so nodes is allocated */
	for (uint32_t t = best->trail; t != NIL; t = nodes[t].prev) /* NOLINT(clang-analyzer-core.NullDereference) */
		if (pvec_push(out, nodes[t].start, nodes[t].end, nodes[t].fam)) /* NOLINT(clang-analyzer-core.NullDereference) */
			goto out;
	*bytes += best_bytes;
	err = 0;
out:
	free(keys);
	free(cur.s);
	free(nxt.s);
	free(tg.tab);
	free(tg.sc.nt);
	free(nodes);
	free(pos);
	return err;
}

/* ---- trimming count-DP pieces for the report (§6) ---- */

static int cmp_piece(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static bool piece_ends_by(const void *elem, const void *key)
{
	return ((const struct piece *)elem)->end <= *(const uint64_t *)key;
}

/* First piece of family block [lo, hi) with end > y (pieces disjoint). */
static size_t first_ending_after(const struct piece *p, size_t lo, size_t hi,
				 uint64_t y)
{
	return lo + mt_lower_bound(p + lo, hi - lo, sizeof(*p), &y,
				   piece_ends_by);
}

static unsigned int type_at(const struct stretch *st, size_t n, uint64_t y)
{
	size_t i = stretch_after(st, n, y);

	return i < n && st[i].start <= y ? st[i].type : TY_NONE;
}

/*
 * Shorten each piece to end just after the last point that needs it
 * (given the others as they are then), drop unneeded ones. Every point
 * stays served: a point leaves a piece only when the others serve it.
 */
static int trim(const struct stretch *st, size_t n, struct pvec *v)
{
	size_t fb[NFAM + 1] = { 0 }, nb = 0, cb = 0, k = 0;
	uint64_t *br = NULL;
	int err = 0;

	mt_sort(v->p, v->n, sizeof(*v->p), cmp_piece);
	for (unsigned int f = 0; f < NFAM; f++) {
		fb[f + 1] = fb[f];
		while (fb[f + 1] < v->n && v->p[fb[f + 1]].fam == f)
			fb[f + 1]++;
	}
	for (size_t i = 0; i < v->n && !err; i++) {
		struct piece *p = &v->p[i];
		uint64_t s = p->start, e = p->end, newend = s;

		nb = 0;
		/* breakpoints: stretch and other-family piece ends inside */
		err = mt_vec_reserve(&br, &cb, 2);
		if (err)
			break;
		br[nb++] = s;
		br[nb++] = e;
		for (size_t q = stretch_after(st, n, s);
		     q < n && st[q].start < e && !err; q++) {
			err = mt_vec_reserve(&br, &cb, nb + 2);
			if (err)
				break;
			if (st[q].start > s)
				br[nb++] = st[q].start;
			if (st[q].end < e)
				br[nb++] = st[q].end;
		}
		for (unsigned int f = 0; f < NFAM && !err; f++) {
			if (f == p->fam)
				continue;
			for (size_t q = first_ending_after(v->p, fb[f], fb[f + 1], s);
			     q < fb[f + 1] && v->p[q].start < e; q++) {
				err = mt_vec_reserve(&br, &cb, nb + 2);
				if (err)
					break;
				if (v->p[q].start > s)
					br[nb++] = v->p[q].start;
				if (v->p[q].end < e)
					br[nb++] = v->p[q].end;
			}
		}
		if (err)
			break;
		mt_sort(br, nb, sizeof(*br), mt_cmp_u64);
		/* right to left: the last sub-interval needing this piece */
		for (size_t q = nb - 1; q > 0; q--) {
			uint64_t a = br[q - 1], b = br[q];
			unsigned int lab = 0;

			if (a == b)
				continue;
			for (unsigned int f = 0; f < NFAM; f++) {
				size_t r;

				if (f == p->fam)
					continue;
				r = first_ending_after(v->p, fb[f], fb[f + 1], a);
				if (r < fb[f + 1] && v->p[r].start <= a)
					lab |= 1u << f;
			}
			if (!served(type_at(st, n, a), lab)) {
				newend = b;
				break;
			}
		}
		p->end = newend;
	}
	free(br);
	if (err)
		return err;
	/* drop emptied pieces; per-family order and disjointness remain */
	for (size_t i = 0; i < v->n; i++)
		if (v->p[i].end > v->p[i].start)
			v->p[k++] = v->p[i];
	v->n = k;
	return 0;
}

/* ---- choosing the default, building the filter (§6) ---- */

static int count_side(const struct ctx *c, struct side *s, uint64_t cap)
{
	uint64_t total = 0;
	int err;

	s->over = false;
	for (size_t k = 0; k < s->ncomp; k++) {
		const struct stretch *st = &s->cst[s->comp[k]];
		size_t n = s->comp[k + 1] - s->comp[k];
		uint64_t cuts = 0;

		for (size_t i = s->comp[k]; i < s->comp[k + 1]; i++)
			cuts += s->cutk[i];
		if (cuts > cap - total) {
			s->over = true;
			return 0;
		}
		/* s->cst (st points into it) is the side's, freed by
		 * side_fini(): the analyzer loses it here (a false positive) */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		err = count_dp(c, st, n, cap - total - cuts, &s->ccount[k],
			       &s->cpieces);
		if (err < 0)
			return err;
		if (err) {
			s->over = true;
			return 0;
		}
		s->ccount[k] += cuts;
		total += s->ccount[k];
	}
	s->count = total;
	return 0;
}

/* Count with the dummy range a deny filter needs when it needs none. */
static uint64_t eff_count(const struct side *s)
{
	return !s->allow && s->count == 0 ? 1 : s->count;
}

static int lex_side(const struct ctx *c, struct budget *bud, struct side *s)
{
	uint64_t bytes = 0;
	int err;

	s->bytes = 0;
	if (s->count == 0) {
		if (!s->allow) {
			/* KVM rejects a deny filter without ranges: one
			 * 1-MSR range that changes nothing (§6.2) */
			uint64_t m = c->free_end > c->free_first ? c->free_first : 0;

			s->bytes = piece_bytes(c, 1);
			return pvec_push(&s->lpieces, m, m + 1, FAM_T);
		}
		return 0;
	}
	for (size_t k = 0; k < s->ncomp; k++) {
		const struct stretch *st = &s->st[s->comp[k]];
		size_t n = s->comp[k + 1] - s->comp[k];

		err = lex_dp(c, bud, st, n, s->ccount[k], &s->lpieces,
			     &s->bytes);
		if (err)
			return err;
	}
	/* ties in bytes can leave a range longer than needed: end every
	 * range at the last MSR that needs it (§5.6). Trimming cannot save
	 * a range or a byte of an optimum; if it did, the DP was wrong. */
	err = trim(s->st, s->nst, &s->lpieces);
	if (err)
		return err;
	for (size_t i = 0; i < s->lpieces.n; i++)
		bytes += piece_bytes(c, s->lpieces.p[i].end - s->lpieces.p[i].start);
	if (bud->approx && bytes < s->bytes)
		s->bytes = bytes; /* a beam result: trimming may still save */
	if (bytes != s->bytes || s->lpieces.n != s->count)
		return -EPROTO;
	return 0;
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

static bool covered(const struct piece *p, size_t lo, size_t hi, uint64_t m)
{
	size_t r = first_ending_after(p, lo, hi, m);

	return r < hi && p[r].start <= m;
}

static int make_filter(const struct ctx *c, struct side *s,
		       struct msrtrap_filter **out)
{
	struct piece *p = s->lpieces.p;
	size_t n = s->lpieces.n, fb[NFAM + 1] = { 0 };
	struct msrtrap_filter *f = NULL;
	uint8_t *bm = NULL;
	bool pol_allow = c->pol->default_allow;
	int err;

	mt_sort(p, n, sizeof(*p), cmp_piece);
	for (unsigned int q = 0; q < NFAM; q++) {
		fb[q + 1] = fb[q];
		while (fb[q + 1] < n && p[fb[q + 1]].fam == q)
			fb[q + 1]++;
	}
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
		for (uint64_t m = p[i].start; m < p[i].end; m++) {
			const struct eseg *e;
			bool r, w, bit;

			while (si + 1 < c->nseg && c->seg[si + 1].start <= m)
				si++;
			e = &c->seg[si];
			r = pol_allow ^ e->in_r; /* wanted verdicts */
			w = pol_allow ^ e->in_w;
			if (p[i].fam == FAM_R) {
				bit = r;
			} else if (p[i].fam == FAM_W) {
				bit = w;
			} else {
				/* the bit decides the accesses no single-access
				 * piece before it decides (§2.4) */
				bool sr = covered(p, fb[FAM_R], fb[FAM_R + 1], m);
				bool sw = covered(p, fb[FAM_W], fb[FAM_W + 1], m);

				bit = sr && !sw ? w : sr && sw ? s->allow : r;
			}
			if (bit)
				bm[(m - p[i].start) / 8] |= (uint8_t)(1u << ((m - p[i].start) % 8));
		}
		err = msrtrap_filter_add_range(f, fam_access[p[i].fam],
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

/* A report entry: n adjacent ranges of family fam covering [start, end). */
struct entry {
	uint64_t start, end, n;
	unsigned int fam;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int tx = x->fam == FAM_T, ty = y->fam == FAM_T;

	if (tx != ty)
		return tx - ty;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int fill_report(struct msrtrap_pack_report *rep, const struct side *s,
		       struct entry *e, size_t n, uint64_t count,
		       uint64_t bytes)
{
	mt_sort(e, n, sizeof(*e), cmp_entry);
	if (!rep)
		return 0;
	rep->default_allow = s->allow;
	rep->nranges = count;
	rep->bytes = bytes;
	rep->spans = malloc((n ? n : 1) * sizeof(*rep->spans));
	if (!rep->spans)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		rep->spans[i] = (struct msrtrap_pack_span){
			fam_access[e[i].fam], (uint32_t)e[i].start,
			(uint32_t)(e[i].end - 1), e[i].n };
	rep->nspans = n;
	return 0;
}

static unsigned int own_fam(unsigned int type)
{
	return type == TY_A ? FAM_R : type == TY_B ? FAM_W : FAM_T;
}

/* Overlapping pieces of one family: drop contained ones, cut the rest. */
static void disjoin(struct pvec *v)
{
	size_t k = 0;

	mt_sort(v->p, v->n, sizeof(*v->p), cmp_piece);
	for (size_t i = 0; i < v->n; i++) {
		struct piece *q = &v->p[i];

		if (k && v->p[k - 1].fam == q->fam) {
			struct piece *a = &v->p[k - 1];

			if (q->end <= a->end)
				continue;
			if (q->start < a->end)
				q->start = a->end;
		}
		v->p[k++] = *q;
	}
	v->n = k;
}

/*
 * A cut of §4.3: a stretch that the count DP's instance has `nfull` full
 * ranges shorter, in the instance's coordinates.
 */
struct cut {
	uint64_t at;	  /* nmax + nmax/2 into the shortened stretch */
	uint64_t nfull;	  /* full ranges cut out */
	uint64_t shift;	  /* MSRs cut out of the stretches before it */
	unsigned int fam; /* the family of the stretch's own type */
	bool placed;	  /* a report entry already stands for it */
};

static bool cut_before(const void *elem, const void *key)
{
	return ((const struct cut *)elem)->at < *(const uint64_t *)key;
}

static bool cut_by(const void *elem, const void *key)
{
	return ((const struct cut *)elem)->at <= *(const uint64_t *)key;
}

static int collect_cuts(const struct ctx *c, const struct side *s,
			struct cut **out, size_t *ncuts)
{
	struct cut *cuts = malloc((s->nst + 1) * sizeof(*cuts));
	uint64_t shift = 0;
	size_t n = 0;

	if (!cuts)
		return -ENOMEM;
	for (size_t i = 0; i < s->nst; i++) {
		if (!s->cutk[i])
			continue;
		/* nmax + nmax/2 into a stretch of >= 3*nmax: every piece
		 * holding the cut lies inside the stretch */
		cuts[n++] = (struct cut){
			.at = s->cst[i].start + c->nmax + c->nmax / 2,
			.nfull = s->cutk[i],
			.shift = shift,
			.fam = own_fam(s->cst[i].type),
		};
		shift += s->cutk[i] * c->nmax;
	}
	*out = cuts;
	*ncuts = n;
	return 0;
}

/* The pieces' entries in real coordinates, with the cuts they hold. */
static int map_back(const struct ctx *c, const struct pvec *v,
		    struct cut *cuts, size_t ncuts, struct entry **ents,
		    size_t *nents, uint64_t *count, uint64_t *bytes)
{
	size_t cap = 0, n = 0;

	for (size_t i = 0; i < v->n; i++) {
		const struct piece *q = &v->p[i];
		uint64_t len = q->end - q->start, at;
		/* the cuts at or before the start shift it */
		size_t k = mt_lower_bound(cuts, ncuts, sizeof(*cuts), &q->start,
					  cut_by);

		at = q->start + (k ? cuts[k - 1].shift +
				     cuts[k - 1].nfull * c->nmax : 0);
		if (mt_vec_reserve(ents, &cap, n + 2))
			return -ENOMEM;
		(*ents)[n++] = (struct entry){ at, at + len, 1, q->fam };
		*bytes += piece_bytes(c, len);
		++*count;
		if (k < ncuts && cuts[k].at < q->end) {
			/* the piece holds the cut: its full ranges follow */
			(*ents)[n++] = (struct entry){
				at + len, at + len + cuts[k].nfull * c->nmax,
				cuts[k].nfull, cuts[k].fam };
			cuts[k].placed = true;
		}
	}
	if (mt_vec_reserve(ents, &cap, n + ncuts))
		return -ENOMEM;
	for (size_t k = 0; k < ncuts; k++) {
		const struct cut *cut = &cuts[k];

		if (!cut->placed) {
			uint64_t at = cut->at + cut->shift;

			(*ents)[n++] = (struct entry){
				at, at + cut->nfull * c->nmax, cut->nfull, cut->fam };
		}
		*bytes += cut->nfull * piece_bytes(c, c->nmax);
		*count += cut->nfull;
	}
	*nents = n;
	return 0;
}

/*
 * The -E2BIG report from the count DP's solution of the shortened
 * instance (§4.3, §6.3): make the own family the only one at each cut,
 * trim, then map back, each cut becoming one entry of its full ranges.
 */
static int report_counted(const struct ctx *c, struct side *s,
			  struct msrtrap_pack_report *rep)
{
	struct pvec *v = &s->cpieces;
	struct entry *ents = NULL;
	struct cut *cuts = NULL;
	size_t ncuts = 0, nents = 0;
	uint64_t count = 0, bytes = 0;
	int err;

	err = collect_cuts(c, s, &cuts, &ncuts);
	if (err)
		return err;
	/* only the own family holds a cut (§4.3: same count) */
	for (size_t i = 0; i < v->n; i++) {
		struct piece *q = &v->p[i];
		size_t k = mt_lower_bound(cuts, ncuts, sizeof(*cuts), &q->start,
					  cut_before);

		if (k < ncuts && cuts[k].at < q->end)
			q->fam = cuts[k].fam;
	}
	disjoin(v);
	err = trim(s->cst, s->nst, v);
	if (!err)
		err = map_back(c, v, cuts, ncuts, &ents, &nents, &count, &bytes);
	/* the mapping keeps the count; anything else is a bug */
	if (!err && count != s->count)
		err = -EPROTO;
	if (!err)
		err = fill_report(rep, s, ents, nents, count, bytes);
	free(cuts);
	free(ents);
	return err;
}

static int report_packed(const struct side *s, struct msrtrap_pack_report *rep,
			 uint64_t count)
{
	const struct pvec *v = &s->lpieces;
	struct entry *e = malloc((v->n ? v->n : 1) * sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++)
		e[i] = (struct entry){ v->p[i].start, v->p[i].end, 1, v->p[i].fam };
	err = fill_report(rep, s, e, v->n, count, s->bytes);
	free(e);
	return err;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int mt_pack(const struct mt_pack_policy *policy,
	    const struct mt_pack_params *params, struct msrtrap_filter **out,
	    struct msrtrap_pack_report *report)
{
	struct ctx c = { .pol = policy };
	struct budget bud = { 0 };
	struct side sd[2] = { 0 };
	struct side *first, *second, *win = NULL;
	uint64_t best;
	int err;

	if (report)
		*report = (struct msrtrap_pack_report){ .sz = sizeof(*report) };
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
	    check_list(policy->read, policy->nread) ||
	    check_list(policy->write, policy->nwrite))
		return -EINVAL;
	c.nmax = params->max_nmsrs;
	c.word = params->word_msrs;
	/* §5.2: lengths that matter are multiples of word and nmax */
	c.delta = c.nmax < c.word ? c.nmax : gcd(c.word, c.nmax);
	c.plain = params->debug & MT_PACK_DEBUG_PLAIN;
	c.free_first = params->free_first;
	c.free_end = (uint64_t)params->free_first + params->free_count;

	err = build_segments(&c);
	if (err)
		return err;
	/* sd[0]: the policy's default as the filter default; sd[1]: the other */
	for (int i = 0; i < 2 && !err; i++) {
		err = build_side(&c, &sd[i], policy->default_allow ^ (i == 1));
		if (!err)
			err = build_components(&c, &sd[i]);
		if (!err)
			err = compress(&c, &sd[i]);
	}
	if (err)
		goto out;
	err = -ERANGE;
	if (!sd[0].possible && !sd[1].possible)
		goto out;

	/* §6.1: the side with less demand first, the other capped by it */
	first = &sd[0];
	second = &sd[1];
	if (!sd[0].possible || (sd[1].possible && sd[1].measure < sd[0].measure)) {
		first = &sd[1];
		second = &sd[0];
	}
	err = count_side(&c, first, UINT64_MAX / 4);
	if (err)
		goto out;
	if (first->over) { /* cannot happen with an unbounded cap */
		err = -EPROTO;
		goto out;
	}
	if (second->possible) {
		err = count_side(&c, second, eff_count(first));
		if (err)
			goto out;
	} else {
		second->over = true;
	}
	best = eff_count(first);
	if (!second->over && eff_count(second) < best)
		best = eff_count(second);

	if (best > params->max_ranges) {
		/* the report: a count-optimal solution, trimmed (§6.3) */
		for (int i = 1; i >= 0; i--)
			if (sd[i].possible && !sd[i].over && eff_count(&sd[i]) == best)
				win = &sd[i];
		err = report ? report_counted(&c, win, report) : 0;
		if (!err)
			err = -E2BIG;
		goto out;
	}

	/* §6.2: bytes decide among the sides with the fewest ranges */
	for (int i = 0; i < 2; i++) {
		struct side *s = &sd[i];

		if (!s->possible || s->over || eff_count(s) != best)
			continue;
		err = lex_side(&c, &bud, s);
		if (err)
			goto out;
		if (!win || s->bytes < win->bytes)
			win = s;
	}
	/* `first` has the fewest ranges or `second` does: a bug otherwise */
	err = -EPROTO;
	if (!win)
		goto out;
	if (out) {
		err = make_filter(&c, win, out);
		if (err)
			goto out;
	}
	err = report_packed(win, report, best);
	if (report)
		report->bytes_proven = !bud.approx;
	if (err && out) {
		msrtrap_filter_free(*out);
		*out = NULL;
	}
out:
	side_fini(&sd[0]);
	side_fini(&sd[1]);
	free(c.seg);
	return err;
}
