"""Pull requests: the segments of a GitHub `pull_request` event (or of a title, body and head
given on the command line).

- the body: `message.segments(..., "pr-body")`: one prose segment (VG301 judges it whole)
  plus its fenced shell/http blocks as commands and requests;
- the title: a prose segment of kind `pr-title`;
- the head branch: a META segment of kind `pr-head` (VG304 requires the branch pattern).

In an event file every value is a JSON string on one line, so its segments are `flat`:
findings point at the line of the value (`"body": ...`) in the event file.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Iterator

from vitana_guard.errors import UsageError
from vitana_guard.model import Channel, Origin, Segment
from vitana_guard.sources import message


@dataclass(frozen=True)
class PullRequest:
    title: str
    body: str
    head: str
    base: str | None = None
    number: int | None = None
    head_sha: str | None = None
    base_sha: str | None = None
    # lines of the values in the event file (None: not from an event file)
    title_line: int | None = None
    body_line: int | None = None
    head_line: int | None = None


def _line_of_key(text: str, key: str, start: int, value: str | None = None) -> int | None:
    """Line of the first `"key": ...` after `start` in a JSON text."""
    for m in re.finditer(r'"%s"\s*:' % re.escape(key), text[start:]):
        return text.count("\n", 0, start + m.start()) + 1
    return None


def from_event(path: str) -> PullRequest:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read event file: {getattr(e, 'strerror', None) or e}", path) from None
    try:
        event = json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"not JSON: {e.msg}", path, e.lineno) from None
    except RecursionError:
        raise UsageError("not JSON this tool can read: nested too deeply", path) from None
    except ValueError as e:  # a number of over 4300 digits (Python's int conversion limit)
        raise UsageError(f"not JSON this tool can read: {e}", path) from None
    pr = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pr, dict):
        raise UsageError("not a GitHub pull_request event (no `pull_request` object); "
                         "pass $GITHUB_EVENT_PATH of a pull_request or pull_request_target run", path)
    head = pr.get("head") if isinstance(pr.get("head"), dict) else {}
    base = pr.get("base") if isinstance(pr.get("base"), dict) else {}
    at = text.find('"pull_request"')
    at = max(at, 0)
    head_at = text.find('"head"', at)
    return PullRequest(
        title=str(pr.get("title") or ""),
        body=str(pr.get("body") or ""),
        head=str(head.get("ref") or ""),
        base=base.get("ref"),
        number=pr.get("number"),
        head_sha=head.get("sha"),
        base_sha=base.get("sha"),
        title_line=_line_of_key(text, "title", at),
        body_line=_line_of_key(text, "body", at),
        head_line=_line_of_key(text, "ref", head_at) if head_at >= 0 else None,
    )


def segments(display_path: str, pr: PullRequest) -> Iterator[Segment]:
    flat = pr.body_line is not None
    body_line = pr.body_line or 1
    # an empty body is still a body (VG301 judges it); the engine skips empty segments
    for seg in message.segments(display_path, pr.body or " ", "pr-body", line=body_line):
        yield replace(seg, flat=True, line=body_line, column=1) if flat else seg
    if pr.title:
        yield Segment(pr.title, Channel.PROSE, Origin(path=display_path, kind="pr-title"),
                      line=pr.title_line or 1, flat=pr.title_line is not None)
    if pr.head:
        yield Segment(pr.head, Channel.META, Origin(path=display_path, kind="pr-head"),
                      line=pr.head_line or 1, flat=pr.head_line is not None)
