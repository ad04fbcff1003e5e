// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap verify [--all] [--list] [--json] FILE: compile FILE to a KVM MSR filter,
 * install it on a VM of live KVM, let the probe guest RDMSR and WRMSR each
 * MSR of a set, and compare, access by access, what KVM filtered (an exit
 * with reason FILTER) with what the model denies. Exit 0 when all agree,
 * 1 on any mismatch or bad input (or when live KVM failed for want of
 * descriptors or memory), 2 on usage errors, 77 when live KVM is not
 * usable here.
 *
 * The model: for a policy, its own verdicts (so the compiler is checked
 * too), except that the x2APIC MSRs 0x800-0x8ff pass (KVM never filters
 * them, invariant 20); for a filter, msrtrap's evaluation of it.
 *
 * The tests prove that disagreement is caught and reported exactly by
 * tampering with the filter on its way to the kernel from outside the
 * binary (tests/kvm/tamper-filter.c, an LD_PRELOAD shim): nothing here
 * behaves differently under test.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "common/opts.h"
#include "util/vec.h"

static const char verify_head[] =
	"usage: msrtrap verify [--all] [--list] [--json] FILE\n"
	"\n"
	"Install FILE as a KVM userspace MSR filter on a VM of live KVM\n"
	"(/dev/kvm) and check that the kernel filters exactly what the model\n"
	"denies. FILE is a policy, compiled as 'msrtrap compile --to kvm' does,\n"
	"or a KVM MSR filter in the JSON format (a VMX bitmap or SVM map is\n"
	"decompiled and compiled like a policy); - is stdin. A real-mode guest\n"
	"executes RDMSR, then WRMSR of the value read, for each MSR probed; an\n"
	"access counts as filtered when it exits to userspace with reason\n"
	"FILTER (filtered reads are answered with the MSR's value, filtered\n"
	"writes swallowed, so the guest is not disturbed). The model is the\n"
	"policy's verdict, or the filter's: the x2APIC MSRs 0x800-0x8ff pass\n"
	"whatever a policy says, as KVM never filters them.\n"
	"\n"
	"Probed by default: every MSR a rule or a filter range names (the first\n"
	"and last 3 of an interval longer than 64 MSRs), the first and last\n"
	"MSR of every interval where the model's verdict changes and of every\n"
	"range, each +-1, and a fixed sample of 1024 MSRs elsewhere.\n"
	"Prints the mismatches (MSR, access, names, the model's verdict, what\n"
	"KVM did) and a summary; a progress bar on a terminal.\n"
	"A signal that is not the time limit's (a stop and continue, SIGCHLD)\n"
	"only pauses the probe.\n"
	"Exit 0 when every access agrees, 1 on any mismatch or bad input, 2 on\n"
	"usage errors, 77 when live KVM is not usable here (with the reason);\n"
	"running out of descriptors or memory (EMFILE, ENFILE, ENOMEM) is 1.\n"
	"\n";

static const char help_all[] =
	"  -a, --all   probe every MSR of 0-0x1fff, 0x40000000-0x400001ff,\n"
	"              0x4b564d00-0x4b564dff, 0xc0000000-0xc0001fff and\n"
	"              0xc0010000-0xc0011fff (25344 MSRs, 50688 accesses)\n";

static const char help_list[] =
	"  -l, --list  print every access probed, in MSR order: MSR, name,\n"
	"              access, the model's verdict, what KVM did and the value\n"
	"              (read: what RDMSR returned; write: the value written);\n"
	"              with --json the array \"probed\":[{\"msr\":N,\"name\":...,\n"
	"              \"access\":\"read\",\"expected\":\"allow\",\n"
	"              \"observed\":\"kernel\",\"value\":\"0x...\"},...]\n";

