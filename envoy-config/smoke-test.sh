#!/usr/bin/env bash
# Checks envoy.yaml with a real Envoy and NO jrego running:
#   - the rendered config passes `envoy --mode validate`
#   - requests through the plaintext and the mTLS listener get 500, closed: ext_authz refuses
#     them with 403, and ext_proc, which cannot reach jrego either, answers that with 500
#   - a TLS client without a certificate, or with one from another CA, is refused
# Uses its own ports (ENVOY_LISTEN_PORT etc. may override them) and a temporary certificate
# folder, starts upstream.py and Envoy itself, and stops both when done.
#
# Usage: envoy-config/smoke-test.sh       (installs the pinned Envoy if `envoy` is missing)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d -t jrego-envoy-smoke.XXXXXX)"
export ENVOY_LISTEN_PORT="${ENVOY_LISTEN_PORT:-18443}"
export ENVOY_PLAIN_PORT="${ENVOY_PLAIN_PORT:-18000}"
export ENVOY_ADMIN_PORT="${ENVOY_ADMIN_PORT:-19901}"
export JREGO_GRPC_PORT="${JREGO_GRPC_PORT:-19191}"   # nothing listens there, on purpose
export UPSTREAM_PORT="${UPSTREAM_PORT:-18080}"
export CERT_DIR="$work/certs"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v envoy >/dev/null 2>&1 || bash "$here/../.ci/install-envoy.sh"
bash "$here/make-certs.sh" "$CERT_DIR" >/dev/null
bash "$here/make-certs.sh" "$work/other-ca" >/dev/null
bash "$here/render.sh" "$work/envoy.yaml" >/dev/null

pass=0 fail=0
check() { # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then pass=$((pass + 1)); echo "ok   $1 ($3)"
  else fail=$((fail + 1)); echo "FAIL $1: expected $2, got $3"; fi
}

if envoy --mode validate -c "$work/envoy.yaml" >"$work/validate.log" 2>&1; then
  check "envoy --mode validate" OK OK
else
  check "envoy --mode validate" OK failed; cat "$work/validate.log"
fi

python3 "$here/upstream.py" >"$work/upstream.log" 2>&1 & pids+=($!)
envoy -c "$work/envoy.yaml" --base-id "$ENVOY_ADMIN_PORT" --log-level warn >"$work/envoy.log" 2>&1 & pids+=($!)

for _ in $(seq 1 50); do
  [[ "$(curl -s "http://127.0.0.1:$ENVOY_ADMIN_PORT/ready" || true)" == LIVE ]] \
    && curl -s -o /dev/null "http://127.0.0.1:$UPSTREAM_PORT/" && break
  sleep 0.2
done

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
tls=(--cacert "$CERT_DIR/ca.crt" --resolve "localhost:$ENVOY_LISTEN_PORT:127.0.0.1")
url="https://localhost:$ENVOY_LISTEN_PORT/v1/chat/completions"
body=(-H 'content-type: application/json' -d '{"model":"gpt-4o-mini"}')

check "upstream answers directly" 200 "$(code "http://127.0.0.1:$UPSTREAM_PORT/x")"
check "plaintext listener, jrego down" 500 "$(code "http://127.0.0.1:$ENVOY_PLAIN_PORT/v1/models")"
check "mTLS listener with client cert, jrego down" 500 \
  "$(code "${tls[@]}" --cert "$CERT_DIR/orchestrator.crt" --key "$CERT_DIR/orchestrator.key" "${body[@]}" "$url")"
check "mTLS listener without client cert refused" 000 "$(code "${tls[@]}" "$url")"
check "mTLS listener with other CA's cert refused" 000 \
  "$(code "${tls[@]}" --cert "$work/other-ca/orchestrator.crt" --key "$work/other-ca/orchestrator.key" "$url")"
errors="$(curl -s "http://127.0.0.1:$ENVOY_ADMIN_PORT/stats?filter=ext_authz.error" | grep -cE '^http\.(mtls|plain)\.ext_authz\.error: [1-9]' || true)"
check "both listeners counted ext_authz errors" 2 "$errors"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
