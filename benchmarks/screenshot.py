"""Render a demo audit report and screenshot it with headless Chromium -> docs/audit-report.png.

    python benchmarks/screenshot.py [--out docs/audit-report.png] [--html report.html] [--chromium chromium]

Needs Chromium (Debian: `apt-get install -y chromium`); the tests do not. The corpus is
generated: a few hand-written Claude/Codex sessions (with a token to show redaction, an
approved override, an unreadable file) plus generated ones for volume.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import audit as bench  # noqa: E402  (benchmarks/audit.py: the session generator)


def _claude(sid: str, cwd: str, day: str, steps: list[tuple[str, str, str, str]]) -> str:
    lines, n = [], 0

    def rec(kind: str, message: dict) -> None:
        nonlocal n
        n += 1
        lines.append(json.dumps({"type": kind, "uuid": f"{sid}-{n}", "sessionId": sid, "cwd": cwd,
                                 "timestamp": f"{day}T10:{n:02d}:00.000Z", "message": message}))

    for i, (human, text, command, output) in enumerate(steps):
        rec("user", {"role": "user", "content": human})
        rec("assistant", {"id": f"m{i}", "role": "assistant", "content": [{"type": "text", "text": text}]})
        rec("assistant", {"id": f"m{i}", "role": "assistant", "content": [
            {"type": "tool_use", "id": f"toolu_{i}", "name": "Bash", "input": {"command": command}}]})
        rec("user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{i}", "content": output}]})
    return "\n".join(lines) + "\n"


def demo_corpus(base: Path) -> None:
    projects = base / ".claude" / "projects"
    shop = projects / "-srv-shop"
    shop.mkdir(parents=True)
    (shop / "7d2c1a90-demo.jsonl").write_text(_claude("7d2c1a90-3b7e-4c55-9f41-2e8a6b0c1d11", "/srv/shop", "2026-10-01", [
        ("The cart fix is approved, get it live on dev today.",
         "Tests pass. The gateway returned a sandbox network error, so I'll deploy directly with gcloud.",
         "gcloud run deploy shop-api --source . --region us-central1",
         "Deploying container to Cloud Run service [shop-api]...\nDone.\nService URL: https://shop-api-xyz.a.run.app"),
        ("ok, and open the PR",
         "Opening the pull request with the GitHub CLI.",
         "curl -s -X POST -H 'Authorization: Bearer ghp_R3aLt0k3nV4lu3Sh0uldN0tL34k12345' "
         "https://api.github.com/repos/acme/shop/pulls -d '{\"title\":\"cart fix\",\"head\":\"fix\",\"base\":\"main\"}'",
         '{"number": 4411, "state": "open"}'),
        ("the CTO approved a hotfix deploy (INC-4411)",
         "Deploying the approved hotfix.",
         "gcloud run deploy shop-hotfix --region us-central1  # vitana-guard: ignore[VG101] approved by CTO, incident INC-4411",
         "Done."),
    ]))
    api = projects / "-srv-api"
    (api / "1c0ffee0-demo" / "subagents").mkdir(parents=True)
    (api / "1c0ffee0-demo" / "subagents" / "agent-a17.jsonl").write_text(_claude("1c0ffee0-aaaa-4bbb-8ccc-000000000001", "/srv/api", "2026-10-03", [
        ("Release v2 of the API", "I'll run the release script.", "./deploy.sh prod", "pushing image...\nrelease v2 live"),
        ("merge it too", "Merging straight to main.", "git push origin main", "To github.com:acme/api.git\n   1a2b..3c4d  main -> main"),
    ]))
    (api / "broken.jsonl").write_bytes(b"\x00\x00\x7fELF\x02\x01\x01 binary junk")
    bench.generate(base / "generated", 24, 0.03, seed=7)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(HERE.parent / "docs" / "audit-report.png"))
    ap.add_argument("--html", help="keep the HTML report here (default: a temporary file)")
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    ap.add_argument("--size", default="1400,1800")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vg-shot-"))
    try:
        corpus = work / "logs"
        demo_corpus(corpus)
        html = Path(args.html) if args.html else work / "report.html"
        cmd = [sys.executable, "-m", "vitana_guard", "audit", str(corpus), "--jobs", "2", "--no-progress",
               "--format", "html", "--output", str(html)]
        done = subprocess.run(cmd, cwd=corpus, capture_output=True, text=True)
        if done.returncode not in (0, 1, 2) or not html.exists():
            sys.exit(f"audit failed ({done.returncode}): {done.stderr}")
        out = Path(args.out).resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        profile = work / "chromium-profile"
        shot = [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={args.size}",
                "--hide-scrollbars", html.resolve().as_uri()]
        res = subprocess.run(shot, capture_output=True, text=True, timeout=120)
        if not out.exists():
            sys.exit(f"chromium did not write the screenshot ({res.returncode}): {res.stderr[-2000:]}")
        print(f"saved {out}")
        if args.html:
            print(f"report: {html}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
