// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KVM userspace MSR filter model: spec invariants 9-26
 * (../shared/spec/kvm-msr-semantics.md §11), the peer-suite scenarios
 * U1-U4 of live-kvm-notes §2.2 and the errno table of §3.5, as model
 * tests; and the property that the compiled O(1) lookup equals the linear
 * kernel scan and an independent reference, for thousands of random
 * filters.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <msrtrap/filter.h>
#include <msrtrap/policy.h>

#include "ref_filter.h"
#include "testfilter.h"
#include "testutil.h"

#define R MSRTRAP_KVM_MSR_FILTER_READ
#define W MSRTRAP_KVM_MSR_FILTER_WRITE
#define RW (R | W)
#define DENY MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY
#define ALLOW MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW

/* Allow-all range except the listed MSRs, which are denied. */
static void add_except(struct msrtrap_filter *f, uint32_t flags, uint32_t base,
		       uint32_t nmsrs, const uint32_t *deny, size_t ndeny)
{
	size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);
	uint8_t *bm = malloc(len + 1);

	memset(bm, 0xff, len);
	for (size_t i = 0; i < ndeny; i++)
		bm[(deny[i] - base) / 8] &= (uint8_t)~(1u << ((deny[i] - base) % 8));
	assert_int_equal(msrtrap_filter_add_range(f, flags, base, nmsrs, bm, len), 0);
	free(bm);
}

static int check(const struct msrtrap_filter *f, const char *where)
{
	MSRTRAP_OPTS(msrtrap_error, d);
	int err = msrtrap_filter_validate(f, &d);

	if (err && where)
		assert_string_equal(d.where, where);
	return err;
}

/* Verdict through both paths, which must agree: 1 allow, 0 deny. */
static int verdict(const struct msrtrap_filter *f, uint32_t msr, unsigned int access)
{
	struct msrtrap_cfilter *cf;
	int slow = msrtrap_filter_allowed(f, msr, access);

	assert_true(slow == 0 || slow == 1);
	assert_int_equal(msrtrap_cfilter_new(f, &cf, NULL), 0);
	assert_int_equal(msrtrap_cfilter_allowed(cf, msr, access), slow);
	msrtrap_cfilter_free(cf);
	return slow;
}

/* ---- validation: invariants 9-18, live notes §3.5, U4 ---- */

static void test_inv09_filter_flags(void **state)
{
	for (unsigned int b = 0; b < 32; b++) {
		struct msrtrap_filter *f = mk(1u << b);
		struct msrtrap_cfilter *cf = (void *)0x1;

		add_fill(f, RW, 0, 8, 0xff);
		if (b == 0) {
			assert_int_equal(check(f, NULL), 0);
		} else {
			assert_int_equal(check(f, "flags"), -EINVAL);
			/* all or nothing: nothing is produced */
			assert_int_equal(msrtrap_cfilter_new(f, &cf, NULL), -EINVAL);
			assert_ptr_equal(cf, (void *)0x1);
		}
		msrtrap_filter_free(f);
	}
}

static void test_inv10_empty_deny(void **state)
{
	struct msrtrap_filter *f = mk(DENY);

	assert_int_equal(check(f, "ranges"), -EINVAL);
	for (int i = 0; i < 16; i++)
		assert_int_equal(msrtrap_filter_add_range(f, R, 0x10, 0, NULL, 0), 0);
	/* live notes §3.5: flags=READ but nmsrs=0 still counts as empty */
	assert_int_equal(check(f, "ranges"), -EINVAL);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 1, "x", 1), -ENOSPC);
	msrtrap_filter_free(f);
}

static void test_inv11_empty_allow(void **state)
{
	struct msrtrap_filter *f = mk(ALLOW);

	for (int i = 0; i < 16; i++)
		assert_int_equal(msrtrap_filter_add_range(f, 0, 0, 0, NULL, 0), 0);
	assert_int_equal(check(f, NULL), 0);
	for (int i = 0; i < 2000; i++) {
		uint32_t m = test_rand32();

		assert_int_equal(verdict(f, m, R), 1);
		assert_int_equal(verdict(f, m, W), 1);
	}
	msrtrap_filter_free(f);
}

static void test_inv12_empty_range_ignored(void **state)
{
	struct msrtrap_filter *f = mk(DENY);

	/* garbage in an empty slot is never looked at (S14 range[0]) */
	assert_int_equal(msrtrap_filter_add_range(f, 0xffffffff, 0xdeadbeef, 0, NULL, 0), 0);
	assert_int_equal(msrtrap_filter_add_range(f, 0xff, 0, 0, NULL, 0), 0);
	add_fill(f, R, 0x270, 16, 0xff);
	assert_int_equal(check(f, NULL), 0);
	assert_int_equal(verdict(f, 0x277, R), 1);
	assert_int_equal(verdict(f, 0x277, W), 0);
	msrtrap_filter_free(f);
}

static void test_inv13_range_flags(void **state)
{
	/* U4: range.flags = 1<<b: only bits 0 and 1 accepted */
	for (unsigned int b = 0; b < 32; b++) {
		struct msrtrap_filter *f = mk(ALLOW);

		add_fill(f, 1u << b, 0, 8, 0);
		assert_int_equal(check(f, b < 2 ? NULL : "ranges[0].flags"),
				 b < 2 ? 0 : -EINVAL);
		msrtrap_filter_free(f);
	}
	{
		struct msrtrap_filter *f = mk(ALLOW);

		add_fill(f, RW, 0, 8, 0);
		add_fill(f, 0, 0, 1, 0);
		assert_int_equal(check(f, "ranges[1].flags"), -EINVAL);
		msrtrap_filter_free(f);
	}
}

