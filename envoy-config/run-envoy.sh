#!/usr/bin/env bash
# Runs Envoy in the foreground with the rendered envoy.yaml: installs the pinned Envoy if
# `envoy` is missing, makes the test certificates if missing, renders, then execs envoy.
# Port and folder overrides are the ones render.sh reads (ENVOY_LISTEN_PORT, ...).
#
# Usage: envoy-config/run-envoy.sh [extra envoy args, e.g. -l debug]
# Env:   RENDERED  where to write the rendered config (default: a temp file)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export CERT_DIR="${CERT_DIR:-$here/certs}"

command -v envoy >/dev/null 2>&1 || bash "$here/../.ci/install-envoy.sh"
[[ -f "$CERT_DIR/ca.crt" && -f "$CERT_DIR/server.crt" && -f "$CERT_DIR/envoy.crt" ]] \
  || bash "$here/make-certs.sh" "$CERT_DIR"

rendered="${RENDERED:-$(mktemp -t jrego-envoy.XXXXXX.yaml)}"
bash "$here/render.sh" "$rendered"

# Base id from the admin port, so two instances on different ports can share the machine.
exec envoy -c "$rendered" --base-id "${ENVOY_ADMIN_PORT:-9901}" --log-level "${ENVOY_LOG_LEVEL:-info}" "$@"
