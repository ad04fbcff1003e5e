# Inputs for the CLI golden tests, made in the scratch directory.
mk="$SRC/tools/mkmap.py"
# only MSR 0xc0000080's write bit cleared (the foundation issue's "done when")
python3 "$mk" vmx efer-w.vmx w:0xc0000080
python3 "$mk" svm efer-w.svm w:0xc0000080
# all-intercept maps
python3 "$mk" vmx none.vmx
python3 "$mk" svm none.svm
# runs touching every span edge, read and write differing
python3 "$mk" vmx edges.vmx rw:0x0-0x7 r:0x1ff8-0x1fff w:0xc0000000 rw:0xc0001fff
python3 "$mk" svm edges.svm rw:0x0-0x3 w:0x1fff r:0xc0000000-0xc0001fff rw:0xc0010000-0xc0010003 r:0xc0011fff
# everything passes through
python3 "$mk" vmx all.vmx rw:0x0-0x1fff rw:0xc0000000-0xc0001fff
python3 "$mk" svm all.svm rw:0x0-0x1fff rw:0xc0000000-0xc0001fff rw:0xc0010000-0xc0011fff
head -c 100 /dev/zero >short.bin
head -c 4096 /dev/zero >zero4096.bin

# ---- KVM MSR filters in the JSON format (check, query, explain) ----
# rep STR N: STR repeated N times (bitmaps of large ranges)
rep() { i=0; while [ "$i" -lt "$2" ]; do printf %s "$1"; i=$((i + 1)); done; }
# a range's ok part, to complete filters that test something else
ok='{"flags": ["read"], "base": "0x10", "nmsrs": 1, "bitmap": "00"}'

# The kernel's validation table (spec §3.2, live-kvm-notes §3.5).
# filter flags with a bit other than DEFAULT_DENY: EINVAL
cat >k-flags-bit1.json <<EOF
{"flags": 2, "ranges": [$ok]}
EOF
cat >k-flags-bit31.json <<EOF
{"flags": 2147483648, "ranges": [$ok]}
EOF
cat >k-flags-6.json <<'EOF'
{"flags": 6}
EOF
# default deny with every range empty: EINVAL
cat >k-empty-deny.json <<'EOF'
{"default": "deny", "ranges": []}
EOF
cat >k-empty-deny-slot.json <<'EOF'
{"default": "deny", "ranges": [{"flags": ["read"], "base": "0x10", "nmsrs": 0}]}
EOF
# default allow with every range empty: accepted, acts as no filter
cat >k-empty-allow.json <<'EOF'
{"default": "allow", "ranges": []}
EOF
# nmsrs 0: flags, base and bitmap are never looked at
cat >k-nmsrs0-garbage.json <<EOF
{"default": "deny", "ranges": [
  {"flags": 4294967295, "base": "0xffffffff", "nmsrs": 0},
  {"flags": 255, "base": 12345, "nmsrs": 0, "bitmap": "0badf00d"},
  $ok]}
EOF
# a non-empty range needs flags READ and/or WRITE only: EINVAL
cat >k-range-flags0.json <<'EOF'
{"ranges": [{"flags": 0, "base": "0x10", "nmsrs": 1, "bitmap": "01"}]}
EOF
cat >k-range-flags4.json <<EOF
{"ranges": [$ok, {"flags": 4, "base": "0x10", "nmsrs": 1, "bitmap": "01"}]}
EOF
# nmsrs: 0x3000 is the largest (0x600 bitmap bytes); above it EINVAL
cat >k-nmsrs-3000.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["read", "write"], "base": "0x0", "nmsrs": 12288,
   "bitmap": "$(rep ff 1536)"}]}
EOF
cat >k-nmsrs-3001.json <<EOF
{"ranges": [
  {"flags": ["read", "write"], "base": "0x0", "nmsrs": 12289,
   "bitmap": "$(rep ff 1537)"}]}
