// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * msrtrap sim [--strategy NAME|all] [--json] SCRIPT: replay a scenario of
 * intercept changes, filter installs and vCPU syncs on the intercept
 * engine, one VM per refresh strategy, and check that every strategy
 * produces the same bitmaps (spec §4.4, invariants 33-40). The script
 * format is a contract: docs/sim.md.
 *
 * Two phases: the whole script is parsed first (every error reported, in
 * one pass, nothing run), then every operation is applied to every VM.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msrtrap/msrtrap.h>

#include "common/input.h"
#include "common/cli.h"
#include "common/opts.h"
#include "sim/sim.h"

static const char sim_head[] =
	"usage: msrtrap sim [--strategy NAME|all] [--json] [--allow-paths] SCRIPT\n"
	"\n"
	"Replay SCRIPT, a line-oriented scenario of intercept changes, KVM MSR\n"
	"filter installs and vCPU syncs, on the intercept engine and check its\n"
	"expect lines (format: docs/sim.md). With several strategies (the\n"
	"default, 'all') one VM runs per strategy, every line is applied to\n"
	"each, and after every sync the effective bitmaps of all strategies\n"
	"must be identical byte for byte. Errors in SCRIPT are all reported,\n"
	"as SCRIPT:LINE:COL, before anything runs. SCRIPT may be - for stdin;\n"
	"filter files are relative to the script's directory.\n"
	"\n";

static const char help_strategy[] =
	"  -s, --strategy S  reapply-all, skip-intercepted, recompute, delta or all;\n"
	"                    wins over the script's strategy line\n";

static const char help_json[] =
	"  -j, --json    print one JSON document for the whole run: set-up,\n"
	"                events (sync, expect, print, save, stats, disagree),\n"
	"                totals and \"ok\" (docs/sim.md)\n";

static const char help_allow_paths[] =
	"  --allow-paths  let save write outside the script's directory (an\n"
	"                absolute path, '..', a symlink leading out); without\n"
	"                it a script writes only inside its own directory\n";

static const char sim_tail[] =
	"\n"
	"Exit 0 when every expect holds and the strategies agree, 1 when not,\n"
	"when SCRIPT has errors or cannot be read, 2 on usage errors.\n";

#define MAX_VCPUS 4096u

static int sim(const char *path, int strategy, bool json, bool allow_paths)
{
	struct sim_env env = {
		.read_filter = read_file,
		.max_vcpus = MAX_VCPUS,
		.allow_paths = allow_paths,
	};
	uint8_t *data;
	size_t len;
	int rc = read_file(path, &data, &len);

	if (rc)
		return input_read_fail(path, rc);
	rc = sim_text(path, (char *)data, len, strategy, json, &env);
	free(data);
	return rc;
}

static int strategy_option(const char *cmd, const char *arg, void *strategy)
{
	if (!sim_strategy_parse(arg, strategy))
		return usage_error(cmd,
				   "--strategy: unknown strategy '%s' "
				   "(expected reapply-all, skip-intercepted, "
				   "recompute, delta or all)",
				   clip(arg));
	return -1;
}

int cmd_sim(int argc, char **argv)
{
	int strategy = STRATEGY_UNSET;
	bool json = false, allow_paths = false;
	const struct cli_opt opts[] = {
		CLI_PARSE("strategy", 's', strategy_option, &strategy,
			  help_strategy),
		CLI_FLAG("json", 'j', &json, help_json),
		CLI_FLAG("allow-paths", 0, &allow_paths, help_allow_paths),
		INPUT_OPT_MAX_INPUT,
		CLI_END,
	};
	const struct cli_cmd cmd = {
		.name = "sim",
		.head = sim_head,
		.tail = sim_tail,
		.opts = opts,
	};
	int rc = cli_options(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return usage_error("sim", "expected exactly one SCRIPT");
	return sim(argv[optind], strategy, json, allow_paths);
}
