// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The intercept engine, hosted part: VMs, vCPUs, filter publishing and the
 * change log that lets the delta strategy touch only what changed.
 *
 * A VM publishes compiled filters through a msrtrap_publisher (KVM's SRCU
 * pointer swap). Before publishing generation g it records in a ring the
 * MSR words whose verdict differs from generation g-1. A vCPU syncing
 * from generation a to b refreshes the union of the entries a+1..b; if it
 * lags by more than the
 * ring holds, or an entry was overwritten while it read, it falls back to
 * all words. Over-approximating is always safe: a refresh of an unchanged
 * word changes nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/engine.h>
#include <msrtrap/x2apic.h>
#include <msrtrap/map.h>
#include <msrtrap/publisher.h>

#include "core/engine_core.h"
#include "filter/cfilter_internal.h"
#include "util/opts.h"

#define RING 64
#define MASK_WORDS (MT_MAX_SPANS * 2 * (MT_SPAN_WORDS / 64))

struct change {
	/* generation this entry describes; 0 while being written */
	_Atomic uint64_t gen;
	_Atomic uint64_t mask[MASK_WORDS];
};

struct msrtrap_engine {
	enum msrtrap_format fmt;
	enum msrtrap_strategy strategy;
	enum msrtrap_passthrough passthrough;
	enum msrtrap_kernel kernel;
	struct msrtrap_publisher *publisher;
	pthread_mutex_t lock;		/* filter writers */
	struct msrtrap_cfilter *current; /* what the publisher holds (writers only) */
	uint64_t capable[MT_MAX_SPANS][MT_SPAN_WORDS];
	struct change ring[RING];
};

struct msrtrap_engine_vcpu {
	struct msrtrap_engine *vm;
	struct msrtrap_publisher_reader *reader;
	uint64_t synced_gen;
	bool recalc_pending; /* v6.19: the creation recalc (D9) */
	struct msrtrap_x2apic_state apic; /* the kernel's cached x2APIC mode */
	void *own_bitmap;
	struct mt_vcpu core;
};

static const char *const strategy_names[] = {
	[MSRTRAP_STRATEGY_REAPPLY_ALL] = "reapply-all",
	[MSRTRAP_STRATEGY_SKIP_INTERCEPTED] = "skip-intercepted",
	[MSRTRAP_STRATEGY_RECOMPUTE] = "recompute",
	[MSRTRAP_STRATEGY_DELTA] = "delta",
};

const char *msrtrap_strategy_name(enum msrtrap_strategy s)
{
	return (unsigned int)s < MSRTRAP_STRATEGY_COUNT ? strategy_names[s] : NULL;
}

int msrtrap_strategy_parse(const char *name)
{
	for (int i = 0; name && i < MSRTRAP_STRATEGY_COUNT; i++)
		if (!strcasecmp(name, strategy_names[i]))
			return i;
	return -EINVAL;
}

const char *msrtrap_passthrough_name(enum msrtrap_passthrough p)
{
	switch (p) {
	case MSRTRAP_PASSTHROUGH_ALL:
		return "all";
	case MSRTRAP_PASSTHROUGH_KVM2022:
		return "kvm-2022";
	}
	return NULL;
}

int msrtrap_passthrough_parse(const char *name)
{
	if (name && !strcasecmp(name, "all"))
		return MSRTRAP_PASSTHROUGH_ALL;
	if (name && !strcasecmp(name, "kvm-2022"))
		return MSRTRAP_PASSTHROUGH_KVM2022;
	return -EINVAL;
}

int msrtrap_kernel_strategy(enum msrtrap_kernel kernel,
			    enum msrtrap_format format)
{
	if (!msrtrap_kernel_name(kernel) || !msrtrap_format_size(format))
		return -EINVAL;
	return mt_kernel_strategy(kernel, format);
}

/*
 * A kernel profile brings its own list and refresh: `passthrough` must be
 * left at ALL (0), and `strategy` at 0 or the one the profile reproduces
 * (mt_kernel_strategy()); the VM then runs with that strategy's name.
 */
