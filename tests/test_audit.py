"""`vitana-guard audit`: discovery, bad inputs, engines (processes, Dask), evidence, redaction."""
from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vitana_guard import audit as auditmod
from vitana_guard import config as configmod
from vitana_guard import pipeline
from vitana_guard.cli import main
from vitana_guard.commands_audit import pair_outputs
from vitana_guard.errors import UsageError

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def claude_session(session: str, steps: list[tuple[str, str, str]], cwd: str = "/srv/shop",
                   day: str = "2026-10-01") -> str:
    """A Claude Code session: per step (human request, agent text, Bash command), a tool result."""
    lines = []
    n = 0

    def rec(kind: str, message: dict) -> None:
        nonlocal n
        n += 1
        lines.append(json.dumps({"type": kind, "uuid": f"{session}-{n}", "parentUuid": None, "sessionId": session,
                                 "cwd": cwd, "version": "2.1.204", "timestamp": f"{day}T09:{n // 60:02d}:{n % 60:02d}.000Z",
                                 "message": message}))

    for i, (human, text, command) in enumerate(steps):
        rec("user", {"role": "user", "content": human})
        rec("assistant", {"id": f"msg_{i}", "role": "assistant", "content": [{"type": "text", "text": text}]})
        rec("assistant", {"id": f"msg_{i}", "role": "assistant",
                          "content": [{"type": "tool_use", "id": f"toolu_{session}_{i}", "name": "Bash",
                                       "input": {"command": command}}]})
        rec("user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"toolu_{session}_{i}",
                                                  "content": f"output of step {i}: Deployed revision api-0001"}]})
    return "\n".join(lines) + "\n"


