// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x2APIC intercept modes, freestanding (<msrtrap/x2apic.h>), as the kernel
 * audit describes them (kvm-versions.md §6a, invariants X1-X6, S1-S5):
 * VMX vmx_update_msr_bitmap_x2apic() in its 6.3+ form (v6.19) and the
 * older one (v6.0), SVM's x2AVIC pass-through list.
 */
#include <msrtrap/map.h>
#include <msrtrap/x2apic.h>

#include "core.h"

#define MODE_X2APIC 1u
#define MODE_APICV 2u

/*
 * The x2APIC registers KVM lets an APICv guest read without an exit
 * (kvm_lapic_readable_reg_mask(), bit = MSR - 0x800): ID, LVR, TPR, PPR,
 * LDR, SPIV, ISR, TMR, IRR, ESR, ICR, the LVTs but CMCI, TMICT, TMCCT,
 * TDCR; LVT_CMCI (bit 47) only when the APIC has it.
 */
#define READABLE 0x43fd01ffffffa50cull
#define READABLE_CMCI (1ull << 47)

enum {
	TPR = 0x808,
	EOI = 0x80b,
	ICR = 0x830,
	TMCCT = 0x839,
	SELF_IPI = 0x83f,
};

/* x2AVIC's pass-through registers (v6.0 and v6.19 avic.c) */
static const uint16_t x2avic[24] = {
	0x802, 0x803, 0x808, 0x809, 0x80a, 0x80b, 0x80c, 0x80d,
	0x80e, 0x80f, 0x810, 0x818, 0x820, 0x828, 0x830, 0x831,
	0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x839, 0x83e,
};

/* One set-intercept call of KVM: both bits of @access, one notification. */
static unsigned int call(enum msrtrap_format fmt, void *map, uint32_t msr,
			 enum msrtrap_access access, bool intercept)
{
	if (intercept)
		msrtrap_raw_set(fmt, map, msr, access);
	else
		msrtrap_raw_clear(fmt, map, msr, access);
	return 1;
}

/*
 * VMX bitmap words: read 0x800-0x83f is 64-bit word 32 (byte 0x100), the
 * write word of the same MSRs word 288 (byte 0x900); SDM 25.6.9.
 */
#define VMX_READ_WORD 32u
#define VMX_WRITE_WORD 288u

static unsigned int vmx_update(enum msrtrap_kernel kernel, unsigned int flags,
			       unsigned int mode, void *map)
{
	const enum msrtrap_format fmt = MSRTRAP_FMT_VMX;
	bool pre_6_3 = kernel < MSRTRAP_KERNEL_V6_19;
	uint64_t readable = READABLE | (flags & MSRTRAP_APIC_CMCI ? READABLE_CMCI : 0);
	unsigned int notified = 0;

	/* step 3: straight to the words, no notification (X1, X6) */
	for (unsigned int w = 0; w < (pre_6_3 ? 4u : 1u); w++) {
		uint64_t read = ~0ull;

		if (mode & MODE_APICV)
			read = pre_6_3 ? 0 : w == 0 ? ~readable : ~0ull;
		mt_store64(map, VMX_READ_WORD + w, read);
		mt_store64(map, VMX_WRITE_WORD + w, ~0ull);
	}
	/* step 4: TPR */
	notified += call(fmt, map, TPR, MSRTRAP_RW, !(mode & MODE_X2APIC));
	/* step 5: what APICv handles in hardware */
	if (mode & MODE_APICV) {
		notified += call(fmt, map, TMCCT, MSRTRAP_RW, true);
		notified += call(fmt, map, EOI, MSRTRAP_WRITE, false);
		notified += call(fmt, map, SELF_IPI, MSRTRAP_WRITE, false);
		if (flags & MSRTRAP_APIC_IPIV)
			notified += call(fmt, map, ICR, MSRTRAP_RW, false);
	}
	return notified;
}

int msrtrap_x2apic_update(enum msrtrap_format fmt, enum msrtrap_kernel kernel,
			  unsigned int flags, struct msrtrap_x2apic_state *state,
			  void *map)
{
	unsigned int mode, notified = 0;

	if (!state || !map || (flags & ~MSRTRAP_APIC_ALL_FLAGS))
		return -MT_EINVAL;
	if (fmt == MSRTRAP_FMT_VMX) {
		if (kernel < MSRTRAP_KERNEL_V5_19 || kernel > MSRTRAP_KERNEL_V6_19)
			return -MT_EINVAL;
		/* step 1; step 2: an unchanged mode writes nothing (X2) */
		mode = !(flags & MSRTRAP_APIC_X2APIC) ? 0 :
		       MODE_X2APIC | (flags & MSRTRAP_APIC_APICV ? MODE_APICV : 0);
		if (mode == state->applied)
			return 0;
		state->applied = mode;
		return (int)vmx_update(kernel, flags, mode, map);
	}
	if (fmt != MSRTRAP_FMT_SVM ||
	    (kernel != MSRTRAP_KERNEL_V6_0 && kernel != MSRTRAP_KERNEL_V6_19))
		return -MT_EINVAL;
	/* open iff x2AVIC is active and the APIC in x2APIC mode (S1, S3) */
	mode = (flags & MSRTRAP_APIC_APICV) && (flags & MSRTRAP_APIC_X2APIC);
	if (mode == state->applied)
		return 0; /* S4 */
	state->applied = mode;
	for (unsigned int i = 0; i < 24; i++)
		notified += call(fmt, map, x2avic[i], MSRTRAP_RW, !mode);
	return (int)notified;
}
