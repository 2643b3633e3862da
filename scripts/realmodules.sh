#!/usr/bin/env bash
# realmodules.sh runs cancelcheck on real modules and writes, for each, what
# a person needs to judge its findings (docs/precision.md):
#
#   scripts/realmodules.sh DIR[:PATTERNS] ...
#
# DIR is a module's directory (a checkout, never fetched here); PATTERNS are
# comma-separated package patterns relative to it (default ./...), as in
# /src/etcd/server:./etcdserver/...,./storage/... The cancelcheck binary
# and the JSON helper scripts/findings are built from the checkout this
# script lives in; the rules are the ones that binary has (cancelcheck
# -flags), so new rules are picked up.
#
# Each module runs as
#
#   GOFLAGS= GOWORK=off GOTOOLCHAIN=local GOSUMDB=off \
#       go vet [-mod=vendor] -vettool=cancelcheck -json $VETFLAGS PATTERNS
#
# under nice -n 10, one module at a time (-mod=vendor when DIR has
# vendor/modules.txt; modules come from the module proxy as usual). It
# writes into $OUT/<name of DIR>/:
#
#   findings.jsonl  one finding a line: {"rule","package","file","line","col","message"},
#                   file relative to DIR, sorted by position
#   summary.tsv     findings per rule (every rule of the binary, zeros too)
#   sample.md       $N findings per rule picked at random (seed $SEED), each with
#                   $CONTEXT lines of source either side and a verdict to fill in
#   errors.txt      analyzers' errors, and what go vet printed on stderr
#                   (packages that do not build)
#
# and $OUT/summary.md: one row per module with its findings per rule, the
# wall time of the run and the number of error lines.
#
# Environment: OUT (default /tmp/cancelcheck-real), N (30), SEED (1),
# CONTEXT (5), VETFLAGS (extra flags for cancelcheck, e.g. -all or
# -firsterror.all; default none).
#
# Try it on this repository's own example, which has findings:
#
#   scripts/realmodules.sh .:./examples/chat/...
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/cancelcheck-real}
n=${N:-30}
seed=${SEED:-1}
context=${CONTEXT:-5}
read -r -a vetflags <<<"${VETFLAGS:-}"

if [ $# -eq 0 ]; then
	sed -n '2,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -e/d' >&2
	exit 2
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
bin=$out/cancelcheck
helper=$out/findings
(cd "$root" && go build -o "$bin" ./cmd/cancelcheck && go build -o "$helper" ./scripts/findings)
rules=$("$bin" -flags | "$helper" rules | paste -sd, -)
echo "realmodules: rules $rules" >&2

summary=$out/summary.md
{
	echo "| module | dir | $(echo "$rules" | sed 's/,/ | /g') | seconds | error lines |"
	echo "|---|---|$(echo "$rules" | sed 's/[^,]*/---:/g; s/,/|/g')|---:|---:|"
} >"$summary"

for arg in "$@"; do
	dir=${arg%%:*}
	patterns=(./...)
	if [ "$arg" != "$dir" ]; then
		IFS=, read -r -a patterns <<<"${arg#*:}"
	fi
	dir=$(cd "$dir" && pwd)
	name=$(basename "$dir")
	res=$out/$name
	mkdir -p "$res"
	modflag=()
	[ -f "$dir/vendor/modules.txt" ] && modflag=(-mod=vendor)

	echo "realmodules: $name: go vet ${modflag[*]} -vettool=cancelcheck -json ${vetflags[*]} ${patterns[*]}" >&2
	start=$(date +%s)
	status=0
	(cd "$dir" && GOFLAGS= GOWORK=off GOTOOLCHAIN=local GOSUMDB=off \
		nice -n 10 go vet "${modflag[@]}" -vettool="$bin" -json "${vetflags[@]}" "${patterns[@]}") \
		>"$res/vet.json" 2>"$res/vet.stderr" || status=$?
	seconds=$(($(date +%s) - start))

	"$helper" collect -root "$dir" <"$res/vet.json" >"$res/findings.jsonl" 2>"$res/errors.txt"
	if [ "$status" -ne 0 ]; then
		echo "go vet exit status $status; its stderr:" >>"$res/errors.txt"
		cat "$res/vet.stderr" >>"$res/errors.txt"
	fi
	"$helper" summary -rules "$rules" <"$res/findings.jsonl" >"$res/summary.tsv"
	module=$(cd "$dir" && GOFLAGS= GOWORK=off GOTOOLCHAIN=local go list "${modflag[@]}" -m 2>/dev/null || echo "?")
	"$helper" sample -root "$dir" -rules "$rules" -n "$n" -seed "$seed" -context "$context" \
		-title "cancelcheck on $module (${patterns[*]})" <"$res/findings.jsonl" >"$res/sample.md"
	rm -f "$res/vet.json" "$res/vet.stderr"

	errlines=$(wc -l <"$res/errors.txt")
	counts=$(cut -f2 "$res/summary.tsv" | head -n "$(echo "$rules" | tr , '\n' | wc -l)" | paste -sd'|' -)
	echo "| $module | $name | ${counts//|/ | } | $seconds | $errlines |" >>"$summary"
	echo "realmodules: $name: $(paste -sd' ' "$res/summary.tsv" | tr '\t' =), ${seconds}s, $errlines error lines; $res" >&2
done
cat "$summary"
