"""Baselines: `baseline write`, `--baseline FILE` on scan, diff, history, pr, commit-msg and audit."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vitana_guard.baseline import HEADER, parse
from vitana_guard.errors import UsageError

DEPLOY = "gcloud run deploy gateway --source ."
DEPLOY2 = "gcloud run deploy checkout --source ."


def git_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="Dev", GIT_AUTHOR_EMAIL="dev@example.com",
               GIT_COMMITTER_NAME="Dev", GIT_COMMITTER_EMAIL="dev@example.com", NO_COLOR="1")
    env.update(extra)
    return env


def g(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=git_env(), check=True, capture_output=True,
                          text=True).stdout.strip()


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vitana_guard", *args], cwd=cwd, env=git_env(),
                          capture_output=True, text=True)


def report(cwd: Path, *args: str) -> tuple[int, dict]:
    p = run(cwd, *args, "--format", "json")
    assert p.stdout.strip().startswith("{"), p.stderr
    return p.returncode, json.loads(p.stdout)


def active(rep: dict) -> list[tuple]:
    return sorted((f["path"], f["line"], f["rule_id"]) for f in rep["findings"] if not f["suppressed"])


def suppressed(rep: dict) -> list[tuple]:
    return sorted((f["path"], f["line"], f["rule_id"]) for f in rep["findings"] if f["suppressed"])


def stale_notes(rep: dict) -> list[dict]:
    return [n for n in rep["notices"] if n["message"].startswith("stale baseline entry")]


def entries(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line and not line.startswith("#")]


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    """A repository with two old violations in one script (identical lines) and one in another."""
    root = tmp_path / "legacy"
    (root / "scripts").mkdir(parents=True)
    (root / "scripts" / "old.sh").write_text(f"#!/bin/sh\necho start\n{DEPLOY}\necho mid\n{DEPLOY}\n")
    (root / "scripts" / "other.sh").write_text(f"#!/bin/sh\n{DEPLOY2}\n")
    return root


def write_baseline(root: Path, *args: str, name: str = "baseline.txt") -> Path:
    p = run(root, "baseline", "write", name, *args)
    assert p.returncode == 0, p.stderr
    return root / name


# --------------------------------------------------------------------------- scan


def test_write_then_scan_is_clean_and_findings_stay_suppressed(legacy: Path):
    code, before = report(legacy, "scan", "scripts")
    assert code == 1 and len(active(before)) == 3
    baseline = write_baseline(legacy, "scripts")
    assert len(entries(baseline)) == 3
    code, rep = report(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert code == 0
    assert active(rep) == [] and len(suppressed(rep)) == 3
    for f in rep["findings"]:
        assert f["suppressed"] is True
        assert f["suppression"] == {"kind": "external", "justification": "baseline baseline.txt: accepted"}
    assert stale_notes(rep) == []
    # SARIF keeps them, with an external suppression
    p = run(legacy, "scan", "scripts", "--baseline", "baseline.txt", "--format", "sarif")
    assert p.returncode == 0
    results = json.loads(p.stdout)["runs"][0]["results"]
    assert len(results) == 3 and all(r["suppressions"][0]["kind"] == "external" for r in results)


def test_new_violation_still_fails(legacy: Path):
    write_baseline(legacy, "scripts")
    (legacy / "scripts" / "new.sh").write_text(f"#!/bin/sh\n{DEPLOY}\n")
    with (legacy / "scripts" / "other.sh").open("a") as f:
        f.write("gcloud run deploy billing --source .\n")
    code, rep = report(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert code == 1
    assert active(rep) == [("scripts/new.sh", 2, "VG101"), ("scripts/other.sh", 3, "VG101")]
    assert len(suppressed(rep)) == 3


def test_lines_inserted_above_keep_the_finding_suppressed(legacy: Path):
    write_baseline(legacy, "scripts")
    old = legacy / "scripts" / "old.sh"
    lines = old.read_text().splitlines(keepends=True)
    old.write_text(lines[0] + "".join(f"echo filler {i}\n" for i in range(10)) + "".join(lines[1:]))
    code, rep = report(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert code == 0, rep
    assert suppressed(rep) == [("scripts/old.sh", 13, "VG101"), ("scripts/old.sh", 15, "VG101"),
                               ("scripts/other.sh", 2, "VG101")]
    # indentation changes (whitespace-normalised text) keep it too
    old.write_text(old.read_text().replace(DEPLOY, "  " + DEPLOY.replace(" ", "   ")))
    code, rep = report(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert code == 0 and active(rep) == []


def test_identical_lines_need_one_entry_each(legacy: Path):
    baseline = write_baseline(legacy, "scripts")
    lines = baseline.read_text().splitlines()
    old = [line for line in lines if "\tscripts/old.sh\t" in line]
    assert [line.split("\t")[2][-2:] for line in old] == ["#0", "#1"]
    assert old[0].split("\t")[2][:-2] == old[1].split("\t")[2][:-2]  # same fingerprint
    baseline.write_text("\n".join(line for line in lines if line != old[1]) + "\n")
    code, rep = report(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert code == 1
    assert active(rep) == [("scripts/old.sh", 5, "VG101")]  # the second occurrence
    assert suppressed(rep) == [("scripts/old.sh", 3, "VG101"), ("scripts/other.sh", 2, "VG101")]


def test_fixed_violation_makes_its_entry_stale(legacy: Path):
    baseline = write_baseline(legacy, "scripts")
    (legacy / "scripts" / "other.sh").write_text("#!/bin/sh\necho fixed\n")
    p = run(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert p.returncode == 0, p.stdout
    note = [line for line in p.stdout.splitlines() if "stale baseline entry" in line]
    assert len(note) == 1
    assert note[0].startswith("baseline.txt:")
    assert "note:" in note[0] and "VG101 scripts/other.sh" in note[0] and DEPLOY2 in note[0]
    # under the findings, above the summary
    assert p.stdout.splitlines()[-1].startswith("No findings")
    code, rep = report(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert code == 0
    [n] = stale_notes(rep)
    assert n["level"] == "note" and n["path"] == "baseline.txt"
    assert entries(baseline)[n["line"] - 2].split("\t")[1] == "scripts/other.sh"  # line 1 is the header
    # --update drops it, keeps the others
    p = run(legacy, "baseline", "write", "baseline.txt", "scripts", "--update")
    assert p.returncode == 0 and "1 stale dropped" in p.stderr
    assert [e.split("\t")[1] for e in entries(baseline)] == ["scripts/old.sh", "scripts/old.sh"]
    code, rep = report(legacy, "scan", "scripts", "--baseline", "baseline.txt")
    assert code == 0 and stale_notes(rep) == []


def test_stale_only_within_the_scanned_paths_and_rules(legacy: Path):
    write_baseline(legacy, "scripts")
    code, rep = report(legacy, "scan", "scripts/old.sh", "--baseline", "baseline.txt")
    assert code == 0 and stale_notes(rep) == []
    code, rep = report(legacy, "scan", "scripts", "--select", "VG2", "--baseline", "baseline.txt")
    assert code == 0 and stale_notes(rep) == []


def test_update_keeps_entries_outside_the_paths_and_adds_new(legacy: Path):
    baseline = write_baseline(legacy, "scripts")
    (legacy / "scripts" / "old.sh").write_text(f"{DEPLOY}\n{DEPLOY}\n{DEPLOY}\n")
    p = run(legacy, "baseline", "write", "baseline.txt", "scripts/old.sh", "--update")
    assert p.returncode == 0, p.stderr
    lines = entries(baseline)
    assert len(lines) == 4 and any("\tscripts/other.sh\t" in line for line in lines)
    assert [line.split("\t")[2][-2:] for line in lines if "old.sh" in line] == ["#0", "#1", "#2"]


def test_write_is_deterministic_and_sorted(legacy: Path):
    (legacy / "b.md").write_text(f"```sh\n{DEPLOY}\t# tab\n```\n")
    first = write_baseline(legacy, name="one.txt").read_bytes()
    again = write_baseline(legacy, name="one.txt").read_bytes()
    assert first == again
    assert write_baseline(legacy, "-j", "2", name="two.txt").read_bytes() == first
    text = first.decode()
    assert text.splitlines()[0] == HEADER
    body = text.splitlines()[1:]
    assert body == sorted(body) and len(body) >= 4
    for line in body:
        rule, path, key, snippet = line.split("\t")
        assert rule.startswith("VG") and "#" in key and len(snippet) <= 80
    assert text.endswith("\n") and "\r" not in text


def test_inline_suppressed_findings_are_not_written(legacy: Path):
    (legacy / "scripts" / "ok.sh").write_text(f"{DEPLOY}  # vitana-guard: ignore[VG101] migration script\n")
    baseline = write_baseline(legacy, "scripts")
    assert not any("ok.sh" in line for line in entries(baseline))


@pytest.mark.parametrize("line, what", [
    ("VG101\tscripts/old.sh", "expected RULE<TAB>PATH<TAB>FINGERPRINT#N"),
    ("VG101\tscripts/old.sh\tnot-a-hash#0\tx", "is not FINGERPRINT#N"),
    ("VG101\tscripts/old.sh\t86cd5197a0192232f4e2\tx", "is not FINGERPRINT#N"),
    ("VG101\tscripts/old.sh\t86cd5197a0192232f4e2#x\tx", "is not FINGERPRINT#N"),
    ("<<<<<<< HEAD", "merge conflict"),
])
def test_malformed_baseline_exits_2_with_file_and_line(legacy: Path, line: str, what: str):
    (legacy / "bad.txt").write_text(f"{HEADER}\nVG101\tscripts/old.sh\t86cd5197a0192232f4e2#0\tok\n\n{line}\n")
    p = run(legacy, "scan", "scripts", "--baseline", "bad.txt")
    assert p.returncode == 2
    assert "bad.txt:4:" in p.stderr and what in p.stderr
    assert "Traceback" not in p.stderr


def test_missing_baseline_and_future_version_exit_2(legacy: Path):
    p = run(legacy, "scan", "scripts", "--baseline", "nope.txt")
    assert p.returncode == 2 and "nope.txt" in p.stderr and "not found" in p.stderr
    (legacy / "v2.txt").write_text("# vitana-guard baseline v2: ...\n")
    p = run(legacy, "scan", "scripts", "--baseline", "v2.txt")
    assert p.returncode == 2 and "v2.txt:1:" in p.stderr


def test_parse_tolerates_union_merges():
    text = (f"{HEADER}\nVG101\tb.sh\t{'a' * 20}#0\tx\nVG101\ta.sh\t{'b' * 20}#0\ty\n"
            f"VG101\tb.sh\t{'a' * 20}#0\tx\n")
    b = parse(text, "f")
    assert len(b.entries) == 3 and len(b.keys) == 2
    with pytest.raises(UsageError) as e:
        parse("VG101 a.sh abc#0\n", "f")
    assert str(e.value).startswith("f:1:")


# --------------------------------------------------------------------------- git and PR


@pytest.fixture
def repo(legacy: Path) -> Path:
    g(legacy, "init", "-q", "-b", "main")
    write_baseline(legacy, "scripts", name=".vitana-guard-baseline")
    g(legacy, "add", "-A")
    g(legacy, "commit", "-q", "-m", "legacy VTID-0518")
    return legacy


def test_diff_with_baseline(repo: Path):
    g(repo, "checkout", "-q", "-b", "feature")
    old = repo / "scripts" / "old.sh"
    # an old violation moved down by new lines above, and its line edited around the match:
    # an added line to the diff, but the same matched text, so the baseline accepts it
    old.write_text(old.read_text().replace("echo start\n", "echo a\necho b\necho start\n").replace(
        f"echo mid\n{DEPLOY}", f"echo mid\n{DEPLOY} && echo done"))
    g(repo, "commit", "-qam", "move")
    code, rep = report(repo, "diff", "main..HEAD", "--baseline", ".vitana-guard-baseline")
    assert code == 0, rep
    assert suppressed(rep) == [("scripts/old.sh", 7, "VG101")]
    assert stale_notes(rep) == []  # a diff sees part of the files: nothing is called stale
    # a third copy of an accepted line is new: its occurrence index (#2) is not in the baseline
    with old.open("a") as f:
        f.write(f"{DEPLOY}\n")
    (repo / "scripts" / "new.sh").write_text(f"{DEPLOY2}\n")
    g(repo, "add", "-N", "scripts/new.sh")
    code, rep = report(repo, "diff", "--baseline", ".vitana-guard-baseline")
    assert code == 1
    assert active(rep) == [("scripts/new.sh", 1, "VG101"), ("scripts/old.sh", 8, "VG101")]
    # without the baseline the moved line fails too
    code, rep = report(repo, "diff", "main..HEAD")
    assert code == 1 and active(rep) == [("scripts/old.sh", 7, "VG101")]


def test_history_with_baseline(repo: Path):
    (repo / "scripts" / "new.sh").write_text(f"{DEPLOY2}\n")
    g(repo, "add", "-A")
    g(repo, "commit", "-q", "-m", "new VTID-0518")
    code, rep = report(repo, "history", "--select", "VG1", "--baseline", ".vitana-guard-baseline")
    assert code == 1
    assert active(rep) == [("scripts/new.sh", 1, "VG101")]
    assert len(suppressed(rep)) == 3


def test_pr_with_baseline_from_report(repo: Path):
    body = repo / "body.md"
    body.write_text(f"Cleanup\n\n```sh\n{DEPLOY}\n```\n")
    args = ("pr", "--title", "cleanup", "--body-file", "body.md", "--head", "feature/x")
    code, rep = report(repo, *args)
    assert code == 1 and "VG101" in [r for _, _, r in active(rep)] and len(active(rep)) >= 2
    (repo / "pr.json").write_text(json.dumps(rep))
    p = run(repo, "baseline", "write", "pr-baseline.txt", "--from-report", "pr.json")
    assert p.returncode == 0, p.stderr
    code, rep2 = report(repo, *args, "--baseline", "pr-baseline.txt")
    assert code == 0 and active(rep2) == [] and len(suppressed(rep2)) == len(active(rep))
    # the body no longer has the command: its entry is stale (a note), the rest stay accepted
    body.write_text("Cleanup\n")
    code, rep3 = report(repo, *args, "--baseline", "pr-baseline.txt")
    assert code == 0, rep3
    [note] = stale_notes(rep3)
    assert "VG101 body.md" in note["message"] and DEPLOY in note["message"]
    assert len(suppressed(rep3)) == len(active(rep)) - 1
    assert all(n["level"] == "note" for n in stale_notes(rep3))


def test_pr_new_finding_fails_with_baseline(repo: Path):
    body = repo / "body.md"
    body.write_text("Cleanup VTID-0518\n")
    code, rep = report(repo, "pr", "--title", "x", "--body-file", "body.md", "--head", "feature/x")
    (repo / "pr.json").write_text(json.dumps(rep))
    assert run(repo, "baseline", "write", "b.txt", "--from-report", "pr.json").returncode == 0
    body.write_text(f"Cleanup VTID-0518\n\n```sh\n{DEPLOY}\n```\n")
    code, rep = report(repo, "pr", "--title", "x", "--body-file", "body.md", "--head", "feature/x",
                       "--baseline", "b.txt")
    assert code == 1 and [r for _, _, r in active(rep)] == ["VG101"]


def test_malformed_baseline_on_diff_exits_2(repo: Path):
    (repo / "bad.txt").write_text("nonsense\n")
    p = run(repo, "diff", "--baseline", "bad.txt")
    assert p.returncode == 2 and "bad.txt:1:" in p.stderr


# --------------------------------------------------------------------------- audit


def test_audit_with_baseline_and_masked_snippets(tmp_path: Path):
    logs = tmp_path / "logs"
    logs.mkdir()
    record = {"type": "assistant", "message": {"content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {
        "command": f"{DEPLOY} --token=ghp_abcdefghijklmnopqrstuvwx"}}]}}
    (logs / "s.jsonl").write_text(json.dumps(record) + "\n")
    p = run(tmp_path, "audit", "logs")
    assert p.returncode == 1
    baseline = write_baseline(tmp_path, "logs")
    text = baseline.read_text()
    assert "ghp_abcdefghijklmnopqrstuvwx" not in text and "[REDACTED]" in text  # no secret copied into the repo
    p = run(tmp_path, "audit", "logs", "--baseline", "baseline.txt", "--format", "json")
    assert p.returncode == 0, p.stdout
    rep = json.loads(p.stdout)
    assert [f["suppressed"] for f in rep["findings"]] == [True]
    (logs / "s.jsonl").write_text("{}\n")
    p = run(tmp_path, "audit", "logs", "--baseline", "baseline.txt", "--format", "json")
    assert p.returncode == 0 and len(stale_notes(json.loads(p.stdout))) == 1


def test_commit_msg_with_baseline(tmp_path: Path):
    (tmp_path / "msg").write_text("hi\n")
    p = run(tmp_path, "commit-msg", "msg", "--select", "VG303", "--fail-on", "note")
    assert p.returncode == 1
    code, rep = report(tmp_path, "commit-msg", "msg", "--select", "VG303", "--fail-on", "note")
    (tmp_path / "r.json").write_text(json.dumps(rep))
    assert run(tmp_path, "baseline", "write", "b.txt", "--from-report", "r.json").returncode == 0
    p = run(tmp_path, "commit-msg", "msg", "--select", "VG303", "--fail-on", "note", "--baseline", "b.txt")
    assert p.returncode == 0, p.stdout
