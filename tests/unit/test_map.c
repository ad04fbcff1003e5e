// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VMX MSR bitmap and SVM MSRPM: spec invariants 1-8
 * (../shared/spec/kvm-msr-semantics.md §11), edge MSRs, an exhaustive
 * round trip over every representable MSR x access, interval operations
 * and run iteration against the bit-at-a-time reference model (ref_map.h).
 */
#include <errno.h>
#include <string.h>

#include <msrtrap/map.h>

#include "ref_map.h"
#include "testutil.h"

#define MAXMAP MSRTRAP_SVM_MSRPM_SIZE

static const enum msrtrap_format formats[] = { MSRTRAP_FMT_VMX,
					       MSRTRAP_FMT_SVM };

/* 8-byte aligned scratch maps */
static uint64_t map_words[MAXMAP / 8], ref_words[MAXMAP / 8];
#define MAP ((uint8_t *)map_words)
#define REF ((uint8_t *)ref_words)

static const uint32_t edge_msrs[] = {
	0x0,	    0x1fff,	0x2000,	    0xc0000000, 0xc0001fff,
	0xc0002000, 0xc0010000, 0xc0011fff, 0xc0012000, 0xffffffff,
};

static void random_maps(enum msrtrap_format fmt)
{
	test_fill_random(MAP, msrtrap_format_size(fmt));
	memcpy(REF, MAP, msrtrap_format_size(fmt));
}

static void assert_same(enum msrtrap_format fmt)
{
	assert_memory_equal(MAP, REF, msrtrap_format_size(fmt));
}

/* Invariants 1 and 5: unrepresentable MSRs always exit, set/clear no-op. */
static void check_unrepresentable(enum msrtrap_format fmt, uint32_t msr)
{
	for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_RW; a++) {
		assert_int_equal(msrtrap_raw_test(fmt, MAP, msr, a), (int)a);
		assert_int_equal(msrtrap_raw_set(fmt, MAP, msr, a), -ERANGE);
		assert_int_equal(msrtrap_raw_clear(fmt, MAP, msr, a), -ERANGE);
		assert_same(fmt);
	}
}

static void test_inv1_vmx_unrepresentable(void **state)
{
	static const uint32_t msrs[] = { 0x2000,     0x3fff,	 0x40000000,
					 0x4b564d01, 0xbfffffff, 0xc0002000,
					 0xc0010000, 0xc0011fff, 0xffffffff };

	random_maps(MSRTRAP_FMT_VMX);
	for (size_t i = 0; i < sizeof(msrs) / sizeof(*msrs); i++)
		check_unrepresentable(MSRTRAP_FMT_VMX, msrs[i]);
	for (int i = 0; i < 100000; i++) {
		uint32_t m = test_rand32();

		if (!ref_covers(MSRTRAP_FMT_VMX, m))
			check_unrepresentable(MSRTRAP_FMT_VMX, m);
	}
}

static void test_inv5_svm_unrepresentable(void **state)
{
	static const uint32_t msrs[] = { 0x2000,     0x40000000, 0xbfffffff,
					 0xc0002000, 0xc000ffff, 0xc0012000,
					 0xc0020000, 0xffffffff };

	random_maps(MSRTRAP_FMT_SVM);
	for (size_t i = 0; i < sizeof(msrs) / sizeof(*msrs); i++)
		check_unrepresentable(MSRTRAP_FMT_SVM, msrs[i]);
	for (int i = 0; i < 100000; i++) {
		uint32_t m = test_rand32();

		if (!ref_covers(MSRTRAP_FMT_SVM, m))
			check_unrepresentable(MSRTRAP_FMT_SVM, m);
	}
}

/* Setting one access of an MSR in an all-zero map sets exactly that bit. */
static void only_bit(enum msrtrap_format fmt, uint32_t msr, unsigned int access,
		     uint32_t byte, unsigned int bit)
{
	size_t size = msrtrap_format_size(fmt);

	memset(MAP, 0, size);
	memset(REF, 0, size);
	REF[byte] = (uint8_t)(1u << bit);
	assert_int_equal(msrtrap_raw_set(fmt, MAP, msr, access), 0);
	assert_same(fmt);
}

