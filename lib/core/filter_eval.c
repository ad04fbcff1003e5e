// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Filter evaluation, freestanding: the kernel's linear scan (the reference)
 * and the compiled O(1) lookup (the fast path). Both are used by hosted
 * code and can be embedded in a hypervisor.
 */
#include <msrtrap/filter.h>

#include "core.h"
#include "filter_core.h"

/* The public view promises this layout (include/msrtrap/filter.h). */
_Static_assert(sizeof(struct mt_cf_bucket) == sizeof(struct msrtrap_cfilter_bucket),
	       "bucket layout");
_Static_assert(MT_CF_BLOCK_WORDS == 128 && MT_CF_BLOCK_SHIFT == 13 &&
		       MT_CF_EMPTY_TAG == 0xffffffffu,
	       "block layout");

unsigned int mt_filter_scan(const struct mt_range *ranges, unsigned int n,
			    uint32_t msr, unsigned int access)
{
	/* first range in submission order that matches both MSR and access
	 * decides (invariants 21, 22) */
	for (unsigned int i = 0; i < n; i++)
		if ((ranges[i].flags & access) && mt_range_holds(&ranges[i], msr))
			return i;
	return n;
}

bool mt_cfilter_allowed(const struct mt_cfilter *cf, uint32_t msr,
			unsigned int access)
{
	unsigned int dir = access - 1; /* READ 0, WRITE 1 */
	const struct mt_cf_bucket *bucket;
	uint32_t tag;
	uint64_t word;

	/*
	 * The access first: a bad one is refused with or without a filter,
	 * as msrtrap_cfilter_view_allowed() refuses it.
	 */
	if (MT_UNLIKELY(dir > 1))
		return false;
	if (!cf)
		return true; /* no filter: allow everything (invariant 19) */
	if (msrtrap_msr_is_x2apic(msr))
		return true; /* never filtered (invariant 20) */
	tag = msr >> MT_CF_BLOCK_SHIFT;
	bucket = &cf->buckets[mt_cf_hash(cf, tag)];
	if (bucket->tag != tag)
		return cf->default_allow; /* no range touches this block */
	word = cf->bits[((uint64_t)bucket->block * 2 + dir) * MT_CF_BLOCK_WORDS +
			((msr >> 6) & (MT_CF_BLOCK_WORDS - 1))];
	return (word >> (msr & 63)) & 1;
}

void mt_cfilter_row(const struct mt_cfilter *cf, uint32_t msr,
		    unsigned int access, struct mt_cf_row *row)
{
	uint32_t tag = msr >> MT_CF_BLOCK_SHIFT;
	const struct mt_cf_bucket *bucket;

	row->first = tag << MT_CF_BLOCK_SHIFT;
	row->words = 0;
	row->uniform = ~0ULL; /* no filter: allow everything (invariant 19) */
	if (!cf)
		return;
	bucket = &cf->buckets[mt_cf_hash(cf, tag)];
	if (bucket->tag != tag) {
		/* no range touches this block */
		row->uniform = cf->default_allow ? ~0ULL : 0;
		return;
	}
	row->words = &cf->bits[((uint64_t)bucket->block * 2 + (access - 1)) *
			       MT_CF_BLOCK_WORDS];
}

uint64_t mt_cfilter_allowed_word(const struct mt_cfilter *cf, uint32_t first,
				 unsigned int access)
{
	struct mt_cf_row row;

	mt_cfilter_row(cf, first, access, &row);
	return mt_cf_row_word(&row, (first >> 6) & (MT_CF_BLOCK_WORDS - 1));
}
