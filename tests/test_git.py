"""`vitana-guard diff`, `history` and `commit-msg` against real repositories made with git."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vitana_guard.sources import git as gitsrc

DEPLOY = "gcloud run deploy gateway --source .\n"


def git_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="Dev", GIT_AUTHOR_EMAIL="dev@example.com",
               GIT_COMMITTER_NAME="Dev", GIT_COMMITTER_EMAIL="dev@example.com")
    env.update(extra)
    return env


def g(repo: Path, *args: str, **env: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=git_env(**env), check=True, capture_output=True,
                          text=True).stdout.strip()


def write(repo: Path, path: str, text: str | bytes) -> None:
    p = repo / path
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text if isinstance(text, bytes) else text.encode())


def commit(repo: Path, message: str, **env: str) -> str:
    g(repo, "add", "-A")
    g(repo, "commit", "-q", "--allow-empty", "-m", message, **env)
    return g(repo, "rev-parse", "HEAD")


def vg(cwd: Path, *args: str, stdin: str | None = None, **env: str) -> tuple[int, dict | None, str]:
    """Run the CLI; returns exit code, the JSON report (when produced) and stderr."""
    p = subprocess.run([sys.executable, "-m", "vitana_guard", *args, "--format", "json"], cwd=cwd,
                       env=git_env(**env), capture_output=True, text=True, input=stdin)
    report = json.loads(p.stdout) if p.stdout.strip().startswith("{") else None
    return p.returncode, report, p.stderr


def found(report: dict) -> list[tuple]:
    return sorted((f["path"], f["line"], f["rule_id"]) for f in report["findings"] if not f["suppressed"])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    g(r, "init", "-q", "-b", "main")
    return r


# --------------------------------------------------------------------------- diff


def test_staged_sees_only_added_lines(repo: Path):
    write(repo, "ops.sh", "#!/bin/sh\n" + DEPLOY)
    commit(repo, "old violation")
    write(repo, "ops.sh", "#!/bin/sh\n" + DEPLOY + "echo ok\ndocker push img:1\n")
    g(repo, "add", "ops.sh")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 1
    assert found(report) == [("ops.sh", 4, "VG103")]  # the old VG101 on line 2 is not new


def test_staged_clean_change_passes(repo: Path):
    write(repo, "ops.sh", "#!/bin/sh\n" + DEPLOY)
    commit(repo, "old violation")
    write(repo, "ops.sh", "#!/bin/sh\n" + DEPLOY + "echo ok\n")
    g(repo, "add", "ops.sh")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 0 and found(report) == []


def test_unstaged_changes_not_in_staged(repo: Path):
    write(repo, "a.sh", "echo\n")
    commit(repo, "init")
    write(repo, "a.sh", "echo\n" + DEPLOY)
    assert found(vg(repo, "diff", "--staged")[1]) == []
    assert found(vg(repo, "diff")[1]) == [("a.sh", 2, "VG101")]
    assert found(vg(repo, "diff", "HEAD")[1]) == [("a.sh", 2, "VG101")]


def test_markdown_prose_vs_fence(repo: Path):
    write(repo, "README.md", "# Docs\n")
    commit(repo, "init")
    write(repo, "README.md", "# Docs\n\nNever run `gcloud run deploy` yourself.\n\n```bash\n" + DEPLOY + "```\n")
    g(repo, "add", "-A")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 1
    assert found(report) == [("README.md", 6, "VG101")]


def test_rename_reports_only_new_lines(repo: Path):
    write(repo, "old.sh", "#!/bin/sh\n" + DEPLOY)
    commit(repo, "init")
    g(repo, "mv", "old.sh", "new name é.sh")
    write(repo, "new name é.sh", "#!/bin/sh\n" + DEPLOY + "docker push x\n")
    g(repo, "add", "-A")
    code, report, _ = vg(repo, "diff", "--staged")
    assert found(report) == [("new name é.sh", 3, "VG103")]


def test_a_text_file_renamed_to_a_script_is_new_where_it_lands(repo: Path):
    """`git mv notes.txt release.sh` turns text into a command: diff and history say so."""
    write(repo, "notes.txt", "how we used to ship:\ndocker push registry.corp.io/api:7\n")
    commit(repo, "notes")
    g(repo, "mv", "notes.txt", "release.sh")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 1 and found(report) == [("release.sh", 2, "VG103")]
    commit(repo, "make it a script")
    code, report, _ = vg(repo, "history")
    assert code == 1 and found(report) == [("release.sh", 2, "VG103")]


def test_a_line_moved_from_prose_into_a_makefile_recipe_is_new(repo: Path):
    write(repo, "README.md", "# Ops\n\nThe old way, from a laptop:\ngcloud run deploy api --source .\n")
    write(repo, "Makefile", "all:\n\techo ok\n")
    commit(repo, "docs")
    write(repo, "README.md", "# Ops\n\nThe old way, from a laptop:\n")
    write(repo, "Makefile", "all:\n\techo ok\nship:\n\tgcloud run deploy api --source .\n")
    g(repo, "add", "-A")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 1 and found(report) == [("Makefile", 4, "VG101")]
    commit(repo, "recipe")
    code, report, _ = vg(repo, "history")
    assert code == 1 and found(report) == [("Makefile", 4, "VG101")]


def test_a_script_line_moved_between_scripts_stays_moved(repo: Path):
    write(repo, "a.sh", "#!/bin/sh\n" + DEPLOY)
    commit(repo, "a")
    g(repo, "mv", "a.sh", "b.sh")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 0 and found(report) == []


def test_a_lone_carriage_return_does_not_hide_the_next_line(repo: Path, tmp_path: Path):
    """git ends a line at "\n" only: a "\r" inside a staged line must not end its hunk
    early and hide the forbidden line after it (from diff --staged, --patch, history)."""
    write(repo, "run.sh", "echo hi\n")
    commit(repo, "init")
    write(repo, "run.sh", "echo hi\necho a\rb\n" + DEPLOY)
    g(repo, "add", "-A")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 1 and [f[:3] for f in found(report)] == [("run.sh", 3, "VG101")]
    (tmp_path / "cr.patch").write_bytes(subprocess.run(["git", "diff", "--cached", "-U0"], cwd=repo,
                                                       capture_output=True, check=True).stdout)
    code, report, _ = vg(repo, "diff", "--patch", str(tmp_path / "cr.patch"))
    assert code == 1 and [f[2] for f in found(report)] == ["VG101"]
    commit(repo, "cr")
    code, report, _ = vg(repo, "history")
    assert code == 1 and [f[:3] for f in found(report)] == [("run.sh", 3, "VG101")]


def test_a_line_added_inside_a_forbidden_statement_reports_it(repo: Path):
    """diff has no keyword prefilter: the added line holds no keyword, its statement does
    (and git's hunk header names a line that holds none either)."""
    write(repo, "run.sh", "if true; then\n  gcloud run deploy api \\\n    --source .\nfi\n")
    commit(repo, "init")
    write(repo, "run.sh", "if true; then\n  gcloud run deploy api \\\n    --region eu \\\n    --source .\nfi\n")
    g(repo, "add", "-A")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 1 and [f[:3] for f in found(report)] == [("run.sh", 2, "VG101")]


def test_moved_line_is_not_new(repo: Path):
    write(repo, "a.sh", "#!/bin/sh\n" + DEPLOY)
    write(repo, "b.sh", "#!/bin/sh\necho b\n")
    commit(repo, "init")
    write(repo, "a.sh", "#!/bin/sh\n")
    write(repo, "b.sh", "#!/bin/sh\necho b\n  " + DEPLOY)
    g(repo, "add", "-A")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 0 and found(report) == []


def test_deletion_and_binary_and_mode_change(repo: Path):
    write(repo, "gone.sh", DEPLOY)
    write(repo, "tool.sh", "#!/bin/sh\necho\n")
    commit(repo, "init")
    (repo / "gone.sh").unlink()
    write(repo, "blob.bin", b"\0\1gcloud run deploy x\0")
    os.chmod(repo / "tool.sh", 0o755)
    g(repo, "add", "-A")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 0 and found(report) == []
    assert report["summary"]["skipped"].get("binary") == 1


def test_no_newline_at_end(repo: Path):
    write(repo, "a.sh", "echo")
    commit(repo, "init")
    write(repo, "a.sh", "echo\n" + DEPLOY.rstrip("\n"))
    g(repo, "add", "-A")
    assert found(vg(repo, "diff", "--staged")[1]) == [("a.sh", 2, "VG101")]


def test_range_uses_commit_content(repo: Path):
    write(repo, "a.sh", "echo\n")
    base = commit(repo, "init")
    write(repo, "a.sh", "echo\n" + DEPLOY)
    commit(repo, "add deploy")
    write(repo, "a.sh", "echo changed in work tree\n")  # not what the range holds
    code, report, _ = vg(repo, "diff", f"{base}..HEAD")
    assert code == 1 and found(report) == [("a.sh", 2, "VG101")]
    assert report["invocation"]["commit"] == g(repo, "rev-parse", "HEAD")


def test_patch_from_stdin(tmp_path: Path):
    patch = (
        "--- a/x.sh\n+++ b/x.sh\n@@ -1,2 +1,3 @@\n #!/bin/sh\n--- removed\n+" + DEPLOY + "+echo ok\n"
        "diff --git a/d.md b/d.md\n--- a/d.md\n+++ b/d.md\n@@ -0,0 +1,3 @@\n+```sh\n+docker push img\n+```\n"
    )
    code, report, _ = vg(tmp_path, "diff", "--patch", "-", stdin=patch)
    assert code == 1
    assert found(report) == [("d.md", 2, "VG103"), ("x.sh", 2, "VG101")]


def test_bad_revision_range(repo: Path):
    write(repo, "a", "x\n")
    commit(repo, "init")
    code, report, err = vg(repo, "diff", "nope..HEAD")
    assert code == 2 and "unknown revision 'nope'" in err
    code, _, err = vg(repo, "history", "HEAD~5..HEAD")
    assert code == 2 and "HEAD~5" in err


def test_not_a_git_repository(tmp_path: Path):
    plain = tmp_path / "plain"
    plain.mkdir()
    for cmd in (["diff", "--staged"], ["history"]):
        code, _, err = vg(plain, *cmd, GIT_CEILING_DIRECTORIES=str(tmp_path))
        assert code == 2 and "not a git repository" in err


def test_empty_repository(repo: Path):
    code, report, _ = vg(repo, "history")
    assert code == 0 and found(report) == []
    write(repo, "a.sh", DEPLOY)
    g(repo, "add", "a.sh")
    code, report, _ = vg(repo, "diff", "--staged")
    assert code == 1 and found(report) == [("a.sh", 1, "VG101")]


def test_detached_head_and_subdirectory(repo: Path):
    write(repo, "sub/a.sh", "echo\n")
    commit(repo, "init")
    write(repo, "sub/a.sh", "echo\n" + DEPLOY)
    commit(repo, "add")
    g(repo, "checkout", "-q", "--detach", "HEAD")
    code, report, _ = vg(repo, "history")
    assert found(report) == [("sub/a.sh", 2, "VG101")]
    code, report, _ = vg(repo / "sub", "history")
    assert found(report) == [("a.sh", 2, "VG101")]  # relative to the current directory, like scan


# --------------------------------------------------------------------------- history


def test_history_reports_once_at_introducing_commit(repo: Path):
    write(repo, "ship.sh", "#!/bin/sh\n")
    commit(repo, "init")
    write(repo, "ship.sh", "#!/bin/sh\n" + DEPLOY)
    intro = commit(repo, "add deploy")
    write(repo, "ship.sh", "#!/bin/sh\n# comment\n" + DEPLOY)  # keeps the line (shifted)
    commit(repo, "keep")
    write(repo, "ship.sh", "#!/bin/sh\n# comment\n")
    commit(repo, "remove")
    code, report, _ = vg(repo, "history")
    assert code == 1
    assert [(f["path"], f["line"], f["rule_id"], f["commit"]) for f in report["findings"]] == [
        ("ship.sh", 2, "VG101", intro)]


def test_history_merge_first_parent(repo: Path):
    write(repo, "a.sh", "echo\n")
    commit(repo, "init")
    g(repo, "checkout", "-q", "-b", "feature")
    write(repo, "b.sh", "docker push img\n")
    commit(repo, "feature work")
    g(repo, "checkout", "-q", "main")
    write(repo, "c.txt", "x\n")
    commit(repo, "main work")
    g(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = g(repo, "rev-parse", "HEAD")
    code, report, _ = vg(repo, "history")
    assert [(f["path"], f["line"], f["rule_id"], f["commit"]) for f in report["findings"]] == [
        ("b.sh", 1, "VG103", merge)]


def test_history_applies_the_parameters_in_force_at_each_commit(repo: Path):
    """A canonical gateway that changed on 2026-06-01: each commit is judged by the
    gateway of its own day; --policy-date pins one day for all; scan uses today's."""
    old, new = "https://gateway-q74ibpv6ia-uc.a.run.app", "https://gateway-newid-uc.a.run.app"
    write(repo, ".vitana-guard.yaml",
          f"parameter-changes:\n  - from: 2026-06-01\n    parameters: {{gateway_url: '{new}'}}\n")
    write(repo, "a.sh", f"curl -s {new}/api/v1/cicd/health\n")
    commit(repo, "before the change", GIT_AUTHOR_DATE="2026-03-01T00:00:00Z", GIT_COMMITTER_DATE="2026-03-01T00:00:00Z")
    write(repo, "a.sh", f"curl -s {new}/api/v1/cicd/health\ncurl -s {old}/api/v1/cicd/health\n")
    commit(repo, "after the change", GIT_AUTHOR_DATE="2026-07-01T00:00:00Z", GIT_COMMITTER_DATE="2026-07-01T00:00:00Z")
    _, report, _ = vg(repo, "history", "--select", "VG201")
    assert [(p, l) for p, l, _ in found(report) if p == "a.sh"] == [("a.sh", 1), ("a.sh", 2)]
    _, pinned, _ = vg(repo, "history", "--select", "VG201", "--policy-date", "2026-07-02")
    assert [(p, l) for p, l, _ in found(pinned) if p == "a.sh"] == [("a.sh", 2)]
    _, today, _ = vg(repo, "scan", "a.sh", "--select", "VG201")
    assert found(today) == [("a.sh", 2, "VG201")]


def test_history_policy_date(repo: Path):
    old = {"GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z"}
    write(repo, "a.sh", DEPLOY)
    commit(repo, "before the policy", **old)
    code, report, _ = vg(repo, "history")
    assert code == 0 and found(report) == []
    code, report, _ = vg(repo, "history", "--policy-date", "2026-01-01")
    assert code == 1 and found(report) == [("a.sh", 1, "VG101")]
    code, _, err = vg(repo, "history", "--policy-date", "yesterday")
    assert code == 2 and "not a date" in err


@pytest.mark.parametrize("select", [(), ("VG303",)])
def test_a_message_scanned_in_one_core_call_as_its_segments(tmp_path: Path, monkeypatch, select):
    """history scans a commit message in one core call (`scan_message`): the same
    findings, lines and notices as its segments (`message.segments`) fed one by one."""
    from vitana_guard import commands_git
    from vitana_guard.engine.scan import DocumentScanner
    from vitana_guard.sources import message

    monkeypatch.chdir(tmp_path)
    run = commands_git._Run(None, select, (), None, False)
    sha = "ab" * 20
    messages = [
        "fix things\n\nPlease click Run workflow in the GitHub UI to deploy it manually.",
        "release\n\nthen:\n\n```sh\necho ok\n" + DEPLOY + "```\n",
        "VTID-0518: add a step\n\n```bash\ngcloud auth list\n```\n\nwhy: the gateway\n",
        "call it\n\n```http\nPOST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy\n```\n",
        "just words, nothing to see",
        "\n",
    ]
    total = 0
    for text in messages:
        fed = DocumentScanner(run.pack, run.compiled)
        fed.feed(message.segments("COMMIT_MSG@abababababab", text, "commit-msg", commit=sha))
        one = DocumentScanner(run.pack, run.compiled)
        one.scan_message("COMMIT_MSG@abababababab", text, "commit-msg", commit=sha)
        assert one.finish() == fed.finish(), text
        total += len(one.findings)
        assert all(f.commit == sha for f in one.findings)
    assert total >= 2
    fenced = DocumentScanner(run.pack, run.compiled)
    fenced.scan_message("COMMIT_MSG@abababababab", messages[1], "commit-msg", commit=sha)
    assert ("VG303", 1) in [(f.rule_id, f.line) for f in fenced.finish()[0]] if select else \
        ("VG101", 7) in [(f.rule_id, f.line) for f in fenced.finish()[0]]


def test_history_commit_messages(repo: Path):
    write(repo, "a.txt", "x\n")
    sha = commit(repo, "fix things\n\nPlease click Run workflow in the GitHub UI to deploy it manually.")
    code, report, _ = vg(repo, "history")
    assert found(report) == [(f"COMMIT_MSG@{sha[:12]}", 3, "VG501")]
    code, report, _ = vg(repo, "history", "--select", "VG303")
    assert found(report) == [(f"COMMIT_MSG@{sha[:12]}", 1, "VG303")]


def test_history_missing_object(repo: Path):
    write(repo, "a.sh", "echo first\n")
    commit(repo, "one")
    write(repo, "b.sh", "echo lost " + DEPLOY)
    commit(repo, "two")
    blob = g(repo, "rev-parse", "HEAD:b.sh")
    write(repo, "c.sh", "docker push img\n")
    commit(repo, "three")
    write(repo, "a.sh", "echo first\n" + DEPLOY)
    commit(repo, "four")
    obj = repo / ".git" / "objects" / blob[:2] / blob[2:]
    os.chmod(obj, 0o644)
    obj.unlink()
    code, report, _ = vg(repo, "history")
    assert code == 2
    assert found(report) == [("a.sh", 2, "VG101"), ("c.sh", 1, "VG103")]
    assert any("skipped" in n["message"] or "missing" in n["message"] for n in report["notices"])


def _merge_service_commit(repo: Path, path: str, text: str) -> str:
    write(repo, path, text)
    return commit(repo, "Merge pull request #1 (VTID-0518)", GIT_COMMITTER_NAME="GitHub",
                  GIT_COMMITTER_EMAIL="noreply@github.com")


def test_direct_commits_vg106(repo: Path):
    write(repo, "a.txt", "x\n")
    commit(repo, "by a person without PRs")
    code, report, _ = vg(repo, "history")
    assert code == 0 and found(report) == []  # never merged through PRs: nothing
    _merge_service_commit(repo, "b.txt", "y\n")
    write(repo, "c.py", "z = 1\n")
    direct = commit(repo, "pushed to main", GIT_AUTHOR_NAME="Mallory")
    code, report, _ = vg(repo, "history")
    vg106 = [f for f in report["findings"] if f["rule_id"] == "VG106"]
    assert code == 1
    assert {f["commit"] for f in vg106} >= {direct}
    hit = next(f for f in vg106 if f["commit"] == direct)
    # anchored at the commit, not at a file's line 1:1
    assert hit["path"] == direct[:12] and hit["line"] == 0 and "Mallory" in hit["message"]
    # ignored like any other rule
    code, report, _ = vg(repo, "history", "--ignore", "VG106")
    assert code == 0


def _main_with_a_pr_merge(repo: Path) -> None:
    """Main merged a PR through the merge service (so direct commits are VG106)."""
    write(repo, "a.md", "# a\n")
    commit(repo, "init")
    _merge_service_commit(repo, "b.py", "y = 2\n")


def test_vg106_a_commit_changing_only_documentation_is_no_backend_change(repo: Path):
    _main_with_a_pr_merge(repo)
    write(repo, "docs/STATUS.md", "# Status\nall green\n")
    commit(repo, "chore: daily status", GIT_COMMITTER_NAME="status-bot", GIT_COMMITTER_EMAIL="bot@corp.io")
    write(repo, "notes.txt", "a\n")
    write(repo, "docs/api/index.html", "<p>api</p>\n")
    commit(repo, "docs: notes")
    write(repo, "README.md", "more\n")
    write(repo, "src/app.py", "z = 3\n")
    mixed = commit(repo, "docs and code")
    code, report, _ = vg(repo, "history")
    assert [f["commit"] for f in report["findings"] if f["rule_id"] == "VG106"] == [mixed]


def test_vg106_expected_pushers_from_the_config(repo: Path):
    _main_with_a_pr_merge(repo)
    write(repo, "src/gen.py", "v = 1\n")
    commit(repo, "chore: regenerate", GIT_COMMITTER_NAME="release-bot[bot]", GIT_COMMITTER_EMAIL="41+release-bot[bot]@users.noreply.github.com")
    write(repo, "src/sync.py", "v = 2\n")
    commit(repo, "sync", GIT_COMMITTER_NAME="Sync", GIT_COMMITTER_EMAIL="sync@ci.corp.io")
    write(repo, "src/hand.py", "v = 3\n")
    person = commit(repo, "by hand", GIT_COMMITTER_NAME="Dana", GIT_COMMITTER_EMAIL="dana@corp.io")
    assert len([f for f in vg(repo, "history")[1]["findings"] if f["rule_id"] == "VG106"]) == 3
    write(repo, ".vitana-guard.yaml", "expected-pushers:\n  - release-bot[bot]\n  - '*@ci.corp.io'\n")
    code, report, _ = vg(repo, "history")
    assert [f["commit"] for f in report["findings"] if f["rule_id"] == "VG106"] == [person]
    write(repo, ".vitana-guard.yaml", "expected-pushers: release-bot\n")
    code, report, err = vg(repo, "history")
    assert code == 2 and "expected-pushers" in err


def test_vg106_text_and_sarif_anchor_the_commit(repo: Path):
    _main_with_a_pr_merge(repo)
    write(repo, "src/x.py", "v = 1\n")
    direct = commit(repo, "direct")
    p = subprocess.run([sys.executable, "-m", "vitana_guard", "history", "--no-color"], cwd=repo, env=git_env(),
                       capture_output=True, text=True)
    line = next(x for x in p.stdout.splitlines() if "VG106" in x)
    assert line.startswith(f"{direct[:12]}: VG106 ")
    p = subprocess.run([sys.executable, "-m", "vitana_guard", "history", "--format", "sarif"], cwd=repo,
                       env=git_env(), capture_output=True, text=True)
    sarif = json.loads(p.stdout)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "VG106")
    (location,) = result["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["fullyQualifiedName"] == direct
    sarif_kit = pytest.importorskip("sarif_kit")
    assert sarif_kit.validation_errors(sarif) == []


def test_history_report_is_ordered_by_commit_date(repo: Path):
    write(repo, "z.sh", DEPLOY)
    commit(repo, "first", GIT_COMMITTER_DATE="2026-01-01T10:00:00Z")
    write(repo, "a.sh", DEPLOY)
    commit(repo, "second", GIT_COMMITTER_DATE="2026-01-02T10:00:00Z")
    write(repo, "m.sh", DEPLOY)
    commit(repo, "third", GIT_COMMITTER_DATE="2026-01-03T10:00:00Z")
    code, report, _ = vg(repo, "history")
    assert [f["path"] for f in report["findings"]] == ["z.sh", "a.sh", "m.sh"]  # by date, not by path
    assert report["findings"][0]["properties"]["committed_at"] == "2026-01-01T10:00:00Z"
    p = subprocess.run([sys.executable, "-m", "vitana_guard", "history", "--no-color"], cwd=repo, env=git_env(),
                       capture_output=True, text=True)
    assert [x.split(":")[0] for x in p.stdout.splitlines() if "VG101" in x] == ["z.sh", "a.sh", "m.sh"]


def test_corpus_bundle(tmp_path: Path):
    bundle = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "git.bundle"
    if not bundle.exists():
        bundle = Path("/work/shared/corpus/git.bundle")
    clone = tmp_path / "git"
    subprocess.run(["git", "clone", "-q", str(bundle), str(clone)], check=True, env=git_env())
    code, report, _ = vg(clone, "history")
    assert code == 1 and found(report) == [("ship.sh", 2, "VG101")]


# --------------------------------------------------------------------------- commit-msg


def test_commit_msg_hook(tmp_path: Path):
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text("fix pagination\n\n# Please enter the commit message\n# gcloud run deploy x\n"
                   "# ------------------------ >8 ------------------------\nPlease click Run workflow\n")
    code, report, _ = vg(tmp_path, "commit-msg", str(msg))
    assert code == 0 and found(report) == []
    code, report, _ = vg(tmp_path, "commit-msg", str(msg), "--select", "VG303", "--fail-on", "note")
    assert code == 1 and [f[2] for f in found(report)] == ["VG303"]
    msg.write_text("VTID-0518 docs\n\nThen merge the PR in the GitHub UI.\n")
    code, report, _ = vg(tmp_path, "commit-msg", str(msg))
    assert code == 1 and found(report) == [("COMMIT_EDITMSG", 3, "VG501")]
    msg.write_text("VTID-0518 deploy helper\n\n```bash\n" + DEPLOY + "```\n")
    assert found(vg(tmp_path, "commit-msg", str(msg))[1]) == [("COMMIT_EDITMSG", 4, "VG101")]


# --------------------------------------------------------------------------- parser


def test_parse_quoted_paths_and_headers():
    patch = (
        b'diff --git "a/sp ace\\303\\251.sh" "b/sp ace\\303\\251.sh"\n'
        b"index 0000000000000000000000000000000000000000..1111111111111111111111111111111111111111 100644\n"
        b'--- "a/sp ace\\303\\251.sh"\n+++ "b/sp ace\\303\\251.sh"\n@@ -1 +1 @@\n--- x\n+++ y\n'
        b"diff --git a/p.png b/p.png\nnew file mode 100644\nindex 0000000..abc\nBinary files /dev/null and b/p.png differ\n"
        b"diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+target\n\\ No newline at end of file\n"
    )
    diffs = list(gitsrc.parse_patch(patch))
    assert [d.new_path for d in diffs] == ["sp aceé.sh", "p.png", "l"]
    assert diffs[0].added == {1: "++ y"} and diffs[0].deleted == ["-- x"]
    assert diffs[0].new_blob == "1" * 40
    assert diffs[1].binary and not diffs[1].lintable
    assert diffs[2].is_new and not diffs[2].lintable  # a symlink's target is not a file


# --------------------------------------------------------------------------- history --jobs


def _varied_history(repo: Path) -> None:
    """Commits that exercise what history reports once: violations kept, moved, re-added,
    in Markdown fences, a merge, a binary file and a message finding."""
    write(repo, "ops.sh", "#!/bin/sh\necho start\n")
    write(repo, "docs/run.md", "# Run\n")
    commit(repo, "init")
    for i in range(12):
        write(repo, "ops.sh", "#!/bin/sh\necho start\n" + "".join(f"echo step {k}\n" for k in range(i)) + DEPLOY)
        write(repo, "docs/run.md", f"# Run {i}\n\n```bash\ndocker push img:{i}\n```\n")
        if i % 3 == 0:
            write(repo, f"moved{i}.sh", DEPLOY)
        if i % 4 == 1:
            write(repo, "blob.bin", b"\0gcloud run deploy x\0" + bytes([i]))
        commit(repo, f"step {i}" + ("\n\nThen click Run workflow in the GitHub UI." if i == 5 else ""))
    g(repo, "checkout", "-q", "-b", "feature")
    write(repo, "feature.sh", "docker push img:feature\n")
    commit(repo, "feature work")
    g(repo, "checkout", "-q", "main")
    g(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    _merge_service_commit(repo, "notes.txt", "merged through a PR\n")  # from here on, direct commits are VG106


def _history_result(repo: Path, monkeypatch, jobs: int):
    from vitana_guard import commands_git

    monkeypatch.chdir(repo)
    run = commands_git._Run(None, (), (), None, False)
    return commands_git.scan_history(run, str(repo), ["HEAD"], None, jobs=jobs)


def _comparable(result) -> tuple:
    return (result.findings, result.notices, result.files_scanned, result.bytes_scanned, result.skipped)


def _in_parts(monkeypatch) -> list[int]:
    """From here on history is not walked whole: the calling thread walks its own part
    (the sizes of what it walks are recorded), worker threads the rest."""
    import threading

    def serial_walk(*_args):
        raise AssertionError("walked the whole history in one walk")

    walked: list[int] = []
    walk_commits = gitsrc.walk_commits
    caller = threading.current_thread()

    def own_part(root, shas, **kwargs):
        if threading.current_thread() is caller:
            walked.append(len(shas))
        return walk_commits(root, shas, **kwargs)

    monkeypatch.setattr(gitsrc, "walk_history", serial_walk)
    monkeypatch.setattr(gitsrc, "walk_commits", own_part)
    return walked


def test_history_jobs_give_the_serial_result(repo: Path, monkeypatch):
    from vitana_guard import commands_git

    _varied_history(repo)
    serial = _history_result(repo, monkeypatch, jobs=1)
    assert serial.skipped.get("binary")
    assert {"VG101", "VG103", "VG106", "VG501"} <= {f.rule_id for f in serial.findings}
    monkeypatch.setattr(commands_git, "_CHUNK_MIN", 2)  # many small parts, so parts meet mid-history
    walked = _in_parts(monkeypatch)
    commits = len(gitsrc.first_parent_chain(str(repo), ["HEAD"]))
    for jobs in (2, 3):
        assert _comparable(_history_result(repo, monkeypatch, jobs)) == _comparable(serial)
        assert walked.pop() == commits // jobs  # this thread's part; workers walked the rest


def test_history_jobs_with_a_missing_object(repo: Path, monkeypatch):
    from vitana_guard import commands_git

    for i in range(6):
        write(repo, f"f{i}.sh", f"echo {i} " + DEPLOY)
        commit(repo, f"c{i}")
    blob = g(repo, "rev-parse", "HEAD~2:f3.sh")
    obj = repo / ".git" / "objects" / blob[:2] / blob[2:]
    os.chmod(obj, 0o644)
    obj.unlink()
    serial = _history_result(repo, monkeypatch, jobs=1)
    assert any("skipped" in n.message for n in serial.notices)
    monkeypatch.setattr(commands_git, "_CHUNK_MIN", 1)
    _in_parts(monkeypatch)
    assert _comparable(_history_result(repo, monkeypatch, jobs=2)) == _comparable(serial)


def test_walk_commits_reads_a_part_of_the_chain_like_walk_history(repo: Path):
    for i in range(5):
        write(repo, "a.sh", "".join(f"echo {k}\n" for k in range(i + 1)))
        commit(repo, f"c{i}")
    whole = list(gitsrc.walk_history(str(repo), ["HEAD"]))
    chain = gitsrc.first_parent_chain(str(repo), ["HEAD"])
    assert [c.sha for c in whole] == chain
    part = list(gitsrc.walk_commits(str(repo), chain[1:4]))
    assert [(c.sha, c.message, [(d.new_path, d.added) for d in c.files]) for c in part] == [
        (c.sha, c.message, [(d.new_path, d.added) for d in c.files]) for c in whole[1:4]]


def test_history_jobs_option(repo: Path):
    write(repo, "a.sh", DEPLOY)
    commit(repo, "add deploy")
    for jobs in ("0", "2"):
        code, report, _ = vg(repo, "history", "--jobs", jobs)
        assert code == 1 and found(report) == [("a.sh", 1, "VG101")]


def test_history_jobs_apply_each_commits_parameters(repo: Path, monkeypatch):
    """Workers judge each commit by the parameters of its own day, as a serial run does."""
    from vitana_guard import commands_git

    old, new = "https://gateway-q74ibpv6ia-uc.a.run.app", "https://gateway-newid-uc.a.run.app"
    write(repo, ".vitana-guard.yaml",
          f"parameter-changes:\n  - from: 2026-06-01\n    parameters: {{gateway_url: '{new}'}}\n")
    for i, day in enumerate(("2026-03-01", "2026-04-01", "2026-07-01", "2026-08-01")):
        write(repo, f"a{i}.sh", f"curl -s {new}/api/v1/cicd/health\ncurl -s {old}/api/v1/cicd/health\n")
        commit(repo, f"c{i}", GIT_AUTHOR_DATE=f"{day}T00:00:00Z", GIT_COMMITTER_DATE=f"{day}T00:00:00Z")
    serial = _history_result(repo, monkeypatch, jobs=1)
    assert {(f.path, f.line) for f in serial.findings if f.path.startswith("a")} == {
        ("a0.sh", 1), ("a1.sh", 1), ("a2.sh", 2), ("a3.sh", 2)}
    monkeypatch.setattr(commands_git, "_CHUNK_MIN", 1)
    _in_parts(monkeypatch)
    assert _comparable(_history_result(repo, monkeypatch, jobs=2)) == _comparable(serial)


# --------------------------------------------------------------------------- vendored files


VENDORED = {"node_modules/tool/ship.sh": DEPLOY, "package-lock.json": '{"x": "https://gateway-7bq3mm2ncd-uc.a.run.app"}\n',
            "web/app.min.js": 'fetch("https://gateway-7bq3mm2ncd-uc.a.run.app/x")\n', "legacy/old.sh": DEPLOY,
            "ci/ship.sh": DEPLOY}


@pytest.mark.parametrize("command", [["history"], ["diff", "HEAD~1..HEAD"], ["diff", "--staged"]])
def test_diff_and_history_skip_what_scan_skips(repo: Path, command: list[str]):
    """Vendored, generated, lock and `exclude`d files are passed over as `scan` passes
    them over when it walks a tree (counted per reason); --include-vendored lints them."""
    write(repo, ".vitana-guard.yaml", 'exclude: ["legacy/**"]\n')
    commit(repo, "config")
    for path, text in VENDORED.items():
        write(repo, path, text)
    if command != ["diff", "--staged"]:
        commit(repo, "vendor")
    else:
        g(repo, "add", "-A")
    code, report, _ = vg(repo, *command)
    assert code == 1 and found(report) == [("ci/ship.sh", 1, "VG101")]
    assert report["summary"]["skipped"] == {"vendored": 1, "lockfile": 1, "generated": 1, "excluded": 1}
    code, report, _ = vg(repo, *command, "--include-vendored")
    assert {f[0] for f in found(report)} == set(VENDORED) - {"legacy/old.sh"}
    assert report["summary"]["skipped"] == {"excluded": 1}


def test_a_line_moved_out_of_a_skipped_file_is_new(repo: Path):
    """A line deleted from a vendored file was never linted there: where it lands it is new
    (a line moved between two linted files is not)."""
    # different enough from ci/ship.sh that git sees no rename (-M): deletions and additions
    write(repo, "node_modules/tool/ship.sh", DEPLOY + "".join(f"echo vendored {i}\n" for i in range(12)))
    write(repo, "ci/old.sh", "docker push img\n" + "".join(f"echo old {i}\n" for i in range(12)))
    commit(repo, "base")
    (repo / "node_modules/tool/ship.sh").unlink()
    (repo / "ci/old.sh").unlink()
    write(repo, "ci/ship.sh", DEPLOY + "docker push img\n")
    commit(repo, "move")
    code, report, _ = vg(repo, "diff", "HEAD~1..HEAD")
    assert code == 1 and found(report) == [("ci/ship.sh", 1, "VG101")]


def test_patch_with_far_apart_hunks_costs_its_own_lines(tmp_path: Path):
    """A hunk may claim any start line: the patch is linted at the lines it names, without
    building the hundreds of millions of blank lines before them."""
    patch = ("--- a/x.sh\n+++ b/x.sh\n@@ -1,0 +2,1 @@\n+" + DEPLOY
             + "@@ -1,0 +300000000,2 @@\n+echo far\n+docker push img\n")
    code, report, _ = vg(tmp_path, "diff", "--patch", "-", stdin=patch)
    assert code == 1
    assert found(report) == [("x.sh", 2, "VG101"), ("x.sh", 300000001, "VG103")]


def test_commit_msg_and_pr_body_on_stdin_are_read_as_utf8_whatever_the_locale(tmp_path: Path):
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    p = subprocess.run([sys.executable, "-m", "vitana_guard", "commit-msg", "-"], cwd=tmp_path,
                       env=git_env(**strict), input=b"VTID-0518 fix \xff\n\nsee https://gateway-7bq3mm2ncd-uc.a.run.app/x\n",
                       capture_output=True, check=False)
    assert p.returncode == 1 and b"Traceback" not in p.stderr and b"VG201" in p.stdout
    p = subprocess.run([sys.executable, "-m", "vitana_guard", "pr", "--body-file", "-", "--head", "feature/x"],
                       cwd=tmp_path, env=git_env(**strict), input=b"body \xff\n", capture_output=True, check=False)
    assert p.returncode == 2 and b"Traceback" not in p.stderr and b"<stdin>" in p.stderr


def test_diff_and_history_skip_files_over_the_size_scan_reads(repo: Path, monkeypatch):
    from vitana_guard.sources import files

    write(repo, "gen.sh", DEPLOY * 3)
    write(repo, "ok.sh", DEPLOY)
    commit(repo, "add")
    monkeypatch.setattr(files, "MAX_BYTES", 64)  # in-process: gen.sh (108 bytes) is over it
    monkeypatch.chdir(repo)
    from vitana_guard import commands_git

    run = commands_git._Run(None, (), (), None, False)
    result = commands_git.scan_history(run, str(repo), ["HEAD"], None)
    assert [(f.path, f.line) for f in result.findings] == [("ok.sh", 1)]
    assert result.skipped == {"too-large": 1}


def test_history_progress_on_stderr(repo: Path):
    write(repo, "a.sh", "echo\n")
    commit(repo, "one")
    write(repo, "a.sh", "echo\n" + DEPLOY)
    commit(repo, "two")
    code, report, err = vg(repo, "history", "--progress")
    assert code == 1 and found(report) == [("a.sh", 2, "VG101")]
    assert "commits 2/2" in err and "findings 1" in err
    code, _, err = vg(repo, "history")  # not a terminal: no bar
    assert "commits" not in err


def test_odd_patches_read_without_a_traceback():
    # where the Python reader raised (its parity test's deliberate differences): a
    # non-UTF-8 blob id, a bad octal escape in a quoted path, a line number past 64 bits
    assert [d.old_blob for d in gitsrc.parse_patch(b"--- a/x\n+++ b/x\nindex \xff..1 100644\n")] == ["\ufffd"]
    assert gitsrc.unquote_path(b'"\\1xy"') == "1xy"
    huge = b"--- a/x\n+++ b/x\n@@ -1 +" + b"9" * 30 + b" @@\n+x\n"
    assert list(gitsrc.parse_patch(huge))[0].added == {}


def test_history_jobs_run_on_threads_sharing_the_compiled_pack(repo: Path, monkeypatch):
    """--jobs parts run on threads of this process (no pack pickled to processes), and
    each worker's counts reach the report."""
    import concurrent.futures
    import threading

    from vitana_guard import commands_git

    _varied_history(repo)
    serial = _history_result(repo, monkeypatch, jobs=1)

    def no_processes(*_args, **_kwargs):
        raise AssertionError("history started worker processes")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_processes)
    monkeypatch.setattr(commands_git, "_CHUNK_MIN", 2)
    threads: set[str] = set()
    walk_commits = gitsrc.walk_commits

    def recorded(root, shas, **kwargs):
        threads.add(threading.current_thread().name)
        return walk_commits(root, shas, **kwargs)

    monkeypatch.setattr(gitsrc, "walk_commits", recorded)
    assert _comparable(_history_result(repo, monkeypatch, jobs=2)) == _comparable(serial)
    assert len(threads) == 2 and threading.current_thread().name in threads


def _filler(first: int, last: int) -> str:
    """Lines of a long notes file, in paragraphs of six."""
    return "".join("\n" if n % 7 == 0 else f"filler line {n} of the release notes\n" for n in range(first, last + 1))


def test_history_finds_a_request_that_starts_lines_above_the_added_line(repo: Path):
    """A long text file is matched around its added lines, not whole: a sentence that
    starts above the hunk and ends on the added line is still found, from its start."""
    write(repo, "notes.txt", _filler(1, 149) + "When the build is green, please\n" + _filler(151, 400))
    commit(repo, "notes")
    write(repo, "notes.txt", _filler(1, 149) + "When the build is green, please\n"
          + "click Run workflow on EXEC-DEPLOY.\n" + _filler(151, 400))
    sha = commit(repo, "ask for the click")
    code, report, _ = vg(repo, "history")
    assert code == 1
    hits = [f for f in report["findings"] if f["rule_id"] == "VG501"]
    assert [(f["path"], f["line"], f["end_line"], f["commit"]) for f in hits] == [("notes.txt", 150, 151, sha)]


def test_history_reads_a_file_version_as_utf8_with_replacement(repo: Path):
    """File versions reach the core as bytes: invalid UTF-8 reads as U+FFFD, columns
    count characters, and the bytes scanned are those of the decoded text."""
    data = "# café ".encode() + b"\xff\xfe\n" + "echo é; ".encode() + DEPLOY.encode()
    write(repo, "ship.sh", data)
    commit(repo, "ship")
    code, report, _ = vg(repo, "history")
    assert code == 1
    assert [(f["path"], f["line"], f["column"]) for f in report["findings"] if f["rule_id"] == "VG101"] == [
        ("ship.sh", 2, 9)]
    assert report["summary"]["bytes_scanned"] == len(data.decode("utf-8", "replace").encode())
