#!/usr/bin/env bash
# Builds jrego's container image, daemonless: ext-authz-server/target/jrego-image.tar, an OCI
# image layout that is also a `docker load` archive (see container/README.md).
#
#   container/build-image.sh [--tag REF] [--out FILE] [--base-lock FILE]
#   container/build-image.sh --update-lock    (pins the apt sources' current base packages)
#
# 1. a base root file system from Debian packages (the C library and libgcc_s, what the JVM
#    needs; users root and nonroot 65532; no shell, no package manager), the versions and digests
#    pinned in container/base-packages.lock;
# 2. a Java runtime cut to the modules jrego uses (jlink, from the JDK 25+ that builds jrego);
# 3. jrego's jar, its library jars and the default bundles (ai-gateway, ai-guards) under /opt/jrego;
# 4. the AOT cache, made by a training run of `serve` inside that root file system, as uid 65532,
#    the root read-only (bubblewrap), with the flags the entrypoint uses (bin/serve-jvm.sh);
# 5. image.py cuts the root into layers and writes the image.
# Needs: a JDK 25 or newer, apt-get and dpkg-deb (the pinned base packages come from the build
# machine's apt sources: Debian 12), bwrap and python3: `bash .ci/install-image-tools.sh`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="$root/ext-authz-server/target"
tag="ghcr.io/jrego/jrego:latest"
out="$target/jrego-image.tar"
lock="$here/base-packages.lock"
update_lock=false
while (( $# )); do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --base-lock) lock="$2"; shift 2 ;;
    --update-lock) update_lock=true; shift ;;
    *) echo "usage: container/build-image.sh [--tag REF] [--out FILE] [--base-lock FILE] | --update-lock" >&2; exit 2 ;;
  esac
done

die() { echo "build-image: $*" >&2; exit 1; }
for tool in apt-get dpkg-deb bwrap python3; do
  command -v "$tool" >/dev/null || die "$tool not found: run .ci/install-image-tools.sh"
done

# --update-lock: the apt sources' current versions of the locked packages, with their digests.
if [[ "$update_lock" == true ]]; then
  tmp="$(mktemp -d)"
  mapfile -t names < <(awk '!/^#/ && NF {print $1}' "$lock")
  (cd "$tmp" && apt-get download -q "${names[@]}" >/dev/null 2>&1) || die "apt-get download ${names[*]} failed"
  { grep '^#' "$lock"
    for n in "${names[@]}"; do
      deb="$(ls "$tmp/${n}"_*.deb)"
      echo "$n $(dpkg-deb -f "$deb" Version) $(sha256sum "$deb" | cut -d' ' -f1)"
    done; } > "$lock.new"
  mv "$lock.new" "$lock" && rm -rf "$tmp"
  echo "build-image: $lock now pins:" >&2 && grep -v '^#' "$lock" >&2
  exit 0
fi

# The JDK: JAVA_HOME if it is 25 or newer, else the newest under /usr/lib/jvm.
jdk=""
for j in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [[ -n "$j" && -x "$j/bin/jlink" && -f "$j/release" ]] || continue
  v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$j/release")"
  if [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 25 )); then jdk="$j"; break; fi
done
[[ -n "$jdk" ]] || die "needs a JDK 25 or newer with jlink (JAVA_HOME or /usr/lib/jvm/*)"

if [[ ! -f "$target/jrego.jar" || ! -d "$target/lib" ]]; then
  echo "build-image: building $target/jrego.jar" >&2
  (cd "$root" && ./mvnw -B -q -DskipTests -pl ext-authz-server -am package) >&2
fi

work="$target/container"
stage="$work/root"
rm -rf "$stage"
mkdir -p "$work/debs" "$stage"

