"""Wiring: inputs -> segments -> engine -> filters -> ScanResult.

A document (one file, one transcript) is an independent unit: `scan_file` is a
pure function of the file and the pack, so files can go to other processes.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, Iterator

from vitana_guard import __version__, _core
from vitana_guard.engine.cache import load_pack_cached
from vitana_guard.engine.scan import DocumentScanner, FileText, Selection, TranscriptFile, compile_pack, finding_from_core
from vitana_guard.model import Finding, Notice, ScanResult, Severity, Suppression
from vitana_guard.sources import files

# what a run needs only for some inputs (guard logs, commit messages, transcripts, per-path
# ignores) is imported where it is used: a one-file `scan` starts in tens of milliseconds
if TYPE_CHECKING:
    from vitana_guard import config as configmod
    from vitana_guard.model import Segment
    from vitana_guard.transcripts.prefilter import Prefilter
    from vitana_guard.engine.rules import RulePack

# Files whose content may be an agent transcript; everything else is classified by kind.
TRANSCRIPT_SUFFIXES: tuple[str, ...] = tuple(_core.TRANSCRIPT_SUFFIXES)  # the core batch reads the same


@dataclass(frozen=True)
class ScanOptions:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    no_ignore: bool = False
    include_vendored: bool = False
    exclude: tuple[str, ...] = ()
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    transcript_format: str | None = None
    jobs: int = 1
    file_jobs: int = 1  # processes for the ranges of one big transcript (set when there is one file)
    fail_on: Severity = Severity.WARNING
    digests: bool = True  # each input's sha256, for the reports that show the evidence (not text)

    @property
    def selection(self) -> Selection:
        return Selection(self.select, self.ignore)


def load_for(cfg: configmod.Config, as_of=None) -> RulePack:
    """The rule pack a configuration asks for, with the parameters in force on `as_of`
    (default today), compiled once and cached (engine/cache.py)."""
    return load_pack_cached(cfg.rules_dirs, cfg.parameters, parameters_source=cfg.path or "config",
                            parameter_changes=cfg.parameter_changes, as_of=as_of)


def scan_file(pack: RulePack, options: ScanOptions, entry: files.FileEntry) -> tuple[list[Finding], list[Notice], int]:
    """Findings and notices of one file, and the bytes read."""
    if entry.path.endswith(".jsonl") and _is_guard_log(entry.path):
        from vitana_guard.sources import guardlog

        items = list(guardlog.read(entry.path, entry.display_path, pack, options.selection))
        return [i for i in items if isinstance(i, Finding)], [i for i in items if isinstance(i, Notice)], entry.size
    scanner = DocumentScanner(pack, compiled_for(pack, options), no_ignore=options.no_ignore)
    scanner.feed(document_segments(pack, entry, options))
    found, notices = scanner.finish()
    return found, notices, entry.size


def _is_guard_log(path: str) -> bool:
    from vitana_guard.sources import guardlog

    try:
        with open(path, "rb") as f:
            return guardlog.sniff(f.read(4096))
    except OSError:
        return False  # the regular path reports what cannot be read


COMMIT_MESSAGE_FILES: tuple[str, ...] = tuple(_core.COMMIT_MESSAGE_FILES)


def document_segments(pack: RulePack, entry: files.FileEntry, options: ScanOptions) -> Iterator[Segment | Notice | FileText | TranscriptFile]:
    if os.path.basename(entry.path) in COMMIT_MESSAGE_FILES:
        from vitana_guard.sources import message

        text, notice = files.read_text(entry)
        if notice is not None:
            yield notice
        if text is not None:
            yield from message.segments(entry.display_path, message.strip_git_comments(text), "commit-msg")
        return
    fmt = options.transcript_format
    head = None
    if fmt is not None or entry.path.lower().endswith(TRANSCRIPT_SUFFIXES):
        from vitana_guard import transcripts
    if fmt is not None:
        mismatch = transcripts.forced_format_problem(entry.path, entry.display_path, fmt)
        if mismatch is not None:
            yield mismatch
            return
    if fmt is None and entry.path.lower().endswith(TRANSCRIPT_SUFFIXES):
        try:
            with open(entry.path, "rb") as f:
                head = f.read(transcripts.HEAD_BYTES)
        except OSError as e:
            yield Notice(f"cannot read: {e.strerror or e}", entry.display_path)
            return
        if b"\0" not in head[:8192]:
            fmt = transcripts.detect(entry.path, head)
    if fmt is not None:
        prefilter = _prefilter(pack, options, transcripts=True)
        yield TranscriptFile(entry.path, entry.display_path, fmt,
                             tuple(prefilter.keywords) if prefilter is not None else None)
        return
    prefilter = _prefilter(pack, options, transcripts=False)
    if head is not None and len(head) < transcripts.HEAD_BYTES:
        data, notice = head, None  # the head was the whole file
    else:
        data, notice = files.read_bytes(entry)
    if data is None:
        yield notice
        return
    text, notice = files.decode(entry, data)
    if notice is not None:
        yield notice
    # a file holding no keyword of any rule (nor a JSON escape that could spell one)
    # has nothing to find: skip classifying it
    if text is not None and (prefilter is None or files.is_utf16(data) or prefilter.any_hit(data)):
        yield FileText(entry.display_path, text)


_COMPILED: dict[tuple, object] = {}


def compiled_for(pack: RulePack, options: ScanOptions):
    """The pack compiled for the options' rule selection, once per process."""
    key = (pack.digest, options.selection)
    if key not in _COMPILED:
        _COMPILED[key] = compile_pack(pack, options.selection)
    return _COMPILED[key]


