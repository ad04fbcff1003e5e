#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The installed tree: `meson install --destdir` into a temporary directory,
# check every file a package needs is there, then build an out-of-tree
# program against it with pkg-config only (shared and static) and run it.
# TAP on stdout. Writes nothing outside a mktemp directory (except the
# install log meson keeps in BUILDDIR/meson-logs).
#
# usage: install-test.sh BUILDDIR SOURCEDIR
# environment (from tests/meson.build): PREFIX LIBDIR INCLUDEDIR BINDIR
#   MANDIR COMPLETIONSDIR (relative to PREFIX or absolute), HAVE_SCDOC
#   (true/false), CC (the build's compiler command), SANITIZE (b_sanitize)
set -u

builddir=$(cd "$1" && pwd)
srcdir=$(cd "$2" && pwd)
: "${PREFIX:?}" "${LIBDIR:?}" "${INCLUDEDIR:?}" "${BINDIR:?}" "${MANDIR:?}"
: "${COMPLETIONSDIR:?}" "${HAVE_SCDOC:=false}" "${CC:=cc}" "${SANITIZE:=none}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/msrtrap-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
bail() { echo "Bail out! $*"; exit 1; }

# paths under the prefix, as meson resolves its directory options
under_prefix() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PREFIX/$1" ;;
	esac
}
libdir=$stage$(under_prefix "$LIBDIR")
includedir=$stage$(under_prefix "$INCLUDEDIR")
bindir=$stage$(under_prefix "$BINDIR")
mandir=$stage$(under_prefix "$MANDIR")
datadir=$stage$(under_prefix "$DATADIR")
completionsdir=$stage$(under_prefix "$COMPLETIONSDIR")
pcdir=$libdir/pkgconfig

# ---- install ---------------------------------------------------------------
if ! meson install -C "$builddir" --destdir "$stage" --no-rebuild \
	>"$tmp/install.log" 2>&1; then
	sed 's/^/# /' "$tmp/install.log"
	bail "meson install --destdir failed"
fi
ok "meson install --destdir"
# everything went into the stage, nothing elsewhere: every file meson
# reports installing is under it
if grep -E '^Installing .* to ' "$tmp/install.log" | grep -vqF " to $stage/"; then
	grep -E '^Installing .* to ' "$tmp/install.log" | grep -vF " to $stage/" | sed 's/^/# /'
	not_ok "every file installed under DESTDIR"
else
	ok "every file installed under DESTDIR"
fi

# ---- libraries ---------------------------------------------------------------
check "shared library libmsrtrap.so.0 (and the .so link)" \
	test -f "$libdir/libmsrtrap.so.0" -a -L "$libdir/libmsrtrap.so"
