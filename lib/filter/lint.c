// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lints of a submitted filter: ranges the kernel accepts that have no
 * effect, or less than they seem to. The geometry is the core's
 * (mt_range_holds(), mt_range_wraps()), the very test kvm_msr_allowed()
 * applies, so a finding here is a fact about the kernel's evaluation.
 */
#include <errno.h>

#include <msrtrap/filter.h>
#include <msrtrap/diags.h>

#include "core/filter_core.h"
#include "filter_internal.h"
#include "util/diags.h"

/*
 * Is every MSR of ranges[k] decided for @access by ranges[0..k) (first
 * match wins, invariant 21)? Sweep from its base, each step to the end of
 * the first earlier range that holds the current MSR; a gap ends it.
 */
static bool shadowed(const struct mt_range *ranges, unsigned int k,
		     uint32_t access)
{
	const struct mt_range *r = &ranges[k];
	uint64_t cur = r->base, end = (uint64_t)r->base + r->nmsrs;

	while (cur < end) {
		uint64_t next = cur;

		for (const struct mt_range *e = ranges; e < r; e++) {
			if ((e->flags & access) &&
			    mt_range_holds(e, (uint32_t)cur)) {
				next = (uint64_t)e->base + e->nmsrs;
				break;
			}
		}
		if (next == cur)
			return false;
		cur = next;
	}
	return true;
}

static bool covers_x2apic(const struct mt_range *r)
{
	return r->base <= MSRTRAP_X2APIC_LAST &&
	       (uint64_t)r->base + r->nmsrs > MSRTRAP_X2APIC_FIRST;
}

/* The findings for ranges[k] (non-empty, submitted as slot ranges[k].slot). */
static int lint_range(struct msrtrap_diags *d, const struct mt_range *ranges,
		      unsigned int k)
{
	const struct mt_range *r = &ranges[k];
	int err = 0;

	if (mt_range_wraps(r))
		return mt_diags_add(d, MSRTRAP_SEV_WARNING,
				    MSRTRAP_DIAG_WRAPPING_RANGE, 0, 0, 0,
				    "ranges[%u]: base 0x%x + nmsrs 0x%x reaches 2^32, so it matches no MSR",
				    r->slot, r->base, r->nmsrs);
	/* kvm_msr_allowed() answers x2APIC MSRs before any range */
	if (covers_x2apic(r))
		err = mt_diags_add(d, MSRTRAP_SEV_WARNING,
				   MSRTRAP_DIAG_X2APIC_RANGE, 0, 0, 0,
				   "ranges[%u]: covers x2APIC MSRs (0x%x-0x%x), which are never filtered",
				   r->slot, MSRTRAP_X2APIC_FIRST,
				   MSRTRAP_X2APIC_LAST);
	for (uint32_t a = MSRTRAP_READ; !err && a <= MSRTRAP_WRITE; a++)
		if ((r->flags & a) && shadowed(ranges, k, a))
			err = mt_diags_add(d, MSRTRAP_SEV_WARNING,
					   MSRTRAP_DIAG_SHADOWED_RANGE, 0, 0, 0,
					   "ranges[%u]: never decides a %s: earlier ranges cover all its MSRs",
					   r->slot,
					   msrtrap_access_name(a, MSRTRAP_ACCESS_NAME));
	return err;
}

int msrtrap_filter_lint(const struct msrtrap_filter *filter,
			struct msrtrap_diags **out)
{
	struct msrtrap_diags *d;
	int err = 0;

	if (!filter || !out)
		return -EINVAL;
	d = mt_diags_new("<filter>");
	if (!d)
		return -ENOMEM;
	/* filter->ranges: the non-empty slots, as the kernel keeps them */
	for (unsigned int k = 0; !err && k < filter->nr; k++)
		err = lint_range(d, filter->ranges, k);
	if (!err && !filter->nr)
		err = mt_diags_add(d, MSRTRAP_SEV_WARNING,
				   MSRTRAP_DIAG_NO_RANGES, 0, 0, 0,
				   "no non-empty range: everything is allowed, as with no filter");
	if (err) {
		msrtrap_diags_free(d);
		return err;
	}
	*out = d;
	return 0;
}
