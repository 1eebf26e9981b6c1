"""Machine-readable report: one stable, documented schema (docs/json-schema.md), version 1.

Every key is always present (null when unknown); keys are sorted; findings come in
(path, line, column, rule, ...) order and include suppressed ones, flagged.
"""
from __future__ import annotations

from typing import Any

from vitana_guard.model import Finding, Notice, ScanResult
from vitana_guard.report._common import (
    dumps,
    TOOL_NAME,
    ReportOptions,
    fingerprint,
    severity_counts,
    severity_of,
    sorted_findings,
    sorted_notices,
    tool_version,
)

SCHEMA_VERSION = 1


def render(result: ScanResult, options: ReportOptions) -> str:
    return dumps(to_dict(result), sort_keys=True) + "\n"


def to_dict(result: ScanResult) -> dict[str, Any]:
    active = result.active
    counts = severity_counts(active)
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version(result)},
        "summary": {
            "findings": len(active),
            "by_severity": {str(s): n for s, n in counts.items()},
            "suppressed": len(result.findings) - len(active),
            "files_scanned": result.files_scanned,
            "bytes_scanned": result.bytes_scanned,
            "skipped": {str(k): v for k, v in result.skipped.items()},
            "input_errors": len(result.input_errors),
        },
        "findings": [_finding(f) for f in sorted_findings(result.findings)],
        "notices": [_notice(n) for n in sorted_notices(result.notices)],
        "invocation": {
            "command_line": list(result.command_line),
            "start_time": result.start_time or None,
            "end_time": result.end_time or None,
            "root": result.root,
            "commit": result.commit,
        },
        "evidence": evidence(result),
    }


def evidence(result: ScanResult) -> dict[str, Any]:
    """How the scan was made: enough to re-run it and check nothing changed."""
    return {
        "tool_version": tool_version(result),
        "rule_pack_digest": result.rule_pack_digest or None,
        "config_digest": result.config_digest or None,
        "start_time": result.start_time or None,
        "end_time": result.end_time or None,
        "command_line": list(result.command_line),
        "redacted": bool(result.redacted),
        "inputs": [{"path": p, "sha256": h} for p, h in result.inputs],
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "slug": f.slug,
        "severity": str(severity_of(f)),
        "message": f.message,
        "policy": f.policy,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "snippet": f.snippet,
        "fingerprint": fingerprint(f),
        "record_id": f.record_id,
        "commit": f.commit,
        "session": f.session,
        "suppressed": f.suppression is not None,
        "suppression": (
            {"kind": f.suppression.kind, "justification": f.suppression.justification}
            if f.suppression is not None
            else None
        ),
        "properties": dict(f.properties),
    }


def _notice(n: Notice) -> dict[str, Any]:
    return {"level": n.level, "path": n.path, "line": n.line, "message": n.message}
