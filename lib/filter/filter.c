// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The submitted filter: storage, kernel-identical validation, reference
 * evaluation and explanation. The conversion to and from the kernel's
 * ABI struct is the KVM layer's (lib/kvm/abi.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/filter.h>

#include "core/filter_core.h"
#include "filter_internal.h"
#include "util/error.h"
#include "util/opts.h"

static int validate(const struct msrtrap_filter *filter,
		    struct msrtrap_error *diag);
static unsigned int mt_filter_ranges(const struct msrtrap_filter *filter,
				     struct mt_range out[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES]);

/* Recompute what is derived from the slots (see filter_internal.h). */
static void refresh(struct msrtrap_filter *f)
{
	f->verr = validate(f, NULL);
	f->nr = mt_filter_ranges(f, f->ranges);
}

int msrtrap_filter_new(uint32_t flags, struct msrtrap_filter **out)
{
	struct msrtrap_filter *f;

	if (!out)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->flags = flags;
	refresh(f);
	*out = f;
	return 0;
}

void msrtrap_filter_free(struct msrtrap_filter *filter)
{
	if (!filter)
		return;
	for (unsigned int i = 0; i < filter->n; i++)
		free(filter->slots[i].bitmap);
	free(filter);
}

int msrtrap_filter_add_range(struct msrtrap_filter *filter, uint32_t flags,
			     uint32_t base, uint32_t nmsrs, const void *bitmap,
			     size_t bitmap_len)
{
	struct mt_range_slot *s;

	/*
	 * No object is larger than PTRDIFF_MAX bytes, so a longer bitmap is
	 * a bogus length, and refusing it keeps bitmap_len + 1 below from
	 * wrapping to a tiny allocation.
	 */
	if (!filter || (!bitmap && bitmap_len) || bitmap_len > PTRDIFF_MAX)
		return -EINVAL;
	if (filter->n == MSRTRAP_KVM_MSR_FILTER_MAX_RANGES)
		return -ENOSPC;
	s = &filter->slots[filter->n];
	memset(s, 0, sizeof(*s));
	if (bitmap) {
		/* +1 so an empty-but-present bitmap is not a NULL one */
		s->bitmap = malloc(bitmap_len + 1);
		if (!s->bitmap)
			return -ENOMEM;
		memcpy(s->bitmap, bitmap, bitmap_len);
		s->has_bitmap = true;
	}
	s->flags = flags;
	s->base = base;
	s->nmsrs = nmsrs;
	s->bitmap_len = bitmap_len;
	filter->n++;
	refresh(filter);
	return 0;
}

int msrtrap_filter_add_range_padded(struct msrtrap_filter *filter,
				    uint32_t flags, uint32_t base,
				    uint32_t nmsrs, const void *bitmap,
				    size_t bitmap_len)
{
	size_t want = msrtrap_kvm_bitmap_bytes(nmsrs);
	uint8_t *copy;
	int err;

	if (!filter || (!bitmap && bitmap_len) || bitmap_len > PTRDIFF_MAX)
		return -EINVAL;
	/*
	 * Past the kernel's limit validation refuses nmsrs itself; padding
	 * would only allocate up to 512 MiB for it.
	 */
	if (want > MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE || bitmap_len >= want)
		return msrtrap_filter_add_range(filter, flags, base, nmsrs,
						bitmap, bitmap_len);
	if (!bitmap || bitmap_len < ((size_t)nmsrs + 7) / 8)
		return -EINVAL;
	if (filter->n == MSRTRAP_KVM_MSR_FILTER_MAX_RANGES)
		return -ENOSPC;
	copy = calloc(1, want);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, bitmap, bitmap_len);
	err = msrtrap_filter_add_range(filter, flags, base, nmsrs, copy, want);
	free(copy);
	return err;
}

int msrtrap_filter_dup(const struct msrtrap_filter *filter,
		       struct msrtrap_filter **out)
{
	struct msrtrap_filter *copy = NULL; /* untouched if _new() fails */
	int err;

	if (!filter || !out)
		return -EINVAL;
	err = msrtrap_filter_new(filter->flags, &copy);
	for (unsigned int i = 0; !err && i < filter->n; i++) {
		const struct mt_range_slot *s = &filter->slots[i];

		err = msrtrap_filter_add_range(copy, s->flags, s->base,
					       s->nmsrs,
					       s->has_bitmap ? s->bitmap : NULL,
					       s->bitmap_len);
	}
	if (err) {
		msrtrap_filter_free(copy);
		return err;
	}
	*out = copy;
	return 0;
}

uint32_t msrtrap_filter_flags(const struct msrtrap_filter *filter)
{
	return filter ? filter->flags : 0;
}

unsigned int msrtrap_filter_nranges(const struct msrtrap_filter *filter)
{
	return filter ? filter->n : 0;
}

int msrtrap_filter_range(const struct msrtrap_filter *filter, unsigned int i,
			 struct msrtrap_filter_range *range)
{
	const struct mt_range_slot *s;

	if (!filter || !range)
		return -EINVAL;
	if (i >= filter->n)
		return -ENOENT;
	s = &filter->slots[i];
	range->flags = s->flags;
	range->base = s->base;
	range->nmsrs = s->nmsrs;
	range->bitmap = s->has_bitmap ? s->bitmap : NULL;
	range->bitmap_len = s->bitmap_len;
	return 0;
}

size_t msrtrap_kvm_bitmap_bytes(uint32_t nmsrs)
{
	/* BITS_TO_LONGS(nmsrs) * sizeof(long), computed without u32 overflow
	 * as the kernel does (BITS_PER_TYPE(long) widens the sum) */
	return (size_t)(((uint64_t)nmsrs + 63) / 64 * 8);
}

