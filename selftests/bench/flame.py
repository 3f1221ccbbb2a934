#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Flame graphs and a where-the-time-goes table from folded stacks.

flame.py svg TITLE FOLDED SVG
    draw FOLDED (lines "task;outermost;...;innermost count", as
    bench-l1.sh writes them) as an SVG flame graph: one box per frame,
    as wide as its share of the samples, callers below callees.
flame.py summary --hz HZ FOLDED...
    print, for each file, the CPU time (samples taken HZ times a second
    on each CPU) and the share of the samples in each part of the system
    (see classify()).
"""

import html
import sys
import zlib


def read_folded(path):
    stacks = []
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack and count.isdigit():
                stacks.append((stack.split(";"), int(count)))
    return stacks


# The parts of the first level's time, in the order the table shows them.
# A second-level guest's time shows up in its vCPU thread: in guest mode
# (perf takes those samples with the guest's registers, not a host
# stack: bench-l1.sh adds them as "[guest mode]"), halted, in KVM
# handling exits (emulating the instructions that touch device memory
# apart), or in QEMU's userspace.  QEMU names its threads
# (-name debug-threads=on): "CPU n/KVM", "worker", the main thread.
PARTS = [
    ("guest", "second-level guest running (vCPU in guest mode)"),
    ("guest-halt", "second-level vCPU halted (waiting for an interrupt)"),
    ("kvm-emulate", "KVM emulating a device access (MMIO/PIO exits)"),
    ("kvm", "KVM: the rest of its exits and guest entries"),
    ("qemu-vcpu", "QEMU userspace on the vCPU thread"),
    ("vhost-9p", "vhost-9p (worker thread and its async work)"),
    ("qemu-main", "QEMU's main loop and workers (QEMU's 9p server)"),
    ("virtiofsd", "virtiofsd"),
    ("idle", "idle (no task on the CPU)"),
    ("other", "everything else"),
]


def classify(frames):
    task, calls = frames[0], frames[1:]
    if task == "[guest mode]":
        return "guest"
    if task == "swapper":
        return "idle"
    if task.startswith("vhost-"):
        return "vhost-9p"
    if any(f.startswith(("vhost_9p", "v9p_")) for f in calls):
        return "vhost-9p"
    if task.startswith("CPU ") and task.endswith("/KVM"):
        if "kvm_vcpu_halt" in calls or "kvm_vcpu_block" in calls:
            return "guest-halt"
        if "x86_emulate_instruction" in calls:
            return "kvm-emulate"
        if any(f.startswith(("kvm_", "svm_", "vmx_")) for f in calls):
            return "kvm"
        return "qemu-vcpu"
    if task.startswith(("virtiofsd", "fv_", "vhost_user")):
        return "virtiofsd"
    if task.startswith("qemu-system") or task == "worker":
        return "qemu-main"
    return "other"


def summary(hz, paths):
    names = [p.rsplit("/", 1)[-1].replace("profile-", "").replace(".folded", "")
             for p in paths]
    width = max([16] + [len(n) for n in names])
    print("CPU time of the first level (s, and share of its samples)")
    print("%-52s" % "" + "".join(" %*s" % (width, n) for n in names))
    shares = []
    for path in paths:
        parts = {}
        stacks = read_folded(path)
        total = sum(c for _, c in stacks) or 1
        for frames, count in stacks:
            key = classify(frames)
            parts[key] = parts.get(key, 0) + count
        shares.append((parts, total))
    for key, name in PARTS:
        if any(parts.get(key) for parts, _ in shares):
            print("%-52s" % name + "".join(
                " %*s" % (width, "%.2f %4.1f%%" % (parts.get(key, 0) / hz,
                                                  100.0 * parts.get(key, 0) / total))
                for parts, total in shares))
    print("%-52s" % "all (samples)" + "".join(
        " %*s" % (width, "%.2f %6d" % (total / hz, total)) for _, total in shares))


def colour(name):
    # Warm hues as flame graphs have them; the kernel parts told apart.
    h = zlib.crc32(name.encode()) & 0xffff
    if "vhost_9p" in name or name.startswith("v9p_"):
        return "rgb(%d,%d,%d)" % (80 + h % 40, 160 + h % 60, 80 + h % 40)
    if name.startswith(("kvm_", "svm_", "vmx_", "[guest")):
        return "rgb(%d,%d,%d)" % (90 + h % 40, 130 + h % 50, 220)
    return "rgb(%d,%d,%d)" % (225 + h % 30, 90 + h % 120, 40 + h % 40)


def svg(title, folded, out):
    root = {"n": 0, "kids": {}}
    for frames, count in read_folded(folded):
        node = root
        node["n"] += count
        for f in frames:
            node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
            node["n"] += count
    width, row, top = 1200, 16, 40
    total = root["n"] or 1
    boxes = []

    def depth(node):
        return 1 + max((depth(k) for k in node["kids"].values()), default=0)

    def walk(node, x, level):
        for name in sorted(node["kids"]):
            kid = node["kids"][name]
            w = (width - 20) * kid["n"] / total
            if w >= 0.3:
                boxes.append((name, kid["n"], 10 + x, level, w))
                walk(kid, x, level + 1)
            x += w

    walk(root, 0.0, 0)
    height = top + row * depth(root) + 10
    with open(out, "w") as f:
        f.write('<?xml version="1.0" standalone="no"?>\n')
        f.write('<svg version="1.1" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg" '
                'font-family="Verdana" font-size="11">\n' % (width, height))
        f.write('<rect width="100%" height="100%" fill="#f8f8f0"/>\n')
        f.write('<text x="%d" y="24" text-anchor="middle" font-size="15">%s (%d samples)</text>\n'
                % (width // 2, html.escape(title), total))
        for name, n, x, level, w in boxes:
            y = height - 10 - row * (level + 1)
            label = html.escape(name)
            f.write('<g><title>%s: %d samples, %.2f%%</title>'
                    '<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" rx="2"/>'
                    % (label, n, 100.0 * n / total, x, y, w, row - 1, colour(name)))
            chars = int(w / 7)
            if chars >= 3:
                text = name if len(name) <= chars else name[:chars - 2] + ".."
                f.write('<text x="%.1f" y="%d">%s</text>' % (x + 3, y + row - 4, html.escape(text)))
            f.write("</g>\n")
        f.write("</svg>\n")


def main(argv):
    if len(argv) == 5 and argv[1] == "svg":
        svg(argv[2], argv[3], argv[4])
    elif len(argv) >= 5 and argv[1] == "summary" and argv[2] == "--hz":
        summary(float(argv[3]), argv[4:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
