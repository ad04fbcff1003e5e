// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The intercept engine (include/msrtrap/engine.h): spec invariants 33-40
 * (../shared/spec/kvm-msr-semantics.md §11), the U3/S17 filter swap of
 * live-kvm-notes §2.2/§3.4, the pending-refresh contract, the counters,
 * caller-supplied bitmaps, and a randomized differential test of the four
 * refresh strategies against a deliberately simple reference model.
 *
 * The reference model, tests/ref/ref_engine.h, is written from the spec
 * (§4 VMX June 2022, §5 SVM, §6 Linux 6.17, §9), not from
 * lib/engine/engine.c: per vCPU a bitmap in the
 * format's layout (written bit by bit with tests/ref/ref_map.h) and a byte per
 * pass-through-capable MSR and direction for the wish; the VM's filter is
 * the submitted struct msrtrap_filter, evaluated with the linear scan
 * msrtrap_filter_allowed(). Its four operations are the spec's:
 *
 *	intercept on:  wish = 1 (if capable), hw = 1
 *	intercept off: wish = 0 (if capable), hw = !allowed(filter in force);
 *		       kvm-2022: one warning per unlisted MSR that is not
 *		       x2APIC, Intel PT or LBR
 *	set filter:    it is in force; every vCPU has a refresh pending
 *	sync:	       if pending, hw = wish OR !allowed for every capable
 *		       MSR and direction
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <msrtrap/engine.h>
#include <msrtrap/filter.h>
#include <msrtrap/map.h>

#include "ref_engine.h"
#include "ref_map.h"
#include "testfilter.h"
#include "testutil.h"

#define R MSRTRAP_READ
#define W MSRTRAP_WRITE
#define RW MSRTRAP_RW
#define FR MSRTRAP_KVM_MSR_FILTER_READ
#define FW MSRTRAP_KVM_MSR_FILTER_WRITE
#define FRW (FR | FW)
#define DENY MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY
#define ALLOW MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW

#define VMX MSRTRAP_FMT_VMX
#define SVM MSRTRAP_FMT_SVM
#define PT_ALL MSRTRAP_PASSTHROUGH_ALL
#define PT_2022 MSRTRAP_PASSTHROUGH_KVM2022
#define NSTRAT MSRTRAP_STRATEGY_COUNT
#define REAPPLY MSRTRAP_STRATEGY_REAPPLY_ALL
#define SKIP MSRTRAP_STRATEGY_SKIP_INTERCEPTED
#define RECOMPUTE MSRTRAP_STRATEGY_RECOMPUTE
#define DELTA MSRTRAP_STRATEGY_DELTA

#define MSR_TSC 0x10
#define MSR_FLUSH_CMD 0x10b
#define MSR_PAT 0x277
#define MSR_XSS 0xda0
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_HWCR 0xc0010015
#define MSR_FAKE 0x474f4f00

static const enum msrtrap_format fmts[2] = { VMX, SVM };
static const enum msrtrap_passthrough pts[2] = { PT_ALL, PT_2022 };

static const char *dir_name(int dir)
{
	return dir ? "write" : "read";
}

/* Bits that differ between two maps (n a multiple of 8). */
static unsigned int popcount_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned int c = 0;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		for (x ^= y; x; x &= x - 1)
			c++;
	}
	return c;
}

/* ---- filters (mk(), add_fill(): testfilter.h) ---- */

/* Default allow, one range denying `flags` of one MSR. */
static struct msrtrap_filter *deny1(uint32_t flags, uint32_t msr)
{
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, flags, msr, 1, 0x00);
	return f;
}

/* U1/S18: default allow, deny XSS, FLUSH_CMD and a fabricated MSR */
static struct msrtrap_filter *u1_filter(void)
{
	struct msrtrap_filter *f = mk(ALLOW);

	add_fill(f, FRW, MSR_XSS, 1, 0x00);
	add_fill(f, FRW, MSR_FLUSH_CMD, 1, 0x00);
	add_fill(f, FRW, MSR_FAKE, 1, 0x00);
	return f;
}

static void describe_filter(const struct msrtrap_filter *f, char *buf, size_t len)
{
	size_t n;

	if (!f) {
		snprintf(buf, len, "NULL (no filter)");
		return;
	}
	n = (size_t)snprintf(buf, len, "flags=%#x", msrtrap_filter_flags(f));
	for (unsigned int i = 0; i < msrtrap_filter_nranges(f) && n < len; i++) {
		struct msrtrap_filter_range r;

		assert_int_equal(msrtrap_filter_range(f, i, &r), 0);
		n += (size_t)snprintf(buf + n, len - n, " [%u: flags=%#x %#x+%#x",
				      i, r.flags, r.base, r.nmsrs);
		for (size_t b = 0; r.bitmap && b < r.bitmap_len && b < 8 && n < len; b++)
			n += (size_t)snprintf(buf + n, len - n, "%s%02x",
					      b ? "" : " bm=", r.bitmap[b]);
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s]",
					      r.bitmap_len > 8 ? ".." : "");
	}
}

/* ---- engine helpers ---- */

static struct msrtrap_engine *vm_new(enum msrtrap_format fmt,
				 enum msrtrap_strategy strategy,
				 enum msrtrap_passthrough pt)
{
	MSRTRAP_OPTS(msrtrap_engine_opts, o,
		     .format = fmt,
		     .strategy = strategy,
		     .passthrough = pt);
	struct msrtrap_engine *vm = NULL;

	assert_int_equal(msrtrap_engine_new(&o, &vm), 0);
	assert_non_null(vm);
	return vm;
}

static struct msrtrap_engine_vcpu *vcpu_new(struct msrtrap_engine *vm)
{
	MSRTRAP_OPTS(msrtrap_engine_vcpu_opts, o);
	struct msrtrap_engine_vcpu *v = NULL;

	assert_int_equal(msrtrap_engine_vcpu_new(vm, &o, &v), 0);
	assert_non_null(v);
	return v;
}

static void set_filter(struct msrtrap_engine *vm, const struct msrtrap_filter *f)
{
	MSRTRAP_OPTS(msrtrap_error, d);

	assert_int_equal(msrtrap_engine_set_filter(vm, f, &d), 0);
}

/*
 * A rig: the same VM once per strategy, one vCPU each, driven in lockstep.
 */
struct rig {
	enum msrtrap_format fmt;
	enum msrtrap_passthrough pt;
	struct msrtrap_engine *vm[NSTRAT];
	struct msrtrap_engine_vcpu *v[NSTRAT];
};

static void rig_new(struct rig *r, enum msrtrap_format fmt,
		    enum msrtrap_passthrough pt)
{
	r->fmt = fmt;
	r->pt = pt;
	for (int s = 0; s < NSTRAT; s++) {
		r->vm[s] = vm_new(fmt, s, pt);
		r->v[s] = vcpu_new(r->vm[s]);
	}
}

static void rig_free(struct rig *r)
{
	for (int s = 0; s < NSTRAT; s++) {
		msrtrap_engine_vcpu_free(r->v[s]);
		msrtrap_engine_free(r->vm[s]);
	}
}

static void rig_icpt(struct rig *r, uint32_t first, uint32_t last,
		     unsigned int access, bool on)
{
	for (int s = 0; s < NSTRAT; s++)
		assert_int_equal(msrtrap_engine_vcpu_intercept(r->v[s], first, last, access, on), 0);
}

static void rig_on(struct rig *r, uint32_t msr, unsigned int access)
{
	rig_icpt(r, msr, msr, access, true);
}

static void rig_off(struct rig *r, uint32_t msr, unsigned int access)
{
	rig_icpt(r, msr, msr, access, false);
}

/* Install (a copy of) f on every VM and free f. */
static void rig_set(struct rig *r, struct msrtrap_filter *f)
{
	for (int s = 0; s < NSTRAT; s++) {
		set_filter(r->vm[s], f);
		assert_true(msrtrap_engine_vcpu_refresh_pending(r->v[s]));
	}
	msrtrap_filter_free(f);
}

static void rig_sync(struct rig *r, int expect)
{
	for (int s = 0; s < NSTRAT; s++) {
		assert_int_equal(msrtrap_engine_vcpu_sync(r->v[s]), expect);
		assert_false(msrtrap_engine_vcpu_refresh_pending(r->v[s]));
	}
}

/* The intercepted subset of `access` for strategy s. */
static int rig_test(struct rig *r, int s, uint32_t msr, unsigned int access)
{
	return msrtrap_raw_test(r->fmt, msrtrap_engine_vcpu_bitmap(r->v[s]), msr, access);
}

/* Every strategy answers `want` for (msr, access). */
static void rig_expect(struct rig *r, uint32_t msr, unsigned int access, int want)
{
	for (int s = 0; s < NSTRAT; s++) {
		int got = rig_test(r, s, msr, access);

		if (got != want)
			fail_msg("%s %s %s: MSR %#x access %u: intercepted %d, want %d",
				 msrtrap_format_name(r->fmt),
				 msrtrap_passthrough_name(r->pt),
				 msrtrap_strategy_name(s), msr, access, got, want);
	}
}

/* All strategies hold bit-identical bitmaps. */
static void rig_same(struct rig *r)
{
	const uint8_t *b0 = msrtrap_engine_vcpu_bitmap(r->v[0]);

	for (int s = 1; s < NSTRAT; s++)
		if (memcmp(b0, msrtrap_engine_vcpu_bitmap(r->v[s]), ref_size(r->fmt)))
			fail_msg("%s %s: %s and %s bitmaps differ",
				 msrtrap_format_name(r->fmt),
				 msrtrap_passthrough_name(r->pt),
				 msrtrap_strategy_name(0), msrtrap_strategy_name(s));
}

static void stats_of(struct msrtrap_engine_vcpu *v, struct msrtrap_engine_vcpu_stats *st)
{
	memset(st, 0xa5, sizeof(*st));
	st->sz = sizeof(*st);
	assert_int_equal(msrtrap_engine_vcpu_stats(v, st), 0);
}

static void stats_sub(struct msrtrap_engine_vcpu_stats *d, const struct msrtrap_engine_vcpu_stats *a,
		      const struct msrtrap_engine_vcpu_stats *b)
{
	d->lookups = a->lookups - b->lookups;
	d->words_written = a->words_written - b->words_written;
	d->bits_changed = a->bits_changed - b->bits_changed;
	d->notifications = a->notifications - b->notifications;
	d->warnings = a->warnings - b->warnings;
	d->refreshes = a->refreshes - b->refreshes;
}

/* ---- the randomized differential test (the model: ref_engine.h) ---- */

static const uint32_t interesting[] = {
	/* §4.1 list */
	0x48, 0x49, 0x10, 0xc0000100, 0xc0000101, 0xc0000102, 0x1c4, 0x1c5,
	0x174, 0x175, 0x176, 0x660, 0x3fc, 0x3fd, 0x3fe,
	/* x2APIC and its neighbours */
	0x7ff, 0x800, 0x802, 0x808, 0x80b, 0x830, 0x832, 0x83f, 0x840, 0x8ff, 0x900,
	/* Intel PT, LBR, and the MSRs just outside them */
	0x560, 0x561, 0x562, 0x570, 0x571, 0x572, 0x580, 0x587, 0x588,
	0x1c8, 0x1c9, 0x1ca, 0xdbf, 0xdc0, 0xddf, 0xde0, 0x67f, 0x680, 0x69f,
	0x6a0, 0x6bf, 0x6c0, 0x6df, 0x6e0, 0x3f, 0x40, 0x47, 0x48, 0x5f, 0x60,
	0x67, 0x68, 0x69, /* kvm-versions.md D1: Core LBR ends at 0x48/0x68 */
	/* span edges and 64-bit word boundaries */
	0x0, 0x1, 0x3e, 0x7f, 0x80, 0x81, 0x1fc0, 0x1fbf, 0x1ffe, 0x1fff,
	0x2000, 0x2001, 0xbfffffff, 0xc0000000, 0xc0000001, 0xc000003f,
	0xc0000040, 0xc0001fc0, 0xc0001ffe, 0xc0001fff, 0xc0002000,
	0xc000ffff, 0xc0010000, 0xc0010001, 0xc001003f, 0xc0010040,
	0xc0011fff, 0xc0012000, 0x40000000, 0x4b564d01, 0xffffffff,
	/* the MSRs of the peer suites and SVM's direct-access list */
	0xda0, 0x10b, 0x277, 0x1fc, 0x3a, 0xc0000080, 0xc0000081, 0xc0000082,
	0xc0000083, 0xc0000084, 0xc0000103, 0xc0010015, 0xc0010130,
	0x474f4f00,
};

