#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: every test of the project, as `make check` runs it on a fresh
# Debian 12 machine: setup, the module built warning-free and sparse-clean
# for every kernel in kernels.list, checkpatch --strict, the tools and
# selftests built, host unit tests and the benchmark's tools' tests,
# make install and DKMS into temporary trees, the VM harness's self-test,
# and the VM suite on every kernel.
# Ends with "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VHOST9P_TOP"

logs=$VHOST9P_BUILD/check
mkdir -p "$logs"
rm -f "$logs/crashes" "$logs/failures"
pass=0 fail=0 skip=0
failed=()
start=$(date +%s)

say() { printf '%-60s %s\n' "$1" "$2"; }

# step NAME CMD...: one test case that passes when CMD succeeds and prints
# no compiler or checker warning.
step()
{
	local name=$1 log
	shift
	log=$logs/$(echo "$name" | tr -c 'A-Za-z0-9.+-' _).log
	if "$@" > "$log" 2>&1 && ! grep -Eq '(warning|error):' "$log"; then
		pass=$((pass + 1))
		say "$name" ok
	else
		fail=$((fail + 1))
		failed+=("$name")
		say "$name" FAILED
		grep -E '(warning|error):' "$log" | head -n 20 | sed 's/^/    /'
		tail -n 15 "$log" | sed 's/^/    /'
	fi
}

# counted NAME CMD...: a runner that prints "RESULT pass fail skip" last;
# its cases count one by one.  A runner that prints no RESULT line failed
# as a whole.
counted()
{
	local name=$1 log p f s
	shift
	log=$logs/$(echo "$name" | tr -c 'A-Za-z0-9.+-' _).log
	"$@" > "$log" 2>&1
	if read -r _ p f s < <(grep '^RESULT ' "$log" | tail -n 1); then
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		say "$name" "$p passed, $f failed, $s skipped"
		grep -E '^(\[[^]]*\] )?(FAIL|SKIP|RETRY|CRASH|NOTE| +#)' "$log" | sed 's/^/    /'
		[ "$f" = 0 ] || failed+=("$name")
		grep -E '^(\[[^]]*\] )?CRASH' "$log" >> "$logs/crashes"
		# What failed and the harness's reason, digested again at the end.
		[ "$f" = 0 ] || grep -E '^(\[[^]]*\] )?(FAIL|CRASH) |^(\[[^]]*\] )? +# [^ ]+:[0-9]+:' \
			"$log" >> "$logs/failures"
		if [ "$f" != 0 ] && grep -q 'VM FAILURE' "$log"; then
			sed -n '/VM FAILURE/,/^---$/p' "$log" | head -n 60 | sed 's/^/    /'
		fi
	else
		fail=$((fail + 1))
		failed+=("$name")
		say "$name" "FAILED (no result)"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
}

knobs=$(check_knobs) || { echo "$knobs"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
[ -z "$knobs" ] || echo "$knobs"

echo "== setup"
scripts/setup.sh || { echo "setup failed: cannot test"; echo "0 passed, 1 failed"; exit 1; }

echo "== build and static checks"
# Build from scratch, so that every warning is seen.
rm -rf "$VHOST9P_BUILD"/{kmod,kmod-debug,client,selftests,tools,crashme}
for kver in $(kernels_list 1); do
	step "module builds warning-free for $kver" make --no-print-directory KVER="$kver" modules
	step "debug module (fault injection) builds warning-free for $kver" \
		make --no-print-directory KVER="$kver" modules-debug
	step "sparse clean for $kver" make --no-print-directory KVER="$kver" sparse
	! client_patched "$kver" ||
		step "the 9p client with client/patches builds warning-free for $kver" \
		make --no-print-directory KVER="$kver" client
done
step "checkpatch --strict" make --no-print-directory checkpatch
step "tools and selftests build warning-free" make --no-print-directory tools selftests
step "harness self-test module builds" make --no-print-directory crashme
step "QEMU 10.0 with the vhost-9p device builds" make --no-print-directory qemu

echo "== host unit tests"
counted "unit tests" selftests/unit/run.sh
counted "benchmark tools (folding, profile, flame graph, report)" selftests/bench/tools-selftest.sh

echo "== make install and DKMS"
counted "make install, man page, DKMS" scripts/test-install.sh

echo "== VM harness self-test ($(default_kver))"
counted "harness catches planted failures" selftests/vm/harness-selftest.sh "$(default_kver)"

for kver in $(kernels_list 1); do
	echo "== VM suite on $kver"
	counted "VM suite on $kver" selftests/vm/run-suite.sh "$kver"
done

# Kernel crashes again, digested, where a reader of the output's tail sees them.
if [ -s "$logs/crashes" ]; then
	echo "== kernel crashes in the first-level guests"
	sed 's/^/    /' "$logs/crashes"
fi
echo "== $(( $(date +%s) - start ))s; logs in $logs"
# The failed cases with their reasons again, for a reader of the tail only.
if [ -s "$logs/failures" ]; then
	echo "== failed cases ($(wc -l < "$logs/failures") lines; the first 15)"
	head -n 15 "$logs/failures" | cut -c 1-200 | sed 's/^/    /'
fi
[ -z "$knobs" ] || echo "$knobs"
[ "${#failed[@]}" = 0 ] || printf 'failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
