/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live KVM: install msrtrap filters with KVM_X86_SET_MSR_FILTER and watch
 * what a guest's RDMSR/WRMSR really do. /dev/kvm and <linux/kvm.h>
 * directly, no QEMU, no libvirt. Semantics: the KVM API documentation
 * (Documentation/virt/kvm/api.rst: KVM_X86_SET_MSR_FILTER,
 * KVM_CAP_X86_USER_SPACE_MSR, KVM_EXIT_X86_RDMSR/WRMSR); usage:
 * libmsrtrap(3).
 *
 * Two levels:
 *  - msrtrap_kvm_fd_*(): on a VMM's own VM file descriptor, install an
 *    msrtrap filter (bitmaps zero-padded to whole 8-byte words, as the
 *    kernel copies them) or set the userspace-exit mask; the kernel's
 *    errno comes back unchanged;
 *  - struct msrtrap_kvm_vm: a VM of our own with one vCPU running the probe
 *    guest, a real-mode program that performs RDMSR then WRMSR of each MSR
 *    of a table and reports, per access, whether it was handled in the
 *    kernel, raised #GP in the guest, or exited to userspace (and why).
 *
 * Nothing here installs signal handlers or timers: a KVM_RUN interrupted
 * by a signal ends the call with -EINTR, so a caller bounds a run with
 * alarm() and a SIGALRM handler installed without SA_RESTART. A probe
 * can tell its own timeout from other signals (a stop and continue, a
 * SIGCHLD) through msrtrap_probe_opts.cancelled and run on after those.
 */
#ifndef MSRTRAP_KVM_H
#define MSRTRAP_KVM_H

#include <msrtrap/common.h>
#include <msrtrap/filter.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- constants of the KVM API (<linux/kvm.h>), our spelling ---- */

#define MSRTRAP_KVM_API_VERSION 12
#define MSRTRAP_KVM_CAP_X86_USER_SPACE_MSR 188
#define MSRTRAP_KVM_CAP_X86_MSR_FILTER 189
#define MSRTRAP_KVM_EXIT_X86_RDMSR 29
#define MSRTRAP_KVM_EXIT_X86_WRMSR 30
/* kvm_run.msr.reason, and the mask of KVM_CAP_X86_USER_SPACE_MSR */
#define MSRTRAP_KVM_MSR_EXIT_REASON_INVAL (1u << 0)
#define MSRTRAP_KVM_MSR_EXIT_REASON_UNKNOWN (1u << 1)
#define MSRTRAP_KVM_MSR_EXIT_REASON_FILTER (1u << 2)
#define MSRTRAP_KVM_MSR_EXIT_REASON_VALID_MASK 7u

/* ---- on any VM ---- */

/*
 * KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR, mask): which failed guest
 * MSR accesses exit to userspace (MSRTRAP_KVM_MSR_EXIT_REASON_* bits)
 * instead of raising #GP. 0 or the kernel's -errno (-EINVAL for bits
 * other than 0-2, the reasons api.rst defines).
 */
MSRTRAP_API int msrtrap_kvm_fd_enable_user_msr(int vm_fd, uint64_t mask);

/*
 * KVM_X86_SET_MSR_FILTER with the filter exactly as described: its
 * default, every slot in order (empty ones too), each bitmap copied
 * into a buffer zero-padded to ceil(nmsrs/64)*8 bytes, so the kernel
 * never reads past it (msrtrap_filter_to_kvm()). Invalid filters are
 * handed over too: the kernel judges. NULL installs the empty
 * default-allow filter, which turns filtering off. Returns 0 or the
 * kernel's -errno (-ENOMEM from the copy). Not validated first: where
 * msrtrap_filter_validate() answers -EFAULT for a bitmap shorter than
 * the kernel copies, the padded copy is accepted (build the ranges with
 * msrtrap_filter_add_range_padded() to have validation judge the same
 * bytes); use the raw variant to hand the kernel a short buffer.
 */
MSRTRAP_API int msrtrap_kvm_fd_set_filter(int vm_fd,
					  const struct msrtrap_filter *filter);

/* KVM_X86_SET_MSR_FILTER with a caller-built ABI struct (may be NULL). */
MSRTRAP_API int msrtrap_kvm_fd_set_filter_raw(int vm_fd,
					      const struct msrtrap_kvm_msr_filter *abi);

/* ---- a VM of our own ---- */

struct msrtrap_kvm_vm;