#define POOL_MAX 512
#define MAX_OPS 2048

enum op_kind { OP_ICPT, OP_FILTER, OP_SYNC, OP_VCPU, OP_RESET };

struct op {
	enum op_kind kind;
	unsigned int v;		/* vCPU; MAXV: all */
	uint32_t first, last;
	unsigned int access;
	bool on;
	int err;
	struct msrtrap_filter *f; /* OP_FILTER (owned by the log) */
};

static struct {
	enum msrtrap_format fmt;
	enum msrtrap_passthrough pt;
	uint32_t pool[POOL_MAX];
	unsigned int npool;
	struct ref_vm *m;
	struct msrtrap_engine *vm[NSTRAT];
	struct msrtrap_engine_vcpu *v[NSTRAT][MAXV];
	struct op ops[MAX_OPS];
	unsigned int nops;
	uint64_t seq;
	/* volume */
	uint64_t nseq, nop, nsync, nrefresh;
} S;

static void seq_log_dump(void)
{
	char fbuf[1024];

	print_message("# sequence %llu: %s, passthrough %s, %u vCPU(s) at the end\n",
		      (unsigned long long)S.seq, msrtrap_format_name(S.fmt),
		      msrtrap_passthrough_name(S.pt), S.m->nvcpus);
	for (unsigned int i = 0; i < S.nops; i++) {
		const struct op *o = &S.ops[i];
		char vb[16];

		if (o->v == MAXV)
			snprintf(vb, sizeof(vb), "all");
		else
			snprintf(vb, sizeof(vb), "%u", o->v);
		switch (o->kind) {
		case OP_ICPT:
			print_message("#  %2u: vcpu %s intercept [%#x, %#x] access %u %s -> %d\n",
				      i, vb, o->first, o->last, o->access,
				      o->on ? "ON" : "OFF", o->err);
			break;
		case OP_FILTER:
			describe_filter(o->f, fbuf, sizeof(fbuf));
			print_message("#  %2u: set filter %s -> %d\n", i, fbuf, o->err);
			break;
		case OP_SYNC:
			print_message("#  %2u: sync vcpu %s\n", i, vb);
			break;
		case OP_VCPU:
			print_message("#  %2u: new vcpu %s\n", i, vb);
			break;
		case OP_RESET:
			print_message("#  %2u: stats reset vcpu %s\n", i, vb);
			break;
		}
	}
}

static void seq_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void seq_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seq_log_dump();
	fail_msg("sequence %llu: %s", (unsigned long long)S.seq, msg);
}

static struct op *seq_op(enum op_kind kind, unsigned int v)
{
	struct op *o = &S.ops[S.nops++];

	assert_true(S.nops <= MAX_OPS);
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->v = v;
	return o;
}

static void seq_build_pool(void)
{
	unsigned int n = 0;

	for (size_t i = 0; i < sizeof(interesting) / sizeof(interesting[0]); i++)
		S.pool[n++] = interesting[i];
	/* random ones in every span (the third is unrepresentable on VMX) */
	for (unsigned int s = 0; s < 3; s++)
		for (unsigned int i = 0; i < 30; i++)
			S.pool[n++] = span_first[s] + test_below(SPAN_LEN);
	/* neighbours of the listed MSRs */
	for (unsigned int i = 0; i < 15; i++)
		S.pool[n++] = kvm2022_list[i] + 1 + test_below(3);
	for (unsigned int i = 0; i < 4; i++)
		S.pool[n++] = test_rand32();
	assert_true(n <= POOL_MAX);
	S.npool = n;
}

static uint32_t pick_pool(void)
{
	return S.pool[test_below(S.npool)];
}

static uint32_t pick_repr(void)
{
	for (;;) {
		uint32_t msr = test_below(10) < 7 ? pick_pool() :
			span_first[test_below(ref_nspans(S.fmt))] + test_below(SPAN_LEN);

		if (ref_covers(S.fmt, msr))
			return msr;
	}
}

static uint32_t below_base(uint32_t msr, uint32_t k)
{
	return msr >= k ? msr - k : 0;
}

/* A range whose bitmap is one of a few shapes (1 = allow). */
static void add_shaped(struct msrtrap_filter *f, uint32_t flags, uint32_t base,
		       uint32_t nmsrs)
{
	uint8_t bm[MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE];
	size_t len = nmsrs > MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS ? 8 :
		msrtrap_kvm_bitmap_bytes(nmsrs);
	uint32_t span = nmsrs > MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS ? 64 : nmsrs;

	switch (test_below(6)) {
	case 0:
		memset(bm, 0x00, len);
		break;
	case 1:
		memset(bm, 0xff, len);
		break;
	case 2:
		test_fill_random(bm, len);
		break;
	case 3:
	case 4: /* allow all but a few */
		memset(bm, 0xff, len);
		for (unsigned int i = 1 + test_below(4); i; i--) {
			uint32_t b = test_below(span);

			bm[b / 8] &= (uint8_t)~(1u << (b % 8));
		}
		break;
	default: /* deny all but a few */
		memset(bm, 0x00, len);
		for (unsigned int i = 1 + test_below(4); i; i--) {
			uint32_t b = test_below(span);

			bm[b / 8] |= (uint8_t)(1u << (b % 8));
		}
		break;
	}
	assert_int_equal(msrtrap_filter_add_range(f, flags, base, nmsrs, bm, len), 0);
}

/* A random filter aimed at the pool; sometimes invalid. */
static struct msrtrap_filter *gen_filter(void)
{
	static const unsigned char nrs[] = { 0, 1, 1, 1, 2, 2, 3, 3, 4, 6 };
	uint32_t dflt = test_below(10) < 3 ? DENY : ALLOW;
	unsigned int nr = nrs[test_below(sizeof(nrs))];
	struct msrtrap_filter *f;

	if (test_below(60) == 0)
		dflt = 1u << (1 + test_below(31));	/* invalid flags */
	if (test_below(40) == 0)
		nr = 16;
	f = mk(dflt);
	for (unsigned int i = 0; i < nr; i++) {
		uint32_t flags = 1 + test_below(3);
		uint32_t msr = pick_pool(), base, nmsrs;

		switch (test_below(12)) {
		case 0: /* an empty range slot is ignored, whatever it holds */
			assert_int_equal(msrtrap_filter_add_range(f, test_rand32(),
						test_rand32(), 0, NULL, 0), 0);
			continue;
		case 1:
		case 2:
		case 3: /* one or two MSRs */
			base = msr;
			nmsrs = 1 + test_below(2);
			break;
		case 4:
		case 5: /* a few around a pool MSR */
			base = below_base(msr, test_below(64));
			nmsrs = 1 + test_below(128);
			break;
		case 6:
		case 7: /* medium, unaligned */
			base = below_base(msr, test_below(1024));
			nmsrs = 1 + test_below(2048);
			break;
		case 8: /* a span and beyond */
			base = below_base(span_first[test_below(3)], test_below(2) * test_below(0x100));
			nmsrs = SPAN_LEN + test_below(0x1001);
			break;
		case 9: /* x2APIC and both neighbours */
			base = 0x7f0 + test_below(0x20);
			nmsrs = 0x100 + test_below(0x40);
			break;
		case 10: /* wraps around 2^32: matches nothing */
			base = 0xffffffff - test_below(64);
			nmsrs = 65 + test_below(256);
			break;
		default: /* now and then invalid */
			base = msr;
			nmsrs = 1 + test_below(16);
			if (test_below(2) == 0) {
				if (test_below(2))
					flags = test_below(2) ? 0 : flags | 4;
				else
					nmsrs = MSRTRAP_KVM_MSR_FILTER_MAX_NMSRS + 1;
			}
			break;
		}
		add_shaped(f, flags, base, nmsrs);
	}
	return f;
}

/* A random valid filter. */
static struct msrtrap_filter *gen_valid_filter(void)
{
	for (;;) {
		struct msrtrap_filter *f = gen_filter();

		if (!msrtrap_filter_validate(f, NULL))
			return f;
		msrtrap_filter_free(f);
	}
}

static void seq_check_bitmaps(unsigned int v)
{
	const struct ref_vcpu *c = &S.m->vcpu[v];

	for (int s = 0; s < NSTRAT; s++) {
		const uint8_t *got = msrtrap_engine_vcpu_bitmap(S.v[s][v]);

		if (!memcmp(got, c->hw, S.m->size))
			continue;
		for (size_t b = 0; b < S.m->size; b++) {
			uint8_t x = got[b] ^ c->hw[b];
			unsigned int bit;
			uint32_t msr;
			int dir;

			if (!x)
				continue;
			bit = (unsigned int)__builtin_ctz(x);
			if (!ref_bit_msr(S.fmt, b, bit, &msr, &dir))
				seq_fail("%s vcpu %u: reserved MSRPM byte %#zx is %#x, must stay 0xff",
					 msrtrap_strategy_name(s), v, b, got[b]);
			seq_fail("%s vcpu %u: MSR %#x %s: bitmap says %s, the reference %s (byte %#zx bit %u)",
				 msrtrap_strategy_name(s), v, msr, dir_name(dir),
				 (got[b] >> bit) & 1 ? "intercept" : "pass",
				 (c->hw[b] >> bit) & 1 ? "intercept" : "pass", b, bit);
		}
	}
}

static void seq_check_pending(void)
{
	for (unsigned int v = 0; v < S.m->nvcpus; v++)
		for (int s = 0; s < NSTRAT; s++)
			if (msrtrap_engine_vcpu_refresh_pending(S.v[s][v]) != S.m->vcpu[v].pending)
				seq_fail("%s vcpu %u: refresh_pending %d, the reference %d",
					 msrtrap_strategy_name(s), v,
					 msrtrap_engine_vcpu_refresh_pending(S.v[s][v]),
					 S.m->vcpu[v].pending);
}

/*
 * The pool through msrtrap_raw_test() and msrtrap_engine_vcpu_wish(), for
 * strategies [s0, s1) (the whole bitmaps are compared byte for byte
 * after every operation anyway).
 */
static void seq_check_pool(unsigned int v, int s0, int s1)
{
	const struct ref_vcpu *c = &S.m->vcpu[v];

	for (int s = s0; s < s1; s++) {
		const void *bm = msrtrap_engine_vcpu_bitmap(S.v[s][v]);

		for (unsigned int i = 0; i < S.npool; i++) {
			uint32_t msr = S.pool[i];
			int want = (ref_test(S.fmt, c->hw, msr, false) ? R : 0) |
				   (ref_test(S.fmt, c->hw, msr, true) ? W : 0);
			int got = msrtrap_raw_test(S.fmt, bm, msr, RW);

			if (got != want)
				seq_fail("%s vcpu %u: MSR %#x intercepted %d, the reference %d",
					 msrtrap_strategy_name(s), v, msr, got, want);
			for (int d = 0; d < 2; d++) {
				int w = ref_capable(S.m, msr) ?
					c->wish[d][ref_slot(S.fmt, msr)] : -ENOENT;

				got = msrtrap_engine_vcpu_wish(S.v[s][v], msr, dir_access(d));
				if (got != w)
					seq_fail("%s vcpu %u: wish of MSR %#x %s is %d, the reference %d",
						 msrtrap_strategy_name(s), v, msr,
						 dir_name(d), got, w);
			}
		}
	}
}