static const char help_json[] =
	"  -j, --json  print {\"file\":...,\"format\":...,\"live\":true,\"msrs\":N,\n"
	"              \"accesses\":N,\"agree\":N,\"mismatches\":[{\"msr\":N,\"name\":...,\n"
	"              \"access\":\"read\",\"model\":\"allow\",\"observed\":\"filtered\"},\n"
	"              ...],\"observed\":{\"filtered\":N,\"kernel\":N,\"gp\":N,\"exit\":N},\n"
	"              \"exits\":N,\"seconds\":S} or {\"file\":...,\"live\":false,\n"
	"              \"reason\":...} on stdout\n";

#define GATE_SECONDS 10
#define PROBE_SECONDS 120
#define FULL_INTERVAL 64 /* intervals up to this many MSRs are probed whole */
#define SAMPLE_WINDOWS 768
#define SAMPLE_ANYWHERE 256
#define MAX_LISTED 64 /* mismatches listed in text */

/* The MSR windows of --all. */
static const struct msrtrap_interval windows[] = {
	{ 0x00000000, 0x00001fff }, { 0x40000000, 0x400001ff },
	{ 0x4b564d00, 0x4b564dff }, { 0xc0000000, 0xc0001fff },
	{ 0xc0010000, 0xc0011fff },
};
#define NWINDOWS (sizeof(windows) / sizeof(windows[0]))

/* ---- the set of MSRs ---- */

struct msrset {
	uint32_t *v;
	size_t n, cap;
};

static void add(struct msrset *s, uint32_t msr)
{
	if (mt_vec_reserve(&s->v, &s->cap, s->n + 1))
		abort(); /* the CLI may die on OOM */
	s->v[s->n++] = msr;
}

/* first and last, each +-1 (not wrapping around 2^32) */
static void add_edges(struct msrset *s, uint32_t first, uint32_t last)
{
	for (int d = -1; d <= 1; d++) {
		int64_t a = (int64_t)first + d, b = (int64_t)last + d;

		if (a >= 0 && a <= UINT32_MAX)
			add(s, (uint32_t)a);
		if (b >= 0 && b <= UINT32_MAX)
			add(s, (uint32_t)b);
	}
}

/* all of a short interval, the edges of a long one */
static void add_named(struct msrset *s, uint32_t first, uint32_t last)
{
	if ((uint64_t)last - first < FULL_INTERVAL) {
		for (uint64_t m = first; m <= last; m++)
			add(s, (uint32_t)m);
	} else {
		add(s, first + 2);
		add(s, last - 2);
	}
	add_edges(s, first, last);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void sort_unique(struct msrset *s)
{
	size_t k = 0;

	qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
	for (size_t i = 0; i < s->n; i++)
		if (!k || s->v[i] != s->v[k - 1])
			s->v[k++] = s->v[i];
	s->n = k;
}

static void add_all(struct msrset *s)
{
	for (size_t w = 0; w < NWINDOWS; w++)
		for (uint64_t m = windows[w].first; m <= windows[w].last; m++)
			add(s, (uint32_t)m);
}

/* A fixed xorshift sequence: the same sample on every run. */
static uint32_t sample_next(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (uint32_t)((*x * 0x2545f4914f6cdd1dull) >> 32);
}

static void add_sample(struct msrset *s)
{
	static const uint32_t landmarks[] = {
		0x0, MSRTRAP_X2APIC_FIRST - 1, MSRTRAP_X2APIC_FIRST,
		MSRTRAP_X2APIC_FIRST + 1, MSRTRAP_X2APIC_LAST - 1,
		MSRTRAP_X2APIC_LAST, MSRTRAP_X2APIC_LAST + 1, 0x3000,
		0x474f4f00, 0x80000000, 0xdeadbeef, 0xfffffffe, 0xffffffff,
	};
	uint64_t x = 0x6d737274726170ull; /* "msrtrap" */
	uint32_t total = 0;

	for (size_t i = 0; i < sizeof(landmarks) / sizeof(landmarks[0]); i++)
		add(s, landmarks[i]);
	for (size_t w = 0; w < NWINDOWS; w++) {
		add_edges(s, windows[w].first, windows[w].last);
		total += windows[w].last - windows[w].first + 1;
	}
	for (unsigned int i = 0; i < SAMPLE_WINDOWS; i++) {
		uint32_t k = sample_next(&x) % total;

		for (size_t w = 0; w < NWINDOWS; w++) {
			uint32_t len = windows[w].last - windows[w].first + 1;

			if (k < len) {
				add(s, windows[w].first + k);
				break;
			}
			k -= len;
		}
	}
	for (unsigned int i = 0; i < SAMPLE_ANYWHERE; i++)
		add(s, sample_next(&x));
}

typedef long interval_getter(const struct msrtrap_policy *p, size_t which,
			     struct msrtrap_interval *buf, size_t n);

/* Hand every interval get(p, which, ...) returns to add_one(). */
static void add_intervals(struct msrset *s, const struct msrtrap_policy *p,
			  size_t which, interval_getter *get,
			  void (*add_one)(struct msrset *s, uint32_t first,
					  uint32_t last))
{
	long n = get(p, which, NULL, 0);
	struct msrtrap_interval *v;

	if (n <= 0)
		return;
	v = malloc((size_t)n * sizeof(*v));
	if (!v)
		abort();
	get(p, which, v, (size_t)n);
	for (long i = 0; i < n; i++)
		add_one(s, v[i].first, v[i].last);
	free(v);
}

static long exceptions(const struct msrtrap_policy *p, size_t access,
		       struct msrtrap_interval *buf, size_t n)
{
	return msrtrap_policy_exceptions(p, (unsigned int)access, buf, n);
}

/* Edges of the model's exception intervals (where verdicts change). */
static void add_exceptions(struct msrset *s, const struct msrtrap_policy *p)
{
	for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++)
		add_intervals(s, p, a, exceptions, add_edges);
}

