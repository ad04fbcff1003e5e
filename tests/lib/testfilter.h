/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building submitted filters in tests, through the public API only:
 * mk() a filter with raw default flags, add_fill() a range whose bitmap
 * bytes are all one value (both assert success), test_random_bitmap().
 */
#ifndef MSRTRAP_TESTFILTER_H
#define MSRTRAP_TESTFILTER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/filter.h>

#include "testutil.h"

static inline struct msrtrap_filter *mk(uint32_t flags)
{
	struct msrtrap_filter *f;

	assert_int_equal(msrtrap_filter_new(flags, &f), 0);
	return f;
}

/*
 * A range whose bitmap bytes are all `fill` (0xff allow-all, 0 deny-all).
 * One byte more is allocated so a zero-length bitmap is still a pointer.
 */
static inline void add_fill(struct msrtrap_filter *f, uint32_t flags,
			    uint32_t base, uint32_t nmsrs, uint8_t fill)
{
	size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);
	uint8_t *bm = malloc(len + 1);

	assert_non_null(bm);
	memset(bm, fill, len + 1);
	assert_int_equal(msrtrap_filter_add_range(f, flags, base, nmsrs, bm, len), 0);
	free(bm);
}

/*
 * A random range bitmap of `len` bytes, one of the first `kinds` shapes
 * (2 to 4): all deny, all allow, random bytes, sparse (all one value with
 * 8 bits flipped). The shape is drawn with test_below(kinds), so a caller
 * keeps its random sequence whatever kinds it asks for.
 */
static inline void test_random_bitmap(uint8_t *bm, size_t len,
				      unsigned int kinds)
{
	switch (test_below(kinds)) {
	case 0:
		memset(bm, 0, len);
		break;
	case 1:
		memset(bm, 0xff, len);
		break;
	case 2:
		test_fill_random(bm, len);
		break;
	default: /* sparse */
		memset(bm, test_below(2) ? 0xff : 0, len);
		for (int k = 0; k < 8; k++)
			bm[test_below((uint32_t)len)] ^= (uint8_t)(1u << test_below(8));
	}
}

#endif /* MSRTRAP_TESTFILTER_H */
