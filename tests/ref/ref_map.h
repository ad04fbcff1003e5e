/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deliberately simple reference model of the VMX bitmap and SVM MSRPM
 * layouts, written straight from the spec tables (§2.1, §2.2) and
 * independent of lib/core/map.c: one bit at a time, byte + bit position.
 */
#ifndef MSRTRAP_REF_MAP_H
#define MSRTRAP_REF_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include <msrtrap/map.h>

/*
 * Position of the intercept bit of (msr, write?) in a map: byte offset and
 * bit within the byte. false when the format has no bit for it.
 */
static inline bool ref_position(enum msrtrap_format fmt, uint32_t msr,
				bool write, uint32_t *byte, unsigned int *bit)
{
	if (fmt == MSRTRAP_FMT_VMX) {
		/* read-low 0x000, read-high 0x400, write-low 0x800, write-high 0xc00 */
		uint32_t base;

		if (msr <= 0x1fff)
			base = write ? 0x800 : 0x000;
		else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
			base = write ? 0xc00 : 0x400;
		else
			return false;
		*byte = base + (msr & 0x1fff) / 8;
		*bit = (msr & 0x1fff) % 8;
		return true;
	}
	if (fmt == MSRTRAP_FMT_SVM) {
		/* 2 KiB per range; 4 MSRs per byte; read even, write odd */
		uint32_t base;

		if (msr <= 0x1fff)
			base = 0x0000;
		else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
			base = 0x0800;
		else if (msr >= 0xc0010000 && msr <= 0xc0011fff)
			base = 0x1000;
		else
			return false;
		*byte = base + (msr & 0x1fff) / 4;
		*bit = 2 * ((msr & 0x1fff) % 4) + (write ? 1 : 0);
		return true;
	}
	return false;
}

static inline bool ref_covers(enum msrtrap_format fmt, uint32_t msr)
{
	uint32_t byte;
	unsigned int bit;

	return ref_position(fmt, msr, false, &byte, &bit);
}

/* 1 = intercept. Unrepresentable MSRs always intercept. */
static inline int ref_test(enum msrtrap_format fmt, const uint8_t *map,
			   uint32_t msr, bool write)
{
	uint32_t byte;
	unsigned int bit;

	if (!ref_position(fmt, msr, write, &byte, &bit))
		return 1;
	return (map[byte] >> bit) & 1;
}

static inline void ref_put(enum msrtrap_format fmt, uint8_t *map, uint32_t msr,
			   bool write, int value)
{
	uint32_t byte;
	unsigned int bit;

	if (!ref_position(fmt, msr, write, &byte, &bit))
		return;
	if (value)
		map[byte] |= (uint8_t)(1u << bit);
	else
		map[byte] &= (uint8_t)~(1u << bit);
}

#endif