EOF
cat >k-nmsrs-ffffffff.json <<'EOF'
{"ranges": [{"flags": ["read"], "base": "0x0", "nmsrs": 4294967295, "bitmap": "ff"}]}
EOF
# fewer bitmap bytes than nmsrs needs, or none: the kernel faults, EFAULT
cat >k-short-bitmap.json <<'EOF'
{"ranges": [{"flags": ["read"], "base": "0x0", "nmsrs": 9, "bitmap": "ff"}]}
EOF
cat >k-no-bitmap.json <<'EOF'
{"ranges": [{"flags": ["write"], "base": "0xc0000080", "nmsrs": 1}]}
EOF
# the kernel stops at the first bad range: EFAULT in ranges[0] wins
cat >k-order.json <<'EOF'
{"ranges": [{"flags": ["read"], "base": "0x0", "nmsrs": 64, "bitmap": "ff"},
            {"flags": 8, "base": "0x0", "nmsrs": 64, "bitmap": "ffffffffffffffff"}]}
EOF
# accepted: overlapping ranges, ranges over x2APIC, wrapping ranges
cat >k-overlap.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["read", "write"], "base": "0x270", "nmsrs": 16, "bitmap": "ffff"},
  {"flags": ["read"], "base": "0x274", "nmsrs": 8, "bitmap": "00"},
  {"flags": ["write"], "base": "0x200", "nmsrs": 256, "bitmap": "$(rep 00 32)"}]}
EOF
cat >k-x2apic.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["read", "write"], "base": "0x7f0", "nmsrs": 288, "bitmap": "$(rep 00 36)"}]}
EOF
cat >k-wrap.json <<'EOF'
{"ranges": [{"flags": ["read"], "base": "0xffffffff", "nmsrs": 2, "bitmap": "00"},
            {"flags": ["read"], "base": "0xffffff00", "nmsrs": 256, "bitmap": "0000000000000000000000000000000000000000000000000000000000000000"}]}
EOF

# Not filters at all: JSON loading errors.
cat >j-syntax.json <<'EOF'
{"default": "deny",
 "ranges": [
   {"flags": ["read"] "base": 16}
 ]}
EOF
cat >j-base.json <<EOF
{"ranges": [$ok, $ok, $ok,
  {"flags": ["read"], "base": -16, "nmsrs": 1, "bitmap": "00"}]}
EOF
cat >j-unknown-key.json <<'EOF'
{"default": "deny", "ranges": [{"flags": ["read"], "base": 0, "nmsrs": 1, "bitmap": "00", "comment": "x"}]}
EOF
cat >j-hex.json <<'EOF'
{"ranges": [{"flags": ["read"], "base": 0, "nmsrs": 16, "bitmap": "ff0"}]}
EOF
cat >j-too-many.json <<EOF
{"ranges": [$ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok, $ok]}
EOF

# live-kvm-notes §3.4 scenarios (the filter part; verdicts in the goldens)
# S5: default allow; READ-only deny of PAT, WRITE-only deny of APIC_BASE
cat >s5.json <<'EOF'
{"default": "allow", "ranges": [
  {"flags": ["read"], "base": "0x277", "nmsrs": 1, "bitmap": "00"},
  {"flags": ["write"], "base": "0x1b", "nmsrs": 1, "bitmap": "00"}]}
EOF
# S6: default deny; RW allow [0, 0x3000) except 0x174 (byte 0x2e bit 4)
cat >s6.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["read", "write"], "base": "0x0", "nmsrs": 12288,
   "bitmap": "$(rep ff 46)ef$(rep ff 1489)"}]}
EOF
# S7a: READ [0x270, +16) allow, then the same range deny: the first wins
cat >s7a.json <<'EOF'
{"default": "allow", "ranges": [
  {"flags": ["read"], "base": "0x270", "nmsrs": 16, "bitmap": "ffff"},
  {"flags": ["read"], "base": "0x270", "nmsrs": 16, "bitmap": "0000"}]}
