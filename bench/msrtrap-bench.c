// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap-bench: msrtrap's fast paths against the baselines they replace,
 * measured side by side in one run (A and B alternate; ratios are medians
 * of per-pair ratios, so machine noise hits both sides alike).
 *
 * Workloads (the table `workloads` at the end; docs/benchmarks.md):
 *  lookup   allowed(msr, access) on filters of 1, 4 and 16 ranges, random
 *           and hot-set MSRs: compiled filter vs the kernel's linear scan
 *           (kvm_msr_allowed(), spec §3.4) vs a bare bit test;
 *  refresh  one vCPU sync after a filter change, per strategy;
 *  scaling  one filter change synced by N vCPUs;
 *  compile  policy text of N rules -> the optimal KVM filter;
 *  verify   `msrtrap verify --all`'s probe on live KVM (skipped without).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <msrtrap/kvm.h>
#include <msrtrap/msrtrap.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof(*(a)))

/* ---- timing ---- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the kernel's linear scan, faithfully (spec §3.4) ---- */

struct kernel_range {
	uint32_t flags, nmsrs, base;
	const uint8_t *bitmap;
};

struct kernel_filter {
	uint8_t count;
	bool default_allow;
	struct kernel_range ranges[16];
};

static __attribute__((noinline)) bool kernel_msr_allowed(const struct kernel_filter *f,
							  uint32_t index, uint32_t type)
{
	if (index >= 0x800 && index <= 0x8ff)
		return true;
	if (!f)
		return true;
	for (int i = 0; i < f->count; i++) {
		const struct kernel_range *r = &f->ranges[i];
		uint32_t end = r->base + r->nmsrs;

		if ((r->flags & type) && index >= r->base && index < end)
			return (r->bitmap[(index - r->base) / 8] >> ((index - r->base) % 8)) & 1;
	}
	return f->default_allow;
}

/* The physical floor: one bit of one flat bitmap. */
static __attribute__((noinline)) bool bare_bit(const uint64_t *bits, uint32_t msr)
{
	return (bits[(msr >> 6) & 0xff] >> (msr & 63)) & 1;
}

/*
 * msrtrap's fast path as a VM-exit handler would use it: the inlined view
 * lookup, behind the same non-inlined call boundary as the baselines.
 */
static __attribute__((noinline)) bool compiled(const struct msrtrap_cfilter_view *v,
						uint32_t msr, uint32_t type)
{
	return msrtrap_cfilter_view_allowed(v, msr, type);
}

/* ---- lookup workload ---- */

#define NMSRS 4096

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

/*
 * A default-deny filter of n ranges spread over the MSR space the way VMM
 * filters are (low MSRs, Hyper-V, KVM PV, 0xc0000000, 0xc0010000), the
 * interesting MSRs in the last range so the scan is at its longest.
 */
static void make_filter(int n, struct msrtrap_filter **f, struct kernel_filter *k,
			uint8_t bitmaps[16][0x600])
{
	static const uint32_t bases[] = { 0x0, 0x40000000, 0x4b564d00, 0xc0000000,
					  0xc0010000 };

	msrtrap_filter_new(MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY, f);
	k->count = (uint8_t)n;
	k->default_allow = false;
	for (int i = 0; i < n; i++) {
		uint32_t base = bases[i % 5] + (uint32_t)(i / 5) * 0x3000 + 0x100000 * (i < n - 1);
		uint32_t nmsrs = 0x3000;

		for (int b = 0; b < 0x600; b++)
			bitmaps[i][b] = (uint8_t)rnd();
		msrtrap_filter_add_range(*f, MSRTRAP_KVM_MSR_FILTER_READ | MSRTRAP_KVM_MSR_FILTER_WRITE,
					 base, nmsrs, bitmaps[i], 0x600);
		k->ranges[i] = (struct kernel_range){ 3, nmsrs, base, bitmaps[i] };
	}
}

struct result {
	int nranges;
	bool hot;
	char name[32];
	double compiled_ns, linear_ns, bit_ns;
	double linear_over_compiled, compiled_over_bit;
};

static double run_compiled(const struct msrtrap_cfilter *cf, const uint32_t *msrs, int iters)
{
	struct msrtrap_cfilter_view view;
	unsigned int acc = 0;
	double t0;

	msrtrap_cfilter_get_view(cf, &view);
	t0 = now_ns();
	for (int it = 0; it < iters; it++)
		for (int i = 0; i < NMSRS; i++)
			acc += compiled(&view, msrs[i], 1);
	__asm__ volatile("" : : "r"(acc));
	return (now_ns() - t0) / ((double)iters * NMSRS);
}

static double run_linear(const struct kernel_filter *k, const uint32_t *msrs, int iters)
{
	unsigned int acc = 0;
	double t0 = now_ns();

	for (int it = 0; it < iters; it++)
		for (int i = 0; i < NMSRS; i++)
			acc += kernel_msr_allowed(k, msrs[i], 1);
	__asm__ volatile("" : : "r"(acc));
	return (now_ns() - t0) / ((double)iters * NMSRS);
}

