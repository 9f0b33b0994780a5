#!/usr/bin/env python3
"""The gRPC load harness: jrego, OPA-Envoy and a no-op Check server side by side, one after
another on this machine, with the same policy, requests and load generator; then jrego behind
Envoy, with and without the ext_authz filter; then a JFR profile of jrego under load.

Usage: python3 load-tests/run.py [--quick] [--mix rbac,ai-gateway,data-lookup] [--no-envoy]
       [--no-profile] [--duration S] [--warmup S] [--rates R1,R2] [--concurrency N]

Writes load-tests/results/<date>/report.md with PNG plots beside it, and results/LATEST.md
pointing at it. Loopback only. Bounded: every phase runs a fixed time, every wait has a timeout,
every child process is stopped at the end (also on error).

Servers, each started as a child on a free 127.0.0.1 port:
  jrego       ext-authz-server/bin/jrego serve (its launcher's JVM flags)
  opa-envoy   opa-envoy-plugin, if `go install ...opa-envoy-plugin@PIN` succeeds (see the report)
  no-op       io.jrego.loadtests.NoopCheckServer: jrego's gRPC stack answering OK, no policy
  opa-rest    `opa run --server`, POST /v1/data/envoy/authz/allow: OPA's REST data API, NOT
              OPA-Envoy, driven over HTTP/1.1 by the same generator; a same-machine OPA reference
Load: io.jrego.loadtests.LoadGen (grpc-java + HdrHistogram): one closed-loop phase (N requests
outstanding) and open-loop phases at fixed rates (latency from each request's due time).
CPU per check: utime+stime of the server process (/proc/PID/stat) over a phase / requests.
Peak RSS: VmHWM from /proc/PID/status when the server is stopped."""
import argparse
import datetime
import glob
import json
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
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
JAR = os.path.join(HERE, "target", "benchmarks.jar")
OPA_ENVOY_MODULE = "github.com/open-policy-agent/opa-envoy-plugin/cmd/opa-envoy-plugin"
OPA_ENVOY_VERSION = os.environ.get("OPA_ENVOY_VERSION", "v1.19.0")
MIXES = {
    "rbac": ("load-tests/policies/rbac", "load-tests/inputs/rbac.json"),
    "ai-gateway": ("rego-policies/ai-gateway", "load-tests/inputs/ai-chat-2kb.json"),
    "data-lookup": ("load-tests/policies/data-lookup", "load-tests/inputs/data-lookup.json"),
}
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOG = []  # every command run, for the report
children = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, timeout=900, check=True, **kw):
    LOG.append(" ".join(cmd))
    log("+ " + " ".join(cmd))
    return subprocess.run(cmd, text=True, capture_output=True, timeout=timeout, check=check, **kw)


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


def install_opa_envoy():
    """Tries the pinned `go install`; returns (path or None, what happened)."""
    cmd = ["go", "install", f"{OPA_ENVOY_MODULE}@{OPA_ENVOY_VERSION}"]
    try:
        r = run(cmd, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        return None, f"`{' '.join(cmd)}` did not finish in 600 s"
    if r.returncode == 0:
        path = gopath_bin("opa-envoy-plugin")
        return path, f"installed with `{' '.join(cmd)}`"
    err = " ".join(r.stderr.split())[-400:]
    return None, f"`{' '.join(cmd)}` failed (exit {r.returncode}): {err}"


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
        if ready:
            ready(self)

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)

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


