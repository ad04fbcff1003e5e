#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run every libFuzzer harness of a -Dfuzz=true build for a while
# (docs/fuzzing.md), seeded from fuzz/corpus/HARNESS and
# fuzz/regressions/HARNESS; new inputs go to BUILD/fuzz-smoke/HARNESS, not
# into the source tree. On a crash the input is replayed once with the
# harness's message visible, and the script fails naming the file to copy
# into fuzz/regressions/HARNESS/.
#
# usage: fuzz/smoke.sh BUILD [SECONDS-PER-HARNESS [HARNESS...]]
set -eu
cd "$(dirname "$0")/.."
build=$1
secs=${2:-10}
shift $(($# < 2 ? $# : 2))
harnesses=${*:-policy filter_json map sim engine}

status=0
for h in $harnesses; do
	bin=$build/fuzz/fuzz-$h
	out=$build/fuzz-smoke/$h
	mkdir -p "$out" "$build/fuzz-smoke/crashes-$h"
	case $h in
	map) max_len=8192 ;;
	filter_json) max_len=16384 ;;
	*) max_len=4096 ;;
	esac
	# the sim harness reports script errors on stderr by design
	mask=1
	[ "$h" = sim ] && mask=3
	log=$build/fuzz-smoke/$h.log
	if "$bin" -max_total_time="$secs" -timeout=25 -max_len="$max_len" \
		-close_fd_mask="$mask" -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-smoke/crashes-$h/" \
		"$out" "fuzz/corpus/$h" "fuzz/regressions/$h" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz-$h: ${runs:-?} runs in ${secs} s, no crash"
	else
		status=1
		echo "fuzz-$h: FAILED (log: $log)"
		tail -n 40 "$log"
		for crash in "$build/fuzz-smoke/crashes-$h"/*; do
			[ -f "$crash" ] || continue
			echo "--- replaying $crash (copy it into fuzz/regressions/$h/):"
			"$bin" "$crash" 2>&1 | tail -n 30 || true
		done
	fi
done
exit $status