static double run_bit(const uint64_t *bits, const uint32_t *msrs, int iters)
{
	unsigned int acc = 0;
	double t0 = now_ns();

	for (int it = 0; it < iters; it++)
		for (int i = 0; i < NMSRS; i++)
			acc += bare_bit(bits, msrs[i]);
	__asm__ volatile("" : : "r"(acc));
	return (now_ns() - t0) / ((double)iters * NMSRS);
}

static void lookup(int nranges, bool hot, int reps, int iters, struct result *res)
{
	static uint8_t bitmaps[16][0x600];
	static uint32_t msrs[NMSRS];
	static uint64_t bits[256];
	struct kernel_filter k;
	struct msrtrap_filter *f;
	struct msrtrap_cfilter *cf;
	double c[64], l[64], b[64], lc[64], cb[64];

	make_filter(nranges, &f, &k, bitmaps);
	msrtrap_cfilter_new(f, &cf, NULL);
	for (int i = 0; i < 256; i++)
		bits[i] = ((uint64_t)rnd() << 32) | rnd();
	for (int i = 0; i < NMSRS; i++) {
		/* hot: 16 MSRs of the last range; random: uniform over the
		 * covered spans and the rest of the space */
		const struct kernel_range *r = &k.ranges[nranges - 1];

		if (hot)
			msrs[i] = r->base + (uint32_t)(i % 16) * 97;
		else if (rnd() % 4)
			msrs[i] = k.ranges[rnd() % nranges].base + rnd() % 0x3000;
		else
			msrs[i] = rnd();
	}
	for (int w = 0; w < 2; w++) { /* warm-up */
		run_compiled(cf, msrs, iters);
		run_linear(&k, msrs, iters);
		run_bit(bits, msrs, iters);
	}
	for (int r = 0; r < reps; r++) {
		c[r] = run_compiled(cf, msrs, iters);
		l[r] = run_linear(&k, msrs, iters);
		b[r] = run_bit(bits, msrs, iters);
		lc[r] = l[r] / c[r];
		cb[r] = c[r] / b[r];
	}
	res->nranges = nranges;
	res->hot = hot;
	snprintf(res->name, sizeof(res->name), "lookup%d_%s", nranges,
		 hot ? "hot" : "random");
	res->compiled_ns = median(c, reps);
	res->linear_ns = median(l, reps);
	res->bit_ns = median(b, reps);
	res->linear_over_compiled = median(lc, reps);
	res->compiled_over_bit = median(cb, reps);
	msrtrap_cfilter_free(cf);
	msrtrap_filter_free(f);
}

/* ---- refresh workload ---- */

/*
 * A filter that allows everything but `ndeny` MSRs, taken from `pool`
 * starting at `from`; alternating from = 0 / 1 changes 2*ndeny verdicts.
 */
static struct msrtrap_filter *deny_filter(const uint32_t *pool, unsigned int from,
					  unsigned int ndeny)
{
	static uint8_t bm[3][0x600];
	struct msrtrap_filter *f;

	msrtrap_filter_new(MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW, &f);
	memset(bm, 0xff, sizeof(bm));
	for (unsigned int i = 0; i < ndeny; i++) {
		uint32_t m = pool[from + i], r = m >= 0xc0010000 ? 2 : m >= 0xc0000000;
		uint32_t off = m - (r == 2 ? 0xc0010000 : r == 1 ? 0xc0000000 : 0);

		bm[r][off / 8] &= (uint8_t)~(1u << (off % 8));
	}
	msrtrap_filter_add_range(f, 3, 0, 0x2000, bm[0], 0x400);
	msrtrap_filter_add_range(f, 3, 0xc0000000, 0x2000, bm[1], 0x400);
	msrtrap_filter_add_range(f, 3, 0xc0010000, 0x2000, bm[2], 0x400);
	return f;
}

struct refresh_result {
	enum msrtrap_format fmt;
	unsigned int npass, touch;
	double ns[MSRTRAP_STRATEGY_COUNT];
	double spread[MSRTRAP_STRATEGY_COUNT]; /* (p90 - p10) / median */
	struct msrtrap_engine_vcpu_stats per_sync[MSRTRAP_STRATEGY_COUNT];
	/* medians of per-pair ratios (the strategies run alternately) */
	double reapply_over_skip, skip_over_recompute, skip_over_delta;
};

static double spread_of(double *v, int n)
{
	double m = median(v, n); /* sorts v */

	return m > 0 ? (v[n * 9 / 10] - v[n / 10]) / m : 0;
}

/*
 * One vCPU per strategy with `npass` MSRs wished pass-through; filters
 * alternate between two that differ in `touch` MSRs (all among the
 * pass-through ones, so every strategy has real work). Time of a sync.
 */
