// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the `msrtrap sim` script interpreter (cli/sim/, linked from
 * libmsrtrap-cli) through sim_run_text() (cli/sim/sim.h): the parser
 * with all its diagnostics, then the run on one VM per strategy. The
 * harness touches no file: `filter FILE` operands are served from the
 * built-in table below, `nested` maps from l1_map() (any other name is
 * "cannot read"), `save` lines
 * are script errors, and at most 4 vCPUs are accepted. stdout goes to /dev/null (run libFuzzer with
 * -close_fd_mask=2 to silence the diagnostics on stderr as well).
 *
 * A script may fail (exit 1): bad lines and failed expects are what
 * scripts are for. What may never happen: a crash, a sanitizer report,
 * or the strategies disagreeing (invariant 37) or an engine call failing
 * on a script that parsed, which would be engine bugs: those abort.
 *
 * A script whose first line is `#json` runs as `sim --json`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "sim/sim.h"
#include "fuzz.h"

#define MAX_INPUT 4096

static const struct {
	const char *name;
	const char *json;
} filters[] = {
	/* the seed scenario's (examples/) */
	{ "seed-deny-fs-read.json",
	  "{\"default\": \"allow\", \"ranges\": [{\"flags\": [\"read\"], \"base\": \"0xc0000100\", \"nmsrs\": 1, \"bitmap\": \"00\"}]}" },
	{ "deny-fs-read.json", /* tests/cli's sim/ */
	  "{\"default\": \"allow\", \"ranges\": [{\"flags\": [\"read\"], \"base\": \"0xc0000100\", \"nmsrs\": 1, \"bitmap\": \"00\"}]}" },
	{ "seed-deny-gs-read.json",
	  "{\"default\": \"allow\", \"ranges\": [{\"flags\": [\"read\"], \"base\": \"0xc0000101\", \"nmsrs\": 1, \"bitmap\": \"00\"}]}" },
	{ "seed-unrelated.json",
	  "{\"default\": \"allow\", \"ranges\": [{\"flags\": [\"read\", \"write\"], \"base\": \"0xda0\", \"nmsrs\": 1, \"bitmap\": \"00\"}, {\"flags\": [\"read\", \"write\"], \"base\": \"0x10b\", \"nmsrs\": 1, \"bitmap\": \"00\"}, {\"flags\": [\"read\", \"write\"], \"base\": \"0x474f4f00\", \"nmsrs\": 1, \"bitmap\": \"00\"}]}" },
	/* deny everything but a few MSRs of each span edge */
	{ "deny.json",
	  "{\"default\": \"deny\", \"ranges\": [{\"flags\": [\"read\"], \"base\": \"0x0\", \"nmsrs\": 16, \"bitmap\": \"a5f0\"}, {\"flags\": [\"write\"], \"base\": \"0xc0000080\", \"nmsrs\": 130, \"bitmap\": \"ff00000000000000000000000000000003\"}]}" },
	/* x2APIC and the VMX span edges denied */
	{ "edges.json",
	  "{\"default\": \"allow\", \"ranges\": [{\"flags\": [\"read\", \"write\"], \"base\": \"0x7f8\", \"nmsrs\": 272, \"bitmap\": \"00000000000000000000000000000000000000000000000000000000000000000000\"}, {\"flags\": [\"read\"], \"base\": \"0x1ff0\", \"nmsrs\": 32, \"bitmap\": \"0f00ff00\"}, {\"flags\": [\"write\"], \"base\": \"0xc0001fc0\", \"nmsrs\": 128, \"bitmap\": \"0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f\"}]}" },
	/* invalid: default deny and nothing else (EINVAL) */
	{ "invalid.json", "{\"default\": \"deny\"}" },
};

/*
 * L1 maps for `nested` lines: l1-vmx.bin / l1-svm.bin, a fixed pattern
 * (bytes alternate runs of 0x00, 0xff and mixed, so merges have both
 * intercepted and passed bits everywhere), and l1-pass.* all zero.
 */
static int l1_map(const char *path, uint8_t **data, size_t *len)
{
	size_t n = strstr(path, "svm") ? 8192 : 4096;
	bool pass = strstr(path, "pass") != NULL;

	if (strcmp(path, "l1-vmx.bin") && strcmp(path, "l1-svm.bin") &&
	    strcmp(path, "l1-pass-vmx.bin") && strcmp(path, "l1-pass-svm.bin"))
		return -ENOENT;
	*data = malloc(n + 1);
	if (!*data)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		(*data)[i] = pass ? 0 : (uint8_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? 0xff : i * 37);
	(*data)[n] = 0;
	*len = n;
	return 0;
}

static int read_filter(const char *path, uint8_t **data, size_t *len)
{
	if (!strncmp(path, "l1-", 3))
		return l1_map(path, data, len);
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		size_t n;

		if (strcmp(path, filters[i].name))
			continue;
		n = strlen(filters[i].json);
		*data = malloc(n + 1);
		if (!*data)
			return -ENOMEM;
		memcpy(*data, filters[i].json, n + 1);
		*len = n;
		return 0;
	}
	return -ENOENT;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_env env = {
		.read_filter = read_filter,
		.no_save = true,
		.max_vcpus = 4,
	};
	bool json = size >= 5 && !memcmp(data, "#json", 5);

	if (size > MAX_INPUT)
		return 0;
	/* the name has no '/': filter names are looked up as written */
	sim_run_text("fuzz.sim", (const char *)data, size, json, &env);
	FUZZ_CHECK(!env.disagreed, "the strategies disagree (see above)");
	FUZZ_CHECK(!env.engine_error, "an engine call failed (see above)");
	fflush(stdout);
	return 0;
}
