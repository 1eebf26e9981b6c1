"""GitHub Actions workflow commands: one annotation per active finding.

    ::error file=scripts/ship.sh,line=3,col=5,endColumn=22,title=VG101 direct-cloud-run-deploy::message

Values are escaped as the runner requires (`%`, CR, LF; in properties also `:` and `,`),
so scanned text cannot inject workflow commands. Notices become `::error`/`::notice`.
"""
from __future__ import annotations

from vitana_guard.model import Finding, Notice, ScanResult, Severity
from vitana_guard.report._common import (
    ReportOptions,
    display_path,
    scrub_surrogates,
    severity_of,
    sorted_findings,
    sorted_notices,
)

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_NOTICE_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(s: str) -> str:
    """Escape a command's message (the part after `::`)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """Escape a property value (`file=...`, `title=...`)."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, props: list[tuple[str, object]], message: str) -> str:
    body = ",".join(f"{k}={escape_property(str(v))}" for k, v in props)
    return f"::{name}{' ' + body if body else ''}::{escape_data(message)}"


def _finding(f: Finding, root: str) -> str:
    line = max(1, f.line)
    props: list[tuple[str, object]] = [("file", display_path(f.path, root)), ("line", line)]
    end_line = max(line, f.end_line)
    if end_line != line:
        props.append(("endLine", end_line))
    props.append(("col", max(1, f.column)))
    if end_line == line and f.end_column > f.column:
        props.append(("endColumn", f.end_column))
    props.append(("title", f"{f.rule_id} {f.slug}".strip()))
    return _command(_COMMAND[severity_of(f)], props, f.message)


def _notice(n: Notice, root: str) -> str:
    props: list[tuple[str, object]] = []
    if n.path:
        props.append(("file", display_path(n.path, root)))
        if n.line:
            props.append(("line", n.line))
    return _command(_NOTICE_COMMAND.get(n.level, "warning"), props, n.message)


def render(result: ScanResult, options: ReportOptions) -> str:
    lines = [_finding(f, result.root) for f in sorted_findings(result.active)]
    lines += [_notice(n, result.root) for n in sorted_notices(result.notices)]
    return scrub_surrogates("".join(line + "\n" for line in lines))
