"""What several benchmark scripts share: the --profile report and the interpreter floor."""
from __future__ import annotations

import io
import pstats
import subprocess
import sys
import time


def profile_report(profiler, top: int) -> str:
    """A cProfile run by cumulative and by own time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    out.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def interpreter_start_ms(runs: int = 10) -> float:
    """The fastest `python -c pass` of `runs`: the floor under any per-process figure."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True)
        best = min(best, (time.perf_counter() - start) * 1000)
    return best
