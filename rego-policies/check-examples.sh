#!/usr/bin/env bash
# Evaluates data.envoy.authz.allow for every examples/*.input.json against the ai-gateway
# bundle and compares it with the matching *.expected.json (JSON equality, key order ignored).
#
# Usage: rego-policies/check-examples.sh            # with real OPA (see .ci/install-opa.sh)
#        EVAL='mycmd {bundle} {input}' rego-policies/check-examples.sh
#   EVAL is any command printing the decision as JSON; {bundle} and {input} are replaced.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="$here/ai-gateway"

if [[ -z "${EVAL:-}" ]]; then
  opa="${OPA:-$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/opa}"
  [[ -x "$opa" ]] || opa="$(command -v opa || true)"
  [[ -n "$opa" ]] || { echo "error: opa not found; run .ci/install-opa.sh" >&2; exit 1; }
  EVAL="$opa eval -f raw -d {bundle} -i {input} data.envoy.authz.allow"
fi

pass=0 fail=0
for input in "$here"/examples/*.input.json; do
  name="$(basename "$input" .input.json)"
  cmd="${EVAL//\{bundle\}/$bundle}"
  cmd="${cmd//\{input\}/$input}"
  if got="$($cmd 2>&1)" && python3 - "$here/examples/$name.expected.json" "$got" <<'PY'
import json, sys
expected = json.load(open(sys.argv[1]))
sys.exit(0 if json.loads(sys.argv[2]) == expected else 1)
PY
  then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name"; echo "  got: $got"
  fi
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
