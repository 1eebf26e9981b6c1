"""Agent-transcript readers: one transcript file -> an ordered stream of Segments and Notices.

The readers are the core's (crates/vitana_core/src/read/transcripts, `_core.TranscriptReader`):
JSONL is streamed in blocks of whole lines, and with a prefilter only the lines holding a
keyword (plus the results of the calls on them) are parsed. They never raise: what they
cannot read becomes a Notice. Formats: claude, codex, gemini, openai, text (plain `$ cmd`
logs). The Python readers they were ported from were deleted once the parity test held.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from .. import _core
from ..model import Actor, Channel, Notice, Status

if TYPE_CHECKING:
    from ..model import Segment

FORMATS = ("claude", "codex", "gemini", "openai", "text")
HEAD_BYTES = 64 * 1024

_CHANNELS = {c.value: c for c in Channel}
_ACTORS = {a.value: a for a in Actor}
_STATUSES = {s.value: s for s in Status}


def detect(path: str, head: bytes) -> str | None:
    """The transcript format of a file from its first bytes (~64 KB), then its path.

    None: not a transcript."""
    return _core.detect_transcript(path, bytes(head))


def forced_format_problem(path: str, display_path: str, fmt: str) -> Notice | None:
    """An input error when a file read as `fmt` (`--transcript-format`) is plainly another
    format: forcing codex on a Claude log would read none of its records and report nothing."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return None  # the reader reports what cannot be read
    if b"\0" in head[:8192]:
        return None
    looks = detect(path, head)
    if looks is None or looks == fmt:
        return None
    return Notice(f"not a {fmt} transcript (--transcript-format {fmt}): it looks like a {looks} transcript; "
                  f"use --transcript-format {looks}, or leave the format to detection", display_path)


def read(
    path: str, display_path: str, fmt: str | None = None, prefilter: Any = None, *, max_record_bytes: int | None = None
) -> Iterator[Segment | Notice]:
    """Segments and Notices of one transcript file, in file order. Never raises.

    `prefilter` (a prefilter.Prefilter) lets JSONL readers skip records that hold none of
    the rules' keywords; pretty-printed documents and plain logs ignore it.
    `max_record_bytes` caps one JSONL record (64 MiB by default).
    """
    from ..model import Origin, Segment  # defined on first use (model.py)

    keywords = list(prefilter.keywords) if prefilter is not None else None
    reader = _core.TranscriptReader(path, display_path, fmt, keywords, max_record_bytes)
    channels, actors, statuses = _CHANNELS, _ACTORS, _STATUSES
    for t in reader:
        if t[0] == "s":
            (_, text, channel, opath, kind, record_id, record_index, session, actor, status, tool, via,
             line, column, indent, flat) = t
            origin = Origin(opath, kind, record_id, record_index, session,
                            actors[actor] if actor is not None else None,
                            statuses[status] if status is not None else None, None, tool, via)
            yield Segment(text, channels[channel], origin, line, column, indent, flat)
        else:
            yield Notice(t[1], t[2], t[3], t[4])


__all__ = ["FORMATS", "detect", "forced_format_problem", "read"]
