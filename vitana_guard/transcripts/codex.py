"""Codex CLI rollout JSONL (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Reads the `response_item` stream only (`event_msg` repeats the same messages). Mid-2025
bare-item lines (no envelope) and the single-document `{session, items}` form are read too.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ..model import Actor, Channel, Notice, Segment, Status
from . import _jsonl
from ._common import Ordered, argv_to_command, assistant_text, content_text, make, salvage_command, tool_payloads

NAME = "codex"
_ITEM_TYPES = {
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "compaction",
    "web_search_call",
}
_DENIED = ("exec command rejected by user", "patch rejected by user", "This action was rejected due to unacceptable risk.")
_EXIT = re.compile(r"(?:^|\n)\s*(?:Exit code:|Process exited with code)\s*(-?\d+)")
_INJECTED = ("<environment_context>", "<user_instructions>", "# AGENTS.md instructions", "<INSTRUCTIONS>", "<turn_aborted>")
_USER_SHELL = re.compile(r"<user_shell_command>(.*?)</user_shell_command>", re.S)
_SHELL_CMD = re.compile(r"<command>(.*?)</command>", re.S)


def sniff_record(obj: dict) -> bool:
    if {"timestamp", "type", "payload"} <= obj.keys():
        return True
    if obj.get("type") == "session_meta":
        return True
    # mid-2025: first line {id, timestamp, instructions, git}; single document {session, items}
    if "id" in obj and "timestamp" in obj and "instructions" in obj:
        return True
    return isinstance(obj.get("session"), dict) and isinstance(obj.get("items"), list)


def output_of(raw: Any) -> tuple[str, Status]:
    """(text to report as output, status) of a function_call_output `output`."""
    text = raw
    meta_exit = None
    success = None
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        value, error, _ = _jsonl.loads(raw)
        if error is None and isinstance(value, dict):
            raw = value
    if isinstance(raw, dict):
        md = raw.get("metadata")
        if isinstance(md, dict) and isinstance(md.get("exit_code"), int):
            meta_exit = md["exit_code"]
        if isinstance(raw.get("success"), bool):
            success = raw["success"]
        for key in ("output", "content"):
            if key in raw:
                text = content_text(raw[key]) if not isinstance(raw[key], str) else raw[key]
                break
        else:
            text = json.dumps(raw, ensure_ascii=False)
    elif isinstance(raw, list):
        text = content_text(raw)
    if not isinstance(text, str):
        text = "" if text is None else json.dumps(text, ensure_ascii=False)
    head = text[:4000]
    if any(d in head for d in _DENIED):
        return text, Status.DENIED
    if "sandbox denied exec error" in head:
        return text, Status.FAILED
    if meta_exit is not None:
        return text, Status.FAILED if meta_exit != 0 else Status.EXECUTED
    m = _EXIT.search(head)
    if m:
        return text, Status.FAILED if int(m.group(1)) != 0 else Status.EXECUTED
    if success is False:
        return text, Status.FAILED
    return text, Status.EXECUTED


def read(path: str, display_path: str, prefilter: Any = None) -> Iterator[Segment | Notice]:
    try:
        f = open(path, "rb")
    except OSError as exc:
        yield Notice(f"{NAME}: cannot read: {exc.strerror or exc}", display_path)
        return
    with f:
        head = f.read(65536)
        f.seek(0)
        if _jsonl.looks_like_document(head) and b'"items"' in head:
            yield from _read_document(path, display_path)
            return
        state = _State(display_path)
        for item in _jsonl.iter_records(f, display_path, NAME, prefilter=prefilter):
            if isinstance(item, Notice):
                yield from state.em.push(item)
                continue
            line, rec = item
            state.index += 1
            try:
                yield from _record(rec, line, state)
            except Exception as exc:  # noqa: BLE001
                yield from state.em.push(Notice(f"{NAME}: line {line}: unreadable record: {type(exc).__name__}: {exc}", display_path, line))
        yield from state.em.finish()


def _read_document(path: str, display_path: str) -> Iterator[Segment | Notice]:
    data, notice = _jsonl.read_document(path, display_path, NAME)
    if notice is not None:
        yield notice
        return
    state = _State(display_path)
    for item in _jsonl.iter_document(data, display_path, NAME, ("items",)):
        if isinstance(item, Notice):
            yield from state.em.push(item)
            continue
        tag, value, line, _s, _e = item
        if tag == "meta":
            sess = value.get("session")
            if isinstance(sess, dict) and isinstance(sess.get("id"), str):
                state.session = sess["id"]
            continue
        state.index += 1
        if isinstance(value, dict):
            yield from _item(value, line, state)
    yield from state.em.finish()


class _State:
    def __init__(self, display_path: str):
        self.path = display_path
        self.session: str | None = None
        self.index = -1
        self.em = Ordered()
        self.tools: dict[str, str] = {}

    def base(self, line: int) -> dict:
        return dict(path=self.path, kind=NAME, line=line, session=self.session or self.path, index=self.index)


def _record(rec: dict, line: int, st: _State) -> Iterator:
    rtype = rec.get("type")
    payload = rec.get("payload")
    if rtype == "session_meta" and isinstance(payload, dict):
        if isinstance(payload.get("id"), str):
            st.session = payload["id"]
        return
    if rtype == "response_item" and isinstance(payload, dict):
        yield from _item(payload, line, st)
        return
    if rtype == "compacted" and isinstance(payload, dict):
        text = payload.get("message")
        if isinstance(text, str) and text.strip():
            yield from st.em.push(make(text, Channel.PROSE, actor=Actor.INJECTED, **st.base(line)))
        return
    if "payload" not in rec:
        if isinstance(rtype, str) and rtype in _ITEM_TYPES:  # mid-2025 bare item line (a list type is unhashable)
            yield from _item(rec, line, st)
        elif st.index == 0 and isinstance(rec.get("id"), str) and "timestamp" in rec:
            st.session = rec["id"]  # mid-2025 first line: session meta
        elif isinstance(rec.get("items"), list):  # {session, items} on one line
            sess = rec.get("session")
            if isinstance(sess, dict) and isinstance(sess.get("id"), str):
                st.session = sess["id"]
            for it in rec["items"]:
                if isinstance(it, dict):
                    yield from _item(it, line, st)
    # event_msg, turn_context and unknown types: not read


def _item(item: dict, line: int, st: _State) -> Iterator:
    itype = item.get("type")
    em = st.em
    if itype == "message":
        role = item.get("role")
        content = item.get("content")
        parts = content if isinstance(content, list) else [content]
        item_id = item.get("id") if isinstance(item.get("id"), str) else None
        base = dict(st.base(line), record_id=item_id)
        for part in parts:
            text = content_text(part)
            if not text.strip():
                continue
            if role == "assistant":
                for seg in assistant_text(text, base):
                    yield from em.push(seg)
            elif role == "user":
                for channel, actor, t in _user_text(text):
                    yield from em.push(make(t, channel, actor=actor, **base))
            else:  # developer / system
                yield from em.push(make(text, Channel.PROSE, actor=Actor.INJECTED, **base))
        return
    if itype == "function_call":
        name = item.get("name") if isinstance(item.get("name"), str) else None
        call_id = item.get("call_id") or item.get("id")
        call_id = call_id if isinstance(call_id, str) else None
        if call_id and name:
            st.tools[call_id] = name
        args = item.get("arguments")
        payloads: list[tuple[Channel, str]] = []
        if isinstance(args, str):
            value, error, _ = _jsonl.loads(args) if args.strip() else ({}, None, False)
            if error is not None:
                yield from em.push(
                    Notice(f"{NAME}: line {line}: arguments of call {call_id} ({name}) are not valid JSON: {error}", st.path, line)
                )
                salvaged = salvage_command(args)
                if salvaged and name and name.lower() in ("exec_command", "shell_command", "shell", "container.exec"):
                    payloads = [(Channel.COMMAND, salvaged)]
                value = None
            args = value
        if isinstance(args, dict):
            if name == "write_stdin":
                chars = args.get("chars")
                if isinstance(chars, str) and chars.strip():
                    payloads = [(Channel.COMMAND, chars)]
            else:
                payloads = tool_payloads(name, args)
        for channel, text in payloads:
            seg = make(text, channel, actor=Actor.AGENT, record_id=call_id, tool=name, **st.base(line))
            yield from em.push_call(call_id, seg)
        return
    if itype == "local_shell_call":
        call_id = item.get("call_id") or item.get("id")
        call_id = call_id if isinstance(call_id, str) else None
        action = item.get("action")
        text = argv_to_command(action.get("command")) if isinstance(action, dict) else None
        if call_id:
            st.tools[call_id] = "local_shell_call"
        if text and text.strip():
            seg = make(text, Channel.COMMAND, actor=Actor.AGENT, record_id=call_id, tool="local_shell_call", **st.base(line))
            yield from em.push_call(call_id, seg)
        return
    if itype == "custom_tool_call":
        call_id = item.get("call_id")
        if isinstance(call_id, str) and isinstance(item.get("name"), str):
            st.tools[call_id] = item["name"]  # apply_patch: a file edit, quoted not run; exec: opaque JS
        return
    if itype in ("function_call_output", "custom_tool_call_output"):
        call_id = item.get("call_id") if isinstance(item.get("call_id"), str) else None
        text, status = output_of(item.get("output"))
        tool = st.tools.pop(call_id, None) if call_id else None
        yield from em.resolve(call_id, status)
        if text.strip():
            yield from em.push(
                make(text, Channel.OUTPUT, actor=Actor.TOOL, record_id=call_id, status=status, tool=tool, **st.base(line))
            )
        return
    # reasoning: not said to anyone; compaction: encrypted; others: unknown, skipped


def _user_text(text: str) -> list[tuple[Channel, Actor, str]]:
    s = text.lstrip()
    if s.startswith("<user_shell_command>"):
        out = []
        for m in _USER_SHELL.finditer(text):
            inner = m.group(1)
            cm = _SHELL_CMD.search(inner)
            out.append((Channel.USER, Actor.HUMAN, (cm.group(1) if cm else inner).strip()))
        return [o for o in out if o[2]] or [(Channel.USER, Actor.HUMAN, text)]
    if s.startswith(_INJECTED):
        return [(Channel.PROSE, Actor.INJECTED, text)]
    return [(Channel.USER, Actor.HUMAN, text)]


def sniff(head: bytes) -> bool:
    """Whether the first JSON lines of `head` look like this format."""
    return any(sniff_record(obj) for obj in _jsonl.head_objects(head))
