#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Where the CLI's output goes (TAP):
#  - output files (compile -o, sim's save; cli/common/util.c's one
#    writer): a regular file is replaced atomically keeping its mode (and,
#    as root, owner); a symlink is followed and its target replaced; a
#    device, a FIFO or /dev/stdout is written through, never replaced; a
#    file with other hard links is refused; -o naming the input, through
#    any path, is refused, and so is a sim save over its own script;
#  - stdout: every command exits 1 (diff: 2) with one line
#    "msrtrap: <stdout>: cannot write: REASON" when what it printed did not
#    reach stdout (/dev/full, a closed stdout, RLIMIT_FSIZE).
#
# usage: output-files.sh /path/to/msrtrap SOURCE_ROOT
set -u
. "$(dirname "$0")/tap.sh"
# check WHAT CONDITION...: ok when the shell condition holds
check() {
	what=$1
	shift
	if eval "$*"; then ok "$what"; else notok "$what (rc $rc)"; fi
}
leftovers() { ls -A "$1" | tr '\n' ' '; }
one_line_err() { [ "$(wc -l <err)" -eq 1 ]; }

pol=$src/examples/sandbox.policy
"$bin" compile "$pol" >want.json 2>/dev/null
"$bin" compile "$pol" --to policy >want.policy 2>/dev/null
printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 %s\n' d/null >save-dev.sim
printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 %s\n' d/link.vmx >save-link.sim
mkdir d

planned=67
echo "1..$planned"

# ---- output files ----
# a character device (a private null device, never the real /dev/null)
if mknod d/null c 1 3 2>/dev/null; then
	"$bin" compile "$pol" -o d/null 2>err
	rc=$?
	check "compile -o CHARDEV: written through, still a character device" \
		'[ $rc -eq 0 ] && [ -c d/null ] && [ "$(stat -c %t,%T d/null)" = 1,3 ] &&
		 [ "$(leftovers d)" = "null " ]'
	"$bin" sim save-dev.sim >/dev/null 2>err
	rc=$?
	check "sim save to a CHARDEV: written through, still a character device" \
		'[ $rc -eq 0 ] && [ -c d/null ] && [ "$(leftovers d)" = "null " ]'
	rm d/null
else
	ok "# SKIP compile -o CHARDEV: mknod not permitted"
	ok "# SKIP sim save to a CHARDEV: mknod not permitted"
fi

# a FIFO: its reader gets the output
mkfifo d/fifo
timeout 10 cat d/fifo >got &
reader=$!
timeout 10 "$bin" compile "$pol" -o d/fifo 2>err
rc=$?
[ $rc -eq 0 ] || timeout 1 sh -c ': >d/fifo' 2>/dev/null # let cat end
wait $reader
check "compile -o FIFO: written through to its reader, still a FIFO" \
	'[ $rc -eq 0 ] && [ -p d/fifo ] && cmp -s got want.json'
rm d/fifo

# a socket: cannot be opened for writing, and is not replaced
if python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' d/sock 2>/dev/null; then
	"$bin" compile "$pol" -o d/sock 2>err
	rc=$?
	check "compile -o SOCKET: exit 1 naming it, still a socket" \
		'[ $rc -eq 1 ] && [ -S d/sock ] && [ "$(wc -l <err)" -eq 1 ] &&
		 grep -q "^msrtrap: d/sock: cannot write: " err'
	rm d/sock
else
	ok "# SKIP compile -o SOCKET: no python3 to make one"
fi

# /dev/stdout: what it is open to gets the output. A link of our own to
# /proc/self/fd/1, as /dev/stdout is: a writer that replaced what it names
# must not get to replace the system's.
ln -s /proc/self/fd/1 d/stdout
"$bin" compile "$pol" -o d/stdout >got 2>err
rc=$?
check "compile -o /dev/stdout: the output on stdout" \
	'[ $rc -eq 0 ] && cmp -s got want.json && [ -L d/stdout ]'
"$bin" compile "$pol" -o d/stdout 2>err | cat >got
check "compile -o /dev/stdout into a pipe: the output through the pipe" \
	'cmp -s got want.json && [ -L d/stdout ]'
rm d/stdout

# a symlink: followed, its target replaced, the link kept
mkdir d/real
printf 'old\n' >d/real/target.json
chmod 600 d/real/target.json
ln -s real/target.json d/link.json
"$bin" compile "$pol" -o d/link.json 2>err
rc=$?
check "compile -o SYMLINK: the target replaced (mode 600 kept), the link kept" \
	'[ $rc -eq 0 ] && [ -L d/link.json ] && cmp -s d/real/target.json want.json &&
	 [ "$(stat -c %a d/real/target.json)" = 600 ] &&
	 [ "$(leftovers d/real)" = "target.json " ]'
