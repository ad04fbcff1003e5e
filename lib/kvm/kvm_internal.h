/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live-KVM VM object, shared by the KVM layer (kvm.c) and the probe
 * guest (probe.c).
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
	/* the vCPU must be put back at the guest's start before probing */
	bool need_reset;
};

/* Guest memory size (a multiple of the page size). */
#define MT_GUEST_MEM 0x20000u

/* probe.c: write the guest into memory and put the vCPU at its start. */
int mt_probe_load(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag);

#endif
