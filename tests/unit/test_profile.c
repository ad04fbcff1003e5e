// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's kernel profiles (msrtrap_engine_opts.kernel, issue 14.1)
 * against tests/ref/ref_kernel.h, a reference written from the audit
 * ../shared/spec/kvm-versions.md: named tests for D2, D3, D4 and D5, and
 * a randomized differential test of bitmaps and counters (notifications,
 * look-ups, warnings, refreshes) for every kernel on both formats.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <msrtrap/engine.h>
#include <msrtrap/filter.h>
#include <msrtrap/map.h>

#include "ref_kernel.h"
#include "testfilter.h"
#include "testutil.h"

#define R     MSRTRAP_READ
#define W     MSRTRAP_WRITE
#define RW    MSRTRAP_RW
#define FR    MSRTRAP_KVM_MSR_FILTER_READ
#define FW    MSRTRAP_KVM_MSR_FILTER_WRITE
#define ALLOW MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW
#define VMX   MSRTRAP_FMT_VMX
#define SVM   MSRTRAP_FMT_SVM
#define V5_19 MSRTRAP_KERNEL_V5_19
#define V6_0  MSRTRAP_KERNEL_V6_0
#define V6_19 MSRTRAP_KERNEL_V6_19

static const enum msrtrap_format fmts[2] = { VMX, SVM };
static const enum msrtrap_kernel kernels[3] = { V5_19, V6_0, V6_19 };

struct pair {
	struct msrtrap_engine *vm;
	struct msrtrap_engine_vcpu *v;
	struct rk_vcpu ref;
	struct msrtrap_filter *filter; /* what ref.filter points to */
};

static void pair_new(struct pair *p, enum msrtrap_kernel k,
		     enum msrtrap_format fmt)
{
	MSRTRAP_OPTS(msrtrap_engine_opts, o, .format = fmt, .kernel = k);
	MSRTRAP_OPTS(msrtrap_engine_vcpu_opts, vo);

	assert_int_equal(msrtrap_engine_new(&o, &p->vm), 0);
	assert_int_equal(msrtrap_engine_vcpu_new(p->vm, &vo, &p->v), 0);
	rk_init(&p->ref, k, fmt);
	p->filter = NULL;
	/* D9: the kernel's creation opens; v6.19 through its first recalc */
	assert_int_equal(msrtrap_engine_vcpu_refresh_pending(p->v), rk_create(&p->ref));
	if (msrtrap_engine_vcpu_refresh_pending(p->v)) {
		assert_int_equal(msrtrap_engine_vcpu_sync(p->v), 1);
		rk_refresh(&p->ref);
	}
}

static void pair_free(struct pair *p)
{
	msrtrap_engine_vcpu_free(p->v);
	msrtrap_engine_free(p->vm);
	msrtrap_filter_free(p->filter);
}

static void pair_icpt(struct pair *p, uint32_t first, uint32_t last,
		      unsigned int access, bool on)
{
	int want = ref_intercept_err(p->ref.fmt, first, last, access);

	assert_int_equal(msrtrap_engine_vcpu_intercept(p->v, first, last,
						       access, on),
			 want);
	for (uint64_t m = first; !want && m <= last; m++)
		rk_intercept(&p->ref, (uint32_t)m, access, on);
}

/* Install f (owned by the pair from now on) and sync. */
static void pair_filter_sync(struct pair *p, struct msrtrap_filter *f)
{
	MSRTRAP_OPTS(msrtrap_error, d);

	assert_int_equal(msrtrap_engine_set_filter(p->vm, f, &d), 0);
	msrtrap_filter_free(p->filter);
	p->filter = f;
	p->ref.filter = f;
	assert_int_equal(msrtrap_engine_vcpu_sync(p->v), 1);
	rk_refresh(&p->ref);
}

static void stats(const struct pair *p, struct msrtrap_engine_vcpu_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->sz = sizeof(*st);
	assert_int_equal(msrtrap_engine_vcpu_stats(p->v, st), 0);
}

