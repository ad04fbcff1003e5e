// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap decode [--format vmx|svm] FILE: the MSRs a hardware intercept map
 * passes through, per access, as merged inclusive intervals.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"

static const char decode_usage[] =
	"usage: msrtrap decode [--format vmx|svm] [--json] FILE\n"
	"\n"
	"Show which MSRs a VMX MSR bitmap (4096 bytes) or an SVM MSR\n"
	"permission map (8192 bytes) passes through to hardware, for read and\n"
	"for write, as merged inclusive intervals with the names of known\n"
	"MSRs. Every MSR not listed is intercepted. Without --format the\n"
	"format is recognised by the file size. FILE may be - for stdin.\n"
	"\n"
	"  --format vmx|svm  the map's format\n"
	"  --json            print {\"format\":\"vmx\",\"read\":{\"pass\":[[lo,hi],...]},\n"
	"                    \"write\":{\"pass\":[[lo,hi],...]}} with integer bounds\n";

static int decode(const char *path, enum msrtrap_format fmt, bool json)
{
	struct msrtrap_map *map;
	size_t len;
	uint8_t *data;
	int err;

	err = read_file(path, &data, &len);
	if (err)
		return fail(path, "cannot read: %s", strerror(-err));
	err = msrtrap_map_from_bytes(fmt, data, len, &map);
	free(data);
	if (err && fmt != MSRTRAP_FMT_NONE)
		return fail(path, "%zu bytes, but %s is %zu bytes", len,
			    fmt == MSRTRAP_FMT_VMX ? "a VMX bitmap" : "an SVM map",
			    msrtrap_format_size(fmt));
	if (err)
		return fail(path,
			    "%zu bytes is not a VMX bitmap (4096) or an SVM map (8192)",
			    len);

	if (json)
		print_json(decode_json(map));
	else
		decode_print_text(path, map);
	msrtrap_map_free(map);
	return EXIT_OK;
}

int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum msrtrap_format fmt = MSRTRAP_FMT_NONE;
	bool json = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			fmt = msrtrap_format_parse(optarg);
			if (fmt != MSRTRAP_FMT_VMX && fmt != MSRTRAP_FMT_SVM)
				return fail("--format",
					    "unknown format '%s' (expected vmx or svm)",
					    optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(decode_usage, stdout);
			return EXIT_OK;
		default:
			return bad_option("decode", argv, c);
		}
	}
	if (argc - optind != 1)
		return usage_error("decode", "expected exactly one FILE");
	return decode(argv[optind], fmt, json);
}
