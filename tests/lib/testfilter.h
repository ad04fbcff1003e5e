/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building submitted filters in tests, through the public API only:
 * mk() a filter with raw default flags, add_fill() a range whose bitmap
 * bytes are all one value. Both assert success.
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

#endif /* MSRTRAP_TESTFILTER_H */
