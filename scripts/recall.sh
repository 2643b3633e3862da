#!/usr/bin/env bash
# recall.sh measures cancelcheck's recall on real bug fixes: for each case it
# runs cancelcheck on the package before the fix (the parent commit) and
# after it, and tells whether a finding was near the hazard before and none
# near the fixed line after.
#
#   scripts/recall.sh CASES MIRROR [WORK]
#
# CASES is a tab-separated file with a header line and one case a line:
#
#   id           a name for the case
#   class        the hazard class: 1 misidentified cancellation (== context.Canceled),
#                2 cut chain (%v, aggregate without Unwrap() []error), 3 cancellation
#                swallowed or reported as success, 4 shared work under one caller's
#                context (singleflight), 5 background work under a request context
#   repo         owner/name
#   fix          the fixing commit (full hash)
#   parent       its parent, which has the bug (full hash)
#   module       the module's directory in the repository ("." for the root)
#   package      the package, relative to the module directory ("./x/y", or ".")
#   file         the file of the hazard, relative to the repository root
#   line         the hazard's line in that file at the parent
#   description  one line
#   url          the commit or pull request, when known
#
# MIRROR holds bare git repositories, found as MIRROR/owner+name/repo,
# MIRROR/owner+name, MIRROR/owner/name.git or MIRROR/owner/name. Nothing is
# fetched but Go modules, through the module proxy as usual: the commits
# must be there. Trees of both commits are made once under WORK (default
# /tmp/cancelcheck-recall) with git archive, or, when the repository lacks
# some blob (a snapshot without its largest files), with read-tree and
# checkout-index, skipping those files.
#
# Each side runs, in WORK/trees/<owner+name>/<commit>/<module>,
#
#   GOFLAGS= GOWORK=off GOTOOLCHAIN=local GOSUMDB=off \
#       go vet [-mod=vendor] -vettool=cancelcheck -json $VETFLAGS <package>
#
# under nice -n 10 (cancelcheck and the JSON helper scripts/findings are
# built from this checkout). A finding counts when its position, or one of
# its related positions (a problem in another package is reported at the
# call site), is in the case's file within ±WINDOW lines (default 3) of the
# hazard line before the fix, or of that line as the fix's diff moved it
# after. The output, also written to WORK/results.tsv, is one line a case:
#
#   id class found-before silent-after findings-before findings-after
#
# with yes, no, or error (the package did not build or cancelcheck failed;
# see WORK/results/<id>/), then the totals per class. A case is recalled
# when it is found before and silent after.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 2 ]; then
	sed -n '2,/^set -e/p' "$0" | sed -e 's/^# \{0,1\}//' -e '/^set -e/d' >&2
	exit 2
fi
cases=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mirror=$(cd "$2" && pwd)
work=${3:-/tmp/cancelcheck-recall}
window=${WINDOW:-3}
read -r -a vetflags <<<"${VETFLAGS:-}"

mkdir -p "$work/trees" "$work/results"
work=$(cd "$work" && pwd)
bin=$work/cancelcheck
helper=$work/findings
(cd "$root" && go build -o "$bin" ./cmd/cancelcheck && go build -o "$helper" ./scripts/findings)

gitdir() { # owner/name
	local d
	for d in "$mirror/${1/\//+}/repo" "$mirror/${1/\//+}" "$mirror/$1.git" "$mirror/$1"; do
		if git --git-dir="$d" rev-parse --git-dir >/dev/null 2>&1; then
			echo "$d"
			return
		fi
	done
	echo "recall: no repository for $1 under $mirror" >&2
	return 1
}

tree() { # gitdir commit dir
	[ -e "$3/.complete" ] && return
	rm -rf "$3" && mkdir -p "$3"
	if ! git --git-dir="$1" archive "$2" 2>/dev/null | tar -x -C "$3" 2>/dev/null || [ "${PIPESTATUS[0]}" -ne 0 ]; then
		rm -rf "$3" && mkdir -p "$3"
		local index
		index=$(mktemp)
		GIT_INDEX_FILE=$index git --git-dir="$1" read-tree "$2"
		GIT_INDEX_FILE=$index git --git-dir="$1" --work-tree="$3" checkout-index -a -f 2>/dev/null || true
		rm -f "$index"
	fi
	touch "$3/.complete"
}

vet() { # module-dir package out.jsonl log: 0 when cancelcheck ran
	local modflag=()
	[ -f "$1/vendor/modules.txt" ] && modflag=(-mod=vendor)
	(cd "$1" && GOFLAGS= GOWORK=off GOTOOLCHAIN=local GOSUMDB=off \
		nice -n 10 go vet "${modflag[@]}" -vettool="$bin" -json "${vetflags[@]}" "$2") >"$3.vet" 2>"$4" || return 1
	"$helper" collect -root "$1" <"$3.vet" >"$3" 2>>"$4" || return 1
	rm -f "$3.vet"
	# Analyzers' errors fail the side; go's progress lines do not.
	! grep -v -e '^#' -e '^go: downloading' -e '^go: finding' "$4" | grep -q .
}

results=$work/results.tsv
printf 'id\tclass\tfound-before\tsilent-after\tfindings-before\tfindings-after\n' >"$results"
while IFS=$'\t' read -r id class repo fix parent module pkg file line _ <&3; do
	[ -z "$id" ] && continue
	res=$work/results/$id
	mkdir -p "$res"
	gd=$(gitdir "$repo") || {
		printf '%s\t%s\terror\terror\t-\t-\n' "$id" "$class" >>"$results"
		continue
	}
	fixline=$(git --git-dir="$gd" diff -U0 "$parent" "$fix" -- "$file" | "$helper" mapline -line "$line")
	found=error silent=error nbefore=- nafter=-
	for side in before after; do
		commit=$parent at=$line
		[ "$side" = after ] && commit=$fix at=$fixline
		dir=$work/trees/${repo/\//+}/$commit
		tree "$gd" "$commit" "$dir"
		echo "recall: $id $side: $repo@${commit:0:12} $module $pkg ($file:$at)" >&2
		if vet "$dir/$module" "$pkg" "$res/$side.jsonl" "$res/$side.log"; then
			"$helper" near -file "$file" -line "$at" -window "$window" <"$res/$side.jsonl" >"$res/$side.near.jsonl"
			n=$(wc -l <"$res/$side.near.jsonl")
			if [ "$side" = before ]; then
				nbefore=$n found=no
				[ "$n" -gt 0 ] && found=yes
			else
				nafter=$n silent=no
				[ "$n" -eq 0 ] && silent=yes
			fi
		fi
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$class" "$found" "$silent" "$nbefore" "$nafter" >>"$results"
done 3< <(tail -n +2 "$cases")

column -t -s $'\t' "$results"
echo
echo "per class: cases, found before, silent after, recalled (both), errors"
tail -n +2 "$results" | awk -F'\t' '
	{ n[$2]++; f[$2] += ($3 == "yes"); s[$2] += ($4 == "yes"); b[$2] += ($3 == "yes" && $4 == "yes"); e[$2] += ($3 == "error" || $4 == "error") }
	END { for (c in n) printf "class %s: %d cases, %d found before, %d silent after, %d recalled, %d errors\n", c, n[c], f[c], s[c], b[c], e[c] }' | sort