static void test_inv14_max_nmsrs(void **state)
{
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, RW, 0, 0x3000, 0xff);
	assert_int_equal(check(f, NULL), 0);
	msrtrap_filter_free(f);

	f = mk(ALLOW);
	add_fill(f, RW, 0, 0x3001, 0xff);
	assert_int_equal(check(f, "ranges[0].nmsrs"), -EINVAL);
	msrtrap_filter_free(f);

	/* 0xffffffff: no u32 overflow in the size computation */
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, RW, 0, 0xffffffff, NULL, 0), 0);
	assert_int_equal(check(f, "ranges[0].nmsrs"), -EINVAL);
	msrtrap_filter_free(f);

	/* 16 ranges of 0x3000 MSRs */
	f = mk(DENY);
	for (uint32_t i = 0; i < 16; i++)
		add_fill(f, RW, i * 0x3000, 0x3000, 0xff);
	assert_int_equal(check(f, NULL), 0);
	msrtrap_filter_free(f);
}

static void test_inv15_bitmap_copy_size(void **state)
{
	static const uint8_t eight[8] = { 0xff };
	struct msrtrap_filter *f;

	assert_int_equal(msrtrap_kvm_bitmap_bytes(1), 8);
	assert_int_equal(msrtrap_kvm_bitmap_bytes(64), 8);
	assert_int_equal(msrtrap_kvm_bitmap_bytes(65), 16);
	assert_int_equal(msrtrap_kvm_bitmap_bytes(0x3000), 0x600);
	assert_int_equal(msrtrap_kvm_bitmap_bytes(0), 0);

	/* nmsrs=1 with 1 byte: EFAULT (the kernel copies 8); with 8: ok */
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 1, eight, 1), 0);
	assert_int_equal(check(f, "ranges[0].bitmap"), -EFAULT);
	/* counts of one in the singular (ux-review B9) */
	{
		MSRTRAP_OPTS(msrtrap_error, d);

		msrtrap_filter_validate(f, &d);
		assert_string_equal(d.message,
				    "1 byte given; the kernel copies 8 (whole 8-byte words for 1 MSR)");
	}
	msrtrap_filter_free(f);
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 1, eight, 8), 0);
	assert_int_equal(check(f, NULL), 0);
	msrtrap_filter_free(f);
	/* nmsrs=65 with 8 bytes: EFAULT; NULL bitmap: EFAULT */
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 65, eight, 8), 0);
	assert_int_equal(check(f, "ranges[0].bitmap"), -EFAULT);
	msrtrap_filter_free(f);
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 1, NULL, 0), 0);
	assert_int_equal(check(f, "ranges[0].bitmap"), -EFAULT);
	msrtrap_filter_free(f);
}

/*
 * _add_range_padded(): a bitmap of a bit per MSR is padded to the whole
 * words the kernel copies, so validation accepts what msrtrap_kvm_fd_
 * set_filter() installs (ux-review c11: validated one way, installed
 * another).
 */
static void test_inv15_add_range_padded(void **state)
{
	static const uint8_t bits[9] = { 0xa5, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0x01 };
	struct msrtrap_filter_range r;
	struct msrtrap_filter *f;

	(void)state;
	/* 1 MSR, 1 byte: 8 bytes kept, the first as given, then zeros */
	f = mk(DENY);
	assert_int_equal(msrtrap_filter_add_range_padded(f, R, 0x35, 1, bits, 1), 0);
	assert_int_equal(check(f, NULL), 0);
	assert_int_equal(msrtrap_filter_range(f, 0, &r), 0);
	assert_int_equal(r.bitmap_len, 8);
	assert_int_equal(r.bitmap[0], 0xa5);
	for (size_t i = 1; i < 8; i++)
		assert_int_equal(r.bitmap[i], 0);
	assert_int_equal(verdict(f, 0x35, MSRTRAP_READ), 1);
	/* 65 MSRs, 9 bytes: 16 kept, MSR base+64 allowed by its bit */
	assert_int_equal(msrtrap_filter_add_range_padded(f, W, 0x100, 65, bits, 9), 0);
	assert_int_equal(check(f, NULL), 0);
	assert_int_equal(msrtrap_filter_range(f, 1, &r), 0);
	assert_int_equal(r.bitmap_len, 16);
	assert_int_equal(verdict(f, 0x140, MSRTRAP_WRITE), 1);
	/* 9 MSRs, 1 byte: MSR base+8 has no bit, refused, filter unchanged */
	assert_int_equal(msrtrap_filter_add_range_padded(f, R, 0x10, 9, bits, 1),
			 -EINVAL);
	assert_int_equal(msrtrap_filter_nranges(f), 2);
	/* a bitmap as long as the kernel copies, or longer: as given */
	assert_int_equal(msrtrap_filter_add_range_padded(f, R, 0x10, 1, bits, 9), 0);
	assert_int_equal(msrtrap_filter_range(f, 2, &r), 0);
	assert_int_equal(r.bitmap_len, 9);
	/* nmsrs past the limit: kept as given, validation refuses nmsrs */
	assert_int_equal(msrtrap_filter_add_range_padded(f, R, 0, 0x3001, bits, 1), 0);
	assert_int_equal(msrtrap_filter_range(f, 3, &r), 0);
	assert_int_equal(r.bitmap_len, 1);
	assert_int_equal(check(f, "ranges[3].nmsrs"), -EINVAL);
	msrtrap_filter_free(f);
	/* full: -ENOSPC */
	f = mk(ALLOW);
	for (int i = 0; i < MSRTRAP_KVM_MSR_FILTER_MAX_RANGES; i++)
		assert_int_equal(msrtrap_filter_add_range_padded(f, R, 0, 1, bits, 1), 0);
	assert_int_equal(msrtrap_filter_add_range_padded(f, R, 0, 1, bits, 1),
			 -ENOSPC);
	msrtrap_filter_free(f);
}

