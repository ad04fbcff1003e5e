#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Size limits of the C sources in lib/ and cli/ (docs/ARCHITECTURE.md):
no file over MAX_FILE lines, no function over MAX_FUNC lines. A function is
measured from the line its definition starts in column 0 to its closing
brace in column 0 (the kernel layout). TAP output, one test per limit.

usage: check-size.py SRCDIR
"""
import os
import re
import sys

MAX_FILE = 900
MAX_FUNC = 120

# a definition starts in column 0 with an identifier and a '(' on that line;
# its body opens with '{' in column 0 before any line ends in ';' (which
# makes it a declaration) and closes with '}' in column 0
START = re.compile(r'^(?!typedef\b)[A-Za-z_][\w \t*,]*\(')


def functions(lines):
    """(name, first line, length) of each function definition."""
    start = None
    for i, line in enumerate(lines):
        if start is None:
            if START.match(line) and not line.rstrip().endswith(';'):
                start = i
        elif line.startswith('{'):
            end = next((j for j in range(i, len(lines)) if lines[j].startswith('}')), i)
            name = re.search(r'(\w+)\s*\(', lines[start]).group(1)
            yield name, start + 1, end - start + 1
            start = None
        elif line.rstrip().endswith(';') or not line.strip():
            start = None


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else '.'
    files, funcs = [], []
    for top in ('lib', 'cli'):
        for root, _, names in os.walk(os.path.join(src, top)):
            for n in sorted(names):
                if not n.endswith('.c'):
                    continue
                path = os.path.join(root, n)
                rel = os.path.relpath(path, src)
                with open(path, encoding='utf-8') as f:
                    lines = f.read().split('\n')
                if len(lines) - 1 > MAX_FILE:
                    files.append(f'{rel}: {len(lines) - 1} lines')
                for name, first, length in functions(lines):
                    if length > MAX_FUNC:
                        funcs.append(f'{rel}:{first}: {name}() is {length} lines')
    print('1..2')
    for n, (what, bad) in enumerate(((f'no .c file over {MAX_FILE} lines', files),
                                     (f'no function over {MAX_FUNC} lines', funcs)), 1):
        print(('ok' if not bad else 'not ok') + f' {n} - {what}')
        for b in bad:
            print(f'# {b}')
    return 1 if files or funcs else 0


if __name__ == '__main__':
    sys.exit(main())
