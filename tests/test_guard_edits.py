"""Edits are judged on the file they produce (hooks/edited.py): what an edit adds inside
an existing `run: |` block, Makefile recipe or package.json script is seen in context."""
from __future__ import annotations

import io
import json

import pytest

from vitana_guard.hooks import agents, edited

WORKFLOW = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          npm ci\n          npm test\n"
MAKEFILE = "build:\n\tnpm run build\n"
PACKAGE = '{\n  "scripts": {\n    "build": "tsc",\n    "test": "jest"\n  }\n}\n'


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "r" / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / "r" / ".git").mkdir()
    (tmp_path / "r" / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (tmp_path / "r" / "Makefile").write_text(MAKEFILE)
    (tmp_path / "r" / "package.json").write_text(PACKAGE)
    return tmp_path / "r"


def decide(tool, tool_input, cwd, agent="claude"):
    err = io.StringIO()
    payload = {"session_id": "ed", "tool_name": tool, "tool_input": tool_input, "cwd": str(cwd)}
    return agents.main([agent], io.StringIO(json.dumps(payload)), io.StringIO(), err), err.getvalue()


def test_edit_adding_deploy_inside_run_block_is_denied(repo):
    code, reason = decide("Edit", {"file_path": ".github/workflows/ci.yml", "old_string": "          npm test\n",
                                   "new_string": "          npm test\n          gcloud run deploy api --source .\n"}, repo)
    assert code == 2 and "VG101" in reason


def test_multiedit_and_gemini_replace_in_recipe_and_script(repo):
    code, reason = decide("MultiEdit", {"file_path": str(repo / "Makefile"), "edits": [
        {"old_string": "\tnpm run build\n", "new_string": "\tnpm run build\n\tdocker push web:1\n"}]}, repo)
    assert code == 2 and "VG103" in reason
    code, reason = decide("replace", {"file_path": str(repo / "package.json"), "old_string": '"test": "jest"',
                                      "new_string": '"test": "jest",\n    "ship": "gcloud run deploy api"'},
                          repo, agent="gemini")
    assert code == 2 and "VG101" in reason


def test_apply_patch_update_is_judged_on_the_result(repo):
    patch = ("*** Begin Patch\n*** Update File: .github/workflows/ci.yml\n@@\n           npm ci\n"
             "-          npm test\n+          npm test\n+          gh pr merge 12 --squash\n*** End Patch\n")
    code, reason = decide("apply_patch", {"input": patch}, repo, agent="codex")
    assert code == 2 and "VG106" in reason


def test_only_the_lines_an_edit_writes_are_reported(repo):
    (repo / "Makefile").write_text("release:\n\tgcloud run deploy api\nbuild:\n\tnpm run build\n")
    code, _ = decide("Edit", {"file_path": "Makefile", "old_string": "\tnpm run build\n",
                              "new_string": "\tnpm run build -- --prod\n"}, repo)
    assert code == 0
    code, _ = decide("Edit", {"file_path": "package.json", "old_string": '"test": "jest"',
                              "new_string": '"test": "jest --ci"'}, repo)
    assert code == 0


def test_apply_edits_lines():
    text, lines = edited.apply_edits("/x", "/", {}, []) or (None, None)
    assert text is None  # no such file: judged on the new text alone
