"""Matcher kinds. Each module has `compile(spec, params, where) -> Matcher`.

A matcher looks at one kind of unit: the text of a segment, a parsed shell
command, a reconstructed HTTP request, or the ordered steps of a session, and
yields Hits (a span of the segment text). Which unit a matcher takes is its
`unit` attribute; the scanner feeds it nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Iterator

from vitana_guard._core import Regex
from vitana_guard.errors import UsageError

# The Python matchers' `match` (no scan runs them since the Python engine was deleted;
# tests/test_engine.py still does) run a regex the linear-time engine cannot (look-around,
# back-references) on the backtracking `regex` module, bounded by this timeout; the core
# runs it on its own bounded engine. `regex` is imported where a pattern is compiled:
# a pack restored from the cache (`diff`, `history`) compiles none.
REGEX_TIMEOUT = 0.25


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Span:
    """A regex match: the part of `regex.Match`'s API the matchers use."""

    text: str
    begin: int
    finish: int

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish

    def group(self) -> str:
        return self.text[self.begin : self.finish]


class RulePattern:
    """A rule's regex, multi-line, as the Python matchers run it: on the
    core's linear-time engine (the `regex` crate) where it runs there; else on the
    `regex` module under REGEX_TIMEOUT. `engine` and `fallback_reason` say which engine
    the core runs it on ("linear", or "backtracking (bounded)" for look-around and
    back-references), for `rules show`. `search` and `finditer` take the `timeout`
    keyword of `regex.Pattern` and ignore it on the linear engine.

    A pattern the `regex` module reads but neither engine of the core can run is a rule
    error (`compile_regex`).

    A pattern restored from the pack cache was checked when the pack was built: it is
    compiled on first use only (the core's scanner runs most of a pack's regexes itself,
    and a hook call should not pay for compiling them twice)."""

    __slots__ = ("pattern", "ignore_case", "multi_line", "_linear", "_backtracking", "_engine", "_reason", "_ready")

    def __init__(self, pattern: str, ignore_case: bool, *, multi_line: bool = True, checked: bool = False):
        self.pattern = pattern
        self.ignore_case = ignore_case
        self.multi_line = multi_line
        self._ready = False
        if not checked:
            # the `regex` module's reading is the rule language: it validates every pattern
            _backtracking(pattern, ignore_case, multi_line)
            self._compile()

    def _compile(self) -> None:
        self._backtracking: regex.Pattern | None = None
        core = Regex(self.pattern, self.ignore_case, self.multi_line)  # ValueError: the core cannot run it
        self._engine: str = core.engine
        self._reason: str | None = core.reason
        self._linear: Regex | None = core if self._engine == "linear" else None
        if self._linear is None:
            self._backtracking = _backtracking(self.pattern, self.ignore_case, self.multi_line)
        self._ready = True

    def __reduce__(self):  # the compiled pack is cached: keep the pattern, compile on use
        return _restore, (self.pattern, self.ignore_case, self.multi_line)

    @property
    def engine(self) -> str:
        if not self._ready:
            self._compile()
        return self._engine

    @property
    def fallback_reason(self) -> str | None:
        if not self._ready:
            self._compile()
        return self._reason

    def search(self, text: str, timeout: float | None = None) -> Span | None:
        if not self._ready:
            self._compile()
        if self._linear is not None:
            found = self._linear.search(text)
            return Span(text, *found) if found else None
        m = self._backtracking.search(text, timeout=REGEX_TIMEOUT)
        return Span(text, m.start(), m.end()) if m else None

    def finditer(self, text: str, timeout: float | None = None) -> Iterator[Span]:
        if not self._ready:
            self._compile()
        if self._linear is not None:
            for start, end in self._linear.find_all(text):
                yield Span(text, start, end)
            return
        for m in self._backtracking.finditer(text, timeout=REGEX_TIMEOUT):
            yield Span(text, m.start(), m.end())


def _backtracking(pattern: str, ignore_case: bool, multi_line: bool = True) -> regex.Pattern:
    import regex

    flags = (regex.VERSION1 | (regex.MULTILINE if multi_line else 0)
             | (regex.IGNORECASE if ignore_case else 0))
    return regex.compile(pattern, flags)


def _restore(pattern: str, ignore_case: bool, multi_line: bool) -> RulePattern:
    return RulePattern(pattern, ignore_case, multi_line=multi_line, checked=True)


def compile_regex(pattern: str, where: str, line: int | None, *, ignore_case: bool = False) -> RulePattern:
    import regex

    try:
        return RulePattern(pattern, ignore_case)
    except regex.error as e:
        raise UsageError(f"invalid regex {pattern!r}: {e}", where, line) from None
    except ValueError as e:  # the `regex` module reads it, the core's engines do not
        reason = str(e).strip().splitlines()[-1].removeprefix("error: ")
        raise UsageError(f"regex {pattern!r} cannot run on the core's engines: {reason}", where, line) from None


def patterns_of(matcher: Any) -> Iterator[RulePattern]:
    """Every rule regex a compiled matcher holds (for `rules show`)."""
    if isinstance(matcher, RulePattern):
        yield matcher
    elif isinstance(matcher, (list, tuple)):
        for item in matcher:
            yield from patterns_of(item)
    elif is_dataclass(matcher) and not isinstance(matcher, type):
        for f in fields(matcher):
            yield from patterns_of(getattr(matcher, f.name))


def as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
