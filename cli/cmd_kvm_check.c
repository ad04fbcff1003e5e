// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap kvm-check [--json]: can live KVM run msrtrap's probe here? The
 * functional gate of live-kvm-notes.md §5 (msrtrap_kvm_gate()) under a
 * wall-clock timeout. Exit 0 when usable, 77 (the automake/meson "skip"
 * status) with the reason when not.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"
#include "common/opts.h"

static const char kvm_check_head[] =
	"usage: msrtrap kvm-check [--json]\n"
	"\n"
	"Check that live KVM can install and probe MSR filters here: /dev/kvm\n"
	"opens, the API version is 12, KVM_CAP_X86_MSR_FILTER and\n"
	"KVM_CAP_X86_USER_SPACE_MSR are there, a VM and a vCPU can be made,\n"
	"and a guest's read of a denied MSR exits to userspace with reason\n"
	"FILTER, gets the value userspace answers, and raises #GP instead when\n"
	"the exit is off, all within 10 seconds.\n"
	"Exit 0 when live KVM is usable, 77 (skip) when not, with the reason;\n"
	"1 when it failed for want of descriptors or memory (EMFILE, ENFILE,\n"
	"ENOMEM), which is not a reason to skip.\n"
	"\n";

static const char help_json[] =
	"  -j, --json  print {\"usable\":true,\"seconds\":S} or\n"
	"              {\"usable\":false,\"reason\":\"...\"} on stdout\n";

#define GATE_SECONDS 10

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_kvm_check(int argc, char **argv)
{
	char reason[256];
	bool json = false;
	int err;
	const struct cli_opt opts[] = {
		CLI_FLAG("json", 'j', &json, help_json),
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "kvm-check",
		.head = kvm_check_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);
	double t0;

	if (rc >= 0)
		return rc;
	if (argc != optind)
		return usage_error("kvm-check", "unexpected argument '%s'",
				   clip(argv[optind]));
	t0 = now();
	err = kvm_gate(GATE_SECONDS, reason, sizeof(reason));
	if (err) {
		if (json)
			print_json(json_pack("{s:b, s:s}", "usable", 0, "reason",
					     reason));
		if (kvm_resource_error(err))
			return fail("kvm-check", "live KVM failed: %s", reason);
		fprintf(stderr, "msrtrap kvm-check: live KVM not usable here (%s): "
			"skipped\n", reason);
		return EXIT_SKIP;
	}
	if (json)
		print_json(json_pack("{s:b, s:f}", "usable", 1, "seconds",
				     now() - t0));
	else
		printf("live KVM usable: API version 12, KVM_CAP_X86_MSR_FILTER, "
		       "KVM_CAP_X86_USER_SPACE_MSR, a filtered RDMSR round trip "
		       "and #GP without the exit (%.2f s)\n", now() - t0);
	return EXIT_OK;
}
