"""The keyword gate never hides a command: bash runs `g''cloud`, `gc\\loud` and
`$'\\x67cloud'` as gcloud, so a command spelled in pieces reaches the rules wherever
the gate stands: the file prefilter, the statement selection, a transcript's record
prefilter, a diff's hunk prefilter and the live guard."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import jsonl, run_cli, write

SPELLED = {
    "g''cloud run deploy gw --source .": "VG101",
    'g"c"loud run deploy gw': "VG101",
    "gc\\loud run deploy gw": "VG101",
    "$'\\x67cloud' run deploy gw": "VG101",
    "$'\\147cloud' run deploy gw": "VG101",
    "./dep''loy.sh gw": "VG102",
    'gh pr mer""ge 12': "VG106",
}
FILLER = "".join(f"echo step {i}\nnpm run build:{i}\n" for i in range(200))  # long: statements are selected


def findings(proc) -> list[tuple[int, str]]:
    assert proc.returncode in (0, 1), proc.stderr
    return [(f["line"], f["rule_id"]) for f in json.loads(proc.stdout)["findings"]]


def test_bash_runs_each_spelling_as_the_program(tmp_path):
    """The premise, checked against bash itself: a fake gcloud on PATH records what runs."""
    fake = tmp_path / "bin"
    log = tmp_path / "ran.log"
    fake.mkdir()
    for name in ("gcloud", "gh"):
        write(fake / name, f'#!/bin/sh\necho "{name} $*" >> {log}\n').chmod(0o755)
    write(tmp_path / "deploy.sh", f'#!/bin/sh\necho "deploy.sh $*" >> {log}\n').chmod(0o755)
    for text in SPELLED:
        subprocess.run(["bash", "-c", text], cwd=tmp_path, env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"},
                       check=True)
    ran = log.read_text().splitlines()
    assert [r.split()[0] for r in ran] == ["gcloud"] * 5 + ["deploy.sh", "gh"]


@pytest.mark.parametrize("text,rule", SPELLED.items())
def test_scan_finds_a_command_spelled_in_pieces(workdir, text, rule):
    write(workdir / "short.sh", f"#!/bin/sh\n{text}\n")
    write(workdir / "long.sh", f"#!/bin/sh\n{FILLER}{text}\n{FILLER}")
    proc = run_cli("scan", ".", "--format", "json", cwd=workdir)
    assert sorted(findings(proc)) == [(2, rule), (402, rule)]


@pytest.mark.parametrize("text,rule", SPELLED.items())
def test_transcript_record_prefilter_reads_a_command_spelled_in_pieces(workdir, text, rule):
    records = [{"type": "assistant", "sessionId": "s", "uuid": f"u{i}", "message": {
        "id": f"m{i}", "role": "assistant",
        "content": [{"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": cmd}}]}}
        for i, cmd in enumerate(["npm test"] * 50 + [text] + ["ls"] * 50)]
    write(workdir / "session.jsonl", jsonl(records))
    proc = run_cli("scan", "session.jsonl", "--transcript-format", "claude", "--format", "json", cwd=workdir)
    assert findings(proc) == [(51, rule)]


@pytest.mark.parametrize("text,rule", SPELLED.items())
def test_staged_diff_finds_a_command_spelled_in_pieces(tmp_path, text, rule):
    repo = tmp_path / "repo"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    git = ["git", "-c", "user.name=d", "-c", "user.email=d@example.com"]
    subprocess.run(git + ["init", "-q", str(repo)], check=True, env=env)
    write(repo / "ops.sh", f"#!/bin/sh\n{FILLER}")
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(git + ["commit", "-qm", "init"], cwd=repo, check=True, env=env)
    write(repo / "ops.sh", f"#!/bin/sh\n{FILLER}{text}\n")
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True, env=env)
    proc = run_cli("diff", "--staged", "--format", "json", cwd=repo, env=env)
    assert findings(proc) == [(402, rule)]


@pytest.mark.parametrize("text,rule", SPELLED.items())
def test_live_guard_denies_a_command_spelled_in_pieces(tmp_path, text, rule):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    payload = {"session_id": "s", "transcript_path": "/dev/null", "cwd": str(tmp_path), "hook_event_name": "PreToolUse",
               "tool_name": "Bash", "tool_input": {"command": text}, "tool_use_id": "toolu_1"}
    proc = subprocess.run([sys.executable, "-m", "vitana_guard.hooks", "claude"], input=json.dumps(payload),
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert rule in json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
