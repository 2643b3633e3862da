#!/usr/bin/env bash
# bench-module.sh measures cancelcheck on one module checkout, in one
# command (docs/performance.md, "A real module in one command"):
#
#   scripts/bench-module.sh DIR [PKGS]     PKGS default ./...; for the standard
#                                          library: DIR=$(go env GOROOT)/src PKGS=std
#
# Tools, each run REPS times, in alternating order:
#
#   vet             go vet PKGS (its default analyzers)
#   vettool         go vet -vettool=cancelcheck $FLAGS PKGS
#   standalone      cancelcheck $FLAGS PKGS
#   gcl-govet       golangci-lint run with govet only        } golangci-lint v2.15.0 built
#   gcl-cancelcheck golangci-lint run with the plugin only   } with this checkout's plugin
#
# Caches: warm builds, cold results. A base GOCACHE is primed with
# `go build PKGS` and `go test -vet=off -exec true -run '^$' PKGS` (every
# package and test compiled, nothing run or vetted; kept in WORK for the
# next run on the same packages) and each timed run gets a fresh
# hard-linked copy of it, so every tool analyses PKGS and all their dependencies (for
# their facts) with nothing to compile; golangci-lint gets an empty cache
# of its own each time. The user's caches are neither used nor changed.
#
# Figures, medians over the runs: wall time, CPU time (user+system, all
# processes), the largest analysis process's peak memory (go vet runs one
# tool process per package: each is timed by a wrapper around the tool,
# for plain go vet a wrapper around go's own vet tool) and the whole run's
# (GNU time's %M: the largest process of the run, the go command or
# golangci-lint included). Then the ratios: vettool against vet, the
# standalone command's peak against the largest vettool process, the
# plugin against govet alone.
#
# Environment: REPS (default 3), FLAGS (cancelcheck's flags for vettool
# and standalone, for example -selftest: every package summarised as if it
# used the runtime), TOOLS (default all five), WORK (default
# /tmp/cancelcheck-bench-module: binaries, caches, raw samples in
# samples.tsv, each run's output in out.<tool>.txt).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
reps=${REPS:-3}
flags=(${FLAGS:-})
tools=${TOOLS:-vet vettool standalone gcl-govet gcl-cancelcheck}
work=${WORK:-/tmp/cancelcheck-bench-module}
gclversion=v2.15.0

usage() {
	sed -n '2,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -e/d' >&2
	exit 2
}
[ $# -ge 1 ] || usage
dir=$(cd "$1" && pwd)
shift
[ $# -gt 0 ] || set -- ./...
pkgs=("$@")

if [ ! -x /usr/bin/time ] || ! /usr/bin/time --version 2>&1 | grep -q GNU; then
	echo "bench-module: needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2
	exit 2
fi

mkdir -p "$work/bin" "$work/cache"
samples=$work/samples.tsv
: >"$samples"
bin=$work/bin/cancelcheck
(cd "$root" && go build -o "$bin" ./cmd/cancelcheck)

# wrap NAME TOOL: a vet tool that runs TOOL and appends its peak memory
# (KB) and package to $work/procs.log, for the largest process of a run.
wrap() {
	cat >"$work/bin/$1" <<SH
#!/bin/sh
for last; do :; done
case \$last in
*.cfg) exec /usr/bin/time -f "%M \$(sed -n 's/^[[:space:]]*"ID": "\\(.*\\)",\$/\\1/p' "\$last" | head -1)" -a -o "$work/procs.log" "$2" "\$@" ;;
esac
exec "$2" "\$@"
SH
	chmod +x "$work/bin/$1"
}
wrap vet "$(go env GOTOOLDIR)/vet"
wrap vettool "$bin"

gcl=$work/bin/custom-gcl
gclconfig=$work/golangci.yml
case " $tools " in
*" gcl-"*)
	# golangci-lint custom clones golangci-lint from GitHub; from the module
	# proxy's copy instead, as .ci/golangci.sh does.
	if [ ! -x "$gcl" ]; then
		echo "== building golangci-lint $gclversion with the plugin" >&2
		GOBIN=$work/bin GOFLAGS=-buildvcs=false go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$gclversion"
		src=$(go mod download -json "github.com/golangci/golangci-lint/v2@$gclversion" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
		repo=$work/golangci-lint.git
		rm -rf "$repo" "$work/gclbuild"
		cp -R "$src" "$repo"
		chmod -R u+w "$repo"
		git -C "$repo" init -q
		git -C "$repo" add -A
		git -C "$repo" -c user.name=bench -c user.email=bench@localhost commit -q -m "golangci-lint $gclversion"
		git -C "$repo" tag "$gclversion"
		mkdir "$work/gclbuild"
		cat >"$work/gclbuild/.custom-gcl.yml" <<YML
version: $gclversion
name: custom-gcl
destination: $work/bin
plugins:
  - module: github.com/cancelcheck/cancelcheck/analyzers/golangci
    path: $root/analyzers/golangci
  - module: github.com/cancelcheck/cancelcheck
    import: github.com/cancelcheck/cancelcheck/analyzers
    path: $root
YML
		(
			cd "$work/gclbuild"
			export GIT_CONFIG_COUNT=1
			export GIT_CONFIG_KEY_0="url.file://$repo.insteadOf"
			export GIT_CONFIG_VALUE_0=https://github.com/golangci/golangci-lint.git
			"$work/bin/golangci-lint" custom >/dev/null
		)
	fi
	cat >"$gclconfig" <<'YML'
version: "2"
linters:
  default: none
  settings:
    custom:
      cancelcheck:
        type: module
        description: reports code that does not survive cancellation
issues:
  max-issues-per-linter: 0
  max-same-issues: 0
YML
	;;
esac

echo "== priming the build cache (go build, go test -vet=off -exec true)" >&2
base=$work/cache/base-$(echo "$dir ${pkgs[*]} $(go version)" | cksum | cut -d' ' -f1)
(
	cd "$dir"
	export GOCACHE=$base
	go build "${pkgs[@]}" >/dev/null 2>&1 || echo "bench-module: warning: go build failed" >&2
	go test -vet=off -exec true -run '^$' "${pkgs[@]}" >/dev/null 2>&1 || echo "bench-module: warning: go test -exec true failed" >&2
)

# run TOOL: one timed run; prints "wall cpu run_kb largest_kb status".
run() {
	local tool=$1 cache=$work/cache/run status=0
	local cmd
	case $tool in
	vet) cmd=(go vet -vettool="$work/bin/vet" "${pkgs[@]}") ;;
	vettool) cmd=(go vet -vettool="$work/bin/vettool" "${flags[@]}" "${pkgs[@]}") ;;
	standalone) cmd=("$bin" "${flags[@]}" "${pkgs[@]}") ;;
	gcl-govet) cmd=("$gcl" run --config="$gclconfig" --enable-only=govet "${pkgs[@]}") ;;
	gcl-cancelcheck) cmd=("$gcl" run --config="$gclconfig" --enable-only=cancelcheck "${pkgs[@]}") ;;
	*) echo "bench-module: unknown tool $tool" >&2; exit 2 ;;
	esac
	rm -rf "$cache" "$work/gclcache"
	cp -al "$base" "$cache"
	: >"$work/procs.log"
	(cd "$dir" && GOCACHE=$cache GOLANGCI_LINT_CACHE=$work/gclcache \
		/usr/bin/time -f '%e %U %S %M' -o "$work/run.time" "${cmd[@]}" >"$work/out.$tool.txt" 2>&1) || status=$?
	rm -rf "$cache" "$work/gclcache"
	if [ "$status" -gt 1 ] || grep -q '^panic: \|^goroutine [0-9]* \[' "$work/out.$tool.txt"; then
		echo "bench-module: $tool: exit status $status" >&2
		tail -30 "$work/out.$tool.txt" >&2
		exit 1
	fi
	local largest
	largest=$(sort -n "$work/procs.log" | tail -1 | cut -d' ' -f1)
	# time -o writes "Command exited with non-zero status N" first when it fails.
	awk -v st="$status" -v big="${largest:-0}" 'NF==4 {printf "%s %.2f %s %s %s\n", $1, $2+$3, $4, (big > 0 ? big : $4), st}' "$work/run.time"
	if [ -s "$work/procs.log" ]; then
		sort -n "$work/procs.log" | tail -1 | sed "s/^/bench-module: $tool: largest process (KB, package): /" >&2
	fi
}

