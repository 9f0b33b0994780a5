#!/usr/bin/env python3
"""What the ext_proc hop adds, through a real Envoy, side by side in one run (issue 9).

One Envoy configuration (envoy-config/envoy.yaml, rendered with free ports) in three variants,
each its own Envoy process, all up at once and measured interleaved:

  none                 the filter chain without ext_authz and ext_proc (Envoy -> upstream)
  ext_authz            ext_authz -> jrego only
  ext_authz+ext_proc   as shipped: ext_authz, then ext_proc -> jrego (same gRPC port)

One `jrego serve` with the shipped bundle (rego-policies/ai-gateway) answers both filters, and
ChatUpstream (load-tests) plays the model. Callers use the API gateway's client certificate, so
the bundle redacts the prompt's e-mail, card, IBAN and phone number before it goes upstream
(request phase) and filters the answer (response phase: JSON answers checked for keys, SSE
answers redacted chunk by chunk with a hold-back window).

  1. HttpLoad: a 2 KB chat completion request (inputs/chat-2kb-pii.json) open loop at each rate,
     every variant interleaved in one JVM; p50/p99 from each request's due time.
  2. SseLoad: streams of N events (inputs/chat-stream.json asks for `stream: true`), one at a
     time, interleaved: MB/s from first to last body byte, time to first body byte.

    python3 load-tests/extproc.py                    # build, then about 4 minutes
    python3 load-tests/extproc.py --no-build --rates 500,1000,2000 --seconds 8 --rounds 2
    python3 load-tests/extproc.py --before ../other-checkout      # a fourth variant: before a change

With --before ROOT, a second `jrego serve` from another checkout (built there first: its
ext-authz-server/target/jrego.jar) answers a fourth Envoy, "before", configured as
ext_authz+ext_proc from that checkout's envoy-config/envoy.yaml: the change (jrego and the
shipped filter settings) and what it replaced, measured interleaved in one run.

Writes results/extproc-<date>.md (and .json) with the figures and their ratios to the variants
without ext_proc, and whether the issue's targets are met: added p99 <= 1 ms at 1,000 req/s for
the request phase, SSE throughput >= 50% of no filter, added time to first byte <= 5 ms.
Everything listens on 127.0.0.1; every child is stopped on exit.
"""
import argparse
import datetime
import json
import os
import platform
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402  (per-thread CPU from /proc)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
JAR = os.path.join(HERE, "target", "benchmarks.jar")
VARIANTS = ["none", "ext_authz", "ext_authz+ext_proc"]
children = []


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def jfr_env(path):
    """The environment for a jrego that records a flight recording into path (None: unchanged)."""
    if not path:
        return None
    flags = (f"-XX:StartFlightRecording=settings=profile,filename={os.path.abspath(path)},dumponexit=true,"
             "jdk.ExecutionSample#period=2ms")
    return {**os.environ, "JREGO_JAVA_OPTS": (os.environ.get("JREGO_JAVA_OPTS", "") + " " + flags).strip()}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, cmd, workdir, env=None):
    logf = open(os.path.join(workdir, f"{name}.log"), "w")
    log("+ " + " ".join(cmd))
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=logf, stderr=subprocess.STDOUT,
                         start_new_session=True)
    children.append(p)
    return p


def stop_all():
    for p in reversed(children):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in children:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def wait_http(url, seconds, proc, ok=lambda body: True):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                body = r.read().decode()
                if r.status == 200 and ok(body):
                    return body
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def without_filter(text, name):
    """The rendered config without one HTTP filter: its `- name:` line and everything indented
    deeper, up to the next line at its own indentation (a comment or the next filter)."""
    lines = text.split("\n")
    out, skip, cut = [], None, 0
    for line in lines:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if skip is not None:
            if stripped and indent <= skip:
                skip = None
            else:
                continue
        if stripped == f"- name: {name}":
            skip, cut = indent, cut + 1
            continue
        out.append(line)
    if cut == 0:
        raise RuntimeError(f"no {name} filter in the rendered config")
    return "\n".join(out)


# Where an SSE answer's first byte goes, from Envoy's side: its access log's time points for each
# stream (COMMON_DURATION, from the first byte of the request received), and ext_proc's own round
# trips as its filter state records them (the time from a message sent to jrego to its answer).
TIMINGS = {
    "request_in": "%COMMON_DURATION(DS_RX_BEG:DS_RX_END:us)%",
    "upstream_sent": "%COMMON_DURATION(DS_RX_BEG:US_TX_BEG:us)%",
    "upstream_headers": "%COMMON_DURATION(DS_RX_BEG:US_RX_BEG:us)%",
    "downstream_sent": "%COMMON_DURATION(DS_RX_BEG:DS_TX_BEG:us)%",
    "ext_proc_request_headers": "%FILTER_STATE(envoy.filters.http.ext_proc:FIELD:request_header_latency_us)%",
    "ext_proc_request_body": "%FILTER_STATE(envoy.filters.http.ext_proc:FIELD:request_body_total_latency_us)%",
    "ext_proc_response_headers": "%FILTER_STATE(envoy.filters.http.ext_proc:FIELD:response_header_latency_us)%",
    "bytes_sent": "%BYTES_SENT%",
    "response_flags": "%RESPONSE_FLAGS%",
}


# The same for HttpLoad's requests (no x-sse-events header): when each began, its time points, and
# ext_proc's round trip for each of the four messages, so a measured phase's added time can be split
# into Envoy's waits on jrego and the rest.
HTTP_TIMINGS = {
    "start_ms": "%START_TIME(%s%3f)%",
    "request_in": TIMINGS["request_in"],
    "upstream_sent": TIMINGS["upstream_sent"],
    "upstream_headers": TIMINGS["upstream_headers"],
    "downstream_sent": TIMINGS["downstream_sent"],
    "downstream_done": "%COMMON_DURATION(DS_RX_BEG:DS_TX_END:us)%",
    "ext_proc_request_headers": TIMINGS["ext_proc_request_headers"],
    "ext_proc_request_body": TIMINGS["ext_proc_request_body"],
    "ext_proc_response_headers": TIMINGS["ext_proc_response_headers"],
    "ext_proc_response_body": "%FILTER_STATE(envoy.filters.http.ext_proc:FIELD:response_body_total_latency_us)%",
}


def with_access_log(text, path, http_path=None):
    """The rendered config with a JSON access log of TIMINGS on the mTLS listener for SSE streams
    (requests that carry SseLoad's x-sse-events header), and with http_path one of HTTP_TIMINGS for
    the other requests (HttpLoad's)."""
    anchor = "          stat_prefix: mtls\n"
    if anchor not in text:
        raise RuntimeError("no mTLS listener in the rendered config")

    def logger(header_filter, file, timings):
        fields = "".join(f"                  {k}: \"{v}\"\n" for k, v in timings.items())
        return ("          - name: envoy.access_loggers.file\n"
                "            filter:\n"
                f"              header_filter: {header_filter}\n"
                "            typed_config:\n"
                "              \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
                f"              path: \"{file}\"\n"
                "              log_format:\n"
                "                json_format:\n" + fields)
    block = "          access_log:\n" + logger(
        "{ header: { name: x-sse-events, present_match: true } }", path, TIMINGS)
    if http_path:
        block += logger("{ header: { name: x-sse-events, present_match: true, invert_match: true } }",
                        http_path, HTTP_TIMINGS)
    return text.replace(anchor, anchor + block, 1)


def read_timings(path, skip):
    """Per SSE stream (after the first `skip`, the warm-up), TIMINGS in ms; a field Envoy left
    empty (no such phase in this variant) is absent. bytes_sent stays bytes and response_flags
    text (Envoy's short flags, "-" for none: UC upstream connection terminated, UR upstream
    reset, DC downstream terminated, UT upstream timeout ...)."""
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path).read().splitlines()[skip:]:
        r = json.loads(line)
        row = {k: float(v) / 1000 for k, v in r.items() if k not in ("bytes_sent", "response_flags")
               and (isinstance(v, (int, float)) or (isinstance(v, str) and re.fullmatch(r"\d+(\.\d+)?", v)))}
        row["bytes_sent"] = int(r.get("bytes_sent") or 0)
        row["response_flags"] = str(r.get("response_flags") or "-")
        rows.append(row)
    return rows


def read_http_timings(path):
    """HttpLoad's requests through one Envoy: HTTP_TIMINGS per request (start_ms in ms since the
    epoch, the rest in ms; a field Envoy left empty is absent)."""
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path).read().splitlines():
        r = json.loads(line)
        row = {k: float(v) / (1 if k == "start_ms" else 1000) for k, v in r.items()
               if isinstance(v, (int, float)) or (isinstance(v, str) and re.fullmatch(r"\d+(\.\d+)?", v))}
        if "start_ms" in row:
            rows.append(row)
    return rows


# The spans of a request through Envoy that the split reports, from HTTP_TIMINGS: (name, end, start).
SPANS = [
    ("total", "downstream_done", None),
    ("request filters", "upstream_sent", "request_in"),
    ("upstream", "upstream_headers", "upstream_sent"),
    ("response filters", "downstream_sent", "upstream_headers"),
    ("ext_proc request headers", "ext_proc_request_headers", None),
    ("ext_proc request body", "ext_proc_request_body", None),
    ("ext_proc response headers", "ext_proc_response_headers", None),
    ("ext_proc response body", "ext_proc_response_body", None),
]