/* Invariant 2 (layout) and 3 (worked examples), plus spec §2.1's table. */
static void test_inv2_inv3_vmx_layout(void **state)
{
	only_bit(MSRTRAP_FMT_VMX, 0x1fff, MSRTRAP_READ, 0x3ff, 7);
	only_bit(MSRTRAP_FMT_VMX, 0xc0001fff, MSRTRAP_READ, 0x7ff, 7);
	only_bit(MSRTRAP_FMT_VMX, 0xc0000080, MSRTRAP_WRITE, 0xc10, 0);
	only_bit(MSRTRAP_FMT_VMX, 0x0, MSRTRAP_READ, 0x000, 0);
	only_bit(MSRTRAP_FMT_VMX, 0x0, MSRTRAP_WRITE, 0x800, 0);
	only_bit(MSRTRAP_FMT_VMX, 0x1fff, MSRTRAP_WRITE, 0xbff, 7);
	only_bit(MSRTRAP_FMT_VMX, 0x808, MSRTRAP_READ, 0x101, 0);
	only_bit(MSRTRAP_FMT_VMX, 0x808, MSRTRAP_WRITE, 0x901, 0);
	only_bit(MSRTRAP_FMT_VMX, 0xc0000080, MSRTRAP_READ, 0x410, 0);
	only_bit(MSRTRAP_FMT_VMX, 0xc0001fff, MSRTRAP_WRITE, 0xfff, 7);
	/* the formula of invariant 2 for every MSR */
	for (uint32_t n = 0; n <= 0x1fff; n++) {
		only_bit(MSRTRAP_FMT_VMX, n, MSRTRAP_READ, n / 8, n % 8);
		only_bit(MSRTRAP_FMT_VMX, 0xc0000000 + n, MSRTRAP_WRITE,
			 0xc00 + n / 8, n % 8);
	}
}

/* Invariant 6 and the worked examples of spec §2.2. */
static void test_inv6_svm_layout(void **state)
{
	only_bit(MSRTRAP_FMT_SVM, 0x0, MSRTRAP_READ, 0x0, 0);
	only_bit(MSRTRAP_FMT_SVM, 0x0, MSRTRAP_WRITE, 0x0, 1);
	only_bit(MSRTRAP_FMT_SVM, 0x3, MSRTRAP_READ, 0x0, 6);
	only_bit(MSRTRAP_FMT_SVM, 0x3, MSRTRAP_WRITE, 0x0, 7);
	only_bit(MSRTRAP_FMT_SVM, 0x4, MSRTRAP_READ, 0x1, 0);
	only_bit(MSRTRAP_FMT_SVM, 0x1fff, MSRTRAP_WRITE, 0x7ff, 7);
	only_bit(MSRTRAP_FMT_SVM, 0xc0000080, MSRTRAP_READ, 0x820, 0);
	only_bit(MSRTRAP_FMT_SVM, 0xc0000080, MSRTRAP_WRITE, 0x820, 1);
	only_bit(MSRTRAP_FMT_SVM, 0xc0010000, MSRTRAP_READ, 0x1000, 0);
	only_bit(MSRTRAP_FMT_SVM, 0xc0010000, MSRTRAP_WRITE, 0x1000, 1);
	only_bit(MSRTRAP_FMT_SVM, 0xc0011fff, MSRTRAP_READ, 0x17ff, 6);
	only_bit(MSRTRAP_FMT_SVM, 0xc0011fff, MSRTRAP_WRITE, 0x17ff, 7);
	/* bit number r*16384 + 2*(m & 0x1fff), write = read + 1 */
	for (uint32_t r = 0; r < 3; r++) {
		static const uint32_t bases[] = { 0, 0xc0000000, 0xc0010000 };

		for (uint32_t n = 0; n <= 0x1fff; n += 7) {
			uint32_t bitno = r * 16384 + 2 * n;

			only_bit(MSRTRAP_FMT_SVM, bases[r] + n, MSRTRAP_READ,
				 bitno / 8, bitno % 8);
			only_bit(MSRTRAP_FMT_SVM, bases[r] + n, MSRTRAP_WRITE,
				 (bitno + 1) / 8, (bitno + 1) % 8);
		}
	}
}

