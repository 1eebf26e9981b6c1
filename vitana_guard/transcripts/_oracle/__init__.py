"""The Python transcript readers, kept as the oracle of the Rust ones (crates/vitana_core/src/read/transcripts):
used only by tests/test_parity_transcripts.py.

Agent-transcript readers: one transcript file -> an ordered stream of Segments and Notices.

Each format module has the same small protocol: `NAME`, `sniff(head: bytes) -> bool` and
`read(path, display_path) -> Iterator[Segment | Notice]`. Readers stream (JSONL is read a
line at a time in binary mode) and never raise: what they cannot read becomes a Notice.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from ...model import Notice, Segment
from . import _jsonl, claude, codex, gemini, openai, plain
from ._common import guarded

FORMATS = ("claude", "codex", "gemini", "openai", "text")
HEAD_BYTES = 64 * 1024

_READERS = {
    "claude": claude.read,
    "codex": codex.read,
    "gemini": gemini.read,
    "openai": openai.read,
    "text": plain.read,
}
# content sniffing order: the most specific envelopes first
_SNIFF_ORDER = (codex, gemini, claude, openai)


def _document_format(head: bytes) -> str | None:
    """A JSON document (pretty-printed, or one line longer than the head)."""
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if s[:1] == b"[":
        return "openai" if re.match(rb'\[\s*\{', s) and b'"role"' in s else None
    if s[:1] != b"{":
        return None
    if b'"projectHash"' in s or (b'"messages"' in s and re.search(rb'"type"\s*:\s*"(?:gemini|user)"', s)):
        return "gemini"
    if b'"messages"' in s and b'"role"' in s:
        return "openai"
    if b'"items"' in s and b'"session"' in s:
        return "codex"
    return None


def _path_format(path: str, head: bytes) -> str | None:
    p = path.replace("\\", "/")
    name = p.rsplit("/", 1)[-1]
    if "/.claude/projects/" in p and name.endswith(".jsonl"):
        return "claude"
    if name.startswith("rollout-") and name.endswith(".jsonl") and ("/sessions/" in p or "/archived_sessions/" in p or "/.codex/" in p):
        return "codex"
    if "/.gemini/tmp/" in p and "/chats/" in p and name.endswith((".json", ".jsonl")):
        return "gemini"
    if name.endswith((".log", ".txt")) and plain.has_prompt(head):
        return "text"
    return None


def detect(path: str, head: bytes) -> str | None:
    """The transcript format of a file from its first bytes (~64 KB), then its path.

    None: not a transcript."""
    try:
        records = _jsonl.head_objects(head)  # parsed once, offered to each format
        for mod in _SNIFF_ORDER:
            if any(mod.sniff_record(obj) for obj in records):
                return mod.NAME
        fmt = _document_format(head)
        if fmt:
            return fmt
        if plain.sniff(head):
            return "text"
        return _path_format(path, head)
    except Exception:  # noqa: BLE001 - detection must not fail a scan
        return None


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


def read(path: str, display_path: str, fmt: str | None = None, prefilter: Any = None) -> Iterator[Segment | Notice]:
    """Segments and Notices of one transcript file, in file order. Never raises.

    `prefilter` (a prefilter.Prefilter) lets JSONL readers skip records that hold
    none of the rules' keywords; pretty-printed documents and plain logs ignore it.
    """
    if fmt is None:
        try:
            with open(path, "rb") as f:
                head = f.read(HEAD_BYTES)
        except OSError as exc:
            yield Notice(f"cannot read transcript: {exc.strerror or exc}", display_path)
            return
        fmt = detect(path, head)
        if fmt is None:
            yield Notice("not a recognised agent transcript (claude, codex, gemini, openai, text)", display_path)
            return
    reader = _READERS.get(fmt)
    if reader is None:
        yield Notice(f"unknown transcript format {fmt!r} (known: {', '.join(FORMATS)})", display_path)
        return
    stream = reader(path, display_path, prefilter) if prefilter is not None and fmt in _FILTERABLE else reader(path, display_path)
    yield from guarded(stream, fmt, display_path)


_FILTERABLE = ("claude", "codex", "gemini", "openai")


__all__ = ["FORMATS", "detect", "forced_format_problem", "read"]
