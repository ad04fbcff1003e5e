// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Intercept engine core (freestanding): wishes + filter -> hardware bits.
 *
 * The invariant after every refresh (spec §9, invariants 33-38): for a
 * pass-through-capable MSR and direction d,
 *	hw(d) = wish(d) OR NOT allowed(d)
 * and x2APIC MSRs are always allowed. Enabling sets the hardware bit
 * unconditionally; disabling consults the filter in force (§4.2, §4.3).
 */
#include <msrtrap/map.h>
#include <msrtrap/x2apic.h>

#include "engine_core.h"

/*
 * vmx_possible_passthrough_msrs[] as of June 2022, 64-bit build, in slot
 * order (spec §4.1): the only MSRs the kvm-2022 profile refreshes.
 */
static const uint32_t kvm2022_list[] = {
	0x48,	    /* IA32_SPEC_CTRL */
	0x49,	    /* IA32_PRED_CMD */
	0x10,	    /* IA32_TSC */
	0xc0000100, /* FS_BASE */
	0xc0000101, /* GS_BASE */
	0xc0000102, /* KERNEL_GS_BASE */
	0x1c4,	    /* IA32_XFD */
	0x1c5,	    /* IA32_XFD_ERR */
	0x174,	    /* IA32_SYSENTER_CS */
	0x175,	    /* IA32_SYSENTER_ESP */
	0x176,	    /* IA32_SYSENTER_EIP */
	0x660,	    /* CORE_C1_RES */
	0x3fc,	    /* CORE_C3_RESIDENCY */
	0x3fd,	    /* CORE_C6_RESIDENCY */
	0x3fe,	    /* CORE_C7_RESIDENCY */
};

/*
 * v5.19/v6.0 SVM: direct_access_msrs[] (v6.0 svm.c:79-136, 44 entries,
 * kvm-versions.md D3): the nine "always" MSRs, the eleven opened on
 * demand, and the 24 x2AVIC MSRs (§6a-SVM). The audit gives v6.0's list;
 * v5.19 is modelled with the same one.
 */
static const uint32_t svm60_list[] = {
	0xc0000081, 0x174,	0xc0000101, 0xc0000100, 0xc0000102,
	0xc0000082, 0xc0000083, 0xc0000084, 0xc0010130, /* "always" */
	0x176,	    0x175,	0x48,	    0x49,	0x1db,
	0x1dc,	    0x1dd,	0x1de,	    0xc0000080, 0x277,
	0xc0000103, /* SYSENTER_EIP/ESP .. TSC_AUX */
	0x802,	    0x803,	0x808,	    0x809,	0x80a,
	0x80b,	    0x80c,	0x80d,	    0x80e,	0x80f,
	0x810,	    0x818,	0x820,	    0x828,	0x830,
	0x831,	    0x833,	0x834,	    0x835,	0x836,
	0x837,	    0x838,	0x839,	    0x83e, /* x2AVIC */
};

/*
 * v6.19 VMX: the MSRs vmx_recalc_msr_intercepts() sets (v6.19
 * vmx.c:4238-4295, kvm-versions.md D5), with every condition true except
 * Intel PT host/guest mode (the default pt_mode is system): TSC, FS/GS/
 * KERNEL_GS, SYSENTER, C1/C3/C6/C7, APERF/MPERF, XFD, SPEC_CTRL, XFD_ERR,
 * PRED_CMD, FLUSH_CMD, U/S_CET, PL0-3_SSP. x2APIC and LBR intercepts are
 * not touched (vmx.c:4297-4300), so they are not refreshed.
 */
static const uint32_t vmx619_list[] = {
	0x10,  0xc0000100, 0xc0000101, 0xc0000102, 0x174, 0x175, 0x176, 0x660,
	0x3fc, 0x3fd,	   0x3fe,      0xe8,	   0xe7,  0x1c4, 0x48,	0x1c5,
	0x49,  0x10b,	   0x6a0,      0x6a2,	   0x6a4, 0x6a5, 0x6a6, 0x6a7,
};

