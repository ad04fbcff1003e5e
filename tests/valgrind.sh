#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a test under valgrind memcheck: any memory error or definite/indirect
# leak makes the program exit 99. Meant as meson's test wrapper:
#
#   meson test -C BUILD --wrap="$PWD/tests/valgrind.sh"
#
# memcheck is 20-50 times slower, so unless already set this exports
# MSRTRAP_QUICK_TESTS=1 (a twentieth of the unit tests' randomized
# volumes) and MSRTRAP_TEST_SLOWDOWN=50 (time limits 50 times longer);
# give meson --timeout-multiplier too.
#
# An ELF program runs under memcheck directly. A script (the CLI tests)
# runs as it is, but every argument naming an ELF program (the msrtrap
# CLI; not a *.so) is replaced by a shim of the same name that runs it
# under memcheck, so each msrtrap the script starts is checked: memcheck's
# reports go to its stderr, which the CLI tests compare, and its exit
# status becomes 99.
#
# usage: tests/valgrind.sh PROGRAM [ARG...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
vg="valgrind --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
	--track-origins=no -q --suppressions=$here/valgrind.supp"

is_elf() { [ -f "$1" ] && [ -x "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

# a twentieth of the randomized volumes, time limits 50 times longer
export MSRTRAP_QUICK_TESTS="${MSRTRAP_QUICK_TESTS-1}"
export MSRTRAP_TEST_SLOWDOWN="${MSRTRAP_TEST_SLOWDOWN-50}"

[ $# -ge 1 ] || { echo "usage: $0 PROGRAM [ARG...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "$0: valgrind is not installed" >&2; exit 1; }
if is_elf "$1"; then
	# shellcheck disable=SC2086
	exec $vg "$@"
fi

shims=$(mktemp -d)
trap 'rm -rf "$shims"' EXIT
prog=$1
shift
i=0
for arg in "$@"; do
	# programs, not shared libraries (tests/abi/check-exports.py reads one)
	if is_elf "$arg" && case $arg in *.so | *.so.*) false ;; esac; then
		real=$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")
		i=$((i + 1))
		mkdir "$shims/$i"
		arg=$shims/$i/$(basename "$arg")
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$(echo $vg)" "$real" >"$arg"
		chmod +x "$arg"
	fi
	set -- "$@" "$arg"
	shift
done
"$prog" "$@"
