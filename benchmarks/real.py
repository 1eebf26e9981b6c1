#!/usr/bin/env python3
"""The jobs users run, on the repository the policy was written for, each timed next to
its reference in the same run (this machine is shared: compare ratios and medians).

    python benchmarks/real.py --mirror /path/to/vitana-platform.git [--only history scan ...]

`--mirror` is a bare clone of exafyltd/vitana-platform (a few blobs may be missing).
Jobs (all by default):

| job        | vitana-guard                                   | reference                               |
|------------|------------------------------------------------|-----------------------------------------|
| history    | `history --jobs 1` and default jobs            | `git log -p` on the same clone          |
| scan       | `scan TREE --jobs 1` and default jobs, HEAD    | `rg -j1 -F -i` with ten pack keywords   |
|            | tree exported without node_modules             |                                         |
| transcript | `scan FILE --jobs 1`, a keyword-dense session  | Python's `json.loads` on every line     |
|            | (benchmarks/dense_session.py), MB/s and RSS    |                                         |
| hook       | the installed hook executable, one process a call (clean, denied, scanned) | `/bin/true`, `python3 -S -c pass` |
| precommit  | `diff --staged`, 10 staged files, no server    | `git diff --cached` (what it reads)     |
| small      | `scan FILE` on one small script; `--version`   | `python3 -S -c pass`                    |

Nothing is written into the checkout; the exported tree and the generated files live in
a temporary directory (or --work DIR, kept for reruns).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import dense_session  # noqa: E402
import hook_latency  # noqa: E402
import precommit  # noqa: E402

VG = str(Path(sys.executable).with_name("vitana-guard"))
RG_KEYWORDS = ["gcloud", "deploy", "gateway", "docker", "gh", "safe-merge", "vtid", "cloud shell", "click", "push"]
# bytecode caching on, as users have it (a shell with PYTHONDONTWRITEBYTECODE set would
# time every one-shot command recompiling its modules from source)
QUIET = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"NO_COLOR": "1"}


def timed(argv: list[str], *, cwd: str | None = None, env: dict | None = None, stdin: bytes | None = None,
          check: bool = False) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the children and their peak RSS (KB) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.run(argv, cwd=cwd, env=env or QUIET, input=stdin, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if check and p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv[:4])} failed ({p.returncode}): {p.stderr.decode()[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss


def median_runs(argv, repeat, **kw) -> tuple[float, float, list[float]]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, _ = timed(argv, **kw)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus), walls


def row(label: str, wall: float, ref: float | None = None, extra: str = "") -> None:
    ratio = f"  {wall / ref:5.2f}x the reference" if ref else ""
    print(f"  {label:<44} {wall:8.3f} s{ratio}{extra}", flush=True)


def export_head(mirror: str, dest: Path) -> int:
    """The HEAD tree without node_modules; blobs missing from the mirror are left out."""
    listing = subprocess.run(["git", "-C", mirror, "ls-tree", "-r", "-z", "HEAD"], capture_output=True,
                             check=True).stdout.split(b"\0")
    entries = []
    for item in filter(None, listing):
        meta, path = item.split(b"\t", 1)
        mode, kind, sha = meta.split()
        rel = path.decode("utf-8", "surrogateescape")
        if kind == b"blob" and "node_modules" not in rel.split("/") and mode != b"120000":
            entries.append((sha.decode(), rel))
    cat = subprocess.Popen(["git", "-C", mirror, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    total = 0
    for sha, rel in entries:
        cat.stdin.write(sha.encode() + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if header[1] == b"missing":
            continue
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        total += len(data)
    cat.stdin.close()
    cat.wait()
    return total


def bench_history(mirror: str, work: Path, repeat: int) -> None:
    clone = work / "clone"
    if not clone.exists():
        subprocess.run(["git", "clone", "-q", "--no-checkout", mirror, str(clone)], check=True)
    commits = subprocess.run(["git", "-C", str(clone), "rev-list", "--count", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
    print(f"history: {commits} commits")
    ref, _, _ = median_runs(["git", "-C", str(clone), "log", "-p"], repeat)
    row("git log -p", ref)
    for jobs in ("1", "0"):
        wall, cpu, _ = median_runs([VG, "history", "--jobs", jobs, "--no-progress", "--format", "json",
                                    "--output", os.devnull], repeat, cwd=str(clone))
        row(f"vitana-guard history --jobs {jobs}", wall, ref, f"  (CPU {cpu:.2f} s)")


def bench_scan(mirror: str, work: Path, repeat: int) -> None:
    tree = work / "head"
    if not tree.exists():
        tree.mkdir()
        export_head(mirror, tree)
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    print(f"scan: HEAD tree, {files} files, {size / 1e6:.1f} MB (no node_modules)")
    rg = shutil.which("rg")
    ref = None
    if rg:
        argv = [rg, "-j1", "-F", "-i", "-c", "--no-messages", "-uuu"] + [a for k in RG_KEYWORDS for a in ("-e", k)]
        ref, _, _ = median_runs(argv + [str(tree)], repeat)
        row("rg -j1 -F -i (ten pack keywords)", ref)
    for jobs in ("1", "0"):
        wall, cpu, _ = median_runs([VG, "scan", str(tree), "--jobs", jobs, "--format", "json", "--output",
                                    os.devnull], repeat)
        row(f"vitana-guard scan --jobs {jobs}", wall, ref, f"  ({size / 1e6 / wall:.0f} MB/s, CPU {cpu:.2f} s)")


def bench_transcript(work: Path, megabytes: float, repeat: int) -> None:
    path = work / f"dense-{megabytes:g}.jsonl"
    if not path.exists():
        dense_session.generate(str(path), megabytes)
    size = path.stat().st_size
    print(f"transcript: keyword-dense Claude session, {size / 1e6:.0f} MB")
    parse = [sys.executable, "-c", "import json,sys\nfor line in open(sys.argv[1], 'rb'): json.loads(line)", str(path)]
    ref, _, _ = median_runs(parse, repeat)
    row("python json.loads per line", ref, None, f"  ({size / 1e6 / ref:.0f} MB/s)")
    walls, rss = [], 0
    for _ in range(repeat):
        wall, _, _ = timed([VG, "scan", str(path), "--jobs", "1", "--format", "json", "--output", os.devnull])
        walls.append(wall)
    # peak RSS of one more run, alone in a fresh child (RUSAGE_CHILDREN keeps the maximum)
    probe = subprocess.run([sys.executable, "-c", "import resource,subprocess,sys\n"
                            "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
                            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                            VG, "scan", str(path), "--jobs", "1", "--format", "json", "--output", os.devnull],
                           capture_output=True, text=True, env=QUIET)
    rss = int(probe.stdout.strip() or 0)
    wall = statistics.median(walls)
    row("vitana-guard scan --jobs 1", wall, ref, f"  ({size / 1e6 / wall:.0f} MB/s, peak RSS {rss / 1024:.0f} MB)")


def bench_hook(work: Path, calls: int) -> None:
    """The installed hook command (the native executable `hook install` names), one
    process per call, its pack cached: a clean call, a denied one, and one that needs the
    scan (a gateway call the keyword gate passes), next to the process-start floors."""
    from vitana_guard.hooks import install

    print(f"hook: {calls} Claude PreToolUse calls of each kind, one process each")
    env = {**QUIET, "XDG_STATE_HOME": str(work / "state"), "XDG_CACHE_HOME": str(work / "cache")}
    argv = shlex.split(install.default_command("claude"))
    subprocess.run(argv, input=json.dumps(hook_latency.payload("ls")).encode(), env=env, capture_output=True)
    true = statistics.median(timed(["/bin/true"])[0] for _ in range(calls))
    python = statistics.median(timed([sys.executable, "-S", "-c", "pass"])[0] for _ in range(calls))
    row("/bin/true", true, None, f"  ({true * 1000:.1f} ms)")
    row("python3 -S -c pass", python, None, f"  ({python * 1000:.1f} ms)")
    for kind, command in (("clean", "ls -la"), ("denied", "gcloud run deploy x --region us-central1"),
                          ("scanned", hook_latency.CALLS["gateway"][1])):
        times = []
        for i in range(calls):
            data = json.dumps(hook_latency.payload(command, session=f"b{kind}{i}")).encode()
            times.append(timed(argv, env=env, stdin=data)[0])
        wall = statistics.median(times)
        row(f"hook, {kind} call, median", wall, python, f"  ({wall * 1000:.1f} ms)")


def bench_precommit(work: Path, runs: int) -> None:
    repo = work / "precommit"
    if not repo.exists():
        repo.mkdir()
        precommit.build(str(repo), 10)
    env = {**precommit.ENV, **QUIET}
    print("precommit: `diff --staged` with 10 staged files, no server")
    ref = statistics.median(timed(["git", "diff", "--cached"], cwd=str(repo), env=env)[0] for _ in range(runs))
    row("git diff --cached", ref)
    timed([VG, "diff", "--staged"], cwd=str(repo), env=env)  # compiles the pack into the cache
    wall = statistics.median(timed([VG, "diff", "--staged"], cwd=str(repo), env=env)[0] for _ in range(runs))
    row("vitana-guard diff --staged, median", wall, ref)


def bench_small(work: Path, runs: int) -> None:
    script = work / "small.sh"
    script.write_text("#!/bin/sh\nset -e\nnpm ci\nnpm test\ncurl -s https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health\n")
    print("small: one process on one small file")
    floor = statistics.median(timed([sys.executable, "-S", "-c", "pass"])[0] for _ in range(runs))
    row("python3 -S -c pass", floor)
    timed([VG, "scan", str(script)])
    row("vitana-guard --version, median", statistics.median(timed([VG, "--version"])[0] for _ in range(runs)), floor)
    row("vitana-guard scan FILE, median", statistics.median(timed([VG, "scan", str(script)])[0] for _ in range(runs)),
        floor)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", help="bare clone of exafyltd/vitana-platform (history and scan jobs)")
    ap.add_argument("--only", nargs="+", choices=["history", "scan", "transcript", "hook", "precommit", "small"])
    ap.add_argument("--work", type=Path, help="keep the exported tree and generated files here")
    ap.add_argument("--repeat", type=int, default=3, help="runs per long job (the median is shown)")
    ap.add_argument("--transcript-mb", type=float, default=200.0)
    ap.add_argument("--calls", type=int, default=60, help="hook calls; also pre-commit and small-file runs")
    args = ap.parse_args()
    jobs = args.only or ["history", "scan", "transcript", "hook", "precommit", "small"]
    if {"history", "scan"} & set(jobs) and not args.mirror:
        ap.error("history and scan need --mirror (or pick --only transcript hook precommit small)")
    work = args.work or Path(tempfile.mkdtemp(prefix="vg-real-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"vitana-guard: {VG}; 2-core figures are noisy, compare ratios measured in the same run")
    try:
        if "history" in jobs:
            bench_history(args.mirror, work, args.repeat)
        if "scan" in jobs:
            bench_scan(args.mirror, work, args.repeat)
        if "transcript" in jobs:
            bench_transcript(work, args.transcript_mb, args.repeat)
        if "hook" in jobs:
            bench_hook(work, args.calls)
        if "precommit" in jobs:
            bench_precommit(work, args.calls)
        if "small" in jobs:
            bench_small(work, args.calls)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