static int check_kernel(const struct msrtrap_engine_opts *opts,
			enum msrtrap_kernel kernel, int *strategy)
{
	int ks;

	if (kernel == MSRTRAP_KERNEL_NONE)
		return 0;
	if (!msrtrap_kernel_name(kernel) ||
	    OPTS_GET(opts, passthrough, 0) != MSRTRAP_PASSTHROUGH_ALL)
		return -EINVAL;
	ks = mt_kernel_strategy(kernel, opts->format);
	if (*strategy != 0 && *strategy != ks)
		return -EINVAL;
	*strategy = ks;
	return 0;
}

int msrtrap_engine_new(const struct msrtrap_engine_opts *opts, struct msrtrap_engine **out)
{
	MSRTRAP_OPTS(msrtrap_publisher_opts, sopts);
	struct msrtrap_engine *vm;
	enum msrtrap_kernel kernel;
	unsigned int max;
	int err, strategy;

	if (!out || !opts || !OPTS_VALID(opts, msrtrap_engine_opts))
		return -EINVAL;
	max = OPTS_GET(opts, max_vcpus, 0u);
	strategy = OPTS_GET(opts, strategy, 0);
	kernel = OPTS_GET(opts, kernel, MSRTRAP_KERNEL_NONE);
	if (!msrtrap_format_size(OPTS_GET(opts, format, MSRTRAP_FMT_NONE)) ||
	    !msrtrap_strategy_name(strategy) ||
	    !msrtrap_passthrough_name(OPTS_GET(opts, passthrough, 0)) ||
	    max > MSRTRAP_PUBLISHER_MAX_READERS ||
	    check_kernel(opts, kernel, &strategy))
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->fmt = opts->format;
	vm->strategy = strategy;
	vm->passthrough = OPTS_GET(opts, passthrough, 0);
	vm->kernel = kernel;
	sopts.max_readers = max ? max : MSRTRAP_PUBLISHER_DEFAULT_READERS;
	err = msrtrap_publisher_new(&sopts, &vm->publisher);
	if (err) {
		free(vm);
		return err;
	}
	pthread_mutex_init(&vm->lock, NULL);
	mt_engine_capable(vm->fmt, vm->passthrough, vm->kernel, vm->capable);
	*out = vm;
	return 0;
}

