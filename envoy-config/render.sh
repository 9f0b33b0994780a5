#!/usr/bin/env bash
# Renders envoy.yaml (the template beside this script) to OUTPUT, replacing exactly the
# placeholders below and nothing else. Values come from the environment, else the defaults.
#
# Usage: envoy-config/render.sh OUTPUT
#   e.g. ENVOY_LISTEN_PORT=10443 JREGO_GRPC_PORT=19191 envoy-config/render.sh /tmp/envoy.yaml
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: $0 OUTPUT}"

export ENVOY_LISTEN_PORT="${ENVOY_LISTEN_PORT:-8443}"
export ENVOY_PLAIN_PORT="${ENVOY_PLAIN_PORT:-8000}"
export ENVOY_ADMIN_PORT="${ENVOY_ADMIN_PORT:-9901}"
export JREGO_GRPC_PORT="${JREGO_GRPC_PORT:-9191}"
export UPSTREAM_PORT="${UPSTREAM_PORT:-8080}"
export CERT_DIR="${CERT_DIR:-$here/certs}"
export JREGO_CLUSTER="${JREGO_CLUSTER:-jrego}"

# Envoy resolves relative file names against its working directory: make CERT_DIR absolute.
if [[ "$CERT_DIR" != /* ]]; then
  CERT_DIR="$(cd "$(dirname "$CERT_DIR")" && pwd)/$(basename "$CERT_DIR")"
fi

python3 - "$here/envoy.yaml" "$out" <<'PY'
import os, re, sys

names = ["ENVOY_LISTEN_PORT", "ENVOY_PLAIN_PORT", "ENVOY_ADMIN_PORT",
         "JREGO_GRPC_PORT", "UPSTREAM_PORT", "CERT_DIR", "JREGO_CLUSTER"]
if os.environ["JREGO_CLUSTER"] not in ("jrego", "jrego_mtls"):
    sys.exit(f"render.sh: JREGO_CLUSTER must be jrego or jrego_mtls, got {os.environ['JREGO_CLUSTER']!r}")
for n in names:
    if n not in ("CERT_DIR", "JREGO_CLUSTER") and not os.environ[n].isdigit():
        sys.exit(f"render.sh: {n} must be a port number, got {os.environ[n]!r}")

template = open(sys.argv[1]).read()
text = re.sub(r"\$\{(" + "|".join(names) + r")\}", lambda m: os.environ[m.group(1)], template)
left = re.findall(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", text)
if left:
    sys.exit(f"render.sh: unknown placeholders left: {sorted(set(left))}")
with open(sys.argv[2], "w") as f:
    f.write(text)
PY
echo "rendered $out (listen $ENVOY_LISTEN_PORT, plain $ENVOY_PLAIN_PORT, admin $ENVOY_ADMIN_PORT, jrego $JREGO_GRPC_PORT, upstream $UPSTREAM_PORT, certs $CERT_DIR, ext_authz cluster $JREGO_CLUSTER)"