def timing_summary(rows):
    """Mean and median of each of SPANS (ms) over one phase's requests; absent where Envoy logged none."""
    out = {"requests": len(rows)}
    for name, end, start in SPANS:
        vals = [r[end] - (r[start] if start else 0) for r in rows if end in r and (not start or start in r)]
        if vals:
            out[name] = {"mean": sum(vals) / len(vals), "p50": median(vals)}
    return out


def cut_streams(upstream_log):
    """ChatUpstream's lines for streams cut before their end (how far each got, and the exception)."""
    if not os.path.exists(upstream_log):
        return []
    return [line for line in open(upstream_log).read().splitlines() if line.startswith("cut stream")]


def full_duplex_option():
    """envoy-config/ext-proc-full-duplex.yaml's parts, by top-level key: the lines under it, two
    spaces less indented, comments left out (as ExtProcEndToEndIT reads it)."""
    parts, part = {}, None
    for line in open(os.path.join(ROOT, "envoy-config", "ext-proc-full-duplex.yaml")).read().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            part = parts.setdefault(line.split(":", 1)[0], [])
        elif part is None or not line.startswith("  "):
            raise RuntimeError(f"ext-proc-full-duplex.yaml: unexpected line {line!r}")
        else:
            part.append(line[2:])
    if set(parts) != {"ext_proc", "http_connection_manager"}:
        raise RuntimeError(f"ext-proc-full-duplex.yaml: expected ext_proc and http_connection_manager, got {sorted(parts)}")
    return parts


def full_duplex(text):
    """envoy-config's full-duplex option applied to a rendered envoy.yaml: its ext_proc part replaces
    the filter's modes and overrides (Envoy takes none in that mode), its http_connection_manager part
    (stream_idle_timeout: Envoy times no ext_proc message in that mode) goes into each listener's."""
    option = full_duplex_option()
    modes = "".join(" " * 14 + l + "\n" for l in option["ext_proc"])
    manager = "".join(" " * 10 + l + "\n" for l in option["http_connection_manager"])
    out, n = re.subn(r"(?s)              processing_mode:\n.*?(?=              # What jrego turns)",
                     lambda m: modes, text)
    if n != 1:
        raise RuntimeError("envoy.yaml changed: expected one ext_proc processing_mode")
    return out.replace("          codec_type: AUTO\n", "          codec_type: AUTO\n" + manager)


def envoy_configs(workdir, certs, jrego_ports, upstream_port, variants, before_root=None, duplex=False):
    """Each variant's Envoy configuration; "before" from the other checkout's envoy-config, so a
    change of the shipped ext_proc filter is measured with the jrego it was made for."""
    configs = {}
    for variant in variants:
        jrego_port = jrego_ports.get(variant, jrego_ports["main"])
        listen, plain, admin = free_port(), free_port(), free_port()
        path = os.path.join(workdir, f"envoy-{variant}.yaml")
        env = dict(os.environ, ENVOY_LISTEN_PORT=str(listen), ENVOY_PLAIN_PORT=str(plain),
                   ENVOY_ADMIN_PORT=str(admin), JREGO_GRPC_PORT=str(jrego_port),
                   UPSTREAM_PORT=str(upstream_port), CERT_DIR=certs)
        root = before_root if variant == "before" else ROOT
        subprocess.run(["bash", os.path.join(root, "envoy-config", "render.sh"), path], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        text = open(path).read()
        if variant not in ("ext_authz+ext_proc", "before", "ext_proc"):
            text = without_filter(text, "envoy.filters.http.ext_proc")
        if variant in ("none", "ext_proc"):
            text = without_filter(text, "envoy.filters.http.ext_authz")
        if variant == "ext_authz+ext_proc" and duplex:
            text = full_duplex(text)
        access = os.path.join(workdir, f"access-{variant}.log")
        http_access = os.path.join(workdir, f"access-http-{variant}.log")
        for f in (access, http_access):
            if os.path.exists(f):
                os.remove(f)
        text = with_access_log(text, access, http_access)
        open(path, "w").write(text)
        configs[variant] = {"path": path, "listen": listen, "admin": admin, "access": access,
                            "http_access": http_access}
    return configs


def tls_context(certs):
    ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
    ctx.load_cert_chain(os.path.join(certs, "gateway.crt"), os.path.join(certs, "gateway.key"))
    return ctx


def post(url, body, ctx):
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def metric_sum(admin_url, name, match=""):
    total = 0.0
    for line in urllib.request.urlopen(admin_url + "/metrics", timeout=5).read().decode().splitlines():
        if line.startswith(name) and match in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def find_java():
    """A JDK 21 or newer, as bin/jrego finds one: $JAVA_HOME, else the newest under /usr/lib/jvm."""
    candidates = [os.path.join(os.environ["JAVA_HOME"], "bin", "java")] if os.environ.get("JAVA_HOME") else []
    jvm = "/usr/lib/jvm"
    if os.path.isdir(jvm):
        candidates += [os.path.join(jvm, d, "bin", "java") for d in sorted(os.listdir(jvm))]
    best, best_v = None, 0
    for c in candidates:
        release = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(c))), "release")
        if not os.access(c, os.X_OK) or not os.path.exists(release):
            continue
        m = re.search(r'^JAVA_VERSION="(\d+)', open(release).read(), re.M)
        if m and int(m.group(1)) > best_v:
            best, best_v = c, int(m.group(1))
    if best_v < 21:
        raise RuntimeError("needs a JDK 21 or newer (set JAVA_HOME)")
    return best


def wait_port(port, seconds, proc):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except OSError:
        return 0.0


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / TICK


def machine_steal():
    """CPU seconds the hypervisor took from this machine so far (/proc/stat's steal column)."""
    with open("/proc/stat") as f:
        return int(f.readline().split()[8]) / TICK


# jrego's threads by what they do, from the name the kernel keeps (its first 15 characters):
# the JIT's compilers, the VM thread (SerialGC's pauses and safepoints), the gRPC transport's event
# loops (Netty), the check threads, the warm-up's copies (before ready and the rounds after it),
# JFR's own when recording, and the rest (admin, bundles, JVM service threads).
THREAD_GROUPS = [
    ("compiler", lambda c: "CompilerThre" in c),
    ("vm+gc", lambda c: c == "VM Thread" or c.startswith("GC Thread")),
    ("io", lambda c: c.startswith("jrego-grpc-")),
    ("check", lambda c: c.startswith("jrego-check-")),
    ("warm-up", lambda c: c.startswith("jrego-warm-up")),
    ("jfr", lambda c: c.startswith("JFR ")),
]
GROUP_NAMES = [g for g, _ in THREAD_GROUPS] + ["other"]


def thread_group(comm):
    return next((g for g, test in THREAD_GROUPS if test(comm)), "other")


def cpu_by_group(pid):
    """CPU seconds of a process's live threads, summed per THREAD_GROUPS group."""
    out = dict.fromkeys(GROUP_NAMES, 0.0)
    for comm, ticks in R.thread_ticks(pid) or []:
        out[thread_group(comm)] += ticks / TICK
    return out


class Sampler(threading.Thread):
    """Every 100 ms: the CPU seconds of each named process and of the whole machine, so each
    measured phase can be given its CPU per request per part (and what else ran meanwhile); for
    each jrego also per group of its threads ("jrego:compiler", "jrego:check" ...). A thread that
    ends inside a phase takes its CPU out of its group's difference (a warm-up copy's threads end
    with their round), so a group's figure is a lower bound; the process's own is exact."""

    def __init__(self, pids, admins=None):
        super().__init__(daemon=True)
        self.pids, self.samples, self.stopped = dict(pids), [], threading.Event()
        self.admins, self.messages = dict(admins or {}), []

    def run(self):
        tick = 0
        while not self.stopped.is_set():
            if tick % 10 == 0 and self.admins:
                self.messages.append((time.time(), {n: message_seconds(a) for n, a in self.admins.items()}))
            tick += 1
            # a copy: java_lines adds the generator's pid while this runs, and a dict changing
            # size under iteration would end this thread silently (the CPU table came out empty)
            cpu = {}
            for n, p in list(self.pids.items()):
                cpu[n] = cpu_seconds(p)
                if n.startswith("jrego"):
                    cpu.update({f"{n}:{g}": v for g, v in cpu_by_group(p).items()})
            cpu["machine"] = machine_busy()
            cpu["steal"] = machine_steal()
            self.samples.append((time.time(), cpu))
            time.sleep(0.1)

    def between(self, t0, t1):
        inside = [s for s in self.samples if t0 <= s[0] <= t1]
        if len(inside) < 2:
            return {}
        (a_t, a), (b_t, b) = inside[0], inside[-1]
        return {n: (b[n] - a.get(n, 0)) / (b_t - a_t) for n in b}  # CPUs busy on average

    def messages_between(self, t0, t1):
        """Per jrego, per "MESSAGE on THREAD": (messages handled, their mean time in ms) between the
        first and the last scrape inside [t0, t1]."""
        inside = [s for s in self.messages if t0 <= s[0] <= t1]
        if len(inside) < 2:
            return {}
        a, b = inside[0][1], inside[-1][1]
        out = {}
        for name, series in b.items():
            for key, (count, total) in series.items():
                c0, s0 = a.get(name, {}).get(key, (0, 0.0))
                if count > c0:
                    out.setdefault(name, {})[key] = (count - c0, (total - s0) * 1000 / (count - c0))
        return out


