"""The guard protects itself: tool calls that would switch it off or weaken it are denied.

The agent runs as the same user as the guard, so everything that keeps the guard in
place is a file the agent could write: its config (`.vitana-guard.yaml`,
`[tool.vitana-guard]` in pyproject.toml), the agent settings that hold the hook
(`.claude/settings*.json`, `.gemini/settings.json`, `.codex/hooks.json`,
`.codex/config.toml`, the same under `~` and the system-wide managed files), its
cache, state and code. This module finds calls that write, move or delete one of
those, and `vitana-guard hook uninstall` / `pip uninstall vitana-guard`.

It is not a policy rule (RULES.md's families are VTID-0518's), so it is the guard's
own deny logic: it runs before the rule engine and its reason names what was
protected. Reading any of these files stays allowed.

What it reads: the tool's arguments, and for shell tools the argv and redirect
targets of every simple command the shell normalizer finds (nested `bash -c`
scripts included). A path built at run time (`rm "$F"`) is unknown and not judged
here; `$HOME`, `${HOME}` and `~` are read as the home directory.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

CONFIG_NAMES = (".vitana-guard.yaml", ".vitana-guard.yml")
PYPROJECT_SECTION = "[tool.vitana-guard]"

# agent settings files that hold (or can hold) the hook, relative to a project or home
_SETTINGS = re.compile(
    r"(?:^|/)(?:\.claude/settings(?:\.[\w-]+)*\.json|\.gemini/settings\.json|\.codex/hooks\.json"
    r"|\.codex/config\.toml)$"
)
# system-wide managed settings (hook install --managed) and their directories
_SYSTEM_DIRS = ("/etc/claude-code", "/etc/gemini-cli", "/etc/codex", "/opt/vitana-guard",
                "/Library/Application Support/ClaudeCode", "/Library/Application Support/GeminiCli")
_AGENT_DIRS = (".claude", ".gemini", ".codex")

# programs that write, move or remove the files they name
_REMOVERS = frozenset({"rm", "rmdir", "unlink", "shred", "srm", "trash", "trash-put", "gio"})
_MOVERS = frozenset({"mv"})
_COPIERS = frozenset({"cp", "install", "ln", "rsync", "scp"})  # the last operand is written
_WRITERS = frozenset({"tee", "truncate", "chmod", "chown", "chgrp", "chattr", "setfacl", "touch"})
_IN_PLACE = frozenset({"sed", "gsed", "perl", "ruby"})  # with -i


@dataclass(frozen=True)
class Tamper:
    what: str  # a short description of the protected thing

    @property
    def reason(self) -> str:
        return (f"vitana-guard blocked this call: it would disable or weaken the guard ({self.what}). "
                "The guard's configuration, hook settings, cache and code are changed by a person "
                "outside the agent session, not by the agent.")


# -- which paths are protected ---------------------------------------------------------


def _home() -> str:
    return os.path.expanduser("~")


def _expand(word: str, cwd: str | None) -> str | None:
    """An absolute, normalised path for a word naming a file; None when unknown."""
    if not word:
        return None
    home = _home()
    for var in ("${HOME}", "$HOME"):
        if word.startswith(var):
            word = home + word[len(var):]
    for var in ("XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "CODEX_HOME"):
        for form in ("${%s}" % var, "$" + var):
            if word.startswith(form) and os.environ.get(var):
                word = os.environ[var] + word[len(form):]
    if "$" in word or "`" in word:
        return None
    word = os.path.expanduser(word)
    if not os.path.isabs(word):
        word = os.path.join(cwd or os.getcwd() if _cwd_ok(cwd) else "/", word)
    return os.path.normpath(word)


def _cwd_ok(cwd: str | None) -> bool:
    try:
        return os.path.isdir(cwd or os.getcwd())
    except OSError:
        return False


def _guard_dirs() -> list[str]:
    """Directories whose contents are the guard: its cache, state and code."""
    from vitana_guard.hooks import state

    home = _home()
    dirs = [str(state.cache_home()), str(state.state_home()),
            # the default places too, should XDG_* point elsewhere for this process only
            os.path.join(home, ".cache", "vitana-guard"), os.path.join(home, ".local", "state", "vitana-guard")]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs.append(package)
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME"):
        if os.environ.get(var):
            dirs.append(os.environ[var])
    return [os.path.normpath(d) for d in dirs]


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _pyproject_has_section(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return PYPROJECT_SECTION in f.read(1 << 20)
    except OSError:
        return False


def protected(path: str, *, removal: bool = False, cwd: str | None = None) -> str | None:
    """What `path` (absolute, normalised) holds of the guard, or None. With `removal`,
    a directory that contains a protected file counts too (`rm -rf .claude`)."""
    name = os.path.basename(path)
    if name in CONFIG_NAMES:
        return f"{path} is vitana-guard's configuration"
    if name == "pyproject.toml" and _pyproject_has_section(path):
        return f"{path} holds vitana-guard's [tool.vitana-guard] configuration"
    if _SETTINGS.search(path):
        return f"{path} holds the agent's hook settings"
    for d in _SYSTEM_DIRS:
        if _within(path, d):
            return f"{path} is part of the system-wide managed install"
    for d in _guard_dirs():
        if _within(path, d):
            return f"{path} is vitana-guard's own cache, state, code or agent config"
    if removal:
        for d in _guard_dirs() + list(_SYSTEM_DIRS):
            if _within(d, path):
                return f"removing {path} removes {d}"
        homes = [_home()] + ([cwd] if cwd else [])
        for sub in (*_AGENT_DIRS, *CONFIG_NAMES):  # `rm -rf ..` from a subdirectory
            if os.path.exists(os.path.join(path, sub)):
                return f"removing {path} removes {os.path.join(path, sub)}, which holds the guard's settings"
        for base in homes:
            for sub in _AGENT_DIRS:
                target = os.path.join(base, sub)
                if _within(target, path) and os.path.exists(target):
                    return f"removing {path} removes {target}, which holds the agent's hook settings"
            for conf in CONFIG_NAMES:
                target = os.path.join(base, conf)
                if _within(target, path) and path != target and os.path.exists(target):
                    return f"removing {path} removes {target}, vitana-guard's configuration"
    return None


# -- tool calls ------------------------------------------------------------------------

_EDIT_TOOLS = frozenset({"write", "edit", "multiedit", "write_file", "replace", "notebookedit", "create_file",
                         "edit_file", "str_replace_based_edit_tool", "str_replace_editor"})


def judge(tool: str, args: dict, cwd: str | None, shell_text: str | None) -> Tamper | None:
    """The tamper a call would do, or None. `shell_text` is the command of a shell tool."""
    name = tool.lower()
    base = name.rsplit("__", 1)[-1] if name.startswith("mcp__") else name
    if shell_text is not None:
        return judge_shell(shell_text, cwd)
    if base in _EDIT_TOOLS:
        raw = args.get("file_path") or args.get("path") or args.get("notebook_path")
        if isinstance(raw, str) and raw:
            path = _expand(raw, cwd)
            if path is not None:
                return _judge_edit(path, args)
        return None
    if base == "apply_patch":
        patch = args.get("input") or args.get("patch") or args.get("command") or ""
        if isinstance(patch, list):
            patch = "\n".join(str(p) for p in patch)
        return _judge_patch(str(patch), cwd)
    return None


def _judge_edit(path: str, args: dict) -> Tamper | None:
    what = protected(path)
    if what is None:
        return None
    if os.path.basename(path) == "pyproject.toml":
        # other sections of pyproject.toml stay editable
        texts = [args.get(k) for k in ("old_string", "new_string")]
        texts += [e.get(k) for e in (args.get("edits") or []) if isinstance(e, dict)
                  for k in ("old_string", "new_string")]
        texts = [t for t in texts if isinstance(t, str)]
        section = _section(path)
        content = args.get("content")
        if isinstance(content, str):
            if _section_text(content) == section:
                return None
        elif not any("vitana-guard" in t or "vitana_guard" in t or (t.strip() and t in section) for t in texts):
            return None
    return Tamper(what)


def _section(path: str) -> str:
    try:
        return _section_text(Path(path).read_text("utf-8", "replace"))
    except OSError:
        return ""


def _section_text(text: str) -> str:
    """The `[tool.vitana-guard]` table (and its subtables) of a pyproject.toml text."""
    out, inside = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.startswith("[tool.vitana-guard")
        if inside:
            out.append(line)
    return "\n".join(out)


def _judge_patch(patch: str, cwd: str | None) -> Tamper | None:
    for line in patch.split("\n"):
        line = line.rstrip("\r")
        for head in ("*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "):
            if line.startswith(head):
                path = _expand(line[len(head):].strip(), cwd)
                if path is not None:
                    what = protected(path, removal=head == "*** Delete File: ", cwd=cwd)
                    if what:
                        return Tamper(what)
    return None


# -- shell -----------------------------------------------------------------------------


def judge_shell(text: str, cwd: str | None) -> Tamper | None:
    from vitana_guard.normalize import shell

    from vitana_guard.hooks.ondisk import with_cwds

    for cmd, dirs in with_cwds(shell.parse(text), cwd or ""):
        for where in dirs:  # the call's cwd, and where the `cd`s before the command lead
            found = _judge_command(cmd, text, where or cwd)
            if found:
                return found
    return None


def _judge_command(cmd, text: str, cwd: str | None) -> Tamper | None:
    # a word with `$HOME` in it has no literal value; its raw text is expanded by _expand
    values = [w.value if w.value is not None else w.raw.replace('"', "").replace("'", "") for w in cmd.argv]
    program = (values[0] or "").rsplit("/", 1)[-1] if values else ""
    args = [v for v in values[1:]]
    known = [v for v in args if v is not None]
    # switching the hook off
    if _uninstalls(program, known):
        return Tamper("it uninstalls vitana-guard or its hook")
    for target in _redirect_targets(text[cmd.start:cmd.end]):
        path = _expand(target, cwd)
        if path is not None and (what := protected(path)):
            return Tamper(what + ", written by a redirection")
    operands = [v for v in known if not v.startswith("-")]
    targets: list[tuple[str, bool]] = []  # (word, removal)
    if program in _REMOVERS or program in _MOVERS:
        targets = [(v, True) for v in operands]
    elif program in _COPIERS:
        t = _option_value(known, ("-t", "--target-directory"))
        targets = [(t, False)] if t else [(operands[-1], False)] if len(operands) >= 2 else []
    elif program in _WRITERS:
        targets = [(v, False) for v in operands]
    elif program in _IN_PLACE and any(v == "-i" or v.startswith(("-i", "--in-place")) or
                                      (v.startswith("-") and not v.startswith("--") and "i" in v[1:])
                                      for v in known):
        targets = [(v, False) for v in operands]
    elif program == "dd":
        targets = [(v[3:], False) for v in known if v.startswith("of=")]
    elif program == "git" and known[:1] and known[0] in ("rm", "mv", "checkout", "restore", "clean"):
        targets = [(v, True) for v in operands[1:]]
    for word, removal in targets:
        path = _expand(word, cwd)
        if path is not None and (what := protected(path, removal=removal, cwd=cwd)):
            return Tamper(what)
    return None


def _uninstalls(program: str, args: list[str]) -> bool:
    words = [program, *args]
    if program in ("vitana-guard", "vitana_guard") or "vitana_guard" in args or "vitana-guard" in args[:1]:
        if "hook" in words and "uninstall" in words:
            return True
    if "uninstall" in words or "remove" in words:
        # pip/pipx/uv/conda/apt removing the guard itself
        if any(a in ("vitana-guard", "vitana_guard") for a in args) and (
                program.startswith(("pip", "pipx", "uv", "conda", "mamba", "poetry", "apt", "dpkg"))
                or program.startswith("python")):
            return True
    return False


def _option_value(args: list[str], names: tuple[str, ...]) -> str | None:
    for i, a in enumerate(args):
        if a in names and i + 1 < len(args):
            return args[i + 1]
        for n in names:
            if n.startswith("--") and a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None


def _redirect_targets(span: str) -> list[str]:
    from vitana_guard.normalize.mentions import redirect_targets

    return redirect_targets(span)
