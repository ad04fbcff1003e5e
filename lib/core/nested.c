// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Nested MSR maps, freestanding: the L2 map KVM builds from L0's map and
 * L1's, and which L2 exits go to L1 (<msrtrap/nested.h>). The rules are
 * those of the kernel audit (kvm-versions.md §6b, whose invariant
 * numbers the tests cite): nVMX nested_vmx_prepare_msr_bitmap() and
 * nested_vmx_exit_handled_msr() (invariants N1-N9), nSVM
 * nested_svm_merge_msrpm() and nested_svm_exit_handled_msr() (M1-M5).
 */
#include <msrtrap/map.h>
#include <msrtrap/nested.h>

#include "core.h"

/* One (MSR, accesses) that nVMX merges as l0 | l1. */
struct merged {
	uint32_t msr;
	uint8_t access;
	uint8_t since_v6_19; /* not merged in v6.0 */
};

/* nested_vmx_prepare_msr_bitmap()'s list (v6.0 and v6.19 vmx/nested.c) */
static const struct merged vmx_merged[] = {
	{ 0xc0000100, MSRTRAP_RW, 0 },	  /* FS_BASE */
	{ 0xc0000101, MSRTRAP_RW, 0 },	  /* GS_BASE */
	{ 0xc0000102, MSRTRAP_RW, 0 },	  /* KERNEL_GS_BASE */
	{ 0x48, MSRTRAP_RW, 0 },	  /* SPEC_CTRL */
	{ 0x49, MSRTRAP_WRITE, 0 },	  /* PRED_CMD */
	{ 0x10b, MSRTRAP_WRITE, 1 },	  /* FLUSH_CMD */
	{ 0xe8, MSRTRAP_READ, 1 },	  /* APERF */
	{ 0xe7, MSRTRAP_READ, 1 },	  /* MPERF */
	{ 0x6a0, MSRTRAP_RW, 1 },	  /* U_CET */
	{ 0x6a2, MSRTRAP_RW, 1 },	  /* S_CET */
	{ 0x6a4, MSRTRAP_RW, 1 },	  /* PL0_SSP */
	{ 0x6a5, MSRTRAP_RW, 1 },	  /* PL1_SSP */
	{ 0x6a6, MSRTRAP_RW, 1 },	  /* PL2_SSP */
	{ 0x6a7, MSRTRAP_RW, 1 },	  /* PL3_SSP */
};

/*
 * nSVM's merged chunks, as byte offsets into the 8 KiB MSRPM and a length:
 * v6.0 merged the 4-byte words holding its direct-access MSRs (x2APIC's
 * words 128-131 left out), 6.17+ a fixed table of 8-byte chunks.
 */
static const uint16_t svm_words_v6_0[] = { 4, 23, 29, 39, 520, 528, 1043 };
static const uint16_t svm_chunks_v6_19[] = { 2, 7, 8, 11, 14, 260, 264 };

static const uint32_t x2apic_tpr = 0x808, x2apic_eoi = 0x80b,
		      x2apic_self_ipi = 0x83f;

static bool overlap(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	return p < q + n && q < p + n;
}

static void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

/* msrtrap_raw_test() as 0/1 for one access */
static int bit(enum msrtrap_format fmt, const void *map, uint32_t msr,
	       enum msrtrap_access access)
{
	return msrtrap_raw_test(fmt, map, msr, access) == (int)access;
}

static void put(enum msrtrap_format fmt, void *map, uint32_t msr,
		enum msrtrap_access access, int intercept)
{
	if (intercept)
		msrtrap_raw_set(fmt, map, msr, access);
	else
		msrtrap_raw_clear(fmt, map, msr, access);
}

/* Steps 4-5 of the nVMX merge: only ever opening, never from l0. */
static void vmx_x2apic(unsigned int controls, const void *l1, void *out)
{
	const enum msrtrap_format fmt = MSRTRAP_FMT_VMX;

	if (!(controls & MSRTRAP_NESTED_VIRT_X2APIC))
		return; /* N4: every x2APIC bit stays 1 */
	if (controls & MSRTRAP_NESTED_APIC_REG_VIRT)
		for (uint32_t m = MSRTRAP_X2APIC_FIRST; m <= MSRTRAP_X2APIC_LAST; m++)
			put(fmt, out, m, MSRTRAP_READ, bit(fmt, l1, m, MSRTRAP_READ));
	/* N6: the CVE-2019-3887 fix opens TPR, EOI, SELF_IPI from l1 alone */
	if (!bit(fmt, l1, x2apic_tpr, MSRTRAP_READ))
		put(fmt, out, x2apic_tpr, MSRTRAP_READ, 0);
	if (!bit(fmt, l1, x2apic_tpr, MSRTRAP_WRITE))
		put(fmt, out, x2apic_tpr, MSRTRAP_WRITE, 0);
	if (controls & MSRTRAP_NESTED_VID) {
		if (!bit(fmt, l1, x2apic_eoi, MSRTRAP_WRITE))
			put(fmt, out, x2apic_eoi, MSRTRAP_WRITE, 0);
		if (!bit(fmt, l1, x2apic_self_ipi, MSRTRAP_WRITE))
			put(fmt, out, x2apic_self_ipi, MSRTRAP_WRITE, 0);
	}
}

