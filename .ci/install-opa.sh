#!/usr/bin/env bash
# Builds the reference OPA CLI from source with `go install`, pinned, so the Rego bundle
# tests and differential runs against real OPA use a known version.
# The binary lands at "$(go env GOPATH)/bin/opa" (printed at the end); callers should
# use that path rather than whatever `opa` is on PATH.
# Idempotent: does nothing when that binary already reports the pinned version.
#
# Usage: .ci/install-opa.sh
# Env:   OPA_VERSION  override the pin (default below)
set -euo pipefail

OPA_VERSION="${OPA_VERSION:-1.22.2}"

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "error: go is not installed; OPA $OPA_VERSION needs a recent Go toolchain" >&2
    exit 1
  fi
fi

OPA_BIN="$(go env GOPATH)/bin/opa"

opa_version_of() {
  # Capture first: with pipefail, an early-closing reader would kill the writer (SIGPIPE, 141).
  local out
  out="$("$1" version 2>/dev/null || true)"
  sed -n 's/^Version: *//p;T;q' <<<"$out"
}

if [[ -x "$OPA_BIN" && "$(opa_version_of "$OPA_BIN")" == "$OPA_VERSION" ]]; then
  echo "opa $OPA_VERSION already installed"
else
  echo "building opa v$OPA_VERSION with $(go version) (takes a minute or two)"
  # Build outside any module so a go.mod in the caller's folder cannot interfere.
  (cd / && go install "github.com/open-policy-agent/opa@v$OPA_VERSION")
  got="$(opa_version_of "$OPA_BIN")"
  if [[ "$got" != "$OPA_VERSION" ]]; then
    echo "error: expected opa $OPA_VERSION at $OPA_BIN, found '${got:-nothing}'" >&2
    exit 1
  fi
fi

echo "opa binary: $OPA_BIN"
out="$("$OPA_BIN" version)"; echo "${out%%$'\n'*}"
