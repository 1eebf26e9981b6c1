"""The live guard's audit log, read back by `scan` as evidence."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def hook(tmp_path: Path, command: str, tool_use_id: str, log: Path) -> int:
    payload = {"session_id": "s-audit", "transcript_path": str(tmp_path / "t.jsonl"), "cwd": str(tmp_path),
               "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
               "tool_use_id": tool_use_id}
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "vitana_guard.hooks", "claude", "--audit-log", str(log)],
                          input=json.dumps(payload), capture_output=True, text=True, cwd=tmp_path, env=env).returncode


def scan(tmp_path: Path, *args: str) -> tuple[int, dict]:
    p = subprocess.run([sys.executable, "-m", "vitana_guard", "scan", *args, "--format", "json"],
                       capture_output=True, text=True, cwd=tmp_path)
    return p.returncode, json.loads(p.stdout)


def test_denied_calls_are_evidence_not_failures(tmp_path):
    log = tmp_path / "audit.jsonl"
    assert hook(tmp_path, "sh -c 'gcloud run deploy gateway --source .'", "toolu_1", log) == 2
    assert hook(tmp_path, "ls -la", "toolu_2", log) == 0
    code, report = scan(tmp_path, "audit.jsonl")
    assert code == 0  # the guard stopped it: nothing ran
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["line"], finding["record_id"], finding["session"]) == (
        "VG101", 1, "toolu_1", "s-audit")
    assert finding["suppressed"] and "never ran" in finding["suppression"]["justification"]
    assert "--source" not in json.dumps(report)  # the log holds a fingerprint, never the command


def test_warnings_let_through_are_active_and_bad_lines_reported(tmp_path):
    log = tmp_path / "audit.jsonl"
    record = {"time": "2026-11-20T10:00:00Z", "agent": "claude", "session": "s1", "tool": "Bash",
              "tool_use_id": "toolu_9", "rules": ["VG602"], "decision": "warn", "fingerprint": "ab" * 32}
    log.write_text(json.dumps(record) + "\n{not json\n")
    code, report = scan(tmp_path, "audit.jsonl")
    assert code == 2  # a line could not be read
    assert [(f["rule_id"], f["suppressed"]) for f in report["findings"]] == [("VG602", False)]
    assert [n["line"] for n in report["notices"]] == [2]


def test_wrongly_typed_or_deep_lines_are_notices_not_tracebacks(tmp_path):
    """A hand-edited log line (`rules` not a list, a dict for an id, JSON nested 100k deep)
    is a notice naming its line; the good lines around it still count."""
    good = {"time": "t", "agent": "claude", "session": "s1", "tool": "Bash", "tool_use_id": "toolu_1",
            "rules": ["VG602"], "decision": "warn", "fingerprint": "ab"}
    bad = [dict(good, rules=1.5), dict(good, rules=[["VG602"]]), dict(good, session={"id": 1})]
    lines = [json.dumps(good)] + [json.dumps(b) for b in bad] + ["[" * 100_000 + "]" * 100_000]
    (tmp_path / "audit.jsonl").write_text("\n".join(lines) + "\n")
    code, report = scan(tmp_path, "audit.jsonl")
    assert code == 2
    assert [f["rule_id"] for f in report["findings"]] == ["VG602"]
    assert [n["line"] for n in report["notices"]] == [2, 3, 4, 5]
    assert "'rules' must be a list" in report["notices"][0]["message"]
    assert "nested too deeply" in report["notices"][3]["message"]
