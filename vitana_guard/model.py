"""The records every stage of the pipeline passes along.

sources/ turn inputs into Segments; normalize/ turns command text into Commands and
Requests; the engine turns them into Findings; report/ formats Findings.
All records are frozen dataclasses: the core is pure functions over iterators.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Channel(str, enum.Enum):
    """Where a piece of text comes from (RULES.md, "channels")."""

    COMMAND = "command"  # shell that is (or will be) executed
    REQUEST = "request"  # an HTTP request (fenced http block, agent HTTP tool)
    PROSE = "prose"  # natural language by a person or an agent
    USER = "user"  # what the human said to the agent
    OUTPUT = "output"  # what a tool printed back
    META = "meta"  # names and identifiers: branch names, PR head/base, repo names

    def __str__(self) -> str:
        return self.value


class Severity(str, enum.Enum):
    """SARIF levels, ordered by rank."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __str__(self) -> str:
        return self.value


_SEVERITY_RANK = {Severity.NOTE: 1, Severity.WARNING: 2, Severity.ERROR: 3}


class Actor(str, enum.Enum):
    """Who produced a piece of a transcript."""

    HUMAN = "human"
    AGENT = "agent"
    TOOL = "tool"
    INJECTED = "injected"  # system reminders, compaction summaries, skill bodies

    def __str__(self) -> str:
        return self.value


class Status(str, enum.Enum):
    """What became of a tool call, when the log says."""

    EXECUTED = "executed"  # ran (and exited 0, or the log gives no exit code)
    FAILED = "failed"  # ran, and failed while running (non-zero exit)
    DENIED = "denied"  # never ran: refused by the user, a hook, or a permission rule/prompt
    BLOCKED = "blocked"  # never ran: the tool itself refused it (bad input, a security limit)
    UNKNOWN = "unknown"  # no result in the log

    @property
    def ran(self) -> bool:
        """Whether the call was carried out (or may have been)."""
        return self not in (Status.DENIED, Status.BLOCKED)

    def __str__(self) -> str:
        return self.value


# The records of what a scan reads piece by piece (Origin, Segment, Word, Command,
# Request) are defined in units.py and made on first use (PEP 562 `__getattr__` below):
# a file or transcript scan hands whole texts to the core and never makes one, and each
# dataclass costs about a millisecond to define on every start of a one-shot command.
_UNITS = frozenset({"Origin", "Segment", "Word", "Command", "Request"})


def __getattr__(name: str) -> Any:
    if name in _UNITS:
        from vitana_guard import units

        return getattr(units, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: str  # SARIF suppression kind: "inSource" (comment), "external" (config, baseline, approval)
    justification: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    slug: str
    severity: Severity
    message: str
    policy: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int  # exclusive, like SARIF
    snippet: str  # the matched text
    source_line: str = ""  # the whole source line, for the text report
    fingerprint: str = ""
    record_id: str | None = None
    commit: str | None = None
    session: str | None = None
    suppression: Suppression | None = None
    properties: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule_id)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the scan could not do, or skipped: reported, never silent.

    `level` "error" means part of the input could not be read (exit code 2);
    "note" is information (files skipped as vendored, say).
    """

    message: str
    path: str | None = None
    line: int | None = None
    level: str = "error"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What reports need to know of a rule (SARIF `tool.driver.rules`, docs)."""

    id: str
    slug: str
    severity: Severity
    policy: str  # the policy § it enforces, e.g. "§2, §4.1"
    summary: str  # one line: what it finds
    description: str  # Markdown: what it finds / why it matters / example / instead
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class ScanResult:
    """Everything a report prints: findings (suppressed ones included), notices,
    the rules that ran, and the evidence of how the scan was made."""

    findings: list[Finding]
    notices: list[Notice]
    rules: list[RuleInfo]
    root: str  # absolute path that finding paths are relative to
    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count of files skipped
    tool_version: str = ""
    command_line: list[str] = field(default_factory=list)
    start_time: str = ""  # ISO 8601 UTC
    end_time: str = ""
    commit: str | None = None  # revision scanned, when the source is git
    fail_on: Severity = Severity.WARNING
    # evidence (audit trail): what made the findings, hashed
    rule_pack_digest: str = ""  # RulePack.digest
    config_digest: str = ""  # sha256 of the effective options (pipeline.config_digest)
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (path, sha256) of each input read
    redacted: bool | None = None  # secrets masked in snippets (None: not decided; HTML then redacts)

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is None]

    @property
    def input_errors(self) -> list[Notice]:
        return [n for n in self.notices if n.level == "error"]
