"""What the benchmarks' --profile prints: a cProfile run by cumulative and by own time."""
from __future__ import annotations

import io
import pstats


def report(profiler, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    out.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
