// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel parity: msrtrap's model against live KVM (/dev/kvm).
 *
 *  - validation: for a table of invalid and edge-case filters (live notes
 *    §3.5) and a few hundred random ones, msrtrap_filter_validate()'s
 *    errno equals KVM_X86_SET_MSR_FILTER's;
 *  - evaluation: for a few hundred random valid filters, the model's
 *    verdict equals what the probe guest sees on sampled MSRs;
 *  - the invariants of kvm-msr-semantics.md §11 that userspace can
 *    observe: 9, 11, 16 and 19-32;
 *  - the probe itself: repeats, order, batches, interruption.
 *
 * Skipped (exit 77, meson's "skip") when the gate fails: no /dev/kvm, not
 * root, no MSR filter support, or no working round trip. Every test runs
 * under an alarm, so a wedged KVM_RUN fails the test instead of hanging.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <msrtrap/msrtrap.h>

#include "testutil.h"

#define GATE_SECONDS 10
#define TEST_SECONDS 120

#define R MSRTRAP_KVM_MSR_FILTER_READ
#define W MSRTRAP_KVM_MSR_FILTER_WRITE
#define RW (R | W)
#define ALLOW MSRTRAP_KVM_MSR_FILTER_DEFAULT_ALLOW
#define DENY MSRTRAP_KVM_MSR_FILTER_DEFAULT_DENY
#define FILTER_EXIT MSRTRAP_KVM_MSR_EXIT_REASON_FILTER
#define ALL_EXITS MSRTRAP_KVM_MSR_EXIT_REASON_VALID_MASK

#define MSR_TSC 0x10u
#define MSR_PAT 0x277u
#define MSR_EFER 0xc0000080u

static volatile sig_atomic_t in_gate;

static void on_alarm(int sig)
{
	static const char gate[] = "# live KVM gate timed out: skipped\n";
	static const char test[] = "# test timed out (wedged KVM_RUN?)\n";

	(void)sig;
	if (in_gate) {
		(void)!write(STDOUT_FILENO, gate, sizeof(gate) - 1);
		_exit(77);
	}
	(void)!write(STDOUT_FILENO, test, sizeof(test) - 1);
	_exit(1);
}

/* ---- helpers ---- */

static struct msrtrap_kvm_vm *vm_open(void)
{
	MSRTRAP_OPTS(msrtrap_error, diag);
	struct msrtrap_kvm_vm *kvm = NULL;
	int err = msrtrap_kvm_open(&kvm, &diag);

	if (err)
		print_message("# open: %s: %s\n", diag.where, diag.message);
	assert_int_equal(err, 0);
	return kvm;
}

static int setup(void **state)
{
	alarm(TEST_SECONDS);
	*state = vm_open();
	assert_int_equal(msrtrap_kvm_enable_user_msr(*state, FILTER_EXIT), 0);
	return 0;
}

static int teardown(void **state)
{
	msrtrap_kvm_close(*state);
	alarm(0);
	return 0;
}

static struct msrtrap_filter *mkfilter(uint32_t flags)
{
	struct msrtrap_filter *f = NULL;

	assert_int_equal(msrtrap_filter_new(flags, &f), 0);
	return f;
}

/* A range whose bitmap holds `nmsrs` bits of value `bits` (0 or 0xff), padded. */
static void range_fill(struct msrtrap_filter *f, uint32_t flags, uint32_t base,
		       uint32_t nmsrs, uint8_t bits)
{
	size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);
	uint8_t *bm = malloc(len ? len : 1);

	assert_non_null(bm);
	memset(bm, bits, len);
	assert_int_equal(msrtrap_filter_add_range(f, flags, base, nmsrs, bm, len), 0);
	free(bm);
}

static void range_bytes(struct msrtrap_filter *f, uint32_t flags, uint32_t base,
			uint32_t nmsrs, const uint8_t *bytes, size_t n)
{
	uint8_t bm[MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE] = { 0 };
	size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);

	assert_true(n <= len && len <= sizeof(bm));
	memcpy(bm, bytes, n);
	assert_int_equal(msrtrap_filter_add_range(f, flags, base, nmsrs, bm, len), 0);
}

static void install(struct msrtrap_kvm_vm *kvm, const struct msrtrap_filter *f)
{
	assert_int_equal(msrtrap_filter_validate(f, NULL), 0);
	assert_int_equal(msrtrap_kvm_set_filter(kvm, f), 0);
}

static void probe(struct msrtrap_kvm_vm *kvm, struct msrtrap_probe *p, size_t n,
		  const struct msrtrap_probe_opts *opts)
{
	MSRTRAP_OPTS(msrtrap_error, diag);
	int err = msrtrap_kvm_probe(kvm, p, n, opts, NULL, &diag);

	if (err)
		print_message("# probe: %s: %s\n", diag.where, diag.message);
	assert_int_equal(err, 0);
}

/* Probe one MSR; returns its read and write outcomes through p. */
static struct msrtrap_probe probe1(struct msrtrap_kvm_vm *kvm, uint32_t msr)
{
	struct msrtrap_probe p = { .msr = msr };

	probe(kvm, &p, 1, NULL);
	return p;
}

static bool filtered(const struct msrtrap_probe_access *a)
{
	return a->outcome == MSRTRAP_PROBE_FILTERED;
}