median() {
	sort -g -k"$1","$1" | awk -v k="$1" '{v[NR]=$k} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}

echo "go: $(go version)"
echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "module: $dir (${pkgs[*]}), cancelcheck flags: ${flags[*]:-none}, reps: $reps, samples in $samples"
order=($tools)
for i in $(seq "$reps"); do
	if [ $((i % 2)) = 0 ]; then order=($(printf '%s\n' $tools | tac)); else order=($tools); fi
	for tool in "${order[@]}"; do
		echo "== $tool, run $i, load $(cut -d' ' -f1 /proc/loadavg)" >&2
		echo "$tool $i $(run "$tool")" >>"$samples"
	done
done

# field TOOL N: the median of column N of TOOL's samples (3 wall, 4 cpu,
# 5 run KB, 6 largest process KB).
field() { grep "^$1 " "$samples" | median "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else printf "-"}'; }

echo
echo "| tool | wall s | CPU s | largest process MB | run MB | exit |"
echo "|---|---:|---:|---:|---:|---:|"
for tool in $tools; do
	awk -v t="$tool" -v w="$(field "$tool" 3)" -v c="$(field "$tool" 4)" -v r="$(field "$tool" 5)" \
		-v l="$(field "$tool" 6)" -v s="$(field "$tool" 7)" \
		'BEGIN {printf "| %s | %.1f | %.1f | %.0f | %.0f | %d |\n", t, w, c, l / 1024, r / 1024, s}'
done
echo
has() { case " $tools " in *" $1 "*) return 0 ;; esac; return 1; }
if has vet && has vettool; then
	echo "vettool / vet: wall $(ratio "$(field vettool 3)" "$(field vet 3)")x, CPU $(ratio "$(field vettool 4)" "$(field vet 4)")x, largest process $(ratio "$(field vettool 6)" "$(field vet 6)")x"
fi
if has vettool && has standalone; then
	echo "standalone peak / largest vettool process: $(ratio "$(field standalone 6)" "$(field vettool 6)")x; standalone / vettool wall $(ratio "$(field standalone 3)" "$(field vettool 3)")x, CPU $(ratio "$(field standalone 4)" "$(field vettool 4)")x"
fi
if has gcl-govet && has gcl-cancelcheck; then
	echo "golangci-lint plugin / govet only: wall $(ratio "$(field gcl-cancelcheck 3)" "$(field gcl-govet 3)")x, CPU $(ratio "$(field gcl-cancelcheck 4)" "$(field gcl-govet 4)")x, peak $(ratio "$(field gcl-cancelcheck 5)" "$(field gcl-govet 5)")x"
fi