# --- 1. base --------------------------------------------------------------------------------
# Exactly the versions in the lock, each .deb checked against its SHA-256 before it is unpacked.
[[ -f "$lock" ]] || die "no base package lock $lock"
base_pkgs=()
rm -f "$work/debs"/*.deb
while read -r name version sha || [[ -n "$name" ]]; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  [[ -n "$version" && "$sha" =~ ^[0-9a-f]{64}$ ]] \
    || die "$lock: '$name $version $sha' is not 'package version sha256'"
  base_pkgs+=("$name")
  (cd "$work/debs" && apt-get download -q "$name=$version" >/dev/null 2>&1) \
    || die "$name $version (pinned in $lock) is not in this machine's apt sources (Debian 12's," \
      "or retired by a point release): run container/build-image.sh --update-lock and review"
  deb="$(ls "$work/debs/${name}_"*.deb)"
  got="$(sha256sum "$deb" | cut -d' ' -f1)"
  [[ "$got" == "$sha" ]] \
    || die "$name $version: the downloaded .deb has SHA-256 $got, $lock pins $sha; refusing it"
done < "$lock"
(( ${#base_pkgs[@]} )) || die "$lock pins no packages"
for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$stage"; done
# merged /usr as in Debian 12 and Ubuntu: /lib, /lib64, /bin, /sbin are links into /usr
for d in lib lib64 bin sbin; do
  if [[ -d "$stage/$d" && ! -L "$stage/$d" ]]; then
    mkdir -p "$stage/usr/$d"
    cp -a "$stage/$d/." "$stage/usr/$d/"
    rm -rf "${stage:?}/$d"
  fi
  if [[ -e "$stage/usr/$d" ]]; then ln -s "usr/$d" "$stage/$d"; fi
done
[[ -e "$stage/lib64/ld-linux-x86-64.so.2" ]] || die "no /lib64/ld-linux-x86-64.so.2 in ${base_pkgs[*]}"
# what the JVM never runs: documentation but the licences, locales, iconv modules, libc's tools
find "$stage/usr/share/doc" -type f ! -name copyright -delete
rm -rf "$stage/usr/share/lintian" "$stage/usr/share/locale" "$stage/usr/share/i18n" \
  "$stage"/usr/lib/x86_64-linux-gnu/gconv "$stage/usr/bin" "$stage/usr/sbin" "$stage/etc/ld.so.conf.d"
mkdir -p "$stage/usr/bin" "$stage/usr/sbin"
mkdir -p "$stage/etc" "$stage/tmp" "$stage/proc" "$stage/dev" "$stage/sys" "$stage/home/nonroot"
chmod 1777 "$stage/tmp"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin\n' \
  > "$stage/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$stage/etc/group"
# the label: package=version of each pinned (and digest-checked) package, in the lock's order
pkg_versions="$(awk '!/^#/ && NF {printf "%s%s=%s", (n++ ? " " : ""), $1, $2}' "$lock")"

# --- 2. the Java runtime ----------------------------------------------------------------------
app="$stage/opt/jrego"
mkdir -p "$app"
# jdeps finds what the jars link against; java.logging (slf4j-jdk14's handler) is named because
# only reflection reaches it from some paths. jrego.jar and the engine's jar are modular jars
# whose descriptors require the libraries in lib/ by module name: --module-path lets jdeps find
# them.
modules="$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps \
  --module-path "$target/lib" --class-path "$target/lib/*" "$target/jrego.jar" "$target"/lib/*.jar \
  2>/dev/null | tail -1)"
[[ "$modules" == java.base* ]] || die "jdeps did not list the modules: $modules"
modules="$modules,java.logging"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --output "$app/runtime"

# --- 3. jrego ---------------------------------------------------------------------------------
cp "$target/jrego.jar" "$app/"
cp -r "$target/lib" "$app/lib"
mkdir -p "$app/rego-policies"
cp -r "$root/rego-policies/ai-gateway" "$root/rego-policies/ai-guards" "$app/rego-policies/"
chmod -R u+rwX,go+rX,go-w "$stage"

# Fixed times (the last commit's, else 1980): the AOT cache records the jars' times, and the
# same sources give the same layers.
created="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 315532800)}"
find "$stage" -exec touch -h -d "@$created" {} +

# --- 4. the AOT cache: train inside the image's root as it will run ---------------------------
# shellcheck source=../ext-authz-server/bin/serve-jvm.sh
source "$root/ext-authz-server/bin/serve-jvm.sh"
serve_jvm_flags /opt/jrego
serve_aot_flags /opt/jrego/jrego-serve.aot
entrypoint=(/opt/jrego/runtime/bin/java "${SERVE_JVM_FLAGS[@]}" "${SERVE_AOT_FLAGS[@]}" -jar /opt/jrego/jrego.jar)
aot_out="$work/aot"
rm -rf "$aot_out" && mkdir -p "$aot_out" && chmod 777 "$aot_out"
log="$work/aot-train.log"
echo "build-image: recording the AOT cache (a training run of serve, about 15 s)" >&2
# the same sandbox as container/run-image.sh; no --unshare-pid, so the JVM can be stopped by pid.
# The same training as the launcher's (every shipped bundle, routed by bin/aot-training.yaml), the
# bundles and routes seen only by the training run, not copied into the image.
serve_aot_training_args /tmp/train/rego-policies /tmp/train/aot-training.yaml
bwrap --ro-bind "$stage" / --proc /proc --dev /dev --tmpfs /tmp --bind "$aot_out" /tmp/aot \
  --ro-bind "$root/rego-policies" /tmp/train/rego-policies \
  --ro-bind "$root/ext-authz-server/bin/aot-training.yaml" /tmp/train/aot-training.yaml \
  --unshare-user --uid 65532 --gid 65532 --unshare-ipc --unshare-uts --die-with-parent \
  --clearenv --setenv PATH /opt/jrego/runtime/bin \
  /opt/jrego/runtime/bin/java "${SERVE_JVM_FLAGS[@]}" -XX:AOTCacheOutput=/tmp/aot/jrego-serve.aot \
  -Xlog:aot=error -jar /opt/jrego/jrego.jar "${SERVE_AOT_TRAINING_ARGS[@]}" >"$log" 2>&1 &
bw=$!
java_pid=""
# At most 5 minutes: the training takes about 15 s on an idle machine, but the JVM prints nothing
# before it serves, and on a loaded 2-CPU machine (a CI run beside builds) it took over a minute.
for _ in $(seq 1 3000); do
  kill -0 "$bw" 2>/dev/null || break
  grep -q '^jrego serving' "$log" 2>/dev/null && break
  sleep 0.1
done
# the JVM is bwrap's child: stop it (it writes the cache on exit), not bwrap
java_pid="$(ps -o pid= --ppid "$bw" | head -1 | tr -d ' ' || true)"
if ! grep -q '^jrego serving' "$log"; then
  if kill -0 "$bw" 2>/dev/null; then
    kill "$bw" 2>/dev/null
    cat "$log" >&2
    die "the training run was not serving after 5 minutes"
  fi
  wait "$bw" && status=0 || status=$?
  cat "$log" >&2
  die "the training run exited with status $status before serving"
fi
[[ -n "$java_pid" ]] && kill -TERM "$java_pid"
wait "$bw" || true
[[ -s "$aot_out/jrego-serve.aot" ]] || { cat "$log" >&2; die "the training run wrote no AOT cache"; }
install -m 0644 "$aot_out/jrego-serve.aot" "$app/jrego-serve.aot"
touch -h -d "@$created" "$app/jrego-serve.aot" "$app"

# --- 5. the image -----------------------------------------------------------------------------
jdk_version="$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")"
python3 "$here/image.py" write --root "$stage" --out "$out" --tag "$tag" --created "$created" \
  --expose 9191 --expose 8181 \
  --label "org.opencontainers.image.title=jrego" \
  --label "org.opencontainers.image.source=https://github.com/jrego/jrego" \
  --label "org.opencontainers.image.revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)" \
  --label "io.jrego.java.runtime=$jdk_version" \
  --label "io.jrego.java.modules=$modules" \
  --label "io.jrego.base.packages=$pkg_versions" \
  --cmd serve --cmd=--addr --cmd=:9191 --cmd=--admin-addr --cmd=:8181 \
  -- "${entrypoint[@]}"