/* Read and write of msr filtered as expected (1 = filtered). */
static void expect(struct msrtrap_kvm_vm *kvm, uint32_t msr, bool read_filtered,
		   bool write_filtered)
{
	struct msrtrap_probe p = probe1(kvm, msr);

	if (filtered(&p.read) != read_filtered || filtered(&p.write) != write_filtered)
		print_message("# MSR 0x%x: read %s, write %s; want read %s, write %s\n",
			      msr, msrtrap_probe_outcome_name(p.read.outcome),
			      msrtrap_probe_outcome_name(p.write.outcome),
			      read_filtered ? "filtered" : "not filtered",
			      write_filtered ? "filtered" : "not filtered");
	assert_int_equal(filtered(&p.read), read_filtered);
	assert_int_equal(filtered(&p.write), write_filtered);
}

/* ---- validation parity: the filter object path ---- */

static void compare_row(struct msrtrap_kvm_vm *kvm, const char *what,
			struct msrtrap_filter *f, int want)
{
	int model = msrtrap_filter_validate(f, NULL);
	int kernel = msrtrap_kvm_set_filter(kvm, f);

	print_message("# %-48s model %4d kernel %4d\n", what, model, kernel);
	assert_int_equal(model, kernel);
	if (want != 1)
		assert_int_equal(kernel, want); /* the notes' §3.5 value */
	msrtrap_filter_free(f);
}

static void test_errno_table(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f;
	char what[64];

	compare_row(kvm, "default allow, no ranges", mkfilter(ALLOW), 0);
	compare_row(kvm, "default deny, no ranges", mkfilter(DENY), -EINVAL);
	f = mkfilter(DENY);
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 0, NULL, 0), 0);
	compare_row(kvm, "default deny, READ range of 0 MSRs", f, -EINVAL);
	for (unsigned int b = 0; b < 32; b++) {
		f = mkfilter(1u << b);
		range_fill(f, R, MSR_PAT, 1, 0);
		snprintf(what, sizeof(what), "filter.flags = 1<<%u", b);
		compare_row(kvm, what, f, b == 0 ? 0 : -EINVAL);
	}
	for (unsigned int b = 0; b < 32; b++) {
		f = mkfilter(ALLOW);
		range_fill(f, 1u << b, MSR_PAT, 1, 0);
		snprintf(what, sizeof(what), "range.flags = 1<<%u", b);
		compare_row(kvm, what, f, b <= 1 ? 0 : -EINVAL);
	}
	f = mkfilter(ALLOW);
	range_fill(f, 0, MSR_PAT, 1, 0);
	compare_row(kvm, "range flags 0, nmsrs 1", f, -EINVAL);
	f = mkfilter(ALLOW);
	range_fill(f, RW, 0, 0x3000, 0);
	compare_row(kvm, "nmsrs 0x3000 (0x600 bitmap bytes)", f, 0);
	f = mkfilter(ALLOW);
	range_fill(f, RW, 0, 0x3001, 0);
	compare_row(kvm, "nmsrs 0x3001", f, -EINVAL);
	f = mkfilter(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, RW, 0, 0xffffffff, NULL, 0), 0);
	compare_row(kvm, "nmsrs 0xffffffff", f, -EINVAL);
	f = mkfilter(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, R, MSR_PAT, 1, NULL, 0), 0);
	compare_row(kvm, "bitmap NULL, nmsrs 1", f, -EFAULT);
	f = mkfilter(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, 4, MSR_PAT, 1, NULL, 0), 0);
	compare_row(kvm, "flags 4 and bitmap NULL (flags first)", f, -EINVAL);
	f = mkfilter(ALLOW);
	range_fill(f, R, MSR_PAT, 1, 0);
	assert_int_equal(msrtrap_filter_add_range(f, R, MSR_TSC, 1, NULL, 0), 0);
	compare_row(kvm, "valid range, then bitmap NULL", f, -EFAULT);
	f = mkfilter(DENY);
	for (unsigned int i = 0; i < 16; i++)
		range_fill(f, RW, i * 0x3000u, 0x3000, 0xff);
	compare_row(kvm, "16 ranges x 0x3000 MSRs", f, 0);
	f = mkfilter(ALLOW);
	range_fill(f, RW, 0x800, 0x100, 0);
	compare_row(kvm, "range covering x2APIC 0x800-0x8ff", f, 0);
	f = mkfilter(ALLOW);
	range_fill(f, R, 0xffffffff, 2, 0);
	compare_row(kvm, "range base 0xffffffff, nmsrs 2 (wraps)", f, 0);
	f = mkfilter(ALLOW);
	assert_int_equal(msrtrap_filter_add_range(f, 0xffffffff, 0x1234, 0, NULL, 0), 0);
	compare_row(kvm, "nmsrs 0 with flags 0xffffffff, NULL bitmap", f, 0);
	f = mkfilter(DENY);
	assert_int_equal(msrtrap_filter_add_range(f, 0xffffffff, 0x1234, 0, NULL, 0), 0);
	range_fill(f, R, MSR_PAT, 1, 0xff);
	compare_row(kvm, "default deny, garbage empty slot, valid range", f, 0);
	f = mkfilter(3);
	compare_row(kvm, "filter.flags 3, no ranges", f, -EINVAL);
	f = mkfilter(DENY);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(msrtrap_filter_add_range(f, RW, i, 0, NULL, 0), 0);
	compare_row(kvm, "default deny, 16 empty slots (inv. 10)", f, -EINVAL);
	f = mkfilter(ALLOW);
	for (unsigned int i = 0; i < 15; i++)
		range_fill(f, R, i * 0x100u, 0x100, 0);
	range_fill(f, W, 0, 1, 0);
	compare_row(kvm, "16 ranges, the last write-only", f, 0);
}

