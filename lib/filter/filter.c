// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The submitted filter: storage, kernel-identical validation, reference
 * evaluation, explanation, and conversion to and from the ABI struct.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <msrtrap/filter.h>

#include "core/filter_core.h"
#include "filter_internal.h"
#include "util/error.h"

/*
 * Our ABI definitions must be byte-compatible with the kernel's UAPI
 * (spec §3.1, invariant 18): prove it wherever the header exists.
 */
#if defined(__x86_64__) && __has_include(<linux/kvm.h>)
#include <linux/kvm.h>
#include <stddef.h>
_Static_assert(sizeof(struct kvm_msr_filter) == 392, "kvm_msr_filter is 392 bytes");
_Static_assert(sizeof(struct msrtrap_kvm_msr_filter) == sizeof(struct kvm_msr_filter), "size");
_Static_assert(sizeof(struct msrtrap_kvm_msr_filter_range) == sizeof(struct kvm_msr_filter_range), "range size");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter, ranges) == offsetof(struct kvm_msr_filter, ranges), "ranges");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, flags) == offsetof(struct kvm_msr_filter_range, flags), "flags");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, nmsrs) == offsetof(struct kvm_msr_filter_range, nmsrs), "nmsrs");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, base) == offsetof(struct kvm_msr_filter_range, base), "base");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, bitmap) == offsetof(struct kvm_msr_filter_range, bitmap), "bitmap");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_MAX_RANGES == KVM_MSR_FILTER_MAX_RANGES, "max ranges");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_READ == KVM_MSR_FILTER_READ, "READ");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_WRITE == KVM_MSR_FILTER_WRITE, "WRITE");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW == KVM_MSR_FILTER_DEFAULT_ALLOW, "ALLOW");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY == KVM_MSR_FILTER_DEFAULT_DENY, "DENY");
_Static_assert(MSRTRAP_KVM_X86_SET_MSR_FILTER == KVM_X86_SET_MSR_FILTER, "ioctl number");
_Static_assert(MSRTRAP_READ == KVM_MSR_FILTER_READ && MSRTRAP_WRITE == KVM_MSR_FILTER_WRITE, "access = filter flags");
#ifdef KVM_MSR_FILTER_RANGE_VALID_MASK
_Static_assert(MSRTRAP_KVM_MSR_FILTER_RANGE_VALID_MASK == KVM_MSR_FILTER_RANGE_VALID_MASK, "range mask");
#endif
#ifdef KVM_MSR_FILTER_VALID_MASK
_Static_assert(MSRTRAP_KVM_MSR_FILTER_VALID_MASK == KVM_MSR_FILTER_VALID_MASK, "mask");
#endif
#ifdef KVM_MSR_FILTER_MAX_BITMAP_SIZE
_Static_assert(MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE == KVM_MSR_FILTER_MAX_BITMAP_SIZE, "bitmap size");
#endif
#endif

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

	if (!filter || (!bitmap && bitmap_len))
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

	if (diag)
		diag->where[0] = diag->message[0] = 0;
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
			return mt_error_set(diag, -EFAULT, where,
					    "%zu bytes given; the kernel copies %zu (whole 8-byte words for %u MSRs)",
					    s->bitmap_len, bytes, s->nmsrs);
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
			   unsigned int access,
			   struct msrtrap_decision *decision)
{
	struct msrtrap_decision d = { .allowed = true };
	unsigned int i;

	if (access != MSRTRAP_READ && access != MSRTRAP_WRITE)
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
		*decision = d;
	return 0;
}

