// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * x2APIC intercept modes (<msrtrap/x2apic.h>) against kvm-versions.md
 * §6a: the word table of X1 as constants, X2, X4-X6, S1-S4 one test
 * each, and random APIC transitions checked MSR by MSR against
 * tests/ref/ref_x2apic.h (written from the procedure); X3 through the
 * engine (msrtrap_engine_vcpu_set_apic()): a deny-all filter and a
 * refresh in every strategy leave the x2APIC bits as the update set them.
 */
#include <errno.h>
#include <string.h>

#include <msrtrap/engine.h>
#include <msrtrap/filter.h>
#include <msrtrap/map.h>
#include <msrtrap/x2apic.h>

#include "ref_map.h"
#include "ref_x2apic.h"
#include "testutil.h"

#define VMX MSRTRAP_FMT_VMX
#define SVM MSRTRAP_FMT_SVM
#define X2 MSRTRAP_APIC_X2APIC
#define APICV MSRTRAP_APIC_APICV
#define IPIV MSRTRAP_APIC_IPIV
#define CMCI MSRTRAP_APIC_CMCI

static uint8_t map[8192];

static uint64_t word(size_t byte)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | map[byte + (size_t)i];
	return v;
}

/* a fresh vCPU: all intercepted, nothing applied; then one update */
static int fresh(enum msrtrap_format fmt, enum msrtrap_kernel k, unsigned int flags,
		 struct msrtrap_x2apic_state *st)
{
	memset(map, 0xff, sizeof(map));
	memset(st, 0, sizeof(*st));
	return msrtrap_x2apic_update(fmt, k, flags, st, map);
}

/* X1: the words of 0x800-0x83f per mode, the rest all ones (6.3+) */
static void test_x1_vmx_words(void **state)
{
	static const struct {
		unsigned int flags;
		uint64_t read, write;
	} rows[] = {
		{ 0, ~0ull, ~0ull },
		{ X2, 0xfffffffffffffeffull, 0xfffffffffffffeffull },
		{ X2 | APICV, 0xbe02fe0000005af3ull, 0x7ffffffffffff6ffull },
		{ X2 | APICV | CMCI, 0xbe027e0000005af3ull, 0x7ffffffffffff6ffull },
		{ X2 | APICV | IPIV, 0xbe02fe0000005af3ull, 0x7ffefffffffff6ffull },
	};
	struct msrtrap_x2apic_state st;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fresh(VMX, MSRTRAP_KERNEL_V6_19, rows[i].flags, &st);
		assert_int_equal(word(0x100), rows[i].read);
		assert_int_equal(word(0x900), rows[i].write);
		for (size_t b = 0x108; b < 0x120; b++)
			assert_int_equal(map[b], 0xff);
		for (size_t b = 0x908; b < 0x920; b++)
			assert_int_equal(map[b], 0xff);
	}
}

/* X2/S4: an unchanged state writes nothing and notifies nothing */
static void test_x2_s4_repeat(void **state)
{
	struct msrtrap_x2apic_state st;
	uint8_t before[8192];

	(void)state;
	for (int f = 0; f < 2; f++) {
		enum msrtrap_format fmt = f ? SVM : VMX;

		fresh(fmt, MSRTRAP_KERNEL_V6_19, X2 | APICV, &st);
		memcpy(before, map, sizeof(map));
		assert_int_equal(msrtrap_x2apic_update(fmt, MSRTRAP_KERNEL_V6_19,
						       X2 | APICV, &st, map), 0);
		assert_memory_equal(before, map, sizeof(map));
		/* and a fresh vCPU asked for mode 0 has nothing to do */
		assert_int_equal(fresh(fmt, MSRTRAP_KERNEL_V6_0, 0, &st), 0);
	}
}

/* X4 and X5: 3 -> 1 re-closes, 1 -> 0 closes TPR; 1, 4, 5 notifications */
static void test_x4_x5_transitions(void **state)
{
	struct msrtrap_x2apic_state st;
	const enum msrtrap_kernel k = MSRTRAP_KERNEL_V6_19;

	(void)state;
	assert_int_equal(fresh(VMX, k, X2 | APICV | IPIV, &st), 5);
	assert_int_equal(msrtrap_x2apic_update(VMX, k, X2 | IPIV, &st, map), 1);
	assert_int_equal(ref_test(VMX, map, 0x80b, true), 1);
	assert_int_equal(ref_test(VMX, map, 0x83f, true), 1);
	assert_int_equal(ref_test(VMX, map, 0x830, true), 1);
	assert_int_equal(ref_test(VMX, map, 0x802, false), 1);
	assert_int_equal(ref_test(VMX, map, 0x808, false), 0);
	assert_int_equal(msrtrap_x2apic_update(VMX, k, IPIV, &st, map), 1);
	assert_int_equal(ref_test(VMX, map, 0x808, false), 1);
	assert_int_equal(ref_test(VMX, map, 0x808, true), 1);
	assert_int_equal(msrtrap_x2apic_update(VMX, k, X2 | APICV, &st, map), 4);
}

/* X6: before 6.3 mode 3 opens every x2APIC read but TMCCT's */
static void test_x6_v6_0_reads(void **state)
{
	struct msrtrap_x2apic_state st;

	(void)state;
	fresh(VMX, MSRTRAP_KERNEL_V6_0, X2 | APICV, &st);
	for (uint32_t m = 0x800; m <= 0x8ff; m++)
		assert_int_equal(ref_test(VMX, map, m, false), m == 0x839);
	assert_int_equal(word(0x100), 0x0200000000000000ull);
	assert_int_equal(word(0x900), 0x7ffffffffffff6ffull);
	for (size_t b = 0x908; b < 0x920; b++)
		assert_int_equal(map[b], 0xff);
}

