// SPDX-License-Identifier: GPL-2.0-or-later
/* The MSR name database: contents, lookups both ways, aliases, hints. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/names.h>

#include "testutil.h"

static void test_size_and_order(void **state)
{
	MSRTRAP_OPTS(msrtrap_msr_info, prev);
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	size_t distinct = 0;

	/* the foundation issue asks for at least 400 entries */
	assert_true(msrtrap_msr_count() >= 400);
	for (size_t i = 0; i < msrtrap_msr_count(); i++) {
		assert_int_equal(msrtrap_msr_at(i, &info), 0);
		assert_non_null(info.name);
		assert_non_null(info.description);
		assert_true(info.description[0] != 0);
		assert_non_null(msrtrap_vendor_name(info.vendor));
		if (i == 0 || info.index != prev.index) {
			/* the first entry of each index is its canonical name */
			assert_true(info.canonical);
			assert_true(i == 0 || info.index > prev.index);
			distinct++;
		} else {
			assert_false(info.canonical);
		}
		/* every name finds its own entry */
		{
			MSRTRAP_OPTS(msrtrap_msr_info, back);

			assert_int_equal(msrtrap_msr_lookup(info.name, &back), 0);
			assert_int_equal(back.index, info.index);
			assert_string_equal(back.name, info.name);
		}
		prev = info;
	}
	assert_true(distinct >= 400);
	assert_int_equal(msrtrap_msr_at(msrtrap_msr_count(), &info), -ENOENT);
	printf("# %zu names, %zu distinct MSRs\n", msrtrap_msr_count(), distinct);
}

/*
 * struct msrtrap_msr_info grows by its size field: an older caller's
 * shorter struct gets exactly its prefix, a newer caller's longer one
 * keeps its extra bytes; a size that cannot hold sz is refused, NULL
 * means "only tell me whether it exists".
 */
static void test_info_sz(void **state)
{
	size_t old_sz = offsetof(struct msrtrap_msr_info, canonical);
	struct msrtrap_msr_info part;
	struct {
		struct msrtrap_msr_info info;
		uint64_t future;
	} big;
	const unsigned char *p = (const unsigned char *)&part;

	memset(&part, 0xa5, sizeof(part));
	part.sz = old_sz;
	assert_int_equal(msrtrap_msr_info(0xc0000080, &part), 0);
	assert_int_equal(part.sz, old_sz);
	assert_int_equal(part.index, 0xc0000080);
	assert_int_equal(part.vendor, MSRTRAP_VENDOR_ARCH);
	for (size_t i = old_sz; i < sizeof(part); i++)
		assert_int_equal(p[i], 0xa5);
	memset(&part, 0xa5, sizeof(part));
	part.sz = old_sz;
	assert_int_equal(msrtrap_msr_lookup("efer", &part), 0);
	assert_int_equal(part.index, 0xc0000080);
	for (size_t i = old_sz; i < sizeof(part); i++)
		assert_int_equal(p[i], 0xa5);

	memset(&big, 0xa5, sizeof(big));
	big.info.sz = sizeof(big);
	assert_int_equal(msrtrap_msr_at(0, &big.info), 0);
	assert_int_equal(big.info.sz, sizeof(big));
	assert_non_null(big.info.name);
	assert_true(big.info.canonical);
	assert_int_equal(big.future, 0xa5a5a5a5a5a5a5a5ULL);

	part.sz = sizeof(size_t) - 1;
	assert_int_equal(msrtrap_msr_at(0, &part), -EINVAL);
	assert_int_equal(msrtrap_msr_info(0xc0000080, &part), -EINVAL);
	assert_int_equal(msrtrap_msr_lookup("efer", &part), -EINVAL);
	assert_int_equal(msrtrap_msr_at(0, NULL), 0);
	assert_int_equal(msrtrap_msr_info(0xc0000080, NULL), 0);
	assert_int_equal(msrtrap_msr_lookup("efer", NULL), 0);
}

static void expect(uint32_t msr, const char *name, enum msrtrap_vendor vendor)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	assert_string_equal(msrtrap_msr_name(msr), name);
	assert_int_equal(msrtrap_msr_info(msr, &info), 0);
	assert_int_equal(info.vendor, vendor);
	assert_int_equal(msrtrap_msr_lookup(name, &info), 0);
	assert_int_equal(info.index, msr);
}

