// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VMX MSR bitmap and SVM MSR permission map: layout and bit operations.
 *
 * Freestanding: no libc, no allocation.
 *
 * Both formats are described by one table (struct layout): a list of
 * representable MSR spans, and for each span the bit number of its first
 * MSR for read and for write, plus the distance in bits between two
 * consecutive MSRs (the stride).
 *
 *  VMX (Intel SDM Vol. 3C, 25.6.9 "MSR-Bitmap Address"; spec §2.1): four
 *  1 KiB sub-bitmaps, read-low 0x000, read-high 0x400, write-low 0x800,
 *  write-high 0xc00, one bit per MSR (stride 1). Early manuals had
 *  write-low and read-high swapped; the order above is the correct one.
 *
 *  SVM (AMD APM Vol. 2, 15.11 "MSR Intercepts"; spec §2.2): three 2 KiB
 *  vectors at 0x0000, 0x0800, 0x1000, two bits per MSR, read = even bit,
 *  write = odd bit (stride 2). 0x1800-0x1fff is reserved and is never
 *  written: no span maps there (invariant 7).
 */
#include <msrtrap/map.h>

#include "core.h"

struct span {
	uint32_t first;
	uint32_t bit[2]; /* bit number of `first`: [0] read, [1] write */
};

struct layout {
	uint32_t size;
	uint8_t stride;
	uint8_t nspans;
	struct span span[3];
};

static const struct layout vmx_layout = {
	.size = MSRTRAP_VMX_BITMAP_SIZE,
	.stride = 1,
	.nspans = 2,
	.span = {
		{ 0x00000000u, { 0x000 * 8, 0x800 * 8 } },
		{ 0xc0000000u, { 0x400 * 8, 0xc00 * 8 } },
	},
};

static const struct layout svm_layout = {
	.size = MSRTRAP_SVM_MSRPM_SIZE,
	.stride = 2,
	.nspans = 3,
	.span = {
		{ 0x00000000u, { 0x0000 * 8, 0x0000 * 8 + 1 } },
		{ 0xc0000000u, { 0x0800 * 8, 0x0800 * 8 + 1 } },
		{ 0xc0010000u, { 0x1000 * 8, 0x1000 * 8 + 1 } },
	},
};

/* Every other bit, starting at bit 0: the SVM read bits of a word. */
#define SVM_READ_BITS 0x5555555555555555ULL

static const struct layout *layout_of(enum msrtrap_format fmt)
{
	switch (fmt) {
	case MSRTRAP_FMT_VMX:
		return &vmx_layout;
	case MSRTRAP_FMT_SVM:
		return &svm_layout;
	default:
		return 0;
	}
}

static const struct span *span_of(const struct layout *l, uint32_t msr)
{
	for (unsigned int i = 0; i < l->nspans; i++)
		if (msr - l->span[i].first < MT_SPAN_MSRS)
			return &l->span[i];
	return 0;
}

static inline int access_valid(enum msrtrap_access access)
{
	return access >= MSRTRAP_READ && access <= MSRTRAP_RW;
}

size_t msrtrap_format_size(enum msrtrap_format fmt)
{
	const struct layout *l = layout_of(fmt);

	return l ? l->size : 0;
}

