"""ORACLE ONLY: the Python reader of git's diff output that crates/vitana_core/src/read/git.rs
replaced, kept for tests/test_parity_git.py and benchmarks/git_reader.py. Nothing else imports it.

Only the parsing half is here: `parse_patch` reads a unified diff (`git diff -U0`,
`git log -p` or any patch file), counting hunk lines, so a removed line that reads `--- x`
is not taken for a header, and cutting lines at "\n" only, as git counts them;
`_commit_chunks` / `_read_commits` cut `git log` output into commits and file diffs, and a
file diff whose hunks cannot matter (`Skim`) is summarised, not parsed line by line. The
records (`FileDiff`, `CommitDiff`) and the plumbing that runs git are `git`'s own.
"""
from __future__ import annotations

import io
import re
from typing import BinaryIO, Iterable, Iterator

from vitana_guard.sources import git
from vitana_guard.sources.git import BlobReader, CommitDiff, FileDiff, Skim  # noqa: F401  (BlobReader: the parity test's)

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# what opens a commit and ends its message in `git log` output; the nonce keeps a
# commit message from forging either
from vitana_guard.sources.git import _NONCE  # noqa: E402  (one nonce per process: parity runs both readers on one log)
_COMMIT_MARK = b"\x01vg-commit-" + _NONCE.encode() + b" "
_NAMING = (b"+++ ", b"rename ", b"copy ")  # header lines that name a diff's paths


# --------------------------------------------------------------------------- patches


def unquote_path(raw: bytes) -> str:
    """A path as git prints it: C-quoted ("a\\tb", "\\303\\251") when it has odd bytes."""
    raw = raw.rstrip(b"\r")
    if raw.endswith(b"\t"):  # git adds a tab after ---/+++ names that contain spaces
        raw = raw[:-1]
    if len(raw) >= 2 and raw[:1] == b'"' and raw[-1:] == b'"':
        out = bytearray()
        body = raw[1:-1]
        i = 0
        escapes = {ord("n"): 10, ord("t"): 9, ord('"'): 34, ord("\\"): 92, ord("a"): 7, ord("b"): 8,
                   ord("f"): 12, ord("r"): 13, ord("v"): 11}
        while i < len(body):
            c = body[i]
            if c == 92 and i + 1 < len(body):
                n = body[i + 1]
                if 48 <= n <= 55 and i + 3 < len(body) + 1:
                    out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                    i += 4
                    continue
                out.append(escapes.get(n, n))
                i += 2
                continue
            out.append(c)
            i += 1
        raw = bytes(out)
    return raw.decode("utf-8", "surrogateescape")


def _strip_prefix(path: str, prefix: str) -> str:
    return path[len(prefix):] if path.startswith(prefix) else path


def _header_paths(rest: bytes) -> tuple[str | None, str | None]:
    """Paths of `diff --git a/X b/Y` (only needed when no ---/+++ lines follow)."""
    rest = rest.rstrip(b"\n")
    if rest.startswith(b'"'):
        m = re.match(rb'("(?:[^"\\]|\\.)*")\s+(.*)$', rest)
        if m:
            return _strip_prefix(unquote_path(m.group(1)), "a/"), _strip_prefix(unquote_path(m.group(2)), "b/")
    n = len(rest)
    if n % 2 == 1:
        half = (n - 1) // 2
        a, b = rest[:half], rest[half + 1 :]
        if a[2:] == b[2:]:
            return _strip_prefix(unquote_path(a), "a/"), _strip_prefix(unquote_path(b), "b/")
    m = re.match(rb"(\S+) (.*)$", rest)
    if m:
        return _strip_prefix(unquote_path(m.group(1)), "a/"), _strip_prefix(unquote_path(m.group(2)), "b/")
    return None, None


def parse_patch(data: bytes) -> Iterator[FileDiff]:
    """FileDiffs of a unified diff, read line by line. Lines end at "\n" only, as git
    counts them: a lone "\r" inside a line must not end its hunk early."""
    return _parse(iter(io.BytesIO(data)))


