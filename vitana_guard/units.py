"""The records of what a scan reads piece by piece: a segment of text with its origin,
and the shell commands and HTTP requests made of it (re-exported by model.py, which
defines them on first use: see the note there)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vitana_guard.model import Actor, Channel, Status


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a segment came from, beyond its position.

    `path` is the path reported to the user (relative to the scan root where possible).
    """

    path: str
    kind: str = "text"  # file kind or transcript format: "shell", "markdown", "claude", "pr", ...
    record_id: str | None = None  # tool-use id, call id, message id
    record_index: int | None = None  # position of the record in its transcript
    session: str | None = None  # transcript session id (one flow per session)
    actor: Actor | None = None
    status: Status | None = None
    commit: str | None = None  # commit that introduced the text (history scans)
    tool: str | None = None  # agent tool name ("Bash", "exec_command", ...)
    # how a record reached this file when it is a copy of another's: "agent_progress" (a
    # Claude sub-agent's call relayed in its parent's log; its own file holds it too)
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of text in one channel, with the position of its first character.

    Offsets inside `text` map back to file positions (see `position`):
    - normally by counting newlines; lines after the first start at column
      `indent + 1` (a dedented block such as a workflow `run: |` script);
    - when `flat` is true every offset maps to (line, column): the text was decoded
      from an escaped string (a JSON record), so columns inside it mean nothing.
    """

    text: str
    channel: Channel
    origin: Origin
    line: int = 1
    column: int = 1
    indent: int = 0
    flat: bool = False

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the source file of `text[offset]`."""
        if self.flat:
            return self.line, self.column
        offset = max(0, min(offset, len(self.text)))
        newlines = self.text.count("\n", 0, offset)
        if newlines == 0:
            return self.line, self.column + offset
        line_start = self.text.rfind("\n", 0, offset) + 1
        return self.line + newlines, self.indent + 1 + offset - line_start

    def source_line(self, offset: int, limit: int = 1000) -> str:
        """The line of `text` that holds `offset` (for the text report); "" for a line
        longer than `limit` (a minified or generated one-liner: the snippet says enough,
        and a thousand findings must not each hold a copy of a 50 MB line)."""
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        end = end if end >= 0 else len(self.text)
        return self.text[start:end] if end - start <= limit else ""


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word after quote removal, with its span in the segment text.

    `value` is None when the word is not a literal (it holds `$VAR`, `$(...)`,
    a glob or a template placeholder such as `<PR_NUMBER>`): an unknown value.
    `raw` is the word as written.
    """

    raw: str
    value: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command: argv after prefixes (`sudo`, `env X=1`, `VAR=x`,
    `timeout 5`, `nohup`, ...) are stripped. `start`/`end` span the whole simple
    command in the segment text (including the stripped prefixes)."""

    argv: tuple[Word, ...]
    start: int
    end: int

    @property
    def program(self) -> str | None:
        return self.argv[0].value if self.argv else None

    def values(self) -> list[str | None]:
        return [w.value for w in self.argv]


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request reconstructed from what issues it.

    `json` is the parsed body (placeholders read as unknown values), None when
    there is no body; `body_error` says why a body present is not JSON.
    """

    method: str
    url: str
    start: int  # span in the segment text of what issued the request
    end: int
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    json: Any = None
    body_error: str | None = None
    method_explicit: bool = True  # False when the method was inferred (curl default GET/POST)