/*
 * Open /dev/kvm, check API version 12 and both capabilities
 * (KVM_CAP_X86_MSR_FILTER, KVM_CAP_X86_USER_SPACE_MSR), create a VM with
 * 128 KiB of memory and one vCPU (CPUID as KVM supports it, no irqchip).
 * The probe guest is loaded by the first msrtrap_kvm_probe(). No
 * userspace MSR exits are enabled and no filter is installed. Returns 0
 * and the VM in *out, or a negative errno with diag (may be NULL) naming the step ("/dev/kvm", "KVM_CREATE_VM",
 * ...) and why: -ENOENT/-EACCES from open, -EPROTONOSUPPORT for another
 * API version, -EOPNOTSUPP for a missing capability, an ioctl's -errno.
 */
MSRTRAP_API int msrtrap_kvm_open(struct msrtrap_kvm_vm **out,
				 struct msrtrap_error *diag);
MSRTRAP_API void msrtrap_kvm_close(struct msrtrap_kvm_vm *kvm);

/* The VM's and the vCPU's file descriptors (owned by the object). */
MSRTRAP_API int msrtrap_kvm_vm_fd(const struct msrtrap_kvm_vm *kvm);
MSRTRAP_API int msrtrap_kvm_vcpu_fd(const struct msrtrap_kvm_vm *kvm);

/* msrtrap_kvm_fd_enable_user_msr() and _set_filter() on our VM. */
MSRTRAP_API int msrtrap_kvm_enable_user_msr(struct msrtrap_kvm_vm *kvm,
					    uint64_t mask);
MSRTRAP_API int msrtrap_kvm_set_filter(struct msrtrap_kvm_vm *kvm,
				       const struct msrtrap_filter *filter);
MSRTRAP_API int msrtrap_kvm_set_filter_raw(struct msrtrap_kvm_vm *kvm,
					   const struct msrtrap_kvm_msr_filter *abi);

/* ---- probing ---- */

enum msrtrap_probe_outcome {
	MSRTRAP_PROBE_NONE = 0,	    /* not probed */
	MSRTRAP_PROBE_KERNEL = 1,   /* handled in the kernel: no exit, no #GP */
	MSRTRAP_PROBE_GP = 2,	    /* #GP in the guest, no exit */
	MSRTRAP_PROBE_FILTERED = 3, /* exit to userspace, reason FILTER */
	MSRTRAP_PROBE_EXIT = 4,	    /* exit to userspace, another reason */
};

/* "kernel", "#GP", "filtered", "exit", "none"; NULL if unknown. */
MSRTRAP_API const char *msrtrap_probe_outcome_name(enum msrtrap_probe_outcome o);

/*
 * The probe records (struct msrtrap_probe, with its two
 * struct msrtrap_probe_access) are an array the caller allocates and
 * indexes, so their size is part of every caller's code: their layout is
 * frozen for this soname and they carry no size field. Anything more the
 * probe learns goes into struct msrtrap_probe_stats or new functions.
 */
struct msrtrap_probe_access {
	uint8_t outcome; /* enum msrtrap_probe_outcome */
	bool gp;	 /* the guest took #GP (after an exit: the reply said error) */
	uint32_t reason; /* with an exit: kvm_run.msr.reason; else 0 */
	/*
	 * Read: EDX:EAX after the RDMSR (0 after #GP). Write: the value
	 * written, which is the value just read (0 when the read faulted).
	 */
	uint64_t value;
};

struct msrtrap_probe {
	uint32_t msr; /* in: the MSR */
	struct msrtrap_probe_access read, write; /* out */
};

/*
 * One userspace MSR exit, as the kernel filled kvm_run.msr (api.rst,
 * KVM_EXIT_X86_RDMSR/WRMSR): a mirror of that kernel struct, so its
 * layout is frozen like the kernel's and it has no size field.
 */
struct msrtrap_kvm_msr_exit {
	enum msrtrap_access access; /* MSRTRAP_READ or MSRTRAP_WRITE */
	uint32_t exit_reason; /* MSRTRAP_KVM_EXIT_X86_RDMSR or _WRMSR */
	uint32_t reason;      /* MSRTRAP_KVM_MSR_EXIT_REASON_* */
	uint32_t index;
	uint8_t error;
	uint8_t pad[7];
	uint64_t data;	      /* write: the value; read: what KVM put there */
};