static void test_inv16_all_or_nothing(void **state)
{
	struct msrtrap_filter *f = mk(ALLOW);
	struct msrtrap_cfilter *cf = NULL;
	MSRTRAP_OPTS(msrtrap_error, d);

	for (int i = 0; i < 5; i++)
		add_fill(f, RW, (uint32_t)i * 0x100, 8, 0);
	add_fill(f, 4, 0x1000, 8, 0); /* bad flags in ranges[5] */
	add_fill(f, RW, 0x2000, 8, 0);
	assert_int_equal(msrtrap_cfilter_new(f, &cf, &d), -EINVAL);
	assert_string_equal(d.where, "ranges[5].flags");
	assert_null(cf);
	/* the order of checks within a range: flags before size before bitmap */
	msrtrap_filter_free(f);
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, 4, 0, 0x4000, NULL, 0), 0);
	assert_int_equal(check(f, "ranges[0].flags"), -EINVAL);
	msrtrap_filter_free(f);
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 0x4000, NULL, 0), 0);
	assert_int_equal(check(f, "ranges[0].nmsrs"), -EINVAL);
	msrtrap_filter_free(f);
	/* filter flags are checked before any range */
	f = mk(2);
	assert_int_equal(msrtrap_filter_add_range(f, 4, 0, 1, NULL, 0), 0);
	assert_int_equal(check(f, "flags"), -EINVAL);
	msrtrap_filter_free(f);
}

static void test_inv17_accepted_oddities(void **state)
{
	struct msrtrap_filter *f = mk(DENY);

	add_fill(f, RW, 0x200, 0x100, 0xff);
	add_fill(f, RW, 0x280, 0x100, 0x00);	   /* overlaps */
	add_fill(f, RW, 0x800, 0x100, 0x00);	   /* covers x2APIC */
	add_fill(f, R, 0xffffffff, 2, 0x00);	   /* wraps */
	add_fill(f, R, 0xfffff000, 0x3000, 0x00); /* wraps */
	assert_int_equal(check(f, NULL), 0);
	msrtrap_filter_free(f);
}

static void test_inv18_abi(void **state)
{
	assert_int_equal(sizeof(struct msrtrap_kvm_msr_filter), 392);
	assert_int_equal(sizeof(struct msrtrap_kvm_msr_filter_range), 24);
	assert_int_equal(MSRTRAP_KVM_X86_SET_MSR_FILTER, 0x4188aec6);
	/* _IOW(0xAE, 0xC6, 392): dir 1 << 30, size << 16, type << 8, nr */
	assert_int_equal(MSRTRAP_KVM_X86_SET_MSR_FILTER,
			 (1u << 30) | (392u << 16) | (0xaeu << 8) | 0xc6u);
}

/* ---- evaluation: invariants 19-26 ---- */

static void test_inv19_no_filter(void **state)
{
	struct msrtrap_cfilter_view none;

	assert_int_equal(msrtrap_cfilter_get_view(NULL, &none), 0);
	for (int i = 0; i < 10000; i++) {
		uint32_t m = test_rand32();

		assert_true(msrtrap_cfilter_view_allowed(&none, m, R));
		assert_true(msrtrap_cfilter_view_allowed(&none, m, W));
		assert_int_equal(msrtrap_filter_allowed(NULL, m, R), 1);
		assert_int_equal(msrtrap_filter_allowed(NULL, m, W), 1);
		assert_true(msrtrap_cfilter_allowed(NULL, m, R));
		assert_true(msrtrap_cfilter_allowed(NULL, m, W));
	}
}

static void test_inv20_x2apic(void **state)
{
	/* S8a: default deny plus an explicit deny of 0x800-0x8ff */
	struct msrtrap_filter *f = mk(DENY);
	MSRTRAP_OPTS(msrtrap_decision, d);

	add_fill(f, RW, 0x800, 0x100, 0x00);
	add_fill(f, RW, 0x700, 0x300, 0x00);
	for (uint32_t m = 0x800; m <= 0x8ff; m++) {
		assert_int_equal(verdict(f, m, R), 1);
		assert_int_equal(verdict(f, m, W), 1);
	}
	assert_int_equal(verdict(f, 0x7ff, R), 0);
	assert_int_equal(verdict(f, 0x900, W), 0);
	assert_int_equal(msrtrap_filter_explain(f, 0x830, W, &d), 0);
	assert_int_equal(d.by, MSRTRAP_BY_X2APIC);
	msrtrap_filter_free(f);
}

static void test_inv21_first_match_wins(void **state)
{
	/* S7a: READ allow then READ deny of [0x270,+16): PAT read allowed */
	struct msrtrap_filter *f = mk(ALLOW);
	MSRTRAP_OPTS(msrtrap_decision, d);

	add_fill(f, R, 0x270, 16, 0xff);
	add_fill(f, R, 0x270, 16, 0x00);
	assert_int_equal(verdict(f, 0x277, R), 1);
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, &d), 0);
	assert_int_equal(d.by, MSRTRAP_BY_RANGE);
	assert_int_equal(d.range, 0);
	assert_int_equal(d.bit, 7);
	msrtrap_filter_free(f);
	/* S7b: order swapped: read denied, write untouched */
	f = mk(ALLOW);
	add_fill(f, R, 0x270, 16, 0x00);
	add_fill(f, R, 0x270, 16, 0xff);
	assert_int_equal(verdict(f, 0x277, R), 0);
	assert_int_equal(verdict(f, 0x277, W), 1);
	msrtrap_filter_free(f);
}