static void refresh(enum msrtrap_format fmt, unsigned int npass, unsigned int touch,
		    int reps, struct refresh_result *out)
{
	static uint32_t pool[24576];
	struct msrtrap_engine *vm[MSRTRAP_STRATEGY_COUNT];
	struct msrtrap_engine_vcpu *v[MSRTRAP_STRATEGY_COUNT];
	struct msrtrap_filter *f[2];
	double t[MSRTRAP_STRATEGY_COUNT][64];
	unsigned int n = 0;

	static const uint32_t kvm2022[15] = { 0x48, 0x49, 0x10, 0xc0000100, 0xc0000101,
					      0xc0000102, 0x1c4, 0x1c5, 0x174, 0x175,
					      0x176, 0x660, 0x3fc, 0x3fd, 0x3fe };

	if (npass == 15)
		for (n = 0; n < 15; n++)
			pool[n] = kvm2022[n];
	/* otherwise pass-through MSRs spread evenly over the representable spans */
	if (n < npass) {
		uint32_t total = 0, first, last, step;

		for (unsigned int s = 0; msrtrap_format_span(fmt, s, &first, &last) == 0; s++)
			total += last - first + 1;
		step = total / npass ? total / npass : 1;
		for (unsigned int s = 0; n < npass &&
					 msrtrap_format_span(fmt, s, &first, &last) == 0; s++)
			for (uint64_t m = first; m <= last && n < npass; m += step)
				pool[n++] = (uint32_t)m;
	}
	npass = n;
	if (touch > npass / 2)
		touch = npass / 2;
	f[0] = deny_filter(pool, 0, touch);
	f[1] = deny_filter(pool, touch, touch);
	for (int s = 0; s < MSRTRAP_STRATEGY_COUNT; s++) {
		/* 15 pass-through MSRs: KVM's 2022 list, in that profile */
		MSRTRAP_OPTS(msrtrap_engine_opts, o,
			     .format = fmt,
			     .strategy = s,
			     .passthrough = npass == 15 ? MSRTRAP_PASSTHROUGH_KVM2022 : MSRTRAP_PASSTHROUGH_ALL);

		msrtrap_engine_new(&o, &vm[s]);
		msrtrap_engine_vcpu_new(vm[s], NULL, &v[s]);
		for (unsigned int i = 0; i < npass; i++) {
			/* the 2022 profile: KVM's default vCPU set (spec §4.7):
			 * TSC read, FS/GS/KERNEL_GS and SYSENTER read+write; the
			 * other listed MSRs stay wished intercepted */
			unsigned int acc = MSRTRAP_RW;

			if (npass == 15 && pool[i] == 0x10)
				acc = MSRTRAP_READ;
			else if (npass == 15 && !(pool[i] >= 0xc0000100 && pool[i] <= 0xc0000102) &&
				 !(pool[i] >= 0x174 && pool[i] <= 0x176))
				continue;
			msrtrap_engine_vcpu_intercept(v[s], pool[i], pool[i], acc, false);
		}
		msrtrap_engine_set_filter(vm[s], f[0], NULL);
		msrtrap_engine_vcpu_sync(v[s]);
	}
	for (int r = 0; r < reps + 2; r++)
		for (int s = 0; s < MSRTRAP_STRATEGY_COUNT; s++) {
			MSRTRAP_OPTS(msrtrap_engine_vcpu_stats, a);
			MSRTRAP_OPTS(msrtrap_engine_vcpu_stats, b);
			double t0;

			msrtrap_engine_set_filter(vm[s], f[(r + 1) % 2], NULL);
			msrtrap_engine_vcpu_stats(v[s], &a);
			t0 = now_ns();
			msrtrap_engine_vcpu_sync(v[s]);
			if (r >= 2)
				t[s][r - 2] = now_ns() - t0;
			msrtrap_engine_vcpu_stats(v[s], &b);
			out->per_sync[s] = (struct msrtrap_engine_vcpu_stats){
				.sz = sizeof(b),
				.lookups = b.lookups - a.lookups,
				.words_written = b.words_written - a.words_written,
				.bits_changed = b.bits_changed - a.bits_changed,
				.notifications = b.notifications - a.notifications,
				.warnings = b.warnings - a.warnings,
				.refreshes = b.refreshes - a.refreshes,
			};
		}
	{
		double a[64], b[64], c[64];

		for (int r = 0; r < reps; r++) {
			a[r] = t[0][r] / t[1][r];
			b[r] = t[1][r] / t[2][r];
			c[r] = t[1][r] / t[3][r];
		}
		out->reapply_over_skip = median(a, reps);
		out->skip_over_recompute = median(b, reps);
		out->skip_over_delta = median(c, reps);
	}
	out->fmt = fmt;
	out->npass = npass;
	out->touch = touch;
	for (int s = 0; s < MSRTRAP_STRATEGY_COUNT; s++) {
		out->ns[s] = median(t[s], reps);
		out->spread[s] = spread_of(t[s], reps);
		msrtrap_engine_vcpu_free(v[s]);
		msrtrap_engine_free(vm[s]);
	}
	msrtrap_filter_free(f[0]);
	msrtrap_filter_free(f[1]);
}

/* ---- compile workload ---- */

/*
 * A policy of n rules in the shape VMM authors write: default deny, then
 * allow/deny rules over single MSRs and short intervals clustered in the
 * places real filters touch. Time to parse + pack into a KVM filter.
 */
