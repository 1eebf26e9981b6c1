"""Running a rule pack over the segments of one document (a file, a transcript, a PR).

The scan runs in the Rust core (`vitana_guard._core.Scanner`, crates/vitana_core/src/scan):
for each segment it picks the rule entries of its channel, drops those whose keywords
are absent (the cheap prefilter), derives the units the rest need (shell commands,
HTTP requests) once, keeps session state (gateway steps, tool-output evidence, a human's
fallback approval) and judges sequence rules when the document ends. It gives back
hits; this module renders them into Findings (messages are jinja templates), applies
inline `vitana-guard: ignore[...]` directives, and runs the entries the core leaves to
Python (`_External`: regexes needing backtracking, `url` and `payload` matchers,
`mentions: false`). The Python engine it replaced is `_oracle_scan.py`, the oracle of
tests/test_parity_scan.py.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

import regex

from vitana_guard import _core, pathglob
from vitana_guard._core import KeywordSet
from vitana_guard.engine import packdata
from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit
from vitana_guard.engine.matchers.context import Evidence
from vitana_guard.engine.params import render_template
from vitana_guard.engine.rules import Entry, Rule, RulePack
from vitana_guard.model import Channel, Finding, Notice, Request, Segment, Suppression
from vitana_guard.normalize.http import UNKNOWN

_DIRECTIVE = regex.compile(r"vitana-guard:\s*ignore(?:\[([A-Za-z0-9, ]*)\])?[ \t]*([^\n]*)")
_SNIPPET_MAX = 200
# A document with more findings of one rule than this is pathological (a generated
# dump); the rest are summarised in a notice rather than flooding every report.
MAX_FINDINGS_PER_RULE = 1000


@dataclass(frozen=True)
class Selection:
    """Which rules run: enabled ones (or those selected), minus ignored; by ID or prefix."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def chooses(self, rule: Rule) -> bool:
        selected = any(rule.id.startswith(s) for s in self.select)
        if self.select and not selected:
            return False
        if not rule.enabled and not any(rule.id == s for s in self.select):
            return False
        return not any(rule.id.startswith(i) for i in self.ignore)



@dataclass(frozen=True)
class _Compiled:
    """Rule entries grouped by the unit they take, per channel."""

    text: dict[Channel, list[tuple[Rule, Entry]]]
    command: list[tuple[Rule, Entry]]
    request: list[tuple[Rule, Entry]]
    context: list[tuple[Rule, Entry]]
    sequence: list[tuple[Rule, Entry]]
    # every error-level request entry, selected or not: whether the gateway would
    # reject a call decides if it is a flow step, whatever the user chose to see
    validators: list[tuple[Rule, Entry]]
    # command entries by the program they name; those that match by glob or
    # launcher (deploy scripts) are tried on every command
    command_index: dict[str, list[tuple[Rule, Entry]]]
    command_any: list[tuple[Rule, Entry]]
    keywords: tuple[str, ...]  # every keyword of the selected rules
    finder: _KeywordFinder  # which of `keywords` a segment holds
    # `text`, `command`, `request` and `context` with each entry's gate (see `_gate`)
    gated_text: dict[Channel, list[_Gated]]
    gated_command: list[_Gated]
    gated_request: list[_Gated]
    gated_context: list[_Gated]
    runs: _RunCache  # outcomes of shell runs (see DocumentScanner._run_events)
    # entries of a gated list that apply to a channel, actor and kind (see _applying), the
    # statement keywords of the command entries in play (_statement_keywords) and the
    # entries to try on a program (_plan): the same few recur in every document
    applying: _Memo
    # the Rust core's compiled pack (engine/packdata.py) and every (rule index, rule,
    # entry) in its order: the core names rules and entries by these indexes
    core: Any = None
    entries: tuple = ()


_Gated = tuple[Rule, Entry, "frozenset[str] | None"]
_Event = tuple[Rule, "Hit | None"]  # a matcher's hit, or None: it timed out


class _Memo(dict):
    """A dict of what can be worked out again: pickled empty (the hook caches the
    compiled pack)."""

    def __reduce__(self):
        return _Memo, ()


