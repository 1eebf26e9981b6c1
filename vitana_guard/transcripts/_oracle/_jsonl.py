"""JSON plumbing shared by the transcript readers.

- `iter_records`: JSON Lines, streamed in binary mode with 1-based line numbers, a per-record
  size cap and a `Notice` for every record that cannot be read (malformed, truncated last
  line, too deep, not an object, too big). Invalid UTF-8 is read with replacement characters
  and reported.
- `iter_document`: one (possibly pretty-printed) JSON document whose interesting part is an
  array (top-level, or the value of a top-level key): a bracket/string scanner finds where each
  element starts, so every element gets its own line number and its own parse (a broken
  element is one Notice, not a lost file).
- `key_lines`: lines of the keys with given names inside one element (the line of a tool
  call's `"arguments"` beats the line of the message's `{`).
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, BinaryIO, Iterator

from ...model import Notice

try:  # orjson is much faster; the stdlib is the fallback (and the second chance, below)
    import orjson

    _fast_loads = orjson.loads
except ImportError:  # pragma: no cover
    orjson = None
    _fast_loads = json.loads

MAX_RECORD_BYTES = 64 * 1024 * 1024  # one JSONL record (a 20 MB record is fine)
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # a whole pretty-printed JSON transcript
_BOM = b"\xef\xbb\xbf"


def loads(raw: bytes | str) -> tuple[Any, str | None, bool]:
    """Parse JSON; never raises. Returns (value, error, utf8_replaced)."""
    try:
        return _fast_loads(raw), None, False
    except RecursionError:
        return None, "JSON nested too deeply", False
    except (ValueError, TypeError) as exc:
        first_error = str(exc)
    if "depth limit" in first_error or "recursion" in first_error.lower():
        return None, "JSON nested too deeply (over 1024 levels)", False
    replaced = False
    text: str | bytes = raw
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            replaced = True
    # second chance: the stdlib accepts what orjson rejects (lone surrogates, NaN) and the
    # replacement-decoded text salvages a record holding a few invalid bytes
    try:
        return json.loads(text), None, replaced
    except RecursionError:
        return None, "JSON nested too deeply", False
    except (ValueError, TypeError) as exc:
        return None, _short(str(exc) if not replaced else first_error), False


def _short(msg: str, limit: int = 200) -> str:
    msg = msg.replace("\n", " ")
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def iter_records(
    f: BinaryIO, display_path: str, fmt: str, max_bytes: int = MAX_RECORD_BYTES, prefilter: Any = None
) -> Iterator[tuple[int, dict] | Notice]:
    """Yield (line, object) for every JSON object line of a JSONL stream, and Notices.

    Blank lines are skipped. Nothing is held beyond the current line (or block).
    With a `prefilter` (see prefilter.py) only the lines it picks are parsed.
    """
    if prefilter is not None:
        yield from _iter_filtered(f, display_path, fmt, max_bytes, prefilter)
        return
    line = 0
    while True:
        raw = f.readline(max_bytes + 1)
        if not raw:
            return
        line += 1
        complete = raw.endswith(b"\n")
        if len(raw) > max_bytes and not complete:
            size = len(raw)
            while True:  # drain the rest of the oversized line without keeping it
                chunk = f.readline(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                if chunk.endswith(b"\n"):
                    break
            yield Notice(
                f"{fmt}: line {line}: record of {size} bytes is over the {max_bytes}-byte limit; skipped",
                display_path,
                line,
            )
            continue
        if line == 1 and raw.startswith(_BOM):
            raw = raw[3:]
        if raw.isspace() or not raw:
            continue
        yield from _parse_line(raw, line, complete, display_path, fmt)


BLOCK_BYTES = 8 << 20


PARALLEL_MIN_BYTES = 256 << 20  # below this, starting worker processes costs more than it saves


def _iter_filtered(
    f: BinaryIO, display_path: str, fmt: str, max_bytes: int, prefilter: Any
) -> Iterator[tuple[int, dict] | Notice]:
    """Parse only the lines the prefilter picks (see `_candidates`), in file order.

    With `prefilter.jobs > 1` a big file is cut into ranges at line boundaries whose
    candidate lines are found by worker processes; parsing stays here, in file order,
    so a reader's state (call/result pairing, sessions) is the same as in one pass.
    """
    jobs = getattr(prefilter, "jobs", 1)
    size = os.fstat(f.fileno()).st_size
    keys = REFERENCE_KEYS.get(fmt, ())
    items = (_parallel_candidates(f.name, size, prefilter, max_bytes, jobs, keys) if jobs > 1 and size >= PARALLEL_MIN_BYTES
             else _candidates(f, prefilter, max_bytes, wanted=_Wanted(keys)))
    for kind, line, payload, complete in items:
        if kind == "big":
            yield Notice(
                f"{fmt}: line {line}: record of {payload} bytes is over the {max_bytes}-byte limit; skipped",
                display_path,
                line,
            )
        elif kind == "line":
            yield from _parse_line(payload, line, complete, display_path, fmt)


def _parallel_candidates(path: str, size: int, prefilter: Any, max_bytes: int, jobs: int, keys: tuple[bytes, ...] = ()):
    from concurrent.futures import ProcessPoolExecutor

    points = [0]
    with open(path, "rb") as f:
        for i in range(1, jobs * 2):
            f.seek(size * i // (jobs * 2))
            f.readline()  # to the start of the next line
            if points[-1] < f.tell() < size:
                points.append(f.tell())
    points.append(size)
    ranges = [(path, points[i], points[i + 1], prefilter, max_bytes, keys) for i in range(len(points) - 1)]
    lines_before = 0
    leftover: list[bytes] = []  # calls of the range before still waiting for their result
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for i, items in enumerate(pool.map(_range_candidates, ranges)):
            if leftover:
                # results of the calls picked at the end of the range before: looked for in
                # this range (answers come within a few records, not ranges later)
                items = _merge_answers(items, _answers_in_range(ranges[i], leftover))
            for kind, line, payload, complete in items:
                if kind == "end":
                    lines_before += line
                    leftover = payload or []
                else:
                    yield kind, lines_before + line, payload, complete


def _answers_in_range(job: tuple, ids: list[bytes]) -> list[tuple[str, int, Any, bool]]:
    """("line", ...) items of the lines of a range that answer one of `ids`."""
    path, start, end, _prefilter, max_bytes, keys = job
    wanted = _Wanted(keys, ids)
    out = []
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(min(end - start, ANSWER_LOOKAHEAD))
    if len(data) < end - start:
        data = data[: data.rfind(b"\n") + 1]  # whole lines only
    for ls in sorted(wanted.answers(data, {})):
        le = data.find(b"\n", ls)
        le = le if le >= 0 else len(data)
        if le - ls <= max_bytes:
            out.append(("line", data.count(b"\n", 0, ls) + 1, data[ls:le], le < len(data)))
    return out


def _merge_answers(items: list, extra: list) -> list:
    """Range items plus answer lines not already among them, in line order ("end" last)."""
    if not extra:
        return items
    have = {line for kind, line, _p, _c in items if kind != "end"}
    body = [i for i in items if i[0] != "end"] + [e for e in extra if e[1] not in have]
    body.sort(key=lambda i: i[1])
    return body + [i for i in items if i[0] == "end"]


def _range_candidates(job: tuple) -> list:
    path, start, end, prefilter, max_bytes, keys = job
    with open(path, "rb") as f:
        f.seek(start)
        return list(_candidates(f, prefilter, max_bytes, limit=end - start, first=start == 0, wanted=_Wanted(keys)))


# --- pairing: a call the prefilter picks is always read with its result --------------------
#
# A result often holds no keyword ("Exit code 1", "Process exited with code 0", a permission
# refusal), yet it decides the call's status. The ids of the calls on picked lines are
# remembered; a later line that refers to one of them (Claude `"tool_use_id"`, Codex
# `"call_id"`, OpenAI-style `"tool_call_id"`) is picked too. Found by `bytes.find` on the three keys (fast), the id
# forgotten once answered (except while the answer says the process still runs: Codex gives
# the exit code in a later `exec_command_end`), or ANSWER_WINDOW bytes after its call.

_CALL_ID = re.compile(rb'"(?:id|call_id)"\s*:\s*"([^"\\]{1,200})"')
# the key a result names its call by, per format (Gemini keeps a call's result in its message)
REFERENCE_KEYS = {"claude": (b'"tool_use_id"',), "codex": (b'"call_id"',), "openai": (b'"tool_call_id"',)}
_REFERENCE_VALUE = re.compile(rb'\s*:\s*"([^"\\]{1,200})"')
_STILL_RUNNING = b"Process running with session ID"
MAX_WANTED = 10_000  # call ids waiting for their result (the oldest are forgotten)
ANSWER_WINDOW = 2 << 20  # bytes of log after a call searched for its result
RUNNING_WINDOW = 64 << 20  # ... after a reply saying its process still runs
ANSWER_LOOKAHEAD = 16 << 20  # bytes of the next range searched for the answers of a range's last calls


class _Wanted:
    """Ids of picked calls whose result has not been seen yet, each with the bytes of log
    after its call still to search: results follow their calls within a few records (tool
    outputs are capped in the logs), so only that stretch is searched, and an id never
    answered (a message id) is forgotten; a process still running gets a long stretch."""

    def __init__(self, keys: tuple[bytes, ...], ids: Any = ()):
        self.keys = keys
        self.ids: dict[bytes, int] = dict.fromkeys(ids, ANSWER_WINDOW)  # id -> bytes left to search

    def note_calls(self, block: bytes, starts: list[int]) -> dict[bytes, int]:
        """Remember the call ids on the picked lines; {id: offset of its line} for this block."""
        origin: dict[bytes, int] = {}
        for start in starts:
            end = block.find(b"\n", start)
            for m in _CALL_ID.finditer(block, start, end if end >= 0 else len(block)):
                key = m.group(1)
                origin.setdefault(key, start)
                self.ids[key] = ANSWER_WINDOW
        while len(self.ids) > MAX_WANTED:
            del self.ids[next(iter(self.ids))]
        return origin

    def answers(self, block: bytes, origin: dict[bytes, int]) -> set[int]:
        """Starts of the lines of `block` that answer a wanted call (after the call's line)."""
        found: set[int] = set()
        if not self.ids or not self.keys:
            return found
        size = len(block)
        spans = sorted((origin.get(k, 0), min(size, origin.get(k, 0) + left)) for k, left in self.ids.items())
        merged: list[list[int]] = []
        for a, b in spans:  # the stretches to search, merged
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        for a, b in merged:
            for key in self.keys:
                pos = block.find(key, a, b)
                while pos >= 0:
                    m = _REFERENCE_VALUE.match(block, pos + len(key))
                    ident = m.group(1) if m is not None else None
                    if ident is not None and ident in self.ids:
                        start = block.rfind(b"\n", 0, pos) + 1
                        if start > origin.get(ident, -1):
                            found.add(start)
                            end = block.find(b"\n", pos)
                            if block.find(_STILL_RUNNING, start, end if end >= 0 else size) >= 0:
                                self.ids[ident] = RUNNING_WINDOW  # the exit code comes later
                            else:
                                self.ids.pop(ident, None)
                    pos = block.find(key, pos + len(key), b)
        # what is left to search after this block
        self.ids = {k: n - (size - origin.get(k, 0)) for k, n in self.ids.items() if n > size - origin.get(k, 0)}
        return found


def _candidates(
    f: BinaryIO, prefilter: Any, max_bytes: int, *, limit: int | None = None, first: bool = True,
    wanted: _Wanted | None = None,
) -> Iterator[tuple[str, int, Any, bool]]:
    """("line", line, raw, complete) for each candidate line of `f` (its next `limit`
    bytes, whole lines), scanned in blocks; ("big", line, size, False) for oversized
    ones; last ("end", lines, ids, False): how many lines were read, and the ids of the
    calls still waiting for a result (see _Wanted)."""
    wanted = wanted if wanted is not None else _Wanted(())
    lines_before = 0  # lines wholly consumed before `block`
    carry = b""
    remaining = limit
    while True:
        chunk = f.read(BLOCK_BYTES if remaining is None else min(BLOCK_BYTES, remaining))
        if remaining is not None:
            remaining -= len(chunk)
        data = carry + chunk if carry else chunk
        if not chunk:
            if data and not data.isspace():  # a last line without its newline
                yield "line", lines_before + 1, data, False
            yield "end", lines_before + (1 if data else 0), list(wanted.ids), False
            return
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > max_bytes:
                size = len(data)
                while True:  # drain the oversized line without keeping it
                    more = f.readline(1 << 20)
                    if not more:
                        break
                    if remaining is not None:
                        remaining -= len(more)
                    size += len(more)
                    if more.endswith(b"\n"):
                        break
                lines_before += 1
                yield "big", lines_before, size, False
                carry = b""
                continue
            carry = data
            continue
        block, carry = data[: cut + 1], data[cut + 1 :]
        if first and block.startswith(_BOM):
            block = b" " * len(_BOM) + block[len(_BOM) :]
        starts = prefilter.candidates(block)
        if first and (not starts or starts[0] != 0):
            starts.insert(0, 0)  # the first record names the session / format metadata
        first = False
        origin = wanted.note_calls(block, starts)
        answers = wanted.answers(block, origin)
        if answers:
            starts = sorted(answers.union(starts))
        line, pos = lines_before, 0
        for start in starts:
            line += block.count(b"\n", pos, start)
            pos = start
            end = block.index(b"\n", start)
            if end - start > max_bytes:
                yield "big", line + 1, end - start, False
            elif not block[start:end].isspace() and end > start:
                yield "line", line + 1, block[start:end], True
        lines_before = line + block.count(b"\n", pos)


def _parse_line(
    raw: bytes, line: int, complete: bool, display_path: str, fmt: str
) -> Iterator[tuple[int, dict] | Notice]:
    obj, error, replaced = loads(raw)
    if error is not None:
        why = f"truncated last line (the file may still be being written): {error}" if not complete else error
        yield Notice(f"{fmt}: line {line}: {why}", display_path, line)
        return
    if replaced:
        yield Notice(f"{fmt}: line {line}: invalid UTF-8; read with replacement characters", display_path, line)
    if not isinstance(obj, dict):
        yield Notice(f"{fmt}: line {line}: not a JSON object ({type(obj).__name__})", display_path, line)
        return
    yield line, obj


# --- pretty-printed documents -------------------------------------------------------------

_TOKEN = re.compile(rb'["\[\]{},]')
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_WS = re.compile(rb"[ \t\r\n]*")


class ScanError(Exception):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def _skip_ws(data: bytes, pos: int) -> int:
    return _WS.match(data, pos).end()


def _value_end(data: bytes, pos: int) -> int:
    """Offset just past the value starting at `pos` (up to the next `,`/`]`/`}` at depth 0)."""
    depth = 0
    while True:
        m = _TOKEN.search(data, pos)
        if m is None:
            raise ScanError("unexpected end of JSON (truncated?)", len(data))
        i = m.start()
        c = data[i]
        if c == 0x22:  # "
            s = _STRING.match(data, i)
            if s is None:
                raise ScanError("unterminated string (truncated?)", i)
            pos = s.end()
            continue
        if c in (0x5B, 0x7B):  # [ {
            depth += 1
        elif c in (0x5D, 0x7D):  # ] }
            if depth == 0:
                return i
            depth -= 1
        elif c == 0x2C and depth == 0:  # ,
            return i
        pos = i + 1


def scan_members(data: bytes, pos: int) -> Iterator[tuple[str | None, int, int]]:
    """Members of the array or object starting at `pos`: (key or None, value start, value end).

    Iterative (no recursion), so any nesting depth is fine. Raises ScanError.
    """
    opener = data[pos : pos + 1]
    if opener not in (b"[", b"{"):
        raise ScanError("expected an array or an object", pos)
    closer = 0x5D if opener == b"[" else 0x7D
    pos = _skip_ws(data, pos + 1)
    if pos < len(data) and data[pos] == closer:
        return
    while True:
        key = None
        if closer == 0x7D:
            s = _STRING.match(data, pos)
            if s is None:
                raise ScanError("expected an object key", pos)
            try:
                key = json.loads(s.group().decode("utf-8", "replace"))
            except ValueError:
                key = ""
            pos = _skip_ws(data, s.end())
            if data[pos : pos + 1] != b":":
                raise ScanError("expected ':' after an object key", pos)
            pos = _skip_ws(data, pos + 1)
        start = pos
        end = _value_end(data, pos)
        yield key, start, end
        if data[end] == closer:
            return
        if data[end] == 0x2C:
            pos = _skip_ws(data, end + 1)
            continue
        raise ScanError("mismatched bracket", end)


class LineCounter:
    """1-based line of a byte offset; cheap for increasing offsets."""

    def __init__(self, data: bytes):
        self.data = data
        self._offset = 0
        self._line = 1

    def __call__(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self.data.count(b"\n", self._offset, offset)
        self._offset = offset
        return self._line


def key_lines(data: bytes, start: int, end: int, name: str, depth: int, lines: LineCounter) -> list[int]:
    """Lines of every key `name` at nesting `depth` (1 = the element's own keys) in data[start:end]."""
    out: list[int] = []
    needle = b'"' + name.encode() + b'"'
    if data.find(needle, start, end) < 0:
        return out
    level = 0
    pos = start
    while True:
        m = _TOKEN.search(data, pos, end)
        if m is None:
            return out
        i = m.start()
        c = data[i]
        if c == 0x22:
            s = _STRING.match(data, i, end)
            if s is None:
                return out
            pos = s.end()
            if level == depth and s.group() == needle and data[_skip_ws(data, pos) : _skip_ws(data, pos) + 1] == b":":
                out.append(lines(i))
            continue
        if c in (0x5B, 0x7B):
            level += 1
        elif c in (0x5D, 0x7D):
            level -= 1
        pos = i + 1


def read_document(path: str, display_path: str, fmt: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> tuple[bytes | None, Notice | None]:
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        return None, Notice(f"{fmt}: cannot read: {exc.strerror or exc}", display_path)
    if len(data) > max_bytes:
        return None, Notice(
            f"{fmt}: file is over the {max_bytes}-byte limit for a single JSON document; not read",
            display_path,
        )
    if data.startswith(_BOM):
        data = b"   " + data[3:]  # keep offsets
    return data, None


def iter_document(
    data: bytes, display_path: str, fmt: str, array_keys: tuple[str, ...] = ()
) -> Iterator[tuple[str, Any, int, int, int] | Notice]:
    """Walk one JSON document.

    Yields ("meta", {key: value}, 0, 0, 0) once for the scalar top-level members of an
    object document (before its elements, if they come first), then
    ("item", element, line, start, end) for each element of the top-level array or of the
    first top-level member named in `array_keys`, and Notices.
    """
    lines = LineCounter(data)
    pos = _skip_ws(data, 0)
    if pos >= len(data):
        yield Notice(f"{fmt}: empty file", display_path, 1)
        return
    try:
        if data[pos] == 0x5B:  # top-level array
            yield from _elements(data, pos, display_path, fmt, lines)
            return
        if data[pos] != 0x7B:
            yield Notice(f"{fmt}: line {lines(pos)}: not a JSON object or array", display_path, lines(pos))
            return
        meta: dict[str, Any] = {}
        array_at: int | None = None
        for key, start, end in scan_members(data, pos):
            if key in array_keys and array_at is None and data[start] == 0x5B:
                array_at = start
                continue
            if end - start <= 4096 and data[start] not in (0x5B, 0x7B):
                value, error, _ = loads(data[start:end])
                if error is None:
                    meta[key] = value
        yield "meta", meta, 0, 0, 0
        if array_at is not None:
            yield from _elements(data, array_at, display_path, fmt, lines)
        elif array_keys:
            yield Notice(f"{fmt}: no {' or '.join(array_keys)} array in the JSON document; nothing read", display_path, lines(pos))
    except ScanError as exc:
        line = lines(min(exc.offset, len(data)))
        yield Notice(f"{fmt}: line {line}: {exc}; the rest of the file was not read", display_path, line)


def _elements(data: bytes, pos: int, display_path: str, fmt: str, lines: LineCounter):
    # collect boundaries first would hold little memory, but streaming them is as easy:
    for _key, start, end in scan_members(data, pos):
        line = lines(start)
        value, error, replaced = loads(data[start:end])
        if error is not None:
            yield Notice(f"{fmt}: line {line}: {error}", display_path, line)
            continue
        if replaced:
            yield Notice(f"{fmt}: line {line}: invalid UTF-8; read with replacement characters", display_path, line)
        yield "item", value, line, start, end


def head_objects(head: bytes, limit: int = 8) -> list[dict]:
    """The JSON objects on the first complete lines of `head` (for format sniffing)."""
    out: list[dict] = []
    if head.startswith(_BOM):
        head = head[3:]
    lines = head.split(b"\n")
    if not head.endswith(b"\n"):
        lines = lines[:-1] or lines  # the last piece may be cut by the head size
    for raw in lines:
        if raw.isspace() or not raw:
            continue
        value, error, _ = loads(raw)
        if error is not None or not isinstance(value, dict):
            break  # not JSON Lines (a pretty-printed document, text): no use reading on
        out.append(value)
        if len(out) >= limit:
            break
    return out


def looks_like_document(head: bytes) -> bool:
    """Whether a file is one JSON document (pretty-printed or not) rather than JSON Lines."""
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if s[:1] == b"[":
        return True
    if s[:1] != b"{":
        return False
    lines = s.split(b"\n")
    if loads(lines[0])[1] is None:
        return False  # a complete object on line 1: JSON Lines (or a one-line document)
    # a pretty-printed document's first line leaves a structure open: `{`, `{"messages": [`,
    # `{"id": "x",`; a broken JSONL record (or a one-line document cut by the head) does not
    return lines[0].rstrip()[-1:] in (b"{", b"[", b",", b":")
