#!/usr/bin/env python3
"""Transcript scan benchmark: a generated Claude Code JSONL with rare violations.

    python benchmarks/transcripts.py [--mb 200] [--file PATH] [--jobs 1 2]

Prints MB/s and peak RSS of `vitana-guard scan FILE` per --jobs value, and the same
file through `rg` with the rule pack's keywords when rg is installed. Run by hand;
figures go in the issue note, never into tests.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

FILLER = [
    "Let me look at the failing test first.",
    "The pagination bug is in the cursor handling; I'll fix the off-by-one and add a test.",
    "Running the unit tests for the tasks service now.",
    "All 214 tests pass. Next I'll update the migration.",
]
COMMANDS = ["npm test -- tasks", "git status", "rg -n cursor services/", "git diff --stat", "pytest -q tests/unit"]
RARE = [
    "gcloud run deploy gateway --source .",
    "./scripts/deploy.sh oasis-operator",
    "curl -s https://gateway-7bq3mm2ncd-uc.a.run.app/api/v1/cicd/health",
]


def generate(path: str, megabytes: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    target = megabytes * 1_000_000
    written = violations = 0
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < target:
            n += 1
            base = {"parentUuid": f"u{n - 1}", "isSidechain": False, "userType": "external", "cwd": "/srv/vitana-platform",
                    "sessionId": "bench-session", "version": "2.1.200", "gitBranch": "claude/fix-issue-B1",
                    "uuid": f"u{n}", "timestamp": "2026-11-20T10:00:00.000Z"}
            kind = rng.random()
            if kind < 0.0005:
                cmd = rng.choice(RARE)
                violations += 1
            else:
                cmd = rng.choice(COMMANDS)
            if kind < 0.5:
                record = {**base, "type": "assistant", "message": {"id": f"msg_{n}", "type": "message", "role": "assistant",
                          "model": "claude-sonnet-4-5", "content": [{"type": "tool_use", "id": f"toolu_{n}", "name": "Bash",
                                                                     "input": {"command": cmd, "description": "run"}}]}}
                line = json.dumps(record, ensure_ascii=False)
                if kind < 0.0001:  # a violation spelled with a JSON escape: must still be found
                    line = line.replace('"command": "', '"command": "\\u0067cloud run deploy x; ', 1)
            elif kind < 0.8:
                output = "\n".join(rng.choice(FILLER) for _ in range(rng.randint(5, 40)))
                record = {**base, "type": "user", "message": {"role": "user", "content": [
                    {"tool_use_id": f"toolu_{n - 1}", "type": "tool_result", "content": output, "is_error": False}]},
                    "toolUseResult": {"stdout": output, "stderr": "", "interrupted": False}}
                line = json.dumps(record, ensure_ascii=False)
            else:
                text = " ".join(rng.choice(FILLER) for _ in range(rng.randint(1, 6)))
                record = {**base, "type": "assistant", "message": {"id": f"msg_{n}", "type": "message", "role": "assistant",
                          "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": text}]}}
                line = json.dumps(record, ensure_ascii=False)
            f.write(line + "\n")
            written += len(line) + 1
    return violations


def run(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024, proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=200, help="size of the generated file (MB)")
    ap.add_argument("--file", help="use this transcript instead of generating one")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    vg = shutil.which("vitana-guard") or os.path.join(os.path.dirname(sys.executable), "vitana-guard")
    tmp = tempfile.mkdtemp(prefix="vg-bench-")
    path = args.file
    if path is None:
        path = os.path.join(tmp, "session.jsonl")
        t = time.perf_counter()
        planted = generate(path, args.mb)
        print(f"generated {path}: {os.path.getsize(path) / 1e6:.0f} MB, {planted} lines with planted violations "
              f"({time.perf_counter() - t:.1f} s)")
    size_mb = os.path.getsize(path) / 1e6
    for jobs in args.jobs:
        out = os.path.join(tmp, f"out-{jobs}.json")
        elapsed, rss, proc = run([vg, "scan", path, "--jobs", str(jobs), "--format", "json", "--output", out])
        report = json.load(open(out)) if os.path.exists(out) else {"findings": []}
        lines = len({f["line"] for f in report["findings"]})
        print(f"vitana-guard --jobs {jobs}: {elapsed:.2f} s, {size_mb / elapsed:.0f} MB/s, peak RSS {rss:.0f} MB, "
              f"{len(report['findings'])} findings on {lines} lines, exit {proc.returncode}")
    rg = shutil.which("rg")
    if rg:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
        from vitana_guard.engine.rules import load_pack

        keywords = sorted({k for r in load_pack().rules for k in r.keywords})
        pattern = "|".join(k.replace(".", "\\.") for k in keywords)
        for flags, label in ((["-i"], "rg -i (Unicode case folding)"), (["-i", "--no-unicode"], "rg -i --no-unicode")):
            elapsed, _, proc = run([rg, "-c", *flags, "-e", pattern, path])
            print(f"{label}, {len(keywords)} keywords: {elapsed:.2f} s, {size_mb / elapsed:.0f} MB/s")
    else:
        print("rg not installed: no comparison")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
