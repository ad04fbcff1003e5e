// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A filter and the kernel's struct kvm_msr_filter, both ways: the copy
 * handed to KVM_X86_SET_MSR_FILTER, and reading one from caller memory
 * the way the kernel does (process_vm_readv(), so a bad pointer is an
 * error, not a crash). With it, the proof that our ABI spelling in
 * <msrtrap/filter.h> is the kernel's.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <msrtrap/filter.h>
#include <msrtrap/kvm.h>

#include "filter/filter_internal.h"

/*
 * Our ABI definitions must be byte-compatible with the kernel's UAPI
 * (spec §3.1, invariant 18): the constants everywhere, the struct layout
 * for 64-bit userspace, the ABI msrtrap describes.
 */
_Static_assert(MSRTRAP_KVM_MSR_FILTER_MAX_RANGES == KVM_MSR_FILTER_MAX_RANGES, "max ranges");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_READ == KVM_MSR_FILTER_READ, "READ");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_WRITE == KVM_MSR_FILTER_WRITE, "WRITE");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW == KVM_MSR_FILTER_DEFAULT_ALLOW, "ALLOW");
_Static_assert(MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY == KVM_MSR_FILTER_DEFAULT_DENY, "DENY");
_Static_assert(MSRTRAP_KVM_X86_SET_MSR_FILTER == KVM_X86_SET_MSR_FILTER, "ioctl number");
_Static_assert(MSRTRAP_KVM_API_VERSION == KVM_API_VERSION, "API version");
_Static_assert(MSRTRAP_KVM_CAP_X86_USER_SPACE_MSR == KVM_CAP_X86_USER_SPACE_MSR, "cap");
_Static_assert(MSRTRAP_KVM_CAP_X86_MSR_FILTER == KVM_CAP_X86_MSR_FILTER, "cap");
_Static_assert(MSRTRAP_KVM_EXIT_X86_RDMSR == KVM_EXIT_X86_RDMSR, "exit");
_Static_assert(MSRTRAP_KVM_EXIT_X86_WRMSR == KVM_EXIT_X86_WRMSR, "exit");
_Static_assert(MSRTRAP_KVM_MSR_EXIT_REASON_INVAL == KVM_MSR_EXIT_REASON_INVAL, "reason");
_Static_assert(MSRTRAP_KVM_MSR_EXIT_REASON_UNKNOWN == KVM_MSR_EXIT_REASON_UNKNOWN, "reason");
_Static_assert(MSRTRAP_KVM_MSR_EXIT_REASON_FILTER == KVM_MSR_EXIT_REASON_FILTER, "reason");
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
#if defined(__x86_64__)
_Static_assert(sizeof(struct kvm_msr_filter) == 392, "kvm_msr_filter is 392 bytes");
_Static_assert(sizeof(struct msrtrap_kvm_msr_filter) == sizeof(struct kvm_msr_filter), "size");
_Static_assert(sizeof(struct msrtrap_kvm_msr_filter_range) == sizeof(struct kvm_msr_filter_range), "range size");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter, ranges) == offsetof(struct kvm_msr_filter, ranges), "ranges");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, flags) == offsetof(struct kvm_msr_filter_range, flags), "flags");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, nmsrs) == offsetof(struct kvm_msr_filter_range, nmsrs), "nmsrs");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, base) == offsetof(struct kvm_msr_filter_range, base), "base");
_Static_assert(offsetof(struct msrtrap_kvm_msr_filter_range, bitmap) == offsetof(struct kvm_msr_filter_range, bitmap), "bitmap");
#endif

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