class _RunCache:
    """Bounded map from (run text, entries in play) to the events of a shell run.
    Emptied when full (no recency bookkeeping on the hot path); not pickled."""

    SIZE = 8192
    LONGEST = 1024  # characters: a longer run is not kept (nor its text): at most ~8 MB

    def __init__(self) -> None:
        self._outcomes: dict[tuple, tuple[list[_Event], list[_Event]]] = {}

    def __reduce__(self):
        return _RunCache, ()

    def get(self, key: tuple) -> tuple[list[_Event], list[_Event]] | None:
        return self._outcomes.get(key)

    def put(self, key: tuple, outcome: tuple[list[_Event], list[_Event]]) -> None:
        if len(key[0]) > self.LONGEST:
            return
        if len(self._outcomes) >= self.SIZE:
            self._outcomes.clear()
        self._outcomes[key] = outcome


def compile_pack(pack: RulePack, selection: Selection) -> _Compiled:
    text: dict[Channel, list] = {c: [] for c in Channel}
    command, request, context, sequence, validators = [], [], [], [], []
    for rule in pack.rules:
        if rule.severity.value == "error":
            validators += [(rule, e) for e in rule.entries if e.matcher.unit == "request"]
        if not selection.chooses(rule):
            continue
        for entry in rule.entries:
            unit = entry.matcher.unit
            if unit == "text":
                for channel in entry.channels:
                    text[channel].append((rule, entry))
            else:
                {"command": command, "request": request, "context": context, "session": sequence}[unit].append(
                    (rule, entry)
                )
    command_index: dict[str, list[tuple[Rule, Entry]]] = {}
    command_any: list[tuple[Rule, Entry]] = []
    for rule, entry in command:
        if entry.matcher.program_globs or entry.matcher.launchers:
            command_any.append((rule, entry))
        for program in entry.matcher.programs:
            command_index.setdefault(program, []).append((rule, entry))
    keywords = tuple(sorted({k for rule in pack.rules if selection.chooses(rule) for k in rule.keywords}))
    entries = tuple((i, rule, entry) for i, rule in enumerate(pack.rules) for entry in rule.entries)
    return _Compiled(
        text, command, request, context, sequence, validators, command_index, command_any, keywords,
        _KeywordFinder(keywords), {c: _gated(pairs) for c, pairs in text.items()}, _gated(command), _gated(request),
        _gated(context), _RunCache(), _Memo(), _core.Scanner(packdata.pack_json(pack, selection.chooses)), entries,
    )


def _gated(pairs: list[tuple[Rule, Entry]]) -> list[_Gated]:
    return [(rule, entry, _gate(rule, entry)) for rule, entry in pairs]


def _gate(rule: Rule, entry: Entry) -> frozenset[str] | None:
    """The keywords that gate an entry (None: none do): a segment holding none of them is skipped.
    Sequence steps and `require` matchers (which fire on what is absent) are not gated."""
    if rule.keywords and entry.matcher.unit != "session" and not entry.ungated:
        return frozenset(rule.keywords)
    return None


class _KeywordFinder:
    """Which keywords occur in a segment: the prefilter every segment goes through.

    One pass of the core's Aho-Corasick automaton over the text finds them all
    (matched on the lower-case form, as `str.lower` makes it: the Kelvin sign lowers
    to `k`). Pickled as its keywords: the hook caches the compiled pack.
    """

    def __init__(self, keywords: tuple[str, ...]):
        self.keywords = keywords
        self._set = KeywordSet(list(keywords))

    def __reduce__(self):
        return _KeywordFinder, (self.keywords,)

    def present(self, text: str, lowered: str | None = None) -> frozenset[str]:
        return self._set.present(text)

    def present_shell(self, text: str) -> tuple[frozenset[str], bool]:
        """`present` of shell text, also read as bash reads it (quotes removed, escapes
        decoded: `g''cloud` is gcloud), and whether only that reading holds some."""
        return self._set.present_shell(text)

    def any_in(self, data: bytes) -> bool:
        """Whether UTF-8 `data` (invalid sequences read as U+FFFD) holds a keyword."""
        return self._set.any_in(data)