def _parse(it: Iterator[bytes]) -> Iterator[FileDiff]:
    """The parser proper, for any unified diff."""
    current: FileDiff | None = None
    header = b""  # the `diff --git` line's paths: used only when no ---/+++ line names them
    raw = next(it, None)
    while raw is not None:
        c = raw[:1]
        if c == b"@" and current is not None and (m := _HUNK.match(raw)):
            # the hunk's lines; a line that cannot be one ends it early and is read as a header
            raw = _open_hunk(m, it, current)
            if raw is None:
                raw = next(it, None)
            continue
        if c == b"d" and raw.startswith(b"diff --git "):
            if current is not None:
                yield _named(current, header)
            current = FileDiff()
            header = raw[len(b"diff --git "):]
        elif c == b"-" and raw.startswith(b"--- "):
            if current is None or current.added or current.deleted:
                if current is not None:
                    yield _named(current, header)
                current, header = FileDiff(), b""
            name = raw[4:].rstrip(b"\n")
            if name.rstrip(b"\t\r") == b"/dev/null":
                current.is_new = True
                current.old_path = None
            else:
                current.old_path = _strip_prefix(unquote_path(name), "a/")
            header = b""
        elif current is not None and c != b"\\":  # "\\ No newline at end of file"
            _header_line(current, raw)
            if raw.startswith(_NAMING):
                header = b""
        raw = next(it, None)
    if current is not None:
        yield _named(current, header)


def _named(current: FileDiff, header: bytes) -> FileDiff:
    """A file diff whose paths only its `diff --git` line gives (no ---/+++ lines:
    binary, mode or empty-file changes) takes them from there."""
    if header:
        old, new = _header_paths(header)
        if not current.is_new:
            current.old_path = old
        if not current.is_deleted:
            current.new_path = new
    return current


def _open_hunk(m: re.Match, it: Iterator[bytes], current: FileDiff) -> bytes | None:
    """Reads the hunk whose `@@` line matched `m` (see _hunk for what it returns)."""
    old_left = int(m.group(2)) if m.group(2) is not None else 1
    new_left = int(m.group(4)) if m.group(4) is not None else 1
    new_start = int(m.group(3))
    old_lines: list[bytes] = []
    # git numbers an empty new side by the line it follows
    current.hunks.append((new_start - 1 if new_left else new_start, new_left, old_lines))
    return _hunk(it, current, old_left, new_left, new_start, old_lines)


def _hunk(it: Iterator[bytes], current: FileDiff, old_left: int, new_left: int, new_line: int,
          old_lines: list[bytes]) -> bytes | None:
    """Reads the lines of one hunk into `current` (and its old side, raw, into
    `old_lines`), counting them so that a removed line reading `--- x` is not taken for
    a header. Returns the line read after the hunk (a malformed hunk ends at the first line
    that cannot be one), or None when there is none to hand back."""
    added, deleted = current.added, current.deleted
    last_old = False  # whether the line before a "\\ No newline" marker was an old one
    while old_left > 0 or new_left > 0:
        raw = next(it, None)
        if raw is None:
            return None
        c = raw[:1]
        if c == b"+" or c == b"-":
            body = raw[1:].rstrip(b"\n")
            if body.endswith(b"\r"):
                body = body[:-1]
            if c == b"+":
                added[new_line] = body.decode("utf-8", "replace")
                new_line += 1
                new_left -= 1
                last_old = False
            else:
                deleted.append(body.decode("utf-8", "replace"))
                old_lines.append(raw[1:])
                old_left -= 1
                last_old = True
        elif c == b" " or raw in (b"\n", b""):
            old_lines.append(raw[1:] if c == b" " else b"\n")
            new_line += 1
            new_left -= 1
            old_left -= 1
            last_old = True
        elif c == b"\\":  # "\\ No newline at end of file": about the line before
            if last_old:
                old_lines[-1] = old_lines[-1].removesuffix(b"\n")
        else:
            return raw
    # the marker may also follow the hunk's last line
    raw = next(it, None)
    if raw is not None and raw[:1] == b"\\":
        if last_old:
            old_lines[-1] = old_lines[-1].removesuffix(b"\n")
        return None
    return raw