static void test_inv22_access_types(void **state)
{
	/* S7c: default deny; WRITE deny [0x270,+16) then RW allow [0x200,+0x100) */
	struct msrtrap_filter *f = mk(DENY);
	MSRTRAP_OPTS(msrtrap_decision, d);

	add_fill(f, W, 0x270, 16, 0x00);
	add_fill(f, RW, 0x200, 0x100, 0xff);
	assert_int_equal(verdict(f, 0x277, R), 1);
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, &d), 0);
	assert_int_equal(d.range, 1);
	assert_int_equal(verdict(f, 0x277, W), 0);
	/* S13: only a WRITE allow range: reads fall to the default */
	msrtrap_filter_free(f);
	f = mk(DENY);
	add_fill(f, W, 0, 0x3000, 0xff);
	assert_int_equal(verdict(f, 0x10, R), 0);
	assert_int_equal(verdict(f, 0x10, W), 1);
	assert_int_equal(verdict(f, 0xc0000080, W), 0);
	msrtrap_filter_free(f);
}

static void test_inv23_half_open(void **state)
{
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, RW, 0x1000, 0x40, 0x00);
	assert_int_equal(verdict(f, 0xfff, R), 1);
	assert_int_equal(verdict(f, 0x1000, R), 0);
	assert_int_equal(verdict(f, 0x103f, W), 0);
	assert_int_equal(verdict(f, 0x1040, W), 1);
	msrtrap_filter_free(f);
	/* S6: RW allow [0,0x3000): 0x2fff allowed, 0x3000 denied */
	f = mk(DENY);
	add_except(f, RW, 0, 0x3000, (uint32_t[]){ 0x174 }, 1);
	assert_int_equal(verdict(f, 0x2fff, R), 1);
	assert_int_equal(verdict(f, 0x3000, R), 0);
	assert_int_equal(verdict(f, 0x174, R), 0);
	assert_int_equal(verdict(f, 0x174, W), 0);
	assert_int_equal(verdict(f, 0x10, R), 1);
	assert_int_equal(verdict(f, 0xc0000080, R), 0);
	assert_int_equal(verdict(f, 0x474f4f00, R), 0);
	msrtrap_filter_free(f);
}

static void test_inv24_bit_order(void **state)
{
	/* byte i/8, bit i%8, LSB first: 0x01 allows base, 0x80 base+7 */
	for (unsigned int i = 0; i < 64; i++) {
		uint8_t bm[8] = { 0 };
		struct msrtrap_filter *f = mk(DENY);

		bm[i / 8] = (uint8_t)(1u << (i % 8));
		assert_int_equal(msrtrap_filter_add_range(f, RW, 0x300, 64, bm, 8), 0);
		for (unsigned int j = 0; j < 64; j++)
			assert_int_equal(verdict(f, 0x300 + j, R), j == i);
		msrtrap_filter_free(f);
	}
}

static void test_inv25_default(void **state)
{
	struct msrtrap_filter *f = mk(DENY);

	add_fill(f, R, 0x100, 8, 0xff);
	assert_int_equal(verdict(f, 0x108, R), 0);
	assert_int_equal(verdict(f, 0x100, W), 0);
	msrtrap_filter_free(f);
	f = mk(ALLOW);
	add_fill(f, R, 0x100, 8, 0x00);
	assert_int_equal(verdict(f, 0x108, R), 1);
	assert_int_equal(verdict(f, 0x100, W), 1);
	msrtrap_filter_free(f);
}

static void test_inv26_wrapping(void **state)
{
	/* S14 */
	struct msrtrap_filter *f = mk(ALLOW);
	MSRTRAP_OPTS(msrtrap_decision, d);

	assert_int_equal(msrtrap_filter_add_range(f, 0xff, 0, 0, NULL, 0), 0);
	for (int i = 1; i < 5; i++)
		assert_int_equal(msrtrap_filter_add_range(f, 0, 0, 0, NULL, 0), 0);
	add_fill(f, R, 0x277, 1, 0x00);
	add_fill(f, R, 0xffffffff, 2, 0x00);
	add_fill(f, R, 0xfffffffe, 1, 0x00);
	add_fill(f, R, 0xffffffff, 1, 0x00); /* end wraps to exactly 0 */
	assert_int_equal(check(f, NULL), 0);
	assert_int_equal(verdict(f, 0x277, R), 0);
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, &d), 0);
	assert_int_equal(d.range, 5); /* slot index, empty slots counted */
	assert_int_equal(verdict(f, 0xffffffff, R), 1);
	assert_int_equal(verdict(f, 0x0, R), 1);
	assert_int_equal(verdict(f, 0xfffffffe, R), 0);
	msrtrap_filter_free(f);
}

/* ---- the peer-suite scenarios of live-kvm-notes §2.2 as model tests ---- */

static void test_u1_deny_three(void **state)
{
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, RW, 0xda0, 1, 0x00);	/* IA32_XSS */
	add_fill(f, RW, 0x10b, 1, 0x00);	/* IA32_FLUSH_CMD */
	add_fill(f, RW, 0x474f4f00, 1, 0x00);	/* fabricated */
	assert_int_equal(verdict(f, 0xda0, R), 0);
	assert_int_equal(verdict(f, 0xda0, W), 0);
	assert_int_equal(verdict(f, 0x10b, R), 0);
	assert_int_equal(verdict(f, 0x474f4f00, W), 0);
	assert_int_equal(verdict(f, 0x10, R), 1);
	assert_int_equal(verdict(f, 0xda1, R), 1);
	msrtrap_filter_free(f);
}

