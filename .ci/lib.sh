# lib.sh is sourced by the .ci scripts: root (this checkout), work (a
# scratch directory removed on exit), step and fail, and fixture_module.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
start=$SECONDS
work=$(mktemp -d)
# The module cache's files are read-only: make them writable to remove them.
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
step() { printf -- '--- %s (%ds)\n' "$*" $((SECONDS - start)); }
fail() { echo "FAIL: $*"; exit 1; }

# fixture_module DIR: a copy of the fixture module testdata/integration in
# DIR, with a go.mod that points cancelcheck at this checkout (the
# fixture has none, so that nothing takes it for a module of its own).
fixture_module() {
	cp -R "$root/testdata/integration" "$1"
	cat >"$1/go.mod" <<MOD
module example.com/feeds

go 1.26.0

require github.com/cancelcheck/cancelcheck v0.0.0

replace github.com/cancelcheck/cancelcheck => $root
MOD
}