void msrtrap_engine_free(struct msrtrap_engine *vm)
{
	if (!vm)
		return;
	msrtrap_publisher_free(vm->publisher); /* frees the current filter */
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

uint64_t msrtrap_engine_filter_generation(const struct msrtrap_engine *vm)
{
	return vm ? msrtrap_publisher_generation(vm->publisher) : 0;
}

/* Record what generation `gen` changes, before anyone can see it. */
static void record_change(struct msrtrap_engine *vm, uint64_t gen,
			  const struct mt_wordset *diff)
{
	struct change *c = &vm->ring[gen % RING];
	const uint64_t *words = &diff->words[0][0][0];

	/* release: a reader that sees 0 (or another generation) here after
	 * copying knows its copy may be torn and falls back */
	atomic_store_explicit(&c->gen, 0, memory_order_release);
	atomic_thread_fence(memory_order_release);
	for (unsigned int i = 0; i < MASK_WORDS; i++)
		atomic_store_explicit(&c->mask[i], words[i], memory_order_relaxed);
	atomic_store_explicit(&c->gen, gen, memory_order_release);
}

int msrtrap_engine_set_filter(struct msrtrap_engine *vm,
			  const struct msrtrap_filter *filter,
			  struct msrtrap_error *diag)
{
	struct msrtrap_cfilter *next = NULL;
	struct mt_wordset diff;
	int err;

	if (!vm)
		return -EINVAL;
	if (filter) {
		err = msrtrap_cfilter_new(filter, &next, diag);
		if (err)
			return err; /* all or nothing: the old filter stays */
	}
	pthread_mutex_lock(&vm->lock);
	mt_filter_word_diff(vm->fmt, vm->current ? &vm->current->core : NULL,
			    next ? &next->core : NULL, &diff);
	record_change(vm, msrtrap_publisher_generation(vm->publisher) + 1, &diff);
	/* swap, wait for readers of the old filter, free it; then every
	 * vCPU sees a new generation: the pending refresh */
	err = msrtrap_publisher_publish(vm->publisher, next);
	if (!err)
		vm->current = next;
	pthread_mutex_unlock(&vm->lock);
	return err;
}

/*
 * A kernel profile's vCPU starts with what that kernel opens at creation
 * (kvm-versions.md D9): v5.19/v6.0 with the disable calls it makes then
 * (counted, and consulting the filter in force, as for any vCPU created
 * after a filter), v6.19 with the wishes its first recalc applies; vCPU
 * creation requests that recalc (x86.c:12752, cpuid.c:465), so the vCPU
 * starts with a refresh pending.
 */
static void kernel_start(struct msrtrap_engine_vcpu *v)
{
	unsigned int n;
	const struct mt_kernel_open *o = mt_kernel_start(v->vm->kernel, v->vm->fmt, &n);
	const struct msrtrap_cfilter *cf;

	if (!n)
		return;
	if (v->vm->kernel == MSRTRAP_KERNEL_V6_19) {
		for (unsigned int i = 0; i < n; i++)
			mt_vcpu_wish_pass(&v->core, o[i].msr, o[i].access);
		v->recalc_pending = true;
		return;
	}
	cf = msrtrap_publisher_enter(v->reader);
	for (unsigned int i = 0; i < n; i++)
		mt_vcpu_intercept(&v->core, cf ? &cf->core : NULL, o[i].msr,
				  o[i].msr, o[i].access, false);
	msrtrap_publisher_exit(v->reader);
}

int msrtrap_engine_vcpu_new(struct msrtrap_engine *vm, const struct msrtrap_engine_vcpu_opts *opts,
		     struct msrtrap_engine_vcpu **out)
{
	void *bitmap = OPTS_GET(opts, bitmap, NULL);
	struct msrtrap_engine_vcpu *v;
	int err;

	if (!vm || !out || !OPTS_VALID(opts, msrtrap_engine_vcpu_opts) ||
	    ((uintptr_t)bitmap & 7))
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = msrtrap_publisher_reader_new(vm->publisher, &v->reader);
	if (err)
		goto fail;
	if (!bitmap) {
		v->own_bitmap = aligned_alloc(4096, msrtrap_format_size(vm->fmt));
		bitmap = v->own_bitmap;
		err = -ENOMEM;
		if (!bitmap)
			goto fail;
	}
	err = mt_vcpu_init(&v->core, vm->fmt, vm->passthrough, vm->kernel,
			   (const uint64_t(*)[MT_SPAN_WORDS])vm->capable,
			   bitmap);
	if (err)
		goto fail;
	v->vm = vm;
	/* all intercepted and all wished: consistent with any filter, so the
	 * vCPU starts in sync with whatever is published now */
	v->synced_gen = msrtrap_publisher_generation(vm->publisher);
	kernel_start(v);
	*out = v;
	return 0;
fail:
	if (v->reader)
		msrtrap_publisher_reader_free(v->reader);
	free(v->own_bitmap);
	free(v);
	return err;
}

void msrtrap_engine_vcpu_free(struct msrtrap_engine_vcpu *vcpu)
{
	if (!vcpu)
		return;
	msrtrap_publisher_reader_free(vcpu->reader);
	free(vcpu->own_bitmap);
	free(vcpu);
}

int msrtrap_engine_vcpu_intercept(struct msrtrap_engine_vcpu *vcpu, uint32_t first,
			   uint32_t last, enum msrtrap_access access,
			   bool intercept)
{
	const struct msrtrap_cfilter *cf;
	int err;

	if (!vcpu)
		return -EINVAL;
	cf = msrtrap_publisher_enter(vcpu->reader);
	err = mt_vcpu_intercept(&vcpu->core, cf ? &cf->core : NULL, first, last,
				access, intercept);
	msrtrap_publisher_exit(vcpu->reader);
	return err;
}

int msrtrap_engine_vcpu_set_apic(struct msrtrap_engine_vcpu *vcpu,
				 unsigned int flags)
{
	enum msrtrap_kernel kernel;

	if (!vcpu)
		return -EINVAL;
	/* without a profile, the newest kernel's update */
	kernel = vcpu->vm->kernel ? vcpu->vm->kernel : MSRTRAP_KERNEL_V6_19;
	return mt_vcpu_x2apic(&vcpu->core, kernel, flags, &vcpu->apic);
}

bool msrtrap_engine_vcpu_refresh_pending(const struct msrtrap_engine_vcpu *vcpu)
{
	return vcpu && (vcpu->recalc_pending ||
			msrtrap_publisher_generation(vcpu->vm->publisher) !=
				vcpu->synced_gen);
}

/*
 * The words changed by generations from+1..to; false when the ring cannot
 * tell (lagged too far, or an entry was rewritten while being read).
 */
static bool collect_changes(struct msrtrap_engine *vm, uint64_t from, uint64_t to,
			    struct mt_wordset *out)
{
	uint64_t *words = &out->words[0][0][0];

	memset(out, 0, sizeof(*out));
	if (to - from > RING - 1)
		return false;
	for (uint64_t g = from + 1; g <= to; g++) {
		struct change *c = &vm->ring[g % RING];

		if (atomic_load_explicit(&c->gen, memory_order_acquire) != g)
			return false;
		for (unsigned int i = 0; i < MASK_WORDS; i++)
			words[i] |= atomic_load_explicit(&c->mask[i], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&c->gen, memory_order_relaxed) != g)
			return false;
	}
	return true;
}

