"""Audits: many agent session logs in one run (`vitana-guard audit`).

- `default_locations` / `discover` find session logs: each agent's default log folders, or
  every file under the given paths whose content is a transcript (`transcripts.detect`);
- `audit_file` is the pure per-file step (detect, hash, scan, describe the session): it runs
  in a local process pool (`run_local`) or on a Dask cluster (`run_dask`); both yield the
  same `FileResult`s, gathered by `audit` into one ScanResult (with the evidence: input
  digests, rule-pack and config digests);
- `Progress` draws a one-line progress bar on a terminal;
- `conversation` re-reads a transcript around findings for the HTML report (bounded).

Bad inputs (unreadable, not regular files; binary or empty when named) become Notices, never
exceptions; binary and empty files found in a directory are counted as skipped.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence

from vitana_guard import pipeline, transcripts
from vitana_guard.engine.rules import RulePack
from vitana_guard.model import Actor, Channel, Finding, Notice, ScanResult, Segment
from vitana_guard.sources import files as filesmod

AGENTS = transcripts.FORMATS  # claude, codex, gemini, openai, text
SUFFIXES = pipeline.TRANSCRIPT_SUFFIXES
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "tool-results"})
EMPTY_MESSAGE = "empty file: no session records"


# --- where agents keep their logs ------------------------------------------------------


def default_locations(home: str | None = None, env: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(agent, directory, glob) of each agent's default session-log location.

    - Claude Code: `~/.claude/projects/**/*.jsonl` (incl. `<session>/subagents/agent-*.jsonl`);
      `CLAUDE_CONFIG_DIR` moves `~/.claude`;
    - Codex CLI: `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl` and `~/.codex/archived_sessions/`;
      `CODEX_HOME` moves `~/.codex`;
    - Gemini CLI: `~/.gemini/tmp/<project-hash>/chats/session-*.json(l)` (sub-agents in
      `chats/<parent-session>/`).
    """
    env = os.environ if env is None else env
    home = home or os.path.expanduser("~")
    claude = env.get("CLAUDE_CONFIG_DIR") or os.path.join(home, ".claude")
    codex = env.get("CODEX_HOME") or os.path.join(home, ".codex")
    gemini = os.path.join(home, ".gemini")
    return [
        ("claude", os.path.join(claude, "projects"), "**/*.jsonl"),
        ("codex", os.path.join(codex, "sessions"), "**/rollout-*.jsonl"),
        ("codex", os.path.join(codex, "archived_sessions"), "**/rollout-*.jsonl"),
        ("gemini", os.path.join(gemini, "tmp"), "*/chats/**/*.json*"),
    ]


def default_paths(agent: str | None = None, home: str | None = None, env: dict[str, str] | None = None) -> list[str]:
    """The default log folders that exist (of one agent, or all)."""
    return [d for a, d, _ in default_locations(home, env) if (agent is None or a == agent) and os.path.isdir(d)]


# --- discovery --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A file that may be a session log (content decides, in the worker)."""

    path: str  # absolute
    display_path: str
    size: int
    mtime: float
    explicit: bool = False  # named on the command line: must be a transcript


