#!/usr/bin/env python3
"""What a Native AOT MeshProxy's resident memory consists of, from /proc/PID/smaps snapshots.

    smaps_summary.py LABEL=SMAPS [LABEL=SMAPS...]

Prints a Markdown table, one column per snapshot (e.g. idle, after the saturating run, after the streams), one row per
kind of memory, in MiB of RSS, with the anonymous part of file-backed rows in brackets. How the mappings are told apart
(docs/benchmarks.md, "The shipped build's resident memory"):

- the executable is the first mapping of the file (a PIE executable is mapped first); its mappings by permission:
  headers and relocations (r--p at offset 0), code (r-xp), read-only data (the other r--p: .rodata, the managed
  exception tables, .eh_frame), .data (rw-p, file-backed); the anonymous mapping right after it is .bss and .hydrated
  (the runtime's type data, written out at start from the compressed form in .rodata);
- shared libraries by name; [heap] is glibc's main malloc arena;
- glibc's other malloc arenas are 64 MiB reservations on a 64 MiB boundary (rw-p followed by ---p);
- a thread stack is a rw-p mapping right above a ---p guard page (glibc keeps the stacks of ended threads for reuse);
- the GC heap is the largest reservation (its region range, ---p) and the contiguous anonymous mappings below it (the
  regions it committed, its bookkeeping) down to and including the next ---p reservation of 256 MiB or more;
- anything else anonymous is the runtime's and the libraries' own (native allocations that bypass malloc).
"""
import re
import sys

HEADER = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+\s*(.*)$')
ARENA = 64 << 20


def read(path):
    vmas = []
    with open(path) as f:
        for line in f:
            m = HEADER.match(line)
            if m:
                vmas.append(dict(start=int(m[1], 16), end=int(m[2], 16), perm=m[3], offset=int(m[4], 16),
                                 path=m[5].strip(), rss=0, anon=0))
            elif line.startswith('Rss:'):
                vmas[-1]['rss'] = int(line.split()[1])
            elif line.startswith('Anonymous:'):
                vmas[-1]['anon'] = int(line.split()[1])
    return vmas


def classify(vmas):
    """Returns {kind: [rss KiB, anonymous KiB]} and the number of thread stacks."""
    kinds = {}
    exe = next(v['path'] for v in vmas if v['path'].startswith('/'))
    labels = [None] * len(vmas)
    stacks = 0

    def contiguous(i, j):
        return 0 <= i < len(vmas) and 0 <= j < len(vmas) and vmas[i]['end'] == vmas[j]['start']

    for i, v in enumerate(vmas):
        name = v['path']
        if name == exe:
            if v['perm'].startswith('r-x'):
                labels[i] = 'executable: code'
            elif v['perm'].startswith('rw'):
                labels[i] = 'executable: .data'
            elif v['offset'] == 0:
                labels[i] = 'executable: headers, relocations'
            else:
                labels[i] = 'executable: read-only data'
        elif name == '' and i > 0 and vmas[i - 1]['path'] == exe and contiguous(i - 1, i):
            labels[i] = 'executable: .bss, .hydrated'
        elif name.startswith('/'):
            labels[i] = 'library: ' + re.sub(r'\.so[.0-9]*$', '', name.rsplit('/', 1)[-1])
        elif name == '[heap]':
            labels[i] = 'malloc'
        elif name == '[stack]':
            labels[i] = 'thread stacks'
            stacks += 1
        elif name.startswith('['):
            labels[i] = 'kernel ([vdso], [vvar])'

    # malloc arenas: a 64 MiB-aligned rw-p part and its ---p rest, 64 MiB in all.
    for i, v in enumerate(vmas):
        if labels[i] is None and v['start'] % ARENA == 0 and v['perm'].startswith('rw') and contiguous(i, i + 1) \
                and vmas[i + 1]['perm'] == '---p' and vmas[i + 1]['end'] == v['start'] + ARENA:
            labels[i] = labels[i + 1] = 'malloc'

    # The GC: its region range (the largest reservation) and what lies contiguously below it.
    gc = max((i for i in range(len(vmas)) if labels[i] is None), key=lambda i: vmas[i]['end'] - vmas[i]['start'])
    labels[gc] = 'GC heap'
    i = gc - 1
    while i >= 0 and labels[i] is None and vmas[i]['path'] == '' and contiguous(i, i + 1):
        labels[i] = 'GC heap'
        if vmas[i]['perm'] == '---p' and vmas[i]['end'] - vmas[i]['start'] >= 256 << 20:
            break
        i -= 1

    # Thread stacks: rw-p right above a guard page.
    for i, v in enumerate(vmas):
        if labels[i] is None and v['perm'].startswith('rw') and i > 0 and contiguous(i - 1, i) \
                and vmas[i - 1]['perm'] == '---p' and vmas[i - 1]['end'] - vmas[i - 1]['start'] <= 16 << 10:
            labels[i] = labels[i - 1] = 'thread stacks'
            stacks += 1

    for i, v in enumerate(vmas):
        kind = labels[i] or 'other anonymous (runtime, native libraries)'
        total = kinds.setdefault(kind, [0, 0])
        total[0] += v['rss']
        total[1] += v['anon']
    return kinds, stacks


ORDER = ['executable: headers, relocations', 'executable: code', 'executable: read-only data', 'executable: .data',
         'executable: .bss, .hydrated', 'GC heap', 'malloc', 'thread stacks',
         'other anonymous (runtime, native libraries)']


def main(args):
    snapshots = []
    for arg in args:
        label, path = arg.split('=', 1)
        snapshots.append((label, *classify(read(path))))
    kinds = [k for k in ORDER if any(k in s[1] for s in snapshots)]
    kinds += sorted({k for s in snapshots for k in s[1]} - set(kinds))

    def mib(kib):
        return f'{kib / 1024:.1f}'

    print('| | ' + ' | '.join(s[0] for s in snapshots) + ' |')
    print('|---|' + '---:|' * len(snapshots))
    for kind in kinds:
        cells = []
        for _, totals, _ in snapshots:
            rss, anon = totals.get(kind, [0, 0])
            file_backed = kind.startswith('executable:') and kind != 'executable: .bss, .hydrated' or kind.startswith('library:')
            cells.append(mib(rss) + (f' ({mib(anon)} anon)' if file_backed and anon >= 64 else ''))
        if any(float(c.split()[0]) >= 0.1 for c in cells):
            print(f'| {kind} | ' + ' | '.join(cells) + ' |')
    print('| **RSS** | ' + ' | '.join(f'**{mib(sum(r for r, _ in t.values()))}**' for _, t, _ in snapshots) + ' |')
    print('| of which anonymous | ' + ' | '.join(mib(sum(a for _, a in t.values())) for _, t, _ in snapshots) + ' |')
    print('| thread stacks (count) | ' + ' | '.join(str(n) for _, _, n in snapshots) + ' |')


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
