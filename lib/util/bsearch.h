/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one lower-bound search: the first index in [0, n) whose element is
 * not before @key, n when all are. @before is a plain function so that,
 * at -O2, this inlines into a loop as tight as a hand-written one.
 */
#ifndef MSRTRAP_UTIL_BSEARCH_H
#define MSRTRAP_UTIL_BSEARCH_H

#include <stdbool.h>
#include <stddef.h>

static inline size_t mt_lower_bound(const void *base, size_t n, size_t size,
				    const void *key,
				    bool (*before)(const void *elem,
						   const void *key))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (before((const char *)base + mid * size, key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#endif
