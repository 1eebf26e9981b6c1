"""Merging the hook into an agent's settings file, and taking it out again.

Idempotent (an installed hook is not added twice; an unchanged file is not rewritten),
keeps every other setting and hook in place and in order, backs the file up to
`<file>.bak` before changing it, and refuses (exit 2, file untouched) a file that is
not a JSON object. Uninstall restores the backup's exact bytes when the result equals it.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import sys
from pathlib import Path

MARKERS = ("vitana_guard.hooks", "vitana-guard hook")

SPECS = {
    # agent: (project file, user file, event key, matcher, timeout)
    "claude": (".claude/settings.json", "~/.claude/settings.json", "PreToolUse", "Bash|WebFetch|Write|Edit|MultiEdit", 10),
    "gemini": (".gemini/settings.json", "~/.gemini/settings.json", "BeforeTool",
               "run_shell_command|web_fetch|write_file|replace", 10000),  # ms
    "codex": (".codex/hooks.json", "~/.codex/hooks.json", "PreToolUse",
              "Bash|shell|exec_command|apply_patch|WebFetch|Write|Edit", 10),
}


class SettingsError(Exception):
    pass


def default_command(agent: str) -> str:
    """The fast path: this interpreter running `-m vitana_guard.hooks` (no click, no PATH lookup)."""
    return f"{shlex.quote(sys.executable)} -m vitana_guard.hooks {agent}"


def settings_path(agent: str, user: bool, root: str | Path = ".") -> Path:
    project, home, *_ = SPECS[agent]
    return Path(os.path.expanduser(home)) if user else Path(root) / project


def _is_ours(hook) -> bool:
    return isinstance(hook, dict) and isinstance(hook.get("command"), str) and any(m in hook["command"] for m in MARKERS)


def _read(path: Path) -> tuple[str | None, dict]:
    if not path.exists():
        return None, {}
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"{path}: cannot read: {e}") from None
    if not text.strip():
        return text, {}
    try:
        data = json.loads(text)
    except ValueError as e:
        raise SettingsError(f"{path}: not valid JSON ({e}); fix it by hand, nothing was changed") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: top level is not a JSON object; nothing was changed")
    hooks = data.get("hooks")
    if hooks is not None and not isinstance(hooks, dict):
        raise SettingsError(f"{path}: 'hooks' is not an object; nothing was changed")
    return text, data


def _indent(text: str | None) -> int | str:
    if text:
        m = re.search(r"\n([ \t]+)\S", text)
        if m:
            return "\t" if m.group(1).startswith("\t") else len(m.group(1))
    return 2


def _dump(data: dict, original: str | None) -> str:
    return json.dumps(data, indent=_indent(original), ensure_ascii=False) + "\n"


def installed(data: dict, agent: str) -> bool:
    event = SPECS[agent][2]
    groups = (data.get("hooks") or {}).get(event) or []
    return any(_is_ours(h) for g in groups if isinstance(g, dict) for h in g.get("hooks") or [])


def with_hook(data: dict, agent: str, command: str) -> dict:
    if installed(data, agent):
        return data
    _, _, event, matcher, timeout = SPECS[agent]
    data = json.loads(json.dumps(data))  # deep copy, order kept
    hooks = data.setdefault("hooks", {})
    groups = hooks.setdefault(event, [])
    if not isinstance(groups, list):
        raise SettingsError(f"'hooks.{event}' is not a list; nothing was changed")
    groups.append({"matcher": matcher, "hooks": [{"type": "command", "command": command, "timeout": timeout}]})
    return data


def without_hook(data: dict, agent: str) -> dict:
    event = SPECS[agent][2]
    if not installed(data, agent):
        return data
    data = json.loads(json.dumps(data))
    groups = data["hooks"][event]
    kept = []
    for g in groups:
        if isinstance(g, dict) and isinstance(g.get("hooks"), list) and any(_is_ours(h) for h in g["hooks"]):
            rest = [h for h in g["hooks"] if not _is_ours(h)]
            if not rest:
                continue
            g = {**g, "hooks": rest}
        kept.append(g)
    if kept:
        data["hooks"][event] = kept
    else:
        del data["hooks"][event]
        if not data["hooks"]:
            del data["hooks"]
    return data


def apply(path: Path, agent: str, *, remove: bool, command: str | None = None, dry_run: bool = False) -> tuple[bool, str]:
    """Install or uninstall; returns (changed, unified diff)."""
    original, data = _read(path)
    new = without_hook(data, agent) if remove else with_hook(data, agent, command or default_command(agent))
    if new == data and original is not None:
        return False, ""
    if remove and original is None:
        return False, ""
    backup = path.with_name(path.name + ".bak")
    text = _dump(new, original)
    if remove:
        # back to the exact bytes we saved before installing, when that is what is left
        try:
            saved = backup.read_text("utf-8")
            if json.loads(saved) == new:
                text = saved
        except (OSError, ValueError, UnicodeDecodeError):
            pass
    diff = "".join(difflib.unified_diff((original or "").splitlines(True), text.splitlines(True),
                                        str(path) if original is not None else "/dev/null", str(path)))
    if dry_run:
        return True, diff
    path.parent.mkdir(parents=True, exist_ok=True)
    if original is not None:
        backup.write_text(original, "utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, "utf-8")
    if path.exists():
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    os.replace(tmp, path)
    return True, diff
