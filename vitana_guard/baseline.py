"""Baselines: accept the findings a repository already has, fail only on new ones.

A baseline is a text file, one accepted finding a line, sorted, so that git merges it
like any list (and `merge=union` in .gitattributes resolves concurrent additions):

    # vitana-guard baseline v1: accepted findings; one per line, sorted (rule path fingerprint#n  snippet)
    VG101<TAB>scripts/old.sh<TAB>3f2a...c1#0<TAB>gcloud run deploy gateway --source .

The key of an entry is (rule, path, fingerprint#n): the finding's content fingerprint
(rule + path + whitespace-normalised matched text, see engine.scan.fingerprint) and its
occurrence index among findings with the same fingerprint in that path (two identical
lines need two entries). No line numbers and no timestamps, so entries survive edits
above the finding, rebases and merges. The snippet column is for people only.

Applying a baseline marks matching findings suppressed (kind "external"), as
`pipeline.apply_path_ignores` does: they stay in JSON/SARIF and leave the exit code.
Entries that match nothing in the part of the repository a run covers are stale and
reported as notes (never a change of exit code); `baseline write --update` drops them.
"""
from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, replace
from typing import Callable, Iterable

import click

from vitana_guard.errors import UsageError
from vitana_guard.model import Finding, Notice, ScanResult, Suppression

VERSION = 1
HEADER = (f"# vitana-guard baseline v{VERSION}: accepted findings; one per line, sorted "
          "(rule path fingerprint#n  snippet)")
SNIPPET_WIDTH = 80
_FINGERPRINT = re.compile(r"[0-9a-f]{16,64}")
_HEADER = re.compile(r"#\s*vitana-guard baseline v(\d+)\b")
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")

Key = tuple[str, str, str, int]  # rule, path, fingerprint, occurrence


@dataclass(frozen=True)
class Entry:
    rule: str
    path: str
    fingerprint: str
    occurrence: int
    snippet: str = ""
    line: int = 0  # line in the baseline file (0: not read from a file)

    @property
    def key(self) -> Key:
        return (self.rule, self.path, self.fingerprint, self.occurrence)

    def render(self) -> str:
        return "\t".join((self.rule, _escape(self.path), f"{self.fingerprint}#{self.occurrence}", self.snippet))


@dataclass
class Baseline:
    path: str
    entries: list[Entry]

    @property
    def keys(self) -> dict[Key, Entry]:
        out: dict[Key, Entry] = {}
        for e in self.entries:
            out.setdefault(e.key, e)  # duplicates (a union merge) count once
        return out


# --------------------------------------------------------------------------- file format


