"""`context`: a statement judged against what the session's tools printed before it.

Fires on text matching `regex` when an earlier tool output of the same session
matched `after_output` (a 403, a timeout, a DNS or connection failure) and none
matched `unless_output` (evidence the endpoint answered). `unless` is tried on the
sentence that holds the claim, `unless_clause` on its clause ("the gateway answered
403, which does not mean it is down"). Outside a session (a file, a PR) there is no
evidence, so it never fires. The core runs it (crates/vitana_core/src/matchers/context.rs).
"""
from __future__ import annotations

from dataclasses import dataclass

from vitana_guard.engine.matchers import RulePattern, as_list, compile_regex


@dataclass(frozen=True)
class ContextMatcher:
    regex: RulePattern
    after_output: RulePattern
    unless_output: RulePattern | None
    unless: tuple[RulePattern, ...]
    unless_clause: tuple[RulePattern, ...] = ()
    unit = "context"


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
