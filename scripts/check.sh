#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, builds, lints,
# type-checks, runs the Rego checks, the unit and integration tests, the packaging test
# and both demos. `npm run check` runs this; so does CI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.tools/bin:$ROOT/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
REPORTS="$ROOT/.keycard/reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

step() { printf '\n== %s\n' "$*"; }

step "bootstrap"
bash scripts/bootstrap.sh

step "build"
turbo run build --output-logs=errors-only

step "lint"
biome check .
turbo run lint --output-logs=errors-only

step "typecheck"
turbo run typecheck --output-logs=errors-only
tsc -p tsconfig.json

step "rego"
KEYCARD_REPORTS="$REPORTS" bash scripts/rego-check.sh

step "unit tests"
vitest run --reporter=default --reporter=json --outputFile.json="$REPORTS/unit.json"

step "integration tests"
vitest run --config vitest.config.integ.ts --reporter=default --reporter=json --outputFile.json="$REPORTS/integ.json"

step "packages install and import from their tarballs"
node scripts/pack-test.mjs --report "$REPORTS/pack.json"

if [[ -f apps/policy-gate/action.yml ]]; then
  step "the committed action bundle matches its source"
  git diff --exit-code --stat -- apps/policy-gate/dist ||
    { echo "apps/policy-gate/dist is stale: run \`npm run build -w @keycard/policy-gate\` and commit it" >&2; exit 1; }
fi

if [[ -f apps/demo/src/main.ts ]]; then
  step "demo"
  npm run demo --silent -w @keycard/demo
  step "fleet demo"
  npm run demo:fleet --silent -w @keycard/demo
fi

step "summary"
node scripts/summarize-tests.mjs "$REPORTS"
