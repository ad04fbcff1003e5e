// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compiling a validated filter into the O(1) lookup form described in
 * core/filter_core.h. The lookup itself is freestanding (core/filter_eval.c);
 * this part allocates and so is hosted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/filter.h>

#include "cfilter_internal.h"
#include "filter_internal.h"

#define MAX_TAGS (MSRTRAP_KVM_MSR_FILTER_MAX_RANGES * 3)
#define MAX_LOG2_SLOTS 12

/* The blocks (msr >> 13) the ranges touch; a wrapping range touches none. */
static unsigned int collect_tags(const struct mt_range *r, unsigned int n,
				 uint32_t tags[MAX_TAGS])
{
	unsigned int ntags = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t end = r[i].base + r[i].nmsrs;

		if (mt_range_wraps(&r[i]))
			continue; /* matches nothing (invariant 26) */
		for (uint32_t t = r[i].base >> MT_CF_BLOCK_SHIFT;
		     t <= (end - 1) >> MT_CF_BLOCK_SHIFT; t++) {
			unsigned int k = 0;

			while (k < ntags && tags[k] != t)
				k++;
			if (k == ntags)
				tags[ntags++] = t; /* nmsrs <= 0x3000: <= 3 blocks */
		}
	}
	return ntags;
}

/*
 * Find a multiplier that hashes every tag to its own bucket. Deterministic
 * (same filter, same layout). With at least 4 buckets per tag a random odd
 * multiplier succeeds with probability > 1/2, so this ends quickly; the
 * table doubles if it does not.
 */
static int choose_hash(struct mt_cfilter *cf, const uint32_t *tags,
		       unsigned int ntags, uint8_t *used)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int log2 = 4;

	while ((1u << log2) < 4 * ntags)
		log2++;
	for (; log2 <= MAX_LOG2_SLOTS; log2++) {
		for (int attempt = 0; attempt < 64; attempt++) {
			bool clash = false;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			cf->hash_mult = (uint32_t)(seed >> 32) | 1;
			cf->hash_shift = (uint8_t)(32 - log2);
			cf->nbuckets = 1u << log2;
			memset(used, 0, cf->nbuckets);
			for (unsigned int k = 0; k < ntags && !clash; k++) {
				uint32_t h = mt_cf_hash(cf, tags[k]);

				clash = used[h];
				used[h] = 1;
			}
			if (!clash)
				return 0;
		}
	}
	/* unreachable in practice: 48 tags in 4096 buckets fail a try with
	 * probability < 1/4, and 64 tries are made at that size alone */
	return -EOVERFLOW;
}

/* Paint one range's bits for one direction into the block it overlaps. */
static void paint(uint64_t *bits, uint32_t tag, const struct mt_range *r)
{
	uint32_t block_first = tag << MT_CF_BLOCK_SHIFT;
	uint32_t block_last = block_first + (MT_CF_BLOCK_MSRS - 1);
	uint32_t lo = r->base > block_first ? r->base : block_first;
	uint32_t end_incl = r->base + r->nmsrs - 1;
	uint32_t hi = end_incl < block_last ? end_incl : block_last;

	if (lo > hi)
		return;
	for (uint64_t m = lo; m <= hi; m++) {
		uint32_t off = (uint32_t)m - block_first;
		uint64_t bit = 1ULL << (off % 64);

		if (mt_range_bit(r, (uint32_t)m))
			bits[off / 64] |= bit;
		else
			bits[off / 64] &= ~bit;
	}
}

int msrtrap_cfilter_new(const struct msrtrap_filter *filter,
			struct msrtrap_cfilter **out,
			struct msrtrap_error *diag)
{
	const struct mt_range *ranges = NULL;
	uint32_t tags[MAX_TAGS];
	uint8_t used[1u << MAX_LOG2_SLOTS];
	struct msrtrap_cfilter *cf;
	struct mt_cf_bucket *buckets;
	unsigned int n = 0, ntags;
	uint64_t *bits;
	size_t words;
	int err;

