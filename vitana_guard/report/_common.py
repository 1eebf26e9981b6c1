"""What every report format shares: options, ordering, counts, paths, fingerprints.

Reports are pure functions `render(result, options) -> str`; nothing here writes output.
"""
from __future__ import annotations

import json
import posixpath
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from vitana_guard import __version__, _core
from vitana_guard.model import Finding, Notice, ScanResult, Severity

TOOL_NAME = "vitana-guard"
INFORMATION_URI = "https://github.com/exafyltd/vitana-guard"

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.NOTE)  # most severe first


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False  # ANSI colour in the text report (the CLI sets it from isatty)
    show_source: bool = True  # source line + caret line under each text finding
    show_suppressed: bool = False  # list suppressed findings in text/junit reports
    evidence: bool = False  # the text report ends with how the scan was made (audits)


# --- findings -------------------------------------------------------------------------


def severity_of(f: Finding) -> Severity:
    """The finding's severity as the enum (tolerates a plain string upstream)."""
    return Severity(f.severity)


def finding_key(f: Finding) -> tuple:
    """Total, deterministic order: path, line, column, rule, then everything else; a
    history's findings by commit date first (`committed_at`, oldest first)."""
    return (
        f.properties.get("committed_at", ""),
        f.path,
        f.line,
        f.column,
        f.rule_id,
        f.end_line,
        f.end_column,
        f.message,
        f.snippet,
        f.fingerprint,
        f.record_id or "",
        f.commit or "",
        f.session or "",
        f.suppression is not None,
    )


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_key)


_NOTICE_RANK = {"error": 0, "warning": 1, "note": 2}


def notice_key(n: Notice) -> tuple:
    """Input errors first, then by path and line."""
    return (_NOTICE_RANK.get(n.level, 1), n.level, n.path or "", n.line or 0, n.message)


def sorted_notices(notices: list[Notice]) -> list[Notice]:
    return sorted(notices, key=notice_key)


def fingerprint(f: Finding) -> str:
    """The finding's content fingerprint; sha256 of `rule|path|snippet` when upstream left it empty."""
    if f.fingerprint:
        return f.fingerprint
    import hashlib  # a finding made without one: rare

    data = f"{f.rule_id}|{f.path}|{f.snippet}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()


def severity_counts(findings: list[Finding]) -> dict[Severity, int]:
    counts = Counter(severity_of(f) for f in findings)
    return {s: counts.get(s, 0) for s in SEVERITIES}


def tool_version(result: ScanResult) -> str:
    return result.tool_version or __version__


# --- wording --------------------------------------------------------------------------


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def evidence_items(result: ScanResult) -> list[tuple[str, str]]:
    """How a scan was made, for every format: what an auditor cites."""
    items = [
        ("tool.version", tool_version(result)),
        ("rule_pack.sha256", result.rule_pack_digest),
        ("config.sha256", result.config_digest),
        ("start", result.start_time),
        ("end", result.end_time),
        ("command_line", " ".join(result.command_line)),
    ]
    items += [(f"input.sha256:{path}", digest) for path, digest in result.inputs]
    return [(k, v) for k, v in items if v]


def summary_line(result: ScanResult) -> str:
    """`Found 3 findings (2 errors, 1 warning) in 12 files; 1 suppressed; ...` or `No findings in 12 files.`"""
    active = result.active
    files = plural(result.files_scanned, "file")
    if active:
        counts = severity_counts(active)
        by_sev = ", ".join(plural(n, str(s)) for s, n in counts.items() if n)
        head = f"Found {plural(len(active), 'finding')} ({by_sev}) in {files}"
    else:
        head = f"No findings in {files}"
    parts = [head]
    suppressed = len(result.findings) - len(active)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    skipped_total = sum(result.skipped.values())
    if skipped_total:
        reasons = sorted(result.skipped.items(), key=lambda kv: (-kv[1], kv[0]))
        detail = ", ".join(f"{n} {reason}" for reason, n in reasons if n)
        parts.append(f"{plural(skipped_total, 'file')} skipped ({detail})")
    errors = len(result.input_errors)
    if errors:
        parts.append(f"{plural(errors, 'input')} could not be read")
    return "; ".join(parts) + "."


