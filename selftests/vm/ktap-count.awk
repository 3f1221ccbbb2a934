# SPDX-License-Identifier: GPL-2.0
#
# Count the results of a vm-suite KTAP file.  Each "# vm-suite: program P"
# line starts a program; its "1..N" plan and its top-level "ok"/"not ok"
# lines are counted.  A program that stopped before reporting all N cases
# (crashed, killed, hung) has the missing ones counted as failures, and so
# has one that reported none at all.  Prints the failing cases, then
# "RESULT pass fail skip".

function close_program()
{
	if (prog == "")
		return
	if (plan < 0 || seen < plan) {
		missing = plan < 0 ? 1 : plan - seen
		fail += missing
		printf "FAIL %s: %d case(s) never reported (%s)\n", prog, missing,
			killed ? "killed at its time limit" : "exit status " status
	}
	prog = ""
}

BEGIN { pass = fail = skip = 0 }

/^# vm-suite: program / {
	close_program()
	prog = substr($0, length("# vm-suite: program ") + 1)
	plan = -1
	seen = 0
	killed = 0
	status = "unknown"
	next
}

/^# vm-suite: .* killed after/ { killed = 1; next }
/^# vm-suite: exit / { status = $4; next }

/^1\.\.[0-9]+/ && prog != "" && plan < 0 { plan = substr($1, 4) + 0; next }

/^(not )?ok [0-9]+/ && prog != "" {
	seen++
	if ($1 == "not") {
		fail++
		printf "FAIL %s: %s\n", prog, $0
	} else if ($0 ~ /# [Ss][Kk][Ii][Pp]/) {
		skip++
		printf "SKIP %s: %s\n", prog, $0
	} else {
		pass++
	}
}

END {
	close_program()
	printf "RESULT %d %d %d\n", pass, fail, skip
}