/*
 * Random slots, each invalid in some way now and then (flags, size, a
 * NULL bitmap), so that about half of the filters are refused and every
 * check of the kernel's order gets its turn. Bitmaps are full length.
 */
static uint32_t random_range_flags(void)
{
	static const uint32_t bad[] = { 0, 4, 5, 7, 0x80000001 };

	if (test_below(20))
		return 1 + test_below(3);
	return test_below(2) ? bad[test_below(5)] : 1u << test_below(32);
}

static uint32_t random_nmsrs(void)
{
	static const uint32_t bad[] = { 0x3001, 0x10000, 0xffffffff };

	switch (test_below(24)) {
	case 0:
		return bad[test_below(3)];
	case 1:
		return 0x3001 + test_below(0x1000);
	case 2:
	case 3:
	case 4:
		return 0; /* an empty slot */
	case 5:
		return 0x3000;
	default:
		return 1 + test_below(test_below(2) ? 0x100 : 0x3000);
	}
}

static struct msrtrap_filter *random_any_filter(void)
{
	uint32_t fflags = test_below(16) ? test_below(2) : 1u << test_below(32);
	struct msrtrap_filter *f = mkfilter(fflags);
	unsigned int n = test_below(4) ? test_below(5) : test_below(17);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t nmsrs = random_nmsrs(), flags = random_range_flags();
		uint32_t base = test_rand32();
		size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);

		if (len > MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE || !test_below(30)) {
			assert_int_equal(msrtrap_filter_add_range(f, flags, base, nmsrs,
								  NULL, 0), 0);
		} else {
			uint8_t bm[MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE];

			test_fill_random(bm, len);
			assert_int_equal(msrtrap_filter_add_range(f, flags, base, nmsrs,
								  len ? bm : NULL, len), 0);
		}
	}
	return f;
}

static void test_errno_random(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	unsigned int n = 300 * test_scale(), counts[3] = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		struct msrtrap_filter *f = random_any_filter();
		int model = msrtrap_filter_validate(f, NULL);
		int kernel = msrtrap_kvm_set_filter(kvm, f);

		if (model != kernel) {
			char *json = NULL;

			msrtrap_filter_to_json(f, &json);
			print_message("# model %d, kernel %d for %s\n", model, kernel,
				      json ? json : "?");
			free(json);
		}
		assert_int_equal(model, kernel);
		counts[kernel == 0 ? 0 : kernel == -EINVAL ? 1 : 2]++;
		msrtrap_filter_free(f);
	}
	print_message("# %u random filters: %u accepted, %u EINVAL, %u EFAULT\n",
		      n, counts[0], counts[1], counts[2]);
	assert_true(counts[0] && counts[1] && counts[2]);
}

/* ---- validation parity: raw ABI structs with unreadable memory ---- */

struct guarded {
	uint8_t *map; /* two pages: readable, then PROT_NONE */
	long page;
};

static uint8_t *guarded_bytes(struct guarded *g, size_t readable)
{
	g->page = sysconf(_SC_PAGESIZE);
	g->map = mmap(NULL, 2 * (size_t)g->page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->map != MAP_FAILED);
	memset(g->map, 0xff, (size_t)g->page);
	assert_int_equal(mprotect(g->map + g->page, (size_t)g->page, PROT_NONE), 0);
	return g->map + g->page - readable;
}

static void raw_row(struct msrtrap_kvm_vm *kvm, const char *what,
		    const struct msrtrap_kvm_msr_filter *abi, int want)
{
	struct msrtrap_filter *f = NULL;
	int model = msrtrap_filter_from_kvm(abi, &f);
	int kernel = msrtrap_kvm_set_filter_raw(kvm, abi);

	if (!model)
		model = msrtrap_filter_validate(f, NULL);
	msrtrap_filter_free(f);
	print_message("# %-48s model %4d kernel %4d\n", what, model, kernel);
	assert_int_equal(model, kernel);
	assert_int_equal(kernel, want);
}

static void test_errno_raw(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_kvm_msr_filter abi;
	struct guarded g;

	raw_row(kvm, "ioctl argument NULL", NULL, -EFAULT);

	memset(&abi, 0, sizeof(abi));
	abi.ranges[0] = (struct msrtrap_kvm_msr_filter_range){ R, 1, MSR_PAT,
							       guarded_bytes(&g, 1) };
	raw_row(kvm, "nmsrs 1, 1 readable byte before PROT_NONE", &abi, -EFAULT);
	abi.ranges[0].bitmap = g.map + g.page - 8;
	raw_row(kvm, "nmsrs 1, 8 readable bytes", &abi, 0);
	abi.ranges[0].nmsrs = 64;
	raw_row(kvm, "nmsrs 64, 8 readable bytes", &abi, 0);
	abi.ranges[0].nmsrs = 65;
	raw_row(kvm, "nmsrs 65, 8 readable bytes", &abi, -EFAULT);
	abi.ranges[0].nmsrs = 0;
	abi.ranges[0].bitmap = g.map + g.page;
	raw_row(kvm, "nmsrs 0, unreadable bitmap (ignored)", &abi, 0);
	abi.ranges[0].nmsrs = 1;
	abi.ranges[0].flags = 4;
	raw_row(kvm, "flags 4, unreadable bitmap (flags first)", &abi, -EINVAL);
	abi.ranges[0].flags = R;
	abi.ranges[0].bitmap = (uint8_t *)0x10;
	raw_row(kvm, "bitmap 0x10 (unmapped)", &abi, -EFAULT);
	abi.ranges[0].nmsrs = 0x3001;
	raw_row(kvm, "nmsrs 0x3001, bitmap 0x10 (size first)", &abi, -EINVAL);
	munmap(g.map, 2 * (size_t)g.page);
}

