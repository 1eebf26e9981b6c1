"""`pattern`: a regex over the segment text, with exceptions.

`unless` regexes are tried on the sentence that holds the match (a mention such
as "the policy forbids asking you to click" is an exception, not a request);
`unless_before` on the text of the same sentence before the match;
`unless_message` on the whole segment (one message: "…, if the CTO approves").
The core runs it (crates/vitana_core/src/matchers/pattern.rs).
"""
from __future__ import annotations

from dataclasses import dataclass

from vitana_guard.engine.matchers import RulePattern, as_list, compile_regex


@dataclass(frozen=True)
class PatternMatcher:
    regex: RulePattern
    unless: tuple[RulePattern, ...]
    unless_before: tuple[RulePattern, ...]
    unless_message: tuple[RulePattern, ...]
    unit = "text"


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
