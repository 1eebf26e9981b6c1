"""Free-text messages: commit messages and PR bodies.

The whole message is one prose segment of its kind (`commit-msg`, `pr-body`), so
rules that require something of the message (a VTID) judge it whole; fenced shell
and http blocks inside it are also commands and requests (suggesting a forbidden
command in a PR body is as much a violation as running it).
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator

from vitana_guard.model import Channel, Origin, Segment
from vitana_guard.sources import classify

_SCISSORS = re.compile(r"^# -+ >8 -+$", re.MULTILINE)


def strip_git_comments(text: str) -> str:
    """What git keeps of a message file: no `#` lines, nothing below the scissors.

    Comment lines are blanked, not removed, so line numbers stay those of the file.
    """
    cut = _SCISSORS.search(text)
    if cut:
        text = text[: cut.start()]
    return "".join("\n" if line.startswith("#") else line for line in text.splitlines(keepends=True))


def segments(display_path: str, text: str, kind: str, *, line: int = 1, **origin: object) -> Iterator[Segment]:
    base = Origin(path=display_path, kind=kind, **origin)
    yield Segment(text, Channel.PROSE, base, line=line)
    for seg in classify.segments(display_path, text, kind="markdown"):
        if seg.channel is not Channel.PROSE:
            yield replace(seg, origin=replace(base, kind=seg.origin.kind), line=seg.line + line - 1)