/* KVM_X86_SET_MSR_FILTER is a VM ioctl (live notes §3.5). */
static void test_set_filter_wrong_fd(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	struct msrtrap_filter *f = mkfilter(ALLOW);

	assert_true(fd >= 0);
	assert_int_equal(msrtrap_kvm_fd_set_filter(fd, f), -EINVAL);
	assert_int_equal(msrtrap_kvm_fd_set_filter(msrtrap_kvm_vcpu_fd(kvm), f),
			 -EINVAL);
	assert_int_equal(msrtrap_kvm_fd_set_filter(msrtrap_kvm_vm_fd(kvm), f), 0);
	close(fd);
	msrtrap_filter_free(f);
}

/* ---- evaluation parity: random valid filters ---- */

/* Bases near a few hot spots, so that ranges overlap and touch. */
static uint32_t random_base(void)
{
	static const uint32_t spots[] = { 0x0, 0x200, 0x7c0, 0x1fe0, 0x2f00,
					  0xc0000000, 0xc0000080, 0xc0010000,
					  0x4b564d00, 0xfffffff0 };

	return spots[test_below(10)] + test_below(0x80) - (test_below(4) ? 0 : 0x40);
}

static struct msrtrap_filter *random_valid_filter(void)
{
	struct msrtrap_filter *f;
	unsigned int n;

	do {
		f = mkfilter(test_below(2));
		n = 1 + test_below(test_below(4) ? 6 : 16);
		for (unsigned int i = 0; i < n; i++) {
			uint32_t nmsrs = test_below(4) ? 1 + test_below(200) :
					 test_below(0x3001);
			size_t len = msrtrap_kvm_bitmap_bytes(nmsrs);
			uint8_t bm[MSRTRAP_KVM_MSR_FILTER_MAX_BITMAP_SIZE];

			if (test_below(3))
				test_fill_random(bm, len);
			else
				memset(bm, test_below(2) ? 0xff : 0, len);
			assert_int_equal(msrtrap_filter_add_range(f, 1 + test_below(3),
								  random_base(), nmsrs,
								  len ? bm : NULL, len), 0);
		}
		if (!msrtrap_filter_validate(f, NULL))
			return f;
		msrtrap_filter_free(f); /* e.g. all slots empty with deny */
	} while (1);
}

/* Sampled MSRs: each range's edges +-1, inside points, x2APIC, random. */
static size_t sample_msrs(const struct msrtrap_filter *f, uint32_t *out, size_t max)
{
	size_t n = 0;

	for (unsigned int i = 0; i < msrtrap_filter_nranges(f) && n + 8 <= max; i++) {
		struct msrtrap_filter_range r;
		uint32_t end;

		assert_int_equal(msrtrap_filter_range(f, i, &r), 0);
		end = r.base + r.nmsrs; /* u32, may wrap */
		out[n++] = r.base - 1;
		out[n++] = r.base;
		out[n++] = r.base + 1;
		out[n++] = end - 1;
		out[n++] = end;
		out[n++] = r.base + (r.nmsrs ? test_below(r.nmsrs) : 0);
	}
	while (n < max) {
		uint32_t pick = test_below(4);

		out[n++] = pick == 0 ? 0x7f0 + test_below(0x120) :
			   pick == 1 ? test_rand32() : random_base() + test_below(0x100);
	}
	return n;
}

static void test_random_verdicts(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	unsigned int nfilters = 300 * test_scale();
	uint64_t accesses = 0, nfiltered = 0;
	enum { NS = 96 };

	for (unsigned int k = 0; k < nfilters; k++) {
		struct msrtrap_filter *f = random_valid_filter();
		struct msrtrap_probe p[NS];
		uint32_t msrs[NS];
		size_t n = sample_msrs(f, msrs, NS);

		install(kvm, f);
		memset(p, 0, sizeof(p));
		for (size_t i = 0; i < n; i++)
			p[i].msr = msrs[i];
		probe(kvm, p, n, NULL);
		for (size_t i = 0; i < n; i++) {
			for (unsigned int a = MSRTRAP_READ; a <= MSRTRAP_WRITE; a++) {
				const struct msrtrap_probe_access *pa =
					a == MSRTRAP_READ ? &p[i].read : &p[i].write;
				int allowed = msrtrap_filter_allowed(f, p[i].msr, a);

				if (allowed == filtered(pa)) {
					char *json = NULL;

					msrtrap_filter_to_json(f, &json);
					print_message("# filter %u: MSR 0x%x %s: model %s, "
						      "KVM %s\n# %s\n", k, p[i].msr,
						      msrtrap_access_name(a, MSRTRAP_ACCESS_NAME),
						      allowed ? "allow" : "deny",
						      msrtrap_probe_outcome_name(pa->outcome),
						      json ? json : "?");
					free(json);
				}
				assert_int_equal(allowed, !filtered(pa));
				/* only FILTER exits are enabled */
				assert_true(pa->outcome != MSRTRAP_PROBE_EXIT);
				accesses++;
				nfiltered += filtered(pa);
			}
		}
		msrtrap_filter_free(f);
	}
	print_message("# %u random filters, %llu accesses, %llu filtered: all as "
		      "modelled\n", nfilters, (unsigned long long)accesses,
		      (unsigned long long)nfiltered);
	assert_true(nfiltered > 0 && nfiltered < accesses);
}

