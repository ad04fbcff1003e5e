// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A bare-metal hypervisor's use of msrtrap's freestanding core
 * (docs/embedding.md): no libc, no allocation, only caller memory. It
 * builds the MSR bitmap it runs its guest (L1) with, and when L1 runs a
 * guest of its own (L2), the bitmap for L2 and who handles an L2 MSR exit.
 * CI builds this file with the generated msrtrap-core.c alone:
 *
 *	cc -std=c11 -ffreestanding -nostdlib -static -I PREFIX/include \
 *		hypervisor.c msrtrap-core.c -o hypervisor
 *
 * and checks that nothing is left undefined.
 */
#include <msrtrap/map.h>
#include <msrtrap/nested.h>

#define VMX MSRTRAP_FMT_VMX

/* the VMX MSR bitmap is one 4 KiB page (Intel SDM Vol. 3C, 25.6.9) */
static unsigned char vmcs01_bitmap[MSRTRAP_VMX_BITMAP_SIZE] __attribute__((aligned(4096)));
static unsigned char vmcs02_bitmap[MSRTRAP_VMX_BITMAP_SIZE] __attribute__((aligned(4096)));
/* L1's bitmap for L2, as the hypervisor mapped it from L1's memory */
static unsigned char l1_bitmap[MSRTRAP_VMX_BITMAP_SIZE] __attribute__((aligned(4096)));

static int l2_bitmap_in_use;

/* L1: intercept every MSR but the segment bases and reads of the TSC. */
static int setup_l1(void)
{
	int err = msrtrap_raw_init(VMX, vmcs01_bitmap);

	if (!err)
		err = msrtrap_raw_clear_range(VMX, vmcs01_bitmap, 0xc0000100,
					      0xc0000102, MSRTRAP_RW);
	if (!err)
		err = msrtrap_raw_clear(VMX, vmcs01_bitmap, 0x10, MSRTRAP_READ);
	return err == -MSRTRAP_EINVAL ? -1 : err;
}

/* VMLAUNCH/VMRESUME of L2: the bitmap vmcs02 points at, if any. */
static int enter_l2(unsigned int vmcs12_controls)
{
	int rc = msrtrap_nested_merge(VMX, MSRTRAP_KERNEL_V6_19, vmcs12_controls,
				      vmcs01_bitmap, l1_bitmap, vmcs02_bitmap);

	if (rc < 0)
		return rc;
	l2_bitmap_in_use = rc; /* 0: clear "use MSR bitmaps" in vmcs02 */
	return 0;
}

/* An L2 RDMSR/WRMSR exit: 1 reflect it to L1, 0 handle it here. */
static int l2_msr_exit(unsigned int vmcs12_controls, unsigned int msr, int write)
{
	return msrtrap_nested_reflect(VMX, vmcs12_controls, l1_bitmap, msr,
				      write ? MSRTRAP_WRITE : MSRTRAP_READ);
}

/* What the hypervisor's entry point would do; a loop, as there is no OS. */
void _start(void);
void _start(void)
{
	unsigned int controls = MSRTRAP_NESTED_MSR_BITMAPS | MSRTRAP_NESTED_VIRT_X2APIC;
	volatile int sink = setup_l1();

	msrtrap_raw_init(VMX, l1_bitmap);
	sink += enter_l2(controls);
	sink += l2_msr_exit(controls, 0xc0000080, 1);
	sink += l2_bitmap_in_use;
	for (;;)
		(void)sink;
}
