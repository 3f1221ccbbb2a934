#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host unit tests: everything that runs without a guest kernel.  Prints a
# line per case and "RESULT pass fail skip" last.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pass=0 fail=0

# The VM harness's KTAP counter, on inputs whose counts are known.
for input in "$here"/ktap/*.ktap; do
	name=ktap-count/$(basename "$input" .ktap)
	if diff -u "${input%.ktap}.expected" \
		<(awk -f "$top/selftests/vm/ktap-count.awk" "$input"); then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name"
	fi
done

echo "RESULT $pass $fail 0"
[ "$fail" = 0 ]