/* ---- invariants 19-32 ---- */

/* 19: with no filter ever set, nothing is filtered. */
static void test_inv19_no_filter(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_probe p[512];

	memset(p, 0, sizeof(p));
	for (unsigned int i = 0; i < 512; i++)
		p[i].msr = i < 256 ? i * 0x20 : i < 384 ? 0xc0000000 + i : test_rand32();
	probe(kvm, p, 512, NULL);
	for (unsigned int i = 0; i < 512; i++) {
		assert_false(filtered(&p[i].read));
		assert_false(filtered(&p[i].write));
	}
}

/* 20, 32: x2APIC 0x800-0x8ff is never filtered, never exits with FILTER. */
static void test_inv20_32_x2apic(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);
	struct msrtrap_probe p[0x102];

	range_fill(f, RW, 0x800, 0x100, 0);
	install(kvm, f);
	/* every exit reason on: x2APIC without an irqchip exits INVAL */
	assert_int_equal(msrtrap_kvm_enable_user_msr(kvm, ALL_EXITS), 0);
	memset(p, 0, sizeof(p));
	for (unsigned int i = 0; i < 0x102; i++)
		p[i].msr = 0x7ff + i;
	probe(kvm, p, 0x102, NULL);
	for (unsigned int i = 0; i < 0x102; i++) {
		bool x2apic = msrtrap_msr_is_x2apic(p[i].msr);

		assert_int_equal(filtered(&p[i].read), !x2apic);
		assert_int_equal(filtered(&p[i].write), !x2apic);
		if (x2apic) {
			assert_false(p[i].read.reason & FILTER_EXIT);
			assert_false(p[i].write.reason & FILTER_EXIT);
		}
	}
	msrtrap_filter_free(f);
}

/* 21: the first matching range decides (S7a, S7b). */
static void test_inv21_first_match(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(ALLOW);

	range_fill(f, R, 0x270, 16, 0xff);
	range_fill(f, R, 0x270, 16, 0);
	install(kvm, f);
	expect(kvm, MSR_PAT, false, false);
	msrtrap_filter_free(f);
	f = mkfilter(ALLOW);
	range_fill(f, R, 0x270, 16, 0);
	range_fill(f, R, 0x270, 16, 0xff);
	install(kvm, f);
	expect(kvm, MSR_PAT, true, false);
	msrtrap_filter_free(f);
}

/* 22: a WRITE-only range never decides a read (S7c). */
static void test_inv22_access_types(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);

	range_fill(f, W, 0x270, 16, 0);
	range_fill(f, RW, 0x200, 0x100, 0xff);
	install(kvm, f);
	expect(kvm, MSR_PAT, false, true);
	msrtrap_filter_free(f);
}

/* 23: [base, base + nmsrs) is half-open. */
static void test_inv23_half_open(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(ALLOW);

	range_fill(f, RW, 0x100, 16, 0);
	install(kvm, f);
	expect(kvm, 0xff, false, false);
	expect(kvm, 0x100, true, true);
	expect(kvm, 0x10f, true, true);
	expect(kvm, 0x110, false, false);
	msrtrap_filter_free(f);
}

/* 24: bit i = byte i/8, bit i%8, LSB first; 1 allows. */
static void test_inv24_bit_order(void **state)
{
	static const uint8_t bytes[2] = { 0x01, 0x80 };
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);

	range_bytes(f, RW, 0x200, 16, bytes, 2);
	install(kvm, f);
	expect(kvm, 0x200, false, false);
	expect(kvm, 0x201, true, true);
	expect(kvm, 0x207, true, true);
	expect(kvm, 0x208, true, true);
	expect(kvm, 0x20f, false, false);
	msrtrap_filter_free(f);
}

/* 25: no range matches: the default decides. */
static void test_inv25_default(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);

	range_fill(f, R, MSR_PAT, 1, 0xff);
	install(kvm, f);
	expect(kvm, MSR_TSC, true, true);
	expect(kvm, MSR_PAT, false, true);
	msrtrap_filter_free(f);
	f = mkfilter(ALLOW);
	range_fill(f, R, MSR_PAT, 1, 0);
	install(kvm, f);
	expect(kvm, MSR_TSC, false, false);
	expect(kvm, MSR_PAT, true, false);
	msrtrap_filter_free(f);
}

/* 26: a range whose base + nmsrs wraps matches nothing (S14). */
static void test_inv26_wrap(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(ALLOW);

	range_fill(f, R, 0xffffffff, 2, 0);
	range_fill(f, R, 0xfffffffe, 1, 0);
	install(kvm, f);
	expect(kvm, 0xffffffff, false, false);
	expect(kvm, 0x0, false, false);
	expect(kvm, 0xfffffffe, true, false);
	msrtrap_filter_free(f);
}

struct exit_log {
	unsigned int n;
	struct msrtrap_kvm_msr_exit e[4];
	uint8_t error; /* answer reads with this error */
	uint64_t data; /* and this value */
};

static int log_exit(void *ctx, const struct msrtrap_kvm_msr_exit *e,
		    uint8_t *error, uint64_t *data)
{
	struct exit_log *log = ctx;

	if (log->n < 4)
		log->e[log->n] = *e;
	log->n++;
	if (e->access == MSRTRAP_READ) {
		*error = log->error;
		*data = log->data;
	}
	return 0;
}

