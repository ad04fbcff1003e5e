// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * verify's host dependency (cli/common/kvm_host.c): KVM's WRMSR fast path
 * completes TSC_DEADLINE (0x6e0) writes before the userspace filter
 * (kvm-versions.md D6, §6c-5, invariant C6) — on VMX with the preemption
 * timer (v6.0) or from v6.19 on, on SVM from v6.19 on; never for another
 * MSR or for reads; not on other vendor modules (PVM). Each case is a
 * made-up host: a directory with the /sys/module and /proc files the
 * probe reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "testutil.h"

static char root[64];

static void put(const char *path, const char *text)
{
	char full[256], cmd[320];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", full);
	assert_int_equal(system(cmd), 0);
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* a host with that module (NULL: none), release and preemption_timer */
static void host(const char *module, const char *release, const char *timer,
		 struct kvm_host *h)
{
	char cmd[192], path[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/sys '%s'/proc", root, root);
	assert_int_equal(system(cmd), 0);
	put("/proc/sys/kernel/osrelease", release);
	if (module) {
		snprintf(path, sizeof(path), "/sys/module/%s/uevent", module);
		put(path, "");
	}
	if (timer)
		put("/sys/module/kvm_intel/parameters/preemption_timer", timer);
	kvm_host_probe(root, h);
}

static bool bypass(const char *module, const char *release, const char *timer)
{
	struct kvm_host h;

	host(module, release, timer, &h);
	/* only ever the TSC_DEADLINE write */
	assert_false(kvm_host_bypasses_filter(&h, 0x6e0, MSRTRAP_READ));
	assert_false(kvm_host_bypasses_filter(&h, 0x6e1, MSRTRAP_WRITE));
	assert_false(kvm_host_bypasses_filter(&h, 0x830, MSRTRAP_WRITE));
	assert_int_equal(h.tsc_deadline_fastpath,
			 kvm_host_bypasses_filter(&h, 0x6e0, MSRTRAP_WRITE));
	return h.tsc_deadline_fastpath;
}

static void test_c6_vmx(void **state)
{
	(void)state;
	assert_true(bypass("kvm_intel", "6.0.0\n", "Y\n"));
	assert_false(bypass("kvm_intel", "6.0.0\n", "N\n"));
	assert_true(bypass("kvm_intel", "6.19.2-fc\n", "N\n"));
	assert_true(bypass("kvm_intel", "5.19.17\n", "Y\n"));
	assert_false(bypass("kvm_intel", "6.18.44\n", NULL));
}

static void test_c6_svm(void **state)
{
	(void)state;
	assert_false(bypass("kvm_amd", "6.0.19\n", NULL));
	assert_false(bypass("kvm_amd", "6.18.44\n", NULL));
	assert_true(bypass("kvm_amd", "6.19.0\n", NULL));
	assert_true(bypass("kvm_amd", "7.1.3\n", NULL));
}

/* this project's PVM hosts filter the write (live-kvm-notes.md) */
static void test_c6_other_hosts(void **state)
{
	struct kvm_host h;

	(void)state;
	assert_false(bypass("kvm_pvm", "6.18.44-fc-v669\n", NULL));
	assert_false(bypass(NULL, "6.19.0\n", NULL));
	host("kvm_pvm", "6.18.44-fc-v669\n", NULL, &h);
	assert_string_equal(h.module, "kvm_pvm");
	assert_int_equal(h.major, 6);
	assert_int_equal(h.minor, 18);
	assert_int_equal(h.preemption_timer, -1);
	host(NULL, "garbage", NULL, &h);
	assert_string_equal(h.module, "");
	assert_int_equal(h.major, 0);
}

/* what verify then expects: the model's verdict, or pass by the fast path */
static void test_verify_expectation(void **state)
{
	struct kvm_host h;
	bool fp;

	(void)state;
	host("kvm_intel", "6.19.0\n", "Y\n", &h);
	assert_true(kvm_host_expects_allow(&h, false, 0x6e0, MSRTRAP_WRITE, &fp));
	assert_true(fp);
	assert_false(kvm_host_expects_allow(&h, false, 0x6e0, MSRTRAP_READ, &fp));
	assert_false(fp);
	assert_true(kvm_host_expects_allow(&h, true, 0x6e0, MSRTRAP_WRITE, &fp));
	assert_false(fp); /* allowed anyway: not the fast path's doing */
	assert_false(kvm_host_expects_allow(&h, false, 0x10, MSRTRAP_WRITE, &fp));
	assert_non_null(strstr(h.why, "fast path"));
	host("kvm_pvm", "6.18.0\n", NULL, &h);
	assert_false(kvm_host_expects_allow(&h, false, 0x6e0, MSRTRAP_WRITE, &fp));
	assert_false(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c6_vmx),
		cmocka_unit_test(test_c6_svm),
		cmocka_unit_test(test_c6_other_hosts),
		cmocka_unit_test(test_verify_expectation),
	};
	char cmd[96];
	int rc;

	snprintf(root, sizeof(root), "/tmp/msrtrap-kvm-host.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	rc = TEST_MAIN(tests);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? 1 : rc;
}
