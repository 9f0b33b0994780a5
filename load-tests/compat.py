#!/usr/bin/env python3
"""jrego against OPA-Envoy, answer by answer: the drop-in check.

Starts jrego and opa-envoy-plugin on loopback with the same probe bundle (compat/policy), sends
each request of compat/cases.json to both with CheckDiff, and writes the comparison to
results/compat-<date>.md. A difference the project documents (compat/cases.json's
known_differences) is reported as such; any other difference makes the exit status 1.

    python3 load-tests/compat.py --opa-envoy-bin PATH      (or OPA_ENVOY_BIN=PATH)

Without a binary it tries the same pinned `go install` as run.py.
"""

import argparse
import datetime
import os
import subprocess
import sys

import run as harness

HERE = harness.HERE
ROOT = harness.ROOT


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--opa-envoy-bin", default=os.environ.get("OPA_ENVOY_BIN"),
                   help="an opa-envoy-plugin binary (default: $OPA_ENVOY_BIN, else the pinned go install)")
    p.add_argument("--no-build", action="store_true", help="use the jars already built")
    p.add_argument("--out", help="report path (default: load-tests/results/compat-<date>.md)")
    args = p.parse_args()

    if not args.no_build:
        harness.build()
    java, _ = harness.find_java()
    binary = args.opa_envoy_bin
    # the report names where the binary came from, never a path on the machine that ran it
    shown = "`OPA_ENVOY_BIN` (built outside the repository, see load-tests/README.md)"
    if not binary:
        binary, what = harness.install_opa_envoy()
        shown = f"`{what}`"
        if not binary:
            sys.exit(f"error: no opa-envoy-plugin: {what}; pass --opa-envoy-bin")
    version = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=60).stdout.splitlines()[0]

    bundle = os.path.join("load-tests", "compat", "policy")
    jrego_port, opa_port = harness.free_port(), harness.free_port()
    servers = []
    try:
        servers.append(harness.start_jrego(bundle, jrego_port))
        servers.append(harness.start_opa_envoy(binary, bundle, opa_port))
        out = args.out or os.path.join(HERE, "results", f"compat-{datetime.date.today()}.md")
        table = out + ".table"
        r = subprocess.run([java, "--enable-native-access=ALL-UNNAMED", "-cp", harness.JAR,
                            "io.jrego.loadtests.CheckDiff", "--cases", os.path.join(HERE, "compat", "cases.json"),
                            "--a", f"jrego=grpc://127.0.0.1:{jrego_port}",
                            "--b", f"opa-envoy=grpc://127.0.0.1:{opa_port}", "--out", table],
                           text=True, capture_output=True, timeout=300)
    finally:
        for s in servers:
            s.stop()
    if not os.path.exists(table):
        sys.exit(f"error: CheckDiff wrote no report:\n{r.stderr}")
    with open(table) as f:
        body = f.read()
    os.remove(table)
    with open(out, "w") as f:
        f.write(f"# jrego vs OPA-Envoy, answer by answer ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC)\n\n")
        f.write(f"- OPA-Envoy: {shown} ({version})\n")
        f.write("- jrego: `ext-authz-server/bin/jrego serve` at this commit\n")
        f.write("- bundle: `load-tests/compat/policy` (the request header `x-case` picks the decision); "
                "requests and documented differences: `load-tests/compat/cases.json`\n")
        f.write("- command: `python3 load-tests/compat.py`\n\n")
        f.write(body)
    print(r.stdout.strip())
    print(f"report: {os.path.relpath(out, ROOT)}")
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
