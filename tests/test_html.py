"""The HTML audit report: escaping, self-containment, context, redaction, caps."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vitana_guard import audit as auditmod
from vitana_guard import config as configmod
from vitana_guard import pipeline
from vitana_guard.cli import main
from vitana_guard.model import Finding, Notice, ScanResult, Severity, Suppression
from vitana_guard.report import render
from vitana_guard.report.html import render_html

from test_audit import TOKEN, claude_session, make_corpus

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def pack():
    return pipeline.load_for(configmod.load(None))


def audit_html(logs: Path, pack, **kw) -> str:
    run = auditmod.audit([str(logs)], pipeline.ScanOptions(), pack, root=str(logs), jobs=1, command_line=["t"])
    return render_html(run.result, run.files, **kw)


def hostile_corpus(tmp_path: Path) -> Path:
    logs = make_corpus(tmp_path)
    (logs / "claude" / "evil.jsonl").write_text(claude_session(f"evil{XSS_IMG}", [
        (f"please {XSS_SCRIPT} deploy {XSS_IMG}", f"Sure {XSS_SCRIPT} {XSS_IMG}",
         f"gcloud run deploy api --labels x='{XSS_SCRIPT}' # {XSS_IMG}"),
    ], cwd=f"/srv/{XSS_IMG}"))
    return logs


def test_hostile_transcript_text_is_escaped(tmp_path, pack):
    logs = hostile_corpus(tmp_path)
    html = audit_html(logs, pack)
    assert "evil.jsonl" in html and "VG101" in html
    # the hostile strings are shown, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert XSS_SCRIPT not in html
    assert "<img" not in html
    assert XSS_IMG not in html
    # no event-handler attribute anywhere; the one script is ours
    assert not re.search(r"<[^>]*\son\w+\s*=", html, re.I)
    assert html.count("<script") == 1
    script = html[html.index("<script"):]
    assert "alert" not in script and "innerHTML" not in script


def test_report_is_self_contained(tmp_path, pack):
    html = audit_html(make_corpus(tmp_path), pack)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert "<link" not in html and "@import" not in html
    # without JS everything is in the page: filters are hidden until the script runs
    assert ".js .filters{display:flex}" in html


def test_totals_sessions_and_conversation(tmp_path, pack):
    logs = make_corpus(tmp_path)
    html = audit_html(logs, pack)
    text = re.sub(r"\s+", " ", html)
    for expected in ("VG101", "VG102", "VG103", "/srv/shop", "/srv/api", "2026-10-01", "codex", "claude",
                     "Release the cart fix please.",  # the human's request
                     "I&#39;ll deploy it directly.",  # the agent's text
                     "gcloud run deploy api --region us-central1",  # the command
                     "Deployed revision api-0001",  # the tool's output
                     "Instead", "safe-merge"):
        assert expected in text, expected
    # sessions ranked by violations: s1 (two findings) before the codex session (one)
    sessions = html[html.index('id="sessions-table"'):html.index('id="findings"')]
    assert sessions.index("claude/s1.jsonl") < sessions.index("rollout-2026")
    assert "1 sessions without violations" in text or "sessions without violations" in text
    # evidence header
    assert "Rule-pack digest" in html and pack.digest in html and "Config digest" in html
    assert "Input file digests" in html


def test_html_redacts_by_default_and_no_redact_turns_it_off(tmp_path, pack):
    logs = make_corpus(tmp_path)
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["audit", str(logs), "-f", "html", "-o", str(out), "--no-progress"])
    assert res.exit_code == 1, res.output
    html = out.read_text()
    assert TOKEN not in html and "[REDACTED]" in html
    res = CliRunner().invoke(main, ["audit", str(logs), "-f", "html", "-o", str(out), "--no-redact", "--no-progress"])
    assert TOKEN in out.read_text()


def test_findings_per_rule_are_capped(tmp_path, pack):
    logs = tmp_path / "logs"
    logs.mkdir()
    steps = [(f"deploy {i}", "ok", f"gcloud run deploy svc{i}") for i in range(12)]
    (logs / "many.jsonl").write_text(claude_session("many", steps))
    html = audit_html(logs, pack, max_per_rule=5)
    assert html.count('class="finding"') == 5
    assert "… and 7 more VG101 violations not shown" in html


def _finding(**kw) -> Finding:
    base = dict(rule_id="VG101", slug="direct-cloud-run-deploy", severity=Severity.ERROR, message="m", policy="§2",
                path="x.jsonl", line=1, column=1, end_line=1, end_column=5, snippet="gcloud run deploy")
    return Finding(**{**base, **kw})


def test_suppressed_notices_and_plain_results(tmp_path):
    result = ScanResult(
        findings=[_finding(), _finding(line=2, suppression=Suppression("external", "approved by CTO <b>VTID-0518</b>"))],
        notices=[Notice("cannot read: Permission denied", "locked.jsonl"), Notice("binary file", "bin.jsonl")],
        rules=[], root=str(tmp_path),
    )
    html = render("html", result)  # through the registry: no audit metadata, files absent
    assert "approved by CTO &lt;b&gt;VTID-0518&lt;/b&gt;" in html
    assert "locked.jsonl" in html and "Permission denied" in html and "bin.jsonl" in html
    assert html.endswith("\n")
    empty = render("html", ScanResult(findings=[], notices=[], rules=[], root="/r"))
    assert "No findings." in empty and "Every input was read." in empty


def test_lone_surrogates_and_odd_text(tmp_path):
    result = ScanResult(findings=[_finding(message="bad \udcff \u202e txt", path="a\udcffb.jsonl")], notices=[],
                        rules=[], root="/r")
    render("html", result).encode("utf-8")
