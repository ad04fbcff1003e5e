/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reference model of the intercept engine, written from the spec (§4:
 * KVM's vmx_{enable,disable}_intercept_for_msr(), the shadow wish, the
 * June 2022 pass-through list, the refresh on a filter change) and
 * independent of lib/core/engine.c: one MSR and one direction at a time,
 * bitmaps through ref_map.h. The filter verdict comes from the public
 * linear scan, msrtrap_filter_allowed(), which test_filter.c proves equal
 * to its own reference; nothing of the engine is shared.
 *
 * Spec facts first (the pass-through list, the exempt MSRs, the spans),
 * then the model: a VM of up to MAXV vCPUs, each with its bitmap, its
 * wishes and the pending-refresh flag.
 */
#ifndef MSRTRAP_REF_ENGINE_H
#define MSRTRAP_REF_ENGINE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <msrtrap/engine.h>
#include <msrtrap/filter.h>

#include "ref_map.h"
#include "testutil.h"

/* ---- spec facts, written down independently of the library ---- */

/* §4.1: vmx_possible_passthrough_msrs[], June 2022, in slot order */
static const uint32_t kvm2022_list[15] = {
	0x48, 0x49, 0x10, 0xc0000100, 0xc0000101, 0xc0000102, 0x1c4, 0x1c5,
	0x174, 0x175, 0x176, 0x660, 0x3fc, 0x3fd, 0x3fe,
};

static inline bool ref_listed(uint32_t msr)
{
	for (unsigned int i = 0; i < 15; i++)
		if (kvm2022_list[i] == msr)
			return true;
	return false;
}

/* §4.1: valid pass-through MSRs without a slot (no WARN) */
static inline bool ref_exempt(uint32_t msr)
{
	if (msr >= 0x800 && msr <= 0x8ff)	/* x2APIC */
		return true;
	if (msr == 0x560 || msr == 0x561 || msr == 0x571 || msr == 0x572 ||
	    (msr >= 0x580 && msr <= 0x587))	/* Intel PT */
		return true;
	if (msr == 0x1c8 || msr == 0x1c9 ||	/* LBR */
	    (msr >= 0xdc0 && msr <= 0xddf) || (msr >= 0x680 && msr <= 0x69f) ||
	    (msr >= 0x6c0 && msr <= 0x6df) ||
	    /* kvm-versions.md D1: MSR_LBR_CORE_FROM/TO (0x40, 0x60) + 0..8
	     * inclusive, v6.0 vmx.c:639-640 and msr-index.h:205-206 */
	    (msr >= 0x40 && msr <= 0x48) || (msr >= 0x60 && msr <= 0x68))
		return true;
	return false;
}

/* §2.1/§2.2: the representable spans (VMX the first two, SVM all three) */
#define SPAN_LEN 0x2000u
static const uint32_t span_first[3] = { 0x0, 0xc0000000, 0xc0010000 };

static inline unsigned int ref_nspans(enum msrtrap_format fmt)
{
	return fmt == MSRTRAP_FMT_SVM ? 3 : 2;
}

static inline size_t ref_size(enum msrtrap_format fmt)
{
	return fmt == MSRTRAP_FMT_SVM ? 8192 : 4096;
}

static inline uint32_t span_last(unsigned int span)
{
	return span_first[span] + SPAN_LEN - 1;
}

/* Index of a representable MSR in the wish arrays, -1 otherwise. */
static inline int ref_slot(enum msrtrap_format fmt, uint32_t msr)
{
	for (unsigned int s = 0; s < ref_nspans(fmt); s++)
		if (msr >= span_first[s] && msr <= span_last(s))
			return (int)(s * SPAN_LEN + (msr - span_first[s]));
	return -1;
}

static inline uint32_t ref_slot_msr(unsigned int slot)
{
	return span_first[slot / SPAN_LEN] + slot % SPAN_LEN;
}

/* Which MSR and direction a bit of the map belongs to (ref_position^-1). */
static bool ref_bit_msr(enum msrtrap_format fmt, size_t byte, unsigned int bit,
			uint32_t *msr, int *dir)
{
	if (fmt == MSRTRAP_FMT_VMX) {
		unsigned int quarter = byte / 0x400;

		*dir = quarter >= 2;
		*msr = ((quarter & 1) ? 0xc0000000 : 0) + (byte % 0x400) * 8 + bit;
		return true;
	}
	if (byte >= 0x1800)
		return false;
	*msr = span_first[byte / 0x800] + (byte % 0x800) * 4 + bit / 2;
	*dir = bit & 1;
	return true;
}

static inline unsigned int dir_access(int dir)
{
	return dir ? MSRTRAP_WRITE : MSRTRAP_READ;
}

/* The filter's verdict (0 deny, 1 allow) for one direction. */
static inline int allowed(const struct msrtrap_filter *f, uint32_t msr, int dir)
{
	int a = msrtrap_filter_allowed(f, msr, dir_access(dir));

	assert_true(a == 0 || a == 1);
	return a;
}

/* ---- the model ---- */

#define MAXV 4
#define NSLOT (3 * SPAN_LEN)

