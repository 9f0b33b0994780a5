#!/usr/bin/env bash
# A bounded fuzzing run: every @FuzzTest class (one fuzz target each) is fuzzed by Jazzer for
# SECONDS (default 10) in a JVM of its own, after its seeds. A finding fails the run and is written
# next to the seeds (src/test/resources/.../<Class>Inputs/<method>/crash-*), where it stays as a
# regression input once fixed. Usage: .ci/fuzz.sh [SECONDS] [extra Maven arguments, e.g. -Dtest=X]
set -uo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
shift || true

# A fork per test class (-DreuseForks=false) makes Surefire load the test classes in Maven's own
# JVM, so Maven must run on JDK 21 or newer: ./mvnw picks one when the default java is older.
JAZZER_FUZZ=1 ./mvnw -B test -DfuzzOnly -DreuseForks=false -Djazzer.max_duration="${secs}s" "$@"
