#!/usr/bin/env python3
"""The per-document scan: the Python engine (now the test oracle,
`vitana_guard.engine._oracle_scan`) against the Rust core behind
`vitana_guard.engine.scan`, in the same run, on the same segments.

Inputs (read into segments once, by the real readers; only the scan is timed:
`feed` + `finish`, findings rendered):
- dense: a keyword-dense Claude Code session (benchmarks/dense_session.py), --mb MB;
- tree: generated shell, markdown, Python, JSON and YAML files (benchmarks/scan.py's
  generators, a violation in one file of five), --tree-mb MB, each file a document.

Median of --repeat runs (default 5), in MB/s of the input's bytes; the two engines'
findings must agree (the run stops if they do not).

    python benchmarks/scan_core.py
    python benchmarks/scan_core.py --mb 50 --tree-mb 20 --repeat 5
"""
from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dense_session  # noqa: E402
import scan as tree_bench  # noqa: E402

from vitana_guard.engine import _oracle_scan as oracle  # noqa: E402
from vitana_guard.engine import scan  # noqa: E402
from vitana_guard.engine.rules import load_pack  # noqa: E402
from vitana_guard.pipeline import ScanOptions, document_segments  # noqa: E402
from vitana_guard.sources import classify  # noqa: E402
from vitana_guard.sources.files import FileEntry  # noqa: E402


def run(module, pack, compiled, documents) -> int:
    found = 0
    for items in documents:
        scanner = module.DocumentScanner(pack, compiled)
        scanner.feed(items)
        found += len(scanner.finish()[0])
    return found


def measure(name: str, pack, compiled, documents, size: int, repeat: int) -> None:
    figures = {}
    counts = {}
    for label, module in (("python", oracle), ("core", scan)):
        times = []
        for _ in range(repeat):
            gc.collect()
            t = time.perf_counter()
            counts[label] = run(module, pack, compiled, documents)
            times.append(time.perf_counter() - t)
        figures[label] = statistics.median(times)
    if counts["python"] != counts["core"]:
        raise SystemExit(f"{name}: the engines disagree: {counts}")
    mb = size / 1e6
    print(f"{name}: {mb:.1f} MB, {counts['core']} findings; "
          f"python {mb / figures['python']:.1f} MB/s ({figures['python']:.2f} s), "
          f"core {mb / figures['core']:.1f} MB/s ({figures['core']:.2f} s), "
          f"x{figures['python'] / figures['core']:.1f}")


def tree_documents(megabytes: float, seed: int) -> tuple[list[list], int]:
    rng = random.Random(seed)
    documents, size, n = [], 0, 0
    while size < megabytes * 1e6:
        ext = rng.choice(sorted(tree_bench.GENERATORS))
        lines = tree_bench.GENERATORS[ext](rng, rng.randint(2000, 40000))
        if n % 5 == 0:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(tree_bench.VIOLATIONS[ext]))
        text = "\n".join(lines) + "\n"
        size += len(text.encode())
        documents.append(list(classify.segments(f"tree/{n}{ext}", text)))
        n += 1
    return documents, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="size of the dense transcript")
    ap.add_argument("--tree-mb", type=float, default=20.0, help="size of the generated tree")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=518)
    args = ap.parse_args()
    pack = load_pack()
    compiled = scan.compile_pack(pack, scan.Selection())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dense.jsonl"
        dense_session.generate(str(path), args.mb, args.seed)
        size = path.stat().st_size
        items = list(document_segments(pack, FileEntry(str(path), "dense.jsonl", size), ScanOptions()))
    measure("dense transcript", pack, compiled, [items], size, args.repeat)
    del items
    documents, size = tree_documents(args.tree_mb, args.seed)
    measure("generated tree", pack, compiled, documents, size, args.repeat)


if __name__ == "__main__":
    main()
