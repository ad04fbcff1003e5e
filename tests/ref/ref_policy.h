/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference evaluator of the policy language, written from docs/policy.md
 * and independent of lib/policy: a policy as its list of rules with their
 * intervals, the verdict by scanning the rules backwards (the last rule
 * naming the MSR and access decides, else the default), the exceptions
 * exactly over 2^32 from the breakpoints, and the overridden-rule
 * analysis. test_policy.c generates random policy text together with
 * this model of it.
 */
#ifndef MSRTRAP_REF_POLICY_H
#define MSRTRAP_REF_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msrtrap/common.h>
#include <msrtrap/policy.h>

#define MAX_TARGETS 6
#define MAX_RULES 48

struct ref_rule {
	bool allow;
	unsigned int access;
	unsigned int line, column;
	size_t n;
	struct msrtrap_interval iv[MAX_TARGETS * 6];
};

struct ref_policy {
	bool default_allow;
	size_t n;
	struct ref_rule r[MAX_RULES];
};

/* The reference: the last rule naming the MSR and access decides. */
static inline int ref_decider(const struct ref_policy *rp, uint32_t msr,
			      unsigned int access)
{
	for (size_t i = rp->n; i-- > 0;) {
		const struct ref_rule *r = &rp->r[i];

		if (!(r->access & access))
			continue;
		for (size_t k = 0; k < r->n; k++)
			if (msr >= r->iv[k].first && msr <= r->iv[k].last)
				return (int)i;
	}
	return -1;
}

static inline int ref_verdict(const struct ref_policy *rp, uint32_t msr,
			      unsigned int access)
{
	int i = ref_decider(rp, msr, access);

	return i < 0 ? rp->default_allow : rp->r[i].allow;
}

/* Breakpoints of the reference: 0 and every first and last+1. */
static inline size_t breakpoints(const struct ref_policy *rp, uint32_t *pts, size_t cap)
{
	size_t n = 0;

	pts[n++] = 0;
	for (size_t i = 0; i < rp->n; i++)
		for (size_t k = 0; k < rp->r[i].n && n + 2 <= cap; k++) {
			pts[n++] = rp->r[i].iv[k].first;
			if (rp->r[i].iv[k].last != UINT32_MAX)
				pts[n++] = rp->r[i].iv[k].last + 1;
		}
	return n;
}

static inline int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The reference exceptions, built from the breakpoints: exact, 2^32. */
static inline size_t ref_exceptions(const struct ref_policy *rp, unsigned int access,
				    const uint32_t *pts, size_t npts,
				    struct msrtrap_interval *out)
{
	size_t n = 0;

	for (size_t i = 0; i < npts; i++) {
		uint32_t first = pts[i];
		uint32_t last = i + 1 < npts ? pts[i + 1] - 1 : UINT32_MAX;

		if (ref_verdict(rp, first, access) == rp->default_allow)
			continue;
		if (n && (uint64_t)out[n - 1].last + 1 == first)
			out[n - 1].last = last;
		else
			out[n++] = (struct msrtrap_interval){ first, last };
	}
	return n;
}

/*
 * The reference overridden-rule analysis for rule i: the deciding rule is
 * constant between breakpoints, so the pieces [pts[j], pts[j+1]) that meet
 * the rule's intervals tell everything. dec[acc-1][j] is the reference
 * decider at pts[j].
 */
static inline bool ref_overridden(const struct ref_policy *rp, size_t i,
				  const uint32_t *pts, size_t npts, int *const dec[2],
				  int *mn, int *mx)
{
	const struct ref_rule *r = &rp->r[i];

	*mn = INT32_MAX;
	*mx = -1;
	for (unsigned int acc = MSRTRAP_READ; acc <= MSRTRAP_WRITE; acc++) {
		if (!(r->access & acc))
			continue;
		for (size_t k = 0; k < r->n; k++) {
			size_t j = 0;

			/* the piece holding first: last breakpoint <= first */
			while (j + 1 < npts && pts[j + 1] <= r->iv[k].first)
				j++;
			for (; j < npts && pts[j] <= r->iv[k].last; j++) {
				int dcd = dec[acc - 1][j];

				if (dcd == (int)i)
					return false;
				if (dcd < *mn)
					*mn = dcd;
				if (dcd > *mx)
					*mx = dcd;
			}
		}
	}
	return true;
}

#endif /* MSRTRAP_REF_POLICY_H */