struct compile_result {
	unsigned int rules;
	double parse_ms, pack_ms;
	int err;
	unsigned long long ranges, bytes;
};

static void compile_workload(unsigned int rules, int reps, struct compile_result *out)
{
	static const uint32_t hot[] = { 0x0, 0x170, 0x200, 0x380, 0x40000000,
					0x4b564d00, 0xc0000080, 0xc0010000 };
	size_t cap = (size_t)rules * 48 + 64, len = 0;
	char *text = malloc(cap);
	double parse[16], pack[16];

	len += (size_t)snprintf(text + len, cap - len, "default deny\n");
	for (unsigned int i = 0; i < rules; i++) {
		uint32_t base = hot[rnd() % 8] + rnd() % 0x800;
		uint32_t span = rnd() % 4 ? 0 : rnd() % 32;
		static const char *const acc[] = { "r", "w", "rw" };

		len += (size_t)snprintf(text + len, cap - len, "%s %s 0x%x-0x%x\n",
					rnd() % 4 ? "allow" : "deny", acc[rnd() % 3], base,
					base + span);
	}
	for (int r = 0; r < reps; r++) {
		MSRTRAP_OPTS(msrtrap_pack_report, rep);
		struct msrtrap_policy *p = NULL;
		struct msrtrap_diags *d = NULL;
		struct msrtrap_filter *f = NULL;
		double t0 = now_ns();

		out->err = msrtrap_policy_parse(text, len, NULL, &p, &d);
		parse[r] = (now_ns() - t0) / 1e6;
		t0 = now_ns();
		if (!out->err)
			out->err = msrtrap_policy_to_filter(p, &f, &rep);
		pack[r] = (now_ns() - t0) / 1e6;
		out->ranges = rep.nranges;
		out->bytes = rep.bytes;
		msrtrap_pack_report_fini(&rep);
		msrtrap_filter_free(f);
		msrtrap_policy_free(p);
		msrtrap_diags_free(d);
	}
	out->rules = rules;
	out->parse_ms = median(parse, reps);
	out->pack_ms = median(pack, reps);
	free(text);
}

/* ---- verify workload (live KVM) ---- */

/*
 * What `msrtrap verify --all` does per run: probe every MSR of its five
 * windows, both accesses, under a filter, on a real guest. Accesses per
 * second, for a default-deny filter (nearly every access exits) and for no
 * filter (nearly none does). Skipped when the gate fails.
 */
struct verify_result {
	bool ran;
	char why[160];
	size_t accesses;
	double deny_per_s, none_per_s;
};

static void verify_workload(int reps, struct verify_result *out)
{
	static const uint32_t win[5][2] = { { 0x0, 0x1fff }, { 0x40000000, 0x400001ff },
					    { 0x4b564d00, 0x4b564dff }, { 0xc0000000, 0xc0001fff },
					    { 0xc0010000, 0xc0011fff } };
	MSRTRAP_OPTS(msrtrap_error, diag);
	struct msrtrap_filter *deny = NULL;
	struct msrtrap_kvm_vm *kvm = NULL;
	struct msrtrap_probe *probes;
	double t[2][16];
	size_t n = 0;
	uint8_t bm[8] = { 0x80 }; /* deny everything but one MSR */

	memset(&diag, 0, sizeof(diag));
	diag.sz = sizeof(diag);
	out->ran = false;
	if (msrtrap_kvm_gate(&diag) || msrtrap_kvm_open(&kvm, &diag) ||
	    msrtrap_kvm_enable_user_msr(kvm, MSRTRAP_KVM_MSR_EXIT_REASON_FILTER)) {
		snprintf(out->why, sizeof(out->why), "%.31s: %.120s", diag.where, diag.message);
		/* one line of the text report: keep it plain */
		for (char *p = out->why; *p; p++)
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				*p = ' ';
		msrtrap_kvm_close(kvm);
		return;
	}
	probes = calloc(25344, sizeof(*probes));
	for (int w = 0; w < 5; w++)
		for (uint64_t m = win[w][0]; m <= win[w][1]; m++)
			probes[n++].msr = (uint32_t)m;
	msrtrap_filter_new(MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY, &deny);
	msrtrap_filter_add_range(deny, MSRTRAP_KVM_MSR_FILTER_READ, 0x10, 1, bm, 8);
	for (int r = 0; r < reps; r++)
		for (int k = 0; k < 2; k++) {
			double t0;

			msrtrap_kvm_set_filter(kvm, k ? NULL : deny);
			t0 = now_ns();
			msrtrap_kvm_probe(kvm, probes, n, NULL, NULL, NULL);
			t[k][r] = (now_ns() - t0) / 1e9;
		}
	out->ran = true;
	out->accesses = 2 * n;
	out->deny_per_s = 2 * n / median(t[0], reps);
	out->none_per_s = 2 * n / median(t[1], reps);
	free(probes);
	msrtrap_filter_free(deny);
	msrtrap_kvm_close(kvm);
}

/* ---- scaling workload ---- */

