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
