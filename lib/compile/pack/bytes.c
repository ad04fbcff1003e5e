// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fewest bytes among minimum-count solutions (docs/packing.md §5): a
 * sweep over the grid of §5.2 with a front of partial solutions, pruned
 * by the normal form of §5.3, dominance (§5.4) and a memoized
 * count-to-go (§5.5); past fixed work bounds, a bounded beam.
 */
#include <string.h>

#include "pack_internal.h"

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
	uint32_t sidx = 0, best = budget;
	uint64_t r[NFAM], f;
	uint16_t key[NFAM];
	unsigned int type, lab;
	int err;

	*out = 0;
	if (!budget)
		return 0;
	f = mt_pack_next_failure(&t->sc, &sidx, x, reach);
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
		uint32_t v = (uint32_t)__builtin_popcount(m), rest;
		uint64_t r2[NFAM];

		if (!minimal_start(type, lab, m) || v >= best)
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

/* The lexicographic DP's working set for one component. */
struct lex {
	const struct ctx *c;
	struct budget *bud;
	uint64_t cap; /* the component's minimum count (§4) */
	struct togo tg;
	struct pfront cur, nxt;
	struct pnode *nodes; /* the closed pieces, linked into trails */
	size_t nnodes, cnodes;
	struct beam_key *keys; /* beam_trim()'s scratch */
	size_t kcap;
};

/*
 * What each family's piece may do from x to xn (§5.3): an open one stays
 * open (while it fits), closes at x, or closes and reopens at x (where
 * the split rule allows); a family without one stays so or opens one.
 */
static void options(const struct ctx *c, const struct pstate *s, uint64_t x,
		    uint64_t xn, unsigned int opt[NFAM][3],
		    unsigned int nopt[NFAM])
{
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
}

/*
 * The child of s that takes option choice[f] for each family at x; the
 * families it opens in *opened, *same when it changes nothing.
 */
static struct pstate child(const struct ctx *c, const struct pstate *s,
			   const unsigned int choice[NFAM], uint64_t x,
			   unsigned int *opened, bool *same)
{
	struct pstate ch = *s;

	ch.npend = 0;
	*opened = 0;
	*same = true;
	for (unsigned int f = 0; f < NFAM; f++) {
		unsigned int o = choice[f];

		*same &= o == OPT_KEEP || o == OPT_STAY;
		if (o == OPT_CLOSE || o == OPT_REOPEN) {
			uint64_t st0 = (uint64_t)s->o[f];

			ch.pend[ch.npend++] = (struct pend){ st0, x, (uint8_t)f };
			ch.bytes += piece_bytes(c, x - st0);
			ch.o[f] = -1;
		}
		if (o == OPT_OPEN || o == OPT_REOPEN) {
			ch.o[f] = (int64_t)x;
			ch.count++;
			*opened |= 1u << f;
		}
	}
	return ch;
}

static unsigned int open_label(const struct pstate *s)
{
	unsigned int lab = 0;

	for (unsigned int f = 0; f < NFAM; f++)
		if (s->o[f] >= 0)
			lab |= 1u << f;
	return lab;
}

/*
 * Admit ch, a child of s at x, into the next front: it must serve
 * [x, xn) (of this type), start no piece it does not need there (§5.3),
 * keep the proven minimum count reachable (§5.5) and not be dominated
 * (§5.4). Past the exact bounds the front is trimmed to the beam.
 */
static int admit(struct lex *lx, const struct pstate *s, struct pstate *ch,
		 unsigned int opened, bool same, unsigned int type, uint64_t x,
		 uint64_t xn)
{
	const struct ctx *c = lx->c;
	struct budget *bud = lx->bud;
	unsigned int lab = open_label(ch);

	if (ch->count > lx->cap || !served(type, lab))
		return 0;
	for (unsigned int f = 0; f < NFAM && !c->plain; f++)
		if ((opened & (1u << f)) && served(type, lab & ~(1u << f)))
			return 0;
	/* Same open pieces as the parent (which serves [x, xn) too): same
	 * count-to-go. */
	bud->work += lx->nxt.n;
	if (!c->plain && !(same && s->togo != UINT32_MAX) &&
	    !dominated(c, &lx->nxt, ch, xn)) {
		uint32_t limit = (uint32_t)(lx->cap - ch->count) + 1, more;
		uint64_t rch[NFAM];
		int err;

		for (unsigned int f = 0; f < NFAM; f++)
			rch[f] = ch->o[f] >= 0 ? (uint64_t)ch->o[f] + c->nmax : 0;
		err = togo(&lx->tg, x, rch, limit, &more);
		if (err)
			return err;
		if (more == limit)
			return 0;
		ch->togo = more;
	}
	bud->work += 2 * lx->nxt.n;
	if (pinsert(c, &lx->nxt, ch, xn))
		return -ENOMEM;
	if (c->plain ||
	    !(lx->nxt.n >= EXACT_FRONT || bud->work > EXACT_WORK ||
	      (bud->approx && lx->nxt.n > 2 * beam_width(bud))))
		return 0;
	bud->approx = true;
	/* EXACT_FRONT > 2 * BEAM: a full front is trimmed too */
	if (lx->nxt.n > 2 * beam_width(bud))
		return beam_trim(c, bud, &lx->nxt, xn, &lx->keys, &lx->kcap);
	return 0;
}

