"""Command line: parses options and wires the pipeline; no logic of its own."""
from __future__ import annotations

import os
import sys

import click

from vitana_guard import __version__
from vitana_guard.errors import UsageError

FORMAT_NAMES = ("text", "json", "sarif", "github", "junit", "html")
SEVERITIES = ("error", "warning", "note")


def _split_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip().upper() for value in values for v in value.split(",") if v.strip())


# The commands defined in other modules, each imported only when its command runs
# (click's "lazily loading subcommands" pattern): `scan FILE` must not pay for git,
# audit or hook code. name -> (module that registers it on `main`, the first paragraph
# of its help, which `--help` lists without importing the module; tests/test_cli_lazy.py
# checks it against the command's own).
LAZY_COMMANDS = {
    "audit": ("vitana_guard.commands_audit",
              "Audit agent session logs: every transcript under PATHS (default: each agent's log folders)."),
    "baseline": ("vitana_guard.baseline",
                 "Accept the findings a repository has today; fail only on new ones (--baseline FILE)."),
    "commit-msg": ("vitana_guard.commands_git",
                   "Lint a commit message file (git's comment lines are ignored); for the commit-msg hook."),
    "diff": ("vitana_guard.commands_git", "Lint only the lines a change adds."),
    "history": ("vitana_guard.commands_git",
                "Lint every commit's additions and message (default: all of HEAD's history)."),
    "hook": ("vitana_guard.commands_hooks",
             "Live pre-tool hooks for Claude Code, Gemini CLI and Codex (deny forbidden calls)."),
    "pr": ("vitana_guard.commands_git",
           "Lint a pull request: body (VTID, suggested commands), title and head branch."),
}


class Guarded(click.Group):
    """Turns every UsageError into `vitana-guard: path:line: message` and exit 2; loads
    the commands of LAZY_COMMANDS when one is run (or its help asked for)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UsageError as e:
            click.echo(f"vitana-guard: error: {e}", err=True)
            ctx.exit(2)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in LAZY_COMMANDS:
            import importlib

            importlib.import_module(LAZY_COMMANDS[name][0])  # registers its commands on `main`
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter) -> None:
        """click's listing, with the short help of a command not loaded taken from
        LAZY_COMMANDS (shortened as click shortens the command's own)."""
        commands = []
        for name in self.list_commands(ctx):
            cmd = self.commands.get(name)
            if cmd is None and name in LAZY_COMMANDS:
                cmd = click.Command(name, help=LAZY_COMMANDS[name][1])
            if cmd is not None and not cmd.hidden:
                commands.append((name, cmd))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])


@click.group(cls=Guarded, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="vitana-guard")
def main() -> None:
    """Policy linter for AI-agent transcripts and git repositories (VTID-0518).

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, config or
    input error.
    """


