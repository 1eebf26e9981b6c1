"""Pieces every transcript reader shares: segment construction, tool-call dispatch, fenced
blocks in assistant text, and the ordered emitter that holds a tool call until its result
says what became of it."""
from __future__ import annotations

import json
import re
import shlex
from collections import OrderedDict, deque
from dataclasses import replace
from typing import Any, Iterable

from ...model import Actor, Channel, Notice, Origin, Segment, Status

# tool names (lower case; MCP `mcp__server__name` is matched on `name`) that run a shell command
SHELL_TOOLS = frozenset(
    {
        "bash",
        "powershell",
        "shell",
        "run_command",
        "exec",
        "terminal",
        "execute_command",
        "run_shell_command",
        "exec_command",
        "shell_command",
        "container.exec",
        "run_terminal_cmd",
        "execute_bash",
        "local_shell",
    }
)
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_SHELL_FENCES = frozenset({"bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession", "ksh"})
_HTTP_FENCES = frozenset({"http"})


def make(
    text: str,
    channel: Channel,
    *,
    path: str,
    kind: str,
    line: int,
    actor: Actor | None,
    record_id: str | None = None,
    status: Status | None = None,
    tool: str | None = None,
    session: str | None = None,
    index: int | None = None,
    flat: bool = True,
    column: int = 1,
) -> Segment:
    return Segment(
        text=text,
        channel=channel,
        origin=Origin(
            path=path,
            kind=kind,
            record_id=record_id,
            record_index=index,
            session=session,
            actor=actor,
            status=status,
            tool=tool,
        ),
        line=line,
        column=column,
        flat=flat,
    )


def argv_to_command(argv: Any) -> str | None:
    """An argv list as one shell command line.

    `[bash|sh|zsh, -c|-lc, SCRIPT]` is the SCRIPT itself (what the shell runs); any other
    argv is joined with shell quoting.
    """
    if isinstance(argv, str):
        return argv
    if not isinstance(argv, list) or not argv:
        return None
    words = [a if isinstance(a, str) else json.dumps(a) for a in argv]
    if (
        len(words) == 3
        and words[0].rsplit("/", 1)[-1] in _SHELLS
        and words[1] in ("-c", "-lc", "-cl", "-ic", "-ilc", "-lic")
    ):
        return words[2]
    return shlex.join(words)


def tool_payloads(name: Any, args: Any) -> list[tuple[Channel, str]]:
    """What a structured tool call runs or sends: [(COMMAND, shell)] or [(REQUEST, http)] or []."""
    if not isinstance(args, dict) or not isinstance(name, str):
        return []
    lname = name.lower()
    base = lname.rsplit("__", 1)[-1] if lname.startswith("mcp__") else lname
    if base in SHELL_TOOLS:
        cmd = args.get("command", args.get("cmd"))
        if cmd is None and isinstance(args.get("program"), str):
            rest = args.get("args") if isinstance(args.get("args"), list) else []
            cmd = [args["program"], *rest]
        text = argv_to_command(cmd)
        if text and text.strip():
            return [(Channel.COMMAND, text)]
        return []
    url = args.get("url")
    if isinstance(url, str) and url.lstrip().lower().startswith(("http://", "https://")):
        return [(Channel.REQUEST, http_text(args.get("method"), url.strip(), args.get("headers"), _body(args)))]
    return []


def _body(args: dict) -> Any:
    for key in ("body", "json", "data"):
        if args.get(key) is not None:
            return args[key]
    return None


def http_text(method: Any, url: str, headers: Any = None, body: Any = None) -> str:
    """An HTTP request in `.http` form: `METHOD URL`, headers, blank line, body."""
    m = method.strip().upper() if isinstance(method, str) and method.strip() else "GET"
    out = [f"{m} {url}"]
    if isinstance(headers, dict):
        out += [f"{k}: {v}" for k, v in headers.items()]
    text = "\n".join(out)
    if body is not None and body != "":
        if not isinstance(body, str):
            body = json.dumps(body, ensure_ascii=False)
        text += "\n\n" + body
    return text


# --- fenced code blocks in assistant text ---------------------------------------------------

