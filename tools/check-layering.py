#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Layering checks for libmsrtrap (docs/ARCHITECTURE.md).

usage: check-layering.py [--graph] LIBMSRTRAP.a SOURCE_ROOT

1. Objects: from `nm` on every member of the static library, which object
   defines and which objects use each non-static symbol. An edge A -> B
   means A uses a symbol B defines. Any cycle between objects fails, with
   the cycle printed (A -> B -> ... -> A): a layer must not call back into
   the layers above it.
2. Rooms: each object's room (its folder under lib/) may use only the
   rooms ROOMS allows, the table of docs/ARCHITECTURE.md.
3. Includes, with file:line of each offending #include:
   - only lib/kvm/ may include <linux/kvm.h>;
   - lib/core/ (freestanding) may include only lib/core/ headers,
     <msrtrap/*.h> and the headers C requires of a freestanding
     implementation (C11 4p6: <stdbool.h>, <stdint.h>, ...);
   - cli/ may include from lib/ only "util/*.h".

--graph prints the object graph (one line per object) and exits 0.
TAP output.
"""
import os
import re
import subprocess
import sys

FREESTANDING = {
    'float.h', 'iso646.h', 'limits.h', 'stdalign.h', 'stdarg.h',
    'stdbool.h', 'stddef.h', 'stdint.h', 'stdnoreturn.h',
}
# room -> the rooms its objects may use (besides itself); docs/ARCHITECTURE.md
ROOMS = {
    'core': set(),
    'util': {'common'},
    'names': {'core', 'util', 'common'},
    'map': {'core', 'util', 'common'},
    'filter': {'core', 'util', 'common'},
    'policy': {'names', 'core', 'util', 'common'},
    'compile': {'policy', 'filter', 'map', 'names', 'core', 'util', 'common'},
    'engine': {'filter', 'core', 'util', 'common'},
    'kvm': {'filter', 'core', 'util', 'common'},
    'common': set(),
    'version': {'common'},
}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def object_name(member):
    """'kvm_probe.c.o' -> 'kvm/probe'; generated sources keep their stem."""
    name = member
    if name.endswith('.o'):
        name = name[:-2]
    if name.endswith('.c'):
        name = name[:-2]
    name = name.replace('meson-generated_.._', '')
    for folder in ('compile_pack', 'core', 'util', 'names', 'map', 'filter',
                   'policy', 'compile', 'engine', 'kvm'):
        if name.startswith(folder + '_'):
            return folder.replace('_', '/') + '/' + name[len(folder) + 1:]
    return name


def object_graph(archive):
    out = subprocess.run(['nm', '-A', archive], check=True,
                         capture_output=True, text=True).stdout
    defs, uses = {}, {}
    for line in out.splitlines():
        # archive:member:[value] type symbol
        m = re.match(r'^[^:]+:([^:]+):\s*(?:[0-9a-fA-F]+)?\s+(\S)\s+(\S+)$',
                     line)
        if not m:
            continue
        obj, kind, sym = object_name(m.group(1)), m.group(2), m.group(3)
        uses.setdefault(obj, set())
        if kind == 'U':
            uses[obj].add(sym)
        elif kind.isupper():
            defs[sym] = obj
    graph = {o: sorted({defs[s] for s in syms if s in defs} - {o})
             for o, syms in uses.items()}
    return graph


def find_cycle(graph):
    """A cycle as a list of nodes (first == last), or None."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, []):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if not state.get(n):
            c = visit(n)
            if c:
                return c
    return None


def room_problems(graph):
    problems = []
    for obj in sorted(graph):
        room = obj.split('/')[0]
        allowed = ROOMS.get(room)
        if allowed is None:
            problems.append('%s: in no room of the table' % obj)
            continue
        for dep in graph[obj]:
            if dep.split('/')[0] not in allowed | {room}:
                problems.append('%s -> %s: room %s may not use %s' %
                                (obj, dep, room, dep.split('/')[0]))
    return problems


def sources(root, top):
    for d, _, files in sorted(os.walk(os.path.join(root, top))):
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                yield os.path.join(d, f)


def resolve(root, path, name, dirs):
    """The file a quoted include names: the includer's folder first."""
    for d in [os.path.dirname(path)] + [os.path.join(root, x) for x in dirs]:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return os.path.relpath(p, root)
    return None


def include_problems(root):
    problems = []
    for top, dirs in (('lib', ['lib', 'include']),
                      ('cli', ['cli', 'lib', 'include'])):
        for path in sources(root, top):
            rel = os.path.relpath(path, root)
            with open(path, encoding='utf-8') as f:
                lines = f.readlines()
            for no, line in enumerate(lines, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                quote, name = m.groups()
                where = '%s:%d: #include %s%s%s' % (
                    rel, no, quote, name, '>' if quote == '<' else '"')
                target = resolve(root, path, name, dirs) if quote == '"' \
                    else None
                if name == 'linux/kvm.h' and not rel.startswith('lib/kvm/'):
                    problems.append(where + ': only lib/kvm/ may include '
                                    '<linux/kvm.h>')
                if rel.startswith('lib/core/'):
                    ok = (quote == '<' and (name.startswith('msrtrap/') or
                                            name in FREESTANDING)) or \
                         (target is not None and
                          target.startswith('lib/core/'))
                    if not ok:
                        problems.append(where + ': lib/core/ may include '
                                        'only lib/core/ headers, '
                                        '<msrtrap/*.h> and freestanding C '
                                        'headers')
                if rel.startswith('cli/') and target and \
                        target.startswith('lib/') and \
                        not re.match(r'^lib/util/[^/]+\.h$', target):
                    problems.append(where + ': cli/ may include from lib/ '
                                    'only "util/*.h"')
    return problems


def main(argv):
    graph_only = '--graph' in argv
    args = [a for a in argv[1:] if a != '--graph']
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    archive, root = args
    graph = object_graph(archive)
    if graph_only:
        width = max(len(o) for o in graph)
        for o in sorted(graph):
            if graph[o]:
                print('%-*s -> %s' % (width, o, ', '.join(graph[o])))
        return 0

    print('1..3')
    failed = False
    cycle = find_cycle(graph)
    if cycle:
        failed = True
        print('not ok 1 - no dependency cycle between library objects')
        print('# cycle: ' + ' -> '.join(cycle))
    else:
        print('ok 1 - no dependency cycle between library objects '
              '(%d objects)' % len(graph))
    for n, what, problems in ((2, 'objects use only the rooms below them',
                               room_problems(graph)),
                              (3, 'includes respect the layers',
                               include_problems(root))):
        if problems:
            failed = True
            print('not ok %d - %s' % (n, what))
            for p in problems:
                print('# ' + p)
        else:
            print('ok %d - %s' % (n, what))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
