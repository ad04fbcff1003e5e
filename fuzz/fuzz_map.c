// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the hardware map decoder: msrtrap_map_from_bytes() on inputs of
 * any size, with the format recognised by size and forced to VMX and SVM:
 * it must accept exactly 4096 (VMX) or 8192 (SVM) bytes and keep them
 * unchanged. For a map, per access, the pass-through runs of
 * msrtrap_map_next_pass() must be ascending, disjoint, inside the
 * format's spans, maximal, every MSR of a run must pass and the runs
 * must hold every MSR that passes (their total equals a count over every
 * covered MSR), all judged by ref_bit(), the layout written down here
 * from the spec. At the run edges and fuzz_fixed_msrs[],
 * msrtrap_map_test(), msrtrap_raw_test() and ref_bit() agree, and the
 * map decompiled (msrtrap_policy_from_map()) gives the same verdicts.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

static const unsigned int accesses[2] = { MSRTRAP_READ, MSRTRAP_WRITE };

/*
 * The bit of one covered MSR, straight from the layout tables of the
 * spec (invariants 1-8), independent of lib/core/map.c: 1 = intercept.
 * VMX: 1 bit per MSR, read-low 0x000, read-high 0x400, write-low 0x800,
 * write-high 0xc00. SVM: 2 bits per MSR (read even, write odd), spans at
 * 0x0000, 0x0800, 0x1000.
 */
static const uint32_t ref_base[3] = { 0x0, 0xc0000000, 0xc0010000 };

static unsigned int ref_nspans(enum msrtrap_format fmt)
{
	return fmt == MSRTRAP_FMT_VMX ? 2 : 3;
}

/* The bit of MSR ref_base[i] + off (off <= 0x1fff). */
static int ref_span_bit(enum msrtrap_format fmt, const uint8_t *map,
			unsigned int i, uint32_t off, unsigned int acc)
{
	if (fmt == MSRTRAP_FMT_VMX) {
		size_t byte = (acc == MSRTRAP_WRITE ? 0x800 : 0) + i * 0x400 + off / 8;

		return (map[byte] >> (off % 8)) & 1;
	}
	uint32_t bit = off * 2 + (acc == MSRTRAP_WRITE);

	return (map[i * 0x800 + bit / 8] >> (bit % 8)) & 1;
}

static int ref_bit(enum msrtrap_format fmt, const uint8_t *map, uint32_t msr,
		   unsigned int acc)
{
	for (unsigned int i = 0; i < ref_nspans(fmt); i++) {
		uint32_t off = msr - ref_base[i];

		if (msr >= ref_base[i] && off <= 0x1fff)
			return ref_span_bit(fmt, map, i, off, acc);
	}
	return -1;
}

/*
 * ref_bit() of every covered MSR for one access, computed once per map
 * and access: the run checks below visit each covered MSR about twice.
 */
struct ref_bits {
	enum msrtrap_format fmt;
	uint8_t bit[3][0x2000];
};

/* Returns how many covered MSRs pass. */
static uint64_t ref_fill(struct ref_bits *r, enum msrtrap_format fmt,
			 const uint8_t *map, unsigned int acc)
{
	uint64_t passing = 0;

	r->fmt = fmt;
	for (unsigned int i = 0; i < ref_nspans(fmt); i++)
		for (uint32_t off = 0; off <= 0x1fff; off++) {
			r->bit[i][off] = (uint8_t)ref_span_bit(fmt, map, i, off, acc);
			passing += !r->bit[i][off];
		}
	return passing;
}

static int ref_get(const struct ref_bits *r, uint32_t msr)
{
	for (unsigned int i = 0; i < ref_nspans(r->fmt); i++) {
		uint32_t off = msr - ref_base[i];

		if (msr >= ref_base[i] && off <= 0x1fff)
			return r->bit[i][off];
	}
	return -1;
}

static void check_one(const struct msrtrap_map *map, enum msrtrap_format fmt,
		      uint32_t msr, unsigned int acc)
{
	int t = msrtrap_map_test(map, msr, acc);
	int ref = ref_bit(fmt, msrtrap_map_data(map), msr, acc);

	/* a mask of the intercepted accesses among those asked */
	FUZZ_CHECK(t == 0 || t == (int)acc, "map_test(0x%x): %d", msr, t);
	FUZZ_CHECK(msrtrap_raw_test(fmt, msrtrap_map_data(map), msr, acc) == t,
		   "raw_test differs at 0x%x", msr);
	FUZZ_CHECK(msrtrap_format_covers(fmt, msr) == (ref >= 0),
		   "covers(0x%x) disagrees with the layout", msr);
	FUZZ_CHECK(ref < 0 ? t != 0 : !!t == ref,
		   "0x%x access %u: map_test %d, layout bit %d", msr, acc, t, ref);
}