/*
 * v6.19 SVM: svm_recalc_msr_intercepts() (v6.19 svm.c:737-796) for a
 * guest that is not SEV-ES (sev.c:4519-4548 adds its set only then):
 * FS/GS/KERNEL_GS, SYSENTER, STAR/LSTAR/CSTAR/SFMASK, APERF/MPERF,
 * SPEC_CTRL, PRED_CMD, FLUSH_CMD, U/S_CET, PL0-3_SSP (§6c-1). LBR returns
 * early on its cache since 3fa05f96fc08 (D5): not refreshed.
 */
static const uint32_t svm619_list[] = {
	0xc0000100, 0xc0000101, 0xc0000102, 0x174, 0x175, 0x176, 0xc0000081,
	0xc0000082, 0xc0000083, 0xc0000084, 0xe8,  0xe7,  0x48,	 0x49,
	0x10b,	    0x6a0,	0x6a2,	    0x6a4, 0x6a5, 0x6a6, 0x6a7,
};

#define MT_NELEM(a) (sizeof(a) / sizeof(*(a)))

/*
 * D9: what a kernel opens when it creates a vCPU, for the configuration the
 * profiles model (C-states in the guest, no optional CPUID feature, an AMD
 * guest on SVM). VMX v5.19/v6.0 vmx_vcpu_create() (v6.0 vmx.c:7337-7353):
 * TSC R, FS/GS/KERNEL_GS RW, SYSENTER RW, C1/C3/C6/C7 R; v6.19 opens the
 * same at the first recalc (x86.c:12752, cpuid.c:465).
 */
static const struct mt_kernel_open vmx_start[] = {
	{ 0x10, MSRTRAP_READ },	       { 0xc0000100, MSRTRAP_RW },
	{ 0xc0000101, MSRTRAP_RW },    { 0xc0000102, MSRTRAP_RW },
	{ 0x174, MSRTRAP_RW },	       { 0x175, MSRTRAP_RW },
	{ 0x176, MSRTRAP_RW },	       { 0x660, MSRTRAP_READ },
	{ 0x3fc, MSRTRAP_READ },       { 0x3fd, MSRTRAP_READ },
	{ 0x3fe, MSRTRAP_READ },
};

/* SVM v5.19/v6.0: the nine "always" direct_access_msrs (D3, D9) */
static const struct mt_kernel_open svm60_start[] = {
	{ 0xc0000081, MSRTRAP_RW }, { 0x174, MSRTRAP_RW },
	{ 0xc0000101, MSRTRAP_RW }, { 0xc0000100, MSRTRAP_RW },
	{ 0xc0000102, MSRTRAP_RW }, { 0xc0000082, MSRTRAP_RW },
	{ 0xc0000083, MSRTRAP_RW }, { 0xc0000084, MSRTRAP_RW },
	{ 0xc0010130, MSRTRAP_RW },
};

/*
 * SVM v6.19 recalc, not SEV-ES (§6c-1): FS/GS/KERNEL_GS, STAR/LSTAR/CSTAR/
 * SFMASK, SYSENTER_CS, and SYSENTER_EIP/ESP for a guest whose CPUID vendor
 * is not Intel-compatible (svm.c:1150-1176).
 */
static const struct mt_kernel_open svm619_start[] = {
	{ 0xc0000100, MSRTRAP_RW }, { 0xc0000101, MSRTRAP_RW },
	{ 0xc0000102, MSRTRAP_RW }, { 0xc0000081, MSRTRAP_RW },
	{ 0xc0000082, MSRTRAP_RW }, { 0xc0000083, MSRTRAP_RW },
	{ 0xc0000084, MSRTRAP_RW }, { 0x174, MSRTRAP_RW },
	{ 0x175, MSRTRAP_RW },	    { 0x176, MSRTRAP_RW },
};

/*
 * The profiles, [kernel][svm]: the capable list, the creation set and the
 * strategy that reproduces the kernel's refresh.
 */
