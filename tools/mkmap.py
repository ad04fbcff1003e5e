#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write a VMX MSR bitmap or SVM MSR permission map that intercepts
everything except the listed pass-throughs. Independent of libmsrtrap (it
is used to make test inputs and the shipped examples), straight from the
layouts in Intel SDM Vol. 3C "MSR-Bitmap Address" / AMD APM Vol. 2 "MSR
Intercepts".

usage: mkmap.py vmx|svm OUT [r|w|rw:MSR[-MSR] ...]
"""
import os
import sys


def position(fmt, msr, write):
    if fmt == "vmx":
        if msr <= 0x1fff:
            base = 0x800 if write else 0x000
        elif 0xc0000000 <= msr <= 0xc0001fff:
            base = 0xc00 if write else 0x400
        else:
            raise SystemExit("mkmap: 0x%x is not in a VMX bitmap" % msr)
        n = msr & 0x1fff
        return base + n // 8, n % 8
    for base, lo in ((0x0000, 0), (0x0800, 0xc0000000), (0x1000, 0xc0010000)):
        if lo <= msr <= lo + 0x1fff:
            n = msr - lo
            return base + n // 4, 2 * (n % 4) + (1 if write else 0)
    raise SystemExit("mkmap: 0x%x is not in an SVM map" % msr)


def main():
    fmt, out = sys.argv[1], sys.argv[2]
    data = bytearray(b"\xff" * (4096 if fmt == "vmx" else 8192))
    for spec in sys.argv[3:]:
        acc, _, msrs = spec.partition(":")
        lo, _, hi = msrs.partition("-")
        lo = int(lo, 0)
        hi = int(hi, 0) if hi else lo
        for msr in range(lo, hi + 1):
            for write in (False, True):
                if ("w" if write else "r") in acc:
                    byte, bit = position(fmt, msr, write)
                    data[byte] &= ~(1 << bit) & 0xff
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)


main()
