"""`vitana-guard hook ...`: the live pre-tool hooks and their installer.

The hook itself is a native executable (crates/vitana_guard_hook) that `hook install`
writes into the package and names in the agents' settings; `hook AGENT` runs it too,
for people and scripts that call it by hand.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from vitana_guard.cli import main
from vitana_guard.hooks import AGENTS

AGENT_CHOICE = click.Choice(AGENTS)


@main.group()
def hook() -> None:
    """Live pre-tool hooks for Claude Code, Gemini CLI and Codex (deny forbidden calls)."""


def _agent_command(agent: str):
    @hook.command(agent, help=f"Evaluate one {agent} pre-tool call read from stdin (exit 2 denies).")
    @click.option("--fail-open", is_flag=True, envvar="VITANA_GUARD_FAIL_OPEN",
                  help="Allow the call when the hook itself fails (default: deny).")
    @click.option("--audit-log", type=click.Path(dir_okay=False), help="Append decisions to FILE.")
    @click.option("--post", is_flag=True, help="Post-tool hook: record the gateway steps of a call that succeeded.")
    @click.option("--deadline", type=float, help="Deny on our own after this many seconds.")
    def run(fail_open, audit_log, post, deadline):
        # reached when click parses the call (`--help` aside, the entry point goes to agents.main first)
        from vitana_guard.hooks.agents import main as run_hook

        argv = [agent] + (["--fail-open"] if fail_open else []) + (["--audit-log", audit_log] if audit_log else [])
        argv += (["--post"] if post else []) + (["--deadline", str(deadline)] if deadline else [])
        sys.exit(run_hook(argv))

    return run


for _name in AGENTS:
    _agent_command(_name)


def _scope_options(f):
    f = click.option("--dry-run", is_flag=True, help="Print the change as a unified diff; write nothing.")(f)
    f = click.option("--user", "scope", flag_value="user", help="The user's settings (~/.claude, ~/.gemini, ~/.codex).")(f)
    f = click.option("--project", "scope", flag_value="project", default=True,
                     help="The project's settings at the top of the git work tree (else here) [default].")(f)
    return f


def _apply(agent, scope, dry_run, remove, command=None):
    from vitana_guard.hooks import install

    path = install.settings_path(agent, scope == "user", _project_root())
    if scope != "user":
        path = Path(os.path.relpath(path))  # as the person sees it from where they are
    try:
        changed, diff, backup = install.apply(path, agent, remove=remove, command=command, dry_run=dry_run)
    except (install.SettingsError, OSError) as e:
        click.echo(f"vitana-guard: error: {e}", err=True)
        sys.exit(2)
    if dry_run:
        click.echo(diff, nl=False)
        if not changed:
            click.echo(f"{path}: nothing to change", err=True)
        return
    if not changed:
        state = "not installed in" if remove else "already installed in"
        click.echo(f"The vitana-guard hook is {state} {path}; the file was not rewritten.", err=True)
        return
    saved = f" The previous file is saved as {backup}." if backup else ""
    verb = "removed from" if remove else "installed in"
    click.echo(f"The vitana-guard hook for {agent} is {verb} {path}.{saved}", err=True)


def _project_root() -> str:
    """Where the project's settings live: the top of the git work tree (Claude Code, Gemini
    CLI and Codex read them there, whatever subdirectory they start in), else here."""
    from vitana_guard.errors import UsageError
    from vitana_guard.sources.git import repo_root

    try:
        return repo_root(os.getcwd())
    except UsageError:  # not a repository (or a bare one), or no git: the current directory
        return os.getcwd()


@hook.command("install")
@click.argument("agent", type=click.Choice((*AGENTS, "all")))
@_scope_options
@click.option("--command", "command", help="Hook command to install [default: the hook executable, written into this package].")
@click.option("--managed", is_flag=True,
              help="System-wide, enforced: root-owned hook and pack, agents' managed settings (run as root).")
@click.option("--root", "root", type=click.Path(file_okay=False), default="/", show_default=True,
              help="With --managed: write the system tree under DIR (image builds, tests).")
def install_cmd(agent, scope, dry_run, command, managed, root):
    """Merge the pre- and post-tool hooks into AGENT's settings (idempotent, keeps other
    hooks, backs up to .bak). --managed writes the system-wide managed settings instead."""
    agents = list(AGENTS) if agent == "all" else [agent]
    if managed:
        from vitana_guard.hooks import managed as managedmod
        from vitana_guard.hooks.install import SettingsError

        try:
            for path in managedmod.install_managed(agents, root):
                click.echo(f"{path}: written", err=True)
        except (managedmod.ManagedError, SettingsError, OSError) as e:
            click.echo(f"vitana-guard: error: {e}", err=True)
            sys.exit(2)
        return
    for name in agents:
        _apply(name, scope, dry_run, remove=False, command=command)


@hook.command("uninstall")
@click.argument("agent", type=AGENT_CHOICE)
@_scope_options
def uninstall_cmd(agent, scope, dry_run):
    """Remove only vitana-guard's hook from AGENT's settings."""
    _apply(agent, scope, dry_run, remove=True)