int msrtrap_engine_vcpu_sync(struct msrtrap_engine_vcpu *vcpu)
{
	struct msrtrap_engine *vm;
	const struct msrtrap_cfilter *cf;
	struct mt_wordset changes;
	bool known = false;
	uint64_t gen;

	if (!vcpu)
		return -EINVAL;
	if (!msrtrap_engine_vcpu_refresh_pending(vcpu))
		return 0;
	vm = vcpu->vm;
	cf = msrtrap_publisher_enter(vcpu->reader);
	/* the filter we got is of this generation or a later one: recording
	 * this generation can only make the next sync do more, never less */
	gen = msrtrap_publisher_reader_generation(vcpu->reader);
	if (vm->strategy == MSRTRAP_STRATEGY_DELTA)
		known = collect_changes(vm, vcpu->synced_gen, gen, &changes);
	mt_vcpu_refresh(&vcpu->core, vm->strategy, cf ? &cf->core : NULL,
			known ? &changes : NULL);
	msrtrap_publisher_exit(vcpu->reader);
	vcpu->synced_gen = gen;
	vcpu->recalc_pending = false;
	return 1;
}

const void *msrtrap_engine_vcpu_bitmap(const struct msrtrap_engine_vcpu *vcpu)
{
	return vcpu ? vcpu->core.hw : NULL;
}

int msrtrap_engine_vcpu_wish(const struct msrtrap_engine_vcpu *vcpu, uint32_t msr,
		      enum msrtrap_access access)
{
	if (!vcpu)
		return -EINVAL;
	return mt_vcpu_wish(&vcpu->core, msr, access);
}

int msrtrap_engine_vcpu_stats(const struct msrtrap_engine_vcpu *vcpu,
			      struct msrtrap_engine_vcpu_stats *stats)
{
	struct msrtrap_engine_vcpu_stats ours;

	if (!vcpu)
		return -EINVAL;
	ours = vcpu->core.stats;
	ours.sz = sizeof(ours);
	return mt_out_copy(stats, &ours, sizeof(ours));
}

void msrtrap_engine_vcpu_stats_reset(struct msrtrap_engine_vcpu *vcpu)
{
	if (vcpu)
		mt_vcpu_stats_reset(&vcpu->core);
}
