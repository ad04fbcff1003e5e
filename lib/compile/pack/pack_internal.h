/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the packer's phases share (lib/compile/pack/): the model of
 * docs/packing.md §2 and the entry points of each phase, one file per
 * section: model.c (§2-3), count.c (§4), bytes.c (§5), report.c (§6.3
 * and the trim of §5.6), pack.c (§6: the default, the filter, mt_pack()).
 *
 * Vocabulary: a "piece" is a range of the output filter, of one of three
 * families: r (READ-only), w (WRITE-only), t (READ|WRITE). Families are
 * label bits 1, 2, 4. For a filter default D, every MSR has a type: 0
 * (nothing to do: both verdicts equal D, or don't-care), A (only the READ
 * verdict differs from D), B (only WRITE), C (both). A point is served
 * by the set of families covering it iff (§2.3)
 *	A: r or (t and w)	B: w or (t and r)	C: t or (r and w)
 */
#ifndef MSRTRAP_LIB_PACK_INTERNAL_H
#define MSRTRAP_LIB_PACK_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <msrtrap/common.h>

#include "pack.h"
#include "util/bsearch.h"
#include "util/vec.h"

/* Ranges can hold MSRs [0, UNIV_END): base+nmsrs must not wrap (§2.1). */
#define UNIV_END 0xffffffffull
#define SPACE_END (1ull << 32)
#define NIL UINT32_MAX
#define NO_FAIL UINT64_MAX

enum { FAM_R, FAM_W, FAM_T, NFAM };
enum { TY_NONE, TY_A, TY_B, TY_C };

/* A family's accesses, which are also its KVM filter flags. */
static inline enum msrtrap_access fam_access(unsigned int fam)
{
	_Static_assert(FAM_R + 1 == MSRTRAP_READ && FAM_W + 1 == MSRTRAP_WRITE &&
		       FAM_T + 1 == MSRTRAP_RW, "family = access - 1");
	return (enum msrtrap_access)(fam + 1);
}

/* Is a point of this type served by the families in `lab`? (§2.3) */
static inline bool served(unsigned int type, unsigned int lab)
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

/*
 * Is m a minimal set of families whose start, at a point of this type
 * that the families in lab leave unserved, serves it (§4.1, Lemma 2)?
 */
static inline bool minimal_start(unsigned int type, unsigned int lab,
				 unsigned int m)
{
	if ((m & lab) || !served(type, lab | m))
		return false;
	for (unsigned int sub = (m - 1) & m; sub; sub = (sub - 1) & m)
		if (served(type, lab | sub))
			return false;
	return true;
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

static inline int pvec_push(struct pvec *v, uint64_t start, uint64_t end,
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

static inline uint64_t piece_bytes(const struct ctx *c, uint64_t len)
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

/*
 * Stretches with, per type, the index of the next stretch of that type:
 * the first point a label leaves unserved is found in O(log n).
 */
struct scan {
	const struct stretch *st;
	size_t n;
	uint32_t *nt; /* nt[(type - 1) * (n + 1) + i] */
};

static inline bool stretch_ends_by(const void *elem, const void *key)
{
	return ((const struct stretch *)elem)->end <= *(const uint64_t *)key;
}

/* First stretch of st[0..n) whose end is past y (sorted, disjoint). */
static inline size_t stretch_after(const struct stretch *st, size_t n, uint64_t y)
{
	return mt_lower_bound(st, n, sizeof(*st), &y, stretch_ends_by);
}

/* The families with a piece reaching past y. */
static inline unsigned int label_at(const uint64_t reach[NFAM], uint64_t y)
{
	unsigned int lab = 0;

	for (unsigned int f = 0; f < NFAM; f++)
		if (reach[f] > y)
			lab |= 1u << f;
	return lab;
}

/* The byte phase's work bound and whether it fell back to the beam. */
struct budget {
	uint64_t work; /* dominance comparisons made so far */
	bool approx;   /* the beam trimmed a front: bytes not proven */
};

/* model.c (§2-3) */
int mt_pack_check_list(const struct msrtrap_interval *v, size_t n);
int mt_pack_build_segments(struct ctx *c);
int mt_pack_build_side(const struct ctx *c, struct side *s, bool allow);
void mt_pack_side_fini(struct side *s);

/* count.c (§4) */
int mt_pack_scan_init(struct scan *sc, const struct stretch *st, size_t n);
uint64_t mt_pack_next_failure(const struct scan *sc, uint32_t *sidx,
			      uint64_t x, const uint64_t reach[NFAM]);
int mt_pack_count_side(const struct ctx *c, struct side *s, uint64_t cap);

/* bytes.c (§5) */
int mt_pack_lex_side(const struct ctx *c, struct budget *bud, struct side *s);

/* report.c (§5.6, §6.3) */
void mt_pack_sort_families(struct piece *p, size_t n, size_t fb[NFAM + 1]);
size_t mt_pack_first_ending_after(const struct piece *p, size_t lo, size_t hi,
				  uint64_t y);
bool mt_pack_covered(const struct piece *p, size_t lo, size_t hi, uint64_t m);
int mt_pack_trim(const struct stretch *st, size_t n, struct pvec *v);
int mt_pack_report_counted(const struct ctx *c, struct side *s,
			   struct msrtrap_pack_report *rep);
int mt_pack_report_packed(const struct side *s, struct msrtrap_pack_report *rep,
			  uint64_t count);

#endif
