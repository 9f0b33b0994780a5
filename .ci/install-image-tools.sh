#!/usr/bin/env bash
# Installs what container/build-image.sh and container/run-image.sh need beside a JDK and python3:
# bubblewrap (the image's training run and ContainerImageIT run the image in it, without a
# container engine). apt-get and dpkg-deb come with every Debian or Ubuntu; setpriv with util-linux.
set -euo pipefail

if command -v bwrap >/dev/null 2>&1; then
  echo "bwrap: $(bwrap --version)"
  exit 0
fi
sudo=""
(( EUID == 0 )) || sudo="sudo"
$sudo apt-get update -q
$sudo apt-get install -y -q bubblewrap
echo "bwrap: $(bwrap --version)"
