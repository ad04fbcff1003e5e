/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one edit distance and "did you mean" rule of libmsrtrap and the CLI
 * (MSR names, policy keywords and groups, sim script keywords).
 *
 * Distance: Levenshtein (insert, delete, substitute, each 1), ASCII
 * case-insensitive, capped: anything above @cap comes back as cap + 1, so
 * a caller scanning many candidates can shrink the cap as better ones turn
 * up. Strings of MT_STRDIST_MAX_LEN characters or more are never close.
 *
 * Suggestion threshold (mt_suggest_cap): about one edit per four
 * characters, at least one, and never as many edits as the word has
 * characters (a suggestion must keep something of what was typed).
 */
#ifndef MSRTRAP_UTIL_STRDIST_H
#define MSRTRAP_UTIL_STRDIST_H

#include <stddef.h>

#define MT_STRDIST_MAX_LEN 64

size_t mt_edit_distance(const char *a, size_t la, const char *b, size_t lb,
			size_t cap);

/* The largest distance a suggestion for a @len-character word may have. */
size_t mt_suggest_cap(size_t len);

/*
 * The candidate closest to @word (@len characters) within mt_suggest_cap,
 * ties to the first in @cands order; NULL when none is close enough.
 */
const char *mt_suggest(const char *word, size_t len, const char *const *cands,
		       size_t n);

#endif