static void test_known_entries(void **state)
{
	expect(0x10, "IA32_TSC", MSRTRAP_VENDOR_ARCH);
	expect(0x277, "IA32_PAT", MSRTRAP_VENDOR_ARCH);
	expect(0xc0000080, "IA32_EFER", MSRTRAP_VENDOR_ARCH);
	expect(0xc0000100, "IA32_FS_BASE", MSRTRAP_VENDOR_ARCH);
	expect(0x808, "IA32_X2APIC_TPR", MSRTRAP_VENDOR_ARCH);
	expect(0x4b564d01, "KVM_SYSTEM_TIME_NEW", MSRTRAP_VENDOR_KVM);
	expect(0x40000000, "HV_X64_MSR_GUEST_OS_ID", MSRTRAP_VENDOR_HYPERV);
	expect(0xc0010117, "VM_HSAVE_PA", MSRTRAP_VENDOR_AMD);
	assert_null(msrtrap_msr_name(0x474f4f00));
	assert_int_equal(msrtrap_msr_info(0x474f4f00, NULL), -ENOENT);
}

static void test_lookup_rules(void **state)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	/* case-insensitive, optional MSR_ prefix, aliases */
	assert_int_equal(msrtrap_msr_lookup("ia32_efer", &info), 0);
	assert_int_equal(info.index, 0xc0000080);
	assert_int_equal(msrtrap_msr_lookup("MSR_IA32_EFER", &info), 0);
	assert_int_equal(info.index, 0xc0000080);
	assert_int_equal(msrtrap_msr_lookup("efer", &info), 0);
	assert_int_equal(info.index, 0xc0000080);
	assert_false(info.canonical);
	assert_int_equal(msrtrap_msr_lookup("msr_fs_base", &info), 0);
	assert_int_equal(info.index, 0xc0000100);
	assert_int_equal(msrtrap_msr_lookup("SYSCALL_MASK", &info), 0);
	assert_int_equal(info.index, 0xc0000084);
	/* '_' sorts after letters in upper case: must still be found */
	assert_int_equal(msrtrap_msr_lookup("ia32_x2apic_tpr", &info), 0);
	assert_int_equal(info.index, 0x808);
	assert_int_equal(msrtrap_msr_lookup("IA32_EFR", &info), -ENOENT);
	assert_int_equal(msrtrap_msr_lookup("", &info), -EINVAL);
	assert_int_equal(msrtrap_msr_lookup(NULL, &info), -EINVAL);
}

static void test_suggest(void **state)
{
	assert_string_equal(msrtrap_msr_suggest("IA32_EFR"), "IA32_EFER");
	assert_string_equal(msrtrap_msr_suggest("ia32_lstr"), "IA32_LSTAR");
	assert_null(msrtrap_msr_suggest("completely_unrelated_words"));
	assert_null(msrtrap_msr_suggest(""));
}

/*
 * Reference for msrtrap_msr_suggest(): the full Levenshtein table against
 * every name, no pruning; the nearest name within len/4 + 1 edits, the
 * first in table order on a tie.
 */
static size_t ref_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[64][64];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] +
				     (toupper((unsigned char)a[i - 1]) != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			size_t m = sub < del ? sub : del;

			d[i][j] = m < ins ? m : ins;
		}
	return d[la][lb];
}

static const char *ref_suggest(const char *name)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	if (!strncasecmp(name, "MSR_", 4))
		name += 4;
	if (!*name || strlen(name) >= 64)
		return NULL;
	for (size_t i = 0; msrtrap_msr_at(i, &info) == 0; i++) {
		size_t d = ref_distance(name, info.name);

		if (d < best_d) {
			best_d = d;
			best = info.name;
		}
	}
	return best_d <= strlen(name) / 4 + 1 ? best : NULL;
}

static void mutate_name(char *buf, size_t cap)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_aez";
	unsigned int edits = test_below(5);

	for (unsigned int e = 0; e < edits; e++) {
		size_t len = strlen(buf);
		size_t at = test_below((uint32_t)len + 1);
		char c = alphabet[test_below(sizeof(alphabet) - 1)];

		switch (test_below(3)) {
		case 0: /* insert */
			if (len + 2 > cap)
				break;
			memmove(buf + at + 1, buf + at, len - at + 1);
			buf[at] = c;
			break;
		case 1: /* delete */
			if (at < len)
				memmove(buf + at, buf + at + 1, len - at);
			break;
		default: /* substitute */
			if (at < len)
				buf[at] = c;
		}
	}
	if (test_below(4) == 0)
		for (char *p = buf; *p; p++)
			*p = (char)tolower((unsigned char)*p);
}