/*
 * Invariant 4 (independence) and the exhaustive pass: for every
 * representable MSR and access, clear then set change exactly the
 * reference bits, and test reports them.
 */
static void exhaustive(enum msrtrap_format fmt)
{
	uint32_t first, last;

	random_maps(fmt);
	for (unsigned int s = 0; msrtrap_format_span(fmt, s, &first, &last) == 0;
	     s++) {
		for (uint64_t m = first; m <= last; m++) {
			uint32_t msr = (uint32_t)m;

			for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_RW;
			     a++) {
				assert_int_equal(msrtrap_raw_clear(fmt, MAP, msr, a), 0);
				if (a & MSRTRAP_READ)
					ref_put(fmt, REF, msr, false, 0);
				if (a & MSRTRAP_WRITE)
					ref_put(fmt, REF, msr, true, 0);
				assert_same(fmt);
				assert_int_equal(msrtrap_raw_test(fmt, MAP, msr, a), 0);

				assert_int_equal(msrtrap_raw_set(fmt, MAP, msr, a), 0);
				if (a & MSRTRAP_READ)
					ref_put(fmt, REF, msr, false, 1);
				if (a & MSRTRAP_WRITE)
					ref_put(fmt, REF, msr, true, 1);
				assert_same(fmt);
				assert_int_equal(msrtrap_raw_test(fmt, MAP, msr, a), (int)a);
			}
			/* leave a mix behind so later MSRs see neighbours of both values */
			if (msr & 1) {
				msrtrap_raw_clear(fmt, MAP, msr, MSRTRAP_WRITE);
				ref_put(fmt, REF, msr, true, 0);
			}
		}
	}
	assert_same(fmt);
}

static void test_exhaustive_vmx(void **state)
{
	exhaustive(MSRTRAP_FMT_VMX);
}

static void test_exhaustive_svm(void **state)
{
	exhaustive(MSRTRAP_FMT_SVM);
}

/* Invariant 7: SVM bytes 0x1800-0x1fff are never modified. */
static void test_inv7_svm_reserved_untouched(void **state)
{
	uint8_t saved[0x800];

	test_fill_random(MAP, MAXMAP);
	memcpy(saved, MAP + 0x1800, sizeof(saved));
	for (unsigned int s = 0; s < 3; s++) {
		uint32_t first, last;

		msrtrap_format_span(MSRTRAP_FMT_SVM, s, &first, &last);
		assert_int_equal(msrtrap_raw_clear_range(MSRTRAP_FMT_SVM, MAP, first, last, MSRTRAP_RW), 0);
		assert_int_equal(msrtrap_raw_set_range(MSRTRAP_FMT_SVM, MAP, first, last, MSRTRAP_READ), 0);
		assert_int_equal(msrtrap_raw_set(MSRTRAP_FMT_SVM, MAP, last, MSRTRAP_RW), 0);
		assert_int_equal(msrtrap_raw_clear(MSRTRAP_FMT_SVM, MAP, last, MSRTRAP_WRITE), 0);
	}
	/* and attempts just past each range */
	msrtrap_raw_clear(MSRTRAP_FMT_SVM, MAP, 0xc0012000, MSRTRAP_RW);
	msrtrap_raw_clear_range(MSRTRAP_FMT_SVM, MAP, 0xc0011000, 0xc0012fff, MSRTRAP_RW);
	assert_memory_equal(saved, MAP + 0x1800, sizeof(saved));
}

