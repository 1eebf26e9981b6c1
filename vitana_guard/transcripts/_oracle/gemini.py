"""Gemini CLI chats: `session-*.jsonl` (replay log) and legacy `session-*.json` (one object).

JSONL replay: a line with a string `id` is a message, re-appended whole when it changes; the
last copy wins, at the first copy's position (reported at the last copy's line: it holds the
final status). `{"$set": {...}}` updates metadata (`messages` in it replaces the list);
`{"$rewindTo": id}` drops that message and all after it (unknown id: all). The replay needs
the latest copy of every live message in memory until the end of the file.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from ...model import Actor, Channel, Notice, Segment, Status
from . import _jsonl
from ._common import UnknownTypes, assistant_text, content_text, make, tool_payloads

NAME = "gemini"
_EXIT = re.compile(r"Exit Code:\s*(-?\d+)")
# message types read; any other is counted and named in a note
_MESSAGE_TYPES = frozenset({"user", "gemini", "model", "info", "error", "warning"})
# user-typed messages the CLI writes itself: the expanded `/init` prompt, the nudge the CLI
# sends when the model stops mid-task, and the context set-up turn
_INJECTED_PREFIXES = (
    "You are an AI agent that brings the power of Gemini directly into the terminal.",
    "System: Please continue.",
    "This is the Gemini CLI. We are setting up the context for our chat.",
)
_REFERENCED = "\n--- Content from referenced files ---"  # `@file` contents the CLI appends


def sniff_record(obj: dict) -> bool:
    if "sessionId" in obj and "projectHash" in obj:
        return True
    msgs = obj.get("messages")
    return (
        isinstance(msgs, list)
        and bool(msgs)
        and isinstance(msgs[0], dict)
        and msgs[0].get("type") in ("user", "gemini", "info", "error", "warning")
    )


def status_of(status: Any, output: str) -> Status:
    m = _EXIT.search(output[-4000:]) if output else None
    code = int(m.group(1)) if m else None
    if status == "success":
        return Status.FAILED if code not in (None, 0) else Status.EXECUTED
    if status == "error":
        return Status.FAILED if code is not None else Status.DENIED
    if status == "cancelled":
        return Status.DENIED
    return Status.UNKNOWN  # scheduled / validating / awaiting_approval / executing: never finished


def _result_output(result: Any) -> str:
    parts: list[str] = []
    if isinstance(result, dict):
        result = [result]
    if not isinstance(result, list):
        return ""
    for r in result:
        if not isinstance(r, dict):
            continue
        fr = r.get("functionResponse")
        resp = fr.get("response") if isinstance(fr, dict) else None
        if isinstance(resp, dict):
            for key in ("output", "error", "llmContent"):
                v = resp.get(key)
                if isinstance(v, str) and v:
                    parts.append(v)
                    break
        elif isinstance(r.get("text"), str):
            parts.append(r["text"])
    return "\n".join(parts)


def read(path: str, display_path: str, prefilter: Any = None) -> Iterator[Segment | Notice]:
    try:
        f = open(path, "rb")
    except OSError as exc:
        yield Notice(f"{NAME}: cannot read: {exc.strerror or exc}", display_path)
        return
    with f:
        head = f.read(65536)
        f.seek(0)
        stripped = head.lstrip()
        first_line = stripped.split(b"\n", 1)[0]
        value, error, _ = _jsonl.loads(first_line)
        legacy = _jsonl.looks_like_document(head) or (
            error is None and isinstance(value, dict) and isinstance(value.get("messages"), list)
        )
        if legacy:
            yield from _read_legacy(path, display_path)
            return
        meta: dict[str, Any] = {}
        messages: dict[str, tuple[int, dict]] = {}  # id -> (line of latest copy, latest copy)
        unknown = UnknownTypes()
        for item in _jsonl.iter_records(f, display_path, NAME, prefilter=prefilter):
            if isinstance(item, Notice):
                yield item  # reported as read; messages come at the end (replay semantics)
                continue
            line, rec = item
            if isinstance(rec.get("id"), str):
                messages[rec["id"]] = (line, rec)  # re-appended copy replaces, position kept
            elif "$rewindTo" in rec:
                target = rec["$rewindTo"]
                if not isinstance(target, str):  # a list or object is no message id (nor hashable)
                    yield Notice(f"{NAME}: line {line}: $rewindTo is not a message id; ignored", display_path, line)
                    continue
                keys = list(messages)
                cut = keys.index(target) if target in messages else 0
                for k in keys[cut:]:
                    del messages[k]
            elif "$set" in rec:
                upd = rec["$set"]
                if isinstance(upd, dict):
                    if isinstance(upd.get("messages"), list):
                        messages = {}
                        for m in upd["messages"]:
                            if isinstance(m, dict) and isinstance(m.get("id"), str):
                                messages[m["id"]] = (line, m)
                    meta.update({k: v for k, v in upd.items() if k != "messages"})
            elif not meta and "sessionId" in rec:
                meta.update(rec)
            elif "$patch" not in rec:  # $patch: unconfirmed upstream, skipped
                unknown.add("line without a message id", line)
    session = meta.get("sessionId") if isinstance(meta.get("sessionId"), str) else display_path
    sub = _is_subagent(display_path, meta)
    for index, (line, msg) in enumerate(messages.values()):
        if msg.get("type") not in _MESSAGE_TYPES:
            unknown.add(f"message/{msg.get('type')}" if isinstance(msg.get("type"), str) else "message/(type not a string)", line)
        yield from _message(msg, line, index, session, display_path, None, sub)
    notice = unknown.notice(NAME, display_path)
    if notice is not None:
        yield notice


def _is_subagent(display_path: str, meta: dict) -> bool:
    """A sub-agent's chat (`chats/<parent-session>/<session>.jsonl`, or metadata saying so):
    its user messages are the parent agent's prompts."""
    if meta.get("kind") == "subagent" or isinstance(meta.get("parentSessionId"), str):
        return True
    parts = display_path.replace("\\", "/").split("/")
    return len(parts) >= 3 and parts[-3] == "chats"