/* Regression: the pruned search must find what the full one finds. */
static void test_suggest_matches_reference(void **state)
{
	unsigned long n = test_volume(3000);
	char buf[80];

	for (unsigned long k = 0; k < n; k++) {
		MSRTRAP_OPTS(msrtrap_msr_info, info);
		const char *got, *want;

		assert_int_equal(msrtrap_msr_at(test_below((uint32_t)msrtrap_msr_count()),
						&info), 0);
		if (test_below(10) == 0)
			snprintf(buf, sizeof(buf), "%s", "");
		else
			snprintf(buf, sizeof(buf), "%s%s",
				 test_below(8) == 0 ? "msr_" : "", info.name);
		mutate_name(buf, 64);
		got = msrtrap_msr_suggest(buf);
		want = ref_suggest(buf);
		if (got != want)
			fail_msg("suggest(\"%s\"): got %s, reference %s", buf,
				 got ? got : "(none)", want ? want : "(none)");
	}
}

/* name -> index, and whether it is the index's canonical name */
static void expect_name(const char *name, uint32_t msr, bool canonical)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	assert_int_equal(msrtrap_msr_lookup(name, &info), 0);
	assert_int_equal(info.index, msr);
	assert_int_equal(info.canonical, canonical);
	assert_string_equal(info.name, name);
}

/*
 * The database against Linux 6.19's msr-index.h (kvm-versions.md §4): the
 * 41 indices added after 6.1, the 7 kernel spellings of known indices,
 * CORE_THREAD_COUNT and AMD's SFMASK; the exact counts of data/README.md.
 */