/* Invariant 8: fresh maps are all 0xff, raw and object alike. */
static void test_inv8_fresh_all_ones(void **state)
{
	for (size_t f = 0; f < 2; f++) {
		size_t size = msrtrap_format_size(formats[f]);
		struct msrtrap_map *map;
		const uint8_t *data;

		memset(MAP, 0, MAXMAP);
		assert_int_equal(msrtrap_raw_init(formats[f], MAP), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(MAP[i], 0xff);

		assert_int_equal(msrtrap_map_new(formats[f], NULL, &map), 0);
		data = msrtrap_map_data(map);
		assert_int_equal(msrtrap_map_size(map), size);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(data[i], 0xff);
		msrtrap_map_free(map);
	}
}

/* The edge MSRs named by the foundation issue, both formats. */
static void test_edge_msrs(void **state)
{
	for (size_t f = 0; f < 2; f++) {
		enum msrtrap_format fmt = formats[f];

		for (size_t i = 0; i < sizeof(edge_msrs) / sizeof(*edge_msrs); i++) {
			uint32_t msr = edge_msrs[i];
			bool covered = ref_covers(fmt, msr);

			assert_int_equal(msrtrap_format_covers(fmt, msr), covered);
			random_maps(fmt);
			if (!covered) {
				check_unrepresentable(fmt, msr);
				continue;
			}
			for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_RW; a++) {
				assert_int_equal(msrtrap_raw_clear(fmt, MAP, msr, a), 0);
				assert_int_equal(msrtrap_raw_test(fmt, MAP, msr, a), 0);
				assert_int_equal(msrtrap_raw_set(fmt, MAP, msr, a), 0);
				assert_int_equal(msrtrap_raw_test(fmt, MAP, msr, a), (int)a);
			}
		}
	}
	/* 0xc0010000 and 0xc0011fff: SVM only */
	assert_false(msrtrap_format_covers(MSRTRAP_FMT_VMX, 0xc0010000));
	assert_true(msrtrap_format_covers(MSRTRAP_FMT_SVM, 0xc0011fff));
	assert_false(msrtrap_format_covers(MSRTRAP_FMT_SVM, 0xc0012000));
}

/* An MSR near the interesting places, or anywhere. */
static uint32_t random_msr(void)
{
	static const uint32_t anchors[] = { 0x0, 0x2000, 0xc0000000,
					    0xc0002000, 0xc0010000, 0xc0012000 };

	if (test_below(8) == 0)
		return test_rand32();
	return anchors[test_below(6)] + test_below(0x2400) - 0x200;
}

/* Interval set/clear equal the bit-by-bit reference (all or nothing). */
static void test_interval_vs_reference(void **state)
{
	unsigned int rounds = test_volume(20000);

	for (unsigned int i = 0; i < rounds; i++) {
		enum msrtrap_format fmt = formats[test_below(2)];
		unsigned int access = 1 + test_below(3);
		int set = (int)test_below(2);
		uint32_t first = random_msr(), last, len;
		bool all_in = true;
		int ret;

		len = test_below(4) ? test_below(200) : test_below(0x2400);
		last = first + len < first ? 0xffffffff : first + len;
		if (i % 64 == 0)
			random_maps(fmt);
		for (uint64_t m = first; m <= last; m++)
			all_in &= ref_covers(fmt, (uint32_t)m);
		ret = set ? msrtrap_raw_set_range(fmt, MAP, first, last, access)
			  : msrtrap_raw_clear_range(fmt, MAP, first, last, access);
		if (!all_in) {
			assert_int_equal(ret, -ERANGE);
		} else {
			assert_int_equal(ret, 0);
			for (uint64_t m = first; m <= last; m++) {
				if (access & MSRTRAP_READ)
					ref_put(fmt, REF, (uint32_t)m, false, set);
				if (access & MSRTRAP_WRITE)
					ref_put(fmt, REF, (uint32_t)m, true, set);
			}
		}
		assert_same(fmt);
	}
	/* first > last is a usage error */
	assert_int_equal(msrtrap_raw_set_range(MSRTRAP_FMT_VMX, MAP, 5, 4, MSRTRAP_RW), -EINVAL);
}

/* Runs from next_pass equal a one-MSR-at-a-time scan of the reference. */
static void check_runs(enum msrtrap_format fmt, unsigned int access)
{
	uint64_t cursor = 0;
	uint32_t first, last, s_first, s_last;
	bool write = access == MSRTRAP_WRITE;

	for (unsigned int s = 0; msrtrap_format_span(fmt, s, &s_first, &s_last) == 0;
	     s++) {
		for (uint64_t m = s_first; m <= s_last; m++) {
			uint64_t e = m;

			if (ref_test(fmt, REF, (uint32_t)m, write))
				continue;
			while (e + 1 <= s_last && !ref_test(fmt, REF, (uint32_t)(e + 1), write))
				e++;
			assert_int_equal(msrtrap_raw_next_pass(fmt, MAP, access, &cursor, &first, &last), 1);
			assert_int_equal(first, m);
			assert_int_equal(last, e);
			m = e;
		}
	}
	assert_int_equal(msrtrap_raw_next_pass(fmt, MAP, access, &cursor, &first, &last), 0);
	assert_int_equal(msrtrap_raw_next_pass(fmt, MAP, access, &cursor, &first, &last), 0);
}