/* Bitmap and counters equal the reference's. */
static void pair_check(const struct pair *p, const char *what)
{
	struct msrtrap_engine_vcpu_stats st;
	const uint8_t *hw = msrtrap_engine_vcpu_bitmap(p->v);
	size_t size = ref_size(p->ref.fmt);

	stats(p, &st);
	for (size_t b = 0; b < size; b++)
		if (hw[b] != p->ref.hw[b])
			fail_msg(
				"%s %s %s: byte %#zx is %#x, the reference %#x",
				msrtrap_kernel_name(p->ref.k),
				msrtrap_format_name(p->ref.fmt), what, b, hw[b],
				p->ref.hw[b]);
	if (st.notifications != p->ref.c.notifications ||
	    st.lookups != p->ref.c.lookups ||
	    st.warnings != p->ref.c.warnings ||
	    st.refreshes != p->ref.c.refreshes)
		fail_msg(
			"%s %s %s: notifications %llu lookups %llu warnings %llu refreshes %llu; the reference %llu %llu %llu %llu",
			msrtrap_kernel_name(p->ref.k),
			msrtrap_format_name(p->ref.fmt), what,
			(unsigned long long)st.notifications,
			(unsigned long long)st.lookups,
			(unsigned long long)st.warnings,
			(unsigned long long)st.refreshes,
			(unsigned long long)p->ref.c.notifications,
			(unsigned long long)p->ref.c.lookups,
			(unsigned long long)p->ref.c.warnings,
			(unsigned long long)p->ref.c.refreshes);
}

static struct msrtrap_filter *deny1(uint32_t flags, uint32_t msr)
{
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, flags, msr, 1, 0x00);
	return f;
}

