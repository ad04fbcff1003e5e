#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The CLI's error paths (TAP):
#  - every input failure exits 1 (diff: 2, "trouble") with stderr lines
#    that each name the file and the line:column or field (or, for a file
#    that cannot be used at all, "msrtrap: FILE: why"); one line per
#    problem;
#  - every usage error exits 2 with one line pointing at --help;
#  - the writers never leave a partial file: `compile -o OUT` and sim's
#    `save` past RLIMIT_FSIZE (a full disk, as far as write() can tell)
#    exit 1 naming the file, leave no OUT and no temporary file, and leave
#    an OUT that existed before unchanged; the CLI is not killed by
#    SIGXFSZ (it ignores it, so write() fails with EFBIG); stdout past the
#    limit is an error too;
#  - a SIGINT while the temporary file exists (INTERRUPT_FSYNC_SO, an
#    LD_PRELOAD shim, raises it inside fsync()) waits until the file is
#    renamed: msrtrap dies of the signal, OUT is complete, no temporary
#    file is left.
#
# usage: error-paths.sh /path/to/msrtrap SOURCE_ROOT INTERRUPT_FSYNC_SO
set -u
interrupt_so=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
. "$(dirname "$0")/tap.sh"

# run WANT_RC LINE_REGEX... -- ARGS: msrtrap ARGS exits WANT_RC and its
# stderr has one line per LINE_REGEX, in order, each matching it (ERE).
run() {
	want=$1
	shift
	nre=0
	for re in "$@"; do
		[ "$re" = -- ] && break
		nre=$((nre + 1))
	done
	i=0
	for re in "$@"; do
		i=$((i + 1))
		[ "$i" -gt "$nre" ] && break
		eval "re_$i=\$re"
	done
	shift $((nre + 1))
	"$bin" "$@" >out 2>err
	rc=$?
	what="msrtrap $* -> exit $want, $nre line(s)"
	if [ "$rc" -ne "$want" ]; then
		notok "$what (exit $rc)"
		return
	fi
	if [ "$(wc -l <err)" -ne "$nre" ]; then
		notok "$what ($(wc -l <err) lines)"
		return
	fi
	i=0
	while IFS= read -r line; do
		i=$((i + 1))
		eval "re=\$re_$i"
		if ! printf '%s\n' "$line" | grep -Eq -- "$re"; then
			notok "$what (line $i does not match $re)"
			return
		fi
	done <err
	ok "$what"
}

# ---- inputs ----
cp "$src/examples/sandbox.policy" good.policy
printf 'default deny\nallow r 0x10\nallow rw NO_SUCH_MSR\n' >one-error.policy
printf 'default deny\nallow x 0x10\nallow rw NO_SUCH_MSR\n' >two-errors.policy
printf '{"default": "deny", "ranges": [{"flags": ["read"], "base": "0x10", "nmsrs": 1, "bitmap": "zz"}]}\n' >bad-field.json
printf '{"default": "deny", "ranges": [{"flags": ["read"], "base": "0x10", "nmsrs": 70000, "bitmap": "00"}]}\n' >bad-check.json
printf '{"default": "deny",\n "ranges": [' >truncated.json
head -c 100 /dev/zero >short.bin
printf 'vendor vmx\nvcpus 0\n' >bad-vcpus.sim
printf 'vendor vmx\nvcpus 1\nfrobnicate 0\n' >bad-op.sim
printf 'vendor vmx\nvcpus 1\nfilter missing.json\n' >missing-filter.sim
printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 saved/v0.vmx\n' >save.sim

planned=72
echo "1..$planned"

