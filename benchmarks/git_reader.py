#!/usr/bin/env python3
"""Parse only: the Python oracle's reader of `git log -p` against the core's, on the same
captured log bytes (git's time is not in either figure). Median of --repeat runs.

    python benchmarks/git_reader.py                      # this repository's first-parent history
    python benchmarks/git_reader.py --repo PATH -n 300   # the newest 300 commits of another one

The log is the one `history` streams (`git log -p -U0 --first-parent --full-index`,
sources/git._LOG_ARGS), captured once. Each reader runs with no skim (every hunk
parsed) and with history's skim as data (the default pack's keywords, vendored paths
skipped), fed in 64 KiB blocks as the pipe hands them over.
"""
from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

from vitana_guard.sources import _oracle_git as oracle
from vitana_guard.sources import git as gitsrc


class _Pipe(io.BytesIO):
    def read1(self, size: int = -1) -> bytes:
        return super().read1(1 << 16)


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    ap.add_argument("-n", "--max-count", type=int, default=0, help="newest N commits (0: all)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    limit = ["-n", str(args.max_count)] if args.max_count else []
    log = subprocess.run(gitsrc._GIT + gitsrc._LOG_ARGS + limit + ["HEAD"], cwd=args.repo, capture_output=True,
                         env=gitsrc._env()).stdout  # a missing object ends the log early: parse what came
    from vitana_guard.commands_git import _Run

    run = _Run(None, (), (), None, False)
    commits = sum(1 for _ in gitsrc._read_stream(_Pipe(log)))
    print(f"log: {len(log) / 1e6:.1f} MB, {commits} commits ({args.repo})")
    print(f"{'skim':<10}{'python (s)':>12}{'rust (s)':>10}{'speed-up':>10}{'rust MB/s':>11}")
    for name, skim in (("none", None), ("history", run)):
        py = _median(lambda: list(oracle._read_commits(oracle._commit_chunks(_Pipe(log)), skim)), args.repeat)
        rs = _median(lambda: list(gitsrc._read_stream(_Pipe(log), skim)), args.repeat)
        print(f"{name:<10}{py:>12.3f}{rs:>10.3f}{py / rs:>9.1f}x{len(log) / 1e6 / rs:>11.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