_PREFILTERS: dict[tuple, Prefilter | None] = {}


def _prefilter(pack: RulePack, options: ScanOptions, *, transcripts: bool) -> Prefilter | None:
    """The keyword prefilter, or None when a selected rule has no keywords (then
    everything must be read). For transcripts it also keeps the records that carry
    session state (`transcript_markers`: approvals, tool failures, denials), which a
    file has none of."""
    key = (pack.digest, options.selection, transcripts, options.file_jobs)
    if key not in _PREFILTERS:
        from vitana_guard.transcripts.prefilter import Prefilter  # (the package reads transcripts)

        rules = [r for r in pack.rules if options.selection.chooses(r)]
        if any(not r.keywords for r in rules):
            _PREFILTERS[key] = None
        else:
            words = [k for r in rules for k in r.keywords]
            if transcripts:
                words += list(pack.params.get("transcript_markers", ()))
            _PREFILTERS[key] = Prefilter(words, jobs=options.file_jobs)
    return _PREFILTERS[key]


def apply_path_ignores(findings: list[Finding], per_path: dict[str, tuple[str, ...]]) -> list[Finding]:
    """Per-path ignores from the config mark findings suppressed (kept for SARIF)."""
    if not per_path:
        return findings
    from vitana_guard import pathglob

    out = []
    for f in findings:
        for glob, ids in per_path.items():
            if f.suppression is None and pathglob.matches(f.path, [glob]) and any(f.rule_id.startswith(i) for i in ids):
                f = replace(f, suppression=Suppression("external", f"per-path-ignores: {glob}"))
        out.append(f)
    return out


def scan_paths(paths: Iterable[str], options: ScanOptions, pack: RulePack, *, root: str) -> ScanResult:
    start = utc_now()
    entries, skipped, notices = files.discover(
        list(paths), root=root, include_vendored=options.include_vendored, exclude=options.exclude
    )
    findings: list[Finding] = []
    inputs: list[tuple[str, str]] = []
    scanned = 0
    bytes_scanned = 0
    for entry, (found, file_notices, size, digest) in zip(entries, _map(pack, options, entries)):
        findings.extend(found)
        for n in file_notices:
            reason = files.skip_reason(n)
            if reason:
                skipped[reason] = skipped.get(reason, 0) + 1
            else:
                notices.append(n)
        if not any(files.not_read(n) for n in file_notices):
            scanned += 1
            bytes_scanned += size
            if digest:
                inputs.append((entry.display_path, digest))
    return make_result(pack, options, findings, notices, root, start=start, files_scanned=scanned,
                       bytes_scanned=bytes_scanned, skipped=skipped, inputs=inputs)


def make_result(pack: RulePack, options: ScanOptions, findings: list[Finding], notices: list[Notice], root: str,
                *, start: str, files_scanned: int, bytes_scanned: int, skipped: dict[str, int],
                commit: str | None = None, inputs: Iterable[tuple[str, str]] = (),
                command_line: list[str] | None = None) -> ScanResult:
    """The ScanResult every command reports: per-path ignores applied, findings in
    order, the rules that ran and the evidence of how the scan was made."""
    findings = apply_path_ignores(drop_relayed_copies(findings), options.per_path_ignores)
    return ScanResult(
        findings=sorted(findings, key=Finding.sort_key),
        notices=notices,
        rules=[r.info() for r in pack.rules if options.selection.chooses(r)],
        root=root,
        files_scanned=files_scanned,
        bytes_scanned=bytes_scanned,
        skipped=skipped,
        tool_version=__version__,
        command_line=list(sys.argv if command_line is None else command_line),
        start_time=start,
        end_time=utc_now(),
        commit=commit,
        fail_on=options.fail_on,
        rule_pack_digest=pack.digest,
        config_digest=config_digest(options),
        inputs=sorted(inputs),
    )


def drop_relayed_copies(findings: list[Finding]) -> list[Finding]:
    """A sub-agent's call relayed in its parent's log (Claude `agent_progress`) is the same
    call as in the sub-agent's own file: when both were scanned, one finding (the file's)."""
    relayed = [f for f in findings if f.properties.get("via")]
    if not relayed:
        return findings
    direct = {(f.rule_id, f.record_id, " ".join(f.snippet.split()))
              for f in findings if f.record_id and not f.properties.get("via")}
    return [f for f in findings
            if not (f.properties.get("via") and (f.rule_id, f.record_id, " ".join(f.snippet.split())) in direct)]