/* What every rule names. */
static void add_rules(struct msrset *s, const struct msrtrap_policy *p)
{
	for (size_t r = 0; r < msrtrap_policy_nrules(p); r++)
		add_intervals(s, p, r, msrtrap_policy_rule_targets, add_named);
}

static void add_ranges(struct msrset *s, const struct msrtrap_filter *f)
{
	for (unsigned int i = 0; i < msrtrap_filter_nranges(f); i++) {
		struct msrtrap_filter_range r;

		if (msrtrap_filter_range(f, i, &r) || !r.nmsrs ||
		    (uint64_t)r.base + r.nmsrs > (uint64_t)UINT32_MAX + 1)
			continue;
		add_named(s, r.base, (uint32_t)(r.base + r.nmsrs - 1));
	}
}

/* ---- the model ---- */

struct model {
	const struct msrtrap_policy *policy; /* a policy's own verdicts */
	struct msrtrap_cfilter *cfilter;     /* or a filter's */
};

static bool model_allows(const struct model *m, uint32_t msr, unsigned int access)
{
	if (m->cfilter)
		return msrtrap_cfilter_allowed(m->cfilter, msr, access);
	if (msrtrap_msr_is_x2apic(msr))
		return true; /* KVM never filters x2APIC */
	return msrtrap_policy_verdict(m->policy, msr, access) == 1;
}

/* ---- progress and time ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define BAR 40

static void progress(void *ctx, size_t done, size_t total)
{
	unsigned int fill = (unsigned int)(done * BAR / total);

	(void)ctx;
	fprintf(stderr, "\rmsrtrap verify: [%.*s%*s] %zu/%zu MSRs", (int)fill,
		"########################################", (int)(BAR - fill),
		"", done, total);
	if (done == total)
		fprintf(stderr, "\r%*s\r", BAR + 60, "");
	fflush(stderr);
}

/* ---- the command ---- */

struct mismatch {
	uint32_t msr;
	unsigned int access;
	bool model_allow;
	uint8_t observed;
};

static const char *access_name(unsigned int access)
{
	return msrtrap_access_name((enum msrtrap_access)access,
				   MSRTRAP_ACCESS_NAME);
}

