"""`hook install` / `uninstall` on settings files as people keep them: symlinked from a
dotfiles repository, hand-formatted, with a backup already there, run from a subdirectory."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HAND_WRITTEN = """{
\t"model": "opus",
\t"temperature": 1.0,
\t"budget": 2.50,
\t"limit": 1e3,
\t"permissions": {"allow": ["Bash(ls:*)", "Bash(git status)"]},

\t"hooks": {
\t\t"PreToolUse": [
\t\t\t{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter", "timeout": 5.0}]}
\t\t]
\t}
}
"""


def hook(cwd: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "vitana_guard", "hook", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=60)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    (repo / ".claude").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def ours(settings: Path) -> list[dict]:
    groups = json.loads(settings.read_text())["hooks"]["PreToolUse"]
    return [g for g in groups if "vitana-guard-hook" in g["hooks"][0]["command"]]


def test_install_keeps_the_file_as_written_and_only_adds_lines(project: Path, tmp_path: Path):
    settings = project / ".claude" / "settings.json"
    settings.write_text(HAND_WRITTEN)
    r = hook(project, "install", "claude", home=tmp_path)
    assert r.returncode == 0, r.stderr
    after = settings.read_text()
    assert len(ours(settings)) == 1
    # what the person wrote is still there byte for byte (1.0, 2.50, 1e3, the one-line
    # lists, the blank line, the tabs): our group is only spliced in after the last one
    # (and the post-tool hook, which records gateway steps, as a new member after it)
    cut = HAND_WRITTEN.index("5.0}]}") + len("5.0}]}")
    assert after.startswith(HAND_WRITTEN[:cut] + ",\n\t\t\t{\n")
    tail = "\n\t}\n}\n"
    assert HAND_WRITTEN.endswith("\n\t\t]" + tail) and after.endswith("\n\t\t]" + tail)
    added = after[cut + 2 : len(after) - len(tail)].splitlines()
    assert all(line.startswith("\t\t") for line in added), added
    assert '\t\t"PostToolUse": [' in added
    # uninstall gives the very bytes back
    assert hook(project, "uninstall", "claude", home=tmp_path).returncode == 0
    assert settings.read_text() == HAND_WRITTEN


def test_install_into_a_file_without_hooks_and_a_one_line_file(project: Path, tmp_path: Path):
    settings = project / ".claude" / "settings.json"
    settings.write_text('{"model": "opus", "effort": 1.0}')
    assert hook(project, "install", "claude", home=tmp_path).returncode == 0
    text = settings.read_text()
    assert text.startswith('{"model": "opus", "effort": 1.0, "hooks": {"PreToolUse": [{"matcher": ')
    assert "\n" not in text.strip()
    assert len(ours(settings)) == 1


def test_a_symlinked_settings_file_stays_a_link_and_its_target_is_edited(project: Path, tmp_path: Path):
    dotfiles = tmp_path / "dotfiles" / "claude-settings.json"
    dotfiles.parent.mkdir()
    dotfiles.write_text(HAND_WRITTEN)
    link = project / ".claude" / "settings.json"
    link.symlink_to(dotfiles)
    assert hook(project, "install", "claude", home=tmp_path).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(dotfiles)
    assert len(ours(dotfiles)) == 1
    assert hook(project, "uninstall", "claude", home=tmp_path).returncode == 0
    assert link.is_symlink() and dotfiles.read_text() == HAND_WRITTEN


def test_an_existing_backup_is_never_overwritten(project: Path, tmp_path: Path):
    settings = project / ".claude" / "settings.json"
    settings.write_text(HAND_WRITTEN)
    older = project / ".claude" / "settings.json.bak"
    older.write_text('{"the only copy": "of something a person kept"}\n')
    r = hook(project, "install", "claude", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert older.read_text() == '{"the only copy": "of something a person kept"}\n'
    assert (project / ".claude" / "settings.json.bak.1").read_text() == HAND_WRITTEN
    assert "saved as .claude/settings.json.bak.1" in r.stderr
    assert hook(project, "uninstall", "claude", home=tmp_path).returncode == 0
    assert (project / ".claude" / "settings.json.bak.1").read_text() == HAND_WRITTEN
    assert len(ours(project / ".claude" / "settings.json.bak.2")) == 1  # the next one, not .bak.1 again
    assert settings.read_text() == HAND_WRITTEN


def test_from_a_subdirectory_the_hook_goes_to_the_repository_root(project: Path, tmp_path: Path):
    deep = project / "services" / "api"
    deep.mkdir(parents=True)
    r = hook(deep, "install", "claude", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(ours(project / ".claude" / "settings.json")) == 1
    assert not (deep / ".claude").exists()
    assert "installed in ../../.claude/settings.json." in r.stderr


def test_install_says_a_whole_sentence(project: Path, tmp_path: Path):
    r = hook(project, "install", "claude", home=tmp_path)
    assert r.stderr.strip() == "The vitana-guard hook for claude is installed in .claude/settings.json."
    again = hook(project, "install", "claude", home=tmp_path)
    assert again.stderr.strip() == ("The vitana-guard hook is already installed in .claude/settings.json; "
                                    "the file was not rewritten.")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_hook_agent_help_prints_help_not_a_decision(tmp_path: Path, flag: str):
    r = subprocess.run([sys.executable, "-m", "vitana_guard", "hook", "claude", flag], capture_output=True, text=True,
                       input="{}", timeout=60, cwd=tmp_path)
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: vitana-guard hook claude [OPTIONS]")
    assert "--fail-open" in r.stdout and "permissionDecision" not in r.stdout + r.stderr


def test_uninstall_takes_out_only_our_entry_from_a_shared_group(project: Path, tmp_path: Path):
    settings = project / ".claude" / "settings.json"
    shared = ('{\n  "hooks": {\n    "PreToolUse": [\n      {"matcher": "Bash", "hooks": [\n'
              '        {"type": "command", "command": "vitana-guard hook claude", "timeout": 10},\n'
              '        {"type": "command", "command": "my-linter", "timeout": 1.0}\n      ]}\n    ]\n  },\n'
              '  "effort": 2.0\n}\n')
    settings.write_text(shared)
    assert hook(project, "uninstall", "claude", home=tmp_path).returncode == 0
    assert settings.read_text() == ('{\n  "hooks": {\n    "PreToolUse": [\n      {"matcher": "Bash", "hooks": [\n'
                                    '        {"type": "command", "command": "my-linter", "timeout": 1.0}\n      ]}\n'
                                    '    ]\n  },\n  "effort": 2.0\n}\n')
    # the last hook of the last event goes: so do the keys that only held it
    settings.write_text('{"effort": 2.0, "hooks": {"PreToolUse": [{"hooks": [{"command": "vitana-guard hook claude"}]}]}}')
    assert hook(project, "uninstall", "claude", home=tmp_path).returncode == 0
    assert settings.read_text() == '{"effort": 2.0}'
