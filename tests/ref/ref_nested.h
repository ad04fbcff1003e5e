/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deliberately simple reference of nested MSR map merging and exit
 * reflection, written from the procedures and invariants of
 * ../shared/spec/kvm-versions.md §6b (nVMX N1-N9, nSVM M1-M5) and
 * independent of lib/core/nested.c: one (MSR, direction) at a time, the
 * merged sets as the MSR names and ranges the audit lists (not the
 * kernel's chunk indices), bits through ref_map.h.
 */
#ifndef MSRTRAP_REF_NESTED_H
#define MSRTRAP_REF_NESTED_H

#include <msrtrap/nested.h>

#include "ref_map.h"

/* nVMX step 6: is (msr, write?) merged as B01 | B12 by this kernel? */
static inline bool ref_vmx_merged(enum msrtrap_kernel k, uint32_t msr, bool write)
{
	bool v619 = k == MSRTRAP_KERNEL_V6_19;

	switch (msr) {
	case 0xc0000100: /* FS_BASE */
	case 0xc0000101: /* GS_BASE */
	case 0xc0000102: /* KERNEL_GS_BASE */
	case 0x48:	 /* SPEC_CTRL */
		return true;
	case 0x49: /* PRED_CMD */
		return write;
	case 0x10b: /* FLUSH_CMD */
		return v619 && write;
	case 0xe7: /* MPERF */
	case 0xe8: /* APERF */
		return v619 && !write;
	case 0x6a0: /* U_CET */
	case 0x6a2: /* S_CET */
	case 0x6a4: /* PL0_SSP */
	case 0x6a5: /* PL1_SSP */
	case 0x6a6: /* PL2_SSP */
	case 0x6a7: /* PL3_SSP */
		return v619;
	default:
		return false;
	}
}

/* nSVM: is msr in a chunk the merge ORs (the audit's covered ranges)? */
static inline bool ref_svm_merged(enum msrtrap_kernel k, uint32_t msr)
{
	static const uint32_t v6_0[][2] = {
		{ 0x40, 0x4f },		{ 0x170, 0x17f },	  { 0x1d0, 0x1df },
		{ 0x270, 0x27f },	{ 0xc0000080, 0xc000008f }, { 0xc0000100, 0xc000010f },
		{ 0xc0010130, 0xc001013f },
	};
	static const uint32_t v6_19[][2] = {
		{ 0x40, 0x5f },		{ 0xe0, 0xff },		  { 0x100, 0x11f },
		{ 0x160, 0x17f },	{ 0x1c0, 0x1df },	  { 0xc0000080, 0xc000009f },
		{ 0xc0000100, 0xc000011f },
	};
	const uint32_t(*r)[2] = k == MSRTRAP_KERNEL_V6_19 ? v6_19 : v6_0;

	for (int i = 0; i < 7; i++)
		if (msr >= r[i][0] && msr <= r[i][1])
			return true;
	return false;
}

/* The L2 map's bit for a covered (msr, write?): 1 = intercept. */
static inline int ref_l2_bit(enum msrtrap_format fmt, enum msrtrap_kernel k,
			     unsigned int c, const uint8_t *l0, const uint8_t *l1,
			     uint32_t msr, bool write)
{
	if (fmt == MSRTRAP_FMT_SVM) {
		if (!(c & MSRTRAP_NESTED_MSR_PROT))
			return ref_test(fmt, l0, msr, write); /* M1: P01 */
		if (ref_svm_merged(k, msr))		      /* M2 */
			return ref_test(fmt, l0, msr, write) | ref_test(fmt, l1, msr, write);
		return 1; /* M3 */
	}
	if (!(c & MSRTRAP_NESTED_MSR_BITMAPS))
		return 1; /* N1 */
	if (msr >= 0x800 && msr <= 0x8ff) {
		/* N4-N6: B01 never consulted; only B12 opens */
		bool virt = c & MSRTRAP_NESTED_VIRT_X2APIC;

		if (virt && !write && (c & MSRTRAP_NESTED_APIC_REG_VIRT))
			return ref_test(fmt, l1, msr, false); /* N5 */
		if (virt && msr == 0x808)		      /* TPR R and W */
			return ref_test(fmt, l1, msr, write);
		if (virt && write && (c & MSRTRAP_NESTED_VID) &&
		    (msr == 0x80b || msr == 0x83f)) /* EOI, SELF_IPI */
			return ref_test(fmt, l1, msr, true);
		return 1;
	}
	if (ref_vmx_merged(k, msr, write)) /* N2 */
		return ref_test(fmt, l0, msr, write) | ref_test(fmt, l1, msr, write);
	return 1; /* N3 */
}

/* What msrtrap_nested_merge() returns: is a merged map in use? */
static inline int ref_l2_in_use(enum msrtrap_format fmt, unsigned int c)
{
	return fmt == MSRTRAP_FMT_SVM ? !!(c & MSRTRAP_NESTED_MSR_PROT) :
					!!(c & MSRTRAP_NESTED_MSR_BITMAPS);
}

/* N9 / M4: does an L2 exit on (msr, write?) go to L1? */
static inline int ref_reflect(enum msrtrap_format fmt, unsigned int c,
			      const uint8_t *l1, uint32_t msr, bool write)
{
	if (fmt == MSRTRAP_FMT_SVM) {
		if (!(c & MSRTRAP_NESTED_MSR_PROT))
			return 0;
		return ref_covers(fmt, msr) ? ref_test(fmt, l1, msr, write) : 1;
	}
	if (!(c & MSRTRAP_NESTED_MSR_BITMAPS))
		return 1;
	if (msr <= 0x1fff || (msr >= 0xc0000000 && msr <= 0xc0001fff))
		return ref_test(fmt, l1, msr, write);
	return 1;
}

#endif
