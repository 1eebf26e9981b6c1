"""Edits are judged on the file they produce (the native guard, crates/vitana_core/src/guard/edits.rs): what an edit adds inside
an existing `run: |` block, Makefile recipe or package.json script is seen in context."""
from __future__ import annotations

import io
import json

import pytest

from vitana_guard.hooks import agents

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


def test_edit_of_a_missing_file_is_judged_on_its_new_text(repo):
    # no such file: nothing to apply the edit to, so the new text is judged alone
    code, reason = decide("Edit", {"file_path": "tools/missing.sh", "old_string": "echo hi\n",
                                   "new_string": "gcloud run deploy api --source .\n"}, repo)
    assert code == 2 and "VG101" in reason