def wait_http(url, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
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


def start_jrego(bundle, port, jvm_opts=""):
    admin = free_port()
    env = dict(os.environ, JREGO_JAVA_OPTS=jvm_opts)

    def ready(s):
        wait_tcp(admin, 90, s)
        wait_http(f"http://127.0.0.1:{admin}/ready", 90)

    return Server("jrego", [os.path.join(ROOT, "ext-authz-server", "bin", "jrego"), "serve",
                            "--addr", f"127.0.0.1:{port}", "--admin-addr", f"127.0.0.1:{admin}",
                            "--bundle", os.path.join(ROOT, bundle)], env=env, ready=ready)


def jrego_launcher_flags():
    """The heap and GC flags of bin/jrego, so the no-op server runs on the same JVM settings."""
    return ["-Xms256m", "-Xmx512m", "-XX:+UseParallelGC", "-XX:+AlwaysPreTouch", "--enable-native-access=ALL-UNNAMED"]


def start_noop(java, port):
    return Server("no-op", [java, *jrego_launcher_flags(), "-cp", JAR, "io.jrego.loadtests.NoopCheckServer",
                            str(port)], ready=lambda s: wait_tcp(port, 60, s))


def start_opa_rest(opa, bundle, port):
    return Server("opa-rest", [opa, "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error",
                               "--disable-telemetry", "-b", os.path.join(ROOT, bundle)],
                  ready=lambda s: wait_http(f"http://127.0.0.1:{port}/health", 60))


def start_opa_envoy(binary, bundle, port):
    http_port = free_port()
    return Server("opa-envoy", [binary, "run", "--server", "--addr", f"127.0.0.1:{http_port}",
                                "--log-level", "error", "--disable-telemetry",
                                "--set", f"plugins.envoy_ext_authz_grpc.addr=127.0.0.1:{port}",
                                "--set", "plugins.envoy_ext_authz_grpc.path=envoy/authz/allow",
                                "--set", "decision_logs.console=false",
                                "-b", os.path.join(ROOT, bundle)],
                  ready=lambda s: (wait_http(f"http://127.0.0.1:{http_port}/health?plugins", 60), wait_tcp(port, 30, s)))


def drive(java, server, target, input_file, plan, args):
    """Runs LoadGen's plan against a started server; returns one dict per phase with the
    server's CPU time per check added."""
    cmd = [java, "-Xms256m", "-Xmx1g", "-XX:+UseParallelGC", "--enable-native-access=ALL-UNNAMED", "-cp", JAR,
           "io.jrego.loadtests.LoadGen", "--target", target, "--input", os.path.join(ROOT, input_file),
           "--concurrency", str(args.concurrency), "--duration", str(args.duration),
           "--warmup", str(args.warmup), "--plan", ",".join(plan)]
    LOG.append(" ".join(cmd))
    log("+ " + " ".join(cmd))
    limit = args.warmup + len(plan) * (args.duration + 12) + 60
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    children.append(proc)
    results, cpu0, deadline = [], None, time.time() + limit
    for line in proc.stdout:
        if time.time() > deadline:
            proc.kill()
            raise RuntimeError("load generator over its time limit")
        line = line.strip()
        if line.startswith("phase-start"):
            cpu0, wall0 = server.cpu_seconds(), time.time()
        elif line.startswith("phase-end"):
            cpu1, wall1 = server.cpu_seconds(), time.time()
        elif line.startswith("{"):
            r = json.loads(line)
            r["cpu_us_per_check"] = (cpu1 - cpu0) * 1e6 / max(1, r["requests"])
            r["cpu_cores"] = (cpu1 - cpu0) / r["seconds"]
            r["wall_start"], r["wall_end"] = wall0, wall1
            results.append(r)
    proc.wait(timeout=30)
    if proc.returncode != 0 or len(results) != len(plan):
        raise RuntimeError(f"load generator failed (exit {proc.returncode}) against {server.name}")
    return results


# ---- the parts ------------------------------------------------------------------------------

def grpc_part(java, opa, opa_envoy, args):
    plan = ["closed"] + [f"open:{r}" for r in args.rates]
    out = {}
    for mix in args.mix:
        bundle, inp = MIXES[mix]
        rows = {}
        starters = [("jrego", lambda p: start_jrego(bundle, p)),
                    ("opa-envoy", (lambda p: start_opa_envoy(opa_envoy, bundle, p)) if opa_envoy else None),
                    ("no-op", lambda p: start_noop(java, p)),
                    ("opa-rest", (lambda p: start_opa_rest(opa, bundle, p)) if opa else None)]
        for name, start in starters:
            if start is None:
                continue
            port = free_port()
            server = start(port)
            try:
                target = (f"http://127.0.0.1:{port}/v1/data/envoy/authz/allow" if name == "opa-rest"
                          else f"grpc://127.0.0.1:{port}")
                phases = drive(java, server, target, inp, plan, args)
            finally:
                rss = server.stop()
            for p in phases:
                p["peak_rss_mib"] = rss
            rows[name] = phases
            c = phases[0]
            log(f"{mix} {name}: {c['rps']:.0f} checks/s closed, p99 {c['p99_us']:.0f} us, "
                f"{c['cpu_us_per_check']:.1f} us CPU/check, allowed {c['allowed']}/{c['requests']}")
        out[mix] = rows
    return out


def envoy_part(java, args, workdir):
    """hey against Envoy's plaintext listener, with and without ext_authz -> jrego (data-lookup,
    which allows without a caller identity, so both variants reach the route); Envoy answers
    with a direct_response, so the difference is what the ext_authz call to jrego adds."""
    run(["bash", os.path.join(ROOT, ".ci", "install-envoy.sh")], timeout=900)
    envoy = shutil.which("envoy")
    hey = install_apt("hey", "hey")
    envoy_version = run([envoy, "--version"]).stdout.strip().split("version:")[-1].strip()
    certs = os.path.join(workdir, "certs")
    run(["bash", os.path.join(ROOT, "envoy-config", "make-certs.sh"), certs])
    bundle, _ = MIXES["data-lookup"]
    up_port, jr_port = free_port(), free_port()  # the upstream port stays unused (direct_response)
    jrego = start_jrego(bundle, jr_port)
    results = {}
    try:
        for variant in ["no-filter", "ext_authz"]:
            plain, listen, admin = free_port(), free_port(), free_port()
            cfg = os.path.join(workdir, f"envoy-{variant}.yaml")
            env = dict(os.environ, ENVOY_LISTEN_PORT=str(listen), ENVOY_PLAIN_PORT=str(plain),
                       ENVOY_ADMIN_PORT=str(admin), JREGO_GRPC_PORT=str(jr_port), UPSTREAM_PORT=str(up_port),
                       CERT_DIR=certs)
            run(["bash", os.path.join(ROOT, "envoy-config", "render.sh"), cfg], env=env)
            # Envoy answers itself (direct_response, served by the router after ext_authz): the
            # stand-in upstream app would add its own latency (Python, two writes per answer).
            text = open(cfg).read()
            answered = text.replace("route: { cluster: upstream, timeout: 60s }",
                                    'direct_response: { status: 200, body: { inline_string: "ok" } }')
            if answered == text:
                raise RuntimeError("could not find the upstream route in the rendered config")
            open(cfg, "w").write(answered)
            if variant == "no-filter":
                text = open(cfg).read()
                cut = re.sub(r"\n( *)- name: envoy\.filters\.http\.ext_authz\n.*?(?=\n\1- name: envoy\.filters\.http\.router)",
                             "", text, flags=re.S)
                if cut == text or "envoy.filters.http.ext_authz" in cut:
                    raise RuntimeError("could not remove the ext_authz filter from the rendered config")
                open(cfg, "w").write(cut)
            proxy = Server(f"envoy-{variant}", [envoy, "-c", cfg, "--concurrency", "1", "-l", "error",
                                                "--base-id", str(plain)],
                           ready=lambda s: wait_http(f"http://127.0.0.1:{admin}/ready", 60))
            try:
                url = f"http://127.0.0.1:{plain}/v1/items"
                probe = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "x-api-key: key-benchmark", url])
                if probe.stdout != "200":
                    raise RuntimeError(f"{variant}: expected 200 through Envoy, got {probe.stdout}")
                rows = []
                # warm-up at the lowest rate, unmeasured
                hey_run(hey, url, args.envoy_rates[0], max(1, args.warmup))
                for rate in args.envoy_rates:
                    rows.append(hey_run(hey, url, rate, args.duration))
                results[variant] = rows
            finally:
                proxy.stop()
    finally:
        jrego.stop()
    return results, envoy_version


