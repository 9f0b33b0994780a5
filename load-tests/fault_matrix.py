#!/usr/bin/env python3
"""The fault matrix (issue 14): legitimate traffic through Envoy -> jrego while, one phase at a
time, something goes wrong; each phase's success rate and p50/p99 beside the calm phase's.

Everything on 127.0.0.1, started by this script and stopped at the end:
  - the upstream (ChatUpstream) and Envoy from envoy-config/envoy.yaml (both listeners, ext_authz
    and ext_proc), rendered and changed in one place: the `jrego` cluster has two replicas, an
    active gRPC health check and outlier detection, and the ext_authz/ext_proc gRPC calls a retry
    policy to another replica (see ENVOY_* below and load-tests/README.md, "Fault matrix");
  - two jrego replicas (ext-authz-server/bin/jrego serve), each polling an HTTP bundle server run
    by this script (serving the ai-gateway bundle plus matrix.rego, see bundles());
  - FaultLoad: the legitimate mix, open loop through the mTLS listener, for the whole run;
  - HostileLoad: one class of hostile requests per phase, through the plaintext listener and
    straight to replica A's gRPC port.

Phases (PHASES): calm; one per hostile class; a swap to an expensive policy with requests that
hit it; the bundle server answering 5xx, hanging, dripping; replica A killed (SIGKILL) and
restarted; calm again. Target per phase: >= 99% of legitimate requests answered as they must be,
p99 within 2x of the calm phase (of the stricter of the calms before and after it, when there are
both).

    python3 load-tests/fault_matrix.py [--phase-seconds 20] [--rate 300] [--hostile-rate 20]
                                       [--phases calm,hash,kill,...] [--rounds N] [--out FILE]

A phase may be listed more than once, or the list run --rounds N times; every phase is also read
against the calm phases just before and after it (load-tests/README.md, "Repeated rounds").

Writes results/fault-matrix-<date>.md (and .json). Needs Envoy (.ci/install-envoy.sh, run here)
and a JDK 21+; builds load-tests and jrego with the Maven wrapper (offline first).
"""
import argparse
import datetime
import hashlib
import http.server
import json
import math
import os
import re
import shutil
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402  (build, ports, processes, waiting)

HOSTILE = ["hash", "deep", "number", "body", "xfcc", "path", "regex"]
# A hostile class goes both ways (Envoy's plaintext listener and replica A's gRPC port) unless
# the phase is named CLASS@envoy or CLASS@grpc.
PHASES = ["calm", *HOSTILE, "hash@envoy", "body@envoy", "cpu-policy", "cpu-policy-all", "bundle-5xx", "bundle-hang",
          "bundle-drip", "kill", "calm-end"]
WHAT = {
    "calm": "legitimate traffic only",
    "hash": "keys sharing one String.hashCode: form (2,300 keys, 62 KB), query (1,500), JSON (1,700) via Envoy; "
            "form and query with 9,999 keys, JSON with 40,000 keys (1.1 MB) to gRPC",
    "deep": "JSON nested 5,000 levels (arrays, objects) via Envoy; 5,000 and 100,000 levels to gRPC",
    "number": "1e100000000 as a value and as the model, 1e30000 via Envoy; 1e100000000 and 300 numbers of "
              "999 digits to gRPC",
    "body": "a 64 KB chat, a 1 MiB chat, a gzip bomb (400 MiB of zeros in 400 KB) via Envoy; a 3.9 MB chat "
            "and the gzip bomb as raw_body to gRPC",
    "xfcc": "x-forwarded-client-cert with an unterminated quote swallowing the proxy's element "
            "(replicas run with --trust-xfcc)",
    "path": "/v1/chat/completions;x=1, /v1/chat;x=1/completions, trailing '.', '%20', upper case and '/' "
            "with an internal model as api-gateway (must be denied)",
    "regex": "nested repetition ((a{1000}){1000}){1000} and others in the header matrix.rego compiles",
    "hash@envoy": "as hash, through Envoy only (a gRPC port only the proxies can reach)",
    "body@envoy": "as body, through Envoy only",
    "cpu-policy": "bundle swap to a policy whose cubic rule over messages runs only for chats over 100 "
                  "messages (legitimate chats take the cheap branch), hit by 1,500-message chats; then back",
    "cpu-policy-all": "bundle swap to a policy with a cubic rule over every chat's messages (slow for "
                      "everyone), hit by 1,500-message chats; then back",
    "bundle-5xx": "the bundle server answers 500",
    "bundle-hang": "the bundle server accepts and never answers",
    "bundle-drip": "the bundle server sends the headers, then one byte every 0.5 s",
    "kill": "replica A SIGKILLed, restarted 2 s later",
    "calm-end": "legitimate traffic only, after everything",
}



def kind(label):
    """The phase a label runs: "hash#2" (the second hash phase of a run) -> "hash"."""
    return label.partition("#")[0]


def is_calm(label):
    return kind(label) in ("calm", "calm-end")


def expand_phases(names, rounds=1):
    """The run's phase labels: `names` repeated `rounds` times, a calm phase directly followed by
    another calm left out (so `calm,hash,calm-end` twice is calm, hash, calm#2, hash#2, calm-end),
    and each phase after its first time labelled NAME#N (FaultLoad counts each label apart)."""
    names = [n for _ in range(max(1, rounds)) for n in names]
    names = [n for i, n in enumerate(names) if not (is_calm(n) and i + 1 < len(names) and is_calm(names[i + 1]))]
    seen, labels = {}, []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        labels.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return labels


# The changes to envoy-config/envoy.yaml for two replicas (see the README's "Fault matrix").
# Envoy's gRPC client turns a grpc_service's retry_policy into a route retry policy whose
# per_try_timeout is the back-off's max_interval (Http::Utility::convertCoreToRouteRetryPolicy):
# with max_interval 0.05s every Check that took over 50 ms was reset and sent again to the other
# replica (`upstream_rq_per_try_timeout`; a hostile 1,500-message chat in cpu-policy three times
# over). max_interval is therefore ext_authz's own timeout, so a try may take all of it; the
# back-off before a retry stays a few ms (a random time below base_interval, then below twice it).
ENVOY_RETRY_MAX_INTERVAL = "0.5s"
ENVOY_RETRY = """
                retry_policy:
                  retry_on: "connect-failure,refused-stream,reset,unavailable,gateway-error"
                  num_retries: 2
                  retry_back_off: { base_interval: 0.005s, max_interval: MAX_INTERVAL }
                  retry_host_predicate:
                  - name: envoy.retry_host_predicates.previous_hosts
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
                  host_selection_retry_max_attempts: 10"""
ENVOY_HEALTH = """
    health_checks:
    - timeout: 1s
      interval: 0.5s
      no_traffic_interval: 0.5s
      unhealthy_threshold: 2
      healthy_threshold: 1
      grpc_health_check: { service_name: envoy.service.auth.v3.Authorization }
    outlier_detection:
      consecutive_gateway_failure: 3
      consecutive_5xx: 1000
      interval: 1s
      base_ejection_time: 5s
      max_ejection_percent: 50
    circuit_breakers:
      thresholds:
      - max_retries: 64"""

# matrix.rego: what the matrix's bundle adds to the ai-gateway policy. filter_mismatch compiles a
# pattern the caller sends (a policy that lets callers filter by regex: what the regex phase
# attacks); the expensive bundles also have repeated_turns, cubic in the number of messages: in
# "matrix-expensive" only for conversations over LONG_CHAT messages, so the attacker's 1,500-message
# chats pay for it and the legitimate 21-message chats take the cheap branch (a policy an attacker
# can make slow: the isolation the issue asks about); in "matrix-expensive-all" for every chat (a
# policy slow for everyone: the check deadline bounds it, nothing can keep it within 2x of calm).
MATRIX_REGO = """package envoy.authz

# The caller may narrow the request to a path pattern of its own (x-path-filter).
filter_mismatch if {
	pattern := input.attributes.request.http.headers["x-path-filter"]
	not regex.match(pattern, input.attributes.request.http.path)
}
"""
LONG_CHAT = 100
EXPENSIVE_REGO = """
# Expensive: every triple of messages, never true. 24 messages cost 14,000 steps; 1,500 cost
# billions, and the check deadline (--eval-timeout) ends them.
repeated_turns if {
	msgs := input.parsed_body.messages
	LONG_ONLY
	some a in msgs
	some b in msgs
	some c in msgs
	a.content == b.content
	b.content == c.content
	a.role == "nobody"
}
"""
# A line of -Xlog:gc with the timemillis decoration: "[1764926400123ms] GC(7) Pause Young ... 1.234ms".
GC_PAUSE = re.compile(r"^\[(\d+)ms\] GC\(\d+\) Pause (.*) (\d+\.\d+)ms$")
# Pauses at least this long are listed one by one in a phase's details, with their cause.
LONG_PAUSE_MS = 10
# Micrometer's gauge of the code cache (one pool "CodeCache", or "CodeHeap '...'" pools when segmented).
CODE_CACHE = re.compile(r'^jvm_memory_(used|committed)_bytes\{[^}]*id="Code(?:Cache|Heap[^"]*)"[^}]*\} (\S+)$')
# A line of -Xlog:deoptimization=debug with the timemillis decoration (--jit-log).
DEOPT = re.compile(r"^\[(\d+)ms\] cid=")
# The same line's parts: compile id, the method the trap is in (maybe inlined), its bci, the reason.
DEOPT_TRAP = re.compile(r"^\[(\d+)ms\] cid=\s*(\d+)\s+level=\d+ (\S+?)\(\S* trap_bci=(\d+) (\S+)")
# A line of -Xlog:jit+compilation=debug: "[...ms] 1234 % ! b 4 com.example.Foo::bar (52 bytes)": the
# compile id's method, so a trap in an inlined method is named with the method compiled around it.
COMPILED = re.compile(r"^\[\d+ms\]\s+(\d+)\s+[%sbn! ]*\d\s+(\S+)")
# A compile task as -Xlog:jit+compilation=debug prints it: when (ms since the epoch) and at which tier
# (1-3 C1, 4 C2); "made not entrant" lines are code thrown away, not compiles.
COMPILE_TASK = re.compile(r"^\[(\d+)ms\]\s+\d+\s+[%sbn! ]*([1-4])\s+\S+.*\(\d+ bytes\)(?!.*made not entrant)")

# The cpu-policy phases and the bundle each swaps to.
CPU_POLICY = {"cpu-policy": "expensive", "cpu-policy-all": "expensive-all"}
# Phases whose policy is slow for legitimate requests too: held to the success target, not to 2x.
SLOW_FOR_ALL = {"cpu-policy-all"}

FIRST_REASON = 'deny_reason := "no verified caller identity" if {'


def bundles(workdir, jrego):
    """The matrix's three bundles (.tar.gz): ai-gateway + matrix.rego ("matrix-good"), and the same
    with the expensive rule for long chats only ("matrix-expensive") or for every chat
    ("matrix-expensive-all"). The new reasons go first in the deny_reason chain so an
    unauthenticated caller reaches them too."""
    out = {}
    for name, expensive in [("good", False), ("expensive", True), ("expensive-all", True)]:
        d = os.path.join(workdir, f"bundle-{name}")
        shutil.copytree(os.path.join(R.ROOT, "rego-policies", "ai-gateway"), d)
        os.remove(os.path.join(d, "policy_test.rego"))
        os.remove(os.path.join(d, "process_test.rego"))
        policy = open(os.path.join(d, "policy.rego")).read()
        first = 'deny_reason := "path filter does not match" if {\n\tfilter_mismatch\n} else := '
        if expensive:
            first += '"conversation repeats itself" if {\n\trepeated_turns\n} else := '
        patched = policy.replace(FIRST_REASON, first + FIRST_REASON.removeprefix("deny_reason := "))
        if patched == policy:
            raise RuntimeError("could not find the first deny_reason of the ai-gateway policy")
        open(os.path.join(d, "policy.rego"), "w").write(patched)
        guard = f"count(msgs) > {LONG_CHAT}" if name == "expensive" else "true"
        open(os.path.join(d, "matrix.rego"), "w").write(
            MATRIX_REGO + (EXPENSIVE_REGO.replace("LONG_ONLY", guard) if expensive else ""))
        tar = os.path.join(workdir, f"matrix-{name}.tar.gz")
        R.run([jrego, "build", d, "-o", tar, "--revision", f"matrix-{name}"])
        out[name] = open(tar, "rb").read()
    return out