static void seq_check_counters(unsigned int v)
{
	const struct ref_vcpu *c = &S.m->vcpu[v];

	for (int s = 0; s < NSTRAT; s++) {
		struct msrtrap_engine_vcpu_stats st;

		stats_of(S.v[s][v], &st);
		if (st.warnings != c->warnings || st.refreshes != c->refreshes)
			seq_fail("%s vcpu %u: %llu warnings, %llu refreshes; the reference %llu, %llu",
				 msrtrap_strategy_name(s), v,
				 (unsigned long long)st.warnings,
				 (unsigned long long)st.refreshes,
				 (unsigned long long)c->warnings,
				 (unsigned long long)c->refreshes);
	}
}

static void seq_intercept(unsigned int v, uint32_t first, uint32_t last,
			  unsigned int access, bool on)
{
	static uint8_t before[MSRTRAP_SVM_MSRPM_SIZE];
	struct ref_vcpu *c = &S.m->vcpu[v];
	struct op *o = seq_op(OP_ICPT, v);
	int want = ref_intercept_err(S.fmt, first, last, access);
	uint64_t warn0 = c->warnings;

	o->first = first;
	o->last = last;
	o->access = access;
	o->on = on;
	o->err = want;
	memcpy(before, c->hw, S.m->size);
	if (!want)
		ref_intercept(S.m, v, first, last, access, on);
	for (int s = 0; s < NSTRAT; s++) {
		struct msrtrap_engine_vcpu_stats a, b, d;
		int err;

		stats_of(S.v[s][v], &a);
		err = msrtrap_engine_vcpu_intercept(S.v[s][v], first, last, access, on);
		stats_of(S.v[s][v], &b);
		stats_sub(&d, &b, &a);
		if (err != want)
			seq_fail("%s: intercept returned %d, want %d",
				 msrtrap_strategy_name(s), err, want);
		if (want) {
			if (memcmp(&a, &b, sizeof(a)))
				seq_fail("%s: a failed intercept changed the counters",
					 msrtrap_strategy_name(s));
			continue;
		}
		if (d.warnings != c->warnings - warn0 || d.refreshes ||
		    d.notifications != (uint64_t)last - first + 1 ||
		    d.bits_changed != popcount_diff(before, c->hw, S.m->size) ||
		    (on && d.lookups))
			seq_fail("%s: intercept counted warnings %llu (want %llu), notifications %llu (want %llu), bits_changed %llu (want %u), lookups %llu, refreshes %llu",
				 msrtrap_strategy_name(s),
				 (unsigned long long)d.warnings,
				 (unsigned long long)(c->warnings - warn0),
				 (unsigned long long)d.notifications,
				 (unsigned long long)((uint64_t)last - first + 1),
				 (unsigned long long)d.bits_changed,
				 popcount_diff(before, c->hw, S.m->size),
				 (unsigned long long)d.lookups,
				 (unsigned long long)d.refreshes);
	}
	seq_check_bitmaps(v);
	seq_check_pending();
}

static void seq_set_filter(struct msrtrap_filter *f)
{
	struct op *o = seq_op(OP_FILTER, MAXV);
	int want = f ? msrtrap_filter_validate(f, NULL) : 0;

	o->f = f;
	o->err = want;
	for (int s = 0; s < NSTRAT; s++) {
		uint64_t gen = msrtrap_engine_filter_generation(S.vm[s]);
		struct msrtrap_engine_vcpu_stats a[MAXV], b;
		MSRTRAP_OPTS(msrtrap_error, diag);
		int err;

		for (unsigned int v = 0; v < S.m->nvcpus; v++)
			stats_of(S.v[s][v], &a[v]);
		err = msrtrap_engine_set_filter(S.vm[s], f, &diag);
		if (err != want)
			seq_fail("%s: set_filter returned %d, want %d",
				 msrtrap_strategy_name(s), err, want);
		if (msrtrap_engine_filter_generation(S.vm[s]) != gen + !want)
			seq_fail("%s: filter generation %llu after %llu, set_filter -> %d",
				 msrtrap_strategy_name(s),
				 (unsigned long long)msrtrap_engine_filter_generation(S.vm[s]),
				 (unsigned long long)gen, err);
		for (unsigned int v = 0; v < S.m->nvcpus; v++) {
			stats_of(S.v[s][v], &b);
			/* installing touches no bitmap */
			if (b.words_written != a[v].words_written ||
			    b.bits_changed != a[v].bits_changed ||
			    b.notifications != a[v].notifications ||
			    b.warnings != a[v].warnings ||
			    b.refreshes != a[v].refreshes)
				seq_fail("%s vcpu %u: set_filter changed bitmap counters",
					 msrtrap_strategy_name(s), v);
		}
	}
	if (!want)
		ref_set_filter(S.m, f);
	for (unsigned int v = 0; v < S.m->nvcpus; v++)
		seq_check_bitmaps(v);
	seq_check_pending();
}

static void seq_sync_one(unsigned int v)
{
	static uint8_t before[MSRTRAP_SVM_MSRPM_SIZE];
	unsigned int wish0;
	int want;

	memcpy(before, S.m->vcpu[v].hw, S.m->size);
	want = ref_sync(S.m, v, &wish0);
	for (int s = 0; s < NSTRAT; s++) {
		struct msrtrap_engine_vcpu_stats a, b, d;
		uint64_t notif;
		int r;

		stats_of(S.v[s][v], &a);
		r = msrtrap_engine_vcpu_sync(S.v[s][v]);
		stats_of(S.v[s][v], &b);
		stats_sub(&d, &b, &a);
		if (r != want)
			seq_fail("%s: sync of vcpu %u returned %d, want %d",
				 msrtrap_strategy_name(s), v, r, want);
		if (!want) {
			if (memcmp(&a, &b, sizeof(a)))
				seq_fail("%s: a sync with nothing pending changed the counters",
					 msrtrap_strategy_name(s));
			continue;
		}
		if (d.refreshes != 1 || d.warnings ||
		    d.bits_changed != popcount_diff(before, S.m->vcpu[v].hw, S.m->size))
			seq_fail("%s vcpu %u: sync counted refreshes %llu, warnings %llu, bits_changed %llu (want %u)",
				 msrtrap_strategy_name(s), v,
				 (unsigned long long)d.refreshes,
				 (unsigned long long)d.warnings,
				 (unsigned long long)d.bits_changed,
				 popcount_diff(before, S.m->vcpu[v].hw, S.m->size));
		switch (s) {
		case REAPPLY: /* one enable/disable call per MSR and direction */
			notif = 2ull * ref_ncapable(S.m);
			break;
		case SKIP: /* one disable call per pass-through wish */
			notif = wish0;
			break;
		default: /* one per sync that changed anything */
			notif = d.bits_changed > 0;
			break;
		}
		if (d.notifications != notif)
			seq_fail("%s vcpu %u: sync raised %llu notifications, want %llu",
				 msrtrap_strategy_name(s), v,
				 (unsigned long long)d.notifications,
				 (unsigned long long)notif);
	}
	seq_check_bitmaps(v);
	seq_check_pool(v, (int)(S.nsync % NSTRAT), (int)(S.nsync % NSTRAT) + 1);
	S.nsync++;
	S.nrefresh += (unsigned int)want;
}

static void seq_sync(unsigned int v)
{
	seq_op(OP_SYNC, v);
	if (v == MAXV) {
		for (unsigned int i = 0; i < S.m->nvcpus; i++)
			seq_sync_one(i);
	} else {
		seq_sync_one(v);
	}
	seq_check_pending();
}

static void seq_add_vcpu(void)
{
	unsigned int v = S.m->nvcpus;

	seq_op(OP_VCPU, v);
	for (int s = 0; s < NSTRAT; s++) {
		struct msrtrap_engine_vcpu_stats st, zero;

		S.v[s][v] = vcpu_new(S.vm[s]);
		stats_of(S.v[s][v], &st);
		memset(&zero, 0, sizeof(zero));
		zero.sz = sizeof(zero);
		if (memcmp(&st, &zero, sizeof(st)))
			seq_fail("%s: a new vCPU has non-zero counters",
				 msrtrap_strategy_name(s));
	}
	ref_vcpu_add(S.m);
	seq_check_bitmaps(v);
	seq_check_pending();
}

static void seq_reset(unsigned int v)
{
	seq_op(OP_RESET, v);
	for (int s = 0; s < NSTRAT; s++) {
		struct msrtrap_engine_vcpu_stats st, zero;

		msrtrap_engine_vcpu_stats_reset(S.v[s][v]);
		stats_of(S.v[s][v], &st);
		memset(&zero, 0, sizeof(zero));
		zero.sz = sizeof(zero);
		if (memcmp(&st, &zero, sizeof(st)))
			seq_fail("%s: counters not zero after reset",
				 msrtrap_strategy_name(s));
	}
	S.m->vcpu[v].warnings = 0;
	S.m->vcpu[v].refreshes = 0;
}

/* A random interval inside one span, mostly short. */
static void gen_interval(uint32_t *first, uint32_t *last)
{
	uint32_t msr = pick_repr();
	unsigned int span = (unsigned int)ref_slot(S.fmt, msr) / SPAN_LEN;
	uint32_t len, back, r = test_below(64);

	if (r < 32)
		len = 1 + test_below(8);
	else if (r < 52)
		len = 1 + test_below(128);
	else if (r < 62)
		len = 1 + test_below(1024);
	else
		len = 1 + test_below(SPAN_LEN);
	back = test_below(len);
	if (back > msr - span_first[span])
		back = msr - span_first[span];
	*first = msr - back;
	*last = span_last(span) - *first < len - 1 ? span_last(span) : *first + len - 1;
}

/* Intercept calls that must fail, changing nothing. */
static void gen_bad_intercept(unsigned int v)
{
	static const uint32_t unrepr[] = {
		0x2000, 0x3fff, 0x40000000, 0xbfffffff, 0xc0002000, 0xc000ffff,
		0xc0012000, 0xffffffff, 0xc0010000, 0xc0011fff,
	};
	unsigned int span = test_below(ref_nspans(S.fmt));
	uint32_t a, b;
	unsigned int access = 1 + test_below(3);

	switch (test_below(5)) {
	case 0: /* first > last */
		a = pick_repr();
		b = a - 1 - test_below(a < 16 ? 1 : 16);
		if (a == 0)
			b = 1, a = 2, access = 0;
		break;
	case 1: /* bad access */
		gen_interval(&a, &b);
		access = test_below(2) ? 0 : 4 + test_below(8);
		break;
	case 2: /* crosses the end of a span */
		a = span_last(span) - test_below(70);
		b = span_last(span) + 1 + test_below(70);
		break;
	case 3: /* starts before a span */
		span += span == 0;
		a = span_first[span] - 1 - test_below(70);
		b = span_first[span] + test_below(70);
		break;
	default: /* unrepresentable */
		a = b = unrepr[test_below(sizeof(unrepr) / sizeof(unrepr[0]))];
		if (test_below(4) == 0) {
			a = 0;
			b = 0xffffffff;
		}
		break;
	}
	seq_intercept(v, a, b, access, test_below(2));
}

/*
 * One random sequence on four VMs (one per strategy) and the reference.
 * Passthrough "all" makes reapply-all re-apply 2 x 16384 (VMX) or
 * 2 x 24576 (SVM) wishes per refresh, about a millisecond: those
 * sequences are a fifth of the total, shorter, with at most 2 vCPUs.
 */
static void seq_begin(enum msrtrap_format fmt, enum msrtrap_passthrough pt,
		      unsigned int nv)
{
	S.seq++;
	S.fmt = fmt;
	S.pt = pt;
	S.nops = 0;
	seq_build_pool();
	ref_init(S.m, S.fmt, S.pt);
	for (int s = 0; s < NSTRAT; s++)
		S.vm[s] = vm_new(S.fmt, s, S.pt);
	for (unsigned int i = 0; i < nv; i++)
		seq_add_vcpu();
}

/* Sync everything, compare everything, free everything. */
static void seq_end(void)
{
	seq_sync(MAXV);
	for (unsigned int v = 0; v < S.m->nvcpus; v++) {
		seq_check_pool(v, 0, NSTRAT);
		seq_check_counters(v);
	}

	S.nseq++;
	S.nop += S.nops;
	for (unsigned int v = 0; v < S.m->nvcpus; v++)
		for (int s = 0; s < NSTRAT; s++)
			msrtrap_engine_vcpu_free(S.v[s][v]);
	for (int s = 0; s < NSTRAT; s++)
		msrtrap_engine_free(S.vm[s]);
	for (unsigned int i = 0; i < S.nops; i++)
		msrtrap_filter_free(S.ops[i].f);
}

