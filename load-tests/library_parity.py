#!/usr/bin/env python3
"""jrego test against opa test on other people's policy libraries: outcome by outcome.

For each folder given (or, with --per-test-folder, each folder under it that holds a *_test.rego),
runs `opa test --format json` and `jrego test --format json` on the same files and compares every
test's outcome (pass, fail, error, skip), the exit codes, and, when a run loads nothing (an error
before any test runs), the first error line of each. Prints the agreement and every difference;
the exit status is 1 if anything differs.

    python3 load-tests/library_parity.py --per-test-folder --v0-compatible CHECKOUT/src
    python3 load-tests/library_parity.py CHECKOUT

The libraries are not in this repository: pass a checkout of each (the commits measured are in
results/library-parity-*.md). jrego is the packaged ext-authz-server/target/jrego.jar (build it
first: ./mvnw -pl ext-authz-server -am package -DskipTests); opa is the one on PATH or in
$(go env GOPATH)/bin (.ci/install-opa.sh).
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

import run as harness

JAR = os.path.join(harness.ROOT, "ext-authz-server", "target", "jrego.jar")


def outcomes(stdout):
    try:
        rows = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        return None
    if not isinstance(rows, list):
        return None
    out = {}
    for r in rows:
        key = r.get("package", "") + "." + r.get("name", "")
        out[key] = ("fail" if r.get("fail") else "error" if r.get("error")
                    else "skip" if r.get("skip") else "pass")
    return out


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, outcomes(p.stdout), (p.stderr.strip().splitlines() or [""])[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+")
    p.add_argument("--per-test-folder", action="store_true",
                   help="run each folder holding a *_test.rego on its own")
    p.add_argument("--v0-compatible", action="store_true", help="the library is Rego v0")
    p.add_argument("--jar", default=JAR, help="the jrego jar (default: the packaged one)")
    a = p.parse_args()
    java, _ = harness.find_java()
    opa = shutil.which("opa") or harness.gopath_bin("opa")
    folders = []
    for f in a.folders:
        if a.per_test_folder:
            folders += sorted({os.path.dirname(t) for t in
                               glob.glob(os.path.join(f, "**", "*_test.rego"), recursive=True)})
        else:
            folders.append(f)
    flags = ["--v0-compatible"] if a.v0_compatible else []
    tests = agree = 0
    diffs = []
    for f in folders:
        args = ["test", *flags, "--format", "json", f]
        o_exit, o, o_err = run([opa, *args])
        j_exit, j, j_err = run([java, "-jar", a.jar, *args])
        if o_exit != j_exit:
            diffs.append(f"{f}: exit opa {o_exit}, jrego {j_exit}")
        if o is None or j is None:
            if (o is None) != (j is None) or o_err != j_err:
                diffs.append(f"{f}: loading\n  opa:   {o_err}\n  jrego: {j_err}")
            continue
        for k in sorted(set(o) | set(j)):
            tests += 1
            if o.get(k) == j.get(k):
                agree += 1
            else:
                diffs.append(f"{f}: {k}: opa {o.get(k)}, jrego {j.get(k)}")
    print(f"folders {len(folders)}, tests {tests}, same outcome {agree}"
          + (f" ({100.0 * agree / tests:.1f}%)" if tests else ""))
    for d in diffs:
        print("DIFF", d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
