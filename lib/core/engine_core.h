/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The freestanding part of the intercept engine: one vCPU's wishes and
 * hardware bitmap, the intercept operations and the four refresh
 * strategies. The hosted part (lib/engine/engine.c) owns VMs, publishes filters
 * and tells a vCPU which filter is in force and what changed.
 *
 * Everything is kept in "MSR-word space": a representable span of 8192
 * MSRs is 128 words of 64 MSRs, per direction. Span s, word w covers MSRs
 * first(s) + 64w .. +63, whatever the hardware format's bit layout.
 */
#ifndef MSRTRAP_LIB_ENGINE_CORE_H
#define MSRTRAP_LIB_ENGINE_CORE_H

#include <msrtrap/engine.h>

#include "core.h"
#include "filter_core.h"

#define MT_MAX_SPANS 3
#define MT_SPAN_WORDS (MT_SPAN_MSRS / 64)

/* A set of MSR words: bit w of words[s][dir][w / 64]. */
struct mt_wordset {
	uint64_t words[MT_MAX_SPANS][2][MT_SPAN_WORDS / 64];
};

struct mt_vcpu {
	enum msrtrap_format fmt;
	enum msrtrap_passthrough passthrough;
	enum msrtrap_kernel kernel; /* NONE: the passthrough/strategy model */
	unsigned int nspans;
	struct mt_span_geom span[MT_MAX_SPANS];
	uint8_t *hw; /* the hardware bitmap */
	/* which MSRs are pass-through-capable (shared by the VM's vCPUs) */
	const uint64_t (*capable)[MT_SPAN_WORDS];
	/* 1 = the hypervisor wants the access intercepted */
	uint64_t wish[MT_MAX_SPANS][2][MT_SPAN_WORDS];
	struct msrtrap_engine_vcpu_stats stats;
};

/*
 * Fill the capable set for a format and profile: with a kernel set, that
 * kernel's list for the format (kvm-versions.md D3, D5), else `pt`'s.
 */
void mt_engine_capable(enum msrtrap_format fmt, enum msrtrap_passthrough pt,
		       enum msrtrap_kernel kernel,
		       uint64_t capable[MT_MAX_SPANS][MT_SPAN_WORDS]);

/*
 * The strategy whose bitmaps a kernel profile reproduces on a format
 * (kvm-versions.md §2, D3, D4); -1 for MSRTRAP_KERNEL_NONE or a bad one.
 */
int mt_kernel_strategy(enum msrtrap_kernel kernel, enum msrtrap_format fmt);

/* One (MSR, access) a kernel opens for a new vCPU (kvm-versions.md D9). */
struct mt_kernel_open {
	uint32_t msr;
	enum msrtrap_access access;
};

/* What kernel k opens at vCPU creation on fmt; NULL (n = 0) for none. */
const struct mt_kernel_open *mt_kernel_start(enum msrtrap_kernel k,
					     enum msrtrap_format fmt,
					     unsigned int *n);

/*
 * Set the wish of a capable MSR to pass for `access`, without touching the
 * hardware bit or a counter (v6.19's creation state before its recalc).
 */
void mt_vcpu_wish_pass(struct mt_vcpu *v, uint32_t msr,
		       enum msrtrap_access access);

/* Initialise a vCPU over caller memory `hw`: all intercepted, all wished. */
int mt_vcpu_init(struct mt_vcpu *v, enum msrtrap_format fmt,
		 enum msrtrap_passthrough pt, enum msrtrap_kernel kernel,
		 const uint64_t (*capable)[MT_SPAN_WORDS], void *hw);

/* vmx_{enable,disable}_intercept_for_msr() over [first, last]. */
int mt_vcpu_intercept(struct mt_vcpu *v, const struct mt_cfilter *cf,
		      uint32_t first, uint32_t last, enum msrtrap_access access,
		      bool intercept);

/*
 * The refresh after a filter change, against `cf` (the filter in force).
 * With a kernel profile the kernel's own refresh runs, call for call, and
 * `strategy` is not looked at. For DELTA, `changed` holds the words whose verdict may differ from the
 * filter of the last sync (NULL: unknown, treat all as changed).
 */
void mt_vcpu_refresh(struct mt_vcpu *v, enum msrtrap_strategy strategy,
		     const struct mt_cfilter *cf,
		     const struct mt_wordset *changed);

/* Words whose verdict differs between two filters (either may be NULL). */
void mt_filter_word_diff(enum msrtrap_format fmt, const struct mt_cfilter *a,
			 const struct mt_cfilter *b, struct mt_wordset *out);

void mt_vcpu_stats_reset(struct mt_vcpu *v);

struct msrtrap_x2apic_state;
int mt_vcpu_x2apic(struct mt_vcpu *v, enum msrtrap_kernel kernel,
		   unsigned int flags, struct msrtrap_x2apic_state *state);
int mt_vcpu_wish(const struct mt_vcpu *v, uint32_t msr,
		 enum msrtrap_access access);

#endif
