#!/usr/bin/env bash
# The golangci-lint module plugin, end to end: build golangci-lint v2 with
# the cancelcheck plugin of this checkout (`golangci-lint custom`, as users
# do), run it on the fixture module testdata/integration, and check the
# findings: the problems of package store reported at package api's entry
# points (facts across packages), //cancelcheck:ignore honoured,
# //nolint:cancelcheck suppressing the one finding it marks, and the
# entrypoints setting making package hooks' //feeds:handler an entry point.
#
# `golangci-lint custom` clones golangci-lint from GitHub. Only the Go
# module proxy is reachable here, so the script makes golangci-lint's
# module source a local git repository with the version's tag and points
# git at it with GIT_CONFIG_* (the only git settings `custom` passes on).
#
# Usage: .ci/golangci.sh   (from anywhere; needs go, git, the module proxy)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
version=v2.15.0

step "plugin unit tests (analyzers/golangci is a module of its own)"
(cd "$root/analyzers/golangci" && go vet ./... && go test ./...)

step "golangci-lint $version from the module proxy"
GOBIN="$work/bin" GOFLAGS=-buildvcs=false go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"
src=$(go mod download -json "github.com/golangci/golangci-lint/v2@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$src" ] || { echo "no module directory for golangci-lint $version"; exit 1; }
cp -R "$src" "$work/golangci-lint.git"
chmod -R u+w "$work/golangci-lint.git"
git -C "$work/golangci-lint.git" init -q
git -C "$work/golangci-lint.git" add -A
git -C "$work/golangci-lint.git" -c user.name=ci -c user.email=ci@localhost commit -q -m "golangci-lint $version"
git -C "$work/golangci-lint.git" tag "$version"

step "golangci-lint custom"
mkdir "$work/build"
cat >"$work/build/.custom-gcl.yml" <<YML
version: $version
name: custom-gcl
destination: $work/bin
plugins:
  # The plugin, from this checkout.
  - module: github.com/cancelcheck/cancelcheck/analyzers/golangci
    path: $root/analyzers/golangci
  # The analyzers it registers, from this checkout too (a released plugin
  # requires a released cancelcheck and needs no such entry).
  - module: github.com/cancelcheck/cancelcheck
    import: github.com/cancelcheck/cancelcheck/analyzers
    path: $root
YML
(
	cd "$work/build"
	export GIT_CONFIG_COUNT=1
	export GIT_CONFIG_KEY_0="url.file://$work/golangci-lint.git.insteadOf"
	export GIT_CONFIG_VALUE_0=https://github.com/golangci/golangci-lint.git
	"$work/bin/golangci-lint" custom -v
)

step "custom-gcl on the fixture module"
mod="$work/feeds"
fixture_module "$mod"
cat >"$mod/.golangci.yml" <<'YML'
version: "2"
linters:
  default: none
  enable:
    - cancelcheck
  settings:
    custom:
      cancelcheck:
        type: module
        description: reports code that does not survive cancellation
        settings:
          rules: [swallowedcancel, firsterror, shareddeferred, logcontextleak]
issues:
  max-issues-per-linter: 0
  max-same-issues: 0
YML
# gcl ARGS...: run custom-gcl in the module; its output in $work/out.txt,
# its exit status in code.
gcl() {
	set +e
	(cd "$mod" && "$work/bin/custom-gcl" run --output.text.print-issued-lines=false --show-stats=false "$@") >"$work/out.txt" 2>&1
	code=$?
	set -e
	cat "$work/out.txt"
}
gcl ./...
[ "$code" = 1 ] || fail "custom-gcl exit status $code, want 1 (issues found)"
want=(
	"api/api.go:17:9: swallowedcancel: in store.Store.Title at example.com/feeds/store/store.go:21: "
	"api/api.go:24:9: firsterror: in store.Store.Body at example.com/feeds/store/store.go:32: "
	"api/api.go:52:2: swallowedcancel: //cancelcheck:ignore swallowedcancel needs a reason"
	"api/api.go:53:2: swallowedcancel: the error from Await may be a cancellation"
	"web/web.go:28:15: firsterror: in store.Store.Link at example.com/feeds/store/store.go:67: "
	"web/web.go:38:42: swallowedcancel: in store.Store.Title at example.com/feeds/store/store.go:21: "
	"web/web.go:46:10: firsterror: == deferred.ErrCancelled is never true for a cancellation"
)
for w in "${want[@]}"; do
	grep -qF -- "$w" "$work/out.txt" || fail "no finding $w"
done
# The plugin sets -inline: why and the call path are in the message.
grep -qF -- 'the function returns normally, so cancelled work carries on as if nothing had happened (call path: OnTitle → store.Store.Title)' "$work/out.txt" ||
	fail "the plugin's messages do not carry why and the call path (-inline)"
n=$(grep -c ' (cancelcheck)$' "$work/out.txt" || true)
[ "$n" = "${#want[@]}" ] || fail "$n cancelcheck findings, want ${#want[@]}"
! grep -q 'api/api.go:40:' "$work/out.txt" || fail "//nolint:cancelcheck did not suppress the finding on api/api.go:40"

step "settings.entrypoints: a directive of the code base's own marks entry points"
gcl ./hooks
[ "$code" = 0 ] || fail "without settings.entrypoints, hooks has no entry point: exit status $code, want 0"
sed -i 's#^          rules: .*#&\n          entrypoints: ["//feeds:handler"]#' "$mod/.golangci.yml"
gcl ./hooks
[ "$code" = 1 ] && grep -qF 'hooks/hooks.go:15:2: swallowedcancel: the error from Await may be a cancellation' "$work/out.txt" ||
	fail "with settings.entrypoints, no finding in OnPing (exit $code)"

step "an unknown setting stops golangci-lint with an error that names it"
sed -i 's/^          rules: .*/&\n          entry_points: [OnTitle]/' "$mod/.golangci.yml"
gcl ./...
[ "$code" != 0 ] && grep -q 'unknown field "entry_points"' "$work/out.txt" || fail "no error for an unknown setting (exit $code)"

step "pass"
