"""By-hand benchmark: reading and classifying files, Python oracle vs Rust core.

    .venv/bin/python benchmarks/classify_core.py [TREE] [--reps 5]

Times, in the same run, over every file of TREE (a repository's exported HEAD tree,
without node_modules) and over a generated tree of the structured kinds:
- classify: `segments` of every decoded text (oracle `_oracle_classify` vs `classify`);
- read: read + decode of every file (oracle `_oracle_files` vs `files`).
Prints the median of `--reps` runs and MB/s (input bytes per second).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from vitana_guard.sources import _oracle_classify, _oracle_files, classify, files  # noqa: E402


def tree_entries(root: Path) -> list[files.FileEntry]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules")]
        for name in filenames:
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                out.append(files.FileEntry(str(p), str(p.relative_to(root)), p.stat().st_size))
    return sorted(out, key=lambda e: e.display_path)


def generated_texts(n_per_kind: int = 400) -> list[tuple[str, str]]:
    import test_parity_classify as gen  # the parity test's seeded generators

    r = random.Random("bench")
    out = []
    for path, make in sorted(gen._GENERATORS.items()):
        for _ in range(n_per_kind):
            # several generated files in one, so per-call overhead does not dominate
            text = "\n".join(make(r) for _ in range(20))
            try:
                list(_oracle_classify.segments(path, text))
            except (IndexError, ValueError):
                continue  # inputs the oracle crashed on (tests/test_parity_classify.py)
            out.append((path, text))
    return out


def median_time(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def classify_all(mod, texts):
    for path, text in texts:
        for _ in mod.segments(path, text):
            pass


def read_all(mod, entries):
    for e in entries:
        mod.read_text(e)


def report(label: str, nbytes: int, t_py: float, t_rs: float) -> None:
    mb = nbytes / 1e6
    print(f"{label:<28} {mb:8.1f} MB  oracle {t_py:7.3f} s {mb / t_py:8.1f} MB/s   "
          f"rust {t_rs:7.3f} s {mb / t_rs:8.1f} MB/s   x{t_py / t_rs:5.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    if args.tree:
        entries = tree_entries(Path(args.tree))
        texts = []
        for e in entries:
            text, _ = _oracle_files.read_text(e)
            if text is not None:
                texts.append((e.display_path, text))
        nbytes = sum(e.size for e in entries)
        print(f"{args.tree}: {len(entries)} files")
        report("tree: read + decode", nbytes,
               median_time(lambda: read_all(_oracle_files, entries), args.reps),
               median_time(lambda: read_all(files, entries), args.reps))
        tbytes = sum(len(t.encode("utf-8", "surrogatepass")) for _, t in texts)
        report("tree: classify", tbytes,
               median_time(lambda: classify_all(_oracle_classify, texts), args.reps),
               median_time(lambda: classify_all(classify, texts), args.reps))
        structured = [(p, t) for p, t in texts
                      if classify.file_kind(p, t[:256]) not in ("text", "code", "config", "http")]
        sbytes = sum(len(t.encode("utf-8", "surrogatepass")) for _, t in structured)
        report(f"tree: classify, {len(structured)} structured", sbytes,
               median_time(lambda: classify_all(_oracle_classify, structured), args.reps),
               median_time(lambda: classify_all(classify, structured), args.reps))
        for kind in ("workflow", "markdown", "shell", "dockerfile", "package-json", "makefile"):
            some = [(p, t) for p, t in structured if classify.file_kind(p, t[:256]) == kind]
            if some:
                kb = sum(len(t.encode("utf-8", "surrogatepass")) for _, t in some)
                report(f"  {kind} ({len(some)})", kb,
                       median_time(lambda: classify_all(_oracle_classify, some), args.reps),
                       median_time(lambda: classify_all(classify, some), args.reps))
    gen = generated_texts()
    gbytes = sum(len(t.encode("utf-8")) for _, t in gen)
    report("generated: classify", gbytes,
           median_time(lambda: classify_all(_oracle_classify, gen), args.reps),
           median_time(lambda: classify_all(classify, gen), args.reps))


if __name__ == "__main__":
    main()