# ---- input failures: exit 1, every line names file and line:col/field ----
run 1 '^bad-field\.json: EINVAL: ranges\[0\]\.bitmap: ' -- check bad-field.json
run 1 '^bad-check\.json: ' -- check bad-check.json
run 1 '^truncated\.json: EINVAL: line 2, column [0-9]+: ' -- check truncated.json
run 1 '^msrtrap: short\.bin: 100 bytes: not a policy' -- check short.bin
run 1 '^msrtrap: missing\.json: cannot read: No such file' -- check missing.json
run 1 '^msrtrap: [^ ]+: Is a directory|^msrtrap: \.: cannot read' -- check .
run 1 '^one-error\.policy:3:10: error: ' -- check one-error.policy
run 1 '^two-errors\.policy:2:7: error: ' '^two-errors\.policy:3:10: error: ' -- check two-errors.policy
run 1 '^one-error\.policy:3:10: error: ' -- query one-error.policy 0x10
run 1 '^msrtrap: NO_SUCH: unknown MSR name' -- query good.policy NO_SUCH
run 1 '^msrtrap: 0x1ffffffff: not a 32-bit MSR number' -- query good.policy 0x1ffffffff
run 1 '^bad-field\.json: EINVAL: ranges\[0\]\.bitmap: ' -- query bad-field.json 0x10
run 1 '^bad-field\.json: EINVAL: ranges\[0\]\.bitmap: ' -- explain bad-field.json 0x10
run 1 '^one-error\.policy:3:10: error: ' -- explain one-error.policy 0x10
run 1 '^one-error\.policy:3:10: error: ' -- compile one-error.policy
run 1 '^truncated\.json: EINVAL: line 2, column [0-9]+: ' -- compile --to c truncated.json
run 1 '^msrtrap: short\.bin: 100 bytes' -- compile short.bin
run 1 '^msrtrap: short\.bin: 100 bytes is not a VMX bitmap' -- decode short.bin
run 1 '^msrtrap: missing\.vmx: cannot read: ' -- decode missing.vmx
run 1 '^bad-vcpus\.sim:2:[0-9]+: error: ' -- sim bad-vcpus.sim
run 1 '^bad-op\.sim:3:[0-9]+: error: ' -- sim bad-op.sim
run 1 '^missing-filter\.sim:3:[0-9]+: error: missing\.json: cannot read' -- sim missing-filter.sim
run 1 '^msrtrap: missing\.sim: cannot read: ' -- sim missing.sim
# a bad option value is a usage error naming the option (exit 2, as an
# unknown option): every option of the tables that takes a value
run 2 "^msrtrap sim: --strategy: unknown strategy 'nope'.*--help" -- sim --strategy nope save.sim
run 2 "^msrtrap check: --format: .*'msrtrap check --help'" -- check --format nope good.policy
run 2 "^msrtrap query: --format: " -- query --format nope good.policy 0x10
run 2 "^msrtrap explain: --format: " -- explain --format nope good.policy 0x10
run 2 "^msrtrap compile: --format: " -- compile --format nope good.policy
run 2 "^msrtrap decode: --format: " -- decode --format nope short.bin
run 2 "^msrtrap compile: unknown target 'nope'" -- compile --to nope good.policy
run 2 "^msrtrap compile: --name '1x' is not a C identifier" -- compile --to c --name 1x good.policy
run 2 "^msrtrap diff: --max-input: '12X' is not a size" -- diff --max-input 12X good.policy good.policy
run 2 "^msrtrap sim: --max-input: '0' is not a size" -- sim --max-input 0 save.sim
run 1 '^one-error\.policy:3:10: error: ' -- verify one-error.policy
run 2 '^one-error\.policy:3:10: error: ' -- diff one-error.policy good.policy
run 2 '^msrtrap: short\.bin: 100 bytes' -- diff good.policy short.bin

# -o naming a directory, with or without the slash: "Is a directory"
# (review D11: 'dir/' said "Not a directory")
mkdir -p outdir
run 1 '^msrtrap: outdir/: cannot write: Is a directory$' -- compile good.policy -o outdir/
run 1 '^msrtrap: outdir: cannot write: Is a directory$' -- compile good.policy -o outdir

# a sim filter that is no JSON document: said so, its content not quoted
# (review D7: 'filter /etc/shadow' quoted the file's first word)
printf 'root:secret:1:\n' >notjson.txt
printf 'filter notjson.txt\n' >notjson.sim
run 1 "^notjson\.sim:1:8: error: notjson\.txt: not a KVM filter in the JSON format \(no '\{' starts it\)\$" -- sim notjson.sim

# a sim filter past the input limit is worded as every command words it
head -c 2000 /dev/zero >big.bin
printf 'filter big.bin\n' >bigf.sim
run 1 '^bigf\.sim:1:8: error: big\.bin: larger than 1024 bytes \(see --max-input\)$' -- sim --max-input 1K bigf.sim

# ---- usage errors: exit 2, one line pointing at --help ----
help='\(see .msrtrap( [a-z-]+)? --help.\)$'
"$bin" >out 2>err
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s out ] && head -n 1 err | grep -q '^usage: msrtrap '; then
	ok "msrtrap with no command: exit 2, the usage on stderr"