def parse_since(value: str | None, now: float | None = None) -> float | None:
    """`2026-10-01`, an ISO 8601 time, or a relative `7d` / `12h` / `2w` -> epoch seconds."""
    if not value:
        return None
    now = time.time() if now is None else now
    m = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", value)
    if m:
        return now - int(m.group(1)) * {"h": 3600, "d": 86400, "w": 7 * 86400}[m.group(2)]
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"invalid date {value!r} (use YYYY-MM-DD, an ISO 8601 time, or 7d/12h/2w)") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _display(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path.replace(os.sep, "/")
    return path.replace(os.sep, "/") if rel.startswith("..") else rel.replace(os.sep, "/")


def discover(
    paths: Sequence[str], *, root: str, since: float | None = None
) -> tuple[list[Candidate], list[Notice], dict[str, int]]:
    """Candidate files under `paths` (files named are always candidates; in directories,
    files ending in .jsonl/.json/.log/.txt/.ndjson), newest-first not implied: sorted by path.

    `since` drops files last modified before it (counted as skipped). Special files
    (FIFOs, sockets, devices) and unreadable directories become error Notices."""
    out: dict[str, Candidate] = {}
    notices: list[Notice] = []
    skipped: dict[str, int] = {}

    def consider(path: str, explicit: bool) -> None:
        display = _display(path, root)
        try:
            st = os.stat(path)
        except OSError as e:
            notices.append(Notice(f"cannot read: {e.strerror or e}", display))
            return
        if not stat.S_ISREG(st.st_mode):
            notices.append(Notice("not a regular file (FIFO, socket or device): not read", display))
            return
        if since is not None and st.st_mtime < since:
            skipped["older than --since"] = skipped.get("older than --since", 0) + 1
            return
        out.setdefault(path, Candidate(path, display, st.st_size, st.st_mtime, explicit))

    for raw in paths:
        path = os.path.abspath(os.path.expanduser(raw))
        if os.path.isdir(path):
            def onerror(e: OSError) -> None:
                notices.append(Notice(f"cannot read directory: {e.strerror or e}", _display(e.filename or path, root)))

            for dirpath, dirnames, filenames in os.walk(path, onerror=onerror):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
                for name in filenames:
                    if name.lower().endswith(SUFFIXES):
                        consider(os.path.join(dirpath, name), False)
        else:
            try:
                os.lstat(path)
            except OSError as e:  # missing, or in a directory we may not read
                message = "no such file or directory" if isinstance(e, FileNotFoundError) else f"cannot read: {e.strerror or e}"
                notices.append(Notice(message, _display(path, root)))
                continue
            consider(path, True)
    return sorted(out.values(), key=lambda c: c.display_path), notices, skipped


# --- one file ---------------------------------------------------------------------------


@dataclass
class FileResult:
    """What one worker found in one file; `skip` names why the file was not an input."""

    display_path: str
    size: int
    findings: list[Finding] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    agent: str | None = None
    sha256: str = ""
    session: str | None = None
    repository: str = ""
    day: str = ""  # YYYY-MM-DD of the session's first timestamp (else the file's mtime)
    skip: str | None = None


_CWD = re.compile(rb'"cwd"\s*:\s*("(?:[^"\\]|\\.)*")')
_TIME = re.compile(rb'"(?:timestamp|startTime|created_at)"\s*:\s*"(\d{4}-\d\d-\d\d)')
_SESSION = re.compile(rb'"(?:sessionId|session_id)"\s*:\s*"([^"\\]{1,200})"')
_CODEX_ID = re.compile(rb'"type"\s*:\s*"session_meta".{0,200}?"id"\s*:\s*"([^"\\]{1,200})"', re.S)


def _meta(head: bytes, candidate: Candidate) -> tuple[str, str, str | None]:
    """(repository, day, session) from the first bytes of a transcript."""
    repo = ""
    m = _CWD.search(head)
    if m:
        try:
            repo = json.loads(m.group(1))
        except ValueError:
            repo = ""
    if not repo:  # Gemini keys projects by hash; Claude encodes the cwd in the folder name
        repo = os.path.dirname(candidate.display_path) or "."
    m = _TIME.search(head)
    day = m.group(1).decode() if m else datetime.fromtimestamp(candidate.mtime, timezone.utc).strftime("%Y-%m-%d")
    m = _SESSION.search(head) or _CODEX_ID.search(head)
    session = m.group(1).decode("utf-8", "replace") if m else None
    return str(repo), day, session


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def audit_file(pack: RulePack, options: pipeline.ScanOptions, agent: str | None, candidate: Candidate) -> FileResult:
    """Detect, hash and scan one file. Pure in its inputs; never raises for bad input."""
    res = FileResult(candidate.display_path, candidate.size)
    try:
        with open(candidate.path, "rb") as f:
            head = f.read(transcripts.HEAD_BYTES)
    except OSError as e:
        res.notices.append(Notice(f"cannot read: {e.strerror or e}", candidate.display_path))
        return res
    # Found in a directory, an empty or binary file is no session log: skipped and counted
    # (as `scan` counts a binary file). Named on the command line it was meant as one.
    if not head.strip():
        if candidate.explicit:
            res.notices.append(Notice(EMPTY_MESSAGE, candidate.display_path, level="warning"))
        res.skip = "empty"
        return res
    if b"\0" in head[:8192]:
        if candidate.explicit:
            res.notices.append(Notice("binary file: not a readable session log", candidate.display_path))
        else:
            res.skip = "binary"
        return res
    if options.transcript_format:
        mismatch = transcripts.forced_format_problem(candidate.path, candidate.display_path, options.transcript_format)
        if mismatch is not None:
            res.notices.append(mismatch)
            return res
    fmt = options.transcript_format or transcripts.detect(candidate.path, head)
    if fmt is None:
        if candidate.explicit:
            res.notices.append(Notice("not a recognised agent transcript (claude, codex, gemini, openai, text)",
                                      candidate.display_path))
        else:
            res.skip = "not a transcript"
        return res
    if agent is not None and fmt != agent:
        res.skip = "other agent"
        return res
    res.agent = fmt
    res.repository, res.day, res.session = _meta(head, candidate)
    try:
        res.sha256 = sha256_file(candidate.path)
    except OSError as e:
        res.notices.append(Notice(f"cannot read: {e.strerror or e}", candidate.display_path))
        return res
    entry = filesmod.FileEntry(candidate.path, candidate.display_path, candidate.size)
    found, notices, _ = pipeline.scan_file(pack, replace(options, transcript_format=fmt), entry)
    extra = {"agent": fmt, "repository": res.repository, "day": res.day}
    res.findings = [replace(f, properties={**f.properties, **extra}) for f in found]
    res.notices.extend(notices)
    if res.session is None:
        res.session = next((f.session for f in found if f.session), None)
    return res


# --- engines ----------------------------------------------------------------------------

_WORKER: tuple | None = None


def _init_worker(pack: RulePack, options: pipeline.ScanOptions, agent: str | None) -> None:
    global _WORKER
    _WORKER = (pack, options, agent)


def _worker(candidate: Candidate) -> FileResult:
    assert _WORKER is not None
    return audit_file(_WORKER[0], _WORKER[1], _WORKER[2], candidate)


def run_local(pack, options, agent, candidates: list[Candidate], jobs: int) -> Iterator[FileResult]:
    """FileResults in candidate order, from `jobs` processes (0: all cores)."""
    jobs = pipeline.worker_count(jobs)
    if jobs <= 1 or len(candidates) < 2:
        for c in candidates:
            yield audit_file(pack, options, agent, c)
        return
    chunk = max(1, min(8, len(candidates) // (jobs * 16)))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(pack, options, agent)) as pool:
        yield from pool.map(_worker, candidates, chunksize=chunk)


class EngineUnavailable(RuntimeError):
    pass


def _dask_task(candidate: Candidate, pack: RulePack, options: pipeline.ScanOptions, agent: str | None) -> FileResult:
    return audit_file(pack, options, agent, candidate)


def run_dask(pack, options, agent, candidates: list[Candidate], scheduler: str | Any | None) -> Iterator[FileResult]:
    """FileResults from a Dask cluster (`scheduler`: an address, or a Client). The workers must
    see the files at the same paths (shared filesystem). Yields as tasks complete."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise EngineUnavailable(
            "--engine dask needs Dask: pip install 'vitana-guard[dask]' (dask[distributed])"
        ) from None
    own = not hasattr(scheduler, "submit")
    client = Client(scheduler) if own else scheduler
    try:
        if not candidates:
            return
        [pack_f] = client.scatter([pack], broadcast=True, hash=False)
        futures = client.map(_dask_task, candidates, pack=pack_f, options=options, agent=agent, pure=False)
        for _, res in as_completed(futures, with_results=True):
            yield res
    finally:
        if own:
            client.close()


# --- progress ---------------------------------------------------------------------------


class Progress:
    """`files 120/400  61.2/200.0 MB  12.3 MB/s  findings 37  ETA 0:11` on one terminal
    line (`commits 1200/5000  findings 3  ETA 0:04` when there are no bytes to count)."""

    def __init__(self, total: int, total_bytes: int, stream=None, enabled: bool | None = None,
                 interval: float = 0.1, unit: str = "files"):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.total_bytes, self.unit = total, total_bytes, unit
        self.done = self.bytes = self.findings = 0
        self.start = time.monotonic()
        self._last = 0.0
        self.interval = interval

    def update(self, res: FileResult) -> None:
        self.advance(res.size, sum(1 for f in res.findings if f.suppression is None))

    def advance(self, size: int = 0, findings: int = 0) -> None:
        """One more item done, of `size` bytes, with `findings` active findings."""
        self.done += 1
        self.bytes += size
        self.findings += findings
        now = time.monotonic()
        if self.enabled and (now - self._last >= self.interval or self.done == self.total):
            self._last = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = max(1e-6, (now or time.monotonic()) - self.start)
        # progress by bytes where there are bytes to count, else by items
        part = self.bytes / self.total_bytes if self.total_bytes else self.done / max(1, self.total)
        eta_s = "ETA -"
        if part > 0:
            eta = int(elapsed * (1 - part) / part)
            eta_s = f"ETA {eta // 60}:{eta % 60:02d}"
        width = 24
        filled = int(width * min(1.0, part))
        bar = "#" * filled + "-" * (width - filled)
        size = ""
        if self.total_bytes:
            mb, total_mb = self.bytes / 1e6, self.total_bytes / 1e6
            size = f"  {mb:.1f}/{total_mb:.1f} MB  {mb / elapsed:.1f} MB/s"
        return f"[{bar}] {self.unit} {self.done}/{self.total}{size}  findings {self.findings}  {eta_s}"

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


# --- the whole audit --------------------------------------------------------------------


@dataclass
class Audit:
    result: ScanResult
    files: list[FileResult]  # one per input read (findings dropped: they are in result)


def audit(
    paths: Sequence[str],
    options: pipeline.ScanOptions,
    pack: RulePack,
    *,
    root: str,
    agent: str | None = None,
    since: float | None = None,
    jobs: int = 0,
    engine: str = "local",
    scheduler: Any = None,
    on_file: Callable[[FileResult], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    command_line: list[str] | None = None,
) -> Audit:
    start = pipeline.utc_now()
    candidates, notices, skipped = discover(paths, root=root, since=since)
    if on_start:
        on_start(len(candidates), sum(c.size for c in candidates))
    if engine == "dask":
        stream: Iterable[FileResult] = run_dask(pack, options, agent, candidates, scheduler)
    elif engine == "local":
        stream = run_local(pack, options, agent, candidates, jobs)
    else:
        raise ValueError(f"unknown engine {engine!r} (local, dask)")
    findings: list[Finding] = []
    inputs: list[tuple[str, str]] = []
    kept: list[FileResult] = []
    scanned = bytes_scanned = 0
    for res in stream:
        if on_file:
            on_file(res)
        findings.extend(res.findings)
        file_skipped = res.skip is not None
        for n in res.notices:
            reason = filesmod.skip_reason(n)
            file_skipped = file_skipped or filesmod.not_read(n)
            if reason:
                skipped[reason] = skipped.get(reason, 0) + 1
            else:
                notices.append(n)
        if res.skip and not (res.skip == "empty" and res.notices):  # a named empty file is warned about instead
            skipped[res.skip] = skipped.get(res.skip, 0) + 1
        if res.sha256:
            inputs.append((res.display_path, res.sha256))
        if not file_skipped and res.agent:
            scanned += 1
            bytes_scanned += res.size
            kept.append(replace(res, findings=[]))
    kept.sort(key=lambda r: r.display_path)
    result = pipeline.make_result(pack, options, findings, notices, root, start=start, files_scanned=scanned,
                                  bytes_scanned=bytes_scanned, skipped=skipped, inputs=inputs,
                                  command_line=command_line)
    return Audit(result, kept)


# --- conversation context (HTML report) ---------------------------------------------------

CONTEXT_CHARS = 700
CONTEXT_SCAN_LINES = 400  # how far past a finding to look for its tool output


def _cut(text: str, limit: int = CONTEXT_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Context:
    human: str | None = None  # the last thing the human asked before the finding
    agent: str | None = None  # the agent's last words before it
    segment: str | None = None  # the text that matched (command, request, prose)
    channel: str | None = None
    output: str | None = None  # what the tool printed back (paired by call id)
    status: str | None = None


def conversation(path: str, fmt: str | None, wanted: Iterable[tuple[int, str | None]],
                 limit: int = CONTEXT_CHARS) -> dict[tuple[int, str | None], Context]:
    """For each (line, record_id) of a finding in transcript `path`, the conversation around
    it: one streaming pass over the transcript's segments, bounded memory and text."""
    want: dict[int, list[str | None]] = {}
    for line, rid in wanted:
        want.setdefault(line, []).append(rid)
    if not want:
        return {}
    last_line = max(want) + CONTEXT_SCAN_LINES
    humans: deque[tuple[int, str]] = deque(maxlen=16)
    agents: deque[tuple[int, str]] = deque(maxlen=16)
    outputs: dict[str, str] = {}
    out: dict[tuple[int, str | None], Context] = {}
    pending: dict[str, Context] = {}

    def before(items: deque, line: int) -> str | None:
        for ln, text in reversed(items):
            if ln < line:
                return text
        return None

    for item in transcripts.read(path, path, fmt):
        if not isinstance(item, Segment):
            continue
        o = item.origin
        if item.channel == Channel.OUTPUT:
            text = _cut(item.text, limit)
            if o.record_id:
                if o.record_id in pending:
                    pending.pop(o.record_id).output = text
                else:
                    outputs[o.record_id] = text
                    if len(outputs) > 256:
                        outputs.pop(next(iter(outputs)))
        elif item.channel == Channel.USER and o.actor in (Actor.HUMAN, None):
            humans.append((item.line, _cut(item.text, limit)))
        elif item.channel == Channel.PROSE and o.actor == Actor.AGENT and item.line not in want:
            agents.append((item.line, _cut(item.text, limit)))
        rids = want.get(item.line)
        if rids:
            for rid in rids:
                key = (item.line, rid)
                if key in out and out[key].segment is not None:
                    continue
                if rid is not None and o.record_id not in (rid, None) and item.channel != Channel.PROSE:
                    continue
                if item.channel == Channel.OUTPUT:
                    continue
                ctx = Context(human=before(humans, item.line), agent=before(agents, item.line),
                              segment=_cut(item.text, limit * 2), channel=str(item.channel),
                              status=str(o.status) if o.status else None)
                if o.record_id and o.record_id in outputs:
                    ctx.output = outputs[o.record_id]
                elif o.record_id and item.channel in (Channel.COMMAND, Channel.REQUEST):
                    pending[o.record_id] = ctx
                out[key] = ctx
        if item.line > last_line and len(out) >= sum(len(v) for v in want.values()) and not pending:
            break
    return out


__all__ = [
    "AGENTS",
    "Audit",
    "Candidate",
    "Context",
    "EngineUnavailable",
    "FileResult",
    "Progress",
    "audit",
    "audit_file",
    "conversation",
    "default_locations",
    "default_paths",
    "discover",
    "parse_since",
    "run_dask",
    "run_local",
]
