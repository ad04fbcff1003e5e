/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KVM's userspace MSR filter (KVM_X86_SET_MSR_FILTER), modelled exactly:
 * the ABI, the kernel's validation (same errno for the same input), its
 * evaluation, and a compiled form with O(1) lookups.
 *
 * Semantics: the KVM API documentation (Documentation/virt/kvm/api.rst,
 * KVM_X86_SET_MSR_FILTER), and the kernel functions named below that
 * implement it; usage: libmsrtrap(3).
 *
 * Three objects:
 *  - struct msrtrap_filter: what userspace submits. Default flags plus up
 *    to 16 range slots, held as given, including empty (nmsrs == 0) slots
 *    and invalid values, so that validation can answer like the kernel.
 *  - struct msrtrap_cfilter: a validated filter compiled for lookups in
 *    constant time, independent of the number of ranges. Immutable.
 *  - struct msrtrap_kvm_msr_filter: the kernel ABI struct, for the ioctl.
 */
#ifndef MSRTRAP_FILTER_H
#define MSRTRAP_FILTER_H

#include <msrtrap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the kernel ABI (arch/x86/include/uapi/asm/kvm.h), our spelling ---- */

#define MSRTRAP_KVM_MSR_FILTER_MAX_RANGES 16
#define MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE 0x600
#define MSRTRAP_KVM_MSR_FILTER_READ (1u << 0)
#define MSRTRAP_KVM_MSR_FILTER_WRITE (1u << 1)
#define MSRTRAP_KVM_MSR_FILTER_RANGE_VALID_MASK 3u
#define MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW 0u
#define MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY (1u << 0)
#define MSRTRAP_KVM_MSR_FILTER_VALID_MASK 1u
/* _IOW(0xAE, 0xc6, struct kvm_msr_filter) for 64-bit userspace */
#define MSRTRAP_KVM_X86_SET_MSR_FILTER 0x4188aec6u
/* Largest nmsrs a range may have: 0x600 bytes of bitmap. */
#define MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS (MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8)

/*
 * Mirrors of the kernel's struct kvm_msr_filter_range and struct
 * kvm_msr_filter (proven equal at build time): their layout is the
 * kernel's, frozen like any UAPI struct, so they carry no size field.
 */
struct msrtrap_kvm_msr_filter_range {
	uint32_t flags;
	uint32_t nmsrs;
	uint32_t base;
	uint8_t *bitmap; /* bit i (byte i/8, bit i%8): 1 = allow MSR base+i */
};

struct msrtrap_kvm_msr_filter {
	uint32_t flags;
	struct msrtrap_kvm_msr_filter_range ranges[MSRTRAP_KVM_MSR_FILTER_MAX_RANGES];
};

/*
 * Where and why a filter was rejected: struct msrtrap_error (common.h),
 * `where` naming the field the way a user wrote it: "flags",
 * "ranges[3].flags", "ranges[0].bitmap", ...
 */

/* ---- the submitted filter ---- */

struct msrtrap_filter;

/* A filter with these raw default flags (0 = allow, 1 = deny) and no ranges. */
MSRTRAP_API int msrtrap_filter_new(uint32_t flags, struct msrtrap_filter **out);
MSRTRAP_API void msrtrap_filter_free(struct msrtrap_filter *filter);
MSRTRAP_API int msrtrap_filter_dup(const struct msrtrap_filter *filter,
				   struct msrtrap_filter **out);

/*
 * Append a range slot, exactly as it would sit in ranges[i]. The filter
 * keeps a copy of `bitmap_len` bytes of `bitmap`; bitmap may be NULL. Any
 * flags, base and nmsrs are accepted here (validation judges them).
 * 0; -ENOSPC after 16; -EINVAL for a NULL filter, a NULL bitmap with a
 * non-zero bitmap_len, or a bitmap_len over PTRDIFF_MAX (no object is
 * that large); -ENOMEM. On failure the filter is unchanged.
 */