/* 27: the exit of a denied access; 29: completing it. */
static void test_inv27_29_exit_and_reply(void **state)
{
	static const uint8_t zero[7] = { 0 };
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(ALLOW);
	struct exit_log log;
	MSRTRAP_OPTS(msrtrap_probe_opts, opts,
		     .on_exit = log_exit,
		     .ctx = &log);
	struct msrtrap_probe p = { .msr = MSR_PAT };

	range_fill(f, RW, MSR_PAT, 1, 0);
	install(kvm, f);

	/* error 0: EDX:EAX = data, and the guest moves on to the WRMSR */
	memset(&log, 0, sizeof(log));
	log.data = 0xdeadbeefcafe1234ull;
	probe(kvm, &p, 1, &opts);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.e[0].exit_reason, MSRTRAP_KVM_EXIT_X86_RDMSR);
	assert_int_equal(log.e[0].exit_reason, 29);
	assert_int_equal(log.e[0].reason, 4);
	assert_int_equal(log.e[0].index, MSR_PAT);
	assert_int_equal(log.e[0].error, 0);
	assert_memory_equal(log.e[0].pad, zero, 7);
	assert_int_equal(log.e[0].data, 0);
	assert_int_equal(log.e[1].exit_reason, 30);
	assert_int_equal(log.e[1].reason, 4);
	assert_int_equal(log.e[1].index, MSR_PAT);
	assert_int_equal(log.e[1].error, 0);
	assert_memory_equal(log.e[1].pad, zero, 7);
	assert_int_equal(log.e[1].data, 0xdeadbeefcafe1234ull);
	assert_false(p.read.gp);
	assert_int_equal(p.read.value, 0xdeadbeefcafe1234ull);
	assert_int_equal(p.write.value, 0xdeadbeefcafe1234ull);

	/* error != 0: #GP; the write then stores 0 */
	memset(&log, 0, sizeof(log));
	log.error = 1;
	log.data = 0x5555;
	probe(kvm, &p, 1, &opts);
	assert_int_equal(log.n, 2);
	assert_true(filtered(&p.read));
	assert_true(p.read.gp);
	assert_int_equal(p.read.value, 0);
	assert_true(filtered(&p.write));
	assert_int_equal(log.e[1].data, 0);
	assert_false(p.write.gp);
	msrtrap_filter_free(f);
}

/* 28: without the FILTER bit, a denied access is #GP, never an exit. */
static void test_inv28_no_filter_exit(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(ALLOW);
	struct msrtrap_probe p;

	range_fill(f, RW, MSR_PAT, 1, 0);
	install(kvm, f);
	assert_int_equal(msrtrap_kvm_enable_user_msr(kvm,
		MSRTRAP_KVM_MSR_EXIT_REASON_INVAL | MSRTRAP_KVM_MSR_EXIT_REASON_UNKNOWN), 0);
	p = probe1(kvm, MSR_PAT);
	assert_int_equal(p.read.outcome, MSRTRAP_PROBE_GP);
	assert_int_equal(p.write.outcome, MSRTRAP_PROBE_GP);
	/* and back (K10: the mask may change after the vCPU ran) */
	assert_int_equal(msrtrap_kvm_enable_user_msr(kvm, FILTER_EXIT), 0);
	expect(kvm, MSR_PAT, true, true);
	msrtrap_filter_free(f);
}

/* 30: KVM_CAP_X86_USER_SPACE_MSR takes bits 0-2 only. */
static void test_inv30_cap_bits(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;

	for (unsigned int b = 0; b < 64; b++)
		assert_int_equal(msrtrap_kvm_enable_user_msr(kvm, 1ull << b),
				 b <= 2 ? 0 : -EINVAL);
	assert_int_equal(msrtrap_kvm_enable_user_msr(kvm, 0), 0);
	assert_int_equal(msrtrap_kvm_enable_user_msr(kvm, 7), 0);
	assert_int_equal(msrtrap_kvm_enable_user_msr(kvm, 8), -EINVAL);
}

/* 31: host-initiated KVM_GET_MSRS/KVM_SET_MSRS are never filtered. */
static void test_inv31_host_access(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);
	/* struct kvm_msrs with room for two entries (8-byte aligned) */
	uint64_t buf[(sizeof(struct kvm_msrs) + 2 * sizeof(struct kvm_msr_entry)) / 8];
	struct kvm_msrs *m = (struct kvm_msrs *)buf;
	int vcpu = msrtrap_kvm_vcpu_fd(kvm);

	range_fill(f, R, 0x3000, 1, 0); /* PAT and EFER: denied by default */
	install(kvm, f);
	expect(kvm, MSR_PAT, true, true);
	memset(buf, 0, sizeof(buf));
	m->nmsrs = 2;
	m->entries[0].index = MSR_PAT;
	m->entries[1].index = MSR_EFER;
	assert_int_equal(ioctl(vcpu, KVM_GET_MSRS, m), 2);
	m->nmsrs = 1;
	assert_int_equal(ioctl(vcpu, KVM_SET_MSRS, m), 1);
	msrtrap_filter_free(f);
}