def message_seconds(admin_url):
    """jrego's jrego_process_message_seconds{message, thread}: (count, sum in seconds) per "MESSAGE on
    THREAD";
    empty from a jrego that has no such series (one built before it existed)."""
    out = {}
    try:
        text = urllib.request.urlopen(admin_url + "/metrics", timeout=2).read().decode()
    except OSError:
        return out
    for line in text.splitlines():
        m = re.match(r'jrego_(process_message|ext_proc_headers_held)_seconds_(count|sum)\{(.*)\} (\S+)$', line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3)))
        key = (f'{labels.get("message", "?")} on {labels.get("thread", "?")}' if m.group(1) == "process_message"
               else f'headers held: {labels.get("part", "?")}')
        count, total = out.get(key, (0, 0.0))
        if m.group(2) == "count":
            count = float(m.group(4))
        else:
            total = float(m.group(4))
        out[key] = (count, total)
    return out


def java_lines(cmd, sampler=None, name="generator"):
    log("+ " + " ".join(cmd))
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children.append(p)
    if sampler:
        sampler.pids[name] = p.pid
    out, err = p.communicate(timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[3]} failed ({p.returncode}):\n{err[-3000:]}")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def pct(values, p):
    """The p-th percentile as SseLoad takes it (the value at floor(p% of n) in sorted order)."""
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="500,1000,2000", help="requests/s, comma-separated")
    ap.add_argument("--seconds", type=float, default=8, help="each measured phase")
    ap.add_argument("--warmup", type=int, default=4000,
                    help="unmeasured requests per variant first, at --warm-rate, in --warm-windows windows "
                         "interleaved across the variants (jrego's JIT compiles under them)")
    ap.add_argument("--warm-rate", type=float,
                    help="requests/s of the warm-up (default: the lowest of --rates, which the machine carries)")
    ap.add_argument("--warm-windows", type=int, default=4,
                    help="windows of the HTTP and the SSE warm-up, each reported with jrego's CPU per request "
                         "or per round of streams, to show it settled")
    ap.add_argument("--rounds", type=int, default=2, help="times every (rate, variant) phase is run")
    ap.add_argument("--streams", type=int, default=30, help="SSE streams per variant")
    ap.add_argument("--events", type=int, default=2000, help="events per SSE stream")
    ap.add_argument("--sse-warmup", type=int, default=200,
                    help="unmeasured SSE streams per variant first, interleaved as the measured ones (the "
                         "stream paths compile under them: session 12 saw the first 400-600 100-event "
                         "streams 2-50x slower)")
    ap.add_argument("--sse-without-authz", action="store_true",
                    help="the SSE rounds leave the ext_authz variant out: the jrego under test then answers "
                         "only its own variant's streams in them (with it, one Check of the ext_authz variant "
                         "a round, ~0.45 ms, falls on that jrego's CPU per round and not on the other's)")
    ap.add_argument("--pace-ms", type=int, default=0,
                    help="the measured SSE streams' upstream writes an event every this many ms (a model's "
                         "pace; the warm-up's streams still flood): the first byte and the first answer text "
                         "as a caller of a real model sees them, without Envoy's worker busy forwarding a flood "
                         "(0: as fast as the connection takes them)")
    ap.add_argument("--no-sse", action="store_true", help="the HTTP requests only (no SSE streams)")
    ap.add_argument("--direct", type=float, default=0,
                    help="after the HTTP phases, this many seconds of the same Check (the 2 KB chat request "
                         "with its body) sent straight to each jrego's gRPC port by DirectLoad at the warm-up's "
                         "rate, no Envoy: jrego's CPU per Check with and without Envoy in front (0: none)")
    ap.add_argument("--measure-after", type=float, default=130,
                    help="seconds after each jrego's ready before the first measured HTTP phase: the warm-up "
                         "goes on, unmeasured, until then (default 130: after the server's own warm-up rounds, "
                         "at 2, 4, ... 128 s after ready; 0: right after the warm-up, and the report says "
                         "whether the rounds overlapped the measured phases)")
    ap.add_argument("--no-build", action="store_true", help="use the jars already built")
    ap.add_argument("--jrego-args", default="", help="extra arguments for jrego serve")
    ap.add_argument("--envoy-args", default="",
                    help="extra arguments for every Envoy, after the shipped ones: e.g. a trace of each "
                         "stream's ext_proc messages, --envoy-args='--component-log-level ext_proc:trace,router:debug "
                         "--log-format [%%T.%%f][%%t][%%l][%%n]%%v' (each Envoy's log is target/extproc/envoy-VARIANT.log)")
    ap.add_argument("--jfr", help="record a Java Flight Recording of the jrego under test (CPU samples "
                                  "every 2 ms, allocations, JIT statistics) into this file")
    ap.add_argument("--out", help="report path (default results/extproc-<date>.md)")
    ap.add_argument("--before", help="another checkout whose jrego (already built) serves a fourth "
                    "variant, 'before': ext_authz+ext_proc as it was")
    ap.add_argument("--full-duplex", action="store_true",
                    help="the ext_authz+ext_proc variant with envoy-config/README.md's full-duplex option "
                         "(both ext_proc bodies FULL_DUPLEX_STREAMED, the listeners' stream_idle_timeout 30 s); "
                         "\"before\", if any, keeps its checkout's envoy.yaml as shipped")
    ap.add_argument("--ext-proc-alone", action="store_true",
                    help="a further variant, \"ext_proc\": envoy.yaml as shipped without its ext_authz filter, "
                         "served by the same jrego (the bundle's request rule decides what Check would: "
                         "one round trip fewer before the upstream; no token budget reserved)")
    ap.add_argument("--reverse", action="store_true",
                    help="interleave the variants in reverse order (a second run with the order turned "
                         "round shows what being first or last in each round does to a figure)")
    args = ap.parse_args()

    if not args.no_build:
        subprocess.run([os.path.join(ROOT, "mvnw"), "-B", "-q", "-DskipTests", "-Dspotless.check.skip=true",
                        "-pl", "load-tests", "-am", "package"], cwd=ROOT, check=True)
    envoy = subprocess.run(["bash", "-c", "command -v envoy"], capture_output=True, text=True).stdout.strip()
    if not envoy:
        subprocess.run(["bash", os.path.join(ROOT, ".ci", "install-envoy.sh")], check=True)
        envoy = "envoy"
    workdir = os.path.join(HERE, "target", "extproc")
    os.makedirs(workdir, exist_ok=True)
    certs = os.path.join(workdir, "certs")
    subprocess.run(["bash", os.path.join(ROOT, "envoy-config", "make-certs.sh"), certs], check=True,
                   stdout=subprocess.DEVNULL)
    java = find_java()
    load_avg = os.getloadavg()
    variants = VARIANTS + (["ext_proc"] if args.ext_proc_alone else []) + (["before"] if args.before else [])
    try:
        up_port = free_port()
        upstream = start("upstream", [java, "-XX:+UseSerialGC", "-cp", JAR, "io.jrego.loadtests.ChatUpstream",
                                      str(up_port)], workdir)
        wait_port(up_port, 30, upstream)
        grpc, admin = free_port(), free_port()
        jrego = start("jrego", [os.path.join(ROOT, "ext-authz-server", "bin", "jrego"), "serve",
                                "--addr", f"127.0.0.1:{grpc}", "--admin-addr", f"127.0.0.1:{admin}"]
                      + args.jrego_args.split(), workdir, jfr_env(args.jfr))
        admin_url = f"http://127.0.0.1:{admin}"
        wait_http(admin_url + "/ready", 120, jrego)
        ready_at = time.time()
        ports, admins, pids = {"main": grpc}, {}, {"jrego": jrego.pid}
        if args.before:
            b_grpc, b_admin = free_port(), free_port()
            before = start("jrego-before", [os.path.join(os.path.abspath(args.before), "ext-authz-server", "bin",
                                                         "jrego"), "serve", "--addr", f"127.0.0.1:{b_grpc}",
                                            "--admin-addr", f"127.0.0.1:{b_admin}"] + args.jrego_args.split(),
                           workdir)
            wait_http(f"http://127.0.0.1:{b_admin}/ready", 120, before)
            ports["before"], admins["before"], pids["jrego-before"] = b_grpc, f"http://127.0.0.1:{b_admin}", before.pid
        # the later of the two readies: the other jrego's rounds after ready end later still
        last_ready = time.time() if args.before else ready_at
        configs = envoy_configs(workdir, certs, ports, up_port, variants,
                                os.path.abspath(args.before) if args.before else None, args.full_duplex)
        for variant, c in configs.items():
            c["proc"] = start(f"envoy-{variant}", [envoy, "-c", c["path"], "--concurrency", "1", "-l", "error",
                                                     "--base-id", str(c["admin"])] + args.envoy_args.split(),
                              workdir)
        for variant, c in configs.items():
            wait_http(f"http://127.0.0.1:{c['admin']}/ready", 60, c["proc"], lambda b: b.strip() == "LIVE")
        ctx = tls_context(certs)
        chat = os.path.join(HERE, "inputs", "chat-2kb-pii.json")
        stream = os.path.join(HERE, "inputs", "chat-stream.json")
        urls = {v: f"https://localhost:{c['listen']}/v1/chat/completions" for v, c in configs.items()}

        # every variant answers 200; only ext_proc redacts (jrego counts what it replaced)
        sanity = {}
        for variant, url in urls.items():
            counted = admins.get(variant, admin_url)
            before = metric_sum(counted, "jrego_pii_findings_total", 'action="redact"')
            # a few tries: on a loaded machine a new Envoy connection's first Check can pass
            # ext_authz's 0.5 s timeout (403) while its JVM still compiles
            for attempt in range(5):
                status, body = post(url, open(chat, "rb").read(), ctx)
                if status == 200:
                    break
                log(f"{variant}: sanity request {attempt + 1} got {status}, trying again")
                time.sleep(1)
            after = metric_sum(counted, "jrego_pii_findings_total", 'action="redact"')
            if status != 200:
                raise RuntimeError(f"{variant}: expected 200, got {status}: {body[:300]!r}")
            sanity[variant] = after - before
        log(f"values redacted by one request: {sanity}")
        if (sanity["ext_authz+ext_proc"] < 4 or sanity.get("before", 4) < 4 or sanity.get("ext_proc", 4) < 4
                or sanity["ext_authz"] or sanity["none"]):
            raise RuntimeError(f"redaction is not where it should be: {sanity}")

        cert_args = [os.path.join(certs, f) for f in ("gateway.crt", "gateway.key", "ca.crt")]
        order = list(reversed(variants)) if args.reverse else variants
        targets = [f"{v}={urls[v]}" for v in order]
        sse_targets = [t for t in targets if not (args.sse_without_authz and t.startswith("ext_authz="))]
        sampler = Sampler({**pids, "upstream": upstream.pid,
                           **{f"envoy-{v}": c["proc"].pid for v, c in configs.items()}},
                          {"jrego": admin_url, **({"jrego-before": admins["before"]} if args.before else {})})
        sampler.start()
        warm_rate = args.warm_rate or min(float(r) for r in args.rates.split(","))
        measure_from = last_ready + args.measure_after
        http = java_lines([java, f"-Dwarm.rate={warm_rate:g}", f"-Dwarm.windows={args.warm_windows}",
                           f"-Dmeasure.from={round(measure_from * 1000)}", "-cp",
                           JAR, "io.jrego.loadtests.HttpLoad", chat, *cert_args, args.rates, str(args.seconds),
                           f"{args.warmup / warm_rate:g}", str(args.rounds), *targets], sampler)
        for row in http:
            row["cpu"] = sampler.between(row["t0_ms"] / 1000, row["t1_ms"] / 1000)
            row["messages"] = sampler.messages_between(row["t0_ms"] / 1000, row["t1_ms"] / 1000)
            row["since_ready_s"] = row["t0_ms"] / 1000 - ready_at
            row["since_last_ready_s"] = row["t0_ms"] / 1000 - last_ready
        http_warm = [row for row in http if "warmup" in row]
        http = [row for row in http if "warmup" not in row]
        if not sampler.is_alive() or not any(row["cpu"] for row in http):
            raise RuntimeError(f"the CPU sampler recorded nothing inside the phases "
                               f"({len(sampler.samples)} samples, alive: {sampler.is_alive()})")
        direct = []
        for name, pid in pids.items() if args.direct > 0 else ():
            port = ports["before" if name == "jrego-before" else "main"]
            for row in java_lines([java, "-cp", JAR, "io.jrego.loadtests.DirectLoad", "--target",
                                   f"127.0.0.1:{port}", "--server-pid", str(pid), "--kind", "check", "--rate",
                                   f"{round(warm_rate)}", "--seconds", f"{args.direct:g}", "--warmup", "5",
                                   "--rounds", "1", "--clk-tck", str(TICK), "--root", ROOT],
                                  sampler, "direct-generator"):
                row["target"] = name
                row["cpu"] = sampler.between(row["t0_ms"] / 1000, row["t1_ms"] / 1000)
                row["since_ready_s"] = row["t0_ms"] / 1000 - ready_at
                direct.append(row)
        sse = [] if args.no_sse else java_lines(
            [java, f"-Dwarm.windows={args.warm_windows}", f"-Dsse.pace.ms={args.pace_ms}", "-cp", JAR,
             "io.jrego.loadtests.SseLoad",
             stream, *cert_args, str(args.streams), str(args.events), str(args.sse_warmup), *sse_targets],
            sampler, "sse-generator")
        for row in sse:
            row["cpu"] = sampler.between(row["t0_ms"] / 1000, row["t1_ms"] / 1000)
            row["messages"] = sampler.messages_between(row["t0_ms"] / 1000, row["t1_ms"] / 1000)
        sse_warm = [row for row in sse if "window" in row]
        sse = [row for row in sse if "window" not in row]
        sampler.stopped.set()
        found = metric_sum(admin_url, "jrego_pii_findings_total", 'action="redact"')
        checks = {s: metric_sum(admin_url, "jrego_checks_total", f'service="{s}"')
                  for s in ("ext_authz", "ext_proc")}
        # request phases that read Check's decision from the forwarded metadata, and all of them
        checks["carried"] = metric_sum(admin_url, "jrego_ext_proc_checked_total", 'result="used"')
        checks["request_phases"] = metric_sum(admin_url, "jrego_ext_proc_checked_total")
    finally:
        stop_all()
    for row in sse:  # Envoy writes the last of its access log as it stops
        row["timings"] = read_timings(configs[row["target"]]["access"], args.sse_warmup)
    http_log = {v: read_http_timings(c["http_access"]) for v, c in configs.items()}
    for row in http:
        row["envoy"] = timing_summary(
            [t for t in http_log[row["target"]] if row["t0_ms"] <= t["start_ms"] <= row["t1_ms"]])
    cuts = cut_streams(os.path.join(workdir, "upstream.log"))
    envoy_version = subprocess.run([envoy, "--version"], capture_output=True, text=True).stdout.strip()
    day = datetime.date.today().isoformat()
    out = args.out or os.path.join(HERE, "results", f"extproc-{day}.md")
    # the figures first: a report that cannot be written still leaves them
    json.dump({"http": http, "sse": sse, "http_warmup": http_warm, "sse_warmup": sse_warm, "cut_streams": cuts,
               "direct": direct},
              open(out[:-3] + ".json", "w"), indent=1)
    report = render(args, http, sse, sanity, found, checks, load_avg, os.getloadavg(), envoy_version, variants,
                    cuts, warm_rate, http_warm, sse_warm, direct)
    open(out, "w").write(report)
    print(report)
    log(f"wrote {out}")


