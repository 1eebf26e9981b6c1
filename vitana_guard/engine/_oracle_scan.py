"""The Python engine's per-document scan: the oracle of tests/test_parity_scan.py.
The scan the tool runs is the Rust core's (engine/scan.py); this one, its original,
stays only to check that the two agree.

Running a rule pack over the segments of one document (a file, a transcript, a PR).

For each segment the scanner picks the rule entries of its channel, drops those
whose keywords are absent (the cheap prefilter), derives the units the rest need
(shell commands, HTTP requests) once, and turns matcher hits into Findings.
Session state (gateway steps, tool-output evidence, a human's fallback approval)
lives per transcript session; sequence rules are judged when the document ends.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Iterable, Iterator

import regex

from vitana_guard import pathglob
from vitana_guard.engine import gateway
from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, RulePattern
from vitana_guard.engine.matchers.context import Evidence
from vitana_guard.engine.params import render_template
from vitana_guard.engine.rules import Entry, Rule, RulePack
from vitana_guard.engine.scan import (  # noqa: F401 (shared with the core-backed scan)
    MAX_FINDINGS_PER_RULE, Selection, _Compiled, _KeywordFinder, compile_pack, fingerprint,
)
from vitana_guard.model import Actor, Channel, Command, Finding, Notice, Request, Segment, Status, Suppression
from vitana_guard.normalize import http, mentions, shell

_DIRECTIVE = regex.compile(r"vitana-guard:\s*ignore(?:\[([A-Za-z0-9, ]*)\])?[ \t]*([^\n]*)")
_SNIPPET_MAX = 200
_WHOLE_PARSE_BELOW = 2048  # characters: shorter scripts are parsed whole


_Gated = tuple[Rule, Entry, "frozenset[str] | None"]
_Event = tuple[Rule, "Hit | None"]  # a matcher's hit, or None: it timed out


class _Memo(dict):
    """A dict of what can be worked out again: pickled empty."""

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


@dataclass(frozen=True, eq=False)
class _OracleCompiled:
    """What this engine reads of a compiled pack (`scan._Compiled`, whose groups and
    finder it shares), plus its own indexes and caches."""

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
    keywords: tuple[str, ...]
    finder: _KeywordFinder
    # `text`, `command`, `request` and `context` with each entry's gate (see `_gate`)
    gated_text: dict[Channel, list[_Gated]]
    gated_command: list[_Gated]
    gated_request: list[_Gated]
    gated_context: list[_Gated]
    runs: _RunCache  # outcomes of shell runs (see DocumentScanner._run_events)
    # entries of a gated list that apply to a channel, actor and kind (see _applying), the
    # statement keywords of the command entries in play (_statement_keywords) and the
    # entries to try on a program (_plan)
    applying: _Memo


_BUILT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def compiled_for(pack: RulePack, compiled: _Compiled) -> _OracleCompiled:
    """This engine's view of a compiled pack, built once per pack object."""
    built = _BUILT.get(compiled)
    if built is None:
        validators = [(r, e) for r in pack.rules if r.severity.value == "error"
                      for e in r.entries if e.matcher.unit == "request"]
        command_index: dict[str, list[tuple[Rule, Entry]]] = {}
        command_any: list[tuple[Rule, Entry]] = []
        for rule, entry in compiled.command:
            if entry.matcher.program_globs or entry.matcher.launchers:
                command_any.append((rule, entry))
            for program in entry.matcher.programs:
                command_index.setdefault(program, []).append((rule, entry))
        built = _BUILT[compiled] = _OracleCompiled(
            compiled.text, compiled.command, compiled.request, compiled.context, compiled.sequence, validators,
            command_index, command_any, compiled.keywords, compiled.finder,
            {c: _gated(pairs) for c, pairs in compiled.text.items()}, _gated(compiled.command),
            _gated(compiled.request), _gated(compiled.context), _RunCache(), _Memo(),
        )
    return built


def _gated(pairs: list[tuple[Rule, Entry]]) -> list[_Gated]:
    return [(rule, entry, _gate(rule, entry)) for rule, entry in pairs]


