/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one growable array of libmsrtrap and the CLI: a pointer, a count
 * the caller keeps, and a capacity. Growth doubles (first 16 elements),
 * every size computation is checked for overflow, and failure leaves the
 * array as it was.
 *
 *	struct item *v = NULL;
 *	size_t n = 0, cap = 0;
 *	if (mt_vec_reserve(&v, &cap, n + 1))
 *		return -ENOMEM;
 *	v[n++] = x;
 */
#ifndef MSRTRAP_UTIL_VEC_H
#define MSRTRAP_UTIL_VEC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* 0, or -ENOMEM (allocation failed or need * size overflows). */
static inline int mt_vec_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t cap2;
	void *np;

	if (need <= *cap)
		return 0;
	if (!size || need > SIZE_MAX / size)
		return -ENOMEM;
	cap2 = *cap ? *cap : 16;
	while (cap2 < need)
		cap2 = cap2 > SIZE_MAX / 2 ? need : cap2 * 2;
	if (cap2 > SIZE_MAX / size)
		cap2 = need;
	np = realloc(*p, cap2 * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = cap2;
	return 0;
}

/* Room for @need elements of *@pp's type. */
#define mt_vec_reserve(pp, capp, need)                                         \
	mt_vec_grow((void **)(pp), (capp), (need), sizeof(**(pp)))

#endif