/*
 * One filter change propagated to n vCPUs (each syncs once, as each vCPU
 * thread would before its next entry): ns per vCPU. Runs for n and for 1
 * alternate, and the result is the median of per-pair ratios.
 */
struct scaling_result {
	unsigned int nvcpus;
	double ns_per_vcpu, one_ns, ratio;
};

static double sync_all(struct msrtrap_engine *vm, struct msrtrap_engine_vcpu **v, unsigned int n,
		       struct msrtrap_filter *f)
{
	double t0;

	msrtrap_engine_set_filter(vm, f, NULL);
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++)
		msrtrap_engine_vcpu_sync(v[i]);
	return (now_ns() - t0) / n;
}

static void scaling(enum msrtrap_strategy strategy, unsigned int n, int reps,
		    struct scaling_result *out)
{
	static uint32_t pool[64];
	struct msrtrap_engine *vm[2];
	struct msrtrap_engine_vcpu **v[2];
	struct msrtrap_filter *f[2];
	unsigned int count[2] = { 1, n };
	double per[2][64], ratio[64];

	for (unsigned int i = 0; i < 64; i++)
		pool[i] = 0x100 + i * 17; /* 64 pass-through MSRs */
	f[0] = deny_filter(pool, 0, 1);
	f[1] = deny_filter(pool, 1, 1);
	for (int k = 0; k < 2; k++) {
		MSRTRAP_OPTS(msrtrap_engine_opts, o,
			     .format = MSRTRAP_FMT_VMX,
			     .strategy = strategy,
			     .max_vcpus = count[k]);

		msrtrap_engine_new(&o, &vm[k]);
		v[k] = calloc(count[k], sizeof(*v[k]));
		for (unsigned int i = 0; i < count[k]; i++) {
			msrtrap_engine_vcpu_new(vm[k], NULL, &v[k][i]);
			for (unsigned int j = 0; j < 64; j++)
				msrtrap_engine_vcpu_intercept(v[k][i], pool[j], pool[j], MSRTRAP_RW, false);
		}
	}
	for (int r = 0; r < reps + 2; r++)
		for (int k = 0; k < 2; k++) {
			double t = sync_all(vm[k], v[k], count[k], f[r % 2]);

			if (r >= 2)
				per[k][r - 2] = t;
		}
	for (int r = 0; r < reps; r++)
		ratio[r] = per[1][r] / per[0][r];
	out->nvcpus = n;
	out->ratio = median(ratio, reps);
	out->ns_per_vcpu = median(per[1], reps);
	out->one_ns = median(per[0], reps);
	for (int k = 0; k < 2; k++) {
		for (unsigned int i = 0; i < count[k]; i++)
			msrtrap_engine_vcpu_free(v[k][i]);
		free(v[k]);
		msrtrap_engine_free(vm[k]);
	}
	msrtrap_filter_free(f[0]);
	msrtrap_filter_free(f[1]);
}

/* ---- the run: every workload's parameters and results ---- */

static const int lookup_ranges[] = { 1, 4, 16 };
static const enum msrtrap_format refresh_formats[] = { MSRTRAP_FMT_VMX,
							MSRTRAP_FMT_SVM };
static const unsigned int refresh_npass[] = { 15, 64, 1024, 16384 };
static const unsigned int refresh_touch[] = { 1, 1000 };
static const unsigned int scaling_vcpus[] = { 1, 16, 256, 4096 };
static const unsigned int compile_rules[] = { 10, 1000, 100000 };

#define NLOOKUP (2 * ARRAY_SIZE(lookup_ranges))
#define NFMT ARRAY_SIZE(refresh_formats)
#define NPASS ARRAY_SIZE(refresh_npass)
#define NTOUCH ARRAY_SIZE(refresh_touch)
#define NSCALING ARRAY_SIZE(scaling_vcpus)
#define NCOMPILE ARRAY_SIZE(compile_rules)

struct bench {
	bool quick;
	int reps, iters;
	struct result lookup[NLOOKUP]; /* random first, then hot */
	struct refresh_result refresh[NFMT][NPASS][NTOUCH];
	struct scaling_result scaling[NSCALING];
	struct compile_result compile[NCOMPILE];
	struct verify_result verify;
};

/* Results by their parameters, for the summary ratios. */
static const struct result *lookup_of(const struct bench *b, int nranges,
				      bool hot)
{
	for (size_t i = 0; i < NLOOKUP; i++)
		if (b->lookup[i].nranges == nranges && b->lookup[i].hot == hot)
			return &b->lookup[i];
	abort();
}

static size_t index_of(const unsigned int *v, size_t n, unsigned int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return i;
	abort();
}

static const struct refresh_result *refresh_of(const struct bench *b,
					       enum msrtrap_format fmt,
					       unsigned int npass,
					       unsigned int touch)
{
	size_t f = fmt == MSRTRAP_FMT_SVM;

	return &b->refresh[f][index_of(refresh_npass, NPASS, npass)]
			  [index_of(refresh_touch, NTOUCH, touch)];
}

