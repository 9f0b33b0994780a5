#!/usr/bin/env python3
"""What the first traffic after ready makes the JIT compile that the start-up did not (issue 12).

One start of `ext-authz-server/bin/jrego serve` on the ai-gateway bundle, pinned to one CPU as
footprint.py pins it (so the launcher picks C1 alone), its compilations logged
(-Xlog:jit+compilation); at ready, traffic for --seconds at --rate, then it stops. Every method
compiled after the traffic began and not compiled before ready is listed by package: what a
warm-up before ready did not reach.

    python3 load-tests/compile_diff.py [--client envoy|grpc] [--warm-up 500ms] [--rate 400]
        [--seconds 10] [--env NAME=VALUE ...] [--java-opt FLAG ...] [--label NAME] [--root CHECKOUT]

--client envoy: Envoy (envoy-config/envoy.yaml rendered, answering itself instead of an upstream)
in front, FaultLoad's ai-gateway mix over its mTLS listener: Envoy's own gRPC client makes the
Check calls and ext_proc streams, as in a mesh. Both start at ready (the server's port listens
during its warm-up, so traffic sent earlier would be answered there), and FaultLoad starts cold:
on a busy machine most of its requests in the first seconds time out on its side, so the rate
jrego sees is below --rate. --client grpc: LoadGen (grpc-java) straight to the gRPC port, the
client footprint.py measures with.

The JIT logs a compilation when a compiler thread takes it up, not when it is queued; the queue
times come from -XX:+LogCompilation, so that a method queued during the warm-up and compiled
after ready (the compiler's backlog) is told apart from one first queued under traffic.
Writes results/compile-diff-<label>-<date>.md and .json (the methods themselves in the .json).
"""
import argparse
import collections
import datetime
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402

BUNDLE = os.path.join(R.ROOT, "rego-policies", "ai-gateway")
INPUT = "load-tests/inputs/ai-chat-2kb.json"

# (prefix, name): the first that matches a method's class names its group
GROUPS = [
    ("io.grpc.netty.shaded.io.netty.", "shaded Netty"),
    ("io.grpc.netty.shaded.", "gRPC's Netty transport"),
    ("io.grpc.", "gRPC"),
    ("io.envoyproxy.", "Envoy protos"),
    ("com.google.protobuf.", "protobuf"),
    ("com.fasterxml.jackson.", "Jackson"),
    ("io.jrego.server.", "jrego server"),
    ("io.jrego.", "jrego engine"),
    ("java.lang.invoke.", "java.lang.invoke"),
    ("jdk.internal.", "jdk.internal"),
    ("java.", "java.*"),
    ("sun.", "sun.*"),
]

LINE = re.compile(r"\[(\d+\.\d+)s\]\s+(\d+)\s+([%sbn!]*)\s*([0-4])\s+(\S+::\S+)")
QUEUED = re.compile(r"<task_queued compile_id='(\d+)'.*? stamp='(\d+\.\d+)'")


def group(method):
    for prefix, name in GROUPS:
        if method.startswith(prefix):
            return name
    return "other"


def compiles(path):
    """(uptime s, compile id, method, osr) per compilation, from a -Xlog:jit+compilation=debug log:
    the JVM writes each line when a compiler thread takes the task up, not when it is queued."""
    out = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                out.append((float(m.group(1)), int(m.group(2)), m.group(5), "%" in m.group(3)))
    return out


def queued(path):
    """compile id -> uptime s at which the task was queued, from a -XX:+LogCompilation file."""
    out = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = QUEUED.search(line)
                if m:
                    out[int(m.group(1))] = float(m.group(2))
    except OSError:
        pass
    return out


def uptime_now(java, pid):
    """The JVM's uptime in seconds at the moment of asking (jcmd VM.uptime), and the wall time."""
    jcmd = os.path.join(os.path.dirname(java), "jcmd")
    before = time.time()
    out = subprocess.run([jcmd, str(pid), "VM.uptime"], capture_output=True, text=True, timeout=60).stdout
    after = time.time()
    m = re.search(r"(\d+\.\d+) s", out)
    if not m:
        raise RuntimeError(f"jcmd VM.uptime said {out!r}")
    return float(m.group(1)), (before + after) / 2


