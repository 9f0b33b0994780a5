#!/usr/bin/env python3
"""Splits a jrego flight recording's CPU samples by what the sampled thread was doing.

Usage: python3 load-tests/jfrsplit.py [--detail] RECORDING.jfr [HH:MM:SS-HH:MM:SS ...]

Each window (UTC wall-clock times, default: the whole recording) gets the share of its
jdk.ExecutionSample events that ran ext_proc's own work (under ProcessStream.onMessage), Check's
(under AuthorizationService.check), the gRPC transport threads outside both, the check threads
outside both, and other threads, plus the JIT's compile time and count in the window
(jdk.CompilerStatistics). Stacks are read 64 frames deep: a deeper evaluation whose bottom is cut
off counts as "check thread, outside the work", so that share is an upper bound.
With --detail each window also gets a finer split of the same samples, each to the first of these
its stack holds: the SSE filter's parts (StreamText: the PII scan, SafePrefix and the release;
ChunkScan: each event's JSON; SseFramer; the rest of SseFilter: decoding, splicing the text back),
Check, ext_proc's phase decisions, ext_proc's answers written (protobuf and gRPC framing), the rest
of ProcessStream, the inbound protobuf parse, the outbound flush (HTTP/2, flow control, the socket
write), the inbound HTTP/2 read and gRPC deframing, the admin server; the rest is "other".
Record with `extproc.py --jfr FILE`; needs `jfr` from the JDK that ran jrego (JAVA_HOME or PATH).
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys


def jfr_tool():
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "jfr")):
        return os.path.join(home, "bin", "jfr")
    return shutil.which("jfr") or sys.exit("jfrsplit: no jfr tool (set JAVA_HOME to a JDK 21+)")


def events(recording, names, depth):
    out = subprocess.run([jfr_tool(), "print", "--json", "--events", names, "--stack-depth", str(depth),
                          recording], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def seconds(iso):
    m = re.match(r"PT(?:(\d+)M)?(?:([\d.]+)S)?", iso)
    return int(m.group(1) or 0) * 60 + float(m.group(2) or 0)


def kind(sample):
    frames = " ".join(f["method"]["type"]["name"] + "." + f["method"]["name"]
                      for f in sample["stackTrace"]["frames"])
    thread = sample["sampledThread"].get("javaName") or ""
    if "ProcessStream.onMessage" in frames:
        return "ext_proc work (ProcessStream)"
    if "AuthorizationService.check" in frames:
        return "Check work"
    if "ELG" in thread or "grpc-io" in thread:
        return "gRPC transport threads, outside the work"
    if thread.startswith("jrego-check"):
        return "check threads, outside the work"
    return "other: " + re.sub(r"\d+", "#", thread)


# --detail: the first of these a sample's stack (or, for the admin server, its thread) holds
PARTS = [
    ("SSE filter: StreamText (PII scan, SafePrefix, release)", ["io.jrego.server.body.StreamText."]),
    ("SSE filter: ChunkScan (each event's JSON)", ["io.jrego.server.body.ChunkScan."]),
    ("SSE filter: SseFramer", ["io.jrego.server.body.SseFramer."]),
    ("SSE filter: the rest of SseFilter (decoding, splicing)", ["io.jrego.server.body.SseFilter."]),
    ("Check", ["io.jrego.server.grpc.AuthorizationService.check"]),
    ("ext_proc phase decisions", ["io.jrego.server.decide.Decider.decide"]),
    ("ext_proc answers written (protobuf, gRPC framing)", ["io.grpc.internal.ServerCallImpl.sendMessage"]),
    ("the rest of ProcessStream", ["io.jrego.server.process.ProcessStream."]),
    ("inbound protobuf parse", ["io.grpc.MethodDescriptor.parseRequest"]),
    ("outbound flush (HTTP/2, flow control, write)", ["io.grpc.netty.shaded.io.grpc.netty.WriteQueue",
                                                      "Http2ConnectionHandler.flush"]),
    ("inbound HTTP/2 read and gRPC deframing", ["EpollStreamUnsafe.epollInReady", "MessageDeframer"]),
]


def part(sample):
    frames = [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]
              for f in sample["stackTrace"]["frames"]]
    for name, marks in PARTS:
        if any(m in f for f in frames for m in marks):
            return name
    if (sample["sampledThread"].get("javaName") or "") == "jrego-admin":
        return "admin server"
    return "other"


def main():
    args = sys.argv[1:]
    detail = "--detail" in args
    args = [a for a in args if a != "--detail"]
    if not args:
        sys.exit(__doc__)
    samples = events(args[0], "jdk.ExecutionSample", 128 if detail else 64)
    jit = [(e["values"]["startTime"][11:19], e["values"]["compileCount"],
            seconds(e["values"]["totalTimeSpent"]))
           for e in events(args[0], "jdk.CompilerStatistics", 1)]
    windows = [tuple(w.split("-")) for w in args[1:]] or [("00:00:00", "99:99:99")]
    for start, end in windows:
        shares = collections.Counter(kind(e["values"]) for e in samples
                                     if e["values"].get("stackTrace")
                                     and start <= e["values"]["startTime"][11:19] < end)
        inside = [j for j in jit if start <= j[0] < end]
        n = sum(shares.values())
        print(f"{start}-{end}: {n} samples")
        for k, c in shares.most_common():
            print(f"  {c * 100 / max(n, 1):5.1f}%  {k}")
        if len(inside) > 1:
            print(f"  JIT: {inside[-1][1] - inside[0][1]} compilations, "
                  f"{inside[-1][2] - inside[0][2]:.2f} s compiling")
        if detail:
            parts = collections.Counter(part(e["values"]) for e in samples
                                        if e["values"].get("stackTrace")
                                        and start <= e["values"]["startTime"][11:19] < end)
            print("  in detail:")
            for k, c in parts.most_common():
                print(f"    {c * 100 / max(n, 1):5.1f}%  {k}")


if __name__ == "__main__":
    main()
