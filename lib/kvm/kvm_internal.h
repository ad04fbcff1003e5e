/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live-KVM VM object, created by vm.c and driven by the probe
 * (probe.c), which loads its guest into it on first use.
 */
#ifndef MSRTRAP_LIB_KVM_INTERNAL_H
#define MSRTRAP_LIB_KVM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msrtrap/kvm.h>

struct kvm_run;

struct msrtrap_kvm_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem; /* guest physical 0 .. MT_GUEST_MEM */
	/* the probe guest is in memory and the vCPU set up for it */
	bool loaded;
	/* the vCPU must be put back at the guest's start before probing */
	bool need_reset;
};

/* Guest memory size (a multiple of the page size). */
#define MT_GUEST_MEM 0x20000u

#endif