MSRTRAP_API int msrtrap_filter_add_range(struct msrtrap_filter *filter,
					 uint32_t flags, uint32_t base,
					 uint32_t nmsrs, const void *bitmap,
					 size_t bitmap_len);

/*
 * The same for a bitmap that holds a bit per MSR, ceil(nmsrs/8) bytes or
 * more: the copy is zero-padded (deny) to the msrtrap_kvm_bitmap_bytes()
 * whole words the kernel copies, so msrtrap_filter_validate() judges the
 * bytes msrtrap_kvm_fd_set_filter() installs (with _add_range() and a
 * 1-byte bitmap for 1 MSR, validation says -EFAULT while the install,
 * which pads, succeeds). An nmsrs over MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS
 * is kept as given (validation refuses it). 0; -EINVAL as _add_range(),
 * and for a bitmap shorter than ceil(nmsrs/8) bytes (some MSR would have
 * no bit); -ENOSPC; -ENOMEM.
 */
MSRTRAP_API int msrtrap_filter_add_range_padded(struct msrtrap_filter *filter,
						uint32_t flags, uint32_t base,
						uint32_t nmsrs,
						const void *bitmap,
						size_t bitmap_len);

/*
 * One range slot as submitted: the fields of a struct
 * kvm_msr_filter_range plus how many bitmap bytes were given. A mirror
 * of the kernel's struct, frozen with it, so it carries no size field; a
 * new property of a range would get a function of its own.
 */
struct msrtrap_filter_range {
	uint32_t flags;
	uint32_t base;
	uint32_t nmsrs;
	const uint8_t *bitmap; /* NULL when none was given */
	size_t bitmap_len;     /* bytes given */
};

MSRTRAP_API uint32_t msrtrap_filter_flags(const struct msrtrap_filter *filter);
/* Number of range slots, empty ones included. */
MSRTRAP_API unsigned int msrtrap_filter_nranges(const struct msrtrap_filter *filter);
MSRTRAP_API int msrtrap_filter_range(const struct msrtrap_filter *filter,
				     unsigned int i,
				     struct msrtrap_filter_range *range);

/*
 * Validate with the kernel's rules, in the kernel's order
 * (kvm_vm_ioctl_set_msr_filter() and kvm_add_msr_filter()):
 * 0, -EINVAL, or -EFAULT where the kernel would fault copying a bitmap
 * (NULL, or fewer than ceil(nmsrs/64)*8 bytes given: the kernel copies
 * whole 8-byte words). diag (may be NULL) says where and why.
 */
MSRTRAP_API int msrtrap_filter_validate(const struct msrtrap_filter *filter,
					struct msrtrap_error *diag);

/* Bytes the kernel copies for a range of nmsrs MSRs: ceil(nmsrs/64)*8. */
MSRTRAP_API size_t msrtrap_kvm_bitmap_bytes(uint32_t nmsrs);

/*
 * Evaluate like kvm_msr_allowed(): x2APIC 0x800-0x8ff is always allowed;
 * otherwise the first non-empty range (submission order) whose flags
 * include the access and whose [base, base+nmsrs) (u32; a wrapping range
 * matches nothing) holds the MSR decides by its bit; otherwise the
 * default. A NULL filter means no filter: everything allowed.
 * access is MSRTRAP_READ or MSRTRAP_WRITE. Returns 1 allow, 0 deny,
 * -EINVAL for a bad access or an invalid filter.
 *
 * This is the linear reference scan; msrtrap_cfilter_allowed() is the
 * fast path and is proven equal to it.
 */
MSRTRAP_API int msrtrap_filter_allowed(const struct msrtrap_filter *filter,
				       uint32_t msr,
				       enum msrtrap_access access);

