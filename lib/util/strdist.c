// SPDX-License-Identifier: LGPL-2.1-or-later
#include <string.h>

#include "strdist.h"

static unsigned char fold(char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : (unsigned char)c;
}

/*
 * One row of the DP table at a time. The length difference is a lower
 * bound of the distance, and a row's minimum never shrinks in later rows,
 * so a hopeless candidate is dropped early.
 */
size_t mt_edit_distance(const char *a, size_t la, const char *b, size_t lb,
			size_t cap)
{
	size_t row[MT_STRDIST_MAX_LEN + 1];

	if (la >= MT_STRDIST_MAX_LEN || lb >= MT_STRDIST_MAX_LEN ||
	    (la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], row_min = i;

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (fold(a[i - 1]) != fold(b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
			if (best < row_min)
				row_min = best;
		}
		if (row_min > cap)
			return cap + 1;
	}
	return row[lb] <= cap ? row[lb] : cap + 1;
}

size_t mt_suggest_cap(size_t len)
{
	size_t cap = len / 4 + 1;

	return cap < len ? cap : (len ? len - 1 : 0);
}

const char *mt_suggest(const char *word, size_t len, const char *const *cands,
		       size_t n)
{
	const char *best = NULL;
	size_t cap = mt_suggest_cap(len);

	if (!word || !len)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d = mt_edit_distance(word, len, cands[i],
					    strlen(cands[i]), cap);

		if (d > cap)
			continue;
		best = cands[i];
		if (!d)
			break;
		cap = d - 1;
	}
	return best;
}