soname=$(readelf -d "$libdir/libmsrtrap.so.0" 2>/dev/null |
	sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
check "soname is libmsrtrap.so.0 (got '${soname}')" test "$soname" = libmsrtrap.so.0
check "static library libmsrtrap.a" test -f "$libdir/libmsrtrap.a"

# ---- headers: every public header of the source tree -------------------------
missing=
for h in "$srcdir"/include/msrtrap/*.h; do
	cmp -s "$h" "$includedir/msrtrap/${h##*/}" || missing="$missing ${h##*/}"
done
check "every include/msrtrap/*.h installed unchanged${missing:+ (missing or different:$missing)}" \
	test -z "$missing"
# generated or not, the version macros must ship (the loop above cannot
# notice a header missing from the source tree)
check "msrtrap/version.h installed" test -f "$includedir/msrtrap/version.h"

# ---- pkg-config, programs, man pages, completion ------------------------------
check "msrtrap.pc" test -f "$pcdir/msrtrap.pc"
check "bin/msrtrap" test -x "$bindir/msrtrap"
check "bin/msrtrap-bench" test -x "$bindir/msrtrap-bench"
# its --help documents each option and the exit status (it was one line)
bench_help_ok() {
	local help
	help=$("$builddir/bench/msrtrap-bench" --help 2>&1) || return 1
	grep -q -- '-q, --quick' <<<"$help" && grep -q -- '-j, --json' <<<"$help" &&
		grep -q -- '-h, --help' <<<"$help" && grep -q 'Exit status' <<<"$help"
}
check "msrtrap-bench --help: -q/--quick, -j/--json, -h/--help, exit status" \
	bench_help_ok

if [ "$HAVE_SCDOC" = true ]; then
	for page in man1/msrtrap.1 man1/msrtrap-bench.1 man5/msrtrap-policy.5 man3/libmsrtrap.3; do
		check "man page $page" grep -q '^\.TH' "$mandir/$page"
	done
else
	skip "man pages (scdoc not found)"
fi

# The installed headers and man pages are all a user may have: they cite
# the manuals and the KVM API documentation, never the project's spec
# outside the repository, its invariant numbers or sections, or a commit
# (ux-review c9: 14 lines of include/ did). man pages only when built.
cites=$(grep -n -E 'shared/|spec/|kvm-msr-semantics|live-kvm-notes|kvm-versions|spec §|§ ?[0-9]|[Ii]nvariants? [0-9]|seed patch|d895f28|\bU[0-9]+\b' \
	"$includedir"/msrtrap/*.h $([ "$HAVE_SCDOC" = true ] && echo \
	"$mandir"/man1/msrtrap.1 "$mandir"/man1/msrtrap-bench.1 \
	"$mandir"/man5/msrtrap-policy.5 \
	"$mandir"/man3/libmsrtrap.3) 2>/dev/null | sed "s|^$stage||")
check "installed headers and man pages cite nothing that is not installed${cites:+: $(echo "$cites" | head -3 | tr '\n' ' ')}" \
	test -z "$cites"

# the core for embedders (docs/embedding.md), compilable with the staged
# headers alone, freestanding
check "$DATADIR/msrtrap/msrtrap-core.c (the embeddable core)" \
	"${CC%% *}" -std=c11 -ffreestanding -fsyntax-only -I"$includedir" \
	"$datadir/msrtrap/msrtrap-core.c"

comp=$completionsdir/msrtrap
check "bash completion $COMPLETIONSDIR/msrtrap" bash -n "$comp"
# complete as bash would: COMP_WORDS/COMP_CWORD in, COMPREPLY out
complete_words() { # complete_words WORD... (the last one is completed)
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_msrtrap; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
check "completion: msrtrap co -> compile" \
	test "$(complete_words msrtrap co)" = compile
check "completion: msrtrap compile --to -> kvm c rust vmx svm vmx-c svm-c policy" \
	test "$(complete_words msrtrap compile --to '' | tr '\n' ' ')" = "kvm c rust vmx svm vmx-c svm-c policy "
check "completion: msrtrap verify --a -> --all" \
	test "$(complete_words msrtrap verify --a)" = --all
check "completion: msrtrap verify -a -> -a (short options)" \
	test "$(complete_words msrtrap verify -a)" = -a
check "completion: msrtrap help co -> compile" \
	test "$(complete_words msrtrap help co)" = compile
check "completion: msrtrap help compile '' -> nothing (one COMMAND)" \
	test -z "$(complete_words msrtrap help compile '')"
check "completion: msrtrap query F --json 0x10 --j -> --json (options anywhere)" \
	test "$(complete_words msrtrap query F --json 0x10 --j)" = --json
check "completion: msrtrap query F -- --j -> no option after --" \
	test -z "$(complete_words msrtrap query F -- --j)"
check "completion: msrtrap -V -> -V" \
	test "$(complete_words msrtrap -V)" = -V
check "completion: msrtrap me -> merge" \
	test "$(complete_words msrtrap me)" = merge
check "completion: msrtrap merge --kernel '' -> v6.0 v6.19" \
	test "$(complete_words msrtrap merge --kernel '' | tr '\n' ' ')" = "v6.0 v6.19 "
check "completion: msrtrap merge -c msr-bitmaps,vi -> the next control after the comma" \
	test "$(complete_words msrtrap merge -c msr-bitmaps,vi | tr '\n' ' ')" = "msr-bitmaps,virt-x2apic msr-bitmaps,vid "

# ---- an out-of-tree program, through pkg-config ----------------------------
read -r -a cc <<<"$CC"
san=()
[ "$SANITIZE" != none ] && san=("-fsanitize=$SANITIZE")
pc() { PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$stage pkg-config "$@"; }

if ! flags=$(pc --cflags --libs msrtrap 2>"$tmp/pc.err"); then
	sed 's/^/# /' "$tmp/pc.err"
	not_ok "pkg-config --cflags --libs msrtrap"
else
	ok "pkg-config --cflags --libs msrtrap: $flags"
fi
check "pkg-config points into the staged tree" \
	grep -qF -- "-L$libdir" <<<"$flags"

# shellcheck disable=SC2086 # pkg-config output is a word list
if "${cc[@]}" "${san[@]}" -std=c11 -Wall -Werror -o "$tmp/consumer" \
	"$srcdir/tests/abi/install/consumer.c" $flags >"$tmp/cc.log" 2>&1; then
	ok "build a program against the installed headers and library"
	if LD_LIBRARY_PATH=$libdir "$tmp/consumer" >"$tmp/run.log" 2>&1; then
		ok "run it"
	else
		not_ok "run it"
	fi
	sed 's/^/# /' "$tmp/run.log"
	check "it ran with the staged libmsrtrap.so.0" \
		grep -qF "library: $libdir/libmsrtrap.so.0" "$tmp/run.log"
else
	sed 's/^/# /' "$tmp/cc.log"
	not_ok "build a program against the installed headers and library"
	skip "run it"
	skip "it ran with the staged libmsrtrap.so.0"
fi

# the static library with its private dependencies (Libs.private)
static_libs=$(pc --static --libs msrtrap | sed 's/-lmsrtrap\b/-l:libmsrtrap.a/')
read -r -a static_cflags <<<"$(pc --cflags msrtrap)"
read -r -a static_libs_a <<<"$static_libs"
if "${cc[@]}" "${san[@]}" -std=c11 -Wall -Werror -o "$tmp/consumer-static" \
	"$srcdir/tests/abi/install/consumer.c" "${static_cflags[@]}" "${static_libs_a[@]}" \
	>"$tmp/cc.log" 2>&1; then
	ok "link it statically with libmsrtrap.a ($static_libs)"
	if "$tmp/consumer-static" >"$tmp/run.log" 2>&1 &&
		! grep -q '^library:' "$tmp/run.log"; then
		ok "run it without libmsrtrap.so"
	else
		sed 's/^/# /' "$tmp/run.log"
		not_ok "run it without libmsrtrap.so"
	fi
else
	sed 's/^/# /' "$tmp/cc.log"
	not_ok "link it statically with libmsrtrap.a ($static_libs)"
	skip "run it without libmsrtrap.so"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
