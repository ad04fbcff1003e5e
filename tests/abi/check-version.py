#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The three places that spell the version agree (libbpf's Makefile check).

usage: check-version.py PROJECT_VERSION VERSION_H LIBMSRTRAP_MAP

  - PROJECT_VERSION (meson.build's project(version:)) is MAJOR.MINOR.PATCH;
  - include/msrtrap/version.h defines MSRTRAP_VERSION_MAJOR/MINOR/PATCH and
    MSRTRAP_VERSION_STRING with exactly those values;
  - the newest node of lib/libmsrtrap.map is MSRTRAP_MAJOR.MINOR: a release
    that adds symbols adds the node, and a node without its release (or a
    release without its node) is a mistake.

TAP on stdout; exit status 1 when anything disagrees. meson.build runs it
at configure time too, so a mismatch stops `meson setup`.
"""
import re
import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    project, header, mapfile = argv[1:]
    results = []

    m = re.fullmatch(r'(\d+)\.(\d+)\.(\d+)', project)
    results.append((bool(m), f"project version '{project}' is MAJOR.MINOR.PATCH"))
    if not m:
        return report(results)
    major, minor, patch = m.groups()

    with open(header, encoding='utf-8') as f:
        text = f.read()
    macros = dict(re.findall(r'^#define (MSRTRAP_VERSION_\w+) (\S+)$',
                             text, re.M))
    want = {
        'MSRTRAP_VERSION_MAJOR': major,
        'MSRTRAP_VERSION_MINOR': minor,
        'MSRTRAP_VERSION_PATCH': patch,
        'MSRTRAP_VERSION_STRING': f'"{project}"',
    }
    for name, value in want.items():
        got = macros.get(name)
        results.append((got == value,
                        f'version.h: {name} is {value} (got {got})'))

    with open(mapfile, encoding='utf-8') as f:
        nodes = re.findall(r'^MSRTRAP_(\d+)\.(\d+)\s*\{', f.read(), re.M)
    results.append((bool(nodes), 'libmsrtrap.map has MSRTRAP_x.y nodes'))
    if nodes:
        newest = max((int(a), int(b)) for a, b in nodes)
        node = f'MSRTRAP_{newest[0]}.{newest[1]}'
        results.append((newest == (int(major), int(minor)),
                        f'newest map node {node} is MSRTRAP_{major}.{minor}'
                        f' (project {project})'))
    return report(results)


def report(results):
    print(f'1..{len(results)}')
    for i, (good, what) in enumerate(results, 1):
        print(f"{'ok' if good else 'not ok'} {i} - {what}")
    return 0 if all(good for good, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