def hey_run(hey, url, rate, seconds):
    """hey: `workers` connections, each limited to rate/workers requests per second; per-request
    latencies from its CSV output. hey paces each worker (closed loop with a rate limit), so a
    stall delays later requests rather than being charged to them: these are not
    coordinated-omission-corrected figures, unlike the gRPC open-loop ones."""
    workers = 4
    cmd = [hey, "-z", f"{seconds}s", "-c", str(workers), "-q", f"{rate / workers:.2f}", "-o", "csv",
           "-H", "x-api-key: key-benchmark", url]
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


def profile_part(java, args, outdir):
    """jrego under closed-loop ai-gateway load with JFR on; the samples taken during the measured
    phase summarised: top frames (self), the innermost jrego frame, and a split by phase."""
    jfr_file = os.path.join(outdir, f"jrego-{args.profile_mix}.jfr")
    bundle, inp = MIXES[args.profile_mix]
    port = free_port()
    server = start_jrego(bundle, port, "-XX:FlightRecorderOptions:stackdepth=512 "
                         f"-XX:StartFlightRecording=filename={jfr_file},settings=profile,dumponexit=true,"
                         "jdk.ExecutionSample#period=2ms")
    try:
        phase = drive(java, server, f"grpc://127.0.0.1:{port}", inp, ["closed"], args)[0]
    finally:
        server.stop()
    jfr = os.path.join(os.path.dirname(java), "jfr")
    r = run([jfr, "print", "--json", "--events", "jdk.ExecutionSample", jfr_file], timeout=300)
    events = json.loads(r.stdout)["recording"]["events"]
    t0, t1 = phase["wall_start"], phase["wall_end"]
    top, first_jrego, inclusive, phases = {}, {}, {}, {}
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
        phases[label] = phases.get(label, 0) + 1
    os.remove(jfr_file)  # large; the summary is kept
    n = max(1, n)

    def table(d, k=15):
        return [(name, c, 100 * c / n) for name, c in sorted(d.items(), key=lambda x: -x[1])[:k]]

    return {"mix": args.profile_mix, "samples": n, "checks_per_s": phase["rps"], "top": table(top), "first_jrego": table(first_jrego),
            "inclusive": table(inclusive, 25), "phases": table(phases, 10)}


