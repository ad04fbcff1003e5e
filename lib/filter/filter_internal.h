/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The submitted filter's storage, shared by filter.c and cfilter.c. */
#ifndef MSRTRAP_LIB_FILTER_INTERNAL_H
#define MSRTRAP_LIB_FILTER_INTERNAL_H

#include <msrtrap/filter.h>

#include "core/filter_core.h"

struct mt_range_slot {
	uint32_t flags;
	uint32_t base;
	uint32_t nmsrs;
	bool has_bitmap; /* a bitmap (possibly 0 bytes) was given */
	uint8_t *bitmap;
	size_t bitmap_len;
};

struct msrtrap_filter {
	uint32_t flags;
	unsigned int n;
	struct mt_range_slot slots[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES];
	/*
	 * Derived on every change (the filter only grows), so evaluation is
	 * a plain scan: the validation result and the non-empty ranges as
	 * kvm_add_msr_filter() stores them.
	 */
	int verr;
	unsigned int nr;
	struct mt_range ranges[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES];
};


#endif
