#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
`msrtrap verify` on live KVM, what the user sees:
 - --list prints one line per access probed (MSR, name, access, expected,
   observed, value), as many as the summary counts, in MSR order; with
   --json the same as the array "probed", consistent with "mismatches"
   and the "observed" counts;
 - a SIGSTOP/SIGCONT (or a harmless signal) during `verify --all` only
   pauses it: exit 0, no mismatch;
 - out of descriptors (ulimit -n 4 or 5), verify and kvm-check exit 1
   with the reason, not 77 (skipped).

Exit 77 (meson's "skip") when live KVM is not usable here.

usage: verify-live.py /path/to/msrtrap SRCDIR
"""
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time

MSRTRAP, SRC = sys.argv[1], sys.argv[2]
SANDBOX = os.path.join(SRC, "examples", "sandbox.policy")
failures = 0


def check(ok, what):
    global failures
    print("%s - %s" % ("ok" if ok else "not ok", what))
    if not ok:
        failures += 1


def run(args, nofile=None):
    def limit():
        # the signals the test sends must act as they would in a terminal
        for s in (signal.SIGINT, signal.SIGQUIT):
            signal.signal(s, signal.SIG_DFL)
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    p = subprocess.run([MSRTRAP] + args, capture_output=True, text=True,
                       timeout=120, preexec_fn=limit)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run(["kvm-check"])
if rc == 77:
    print("# live KVM not usable here: %s" % err.strip())
    sys.exit(77)
check(rc == 0, "kvm-check: live KVM usable")

# ---- --list, text ----
LINE = re.compile(r"^probe: 0x([0-9a-f]{8}) (\S+) +(read |write) expected "
                  r"(allow|deny ) observed (kernel|gp|filtered|exit) +"
                  r"value 0x[0-9a-f]{16}$")
rc, out, err = run(["verify", "--list", SANDBOX])
lines = [l for l in out.splitlines() if l.startswith("probe:")]
m = re.search(r"(\d+) accesses to (\d+) MSRs", out)
check(rc == 0 and m is not None, "verify --list: exit 0 with a summary")
accesses = int(m.group(1)) if m else -1
check(len(lines) == accesses,
      "verify --list: one line per access (%d lines, %d accesses)"
      % (len(lines), accesses))
parsed = [LINE.match(l) for l in lines]
check(all(parsed), "verify --list: every line is 'probe: MSR NAME ACCESS "
      "expected V observed O value 0x...'")
if all(parsed):
    keys = [(int(p.group(1), 16), p.group(3).strip()) for p in parsed]
    want = sorted(keys, key=lambda k: (k[0], k[1] != "read"))
    check(keys == want and len(set(keys)) == len(keys),
          "verify --list: MSR order, read before write, each access once")
    pat = [p for p in parsed if int(p.group(1), 16) == 0x277]
    check(len(pat) == 2 and pat[0].group(2) == "IA32_PAT",
          "verify --list: IA32_PAT named on its two lines")
    agree = all((p.group(4).strip() == "deny") == (p.group(5) == "filtered")
                for p in parsed)
    check(agree, "verify --list: expected and observed agree on each line")

# ---- --list --json ----
rc, out, err = run(["verify", "--list", "--json", SANDBOX])
try:
    doc = json.loads(out)
except ValueError:
    doc = {}
probed = doc.get("probed", [])
check(rc == 0 and len(probed) == doc.get("accesses", -1),
      "verify --list --json: \"probed\" has every access (%d, %s)"
      % (len(probed), doc.get("accesses")))
shape = all(set(e) == {"msr", "name", "access", "expected", "observed",
                       "value", "fastpath"} or
            set(e) == {"msr", "access", "expected", "observed", "value",
                       "fastpath"}
            for e in probed)
# D6: only on hosts whose KVM completes TSC_DEADLINE writes before the
# filter (tests/unit/test_kvm_host.c); "host" says which this one is
host = doc.get("host", {})
check(all(e["fastpath"] == (host.get("tsc_deadline_fastpath") and
                            e["msr"] == 0x6e0 and e["access"] == "write" and
                            e["expected"] == "allow")
          for e in probed if "fastpath" in e) and "module" in host,
      "verify --list --json: \"fastpath\" only for a TSC_DEADLINE write, "
      "by \"host\" (%s)" % host)
check(shape and all(re.fullmatch(r"0x[0-9a-f]{16}", e["value"])
                    for e in probed),
      "verify --list --json: each entry msr, name, access, expected, "
      "observed, value")
counts = {}
for e in probed:
    counts[e["observed"]] = counts.get(e["observed"], 0) + 1
check(all(counts.get(k, 0) == v for k, v in doc.get("observed", {}).items()),
      "verify --list --json: the entries add up to the \"observed\" counts")
rc, out, err = run(["verify", "--json", SANDBOX])
check(rc == 0 and "probed" not in json.loads(out or "{}"),
      "verify --json without --list: no \"probed\" array")

# ---- signals that are not the timeout ----
def interrupted(schedule):
    p = subprocess.Popen([MSRTRAP, "verify", "--all", SANDBOX],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    for at, sig, pause in schedule:
        time.sleep(at)
        try:
            p.send_signal(sig)
            time.sleep(pause)
            if sig == signal.SIGSTOP:
                p.send_signal(signal.SIGCONT)
        except ProcessLookupError:
            break
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


for schedule, what in (
        ([(0.3, signal.SIGSTOP, 0.5)], "SIGSTOP 0.5 s, SIGCONT"),
        ([(0.05, signal.SIGSTOP, 0.2), (0.2, signal.SIGSTOP, 0.2),
          (0.2, signal.SIGSTOP, 0.2)], "three stops and continues"),
        ([(0.2, signal.SIGCHLD, 0), (0.1, signal.SIGWINCH, 0),
          (0.1, signal.SIGCONT, 0)], "SIGCHLD, SIGWINCH, SIGCONT")):
    rc, out, err = interrupted(schedule)
    check(rc == 0 and " 0 mismatches" in out,
          "verify --all through %s: exit 0, no mismatch (got %d: %s)"
          % (what, rc, err.strip()))

# ---- out of descriptors: an error, not a skip ----
# Only for msrtrap itself: under tests/valgrind.sh MSRTRAP is a shell shim
# running valgrind, which cannot start with 4 or 5 descriptors.
with open(MSRTRAP, "rb") as f:
    wrapped = f.read(4) != b"\x7fELF"
if wrapped:
    print("ok - # SKIP descriptor limits: msrtrap runs through a wrapper")
for nofile in (() if wrapped else (4, 5)):
    for args in (["verify", SANDBOX], ["kvm-check"]):
        rc, out, err = run(args, nofile=nofile)
        check(rc == 1 and "Too many open files" in err,
              "ulimit -n %d: %s exits 1 with the reason (got %d: %s)"
              % (nofile, args[0], rc, err.strip()))

sys.exit(1 if failures else 0)
