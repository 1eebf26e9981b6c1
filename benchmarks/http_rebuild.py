"""HTTP request rebuilding: the Python original (the oracle) against the Rust core, in
the same run, on the parity test's seeded generated inputs.

    python benchmarks/http_rebuild.py [--n 3000] [--repeat 5]

Three jobs, each timed as the median of `--repeat` runs (wall, one thread):
- commands: `request_from_command` on every command the shell parser finds in `--n`
  generated curl / wget / httpie invocations (parsing is done once, outside the timing);
- blocks: `requests_from_http_block` on `--n / 2` generated ```http blocks;
- bodies: `parse_json_lenient` on `--n / 2` generated JSON bodies (some broken).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import test_parity_http as gen  # noqa: E402  (the generators of the parity test)

from vitana_guard.normalize import _oracle_http as oracle  # noqa: E402
from vitana_guard.normalize import http, shell  # noqa: E402


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(12)
    cmds = [c for _ in range(args.n) for c in shell.parse(gen.gen_shell(rng))]
    blocks = [gen.gen_block(rng) for _ in range(args.n // 2)]
    bodies = [gen.mutate(rng, gen.gen_json(rng)) for _ in range(args.n // 2)]
    jobs = [
        ("commands", len(cmds), lambda m: [m.request_from_command(c) for c in cmds]),
        ("blocks", len(blocks), lambda m: [m.requests_from_http_block(b) for b in blocks]),
        ("bodies", len(bodies), lambda m: [m.parse_json_lenient(b) for b in bodies]),
    ]
    print(f"{'job':<10} {'inputs':>7} {'python':>10} {'rust':>10} {'speed-up':>9}")
    for name, count, run in jobs:
        py = median_time(lambda: run(oracle), args.repeat)
        rs = median_time(lambda: run(http), args.repeat)
        print(f"{name:<10} {count:>7} {py * 1e3:>8.1f}ms {rs * 1e3:>8.1f}ms {py / rs:>8.1f}x")


if __name__ == "__main__":
    main()