def report_options(f):
    options = [
        click.option("--format", "-f", "fmt", type=click.Choice(FORMAT_NAMES), default="text", show_default=True,
                     help="Report format."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE."),
        click.option("--select", multiple=True, metavar="IDS", help="Only these rules (IDs or prefixes, e.g. VG1,VG304)."),
        click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (IDs or prefixes)."),
        click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
                     help="Lowest severity that fails the run  [default: warning]."),
        click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
                     help="Configuration file (default: .vitana-guard.yaml or pyproject.toml, found upward)."),
        click.option("--no-ignore", is_flag=True, help="Disregard inline `vitana-guard: ignore[...]` comments (auditors)."),
        click.option("--show-suppressed", is_flag=True, help="List suppressed findings in the text report."),
        click.option("--color/--no-color", default=None, help="Colour the text report [default: when a terminal]."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (input errors still exit 2)."),
        click.option("--baseline", "baseline", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Accepted findings (`vitana-guard baseline write`): reported as suppressed, not failures."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


include_vendored_option = click.option("--include-vendored", is_flag=True,
                                       help="Also lint node_modules/, vendor/, minified and lock files.")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@report_options
@include_vendored_option
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--jobs", "-j", type=int, default=0, show_default=True,
              help="Threads scanning files in parallel (0: all cores, once there are 500 files or 8 MB to scan).")
@click.option("--transcript-format", type=click.Choice(("claude", "codex", "gemini", "openai", "text")),
              help="Read every file as this transcript format instead of detecting it.")
def scan(paths, fmt, output, select, ignore, fail_on, config_path, no_ignore, show_suppressed, color, exit_zero,
         baseline, include_vendored, exclude, jobs, transcript_format):
    """Scan files, directories and agent transcripts (default: the current directory)."""
    from vitana_guard import config as configmod
    from vitana_guard.pipeline import load_for, scan_paths
    from vitana_guard.report import SHOWS_INPUT_DIGESTS

    paths = paths or (".",)
    accepted = None
    if baseline:
        from vitana_guard import baseline as baselinemod

        accepted = baselinemod.load(baseline)  # a bad baseline fails before the scan
    cfg = configmod.load(config_path or configmod.discover(paths[0]))
    pack = load_for(cfg)
    options = _options(pack, cfg, select, ignore, fail_on, no_ignore)
    options = _replace(options, include_vendored=include_vendored or cfg.include_vendored,
                       exclude=tuple(exclude) + cfg.exclude, jobs=jobs, transcript_format=transcript_format,
                       digests=fmt in SHOWS_INPUT_DIGESTS)
    root = _root(paths)
    result = scan_paths(paths, options, pack, root=root)
    if accepted is not None:
        result = baselinemod.apply(result, accepted, scope=baselinemod.path_scope(paths, root))
    _emit(result, fmt, output, color, show_suppressed, exit_zero)


def _options(pack, cfg, select, ignore, fail_on, no_ignore):
    from vitana_guard import config as configmod
    from vitana_guard.model import Severity
    from vitana_guard.pipeline import ScanOptions

    known = {r.id for r in pack.rules}
    # an unknown ID is reported where it was written: the option or the config file
    configmod.check_rule_ids(_split_ids(select), known, "--select")
    configmod.check_rule_ids(_split_ids(ignore), known, "--ignore")
    configmod.check_rule_ids(cfg.select + cfg.ignore, known, cfg.path or "config")
    select = _split_ids(select) or cfg.select
    ignore = _split_ids(ignore) + cfg.ignore
    for ids in cfg.per_path_ignores.values():
        configmod.check_rule_ids(ids, known, cfg.path or "config")
    if select and any(s == "ALL" for s in select):
        select = tuple(sorted(known))
    return ScanOptions(select=select, ignore=ignore, no_ignore=no_ignore, per_path_ignores=cfg.per_path_ignores,
                       fail_on=Severity(fail_on or cfg.fail_on or "warning"))


def _replace(options, **changes):
    from dataclasses import replace

    return replace(options, **changes)


def _root(paths) -> str:
    """Finding paths are relative to the repository (or the current directory)."""
    cwd = os.getcwd()
    return cwd


def _emit(result, fmt, output, color, show_suppressed, exit_zero) -> None:
    from vitana_guard.pipeline import exit_code
    from vitana_guard.report import ReportOptions, render

    use_color = (sys.stdout.isatty() and not output and "NO_COLOR" not in os.environ) if color is None else color
    text = render(fmt, result, ReportOptions(color=use_color, show_suppressed=show_suppressed))
    if output:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise UsageError(f"cannot write report: {e.strerror or e}", output) from None
        if fmt != "text":  # a human still sees the verdict
            from vitana_guard.report._common import summary_line

            click.echo(summary_line(result), err=True)
    else:
        # click strips ANSI codes when stdout is not a terminal unless told: --color means colour
        click.echo(text, nl=not text.endswith("\n"), color=use_color)
    code = exit_code(result)
    sys.exit(0 if exit_zero and code == 1 else code)


# -- rules ---------------------------------------------------------------------------


@main.group()
def rules() -> None:
    """List, document and test the rule pack."""


@rules.command("list")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Configuration file.")
def rules_list(config_path):
    """One line per rule: ID, severity, slug, summary."""
    pack = _pack(config_path)
    for r in pack.rules:
        summary, state = r.summary, ""
        if not r.enabled:  # said once, at the end, whether the summary says it too (VG303's does)
            summary, state = summary.replace(" (off unless selected)", ""), "  (off unless selected)"
        click.echo(f"{r.id}  {r.severity.value:<7}  {r.slug:<32} {summary}{state}")


@rules.command("show")
@click.argument("rule_id")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Configuration file.")
def rules_show(rule_id, config_path):
    """Print a rule's documentation (what it finds, why, example, instead)."""
    pack = _pack(config_path)
    rule = pack.get(rule_id.upper())
    if rule is None:
        raise UsageError(f"unknown rule '{rule_id}' (see `vitana-guard rules list`)")
    click.echo(f"{rule.id} {rule.slug} [{rule.severity.value}] — VTID-0518 {rule.policy}")
    click.echo(f"channels: {', '.join(sorted(c.value for c in rule.channels))}")
    for line in _regex_engines(rule):
        click.echo(line)
    click.echo()
    click.echo(rule.markdown())


def _regex_engines(rule) -> list[str]:
    """Which engine runs each of the rule's regexes: the linear-time one unless the
    pattern needs look-around or back-references, then the bounded backtracking one."""
    from vitana_guard.engine.matchers import patterns_of

    lines = []
    for pattern in dict.fromkeys(p for e in rule.entries for p in patterns_of(e.matcher)):
        if pattern.engine == "linear":
            lines.append(f"regex engine: linear (regex crate): {pattern.pattern[:60]!r}")
        else:
            lines.append(f"regex engine: backtracking (bounded, fancy-regex with a backtrack limit): "
                         f"{pattern.pattern[:60]!r}: {pattern.fallback_reason}")
    return lines


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Configuration file.")
def rules_test(directory, config_path):
    """Run every rule's examples (and those of the rules in DIRECTORY)."""
    from pathlib import Path

    from vitana_guard import config as configmod
    from vitana_guard.engine.rules import load_pack
    from vitana_guard.ruletest import run_examples

    cfg = configmod.load(config_path)
    pack = load_pack(cfg.rules_dirs + ((directory,) if directory else ()), cfg.parameters,
                     parameters_source=cfg.path or "config")
    chosen = [r for r in pack.rules if directory is None or Path(r.source).parent.resolve() == Path(directory).resolve()]
    for warning in pack.warnings:
        click.echo(f"warning: {warning}", err=True)
    count, failures = run_examples(pack, chosen)
    for failure in failures:
        click.echo(failure.describe())
    click.echo(f"{len(chosen)} rules, {count} examples: {count - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


def _pack(config_path):
    from vitana_guard import config as configmod
    from vitana_guard.pipeline import load_for

    return load_for(configmod.load(config_path or configmod.discover(".")))


