/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference model of the engine's kernel profiles (issue 14.1), written
 * from ../shared/spec/kvm-versions.md and not from lib/core/engine.c: one
 * (MSR, direction) at a time, a counter bumped at each place the audit
 * names a kernel call.
 *
 *   list       the MSRs a filter change refreshes and whose wish is kept:
 *              VMX v5.19/v6.0 vmx_possible_passthrough_msrs (§2, 15),
 *              SVM v5.19/v6.0 direct_access_msrs (D3, 44), v6.19 the
 *              recalc's set (D5; §6c-1 per vendor; PT in system mode, no
 *              SEV-ES: so neither set is called)
 *   warnings   VMX v5.19/v6.0: unlisted and not x2APIC/PT/LBR (§2, D1);
 *              SVM v5.19/v6.0: every unlisted MSR (D3, svm.c:759);
 *              v6.19: none (no list left to miss)
 *   intercept  one call per MSR: one notification; disabling asks the
 *              filter per direction (§2 "Disable order")
 *   refresh    VMX v5.19: both directions of every listed MSR as separate
 *              calls, filter asked for the pass ones, then 4 PT enable
 *              calls (D2); VMX v6.0: a disable call per pass direction
 *              only (§2 post-seed); SVM v5.19/v6.0 and v6.19: one call per
 *              listed MSR, asking the filter per open direction (D3, D4)
 */
#ifndef MSRTRAP_REF_KERNEL_H
#define MSRTRAP_REF_KERNEL_H

#include "ref_engine.h"

/* D3 (v6.0 svm.c:79-136): the 9 "always" MSRs, then the 11 on demand,
 * then the 24 x2AVIC MSRs of §6a-SVM */
static const uint32_t rk_svm_v6_0[44] = {
	0xc0000081 /* STAR */,	   0x174 /* SYSENTER_CS */,
	0xc0000101 /* GS_BASE */,  0xc0000100 /* FS_BASE */,
	0xc0000102 /* KGS_BASE */, 0xc0000082 /* LSTAR */,
	0xc0000083 /* CSTAR */,	   0xc0000084 /* SYSCALL_MASK */,
	0xc0010130 /* SEV_ES_GHCB */,
	0x176 /* SYSENTER_EIP */,  0x175 /* SYSENTER_ESP */,
	0x48 /* SPEC_CTRL */,	   0x49 /* PRED_CMD */,
	0x1db /* LASTBRANCHFROMIP */, 0x1dc /* LASTBRANCHTOIP */,
	0x1dd /* LASTINTFROMIP */, 0x1de /* LASTINTTOIP */,
	0xc0000080 /* EFER */,	   0x277 /* CR_PAT */,
	0xc0000103 /* TSC_AUX */,
	0x802, 0x803, 0x808, 0x809, 0x80a, 0x80b, 0x80c, 0x80d,
	0x80e, 0x80f, 0x810, 0x818, 0x820, 0x828, 0x830, 0x831,
	0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x839, 0x83e,
};

/* D5 / §6c-1, VMX v6.19 recalc (vmx.c:4238-4295) */
static const uint32_t rk_vmx_v6_19[24] = {
	0x10 /* TSC */, 0xc0000100, 0xc0000101, 0xc0000102,
	0x174, 0x175, 0x176 /* SYSENTER */,
	0x660, 0x3fc, 0x3fd, 0x3fe /* C1/C3/C6/C7 */,
	0xe7 /* MPERF */, 0xe8 /* APERF */,
	0x1c4 /* XFD */, 0x1c5 /* XFD_ERR */,
	0x48 /* SPEC_CTRL */, 0x49 /* PRED_CMD */, 0x10b /* FLUSH_CMD */,
	0x6a0 /* U_CET */, 0x6a2 /* S_CET */,
	0x6a4, 0x6a5, 0x6a6, 0x6a7 /* PL0..3_SSP */,
};

/* D5 / §6c-1, SVM v6.19 recalc (svm.c:737-796), not SEV-ES */
static const uint32_t rk_svm_v6_19[21] = {
	0xc0000100, 0xc0000101, 0xc0000102,
	0x174, 0x175, 0x176,
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084 /* STAR..SFMASK */,
	0xe7, 0xe8,
	0x48, 0x49, 0x10b,
	0x6a0, 0x6a2, 0x6a4, 0x6a5, 0x6a6, 0x6a7,
};

/* D2: the four PT MSRs v5.19's refresh always calls (n ranges = 0) */
static const uint32_t rk_pt_v5_19[4] = { 0x571, 0x560, 0x561, 0x572 };

static inline const uint32_t *rk_list(enum msrtrap_kernel k,
				      enum msrtrap_format fmt, unsigned int *n)
{
	bool svm = fmt == MSRTRAP_FMT_SVM;

	if (k == MSRTRAP_KERNEL_V6_19) {
		*n = svm ? 21 : 24;
		return svm ? rk_svm_v6_19 : rk_vmx_v6_19;
	}
	*n = svm ? 44 : 15;
	return svm ? rk_svm_v6_0 : kvm2022_list;
}

static inline int rk_index(enum msrtrap_kernel k, enum msrtrap_format fmt,
			   uint32_t msr)
{
	unsigned int n;
	const uint32_t *l = rk_list(k, fmt, &n);

	for (unsigned int i = 0; i < n; i++)
		if (l[i] == msr)
			return (int)i;
	return -1;
}

static inline bool rk_warns(enum msrtrap_kernel k, enum msrtrap_format fmt,
			    uint32_t msr)
{
	if (k == MSRTRAP_KERNEL_V6_19 || rk_index(k, fmt, msr) >= 0)
		return false;
	return fmt == MSRTRAP_FMT_SVM || !ref_exempt(msr);
}

