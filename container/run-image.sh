#!/usr/bin/env bash
# Runs jrego's image without a container engine, as a container runtime would: the layers
# unpacked into a root, that root mounted read-only as /, a fresh /tmp, the image's user, its
# entrypoint, environment and working folder (bubblewrap; the host's network, so a port it opens
# on 127.0.0.1 is reachable from the host).
#
#   container/run-image.sh [--root DIR] [-e NAME=VALUE]... IMAGE.tar [ARGS...]
#
# ARGS replace the image's Cmd, as `docker run IMAGE ARGS` does. --root DIR unpacks into DIR/rootfs
# (and the config into DIR/config.json) instead of a temporary folder, or reuses what is there. Started by root, the sandbox itself runs
# as the image's uid on the host too (setpriv), so neither inside nor outside is it root; the
# unpacked root's folders must then be open to that uid (a --root DIR under a 0700 folder is not).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir=""
envs=()
while (( $# )); do
  case "$1" in
    --root) dir="$2"; shift 2 ;;
    -e) envs+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
(( $# )) || { echo "usage: container/run-image.sh [--root DIR] [-e NAME=VALUE]... IMAGE.tar [ARGS...]" >&2; exit 2; }
image="$1"; shift
command -v bwrap >/dev/null || { echo "run-image: bwrap not found: run .ci/install-image-tools.sh" >&2; exit 1; }

if [[ -z "$dir" ]]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/jrego-image.XXXXXX")"
  trap 'rm -rf "$dir"' EXIT
fi
if [[ ! -f "$dir/config.json" || ! -d "$dir/rootfs" ]]; then
  python3 "$here/image.py" unpack "$image" "$dir/rootfs" > "$dir/config.json"
fi
config="$(cat "$dir/config.json")"

# the config's User, Env, WorkingDir, Entrypoint and Cmd, one per line (NUL-free JSON strings)
mapfile -t spec < <(python3 -c '
import json, sys
c = json.loads(sys.stdin.read())["config"]
user = c.get("User", "0:0").split(":")
print(user[0]); print(user[1] if len(user) > 1 else user[0])
print(c.get("WorkingDir") or "/")
print(len(c.get("Env", []))); [print(e) for e in c.get("Env", [])]
print(len(c.get("Entrypoint", []))); [print(a) for a in c.get("Entrypoint", [])]
[print(a) for a in c.get("Cmd", [])]
' <<<"$config")
uid="${spec[0]}" gid="${spec[1]}" workdir="${spec[2]}"
[[ "$uid" =~ ^[0-9]+$ && "$gid" =~ ^[0-9]+$ ]] || { echo "run-image: User must be numeric uid:gid, is $uid:$gid" >&2; exit 1; }
i=3
n="${spec[$i]}"; i=$((i + 1))
env_args=()
for e in "${spec[@]:$i:$n}" "${envs[@]}"; do env_args+=(--setenv "${e%%=*}" "${e#*=}"); done
i=$((i + n))
n="${spec[$i]}"; i=$((i + 1))
entrypoint=("${spec[@]:$i:$n}")
i=$((i + n))
if (( $# )); then args=("$@"); else args=("${spec[@]:$i}"); fi

as_user=()
if (( EUID == 0 )); then
  chmod 755 "$dir"   # mktemp's 0700 would keep the image's uid out of its own root
  as_user=(setpriv --reuid "$uid" --regid "$gid" --clear-groups --inh-caps=-all --)
fi
# bwrap passes no signal on: SIGTERM or SIGINT to this script ends the sandbox (its processes are
# killed, --die-with-parent), then the unpacked root is removed.
"${as_user[@]}" bwrap --ro-bind "$dir/rootfs" / --proc /proc --dev /dev --tmpfs /tmp \
  --unshare-user --uid "$uid" --gid "$gid" --unshare-pid --unshare-ipc --unshare-uts \
  --die-with-parent --clearenv "${env_args[@]}" --chdir "$workdir" \
  "${entrypoint[@]}" "${args[@]}" &
sandbox=$!
trap 'kill -TERM "$sandbox" 2>/dev/null' TERM INT
status=0
wait "$sandbox" || status=$?
wait "$sandbox" 2>/dev/null || true
exit "$status"
