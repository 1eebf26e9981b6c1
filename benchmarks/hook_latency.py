"""Wall time of one hook invocation, interpreter start included.

200 mixed Claude PreToolUse calls (clean commands, forbidden commands, canonical
gateway curl calls), each a fresh process like the agent spawns. Prints median and
p95 per entry point and per kind: the native executable the installed settings name,
and the two Python entries people call by hand (which run that executable).
Usage: python benchmarks/hook_latency.py [N]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import _common  # benchmarks/_common.py, beside this script

GW = "https://gateway-q74ibpv6ia-uc.a.run.app"
CALLS = {
    "clean": ["ls -la", "git status", "pytest -q tests", "cat README.md", "npm test"],
    "forbidden": ["gcloud run deploy x --region us-central1", "sh -c './deploy.sh'", "docker push img", "gh pr merge 3"],
    "gateway": [f"curl -s {GW}/api/v1/cicd/health",
                f"curl -s -X POST {GW}/api/v1/github/create-pr -d '{{\"vtid\": \"AUTO\", \"base\": \"main\", "
                "\"head\": \"claude/fix-issue-1\", \"title\": \"t\", \"body\": \"VTID-0518 t\"}'"],
}
HOOK = [sys.executable, "-m", "vitana_guard.hooks", "claude"]


def entries() -> dict:
    """label -> (argv, extra environment)"""
    import shlex

    from vitana_guard.hooks import install

    return {
        "vitana-guard-hook (the installed command)": (shlex.split(install.default_command("claude")), {}),
        "python -m vitana_guard.hooks": (HOOK, {}),
        "vitana-guard hook claude": ([sys.executable, "-m", "vitana_guard", "hook", "claude"], {}),
    }


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    kinds = [k for k in CALLS for _ in range(len(CALLS[k]))]
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        base = {**os.environ, "XDG_STATE_HOME": f"{tmp}/state", "XDG_CACHE_HOME": f"{tmp}/cache"}
        for label, (argv, extra) in entries().items():
            env = {**base, **extra}
            # warm up: the first call ever compiles the rules
            first = time.perf_counter()
            subprocess.run(argv, input=json.dumps(payload("docker push x")), capture_output=True, text=True, env=env)
            cold = time.perf_counter() - first
            times: dict[str, list[float]] = {k: [] for k in CALLS}
            for i in range(n):
                kind = kinds[i % len(kinds)]
                cmd = CALLS[kind][i % len(CALLS[kind])]
                data = json.dumps(payload(cmd, session=f"bench-{i}"))
                t = time.perf_counter()
                subprocess.run(argv, input=data, capture_output=True, text=True, env=env)
                times[kind].append((time.perf_counter() - t) * 1000)
            all_ = [x for v in times.values() for x in v]
            print(f"{label}: n={n} median {statistics.median(all_):.1f} ms, p95 {pct(all_, .95):.1f} ms "
                  f"(first call, cold cache: {cold * 1000:.0f} ms)")
            for kind, xs in times.items():
                print(f"    {kind:<10} n={len(xs):<4} median {statistics.median(xs):6.1f} ms  p95 {pct(xs, .95):6.1f} ms")
    print(f"python -c pass (interpreter start, the floor): {_common.interpreter_start_ms(20):.1f} ms")


def payload(command: str, session: str = "bench") -> dict:
    return {"session_id": session, "transcript_path": "/dev/null", "cwd": os.getcwd(), "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "toolu_" + uuid.uuid4().hex[:16]}


if __name__ == "__main__":
    main()
