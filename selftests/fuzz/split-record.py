#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# split-record.py RECORD DIR PER_TYPE: split what the module's request
# recorder gave (each request preceded by its length, a little-endian u32)
# into DIR, one distinct request per file named TYPE-HASH, the first
# PER_TYPE of each type in the order the client sent them.  DIR is
# replaced, so that the corpus is exactly one recording.
import hashlib
import os
import shutil
import struct
import sys

# 9P2000.L T-message numbers (the wire protocol's, not the module's code).
NAMES = {
    8: 'tstatfs', 12: 'tlopen', 14: 'tlcreate', 16: 'tsymlink', 18: 'tmknod',
    20: 'trename', 22: 'treadlink', 24: 'tgetattr', 26: 'tsetattr',
    30: 'txattrwalk', 32: 'txattrcreate', 40: 'treaddir', 50: 'tfsync',
    52: 'tlock', 54: 'tgetlock', 70: 'tlink', 72: 'tmkdir', 74: 'trenameat',
    76: 'tunlinkat', 100: 'tversion', 102: 'tauth', 104: 'tattach',
    108: 'tflush', 110: 'twalk', 116: 'tread', 118: 'twrite',
    120: 'tclunk', 122: 'tremove',
}


def main():
    record, outdir, per_type = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(record, 'rb').read()
    kept, seen, count, pos = {}, set(), 0, 0
    while pos + 4 <= len(data):
        (length,) = struct.unpack_from('<I', data, pos)
        msg = data[pos + 4:pos + 4 + length]
        pos += 4 + length
        if len(msg) != length or length < 7:
            sys.exit('split-record: truncated record at byte %d' % pos)
        count += 1
        name = NAMES.get(msg[4], 'type%d' % msg[4])
        digest = hashlib.sha1(msg).hexdigest()[:12]
        if digest in seen or len(kept.setdefault(name, [])) >= per_type:
            continue
        seen.add(digest)
        kept[name].append((digest, msg))
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    for name, msgs in kept.items():
        for digest, msg in msgs:
            with open(os.path.join(outdir, '%s-%s' % (name, digest)), 'wb') as f:
                f.write(msg)
    print('split-record: %d requests recorded, %d kept in %s (%s)' % (
        count, len(seen), outdir,
        ', '.join('%s %d' % (n, len(m)) for n, m in sorted(kept.items()))))


main()
