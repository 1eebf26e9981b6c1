#!/usr/bin/env python3
"""A keyword-dense Claude Code session log, as agents on this platform write them.

Almost every message on the vitana-platform speaks of the gateway, VTIDs, PRs, Safe
Merge and deploys; tool calls curl the gateway, run git and gh, read deploy scripts and
workflow files; tool results carry JSON from the gateway and CI logs. Violations are
rare (a `gcloud run deploy`, a `./deploy.sh`, a push to main, a "please click Run
workflow"), as in real sessions. The records have the shapes Claude Code 2.x writes:
user prompts, assistant text and tool_use blocks, user tool_result records with
`toolUseResult`, summaries, and the occasional sidechain (subagent) record.

    python benchmarks/dense_session.py OUT.jsonl --mb 200 [--seed 518]
"""
from __future__ import annotations

import argparse
import json
import random
import uuid

GW = "https://gateway-q74ibpv6ia-uc.a.run.app"
SERVICES = ["gateway", "oasis-operator", "oasis-projector"]
HUMAN = [
    "VTID-{v}: the {svc} health check fails after the last deploy; fix it through the gateway flow.",
    "Open a PR for VTID-{v} via the gateway, then Safe Merge and deploy {svc} to dev.",
    "Why did the EXEC-DEPLOY run for VTID-{v} fail? Check the gateway's cicd status.",
    "Please verify {svc} is healthy on dev after the deploy of VTID-{v}.",
]
AGENT = [
    "I'll create the branch claude/fix-issue-{n} for VTID-{v}, then open the PR through the gateway's create-pr endpoint.",
    "The gateway returned 200 for safe-merge; EXEC-DEPLOY is dispatched for {svc}. I'll poll the cicd health endpoint.",
    "Deploy of {svc} for VTID-{v} finished; the gateway reports the new revision serving 100% of traffic.",
    "I read services/{svc}/deploy.yaml: the workflow deploys only through the gateway, as VTID-0518 requires.",
    "The PR for VTID-{v} is open (#{pr}); CI is green, so I'll request Safe Merge via {gw}/api/v1/github/safe-merge.",
]
# the flow of VTID-0518, in order, once per session
FLOW = [
    "git checkout -b claude/fix-issue-{n} && git commit -am 'VTID-{v}: fix {svc} health' && git push -u origin claude/fix-issue-{n}",
    "curl -s -X POST {gw}/api/v1/github/create-pr -H 'Content-Type: application/json' "
    "-d '{{\"vtid\": \"VTID-{v}\", \"base\": \"main\", \"head\": \"claude/fix-issue-{n}\", "
    "\"title\": \"VTID-{v}: fix {svc} health\", \"body\": \"VTID-{v} fixes the {svc} health check\"}}'",
    "curl -s -X POST {gw}/api/v1/github/safe-merge -H 'Content-Type: application/json' "
    "-d '{{\"vtid\": \"VTID-{v}\", \"repo\": \"exafyltd/vitana-platform\", \"pr_number\": {pr}, \"require_checks\": true}}'",
    "curl -s -X POST {gw}/api/v1/deploy/service -H 'Content-Type: application/json' "
    "-d '{{\"vtid\": \"VTID-{v}\", \"service\": \"{svc}\", \"environment\": \"dev\"}}'",
    "curl -s {gw}/api/v1/cicd/health",
]
# what the agent reads and runs between the steps
COMMANDS = [
    "curl -s {gw}/api/v1/cicd/health",
    "cat .github/workflows/EXEC-DEPLOY.yml",
    "rg -n 'deploy' services/{svc}/src | head -40",
    "gh run list --workflow EXEC-DEPLOY.yml --limit 5",
]
RESULTS = [
    '{{"ok": true, "vtid": "VTID-{v}", "service": "{svc}", "status": "deployed", "revision": "{svc}-00{n}-abc"}}',
    '{{"ok": true, "pr_number": {pr}, "url": "https://github.com/exafyltd/vitana-platform/pull/{pr}"}}',
    "name: EXEC-DEPLOY\non:\n  workflow_dispatch:\n    inputs:\n      service: {{required: true}}\njobs:\n  deploy:\n"
    "    runs-on: ubuntu-latest\n    steps:\n      - run: gcloud run deploy ${{{{ inputs.service }}}} --source services/${{{{ inputs.service }}}}\n",
    "completed  success  VTID-{v}: deploy {svc}  EXEC-DEPLOY  main  workflow_dispatch  {pr}  2m10s",
]
RARE_COMMANDS = ["gcloud run deploy {svc} --source services/{svc} --region us-central1", "./scripts/deploy.sh {svc}",
                 "git push origin main"]