static const struct scaling_result *scaling_of(const struct bench *b,
					       unsigned int nvcpus)
{
	return &b->scaling[index_of(scaling_vcpus, NSCALING, nvcpus)];
}

/* jansson helpers: numbers rounded as the text report rounds them */
static json_t *real_at(double v, double scale)
{
	return json_real(round(v * scale) / scale);
}

static void set(json_t *obj, const char *key, json_t *value)
{
	json_object_set_new(obj, key, value);
}

/* ---- lookup ---- */

static void lookup_run(struct bench *b)
{
	for (size_t i = 0; i < NLOOKUP; i++)
		lookup(lookup_ranges[i % ARRAY_SIZE(lookup_ranges)],
		       i >= ARRAY_SIZE(lookup_ranges), b->reps, b->iters,
		       &b->lookup[i]);
}

static void lookup_text(const struct bench *b)
{
	printf("%-16s %12s %12s %12s %16s %16s\n", "workload", "compiled ns",
	       "linear ns", "bittest ns", "linear/compiled",
	       "compiled/bittest");
	for (size_t i = 0; i < NLOOKUP; i++) {
		const struct result *r = &b->lookup[i];

		printf("%-16s %12.2f %12.2f %12.2f %16.2f %16.2f\n", r->name,
		       r->compiled_ns, r->linear_ns, r->bit_ns,
		       r->linear_over_compiled, r->compiled_over_bit);
	}
}

static void lookup_json(const struct bench *b, json_t *root)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < NLOOKUP; i++) {
		const struct result *r = &b->lookup[i];
		json_t *o = json_object();

		set(o, "name", json_string(r->name));
		set(o, "compiled_ns", real_at(r->compiled_ns, 1e3));
		set(o, "linear_ns", real_at(r->linear_ns, 1e3));
		set(o, "bittest_ns", real_at(r->bit_ns, 1e3));
		set(o, "linear_over_compiled",
		    real_at(r->linear_over_compiled, 1e2));
		set(o, "compiled_over_bittest", real_at(r->compiled_over_bit, 1e2));
		json_array_append_new(arr, o);
	}
	set(root, "lookup", arr);
}

/* ---- refresh ---- */

static void refresh_run(struct bench *b)
{
	for (size_t f = 0; f < NFMT; f++)
		for (size_t i = 0; i < NPASS; i++)
			for (size_t t = 0; t < NTOUCH; t++)
				refresh(refresh_formats[f], refresh_npass[i],
					refresh_touch[t], b->reps,
					&b->refresh[f][i][t]);
}

static void refresh_text_one(const struct refresh_result *x)
{
	printf("%s pass %-5u touch %-4u %13.0f %17.0f %11.0f %9.0f   %.1f %.1f %.2f\n",
	       msrtrap_format_name(x->fmt), x->npass, x->touch,
	       x->ns[MSRTRAP_STRATEGY_REAPPLY_ALL],
	       x->ns[MSRTRAP_STRATEGY_SKIP_INTERCEPTED],
	       x->ns[MSRTRAP_STRATEGY_RECOMPUTE], x->ns[MSRTRAP_STRATEGY_DELTA],
	       x->skip_over_recompute, x->skip_over_delta,
	       x->reapply_over_skip);
	printf("%26s", "");
	for (int k = 0; k < MSRTRAP_STRATEGY_COUNT; k++)
		printf("   %s %llu/%llu", msrtrap_strategy_name(k),
		       (unsigned long long)x->per_sync[k].lookups,
		       (unsigned long long)x->per_sync[k].notifications);
	printf("\n");
}

static void refresh_text(const struct bench *b)
{
	printf("\nrefresh: ns per vCPU sync after a filter change (median of %d; look-ups/notifications per sync)\n",
	       b->reps);
	printf("%-26s %13s %17s %11s %9s   %s\n", "workload", "reapply-all",
	       "skip-intercepted", "recompute", "delta",
	       "ratios skip/recompute skip/delta reapply/skip");
	for (size_t f = 0; f < NFMT; f++)
		for (size_t i = 0; i < NPASS; i++)
			for (size_t t = 0; t < NTOUCH; t++)
				refresh_text_one(&b->refresh[f][i][t]);
}

static json_t *refresh_json_one(const struct refresh_result *x)
{
	json_t *o = json_object(), *strategies = json_object();

	set(o, "format", json_string(msrtrap_format_name(x->fmt)));
	set(o, "passthrough_msrs", json_integer(x->npass));
	set(o, "touched_msrs", json_integer(x->touch));
	for (int k = 0; k < MSRTRAP_STRATEGY_COUNT; k++) {
		const struct msrtrap_engine_vcpu_stats *st = &x->per_sync[k];
		json_t *s = json_object();

		set(s, "ns", json_integer(llround(x->ns[k])));
		set(s, "spread", real_at(x->spread[k], 1e2));
		set(s, "lookups", json_integer((json_int_t)st->lookups));
		set(s, "words_written",
		    json_integer((json_int_t)st->words_written));
		set(s, "notifications",
		    json_integer((json_int_t)st->notifications));
		set(strategies, msrtrap_strategy_name(k), s);
	}
	set(o, "strategies", strategies);
	return o;
}

