// SPDX-License-Identifier: GPL-2.0-or-later
/* msrtrap names [PATTERN]: search the MSR name database. */
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <msrtrap/msrtrap.h>

#include "common/cli.h"
#include "common/opts.h"

static const char names_head[] =
	"usage: msrtrap names [--json] [PATTERN]\n"
	"\n"
	"List MSRs of the name database: index, canonical name, vendor,\n"
	"description and aliases. PATTERN selects entries:\n"
	"  a number (0x10, 16) or interval (0xc0000080-0xc0000103), by index;\n"
	"  a glob with * ? [ ] (IA32_MTRR_PHYS*), on any name, no case;\n"
	"  anything else, a case-insensitive substring of any name, the MSR\n"
	"  it names exactly (MSR_ prefix optional) listed first.\n"
	"Without PATTERN every entry is listed. Exit 1 when nothing matches.\n"
	"\n";

static const char help_json[] =
	"  -j, --json   print [{\"index\":N,\"name\":...,\"vendor\":...,\n"
	"                \"description\":...,\"aliases\":[...]}, ...]\n";

enum match_kind { MATCH_ALL, MATCH_INDEX, MATCH_GLOB, MATCH_SUBSTRING };

struct matcher {
	enum match_kind kind;
	const char *pattern;
	uint32_t first, last;
	/* a substring that is a whole name: its index is listed first */
	bool exact;
	uint32_t exact_index;
};

static bool name_matches(const struct matcher *m, const char *name)
{
	switch (m->kind) {
	case MATCH_GLOB:
		return fnmatch(m->pattern, name, FNM_CASEFOLD) == 0;
	case MATCH_SUBSTRING:
		return strcasestr(name, m->pattern) != NULL;
	default:
		return true;
	}
}

/*
 * Entries of one index are contiguous, canonical first: [*i, end). Does
 * any name of the group match?
 */
static bool group_matches(const struct matcher *m, size_t i, size_t end,
			  uint32_t index)
{
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	if (m->kind == MATCH_ALL)
		return true;
	if (m->kind == MATCH_INDEX)
		return index >= m->first && index <= m->last;
	if (m->exact && index == m->exact_index)
		return false; /* already listed first */
	for (; i < end; i++)
		if (msrtrap_msr_at(i, &info) == 0 && name_matches(m, info.name))
			return true;
	return false;
}

static size_t group_end(size_t i)
{
	MSRTRAP_OPTS(msrtrap_msr_info, first);
	MSRTRAP_OPTS(msrtrap_msr_info, info);

	msrtrap_msr_at(i, &first);
	while (msrtrap_msr_at(++i, &info) == 0 && info.index == first.index)
		;
	return i;
}

static void print_text(size_t i, size_t end)
{
	MSRTRAP_OPTS(msrtrap_msr_info, c);
	MSRTRAP_OPTS(msrtrap_msr_info, a);

	msrtrap_msr_at(i, &c);
	printf("0x%08x  %-32s %-6s  %s", c.index, c.name,
	       msrtrap_vendor_name(c.vendor), c.description);
	for (size_t j = i + 1; j < end; j++) {
		msrtrap_msr_at(j, &a);
		printf("%s%s", j == i + 1 ? " [aka " : ", ", a.name);
	}
	printf("%s\n", end > i + 1 ? "]" : "");
}

static json_t *entry_json(size_t i, size_t end)
{
	MSRTRAP_OPTS(msrtrap_msr_info, c);
	MSRTRAP_OPTS(msrtrap_msr_info, a);
	json_t *aliases = json_array();

	msrtrap_msr_at(i, &c);
	for (size_t j = i + 1; j < end; j++) {
		msrtrap_msr_at(j, &a);
		json_array_append_new(aliases, json_string(a.name));
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:o}", "index",
			 (json_int_t)c.index, "name", c.name, "vendor",
			 msrtrap_vendor_name(c.vendor), "description",
			 c.description, "aliases", aliases);
}

int cmd_names(int argc, char **argv)
{
	struct matcher m = { .kind = MATCH_ALL };
	bool json = false;
	json_t *out = NULL;
	size_t found = 0;
	const struct cli_opt opts[] = {
		CLI_FLAG("json", 'j', &json, help_json),
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "names",
		.head = names_head,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind > 1)
		return usage_error("names", "at most one PATTERN");
	if (optind < argc) {
		const char *why;

		m.pattern = argv[optind];
		if (*m.pattern >= '0' && *m.pattern <= '9') {
			if (!parse_msr_operand(m.pattern, &m.first, &m.last,
					       &why))
				return fail(clip(m.pattern), "%s", why);
			m.kind = MATCH_INDEX;
		} else if (strpbrk(m.pattern, "*?[")) {
			m.kind = MATCH_GLOB;
		} else {
			MSRTRAP_OPTS(msrtrap_msr_info, info);

			m.kind = MATCH_SUBSTRING;
			m.exact = msrtrap_msr_lookup(m.pattern, &info) == 0;
			m.exact_index = info.index;
		}
	}

	if (json)
		out = json_array();
	if (m.exact) {
		size_t i = msrtrap_msr_lower_bound(m.exact_index);

		found++;
		if (json)
			json_array_append_new(out, entry_json(i, group_end(i)));
		else
			print_text(i, group_end(i));
	}
	for (size_t i = 0, end; i < msrtrap_msr_count(); i = end) {
		MSRTRAP_OPTS(msrtrap_msr_info, info);

		msrtrap_msr_at(i, &info);
		end = group_end(i);
		if (!group_matches(&m, i, end, info.index))
			continue;
		found++;
		if (json)
			json_array_append_new(out, entry_json(i, end));
		else
			print_text(i, end);
	}
	if (json)
		print_json(out);
	if (!found && m.pattern)
		return fail(clip(m.pattern), "%s",
			    msr_name_why(m.pattern, "no MSR matches"));
	return EXIT_OK;
}
