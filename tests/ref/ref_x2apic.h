/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deliberately simple reference of KVM's x2APIC intercept modes, written
 * from kvm-versions.md §6a (the register lists and the procedure, not the
 * table of words) and independent of lib/core/x2apic.c: the intercept bit
 * of one x2APIC MSR and access after an update to a state, on a map that
 * started all-intercepted, and the notifications of a transition.
 */
#ifndef MSRTRAP_REF_X2APIC_H
#define MSRTRAP_REF_X2APIC_H

#include <stdbool.h>
#include <stdint.h>

#include <msrtrap/x2apic.h>

/* the registers an APICv guest reads without an exit (§6a "Readable mask") */
static inline bool ref_readable(uint32_t msr, bool cmci)
{
	unsigned int r = msr - 0x800;

	return r == 2 || r == 3 || r == 8 || r == 10 || r == 13 || r == 15 ||
	       (r >= 16 && r <= 39) || r == 40 || r == 48 ||
	       (r >= 50 && r <= 57) || r == 62 || (cmci && r == 47);
}

/* VMX mode: 0, 1 (x2APIC), 3 (x2APIC + APICv) */
static inline unsigned int ref_vmx_mode(unsigned int flags)
{
	if (!(flags & MSRTRAP_APIC_X2APIC))
		return 0;
	return flags & MSRTRAP_APIC_APICV ? 3 : 1;
}

/* 1 = intercept, for an x2APIC msr (0x800-0x8ff) */
static inline int ref_x2apic_bit(enum msrtrap_format fmt, enum msrtrap_kernel k,
				 unsigned int flags, uint32_t msr, bool write)
{
	static const uint16_t x2avic[] = {
		0x802, 0x803, 0x808, 0x809, 0x80a, 0x80b, 0x80c, 0x80d,
		0x80e, 0x80f, 0x810, 0x818, 0x820, 0x828, 0x830, 0x831,
		0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x839, 0x83e,
	};
	unsigned int mode = ref_vmx_mode(flags);
	bool apicv = mode == 3, pre_6_3 = k != MSRTRAP_KERNEL_V6_19;

	if (fmt == MSRTRAP_FMT_SVM) {
		bool open = (flags & MSRTRAP_APIC_APICV) && (flags & MSRTRAP_APIC_X2APIC);

		for (unsigned int i = 0; i < sizeof(x2avic) / sizeof(x2avic[0]); i++)
			if (x2avic[i] == msr)
				return !open;
		return 1;
	}
	if (msr == 0x808) /* TPR, both: open in modes 1 and 3 */
		return mode == 0;
	if (write) {
		if (apicv && (msr == 0x80b || msr == 0x83f))
			return 0; /* EOI, SELF_IPI */
		if (apicv && msr == 0x830 && (flags & MSRTRAP_APIC_IPIV))
			return 0; /* ICR */
		return 1;
	}
	if (!apicv || msr == 0x839) /* TMCCT reads always exit */
		return 1;
	if (pre_6_3) /* before 6.3 every other read passed */
		return 0;
	if (msr >= 0x840)
		return 1;
	return !ref_readable(msr, flags & MSRTRAP_APIC_CMCI);
}

/* notifications of an update from state `from` to `to` */
static inline int ref_x2apic_notifications(enum msrtrap_format fmt,
					   unsigned int from, unsigned int to)
{
	if (fmt == MSRTRAP_FMT_SVM) {
		bool a = (from & MSRTRAP_APIC_APICV) && (from & MSRTRAP_APIC_X2APIC);
		bool b = (to & MSRTRAP_APIC_APICV) && (to & MSRTRAP_APIC_X2APIC);

		return a == b ? 0 : 24;
	}
	if (ref_vmx_mode(from) == ref_vmx_mode(to))
		return 0;
	if (ref_vmx_mode(to) != 3)
		return 1; /* X5: TPR */
	return 4 + !!(to & MSRTRAP_APIC_IPIV);
}

#endif