_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^\s`{]*)")


def fenced_blocks(text: str) -> list[tuple[Channel, str]]:
    """Shell and http fenced blocks of Markdown text: [(COMMAND|REQUEST, body)]."""
    if "```" not in text and "~~~" not in text:
        return []
    out: list[tuple[Channel, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m or (m.group(2)[0] == "`" and "`" in lines[i][m.end(2) :]):
            i += 1
            continue
        indent, fence, lang = len(m.group(1)), m.group(2), m.group(3).lower().lstrip(".")
        body: list[str] = []
        i += 1
        while i < len(lines):
            ln = lines[i]
            stripped = ln.lstrip(" ")
            if len(ln) - len(stripped) <= 3 and stripped.startswith(fence[0] * len(fence)) and not stripped.strip().strip(fence[0]):
                break
            body.append(ln[min(indent, len(ln) - len(ln.lstrip(" "))) :])
            i += 1
        i += 1
        block = "\n".join(body)
        if not block.strip():
            continue
        if lang in _SHELL_FENCES:
            cmd = strip_prompts(block)
            if cmd.strip():
                out.append((Channel.COMMAND, cmd))
        elif lang in _HTTP_FENCES:
            out.append((Channel.REQUEST, block))
    return out


def strip_prompts(block: str) -> str:
    """Keep only the commands of a block written as a terminal session (`$ cmd` + output).

    A block without `$ ` prompts is all commands."""
    lines = block.split("\n")
    if not any(ln.startswith("$ ") or ln == "$" for ln in lines):
        return block
    out: list[str] = []
    cont = False
    for ln in lines:
        if ln.startswith("$ ") or ln == "$":
            out.append(ln[2:])
            cont = _continues(ln)
        elif cont:
            out.append(ln)
            cont = _continues(ln)
    return "\n".join(out)


def _continues(line: str) -> bool:
    s = line.rstrip("\r")
    n = len(s) - len(s.rstrip("\\"))
    return n % 2 == 1


def assistant_text(text: str, base: dict) -> list[Segment]:
    """Prose plus the fenced shell/http blocks it holds (suggested commands, status None)."""
    if not isinstance(text, str) or not text.strip():
        return []
    segs = [make(text, Channel.PROSE, actor=Actor.AGENT, **base)]
    for channel, body in fenced_blocks(text):
        segs.append(make(body, channel, actor=Actor.AGENT, **base))
    return segs


def content_text(content: Any) -> str:
    """Text of a message content: a string, or a list of string / {text} / {type:text,text} parts.

    Parts marked `thought: true` are skipped (not said to anyone)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return ""
    parts = []
    for p in content:
        if isinstance(p, str):
            parts.append(p)
        elif isinstance(p, dict) and not p.get("thought") and isinstance(p.get("text"), str):
            if p.get("type") in (None, "text", "input_text", "output_text"):
                parts.append(p["text"])
    return "\n".join(parts)


# --- ordering --------------------------------------------------------------------------------


def with_status(seg: Segment, status: Status) -> Segment:
    return replace(seg, origin=replace(seg.origin, status=status))


class Ordered:
    """Keeps the stream in file order while tool calls wait for their results.

    A call segment is queued until `resolve(call_id, status)`; everything after it waits
    behind it. Results normally follow at once; if a call stays unanswered while more than
    `window` items pile up behind it, it is released with Status.UNKNOWN (bounded memory).
    """

    def __init__(self, window: int = 2000):
        self._queue: deque[list] = deque()  # [item, call_id | None]
        self._pending: dict[str, list[list]] = {}
        self._window = window
        # a call known to have started whose outcome is still to come (a Codex process
        # still running): released with this status if no outcome arrives
        self._provisional: dict[str, Status] = {}

    def pending(self, call_id: Any) -> bool:
        return isinstance(call_id, str) and call_id in self._pending

    def provisional(self, call_id: Any, status: Status) -> None:
        if isinstance(call_id, str) and call_id in self._pending:
            self._provisional[call_id] = status

    def push(self, item: Segment | Notice) -> list:
        if not self._pending:
            return [item]
        self._queue.append([item, None])
        return self._drain()

    def push_call(self, call_id: str | None, seg: Segment) -> list:
        if not call_id:
            return self.push(with_status(seg, Status.UNKNOWN))
        entry = [seg, call_id]
        self._queue.append(entry)
        self._pending.setdefault(call_id, []).append(entry)
        return self._drain()

    def resolve(self, call_id: Any, status: Status) -> list:
        entries = self._pending.pop(call_id, None) if isinstance(call_id, str) else None
        if not entries:
            return []
        self._provisional.pop(call_id, None)
        for e in entries:
            e[0] = with_status(e[0], status)
            e[1] = None
        return self._drain()

    def _drain(self) -> list:
        out = []
        while self._queue:
            head = self._queue[0]
            if head[1] is not None:
                if len(self._queue) <= self._window:
                    break
                self.resolve_unknown(head[1])
            out.append(self._queue.popleft()[0])
        return out

    def resolve_unknown(self, call_id: str) -> None:
        status = self._provisional.pop(call_id, Status.UNKNOWN)
        for e in self._pending.pop(call_id, []):
            e[0] = with_status(e[0], status)
            e[1] = None

    def finish(self) -> list:
        for call_id in list(self._pending):
            self.resolve_unknown(call_id)
        out = [e[0] for e in self._queue]
        self._queue.clear()
        return out


class UnknownTypes:
    """Record types a reader met but does not know: counted, and reported once per file
    as a note (formats drift; a new type may hold what the rules should read)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first_line: int | None = None

    def add(self, rtype: str, line: int) -> None:
        if len(self.counts) < 100 or rtype in self.counts:
            self.counts[rtype] = self.counts.get(rtype, 0) + 1
        if self.first_line is None:
            self.first_line = line

    def notice(self, fmt: str, display_path: str) -> Notice | None:
        if not self.counts:
            return None
        total = sum(self.counts.values())
        names = ", ".join(f"{t} ({n})" for t, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])))
        what = "record" if total == 1 else "records"
        return Notice(f"{fmt}: {total} {what} of unknown type not read: {names}", display_path, self.first_line,
                      level="note")


