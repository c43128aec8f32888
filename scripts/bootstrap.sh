#!/usr/bin/env bash
# Provides everything the tests and the demo need, idempotently:
#   node_modules, the OPA CLI and Regal (pinned), and moto in a local virtualenv.
# A second run with everything present returns in well under a few seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
OPA_VERSION="1.22.2"
REGAL_VERSION="0.35.1"
MOTO_SPEC="moto[server]>=5,<6"

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$BIN"

# --- npm packages -----------------------------------------------------------
lock="$ROOT/package-lock.json"
stamp="$ROOT/node_modules/.keycard-lock-stamp"
if [[ ! -f "$stamp" ]] || ! cmp -s "$lock" "$stamp"; then
  say "installing npm packages"
  # `npm ci` would be stricter, but npm 11 rejects lockfiles that omit other platforms'
  # optional binaries (biome, turbo); `npm install` still installs exactly what the lock pins.
  (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error)
  cp "$lock" "$stamp"
fi

# --- Go-built tools ---------------------------------------------------------
need_go() {
  command -v go >/dev/null 2>&1 ||
    die "Go is required to build $1 (install Go 1.26 or newer: https://go.dev/doc/install), or put $1 on PATH"
}

opa_version_of() { "$1" version 2>/dev/null | sed -n 's/^Version: //p'; }

ensure_opa() {
  if [[ -n "${OPA_PATH:-}" ]]; then
    [[ -x "$OPA_PATH" ]] || die "OPA_PATH=$OPA_PATH is not an executable"
    ln -sf "$OPA_PATH" "$BIN/opa"
    return
  fi
  if [[ -x "$BIN/opa" && "$(opa_version_of "$BIN/opa")" == "$OPA_VERSION" ]]; then return; fi
  local onpath
  onpath="$(PATH="${PATH//$BIN:/}" command -v opa 2>/dev/null || true)"
  if [[ -n "$onpath" && "$(opa_version_of "$onpath")" == "$OPA_VERSION" ]]; then
    ln -sf "$onpath" "$BIN/opa"
    return
  fi
  need_go "the OPA CLI v$OPA_VERSION"
  say "building the OPA CLI v$OPA_VERSION (first run only, a few minutes)"
  rm -f "$BIN/opa"
  GOBIN="$BIN" GOFLAGS=-mod=mod go install "github.com/open-policy-agent/opa@v$OPA_VERSION"
}

ensure_regal() {
  if [[ -n "${REGAL_PATH:-}" ]]; then
    [[ -x "$REGAL_PATH" ]] || die "REGAL_PATH=$REGAL_PATH is not an executable"
    ln -sf "$REGAL_PATH" "$BIN/regal"
    return
  fi
  # Regal built from its module reports no version of its own, so the pin is kept beside it.
  if [[ -x "$BIN/regal" && "$(cat "$BIN/regal.version" 2>/dev/null)" == "$REGAL_VERSION" ]]; then return; fi
  need_go "Regal v$REGAL_VERSION"
  say "building Regal v$REGAL_VERSION (first run only, a few minutes)"
  # `go install module@version` looks the module's version list up for deprecations, and
  # Regal's list is not served everywhere; building inside a pinned module avoids that look-up.
  local mod="$TOOLS/regal-build"
  rm -rf "$mod" "$BIN/regal" "$BIN/regal.version"
  mkdir -p "$mod"
  (
    cd "$mod"
    go mod init keycard.local/regal-build >/dev/null 2>&1
    go get "github.com/styrainc/regal@v$REGAL_VERSION" >/dev/null 2>&1
    GOBIN="$BIN" go install github.com/styrainc/regal
  ) || die "Regal v$REGAL_VERSION could not be built (see the go output above)"
  echo "$REGAL_VERSION" >"$BIN/regal.version"
}

ensure_moto() {
  local venv="$TOOLS/venv"
  if [[ -x "$venv/bin/moto_server" ]]; then return; fi
  command -v python3 >/dev/null 2>&1 ||
    die "Python 3.9+ is required for the local AWS emulator (install python3 and python3-venv)"
  say "installing moto into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 cannot create virtualenvs (install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$MOTO_SPEC"
}

ensure_opa
ensure_regal
ensure_moto
say "ready: opa $(opa_version_of "$BIN/opa"), regal, moto ($TOOLS)"
