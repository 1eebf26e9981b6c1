"""OpenAI-style chat messages: a JSON array of `{role, ...}`, `{"messages": [...]}`, or JSONL
(one message a line, or one request/response a line: `{"messages": [...]}`,
`{"request": {...}, "response": {...}}`, `{"choices": [...]}`). Request lines repeat the
history; messages already read are not read again.
"""
from __future__ import annotations

import hashlib
from typing import Any, Iterator

from ...model import Actor, Channel, Notice, Segment, Status
from . import _jsonl
from ._common import Ordered, assistant_text, content_text, make, salvage_command, tool_payloads, SHELL_TOOLS

NAME = "openai"
_ROLES = ("system", "developer", "user", "assistant", "tool", "function")


def sniff_record(obj: dict) -> bool:
    if obj.get("role") in _ROLES:
        return True
    msgs = obj.get("messages")
    if isinstance(msgs, list) and msgs and isinstance(msgs[0], dict) and "role" in msgs[0]:
        return True
    if isinstance(obj.get("request"), dict) and isinstance(obj["request"].get("messages"), list):
        return True
    choices = obj.get("choices")
    return isinstance(choices, list) and bool(choices) and isinstance(choices[0], dict) and "message" in choices[0]


class _State:
    def __init__(self, display_path: str):
        self.path = display_path
        self.em = Ordered()
        self.index = -1
        self.history: list[bytes] = []  # digests of the messages of the current conversation
        self.tools: dict[str, str] = {}


def read(path: str, display_path: str, prefilter: Any = None) -> Iterator[Segment | Notice]:
    try:
        f = open(path, "rb")
    except OSError as exc:
        yield Notice(f"{NAME}: cannot read: {exc.strerror or exc}", display_path)
        return
    with f:
        head = f.read(65536)
        f.seek(0)
        if _jsonl.looks_like_document(head):
            yield from _read_document(path, display_path)
            return
        st = _State(display_path)
        for item in _jsonl.iter_records(f, display_path, NAME, prefilter=prefilter):
            if isinstance(item, Notice):
                yield from st.em.push(item)
                continue
            line, rec = item
            try:
                yield from _jsonl_record(rec, line, st)
            except Exception as exc:  # noqa: BLE001
                yield from st.em.push(Notice(f"{NAME}: line {line}: unreadable record: {type(exc).__name__}: {exc}", display_path, line))
        yield from st.em.finish()


def _jsonl_record(rec: dict, line: int, st: _State) -> Iterator:
    if "role" in rec:
        st.index += 1
        yield from _message(rec, line, st, None)
        return
    msgs = rec.get("messages")
    if msgs is None and isinstance(rec.get("request"), dict):
        msgs = rec["request"].get("messages")
    if isinstance(msgs, list):
        digests = [_digest(m) for m in msgs]
        common = 0
        while common < min(len(digests), len(st.history)) and digests[common] == st.history[common]:
            common += 1
        if common < len(st.history) and common < len(digests):
            st.history = []  # another conversation
            common = 0
        for m in msgs[common:]:
            st.index += 1
            if isinstance(m, dict):
                yield from _message(m, line, st, None)
        st.history = digests if len(digests) >= len(st.history) else st.history
    resp = rec.get("response") if isinstance(rec.get("response"), dict) else rec
    choices = resp.get("choices")
    if isinstance(choices, list):
        for ch in choices[:1]:
            m = ch.get("message") if isinstance(ch, dict) else None
            if isinstance(m, dict):
                st.index += 1
                st.history.append(_digest(m))
                yield from _message(m, line, st, None)


def _digest(m: Any) -> bytes:
    """What identifies a message across request lines (not its incidental fields)."""
    if not isinstance(m, dict):
        return hashlib.blake2b(repr(m).encode(), digest_size=16).digest()
    calls = m.get("tool_calls") if isinstance(m.get("tool_calls"), list) else []
    key = [str(m.get("role")), content_text(m.get("content")), str(m.get("tool_call_id"))]
    for c in calls:
        fn = c.get("function") if isinstance(c, dict) and isinstance(c.get("function"), dict) else {}
        key += [str(c.get("id")) if isinstance(c, dict) else "", str(fn.get("name")), str(fn.get("arguments"))]
    return hashlib.blake2b("\x00".join(key).encode("utf-8", "replace"), digest_size=16).digest()


