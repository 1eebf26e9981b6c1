"""Merging the hook into an agent's settings file, and taking it out again.

Idempotent (an installed hook is not added twice; an unchanged file is not rewritten),
keeps every other setting and hook in place and in order, and the text as written: only
our entry is spliced in or out (`jsonedit`), so number spellings, one-line lists and
indentation stay. Backs the file up to `<file>.bak` before changing it, or to the first
free `<file>.bak.N` (an existing backup is never overwritten); a symlinked settings file
stays a link and its target is edited. Refuses (exit 2, file untouched) a file that is
not a JSON object. Uninstall restores a backup's exact bytes when the result equals it.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import sys
from pathlib import Path

from vitana_guard.hooks import jsonedit

MARKERS = ("vitana_guard.hooks", "vitana-guard hook", "vitana-guard-hook")

# How long an agent waits for the hook, and how long the guard gives itself: it denies
# on its own at DEADLINE seconds, well before the agent gives up on it (a hook that
# times out is a non-blocking error for the agents: the call would run).
TIMEOUT_S = 30
DEADLINE_S = 20

SPECS = {
    # agent: (project file, user file, pre event, post event, matcher, timeout)
    # matchers take MCP tools too: one whose input has a `command` is judged as shell
    "claude": (".claude/settings.json", "~/.claude/settings.json", "PreToolUse", "PostToolUse",
               "Bash|WebFetch|Write|Edit|MultiEdit|NotebookEdit|mcp__.*", TIMEOUT_S),
    "gemini": (".gemini/settings.json", "~/.gemini/settings.json", "BeforeTool", "AfterTool",
               "run_shell_command|web_fetch|write_file|replace|mcp_.*|.*__.*", TIMEOUT_S * 1000),  # ms
    "codex": (".codex/hooks.json", "~/.codex/hooks.json", "PreToolUse", "PostToolUse",
              "Bash|shell|exec_command|shell_command|apply_patch|WebFetch|Write|Edit|mcp__.*", TIMEOUT_S),
}
# The agent's own switch to block a call when the hook cannot answer (fails to start,
# times out, exits with another code): Claude Code 2.1.295+ `onFailure: "block"` (older
# versions ignore the key). Gemini CLI and Codex document none; exit 2 blocks in both, and
# the guard gives exit 2 on every failure path it can reach.
BLOCK_ON_FAILURE = {"claude": {"onFailure": "block"}}
# the post hook records gateway steps from results: only tools that can reach the gateway
POST_MATCHERS = {
    "claude": "Bash|WebFetch|mcp__.*",
    "gemini": "run_shell_command|web_fetch|mcp_.*|.*__.*",
    "codex": "Bash|shell|exec_command|shell_command|WebFetch|mcp__.*",
}


class SettingsError(Exception):
    pass


PACKAGE_DIR = Path(__file__).resolve().parents[1]
EXECUTABLE_NAME = "vitana-guard-hook"


def executable_path(package: Path = PACKAGE_DIR) -> Path:
    """Where the hook executable is written: inside the package, which the guard's
    tamper check protects (the agent cannot replace the program that judges it)."""
    return package / "_bin" / EXECUTABLE_NAME


def _build_id_of(path: Path) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    except OSError:
        return None


def ensure_executable(path: Path | None = None) -> Path:
    """The hook executable this installation was built with, written out at `path`
    (default `executable_path()`) unless the file there already is it: atomically
    (a temp file renamed over it, mode 0755), so a hook running meanwhile sees the old
    program or the new one, never half of one."""
    from vitana_guard import _core

    path = path or executable_path()
    if _build_id_of(path) == _core.guard_build_id():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o755)
        with os.fdopen(fd, "wb") as f:
            f.write(_core.guard_executable())
        os.chmod(tmp, 0o755)
        os.replace(tmp, path)
    except OSError as e:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise SettingsError(f"cannot write the hook executable {path}: {e}") from None
    return path


def command_for(executable: str | Path, agent: str, python: str, package: str | Path, post: bool = False) -> str:
    """The settings command: the native executable, with the interpreter and package it
    compiles a rule pack with when none is cached (never on a cached call)."""
    mode = "--post" if post else f"--deadline {DEADLINE_S}"
    return (f"{shlex.quote(str(executable))} {agent} {mode} --python {shlex.quote(python)} "
            f"--package {shlex.quote(str(package))}")


def default_command(agent: str, post: bool = False, write: bool = True) -> str:
    """The hook command `hook install` writes: this installation's executable (written
    out first, unless `write` is false), this interpreter, this package."""
    exe = ensure_executable() if write else executable_path()
    return command_for(exe, agent, sys.executable, PACKAGE_DIR, post)


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


def _edited(original: str | None, data: dict, new: dict, agent: str, remove: bool) -> str:
    """The settings text with only our entries added or taken out, everything else as the
    person wrote it (number spellings, one-line lists, spacing); a full dump when the
    text cannot be edited in place to exactly `new` (duplicate keys, say)."""
    if not original or not original.strip():
        return _dump(new, original)
    try:
        text = _splice_remove(original, agent) if remove else _splice_add(original, data, new, agent)
        if json.loads(text) == new:
            return text
    except (jsonedit.EditError, ValueError, KeyError, IndexError, AttributeError):
        pass
    return _dump(new, original)


def _splice_add(text: str, data: dict, new: dict, agent: str) -> str:
    unit = _indent(text) if "\n" in text.strip() else None  # a one-line file stays on one line
    for event in events(agent):
        if installed(data, agent, event):
            continue
        group = new["hooks"][event][-1]  # with_hook appends ours last
        top = jsonedit.locate(text)  # positions found afresh after each edit
        hooks = top.get("hooks")
        if hooks is None:
            text = jsonedit.add_member(text, top, "hooks", {event: [group]}, unit)
            continue
        groups = hooks.get(event)
        if groups is None:
            text = jsonedit.add_member(text, hooks, event, [group], unit)
        else:
            text = jsonedit.append_item(text, groups, group, unit)
    return text


def _splice_remove(text: str, agent: str) -> str:
    for event in events(agent):
        text = _splice_remove_event(text, agent, event)
    return text


def _splice_remove_event(text: str, agent: str, event: str) -> str:
    while True:  # one removal at a time, positions found afresh after each
        data = json.loads(text)
        if event not in (data.get("hooks") or {}):
            return text
        top = jsonedit.locate(text)
        groups_node = top.get("hooks").get(event)
        groups = data["hooks"][event]
        for gi, g in enumerate(groups):
            hooks = g.get("hooks") if isinstance(g, dict) else None
            if not isinstance(hooks, list) or not any(_is_ours(h) for h in hooks):
                continue
            if all(_is_ours(h) for h in hooks):
                text = jsonedit.remove_item(text, groups_node, gi)
            else:
                hi = next(i for i, h in enumerate(hooks) if _is_ours(h))
                text = jsonedit.remove_item(text, groups_node.items[gi].get("hooks"), hi)
            break
        else:
            break
    data = json.loads(text)
    if data["hooks"][event] == []:
        text = jsonedit.remove_member(text, jsonedit.locate(text).get("hooks"), event)
        if json.loads(text)["hooks"] == {}:
            text = jsonedit.remove_member(text, jsonedit.locate(text), "hooks")
    return text


def events(agent: str) -> tuple[str, str]:
    return SPECS[agent][2], SPECS[agent][3]


def installed(data: dict, agent: str, event: str | None = None) -> bool:
    event = event or SPECS[agent][2]
    groups = (data.get("hooks") or {}).get(event) or []
    return any(_is_ours(h) for g in groups if isinstance(g, dict) for h in g.get("hooks") or [])


def with_hook(data: dict, agent: str, command: str, post_command: str | None = None) -> dict:
    """The pre-tool hook and the post-tool hook (which records gateway steps from results)."""
    _, _, pre, post, matcher, timeout = SPECS[agent]
    wanted = [(pre, matcher, command), (post, POST_MATCHERS[agent], post_command or _post_of(command, agent))]
    if all(installed(data, agent, event) for event, _, _ in wanted):
        return data
    data = json.loads(json.dumps(data))  # deep copy, order kept
    hooks = data.setdefault("hooks", {})
    for event, event_matcher, event_command in wanted:
        if installed(data, agent, event):
            continue
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise SettingsError(f"'hooks.{event}' is not a list; nothing was changed")
        entry = {"type": "command", "command": event_command, "timeout": timeout}
        if event == pre and agent in BLOCK_ON_FAILURE:
            entry.update(BLOCK_ON_FAILURE[agent])
        groups.append({"matcher": event_matcher, "hooks": [entry]})
    return data


def _post_of(command: str, agent: str) -> str:
    """The post hook's command for a pre hook command: the same program with `--post`
    in place of the deadline (a post hook never blocks)."""
    deadline = f" --deadline {DEADLINE_S}"
    if deadline in command:
        return command.replace(deadline, " --post", 1)
    return command + " --post"


def without_hook(data: dict, agent: str) -> dict:
    for event in events(agent):
        data = _without(data, agent, event)
    return data


def _without(data: dict, agent: str, event: str) -> dict:
    if not installed(data, agent, event):
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


def backups(path: Path) -> list[Path]:
    """The backups next to `path`, oldest first: `<file>.bak`, then `.bak.1`, `.bak.2`, ..."""
    found = [path.with_name(path.name + ".bak")] if path.with_name(path.name + ".bak").exists() else []
    numbered = []
    for p in path.parent.glob(path.name + ".bak.*") if path.parent.is_dir() else ():
        suffix = p.name[len(path.name) + 5 :]
        if suffix.isdigit():
            numbered.append((int(suffix), p))
    return found + [p for _, p in sorted(numbered)]


def next_backup(path: Path) -> Path:
    """Where the next backup goes: `<file>.bak`, or the first free `<file>.bak.N`, so that
    an earlier backup (perhaps the only copy of a person's settings) is never overwritten."""
    first = path.with_name(path.name + ".bak")
    if not os.path.lexists(first):
        return first
    n = 1
    while os.path.lexists(path.with_name(f"{path.name}.bak.{n}")):
        n += 1
    return path.with_name(f"{path.name}.bak.{n}")


def apply(path: Path, agent: str, *, remove: bool, command: str | None = None,
          dry_run: bool = False) -> tuple[bool, str, Path | None]:
    """Install or uninstall; returns (changed, unified diff, the backup written or None)."""
    original, data = _read(path)
    new = without_hook(data, agent) if remove else with_hook(
        data, agent, command or default_command(agent, write=not dry_run))
    if new == data and original is not None:
        return False, "", None
    if remove and original is None:
        return False, "", None
    text = _edited(original, data, new, agent, remove)
    if remove:
        # back to the exact bytes we saved before installing, when that is what is left
        for backup in reversed(backups(path)):
            try:
                saved = backup.read_text("utf-8")
                if json.loads(saved) == new:
                    text = saved
                    break
            except (OSError, ValueError, UnicodeDecodeError):
                pass
    diff = "".join(difflib.unified_diff((original or "").splitlines(True), text.splitlines(True),
                                        str(path) if original is not None else "/dev/null", str(path)))
    if dry_run:
        return True, diff, None
    # a symlinked settings file (dotfiles) stays a link: its target is what changes
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if original is not None:
        backup = next_backup(path)
        backup.write_text(original, "utf-8")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, "utf-8")
    if target.exists():
        os.chmod(tmp, target.stat().st_mode & 0o7777)
    os.replace(tmp, target)
    return True, diff, backup
