#!/usr/bin/env python3
"""What one Check and one ext_proc stream cost jrego with no Envoy in front (issue 9).

For each variant a fresh `jrego serve` (the shipped bundle, plaintext gRPC on loopback) is driven by
DirectLoad straight over gRPC at a fixed rate, for each of --kinds in turn (warm-up, then --rounds
measured phases): `check` (Check of ProcessBenchmark's 2 KB chat request), `process` (an ext_proc
stream of that request and its JSON answer), `sse` (an ext_proc stream of a streamed chat request
whose answer is --events SSE events, one per message, or with --piece-bytes N as many whole
events per message as fit in N bytes). DirectLoad reads jrego's threads in /proc
around each phase: CPU per call and per message (user and system apart), context switches
(voluntary = a thread slept and was woken; involuntary = preempted) and how many threads ran.
Prints a markdown table and writes the JSON lines beside it.

  python3 load-tests/direct.py [--rate 1000] [--seconds 6] [--warmup 15] [--rounds 2] \
      [--kinds check,process,sse] [--events 100] [--piece-bytes 0] [--variants base,threads2,loops1] \
      [--before ROOT] [--jfr FILE] [--out FILE]

Variants: base (as shipped), threads2 (--threads 2), loops1 (one Netty event loop); any of them
with the suffix -aotoff starts without the serve AOT cache (JREGO_AOT=off), whose profiles come from
a short training run per build. A variant named twice (base,before,base) is run twice, labelled
base#1, base#2, to see the order's effect.
--rate is calls (streams) per second for every kind. --before ROOT serves another checkout's
jrego (built there) as the variant `before`, for a before/after pair in one run. --jfr records
the first variant's flight recording (settings=profile) into FILE.
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
    ap.add_argument("--kinds", default="check,process,sse")
    ap.add_argument("--events", type=int, default=100, help="content events per SSE answer")
    ap.add_argument("--piece-bytes", type=int, default=0,
                    help="SSE: whole events per message up to this many bytes (0: one event per message)")
    ap.add_argument("--before", help="another checkout whose jrego (built) serves the variant 'before'")
    ap.add_argument("--jfr", help="flight recording of the first variant's jrego into this file")
    ap.add_argument("--out", help="JSON lines output (default target/direct.jsonl)")
    args = ap.parse_args()
    workdir = os.path.join(HERE, "target", "direct")
    os.makedirs(workdir, exist_ok=True)
    java = extproc.find_java()
    rows = []
    names = args.variants.split(",")
    for n, label in enumerate(names):
        variant, aot_off = label.removesuffix("-aotoff"), label.endswith("-aotoff")
        jrego_args, java_opts = VARIANTS.get(variant, ([], ""))
        root = os.path.abspath(args.before) if variant == "before" else ROOT
        if variant == "before" and not args.before:
            sys.exit("direct.py: the variant 'before' needs --before ROOT")
        grpc, admin = extproc.free_port(), extproc.free_port()
        env = extproc.jfr_env(args.jfr) if n == 0 and args.jfr else dict(os.environ)
        env["JREGO_JAVA_OPTS"] = (env.get("JREGO_JAVA_OPTS", "") + " " + java_opts).strip()
        if aot_off:
            env["JREGO_AOT"] = "off"
        if names.count(label) > 1:
            label = f"{label}#{names[:n].count(label) + 1}"
        try:
            jrego = extproc.start(f"jrego-{label}", [os.path.join(root, "ext-authz-server", "bin", "jrego"), "serve",
                                                       "--addr", f"127.0.0.1:{grpc}",
                                                       "--admin-addr", f"127.0.0.1:{admin}"] + jrego_args,
                                  workdir, env)
            extproc.wait_http(f"http://127.0.0.1:{admin}/ready", 120, jrego)
            for kind in args.kinds.split(","):
                cmd = [java, "-XX:+UseSerialGC", "-cp", extproc.JAR, "io.jrego.loadtests.DirectLoad",
                       "--target", f"127.0.0.1:{grpc}", "--server-pid", str(jrego.pid), "--kind", kind,
                       "--rate", str(args.rate), "--events", str(args.events), "--piece-bytes", str(args.piece_bytes), "--seconds", str(args.seconds), "--warmup", str(args.warmup),
                       "--rounds", str(args.rounds), "--clk-tck", str(os.sysconf("SC_CLK_TCK")), "--root", ROOT]
                extproc.log("+ " + " ".join(cmd))
                out = extproc.subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
                if out.returncode != 0:
                    raise RuntimeError(f"DirectLoad failed: {out.stderr[-2000:]}")
                for line in out.stdout.splitlines():
                    if line.startswith("{"):
                        r = json.loads(line)
                        r["variant"] = label
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
          "| voluntary cs/call | involuntary cs/call | threads that ran | messages/call "
          "| user µs/msg | sys µs/msg | voluntary cs/msg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['variant']} | {r['kind']} | {r['round']} | {r['ok']} | {r['failed']} "
              f"| {r['user_us_per_call']:.1f} | {r['sys_us_per_call']:.1f} | {r['cpu_us_per_call']:.1f} "
              f"| {r['voluntary_cs_per_call']:.2f} | {r['involuntary_cs_per_call']:.2f} | {r['threads_that_ran']} "
              f"| {r['messages_per_call']} | {r['user_us_per_message']:.2f} | {r['sys_us_per_message']:.2f} "
              f"| {r['voluntary_cs_per_message']:.3f} |")
    print(f"\nload average before: {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