# --- text hygiene ---------------------------------------------------------------------

_SURROGATES = re.compile("[\ud800-\udfff]")


def dumps(obj, *, sort_keys: bool = False) -> str:
    """`json.dumps(obj, indent=2, ensure_ascii=False, default=str)`, lone surrogates
    shown as U+FFFD: encoded by the C encoder (compact), laid out by the core. With an
    indent Python encodes in pure Python: 90 ms of a 4,000-file tree's JSON report."""
    compact = json.dumps(obj, sort_keys=sort_keys, ensure_ascii=False, default=str, separators=(",", ":"))
    return _core.json_indent(scrub_surrogates(compact), 2)


def scrub_surrogates(s: str) -> str:
    """Lone surrogates (undecodable bytes) cannot be written as UTF-8: show U+FFFD."""
    return _SURROGATES.sub("\ufffd", s)


# Bidirectional controls that can make displayed text lie about its order (Trojan Source).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def display_char(ch: str) -> tuple[str, int]:
    """How a terminal should show `ch` safely, and its width in cells."""
    o = ord(ch)
    if ch == "\t":
        return "    ", 4
    if o < 0x20:
        return chr(0x2400 + o), 1  # control pictures: ␛ for ESC, ␊ for LF
    if o == 0x7F:
        return "\u2421", 1
    if 0x80 <= o < 0xA0 or ch in _BIDI or 0xD800 <= o <= 0xDFFF:
        return "\ufffd", 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return ch, 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return ch, 2
    return ch, 1


def terminal_safe(s: str) -> str:
    """`s` with control, bidi and lone-surrogate characters made visible and harmless."""
    return "".join(display_char(ch)[0] for ch in s)


def one_line(s: str) -> str:
    return " ".join(s.splitlines()) if ("\n" in s or "\r" in s) else s


# --- paths and URIs -------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def _norm_root(root: str) -> str:
    r = root.replace("\\", "/") if _DRIVE.match(root) else root
    r = posixpath.normpath(r) if r else ""
    return r


def relative_path(path: str, root: str) -> str | None:
    """`path` relative to `root` (posix form), or None when it lies outside root / is absolute elsewhere."""
    p = path.replace("\\", "/") if _DRIVE.match(path) else path
    if p.startswith("/") or _DRIVE.match(p):
        r = _norm_root(root)
        pn = posixpath.normpath(p)
        if not r:
            return None
        if pn == r:
            return "."
        prefix = r.rstrip("/") + "/"
        if pn.startswith(prefix):
            return pn[len(prefix):]
        return None
    rel = posixpath.normpath(p) if p else "."
    if rel == ".." or rel.startswith("../"):
        return None
    return rel


def absolute_path(path: str, root: str) -> str:
    p = path.replace("\\", "/") if _DRIVE.match(path) else path
    if p.startswith("/") or _DRIVE.match(p):
        return posixpath.normpath(p)
    return posixpath.normpath(posixpath.join(_norm_root(root) or "/", p))


def file_uri(abs_path: str, directory: bool = False) -> str:
    """`file://` URI of an absolute path, percent-encoded (bytes of undecodable names preserved)."""
    p = abs_path.replace("\\", "/")
    if _DRIVE.match(p):
        uri = "file:///" + p[:2] + quote(p[2:], safe="/", errors="surrogateescape")
    else:
        uri = "file://" + quote(p, safe="/", errors="surrogateescape")
    if directory and not uri.endswith("/"):
        uri += "/"
    return uri


def uri_reference(rel_path: str) -> str:
    """A relative path as a uri-reference: spaces, `%`, `#`, `?`, `:` and non-ASCII percent-encoded."""
    return quote(rel_path, safe="/", errors="surrogateescape")


def display_path(path: str, root: str) -> str:
    """The path to show the user: repo-relative when it lies under root, else as given."""
    rel = relative_path(path, root)
    return rel if rel is not None else path


# --- time -----------------------------------------------------------------------------


def utc_timestamp(ts: str | None) -> str | None:
    """ISO 8601 / RFC 3339 UTC (`...Z`) from an ISO string, or None when absent or unreadable."""
    if not ts:
        return None
    try:
        dt = datetime.fromisoformat(ts.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
