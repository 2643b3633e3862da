#!/usr/bin/env bash
# cancelcheck -sarif, validated against the SARIF 2.1.0 JSON schema: the
# log of the fixture module testdata/integration (findings with fixes),
# of a clean package (no results) and of a run against a baseline.
#
# The schema is the one GitHub's SARIF tooling uses (sarif-2.1.0-rtm.5, a
# draft-04 JSON schema), as the npm package @microsoft/jest-sarif ships it;
# the validator is ajv with its draft-04 support. Both are pinned and
# installed from the npm registry into a temporary directory, so that
# the Go module keeps no JavaScript and no copy of the schema.
#
# Usage: .ci/sarif.sh   (from anywhere; needs go, node and npm)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

step "schema and validator from the npm registry"
if ! command -v npm >/dev/null; then
	echo "no npm: installing Debian's nodejs and npm"
	apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
npm install --silent --no-audit --no-fund --prefix "$work/npm" \
	ajv@8.17.1 ajv-draft-04@1.0.0 ajv-formats@3.0.1 @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null
schema="$work/npm/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"
[ -f "$schema" ] || fail "no SARIF schema at $schema"
cat >"$work/npm/validate.js" <<'JS'
// validate.js SCHEMA LOG...: validate SARIF logs against the schema.
const fs = require("fs");
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");
// unicodeRegExp: false: the schema's "language" pattern is not valid with the u flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));
let ok = true;
for (const file of process.argv.slice(3)) {
  const log = JSON.parse(fs.readFileSync(file, "utf8"));
  if (validate(log)) {
    const results = log.runs.map((r) => r.results.length).reduce((a, b) => a + b, 0);
    console.log(`${file}: valid SARIF ${log.version}, ${results} results`);
  } else {
    ok = false;
    console.log(`${file}: invalid:`);
    for (const e of validate.errors) console.log(`  ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
process.exit(ok ? 0 : 1);
JS

step "cancelcheck -sarif on the fixture module"
go build -o "$work/cancelcheck" "$root/cmd/cancelcheck"
mod="$work/feeds"
fixture_module "$mod"
# run CMD... : run in the module, require exit status $want.
run() {
	local code=0
	(cd "$mod" && "$@") || code=$?
	[ "$code" = "$want" ] || fail "$* exited $code, want $want"
}
want=1 run "$work/cancelcheck" -sarif ./... >"$work/findings.sarif"
want=0 run "$work/cancelcheck" -sarif ./clean >"$work/clean.sarif"
want=0 run "$work/cancelcheck" -baseline-write "$work/baseline.json" ./api
printf '\n//cancelcheck:cancellable\nfunc OnNew(t *deferred.Task, d *deferred.Deferred[int]) error {\n\tif _, err := deferred.Await(t, d); err != nil {\n\t\tlog.Print(err)\n\t}\n\treturn nil\n}\n' >>"$mod/api/api.go"
want=1 run "$work/cancelcheck" -sarif -baseline "$work/baseline.json" ./api >"$work/new.sarif"

step "validate"
(cd "$work/npm" && node validate.js "$schema" "$work/findings.sarif" "$work/clean.sarif" "$work/new.sarif") | tee "$work/validate.txt"
grep -q 'findings.sarif: valid SARIF 2.1.0, 8 results' "$work/validate.txt" || fail "want 8 results in findings.sarif"
grep -q 'clean.sarif: valid SARIF 2.1.0, 0 results' "$work/validate.txt" || fail "want 0 results in clean.sarif"
grep -q 'new.sarif: valid SARIF 2.1.0, 1 results' "$work/validate.txt" || fail "want 1 result in new.sarif"
grep -q '"baselineState": "new"' "$work/new.sarif" || fail "the new finding has no baselineState new"
# The validator rejects what the schema forbids: a ruleId that is no string.
sed '0,/"ruleId": "swallowedcancel"/s//"ruleId": 7/' "$work/findings.sarif" >"$work/broken.sarif"
! (cd "$work/npm" && node validate.js "$schema" "$work/broken.sarif") >/dev/null || fail "the validator accepted broken.sarif"
step "pass"