static void seq_setup(void)
{
	S.m = malloc(sizeof(*S.m));
	assert_non_null(S.m);
	S.nseq = S.nop = S.nsync = S.nrefresh = 0;
}

static void seq_teardown(void)
{
	free(S.m);
	S.m = NULL;
}

static void run_sequence(void)
{
	enum msrtrap_format fmt = fmts[test_below(2)];
	enum msrtrap_passthrough pt = test_below(5) ? PT_2022 : PT_ALL;
	unsigned int maxv = pt == PT_ALL ? 2 : MAXV;
	unsigned int nops = pt == PT_ALL ? 5 + test_below(11) : 5 + test_below(26);

	seq_begin(fmt, pt, 1 + test_below(maxv));
	for (unsigned int i = 0; i < nops; i++) {
		unsigned int r = test_below(100);
		unsigned int v = test_below(S.m->nvcpus);
		uint32_t first, last;

		if (r < 38) {
			first = last = test_below(10) < 9 ? pick_repr() : pick_pool();
			seq_intercept(v, first, last, 1 + test_below(3), test_below(100) < 35);
		} else if (r < 50) {
			gen_interval(&first, &last);
			seq_intercept(v, first, last, 1 + test_below(3), test_below(100) < 35);
		} else if (r < 52) {
			gen_bad_intercept(v);
		} else if (r < 70) {
			/* several changes between two syncs now and then */
			for (unsigned int k = test_below(4) ? 1 : 2 + test_below(2); k; k--)
				seq_set_filter(test_below(10) ? gen_filter() : NULL);
		} else if (r < 88) {
			seq_sync(v);
		} else if (r < 96) {
			seq_sync(MAXV);
		} else if (r < 99) {
			if (S.m->nvcpus < maxv)
				seq_add_vcpu();
		} else {
			seq_reset(v);
		}
	}
	seq_end();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Base volume of the differential test (test_volume()). */
#ifndef ENGINE_SEQUENCES
#define ENGINE_SEQUENCES 25000u
#endif

static void test_differential_random(void **state)
{
	unsigned long n = test_volume(ENGINE_SEQUENCES);
	const char *env = getenv("MSRTRAP_ENGINE_SEQUENCES");
	double t0 = now();

	if (env && *env)
		n = strtoul(env, NULL, 0);
	seq_setup();
	for (unsigned long i = 0; i < n; i++)
		run_sequence();
	printf("# %llu sequences, %llu operations, %llu syncs compared (%llu refreshes) in %.2f s\n",
	       (unsigned long long)S.nseq, (unsigned long long)S.nop,
	       (unsigned long long)S.nsync, (unsigned long long)S.nrefresh,
	       now() - t0);
	seq_teardown();
}

/*
 * A vCPU that lags many filter generations behind (the delta strategy may
 * keep a bounded history of what each generation changed): lags around
 * every power of two up to 200, with disables of the lagging vCPU under
 * the intermediate filters, all compared with the reference.
 */
static void test_delta_lagging_vcpu(void **state)
{
	static const unsigned int lags[] = {
		1, 2, 31, 32, 33, 62, 63, 64, 65, 66, 127, 128, 129, 200,
	};

	seq_setup();
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			seq_begin(fmts[i], pts[p], 2);
			for (size_t l = 0; l < sizeof(lags) / sizeof(lags[0]); l++) {
				for (unsigned int k = 0; k < lags[l]; k++) {
					seq_set_filter(test_below(10) ? gen_valid_filter() : NULL);
					if (test_below(4) == 0) {
						uint32_t msr = pick_repr();

						seq_intercept(1, msr, msr, 1 + test_below(3),
							      test_below(3) == 0);
					}
					/* vCPU 0 keeps up now and then */
					if (test_below(50) == 0)
						seq_sync(0);
				}
				seq_sync(1);
			}
			seq_end();
		}
	}
	printf("# lagging vCPU: %llu operations, %llu syncs compared\n",
	       (unsigned long long)S.nop, (unsigned long long)S.nsync);
	seq_teardown();
}

/*
 * The hard case for a bounded history: only the FIRST generation after the
 * vCPU's last sync changes MSR a's verdict; the following ones all change
 * other words (far away from a). If the first change is forgotten, a keeps
 * its old verdict.
 */
static void test_delta_first_of_many_changes(void **state)
{
	static const unsigned int lags[] = { 2, 63, 64, 65, 66, 100, 128, 129, 130 };
	static const uint32_t targets[] = { MSR_FS_BASE, MSR_TSC, 0x3fe, MSR_GS_BASE };

	seq_setup();
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
				uint32_t a = targets[t];

				seq_begin(fmts[i], pts[p], 2);
				seq_intercept(1, a, a, RW, false);
				for (size_t l = 0; l < sizeof(lags) / sizeof(lags[0]); l++) {
					for (int relax = 0; relax < 2; relax++) {
						/* baseline: a denied (relax) or allowed */
						seq_set_filter(relax ? deny1(FR, a) : NULL);
						seq_sync(1);
						for (unsigned int k = 0; k < lags[l]; k++) {
							/* the same verdict for a, a new one elsewhere */
							struct msrtrap_filter *f = mk(ALLOW);

							if (!relax)
								add_fill(f, FR, a, 1, 0x00);
							add_fill(f, FW, span_first[1] + 0x1000 + 64 * (k % 32), 1, 0x00);
							add_fill(f, FW, 0x1000 + 64 * (k / 32), 1, 0x00);
							seq_set_filter(f);
						}
						seq_sync(1);
					}
				}
				seq_end();
			}
		}
	}
	printf("# first-of-many: %llu operations, %llu syncs compared\n",
	       (unsigned long long)S.nop, (unsigned long long)S.nsync);
	seq_teardown();
}

/*
 * Filters installed from another thread while vCPU threads intercept and
 * sync. Whatever the interleaving, once the writer is done and every vCPU
 * has synced, each capable MSR must read wish OR denied(final filter), and
 * nothing else may have moved. (Meaningful under TSan too.)
 */
struct cc_vcpu {
	struct msrtrap_engine_vcpu *v;
	enum msrtrap_format fmt;
	enum msrtrap_passthrough pt;
	uint64_t rng;
	uint8_t wish[2][NSLOT];
	atomic_bool *stop;
	atomic_ulong ops;	/* done */
	atomic_ulong limit;	/* granted by the writer */
	unsigned long syncs, refreshes;
	int err;
};

static uint64_t cc_rand(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return (*st * 0x2545f4914f6cdd1dULL) >> 16;
}

static void cc_step(struct cc_vcpu *c)
{
	unsigned int span = (unsigned int)(cc_rand(&c->rng) % ref_nspans(c->fmt));
	uint32_t msr = cc_rand(&c->rng) % 2 ?
		kvm2022_list[cc_rand(&c->rng) % 15] :
		span_first[span] + (uint32_t)(cc_rand(&c->rng) % SPAN_LEN);
	unsigned int access = 1 + (unsigned int)(cc_rand(&c->rng) % 3);
	bool on = cc_rand(&c->rng) % 3 == 0;
	int r;

	if (c->pt == PT_2022)
		msr = kvm2022_list[cc_rand(&c->rng) % 15];
	r = msrtrap_engine_vcpu_intercept(c->v, msr, msr, access, on);
	if (r && !c->err)
		c->err = r;
	for (int d = 0; d < 2; d++)
		if (access & dir_access(d))
			c->wish[d][ref_slot(c->fmt, msr)] = on;
	atomic_fetch_add(&c->ops, 1);
	if (cc_rand(&c->rng) % 2) {
		r = msrtrap_engine_vcpu_sync(c->v);
		if (r < 0 && !c->err)
			c->err = r;
		c->syncs++;
		c->refreshes += r > 0;
	}
}

/* Run the operations the writer grants; a few more once it is done. */
static void *cc_vcpu_main(void *arg)
{
	struct cc_vcpu *c = arg;

	while (!atomic_load(c->stop)) {
		if (atomic_load(&c->ops) >= atomic_load(&c->limit)) {
			sched_yield();
			continue;
		}
		cc_step(c);
	}
	for (int i = 0; i < 20; i++)
		cc_step(c);
	return NULL;
}

static void test_concurrent_set_filter(void **state)
{
	enum { NV = 2, NF = 32 };
	static uint8_t expect[MSRTRAP_SVM_MSRPM_SIZE];
	unsigned long ops = 0, refreshes = 0;

	S.npool = 0;
	for (size_t k = 0; k < sizeof(interesting) / sizeof(interesting[0]); k++)
		S.pool[S.npool++] = interesting[k];
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			for (int s = 0; s < NSTRAT; s++) {
				struct msrtrap_filter *f[NF];
				struct cc_vcpu *c = calloc(NV, sizeof(*c));
				pthread_t th[NV];
				struct msrtrap_engine *vm = vm_new(fmts[i], s, pts[p]);
				atomic_bool stop = false;

				assert_non_null(c);
				S.fmt = fmts[i];
				for (int k = 0; k < NF; k++)
					f[k] = test_below(8) ? gen_valid_filter() : NULL;
				for (int k = 0; k < NV; k++) {
					c[k].v = vcpu_new(vm);
					c[k].fmt = fmts[i];
					c[k].pt = pts[p];
					c[k].rng = test_rand64() | 1;
					c[k].stop = &stop;
					atomic_store(&c[k].ops, 0);
					atomic_store(&c[k].limit, 20);
					memset(c[k].wish, 1, sizeof(c[k].wish));
					assert_int_equal(pthread_create(&th[k], NULL, cc_vcpu_main, &c[k]), 0);
				}
				for (int k = 0; k < NF; k++) {
					/* grant each vCPU a few operations that race the publish */
					for (int j = 0; j < NV; j++)
						atomic_fetch_add(&c[j].limit, 1 + test_below(8));
					set_filter(vm, f[k]);
					for (int j = 0; j < NV; j++)
						while (atomic_load(&c[j].ops) < atomic_load(&c[j].limit))
							sched_yield();
				}
				atomic_store(&stop, true);
				for (int k = 0; k < NV; k++) {
					const uint8_t *bm;

					assert_int_equal(pthread_join(th[k], NULL), 0);
					assert_int_equal(c[k].err, 0);
					msrtrap_engine_vcpu_sync(c[k].v);
					assert_false(msrtrap_engine_vcpu_refresh_pending(c[k].v));
					memset(expect, 0xff, sizeof(expect));
					for (unsigned int slot = 0; slot < ref_nspans(fmts[i]) * SPAN_LEN; slot++) {
						uint32_t msr = ref_slot_msr(slot);

						for (int d = 0; d < 2; d++)
							if (!c[k].wish[d][slot])
								ref_put(fmts[i], expect, msr, d,
									!allowed(f[NF - 1], msr, d));
					}
					bm = msrtrap_engine_vcpu_bitmap(c[k].v);
					for (size_t b = 0; b < ref_size(fmts[i]); b++) {
						uint32_t msr;
						int dir;

						if (bm[b] == expect[b])
							continue;
						assert_true(ref_bit_msr(fmts[i], b,
							(unsigned int)__builtin_ctz(bm[b] ^ expect[b]), &msr, &dir));
						fail_msg("%s %s %s vcpu %d: MSR %#x %s: bitmap %d, want %d (wish %d, final filter allows %d)",
							 msrtrap_format_name(fmts[i]),
							 msrtrap_passthrough_name(pts[p]),
							 msrtrap_strategy_name(s), k, msr, dir_name(dir),
							 ref_test(fmts[i], bm, msr, dir),
							 ref_test(fmts[i], expect, msr, dir),
							 c[k].wish[dir][ref_slot(fmts[i], msr)],
							 allowed(f[NF - 1], msr, dir));
					}
					ops += atomic_load(&c[k].ops);
					refreshes += c[k].refreshes;
					msrtrap_engine_vcpu_free(c[k].v);
				}
				msrtrap_engine_free(vm);
				for (int k = 0; k < NF; k++)
					msrtrap_filter_free(f[k]);
				free(c);
			}
		}
	}
	printf("# concurrent: %lu vCPU operations, %lu refreshes racing %d filter changes per VM\n",
	       ops, refreshes, NF);
}