EOF
# S7b: the same two ranges swapped
cat >s7b.json <<'EOF'
{"default": "allow", "ranges": [
  {"flags": ["read"], "base": "0x270", "nmsrs": 16, "bitmap": "0000"},
  {"flags": ["read"], "base": "0x270", "nmsrs": 16, "bitmap": "ffff"}]}
EOF
# S7c: default deny; WRITE [0x270, +16) deny, then RW [0x200, +0x100) allow
cat >s7c.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["write"], "base": "0x270", "nmsrs": 16, "bitmap": "0000"},
  {"flags": ["read", "write"], "base": "0x200", "nmsrs": 256, "bitmap": "$(rep ff 32)"}]}
EOF
# S8: default deny plus an explicit RW deny of 0x800-0x8ff
cat >s8.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["read", "write"], "base": "0x800", "nmsrs": 256, "bitmap": "$(rep 00 32)"},
  {"flags": ["read", "write"], "base": "0x1b", "nmsrs": 1, "bitmap": "01"}]}
EOF
# S9: default allow; RW [0xc0000000, +0x200) allow except EFER (byte 0x10
# bit 0) and FS_BASE (byte 0x20 bit 0); READ deny-all [0xc0010000, +0x100);
# RW deny [0x4b564d00, +16) (2 bytes given, padded to a word on loading)
cat >s9.json <<EOF
{"default": "allow", "ranges": [
  {"flags": ["read", "write"], "base": "0xc0000000", "nmsrs": 512,
   "bitmap": "$(rep ff 16)fe$(rep ff 15)fe$(rep ff 31)"},
  {"flags": ["read"], "base": "0xc0010000", "nmsrs": 256, "bitmap": "$(rep 00 32)"},
  {"flags": ["read", "write"], "base": "0x4b564d00", "nmsrs": 16, "bitmap": "0000"}]}
EOF
# S13: default deny; only a WRITE [0, 0x3000) allow range
cat >s13.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["write"], "base": "0x0", "nmsrs": 12288, "bitmap": "$(rep ff 1536)"}]}
EOF
# S14: ranges[0] empty with flags 0xff; ranges[5] READ deny PAT;
# ranges[6] READ deny 0xffffffff +2 (wraps); ranges[7] READ deny 0xfffffffe
cat >s14.json <<'EOF'
{"default": "allow", "ranges": [
  {"flags": 255, "base": "0x0", "nmsrs": 0},
  {"flags": 0, "base": "0x0", "nmsrs": 0},
  {"flags": 0, "base": "0x0", "nmsrs": 0},
  {"flags": 0, "base": "0x0", "nmsrs": 0},
  {"flags": 0, "base": "0x0", "nmsrs": 0},
  {"flags": ["read"], "base": "0x277", "nmsrs": 1, "bitmap": "00"},
  {"flags": ["read"], "base": "0xffffffff", "nmsrs": 2, "bitmap": "00"},
  {"flags": ["read"], "base": "0xfffffffe", "nmsrs": 1, "bitmap": "00"}]}
EOF
# S19 (selftest U2): default deny, six ranges; WRITE denies POWER_CTL 0x1fc
# (byte 0x3f bit 4), READ denies SYSCALL_MASK 0xc0000084 (byte 0x10 bit 4)
# and GS_BASE 0xc0000101 (byte 0x20 bit 1)
cat >s19.json <<EOF
{"default": "deny", "ranges": [
  {"flags": ["read"], "base": "0x0", "nmsrs": 12288, "bitmap": "$(rep ff 1536)"},
  {"flags": ["write"], "base": "0x0", "nmsrs": 12288, "bitmap": "$(rep ff 63)ef$(rep ff 1472)"},
  {"flags": ["read", "write"], "base": "0x40000000", "nmsrs": 12288, "bitmap": "$(rep ff 1536)"},
  {"flags": ["read"], "base": "0xc0000000", "nmsrs": 12288, "bitmap": "$(rep ff 16)ef$(rep ff 15)fd$(rep ff 1503)"},
  {"flags": ["write"], "base": "0xc0000000", "nmsrs": 12288, "bitmap": "$(rep ff 1536)"},
  {"flags": ["read", "write"], "base": "0xdeadbeef", "nmsrs": 1, "bitmap": "01"}]}