static const struct profile {
	const uint32_t *list;
	unsigned int nlist;
	const struct mt_kernel_open *start;
	unsigned int nstart;
	enum msrtrap_strategy strategy;
} profiles[MSRTRAP_KERNEL_V6_19 + 1][2] = {
	/* v5.19 vmx.c:3974-3995; SVM svm_msr_filter_changed() */
	[MSRTRAP_KERNEL_V5_19] = {
		{ kvm2022_list, MT_NELEM(kvm2022_list), vmx_start,
		  MT_NELEM(vmx_start), MSRTRAP_STRATEGY_REAPPLY_ALL },
		{ svm60_list, MT_NELEM(svm60_list), svm60_start,
		  MT_NELEM(svm60_start), MSRTRAP_STRATEGY_REAPPLY_ALL },
	},
	/* the seed patch was VMX-only (D3) */
	[MSRTRAP_KERNEL_V6_0] = {
		{ kvm2022_list, MT_NELEM(kvm2022_list), vmx_start,
		  MT_NELEM(vmx_start), MSRTRAP_STRATEGY_SKIP_INTERCEPTED },
		{ svm60_list, MT_NELEM(svm60_list), svm60_start,
		  MT_NELEM(svm60_start), MSRTRAP_STRATEGY_REAPPLY_ALL },
	},
	/* the recalc: same bits as recompute, per-MSR counters (D4) */
	[MSRTRAP_KERNEL_V6_19] = {
		{ vmx619_list, MT_NELEM(vmx619_list), vmx_start,
		  MT_NELEM(vmx_start), MSRTRAP_STRATEGY_RECOMPUTE },
		{ svm619_list, MT_NELEM(svm619_list), svm619_start,
		  MT_NELEM(svm619_start), MSRTRAP_STRATEGY_RECOMPUTE },
	},
};

/* The profile of a kernel, NULL for none. */
static const struct profile *profile_of(enum msrtrap_kernel k,
					enum msrtrap_format fmt)
{
	if (k < MSRTRAP_KERNEL_V5_19 || k > MSRTRAP_KERNEL_V6_19)
		return 0;
	return &profiles[k][fmt == MSRTRAP_FMT_SVM];
}

int mt_kernel_strategy(enum msrtrap_kernel k, enum msrtrap_format fmt)
{
	const struct profile *p = profile_of(k, fmt);

	return p ? (int)p->strategy : -1;
}

const struct mt_kernel_open *mt_kernel_start(enum msrtrap_kernel k,
					     enum msrtrap_format fmt,
					     unsigned int *n)
{
	const struct profile *p = profile_of(k, fmt);

	*n = p ? p->nstart : 0;
	return p ? p->start : 0;
}

/*
 * MSRs is_valid_passthrough_msr() accepted without a slot in June 2022
 * (handled by the x2APIC, Intel PT and LBR code): disabling them did not
 * WARN. Inclusive intervals.
 */
static const uint32_t no_slot_ok[][2] = {
	{ MSRTRAP_X2APIC_FIRST, MSRTRAP_X2APIC_LAST },
	{ 0x560, 0x561 },   /* RTIT_OUTPUT_BASE, RTIT_OUTPUT_MASK */
	{ 0x571, 0x572 },   /* RTIT_STATUS, RTIT_CR3_MATCH */
	{ 0x580, 0x587 },   /* RTIT_ADDR0_A .. RTIT_ADDR3_B */
	{ 0x1c8, 0x1c9 },   /* LBR_SELECT, LBR_TOS */
	{ 0xdc0, 0xddf },   /* LBR_INFO_0 .. +31 */
	{ 0x680, 0x69f },   /* LASTBRANCH_0_FROM_IP .. +31 */
	{ 0x6c0, 0x6df },   /* LASTBRANCH_0_TO_IP .. +31 */
	/*
	 * Core LBR: inclusive case ranges base..base+8, nine MSRs each
	 * (kvm-versions.md D1, v6.0 vmx.c:639-640)
	 */
	{ 0x40, 0x48 },	    /* LBR_CORE_FROM .. +8 */
	{ 0x60, 0x68 },	    /* LBR_CORE_TO .. +8 */
};

static bool warns_when_unlisted(uint32_t msr)
{
	for (unsigned int i = 0; i < sizeof(no_slot_ok) / sizeof(*no_slot_ok); i++)
		if (msr >= no_slot_ok[i][0] && msr <= no_slot_ok[i][1])
			return false;
	return true;
}

/* Span index of a representable MSR, or -1. */
static int span_index(const struct mt_vcpu *v, uint32_t msr)
{
	for (unsigned int s = 0; s < v->nspans; s++)
		if (msr - v->span[s].first < MT_SPAN_MSRS)
			return (int)s;
	return -1;
}

