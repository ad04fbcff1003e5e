// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fuzz the intercept engine with operation sequences: the input decodes
 * (below) into intercept on/off over small intervals, small random KVM
 * filters (valid or not), filter removal and vCPU syncs, applied to four
 * VMs, one per enum msrtrap_strategy, with one or two vCPUs each.
 *  - every call answers the same in every VM;
 *  - after every sync the synced vCPUs' bitmaps are identical, byte for
 *    byte, in all four VMs (invariant 37);
 *  - with pass-through "all", after a sync, hardware bit = wish OR
 *    filter-denies (invariants 33-36, 38) at every MSR an operation named
 *    (interval ends and neighbours, filter range edges), checked against
 *    msrtrap_engine_vcpu_wish() and msrtrap_filter_allowed() of the filter the
 *    harness knows to be in force.
 *
 * Input: byte 0: bit 0 SVM (else VMX), bit 2 two vCPUs, bits 1 and 3-5
 * all set pass-through all, else kvm-2022. One input in 16 is "all":
 * there the per-MSR strategies walk all 16384 (VMX) or 24576 (SVM) MSRs
 * twice per refresh, as KVM walked its list, ~1 ms under ASan, which made
 * them most of the harness's time at one in two (docs/fuzzing.md); for the
 * same reason an "all" input syncs at most ALL_SYNCS times (later sync
 * operations are read and skipped). Then operations, op byte % 8:
 *   0-2 intercept: VCPU OFFSET... see next_interval(), ACCESS, ON
 *   3   filter: FLAGS (bit 0 default deny, bits 1-2 range count), per
 *       range: RFLAGS (% 4; 0 is invalid), BASE, NMSRS, bitmap bytes
 *   4   filter none
 *   5-7 sync VCPU (value >= vCPU count: all)
 * A missing byte reads as 0; at most 256 operations.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

#define NSTRAT MSRTRAP_STRATEGY_COUNT
#define MAX_OPS 256
#define ALL_SYNCS 4

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t next(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* Interesting places: span edges, the common MSRs, x2APIC, SVM's third span. */
static const uint32_t pool[] = {
	0x0, 0x10, 0x174, 0x1c0, 0x7c0, 0x800, 0x8c0, 0x1fc0, 0xc0000000,
	0xc0000080, 0xc0000100, 0xc0001fc0, 0xc0010000, 0xc0011fc0,
	0x40000000, 0xffffffc0,
};
#define NPOOL (sizeof(pool) / sizeof(pool[0]))

static uint32_t next_msr(struct input *in)
{
	uint32_t base = pool[next(in) % NPOOL];

	return base + (next(in) & 0x7f);
}

struct state {
	enum msrtrap_format fmt;
	enum msrtrap_passthrough pt;
	unsigned int nvcpus;
	struct msrtrap_engine *vm[NSTRAT];
	struct msrtrap_engine_vcpu *vcpu[NSTRAT][2];
	struct msrtrap_filter *in_force; /* a copy; NULL: none */
	unsigned int syncs;
	struct fuzz_samples s;
};

static void same_rc(const int *rc, const char *what)
{
	for (int k = 1; k < NSTRAT; k++)
		FUZZ_CHECK(rc[k] == rc[0], "%s: %s returns %d, %s %d", what,
			   msrtrap_strategy_name((enum msrtrap_strategy)k), rc[k],
			   msrtrap_strategy_name(0), rc[0]);
}

static void op_intercept(struct state *st, struct input *in)
{
	unsigned int v = next(in) % (st->nvcpus + 1);
	uint32_t first = next_msr(in);
	uint32_t n = next(in) % 72;
	uint32_t last = first + n < first ? UINT32_MAX : first + n;
	unsigned int acc = 1 + next(in) % 3;
	bool on = next(in) & 1;
	int rc[NSTRAT];

	fuzz_sample_around(&st->s, first);
	fuzz_sample_around(&st->s, last);
	for (unsigned int i = 0; i < st->nvcpus; i++) {
		if (v < st->nvcpus && i != v)
			continue;
		for (int k = 0; k < NSTRAT; k++)
			rc[k] = msrtrap_engine_vcpu_intercept(st->vcpu[k][i], first, last, acc, on);
		same_rc(rc, "intercept");
		FUZZ_CHECK(rc[0] == 0 || rc[0] == -ERANGE, "intercept: %d", rc[0]);
	}
}

static void install(struct state *st, struct msrtrap_filter *f)
{
	MSRTRAP_OPTS(msrtrap_error, diag);
	int rc[NSTRAT];

	for (int k = 0; k < NSTRAT; k++)
		rc[k] = msrtrap_engine_set_filter(st->vm[k], f, &diag);
	same_rc(rc, "set_filter");
	FUZZ_CHECK(rc[0] == 0 || (f && msrtrap_filter_validate(f, NULL) == rc[0]),
		   "set_filter: %d", rc[0]);
	if (rc[0] == 0) {
		msrtrap_filter_free(st->in_force);
		st->in_force = f;
	} else {
		msrtrap_filter_free(f);
	}
}

static void op_filter(struct state *st, struct input *in)
{
	uint8_t flags = next(in), bitmap[160];
	unsigned int nr = (flags >> 1) % 4;
	struct msrtrap_filter *f;

	FUZZ_CHECK(msrtrap_filter_new(flags & 1, &f) == 0, "filter_new");
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int rflags = next(in) % 4;
		uint32_t base = next_msr(in);
		uint32_t nmsrs = 1 + next(in) % 130;
		size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);

		for (size_t j = 0; j < len; j++)
			bitmap[j] = j < (nmsrs + 7) / 8 ? next(in) : 0;
		FUZZ_CHECK(msrtrap_filter_add_range(f, rflags, base, nmsrs, bitmap,
						    len) == 0, "add_range");
		fuzz_sample_around(&st->s, base);
		fuzz_sample_around(&st->s, base + nmsrs - 1);
		fuzz_sample_around(&st->s, base + nmsrs);
	}
	install(st, f);
}

