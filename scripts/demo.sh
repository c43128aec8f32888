#!/usr/bin/env bash
# The demo from a fresh clone: installs what it needs, builds, and runs apps/demo.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.tools/bin:$ROOT/node_modules/.bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/bootstrap.sh
turbo run build --filter=@keycard/demo... --output-logs=errors-only
npm run demo --silent -w @keycard/demo
