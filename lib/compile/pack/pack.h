/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The optimal KVM MSR filter packer (internal, not public API yet).
 *
 * Given the wanted verdict of every 32-bit MSR for READ and for WRITE, it
 * builds a KVM userspace MSR filter (default + ordered ranges) that
 *  1. gives exactly that verdict everywhere the kernel consults the
 *     filter (the free window, x2APIC 0x800-0x8ff, is don't-care),
 *  2. has the fewest non-empty ranges any filter can have,
 *  3. among those, the fewest bitmap bytes (the kernel copies
 *     ceil(nmsrs/64) 8-byte words per range); every range starts and
 *     ends at an MSR that needs it,
 * or, when more than max_ranges ranges are unavoidable, says how many
 * are needed and which MSR spans they cover. docs/packing.md has the
 * model, the algorithm and the optimality proof.
 */
#ifndef MSRTRAP_LIB_PACK_H
#define MSRTRAP_LIB_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msrtrap/compile.h>
#include <msrtrap/filter.h>

/*
 * The wanted verdicts: every MSR and access gets `default_allow`, except
 * the MSRs in the access's exception list, which get the opposite. Each
 * list is sorted and disjoint (first <= last, next.first > last; adjacent
 * intervals are fine). Lists may be empty (NULL, 0).
 */
struct mt_pack_policy {
	bool default_allow;
	const struct msrtrap_interval *read;
	size_t nread;
	const struct msrtrap_interval *write;
	size_t nwrite;
};

/*
 * Limits. KVM: MT_PACK_PARAMS_KVM. Tests scale them down so that brute
 * force can check optimality.
 *  - max_nmsrs: 1 .. 0x3000, the largest range (KVM: 0x600 bitmap bytes);
 *  - max_ranges: 1 .. 16;
 *  - word_msrs: >= 1, MSRs per 8-byte bitmap word in the byte objective
 *    (KVM: 64, i.e. bytes = ceil(nmsrs/64)*8);
 *  - [free_first, free_first + free_count): MSRs the kernel never filters,
 *    don't-care for the packer (KVM: x2APIC 0x800, 0x100); count 0 = none;
 *    must not pass 2^32.
 *  - debug: 0, or MT_PACK_DEBUG_PLAIN for tests: the byte phase runs
 *    the unpruned grid DP of docs/packing.md §5.2 (slow; the pruning of
 *    §5.3-§5.5 is then checked against it).
 * The produced filter is always a real KVM filter (bitmaps of
 * ceil(nmsrs/64)*8 bytes); only the objective and the don't-care window
 * follow the parameters.
 */
struct mt_pack_params {
	uint32_t max_nmsrs;
	uint32_t max_ranges;
	uint32_t word_msrs;
	uint32_t free_first;
	uint32_t free_count;
	uint32_t debug;
};

#define MT_PACK_DEBUG_PLAIN 1u

#define MT_PACK_PARAMS_KVM                                                     \
	((struct mt_pack_params){                                              \
		.max_nmsrs = MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS,                 \
		.max_ranges = MSRTRAP_KVM_MSR_FILTER_MAX_RANGES,               \
		.word_msrs = 64,                                               \
		.free_first = 0x800,                                           \
		.free_count = 0x100,                                           \
	})

/*
 * What the packer found goes into a struct msrtrap_pack_report
 * (<msrtrap/compile.h>) of the library's own size; the packer fills it on
 * success and on -E2BIG, all but the naive_* fields, which are the
 * compiler's:
 *  - default_allow: the filter default chosen (whichever needs fewer
 *    ranges, then fewer bytes; the policy default on a tie);
 *  - nranges: the minimum number of ranges (on -E2BIG: > max_ranges);
 *  - bytes: bitmap bytes, sum of 8*ceil(nmsrs/word_msrs). On success the
 *    minimum among minimum-count filters; on -E2BIG those of the
 *    (count-optimal, trimmed but not byte-optimized) spans below;
 *  - bytes_proven: false when the byte phase fell back to its bounded
 *    beam: the count is still the minimum, the bytes are not proven
 *    minimal;
 *  - spans: the ranges of an optimal solution in filter order
 *    (single-access ranges first), for the CLI to explain which MSR
 *    clusters force them; on success nspans == nranges and every count is
 *    1; on -E2BIG an entry may stand for a run of `count` adjacent ranges
 *    of max_nmsrs MSRs each (a long stretch of MSRs that want the same
 *    treatment), so that the report stays small when millions of ranges
 *    would be needed, and the counts add up to nranges.
 *    Free with msrtrap_pack_report_fini().
 */

/*
 * Pack. On success returns 0 and, when `out` is not NULL, a new filter
 * (msrtrap_filter_free()) in *out. Errors:
 *  -EINVAL  bad arguments (unsorted/overlapping lists, params out of range);
 *  -E2BIG   more than max_ranges ranges are needed (report says how many
 *           and which spans); *out untouched;
 *  -ERANGE  no filter can express the policy: MSR 0xffffffff (which no
 *           range can hold, base+nmsrs would wrap) gets a different verdict
 *           for READ than for WRITE, so neither default fits it;
 *  -ENOMEM.
 * `report` may be NULL; it is reset (its sz set to the library's) on
 * every call.
 */
int mt_pack(const struct mt_pack_policy *policy,
	    const struct mt_pack_params *params, struct msrtrap_filter **out,
	    struct msrtrap_pack_report *report);

#endif
