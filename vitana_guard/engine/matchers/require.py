"""`require`: a document must contain the regex (a PR body must name a VTID).
Reports at the document's start when it does not."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator


from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, compile_regex


@dataclass(frozen=True)
class RequireMatcher:
    regex: regex.Pattern
    unit = "text"

    def match(self, text: str) -> Iterator[Hit]:
        if not self.regex.search(text, timeout=REGEX_TIMEOUT):
            first_line = text.find("\n")
            yield Hit(0, first_line if first_line > 0 else len(text))


def compile(spec: dict, params: dict, where: str, line: int | None) -> RequireMatcher:
    return RequireMatcher(compile_regex(spec["regex"], where, line))
