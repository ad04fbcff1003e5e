// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Trimming pieces (docs/packing.md §5.6) and the packer's report: the
 * spans of the packed filter, or, when more than max_ranges ranges are
 * needed, of the count DP's solution mapped back from the shortened
 * instance (§4.3, §6.3).
 */
#include "pack_internal.h"
#include "util/sort.h"

static int cmp_piece(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sort pieces by family, then start; fb[f]..fb[f + 1] is family f's block. */
void mt_pack_sort_families(struct piece *p, size_t n, size_t fb[NFAM + 1])
{
	mt_sort(p, n, sizeof(*p), cmp_piece);
	fb[0] = 0;
	for (unsigned int f = 0; f < NFAM; f++) {
		fb[f + 1] = fb[f];
		while (fb[f + 1] < n && p[fb[f + 1]].fam == f)
			fb[f + 1]++;
	}
}

static bool piece_ends_by(const void *elem, const void *key)
{
	return ((const struct piece *)elem)->end <= *(const uint64_t *)key;
}

/* First piece of family block [lo, hi) with end > y (pieces disjoint). */
size_t mt_pack_first_ending_after(const struct piece *p, size_t lo, size_t hi,
				 uint64_t y)
{
	return lo + mt_lower_bound(p + lo, hi - lo, sizeof(*p), &y,
				   piece_ends_by);
}

/* Does a piece of family block [lo, hi) hold m? */
bool mt_pack_covered(const struct piece *p, size_t lo, size_t hi, uint64_t m)
{
	size_t r = mt_pack_first_ending_after(p, lo, hi, m);

	return r < hi && p[r].start <= m;
}

static unsigned int type_at(const struct stretch *st, size_t n, uint64_t y)
{
	size_t i = stretch_after(st, n, y);

	return i < n && st[i].start <= y ? st[i].type : TY_NONE;
}

/* Add the ends of [a, b) that lie inside (s, e). */
static void add_inside(uint64_t *br, size_t *k, uint64_t s, uint64_t e,
		       uint64_t a, uint64_t b)
{
	if (a > s)
		br[(*k)++] = a;
	if (b < e)
		br[(*k)++] = b;
}

/*
 * The points of piece p where what serves it may change, sorted: its
 * ends and the ends of the stretches and other families' pieces inside.
 */
static int breakpoints(const struct stretch *st, size_t n,
		       const struct pvec *v, const size_t fb[NFAM + 1],
		       const struct piece *p, uint64_t **br, size_t *cap,
		       size_t *nb)
{
	uint64_t s = p->start, e = p->end;
	size_t k = 0;

	if (mt_vec_reserve(br, cap, 2))
		return -ENOMEM;
	(*br)[k++] = s;
	(*br)[k++] = e;
	for (size_t q = stretch_after(st, n, s); q < n && st[q].start < e; q++) {
		if (mt_vec_reserve(br, cap, k + 2))
			return -ENOMEM;
		add_inside(*br, &k, s, e, st[q].start, st[q].end);
	}
	for (unsigned int f = 0; f < NFAM; f++) {
		if (f == p->fam)
			continue;
		for (size_t q = mt_pack_first_ending_after(v->p, fb[f], fb[f + 1], s);
		     q < fb[f + 1] && v->p[q].start < e; q++) {
			if (mt_vec_reserve(br, cap, k + 2))
				return -ENOMEM;
			add_inside(*br, &k, s, e, v->p[q].start, v->p[q].end);
		}
	}
	mt_sort(*br, k, sizeof(**br), mt_cmp_u64);
	*nb = k;
	return 0;
}

/*
 * Where piece p can end: right to left over its breakpoints, the end of
 * the last sub-interval that the other families' pieces do not serve.
 */
static uint64_t needed_end(const struct stretch *st, size_t n,
			   const struct pvec *v, const size_t fb[NFAM + 1],
			   const struct piece *p, const uint64_t *br, size_t nb)
{
	for (size_t q = nb - 1; q > 0; q--) {
		uint64_t a = br[q - 1];
		unsigned int lab = 0;

		if (a == br[q])
			continue;
		for (unsigned int f = 0; f < NFAM; f++)
			if (f != p->fam &&
			    mt_pack_covered(v->p, fb[f], fb[f + 1], a))
				lab |= 1u << f;
		if (!served(type_at(st, n, a), lab))
			return br[q];
	}
	return p->start;
}

/*
 * Shorten each piece to end just after the last point that needs it
 * (given the others as they are then), drop unneeded ones. Every point
 * stays served: a point leaves a piece only when the others serve it.
 */
int mt_pack_trim(const struct stretch *st, size_t n, struct pvec *v)
{
	size_t fb[NFAM + 1], nb = 0, cb = 0, k = 0;
	uint64_t *br = NULL;
	int err = 0;

	mt_pack_sort_families(v->p, v->n, fb);
	for (size_t i = 0; i < v->n; i++) {
		err = breakpoints(st, n, v, fb, &v->p[i], &br, &cb, &nb);
		if (err)
			break;
		v->p[i].end = needed_end(st, n, v, fb, &v->p[i], br, nb);
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

/* ---- the report (§6.3) ---- */

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
			fam_access(e[i].fam), (uint32_t)e[i].start,
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
int mt_pack_report_counted(const struct ctx *c, struct side *s,
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
	err = mt_pack_trim(s->cst, s->nst, v);
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

int mt_pack_report_packed(const struct side *s, struct msrtrap_pack_report *rep,
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
