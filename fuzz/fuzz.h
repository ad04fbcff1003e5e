/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the fuzz harnesses (docs/fuzzing.md). Each harness defines
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer
 * (-fsanitize=fuzzer, also AFL++'s afl-clang-fast) or with driver.c,
 * which feeds it every file of the directories (or the files) it is given.
 *
 * A harness checks its invariants itself: FUZZ_CHECK() prints what broke
 * and aborts, which libFuzzer, AFL++ and the plain driver all report as
 * a crash with the input saved.
 */
#ifndef MSRTRAP_FUZZ_H
#define MSRTRAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <msrtrap/msrtrap.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant broken: %s: ",       \
				__FILE__, __LINE__, #cond);                    \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/*
 * MSRs every harness samples besides those its input names: both ends of
 * every map span and their neighbours, x2APIC, KVM's paravirtual MSRs,
 * the 32-bit extremes.
 */
static const uint32_t fuzz_fixed_msrs[] = {
	0x0, 0x1, 0x10, 0x174, 0x1ff, 0x7ff, 0x800, 0x8ff, 0x900, 0x1fff,
	0x2000, 0x3000, 0x40000000, 0x4b564d00, 0x4b564dff, 0xbfffffff,
	0xc0000000, 0xc0000080, 0xc0000100, 0xc0001fff, 0xc0002000,
	0xc000ffff, 0xc0010000, 0xc0011fff, 0xc0012000, 0xfffffffe,
	0xffffffff,
};
#define FUZZ_NFIXED (sizeof(fuzz_fixed_msrs) / sizeof(fuzz_fixed_msrs[0]))

/* A growable set of sample MSRs (duplicates are harmless). */
struct fuzz_samples {
	uint32_t msr[1024];
	size_t n;
};

static inline void fuzz_sample(struct fuzz_samples *s, uint32_t msr)
{
	if (s->n < sizeof(s->msr) / sizeof(s->msr[0]))
		s->msr[s->n++] = msr;
}

/* msr-1, msr, msr+1 without wrapping around the 32-bit space */
static inline void fuzz_sample_around(struct fuzz_samples *s, uint32_t msr)
{
	if (msr)
		fuzz_sample(s, msr - 1);
	fuzz_sample(s, msr);
	if (msr != UINT32_MAX)
		fuzz_sample(s, msr + 1);
}

static inline void fuzz_sample_fixed(struct fuzz_samples *s)
{
	for (size_t i = 0; i < FUZZ_NFIXED; i++)
		fuzz_sample(s, fuzz_fixed_msrs[i]);
}

static inline int fuzz_is_x2apic(uint32_t msr)
{
	return msr >= 0x800 && msr <= 0x8ff;
}

#endif
