# SPDX-License-Identifier: GPL-2.0
#
# kernel-log.sh: what fails a run in a kernel's log, at every level of the
# VM harness: the host reading a first-level guest's console (lib.sh), the
# first-level guest its own dmesg (guest-lib.sh) and the second-level
# guests' logs (suite.sh, and l2-lib.sh in their busybox sh).  POSIX sh.

# A line matching this is the kernel reporting a bug, whatever the tests said.
BAD_KERNEL_LINES='BUG:|WARNING:|Oops|general protection fault|Kernel panic|KASAN:|UBSAN:|kmemleak: [0-9]+ new suspected|possible recursive locking|possible circular locking|inconsistent lock state|INFO: task .* blocked|soft lockup|hard LOCKUP|refcount_t:|list_(add|del) corruption|stack-protector'

# Reports that are the emulator's doing, not the kernel's: TCG's nested
# SVM now and then leaks a debug exception into a second-level guest,
# whose kernel then warns in exc_debug_kernel() (traps.c names QEMU's gdb
# stub as the known way to get that warning).  Not counted as a bug;
# kernel_log_emulated lists them.
EMULATED_KERNEL_LINES='WARNING: CPU: [0-9]+ PID: [0-9]+ at arch/x86/kernel/traps.c:[0-9]+ exc_debug_kernel'

# kernel_log_bad LOG PREFIX: true when the kernel log LOG (a file, read
# once: a pipe will do) reports a bug; then prints each report with 20
# lines after it (60 lines at most), each line after PREFIX, for the
# results.
kernel_log_bad()
{
	set -- "$(grep -Ev "$EMULATED_KERNEL_LINES" "$1" | grep -E -A 20 "$BAD_KERNEL_LINES" |
		head -n 60)" "$2"
	[ -n "$1" ] || return 1
	printf '%s\n' "$1" | sed "s/^/$2/"
}

# kernel_log_emulated LOG PREFIX: the lines of LOG (a file) that
# kernel_log_bad leaves out as the emulator's, each after PREFIX.
kernel_log_emulated()
{
	grep -E "$EMULATED_KERNEL_LINES" "$1" | sed "s/^/$2not counted, the emulator's: /"
}
