#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools-selftest.sh: the benchmark's own tools, on inputs written here,
# without a VM: fold.awk (perf script to folded stacks), flame.py (the
# parts of the system a profile is summed into, and the flame graph) and
# report.sh (medians and ratios).  A wrong table or profile would be a
# wrong claim in Documentation/performance.rst.  Prints "ok - ..." or
# "FAIL ..." per case and "RESULT pass fail 0".
set -uo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
EXPECT_NAME=tools-selftest
. "$bench/../lib/expect.sh"
has() { grep -qxF -- "$1" "$2"; }
# row NAME FILE: the figures of flame.py summary's row NAME.
row() { grep -F -- "$1" "$2" | sed "s/^.\{52\}//" | tr -s ' ' | sed 's/^ //'; }

# perf script -F comm,tid,ip,sym,dso with call graphs, as perf 6.1 writes it.
t=$'\t'
cat > "$tmp/script.txt" <<EOF
         swapper     0 
${t}ffffffff8225295b pv_native_safe_halt ([kernel.kallsyms])
${t}ffffffff813d0116 do_idle ([kernel.kallsyms])

         swapper     0 
${t}ffffffff8225295b pv_native_safe_halt+0x4 ([kernel.kallsyms])
${t}ffffffff813d0116 do_idle+0x1a ([kernel.kallsyms])

      vhost-4242  4250 
${t}ffffffffc0a01000 vhost_9p_handle_request+0x40 ([vhost_9p])
${t}ffffffff81100000 vhost_worker ([kernel.kallsyms])
${t}            7f00 [unknown] ([unknown])

  kworker/1:2-eve  77 
${t}ffffffffc0a02000 op_readdir ([vhost_9p])

:251   251 

       CPU 0/KVM   300 
${t}ffffffffc0b00000 kvm_arch_vcpu_ioctl_run ([kvm])
${t}          4a1b2c ioctl (/usr/lib/x86_64-linux-gnu/libc.so.6)
${t}          400000 [unknown] (/usr/bin/qemu-system-x86_64)
EOF
awk -f "$bench/fold.awk" "$tmp/script.txt" | sort > "$tmp/folded"
expect "fold: two samples of one stack are one line, counted 2, outermost first" \
	has "swapper;do_idle;pv_native_safe_halt 2" "$tmp/folded"
expect "fold: vhost-PID merges the workers; an unnamed frame is its object" \
	has "vhost-PID;[unknown];vhost_worker;vhost_9p_handle_request 1" "$tmp/folded"
expect "fold: kworker/N:M merges to kworker" has "kworker;op_readdir 1" "$tmp/folded"
expect "fold: an unnamed frame in a file is named by the file" \
	has "CPU 0/KVM;[qemu-system-x86_64];ioctl;kvm_arch_vcpu_ioctl_run 1" "$tmp/folded"
expect "fold: the guest's stackless samples are left out, nothing else" \
	[ "$(wc -l < "$tmp/folded")" = 4 ]

