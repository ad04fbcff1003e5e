#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compile data/msrs.tsv into the C table described by lib/names/msr_db.h.

Usage: python3 tools/gen-msr-db.py data/msrs.tsv OUTPUT.c

The TSV is validated strictly; on any problem every offending line is
reported on stderr as ``PATH:LINE: message`` and the exit status is 1 (no
output file is written).  The output is written to a temporary file next to
OUTPUT.c and renamed into place, so a half-written file is never left behind.

Python 3 standard library only.
"""

import os
import re
import sys
import tempfile

VENDORS = {"arch": 0, "intel": 1, "amd": 2, "kvm": 3, "hyperv": 4, "other": 5}
INDEX_RE = re.compile(r"0x[0-9a-f]{8}\Z")
NAME_RE = re.compile(r"[A-Z0-9_]+\Z")
MAX_DESC = 100
MAX_ROWS = 0xFFFF          # positions are stored as uint16_t


class Row:
    __slots__ = ("line", "index", "name", "vendor", "desc")

    def __init__(self, line, index, name, vendor, desc):
        self.line = line
        self.index = index
        self.name = name
        self.vendor = vendor
        self.desc = desc


def parse(path):
    """Return (rows, errors); errors is a list of (line, message)."""
    errors = []
    rows = []
    seen = {}               # upper-case name -> line of first use
    prev_index = None

    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()         # trailing newline

    for lineno, raw in enumerate(lines, 1):
        def err(msg):
            errors.append((lineno, msg))

        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            err("not valid UTF-8")
            continue
        if line.startswith("#") or line.strip() == "":
            continue

        fields = line.split("\t")
        if (len(fields) > 4 and INDEX_RE.match(fields[0])
                and fields[2] in VENDORS):
            # The first three fields look right: the extra TABs are in
            # the description.
            fields = fields[:3] + ["\t".join(fields[3:])]
        if len(fields) != 4:
            err("expected 4 TAB-separated fields "
                "(INDEX NAME VENDOR DESCRIPTION), found %d" % len(fields))
            continue
        idx_s, name, vendor, desc = fields
        ok = True

        index = None
        if not INDEX_RE.match(idx_s):
            err("bad index %r: want 0x followed by 8 lower-case hex digits"
                % idx_s)
            ok = False
        else:
            index = int(idx_s, 16)
            if prev_index is not None and index < prev_index:
                err("index %s is not ascending (follows 0x%08x)"
                    % (idx_s, prev_index))
                ok = False
            prev_index = index if prev_index is None else max(prev_index, index)

        if not NAME_RE.match(name):
            err("bad name %r: only A-Z, 0-9 and _ are allowed" % name)
            ok = False
        elif len(name) > 63:
            # msrtrap_msr_suggest()'s edit distance works on < 64 characters
            err("name %r is longer than 63 characters" % name)
            ok = False
        elif name.startswith("MSR_"):
            err("name %r must not carry an MSR_ prefix" % name)
            ok = False
        else:
            key = name.upper()
            if key in seen:
                err("duplicate name %r (first used on line %d)"
                    % (name, seen[key]))
                ok = False
            else:
                seen[key] = lineno

        if vendor not in VENDORS:
            err("unknown vendor %r (want one of: %s)"
                % (vendor, ", ".join(VENDORS)))
            ok = False

        if desc.strip() == "":
            err("empty description")
            ok = False
        elif "\t" in desc:
            err("description contains a TAB")
            ok = False
        elif len(desc) > MAX_DESC:
            err("description is %d characters long (max %d)"
                % (len(desc), MAX_DESC))
            ok = False
        elif any(ord(c) < 0x20 or ord(c) == 0x7F for c in desc):
            err("description contains a control character")
            ok = False
        elif desc != desc.strip():
            err("description has leading or trailing whitespace")
            ok = False

        if ok:
            rows.append(Row(lineno, index, name, vendor, desc))

    if not errors:
        if not rows:
            errors.append((len(lines) or 1, "no entries"))
        elif len(rows) > MAX_ROWS:
            errors.append((rows[MAX_ROWS].line,
                           "too many entries (max %d)" % MAX_ROWS))
    return rows, errors


def c_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "?":
            out.append("\\?")        # never form a trigraph
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def render(rows):
    w = []
    w.append("/* generated by tools/gen-msr-db.py from data/msrs.tsv"
             " \u2014 do not edit */\n")
    w.append('#include "names/msr_db.h"\n\n')
    w.append("/* vendor: 0 arch, 1 intel, 2 amd, 3 kvm, 4 hyperv, 5 other */\n")
    w.append("const struct mt_msr_entry mt_msr_table[] = {\n")
    prev = None
    for r in rows:
        canonical = 1 if r.index != prev else 0
        prev = r.index
        chars = 0
        for c in r.name:
            chars |= 1 << (ord(c) & 63)
        w.append("\t{ 0x%08xu, %d, %d, %d, %s, %s, 0x%016xull },\n" % (
            r.index, VENDORS[r.vendor], canonical, len(r.name),
            c_string(r.name), c_string(r.desc), chars))
    w.append("};\n\n")
    w.append("const size_t mt_msr_table_len = %d;\n\n" % len(rows))
    order = sorted(range(len(rows)), key=lambda i: rows[i].name.encode("ascii"))
    w.append("const uint16_t mt_msr_by_name[] = {\n")
    for start in range(0, len(order), 12):
        chunk = order[start:start + 12]
        w.append("\t" + " ".join("%d," % i for i in chunk) + "\n")
    w.append("};\n")
    return "".join(w)


def write_atomic(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".c", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s MSRS.TSV OUTPUT.c\n" % argv[0])
        return 2
    src, dst = argv[1], argv[2]
    try:
        rows, errors = parse(src)
    except OSError as e:
        sys.stderr.write("%s: %s\n" % (src, e.strerror or e))
        return 1
    if errors:
        for lineno, msg in errors:
            sys.stderr.write("%s:%d: %s\n" % (src, lineno, msg))
        return 1
    try:
        write_atomic(dst, render(rows))
    except OSError as e:
        sys.stderr.write("%s: %s\n" % (dst, e.strerror or e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
