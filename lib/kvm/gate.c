// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The functional gate of live-kvm-notes.md §5: can this host run the
 * probe? It drives the VM (vm.c) and the probe (probe.c) and sits above
 * both, so neither calls back into it.
 */
#include <errno.h>
#include <string.h>

#include <msrtrap/filter.h>
#include <msrtrap/kvm.h>

#include "util/error.h"

#define GATE_MSR 0x277u /* IA32_PAT */
#define GATE_VALUE 0x1122334455667788ull

static int gate_answer(void *ctx, const struct msrtrap_kvm_msr_exit *exit,
		       uint8_t *error, uint64_t *data)
{
	unsigned int *exits = ctx;

	(*exits)++;
	if (exit->access == MSRTRAP_READ)
		*data = GATE_VALUE;
	*error = 0;
	return 0;
}

static int gate_probe(struct msrtrap_kvm_vm *kvm, struct msrtrap_probe *p,
		      unsigned int *exits, struct msrtrap_error *diag)
{
	MSRTRAP_OPTS(msrtrap_probe_opts, opts,
		     .on_exit = gate_answer,
		     .ctx = exits);

	memset(p, 0, sizeof(*p));
	p->msr = GATE_MSR;
	*exits = 0;
	return msrtrap_kvm_probe(kvm, p, 1, &opts, NULL, diag);
}

int msrtrap_kvm_selftest(struct msrtrap_kvm_vm *kvm, struct msrtrap_error *diag)
{
	static const uint8_t deny[8] = { 0 };
	struct msrtrap_filter *f = NULL;
	struct msrtrap_probe p;
	unsigned int exits;
	int err;

	if (!kvm)
		return -EINVAL;
	err = msrtrap_filter_new(MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW, &f);
	if (!err)
		err = msrtrap_filter_add_range(f, MSRTRAP_KVM_MSR_FILTER_READ |
						   MSRTRAP_KVM_MSR_FILTER_WRITE,
					       GATE_MSR, 1, deny, sizeof(deny));
	if (err)
		goto out;
	err = msrtrap_kvm_enable_user_msr(kvm, MSRTRAP_KVM_MSR_EXIT_REASON_FILTER);
	if (err) {
		mt_error_set(diag, err, "KVM_ENABLE_CAP",
			     "KVM_CAP_X86_USER_SPACE_MSR: %s", strerror(-err));
		goto out;
	}
	err = msrtrap_kvm_set_filter(kvm, f);
	if (err) {
		mt_error_set(diag, err, "KVM_X86_SET_MSR_FILTER", "%s",
			     strerror(-err));
		goto out;
	}
	/* 1. a filtered read exits, and userspace's answer reaches EDX:EAX */
	err = gate_probe(kvm, &p, &exits, diag);
	if (err)
		goto out;
	if (p.read.outcome != MSRTRAP_PROBE_FILTERED || p.read.gp ||
	    p.read.value != GATE_VALUE || p.write.outcome != MSRTRAP_PROBE_FILTERED ||
	    p.write.value != GATE_VALUE || exits != 2) {
		err = mt_error_set(diag, -EPROTO, "round trip",
				   "denied RDMSR/WRMSR 0x%x: read %s, value 0x%llx, write %s (want filtered exits and 0x%llx)",
				   GATE_MSR,
				   msrtrap_probe_outcome_name(p.read.outcome),
				   (unsigned long long)p.read.value,
				   msrtrap_probe_outcome_name(p.write.outcome),
				   GATE_VALUE);
		goto out;
	}
	/* 2. without the exit, the denied read raises #GP in the guest */
	err = msrtrap_kvm_enable_user_msr(kvm, 0);
	if (!err)
		err = gate_probe(kvm, &p, &exits, diag);
	if (err)
		goto out;
	if (p.read.outcome != MSRTRAP_PROBE_GP || exits) {
		err = mt_error_set(diag, -EPROTO, "round trip",
				   "denied RDMSR 0x%x without the FILTER exit: %s, want #GP",
				   GATE_MSR,
				   msrtrap_probe_outcome_name(p.read.outcome));
		goto out;
	}
	err = msrtrap_kvm_enable_user_msr(kvm, MSRTRAP_KVM_MSR_EXIT_REASON_FILTER);
	if (!err)
		err = msrtrap_kvm_set_filter(kvm, NULL);
	if (err)
		mt_error_set(diag, err, "KVM_X86_SET_MSR_FILTER", "%s",
			     strerror(-err));
out:
	msrtrap_filter_free(f);
	return err;
}

int msrtrap_kvm_gate(struct msrtrap_error *diag)
{
	struct msrtrap_kvm_vm *kvm;
	int err = msrtrap_kvm_open(&kvm, diag);

	if (err)
		return err;
	err = msrtrap_kvm_selftest(kvm, diag);
	msrtrap_kvm_close(kvm);
	return err;
}
