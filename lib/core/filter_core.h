/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Freestanding filter evaluation: the range list as the kernel stores it
 * after validation (non-empty ranges in submission order), and the
 * compiled lookup layout.
 */
#ifndef MSRTRAP_LIB_FILTER_CORE_H
#define MSRTRAP_LIB_FILTER_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include <msrtrap/common.h>

struct mt_range {
	uint32_t flags;
	uint32_t base;
	uint32_t nmsrs;
	uint32_t slot;	       /* index in the submitted ranges[] */
	const uint8_t *bitmap; /* at least ceil(nmsrs/8) bytes */
};

/*
 * Does the range hold the MSR? Half-open [base, base+nmsrs) in u32
 * arithmetic, as kvm_msr_allowed() computes it: when base+nmsrs wraps past
 * 2^32 the end is small and no MSR satisfies both bounds (invariant 26).
 */
static inline bool mt_range_holds(const struct mt_range *r, uint32_t msr)
{
	uint32_t end = r->base + r->nmsrs;

	return msr >= r->base && msr < end;
}

/*
 * Does base+nmsrs reach 2^32? Then the u32 end is at or below base and
 * the range holds no MSR at all (mt_range_holds(), invariant 26).
 */
static inline bool mt_range_wraps(const struct mt_range *r)
{
	return r->nmsrs && (uint32_t)(r->base + r->nmsrs) <= r->base;
}

static inline bool mt_range_bit(const struct mt_range *r, uint32_t msr)
{
	uint32_t i = msr - r->base;

	return (r->bitmap[i / 8] >> (i % 8)) & 1;
}

/*
 * The linear scan of kvm_msr_allowed() (spec §3.4) without the x2APIC
 * test: returns the index into `ranges` of the deciding range, or n when
 * no range matches and the default applies.
 */
unsigned int mt_filter_scan(const struct mt_range *ranges, unsigned int n,
			    uint32_t msr, unsigned int access);

/*
 * Compiled filter layout. MSR space is cut into blocks of 8192 MSRs; each
 * block any range touches gets precomputed verdict bits for read and
 * write (default filled in, ranges painted last to first so the first
 * match wins). Blocks are found through a collision-free multiplicative
 * hash of the block number chosen at compile time, so a lookup is one
 * multiply, one compare and one bit test, whatever the number of ranges.
 */
#define MT_CF_BLOCK_SHIFT 13
#define MT_CF_BLOCK_MSRS (1u << MT_CF_BLOCK_SHIFT)
#define MT_CF_BLOCK_WORDS (MT_CF_BLOCK_MSRS / 64)
#define MT_CF_EMPTY_TAG 0xffffffffu /* block numbers are < 2^19 */

struct mt_cf_bucket {
	uint32_t tag;	/* block number (msr >> 13), or MT_CF_EMPTY_TAG */
	uint32_t block; /* index of its verdict bits */
};

struct mt_cfilter {
	uint32_t hash_mult;
	uint8_t hash_shift; /* 32 - log2(number of buckets) */
	bool default_allow;
	uint32_t nbuckets;
	uint32_t nblocks;
	const struct mt_cf_bucket *buckets;
	/* nblocks x 2 directions x MT_CF_BLOCK_WORDS; bit set = allowed */
	const uint64_t *bits;
};

static inline uint32_t mt_cf_hash(const struct mt_cfilter *cf, uint32_t tag)
{
	return (uint32_t)(tag * cf->hash_mult) >> cf->hash_shift;
}

/*
 * The verdicts of one block of MT_CF_BLOCK_MSRS MSRs for one access, read
 * a word at a time: a map span is such a block (8192 MSRs, aligned), so
 * the engine looks the block up once and not once per word.
 */
struct mt_cf_row {
	const uint64_t *words; /* the block's words; NULL: `uniform` for all */
	uint64_t uniform;
	uint32_t first;	       /* the block's first MSR */
};

void mt_cfilter_row(const struct mt_cfilter *cf, uint32_t msr,
		    unsigned int access, struct mt_cf_row *row);

/* bit i = MSR row->first + 64w + i allowed; x2APIC is never filtered */
static inline uint64_t mt_cf_row_word(const struct mt_cf_row *row,
				      unsigned int w)
{
	if (msrtrap_msr_is_x2apic(row->first + 64 * w))
		return ~0ULL;
	return row->words ? row->words[w] : row->uniform;
}

/*
 * Verdicts of the 64 MSRs first..first+63 (first 64-aligned) for one
 * access, bit i = MSR first+i allowed; x2APIC words are all allowed and
 * NULL (no filter) allows everything.
 */
uint64_t mt_cfilter_allowed_word(const struct mt_cfilter *cf, uint32_t first,
				 unsigned int access);

bool mt_cfilter_allowed(const struct mt_cfilter *cf, uint32_t msr,
			unsigned int access);

#endif
