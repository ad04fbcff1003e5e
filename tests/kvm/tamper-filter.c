// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD shim for tests/kvm/verify-tamper.py: hands the kernel a KVM
 * MSR filter that differs from the one msrtrap built, so that the test
 * can prove `msrtrap verify` catches disagreement and reports exactly the
 * accesses that changed. The shipped msrtrap has no such hook: tampering
 * is this shim's alone, from outside the binary.
 *
 * MSRTRAP_TEST_TAMPER=MSR[,MSR...] (numbers, 0x-hex or decimal): in every
 * KVM_X86_SET_MSR_FILTER whose ranges hold all of the MSRs, the bitmap
 * bit of each MSR in the first range that holds it is flipped (whatever
 * the range's accesses) in a copy; the caller's bitmaps stay as they
 * were, so msrtrap's model stays the original's. Filters that do not hold
 * them all (the live-KVM gate's one-MSR filter, a cleared filter) pass
 * unchanged. When no filter held them, the process exits 2 at its end
 * with "no range holds it", as a bad option would.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h> /* the prototype this shim's ioctl() matches */
#include <unistd.h>

#include <linux/kvm.h>

#define MAX_FLIPS 64

static uint32_t flips[MAX_FLIPS];
static size_t nflips;
static bool parsed, tampered;
static const char *spec;

/* MSRTRAP_TEST_TAMPER into flips; exit 2 when it is not a list of MSRs. */
static void parse_spec(void)
{
	char *list, *save = NULL;

	parsed = true;
	spec = getenv("MSRTRAP_TEST_TAMPER");
	if (!spec || !*spec)
		return;
	list = strdup(spec);
	if (!list)
		abort();
	for (char *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned long long v;
		char *end;

		errno = 0;
		v = strtoull(tok, &end, 0);
		if (errno || *end || end == tok || v > UINT32_MAX ||
		    nflips == MAX_FLIPS) {
			fprintf(stderr,
				"tamper-filter: MSRTRAP_TEST_TAMPER: "
				"'%s': not an MSR number\n",
				tok);
			_exit(2);
		}
		flips[nflips++] = (uint32_t)v;
	}
	free(list);
}

static bool holds(const struct kvm_msr_filter_range *r, uint32_t msr)
{
	uint64_t end = (uint64_t)r->base + r->nmsrs;

	return r->nmsrs && r->bitmap && msr >= r->base && msr < end &&
	       end <= (uint64_t)UINT32_MAX + 1;
}

/* The first range of f that holds msr, or -1. */
static int range_of(const struct kvm_msr_filter *f, uint32_t msr)
{
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		if (holds(&f->ranges[i], msr))
			return i;
	return -1;
}

/*
 * A copy of f with the flips applied to copies of its bitmaps in *copies
 * (freed by the caller after the ioctl, which has copied them by then);
 * false when some MSR is in no range.
 */
static bool tamper(const struct kvm_msr_filter *f, struct kvm_msr_filter *t,
		   uint8_t **copies)
{
	*t = *f;
	for (size_t k = 0; k < nflips; k++)
		if (range_of(f, flips[k]) < 0)
			return false;
	for (size_t k = 0; k < nflips; k++) {
		int i = range_of(f, flips[k]);
		struct kvm_msr_filter_range *r = &t->ranges[i];
		uint32_t bit = flips[k] - r->base;

		if (!copies[i]) {
			size_t len = ((size_t)r->nmsrs + 7) / 8;

			copies[i] = malloc(len);
			if (!copies[i])
				abort();
			memcpy(copies[i], r->bitmap, len);
			r->bitmap = copies[i];
		}
		copies[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	return true;
}

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	uint8_t *copies[KVM_MSR_FILTER_MAX_RANGES] = { 0 };
	struct kvm_msr_filter t;
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT,
							       "ioctl");
	if (!parsed)
		parse_spec();
	if (request != KVM_X86_SET_MSR_FILTER || !nflips || !arg ||
	    !tamper(arg, &t, copies))
		return real(fd, request, arg);
	tampered = true;
	fprintf(stderr,
		"tamper-filter: MSRTRAP_TEST_TAMPER: installing a "
		"filter with the bits of %s flipped; the model stays the "
		"original\n",
		spec);
	rc = real(fd, request, &t);
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		free(copies[i]);
	return rc;
}

__attribute__((destructor)) static void no_filter_held(void)
{
	if (!parsed || !nflips || tampered)
		return;
	fprintf(stderr,
		"tamper-filter: MSRTRAP_TEST_TAMPER: '%s': no range "
		"holds it\n",
		spec);
	_exit(2);
}
