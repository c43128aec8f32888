#!/usr/bin/env bash
# Checks every Rego module under policies/: formatting, strict compilation, Regal's lint
# rules and the tests with coverage (the keycard library must stay at 90 % or more).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OPA="${OPA_PATH:-$ROOT/.tools/bin/opa}"
REGAL="${REGAL_PATH:-$ROOT/.tools/bin/regal}"
MIN_LIBRARY_COVERAGE="${MIN_LIBRARY_COVERAGE:-90}"
cd "$ROOT"

unformatted="$("$OPA" fmt -l policies)"
if [[ -n "$unformatted" ]]; then
  echo "rego: these files need \`opa fmt -w\`:" >&2
  echo "$unformatted" >&2
  exit 1
fi
"$OPA" check --strict policies
"$REGAL" lint --config-file policies/.regal/config.yaml policies

coverage_json="$(mktemp)"
results_json="$(mktemp)"
trap 'rm -f "$coverage_json" "$results_json"' EXIT
"$OPA" test policies --format json >"$results_json" || { "$OPA" test policies; exit 1; }
if [[ -n "${KEYCARD_REPORTS:-}" ]]; then
  # Same counters as the other test reports, for the closing summary line.
  node -e '
    const results = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const failed = results.filter((r) => r.fail || r.error).length;
    require("fs").writeFileSync(process.argv[2], JSON.stringify({ numPassedTests: results.length - failed, numFailedTests: failed }));
  ' "$results_json" "$KEYCARD_REPORTS/rego.json"
fi
"$OPA" test --coverage policies/keycard >"$coverage_json"
node -e '
  const report = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const min = Number(process.argv[2]);
  console.log(`rego: keycard library coverage ${report.coverage.toFixed(1)} % (minimum ${min} %)`);
  if (report.coverage < min) process.exit(1);
' "$coverage_json" "$MIN_LIBRARY_COVERAGE"
"$OPA" test policies -v 2>&1 | tail -1
