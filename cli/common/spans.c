// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interval and difference queries over a map format's spans that the
 * library answers only per MSR (msrtrap_format_covers(),
 * msrtrap_raw_test()): one copy here for the CLI (sim's script and runner).
 */
#include <msrtrap/msrtrap.h>

#include "cli.h"

bool format_span_of(enum msrtrap_format fmt, uint32_t msr, uint32_t *lo,
		    uint32_t *hi)
{
	for (unsigned int i = 0; msrtrap_format_span(fmt, i, lo, hi) == 0; i++) {
		if (msr >= *lo && msr <= *hi)
			return true;
		if (msr < *lo)
			return false;
	}
	*lo = 1;
	*hi = 0;
	return false;
}

bool format_covers_range(enum msrtrap_format fmt, uint32_t first,
			 uint32_t last)
{
	uint32_t lo, hi;

	return format_span_of(fmt, first, &lo, &hi) && last <= hi;
}

bool raw_first_difference(enum msrtrap_format fmt, const void *a,
			  const void *b, uint32_t *msr, unsigned int *access)
{
	uint32_t first, last;

	for (unsigned int i = 0; msrtrap_format_span(fmt, i, &first, &last) == 0;
	     i++)
		for (uint64_t x = first; x <= last; x++)
			for (unsigned int acc = MSRTRAP_READ; acc <= MSRTRAP_WRITE;
			     acc++)
				if (msrtrap_raw_test(fmt, a, (uint32_t)x, acc) !=
				    msrtrap_raw_test(fmt, b, (uint32_t)x, acc)) {
					*msr = (uint32_t)x;
					*access = acc;
					return true;
				}
	return false;
}
