// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decode of a hardware intercept map, text and JSON: what
 * `msrtrap decode` prints, shared with `msrtrap sim`'s print.
 */
#include <stdio.h>
#include <stdlib.h>

#include <msrtrap/msrtrap.h>

#include "cli.h"
#include "util/vec.h"

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
		if (mt_vec_reserve(runs, &cap, n + 1))
			abort(); /* the CLI may die on OOM */
		(*runs)[n++] = r;
		*msrs += (uint64_t)r.last - r.first + 1;
	}
	return n;
}

static void print_access_text(const struct msrtrap_map *map,
			      unsigned int access, const char *label)
{
	char names[512], span[32];
	struct run *runs;
	uint64_t msrs;
	size_t n = collect(map, access, &runs, &msrs);

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
	free(runs);
}

static json_t *access_json(const struct msrtrap_map *map, unsigned int access)
{
	json_t *pass = json_array();
	struct run *runs;
	uint64_t msrs;
	size_t n = collect(map, access, &runs, &msrs);

	for (size_t i = 0; i < n; i++)
		json_array_append_new(pass,
				      json_pack("[I,I]", (json_int_t)runs[i].first,
						(json_int_t)runs[i].last));
	free(runs);
	return json_pack("{s:o}", "pass", pass);
}

void decode_print_text(const char *label, const struct msrtrap_map *map)
{
	printf("%s: %s, %zu bytes; every MSR not listed is intercepted\n",
	       label, msrtrap_map_format(map) == MSRTRAP_FMT_VMX ?
			      "VMX MSR bitmap" : "SVM MSR permission map",
	       msrtrap_map_size(map));
	print_access_text(map, MSRTRAP_READ, "read");
	print_access_text(map, MSRTRAP_WRITE, "write");
}

json_t *decode_json(const struct msrtrap_map *map)
{
	return json_pack("{s:s, s:o, s:o}", "format",
			 msrtrap_format_name(msrtrap_map_format(map)), "read",
			 access_json(map, MSRTRAP_READ), "write",
			 access_json(map, MSRTRAP_WRITE));
}
