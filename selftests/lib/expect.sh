# SPDX-License-Identifier: GPL-2.0
#
# expect.sh: the counted checks of the self-tests that run on the host
# (harness-selftest.sh, tools-selftest.sh, unit/run.sh).  Set EXPECT_NAME
# to the suite's name, then source it.  Each check prints "ok - WHAT" or
# "FAIL EXPECT_NAME: WHAT", which is what check.sh counts.

pass=0 fail=0

# expect WHAT CMD...: one case, passed when CMD succeeds.
expect()
{
	local what=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
		echo "ok - $what"
	else
		fail=$((fail + 1))
		echo "FAIL $EXPECT_NAME: $what"
	fi
}

# expect_result: the "RESULT pass fail skip" line; fails if a case did.
expect_result()
{
	echo "RESULT $pass $fail 0"
	[ "$fail" = 0 ]
}