class BundleServer:
    """The bundle service the replicas poll: serves the current bundle, or fails as told (500,
    hang, drip). Counts what it answered per mode. Every wait is bounded (120 s)."""

    def __init__(self, bundles):
        self.bundles, self.mode, self.served = bundles, "good", {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                mode = server.mode
                server.served[mode] = server.served.get(mode, 0) + 1
                if mode == "500":
                    self.send_error(500, "bundle store unavailable")
                elif mode == "hang":
                    server.wait_while(mode)
                    self.close_connection = True
                elif mode == "drip":
                    body = server.bundles["good"]
                    self.send_response(200)
                    self.send_header("content-type", "application/gzip")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    try:
                        for i in range(len(body)):
                            if server.mode != mode or i > 240:
                                break
                            self.wfile.write(body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(0.5)
                    except OSError:
                        pass
                    self.close_connection = True
                else:
                    body = server.bundles[mode]
                    etag = f'"{mode}"'
                    if self.headers.get("if-none-match") == etag:
                        self.send_response(304)
                        self.send_header("etag", etag)
                        self.end_headers()
                        return
                    self.send_response(200)
                    self.send_header("content-type", "application/gzip")
                    self.send_header("etag", etag)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, fmt, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_while(self, mode):
        deadline = time.time() + 120
        while self.mode == mode and time.time() < deadline:
            time.sleep(0.1)

    def stop(self):
        self.mode = "good"
        self.httpd.shutdown()


class Replica:
    """One jrego serve with fixed ports, so a restart comes back where Envoy expects it."""

    def __init__(self, name, bundle_url, workdir, extra=(), jit_log=False):
        self.name, self.url, self.workdir, self.extra = name, bundle_url, workdir, list(extra)
        self.port, self.admin = R.free_port(), R.free_port()
        self.server, self.starts, self.gc_logs, self.deopt_logs = None, [], [], []
        self.jit_log = jit_log

    def start(self, warm_up=None, variant=None):
        """Starts (or restarts) the replica and waits for its /ready; `warm_up`: its `--warm-up`
        budget this time instead of the one in its extra arguments (or serve's default); `variant`:
        a parsed --kill-variant item, how this start differs (see KILL_VARIANTS)."""
        t0 = time.time()
        extra = self.extra if warm_up is None else \
            [*(a for a in self.extra if not a.startswith("--warm-up=")), f"--warm-up={warm_up}"]
        cmd = [os.path.join(R.ROOT, "ext-authz-server", "bin", "jrego"), "serve",
               "--addr", f"127.0.0.1:{self.port}", "--admin-addr", f"127.0.0.1:{self.admin}",
               "--bundle", self.url, "--bundle-min-delay", "1s", "--bundle-max-delay", "2s",
               "--bundle-timeout", "5s", "--trust-xfcc", *extra]
        variant_opts, variant_env = [], {}
        if variant and variant.get("jit_nice") is not None:
            variant_opts += jit_nice_flags(variant["jit_nice"])
        if variant and variant.get("jvm_flags"):
            variant_opts += variant["jvm_flags"]
        if variant and variant.get("pin"):
            # on its own CPU, with the JIT and thread counts it has unpinned: the launcher would
            # take C1 alone for a process that may use one CPU (JREGO_JIT=auto), and the JVM would
            # size its compilers and jrego its pools for one
            cmd = ["taskset", "-c", ",".join(map(str, variant["pin"])), *cmd]
            variant_opts.append(f"-XX:ActiveProcessorCount={len(os.sched_getaffinity(0))}")
            variant_env["JREGO_JIT"] = os.environ.get("JREGO_JIT", "c2")
        log = os.path.join(self.workdir, f"jrego-{self.name}-{len(self.starts)}.log")
        # Every GC pause with its wall-clock time (ms since the epoch), to sum per phase.
        self.gc_logs.append(os.path.join(self.workdir, f"gc-{self.name}-{len(self.starts)}.log"))
        opts = [os.environ.get("JREGO_JAVA_OPTS", ""), f"-Xlog:gc:file={self.gc_logs[-1]}:timemillis"]
        if self.jit_log:  # every deoptimisation, and why the code cache asked for a GC
            self.deopt_logs.append(os.path.join(self.workdir, f"deopt-{self.name}-{len(self.starts)}.log"))
            opts.append(f"-Xlog:deoptimization=debug,codecache=info,jit+compilation=debug:file={self.deopt_logs[-1]}"
                        ":timemillis")
        env = dict(os.environ, JREGO_JAVA_OPTS=" ".join(opts + variant_opts).strip(), **variant_env)
        self.server = R.Server(f"jrego-{self.name}", cmd, env=env, log_path=log,
                               ready=lambda s: R.wait_http(f"http://127.0.0.1:{self.admin}/ready", 120, s))
        self.starts.append(time.time() - t0)

    def kill(self):
        os.kill(self.server.pid, signal.SIGKILL)
        self.server.proc.wait(timeout=10)

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin}/ready", timeout=2) as r:
                return json.loads(r.read())
        except OSError as e:
            body = getattr(e, "read", lambda: b"")()
            try:
                return json.loads(body)
            except ValueError:
                return {"status": f"unreachable: {e}"}

    def gc_pauses(self, t0, t1, start):
        """GC pauses that ended between t0 and t1 (seconds since the epoch): count, total and max ms,
        and those of LONG_PAUSE_MS or more as [seconds after `start`, ms, kind and cause]."""
        pauses, long = [], []
        for path in self.gc_logs:
            try:
                lines = open(path).read().splitlines()
            except OSError:
                continue
            for line in lines:
                m = GC_PAUSE.match(line)
                if m and t0 * 1000 <= int(m.group(1)) <= t1 * 1000:
                    ms = float(m.group(3))
                    pauses.append(ms)
                    if ms >= LONG_PAUSE_MS:
                        kind = re.sub(r" \d+[KMG]->.*$", "", m.group(2))  # "Full (CodeCache GC Threshold)"
                        long.append([round(int(m.group(1)) / 1000 - start, 2), ms, kind])
        return {"pauses": len(pauses), "total_ms": round(sum(pauses), 1), "max_ms": round(max(pauses, default=0), 1),
                "long": long}

    def deopts_per_second(self, start, seconds):
        """Deoptimisations in each second from `start` (--jit-log), or None without the log."""
        if not self.deopt_logs:
            return None
        counts = [0] * max(1, int(seconds + 0.999))
        for path in self.deopt_logs:
            try:
                lines = open(path, errors="replace").read().splitlines()
            except OSError:
                continue
            for line in lines:
                m = DEOPT.match(line)
                if m:
                    i = math.floor(int(m.group(1)) / 1000 - start)
                    if 0 <= i < len(counts):
                        counts[i] += 1
        return counts

    def traps(self, start, seconds):
        """The deoptimisations in `seconds` from `start` (--jit-log), counted by where they trapped:
        {"Method.name@bci reason (in Compiled.root)": n}, most first; None without the log."""
        if not self.deopt_logs:
            return None
        roots, counts = {}, {}
        for path in self.deopt_logs:
            try:
                lines = open(path, errors="replace").read().splitlines()
            except OSError:
                continue
            trapped = []
            for line in lines:
                m = COMPILED.match(line)
                if m:
                    roots[m.group(1)] = m.group(2).replace("::", ".")
                    continue
                m = DEOPT_TRAP.match(line)
                if m and start <= int(m.group(1)) / 1000 < start + seconds:
                    trapped.append(m.groups())
            for _, cid, method, bci, reason in trapped:
                root = roots.get(cid)
                where = f"{method}@{bci} {reason}" + (f" (in {root})" if root and root != method else "")
                counts[where] = counts.get(where, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    def compiles(self, ready, end, first=10):
        """The compile tasks of this replica's latest start (--jit-log) by tier, before `ready`, in the
        `first` seconds after it and from then to `end` (seconds since the epoch): {"before ready":
        {"C1": n, "C2": n}, "first 10 s": {...}, "rest": {...}}, or None without the log."""
        if not self.deopt_logs:
            return None
        out = {k: {"C1": 0, "C2": 0} for k in ("before ready", f"first {first} s", "rest")}
        try:
            lines = open(self.deopt_logs[-1], errors="replace").read().splitlines()
        except OSError:
            return None
        for line in lines:
            m = COMPILE_TASK.match(line)
            if not m:
                continue
            t = int(m.group(1)) / 1000
            if t > end:
                continue
            k = "before ready" if t < ready else f"first {first} s" if t < ready + first else "rest"
            out[k]["C2" if m.group(2) == "4" else "C1"] += 1
        return out

    def code_cache_mib(self):
        """The code cache's used and committed MiB now ([used, committed], all its heaps summed;
        Micrometer's jvm_memory_* series from /metrics), or None. Used counts compiled code not yet
        freed: under SerialGC code thrown away (deoptimised, or replaced by a higher tier) stays
        there until a full collection unloads it."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return None
        out = {"used": 0.0, "committed": 0.0}
        for line in text.splitlines():
            m = CODE_CACHE.match(line)
            if m:
                out[m.group(1)] += float(m.group(2))
        return [round(out["used"] / 2**20, 1), round(out["committed"] / 2**20, 1)] if out["committed"] else None

    def metrics(self):
        """jrego_checks_total by result/reason and the bundle failure counters."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin}/metrics", timeout=2) as r:
                text = r.read().decode()
        except OSError:
            return {}
        out = {}
        for line in text.splitlines():
            if line.startswith(("jrego_checks_total{", "jrego_bundle_failures_total{", "jrego_thread_deaths_total{",
                                "jrego_long_evaluations_total", "jrego_long_evaluations_refused_total",
                                "jrego_requests_refused_total{",
                                "jrego_long_evaluations_spared_total", "jrego_long_evaluations_cpu_seconds_total",
                                "jrego_long_evaluations_recalled_total")):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out


# envoy.yaml's slow start, as shipped (envoy-config/README.md): a 30 s window, 1% of a full weight at
# least, aggression 0.25; --slow-start, --slow-start-min-weight and --slow-start-aggression change
# one field each and keep the others' shipped values.
SHIPPED_MIN_WEIGHT = 1
SHIPPED_AGGRESSION = 0.25
SLOW_START = ("    least_request_lb_config:\n      slow_start_config: { slow_start_window: 30s, "
              "min_weight_percent: { value: 1 }, aggression: { default_value: 0.25 } }\n")
# The runtime key the jrego cluster's slow start `aggression` is read from when a kill variant sets
# it (aggression=A): Envoy reads it each time it weighs a host in slow start, so each kill phase's
# restarted replica ramps with its own value in one run; window and min weight are not runtime
# values in Envoy, so --slow-start and --slow-start-min-weight hold for the whole run.
AGGRESSION_KEY = "fault_matrix.jrego.slow_start_aggression"
# An admin layer for /runtime_modify (the bootstrap's layered_runtime), added only then.
ADMIN_RUNTIME = "layered_runtime:\n  layers:\n  - name: admin\n    admin_layer: {}\n\n"


def slow_start_line(window, min_weight=None, aggression=None, runtime_key=None):
    """The jrego cluster's least_request_lb_config with slow start: window as Envoy's Duration,
    min_weight in percent (without it Envoy's default, 10), aggression (without it 1.0, linear; with
    runtime_key, Envoy reads the key first and falls back to it)."""
    fields = [f"slow_start_window: {window}"]
    if min_weight is not None:
        fields.append(f"min_weight_percent: {{ value: {min_weight:g} }}")
    if aggression is not None or runtime_key:
        fields.append("aggression: { default_value: %g%s }" % (
            1.0 if aggression is None else aggression, f", runtime_key: {runtime_key}" if runtime_key else ""))
    return "    least_request_lb_config:\n      slow_start_config: { " + ", ".join(fields) + " }\n"


def envoy_config(workdir, certs, replicas, upstream_port, slow_start=None,
                 retry_max_interval=ENVOY_RETRY_MAX_INTERVAL, min_weight=None, aggression=None,
                 runtime_aggression=False):
    """envoy-config/envoy.yaml rendered, with the two replicas, health checks, outlier detection
    and retries put in; fails if the template no longer has what it changes. slow_start: the
    jrego cluster's slow start window instead of envoy.yaml's ("0s": none). min_weight (percent),
    aggression: its slow start's min_weight_percent and aggression instead of envoy.yaml's (1, 0.25:
    SHIPPED_MIN_WEIGHT, SHIPPED_AGGRESSION); runtime_aggression: aggression read from AGGRESSION_KEY first, set per kill phase through
    an admin runtime layer (see kill_variant). retry_max_interval: the retry back-off's
    max_interval, which is also each try's timeout (see ENVOY_RETRY)."""
    retry = ENVOY_RETRY.replace("MAX_INTERVAL", retry_max_interval)
    plain, listen, admin = R.free_port(), R.free_port(), R.free_port()
    cfg = os.path.join(workdir, "envoy.yaml")
    env = dict(os.environ, ENVOY_LISTEN_PORT=str(listen), ENVOY_PLAIN_PORT=str(plain), ENVOY_ADMIN_PORT=str(admin),
               JREGO_GRPC_PORT=str(replicas[0].port), UPSTREAM_PORT=str(upstream_port), CERT_DIR=certs,
               JREGO_CLUSTER="jrego")
    R.run(["bash", os.path.join(R.ROOT, "envoy-config", "render.sh"), cfg], env=env)
    text = open(cfg).read()
    endpoint = ("        - endpoint:\n            address:\n              socket_address: "
                "{ address: 127.0.0.1, port_value: %d }\n")
    edits = [
        ("envoy_grpc: { cluster_name: jrego }\n                timeout: 0.5s",
         "envoy_grpc: { cluster_name: jrego }\n                timeout: 0.5s" + retry),
        ("envoy_grpc: { cluster_name: jrego }\n              # Refuse",
         "envoy_grpc: { cluster_name: jrego }" + retry + "\n              # Refuse"),
        ("  - name: jrego\n    type: STATIC\n    connect_timeout: 0.25s",
         "  - name: jrego\n    type: STATIC\n    connect_timeout: 0.25s" + ENVOY_HEALTH),
        ("      cluster_name: jrego\n      endpoints:\n      - lb_endpoints:\n" + endpoint % replicas[0].port,
         "      cluster_name: jrego\n      endpoints:\n      - lb_endpoints:\n"
         + "".join(endpoint % r.port for r in replicas)),
    ]
    tuned = min_weight is not None or aggression is not None or runtime_aggression
    if slow_start is not None or tuned:  # the first of the two: the jrego cluster's (jrego_mtls comes after)
        if text.count(SLOW_START) != 2 or text.index(SLOW_START) > text.index("  - name: jrego_mtls\n"):
            raise RuntimeError("envoy.yaml changed: expected the jrego and jrego_mtls clusters' slow start")
        if slow_start in ("0", "0s") and tuned:
            raise RuntimeError("slow start tuned (min weight, aggression) but switched off (0s)")
        window = "" if slow_start in ("0", "0s") else slow_start_line(
            slow_start or "30s", SHIPPED_MIN_WEIGHT if min_weight is None else min_weight,
            SHIPPED_AGGRESSION if aggression is None else aggression,
            AGGRESSION_KEY if runtime_aggression else None)
        text = text.replace(SLOW_START, window, 1)
    if runtime_aggression:
        if text.count("\nstatic_resources:\n") != 1 or "layered_runtime:" in text:
            raise RuntimeError("envoy.yaml changed: expected one static_resources and no layered_runtime")
        text = text.replace("\nstatic_resources:\n", "\n" + ADMIN_RUNTIME + "static_resources:\n")
    for old, new in edits:
        if text.count(old) != 1:
            raise RuntimeError(f"envoy.yaml changed: expected exactly one {old.strip()[:60]!r}")
        text = text.replace(old, new)
    open(cfg, "w").write(text)
    return cfg, plain, listen, admin


def envoy_stats(admin):
    # the jrego cluster's retries and what set them off: per-try timeouts, resets each way, 5xx,
    # connections closed with calls on them
    pattern = (r"ext_authz\.|ext_proc\.(streams_started|stream_msgs_received|failure_mode_allowed|streams_failed|"
               r"message_timeouts|spurious_msgs_received)|cluster\.jrego\.(upstream_rq_retry|upstream_rq_timeout|"
               r"upstream_rq_per_try_timeout|upstream_rq_rx_reset|upstream_rq_tx_reset|upstream_rq_pending_overflow|"
               r"upstream_rq_5xx|upstream_rq_cancelled|upstream_cx_destroy_(local|remote)_with_active_rq|"
               r"upstream_cx_connect_fail|health_check\.failure|outlier_detection\.ejections_enforced_total|"
               r"upstream_rq_retry_success|upstream_rq_retry_overflow|upstream_rq_retry_limit_exceeded)")
    try:
        text = R.wait_http(f"http://127.0.0.1:{admin}/stats?filter={urllib.parse.quote(pattern)}", 10)
    except RuntimeError:
        return {}
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(": ")
        if value.isdigit():
            out[name.replace("http.plain.", "plain.").replace("http.mtls.", "mtls.")] = int(value)
    return out


def envoy_runtime(admin, key, value):
    """Sets (value a number) or clears (None) a runtime key in Envoy's admin layer and returns the
    value Envoy then reports for it (None when unset); fails if Envoy does not take it."""
    q = urllib.parse.urlencode({key: "" if value is None else f"{value:g}"})
    req = urllib.request.Request(f"http://127.0.0.1:{admin}/runtime_modify?{q}", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=5) as r:
        r.read()
    with urllib.request.urlopen(f"http://127.0.0.1:{admin}/runtime?format=json", timeout=5) as r:
        entry = json.loads(r.read()).get("entries", {}).get(key)
    final = entry.get("final_value") if entry else None
    have = float(final) if final not in (None, "") else None
    if have != value:
        raise RuntimeError(f"Envoy's runtime {key}: asked {value}, has {final!r}")
    return have


def delta(after, before):
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


class Legit:
    """FaultLoad, driven through its stdin."""

    def __init__(self, java, listen, certs, rate, max_seconds, workdir):
        cmd = R.pinned("generator", [java, "-Xmx256m", "-cp", R.JAR, "io.jrego.loadtests.FaultLoad",
                                     f"https://127.0.0.1:{listen}", certs, str(rate), str(max_seconds)])
        R.log("+ " + " ".join(cmd))
        self.err = open(os.path.join(workdir, "faultload.err"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     text=True, start_new_session=True)
        R.children.append(self.proc)

    def mark(self, name):
        self.proc.stdin.write(f"mark {name}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        if line != f"marked {name}":
            raise RuntimeError(f"FaultLoad answered {line!r} to mark {name}")

    def finish(self):
        self.proc.stdin.write("stop\n")
        self.proc.stdin.flush()
        out, _ = self.proc.communicate(timeout=60)
        return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


# The hostile client's JIT (--hostile-jit): C1 only, or HotSpot's default tiers up to C2.
HOSTILE_JIT = {"c1": ["-XX:TieredStopAtLevel=1"], "full": []}
HOSTILE_JIT_NAMES = {"c1": "C1 only (-XX:TieredStopAtLevel=1)", "full": "full (C1 then C2)"}
HOSTILE_JIT_MODES = {**HOSTILE_JIT_NAMES,
                     "alternate": "C1 only in each hostile phase's odd-numbered runs, full (C1 then C2) in its even ones"}


def hostile_jit(mode, label):
    """The hostile client's JIT for phase `label` under --hostile-jit `mode`: "alternate" gives a
    hostile phase's odd-numbered runs (hash, hash#3, ...) C1 and its even-numbered ones (hash#2,
    ...) the full JIT, so that a phase listed twice is a pair in one run, the full JIT's run the
    later one (which the replicas' having seen that phase once favours)."""
    if mode != "alternate":
        return mode
    n = int(label.partition("#")[2] or 1)
    return "c1" if n % 2 else "full"


def hostile(java, cls, rate, seconds, plain, grpc_port, workdir, ways="both", nice=19, jit="c1", give_up_ms=None):
    """Starts HostileLoad (at scheduling priority `nice`: see --hostile-nice; `jit` one of
    HOSTILE_JIT: see --hostile-jit; `give_up_ms`: see --hostile-deadline); returns the process once
    its payloads are built."""
    niced = ["nice", "-n", str(nice)] if nice else []
    cmd = R.pinned("generator", [*niced, java, "-Xmx1g", *HOSTILE_JIT[jit], "-cp", R.JAR,
                                 "io.jrego.loadtests.HostileLoad", cls,
                                 str(rate), str(seconds), f"http://127.0.0.1:{plain}", f"127.0.0.1:{grpc_port}",
                                 ways, *([str(give_up_ms)] if give_up_ms else [])])
    R.log("+ " + " ".join(cmd))
    err = open(os.path.join(workdir, f"hostile-{cls}-{ways}.err"), "w")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
    R.children.append(p)
    line = p.stdout.readline().strip()
    if line != "ready":
        raise RuntimeError(f"HostileLoad {cls} did not start: {line!r}; see {err.name}")
    p.cpu_at_ready = proc_cpu_s(p.pid)  # building the payloads is not part of the phase
    return p


def hostile_cpu_after(p, seconds):
    """Reads the hostile client's CPU seconds since `ready` once, `seconds` from now; returns a
    function giving them (None if the client had ended)."""
    got = {}

    def read():
        now = proc_cpu_s(p.pid)
        got["s"] = round(now - p.cpu_at_ready, 2) if now is not None and p.cpu_at_ready is not None else None

    timer = threading.Timer(seconds, read)
    timer.start()

    def result():
        timer.join()
        return got.get("s")
    return result


def hostile_result(p, seconds):
    """HostileLoad's summary, with the CPU seconds it used from `ready` to its exit (its own
    rusage: it shares the machine's cores with everything it attacks, which a real attacker would
    not)."""
    timer = threading.Timer(seconds + 60, p.kill)
    timer.start()
    try:
        out = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    lines = [l for l in out.splitlines() if l.startswith("{")]
    result = json.loads(lines[-1]) if lines else {"error": "no summary"}
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime - p.cpu_at_ready, 2)
    return result


def proc_rss_mib(pid):
    """VmRSS and VmHWM (the peak so far) of a live process in MiB (/proc/PID/status), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            kb = {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in f) if k in ("VmRSS", "VmHWM")}
        return [round(kb["VmRSS"] / 1024, 1), round(kb["VmHWM"] / 1024, 1)]
    except (OSError, KeyError, ValueError):
        return None


def proc_cpu_s(pid):
    """User + system CPU seconds of a live process (/proc/PID/stat), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_speed():
    """MB/s of SHA-256 over 16 MiB on one core, the best of 5 (about 0.1 s): how fast this
    machine's CPU runs at the moment, taken before the servers start and after they stop. On a
    virtual machine it moves with what the host runs beside it (load-tests/README.md, "Why calm
    moves")."""
    data, best = bytes(16 << 20), float("inf")
    for _ in range(5):
        t = time.perf_counter()
        hashlib.sha256(data).digest()
        best = min(best, time.perf_counter() - t)
    return round(16 / best)


def steal_s():
    """CPU seconds the hypervisor gave this machine's virtual CPUs to someone else, all CPUs
    (/proc/stat's steal column): time the processes here waited without it counting as theirs."""
    with open("/proc/stat") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == "cpu":
                return int(parts[8]) / os.sysconf("SC_CLK_TCK")
    return 0.0


def wait_revision(replicas, revision, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if all(r.ready().get("revision") == revision for r in replicas):
            return True
        time.sleep(0.2)
    return False


# The warm-up's windows, and the share of the replicas' CPU their JIT compilers may still take in the
# last two for the warm-up to end (see settle()).
SETTLE_WINDOW_S = 10
SETTLE_JIT_SHARE = 0.10


def jit_and_total_cpu_s(pid):
    """(CPU seconds of the JVM's compiler threads, CPU seconds of the whole process) of a live
    process, from /proc/PID/task/*/stat (the JVM names its compiler threads "C1 CompilerThre..." and
    "C2 CompilerThre..."), or None once it is gone."""
    ticks = R.cpu_ticks(pid)
    if ticks is None:
        return None
    total, jit, _, _ = ticks
    tck = os.sysconf("SC_CLK_TCK")
    return jit / tck, total / tck


def settle(legit, replicas, args):
    """Legitimate load until the replicas' JIT has settled: in windows of SETTLE_WINDOW_S, for at
    least --warm-up seconds and at most --warm-up-max, until in two windows in a row the compiler
    threads took at most SETTLE_JIT_SHARE of the replicas' CPU. At 150 requests/s C2 was still
    taking 40% of the replicas' CPU 2 minutes after start, and their CPU per request halved from
    then to 3 minutes: a calm phase started before that measures the compilers, not jrego. Each
    window is a FaultLoad phase of its own (warm-up-N), so the report gives its success and p99
    too. Returns the windows: [seconds, µs of jrego CPU per legitimate request, % of it the JIT's]."""
    windows, t_start = [], time.time()
    while True:
        legit.mark(f"warm-up-{len(windows) + 1}")
        before = [jit_and_total_cpu_s(r.server.pid) for r in replicas]
        t0 = time.time()
        time.sleep(SETTLE_WINDOW_S)
        after = [jit_and_total_cpu_s(r.server.pid) for r in replicas]
        seconds = time.time() - t0
        pairs = [(a, b) for a, b in zip(after, before) if a is not None and b is not None]
        jit = sum(a[0] - b[0] for a, b in pairs)
        cpu = sum(a[1] - b[1] for a, b in pairs)
        windows.append([round(seconds, 1), round(1e6 * cpu / (args.rate * seconds)),
                        round(100 * jit / cpu) if cpu > 0 else 0])
        R.log(f"warm-up window {len(windows)}: jrego {windows[-1][1]} µs CPU per legitimate request, "
              f"{windows[-1][2]}% of it the JIT's")
        elapsed = time.time() - t_start
        steady = len(windows) >= 2 and all(w[2] <= 100 * SETTLE_JIT_SHARE for w in windows[-2:])
        if elapsed >= args.warm_up_max or (elapsed >= args.warm_up and steady):
            return {"windows": windows, "seconds": round(elapsed, 1), "settled": steady}


# The cpu-policy phases' first seconds (the bundle swap): each replica's CPU by thread group, per
# SWAP_STEP_S, for SWAP_WATCH_S from the phase's start. The thread names are jrego's (their first 15
# characters, as /proc gives them) and the JVM's.
SWAP_WATCH_S = 6.0
SWAP_STEP_S = 0.5
SWAP_GROUPS = [("jit", "CompilerThre"), ("gc", "VM Thread"), ("bundles", "jrego-bundles"),
               ("check", "jrego-check-"), ("grpc-io", "jrego-grpc-io")]
# The lines of a replica's log that say when a swap was warmed and activated.
SWAP_LOG = re.compile(r"warmed the new policy|activated bundle revision")


def cpu_ticks_by_group(pid):
    """Clock ticks of a live process's threads by SWAP_GROUPS (and "other"), or None once it is gone."""
    threads = R.thread_ticks(pid)
    if threads is None:
        return None
    out = dict.fromkeys([g for g, _ in SWAP_GROUPS] + ["other"], 0)
    for comm, ticks in threads:
        out[next((g for g, prefix in SWAP_GROUPS if prefix in comm), "other")] += ticks
    return out


def watch_swap(replicas, t0):
    """Starts sampling each replica's CPU by thread group every SWAP_STEP_S for SWAP_WATCH_S after t0;
    returns a function that waits for the sampler and gives {replica: [[second, ms by group...]]}."""
    tck = os.sysconf("SC_CLK_TCK")
    out = {r.name: [] for r in replicas}

    def sample():
        before = {r.name: cpu_ticks_by_group(r.server.pid) for r in replicas}
        step = 1
        while step * SWAP_STEP_S <= SWAP_WATCH_S:
            time.sleep(max(0.0, t0 + step * SWAP_STEP_S - time.time()))
            for r in replicas:
                now, was = cpu_ticks_by_group(r.server.pid), before[r.name]
                if now is not None and was is not None:
                    out[r.name].append([round(step * SWAP_STEP_S, 1)]
                                       + [round(1000 * (now[g] - was[g]) / tck) for g in now])
                before[r.name] = now
            step += 1

    t = threading.Thread(target=sample, daemon=True)
    t.start()

    def result():
        t.join(timeout=SWAP_WATCH_S + 10)
        return out
    return result


# The kill phase's restarted replica: its CPU by thread group per RESTART_STEP_S from the moment it
# is started again to the phase's end ("gone": threads that ended between two samples, e.g. the
# warm-up rounds' throwaway servers; the process's own total minus its live threads').
RESTART_STEP_S = 1.0
RESTART_GROUPS = [("jit", "CompilerThre"), ("gc", "VM Thread"), ("check", "jrego-check-"),
                  ("grpc-io", "jrego-grpc-io"), ("warm-up", "jrego-warm")]


def restart_ticks(pid):
    """(ticks by RESTART_GROUPS, "other" and "gone") of a live process, or None once it is gone."""
    threads = R.thread_ticks(pid)
    total = proc_cpu_s(pid)
    if threads is None or total is None:
        return None
    out = dict.fromkeys([g for g, _ in RESTART_GROUPS] + ["other", "gone"], 0)
    for comm, ticks in threads:
        out[next((g for g, prefix in RESTART_GROUPS if prefix in comm), "other")] += ticks
    out["gone"] = round(total * os.sysconf("SC_CLK_TCK")) - sum(out.values())
    return out


def watch_restart(until):
    """Starts watching for the next process run.py starts (the restarted replica) and samples its CPU
    by thread group every RESTART_STEP_S until `until` (seconds since the epoch); returns a function
    that waits for the sampler and gives [[seconds since its start, ms by group...]] with the
    groups' names first."""
    tck = os.sysconf("SC_CLK_TCK")
    end = until if callable(until) else (lambda: until)
    known = len(R.children)
    names = [g for g, _ in RESTART_GROUPS] + ["other", "gone"]
    out = [names]

    def sample():
        while len(R.children) == known and time.time() < end():
            time.sleep(0.01)
        if len(R.children) == known:
            return
        pid, t0 = R.children[-1].pid, time.time()
        was = dict.fromkeys(names, 0)
        step = 1
        while t0 + step * RESTART_STEP_S <= end():
            time.sleep(max(0.0, t0 + step * RESTART_STEP_S - time.time()))
            now = restart_ticks(pid)
            if now is None:
                return
            out.append([round(step * RESTART_STEP_S, 1)] + [round(1000 * (now[g] - was[g]) / tck) for g in names])
            was = now
            step += 1

    t = threading.Thread(target=sample, daemon=True)
    t.start()

    def result():
        t.join(timeout=max(0.0, end() - time.time()) + 10)
        return out
    return result


# The kill phase's rejoin, per REJOIN_STEP_S from the phase's start: what Envoy's admin /clusters says of
# each jrego host (calls sent to it: ext_authz Checks and ext_proc streams; whether its active health
# check passes) and what the restarted replica's /metrics says of its own Check times (how slow its
# first answers are: jrego_check_duration_seconds's histogram, the bucket the 99th percentile falls in).
REJOIN_STEP_S = 1.0
KILL_AFTER_READY_S = 20

# How the restarted replica of a kill phase differs from the replicas' start (--kill-variant: one
# item per kill phase in order, repeated; items combine with "+", e.g. pin+jit-nice=19). Session
# 23: its C2 wave (300-800 ms of CPU a second for the phase's last 20 s) ran on the two CPUs that
# replica B and Envoy, the legitimate requests' path while A is out, also use.
#   base        as the replicas were started;
#   jit-nice=N  its JIT compiler threads at nice N (0-19): HotSpot's -XX:ThreadPriorityPolicy=1
#               with -XX:CompilerThreadPriority=N, which the JVM hands to setpriority(2) as it starts
#               each compiler thread. Any user may raise a thread's nice value (the JVM still warns
#               that policy 1 "may require" root); run as root, policy 1 would also map the JVM's
#               VM thread, reference handler and signal dispatcher (Java priorities 8-10) to nice
#               -3 to -5, so every Java priority is mapped to 0 (-XX:JavaPriorityK_To_OSPriority=0):
#               only the compilers change. The details give the nice values the threads had;
#   pin         from the kill to the phase's end the restarted replica runs on the first CPU this
#               script may use and every other process of the run (replica B, Envoy, FaultLoad, the
#               upstream) on the others, so the compile wave takes no CPU from B's and Envoy's
#               requests; at the phase's end all of them get every CPU again. The restarted JVM is
#               told it has as many CPUs as before (-XX:ActiveProcessorCount, JREGO_JIT=c2): pinned
#               to one, the launcher would run it with C1 alone and size its pools for one;
#   aggression=A  not the replica but Envoy: the jrego cluster's slow start aggression for this
#               kill's restarted replica (weight = max(min weight, (t / window)^(1/A)); under 1 a
#               slower first ramp), set through Envoy's runtime (AGGRESSION_KEY) at the phase's
#               start and left until the next kill phase sets its own, so it covers the whole ramp;
#               a kill without it in such a run has the run's (--slow-start-aggression, else the shipped 0.25).
#   jvm=NAME    extra JVM flags for the restarted replica: the set --kill-jvm NAME=FLAGS names, after
#               the launcher's own (JREGO_JAVA_OPTS), so a flag there overrides the launcher's (e.g.
#               -XX:-AOTCompileEagerly); the details give the flags.
KILL_VARIANTS = ("base", "jit-nice=N", "pin", "aggression=A", "jvm=NAME")
# The CPUs this script may use, which `pin` gives every process back at the phase's end.
ALL_CPUS = sorted(os.sched_getaffinity(0))


def jit_nice_flags(nice):
    """The JVM flags that start its JIT compiler threads at nice `nice` and leave every other
    thread at the process's own (see KILL_VARIANTS)."""
    return ["-XX:ThreadPriorityPolicy=1", *(f"-XX:JavaPriority{k}_To_OSPriority=0" for k in range(1, 11)),
            f"-XX:CompilerThreadPriority={nice}"]


def kill_variant(text):
    """One --kill-variant item parsed: {"name", "jit_nice": N or None, "pin": [cpu] or None,
    "others": [cpus], "aggression": A or None, "jvm": NAME or None}; ValueError for anything else
    (a jvm=NAME's set is looked up in --kill-jvm once the arguments are read)."""
    out = {"name": text, "jit_nice": None, "pin": None, "others": None, "aggression": None, "jvm": None}
    for part in text.split("+"):
        if part == "base":
            continue
        if part.startswith("jit-nice="):
            n = part.partition("=")[2]
            if not n.isdigit() or not 0 <= int(n) <= 19:
                raise ValueError(f"{part}: the nice value must be 0-19")
            out["jit_nice"] = int(n)
        elif part == "pin":
            cpus = sorted(os.sched_getaffinity(0))
            if len(cpus) < 2:
                raise ValueError("pin needs at least two CPUs")
            out["pin"], out["others"] = cpus[:1], cpus[1:]
        elif part.startswith("aggression="):
            try:
                a = float(part.partition("=")[2])
            except ValueError:
                a = float("nan")
            if not 0.05 <= a <= 10:  # also refuses nan
                raise ValueError(f"{part}: the aggression must be a number from 0.05 to 10")
            out["aggression"] = a
        elif part.startswith("jvm="):
            name = part.partition("=")[2]
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise ValueError(f"{part}: name a flag set given with --kill-jvm NAME=FLAGS")
            out["jvm"] = name
        else:
            raise ValueError(f"{part}: not one of {', '.join(KILL_VARIANTS)}")
    return out


def kill_variants(text):
    """--kill-variant's list (argparse type)."""
    try:
        return [kill_variant(v) for v in text.split(",")]
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def set_affinity(pid, cpus):
    """Every live thread of a process on `cpus` (the threads it starts later inherit it from the one
    that starts them); returns how many threads were moved (0 once the process is gone)."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    moved = 0
    for tid in tids:
        try:
            os.sched_setaffinity(int(tid), cpus)
            moved += 1
        except OSError:
            pass  # the thread ended meanwhile
    return moved


def thread_settings(pid):
    """The nice values and CPUs of a live process's threads, compiler threads apart:
    {"compiler threads": {"nice": [...], "threads": n, "cpus": [...]}, "other threads": {...}}."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            cpus = sorted(os.sched_getaffinity(int(tid)))
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        nice = int(stat[stat.rindex(")") + 2:].split()[16])
        g = out.setdefault("compiler threads" if "CompilerThre" in name else "other threads",
                           {"nice": [], "threads": 0, "cpus": []})
        g["threads"] += 1
        g["nice"] = sorted(set(g["nice"]) | {nice})
        g["cpus"] = sorted(set(g["cpus"]) | set(cpus))
    return out
REJOIN_POLL_S = 0.1
DURATION_BUCKET = re.compile(r'^jrego_check_duration_seconds_bucket\{(?=[^}]*service="([^"]+)")(?=[^}]*phase="([^"]+)")'
                             r'[^}]*le="([^"]+)"[^}]*\} (\S+)$')
# What a replica's jrego_check_duration_seconds is split into here: ext_authz's Check, and ext_proc's
# request and response phases together (each phase of a stream its own observation).
DURATION_KINDS = {("ext_authz", "check"): "check", ("ext_proc", "request"): "ext_proc",
                  ("ext_proc", "response"): "ext_proc"}


def envoy_hosts(admin):
    """{port: (rq_total, healthy)} of the jrego cluster's hosts from Envoy's /clusters, {} if it
    does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{admin}/clusters?format=json", timeout=1) as r:
            doc = json.loads(r.read())
    except (OSError, ValueError):
        return {}
    out = {}
    for c in doc.get("cluster_statuses", []):
        if c.get("name") != "jrego":
            continue
        for h in c.get("host_statuses", []):
            port = h.get("address", {}).get("socket_address", {}).get("port_value")
            stats = {s.get("name"): int(s.get("value", 0)) for s in h.get("stats", []) if "value" in s}
            health = h.get("health_status", {})
            healthy = not any(v is True for k, v in health.items() if k != "eds_health_status")
            out[port] = (stats.get("rq_total", 0), healthy)
    return out


def duration_histograms(replica):
    """{"check": [(upper bound s, cumulative count)], "ext_proc": [...]} of a replica's own times
    (DURATION_KINDS), {} if it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{replica.admin}/metrics", timeout=1) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        m = DURATION_BUCKET.match(line)
        if m and (m.group(1), m.group(2)) in DURATION_KINDS:
            le = float("inf") if m.group(3) == "+Inf" else float(m.group(3))
            h = out.setdefault(DURATION_KINDS[(m.group(1), m.group(2))], {})
            h[le] = h.get(le, 0.0) + float(m.group(4))
    return {k: sorted(h.items()) for k, h in out.items()}


def bucket_quantile(now, was, q=0.99):
    """The upper bound (ms) of the bucket the q-th quantile of the calls between two histogram
    samples falls in, and how many calls there were; (None, 0) without any."""
    was = dict(was)
    counts = [(le, c - was.get(le, 0)) for le, c in now]
    total = counts[-1][1] if counts else 0
    if total <= 0:
        return None, 0
    for le, c in counts:
        if c >= q * total:
            return (round(le * 1000, 1) if le != float("inf") else None), int(total)
    return None, int(total)


def watch_rejoin(replicas, admin, t0, until):
    """Samples the kill phase from `t0` to `until` (seconds since the epoch) on a thread: every
    REJOIN_POLL_S whether replica A answers /ready and whether Envoy's health check holds it
    healthy (the first time each is seen after A is down), every REJOIN_STEP_S the calls Envoy sent
    each replica and each replica's own time histograms. Returns a function that waits for the
    thread and gives {"ready_s", "envoy_healthy_s", "down_s", "steps": [[s, calls to A, calls to
    B, A's Check p99 bucket ms, A's Checks, A's ext_proc phase p99 bucket ms, its phases, B's Check
    p99, its Checks, B's ext_proc p99, its phases]]} (seconds from `t0`; whether the slow seconds
    are the restarted replica's answers or the other's)."""
    a, b = replicas
    end = until if callable(until) else (lambda: until)
    out = {"down_s": None, "ready_s": None, "envoy_healthy_s": None, "steps": []}

    def sample():
        hosts0 = envoy_hosts(admin)
        was = {p: v[0] for p, v in hosts0.items()}
        kinds = [(a, "check"), (a, "ext_proc"), (b, "check"), (b, "ext_proc")]
        hist_was = {(r.name, k): duration_histograms(r).get(k, []) for r, k in kinds}
        next_step = t0 + REJOIN_STEP_S
        while time.time() < end():
            now = time.time()
            hosts = envoy_hosts(admin)
            healthy = hosts.get(a.port, (0, True))[1]
            if out["down_s"] is None and not healthy:
                out["down_s"] = round(now - t0, 2)
            if out["down_s"] is not None and out["envoy_healthy_s"] is None and healthy:
                out["envoy_healthy_s"] = round(now - t0, 2)
            if out["down_s"] is not None and out["ready_s"] is None and a.ready().get("status") == "ready":
                out["ready_s"] = round(now - t0, 2)
            if now >= next_step:
                step = [round(next_step - t0), *(hosts.get(r.port, (was.get(r.port, 0),))[0] - was.get(r.port, 0)
                                                  for r in (a, b))]
                now_h = {r.name: duration_histograms(r) for r in (a, b)}
                for r, k in kinds:
                    hist, before = now_h[r.name].get(k, []), hist_was[(r.name, k)]
                    if hist and before and hist[-1][1] < before[-1][1]:
                        before = []  # the restarted process counts from 0
                    step += list(bucket_quantile(hist, before) if hist else (None, 0))
                    hist_was[(r.name, k)] = hist or before
                was = {p: v[0] for p, v in hosts.items()} or was
                out["steps"].append(step)
                next_step += REJOIN_STEP_S
            time.sleep(REJOIN_POLL_S)

    t = threading.Thread(target=sample, daemon=True)
    t.start()

    def result():
        t.join(timeout=max(0.0, end() - time.time()) + 10)
        return out
    return result


def warm_up_log_lines(replica):
    """What the replica's current process logged of its warm-up before SERVING."""
    try:
        with open(replica.server.log_path, errors="replace") as f:
            return [l.strip()[:240] for l in f if "warmed up with" in l]
    except OSError:
        return []


def swap_log_lines(replica, since):
    """The replica's log lines about warming and activating a bundle, from byte offset `since`."""
    try:
        with open(replica.server.log_path, errors="replace") as f:
            f.seek(since)
            return [l.strip()[:300] for l in f if SWAP_LOG.search(l)]
    except OSError:
        return []


def log_size(replica):
    try:
        return os.path.getsize(replica.server.log_path)
    except OSError:
        return 0


# A recording of replica A from the first phase to the last (--jfr): CPU samples every 10 ms,
# allocation samples, GC, JIT compilations, thread parks and monitor waits of 10 ms or more, socket
# reads and writes of 10 ms or more. Started with jcmd once the replica is warm: started by a flag,
# the JVM refuses serve's AOT cache (the training run had no jdk.jfr), and it would start colder.
JFR_SETTINGS = ["settings=profile", "jdk.ExecutionSample#period=10ms", "jdk.Compilation#threshold=0ms"]
# --jfr-cpu-split adds what JfrCpuSplit splits the cpu-policy phases' CPU by: each thread sampled by
# its CPU time (jdk.CPUTimeSample, JDK 25, native code included), the pacer's pauses (3 ms and
# more), each thread's CPU every second, and stacks deep enough to see three nested iterations.
JFR_CPU_SPLIT = ["jdk.CPUTimeSample#enabled=true", "jdk.CPUTimeSample#throttle=2ms", "jdk.ThreadPark#threshold=2ms",
                 "jdk.ThreadCPULoad#period=1s"]


def jfr_start(java, replica, cpu_split=False):
    replica.jfr_pid = replica.server.pid
    jcmd = os.path.join(os.path.dirname(java), "jcmd")
    if cpu_split:
        R.run([jcmd, str(replica.server.pid), "JFR.configure", "stackdepth=256"], timeout=60, check=False)
    R.run([jcmd, str(replica.server.pid), "JFR.start", "name=matrix", *JFR_SETTINGS,
           *(JFR_CPU_SPLIT if cpu_split else [])], timeout=60)


def jfr_stop(java, replica, path):
    """Writes replica A's recording to `path`; a replica restarted by a kill phase has none (the
    kill ends it: the recording then covers the phases before it only, and is lost)."""
    if replica.server.pid != replica.jfr_pid:
        R.log(f"replica {replica.name} was restarted: its recording ended with the kill")
        return
    R.run([os.path.join(os.path.dirname(java), "jcmd"), str(replica.server.pid), "JFR.stop", "name=matrix",
           f"filename={os.path.abspath(path)}"], timeout=120)
    R.log(f"flight recording of replica {replica.name}: {path}")


# Every phase: each replica's JIT compiler threads' CPU, sampled every JIT_STEP_S from /proc and
# summed per second of the phase (by the middle of each step), beside the legitimate p99 of the same
# seconds. Session 21: the seconds whose p99 doubled were the seconds a replica's C2 compiler took
# 130-290 ms of CPU in half a second (load-tests/README.md, "Fault matrix", session 21).
JIT_STEP_S = 0.5


def watch_jit(replicas):
    """Starts sampling the replicas' compiler threads; returns a function of (t0, seconds) that
    stops it and gives {replica: [compiler CPU ms in each second from t0]} (a restarted replica
    counted from its new process on)."""
    samples, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            row = {}
            for r in replicas:
                ticks = R.cpu_ticks(r.server.pid) if r.server else None
                row[r.name] = (r.server.pid, ticks[1]) if ticks else None
            samples.append((time.time(), row))
            stop.wait(JIT_STEP_S)

    t = threading.Thread(target=sample, daemon=True)
    t.start()

    def result(t0, seconds):
        stop.set()
        t.join(timeout=5)
        tck = os.sysconf("SC_CLK_TCK")
        n = max(1, int(seconds + 0.999))
        out = {}
        for r in replicas:
            ms = [0] * n
            for (ta, a), (tb, b) in zip(samples, samples[1:]):
                was, now = a.get(r.name), b.get(r.name)
                # a dying process's threads leave /proc one by one: its sum falls, which is no CPU
                if was and now and was[0] == now[0] and now[1] >= was[1]:
                    i = math.floor((ta + tb) / 2 - t0)
                    if 0 <= i < n:
                        ms[i] += round(1000 * (now[1] - was[1]) / tck)
            out[r.name] = ms
        return out
    return result


def jit_in_slow_seconds(p99_by_second, jit_by_replica):
    """The seconds whose legitimate p99 is at least twice the phase's median second, and the
    replicas' compiler CPU (ms, both summed) in those seconds and in the others, or None."""
    p99 = list(p99_by_second or [])
    if not p99 or not jit_by_replica:
        return None
    n = min(len(p99), *(len(v) for v in jit_by_replica.values()))
    if n < 3:
        return None
    med = sorted(p99[:n])[n // 2]
    jit = [sum(v[i] for v in jit_by_replica.values()) for i in range(n)]
    slow = [i for i in range(n) if p99[i] >= 2 * med]
    rest = [i for i in range(n) if p99[i] < 2 * med]
    mean = lambda idx: round(sum(jit[i] for i in idx) / len(idx)) if idx else None  # noqa: E731
    return {"median_p99_ms": med, "slow_seconds": slow, "jit_ms_slow": mean(slow), "jit_ms_rest": mean(rest)}


def run_phase(name, args, java, legit, replicas, bundle_server, plain, envoy_admin, workdir, others):
    """Marks the phase in FaultLoad, makes its fault happen, and returns what was seen besides the
    legitimate traffic (hostile outcomes, Envoy's and jrego's counters, the replicas' bundles, the
    CPU seconds each process used and the replicas' GC pauses). `others`: name -> pid of the
    processes besides the replicas whose CPU is counted."""
    info = {"name": name}
    label, name = name, kind(name)  # "hash#2": the second hash phase of the run
    cls, _, ways = name.partition("@")
    if cls in HOSTILE or name in CPU_POLICY:
        # The hostile client's JVM start and payload building belong to no phase (before this
        # mark they were charged to the phase before: calm's last seconds, for hash), nor do
        # their CPU seconds.
        legit.mark(f"setup-{label}")
        info["hostile_jit"] = jit = hostile_jit(args.hostile_jit, label)
        if cls in HOSTILE:
            p = hostile(java, cls, args.hostile_rate, args.phase_seconds, plain, replicas[0].port, workdir,
                        ways or "both", args.hostile_nice, jit, args.hostile_deadline)
        else:
            p = hostile(java, "cpu", args.cpu_rate, args.phase_seconds, plain, replicas[0].port, workdir,
                        nice=args.hostile_nice, jit=jit, give_up_ms=args.hostile_deadline)
    before = envoy_stats(envoy_admin)
    metrics_before = [r.metrics() for r in replicas]
    pids = {**{f"jrego {r.name}": r.server.pid for r in replicas}, **others}
    cpu_before = {k: proc_cpu_s(pid) for k, pid in pids.items()}
    machine_before = R.cpu_busy("")[0]
    steal_before = steal_s()
    wall0 = time.time()
    t0 = time.time()
    jit_cpu = watch_jit(replicas)
    if cls in HOSTILE:
        legit.mark(label)
        t0 = time.time()
        first_cpu = hostile_cpu_after(p, FIRST_S)
        info["hostile"] = hostile_result(p, args.phase_seconds)
        info["hostile_cpu_first_s"] = first_cpu()
    elif name in CPU_POLICY:
        legit.mark(label)
        t0 = time.time()
        first_cpu = hostile_cpu_after(p, FIRST_S)
        logs_from = {r.name: log_size(r) for r in replicas}
        swap_cpu = watch_swap(replicas, t0)
        bundle_server.mode = CPU_POLICY[name]
        info["swapped_in_s"] = wait_revision(replicas, f"matrix-{CPU_POLICY[name]}") and round(time.time() - t0, 1)
        info["hostile"] = hostile_result(p, args.phase_seconds)
        info["hostile_cpu_first_s"] = first_cpu()
        t1 = time.time()
        bundle_server.mode = "good"
        info["swapped_back_s"] = wait_revision(replicas, "matrix-good") and round(time.time() - t1, 1)
        info["swap_cpu_ms"] = swap_cpu()
        info["swap_log"] = {r.name: swap_log_lines(r, logs_from[r.name]) for r in replicas}
    elif name.startswith("bundle-"):
        legit.mark(label)
        bundle_server.mode = {"bundle-5xx": "500", "bundle-hang": "hang", "bundle-drip": "drip"}[name]
        time.sleep(args.phase_seconds)
        info["ready_during"] = [{k: r.ready().get(k) for k in ("revision", "last_bundle_error_reason",
                                                               "last_bundle_error")} for r in replicas]
        bundle_server.mode = "good"
    elif name == "kill":
        legit.mark(label)
        # the phase lasts --phase-seconds, and at least KILL_AFTER_READY_S after the restarted
        # replica is ready again, so a longer warm-up before ready does not move its rejoin out of it
        end = [t0 + args.phase_seconds]
        rejoin = watch_rejoin(replicas, envoy_admin, t0, lambda: end[0])
        kills = getattr(args, "kills_done", 0)
        args.kills_done = kills + 1
        warm_up = args.kill_warm_up[kills % len(args.kill_warm_up)] if args.kill_warm_up else None
        variant = args.kill_variant[kills % len(args.kill_variant)] if args.kill_variant else None
        info["kill_variant"] = variant["name"] if variant else "base"
        if args.runtime_aggression:  # this kill's ramp: its own aggression, else the run's
            info["slow_start_aggression"] = envoy_runtime(envoy_admin, AGGRESSION_KEY, variant and variant["aggression"]) \
                or (args.slow_start_aggression or SHIPPED_AGGRESSION)
        time.sleep(3)
        a = replicas[0]
        a.kill()
        info["killed_at_s"] = round(time.time() - t0, 1)
        rest = {"jrego B": replicas[1].server.pid, **others}
        if variant and variant["pin"]:  # the rest of the run off the CPU the restarted replica will have
            info["pinned"] = {"jrego A": variant["pin"], **{k: variant["others"] for k in rest},
                              "threads moved": sum(set_affinity(pid, variant["others"]) for pid in rest.values())}
        time.sleep(2)
        restart_cpu = watch_restart(lambda: end[0])
        info["restart_warm_up"] = warm_up or "as the replicas' (serve's default: 500ms)"
        end[0] = time.time() + 180  # until its ready is known (run.py waits at most 120 s for it)
        a.start(warm_up, variant)
        info["restart_to_ready_s"] = round(a.starts[-1], 1)
        info["restart_threads"] = thread_settings(a.server.pid)
        ready_at = time.time()
        if variant and variant.get("jvm_flags"):
            info["restart_jvm_flags"] = variant["jvm_flags"]
        end[0] = max(t0 + args.phase_seconds, time.time() + KILL_AFTER_READY_S)
        time.sleep(max(0.0, end[0] - time.time()))
        if variant and variant["pin"]:  # every CPU again, the restarted replica's too
            for pid in [a.server.pid, *rest.values()]:
                set_affinity(pid, ALL_CPUS)
        info["restart_cpu_ms"] = restart_cpu()
        info["restart_compiles"] = a.compiles(ready_at, time.time())
        info["rejoin"] = rejoin()
        info["rejoin"]["warm_up_log"] = warm_up_log_lines(a)
    else:
        legit.mark(label)
        time.sleep(args.calm_seconds if is_calm(name) and args.calm_seconds else args.phase_seconds)
    # What follows (the replicas' logs parsed, their /metrics and Envoy's scraped, and the next
    # phase's setup) is this script's work on the same cores, not the phase: until the next mark
    # FaultLoad counts it as after-NAME, which no phase is read from. Counted in the phase, those
    # 0.3-0.6 s held the phase's slowest request in calm, number and calm-end of session 23's
    # baseline (83, 208 and 86 ms against per-second p99s of 15-25 ms).
    legit.mark(f"after-{label}")
    info["seconds"] = round(time.time() - t0, 1)
    info["jit_ms_by_second"] = jit_cpu(t0, info["seconds"])
    info["started_at"] = round(t0, 3)  # seconds since the epoch, to line up with GC logs and recordings
    wall1 = time.time()
    # A process restarted during the phase (kill) has no before figure: its CPU is not given.
    info["cpu_s"] = {k: round(proc_cpu_s(pid) - cpu_before[k], 2) for k, pid in pids.items()
                     if k not in ("jrego A", "jrego B") and cpu_before[k] is not None and proc_cpu_s(pid) is not None}
    for r in replicas:
        now, was = proc_cpu_s(r.server.pid), cpu_before[f"jrego {r.name}"]
        if now is not None and was is not None and r.server.pid == pids[f"jrego {r.name}"]:
            info["cpu_s"][f"jrego {r.name}"] = round(now - was, 2)
    info["cpu_wall_s"] = round(wall1 - wall0, 1)
    # Every process's CPU, ours or not: what is left after ours is someone else's (another
    # engineer's build or test on a shared machine), which would make the phase's figures noise.
    machine = (R.cpu_busy("")[0] - machine_before) / os.sysconf("SC_CLK_TCK")
    if info.get("hostile", {}).get("cpu_s") is not None:
        info["cpu_s"]["hostile client"] = info["hostile"]["cpu_s"]
    info["machine_cpu_s"] = round(machine, 2)
    # /proc/stat counts steal as busy: it is kept apart from the rest of the machine
    info["steal_s"] = round(steal_s() - steal_before, 2)
    info["cpu_s"]["rest of machine"] = round(machine - info["steal_s"] - sum(info["cpu_s"].values()), 2)
    info["gc"] = {r.name: r.gc_pauses(wall0, wall1, t0) for r in replicas}
    info["rss_mib"] = {r.name: proc_rss_mib(r.server.pid) for r in replicas}
    info["code_cache_mib"] = {r.name: r.code_cache_mib() for r in replicas}
    deopts = {r.name: r.deopts_per_second(t0, wall1 - t0) for r in replicas}
    if any(v is not None for v in deopts.values()):
        info["deopts_by_second"] = deopts
        info["first_traps"] = {r.name: r.traps(t0, FIRST_S) for r in replicas}
    info["envoy"] = delta(envoy_stats(envoy_admin), before)
    info["jrego"] = [delta(r.metrics(), m) for r, m in zip(replicas, metrics_before)]
    R.log(f"{label}: {json.dumps({k: v for k, v in info.items() if k != 'hostile'})}")
    return info


def verdict(phase, calm, min_success, max_p99_ratio):
    """(met, p99 ratio against calm) for one phase's legitimate traffic."""
    ratio = phase["p99_ms"] / calm["p99_ms"] if calm and calm["p99_ms"] > 0 else float("nan")
    met = phase["requests"] > 0 and phase["success"] >= min_success and ratio <= max_p99_ratio
    return met, ratio


def summarise(legit_rows, infos, min_success=0.99, max_p99_ratio=2.0):
    """Joins FaultLoad's per-phase lines with what each phase did; the calm phase is the first
    one named calm, and a phase with calm phases before and after it is judged against the stricter
    of those two. Returns rows in phase order."""
    by_name = {r["phase"]: r for r in legit_rows if "phase" in r}
    calm = by_name.get("calm")
    rows = []
    for info in infos:
        legit = by_name.get(info["name"])
        if legit is None:
            continue
        # a policy slow for everyone: its ratio is the policy's cost, so only success is held
        met, ratio = verdict(legit, calm, min_success,
                             float("inf") if kind(info["name"]) in SLOW_FOR_ALL else max_p99_ratio)
        after = by_name.get(f"after-{info['name']}")
        after = {k: after[k] for k in ("requests", "seconds", "p99_ms", "max_ms")} if after else None
        rows.append({**info, "legit": legit, "after": after, "p99_ratio": ratio, "met": met,
                     **first_seconds(legit, info)})
    for i, row in enumerate(rows):
        if is_calm(row["name"]):
            continue
        # the calm phases beside it: the machine's speed moves within a run (see the README, "Why
        # calm moves"), so each phase is read against the calm just before and just after it
        before = next((r for r in reversed(rows[:i]) if is_calm(r["name"])), None)
        after = next((r for r in rows[i + 1:] if is_calm(r["name"])), None)
        for key, c in (("before", before), ("after", after)):
            if c is not None and c["legit"]["p99_ms"] > 0:
                row[f"calm_{key}"] = c["name"]
                row[f"p99_vs_{key}"] = row["legit"]["p99_ms"] / c["legit"]["p99_ms"]
        # the verdict against the stricter of the two: a first calm taken while the JIT still
        # compiled is slower than the later ones (session 18: 32.6 ms against 13.3 and 18.8), and
        # against it alone hash and number were "met" at 1.45x and 0.99x but 3.56x and 2.41x
        # against the calm after them
        beside = [(row[f"p99_vs_{k}"], row[f"calm_{k}"]) for k in ("before", "after") if f"p99_vs_{k}" in row]
        if beside:
            row["p99_ratio"], row["p99_ratio_calm"] = max(beside)
            slow = kind(row["name"]) in SLOW_FOR_ALL
            row["met"] = row["legit"]["requests"] > 0 and row["legit"]["success"] >= min_success \
                and (slow or row["p99_ratio"] <= max_p99_ratio)
    return rows


def calm_spread(rows, meta):
    """A sentence on how the calm phases' p99 differ when the warm-up ended with the JIT still
    compiling, or "" (one calm, or the JIT settled)."""
    calms = [r for r in rows if is_calm(r["name"])]
    if len(calms) < 2 or meta.get("settled"):
        return ""
    share = (meta.get("warm_up_windows") or [[0, 0, 0]])[-1][2]
    first, later = calms[0]["legit"]["p99_ms"], [r["legit"]["p99_ms"] for r in calms[1:]]
    return (f" The first calm began with the JIT still taking {share}% of the replicas' CPU: its p99 "
            f"{first:.1f} ms against {', '.join(f'{v:.1f}' for v in later)} ms for the later calms "
            f"({first / min(later):.2f}x the lowest), so each phase is held to the stricter of the calms "
            f"beside it (the p99 / calm column names which).")


# A phase's first seconds: where its trouble has been since session 8 (the first hostile requests
# of a class set off deoptimisations on the replicas), read apart from the rest of the phase.
FIRST_S = 3


def first_seconds(legit, info):
    """The worst per-second p99 of the phase's first FIRST_S seconds, the median per-second p99 of
    the rest, and each replica's deoptimisations in the first FIRST_S seconds (--jit-log)."""
    by_second = legit.get("p99_ms_by_second") or []
    rest = sorted(by_second[FIRST_S:])
    out = {"first_worst_ms": max(by_second[:FIRST_S], default=None),
           "rest_median_ms": rest[len(rest) // 2] if rest else None}
    deopts = info.get("deopts_by_second") or {}
    if deopts:
        out["first_deopts"] = {k: sum(d[:FIRST_S]) if d is not None else None for k, d in deopts.items()}
    return out


def beside_calms(rows, max_p99_ratio=2.0):
    """The report's table of each phase against the calm phases beside it, and one line per phase
    kind with the worst of its rounds; [] when no phase has a calm on both sides."""
    phases = [r for r in rows if not is_calm(r["name"]) and kind(r["name"]) not in SLOW_FOR_ALL]
    if not any("calm_before" in r and "calm_after" in r for r in phases):
        return []

    def ratio(r, key):
        return f"{r[f'p99_vs_{key}']:.2f}x ({r[f'calm_{key}']})" if f"p99_vs_{key}" in r else "-"

    def ms(v):
        return "-" if v is None else f"{v:.1f}"
    lines = ["## Each phase against the calm phases beside it", "",
             "The machine's speed moves within a run, so each phase's p99 is read against the calm just "
             "before and just after it (load-tests/README.md, \"Fault matrix\": \"Reading repeated rounds\"). "
             f"First {FIRST_S} s: the worst per-second p99 of the phase's first {FIRST_S} seconds (by due time), "
             "the median per-second p99 of the rest, and each replica's deoptimisations in those seconds "
             "(--jit-log; A is the replica the hostile gRPC client also connects to).", "",
             "| phase | success | p99 ms | / calm before | / calm after | worst of the two | "
             f"first {FIRST_S} s worst ms | median after ms | deopts first {FIRST_S} s, A / B |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if is_calm(r["name"]):
            lines.append(f"| {r['name']} | {100 * r['legit']['success']:.2f}% | {r['legit']['p99_ms']:.1f} | | | | "
                         f"{ms(r.get('first_worst_ms'))} | {ms(r.get('rest_median_ms'))} | "
                         + " / ".join(str(v) for v in (r.get("first_deopts") or {}).values()) + " |")
            continue
        if r not in phases:
            continue
        worst = max([r[k] for k in ("p99_vs_before", "p99_vs_after") if k in r], default=None)
        lines.append(f"| {r['name']} | {100 * r['legit']['success']:.2f}% | {r['legit']['p99_ms']:.1f} | "
                     f"{ratio(r, 'before')} | {ratio(r, 'after')} | "
                     + ("-" if worst is None else f"**{worst:.2f}x**" if worst > max_p99_ratio else f"{worst:.2f}x")
                     + f" | {ms(r.get('first_worst_ms'))} | {ms(r.get('rest_median_ms'))} | "
                     + " / ".join(str(v) for v in (r.get("first_deopts") or {}).values()) + " |")
    lines += ["", "Per phase over its rounds (ratios to the calm before and after each round; the target is "
              f"success >= 99% and p99 within {max_p99_ratio:.0f}x):", ""]
    for k in dict.fromkeys(kind(r["name"]) for r in phases):
        rounds = [r for r in phases if kind(r["name"]) == k]
        ratios = [r[key] for r in rounds for key in ("p99_vs_before", "p99_vs_after") if key in r]
        within = sum(v <= max_p99_ratio for v in ratios)
        success = min(r["legit"]["success"] for r in rounds)
        lines.append(f"- {k}: {len(rounds)} round{'s' if len(rounds) > 1 else ''}, lowest success "
                     f"{100 * success:.2f}%, p99 against the calm beside it "
                     + ", ".join(f"{v:.2f}x" for v in ratios)
                     + (f"; worst {max(ratios):.2f}x, {within} of {len(ratios)} within {max_p99_ratio:.0f}x"
                        if ratios else ""))
    return lines + [""]


def kill_seconds(row):
    """A kill phase's per-second legitimate p99 split at the kill and at the restarted replica's
    /ready, with the restarted replica's compiler CPU after ready: {"before", "down", "after":
    [p99 ms of each second], "jit_after": [ms]}, or None. A second is counted in the stretch it
    wholly falls in (by due time); the seconds the kill or the ready falls in are left out."""
    by_second = row["legit"].get("p99_ms_by_second") or []
    killed, ready = row.get("killed_at_s"), (row.get("rejoin") or {}).get("ready_s")
    if not by_second or killed is None or ready is None:
        return None
    k0, k1, r1 = math.floor(killed), math.ceil(killed), math.ceil(ready)
    jit = (row.get("jit_ms_by_second") or {}).get("A") or []
    steps = [st for st in (row.get("rejoin") or {}).get("steps", []) if st[0] > r1]
    calls = [sum(st[1] for st in steps), sum(st[2] for st in steps)]
    return {"before": by_second[:k0], "down": by_second[k1:math.floor(ready)], "after": by_second[r1:],
            "jit_after": jit[r1:], "share_after": calls[0] / sum(calls) if sum(calls) else None}


def compiles_cell(c):
    """A kill's restarted replica's compile tasks (Replica.compiles) as "C1 / C2; C1 / C2; ...", or -."""
    return "; ".join(f"{v['C1']} / {v['C2']}" for v in c.values()) if c else "-"


def kill_table(rows):
    """The kill phases side by side (--kill-variant): each one's per-second p99 before the kill,
    while replica A was down (B alone) and after A's ready, and A's compiler CPU after ready; []
    without a kill phase."""
    kills = [r for r in rows if kind(r["name"]) == "kill" and kill_seconds(r)]
    if not kills:
        return []

    def med(v):
        v = sorted(v)
        return f"{v[len(v) // 2]:.1f}" if v else "-"
    lines = ["## The kill phases side by side", "",
             "Per-second p99 (ms, by due time) in three stretches of each kill phase: before the kill, from "
             "the kill to the restarted replica's /ready (replica B carries every request), and from then "
             "to the phase's end (A back, under Envoy's slow start, its JIT compiling); the median second "
             "and the worst, and the restarted replica's compiler threads' CPU in the seconds after ready "
             "(mean and most, ms per second), and A's share of the calls Envoy sent the two replicas "
             "(ext_authz Checks and ext_proc streams) after ready. Variant: see --kill-variant.", "",
             "| phase | variant | p99 ms | ready s | before: median | down: median / worst | after: median / worst "
             "| A's JIT after ready, mean / most ms/s | A's share of calls after ready "
             "| A's compiler threads: nice, CPUs | A's compiles (C1 / C2): before ready; first 10 s; rest |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in kills:
        k = kill_seconds(r)
        jit = k["jit_after"]
        comp = (r.get("restart_threads") or {}).get("compiler threads") or {}
        lines.append(f"| {r['name']} | {r.get('kill_variant', 'base')} | {r['legit']['p99_ms']:.1f} | "
                     f"{r['rejoin']['ready_s']} | {med(k['before'])} | {med(k['down'])} / "
                     f"{max(k['down'], default=0):.1f} | {med(k['after'])} / {max(k['after'], default=0):.1f} | "
                     + (f"{sum(jit) / len(jit):.0f} / {max(jit)}" if jit else "-") + " | "
                     + (f"{100 * k['share_after']:.1f}%" if k["share_after"] is not None else "-") + " | "
                     + (f"{'/'.join(map(str, comp['nice']))}, {','.join(map(str, comp['cpus']))}" if comp else "-")
                     + " | " + compiles_cell(r.get("restart_compiles")) + " |")
    return lines + [""]


def hostile_cell(h):
    if not h:
        return ""
    parts = []
    for label, counts in sorted(h.get("outcomes", {}).items()):
        parts.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return (f"{h.get('sent', 0)} sent ({h.get('skipped', 0)} not sent: 500 outstanding), p50 "
            f"{h.get('p50_ms', 0):.1f} ms, p99 {h.get('p99_ms', 0):.1f} ms; " + "; ".join(parts)
            + ("; slowest call of each: " + ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(h["max_ms_by_label"].items()))
               if h.get("max_ms_by_label") else "")
            + (f"; the client's own lag: latest send {h['send_late_max_ms']:.0f} ms after its due time, "
               f"{h['sends_late_100ms']} sends over 100 ms late" if "send_late_max_ms" in h else ""))


def upstream_us_per_request(row):
    """The upstream's CPU microseconds per legitimate request in a phase, or None."""
    up, n = row.get("cpu_s", {}).get("upstream"), row["legit"]["requests"]
    return 1e6 * up / n if up is not None and n else None


# How far the calm phases' upstream cost may differ before the run is called uneven, and how much
# CPU from outside the run (or steal) a calm phase may see before it is called disturbed.
GAUGE_SPREAD = 0.2
OUTSIDE_CPU_S = 1.0


def machine_check(rows):
    """One line on whether the calm phases ran on an undisturbed machine of one speed: the p99
    ratios mean little otherwise (load-tests/README.md, "Why calm moves")."""
    calms = [r for r in rows if is_calm(r["name"])]
    notes = []
    for r in calms:
        outside = r.get("cpu_s", {}).get("rest of machine", 0) + r.get("steal_s", 0)
        if outside > OUTSIDE_CPU_S:
            notes.append(f"{r['name']} disturbed: {outside:.1f} CPU-s from outside the run or stolen")
    gauges = {r["name"]: upstream_us_per_request(r) for r in calms}
    if None not in gauges.values() and len(gauges) >= 2:
        lo, hi = min(gauges.values()), max(gauges.values())
        if hi > lo * (1 + GAUGE_SPREAD):
            notes.append("the machine's speed changed between the calm phases (upstream "
                         + ", ".join(f"{n} {g:.0f}" for n, g in gauges.items()) + " µs/request)")
    if not notes:
        return ("Machine check: calm phases undisturbed (under "
                f"{OUTSIDE_CPU_S:.0f} CPU-s from outside or stolen)"
                + (f", upstream cost within {100 * GAUGE_SPREAD:.0f}% across the calm phases ("
                   + ", ".join(f"{n} {g:.0f}" for n, g in gauges.items()) + " µs/request)."
                   if len(gauges) >= 2 and None not in gauges.values() else "."))
    return "Machine check: **" + "; ".join(notes) + "**: read the ratios with that in mind."


def report(rows, meta, out_md):
    calm = next((r for r in rows if r["name"] == "calm"), None)
    lines = [f"# Fault matrix, {meta['date']} UTC", "",
             f"`python3 load-tests/fault_matrix.py {shlex.join(meta['argv'])}` on {meta['machine']}; {meta['java']}; "
             f"Envoy {meta['envoy']}. Legitimate traffic: the ai-gateway mix (`FaultLoad.mix()`: chat 2 KB allowed, "
             f"chat with an internal model as the orchestrator, embeddings, `GET /v1/models`, a denied internal "
             f"model, a prompt injection answered 400) at {meta['rate']}/s open loop through Envoy's mTLS listener "
             f"(ext_authz + ext_proc) to a small upstream; success = the answer the request must get (for a "
             f"denial: the policy's status with `x-jrego-decision: deny`, so Envoy failing closed does not "
             f"count). Hostile clients: {meta['hostile_rate']}/s through Envoy's plaintext listener **and** "
             f"{meta['hostile_rate']}/s straight to replica A's gRPC port ({meta['cpu_rate']}/s each in "
             f"cpu-policy and cpu-policy-all), the hostile client "
             + (f"at nice {meta['hostile_nice']} (it shares the cores with what it attacks; a real attacker's "
                f"client would not)" if meta.get("hostile_nice") else "at the same priority as the rest")
             + f", its JIT {HOSTILE_JIT_MODES.get(meta.get('hostile_jit'), 'full (C1 then C2)')}"
             + f". Two jrego replicas behind Envoy (health check, outlier detection, ext_authz retry "
             f"to the other replica; see load-tests/README.md, \"Fault matrix\"). Phases of "
             f"{meta['phase_seconds']:.0f} s"
             + (f" (calm phases {meta['calm_seconds']:.0f} s)" if meta.get("calm_seconds") else "")
             + f" after {meta['warm_up']:.0f} s of warm-up ("
             + ("the replicas' JIT had settled" if meta.get("settled")
                else f"**the replicas' JIT had not settled** (over {100 * SETTLE_JIT_SHARE:.0f}% of their CPU)")
             + f"; in its {SETTLE_WINDOW_S} s windows jrego's CPU per legitimate request, µs, and the JIT's share: "
             + ", ".join(f"{w[1]} ({w[2]}%)" for w in meta.get("warm_up_windows", [])) + ")."
             + (f" Replicas run with `{' '.join(meta['jrego_args'])}`." if meta.get("jrego_args") else "")
             + (f" Extra JVM flags (`JREGO_JAVA_OPTS`): `{meta['java_opts']}`." if meta.get("java_opts") else "")
             + (f" Collector (`JREGO_GC`): `{meta['gc']}`." if meta.get("gc") else "")
             + f" Envoy's slow start on the jrego cluster (window, min weight, aggression): "
             f"{meta.get('slow_start', 'as in envoy.yaml')}."
             + f" Retry back-off max_interval, also each try's timeout: {meta.get('retry_max_interval', '0.05s')}."
             + (" Machine speed (SHA-256 on one core, best of 5) before the servers started and after they stopped: "
                f"{meta['sha256_mb_s'][0]} and {meta['sha256_mb_s'][1]} MB/s." if meta.get("sha256_mb_s") else ""), "",
             "Target: >= 99% success and p99 within 2x of the calm phase; a phase with calm phases on both "
             "sides is held to the stricter of the two, whose name is given (cpu-policy-all: success only, see "
             "load-tests/README.md, \"Two cpu-policy phases\")." + calm_spread(rows, meta), "",
             "| phase | what | legit requests | success | p50 ms | p99 ms | p99 / calm | target |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        l = r["legit"]
        lines.append(f"| {r['name']} | {WHAT.get(kind(r['name']), '')} | {l['requests']} | {100 * l['success']:.2f}% | "
                     f"{l['p50_ms']:.1f} | {l['p99_ms']:.1f} | {r['p99_ratio']:.2f}x"
                     f"{' (' + r['p99_ratio_calm'] + ')' if r.get('p99_ratio_calm') else ''} | "
                     f"{'met' if r['met'] else '**not met**'}"
                     f"{' (success only: a policy slow for everyone)' if kind(r['name']) in SLOW_FOR_ALL else ''} |")
    names = ["jrego A", "jrego B", "Envoy", "FaultLoad", "upstream", "hostile client", "rest of machine"]
    lines += ["", "CPU seconds each process used during the phase (from /proc/PID/stat; the hostile client's from "
              "its own rusage, after its payloads were built; rest of machine: all CPUs' busy time in /proc/stat less "
              "those and less steal, i.e. this script, the kernel's loopback networking and any process not started "
              "here; steal: time the hypervisor ran someone else on this machine's CPUs), the upstream's CPU per "
              "legitimate request (the same small work in every run: a gauge of how fast the machine runs, see "
              "load-tests/README.md, \"Why calm moves\") and the replicas' GC pauses (-Xlog:gc):", "",
              "| phase | s | " + " | ".join(names) + " | steal | upstream µs/request | GC A: pauses, total, longest | GC B "
              "| code cache used A / B, MiB |",
              "|---|---:|" + "---:|" * (len(names) + 2) + "---|---|---|"]
    for r in rows:
        cpu, gc = r.get("cpu_s", {}), r.get("gc", {})
        cells = [f"{cpu[n]:.2f}" if n in cpu else "" for n in names]
        cells.append(f"{r['steal_s']:.2f}" if "steal_s" in r else "")
        gauge = upstream_us_per_request(r)
        cells.append(f"{gauge:.0f}" if gauge is not None else "")
        gcs = [f"{g['pauses']}, {g['total_ms']:.0f} ms, {g['max_ms']:.1f} ms" for g in (gc.get("A"), gc.get("B")) if g]
        code = [f"{v[0]:.1f}" if v else "?" for v in (r.get("code_cache_mib") or {}).values()]
        lines.append(f"| {r['name']} | {r.get('cpu_wall_s', 0):.0f} | " + " | ".join(cells) + " | "
                     + " | ".join(gcs or ["", ""]) + " | " + " / ".join(code) + " |")
    lines += ["", machine_check(rows), ""] + beside_calms(rows) + kill_table(rows)
    lines += ["", "## Per phase", ""]
    for r in rows:
        l = r["legit"]
        lines.append(f"### {r['name']}")
        lines.append("")
        lines.append(f"- legitimate: {l['requests']} requests, {l['ok']} as expected, failures "
                     f"{json.dumps(l['failures']) if l['failures'] else 'none'}; max {l['max_ms']:.0f} ms")
        a = r.get("after")
        if a:
            lines.append(f"- after the phase, while this script read the logs and counters (not counted in it): "
                         f"{a['requests']} requests in {a['seconds']} s, p99 {a['p99_ms']:.1f} ms, max {a['max_ms']:.0f} ms")
        if r.get("hostile"):
            lines.append(f"- hostile: {hostile_cell(r['hostile'])}")
            lines.append(f"- hostile client: JIT {HOSTILE_JIT_NAMES.get(r.get('hostile_jit'), 'full (C2)')}; CPU "
                         f"seconds in the phase's first {FIRST_S} s: {r.get('hostile_cpu_first_s')}")
        for key in ("swapped_in_s", "swapped_back_s", "kill_variant", "slow_start_aggression", "killed_at_s",
                    "pinned", "restart_warm_up",
                    "restart_to_ready_s", "restart_threads", "restart_jvm_flags", "restart_compiles",
                    "ready_during"):
            if key in r:
                lines.append(f"- {key.replace('_', ' ')}: {json.dumps(r[key])}")
        if r.get("cpu_s"):
            lines.append(f"- CPU seconds over the phase's {r.get('cpu_wall_s', 0):.0f} s: "
                         + ", ".join(f"{k} {v:.2f}" for k, v in r["cpu_s"].items()))
        if r.get("gc"):
            lines.append("- GC pauses: " + "; ".join(
                f"jrego {k}: {g['pauses']}, {g['total_ms']:.0f} ms in all, longest {g['max_ms']:.1f} ms"
                for k, g in r["gc"].items()))
            rss = [f"jrego {k} {v[0]:.0f} MiB (peak so far {v[1]:.0f})" for k, v in (r.get("rss_mib") or {}).items() if v]
            if rss:
                lines.append("- resident memory at the phase's end: " + "; ".join(rss))
            code = [f"jrego {k} {v[0]:.1f} MiB used of {v[1]:.1f} committed"
                    for k, v in (r.get("code_cache_mib") or {}).items() if v]
            if code:
                lines.append("- code cache at the phase's end: " + "; ".join(code))
            long = [f"jrego {k} at {at:.1f} s: {kind}, {ms:.0f} ms"
                    for k, g in r["gc"].items() for at, ms, kind in g.get("long", [])]
            if long:
                lines.append(f"- GC pauses of {LONG_PAUSE_MS} ms or more: " + "; ".join(long))
        for k, d in (r.get("deopts_by_second") or {}).items():
            if d is not None:
                lines.append(f"- jrego {k} deoptimisations per second (--jit-log): {', '.join(map(str, d))}")
        for k, traps in (r.get("first_traps") or {}).items():
            if traps:
                lines.append(f"- jrego {k} deoptimisations in the first {FIRST_S} s, where they trapped: "
                             + "; ".join(f"{n} {w}" for w, n in traps.items()))
        for k, steps in (r.get("swap_cpu_ms") or {}).items():
            groups = [g for g, _ in SWAP_GROUPS] + ["other"]
            lines.append(f"- jrego {k} CPU ms per {SWAP_STEP_S} s from the phase's start ({', '.join(groups)}): "
                         + "; ".join(f"{s[0]} s: " + " ".join(map(str, s[1:])) for s in steps))
        if len(r.get("restart_cpu_ms") or []) > 1:
            names, *steps = r["restart_cpu_ms"]
            lines.append(f"- restarted jrego A CPU ms per {RESTART_STEP_S:.0f} s from its start ({', '.join(names)}): "
                         + "; ".join(f"{s[0]:.0f} s: " + " ".join(map(str, s[1:])) for s in steps))
        if r.get("rejoin"):
            j = r["rejoin"]
            lines.append(f"- replica A's rejoin (s from the phase's start): Envoy's health check failed it at "
                         f"{j['down_s']}, its /ready (gRPC health SERVING) at {j['ready_s']}, Envoy's health "
                         f"check passed it at {j['envoy_healthy_s']}")
            if j.get("warm_up_log"):
                lines.append("- restarted replica A's warm-up: " + " / ".join(j["warm_up_log"]))
            steps = j.get("steps") or []
            if steps:
                lines.append("- calls Envoy sent per second, A / B: " + ", ".join(f"{s[1]}/{s[2]}" for s in steps))
                for i, what in ((3, "replica A's own Check time"), (5, "replica A's own ext_proc phase time"),
                                (7, "replica B's own Check time"), (9, "replica B's own ext_proc phase time")):
                    if any(len(s) > i + 1 for s in steps):
                        lines.append(f"- {what} per second, the histogram bucket its p99 falls in, ms (calls): "
                                     + ", ".join("-" if s[i] is None else f"{s[i]:g} ({s[i + 1]})" for s in steps))
        for k, log in (r.get("swap_log") or {}).items():
            lines.append(f"- jrego {k} swaps: " + " / ".join(log))
        if l.get("p99_ms_by_second"):
            lines.append("- p99 ms per second of the phase (by due time): "
                         + ", ".join(f"{v:.0f}" if v >= 10 else f"{v:.1f}" for v in l["p99_ms_by_second"]))
        for k, ms in (r.get("jit_ms_by_second") or {}).items():
            lines.append(f"- jrego {k} JIT compiler threads' CPU ms per second: {', '.join(map(str, ms))}")
        slow = jit_in_slow_seconds(l.get("p99_ms_by_second"), r.get("jit_ms_by_second"))
        if slow and slow["slow_seconds"]:
            lines.append(f"- seconds whose p99 was at least twice the phase's median second ({slow['median_p99_ms']:.0f} "
                         f"ms): {', '.join(map(str, slow['slow_seconds']))}; the replicas' compilers took "
                         f"{slow['jit_ms_slow']} ms of CPU in each of them on average, {slow['jit_ms_rest']} ms in "
                         "each other second")
        if any(l.get("failures_by_second") or []):
            lines.append(f"- failures per second: {', '.join(str(v) for v in l['failures_by_second'])}")
        lines.append(f"- Envoy counters (change): {json.dumps(r['envoy'], sort_keys=True)}")
        for name, m in zip(["A", "B"], r["jrego"]):
            lines.append(f"- jrego {name} counters (change): {json.dumps(m, sort_keys=True)}")
        lines.append("")
    if calm is None:
        lines.insert(2, "**No calm phase ran: the p99 ratios are not defined.**\n")
    open(out_md, "w").write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phase-seconds", type=float, default=30)
    ap.add_argument("--calm-seconds", type=float, default=None, metavar="S",
                    help="how long each calm phase lasts (default: --phase-seconds); e.g. a longer calm before "
                         "each kill, so the pair has settled again (two calms in a row are one phase)")
    ap.add_argument("--warm-up", type=float, default=60,
                    help="at least this many seconds of legitimate load before the first phase (then until the "
                         "replicas' JIT compilers have settled: see --warm-up-max)")
    ap.add_argument("--warm-up-max", type=float, default=240,
                    help="at most this many seconds of warm-up, settled or not (the report says which)")
    ap.add_argument("--rate", type=float, default=150,
                    help="legitimate requests per second (see the README, \"A calm to measure against\")")
    ap.add_argument("--hostile-rate", type=float, default=20,
                    help="hostile requests per second on each of the two ways in")
    ap.add_argument("--cpu-rate", type=float, default=5, help="the cpu-policy phase's hostile rate, each way")
    ap.add_argument("--hostile-nice", type=int, default=19,
                    help="the hostile client's nice value (0: as the rest); it shares this machine's cores with what "
                         "it attacks, which a real attacker's client would not (see the README)")
    ap.add_argument("--hostile-deadline", type=int, metavar="MS",
                    help="the hostile client gives up each call after MS ms (its gRPC deadline and HTTP timeout; "
                         "default 10 s): below jrego's 200 ms evaluation deadline, jrego's counters show how many "
                         "hostile evaluations ended by the caller's cancel (reason cancelled) and how many by the "
                         "deadline (reason timeout)")
    ap.add_argument("--hostile-jit", choices=["c1", "full", "alternate"], default="c1",
                    help="the hostile client's JIT: c1 (-XX:TieredStopAtLevel=1, the default: its own compile "
                         "wave would otherwise take the shared cores in a phase's first seconds), full (C2 as well), "
                         "or alternate (C1 in a hostile phase's odd-numbered runs, full in its even ones: a phase "
                         "listed twice is a pair in one run)")
    ap.add_argument("--phases", default=",".join(PHASES),
                    help="the phases in order; a phase may be listed more than once (its later runs are "
                         "reported as NAME#2, NAME#3, ...), e.g. calm,hash,number,calm,hash,number,calm")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the listed phases this many times in a row (a calm directly followed by another "
                         "calm is left out), e.g. --phases calm,hash,number,calm-end --rounds 2; the report "
                         "reads each phase against the calm before and after it")
    ap.add_argument("--out", default=None, help="report path (default results/fault-matrix-<date>.md)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--slow-start", default=None, metavar="WINDOW",
                    help="the jrego cluster's slow start window instead of envoy.yaml's (e.g. 10s; 0s: none)")
    ap.add_argument("--slow-start-min-weight", type=float, default=None, metavar="PERCENT",
                    help="the jrego cluster's slow start min_weight_percent (envoy.yaml's 1; Envoy's default 10): "
                         "the share of its weight a rejoined replica starts at")
    ap.add_argument("--slow-start-aggression", type=float, default=None, metavar="A",
                    help="the jrego cluster's slow start aggression (envoy.yaml's 0.25; Envoy's default 1.0, linear; "
                         "under 1 a slower first ramp); per kill phase: --kill-variant aggression=A")
    ap.add_argument("--retry-max-interval", default=ENVOY_RETRY_MAX_INTERVAL, metavar="DURATION",
                    help="the ext_authz/ext_proc retry back-off's max_interval, which Envoy also makes each try's "
                         "timeout (default 0.5s, ext_authz's timeout; 0.05s was the harness's before session 18, "
                         "when every Check over 50 ms was sent again to the other replica)")
    ap.add_argument("--jit-log", action="store_true",
                    help="log the replicas' deoptimisations (-Xlog:deoptimization) and count them per second of "
                         "each phase in the report; the AOT cache still applies")
    ap.add_argument("--kill-warm-up", type=lambda v: v.split(","), default=None, metavar="LIST",
                    help="the restarted replica's `--warm-up` budget in the kill phases, one per kill phase in "
                         "order, repeated (e.g. 500ms,20s: the first kill with serve's default, the second "
                         "with 20 s); default: as the replicas were started")
    ap.add_argument("--kill-variant", type=kill_variants, default=None, metavar="LIST",
                    help="how the restarted replica of each kill phase differs, one item per kill phase in "
                         "order, repeated: base, jit-nice=N (its JIT compiler threads at nice N), pin (it on "
                         "a CPU of its own, everything else of the run on the others, until the phase's "
                         "end); combine with + (e.g. base,jit-nice=19,pin); see KILL_VARIANTS")
    ap.add_argument("--kill-jvm", action="append", default=[], metavar="NAME=FLAGS",
                    help="a named set of extra JVM flags (space-separated) for --kill-variant's jvm=NAME, "
                         "repeatable, e.g. --kill-jvm 'lazy=-XX:-AOTCompileEagerly'")
    ap.add_argument("--jfr", metavar="FILE",
                    help="a flight recording of replica A (the one the hostile gRPC client also connects to) "
                         "from the first phase to the last, started with jcmd after the warm-up so the AOT "
                         "cache still applies (JFR_SETTINGS); phases' start times are in the .json "
                         "(started_at) to line it up")
    ap.add_argument("--jfr-cpu-split", action="store_true",
                    help="with --jfr: also CPU-time samples, the pacer's pauses, each thread's CPU per second and "
                         "256-frame stacks, for io.jrego.loadtests.JfrCpuSplit (the cpu-policy phases' CPU by work)")
    ap.add_argument("--jrego-arg", action="append", default=[],
                    help="an extra `jrego serve` argument for both replicas (repeatable), e.g. --jrego-arg=--threads=8")
    args = ap.parse_args()
    listed = args.phases.split(",")
    unknown = [p for p in listed if p not in PHASES]
    if unknown or "calm" not in listed or args.rounds < 1:
        sys.exit(f"error: phases must include calm and come from {PHASES}; unknown: {unknown}; --rounds at least 1")
    phases = expand_phases(listed, args.rounds)
    if args.calm_seconds is not None and not 1 <= args.calm_seconds <= 3600:
        sys.exit("error: --calm-seconds must be from 1 to 3600")
    for name, v, lo, hi in (("--slow-start-min-weight", args.slow_start_min_weight, 0, 100),
                            ("--slow-start-aggression", args.slow_start_aggression, 0.05, 10)):
        if v is not None and not lo <= v <= hi:
            sys.exit(f"error: {name} must be from {lo} to {hi}")
    args.runtime_aggression = any(v["aggression"] is not None for v in args.kill_variant or [])
    jvm_sets = {}
    for item in args.kill_jvm:
        name, eq, flags = item.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not flags.split():
            sys.exit(f"error: --kill-jvm {item!r}: give NAME=FLAGS, e.g. 'lazy=-XX:-AOTCompileEagerly'")
        jvm_sets[name] = flags.split()
    for v in args.kill_variant or []:
        if v["jvm"] is not None:
            if v["jvm"] not in jvm_sets:
                sys.exit(f"error: --kill-variant {v['name']}: no --kill-jvm {v['jvm']}=FLAGS")
            v["jvm_flags"] = jvm_sets[v["jvm"]]

    java, java_version = R.find_java()
    if not args.no_build:
        R.build()
    R.run(["bash", os.path.join(R.ROOT, ".ci", "install-envoy.sh")], timeout=900)
    speed = [machine_speed()]
    envoy = shutil.which("envoy")
    envoy_version = R.run([envoy, "--version"]).stdout.strip().split("version:")[-1].strip()
    workdir = tempfile.mkdtemp(prefix="fault-matrix-")
    certs = os.path.join(workdir, "certs")
    R.run(["bash", os.path.join(R.ROOT, "envoy-config", "make-certs.sh"), certs])
    jrego = os.path.join(R.ROOT, "ext-authz-server", "bin", "jrego")
    bundle_server = BundleServer(bundles(workdir, jrego))
    url = f"http://127.0.0.1:{bundle_server.port}/bundle.tar.gz"
    replicas = [Replica(n, url, workdir, args.jrego_arg, args.jit_log) for n in ("A", "B")]
    servers = []
    legit, warm_up = None, {"seconds": 0, "windows": [], "settled": False}
    try:
        up_port = R.free_port()
        servers.append(R.Server("upstream", [java, "-cp", R.JAR, "io.jrego.loadtests.ChatUpstream", str(up_port)],
                                log_path=os.path.join(workdir, "upstream.log"),
                                ready=lambda s: R.wait_tcp(up_port, 60, s)))
        for r in replicas:  # one after the other: the first start may build the launcher's AOT cache
            r.start()
        cfg, plain, listen, admin = envoy_config(workdir, certs, replicas, up_port, args.slow_start,
                                                 args.retry_max_interval, args.slow_start_min_weight,
                                                 args.slow_start_aggression, args.runtime_aggression)
        servers.append(R.Server("envoy", [envoy, "-c", cfg, "--concurrency", "1", "-l", "error",
                                          "--base-id", str(plain)], log_path=os.path.join(workdir, "envoy.log"),
                                ready=lambda s: R.wait_http(f"http://127.0.0.1:{admin}/ready", 60, s)))
        total = len(phases) * (max(args.phase_seconds, args.calm_seconds or 0) + 20) \
            + max(args.warm_up, args.warm_up_max) + 60 \
            + 60 * sum(kind(p) == "kill" for p in phases)  # a kill phase lasts until 20 s after the rejoin
        legit = Legit(java, listen, certs, args.rate, total, workdir)
        others = {"Envoy": servers[1].pid, "FaultLoad": legit.proc.pid, "upstream": servers[0].pid}
        warm_up = settle(legit, replicas, args)  # connections, health checks, the JITs
        if args.jfr:
            jfr_start(java, replicas[0], args.jfr_cpu_split)
        infos = [run_phase(p, args, java, legit, replicas, bundle_server, plain, admin, workdir, others)
                 for p in phases]
        if args.jfr:
            jfr_stop(java, replicas[0], args.jfr)
        legit_rows = legit.finish()
        json.dump({"legit": legit_rows, "phases": infos}, open(os.path.join(workdir, "raw.json"), "w"), indent=1)
    finally:
        if legit and legit.proc.poll() is None:
            legit.proc.kill()
        for s in reversed(servers):
            s.stop()
        for r in replicas:
            if r.server and r.server.alive():
                r.server.stop()
        bundle_server.stop()
    speed.append(machine_speed())
    rows = summarise(legit_rows, infos)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H%M")
    out = args.out or os.path.join(R.HERE, "results", f"fault-matrix-{date}.md")
    argv = sys.argv[1:]
    if "--out" in argv:  # the report's own path may be outside the repository
        i = argv.index("--out")
        argv = argv[:i] + argv[i + 2:]
    meta = {"date": date, "argv": argv, "java": java_version, "envoy": envoy_version,
            "machine": f"{os.uname().machine}, {os.cpu_count()} CPUs", "rate": args.rate,
            "retry_max_interval": args.retry_max_interval,
            "slow_start": "none" if args.slow_start in ("0", "0s") else (
                (args.slow_start or "30s")
                + f", min weight {args.slow_start_min_weight if args.slow_start_min_weight is not None else SHIPPED_MIN_WEIGHT:g}%"
                + f", aggression {args.slow_start_aggression or SHIPPED_AGGRESSION:g}"
                + (" (each kill phase's as its variant says)" if args.runtime_aggression else "")
                + (", as in envoy.yaml" if args.slow_start is None and args.slow_start_min_weight is None
                   and args.slow_start_aggression is None and not args.runtime_aggression else "")),
            "hostile_rate": args.hostile_rate, "cpu_rate": args.cpu_rate, "phase_seconds": args.phase_seconds,
            "calm_seconds": args.calm_seconds,
            "hostile_nice": args.hostile_nice, "hostile_jit": args.hostile_jit,
            "warm_up": warm_up["seconds"], "warm_up_windows": warm_up["windows"], "settled": warm_up["settled"],
            "jrego_args": args.jrego_arg,
            "java_opts": os.environ.get("JREGO_JAVA_OPTS", "").strip(), "sha256_mb_s": speed,
            "gc": os.environ.get("JREGO_GC", "").strip()}
    report(rows, meta, out)
    json.dump({"meta": meta, "phases": rows, "legit": legit_rows}, open(out.removesuffix(".md") + ".json", "w"),
              indent=1, default=str)
    R.log(f"wrote {out}; logs in {workdir}")
    print(open(out).read())
    sys.exit(0 if all(r["met"] for r in rows) else 1)


if __name__ == "__main__":
    main()
