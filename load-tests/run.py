#!/usr/bin/env python3
"""The gRPC load harness: jrego, OPA-Envoy and a no-op Check server side by side, one after
another on this machine, with the same policy, requests and load generator, each server on one
core; then Envoy with no filter, with ext_authz -> jrego and with ext_authz -> OPA-Envoy; then a
JFR profile of jrego under load.

Usage: python3 load-tests/run.py [--quick] [--mix rbac,ai-gateway,data-lookup] [--no-envoy]
       [--no-profile] [--opa-envoy-bin PATH] [--with-opa-rest] [--rates R1,R2] ...
       (python3 load-tests/run.py --help for all options)

Writes load-tests/results/<date>/report.md with PNG plots and results.json beside it, and
results/LATEST.md pointing at it. Loopback only. Bounded: every phase runs a fixed time, the
adaptive warm-up has a ceiling, every wait has a timeout, every child is stopped at the end
(also on error).

Servers, each started as a child on a free 127.0.0.1 port and pinned to the server CPU:
  jrego       ext-authz-server/bin/jrego serve (its launcher's JVM flags)
  opa-envoy   opa-envoy-plugin run --server with the envoy_ext_authz_grpc plugin: from
              `go install ...opa-envoy-plugin@PIN`, or else the binary --opa-envoy-bin / OPA_ENVOY_BIN
  no-op       io.jrego.loadtests.NoopCheckServer: jrego's gRPC stack answering OK, no policy
  opa-rest    (--with-opa-rest) `opa run --server`, POST /v1/data/envoy/authz/allow: OPA's REST
              data API, not OPA-Envoy, over HTTP/1.1
Load: io.jrego.loadtests.LoadGen (grpc-java + HdrHistogram) pinned to the generator CPU: a
warm-up until the server's CPU per check stops falling, closed-loop phases (repeated) for maximum
throughput, then open-loop phases at fixed rates chosen from the measured capacities (latency from
each request's due time). CPU per check: the server's utime+stime (/proc/PID/stat) over a phase /
checks. Peak RSS: VmHWM from /proc/PID/status when the server is stopped."""
import argparse
import datetime
import glob
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
JAR = os.path.join(HERE, "target", "benchmarks.jar")
OPA_ENVOY_MODULE = "github.com/open-policy-agent/opa-envoy-plugin/cmd/opa-envoy-plugin"
# The module version of upstream's tag v1.19.1-envoy (which embeds OPA 1.19.1): the tag is a valid
# semantic version with the pre-release "envoy", so `go install` takes it as it is.
OPA_ENVOY_VERSION = os.environ.get("OPA_ENVOY_VERSION", "v1.19.1-envoy")
MIXES = {
    "rbac": ("load-tests/policies/rbac", "load-tests/inputs/rbac.json"),
    "ai-gateway": ("rego-policies/ai-gateway", "load-tests/inputs/ai-chat-2kb.json"),
    "data-lookup": ("load-tests/policies/data-lookup", "load-tests/inputs/data-lookup.json"),
}
SERVERS = ["jrego", "opa-envoy", "no-op", "opa-rest"]
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOG = []  # every command run, for the report
children = []
PIN = {"server": None, "generator": None}  # taskset CPU lists, or None when not pinning


T0 = time.time()


def log(msg):
    print(f"[{time.time() - T0:5.0f} s] {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout=900, check=True, **kw):
    LOG.append(" ".join(cmd))
    log("+ " + " ".join(cmd))
    return subprocess.run(cmd, text=True, capture_output=True, timeout=timeout, check=check, **kw)


def pinned(role, cmd):
    """cmd run on the CPUs of `role` (server or generator) through taskset, which execs it, so
    the child's PID is the pinned process itself."""
    return ["taskset", "-c", PIN[role], *cmd] if PIN[role] else cmd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_java():
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    candidates += sorted(glob.glob("/usr/lib/jvm/*/bin/java"), reverse=True)
    if shutil.which("java"):
        candidates.append(shutil.which("java"))
    for java in candidates:
        try:
            out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
        except OSError:
            continue
        m = re.search(r'version "(\d+)', out)
        if m and int(m.group(1)) >= 21:
            return java, out.splitlines()[0]
    sys.exit("error: no JDK 21 or newer found (set JAVA_HOME)")


def gopath_bin(name):
    gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True, timeout=60).stdout.strip()
    return os.path.join(gopath, "bin", name)


def install_opa():
    run(["bash", os.path.join(ROOT, ".ci", "install-opa.sh")])
    opa = gopath_bin("opa")
    return opa, run([opa, "version"]).stdout.splitlines()[0]


def find_opa_envoy(given):
    """The pinned `go install` first; if it fails, the binary given by --opa-envoy-bin or
    OPA_ENVOY_BIN. Returns (path or None, {how, go_install, version})."""
    info = {}
    cmd = ["go", "install", f"{OPA_ENVOY_MODULE}@{OPA_ENVOY_VERSION}"]
    try:
        r = run(cmd, timeout=600, check=False)
        ok, err = r.returncode == 0, " ".join(r.stderr.split())[-400:]
        info["go_install"] = (f"`{' '.join(cmd)}` succeeded" if ok
                              else f"`{' '.join(cmd)}` failed (exit {r.returncode}): {err}")
    except (subprocess.TimeoutExpired, OSError) as e:
        ok, info["go_install"] = False, f"`{' '.join(cmd)}` did not run to the end: {e}"
    path = None
    if ok:
        path, info["how"] = gopath_bin("opa-envoy-plugin"), f"installed by `{' '.join(cmd)}`"
    elif given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            sys.exit(f"error: the OPA-Envoy binary {given} is not an executable file")
        path = os.path.abspath(given)
        info["how"] = (f"the binary given by {'--opa-envoy-bin' if given != os.environ.get('OPA_ENVOY_BIN') else 'OPA_ENVOY_BIN'}: "
                       f"`{path}` (not built by this harness)")
    else:
        info["how"] = "not available: go install was refused and no --opa-envoy-bin / OPA_ENVOY_BIN was given"
    if path:
        out = run([path, "version"], timeout=60).stdout
        info["version"] = "; ".join(l.strip() for l in out.splitlines() if l.split(":", 1)[-1].strip())
    return path, info


def install_opa_envoy():
    """The pinned `go install` alone: (path or None, what happened), for compat.py."""
    path, info = find_opa_envoy(None)
    return path, info["go_install"]


def install_apt(tool, package):
    if shutil.which(tool):
        return shutil.which(tool)
    run(["apt-get", "install", "-y", "-q", package], timeout=600)
    return shutil.which(tool)


def build():
    """The generator and no-op server (benchmarks.jar) and jrego (jrego.jar + lib/), offline first."""
    cmd = [os.path.join(ROOT, "mvnw"), "-B", "-q", "-DskipTests", "-Dspotless.check.skip=true",
           "-pl", "load-tests", "-am", "package"]
    if run(cmd[:2] + ["-o"] + cmd[2:], cwd=ROOT, check=False).returncode != 0:
        run(cmd, cwd=ROOT)


def cpu_busy(cpus):
    """Busy and total jiffies of the given CPUs (a taskset list such as "0" or "0,1") from
    /proc/stat, to see how much of the server's core something else used."""
    wanted = {f"cpu{c}" for c in cpus.split(",")} if cpus else {"cpu"}
    busy = total = 0
    with open("/proc/stat") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] in wanted:
                v = [int(x) for x in parts[1:9]]  # user nice system idle iowait irq softirq steal
                total += sum(v)
                busy += sum(v) - v[3] - v[4]
    return busy, total


# ---- processes ------------------------------------------------------------------------------

class Server:
    def __init__(self, name, cmd, env=None, ready=None, log_path=None):
        self.name = name
        self.log_path = log_path or tempfile.mktemp(prefix=f"load-{name}-", suffix=".log")
        self.logf = open(self.log_path, "w")
        LOG.append(" ".join(cmd))
        log("+ " + " ".join(cmd))
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        children.append(self.proc)
        self.pid = self.proc.pid
        self.port = None
        self.info = {}
        if ready:
            ready(self)

    def peak_rss_mib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        rss = self.peak_rss_mib() if self.alive() else float("nan")
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.logf.close()
        return rss


