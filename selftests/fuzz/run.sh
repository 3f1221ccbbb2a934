#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [SECONDS]: build the libFuzzer target for protocol.c and fuzz it for
# SECONDS (default 60), from a copy of the seed corpus (corpus/ and
# recorded/) in build/fuzz/.
# Prints "ok - fuzz/protocol (N runs, S seconds)" or "FAIL fuzz/protocol:
# FILE", then "RESULT pass fail skip".  A crashing input is kept in
# build/fuzz/crashes/; replay it with build/fuzz/protocol_fuzz FILE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
out=$top/build/fuzz
bin=$out/protocol_fuzz

case "$secs" in
'' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

result()
{
	echo "RESULT $1 $2 0"
	[ "$2" = 0 ]
}

mkdir -p "$out"
if ! command -v clang > /dev/null; then
	echo "FAIL fuzz/protocol: clang is not installed (make deps)"
	result 0 1
	exit
fi
if ! clang -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I"$top/include/uapi" -I"$top/drivers/vhost/9p" \
	-o "$bin" "$here/protocol_fuzz.c" "$top/drivers/vhost/9p/protocol.c" \
	> "$out/build.log" 2>&1; then
	sed 's/^/    /' "$out/build.log"
	echo "FAIL fuzz/protocol: the target does not build (libFuzzer: libclang-rt-14-dev)"
	result 0 1
	exit
fi

# A scratch copy: what the fuzzer adds to its corpus stays out of the tree.
work=$(mktemp -d "$out/run.XXXXXX")
mkdir "$work/corpus"
# Seeds by hand (corpus/) and the real client's requests (recorded/, make corpus).
cp "$here"/corpus/* "$work/corpus/"
if [ -d "$here/recorded" ]; then
	cp "$here"/recorded/* "$work/corpus/"
fi
start=$(date +%s)
rc=0
"$bin" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" > "$work/fuzz.log" 2>&1 || rc=$?
elapsed=$(( $(date +%s) - start ))
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)

mapfile -t found < <(find "$work" -maxdepth 1 -type f \
	\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
if [ "$rc" = 0 ] && [ "${#found[@]}" = 0 ] && [ -n "$runs" ]; then
	echo "ok - fuzz/protocol (${runs} runs, ${elapsed} seconds)"
	rm -rf "$work"
	result 1 0
	exit
fi

# What the sanitizer or libFuzzer said, and the input, kept for replay.
{
	grep -E -A 40 '^(==[0-9]+== ?ERROR|.*runtime error|protocol_fuzz:)' "$work/fuzz.log" ||
		tail -n 30 "$work/fuzz.log"
} | head -n 60 | sed 's/^/    /'
crash=
if [ "${#found[@]}" -gt 0 ]; then
	mkdir -p "$out/crashes"
	cp "${found[@]}" "$out/crashes/"
	crash=$out/crashes/$(basename "${found[0]}")
	od -A d -t x1 "$crash" | head -n 20 | sed 's/^/    /'
fi
echo "FAIL fuzz/protocol: ${crash:-fuzzer exited $rc without a crash file, log in $work/fuzz.log}"
result 0 1