def _read_document(path: str, display_path: str) -> Iterator[Segment | Notice]:
    data, notice = _jsonl.read_document(path, display_path, NAME)
    if notice is not None:
        yield notice
        return
    st = _State(display_path)
    lines = _jsonl.LineCounter(data)
    for item in _jsonl.iter_document(data, display_path, NAME, ("messages",)):
        if isinstance(item, Notice):
            yield from st.em.push(item)
            continue
        tag, value, line, start, end = item
        if tag == "meta":
            continue
        st.index += 1
        if not isinstance(value, dict):
            yield from st.em.push(Notice(f"{NAME}: line {line}: message is not a JSON object", display_path, line))
            continue
        hints = None
        if value.get("tool_calls") or value.get("function_call"):
            depth = 4 if value.get("tool_calls") else 2
            hints = _jsonl.key_lines(data, start, end, "arguments", depth, lines)
        content_line = (_jsonl.key_lines(data, start, end, "content", 1, lines) or [line])[0]
        try:
            yield from _message(value, line, st, (content_line, hints))
        except Exception as exc:  # noqa: BLE001
            yield from st.em.push(Notice(f"{NAME}: line {line}: unreadable message: {type(exc).__name__}: {exc}", display_path, line))
    yield from st.em.finish()


def _message(m: dict, line: int, st: _State, hints) -> Iterator:
    em = st.em
    role = m.get("role")
    content_line, arg_lines = hints if hints else (line, None)
    base = dict(path=st.path, kind=NAME, line=content_line, session=st.path, index=st.index)
    text = content_text(m.get("content"))
    if role == "assistant":
        for seg in assistant_text(text, base):
            yield from em.push(seg)
        calls = m.get("tool_calls")
        if not isinstance(calls, list):
            calls = []
        fc = m.get("function_call")
        if isinstance(fc, dict):  # legacy single function call
            calls = calls + [{"id": None, "function": fc}]
        for j, call in enumerate(calls):
            if not isinstance(call, dict):
                continue
            fn = call.get("function") if isinstance(call.get("function"), dict) else {}
            name = fn.get("name") if isinstance(fn.get("name"), str) else None
            cid = call.get("id") if isinstance(call.get("id"), str) else None
            call_line = arg_lines[j] if arg_lines and len(arg_lines) == len(calls) else line
            if cid and name:
                st.tools[cid] = name
            args = fn.get("arguments")
            payloads: list[tuple[Channel, str]] = []
            if isinstance(args, str):
                value, error, _ = _jsonl.loads(args) if args.strip() else ({}, None, False)
                if error is not None or not isinstance(value, dict):
                    why = error or f"not a JSON object ({type(value).__name__})"
                    yield from em.push(
                        Notice(f"{NAME}: line {call_line}: arguments of tool call {cid} ({name}) are not valid JSON: {why}", st.path, call_line)
                    )
                    salvaged = salvage_command(args)
                    if salvaged and name and name.lower() in SHELL_TOOLS:
                        payloads = [(Channel.COMMAND, salvaged)]
                    value = None
                args = value
            if isinstance(args, dict):
                payloads = tool_payloads(name, args)
            for channel, ptext in payloads:
                seg = make(ptext, channel, actor=Actor.AGENT, record_id=cid, tool=name, **dict(base, line=call_line))
                yield from em.push_call(cid, seg)
        return
    if role in ("tool", "function"):
        cid = m.get("tool_call_id") if isinstance(m.get("tool_call_id"), str) else None
        tool = st.tools.pop(cid, None) if cid else (m.get("name") if isinstance(m.get("name"), str) else None)
        # the log says nothing of exit codes: a tool message answering the call means it ran
        yield from em.resolve(cid, Status.EXECUTED)
        if text.strip():
            yield from em.push(
                make(text, Channel.OUTPUT, actor=Actor.TOOL, record_id=cid, status=Status.EXECUTED, tool=tool, **base)
            )
        return
    if not text.strip():
        return
    if role == "user":
        yield from em.push(make(text, Channel.USER, actor=Actor.HUMAN, **base))
    else:  # system / developer
        yield from em.push(make(text, Channel.PROSE, actor=Actor.INJECTED, **base))


def sniff(head: bytes) -> bool:
    """Whether the first JSON lines of `head` look like this format."""
    return any(sniff_record(obj) for obj in _jsonl.head_objects(head))