int msrtrap_filter_validate(const struct msrtrap_filter *filter,
			    struct msrtrap_error *diag)
{
	return validate(filter, diag);
}

static int validate(const struct msrtrap_filter *filter,
		    struct msrtrap_error *diag)
{
	bool empty = true;
	char where[32];

	mt_error_clear(diag);
	if (!filter)
		return mt_error_set(diag, -EFAULT, "filter",
				    "no filter struct");
	/* kvm_vm_ioctl_set_msr_filter(): spec §3.2, invariants 9-16 */
	if (filter->flags & ~MSRTRAP_KVM_MSR_FILTER_VALID_MASK)
		return mt_error_set(diag, -EINVAL, "flags",
				    "0x%x has bits other than DEFAULT_DENY (0x1)",
				    filter->flags);
	for (unsigned int i = 0; i < filter->n; i++)
		empty &= filter->slots[i].nmsrs == 0;
	if (empty && (filter->flags & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY))
		return mt_error_set(diag, -EINVAL, "ranges",
				    "default deny needs at least one range with nmsrs > 0");

	for (unsigned int i = 0; i < filter->n; i++) {
		const struct mt_range_slot *s = &filter->slots[i];
		size_t bytes;

		/* kvm_add_msr_filter(): an empty range is skipped before any
		 * other field is looked at (invariant 12) */
		if (s->nmsrs == 0)
			continue;
		if (s->flags & ~MSRTRAP_KVM_MSR_FILTER_RANGE_VALID_MASK) {
			snprintf(where, sizeof(where), "ranges[%u].flags", i);
			return mt_error_set(diag, -EINVAL, where,
					    "0x%x has bits other than READ (0x1) and WRITE (0x2)",
					    s->flags);
		}
		if (s->flags == 0) {
			snprintf(where, sizeof(where), "ranges[%u].flags", i);
			return mt_error_set(diag, -EINVAL, where,
					    "no access type (READ or WRITE) in a non-empty range");
		}
		bytes = msrtrap_kvm_bitmap_bytes(s->nmsrs);
		if (bytes > MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE) {
			snprintf(where, sizeof(where), "ranges[%u].nmsrs", i);
			return mt_error_set(diag, -EINVAL, where,
					    "%u MSRs need a %zu-byte bitmap; the limit is 0x600 bytes (0x3000 MSRs)",
					    s->nmsrs, bytes);
		}
		if (!s->has_bitmap || s->bitmap_len < bytes) {
			snprintf(where, sizeof(where), "ranges[%u].bitmap", i);
			if (!s->has_bitmap)
				return mt_error_set(diag, -EFAULT, where,
						    "no bitmap for %u MSRs",
						    s->nmsrs);
			/* singular forms: "1 byte given ... for 1 MSR" */
			return mt_error_set(diag, -EFAULT, where,
					    "%zu byte%s given; the kernel copies %zu (whole 8-byte words for %u MSR%s)",
					    s->bitmap_len,
					    s->bitmap_len == 1 ? "" : "s", bytes,
					    s->nmsrs, s->nmsrs == 1 ? "" : "s");
		}
	}
	return 0;
}

/* The non-empty ranges, as kvm_add_msr_filter() stores them. */
static unsigned int mt_filter_ranges(const struct msrtrap_filter *filter,
			      struct mt_range out[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES])
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < filter->n; i++) {
		const struct mt_range_slot *s = &filter->slots[i];

		if (!s->nmsrs)
			continue;
		out[n].flags = s->flags;
		out[n].base = s->base;
		out[n].nmsrs = s->nmsrs;
		out[n].slot = i;
		out[n].bitmap = s->bitmap;
		n++;
	}
	return n;
}

int msrtrap_filter_explain(const struct msrtrap_filter *filter, uint32_t msr,
			   enum msrtrap_access access,
			   struct msrtrap_decision *decision)
{
	/* decided in a complete struct of ours, handed over at most sz */
	MSRTRAP_OPTS(msrtrap_decision, d, .allowed = true);
	unsigned int i;

	if (access != MSRTRAP_READ && access != MSRTRAP_WRITE)
		return -EINVAL;
	if (decision && decision->sz < sizeof(decision->sz))
		return -EINVAL;
	/* kvm_msr_allowed() tests x2APIC before looking at the filter */
	if (msrtrap_msr_is_x2apic(msr)) {
		d.by = MSRTRAP_BY_X2APIC;
	} else if (!filter) {
		d.by = MSRTRAP_BY_NO_FILTER;
	} else {
		const struct mt_range *ranges = filter->ranges;

		if (filter->verr)
			return -EINVAL;
		i = mt_filter_scan(ranges, filter->nr, msr, access);
		if (i == filter->nr) {
			d.by = MSRTRAP_BY_DEFAULT;
			d.allowed = !(filter->flags & MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY);
		} else {
			d.by = MSRTRAP_BY_RANGE;
			d.range = ranges[i].slot;
			d.bit = msr - ranges[i].base;
			d.allowed = mt_range_bit(&ranges[i], msr);
		}
	}
	if (decision)
		mt_out_copy(decision, &d, sizeof(d));
	return 0;
}

int msrtrap_filter_allowed(const struct msrtrap_filter *filter, uint32_t msr,
			   enum msrtrap_access access)
{
	MSRTRAP_OPTS(msrtrap_decision, d);
	int err = msrtrap_filter_explain(filter, msr, access, &d);

	return err ? err : d.allowed;
}
