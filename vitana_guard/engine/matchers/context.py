"""`context`: a statement judged against what the session's tools printed before it.

Fires on text matching `regex` when an earlier tool output of the same session
matched `after_output` (a 403, a timeout, a DNS or connection failure) and none
matched `unless_output` (evidence the endpoint answered). Outside a session
(a file, a PR) there is no evidence, so it never fires.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, as_list, compile_regex
from vitana_guard.engine.matchers.pattern import sentence_bounds


@dataclass
class Evidence:
    """What a session's tool output has shown so far, per context matcher."""

    failure: str | None = None  # the first failing output seen
    success: bool = False


@dataclass(frozen=True)
class ContextMatcher:
    regex: regex.Pattern
    after_output: regex.Pattern
    unless_output: regex.Pattern | None
    unless: tuple[regex.Pattern, ...]
    # tried on the clause that holds the claim (the end of the match): "the gateway
    # answered 403, which does not mean it is down" negates the claim in its own clause
    unless_clause: tuple[regex.Pattern, ...] = ()
    unit = "context"

    def observe(self, output: str, evidence: Evidence) -> None:
        if evidence.failure is None:
            m = self.after_output.search(output, timeout=REGEX_TIMEOUT)
            if m:
                evidence.failure = m.group()
        if self.unless_output is not None and self.unless_output.search(output, timeout=REGEX_TIMEOUT):
            evidence.success = True

    def match(self, text: str, evidence: Evidence) -> Iterator[Hit]:
        if evidence.failure is None or evidence.success:
            return
        for m in self.regex.finditer(text, timeout=REGEX_TIMEOUT):
            s, e = sentence_bounds(text, m.start(), m.end())
            if any(u.search(text[s:e], timeout=REGEX_TIMEOUT) for u in self.unless):
                continue
            if self.unless_clause:
                clause = text[clause_start(text, s, m.end()) : clause_end(text, m.end(), e)]
                if any(u.search(clause, timeout=REGEX_TIMEOUT) for u in self.unless_clause):
                    continue
            yield Hit(m.start(), m.end(), {"evidence": evidence.failure})


# what separates the clauses of a sentence: punctuation, and the words that open a
# subordinate or coordinate clause
@lru_cache(maxsize=1)
def _clause_break():
    import regex  # on first use: restoring a cached pack imports this module, not `regex`

    return regex.compile(r"[,;:()\u2014]|\s-\s|\b(?:which|but|though|although|whereas|while|yet)\b",
                         regex.IGNORECASE)


def clause_start(text: str, sentence_start: int, at: int) -> int:
    """Where the clause holding the character before `at` begins (within its sentence)."""
    start = sentence_start
    for m in _clause_break().finditer(text, sentence_start, at):
        if m.end() < at:
            start = m.start()
    return start


def clause_end(text: str, at: int, sentence_end: int) -> int:
    m = _clause_break().search(text, at, sentence_end)
    return m.start() if m else sentence_end


def compile(spec: dict, params: dict, where: str, line: int | None) -> ContextMatcher:
    return ContextMatcher(
        regex=compile_regex(spec["regex"], where, line, ignore_case=True),
        after_output=compile_regex(spec["after_output"], where, line, ignore_case=True),
        unless_output=compile_regex(spec["unless_output"], where, line, ignore_case=True)
        if spec.get("unless_output")
        else None,
        unless=tuple(compile_regex(u, where, line, ignore_case=True) for u in as_list(spec.get("unless"))),
        unless_clause=tuple(compile_regex(u, where, line, ignore_case=True) for u in as_list(spec.get("unless_clause"))),
    )
