#!/usr/bin/env python3
"""`jrego check` beside `opa check` on the modules of OPA's compliance cases.

Takes a random sample (seeded) of the cases in policy-engine/compliance/v1, writes each case's
modules to a temporary folder, runs both `check` commands there (with --strict if asked, and
--v0-compatible where the case is v0) and counts the cases where exit code and stderr agree
byte for byte; prints the first differences.

    python3 load-tests/check_parity.py [--cases 400] [--seed 3] [--strict] [--opa PATH]
"""

import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JREGO = ROOT / "ext-authz-server" / "bin" / "jrego"
CORPUS = ROOT / "policy-engine" / "compliance" / "v1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--opa")
    args = ap.parse_args()
    opa = args.opa or shutil.which("opa") or os.path.join(
        subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True,
                       timeout=20).stdout.strip(), "bin", "opa")
    cases = [c for f in sorted(glob.glob(str(CORPUS / "*" / "*.json")))
             for c in json.load(open(f)).get("cases", []) if c.get("modules")]
    random.seed(args.seed)
    sample = random.sample(cases, min(args.cases, len(cases)))
    same_exit = same = 0
    diffs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(sample):
            d = Path(tmp) / str(i)
            d.mkdir()
            names = []
            for k, module in enumerate(case["modules"]):
                (d / f"m{k}.rego").write_text(module)
                names.append(f"m{k}.rego")
            flags = (["--v0-compatible"] if case.get("v0_compatible") else []) + (
                ["--strict"] if args.strict else [])
            theirs = subprocess.run([opa, "check"] + flags + names, cwd=d, capture_output=True,
                                    text=True, timeout=60)
            mine = subprocess.run([str(JREGO), "check"] + flags + names, cwd=d,
                                  capture_output=True, text=True, timeout=60)
            if theirs.returncode == mine.returncode:
                same_exit += 1
                if theirs.stderr == mine.stderr:
                    same += 1
                    continue
            diffs.append((case["note"], theirs, mine))
    print(f"{len(sample)} cases{' --strict' if args.strict else ''} (seed {args.seed}): "
          f"exit code agrees on {same_exit}, exit code and stderr on {same}")
    for note, theirs, mine in diffs[:20]:
        print(f"--- {note}\nopa {theirs.returncode}: {theirs.stderr[:400]}"
              f"\njrego {mine.returncode}: {mine.stderr[:400]}")


if __name__ == "__main__":
    main()
