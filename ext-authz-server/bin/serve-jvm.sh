# The JVM settings of `jrego serve`, sourced by bin/jrego and by container/build-image.sh (the
# image's entrypoint carries the same flags): sized for a sidecar beside each workload, measured by
# load-tests/footprint.py (figures and the cost of each knob in load-tests/README.md, "Footprint").
#
#   serve_jvm_flags ROOT [MAJOR]   sets SERVE_JVM_FLAGS: the flags alone, jrego.home=ROOT, for a
#                                  JDK of that major version (default: 25 or newer)
#   serve_jvm_opts JAVA JAR ROOT   sets SERVE_JVM_OPTS: those flags; on JDK 25 or newer also makes the AOT
#                                  cache ROOT/ext-authz-server/target/jrego-serve.aot when it is
#                                  missing or older than JAR (a training run of about 10 s), and
#                                  uses it. JREGO_AOT=off: neither.
#   serve_aot_flags AOT [MAJOR [JIT]]  sets SERVE_AOT_FLAGS: the flags that start from the cache AOT
#   serve_jit_flags                sets SERVE_JIT (c1 or c2, from JREGO_JIT) and SERVE_JIT_FLAGS
#   serve_cpu_count                prints how many CPUs this process may use
#
# JREGO_GC=g1 (default serial): G1 instead of SerialGC, same heap bounds, its own AOT cache
# (jrego-serve-g1.aot; a cache records the collector it was made with). A knob to measure the
# collectors against each other (load-tests/README.md, "Fault matrix"), not the default.
#
# JREGO_JIT=auto|c1|c2 (default auto): the JIT compilers. c2 is the JVM's tiered default (C1, then
# C2 for the hot methods); c1 stops at C1 (-XX:TieredStopAtLevel=1). auto takes c1 when the process
# may use at most one CPU (serve_cpu_count: its affinity mask, or a cgroup CPU quota that rounds up
# to 1), c2 otherwise. A sidecar limited to one CPU has no spare core for C2's compile wave: there,
# at 400 checks/s with the 500 ms warm-up, C2's compilers took 5.3 of the first 10 CPU-seconds of
# traffic and the whole first minute's p99 was 76-77x the steady state's; C1's took 0.3 s and it
# was 2.0-3.2x, with 26-44 MiB less resident, ready 0.6-1.5 s sooner, for 0.41-0.50x C2's
# maximum throughput (load-tests/README.md, "Footprint", session 12). With two CPUs or more C2
# compiles beside the checks, and its code is the faster. One AOT cache serves both: it is always
# trained with C2 (its profiles are C2's), and a C1 JVM loads the same classes from it.

# java_major_of JAVA: the major version of a java binary (from the JDK's `release` file when it
# has one: asking a JVM costs a JVM start).
java_major_of() {
  local release v
  release="$(dirname "$(dirname "$(readlink -f "$1")")")/release"
  v="$( [[ -f "$release" ]] && sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")"
  if [[ -n "$v" ]]; then
    echo "$v"
    return 0
  fi
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