void mt_engine_capable(enum msrtrap_format fmt, enum msrtrap_passthrough pt,
		       enum msrtrap_kernel kernel,
		       uint64_t capable[MT_MAX_SPANS][MT_SPAN_WORDS])
{
	const uint32_t *list = kvm2022_list;
	unsigned int n = MT_NELEM(kvm2022_list);
	struct mt_span_geom g;

	if (kernel != MSRTRAP_KERNEL_NONE) {
		const struct profile *p = profile_of(kernel, fmt);

		list = p ? p->list : 0;
		n = p ? p->nlist : 0;
		pt = MSRTRAP_PASSTHROUGH_KVM2022; /* a list, not "all" */
	}

	for (unsigned int s = 0; s < MT_MAX_SPANS; s++)
		for (unsigned int w = 0; w < MT_SPAN_WORDS; w++)
			capable[s][w] = pt == MSRTRAP_PASSTHROUGH_ALL &&
						mt_layout_span(fmt, s, &g) == 0 ?
						~0ULL : 0;
	if (pt != MSRTRAP_PASSTHROUGH_KVM2022)
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t msr = list[i];

		for (unsigned int s = 0; mt_layout_span(fmt, s, &g) == 0; s++) {
			uint32_t off = msr - g.first;

			if (off < MT_SPAN_MSRS)
				capable[s][off / 64] |= 1ULL << (off % 64);
		}
	}
}

int mt_vcpu_init(struct mt_vcpu *v, enum msrtrap_format fmt,
		 enum msrtrap_passthrough pt, enum msrtrap_kernel kernel,
		 const uint64_t (*capable)[MT_SPAN_WORDS], void *hw)
{
	int err = msrtrap_raw_init(fmt, hw);

	if (err)
		return err;
	v->fmt = fmt;
	v->passthrough = pt;
	v->kernel = kernel;
	v->capable = capable;
	v->hw = hw;
	v->nspans = 0;
	while (v->nspans < MT_MAX_SPANS &&
	       mt_layout_span(fmt, v->nspans, &v->span[v->nspans]) == 0)
		v->nspans++;
	for (unsigned int s = 0; s < MT_MAX_SPANS; s++)
		for (unsigned int d = 0; d < 2; d++)
			for (unsigned int w = 0; w < MT_SPAN_WORDS; w++)
				v->wish[s][d][w] = ~0ULL;
	mt_vcpu_stats_reset(v);
	return 0;
}

/* Field by field: a struct assignment is a memset/memcpy call at -O0. */
void mt_vcpu_stats_reset(struct mt_vcpu *v)
{
	v->stats.lookups = 0;
	v->stats.words_written = 0;
	v->stats.bits_changed = 0;
	v->stats.notifications = 0;
	v->stats.warnings = 0;
	v->stats.refreshes = 0;
}

static MT_ALWAYS_INLINE bool is_capable(const struct mt_vcpu *v, unsigned int s,
			      uint32_t off)
{
	return (v->capable[s][off / 64] >> (off % 64)) & 1;
}

/* ---- per-MSR hardware updates (the per-MSR strategies and intercept ops) */

/*
 * One intercept bit, addressed from its span: bit[d] + off * stride (one
 * bit per MSR and direction on VMX, SDM 25.6.9; two adjacent bits, read
 * then write, on SVM, APM 15.11), least significant bit first in a byte.
 */
static MT_ALWAYS_INLINE void hw_put(struct mt_vcpu *v, unsigned int s, uint32_t off,
		   unsigned int d, bool intercept)
{
	uint32_t bit = v->span[s].bit[d] + off * v->span[s].stride;
	uint8_t *byte = &v->hw[bit / 8], mask = (uint8_t)(1u << (bit % 8));
	bool old = *byte & mask;

	*byte = intercept ? (uint8_t)(*byte | mask) : (uint8_t)(*byte & ~mask);
	v->stats.words_written++;
	v->stats.bits_changed += old != intercept;
}

/* vmx_enable_intercept_for_msr() for one direction (§4.3). */
static MT_ALWAYS_INLINE void enable_one(struct mt_vcpu *v, int s, uint32_t msr,
		       enum msrtrap_access access)
{
	uint32_t off = msr - v->span[s].first;
	unsigned int d = access - 1;

