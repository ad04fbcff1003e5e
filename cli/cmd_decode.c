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

#include "common/input.h"
#include "common/cli.h"
#include "common/opts.h"

static const char decode_head[] =
	"usage: msrtrap decode [--format vmx|svm] [--json] FILE\n"
	"\n"
	"Show which MSRs a VMX MSR bitmap (4096 bytes) or an SVM MSR\n"
	"permission map (8192 bytes) passes through to hardware, for read and\n"
	"for write, as merged inclusive intervals with the names of known\n"
	"MSRs. Every MSR not listed is intercepted. Without --format the\n"
	"format is recognised by the file size. FILE may be - for stdin.\n"
	"\n";

static const char help_format[] =
	"  -f, --format vmx|svm  the map's format\n";

static const char help_json[] =
	"  -j, --json        print {\"format\":\"vmx\",\"read\":{\"pass\":[[lo,hi],...]},\n"
	"                    \"write\":{\"pass\":[[lo,hi],...]}} with integer bounds\n";

static int decode(const char *path, enum msrtrap_format fmt, bool json)
{
	struct msrtrap_map *map;
	bool text;
	int rc = input_read_map(path, fmt, &map, &text);

	if (rc)
		return rc;
	/*
	 * A policy or JSON file that happens to have a map's size decodes
	 * as nonsense: say so, since decode goes by the size alone.
	 */
	if (text)
		fprintf(stderr,
			"%s: %s: warning: %zu bytes of text decoded as %s; a "
			"policy or JSON filter? (see 'msrtrap check')\n",
			progname, path, msrtrap_map_size(map),
			msrtrap_map_format(map) == MSRTRAP_FMT_VMX ? "a VMX bitmap" :
								  "an SVM map");
	if (json)
		print_json(decode_json(map));
	else
		decode_print_text(path, map);
	msrtrap_map_free(map);
	return EXIT_OK;
}

static int format_option(const char *cmd, const char *arg, void *dest)
{
	enum msrtrap_format *fmt = dest;
	int parsed = msrtrap_format_parse(arg);

	if (parsed < 0)
		return usage_error(cmd,
				   "--format: unknown format '%s' "
				   "(expected vmx or svm)",
				   clip(arg));
	*fmt = (enum msrtrap_format)parsed;
	return -1;
}

int cmd_decode(int argc, char **argv)
{
	enum msrtrap_format fmt = MSRTRAP_FMT_NONE;
	bool json = false;
	const struct cli_opt opts[] = {
		CLI_PARSE("format", 'f', format_option, &fmt, help_format),
		CLI_FLAG("json", 'j', &json, help_json),
		INPUT_OPT_MAX_INPUT,
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "decode",
		.head = decode_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_error("decode", "expected exactly one FILE");
	return decode(argv[optind], fmt, json);
}
