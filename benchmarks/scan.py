#!/usr/bin/env python3
"""Scan throughput benchmark for `vitana-guard scan` (targets: >= 2,000 files/s and
>= 50 MB/s on one core).

Generates a tree of mixed files (.sh, .md, .py, .json, .yaml; ~100 MB in 10,000
files by default, a violation in about one file in 400), then times

    vitana-guard scan TREE --format json --output /dev/null --jobs N

for each N of --jobs, and, when installed, `rg` (and `grep`) searching the same tree
for the rule pack's keywords: the floor any prefiltering scanner pays to read the bytes.

    python benchmarks/scan.py                     # generate in a temp dir, time, delete
    python benchmarks/scan.py --tree /tmp/t --keep
    python benchmarks/scan.py --tree /tmp/t --no-generate --jobs 1 2 4
    python benchmarks/scan.py --profile           # + cProfile of an in-process --jobs 1 scan

Each vitana-guard row gives the median wall time of --repeat runs, their spread and
the median CPU time (user + system, workers included): on a machine shared with other
work, compare CPU times and repeated runs, not one wall clock.

The tree is generated outside any git work tree unless --tree says otherwise (inside one,
discovery goes through `git ls-files`).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import _common  # benchmarks/_common.py, beside this script
from pathlib import Path

CANONICAL = "https://gateway-q74ibpv6ia-uc.a.run.app"
EXTENSIONS = (".sh", ".md", ".py", ".json", ".yaml")
WORDS = (
    "service gateway deploy request response handler config value build test release pipeline task queue "
    "oasis operator projector event schema migration index cache retry timeout health check status token "
    "user session record batch worker cluster region project image container log metric trace alert the a "
    "of to and in for with on by from is are be this that it as at or not we you they will can should"
).split()

# one in VIOLATION_RATE files gets one of these (a line of its own kind)
VIOLATIONS = {
    ".sh": [
        "gcloud run deploy gateway --source services/gateway --region us-central1",
        "./scripts/deploy.sh oasis-operator",
        "docker push us-central1-docker.pkg.dev/vitana-dev/svc/gateway:latest",
        "gh pr merge --auto --squash 88",
        "curl -s https://gateway-7bq3mm2ncd-uc.a.run.app/api/v1/cicd/health",
    ],
    ".md": [
        "```bash\ngcloud run deploy oasis-operator --source .\n```",
        "Please go to GitHub and click Run workflow on EXEC-DEPLOY.",
        "The old gateway at https://vitana-dev-gateway-5521.us-central1.run.app still works too.",
    ],
    ".py": ['GATEWAY = "https://gateway-7bq3mm2ncd-uc.a.run.app"'],
    ".json": ['"release": "./deploy.sh frontend",'],
    ".yaml": ["      - run: gcloud run deploy gateway --source ."],
}
VIOLATION_RATE = 400
# words that hold a rule keyword (the prefilter lets their segments through); --neutral drops them
KEYWORD_WORDS = {"gateway", "deploy", "release", "pipeline", "live", "down", "push", "merge", "head"}
NEUTRAL = False


def vocabulary() -> tuple[str, ...]:
    return tuple(w for w in WORDS if w not in KEYWORD_WORDS) if NEUTRAL else WORDS


def sentence(rng: random.Random, n: int) -> str:
    words = vocabulary()
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def gen_sh(rng: random.Random, size: int) -> list[str]:
    out = ["#!/usr/bin/env bash", "set -euo pipefail", ""]
    commands = [
        lambda: f"echo \"{sentence(rng, 6)}\"",
        lambda: f"npm ci --prefix services/{rng.choice(['gateway', 'oasis-operator', 'web'])}",
        lambda: f"git fetch origin && git checkout -b claude/fix-issue-{rng.randrange(10**6):06d}",
        lambda: f"curl -sf {CANONICAL}/api/v1/cicd/health | jq .status",
        lambda: f"# {sentence(rng, 10)}",
        lambda: f"docker build -t gw-test:{rng.randrange(100)} services/gateway",
        lambda: f"gcloud run services describe {rng.choice(['gateway', 'oasis-operator'])} --region us-central1",
        lambda: f"for f in $(ls data/*.csv); do python3 tools/load.py \"$f\" --batch {rng.randrange(1, 500)}; done",
        lambda: f"export {rng.choice(['REGION', 'PROJECT', 'LOG_LEVEL'])}={rng.choice(['us-central1', 'vitana-dev', 'debug'])}",
        lambda: "if [ -f .env ]; then source .env; fi",
    ]
    if NEUTRAL:  # no rule keyword anywhere: the cheapest path through the scanner
        commands = [commands[0], commands[4], commands[7], commands[8], commands[9],
                    lambda: f"npm test --prefix packages/{rng.choice(['api', 'web', 'core'])}"]
    while sum(len(l) + 1 for l in out) < size:
        out.append(rng.choice(commands)())
    return out


def gen_md(rng: random.Random, size: int) -> list[str]:
    out = [f"# {sentence(rng, 4)[:-1]}", ""]
    while sum(len(l) + 1 for l in out) < size:
        r = rng.random()
        if r < 0.7:
            out += [" ".join(sentence(rng, rng.randrange(8, 20)) for _ in range(rng.randrange(2, 6))), ""]
        elif r < 0.85:
            first = "ls -la data/" if NEUTRAL else f"curl -s {CANONICAL}/api/v1/cicd/health"
            out += ["```bash", first, f"npm test -- --grep {rng.choice(vocabulary())}", "```", ""]
        elif r < 0.95:
            out += [f"- `{rng.choice(vocabulary())}`: {sentence(rng, 8)}" for _ in range(4)] + [""]
        else:
            out += [f"## {sentence(rng, 3)[:-1]}", ""]
    return out


def gen_py(rng: random.Random, size: int) -> list[str]:
    out = ['"""' + sentence(rng, 8) + '"""', "from __future__ import annotations", "", "import json", "import os", ""]
    n = 0
    while sum(len(l) + 1 for l in out) < size:
        n += 1
        name = f"{rng.choice(vocabulary())}_{rng.choice(vocabulary())}_{n}"
        out += [
            f"def {name}(value, *, retries={rng.randrange(5)}):",
            f'    """{sentence(rng, 9)}"""',
            f"    data = json.loads(os.environ.get('{name.upper()}', '{{}}'))",
            f"    if data.get('{rng.choice(vocabulary())}') is None:",
            f"        return value  # {sentence(rng, 6)}",
            f"    return [x for x in data.items() if x[0] != '{rng.choice(vocabulary())}']",
            "",
        ]
    return out


def gen_json(rng: random.Random, size: int) -> list[str]:
    out = ["{", '  "name": "vitana-svc",', '  "scripts": {', '    "test": "vitest run",', '    "build": "tsc -p ."', "  },"]
    n = 0
    while sum(len(l) + 1 for l in out) < size:
        n += 1
        out.append(f'  "{rng.choice(vocabulary())}_{n}": {{"value": "{sentence(rng, 5)}", "count": {rng.randrange(10**4)}}},')
    out.append('  "end": true')
    out.append("}")
    return out


def gen_yaml(rng: random.Random, size: int) -> list[str]:
    out = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {rng.choice(vocabulary())}-config", "data:"]
    n = 0
    while sum(len(l) + 1 for l in out) < size:
        n += 1
        out.append(f"  {rng.choice(vocabulary())}_{n}: \"{sentence(rng, 6)}\"")
        if n % 25 == 0:
            out.append(f"  # {sentence(rng, 8)}")
    return out


GENERATORS = {".sh": gen_sh, ".md": gen_md, ".py": gen_py, ".json": gen_json, ".yaml": gen_yaml}


def generate(tree: Path, files: int, total_mb: float, seed: int) -> tuple[int, int, int]:
    """Write the tree; returns (files, bytes, files with a violation)."""
    rng = random.Random(seed)
    mean = total_mb * 1e6 / files
    written = violations = 0
    for i in range(files):
        ext = EXTENSIONS[i % len(EXTENSIONS)]
        size = max(200, int(rng.lognormvariate(0, 0.6) * mean / 1.2))
        lines = GENERATORS[ext](rng, size)
        if rng.randrange(VIOLATION_RATE) == 0:
            violations += 1
            lines.insert(rng.randrange(3, max(4, len(lines) - 2)), rng.choice(VIOLATIONS[ext]))
        path = tree / f"pkg{i % 50:02d}" / f"mod{i % 7}" / f"f{i:05d}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(data)
        written += len(data)
    return files, written, violations


def tree_stats(tree: Path) -> tuple[int, int]:
    n = size = 0
    for root, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            n += 1
            size += os.path.getsize(os.path.join(root, name))
    return n, size


def guard_command() -> list[str]:
    exe = shutil.which("vitana-guard", path=os.path.dirname(sys.executable)) or shutil.which("vitana-guard")
    return [exe] if exe else [sys.executable, "-m", "vitana_guard"]


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def child_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def keywords() -> list[str]:
    from vitana_guard.engine.rules import load_pack

    pack = load_pack()
    words = sorted({k for r in pack.rules if r.enabled for k in r.keywords})
    return words


def report(label: str, seconds: float, files: int, size: int) -> str:
    return f"{label:<34} {seconds:8.2f} s  {files / seconds:9.0f} files/s  {size / 1e6 / seconds:7.1f} MB/s"


def profile_scan(tree: Path, top: int) -> str:
    """cProfile of one in-process --jobs 1 scan, sorted by cumulative time."""
    from vitana_guard import config as configmod
    from vitana_guard.pipeline import ScanOptions, load_for, scan_paths

    cfg = configmod.load(configmod.discover(str(tree)))
    pack = load_for(cfg)
    options = ScanOptions(jobs=1)
    profiler = cProfile.Profile()
    profiler.enable()
    scan_paths([str(tree)], options, pack, root=str(tree))
    profiler.disable()
    return _common.profile_report(profiler, top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path, help="tree to scan (generated here unless --no-generate)")
    ap.add_argument("--no-generate", action="store_true", help="scan --tree as it is")
    ap.add_argument("--keep", action="store_true", help="keep the generated tree")
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--mb", type=float, default=100.0, help="total size of the generated tree")
    ap.add_argument("--seed", type=int, default=518)
    ap.add_argument("--neutral", action="store_true",
                    help="generate text with no rule keyword (best case for the prefilter; no violations)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (the median is shown)")
    ap.add_argument("--profile", action="store_true", help="also profile an in-process --jobs 1 scan")
    ap.add_argument("--profile-top", type=int, default=30)
    args = ap.parse_args(argv)
    global NEUTRAL, VIOLATION_RATE
    if args.neutral:
        NEUTRAL, VIOLATION_RATE = True, 10**9

    temp = None
    if args.tree is None:
        temp = tempfile.mkdtemp(prefix="vg-bench-")
        tree = Path(temp) / "tree"
    else:
        tree = args.tree.resolve()
    try:
        if not args.no_generate:
            if tree.exists() and any(tree.iterdir()):
                print(f"error: {tree} is not empty (use --no-generate to scan it)", file=sys.stderr)
                return 2
            tree.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            n, size, bad = generate(tree, args.files, args.mb, args.seed)
            print(f"generated {n} files, {size / 1e6:.1f} MB, {bad} with a violation, in {time.perf_counter() - start:.1f} s: {tree}")
        n, size = tree_stats(tree)
        print(f"tree: {n} files, {size / 1e6:.1f} MB; python {sys.version.split()[0]}; {os.cpu_count()} CPUs\n")

        rows = []
        for jobs in args.jobs:
            runs, cpus = [], []
            for _ in range(args.repeat):
                cpu = child_cpu()
                seconds, proc = timed(
                    guard_command() + ["scan", str(tree), "--format", "json", "--output", os.devnull, "--jobs", str(jobs)]
                )
                if proc.returncode not in (0, 1):
                    print(proc.stderr, file=sys.stderr)
                    return 1
                runs.append(seconds)
                cpus.append(child_cpu() - cpu)
            seconds = statistics.median(runs)
            rows.append(report(f"vitana-guard --jobs {jobs}", seconds, n, size))
            # CPU time next to wall time: on a shared machine the wall clock alone misleads
            spread = f"{min(runs):.2f}-{max(runs):.2f} s" if len(runs) > 1 else f"{runs[0]:.2f} s"
            print(rows[-1], f" | wall {spread}, cpu {statistics.median(cpus):.2f} s |", proc.stderr.strip())

        words = keywords()
        if shutil.which("rg"):
            cmd = ["rg", "--no-config", "-c", "-i", "-F", "--hidden", "--no-ignore"]
            for w in words:
                cmd += ["-e", w]
            seconds, proc = timed(cmd + [str(tree)])
            print(report("rg -i -F <keywords> (literal)", seconds, n, size))
            seconds, proc = timed(["rg", "--no-config", "-c", "-j1", "-i", "-F", "--no-ignore", *sum((["-e", w] for w in words), []), str(tree)])
            print(report("rg -j1 -i -F <keywords>", seconds, n, size))
        else:
            print("rg: not installed (skipped)")
        if shutil.which("grep"):
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
                f.write("\n".join(words) + "\n")
            try:
                seconds, proc = timed(["grep", "-r", "-c", "-i", "-F", "-f", f.name, str(tree)])
                print(report("grep -r -i -F -f <keywords>", seconds, n, size))
            finally:
                os.unlink(f.name)
        print(f"\nkeywords ({len(words)}): {' '.join(words)}")
        print("targets: >= 2,000 files/s and >= 50 MB/s with --jobs 1")

        if args.profile:
            print("\n=== cProfile: in-process scan, --jobs 1 ===")
            print(profile_scan(tree, args.profile_top))
        return 0
    finally:
        if temp is not None and not args.keep:
            shutil.rmtree(temp, ignore_errors=True)
        elif temp is not None:
            print(f"kept: {tree}")


if __name__ == "__main__":
    sys.exit(main())