def before_after_http(variants, rates, fig, cpu_rows):
    """With --before: ext_authz+ext_proc's latency and jrego CPU per request, this checkout's against
    the other's, per rate."""
    if "before" not in variants:
        return []
    lines = ["", "## Before and after, in this run", "",
             "\"before\" is ext_authz+ext_proc served by the other checkout's jrego (`--before`), "
             "interleaved with the others. Ratios are after / before.", "",
             "| rate /s | before p50 | after p50 | before p99 | after p99 | jrego CPU/req before | after | "
             "CPU ratio |", "|---|---|---|---|---|---|---|---|"]
    for rate in rates:
        b50, f50 = fig("before", rate, "p50_us"), fig("ext_authz+ext_proc", rate, "p50_us")
        b99, f99 = fig("before", rate, "p99_us"), fig("ext_authz+ext_proc", rate, "p99_us")
        bc, fc = cpu_rows.get(("before", rate)), cpu_rows.get(("ext_authz+ext_proc", rate))
        cpu = f"{bc:.3f} | {fc:.3f} | {fc / bc:.2f}x" if bc and fc else "- | - | -"
        lines.append(f"| {rate:.0f} | {b50:.2f} | {f50:.2f} | {b99:.2f} | {f99:.2f} | {cpu} |")
    return lines


def window_report(args, http):
    """When the measured HTTP phases ran against the server's own warm-up rounds after ready (at 2, 4,
    ... 128 s after ready, unless switched off)."""
    off = "jrego.warmUp.afterReady=false" in os.environ.get("JREGO_JAVA_OPTS", "") + args.jrego_args
    first = min(r["since_last_ready_s"] for r in http)
    if off:
        said = "the server's warm-up rounds after ready were switched off (`-Djrego.warmUp.afterReady=false`)"
    elif first >= 128:
        said = "after the server's warm-up rounds after ready (the last at 128 s after ready)"
    else:
        said = ("**overlapping the server's warm-up rounds after ready** (at 2, 4, ... 128 s after ready): "
                "a round's loopback copy of the server takes CPU inside the measured phases")
    return ["", f"Measuring window: the first measured HTTP phase began {first:.0f} s after the later "
            f"jrego's ready (`--measure-after {args.measure_after:g}`; the warm-up goes on, unmeasured, "
            f"until then), so measured {said}."]


