#!/usr/bin/env bash
# bench-analyzers.sh measures what the cancelcheck analyzers cost against
# plain go vet on the same packages, in one run (docs/performance.md,
# "Analyzer"):
#
#   scripts/bench-analyzers.sh synth [lines...]   synthetic modules (internal/synth),
#                                                 default 10000 50000 100000
#   scripts/bench-analyzers.sh module dir [pkgs]  an existing module (default ./...)
#   scripts/bench-analyzers.sh std                the standard library
#
# Tools, each run REPS times, in alternating order, after one warm-up run:
#
#   vet          go vet PKGS                               go vet's default analyzers
#   vettool      go vet -vettool=cancelcheck PKGS          cancelcheck's analyzers only
#   floor        go vet -vettool=cancelcheck -<rule>=false for every rule: no analyzer
#                at all, so go vet's own cost and type-checking each package
#   cancelcheck  cancelcheck PKGS                          standalone (go/packages: it
#                loads every dependency from source)
#
# Caches. Since Go 1.26, go vet caches the result of every package it has
# vetted without a finding, so a second go vet of unchanged code analyses
# nothing. What is measured here is the analysis of PKGS themselves, with
# everything below them warm: for each module a base GOCACHE is built once
# (PKGS and their tests compiled, and every dependency outside the main
# module vetted by each tool, so that its facts are cached), and every
# timed run gets a fresh hard-linked copy of it. The user's GOCACHE is
# neither used nor changed. That is go vet's cost after a change to every package of
# PKGS, and its steady state before Go 1.26.
#
# Figures: the medians of wall time, CPU time (user+system, all processes)
# and peak memory: GNU time's %M, the largest resident set of any one
# process of the run (go vet runs one tool process per package, up to
# GOMAXPROCS at once, so the run's total can be that many times larger).
#
# Environment: REPS (default 5), SEED (default 1), WORK (default
# /tmp/cancelcheck-bench: binaries, caches, modules, raw samples in
# samples.tsv), TOOLS (default "vet vettool floor cancelcheck").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
reps=${REPS:-5}
seed=${SEED:-1}
work=${WORK:-/tmp/cancelcheck-bench}
tools=${TOOLS:-vet vettool floor cancelcheck}
samples=$work/samples.tsv
rules=(swallowedcancel firsterror shareddeferred logcontextleak)

usage() {
	sed -n '2,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -e/d' >&2
	exit 2
}

if [ ! -x /usr/bin/time ] || ! /usr/bin/time --version 2>&1 | grep -q GNU; then
	echo "bench-analyzers: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
	exit 2
fi

mkdir -p "$work"
bin=$work/cancelcheck
(cd "$root" && go build -o "$bin" ./cmd/cancelcheck)
floorflags=()
for r in "${rules[@]}"; do floorflags+=("-$r=false"); done

load() { cut -d' ' -f1-3 /proc/loadavg; }

# run TOOL DIR CACHE PKGS...: one timed run with a copy of the base cache
# CACHE; prints "wall cpu maxrss_kb status findings" and fails on a crash
# (an exit status other than 0 and 1, or a panic).
run() {
	local tool=$1 dir=$2 base=$3
	shift 3
	local out=$work/run.out tm=$work/run.time cache=$work/cache/run status=0
	local cmd
	case $tool in
	vet) cmd=(go vet "$@") ;;
	vettool) cmd=(go vet -vettool="$bin" "$@") ;;
	floor) cmd=(go vet -vettool="$bin" "${floorflags[@]}" "$@") ;;
	cancelcheck) cmd=("$bin" "$@") ;;
	*) echo "bench-analyzers: unknown tool $tool" >&2; exit 2 ;;
	esac
	rm -rf "$cache"
	cp -al "$base" "$cache"
	(cd "$dir" && GOCACHE=$cache /usr/bin/time -f '%e %U %S %M' -o "$tm" "${cmd[@]}" >"$out" 2>&1) || status=$?
	rm -rf "$cache"
	if [ "$status" -gt 1 ] || grep -q 'panic' "$out"; then
		echo "bench-analyzers: $tool in $dir: exit status $status" >&2
		grep -B2 -A20 -m3 'panic' "$out" >&2 || tail -50 "$out" >&2
		exit 1
	fi
	local findings
	findings=$(grep -cE ": ($(IFS='|'; echo "${rules[*]}")): " "$out" || true)
	# time -o writes "Command exited with non-zero status N" first when it fails.
	awk -v st="$status" -v f="$findings" 'NF==4 {printf "%s %.2f %s %s %s\n", $1, $2+$3, $4, st, f}' "$tm"
}

