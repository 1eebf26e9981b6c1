#!/usr/bin/env python3
"""Time `vitana-guard history` against `git log -p > /dev/null` (target: ratio <= 1.0).

usage: python benchmarks/history.py [-n 5000] [--repo PATH] [--vg PATH] [--keep]

Without --repo it generates a repository of N commits with `git fast-import`: each commit
edits 1-3 of 200 files (shell, Markdown, YAML, text); about 1 commit in 50 adds a
violating line, others add ordinary lines (some with rule keywords such as `gcloud`,
`deploy`, `docker`, so the prefilter does not skip everything).
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("-n", type=int, default=5000, help="commits to generate")
ap.add_argument("--repo", help="use this existing repository instead")
ap.add_argument("--vg", default=shutil.which("vitana-guard") or os.path.join(os.path.dirname(sys.executable), "vitana-guard"))
ap.add_argument("--keep", action="store_true", help="keep the generated repository")
a = ap.parse_args()

ENV = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
LINES = [
    "echo building {i}", "make test", "gcloud auth list", "docker build -t app:{i} .", "npm run deploy-docs",
    "See the deploy guide for step {i}.", "- item {i}", "value_{i}: true", "curl -s https://example.com/{i}",
]
BAD = ["gcloud run deploy svc{i} --source .", "docker push app:{i}", "./deploy.sh {i}"]


def generate(path: str, n: int) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True, env=ENV)
    rnd = random.Random(518)
    names = [f"dir{k % 10}/f{k}.{['sh', 'md', 'yml', 'txt'][k % 4]}" for k in range(200)]
    files = {name: [] for name in names}
    out = []
    t0 = 1767225600  # 2026-01-01
    for i in range(n):
        changed = rnd.sample(names, rnd.randint(1, 3))
        cmds = []
        for name in changed:
            body = files[name]
            for _ in range(rnd.randint(1, 5)):
                line = (rnd.choice(BAD) if rnd.random() < 0.01 else rnd.choice(LINES)).format(i=i)
                body.insert(rnd.randint(0, len(body)), line)
            if len(body) > 60 and rnd.random() < 0.3:
                del body[rnd.randint(0, len(body) - 1)]
            data = ("\n".join(body) + "\n").encode()
            cmds.append(b"M 100644 inline " + name.encode() + b"\ndata %d\n" % len(data) + data)
        msg = f"VTID-0518 change {i}\n".encode()
        out.append(b"commit refs/heads/main\ncommitter Dev <dev@example.com> %d +0000\ndata %d\n%s" % (t0 + i * 60, len(msg), msg))
        if i:
            out.append(b"from refs/heads/main^0\n" if False else b"")
        out.extend(cmds)
        out.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(out), check=True, env=ENV)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True, env=ENV)


def timed(cmd, cwd) -> tuple[float, int]:
    best = None
    code = 0
    for _ in range(3):
        t = time.perf_counter()
        code = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV).returncode
        d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    return best, code


tmp = None
repo = a.repo
if repo is None:
    tmp = tempfile.mkdtemp(prefix="vg-bench-")
    repo = os.path.join(tmp, "repo")
    t = time.perf_counter()
    generate(repo, a.n)
    print(f"generated {a.n} commits in {time.perf_counter() - t:.1f}s: {repo}")
count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True, text=True, env=ENV).stdout.strip()
git_s, _ = timed(["git", "log", "-p"], repo)
vg_s, vg_code = timed([a.vg, "history", "--format", "json", "--output", os.devnull], repo)
findings = subprocess.run([a.vg, "history", "--format", "json"], cwd=repo, capture_output=True, text=True, env=ENV).stdout
import json  # noqa: E402
n_found = len(json.loads(findings)["findings"]) if findings.strip().startswith("{") else -1
print(f"commits: {count}")
print(f"git log -p > /dev/null : {git_s:.3f}s (best of 3)")
print(f"vitana-guard history   : {vg_s:.3f}s (best of 3, exit {vg_code}, {n_found} findings)")
print(f"ratio                  : {vg_s / git_s:.2f}x")
if tmp and not a.keep:
    shutil.rmtree(tmp)