	v->stats.notifications++; /* vmx_msr_bitmap_l01_changed() */
	if (is_capable(v, (unsigned int)s, off))
		v->wish[s][d][off / 64] |= 1ULL << (off % 64);
	hw_put(v, (unsigned int)s, off, d, true);
}

/* vmx_disable_intercept_for_msr() for one direction (§4.2). */
static MT_ALWAYS_INLINE void disable_one(struct mt_vcpu *v, int s, uint32_t msr,
			enum msrtrap_access access, const struct mt_cfilter *cf)
{
	uint32_t off = msr - v->span[s].first;
	unsigned int d = access - 1;
	bool allowed;

	v->stats.notifications++;
	/*
	 * The hardware bit now follows the filter in force, whose generation
	 * is at least the vCPU's last synced one; any later verdict change is
	 * in the change log the next delta sync reads, so nothing needs to
	 * remember this write.
	 */
	if (is_capable(v, (unsigned int)s, off))
		v->wish[s][d][off / 64] &= ~(1ULL << (off % 64));
	v->stats.lookups++;
	allowed = mt_cfilter_allowed(cf, msr, access);
	hw_put(v, (unsigned int)s, off, d, !allowed);
}

/* Does a call on this MSR, which is not in the capable list, WARN? */
static bool warns_unlisted(const struct mt_vcpu *v, uint32_t msr)
{
	switch (v->kernel) {
	case MSRTRAP_KERNEL_NONE:
		/*
		 * June 2022: enable and disable share the preamble that looks
		 * the MSR up in the list, and is_valid_passthrough_msr() WARNs
		 * ("please adapt vmx_possible_passthrough_msrs") for an MSR
		 * that is neither listed nor handled by x2APIC/PT/LBR code.
		 */
		return v->passthrough == MSRTRAP_PASSTHROUGH_KVM2022 &&
		       warns_when_unlisted(msr);
	case MSRTRAP_KERNEL_V5_19:
	case MSRTRAP_KERNEL_V6_0:
		/* SVM: WARN_ON for any unlisted MSR, no exemption (D3,
		 * v6.0 svm.c:759); VMX as above (§2 "WARN") */
		return v->fmt == MSRTRAP_FMT_SVM || warns_when_unlisted(msr);
	case MSRTRAP_KERNEL_V6_19:
		break; /* no list to miss: the 6.17 recalc dropped it (D4, D7) */
	}
	return false;
}

int mt_vcpu_intercept(struct mt_vcpu *v, const struct mt_cfilter *cf,
		      uint32_t first, uint32_t last, enum msrtrap_access access,
		      bool intercept)
{
	int s;

	if (access < MSRTRAP_READ || access > MSRTRAP_RW || first > last)
		return -MT_EINVAL;
	s = span_index(v, first);
	if (s < 0 || last - v->span[s].first >= MT_SPAN_MSRS)
		return -MT_ERANGE;
	for (uint64_t m = first; m <= last; m++) {
		uint32_t msr = (uint32_t)m;

		if (!is_capable(v, (unsigned int)s, msr - v->span[s].first) &&
		    warns_unlisted(v, msr))
			v->stats.warnings++;
		/* one KVM call per MSR: one notification, whatever the access */
		if (intercept) {
			if (access & MSRTRAP_READ)
				enable_one(v, s, msr, MSRTRAP_READ);
			if (access & MSRTRAP_WRITE)
				enable_one(v, s, msr, MSRTRAP_WRITE);
			v->stats.notifications -= access == MSRTRAP_RW;
			continue;
		}
		if (access & MSRTRAP_READ)
			disable_one(v, s, msr, MSRTRAP_READ, cf);
		if (access & MSRTRAP_WRITE)
			disable_one(v, s, msr, MSRTRAP_WRITE, cf);
		v->stats.notifications -= access == MSRTRAP_RW;
	}
	return 0;
}

int mt_vcpu_wish(const struct mt_vcpu *v, uint32_t msr,
		 enum msrtrap_access access)
{
	int s = span_index(v, msr);
	uint32_t off;

	if (access != MSRTRAP_READ && access != MSRTRAP_WRITE)
		return -MT_EINVAL;
	if (s < 0)
		return -MT_ENOENT;
	off = msr - v->span[s].first;
	if (!is_capable(v, (unsigned int)s, off))
		return -MT_ENOENT;
	return (int)((v->wish[s][access - 1][off / 64] >> (off % 64)) & 1);
}

