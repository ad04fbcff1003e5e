#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The source outputs besides --to c (TAP), for every example policy and a
# policy with no range at all:
#  - --to rust compiles with `rustc --edition 2021 -D warnings --crate-type
#    lib`, and a program using it prints exactly the ranges of --to kvm
#    (skipped when rustc is not installed);
#  - --to vmx-c / --to svm-c compile as ISO C11 (-pedantic-errors), are
#    page-aligned and hold --to vmx / --to svm byte for byte;
#  - --to c with no range is ISO C11 too;
#  - --name refuses the keywords of the output's language (exit 2).
#
# usage: emit.sh /path/to/msrtrap SOURCE_ROOT   (CC in the environment)
set -u
msrtrap=$1
src=$2
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf 'default allow\ndeny rw 0x800-0x8ff\n' >"$work/x2apic.policy"
printf '# nothing but a comment\n' >"$work/comment.policy"
policies="$(ls "$src"/examples/*.policy) $work/x2apic.policy $work/comment.policy"
npol=$(echo $policies | wc -w)
keywords="c:int c:while vmx-c:static svm-c:_Bool rust:fn rust:self rust:_ rust:Bitmap rust:KVM_X86_SET_MSR_FILTER"
echo "1..$((npol * 4 + 1 + $(echo $keywords | wc -w) + 2 + 3))"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { if [ "$1" -eq 0 ]; then ok "$2"; else notok "$2"; fi; }
failed=0
have_rustc=0
command -v rustc >/dev/null 2>&1 && have_rustc=1

# Prints the filter the module hands to the ioctl, as driver.c does.
cat >"$work/main.rs" <<'EOF'
fn main() {
    let f = msrfilter::compiled_filter();
    print!("{{\"flags\": {}, \"ranges\": [", f.flags);
    let mut sep = "";
    for r in f.ranges.iter().filter(|r| r.nmsrs != 0) {
        assert!(r.bitmap as usize % 8 == 0, "bitmap not 8-byte aligned");
        let words = (r.nmsrs as usize + 63) / 64 * 8;
        // the kernel copies this many bytes: the static holds them
        let bitmap = unsafe { std::slice::from_raw_parts(r.bitmap, words) };
        print!("{}{{\"flags\": {}, \"base\": {}, \"nmsrs\": {}, \"bitmap\": \"",
               sep, r.flags, r.base, r.nmsrs);
        for b in bitmap {
            print!("{:02x}", b);
        }
        print!("\"}}");
        sep = ", ";
    }
    println!("]}}");
}
EOF

# The ranges of two filter JSON files, exactly: flags, base, nmsrs and the
# bitmap in the whole words the kernel copies.
cat >"$work/same.py" <<'EOF'
import json, sys
def norm(path):
    d = json.load(open(path))
    flags = d.get("flags", 0)
    if "default" in d:
        flags = 1 if d["default"] == "deny" else 0
    out = [flags]
    for r in d["ranges"]:
        f = r["flags"]
        if isinstance(f, list):
            f = (1 if "read" in f else 0) | (2 if "write" in f else 0)
        base = r["base"]
        base = int(base, 0) if isinstance(base, str) else base
        words = (r["nmsrs"] + 63) // 64 * 8
        bm = bytes.fromhex(r["bitmap"]).ljust(words, b"\0")[:words]
        out.append((f, base, r["nmsrs"], bm))
    return out
a, b = norm(sys.argv[1]), norm(sys.argv[2])
if a != b:
    print("# differ:\n#  %r\n#  %r" % (a, b))
    sys.exit(1)
EOF

cat >"$work/map.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include MAP_FILE
int main(void)
{
	if ((uintptr_t)compiled_map % 4096)
		return 1;
	return fwrite(compiled_map, 1, sizeof(compiled_map), stdout) !=
	       sizeof(compiled_map);
}
EOF