struct ref_vcpu {
	uint8_t hw[MSRTRAP_SVM_MSRPM_SIZE];	/* the bitmap, format layout */
	uint8_t wish[2][NSLOT];			/* [dir][slot]: 1 intercept */
	bool pending;
	uint64_t warnings;
	uint64_t refreshes;
};

struct ref_vm {
	enum msrtrap_format fmt;
	enum msrtrap_passthrough pt;
	size_t size;
	const struct msrtrap_filter *filter;	/* in force; NULL: none */
	unsigned int nvcpus;
	struct ref_vcpu vcpu[MAXV];
};

static inline bool ref_capable(const struct ref_vm *m, uint32_t msr)
{
	return ref_covers(m->fmt, msr) &&
	       (m->pt == MSRTRAP_PASSTHROUGH_ALL || ref_listed(msr));
}

static inline void ref_init(struct ref_vm *m, enum msrtrap_format fmt,
			    enum msrtrap_passthrough pt)
{
	m->fmt = fmt;
	m->pt = pt;
	m->size = ref_size(fmt);
	m->filter = NULL;
	m->nvcpus = 0;
}

static inline void ref_vcpu_add(struct ref_vm *m)
{
	struct ref_vcpu *c = &m->vcpu[m->nvcpus++];

	memset(c->hw, 0xff, sizeof(c->hw));
	memset(c->wish, 1, sizeof(c->wish));
	c->pending = false;
	c->warnings = 0;
	c->refreshes = 0;
}

/* What msrtrap_engine_vcpu_intercept() must return. */
static inline int ref_intercept_err(enum msrtrap_format fmt, uint32_t first,
				    uint32_t last, unsigned int access)
{
	if (first > last || access < MSRTRAP_READ || access > MSRTRAP_RW)
		return -EINVAL;
	for (unsigned int s = 0; s < ref_nspans(fmt); s++)
		if (first >= span_first[s] && last <= span_last(s))
			return 0;
	return -ERANGE;
}

static inline void ref_intercept(struct ref_vm *m, unsigned int v, uint32_t first,
				 uint32_t last, unsigned int access, bool on)
{
	struct ref_vcpu *c = &m->vcpu[v];

	for (uint64_t x = first; x <= last; x++) {
		uint32_t msr = (uint32_t)x;
		bool capable = ref_capable(m, msr);

		for (int d = 0; d < 2; d++) {
			if (!(access & dir_access(d)))
				continue;
			if (capable)
				c->wish[d][ref_slot(m->fmt, msr)] = on;
			ref_put(m->fmt, c->hw, msr, d,
				on ? 1 : !allowed(m->filter, msr, d));
		}
		/* enable and disable share the WARNing list look-up (§4.2/§4.3) */
		if (m->pt == MSRTRAP_PASSTHROUGH_KVM2022 && !ref_listed(msr) &&
		    !ref_exempt(msr))
			c->warnings++;
	}
}

static inline void ref_set_filter(struct ref_vm *m, const struct msrtrap_filter *f)
{
	m->filter = f;
	for (unsigned int v = 0; v < m->nvcpus; v++)
		m->vcpu[v].pending = true;
}

/*
 * hw = wish OR denied. Where the wish is "intercept" the bit is 1 already
 * (only "on" sets a wish, and it sets the bit), so only the pass-through
 * wishes need the filter; the final check of every sequence compares the
 * whole bitmap anyway.
 */
static inline void ref_refresh_one(struct ref_vm *m, struct ref_vcpu *c, uint32_t msr,
				   unsigned int slot, unsigned int *wish0)
{
	for (int d = 0; d < 2; d++) {
		if (c->wish[d][slot])
			continue;
		(*wish0)++;
		ref_put(m->fmt, c->hw, msr, d, !allowed(m->filter, msr, d));
	}
}

/*
 * sync: 1 if it refreshed. *wish0 counts the capable (MSR, direction)
 * pairs whose wish is pass-through.
 */
static inline int ref_sync(struct ref_vm *m, unsigned int v, unsigned int *wish0)
{
	struct ref_vcpu *c = &m->vcpu[v];

	*wish0 = 0;
	if (!c->pending)
		return 0;
	if (m->pt == MSRTRAP_PASSTHROUGH_KVM2022) {
		for (unsigned int i = 0; i < 15; i++)
			ref_refresh_one(m, c, kvm2022_list[i],
					(unsigned int)ref_slot(m->fmt, kvm2022_list[i]), wish0);
	} else {
		for (unsigned int slot = 0; slot < ref_nspans(m->fmt) * SPAN_LEN; slot++)
			if (!c->wish[0][slot] || !c->wish[1][slot])
				ref_refresh_one(m, c, ref_slot_msr(slot), slot, wish0);
	}
	c->pending = false;
	c->refreshes++;
	return 1;
}

static inline unsigned int ref_ncapable(const struct ref_vm *m)
{
	return m->pt == MSRTRAP_PASSTHROUGH_KVM2022 ? 15 :
						       ref_nspans(m->fmt) * SPAN_LEN;
}

#endif /* MSRTRAP_REF_ENGINE_H */
