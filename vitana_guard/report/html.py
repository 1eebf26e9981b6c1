"""Self-contained HTML reports (one file: no network, no external assets).

Two pages: `audit` renders the session page (`render_html`: sessions, agents, the
conversation around each violation); scan, diff, history and pr render the repository
page (`render_repository`: totals by rule and directory, files ranked, each finding with
its code). Both chart findings per day by rule as inline SVG when findings have days.

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
MAX_FILES = 300  # files rendered with their findings (repository page)
MAX_PER_FILE = 50  # findings rendered with code per file
MAX_DIRS = 100
CONTEXT_LINES = 2  # lines of code shown before and after a finding
MAX_CONTEXT_FILE = 5 * 2**20  # files read back for code context up to this size
CHART_MAX_BUCKETS = 62  # days charted one by one; beyond, weeks, then months
# one colour per rule in the chart, in order of their totals (distinct, colour-blind aware)
PALETTE = ("#b42318", "#175cd3", "#b54708", "#067647", "#6941c6", "#c11574", "#0e7090", "#4e5ba6",
           "#93370d", "#3b7c0f", "#667085", "#dc6803")

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
    """`--format html` of scan, diff, history and pr: the repository page (files, not
    sessions); `audit` renders the session page with `render_html`."""
    return render_repository(result)


def render_repository(result: ScanResult, *, max_files: int = MAX_FILES, max_per_file: int = MAX_PER_FILE) -> str:
    """The file-oriented report: totals by rule and by directory, files ranked by
    findings, each finding with the code around it."""
    from vitana_guard import redact

    redacting = result.redacted is not False
    if redacting:
        result = redact.redact_result(result)
    model = _repository_model(result, max_files, max_per_file, redacting)
    return scrub_surrogates(_env().get_template("repository.html.j2").render(**model))


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
    return {
        **_page(result, redacting, active, suppressed, "vitana-guard audit report"),
        "n_sessions": len(sessions) or result.files_scanned,
        "n_violating": len(violating),
        "chart": chart_by_day([(_day(f), f.rule_id) for f in active]),
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
        "agents": sorted({r[0] for r in agent_rows}),
    }


def _page(result: ScanResult, redacting: bool, active: list[Finding], suppressed: list[Finding],
          title: str) -> dict[str, Any]:
    """What both pages (audit and repository) show alike: the header, the notices, the
    evidence of the inputs read, and the helpers the templates call."""
    from vitana_guard import redact

    inputs = list(result.inputs)
    return {
        "title": title,
        "summary": summary_line(result),
        "version": tool_version(result),
        "result": result,
        "redacted": redacting,
        "n_active": len(active),
        "n_suppressed": len(suppressed),
        "notices": sorted_notices(result.notices)[:MAX_NOTICES],
        "notices_rest": max(0, len(result.notices) - MAX_NOTICES),
        "inputs": inputs[:MAX_INPUTS],
        "inputs_rest": max(0, len(inputs) - MAX_INPUTS),
        "severities": [str(s) for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)],
        "redact": redact.redact_text if redacting else (lambda s: s),
        "human_bytes": human_bytes,
    }


def human_bytes(n: int) -> str:
    """A size a reader takes in at a glance: 812 B, 19.8 KB, 3.4 MB, 1.2 GB (powers of 1000)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover - the loop returns


def _bucket(day: str, unit: str) -> str:
    from datetime import date, timedelta

    if unit == "day":
        return day
    d = date.fromisoformat(day)
    if unit == "week":
        return (d - timedelta(days=d.weekday())).isoformat()  # the week's Monday
    return day[:7]


