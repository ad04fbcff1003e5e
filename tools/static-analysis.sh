#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Static analysis of lib/ and cli/, every finding an error (a CI step):
#  - cppcheck --enable=warning,performance,portability, one configuration
#    (the build's: -D_GNU_SOURCE and config.h), inline suppressions
#    (`// cppcheck-suppress ID ; reason`) allowed;
#  - clang-tidy with the checked-in .clang-tidy over the files of the meson
#    compile_commands.json under lib/ and cli/ (not tests, not generated
#    sources).
#
# usage: tools/static-analysis.sh [BUILDDIR]   (configured, default: build)
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
build=${1:-build}
[ -f "$build/compile_commands.json" ] ||
	{ echo "static-analysis: no $build/compile_commands.json (meson setup $build)" >&2; exit 1; }
# generated headers the sources include
ninja -C "$build" --quiet lib/names/msr_db_table.c >/dev/null 2>&1 || true

echo "cppcheck $(cppcheck --version | sed 's/^Cppcheck //')"
cppcheck --enable=warning,performance,portability --error-exitcode=1 \
	--inline-suppr --quiet --std=c11 --platform=unix64 \
	--suppress=missingIncludeSystem \
	-D_GNU_SOURCE -D__x86_64__ -I include -I lib -I "$build" \
	--include="$build/config.h" \
	lib cli

echo "$(clang-tidy --version | grep -i version | sed 's/^ *//')"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
# one compile command per file (the first): files built into several
# targets (cli/common/util.c also into the fuzz drivers) would be analyzed once per
# command in one process, which makes clang-tidy 14 report va_lists as
# uninitialized
python3 - "$build/compile_commands.json" "$src" >"$tmp/compile_commands.json" <<'PY'
import json, os, re, sys
seen, keep = set(), []
for e in json.load(open(sys.argv[1])):
    path = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if path in seen or not re.match(re.escape(sys.argv[2]) + r"/(lib|cli)/.*\.c$", path):
        continue
    seen.add(path)
    keep.append(e)
json.dump(keep, sys.stdout, indent=1)
PY
rc=0
run-clang-tidy -p "$tmp" -quiet >"$log" 2>&1 || rc=$?
# the findings, without colours and per-file noise
sed 's/\x1b\[[0-9;]*m//g' "$log" |
	grep -v -e '^[0-9]* warnings\? generated\.$' -e '^clang-tidy-[0-9]* ' \
		-e '^Suppressed [0-9]* warnings' -e '^Use -header-filter=' \
		-e '^Running clang-tidy for' -e '^[0-9]* warnings\? treated as errors' || true
[ "$rc" -eq 0 ] && echo "static analysis: clean"
exit "$rc"
