"""A self-contained HTML audit report (one file: no network, no external assets).

Rendered with jinja2, autoescaping ON: every value from a transcript is text, never markup.
A Content-Security-Policy forbids any network access; the small inline script only sorts and
filters rows (the page is complete and readable without it).

Secrets are masked by default (`redact.redact_result`), in findings and in the conversation
context re-read from the transcripts; `ScanResult.redacted is False` turns that off.
"""
from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from typing import Any, Iterable

import jinja2

from vitana_guard.model import Finding, RuleInfo, ScanResult, Severity
from vitana_guard.report._common import (
    ReportOptions,
    scrub_surrogates,
    severity_counts,
    severity_of,
    sorted_findings,
    sorted_notices,
    summary_line,
    tool_version,
)

MAX_PER_RULE = 30  # findings rendered in full (with conversation) per rule
MAX_SESSIONS = 500  # rows of the sessions table
MAX_SUPPRESSED = 500
MAX_NOTICES = 1000
MAX_INPUTS = 2000  # input digests listed (all are in JSON/SARIF)

_ENV: jinja2.Environment | None = None


def _env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader("vitana_guard.report", "templates"),
            autoescape=True,  # always, whatever the file name
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    return _ENV


def render(result: ScanResult, options: ReportOptions) -> str:
    return render_html(result)


def render_html(result: ScanResult, files: Iterable[Any] | None = None, *, max_per_rule: int = MAX_PER_RULE,
                context: bool = True) -> str:
    """The report. `files` (audit.FileResult) adds sessions without findings to the totals;
    `context` re-reads transcripts around the rendered findings."""
    from vitana_guard import redact

    redacting = result.redacted is not False
    if redacting:
        result = redact.redact_result(result)
    model = _model(result, list(files or ()), max_per_rule, context, redacting)
    return scrub_surrogates(_env().get_template("report.html.j2").render(**model))


# --- view model ---------------------------------------------------------------------------


def _sections(markdown: str) -> dict[str, str]:
    """RuleInfo.description (Markdown) -> {"finds", "why it matters", "example", "instead"}."""
    parts = re.split(r"^## +(.+)$", markdown, flags=re.M)
    out = {"finds": parts[0].strip()}
    for title, body in zip(parts[1::2], parts[2::2]):
        out[title.strip().lower()] = body.strip()
    instead = out.get("instead", "")
    out["instead"] = re.sub(r"\n+Policy: .*$", "", instead, flags=re.S).strip()
    out["example"] = re.sub(r"^```\w*\n?|```$", "", out.get("example", "").strip()).strip()
    return out


def _agent(f: Finding) -> str:
    return str(f.properties.get("agent") or "unknown")


def _repo(f: Finding) -> str:
    return str(f.properties.get("repository") or (os.path.dirname(f.path) or "."))


def _day(f: Finding) -> str:
    return str(f.properties.get("day") or "unknown")


def _counts(items: Iterable[str]) -> list[tuple[str, int]]:
    return sorted(Counter(items).items(), key=lambda kv: (-kv[1], kv[0]))


