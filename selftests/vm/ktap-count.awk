# SPDX-License-Identifier: GPL-2.0
#
# Count the results of a vm-suite KTAP file.  Each "# vm-suite: program P"
# line starts a program; its "1..N" plan and its top-level "ok"/"not ok"
# lines are counted.  A program that stopped before reporting all N cases
# (crashed, killed, hung) has the missing ones counted as failures, and so
# has one that reported none at all.  A program that reported every case
# but then exited non-zero, or was killed, without a failing case of its
# own, fails once more; so does one whose plan came after its first case
# (a plan written at the end counts only what ran).
#
# A skip is allowed only for a reason of ALLOWED_SKIPS below: what the
# kernel or the machine under test lacks.  Any other skip (a setup that
# failed, a tool not installed, a module not built) fails, with its reason.  Prints the failing cases, each with
# the diagnostic lines around it (kselftest prints them before the case,
# the suite's own checks after it), what a program notes for the summary
# ("# vm-suite: NOTE ..."), then "RESULT pass fail skip".

function flush_diag(    i)
{
	for (i = 0; i < ndiag; i++)
		printf "    %s\n", diag[i]
	ndiag = 0
}

function keep_diag(line,    i)
{
	if (ndiag == MAXDIAG) {
		for (i = 1; i < MAXDIAG; i++)
			diag[i - 1] = diag[i]
		ndiag--
	}
	diag[ndiag++] = line
}

function close_program()
{
	if (prog == "")
		return
	if (plan < 0 || seen < plan) {
		missing = plan < 0 ? 1 : plan - seen
		fail += missing
		printf "FAIL %s: %d case(s) never reported (%s)\n", prog, missing,
			killed ? "killed at its time limit" : "exit status " status
		flush_diag()
	} else if (!prog_fail && (killed || (status != "unknown" && status != 0))) {
		fail++
		printf "FAIL %s: %s after reporting every case\n", prog,
			killed ? "killed at its time limit" : "exit status " status
		flush_diag()
	}
	prog = ""
	ndiag = 0
	after = 0
}

BEGIN {
	pass = fail = skip = 0; MAXDIAG = 12
	# The one list of reasons a case may be skipped for, as regular
	# expressions over the reason after "# SKIP".
	ALLOWED_SKIPS["^kernel without FUSE"] = 1
	ALLOWED_SKIPS["^no userfaultfd"] = 1
	# mapped_test's refusal of a file system without user.* xattrs has
	# none to run on where tmpfs has them (6.6 and later).
	ALLOWED_SKIPS["^/[^ ]* has user\\.\\* xattrs$"] = 1
	# e2e_client's xattr cases over an export on tmpfs, which has no
	# user.* xattrs before 6.6 (the suite says so only on such a kernel).
	ALLOWED_SKIPS["^tmpfs before 6\\.6 has no user\\.\\* xattrs$"] = 1
	# A CPU without nested SVM or VMX: no second-level guest.
	ALLOWED_SKIPS["no /dev/kvm"] = 1
	ALLOWED_SKIPS["^planted allowed skip$"] = 1
}

function skip_allowed(line,    reason, re)
{
	reason = line
	sub(/^.*# [Ss][Kk][Ii][Pp] */, "", reason)
	for (re in ALLOWED_SKIPS)
		if (reason ~ re)
			return 1
	return 0
}

/^# vm-suite: program / {
	close_program()
	prog = substr($0, length("# vm-suite: program ") + 1)
	plan = -1
	seen = 0
	killed = 0
	prog_fail = 0
	status = "unknown"
	next
}

/^# vm-suite: .* killed after/ { killed = 1; next }
/^# vm-suite: exit / { status = $4; next }
/^# vm-suite: RETRY / { printf "RETRY %s: %s\n", prog, substr($0, 19); after = 2 * MAXDIAG; next }
/^# vm-suite: NOTE / { printf "NOTE %s: %s\n", prog, substr($0, 18); next }

/^1\.\.[0-9]+/ && prog != "" && plan < 0 {
	plan = substr($1, 4) + 0
	if (seen) {
		fail++
		prog_fail++
		printf "FAIL %s: its plan (%s) came after %d case(s): a plan must come first\n",
			prog, $1, seen
	}
	next
}

/^(not )?ok [0-9]+/ && prog != "" {
	seen++
	after = 0
	if ($1 == "not") {
		fail++
		prog_fail++
		printf "FAIL %s: %s\n", prog, $0
		flush_diag()
		after = MAXDIAG
	} else if ($0 ~ /# [Ss][Kk][Ii][Pp]/ && skip_allowed($0)) {
		skip++
		printf "SKIP %s: %s\n", prog, $0
	} else if ($0 ~ /# [Ss][Kk][Ii][Pp]/) {
		fail++
		prog_fail++
		printf "FAIL %s: %s: a skip for a reason not allowed (ktap-count.awk's ALLOWED_SKIPS)\n",
			prog, $0
		flush_diag()
		after = MAXDIAG
	} else {
		pass++
	}
	ndiag = 0
	next
}

/^#/ && prog != "" {
	if (after > 0) {
		printf "    %s\n", $0
		after--
	} else {
		keep_diag($0)
	}
}

END {
	close_program()
	printf "RESULT %d %d %d\n", pass, fail, skip
}