static void test_u2_default_deny_six(void **state)
{
	struct msrtrap_filter *f = mk(DENY);

	add_fill(f, R, 0, 0x3000, 0xff);
	add_except(f, W, 0, 0x3000, (uint32_t[]){ 0x1fc }, 1); /* POWER_CTL */
	add_fill(f, RW, 0x40000000, 0x3000, 0xff);
	add_except(f, R, 0xc0000000, 0x3000,
		   (uint32_t[]){ 0xc0000084, 0xc0000101 }, 2);
	add_fill(f, W, 0xc0000000, 0x3000, 0xff);
	add_fill(f, RW, 0xdeadbeef, 1, 0xff);
	assert_int_equal(check(f, NULL), 0);
	assert_int_equal(verdict(f, 0xc0000084, W), 1);
	assert_int_equal(verdict(f, 0xc0000084, R), 0);
	assert_int_equal(verdict(f, 0xc0000101, R), 0);
	assert_int_equal(verdict(f, 0x1fc, W), 0);
	assert_int_equal(verdict(f, 0x1fc, R), 1);
	assert_int_equal(verdict(f, 0xdeadbeef, R), 1);
	assert_int_equal(verdict(f, 0xdeadbeef, W), 1);
	assert_int_equal(verdict(f, 0xdeadbef0, W), 0);
	msrtrap_filter_free(f);
	/* then an empty default-allow filter: everything allowed */
	f = mk(ALLOW);
	assert_int_equal(verdict(f, 0x1fc, W), 1);
	assert_int_equal(verdict(f, 0xc0000084, R), 1);
	msrtrap_filter_free(f);
}

static void test_u3_swap_fs_gs(void **state)
{
	struct msrtrap_filter *a = mk(ALLOW), *b = mk(ALLOW), *c = mk(ALLOW);

	add_fill(a, R, 0xc0000100, 1, 0x00);
	add_fill(b, R, 0xc0000101, 1, 0x00);
	add_fill(c, RW, 0xda0, 1, 0x00);
	assert_int_equal(verdict(a, 0xc0000100, R), 0);
	assert_int_equal(verdict(a, 0xc0000101, R), 1);
	assert_int_equal(verdict(b, 0xc0000100, R), 1);
	assert_int_equal(verdict(b, 0xc0000101, R), 0);
	assert_int_equal(verdict(c, 0xc0000100, R), 1);
	assert_int_equal(verdict(c, 0xc0000101, R), 1);
	msrtrap_filter_free(a);
	msrtrap_filter_free(b);
	msrtrap_filter_free(c);
}

/* ---- ABI conversion ---- */

static void test_abi_round_trip(void **state)
{
	struct msrtrap_filter *f = mk(DENY), *back;
	struct msrtrap_kvm_msr_filter abi;
	uint8_t odd[3] = { 0x5a, 0xa5, 0x3c };
	uint8_t *storage;
	size_t need;

	add_fill(f, RW, 0, 0x3000, 0xff);
	assert_int_equal(msrtrap_filter_add_range(f, 0x7, 0x123, 0, NULL, 0), 0);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0xc0000080, 20, odd, 3), 0);
	need = msrtrap_filter_kvm_storage(f);
	assert_int_equal(need, 0x600 + 8);
	storage = malloc(need);
	assert_int_equal(msrtrap_filter_to_kvm(f, &abi, storage, need - 1), -ENOSPC);
	assert_int_equal(msrtrap_filter_to_kvm(f, &abi, storage, need), 0);
	assert_int_equal(abi.flags, DENY);
	assert_int_equal(abi.ranges[1].flags, 7);
	assert_int_equal(abi.ranges[1].base, 0x123);
	assert_null(abi.ranges[1].bitmap);
	assert_ptr_equal(abi.ranges[2].bitmap, storage + 0x600);
	/* padded to a whole word with zeros */
	assert_memory_equal(abi.ranges[2].bitmap, ((uint8_t[8]){ 0x5a, 0xa5, 0x3c }), 8);
	assert_int_equal(abi.ranges[3].nmsrs, 0);
	assert_null(abi.ranges[3].bitmap);

	/* 3 bytes for 20 MSRs: the kernel would fault copying 8 ... */
	assert_int_equal(check(f, "ranges[2].bitmap"), -EFAULT);
	/* ... but the ABI copy is padded, so it is valid and means the same */
	assert_int_equal(msrtrap_filter_from_kvm(&abi, &back), 0);
	assert_int_equal(msrtrap_filter_nranges(back), 3);
	assert_int_equal(check(back, NULL), 0);
	for (uint32_t m = 0xc0000070; m < 0xc00000b0; m++) {
		uint32_t i = m - 0xc0000080;
		int want = m < 0xc0000080 || m >= 0xc0000094 ? 0 : (odd[i / 8] >> (i % 8)) & 1;

		assert_int_equal(msrtrap_filter_allowed(back, m, R), want);
		assert_int_equal(msrtrap_filter_allowed(back, m, W), 0);
	}
	assert_int_equal(msrtrap_filter_allowed(back, 0x2fff, W), 1);
	msrtrap_filter_free(back);
	msrtrap_filter_free(f);
	free(storage);
}