# warm DIR CACHE PKGS...: builds the base cache CACHE: everything go vet
# needs compiled (PKGS and their tests included), and the facts of every
# dependency outside the main module(s) computed by every vet tool.
#
# The compiling is done in a seed cache that the script keeps in WORK and
# reuses, by a go vet with flags of its own (so its results are cached
# under keys that no timed run uses). The dependencies are vetted through a
# throwaway package that imports them all (go vet of the dependencies
# themselves would vet their tests too).
warm() {
	local dir=$1 base=$2
	shift 2
	local seed=$work/cache/seed
	mkdir -p "$seed"
	(cd "$dir" && GOCACHE=$seed go vet -vettool="$bin" "${floorflags[@]}" -c=99 "$@" >/dev/null 2>&1) || true
	rm -rf "$base"
	cp -al "$seed" "$base"
	(
		cd "$dir"
		export GOCACHE=$base
		local tmpl='{{$main := false}}{{with .Module}}{{$main = .Main}}{{end}}{{if and (not $main) (ne .Name "main") (ne .ImportPath "C")}}{{.ImportPath}}{{end}}'
		local deps
		deps=$(go list -deps -test -e -f "$tmpl" "$@" 2>/dev/null |
			grep -v -e '\.test$' -e ' \[' -e '^vendor/' -e '^internal/' -e '/internal/' -e '/internal$' |
			sort -u || true)
		if [ -z "$deps" ]; then
			return
		fi
		local pkg=zz_cancelcheck_bench_warm
		trap 'rm -rf "$dir/$pkg"' EXIT
		mkdir -p "$pkg"
		{
			echo "// Package warm imports every dependency, for bench-analyzers.sh; delete it."
			echo "package warm"
			echo
			echo "import ("
			printf '\t_ "%s"\n' $deps
			echo ")"
		} >"$pkg/warm.go"
		for tool in $tools; do
			case $tool in
			vet) go vet "./$pkg" ;;
			vettool) go vet -vettool="$bin" "./$pkg" ;;
			floor) go vet -vettool="$bin" "${floorflags[@]}" "./$pkg" ;;
			esac >/dev/null 2>&1 || echo "bench-analyzers: warning: go vet ($tool) of the dependencies failed; they are vetted in every run" >&2
		done
	)
}

# median FIELD < rows: the median of a column.
median() {
	sort -g -k"$1","$1" | awk -v k="$1" '{v[NR]=$k} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}

# bench LABEL LINES DIR PKGS...: warm up, measure, print one table row per tool.
bench() {
	local label=$1 lines=$2 dir=$3
	shift 3
	local base=$work/cache/$label
	echo "== $label: building the base cache" >&2
	warm "$dir" "$base" "$@"
	echo "== $label ($dir $*), load before: $(load)" >&2
	for tool in $tools; do run "$tool" "$dir" "$base" "$@" >/dev/null; done
	local order=($tools)
	for i in $(seq "$reps"); do
		if [ $((i % 2)) = 0 ]; then order=($(printf '%s\n' $tools | tac)); else order=($tools); fi
		for tool in "${order[@]}"; do
			echo "$label $tool $i $(load | cut -d' ' -f1) $(run "$tool" "$dir" "$base" "$@")" >>"$samples"
		done
	done
	echo "== $label, load after: $(load)" >&2
	local vetwall vetcpu
	vetwall=$(grep "^$label vet " "$samples" | median 5)
	vetcpu=$(grep "^$label vet " "$samples" | median 6)
	for tool in $tools; do
		local rows wall cpu mem findings
		rows=$(grep "^$label $tool " "$samples")
		wall=$(median 5 <<<"$rows")
		cpu=$(median 6 <<<"$rows")
		mem=$(median 7 <<<"$rows")
		findings=$(median 9 <<<"$rows")
		awk -v l="$label" -v t="$tool" -v n="$lines" -v w="$wall" -v c="$cpu" -v m="$mem" \
			-v vw="$vetwall" -v vc="$vetcpu" -v f="$findings" 'BEGIN {
			per = (n > 0) ? sprintf("%.0f", w * 1000 / (n / 1000)) : "-"
			printf "| %s | %s | %.1f | %.2f | %.1f | %.2f | %.0f | %s | %d |\n", l, t, w, w / vw, c, c / vc, m / 1024, per, f
		}'
	done
	rm -rf "$base"
}

header() {
	echo "| module | tool | wall s | ×vet | CPU s | ×vet | peak MB | wall ms/1k lines | findings |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
}

machine() {
	echo "go: $(go version)"
	echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "reps: $reps (medians), samples in $samples"
}

: >"$samples"
case ${1:-} in
synth)
	shift
	sizes=("$@")
	[ ${#sizes[@]} -gt 0 ] || sizes=(10000 50000 100000)
	machine
	rows=()
	for n in "${sizes[@]}"; do
		dir=$work/synth$n
		rm -rf "$dir"
		(cd "$root" && go run ./internal/synth/cmd/synth -lines "$n" -seed "$seed" -o "$dir") >/dev/null
		lines=$(grep -m1 '"lines"' "$dir/synth.json" | tr -dc 0-9)
		pkgs=$(grep -m1 '"packages"' "$dir/synth.json" | tr -dc 0-9)
		plain=$(grep -m1 '"plain"' "$dir/synth.json" | tr -dc 0-9)
		hazards=$(grep -c '"rule"' "$dir/synth.json" || true)
		echo "synth$n: $lines lines, $pkgs packages ($plain plain), $hazards planted hazards"
		rows+=("$(bench "synth$n" "$lines" "$dir" ./...)")
	done
	header
	printf '%s\n' "${rows[@]}"
	;;
module)
	[ $# -ge 2 ] || usage
	dir=$(cd "$2" && pwd)
	shift 2
	[ $# -gt 0 ] || set -- ./...
	machine
	lines=$(cd "$dir" && go list -f '{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .TestGoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .XTestGoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}' "$@" | xargs cat | wc -l)
	pkgs=$(cd "$dir" && go list "$@" | wc -l)
	echo "$(basename "$dir"): $lines lines in $pkgs packages (Go files, tests included: every tool analyses tests too)"
	row=$(bench "$(basename "$dir")" "$lines" "$dir" "$@")
	header
	echo "$row"
	;;
std)
	machine
	lines=$(go list -f '{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}' std | xargs cat | wc -l)
	pkgs=$(go list std | wc -l)
	echo "std: $lines lines in $pkgs packages (non-test Go files)"
	row=$(bench std "$lines" "$root" std)
	header
	echo "$row"
	;;
*)
	usage
	;;
esac