struct msrtrap_probe_opts {
	size_t sz; /* sizeof(struct msrtrap_probe_opts) */
	/*
	 * Answer a userspace MSR exit: set *error (non-zero: #GP in the
	 * guest) and, for a read, *data (into EDX:EAX), both preset to the
	 * default answer (below), and return 0; a negative errno aborts the
	 * probe with it. NULL: the default answer.
	 */
	int (*on_exit)(void *ctx, const struct msrtrap_kvm_msr_exit *exit,
		       uint8_t *error, uint64_t *data);
	/* Called after each batch of MSRs with the MSRs done so far. */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *ctx;
	/*
	 * KVM_RUN was interrupted by a signal: true ends the probe with
	 * -EINTR (the caller's timeout fired), false runs the guest on from
	 * where it stopped (the kernel loses nothing), so a stop/continue or
	 * a harmless signal does not end it. NULL: end with -EINTR.
	 */
	bool (*cancelled)(void *ctx);
};
#define msrtrap_probe_opts__last_field cancelled

/*
 * Counters of one msrtrap_kvm_probe() call. An output struct that can
 * grow: the caller sets sz = sizeof(struct msrtrap_probe_stats) (or
 * declares it with MSRTRAP_OPTS()); the library fills at most sz bytes
 * and leaves sz and anything past what it knows untouched.
 */
struct msrtrap_probe_stats {
	size_t sz;
	uint64_t runs;	    /* KVM_RUN calls */
	uint64_t msr_exits; /* userspace MSR exits */
	uint64_t batches;   /* guest passes over a table (one exit each) */
};

/*
 * Probe each MSR of probes[0..n) (any order, repeats allowed) with the
 * filter and exit mask currently in force: the guest executes RDMSR, then
 * WRMSR of the value just read (0 when the read faulted), in a batch of up
 * to 2048 MSRs per pass, so only MSR exits and one exit per batch reach
 * userspace. Each access is classified: FILTERED when it exits with reason
 * FILTER, EXIT for an exit with another reason (INVAL, UNKNOWN; only when
 * the mask enables them), GP when the guest's #GP handler ran without an
 * exit, KERNEL otherwise.
 *
 * Accesses do not disturb the guest: the default answer to a filtered
 * read is the MSR's current value (host-initiated KVM_GET_MSRS, which the
 * filter does not apply to; 0 when KVM does not know the MSR) with
 * error 0, and a filtered write is swallowed (error 0); an exit with
 * another reason is answered with error 1, the #GP the kernel raises
 * without the exit.
 *
 * Returns 0 with every result filled, or a negative errno with diag (may
 * be NULL) saying why: -EINTR when a signal interrupted KVM_RUN (and
 * opts->cancelled, if set, said so), -EIO for
 * an exit the guest should not cause (a triple fault, an unexpected
 * exception, an internal error), -EPROTO for an MSR exit that matches no
 * access of the table, an ioctl's -errno. stats (may be NULL) is filled
 * in any case; -EINVAL, before anything runs, when its sz cannot even
 * hold sz. The first call loads the probe guest into the VM; the guest
 * restarts cleanly on every later call.
 */
MSRTRAP_API int msrtrap_kvm_probe(struct msrtrap_kvm_vm *kvm,
				  struct msrtrap_probe *probes, size_t n,
				  const struct msrtrap_probe_opts *opts,
				  struct msrtrap_probe_stats *stats,
				  struct msrtrap_error *diag);

/* ---- the functional gate ---- */

/*
 * Can this host run the probe? On an open VM: enable the FILTER exit,
 * install a filter denying IA32_PAT (0x277) and probe it: the read must
 * exit with reason FILTER and the value userspace answers must reach the
 * guest's EDX:EAX (the WRMSR that follows must exit with it); then with
 * no exits enabled the same read must raise #GP in the guest. Leaves the
 * FILTER exit enabled and the empty default-allow filter installed.
 * 0, or a negative errno with diag.
 */
MSRTRAP_API int msrtrap_kvm_selftest(struct msrtrap_kvm_vm *kvm,
				     struct msrtrap_error *diag);

/*
 * The whole functional gate: msrtrap_kvm_open(), then
 * msrtrap_kvm_selftest(), then close. 0 when live KVM is usable, else a
 * negative errno with diag naming the step that failed. Bound it with an
 * alarm (see the top of this file).
 */
MSRTRAP_API int msrtrap_kvm_gate(struct msrtrap_error *diag);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_KVM_H */
