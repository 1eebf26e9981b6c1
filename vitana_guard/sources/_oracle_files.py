"""The Python file reader, kept as the oracle of tests/test_parity_classify.py only:
the public `files` reads through the Rust core (`read_file_bytes`, `decode_file`).

Only the reading half is here (`read_bytes`, `decode`): finding the files, the entry
record, the limits and the messages are `files`' own, shared by both readers.
Nothing here raises on bad input.
"""
from __future__ import annotations

import os
import re
from typing import BinaryIO

from vitana_guard.model import Notice
from vitana_guard.sources.files import (
    BINARY_MESSAGE,
    MAX_BYTES,
    TOO_LARGE_PREFIX,
    FileEntry,
    _error_message,
)

# --------------------------------------------------------------------------- reading


def read_bytes(entry: FileEntry, *, max_bytes: int = MAX_BYTES) -> tuple[bytes | None, Notice | None]:
    """The bytes of a file, or None and why:

    - larger than `max_bytes`: `(None, Notice(level="error"))` naming the size;
    - unreadable: `(None, Notice(level="error"))` with the OS message.
    """
    try:
        with open(entry.path, "rb") as f:
            data = _read_up_to(f, max_bytes + 1)
    except OSError as e:
        return None, Notice(_error_message(e), path=entry.display_path, level="error")
    if len(data) > max_bytes:
        try:
            size = os.path.getsize(entry.path)
        except OSError:
            size = entry.size
        return None, Notice(
            f"{TOO_LARGE_PREFIX} ({size} bytes, limit {max_bytes}); not scanned",
            path=entry.display_path,
            level="error",
        )
    return data, None


def _read_up_to(f: BinaryIO, limit: int) -> bytes:
    """`f.read(limit)`, without first allocating `limit` bytes (50 MB for every
    file): read what the file holds, then on if it grew meanwhile."""
    size = os.fstat(f.fileno()).st_size
    if size >= limit:
        return f.read(limit)
    data = f.read(size + 1)
    return data if len(data) <= size else data + f.read(limit - len(data))


def is_utf16(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff"))


SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh", ".dash", ".ash", ".bats", ".command")
_SHELLS = frozenset({"sh", "bash", "zsh", "ksh", "mksh", "dash", "ash", "busybox"})
_SHEBANG = re.compile(rb"#![ \t]*(\S+)(?:[ \t]+(\S+))?")


def _shell_shebang(data: bytes) -> bool:
    m = _SHEBANG.match(data)
    if m is None:
        return False
    program = os.path.basename(m.group(1)).decode("latin-1")
    if program == "env" and m.group(2):  # #!/usr/bin/env bash
        program = os.path.basename(m.group(2)).decode("latin-1")
    return program in _SHELLS


def shell_runs_it(path: str, data: bytes) -> bool:
    """Whether a file holding NUL bytes is still a shell script a shell runs.

    bash and dash drop NUL bytes from a script and run the rest; bash refuses a file
    only as `check_binary_file` does: an ELF header, or a NUL within the first 80 bytes
    before the end of the first line (the first two after a `#!` line). So a script
    (a shell `#!` line or a shell suffix) that passes that test and is UTF-8 once its
    NULs are dropped is text. A real binary fails: it is ELF, starts with a NUL-laden
    header, or holds bytes that are not UTF-8 (an archive appended to an installer
    script, an image) -- those stay `binary` skips."""
    if not (path.lower().endswith(SHELL_SUFFIXES) or _shell_shebang(data)):
        return False
    if data.startswith(b"\x7fELF"):
        return False
    lines = 2 if data.startswith(b"#!") else 1
    for byte in data[:80]:
        if byte == 0x0A:
            lines -= 1
            if lines == 0:
                break
        elif byte == 0:
            return False
    try:
        data.replace(b"\0", b"").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode(entry: FileEntry, data: bytes) -> tuple[str | None, Notice | None]:
    """Text from a file's bytes, or None and why.

    - binary (a NUL byte in the first 8 KB): `(None, Notice(BINARY_MESSAGE, level="note"))`;
      the caller counts it as a `binary` skip (see `skip_reason`); except a shell script
      a shell still runs (`shell_runs_it`), read without its NULs as the shell reads it;
    - not valid UTF-8: the text with U+FFFD for bad bytes, and an error Notice with the
      line of the first bad byte.
    A UTF-8 byte-order mark is dropped (columns then match editors); UTF-16 with a BOM
    is decoded.
    """
    if is_utf16(data):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    if b"\0" in data[:8192]:
        if not shell_runs_it(entry.path, data):
            return None, Notice(BINARY_MESSAGE, path=entry.display_path, level="note")
        data = data.replace(b"\0", b"")  # what bash and dash read: they drop NUL bytes
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8"), None
    except UnicodeDecodeError as e:
        bad = e.start + bom
        line = data.count(b"\n", 0, bad) + 1
        text = data[bom:].decode("utf-8", errors="replace")
        return text, Notice(
            f"not valid UTF-8 at byte {bad}; undecodable bytes replaced",
            path=entry.display_path,
            line=line,
            level="error",
        )