/* ---- API basics ---- */

static void test_names(void **state)
{
	static const char *const sn[NSTRAT] = {
		"reapply-all", "skip-intercepted", "recompute", "delta",
	};

	for (int s = 0; s < NSTRAT; s++) {
		assert_string_equal(msrtrap_strategy_name(s), sn[s]);
		assert_int_equal(msrtrap_strategy_parse(sn[s]), s);
	}
	assert_null(msrtrap_strategy_name(NSTRAT));
	assert_null(msrtrap_strategy_name((enum msrtrap_strategy)-1));
	assert_int_equal(msrtrap_strategy_parse("bogus"), -EINVAL);
	assert_int_equal(msrtrap_strategy_parse(""), -EINVAL);
	assert_string_equal(msrtrap_passthrough_name(PT_ALL), "all");
	assert_string_equal(msrtrap_passthrough_name(PT_2022), "kvm-2022");
	assert_int_equal(msrtrap_passthrough_parse("all"), PT_ALL);
	assert_int_equal(msrtrap_passthrough_parse("kvm-2022"), PT_2022);
	assert_null(msrtrap_passthrough_name(2));
	assert_int_equal(msrtrap_passthrough_parse("kvm-2021"), -EINVAL);
}

/*
 * The stats struct grows by its size field: an older caller's shorter
 * struct gets exactly its prefix, a newer caller's longer one keeps its
 * extra bytes, a size that cannot hold sz is refused.
 */
static void test_stats_sz(void **state)
{
	struct msrtrap_engine *vm = vm_new(VMX, RECOMPUTE, PT_ALL);
	struct msrtrap_engine_vcpu *v = vcpu_new(vm);
	size_t old_sz = offsetof(struct msrtrap_engine_vcpu_stats, bits_changed);
	struct msrtrap_engine_vcpu_stats full, part;
	struct {
		struct msrtrap_engine_vcpu_stats st;
		uint64_t future;
	} big;
	const unsigned char *p = (const unsigned char *)&part;

	/* some counters that are not zero */
	assert_int_equal(msrtrap_engine_vcpu_intercept(v, MSR_FS_BASE, MSR_FS_BASE, RW, false), 0);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v, MSR_FS_BASE, MSR_FS_BASE, RW, true), 0);
	stats_of(v, &full);
	assert_true(full.words_written > 0 && full.bits_changed > 0);

	memset(&part, 0xa5, sizeof(part));
	part.sz = old_sz;
	assert_int_equal(msrtrap_engine_vcpu_stats(v, &part), 0);
	assert_int_equal(part.sz, old_sz);
	assert_int_equal(part.lookups, full.lookups);
	assert_int_equal(part.words_written, full.words_written);
	for (size_t i = old_sz; i < sizeof(part); i++)
		assert_int_equal(p[i], 0xa5);

	memset(&big, 0xa5, sizeof(big));
	big.st.sz = sizeof(big);
	assert_int_equal(msrtrap_engine_vcpu_stats(v, &big.st), 0);
	assert_int_equal(big.st.sz, sizeof(big));
	assert_int_equal(big.st.refreshes, full.refreshes);
	assert_int_equal(big.st.bits_changed, full.bits_changed);
	assert_int_equal(big.future, 0xa5a5a5a5a5a5a5a5ULL);

	part.sz = sizeof(size_t) - 1;
	assert_int_equal(msrtrap_engine_vcpu_stats(v, &part), -EINVAL);
	part.sz = sizeof(size_t);
	assert_int_equal(msrtrap_engine_vcpu_stats(v, &part), 0);
	assert_int_equal(msrtrap_engine_vcpu_stats(v, NULL), -EINVAL);
	assert_int_equal(msrtrap_engine_vcpu_stats(NULL, &full), -EINVAL);
	msrtrap_engine_vcpu_free(v);
	msrtrap_engine_free(vm);
}

static void test_api_errors(void **state)
{
	MSRTRAP_OPTS(msrtrap_engine_opts, o, .format = VMX);
	struct msrtrap_engine *vm = (void *)0x1;
	struct msrtrap_engine_vcpu *v[3];
	MSRTRAP_OPTS(msrtrap_error, diag);
	struct msrtrap_filter *f;

	assert_int_equal(msrtrap_engine_new(NULL, &vm), -EINVAL);
	o.format = MSRTRAP_FMT_NONE;
	assert_int_equal(msrtrap_engine_new(&o, &vm), -EINVAL);
	o.format = 3;
	assert_int_equal(msrtrap_engine_new(&o, &vm), -EINVAL);
	o.format = SVM;
	o.strategy = NSTRAT;
	assert_int_equal(msrtrap_engine_new(&o, &vm), -EINVAL);
	o.strategy = DELTA;
	o.passthrough = 2;
	assert_int_equal(msrtrap_engine_new(&o, &vm), -EINVAL);
	o.passthrough = PT_2022;
	o.max_vcpus = 4097;
	assert_int_equal(msrtrap_engine_new(&o, &vm), -EINVAL);
	assert_ptr_equal(vm, (void *)0x1);
	o.max_vcpus = 4096;
	assert_int_equal(msrtrap_engine_new(&o, &vm), 0);
	msrtrap_engine_free(vm);

	/* max_vcpus */
	o.max_vcpus = 2;
	assert_int_equal(msrtrap_engine_new(&o, &vm), 0);
	v[0] = vcpu_new(vm);
	v[1] = vcpu_new(vm);
	{
		MSRTRAP_OPTS(msrtrap_engine_vcpu_opts, vo);

		assert_int_equal(msrtrap_engine_vcpu_new(vm, &vo, &v[2]), -ENOSPC);
	}
	assert_int_equal(msrtrap_engine_filter_generation(vm), 0);

	/* intercept: all or nothing */
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0x11, 0x10, RW, false), -EINVAL);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0x10, 0x10, 0, false), -EINVAL);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0x10, 0x10, 4, false), -EINVAL);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0x2000, 0x2000, RW, false), -ERANGE);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0x1ff0, 0x2000, RW, false), -ERANGE);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0xbfffffff, 0xc0000010, RW, false), -ERANGE);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0, 0xffffffff, RW, false), -ERANGE);
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0xc0010000, 0xc0010000, R, false), 0); /* SVM */
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], 0xc0012000, 0xc0012000, R, false), -ERANGE);
	for (uint32_t m = 0x1ff0; m <= 0x1fff; m++)
		assert_int_equal(msrtrap_raw_test(SVM, msrtrap_engine_vcpu_bitmap(v[0]), m, RW), RW);

	/* wish: one direction at a time; -ENOENT when not recorded */
	assert_int_equal(msrtrap_engine_vcpu_wish(v[0], MSR_FS_BASE, RW), -EINVAL);
	assert_int_equal(msrtrap_engine_vcpu_wish(v[0], MSR_FS_BASE, 0), -EINVAL);
	assert_int_equal(msrtrap_engine_vcpu_wish(v[0], MSR_FS_BASE, R), 1);
	assert_int_equal(msrtrap_engine_vcpu_wish(v[0], MSR_PAT, R), -ENOENT);
	assert_int_equal(msrtrap_engine_vcpu_wish(v[0], 0x2000, W), -ENOENT);

	/* a rejected filter leaves the old one in force and raises nothing */
	f = deny1(FR, MSR_FS_BASE);
	assert_int_equal(msrtrap_engine_set_filter(vm, f, &diag), 0);
	msrtrap_filter_free(f);
	assert_int_equal(msrtrap_engine_filter_generation(vm), 1);
	assert_int_equal(msrtrap_engine_vcpu_sync(v[0]), 1);
	assert_int_equal(msrtrap_engine_vcpu_sync(v[1]), 1);
	f = mk(DENY);
	memset(&diag, 0, sizeof(diag));
	diag.sz = sizeof(diag);
	assert_int_equal(msrtrap_engine_set_filter(vm, f, &diag), -EINVAL);
	assert_string_equal(diag.where, "ranges");
	msrtrap_filter_free(f);
	f = mk(ALLOW);
	add_fill(f, FRW, 0, 0x3001, 0xff);
	memset(&diag, 0, sizeof(diag));
	diag.sz = sizeof(diag);
	assert_int_equal(msrtrap_engine_set_filter(vm, f, &diag), -EINVAL);
	assert_string_equal(diag.where, "ranges[0].nmsrs");
	msrtrap_filter_free(f);
	assert_int_equal(msrtrap_engine_filter_generation(vm), 1);
	assert_false(msrtrap_engine_vcpu_refresh_pending(v[0]));
	assert_int_equal(msrtrap_engine_vcpu_intercept(v[0], MSR_FS_BASE, MSR_FS_BASE, RW, false), 0);
	assert_int_equal(msrtrap_raw_test(SVM, msrtrap_engine_vcpu_bitmap(v[0]), MSR_FS_BASE, RW), R);

	msrtrap_engine_vcpu_free(v[0]);
	msrtrap_engine_vcpu_free(v[1]);
	msrtrap_engine_free(vm);
}

/* inv 8 for the engine's bitmaps; wishes start at "intercept". */
static void test_fresh_vcpu(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			for (int s = 0; s < NSTRAT; s++) {
				struct msrtrap_engine *vm = vm_new(fmts[i], s, pts[p]);
				struct msrtrap_engine_vcpu *v = vcpu_new(vm);
				const uint8_t *bm = msrtrap_engine_vcpu_bitmap(v);
				struct msrtrap_engine_vcpu_stats st, zero;

				assert_non_null(bm);
				for (size_t b = 0; b < ref_size(fmts[i]); b++)
					assert_int_equal(bm[b], 0xff);
				assert_false(msrtrap_engine_vcpu_refresh_pending(v));
				assert_int_equal(msrtrap_engine_vcpu_sync(v), 0);
				stats_of(v, &st);
				memset(&zero, 0, sizeof(zero));
				zero.sz = sizeof(zero);
				assert_memory_equal(&st, &zero, sizeof(st));
				for (unsigned int k = 0; k < 15; k++) {
					assert_int_equal(msrtrap_engine_vcpu_wish(v, kvm2022_list[k], R), 1);
					assert_int_equal(msrtrap_engine_vcpu_wish(v, kvm2022_list[k], W), 1);
				}
				assert_int_equal(msrtrap_engine_vcpu_wish(v, 0x808, R),
						 pts[p] == PT_ALL ? 1 : -ENOENT);
				assert_int_equal(msrtrap_engine_vcpu_wish(v, 0xc0010015, W),
						 pts[p] == PT_ALL && fmts[i] == SVM ? 1 : -ENOENT);
				msrtrap_engine_vcpu_free(v);
				msrtrap_engine_free(vm);
			}
		}
	}
}

