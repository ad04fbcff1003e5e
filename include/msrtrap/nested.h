/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Nested virtualization: the MSR map a hypervisor runs its L2 guest with,
 * merged from its own map for L1 (L0's: vmcs01's MSR bitmap, vmcb01's
 * MSRPM, which already reflect a userspace MSR filter) and the map L1
 * wrote for L2 (L1's raw 4 KiB bitmap or 8 KiB MSRPM), as Linux KVM's
 * nested_vmx_prepare_msr_bitmap() and nested_svm_merge_msrpm() build it;
 * and whether an L2 MSR exit is reflected to L1 or handled by L0
 * (nested_vmx_exit_handled_msr(), nested_svm_exit_handled_msr()).
 *
 * Freestanding (part of the core, docs/ARCHITECTURE.md): caller memory,
 * no allocation, so a hypervisor can run it on the maps it has.
 */
#ifndef MSRTRAP_NESTED_H
#define MSRTRAP_NESTED_H

#include <msrtrap/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * L1's controls that decide the merge (one bit each; combine with |):
 *  - VMX (vmcs12): MSRTRAP_NESTED_MSR_BITMAPS, the "use MSR bitmaps"
 *    processor-based control (Intel SDM Vol. 3C, 25.6.2); without it
 *    every L2 RDMSR/WRMSR exits. MSRTRAP_NESTED_VIRT_X2APIC, "virtualize
 *    x2APIC mode"; MSRTRAP_NESTED_APIC_REG_VIRT, "APIC-register
 *    virtualization"; MSRTRAP_NESTED_VID, "virtual-interrupt delivery"
 *    (SDM 25.6.8, 30.1): the x2APIC MSRs L2 may reach without an exit.
 *  - SVM (vmcb12): MSRTRAP_NESTED_MSR_PROT, the MSR_PROT intercept (AMD
 *    APM Vol. 2, 15.11): without it L2 runs on L0's map and nothing is
 *    reflected to L1.
 * Bits of the other vendor are ignored.
 */
#define MSRTRAP_NESTED_MSR_BITMAPS (1u << 0)
#define MSRTRAP_NESTED_VIRT_X2APIC (1u << 1)
#define MSRTRAP_NESTED_APIC_REG_VIRT (1u << 2)
#define MSRTRAP_NESTED_VID (1u << 3)
#define MSRTRAP_NESTED_MSR_PROT (1u << 4)
#define MSRTRAP_NESTED_ALL_CONTROLS 0x1fu

/*
 * Build L2's map in out (msrtrap_format_size(fmt) bytes, not overlapping
 * l0 or l1) from l0 and l1 (the same size) as @kernel builds it
 * (MSRTRAP_KERNEL_V6_0 or MSRTRAP_KERNEL_V6_19: the merged MSRs differ).
 *
 * Returns 1 when L2 runs with out as its map; 0 when KVM runs L2 without
 * a merged map: on VMX without MSRTRAP_NESTED_MSR_BITMAPS there is no
 * bitmap and every access exits (out is all ones, the map in effect), on
 * SVM without MSRTRAP_NESTED_MSR_PROT L2 uses L0's map (out is a copy of
 * l0). -EINVAL for a bad format or kernel, NULL maps, overlapping maps
 * or unknown control bits.
 *
 * VMX: out starts all ones (intercept). x2APIC 0x800-0x8ff ignores l0:
 * with VIRT_X2APIC, APIC_REG_VIRT copies l1's read bits, TPR (0x808)
 * read and write pass where l1 passes them, and with VID so do EOI
 * (0x80b) and SELF_IPI (0x83f) writes. Then, for each merged (MSR,
 * access), out = l0 | l1: FS_BASE, GS_BASE, KERNEL_GS_BASE and
 * SPEC_CTRL read and write and PRED_CMD write in v6.0; in v6.19 also
 * FLUSH_CMD write, APERF and MPERF read, U_CET, S_CET, PL0-PL3_SSP read
 * and write. Every other bit stays 1.
 *
 * SVM: out starts all ones; each merged chunk of the map is l0 | l1
 * whole, listed MSRs or not: v6.0 4-byte words 4, 23, 29, 39, 520, 528,
 * 1043 (0x40-0x4f, 0x170-0x17f, 0x1d0-0x1df, 0x270-0x27f,
 * 0xc0000080-0xc000008f, 0xc0000100-0xc000010f, 0xc0010130-0xc001013f);
 * v6.19 8-byte chunks 2, 7, 8, 11, 14, 260, 264 (0x40-0x5f, 0xe0-0xff,
 * 0x100-0x11f, 0x160-0x17f, 0x1c0-0x1df, 0xc0000080-0xc000009f,
 * 0xc0000100-0xc000011f).
 *
 * Not modelled: the Hyper-V enlightened-bitmap shortcut (a clean eVMCS
 * bitmap keeps the previous merge), and a failed read of L1's map (KVM
 * then behaves as without MSR bitmaps on VMX and fails the VMRUN on SVM).
 */
MSRTRAP_API int msrtrap_nested_merge(enum msrtrap_format fmt,
				     enum msrtrap_kernel kernel,
				     unsigned int controls, const void *l0,
				     const void *l1, void *out);

/*
 * Whether an L2 exit on @access (MSRTRAP_READ or MSRTRAP_WRITE) of @msr
 * goes to L1 (1) or is handled by L0 (0), by L1's controls and map
 * (-EINVAL for a bad format, access or control bits, or NULL l1 where it
 * is read). VMX: always 1 without MSR_BITMAPS; else L1's bit for an MSR
 * of 0-0x1fff or 0xc0000000-0xc0001fff, and 1 for any other MSR (such
 * as 0xc0010000: KVM's test of the high range is only "at least
 * 0xc0000000"). SVM: always 0 without MSR_PROT; else 1 for an MSR no
 * MSRPM range covers, L1's bit otherwise. The same in v6.0 and v6.19.
 */
MSRTRAP_API int msrtrap_nested_reflect(enum msrtrap_format fmt,
				       unsigned int controls, const void *l1,
				       uint32_t msr, enum msrtrap_access access);

#ifdef __cplusplus
}
#endif

#endif