static void test_linux_6_19(void **state)
{
	static const struct {
		uint32_t msr;
		const char *name;
	} added[] = {
		{ 0x35, "CORE_THREAD_COUNT" },
		{ 0x7b, "IA32_MCU_ENUMERATION" },
		{ 0x87, "IA32_MKTME_KEYID_PARTITIONING" },
		{ 0x1cc, "IA32_FRED_RSP0" }, { 0x1cd, "IA32_FRED_RSP1" },
		{ 0x1ce, "IA32_FRED_RSP2" }, { 0x1cf, "IA32_FRED_RSP3" },
		{ 0x1d0, "IA32_FRED_STKLVLS" }, { 0x1d1, "IA32_FRED_SSP1" },
		{ 0x1d2, "IA32_FRED_SSP2" }, { 0x1d3, "IA32_FRED_SSP3" },
		{ 0x1d4, "IA32_FRED_CONFIG" },
		{ 0x3f4, "IA32_PEBS_BASE" }, { 0x3f5, "IA32_PEBS_INDEX" },
		{ 0x7a5, "IA32_MCU_STAGING_MBOX_ADDR" },
		{ 0xca0, "RMID_SNC_CONFIG" },
		{ 0xd50, "IA32_MBA_THRTL_BASE" },
		{ 0x1328, "SNOOP_RSP_0" }, { 0x1329, "SNOOP_RSP_1" },
		{ 0x1901, "IA32_PMC_V6_GP0_CFG_A" },
		{ 0x1902, "IA32_PMC_V6_GP0_CFG_B" },
		{ 0x1903, "IA32_PMC_V6_GP0_CFG_C" },
		{ 0x1980, "IA32_PMC_V6_FX0_CTR" },
		{ 0x1982, "IA32_PMC_V6_FX0_CFG_B" },
		{ 0x1983, "IA32_PMC_V6_FX0_CFG_C" },
		{ 0xc0000200, "IA32_MBA_BW_BASE" },
		{ 0xc0000280, "IA32_SMBA_BW_BASE" },
		{ 0xc0000303, "AMD64_PERF_CNTR_GLOBAL_STATUS_SET" },
		{ 0xc00003fd, "IA32_L3_QOS_ABMC_CFG" },
		{ 0xc00003ff, "IA32_L3_QOS_EXT_CFG" },
		{ 0xc0000400, "IA32_EVT_CFG_BASE" },
		{ 0xc0000500, "AMD_WORKLOAD_CLASS_CONFIG" },
		{ 0xc0000501, "AMD_WORKLOAD_CLASS_ID" },
		{ 0xc0000502, "AMD_WORKLOAD_HRST" },
		{ 0xc0010134, "AMD64_GUEST_TSC_FREQ" },
		{ 0xc0010136, "AMD64_RMP_CFG" },
		{ 0xc0010138, "AMD64_SAVIC_CONTROL" },
		{ 0xc0010800, "F19H_UMC_PERF_CTL" },
		{ 0xc0010801, "F19H_UMC_PERF_CTR" },
		{ 0xc0011002, "AMD64_CPUID_FN_7" },
		{ 0xc0011005, "AMD64_CPUID_EXT_FEAT" },
		{ 0xc001f000, "SVSM_CAA" },
	}, aliases[] = {
		{ 0x35, "INTEL_CORE_THREAD_COUNT" },
		{ 0x18a, "IA32_MCG_RESERVED" },
		{ 0x6a4, "IA32_FRED_SSP0" },
		{ 0xc90, "IA32_L3_CBM_BASE" },
		{ 0xd10, "IA32_L2_CBM_BASE" },
		{ 0x1900, "IA32_PMC_V6_GP0_CTR" },
		{ 0xc0000084, "SFMASK" },
		{ 0xc0010132, "AMD64_RMP_BASE" },
		{ 0xc0010133, "AMD64_RMP_END" },
	};
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	size_t canonical = 0;

	for (size_t i = 0; i < sizeof(added) / sizeof(*added); i++)
		expect_name(added[i].name, added[i].msr, true);
	for (size_t i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		expect_name(aliases[i].name, aliases[i].msr, false);
	/* the kernel spelling of each, prefix and all */
	assert_int_equal(msrtrap_msr_lookup("MSR_IA32_FRED_CONFIG", &info), 0);
	assert_int_equal(info.index, 0x1d4);
	assert_int_equal(msrtrap_msr_lookup("msr_sfmask", &info), 0);
	assert_string_equal(msrtrap_msr_name(info.index), "IA32_FMASK");
	assert_string_equal(msrtrap_msr_name(0x35), "CORE_THREAD_COUNT");
	assert_int_equal(msrtrap_msr_info(0x35, &info), 0);
	assert_int_equal(info.vendor, MSRTRAP_VENDOR_INTEL);

	for (size_t i = 0; msrtrap_msr_at(i, &info) == 0; i++)
		canonical += info.canonical;
	assert_int_equal(msrtrap_msr_count(), 1284);
	assert_int_equal(canonical, 1091);
}

/*
 * Linux's MSR_IA32_PMC0 is 0x4c1 (the SDM's IA32_A_PMC0), the SDM's
 * IA32_PMC0 is 0xc1: the prefixed spelling is refused with -ENOTUNIQ and
 * a hint naming both, in any case; the bare SDM name keeps its meaning.
 */
static void test_pmc0_refused(void **state)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	const char *hint;

	info.index = 0x12345678;
	assert_int_equal(msrtrap_msr_lookup("MSR_IA32_PMC0", &info), -ENOTUNIQ);
	assert_int_equal(info.index, 0x12345678);
	assert_int_equal(msrtrap_msr_lookup("msr_ia32_pmc0", NULL), -ENOTUNIQ);
	hint = msrtrap_msr_lookup_hint("Msr_Ia32_Pmc0");
	assert_non_null(hint);
	assert_non_null(strstr(hint, "0x4c1"));
	assert_non_null(strstr(hint, "0xc1"));
	assert_non_null(strstr(hint, "IA32_A_PMC0"));
	assert_null(strchr(hint, '\n'));

	assert_int_equal(msrtrap_msr_lookup("IA32_PMC0", &info), 0);
	assert_int_equal(info.index, 0xc1);
	assert_int_equal(msrtrap_msr_lookup("MSR_IA32_A_PMC0", &info), 0);
	assert_int_equal(info.index, 0x4c1);
	assert_int_equal(msrtrap_msr_lookup("MSR_IA32_PMC1", &info), 0);
	assert_int_equal(info.index, 0xc2);
	assert_null(msrtrap_msr_lookup_hint("IA32_PMC0"));
	assert_null(msrtrap_msr_lookup_hint("MSR_IA32_PMC1"));
	assert_null(msrtrap_msr_lookup_hint("MSR_"));
	assert_null(msrtrap_msr_lookup_hint(NULL));
}

static void test_lower_bound(void **state)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	size_t i = msrtrap_msr_lower_bound(0xc0000080);

	assert_int_equal(msrtrap_msr_at(i, &info), 0);
	assert_int_equal(info.index, 0xc0000080);
	i = msrtrap_msr_lower_bound(0xc0000081 - 0x10000);
	assert_int_equal(msrtrap_msr_at(i, &info), 0);
	assert_true(info.index >= 0xc0000081 - 0x10000);
	assert_int_equal(msrtrap_msr_lower_bound(0xffffffff) <= msrtrap_msr_count(), 1);
	assert_int_equal(msrtrap_msr_lower_bound(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_and_order),
		cmocka_unit_test(test_info_sz),
		cmocka_unit_test(test_known_entries),
		cmocka_unit_test(test_lookup_rules),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_suggest_matches_reference),
		cmocka_unit_test(test_lower_bound),
		cmocka_unit_test(test_linux_6_19),
		cmocka_unit_test(test_pmc0_refused),
	};

	return TEST_MAIN(tests);
}