class DocumentScanner:
    """Scans one document's segments; `finish()` returns its findings and notices."""

    def __init__(
        self, pack: RulePack, compiled: _Compiled, *, no_ignore: bool = False, focus: frozenset[int] | None = None
    ):
        self.pack = pack
        self.params = pack.params
        self.compiled = compiled
        self.no_ignore = no_ignore
        # lines whose findings matter (the added lines of a diff): text elsewhere is
        # classified for its channel but not matched; None = every line
        self.focus = focus
        self.findings: list[Finding] = []
        self.notices: list[Notice] = []
        self._directives: dict[tuple[str, int], tuple[tuple[str, ...], str]] = {}
        self._approvals: dict[str, Suppression] = {}  # per session
        self._steps: dict[int, Segment] = {}  # segments holding a gateway step, by number
        self._number = 0  # the next segment's number (the core's count)
        self._doc = compiled.core.document(UNKNOWN, sorted(focus) if focus is not None else None)

    # -- input -----------------------------------------------------------------

    def feed(self, items: Iterable[Segment | Notice]) -> None:
        for item in items:
            if isinstance(item, Notice):
                self.notices.append(item)
            else:
                self.scan_segment(item)

    def scan_segment(self, seg: Segment) -> None:
        text = seg.text
        if not text:
            return
        if "vitana-guard:" in text:  # the directive is written in lower case (see _DIRECTIVE)
            collect_directives(self._directives, seg)
        number = self._number
        self._number += 1
        found, notices, approval, step = self._doc.scan(seg)
        if approval is not None:
            self._approvals[seg.origin.session] = approval_of(seg, approval)
        if step:
            self._steps[number] = seg
        for f in found:
            self.findings.append(self._finding(seg, f))
        self.notices += [Notice(m, p, line, level=level) for m, p, line, level in notices]

    def steps(self, session: str) -> list[tuple[str, Request]]:
        """The gateway steps (name, request) a session took so far, in order (before
        `finish`): what the live guard records of a call that ran."""
        return [(name, Request(*fields)) for name, fields in self._doc.steps(session)]

    def finish(self) -> tuple[list[Finding], list[Notice]]:
        found, notices = self._doc.finish()
        for f in found:
            self.findings.append(self._finding(self._steps[f[1]], f))
        self.notices += [Notice(m, p, line, level=level) for m, p, line, level in notices]
        self._steps.clear()
        self.findings = settle(self.findings, self._directives, self.no_ignore)
        return self.findings, self.notices

    def _finding(self, seg: Segment, found: tuple) -> Finding:
        rule_index, _, start, end, variables, approved = found
        suppression = self._approvals.get(seg.origin.session) if approved else None
        return finding_of(self.params, self.pack.rules[rule_index], seg, Hit(start, end, variables), suppression)


# -- findings (shared with the oracle) ------------------------------------------


def approval_of(seg: Segment, offset: int) -> Suppression:
    """A human's fallback approval at `offset` of a user segment."""
    line, _ = seg.position(offset)
    quote = " ".join(seg.text.split())[:200]
    where = f"{seg.origin.path}:{line}" + (f" ({seg.origin.record_id})" if seg.origin.record_id else "")
    return Suppression("external", f'fallback approved by the human at {where}: "{quote}"')


