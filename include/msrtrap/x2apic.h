/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The x2APIC MSRs (0x800-0x8ff) in the MSR map of a vCPU, as Linux KVM
 * sets them when the vCPU's local APIC mode or APIC virtualization
 * changes: VMX vmx_update_msr_bitmap_x2apic() (the 6.3+ form, and the
 * older one of v6.0), SVM's x2AVIC pass-through (avic.c). A userspace
 * MSR filter never applies to these MSRs.
 *
 * Freestanding (part of the core): caller memory, no allocation.
 */
#ifndef MSRTRAP_X2APIC_H
#define MSRTRAP_X2APIC_H

#include <msrtrap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The vCPU's APIC state (combine with |):
 *  - MSRTRAP_APIC_X2APIC: the local APIC is in x2APIC mode (on VMX KVM
 *    then sets "virtualize x2APIC mode", Intel SDM Vol. 3C, 30.1);
 *  - MSRTRAP_APIC_APICV: APIC virtualization is active — VMX APICv
 *    (APIC-register virtualization and virtual-interrupt delivery), SVM
 *    AVIC with x2AVIC (AMD APM Vol. 2, 15.29);
 *  - MSRTRAP_APIC_IPIV: VMX IPI virtualization (the module's enable_ipiv);
 *  - MSRTRAP_APIC_CMCI: the guest APIC has the CMCI LVT (VMX: then also
 *    readable without an exit).
 */
#define MSRTRAP_APIC_X2APIC (1u << 0)
#define MSRTRAP_APIC_APICV (1u << 1)
#define MSRTRAP_APIC_IPIV (1u << 2)
#define MSRTRAP_APIC_CMCI (1u << 3)
#define MSRTRAP_APIC_ALL_FLAGS 0xfu

/*
 * What KVM remembers between updates (VMX: the last mode written; SVM:
 * whether the x2AVIC MSRs are intercepted). Zero-initialise it with the
 * vCPU (a fresh vCPU's map intercepts every x2APIC MSR).
 */
struct msrtrap_x2apic_state {
	unsigned int applied; /* kernel-private encoding; 0: nothing yet */
};

/*
 * Bring map's x2APIC MSRs to what @kernel (MSRTRAP_KERNEL_V6_0 or
 * MSRTRAP_KERNEL_V6_19; VMX also MSRTRAP_KERNEL_V5_19, taken to behave
 * as v6.0) sets for the APIC state @flags, and update *state. Returns the
 * number of KVM's bitmap-changed notifications the update raised (0 when
 * the state did not change: KVM writes nothing then), or -EINVAL.
 *
 * VMX: the mode is 0 without X2APIC, else 1, plus 2 with APICV. A change
 * rewrites 0x800-0x83f (v6.0: 0x800-0x8ff) without a notification: reads
 * intercepted but, with APICV, the APIC registers KVM lets the guest read
 * (v6.0: every one), writes intercepted; then one call each: TPR (0x808)
 * read and write passed in modes 1 and 3, else intercepted; with APICV
 * TMCCT (0x839) intercepted, EOI (0x80b) and SELF_IPI (0x83f) writes
 * passed, with IPIV ICR (0x830) passed.
 * SVM: with APICV and X2APIC the 24 x2AVIC registers pass (read and
 * write), else they are intercepted; a change is 24 calls.
 */
MSRTRAP_API int msrtrap_x2apic_update(enum msrtrap_format fmt,
				      enum msrtrap_kernel kernel,
				      unsigned int flags,
				      struct msrtrap_x2apic_state *state,
				      void *map);

#ifdef __cplusplus
}
#endif

#endif