/* Caller memory: used in place, initialised all-0xff, not freed. */
static void test_caller_bitmap(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int s = 0; s < NSTRAT; s++) {
			size_t size = ref_size(fmts[i]);
			uint8_t *buf = aligned_alloc(4096, size);
			struct msrtrap_engine *vm = vm_new(fmts[i], s, PT_ALL);
			MSRTRAP_OPTS(msrtrap_engine_vcpu_opts, o,
				     .bitmap = buf);
			struct msrtrap_engine_vcpu *v = (void *)0x1;
			struct msrtrap_filter *f;

			assert_non_null(buf);
			/* 8-byte alignment is required */
			o.bitmap = buf + 4;
			assert_int_equal(msrtrap_engine_vcpu_new(vm, &o, &v), -EINVAL);
			assert_ptr_equal(v, (void *)0x1);

			memset(buf, 0x5a, size);
			o.bitmap = buf;
			assert_int_equal(msrtrap_engine_vcpu_new(vm, &o, &v), 0);
			assert_ptr_equal(msrtrap_engine_vcpu_bitmap(v), buf);
			for (size_t b = 0; b < size; b++)
				assert_int_equal(buf[b], 0xff);
			assert_int_equal(msrtrap_engine_vcpu_intercept(v, MSR_FS_BASE, MSR_GS_BASE, RW, false), 0);
			assert_int_equal(msrtrap_raw_test(fmts[i], buf, MSR_FS_BASE, RW), 0);
			f = deny1(FW, MSR_GS_BASE);
			set_filter(vm, f);
			msrtrap_filter_free(f);
			assert_int_equal(msrtrap_engine_vcpu_sync(v), 1);
			assert_int_equal(msrtrap_raw_test(fmts[i], buf, MSR_GS_BASE, RW), W);
			assert_int_equal(msrtrap_raw_test(fmts[i], buf, MSR_FS_BASE, RW), 0);
			msrtrap_engine_vcpu_free(v);
			/* still ours */
			assert_int_equal(msrtrap_raw_test(fmts[i], buf, MSR_GS_BASE, RW), W);
			msrtrap_engine_free(vm);
			free(buf);
		}
	}
}

/* ---- the pending refresh ---- */

static void test_pending_flag(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			for (int s = 0; s < NSTRAT; s++) {
				enum msrtrap_format fmt = fmts[i];
				struct msrtrap_engine *vm = vm_new(fmt, s, pts[p]);
				struct msrtrap_engine_vcpu *v1 = vcpu_new(vm), *v2;
				struct msrtrap_filter *f;

				assert_false(msrtrap_engine_vcpu_refresh_pending(v1));
				assert_int_equal(msrtrap_engine_vcpu_sync(v1), 0);
				assert_int_equal(msrtrap_engine_vcpu_intercept(v1, MSR_FS_BASE, MSR_FS_BASE, RW, false), 0);

				f = deny1(FR, MSR_FS_BASE);
				set_filter(vm, f);
				msrtrap_filter_free(f);
				assert_int_equal(msrtrap_engine_filter_generation(vm), 1);
				assert_true(msrtrap_engine_vcpu_refresh_pending(v1));
				/* not refreshed before the sync */
				assert_int_equal(msrtrap_raw_test(fmt, msrtrap_engine_vcpu_bitmap(v1), MSR_FS_BASE, RW), 0);

				/* created after the filter: nothing pending, the filter honoured */
				v2 = vcpu_new(vm);
				assert_false(msrtrap_engine_vcpu_refresh_pending(v2));
				assert_int_equal(msrtrap_engine_vcpu_sync(v2), 0);
				assert_int_equal(msrtrap_engine_vcpu_intercept(v2, MSR_FS_BASE, MSR_GS_BASE, RW, false), 0);
				assert_int_equal(msrtrap_raw_test(fmt, msrtrap_engine_vcpu_bitmap(v2), MSR_FS_BASE, RW), R);
				assert_int_equal(msrtrap_raw_test(fmt, msrtrap_engine_vcpu_bitmap(v2), MSR_GS_BASE, RW), 0);

				assert_true(msrtrap_engine_vcpu_refresh_pending(v1));
				assert_int_equal(msrtrap_engine_vcpu_sync(v1), 1);
				assert_false(msrtrap_engine_vcpu_refresh_pending(v1));
				assert_int_equal(msrtrap_engine_vcpu_sync(v1), 0);
				assert_int_equal(msrtrap_raw_test(fmt, msrtrap_engine_vcpu_bitmap(v1), MSR_FS_BASE, RW), R);

				/* two changes, one refresh; removal counts as a change */
				f = deny1(FW, MSR_GS_BASE);
				set_filter(vm, f);
				msrtrap_filter_free(f);
				set_filter(vm, NULL);
				assert_true(msrtrap_engine_vcpu_refresh_pending(v1));
				assert_true(msrtrap_engine_vcpu_refresh_pending(v2));
				assert_int_equal(msrtrap_engine_vcpu_sync(v2), 1);
				assert_int_equal(msrtrap_engine_vcpu_sync(v2), 0);
				assert_int_equal(msrtrap_raw_test(fmt, msrtrap_engine_vcpu_bitmap(v2), MSR_FS_BASE, RW), 0);
				assert_true(msrtrap_engine_vcpu_refresh_pending(v1));
				assert_int_equal(msrtrap_engine_vcpu_sync(v1), 1);
				assert_int_equal(msrtrap_raw_test(fmt, msrtrap_engine_vcpu_bitmap(v1), MSR_FS_BASE, RW), 0);

				{
					struct msrtrap_engine_vcpu_stats st;

					stats_of(v1, &st);
					assert_int_equal(st.refreshes, 2);
					stats_of(v2, &st);
					assert_int_equal(st.refreshes, 1);
				}
				msrtrap_engine_vcpu_free(v1);
				msrtrap_engine_vcpu_free(v2);
				msrtrap_engine_free(vm);
			}
		}
	}
}

/* ---- invariants 33-40 ---- */

/* 33: a denied direction is intercepted after the next sync. */
static void test_inv33_deny_intercepts_after_next_sync(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			uint32_t set[24];
			unsigned int n = 0;
			struct rig r;
			struct msrtrap_filter *f;

			rig_new(&r, fmts[i], pts[p]);
			for (unsigned int k = 0; k < 15; k++)
				set[n++] = kvm2022_list[k];
			if (pts[p] == PT_ALL) {
				set[n++] = MSR_PAT;
				set[n++] = MSR_EFER;
				set[n++] = 0x0;
				set[n++] = 0x1fff;
				set[n++] = 0xc0001fff;
				if (fmts[i] == SVM) {
					set[n++] = MSR_HWCR;
					set[n++] = 0xc0011fff;
				}
			}
			for (unsigned int k = 0; k < n; k++)
				rig_off(&r, set[k], RW);
			rig_off(&r, 0x808, RW);
			for (unsigned int k = 0; k < n; k++) {
				for (int d = 0; d < 2; d++) {
					uint8_t before[MSRTRAP_SVM_MSRPM_SIZE];

					memcpy(before, msrtrap_engine_vcpu_bitmap(r.v[0]), ref_size(r.fmt));
					rig_set(&r, deny1(d ? FW : FR, set[k]));
					/* the refresh happens at the next entry, not before */
					for (int s = 0; s < NSTRAT; s++)
						assert_memory_equal(before, msrtrap_engine_vcpu_bitmap(r.v[s]),
								    ref_size(r.fmt));
					rig_sync(&r, 1);
					for (unsigned int j = 0; j < n; j++)
						rig_expect(&r, set[j], RW,
							   j == k ? (int)dir_access(d) : 0);
					rig_expect(&r, 0x808, RW, 0);
				}
			}
			/* default deny, nothing of the set allowed */
			f = mk(DENY);
			add_fill(f, FRW, 0x4b564d00, 16, 0xff);
			rig_set(&r, f);
			rig_sync(&r, 1);
			for (unsigned int j = 0; j < n; j++)
				rig_expect(&r, set[j], RW, RW);
			rig_expect(&r, 0x808, RW, 0); /* x2APIC is never filtered */
			rig_same(&r);
			rig_free(&r);
		}
	}
}

/* Every bit a sync cleared belongs to a capable MSR whose wish is "pass". */
static void check_cleared_bits_unwanted(struct rig *r, int s, const uint8_t *before)
{
	const uint8_t *after = msrtrap_engine_vcpu_bitmap(r->v[s]);

	for (size_t b = 0; b < ref_size(r->fmt); b++) {
		uint8_t cleared = before[b] & (uint8_t)~after[b];

		while (cleared) {
			unsigned int bit = (unsigned int)__builtin_ctz(cleared);
			uint32_t msr;
			int dir, wish;

			cleared &= (uint8_t)(cleared - 1);
			assert_true(ref_bit_msr(r->fmt, b, bit, &msr, &dir));
			wish = msrtrap_engine_vcpu_wish(r->v[s], msr, dir_access(dir));
			if (wish != 0)
				fail_msg("%s: the refresh cleared MSR %#x %s, wish %d",
					 msrtrap_strategy_name(s), msr, dir_name(dir), wish);
		}
	}
}

/* Random wishes over the pool for a rig; returns nothing, the engine keeps them. */
static void rig_random_wishes(struct rig *r, unsigned int nops)
{
	for (unsigned int k = 0; k < nops; k++) {
		uint32_t msr = pick_repr();
		unsigned int access = 1 + test_below(3);

		rig_off(r, msr, access);
		if (test_below(2))
			rig_on(r, msr, 1 + test_below(3));
	}
}

/* 34: a filter never clears a bit the hypervisor wants set. */
static void test_inv34_filter_never_clears_wanted(void **state)
{
	static uint8_t before[NSTRAT][MSRTRAP_SVM_MSRPM_SIZE];
	unsigned int iters = test_volume(60);

	for (unsigned int it = 0; it < iters; it++) {
		struct rig r;

		S.fmt = fmts[it % 2];
		seq_build_pool();
		rig_new(&r, S.fmt, pts[(it / 2) % 2]);
		rig_random_wishes(&r, 40);
		for (unsigned int k = 0; k < 8; k++) {
			struct msrtrap_filter *f = test_below(8) ? gen_valid_filter() : NULL;

			for (int s = 0; s < NSTRAT; s++)
				memcpy(before[s], msrtrap_engine_vcpu_bitmap(r.v[s]), ref_size(r.fmt));
			for (int s = 0; s < NSTRAT; s++)
				set_filter(r.vm[s], f);
			msrtrap_filter_free(f);
			/* installing alone changes no bitmap */
			for (int s = 0; s < NSTRAT; s++)
				assert_memory_equal(before[s], msrtrap_engine_vcpu_bitmap(r.v[s]),
						    ref_size(r.fmt));
			rig_sync(&r, 1);
			for (int s = 0; s < NSTRAT; s++) {
				check_cleared_bits_unwanted(&r, s, before[s]);
				for (unsigned int j = 0; j < S.npool; j++) {
					for (int d = 0; d < 2; d++) {
						uint32_t msr = S.pool[j];

						if (msrtrap_engine_vcpu_wish(r.v[s], msr, dir_access(d)) == 1)
							assert_int_equal(rig_test(&r, s, msr, dir_access(d)),
									 (int)dir_access(d));
					}
				}
			}
			rig_same(&r);
		}
		rig_free(&r);
	}
}

/* 35: relaxing a filter restores pass-through (selftest 0792c71c1c94). */
static void test_inv35_relax_restores_passthrough(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			struct rig r;

			rig_new(&r, fmts[i], pts[p]);
			rig_off(&r, MSR_FS_BASE, RW);
			for (int relax = 0; relax < 6; relax++) {
				struct msrtrap_filter *f = NULL;
				int want = 0;

				rig_set(&r, deny1(FRW, MSR_FS_BASE));
				rig_sync(&r, 1);
				rig_expect(&r, MSR_FS_BASE, RW, RW);
				switch (relax) {
				case 0: /* removal */
					for (int s = 0; s < NSTRAT; s++)
						set_filter(r.vm[s], NULL);
					break;
				case 1: /* empty default-allow filter */
					f = mk(ALLOW);
					break;
				case 2: /* another MSR denied */
					f = deny1(FRW, MSR_GS_BASE);
					break;
				case 3: /* default deny, FS allowed by a range */
					f = mk(DENY);
					add_fill(f, FRW, 0xc0000000, 0x3000, 0xff);
					break;
				case 4: /* only the write stays denied */
					f = deny1(FW, MSR_FS_BASE);
					want = W;
					break;
				default: /* first match wins: an allow range first */
					f = mk(ALLOW);
					add_fill(f, FRW, MSR_FS_BASE, 1, 0xff);
					add_fill(f, FRW, MSR_FS_BASE, 1, 0x00);
					break;
				}
				if (f)
					rig_set(&r, f);
				rig_sync(&r, 1);
				rig_expect(&r, MSR_FS_BASE, RW, want);
				rig_same(&r);
			}
			rig_free(&r);
		}
	}
}