def sha256_file(path: str) -> str | None:
    """The sha256 of a file's bytes (evidence of what was scanned); None if it cannot be read.
    Hashed by the core, 1 MiB at a time, without the GIL."""
    return _core.sha256_file(path)


def config_digest(options: ScanOptions) -> str:
    """sha256 of the effective configuration (rule selection, ignores, fail-on, ...): evidence."""
    import json

    # how the scan runs (threads, whether inputs are hashed) is not what it judges
    data = {k: getattr(options, k) for k in options.__dataclass_fields__ if k not in ("jobs", "file_jobs", "digests")}
    return _core.sha256_hex(json.dumps(data, sort_keys=True, default=str).encode())


def worker_count(jobs: int) -> int:
    """What `--jobs N` means everywhere: N processes, 0 for one per core this process
    may run on (a container's CPU set, not the host's count)."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# `--jobs 0` (the default) uses threads only for this much work: below it they gain
# nothing (a pre-commit run over a few staged files)
AUTO_MIN_BYTES = 8 << 20
AUTO_MIN_FILES = 500


def _map(pack: RulePack, options: ScanOptions, entries: list[files.FileEntry]):
    """Each entry's scan, in order. Files go to the core in one batch
    (`Scanner.scan_files`: read, decoded, gated, classified and scanned on its threads,
    no GIL, no Python object but the findings); those it hands back (transcripts,
    workflows, commit messages, `.jsonl` files) take `scan_file`, several of them on
    threads (their core calls release the GIL too)."""
    jobs = worker_count(options.jobs)
    if len(entries) < 2:
        # one file: the workers share its ranges instead (a big transcript)
        options = replace(options, file_jobs=jobs)
    small = options.jobs == 0 and len(entries) < AUTO_MIN_FILES and sum(e.size for e in entries) < AUTO_MIN_BYTES
    threads = 1 if jobs <= 1 or len(entries) < 2 or small else jobs
    batch = _scan_batch(pack, options, entries, threads)
    deferred = _map_deferred(pack, options, [e for e, out in zip(entries, batch) if out is None], threads)
    for entry, out in zip(entries, batch):
        if out is None:
            yield next(deferred)
            continue
        found, notices, digest = out
        yield ([finding_from_core(*f) for f in found], [Notice(m, p, line, level=level) for m, p, line, level in notices],
               entry.size, digest)


GATE_FROM_BYTES = 1 << 20


def _scan_batch(pack: RulePack, options: ScanOptions, entries: list[files.FileEntry], threads: int) -> list:
    """The core's outcome of each entry on `threads` threads: (findings, notices, sha256)
    or None for `scan_file`'s path (see `Scanner.scan_files`)."""
    if options.transcript_format is not None:  # every file is read as the forced format
        return [None] * len(entries)
    # the file gate saves classifying files without a keyword; one small file costs less
    # to classify than its automaton costs to build (`scan FILE`: 2.3M instructions)
    gated = len(entries) > 1 or sum(e.size for e in entries) >= GATE_FROM_BYTES
    prefilter = _prefilter(pack, options, transcripts=False) if gated else None
    return compiled_for(pack, options).core.scan_files(
        [(e.path, e.display_path, e.size) for e in entries],
        list(prefilter.keywords) if prefilter is not None else None, options.no_ignore, threads, files.MAX_BYTES,
        options.digests)


def _map_deferred(pack: RulePack, options: ScanOptions, entries: list[files.FileEntry], threads: int):
    """`_scan_and_hash` of each entry, in order, on `threads` threads."""
    if threads <= 1 or len(entries) < 2:
        for entry in entries:
            yield _scan_and_hash(pack, options, entry)
        return
    from concurrent.futures import ThreadPoolExecutor  # only when there is parallel work

    compiled_for(pack, options)  # compiled once, before the threads share it
    with ThreadPoolExecutor(max_workers=threads) as pool:
        yield from pool.map(lambda entry: _scan_and_hash(pack, options, entry), entries)


HASH_IN_THREAD_BYTES = 1 << 20


def _scan_and_hash(pack: RulePack, options: ScanOptions, entry: files.FileEntry):
    """scan_file, plus the sha256 of the file (the JSON/SARIF evidence of each input). A big
    file is hashed in a thread while it is scanned (the core's hash releases the GIL)."""
    if not options.digests or entry.size < HASH_IN_THREAD_BYTES:
        found, notices, size = scan_file(pack, options, entry)
        return found, notices, size, sha256_file(entry.path) if options.digests else None
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(sha256_file, entry.path)
        found, notices, size = scan_file(pack, options, entry)
        return found, notices, size, digest.result()


def exit_code(result: ScanResult) -> int:
    if result.input_errors:
        return 2
    threshold = result.fail_on.rank
    return 1 if any(f.severity.rank >= threshold for f in result.active) else 0


def utc_now() -> str:
    """A report timestamp: ISO 8601, UTC, microseconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