def codex_session(session: str, command: str, cwd: str = "/srv/api") -> str:
    recs = [
        {"timestamp": "2026-10-02T12:00:00Z", "type": "session_meta", "payload": {"id": session, "cwd": cwd}},
        {"timestamp": "2026-10-02T12:00:01Z", "type": "response_item",
         "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "ship it"}]}},
        {"timestamp": "2026-10-02T12:00:02Z", "type": "response_item",
         "payload": {"type": "function_call", "name": "shell_command", "call_id": "c1",
                     "arguments": json.dumps({"command": command})}},
        {"timestamp": "2026-10-02T12:00:03Z", "type": "response_item",
         "payload": {"type": "function_call_output", "call_id": "c1", "output": "Process exited with code 0\nok"}},
    ]
    return "".join(json.dumps(r) + "\n" for r in recs)


def make_corpus(base: Path) -> Path:
    logs = base / "logs"
    (logs / "claude" / "s1").mkdir(parents=True)
    (logs / "claude" / "s1" / "subagents").mkdir()
    (logs / "codex").mkdir()
    (logs / "claude" / "s1.jsonl").write_text(claude_session("s1", [
        ("Release the cart fix please.", "I'll deploy it directly.", "gcloud run deploy api --region us-central1"),
        ("and merge", "Merging now.", f"git push https://bob:{TOKEN}@github.com/x/y main"),
    ]))
    (logs / "claude" / "s1" / "subagents" / "agent-a1.jsonl").write_text(claude_session("s1", [
        ("sub task", "Running the deploy script.", "./deploy.sh prod"),
    ], cwd="/srv/shop"))
    (logs / "claude" / "s2.jsonl").write_text(claude_session("s2", [
        ("run tests", "Running the tests.", "npm test"),
    ], cwd="/srv/web", day="2026-10-05"))
    (logs / "codex" / "rollout-2026-10-02T12-00-00-c0dex.jsonl").write_text(
        codex_session("c0dex", "docker push registry.example.com/app:1"))
    (logs / "notes.json").write_text('{"just": "a config file"}')  # not a transcript: skipped quietly
    return logs


def add_bad_files(logs: Path) -> None:
    (logs / "bad").mkdir()
    (logs / "bad" / "binary.jsonl").write_bytes(b"\x00\x01\x02garbage\x00" * 100)
    (logs / "bad" / "empty.jsonl").write_bytes(b"")
    whole = claude_session("s9", [("deploy", "ok", "gcloud run deploy web")])
    (logs / "bad" / "truncated.jsonl").write_text(whole[: len(whole) - 40])
    os.mkfifo(logs / "bad" / "pipe.jsonl")
    (logs / "bad" / "locked.jsonl").write_text(claude_session("s8", [("x", "y", "gcloud run deploy z")]))


@pytest.fixture()
def pack():
    return pipeline.load_for(configmod.load(None))


def run_audit(logs: Path, pack, **kw):
    return auditmod.audit([str(logs)], pipeline.ScanOptions(), pack, root=str(logs), command_line=["test"], **kw)


def keyset(findings):
    return sorted((f.path, f.line, f.rule_id, f.snippet, f.session or "") for f in findings)


# --- discovery ------------------------------------------------------------------------------


def test_default_locations_follow_each_agent(tmp_path):
    home = tmp_path / "home"
    (home / ".claude" / "projects" / "-srv-shop").mkdir(parents=True)
    (home / ".gemini" / "tmp" / "abc" / "chats").mkdir(parents=True)
    assert auditmod.default_paths(home=str(home), env={}) == [
        str(home / ".claude" / "projects"), str(home / ".gemini" / "tmp")]
    moved = tmp_path / "codexhome" / "sessions"
    moved.mkdir(parents=True)
    assert auditmod.default_paths("codex", home=str(home), env={"CODEX_HOME": str(tmp_path / "codexhome")}) == [str(moved)]
    globs = {(a, g) for a, _, g in auditmod.default_locations(str(home), {})}
    assert ("claude", "**/*.jsonl") in globs and ("codex", "**/rollout-*.jsonl") in globs


def test_audit_without_paths_uses_default_locations(tmp_path, monkeypatch):
    home = tmp_path / "home"
    proj = home / ".claude" / "projects" / "-srv-shop"
    (proj / "s1" / "subagents").mkdir(parents=True)
    (proj / "s1" / "subagents" / "agent-1.jsonl").write_text(
        claude_session("s1", [("go", "deploying", "gcloud run deploy api")]))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["audit", "-f", "json", "--no-progress"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert [f["path"] for f in data["findings"]] == [".claude/projects/-srv-shop/s1/subagents/agent-1.jsonl"]


def test_audit_finds_transcripts_by_content_and_reports_agents(tmp_path, pack):
    logs = make_corpus(tmp_path)
    run = run_audit(logs, pack, jobs=1)
    r = run.result
    rules = {(f.path, f.rule_id) for f in r.active}
    assert ("claude/s1.jsonl", "VG101") in rules
    assert ("claude/s1/subagents/agent-a1.jsonl", "VG102") in rules
    assert ("codex/rollout-2026-10-02T12-00-00-c0dex.jsonl", "VG103") in rules
    assert r.files_scanned == 4 and r.skipped == {"not a transcript": 1}
    assert not r.notices
    by_path = {fr.display_path: fr for fr in run.files}
    assert by_path["claude/s2.jsonl"].agent == "claude" and by_path["claude/s2.jsonl"].repository == "/srv/web"
    assert by_path["codex/rollout-2026-10-02T12-00-00-c0dex.jsonl"].agent == "codex"
    assert by_path["codex/rollout-2026-10-02T12-00-00-c0dex.jsonl"].session == "c0dex"
    f = next(f for f in r.active if f.rule_id == "VG101")
    assert f.properties["agent"] == "claude" and f.properties["repository"] == "/srv/shop"
    assert f.properties["day"] == "2026-10-01"


def test_agent_and_since_filters(tmp_path, pack):
    logs = make_corpus(tmp_path)
    only_codex = run_audit(logs, pack, agent="codex").result
    assert {f.path for f in only_codex.findings} == {"codex/rollout-2026-10-02T12-00-00-c0dex.jsonl"}
    assert only_codex.skipped["other agent"] == 3
    old = logs / "claude" / "s1.jsonl"
    os.utime(old, (1_600_000_000, 1_600_000_000))
    recent = run_audit(logs, pack, since=auditmod.parse_since("2021-01-01")).result
    assert "claude/s1.jsonl" not in {f.path for f in recent.findings}
    assert recent.skipped["older than --since"] == 1
    assert auditmod.parse_since("7d", now=1_000_000) == 1_000_000 - 7 * 86400
    with pytest.raises(ValueError):
        auditmod.parse_since("last tuesday")


# --- bad inputs ------------------------------------------------------------------------------


def test_bad_files_are_listed_and_do_not_stop_the_audit(tmp_path, pack, monkeypatch):
    logs = make_corpus(tmp_path)
    add_bad_files(logs)
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("locked.jsonl"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(auditmod, "open", fake_open, raising=False)  # root can read anything: simulate EACCES
    run = run_audit(logs, pack, jobs=1)
    r = run.result
    notes = {n.path: n for n in r.notices}
    assert "Permission denied" in notes["bad/locked.jsonl"].message
    assert "not a regular file" in notes["bad/pipe.jsonl"].message
    assert "truncated" in notes["bad/truncated.jsonl"].message
    # found in a directory, binary and empty files are no session logs: counted, as `scan` counts them
    assert "bad/binary.jsonl" not in notes and "bad/empty.jsonl" not in notes
    assert r.skipped["binary"] == 1 and r.skipped["empty"] == 1
    assert "VG101" in {f.rule_id for f in r.active if f.path == "claude/s1.jsonl"}  # the rest was audited
    assert pipeline.exit_code(r) == 2


def test_cli_exit_2_and_bad_files_in_report(tmp_path):
    logs = make_corpus(tmp_path)
    add_bad_files(logs)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["audit", str(logs), "-f", "json", "-o", str(out), "--jobs", "2", "--no-progress"])
    assert res.exit_code == 2, res.output
    data = json.loads(out.read_text())
    paths = {n["path"] for n in data["notices"]}
    assert {"bad/pipe.jsonl", "bad/truncated.jsonl"} <= {p.split("logs/")[-1] for p in paths}
    assert data["summary"]["skipped"]["binary"] == 1
    assert data["summary"]["findings"] >= 4


# --- engines ---------------------------------------------------------------------------------


def test_process_pool_equals_serial(tmp_path, pack):
    logs = make_corpus(tmp_path)
    add_bad_files(logs)
    one = run_audit(logs, pack, jobs=1).result
    two = run_audit(logs, pack, jobs=2).result
    assert one.findings == two.findings and keyset(one.findings)
    assert sorted(one.notices, key=repr) == sorted(two.notices, key=repr)
    assert one.inputs == two.inputs


def test_dask_local_cluster_equals_local(tmp_path, pack):
    distributed = pytest.importorskip("dask.distributed")
    logs = make_corpus(tmp_path)
    add_bad_files(logs)
    local = run_audit(logs, pack, jobs=1).result
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = run_audit(logs, pack, engine="dask", scheduler=cluster.scheduler_address).result
        # and through the command line
        out = tmp_path / "dask.json"
        res = CliRunner().invoke(main, ["audit", str(logs), "--engine", "dask", "--scheduler",
                                        cluster.scheduler_address, "-f", "json", "-o", str(out), "--no-progress"])
    assert remote.findings == local.findings
    assert sorted(remote.notices, key=repr) == sorted(local.notices, key=repr)
    assert remote.inputs == local.inputs and remote.files_scanned == local.files_scanned
    assert res.exit_code == 2, res.output
    assert len(json.loads(out.read_text())["findings"]) == len(local.findings)


def test_dask_missing_is_a_clear_error(tmp_path, monkeypatch):
    logs = make_corpus(tmp_path)
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    res = CliRunner().invoke(main, ["audit", str(logs), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2
    assert "pip install 'vitana-guard[dask]'" in res.output
    res = CliRunner().invoke(main, ["audit", str(logs), "--engine", "dask"])
    assert res.exit_code == 2 and "--scheduler" in res.output


# --- output -----------------------------------------------------------------------------------


def test_several_formats_at_once(tmp_path):
    logs = make_corpus(tmp_path)
    html, sarif = tmp_path / "r.html", tmp_path / "r.sarif"
    res = CliRunner().invoke(main, ["audit", str(logs), "--format", "html", "--output", str(html),
                                    "--format", "sarif", "--output", str(sarif), "--format", "json", "--no-progress"])
    assert res.exit_code == 1, res.output
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert json.loads(res.stdout)["summary"]["findings"] >= 4
    assert pair_outputs(("html", "json"), ("a.html",)) == [("html", "a.html"), ("json", None)]
    assert pair_outputs((), ()) == [("text", None)]
    with pytest.raises(UsageError):
        pair_outputs(("html", "json", "sarif"), ("a",))
    with pytest.raises(UsageError):
        pair_outputs(("html",), ("a", "b"))


def test_evidence_in_json_and_sarif(tmp_path, pack):
    logs = make_corpus(tmp_path)
    j, s = tmp_path / "r.json", tmp_path / "r.sarif"
    CliRunner().invoke(main, ["audit", str(logs), "-f", "json", "-o", str(j), "-f", "sarif", "-o", str(s), "--no-progress"])
    ev = json.loads(j.read_text())["evidence"]
    assert ev["rule_pack_digest"] == pack.digest and len(ev["config_digest"]) == 64
    assert ev["tool_version"] and ev["start_time"] and ev["end_time"] and ev["command_line"]
    import hashlib

    digests = {i["path"]: i["sha256"] for i in ev["inputs"]}
    s1 = logs / "claude" / "s1.jsonl"
    assert digests[str(s1)] == hashlib.sha256(s1.read_bytes()).hexdigest()
    run = json.loads(s.read_text())["runs"][0]
    props = run["invocations"][0]["properties"]
    assert props["rulePackDigest"] == pack.digest and props["configDigest"] == ev["config_digest"]
    assert "commandLine" in run["invocations"][0] and "startTimeUtc" in run["invocations"][0]
    hashes = {a["hashes"]["sha-256"] for a in run["artifacts"]}
    assert hashes == set(digests.values())
    from test_report import schema_errors

    assert schema_errors(json.loads(s.read_text())) == []


def test_redact_flag_masks_secrets_in_json(tmp_path):
    logs = make_corpus(tmp_path)
    plain = CliRunner().invoke(main, ["audit", str(logs), "-f", "json", "--no-progress"]).stdout
    masked = CliRunner().invoke(main, ["audit", str(logs), "-f", "json", "--redact", "--no-progress"]).stdout
    assert TOKEN in plain
    assert TOKEN not in masked and "[REDACTED]" in masked
    assert json.loads(masked)["evidence"]["redacted"] is True


def test_redact_text_patterns():
    from vitana_guard.redact import redact_text

    secrets = {
        "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def' https://x": "eyJhbGciOiJIUzI1NiJ9",
        "curl -H 'X-Api-Key: s3cr3t-key-value' https://x": "s3cr3t-key-value",
        "https://api.example.com/v1?token=abcdef123456&x=1": "abcdef123456",
        f"echo {TOKEN}": TOKEN[4:],
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz": "abcdefghijklmnop",
        "aws AKIAIOSFODNN7EXAMPLE": "IOSFODNN7EXAMPLE",
        "OPENAI=sk-proj-abcdefghijklmnopqrstuvwxyz123456": "abcdefghijklmnopqrstuvwxyz",
        "slack xoxb-123456789012-abcdefghijkl": "123456789012-abcdefghijkl",
        "git clone https://user:hunter2pass@github.com/o/r": "hunter2pass",
    }
    for text, secret in secrets.items():
        out = redact_text(text)
        assert secret not in out and "[REDACTED]" in out, (text, out)
    assert redact_text("gcloud run deploy api --region us-central1") == "gcloud run deploy api --region us-central1"


def test_progress_line():
    buf = io.StringIO()
    p = auditmod.Progress(2, 2_000_000, buf, enabled=True, interval=0)
    p.update(auditmod.FileResult("a", 1_000_000))
    line = buf.getvalue()
    assert "files 1/2" in line and "1.0/2.0 MB" in line and "findings 0" in line and "ETA" in line
    p.close()
    quiet = io.StringIO()
    q = auditmod.Progress(1, 1, quiet)  # not a terminal: silent
    q.update(auditmod.FileResult("a", 1))
    q.close()
    assert quiet.getvalue() == ""