const char *msrtrap_format_name(enum msrtrap_format fmt)
{
	switch (fmt) {
	case MSRTRAP_FMT_VMX:
		return "vmx";
	case MSRTRAP_FMT_SVM:
		return "svm";
	default:
		return 0;
	}
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int name_is(const char *s, const char *lower_name)
{
	while (*s && lower(*s) == *lower_name) {
		s++;
		lower_name++;
	}
	return *s == 0 && *lower_name == 0;
}

int msrtrap_format_parse(const char *name)
{
	if (!name)
		return -MT_EINVAL;
	if (name_is(name, "vmx"))
		return MSRTRAP_FMT_VMX;
	if (name_is(name, "svm"))
		return MSRTRAP_FMT_SVM;
	return -MT_EINVAL;
}

int msrtrap_format_span(enum msrtrap_format fmt, unsigned int i,
			uint32_t *first, uint32_t *last)
{
	const struct layout *l = layout_of(fmt);

	if (!l)
		return -MT_EINVAL;
	if (i >= l->nspans)
		return -MT_ENOENT;
	if (first)
		*first = l->span[i].first;
	if (last)
		*last = l->span[i].first + MT_SPAN_MSRS - 1;
	return 0;
}

int mt_layout_span(enum msrtrap_format fmt, unsigned int i,
		   struct mt_span_geom *g)
{
	const struct layout *l = layout_of(fmt);

	if (!l)
		return -MT_EINVAL;
	if (i >= l->nspans)
		return -MT_ENOENT;
	g->first = l->span[i].first;
	g->bit[0] = l->span[i].bit[0];
	g->bit[1] = l->span[i].bit[1];
	g->stride = l->stride;
	return 0;
}

bool msrtrap_format_covers(enum msrtrap_format fmt, uint32_t msr)
{
	const struct layout *l = layout_of(fmt);

	return l && span_of(l, msr);
}

int msrtrap_raw_init(enum msrtrap_format fmt, void *map)
{
	const struct layout *l = layout_of(fmt);

	if (!l || !map)
		return -MT_EINVAL;
	for (uint32_t w = 0; w < l->size / 8; w++)
		mt_store64(map, w, ~0ULL);
	return 0;
}

static inline uint32_t bit_of(const struct layout *l, const struct span *s,
			      uint32_t msr, unsigned int dir)
{
	return s->bit[dir] + l->stride * (msr - s->first);
}

static inline int test_bit(const void *map, uint32_t bit)
{
	return (int)((mt_load64(map, bit / 64) >> (bit % 64)) & 1);
}

int msrtrap_raw_test(enum msrtrap_format fmt, const void *map, uint32_t msr,
		     enum msrtrap_access access)
{
	const struct layout *l = layout_of(fmt);
	const struct span *s;
	int out = 0;

	if (!l || !map || !access_valid(access))
		return -MT_EINVAL;
	s = span_of(l, msr);
	if (!s)
		return (int)access; /* not representable: always exits */
	if ((access & MSRTRAP_READ) && test_bit(map, bit_of(l, s, msr, 0)))
		out |= MSRTRAP_READ;
	if ((access & MSRTRAP_WRITE) && test_bit(map, bit_of(l, s, msr, 1)))
		out |= MSRTRAP_WRITE;
	return out;
}

/*
 * Set or clear the bits of `pattern` that lie in bit positions [b0, b1] of
 * the map, one 64-bit word at a time. Only words that hold such bits are
 * read and written, and every write is a read-modify-write of whole words
 * with a mask, so no neighbouring MSR's bit is ever touched.
 */
static void apply_bits(void *map, uint32_t b0, uint32_t b1, uint64_t pattern,
		       int set)
{
	uint32_t w0 = b0 / 64, w1 = b1 / 64;

	for (uint32_t w = w0; w <= w1; w++) {
		unsigned int lo = w == w0 ? b0 % 64 : 0;
		unsigned int hi = w == w1 ? b1 % 64 : 63;
		uint64_t mask = mt_bits(lo, hi) & pattern;
		uint64_t v = mt_load64(map, w);

		mt_store64(map, w, set ? v | mask : v & ~mask);
	}
}

static void apply_span(const struct layout *l, const struct span *s,
		       void *map, uint32_t first, uint32_t last,
		       enum msrtrap_access access, int set)
{
	if (l->stride == 2) {
		/*
		 * SVM: read and write bits of consecutive MSRs interleave, so
		 * both directions are one contiguous bit run filtered by an
		 * even/odd pattern.
		 */
		uint64_t pattern = 0;
		uint32_t b0 = bit_of(l, s, first, 0);
		uint32_t b1 = bit_of(l, s, last, 1);

		if (access & MSRTRAP_READ)
			pattern |= SVM_READ_BITS;
		if (access & MSRTRAP_WRITE)
			pattern |= SVM_READ_BITS << 1;
		apply_bits(map, b0, b1, pattern, set);
		return;
	}
	/* VMX: each direction is its own contiguous run. */
	for (unsigned int dir = 0; dir < 2; dir++)
		if (access & (1u << dir))
			apply_bits(map, bit_of(l, s, first, dir),
				   bit_of(l, s, last, dir), ~0ULL, set);
}

static int change_range(enum msrtrap_format fmt, void *map, uint32_t first,
			uint32_t last, enum msrtrap_access access, int set)
{
	const struct layout *l = layout_of(fmt);
	const struct span *s;

	if (!l || !map || !access_valid(access) || first > last)
		return -MT_EINVAL;
	/*
	 * Spans are 0x2000 MSRs apart at least, so an interval that is not
	 * inside one span contains unrepresentable MSRs.
	 */
	s = span_of(l, first);
	if (!s || last - s->first >= MT_SPAN_MSRS)
		return -MT_ERANGE;
	apply_span(l, s, map, first, last, access, set);
	return 0;
}

int msrtrap_raw_set(enum msrtrap_format fmt, void *map, uint32_t msr,
		    enum msrtrap_access access)
{
	return change_range(fmt, map, msr, msr, access, 1);
}

int msrtrap_raw_clear(enum msrtrap_format fmt, void *map, uint32_t msr,
		      enum msrtrap_access access)
{
	return change_range(fmt, map, msr, msr, access, 0);
}

int msrtrap_raw_set_range(enum msrtrap_format fmt, void *map, uint32_t first,
			  uint32_t last, enum msrtrap_access access)
{
	return change_range(fmt, map, first, last, access, 1);
}

int msrtrap_raw_clear_range(enum msrtrap_format fmt, void *map,
			    uint32_t first, uint32_t last,
			    enum msrtrap_access access)
{
	return change_range(fmt, map, first, last, access, 0);
}

/*
 * First bit position in [b0, b1] among the bits of `pattern` whose value
 * is `want`; returns b1 + 1 when there is none.
 */
static uint32_t find_bit(const void *map, uint32_t b0, uint32_t b1,
			 uint64_t pattern, int want)
{
	uint32_t w0 = b0 / 64, w1 = b1 / 64;

	for (uint32_t w = w0; w <= w1; w++) {
		unsigned int lo = w == w0 ? b0 % 64 : 0;
		unsigned int hi = w == w1 ? b1 % 64 : 63;
		uint64_t v = mt_load64(map, w);
		uint64_t hits = (want ? v : ~v) & pattern & mt_bits(lo, hi);

		if (hits)
			return w * 64 + mt_ctz64(hits);
	}
	return b1 + 1;
}

int msrtrap_raw_next_pass(enum msrtrap_format fmt, const void *map,
			  enum msrtrap_access access, uint64_t *cursor,
			  uint32_t *first, uint32_t *last)
{
	const struct layout *l = layout_of(fmt);
	unsigned int dir;
	uint64_t pattern;

	if (!l || !map || !cursor || !first || !last ||
	    (access != MSRTRAP_READ && access != MSRTRAP_WRITE))
		return -MT_EINVAL;
	dir = access == MSRTRAP_WRITE;
	pattern = l->stride == 2 ? SVM_READ_BITS << dir : ~0ULL;

	for (unsigned int i = 0; i < l->nspans; i++) {
		const struct span *s = &l->span[i];
		uint64_t span_last = (uint64_t)s->first + MT_SPAN_MSRS - 1;
		uint32_t from, b_end, b, e;

		if (*cursor > span_last)
			continue;
		from = *cursor > s->first ? (uint32_t)*cursor : s->first;
		b_end = bit_of(l, s, (uint32_t)span_last, dir);
		b = find_bit(map, bit_of(l, s, from, dir), b_end, pattern, 0);
		if (b > b_end)
			continue;
		e = find_bit(map, b, b_end, pattern, 1);
		if (e > b_end) /* the run reaches the end of the span */
			e = b_end + l->stride;
		/* e is now one stride past the run's last bit */
		*first = s->first + (b - s->bit[dir]) / l->stride;
		*last = s->first + (e - l->stride - s->bit[dir]) / l->stride;
		*cursor = (uint64_t)*last + 1;
		return 1;
	}
	*cursor = 1ULL << 32;
	return 0;
}