static void refresh_json(const struct bench *b, json_t *root)
{
	json_t *arr = json_array();

	for (size_t f = 0; f < NFMT; f++)
		for (size_t i = 0; i < NPASS; i++)
			for (size_t t = 0; t < NTOUCH; t++)
				json_array_append_new(arr,
					refresh_json_one(&b->refresh[f][i][t]));
	set(root, "refresh", arr);
}

/* ---- scaling ---- */

static void scaling_run(struct bench *b)
{
	for (size_t i = 0; i < NSCALING; i++)
		scaling(MSRTRAP_STRATEGY_DELTA, scaling_vcpus[i],
			b->quick ? 5 : 15, &b->scaling[i]);
}

static void scaling_text(const struct bench *b)
{
	printf("\nscaling: one filter change synced by N vCPUs (delta), ns per vCPU\n");
	for (size_t i = 0; i < NSCALING; i++) {
		const struct scaling_result *r = &b->scaling[i];

		printf("  %4u vCPUs: %8.1f ns per vCPU (1 vCPU: %.1f), ratio %.2f\n",
		       r->nvcpus, r->ns_per_vcpu, r->one_ns, r->ratio);
	}
}

static void scaling_json(const struct bench *b, json_t *root)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < NSCALING; i++) {
		const struct scaling_result *r = &b->scaling[i];
		json_t *o = json_object();

		set(o, "vcpus", json_integer(r->nvcpus));
		set(o, "ns_per_vcpu", real_at(r->ns_per_vcpu, 1e1));
		set(o, "one_vcpu_ns", real_at(r->one_ns, 1e1));
		set(o, "ratio", real_at(r->ratio, 1e2));
		json_array_append_new(arr, o);
	}
	set(root, "scaling", arr);
}

/* ---- compile ---- */

static void compile_run(struct bench *b)
{
	for (size_t i = 0; i < NCOMPILE; i++)
		compile_workload(compile_rules[i], b->quick ? 3 : 9,
				 &b->compile[i]);
}

static void compile_text(const struct bench *b)
{
	printf("\ncompile: policy of N rules -> KVM filter (median)\n");
	for (size_t i = 0; i < NCOMPILE; i++) {
		const struct compile_result *r = &b->compile[i];

		printf("  %6u rules: parse %8.3f ms, pack %8.3f ms, %llu ranges%s, %llu bitmap bytes\n",
		       r->rules, r->parse_ms, r->pack_ms, r->ranges,
		       r->err == -E2BIG ? " needed (> 16: refused)" : "",
		       r->bytes);
	}
}

static const char *compile_outcome(int err)
{
	if (!err)
		return "ok";
	return err == -E2BIG ? "needs more than 16 ranges" : "error";
}

static void compile_json(const struct bench *b, json_t *root)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < NCOMPILE; i++) {
		const struct compile_result *r = &b->compile[i];
		json_t *o = json_object();

		set(o, "rules", json_integer(r->rules));
		set(o, "parse_ms", real_at(r->parse_ms, 1e3));
		set(o, "pack_ms", real_at(r->pack_ms, 1e3));
		set(o, "result", json_string(compile_outcome(r->err)));
		set(o, "ranges", json_integer((json_int_t)r->ranges));
		set(o, "bytes", json_integer((json_int_t)r->bytes));
		json_array_append_new(arr, o);
	}
	set(root, "compile", arr);
}

/* ---- verify ---- */

static void verify_run(struct bench *b)
{
	verify_workload(b->quick ? 3 : 7, &b->verify);
}

static void verify_text(const struct bench *b)
{
	const struct verify_result *v = &b->verify;

	if (v->ran)
		printf("\nverify --all on live KVM: %zu accesses; %.0f accesses/s with a default-deny filter, %.0f with none\n",
		       v->accesses, v->deny_per_s, v->none_per_s);
	else
		printf("\nverify: live KVM not usable here (%s): skipped\n",
		       v->why);
}

static void verify_json(const struct bench *b, json_t *root)
{
	const struct verify_result *v = &b->verify;
	json_t *o = json_object();

	if (v->ran) {
		set(o, "accesses", json_integer((json_int_t)v->accesses));
		set(o, "default_deny_accesses_per_s",
		    json_integer(llround(v->deny_per_s)));
		set(o, "no_filter_accesses_per_s",
		    json_integer(llround(v->none_per_s)));
	} else {
		set(o, "skipped", json_string(v->why));
	}
	set(root, "verify", o);
}

/* ---- the table, and the summary over all of it ---- */

static const struct workload {
	void (*run)(struct bench *b);
	void (*text)(const struct bench *b);
	void (*json)(const struct bench *b, json_t *root);
} workloads[] = {
	{ lookup_run, lookup_text, lookup_json },
	{ refresh_run, refresh_text, refresh_json },
	{ scaling_run, scaling_text, scaling_json },
	{ compile_run, compile_text, compile_json },
	{ verify_run, verify_text, verify_json },
};

