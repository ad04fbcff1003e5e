/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal helpers for the freestanding core (maps, filter evaluation,
 * engine). Nothing here may need libc: the core is compiled into
 * hypervisors with -ffreestanding -nostdlib (checked by
 * tools/check-freestanding.sh).
 */
#ifndef MSRTRAP_LIB_CORE_H
#define MSRTRAP_LIB_CORE_H

#include <stdint.h>

#include <msrtrap/common.h>

/*
 * errno values: <errno.h> is not a freestanding header, so the core uses
 * <msrtrap/common.h>'s MSRTRAP_E*, the Linux/x86 numbers; lib/version.c
 * checks them against the host's <errno.h> in hosted builds.
 */
#define MT_ENOENT MSRTRAP_ENOENT
#define MT_ENOMEM MSRTRAP_ENOMEM
#define MT_EFAULT MSRTRAP_EFAULT
#define MT_EEXIST MSRTRAP_EEXIST
#define MT_EINVAL MSRTRAP_EINVAL
#define MT_ERANGE MSRTRAP_ERANGE
#define MT_EOVERFLOW MSRTRAP_EOVERFLOW

#define MT_LIKELY(x) __builtin_expect(!!(x), 1)
#define MT_UNLIKELY(x) __builtin_expect(!!(x), 0)
/*
 * For the one-bit helpers of the per-MSR loops, which compilers otherwise
 * leave out of line once instrumentation (coverage, ASan) makes them big.
 */
#define MT_ALWAYS_INLINE inline __attribute__((always_inline))

/*
 * The maps are byte arrays with LSB-first bit order (SDM: "bit n of byte
 * m"). We work on them 64 bits at a time; a little-endian load of 8 bytes
 * puts byte k's bit i at word bit 8k+i, which is exactly that order. On a
 * big-endian host the bytes are swapped so the arithmetic stays the same.
 * may_alias: the caller's page is declared as bytes; we read it as words.
 */
typedef uint64_t __attribute__((may_alias)) mt_word_t;

static inline uint64_t mt_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

static inline uint64_t mt_load64(const void *base, uint32_t word)
{
	return mt_le64(((const mt_word_t *)base)[word]);
}

static inline void mt_store64(void *base, uint32_t word, uint64_t v)
{
	((mt_word_t *)base)[word] = mt_le64(v);
}

/*
 * Population count without libgcc: __builtin_popcountll() becomes a call to
 * __popcountdi2 on CPUs without POPCNT, which a hypervisor may not link.
 */
static inline unsigned int mt_popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned int)((x * 0x0101010101010101ULL) >> 56);
}

/*
 * Index of the lowest set bit of x (x != 0), by the same rule: the
 * builtin may become a call to __ctzdi2 on targets without a bit-scan
 * instruction. x & -x isolates the lowest set bit; multiplying a power of
 * two by a de Bruijn sequence B(2, 6) puts a distinct 6-bit pattern in the
 * top bits, which the table maps back to the bit number.
 */
static inline unsigned int mt_ctz64(uint64_t x)
{
	static const unsigned char pos[64] = {
		0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
		62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
		63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
		46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
	};

	return pos[((x & -x) * 0x03f79d71b4cb0a89ULL) >> 58];
}

/* Mask of word bits lo..hi inclusive (0 <= lo <= hi <= 63). */
static inline uint64_t mt_bits(unsigned int lo, unsigned int hi)
{
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

/*
 * MSRs per representable span of a map format: VMX covers 0-0x1fff and
 * 0xc0000000-0xc0001fff (Intel SDM Vol. 3C, 25.6.9 "MSR-Bitmap Address"),
 * each SVM MSRPM vector 0x2000 MSRs (AMD APM Vol. 2, 15.11 "MSR
 * Intercepts"). Shared by core/map.c and core/engine.c.
 */
#define MT_SPAN_MSRS 0x2000u

/*
 * Geometry of one representable span of a map format (core/map.c): its
 * first MSR, the bit number of that MSR's read and write intercept bit,
 * and the bit distance between consecutive MSRs (1 VMX, 2 SVM).
 */
struct mt_span_geom {
	uint32_t first;
	uint32_t bit[2];
	unsigned int stride;
};

int mt_layout_span(enum msrtrap_format fmt, unsigned int i,
		   struct mt_span_geom *g);

#endif