static void test_next_pass_vs_reference(void **state)
{
	unsigned int rounds = test_volume(300);

	for (unsigned int i = 0; i < rounds; i++) {
		enum msrtrap_format fmt = formats[i % 2];
		unsigned int ops = test_below(40);

		/* all-intercept, all-pass, random noise, or a few runs */
		switch (i % 4) {
		case 0:
			msrtrap_raw_init(fmt, MAP);
			break;
		case 1:
			memset(MAP, 0, MAXMAP);
			break;
		default:
			test_fill_random(MAP, MAXMAP);
			break;
		}
		for (unsigned int k = 0; k < ops; k++) {
			uint32_t s_first, s_last, a, b;

			msrtrap_format_span(fmt, test_below(fmt == MSRTRAP_FMT_VMX ? 2 : 3),
					    &s_first, &s_last);
			a = s_first + test_below(0x2000);
			b = a + test_below(s_last - a + 1);
			if (test_below(2))
				msrtrap_raw_clear_range(fmt, MAP, a, b, 1 + test_below(3));
			else
				msrtrap_raw_set_range(fmt, MAP, a, b, 1 + test_below(3));
		}
		memcpy(REF, MAP, MAXMAP);
		check_runs(fmt, MSRTRAP_READ);
		check_runs(fmt, MSRTRAP_WRITE);
	}
	/* next_pass takes exactly one access */
	{
		uint64_t c = 0;
		uint32_t f, l;

		assert_int_equal(msrtrap_raw_next_pass(MSRTRAP_FMT_VMX, MAP, MSRTRAP_RW, &c, &f, &l), -EINVAL);
	}
}

static void test_bad_arguments(void **state)
{
	assert_int_equal(msrtrap_raw_test(MSRTRAP_FMT_NONE, MAP, 0, MSRTRAP_READ), -EINVAL);
	assert_int_equal(msrtrap_raw_test(MSRTRAP_FMT_VMX, MAP, 0, 0), -EINVAL);
	assert_int_equal(msrtrap_raw_test(MSRTRAP_FMT_VMX, MAP, 0, 4), -EINVAL);
	assert_int_equal(msrtrap_raw_set(MSRTRAP_FMT_SVM, NULL, 0, MSRTRAP_READ), -EINVAL);
	assert_int_equal(msrtrap_raw_clear((enum msrtrap_format)7, MAP, 0, MSRTRAP_READ), -EINVAL);
	assert_int_equal(msrtrap_raw_init(MSRTRAP_FMT_NONE, MAP), -EINVAL);
	assert_int_equal(msrtrap_format_size(MSRTRAP_FMT_NONE), 0);
	assert_int_equal(msrtrap_format_size(MSRTRAP_FMT_VMX), 4096);
	assert_int_equal(msrtrap_format_size(MSRTRAP_FMT_SVM), 8192);
	assert_int_equal(msrtrap_format_parse("VMX"), MSRTRAP_FMT_VMX);
	assert_int_equal(msrtrap_format_parse("svm"), MSRTRAP_FMT_SVM);
	assert_int_equal(msrtrap_format_parse("svmx"), -EINVAL);
	assert_int_equal(msrtrap_format_parse(""), -EINVAL);
	assert_int_equal(msrtrap_format_parse(NULL), -EINVAL);
	assert_int_equal(msrtrap_format_span(MSRTRAP_FMT_VMX, 2, NULL, NULL), -ENOENT);
	assert_int_equal(msrtrap_format_span(MSRTRAP_FMT_SVM, 2, NULL, NULL), 0);
	assert_int_equal(msrtrap_format_span(MSRTRAP_FMT_SVM, 3, NULL, NULL), -ENOENT);
}

