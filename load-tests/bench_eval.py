#!/usr/bin/env python3
"""Policy evaluation alone: jrego (JMH, EvalBenchmark) beside `opa bench`, same policy and input,
for each request mix. Writes load-tests/results/eval-<date>.md with ns per evaluation, bytes and
allocations per evaluation, and the ratio OPA / jrego (above 1 means jrego is faster).

Usage: python3 load-tests/bench_eval.py [--quick] [--mix rbac,ai-gateway,data-lookup]
Bounded: each JMH fork runs a fixed number of timed iterations; each opa bench a fixed count."""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

from run import find_java  # one JDK lookup for both drivers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MIXES = {
    "rbac": ("load-tests/policies/rbac", "load-tests/inputs/rbac.json"),
    "ai-gateway": ("rego-policies/ai-gateway", "load-tests/inputs/ai-chat-2kb.json"),
    "data-lookup": ("load-tests/policies/data-lookup", "load-tests/inputs/data-lookup.json"),
}
QUERY = "data.envoy.authz.allow"


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, text=True, capture_output=True, timeout=900, **kw).stdout


def find_opa():
    run(["bash", os.path.join(ROOT, ".ci", "install-opa.sh")])
    gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True).stdout.strip()
    opa = os.path.join(gopath, "bin", "opa")
    return opa, run([opa, "version"]).splitlines()[0]


def opa_bench(opa, mix, count):
    policy, inp = MIXES[mix]
    results = []
    for _ in range(count):
        out = json.loads(run([opa, "bench", "--format", "json", "--count", "1", "-d", policy, "-i", inp, QUERY], cwd=ROOT))
        n = out["N"]
        results.append((out["T"] / n, out["MemBytes"] / n, out["MemAllocs"] / n))
    ns = statistics.median(r[0] for r in results)
    return {"ns": ns, "bytes": statistics.median(r[1] for r in results), "allocs": statistics.median(r[2] for r in results)}


def jmh(java, mixes, quick):
    jar = os.path.join(HERE, "target", "benchmarks.jar")
    fd, out = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    iters = ["-wi", "2", "-w", "1s", "-i", "3", "-r", "1s"] if quick else ["-wi", "3", "-w", "2s", "-i", "5", "-r", "2s"]
    run([java, "-jar", jar, "EvalBenchmark", "-f", "1", *iters, "-prof", "gc", "-p", "mix=" + ",".join(mixes),
         "-p", "root=" + ROOT, "-rf", "json", "-rff", out], cwd=ROOT)
    res = {}
    for r in json.load(open(out)):
        mix = r["params"]["mix"]
        sec = r.get("secondaryMetrics", {})
        alloc = sec.get("gc.alloc.rate.norm") or sec.get("·gc.alloc.rate.norm") or {}
        res[mix] = {"ns": r["primaryMetric"]["score"], "err": r["primaryMetric"]["scoreError"], "bytes": alloc.get("score")}
    os.unlink(out)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    ap.add_argument("--mix", default=",".join(MIXES))
    args = ap.parse_args()
    mixes = args.mix.split(",")
    run([sys.executable, os.path.join(HERE, "gen-data.py")])
    java, java_version = find_java()
    if not os.path.exists(os.path.join(HERE, "target", "benchmarks.jar")):
        run([os.path.join(ROOT, "mvnw"), "-B", "-q", "-DskipTests", "-pl", "load-tests", "-am", "package"], cwd=ROOT)
    opa, opa_version = find_opa()
    jr = jmh(java, mixes, args.quick)
    rows = []
    for mix in mixes:
        o = opa_bench(opa, mix, 3)
        j = jr[mix]
        rows.append((mix, j, o))
    date = datetime.datetime.now(datetime.timezone.utc)
    lines = [
        f"# Policy evaluation: jrego vs `opa bench` ({date:%Y-%m-%d %H:%M} UTC)",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        f"- jrego: JMH `EvalBenchmark` on {java_version}; OPA: `opa bench` ({opa_version})",
        f"- command: `python3 load-tests/bench_eval.py{' --quick' if args.quick else ''}`",
        "",
        "| mix | jrego ns/eval | OPA ns/eval | OPA / jrego (speed) | jrego B/eval | OPA B/eval | OPA allocs/eval |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mix, j, o in rows:
        jb = f"{j['bytes']:.0f}" if j["bytes"] is not None else "n/a"
        lines.append(f"| {mix} | {j['ns']:.0f} ± {j['err']:.0f} | {o['ns']:.0f} | {o['ns'] / j['ns']:.2f}x | {jb} | {o['bytes']:.0f} | {o['allocs']:.0f} |")
    lines += ["", "`opa bench` figures are the median of 3 runs; its ns/eval includes its own harness per operation.", ""]
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", f"eval-{date:%Y-%m-%d}.md")
    open(path, "w").write("\n".join(lines))
    print("\n".join(lines))
    print("wrote", path)


if __name__ == "__main__":
    main()
