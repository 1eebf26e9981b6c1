"""`hook install --managed`: an install the agent cannot remove.

For teams whose agents must not be able to switch the guard off. Run as root, it writes:

- a root-owned copy of this package's code and rule pack, with the native hook
  executable inside it (`<root>/opt/vitana-guard/lib/vitana_guard/_bin/`, linked from
  `<root>/opt/vitana-guard/bin/vitana-guard-hook`), pointed at that copy (`--package`):
  the agent, running as its user, can neither edit the program that judges it, nor the
  code that compiles its pack, nor the pack;
- the agents' system-wide managed settings, which user and project settings cannot
  override:
  - Claude Code: `/etc/claude-code/managed-settings.json` with the hooks and
    `allowManagedHooksOnly: true` (only managed hooks run);
  - Gemini CLI: `/etc/gemini-cli/settings.json`, the system settings file that
    overrides user and project settings;
  - Codex: `/etc/codex/requirements.toml` (admin-enforced requirements) with the hooks
    as inline tables and `allow_managed_hooks_only = true`.

`root` (default `/`) lets an image build or a test write the same tree elsewhere.
The interpreter that compiles a pack that is not cached is this one (its
site-packages supply pyyaml and the other dependencies): for an enforced install it
should be a system interpreter, not a user-writable virtualenv.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tomllib
from pathlib import Path

from vitana_guard.hooks import install

PREFIX = "opt/vitana-guard"
SETTINGS = {
    "claude": "etc/claude-code/managed-settings.json",
    "gemini": "etc/gemini-cli/settings.json",
    "codex": "etc/codex/requirements.toml",
}
EXECUTABLE = "bin/vitana-guard-hook"

class ManagedError(Exception):
    pass


def install_managed(agents: list[str], root: str | os.PathLike = "/") -> list[Path]:
    """Write the managed install under `root`; returns the files written."""
    root = Path(root)
    if str(root) == "/" and os.geteuid() != 0:
        raise ManagedError("a managed install writes system files: run it as root (or give --root DIR)")
    base = root / PREFIX
    lib = base / "lib"
    written: list[Path] = []
    _copy_package(lib)
    exe = install.ensure_executable(install.executable_path(lib / "vitana_guard"))
    script = base / EXECUTABLE
    script.parent.mkdir(parents=True, exist_ok=True)
    if script.exists() or script.is_symlink():
        script.unlink()
    script.symlink_to(os.path.relpath(exe, script.parent))
    written.append(script)
    # the paths the agents will run: inside the managed tree as installed at `/`
    lib_at_runtime = "/" + PREFIX + "/lib" if str(root) == "/" else str(lib)
    run = str(script) if str(root) != "/" else "/" + PREFIX + "/" + EXECUTABLE
    python = os.path.realpath(sys.executable)
    for agent in agents:
        pre = install.command_for(run, agent, python, lib_at_runtime + "/vitana_guard")
        post = install.command_for(run, agent, python, lib_at_runtime + "/vitana_guard", post=True)
        target = root / SETTINGS[agent]
        target.parent.mkdir(parents=True, exist_ok=True)
        if agent == "codex":
            _write_codex(target, pre, post)
        else:
            _write_json(target, agent, pre, post)
        written.append(target)
    _own_by_root(base)
    for agent in agents:
        _own_by_root(root / SETTINGS[agent])
    return written


def _copy_package(lib: Path) -> None:
    from vitana_guard.engine.rules import builtin_rules_dir

    package = Path(__file__).resolve().parents[1]
    target = lib / "vitana_guard"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    rules = target / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "__init__.py").write_text("", "utf-8")
    for f in sorted(builtin_rules_dir().glob("*.yaml")):
        shutil.copy2(f, rules / f.name)


def _write_json(target: Path, agent: str, pre: str, post: str) -> None:
    original, data = install._read(target)
    data = install.without_hook(data, agent)  # a re-install replaces our entries
    data = install.with_hook(data, agent, pre, post)
    if agent == "claude":
        data["allowManagedHooksOnly"] = True
    target.write_text(install._dump(data, original), "utf-8")


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _write_codex(target: Path, pre: str, post: str) -> None:
    _, _, pre_event, post_event, matcher, timeout = install.SPECS["codex"]
    block = ["# vitana-guard managed hooks (hook install --managed)"]
    for event, event_matcher, command in ((pre_event, matcher, pre), (post_event, install.POST_MATCHERS["codex"], post)):
        block += [f"[[hooks.{event}]]", f"matcher = {_toml_str(event_matcher)}",
                  f"[[hooks.{event}.hooks]]", 'type = "command"', f"command = {_toml_str(command)}",
                  f"timeout = {timeout}", ""]
    text = target.read_text("utf-8") if target.exists() else ""
    if text:
        try:
            current = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ManagedError(f"{target}: not valid TOML ({e}); nothing was changed") from None
        if any(m in text for m in install.MARKERS):
            return  # already installed
        if current.get("hooks"):
            raise ManagedError(f"{target}: already has [hooks]; add vitana-guard's by hand, nothing was changed")
    head = "" if "allow_managed_hooks_only" in text else "allow_managed_hooks_only = true\n"
    new = head + text + ("\n" if text and not text.endswith("\n") else "") + "\n".join(block)
    tomllib.loads(new)  # what we write parses
    target.write_text(new, "utf-8")


def _own_by_root(path: Path) -> None:
    """Root-owned, writable by root only (when we are root; a --root test tree as a
    normal user keeps its owner)."""
    if os.geteuid() != 0:
        return
    paths = [path] + (list(path.rglob("*")) if path.is_dir() else [])
    for p in paths:
        os.chown(p, 0, 0, follow_symlinks=False)
        mode = p.stat().st_mode & 0o7777
        os.chmod(p, mode & ~0o022)
