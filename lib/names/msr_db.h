/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal layout of the MSR name database.
 *
 * The table itself (msr_db_table.c) is generated at build time by
 * tools/gen-msr-db.py from data/msrs.tsv; nothing here is written by hand
 * except the shape.
 */
#ifndef MSRTRAP_LIB_MSR_DB_H
#define MSRTRAP_LIB_MSR_DB_H

#include <stddef.h>
#include <stdint.h>

struct mt_msr_entry {
	uint32_t index;
	uint8_t vendor;		/* enum msrtrap_vendor */
	uint8_t canonical;	/* 1 for the first (preferred) name of an index */
	uint8_t name_len;	/* strlen(name) */
	const char *name;	/* upper case, [A-Z0-9_] */
	const char *desc;	/* one short line */
	uint64_t name_chars;	/* bit (c & 63) set for each character c of name */
};

/* Sorted by index ascending; within one index the canonical name first,
 * then aliases in file order. */
extern const struct mt_msr_entry mt_msr_table[];
extern const size_t mt_msr_table_len;

/* Positions in mt_msr_table sorted by name (ASCII case-insensitive; names
 * are stored upper case so a plain strcmp order on them is that order). */
extern const uint16_t mt_msr_by_name[];

#endif