/* 36: enabling ignores the filter; disabling clears iff allowed, now. */
static void test_inv36_enable_ignores_disable_honours(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			struct rig r;
			struct msrtrap_filter *f;
			struct msrtrap_engine_vcpu_stats a[NSTRAT], b;

			rig_new(&r, fmts[i], pts[p]);
			f = mk(ALLOW);
			add_fill(f, FR, MSR_FS_BASE, 1, 0x00);
			add_fill(f, FW, MSR_PAT, 1, 0x00);
			add_fill(f, FRW, 0x7ff, 0x102, 0x00); /* 0x7ff..0x900 */
			rig_set(&r, f);
			rig_sync(&r, 1);

			rig_off(&r, MSR_FS_BASE, RW);
			rig_expect(&r, MSR_FS_BASE, RW, R);
			rig_off(&r, MSR_GS_BASE, RW);
			rig_expect(&r, MSR_GS_BASE, RW, 0);
			rig_off(&r, MSR_PAT, RW);	/* unlisted in kvm-2022: still updated */
			rig_expect(&r, MSR_PAT, RW, W);
			rig_icpt(&r, 0x7ff, 0x900, RW, false);
			rig_expect(&r, 0x7ff, RW, RW);
			rig_expect(&r, 0x900, RW, RW);
			for (uint32_t m = 0x800; m <= 0x8ff; m++)
				rig_expect(&r, m, RW, 0);

			/* enabling: no filter query, bits set whatever it says */
			for (int s = 0; s < NSTRAT; s++)
				stats_of(r.v[s], &a[s]);
			rig_on(&r, MSR_FS_BASE, RW);
			rig_on(&r, MSR_GS_BASE, W);
			rig_icpt(&r, 0x800, 0x8ff, R, true);
			rig_expect(&r, MSR_FS_BASE, RW, RW);
			rig_expect(&r, MSR_GS_BASE, RW, W);
			rig_expect(&r, 0x808, RW, R);
			for (int s = 0; s < NSTRAT; s++) {
				stats_of(r.v[s], &b);
				assert_int_equal(b.lookups, a[s].lookups);
				assert_int_equal(b.warnings, a[s].warnings);
			}

			/* disabling consults the filter in force now, before any sync */
			rig_set(&r, deny1(FW, MSR_GS_BASE));
			rig_off(&r, MSR_GS_BASE, RW);
			rig_expect(&r, MSR_GS_BASE, RW, W);
			rig_off(&r, MSR_FS_BASE, R);
			rig_expect(&r, MSR_FS_BASE, RW, W);
			rig_sync(&r, 1);
			rig_expect(&r, MSR_GS_BASE, RW, W);
			rig_expect(&r, MSR_FS_BASE, RW, W);
			rig_same(&r);
			rig_free(&r);
		}
	}
}

/* 37: the seed patch is no functional change, for any filter sequence. */
static void test_inv37_reapply_equals_skip(void **state)
{
	unsigned int iters = test_volume(150);
	unsigned long syncs = 0;

	for (unsigned int it = 0; it < iters; it++) {
		struct rig r;

		S.fmt = fmts[test_below(2)];
		seq_build_pool();
		rig_new(&r, S.fmt, pts[test_below(2)]);
		rig_random_wishes(&r, 10 + test_below(30));
		for (unsigned int k = 0; k < 12; k++) {
			unsigned int sets = 1 + (test_below(3) == 0) * test_below(3);

			for (unsigned int j = 0; j < sets; j++) {
				struct msrtrap_filter *f = test_below(10) ? gen_valid_filter() : NULL;

				for (int s = 0; s < NSTRAT; s++)
					set_filter(r.vm[s], f);
				msrtrap_filter_free(f);
			}
			if (test_below(3) == 0)
				rig_random_wishes(&r, 1 + test_below(3));
			rig_sync(&r, 1);
			syncs++;
			if (memcmp(msrtrap_engine_vcpu_bitmap(r.v[REAPPLY]),
				   msrtrap_engine_vcpu_bitmap(r.v[SKIP]), ref_size(r.fmt)))
				fail_msg("iteration %u (%s %s): reapply-all and skip-intercepted differ",
					 it, msrtrap_format_name(r.fmt),
					 msrtrap_passthrough_name(r.pt));
			rig_same(&r);
		}
		rig_free(&r);
	}
	printf("# inv37: %u filter sequences, %lu syncs compared\n", iters, syncs);
}

/*
 * 38/40: for the capable set `set`, after every sync the hardware bit is
 * wish OR denied; wishes start at 1 and change only by enable/disable.
 * `pass` polarity is the spec's shadow for SVM: 1 = pass-through wanted.
 */
static void check_wish_or_denied(enum msrtrap_format fmt, enum msrtrap_passthrough pt,
				 const uint32_t *set, unsigned int n, unsigned int rounds)
{
	uint8_t wish[32][2];
	struct msrtrap_filter *f = NULL;
	struct rig r;

	assert_true(n <= 32);
	rig_new(&r, fmt, pt);
	for (unsigned int k = 0; k < n; k++) {
		for (int d = 0; d < 2; d++) {
			wish[k][d] = 1;
			for (int s = 0; s < NSTRAT; s++)
				assert_int_equal(msrtrap_engine_vcpu_wish(r.v[s], set[k], dir_access(d)), 1);
		}
	}
	S.fmt = fmt;
	S.npool = 0;
	for (unsigned int k = 0; k < n; k++) {
		S.pool[S.npool++] = set[k];
		S.pool[S.npool++] = set[k] + 1;
	}
	for (unsigned int round = 0; round < rounds; round++) {
		unsigned int nchg = 1 + test_below(6);

		for (unsigned int k = 0; k < nchg; k++) {
			unsigned int j = test_below(n);
			unsigned int access = 1 + test_below(3);
			bool on = test_below(2);

			rig_icpt(&r, set[j], set[j], access, on);
			for (int d = 0; d < 2; d++)
				if (access & dir_access(d))
					wish[j][d] = on;
		}
		msrtrap_filter_free(f);
		f = test_below(10) ? gen_valid_filter() : NULL;
		for (int s = 0; s < NSTRAT; s++)
			set_filter(r.vm[s], f);
		rig_sync(&r, 1);
		for (unsigned int k = 0; k < n; k++) {
			for (int d = 0; d < 2; d++) {
				int pass = !wish[k][d];	/* SVM shadow polarity */
				int hw = !pass || !allowed(f, set[k], d);

				for (int s = 0; s < NSTRAT; s++) {
					int got = rig_test(&r, s, set[k], dir_access(d));

					assert_int_equal(msrtrap_engine_vcpu_wish(r.v[s], set[k], dir_access(d)),
							 wish[k][d]);
					if (got != (hw ? (int)dir_access(d) : 0))
						fail_msg("%s %s %s round %u: MSR %#x %s: intercepted %d, want NOT(pass %d) OR denied %d",
							 msrtrap_format_name(fmt),
							 msrtrap_passthrough_name(pt),
							 msrtrap_strategy_name(s), round,
							 set[k], dir_name(d), got != 0, pass,
							 !allowed(f, set[k], d));
				}
			}
		}
		rig_same(&r);
		if (fmt == SVM)
			for (int s = 0; s < NSTRAT; s++)
				for (size_t b = 0x1800; b < 0x2000; b++)
					assert_int_equal(((const uint8_t *)msrtrap_engine_vcpu_bitmap(r.v[s]))[b], 0xff);
	}
	msrtrap_filter_free(f);
	rig_free(&r);
}

/* 38: kvm-2022: listed MSR hw bit = wish OR denied; wishes start at 1. */
static void test_inv38_kvm2022_wish_or_denied(void **state)
{
	static const uint32_t unlisted[] = {
		MSR_PAT, 0x808, 0x560, 0x1c9, 0x0, MSR_EFER, 0x10b, 0x1c3, 0x3ff,
	};

	for (int i = 0; i < 2; i++) {
		struct msrtrap_engine *vm = vm_new(fmts[i], REAPPLY, PT_2022);
		struct msrtrap_engine_vcpu *v = vcpu_new(vm);

		for (size_t k = 0; k < sizeof(unlisted) / sizeof(unlisted[0]); k++) {
			assert_int_equal(msrtrap_engine_vcpu_wish(v, unlisted[k], R), -ENOENT);
			assert_int_equal(msrtrap_engine_vcpu_wish(v, unlisted[k], W), -ENOENT);
		}
		msrtrap_engine_vcpu_free(v);
		msrtrap_engine_free(vm);
		check_wish_or_denied(fmts[i], PT_2022, kvm2022_list, 15, test_volume(150));
	}
}

/* 39: kvm-2022: disabling an unlisted MSR warns, updates, is never refreshed. */
static void test_inv39_unlisted_warns_not_refreshed(void **state)
{
	static const struct { uint32_t msr; bool warns; } cases[] = {
		{ MSR_PAT, true }, { 0x570, true }, { MSR_EFER, true },
		{ 0x1fff, true }, { 0xc0001fff, true }, { 0x588, true },
		{ 0x808, false }, { 0x800, false }, { 0x8ff, false },
		{ 0x560, false }, { 0x561, false }, { 0x571, false },
		{ 0x572, false }, { 0x580, false }, { 0x587, false },
		{ 0x1c8, false }, { 0x1c9, false }, { 0xdc0, false },
		{ 0xddf, false }, { 0x680, false }, { 0x69f, false },
		{ 0x6c0, false }, { 0x6df, false }, { 0x40, false },
		{ 0x47, false }, { 0x60, false }, { 0x67, false },
		{ 0x68, false }, { 0x69, true }, /* D1 */
		{ MSR_FS_BASE, false }, { 0x3fe, false }, { 0x48, false },
	};

	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			bool k22 = pts[p] == PT_2022;
			struct msrtrap_engine_vcpu_stats a[NSTRAT], b;
			struct rig r;

			rig_new(&r, fmts[i], pts[p]);
			for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
				uint32_t msr = cases[k].msr;

				for (int s = 0; s < NSTRAT; s++)
					stats_of(r.v[s], &a[s]);
				rig_off(&r, msr, test_below(3) + 1);
				rig_on(&r, msr, RW); /* enabling warns too */
				rig_off(&r, msr, RW);
				rig_expect(&r, msr, RW, 0);
				for (int s = 0; s < NSTRAT; s++) {
					stats_of(r.v[s], &b);
					if (b.warnings - a[s].warnings != (k22 && cases[k].warns ? 3u : 0u))
						fail_msg("%s %s %s: MSR %#x: %llu warnings",
							 msrtrap_format_name(fmts[i]),
							 msrtrap_passthrough_name(pts[p]),
							 msrtrap_strategy_name(s), msr,
							 (unsigned long long)(b.warnings - a[s].warnings));
				}
			}
			/* an interval: one warning per MSR */
			for (int s = 0; s < NSTRAT; s++)
				stats_of(r.v[s], &a[s]);
			rig_icpt(&r, 0x270, 0x27f, RW, false);
			rig_icpt(&r, 0x7f8, 0x807, R, false); /* 8 unlisted + 8 x2APIC */
			for (int s = 0; s < NSTRAT; s++) {
				stats_of(r.v[s], &b);
				assert_int_equal(b.warnings - a[s].warnings, k22 ? 24 : 0);
			}

			/* not refreshed: a deny filter leaves PAT passed through */
			rig_set(&r, deny1(FRW, MSR_PAT));
			rig_sync(&r, 1);
			rig_expect(&r, MSR_PAT, RW, k22 ? 0 : RW);
			/* disabled under the deny: intercepted, and relaxing keeps it */
			rig_off(&r, MSR_PAT, RW);
			rig_expect(&r, MSR_PAT, RW, RW);
			rig_set(&r, mk(ALLOW));
			rig_sync(&r, 1);
			rig_expect(&r, MSR_PAT, RW, k22 ? RW : 0);
			rig_same(&r);
			rig_free(&r);
		}
	}
}