def _header_line(current: FileDiff, raw: bytes) -> None:
    """The extended header lines of a file's diff (modes, renames, blob ids, binary)."""
    if raw.startswith(b"+++ "):
        name = raw[4:].rstrip(b"\n")
        if name.rstrip(b"\t\r") == b"/dev/null":
            current.is_deleted = True
        else:
            current.new_path = _strip_prefix(unquote_path(name), "b/")
        return
    line = raw.rstrip(b"\n")
    if line.startswith(b"index "):
        parts = line[6:].split()
        if parts and b".." in parts[0]:
            old, new = parts[0].split(b"..", 1)
            current.old_blob, current.new_blob = old.decode(), new.decode()
        if len(parts) > 1:
            current.new_mode = parts[1].decode()
    elif line.startswith(b"new file mode "):
        current.is_new = True
        current.new_mode = line[14:].decode()
    elif line.startswith(b"deleted file mode "):
        current.is_deleted = True
    elif line.startswith(b"new mode "):
        current.new_mode = line[9:].decode()
    elif line.startswith(b"rename to ") or line.startswith(b"copy to "):
        current.new_path = unquote_path(line.split(b" to ", 1)[1])
    elif line.startswith(b"rename from ") or line.startswith(b"copy from "):
        current.old_path = unquote_path(line.split(b" from ", 1)[1])
    elif line.startswith(b"Binary files ") or line == b"GIT binary patch":
        current.binary = True


# --------------------------------------------------------------------------- blobs


# --------------------------------------------------------------------------- history


# %x01 marks a commit header (never in a patch line: those start with ' ', +, -, @, \ or a
# header word); the message ends at a %x02 line (both carry the nonce).
_FORMAT = f"%x01vg-commit-{_NONCE} %H %P%n%an%x00%ae%x00%cn%x00%ce%x00%ct%n%B%n%x02{_NONCE}"
_LOG_ARGS = ["log", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--full-index", "--no-renames",
             "--first-parent", "--diff-merges=first-parent", "--no-abbrev", "--format=" + _FORMAT]


_MESSAGE_END = re.compile(rb"\n\x02" + _NONCE.encode() + rb"(?:\n|$)")
_DELETED = re.compile(rb"^-(.*?)\r?$", re.MULTILINE)


def _commit_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """git's output cut into commits, each from its mark to the next (a commit is held
    whole, as its parsed file diffs would be; no line is read one by one)."""
    sep = b"\n" + _COMMIT_MARK
    buf = bytearray()
    searched = 0  # bytes of buf known to hold no separator start
    while True:
        block = stream.read1(1 << 16)
        buf += block
        while (i := buf.find(sep, searched)) >= 0:
            yield bytes(buf[: i + 1])
            del buf[: i + 1]
            searched = 0
        if not block:
            if buf:
                yield bytes(buf)
            return
        searched = max(len(buf) - len(sep) + 1, 0)


def _read_commits(chunks: Iterable[bytes], skim: Skim | None = None) -> Iterator[CommitDiff]:
    for chunk in chunks:
        if not chunk.startswith(_COMMIT_MARK):
            continue
        first = chunk.find(b"\n")
        second = chunk.find(b"\n", first + 1) if first >= 0 else -1
        ids = chunk[len(_COMMIT_MARK) : first].split()
        if second < 0 or not ids:
            continue
        who = chunk[first + 1 : second].split(b"\0")
        who += [b""] * (5 - len(who))
        end = _MESSAGE_END.search(chunk, second)
        message = chunk[second + 1 : end.start() + 1 if end else len(chunk)].decode("utf-8", "replace")
        if message.endswith("\n\n"):
            message = message[:-1]
        try:
            when = int(who[4] or 0)
        except ValueError:
            when = 0
        commit = CommitDiff(ids[0].decode(), [p.decode() for p in ids[1:]], who[0].decode("utf-8", "replace"),
                            who[1].decode("utf-8", "replace"), who[2].decode("utf-8", "replace"),
                            who[3].decode("utf-8", "replace"), when, message)
        commit.files = _files(chunk, end.end(), skim) if end else []
        yield commit


# The header git writes for most file diffs of `log -p --full-index --no-renames`: one
# match instead of a parser's pass over four lines. Anything else (quoted or tabbed
# paths, mode changes, binary files) takes the parser.
_PLAIN_HEADER = re.compile(
    rb"diff --git [^\n]*\n(?:(new|deleted) file mode (\d+)\n)?"
    rb"index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?\n"
    rb"--- (?:a/([^\n\"\t\r]+)|/dev/null)\n\+\+\+ (?:b/([^\n\"\t\r]+)|/dev/null)\n\Z")


