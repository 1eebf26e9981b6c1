#!/usr/bin/env python3
"""Time `vitana-guard history` against `git log -p > /dev/null` (target: ratio <= 1.0).

    python benchmarks/history.py                           # 5,000 commits in a temp repo, deleted afterwards
    python benchmarks/history.py -n 5000 --keep            # keep the repository for reruns
    python benchmarks/history.py --repo PATH --jobs 1 2 --repeat 5
    python benchmarks/history.py --repo PATH --profile     # + cProfile of an in-process serial run

Without --repo it generates a repository of N commits with `git fast-import`: each commit
edits 1-3 of 200 files (shell or Python, Markdown, YAML, text); about 1 commit in 50 adds a
violating line, others add ordinary lines. `--lines domain` (the default) draws them from
this project's domain (most hold a rule keyword such as `gcloud`, `deploy`, `docker`: the
prefilter lets most changes through); `--lines stdlib` draws them from the running
Python's standard library, real code in which about 1 line in 40 holds a keyword (`head`,
`gh` in `right`, `exist`, `push`...), as in an ordinary code base: its files are Python,
Markdown, YAML and text, and one in 20 a shell script of domain lines.

Each command runs --repeat times, alternating with the others so that load from other
processes on the machine hits them alike; the best wall time is compared. CPU time
(user + sys, child processes included: git, workers) is shown too: on a shared machine it
moves less than wall time.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import _common  # benchmarks/_common.py, beside this script

ENV = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
LINES = [
    "echo building {i}", "make test", "gcloud auth list", "docker build -t app:{i} .", "npm run deploy-docs",
    "See the deploy guide for step {i}.", "- item {i}", "value_{i}: true", "curl -s https://example.com/{i}",
]
BAD = ["gcloud run deploy svc{i} --source .", "docker push app:{i}", "./deploy.sh {i}"]


def stdlib_lines(limit: int = 50000) -> list[str]:
    """Non-blank lines of the running Python's standard library, in a fixed order."""
    lib = os.path.dirname(os.__file__)
    out: list[str] = []
    for name in sorted(os.listdir(lib)):
        if name.endswith(".py"):
            with open(os.path.join(lib, name), encoding="utf-8", errors="replace") as f:
                out += [line.rstrip().replace("{", "{{").replace("}", "}}") for line in f if line.strip()]
        if len(out) >= limit:
            break
    return out


def generate(path: str, n: int, lines: str = "domain") -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True, env=ENV)
    rnd = random.Random(518)
    vocabulary = LINES if lines == "domain" else stdlib_lines()
    kinds = ["sh", "md", "yml", "txt"]
    if lines == "stdlib":  # code goes in Python files; one file in 20 is a shell script of domain lines
        kinds = ["sh" if k % 20 == 0 else ["py", "md", "yml", "txt"][k % 4] for k in range(200)]
    names = [f"dir{k % 10}/f{k}.{kinds[k % len(kinds)]}" for k in range(200)]
    files: dict[str, list[str]] = {name: [] for name in names}
    out = []
    t0 = 1767225600  # 2026-01-01
    for i in range(n):
        changed = rnd.sample(names, rnd.randint(1, 3))
        cmds = []
        for name in changed:
            body = files[name]
            for _ in range(rnd.randint(1, 5)):
                words = LINES if name.endswith(".sh") else vocabulary
                line = (rnd.choice(BAD) if rnd.random() < 0.01 else rnd.choice(words)).format(i=i)
                body.insert(rnd.randint(0, len(body)), line)
            if len(body) > 60 and rnd.random() < 0.3:
                del body[rnd.randint(0, len(body) - 1)]
            data = ("\n".join(body) + "\n").encode()
            cmds.append(b"M 100644 inline " + name.encode() + b"\ndata %d\n" % len(data) + data)
        msg = f"VTID-0518 change {i}\n".encode()
        out.append(b"commit refs/heads/main\ncommitter Dev <dev@example.com> %d +0000\ndata %d\n%s" % (t0 + i * 60, len(msg), msg))
        out.extend(cmds)
        out.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(out), check=True, env=ENV)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True, env=ENV)


def run_once(cmd: list[str], cwd: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys of the process and its children), exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def profile_history(repo: str, top: int) -> str:
    """cProfile of one in-process serial `history` run, by cumulative then own time."""
    from vitana_guard import commands_git

    old = os.getcwd()
    os.chdir(repo)
    try:
        run = commands_git._Run(None, (), (), None, False)
        profiler = cProfile.Profile()
        profiler.enable()
        commands_git.scan_history(run, repo, ["HEAD"], None)
        profiler.disable()
    finally:
        os.chdir(old)
    return _common.profile_report(profiler, top)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=5000, help="commits to generate")
    ap.add_argument("--repo", help="use this existing repository instead")
    ap.add_argument("--lines", choices=["domain", "stdlib"], default="domain",
                    help="what generated commits add: domain words (keyword-dense) or standard-library code")
    ap.add_argument("--vg", default=shutil.which("vitana-guard")
                    or os.path.join(os.path.dirname(sys.executable), "vitana-guard"))
    ap.add_argument("--keep", action="store_true", help="keep the generated repository")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="history --jobs values to time")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each command (best wall time counts)")
    ap.add_argument("--profile", action="store_true", help="also profile an in-process serial run")
    ap.add_argument("--profile-top", type=int, default=30)
    a = ap.parse_args(argv)

    tmp = None
    repo = a.repo
    if repo is None:
        tmp = tempfile.mkdtemp(prefix="vg-bench-")
        repo = os.path.join(tmp, "repo")
        t = time.perf_counter()
        generate(repo, a.n, a.lines)
        print(f"generated {a.n} commits in {time.perf_counter() - t:.1f}s: {repo}")
    try:
        count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True, text=True,
                               env=ENV).stdout.strip()
        commands = {"git log -p > /dev/null": ["git", "log", "-p"],
                    # what history reads: the floor of any scan built on it
                    "git log -p -U0 (history's input)": ["git", "log", "-p", "-U0", "--first-parent", "--full-index",
                                                         "--no-renames", "--diff-merges=first-parent"]}
        for jobs in a.jobs:
            commands[f"vitana-guard history -j{jobs}"] = [a.vg, "history", "--format", "json", "--output",
                                                          os.devnull, "--jobs", str(jobs)]
        runs: dict[str, list[tuple[float, float, int]]] = {label: [] for label in commands}
        for _ in range(a.repeat):
            for label, cmd in commands.items():
                runs[label].append(run_once(cmd, repo))
        report = subprocess.run([a.vg, "history", "--format", "json"], cwd=repo, capture_output=True, text=True,
                                env=ENV).stdout
        n_found = len(json.loads(report)["findings"]) if report.strip().startswith("{") else -1
        print(f"commits: {count}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.2f}; {n_found} findings")
        git_best = min(wall for wall, _, _ in runs["git log -p > /dev/null"])
        for label, results in runs.items():
            wall = min(w for w, _, _ in results)
            cpu = min(c for _, c, _ in results)
            codes = sorted({c for _, _, c in results})
            ratio = "" if label == "git log -p > /dev/null" else f"  ratio {wall / git_best:5.2f}x"
            print(f"{label:<34} wall {wall:6.2f} s  cpu {cpu:6.2f} s  (best of {len(results)}, exit {codes}){ratio}")
        if a.profile:
            print(profile_history(repo, a.profile_top))
    finally:
        if tmp and not a.keep:
            shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