/* kernel 0 is today's engine; the profiles state their strategy. */
static void test_profile_strategy(void **state)
{
	static const struct {
		enum msrtrap_kernel k;
		enum msrtrap_format fmt;
		enum msrtrap_strategy s;
	} cases[] = {
		/* §2: pre-seed v5.19 is reapply-all, post-seed v6.0 is
		 * skip-intercepted; D3: SVM never skipped; D4: 6.17+ is
		 * what recompute reproduces (word-wise) */
		{ V5_19, VMX, MSRTRAP_STRATEGY_REAPPLY_ALL },
		{ V6_0, VMX, MSRTRAP_STRATEGY_SKIP_INTERCEPTED },
		{ V6_19, VMX, MSRTRAP_STRATEGY_RECOMPUTE },
		{ V5_19, SVM, MSRTRAP_STRATEGY_REAPPLY_ALL },
		{ V6_0, SVM, MSRTRAP_STRATEGY_REAPPLY_ALL },
		{ V6_19, SVM, MSRTRAP_STRATEGY_RECOMPUTE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int s = 0; s < MSRTRAP_STRATEGY_COUNT; s++) {
			MSRTRAP_OPTS(msrtrap_engine_opts, o,
				     .format = cases[i].fmt,
				     .kernel = cases[i].k, .strategy = s);
			struct msrtrap_engine *vm = NULL;
			int want = s == 0 || s == (int)cases[i].s ? 0 : -EINVAL;

			assert_int_equal(msrtrap_engine_new(&o, &vm), want);
			msrtrap_engine_free(vm);
			o.strategy = 0;
			o.passthrough = MSRTRAP_PASSTHROUGH_KVM2022;
			assert_int_equal(msrtrap_engine_new(&o, &vm), -EINVAL);
		}
}

/* D3: v6.0 SVM keeps a wish for exactly its 44 direct_access_msrs. */
static void test_d3_svm_v6_0_list(void **state)
{
	static const uint32_t not_listed[] = { 0x10,  0x1c4, 0x660, 0x800,
					       0x801, 0x832, 0x83f, 0x570,
					       0x6a0, 0xda0 };
	struct pair p;

	for (int k = 0; k < 2; k++) {
		pair_new(&p, kernels[k], SVM);
		/* the nine "always" entries come first, open (D9) */
		for (unsigned int i = 0; i < 44; i++) {
			assert_int_equal(msrtrap_engine_vcpu_wish(
						 p.v, rk_svm_v6_0[i], R),
					 i >= 9);
			assert_int_equal(msrtrap_engine_vcpu_wish(
						 p.v, rk_svm_v6_0[i], W),
					 i >= 9);
		}
		for (size_t i = 0; i < sizeof(not_listed) / sizeof(*not_listed);
		     i++)
			assert_int_equal(
				msrtrap_engine_vcpu_wish(p.v, not_listed[i], R),
				-ENOENT);
		pair_free(&p);
	}
}

/*
 * D3: SVM v6.0 WARNs for every unlisted MSR (svm.c:759), with none of
 * VMX's x2APIC/PT/LBR exemptions; VMX keeps them; v6.19 never warns.
 */
static void test_d3_svm_warns_without_exemptions(void **state)
{
	static const uint32_t msrs[] = { 0x800, 0x801, 0x83f, 0x560,
					 0x580, 0x680, 0x1c8, 0x40,
					 0x68,	0x10,  0x1c4 };
	struct msrtrap_engine_vcpu_stats st;
	struct pair p;

	for (int f = 0; f < 2; f++)
		for (int k = 0; k < 3; k++) {
			pair_new(&p, kernels[k], fmts[f]);
			for (size_t i = 0; i < sizeof(msrs) / sizeof(*msrs);
			     i++) {
				pair_icpt(&p, msrs[i], msrs[i], RW, false);
				pair_icpt(&p, msrs[i], msrs[i], R, true);
			}
			pair_check(&p, "D3 warnings");
			stats(&p, &st);
			if (kernels[k] == V6_19)
				assert_int_equal(st.warnings, 0);
			else if (fmts[f] == SVM)
				assert_int_equal(st.warnings, 2 * 11);
			else
				assert_int_equal(st.warnings,
						 0); /* exempt (D1) or listed */
			pair_free(&p);
		}
}

/*
 * D2 and D3: a filter change on a fresh vCPU (only the creation opens of
 * D9 wished open: VMX 17 directions, SVM v6.0 18, SVM v6.19 20). v5.19
 * VMX: 15 MSRs x 2 calls + 4 PT calls = 34 notifications; v6.0 VMX one
 * disable call per open direction (17); SVM v5.19/v6.0: one call per
 * direct_access_msrs entry (44), not per direction; v6.19: one per recalc
 * call (D4: 24 VMX, 21 SVM). A look-up per open direction.
 */
static void test_d2_d3_d4_refresh_notifications(void **state)
{
	static const uint64_t want[2][3] = { { 34, 17, 24 }, { 44, 44, 21 } };
	static const uint64_t open[2][3] = { { 17, 17, 17 }, { 18, 18, 20 } };
	struct msrtrap_engine_vcpu_stats a, st;
	struct pair p;

	for (int f = 0; f < 2; f++)
		for (int k = 0; k < 3; k++) {
			pair_new(&p, kernels[k], fmts[f]);
			stats(&p, &a);
			pair_filter_sync(&p, deny1(FR, 0x571));
			stats(&p, &st);
			assert_int_equal(st.notifications - a.notifications,
					 want[f][k]);
			assert_int_equal(st.lookups - a.lookups, open[f][k]);
			pair_check(&p, "D2 fresh refresh");
			pair_free(&p);
		}
}

/*
 * D2: v5.19's refresh re-intercepts the PT MSRs (RTIT_CTL.TraceEn = 0):
 * RTIT_STATUS opened by the hypervisor (no warning: a PT MSR) is closed
 * again by the next filter change; v6.0 (PT in system mode) leaves it.
 */
static void test_d2_v5_19_refreshes_pt(void **state)
{
	for (int k = 0; k < 2; k++) {
		struct pair p;

		pair_new(&p, kernels[k], VMX);
		pair_icpt(&p, 0x571, 0x571, RW, false);
		assert_int_equal(
			msrtrap_raw_test(VMX, msrtrap_engine_vcpu_bitmap(p.v),
					 0x571, RW),
			0);
		pair_filter_sync(&p, deny1(FW, 0x10));
		assert_int_equal(
			msrtrap_raw_test(VMX, msrtrap_engine_vcpu_bitmap(p.v),
					 0x571, RW),
			kernels[k] == V5_19 ? RW : 0);
		pair_check(&p, "D2 PT");
		pair_free(&p);
	}
}

/*
 * D4: the 6.17+ recalc asks the filter once per (MSR, direction) wished
 * open and notifies once per call, changed or not; D5: an MSR outside the
 * recalc's set (an LBR MSR, PAT) keeps its bit across a denying filter.
 */
static void test_d4_d5_v6_19_recalc(void **state)
{
	struct msrtrap_engine_vcpu_stats a, b;

	for (int f = 0; f < 2; f++) {
		struct pair p;

		pair_new(&p, V6_19, fmts[f]);
		/* open: the D9 set (VMX 17 directions, SVM 20), and 0x48 W */
		pair_icpt(&p, 0x48, 0x48, W, false);
		pair_icpt(&p, 0x1db, 0x1db, RW, false); /* LBR */
		stats(&p, &a);
		pair_filter_sync(&p, deny1(FR | FW, 0x1db));
		stats(&p, &b);
		assert_int_equal(b.lookups - a.lookups, fmts[f] == VMX ? 18 : 21);
		assert_int_equal(b.notifications - a.notifications,
				 fmts[f] == VMX ? 24 : 21);
		assert_int_equal(
			msrtrap_raw_test(fmts[f],
					 msrtrap_engine_vcpu_bitmap(p.v), 0x1db,
					 RW),
			0);
		/* a second, identical change: the same cost again */
		stats(&p, &a);
		pair_filter_sync(&p, deny1(FR | FW, 0x1db));
		stats(&p, &b);
		assert_int_equal(b.notifications - a.notifications,
				 fmts[f] == VMX ? 24 : 21);
		pair_check(&p, "D4 recalc");
		pair_free(&p);
	}
}

/*
 * D9: a kernel's vCPU starts with what that kernel opens at creation —
 * v6.0 VMX TSC R, FS/GS/KERNEL_GS RW, SYSENTER RW, C-states R
 * (vmx.c:7337-7353), made as disable calls that consult the filter in
 * force; SVM v6.0 the nine "always" MSRs; v6.19 the same opens at the
 * recalc vCPU creation requests, so the new vCPU has a refresh pending.
 */
static void test_d9_start_set(void **state)
{
	MSRTRAP_OPTS(msrtrap_engine_vcpu_opts, vo);
	MSRTRAP_OPTS(msrtrap_error, d);
	struct msrtrap_engine_vcpu_stats st;

	for (int f = 0; f < 2; f++)
		for (int k = 0; k < 3; k++) {
			MSRTRAP_OPTS(msrtrap_engine_opts, o, .format = fmts[f],
				     .kernel = kernels[k]);
			struct msrtrap_filter *deny_fs = deny1(FR, 0xc0000100);
			struct msrtrap_engine *vm;
			struct msrtrap_engine_vcpu *v;
			const void *hw;
			bool v619 = kernels[k] == V6_19;

			assert_int_equal(msrtrap_engine_new(&o, &vm), 0);
			assert_int_equal(msrtrap_engine_set_filter(vm, deny_fs, &d), 0);
			assert_int_equal(msrtrap_engine_vcpu_new(vm, &vo, &v), 0);
			hw = msrtrap_engine_vcpu_bitmap(v);
			assert_int_equal(msrtrap_engine_vcpu_refresh_pending(v), v619);
			stats(&(struct pair){ .v = v }, &st);
			if (!v619) {
				/* VMX: 11 calls, 17 directions; SVM: 9 RW calls */
				assert_int_equal(st.notifications, fmts[f] == VMX ? 11 : 9);
				assert_int_equal(st.lookups, fmts[f] == VMX ? 17 : 18);
			} else {
				assert_int_equal(st.notifications, 0);
				assert_int_equal(msrtrap_raw_test(fmts[f], hw, 0xc0000101, RW), RW);
				assert_int_equal(msrtrap_engine_vcpu_sync(v), 1);
			}
			/* FS_BASE R denied by the filter in force: intercepted */
			assert_int_equal(msrtrap_raw_test(fmts[f], hw, 0xc0000100, RW), R);
			assert_int_equal(msrtrap_raw_test(fmts[f], hw, 0xc0000101, RW), 0);
			assert_int_equal(msrtrap_raw_test(fmts[f], hw, 0x174, RW), 0);
			assert_int_equal(msrtrap_raw_test(fmts[f], hw, 0x10, RW),
					 fmts[f] == VMX ? W : RW);
			assert_int_equal(msrtrap_raw_test(fmts[f], hw, 0xc0000081, RW),
					 fmts[f] == VMX ? RW : 0);
			assert_int_equal(msrtrap_raw_test(fmts[f], hw, 0x176, RW),
					 fmts[f] == SVM && !v619 ? RW : 0);
			msrtrap_engine_vcpu_free(v);
			msrtrap_engine_free(vm);
			msrtrap_filter_free(deny_fs);
		}
}

/*
 * D7: an MSR the format cannot represent is refused (-ERANGE) under every
 * profile, the bitmap and every counter unchanged — an API choice where
 * the kernels differ (VMX notifies, v6.0 SVM BUG_ONs); docs/engine.md.
 */
static void test_d7_unrepresentable_counts_nothing(void **state)
{
	static const uint32_t msrs[] = { 0x2000,     0xbfffffff, 0xc0002000,
					 0xc0010000, 0xc0012000, 0x474f4f00 };
	struct msrtrap_engine_vcpu_stats a, b;

	for (int f = 0; f < 2; f++)
		for (int k = 0; k < 3; k++) {
			struct pair p;

			pair_new(&p, kernels[k], fmts[f]);
			stats(&p, &a);
			for (size_t i = 0; i < sizeof(msrs) / sizeof(*msrs);
			     i++) {
				if (ref_covers(fmts[f], msrs[i]))
					continue; /* SVM's third span */
				for (int on = 0; on < 2; on++)
					assert_int_equal(
						msrtrap_engine_vcpu_intercept(
							p.v, msrs[i], msrs[i],
							RW, on),
						-ERANGE);
			}
			stats(&p, &b);
			assert_int_equal(memcmp(&a, &b, sizeof(a)), 0);
			pair_check(&p, "D7");
			pair_free(&p);
		}
}

/* ---- randomized differential test against ref_kernel.h ---- */

static uint32_t pick_msr(enum msrtrap_kernel k, enum msrtrap_format fmt)
{
	static const uint32_t extra[] = {
		0x560, 0x571, 0x570,	  0x800,      0x808, 0x832,
		0x8ff, 0x40,  0x48,	  0x68,	      0x69,  0x680,
		0x1db, 0x277, 0xc0000080, 0xc0010130, 0x10,  0xe7,
		0x6a0, 0x3fe, 0x1fff,	  0xc0001fff,
	};
	unsigned int n;
	const uint32_t *l = rk_list(k, fmt, &n);

	switch (test_below(3)) {
	case 0:
		return l[test_below(n)];
	case 1:
		return extra[test_below(sizeof(extra) / sizeof(*extra))];
	}
	return span_first[test_below(ref_nspans(fmt))] + test_below(SPAN_LEN);
}

static struct msrtrap_filter *random_filter(enum msrtrap_kernel k,
					    enum msrtrap_format fmt)
{
	struct msrtrap_filter *f =
		mk(test_below(4) ? ALLOW : MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY);
	unsigned int n = 1 + test_below(4);

	for (unsigned int i = 0; i < n; i++)
		add_fill(f, 1 + test_below(3), pick_msr(k, fmt),
			 1 + test_below(3), (uint8_t)test_rand32());
	return f;
}

static void test_profiles_differential(void **state)
{
	unsigned long rounds = test_volume(40);

	for (int f = 0; f < 2; f++)
		for (int k = 0; k < 3; k++)
			for (unsigned long r = 0; r < rounds; r++) {
				struct pair p;

				pair_new(&p, kernels[k], fmts[f]);
				for (unsigned int op = 0; op < 60; op++) {
					uint32_t m =
						pick_msr(kernels[k], fmts[f]);
					uint32_t last =
						m + (test_below(4) ?
							     0 :
							     test_below(3));

					if (test_below(6) == 0) {
						pair_filter_sync(
							&p, random_filter(
								    kernels[k],
								    fmts[f]));
						pair_check(&p, "sync");
						continue;
					}
					pair_icpt(&p, m, last,
						  1 + test_below(3),
						  test_below(3) == 0);
					pair_check(&p, "intercept");
				}
				pair_free(&p);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_strategy),
		cmocka_unit_test(test_d3_svm_v6_0_list),
		cmocka_unit_test(test_d3_svm_warns_without_exemptions),
		cmocka_unit_test(test_d2_d3_d4_refresh_notifications),
		cmocka_unit_test(test_d2_v5_19_refreshes_pt),
		cmocka_unit_test(test_d4_d5_v6_19_recalc),
		cmocka_unit_test(test_d7_unrepresentable_counts_nothing),
		cmocka_unit_test(test_d9_start_set),
		cmocka_unit_test(test_profiles_differential),
	};

	(void)ref_bit_msr; /* ref_engine.h's, unused here */
	return TEST_MAIN(tests);
}
