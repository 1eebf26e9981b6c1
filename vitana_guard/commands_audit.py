"""`vitana-guard audit`: sweep many agent session logs, report for a person (and for tools)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from vitana_guard.cli import FORMAT_NAMES, SEVERITIES, _options, main
from vitana_guard.errors import UsageError

_DEFAULTS_HELP = (
    "Claude ~/.claude/projects/**/*.jsonl (incl. subagents/), Codex ~/.codex/sessions/**/rollout-*.jsonl "
    "and ~/.codex/archived_sessions/, Gemini ~/.gemini/tmp/*/chats/session-*.json(l)"
)


def pair_outputs(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Formats and outputs paired in order; one format may go without output (stdout)."""
    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise UsageError(f"{len(outputs)} --output for {len(formats)} --format: pair each output with a format")
    if len(formats) - len(outputs) > 1:
        raise UsageError("only one --format can go to standard output: give an --output for each of the others")
    return [(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--since", metavar="DATE", help="Only logs modified since DATE (YYYY-MM-DD, ISO 8601, or 7d/12h/2w).")
@click.option("--agent", type=click.Choice(("claude", "codex", "gemini", "openai", "text")),
              help="Only this agent's logs (by content).")
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(FORMAT_NAMES),
              help="Report format; repeat with --output for several reports  [default: text].")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="Write the matching --format (in order) to FILE.")
@click.option("--jobs", "-j", type=int, default=0, show_default=True, help="Processes (0: all cores).")
@click.option("--engine", type=click.Choice(("local", "dask")), default="local", show_default=True,
              help="Where files are scanned: local processes or a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786) for --engine dask.")
@click.option("--redact/--no-redact", default=None,
              help="Mask secrets and tokens in snippets [default: on for html, off for other formats].")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr [default: when a terminal].")
@click.option("--max-per-rule", type=int, default=30, show_default=True,
              help="HTML: findings shown in full (with conversation) per rule.")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules (IDs or prefixes).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (IDs or prefixes).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Lowest severity that fails the run.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Configuration file.")
@click.option("--no-ignore", is_flag=True, help="Disregard inline `vitana-guard: ignore[...]` comments.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (input errors still exit 2).")
@click.option("--baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="Accepted findings (`vitana-guard baseline write`): reported as suppressed, not failures.")
def audit(paths, since, agent, formats, outputs, jobs, engine, scheduler, redact, progress, max_per_rule,
          select, ignore, fail_on, config_path, no_ignore, exit_zero, baseline):
    """Audit agent session logs: every transcript under PATHS (default: each agent's log folders).

    \b
    Default locations (those that exist):
      """
    from dataclasses import replace

    from vitana_guard import audit as auditmod
    from vitana_guard import baseline as baselinemod
    from vitana_guard import config as configmod
    from vitana_guard.pipeline import exit_code, load_for
    from vitana_guard.redact import redact_result
    from vitana_guard.report import ReportOptions, render
    from vitana_guard.report._common import summary_line
    from vitana_guard.report.html import render_html

    targets = pair_outputs(tuple(formats), tuple(outputs))
    accepted = baselinemod.load(baseline) if baseline else None
    if engine == "dask" and not scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (tcp://host:8786)")
    try:
        since_ts = auditmod.parse_since(since)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if paths:
        root = os.getcwd()
    else:
        paths = tuple(auditmod.default_paths(agent))
        if not paths:
            raise UsageError(f"no PATH given and no agent logs in the default locations ({_DEFAULTS_HELP})")
        root = os.path.expanduser("~")
    cfg = configmod.load(config_path or configmod.discover(paths[0] if os.path.isdir(paths[0]) else "."))
    pack = load_for(cfg)
    options = replace(_options(pack, cfg, select, ignore, fail_on, no_ignore), exclude=cfg.exclude)

    bar: list[auditmod.Progress] = []

    def on_start(n_files: int, n_bytes: int) -> None:
        bar.append(auditmod.Progress(n_files, n_bytes, sys.stderr, enabled=progress))

    try:
        run = auditmod.audit(paths, options, pack, root=root, agent=agent, since=since_ts, jobs=jobs, engine=engine,
                             scheduler=scheduler, on_start=on_start, on_file=lambda r: bar[0].update(r))
    except auditmod.EngineUnavailable as e:
        raise UsageError(str(e)) from None
    except OSError as e:  # a Dask scheduler that cannot be reached
        raise UsageError(f"--engine {engine}: {e}") from None
    finally:
        if bar:
            bar[0].close()
    result = run.result
    if accepted is not None:
        # --since or --agent leave out logs a full sweep reads: no entry can be called stale then
        scope = baselinemod.path_scope(paths, root) if since_ts is None and agent is None else None
        result = baselinemod.apply(result, accepted, scope=scope)

    for fmt, output in targets:
        redacting = redact if redact is not None else fmt == "html"
        shown = redact_result(result) if redacting else replace(result, redacted=False)
        if fmt == "html":
            text = render_html(shown, run.files, max_per_rule=max_per_rule)
        else:
            text = render(fmt, shown, ReportOptions(color=False, show_suppressed=True, evidence=True))
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as e:
                raise UsageError(f"cannot write report: {e.strerror or e}", output) from None
        else:
            click.echo(text, nl=not text.endswith("\n"))
    if all(output for _, output in targets) or targets[-1][0] != "text":
        click.echo(summary_line(result), err=True)
    code = exit_code(result)
    sys.exit(0 if exit_zero and code == 1 else code)


audit.help = (audit.help or "") + _DEFAULTS_HELP.replace(", ", ",\n      ")
