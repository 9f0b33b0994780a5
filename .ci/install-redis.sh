#!/usr/bin/env bash
# Installs Debian's redis-server for the token-budget tests (ext-authz-server, package
# io.jrego.server.budget), which start their own redis-server on a free loopback port.
# The package's own service is not needed and is left as the package sets it up.
# Idempotent: does nothing when redis-server is already on PATH.
#
# Usage: .ci/install-redis.sh
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server already installed: $(redis-server --version)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: redis-server is not installed and apt-get is not available" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
echo "installed: $(redis-server --version)"