/*
 * The library's outcome names, but "gp" where it says "#GP": the --json
 * document spells it "gp", in "observed" and as a key of the counts.
 */
static const char *observed_name(uint8_t o)
{
	const char *name = msrtrap_probe_outcome_name(o);

	if (o == MSRTRAP_PROBE_GP)
		return "gp";
	return name ? name : "none";
}

static const char *observed_text(uint8_t o)
{
	return o == MSRTRAP_PROBE_KERNEL ? "KVM handled it in the kernel" :
	       o == MSRTRAP_PROBE_GP ? "KVM let it through (#GP)" :
	       o == MSRTRAP_PROBE_FILTERED ? "KVM filtered it" :
	       o == MSRTRAP_PROBE_EXIT ? "KVM exited with another reason" :
	       "not probed";
}

struct run {
	const char *label;
	bool json, list;
	bool *expect; /* with list: the model's verdict, 2 per probe */
	struct msrtrap_probe *probes;
	size_t n;
	struct mismatch *mm;
	size_t nmm;
	size_t count[5];
	struct msrtrap_probe_stats stats;
	double seconds;
	const char *format;
	bool x2apic_note;
	/* the host, for the accesses KVM completes without the filter */
	struct kvm_host host;
	bool *fastpath; /* 2 per probe: expected to pass by the fast path */
	size_t nfastpath;
};

static const struct msrtrap_probe_access *probe_access(const struct msrtrap_probe *p,
							unsigned int a)
{
	return a == MSRTRAP_READ ? &p->read : &p->write;
}

/* --list: one line per access, MSR order, read before write. */
static void print_list(const struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct msrtrap_probe *p = &r->probes[i];
		const char *name = msrtrap_msr_name(p->msr);

		for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++) {
			const struct msrtrap_probe_access *pa = probe_access(p, a);

			printf("probe: 0x%08x %-24s %-5s expected %-5s observed "
			       "%-8s value 0x%016llx%s\n", p->msr,
			       name ? name : "-", access_name(a),
			       r->expect[2 * i + a - MSRTRAP_READ] ? "allow" : "deny",
			       observed_name(pa->outcome),
			       (unsigned long long)pa->value,
			       r->fastpath[2 * i + a - MSRTRAP_READ] ?
				       " (WRMSR fast path: the filter denies it)" : "");
		}
	}
}

static json_t *json_list(const struct run *r)
{
	json_t *list = json_array();
	char value[24];

	for (size_t i = 0; i < r->n; i++) {
		const struct msrtrap_probe *p = &r->probes[i];
		const char *name = msrtrap_msr_name(p->msr);

		for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++) {
			const struct msrtrap_probe_access *pa = probe_access(p, a);

			/* a string: JSON integers stop short of 2^64 */
			snprintf(value, sizeof(value), "0x%016llx",
				 (unsigned long long)pa->value);
			json_array_append_new(list, json_pack(
				"{s:I, s:s?, s:s, s:s, s:s, s:s, s:b}",
				"msr", (json_int_t)p->msr, "name", name,
				"access", access_name(a), "expected",
				r->expect[2 * i + a - MSRTRAP_READ] ? "allow" : "deny",
				"observed", observed_name(pa->outcome),
				"value", value, "fastpath",
				r->fastpath[2 * i + a - MSRTRAP_READ]));
		}
	}
	return list;
}

