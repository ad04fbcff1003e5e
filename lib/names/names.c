// SPDX-License-Identifier: LGPL-2.1-or-later
/* Queries over the generated MSR name table (msr_db_table.c). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/names.h>

#include "msr_db.h"
#include "util/bsearch.h"
#include "util/opts.h"
#include "util/strdist.h"

static const char *const vendor_names[] = {
	[MSRTRAP_VENDOR_ARCH] = "arch",	    [MSRTRAP_VENDOR_INTEL] = "intel",
	[MSRTRAP_VENDOR_AMD] = "amd",	    [MSRTRAP_VENDOR_KVM] = "kvm",
	[MSRTRAP_VENDOR_HYPERV] = "hyperv", [MSRTRAP_VENDOR_OTHER] = "other",
};

const char *msrtrap_vendor_name(enum msrtrap_vendor vendor)
{
	if ((unsigned int)vendor >= sizeof(vendor_names) / sizeof(*vendor_names))
		return NULL;
	return vendor_names[vendor];
}

size_t msrtrap_msr_count(void)
{
	return mt_msr_table_len;
}

/* info NULL: the caller wants only the return value. */
static int fill(const struct mt_msr_entry *e, struct msrtrap_msr_info *info)
{
	struct msrtrap_msr_info ours = {
		.sz = sizeof(ours),
		.index = e->index,
		.vendor = (enum msrtrap_vendor)e->vendor,
		.canonical = e->canonical,
		.name = e->name,
		.description = e->desc,
	};

	return info ? mt_out_copy(info, &ours, sizeof(ours)) : 0;
}

int msrtrap_msr_at(size_t i, struct msrtrap_msr_info *info)
{
	if (i >= mt_msr_table_len)
		return -ENOENT;
	return fill(&mt_msr_table[i], info);
}

static bool index_before(const void *elem, const void *key)
{
	return ((const struct mt_msr_entry *)elem)->index <
	       *(const uint32_t *)key;
}

size_t msrtrap_msr_lower_bound(uint32_t msr)
{
	return mt_lower_bound(mt_msr_table, mt_msr_table_len,
			      sizeof(*mt_msr_table), &msr, index_before);
}

int msrtrap_msr_info(uint32_t msr, struct msrtrap_msr_info *info)
{
	size_t i = msrtrap_msr_lower_bound(msr);

	/* the canonical entry is the first of its index */
	if (i == mt_msr_table_len || mt_msr_table[i].index != msr)
		return -ENOENT;
	return fill(&mt_msr_table[i], info);
}

const char *msrtrap_msr_name(uint32_t msr)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	return msrtrap_msr_info(msr, &info) ? NULL : info.name;
}

static const char *skip_msr_prefix(const char *name)
{
	return strncasecmp(name, "MSR_", 4) == 0 ? name + 4 : name;
}

static int upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/*
 * Compare a query with a stored (upper-case) name in the order the table
 * generator sorted by: strcmp on upper case. strcasecmp() would fold to
 * lower case, where '_' sorts before the letters instead of after them.
 */
static int cmp_upper(const char *query, const char *name)
{
	while (*query && upper((unsigned char)*query) == *name) {
		query++;
		name++;
	}
	return upper((unsigned char)*query) - (unsigned char)*name;
}

/* Binary search of the by-name index. */
static const struct mt_msr_entry *find_name(const char *name)
{
	size_t lo = 0, hi = mt_msr_table_len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mt_msr_entry *e = &mt_msr_table[mt_msr_by_name[mid]];
		int c = cmp_upper(name, e->name);

		if (c == 0)
			return e;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Names whose Linux spelling (MSR_ + name in msr-index.h) means another
 * MSR than the SDM name the table keeps: with the prefix, which one the
 * user meant is unknown, so the lookup refuses rather than guess.
 */
static const struct {
	const char *name;	/* without MSR_, upper case */
	const char *hint;
} hazards[] = {
	{ "IA32_PMC0",
	  "the kernel's MSR_IA32_PMC0 is 0x4c1 (IA32_A_PMC0), the SDM's "
	  "IA32_PMC0 is 0xc1: write IA32_A_PMC0 or IA32_PMC0" },
};

const char *msrtrap_msr_lookup_hint(const char *name)
{
	const char *rest;

	if (!name || name == (rest = skip_msr_prefix(name)))
		return NULL;
	for (size_t i = 0; i < sizeof(hazards) / sizeof(*hazards); i++)
		if (!cmp_upper(rest, hazards[i].name))
			return hazards[i].hint;
	return NULL;
}

int msrtrap_msr_lookup(const char *name, struct msrtrap_msr_info *info)
{
	const struct mt_msr_entry *e;

	if (!name || !*name)
		return -EINVAL;
	/* A real name may itself start with MSR_ (none do today). */
	e = find_name(name);
	if (!e && msrtrap_msr_lookup_hint(name))
		return -ENOTUNIQ;
	if (!e)
		e = find_name(skip_msr_prefix(name));
	if (!e)
		return -ENOENT;
	return fill(e, info);
}

/*
 * A lower bound of the edit distance that costs O(length): every edit
 * changes the multiset of characters by at most one on each side, so the
 * distance is at least the larger of "characters of the query the name
 * lacks" and "characters of the name the query lacks" (the bag distance).
 * Characters are counted by upper(c) & 63, which can only merge buckets
 * and so lower the bound. @count holds the query's counts and comes back
 * unchanged.
 */
static size_t bag_distance(int16_t count[64], size_t la, const char *b)
{
	size_t surplus = la, deficit = 0;	/* query's unmatched, name's */
	const char *c;

	for (c = b; *c; c++) {
		int16_t *slot = &count[upper((unsigned char)*c) & 63];

		if (*slot > 0)
			surplus--;
		else
			deficit++;
		(*slot)--;
	}
	for (c = b; *c; c++)
		count[upper((unsigned char)*c) & 63]++;
	return surplus > deficit ? surplus : deficit;
}

const char *msrtrap_msr_suggest(const char *name)
{
	const char *best = NULL;
	int16_t count[64] = { 0 };
	uint64_t chars = 0;
	size_t len, limit;

	if (!name || !*name)
		return NULL;
	name = skip_msr_prefix(name);
	len = strlen(name);
	if (len >= MT_STRDIST_MAX_LEN)
		return NULL;
	/*
	 * The shared suggestion threshold (util/strdist.h). The cap tightens
	 * as better names turn up; ties keep the first name in table order.
	 */
	limit = mt_suggest_cap(len);
	for (size_t i = 0; i < len; i++) {
		unsigned int bucket = (unsigned int)upper((unsigned char)name[i]) & 63;

		count[bucket]++;
		chars |= 1ULL << bucket;
	}
	/*
	 * Cheapest lower bounds first: the length difference, then the
	 * distinct characters only one side has (each needs an edit), then
	 * the bag distance, and only then the capped table.
	 */
	for (size_t i = 0; i < mt_msr_table_len; i++) {
		const struct mt_msr_entry *e = &mt_msr_table[i];
		const char *cand = e->name;
		size_t lb = e->name_len, d;
		size_t only_q = (size_t)__builtin_popcountll(chars & ~e->name_chars);
		size_t only_n = (size_t)__builtin_popcountll(e->name_chars & ~chars);

		if ((len > lb ? len - lb : lb - len) > limit || only_q > limit ||
		    only_n > limit || bag_distance(count, len, cand) > limit)
			continue;
		d = mt_edit_distance(name, len, cand, lb, limit);

		if (d <= limit) {
			best = cand;
			if (!d)
				break;
			limit = d - 1;
		}
	}
	return best;
}