/* from_kvm reads exactly ceil(nmsrs/64)*8 bytes, like the kernel. */
static void test_abi_reads_whole_words(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *mem = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct msrtrap_kvm_msr_filter abi = { 0 };
	struct msrtrap_filter *f;

	assert_true(mem != MAP_FAILED);
	assert_int_equal(mprotect(mem + page, (size_t)page, PROT_NONE), 0);
	memset(mem, 0xff, (size_t)page);
	abi.ranges[0].flags = R;
	abi.ranges[0].nmsrs = 64;
	abi.ranges[0].bitmap = mem + page - 8; /* exactly 8 readable bytes */
	/* an invalid range is not read at all: its pointer may be anything */
	abi.ranges[1].flags = 4;
	abi.ranges[1].nmsrs = 1;
	abi.ranges[1].bitmap = mem + page;
	assert_int_equal(msrtrap_filter_from_kvm(&abi, &f), 0);
	assert_int_equal(check(f, "ranges[1].flags"), -EINVAL);
	msrtrap_filter_free(f);

	/* live notes §3.5: 1 readable byte before a PROT_NONE page, nmsrs=1:
	 * the kernel copies 8 bytes and faults; so do we, without crashing */
	abi.ranges[1].flags = 0;
	abi.ranges[1].nmsrs = 0;
	abi.ranges[0].nmsrs = 1;
	abi.ranges[0].bitmap = mem + page - 1;
	assert_int_equal(msrtrap_filter_from_kvm(&abi, &f), 0);
	assert_int_equal(check(f, "ranges[0].bitmap"), -EFAULT);
	msrtrap_filter_free(f);
	/* nmsrs=65 with 8 readable bytes: EFAULT; bitmap 0x10: EFAULT */
	abi.ranges[0].nmsrs = 65;
	abi.ranges[0].bitmap = mem + page - 8;
	assert_int_equal(msrtrap_filter_from_kvm(&abi, &f), 0);
	assert_int_equal(check(f, "ranges[0].bitmap"), -EFAULT);
	msrtrap_filter_free(f);
	abi.ranges[0].nmsrs = 1;
	abi.ranges[0].bitmap = (uint8_t *)0x10;
	assert_int_equal(msrtrap_filter_from_kvm(&abi, &f), 0);
	assert_int_equal(check(f, "ranges[0].bitmap"), -EFAULT);
	msrtrap_filter_free(f);
	/* the ioctl argument itself: NULL faults */
	assert_int_equal(msrtrap_filter_from_kvm(NULL, &f), -EFAULT);
	assert_int_equal(msrtrap_filter_validate(NULL, NULL), -EFAULT);
	munmap(mem, (size_t)page * 2);
}

/* ---- property: compiled = linear scan = independent reference ---- */

/* The reference evaluator is tests/ref/ref_filter.h. */

static uint32_t random_base(void)
{
	static const uint32_t anchors[] = { 0x0,	0x7f0,	    0x800,
					    0x1ff0,	0x2000,	    0x40000000,
					    0x4b564d00, 0xc0000000, 0xc0001f00,
					    0xc0010000, 0xfffff000, 0xffffffff };

	switch (test_below(4)) {
	case 0:
		return test_rand32();
	case 1:
		return anchors[test_below(12)];
	default:
		return anchors[test_below(12)] + test_below(0x4000) - 0x2000;
	}
}

static void compare_at(const struct msrtrap_filter *f,
		       const struct msrtrap_cfilter *cf, uint32_t fflags,
		       const struct ref_range *r, int n, uint32_t msr)
{
	struct msrtrap_cfilter_view view;

	assert_int_equal(msrtrap_cfilter_get_view(cf, &view), 0);
	for (uint32_t type = 1; type <= 2; type++) {
		int want = ref_allowed(fflags, r, n, msr, type);

		if (msrtrap_filter_allowed(f, msr, type) != want ||
		    msrtrap_cfilter_allowed(cf, msr, type) != want ||
		    msrtrap_cfilter_view_allowed(&view, msr, type) != want)
			fail_msg("msr 0x%x type %u: ref %d linear %d compiled %d", msr,
				 type, want, msrtrap_filter_allowed(f, msr, type),
				 msrtrap_cfilter_allowed(cf, msr, type));
	}
}

static void test_compiled_equals_linear(void **state)
{
	static struct ref_range r[16];
	unsigned int filters = test_volume(2000);
	uint64_t lookups = 0;

	for (unsigned int t = 0; t < filters; t++) {
		uint32_t fflags = test_below(2);
		int n = 1 + (int)test_below(16);
		struct msrtrap_filter *f = mk(fflags);
		struct msrtrap_cfilter *cf;

		for (int i = 0; i < n; i++) {
			uint32_t nmsrs;

			switch (test_below(6)) {
			case 0:
				nmsrs = 0;
				break;
			case 1:
				nmsrs = 0x3000 - test_below(3);
				break;
			case 2:
				nmsrs = 1 + test_below(0x3000);
				break;
			default:
				nmsrs = 1 + test_below(300);
			}
			r[i].flags = nmsrs ? 1 + test_below(3) : test_rand32();
			r[i].base = random_base();
			r[i].nmsrs = nmsrs;
			test_random_bitmap(r[i].bm, msrtrap_kvm_bitmap_bytes(nmsrs) + 1, 4);
			assert_int_equal(msrtrap_filter_add_range(f, r[i].flags, r[i].base, nmsrs,
								  nmsrs ? r[i].bm : NULL,
								  msrtrap_kvm_bitmap_bytes(nmsrs)), 0);
		}
		if (msrtrap_filter_validate(f, NULL)) {
			/* all ranges empty with default deny */
			msrtrap_filter_free(f);
			continue;
		}
		assert_int_equal(msrtrap_cfilter_new(f, &cf, NULL), 0);
		/* every range span, one past each end */
		for (int i = 0; i < n; i++) {
			uint64_t lo = r[i].base ? r[i].base - 1ULL : 0;
			uint64_t hi = (uint64_t)r[i].base + r[i].nmsrs;

			if (hi > 0xffffffffULL)
				hi = 0xffffffffULL;
			for (uint64_t m = lo; m <= hi; m++) {
				compare_at(f, cf, fflags, r, n, (uint32_t)m);
				lookups += 2;
			}
		}
		/* x2APIC edges, block edges and random samples */
		for (uint32_t m = 0x7fe; m <= 0x901; m += (m < 0x802 || m > 0x8fe) ? 1 : 0x40)
			compare_at(f, cf, fflags, r, n, m);
		for (int k = 0; k < 500; k++) {
			compare_at(f, cf, fflags, r, n, test_rand32());
			compare_at(f, cf, fflags, r, n, random_base());
		}
		lookups += 2000;
		msrtrap_cfilter_free(cf);
		msrtrap_filter_free(f);
	}
	printf("# %u random filters, %llu lookups compared\n", filters,
	       (unsigned long long)lookups);
}

