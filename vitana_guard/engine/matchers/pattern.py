"""`pattern`: a regex over the segment text, with exceptions.

`unless` regexes are tried on the sentence that holds the match (a mention such
as "the policy forbids asking you to click" is an exception, not a request);
`unless_before` on the text of the same sentence before the match;
`unless_message` on the whole segment (one message: "…, if the CTO approves").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, as_list, compile_regex


@lru_cache(maxsize=1)
def _sentence_end():
    import regex  # on first use: restoring a cached pack imports this module, not `regex`

    return regex.compile(r"[.!?](?=\s)|\n\s*\n|\n[-*>] ")


@dataclass(frozen=True)
class PatternMatcher:
    regex: regex.Pattern
    unless: tuple[regex.Pattern, ...]
    unless_before: tuple[regex.Pattern, ...]
    unless_message: tuple[regex.Pattern, ...]
    unit = "text"

    def match(self, text: str) -> Iterator[Hit]:
        if self.unless_message and any(u.search(text, timeout=REGEX_TIMEOUT) for u in self.unless_message):
            return
        for m in self.regex.finditer(text, timeout=REGEX_TIMEOUT):
            if self.unless or self.unless_before:
                s, e = sentence_bounds(text, m.start(), m.end())
                sentence = text[s:e]
                if any(u.search(sentence, timeout=REGEX_TIMEOUT) for u in self.unless):
                    continue
                before = text[s : m.start()]
                if any(u.search(before, timeout=REGEX_TIMEOUT) for u in self.unless_before):
                    continue
            yield Hit(m.start(), m.end())


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    s = 0
    for m in _sentence_end().finditer(text, 0, start):
        s = m.end()
    m = _sentence_end().search(text, end)
    return s, (m.start() + 1 if m else len(text))


def compile(spec: dict, params: dict, where: str, line: int | None) -> PatternMatcher:
    ignore_case = not spec.get("case_sensitive", False)
    return PatternMatcher(
        regex=compile_regex(spec["regex"], where, line, ignore_case=ignore_case),
        unless=tuple(compile_regex(u, where, line, ignore_case=True) for u in as_list(spec.get("unless"))),
        unless_before=tuple(
            compile_regex(u, where, line, ignore_case=True) for u in as_list(spec.get("unless_before"))
        ),
        unless_message=tuple(
            compile_regex(u, where, line, ignore_case=True) for u in as_list(spec.get("unless_message"))
        ),
    )
