#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ABI check (TAP): the shared library exports exactly the functions that
the public headers mark MSRTRAP_API and the version script lists, each at a
version node of the script. Catches a symbol added without being listed,
a listed symbol that vanished, and a leaked internal symbol."""
import glob
import os
import re
import subprocess
import sys

lib, script, incdir = sys.argv[1:4]

out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                     capture_output=True, text=True).stdout
exported = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "TDBRW":
        name, _, ver = parts[2].partition("@")
        exported[name] = ver.lstrip("@")
exported = {k: v for k, v in exported.items() if not k.startswith("MSRTRAP_0")}

text = open(script).read()
text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
listed, nodes = set(), set()
for m in re.finditer(r"([\w.]+)\s*\{(.*?)\}", text, flags=re.S):
    nodes.add(m.group(1))
    body = m.group(2).split("local:")[0]
    listed |= set(re.findall(r"\b(msrtrap_\w+)\s*;", body))

declared = set()
for h in glob.glob(os.path.join(incdir, "*.h")):
    src = re.sub(r"/\*.*?\*/", "", open(h).read(), flags=re.S)
    for m in re.finditer(r"MSRTRAP_API\b[^;(]*?\b(msrtrap_\w+)\s*\(", src):
        declared.add(m.group(1))

checks = [
    ("every exported symbol is listed in the version script",
     sorted(set(exported) - listed)),
    ("every listed symbol is exported",
     sorted(listed - set(exported))),
    ("every MSRTRAP_API declaration is exported",
     sorted(declared - set(exported))),
    ("nothing is exported without an MSRTRAP_API declaration",
     sorted(set(exported) - declared)),
    ("every exported symbol carries a version node of the script",
     sorted(k for k, v in exported.items() if v not in nodes)),
]
print("1..%d" % len(checks))
bad = 0
for i, (what, problems) in enumerate(checks, 1):
    if problems:
        bad += 1
        print("not ok %d - %s: %s" % (i, what, ", ".join(problems)))
    else:
        print("ok %d - %s" % (i, what))
print("# %d symbols exported" % len(exported))
sys.exit(1 if bad else 0)
