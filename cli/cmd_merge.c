// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap merge L0 L1 [--vendor vmx|svm] [--kernel v6.0|v6.19]
 * [--controls LIST] [-o OUT] [--json]: the map KVM runs an L2 guest with,
 * merged from L0's map for L1 and the map L1 wrote for L2
 * (msrtrap_nested_merge(), <msrtrap/nested.h>).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"
#include "common/input.h"
#include "common/opts.h"

static const char merge_head[] =
	"usage: msrtrap merge [--vendor vmx|svm] [--kernel v6.0|v6.19]\n"
	"                     [--controls LIST] [-o OUT] [--json] L0 L1\n"
	"\n"
	"Build the MSR map KVM runs a nested (L2) guest with: L0 is the map\n"
	"the hypervisor runs L1 with (vmcs01's MSR bitmap, vmcb01's MSRPM:\n"
	"what KVM wants intercepted plus what the MSR filter denies), L1 is\n"
	"the raw map L1 gave its L2 guest; both 4096-byte VMX bitmaps or both\n"
	"8192-byte SVM maps. The result is written as raw bytes to OUT, and\n"
	"shown as 'msrtrap decode' shows a map (on stdout unless -o without\n"
	"--json). Where KVM runs L2 without a merged map (VMX without\n"
	"msr-bitmaps: every MSR access exits; SVM without msr-prot: L2 uses\n"
	"L0's map), a note on stderr says so and OUT gets the map in effect.\n"
	"\n";

static const char help_vendor[] =
	"  -v, --vendor vmx|svm  the maps' format (default: by their size)\n";
static const char help_kernel[] =
	"  -k, --kernel v6.0|v6.19  whose merge (default v6.19; the merged\n"
	"                    MSRs differ)\n";
static const char help_controls[] =
	"  -c, --controls LIST  L1's controls, comma-separated: VMX\n"
	"                    msr-bitmaps, virt-x2apic, apic-reg-virt, vid;\n"
	"                    SVM msr-prot; 'none' for none (default:\n"
	"                    msr-bitmaps, or msr-prot)\n";
static const char help_out[] =
	"  -o, --output OUT  write the merged map to OUT\n";
static const char help_json[] =
	"  -j, --json        print decode --json's object of the merged map\n"
	"                    with \"l2_bitmap_in_use\": true|false\n";

/* Returns -1 with *bits set, or the exit code of a usage error. */
static int parse_controls(const char *list, enum msrtrap_format fmt,
			  unsigned int *bits)
{
	const char *p = list;

	*bits = 0;
	if (!strcmp(list, "none"))
		return -1;
	for (;;) {
		size_t len = strcspn(p, ",");
		enum msrtrap_format word_fmt;
		int bit = nested_control(p, len, &word_fmt);

		if (bit < 0)
			return usage_error("merge", "--controls: unknown control '%.*s' "
					   "(expected " NESTED_CONTROL_WORDS " or none)",
					   (int)(len > 40 ? 40 : len), p);
		if (word_fmt != fmt)
			return usage_error("merge", "--controls: %.*s is %s control, "
					   "the maps are %s", (int)len, p,
					   fmt == MSRTRAP_FMT_VMX ? "an SVM" : "a VMX",
					   msrtrap_format_name(fmt));
		*bits |= (unsigned int)bit;
		if (!p[len])
			return -1;
		p += len + 1;
	}
}

struct merge_args {
	const char *vendor, *kernel, *controls, *out;
	bool json;
};

static int report(const struct merge_args *a, const uint8_t *bytes, size_t size, enum msrtrap_format fmt,
		  bool in_use)
{
	struct msrtrap_map *result;
	int err;

	if (!in_use)
		fprintf(stderr, "%s: merge: %s\n", progname,
			fmt == MSRTRAP_FMT_VMX ?
				"L1 does not use MSR bitmaps: KVM runs L2 without one, every L2 MSR access exits (the map in effect: all-intercept)" :
				"L1 does not intercept MSR_PROT: L2 runs on L0's map (the map in effect) and no MSR exit goes to L1");
	if (a->out) {
		err = write_output_file(a->out, bytes, size);
		if (err)
			return fail(a->out, "cannot write: %s", write_strerror(err));
	}
	if (a->out && !a->json)
		return EXIT_OK;
	err = msrtrap_map_from_bytes(fmt, bytes, size, &result);
	if (err)
		return fail("merge", "the merged map: %s", strerror(-err));
	if (a->json) {
		json_t *obj = decode_json(result);

		json_object_set_new(obj, "l2_bitmap_in_use", json_boolean(in_use));
		print_json(obj);
	} else {
		decode_print_text("L2", result);
	}
	msrtrap_map_free(result);
	return EXIT_OK;
}

static int merge(const struct merge_args *a, const char *l0_path,
		 const char *l1_path)
{
	enum msrtrap_format fmt = MSRTRAP_FMT_NONE;
	int kernel = MSRTRAP_KERNEL_V6_19, rc;
	struct msrtrap_map *l0 = NULL, *l1 = NULL;
	unsigned int controls;
	uint8_t out[MSRTRAP_SVM_MSRPM_SIZE];

	if (a->vendor && (int)(fmt = (enum msrtrap_format)msrtrap_format_parse(a->vendor)) < 0)
		return usage_error("merge", "--vendor: unknown vendor '%s' (expected vmx or svm)",
				   a->vendor);
	if (a->kernel) {
		kernel = msrtrap_kernel_parse(a->kernel);
		if (kernel != MSRTRAP_KERNEL_V6_0 && kernel != MSRTRAP_KERNEL_V6_19)
			return usage_error("merge", "--kernel: '%s' is not v6.0 or v6.19",
					   a->kernel);
	}
	if (a->out && (same_file(l0_path, a->out) || same_file(l1_path, a->out)))
		return usage_error("merge", "-o %s is an input file", a->out);
	rc = input_read_map(l0_path, fmt, &l0, NULL);
	if (!rc)
		rc = input_read_map(l1_path, msrtrap_map_format(l0), &l1, NULL);
	if (rc)
		goto out;
	fmt = msrtrap_map_format(l0);
	rc = parse_controls(a->controls ? a->controls :
			    fmt == MSRTRAP_FMT_VMX ? "msr-bitmaps" : "msr-prot",
			    fmt, &controls);
	if (rc >= 0)
		goto out;
	rc = msrtrap_nested_merge(fmt, (enum msrtrap_kernel)kernel, controls,
				  msrtrap_map_data(l0), msrtrap_map_data(l1), out);
	if (rc < 0) {
		rc = fail("merge", "%s", strerror(-rc));
		goto out;
	}
	rc = report(a, out, msrtrap_format_size(fmt), fmt, rc == 1);
out:
	msrtrap_map_free(l0);
	msrtrap_map_free(l1);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	struct merge_args a = { 0 };
	const struct cli_opt opts[] = {
		CLI_VALUE("vendor", 'v', &a.vendor, help_vendor),
		CLI_VALUE("kernel", 'k', &a.kernel, help_kernel),
		CLI_VALUE("controls", 'c', &a.controls, help_controls),
		CLI_VALUE("output", 'o', &a.out, help_out),
		CLI_FLAG("json", 'j', &a.json, help_json),
		INPUT_OPT_MAX_INPUT,
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "merge",
		.head = merge_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 2)
		return usage_error("merge", "expected two maps, L0 and L1");
	return merge(&a, argv[optind], argv[optind + 1]);
}
