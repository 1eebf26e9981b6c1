"""`vitana-guard pr`: GitHub pull_request events and title/body/head given directly."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CORPUS = Path("/work/shared/corpus/pr")


def vg(cwd: Path, *args: str, stdin: str | None = None) -> tuple[int, dict | None, str]:
    p = subprocess.run([sys.executable, "-m", "vitana_guard", *args, "--format", "json"], cwd=cwd,
                       capture_output=True, text=True, input=stdin)
    report = json.loads(p.stdout) if p.stdout.strip().startswith("{") else None
    return p.returncode, report, p.stderr


def found(report: dict) -> list[tuple]:
    return sorted((f["path"], f["line"], f["rule_id"]) for f in report["findings"] if not f["suppressed"])


def event(tmp_path: Path, body: str, *, title: str = "feat: x (VTID-0518)", head: str = "claude/fix-issue-01AB",
          name: str = "event.json") -> Path:
    data = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "title": title,
            "body": body,
            "head": {"ref": head, "sha": "a" * 40},
            "base": {"ref": "main", "sha": "b" * 40},
            "user": {"login": "claude-agent"},
        },
        "repository": {"full_name": "exafyltd/vitana-platform"},
    }
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_corpus_events():
    code, report, _ = vg(CORPUS.parent, "pr", "--event", "pr/vp301.json")
    assert code == 1
    assert [f[2] for f in found(report)] == ["VG301"]
    assert found(report)[0][0] == "pr/vp301.json"
    code, report, _ = vg(CORPUS.parent, "pr", "--event", "pr/vp-ok.json")
    assert code == 0 and found(report) == []


def test_missing_vtid_points_at_body_line(tmp_path: Path):
    path = event(tmp_path, "Fixes a typo.\n")
    code, report, _ = vg(tmp_path, "pr", "--event", "event.json")
    assert code == 1 and found(report) == [("event.json", line_of(path, '"body"'), "VG301")]


def test_empty_body_has_no_vtid(tmp_path: Path):
    event(tmp_path, "")
    assert [f[2] for f in found(vg(tmp_path, "pr", "--event", "event.json")[1])] == ["VG301"]


def test_branch_name_vg304(tmp_path: Path):
    path = event(tmp_path, "VTID-0518\n", head="hotfix-tasks")
    code, report, _ = vg(tmp_path, "pr", "--event", "event.json")
    assert code == 1 and found(report) == [("event.json", line_of(path, '"ref": "hotfix-tasks"'), "VG304")]


def test_manual_deploy_request_vg501(tmp_path: Path):
    event(tmp_path, "VTID-0518\n\nAfter merging, please click Run workflow in the GitHub UI to deploy.\n")
    assert [f[2] for f in found(vg(tmp_path, "pr", "--event", "event.json")[1])] == ["VG501"]


def test_fenced_bash_in_body_is_a_command(tmp_path: Path):
    event(tmp_path, "VTID-0518\n\nTo ship it:\n\n```bash\ngcloud run deploy gateway --source .\n```\n")
    assert [f[2] for f in found(vg(tmp_path, "pr", "--event", "event.json")[1])] == ["VG101"]
    # inline code in prose is prose, not a command
    event(tmp_path, "VTID-0518\n\nThis removes the `gcloud run deploy` step from docs.\n")
    assert found(vg(tmp_path, "pr", "--event", "event.json")[1]) == []


def test_not_a_pull_request_event(tmp_path: Path):
    (tmp_path / "push.json").write_text(json.dumps({"ref": "refs/heads/main", "commits": []}))
    code, report, err = vg(tmp_path, "pr", "--event", "push.json")
    assert code == 2 and "not a GitHub pull_request event" in err
    (tmp_path / "bad.json").write_text("{nope")
    code, _, err = vg(tmp_path, "pr", "--event", "bad.json")
    assert code == 2 and "not JSON" in err
    code, _, err = vg(tmp_path, "pr", "--event", "missing.json")
    assert code == 2 and "not found" in err



def test_event_json_python_cannot_read_is_an_error(tmp_path: Path):
    """Valid JSON that json.loads still rejects (100k nested arrays: RecursionError; a
    5000-digit number: ValueError) once ended `pr` in a traceback with exit 1."""
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "long.json").write_text('{"pull_request": {"number": %s}}' % ("9" * 5000))
    for name, why in (("deep.json", "nested too deeply"), ("long.json", "digits")):
        code, _, err = vg(tmp_path, "pr", "--event", name)
        assert code == 2 and "Traceback" not in err, err
        assert err.startswith(f"vitana-guard: error: {name}: not JSON this tool can read") and why in err

def test_title_body_head_options(tmp_path: Path):
    (tmp_path / "body.md").write_text("Adds the tasks API.\n")
    code, report, _ = vg(tmp_path, "pr", "--title", "feat: tasks", "--body-file", "body.md", "--head", "tasks")
    assert code == 1 and sorted(f[2] for f in found(report)) == ["VG301", "VG304"]
    code, report, _ = vg(tmp_path, "pr", "--title", "t", "--body-file", "-", "--head", "claude/fix-issue-9",
                         stdin="VTID-0518 done\n")
    assert code == 0 and found(report) == []


def test_report_options_apply(tmp_path: Path):
    event(tmp_path, "no id\n", head="hotfix")
    code, report, _ = vg(tmp_path, "pr", "--event", "event.json", "--select", "VG304")
    assert [f[2] for f in found(report)] == ["VG304"]
    code, report, _ = vg(tmp_path, "pr", "--event", "event.json", "--fail-on", "error", "--ignore", "VG301")
    assert code == 0  # VG304 is a warning
    code, report, _ = vg(tmp_path, "pr", "--event", "event.json", "--exit-zero")
    assert code == 0 and len(found(report)) == 2
    out = tmp_path / "out.sarif"
    p = subprocess.run([sys.executable, "-m", "vitana_guard", "pr", "--event", "event.json", "--format", "sarif",
                        "--output", str(out)], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 1
    sarif = json.loads(out.read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"event.json"}