else
	notok "msrtrap with no command: exit $rc"
fi
run 2 "^msrtrap: unknown command 'frob' $help" -- frob
run 2 "^msrtrap names: bad option '--bogus' $help" -- names --bogus
run 2 "^msrtrap decode: .*$help" -- decode
run 2 "^msrtrap check: .*$help" -- check
run 2 "^msrtrap check: bad option '-z' $help" -- check -z good.policy
run 2 "^msrtrap query: .*$help" -- query good.policy
run 2 "^msrtrap explain: .*$help" -- explain
run 2 "^msrtrap sim: .*$help" -- sim
run 2 "^msrtrap compile: unknown target 'nope' .*$help" -- compile --to nope good.policy
run 2 "^msrtrap compile: option '-o' needs an argument $help" -- compile good.policy -o
run 2 "^msrtrap diff: .*$help" -- diff good.policy
run 2 "^msrtrap verify: bad option '--bogus' $help" -- verify --bogus good.policy
run 2 "^msrtrap kvm-check: .*$help" -- kvm-check extra

# ---- an operand of any length is quoted in a short line ----
# (review D11: a 100 KB MSR name was printed back in full); clipped to 64
# bytes, its first 30 and last 31 around "..."
long=$(head -c 100000 /dev/zero | tr '\0' A)
cut='A{30}\.\.\.A{31}'
run 1 "^msrtrap: $cut: no MSR matches\$" -- names "$long"
run 1 "^msrtrap: $cut: unknown MSR name\$" -- explain good.policy "$long"
run 1 "^msrtrap: 0x10-A{25}\.\.\.A{31}: unknown MSR name\$" -- query good.policy "0x10-$long"
run 2 "^msrtrap check: --format: unknown format '$cut' " -- check --format "$long" good.policy
run 2 "^msrtrap: unknown command '$cut' " -- "$long"
run 2 "^msrtrap names: bad option '--A{28}\.\.\.A{31}' " -- names "--$long"
printf 'vendor vmx\nvcpus 1\nintercept 0 %s r on\n' "$long" >long.sim
run 1 "^long\.sim:3:13: error: unknown MSR name '$cut'\$" -- sim long.sim
# a path is cut at 256 bytes (the kernel refuses it before)
run 1 "^msrtrap: A{126}\.\.\.A{127}: cannot read: File name too long\$" -- check "$long"

# ---- writers: nothing partial, ever ----
# leftovers DIR: the files other than the expected ones (temporaries)
leftovers() { ls -A "$1"; }

# compile -o past RLIMIT_FSIZE (1 block; the C file is several KiB)
mkdir fresh
(ulimit -f 1; exec "$bin" compile "$src/examples/cloud-profile.policy" --to c -o fresh/out.c) >out 2>err
rc=$?
if [ "$rc" -eq 1 ] && [ -z "$(leftovers fresh)" ] &&
   [ "$(cat err)" = "msrtrap: fresh/out.c: cannot write: File too large" ]; then
	ok "compile -o past RLIMIT_FSIZE: exit 1, one line naming OUT, no OUT, no temporary file"
else
	notok "compile -o past RLIMIT_FSIZE: exit $rc, left: $(leftovers fresh | tr '\n' ' ')"
fi

# ... and an OUT that existed before is unchanged
mkdir old
printf 'the old contents\n' >old/out.c
cp old/out.c before.c
(ulimit -f 1; exec "$bin" compile "$src/examples/cloud-profile.policy" --to c -o old/out.c) >out 2>err
rc=$?
if [ "$rc" -eq 1 ] && cmp -s old/out.c before.c && [ "$(leftovers old)" = out.c ]; then
	ok "compile -o past RLIMIT_FSIZE: an existing OUT is unchanged, no temporary file"
else
	notok "compile -o past RLIMIT_FSIZE over an existing OUT: exit $rc, left: $(leftovers old | tr '\n' ' ')"
fi

# a binary map (8192 bytes) the same way
(ulimit -f 1; exec "$bin" compile good.policy --to svm -o fresh/out.svm) >out 2>err
rc=$?
if [ "$rc" -eq 1 ] && [ -z "$(leftovers fresh)" ]; then
	ok "compile --to svm -o past RLIMIT_FSIZE: exit 1, nothing left"