static void print_text(const struct run *r)
{
	char names[256];

	if (r->list)
		print_list(r);

	for (size_t i = 0; i < r->nmm && i < MAX_LISTED; i++) {
		const struct mismatch *m = &r->mm[i];

		describe_interval(m->msr, m->msr, 1, names, sizeof(names));
		printf("mismatch: 0x%08x %-5s %s: the model %s, %s\n", m->msr,
		       access_name(m->access), names[0] ? names : "-",
		       m->model_allow ? "allows" : "denies",
		       observed_text(m->observed));
	}
	if (r->nmm > MAX_LISTED)
		printf("mismatch: (+%zu more; --json lists them all)\n",
		       r->nmm - MAX_LISTED);
	if (r->x2apic_note)
		printf("note: the x2APIC MSRs 0x800-0x8ff are expected to pass: "
		       "KVM never filters them\n");
	if (r->nfastpath)
		printf("note: TSC_DEADLINE (0x6e0) writes are expected to pass "
		       "although the filter denies them: %s\n", r->host.why);
	printf("%s: %zu accesses to %zu MSRs on live KVM in %.2f s: %zu agree, "
	       "%zu mismatch%s\n", r->label, 2 * r->n, r->n, r->seconds,
	       2 * r->n - r->nmm, r->nmm, r->nmm == 1 ? "" : "es");
	printf("  observed: %zu filtered, %zu handled in the kernel, %zu #GP, "
	       "%zu other exits (%llu exits to userspace, %llu guest pass%s)\n",
	       r->count[MSRTRAP_PROBE_FILTERED], r->count[MSRTRAP_PROBE_KERNEL],
	       r->count[MSRTRAP_PROBE_GP], r->count[MSRTRAP_PROBE_EXIT],
	       (unsigned long long)r->stats.msr_exits,
	       (unsigned long long)r->stats.batches,
	       r->stats.batches == 1 ? "" : "es");
}

static const char *kernel_text(const struct kvm_host *h)
{
	static char buf[24];

	snprintf(buf, sizeof(buf), "%u.%u", h->major, h->minor);
	return buf;
}

static void print_json_report(const struct run *r)
{
	json_t *mm = json_array(), *doc;

	for (size_t i = 0; i < r->nmm; i++) {
		const struct mismatch *m = &r->mm[i];
		const char *name = msrtrap_msr_name(m->msr);

		json_array_append_new(mm, json_pack("{s:I, s:s?, s:s, s:s, s:s}",
			"msr", (json_int_t)m->msr, "name", name, "access",
			access_name(m->access), "model",
			m->model_allow ? "allow" : "deny", "observed",
			observed_name(m->observed)));
	}
	doc = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:o, "
			     "s:{s:I, s:I, s:I, s:I}, s:I, s:f}",
			     "file", r->label, "format", r->format, "live", 1,
			     "msrs", (json_int_t)r->n, "accesses",
			     2 * (json_int_t)r->n, "agree",
			     2 * (json_int_t)r->n - (json_int_t)r->nmm, "mismatches", mm,
			     "observed", "filtered",
			     (json_int_t)r->count[MSRTRAP_PROBE_FILTERED], "kernel",
			     (json_int_t)r->count[MSRTRAP_PROBE_KERNEL], "gp",
			     (json_int_t)r->count[MSRTRAP_PROBE_GP], "exit",
			     (json_int_t)r->count[MSRTRAP_PROBE_EXIT], "exits",
			     (json_int_t)r->stats.msr_exits, "seconds", r->seconds);
	if (r->list)
		json_object_set_new(doc, "probed", json_list(r));
	json_object_set_new(doc, "host", json_pack("{s:s, s:s, s:b, s:s}",
		"module", r->host.module, "kernel", r->host.major ?
		kernel_text(&r->host) : "", "tsc_deadline_fastpath",
		r->host.tsc_deadline_fastpath, "why", r->host.why));
	print_json(doc);
}

