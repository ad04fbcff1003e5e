#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
`msrtrap verify` catches disagreement, exactly: with MSRTRAP_TEST_TAMPER
the LD_PRELOAD shim tamper-filter.so hands the kernel a filter with a few
bitmap bits flipped while msrtrap keeps modelling the original (the
shipped binary has no tampering of its own); verify must then report
exactly the accesses whose verdict the flips changed (computed here,
independently, from the filter JSON) and exit 1. Untampered, the same runs
must agree (exit 0).

Exit 77 (meson's "skip") when live KVM is not usable here; then verify
itself must say so plainly and exit 77 too.

usage: verify-tamper.py /path/to/msrtrap SRCDIR /path/to/tamper-filter.so
"""
import json
import os
import subprocess
import sys
import tempfile

MSRTRAP, SRC = sys.argv[1], sys.argv[2]
SHIM = os.path.abspath(sys.argv[3])
SANDBOX = os.path.join(SRC, "examples", "sandbox.policy")
CLOUD = os.path.join(SRC, "examples", "cloud-profile.policy")
failures = 0


def run(args, tamper=None):
    env = dict(os.environ)
    env.pop("MSRTRAP_TEST_TAMPER", None)
    if tamper:
        env["MSRTRAP_TEST_TAMPER"] = ",".join("0x%x" % m for m in tamper)
        env["LD_PRELOAD"] = SHIM
        # the shim precedes ASan's runtime in a sanitized build
        env["ASAN_OPTIONS"] = ":".join(
            filter(None, [env.get("ASAN_OPTIONS"), "verify_asan_link_order=0"]))
    p = subprocess.run([MSRTRAP] + args, env=env, capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(ok, what):
    global failures
    print("%s - %s" % ("ok" if ok else "not ok", what))
    if not ok:
        failures += 1


# ---- an independent model of KVM's filter (spec §3.4) ----

def load_filter(text):
    f = json.loads(text)
    ranges = []
    for r in f["ranges"]:
        ranges.append({
            "flags": set(r["flags"]),
            "base": int(r["base"], 0),
            "nmsrs": int(r["nmsrs"]),
            "bitmap": bytearray.fromhex(r["bitmap"]),
        })
    return {"deny": f["default"] == "deny", "ranges": ranges}


def holds(r, msr):
    end = r["base"] + r["nmsrs"]
    return r["nmsrs"] and end <= 1 << 32 and r["base"] <= msr < end


def allowed(f, msr, access):
    if 0x800 <= msr <= 0x8ff:
        return True
    for r in f["ranges"]:
        if access in r["flags"] and holds(r, msr):
            bit = msr - r["base"]
            return bool(r["bitmap"][bit // 8] >> (bit % 8) & 1)
    return not f["deny"]


def tampered(f, msrs):
    """What MSRTRAP_TEST_TAMPER does: flip the bit of each MSR in the
    first range that holds it, whatever the range's accesses."""
    g = {"deny": f["deny"],
         "ranges": [dict(r, bitmap=bytearray(r["bitmap"])) for r in f["ranges"]]}
    for msr in msrs:
        for r in g["ranges"]:
            if holds(r, msr):
                bit = msr - r["base"]
                r["bitmap"][bit // 8] ^= 1 << (bit % 8)
                break
        else:
            raise ValueError("no range holds 0x%x" % msr)
    return g


def expected(f, msrs):
    g = tampered(f, msrs)
    return {(m, a) for m in msrs for a in ("read", "write")
            if allowed(f, m, a) != allowed(g, m, a)}


def compile_kvm(policy):
    rc, out, err = run(["compile", "--to", "kvm", policy])
    assert rc == 0, err
    return out


def verify_json(args, tamper=None):
    rc, out, err = run(["verify", "--json"] + args, tamper)
    return rc, json.loads(out), err


def mismatch_set(report):
    return {(m["msr"], m["access"]) for m in report["mismatches"]}


def case(label, args, f, tamper, want_accesses=None):
    want = expected(f, tamper)
    check(len(want) > 0, "%s: the flips change some verdict" % label)
    rc, rep, err = verify_json(args)
    check(rc == 0 and rep["mismatches"] == [],
          "%s: untampered, every access agrees (rc %d)" % (label, rc))
    if want_accesses is not None:
        check(rep["accesses"] == want_accesses,
              "%s: %d accesses (want %d)" % (label, rep["accesses"], want_accesses))
    rc, rep, err = verify_json(args, tamper)
    got = mismatch_set(rep)
    check(rc == 1, "%s: tampered, exit 1 (got %d)" % (label, rc))
    check(got == want, "%s: exactly the flipped accesses: got %s, want %s" %
          (label, sorted(got), sorted(want)))
    check(rep["agree"] + len(rep["mismatches"]) == rep["accesses"],
          "%s: agree + mismatches = accesses" % label)
    check("MSRTRAP_TEST_TAMPER" in err, "%s: the tampering is announced" % label)
    # the text report lists the same accesses, with names where known
    rc, out, err = run(["verify"] + args, tamper)
    lines = [l for l in out.splitlines() if l.startswith("mismatch: 0x")]
    listed = {(int(l.split()[1], 16), l.split()[2]) for l in lines}
    check(rc == 1 and listed == want, "%s: the text lists them too" % label)
    check(("%d mismatch" % len(want)) in out, "%s: the summary counts them" % label)


def main():
    rc, out, err = run(["kvm-check"])
    if rc == 77:
        rc2, out2, err2 = run(["verify", SANDBOX])
        print("# %s" % err.strip())
        if rc2 != 77 or "live KVM not usable here (" not in err2 or \
           "): skipped" not in err2:
            print("not ok - verify without live KVM: exit %d, %r" % (rc2, err2))
            return 1
        return 77
    if rc != 0:
        print("not ok - kvm-check: exit %d: %s" % (rc, err))
        return 1

    sandbox = load_filter(compile_kvm(SANDBOX))
    # 0x10 read allowed -> denied; 0x11 read denied -> allowed (READ range);
    # SYSENTER_ESP and STAR allowed -> denied, 0xc0000090 denied -> allowed
    # (RW ranges)
    flips = [0x10, 0x11, 0x175, 0xc0000081, 0xc0000090]
    case("sandbox --all", ["--all", SANDBOX], sandbox, flips, 50688)
    case("sandbox", [SANDBOX], sandbox, [0x10, 0x1b, 0x175])

    with tempfile.TemporaryDirectory() as tmp:
        text = compile_kvm(CLOUD)
        path = os.path.join(tmp, "cloud.json")
        with open(path, "w") as fh:
            fh.write(text)
        cloud = load_filter(text)
        # each range's first and last MSR: probed by default
        flips = []
        for r in cloud["ranges"][:3]:
            flips += [r["base"], r["base"] + r["nmsrs"] - 1]
        case("cloud filter", [path], cloud, flips)
        case("cloud filter --all", ["--all", path], cloud,
             [m for m in flips if m < 0x2000 or m >= 0xc0000000])

    rc, out, err = run(["verify", SANDBOX], [0x12345678])
    check(rc == 2 and "no range holds it" in err,
          "tampering outside every range is refused (exit 2)")
    # the shipped binary ignores the variable: no hook of its own
    env = dict(os.environ, MSRTRAP_TEST_TAMPER="0x10")
    env.pop("LD_PRELOAD", None)
    p = subprocess.run([MSRTRAP, "verify", SANDBOX], env=env,
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0 and "TAMPER" not in p.stderr,
          "msrtrap alone ignores MSRTRAP_TEST_TAMPER (exit %d)" % p.returncode)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