serve_jvm_flags() {
  local root="$1" major="${2:-25}"
  # SerialGC: one CPU or two per sidecar, a small live set (the compiled bundle), pauses of a
  # few ms; no GC threads. Heap grows from 24 MiB as needed up to 128 MiB (what jrego derives
  # its bundle and evaluation limits from). Metaspace capped at what the check path uses with
  # room to spare; 512 KiB default stacks (check threads set their own 8 MiB, touched only by
  # deep inputs). Code cache 128 MiB reserved (15-24 MiB used through the fault matrix's phases):
  # SerialGC frees compiled code only in a full GC, and the JVM (20 and newer) asks for one when
  # the code allocated since the last unloading passes SweeperThreshold percent of the reserved
  # size. Counted from the start, with nothing unloaded yet, the default 15% (19 MiB) fell inside
  # the code a warmed server keeps: every replica took one such full GC 1-1.5 minutes in, 92-335 ms
  # on this 2-CPU machine ("0.000% used -> 15.0% used" in its log). At 30% (38 MiB) it comes only
  # after 14 MiB or more of discarded code with no full GC in between; full GCs the heap asks for
  # unload code too (load-tests/README.md, "Fault matrix", session 13).
  local gc
  case "${JREGO_GC:-serial}" in
    serial) gc=-XX:+UseSerialGC ;;
    g1) gc=-XX:+UseG1GC ;;
    *) echo "jrego: JREGO_GC=${JREGO_GC} is not a collector the launcher knows (serial, g1)" >&2
       return 1 ;;
  esac
  SERVE_JVM_FLAGS=(
    "$gc" -Xms24m -Xmx128m
    -XX:ReservedCodeCacheSize=128m -XX:MaxMetaspaceSize=96m -Xss512k
    -XX:+ExitOnOutOfMemoryError
    --enable-native-access=ALL-UNNAMED
    -Dslf4j.internal.verbosity=ERROR
    -Djrego.home="$root"
    "-Djava.util.logging.SimpleFormatter.format=%1\$tFT%1\$tT.%1\$tLZ %4\$s %3\$s %5\$s%6\$s%n"
  )
  # gRPC's transport writes from heap buffers (CheckServer's allocator); the epoll transport copies
  # each write into a direct buffer first, by default a new one per write (allocated, zeroed and
  # freed). With a thread-local one kept per event-loop thread, up to 256 KiB (a flush of several
  # body answers), it reuses the same memory: a flight recording of an SSE flood through
  # Envoy had that allocation in ~4% of jrego's samples. Larger writes get a buffer of their own.
  SERVE_JVM_FLAGS+=(-Dio.grpc.netty.shaded.io.netty.threadLocalDirectBufferSize=262144)
  # SerialGC's young generation starts at 20 MiB (eden 16, two survivor spaces of 2) instead of the
  # third of -Xms it would take (8 MiB: eden 6.5, survivors 0.75), and keeps the JVM's own ratios
  # and its ceiling (a third of -Xmx; the usable heap, and every limit derived from it, as before).
  # SerialGC resizes the young generation only in a full collection, so a server kept the small
  # one until its first: in the fault matrix's cpu-policy phase each paced hostile check holds its
  # 0.5 MB input until its deadline (200 ms), one or two of them were alive at every young
  # collection (6 a second), more than 0.75 MiB of survivors take, and they were promoted: 40 MB
  # in 9-18 s, the old generation at its ceiling, a full collection of 146-177 ms per replica. That
  # collection grew the young generation to 42 MiB, and from then on nothing was promoted and calm
  # took 16-18 young pauses, 37-49 ms, per replica per 30 s, against 90-98 pauses, 159-162 ms,
  # before it. Starting at 20 MiB: no full collection, 4-6 MiB promoted in the phase, calm's young
  # pauses 56-57 ms per 30 s. Session 16's 14 MiB with survivors of half the young generation
  # copied its survivors at every pause, 2-5x the pause time (load-tests/README.md, "Two
  # cpu-policy phases", session 17). G1 sizes its own.
  if [[ "$gc" == -XX:+UseSerialGC ]]; then
    SERVE_JVM_FLAGS+=(-XX:NewSize=20m)
  fi
  # Every second the JVM hands the C heap its JIT compilers and the gRPC stack freed back to the OS
  # (malloc_trim): 10 MiB less resident at 800 checks/s than without, and 5-7 MiB less than every
  # 5 s (the compilers' scratch memory, NMT's Arena Chunk, stayed resident up to 5 s after a
  # burst of compiles), no throughput lost (load-tests/README.md, "Footprint"). A product flag
  # from JDK 22 (and 21.0.4); JDK 21 runs without it.
  if [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 22 )); then
    SERVE_JVM_FLAGS+=(-XX:TrimNativeHeapInterval=1000)
  fi
  # The code cache's unloading threshold (above). JDK 20 removed the code sweeper and gave the flag
  # this meaning; before, it meant the sweeper's own trigger, so it is not passed to an older JVM
  # (the launcher needs 21 or newer; a JDK whose major version it cannot read gets it too).
  if ! [[ "$major" =~ ^[0-9]+$ ]] || (( major >= 20 )); then
    SERVE_JVM_FLAGS+=(-XX:SweeperThreshold=30)
  fi
}

