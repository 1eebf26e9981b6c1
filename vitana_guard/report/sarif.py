"""SARIF 2.1.0, shaped for GitHub code scanning (see /work/shared/reference/ci-conventions.md).

- every rule that ran is in `tool.driver.rules` (GitHub needs id, short/full description, help);
- results point at repo-relative, percent-encoded URIs under `%SRCROOT%`; paths outside the
  root become absolute `file://` URIs;
- `partialFingerprints.primaryLocationLineHash` is the finding's content fingerprint (it does
  not move with line numbers) plus `:n`, the occurrence number among results with the same
  rule, path and fingerprint, as GitHub's own hashes do; the bare fingerprint is also in
  `fingerprints["vitana-guard/v1"]`;
- suppressed findings stay, with `suppressions` (GitHub ignores those: they open as alerts);
- at most 25,000 results per run (GitHub rejects more): the most severe are kept and a
  tool notification says how many were dropped.
"""
from __future__ import annotations

import re
import shlex
from collections import Counter
from typing import Any

from vitana_guard.model import Finding, Notice, RuleInfo, ScanResult, Severity
from vitana_guard.report._common import (
    dumps,
    INFORMATION_URI,
    TOOL_NAME,
    ReportOptions,
    absolute_path,
    display_path,
    finding_key,
    file_uri,
    fingerprint,
    relative_path,
    severity_of,
    sorted_findings,
    sorted_notices,
    tool_version,
    uri_reference,
    utc_timestamp,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
MAX_RESULTS = 25_000  # GitHub rejects a run with more
MAX_TEXT = 1024  # GitHub: rule short/full description
MAX_NAME = 255
MAX_TAGS = 20
FINGERPRINT_KEY = "vitana-guard/v1"
AUTOMATION_ID = "vitana-guard/"

_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "recommendation"}
_NOTICE_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


def render(result: ScanResult, options: ReportOptions) -> str:
    return dumps(to_sarif(result)) + "\n"


def to_sarif(result: ScanResult, max_results: int = MAX_RESULTS) -> dict[str, Any]:
    root = result.root
    rules, index = _rules(result)
    kept, dropped = _cap(result.findings, max_results)
    results = _results(kept, index, root)

    version = tool_version(result)
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": version,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    if _SEMVER.match(version):
        driver["semanticVersion"] = version

    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": AUTOMATION_ID},
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(result, dropped, max_results)],
        "results": results,
        "properties": {
            "filesScanned": result.files_scanned,
            "bytesScanned": result.bytes_scanned,
            "skipped": dict(result.skipped),
            "resultsDropped": dropped,
        },
    }
    if result.inputs:
        run["artifacts"] = [
            {"location": artifact_location(path, root), "hashes": {"sha-256": digest}} for path, digest in result.inputs
        ]
    if root:
        root_uri = file_uri(absolute_path(root, "/"), directory=True)
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root_uri}}
        if result.commit:
            # SARIF requires repositoryUri; the model knows no remote, so name the local checkout.
            run["versionControlProvenance"] = [
                {"repositoryUri": root_uri, "revisionId": result.commit, "mappedTo": {"uriBaseId": SRCROOT}}
            ]
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


# --- rules ----------------------------------------------------------------------------

