/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy helpers shared by the unit tests, through the public API only.
 */
#ifndef MSRTRAP_TESTPOLICY_H
#define MSRTRAP_TESTPOLICY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/policy.h>

#include "testutil.h"

/*
 * The allowed MSRs of a policy for one access as sorted intervals (the
 * verdict function, exactly): the exceptions themselves under a deny
 * default, their complement within 0..2^32-1 under an allow default.
 * The caller frees *out.
 */
static inline size_t allowed_set(const struct msrtrap_policy *p, unsigned int access,
				 struct msrtrap_interval **out)
{
	long n = msrtrap_policy_exceptions(p, access, NULL, 0);
	struct msrtrap_interval *e, *a;
	size_t m = 0;
	uint64_t next = 0;

	assert_true(n >= 0);
	e = malloc(((size_t)n + 1) * sizeof(*e));
	a = malloc(((size_t)n + 2) * sizeof(*a));
	assert_int_equal(msrtrap_policy_exceptions(p, access, e, (size_t)n), n);
	if (!msrtrap_policy_default_allow(p)) {
		memcpy(a, e, (size_t)n * sizeof(*e));
		m = (size_t)n;
	} else {
		for (long i = 0; i < n; i++) {
			if (e[i].first > next)
				a[m++] = (struct msrtrap_interval){ (uint32_t)next,
								    e[i].first - 1 };
			next = (uint64_t)e[i].last + 1;
		}
		if (next <= UINT32_MAX)
			a[m++] = (struct msrtrap_interval){ (uint32_t)next, UINT32_MAX };
	}
	free(e);
	*out = a;
	return m;
}

#endif /* MSRTRAP_TESTPOLICY_H */