/* The object layer: owned, wrapped, copied from bytes, options. */
static void test_map_object(void **state)
{
	MSRTRAP_OPTS(msrtrap_map_opts, opts);
	struct {
		struct msrtrap_map_opts o;
		uint64_t future;
	} bigger = { { .sz = sizeof(bigger) }, 0 };
	struct msrtrap_map *map;

	/* wrap caller memory and keep its contents */
	memset(MAP, 0, MAXMAP);
	opts.buf = MAP;
	opts.keep_contents = true;
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &opts, &map), 0);
	assert_ptr_equal(msrtrap_map_data(map), MAP);
	assert_int_equal(msrtrap_map_test(map, 0x10, MSRTRAP_RW), 0);
	assert_int_equal(msrtrap_map_set(map, 0x10, MSRTRAP_READ), 0);
	assert_int_equal(MAP[2], 1);
	assert_int_equal(msrtrap_map_set_range(map, 0xc0000000, 0xc0001fff, MSRTRAP_WRITE), 0);
	assert_int_equal(msrtrap_map_clear_range(map, 0xc0000080, 0xc0000080, MSRTRAP_WRITE), 0);
	assert_int_equal(msrtrap_map_test(map, 0xc0000080, MSRTRAP_RW), 0);
	assert_int_equal(msrtrap_map_clear(map, 0x10, MSRTRAP_READ), 0);
	assert_int_equal(msrtrap_map_set(map, 0x2000, MSRTRAP_READ), -ERANGE);
	msrtrap_map_free(map); /* must not free MAP */
	MAP[0] = 1;

	/* wrap without keep: initialised to all-intercept */
	opts.keep_contents = false;
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_SVM, &opts, &map), 0);
	assert_int_equal(MAP[0], 0xff);
	assert_int_equal(MAP[0x17ff], 0xff);
	msrtrap_map_free(map);

	/* misaligned caller memory, keep without buffer, unknown format */
	opts.buf = MAP + 1;
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &opts, &map), -EINVAL);
	opts.buf = NULL;
	opts.keep_contents = true;
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &opts, &map), -EINVAL);
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_NONE, NULL, &map), -EINVAL);

	/* a newer caller's bigger opts: ok while the unknown tail is zero */
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &bigger.o, &map), 0);
	msrtrap_map_free(map);
	bigger.future = 1;
	assert_int_equal(msrtrap_map_new(MSRTRAP_FMT_VMX, &bigger.o, &map), -EINVAL);

	/* from bytes: by size, or checked against a given format */
	test_fill_random(MAP, MAXMAP);
	assert_int_equal(msrtrap_map_from_bytes(MSRTRAP_FMT_NONE, MAP, 4096, &map), 0);
	assert_int_equal(msrtrap_map_format(map), MSRTRAP_FMT_VMX);
	assert_memory_equal(msrtrap_map_data(map), MAP, 4096);
	msrtrap_map_free(map);
	assert_int_equal(msrtrap_map_from_bytes(MSRTRAP_FMT_NONE, MAP, 8192, &map), 0);
	assert_int_equal(msrtrap_map_format(map), MSRTRAP_FMT_SVM);
	msrtrap_map_free(map);
	assert_int_equal(msrtrap_map_from_bytes(MSRTRAP_FMT_NONE, MAP, 4095, &map), -EINVAL);
	assert_int_equal(msrtrap_map_from_bytes(MSRTRAP_FMT_SVM, MAP, 4096, &map), -EINVAL);
	assert_int_equal(msrtrap_map_test(NULL, 0, MSRTRAP_READ), -EINVAL);
	msrtrap_map_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inv1_vmx_unrepresentable),
		cmocka_unit_test(test_inv2_inv3_vmx_layout),
		cmocka_unit_test(test_inv5_svm_unrepresentable),
		cmocka_unit_test(test_inv6_svm_layout),
		cmocka_unit_test(test_inv7_svm_reserved_untouched),
		cmocka_unit_test(test_inv8_fresh_all_ones),
		cmocka_unit_test(test_edge_msrs),
		cmocka_unit_test(test_exhaustive_vmx),
		cmocka_unit_test(test_exhaustive_svm),
		cmocka_unit_test(test_interval_vs_reference),
		cmocka_unit_test(test_next_pass_vs_reference),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_map_object),
	};

	return TEST_MAIN(tests);
}