RARE_TEXT = ["The gateway is down (403), so please click Run workflow on EXEC-DEPLOY in the GitHub UI."]


class Session:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.id = str(uuid.UUID(int=rng.getrandbits(128)))
        self.parent: str | None = None
        self.n = 0

    def base(self, kind: str, sidechain: bool = False) -> dict:
        self.n += 1
        me = str(uuid.UUID(int=self.rng.getrandbits(128)))
        record = {"parentUuid": self.parent, "isSidechain": sidechain, "userType": "external",
                  "cwd": "/srv/vitana-platform", "sessionId": self.id, "version": "2.1.16",
                  "gitBranch": f"claude/fix-issue-{self.n % 97}", "type": kind, "uuid": me,
                  "timestamp": f"2026-11-{1 + self.n % 28:02d}T{self.n % 24:02d}:{self.n % 60:02d}:00.000Z"}
        self.parent = me
        return record

    def fill(self, template: str) -> str:
        r = self.rng
        return template.format(v=f"{r.randint(100, 9999):04d}", svc=r.choice(SERVICES), n=r.randint(1, 999),
                               pr=r.randint(100, 2000), gw=GW)


def records(rng: random.Random):
    """Sessions without end: a human's request, then the flow's steps in order with the
    agent's reading and talking between them."""
    while True:
        s = Session(rng)
        yield {**s.base("user"), "message": {"role": "user", "content": s.fill(rng.choice(HUMAN))}}
        if rng.random() < 0.05:  # the agent gives up on the gateway (VG501, VG502)
            text = agent_text(s, rng)
            text["message"]["content"][0]["text"] = RARE_TEXT[0]
            yield text
        for step in FLOW:
            for _ in range(rng.randint(2, 6)):
                yield agent_text(s, rng)
                yield from tool_call(s, rng, rng.choice(COMMANDS))
            if rng.random() < 0.01:
                yield from tool_call(s, rng, rng.choice(RARE_COMMANDS))
            yield agent_text(s, rng)
            yield from tool_call(s, rng, step)


def agent_text(s: Session, rng: random.Random) -> dict:
    return {**s.base("assistant", sidechain=rng.random() < 0.05), "message": {
        "id": f"msg_{s.n}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": s.fill(rng.choice(AGENT))}], "usage": {"input_tokens": 2048, "output_tokens": 320}}}


def tool_call(s: Session, rng: random.Random, template: str):
    tool_id = f"toolu_{s.n:08d}{rng.getrandbits(32):08x}"
    yield {**s.base("assistant"), "message": {
        "id": f"msg_{s.n}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "tool_use", "id": tool_id, "name": "Bash",
                     "input": {"command": s.fill(template), "description": "Run against the gateway"}}]}}
    output = s.fill(rng.choice(RESULTS))
    yield {**s.base("user"), "message": {"role": "user", "content": [
        {"tool_use_id": tool_id, "type": "tool_result", "content": output, "is_error": False}]},
        "toolUseResult": {"stdout": output, "stderr": "", "interrupted": False, "isImage": False}}


def generate(path: str, megabytes: float, seed: int = 518) -> int:
    """Write about `megabytes` MB; returns the number of records."""
    target, written, count = int(megabytes * 1_000_000), 0, 0
    with open(path, "w", encoding="utf-8") as f:
        for record in records(random.Random(seed)):
            line = json.dumps(record, ensure_ascii=False) + "\n"
            f.write(line)
            written += len(line.encode())
            count += 1
            if written >= target:
                return count
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=200.0)
    ap.add_argument("--seed", type=int, default=518)
    args = ap.parse_args()
    print(f"{generate(args.out, args.mb, args.seed)} records written to {args.out}")


if __name__ == "__main__":
    main()
