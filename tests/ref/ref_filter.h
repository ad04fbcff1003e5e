/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference evaluation of a KVM userspace MSR filter (invariants 19-26),
 * written from the spec's pseudo-code of kvm_msr_allowed() and
 * independent of lib/core/filter_eval.c and lib/filter: a plain array of
 * ranges, scanned in submission order.
 */
#ifndef MSRTRAP_REF_FILTER_H
#define MSRTRAP_REF_FILTER_H

#include <stdint.h>

struct ref_range {
	uint32_t flags, base, nmsrs;
	uint8_t bm[0x600 + 8]; /* room for the +1 fill past a full bitmap */
};

/* kvm_msr_allowed() from the spec's pseudo-code, nothing shared */
static inline int ref_allowed(uint32_t fflags, const struct ref_range *r,
			      int n, uint32_t index, uint32_t type)
{
	if (index >= 0x800 && index <= 0x8ff)
		return 1;
	for (int i = 0; i < n; i++) {
		uint32_t end = r[i].base + r[i].nmsrs;

		if (r[i].nmsrs == 0)
			continue;
		if (index >= r[i].base && index < end && (r[i].flags & type)) {
			uint32_t b = index - r[i].base;

			return (r[i].bm[b / 8] >> (b % 8)) & 1;
		}
	}
	return !(fflags & 1);
}

#endif /* MSRTRAP_REF_FILTER_H */