# a chain of links, the last one dangling: the file it names is made
ln -s link2.json d/link1.json
ln -s real/new.json d/link2.json
"$bin" compile "$pol" -o d/link1.json 2>err
rc=$?
check "compile -o a dangling chain of SYMLINKs: makes the file the last names" \
	'[ $rc -eq 0 ] && [ -L d/link1.json ] && [ -L d/link2.json ] &&
	 cmp -s d/real/new.json want.json'
ln -s loop.json d/loop.json
"$bin" compile "$pol" -o d/loop.json 2>err
rc=$?
check "compile -o a SYMLINK loop: exit 1, one line" \
	'[ $rc -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] && [ -L d/loop.json ] &&
	 grep -q "^msrtrap: d/loop.json: cannot write: Too many levels of symbolic links" err'
rm -r d/link1.json d/link2.json d/loop.json d/real/new.json
# sim's save through a symlink
ln -s real/target.vmx d/link.vmx
"$bin" sim save-link.sim >/dev/null 2>err
rc=$?
check "sim save to a SYMLINK: the target written, the link kept" \
	'[ $rc -eq 0 ] && [ -L d/link.vmx ] && [ "$(stat -c %s d/real/target.vmx)" = 4096 ]'
rm -r d/link.json d/link.vmx d/real

# a regular file keeps its mode (and, as root, its owner)
printf 'old\n' >d/f.json
chmod 640 d/f.json
(umask 077; exec "$bin" compile "$pol" -o d/f.json) 2>err
rc=$?
check "compile -o over a 0640 file: replaced, mode 0640 kept (not the umask's)" \
	'[ $rc -eq 0 ] && cmp -s d/f.json want.json && [ "$(stat -c %a d/f.json)" = 640 ] &&
	 [ "$(leftovers d)" = "f.json " ]'
if [ "$(id -u)" = 0 ] && chown nobody:nogroup d/f.json 2>/dev/null; then
	chmod 600 d/f.json
	"$bin" compile "$pol" --to policy -o d/f.json 2>err
	rc=$?
	check "compile -o as root over a file of nobody: owner and mode kept" \
		'[ $rc -eq 0 ] && cmp -s d/f.json want.policy &&
		 [ "$(stat -c %U:%G:%a d/f.json)" = nobody:nogroup:600 ]'
else
	ok "# SKIP compile -o over another owner's file: not root"
fi
rm d/f.json

# hard links: refused, both names untouched
printf 'old\n' >d/a.json
ln d/a.json d/b.json
"$bin" compile "$pol" -o d/a.json 2>err
rc=$?
check "compile -o a file with 2 hard links: exit 1, one line, nothing changed" \
	'[ $rc -eq 1 ] && [ "$(cat d/b.json)" = old ] && [ "$(stat -c %h d/a.json)" = 2 ] &&
	 [ "$(cat err)" = "msrtrap: d/a.json: cannot write: has other hard links: not replaced (write through them with '"'>'"', or remove them)" ] &&
	 [ "$(leftovers d)" = "a.json b.json " ]'
rm d/a.json d/b.json

# -o naming the input: refused, through any path
cp "$pol" d/p.policy
cp "$pol" before.policy
for out in d/p.policy ./d/../d/p.policy d/lp.policy d/hp.policy; do
	case $out in
	d/lp.policy) ln -s p.policy d/lp.policy ;;
	d/hp.policy) ln d/p.policy d/hp.policy ;;
	esac
	"$bin" compile --to policy d/p.policy -o "$out" 2>err
	rc=$?
	check "compile d/p.policy -o $out: refused, exit 1, the input unchanged" \
		'[ $rc -eq 1 ] && cmp -s d/p.policy before.policy &&
		 [ "$(cat err)" = "msrtrap: $out: is the input file d/p.policy: not overwritten" ]'
done
"$bin" compile --to policy - -o d/p.policy <d/p.policy 2>err
rc=$?
check "compile - -o INPUT: refused (stdin is that file), the input unchanged" \
	'[ $rc -eq 1 ] && cmp -s d/p.policy before.policy &&
	 [ "$(cat err)" = "msrtrap: d/p.policy: is the input file <stdin>: not overwritten" ]'
