// SPDX-License-Identifier: GPL-2.0-or-later
/* The MSR name database: contents, lookups both ways, aliases, hints. */
#include <errno.h>
#include <string.h>

#include <msrtrap/names.h>

#include "testutil.h"

static void test_size_and_order(void **state)
{
	struct msrtrap_msr_info prev, info;
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
			struct msrtrap_msr_info back;

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

static void expect(uint32_t msr, const char *name, enum msrtrap_vendor vendor)
{
	struct msrtrap_msr_info info;

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
	struct msrtrap_msr_info info;

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

static void test_lower_bound(void **state)
{
	struct msrtrap_msr_info info;
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
		cmocka_unit_test(test_known_entries),
		cmocka_unit_test(test_lookup_rules),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_lower_bound),
	};

	return TEST_MAIN(tests);
}