EOF
# MSR lists for query -
cat >msrs.txt <<'EOF'
# S9 accesses
efer            # read denied
0xc0000081
fs_base
0xc0000100-0xc0000102

0xc0010015
0x4b564d01
EOF
printf 'efer\nno_such_msr\n' >bad-msrs.txt

# ---- msrtrap sim scripts (docs/sim.md); filters relative to sim/ ----
mkdir -p sim
cp "$SRC/examples/seed-deny-fs-read.json" sim/deny-fs-read.json
# every kind of script error, all reported in one pass
cat >sim/errors.sim <<'EOF'
# every kind of script error, all reported in one pass
vendor arm
vendor vmx
vcpus 4097
passthrough kvm-2023
strategy fastest
intercpet 0 fs_base r off
bogus 1 2 3
intercept 2 fs_base r off
intercept x fs_base r off
intercept 0 fs_bsae r off
intercept 0 fs_base-gs_bsae r off
intercept 0 no_such_thing r off
intercept 0 0x100000000 r off
intercept 0 0x20-0x10 r off
intercept 0 0x2000 r off
intercept 0 0x1ff0-0xc0000010 rw on
intercept 0 fs_base x off
intercept 0 fs_base r maybe
intercept 0 fs_base r
intercept 0 fs_base r off now
vcpus 4
expect all fs_base r passes
expect 1 IA32_TSC rw
print all
sync
stats now
save 0
filter
EOF
# a filter the kernel refuses, a filter that is not valid JSON
cat >sim/bad-filter.sim <<'EOF'
intercept 0 fs_base rw off
filter ../k-range-flags0.json	# EINVAL: ranges[0].flags
filter ../j-base.json		# EINVAL while loading: ranges[3].base
filter ../j-syntax.json		# JSON syntax: line, column
filter deny-fs-read.json	# fine: sim/deny-fs-read.json
sync all
EOF
cat >sim/missing-filter.sim <<'EOF'
filter no-such-filter.json
EOF
# expects that fail: before the sync, after it, unrepresentable, per vCPU
cat >sim/expect-fail.sim <<'EOF'
vcpus 2
passthrough kvm-2022
intercept all FS_BASE-GS_BASE rw off
intercept 0 IA32_SYSENTER_CS-IA32_SYSENTER_EIP rw off
filter deny-fs-read.json
expect all FS_BASE r intercept		# fails: not synced yet
sync all
expect all FS_BASE r intercept
expect 0 FS_BASE w intercept		# fails: only the read is denied
expect 0 0x2000 r pass			# fails: a VMX bitmap cannot pass it
expect all IA32_SYSENTER_CS-IA32_SYSENTER_EIP rw pass	# fails on vcpu 1
expect 0 0x1ff0-0xc0000010 r intercept
stats
EOF
# SVM, three vCPUs, keywords in any case, CRLF line ends, warnings
printf '%s\r\n' \
	'VENDOR SVM' 'vCPUs 3' 'Passthrough KVM-2022' \
	'Intercept ALL Fs_Base-Kernel_Gs_Base RW OFF' \
	'intercept 1 IA32_EFER rw off	# not listed: a warning' \
	'intercept 2 0xc0010000-0xc0011fff r off' \
	'FILTER deny-fs-read.json' 'SYNC 0' 'sync 2' \
	'EXPECT 0 FS_BASE R INTERCEPT' 'expect 1 fs_base r pass # vCPU 1 did not sync' \
	'expect 1 IA32_EFER rw pass' 'expect 2 0xc0010000-0xc0011fff r pass' \
	'Print 2' 'STATS' >sim/svm.sim
