#!/usr/bin/env python3
"""One-shot commands, whole process: `--version`, `scan FILE` (one small script) and the
pre-commit hook (`diff --staged`, 10 staged files), against the interpreter's start.

usage: python benchmarks/oneshot.py [--runs 20] [--vg PATH] [--before PATH] [--callgrind]

Each job runs --runs times, interleaved with the others (and with a second install given
by --before, e.g. main's venv, so both see the same machine load); medians and minimums
in ms. The pack cache is a fresh temporary directory, compiled by one warm-up run of each
job, as after a user's first commit. Bytecode caching is on (PYTHONDONTWRITEBYTECODE is
dropped), as users have it. --callgrind adds each job's instruction count (valgrind's
"I refs"; one run, not affected by other work on the machine).
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

import precommit

SCRIPT = "#!/bin/sh\nset -e\nnpm ci\nnpm test\ncurl -s https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health\n"


def instructions(argv: list[str], cwd: str, env: dict) -> str:
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv], cwd=cwd, env=env,
                       capture_output=True, text=True)
    refs = [line.split()[-1] for line in p.stderr.splitlines() if "refs:" in line]
    return refs[0] if refs else "?"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--vg", default=os.path.join(os.path.dirname(sys.executable), "vitana-guard"))
    ap.add_argument("--before", help="another install's vitana-guard, timed in the same run")
    ap.add_argument("--callgrind", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="vg-oneshot-")
    try:
        env = {**os.environ, **precommit.ENV, "NO_COLOR": "1",
               "XDG_CACHE_HOME": os.path.join(work, "cache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        script = os.path.join(work, "small.sh")
        with open(script, "w") as f:
            f.write(SCRIPT)
        repo = os.path.join(work, "repo")
        os.mkdir(repo)
        precommit.build(repo, 10)
        python = os.path.join(os.path.dirname(a.vg), "python")
        jobs: dict[str, tuple[list[str], str]] = {
            "python -S -c pass": ([python, "-S", "-c", "pass"], work),
            "python -c pass": ([python, "-c", "pass"], work),
            "git diff --cached": (["git", "diff", "--cached"], repo),
        }
        installs = [("before", a.before)] if a.before else []
        for label, vg in installs + [("now", a.vg)]:
            jobs[f"{label}: --version"] = ([vg, "--version"], work)
            jobs[f"{label}: scan FILE"] = ([vg, "scan", script], work)
            jobs[f"{label}: diff --staged"] = ([vg, "diff", "--staged"], repo)
        for argv, cwd in jobs.values():  # warm-up: bytecode and the pack cache
            subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
        times: dict[str, list[float]] = {k: [] for k in jobs}
        for _ in range(a.runs):
            for k, (argv, cwd) in jobs.items():
                start = time.perf_counter()
                subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[k].append((time.perf_counter() - start) * 1000)
        for k, (argv, cwd) in jobs.items():
            line = f"{k:<24} median {statistics.median(times[k]):7.1f} ms   min {min(times[k]):6.1f} ms"
            if a.callgrind and not k.startswith("git"):
                vg_python = os.path.join(os.path.dirname(argv[0]), "python") if "vitana-guard" in argv[0] else None
                full = [vg_python, *argv] if vg_python else argv  # the script's interpreter, not valgrind's shell
                line += f"   {instructions(full, cwd, env):>13} instructions"
            print(line, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
