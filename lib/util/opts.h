/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extensible option structs (libbpf's OPTS_* idea, our own spelling).
 *
 * The caller sets opts->sz = sizeof(its struct) (MSRTRAP_OPTS() in
 * <msrtrap/common.h> does that and zeroes the rest). Fields past opts->sz
 * read as their default. Every public opts struct has a
 * `TYPE__last_field` macro naming its last field; the library validates
 * from the end of that field, not from sizeof: the bytes after it (tail
 * padding included) must be zero. So a field a newer release adds into
 * what is padding today is refused (-EINVAL) by this release when set,
 * never silently ignored.
 */
#ifndef MSRTRAP_UTIL_OPTS_H
#define MSRTRAP_UTIL_OPTS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#define mt_offsetofend(type, field)                                            \
	(offsetof(type, field) + sizeof(((type *)0)->field))

#define OPTS_HAS(opts, field)                                                  \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) +       \
				       sizeof((opts)->field))
#define OPTS_GET(opts, field, fallback)                                        \
	(OPTS_HAS(opts, field) ? (opts)->field : (fallback))
/* NULL opts are valid (all defaults). */
#define OPTS_VALID(opts, type)                                                 \
	(!(opts) ||                                                            \
	 mt_opts_valid((opts), (opts)->sz,                                     \
		       mt_offsetofend(struct type, type##__last_field)))

static inline bool mt_opts_valid(const void *opts, size_t user_sz,
				 size_t known_end)
{
	const unsigned char *p = opts;

	if (user_sz < sizeof(size_t))
		return false;
	for (size_t i = known_end; i < user_sz; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Output structs the caller allocates (libbpf's bpf_*_info idea): they
 * start with size_t sz, which the caller sets (MSRTRAP_OPTS() works for
 * them too). The library fills a complete struct of its own and copies
 * at most the caller's sz bytes of it, keeping the caller's sz, so an
 * older caller's shorter struct is filled as far as it goes and a newer
 * caller's longer one keeps its extra bytes untouched (zero, from
 * MSRTRAP_OPTS). -EINVAL when @out is NULL or its sz cannot even hold sz.
 */
static inline int mt_out_copy(void *out, const void *ours, size_t our_sz)
{
	size_t sz, n;

	if (!out)
		return -EINVAL;
	__builtin_memcpy(&sz, out, sizeof(sz));
	if (sz < sizeof(size_t))
		return -EINVAL;
	n = sz < our_sz ? sz : our_sz;
	__builtin_memcpy((char *)out + sizeof(sz), (const char *)ours + sizeof(sz),
			 n - sizeof(sz));
	return 0;
}

#endif
