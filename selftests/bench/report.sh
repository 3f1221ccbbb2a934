#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh RESULTS DIR: medians of each workload for each configuration,
# as a table of figures and of ratios (DIR/table.txt), with each figure's
# number of repetitions, its range and the repetitions lost, and a plot
# of the slowdown against native (DIR/bench.png, if gnuplot is there).
set -euo pipefail
results=$1 dir=$2

# config workload median unit, one line each; and in spread.txt, config
# workload n min max.  (Figures only: a "#" line, or a configuration's
# "CONFIG # ..." line, is a note.)
grep -v '^#' "$results" | awk '$2 != "#"' | sort -k1,1 -k2,2 -k4,4g |
awk -v spread="$dir/spread.txt" '
     { k = $1 " " $2; v[k, ++n[k]] = $4; u[k] = $5 }
     END { for (k in n) { m = n[k]; med = m % 2 ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2
			  print k, med, u[k]
			  print k, m, v[k, 1], v[k, m] > spread } }' | sort > "$dir/medians.txt"
sort -o "$dir/spread.txt" "$dir/spread.txt"
# The repetitions lost: of each workload that repeats, those of the run's
# number (its first line says) that have no figure, whether the workload
# failed (workloads.sh's note) or its guest died first; a workload no
# configuration ran is none of them.
reps=$(sed -n '1s/.*; \([0-9]*\) repetitions$/\1/p' "$results")
awk -v reps="${reps:-0}" -v repeated="tree_read stat_walk seq_read create_delete_2000 randread_4k_qd1 randread_4k_4readers" '
	function config(x) { if (!seen[x]++) c[++nc] = x }
	# A figure; a repetition that failed ("CONFIG # WORKLOAD REP failed");
	# a guest that failed ("# CONFIG: the second-level guest failed").
	!/^#/ && $2 != "#" && $1 !~ /^profile-/ { n[$1, $2]++; ran[$2] = 1; config($1) }
	$2 == "#" && $5 == "failed" && $1 !~ /^profile-/ { ran[$3] = 1; config($1) }
	/^# [^ ]*: the second-level guest failed/ && $2 !~ /^profile/ { sub(/:$/, "", $2); config($2) }
	END { nw = split(repeated, w, " ")
	      for (i = 1; i <= nc; i++)
		      for (j = 1; j <= nw; j++)
			      if (w[j] in ran && reps - n[c[i], w[j]] > 0) print c[i], w[j], reps - n[c[i], w[j]] }' \
	"$results" > "$dir/lost.txt"

