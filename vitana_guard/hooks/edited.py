"""The file an edit produces: Edit/MultiEdit (Claude), replace (Gemini) and Codex
`apply_patch` updates are judged on the resulting file, as `scan` would judge it, so a
`gcloud run deploy` added inside an existing `run: |` block, a Makefile recipe or a
package.json script is seen in its context. Only the lines the edit wrote are reported.

Bounded: files over MAX_BYTES are not read (the edit's new text is judged alone, as
before). An edit whose old text is not in the file is judged on its new text alone (the
tool will refuse it anyway).
"""
from __future__ import annotations

import os

MAX_BYTES = 2 << 20


def _read(path: str, cwd: str) -> str | None:
    full = path if os.path.isabs(path) else os.path.join(cwd, path)
    try:
        if os.path.getsize(full) > MAX_BYTES:
            return None
        with open(full, encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
    except (OSError, ValueError):
        return None


def _lines_of(text: str, spans: list[tuple[int, int]]) -> frozenset[int]:
    out: set[int] = set()
    for s, e in spans:
        first = text.count("\n", 0, s) + 1
        last = first + text.count("\n", s, max(s, e - 1))
        out.update(range(first, last + 1))
    return frozenset(out)


def apply_edits(path: str, cwd: str, args: dict, edits: list) -> tuple[str, frozenset[int]] | None:
    """(resulting text, lines written) of an Edit / MultiEdit / replace; None when the
    file cannot be read or an old text is not in it."""
    text = _read(path, cwd)
    if text is None:
        return None
    steps = [e for e in edits if isinstance(e, dict)] if edits else [args]
    spans: list[tuple[int, int]] = []
    for step in steps:
        old, new = step.get("old_string"), step.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str) or not old or old not in text:
            return None
        count = None if step.get("replace_all") or step.get("expected_replacements", 1) != 1 else 1
        pieces = text.split(old) if count is None else text.split(old, 1)
        out, pos, new_spans = [], 0, []
        for i, piece in enumerate(pieces):
            out.append(piece)
            pos += len(piece)
            if i < len(pieces) - 1:
                new_spans.append((pos, pos + len(new)))
                out.append(new)
                pos += len(new)
        shifted = _shift(spans, text, pieces, old, new)
        text = "".join(out)
        spans = shifted + new_spans
    return text, _lines_of(text, spans)


def _shift(spans, text, pieces, old, new):
    """Earlier edits' spans moved by this replacement (approximate: by offset)."""
    if not spans:
        return []
    starts, pos = [], 0
    for piece in pieces[:-1]:
        pos += len(piece)
        starts.append(pos)
        pos += len(old)
    delta = len(new) - len(old)
    out = []
    for s, e in spans:
        before = sum(1 for st in starts if st < s)
        out.append((s + before * delta, e + before * delta))
    return out


def patch_files(patch: str) -> list[tuple[str, str, list[str]]]:
    """(path, "add"|"update"|"delete", body lines) of each file of a Codex patch."""
    out: list[tuple[str, str, list[str]]] = []
    current = None
    for line in patch.split("\n"):  # lines end at "\n" only, as the tool applies them
        line = line.removesuffix("\r")
        for head, kind in (("*** Add File: ", "add"), ("*** Update File: ", "update"), ("*** Delete File: ", "delete")):
            if line.startswith(head):
                current = (line[len(head):].strip(), kind, [])
                out.append(current)
                break
        else:
            if line.startswith("*** ") or current is None:
                if line.startswith("*** End"):
                    current = None
                continue
            current[2].append(line)
    return out


def apply_hunks(path: str, cwd: str, body: list[str]) -> tuple[str, frozenset[int]] | None:
    """(resulting text, lines written) of an `*** Update File` body; None when the file
    cannot be read or a hunk's context is not found."""
    text = _read(path, cwd)
    if text is None:
        return None
    lines = text.split("\n")
    hunks: list[list[str]] = [[]]
    for line in body:
        if line.startswith("@@"):
            hunks.append([])
        elif line[:1] in (" ", "+", "-") or line == "":
            hunks[-1].append(line if line else " ")
    written: list[int] = []
    cursor = 0
    for hunk in hunks:
        if not hunk:
            continue
        old = [h[1:] for h in hunk if h[0] in " -"]
        new = [h[1:] for h in hunk if h[0] in " +"]
        at = _find(lines, old, cursor)
        if at is None:
            return None
        lines[at:at + len(old)] = new
        k = at
        for h in hunk:
            if h[0] == "+":
                written.append(k + 1)
            if h[0] in " +":
                k += 1
        cursor = at + len(new)
    return "\n".join(lines), frozenset(written)


def _find(lines: list[str], block: list[str], start: int) -> int | None:
    if not block:
        return start
    for i in range(start, len(lines) - len(block) + 1):
        if lines[i:i + len(block)] == block:
            return i
    stripped = [b.rstrip() for b in block]
    for i in range(0, len(lines) - len(block) + 1):
        if [x.rstrip() for x in lines[i:i + len(block)]] == stripped:
            return i
    return None