def _escape(path: str) -> str:
    return path.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def snippet_for(f: Finding) -> str:
    """One line, secrets masked, at most SNIPPET_WIDTH characters: for people reading the file."""
    from vitana_guard.redact import redact_text

    text = " ".join(redact_text(f.snippet or f.source_line).split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > SNIPPET_WIDTH:
        text = text[: SNIPPET_WIDTH - 3] + "..."
    return text


def parse(text: str, path: str) -> Baseline:
    """Parse a baseline; any malformed line is a UsageError naming path:line (exit 2)."""
    entries: list[Entry] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith(_CONFLICT):
            raise UsageError("unresolved merge conflict marker; keep the lines of both sides (entries are a set) "
                             "or regenerate with `vitana-guard baseline write --update`", path, n)
        if line.startswith("#"):
            m = _HEADER.match(line)
            if m and int(m.group(1)) != VERSION:
                raise UsageError(f"baseline format v{m.group(1)} is not supported (this version reads v{VERSION})",
                                 path, n)
            continue
        fields = line.split("\t", 3)
        if len(fields) < 3:
            raise UsageError("malformed entry: expected RULE<TAB>PATH<TAB>FINGERPRINT#N[<TAB>SNIPPET]", path, n)
        rule, fpath, fp = fields[0].strip(), _unescape(fields[1]), fields[2].strip()
        if not rule or any(c.isspace() for c in rule):
            raise UsageError(f"malformed entry: bad rule id {rule!r}", path, n)
        if not fpath:
            raise UsageError("malformed entry: empty path", path, n)
        digest, sep, occ = fp.partition("#")
        if not _FINGERPRINT.fullmatch(digest) or not sep or not occ.isdigit() or not occ.isascii():
            raise UsageError(f"malformed entry: {fp!r} is not FINGERPRINT#N (hex digest, occurrence index)", path, n)
        entries.append(Entry(rule, fpath, digest, int(occ), fields[3] if len(fields) > 3 else "", n))
    return Baseline(path, entries)


def load(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise UsageError("baseline file not found (create it with `vitana-guard baseline write FILE`)", path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read baseline: {getattr(e, 'strerror', None) or e}", path) from None
    return parse(text, path)


def check_overwritable(path: str) -> None:
    """`baseline write FILE` replaces only a baseline: FILE missing, empty, or one this
    tool reads (its header, or only entries). Anything else -- `baseline write deploy.sh`
    with FILE forgotten, a report -- is a UsageError and stays untouched."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except FileNotFoundError:
        return
    except OSError as e:
        raise UsageError(f"cannot read baseline: {e.strerror or e}", path) from None
    text = head.decode("utf-8", "replace")
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None or _HEADER.match(first.strip()):
        return
    try:
        if parse(text, path).entries:
            return
    except UsageError:
        pass
    raise UsageError("exists and is not a vitana-guard baseline; refusing to overwrite it "
                     "(name a new file, or delete this one first)", path)


def render(entries: Iterable[Entry]) -> str:
    """Deterministic bytes: header, then one entry a line sorted by key (= sorted lines)."""
    unique: dict[Key, Entry] = {}
    for e in entries:
        unique.setdefault(e.key, e)
    lines = sorted(e.render() for e in unique.values())
    return "\n".join([HEADER, *lines]) + "\n"


def save(path: str, entries: Iterable[Entry]) -> None:
    data = render(entries).encode("utf-8", "surrogateescape")
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise UsageError(f"cannot write baseline: {e.strerror or e}", path) from None


# --------------------------------------------------------------------------- keys


def _ident(f: Finding) -> tuple:
    return (f.rule_id, f.path, f.fingerprint, f.line, f.column, f.end_line, f.end_column, f.commit, f.record_id,
            f.session, f.snippet)


def _order(f: Finding) -> tuple:
    return (f.line, f.column, f.end_line, f.end_column, f.commit or "", f.record_id or "", f.snippet)


def occurrences(findings: Iterable[Finding]) -> dict[tuple, int]:
    """Occurrence index of each finding among those with its (rule, path, fingerprint), by position.

    Computed over all findings (suppressed ones included), so a finding's index does not
    change when another one gets an inline ignore.
    """
    from vitana_guard.report._common import fingerprint

    groups: dict[tuple, list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.rule_id, f.path, fingerprint(f)), []).append(f)
    out: dict[tuple, int] = {}
    for group in groups.values():
        for i, f in enumerate(sorted(group, key=_order)):
            out.setdefault(_ident(f), i)
    return out


def keyed(findings: list[Finding], known: dict[tuple, int] | None = None) -> list[tuple[Finding, Key]]:
    """Each finding with its baseline key. `known` holds occurrence indexes computed over
    whole files when the run only reports part of them (diff, history: added lines)."""
    from vitana_guard.report._common import fingerprint

    own = occurrences(findings)
    out = []
    for f in findings:
        ident = _ident(f)
        n = known[ident] if known and ident in known else own[ident]
        out.append((f, (f.rule_id, f.path, fingerprint(f), n)))
    return out


def entries_for(findings: list[Finding], known: dict[tuple, int] | None = None) -> list[Entry]:
    """Entries for the active findings (those not suppressed inline or by the config)."""
    return [Entry(*key, snippet=snippet_for(f)) for f, key in keyed(findings, known) if f.suppression is None]


# --------------------------------------------------------------------------- applying


Scope = Callable[[str], bool]


def path_scope(paths: Iterable[str], root: str) -> Scope:
    """Finding paths (relative to root) covered by a scan of PATHS."""
    prefixes = []
    for p in paths:
        rel = os.path.relpath(os.path.abspath(p), os.path.abspath(root)).replace(os.sep, "/")
        if rel == "." or rel.startswith("../"):
            # everything, or paths outside root (reported as given): match on the given form too
            prefixes.append("" if rel == "." else rel)
            prefixes.append(p.replace(os.sep, "/").rstrip("/"))
        else:
            prefixes.append(rel)

    def covers(path: str) -> bool:
        return any(not pre or path == pre or path.startswith(pre + "/") for pre in prefixes)

    return covers


def apply(result: ScanResult, baseline: Baseline, *, scope: Scope | None = None,
          known: dict[tuple, int] | None = None) -> ScanResult:
    """Mark findings in the baseline suppressed; report stale entries (within `scope`, for
    the rules that ran) as notes. `scope` None: the run saw only part of its files (diff,
    history), so no entry can be called stale."""
    entries = baseline.keys
    justification = f"baseline {baseline.path}: accepted"
    matched: set[Key] = set()
    findings = []
    for f, key in keyed(result.findings, known):
        if key in entries:
            matched.add(key)
            if f.suppression is None:
                f = replace(f, suppression=Suppression("external", justification))
        findings.append(f)
    result.findings = findings
    if scope is not None:
        ran = {r.id for r in result.rules}
        for key, e in sorted(entries.items(), key=lambda kv: kv[1].line):
            if key in matched or e.rule not in ran or not scope(e.path):
                continue
            what = f" ({e.snippet})" if e.snippet else ""
            result.notices.append(Notice(
                f"stale baseline entry: {e.rule} {e.path} {e.fingerprint}#{e.occurrence}{what} matches no finding; "
                f"remove it or run `vitana-guard baseline write --update`", baseline.path, e.line or None,
                level="note"))
    return result


# --------------------------------------------------------------------------- JSON reports


def entries_from_report(path: str) -> list[Entry]:
    """Entries from an earlier `--format json` report (of any command: pr, history, audit...)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        raw = data["findings"]
        findings = [
            Finding(rule_id=d["rule_id"], slug=d.get("slug") or "", severity=_severity(d.get("severity")),
                    message=d.get("message") or "", policy=d.get("policy") or "", path=d["path"],
                    line=int(d["line"]), column=int(d["column"]), end_line=int(d.get("end_line") or d["line"]),
                    end_column=int(d.get("end_column") or d["column"]), snippet=d.get("snippet") or "",
                    fingerprint=d["fingerprint"], record_id=d.get("record_id"), commit=d.get("commit"),
                    session=d.get("session"),
                    suppression=Suppression("report", "") if d.get("suppressed") and not _by_baseline(d) else None)
            for d in raw
        ]
    except FileNotFoundError:
        raise UsageError("report not found", path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read report: {getattr(e, 'strerror', None) or e}", path) from None
    except (ValueError, KeyError, TypeError) as e:
        raise UsageError(f"not a vitana-guard JSON report ({type(e).__name__}: {e})", path) from None
    return entries_for(findings)


def _by_baseline(d: dict) -> bool:
    """Suppressed only by a baseline (the report was made with --baseline): still an accepted finding."""
    sup = d.get("suppression") or {}
    return sup.get("kind") == "external" and str(sup.get("justification", "")).startswith("baseline ")


def _severity(value):
    from vitana_guard.model import Severity

    try:
        return Severity(value)
    except ValueError:
        return Severity.WARNING


# --------------------------------------------------------------------------- command


def _register() -> None:
    from vitana_guard.cli import _options, _replace, _root, main

    @main.group("baseline")
    def baseline_group() -> None:
        """Accept the findings a repository has today; fail only on new ones (--baseline FILE)."""

    @baseline_group.command("write")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.argument("paths", nargs=-1, type=click.Path())
    @click.option("--update", is_flag=True,
                  help="Keep FILE's entries that still match (and those outside PATHS or the rules run), "
                       "add new findings, drop stale entries.")
    @click.option("--from-report", "from_report", type=click.Path(dir_okay=False),
                  help="Take the findings of an earlier --format json report (pr, diff, history, audit) "
                       "instead of scanning PATHS.")
    @click.option("--select", multiple=True, metavar="IDS", help="Only these rules (IDs or prefixes).")
    @click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (IDs or prefixes).")
    @click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Configuration file.")
    @click.option("--no-ignore", is_flag=True, help="Also record findings suppressed by inline comments.")
    @click.option("--include-vendored", is_flag=True, help="Also scan node_modules/, vendor/, minified and lock files.")
    @click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
    @click.option("--jobs", "-j", type=int, default=1, show_default=True, help="Files scanned in parallel.")
    @click.option("--transcript-format", type=click.Choice(("claude", "codex", "gemini", "openai", "text")),
                  help="Read every file as this transcript format instead of detecting it.")
    def write(file, paths, update, from_report, select, ignore, config_path, no_ignore, include_vendored, exclude,
              jobs, transcript_format):
        """Write every active finding of a scan of PATHS (default: .) to FILE, sorted.

        Run it from the directory CI scans from (the repository root): entry paths are
        relative to it, like finding paths. Commit FILE; then `scan --baseline FILE` fails
        only on findings that are not in it.
        """
        from vitana_guard import config as configmod
        from vitana_guard.pipeline import load_for, scan_paths

        check_overwritable(file)  # before the scan: a mistyped FILE costs nothing
        old = load(file) if update and os.path.exists(file) else None
        if from_report:
            if paths:
                raise UsageError("--from-report takes the findings of the report: give no PATHS")
            new = entries_from_report(from_report)
            keep_old: Scope = lambda _path: True  # noqa: E731 - which files a report covered is unknown: union
            ran: set[str] | None = None
            notices: list[Notice] = []
        else:
            paths = paths or (".",)
            cfg = configmod.load(config_path or configmod.discover(paths[0]))
            pack = load_for(cfg)
            options = _options(pack, cfg, select, ignore, None, no_ignore)
            options = _replace(options, include_vendored=include_vendored or cfg.include_vendored,
                               exclude=tuple(exclude) + cfg.exclude, jobs=jobs, transcript_format=transcript_format)
            root = _root(paths)
            result = scan_paths(paths, options, pack, root=root)
            new = entries_for(result.findings)
            covered = path_scope(paths, root)
            ran = {r.id for r in result.rules}
            keep_old = lambda path: not covered(path)  # noqa: E731
            notices = result.notices
        kept: list[Entry] = []
        if old is not None:
            current = {e.key for e in new}
            for e in old.entries:
                outside = keep_old(e.path) or (ran is not None and e.rule not in ran)
                if outside or e.key in current:
                    kept.append(e)
        entries = kept + new
        save(file, entries)
        for n in notices:
            if n.level == "error":
                where = f"{n.path}:{n.line}: " if n.path and n.line else (f"{n.path}: " if n.path else "")
                click.echo(f"vitana-guard: warning: {where}{n.message} (not in the baseline)", err=True)
        total = len({e.key for e in entries})
        count = f"{total} {'entry' if total == 1 else 'entries'}"
        if old is not None:
            old_keys = {e.key for e in old.entries}
            new_keys = {e.key for e in entries}
            click.echo(f"baseline {file}: {count} ({len(new_keys & old_keys)} kept, "
                       f"{len(new_keys - old_keys)} added, {len(old_keys - new_keys)} stale dropped)", err=True)
        else:
            click.echo(f"baseline {file}: {count}", err=True)
        sys.exit(0)


_register()