/* The survivors' closed pieces join their trails. */
static int join_trails(struct lex *lx)
{
	for (size_t k = 0; k < lx->nxt.n; k++) {
		struct pstate *s = &lx->nxt.s[k];

		for (unsigned int q = 0; q < s->npend; q++) {
			if (lx->nnodes >= NIL ||
			    mt_vec_reserve(&lx->nodes, &lx->cnodes, lx->nnodes + 1))
				return -ENOMEM;
			lx->nodes[lx->nnodes] = (struct pnode){
				s->pend[q].start, s->pend[q].end, s->trail,
				s->pend[q].fam };
			s->trail = (uint32_t)lx->nnodes++;
		}
		s->npend = 0;
	}
	return 0;
}

/*
 * From grid position x to the next, xn: every state of the front with
 * every combination of its families' options (in odometer order, the
 * last family fastest), into the next front.
 */
static int step(struct lex *lx, unsigned int type, uint64_t x, uint64_t xn)
{
	lx->nxt.n = 0;
	for (size_t k = 0; k < lx->cur.n; k++) {
		const struct pstate *s = &lx->cur.s[k];
		unsigned int opt[NFAM][3], nopt[NFAM], n;

		options(lx->c, s, x, xn, opt, nopt);
		n = nopt[0] * nopt[1] * nopt[2];
		for (unsigned int i = 0; i < n; i++) {
			unsigned int choice[NFAM] = {
				opt[0][i / (nopt[1] * nopt[2])],
				opt[1][i / nopt[2] % nopt[1]],
				opt[2][i % nopt[2]],
			};
			unsigned int opened;
			bool same;
			struct pstate ch;
			int err;

			ch = child(lx->c, s, choice, x, &opened, &same);
			err = admit(lx, s, &ch, opened, same, type, x, xn);

			/* the fronts pinsert() grows belong to lx: lex_fini()
			 * frees them on every path (the analyzer loses them
			 * in lex_dp's swap of cur and nxt) */
			if (err)
				return err; /* NOLINT(clang-analyzer-unix.Malloc) */
		}
	}
	return join_trails(lx);
}

/* At the component's end every open piece closes: the best state. */
static const struct pstate *best_final(const struct lex *lx, uint64_t hi,
				       uint64_t *best_bytes)
{
	const struct pstate *best = NULL;

	for (size_t k = 0; k < lx->cur.n; k++) {
		const struct pstate *s = &lx->cur.s[k];
		uint64_t b = state_bytes(lx->c, s, hi);

		if (!best || s->count < best->count ||
		    (s->count == best->count && b < *best_bytes)) {
			best = s;
			*best_bytes = b;
		}
	}
	return best;
}

/* The pieces of a final state: its open ones, then its trail. */
static int emit(const struct lex *lx, const struct pstate *best, uint64_t hi,
		struct pvec *out)
{
	for (unsigned int f = 0; f < NFAM; f++)
		if (best->o[f] >= 0 &&
		    pvec_push(out, (uint64_t)best->o[f], hi, f))
			return -ENOMEM;
	/* a trail other than NIL indexes nodes[], so nodes is allocated */
	for (uint32_t t = best->trail; t != NIL; t = lx->nodes[t].prev) /* NOLINT(clang-analyzer-core.NullDereference) */
		if (pvec_push(out, lx->nodes[t].start, lx->nodes[t].end, lx->nodes[t].fam)) /* NOLINT(clang-analyzer-core.NullDereference) */
			return -ENOMEM;
	return 0;
}

static void lex_fini(struct lex *lx)
{
	free(lx->keys);
	free(lx->cur.s);
	free(lx->nxt.s);
	free(lx->tg.tab);
	free(lx->tg.sc.nt);
	free(lx->nodes);
}

/*
 * Lexicographically optimal pieces (count, then bytes) for one component
 * whose minimum count is `cap`; appended to `out`, bytes added to *bytes.
 */
static int lex_dp(const struct ctx *c, struct budget *bud,
		  const struct stretch *st, size_t n, uint64_t cap,
		  struct pvec *out, uint64_t *bytes)
{
	struct lex lx = { .c = c, .bud = bud, .cap = cap,
			  .tg = { .c = c, .st = st, .n = n } };
	struct pstate init = { .o = { -1, -1, -1 }, .togo = UINT32_MAX,
			       .trail = NIL };
	uint64_t *pos = NULL, hi = st[n - 1].end, best_bytes = 0;
	const struct pstate *best;
	size_t npos = 0, j = 0;
	int err;

	err = grid(c, st, n, &pos, &npos);
	if (err)
		return err;
	err = mt_pack_scan_init(&lx.tg.sc, st, n);
	if (err) {
		free(pos);
		return err;
	}
	/* grid() always yields lo = st[0].start (its residue is in the set),
	 * so npos >= 1 (a false positive): */
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
	err = pinsert(c, &lx.cur, &init, pos[0]) ? -ENOMEM : 0;
	for (size_t i = 0; !err && i + 1 < npos; i++) {
		struct pfront tmp;
		unsigned int type;

		while (j < n && st[j].end <= pos[i])
			j++;
		type = j < n && st[j].start <= pos[i] ? st[j].type : TY_NONE;
		err = step(&lx, type, pos[i], pos[i + 1]);
		tmp = lx.cur;
		lx.cur = lx.nxt;
		lx.nxt = tmp;
	}
	if (!err) {
		best = best_final(&lx, hi, &best_bytes);
		/* the count DP proved `cap` is the minimum: else a bug */
		err = !best || best->count != cap ? -EPROTO :
			emit(&lx, best, hi, out);
	}
	if (!err)
		*bytes += best_bytes;
	lex_fini(&lx);
	free(pos);
	return err;
}

int mt_pack_lex_side(const struct ctx *c, struct budget *bud, struct side *s)
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
	err = mt_pack_trim(s->st, s->nst, &s->lpieces);
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