/*
 * struct msrtrap_decision is an output struct with a size: an older
 * caller's shorter struct gets only its prefix and the bytes past it stay
 * as they were; a newer caller's longer struct keeps its extra bytes; a
 * sz that cannot hold sz is refused and nothing is written.
 */
static void test_explain_sz(void **state)
{
	struct msrtrap_filter *f = mk(ALLOW);
	MSRTRAP_OPTS(msrtrap_decision, full);
	struct msrtrap_decision old;
	struct {
		struct msrtrap_decision d;
		uint64_t newer; /* a field a later release might add */
	} big;
	size_t old_sz = offsetof(struct msrtrap_decision, range);

	add_fill(f, R, 0x270, 16, 0x00);
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, &full), 0);
	assert_int_equal(full.sz, sizeof(full));
	assert_false(full.allowed);
	assert_int_equal(full.by, MSRTRAP_BY_RANGE);
	assert_int_equal(full.bit, 7);

	/* a caller that knows sz, allowed and by only */
	memset(&old, 0xa5, sizeof(old));
	old.sz = old_sz;
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, &old), 0);
	assert_int_equal(old.sz, old_sz);
	assert_false(old.allowed);
	assert_int_equal(old.by, MSRTRAP_BY_RANGE);
	for (size_t i = old_sz; i < sizeof(old); i++)
		assert_int_equal(((const uint8_t *)&old)[i], 0xa5);

	memset(&big, 0xa5, sizeof(big));
	big.d.sz = sizeof(big);
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, &big.d), 0);
	assert_int_equal(big.d.sz, sizeof(big));
	assert_int_equal(big.d.bit, 7);
	assert_int_equal(big.newer, 0xa5a5a5a5a5a5a5a5ull);

	memset(&old, 0xa5, sizeof(old));
	old.sz = sizeof(old.sz) - 1;
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, &old), -EINVAL);
	for (size_t i = sizeof(old.sz); i < sizeof(old); i++)
		assert_int_equal(((const uint8_t *)&old)[i], 0xa5);
	assert_int_equal(msrtrap_filter_explain(f, 0x277, R, NULL), 0);
	msrtrap_filter_free(f);
}

/* ---- msrtrap_filter_lint() ---- */

/* Lint f (freed), expecting exactly these codes and messages, in order. */
static void expect_lint(struct msrtrap_filter *f, size_t n,
			const enum msrtrap_diag_code *codes,
			const char *const *messages)
{
	struct msrtrap_diags *d = NULL;
	MSRTRAP_OPTS(msrtrap_diagnostic, e);

	assert_int_equal(msrtrap_filter_lint(f, &d), 0);
	assert_non_null(d);
	assert_int_equal(msrtrap_diags_count(d), n);
	assert_int_equal(msrtrap_diags_errors(d), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(msrtrap_diags_get(d, i, &e), 0);
		assert_int_equal(e.severity, MSRTRAP_SEV_WARNING);
		assert_int_equal(e.code, codes[i]);
		assert_int_equal(e.line, 0);
		assert_string_equal(e.message, messages[i]);
	}
	msrtrap_diags_free(d);
	msrtrap_filter_free(f);
}

static void test_lint_clean(void **state)
{
	struct msrtrap_filter *f = mk(DENY);

	/* adjacent, partly overlapping and differently typed: all decide */
	add_fill(f, R, 0x10, 0x10, 0xff);
	add_fill(f, RW, 0x18, 0x10, 0);
	add_fill(f, W, 0x10, 0x8, 0);
	add_fill(f, RW, 0x7ff, 1, 0xff);  /* ends right below x2APIC */
	add_fill(f, RW, 0x900, 1, 0xff);  /* starts right above it */
	add_fill(f, R, 0xffffff00, 0xff, 0xff); /* ends at 2^32 - 1 */
	assert_int_equal(msrtrap_filter_add_range(f, R, 0x10, 0, NULL, 0), 0);
	expect_lint(f, 0, NULL, NULL);
}

static void test_lint_wrapping(void **state)
{
	static const enum msrtrap_diag_code codes[] = {
		MSRTRAP_DIAG_WRAPPING_RANGE, MSRTRAP_DIAG_WRAPPING_RANGE,
	};
	static const char *const msgs[] = {
		"ranges[2]: base 0xffffff00 + nmsrs 0x100 reaches 2^32, so it matches no MSR",
		"ranges[3]: base 0xfffffff0 + nmsrs 0x20 reaches 2^32, so it matches no MSR",
	};
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, R, 0x10, 8, 0);
	/* an empty slot still counts in the numbering */
	assert_int_equal(msrtrap_filter_add_range(f, R, 0xfffffff0, 0, NULL, 0), 0);
	add_fill(f, R, 0xffffff00, 0x100, 0);  /* exactly 2^32 */
	add_fill(f, RW, 0xfffffff0, 0x20, 0);  /* past it */
	expect_lint(f, 2, codes, msgs);
}