enum msrtrap_decided_by {
	MSRTRAP_BY_NO_FILTER = 0, /* no filter installed: allowed */
	MSRTRAP_BY_X2APIC = 1,    /* 0x800-0x8ff: never filtered */
	MSRTRAP_BY_RANGE = 2,     /* a range's bit */
	MSRTRAP_BY_DEFAULT = 3,   /* no range matched */
};

/*
 * An output struct that can grow: the caller sets sz = sizeof(struct
 * msrtrap_decision) (or declares it with MSRTRAP_OPTS()); the library
 * fills at most sz bytes and leaves sz and anything past what it knows
 * untouched.
 */
struct msrtrap_decision {
	size_t sz;
	bool allowed;
	enum msrtrap_decided_by by;
	unsigned int range; /* with BY_RANGE: slot index, empty slots counted */
	uint32_t bit;	    /* with BY_RANGE: bit number, msr - base */
};

/*
 * Why msrtrap_filter_allowed() answers what it answers, into *decision
 * (may be NULL). 0, or -EINVAL as msrtrap_filter_allowed() and when
 * decision->sz cannot even hold sz (decision untouched then).
 */
MSRTRAP_API int msrtrap_filter_explain(const struct msrtrap_filter *filter,
				       uint32_t msr, enum msrtrap_access access,
				       struct msrtrap_decision *decision);

/* ---- lints ---- */

struct msrtrap_diags; /* <msrtrap/diags.h>: the diagnostics list */

/*
 * Findings on ranges that the kernel accepts but that do less than they
 * seem to, one warning each, in slot order, with where the range is in
 * the message ("ranges[3]: ...") and line and column 0:
 *  - MSRTRAP_DIAG_WRAPPING_RANGE: base + nmsrs reaches 2^32, so the
 *    range matches no MSR (the kernel compares in u32);
 *  - MSRTRAP_DIAG_X2APIC_RANGE: the range covers part of the x2APIC
 *    window, which KVM never filters (KVM API documentation,
 *    KVM_X86_SET_MSR_FILTER);
 *  - MSRTRAP_DIAG_SHADOWED_RANGE: for reads or for writes, earlier ranges
 *    decide every MSR of the range (the first matching range wins);
 *  - MSRTRAP_DIAG_NO_RANGES: no non-empty range, so the filter allows
 *    everything, as no filter does.
 * Only the ranges' geometry and flags are looked at; validate first
 * (msrtrap_filter_validate()) for what the kernel refuses. Returns 0 and a
 * new list in *out (possibly empty; free with msrtrap_diags_free()),
 * -EINVAL for NULL arguments, or -ENOMEM.
 */
MSRTRAP_API int msrtrap_filter_lint(const struct msrtrap_filter *filter,
				    struct msrtrap_diags **out);

/* ---- the kernel ABI struct ---- */

/*
 * Bytes of bitmap storage msrtrap_filter_to_kvm() needs: for each slot
 * with a bitmap, ceil(nmsrs/64)*8 (at least the bytes given, rounded up
 * to 8), so every range can be copied by the kernel in whole words.
 */
MSRTRAP_API size_t msrtrap_filter_kvm_storage(const struct msrtrap_filter *filter);

/*
 * Fill an ABI struct; bitmaps are copied, zero-padded to whole 8-byte
 * words, into caller-owned `storage` (msrtrap_filter_kvm_storage() bytes)
 * that the struct then points into. Unused slots are zero. Works for
 * invalid filters too (to hand the kernel exactly what was described).
 * -ENOSPC when storage is too small.
 */
MSRTRAP_API int msrtrap_filter_to_kvm(const struct msrtrap_filter *filter,
				      struct msrtrap_kvm_msr_filter *abi,
				      void *storage, size_t storage_len);

