#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The embeddable core as docs/embedding.md tells a hypervisor to take it:
#  1. examples/embed/hypervisor.c + the generated msrtrap-core.c, built
#     -ffreestanding -nostdlib -static with gcc and clang at -O0 and -O2,
#     link with no undefined symbol;
#  2. a meson project with msrtrap as a subproject gets the core through
#     dependency('msrtrap-core') and builds the same program.
# TAP. usage: embed.sh SRCDIR MSRTRAP_CORE_C
set -u
src=$1
core=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; fails=$((fails + 1)); }

build() { # build CC OPT
	extra=""
	if "$1" --version 2>/dev/null | grep -qi gcc; then
		extra="-fno-tree-loop-distribute-patterns"
	fi
	# shellcheck disable=SC2086
	"$1" -std=c11 "$2" -ffreestanding -nostdlib -static -fno-builtin \
		-fno-stack-protector $extra -Wall -Wextra -Werror \
		-I"$src/include" "$src/examples/embed/hypervisor.c" "$core" \
		-o "$out/hv" 2>"$out/log"
}

echo "1..5"
for cc in gcc clang; do
	for opt in -O0 -O2; do
		if ! command -v "$cc" >/dev/null; then
			ok "# SKIP $cc not installed"
			continue
		fi
		if build "$cc" "$opt" && [ -z "$(nm -u "$out/hv")" ]; then
			ok "examples/embed/hypervisor.c + msrtrap-core.c: $cc $opt, freestanding, nothing undefined"
		else
			nm -u "$out/hv" 2>/dev/null | sed 's/^/# undefined: /'
			sed 's/^/# /' "$out/log"
			not_ok "examples/embed/hypervisor.c + msrtrap-core.c: $cc $opt"
		fi
	done
done

# 2. as a meson subproject
if ! command -v meson >/dev/null || ! command -v ninja >/dev/null; then
	ok "# SKIP meson or ninja not installed"
	exit 0
fi
mkdir -p "$out/hv-project/subprojects"
ln -s "$(cd "$src" && pwd)" "$out/hv-project/subprojects/msrtrap"
cp "$src/examples/embed/hypervisor.c" "$out/hv-project/"
cat >"$out/hv-project/meson.build" <<'EOF2'
project('hv', 'c', default_options: ['c_std=c11'])
core = dependency('msrtrap-core', fallback: ['msrtrap', 'msrtrap_core_dep'])
extra = meson.get_compiler('c').get_id() == 'gcc' ? ['-fno-tree-loop-distribute-patterns'] : []
executable('hv', 'hypervisor.c', dependencies: core,
	c_args: ['-ffreestanding', '-fno-builtin', '-fno-stack-protector'] + extra,
	link_args: ['-nostdlib', '-static'], pie: false)
EOF2
if (cd "$out/hv-project" && meson setup build -Dmsrtrap:tests=false >"$out/log" 2>&1 &&
	ninja -C build hv >>"$out/log" 2>&1) && [ -z "$(nm -u "$out/hv-project/build/hv")" ]; then
	ok "a meson project gets the core as dependency('msrtrap-core') (subproject) and links freestanding"
else
	sed 's/^/# /' "$out/log" | tail -20
	not_ok "a meson project gets the core as dependency('msrtrap-core') (subproject)"
fi
[ "$fails" -eq 0 ]