class BoundedSet:
    """A set that forgets its oldest members beyond `limit` (dedup keys in huge files)."""

    def __init__(self, limit: int = 100_000):
        self._d: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def add(self, key: str) -> bool:
        """Add; False if it was already there."""
        if key in self._d:
            return False
        self._d[key] = None
        if len(self._d) > self._limit:
            self._d.popitem(last=False)
        return True


def salvage_command(arguments: str) -> str | None:
    """The `command`/`cmd` string of broken JSON arguments, if one can be read (a truncated
    string is read up to where it stops)."""
    m = re.search(r'"(?:command|cmd)"\s*:\s*"((?:[^"\\]|\\.)*)', arguments)
    if not m:
        return None
    raw = m.group(1)
    if raw.endswith("\\") and not raw.endswith("\\\\"):
        raw = raw[:-1]
    try:
        return json.loads('"' + raw + '"')
    except ValueError:
        return None


def guarded(items: Iterable, fmt: str, display_path: str):
    """Turn an unexpected exception of a reader into a Notice: readers never raise."""
    try:
        yield from items
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"
        yield Notice(f"{fmt}: reader failed: {type(exc).__name__}: {exc}", display_path)


# --- code a tool runs (Codex code mode `exec`, an MCP JavaScript REPL) ----------------------
#
# The code is never run or evaluated: a few bounded patterns pick out what it would make
# the host do: a shell tool it calls (`tools.exec_command({"cmd": ...})`, `execSync('...')`)
# and a page or URL it opens (`tab.goto('https://...')`, `fetch("https://...")`).

_Q = r"""(?P<q>["'`])(?P<s>(?:\\.|(?!(?P=q))[^\\\n]){0,8000})(?P=q)"""
_SCRIPT_SHELL_OBJECT = re.compile(
    r"\b(?:exec_command|shell_command|run_command|shell|exec)\s*\(\s*\{[^{}]{0,2000}?[\"']?\b(?:cmd|command)[\"']?\s*:\s*"
    + _Q
)
_SCRIPT_SHELL_ARGV = re.compile(
    r"\b(?:exec_command|shell_command|run_command|shell|exec)\s*\(\s*\{[^{}]{0,2000}?[\"']?\b(?:cmd|command)[\"']?\s*:\s*"
    r"(?P<argv>\[[^\[\]]{0,4000}\])"
)
_SCRIPT_SHELL_STRING = re.compile(r"\b(?:execSync|exec|spawnSync|execa|\$)\s*\(\s*" + _Q)
_SCRIPT_URL = re.compile(
    r"\b(?P<fn>goto|navigate|fetch|open|newPage|get|post|put|patch|delete|request)\s*\(\s*"
    r"(?P<q>[\"'`])(?P<url>https?://[^\"'`\s\\]{1,2048})(?P=q)"
)
_SCRIPT_METHOD = re.compile(r"""\bmethod\s*:\s*["'](?P<m>[A-Za-z]{3,7})["']""")
_HTTP_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}


def _unquote(quote: str, raw: str) -> str:
    if quote == '"':
        try:
            return json.loads('"' + raw + '"')
        except ValueError:
            pass
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw)


def script_payloads(code: Any) -> list[tuple[Channel, str]]:
    """Shell commands and HTTP requests a piece of tool-run code makes, in code order."""
    if not isinstance(code, str) or not code.strip():
        return []
    found: list[tuple[int, Channel, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_SCRIPT_SHELL_OBJECT, _SCRIPT_SHELL_STRING):
        for m in pattern.finditer(code):
            if any(s <= m.start() < e for s, e in taken):
                continue
            text = _unquote(m.group("q"), m.group("s"))
            if text.strip():
                taken.append((m.start(), m.end()))
                found.append((m.start(), Channel.COMMAND, text))
    for m in _SCRIPT_SHELL_ARGV.finditer(code):
        if any(s <= m.start() < e for s, e in taken):
            continue
        try:
            argv = json.loads(m.group("argv").replace("'", '"'))
        except ValueError:
            continue
        text = argv_to_command(argv)
        if text and text.strip():
            found.append((m.start(), Channel.COMMAND, text))
    for m in _SCRIPT_URL.finditer(code):
        fn = m.group("fn")
        method = _HTTP_VERBS.get(fn.lower(), "GET")
        if fn == "fetch" or fn == "request":
            mm = _SCRIPT_METHOD.search(code, m.end(), m.end() + 400)
            if mm:
                method = mm.group("m").upper()
        found.append((m.start(), Channel.REQUEST, http_text(method, m.group("url"))))
    return [(channel, text) for _, channel, text in sorted(found, key=lambda t: t[0])]


# keys whose string value is code (a JavaScript/Python REPL tool's source)
CODE_KEYS = ("code", "script", "source", "js", "javascript", "input")