int msrtrap_filter_allowed(const struct msrtrap_filter *filter, uint32_t msr,
			   unsigned int access)
{
	struct msrtrap_decision d;
	int err = msrtrap_filter_explain(filter, msr, access, &d);

	return err ? err : d.allowed;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Storage one slot takes in the ABI copy (0 when it has no bitmap). */
static size_t slot_storage(const struct mt_range_slot *s)
{
	if (!s->has_bitmap)
		return 0;
	if (s->nmsrs <= MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS)
		return msrtrap_kvm_bitmap_bytes(s->nmsrs);
	/* the kernel never reads it (nmsrs is rejected first) */
	return round8(s->bitmap_len);
}

size_t msrtrap_filter_kvm_storage(const struct msrtrap_filter *filter)
{
	size_t total = 0;

	for (unsigned int i = 0; filter && i < filter->n; i++)
		total += slot_storage(&filter->slots[i]);
	return total;
}

int msrtrap_filter_to_kvm(const struct msrtrap_filter *filter,
			  struct msrtrap_kvm_msr_filter *abi, void *storage,
			  size_t storage_len)
{
	uint8_t *p = storage;

	if (!filter || !abi || (!storage && storage_len))
		return -EINVAL;
	if (storage_len < msrtrap_filter_kvm_storage(filter))
		return -ENOSPC;
	memset(abi, 0, sizeof(*abi));
	abi->flags = filter->flags;
	for (unsigned int i = 0; i < filter->n; i++) {
		const struct mt_range_slot *s = &filter->slots[i];
		struct msrtrap_kvm_msr_filter_range *r = &abi->ranges[i];
		size_t size = slot_storage(s);

		r->flags = s->flags;
		r->base = s->base;
		r->nmsrs = s->nmsrs;
		if (!s->has_bitmap)
			continue;
		/* zero padding: bits past nmsrs are never consulted; no
		 * bytes (nmsrs 0) may come with no storage at all (NULL) */
		if (size) {
			/* storage_len covers every slot's size (-ENOSPC above),
			 * so p is not NULL here (a false positive): */
			/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
			memset(p, 0, size);
			memcpy(p, s->bitmap, s->bitmap_len < size ? s->bitmap_len : size);
		}
		r->bitmap = p;
		p += size;
	}
	return 0;
}

/*
 * Copy from a caller pointer the way copy_from_user() does: an unreadable
 * address is an error, not a crash. process_vm_readv() on ourselves
 * reports EFAULT for unmapped memory; where it is not permitted (seccomp,
 * old kernels) fall back to a plain copy.
 */
static int copy_user(void *dst, const void *src, size_t len)
{
	/* dst is only written (by the kernel), never read */
	// cppcheck-suppress ctuuninitvar ; dst is the output buffer
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)src, len };
	ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

	if (got == (ssize_t)len)
		return 0;
	if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
		memcpy(dst, src, len);
		return 0;
	}
	return -EFAULT;
}

int msrtrap_filter_from_kvm(const struct msrtrap_kvm_msr_filter *abi,
			    struct msrtrap_filter **out)
{
	struct msrtrap_kvm_msr_filter copy;
	struct msrtrap_filter *f;
	unsigned int used = 0;
	int err;

	if (!out)
		return -EINVAL;
	/* the ioctl's own argument faults first (live notes §3.5: NULL) */
	if (!abi || copy_user(&copy, abi, sizeof(copy)))
		return -EFAULT;
	abi = &copy;
	/* keep every slot up to the last one that is not all zero */
	for (unsigned int i = 0; i < MSRTRAP_KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct msrtrap_kvm_msr_filter_range *r = &abi->ranges[i];

		if (r->flags || r->nmsrs || r->base || r->bitmap)
			used = i + 1;
	}
	err = msrtrap_filter_new(abi->flags, &f);
	for (unsigned int i = 0; !err && i < used; i++) {
		const struct msrtrap_kvm_msr_filter_range *r = &abi->ranges[i];
		bool readable = r->nmsrs && r->bitmap &&
				!(r->flags & ~MSRTRAP_KVM_MSR_FILTER_RANGE_VALID_MASK) &&
				r->flags &&
				r->nmsrs <= MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS;

		size_t bytes = readable ? msrtrap_kvm_bitmap_bytes(r->nmsrs) : 0;
		uint8_t buf[MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE];

		/* read only what the kernel would copy, and only when it
		 * would; an unreadable bitmap is kept as none, which
		 * validation reports as -EFAULT like the kernel */
		if (readable && copy_user(buf, r->bitmap, bytes))
			readable = false;
		err = msrtrap_filter_add_range(f, r->flags, r->base, r->nmsrs,
					       readable ? buf : NULL,
					       readable ? bytes : 0);
	}
	if (err) {
		msrtrap_filter_free(f);
		return err;
	}
	*out = f;
	return 0;
}