def _read_legacy(path: str, display_path: str) -> Iterator[Segment | Notice]:
    data, notice = _jsonl.read_document(path, display_path, NAME)
    if notice is not None:
        yield notice
        return
    session = display_path
    lines = _jsonl.LineCounter(data)
    index = -1
    sub = _is_subagent(display_path, {})
    for item in _jsonl.iter_document(data, display_path, NAME, ("messages",)):
        if isinstance(item, Notice):
            yield item
            continue
        tag, value, line, start, end = item
        if tag == "meta":
            if isinstance(value.get("sessionId"), str):
                session = value["sessionId"]
            sub = _is_subagent(display_path, value)
            continue
        index += 1
        if not isinstance(value, dict):
            continue
        arg_lines = None
        if value.get("toolCalls"):
            arg_lines = _jsonl.key_lines(data, start, end, "args", 3, lines)
        content_line = (_jsonl.key_lines(data, start, end, "content", 1, lines) or [line])[0]
        yield from _message(value, line, index, session, display_path, (content_line, arg_lines), sub)


def _message(msg: dict, line: int, index: int, session: str, display_path: str, lines_hint, sub: bool = False) -> Iterator:
    try:
        yield from _message_segments(msg, line, index, session, display_path, lines_hint, sub)
    except Exception as exc:  # noqa: BLE001
        yield Notice(f"{NAME}: line {line}: unreadable message: {type(exc).__name__}: {exc}", display_path, line)


def _message_segments(msg: dict, line: int, index: int, session: str, display_path: str, lines_hint, sub: bool) -> Iterator:
    mtype = msg.get("type")
    mid = msg.get("id") if isinstance(msg.get("id"), str) else None
    content_line, arg_lines = lines_hint if lines_hint else (line, None)
    base = dict(path=display_path, kind=NAME, line=content_line, session=session, index=index, record_id=mid)
    text = content_text(msg.get("content"))
    if text.strip():
        if mtype in ("gemini", "model"):
            yield from assistant_text(text, base)
        elif mtype == "user":
            for channel, actor, part in _user_text(text, sub):
                yield make(part, channel, actor=actor, **base)
        else:  # info / error / warning: written by the CLI
            yield make(text, Channel.PROSE, actor=Actor.INJECTED, **base)
    # thoughts: not said to anyone; skipped
    calls = msg.get("toolCalls")
    if not isinstance(calls, list):
        return
    for j, tc in enumerate(calls):
        if not isinstance(tc, dict):
            continue
        name = tc.get("name") if isinstance(tc.get("name"), str) else None
        tid = tc.get("id") if isinstance(tc.get("id"), str) else None
        output = _result_output(tc.get("result"))
        if not output and isinstance(tc.get("resultDisplay"), str):
            output = tc["resultDisplay"]
        status = status_of(tc.get("status"), output)
        call_line = arg_lines[j] if arg_lines and len(arg_lines) == len(calls) else line
        cbase = dict(base, line=call_line, record_id=tid)
        for channel, ptext in tool_payloads(name, tc.get("args")):
            yield make(ptext, channel, actor=Actor.AGENT, status=status, tool=name, **cbase)
        if output.strip():
            yield make(output, Channel.OUTPUT, actor=Actor.TOOL, status=status, tool=name, **cbase)


def _user_text(text: str, sub: bool) -> list[tuple[Channel, Actor, str]]:
    """Who wrote a `user` message: the human, or the CLI (injected prompts, `@file` contents),
    or, in a sub-agent's chat, the parent agent."""
    if text.lstrip().startswith(_INJECTED_PREFIXES):
        return [(Channel.PROSE, Actor.INJECTED, text)]
    typed, sep, files = text.partition(_REFERENCED)
    out: list[tuple[Channel, Actor, str]] = []
    if typed.strip():
        out.append((Channel.PROSE, Actor.AGENT, typed) if sub else (Channel.USER, Actor.HUMAN, typed))
    if sep and files.strip():
        out.append((Channel.PROSE, Actor.INJECTED, sep.lstrip("\n") + files))
    return out


def sniff(head: bytes) -> bool:
    """Whether the first JSON lines of `head` look like this format."""
    return any(sniff_record(obj) for obj in _jsonl.head_objects(head))