_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def camel_case(slug: str) -> str:
    """`direct-cloud-run-deploy` -> `DirectCloudRunDeploy`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", slug) if part)


def _truncate(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_MD_STRONG = re.compile(r"(\*\*|__)(.+?)\1", re.S)
_MD_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", re.S)
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MD_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)
_MD_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~).*$", re.M)


def markdown_to_text(md: str) -> str:
    """A light Markdown-to-plain-text pass: keeps the words, drops the markup."""
    s = _MD_FENCE.sub("", md)
    s = _MD_IMAGE.sub(r"\1", s)
    s = _MD_LINK.sub(r"\1", s)
    s = _MD_CODE.sub(lambda m: m.group(2).strip(), s)
    s = _MD_STRONG.sub(r"\2", s)
    s = _MD_EM.sub(r"\1", s)
    s = _MD_HEADING.sub("", s)
    s = _MD_QUOTE.sub("", s)
    return re.sub(r"\n{3,}", "\n\n", s).strip()


def first_paragraph(md: str) -> str:
    """First paragraph of a Markdown text as one plain line (headings alone don't count)."""
    for para in re.split(r"\n\s*\n", md.strip()):
        lines = [ln for ln in para.strip().splitlines() if ln.strip()]
        while lines and _MD_HEADING.match(lines[0]):
            lines.pop(0)
        if lines and not _MD_FENCE.match(lines[0]):
            return " ".join(markdown_to_text("\n".join(lines)).split())
    return ""


def _rule(rule: RuleInfo) -> dict[str, Any]:
    summary = rule.summary.strip() or rule.slug or rule.id
    description = rule.description.strip()
    full = first_paragraph(description) or summary
    # a rule's description (Rule.markdown) ends with its own "Policy:" line: not a second one
    said = re.search(r"^Policy:", description, re.M) is not None
    policy_line = f"Policy: {rule.policy}" if rule.policy and not said else ""
    help_md = "\n\n".join(p for p in (description or summary, policy_line) if p)
    help_text = "\n\n".join(p for p in (markdown_to_text(description) or summary, policy_line) if p)
    tags = list(dict.fromkeys([*rule.tags, "policy"]))[:MAX_TAGS]
    severity = Severity(rule.severity)
    return {
        "id": rule.id,
        "name": _truncate(camel_case(rule.slug) or rule.id, MAX_NAME),
        "shortDescription": {"text": _truncate(summary, MAX_TEXT)},
        "fullDescription": {"text": _truncate(full, MAX_TEXT)},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": str(severity)},
        "properties": {
            "tags": tags,
            "policy": rule.policy,
            "precision": "high",
            "problem.severity": _PROBLEM_SEVERITY[severity],
        },
    }


def _rules(result: ScanResult) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every rule that ran (sorted by id), plus a stand-in for any rule a finding names
    that is missing from result.rules, so each result has a `ruleIndex`."""
    infos: dict[str, RuleInfo] = {}
    for r in result.rules:
        infos.setdefault(r.id, r)
    for f in result.findings:
        if f.rule_id not in infos:
            infos[f.rule_id] = RuleInfo(
                id=f.rule_id,
                slug=f.slug,
                severity=severity_of(f),
                policy=f.policy,
                summary=f.slug or f.rule_id,
                description="",
            )
    ordered = sorted(infos.values(), key=lambda r: r.id)
    return [_rule(r) for r in ordered], {r.id: i for i, r in enumerate(ordered)}


# --- results --------------------------------------------------------------------------


def _cap(findings: list[Finding], limit: int) -> tuple[list[Finding], int]:
    """Keep at most `limit` findings: active before suppressed, most severe first."""
    if len(findings) <= limit:
        return sorted_findings(findings), 0
    ranked = sorted(
        findings,
        key=lambda f: (f.suppression is not None, -severity_of(f).rank, finding_key(f)),
    )
    return sorted_findings(ranked[:limit]), len(findings) - limit


def artifact_location(path: str, root: str) -> dict[str, str]:
    rel = relative_path(path, root) if path else None
    if rel is not None and rel != ".":
        return {"uri": uri_reference(rel), "uriBaseId": SRCROOT}
    if not path:
        return {"uri": uri_reference("<unknown>"), "uriBaseId": SRCROOT}
    return {"uri": file_uri(absolute_path(path, root))}


def _region(f: Finding) -> dict[str, Any]:
    start_line = max(1, f.line)
    start_col = max(1, f.column)
    end_line = max(start_line, f.end_line)
    end_col = max(1, f.end_column)
    if end_line == start_line:
        end_col = max(end_col, start_col)
    region: dict[str, Any] = {
        "startLine": start_line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": end_col,
    }
    if f.snippet:
        region["snippet"] = {"text": f.snippet}
    return region


def _results(findings: list[Finding], index: dict[str, int], root: str) -> list[dict[str, Any]]:
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for f in findings:
        fp = fingerprint(f)
        key = (f.rule_id, f.path, fp)
        seen[key] += 1
        location: dict[str, Any]
        if f.line <= 0 and f.commit:
            # about a whole commit (history's VG106): the commit is the place, no file is
            location = {"logicalLocations": [{"name": f.commit[:12], "fullyQualifiedName": f.commit,
                                              "kind": "commit"}]}
        else:
            location = {
                "physicalLocation": {"artifactLocation": artifact_location(f.path, root), "region": _region(f)}
            }
        if f.record_id:
            location["logicalLocations"] = [
                {"name": f.record_id, "fullyQualifiedName": f"{display_path(f.path, root)}#{f.record_id}", "kind": "object"}
            ]
        props: dict[str, Any] = dict(f.properties)
        props["slug"] = f.slug
        if f.policy:
            props["policy"] = f.policy
        if f.commit:
            props["commit"] = f.commit
        if f.session:
            props["session"] = f.session
        res: dict[str, Any] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": str(severity_of(f)),
            "message": {"text": f.message.strip() or f.slug or f.rule_id},
            "locations": [location],
            "partialFingerprints": {"primaryLocationLineHash": f"{fp}:{seen[key]}"},
            "fingerprints": {FINGERPRINT_KEY: fp},
            "properties": props,
        }
        if f.suppression is not None:
            kind = f.suppression.kind if f.suppression.kind in ("inSource", "external") else "external"
            sup: dict[str, Any] = {"kind": kind, "status": "accepted"}
            if f.suppression.justification:
                sup["justification"] = f.suppression.justification
            res["suppressions"] = [sup]
        out.append(res)
    return out


# --- invocation -----------------------------------------------------------------------


def _notification(n: Notice, root: str) -> dict[str, Any]:
    note: dict[str, Any] = {
        "level": _NOTICE_LEVEL.get(n.level, "warning"),
        "message": {"text": n.message.strip() or n.level},
    }
    if n.path:
        phys: dict[str, Any] = {"artifactLocation": artifact_location(n.path, root)}
        if n.line and n.line > 0:
            phys["region"] = {"startLine": n.line}
        note["locations"] = [{"physicalLocation": phys}]
    return note


def _invocation(result: ScanResult, dropped: int, limit: int) -> dict[str, Any]:
    inv: dict[str, Any] = {"executionSuccessful": not result.input_errors}
    evidence = {
        "toolVersion": tool_version(result),
        "rulePackDigest": result.rule_pack_digest,
        "configDigest": result.config_digest,
        "redacted": bool(result.redacted),
    }
    inv["properties"] = {k: v for k, v in evidence.items() if v not in ("", None)}
    if result.command_line:
        inv["commandLine"] = shlex.join(result.command_line)
        inv["arguments"] = list(result.command_line[1:])
    start, end = utc_timestamp(result.start_time), utc_timestamp(result.end_time)
    if start:
        inv["startTimeUtc"] = start
    if end:
        inv["endTimeUtc"] = end
    if result.root:
        inv["workingDirectory"] = {"uri": file_uri(absolute_path(result.root, "/"), directory=True)}
    notes = [_notification(n, result.root) for n in sorted_notices(result.notices)]
    if dropped:
        notes.append(
            {
                "level": "warning",
                "descriptor": {"id": "results-truncated"},
                "message": {
                    "text": f"{dropped} results were dropped: GitHub code scanning accepts at most "
                    f"{limit:,} results per run; the most severe were kept."
                },
            }
        )
    inv["toolExecutionNotifications"] = notes
    return inv
