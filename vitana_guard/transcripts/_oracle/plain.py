"""Plain terminal logs: a line starting `$ ` is a command (backslash continuation lines
belong to it); the lines up to the next prompt are its output. No ids, no status."""
from __future__ import annotations

from typing import Iterator

from ...model import Actor, Channel, Notice, Segment, Status
from ._common import make

NAME = "text"
MAX_OUTPUT_LINES = 2000  # long outputs are cut into several segments (bounded memory)
MAX_OUTPUT_CHARS = 1 << 20


def _is_prompt(line: str) -> bool:
    return line.startswith("$ ")


def sniff(head: bytes) -> bool:
    """The text starts with a `$ ` prompt (after blank lines) and is not binary."""
    if b"\x00" in head[:8192]:
        return False
    text = head.decode("utf-8", "replace")
    for line in text.split("\n"):
        if line.strip():
            return _is_prompt(line)
    return False


def has_prompt(head: bytes) -> bool:
    if b"\x00" in head[:8192]:
        return False
    return head.startswith(b"$ ") or b"\n$ " in head


def _continues(line: str) -> bool:
    n = len(line) - len(line.rstrip("\\"))
    return n % 2 == 1


def read(path: str, display_path: str) -> Iterator[Segment | Notice]:
    try:
        f = open(path, "rb")
    except OSError as exc:
        yield Notice(f"{NAME}: cannot read: {exc.strerror or exc}", display_path)
        return
    base = dict(path=display_path, kind=NAME, session=display_path, flat=False)
    index = -1
    cmd: list[str] | None = None  # lines of the command being read (continuations pending)
    cmd_line = 0
    out: list[str] = []
    out_line = 0
    out_chars = 0
    bad_utf8_reported = False

    def flush_output():
        nonlocal out, out_chars
        if out and any(s.strip() for s in out):
            yield make(
                "\n".join(out), Channel.OUTPUT, actor=Actor.TOOL, status=Status.UNKNOWN,
                line=out_line, index=index if index >= 0 else None, **base,
            )
        out = []
        out_chars = 0

    def flush_command():
        nonlocal cmd
        if cmd is not None:
            text = "\n".join(cmd)
            if text.strip():
                yield make(
                    text, Channel.COMMAND, actor=Actor.AGENT, status=Status.UNKNOWN,
                    line=cmd_line, column=3, index=index, **base,
                )
            cmd = None

    with f:
        lineno = 0
        for raw in f:
            lineno += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                line = raw.decode("utf-8", "replace")
                if not bad_utf8_reported:
                    bad_utf8_reported = True
                    yield Notice(f"{NAME}: line {lineno}: invalid UTF-8; read with replacement characters", display_path, lineno)
            line = line.rstrip("\n").rstrip("\r")
            if cmd is not None:
                cmd.append(line)
                if not _continues(line):
                    yield from flush_command()
                continue
            if _is_prompt(line):
                yield from flush_output()
                index += 1
                cmd = [line[2:]]
                cmd_line = lineno
                if not _continues(line):
                    yield from flush_command()
                continue
            if not out:
                out_line = lineno
            out.append(line)
            out_chars += len(line)
            if len(out) >= MAX_OUTPUT_LINES or out_chars >= MAX_OUTPUT_CHARS:
                yield from flush_output()
        yield from flush_command()
        yield from flush_output()