/* 9, 16: a refused filter leaves the old one in force; 11: empty allow. */
static void test_inv9_11_16_replacement(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *a = mkfilter(ALLOW), *b = mkfilter(2), *c = mkfilter(ALLOW);
	struct msrtrap_filter *empty = mkfilter(ALLOW);

	range_fill(a, R, MSR_PAT, 1, 0);
	install(kvm, a);
	expect(kvm, MSR_PAT, true, false);
	range_fill(b, R, MSR_TSC, 1, 0);
	assert_int_equal(msrtrap_kvm_set_filter(kvm, b), -EINVAL);
	expect(kvm, MSR_PAT, true, false);
	expect(kvm, MSR_TSC, false, false);
	range_fill(c, R, MSR_TSC, 1, 0); /* valid, then an invalid range */
	range_fill(c, 0, MSR_EFER, 1, 0);
	assert_int_equal(msrtrap_kvm_set_filter(kvm, c), -EINVAL);
	expect(kvm, MSR_PAT, true, false);
	expect(kvm, MSR_TSC, false, false);
	install(kvm, empty);
	expect(kvm, MSR_PAT, false, false);
	install(kvm, a);
	assert_int_equal(msrtrap_kvm_set_filter(kvm, NULL), 0); /* NULL = empty */
	expect(kvm, MSR_PAT, false, false);
	msrtrap_filter_free(a);
	msrtrap_filter_free(b);
	msrtrap_filter_free(c);
	msrtrap_filter_free(empty);
}

/* ---- the probe itself ---- */

/* Repeated MSRs in any order are matched to the right exits. */
static void test_probe_repeats(void **state)
{
	static const uint32_t msrs[] = { MSR_PAT, MSR_TSC, MSR_PAT, MSR_PAT,
					 0x474f4f00, MSR_TSC, MSR_PAT };
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(ALLOW);
	struct msrtrap_probe p[7];

	range_fill(f, R, MSR_PAT, 1, 0);
	range_fill(f, W, MSR_TSC, 1, 0);
	install(kvm, f);
	memset(p, 0, sizeof(p));
	for (unsigned int i = 0; i < 7; i++)
		p[i].msr = msrs[i];
	probe(kvm, p, 7, NULL);
	for (unsigned int i = 0; i < 7; i++) {
		assert_int_equal(filtered(&p[i].read), msrs[i] == MSR_PAT);
		assert_int_equal(filtered(&p[i].write), msrs[i] == MSR_TSC);
	}
	assert_int_equal(p[4].read.outcome, MSRTRAP_PROBE_GP); /* unknown MSR */
	assert_int_equal(p[0].write.outcome, MSRTRAP_PROBE_KERNEL);
	msrtrap_filter_free(f);
}

/*
 * msrtrap_probe_stats is an output struct with a size: an older caller's
 * shorter struct gets only its prefix, the bytes past it stay as they
 * were, a newer caller's longer one keeps its extra bytes; a sz that
 * cannot hold sz is refused before anything runs.
 */
static void test_probe_stats_sz(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);
	struct msrtrap_probe p[2] = { { .msr = 0x10 }, { .msr = 0x277 } };
	struct {
		struct msrtrap_probe_stats st;
		uint64_t newer; /* a field a later release might add */
	} big;
	MSRTRAP_OPTS(msrtrap_probe_stats, full);
	struct msrtrap_probe_stats old;

	range_fill(f, RW, 0x1000, 1, 0xff); /* 0x10 and 0x277: the default */
	install(kvm, f);
	assert_int_equal(msrtrap_kvm_probe(kvm, p, 2, NULL, &full, NULL), 0);
	assert_int_equal(full.sz, sizeof(full));
	assert_true(full.runs >= 1);
	assert_int_equal(full.msr_exits, 4); /* default deny: both, twice */
	assert_int_equal(full.batches, 1);

	/* a caller that knows sz and runs only */
	memset(&old, 0xa5, sizeof(old));
	old.sz = offsetof(struct msrtrap_probe_stats, msr_exits);
	assert_int_equal(msrtrap_kvm_probe(kvm, p, 2, NULL, &old, NULL), 0);
	assert_int_equal(old.sz, offsetof(struct msrtrap_probe_stats, msr_exits));
	assert_int_equal(old.runs, full.runs);
	assert_int_equal(old.msr_exits, 0xa5a5a5a5a5a5a5a5ull);
	assert_int_equal(old.batches, 0xa5a5a5a5a5a5a5a5ull);

	/* a caller from the future */
	memset(&big, 0xa5, sizeof(big));
	big.st.sz = sizeof(big);
	assert_int_equal(msrtrap_kvm_probe(kvm, p, 2, NULL, &big.st, NULL), 0);
	assert_int_equal(big.st.sz, sizeof(big));
	assert_int_equal(big.st.msr_exits, 4);
	assert_int_equal(big.newer, 0xa5a5a5a5a5a5a5a5ull);

	/* too short for sz itself: refused, nothing probed or written */
	memset(&old, 0xa5, sizeof(old));
	old.sz = sizeof(old.sz) - 1;
	p[0].read.outcome = 0x5a;
	assert_int_equal(msrtrap_kvm_probe(kvm, p, 2, NULL, &old, NULL), -EINVAL);
	assert_int_equal(old.runs, 0xa5a5a5a5a5a5a5a5ull);
	assert_int_equal(p[0].read.outcome, 0x5a);
	/* NULL stats stay allowed */
	assert_int_equal(msrtrap_kvm_probe(kvm, p, 2, NULL, NULL, NULL), 0);
	msrtrap_filter_free(f);
}

