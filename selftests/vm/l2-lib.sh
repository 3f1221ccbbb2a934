# SPDX-License-Identifier: GPL-2.0
#
# l2-lib.sh: the bookkeeping of the end-to-end guest's /init (l2-e2e-init,
# busybox sh), apart so that harness-selftest.sh can plant failures in it
# on the host.  The caller sets n (the last case's number) and results
# (the file the cases go to).

ok() { n=$((n + 1)); echo "ok $n $*" >> "$results"; }
fail() { n=$((n + 1)); echo "not ok $n $*" >> "$results"; }
check() {
	local what=$1
	shift
	if "$@" > /dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

# e2e_run PREFIX DIR MODE: e2e_client's cases, named with PREFIX, numbered
# on from n.  The numbers of all it planned are taken whatever happens, so
# a client that crashes leaves cases missing, which count as failed, and
# fails once more with its status.
e2e_run() {
	local prefix=$1 want start=$n got rc=0
	shift
	want=$(e2e_client --plan)
	e2e_client "$@" $n > "$results.client" || rc=$?
	sed "s/^\(\(not \)\{0,1\}ok [0-9]*\) /\1 $prefix/" "$results.client" >> "$results"
	got=$(grep -c '^\(not \)\{0,1\}ok ' "$results.client")
	n=$((start + want))
	[ "$rc" = 0 ] && [ "$got" = "$want" ] ||
		fail "${prefix}e2e_client exited $rc after $got of its $want cases"
}

# l2_log_check LOG: one case, failed when the kernel log LOG reports a bug
# (kernel_log_bad: kernel-log.sh, sourced first): a warning or an oops of
# the 9p client fails even if every operation succeeded.
l2_log_check() {
	local reports
	if reports=$(kernel_log_bad "$1" "# "); then
		fail "the second-level guest's kernel log is clean"
		echo "$reports" >> "$results"
	else
		ok "the second-level guest's kernel log is clean"
	fi
}