def read_git_patch(data: bytes, skim: Skim | None = None) -> list[FileDiff]:
    """FileDiffs of git's own diff output (`git diff`, `git log -p`: every file begins
    with `diff --git`); with `skim`, those it clears are summarised."""
    return _files(data, 0, skim)


def _files(chunk: bytes, start: int, skim: Skim | None) -> list[FileDiff]:
    """The file diffs of a commit's patch (`chunk` from `start` on); with `skim`, those
    it clears are summarised. Only one file diff's hunks are copied out at a time."""
    out: list[FileDiff] = []
    at = _next_file(chunk, start)
    while at >= 0:
        nxt = _next_file(chunk, at + 1)
        end = nxt if nxt >= 0 else len(chunk)
        h = chunk.find(b"\n@@", at, end) + 1 or end  # where the hunks start
        head = chunk[at:h]
        plain = _plain_header(head)
        diffs = [plain] if plain else list(parse_patch(head))
        path = (diffs[-1].new_path or diffs[-1].old_path) if diffs else None
        if h < end:  # the file diff has hunks
            skipped = bool(skim and path and skim.skips(path))
            body = b"" if skipped else chunk[h:end]  # a skipped file's hunks are never copied
            if skipped or (skim is not None and not skim.may_matter(body)):
                adds = chunk.find(b"\n+", h - 1, end) >= 0
                # a skipped file's lines never count as moved: only linted files' do
                deleted = [m.decode("utf-8", "replace") for m in _DELETED.findall(body)]
                for d in diffs:
                    d.deleted, d.summarised, d.unread = deleted, adds, body
            elif not (plain is not None and _read_hunks(body, plain)):
                diffs = list(parse_patch(chunk[at:end]))
        out += diffs
        at = nxt
    return out


def _next_file(chunk: bytes, pos: int) -> int:
    """Where the next file diff starts at or after `pos`, or -1. A hunk line starts
    with ' ', '+', '-' or '\\', so "diff --git " at a line start begins a file."""
    if pos == 0 and chunk.startswith(b"diff --git "):
        return 0
    i = chunk.find(b"\ndiff --git ", max(pos - 1, 0))
    return i + 1 if i >= 0 else -1


def hunks_of(d: FileDiff) -> list[tuple[int, int, list[bytes]]]:
    """A file diff's hunks, read now if they were skimmed."""
    if d.unread:
        read = FileDiff()
        d.hunks = read.hunks if _read_hunks(d.unread, read) else []
        d.unread = b""
    return d.hunks


def _plain_header(head: bytes) -> FileDiff | None:
    m = _PLAIN_HEADER.match(head)
    if m is None:
        return None
    kind, file_mode, old, new, mode, minus, plus = m.groups()
    d = FileDiff(old_blob=old.decode(), new_blob=new.decode())
    new_mode = mode or (file_mode if kind == b"new" else None)
    d.new_mode = new_mode.decode() if new_mode else None
    if minus is not None:
        d.old_path = minus.decode("utf-8", "surrogateescape")
    else:
        d.is_new = True
    if plus is not None:
        d.new_path = plus.decode("utf-8", "surrogateescape")
    else:
        d.is_deleted = True
    if kind == b"deleted":
        d.is_deleted = True
    return d


def _read_hunks(body: bytes, d: FileDiff) -> bool:
    """The hunks of one file diff into `d`; False if the body holds a line that is not
    one (the caller parses the file diff the general way)."""
    it = iter(io.BytesIO(body))
    raw = next(it, None)
    while raw is not None:
        m = _HUNK.match(raw)
        if m is None:
            return False
        raw = _open_hunk(m, it, d)
        if raw is None:
            raw = next(it, None)
    return True


def walk_history(root: str, revs: list[str], skim: Skim | None = None) -> Iterator[CommitDiff]:
    """What `git.walk_history` yields, read by this reader: git's output whole, through
    the same plumbing (no resuming past a missing object: the parity histories have none)."""
    out = git.git([*git._LOG_ARGS, *revs], root).stdout
    yield from _read_commits(_commit_chunks(io.BufferedReader(io.BytesIO(out))), skim)