static void check_runs(const struct msrtrap_map *map, enum msrtrap_format fmt,
		       unsigned int acc, struct fuzz_samples *s)
{
	static struct ref_bits ref; /* 24 KiB: not on the stack */
	uint64_t cursor = 0, in_runs = 0, passing;
	uint32_t first, last;
	int64_t prev_last = -1;
	int rc;

	passing = ref_fill(&ref, fmt, msrtrap_map_data(map), acc);
	while ((rc = msrtrap_map_next_pass(map, acc, &cursor, &first, &last)) == 1) {
		FUZZ_CHECK(first <= last, "run 0x%x-0x%x reversed", first, last);
		FUZZ_CHECK((int64_t)first > prev_last, "run 0x%x-0x%x not ascending",
			   first, last);
		FUZZ_CHECK(in_runs + (last - first + 1) <= 0x6000,
			   "runs hold more MSRs than the format");
		for (uint64_t m = first; m <= last; m++)
			FUZZ_CHECK(ref_get(&ref, (uint32_t)m) == 0,
				   "0x%x in run 0x%x-0x%x does not pass", (uint32_t)m,
				   first, last);
		/* maximal: the neighbours in the same span are intercepted */
		if (first && ref_get(&ref, first - 1) >= 0)
			FUZZ_CHECK(ref_get(&ref, first - 1) == 1,
				   "run 0x%x-0x%x not maximal", first, last);
		if (last != UINT32_MAX && ref_get(&ref, last + 1) >= 0)
			FUZZ_CHECK(ref_get(&ref, last + 1) == 1,
				   "run 0x%x-0x%x not maximal", first, last);
		fuzz_sample_around(s, first);
		fuzz_sample_around(s, last);
		in_runs += last - first + 1;
		prev_last = last;
	}
	FUZZ_CHECK(rc == 0, "next_pass: %d", rc);

	FUZZ_CHECK(passing == in_runs, "%llu MSRs pass, the runs hold %llu",
		   (unsigned long long)passing, (unsigned long long)in_runs);
}

static void check_map(const uint8_t *data, size_t size, enum msrtrap_format fmt)
{
	struct fuzz_samples s = { .n = 0 };
	struct msrtrap_policy *pol = NULL;
	struct msrtrap_map *map = NULL;
	enum msrtrap_format want = size == MSRTRAP_VMX_BITMAP_SIZE ? MSRTRAP_FMT_VMX :
				   size == MSRTRAP_SVM_MSRPM_SIZE ? MSRTRAP_FMT_SVM :
								    MSRTRAP_FMT_NONE;
	int rc = msrtrap_map_from_bytes(fmt, data, size, &map);

	if (fmt != MSRTRAP_FMT_NONE && fmt != want)
		want = MSRTRAP_FMT_NONE;
	if (want == MSRTRAP_FMT_NONE) {
		FUZZ_CHECK(rc == -EINVAL && !map, "%zu bytes as format %d: %d", size,
			   fmt, rc);
		return;
	}
	FUZZ_CHECK(rc == 0 && map, "%zu bytes as format %d: %d", size, fmt, rc);
	FUZZ_CHECK(msrtrap_map_format(map) == want, "format %d, want %d",
		   msrtrap_map_format(map), want);
	FUZZ_CHECK(msrtrap_map_size(map) == size, "size %zu", msrtrap_map_size(map));
	FUZZ_CHECK(!memcmp(msrtrap_map_data(map), data, size), "bytes changed");

	fuzz_sample_fixed(&s);
	for (int a = 0; a < 2; a++)
		check_runs(map, want, accesses[a], &s);
	for (size_t i = 0; i < s.n; i++)
		for (int a = 0; a < 2; a++)
			check_one(map, want, s.msr[i], accesses[a]);

	rc = msrtrap_policy_from_map(map, &pol);
	FUZZ_CHECK(rc == 0, "policy_from_map: %d", rc);
	for (size_t i = 0; i < s.n; i++)
		for (int a = 0; a < 2; a++) {
			int hw = !!msrtrap_map_test(map, s.msr[i], accesses[a]);

			FUZZ_CHECK(msrtrap_policy_verdict(pol, s.msr[i], accesses[a]) == !hw,
				   "decompiled policy differs at 0x%x access %u", s.msr[i],
				   accesses[a]);
		}
	msrtrap_policy_free(pol);
	msrtrap_map_free(map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_map(data, size, MSRTRAP_FMT_NONE);
	/* the forced formats only matter when the size could fit one */
	if (size == MSRTRAP_VMX_BITMAP_SIZE || size == MSRTRAP_SVM_MSRPM_SIZE ||
	    size < 64) {
		check_map(data, size, MSRTRAP_FMT_VMX);
		check_map(data, size, MSRTRAP_FMT_SVM);
	}
	return 0;
}