def _model(result: ScanResult, files: list[Any], max_per_rule: int, context: bool, redacting: bool) -> dict[str, Any]:
    from vitana_guard import redact

    active = [f for f in sorted_findings(result.findings) if f.suppression is None]
    suppressed = [f for f in sorted_findings(result.findings) if f.suppression is not None]
    infos: dict[str, RuleInfo] = {r.id: r for r in result.rules}

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in active:
        by_rule[f.rule_id].append(f)
    rule_order = sorted(by_rule, key=lambda r: (-severity_of(by_rule[r][0]).rank, -len(by_rule[r]), r))

    # sessions: one per transcript file
    sessions: dict[str, dict[str, Any]] = {}
    for fr in files:
        sessions[fr.display_path] = {"path": fr.display_path, "session": fr.session or "", "agent": fr.agent or "unknown",
                                     "repository": fr.repository, "day": fr.day, "size": fr.size,
                                     "error": 0, "warning": 0, "note": 0, "total": 0, "rules": Counter()}
    for f in active:
        s = sessions.setdefault(f.path, {"path": f.path, "session": f.session or "", "agent": _agent(f),
                                         "repository": _repo(f), "day": _day(f), "size": 0,
                                         "error": 0, "warning": 0, "note": 0, "total": 0, "rules": Counter()})
        s[str(severity_of(f))] += 1
        s["total"] += 1
        s["rules"][f.rule_id] += 1
    ranked = sorted(sessions.values(), key=lambda s: (-s["error"], -s["total"], s["path"]))
    violating = [s for s in ranked if s["total"]]
    for s in ranked:
        s["rules"] = ", ".join(f"{r}×{n}" if n > 1 else r for r, n in sorted(s["rules"].items()))

    # conversation context for the findings shown
    shown = {rid: by_rule[rid][:max_per_rule] for rid in rule_order}
    contexts: dict[tuple, Any] = {}
    if context:
        contexts = _contexts(result, [f for fs in shown.values() for f in fs], redacting)

    rules = []
    for rid in rule_order:
        info = infos.get(rid)
        first = by_rule[rid][0]
        doc = _sections(info.description) if info and info.description else {}
        items = []
        for f in shown[rid]:
            ctx = contexts.get((f.path, f.line, f.record_id))
            items.append({"f": f, "severity": str(severity_of(f)), "agent": _agent(f), "repository": _repo(f),
                          "day": _day(f), "ctx": ctx, "status": str(f.properties.get("status") or "")})
        rules.append({
            "id": rid, "slug": first.slug, "severity": str(severity_of(first)), "policy": first.policy,
            "summary": info.summary if info else first.slug, "doc": doc, "count": len(by_rule[rid]),
            "sessions": len({f.path for f in by_rule[rid]}), "shown": items,
            "rest": len(by_rule[rid]) - len(items),
        })

    sev = severity_counts(active)
    agents_sessions = Counter(s["agent"] for s in sessions.values())
    agent_rows = [(a, n, agents_sessions.get(a, 0)) for a, n in _counts(_agent(f) for f in active)]
    agent_rows += [(a, 0, n) for a, n in sorted(agents_sessions.items()) if a not in {r[0] for r in agent_rows}]
    inputs = list(result.inputs)
    return {
        "title": "vitana-guard audit report",
        "summary": summary_line(result),
        "version": tool_version(result),
        "result": result,
        "redacted": redacting,
        "n_active": len(active),
        "n_suppressed": len(suppressed),
        "n_sessions": len(sessions) or result.files_scanned,
        "n_violating": len(violating),
        "mb": result.bytes_scanned / 1e6,
        "by_severity": [(str(s), n) for s, n in sev.items()],
        "by_rule": [(r["id"], r["slug"], r["severity"], r["count"], r["sessions"]) for r in rules],
        "by_agent": agent_rows,
        "by_repo": _counts(_repo(f) for f in active),
        "by_day": sorted(Counter(_day(f) for f in active).items()),
        "sessions": violating[:MAX_SESSIONS],
        "sessions_rest": max(0, len(violating) - MAX_SESSIONS),
        "clean_sessions": len(ranked) - len(violating),
        "rules": rules,
        "suppressed": [{"f": f, "severity": str(severity_of(f)), "agent": _agent(f)} for f in suppressed[:MAX_SUPPRESSED]],
        "suppressed_rest": max(0, len(suppressed) - MAX_SUPPRESSED),
        "notices": sorted_notices(result.notices)[:MAX_NOTICES],
        "notices_rest": max(0, len(result.notices) - MAX_NOTICES),
        "inputs": inputs[:MAX_INPUTS],
        "inputs_rest": max(0, len(inputs) - MAX_INPUTS),
        "agents": sorted({r[0] for r in agent_rows}),
        "severities": [str(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)],
        "redact": redact.redact_text if redacting else (lambda s: s),
    }


def _contexts(result: ScanResult, findings: list[Finding], redacting: bool) -> dict[tuple, Any]:
    """(path, line, record_id) -> audit.Context, re-reading each transcript once."""
    from vitana_guard import audit, redact

    per_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.properties.get("agent") or f.session:
            per_file[f.path].append(f)
    out: dict[tuple, Any] = {}
    for path, fs in per_file.items():
        absolute = path if os.path.isabs(path) else os.path.join(result.root or ".", path)
        try:
            if not os.path.isfile(absolute):
                continue
            fmt = fs[0].properties.get("agent")
            ctxs = audit.conversation(absolute, fmt if fmt in audit.AGENTS else None, [(f.line, f.record_id) for f in fs])
        except Exception:  # noqa: BLE001 - context is a courtesy: the finding itself is already shown
            continue
        for (line, rid), ctx in ctxs.items():
            if redacting:
                for name in ("human", "agent", "segment", "output"):
                    value = getattr(ctx, name)
                    if value:
                        setattr(ctx, name, redact.redact_text(value))
            out[(path, line, rid)] = ctx
    return out


__all__ = ["render", "render_html", "MAX_PER_RULE"]