/* D9: the kernel opens it at creation (wish only; hardware untouched). */
void mt_vcpu_wish_pass(struct mt_vcpu *v, uint32_t msr,
		       enum msrtrap_access access)
{
	int s = span_index(v, msr);
	uint32_t off;

	if (s < 0)
		return;
	off = msr - v->span[s].first;
	if (!is_capable(v, (unsigned int)s, off))
		return;
	for (unsigned int d = 0; d < 2; d++)
		if (access & (d + 1))
			v->wish[s][d][off / 64] &= ~(1ULL << (off % 64));
}

/* ---- MSR-word access to the hardware bitmap (the word strategies) ---- */

/*
 * A span is one compiled-filter block (8192 MSRs from an aligned first
 * MSR: SDM 25.6.9, APM 15.11), so one mt_cfilter_row() serves a span.
 */
_Static_assert(MT_SPAN_WORDS == MT_CF_BLOCK_WORDS, "a span is a filter block");

/* Even bits of x, packed into the low 32 bits. */
static uint64_t compact_even(uint64_t x)
{
	x &= 0x5555555555555555ULL;
	x = (x | (x >> 1)) & 0x3333333333333333ULL;
	x = (x | (x >> 2)) & 0x0f0f0f0f0f0f0f0fULL;
	x = (x | (x >> 4)) & 0x00ff00ff00ff00ffULL;
	x = (x | (x >> 8)) & 0x0000ffff0000ffffULL;
	x = (x | (x >> 16)) & 0x00000000ffffffffULL;
	return x;
}

/* The low 32 bits of x, spread to the even bits. */
static uint64_t spread_even(uint64_t x)
{
	x &= 0x00000000ffffffffULL;
	x = (x | (x << 16)) & 0x0000ffff0000ffffULL;
	x = (x | (x << 8)) & 0x00ff00ff00ff00ffULL;
	x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0fULL;
	x = (x | (x << 2)) & 0x3333333333333333ULL;
	x = (x | (x << 1)) & 0x5555555555555555ULL;
	return x;
}

/* Intercept bits of MSRs first(s)+64w .. +63 for direction d. */
static uint64_t hw_word_get(const struct mt_vcpu *v, unsigned int s,
			    unsigned int d, unsigned int w)
{
	const struct mt_span_geom *g = &v->span[s];

	if (g->stride == 1)
		return mt_load64(v->hw, g->bit[d] / 64 + w);
	/* SVM: 64 MSRs are 128 interleaved bits, read even, write odd */
	{
		uint32_t base = (g->bit[0] + 128 * w) / 64;

		return compact_even(mt_load64(v->hw, base) >> d) |
		       compact_even(mt_load64(v->hw, base + 1) >> d) << 32;
	}
}

/* Replace the bits of `mask` in that word with those of `value`. */
static void hw_word_put(struct mt_vcpu *v, unsigned int s, unsigned int d,
			unsigned int w, uint64_t value, uint64_t mask)
{
	const struct mt_span_geom *g = &v->span[s];

	if (g->stride == 1) {
		uint32_t i = g->bit[d] / 64 + w;
		uint64_t old = mt_load64(v->hw, i);

		mt_store64(v->hw, i, (old & ~mask) | (value & mask));
		v->stats.words_written++;
		return;
	}
	for (unsigned int half = 0; half < 2; half++) {
		uint32_t i = (g->bit[0] + 128 * w) / 64 + half;
		uint64_t m = spread_even(mask >> (32 * half)) << d;
		uint64_t val = spread_even(value >> (32 * half)) << d;
		uint64_t old;

		if (!m)
			continue;
		old = mt_load64(v->hw, i);
		mt_store64(v->hw, i, (old & ~m) | (val & m));
		v->stats.words_written++;
	}
}

/*
 * Recompute one word: capable bits become wish OR denied, the others keep
 * their value. Returns whether anything changed.
 */