def split_report(variants, rates, by):
    """Where ext_proc's added time goes: Envoy's access log per request (means and medians over the
    phase's requests) and jrego's own time per message (its jrego_process_message_seconds, means)."""
    served = [v for v in variants if v != "none"]
    if not any(r.get("envoy", {}).get("requests") for v in served for rate in rates for r in by[(v, rate)]):
        return []

    def cell(v, rate, span, stat="mean"):
        vals = [r["envoy"][span][stat] for r in by[(v, rate)] if span in r.get("envoy", {})]
        return median(vals) if vals else None

    def own(v, rate):
        name = "jrego-before" if v == "before" else "jrego"
        per = {}
        for r in by[(v, rate)]:
            for key, (n, mean) in r.get("messages", {}).get(name, {}).items():
                per.setdefault(key, []).append((n, mean))
        return {k: (sum(n for n, _ in xs), median([m for _, m in xs])) for k, xs in per.items()}

    def f(x):
        return "-" if x is None else f"{x:.3f}"
    lines = ["", "## Where ext_proc's added time goes", "",
             "Envoy's access log for every HttpLoad request (ms; the mean over the phase's requests, median of "
             "the rounds; `COMMON_DURATION` from the request's first byte received): total = to the last "
             "response byte sent; request filters = from the request received to its first byte sent "
             "upstream; upstream = to the upstream's response headers; response filters = to the first "
             "response byte sent; ext_proc = Envoy's round trip to jrego for each message, as its filter "
             "state records it (empty where Envoy keeps no timer: a body in FULL_DUPLEX_STREAMED).", "",
             "| rate /s | variant | requests | total | total p50 | request filters | upstream | response filters "
             "| ext_proc req headers | ext_proc req body | ext_proc resp headers | ext_proc resp body |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for rate in rates:
        for v in served:
            n = sum(r.get("envoy", {}).get("requests", 0) for r in by[(v, rate)])
            lines.append(f"| {rate:.0f} | {v} | {n} | {f(cell(v, rate, 'total'))} | {f(cell(v, rate, 'total', 'p50'))} | "
                         + " | ".join(f(cell(v, rate, span)) for span, _, _ in SPANS[1:]) + " |")
    lines += ["", "jrego's own time per ext_proc message, from its arrival on the transport thread to the end "
              "of its handling (its answer written to the stream), by the thread it was handled on "
              "(`jrego_process_message_seconds{message, thread}`, mean ms, median of the rounds; messages "
              "handled in the phase; none from a jrego built before the series existed):", "",
              "| rate /s | variant | message on thread | messages | jrego's mean ms |", "|---|---|---|---|---|"]
    for rate in rates:
        for v in (x for x in served if x != "ext_authz"):
            for key, (n, mean) in sorted(own(v, rate).items()):
                lines.append(f"| {rate:.0f} | {v} | {key} | {n:.0f} | {mean:.3f} |")
    lines += ["", "The split of ext_proc's added mean (ext_authz+ext_proc − ext_authz, Envoy's total), per "
              "message: Envoy's round trip to jrego as it timed it, and jrego's own handling of that kind "
              "of message (the time of all of them over the streams, per request); their difference is "
              "the transport (gRPC framing and HTTP/2 on both sides, the hop over loopback, Envoy's "
              "event loop). Envoy keeps no timer for a FULL_DUPLEX_STREAMED response body: its column is "
              "jrego's own alone. \"Envoy's own\" is what remains of the added time (buffering the body, "
              "the filter's work, applying the mutation).", "",
              "| rate /s | variant | added mean | req headers: Envoy / jrego | req body: Envoy / jrego "
              "| resp headers: Envoy / jrego | resp body: jrego | Envoy's own |", "|---|---|---|---|---|---|---|---|"]
    kinds = [("request_headers", "ext_proc request headers"), ("request_body", "ext_proc request body"),
             ("response_headers", "ext_proc response headers"), ("response_body", "ext_proc response body")]
    for rate in rates:
        base = cell("ext_authz", rate, "total")
        for v in (x for x in served if x != "ext_authz"):
            total = cell(v, rate, "total")
            added = total - base if total is not None and base is not None else None
            o = own(v, rate)
            streams = sum(n for k, (n, _) in o.items() if k.startswith("request_headers "))
            mine = {kind: (sum(n * m for k, (n, m) in o.items() if k.startswith(kind + " ")) / streams
                           if streams else None) for kind, _ in kinds}
            envoy = {kind: cell(v, rate, span) for kind, span in kinds}
            rest = added
            for kind, _ in kinds:
                x = envoy[kind] if envoy[kind] is not None else mine[kind]
                rest = rest - x if rest is not None and x is not None else rest
            cells = [f"{f(envoy[k])} / {f(mine[k])}" for k, _ in kinds[:3]] + [f(mine["response_body"])]
            lines.append(f"| {rate:.0f} | {v} | {f(added)} | " + " | ".join(cells) + f" | {f(rest)} |")
    return lines


def http_targets(verdict):
    """The targets table's head and the request phase's rows (at 1,000/s when measured)."""
    rates = sorted(verdict)
    at = 1000.0 if 1000.0 in verdict else rates[len(rates) // 2]
    add99, add50, got, bad = verdict[at]
    lines = ["", "## Targets", "", "| target | figure | met |", "|---|---|---|",
             f"| ext_proc adds p99 ≤ 1 ms at {at:.0f} req/s | {add99:+.2f} ms (p50 {add50:+.2f} ms; "
             f"{got:.0f} req/s achieved) | {'yes' if add99 <= 1.0 and bad == 0 else 'no'} |"]
    for rate in rates:
        if rate != at:
            a99, a50, g, b = verdict[rate]
            lines.append(f"| (at {rate:.0f} req/s, for reference) | {a99:+.2f} ms p99, {a50:+.2f} ms p50, "
                         f"{g:.0f} req/s achieved, {b} non-200 | |")
    return lines


def thread_report(variants, rates, by, direct, http_warm):
    """jrego's CPU per request split by its threads' groups (THREAD_GROUPS) in each HTTP warm-up
    window and measured phase, and per Check sent straight to its gRPC port (--direct). The none
    variant's row is what jrego spends with no request reaching it (per request of that phase), the
    background."""
    lines = ["", "jrego's CPU per request by thread (ms of CPU per request of the phase, median of the rounds; "
             "\"none\" sends jrego nothing, so its row is jrego's background per request; \"direct\" is "
             "DirectLoad's Check of the same 2 KB chat request straight to jrego's gRPC port, no Envoy, "
             "after the HTTP phases; \"from\" is the phase's start in seconds after jrego's ready):", "",
             "| rate /s | variant | from | jrego | " + " | ".join(GROUP_NAMES) + " |",
             "|---|---|---|---|" + "---|" * len(GROUP_NAMES)]

    def row(label, rate, rows, part, rps):
        def per_req(key):
            return median([r["cpu"].get(key, 0) * 1000 / max(rps(r), 1) for r in rows])
        since = min(r.get("since_ready_s", 0) for r in rows)
        return (f"| {rate:.0f} | {label} | {since:.0f} | {per_req(part):.3f} | "
                + " | ".join(f"{per_req(f'{part}:{g}'):.3f}" for g in GROUP_NAMES) + " |")
    for r in http_warm:
        if r.get("cpu") and r["target"] != "none":
            lines.append(row(f"{r['target']}, warm-up {r['warmup'] + 1}", r["rate"], [r],
                             "jrego-before" if r["target"] == "before" else "jrego", lambda x: x["rps"]))
    for rate in rates:
        for v in variants:
            rows = [r for r in by[(v, rate)] if r.get("cpu")]
            if rows:
                lines.append(row(v, rate, rows, "jrego-before" if v == "before" else "jrego", lambda r: r["rps"]))
    for r in direct:
        if r.get("cpu"):
            took = (r["t1_ms"] - r["t0_ms"]) / 1000
            lines.append(row(f"direct ({r['target']}; {r['ok']} ok, {r['failed']} failed)", r["rate"], [r],
                             r["target"], lambda x: x["ok"] / took))
    if direct:
        lines += ["", "DirectLoad's own reading of the direct phases (jrego's threads in /proc around the "
                  "phase): µs of CPU per Check, user and system, context switches per Check:", "",
                  "| jrego | rate /s | calls ok | user µs | sys µs | CPU µs | voluntary cs | involuntary cs | threads ran |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in direct:
            lines.append(f"| {r['target']} | {r['rate']} | {r['ok']} | {r['user_us_per_call']:.1f} | "
                         f"{r['sys_us_per_call']:.1f} | {r['cpu_us_per_call']:.1f} | {r['voluntary_cs_per_call']:.2f} | "
                         f"{r['involuntary_cs_per_call']:.2f} | {r['threads_that_ran']} |")
    return lines


def token_report(variants, s):
    """The per-token delay of paced streams (SseLoad's TokenDelays), when measured."""
    if not any("token_delay_ms_p50" in s[v] for v in variants):
        return []
    lines = ["", "Per-token delay (ms). Event: for each upstream event carrying answer text, from its writing (the "
             "upstream's `: t=` stamp, wall clock) to the client's read that completed the answer text up to that "
             "event's end, wherever a filter put it (text held back arrives in a later event). Character: each "
             "character of answer text, from its event's writing to its read. Over every such event or character "
             "of every measured stream: a filter holding an event's last word delays the event by the first, only "
             "that word's characters by the second.", "",
             "| variant | events | event p50 | event p90 | event p99 | event mean | chars | char p50 | char p90 | char p99 | char mean |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for v in variants:
        r = s[v]
        if "token_delay_ms_p50" in r:
            c = (f"{r['char_delays']:,} | {r['char_delay_ms_p50']:.2f} | {r['char_delay_ms_p90']:.2f} | "
                 f"{r['char_delay_ms_p99']:.2f} | {r['char_delay_ms_mean']:.2f}") if "char_delay_ms_p50" in r else "- | - | - | - | -"
            lines.append(f"| {v} | {r['token_delays']:,} | {r['token_delay_ms_p50']:.2f} | {r['token_delay_ms_p90']:.2f} | "
                         f"{r['token_delay_ms_p99']:.2f} | {r['token_delay_ms_mean']:.2f} | {c} |")
    return lines


def breakdown(variants, s):
    """Where each variant's time to first byte goes (medians over the measured streams of Envoy's
    access-log points), and ext_proc's round trips to jrego as Envoy timed them."""
    if not any(s[v].get("timings") for v in variants):
        return []

    def med(rows, key, minus=None):
        vals = [r[key] - (r[minus] if minus else 0) for r in rows if key in r and (not minus or minus in r)]
        return f"{median(vals):.2f}" if vals else "-"
    lines = ["", "Where the first byte's time goes, per variant (ms, medians over the measured streams; "
             "Envoy's access log, from the first byte of the request received: `COMMON_DURATION`, and "
             "ext_proc's filter state): request in = the request fully received; request filters = from "
             "then to the request sent upstream (ext_authz's Check, ext_proc's request headers and body); "
             "upstream = from the request sent to the upstream's response headers; response filters = from "
             "those to the first response byte sent to the client (ext_proc's response headers, held in "
             "full duplex until the first answer text is judged); client sees = SseLoad's first byte, from "
             "its request sent.", "",
             "| variant | streams | request in | request filters | upstream | response filters | first byte sent "
             "| client sees | ext_proc request headers | ext_proc request body | ext_proc response headers |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for v in variants:
        rows = s[v].get("timings") or []
        lines.append(
            f"| {v} | {len(rows)} | {med(rows, 'request_in')} | {med(rows, 'upstream_sent', 'request_in')} "
            f"| {med(rows, 'upstream_headers', 'upstream_sent')} | {med(rows, 'downstream_sent', 'upstream_headers')} "
            f"| {med(rows, 'downstream_sent')} | {s[v]['first_byte_ms_p50']:.2f} "
            f"| {med(rows, 'ext_proc_request_headers')} | {med(rows, 'ext_proc_request_body')} "
            f"| {med(rows, 'ext_proc_response_headers')} |")
    return lines


def held_report(variants, s):
    """jrego's own split of the held response headers (jrego_ext_proc_headers_held_seconds, from a jrego
    that has it): per measured stream, from their arrival to their answer, and the part of it the
    stream's messages were in hand; the rest waited for the answer's next piece (or a thread)."""
    rows = []
    for v in variants:
        name = {"ext_authz+ext_proc": "jrego", "before": "jrego-before"}.get(v)
        m = s[v].get("messages", {}).get(name, {}) if name else {}
        total, handling = m.get("headers held: total"), m.get("headers held: handling")
        if total and handling:
            body = m.get("response_body on transport", (0, 0))[0] + m.get("response_body on check", (0, 0))[0]
            rows.append(f"| {v} | {total[0]:.0f} | {total[1]:.2f} | {handling[1]:.2f} | {total[1] - handling[1]:.2f} "
                        f"| {body / total[0]:.1f} |")
    if not rows:
        return []
    return ["", "The held response headers in jrego's own timing (`jrego_ext_proc_headers_held_seconds`, means "
            "over the measured streams, ms): held = from the response headers' arrival to their answer; "
            "handling = the part of it this stream's messages were being handled (the response phase's "
            "decision, then each body piece filtered until answer text is judged past the hold-back); "
            "waiting = the rest, the answer's next piece not yet there (Envoy, the upstream, a hand-off "
            "to a check thread). Body messages per stream: all of the stream's, for scale.", "",
            "| variant | streams | held | handling | waiting | body messages per stream |",
            "|---|---|---|---|---|---|"] + rows


def warm_report(variants, warm_rate, http_warm, http, sse_warm, sse):
    """Whether jrego was warm when measured: its CPU per request in each HTTP warm-up window and in
    the measured phases at the warm-up's rate, and per round of SSE streams (one to each variant) in
    each SSE warm-up window and in the measured rounds, with the CPU per MB of each process there."""
    served = [v for v in variants if v != "none"]

    def jrego_of(v):
        return "jrego-before" if v == "before" else "jrego"

    def per_req(rows, v, part):
        vals = [r["cpu"].get(part, 0) * 1000 / max(r["rps"], 1) for r in rows if r.get("cpu")]
        return f"{median(vals):.3f}" if vals else "-"

    def busy(rows):
        vals = [r["cpu"].get("machine", 0) / (os.cpu_count() or 1) for r in rows if r.get("cpu")]
        return f"{median(vals):.0%}" if vals else "-"
    lines = ["", "## Warm-up: was jrego warm when measured?", "",
             f"HTTP: {args_warmup_text(http_warm, warm_rate)} jrego's CPU per request (ms, from /proc) in "
             "each window, and in the measured phases at the same rate (median of the rounds); p99 of the "
             "window in ms.", "",
             "| window | " + " | ".join(f"{v}: jrego CPU/req | {v}: p99" for v in served) + " | machine busy |",
             "|---|" + "---|---|" * len(served) + "---|"]
    windows = sorted({r["warmup"] for r in http_warm})
    for w in windows:
        rows = [r for r in http_warm if r["warmup"] == w]
        cells = []
        for v in served:
            vr = [r for r in rows if r["target"] == v]
            cells += [per_req(vr, v, jrego_of(v)), f"{median([r['p99_us'] for r in vr]) / 1000:.2f}" if vr else "-"]
        lines.append(f"| warm-up {w + 1} | " + " | ".join(cells) + f" | {busy(rows)} |")
    measured = [r for r in http if abs(r["rate"] - warm_rate) < 0.5]
    if measured:
        cells = []
        for v in served:
            vr = [r for r in measured if r["target"] == v]
            cells += [per_req(vr, v, jrego_of(v)), f"{median([r['p99_us'] for r in vr]) / 1000:.2f}" if vr else "-"]
        lines.append(f"| measured, {warm_rate:g}/s | " + " | ".join(cells) + f" | {busy(measured)} |")
    if not sse_warm:
        return lines
    parts = ["jrego"] + (["jrego-before"] if "before" in variants else [])
    variants = [v for v in variants if any(r["target"] == v for r in sse)]  # the SSE rounds' variants
    focus = [v for v in ("ext_authz+ext_proc", "before") if v in variants]
    authz = "ext_authz" in variants

    def per_round(row, part):
        c = row.get("cpu") or {}
        return c.get(part, 0) * (row["t1_ms"] - row["t0_ms"]) / max(row["streams"], 1)  # ms of CPU
    lines += ["", "SSE: rounds of one stream to each variant (the measured rounds' shape), the warm-up in "
              "windows; jrego's CPU per round (ms" + ("; the ext_authz variant's Check is in jrego's" if authz else
                                                     "; the ext_authz variant is not in the SSE rounds")
              + "), of it its compiler threads' (the JIT: what is still being compiled, not the filter's work), "
              "and the median first byte (ms) and MB/s over all streams of the variants through ext_proc.", "",
              "| window | rounds | " + " | ".join(f"{p} CPU/round | {p} compilers" for p in parts) + " | "
              + " | ".join(f"{v}: first byte | {v}: MB/s" for v in focus) + " | machine busy | steal, CPU-s per 30 s |",
              "|---|---|" + "---|---|" * len(parts) + "---|---|" * len(focus) + "---|---|"]
    groups = [(f"warm-up {w + 1}", [r for r in sse_warm if r["window"] == w])
              for w in sorted({r["window"] for r in sse_warm})] + [("measured", sse)]
    for label, rows in groups:
        by = {r["target"]: r for r in rows}
        any_row = rows[0]
        cells = [f"{per_round(any_row, p):.2f} | {per_round(any_row, p + ':compiler'):.2f}" for p in parts]
        for v in focus:
            r = by[v]
            mbs = r.get("mb_per_s_all") or len(r["mb_per_s"]) / sum(1 / x for x in r["mb_per_s"])
            cells += [f"{r['first_byte_ms_p50']:.2f}", f"{mbs:.2f}"]
        c = any_row.get("cpu") or {}
        lines.append(f"| {label} | {any_row['streams']} | " + " | ".join(cells)
                     + f" | {c.get('machine', 0) / (os.cpu_count() or 1):.0%} | {c.get('steal', 0) * 30:.2f} |")
    mb = {v: sse_row["bytes_per_stream"] / 1e6 for v, sse_row in ((r["target"], r) for r in sse)}
    lines += ["", "CPU per MB of SSE answer in the measured rounds (ms of CPU per MB through each variant; "
              "each variant has its own Envoy; jrego's is its CPU per round over the ext_proc variant's MB"
              + (", so it holds one Check of the ext_authz variant too" if authz else "")
              + "; \"jrego w/o compilers\" leaves its compiler threads out, the work a warm jrego does). Envoy's "
              "ms/MB through none is the machine's speed for the same work: the no-filter MB/s follows it (5 ms/MB "
              "has carried 100-155 MB/s here, 18-25 ms/MB about 30), so compare MB/s within a run only:", "",
              "| variant | Envoy ms/MB | jrego ms/MB | jrego compilers ms/MB | jrego w/o compilers ms/MB |",
              "|---|---|---|---|---|"]
    for v in variants:
        row = next(r for r in sse if r["target"] == v)
        if v in focus:
            all_ = per_round(row, jrego_of(v)) / mb[v]
            comp = per_round(row, jrego_of(v) + ":compiler") / mb[v]
            jr = f"{all_:.1f} | {comp:.1f} | {all_ - comp:.1f}"
        else:
            jr = "- | - | -"
        lines.append(f"| {v} | {per_round(row, f'envoy-{v}') / mb[v]:.1f} | {jr} |")
    row = sse[0]
    n = len(variants)
    rig = (per_round(row, 'upstream') + per_round(row, 'sse-generator')) / n / mb[row['target']]
    lines += ["", f"The rig on the same CPUs, per stream (its CPU per round over the {n} variants' streams, ms per "
              f"MB): ChatUpstream {per_round(row, 'upstream') / n / mb[row['target']]:.1f}, SseLoad "
              f"{per_round(row, 'sse-generator') / n / mb[row['target']]:.1f}. Through no filter, Envoy, the "
              "upstream and the client are all the stream costs: their sum over the two CPUs bounds its MB/s."]
    cpu = {v: per_round(next(r for r in sse if r["target"] == v), f"envoy-{v}") / mb[v] for v in variants}
    for v in focus:
        row = next(r for r in sse if r["target"] == v)
        j = per_round(row, jrego_of(v)) / mb[v]
        jw = j - per_round(row, jrego_of(v) + ":compiler") / mb[v]
        lines.append(
            f"{v} against none from CPU per MB alone (no timing): {cpu['none'] + rig:.1f} / "
            f"{cpu[v] + j + rig:.1f} = {(cpu['none'] + rig) / (cpu[v] + j + rig):.2f}x when all share the CPUs "
            f"(rig included), {cpu['none']:.1f} / {cpu[v] + j:.1f} = {cpu['none'] / (cpu[v] + j):.2f}x for the "
            f"proxies alone on shared CPUs, {cpu['none']:.1f} / max({cpu[v]:.1f}, {j:.1f}) = "
            f"{cpu['none'] / max(cpu[v], j):.2f}x with Envoy and jrego each on a CPU of its own; without jrego's "
            f"compiler threads {cpu['none']:.1f} / max({cpu[v]:.1f}, {jw:.1f}) = {cpu['none'] / max(cpu[v], jw):.2f}x.")
    if "before" in focus:
        a, b = (next(r for r in sse if r["target"] == v) for v in ("ext_authz+ext_proc", "before"))
        ja, jb = per_round(a, "jrego") / mb["ext_authz+ext_proc"], per_round(b, "jrego-before") / mb["before"]
        ca = ja - per_round(a, "jrego:compiler") / mb["ext_authz+ext_proc"]
        cb = jb - per_round(b, "jrego-before:compiler") / mb["before"]
        lines.append(f"jrego after / before, CPU per MB: {ja:.1f} / {jb:.1f} = {ja / jb:.2f}x; without the compiler "
                     f"threads {ca:.1f} / {cb:.1f} = {ca / cb:.2f}x.")
    return lines


def args_warmup_text(http_warm, warm_rate):
    per = {}
    for r in http_warm:
        per[r["target"]] = per.get(r["target"], 0) + r["requests"]
    n = max(per.values()) if per else 0
    k = len({r["warmup"] for r in http_warm})
    return f"{n:,} unmeasured requests per variant at {warm_rate:g}/s in {k} windows, interleaved;"


def cut_report(variants, s, cuts):
    """Streams Envoy ended with a response flag (all streams, warm-up included in ChatUpstream's
    count), and ChatUpstream's own lines for streams cut before their end."""
    flagged = {v: [r for r in s[v].get("timings") or [] if r.get("response_flags", "-") != "-"] for v in variants}
    lines = ["", "Streams cut or flagged: " + ", ".join(
        f"{v} {len(flagged[v])}" + (" (" + ", ".join(sorted({r['response_flags'] for r in flagged[v]})) + ")"
                                    if flagged[v] else "") for v in variants)
        + f" of the measured streams carry an Envoy response flag (`%RESPONSE_FLAGS%`); ChatUpstream "
        f"logged {len(cuts)} stream(s) cut before their end" + (":" if cuts else ".")]
    lines += [f"- `{c}`" for c in cuts[:10]]
    return lines


def render(args, http, sse, sanity, found, checks, load_before, load_after, envoy_version, variants, cuts,
           warm_rate, http_warm, sse_warm, direct):
    rates = [float(r) for r in args.rates.split(",")]
    by = {}
    for row in http:
        by.setdefault((row["target"], row["rate"]), []).append(row)

    def fig(variant, rate, key):
        return median([r[key] for r in by[(variant, rate)]]) / 1000

    def spread(variant, rate, key):
        return " / ".join(f"{r[key] / 1000:.2f}" for r in by[(variant, rate)])

    lines = [
        f"# ext_proc through Envoy: what the hop adds ({datetime.date.today().isoformat()})",
        "",
        f"Command: `python3 load-tests/extproc.py --rates {args.rates} --seconds {args.seconds:g} "
        f"--warmup {args.warmup} --warm-rate {warm_rate:g} --warm-windows {args.warm_windows} --rounds {args.rounds} --streams {args.streams} --events {args.events} "
        f"--sse-warmup {args.sse_warmup} --measure-after {args.measure_after:g}"
        + (f" --pace-ms {args.pace_ms}" if args.pace_ms else "")
        + (f" --jrego-args '{args.jrego_args}'" if args.jrego_args else "")
        + (" --jfr FILE" if args.jfr else "") + (" --before OTHER_CHECKOUT" if args.before else "")
        + (" --full-duplex" if args.full_duplex else "") + (" --ext-proc-alone" if args.ext_proc_alone else "")
        + (" --reverse" if args.reverse else "") + (" --sse-without-authz" if args.sse_without_authz else "")
        + (" --no-sse" if args.no_sse else "") + (f" --direct {args.direct:g}" if args.direct else "") + "`",
        "",
        f"Machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), {platform.platform()}; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after. Envoy {envoy_version.split('version:')[-1].strip()}, "
        "`--concurrency 1` each. jrego, the three Envoys, ChatUpstream and the load generator all share "
        "the two CPUs (nothing pinned): the figures include their contention, as a sidecar's would.",
        "",
        "Variants, the same rendered `envoy-config/envoy.yaml`: **none** (no ext_authz, no ext_proc), "
        "**ext_authz** (ext_authz → jrego), **ext_authz+ext_proc** ("
        + ("envoy-config's full-duplex option" if args.full_duplex else "as shipped") + ")"
        + ("; **ext_proc** (as shipped without ext_authz: the request rule decides alone, one round trip "
           "fewer; the same jrego serves it, so jrego's CPU per round covers both ext_proc variants)"
           if args.ext_proc_alone else "")
        + ("; **before** (the other checkout's jrego and envoy.yaml as shipped there)" if args.before else "")
        + ". The caller is the API "
        "gateway identity (mTLS client certificate), so the shipped bundle redacts the prompt: "
        f"{sanity['ext_authz+ext_proc']:.0f} values replaced in one request through ext_proc, none through the others "
        f"(jrego's `jrego_pii_findings_total`; {found:.0f} in the whole run; "
        f"checks answered: {checks['ext_authz']:.0f} Check, {checks['ext_proc']:.0f} ext_proc phases; "
        f"request phases that read Check's decision instead of evaluating it, "
        f"`jrego_ext_proc_checked_total{{result=\"used\"}}`: {checks['carried']:.0f} of "
        f"{checks['request_phases']:.0f}).",
        "",
        "## 2 KB chat request, open loop",
        "",
        "HttpLoad: `inputs/chat-2kb-pii.json` (2,048 bytes: a system prompt, three turns, a card number, an "
        "IBAN, an e-mail address and a phone number in the last) POSTed over HTTPS/1.1 at a fixed rate, "
        "latency from each request's due time (no coordinated omission), the variants interleaved in one "
        f"JVM; {args.seconds:g} s per phase, {args.rounds} rounds (cells: the median of the rounds; "
        "the rounds themselves in the second table). The answer is ChatUpstream's JSON completion, "
        "which the response phase also inspects (ext_proc sees request headers, request body, response "
        "headers and response body).",
        "",
        "| rate /s | none p50 | none p99 | ext_authz p50 | ext_authz p99 | +ext_proc p50 | +ext_proc p99 "
        "| ext_proc adds p50 | ext_proc adds p99 | both add p99 | non-200 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdict = {}
    for rate in rates:
        n50, n99 = fig("none", rate, "p50_us"), fig("none", rate, "p99_us")
        a50, a99 = fig("ext_authz", rate, "p50_us"), fig("ext_authz", rate, "p99_us")
        p50, p99 = fig("ext_authz+ext_proc", rate, "p50_us"), fig("ext_authz+ext_proc", rate, "p99_us")
        bad = sum(sum(v for k, v in r["codes"].items() if k != "200") for v2 in variants for r in by[(v2, rate)])
        achieved = min(median([r["rps"] for r in by[(v, rate)]]) for v in variants)
        verdict[rate] = (p99 - a99, p50 - a50, achieved, bad)
        lines.append(f"| {rate:.0f} (got {achieved:.0f}) | {n50:.2f} | {n99:.2f} | {a50:.2f} | {a99:.2f} | {p50:.2f} | "
                     f"{p99:.2f} | {p50 - a50:+.2f} | {p99 - a99:+.2f} | {p99 - n99:+.2f} | {bad} |")
    lines += ["", "Milliseconds. \"ext_proc adds\" = ext_authz+ext_proc − ext_authz; \"both add\" = "
              "ext_authz+ext_proc − none.", "", "Each round (ms, round 1 / round 2 ...):", "",
              "| rate /s | variant | p50 | p90 | p99 | p99.9 | steal, CPU-s per 30 s |",
              "|---|---|---|---|---|---|---|"]
    for rate in rates:
        for v in variants:
            steal = " / ".join(f"{r['cpu'].get('steal', 0) * 30:.1f}" for r in by[(v, rate)])
            lines.append(f"| {rate:.0f} | {v} | {spread(v, rate, 'p50_us')} | {spread(v, rate, 'p90_us')} | "
                         f"{spread(v, rate, 'p99_us')} | {spread(v, rate, 'p999_us')} | {steal} |")
    lines += ["", "Steal is what the hypervisor took from the machine while the phase ran (/proc/stat); "
              "more than ~3 CPU-s per 30 s makes a phase's figures void for comparison."]
    lines += ["", "CPU per request while each phase ran (ms of CPU, median of the rounds; from /proc every "
              "100 ms; \"machine\" is both CPUs, 2,000 ms per second at most, \"other\" what no part of the "
              "test used):", "",
              "| rate /s | variant | jrego | Envoy | upstream | generator | other | machine busy |",
              "|---|---|---|---|---|---|---|---|"]
    cpu_rows = {}
    for rate in rates:
        for v in variants:
            rows = [r for r in by[(v, rate)] if r.get("cpu")]
            if not rows:
                continue

            def per_req(part):
                return median([r["cpu"].get(part, 0) * 1000 / max(r["rps"], 1) for r in rows])
            parts = {"jrego": per_req("jrego-before" if v == "before" else "jrego"), "envoy": per_req(f"envoy-{v}"), "upstream": per_req("upstream"),
                     "generator": per_req("generator")}
            machine = per_req("machine")
            cpu_rows[(v, rate)] = parts["jrego"]
            busy = median([r["cpu"].get("machine", 0) / (os.cpu_count() or 1) for r in rows])
            lines.append(f"| {rate:.0f} | {v} | {parts['jrego']:.3f} | {parts['envoy']:.3f} | {parts['upstream']:.3f} | "
                         f"{parts['generator']:.3f} | {machine - sum(parts.values()):.3f} | {busy:.0%} |")
    lines += thread_report(variants, rates, by, direct, http_warm)
    lines += window_report(args, http)
    lines += split_report(variants, rates, by)
    if not sse:
        lines += warm_report(variants, warm_rate, http_warm, http, [], [])
        lines += before_after_http(variants, rates, fig, cpu_rows) + http_targets(verdict)
        return "\n".join(lines) + "\n"
    s = {row["target"]: row for row in sse}
    none, full = s["none"], s["ext_authz+ext_proc"]
    all_variants, variants = variants, [v for v in variants if v in s]  # from here on the SSE rounds' variants
    lines += [
        "",
        "## SSE answer, redacted as it flows",
        "",
        f"SseLoad: {args.streams} streams per variant, one at a time, interleaved; each {args.events} OpenAI "
        f"chat chunks ({none['bytes_per_stream']:,} bytes through no filter), one e-mail address split across "
        "two chunks every 50, written and flushed one event at a time. Through ext_proc the answer "
        "passes the shipped bundle's stream rules (block keys, redact e-mail/card/IBAN/phone, restore the "
        "request's placeholders; 64-character hold-back), in FULL_DUPLEX_STREAMED.",
        "",
        "MB/s all = every stream's bytes over their summed time from first to last body byte (a stream's "
        "own MB/s, of which the percentiles are, comes from a window of a few ms at 2,000 events: one "
        "preemption on the shared CPUs halves it).",
        "",
        "First text = the first byte of a non-empty `content` string (the role chunk's empty one does not "
        "count): a filter that holds answer text back delays it past the first byte.",
        "",
        "| variant | MB/s all | MB/s p50 | MB/s p10 | MB/s p90 | headers ms p50 | first byte ms p50 | first byte ms p90 | first byte ms p99 | first text ms p50 | first text ms p90 | bytes/stream | ok |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for v in variants:
        r = s[v]
        r["mb_per_s_all"] = len(r["mb_per_s"]) / sum(1 / x for x in r["mb_per_s"])
        lines.append(f"| {v} | {r['mb_per_s_all']:.2f} | {r['mb_per_s_p50']:.2f} | {r['mb_per_s_p10']:.2f} | {r.get('mb_per_s_p90', 0):.2f} "
                     f"| {r['headers_ms_p50']:.2f} | "
                     f"{r['first_byte_ms_p50']:.2f} | {r['first_byte_ms_p90']:.2f} | {pct(r['first_byte_ms'], 99):.2f} | "
                     f"{r.get('first_text_ms_p50', float('nan')):.2f} | {r.get('first_text_ms_p90', float('nan')):.2f} | "
                     f"{r['bytes_per_stream']:,} | "
                     f"{r['ok']}/{r['streams']} |")
    lines += token_report(variants, s)
    lines += breakdown(variants, s)
    lines += held_report(variants, s)
    lines += cut_report(variants, s, cuts)
    lines += warm_report(all_variants, warm_rate, http_warm, http, sse_warm, sse)
    ratio = full["mb_per_s_p50"] / none["mb_per_s_p50"]
    ratio_all = full["mb_per_s_all"] / none["mb_per_s_all"]
    ttfb = full["first_byte_ms_p50"] - none["first_byte_ms_p50"]
    ttfb90 = full["first_byte_ms_p90"] - none["first_byte_ms_p90"]
    ttfb99 = pct(full["first_byte_ms"], 99) - pct(none["first_byte_ms"], 99)
    if "before" in s:
        old = s["before"]
        lines += before_after_http(all_variants, rates, fig, cpu_rows)
        lines += ["", f"SSE: {old['mb_per_s_p50']:.2f} → {full['mb_per_s_p50']:.2f} MB/s "
                  f"({full['mb_per_s_p50'] / old['mb_per_s_p50']:.2f}x); first byte {old['first_byte_ms_p50']:.2f} → "
                  f"{full['first_byte_ms_p50']:.2f} ms p50"
                  + (f"; first text {old['first_text_ms_p50']:.2f} → {full['first_text_ms_p50']:.2f} ms p50"
                     if "first_text_ms_p50" in old and "first_text_ms_p50" in full else "")
                  + (f"; per-token delay (event) {old['token_delay_ms_p50']:.2f} → {full['token_delay_ms_p50']:.2f} ms p50, "
                     f"(character) {old['char_delay_ms_mean']:.2f} → {full['char_delay_ms_mean']:.2f} ms mean"
                     if "char_delay_ms_mean" in old and "char_delay_ms_mean" in full else "") + "."]
    lines += http_targets(verdict)
    # the issue's reading: bytes delivered over the streams' time; the median stream's MB/s (a few ms
    # window at 2,000 events, noise-bound here) is a second reading
    if args.pace_ms:
        lines.append(f"| SSE throughput ≥ 50% of no filter | not measured: the upstream wrote an event every "
                     f"{args.pace_ms} ms, so every variant's MB/s is the upstream's pace | - |")
    else:
        lines.append(f"| SSE throughput ≥ 50% of no filter (MB/s over all streams) | {ratio_all:.2f}x "
                     f"({full['mb_per_s_all']:.2f} vs {none['mb_per_s_all']:.2f} MB/s); second reading, the median "
                     f"stream: {ratio:.2f}x ({full['mb_per_s_p50']:.2f} vs {none['mb_per_s_p50']:.2f}) "
                     f"| {'yes' if ratio_all >= 0.5 else 'no'} |")
    text = ""
    if "first_text_ms_p50" in full and "first_text_ms_p50" in none:
        text = (f"; first answer text {full['first_text_ms_p50'] - none['first_text_ms_p50']:+.2f} ms p50, "
                f"{full['first_text_ms_p90'] - none['first_text_ms_p90']:+.2f} ms p90")
    lines.append(f"| SSE adds ≤ 5 ms to the first byte | {ttfb:+.2f} ms p50, {ttfb90:+.2f} ms p90, {ttfb99:+.2f} ms p99"
                 f"{text} | {'yes' if ttfb <= 5 else 'no'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
