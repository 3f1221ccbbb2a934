# SPDX-License-Identifier: GPL-2.0
#
# fold.awk: the output of "perf script -F comm,tid,ip,sym,dso" of a
# recording with call graphs, folded into one line per distinct stack:
# "task;outermost;...;innermost count".  Tasks "vhost-PID" and
# "kworker/..." are merged by name; the second-level guest's samples
# (task ":PID", no stack) are left out (bench-l1.sh counts them apart).
# An unnamed frame is named by its object, "[object]".
function emit(  i, s) {
	if (comm == "") return
	s = comm
	for (i = nf; i >= 1; i--) s = s ";" frame[i]
	count[s]++
	comm = ""
}
/^[^\t]/ {
	emit()
	comm = $0
	sub(/[ \t]+[0-9]+[ \t]*$/, "", comm); sub(/^[ \t]+/, "", comm)
	if (comm ~ /^:[0-9]+$/) comm = ""	# the guest: fold_guest
	sub(/^vhost-[0-9]+$/, "vhost-PID", comm); sub(/^kworker\/.*/, "kworker", comm)
	gsub(/;/, ":", comm)
	nf = 0
	next
}
/^\t/ {
	line = $0
	sub(/^[ \t]*[0-9a-f]+ /, "", line)
	dso = line; sub(/.* \(/, "", dso); sub(/\)$/, "", dso); sub(/.*\//, "", dso)
	sym = line; sub(/ \([^()]*\)$/, "", sym); sub(/\+0x[0-9a-f]+$/, "", sym)
	if (sym == "[unknown]" || sym == "") sym = dso ~ /^\[/ ? dso : "[" dso "]"
	gsub(/;/, ":", sym)
	frame[++nf] = sym
	next
}
{ emit() }
END { emit(); for (s in count) print s, count[s] }
