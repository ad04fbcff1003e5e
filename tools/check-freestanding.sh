#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The core (lib/core: maps, filter evaluation, engine) must build for a
# hypervisor: no libc, no libgcc helpers, no hidden memset/memcpy calls.
# Build it as a shared object with -ffreestanding -nostdlib and
# -Wl,-z,defs, so any undefined symbol fails the link. TAP output.
#
# Usage: check-freestanding.sh SRCDIR   (CC selects the compiler)
set -u
src=${1:-.}
cc=${CC:-cc}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# gcc turns fill loops into memset calls unless told not to; embedders
# building the core with gcc should pass the same flag.
extra=""
if $cc --version 2>/dev/null | grep -qi gcc; then
	extra="-fno-tree-loop-distribute-patterns"
fi

n=0
fails=0
echo "1..4"
for opt in -O0 -O2 -Os -O3; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	if $cc -std=c11 $opt -ffreestanding -nostdlib -fno-builtin \
		-fno-stack-protector -fPIC -shared -Wl,-z,defs $extra \
		-Wall -Wextra -Werror -Wno-unused-parameter \
		-I"$src/include" -I"$src/lib" \
		"$src"/lib/core/*.c -o "$out/core.so" 2>"$out/log"; then
		echo "ok $n - core links freestanding with $opt"
	else
		echo "not ok $n - core links freestanding with $opt"
		sed 's/^/# /' "$out/log"
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ]
