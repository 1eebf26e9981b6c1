"""Human-readable report, in the style of ruff / flake8.

    scripts/ship.sh:3:5: VG101 [error] gcloud run deploy bypasses the gateway
        gcloud run deploy gateway --source .
        ^^^^^^^^^^^^^^^^^
    session.jsonl:17:1: VG106 [error, failed] `git push origin main` merges outside Safe Merge
    transcripts/a.jsonl:12: error: invalid JSON record
    Found 1 finding (1 error) in 12 files.

Control characters and bidi overrides in scanned text are shown as harmless symbols
(a transcript's tool output may hold ANSI escapes).
"""
from __future__ import annotations

from vitana_guard.model import Finding, Notice, ScanResult
from vitana_guard.report._common import (
    ReportOptions,
    display_char,
    one_line,
    scrub_surrogates,
    severity_of,
    sorted_findings,
    sorted_notices,
    evidence_items,
    summary_line,
    terminal_safe,
)

INDENT = "    "
MAX_SOURCE_WIDTH = 160  # longer source lines (a JSONL record) are cut to a window around the match
_CONTEXT = 40

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
_LEVEL_COLOR = {
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "note": "\x1b[1;36m",
}


def _paint(s: str, code: str, options: ReportOptions) -> str:
    return f"{code}{s}{RESET}" if options.color else s


def render(result: ScanResult, options: ReportOptions) -> str:
    findings = result.findings if options.show_suppressed else result.active
    lines: list[str] = []
    for f in sorted_findings(findings):
        lines.append(_header(f, options))
        if options.show_source:
            lines.extend(_source(f, options))
    for n in sorted_notices(result.notices):
        lines.append(_notice(n, options))
    lines.append(summary_line(result))
    if options.evidence:
        lines += [f"# {name}: {value}" for name, value in evidence_items(result)]
    return scrub_surrogates("\n".join(lines) + "\n")


def _header(f: Finding, options: ReportOptions) -> str:
    sev = severity_of(f)
    rule = _paint(f.rule_id, BOLD, options)
    # a transcript call's status (executed, failed, denied, blocked, unknown): a rejected
    # push must not read like one that landed; findings in files have none
    status = f.properties.get("status")
    label = f"[{sev}, {status}]" if status else f"[{sev}]"
    level = _paint(label, _LEVEL_COLOR[str(sev)], options)
    # line 0: a finding about a whole commit (history's VG106), anchored at the commit
    where = f"{terminal_safe(f.path)}:{f.line}:{f.column}" if f.line > 0 else terminal_safe(f.path)
    line = f"{where}: {rule} {level} {terminal_safe(one_line(f.message))}"
    if f.suppression is not None:
        reason = f.suppression.justification or f.suppression.kind
        line += f" [suppressed: {terminal_safe(one_line(reason))}]"
    return line


def _notice(n: Notice, options: ReportOptions) -> str:
    where = ""
    if n.path:
        where = terminal_safe(n.path) + (f":{n.line}" if n.line else "") + ": "
    level = _paint(f"{n.level}:", _LEVEL_COLOR.get(n.level, BOLD), options)
    return f"{where}{level} {terminal_safe(one_line(n.message))}"


def locate(f: Finding) -> tuple[str, int, int] | None:
    """(line to show, start, end) offsets of the match in it, or None when there is nothing to show.

    Trust the columns when the snippet sits there; else look for the snippet on the line
    (transcripts: columns inside an escaped JSON string mean nothing); else trust the
    columns if they fall on the line; else show the snippet alone.
    """
    line = f.source_line.rstrip("\r\n")
    snip = f.snippet.split("\n", 1)[0].rstrip("\r")
    c0 = f.column - 1
    if f.end_line == f.line:
        c1 = f.end_column - 1
    else:
        c1 = len(line)
    if line:
        if 0 <= c0 <= len(line) and (not snip or line.startswith(snip, c0)):
            end = c1 if c1 > c0 else c0 + max(1, len(snip))
            return line, c0, end
        if snip:
            hits = [i for i in _occurrences(line, snip)]
            if hits:
                start = min(hits, key=lambda i: abs(i - c0))
                return line, start, start + len(snip)
        if 0 <= c0 < len(line):
            return line, c0, max(c1, c0 + 1)
    if snip:
        return snip, 0, len(snip)
    return None


def _occurrences(text: str, sub: str):
    i = text.find(sub)
    while i >= 0:
        yield i
        i = text.find(sub, i + 1)


def _window(line: str, start: int, end: int) -> tuple[str, int, int]:
    """Cut a long line to MAX_SOURCE_WIDTH characters around the match, marking cuts with `…`."""
    if len(line) <= MAX_SOURCE_WIDTH:
        return line, start, end
    ws = max(0, min(start - _CONTEXT, len(line) - MAX_SOURCE_WIDTH))
    we = ws + MAX_SOURCE_WIDTH
    head = "…" if ws > 0 else ""
    tail = "…" if we < len(line) else ""
    shown = head + line[ws:we] + tail
    s = start - ws + len(head)
    e = min(end, we) - ws + len(head)
    return shown, s, max(e, s + 1)


def _source(f: Finding, options: ReportOptions) -> list[str]:
    found = locate(f)
    if found is None:
        return []
    line, start, end = _window(*found)
    shown: list[str] = []
    pad = 0
    carets = 0
    for i, ch in enumerate(line):
        text, width = display_char(ch)
        shown.append(text)
        if i < start:
            pad += width
        elif i < end:
            carets += width
    pad += max(0, start - len(line))  # a match at or past the line end
    carets = max(1, carets + max(0, end - max(start, len(line))))
    sev = str(severity_of(f))
    caret_line = " " * pad + _paint("^" * carets, _LEVEL_COLOR[sev], options)
    return [INDENT + "".join(shown).rstrip(), INDENT + caret_line]