# ---- report ---------------------------------------------------------------------------------

def fmt(v, d=0):
    return "n/a" if v is None or v != v else f"{v:,.{d}f}"


def ratio(a, b):
    return "n/a" if not a or not b else f"{a / b:.2f}"


def plots(grpc, envoy, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    files = []
    mixes = list(grpc)
    servers = ["jrego", "opa-envoy", "no-op", "opa-rest"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.2
    for i, s in enumerate(servers):
        vals = [grpc[m][s][0]["rps"] if s in grpc[m] else 0 for m in mixes]
        if any(vals):
            ax.bar([x + i * width for x in range(len(mixes))], vals, width, label=s)
    ax.set_xticks([x + 1.5 * width for x in range(len(mixes))], mixes)
    ax.set_ylabel("checks/s (closed loop)")
    ax.set_title("Max throughput, same machine, same generator")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "throughput.png"), dpi=100)
    plt.close(fig)
    files.append("throughput.png")
    fig, axes = plt.subplots(1, len(mixes), figsize=(4 * len(mixes), 4), squeeze=False)
    for ax, m in zip(axes[0], mixes):
        for i, s in enumerate(servers):
            if s not in grpc[m]:
                continue
            opens = [p for p in grpc[m][s] if p["mode"] == "open"]
            color = f"C{i}"
            ax.plot([p["target_rate"] for p in opens], [p["p99_us"] for p in opens], marker="o", color=color,
                    label=f"{s} p99")
            ax.plot([p["target_rate"] for p in opens], [p["p50_us"] for p in opens], marker=".", ls="--",
                    color=color, label=f"{s} p50")
        ax.set_title(m)
        ax.set_xlabel("requests/s (open loop)")
        ax.set_ylabel("latency µs")
        ax.set_yscale("log")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "latency.png"), dpi=100)
    plt.close(fig)
    files.append("latency.png")
    if envoy:
        fig, ax = plt.subplots(figsize=(6, 4))
        for i, (variant, rows) in enumerate(envoy.items()):
            ax.plot([r["rate"] for r in rows], [r["p50_us"] for r in rows], marker=".", ls="--", color=f"C{i}",
                    label=f"{variant} p50")
            ax.plot([r["rate"] for r in rows], [r["p99_us"] for r in rows], marker="o", color=f"C{i}",
                    label=f"{variant} p99")
        ax.set_yscale("log")
        ax.set_xlabel("requests/s (hey)")
        ax.set_ylabel("latency µs")
        ax.set_title("Through Envoy: with and without ext_authz → jrego")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "envoy.png"), dpi=100)
        plt.close(fig)
        files.append("envoy.png")
    return files