# The configurations in the order they ran (profile-CONFIG: figures of
# the profiling runs, not in the table).
CONFIGS=$(awk '!/^#/ && $1 !~ /^profile-/ && !seen[$1]++ { printf "%s ", $1 }' "$results")
WORKLOADS="tree_read stat_walk seq_read create_delete_2000 randread_4k_qd1 randread_4k_4readers fstat_100_open fstat_100000_open boot_root getattr_server_time big_read_server_time"
seq_mib=$(sed -n 's/.*seq\.bin \([0-9]*\) MiB.*/\1/p' "$results" | head -n 1)
awk -v configs="$CONFIGS" -v workloads="$WORKLOADS" -v spread="$dir/spread.txt" -v reps_known="${reps:+1}" \
	-v lostf="$dir/lost.txt" -v seq_mib="${seq_mib:-0}" '
	function fmt(x) { return x == "" ? "-" : x < 10 ? sprintf("%.3f", x) : x < 1000 ? sprintf("%.1f", x) : sprintf("%.0f", x) }
	# how many times worse a is than b (time: a/b; rate: b/a)
	function worse(a, b, unit) { if (a == "" || b == "" || a == 0 || b == 0) return ""; return unit == "/s" ? b / a : a / b }
	# TITLE, then how many times faster configuration b was than a, for
	# each workload both have
	function faster(title, a, b,   w, ow, r, n) {
		for (w = 1; w <= nw; w++) {
			ow = order[w]
			r = worse(med[a, ow], med[b, ow], unit[ow])
			if (r == "") continue
			if (!n++) printf "\n%s\n", title
			printf "%-27s %14s\n", ow, fmt(r)
		}
	}
	{ med[$1, $2] = $3; unit[$2] = $4 }
	END {
		nc = split(configs, c, " ")
		nw = split(workloads, order, " ")
		printf "%-22s %-4s", "workload (median)", "unit"
		for (i = 1; i <= nc; i++) printf " %16s", c[i]
		printf "\n"
		for (w = 1; w <= nw; w++) {
			printf "%-22s %-4s", order[w], unit[order[w]]
			for (i = 1; i <= nc; i++) printf " %16s", fmt(med[c[i], order[w]])
			printf "\n"
		}
		printf "\nratios, cache=none    %14s %14s %14s %14s %14s\n", "vhost-9p", "QEMU 9p", "virtiofs", "vhost-9p is", "vhost-9p is"
		printf "%-27s %14s %14s %14s %14s %14s\n", "", "vs native", "vs native", "vs native", "x QEMU 9p", "x virtiofs"
		for (w = 1; w <= nw; w++) {
			ow = order[w]; uw = unit[ow]
			printf "%-27s", ow
			printf " %14s", fmt(worse(med["vhost-9p", ow], med["native", ow], uw))
			printf " %14s", fmt(worse(med["9p", ow], med["native", ow], uw))
			printf " %14s", fmt(worse(med["virtiofs", ow], med["native", ow], uw))
			printf " %14s", fmt(worse(med["9p", ow], med["vhost-9p", ow], uw))
			printf " %14s\n", fmt(worse(med["virtiofs", ow], med["vhost-9p", ow], uw))
		}
		if (med["vhost-9p", "getattr_server_time"] != "" && med["vhost-9p", "fstat_100_open"] != "")
			printf "\nvhost-9p Tgetattr: server time %.1f us of a %.1f us round trip seen by the guest (%.1f%%)\n",
				med["vhost-9p", "getattr_server_time"], med["vhost-9p", "fstat_100_open"],
				100 * med["vhost-9p", "getattr_server_time"] / med["vhost-9p", "fstat_100_open"]
		if (med["vhost-9p", "big_read_server_time"] != "" && med["vhost-9p", "seq_read"] != "" && seq_mib > 0) {
			g = 1000 * med["vhost-9p", "seq_read"] / seq_mib
			printf "vhost-9p reads of 64 KiB and more: server time %.2f ms per MiB of the %.2f ms per MiB\n", \
				med["vhost-9p", "big_read_server_time"], g
			printf "  the guest'"'"'s sequential read takes (%.1f%%)\n", 100 * med["vhost-9p", "big_read_server_time"] / g
		}
		# n and range (min-max) of each figure, and the repetitions
		# lost (failed or over the limit).
		while ((getline line < spread) > 0) {
			split(line, f, " ")
			rng[f[1], f[2]] = f[3] " " fmt(f[4]) (f[4] == f[5] ? "" : "-" fmt(f[5]))
		}
		nlost = 0
		while ((getline line < lostf) > 0)
			lost[++nlost] = line
		printf "\n%-22s %-4s", "n range (min-max)", "unit"
		for (i = 1; i <= nc; i++) printf " %16s", c[i]
		printf "\n"
		for (w = 1; w <= nw; w++) {
			printf "%-22s %-4s", order[w], unit[order[w]]
			for (i = 1; i <= nc; i++)
				printf " %16s", (c[i], order[w]) in rng ? rng[c[i], order[w]] : "-"
			printf "\n"
		}
		# (In the order the configurations ran, those with no figure
		# included.)
		nl = 0
		for (i = 1; i <= nlost; i++) {
			split(lost[i], f, " ")
			printf "%s%s %s: %d lost", nl++ ? ", " : "\nrepetitions lost (failed, over the limit, or the guest died): ", \
				f[1], f[2], f[3]
		}
		if (!reps_known)
			printf "\nrepetitions lost: unknown (results.txt does not say how many repetitions the run had)\n"
		else
			printf "%s", nl ? "\n" : "\nno repetition lost\n"
		faster("vhost-9p polling its ring, x faster than without:", "vhost-9p", "vhost-9p-poll")
		faster("cache=loose, vhost-9p x faster than QEMU 9p:", "9p-loose", "vhost-9p-loose")
		faster("client/patches in the guest, vhost-9p x faster than with its stock client:", \
		       "vhost-9p", "vhost-9p-patched")
		faster("client/patches in the guest, QEMU 9p x faster than with its stock client:", "9p", "9p-patched")
		for (i = 1; i <= nc; i++)
			if (c[i] ~ /-pio$/)
				faster(c[i] ", notified by port I/O, x faster than by memory writes:", \
				       substr(c[i], 1, length(c[i]) - 4), c[i])
		printf "\n(\"vs native\": how many times slower than native; \"x QEMU 9p\", \"x virtiofs\":\n"
		printf "how many times faster than those; for /s, higher figures are better)\n"
	}' "$dir/medians.txt" > "$dir/table.txt"
{ grep '^#' "$results"; echo; cat "$dir/table.txt"; } > "$dir/table.tmp" && mv "$dir/table.tmp" "$dir/table.txt"
cat "$dir/table.txt"

