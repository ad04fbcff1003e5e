/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The intercept engine: per-vCPU desired intercepts + the VM's userspace
 * MSR filter -> the hardware bitmap (VMX MSR bitmap or SVM MSRPM), and the
 * refresh a vCPU performs after the filter changed.
 *
 * The model is KVM's own: arch/x86/kvm/vmx/vmx.c (VMX, as of June 2022
 * and as of Linux 6.17) and arch/x86/kvm/svm/svm.c (SVM), with the filter
 * semantics of KVM_X86_SET_MSR_FILTER (KVM API documentation,
 * Documentation/virt/kvm/api.rst). libmsrtrap(3) summarises it.
 *
 * For every pass-through-capable MSR and direction the engine keeps what
 * the hypervisor wants (the "wish", KVM's shadow_msr_intercept) apart from
 * the hardware bit, and maintains after every sync:
 *
 *	hardware bit = wish-intercept OR filter-denies
 *
 * (x2APIC 0x800-0x8ff is never denied by a filter). Enabling an intercept
 * sets the bit unconditionally; disabling clears it only if the filter in
 * force allows the access. Installing a filter raises a pending refresh on
 * every vCPU, which the vCPU thread performs with msrtrap_engine_vcpu_sync()
 * before its next guest entry (vmx_msr_filter_changed()).
 */
#ifndef MSRTRAP_ENGINE_H
#define MSRTRAP_ENGINE_H

#include <msrtrap/common.h>
#include <msrtrap/filter.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a vCPU refreshes its bitmap after a filter change. */
enum msrtrap_strategy {
	/* KVM before mid-2022: re-apply the wish of every
	 * pass-through-capable MSR, both directions */
	MSRTRAP_STRATEGY_REAPPLY_ALL = 0,
	/* KVM from mid-2022 (vmx_msr_filter_changed() skipping MSRs the
	 * hypervisor intercepts): re-run "disable" only where the wish is
	 * pass-through */
	MSRTRAP_STRATEGY_SKIP_INTERCEPTED = 1,
	/* msrtrap's word-wise equivalent of the 6.17 recalc: every bit
	 * recomputed from wishes and filter, a 64-bit word at a time; the
	 * same bits, not the kernel's per-MSR calls and counters (Linux
	 * 6.19 vmx_recalc_msr_intercepts(): the v6.19 profile counts
	 * those) */
	MSRTRAP_STRATEGY_RECOMPUTE = 2,
	/* ours: only the words whose verdict can have changed since this
	 * vCPU's last sync */
	MSRTRAP_STRATEGY_DELTA = 3,
};
#define MSRTRAP_STRATEGY_COUNT 4

/* "reapply-all", "skip-intercepted", "recompute", "delta"; NULL if bad. */
MSRTRAP_API const char *msrtrap_strategy_name(enum msrtrap_strategy s);
/* The strategy with that name, or -EINVAL. */
MSRTRAP_API int msrtrap_strategy_parse(const char *name);

/* Which MSRs may be passed through (and so are refreshed). */
enum msrtrap_passthrough {
	/* every MSR the format represents (Linux 6.17 behaviour) */
	MSRTRAP_PASSTHROUGH_ALL = 0,
	/*
	 * KVM, June 2022: the 15 MSRs of vmx_possible_passthrough_msrs[]
	 * (arch/x86/kvm/vmx/vmx.c), for both formats (synthetic on SVM,
	 * whose list, direct_access_msrs[] in svm.c, differed: the kernel
	 * profiles model it). Disabling (or enabling:
	 * the two shared the list look-up) the intercept of another MSR
	 * still updates the bitmap but counts a warning (unless it is an
	 * x2APIC, Intel PT or LBR MSR, which KVM handled elsewhere), and the
	 * strategies never refresh it on a filter change. (v5.19 KVM did
	 * refresh the PT MSRs, through pt_update_intercept_for_msr(); the
	 * v5.19 profile models that.)
	 */
	MSRTRAP_PASSTHROUGH_KVM2022 = 1,
};

/* "all", "kvm-2022"; NULL if bad. */
MSRTRAP_API const char *msrtrap_passthrough_name(enum msrtrap_passthrough p);
/* The profile with that name, or -EINVAL. */
MSRTRAP_API int msrtrap_passthrough_parse(const char *name);

struct msrtrap_engine;
struct msrtrap_engine_vcpu;

struct msrtrap_engine_opts {
	size_t sz;
	enum msrtrap_format format;	      /* required: VMX or SVM */
	enum msrtrap_strategy strategy;	      /* default REAPPLY_ALL (0) */
	enum msrtrap_passthrough passthrough; /* default ALL (0) */
	unsigned int max_vcpus;		      /* default 64, at most 4096 */
	/*
	 * default NONE (0): the model above, chosen by strategy and
	 * passthrough. A kernel (v5.19, v6.0, v6.19) models that kernel
	 * for the format, call for call (libmsrtrap(3), "Kernel
	 * profiles" of the engine documentation): its pass-through-capable list,
	 * which calls warn, what a filter change refreshes and the counters
	 * of its calls, and the pass-through a new vCPU starts with (a
	 * v6.19 vCPU starts with a refresh pending: its creation recalc).
	 * passthrough must then be ALL (0) and strategy 0 or the one the
	 * profile reproduces; anything else is -EINVAL.
	 */
	enum msrtrap_kernel kernel;
};
#define msrtrap_engine_opts__last_field kernel

/*
 * The strategy that reproduces @kernel's refresh on @format (the one
 * msrtrap_engine_new() runs a profile with), or -EINVAL.
 */
MSRTRAP_API int msrtrap_kernel_strategy(enum msrtrap_kernel kernel,
					enum msrtrap_format format);

MSRTRAP_API int msrtrap_engine_new(const struct msrtrap_engine_opts *opts,
			       struct msrtrap_engine **out);
/* Frees the VM; its vCPUs must have been freed. */
MSRTRAP_API void msrtrap_engine_free(struct msrtrap_engine *vm);

/*
 * Install a filter (NULL: remove it), like KVM_X86_SET_MSR_FILTER:
 * validated and compiled first (on failure the old filter stays, the
 * errno is returned and diag says why), then published and a refresh is
 * raised on every vCPU. Returns after vCPUs that were reading the old
 * filter have finished with it. Not to be called from a vCPU thread that
 * is inside msrtrap_engine_vcpu_sync().
 */
MSRTRAP_API int msrtrap_engine_set_filter(struct msrtrap_engine *vm,
				      const struct msrtrap_filter *filter,
				      struct msrtrap_error *diag);

/* Number of filters installed so far. */
MSRTRAP_API uint64_t msrtrap_engine_filter_generation(const struct msrtrap_engine *vm);

struct msrtrap_engine_vcpu_opts {
	size_t sz;
	/*
	 * Caller memory for the hardware bitmap (the format's size, 8-byte
	 * aligned); NULL to allocate. It is initialised all-intercept.
	 */
	void *bitmap;
};
#define msrtrap_engine_vcpu_opts__last_field bitmap

/*
 * A vCPU: everything intercepted, every wish "intercept" — with a kernel
 * profile, plus what that kernel opens at creation. -ENOSPC past
 * max_vcpus.
 */
MSRTRAP_API int msrtrap_engine_vcpu_new(struct msrtrap_engine *vm,
				 const struct msrtrap_engine_vcpu_opts *opts,
				 struct msrtrap_engine_vcpu **out);
MSRTRAP_API void msrtrap_engine_vcpu_free(struct msrtrap_engine_vcpu *vcpu);

/*
 * Set (intercept = true) or drop (false) the intercept of every MSR of
 * [first, last] for `access` (READ, WRITE or RW), as KVM's
 * vmx_{enable,disable}_intercept_for_msr() on each MSR: one bitmap-changed
 * notification per MSR; disabling consults the filter in force now.
 * All or nothing: -ERANGE if an MSR is not representable, -EINVAL for
 * first > last or a bad access. Called from the vCPU's own thread.
 */
MSRTRAP_API int msrtrap_engine_vcpu_intercept(struct msrtrap_engine_vcpu *vcpu,
				       uint32_t first, uint32_t last,
				       enum msrtrap_access access,
				       bool intercept);

/* Has the filter changed since this vCPU last synced? */
/*
 * The vCPU's local APIC mode or APIC virtualization changed
 * (MSRTRAP_APIC_* of <msrtrap/x2apic.h>): the x2APIC MSRs of its bitmap
 * become what the VM's kernel (without a profile: v6.19) sets, at once,
 * the filter not consulted (KVM never filters them); the wishes of those
 * of them the vCPU may pass through follow. Returns the notifications
 * KVM raised (0: the state did not change), or -EINVAL (also for SVM
 * under v5.19, which had no x2AVIC).
 */
MSRTRAP_API int msrtrap_engine_vcpu_set_apic(struct msrtrap_engine_vcpu *vcpu,
					     unsigned int flags);

MSRTRAP_API bool msrtrap_engine_vcpu_refresh_pending(const struct msrtrap_engine_vcpu *vcpu);

/*
 * Before guest entry: if a refresh is pending, perform it with the VM's
 * strategy against the filter in force now. Returns 1 when it refreshed,
 * 0 when nothing was pending. Called from the vCPU's own thread.
 */
MSRTRAP_API int msrtrap_engine_vcpu_sync(struct msrtrap_engine_vcpu *vcpu);

/* The effective hardware bitmap (msrtrap_format_size() bytes). */
MSRTRAP_API const void *msrtrap_engine_vcpu_bitmap(const struct msrtrap_engine_vcpu *vcpu);

/*
 * The wish for one MSR and one access (READ or WRITE): 1 intercept
 * wanted, 0 pass-through wanted, -ENOENT when the MSR is not
 * pass-through-capable (its wish is not recorded), -EINVAL.
 */
MSRTRAP_API int msrtrap_engine_vcpu_wish(const struct msrtrap_engine_vcpu *vcpu,
				  uint32_t msr, enum msrtrap_access access);

/*
 * Filled by msrtrap_engine_vcpu_stats(). The caller sets sz (declare it
 * with MSRTRAP_OPTS(msrtrap_engine_vcpu_stats, st)); the library writes at
 * most sz bytes, so counters a later release appends never overrun an
 * older caller's struct, and a newer caller's extra counters stay as the
 * caller left them when an older library fills the struct.
 */
struct msrtrap_engine_vcpu_stats {
	size_t sz;
	uint64_t lookups;	/* filter queries (a word strategy: one per 64 MSRs) */
	uint64_t words_written; /* 64-bit bitmap words stored */
	uint64_t bits_changed;	/* bitmap bits whose value actually changed */
	/*
	 * "bitmap changed" notifications: KVM's vmx_msr_bitmap_l01_changed(),
	 * which forces the nested (L2) bitmap to be rebuilt (where L1 uses
	 * Hyper-V's enlightened bitmap: vmx/nested.c, svm/nested.c). Per-MSR
	 * strategies raise one per enable/disable call, as KVM does; the
	 * word strategies one per sync that changed anything; a kernel
	 * profile one per call of that kernel.
	 */
	uint64_t notifications;
	uint64_t warnings; /* kvm-2022, kernels v5.19/v6.0: a call on an MSR not in the list */
	uint64_t refreshes;	/* syncs that performed a refresh */
};

/*
 * Counters since creation (or the last reset) into *stats, at most
 * stats->sz bytes of them: 0, or -EINVAL for a NULL argument or a
 * stats->sz smaller than sizeof(size_t).
 */
MSRTRAP_API int msrtrap_engine_vcpu_stats(const struct msrtrap_engine_vcpu *vcpu,
					  struct msrtrap_engine_vcpu_stats *stats);
MSRTRAP_API void msrtrap_engine_vcpu_stats_reset(struct msrtrap_engine_vcpu *vcpu);

#ifdef __cplusplus
}
#endif

#endif /* MSRTRAP_ENGINE_H */
