/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compiling policies (<msrtrap/policy.h>) to KVM userspace MSR filters
 * and hardware intercept maps, decompiling them back, and the difference
 * of two policies. Every function here only reads its policies, so a
 * parsed policy may be compiled from any number of threads at once.
 * libmsrtrap(3) has examples; msrtrap(1) (compile, diff) does the same
 * from the command line.
 */
#ifndef MSRTRAP_COMPILE_H
#define MSRTRAP_COMPILE_H

#include <msrtrap/common.h>
#include <msrtrap/policy.h>

#ifdef __cplusplus
extern "C" {
#endif

struct msrtrap_filter;
struct msrtrap_map;

/*
 * One range of a packed KVM filter (or, in a -E2BIG report, a cluster of
 * MSRs that forces `count` ranges): the accesses it applies to
 * (MSRTRAP_READ, MSRTRAP_WRITE or MSRTRAP_RW) and its inclusive span.
 * count is 1 except for a long stretch that needs `count` adjacent
 * ranges of 0x3000 MSRs each.
 */
struct msrtrap_pack_span {
	enum msrtrap_access access;
	uint32_t first;
	uint32_t last;
	uint64_t count;
};

/*
 * What msrtrap_policy_to_filter() found. The caller allocates it and sets
 * sz, best with MSRTRAP_OPTS(msrtrap_pack_report, report) (<msrtrap/
 * common.h>): the library fills at most sz bytes, so a program built
 * against an older, shorter struct gets the fields it knows and a newer,
 * longer one keeps its extra bytes. Free with msrtrap_pack_report_fini().
 *  - default_allow: the filter's default;
 *  - nranges: the fewest non-empty ranges any exact filter has (on
 *    -E2BIG more than 16);
 *  - bytes: bitmap bytes the kernel copies (ceil(nmsrs/64)*8 per range),
 *    the fewest among filters with nranges ranges (on -E2BIG: those of
 *    the spans) - proven so when bytes_proven; on rare adversarial
 *    policies the byte search falls back to a bounded beam (nranges stays
 *    the proven minimum) and bytes_proven is false;
 *  - spans: the ranges in filter order (on -E2BIG the MSR clusters that
 *    force them; their counts add up to nranges);
 *  - naive_ranges, naive_bytes: the QEMU-style filter for comparison,
 *    one range of one MSR (8 bitmap bytes) per MSR whose verdict, for
 *    either access, differs from the default (the better default; the
 *    x2APIC MSRs 0x800-0x8ff, which KVM never filters, not counted; a
 *    deny filter without exceptions still needs one range to be valid).
 */
struct msrtrap_pack_report {
	size_t sz; /* sizeof(struct msrtrap_pack_report) */
	bool default_allow;
	uint64_t nranges;
	uint64_t bytes;
	size_t nspans;
	struct msrtrap_pack_span *spans;
	uint64_t naive_ranges;
	uint64_t naive_bytes;
	bool bytes_proven;
};

/* Free the spans and zero the report, keeping its sz; NULL is fine. */
MSRTRAP_API void msrtrap_pack_report_fini(struct msrtrap_pack_report *report);

/*
 * Compile to a KVM userspace MSR filter (KVM_X86_SET_MSR_FILTER), in
 * order of importance: exact (for every MSR outside 0x800-0x8ff, which
 * KVM never filters, and each access, the filter's verdict is the
 * policy's); the fewest non-empty ranges possible; then the fewest
 * bitmap bytes. The filter is valid (msrtrap_filter_validate()).
 *
 * Returns 0 and a new filter in *out (msrtrap_filter_free(); out may be
 * NULL to only fill the report), or:
 *  -E2BIG   more than 16 ranges are needed: the report says how many and
 *           which MSR clusters force them; *out = NULL;
 *  -ERANGE  MSR 0xffffffff is allowed for one access and denied for the
 *           other: no range can hold it (base + nmsrs would wrap), so
 *           the filter's default decides both;
 *  -EINVAL  bad arguments, also a report whose sz cannot hold sz itself;
 *  -ENOMEM.
 * `report` may be NULL; when given it is filled on 0 and -E2BIG and
 * must be finalized with msrtrap_pack_report_fini() in every case.
 */
MSRTRAP_API int msrtrap_policy_to_filter(const struct msrtrap_policy *policy,
					 struct msrtrap_filter **out,
					 struct msrtrap_pack_report *report);

/*
 * Compile to a hardware intercept map (MSRTRAP_FMT_VMX: 4096 bytes,
 * MSRTRAP_FMT_SVM: 8192 bytes): allow = pass through (bit clear), deny =
 * intercept (bit set). MSRs the format cannot represent always exit,
 * whatever the policy says (msrtrap_policy_check_format() warns).
 * 0 and a new map in *out (msrtrap_map_free()), -EINVAL, -ENOMEM.
 */
MSRTRAP_API int msrtrap_policy_to_map(const struct msrtrap_policy *policy,
				      enum msrtrap_format fmt,
				      struct msrtrap_map **out);

/*
 * Decompile a KVM filter: the policy with the filter's verdict for every
 * MSR and access of the whole 32-bit space, the x2APIC MSRs 0x800-0x8ff
 * (never filtered) allowed. Built with msrtrap_policy_from_intervals()
 * around the filter's default. The filter must pass validation: its
 * errno (-EINVAL, -EFAULT) otherwise; -ENOMEM.
 */
MSRTRAP_API int msrtrap_policy_from_filter(const struct msrtrap_filter *filter,
					   struct msrtrap_policy **out);

/*
 * Decompile a hardware map: `default deny` (intercept, which is also the
 * verdict of every MSR the format cannot represent) allowing what passes
 * through. 0, -EINVAL, -ENOMEM.
 */
MSRTRAP_API int msrtrap_policy_from_map(const struct msrtrap_map *map,
					struct msrtrap_policy **out);

/*
 * Where two policies disagree for one access (MSRTRAP_READ or
 * MSRTRAP_WRITE): the maximal inclusive intervals over which both
 * verdicts are constant and differ, ascending (two may touch where the
 * disagreement changes direction; msrtrap_policy_verdict() of either
 * policy at an interval's first MSR tells the direction). Copies at most
 * n of them to buf (may be NULL when n is 0) and returns how many there
 * are in all (0: the same verdicts everywhere), or -EINVAL. O(exceptions).
 */
MSRTRAP_API long msrtrap_policy_diff(const struct msrtrap_policy *a,
				     const struct msrtrap_policy *b,
				     enum msrtrap_access access,
				     struct msrtrap_interval *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_COMPILE_H */