# The profiles (bench-l1.sh, BENCH_PROFILE): where the first level's CPU
# time went, and a flame graph of each beside its folded stacks.
folded=("$(dirname "$results")"/profile-*.folded)
if [ -e "${folded[0]}" ]; then
	for f in "${folded[@]}"; do
		name=$(basename "$f" .folded)
		python3 "$(dirname "$0")/flame.py" svg "${name#profile-} (first level, perf -F 499)" "$f" "${f%.folded}.svg"
	done
	# (499: bench-l1.sh's perf record -F.)
	python3 "$(dirname "$0")/flame.py" summary --hz 499 "${folded[@]}" > "$dir/profile.txt"
	echo
	cat "$dir/profile.txt"
	printf 'flame graph: %s\n' "${folded[@]/%.folded/.svg}"
fi

command -v gnuplot > /dev/null || { echo "no gnuplot: no plot (apt-get install gnuplot-nox)"; exit 0; }
# slowdown vs native, one row per workload, one column per configuration
plotted=${CONFIGS/native /}
awk -v configs="$plotted" -v workloads="$WORKLOADS" '
	{ med[$1, $2] = $3; unit[$2] = $4 }
	END { nc = split(configs, c, " "); nw = split(workloads, order, " ")
	      for (w = 1; w <= nw; w++) { ow = order[w]; if (med["native", ow] == "") continue
		printf "%s", ow
		for (i = 1; i <= nc; i++) { a = med[c[i], ow]; b = med["native", ow]
			r = (a == "" || a == 0) ? "NaN" : unit[ow] == "/s" ? b / a : a / b; printf " %s", r }
		printf "\n" } }' "$dir/medians.txt" > "$dir/plot.dat"
# Only the configurations that have figures: gnuplot refuses empty columns.
# title CONFIG: its name in the plot's key.
title()
{
	local t=$1
	t=${t/#9p/QEMU 9p}
	t=${t/-loose/ cache=loose}
	t=${t/-poll/ polling}
	t=${t/-mmap/ cache=mmap}
	t=${t/-readahead/ cache=readahead}
	t=${t/-patched/ patched client}
	echo "${t/-pio/ PIO notify}"
}
plots= i=1
for config in $plotted; do
	i=$((i + 1))
	awk -v c=$i '$c != "NaN" { found = 1 } END { exit !found }' "$dir/plot.dat" || continue
	xtic=
	[ -n "$plots" ] || xtic=":xtic(1)"
	plots="$plots${plots:+, }'$dir/plot.dat' using $i$xtic title '$(title "$config")'"
done
[ -n "$plots" ] || { echo "nothing to plot"; exit 0; }
gnuplot <<GP
set terminal pngcairo size 1100,600 noenhanced
set output "$dir/bench.png"
set title "Slowdown against native (median; lower is better; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.5:*]
set ylabel "x native"
set xtics rotate by -25
set key top left
set grid ytics
plot $plots
GP
echo "plot: $dir/bench.png"