else
	notok "compile --to svm -o past RLIMIT_FSIZE: exit $rc, left: $(leftovers fresh | tr '\n' ' ')"
fi

# stdout past the limit: an error, not death by SIGXFSZ
(ulimit -f 1; exec "$bin" compile "$src/examples/cloud-profile.policy" --to c >fresh/stdout.c) 2>err
rc=$?
if [ "$rc" -eq 1 ] && [ "$(cat err)" = "msrtrap: <stdout>: cannot write: File too large" ]; then
	ok "compile to stdout past RLIMIT_FSIZE: exit 1 naming stdout"
else
	notok "compile to stdout past RLIMIT_FSIZE: exit $rc"
fi
rm -f fresh/stdout.c

# Ctrl-C while the temporary file is being written: the signal waits for
# the rename, then kills msrtrap (128 + SIGINT); OUT complete, nothing else
# ("verify_asan_link_order=0": the shim precedes ASan's runtime)
mkdir intr
"$bin" compile good.policy --to kvm >want-intr.json 2>/dev/null
(export LD_PRELOAD="$interrupt_so" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
 exec "$bin" compile good.policy --to kvm -o intr/out.json) >out 2>err
rc=$?
if [ "$rc" -eq 130 ] && cmp -s intr/out.json want-intr.json &&
   [ "$(leftovers intr)" = out.json ]; then
	ok "SIGINT while writing -o: delivered after the rename, OUT complete, no temporary file"
else
	notok "SIGINT while writing -o: exit $rc, left: $(leftovers intr | tr '\n' ' ')"
fi

# -o into a directory that does not exist: one line, nothing made
run 1 '^msrtrap: nodir/out\.json: cannot write: No such file or directory$' -- compile good.policy -o nodir/out.json

# a successful -o: complete, with the umask's mode, no temporary file
(umask 027; exec "$bin" compile good.policy --to kvm -o fresh/out.json) 2>err
rc=$?
"$bin" compile good.policy --to kvm >want.json 2>/dev/null
mode=$(stat -c %a fresh/out.json 2>/dev/null)
if [ "$rc" -eq 0 ] && cmp -s fresh/out.json want.json && [ "$mode" = 640 ] &&
   [ "$(leftovers fresh)" = out.json ]; then
	ok "compile -o: complete, mode 0666 & ~umask, no temporary file"
else
	notok "compile -o: exit $rc, mode $mode, left: $(leftovers fresh | tr '\n' ' ')"
fi
rm -f fresh/out.json

# sim's save past RLIMIT_FSIZE: the script's line, the existing map kept
mkdir saved
"$bin" sim save.sim >/dev/null 2>err
rc=$?
if [ "$rc" -eq 0 ] && [ "$(stat -c %s saved/v0.vmx 2>/dev/null)" = 4096 ] &&
   [ "$(leftovers saved)" = v0.vmx ]; then
	ok "sim save: a 4096-byte map, no temporary file"
else
	notok "sim save: exit $rc, left: $(leftovers saved | tr '\n' ' ')"
fi
printf 'not a map\n' >saved/v0.vmx
cp saved/v0.vmx before.vmx
(ulimit -f 1; exec "$bin" sim save.sim) >out 2>err
rc=$?
if [ "$rc" -eq 1 ] && cmp -s saved/v0.vmx before.vmx && [ "$(leftovers saved)" = v0.vmx ] &&
   [ "$(cat err)" = "save.sim:4: error: saved/v0.vmx: File too large" ]; then
	ok "sim save past RLIMIT_FSIZE: exit 1, one line with the script line, old map kept, no temporary file"
else
	notok "sim save past RLIMIT_FSIZE: exit $rc, left: $(leftovers saved | tr '\n' ' ')"
fi
rm saved/v0.vmx
(ulimit -f 1; exec "$bin" sim save.sim) >out 2>err
rc=$?
if [ "$rc" -eq 1 ] && [ -z "$(leftovers saved)" ]; then
	ok "sim save past RLIMIT_FSIZE: no partial map"
else
	notok "sim save past RLIMIT_FSIZE, no map before: exit $rc, left: $(leftovers saved | tr '\n' ' ')"
fi

[ "$n" -eq "$planned" ] || { echo "# ran $n tests, planned $planned"; failed=$((failed + 1)); }
[ "$failed" -eq 0 ]
