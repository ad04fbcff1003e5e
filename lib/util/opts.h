/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the hosted (non-core) parts of libmsrtrap. */
#ifndef MSRTRAP_LIB_INTERNAL_H
#define MSRTRAP_LIB_INTERNAL_H

#include <stddef.h>

/*
 * Extensible option structs (libbpf's OPTS_* idea, our own spelling): the
 * caller sets opts->sz = sizeof(its struct). Fields past that size read as
 * the default; a larger struct is accepted only if the bytes we do not
 * know are zero.
 */
#define OPTS_HAS(opts, field)                                                  \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) +       \
				       sizeof((opts)->field))
#define OPTS_GET(opts, field, fallback)                                        \
	(OPTS_HAS(opts, field) ? (opts)->field : (fallback))
#define OPTS_VALID(opts, type)                                                 \
	(!(opts) || mt_opts_valid((opts), (opts)->sz, sizeof(struct type)))

static inline int mt_opts_valid(const void *opts, size_t user_sz,
				size_t our_sz)
{
	const unsigned char *p = opts;

	if (user_sz < sizeof(size_t))
		return 0;
	for (size_t i = our_sz; i < user_sz; i++)
		if (p[i])
			return 0;
	return 1;
}

#endif