/* Several guest passes; every access lands on its own entry. */
static void test_probe_batches(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);
	MSRTRAP_OPTS(msrtrap_probe_stats, st);
	size_t n = 5000;
	struct msrtrap_probe *p = calloc(n, sizeof(*p));
	uint8_t bm[0x600];

	assert_non_null(p);
	for (size_t i = 0; i < sizeof(bm); i++)
		bm[i] = (uint8_t)(0x55 << (i & 1)); /* every other MSR, shifting */
	assert_int_equal(msrtrap_filter_add_range(f, R, 0, 0x3000, bm, sizeof(bm)), 0);
	install(kvm, f);
	for (size_t i = 0; i < n; i++)
		p[i].msr = (uint32_t)(n - 1 - i); /* descending */
	assert_int_equal(msrtrap_kvm_probe(kvm, p, n, NULL, &st, NULL), 0);
	assert_int_equal(st.batches, 3);
	for (size_t i = 0; i < n; i++) {
		bool allow = msrtrap_filter_allowed(f, p[i].msr, MSRTRAP_READ) == 1;

		assert_int_equal(filtered(&p[i].read), !allow);
		assert_true(filtered(&p[i].write) ||
			    msrtrap_msr_is_x2apic(p[i].msr));
	}
	free(p);
	msrtrap_filter_free(f);
}

static void on_tick(int sig)
{
	(void)sig;
}

/* A signal ends a probe with -EINTR; the next probe starts afresh. */
static void test_probe_interrupted(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(DENY);
	struct itimerval tick = { { 0, 1000 }, { 0, 1000 } }, off;
	struct sigaction sa;
	size_t n = 20000;
	struct msrtrap_probe *p = calloc(n, sizeof(*p));
	int err;

	assert_non_null(p);
	range_fill(f, R, MSR_PAT, 1, 0xff);
	install(kvm, f);
	for (size_t i = 0; i < n; i++)
		p[i].msr = (uint32_t)i;
	/* SIGALRM every millisecond, handled, without SA_RESTART */
	memset(&off, 0, sizeof(off));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &tick, NULL);
	err = msrtrap_kvm_probe(kvm, p, n, NULL, NULL, NULL);
	setitimer(ITIMER_REAL, &off, NULL);
	/* discard a tick still pending (valgrind delivers signals late), so
	 * on_alarm does not take it for the test's timeout */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(TEST_SECONDS);
	assert_int_equal(err, -EINTR);
	p[0].msr = MSR_PAT;
	p[1].msr = MSR_TSC;
	probe(kvm, p, 2, NULL);
	assert_false(filtered(&p[0].read));
	assert_true(filtered(&p[1].read));
	free(p);
	msrtrap_filter_free(f);
}

struct cancel_ctx {
	unsigned int calls, stop_at; /* stop_at 0: never */
};

static bool cancel_after(void *ctx)
{
	struct cancel_ctx *c = ctx;

	return ++c->calls == c->stop_at;
}

/*
 * opts.cancelled: a signal it does not take for the caller's timeout only
 * pauses the probe (every result right, as after a stop/continue); the
 * one it does ends it with -EINTR, as the CLI's SIGALRM timeout.
 */
static void test_probe_cancelled(void **state)
{
	struct msrtrap_kvm_vm *kvm = *state;
	struct msrtrap_filter *f = mkfilter(ALLOW);
	struct itimerval tick = { { 0, 1000 }, { 0, 1000 } }, off;
	struct cancel_ctx c;
	MSRTRAP_OPTS(msrtrap_probe_opts, opts,
		     .cancelled = cancel_after,
		     .ctx = &c);
	struct sigaction sa;
	size_t n = 20000;
	struct msrtrap_probe *p = calloc(n, sizeof(*p));
	int err[2];

	assert_non_null(p);
	range_fill(f, R, MSR_PAT, 1, 0);
	install(kvm, f);
	memset(&off, 0, sizeof(off));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	for (int run = 0; run < 2; run++) {
		for (size_t i = 0; i < n; i++)
			p[i].msr = (uint32_t)i;
		c.calls = 0;
		c.stop_at = run ? 3 : 0;
		setitimer(ITIMER_REAL, &tick, NULL);
		err[run] = msrtrap_kvm_probe(kvm, p, n, &opts, NULL, NULL);
		setitimer(ITIMER_REAL, &off, NULL);
		if (!run) {
			/* interrupted many times, yet complete and right */
			assert_true(c.calls > 0);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(filtered(&p[i].read),
						 p[i].msr == MSR_PAT);
		}
	}
	sa.sa_handler = SIG_IGN; /* a late tick is not the test's timeout */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(TEST_SECONDS);
	assert_int_equal(err[0], 0);
	assert_int_equal(err[1], -EINTR);
	assert_int_equal(c.calls, 3);
	free(p);
	msrtrap_filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errno_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errno_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errno_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_filter_wrong_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_verdicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv19_no_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv20_32_x2apic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv21_first_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv22_access_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv23_half_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv24_bit_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv25_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv26_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv27_29_exit_and_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv28_no_filter_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv30_cap_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv31_host_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inv9_11_16_replacement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_repeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_stats_sz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_interrupted, setup, teardown),
	};
	MSRTRAP_OPTS(msrtrap_error, diag);
	struct sigaction sa;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	/* the gate: exit 77 (skip) unless live KVM works here */
	in_gate = 1;
	alarm(GATE_SECONDS);
	err = msrtrap_kvm_gate(&diag);
	alarm(0);
	in_gate = 0;
	if (err) {
		printf("# live KVM not usable here (%s: %s): skipped\n", diag.where,
		       diag.message);
		return 77;
	}
	return TEST_MAIN(tests);
}
