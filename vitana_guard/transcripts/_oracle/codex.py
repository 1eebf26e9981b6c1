"""Codex CLI rollout JSONL (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Reads the `response_item` stream (`event_msg` repeats the same messages), plus the
`exec_command_end` events, which say how a command ended (a current `exec_command` is first
answered "Process running with session ID N"; its exit code comes later). Mid-2025 bare-item
lines (no envelope) and the single-document `{session, items}` form are read too.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ...model import Actor, Channel, Notice, Segment, Status
from . import _jsonl
from ._common import (
    CODE_KEYS,
    Ordered,
    UnknownTypes,
    argv_to_command,
    assistant_text,
    content_text,
    make,
    salvage_command,
    script_payloads,
    tool_payloads,
    with_status,
)

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
# envelope types read, and those known to hold nothing for the rules (skipped on purpose):
# turn_context (cwd, model, policies) and event_msg other than exec_command_end (UI events
# repeating the response items)
_READ_TYPES = frozenset({"session_meta", "response_item", "event_msg", "compacted"})
SKIPPED_TYPES = frozenset({"turn_context"})
# response items known to hold nothing for the rules: reasoning (said to no one), encrypted
# compaction, web search calls (a query, no URL fetched), tool-search and image items
SKIPPED_ITEMS = frozenset({
    "reasoning", "compaction", "compaction_summary", "web_search_call", "image_generation_call",
    "tool_search_call", "tool_search_output", "ghost_snapshot",
})
_RUNNING = re.compile(r"(?:^|\n)\s*Process running with session ID (\d+)")
_CODE_TOOLS = frozenset({"exec"})  # custom tools whose input is code (code mode: JavaScript)
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


def output_of(raw: Any) -> tuple[str, Status | None]:
    """(text to report as output, status) of a function_call_output `output`.

    Status None: the process is still running ("Process running with session ID N"
    and no exit code): its outcome comes later (exec_command_end, a write_stdin reply)."""
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
    if _RUNNING.search(head):
        return text, None
    return text, Status.EXECUTED


def end_status(payload: dict) -> Status | None:
    """The status an `exec_command_end` event gives its call."""
    state = payload.get("status")
    if state == "declined":
        return Status.DENIED
    code = payload.get("exit_code")
    if isinstance(code, int) and not isinstance(code, bool):
        return Status.EXECUTED if code == 0 else Status.FAILED
    if state == "failed":
        return Status.FAILED
    if state == "completed":
        return Status.EXECUTED
    return None


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
        notice = state.unknown.notice(NAME, display_path)
        if notice is not None:
            yield notice


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
    notice = state.unknown.notice(NAME, display_path)
    if notice is not None:
        yield notice


class _State:
    def __init__(self, display_path: str):
        self.path = display_path
        self.session: str | None = None
        self.index = -1
        self.em = Ordered()
        self.tools: dict[str, str] = {}
        self.unknown = UnknownTypes()
        self.subagent = False  # a spawned agent's rollout: its user messages are the parent's prompt
        self.processes: dict[str, str] = {}  # running process (session ID) -> the call that started it
        self.reply_to: dict[str, str] = {}  # write_stdin call -> the call that started its process

    def base(self, line: int) -> dict:
        return dict(path=self.path, kind=NAME, line=line, session=self.session or self.path, index=self.index)


def _record(rec: dict, line: int, st: _State) -> Iterator:
    rtype = rec.get("type")
    if not isinstance(rtype, str):
        rtype = None  # a list or object is no type (nor hashable)
    payload = rec.get("payload")
    if rtype == "session_meta" and isinstance(payload, dict):
        if isinstance(payload.get("id"), str):
            st.session = payload["id"]
        source = payload.get("source")
        if (isinstance(source, dict) and ("subagent" in source or "subAgent" in source)) or payload.get("parent_thread_id"):
            st.subagent = True
        return
    if rtype == "event_msg":
        if isinstance(payload, dict) and payload.get("type") == "exec_command_end":
            yield from _command_end(payload, line, st)
        return  # the other events repeat the response items (messages, calls)
    if rtype in SKIPPED_TYPES:
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
        elif rec.get("record_type") == "state":
            pass  # mid-2025 state snapshot between items: skipped on purpose
        elif st.index > 0:
            st.unknown.add(rtype if isinstance(rtype, str) else "(type not a string)", line)
        return
    if rtype not in _READ_TYPES:
        st.unknown.add(rtype if isinstance(rtype, str) else "(type not a string)", line)


def _command_end(payload: dict, line: int, st: _State) -> Iterator:
    """An `exec_command_end` event: the outcome of the command its `call_id` started."""
    call_id = payload.get("call_id")
    status = end_status(payload)
    if not isinstance(call_id, str) or status is None:
        return
    yield from st.em.resolve(call_id, status)


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
                    if st.subagent and actor is Actor.HUMAN:
                        channel, actor = Channel.PROSE, Actor.AGENT  # the parent agent's prompt
                    yield from em.push(make(t, channel, actor=actor, **base))
            else:  # developer / system
                yield from em.push(make(text, Channel.PROSE, actor=Actor.INJECTED, **base))
        return
    if itype == "function_call":
        name = item.get("name") if isinstance(item.get("name"), str) else None
        namespace = item.get("namespace") if isinstance(item.get("namespace"), str) else None
        call_id = item.get("call_id") or item.get("id")
        call_id = call_id if isinstance(call_id, str) else None
        tool = _qualified(namespace, name)
        if call_id and tool:
            st.tools[call_id] = tool
        args = item.get("arguments")
        payloads: list[tuple[Channel, str]] = []
        if isinstance(args, str):
            value, error, _ = _jsonl.loads(args) if args.strip() else ({}, None, False)
            if error is not None:
                yield from em.push(
                    Notice(f"{NAME}: line {line}: arguments of call {call_id} ({tool}) are not valid JSON: {error}", st.path, line)
                )
                salvaged = salvage_command(args)
                if salvaged and name and not namespace and name.lower() in ("exec_command", "shell_command", "shell", "container.exec"):
                    payloads = [(Channel.COMMAND, salvaged)]
                value = None
            args = value
        if isinstance(args, dict):
            if name == "write_stdin" and not namespace:
                payloads = _stdin_payloads(args)
                started = st.processes.get(str(args.get("session_id")))
                if call_id and started:
                    st.reply_to[call_id] = started
            elif namespace:
                # a namespaced function (an MCP server's tool): what its arguments request,
                # and what the code it is given (a JavaScript REPL) runs or opens
                payloads = tool_payloads(tool, args) or _code_payloads(args)
            else:
                payloads = tool_payloads(name, args)
        for channel, text in payloads:
            seg = make(text, channel, actor=Actor.AGENT, record_id=call_id, tool=tool, **st.base(line))
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
        call_id = item.get("call_id") if isinstance(item.get("call_id"), str) else None
        name = item.get("name") if isinstance(item.get("name"), str) else None
        tool = _qualified(item.get("namespace") if isinstance(item.get("namespace"), str) else None, name)
        if call_id and tool:
            st.tools[call_id] = tool
        raw = item.get("input")
        payloads = []
        if name in _CODE_TOOLS:
            payloads = script_payloads(raw)  # code mode: the code's shell tool calls and URLs
        elif name != "apply_patch" and isinstance(raw, str) and raw.lstrip().startswith("{"):
            value, error, _ = _jsonl.loads(raw)
            if error is None and isinstance(value, dict):
                payloads = tool_payloads(tool, value)
        # apply_patch: a file edit, quoted not run
        for channel, text in payloads:
            seg = make(text, channel, actor=Actor.AGENT, record_id=call_id, tool=tool, **st.base(line))
            yield from em.push_call(call_id, seg)
        return
    if itype in ("function_call_output", "custom_tool_call_output"):
        call_id = item.get("call_id") if isinstance(item.get("call_id"), str) else None
        text, status = output_of(item.get("output"))
        tool = st.tools.pop(call_id, None) if call_id else None
        seg = None
        if text.strip():
            seg = make(text, Channel.OUTPUT, actor=Actor.TOOL, record_id=call_id, status=status, tool=tool, **st.base(line))
        if status is None:
            # still running: it ran (executed, unless an end event or a later reply says
            # how it failed); the output waits with its call for that outcome
            running = _RUNNING.search(text[:4000])
            started = st.processes.get(call_id, call_id) if call_id else None
            if running and started and tool != "write_stdin":
                st.processes[running.group(1)] = started
            if call_id and em.pending(call_id):
                em.provisional(call_id, Status.EXECUTED)
                if seg is not None:
                    yield from em.push_call(call_id, seg)
                return
            status = Status.EXECUTED
            seg = seg and with_status(seg, status)
        else:
            yield from em.resolve(call_id, status)
            if call_id and call_id in st.reply_to:
                # a write_stdin reply that says how the running process ended
                origin = st.reply_to.pop(call_id)
                if _EXIT.search(text[:4000]):
                    yield from em.resolve(origin, status)
        if seg is not None:
            yield from em.push(seg)
        return
    if itype in SKIPPED_ITEMS:
        return
    if itype not in _ITEM_TYPES:
        st.unknown.add(f"response_item/{itype}" if isinstance(itype, str) else "response_item/(type not a string)", line)


def _qualified(namespace: str | None, name: str | None) -> str | None:
    """A namespaced function's full name (`mcp__server__tool`, as Claude names MCP tools)."""
    if not name:
        return None
    if not namespace:
        return name
    return f"{namespace}__{name}" if namespace.startswith("mcp__") else f"{namespace}.{name}"


def _stdin_payloads(args: dict) -> list[tuple[Channel, str]]:
    """What a write_stdin types into a running process: a command line, unless it is only
    control keys (Ctrl-C `\\x03`, Ctrl-D) or empty (a poll for more output)."""
    chars = args.get("chars")
    if not isinstance(chars, str):
        return []
    if not any(c.isprintable() and not c.isspace() for c in chars):
        return []
    return [(Channel.COMMAND, chars)]


def _code_payloads(args: dict) -> list[tuple[Channel, str]]:
    for key in CODE_KEYS:
        if isinstance(args.get(key), str):
            found = script_payloads(args[key])
            if found:
                return found
    return []


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
