/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An out-of-tree user of an installed libmsrtrap (tests/abi/install-test.sh):
 * built only from the installed headers and pkg-config flags. Parses a
 * policy, compiles it to a KVM filter (queried through the compiled
 * filter and written as JSON), to a VMX bitmap (decoded back through
 * msrtrap_map_from_bytes() and its pass-through runs), decompiles the
 * filter and diffs it against the policy, and prints which libmsrtrap
 * it runs with (from /proc/self/maps) so the test can check it is the
 * staged one. Exit 0 when every check holds.
 */
#include <msrtrap/msrtrap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "consumer: %s:%d: check failed: %s\n", \
				__FILE__, __LINE__, #cond);               \
			failures++;                                       \
		}                                                         \
	} while (0)

static const char policy_text[] =
	"# an installed-library smoke test\n"
	"default deny\n"
	"allow rw IA32_EFER @syscall\n"
	"allow r  IA32_TSC\n";

static void print_loaded_library(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[4096];

	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		char *path = strchr(line, '/');

		if (path && strstr(path, "/libmsrtrap.so")) {
			printf("library: %s", path);
			break;
		}
	}
	fclose(maps);
}

int main(void)
{
	MSRTRAP_OPTS(msrtrap_policy_opts, opts,
		     .filename = "smoke.policy",
		     .for_kvm = true);
	struct msrtrap_policy *policy = NULL, *back = NULL;
	struct msrtrap_diags *diags = NULL;
	struct msrtrap_filter *filter = NULL;
	struct msrtrap_cfilter *cfilter = NULL;
	struct msrtrap_map *map = NULL, *copy = NULL;
	MSRTRAP_OPTS(msrtrap_msr_info, info);
	MSRTRAP_OPTS(msrtrap_error, diag);
	char *json = NULL;
	uint64_t cursor = 0;
	uint32_t first, last;
	int err, runs = 0;

	printf("version: %s\n", msrtrap_version());
	print_loaded_library();

	/* the installed headers and the library are the same release */
	{
		char want[32];

		snprintf(want, sizeof(want), "%d.%d.%d", MSRTRAP_VERSION_MAJOR,
			 MSRTRAP_VERSION_MINOR, MSRTRAP_VERSION_PATCH);
		CHECK(strcmp(want, MSRTRAP_VERSION_STRING) == 0);
		CHECK(strcmp(msrtrap_version(), MSRTRAP_VERSION_STRING) == 0);
	}

	/* parse */
	err = msrtrap_policy_parse(policy_text, strlen(policy_text), &opts,
				   &policy, &diags);
	for (size_t i = 0; diags && i < msrtrap_diags_count(diags); i++) {
		char msg[512];

		msrtrap_diags_format(diags, i, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
	}
	msrtrap_diags_free(diags);
	if (err) {
		fprintf(stderr, "consumer: parse: %s\n", strerror(-err));
		return 1;
	}
	CHECK(msrtrap_policy_nrules(policy) == 2);
	CHECK(msrtrap_policy_verdict(policy, 0xc0000080, MSRTRAP_WRITE) == 1);
	CHECK(msrtrap_policy_verdict(policy, 0x10, MSRTRAP_READ) == 1);
	CHECK(msrtrap_policy_verdict(policy, 0x10, MSRTRAP_WRITE) == 0);
	CHECK(msrtrap_policy_verdict(policy, 0x277, MSRTRAP_READ) == 0);

	/* the name database */
	CHECK(msrtrap_msr_lookup("efer", &info) == 0 && info.index == 0xc0000080);

	/* compile to a KVM filter; query it compiled; write it as JSON */
	err = msrtrap_policy_to_filter(policy, &filter, NULL);
	CHECK(err == 0);
	if (!err) {
		CHECK(msrtrap_filter_validate(filter, &diag) == 0);
		CHECK(msrtrap_cfilter_new(filter, &cfilter, &diag) == 0);
		CHECK(msrtrap_cfilter_allowed(cfilter, 0xc0000082, MSRTRAP_READ));
		CHECK(!msrtrap_cfilter_allowed(cfilter, 0x10, MSRTRAP_WRITE));
		CHECK(!msrtrap_cfilter_allowed(cfilter, 0x1b, MSRTRAP_READ));
		msrtrap_cfilter_free(cfilter);
		CHECK(msrtrap_filter_to_json(filter, &json) == 0);
		if (json)
			printf("filter: %zu bytes of JSON, %u ranges\n",
			       strlen(json), msrtrap_filter_nranges(filter));
		free(json);

		/*
		 * decompile and compare: the same verdicts everywhere but
		 * for the x2APIC MSRs, which KVM never filters
		 */
		CHECK(msrtrap_policy_from_filter(filter, &back) == 0);
		for (unsigned int a = MSRTRAP_READ; back && a <= MSRTRAP_WRITE; a++) {
			struct msrtrap_interval d[2];

			CHECK(msrtrap_policy_diff(policy, back, a, d, 2) == 1);
			CHECK(d[0].first == 0x800 && d[0].last == 0x8ff);
		}
		msrtrap_policy_free(back);
		msrtrap_filter_free(filter);
	}

	/* compile to a VMX bitmap, then decode a copy of its bytes */
	CHECK(msrtrap_policy_to_map(policy, MSRTRAP_FMT_VMX, &map) == 0);
	if (map) {
		CHECK(msrtrap_map_size(map) == MSRTRAP_VMX_BITMAP_SIZE);
		CHECK(msrtrap_map_from_bytes(MSRTRAP_FMT_NONE, msrtrap_map_data(map),
					     msrtrap_map_size(map), &copy) == 0);
	}
	if (copy) {
		CHECK(msrtrap_map_format(copy) == MSRTRAP_FMT_VMX);
		while (msrtrap_map_next_pass(copy, MSRTRAP_READ, &cursor, &first,
					     &last) == 1) {
			printf("read pass: 0x%x-0x%x\n", first, last);
			runs++;
		}
		/* 0x10, 0xc0000080-0xc0000084 */
		CHECK(runs == 2);
		CHECK(msrtrap_map_test(copy, 0xc0000080, MSRTRAP_RW) == 0);
		CHECK(msrtrap_map_test(copy, 0x10, MSRTRAP_WRITE) == MSRTRAP_WRITE);
	}
	msrtrap_map_free(copy);
	msrtrap_map_free(map);
	msrtrap_policy_free(policy);

	if (failures)
		return 1;
	printf("consumer: ok\n");
	return 0;
}
