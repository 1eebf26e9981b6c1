"""Matcher kinds. Each module has `compile(spec, params, where) -> Matcher`.

A matcher looks at one kind of unit: the text of a segment, a parsed shell
command, a reconstructed HTTP request, or the ordered steps of a session, and
yields Hits (a span of the segment text). Which unit a matcher takes is its
`unit` attribute; the scanner feeds it nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import regex

from vitana_guard.errors import UsageError

# Every regex from a rule runs bounded: a catastrophic pattern costs at most this.
REGEX_TIMEOUT = 0.25


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    variables: dict[str, Any] = field(default_factory=dict)


def compile_regex(pattern: str, where: str, line: int | None, *, ignore_case: bool = False) -> regex.Pattern:
    flags = regex.VERSION1 | regex.MULTILINE
    if ignore_case:
        flags |= regex.IGNORECASE
    try:
        return regex.compile(pattern, flags)
    except regex.error as e:
        raise UsageError(f"invalid regex {pattern!r}: {e}", where, line) from None


def as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
