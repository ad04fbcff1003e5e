/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one qsort() front end and the one comparator of plain integers.
 * mt_sort() accepts an empty array given as NULL, which qsort() does not
 * (its arguments are declared non-null).
 */
#ifndef MSRTRAP_UTIL_SORT_H
#define MSRTRAP_UTIL_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline void mt_sort(void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static inline int mt_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

#endif
