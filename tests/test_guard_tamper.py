"""The guard protects itself: calls that would switch it off or weaken it are denied
(the native guard, crates/vitana_core/src/guard/tamper.rs), reads and ordinary writes are not."""
from __future__ import annotations

import io
import json

import pytest

from vitana_guard.hooks import agents


@pytest.fixture
def project(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text("{}")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text("{}")
    (repo / ".vitana-guard.yaml").write_text("select: [VG1]\n")
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n\n[tool.vitana-guard]\nselect = ["VG1"]\n')
    (repo / "src").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return repo


def hook(tool: str, tool_input: dict, cwd, agent: str = "claude") -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    payload = {"session_id": "tamper", "tool_name": tool, "tool_input": tool_input, "cwd": str(cwd)}
    code = agents.main([agent], io.StringIO(json.dumps(payload)), out, err)
    return code, err.getvalue()


DENIED_SHELL = [
    "echo 'select: []' > .vitana-guard.yaml",
    "printf '' >| .vitana-guard.yaml",
    "bash -c 'echo {} > .claude/settings.json'",
    "sed -i 's/PreToolUse/Nothing/' .claude/settings.json",
    "sed --in-place -e 's/x/y/' .claude/settings.local.json",
    "perl -pi -e 's/vitana//' .gemini/settings.json",
    "rm -f .vitana-guard.yaml",
    "rm -rf .claude",
    "cd src && rm -rf ..",
    "mv .vitana-guard.yaml .vitana-guard.yaml.off",
    "truncate -s 0 .codex/hooks.json",
    "echo '{}' | tee .gemini/settings.json",
    "cat /dev/null >> ~/.claude/settings.json",
    'echo "{}" > "$HOME/.claude/settings.json"',
    "cp /tmp/empty.json .claude/settings.json",
    "rm -rf ~/.cache/vitana-guard",
    "rm -rf $HOME/.local/state/vitana-guard",
    "vitana-guard hook uninstall claude --user",
    "python -m vitana_guard hook uninstall gemini",
    "pip uninstall -y vitana-guard",
    "git checkout -- .vitana-guard.yaml",
    "sed -i '/tool.vitana-guard/,$d' pyproject.toml",
    "echo '' > pyproject.toml",
    "sudo tee /etc/claude-code/managed-settings.json < /dev/null",
    "dd if=/dev/zero of=.codex/config.toml count=1",
]

ALLOWED_SHELL = [
    "cat .vitana-guard.yaml",
    "cat .claude/settings.json | jq .hooks",
    "cp .vitana-guard.yaml /tmp/guard-config-copy.yaml",
    "echo 'do not write to > .vitana-guard.yaml'",
    "grep -n vitana-guard pyproject.toml",
    "vitana-guard hook install claude",
    "rm -rf build dist",
    "ls -la > listing.txt 2>&1",
    "echo done >&2",
    "pip install -e .",
]


@pytest.mark.parametrize("command", DENIED_SHELL)
def test_shell_tampering_is_denied(project, command):
    code, reason = hook("Bash", {"command": command}, project)
    assert code == 2, command
    assert "disable or weaken the guard" in reason


@pytest.mark.parametrize("command", ALLOWED_SHELL)
def test_reading_and_other_writes_are_allowed(project, command):
    code, reason = hook("Bash", {"command": command}, project)
    assert code == 0, (command, reason)


def test_edit_tools_on_guard_files_are_denied(project):
    for tool, args in [
        ("Write", {"file_path": str(project / ".vitana-guard.yaml"), "content": "select: []\n"}),
        ("Edit", {"file_path": ".claude/settings.json", "old_string": "{}", "new_string": '{"hooks": {}}'}),
        ("MultiEdit", {"file_path": str(project / ".claude/settings.local.json"),
                       "edits": [{"old_string": "a", "new_string": "b"}]}),
        ("Edit", {"file_path": str(project / "pyproject.toml"), "old_string": 'select = ["VG1"]',
                  "new_string": "select = []"}),
        ("Write", {"file_path": str(project / "pyproject.toml"), "content": '[project]\nname = "x"\n'}),
    ]:
        code, reason = hook(tool, args, project)
        assert code == 2, (tool, args)
        assert "disable or weaken the guard" in reason
    code, _ = hook("write_file", {"file_path": str(project / ".gemini/settings.json"), "content": "{}"}, project,
                   agent="gemini")
    assert code == 2


def test_other_pyproject_sections_stay_editable(project):
    args = {"file_path": str(project / "pyproject.toml"), "old_string": 'version = "1"', "new_string": 'version = "2"'}
    assert hook("Edit", args, project)[0] == 0
    content = (project / "pyproject.toml").read_text().replace('version = "1"', 'version = "3"')
    assert hook("Write", {"file_path": str(project / "pyproject.toml"), "content": content}, project)[0] == 0


def test_apply_patch_on_guard_files_is_denied(project):
    patch = "*** Begin Patch\n*** Delete File: .vitana-guard.yaml\n*** End Patch\n"
    assert hook("apply_patch", {"input": patch}, project, agent="codex")[0] == 2
    patch = "*** Begin Patch\n*** Update File: .codex/hooks.json\n@@\n-x\n+y\n*** End Patch\n"
    assert hook("apply_patch", {"input": patch}, project, agent="codex")[0] == 2
    patch = "*** Begin Patch\n*** Add File: src/app.py\n+print(1)\n*** End Patch\n"
    assert hook("apply_patch", {"input": patch}, project, agent="codex")[0] == 0


def test_mcp_shell_tools_are_judged(project):
    code, reason = hook("mcp__shell__run", {"command": "rm .vitana-guard.yaml"}, project)
    assert code == 2
    code, reason = hook("mcp__box__exec", {"command": "gcloud run deploy web --source ."}, project)
    assert code == 2 and "VG101" in reason
    assert hook("mcp__box__exec", {"command": "ls"}, project)[0] == 0
