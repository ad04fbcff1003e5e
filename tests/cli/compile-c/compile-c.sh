#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `msrtrap compile --to c` (TAP): for every example policy, the C file
# compiles on its own with $CC -Wall -Wextra -Werror (gnu11 and c99), and
# the struct kvm_msr_filter it defines, printed by driver.c, has the
# verdicts of `msrtrap compile --to kvm` (msrtrap diff exits 0).
#
# usage: compile-c.sh /path/to/msrtrap SOURCE_ROOT   (CC in the environment)
set -u
msrtrap=$1
src=$2
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

policies=$(ls "$src"/examples/*.policy)
echo "1..$(( $(echo "$policies" | wc -l) * 3 ))"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
failed=0
for p in $policies; do
	name=$(basename "$p" .policy)
	c="$work/$name.c"
	if "$msrtrap" compile --to c --name compiled_filter -o "$c" "$p" 2>/dev/null &&
	   $cc -std=gnu11 -Wall -Wextra -Werror -c -o "$work/$name.o" "$c" &&
	   $cc -std=c99 -Wall -Wextra -Werror -c -o "$work/$name.o" "$c"; then
		ok "$name: the C file compiles with -Wall -Wextra -Werror"
	else
		notok "$name: the C file compiles with -Wall -Wextra -Werror"
	fi
	if $cc -std=gnu11 -Wall -Wextra -Werror -o "$work/$name-driver" \
		"$src/tests/cli/compile-c/driver.c" "$c" &&
	   "$work/$name-driver" >"$work/$name-from-c.json"; then
		ok "$name: a program links it and reads the filter"
	else
		notok "$name: a program links it and reads the filter"
	fi
	if "$msrtrap" compile --to kvm -o "$work/$name.json" "$p" 2>/dev/null &&
	   "$msrtrap" diff "$work/$name-from-c.json" "$work/$name.json" &&
	   "$msrtrap" check "$work/$name-from-c.json" >/dev/null; then
		ok "$name: the C filter has the verdicts of the JSON filter"
	else
		notok "$name: the C filter has the verdicts of the JSON filter"
	fi
done
[ "$failed" -eq 0 ]