# the printed decode equals `msrtrap decode` of the saved bitmap
cat >sim/save.sim <<'EOF'
strategy delta
intercept 0 IA32_TSC r off
intercept 0 FS_BASE-KERNEL_GS_BASE rw off
filter deny-fs-read.json
sync 0
print 0
save 0 vcpu0.vmx
EOF
# the script's strategy line, overridden by --strategy
cat >sim/strategy.sim <<'EOF'
strategy reapply-all
intercept 0 FS_BASE r off
filter deny-fs-read.json
sync 0
expect 0 FS_BASE r intercept
stats
EOF
printf 'intercept 0 fs_base r off\nsync 0\nexpect 0 fs_base r pass\n' >sim/stdin.sim
: >sim/empty.sim

# ---- policies: compile, diff, query/explain of policies ----
. "$SRC/tests/cli/setup-compile.sh"

# ---- input recognition that locates the problem (issue 13 item 6) ----
printf 'default deny\nallow rw IA32_\351FER\n' >enc-latin1.policy
printf 'default deny\nallow rw IA32_\303\251FER\n' >enc-utf8.policy
printf '\357\273\277default deny\nallow rw IA32_EFER\n' >enc-bom.policy
printf '\357\273\277{"default": "allow", "ranges": []}\n' >enc-bom.json
printf 'default deny\nallow rw\302\240IA32_EFER\n' >enc-nbsp.policy
printf 'default deny\nallow rw IA32_EFER\0\n' >enc-nul.policy
: >enc-empty.policy
# 4096 bytes of policy text: decode takes it for a VMX bitmap by its size
{ printf 'default deny\n'; head -c 4082 /dev/zero | tr '\0' '#'; echo; } >enc-4096.policy
# the same with a NUL byte: still text (at most 1 byte in 20 is not), as
# compile and check take it
{ printf 'default deny\n# a\000b\n'; head -c 4076 /dev/zero | tr '\0' '#'; echo; } >enc-4096-nul.policy
# check --json diagnostics, --strict (issue 13 item 5)
printf 'default deny\nallow rw IA32_EFR IA32_LSTR @sycall\n' >enc-typo.policy
printf 'deny rw @x2apic IA32_EFER\n' >enc-x2apic.policy

