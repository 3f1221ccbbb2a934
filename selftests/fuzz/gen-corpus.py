#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# gen-corpus.py: write the fuzzer's seed corpus, one valid T-message per file
# in selftests/fuzz/corpus/, laid out by hand from the 9P2000.L spec (not by
# protocol.c, so that the seeds do not share its mistakes).  Run it again
# after adding a message here; the files are committed.
import os
import struct

NOTAG = 0xffff
NOFID = 0xffffffff


def s(text):
    b = text.encode()
    return struct.pack('<H', len(b)) + b


def msg(mtype, tag, body):
    return struct.pack('<IBH', 7 + len(body), mtype, tag) + body


def le(fmt, *vals):
    return struct.pack('<' + fmt, *vals)


SEEDS = {
    'tversion': msg(100, NOTAG, le('I', 131072) + s('9P2000.L')),
    'tattach': msg(104, 1, le('II', 0, NOFID) + s('root') + s('') + le('I', 0)),
    'twalk': msg(110, 2, le('IIH', 0, 1, 3) + s('usr') + s('share') + s('doc')),
    'twalk-clone': msg(110, 3, le('IIH', 0, 2, 0)),
    # The longest name allowed, and one byte more (well-formed, refused).
    'twalk-name-255': msg(110, 28, le('IIH', 0, 1, 1) + s('n' * 255)),
    'twalk-name-256': msg(110, 29, le('IIH', 0, 1, 1) + s('n' * 256)),
    'tlopen': msg(12, 4, le('II', 1, 0o100000)),
    'tread': msg(116, 5, le('IQI', 1, 0, 4096)),
    'twrite': msg(118, 6, le('IQI', 1, 0, 5) + b'hello'),
    'tgetattr': msg(24, 7, le('IQ', 1, 0x3fff)),
    'tsetattr': msg(26, 8, le('IIIIIQQQQQ', 1, 0x1 | 0x8 | 0x80, 0o100644, 0, 0,
                              10, 1700000000, 5, 1700000000, 7)),
    'treaddir': msg(40, 9, le('IQI', 1, 0, 8192)),
    'tlcreate': msg(14, 10, le('I', 1) + s('new.txt') + le('III', 0o101, 0o644, 0)),
    'tmkdir': msg(72, 11, le('I', 1) + s('dir') + le('II', 0o755, 0)),
    'tsymlink': msg(16, 12, le('I', 1) + s('link') + s('../target') + le('I', 0)),
    'tlock': msg(52, 13, le('IBIQQI', 1, 1, 0, 0, 0, 1234) + s('host')),
    'tgetlock': msg(54, 14, le('IBQQI', 1, 0, 0, 100, 1234) + s('host')),
    'txattrwalk': msg(30, 15, le('II', 1, 2) + s('user.test')),
    'txattrcreate': msg(32, 16, le('I', 2) + s('user.new') + le('QI', 5, 1)),
    'tclunk': msg(120, 17, le('I', 1)),
    'tremove': msg(122, 18, le('I', 2)),
    'tstatfs': msg(8, 19, le('I', 0)),
    'treadlink': msg(22, 20, le('I', 3)),
    'tfsync': msg(50, 21, le('II', 1, 1)),
    'tmknod': msg(18, 22, le('I', 1) + s('fifo') + le('IIII', 0o10644, 0, 0, 0)),
    'tlink': msg(70, 23, le('II', 1, 2) + s('hard')),
    'trename': msg(20, 24, le('II', 2, 1) + s('renamed')),
    'trenameat': msg(74, 25, le('I', 1) + s('old') + le('I', 1) + s('new')),
    'tunlinkat': msg(76, 26, le('I', 1) + s('dir') + le('I', 0x200)),
    'tflush': msg(108, 27, le('H', 5)),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    assert len(data) < 300, name
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