static bool recompute_word(struct mt_vcpu *v, const struct mt_cf_row *row,
			   unsigned int s, unsigned int d, unsigned int w)
{
	uint64_t cap = v->capable[s][w], allowed, want, old, diff;

	if (!cap)
		return false;
	v->stats.lookups++;
	allowed = mt_cf_row_word(row, w);
	want = v->wish[s][d][w] | ~allowed;
	old = hw_word_get(v, s, d, w);
	diff = (old ^ want) & cap;
	if (!diff)
		return false;
	hw_word_put(v, s, d, w, want, diff);
	v->stats.bits_changed += mt_popcount64(diff);
	return true;
}

static void refresh_words(struct mt_vcpu *v, const struct mt_cfilter *cf,
			  const struct mt_wordset *only)
{
	bool changed = false;

	for (unsigned int s = 0; s < v->nspans; s++)
		for (unsigned int d = 0; d < 2; d++) {
			struct mt_cf_row row;

			mt_cfilter_row(cf, v->span[s].first, d + 1, &row);
			for (unsigned int w = 0; w < MT_SPAN_WORDS; w++) {
				if (only && !(only->words[s][d][w / 64] >> (w % 64) & 1))
					continue;
				changed |= recompute_word(v, &row, s, d, w);
			}
		}
	/* one "bitmap changed" signal per refresh that changed anything */
	v->stats.notifications += changed;
}

/*
 * Per-MSR strategies: walk the capable MSRs, as KVM walked its list, one
 * call per MSR and direction. Deliberately not a word at a time: the walk
 * is the cost these strategies stand for (docs/benchmarks.md's refresh
 * table measures it against recompute and delta).
 */
static void refresh_msrs(struct mt_vcpu *v, const struct mt_cfilter *cf,
			 bool skip_intercepted)
{
	for (unsigned int s = 0; s < v->nspans; s++)
		for (unsigned int w = 0; w < MT_SPAN_WORDS; w++) {
			uint64_t cap = v->capable[s][w];

			while (cap) {
				unsigned int b = mt_ctz64(cap);
				uint32_t msr = v->span[s].first + 64 * w + b;

				cap &= cap - 1;
				for (unsigned int d = 0; d < 2; d++) {
					bool wish = (v->wish[s][d][w] >> b) & 1;

					if (!wish)
						disable_one(v, (int)s, msr, d + 1, cf);
					else if (!skip_intercepted)
						enable_one(v, (int)s, msr, d + 1);
				}
			}
		}
}

/*
 * One kernel call per capable MSR, both directions at once: SVM v5.19/v6.0
 * svm_msr_filter_changed() re-applies every direct_access_msrs[] entry
 * (svm.c:846-863, one notification per MSR, D3), and the 6.17+ recalc
 * calls the set-intercept helper per MSR (v6.19 vmx.c:4130-4153,
 * svm.c:666-688, D4): every call notifies, and the filter is asked only
 * for the directions wished open (the intercepted ones short-circuit).
 */
static void refresh_per_call(struct mt_vcpu *v, const struct mt_cfilter *cf)
{
	for (unsigned int s = 0; s < v->nspans; s++)
		for (unsigned int w = 0; w < MT_SPAN_WORDS; w++) {
			uint64_t cap = v->capable[s][w];

			while (cap) {
				unsigned int b = mt_ctz64(cap);
				uint32_t msr = v->span[s].first + 64 * w + b;

				cap &= cap - 1;
				v->stats.notifications++;
				for (unsigned int d = 0; d < 2; d++) {
					bool icpt = (v->wish[s][d][w] >> b) & 1;

					if (!icpt) {
						v->stats.lookups++;
						icpt = !mt_cfilter_allowed(
							cf, msr, d + 1);
					}
					hw_put(v, s, 64 * w + b, d, icpt);
				}
			}
		}
}

/*
 * v5.19 vmx_msr_filter_changed() ends with pt_update_intercept_for_msr()
 * (v5.19 vmx.c:3938, 3974-3995; kvm-versions.md D2), unconditionally:
 * RTIT_STATUS, OUTPUT_BASE, OUTPUT_MASK and CR3_MATCH, each one RW call
 * that intercepts while RTIT_CTL.TraceEn is 0 (the guest has not traced;
 * num_address_ranges 0). So 4 enable calls: 4 notifications, no look-up.
 */