# ---- nested lines of msrtrap sim (docs/sim.md "Nested"), and msrtrap merge ----
# L1's raw maps for its L2: everything passes / only x2APIC reads and TPR writes
python3 "$mk" vmx sim/l1-pass.vmx rw:0x0-0x1fff rw:0xc0000000-0xc0001fff
python3 "$mk" vmx sim/l1-x2apic.vmx r:0x800-0x8ff w:0x808
python3 "$mk" svm sim/l1-pass.svm rw:0x0-0x1fff rw:0xc0000000-0xc0001fff rw:0xc0010000-0xc0011fff
cat >sim/deny-fs-w.json <<'EOF2'
{"default": "allow", "ranges": [{"flags": ["write"], "base": "0xc0000100", "nmsrs": 1, "bitmap": "00"}]}
EOF2
cat >sim/nested.sim <<'EOF2'
vendor vmx
vcpus 2
# L0 (KVM, for L1) passes FS_BASE and the x2APIC MSRs
intercept all FS_BASE rw off
intercept all 0x800-0x8ff rw off
sync all
nested 0 l1-pass.vmx msr-bitmaps virt-x2apic apic-reg-virt
expect-l2 0 FS_BASE rw pass
expect-l2 0 0x800-0x8ff r pass
expect-l2 0 0x808 w pass
expect-l2 0 0x802 w intercept
expect-l2 0 IA32_EFER rw intercept
reflect 0 IA32_EFER r no
reflect 0 0xc0010000 r yes
# a filter denying FS_BASE writes reaches L2 through L0 (N7)
filter deny-fs-w.json
sync all
expect-l2 0 FS_BASE w intercept
expect-l2 0 FS_BASE r pass
reflect 0 FS_BASE w no
nested 1 l1-x2apic.vmx msr-bitmaps virt-x2apic
expect-l2 1 0x808 rw pass
expect-l2 1 0x802 r intercept
nested all off
EOF2
cat >sim/nested-fail.sim <<'EOF2'
vendor vmx
nested 0 l1-pass.vmx
# without msr-bitmaps every L2 access exits, and goes to L1
expect-l2 0 FS_BASE r pass
reflect 0 FS_BASE r no
EOF2
cat >sim/nested-svm.sim <<'EOF2'
vendor svm
intercept 0 STAR-SFMASK rw off
sync 0
nested 0 l1-pass.svm msr-prot
expect-l2 0 STAR-LSTAR rw pass
expect-l2 0 IA32_EFER rw intercept
nested 0 l1-pass.svm
# no MSR_PROT: L2 runs on L0's map, nothing goes to L1 (M1)
expect-l2 0 STAR rw pass
expect-l2 0 0x10 r intercept
reflect 0 0x10 r no
EOF2
cat >sim/nested-errors.sim <<'EOF2'
vendor vmx
expect-l2 0 0x10 r pass
nested 0 l1-pass.vmx msr-prot bogus
nested 0 missing.vmx
nested 0 l1-pass.svm
reflect 0 0x10-0x11 rw maybe
nested 0 off msr-bitmaps
EOF2
cat >sim/kernel-errors.sim <<'EOF2'
vendor vmx
passthrough kvm-2022
strategy delta
kernel v6.0
EOF2
cat >sim/kernel-bad.sim <<'EOF2'
kernel v7
EOF2
cat >sim/kernel-nested-v5.19.sim <<'EOF2'
kernel v5.19
nested 0 l1-pass.vmx msr-bitmaps
EOF2
cat >sim/kernel-svm-v6.19.sim <<'EOF2'
vendor svm
kernel v6.19
intercept 0 STAR rw off
sync 0
expect 0 STAR rw pass
stats
EOF2
cat >sim/apic.sim <<'EOF2'
vendor vmx
vcpus 2
# x2APIC mode with APICv (kvm-versions.md §6a): 40 registers read, TPR,
# EOI and SELF_IPI written without an exit, TMCCT reads exit
apic all x2apic apicv
expect all 0x802 r pass
expect all 0x839 r intercept
expect all 0x808 rw pass
expect all 0x80b w pass
expect all 0x830 w intercept
expect all 0x840-0x8ff rw intercept
# a deny-all filter changes none of it (X3)
filter deny-x2apic.json
sync all
expect all 0x802 r pass
# back to x2APIC without APICv: only TPR (X4)
apic 1 x2apic
expect 1 0x802 r intercept
expect 1 0x808 rw pass
apic 1 xapic
expect 1 0x808 rw intercept
stats
EOF2
cat >sim/deny-x2apic.json <<'EOF2'
{"default": "deny", "ranges": [{"flags": ["read", "write"], "base": "0x800", "nmsrs": 256, "bitmap": "0000000000000000000000000000000000000000000000000000000000000000"}]}
EOF2
cat >sim/apic-svm.sim <<'EOF2'
vendor svm
kernel v6.0
apic 0 x2apic apicv
expect 0 0x802-0x803 rw pass
expect 0 0x832 rw intercept
expect 0 0x83f w intercept
apic 0 disabled
expect 0 0x800-0x8ff rw intercept
stats
EOF2
cat >sim/apic-errors.sim <<'EOF2'
vendor svm
kernel v5.19
apic 0 x2apic apicv
apic 0 x3apic avic
EOF2