static void test_lint_x2apic(void **state)
{
	static const enum msrtrap_diag_code codes[] = {
		MSRTRAP_DIAG_X2APIC_RANGE, MSRTRAP_DIAG_X2APIC_RANGE,
		MSRTRAP_DIAG_X2APIC_RANGE,
	};
	static const char *const msgs[] = {
		"ranges[0]: covers x2APIC MSRs (0x800-0x8ff), which are never filtered",
		"ranges[1]: covers x2APIC MSRs (0x800-0x8ff), which are never filtered",
		"ranges[3]: covers x2APIC MSRs (0x800-0x8ff), which are never filtered",
	};
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, R, 0x7ff, 2, 0);	 /* last MSR is 0x800 */
	add_fill(f, W, 0x8ff, 1, 0);	 /* only 0x8ff */
	add_fill(f, RW, 0x900, 0x10, 0); /* clear of it */
	add_fill(f, R, 0x0, 0x3000, 0);	 /* all of it */
	expect_lint(f, 3, codes, msgs);
}

static void test_lint_shadowed(void **state)
{
	static const enum msrtrap_diag_code codes[] = {
		MSRTRAP_DIAG_SHADOWED_RANGE, MSRTRAP_DIAG_SHADOWED_RANGE,
		MSRTRAP_DIAG_SHADOWED_RANGE,
	};
	static const char *const msgs[] = {
		"ranges[2]: never decides a read: earlier ranges cover all its MSRs",
		"ranges[3]: never decides a write: earlier ranges cover all its MSRs",
		"ranges[5]: never decides a read: earlier ranges cover all its MSRs",
	};
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, R, 0x100, 0x10, 0);	   /* 0x100-0x10f, read */
	add_fill(f, RW, 0x110, 0x10, 0);   /* 0x110-0x11f, both */
	add_fill(f, RW, 0x108, 0x10, 0xff); /* read: covered by 0 and 1 */
	add_fill(f, W, 0x118, 0x8, 0xff);  /* write: covered by 1 */
	add_fill(f, R, 0x118, 0x9, 0xff);  /* 0x120 is not covered */
	add_fill(f, R, 0x100, 0x21, 0xff); /* now 0x120 is, by 4 */
	expect_lint(f, 3, codes, msgs);
}

static void test_lint_no_ranges(void **state)
{
	static const enum msrtrap_diag_code codes[] = {
		MSRTRAP_DIAG_NO_RANGES,
	};
	static const char *const msgs[] = {
		"no non-empty range: everything is allowed, as with no filter",
	};
	struct msrtrap_filter *f = mk(ALLOW);

	expect_lint(f, 1, codes, msgs);
	f = mk(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, RW, 0x10, 0, NULL, 0), 0);
	expect_lint(f, 1, codes, msgs);
}

static void test_lint_args(void **state)
{
	struct msrtrap_filter *f = mk(ALLOW);
	struct msrtrap_diags *d = NULL;

	assert_int_equal(msrtrap_filter_lint(NULL, &d), -EINVAL);
	assert_null(d);
	assert_int_equal(msrtrap_filter_lint(f, NULL), -EINVAL);
	assert_string_equal(msrtrap_diag_code_name(MSRTRAP_DIAG_WRAPPING_RANGE),
			    "wrapping-range");
	assert_string_equal(msrtrap_diag_code_name(MSRTRAP_DIAG_X2APIC_RANGE),
			    "x2apic-range");
	assert_string_equal(msrtrap_diag_code_name(MSRTRAP_DIAG_SHADOWED_RANGE),
			    "shadowed-range");
	assert_string_equal(msrtrap_diag_code_name(MSRTRAP_DIAG_NO_RANGES),
			    "no-ranges");
	msrtrap_filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inv09_filter_flags),
		cmocka_unit_test(test_inv10_empty_deny),
		cmocka_unit_test(test_inv11_empty_allow),
		cmocka_unit_test(test_inv12_empty_range_ignored),
		cmocka_unit_test(test_inv13_range_flags),
		cmocka_unit_test(test_inv14_max_nmsrs),
		cmocka_unit_test(test_inv15_bitmap_copy_size),
		cmocka_unit_test(test_inv15_add_range_padded),
		cmocka_unit_test(test_inv16_all_or_nothing),
		cmocka_unit_test(test_inv17_accepted_oddities),
		cmocka_unit_test(test_inv18_abi),
		cmocka_unit_test(test_inv19_no_filter),
		cmocka_unit_test(test_inv20_x2apic),
		cmocka_unit_test(test_inv21_first_match_wins),
		cmocka_unit_test(test_inv22_access_types),
		cmocka_unit_test(test_inv23_half_open),
		cmocka_unit_test(test_inv24_bit_order),
		cmocka_unit_test(test_inv25_default),
		cmocka_unit_test(test_inv26_wrapping),
		cmocka_unit_test(test_u1_deny_three),
		cmocka_unit_test(test_u2_default_deny_six),
		cmocka_unit_test(test_u3_swap_fs_gs),
		cmocka_unit_test(test_abi_round_trip),
		cmocka_unit_test(test_abi_reads_whole_words),
		cmocka_unit_test(test_compiled_equals_linear),
		cmocka_unit_test(test_explain_sz),
		cmocka_unit_test(test_lint_clean),
		cmocka_unit_test(test_lint_wrapping),
		cmocka_unit_test(test_lint_x2apic),
		cmocka_unit_test(test_lint_shadowed),
		cmocka_unit_test(test_lint_no_ranges),
		cmocka_unit_test(test_lint_args),
	};

	return TEST_MAIN(tests);
}