def _gate(rule: Rule, entry: Entry) -> frozenset[str] | None:
    """The keywords that gate an entry (None: none do): a segment holding none of them is skipped.
    Sequence steps and `require` matchers (which fire on what is absent) are not gated."""
    if rule.keywords and entry.matcher.unit != "session" and not entry.ungated:
        return frozenset(rule.keywords)
    return None


@dataclass
class _Step:
    name: str
    segment: Segment
    request: Request


@dataclass
class _Session:
    steps: list[_Step] = field(default_factory=list)
    evidence: dict[int, Evidence] = field(default_factory=dict)
    approval: Suppression | None = None


class DocumentScanner:
    """Scans one document's segments; `finish()` returns its findings and notices."""

    def __init__(
        self, pack: RulePack, compiled: _Compiled, *, no_ignore: bool = False, focus: frozenset[int] | None = None
    ):
        self.pack = pack
        self.params = pack.params
        self.compiled = compiled_for(pack, compiled)
        self.no_ignore = no_ignore
        # lines whose findings matter (the added lines of a diff): text elsewhere is
        # classified for its channel but not matched; None = every line
        self.focus = focus
        self.findings: list[Finding] = []
        self.notices: list[Notice] = []
        self._sessions: dict[str, _Session] = {}
        self._directives: dict[tuple[str, int], tuple[tuple[str, ...], str]] = {}
        self._timeouts: set[tuple[str, str]] = set()  # (rule, path) already reported
        self._fits: dict[tuple, list[_Gated]] = {}  # see _applicable
        self._paths: dict[tuple[str, str], bool] = {}  # see _on_path
        self._counts: dict[str, int] = {}  # findings per rule in this document

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
        origin = seg.origin
        session = self._sessions.setdefault(origin.session, _Session()) if origin.session else None
        if "vitana-guard:" in text:  # the directive is written in lower case (see _DIRECTIVE)
            self._collect_directives(seg)
        if self.focus is not None and not self._touches_focus(seg):
            return
        lowered = text.lower()
        # a command is gated on what it runs: `g''cloud` runs gcloud, so its keyword
        # counts, and only parsing the whole text tells which statement spells it
        hidden = False
        if seg.channel is Channel.COMMAND:
            present, hidden = self.compiled.finder.present_shell(text)
        else:
            present = self.compiled.finder.present(text, lowered)
        taken: list[tuple[str, int, int]] = []

        calls: str | None = None  # the text without mentions, made when an entry needs it
        for rule, entry, gate in self._applicable(self.compiled.gated_text[seg.channel], seg):
            if gate is None or not present.isdisjoint(gate):
                subject = text
                if entry.calls_only and seg.channel is Channel.COMMAND:
                    if calls is None:
                        calls = mentions.calls_text(text)
                    subject = calls
                try:
                    for hit in entry.matcher.match(subject):
                        self._report(rule, seg, hit, taken, session)
                except TimeoutError:
                    self._timed_out(rule, seg)

        if session is not None:
            self._session_text(seg, session, present, taken)

        if seg.channel is Channel.COMMAND:
            self._scan_commands(seg, lowered, present, taken, session, hidden)
        elif seg.channel is Channel.REQUEST:
            self._scan_requests(seg, present, http.requests_from_http_block(text), taken, session)

    def steps(self, session: str) -> list[tuple[str, Request]]:
        s = self._sessions.get(session)
        return [(step.name, step.request) for step in s.steps] if s else []

    def finish(self) -> tuple[list[Finding], list[Notice]]:
        for session in self._sessions.values():
            self._judge_sequence(session)
        self._sessions.clear()
        if self._directives and not self.no_ignore:
            self.findings = [self._apply_directive(f) for f in self.findings]
        # one violation seen through two segments (a shell comment is both part of
        # the script and prose) is one finding
        unique: dict[tuple, Finding] = {}
        for f in self.findings:
            unique.setdefault((f.rule_id, f.path, f.line, f.column, f.commit), f)
        self.findings = list(unique.values())
        self.findings.sort(key=Finding.sort_key)
        return self.findings, self.notices

    # -- units -----------------------------------------------------------------

    def _scan_commands(
        self, seg: Segment, lowered: str, present: frozenset[str], taken: list, session: _Session | None,
        hidden: bool = False,
    ) -> None:
        """Parse the shell only when a rule still wants it; try on each command only
        the entries that may match its program."""
        eligible = self._in_play(self.compiled.gated_command, seg, present)
        request_entries = self._in_play(self.compiled.gated_request, seg, present, Channel.REQUEST)
        wants_requests = bool(request_entries) or (bool(self.compiled.sequence) and _is_step_source(seg))
        if not eligible and not wants_requests:
            return
        ids = frozenset(id(e) for _, e in eligible)
        runs = [(0, len(seg.text))] if hidden else self._runs(seg, lowered, ids, wants_requests)
        if session is not None:  # a session's steps need the requests themselves
            commands = shell.parse_statements(seg.text, runs)
            self._replay(seg, self._command_events(commands, ids), taken, session)
            if wants_requests:
                self._scan_requests(seg, present, _requests(commands), taken, session, request_entries)
            return
        rules = (ids, tuple([id(e) for _, e in request_entries]))
        command_events: list[_Event] = []
        request_events: list[_Event] = []
        for s, e in runs:
            in_run = self._run_events(seg.text[s:e], rules, request_entries)
            if in_run[0] or in_run[1]:
                command_events += _shifted(in_run[0], s)
                request_events += _shifted(in_run[1], s)
        self._replay(seg, command_events + request_events, taken, session)

    def _run_events(
        self, run: str, rules: tuple[frozenset[int], tuple[int, ...]], request_entries: list[tuple[Rule, Entry]],
        *, line: bool = False,
    ) -> tuple[list[_Event], list[_Event]]:
        """What the commands of one run of statements (parsed on its own, offsets
        from its start) give to the command entries (`rules[0]`), then to the request
        entries (`request_entries`, ids in `rules[1]`).

        Scripts repeat their statements (and a history scans each file once per
        commit), so outcomes are kept by run text and entries in play: a matcher
        sees only its command or request, and places its hits by their offsets. A run
        of plain command lines is the sum of its lines, each kept on its own (`line`:
        `run` is such a line)."""
        key = (run, rules)
        known = self.compiled.runs.get(key)
        if known is not None:
            return known
        several = not line and run.find("\n", 0, len(run) - 1) >= 0
        lines = shell.plain_lines(run) if several else None
        if lines is not None:
            events: tuple[list[_Event], list[_Event]] = ([], [])
            for s, e in lines:
                if run[s:e].lstrip(" \t\r")[:1] in ("", "#", "\n"):
                    continue  # a blank or comment line runs nothing
                in_line = self._run_events(run[s:e], rules, request_entries, line=True)
                events[0].extend(_shifted(in_line[0], s))
                events[1].extend(_shifted(in_line[1], s))
        else:
            commands = shell.parse(run)
            events = (
                self._command_events(commands, rules[0]),
                _request_events(_requests(commands), request_entries) if request_entries else [],
            )
        if not any(hit is None for part in events for _, hit in part):  # a timeout may not recur
            self.compiled.runs.put(key, events)
        return events

    def _command_events(self, commands: list[Command], eligible: frozenset[int]) -> list[_Event]:
        """Try on each command the eligible entries indexed under its program, then
        those matching by glob or launcher that its program passes (one plan per
        program: a script runs the same few programs over and over)."""
        events: list[_Event] = []
        if not eligible:
            return events
        for cmd in commands:
            program = cmd.program
            if program is None:
                continue
            if program == shell.DEPTH_MARKER:
                events.append((None, Hit(cmd.start, cmd.end)))  # see _replay
                continue
            base = program.rsplit("/", 1)[-1]
            plan = self.compiled.applying.get(("plan", base, eligible))
            if plan is None:
                plan = self.compiled.applying[("plan", base, eligible)] = self._plan(base, eligible)
            _match_into(events, cmd, plan)
        return events

    def _replay(self, seg: Segment, events: list[_Event], taken: list, session: _Session | None) -> None:
        """Report hits and timeouts in the order the matchers gave them."""
        for rule, hit in events:
            if rule is None:
                self._too_deep(seg, hit)
            elif hit is None:
                self._timed_out(rule, seg)
            else:
                self._report(rule, seg, hit, taken, session)

    def _plan(self, base: str, eligible: frozenset[int]) -> list[tuple[Rule, Entry]]:
        """The eligible command entries that may match a command run as `base`, in order."""
        plan = [(r, e) for r, e in self.compiled.command_index.get(base, ()) if id(e) in eligible]
        for rule, entry in self.compiled.command_any:
            matcher = entry.matcher
            # a program that is no launcher matches or not by its name alone
            if id(entry) in eligible and (base in matcher.launchers or matcher.program_matches(base, ())):
                plan.append((rule, entry))
        return plan

    def _runs(self, seg: Segment, lowered: str, eligible: frozenset[int], wants_requests: bool) -> list[tuple[int, int]]:
        """The spans of a segment to parse, adjacent statements merged into runs. A
        long script is cut into statements and only those holding a keyword of the
        rules still in play are parsed (the parser is the costliest step on
        shell-heavy trees)."""
        text = seg.text
        whole = [(0, len(text))]
        if (len(text) < _WHOLE_PARSE_BELOW and self.focus is None) or (wants_requests and seg.origin.session):
            return whole
        keywords = self._statement_keywords(eligible, wants_requests)
        lines_kept = len(lowered) == len(text) and (keywords is None or not any(k == "" or "\n" in k for k in keywords))
        if self.focus is not None and lines_kept:
            # the statements at the focus lines (few), then those of them holding a keyword
            spans = shell.statements_at(text, self._focus_offsets(seg))
            if spans is not None and keywords is not None:
                spans = [(s, e) for s, e in spans if any(k in lowered[s:e] for k in keywords)]
            return whole if spans is None else shell.runs(spans)
        if keywords is None:
            spans = shell.statements(text)
        elif lines_kept:
            # offsets in `lowered` are offsets in `text`, and no keyword crosses a line
            spans = shell.statements_at(text, _line_hits(lowered, keywords))
        else:
            spans = shell.statements(text)
            if spans is not None:
                spans = [(s, e) for s, e in spans if any(k in lowered[s:e] for k in keywords)]
        if spans is None:
            return whole
        if self.focus is not None:
            spans = self._focused(seg, spans)
        return shell.runs(spans)

    def _statement_keywords(self, eligible: frozenset[int], wants_requests: bool) -> frozenset[str] | None:
        """The keywords one of which a statement must hold to be parsed; None when a
        rule in play has none (every statement is parsed). The same few sets recur in
        every document, so they are kept with the compiled pack."""
        key = ("statement keywords", eligible, wants_requests)
        if key in self.compiled.applying:
            return self.compiled.applying[key]
        words = {k for r, e in self.compiled.command if id(e) in eligible for k in r.keywords}
        if wants_requests:
            words |= set(http.CLIENT_PROGRAMS)
        keywords = None
        if words and all(r.keywords for r, e in self.compiled.command if id(e) in eligible):
            keywords = frozenset(words)
        self.compiled.applying[key] = keywords
        return keywords

    def _focused(self, seg: Segment, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The statement spans (in order) that touch a focus line."""
        text, focus, kept = seg.text, self.focus, []
        line, pos = seg.position(0)[0], 0
        for s, e in spans:
            line += text.count("\n", pos, s)
            pos = s
            last = line + text.count("\n", s, max(s, e - 1))
            if any(n in focus for n in range(line, last + 1)):
                kept.append((s, e))
        return kept

    def _focus_offsets(self, seg: Segment) -> list[int]:
        """Where each focus line within the segment starts in its text (its lines are
        the source's, in order, from its first), in no order: statements_at sorts them."""
        first = seg.position(0)[0]
        starts = shell.line_starts(seg.text)
        size = len(seg.text)
        return [starts[k] for n in self.focus or () if 0 <= (k := n - first) < len(starts) and starts[k] < size]

    def _touches_focus(self, seg: Segment) -> bool:
        """Whether the segment spans a focus line."""
        last = seg.line if seg.flat else seg.line + seg.text.count("\n")
        return any(seg.line <= line <= last for line in self.focus)

    def _scan_requests(
        self, seg: Segment, present: frozenset[str], requests: list[Request], taken: list, session: _Session | None,
        entries: list[tuple[Rule, Entry]] | None = None,
    ) -> None:
        """Match requests against the request entries in play (`entries` when the
        caller has them)."""
        if not requests:
            return
        if entries is None:
            entries = self._in_play(self.compiled.gated_request, seg, present, Channel.REQUEST)
        for request in requests:
            events: list[_Event] = []
            _match_into(events, request, entries)
            self._replay(seg, events, taken, session)
            if session is not None and self.compiled.sequence and _is_step_source(seg):
                step = self._step_name(request)
                if step and not self._rejected(request, seg):
                    session.steps.append(_Step(step, seg, request))

    def _rejected(self, request: Request, seg: Segment) -> bool:
        """Would the gateway refuse this call (an error-level contract finding)?"""
        return any(
            next(self._bounded(rule, seg, entry.matcher.match(request)), None) for rule, entry in self.compiled.validators
        )

    def _step_name(self, request: Request) -> str | None:
        endpoint = gateway.endpoint_of(request, self.params)
        if endpoint == "health":
            return "verify"
        if endpoint is None:
            return "verify" if gateway.is_feature_check(request, self.params) else None
        return None if endpoint == gateway.UNKNOWN_ENDPOINT else endpoint

    # -- sessions ----------------------------------------------------------------

    def _session_text(self, seg: Segment, session: _Session, present: frozenset[str], taken: list) -> None:
        actor = seg.origin.actor
        if seg.channel is Channel.OUTPUT:
            for i, (rule, entry) in enumerate(self.compiled.context):
                try:
                    entry.matcher.observe(seg.text, session.evidence.setdefault(i, Evidence()))
                except TimeoutError:
                    self._timed_out(rule, seg)
        elif seg.channel is Channel.USER and actor is Actor.HUMAN and session.approval is None:
            m = _regex(self.params["approval_pattern"]).search(seg.text, timeout=REGEX_TIMEOUT)
            if m and not _regex(self.params["approval_negation"]).search(seg.text, timeout=REGEX_TIMEOUT):
                line, _ = seg.position(m.start())
                quote = " ".join(seg.text.split())[:200]
                where = f"{seg.origin.path}:{line}" + (f" ({seg.origin.record_id})" if seg.origin.record_id else "")
                session.approval = Suppression("external", f'fallback approved by the human at {where}: "{quote}"')
        for i, (rule, entry, gate) in enumerate(self.compiled.gated_context):
            if (gate is None or not present.isdisjoint(gate)) and self._statically_eligible(rule, entry, seg):
                evidence = session.evidence.setdefault(i, Evidence())
                try:
                    for hit in entry.matcher.match(seg.text, evidence):
                        self._report(rule, seg, hit, taken, session)
                except TimeoutError:
                    self._timed_out(rule, seg)

    def _judge_sequence(self, session: _Session) -> None:
        if not session.steps:
            return
        names = [s.name for s in session.steps]
        for rule, entry in self.compiled.sequence:
            matcher = entry.matcher
            for i in matcher.judge(names):
                step = session.steps[i]
                missing = matcher.requires_before or " or ".join(matcher.requires_after) or ""
                hit = Hit(step.request.start, step.request.end, {"step": step.name, "missing": missing})
                self._report(rule, step.segment, hit, [], session)

    def _bounded(self, rule: Rule, seg: Segment, hits: Iterable[Hit]) -> Iterator[Hit]:
        """A matcher's hits; a regex that runs out of time ends them with a Notice
        (the rule could not be applied here) instead of ending the scan."""
        try:
            yield from hits
        except TimeoutError:
            self._timed_out(rule, seg)

    def _too_deep(self, seg: Segment, hit: Hit) -> None:
        """Shell nested deeper than the reader follows (MAX_DEPTH substitutions or nested
        scripts) was left unread: an input error, so a scan exits 2 and the guard denies."""
        line, _ = seg.position(hit.start)
        self.notices.append(Notice(
            f"shell nested deeper than {shell.MAX_DEPTH} levels was not read; what it runs is not judged",
            seg.origin.path, line, level="error"))

    def _timed_out(self, rule: Rule, seg: Segment) -> None:
        key = (rule.id, seg.origin.path)
        if key in self._timeouts:
            return
        self._timeouts.add(key)
        line, _ = seg.position(0)
        self.notices.append(
            Notice(
                f"{rule.id}: regex timed out after {REGEX_TIMEOUT}s; the rule was not applied to this text",
                seg.origin.path,
                line,
                level="error",
            )
        )

    # -- findings ----------------------------------------------------------------

    def _in_play(
        self, gated: list[_Gated], seg: Segment, present: frozenset[str], unit_channel: Channel | None = None
    ) -> list[tuple[Rule, Entry]]:
        """The entries that apply to a segment and whose keyword gate it passes."""
        return [
            (r, e) for r, e, g in self._applicable(gated, seg, unit_channel) if g is None or not present.isdisjoint(g)
        ]

    def _applicable(self, gated: list[_Gated], seg: Segment, unit_channel: Channel | None = None) -> list[_Gated]:
        """The entries of `gated` that apply to a segment's channel, actor, kind and
        path: the same for most segments of a document, so worked out once."""
        origin = seg.origin
        channel = unit_channel or seg.channel
        key = (id(gated), channel, origin.actor, origin.kind, origin.path)
        fit = self._fits.get(key)
        if fit is None:
            applying = self._applying(gated, channel, origin.actor, origin.kind)
            path = origin.path
            fit = self._fits[key] = [(r, e, g) for r, e, g in applying
                                     if not (r.include or r.exclude) or self._on_path(r, path)]
        return fit

    def _applying(self, gated: list[_Gated], channel: Channel, actor: Actor | None, kind: str) -> list[_Gated]:
        """The entries of `gated` that apply to a channel, actor and kind, paths
        aside: the same for every file of a kind, so kept with the compiled pack."""
        key = (id(gated), channel, actor, kind)
        applying = self.compiled.applying.get(key)
        if applying is None:
            applying = self.compiled.applying[key] = [(r, e, g) for r, e, g in gated if e.applies(channel, actor, kind)]
        return applying

    def _on_path(self, rule: Rule, path: str) -> bool:
        """Whether a rule's `paths` take in `path` (once per rule and path: its
        entries share the answer)."""
        key = (rule.id, path)
        ok = self._paths.get(key)
        if ok is None:
            ok = self._paths[key] = _on_path(rule, path)
        return ok

    def _statically_eligible(self, rule: Rule, entry: Entry, seg: Segment) -> bool:
        """Channel, actor, kind and path: what does not depend on the text."""
        origin = seg.origin
        return entry.applies(seg.channel, origin.actor, origin.kind) and self._on_path(rule, origin.path)

    def _report(self, rule: Rule, seg: Segment, hit: Hit, taken: list, session: _Session | None) -> None:
        count = self._counts.get(rule.id, 0)
        if count >= MAX_FINDINGS_PER_RULE:
            if count == MAX_FINDINGS_PER_RULE:
                self._counts[rule.id] = count + 1
                self.notices.append(Notice(
                    f"{rule.id}: more than {MAX_FINDINGS_PER_RULE} findings in this document; the rest are not reported",
                    seg.origin.path, seg.line, level="note"))
            return
        for rid, s, e in taken:
            if rid == rule.id and hit.start < e and s < hit.end:
                return  # the same violation through another entry of the rule
        taken.append((rule.id, hit.start, hit.end))
        self._counts[rule.id] = count + 1
        self.findings.append(self._finding(rule, seg, hit, session))

    def _finding(self, rule: Rule, seg: Segment, hit: Hit, session: _Session | None) -> Finding:
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
        variables: dict[str, Any] = {**self.params, **hit.variables, "matched": short}
        suppression = None
        if session is not None and session.approval is not None and _covered(rule.id, self.params["approval_covers"]):
            suppression = session.approval
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

    # -- inline suppressions -----------------------------------------------------

    def _collect_directives(self, seg: Segment) -> None:
        for m in _DIRECTIVE.finditer(seg.text, timeout=REGEX_TIMEOUT):
            line, _ = seg.position(m.start())
            ids = tuple(i.strip() for i in (m.group(1) or "").split(",") if i.strip())
            reason = m.group(2).strip().removesuffix("-->").strip() or "no reason given"
            self._directives[(seg.origin.path, line)] = (ids, reason)

    def _apply_directive(self, finding: Finding) -> Finding:
        if finding.suppression is not None:
            return finding
        for line in (finding.line, finding.line - 1):
            directive = self._directives.get((finding.path, line))
            if directive and (not directive[0] or _covered(finding.rule_id, directive[0])):
                return replace(finding, suppression=Suppression("inSource", directive[1]))
        return finding


def _requests(commands: list[Command]) -> list[Request]:
    """The HTTP requests the commands make (every command request_from_command
    reads names a client in its program)."""
    return [r for c in commands if c.program and _names_client(c.program) and (r := http.request_from_command(c))]


def _request_events(requests: list[Request], entries: list[tuple[Rule, Entry]]) -> list[_Event]:
    events: list[_Event] = []
    for request in requests:
        _match_into(events, request, entries)
    return events


def _match_into(events: list[_Event], unit: Command | Request, entries: list[tuple[Rule, Entry]]) -> None:
    """Every entry's hits on one command or request; a timed-out matcher leaves a None
    hit (reported once per rule and document), after the hits it found before."""
    for rule, entry in entries:
        try:
            for hit in entry.matcher.match(unit):
                events.append((rule, hit))
        except TimeoutError:
            events.append((rule, None))


_CONTINUATION = re.compile(r"\\\r?\n")


def _field_span(text: str, hit: Hit) -> tuple[int, int] | None:
    """Where a request field's offending value is written in the request's text
    (`"head": "x"`, `\\"head\\":\\"x\\"` inside a shell string, `head=x`), or None."""
    name, value = hit.variables.get("field"), hit.variables.get("value")
    if not name or not isinstance(value, str) or not value:
        return None
    m = re.search(r"\b" + re.escape(name) + r"""\\?["']?\s*[:=]\s*\\?["']?(""" + re.escape(value) + ")", text)
    return (m.start(1), m.end(1)) if m else None


def _shifted(events: list[_Event], by: int) -> list[_Event]:
    """Events of a run placed in its segment: hits moved by the run's offset."""
    if not by:
        return events
    return [(rule, hit if hit is None else Hit(hit.start + by, hit.end + by, hit.variables)) for rule, hit in events]


@lru_cache(maxsize=64)
def _regex(pattern: str) -> RulePattern:
    """A policy parameter's regex (its own inline flags only), compiled once per process
    (not per document)."""
    return RulePattern(pattern, False, multi_line=False)


@lru_cache(maxsize=4096)
def _names_client(program: str) -> bool:
    """Whether a program's name holds one of the HTTP clients' (curl, wget, ...)."""
    lowered = program.lower()
    return any(c in lowered for c in http.CLIENT_PROGRAMS)


def _line_hits(lowered: str, keywords: Iterable[str]) -> list[int]:
    """An offset of each keyword on every line where it occurs (the first one: the
    rest of a line is in the same statement)."""
    hits: list[int] = []
    for k in keywords:
        p = lowered.find(k)
        while p >= 0:
            hits.append(p)
            eol = lowered.find("\n", p)
            if eol < 0:
                break
            p = lowered.find(k, eol + 1)
    return hits


def _on_path(rule: Rule, path: str) -> bool:
    if rule.include and not pathglob.matches(path, rule.include):
        return False
    return not (rule.exclude and pathglob.matches(path, rule.exclude))


def _covered(rule_id: str, prefixes: Iterable[str]) -> bool:
    return any(rule_id.startswith(p) for p in prefixes)


def _is_step_source(seg: Segment) -> bool:
    """An executed (or attempted) agent call, not a suggestion or a quote."""
    origin = seg.origin
    return origin.actor is Actor.AGENT and origin.status is not None and origin.status.ran


def scan_segments(
    pack: RulePack, items: Iterable[Segment | Notice], *, selection: Selection = Selection(), no_ignore: bool = False
) -> tuple[list[Finding], list[Notice]]:
    scanner = DocumentScanner(pack, compile_pack(pack, selection), no_ignore=no_ignore)
    scanner.feed(items)
    return scanner.finish()