def chart_by_day(points: list[tuple[str, str]], *, height: int = 200) -> dict[str, Any]:
    """A stacked bar chart of (day, rule) points as SVG geometry: one bar per day (per
    week, per month when there are too many), a segment per rule. Points whose day is
    unknown are counted as `uncharted`. Drawn as inline SVG: no script, nothing fetched."""
    days = [(d, r) for d, r in points if re.fullmatch(r"\d{4}-\d\d-\d\d", d or "")]
    uncharted = len(points) - len(days)
    unit = "day"
    for unit in ("day", "week", "month"):
        if len({_bucket(d, unit) for d, _ in days}) <= CHART_MAX_BUCKETS:
            break
    counts: dict[str, Counter] = defaultdict(Counter)
    for d, r in days:
        counts[_bucket(d, unit)][r] += 1
    buckets = sorted(counts)
    totals = Counter(r for _, r in days)
    rules = [r for r, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    colour = {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(rules)}
    top = max((sum(c.values()) for c in counts.values()), default=0)
    left, bottom, pad = 44, 22, 8
    n = len(buckets)
    step = 48 if n <= 12 else 30 if n <= 24 else 20 if n <= 40 else 13
    width = max(320, left + pad + step * len(buckets))
    plot = height - bottom - pad
    scale = plot / top if top else 0
    bars = []
    for i, b in enumerate(buckets):
        x = left + i * step + step * 0.15
        y = float(height - bottom)
        for r in rules:
            n = counts[b].get(r, 0)
            if not n:
                continue
            h = n * scale
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(step * 0.7, 1), "h": round(h, 1),
                         "color": colour[r], "title": f"{b}: {r} × {n}"})
    ticks = sorted({0, top, top // 2}) if top else []
    yticks = [(round(height - bottom - t * scale, 1), str(t)) for t in ticks]
    every = max(1, -(-44 // step))  # a label every 44 px at least: "10-01" never runs into the next
    xlabels = [(round(left + i * step + step / 2, 1), b[5:] if unit != "month" else b)
               for i, b in enumerate(buckets) if i % every == 0]
    return {"bars": bars, "buckets": buckets, "unit": unit, "max": top, "width": width, "height": height,
            "left": left, "yticks": yticks, "xlabels": xlabels, "uncharted": uncharted,
            "series": [{"rule": r, "color": colour[r], "total": totals[r]} for r in rules]}


def _directory(path: str) -> str:
    """The directory a finding's file is counted under: its first two levels."""
    parts = path.split("/")[:-1]
    return "/".join(parts[:2]) or "."


def _code(root: str, f: Finding, cache: dict[str, list[str] | None], redacting: bool) -> list[tuple[int, str, bool]]:
    """The lines around a finding, read back from the file, when the file still holds
    the finding's line there (a history finding's file may have changed since)."""
    from vitana_guard import redact

    path = f.path if os.path.isabs(f.path) else os.path.join(root or ".", f.path)
    if path not in cache:
        lines = None
        try:
            if os.path.isfile(path) and os.path.getsize(path) <= MAX_CONTEXT_FILE:
                with open(path, "rb") as fh:
                    data = fh.read()
                if b"\0" not in data[:8192]:
                    lines = data.decode("utf-8", "replace").splitlines()
        except OSError:
            lines = None
        cache[path] = lines
    lines = cache[path]
    if not lines or not (1 <= f.line <= len(lines)) or f.properties.get("agent") or f.session:
        return []
    if f.source_line and lines[f.line - 1].rstrip("\r") != f.source_line.rstrip("\r\n"):
        return []
    last = min(len(lines), max(f.line, min(f.end_line or f.line, f.line + 6)) + CONTEXT_LINES)
    first = max(1, f.line - CONTEXT_LINES)
    out = []
    for n in range(first, last + 1):
        text = lines[n - 1].rstrip("\r")
        if len(text) > 400:
            text = text[:399] + "…"
        out.append((n, redact.redact_text(text) if redacting else text, f.line <= n <= (f.end_line or f.line)))
    return out


def _repository_model(result: ScanResult, max_files: int, max_per_file: int, redacting: bool) -> dict[str, Any]:
    active = [f for f in sorted_findings(result.findings) if f.suppression is None]
    suppressed = [f for f in sorted_findings(result.findings) if f.suppression is not None]
    infos: dict[str, RuleInfo] = {r.id: r for r in result.rules}

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    per_file: dict[str, list[Finding]] = defaultdict(list)
    for f in active:
        by_rule[f.rule_id].append(f)
        per_file[f.path].append(f)
    rule_order = sorted(by_rule, key=lambda r: (-severity_of(by_rule[r][0]).rank, -len(by_rule[r]), r))

    files = []
    for path, fs in per_file.items():
        sev = Counter(str(severity_of(f)) for f in fs)
        rules = Counter(f.rule_id for f in fs)
        files.append({"path": path, "error": sev["error"], "warning": sev["warning"], "note": sev["note"],
                      "total": len(fs), "findings": fs,
                      "rules": ", ".join(f"{r}×{n}" if n > 1 else r for r, n in sorted(rules.items()))})
    files.sort(key=lambda x: (-x["error"], -x["total"], x["path"]))
    cache: dict[str, list[str] | None] = {}
    for fl in files[:max_files]:
        fl["shown"] = [{"f": f, "severity": str(severity_of(f)), "code": _code(result.root, f, cache, redacting)}
                       for f in fl["findings"][:max_per_file]]
        fl["rest"] = len(fl["findings"]) - len(fl["shown"])

    dirs: dict[str, dict[str, Any]] = {}
    for f in active:
        d = dirs.setdefault(_directory(f.path), {"dir": _directory(f.path), "count": 0, "paths": set(), "rules": Counter()})
        d["count"] += 1
        d["paths"].add(f.path)
        d["rules"][f.rule_id] += 1
    by_dir = sorted(dirs.values(), key=lambda d: (-d["count"], d["dir"]))
    for d in by_dir:
        d["files"] = len(d.pop("paths"))
        d["rules"] = ", ".join(f"{r}×{n}" if n > 1 else r for r, n in sorted(d["rules"].items()))

    rules = []
    for rid in rule_order:
        info = infos.get(rid)
        first = by_rule[rid][0]
        rules.append({"id": rid, "slug": first.slug, "severity": str(severity_of(first)), "policy": first.policy,
                      "summary": info.summary if info else first.slug,
                      "doc": _sections(info.description) if info and info.description else {},
                      "count": len(by_rule[rid]), "files": len({f.path for f in by_rule[rid]})})
    return {
        **_page(result, redacting, active, suppressed, "vitana-guard repository report"),
        "n_files_with": len(files),
        "by_severity": [(str(s), n) for s, n in severity_counts(active).items()],
        "by_rule": [(r["id"], r["slug"], r["severity"], r["count"], r["files"]) for r in rules],
        "by_dir": by_dir[:MAX_DIRS],
        "by_dir_rest": max(0, len(by_dir) - MAX_DIRS),
        "chart": chart_by_day([(str(f.properties.get("day") or ""), f.rule_id) for f in active]),
        "files": files[:max_files],
        "files_rest": max(0, len(files) - max_files),
        "rules": rules,
        "suppressed": [{"f": f, "severity": str(severity_of(f))} for f in suppressed[:MAX_SUPPRESSED]],
        "suppressed_rest": max(0, len(suppressed) - MAX_SUPPRESSED),
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


__all__ = ["render", "render_html", "render_repository", "human_bytes", "chart_by_day", "MAX_PER_RULE"]
