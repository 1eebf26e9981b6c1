#!/usr/bin/env python3
"""Transcript reading benchmark (reading only, no scanning): a keyword-dense Claude Code log
from benchmarks/dense_session.py, read by the Python oracle (vitana_guard/transcripts/_oracle)
and by the Rust readers (vitana_guard.transcripts.read), each with the rule pack's keyword
prefilter as `scan` uses it, and without; Python's `json.loads` on every line as the reference.

    python benchmarks/read_transcripts.py [--mb 200] [--runs 5] [--python-runs 1] [--file PATH]

Each figure is the median of its runs, each run in a fresh process (MB/s, items read, peak RSS).
Run by hand; figures go in benchmarks/README.md and the issue note, never into tests.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, sys, time
path, how = sys.argv[1], sys.argv[2]
t0, c0 = time.perf_counter(), time.process_time()
n = 0
if how == "json.loads":
    with open(path, "rb") as f:
        for line in f:
            json.loads(line)
            n += 1
else:
    engine, filtered = how.split("+")
    prefilter = None
    if filtered == "prefilter":
        from vitana_guard.engine.rules import load_pack
        from vitana_guard.pipeline import ScanOptions, _prefilter
        prefilter = _prefilter(load_pack(), ScanOptions(), transcripts=True)
    if engine == "python":
        from vitana_guard.transcripts import _oracle as reader
    else:
        from vitana_guard import transcripts as reader
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in reader.read(path, "bench.jsonl", "claude", prefilter=prefilter):
        n += 1
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "items": n}))
"""


def measure(path: str, how: str, runs: int) -> dict:
    results = []
    for _ in range(runs):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, path, how], stdout=subprocess.PIPE, text=True)
        out = proc.stdout.read()
        proc.stdout.close()
        _, _status, usage = os.wait4(proc.pid, 0)
        r = json.loads(out)
        r["rss_mb"] = usage.ru_maxrss / 1024
        results.append(r)
    size_mb = os.path.getsize(path) / 1e6
    seconds = statistics.median(r["seconds"] for r in results)
    cpu = statistics.median(r["cpu"] for r in results)
    return {"how": how, "runs": runs, "seconds": seconds, "mb_s": size_mb / seconds, "cpu": cpu, "cpu_mb_s": size_mb / cpu,
            "items": results[0]["items"], "rss_mb": max(r["rss_mb"] for r in results)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=200.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--python-runs", type=int, default=1, help="runs of the (slow) Python oracle")
    ap.add_argument("--file", help="an existing log to read instead of generating one")
    args = ap.parse_args()
    path = args.file
    if path is None:
        path = os.path.join(tempfile.gettempdir(), f"vg-dense-{args.mb:g}mb.jsonl")
        if not os.path.exists(path):
            sys.path.insert(0, HERE)
            import dense_session

            t0 = time.perf_counter()
            dense_session.generate(path, args.mb)
            print(f"generated {path} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    size_mb = os.path.getsize(path) / 1e6
    print(f"{path}: {size_mb:.1f} MB")
    # CPU seconds too: on a shared machine the wall clock also counts other processes' turns
    print(f"{'reader':<18} {'runs':>4} {'wall s':>7} {'MB/s':>7} {'CPU s':>7} {'MB/CPU-s':>9} {'items':>9} {'peak RSS MB':>12}")
    rows = [("json.loads", args.runs), ("rust+prefilter", args.runs), ("rust+all", args.runs),
            ("python+prefilter", args.python_runs), ("python+all", args.python_runs)]
    for how, runs in rows:
        if runs <= 0:
            continue
        r = measure(path, how, runs)
        print(f"{how:<18} {r['runs']:>4} {r['seconds']:>7.2f} {r['mb_s']:>7.1f} {r['cpu']:>7.2f} {r['cpu_mb_s']:>9.1f} "
              f"{r['items']:>9} {r['rss_mb']:>12.0f}")


if __name__ == "__main__":
    main()