# One stack per part of the system, counted so that each part's sum is
# its own number: 1 s at --hz 1 for each sample.
cat > "$tmp/profile-x.folded" <<'EOF'
[guest mode];[second-level guest] 20
CPU 0/KVM;ioctl;kvm_arch_vcpu_ioctl_run;kvm_vcpu_halt;kvm_vcpu_block;schedule 3
CPU 0/KVM;ioctl;kvm_arch_vcpu_ioctl_run;x86_emulate_instruction;emulator_read_write 5
CPU 0/KVM;ioctl;kvm_arch_vcpu_ioctl_run;svm_handle_exit 4
CPU 0/KVM;[qemu-system-x86_64];memory_region_dispatch_write 1
vhost-PID;kthread;vhost_worker;vhost_9p_handle_kick 6
kworker;worker_thread;vhost_9p_async_work;v9p_serve;op_readdir 2
worker;[qemu-system-x86_64];v9fs_co_readdir 7
qemu-system-x86;[qemu-system-x86_64];main_loop_wait 1
virtiofsd;[virtiofsd];lo_lookup 9
swapper;do_idle;pv_native_safe_halt 40
bash;[bash] 2
EOF
python3 "$bench/flame.py" summary --hz 1 "$tmp/profile-x.folded" > "$tmp/summary" 2>&1
expect "summary: guest mode" [ "$(row 'guest running' "$tmp/summary")" = "20.00 20.0%" ]
expect "summary: the vCPU halted" [ "$(row 'vCPU halted' "$tmp/summary")" = "3.00 3.0%" ]
expect "summary: KVM emulating device accesses" [ "$(row 'KVM emulating' "$tmp/summary")" = "5.00 5.0%" ]
expect "summary: KVM's other exits" [ "$(row 'KVM: the rest' "$tmp/summary")" = "4.00 4.0%" ]
expect "summary: QEMU on the vCPU thread" [ "$(row 'QEMU userspace on the vCPU' "$tmp/summary")" = "1.00 1.0%" ]
expect "summary: vhost-9p, its worker and its workqueue" [ "$(row 'vhost-9p (worker' "$tmp/summary")" = "8.00 8.0%" ]
expect "summary: QEMU's main loop and workers" [ "$(row "QEMU's main loop" "$tmp/summary")" = "8.00 8.0%" ]
expect "summary: virtiofsd" [ "$(row 'virtiofsd' "$tmp/summary" | tail -n 1)" = "9.00 9.0%" ]
expect "summary: idle" [ "$(row 'idle (no task' "$tmp/summary")" = "40.00 40.0%" ]
expect "summary: the rest" [ "$(row 'everything else' "$tmp/summary")" = "2.00 2.0%" ]
expect "summary: all the samples" [ "$(row 'all (samples)' "$tmp/summary")" = "100.00 100" ]

python3 "$bench/flame.py" svg "x" "$tmp/profile-x.folded" "$tmp/x.svg"
expect "flame graph: an SVG document" \
	python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$tmp/x.svg"
expect "flame graph: a box per frame, as wide as its samples" \
	grep -q '<title>swapper: 40 samples, 40.00%</title><rect x="[0-9.]*" y="[0-9]*" width="472.0"' "$tmp/x.svg"
# box_y NAME: the y of NAME's box (SVG's y grows downwards).
box_y() { sed -n "s/.*<title>$1: [^<]*<\/title><rect x=\"[0-9.]*\" y=\"\([0-9]*\)\".*/\1/p" "$tmp/x.svg"; }
stacked() { [ "$(box_y pv_native_safe_halt)" -lt "$(box_y do_idle)" ] && [ "$(box_y do_idle)" -lt "$(box_y swapper)" ]; }
expect "flame graph: callees above their callers" stacked

# Two repetitions of each; medians, then ratios.
mkdir -p "$tmp/run"
cat > "$tmp/run/results.txt" <<'EOF'
# tree /x: 10 files, 1 MiB; seq.bin 8 MiB; 2 CPUs; 2 repetitions
native tree_read 1 0.5 s
native tree_read 2 0.7 s
vhost-9p tree_read 1 2 s
vhost-9p tree_read 2 4 s
9p tree_read 1 9 s
9p tree_read 2 6 s
native randread_4k_qd1 1 1000 /s
vhost-9p randread_4k_qd1 1 200 /s
9p randread_4k_qd1 1 50 /s
vhost-9p-poll tree_read 1 2 s
vhost-9p-loose tree_read 1 1 s
9p-loose tree_read 1 3 s
vhost-9p-pio tree_read 1 1 s
profile-vhost-9p tree_read 1 7 s
vhost-9p seq_read 1 1 s
vhost-9p # seq_read 2 failed (exit 124; 124: over 900s)
# virtiofs: the second-level guest failed
EOF
"$bench/report.sh" "$tmp/run/results.txt" "$tmp/run" > "$tmp/report" 2>&1
expect "report: the median of two is their mean" has "vhost-9p tree_read 3 s" "$tmp/run/medians.txt"
expect "report: vhost-9p against native, a time" \
	grep -Eq '^tree_read +5\.000 +12\.5 ' "$tmp/run/table.txt"
expect "report: vhost-9p against QEMU's 9p, a time" \
	grep -Eq '^tree_read( +[-0-9.]+){3} +2\.500 ' "$tmp/run/table.txt"
expect "report: vhost-9p against QEMU's 9p, a rate" \
	grep -Eq '^randread_4k_qd1( +[-0-9.]+){3} +4\.000 ' "$tmp/run/table.txt"
# after TITLE LINE-REGEX: the line after TITLE in the table matches.
after() { grep -A1 -F -- "$1" "$tmp/run/table.txt" | tail -n 1 | grep -Eq -- "$2"; }
expect "report: polling against not" after 'polling its ring' '^tree_read +1\.500$'
expect "report: the cache=loose pair" after 'cache=loose, vhost-9p' '^tree_read +3\.000$'
expect "report: notified by port I/O against not" after 'vhost-9p-pio, notified by port I/O' '^tree_read +3\.000$'
expect "report: each figure's number of repetitions and range" \
	grep -Eq '^tree_read +s +2 0\.500-0\.700 +2 2\.000-4\.000 +2 6\.000-9\.000 +1 2\.000 ' \
	"$tmp/run/table.txt"
expect "report: a failed repetition is counted as lost" \
	grep -Eq '^repetitions lost \(failed, over the limit, or the guest died\): .*, vhost-9p seq_read: 1 lost, ' "$tmp/run/table.txt"
expect "report: so are those of a guest that died before them" \
	grep -Eq '^repetitions lost .*, 9p randread_4k_qd1: 1 lost, ' "$tmp/run/table.txt"
expect "report: and all of a guest that died before its first figure" \
	grep -Eq '^repetitions lost .*, virtiofs tree_read: 2 lost, ' "$tmp/run/table.txt"
expect "report: a workload that no configuration ran is not lost" \
	sh -c "! grep -q stat_walk '$tmp/run/lost.txt'"
expect "report: a configuration's failure note is no figure" \
	sh -c "! grep -q '#' '$tmp/run/medians.txt' '$tmp/run/spread.txt'"
mkdir -p "$tmp/old"
sed '1s/; 2 repetitions$//' "$tmp/run/results.txt" > "$tmp/old/results.txt"
"$bench/report.sh" "$tmp/old/results.txt" "$tmp/old" > /dev/null 2>&1
expect "report: results that do not say their repetitions claim no count of lost ones" \
	grep -q '^repetitions lost: unknown' "$tmp/old/table.txt"
expect "report: a column per configuration run, in order, and no profiling run" \
	grep -Eq '^workload \(median\) +unit +native +vhost-9p +9p +vhost-9p-poll +vhost-9p-loose +9p-loose +vhost-9p-pio$' \
	"$tmp/run/table.txt"

expect_result
