#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests: everything that runs without a guest kernel (the KTAP
# counter, protocol.c's unit tests, 30 seconds of fuzzing protocol.c).
# Prints a line per case and "RESULT pass fail skip" last.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
EXPECT_NAME=unit
. "$top/selftests/lib/expect.sh"

# The VM harness's KTAP counter, on inputs whose counts are known.
for input in "$here"/ktap/*.ktap; do
	expect "ktap-count/$(basename "$input" .ktap)" diff -u "${input%.ktap}.expected" \
		<(awk -f "$top/selftests/vm/ktap-count.awk" "$input")
done

# test-install.sh's rule for skips (scripts/install-result.sh), planted:
# a case behind a step that failed is skipped, one that cannot run for a
# missing package fails.  install_counts KIND REASON: "pass fail skip".
install_counts()
{
	local n=0 pass=0 fail=0 skip=0 summary=()
	. "$top/scripts/install-result.sh"
	result "$1" case "$2" > /dev/null
	echo "$pass $fail $skip"
}
expect "install-result/skip-behind-a-failed-step" \
	[ "$(install_counts skip "make dkms-source failed")" = "0 0 1" ]
expect "install-result/missing-dkms-fails" \
	[ "$(install_counts skip "dkms is not installed (make deps)")" = "0 1 0" ]
expect "install-result/not-root-fails" [ "$(install_counts skip "needs root")" = "0 1 0" ]

# run_cases NAME CMD...: run a program that prints a line per case, "ok -
# ..." or "FAIL ...", and count them.  One that exits non-zero without a
# FAIL line (a sanitizer stopped it) is one more failure.
run_cases()
{
	local name=$1 out rc=0 p f
	shift
	out=$("$@" 2>&1) || rc=$?
	p=$(grep -c '^ok - ' <<< "$out")
	f=$(grep -c '^FAIL' <<< "$out")
	grep -v '^RESULT ' <<< "$out"
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		fail=$((fail + 1))
		echo "FAIL $name: exited with status $rc"
	fi
}

# protocol.c, the wire format, with ASan and UBSan.
build=$top/build/unit
mkdir -p "$build"
if ! command -v clang > /dev/null; then
	fail=$((fail + 1))
	echo "FAIL protocol/build: clang is not installed (make deps)"
elif ! clang -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I"$top/include/uapi" -I"$top/drivers/vhost/9p" \
	-o "$build/protocol_test" "$here/protocol_test.c" "$top/drivers/vhost/9p/protocol.c" \
	> "$build/protocol_test.log" 2>&1; then
	fail=$((fail + 1))
	sed 's/^/    /' "$build/protocol_test.log"
	echo "FAIL protocol/build: protocol_test does not build with ASan and UBSan"
else
	run_cases protocol/run "$build/protocol_test"
fi

# The decoder fuzzed for a bounded time (make fuzz fuzzes longer).
run_cases fuzz/protocol "$top/selftests/fuzz/run.sh" 30

expect_result