def start_jrego(args, workdir, port, admin, jit_log):
    cmd = R.pinned("server", [os.path.join(args.root, "ext-authz-server", "bin", "jrego"), "serve",
                              "--addr", f"127.0.0.1:{port}", "--admin-addr", f"127.0.0.1:{admin}",
                              "--warm-up", args.warm_up, "--bundle", BUNDLE])
    opts = [f"-Xlog:jit+compilation=debug:file={jit_log}:uptime",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:+LogCompilation", f"-XX:LogFile={jit_log}.xml", *args.java_opt]
    env = dict(os.environ, JREGO_JAVA_OPTS=" ".join(opts), **dict(e.split("=", 1) for e in args.env))
    launched = time.time()
    s = R.Server("jrego", cmd, env=env, log_path=os.path.join(workdir, "jrego.log"))
    R.wait_http(f"http://127.0.0.1:{admin}/ready", 180, s)
    return s, launched, time.time()


def envoy_traffic(args, java, workdir, port, start_server):
    """At ready, Envoy and FaultLoad start (Envoy first takes the traffic the server would answer
    before ready, since the server's port listens during its warm-up); the window starts with
    FaultLoad's launch, so its own cold start (TLS, its JIT) falls inside it."""
    certs = os.path.join(workdir, "certs")
    if not os.path.isdir(certs):
        R.run(["bash", os.path.join(R.ROOT, "envoy-config", "make-certs.sh"), certs])
    plain, listen, eadmin = R.free_port(), R.free_port(), R.free_port()
    cfg = os.path.join(workdir, "envoy.yaml")
    env = dict(os.environ, ENVOY_LISTEN_PORT=str(listen), ENVOY_PLAIN_PORT=str(plain), ENVOY_ADMIN_PORT=str(eadmin),
               JREGO_GRPC_PORT=str(port), UPSTREAM_PORT=str(R.free_port()), CERT_DIR=certs)
    R.run(["bash", os.path.join(R.ROOT, "envoy-config", "render.sh"), cfg], env=env)
    text = open(cfg).read()
    answered = text.replace("route: { cluster: upstream, timeout: 60s }",
                            'direct_response: { status: 200, body: { inline_string: "ok" } }')
    if answered == text:
        raise RuntimeError("could not find the upstream route in the rendered config")
    open(cfg, "w").write(answered)
    server, launched, ready = start_server()
    envoy = R.Server("envoy", R.pinned("generator", ["envoy", "-c", cfg, "--concurrency", "1", "-l", "error",
                                                     "--base-id", str(plain)]),
                     log_path=os.path.join(workdir, "envoy.log"),
                     ready=lambda s: R.wait_http(f"http://127.0.0.1:{eadmin}/ready", 60, s))
    try:
        t0 = time.time()
        gen = subprocess.Popen(R.pinned("generator", [java, "-Xmx256m", "-cp", R.JAR, "io.jrego.loadtests.FaultLoad",
                                                      f"https://127.0.0.1:{listen}", certs, str(args.rate),
                                                      str(args.seconds + 60)]),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=open(os.path.join(workdir, "faultload.err"), "w"), text=True)
        R.children.append(gen)
        try:
            time.sleep(args.seconds)
            gen.stdin.write("stop\n")
            gen.stdin.flush()
            out, _ = gen.communicate(timeout=90)
        finally:
            if gen.poll() is None:
                gen.kill()
        phases = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        return server, launched, ready, t0, phases
    finally:
        envoy.stop()


def grpc_traffic(args, java, port, start_server):
    """LoadGen (grpc-java) straight to the gRPC port, open loop for --seconds."""
    server, launched, ready = start_server()
    t0 = time.time()
    cmd = R.loadgen_cmd(java, f"grpc://127.0.0.1:{port}", INPUT,
                        ["--concurrency", "16", "--duration", str(args.seconds), "--warmup", "0",
                         "--plan", f"open:{args.rate}:{args.seconds}"])
    out = subprocess.run(cmd, cwd=R.ROOT, capture_output=True, text=True, timeout=args.seconds + 120).stdout
    phases = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return server, launched, ready, t0, phases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--client", choices=["envoy", "grpc"], default="envoy")
    ap.add_argument("--warm-up", default="500ms", help="serve --warm-up")
    ap.add_argument("--rate", type=int, default=150, help="requests per second (fault_matrix.py's calm rate through Envoy)")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the launcher, e.g. JREGO_JIT=c1")
    ap.add_argument("--java-opt", action="append", default=[], help="a JVM flag added (JREGO_JAVA_OPTS)")
    ap.add_argument("--label", default="")
    ap.add_argument("--root", default=R.ROOT, help="the checkout whose launcher runs (built, its AOT cache made)")
    ap.add_argument("--server-cpus", default="0")
    ap.add_argument("--generator-cpus", default="1")
    ap.add_argument("--out", default=os.path.join(R.HERE, "results"))
    ap.add_argument("--top", type=int, default=25, help="classes listed")
    args = ap.parse_args()
    R.PIN.update(server=args.server_cpus, generator=args.generator_cpus)
    java, _ = R.find_java()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H%M")
    workdir = os.path.join("/tmp", f"compile-diff-{os.getpid()}")
    os.makedirs(workdir, exist_ok=True)
    jit_log = os.path.join(workdir, "jit.log")
    port, admin = R.free_port(), R.free_port()

    def start_server():
        return start_jrego(args, workdir, port, admin, jit_log)

    if args.client == "envoy":
        server, launched, ready, t0, phases = envoy_traffic(args, java, workdir, port, start_server)
    else:
        server, launched, ready, t0, phases = grpc_traffic(args, java, port, start_server)
    try:
        up, at = uptime_now(java, server.pid)
    finally:
        server.stop()
    ready_up = up - (at - ready)
    traffic_up = up - (at - t0)
    end_up = traffic_up + args.seconds
    with open(os.path.join(workdir, "jrego.log")) as f:
        warmed = re.search(r"warmed up with .*? in \d+ ms", f.read())
    events = compiles(jit_log)
    before = [e for e in events if e[0] < ready_up]
    during = [e for e in events if traffic_up <= e[0] < end_up]
    seen = {m for _, _, m, _ in before}
    new = sorted({m for _, _, m, _ in during if m not in seen})
    again = sorted({m for _, _, m, _ in during if m in seen})
    # a compile started in traffic may have been queued before ready: the compiler's backlog
    q = queued(jit_log + ".xml")
    backlog = sorted({m for _, i, m, _ in during if m not in seen and q.get(i, end_up) < ready_up})
    queue_wait = sorted(t - q[i] for t, i, m, _ in during if i in q)
    reached = sorted(set(new) - set(backlog))  # first queued under traffic: what nothing before reached
    reached_by_group = collections.Counter(group(m) for m in reached)
    by_group = collections.Counter(group(m) for m in new)
    by_class = collections.Counter(m.split("::")[0] for m in new)
    res = {"client": args.client, "warm_up": args.warm_up, "rate": args.rate, "seconds": args.seconds,
           "env": args.env, "java_opts": args.java_opt, "ready_s": round(ready - launched, 3),
           "ready_uptime_s": round(ready_up, 3),
           "warm_up_log": warmed.group(0) if warmed else None, "compiled_before_ready": len(before),
           "methods_before_ready": len(seen), "compiled_in_traffic": len(during),
           "new_in_traffic": len(new), "again_in_traffic": len(again), "new_queued_before_ready": len(backlog),
           "queue_wait_s_p50_p90_max": [round(queue_wait[int(k * (len(queue_wait) - 1))], 3) for k in (0.5, 0.9, 1.0)]
           if queue_wait else None,
           "new_by_group": dict(by_group.most_common()),
           "first_queued_in_traffic_by_group": dict(reached_by_group.most_common()),
           "first_queued_in_traffic": reached, "new_by_class": dict(by_class.most_common(args.top)),
           "new_methods": new, "phases": phases}
    name = f"compile-diff-{args.label + '-' if args.label else ''}{stamp}"
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(res, f, indent=1)
    lines = [f"# Compile diff: {args.client} client, warm-up {args.warm_up}, {args.rate}/s for {args.seconds:g} s "
             f"from ready ({stamp} UTC)", "",
             f"Launcher environment {args.env or 'as shipped'}, JVM flags added {args.java_opt or 'none'}; server "
             f"on CPU {args.server_cpus}, client on {args.generator_cpus}. Ready {res['ready_s']} s after launch; "
             f"{res['warm_up_log'] or 'no warm-up'}.", "",
             f"- compilations queued before ready: {len(before)} ({len(seen)} methods)",
             f"- in the {args.seconds:g} s of traffic: {len(during)}; methods not compiled before ready: "
             f"**{len(new)}**, of which queued before ready (the compiler's backlog): {len(backlog)}; "
             f"compiled again: {len(again)}",
             f"- wait in the compile queue of the compiles in traffic, p50 / p90 / max s: {res['queue_wait_s_p50_p90_max']}",
             "",
             "| group | methods compiled in traffic, not before ready | of them first queued in traffic |",
             "|---|---:|---:|"]
    lines += [f"| {g} | {n} | {reached_by_group.get(g, 0)} |" for g, n in by_group.most_common()]
    lines += ["", f"The {args.top} classes with the most such methods:", "", "| class | methods |", "|---|---:|"]
    lines += [f"| `{c}` | {n} |" for c, n in by_class.most_common(args.top)]
    with open(os.path.join(args.out, name + ".md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
