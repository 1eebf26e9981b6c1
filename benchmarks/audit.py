"""Benchmark `vitana-guard audit` over generated agent sessions.

    python benchmarks/audit.py                                  # 2,000 sessions, ~1 GB
    python benchmarks/audit.py --sessions 400 --mb-per-session 0.5
    python benchmarks/audit.py --jobs 1 --jobs 2 --jobs 4 --keep /tmp/corpus

Generates Claude Code and Codex session logs (mostly benign records: prompts, agent text,
tool calls with long outputs; a few violations each), then audits them once per --jobs value,
each in a fresh process, and prints wall time, MB/s, findings and the parent's peak RSS
(the workers' peak RSS too). The HTML report of the last run is rendered and timed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENIGN = ["npm test", "git status", "ls -la src", "pytest -q tests/unit", "cat package.json", "git diff --stat",
          "rg TODO src", "make lint", "python -m build", "docker ps"]
VIOLATIONS = [
    "gcloud run deploy api --source . --region us-central1",
    "./deploy.sh prod",
    "docker push gcr.io/acme/api:latest",
    "gh pr create --fill",
    "git push origin main",
    "gcloud builds submit --tag gcr.io/acme/api",
]
WORDS = ("the build finished step compiled module cache layer hash token user request file test passed "
         "warning info debug resolved package version lock fetch write read open close").split()


def _filler(rng: random.Random, n: int) -> str:
    lines = []
    size = 0
    while size < n:
        line = " ".join(rng.choice(WORDS) for _ in range(12))
        lines.append(f"[{size:08d}] {line}")
        size += len(line) + 12
    return "\n".join(lines)


def claude_session(rng: random.Random, sid: str, target: int, day: str, cwd: str) -> str:
    out: list[str] = []
    size = 0
    n = 0

    def rec(kind: str, message: dict) -> None:
        nonlocal size, n
        n += 1
        line = json.dumps({"type": kind, "uuid": f"{sid}-{n}", "parentUuid": f"{sid}-{n - 1}", "sessionId": sid,
                           "cwd": cwd, "version": "2.1.204", "gitBranch": "main", "isSidechain": False,
                           "timestamp": f"{day}T{9 + n // 3600 % 10:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
                           "message": message})
        out.append(line)
        size += len(line) + 1

    step = 0
    while size < target:
        step += 1
        rec("user", {"role": "user", "content": f"Step {step}: please continue with the task and check the results."})
        rec("assistant", {"id": f"msg_{step}", "role": "assistant",
                          "content": [{"type": "text", "text": "Looking at the output. " + _filler(rng, 300)}]})
        bad = rng.random() < 0.04
        command = rng.choice(VIOLATIONS) if bad else rng.choice(BENIGN)
        tid = f"toolu_{sid[:8]}_{step}"
        rec("assistant", {"id": f"msg_{step}", "role": "assistant",
                          "content": [{"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": command}}]})
        rec("user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid,
                                                  "content": _filler(rng, rng.randint(2000, 12000))}]})
    return "\n".join(out) + "\n"


def codex_session(rng: random.Random, sid: str, target: int, day: str, cwd: str) -> str:
    out = [json.dumps({"timestamp": f"{day}T08:00:00Z", "type": "session_meta", "payload": {"id": sid, "cwd": cwd}})]
    size = len(out[0])
    step = 0
    while size < target:
        step += 1
        bad = rng.random() < 0.04
        command = rng.choice(VIOLATIONS) if bad else rng.choice(BENIGN)
        recs = [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": f"step {step}, go on"}]},
            {"type": "function_call", "name": "shell_command", "call_id": f"c{step}",
             "arguments": json.dumps({"command": command})},
            {"type": "function_call_output", "call_id": f"c{step}", "output": _filler(rng, rng.randint(2000, 12000))},
        ]
        for payload in recs:
            line = json.dumps({"timestamp": f"{day}T08:00:{step % 60:02d}Z", "type": "response_item", "payload": payload})
            out.append(line)
            size += len(line) + 1
    return "\n".join(out) + "\n"


def generate(base: Path, sessions: int, mb_per_session: float, seed: int = 518) -> int:
    """Write `sessions` logs under base (Claude projects and Codex sessions layouts); returns bytes."""
    rng = random.Random(seed)
    total = 0
    repos = ["/srv/shop", "/srv/api", "/srv/web", "/home/dev/infra", "/home/dev/mobile"]
    for i in range(sessions):
        day = f"2026-10-{1 + i % 28:02d}"
        cwd = rng.choice(repos)
        target = int(mb_per_session * 1e6 * rng.uniform(0.5, 1.5))
        if i % 5 == 4:
            sid = f"0199{i:04x}-0000-7000-8000-{i:012x}"
            path = base / ".codex" / "sessions" / "2026" / "10" / day[-2:] / f"rollout-{day}T08-00-00-{sid}.jsonl"
            text = codex_session(rng, sid, target, day, cwd)
        else:
            sid = f"{i:08x}-1111-4222-8333-{i:012x}"
            path = base / ".claude" / "projects" / ("-" + cwd.strip("/").replace("/", "-")) / f"{sid}.jsonl"
            text = claude_session(rng, sid, target, day, cwd)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        total += len(text)
    return total


def run_once(corpus: str, jobs: int, html: str | None) -> dict:
    """One audit in this process (the caller starts a fresh process per run)."""
    from vitana_guard import audit as auditmod, config as configmod, pipeline
    from vitana_guard.report.html import render_html

    pack = pipeline.load_for(configmod.load(None))
    t0 = time.perf_counter()
    run = auditmod.audit([corpus], pipeline.ScanOptions(), pack, root=corpus, jobs=jobs, command_line=["bench"])
    wall = time.perf_counter() - t0
    out = {
        "jobs": jobs,
        "files": run.result.files_scanned,
        "mb": run.result.bytes_scanned / 1e6,
        "findings": len(run.result.active),
        "notices": len(run.result.notices),
        "wall_s": wall,
        "mb_per_s": run.result.bytes_scanned / 1e6 / wall,
        "parent_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    if html:
        t1 = time.perf_counter()
        Path(html).write_text(render_html(run.result, run.files), encoding="utf-8")
        out["html_s"] = time.perf_counter() - t1
        out["html_mb"] = os.path.getsize(html) / 1e6
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--mb-per-session", type=float, default=0.5)
    ap.add_argument("--jobs", type=int, action="append", help="repeatable (default: 1 and 2)")
    ap.add_argument("--keep", metavar="DIR", help="generate into (or reuse) DIR and keep it")
    ap.add_argument("--html", metavar="FILE", help="also render the HTML report of the last run to FILE")
    ap.add_argument("--run", metavar="DIR", help=argparse.SUPPRESS)  # internal: one run, JSON on stdout
    args = ap.parse_args(argv)
    if args.run:
        print(json.dumps(run_once(args.run, (args.jobs or [1])[0], args.html)))
        return

    corpus = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="vg-audit-bench-"))
    try:
        if not any(corpus.rglob("*.jsonl")):
            t0 = time.perf_counter()
            size = generate(corpus, args.sessions, args.mb_per_session)
            print(f"generated {args.sessions} sessions, {size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f}s "
                  f"({corpus})", flush=True)
        jobs_list = args.jobs or [1, 2]
        print(f"cores: {os.cpu_count()}")
        print(f"{'jobs':>4} {'files':>6} {'MB':>8} {'findings':>8} {'wall s':>8} {'MB/s':>7} "
              f"{'parent RSS MB':>13} {'worker RSS MB':>13}")
        for i, jobs in enumerate(jobs_list):
            cmd = [sys.executable, __file__, "--run", str(corpus), "--jobs", str(jobs)]
            if args.html and i == len(jobs_list) - 1:
                cmd += ["--html", args.html]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            print(f"{r['jobs']:>4} {r['files']:>6} {r['mb']:>8.1f} {r['findings']:>8} {r['wall_s']:>8.2f} "
                  f"{r['mb_per_s']:>7.1f} {r['parent_peak_rss_mb']:>13.1f} {r['worker_peak_rss_mb']:>13.1f}", flush=True)
            if "html_s" in r:
                print(f"html report: {r['html_mb']:.2f} MB rendered in {r['html_s']:.2f}s -> {args.html}")
    finally:
        if not args.keep:
            shutil.rmtree(corpus, ignore_errors=True)


if __name__ == "__main__":
    main()