	if (!out)
		return -EINVAL;
	if (filter) {
		err = msrtrap_filter_validate(filter, diag);
		if (err)
			return err;
		n = filter->nr;
		ranges = filter->ranges;
	}
	cf = calloc(1, sizeof(*cf));
	if (!cf)
		return -ENOMEM;
	cf->core.default_allow =
		!filter || !(filter->flags & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY);
	ntags = collect_tags(ranges, n, tags);
	err = choose_hash(&cf->core, tags, ntags, used);
	if (err) {
		free(cf);
		return err;
	}

	words = (size_t)ntags * 2 * MT_CF_BLOCK_WORDS;
	cf->mem = aligned_alloc(64, (words * 8 + cf->core.nbuckets * sizeof(*buckets) + 63) & ~(size_t)63);
	if (!cf->mem) {
		free(cf);
		return -ENOMEM;
	}
	bits = cf->mem;
	buckets = (struct mt_cf_bucket *)(bits + words);
	for (uint32_t s = 0; s < cf->core.nbuckets; s++)
		buckets[s] = (struct mt_cf_bucket){ MT_CF_EMPTY_TAG, 0 };

	for (unsigned int k = 0; k < ntags; k++) {
		buckets[mt_cf_hash(&cf->core, tags[k])] =
			(struct mt_cf_bucket){ tags[k], k };
		for (unsigned int dir = 0; dir < 2; dir++) {
			uint64_t *b = bits + ((size_t)k * 2 + dir) * MT_CF_BLOCK_WORDS;

			memset(b, cf->core.default_allow ? 0xff : 0,
			       MT_CF_BLOCK_WORDS * sizeof(*b));
			/* last to first, so the first matching range has the
			 * final word (invariant 21) */
			for (unsigned int i = n; i-- > 0;)
				if ((ranges[i].flags & (1u << dir)) &&
				    !mt_range_wraps(&ranges[i]))
					paint(b, tags[k], &ranges[i]);
		}
	}
	cf->core.nblocks = ntags;
	cf->core.buckets = buckets;
	cf->core.bits = bits;
	*out = cf;
	return 0;
}

void msrtrap_cfilter_free(struct msrtrap_cfilter *cfilter)
{
	if (!cfilter)
		return;
	free(cfilter->mem);
	free(cfilter);
}

/* ---- lookups through the public object ---- */

bool msrtrap_cfilter_allowed(const struct msrtrap_cfilter *cfilter,
			     uint32_t msr, enum msrtrap_access access)
{
	return mt_cfilter_allowed(cfilter ? &cfilter->core : NULL, msr, access);
}

bool msrtrap_cfilter_default_allow(const struct msrtrap_cfilter *cfilter)
{
	return cfilter ? cfilter->core.default_allow : true;
}

/* No filter: one empty bucket that every block number hashes to. */
static const struct mt_cf_bucket no_buckets[1] = { { MT_CF_EMPTY_TAG, 0 } };

int msrtrap_cfilter_get_view(const struct msrtrap_cfilter *cfilter,
			     struct msrtrap_cfilter_view *view)
{
	if (!view)
		return -EINVAL;
	if (!cfilter) {
		/* mult 0: every tag hashes to bucket 0, which is empty */
		view->hash_mult = 0;
		view->hash_shift = 31;
		view->default_allow = 1;
		view->buckets = (const struct msrtrap_cfilter_bucket *)no_buckets;
		view->bits = NULL;
		return 0;
	}
	view->hash_mult = cfilter->core.hash_mult;
	view->hash_shift = cfilter->core.hash_shift;
	view->default_allow = cfilter->core.default_allow;
	view->buckets = (const struct msrtrap_cfilter_bucket *)cfilter->core.buckets;
	view->bits = cfilter->core.bits;
	return 0;
}
