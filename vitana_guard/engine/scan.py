"""Running a rule pack over the segments of one document (a file, a transcript, a PR).

The scan runs in the Rust core (`vitana_guard._core.Scanner`, crates/vitana_core/src/scan
and findings.rs): for each segment it picks the rule entries of its channel, drops those
whose keywords are absent (the cheap prefilter), derives the units the rest need (shell
commands, HTTP requests) once, runs every matcher, keeps session state (gateway steps,
tool-output evidence, a human's fallback approval), judges sequence rules when the
document ends, and makes the findings whole: positions, snippets, messages (the rules'
jinja2 templates, rendered with minijinja), fingerprints, approvals, inline
`vitana-guard: ignore[...]` directives, dedupe and order. This module only turns the
core's records into `Finding`s. The Python engine it replaced was deleted once the
differential test held.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from vitana_guard import _core
from vitana_guard._core import KeywordSet
from vitana_guard.engine import packdata
from vitana_guard.model import Actor, Channel, Finding, Notice, Severity, Status, Suppression
from vitana_guard.normalize.http import UNKNOWN

if TYPE_CHECKING:
    from vitana_guard.engine.rules import Entry, Rule, RulePack
    from vitana_guard.model import Request, Segment

# A document with more findings of one rule than this is pathological (a generated
# dump); the rest are summarised in a notice rather than flooding every report (the
# core's MAX_FINDINGS_PER_RULE).
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



class _Compiled:
    """The selected rules' entries grouped by the unit they take (per channel for text),
    every keyword of the selected rules with their finder, and the core's compiled pack
    (engine/packdata.py), which runs the scan. A plain class (made once per run, compared
    by identity): a dataclass would cost its definition on every start."""

    __slots__ = ("text", "command", "request", "context", "sequence", "keywords", "finder", "core")

    def __init__(self, text: dict[Channel, list[tuple[Rule, Entry]]], command: list[tuple[Rule, Entry]],
                 request: list[tuple[Rule, Entry]], context: list[tuple[Rule, Entry]],
                 sequence: list[tuple[Rule, Entry]], keywords: tuple[str, ...], finder: _KeywordFinder,
                 core: Any = None):
        self.text = text
        self.command = command
        self.request = request
        self.context = context
        self.sequence = sequence
        self.keywords = keywords  # every keyword of the selected rules
        self.finder = finder  # which of `keywords` a text holds
        self.core = core


def compile_pack(pack: RulePack, selection: Selection) -> _Compiled:
    text: dict[Channel, list] = {c: [] for c in Channel}
    command, request, context, sequence = [], [], [], []
    for rule in pack.rules:
        if not selection.chooses(rule):
            continue
        for entry in rule.entries:
            unit = entry.unit  # known without restoring the matcher from the pack cache
            if unit == "text":
                for channel in entry.channels:
                    text[channel].append((rule, entry))
            else:
                {"command": command, "request": request, "context": context, "session": sequence}[unit].append(
                    (rule, entry)
                )
    keywords = tuple(sorted({k for rule in pack.rules if selection.chooses(rule) for k in rule.keywords}))
    return _Compiled(text, command, request, context, sequence, keywords, _KeywordFinder(keywords),
                     _core.Scanner(packdata.pack_json(pack, selection.chooses)))


class _KeywordFinder:
    """Which keywords occur in a segment: the prefilter every segment goes through.

    One pass of the core's Aho-Corasick automaton over the text finds them all
    (matched on the lower-case form, as `str.lower` makes it: the Kelvin sign lowers
    to `k`). Pickled as its keywords: the hook caches the compiled pack. The automaton
    is built on first use: a `scan` never asks (the core's scanner has its own), `diff`
    and `history` do.
    """

    def __init__(self, keywords: tuple[str, ...]):
        self.keywords = keywords
        self._built: KeywordSet | None = None

    def __reduce__(self):
        return _KeywordFinder, (self.keywords,)

    @property
    def _set(self) -> KeywordSet:
        if self._built is None:
            self._built = KeywordSet(list(self.keywords))
        return self._built

    @property
    def keyword_set(self) -> KeywordSet:
        """The core's keyword set, for core calls that gate on it themselves."""
        return self._set

    def present(self, text: str, lowered: str | None = None) -> frozenset[str]:
        return self._set.present(text)

    def present_shell(self, text: str) -> tuple[frozenset[str], bool]:
        """`present` of shell text, also read as bash reads it (quotes removed, escapes
        decoded: `g''cloud` is gcloud), and whether only that reading holds some."""
        return self._set.present_shell(text)

    def any_in(self, data: bytes) -> bool:
        """Whether UTF-8 `data` (invalid sequences read as U+FFFD) holds a keyword."""
        return self._set.any_in(data)


@dataclass(frozen=True)
class FileText:
    """A whole file's text, fed to a DocumentScanner: classified and scanned in the core
    in one call (see `DocumentScanner.scan_file_text`)."""

    path: str  # as reported
    text: str


@dataclass(frozen=True)
class TranscriptFile:
    """A transcript file, fed to a DocumentScanner: read and scanned in the core in one
    call (see `DocumentScanner.scan_transcript`)."""

    path: str  # to read
    display_path: str  # as reported
    format: str | None
    keywords: tuple[str, ...] | None  # the reader's prefilter (None: read every record)


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
        self._doc = compiled.core.document(UNKNOWN, sorted(focus) if focus is not None else None, no_ignore)

    # -- input -----------------------------------------------------------------

    def feed(self, items: Iterable[Segment | Notice | FileText | TranscriptFile]) -> None:
        for item in items:
            if isinstance(item, Notice):
                self.notices.append(item)
            elif isinstance(item, FileText):
                self.scan_file_text(item.path, item.text)
            elif isinstance(item, TranscriptFile):
                self.scan_transcript(item)
            else:
                self.scan_segment(item)

    def scan_file_text(self, path: str, text: str) -> None:
        """A file's text, classified into segments by its kind and scanned: in the core,
        without a Python object per segment. A workflow's YAML is composed with PyYAML
        first (`sources/classify.py`), and its run spans go along."""
        kind = _core.file_kind(path, text[:256])
        yaml = None
        if kind == "workflow":
            from vitana_guard.sources import classify

            yaml = classify.workflow_yaml(text)
        self.notices += [Notice(m, p, line, level=level)
                         for m, p, line, level in self._doc.scan_file(path, text, kind, yaml)]

    def scan_file_bytes(self, path: str, data: bytes) -> int:
        """`scan_file_text` of a file's bytes (UTF-8, invalid sequences read as U+FFFD):
        decoded in the core, never made a Python str (but for a workflow). Returns the
        decoded text's UTF-8 length."""
        # 256 characters take at most 1,024 bytes; a sequence cut at the end only
        # changes what follows them
        kind = _core.file_kind(path, data[:1027].decode("utf-8", "replace")[:256])
        if kind == "workflow":
            text = data.decode("utf-8", "replace")
            self.scan_file_text(path, text)
            return len(text.encode("utf-8", "surrogatepass"))
        notices, size = self._doc.scan_file_bytes(path, data, kind)
        self.notices += [Notice(m, p, line, level=level) for m, p, line, level in notices]
        return size

    def scan_message(self, path: str, text: str, kind: str, commit: str | None = None) -> None:
        """A commit message or PR body, scanned in the core as `message.segments(path,
        text, kind, commit=commit)` gives it to `feed`, in one call."""
        self.notices += [Notice(m, p, line, level=level)
                         for m, p, line, level in self._doc.scan_message(path, text, kind, commit)]

    def scan_transcript(self, transcript: TranscriptFile) -> None:
        """A transcript read by the core's reader and scanned record by record, without a
        Python object per record (`transcripts.read` gives the same segments to Python)."""
        keywords = list(transcript.keywords) if transcript.keywords is not None else None
        self.notices += [Notice(m, p, line, level=level) for m, p, line, level in
                         self._doc.scan_transcript(transcript.path, transcript.display_path, transcript.format,
                                                   keywords)]

    def scan_segment(self, seg: Segment) -> None:
        if not seg.text:
            return
        self.notices += [Notice(m, p, line, level=level) for m, p, line, level in self._doc.scan(seg)]

    def steps(self, session: str) -> list[tuple[str, Request]]:
        """The gateway steps (name, request) a session took so far, in order (before
        `finish`): what the live guard records of a call that ran."""
        from vitana_guard.model import Request

        return [(name, Request(*fields)) for name, fields in self._doc.steps(session)]

    def finish(self) -> tuple[list[Finding], list[Notice]]:
        found, notices = self._doc.finish()
        self.notices += [Notice(m, p, line, level=level) for m, p, line, level in notices]
        self.findings = [finding_from_core(*f) for f in found]
        return self.findings, self.notices


_PROPERTY_TYPES = {"actor": Actor, "status": Status}


def finding_from_core(rule_id, slug, severity, message, policy, path, line, column, end_line, end_column, snippet, source_line,
             fingerprint, record_id, commit, session, suppression, properties) -> Finding:
    """A `Finding` of the core's record (crates/vitana_py/src/scan.rs, `finding_to_py`)."""
    return Finding(
        rule_id=rule_id, slug=slug, severity=Severity(severity), message=message, policy=policy, path=path,
        line=line, column=column, end_line=end_line, end_column=end_column, snippet=snippet,
        source_line=source_line, fingerprint=fingerprint, record_id=record_id, commit=commit, session=session,
        suppression=Suppression(*suppression) if suppression is not None else None,
        properties={k: _PROPERTY_TYPES[k](v) if k in _PROPERTY_TYPES else v for k, v in properties},
    )


def fingerprint(rule_id: str, path: str, snippet: str) -> str:
    """Content fingerprint: rule + path + whitespace-normalised matched text.
    Independent of line numbers, so it survives edits above the finding (the core's
    `findings::fingerprint` makes the scan's; this one, findings made elsewhere)."""
    import hashlib  # findings made outside the core only

    normal = " ".join(snippet.split())
    return hashlib.sha256(f"{rule_id}\0{path}\0{normal}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


def scan_segments(
    pack: RulePack, items: Iterable[Segment | Notice], *, selection: Selection = Selection(), no_ignore: bool = False
) -> tuple[list[Finding], list[Notice]]:
    scanner = DocumentScanner(pack, compile_pack(pack, selection), no_ignore=no_ignore)
    scanner.feed(items)
    return scanner.finish()