def thread_ticks(pid):
    """[(thread name, CPU clock ticks, user + system)] of a process's live threads, from /proc, or
    None once the process is gone."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    out = []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()  # after the name, which may hold spaces
        out.append((stat[stat.index("(") + 1:stat.rindex(")")], int(fields[11]) + int(fields[12])))
    return out


def cpu_ticks(pid):
    """(all threads, JIT compiler threads, C2 compiler thread, VM thread) CPU time of a process in
    clock ticks, from /proc. The VM thread runs the serial collector's pauses and safepoint work."""
    threads = thread_ticks(pid)
    if threads is None:
        return None
    total, jit, c2, vm = 0, 0, 0, 0
    for comm, ticks in threads:
        total += ticks
        if "CompilerThre" in comm:
            jit += ticks
            c2 += ticks if comm.startswith("C2") else 0
        elif comm == "VM Thread":
            vm += ticks
    return total, jit, c2, vm


def wait_http(url, seconds=90, server=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server is not None and not server.alive():
            raise RuntimeError(f"{server.name} exited; see {server.log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return r.read().decode()
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {seconds} s")


def wait_tcp(port, seconds=60, server=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server is not None and not server.alive():
            raise RuntimeError(f"{server.name} exited; see {server.log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {seconds} s")


def jvm_settings(java, pid):
    """What the JVM chose, read from the live process: GC, GC threads, JIT compiler threads and the
    CPUs it sees (one pinned CPU: one parallel GC thread, one C1 and one C2 compiler thread)."""
    jcmd = os.path.join(os.path.dirname(java), "jcmd")
    try:
        flags = subprocess.run([jcmd, str(pid), "VM.flags", "-all"], capture_output=True, text=True, timeout=60).stdout
        vminfo = subprocess.run([jcmd, str(pid), "VM.info"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "n/a (jcmd failed)"

    def flag(name):
        m = re.search(rf"\s{name}\s+= (\S+)", flags)
        return m.group(1) if m else "?"

    gc = next((g for g in ["UseSerialGC", "UseParallelGC", "UseG1GC", "UseZGC", "UseShenandoahGC"] if flag(g) == "true"), "?")
    m = re.search(r"CPU: total (\d+) \(initial active (\d+)\)", vminfo)
    cpus = f"{m.group(2)} of {m.group(1)} CPUs active" if m else "CPUs: ?"
    return (f"{cpus}; {gc.removeprefix('Use')} with ParallelGCThreads={flag('ParallelGCThreads')}; "
            f"CICompilerCount={flag('CICompilerCount')} (C1 + C2)")


def start_jrego(bundle, port, jvm_opts="", java=None):
    """jrego serving `bundle` on 127.0.0.1:port (compat.py starts it too); `java` is the JDK whose
    jcmd reads the JVM's settings (default: find_java())."""
    admin = free_port()
    env = dict(os.environ, JREGO_JAVA_OPTS=jvm_opts)

    def ready(s):
        wait_tcp(admin, 90, s)
        wait_http(f"http://127.0.0.1:{admin}/ready", 90, s)
        s.info["runtime"] = jvm_settings(java or find_java()[0], s.pid)

    s = Server("jrego", pinned("server", [os.path.join(ROOT, "ext-authz-server", "bin", "jrego"), "serve",
                                          "--addr", f"127.0.0.1:{port}", "--admin-addr", f"127.0.0.1:{admin}",
                                          "--bundle", os.path.join(ROOT, bundle)]), env=env, ready=ready)
    s.port = port
    return s


def jrego_launcher_flags():
    """The heap and GC flags of `bin/jrego serve` (bin/serve-jvm.sh, without its AOT cache), so the
    no-op server runs on the same JVM settings."""
    return ["-XX:+UseSerialGC", "-Xms24m", "-Xmx128m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=96m",
            "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED"]


def start_noop(java, port):
    def ready(s):
        wait_tcp(port, 60, s)
        s.info["runtime"] = jvm_settings(java, s.pid)

    s = Server("no-op", pinned("server", [java, *jrego_launcher_flags(), "-cp", JAR, "io.jrego.loadtests.NoopCheckServer",
                                          str(port)]), ready=ready)
    s.port = port
    return s


def start_opa_rest(opa, bundle, port):
    s = Server("opa-rest", pinned("server", [opa, "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error",
                                             "--skip-version-check", "-b", os.path.join(ROOT, bundle)]),
               ready=lambda s: wait_http(f"http://127.0.0.1:{port}/health", 60, s))
    s.port = port
    return s


def opa_envoy_config(port):
    """The configuration OPA-Envoy users write: the envoy_ext_authz_grpc plugin on an address and
    a decision path; decision logs off (they are off unless configured; said explicitly)."""
    return ("plugins:\n"
            "  envoy_ext_authz_grpc:\n"
            f"    addr: 127.0.0.1:{port}\n"
            "    path: envoy/authz/allow\n"
            "decision_logs:\n"
            "  console: false\n")


def start_opa_envoy(binary, bundle, port, workdir=None):
    """OPA-Envoy serving `bundle` with its gRPC Check server on 127.0.0.1:port (compat.py starts it
    too); its configuration file goes to `workdir` (default: a new temporary directory)."""
    http_port = free_port()  # its REST API; bound to loopback (its default binds every interface)
    cfg = os.path.join(workdir or tempfile.mkdtemp(prefix="opa-envoy-"), f"opa-envoy-{port}.yaml")
    open(cfg, "w").write(opa_envoy_config(port))

    def ready(s):
        wait_http(f"http://127.0.0.1:{http_port}/health?plugins", 60, s)
        wait_tcp(port, 30, s)
        metrics = wait_http(f"http://127.0.0.1:{http_port}/metrics", 30, s)
        m = re.search(r"^go_sched_gomaxprocs_threads (\d+)", metrics, re.M)
        v = re.search(r'^go_info\{version="([^"]+)"', metrics, re.M)
        s.info["runtime"] = (f"GOMAXPROCS={m.group(1) if m else '?'} (from its /metrics), "
                             f"{v.group(1) if v else 'Go ?'}")

    s = Server("opa-envoy", pinned("server", [binary, "run", "--server", "--addr", f"127.0.0.1:{http_port}",
                                              "--config-file", cfg, "--log-level", "error", "--skip-version-check",
                                              "-b", os.path.join(ROOT, bundle)]), ready=ready)
    s.port = port
    s.info["config"] = open(cfg).read()
    return s


def loadgen_cmd(java, target, input_file, extra):
    return pinned("generator", [java, "-Xms256m", "-Xmx1g", "-XX:+UseParallelGC", "--enable-native-access=ALL-UNNAMED",
                                "-cp", JAR, "io.jrego.loadtests.LoadGen", "--target", target,
                                "--input", os.path.join(ROOT, input_file), *extra])


def without_decision_id(answer):
    """A probe's CheckResponse without the per-decision id (a fresh UUID each time)."""
    meta = answer.get("dynamicMetadata")
    if isinstance(meta, dict):
        meta.pop("decision_id", None)
        if not meta:
            answer.pop("dynamicMetadata")
    return answer


def decision(answer):
    """The parts of a CheckResponse that carry the decision: status code, allowed or denied, the
    headers (name and value, order aside), headers to remove, and a denial's HTTP status and body.
    How a header is appended (append / append_action) is left out: OPA-Envoy never sets it and
    jrego sets it explicitly (a documented difference)."""
    if "rpc_error" in answer:
        return {"rpc_error": answer["rpc_error"]}
    ok, denied = answer.get("okResponse"), answer.get("deniedResponse")

    def headers(r):
        return sorted((h["header"]["key"], h["header"].get("value", "")) for h in (r or {}).get("headers", []))

    return {"code": answer.get("status", {}).get("code", 0),
            "allowed": answer.get("status", {}).get("code", 0) == 0,
            "headers": headers(ok or denied),
            "headers_to_remove": sorted((ok or {}).get("headersToRemove", [])),
            "http_status": (denied or {}).get("status", {}).get("code"),
            "body": (denied or {}).get("body")}


def drive(java, server, target, input_file, plan, args, warmup, probe=None, gen_args=()):
    """Runs LoadGen against a started server: warm-up (`auto` or seconds), then the plan. Returns
    (warm-up slices, one dict per phase), with the server's and generator's CPU time per check, and
    how busy the server's CPUs were with other work during the phase. With a `probe` dict, first
    asks once and stores the server's answer there. gen_args: more LoadGen options (e.g. its own
    warm-up against another server, --self-warmup)."""
    extra = (["--probe", "1"] if probe is not None else []) + ["--concurrency", str(args.concurrency), "--duration", str(args.duration),
             "--warmup", str(warmup), "--warmup-min", str(args.warmup_min), "--warmup-max", str(args.warmup_max),
             "--server-pid", str(server.pid), "--clk-tck", str(CLK_TCK), "--plan", ",".join(plan), *gen_args]
    cmd = loadgen_cmd(java, target, input_file, extra)
    LOG.append(" ".join(cmd))
    log("+ " + " ".join(cmd))
    phase_seconds = sum(float(p.split(":")[2]) if p.count(":") == 2 else args.duration for p in plan)
    limit = (args.warmup_max if warmup == "auto" else float(warmup)) + phase_seconds + 12 * len(plan) + 60 + 120 * bool(gen_args)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    children.append(proc)
    watchdog = threading.Timer(limit, proc.kill)  # bounded even if the generator hangs
    watchdog.start()
    warm, results = [], []
    try:
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("phase-start"):
                busy0, wall0 = cpu_busy(PIN["server"]), time.time()
            elif line.startswith("phase-end"):
                busy1, wall1 = cpu_busy(PIN["server"]), time.time()
            elif line.startswith("{"):
                r = json.loads(line)
                if r["mode"] == "probe":
                    probe[server.name] = without_decision_id(r["response"])
                    continue
                add_cpu(r)
                if r["mode"] == "warm":
                    warm.append(r)
                    continue
                ncpu = len(PIN["server"].split(",")) if PIN["server"] else os.cpu_count()
                used = (busy1[0] - busy0[0]) / CLK_TCK  # all work on the server's CPUs
                r["foreign_cores"] = max(0.0, used - (r["server_cpu_s"] or 0)) / max(1e-9, wall1 - wall0)
                r["server_cpus"] = ncpu
                r["wall_start"], r["wall_end"] = wall0, wall1
                results.append(r)
        proc.wait(timeout=30)
    finally:
        watchdog.cancel()
    if proc.returncode != 0 or len(results) != len(plan):
        raise RuntimeError(f"load generator failed (exit {proc.returncode}) against {server.name}")
    return warm, results


def add_cpu(r):
    n = max(1, r["requests"])
    s = r["server_cpu_s"]
    r["cpu_us_per_check"] = float("nan") if s is None else s * 1e6 / n
    r["cpu_cores"] = float("nan") if s is None else s / r["seconds"]
    r["gen_cores"] = r["gen_cpu_s"] / r["seconds"]
    r["gen_us_per_check"] = r["gen_cpu_s"] * 1e6 / n


# ---- the parts ------------------------------------------------------------------------------

def sig2(x):
    """x rounded to two significant digits: rates that read as chosen, not computed."""
    if x <= 0:
        return 0
    e = 10 ** (math.floor(math.log10(x)) - 1)
    return int(round(x / e) * e)


def choose_rates(capacity, quick=False):
    """Open-loop rates from the closed-loop capacities (checks/s) of jrego and OPA-Envoy: a
    quarter, half and 80% of the slower one's, and 80% of the faster one's (above the slower
    server's capacity when they differ by more than a quarter), so both are seen well below their
    limit and near it, and the faster one where the slower one cannot follow."""
    caps = [c for name, c in capacity.items() if name in ("jrego", "opa-envoy") and c]
    if not caps:
        caps = [c for c in capacity.values() if c]
    lo, hi = min(caps), max(caps)
    rates = [sig2(lo * f) for f in ((0.5,) if quick else (0.25, 0.5, 0.8))]
    if hi > 1.25 * lo:
        rates.append(sig2(0.8 * hi))
    return sorted(set(r for r in rates if r > 0))


def open_seconds(rate, args):
    """An open phase lasts long enough for about 10,000 latencies (a p99.9 from ten samples),
    within [open-duration, 1.5 x open-duration]: at low rates the run's time limit wins."""
    return round(min(1.5 * args.open_duration, max(args.open_duration, 10_000 / rate)), 1)


def start_servers(java, opa, opa_envoy, mix, names, workdir):
    """The mix's servers, each on a free port, all pinned to the server CPU."""
    bundle, _ = MIXES[mix]
    starters = {"jrego": lambda p: start_jrego(bundle, p, java=java),
                "opa-envoy": (lambda p: start_opa_envoy(opa_envoy, bundle, p, workdir)) if opa_envoy else None,
                "no-op": lambda p: start_noop(java, p),
                "opa-rest": (lambda p: start_opa_rest(opa, bundle, p)) if opa else None}
    servers = {}
    try:
        for name in names:
            if starters[name]:
                servers[name] = starters[name](free_port())
    except BaseException:
        stop_all(servers)
        raise
    return servers


def stop_all(servers):
    return {name: s.stop() for name, s in servers.items()}


def target_of(name, server):
    return (f"http://127.0.0.1:{server.port}/v1/data/envoy/authz/allow" if name == "opa-rest"
            else f"grpc://127.0.0.1:{server.port}")


def grpc_part(java, opa, opa_envoy, args, workdir, hooks):
    """Per mix: each server started, warmed and driven closed-loop in turn, then open-loop at
    rates chosen from those capacities; then the mix's hooks (the Envoy part, the profile) run on
    the same warm servers before they are stopped."""
    plan_closed = ["closed"] * args.repeats
    out = {}
    for mix in args.mix:
        _, inp = MIXES[mix]
        rows, answers = {}, {}
        # Each server is started when its turn comes (so no start-up overlaps another's
        # measurement), on the server CPU, and stays up, idle, until the open-loop phases (an idle
        # JVM or Go process takes next to no CPU).
        servers, rss = {}, {}
        try:
            for name in SERVERS:
                servers.update(start_servers(java, opa, opa_envoy, mix, [name], workdir))
                if name not in servers:
                    continue
                s = servers[name]
                warm, phases = drive(java, s, target_of(name, s), inp, plan_closed, args, args.warmup,
                                     probe=answers if name != "opa-rest" else None)
                rows[name] = {"warmup": warm, "closed": phases, "open": [], "info": dict(s.info)}
                c = summary(phases)
                log(f"{mix} {name}: {c['rps']:.0f} checks/s closed, {c['cpu_us_per_check']:.1f} us CPU/check "
                    f"(server {c['cpu_cores']:.2f} cores, generator {c['gen_cores']:.2f}), warm-up {len(warm)} s")
            capacity = {n: summary(r["closed"])["rps"] for n, r in rows.items()}
            rates = args.rates or choose_rates(capacity, args.quick)
            for name, s in servers.items():
                if name == "no-op" and not args.noop_open:
                    continue
                # a rate above what the server reached closed-loop only measures its queue growing
                plan = [f"open:{r}:{open_seconds(r, args):g}" for r in rates if r <= 0.95 * capacity[name]]
                rows[name]["above_capacity"] = [r for r in rates if r > 0.95 * capacity[name]]
                if plan:
                    # a fresh generator JVM: a short fixed warm-up for its own JIT (the server is warm)
                    _, rows[name]["open"] = drive(java, s, target_of(name, s), inp, plan, args, args.open_warmup)
            for hook in hooks.pop(mix, []):
                hook(servers)
        finally:
            rss = stop_all(servers)
        for name in rows:
            rows[name]["peak_rss_mib"] = rss.get(name)
        out[mix] = {"servers": rows, "rates": rates, "answers": answers}
    return out


def run_hooks_alone(java, opa, opa_envoy, args, workdir, hooks):
    """The Envoy part or the profile when their mix was not in --mix: the servers they need,
    started and warmed the same way, then the hook."""
    for mix, fns in list(hooks.items()):
        servers = start_servers(java, opa, opa_envoy, mix, ["jrego", "opa-envoy"], workdir)
        try:
            for s in servers.values():
                drive(java, s, f"grpc://127.0.0.1:{s.port}", MIXES[mix][1], ["closed"],
                      argparse.Namespace(**{**vars(args), "duration": 1}), args.warmup)
            for fn in fns:
                fn(servers)
        finally:
            stop_all(servers)
        del hooks[mix]


def summary(phases):
    """Median over repeated phases, with the spread (min, max) of checks/s and CPU per check."""
    keys = ["rps", "p50_us", "p99_us", "p999_us", "cpu_us_per_check", "cpu_cores", "gen_cores", "foreign_cores",
            "gen_us_per_check"]
    s = {k: statistics.median(p[k] for p in phases) for k in keys}
    for k in ["rps", "cpu_us_per_check"]:
        s[k + "_min"] = min(p[k] for p in phases)
        s[k + "_max"] = max(p[k] for p in phases)
    s["requests"] = sum(p["requests"] for p in phases)
    s["allowed"] = sum(p["allowed"] for p in phases)
    s["errors"] = sum(p["errors"] for p in phases)
    return s


def install_envoy():
    run(["bash", os.path.join(ROOT, ".ci", "install-envoy.sh")], timeout=900)
    envoy = shutil.which("envoy")
    hey = install_apt("hey", "hey")
    return envoy, hey, run([envoy, "--version"]).stdout.strip().split("version:")[-1].strip()


def envoy_part(envoy, hey, servers, args, workdir):
    """hey against Envoy's plaintext listener, on the same rendered config: no ext_authz filter;
    ext_authz -> jrego; ext_authz -> OPA-Envoy. The servers are the data-lookup mix's, warm (that
    policy allows on the x-api-key header, so every variant reaches the route). Envoy answers with
    a direct_response, so the difference between variants is what the ext_authz call adds."""
    certs = os.path.join(workdir, "certs")
    if not os.path.isdir(certs):
        run(["bash", os.path.join(ROOT, "envoy-config", "make-certs.sh"), certs])
    up_port = free_port()  # stays unused (direct_response)
    results = {}
    variants = [("no filter", None)] + [(f"ext_authz → {n}", s) for n, s in servers.items() if n in ("jrego", "opa-envoy")]
    for variant, server in variants:
        plain, listen, admin = free_port(), free_port(), free_port()
        cfg = os.path.join(workdir, f"envoy-{len(results)}.yaml")
        env = dict(os.environ, ENVOY_LISTEN_PORT=str(listen), ENVOY_PLAIN_PORT=str(plain),
                   ENVOY_ADMIN_PORT=str(admin), JREGO_GRPC_PORT=str((server or servers["jrego"]).port),
                   UPSTREAM_PORT=str(up_port), CERT_DIR=certs)
        run(["bash", os.path.join(ROOT, "envoy-config", "render.sh"), cfg], env=env)
        # Envoy answers itself (direct_response, served by the router after ext_authz): the
        # stand-in upstream app would add its own latency (Python, two writes per answer).
        text = open(cfg).read()
        answered = text.replace("route: { cluster: upstream, timeout: 60s }",
                                'direct_response: { status: 200, body: { inline_string: "ok" } }')
        if answered == text:
            raise RuntimeError("could not find the upstream route in the rendered config")
        if server is None:
            cut = re.sub(r"\n( *)- name: envoy\.filters\.http\.ext_authz\n.*?(?=\n\1- name: envoy\.filters\.http\.router)",
                         "", answered, flags=re.S)
            if cut == answered or "envoy.filters.http.ext_authz" in cut:
                raise RuntimeError("could not remove the ext_authz filter from the rendered config")
            answered = cut
        open(cfg, "w").write(answered)
        proxy = Server("envoy", pinned("generator", [envoy, "-c", cfg, "--concurrency", "1", "-l", "error",
                                                     "--base-id", str(plain)]),
                       ready=lambda s: wait_http(f"http://127.0.0.1:{admin}/ready", 60, s))
        try:
            url = f"http://127.0.0.1:{plain}/v1/items"
            # the first request may outlast ext_authz's 0.5 s timeout while Envoy connects to the
            # server on a busy machine: a few tries, then the reason from Envoy's counters
            for _ in range(5):
                code = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "x-api-key: key-benchmark", url]).stdout
                if code == "200":
                    break
                time.sleep(1)
            else:
                stats = wait_http(f"http://127.0.0.1:{admin}/stats?filter=ext_authz", 10)
                raise RuntimeError(f"{variant}: expected 200 through Envoy, got {code}; Envoy's ext_authz counters: "
                                   + " ".join(l for l in stats.splitlines() if not l.endswith(": 0")))
            hey_run(hey, url, args.envoy_rates[-1], 2)  # warm-up (Envoy's connection to the server), unmeasured
            rows = []
            for rate in args.envoy_rates:
                before = envoy_counters(admin)
                row = hey_run(hey, url, rate, args.open_duration)
                after = envoy_counters(admin)
                row["envoy"] = {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
                rows.append(row)
            results[variant] = rows
        finally:
            proxy.stop()
    return results


def envoy_counters(admin):
    """Envoy's ext_authz outcomes and the Check cluster's failures (timeouts, resets, overflows),
    to tell a denial from a failed or timed-out check."""
    pattern = (r"ext_authz|cluster\.jrego\.upstream_(rq_timeout|rq_5xx|rq_pending_overflow|cx_total|cx_destroy"
               r"|rq_rx_reset|rq_tx_reset|cx_connect_fail)")
    text = wait_http(f"http://127.0.0.1:{admin}/stats?filter={urllib.parse.quote(pattern)}", 10)
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(": ")
        if value.isdigit():
            out[name.replace("http.plain.", "")] = int(value)
    return out


def hey_run(hey, url, rate, seconds):
    """hey: `workers` connections, each limited to rate/workers requests per second; per-request
    latencies from its CSV output (in seconds with four decimals: 0.1 ms steps). hey paces each
    worker (closed loop with a rate limit), so a stall delays later requests rather than being
    charged to them: these are not coordinated-omission-corrected figures, unlike the gRPC
    open-loop ones."""
    workers = 4
    cmd = pinned("generator", [hey, "-z", f"{seconds:g}s", "-c", str(workers), "-q", f"{rate / workers:.2f}", "-o", "csv",
                               "-H", "x-api-key: key-benchmark", url])
    r = run(cmd, timeout=seconds + 60)
    lat, codes = [], {}
    for line in r.stdout.splitlines()[1:]:
        f = line.split(",")
        if len(f) >= 7:
            lat.append(float(f[0]) * 1e6)
            codes[f[6]] = codes.get(f[6], 0) + 1
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")

    return {"rate": rate, "requests": len(lat), "rps": len(lat) / seconds, "codes": codes,
            "p50_us": pct(50), "p90_us": pct(90), "p99_us": pct(99), "p999_us": pct(99.9)}


PHASES = [  # (label, a frame prefix that marks it), checked innermost-first on each stack
    ("input mapping (InputMapper)", "io.jrego.server.envoy.InputMapper"),
    ("input mapping (InputMapper)", "io.jrego.server.envoy.ProtoValues"),
    ("input mapping (InputMapper)", "io.jrego.server.envoy.BodyParser"),
    ("decision mapping (DecisionMapper)", "io.jrego.server.envoy.DecisionMapper"),
    ("policy evaluation (engine)", "io.jrego.engine."),
    ("metrics (Micrometer)", "io.micrometer."),
    ("protobuf", "com.google.protobuf."),
    ("gRPC / Netty transport", "io.grpc."),
]


def frame_name(f):
    name = f"{f['method']['type']['name']}.{f['method']['name']}".replace("/", ".")
    return re.sub(r"\$\$Lambda[/.]0x[0-9a-f]+", "$$Lambda", name)


def jfr_time(text):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(.*)", text)
    frac = (m.group(2) or ".0")[:7]
    tz = m.group(3).replace("Z", "+00:00") or "+00:00"
    return datetime.datetime.fromisoformat(m.group(1) + frac + tz).timestamp()


def profile_part(java, server, mix, args, outdir):
    """JFR started on the warm jrego of the mix (`jcmd JFR.start`, after its measured phases), one
    closed-loop phase, and the samples taken during that phase summarised: top frames (self), the
    innermost jrego frame, and a split by part."""
    jfr_file = os.path.join(outdir, f"jrego-{mix}.jfr")
    _, inp = MIXES[mix]
    jcmd = os.path.join(os.path.dirname(java), "jcmd")
    run([jcmd, str(server.pid), "JFR.configure", "stackdepth=512"], timeout=60)
    run([jcmd, str(server.pid), "JFR.start", "name=load", "settings=profile", "jdk.ExecutionSample#period=2ms"], timeout=60)
    try:
        _, phases = drive(java, server, f"grpc://127.0.0.1:{server.port}", inp, ["closed"], args, args.open_warmup)
        phase = phases[0]
    finally:
        run([jcmd, str(server.pid), "JFR.stop", "name=load", f"filename={jfr_file}"], timeout=120)
    jfr = os.path.join(os.path.dirname(java), "jfr")
    r = run([jfr, "print", "--json", "--events", "jdk.ExecutionSample", jfr_file], timeout=300)
    events = json.loads(r.stdout)["recording"]["events"]
    t0, t1 = phase["wall_start"], phase["wall_end"]
    top, first_jrego, inclusive, parts = {}, {}, {}, {}
    n = 0
    for e in events:
        v = e["values"]
        if not (t0 <= jfr_time(v["startTime"]) <= t1) or not v.get("stackTrace"):
            continue
        names = [frame_name(f) for f in v["stackTrace"]["frames"]]
        if not names:
            continue
        n += 1
        top[names[0]] = top.get(names[0], 0) + 1
        j = next((x for x in names if x.startswith("io.jrego.")), None)
        if j:
            first_jrego[j] = first_jrego.get(j, 0) + 1
        for x in set(names):
            if x.startswith("io.jrego."):
                inclusive[x] = inclusive.get(x, 0) + 1
        label = "other (JDK, GC helpers, idle)"
        for x in names:
            hit = next((lab for lab, prefix in PHASES if x.startswith(prefix)), None)
            if hit:
                label = hit
                break
        if any(x.startswith(("io.jrego.server.envoy.InputMapper", "io.jrego.server.envoy.ProtoValues")) for x in names):
            label = PHASES[0][0]  # whatever InputMapper calls (protobuf, JSON parsing) is mapping
        parts[label] = parts.get(label, 0) + 1
    os.remove(jfr_file)  # large; the summary is kept
    n = max(1, n)

    def table(d, k=15):
        return [(name, c, 100 * c / n) for name, c in sorted(d.items(), key=lambda x: -x[1])[:k]]

    return {"mix": mix, "samples": n, "checks_per_s": phase["rps"],
            "cpu_us_per_check": phase["cpu_us_per_check"], "top": table(top), "first_jrego": table(first_jrego),
            "inclusive": table(inclusive, 25), "phases": table(parts, 10)}


# ---- report ---------------------------------------------------------------------------------

def fmt(v, d=0):
    return "n/a" if v is None or v != v else f"{v:,.{d}f}"


def ratio(a, b, d=2):
    return "n/a" if not a or not b or a != a or b != b else f"{a / b:.{d}f}"


def open_at(rows, name, rate):
    return next((p for p in rows.get(name, {}).get("open", []) if round(p["target_rate"]) == rate), None)


def verdicts(mix_result):
    """Per mix: the throughput target (jrego >= 1.5 x OPA-Envoy's checks/s, per server core) and
    the latency target (jrego's p99 no worse than OPA-Envoy's at each rate both sustained)."""
    rows = mix_result["servers"]
    if "jrego" not in rows or "opa-envoy" not in rows:
        return None
    j, o = summary(rows["jrego"]["closed"]), summary(rows["opa-envoy"]["closed"])
    v = {"tput": j["rps"] / o["rps"], "per_core": o["cpu_us_per_check"] / j["cpu_us_per_check"], "p99": []}
    for rate in mix_result["rates"]:
        a, b = open_at(rows, "jrego", rate), open_at(rows, "opa-envoy", rate)
        if a and b:
            v["p99"].append((rate, a["p99_us"], b["p99_us"]))
        elif a and rate in rows["opa-envoy"].get("above_capacity", []):
            v["p99"].append((rate, a["p99_us"], None))
    return v


def color(server):
    """One colour per server in every plot."""
    return f"C{SERVERS.index(server)}" if server in SERVERS else "C7"


def plots(grpc, envoy, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    files = []

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, name), dpi=100)
        plt.close(fig)
        files.append(name)
    mixes = list(grpc)
    servers = [s for s in SERVERS if any(s in grpc[m]["servers"] for m in mixes)]
    width = 0.8 / max(1, len(servers))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for i, s in enumerate(servers):
        xs = [x + i * width for x in range(len(mixes))]
        sums = [summary(grpc[m]["servers"][s]["closed"]) if s in grpc[m]["servers"] else None for m in mixes]
        per_core = [1e6 / x["cpu_us_per_check"] if x else 0 for x in sums]
        lo = [1e6 / x["cpu_us_per_check_max"] if x else 0 for x in sums]
        hi = [1e6 / x["cpu_us_per_check_min"] if x else 0 for x in sums]
        axes[0].bar(xs, per_core, width, label=s, color=color(s), yerr=[[a - b for a, b in zip(per_core, lo)],
                                                       [b - a for a, b in zip(per_core, hi)]], capsize=3)
        axes[1].bar(xs, [x["cpu_us_per_check"] if x else 0 for x in sums], width, label=s, color=color(s))
    for ax, title, ylabel in [(axes[0], "Checks/s per server core (closed loop; bars: min–max of repeats)", "checks/s per core"),
                              (axes[1], "Server CPU per check (closed loop)", "CPU µs per check")]:
        ax.set_xticks([x + width * (len(servers) - 1) / 2 for x in range(len(mixes))], mixes)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(ylabel + " (log scale)")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    save(fig, "throughput.png")

    fig, axes = plt.subplots(1, len(mixes), figsize=(4.5 * len(mixes), 4), squeeze=False)
    for ax, m in zip(axes[0], mixes):
        for i, s in enumerate(SERVERS):
            opens = grpc[m]["servers"].get(s, {}).get("open", [])
            if not opens:
                continue
            ax.plot([p["target_rate"] for p in opens], [p["p99_us"] for p in opens], marker="o", color=color(s),
                    label=f"{s} p99")
            ax.plot([p["target_rate"] for p in opens], [p["p50_us"] for p in opens], marker=".", ls="--",
                    color=color(s), label=f"{s} p50")
        ax.set_title(m)
        ax.set_xlabel("offered checks/s (open loop)")
        ax.set_ylabel("latency µs")
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    save(fig, "latency.png")

    fig, axes = plt.subplots(1, len(mixes), figsize=(4.5 * len(mixes), 3.5), squeeze=False)
    for ax, m in zip(axes[0], mixes):
        for i, s in enumerate(SERVERS):
            warm = grpc[m]["servers"].get(s, {}).get("warmup", [])
            if warm:
                ax.plot(range(1, len(warm) + 1), [w["cpu_us_per_check"] for w in warm], marker=".", color=color(s), label=s)
        ax.set_title(f"{m}: warm-up", fontsize=9)
        ax.set_xlabel("second of closed-loop warm-up")
        ax.set_ylabel("server CPU µs per check")
        ax.set_yscale("log")
        ax.legend(fontsize=7)
    save(fig, "warmup.png")

    if envoy:
        fig, ax = plt.subplots(figsize=(6, 4))
        for i, (variant, rows) in enumerate(envoy.items()):
            ax.plot([r["rate"] for r in rows], [r["p50_us"] for r in rows], marker=".", ls="--", color=color(variant.split("→ ")[-1]),
                    label=f"{variant} p50")
            ax.plot([r["rate"] for r in rows], [r["p99_us"] for r in rows], marker="o", color=color(variant.split("→ ")[-1]),
                    label=f"{variant} p99")
        ax.set_yscale("log")
        ax.set_xlabel("requests/s (hey)")
        ax.set_ylabel("latency µs")
        ax.set_title("Through Envoy: no filter, ext_authz → jrego, ext_authz → OPA-Envoy", fontsize=9)
        ax.legend(fontsize=7)
        save(fig, "envoy.png")
    return files


def met(value, target, higher_better=True):
    if value is None:
        return "n/a"
    ok = value >= target if higher_better else value <= target
    by = (value / target - 1) * 100
    return f"**met** (+{by:.0f}%)" if ok else f"**missed** by {-by:.0f}%"


def report(meta, grpc, envoy, prof, outdir, argv):
    L = [f"# jrego load test, {meta['date']:%Y-%m-%d %H:%M} UTC", ""]
    if meta["noisy"]:
        L += [f"> **Noisy run**: load average {meta['load']} at the start and {meta['load_end']} at the end on "
              f"{os.cpu_count()} cores, or other work took more than 5% of the server's core during some phases "
              "(column *other on core*): other work was running. Repeat on an idle machine before quoting these figures.", ""]
    if meta["quick"]:
        L += ["> **Smoke run (`--quick`)**: a 3 s warm-up (jrego's JIT has not finished compiling: its CPU per check "
              "is still falling), one short phase of each kind. It checks that everything runs; its figures are not for quoting.", ""]
    L += ["## Summary", "",
          "Targets (issue 5): jrego serves at least 1.5 × OPA-Envoy's checks/s on every mix, with p99 no worse than "
          "OPA-Envoy's at the same offered rate. Each server has one core (below). Checks/s per core = 10⁶ / server CPU µs "
          "per check in the closed-loop phases (median of the repeats); measured checks/s are in the tables.", "",
          "| mix | jrego checks/s per core | OPA-Envoy checks/s per core | jrego / OPA-Envoy (≥ 1.5) | throughput target | "
          "p99 jrego vs OPA-Envoy at each offered rate (ratio ≤ 1) | latency target | jrego / no-op checks/s per core |",
          "|---|---:|---:|---:|---|---|---|---:|"]
    for mix, m in grpc.items():
        rows = m["servers"]
        j = summary(rows["jrego"]["closed"]) if "jrego" in rows else None
        o = summary(rows["opa-envoy"]["closed"]) if "opa-envoy" in rows else None
        n = summary(rows["no-op"]["closed"]) if "no-op" in rows else None
        v = verdicts(m)
        if v:
            p99s = "; ".join(f"{r}/s: {fmt(a)} vs {fmt(b)} µs ({a / b:.2f})" if b else f"{r}/s: {fmt(a)} µs, OPA-Envoy saturated"
                             for r, a, b in v["p99"])
            worst = max((a / b for _, a, b in v["p99"] if b), default=None)
            worst_rate = next((r for r, a, b in v["p99"] if b and a / b == worst), None)
            lat = "n/a" if worst is None else (f"**met** at all {len(v['p99'])} rates" if worst <= 1
                                               else f"**missed** at {sum(1 for _, a, b in v['p99'] if b and a > b)} of "
                                                    f"{len(v['p99'])} rates; worst {worst:.2f} × OPA-Envoy's p99 at {worst_rate}/s")
            L.append(f"| {mix} | {fmt(1e6 / j['cpu_us_per_check'])} | {fmt(1e6 / o['cpu_us_per_check'])} | "
                     f"{v['per_core']:.2f} (measured checks/s: {v['tput']:.2f}) | {met(v['per_core'], 1.5)} | {p99s} | {lat} | "
                     f"{ratio(n['cpu_us_per_check'], j['cpu_us_per_check']) if n and j else 'n/a'} |")
        else:
            L.append(f"| {mix} | {fmt(1e6 / j['cpu_us_per_check']) if j else 'n/a'} | not measured | n/a | n/a | n/a | n/a | "
                     f"{ratio(n['cpu_us_per_check'], j['cpu_us_per_check']) if n and j else 'n/a'} |")
    L += ["", "Where a target is missed, the per-mix sections and the profile below say where the time goes. "
          "Evaluation alone against `opa bench` (the 5× target) is `bench_eval.py`'s report (`results/eval-<date>.md`).", ""]
    L += ["## Setup", "",
          f"- date: {meta['date']:%Y-%m-%d %H:%M} UTC; run took {meta['elapsed']:.0f} s",
          f"- machine: {meta['cpu']}, {os.cpu_count()} cores, {meta['mem']}, {platform.platform()}",
          f"- load average: {meta['load']} at the start, {meta['load_end']} at the end",
          f"- command: `python3 load-tests/run.py {' '.join(argv)}`".rstrip(),
          f"- **one core each**: every server under test runs on CPU {PIN['server'] or 'any'} (`taskset -c`), the generator "
          f"on CPU {PIN['generator'] or 'any'}, the same for every server. " + meta["runtimes"],
          f"- JVM: {meta['java']} (jrego via `ext-authz-server/bin/jrego serve`, its own flags; no-op with the same heap/GC flags)",
          f"- OPA-Envoy: {meta['opa_envoy']['how']}; `version`: {meta['opa_envoy'].get('version', 'n/a')}",
          f"- OPA-Envoy install: {meta['opa_envoy']['go_install']}",
          "- OPA-Envoy configuration: `opa-envoy-plugin run --server --addr 127.0.0.1:<free port> --config-file F "
          "--log-level error --skip-version-check -b BUNDLE` (its REST API on loopback too), F a file as users write it (below)",
          f"- OPA (opa-rest, optional): {meta['opa']}",
          f"- Envoy: {meta.get('envoy', 'not run')}; hey: Debian package `hey`",
          f"- generator: `io.jrego.loadtests.LoadGen` (grpc-java {meta['grpc']}, HdrHistogram), one HTTP/2 connection; "
          f"warm-up {meta['warmup_desc']}; then {meta['repeats']} closed-loop phase(s) of {meta['duration']:g} s "
          f"({meta['concurrency']} outstanding); then open-loop phases at rates chosen from the closed-loop capacities "
          "(¼, ½ and 0.8 of the slower server's, 0.8 of the faster one's), each long enough for about 10,000 latencies "
          f"({meta['open_duration']:g}–{1.5 * meta['open_duration']:g} s), after a {meta['open_warmup']:g} s warm-up of the fresh generator",
          "- a mix's servers are started one after another on the server core, each when its turn comes, and stay up "
          "(idle while another is driven) until the open-loop phases",
          "- latencies in open loop are measured from each request's due time (no coordinated omission); a rate above "
          "95% of a server's closed-loop checks/s is not run against it (its queue would only grow)",
          "- CPU/check: server process utime+stime over the phase / checks; *other on core*: CPU time of everything "
          "else on the server's core during the phase (idle servers, other users), as a fraction of the core; "
          "peak RSS: server VmHWM (jrego and no-op: SerialGC, 24-128 MiB heap, as bin/serve-jvm.sh)",
          ""]
    if meta.get("opa_envoy_config"):
        L += ["OPA-Envoy's configuration file:", "", "```yaml", meta["opa_envoy_config"].rstrip(), "```", ""]
    if not meta["opa_envoy_ok"]:
        L += ["**OPA-Envoy was not measured**: " + meta["opa_envoy"]["how"] + ". " + meta["opa_envoy"]["go_install"], ""]
    L += ["## Over gRPC", ""]
    L += [f"![{f}]({f})" for f in meta["plots"] if f != "envoy.png"]
    L.append("")
    for mix, m in grpc.items():
        rows = m["servers"]
        L += [f"### {mix}", ""]
        a = m["answers"]
        if "jrego" in a and "opa-envoy" in a:
            dj, do = decision(a["jrego"]), decision(a["opa-envoy"])
            word = {n: "allowed" if d.get("allowed") else "denied" if "code" in d else "failed: " + d["rpc_error"]
                    for n, d in [("jrego", dj), ("opa-envoy", do)]}
            L += [f"Answers to the mix's request: jrego {word['jrego']}, OPA-Envoy {word['opa-envoy']}; "
                  + ("the same decision (status, headers, headers to remove, denial status and body)"
                     if dj == do else "**the decisions differ**")
                  + (", and identical CheckResponses (decision id aside)." if a["jrego"] == a["opa-envoy"] else
                     f". jrego: `{json.dumps(a['jrego'])}`; OPA-Envoy: `{json.dumps(a['opa-envoy'])}`."), ""]
        L += ["Closed loop (median of the repeats; min–max in brackets):", "",
              "| server | checks/s | CPU µs/check | checks/s per core | server cores | generator cores | other on core | "
              "p50 / p99 / p99.9 µs | warm-up | peak RSS MiB | allowed/sent | errors |",
              "|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|"]
        for name, r in rows.items():
            s = summary(r["closed"])
            w = r["warmup"]
            wdesc = (f"{len(w)} s, {fmt(w[0]['cpu_us_per_check'])} → {fmt(w[-1]['cpu_us_per_check'])} µs/check"
                     + (" (still falling at the limit)" if len(w) >= meta["warmup_max"] and meta["warmup_auto"] else "")) if w else "none"
            L.append(f"| {name} | {fmt(s['rps'])} ({fmt(s['rps_min'])}–{fmt(s['rps_max'])}) | {fmt(s['cpu_us_per_check'], 1)} "
                     f"({fmt(s['cpu_us_per_check_min'], 1)}–{fmt(s['cpu_us_per_check_max'], 1)}) | {fmt(1e6 / s['cpu_us_per_check'])} | "
                     f"{fmt(s['cpu_cores'], 2)} | {fmt(s['gen_cores'], 2)} | {fmt(100 * s['foreign_cores'])}% | "
                     f"{fmt(s['p50_us'])} / {fmt(s['p99_us'])} / {fmt(s['p999_us'])} | {wdesc} | {fmt(r.get('peak_rss_mib'))} | "
                     f"{s['allowed']}/{s['requests']} | {s['errors']} |")
        L.append("")
        bound = []
        for name, r in rows.items():
            s = summary(r["closed"])
            if s["gen_cores"] >= 0.9 and s["cpu_cores"] < 0.9:
                bound.append(f"{name} (server {s['cpu_cores']:.2f} cores, generator {s['gen_cores']:.2f})")
        if bound:
            L += ["Generator-bound: the generator used its whole core while the server did not: " + ", ".join(bound)
                  + ". Those checks/s are the pair's limit; the per-core figure (from CPU per check) is the server's.", ""]
        L += ["Open loop at fixed offered rates:", "",
              "| rate/s | server | achieved/s | p50 µs | p99 µs | p99.9 µs | samples | max µs | CPU µs/check | other on core | note |",
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for rate in m["rates"]:
            for name, r in rows.items():
                p = open_at(rows, name, rate)
                if p:
                    note = []
                    if p["drain_ms"] > 1000:
                        note.append(f"fell behind: {p['drain_ms'] / 1000:.1f} s to drain")
                    if p["max_send_lag_us"] > 2000:
                        note.append(f"generator up to {p['max_send_lag_us'] / 1000:.1f} ms late")
                    if p["requests"] < 10_000:
                        note.append("p99.9 from < 10,000 samples")
                    L.append(f"| {rate} | {name} | {fmt(p['rps'])} | {fmt(p['p50_us'])} | {fmt(p['p99_us'])} | {fmt(p['p999_us'])} | "
                             f"{p['requests']} | {fmt(p['max_us'])} | {fmt(p['cpu_us_per_check'], 1)} | {fmt(100 * p['foreign_cores'])}% | "
                             f"{'; '.join(note)} |")
                elif rate in r.get("above_capacity", []):
                    L.append(f"| {rate} | {name} | | | | | | | | | not run: above its closed-loop capacity ({fmt(summary(r['closed'])['rps'])}/s) |")
        L.append("")
        if "jrego" in rows:
            j = summary(rows["jrego"]["closed"])
            L += ["| ratio | checks/s | checks/s per core | CPU µs/check | " + " | ".join(f"p99 at {r}/s" for r in m["rates"]) + " |",
                  "|---|---:|---:|---:|" + "---:|" * len(m["rates"])]
            for other in ["opa-envoy", "no-op", "opa-rest"]:
                if other not in rows:
                    if other != "opa-rest":
                        L.append(f"| jrego / {other} | n/a (not run) | | |" + " |" * len(m["rates"]))
                    continue
                o = summary(rows[other]["closed"])
                cells = []
                for rate in m["rates"]:
                    a, b = open_at(rows, "jrego", rate), open_at(rows, other, rate)
                    cells.append(ratio(a["p99_us"], b["p99_us"]) if a and b else
                                 ("other saturated" if a and rate in rows[other].get("above_capacity", []) else ""))
                L.append(f"| jrego / {other} | {ratio(j['rps'], o['rps'])} | {ratio(o['cpu_us_per_check'], j['cpu_us_per_check'])} | "
                         f"{ratio(j['cpu_us_per_check'], o['cpu_us_per_check'])} | " + " | ".join(cells) + " |")
            L.append("")
    if envoy:
        names = list(envoy)
        L += ["## End to end through Envoy", "",
              "`hey` (4 connections, rate-limited) → Envoy's plaintext listener (`--concurrency 1`), which answers 200 itself "
              "(`direct_response` in place of the upstream route); the same rendered `envoy-config/envoy.yaml` for every "
              "variant: without the ext_authz filter, and with it pointing at jrego or at OPA-Envoy (data-lookup policy, "
              "`x-api-key` header; every request allowed): the data-lookup mix's servers, warm from their gRPC phases, before they stop. "
              f"Pinning: the Check server on CPU {PIN['server'] or 'any'} as above; Envoy and hey together on CPU "
              f"{PIN['generator'] or 'any'}. hey paces its workers, so these latencies are not coordinated-omission-corrected, "
              "and it reports them in 0.1 ms steps.", "",
              "![envoy.png](envoy.png)", "",
              "| rate/s | " + " | ".join(f"{n}: p50 / p99 / p99.9 µs" for n in names) + " | "
              + " | ".join(f"{n} adds p50 / p99 µs" for n in names[1:]) + " | status codes |",
              "|---:|" + "---|" * len(names) + "---:|" * (len(names) - 1) + "---|"]
        base = envoy[names[0]]
        for i, a in enumerate(base):
            cells = [f"{fmt(envoy[n][i]['p50_us'])} / {fmt(envoy[n][i]['p99_us'])} / {fmt(envoy[n][i]['p999_us'])}" for n in names]
            adds = [f"{fmt(envoy[n][i]['p50_us'] - a['p50_us'])} / {fmt(envoy[n][i]['p99_us'] - a['p99_us'])}" for n in names[1:]]
            codes = " / ".join(str(envoy[n][i]["codes"]) for n in names)
            L.append(f"| {a['rate']} | " + " | ".join(cells) + " | " + " | ".join(adds) + f" | {codes} |")
        L += ["", "Envoy's counters over each measured phase (ext_authz outcomes, failures towards the Check server):", ""]
        for n in names[1:]:
            for row in envoy[n]:
                L.append(f"- {n}, {row['rate']}/s: " + (", ".join(f"`{k}` {v}" for k, v in sorted(row.get("envoy", {}).items())) or "none"))
        L.append("")
    if prof:
        L += [f"## Profile: jrego, {prof['mix']}, closed loop (JFR `jdk.ExecutionSample` every 2 ms, settings=profile)", "",
              "JFR started with `jcmd JFR.start` on the mix's warm jrego after its measured phases, for one more closed-loop phase.", "",
              f"{prof['samples']} samples during the measured phase ({fmt(prof['checks_per_s'])} checks/s, "
              f"{fmt(prof['cpu_us_per_check'], 1)} CPU µs/check with JFR on, one core).", "",
              "Where the samples fall (the innermost frame that names a part):", "", "| part | samples | % |", "|---|---:|---:|"]
        L += [f"| {n} | {c} | {p:.1f} |" for n, c, p in prof["phases"]]
        L += ["", "Top frames (self):", "", "| frame | samples | % |", "|---|---:|---:|"]
        L += [f"| `{n}` | {c} | {p:.1f} |" for n, c, p in prof["top"]]
        L += ["", "Innermost jrego frame of each sample (where jrego code spends, including what it calls outside jrego):", "",
              "| frame | samples | % |", "|---|---:|---:|"]
        L += [f"| `{n}` | {c} | {p:.1f} |" for n, c, p in prof["first_jrego"]]
        L += ["", "jrego frames anywhere on the stack (inclusive):", "", "| frame | samples | % |", "|---|---:|---:|"]
        L += [f"| `{n}` | {c} | {p:.1f} |" for n, c, p in prof["inclusive"]]
        L.append("")
    L += ["## Commands run", "", "```"] + LOG + ["```", ""]
    path = os.path.join(outdir, "report.md")
    open(path, "w").write("\n".join(L))
    return path


def setup_pinning(args):
    cpus = sorted(os.sched_getaffinity(0))
    if args.no_pin:
        return
    if not shutil.which("taskset"):
        sys.exit("error: taskset not found (util-linux); install it or pass --no-pin")
    for role, cpu in [("server", args.server_cpus), ("generator", args.generator_cpus)]:
        for c in cpu.split(","):
            if int(c) not in cpus:
                sys.exit(f"error: CPU {c} ({role}) is not available here (CPUs {cpus}); see --server-cpus / --no-pin")
        PIN[role] = cpu
    if set(args.server_cpus.split(",")) & set(args.generator_cpus.split(",")):
        sys.exit("error: the server and generator CPUs overlap")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run: fixed 3 s warm-up, one short phase of each kind")
    ap.add_argument("--mix", default=",".join(MIXES))
    ap.add_argument("--duration", type=float, default=None, help="seconds per closed-loop phase (default 3)")
    ap.add_argument("--repeats", type=int, default=None, help="closed-loop phases per server (default 3)")
    ap.add_argument("--open-duration", type=float, default=None,
                    help="seconds per open-loop phase, up to twice that at low rates (default 4)")
    ap.add_argument("--warmup", default=None, help="'auto' (until CPU/check stops falling) or seconds (default auto)")
    ap.add_argument("--warmup-min", type=float, default=6)
    ap.add_argument("--warmup-max", type=float, default=None, help="ceiling of the auto warm-up, seconds (default 45)")
    ap.add_argument("--open-warmup", type=float, default=None, help="generator warm-up before the open phases (default 3)")
    ap.add_argument("--rates", default=None, help="fixed open-loop rates per second (default: chosen from the capacities)")
    ap.add_argument("--envoy-rates", default=None, help="rates through Envoy (default 200,1000,2000)")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--server-cpus", default="0", help="taskset CPU list for the server under test (default 0)")
    ap.add_argument("--generator-cpus", default="1", help="taskset CPU list for the generator (default 1)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin (servers and generator share all CPUs)")
    ap.add_argument("--opa-envoy-bin", default=os.environ.get("OPA_ENVOY_BIN"),
                    help="an opa-envoy-plugin binary to use when the pinned go install fails (or OPA_ENVOY_BIN)")
    ap.add_argument("--with-opa-rest", action="store_true", help="also OPA's REST data API (opa run --server) over HTTP/1.1")
    ap.add_argument("--noop-open", action="store_true", help="also drive the no-op server at the open-loop rates")
    ap.add_argument("--no-envoy", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--profile-mix", default="ai-gateway", choices=list(MIXES))
    args = ap.parse_args()
    argv = sys.argv[1:]
    args.mix = args.mix.split(",")
    for m in args.mix:
        if m not in MIXES:
            sys.exit(f"error: unknown mix {m}; one of {', '.join(MIXES)}")
    q = args.quick
    args.duration = args.duration or (2 if q else 3)
    args.repeats = args.repeats or (1 if q else 3)
    args.open_duration = args.open_duration or (2 if q else 4)
    args.warmup = args.warmup or ("3" if q else "auto")
    args.warmup_max = args.warmup_max or 45
    args.open_warmup = args.open_warmup if args.open_warmup is not None else (1 if q else 3)
    args.rates = [int(r) for r in args.rates.split(",")] if args.rates else None
    args.envoy_rates = [int(r) for r in (args.envoy_rates or ("500" if q else "200,1000,2000")).split(",")]
    if args.warmup != "auto" and not re.fullmatch(r"\d+(\.\d+)?", args.warmup):
        sys.exit("error: --warmup is auto or a number of seconds")
    if (args.duration > 60 or args.open_duration > 60 or args.warmup_max > 120 or args.repeats > 5
            or len(args.rates or []) > 6 or len(args.envoy_rates) > 6):
        sys.exit("keep it short: at most 60 s per phase, 120 s of warm-up, 5 repeats and 6 rates")
    started = time.time()
    date = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()[0]
    outdir = os.path.join(HERE, "results", f"{date:%Y-%m-%d-%H%M}")
    os.makedirs(outdir, exist_ok=True)
    run([sys.executable, os.path.join(HERE, "gen-data.py")])
    java, java_version = find_java()
    if not args.no_build or not os.path.exists(JAR):
        build()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        run([sys.executable, "-m", "pip", "install", "-q", "matplotlib"], timeout=600)
    opa, opa_version = install_opa() if args.with_opa_rest else (None, "not run (--with-opa-rest to add it)")
    opa_envoy, opa_envoy_info = find_opa_envoy(args.opa_envoy_bin)
    setup_pinning(args)
    if PIN["generator"]:  # the driver itself (mostly idle) stays off the server's core too
        os.sched_setaffinity(0, {int(c) for c in PIN["generator"].split(",")})
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next((f"{int(l.split()[1]) // 1024} MiB RAM" for l in open("/proc/meminfo") if l.startswith("MemTotal")), "")
    grpc_version = re.search(r"<grpc.version>([^<]+)<", open(os.path.join(ROOT, "pom.xml")).read()).group(1)
    meta = {"date": date, "load": f"{load:.2f}", "quick": args.quick, "cpu": cpu, "mem": mem, "java": java_version,
            "opa": opa_version, "opa_envoy": opa_envoy_info, "opa_envoy_ok": opa_envoy is not None,
            "grpc": grpc_version, "concurrency": args.concurrency, "repeats": args.repeats,
            "duration": args.duration, "open_duration": args.open_duration, "open_warmup": args.open_warmup,
            "warmup_auto": args.warmup == "auto", "warmup_max": args.warmup_max,
            "warmup_desc": (f"closed loop until the server's CPU per check stops falling (twice in a row, the median of the "
                            f"last 3 one-second slices no more than 5% below the 3 before), {args.warmup_min:g}–{args.warmup_max:g} s"
                            if args.warmup == "auto" else f"{args.warmup} s closed loop")}
    workdir = tempfile.mkdtemp(prefix="jrego-load-")
    try:
        # The Envoy part and the profile run on the warm servers of their mix, before they stop.
        extras, hooks = {"envoy": None, "profile": None}, {}
        if not args.no_envoy:
            envoy_bin, hey, meta["envoy"] = install_envoy()
            hooks.setdefault("data-lookup", []).append(
                lambda servers: extras.__setitem__("envoy", envoy_part(envoy_bin, hey, servers, args, workdir)))
        if not args.no_profile:
            hooks.setdefault(args.profile_mix, []).append(
                lambda servers: extras.__setitem__("profile", profile_part(java, servers["jrego"], args.profile_mix, args, outdir)))
        grpc = grpc_part(java, opa, opa_envoy, args, workdir, hooks)
        run_hooks_alone(java, opa, opa_envoy, args, workdir, hooks)  # for a mix not in --mix
        envoy, prof = extras["envoy"], extras["profile"]
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    meta["load_end"] = f"{os.getloadavg()[0]:.2f}"
    foreign = max((summary(r["closed"])["foreign_cores"] for m in grpc.values() for r in m["servers"].values()), default=0)
    meta["noisy"] = load > 0.5 or float(meta["load_end"]) > 2.5 or foreign > 0.05
    runtimes = []
    for m in grpc.values():
        for name, r in m["servers"].items():
            if r["info"].get("runtime") and not any(x.startswith(name + ":") for x in runtimes):
                runtimes.append(f"{name}: {r['info']['runtime']}")
            if name == "opa-envoy" and r["info"].get("config"):
                meta["opa_envoy_config"] = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<free port>", r["info"]["config"])
    meta["runtimes"] = ("What the runtimes see with one CPU, read from the running servers: " + "; ".join(runtimes) + " "
                        "(left to itself with one CPU the JVM would pick SerialGC; jrego's launcher asks for ParallelGC, "
                        "which then runs one GC thread). "
                        "That is what a container limited to one CPU gives them too (the JVM and Go size themselves "
                        "from the CPUs they may use), so the comparison is fair; the JVM's JIT compiles on the same core "
                        "the checks run on (hence the long warm-up), where with more cores it would use another.")
    meta["elapsed"] = time.time() - started
    meta["plots"] = plots(grpc, envoy, outdir)
    json.dump({"meta": {k: (v if isinstance(v, (dict, list, int, float, bool)) else str(v)) for k, v in meta.items()},
               "grpc": grpc, "envoy": envoy, "profile": prof},
              open(os.path.join(outdir, "results.json"), "w"), indent=1)
    path = report(meta, grpc, envoy, prof, outdir, argv)
    rel = os.path.relpath(path, os.path.join(HERE, "results"))
    open(os.path.join(HERE, "results", "LATEST.md"), "w").write(
        f"# Latest load test\n\n[{rel}]({rel}) ({date:%Y-%m-%d %H:%M} UTC, {time.time() - started:.0f} s)\n")
    print(open(path).read())
    log(f"wrote {path} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