static void refresh_pt_v5_19(struct mt_vcpu *v)
{
	static const uint32_t pt[] = { 0x571, 0x560, 0x561, 0x572 };

	for (unsigned int i = 0; i < MT_NELEM(pt); i++) {
		enable_one(v, 0, pt[i], MSRTRAP_READ);
		enable_one(v, 0, pt[i], MSRTRAP_WRITE);
		v->stats.notifications--; /* one RW call */
	}
}

static void refresh_kernel(struct mt_vcpu *v, const struct mt_cfilter *cf)
{
	if (v->fmt == MSRTRAP_FMT_SVM || v->kernel == MSRTRAP_KERNEL_V6_19) {
		refresh_per_call(v, cf);
		return;
	}
	/* VMX v5.19 re-applies both directions as separate calls, v6.0
	 * (the seed patch) only disables where the shadow is pass (§2) */
	refresh_msrs(v, cf, v->kernel == MSRTRAP_KERNEL_V6_0);
	if (v->kernel == MSRTRAP_KERNEL_V5_19)
		refresh_pt_v5_19(v);
}

/*
 * An APIC mode or APICv change (<msrtrap/x2apic.h>): the kernel's x2APIC
 * update on the hardware bitmap, its notifications counted; then the
 * wishes of the x2APIC MSRs this vCPU's list holds follow the bits, so a
 * later refresh (which re-applies wish OR denied, and the filter never
 * denies x2APIC) keeps them — what KVM's shadow does for the 24 x2AVIC
 * MSRs of v6.0 SVM's direct_access_msrs.
 */
int mt_vcpu_x2apic(struct mt_vcpu *v, enum msrtrap_kernel kernel,
		   unsigned int flags, struct msrtrap_x2apic_state *state)
{
	const unsigned int first = (MSRTRAP_X2APIC_FIRST - v->span[0].first) / 64,
			   last = (MSRTRAP_X2APIC_LAST - v->span[0].first) / 64;
	int rc = msrtrap_x2apic_update(v->fmt, kernel, flags, state, v->hw);

	if (rc <= 0)
		return rc;
	v->stats.notifications += (uint64_t)rc;
	for (unsigned int d = 0; d < 2; d++)
		for (unsigned int w = first; w <= last; w++) {
			uint64_t cap = v->capable[0][w];

			v->wish[0][d][w] = (v->wish[0][d][w] & ~cap) |
					   (hw_word_get(v, 0, d, w) & cap);
		}
	return rc;
}

void mt_vcpu_refresh(struct mt_vcpu *v, enum msrtrap_strategy strategy,
		     const struct mt_cfilter *cf,
		     const struct mt_wordset *changed)
{
	if (v->kernel != MSRTRAP_KERNEL_NONE) {
		refresh_kernel(v, cf);
		v->stats.refreshes++;
		return;
	}
	switch (strategy) {
	case MSRTRAP_STRATEGY_REAPPLY_ALL:
		refresh_msrs(v, cf, false);
		break;
	case MSRTRAP_STRATEGY_SKIP_INTERCEPTED:
		refresh_msrs(v, cf, true);
		break;
	case MSRTRAP_STRATEGY_RECOMPUTE:
		refresh_words(v, cf, 0);
		break;
	case MSRTRAP_STRATEGY_DELTA:
		refresh_words(v, cf, changed);
		break;
	}
	v->stats.refreshes++;
}

void mt_filter_word_diff(enum msrtrap_format fmt, const struct mt_cfilter *a,
			 const struct mt_cfilter *b, struct mt_wordset *out)
{
	struct mt_span_geom g;
	struct mt_cf_row ra, rb;

	for (unsigned int s = 0; s < MT_MAX_SPANS; s++)
		for (unsigned int d = 0; d < 2; d++) {
			out->words[s][d][0] = out->words[s][d][1] = 0;
			if (mt_layout_span(fmt, s, &g))
				continue;
			mt_cfilter_row(a, g.first, d + 1, &ra);
			mt_cfilter_row(b, g.first, d + 1, &rb);
			if (!ra.words && !rb.words && ra.uniform == rb.uniform)
				continue; /* no range in this span in either */
			for (unsigned int w = 0; w < MT_SPAN_WORDS; w++)
				if (mt_cf_row_word(&ra, w) != mt_cf_row_word(&rb, w))
					out->words[s][d][w / 64] |= 1ULL << (w % 64);
		}
}