for p in $policies; do
	name=$(basename "$p" .policy)
	w="$work/$name"
	mkdir -p "$w"
	"$msrtrap" compile --to kvm -o "$w/f.json" "$p" 2>/dev/null

	if [ "$have_rustc" -eq 0 ]; then
		skip "$name: --to rust compiles with -D warnings" "no rustc"
		skip "$name: --to rust has the ranges of --to kvm" "no rustc"
	else
		"$msrtrap" compile --to rust --name compiled_filter \
			-o "$w/msrfilter.rs" "$p" 2>/dev/null &&
		rustc --edition 2021 -D warnings --crate-type lib \
			--crate-name msrfilter -o "$w/libmsrfilter.rlib" \
			"$w/msrfilter.rs"
		check $? "$name: --to rust compiles with -D warnings"
		rustc --edition 2021 -D warnings --extern \
			msrfilter="$w/libmsrfilter.rlib" -o "$w/main" \
			"$work/main.rs" &&
		"$w/main" >"$w/from-rust.json" &&
		python3 "$work/same.py" "$w/from-rust.json" "$w/f.json"
		check $? "$name: --to rust has the ranges of --to kvm"
	fi

	for fmt in vmx svm; do
		"$msrtrap" compile --to $fmt -o "$w/$fmt.bin" "$p" 2>/dev/null &&
		"$msrtrap" compile --to $fmt-c --name compiled_map \
			-o "$w/$fmt.h" "$p" 2>/dev/null &&
		$cc -std=c11 -pedantic-errors -Wall -Wextra -Werror \
			-DMAP_FILE="\"$w/$fmt.h\"" -o "$w/$fmt-driver" \
			"$work/map.c" &&
		"$w/$fmt-driver" >"$w/$fmt-from-c.bin" &&
		cmp "$w/$fmt.bin" "$w/$fmt-from-c.bin"
		check $? "$name: --to $fmt-c is ISO C, page-aligned, --to $fmt byte for byte"
	done
done

"$msrtrap" compile --to c -o "$work/zero.c" "$work/x2apic.policy" 2>/dev/null &&
$cc -std=c11 -pedantic-errors -Wall -Wextra -Werror -c -o "$work/zero.o" \
	"$work/zero.c"
check $? "--to c with no range is ISO C11"

for kw in $keywords; do
	to=${kw%%:*}
	word=${kw#*:}
	lang=C
	[ "$to" = rust ] && lang=Rust
	"$msrtrap" compile --to "$to" --name "$word" "$src/examples/sandbox.policy" \
		>/dev/null 2>"$work/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "'$word' is a $lang keyword" "$work/err"
	check $? "--to $to --name $word: exit 2, a $lang keyword (got $rc: $(cat "$work/err"))"
done

# a keyword of the other language is a fine name
"$msrtrap" compile --to rust --name int "$src/examples/sandbox.policy" \
	>/dev/null 2>&1
check $? "--to rust --name int is accepted"
"$msrtrap" compile --to c --name fn "$src/examples/sandbox.policy" \
	>/dev/null 2>&1
check $? "--to c --name fn is accepted"
# the input's name cannot end the comment it is quoted in
mkdir "$work/a*"
cp "$src/examples/sandbox.policy" "$work/a*/p.policy"
nl="$work/new
line.policy"
cp "$src/examples/sandbox.policy" "$nl"
for fmt in vmx svm; do
	"$msrtrap" compile --to $fmt-c --name compiled_map -o "$work/odd.h" \
		"$work/a*/p.policy" 2>/dev/null &&
	$cc -std=c11 -pedantic-errors -Wall -Wextra -Werror \
		-DMAP_FILE="\"$work/odd.h\"" -o "$work/odd" "$work/map.c"
	check $? "--to $fmt-c from a file under 'a*/': still C"
done
if [ "$have_rustc" -eq 0 ]; then
	skip "--to rust from a file with a newline in its name" "no rustc"
else
	"$msrtrap" compile --to rust -o "$work/odd.rs" "$nl" 2>/dev/null &&
	rustc --edition 2021 -D warnings --crate-type lib \
		-o "$work/libodd.rlib" "$work/odd.rs"
	check $? "--to rust from a file with a newline in its name: still Rust"
fi
[ "$failed" -eq 0 ]
