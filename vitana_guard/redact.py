"""Mask secrets and tokens in what reports print (`--redact`).

`redact_text` is a pure function over a string; `redact_finding` / `redact_result` apply it
to the text fields a report shows (message, snippet, source line, suppression
justification). Fingerprints are left alone: they were computed from the original text and
stay stable, so a redacted report still matches baselines. What is masked keeps a short,
non-secret prefix (`ghp_`, `AKIA`, `Bearer `) so a reader knows what kind of secret it was.
"""
from __future__ import annotations

import re
from dataclasses import replace

from vitana_guard.model import Finding, ScanResult

MASK = "[REDACTED]"

# (pattern, replacement); the replacement keeps the groups that are not secret
_RULES: list[tuple[re.Pattern[str], str]] = [
    # Authorization: Bearer xyz / Basic xyz / token xyz (header, curl -H, JSON header maps)
    (re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?\s*(?:bearer|basic|token|bot)\s+)([^\s\"',;}]+)"), r"\1" + MASK),
    (re.compile(r"(?i)(\bbearer\s+)([A-Za-z0-9\-._~+/]{8,}=*)"), r"\1" + MASK),
    # key-like headers: X-Api-Key: v, Api-Key: v, X-Auth-Token: v, Cookie: v, PRIVATE-TOKEN: v
    (re.compile(r"(?i)(\b(?:x-)?(?:api[-_]?key|auth[-_]?token|access[-_]?token|private[-_]token|goog-api-key|cookie)"
                r"[\"']?\s*:\s*[\"']?)([^\s\"',;}]+)"), r"\1" + MASK),
    # token=..., password=..., api_key=..., secret=... (query strings, env assignments, CLI flags)
    (re.compile(r"(?i)(\b(?:[a-z0-9_]*_)?(?:token|password|passwd|pwd|secret|api[-_]?key|apikey|client[-_]secret|access[-_]key)"
                r"[\"']?\s*[=:]\s*[\"']?)(?!\[REDACTED\])([^\s&\"';,}]{3,})"), r"\1" + MASK),
    (re.compile(r"(?i)(--(?:token|password|api-key|secret)[= ]\s*[\"']?)([^\s\"']{3,})"), r"\1" + MASK),
    # well-known token shapes
    (re.compile(r"\b(gh[pousr]_)[A-Za-z0-9]{16,}"), r"\1" + MASK),
    (re.compile(r"\b(github_pat_)[A-Za-z0-9_]{16,}"), r"\1" + MASK),
    (re.compile(r"\b((?:AKIA|ASIA))[0-9A-Z]{16}\b"), r"\1" + MASK),
    (re.compile(r"\b(sk-(?:ant-|proj-|live-|test-)?)[A-Za-z0-9_\-]{16,}"), r"\1" + MASK),
    (re.compile(r"\b(xox[abposr]-)[A-Za-z0-9\-]{8,}"), r"\1" + MASK),
    (re.compile(r"\b(glpat-)[A-Za-z0-9_\-]{16,}"), r"\1" + MASK),
    (re.compile(r"\b(AIza)[0-9A-Za-z_\-]{30,}"), r"\1" + MASK),
    # passwords in URLs: scheme://user:pass@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@\"']+:)([^@\s/\"']+)(@)"), r"\1" + MASK + r"\3"),
    # private key blocks
    (re.compile(r"(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)"), r"\1" + MASK + r"\2"),
]


def redact_text(text: str) -> str:
    """`text` with every secret the patterns know replaced by `[REDACTED]`."""
    if not text:
        return text
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return text


def redact_finding(f: Finding) -> Finding:
    changes = {
        "message": redact_text(f.message),
        "snippet": redact_text(f.snippet),
        "source_line": redact_text(f.source_line),
    }
    if f.suppression is not None:
        changes["suppression"] = replace(f.suppression, justification=redact_text(f.suppression.justification))
    return replace(f, **changes)


def redact_result(result: ScanResult) -> ScanResult:
    """A copy of `result` whose findings are redacted (and marked `redacted`)."""
    return replace(result, findings=[redact_finding(f) for f in result.findings], redacted=True)


__all__ = ["MASK", "redact_text", "redact_finding", "redact_result"]
