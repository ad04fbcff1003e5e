// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The minimum count (docs/packing.md §4): a sweep over the first failing
 * points of partial solutions in normal form (§4.1), branching over the
 * minimal sets of families to start there, with dominance among states
 * at the same point; per component, on the shortened instance (§4.3).
 */
#include "pack_internal.h"

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

int mt_pack_scan_init(struct scan *sc, const struct stretch *st, size_t n)
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
	uint64_t best;	     /* fewest pieces found so far, or cap + 1 */
	uint32_t best_trail; /* their trail, NIL */
};

/*
 * First point >= x whose type is not served by pieces reaching
 * reach[] (no new piece started), NO_FAIL when there is none. Between
 * two piece ends the label is constant: the failure is the start of the
 * first stretch of a type it does not serve (or x itself).
 */
uint64_t mt_pack_next_failure(const struct scan *sc, uint32_t *sidx,
			      uint64_t x, const uint64_t reach[NFAM])
{
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

/* A min-heap of states by position: small enough to stay local. */
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
 * Pop the states at the smallest position and keep the non-dominated
 * ones (the first of equals) in d->grp[0..*keep).
 */
static int pop_front(struct cdp *d, size_t *keep)
{
	uint64_t pos = d->heap[0].pos;
	size_t ng = 0, k = 0;

	while (d->nheap && d->heap[0].pos == pos) {
		if (mt_vec_reserve(&d->grp, &d->cgrp, ng + 1))
			return -ENOMEM;
		d->grp[ng++] = heap_pop(d);
	}
	for (size_t i = 0; i < ng; i++) {
		bool dominated = false;

		for (size_t j = 0; j < ng && !dominated; j++)
			if (j != i && cdom(&d->grp[j], &d->grp[i]) &&
			    (j < i || !cdom(&d->grp[i], &d->grp[j])))
				dominated = true;
		if (!dominated)
			d->grp[k++] = d->grp[i];
	}
	*keep = k;
	return 0;
}

/* Start one piece of each family of m at pos in ch, recording the trail. */
static int start_pieces(struct cdp *d, struct cstate *ch, unsigned int m,
			uint64_t pos)
{
	for (unsigned int f = 0; f < NFAM; f++) {
		if (!(m & (1u << f)))
			continue;
		ch->reach[f] = pos + d->c->nmax;
		ch->count++;
		/* trails are 32-bit indices */
		if (d->nnodes >= NIL ||
		    mt_vec_reserve(&d->nodes, &d->cnodes, d->nnodes + 1))
			return -ENOMEM;
		d->nodes[d->nnodes] = (struct cnode){ pos, ch->trail, (uint8_t)f };
		ch->trail = (uint32_t)d->nnodes++;
	}
	return 0;
}

/*
 * Branch from s, failing at pos, over the minimal sets of families to
 * start there (§4.1): a child that serves everything is a solution,
 * the others go back on the heap. Nothing that cannot beat the best.
 */
static int expand(struct cdp *d, const struct cstate *s, uint64_t pos)
{
	unsigned int type = d->st[s->sidx].type;
	unsigned int lab = label_at(s->reach, pos);

	if (s->count + 1 >= d->best)
		return 0;
	for (unsigned int m = 1; m < 8; m++) {
		struct cstate ch = *s;
		int err;

		if (!minimal_start(type, lab, m))
			continue;
		err = start_pieces(d, &ch, m, pos);
		if (err)
			return err;
		if (ch.count >= d->best)
			continue;
		ch.pos = mt_pack_next_failure(d->sc, &ch.sidx, pos, ch.reach);
		if (ch.pos == NO_FAIL) {
			d->best = ch.count;
			d->best_trail = ch.trail;
			continue;
		}
		err = heap_push(d, &ch);
		if (err)
			return err;
	}
	return 0;
}

/* The best solution's pieces, nmax long, clipped at the last demand. */
static int trail_pieces(const struct cdp *d, struct pvec *out)
{
	uint64_t end = d->st[d->n - 1].end, nmax = d->c->nmax;

	for (uint32_t t = d->best_trail; t != NIL; t = d->nodes[t].prev) {
		uint64_t s = d->nodes[t].start;
		int err = pvec_push(out, s, s + nmax < end ? s + nmax : end,
				    d->nodes[t].fam);

		if (err)
			return err;
	}
	return 0;
}

/*
 * The minimum number of pieces serving stretches st[0..n) into *count
 * and, if it is at most cap, the pieces (length nmax, clipped at the
 * last stretch's end) appended to `out`; *count = cap + 1 says "more
 * than cap". Where the pieces end past the last demand does not matter
 * for the count, so no clipping at UNIV_END is needed here.
 */
static int count_dp(const struct ctx *c, const struct stretch *st, size_t n,
		    uint64_t cap, uint64_t *count, struct pvec *out)
{
	struct cdp d = { .c = c, .st = st, .n = n, .best = cap + 1,
			 .best_trail = NIL };
	struct cstate s0 = { .trail = NIL };
	struct scan sc;
	int err;

	if (mt_pack_scan_init(&sc, st, n))
		return -ENOMEM;
	d.sc = &sc;
	s0.pos = mt_pack_next_failure(&sc, &s0.sidx, 0, s0.reach);
	if (s0.pos == NO_FAIL) {
		*count = 0;
		free(sc.nt);
		return 0;
	}
	err = heap_push(&d, &s0);
	while (!err && d.nheap) {
		uint64_t pos = d.heap[0].pos;
		size_t keep = 0;

		err = pop_front(&d, &keep);
		for (size_t i = 0; !err && i < keep; i++)
			err = expand(&d, &d.grp[i], pos);
	}
	*count = d.best;
	if (!err && d.best <= cap)
		err = trail_pieces(&d, out);
	free(d.nodes);
	free(d.heap);
	free(d.grp);
	free(sc.nt);
	return err;
}

/*
 * The minimum count of a side, component by component (§3), if at most
 * cap; s->over when it is more.
 */
int mt_pack_count_side(const struct ctx *c, struct side *s, uint64_t cap)
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
		 * mt_pack_side_fini(): the analyzer loses it here (a false positive) */
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
		err = count_dp(c, st, n, cap - total - cuts, &s->ccount[k],
			       &s->cpieces);
		if (err)
			return err;
		if (s->ccount[k] > cap - total - cuts) {
			s->over = true;
			return 0;
		}
		s->ccount[k] += cuts;
		total += s->ccount[k];
	}
	s->count = total;
	return 0;
}
