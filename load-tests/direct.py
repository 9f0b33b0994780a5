#!/usr/bin/env python3
"""What one Check and one ext_proc stream cost jrego with no Envoy in front (issue 9).

For each variant a fresh `jrego serve` (the shipped bundle, plaintext gRPC on loopback) is driven by
DirectLoad straight over gRPC at a fixed rate: first Check calls (warm-up, then --rounds measured
phases), then ext_proc streams of ProcessBenchmark's 2 KB redacted chat request and its JSON
answer. DirectLoad reads jrego's threads in /proc around each phase: CPU per call (user and system
apart), context switches per call (voluntary = a thread slept and was woken; involuntary =
preempted) and how many threads ran. Prints a markdown table and writes the JSON lines beside it.

  python3 load-tests/direct.py [--rate 1000] [--seconds 6] [--warmup 15] [--rounds 2] \
      [--variants base,threads2,loops1] [--out FILE]

Variants: base (as shipped), threads2 (--threads 2), loops1 (one Netty event loop).
The ext_proc half does not work yet: no stream completes (ok 0), see
results/direct-2026-12-05.md.
Needs `./mvnw -B -q -o package -DskipTests -pl ext-authz-server,load-tests -am` first.
"""

import argparse
import json
import os
import sys

import extproc

HERE = extproc.HERE
ROOT = extproc.ROOT

VARIANTS = {
    "base": ([], ""),
    "threads2": (["--threads", "2"], ""),
    "loops1": ([], "-Dio.grpc.netty.shaded.io.netty.eventLoopThreads=1"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=6)
    ap.add_argument("--warmup", type=float, default=15)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--out", help="JSON lines output (default target/direct.jsonl)")
    args = ap.parse_args()
    workdir = os.path.join(HERE, "target", "direct")
    os.makedirs(workdir, exist_ok=True)
    java = extproc.find_java()
    rows = []
    for variant in args.variants.split(","):
        jrego_args, java_opts = VARIANTS[variant]
        grpc, admin = extproc.free_port(), extproc.free_port()
        env = dict(os.environ, JREGO_JAVA_OPTS=(os.environ.get("JREGO_JAVA_OPTS", "") + " " + java_opts).strip())
        try:
            jrego = extproc.start(f"jrego-{variant}", [os.path.join(ROOT, "ext-authz-server", "bin", "jrego"), "serve",
                                                       "--addr", f"127.0.0.1:{grpc}",
                                                       "--admin-addr", f"127.0.0.1:{admin}"] + jrego_args,
                                  workdir, env)
            extproc.wait_http(f"http://127.0.0.1:{admin}/ready", 120, jrego)
            for kind in ("check", "process"):
                cmd = [java, "-XX:+UseSerialGC", "-cp", extproc.JAR, "io.jrego.loadtests.DirectLoad",
                       "--target", f"127.0.0.1:{grpc}", "--server-pid", str(jrego.pid), "--kind", kind,
                       "--rate", str(args.rate), "--seconds", str(args.seconds), "--warmup", str(args.warmup),
                       "--rounds", str(args.rounds), "--clk-tck", str(os.sysconf("SC_CLK_TCK")), "--root", ROOT]
                extproc.log("+ " + " ".join(cmd))
                out = extproc.subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
                if out.returncode != 0:
                    raise RuntimeError(f"DirectLoad failed: {out.stderr[-2000:]}")
                for line in out.stdout.splitlines():
                    if line.startswith("{"):
                        r = json.loads(line)
                        r["variant"] = variant
                        rows.append(r)
                        extproc.log(json.dumps(r))
        finally:
            extproc.stop_all()
            extproc.children.clear()
    path = args.out or os.path.join(workdir, "direct.jsonl")
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print("| variant | kind | round | ok | failed | user µs/call | sys µs/call | CPU µs/call "
          "| voluntary cs/call | involuntary cs/call | threads that ran |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['variant']} | {r['kind']} | {r['round']} | {r['ok']} | {r['failed']} "
              f"| {r['user_us_per_call']:.1f} | {r['sys_us_per_call']:.1f} | {r['cpu_us_per_call']:.1f} "
              f"| {r['voluntary_cs_per_call']:.2f} | {r['involuntary_cs_per_call']:.2f} | {r['threads_that_ran']} |")
    print(f"\nload average before: {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