/* The headline ratios docs/benchmarks.md quotes. */
struct ratios {
	const struct result *l16, *l16_hot;
	const struct refresh_result *r1024, *r15;
	const struct scaling_result *s4096;
};

static struct ratios ratios_of(const struct bench *b)
{
	return (struct ratios){
		.l16 = lookup_of(b, 16, false),
		.l16_hot = lookup_of(b, 16, true),
		.r1024 = refresh_of(b, MSRTRAP_FMT_VMX, 1024, 1),
		.r15 = refresh_of(b, MSRTRAP_FMT_VMX, 15, 1),
		.s4096 = scaling_of(b, 4096),
	};
}

static void ratios_text(const struct bench *b)
{
	struct ratios r = ratios_of(b);

	printf("\nratios: lookup16 linear/compiled %.2f (hot %.2f), compiled/bittest %.2f; "
	       "refresh1024 skip/recompute %.1f, skip/delta %.1f; refresh15 reapply/skip %.2f; "
	       "scaling4096/1 per vCPU %.2f\n",
	       r.l16->linear_over_compiled, r.l16_hot->linear_over_compiled,
	       r.l16->compiled_over_bit, r.r1024->skip_over_recompute,
	       r.r1024->skip_over_delta, r.r15->reapply_over_skip,
	       r.s4096->ratio);
}

static void ratios_json(const struct bench *b, json_t *root)
{
	struct ratios r = ratios_of(b);
	json_t *o = json_object();

	set(o, "lookup16_linear_over_compiled",
	    real_at(r.l16->linear_over_compiled, 1e2));
	set(o, "lookup16_compiled_over_bittest",
	    real_at(r.l16->compiled_over_bit, 1e2));
	set(o, "lookup16_hot_linear_over_compiled",
	    real_at(r.l16_hot->linear_over_compiled, 1e2));
	set(o, "refresh1024_skip_over_recompute",
	    real_at(r.r1024->skip_over_recompute, 1e2));
	set(o, "refresh1024_skip_over_delta",
	    real_at(r.r1024->skip_over_delta, 1e2));
	set(o, "refresh15_reapply_over_skip",
	    real_at(r.r15->reapply_over_skip, 1e2));
	set(o, "scaling4096_over_1_per_vcpu", real_at(r.s4096->ratio, 1e2));
	set(root, "ratios", o);
}

static int print_json(const struct bench *b)
{
	json_t *root = json_object();
	int err;

	set(root, "quick", json_boolean(b->quick));
	for (size_t i = 0; i < ARRAY_SIZE(workloads); i++)
		workloads[i].json(b, root);
	ratios_json(b, root);
	/* 15 significant digits print the rounded values as they are */
	err = json_dumpf(root, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER |
					       JSON_REAL_PRECISION(15));
	json_decref(root);
	if (err || putchar('\n') == EOF)
		return 1;
	return 0;
}

/* --help: what a user needs without the sources (ux-review c14) */
static const char help[] =
	"usage: msrtrap-bench [-q|--quick] [-j|--json]\n"
	"Measure msrtrap's fast paths against the baselines they replace, in\n"
	"one run on this machine:\n"
	"  lookup   allowed(MSR, access) on default-deny filters of 1, 4 and 16\n"
	"           ranges, random and hot-set MSRs: the compiled filter vs the\n"
	"           kernel's linear scan (kvm_msr_allowed()) vs a bare bit test\n"
	"  refresh  one vCPU sync after a filter change, per engine strategy\n"
	"           (reapply-all, skip-intercepted, recompute, delta)\n"
	"  scaling  one filter change synced by N vCPUs\n"
	"  compile  a policy of N rules compiled to the optimal KVM filter\n"
	"  verify   verify --all's probe on live KVM (skipped without /dev/kvm)\n"
	"The two sides of a comparison run alternately and each ratio is the\n"
	"median of per-pair ratios: read the ratios, not the absolute times.\n"
	"\n"
	"  -q, --quick  7 x 50 repetitions instead of 31 x 200 (seconds)\n"
	"  -j, --json   one JSON object on stdout, the headline figures under\n"
	"               \"ratios\"\n"
	"  -h, --help   this text\n"
	"\n"
	"Exit status: 0; 1 when the output cannot be written; 2 for a bad\n"
	"option. msrtrap-bench(1); docs/benchmarks.md in the msrtrap sources.\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct bench b;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "qjh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			b.quick = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(help, stdout);
			return fflush(stdout) || ferror(stdout) ? 1 : 0;
		default:
			fprintf(stderr, "usage: msrtrap-bench [-q|--quick] "
					"[-j|--json] (see --help)\n");
			return 2;
		}
	}
	b.reps = b.quick ? 7 : 31;
	b.iters = b.quick ? 50 : 200;
	for (size_t i = 0; i < ARRAY_SIZE(workloads); i++)
		workloads[i].run(&b);
	if (json)
		return print_json(&b);
	for (size_t i = 0; i < ARRAY_SIZE(workloads); i++)
		workloads[i].text(&b);
	ratios_text(&b);
	/* as the msrtrap commands: never 0 after a short write */
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
