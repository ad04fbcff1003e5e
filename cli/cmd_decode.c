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

#include "msrtrap-cli.h"

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

struct run {
	uint32_t first, last;
};

/* The pass-through runs of one access; caller frees *runs. */
static size_t collect(const struct msrtrap_map *map, unsigned int access,
		      struct run **runs, uint64_t *msrs)
{
	uint64_t cursor = 0;
	size_t n = 0, cap = 0;
	struct run r;

	*runs = NULL;
	*msrs = 0;
	while (msrtrap_map_next_pass(map, access, &cursor, &r.first,
				     &r.last) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			*runs = realloc(*runs, cap * sizeof(**runs));
			if (!*runs)
				abort(); /* the CLI may die on OOM */
		}
		(*runs)[n++] = r;
		*msrs += (uint64_t)r.last - r.first + 1;
	}
	return n;
}

static void print_access_text(const char *label, const struct run *runs,
			      size_t n, uint64_t msrs)
{
	char names[512], span[32];

	if (!n) {
		printf("%s: nothing passes through\n", label);
		return;
	}
	printf("%s: %llu MSR%s through, in %zu interval%s\n", label,
	       (unsigned long long)msrs, msrs == 1 ? " passes" : "s pass", n,
	       n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		if (runs[i].first == runs[i].last)
			snprintf(span, sizeof(span), "0x%08x", runs[i].first);
		else
			snprintf(span, sizeof(span), "0x%08x-0x%08x",
				 runs[i].first, runs[i].last);
		describe_interval(runs[i].first, runs[i].last, 4, names,
				  sizeof(names));
		if (names[0])
			printf("  %-21s %s\n", span, names);
		else
			printf("  %s\n", span);
	}
}

static json_t *access_json(const struct run *runs, size_t n)
{
	json_t *pass = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(pass,
				      json_pack("[I,I]", (json_int_t)runs[i].first,
						(json_int_t)runs[i].last));
	return json_pack("{s:o}", "pass", pass);
}

static int decode(const char *path, enum msrtrap_format fmt, bool json)
{
	struct run *read_runs, *write_runs;
	size_t nr, nw, len;
	uint64_t read_msrs, write_msrs;
	struct msrtrap_map *map;
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

	fmt = msrtrap_map_format(map);
	nr = collect(map, MSRTRAP_READ, &read_runs, &read_msrs);
	nw = collect(map, MSRTRAP_WRITE, &write_runs, &write_msrs);
	if (json) {
		print_json(json_pack("{s:s, s:o, s:o}", "format",
				     msrtrap_format_name(fmt), "read",
				     access_json(read_runs, nr), "write",
				     access_json(write_runs, nw)));
	} else {
		printf("%s: %s, %zu bytes; every MSR not listed is intercepted\n",
		       path, fmt == MSRTRAP_FMT_VMX ? "VMX MSR bitmap" :
						      "SVM MSR permission map",
		       msrtrap_map_size(map));
		print_access_text("read", read_runs, nr, read_msrs);
		print_access_text("write", write_runs, nw, write_msrs);
	}
	free(read_runs);
	free(write_runs);
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
			if (fmt == MSRTRAP_FMT_NONE)
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