# serve_cpu_count [CGROUP_FS [PROC_CGROUP]]: prints how many CPUs this process may use: its
# affinity mask (nproc, without the OMP_* variables nproc also reads), lowered by the CPU quota of
# its cgroup or any cgroup above it (cgroup v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us),
# rounded up, as the JVM counts them (-XX:ActiveProcessorCount). CGROUP_FS (default /sys/fs/cgroup)
# and PROC_CGROUP (default /proc/self/cgroup) are where to read them.
serve_cpu_count() {
  local fs="${1:-/sys/fs/cgroup}" self="${2:-/proc/self/cgroup}"
  local n line rel ctl dir d q p c
  n="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
  [[ "$n" =~ ^[0-9]+$ ]] || n=1
  while IFS= read -r line; do
    rel="${line#*:*:}" ctl="${line#*:}" ctl="${ctl%%:*}"
    if [[ "$line" == 0::* ]]; then                        # v2
      dir="$fs"
    elif [[ ",$ctl," == *,cpu,* ]]; then                  # v1, the cpu controller's hierarchy
      dir="$fs/$ctl"
      [[ -d "$dir" ]] || dir="$fs/cpu"
    else
      continue
    fi
    # this cgroup and every one above it; a container may see its own cgroup as the root of the
    # mount (a cgroup namespace) or under the host's path, so the mount's root is read too
    d="$dir$rel"
    while :; do
      q="" p=""
      if [[ -r "$d/cpu.max" ]]; then
        read -r q p <"$d/cpu.max" || true
      elif [[ -r "$d/cpu.cfs_quota_us" && -r "$d/cpu.cfs_period_us" ]]; then
        q="$(<"$d/cpu.cfs_quota_us")" p="$(<"$d/cpu.cfs_period_us")"
      fi
      if [[ "$q" =~ ^[0-9]+$ && "$p" =~ ^[0-9]+$ ]] && (( q > 0 && p > 0 )); then
        c=$(( (q + p - 1) / p ))
        (( c < n )) && n=$c
      fi
      [[ "$d" == "$dir" || "$d" != "$dir"/* ]] && break
      d="${d%/*}"
    done
  done <"$self" 2>/dev/null
  echo "$n"
}

# serve_jit_flags: sets SERVE_JIT (c1 or c2, from JREGO_JIT, see above) and SERVE_JIT_FLAGS.
serve_jit_flags() {
  case "${JREGO_JIT:-auto}" in
    auto) if (( $(serve_cpu_count) <= 1 )); then SERVE_JIT=c1; else SERVE_JIT=c2; fi ;;
    c1 | c2) SERVE_JIT="$JREGO_JIT" ;;
    *) echo "jrego: JREGO_JIT=${JREGO_JIT} is not a compiler profile the launcher knows (auto, c1, c2)" >&2
       return 1 ;;
  esac
  SERVE_JIT_FLAGS=()
  [[ "$SERVE_JIT" == c1 ]] && SERVE_JIT_FLAGS=(-XX:TieredStopAtLevel=1)
  return 0
}

serve_jvm_opts() {
  local java="$1" jar="$2" root="$3" major
  major="$(java_major_of "$java")"
  serve_jvm_flags "$root" "$major" || return 1
  serve_jit_flags || return 1
  SERVE_JVM_OPTS=("${SERVE_JVM_FLAGS[@]}")
  if [[ "${JREGO_AOT:-on}" == off ]] || ! [[ "$major" =~ ^[0-9]+$ ]] || (( major < 25 )); then
    SERVE_JVM_OPTS+=("${SERVE_JIT_FLAGS[@]}")
    return 0
  fi
  local aot="$root/ext-authz-server/target/jrego-serve.aot"
  [[ "${JREGO_GC:-serial}" == serial ]] || aot="$root/ext-authz-server/target/jrego-serve-$JREGO_GC.aot"
  if [[ ! -f "$aot" || "$jar" -nt "$aot" ]]; then
    serve_aot_train "$java" "$jar" "$root" "$aot" || true   # with C2, whatever JREGO_JIT says
  fi
  SERVE_JVM_OPTS+=("${SERVE_JIT_FLAGS[@]}")
  if [[ -f "$aot" ]]; then
    serve_aot_flags "$aot" "$major" "$SERVE_JIT"
    SERVE_JVM_OPTS+=("${SERVE_AOT_FLAGS[@]}")
  fi
  return 0
}

# serve_aot_flags AOT [MAJOR [JIT]]: sets SERVE_AOT_FLAGS, the flags that start from the cache AOT on
# a JDK of that major version (default 25) with the JIT profile JIT (c1 or c2, default c2).
# -Xlog:aot=warning: the JVM says so when it cannot use the cache (then it runs without it).
# AOTCompileEagerly (JDK 25, experimental): a method the cache has a profile for is queued for the
# compiler at its first call instead of after thousands, so the check path is compiled during the
# warm-up and the first seconds, not under the first minute of traffic: that minute's p99 6-8x
# lower, ready 0.06 s later, same throughput (load-tests/README.md, "Footprint"). Only on JDK 25,
# where it was measured: a JVM that does not know a flag refuses to start.
# With C1 alone (JIT c1) it queues them for C1 (one round with and without, traffic at ready:
# ready 1.25 against 1.48 s, the first minute 33x and 36x steady; load-tests/README.md,
# "Footprint", session 12).
# Tier0/Tier2ProfileDelayFactor=1 (JDK 25, diagnostic; JIT c2 only, C1 alone profiles nothing):
# JDK 25 keeps a method the training ran but did not leave with a C2 compile (the gRPC server's
# call path among them) at tier 2 until 250x the usual tier-3 call counts, about 50,000 calls: a minute at 800 checks/s, then a second wave of
# compiles took resident memory from 151-154 to 173 MiB. With the usual counts those methods reach
# C2 10-20 s into traffic (the first 30 s 6-10 MiB higher) and 60-70 s in the process holds
# 155-159 MiB; ready and the maximum unchanged (load-tests/README.md, "Footprint", session 10).
serve_aot_flags() {
  SERVE_AOT_FLAGS=("-XX:AOTCache=$1" -Xlog:aot=warning -Xlog:aot+codecache=off)
  if [[ "${2:-25}" == 25 ]]; then
    SERVE_AOT_FLAGS+=(-XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly)
    [[ "${3:-c2}" == c2 ]] && SERVE_AOT_FLAGS+=(-XX:+UnlockDiagnosticVMOptions
      -XX:Tier0ProfileDelayFactor=1 -XX:Tier2ProfileDelayFactor=1)
  fi
  return 0
}

# serve_aot_training_args POLICIES CONFIG: sets SERVE_AOT_TRAINING_ARGS, the `serve` arguments of
# the training run: every shipped bundle under POLICIES (a rego-policies folder), routed by
# CONFIG (bin/aot-training.yaml) so that the warm-up's made-up chat, MCP and retrieval requests
# and ext_proc streams each reach their own bundle's rules, and a 6 s warm-up (it stops earlier
# once the JIT has settled). On a busy machine 6 s is few checks (772 against 6,528 on a calm one),
# and the cache holds C2-level profiles for fewer of the methods the first minute compiles (99
# against 384 of 1,086); a 30 s training (797) made no difference to the first minute measured
# against a calm 6 s one (load-tests/README.md, "Footprint", session 8). Record it on a quiet machine.
# The admin server runs too (loopback, a port of its own): without it its classes (the JDK's HTTP
# server) were left out of the cache and loaded from the runtime image at every start.
serve_aot_training_args() {
  local policies="$1" config="$2" b
  SERVE_AOT_TRAINING_ARGS=(serve --addr 127.0.0.1:0 --admin-addr 127.0.0.1:0 --warm-up 6s --config "$config")
  for b in ai-gateway ai-guards mcp-gateway rag-gateway; do
    SERVE_AOT_TRAINING_ARGS+=(--bundle "$policies/$b")
  done
}

# serve_aot_train JAVA JAR ROOT OUT: runs `serve` with its warm-up on loopback (made-up checks and
# ext_proc streams through the whole path, so the JVM records which classes load and how methods
# are used), stops it once serving, and lets the JVM write the AOT cache (JEP 483/514/515) to OUT.
serve_aot_train() {
  local java="$1" jar="$2" root="$3" out="$4"
  local log="$out.train.log" tmp="$out.$$.tmp"  # two first starts at once each train their own
  echo "jrego: recording the start-up cache $out (once per build, about 10 s)..." >&2
  rm -f "$tmp"
  serve_aot_training_args "$root/rego-policies" "$root/ext-authz-server/bin/aot-training.yaml"
  "$java" "${SERVE_JVM_OPTS[@]}" "-XX:AOTCacheOutput=$tmp" -Xlog:aot=error -jar "$jar" \
    "${SERVE_AOT_TRAINING_ARGS[@]}" >"$log" 2>&1 &
  local pid=$! i
  # at most 3 minutes: about 10 s on an idle machine, over a minute on a loaded 2-CPU one
  for i in $(seq 1 1800); do
    grep -q '^jrego serving' "$log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [[ -s "$tmp" ]]; then
    mv -f "$tmp" "$out"
  else
    echo "jrego: no start-up cache made (see $log); starting without it" >&2
    return 1
  fi
}