static int vmx_merge(enum msrtrap_kernel kernel, unsigned int controls,
		     const void *l0, const void *l1, void *out)
{
	const enum msrtrap_format fmt = MSRTRAP_FMT_VMX;

	msrtrap_raw_init(fmt, out);
	if (!(controls & MSRTRAP_NESTED_MSR_BITMAPS))
		return 0; /* N1: no bitmap in vmcs02, every access exits */
	vmx_x2apic(controls, l1, out);
	/* N2/N3: the merged list, l0 | l1; the rest stays intercepted */
	for (size_t i = 0; i < sizeof(vmx_merged) / sizeof(vmx_merged[0]); i++) {
		const struct merged *e = &vmx_merged[i];

		if (e->since_v6_19 && kernel < MSRTRAP_KERNEL_V6_19)
			continue;
		for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++)
			if (e->access & a)
				put(fmt, out, e->msr, a,
				    bit(fmt, l0, e->msr, a) | bit(fmt, l1, e->msr, a));
	}
	return 1;
}

static int svm_merge(enum msrtrap_kernel kernel, unsigned int controls,
		     const uint8_t *l0, const uint8_t *l1, uint8_t *out)
{
	const uint16_t *chunk = kernel >= MSRTRAP_KERNEL_V6_19 ? svm_chunks_v6_19 :
								 svm_words_v6_0;
	size_t len = kernel >= MSRTRAP_KERNEL_V6_19 ? 8 : 4;

	if (!(controls & MSRTRAP_NESTED_MSR_PROT)) {
		/* M1: vmcb02 points at vmcb01's MSRPM */
		copy_bytes(out, l0, MSRTRAP_SVM_MSRPM_SIZE);
		return 0;
	}
	msrtrap_raw_init(MSRTRAP_FMT_SVM, out); /* M3 */
	for (size_t c = 0; c < 7; c++) /* M2: whole chunks */
		for (size_t i = chunk[c] * len; i < (chunk[c] + 1) * len; i++)
			out[i] = l0[i] | l1[i];
	return 1;
}

int msrtrap_nested_merge(enum msrtrap_format fmt, enum msrtrap_kernel kernel,
			 unsigned int controls, const void *l0, const void *l1,
			 void *out)
{
	size_t size = msrtrap_format_size(fmt);

	if (!size || !l0 || !l1 || !out || (controls & ~MSRTRAP_NESTED_ALL_CONTROLS))
		return -MT_EINVAL;
	if (kernel != MSRTRAP_KERNEL_V6_0 && kernel != MSRTRAP_KERNEL_V6_19)
		return -MT_EINVAL;
	if (overlap(out, l0, size) || overlap(out, l1, size))
		return -MT_EINVAL;
	if (fmt == MSRTRAP_FMT_VMX)
		return vmx_merge(kernel, controls, l0, l1, out);
	return svm_merge(kernel, controls, l0, l1, out);
}

int msrtrap_nested_reflect(enum msrtrap_format fmt, unsigned int controls,
			   const void *l1, uint32_t msr,
			   enum msrtrap_access access)
{
	if ((fmt != MSRTRAP_FMT_VMX && fmt != MSRTRAP_FMT_SVM) ||
	    (access != MSRTRAP_READ && access != MSRTRAP_WRITE) ||
	    (controls & ~MSRTRAP_NESTED_ALL_CONTROLS))
		return -MT_EINVAL;
	if (fmt == MSRTRAP_FMT_VMX) {
		uint32_t index = msr;

		if (!(controls & MSRTRAP_NESTED_MSR_BITMAPS))
			return 1; /* N1 */
		/* N9: "at least 0xc0000000" is the high range, then < 0x2000 */
		if (index >= 0xc0000000u)
			index -= 0xc0000000u;
		if (index >= 0x2000)
			return 1;
		if (!l1)
			return -MT_EINVAL;
		return bit(fmt, l1, msr, access);
	}
	if (!(controls & MSRTRAP_NESTED_MSR_PROT))
		return 0; /* M1 */
	if (!msrtrap_format_covers(fmt, msr))
		return 1; /* M4 */
	if (!l1)
		return -MT_EINVAL;
	return bit(fmt, l1, msr, access);
}