/*
 * Read an ABI struct as the kernel would. For each slot with nmsrs > 0,
 * valid flags and at most 0x600 bitmap bytes, ceil(nmsrs/64)*8 bytes are
 * read from its bitmap pointer, so the caller must provide that much, as
 * for the kernel. Reads go through process_vm_readv(), so an unreadable
 * bitmap is kept as missing (validation: -EFAULT) instead of crashing, and
 * an unreadable or NULL abi returns -EFAULT. All 16 slots are kept
 * (trailing all-zero slots are dropped), so validation answers as the
 * kernel would.
 */
MSRTRAP_API int msrtrap_filter_from_kvm(const struct msrtrap_kvm_msr_filter *abi,
					struct msrtrap_filter **out);

/* ---- the compiled filter ---- */

struct msrtrap_cfilter;

/*
 * Validate and compile. On a validation failure returns its errno and
 * fills diag. NULL filter = no filter (compiles to allow-everything).
 */
MSRTRAP_API int msrtrap_cfilter_new(const struct msrtrap_filter *filter,
				    struct msrtrap_cfilter **out,
				    struct msrtrap_error *diag);
MSRTRAP_API void msrtrap_cfilter_free(struct msrtrap_cfilter *cfilter);

/*
 * O(1) verdict: true = allowed. access is MSRTRAP_READ or MSRTRAP_WRITE
 * (anything else: false, with or without a filter). A NULL cfilter means
 * no filter: allowed.
 * Freestanding code; never scans ranges.
 */
MSRTRAP_API bool msrtrap_cfilter_allowed(const struct msrtrap_cfilter *cfilter,
					 uint32_t msr,
					 enum msrtrap_access access);

/*
 * Inlined lookups. A VM-exit handler that wants the verdict without a
 * library call takes a view of the compiled filter once (after each
 * publish) and calls msrtrap_cfilter_view_allowed(), a static inline
 * function of a dozen instructions: the x2APIC test, one multiply-shift
 * hash of msr >> 13 into the bucket table, one compare, one bit test. The
 * view borrows the filter's memory: valid while the filter lives.
 * The layout below is frozen for this soname and has no size field: the
 * inline function, compiled into the caller, reads it directly, so any
 * change would break every program built against this header. A
 * different layout would come as a new view struct.
 */
struct msrtrap_cfilter_bucket {
	uint32_t tag;	/* msr >> 13 of the block it holds; 0xffffffff: empty */
	uint32_t block; /* index of the block's verdict words */
};

struct msrtrap_cfilter_view {
	uint32_t hash_mult;
	uint32_t hash_shift;
	uint32_t default_allow;
	const struct msrtrap_cfilter_bucket *buckets;
	/* per block: 128 words of read verdicts, then 128 of write; 1 = allow */
	const uint64_t *bits;
};

/* Fill a view of `cfilter` (NULL: no filter, allow everything). 0 or -EINVAL. */
MSRTRAP_API int msrtrap_cfilter_get_view(const struct msrtrap_cfilter *cfilter,
					 struct msrtrap_cfilter_view *view);

/* Same answer as msrtrap_cfilter_allowed(), inlined. */
static inline bool msrtrap_cfilter_view_allowed(const struct msrtrap_cfilter_view *view,
						uint32_t msr,
						enum msrtrap_access access)
{
	uint32_t tag = msr >> 13, dir = access - 1;
	const struct msrtrap_cfilter_bucket *bucket;

	if (dir > 1)
		return false;
	if (msrtrap_msr_is_x2apic(msr))
		return true; /* x2APIC is never filtered */
	bucket = &view->buckets[(uint32_t)(tag * view->hash_mult) >> view->hash_shift];
	if (bucket->tag != tag)
		return view->default_allow;
	return (view->bits[((uint64_t)bucket->block * 2 + dir) * 128 + ((msr >> 6) & 127)] >>
		(msr & 63)) & 1;
}

/* The default verdict (true = allow) of a compiled filter. */
MSRTRAP_API bool msrtrap_cfilter_default_allow(const struct msrtrap_cfilter *cfilter);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_FILTER_H */
