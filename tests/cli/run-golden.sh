#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# CLI golden tests (TAP). Each cases/NAME.cmd holds one shell command line
# run with `msrtrap` on PATH, in a scratch directory that holds the test
# inputs made by setup.sh and a link to the repository's examples/. Its
# stdout must equal NAME.out, its stderr NAME.err (empty when the file is
# absent), its exit status NAME.rc (0 when absent).
#
# MSRTRAP_UPDATE_GOLDEN=1 rewrites the expected files from the actual ones.
#
# usage: run-golden.sh /path/to/msrtrap CASEDIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cases=$(cd "$2" && pwd)
src=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/bin"
ln -s "$bin" "$work/bin/msrtrap"
ln -s "$src/examples" "$work/examples"
(cd "$work" && SRC=$src sh "$cases/setup.sh") || { echo "Bail out! setup failed"; exit 1; }

total=$(ls "$cases"/cases/*.cmd | wc -l)
echo "1..$total"
n=0
failed=0
for cmd in "$cases"/cases/*.cmd; do
	n=$((n + 1))
	name=$(basename "$cmd" .cmd)
	base=${cmd%.cmd}
	(cd "$work" && PATH="$work/bin:$PATH" sh -c "$(cat "$cmd")" \
		>"$work/out" 2>"$work/err")
	rc=$?
	if [ "${MSRTRAP_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$work/out" "$base.out"
		if [ -s "$work/err" ]; then cp "$work/err" "$base.err"; else rm -f "$base.err"; fi
		if [ "$rc" -ne 0 ]; then echo "$rc" >"$base.rc"; else rm -f "$base.rc"; fi
	fi
	want_rc=0
	[ -f "$base.rc" ] && want_rc=$(cat "$base.rc")
	[ -f "$base.err" ] && want_err="$base.err" || want_err=/dev/null
	why=""
	[ "$rc" -eq "$want_rc" ] || why="exit $rc, want $want_rc"
	cmp -s "$work/out" "$base.out" || why="$why stdout differs"
	cmp -s "$work/err" "$want_err" || why="$why stderr differs"
	if [ -z "$why" ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name: $why"
		echo "#   \$ $(cat "$cmd")"
		diff -u "$base.out" "$work/out" | sed 's/^/#   /' | head -40
		diff -u "$want_err" "$work/err" | sed 's/^/#   /' | head -10
	fi
done
[ "$failed" -eq 0 ]
