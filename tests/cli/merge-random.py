#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""msrtrap merge against a reference written from kvm-versions.md §6b.

Random L0/L1 maps (uniform with a sprinkle, or fully random), random
controls, both vendors, both kernels: `msrtrap merge -o OUT` must write
the map the audit's procedure gives, byte for byte, and say whether a
merged map is in use (--json). The reference builds the expected map the
way the audit words it: all ones, then (nVMX) x2APIC opened from L1 only
and the merged list as L0 | L1, (nSVM) L0's map without MSR_PROT, else
the merged MSR ranges as L0 | L1 whole. TAP; usage: merge-random.py
MSRTRAP [N] (MSRTRAP_LONG_TESTS=1: N x 10; MSRTRAP_QUICK_TESTS=1: N / 40).
"""
import json
import os
import random
import subprocess
import sys
import tempfile

MSRTRAP = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
if os.environ.get("MSRTRAP_LONG_TESTS") == "1":
    N *= 10
if os.environ.get("MSRTRAP_QUICK_TESTS") == "1":
    N = max(1, N // 40)  # under valgrind each msrtrap takes ~1 s

BITMAPS, VIRT, REGV, VID, PROT = 1, 2, 4, 8, 16
WORDS = {BITMAPS: "msr-bitmaps", VIRT: "virt-x2apic", REGV: "apic-reg-virt",
         VID: "vid", PROT: "msr-prot"}

# (MSR, read?, write?, first kernel) of nested_vmx_prepare_msr_bitmap()
VMX_MERGED = [(0xc0000100, 1, 1, "v6.0"), (0xc0000101, 1, 1, "v6.0"),
              (0xc0000102, 1, 1, "v6.0"), (0x48, 1, 1, "v6.0"),
              (0x49, 0, 1, "v6.0"), (0x10b, 0, 1, "v6.19"),
              (0xe8, 1, 0, "v6.19"), (0xe7, 1, 0, "v6.19")] + \
    [(m, 1, 1, "v6.19") for m in (0x6a0, 0x6a2, 0x6a4, 0x6a5, 0x6a6, 0x6a7)]
SVM_MERGED = {
    "v6.0": [(0x40, 0x4f), (0x170, 0x17f), (0x1d0, 0x1df), (0x270, 0x27f),
             (0xc0000080, 0xc000008f), (0xc0000100, 0xc000010f),
             (0xc0010130, 0xc001013f)],
    "v6.19": [(0x40, 0x5f), (0xe0, 0xff), (0x100, 0x11f), (0x160, 0x17f),
              (0x1c0, 0x1df), (0xc0000080, 0xc000009f), (0xc0000100, 0xc000011f)],
}


def pos(fmt, msr, write):
    """(byte, bit) of an MSR's intercept bit: SDM 25.6.9, APM 15.11."""
    if fmt == "vmx":
        base = 0x800 if write else 0
        if msr >= 0xc0000000:
            base += 0x400
        off = msr & 0x1fff
        return base + off // 8, off % 8
    base = {0: 0, 0xc0000000: 0x800, 0xc0010000: 0x1000}[msr & ~0x1fff]
    off = msr & 0x1fff
    return base + off // 4, 2 * (off % 4) + write


def get(fmt, m, msr, write):
    byte, bit = pos(fmt, msr, write)
    return (m[byte] >> bit) & 1


def put(fmt, m, msr, write, value):
    byte, bit = pos(fmt, msr, write)
    m[byte] = (m[byte] | (1 << bit)) if value else (m[byte] & ~(1 << bit))


def reference(fmt, kernel, c, l0, l1):
    if fmt == "svm":
        if not c & PROT:
            return bytearray(l0), False
        out = bytearray(b"\xff" * 8192)
        for lo, hi in SVM_MERGED[kernel]:
            for msr in range(lo, hi + 1):
                for w in (0, 1):
                    put(fmt, out, msr, w, get(fmt, l0, msr, w) | get(fmt, l1, msr, w))
        return out, True
    out = bytearray(b"\xff" * 4096)
    if not c & BITMAPS:
        return out, False
    if c & VIRT:
        for msr in range(0x800, 0x900):
            if c & REGV or msr == 0x808:
                put(fmt, out, msr, 0, get(fmt, l1, msr, 0))
        put(fmt, out, 0x808, 1, get(fmt, l1, 0x808, 1))
        if c & VID:
            for msr in (0x80b, 0x83f):
                put(fmt, out, msr, 1, get(fmt, l1, msr, 1))
    for msr, r, w, since in VMX_MERGED:
        if since == "v6.19" and kernel == "v6.0":
            continue
        for write, yes in ((0, r), (1, w)):
            if yes:
                put(fmt, out, msr, write, get(fmt, l0, msr, write) | get(fmt, l1, msr, write))
    return out, True


def random_map(rng, size):
    if rng.randrange(3) == 0:
        return bytearray(rng.randbytes(size))
    m = bytearray((b"\xff" if rng.randrange(2) else b"\x00") * size)
    for _ in range(rng.randrange(64)):
        m[rng.randrange(size)] = rng.randrange(256)
    # the bytes the rules read: low MSRs, x2APIC, FS_BASE's
    for _ in range(8):
        m[rng.choice((rng.randrange(64), 0x100 + rng.randrange(32),
                      0x900 + rng.randrange(32), 0x420, 0x820))] ^= rng.randrange(256)
    return m


def main():
    seed = int(os.environ.get("MSRTRAP_TEST_SEED", "20261204"))
    rng = random.Random(seed)
    print("1..1")
    print(f"# seed {seed}, {N} random merges")
    with tempfile.TemporaryDirectory() as d:
        for i in range(N):
            fmt = rng.choice(("vmx", "svm"))
            kernel = rng.choice(("v6.0", "v6.19"))
            size = 4096 if fmt == "vmx" else 8192
            bits = [b for b in WORDS if rng.randrange(2) and
                    (b == PROT) == (fmt == "svm")]
            c = sum(bits)
            l0, l1 = random_map(rng, size), random_map(rng, size)
            for name, m in (("l0", l0), ("l1", l1)):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(m)
            out = os.path.join(d, "out")
            p = subprocess.run([MSRTRAP, "merge", "--vendor", fmt, "--kernel", kernel,
                                "--controls", ",".join(WORDS[b] for b in bits) or "none",
                                "-o", out, "--json", os.path.join(d, "l0"),
                                os.path.join(d, "l1")], capture_output=True, text=True)
            want, in_use = reference(fmt, kernel, c, l0, l1)
            got = open(out, "rb").read() if p.returncode == 0 else b""
            if p.returncode != 0 or got != want or \
                    json.loads(p.stdout)["l2_bitmap_in_use"] != in_use:
                first = next((j for j in range(size) if j >= len(got) or got[j] != want[j]), None)
                print(f"not ok 1 - case {i}: {fmt} {kernel} controls {c:#x}: rc {p.returncode} "
                      f"{p.stderr.strip()!r}, first differing byte {first}")
                return 1
    print(f"ok 1 - {N} random merges equal the reference byte for byte")
    return 0


if __name__ == "__main__":
    sys.exit(main())