/*
 * D9 / §6c-1: what each kernel opens for a new vCPU, for a guest with
 * C-states in it, no optional CPUID feature, AMD vendor on SVM, not SEV-ES.
 * Entries: MSR, access (R 1, W 2, RW 3).
 */
static const uint32_t rk_open_vmx[][2] = {
	{ 0x10, 1 } /* TSC R */, { 0xc0000100, 3 }, { 0xc0000101, 3 },
	{ 0xc0000102, 3 }, { 0x174, 3 }, { 0x175, 3 }, { 0x176, 3 },
	{ 0x660, 1 }, { 0x3fc, 1 }, { 0x3fd, 1 }, { 0x3fe, 1 } /* C-states R */,
};

/* D3: the nine "always" MSRs: the first nine of rk_svm_v6_0 */
static const uint32_t rk_open_svm_v6_19[][2] = {
	{ 0xc0000100, 3 }, { 0xc0000101, 3 }, { 0xc0000102, 3 },
	{ 0xc0000081, 3 }, { 0xc0000082, 3 }, { 0xc0000083, 3 },
	{ 0xc0000084, 3 }, { 0x174, 3 }, { 0x175, 3 }, { 0x176, 3 },
};

struct rk_counts {
	uint64_t notifications, lookups, warnings, refreshes;
};

struct rk_vcpu {
	enum msrtrap_kernel k;
	enum msrtrap_format fmt;
	const struct msrtrap_filter *filter;
	uint8_t hw[MSRTRAP_SVM_MSRPM_SIZE];
	uint8_t wish[44][2]; /* by list index: 1 intercept */
	struct rk_counts c;
};

static inline void rk_init(struct rk_vcpu *r, enum msrtrap_kernel k,
			   enum msrtrap_format fmt)
{
	memset(r, 0, sizeof(*r));
	r->k = k;
	r->fmt = fmt;
	memset(r->hw, 0xff, sizeof(r->hw));
	memset(r->wish, 1, sizeof(r->wish));
}

/* One intercept call on one MSR (the range checks are ref_intercept_err's). */
static inline void rk_intercept(struct rk_vcpu *r, uint32_t msr,
				unsigned int access, bool on)
{
	int i = rk_index(r->k, r->fmt, msr);

	r->c.notifications++;
	r->c.warnings += rk_warns(r->k, r->fmt, msr);
	for (int d = 0; d < 2; d++) {
		int icpt = 1;

		if (!(access & dir_access(d)))
			continue;
		if (i >= 0)
			r->wish[i][d] = on;
		if (!on) {
			r->c.lookups++;
			icpt = !allowed(r->filter, msr, d);
		}
		ref_put(r->fmt, r->hw, msr, d, icpt);
	}
}

/*
 * The opens of a new vCPU: v5.19/v6.0 as intercept calls at creation
 * (counted, against the filter in force); v6.19 as wishes only, applied
 * by the recalc creation requests: returns true when a refresh is pending.
 */
static inline bool rk_create(struct rk_vcpu *r)
{
	uint32_t svm60[9][2];
	const uint32_t(*o)[2] = rk_open_vmx;
	unsigned int n = 11;

	for (unsigned int i = 0; i < 9; i++) {
		svm60[i][0] = rk_svm_v6_0[i];
		svm60[i][1] = 3;
	}
	if (r->fmt == MSRTRAP_FMT_SVM) {
		o = r->k == MSRTRAP_KERNEL_V6_19 ? rk_open_svm_v6_19 :
						   (const uint32_t(*)[2])svm60;
		n = r->k == MSRTRAP_KERNEL_V6_19 ? 10 : 9;
	}
	for (unsigned int i = 0; i < n; i++) {
		int idx = rk_index(r->k, r->fmt, o[i][0]);

		if (r->k != MSRTRAP_KERNEL_V6_19) {
			rk_intercept(r, o[i][0], o[i][1], false);
			continue;
		}
		for (int d = 0; d < 2; d++)
			if (o[i][1] & dir_access(d))
				r->wish[idx][d] = 0;
	}
	return r->k == MSRTRAP_KERNEL_V6_19;
}

/* The refresh a filter change causes at the next entry. */
static inline void rk_refresh(struct rk_vcpu *r)
{
	bool per_msr = r->fmt == MSRTRAP_FMT_SVM || r->k == MSRTRAP_KERNEL_V6_19;
	unsigned int n;
	const uint32_t *l = rk_list(r->k, r->fmt, &n);

	for (unsigned int i = 0; i < n; i++) {
		r->c.notifications += per_msr;
		for (int d = 0; d < 2; d++) {
			int icpt = 1;

			if (!r->wish[i][d]) {
				r->c.lookups++;
				icpt = !allowed(r->filter, l[i], d);
			} else if (!per_msr && r->k == MSRTRAP_KERNEL_V6_0) {
				continue; /* the seed patch: skip intercepted */
			}
			r->c.notifications += !per_msr;
			ref_put(r->fmt, r->hw, l[i], d, icpt);
		}
	}
	if (r->fmt == MSRTRAP_FMT_VMX && r->k == MSRTRAP_KERNEL_V5_19)
		for (unsigned int i = 0; i < 4; i++) {
			r->c.notifications++;
			ref_put(r->fmt, r->hw, rk_pt_v5_19[i], 0, 1);
			ref_put(r->fmt, r->hw, rk_pt_v5_19[i], 1, 1);
		}
	r->c.refreshes++;
}

#endif /* MSRTRAP_REF_KERNEL_H */