/*
 * kvm-versions.md D1: is_valid_passthrough_msr() (v6.0 vmx.c:639-640)
 * accepts the Core LBR MSRs as the inclusive case ranges
 * MSR_LBR_CORE_FROM..+8 and MSR_LBR_CORE_TO..+8 (bases 0x40 and 0x60,
 * msr-index.h:205-206): nine MSRs each, so 0x68 does not WARN and 0x69
 * does. 0x48/0x49 (SPEC_CTRL, PRED_CMD) are in the list: no warning
 * either; 0x3f, 0x4a, 0x5f are outside everything: one per call.
 */
static void test_d1_core_lbr_ranges(void **state)
{
	static const struct { uint32_t msr; unsigned int warns; } cases[] = {
		{ 0x40, 0 }, { 0x47, 0 }, { 0x48, 0 }, { 0x49, 0 },
		{ 0x60, 0 }, { 0x67, 0 }, { 0x68, 0 }, { 0x69, 1 },
		{ 0x3f, 1 }, { 0x4a, 1 }, { 0x5f, 1 },
	};

	for (int i = 0; i < 2; i++) {
		struct msrtrap_engine_vcpu_stats a, b;
		struct rig r;

		rig_new(&r, fmts[i], PT_2022);
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
			for (int on = 0; on < 2; on++)
				for (int s = 0; s < NSTRAT; s++) {
					stats_of(r.v[s], &a);
					assert_int_equal(msrtrap_engine_vcpu_intercept(
								 r.v[s], cases[k].msr, cases[k].msr,
								 RW, on),
							 0);
					stats_of(r.v[s], &b);
					if (b.warnings - a.warnings != cases[k].warns)
						fail_msg("D1 %s %s %s: MSR %#x: %llu warnings, want %u",
							 msrtrap_format_name(fmts[i]),
							 msrtrap_strategy_name(s),
							 on ? "enable" : "disable", cases[k].msr,
							 (unsigned long long)(b.warnings - a.warnings),
							 cases[k].warns);
				}
		rig_free(&r);
	}
}

/* 40: SVM: hw = NOT(pass-through wanted) OR denied, i.e. wish OR denied. */
static void test_inv40_svm_wish_or_denied(void **state)
{
	/* direct_access_msrs[] "always" entries and some dynamic ones (§5.1) */
	static const uint32_t svm_set[] = {
		MSR_STAR, 0x174, MSR_GS_BASE, MSR_FS_BASE, MSR_KERNEL_GS_BASE,
		MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, 0xc0010130, 0x175, 0x176,
		0x48, 0x49, 0x10b, 0x1d9, 0x1db, 0x1dc, 0x1dd, 0x1de, MSR_XSS,
		MSR_EFER, MSR_PAT, 0xc0000103, 0x802, 0x808, 0x830, MSR_HWCR,
		0xc0011fff,
	};

	check_wish_or_denied(SVM, PT_ALL, svm_set, sizeof(svm_set) / sizeof(svm_set[0]),
			     test_volume(150));
	check_wish_or_denied(SVM, PT_2022, kvm2022_list, 15, test_volume(150));
}

/* ---- U3 / S17 ---- */

static void test_u3_s17_fs_gs_swap(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			struct rig r;

			rig_new(&r, fmts[i], pts[p]);
			/* as vmx_vcpu_create() / svm_vcpu_init_msrpm() */
			rig_off(&r, MSR_FS_BASE, RW);
			rig_off(&r, MSR_GS_BASE, RW);
			rig_expect(&r, MSR_FS_BASE, RW, 0);
			rig_expect(&r, MSR_GS_BASE, RW, 0);

			rig_set(&r, deny1(FR, MSR_FS_BASE));
			rig_sync(&r, 1);
			rig_expect(&r, MSR_FS_BASE, R, R);
			rig_expect(&r, MSR_GS_BASE, R, 0);
			rig_expect(&r, MSR_FS_BASE, W, 0);
			rig_expect(&r, MSR_GS_BASE, W, 0);

			rig_set(&r, deny1(FR, MSR_GS_BASE));
			rig_sync(&r, 1);
			rig_expect(&r, MSR_FS_BASE, R, 0);
			rig_expect(&r, MSR_GS_BASE, R, R);
			rig_expect(&r, MSR_FS_BASE, W, 0);
			rig_expect(&r, MSR_GS_BASE, W, 0);

			rig_set(&r, u1_filter());
			rig_sync(&r, 1);
			rig_expect(&r, MSR_FS_BASE, RW, 0);
			rig_expect(&r, MSR_GS_BASE, RW, 0);
			rig_expect(&r, MSR_XSS, RW, RW);
			rig_same(&r);
			rig_free(&r);
		}
	}
}

/* ---- counters ---- */

static void test_counters_skip_vs_reapply(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			struct msrtrap_engine_vcpu_stats a[NSTRAT], b, d[NSTRAT];
			unsigned int ncap = pts[p] == PT_2022 ? 15 : ref_nspans(fmts[i]) * SPAN_LEN;
			struct rig r;

			rig_new(&r, fmts[i], pts[p]);
			rig_off(&r, MSR_FS_BASE, RW);
			rig_off(&r, MSR_GS_BASE, RW);
			rig_set(&r, deny1(FR, MSR_FS_BASE));
			rig_sync(&r, 1);
			rig_set(&r, deny1(FR, MSR_GS_BASE));
			for (int s = 0; s < NSTRAT; s++) {
				stats_of(r.v[s], &a[s]);
				assert_int_equal(msrtrap_engine_vcpu_sync(r.v[s]), 1);
				stats_of(r.v[s], &b);
				stats_sub(&d[s], &b, &a[s]);
				if (i == 0)
					printf("# %s %-8s %-16s refresh: lookups %llu, words %llu, bits %llu, notifications %llu\n",
					       msrtrap_format_name(fmts[i]),
					       msrtrap_passthrough_name(pts[p]),
					       msrtrap_strategy_name(s),
					       (unsigned long long)d[s].lookups,
					       (unsigned long long)d[s].words_written,
					       (unsigned long long)d[s].bits_changed,
					       (unsigned long long)d[s].notifications);
				assert_int_equal(d[s].refreshes, 1);
				assert_int_equal(d[s].bits_changed, 2);
			}
			assert_true(d[SKIP].notifications < d[REAPPLY].notifications);
			assert_true(d[SKIP].lookups <= d[REAPPLY].lookups);
			/* KVM: one call per slot and direction, resp. per pass wish */
			assert_int_equal(d[REAPPLY].notifications, 2 * ncap);
			assert_int_equal(d[SKIP].notifications, 4);
			assert_int_equal(d[SKIP].lookups, 4);
			assert_int_equal(d[RECOMPUTE].notifications, 1);
			assert_int_equal(d[DELTA].notifications, 1);
			rig_expect(&r, MSR_GS_BASE, RW, R);
			rig_expect(&r, MSR_FS_BASE, RW, 0);
			rig_same(&r);
			rig_free(&r);
		}
	}
}

static void test_counters_delta_vs_recompute(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			struct msrtrap_engine_vcpu_stats a[NSTRAT], b, d[NSTRAT];
			struct msrtrap_filter *f;
			struct rig r;

			rig_new(&r, fmts[i], pts[p]);
			/* everything passed through that may be */
			for (unsigned int s = 0; s < ref_nspans(fmts[i]); s++)
				rig_icpt(&r, span_first[s], span_last(s), RW, false);
			f = mk(ALLOW);
			add_fill(f, FR, MSR_FS_BASE, 1, 0x00);
			rig_set(&r, f);
			rig_sync(&r, 1);
			/* the change touches one MSR: GS_BASE read */
			f = mk(ALLOW);
			add_fill(f, FR, MSR_FS_BASE, 2, 0x00);
			rig_set(&r, f);
			for (int s = 0; s < NSTRAT; s++) {
				stats_of(r.v[s], &a[s]);
				assert_int_equal(msrtrap_engine_vcpu_sync(r.v[s]), 1);
				stats_of(r.v[s], &b);
				stats_sub(&d[s], &b, &a[s]);
				if (i == 0)
					printf("# %s %-8s %-16s one-MSR change: lookups %llu, words %llu, bits %llu, notifications %llu\n",
					       msrtrap_format_name(fmts[i]),
					       msrtrap_passthrough_name(pts[p]),
					       msrtrap_strategy_name(s),
					       (unsigned long long)d[s].lookups,
					       (unsigned long long)d[s].words_written,
					       (unsigned long long)d[s].bits_changed,
					       (unsigned long long)d[s].notifications);
				assert_int_equal(d[s].bits_changed, 1);
			}
			assert_true(d[DELTA].lookups < d[RECOMPUTE].lookups);
			assert_true(d[DELTA].words_written <= d[RECOMPUTE].words_written);
			assert_int_equal(d[DELTA].notifications, 1);
			rig_expect(&r, MSR_GS_BASE, RW, R);
			rig_expect(&r, MSR_FS_BASE, RW, R);
			rig_same(&r);
			rig_free(&r);
		}
	}
}

/*
 * The delta strategy against a filter that only lived between two syncs:
 * F1 -> F2 (a disable under F2 intercepts) -> F1 again. The refresh must
 * restore pass-through although F1 equals the filter of the last sync.
 */
static void test_delta_intermediate_filter(void **state)
{
	for (int i = 0; i < 2; i++) {
		for (int p = 0; p < 2; p++) {
			struct msrtrap_filter *f1 = deny1(FW, MSR_TSC);
			struct rig r;

			rig_new(&r, fmts[i], pts[p]);
			for (int s = 0; s < NSTRAT; s++)
				set_filter(r.vm[s], f1);
			rig_sync(&r, 1);
			rig_off(&r, MSR_FS_BASE, RW);
			rig_expect(&r, MSR_FS_BASE, RW, 0);
			rig_set(&r, deny1(FRW, MSR_FS_BASE));
			rig_off(&r, MSR_FS_BASE, RW);	/* under F2: intercepted */
			rig_expect(&r, MSR_FS_BASE, RW, RW);
			for (int s = 0; s < NSTRAT; s++)
				set_filter(r.vm[s], f1);
			rig_sync(&r, 1);
			rig_expect(&r, MSR_FS_BASE, RW, 0);

			/* and the other way: enable between the changes */
			rig_set(&r, deny1(FR, MSR_GS_BASE));
			rig_off(&r, MSR_GS_BASE, RW);
			rig_on(&r, MSR_FS_BASE, R);
			for (int s = 0; s < NSTRAT; s++)
				set_filter(r.vm[s], f1);
			rig_sync(&r, 1);
			rig_expect(&r, MSR_GS_BASE, RW, 0);
			rig_expect(&r, MSR_FS_BASE, RW, R);
			rig_same(&r);
			msrtrap_filter_free(f1);
			rig_free(&r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_api_errors),
		cmocka_unit_test(test_stats_sz),
		cmocka_unit_test(test_fresh_vcpu),
		cmocka_unit_test(test_caller_bitmap),
		cmocka_unit_test(test_pending_flag),
		cmocka_unit_test(test_inv33_deny_intercepts_after_next_sync),
		cmocka_unit_test(test_inv34_filter_never_clears_wanted),
		cmocka_unit_test(test_inv35_relax_restores_passthrough),
		cmocka_unit_test(test_inv36_enable_ignores_disable_honours),
		cmocka_unit_test(test_inv37_reapply_equals_skip),
		cmocka_unit_test(test_inv38_kvm2022_wish_or_denied),
		cmocka_unit_test(test_inv39_unlisted_warns_not_refreshed),
		cmocka_unit_test(test_d1_core_lbr_ranges),
		cmocka_unit_test(test_inv40_svm_wish_or_denied),
		cmocka_unit_test(test_u3_s17_fs_gs_swap),
		cmocka_unit_test(test_counters_skip_vs_reapply),
		cmocka_unit_test(test_counters_delta_vs_recompute),
		cmocka_unit_test(test_delta_intermediate_filter),
		cmocka_unit_test(test_delta_lagging_vcpu),
		cmocka_unit_test(test_delta_first_of_many_changes),
		cmocka_unit_test(test_concurrent_set_filter),
		cmocka_unit_test(test_differential_random),
	};

	return TEST_MAIN(tests);
}