static void compare(struct run *r, const struct model *model)
{
	r->mm = calloc(2 * r->n + 1, sizeof(*r->mm));
	r->expect = calloc(2 * r->n + 1, sizeof(*r->expect));
	r->fastpath = calloc(2 * r->n + 1, sizeof(*r->fastpath));
	if (!r->mm || !r->expect || !r->fastpath)
		abort();
	for (size_t i = 0; i < r->n; i++) {
		const struct msrtrap_probe *p = &r->probes[i];

		for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++) {
			const struct msrtrap_probe_access *pa =
				a == MSRTRAP_READ ? &p->read : &p->write;
			bool *fp = &r->fastpath[2 * i + a - MSRTRAP_READ];
			/* D6: denied, but KVM completes it before the filter */
			bool allow = kvm_host_expects_allow(&r->host,
							    model_allows(model, p->msr, a),
							    p->msr, a, fp);

			r->nfastpath += *fp;
			r->expect[2 * i + a - MSRTRAP_READ] = allow;
			r->count[pa->outcome < 5 ? pa->outcome : 0]++;
			if (allow != (pa->outcome != MSRTRAP_PROBE_FILTERED))
				r->mm[r->nmm++] = (struct mismatch){ p->msr, a, allow,
								     pa->outcome };
		}
	}
}

/* The filter to install and the model, from the input. */
static int prepare(struct input *in, const char *label,
		   struct msrtrap_filter **f, struct model *model)
{
	MSRTRAP_OPTS(msrtrap_error, diag);
	int err;

	if (in->kind == INPUT_FILTER) {
		err = msrtrap_cfilter_new(in->filter, &model->cfilter, &diag);
		if (err)
			return fail(label, "%s", strerror(-err));
		*f = in->filter;
		return EXIT_OK;
	}
	err = input_make_policy(in);
	if (err)
		return fail(label, "cannot decompile: %s", strerror(-err));
	model->policy = in->policy;
	err = msrtrap_policy_to_filter(in->policy, f, NULL);
	if (err == -E2BIG)
		return fail(label, "cannot compile: more than %d ranges needed "
			    "(see 'msrtrap compile --to kvm %s')",
			    MSRTRAP_KVM_MSR_FILTER_MAX_RANGES, label);
	if (err == -ERANGE)
		return fail(label, "cannot compile: MSR 0xffffffff is allowed for "
			    "one access and denied for the other");
	if (err)
		return fail(label, "cannot compile: %s", strerror(-err));
	return EXIT_OK;
}

static void skip(const char *label, bool json, const char *reason)
{
	if (json)
		print_json(json_pack("{s:s, s:b, s:s}", "file", label, "live", 0,
				     "reason", reason));
	fprintf(stderr, "%s: live KVM not usable here (%s): skipped\n", label,
		reason);
}

/* ---- the phases ---- */

/* The MSRs to probe: --all's windows, or the named ones and a sample. */
static void collect(struct msrset *set, struct input *in,
		    const struct model *model, const struct msrtrap_filter *f,
		    bool all)
{
	/* for a filter, the intervals of its decompiled policy */
	const struct msrtrap_policy *named = model->policy;

	if (all) {
		add_all(set);
	} else {
		if (!named && input_make_policy(in) == 0)
			named = in->policy;
		add_ranges(set, f);
		if (named) {
			add_rules(set, named);
			add_exceptions(set, named);
		}
		add_sample(set);
	}
	sort_unique(set);
}

/* Does the policy deny an x2APIC MSR we probe (which KVM will pass)? */
static bool x2apic_note(const struct msrset *set,
			const struct msrtrap_policy *p)
{
	for (size_t i = 0; p && i < set->n; i++)
		if (msrtrap_msr_is_x2apic(set->v[i]) &&
		    (msrtrap_policy_verdict(p, set->v[i], MSRTRAP_READ) != 1 ||
		     msrtrap_policy_verdict(p, set->v[i], MSRTRAP_WRITE) != 1))
			return true;
	return false;
}

/* Set the filter on the VM. */
static int install(struct msrtrap_kvm_vm *kvm, const char *label,
		   const struct msrtrap_filter *f)
{
	int err = msrtrap_kvm_set_filter(kvm, f);

	if (err)
		return fail(label, "KVM_X86_SET_MSR_FILTER refused the filter: %s "
			    "(%s; msrtrap's validation accepts it)",
			    input_errno_name(err), strerror(-err));
	return EXIT_OK;
}

