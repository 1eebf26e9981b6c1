#!/usr/bin/env python3
"""Wall time of the pre-commit hook (`vitana-guard diff --staged`), interpreter start included.

usage: python benchmarks/precommit.py [--files 10] [--runs 30] [--vg PATH]

Builds a repository with a few hundred committed files, stages edits to --files of
them (shell, Markdown, YAML, Python; some lines hold rule keywords, none violate), and
runs the hook as pre-commit does, --runs times, after one warm-up run (which compiles
the rule pack into the cache, as the first commit on a machine does). Each run is its
own process: there is no server.
Target from issue #4: <= 100 ms for 10 staged files. Run with bytecode caching on
(`env -u PYTHONDONTWRITEBYTECODE`), as users have it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import _common  # benchmarks/_common.py, beside this script

ENV = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="b",
           GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")
KINDS = {
    ".sh": "#!/bin/sh\nset -e\necho step {i}\nmake test\ngcloud auth list\n",
    ".md": "# Notes {i}\n\nThe deploy goes through the gateway.\n\n```bash\nnpm test\n```\n",
    ".yaml": "name: job-{i}\nsteps:\n  - run: make lint\n  - run: echo deploy docs\n",
    ".py": "def f_{i}():\n    return {i}\n",
}


def git(repo: str, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True)


def build(repo: str, files: int) -> None:
    git(repo, "init", "-q", "-b", "main")
    exts = list(KINDS)
    for i in range(300):
        ext = exts[i % len(exts)]
        os.makedirs(os.path.join(repo, f"d{i % 12}"), exist_ok=True)
        with open(os.path.join(repo, f"d{i % 12}", f"f{i}{ext}"), "w") as f:
            f.write(KINDS[ext].format(i=i) * 20)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    for i in range(files):
        ext = exts[i % len(exts)]
        with open(os.path.join(repo, f"d{i % 12}", f"f{i}{ext}"), "a") as f:
            f.write(KINDS[ext].format(i=i + 1000) * 3)
    git(repo, "add", "-A")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--vg", default=os.path.join(os.path.dirname(sys.executable), "vitana-guard"))
    a = ap.parse_args()
    repo = tempfile.mkdtemp(prefix="vg-precommit-")
    try:
        build(repo, a.files)
        argv = [a.vg, "diff", "--staged"]
        for label, env in (("one process per run", dict(os.environ)),):
            warm = subprocess.run(argv, cwd=repo, capture_output=True, text=True, env=env)
            if warm.returncode not in (0, 1):
                sys.exit(f"hook failed: {warm.stderr}")
            times = []
            for _ in range(a.runs):
                t = time.perf_counter()
                subprocess.run(argv, cwd=repo, capture_output=True, env=env)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            print(f"vitana-guard diff --staged, {a.files} staged files, {label}: median "
                  f"{statistics.median(times):.1f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms, "
                  f"min {times[0]:.1f} ms ({a.runs} runs; output: {warm.stdout.strip()[:40]!r})")
        print(f"python -c pass (interpreter start): {_common.interpreter_start_ms():.1f} ms")
    finally:
        shutil.rmtree(repo, ignore_errors=True)


if __name__ == "__main__":
    main()