rm -f d/*
# sim's save over its own script, through another path or from stdin
printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 ../d/self.sim\n' >d/self.sim
cp d/self.sim before.sim
"$bin" sim --allow-paths d/self.sim >/dev/null 2>err
rc=$?
check "sim --allow-paths, save over SCRIPT (../d/self.sim): refused, exit 1, the script unchanged" \
	'[ $rc -eq 1 ] && cmp -s d/self.sim before.sim &&
	 [ "$(cat err)" = "d/self.sim:4: error: d/../d/self.sim: is the script: not overwritten" ]'
printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 d/self.sim\n' >d/self.sim
cp d/self.sim before.sim
"$bin" sim - <d/self.sim >/dev/null 2>err
rc=$?
check "sim - <SCRIPT saving over SCRIPT: refused, exit 1, the script unchanged" \
	'[ $rc -eq 1 ] && cmp -s d/self.sim before.sim &&
	 grep -q "^-:4: error: d/self.sim: is the script: not overwritten$" err'
rm -f d/*

# a name of NAME_MAX (255) bytes, and of 248: the temporary name is cut
# to fit (review D11: 249-255 bytes failed with "File name too long")
for len in 255 248; do
	name=d/$(head -c "$len" /dev/zero | tr '\0' n)
	"$bin" compile "$pol" -o "$name" 2>err
	rc=$?
	check "compile -o a $len-byte file name: written, no temporary file left" \
		'[ $rc -eq 0 ] && cmp -s "$name" want.json && [ "$(ls -A d | wc -l)" -eq 1 ]'
	rm -f "$name"
done

# ---- sim's save stays inside the script's directory (review D7) ----
# A shared script chooses every byte it saves: without --allow-paths no
# absolute path, no "..", no symlink leading out; inside, all as above.
mkdir -p d/s/sub out
printf 'secret\n' >out/victim
chmod 600 out/victim
cp out/victim before.victim
save_sim() { printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 %s\n' "$2" >"$1"; }
save_sim d/s/abs.sim "$PWD/out/victim"
"$bin" sim d/s/abs.sim >/dev/null 2>err
rc=$?
check "sim save to an absolute path: refused at its line before anything runs, exit 1" \
	'[ $rc -eq 1 ] && cmp -s out/victim before.victim && one_line_err &&
	 grep -q "^d/s/abs\.sim:4:8: error: save: .* leaves the script.s directory; save writes only inside it (see --allow-paths)$" err'
save_sim d/s/up.sim ../../out/victim
"$bin" sim d/s/up.sim >/dev/null 2>err
rc=$?
check "sim save to ../../FILE: refused, exit 1, the file unchanged" \
	'[ $rc -eq 1 ] && cmp -s out/victim before.victim && one_line_err &&
	 grep -q "^d/s/up\.sim:4:8: error: save: .\.\./\.\./out/victim. leaves" err'
ln -s ../../../out/victim d/s/sub/link.vmx
save_sim d/s/link.sim sub/link.vmx
"$bin" sim d/s/link.sim >/dev/null 2>err
rc=$?
check "sim save through a symlink leading out: refused, exit 1, the target unchanged" \
	'[ $rc -eq 1 ] && cmp -s out/victim before.victim && [ -L d/s/sub/link.vmx ] &&
	 one_line_err &&
	 grep -q "^d/s/link\.sim:4: error: d/s/sub/link\.vmx: a symlink leads out of the script.s directory: not written (see --allow-paths)$" err'
ln -s .. d/s/sub/back
save_sim d/s/in.sim sub/back/in.vmx
"$bin" sim d/s/in.sim >/dev/null 2>err
rc=$?
check "sim save through a symlink that stays inside: written" \
	'[ $rc -eq 0 ] && [ "$(stat -c %s d/s/in.vmx)" = 4096 ]'
"$bin" sim --allow-paths d/s/link.sim >/dev/null 2>err
rc=$?
check "sim --allow-paths: save through the symlink writes its target" \
	'[ $rc -eq 0 ] && [ "$(stat -c %s out/victim)" = 4096 ] &&
	 [ "$(stat -c %a out/victim)" = 600 ]'
cp before.victim out/victim
"$bin" sim --allow-paths d/s/up.sim >/dev/null 2>err
rc=$?
check "sim --allow-paths: save to ../../FILE writes it" \
	'[ $rc -eq 0 ] && [ "$(stat -c %s out/victim)" = 4096 ]'
printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 out/stdin.vmx\n' | "$bin" sim - >/dev/null 2>err
rc=$?
check "sim - (stdin): save relative to the current directory, inside it" \
	'[ $rc -eq 0 ] && [ "$(stat -c %s out/stdin.vmx)" = 4096 ]'
(cd out && printf 'vendor vmx\nvcpus 1\nsync 0\nsave 0 ../up.vmx\n' |
	"$bin" sim - >/dev/null 2>../err)
rc=$?
check "sim - (stdin): save to ../FILE refused" \
	'[ $rc -eq 1 ] && [ ! -e up.vmx ] && grep -q "^-:4:8: error: save: " err'
rm -rf d/s out before.victim

# ---- stdout ----
# one_line REGEX: stderr is exactly one line, matching REGEX
one_line() { [ "$(wc -l <err)" -eq 1 ] && grep -Eq -- "$1" err; }

printf '{"default": "deny", "ranges": [{"flags": ["read"], "base": "0x10", "nmsrs": 70000, "bitmap": "00"}]}\n' >bad-check.json
good="$src/examples/sandbox.policy"
other="$src/examples/cloud-profile.policy"
vmx="$src/examples/kvm-vcpu.vmx"
sim="$src/examples/seed.sim"
# each line: the exit code on a write error, then the arguments
cat >commands <<EOF
1 names
1 names --json
1 names efer
1 decode $vmx
1 decode --json $vmx
1 check $good
1 check --json $good
1 query $good 0x10
1 query --json $good 0x10
1 explain $good 0x10
1 explain --json $good 0x10
1 compile $good
1 compile --to policy $good
1 compile --to c $good
2 diff $good $other
2 diff --json $good $other
1 sim $sim
1 sim --json $sim
1 verify $good
1 kvm-check --json
1 --help
1 --version
1 help
1 compile --help
EOF
while read -r want args; do
	# shellcheck disable=SC2086
	"$bin" $args >/dev/full 2>err
	rc=$?
	if [ "$want" = 1 ] && [ "$rc" -eq 77 ]; then
		ok "# SKIP msrtrap $args >/dev/full: live KVM not usable"
		continue
	fi
	check "msrtrap $args >/dev/full: exit $want, one line naming <stdout>" \
		'[ $rc -eq $want ] &&
		 one_line "^msrtrap: <stdout>: cannot write: No space left on device$"'
done <commands
# a closed stdout, a few of them
for args in "names" "check $good" "diff $good $other" "sim $sim" "verify $good" "--version"; do
	want=1
	[ "${args%% *}" = diff ] && want=2
	# shellcheck disable=SC2086
	"$bin" $args >&- 2>err
	rc=$?
	if [ "$rc" -eq 77 ]; then
		ok "# SKIP msrtrap $args >&-: live KVM not usable"
		continue
	fi
	check "msrtrap $args >&-: exit $want, one line naming <stdout>" \
		'[ $rc -eq $want ] &&
		 one_line "^msrtrap: <stdout>: cannot write: Bad file descriptor$"'
done
# past RLIMIT_FSIZE (1 block): the commands with long output
for args in "names" "names --json" "query $good 0-0xffff" "sim $sim"; do
	# shellcheck disable=SC2086
	(ulimit -f 1; exec "$bin" $args) >big.out 2>err
	rc=$?
	check "msrtrap $args past RLIMIT_FSIZE: exit 1, one line naming <stdout>" \
		'[ $rc -eq 1 ] && one_line "^msrtrap: <stdout>: cannot write: File too large$"'
done
# EPIPE, SIGPIPE ignored (inherited through exec): more than a pipe holds
{ sh -c 'trap "" PIPE; "$0" names 2>err; echo $? >rc' "$bin"; } | head -c 10 >/dev/null
rc=$(cat rc)
check "msrtrap names | head -c 10, SIGPIPE ignored: exit 1, one line naming <stdout>" \
	'[ $rc -eq 1 ] && one_line "^msrtrap: <stdout>: cannot write: Broken pipe$"'
# a command that failed already (its JSON says why) exits 1 all the same
"$bin" check --json bad-check.json >/dev/full 2>err
rc=$?
check "check --json INVALID >/dev/full: exit 1, one line naming <stdout>" \
	'[ $rc -eq 1 ] &&
	 one_line "^msrtrap: <stdout>: cannot write: No space left on device$"'
# ... and nothing printed, nothing to report
"$bin" compile "$pol" -o d/quiet.json >&- 2>err
rc=$?
check "compile -o OUT with stdout closed: exit 0 (nothing goes to stdout)" \
	'[ $rc -eq 0 ] && cmp -s d/quiet.json want.json'

[ "$n" -eq "$planned" ] || { echo "# ran $n tests, planned $planned"; failed=$((failed + 1)); }
[ "$failed" -eq 0 ]
