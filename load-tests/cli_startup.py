#!/usr/bin/env python3
"""Wall time of short jrego commands beside opa's, as CI and editors run them.

Runs each command N times (after one untimed run), alternating jrego and opa so that both see the
same machine, and prints the median and the spread of each with the ratio jrego/opa as a Markdown
table. Commands: `eval` of a one-rule policy, `test` of the shipped ai-gateway bundle, `check` of
that bundle. jrego runs through its launcher (ext-authz-server/bin/jrego: the JVM options and the
ahead-of-time cache users get); `--baseline` adds another checkout's launcher (before a
change); `--variant NAME=FLAGS` adds a row per command for the jar run with
other JVM flags (e.g. `--variant plain=` for no cache and default flags), to see what each change
is worth.

Run it alone on an otherwise idle machine:
    python3 load-tests/cli_startup.py [--runs 10] [--opa PATH] [--variant NAME=FLAGS ...]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "ext-authz-server" / "bin" / "jrego"
JAR = ROOT / "ext-authz-server" / "target" / "jrego.jar"
BUNDLE = ROOT / "rego-policies" / "ai-gateway"

SMALL = 'package small\n\nallow if input.user == "alice"\n'


def find_opa(given):
    if given:
        return given
    try:
        gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True,
                                timeout=20).stdout.strip()
        if gopath and os.access(Path(gopath) / "bin" / "opa", os.X_OK):
            return str(Path(gopath) / "bin" / "opa")
    except (OSError, subprocess.TimeoutExpired):
        pass
    found = shutil.which("opa")
    if not found:
        sys.exit("opa not found: run .ci/install-opa.sh or pass --opa")
    return found


def find_java():
    """The java the launcher picks: $JAVA_HOME, else the newest JDK under /usr/lib/jvm."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    best, best_v = None, 0
    for d in sorted(Path("/usr/lib/jvm").glob("*")):
        release = d / "release"
        if (d / "bin" / "java").exists() and release.exists():
            for line in release.read_text().splitlines():
                if line.startswith("JAVA_VERSION="):
                    v = int(line.split('"')[1].split(".")[0])
                    if v > best_v:
                        best, best_v = str(d / "bin" / "java"), v
    return best or "java"


def timed(cmd, runs):
    """Median and range of `runs` wall times, in seconds; the command must exit 0."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode()[-500:]}")
    return statistics.median(times), min(times), max(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--opa")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=JVM FLAGS: also run the jar with these flags")
    ap.add_argument("--baseline", metavar="LAUNCHER",
                    help="another checkout's bin/jrego (e.g. main's, built), as a 'before' row")
    args = ap.parse_args()
    opa = find_opa(args.opa)
    java = find_java()
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.rego"
        small.write_text(SMALL)
        inp = Path(tmp) / "input.json"
        inp.write_text('{"user": "alice"}')
        commands = {
            "eval (one rule)": ["eval", "-d", str(small), "-i", str(inp), "data.small.allow"],
            "test (ai-gateway)": ["test", str(BUNDLE)],
            "check (ai-gateway)": ["check", str(BUNDLE)],
        }
        rows = []
        for name, sub in commands.items():
            runners = {"jrego (bin/jrego)": [str(LAUNCHER)] + sub, "opa": [opa] + sub}
            if args.baseline and not (name.startswith("check")):  # the baseline has no check
                runners["jrego (baseline)"] = [args.baseline] + sub
            for v in args.variant:
                label, _, flags = v.partition("=")
                runners[f"jrego ({label})"] = [java] + flags.split() + ["-jar", str(JAR)] + sub
            for cmd in runners.values():  # one untimed run each
                subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=120)
            results = {label: [] for label in runners}
            for _ in range(args.runs):  # interleaved, one run of each per round
                for label, cmd in runners.items():
                    results[label].append(timed(cmd, 1)[0])
            opa_median = statistics.median(results["opa"])
            for label, times in results.items():
                m = statistics.median(times)
                rows.append((name, label, m, min(times), max(times), m / opa_median))
    print(f"{args.runs} runs each, interleaved; java: {java}\n")
    print("| command | runner | median s | min s | max s | / opa |")
    print("|---|---|---:|---:|---:|---:|")
    for name, label, m, lo, hi, ratio in rows:
        print(f"| {name} | {label} | {m:.3f} | {lo:.3f} | {hi:.3f} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
