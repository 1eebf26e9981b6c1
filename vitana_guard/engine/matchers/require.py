"""`require`: a document must contain the regex (a PR body must name a VTID).
Reports at the document's start when it does not. The core runs it
(crates/vitana_core/src/matchers/require.rs)."""
from __future__ import annotations

from dataclasses import dataclass

from vitana_guard.engine.matchers import RulePattern, compile_regex


@dataclass(frozen=True)
class RequireMatcher:
    regex: RulePattern
    unit = "text"


def compile(spec: dict, params: dict, where: str, line: int | None) -> RequireMatcher:
    return RequireMatcher(compile_regex(spec["regex"], where, line))