def finding_of(params: dict, rule: Rule, seg: Segment, hit: Hit, suppression: Suppression | None) -> Finding:
    whole = seg.text[hit.start : hit.end]
    # a request's field (create-pr `head`) is pointed at where it is written, not at
    # the request's first line; the fingerprint stays the whole request's (baselines)
    start, end = (None if seg.flat else _field_span(whole, hit)) or (0, len(whole))
    start, end = hit.start + start, hit.start + end
    line, column = seg.position(start)
    if seg.flat:
        end_line, end_column = line, column + 1
    else:
        end_line, end_column = seg.position(end)
    snippet = seg.text[start:end]
    # the command as it runs: line continuations (`\` newline) joined
    short = " ".join(_CONTINUATION.sub(" ", whole).split())
    if len(short) > 120:
        short = short[:117] + "..."
    variables: dict[str, Any] = {**params, **hit.variables, "matched": short}
    if suppression is not None and not _covered(rule.id, params["approval_covers"]):
        suppression = None
    origin = seg.origin
    return Finding(
        rule_id=rule.id,
        slug=rule.slug,
        severity=rule.severity,
        message=render_template(rule.message, variables),
        policy=rule.policy,
        path=origin.path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        snippet=snippet[:_SNIPPET_MAX],
        source_line=seg.source_line(start) if not seg.flat else snippet.split("\n", 1)[0][:_SNIPPET_MAX],
        fingerprint=fingerprint(rule.id, origin.path, whole),
        record_id=origin.record_id,
        commit=origin.commit,
        session=origin.session,
        suppression=suppression,
        properties={k: v for k, v in (("actor", origin.actor), ("status", origin.status), ("tool", origin.tool),
                                      ("via", origin.via)) if v},
    )


def collect_directives(directives: dict, seg: Segment) -> None:
    """The inline `vitana-guard: ignore[...] reason` directives of a segment, by line."""
    for m in _DIRECTIVE.finditer(seg.text, timeout=REGEX_TIMEOUT):
        line, _ = seg.position(m.start())
        ids = tuple(i.strip() for i in (m.group(1) or "").split(",") if i.strip())
        reason = m.group(2).strip().removesuffix("-->").strip() or "no reason given"
        directives[(seg.origin.path, line)] = (ids, reason)


def settle(findings: list[Finding], directives: dict, no_ignore: bool) -> list[Finding]:
    """Directives applied, duplicates dropped, sorted: a document's final findings."""
    if directives and not no_ignore:
        findings = [_apply_directive(f, directives) for f in findings]
    # one violation seen through two segments (a shell comment is both part of
    # the script and prose) is one finding
    unique: dict[tuple, Finding] = {}
    for f in findings:
        unique.setdefault((f.rule_id, f.path, f.line, f.column, f.commit), f)
    out = list(unique.values())
    out.sort(key=Finding.sort_key)
    return out


def _apply_directive(finding: Finding, directives: dict) -> Finding:
    if finding.suppression is not None:
        return finding
    for line in (finding.line, finding.line - 1):
        directive = directives.get((finding.path, line))
        if directive and (not directive[0] or _covered(finding.rule_id, directive[0])):
            return replace(finding, suppression=Suppression("inSource", directive[1]))
    return finding


_CONTINUATION = re.compile(r"\\\r?\n")


def _field_span(text: str, hit: Hit) -> tuple[int, int] | None:
    """Where a request field's offending value is written in the request's text
    (`"head": "x"`, `\\"head\\":\\"x\\"` inside a shell string, `head=x`), or None."""
    name, value = hit.variables.get("field"), hit.variables.get("value")
    if not name or not isinstance(value, str) or not value:
        return None
    m = re.search(r"\b" + re.escape(name) + r"""\\?["']?\s*[:=]\s*\\?["']?(""" + re.escape(value) + ")", text)
    return (m.start(1), m.end(1)) if m else None


def on_path(rule: Rule, path: str) -> bool:
    if rule.include and not pathglob.matches(path, rule.include):
        return False
    return not (rule.exclude and pathglob.matches(path, rule.exclude))


def _covered(rule_id: str, prefixes: Iterable[str]) -> bool:
    return any(rule_id.startswith(p) for p in prefixes)


def fingerprint(rule_id: str, path: str, snippet: str) -> str:
    """Content fingerprint: rule + path + whitespace-normalised matched text.
    Independent of line numbers, so it survives edits above the finding."""
    normal = " ".join(snippet.split())
    return hashlib.sha256(f"{rule_id}\0{path}\0{normal}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


def scan_segments(
    pack: RulePack, items: Iterable[Segment | Notice], *, selection: Selection = Selection(), no_ignore: bool = False
) -> tuple[list[Finding], list[Notice]]:
    scanner = DocumentScanner(pack, compile_pack(pack, selection), no_ignore=no_ignore)
    scanner.feed(items)
    return scanner.finish()
