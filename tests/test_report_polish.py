"""Report and CLI text a reader sees: each thing said once, whole, and right."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, write


def test_rules_list_says_off_unless_selected_once(tmp_path: Path):
    p = run_cli("rules", "list", cwd=tmp_path)
    assert p.returncode == 0
    (vg303,) = [line for line in p.stdout.splitlines() if line.startswith("VG303")]
    assert vg303.count("off unless selected") == 1
    assert all("off unless selected" not in line for line in p.stdout.splitlines() if not line.startswith("VG303"))


def test_sarif_rule_help_has_its_policy_line_once(tmp_path: Path):
    write(tmp_path / "ship.sh", "gcloud run deploy web --source .\ndocker push registry.example/app:1\n")
    p = run_cli("scan", "--format", "sarif", "--select", "ALL", "ship.sh", cwd=tmp_path)
    rules = json.loads(p.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) > 10
    for rule in rules:
        assert rule["help"]["text"].count("Policy:") == 1, (rule["id"], rule["help"]["text"][-300:])
        assert rule["help"]["markdown"].count("Policy:") == 1, rule["id"]


PR_SCRIPT = """#!/bin/sh
gh pr create \\
  --base main \\
  --title "tidy logs"
curl -s -X POST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/github/create-pr \\
  -H 'Content-Type: application/json' \\
  -d '{"vtid": "VTID-0518", "base": "main", "head": "topic/tidy-logs", "title": "t", "body": "VTID-0518 t"}'
"""


def test_vg105_message_shows_the_command_joined(tmp_path: Path):
    write(tmp_path / "open-pr.sh", PR_SCRIPT)
    p = run_cli("scan", "--select", "VG105", "open-pr.sh", cwd=tmp_path)
    first = p.stdout.splitlines()[0]
    assert first.startswith("open-pr.sh:2:1: VG105 [warning] `gh pr create --base main --title \"tidy logs\"` creates")
    assert "\\" not in first


def test_vg304_caret_points_at_the_branch_not_the_post_line(tmp_path: Path):
    write(tmp_path / "open-pr.sh", PR_SCRIPT)
    p = run_cli("scan", "--select", "VG304", "open-pr.sh", cwd=tmp_path)
    lines = p.stdout.splitlines()
    source = PR_SCRIPT.splitlines()[6]
    col = source.index("topic/tidy-logs")
    assert lines[0].startswith(f"open-pr.sh:7:{col + 1}: VG304 [warning] branch `topic/tidy-logs`")
    assert lines[1] == "    " + source
    assert lines[2] == "    " + " " * col + "^" * len("topic/tidy-logs")
    # JSON and SARIF say the same place
    report = json.loads(run_cli("scan", "--select", "VG304", "-f", "json", "open-pr.sh", cwd=tmp_path).stdout)
    (finding,) = report["findings"]
    assert finding["snippet"] == "topic/tidy-logs" and (finding["line"], finding["end_line"]) == (7, 7)