static void check_bits(struct state *st, unsigned int v)
{
	const void *bm = msrtrap_engine_vcpu_bitmap(st->vcpu[0][v]);

	for (size_t i = 0; i < st->s.n; i++) {
		uint32_t msr = st->s.msr[i];

		for (unsigned int acc = MSRTRAP_READ; acc <= MSRTRAP_WRITE; acc++) {
			int hw = !!msrtrap_raw_test(st->fmt, bm, msr, acc);
			int wish = msrtrap_engine_vcpu_wish(st->vcpu[0][v], msr, acc);
			int allowed = msrtrap_filter_allowed(st->in_force, msr, acc);

			if (!msrtrap_format_covers(st->fmt, msr)) {
				FUZZ_CHECK(hw == 1, "uncovered 0x%x passes", msr);
				continue;
			}
			FUZZ_CHECK(wish == 0 || wish == 1, "wish(0x%x): %d", msr, wish);
			FUZZ_CHECK(hw == (wish || !allowed),
				   "vcpu %u MSR 0x%x access %u: bit %d, wish %d, filter allows %d",
				   v, msr, acc, hw, wish, allowed);
		}
	}
}

static void op_sync(struct state *st, struct input *in)
{
	unsigned int v = next(in) % (st->nvcpus + 1);
	size_t size = msrtrap_format_size(st->fmt);
	int rc[NSTRAT];

	if (st->pt == MSRTRAP_PASSTHROUGH_ALL && st->syncs++ >= ALL_SYNCS)
		return;

	for (unsigned int i = 0; i < st->nvcpus; i++) {
		if (v < st->nvcpus && i != v)
			continue;
		for (int k = 0; k < NSTRAT; k++)
			rc[k] = msrtrap_engine_vcpu_sync(st->vcpu[k][i]);
		same_rc(rc, "sync");
		FUZZ_CHECK(rc[0] == 0 || rc[0] == 1, "sync: %d", rc[0]);
		for (int k = 1; k < NSTRAT; k++) {
			const uint8_t *a = msrtrap_engine_vcpu_bitmap(st->vcpu[0][i]);
			const uint8_t *b = msrtrap_engine_vcpu_bitmap(st->vcpu[k][i]);

			if (memcmp(a, b, size)) {
				size_t byte = 0;

				while (a[byte] == b[byte])
					byte++;
				FUZZ_CHECK(0, "after sync, vcpu %u: %s and %s differ at byte 0x%zx (%02x/%02x)",
					   i, msrtrap_strategy_name(0),
					   msrtrap_strategy_name((enum msrtrap_strategy)k),
					   byte, a[byte], b[byte]);
			}
		}
		if (st->pt == MSRTRAP_PASSTHROUGH_ALL)
			check_bits(st, i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct state *st = calloc(1, sizeof(*st));
	uint8_t h = next(&in);

	if (!st)
		abort();
	st->fmt = h & 1 ? MSRTRAP_FMT_SVM : MSRTRAP_FMT_VMX;
	st->pt = (h & 0x3a) == 0x3a ? MSRTRAP_PASSTHROUGH_ALL : MSRTRAP_PASSTHROUGH_KVM2022;
	st->nvcpus = h & 4 ? 2 : 1;
	fuzz_sample_fixed(&st->s);
	for (int k = 0; k < NSTRAT; k++) {
		MSRTRAP_OPTS(msrtrap_engine_opts, opts,
			     .format = st->fmt,
			     .strategy = (enum msrtrap_strategy)k,
			     .passthrough = st->pt,
			     .max_vcpus = 2);

		FUZZ_CHECK(msrtrap_engine_new(&opts, &st->vm[k]) == 0, "vm_new");
		for (unsigned int i = 0; i < st->nvcpus; i++)
			FUZZ_CHECK(msrtrap_engine_vcpu_new(st->vm[k], NULL, &st->vcpu[k][i]) == 0,
				   "vcpu_new");
	}
	for (int n = 0; n < MAX_OPS && in.left; n++) {
		switch (next(&in) % 8) {
		case 0: case 1: case 2:
			op_intercept(st, &in);
			break;
		case 3:
			op_filter(st, &in);
			break;
		case 4:
			install(st, NULL);
			break;
		default:
			op_sync(st, &in);
			break;
		}
	}
	for (int k = 0; k < NSTRAT; k++) {
		for (unsigned int i = 0; i < st->nvcpus; i++)
			msrtrap_engine_vcpu_free(st->vcpu[k][i]);
		msrtrap_engine_free(st->vm[k]);
	}
	msrtrap_filter_free(st->in_force);
	free(st);
	return 0;
}
