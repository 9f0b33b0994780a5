#!/usr/bin/env python3
"""Sidecar footprint: memory, time to ready and the first minute of traffic, jrego beside OPA-Envoy.

For each server, one after the other, pinned to one CPU (the generator on another):
  1. start it and time process start -> ready (jrego: admin /ready 200, run with --warm-up 0s;
     OPA-Envoy: /health?plugins 200 and its gRPC port accepting);
  2. at once, an open-loop load at --rate on the ai-gateway mix for --first-minute seconds in
     slices of --slice seconds, then one more slice (the steady state): each slice's p99 beside
     the steady slice's;
  3. a closed loop (--concurrency outstanding) for --closed seconds: the maximum throughput;
  4. resident memory sampled every 200 ms (VmRSS): the most during the steady slice, and during
     the closed loop; after each, what backs it (/proc/PID/smaps: anonymous memory, libjvm.so, the
     AOT cache, jars, other files) and for JVM variants the native memory tracking summary (NMT,
     committed KiB per category; --no-nmt runs without it, since tracking itself costs a few MiB).

    python3 load-tests/footprint.py --opa-envoy-bin PATH [--variants launcher,launcher-trim] [--rate 800]

VARIANTS start java with their own flags; LAUNCHER_VARIANTS start bin/jrego serve with one knob
changed (a JVM flag, an environment variable, a `serve` argument such as --warm-up). With
--before ROOT, `before:NAME` runs the launcher variant NAME from another checkout (built there, its
AOT cache made: run its `ext-authz-server/bin/jrego serve` once), for a before/after pair in one
run; --rounds N measures every server N times, taking turns.

Run it alone on an otherwise idle machine. It writes
results/footprint-<date>.md and .json. The JVM variants are defined in VARIANTS below; `launcher`
is what ext-authz-server/bin/jrego serve runs, started through the launcher itself.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402  (the harness's process, pinning and load-generator helpers)

MIX = "ai-gateway"
SERVER_JAR = os.path.join(R.ROOT, "ext-authz-server", "target", "jrego.jar")
AOT = os.path.join(R.ROOT, "ext-authz-server", "target", "jrego-serve.aot")
NMT = ["-XX:NativeMemoryTracking=summary"]
NO_NMT = False  # --no-nmt
WHY_DIR = None  # --why: where the JIT and GC logs go
NOOP_PORT = 0  # the no-op server the generator warms itself against (--generator-warmup)
BEFORE = None  # --before: another checkout, for before:NAME variants
COMMON = ["-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED", "-Dslf4j.internal.verbosity=ERROR"]

# name -> (JVM flags or None for the launcher, what it is)
VARIANTS = {
    "old-launcher": (["-Xms256m", "-Xmx512m", "-XX:+UseParallelGC", "-XX:+AlwaysPreTouch"],
                     "bin/jrego before issue 12: 256-512 MiB heap, pre-touched, ParallelGC"),
    "launcher": (None, "ext-authz-server/bin/jrego serve as shipped (its own flags, AOT cache when built)"),
    "sidecar-serial": (["-XX:+UseSerialGC", "-Xms24m", "-Xmx128m", "-XX:ReservedCodeCacheSize=64m",
                        "-XX:MaxMetaspaceSize=96m", "-Xss512k"],
                       "SerialGC, heap 24-128 MiB, code cache 64 MiB, 512 KiB default stacks"),
    "sidecar-parallel": (["-XX:+UseParallelGC", "-XX:ParallelGCThreads=1", "-Xms24m", "-Xmx128m",
                          "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=96m", "-Xss512k"],
                         "as sidecar-serial with ParallelGC (1 thread)"),
    "sidecar-g1": (["-XX:+UseG1GC", "-Xms24m", "-Xmx128m", "-XX:ReservedCodeCacheSize=64m",
                    "-XX:MaxMetaspaceSize=96m", "-Xss512k"],
                   "as sidecar-serial with G1"),
    "sidecar-aot": (["-XX:+UseSerialGC", "-Xms24m", "-Xmx128m", "-XX:ReservedCodeCacheSize=64m",
                     "-XX:MaxMetaspaceSize=96m", "-Xss512k", f"-XX:AOTCache={AOT}"],
                    "sidecar-serial with the AOT cache (classes and profiles recorded at build time)"),
}


JIT_NICE = ["-XX:ThreadPriorityPolicy=1", *[f"-XX:JavaPriority{p}_To_OSPriority=0" for p in range(6, 11)],
            "-XX:CompilerThreadPriority=19"]

# name -> (JVM flags added after the launcher's, environment, `serve` arguments, what it is):
# bin/jrego serve as shipped with one knob changed, to measure what that knob saves and costs.
LAUNCHER_VARIANTS = {
    "launcher-arenas2": ([], {"MALLOC_ARENA_MAX": "2"}, [], "launcher with MALLOC_ARENA_MAX=2 (glibc malloc arenas)"),
    "launcher-trim": (["-XX:TrimNativeHeapInterval=5000"], {}, [],
                      "launcher, the JVM returning freed C heap to the OS every 5 s (malloc_trim)"),
    "launcher-fixed-aot": (["-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0"], {}, [],
                           "launcher, the AOT cache mapped at the address it was made for, not relocated"),
    "launcher-warm500ms": ([], {}, ["--warm-up", "500ms"], "launcher with a 0.5 s warm-up before ready"),
    # Issue 14: the code cache's size sets how much new code brings a full GC under SerialGC.
    "launcher-codecache64": (["-XX:ReservedCodeCacheSize=64m"], {}, [], "launcher with a 64 MiB code cache"),
    "launcher-codecache128": (["-XX:ReservedCodeCacheSize=128m"], {}, [], "launcher with a 128 MiB code cache"),
    # Issue 14: the launcher starts SerialGC's young generation at 20 MiB; this is the 8 MiB (a third
    # of -Xms) it had before, to measure what the larger one costs in resident memory.
    "launcher-young8": (["-XX:NewSize=8m"], {}, [], "launcher with SerialGC's young generation starting at 8 MiB"),
    "launcher-warm1s": ([], {}, ["--warm-up", "1s"], "launcher with a 1 s warm-up before ready"),
    "launcher-warm10s": ([], {}, ["--warm-up", "10s"], "launcher with the 10 s warm-up before ready"),
    # The JIT compilers (issue 12's first minute): C1 only compiles in a tenth of C2's time, to
    # slower code; fewer invocations before a method is compiled.
    "launcher-c1": (["-XX:TieredStopAtLevel=1"], {}, [], "launcher, C1 only (no C2: quick compiles, slower code)"),
    "launcher-c1-warm500ms": (["-XX:TieredStopAtLevel=1"], {}, ["--warm-up", "500ms"],
                              "launcher, C1 only, with a 0.5 s warm-up before ready"),
    # Session 12: the launcher's JIT profile (bin/serve-jvm.sh, JREGO_JIT). auto on the one CPU the
    # harness pins the server to is C1 alone, whose warm-up defaults to none (the harness's 0s);
    # c2 forces the tiered C1-then-C2 with its default 500 ms warm-up.
    "launcher-jit-auto": ([], {}, [], "launcher as shipped, JREGO_JIT=auto: C1 alone on the one CPU, no warm-up"),
    "launcher-jit-auto-warm500ms": ([], {}, ["--warm-up", "500ms"],
                                   "launcher, JREGO_JIT=auto (C1 alone on the one CPU), 0.5 s warm-up"),
    "launcher-jit-c2-warm500ms": ([], {"JREGO_JIT": "c2"}, ["--warm-up", "500ms"],
                                  "launcher with JREGO_JIT=c2 (C1 then C2, as before session 12), 0.5 s warm-up"),
    # Session 13 (issue 14): the JDK's default code-unloading threshold (15% of the reserved code cache,
    # counted from 0 at start: a full GC once 19 MiB of code exists) against the launcher's 30%, with C2
    # so that the code grows as it does on two CPUs.
    "launcher-jit-c2-sweeper15-warm500ms": (["-XX:SweeperThreshold=15"], {"JREGO_JIT": "c2"}, ["--warm-up", "500ms"],
                                            "launcher with JREGO_JIT=c2 and the JDK's default code-unloading "
                                            "threshold (15%), 0.5 s warm-up"),
    # Session 13: on one CPU AOTCompileEagerly queues every method the AOT cache has a profile for at
    # its first call, start-up code included, and C1 compiles them in the first traffic's time; off,
    # C1 compiles what runs often, and a lower CompileThresholdScaling makes that sooner.
    "launcher-noeager-cts10-warm500ms": (["-XX:+UnlockExperimentalVMOptions", "-XX:-AOTCompileEagerly",
                                          "-XX:CompileThresholdScaling=0.1"], {}, ["--warm-up", "500ms"],
                                         "launcher, AOTCompileEagerly off, compile thresholds x0.1, 0.5 s warm-up"),
    # Session 13 measured this on a build (847775e, reverted) whose C1 warm-up ended once the
    # compiler threads were idle; it never was within the 5 s (results/c1-start-2026-12-06.md).
    "launcher-warm5s": ([], {}, ["--warm-up", "5s"], "launcher with a 5 s warm-up before ready"),
    "launcher-noeager-cts10": (["-XX:+UnlockExperimentalVMOptions", "-XX:-AOTCompileEagerly",
                                "-XX:CompileThresholdScaling=0.1"], {}, [],
                               "launcher, AOTCompileEagerly off, compile thresholds x0.1, no warm-up"),
    "launcher-c1-noeager": (["-XX:TieredStopAtLevel=1", "-XX:+UnlockExperimentalVMOptions", "-XX:-AOTCompileEagerly"],
                            {}, [], "launcher, C1 only, AOTCompileEagerly off, no warm-up"),
    # The compiler threads at nice 19 (the JVM maps Java priorities to nice values only under
    # ThreadPriorityPolicy=1; priorities 6-10 mapped to nice 0, so that no thread is raised when
    # run as root and every thread but the compilers stays at 0): the kernel runs a check thread
    # before a compile whenever both are ready, and the compilers get the CPU the checks leave.
    "launcher-jitnice-warm500ms": (JIT_NICE, {}, ["--warm-up", "500ms"],
                                   "launcher, compiler threads at nice 19, with a 0.5 s warm-up before ready"),
    "launcher-jitnice": (JIT_NICE, {}, [], "launcher, compiler threads at nice 19, no warm-up"),
    "launcher-jitnice10-warm500ms": (JIT_NICE[:-1] + ["-XX:CompilerThreadPriority=10"], {}, ["--warm-up", "500ms"],
                                     "launcher, compiler threads at nice 10, with a 0.5 s warm-up before ready"),
    "launcher-early-jit-warm500ms": (["-XX:Tier3InvocationThreshold=100", "-XX:Tier3CompileThreshold=1000",
                                      "-XX:Tier4InvocationThreshold=2000", "-XX:Tier4CompileThreshold=3000"],
                                     {}, ["--warm-up", "500ms"],
                                     "launcher, methods compiled after fewer calls, with a 0.5 s warm-up before ready"),
    # Session 8: C2 later (three times the calls before a method's tier-4 compile, spreading C2's
    # work over the minute), the AOT cache's profiles compiled as soon as a method first runs
    # (JDK 25's experimental AOTCompileEagerly), and ParallelGC (one thread) instead of SerialGC.
    "launcher-t4late-warm500ms": (["-XX:Tier4InvocationThreshold=15000", "-XX:Tier4CompileThreshold=45000",
                                   "-XX:Tier4BackEdgeThreshold=120000"], {}, ["--warm-up", "500ms"],
                                  "launcher, C2 after three times the calls, with a 0.5 s warm-up before ready"),
    "launcher-eager-warm500ms": (["-XX:+UnlockExperimentalVMOptions", "-XX:+AOTCompileEagerly"], {},
                                 ["--warm-up", "500ms"],
                                 "launcher, methods the AOT cache has profiles for compiled at their first call, "
                                 "with a 0.5 s warm-up before ready"),
    "launcher-noeager-warm500ms": (["-XX:+UnlockExperimentalVMOptions", "-XX:-AOTCompileEagerly"], {},
                                   ["--warm-up", "500ms"],
                                   "launcher as before session 8 (AOTCompileEagerly off), with a 0.5 s warm-up"),
    "launcher-warm250ms": ([], {}, ["--warm-up", "250ms"], "launcher with a 0.25 s warm-up before ready"),
    # Session 9 (the steady-state regression): the launcher without its AOT cache, so that nothing of
    # the training run's profiles reaches the compiled code.
    "launcher-noaot-warm500ms": ([], {"JREGO_AOT": "off"}, ["--warm-up", "500ms"],
                                 "launcher without the AOT cache (JREGO_AOT=off), with a 0.5 s warm-up"),
    # serve's default bundles (ServeCommand.DEFAULT_BUNDLES): ai-guards' injection scan beside ai-gateway
    "launcher-guards-warm500ms": ([], {}, ["--warm-up", "500ms", "--bundle",
                                           os.path.join(R.ROOT, "rego-policies", "ai-guards")],
                                  "launcher serving the default bundles (ai-gateway + ai-guards), "
                                  "with a 0.5 s warm-up before ready"),
    # a second AOT cache beside the launcher's, ext-authz-server/target/jrego-serve-6s.aot, recorded by
    # a training of its own (session 8: 6 s of warm-up, against a 30 s one in jrego-serve.aot)
    "launcher-aot6s-warm500ms": ([f"-XX:AOTCache={AOT[:-len('.aot')]}-6s.aot"], {}, ["--warm-up", "500ms"],
                                 "launcher from the second AOT cache (target/jrego-serve-6s.aot), with a 0.5 s warm-up"),
    # Session 9 (ready <= 1.5 s): a cache recorded with session 8's training arguments (the same
    # `serve` with `--admin-addr off`, written by hand to target/jrego-serve-s8.aot for the same
    # jar) against the launcher's; and the first minute with no warm-up and no eager compiles.
    "launcher-s8aot-warm500ms": ([f"-XX:AOTCache={AOT[:-len('.aot')]}-s8.aot"], {}, ["--warm-up", "500ms"],
                                 "launcher from session 8's AOT cache (target/jrego-serve-s8.aot), 0.5 s warm-up"),
    # Session 10 (memory): a cache recorded on serve's default bundles alone (ai-gateway + ai-guards,
    # no routing config), written by hand to target/jrego-serve-2b.aot for the same jar, against the
    # launcher's (all four shipped bundles)
    "launcher-aot2b-warm500ms": ([f"-XX:AOTCache={AOT[:-len('.aot')]}-2b.aot"], {}, ["--warm-up", "500ms"],
                                 "launcher from a cache trained on the default bundles alone "
                                 "(target/jrego-serve-2b.aot), 0.5 s warm-up"),
    # Session 11 (the maximum against session 7's de26b2b, whose cache was trained on ai-gateway alone):
    # a cache recorded by the launcher's training with ai-gateway as its only bundle (no routing config,
    # no other bundle's checks or streams), written by hand to target/jrego-serve-gw.aot for the same jar
    "launcher-aotgw-warm500ms": ([f"-XX:AOTCache={AOT[:-len('.aot')]}-gw.aot"], {}, ["--warm-up", "500ms"],
                                 "launcher from a cache trained on ai-gateway alone "
                                 "(target/jrego-serve-gw.aot), 0.5 s warm-up"),
    # the C heap handed back every second (the launcher since session 10) against every 5 s (before):
    # the compilers' freed scratch memory leaves the resident set sooner
    "launcher-trim1s-warm500ms": (["-XX:TrimNativeHeapInterval=1000"], {}, ["--warm-up", "500ms"],
                                  "launcher, the C heap trimmed every second (malloc_trim), 0.5 s warm-up"),
    "launcher-trim5s-warm500ms": (["-XX:TrimNativeHeapInterval=5000"], {}, ["--warm-up", "500ms"],
                                  "launcher, the C heap trimmed every 5 s (malloc_trim), 0.5 s warm-up"),
    # JDK 25 holds a method the AOT cache's training saw, but did not leave with a C2 profile, at tier 2
    # for Tier2ProfileDelayFactor (250) times the usual tier-3 thresholds: about 50,000 calls, a minute at
    # 800 checks/s, then a second wave of compiles (session 10). These take the usual thresholds; the
    # launcher does so since session 10, and launcher-delay-warm500ms puts JDK 25's defaults back.
    "launcher-nodelay-warm500ms": (["-XX:+UnlockDiagnosticVMOptions", "-XX:Tier0ProfileDelayFactor=1",
                                    "-XX:Tier2ProfileDelayFactor=1"], {}, ["--warm-up", "500ms"],
                                   "launcher, trained methods profiled after the usual call counts, 0.5 s warm-up"),
    "launcher-delay-warm500ms": (["-XX:+UnlockDiagnosticVMOptions", "-XX:Tier0ProfileDelayFactor=100",
                                  "-XX:Tier2ProfileDelayFactor=250"], {}, ["--warm-up", "500ms"],
                                 "launcher with JDK 25's profiling delay for trained methods (250x), 0.5 s warm-up"),
    # Session 11: the launcher's flags as of session 10, spelled out, so that `before:` this variant runs
    # an older checkout (whose launcher lacked some of them) with the same JVM settings as main's.
    "launcher-same-warm500ms": (["-XX:ReservedCodeCacheSize=128m", "-XX:TrimNativeHeapInterval=1000",
                                 "-XX:+UnlockExperimentalVMOptions", "-XX:+AOTCompileEagerly",
                                 "-XX:+UnlockDiagnosticVMOptions", "-XX:Tier0ProfileDelayFactor=1",
                                 "-XX:Tier2ProfileDelayFactor=1"], {}, ["--warm-up", "500ms"],
                                "launcher with session 10's JVM flags spelled out (for an older checkout), "
                                "0.5 s warm-up"),
    "launcher-noeager": (["-XX:+UnlockExperimentalVMOptions", "-XX:-AOTCompileEagerly"], {}, [],
                         "launcher with AOTCompileEagerly off, no warm-up"),
    "launcher-g1-warm500ms": ([], {"JREGO_GC": "g1"}, ["--warm-up", "500ms"],
                             "launcher with G1 instead of SerialGC (JREGO_GC=g1, its own AOT cache), 0.5 s warm-up"),
    "launcher-parallel-warm500ms": (["-XX:-UseSerialGC", "-XX:+UseParallelGC", "-XX:ParallelGCThreads=1"], {},
                                    ["--warm-up", "500ms"],
                                    "launcher with ParallelGC (one thread) instead of SerialGC, with a 0.5 s warm-up"),
}


# name -> nice value: once the server is ready, the harness lowers its C2 compiler thread's priority
# (setpriority on the thread, as the kernel allows any process to do to its own threads): C1 keeps
# compiling at the checks' priority, C2's optimising compiles take the CPU the checks leave.
C2_NICE = {"launcher-c2nice19-warm500ms": 19, "launcher-c2nice10-warm500ms": 10}
for _name, _nice in C2_NICE.items():
    LAUNCHER_VARIANTS[_name] = ([], {}, ["--warm-up", "500ms"],
                                f"launcher, its C2 compiler thread at nice {_nice} from ready on (set by the harness), "
                                "with a 0.5 s warm-up")


def renice_c2(name, pid):
    """For C2_NICE variants: sets the nice value of the server's C2 compiler threads; returns how many."""
    nice = C2_NICE.get(base(name).removeprefix("before:"))
    if nice is None:
        return 0
    n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().startswith("C2 CompilerThre"):
                    os.setpriority(os.PRIO_PROCESS, int(tid), nice)
                    n += 1
        except OSError:
            continue
    return n