/* S1-S3: the 24 x2AVIC registers, LVTT never, back on deactivation */
static void test_s1_s3_x2avic(void **state)
{
	struct msrtrap_x2apic_state st;
	unsigned int open = 0;

	(void)state;
	assert_int_equal(fresh(SVM, MSRTRAP_KERNEL_V6_19, X2 | APICV, &st), 24);
	for (uint32_t m = 0x800; m <= 0x8ff; m++)
		open += !ref_test(SVM, map, m, false) && !ref_test(SVM, map, m, true);
	assert_int_equal(open, 24);
	assert_int_equal(map[0x20c] >> 4 & 3, 3); /* S2: LVTT 0x832 */
	assert_int_equal(ref_test(SVM, map, 0x83f, true), 1);
	assert_int_equal(msrtrap_x2apic_update(SVM, MSRTRAP_KERNEL_V6_19, APICV, &st, map), 24);
	for (size_t b = 0x200; b < 0x240; b++)
		assert_int_equal(map[b], 0xff);
	/* AVIC without x2APIC mode, or x2APIC without AVIC: nothing opens */
	assert_int_equal(fresh(SVM, MSRTRAP_KERNEL_V6_0, X2, &st), 0);
}

/* Random transitions, every x2APIC bit and the notifications vs the reference. */
static void test_random_transitions(void **state)
{
	static const enum msrtrap_kernel kernels[] = {
		MSRTRAP_KERNEL_V5_19, MSRTRAP_KERNEL_V6_0, MSRTRAP_KERNEL_V6_19,
	};
	unsigned long n = test_volume(2000);
	struct msrtrap_x2apic_state st;

	(void)state;
	for (unsigned long i = 0; i < n; i++) {
		enum msrtrap_format fmt = test_below(2) ? SVM : VMX;
		enum msrtrap_kernel k = kernels[fmt == SVM ? 1 + test_below(2) : test_below(3)];
		/* module parameter and guest property: fixed for the vCPU */
		unsigned int fixed = (test_below(2) ? IPIV : 0) | (test_below(2) ? CMCI : 0);
		unsigned int prev = 0;

		memset(map, 0xff, sizeof(map));
		memset(&st, 0, sizeof(st));
		for (int step = 0; step < 8; step++) {
			unsigned int flags = test_below(4) | fixed;
			int want = ref_x2apic_notifications(fmt, prev, flags);

			assert_int_equal(msrtrap_x2apic_update(fmt, k, flags, &st, map), want);
			for (uint32_t m = 0x800; m <= 0x8ff; m++)
				for (int w = 0; w < 2; w++)
					if (ref_test(fmt, map, m, w) !=
					    ref_x2apic_bit(fmt, k, flags, m, w))
						fail_msg("%s %s flags 0x%x: MSR 0x%x %s: %d",
							 msrtrap_format_name(fmt),
							 msrtrap_kernel_name(k), flags, m,
							 w ? "write" : "read", ref_test(fmt, map, m, w));
			prev = flags;
		}
	}
	printf("# %lu random APIC histories of 8 transitions checked\n", n);
}

/* X3: any filter, refreshed by any strategy, leaves the x2APIC bits */
static void test_x3_engine_filters_never_matter(void **state)
{
	(void)state;
	for (int k = 0; k < MSRTRAP_STRATEGY_COUNT; k++)
		for (int f = 0; f < 2; f++) {
			enum msrtrap_format fmt = f ? SVM : VMX;
			MSRTRAP_OPTS(msrtrap_engine_opts, opts, .format = fmt,
				     .strategy = (enum msrtrap_strategy)k);
			struct msrtrap_engine *vm;
			struct msrtrap_engine_vcpu *vcpu;
			struct msrtrap_filter *deny;
			uint8_t bits[8] = { 0 };
			const uint8_t *bm;

			assert_int_equal(msrtrap_engine_new(&opts, &vm), 0);
			assert_int_equal(msrtrap_engine_vcpu_new(vm, NULL, &vcpu), 0);
			assert_int_equal(msrtrap_engine_vcpu_set_apic(vcpu, X2 | APICV),
					 fmt == VMX ? 4 : 24);
			assert_int_equal(msrtrap_filter_new(1, &deny), 0);
			/* deny everything the range covers, x2APIC included */
			assert_int_equal(msrtrap_filter_add_range(deny, MSRTRAP_RW, 0x800,
								  8, bits, sizeof(bits)), 0);
			assert_int_equal(msrtrap_engine_set_filter(vm, deny, NULL), 0);
			assert_int_equal(msrtrap_engine_vcpu_sync(vcpu), 1);
			bm = msrtrap_engine_vcpu_bitmap(vcpu);
			for (uint32_t m = 0x800; m <= 0x8ff; m++)
				for (int w = 0; w < 2; w++)
					assert_int_equal(ref_test(fmt, bm, m, w),
							 ref_x2apic_bit(fmt, MSRTRAP_KERNEL_V6_19,
									X2 | APICV, m, w));
			msrtrap_filter_free(deny);
			msrtrap_engine_vcpu_free(vcpu);
			msrtrap_engine_free(vm);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x1_vmx_words),
		cmocka_unit_test(test_x2_s4_repeat),
		cmocka_unit_test(test_x4_x5_transitions),
		cmocka_unit_test(test_x6_v6_0_reads),
		cmocka_unit_test(test_s1_s3_x2avic),
		cmocka_unit_test(test_random_transitions),
		cmocka_unit_test(test_x3_engine_filters_never_matter),
	};

	return TEST_MAIN(tests);
}
