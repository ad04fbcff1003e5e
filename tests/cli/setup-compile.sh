# Inputs for the compile/diff/policy golden tests, made in the scratch
# directory by setup.sh (sourced, so $SRC and rep() are set).

# Every kind of error in one pass, and a warning that is only computed
# for policies without errors (so it does not appear here).
cat >p-errors.policy <<'P'
# errors, all reported in one pass
default deny
alow rw IA32_EFER
allow rx IA32_EFER
allow rw IA32_EFR 0x100000000 0x20-0x10 @x2apc
allow rw IA32_PAT
default allow
P
# Valid, with warnings: a rule overridden by a later one, and (for a KVM
# filter) a deny of x2APIC MSRs, which KVM never filters.
cat >p-warn.policy <<'P'
default allow
deny  w  IA32_PAT
deny  rw IA32_PAT                   # overrides line 2 entirely
deny  rw @x2apic                    # KVM never filters these
deny  r  IA32_EFER
P
# For explain: line 7 decides IA32_EFER.
cat >p-explain.policy <<'P'
# a policy for explain
default deny

allow rw @syscall @fs-gs-base
allow r  0x10-0x1f    # TSC and friends, read only
allow rw IA32_EFER
deny  rw IA32_EFER    # changed our mind
deny  w  0x10-0x1f    # redundant: the default denies writes anyway
P
# Implicit default allow.
printf 'deny r IA32_TSC\n' >p-implicit.policy
# MSR 0xffffffff allowed for read only: no KVM filter can say that.
printf 'default deny\nallow r 0xffffffff\n' >p-ffff.policy
# The sixteen-range example plus a seventeenth block: refused for KVM.
{ cat "$SRC/examples/sixteen-ranges.policy"
  printf '\n# 17. one block too many\nallow rw 0xb0000000-0xb000000f\n'; } >seventeen.policy
# A long stretch: 0x0-0x2ffff denied for write only, forcing runs of full
# ranges (0x3000 MSRs each) in the refusal report.
printf 'default allow\ndeny w 0x0-0x2ffff\ndeny r 0x40000000\n' >p-stretch.policy
# A policy of exactly 4096 bytes: text, so a policy, not a VMX bitmap.
{ printf 'default deny\nallow rw IA32_EFER\n'; rep '#' 4063; printf '\n'; } >p-4096.policy
# CRLF line ends and a comment-only policy (implicit default allow).
printf 'default deny\r\nallow r IA32_TSC\r\n' >p-crlf.policy
printf '# nothing but a comment\n' >p-comment.policy
# Equal verdicts written differently (diff exits 0).
cat >p-same-a.policy <<'P'
default deny
allow rw 0x10-0x1f
deny  w  0x18-0x1f
P
cat >p-same-b.policy <<'P'
default deny
allow r 0x10-0x1f
allow w 0x10-0x17
P
