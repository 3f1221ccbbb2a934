# SPDX-License-Identifier: GPL-2.0
#
# install-result.sh: test-install.sh's bookkeeping, apart so that the
# unit tests can check its rule: a case is skipped only behind a step that
# failed; one that cannot run for anything else (a package, root) fails.
# The caller sets n, pass, fail and skip to 0 and summary to ().

# result pass|fail|skip NAME [REASON]: report one case.
result()
{
	n=$((n + 1))
	case $1 in
	pass)
		pass=$((pass + 1))
		echo "ok $n $2"
		;;
	fail)
		fail=$((fail + 1))
		echo "not ok $n $2"
		summary+=("FAIL $2")
		;;
	skip)
		# Skipped only behind a step that failed (counted already);
		# anything else missing (a package, root) fails the case.
		case $3 in
		*" failed")
			skip=$((skip + 1))
			echo "ok $n $2 # SKIP $3"
			summary+=("SKIP $2: $3")
			;;
		*)
			fail=$((fail + 1))
			echo "not ok $n $2 # cannot run: $3"
			summary+=("FAIL $2: cannot run: $3")
			;;
		esac
		;;
	esac
}