def report(meta, grpc, envoy, prof, outdir, argv):
    L = [f"# jrego load test, {meta['date']:%Y-%m-%d %H:%M} UTC", ""]
    if meta.get("noisy"):
        L += [f"> **Noisy run**: load average {meta['load']} at the start on {os.cpu_count()} cores; other work was "
              "running. Repeat on an idle machine before quoting these figures.", ""]
    L += ["## Setup", "",
          f"- machine: {meta['cpu']}, {os.cpu_count()} cores, {meta['mem']}, {platform.platform()}",
          f"- load average at start: {meta['load']}",
          f"- command: `python3 load-tests/run.py {' '.join(argv)}`".rstrip(),
          f"- JVM: {meta['java']} (jrego via `ext-authz-server/bin/jrego serve`, its own flags; no-op with the same heap/GC flags)",
          f"- OPA: {meta['opa']}",
          f"- OPA-Envoy: {meta['opa_envoy']}",
          f"- Envoy: {meta.get('envoy', 'not run')}; hey: Debian package `hey`",
          f"- generator: `io.jrego.loadtests.LoadGen` (grpc-java {meta['grpc']}, HdrHistogram), one HTTP/2 connection; "
          f"closed loop {meta['concurrency']} outstanding, open loop at {', '.join(map(str, meta['rates']))}/s; "
          f"{meta['warmup']} s warm-up then {meta['duration']} s per phase",
          "- the generator runs on the same 2 cores as the server: closed-loop figures are the pair's limit, not the server's alone",
          "- CPU/check: server process utime+stime over the phase / checks; peak RSS: server VmHWM (jrego and no-op pre-touch a 256 MiB heap)",
          "- **opa-rest is OPA's REST data API (`opa run --server`, POST /v1/data/envoy/authz/allow, HTTP/1.1), not OPA-Envoy**: "
          "it is the same-machine OPA reference available here. OPA's own evaluation cost: `bench_eval.py` (`opa bench`).",
          ""]
    if not meta["opa_envoy_ok"]:
        L += ["**OPA-Envoy was not measured**: it could not be installed on this machine. " + meta["opa_envoy"], ""]
    L += ["## Over gRPC (and OPA's REST API)", ""]
    for f in meta["plots"]:
        if f != "envoy.png":
            L.append(f"![{f}]({f})")
    L.append("")
    for mix, rows in grpc.items():
        L += [f"### {mix}", "",
              "| server | load | checks/s | p50 µs | p99 µs | p99.9 µs | CPU µs/check | CPU cores | peak RSS MiB | allowed/sent | errors |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, phases in rows.items():
            for p in phases:
                load = f"closed, {p['concurrency']} outstanding" if p["mode"] == "closed" else f"open {p['target_rate']:.0f}/s"
                L.append(f"| {name} | {load} | {fmt(p['rps'])} | {fmt(p['p50_us'])} | {fmt(p['p99_us'])} | {fmt(p['p999_us'])} "
                         f"| {fmt(p['cpu_us_per_check'], 1)} | {fmt(p['cpu_cores'], 2)} | {fmt(p['peak_rss_mib'])} | "
                         f"{p['allowed']}/{p['requests']} | {p['errors']} |")
        j = rows.get("jrego", [{}])[0]
        L.append("")
        L.append("| ratio (closed loop) | checks/s | CPU µs/check | p99 µs at " + f"{meta['rates'][-1]}/s |")
        L.append("|---|---:|---:|---:|")
        for other in ["opa-envoy", "no-op", "opa-rest"]:
            if other not in rows:
                L.append(f"| jrego / {other} | n/a (not run) | | |")
                continue
            o = rows[other][0]
            jo = rows["jrego"][-1] if "jrego" in rows else {}
            oo = rows[other][-1]
            L.append(f"| jrego / {other} | {ratio(j.get('rps'), o['rps'])} | {ratio(j.get('cpu_us_per_check'), o['cpu_us_per_check'])} "
                     f"| {ratio(jo.get('p99_us'), oo['p99_us'])} |")
        L.append("")
    if envoy:
        L += ["## End to end through Envoy", "",
              "`hey` (4 connections, rate-limited) → Envoy plaintext listener (`--concurrency 1`), which answers 200 itself (`direct_response` in place of the upstream route); "
              "with and without the ext_authz filter → jrego (data-lookup policy, `x-api-key` header; every request allowed). "
              "hey paces its workers, so these latencies are not coordinated-omission-corrected.", "",
              "![envoy.png](envoy.png)", "",
              "| rate/s | no filter p50 / p99 / p99.9 µs | ext_authz→jrego p50 / p99 / p99.9 µs | added p50 µs | added p99 µs | status codes |",
              "|---:|---|---|---:|---:|---|"]
        for a, b in zip(envoy.get("no-filter", []), envoy.get("ext_authz", [])):
            L.append(f"| {a['rate']} | {fmt(a['p50_us'])} / {fmt(a['p99_us'])} / {fmt(a['p999_us'])} | "
                     f"{fmt(b['p50_us'])} / {fmt(b['p99_us'])} / {fmt(b['p999_us'])} | {fmt(b['p50_us'] - a['p50_us'])} | "
                     f"{fmt(b['p99_us'] - a['p99_us'])} | {a['codes']} / {b['codes']} |")
        L.append("")
    if prof:
        L += [f"## Profile: jrego, {prof['mix']}, closed loop (JFR `jdk.ExecutionSample` every 2 ms, settings=profile)", "",
              f"{prof['samples']} samples during the measured phase ({fmt(prof['checks_per_s'])} checks/s).", "",
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="short phases, one rate, for a smoke run")
    ap.add_argument("--mix", default=",".join(MIXES))
    ap.add_argument("--duration", type=float, default=None, help="seconds per measured phase (default 4)")
    ap.add_argument("--warmup", type=float, default=None, help="seconds of warm-up per server (default 3)")
    ap.add_argument("--rates", default=None, help="open-loop rates per second (default 500,2000)")
    ap.add_argument("--envoy-rates", default=None, help="rates through Envoy (default 100,300,600)")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--no-envoy", action="store_true")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--profile-mix", default="ai-gateway", choices=list(MIXES))
    args = ap.parse_args()
    argv = sys.argv[1:]
    args.mix = args.mix.split(",")
    args.duration = args.duration or (2 if args.quick else 4)
    args.warmup = args.warmup if args.warmup is not None else (2 if args.quick else 3)
    args.rates = [int(r) for r in (args.rates or ("1000" if args.quick else "500,2000")).split(",")]
    args.envoy_rates = [int(r) for r in (args.envoy_rates or ("200" if args.quick else "100,300,600")).split(",")]
    if args.duration > 60 or args.warmup > 60 or len(args.rates) > 6 or len(args.envoy_rates) > 6:
        sys.exit("keep it short: at most 60 s per phase and 6 rates")
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
    opa, opa_version = install_opa()
    opa_envoy, opa_envoy_note = install_opa_envoy()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next((f"{int(l.split()[1]) // 1024} MiB RAM" for l in open("/proc/meminfo") if l.startswith("MemTotal")), "")
    grpc_version = re.search(r"<grpc.version>([^<]+)<", open(os.path.join(ROOT, "pom.xml")).read()).group(1)
    meta = {"date": date, "load": f"{load:.2f}", "noisy": load > 0.5, "cpu": cpu, "mem": mem, "java": java_version,
            "opa": opa_version, "opa_envoy": opa_envoy_note, "opa_envoy_ok": opa_envoy is not None,
            "grpc": grpc_version, "concurrency": args.concurrency, "rates": args.rates,
            "warmup": args.warmup, "duration": args.duration}
    workdir = tempfile.mkdtemp(prefix="jrego-load-")
    try:
        grpc = grpc_part(java, opa, opa_envoy, args)
        envoy = None
        if not args.no_envoy:
            envoy, meta["envoy"] = envoy_part(java, args, workdir)
        prof = None if args.no_profile else profile_part(java, args, outdir)
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    meta["plots"] = plots(grpc, envoy, outdir)
    json.dump({"meta": {k: str(v) for k, v in meta.items()}, "grpc": grpc, "envoy": envoy, "profile": prof},
              open(os.path.join(outdir, "results.json"), "w"), indent=1)
    path = report(meta, grpc, envoy, prof, outdir, argv)
    rel = os.path.relpath(path, os.path.join(HERE, "results"))
    open(os.path.join(HERE, "results", "LATEST.md"), "w").write(
        f"# Latest load test\n\n[{rel}]({rel}) ({date:%Y-%m-%d %H:%M} UTC, {time.time() - started:.0f} s)\n")
    print(open(path).read())
    log(f"wrote {path} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
