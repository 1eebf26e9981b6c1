"""Matcher kinds. Each module has `compile(spec, params, where) -> Matcher`.

A matcher looks at one kind of unit: the text of a segment, a parsed shell
command, a reconstructed HTTP request, or the ordered steps of a session; which
one is its `unit` attribute. The Rust core compiles and runs every matcher
(crates/vitana_core/src/matchers/, from the rendered spec engine/packdata.py hands
it); the Python side compiles a spec only to check it when its rule file loads
(a regex the rule language or the core's engines cannot read is a rule error) and
to list its regexes (`rules show`).
"""
from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any, Iterator

from vitana_guard._core import Regex
from vitana_guard.errors import UsageError


class RulePattern:
    """A rule's regex (multi-line unless said otherwise), checked when its rule loads:
    the `regex` module must read it (its reading is the rule language) and one of the
    core's engines must run it. `engine` and `fallback_reason` say which engine the core
    runs it on ("linear", or "backtracking (bounded)" for look-around and
    back-references), for `rules show`.

    A pattern restored from the pack cache was checked when the pack was built: the core
    reads it again only when `engine` is asked for."""

    __slots__ = ("pattern", "ignore_case", "multi_line", "_engine", "_reason")

    def __init__(self, pattern: str, ignore_case: bool, *, multi_line: bool = True, checked: bool = False):
        self.pattern = pattern
        self.ignore_case = ignore_case
        self.multi_line = multi_line
        self._engine: str | None = None
        self._reason: str | None = None
        if not checked:
            _backtracking(pattern, ignore_case, multi_line)  # regex.error: not the rule language
            self._read()

    def _read(self) -> None:
        core = Regex(self.pattern, self.ignore_case, self.multi_line)  # ValueError: the core cannot run it
        self._engine = core.engine
        self._reason = core.reason

    def __reduce__(self):  # the compiled pack is cached: keep the pattern, read it on use
        return _restore, (self.pattern, self.ignore_case, self.multi_line)

    @property
    def engine(self) -> str:
        if self._engine is None:
            self._read()
        return self._engine

    @property
    def fallback_reason(self) -> str | None:
        if self._engine is None:
            self._read()
        return self._reason


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