def rss_parts(pid):
    """Resident KiB of the process by what backs it (/proc/PID/smaps): anonymous memory (heap, stacks,
    malloc, JIT), the JVM's own library, the AOT/CDS cache file, jars, other files."""
    parts = {"anon": 0, "libjvm": 0, "aot cache": 0, "jars": 0, "other files": 0}
    name = ""
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                head = line.split()
                if head and re.match(r"^[0-9a-f]+-[0-9a-f]+$", head[0]):
                    name = head[5] if len(head) > 5 else ""
                elif head and head[0] == "Rss:":
                    kib = int(head[1])
                    if not name or name.startswith("["):
                        parts["anon"] += kib
                    elif name.endswith("libjvm.so"):
                        parts["libjvm"] += kib
                    elif name.endswith((".aot", ".jsa")):
                        parts["aot cache"] += kib
                    elif name.endswith(".jar") or name.endswith("/modules"):
                        parts["jars"] += kib
                    else:
                        parts["other files"] += kib
    except OSError:
        return {}
    return parts


class RssSampler(threading.Thread):
    """VmRSS and CPU time (all threads, the JIT compiler's) every 200 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.cpu, self.stop_flag = pid, [], [], threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
                now = time.time()
                self.samples.append((now, kib / 1024))
                ticks = R.cpu_ticks(self.pid)
                if ticks:
                    self.cpu.append((now, *ticks))
            except (OSError, StopIteration):
                return
            time.sleep(0.2)

    def most(self, start, end):
        vals = [m for t, m in self.samples if start <= t <= end]
        return max(vals) if vals else float("nan")

    def cpu_between(self, start, end):
        """(process, JIT compilers, C2 alone, VM thread) CPU s between two wall times, from the
        nearest samples."""
        inside = [c for c in self.cpu if start - 0.2 <= c[0] <= end + 0.2]
        if len(inside) < 2:
            return None
        a, b = inside[0], inside[-1]
        return tuple((b[i] - a[i]) / R.CLK_TCK for i in range(1, 5))


def nmt(java, pid):
    """Committed KiB per NMT category, Total, the C heap's tracked malloc now and at its peak
    ("malloc", "malloc peak"), the thread count ("threads #") and, from GC.heap_info, the serial
    collector's young and old generations' capacity and use ("young total", "young used", "old
    total", "old used"); {} when the JVM does not track."""
    jcmd = os.path.join(os.path.dirname(java), "jcmd")

    def ask(*what):
        try:
            return subprocess.run([jcmd, str(pid), *what], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.TimeoutExpired):
            return ""
    out = ask("VM.native_memory", "summary")
    res = {}
    m = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", out)
    if not m:
        return res
    res["Total"] = int(m.group(1))
    m = re.search(r"malloc: (\d+)KB #\d+, peak=(\d+)KB", out)
    if m:
        res["malloc"], res["malloc peak"] = int(m.group(1)), int(m.group(2))
    for cat, committed in re.findall(r"^-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB", out, re.M):
        res[cat.strip()] = int(committed)
    m = re.search(r"\(threads #(\d+)\)", out)
    if m:
        res["threads #"] = int(m.group(1))
    heap = ask("GC.heap_info")
    for key, gen in (("young", r"(?:DefNew|def new generation)"), ("old", r"(?:Tenured|tenured generation)")):
        m = re.search(gen + r"\s+total (\d+)K, used (\d+)K", heap)
        if m:
            res[f"{key} total"], res[f"{key} used"] = int(m.group(1)), int(m.group(2))
    return res


def start(java, name, port, workdir, opa_envoy):
    """Starts a server; returns (Server, seconds from start to ready)."""
    t0 = time.time()
    if name == "opa-envoy":
        s = R.start_opa_envoy(opa_envoy, R.MIXES[MIX][0], port, workdir)
        return s, time.time() - t0
    admin = R.free_port()
    args = ["serve", "--addr", f"127.0.0.1:{port}", "--admin-addr", f"127.0.0.1:{admin}", "--warm-up", "0s",
            "--bundle", os.path.join(R.ROOT, R.MIXES[MIX][0])]
    nmt_flags = [] if NO_NMT else NMT
    checkout, variant = R.ROOT, name
    if name.startswith("before:"):
        checkout, variant = BEFORE, name[len("before:"):]
    if variant in LAUNCHER_VARIANTS or VARIANTS[variant][0] is None:
        extra, extra_env, serve_args, _ = LAUNCHER_VARIANTS.get(variant, ([], {}, [], ""))
        if "--warm-up" in serve_args:
            i = args.index("--warm-up")
            del args[i:i + 2]
        args = [*args, *serve_args]
        cmd = [os.path.join(checkout, "ext-authz-server", "bin", "jrego"), *args]
        env = dict(os.environ, JREGO_JAVA_OPTS=" ".join(nmt_flags + why_flags(name) + extra), **extra_env)
    else:
        cmd = [java, *VARIANTS[variant][0], *COMMON, *nmt_flags, *why_flags(name), "-jar", SERVER_JAR, *args]
        env = None

    def ready(srv):
        deadline = time.time() + 90
        while time.time() < deadline:
            if not srv.alive():
                raise RuntimeError(f"{name} exited; see {srv.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{admin}/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{name} not ready after 90 s")

    s = R.Server(name, R.pinned("server", cmd), env=env, ready=ready)
    s.port = port
    return s, time.time() - t0


def why_flags(name):
    """--why: the JVM logs every compilation it queues and every GC pause, with its uptime."""
    if not WHY_DIR:
        return []
    name = name.replace(":", "-")  # -Xlog's separator
    return [f"-Xlog:jit+compilation=debug:file={WHY_DIR}/{name}-jit.log:uptime",
            f"-Xlog:gc,gc+age=trace:file={WHY_DIR}/{name}-gc.log:uptime"]


def why(name, launched, slices):
    """Per slice (wall start, end): compilations queued at tiers 1-3 (C1) and 4 (C2), methods made
    not entrant, GC pauses and their total ms, from the --why logs (JVM uptime + launch time)."""
    def events(path, parse):
        try:
            with open(path) as f:
                return [e for e in (parse(line) for line in f) if e]
        except OSError:
            return []

    def jit(line):
        m = re.match(r"\[(\d+\.\d+)s\].*made not entrant", line)
        if m:
            return launched + float(m.group(1)), "not entrant"
        m = re.match(r"\[(\d+\.\d+)s\]\s+\d+\s+([%sbn!]*)\s*([1-4])\s", line)
        return (launched + float(m.group(1)), "c2" if m.group(3) == "4" else "c1") if m else None

    def gc(line):
        m = re.match(r"\[(\d+\.\d+)s\] GC\(\d+\) Pause.* (\d+\.\d+)ms", line)
        return (launched + float(m.group(1)), float(m.group(2))) if m else None

    def survivors(line):
        # gc+age: "GC(N) - age   1:     467112 bytes,     467112 total", one line per age; the
        # last line of a collection has the bytes it copied to the survivor space in all
        m = re.match(r"\[(\d+\.\d+)s\] GC\((\d+)\) - age\s+\d+:\s+\d+ bytes,\s+(\d+) total", line)
        return (launched + float(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None

    name = name.replace(":", "-")
    j = events(os.path.join(WHY_DIR, f"{name}-jit.log"), jit)
    g = events(os.path.join(WHY_DIR, f"{name}-gc.log"), gc)
    copied = {}  # GC number -> (time, bytes copied to the survivor space)
    for t, n, total in events(os.path.join(WHY_DIR, f"{name}-gc.log"), survivors):
        copied[n] = (t, total)
    rows = []
    for a, b in slices:
        rows.append({"c1": sum(1 for t, k in j if a <= t < b and k == "c1"),
                     "c2": sum(1 for t, k in j if a <= t < b and k == "c2"),
                     "not_entrant": sum(1 for t, k in j if a <= t < b and k == "not entrant"),
                     "gc_pauses": sum(1 for t, _ in g if a <= t < b),
                     "gc_ms": round(sum(ms for t, ms in g if a <= t < b), 1),
                     "gc_survived_kib": mean_kib([v for t, v in copied.values() if a <= t < b])})
    return rows


def mean_kib(values):
    """The mean of byte counts in KiB, rounded; None for none."""
    return round(sum(values) / len(values) / 1024) if values else None


def drive_at_ready(java, name, port, workdir, args, plan):
    """--traffic-at-ready: the generator warms itself first, then the server starts, and the plan's
    first request goes out the moment the server is ready (LoadGen --go-on-stdin). Returns (Server,
    launch time, seconds to ready, at-ready CPU ticks, sampler, phases); the phases as R.drive gives them."""
    target = f"grpc://127.0.0.1:{port}"
    extra = ["--concurrency", str(args.concurrency), "--duration", str(args.duration), "--warmup", "0",
             "--clk-tck", str(R.CLK_TCK), "--plan", ",".join(plan), *self_warmup(args), "--go-on-stdin", "1"]
    cmd = R.loadgen_cmd(java, target, R.MIXES[MIX][1], extra)
    R.log("+ " + " ".join(cmd))
    proc = subprocess.Popen(cmd, cwd=R.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    R.children.append(proc)
    limit = args.generator_warmup + 90 + sum(float(p.split(":")[2]) for p in plan) + 12 * len(plan) + 60
    watchdog = threading.Timer(limit, proc.kill)  # bounded even if the generator hangs
    watchdog.start()
    server = sampler = None
    results = []
    try:
        line = proc.stdout.readline().strip()
        if line != "self-warmed":
            raise RuntimeError(f"load generator said {line!r}, not self-warmed")
        launched = time.time()
        server, ready_s = start(java, name, port, workdir, args.opa_envoy_bin)
        renice_c2(name, server.pid)
        time.sleep(args.idle_after_ready)
        proc.stdin.write(f"go {server.pid}\n")
        proc.stdin.flush()
        at_ready = R.cpu_ticks(server.pid)
        sampler = RssSampler(server.pid)
        sampler.start()
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("phase-start"):
                busy0, wall0 = R.cpu_busy(R.PIN["server"]), time.time()
            elif line.startswith("phase-end"):
                busy1, wall1 = R.cpu_busy(R.PIN["server"]), time.time()
            elif line.startswith("{"):
                r = json.loads(line)
                R.add_cpu(r)
                used = (busy1[0] - busy0[0]) / R.CLK_TCK
                r["foreign_cores"] = max(0.0, used - (r["server_cpu_s"] or 0)) / max(1e-9, wall1 - wall0)
                r["wall_start"], r["wall_end"] = wall0, wall1
                results.append(r)
        proc.wait(timeout=30)
    except BaseException:
        if sampler:
            sampler.stop_flag.set()
        if server:
            server.stop()
        raise
    finally:
        watchdog.cancel()
    if proc.returncode != 0 or len(results) != len(plan):
        sampler.stop_flag.set()
        server.stop()
        raise RuntimeError(f"load generator failed (exit {proc.returncode}) against {name}")
    return server, launched, ready_s, at_ready, sampler, results


def measure(java, name, args, workdir):
    port = R.free_port()
    launched = time.time()
    slices = max(1, int(args.first_minute // args.slice))
    plan = [f"open:{args.rate}:{args.slice}"] * (slices + 1)
    if args.traffic_at_ready and name != "opa-envoy":
        server, launched, ready_s, at_ready, sampler, phases = drive_at_ready(java, name, port, workdir, args, plan)
    else:
        server, ready_s = start(java, name, port, workdir, args.opa_envoy_bin)
        renice_c2(name, server.pid)
        sampler = RssSampler(server.pid)
        sampler.start()
        at_ready = R.cpu_ticks(server.pid)
        phases = None
    out = {"name": name, "ready_s": ready_s, "what": what(name), "traffic_at_ready": bool(phases)}
    if at_ready:
        out["cpu_at_ready_s"] = [t / R.CLK_TCK for t in at_ready]
    try:
        target = R.target_of("opa-envoy" if name == "opa-envoy" else "jrego", server)
        if phases is None:
            _, phases = R.drive(java, server, target, R.MIXES[MIX][1], plan, args, 0, gen_args=self_warmup(args))
        first, steady = phases[:-1], phases[-1]
        out["first_minute_p99_us"] = [p["p99_us"] for p in first]
        out["first_minute_slices_us"] = [{k: p.get(k) for k in ("p50_us", "p90_us", "p99_us", "p999_us", "max_us")}
                                         for p in first]
        out["whole_first_minute_p99_us"] = first[-1].get("cum_p99_us")
        edges = [(p["wall_start"], p["wall_end"]) for p in phases]
        out["slice_cpu_s"] = [sampler.cpu_between(a, b) for a, b in edges]
        out["slice_rss_mib"] = [sampler.most(a, b) for a, b in edges]
        out["traffic_from_s"] = edges[0][0] - launched  # the first slice's start, since launch
        # other processes' CPU on the server's CPU per slice (cores): how quiet the machine was
        out["slice_foreign_cores"] = [round(p.get("foreign_cores", 0.0), 3) for p in phases]
        if WHY_DIR and name != "opa-envoy":
            out["slice_why"] = why(name, launched, [(launched, edges[0][0]), *edges])
        out["steady_p99_us"] = steady["p99_us"]
        out["first_minute_errors"] = sum(p.get("errors", 0) for p in first)
        out["steady_rss_mib"] = sampler.most(steady["wall_start"], steady["wall_end"])
        out["nmt_steady_kib"] = nmt(java, server.pid) if name != "opa-envoy" else {}
        out["rss_parts_steady_kib"] = rss_parts(server.pid)
        _, closed = R.drive(java, server, target, R.MIXES[MIX][1], ["closed"],
                            argparse.Namespace(**{**vars(args), "duration": args.closed}), 0)
        c = closed[0]
        out["max_checks_per_s"] = c["rps"]
        out["max_p99_us"] = c["p99_us"]
        out["max_cpu_us_per_check"] = c.get("cpu_us_per_check")
        out["max_foreign_cores"] = round(c.get("foreign_cores", 0.0), 3)
        out["max_cpu_s"] = sampler.cpu_between(c["wall_start"], c["wall_end"])
        out["max_rss_mib"] = sampler.most(c["wall_start"], c["wall_end"])
        out["nmt_max_kib"] = nmt(java, server.pid) if name != "opa-envoy" else {}
        out["rss_parts_max_kib"] = rss_parts(server.pid)
    finally:
        sampler.stop_flag.set()
        out["peak_rss_mib"] = server.stop()
        out["start_log"] = start_log(server.log_path)
    R.log(f"{name}: {json.dumps({k: v for k, v in out.items() if not k.startswith('nmt')})}")
    return out


def start_log(path):
    """jrego's own lines about its start: what the warm-up did (made-up checks answered, how, in
    how long) and where the time to ready went; [] for OPA-Envoy."""
    try:
        with open(path) as f:
            return [re.sub(r"^\S+ INFO \S+ ", "", line.strip()) for line in f
                    if "warmed up with" in line or line.startswith("jrego: ready")]
    except OSError:
        return []


def self_warmup(args):
    """LoadGen options that warm the generator against the no-op server before the first minute."""
    if not args.generator_warmup:
        return []
    return ["--self-warmup", str(args.generator_warmup), "--self-warmup-target", f"grpc://127.0.0.1:{NOOP_PORT}"]


def what(name):
    if name.startswith("before:"):
        return "before (another checkout): " + what(name[len("before:"):])
    if name in LAUNCHER_VARIANTS:
        return LAUNCHER_VARIANTS[name][3]
    return VARIANTS[name][1] if name in VARIANTS else "opa-envoy-plugin"


def base(name):
    """A row's server name without its round (NAME#K)."""
    return name.split("#")[0]


def report(rows, args, java_version, outdir):
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H%M")
    opa = next((r for r in rows if base(r["name"]) == "opa-envoy"), None)

    def vs(r, key):
        return f" ({r[key] / opa[key]:.2f}x)" if opa and opa.get(key) and r is not opa else ""

    lines = [f"# Sidecar footprint, {date} UTC", "",
             f"`python3 load-tests/footprint.py {command_line()}`; {java_version}; ai-gateway mix "
             f"(2 KB chat body); server pinned to CPU {R.PIN['server']}, generator to CPU {R.PIN['generator']}; "
             f"open loop at {args.rate}/s for {args.first_minute:.0f} s in {args.slice:.0f} s slices, then one steady "
             f"slice, then a closed loop ({args.concurrency} outstanding) for {args.closed:.0f} s. jrego variants run "
             + ("without native memory tracking" if NO_NMT else "with -XX:NativeMemoryTracking=summary")
             + " and --warm-up 0s unless the variant says otherwise. "
             + (f"Before each first minute the generator warms itself for {args.generator_warmup:.0f} s against a "
                "no-op Check server on its own CPU"
                + (". " if args.traffic_at_ready else " (the measured server idles meanwhile, ready). ")
                if args.generator_warmup else "The generator starts cold. ")
             + (("With --traffic-at-ready each jrego server starts only after that, and its first minute begins "
                 + (f"{args.idle_after_ready:g} s after it is ready. " if args.idle_after_ready else
                    "the moment it is ready (no idle time in which its compiler catches up). "))
                if args.traffic_at_ready else "")
             + ("Ratios against OPA-Envoy in the same run." if opa else "OPA-Envoy not run (--no-opa-envoy).")
             + (f" {args.rounds} rounds, the servers taking turns"
                + (", every second round in the reverse order" if args.alternate else "")
                + "; NAME#K is round K." if args.rounds > 1 else ""), "",
             f"| server | ready s | steady RSS MiB | max checks/s | RSS at max MiB | steady p99 µs | first-minute p99 µs, all requests (x steady) | worst {args.slice:.0f} s slice p99 µs (x steady) | errors in first minute |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        worst = max(r["first_minute_p99_us"])
        whole = r.get("whole_first_minute_p99_us")
        whole_cell = f"{whole:.0f} ({whole / r['steady_p99_us']:.2f}x)" if whole else "-"
        lines.append(f"| {r['name']} | {r['ready_s']:.2f}{vs(r, 'ready_s')} | {r['steady_rss_mib']:.0f}{vs(r, 'steady_rss_mib')} | "
                     f"{r['max_checks_per_s']:.0f}{vs(r, 'max_checks_per_s')} | {r['max_rss_mib']:.0f}{vs(r, 'max_rss_mib')} | "
                     f"{r['steady_p99_us']:.0f} | {whole_cell} | {worst:.0f} ({worst / r['steady_p99_us']:.2f}x) | {r['first_minute_errors']} |")
    lines += ["", "First-minute p99 per slice (µs):", ""]
    for r in rows:
        lines.append(f"- {r['name']}: " + ", ".join(f"{v:.0f}" for v in r["first_minute_p99_us"]) +
                     f"; steady {r['steady_p99_us']:.0f}")
    if any(r.get("start_log") for r in rows):
        lines += ["", "jrego's start, in its own words (the warm-up's made-up checks answered before ready; "
                  "where the time to ready went):", ""]
        lines += [f"- {r['name']}: " + "; ".join(r["start_log"]) for r in rows if r.get("start_log")]
    lines += ["", "Closed loop (the maximum): checks/s; the server's CPU µs per check; its CPU seconds in the loop, "
              "whole process / JIT compiler threads / C2 alone / VM thread; other processes' share of its CPU:", ""]
    for r in rows:
        if r.get("max_cpu_us_per_check") is not None:
            cpu = r.get("max_cpu_s")
            lines.append(f"- {r['name']}: {r['max_checks_per_s']:.0f}/s, {r['max_cpu_us_per_check']:.1f} µs; "
                         + ("/".join(f"{v:.2f}" for v in cpu) if cpu else "-") + f"; {r.get('max_foreign_cores', 0):.2f}")
    lines += ["", "Resident MiB per slice (the most VmRSS sampled in it, every 200 ms), the last the steady slice:", ""]
    for r in rows:
        if r.get("slice_rss_mib"):
            lines.append(f"- {r['name']}: " + ", ".join(f"{v:.0f}" for v in r["slice_rss_mib"]))
    lines += ["", "Noise: other processes' share of the server's CPU per slice (0 = nobody else ran there), the last the "
              "steady slice:", ""]
    for r in rows:
        if r.get("slice_foreign_cores"):
            lines.append(f"- {r['name']}: " + ", ".join(f"{v:.2f}" for v in r["slice_foreign_cores"]))
    lines += ["", "Where the first minute's CPU goes: CPU seconds of the whole process / of its JIT compiler threads "
              "(C1 and C2) / of C2 alone / of the VM thread (serial GC pauses, safepoints) "
              "from start to ready, then per slice (the last is the steady slice)"
              + ("; with --why, compilations queued at C1 (tiers 1-3) / C2 (tier 4), methods made not entrant, "
                 "GC pauses (total ms; mean KiB a young GC copied to the survivor space), from start to the first slice (ready, then the generator's own warm-up) and per slice" if WHY_DIR else "") + ":", ""]
    for r in rows:
        if base(r["name"]) == "opa-envoy" or not r.get("slice_cpu_s"):
            continue
        ready = r.get("cpu_at_ready_s") or [float("nan")] * 4
        cells = ["/".join(f"{v:.2f}" for v in c) if c else "-" for c in r["slice_cpu_s"]]
        lines.append(f"- {r['name']}: to ready {'/'.join(f'{v:.2f}' for v in ready)}; slices " + ", ".join(cells))
        if r.get("slice_why"):
            lines.append("  - " + ", ".join(f"{w['c1']}/{w['c2']}, {w['not_entrant']} n.e., {w['gc_pauses']} GC ({w['gc_ms']} ms"
                                          + (f", {w['gc_survived_kib']} KiB survived" if w.get("gc_survived_kib") is not None else "")
                                          + ")" for w in r["slice_why"]))
    lines += nmt_table(rows)
    lines += ["", "Resident memory by what backs it (/proc/PID/smaps), MiB at the steady slice / at maximum throughput:", "",
              "| server | anonymous (heap, stacks, malloc, code) | libjvm.so | AOT cache | jars, modules | other files |",
              "|---|---|---|---|---|---|"]
    for r in rows:
        a, b = r.get("rss_parts_steady_kib") or {}, r.get("rss_parts_max_kib") or {}
        if a:
            lines.append(f"| {r['name']} | " + " | ".join(f"{a.get(k, 0) / 1024:.0f} / {b.get(k, 0) / 1024:.0f}"
                                                         for k in ["anon", "libjvm", "aot cache", "jars", "other files"]) + " |")
    lines += ["", "Variants:", ""]
    for n in dict.fromkeys(base(r["name"]) for r in rows):
        if n.startswith("before:"):
            lines.append(f"- `{n}`: {what(n)}, from OTHER_CHECKOUT")
        elif n in LAUNCHER_VARIANTS:
            flags, env, serve_args, _ = LAUNCHER_VARIANTS[n]
            knobs = " ".join([f"{k}={v}" for k, v in env.items()] + flags + serve_args).replace(R.ROOT + os.sep, "")
            lines.append(f"- `{n}`: {what(n)} (`{knobs}`)")
        elif n in VARIANTS:
            lines.append(f"- `{n}`: {what(n)}" + (f" (`{' '.join(VARIANTS[n][0])}`)" if VARIANTS[n][0] else ""))
    os.makedirs(outdir, exist_ok=True)
    md = os.path.join(outdir, f"footprint-{date}.md")
    open(md, "w").write("\n".join(lines) + "\n")
    args_out = {k: v for k, v in vars(args).items() if k not in ("opa_envoy_bin", "out")}
    if args_out.get("before"):
        args_out["before"] = "OTHER_CHECKOUT"  # no path of this machine in the repository
    json.dump({"args": args_out, "rows": rows}, open(os.path.join(outdir, f"footprint-{date}.json"), "w"), indent=1)
    print("\n".join(lines))
    print(f"\nwrote {md}")


NMT_EXTRA = ["malloc", "malloc peak", "threads #", "young used", "young total", "old used", "old total"]


def nmt_table(rows):
    """The NMT summary as a table: every category committing 1 MiB or more in some row, then the
    tracked C heap (malloc now and its peak), the threads, and the heap's generations (used/total)."""
    rows = [r for r in rows if r["nmt_steady_kib"]]
    if not rows:
        return []
    cats = []
    for r in rows:
        for k, v in [*r["nmt_steady_kib"].items(), *r["nmt_max_kib"].items()]:
            if k != "Total" and k not in NMT_EXTRA and v >= 1024 and k not in cats:
                cats.append(k)
    cols = ["Total", *cats, "malloc (peak)", "threads", "young used/total", "old used/total"]

    def cell(d, k):
        if k == "malloc (peak)":
            return f"{d.get('malloc', 0) / 1024:.0f} ({d.get('malloc peak', 0) / 1024:.0f})"
        if k == "threads":
            return str(d.get("threads #", "-"))
        if k.endswith("used/total"):
            g = k.split()[0]
            return f"{d.get(g + ' used', 0) / 1024:.0f}/{d.get(g + ' total', 0) / 1024:.0f}"
        return f"{d.get(k, 0) / 1024:.0f}"
    lines = ["", "NMT (-XX:NativeMemoryTracking=summary; `jcmd VM.native_memory summary` and `GC.heap_info` "
             "right after the steady slice and right after the closed loop), committed MiB, steady / at maximum "
             "throughput. Class is the class space and Metaspace the other class metadata, Shared class space "
             "is the mapped AOT cache, Arena Chunk the "
             "compilers' scratch memory, Other what Unsafe.allocateMemory gave (direct buffers):", "",
             "| server | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for r in rows:
        lines.append(f"| {r['name']} | " + " | ".join(f"{cell(r['nmt_steady_kib'], k)} / {cell(r['nmt_max_kib'], k)}"
                                                     for k in cols) + " |")
    return lines


def command_line():
    """This run's arguments, without the paths of this machine (the OPA-Envoy binary, --out)."""
    out, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
        elif a in ("--opa-envoy-bin", "--out", "--before"):
            skip = True
            if a == "--opa-envoy-bin":
                out += [a, "OPA_ENVOY_BIN"]
            elif a == "--before":
                out += [a, "OTHER_CHECKOUT"]
        elif not a.startswith(("--opa-envoy-bin=", "--out=", "--before=")):
            out.append(a)
    return " ".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--opa-envoy-bin", default=os.environ.get("OPA_ENVOY_BIN"))
    ap.add_argument("--variants", default="old-launcher,launcher",
                    help=f"jrego variants: {','.join([*VARIANTS, *LAUNCHER_VARIANTS])}")
    ap.add_argument("--generator-warmup", type=float, default=6,
                    help="seconds the generator warms itself against a no-op server (on its own CPU) before "
                         "each first minute, so a cold generator is not charged to the server; 0: none")
    ap.add_argument("--traffic-at-ready", action="store_true",
                    help="start each jrego server only after the generator has warmed itself, and send the first "
                         "request the moment it is ready (otherwise it idles, ready, through the generator's warm-up, "
                         "and its compiler catches up meanwhile)")
    ap.add_argument("--idle-after-ready", type=float, default=0,
                    help="with --traffic-at-ready: seconds between ready and the first request (a readiness probe's "
                         "period and the endpoint's propagation in a cluster)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="measure every server this many times, the variants taking turns (rows named NAME#ROUND)")
    ap.add_argument("--alternate", action="store_true",
                    help="with --rounds: every second round runs the servers in the reverse order")
    ap.add_argument("--no-opa-envoy", action="store_true",
                    help="leave OPA-Envoy out (jrego's knobs against each other; no ratios against OPA-Envoy)")
    ap.add_argument("--before", help="another checkout (already built, its AOT cache made) for before:NAME variants")
    ap.add_argument("--no-nmt", action="store_true", help="run jrego without native memory tracking (which costs a few MiB)")
    ap.add_argument("--why", action="store_true",
                    help="log jrego's JIT compilations and GC pauses and count them per slice in the report")
    ap.add_argument("--rate", type=int, default=800, help="open-loop checks per second (OPA-Envoy serves about 1,500/s)")
    ap.add_argument("--first-minute", type=float, default=60)
    ap.add_argument("--slice", type=float, default=10)
    ap.add_argument("--closed", type=float, default=8)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--generator-cpus", default="1")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--out", default=os.path.join(R.HERE, "results"))
    args = ap.parse_args()
    global NO_NMT, BEFORE
    NO_NMT = args.no_nmt
    BEFORE = os.path.abspath(args.before) if args.before else None
    # what run.drive reads
    args.duration, args.warmup_min, args.warmup_max = args.slice, 0, 0
    R.setup_pinning(args)
    java, version = R.find_java()
    if not args.no_build:
        R.build()
    if not args.opa_envoy_bin and not args.no_opa_envoy:
        sys.exit("error: --opa-envoy-bin PATH (see load-tests/README.md: built from upstream's tag v1.19.1-envoy)")
    workdir = R.tempfile.mkdtemp(prefix="footprint-")
    if args.why:
        global WHY_DIR
        WHY_DIR = workdir
    rows = []
    try:
        if args.generator_warmup:
            global NOOP_PORT
            NOOP_PORT = R.free_port()
            noop = R.Server("no-op", R.pinned("generator", [java, *R.jrego_launcher_flags(), "-cp", R.JAR,
                                                            "io.jrego.loadtests.NoopCheckServer", str(NOOP_PORT)]))
            R.wait_tcp(NOOP_PORT, 60, noop)
        names = [*args.variants.split(","), *([] if args.no_opa_envoy else ["opa-envoy"])]
        for name in names:
            if name.startswith("before:"):
                if not args.before or name[len("before:"):] not in LAUNCHER_VARIANTS and name != "before:launcher":
                    sys.exit(f"error: {name} needs --before ROOT and a launcher variant")
                continue
            if name != "opa-envoy" and name not in VARIANTS and name not in LAUNCHER_VARIANTS:
                sys.exit(f"error: unknown variant {name}; one of {','.join([*VARIANTS, *LAUNCHER_VARIANTS])}")
        for k in range(1, args.rounds + 1):
            for name in (names[::-1] if args.alternate and k % 2 == 0 else names):
                row = measure(java, name, args, workdir)
                if args.rounds > 1:
                    row["round"] = k
                    row["name"] = f"{name}#{k}"
                rows.append(row)
    finally:
        for p in R.children:
            if p.poll() is None:
                p.kill()
    report(rows, args, version, args.out)


if __name__ == "__main__":
    main()