/* Read and write every MSR of set in the guest, under the time limit. */
static int probe(struct msrtrap_kvm_vm *kvm, struct run *r,
		 const struct msrset *set)
{
	/* only the timeout ends the probe: other signals just pause it */
	MSRTRAP_OPTS(msrtrap_probe_opts, opts,
		     .cancelled = kvm_probe_cancelled);
	MSRTRAP_OPTS(msrtrap_error, diag);
	double t0;
	int err;

	r->n = set->n;
	r->probes = calloc(r->n ? r->n : 1, sizeof(*r->probes));
	if (!r->probes)
		abort();
	for (size_t i = 0; i < r->n; i++)
		r->probes[i].msr = set->v[i];
	r->stats.sz = sizeof(r->stats);
	if (isatty(STDERR_FILENO) && r->n > 2048)
		opts.progress = progress;
	kvm_timeout_start(PROBE_SECONDS);
	t0 = now();
	err = msrtrap_kvm_probe(kvm, r->probes, r->n, &opts, &r->stats, &diag);
	r->seconds = now() - t0;
	kvm_timeout_stop();
	if (!err)
		return EXIT_OK;
	if (opts.progress)
		fputc('\n', stderr);
	return fail(r->label, "live KVM failed during the probe: %s: %s%s",
		    diag.where, diag.message,
		    kvm_timed_out() ? " (timed out)" : "");
}

static int verify(const char *path, bool all, bool list, bool json,
		  bool strict)
{
	const char *label = input_label(path);
	struct msrtrap_filter *f = NULL;
	struct model model = { NULL, NULL };
	struct msrset set = { NULL, 0, 0 };
	struct msrtrap_kvm_vm *kvm = NULL;
	struct run r = { .label = label, .json = json, .list = list };
	char reason[256];
	struct input in;
	int rc;

	rc = input_open_or_report(path, INPUT_AUTO,
				  INPUT_FOR_KVM | INPUT_KEEP_DIAGS, &in);
	if (rc)
		return rc;
	rc = input_diags_verdict(&in, NULL, strict, false);
	if (rc)
		goto out;
	rc = prepare(&in, label, &f, &model);
	if (rc)
		goto out;
	r.format = in.kind == INPUT_FILTER ? "filter" : input_kind_name(in.kind);
	if (in.kind == INPUT_POLICY)
		r.format = "policy";
	collect(&set, &in, &model, f, all);
	r.x2apic_note = x2apic_note(&set, model.policy);
	rc = kvm_open_gated(GATE_SECONDS, &kvm, reason, sizeof(reason));
	if (rc && kvm_resource_error(rc)) {
		rc = fail(label, "live KVM failed: %s", reason);
		goto out;
	}
	if (rc) {
		skip(label, json, reason);
		rc = EXIT_SKIP;
		goto out;
	}
	rc = install(kvm, label, f);
	if (!rc)
		rc = probe(kvm, &r, &set);
	if (rc)
		goto out;
	kvm_host_probe("", &r.host);
	compare(&r, &model);
	if (json)
		print_json_report(&r);
	else
		print_text(&r);
	rc = r.nmm ? EXIT_BAD_INPUT : EXIT_OK;
out:
	msrtrap_kvm_close(kvm);
	if (f != in.filter)
		msrtrap_filter_free(f);
	msrtrap_cfilter_free(model.cfilter);
	input_close(&in);
	free(set.v);
	free(r.probes);
	free(r.mm);
	free(r.expect);
	free(r.fastpath);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	bool all = false, json = false, list = false, strict = false;
	const struct cli_opt opts[] = {
		CLI_FLAG("all", 'a', &all, help_all),
		CLI_FLAG("list", 'l', &list, help_list),
		CLI_FLAG("json", 'j', &json, help_json),
		CLI_FLAG("strict", 0, &strict, input_strict_help),
		INPUT_OPT_MAX_INPUT,
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "verify",
		.head = verify_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_error("verify", argc == optind ? "expected a FILE" :
					     "expected one FILE");
	return verify(argv[optind], all, list, json, strict);
}
