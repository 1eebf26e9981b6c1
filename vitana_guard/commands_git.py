"""Git and pull-request commands: `diff`, `history`, `commit-msg`, `pr`.

Registered on the `main` group of cli.py; each takes the report options of `scan`
and ends through cli._emit, so formats and exit codes (0/1/2) are the same.

Conventions:
- finding paths are relative to the current directory (like `scan`), in the version of
  the file the finding is about (the new side of a diff, the commit's own version);
- a commit message found by `history` is reported at `COMMIT_MSG@<sha12>` (line 1 is
  the subject) with the commit in `Finding.commit`;
- `diff` and `history` report only added lines; a line a diff both deletes and adds
  (whitespace aside, in any file of the same kind) moved and is not new; moved into
  another kind of file (text into a script, prose into a Makefile) it is new.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import click

from vitana_guard.cli import (
    _emit,
    _options,
    include_vendored_option,
    main,
    report_options,
)
from vitana_guard.errors import UsageError
from vitana_guard.model import Finding, Notice, ScanResult
from vitana_guard.pathglob import compile_globs
from vitana_guard.sources import files
from vitana_guard.sources import git as gitsrc

DEFAULT_MERGE_SERVICE = ("GitHub", "web-flow")


# --------------------------------------------------------------------------- shared


class _Run:
    """Config, pack and compiled selection of one invocation."""

    def __init__(self, config_path, select, ignore, fail_on, no_ignore, start=".", baseline=None,
                 include_vendored=False):
        from vitana_guard import baseline as baselinemod
        from vitana_guard import config as configmod
        from vitana_guard.pipeline import compiled_for, load_for, utc_now

        # --baseline: read first, so a malformed file fails before any work
        self.baseline = baselinemod.load(baseline) if baseline else None
        self.stale_scope = None  # paths a run covers whole (pr, commit-msg); None: no entry can be stale
        self.occurrence: dict[tuple, int] = {}  # baseline occurrence indexes over whole files (diff, history)

        self.cfg = configmod.load(config_path or configmod.discover(start))
        # the files `scan` passes over when it walks a tree, passed over here too
        self.include_vendored = include_vendored or self.cfg.include_vendored
        self.excluded = compile_globs(self.cfg.exclude)
        self._skip_reasons: dict[str, str | None] = {}
        self.pack = load_for(self.cfg)
        self.options = _options(self.pack, self.cfg, select, ignore, fail_on, no_ignore)
        self.compiled = compiled_for(self.pack, self.options)
        from vitana_guard.engine.rules import change_dates

        self._change_dates = change_dates(self.pack.policy, self.cfg.parameter_changes)
        self._periods: dict = {}
        self.start = utc_now()
        self.files_scanned = 0
        self.bytes_scanned = 0
        self.skipped: dict[str, int] = {}
        chosen = [r for r in self.pack.rules if self.options.selection.chooses(r)]
        # rules that read text whatever its words (no keywords, or a `require` matcher):
        # with one of them for files the keyword prefilter cannot skip anything
        self.bypass_kinds: set[str | None] = set()
        for r in chosen:
            for e in r.entries:
                # the entry's own records, not its matcher: restoring a cached pack's
                # matchers costs a pre-commit run ~8% of its instructions
                if e.unit == "session":
                    continue
                if not r.keywords or e.ungated:
                    self.bypass_kinds.update(e.kinds if e.kinds is not None else {None})
        # whether history's prefilter of a file is a keyword test that sees each line on
        # its own, so that hunks holding no keyword can be skimmed (may_matter)
        self._keywords_per_line = not ({None, "text"} & self.bypass_kinds
                                       or any("\n" in k or "\r" in k for k in self.compiled.finder.keywords))

    def wanted(self, text: str, kind: str) -> bool:
        """Cheap prefilter: can any selected rule fire on this text?"""
        if None in self.bypass_kinds or kind in self.bypass_kinds:
            return True
        return bool(self.compiled.finder.present(text, text.lower()))

    # what history's reader of `git log -p` may leave unparsed (sources/git.Skim)
    def skips(self, path: str) -> bool:
        return self.skip_reason(path) is not None

    def may_matter(self, hunks: bytes) -> bool:
        """Whether a file diff's hunks may hold a keyword: always, when the prefilter is
        not a keyword test that sees each line on its own."""
        return not self._keywords_per_line or self.compiled.finder.any_in(hunks)

    @property
    def skim_keywords(self) -> tuple[str, ...] | None:
        """may_matter as data, for the core's reader: the keywords it tests the hunks on
        itself (the finder's), or None when every hunk may matter."""
        return self.compiled.finder.keywords if self._keywords_per_line else None

    def scan(self, segments, focus: frozenset[int] | None = None, period=None) -> tuple[list[Finding], list[Notice]]:
        from vitana_guard.engine.scan import DocumentScanner

        pack, compiled = period or (self.pack, self.compiled)
        scanner = DocumentScanner(pack, compiled, no_ignore=self.options.no_ignore, focus=focus)
        scanner.feed(segments)
        return scanner.finish()

    def period(self, day: date):
        """(pack, compiled) with the parameters in force on `day`: one per period
        between the dates on which parameters change."""
        from vitana_guard.pipeline import compiled_for, load_for

        start = max((d for d in self._change_dates if d <= day), default=None)
        if start not in self._periods:
            pack = load_for(self.cfg, as_of=start or date(1970, 1, 1))
            self._periods[start] = (pack, compiled_for(pack, self.options))
        return self._periods[start]

    def scan_added(self, display: str, content: str | bytes, lines: set[int], commit: str | None = None,
                   period=None, trusted: Callable[[], bool] | None = None):
        """Classify the whole file (so a line keeps its file's channel) and keep the
        findings on the given lines. `content`: its text, or its bytes (`readable`),
        which the core decodes. `trusted`: for a content not yet checked (a rebuilt
        version), asked once the scan finds anything; when it answers False nothing is
        reported or counted, and None is returned."""
        from vitana_guard.engine.scan import DocumentScanner, FileText

        pack, compiled = period or (self.pack, self.compiled)
        # with a baseline every finding of the file counts (occurrence indexes)
        scanner = DocumentScanner(pack, compiled, no_ignore=self.options.no_ignore,
                                  focus=None if self.baseline is not None else frozenset(lines))
        if isinstance(content, bytes):
            size = scanner.scan_file_bytes(display, content)
        else:
            scanner.feed([FileText(display, content)])
            size = len(content.encode("utf-8", "surrogatepass"))
        found, notices = scanner.finish()
        if trusted is not None and (found or notices) and not trusted():
            return None
        if commit:  # on the few findings, not on every segment: the commit changes nothing in the scan
            found = [replace(f, commit=commit) for f in found]
        if self.baseline is not None:
            from vitana_guard.baseline import occurrences

            self.occurrence.update(occurrences(found))
        self.files_scanned += 1
        self.bytes_scanned += size
        keep = [f for f in found if any(n in lines for n in range(f.line, max(f.line, f.end_line) + 1))]
        return keep, notices

    def added(self, diffs: list[gitsrc.FileDiff], prefilter: bool = False) -> list[tuple[gitsrc.FileDiff, set[int]]]:
        """(file diff, its new added line numbers) for each text file a change adds lines
        to; binary, vendored, generated, lock and excluded files are counted as skipped.
        A line is not new when the change deletes it elsewhere (it moved), unless from a
        skipped file: a line never linted where it was is new where it lands. With
        `prefilter`, only the files whose new lines pass the keyword prefilter (`wanted`
        as text): the others cannot add a finding."""
        linted = []
        for d in diffs:
            path = d.new_path or d.old_path
            reason = self.skip_reason(path) if path else None
            if d.binary:
                self.skip("binary")
            elif reason is None:
                linted.append(d)
            elif d.lintable:
                self.skip(reason)
        gate = prefilter and not ({None, "text"} & self.bypass_kinds)
        return gitsrc.new_lines(linted, self.compiled.finder.keyword_set if gate else None)

    def skip_reason(self, path: str) -> str | None:
        """Why a file at this repository path is not linted, as `scan` would skip it."""
        # a history names the same paths again and again; the reader of git's output
        # asks too, on its own thread: the answer is returned, not read back
        known = self._skip_reasons.get(path, False)
        if known is not False:
            return known
        if len(self._skip_reasons) > 100_000:
            self._skip_reasons.clear()
        if self.excluded is not None and self.excluded.match(path):
            reason: str | None = "excluded"
        else:
            reason = None if self.include_vendored else files.skip_reason_for(path.split("/"))
        self._skip_reasons[path] = reason
        return reason

    def readable(self, data: bytes, count: bool = True) -> bool:
        """Whether a file version is text `scan` would read: False, counted as skipped
        (unless not `count`), for a binary one or one over the size `scan` reads (a
        generated 60 MB file would cost a minute and GBs). The core decodes it
        (`scan_added`)."""
        reason = "too-large" if len(data) > files.MAX_BYTES else "binary" if b"\0" in data[:8192] else None
        if reason is not None and count:  # binary: gitsrc.decode's test
            self.skip(reason)
        return reason is None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    # what a worker process counted (history --jobs), handed back to the parent's run
    def tally(self) -> tuple:
        return self.files_scanned, self.bytes_scanned, self.skipped, self.occurrence

    def reset_tally(self) -> None:
        self.files_scanned = self.bytes_scanned = 0
        self.skipped, self.occurrence = {}, {}

    def add_tally(self, tally: tuple) -> None:
        files, size, skipped, occurrence = tally
        self.files_scanned += files
        self.bytes_scanned += size
        for reason, n in skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n
        self.occurrence.update(occurrence)

    def result(self, findings, notices, root, commit=None) -> ScanResult:
        from vitana_guard.pipeline import make_result

        result = make_result(self.pack, self.options, findings, notices, root, start=self.start,
                             files_scanned=self.files_scanned, bytes_scanned=self.bytes_scanned,
                             skipped=self.skipped, commit=commit)
        if self.baseline is not None:
            from vitana_guard.baseline import apply

            result = apply(result, self.baseline, scope=self.stale_scope, known=self.occurrence)
        return result


def _display(root: str, path: str) -> str:
    """A repository path as shown to the user: relative to the current directory."""
    real_root, real_cwd = _real(root), _real(os.getcwd())
    if real_root == real_cwd:
        return path
    full = os.path.join(root, path)
    rel = os.path.relpath(os.path.realpath(full) if os.path.exists(full) else full, real_cwd)
    return rel.replace(os.sep, "/")


@lru_cache(maxsize=16)
def _real(path: str) -> str:
    return os.path.realpath(path)


# --------------------------------------------------------------------------- pr


@main.command("pr")
@click.option("--event", "event_path", type=click.Path(dir_okay=False),
              help="A GitHub pull_request event (e.g. $GITHUB_EVENT_PATH).")
@click.option("--title", help="PR title (without --event).")
@click.option("--body-file", type=click.Path(dir_okay=False, allow_dash=True), help="PR body from FILE ('-': stdin).")
@click.option("--head", help="PR head branch (without --event).")
@click.option("--base", help="PR base branch (without --event).")
@report_options
def pr_command(event_path, title, body_file, head, base, fmt, output, select, ignore, fail_on, config_path,
               no_ignore, show_suppressed, color, exit_zero, baseline):
    """Lint a pull request: body (VTID, suggested commands), title and head branch."""
    from vitana_guard.sources import pr as prsrc

    if event_path and (title or body_file or head or base):
        raise UsageError("--event reads title, body and branches from the event; do not combine it with "
                         "--title/--body-file/--head/--base")
    if event_path:
        if not os.path.isfile(event_path):
            raise UsageError("event file not found", event_path)
        request = prsrc.from_event(event_path)
        display = os.path.relpath(event_path).replace(os.sep, "/")
    else:
        if body_file is None and title is None and head is None:
            raise UsageError("give --event FILE, or --title/--body-file/--head")
        body = ""
        display = "PR_BODY"
        if body_file == "-":
            try:  # bytes, then UTF-8 as for a file: the locale's decoding may be strict or not UTF-8
                body = sys.stdin.buffer.read().decode("utf-8")
            except UnicodeDecodeError as e:
                raise UsageError(f"cannot read: {e}", "<stdin>") from None
        elif body_file:
            try:
                with open(body_file, encoding="utf-8") as f:
                    body = f.read()
            except (OSError, UnicodeDecodeError) as e:
                raise UsageError(f"cannot read: {getattr(e, 'strerror', None) or e}", body_file) from None
            display = os.path.relpath(body_file).replace(os.sep, "/")
        request = prsrc.PullRequest(title=title or "", body=body, head=head or "", base=base)
    run = _Run(config_path, select, ignore, fail_on, no_ignore, baseline=baseline)
    run.stale_scope = lambda path: path == display
    findings, notices = run.scan(prsrc.segments(display, request))
    run.files_scanned = 1
    _emit(run.result(findings, notices, os.getcwd(), commit=request.head_sha if _is_sha(request.head_sha) else None),
          fmt, output, color, show_suppressed, exit_zero)


def _is_sha(value) -> bool:
    return isinstance(value, str) and len(value) == 40 and value != gitsrc.NULL_SHA and all(
        c in "0123456789abcdef" for c in value)


# --------------------------------------------------------------------------- commit-msg


@main.command("commit-msg")
@click.argument("message_file", type=click.Path(dir_okay=False, allow_dash=True))
@report_options
def commit_msg(message_file, fmt, output, select, ignore, fail_on, config_path, no_ignore, show_suppressed, color,
               exit_zero, baseline):
    """Lint a commit message file (git's comment lines are ignored); for the commit-msg hook.

    VG303 (no VTID in the message) is off unless selected: --select VG303.
    """
    from vitana_guard.sources import message

    if message_file == "-":
        text = sys.stdin.buffer.read().decode("utf-8", "replace")  # as a file is read, whatever the locale
        display = "COMMIT_EDITMSG"
    else:
        try:
            with open(message_file, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            raise UsageError(f"cannot read: {e.strerror or e}", message_file) from None
        display = os.path.relpath(message_file).replace(os.sep, "/")
    run = _Run(config_path, select, ignore, fail_on, no_ignore, baseline=baseline)
    run.stale_scope = lambda path: path == display
    text = message.strip_git_comments(text)
    findings, notices = run.scan(message.segments(display, text or " ", "commit-msg"))
    run.files_scanned = 1
    _emit(run.result(findings, notices, os.getcwd()), fmt, output, color, show_suppressed, exit_zero)


# --------------------------------------------------------------------------- diff


@main.command("diff")
@click.argument("rev_range", required=False)
@click.option("--staged", "--cached", "staged", is_flag=True, help="Lint the lines added in the index (pre-commit).")
@click.option("--patch", "patch_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read a unified diff from FILE ('-': stdin) instead of asking git.")
@click.option("--pre-push", is_flag=True,
              help="Lint PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF (pre-commit's pre-push stage).")
@include_vendored_option
@report_options
def diff_command(rev_range, staged, patch_file, pre_push, include_vendored, fmt, output, select, ignore, fail_on,
                 config_path, no_ignore, show_suppressed, color, exit_zero, baseline):
    """Lint only the lines a change adds.

    \b
    vitana-guard diff              work tree vs index (like `git diff`)
    vitana-guard diff --staged     index vs HEAD (what `git commit` would record)
    vitana-guard diff main..HEAD   the commits of a branch (new side: HEAD)
    vitana-guard diff REV          work tree vs REV
    vitana-guard diff --patch -    a unified diff on stdin
    """
    if sum(bool(x) for x in (patch_file, pre_push, staged and not rev_range)) > 1:
        raise UsageError("--patch, --pre-push and --staged are exclusive")
    run = _Run(config_path, select, ignore, fail_on, no_ignore, baseline=baseline, include_vendored=include_vendored)
    if patch_file:
        _emit(_diff_patch(run, patch_file), fmt, output, color, show_suppressed, exit_zero)
        return
    root = gitsrc.repo_root(os.getcwd())
    commit = gitsrc.head_commit(root)
    worktree = False
    if pre_push:
        to_ref = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_SOURCE")
        from_ref = os.environ.get("PRE_COMMIT_FROM_REF") or os.environ.get("PRE_COMMIT_ORIGIN")
        if not to_ref:
            raise UsageError("--pre-push needs PRE_COMMIT_TO_REF (and PRE_COMMIT_FROM_REF) in the environment, "
                             "as pre-commit sets them at the pre-push stage")
        commit = gitsrc.verify_revision(root, to_ref)
        base = gitsrc.EMPTY_TREE if not from_ref or from_ref == gitsrc.NULL_SHA else gitsrc.verify_revision(root, from_ref)
        args = [base, commit]
    elif staged:
        args = ["--cached"]
        if rev_range:
            gitsrc.verify_revision(root, rev_range)
            args.append(rev_range)
        elif commit is None:
            args.append(gitsrc.EMPTY_TREE)  # nothing committed yet: all of the index is new
    elif rev_range:
        gitsrc.check_range(root, rev_range)
        if ".." in rev_range:
            right = rev_range.split("...", 1)[1] if "..." in rev_range else rev_range.split("..", 1)[1]
            commit = gitsrc.verify_revision(root, right or "HEAD")
        else:
            worktree = True
        args = [rev_range]
    else:
        worktree = True
        args = []
    # no rename detection: a renamed file is its old lines deleted and its new lines added,
    # so that a line moved into another kind of file (`git mv notes.txt release.sh`) is new
    # where it lands, and one that keeps its kind of file is moved (as history reads it)
    p = gitsrc.git(["diff", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--full-index", "--no-renames",
                    *args, "--"], root)
    diffs = gitsrc.read_git_patch(p.stdout, _SkippedFiles(run))
    findings: list[Finding] = []
    notices: list[Notice] = []
    with gitsrc.BlobReader(root) as blobs:
        for d, lines in run.added(diffs):
            display = _display(root, d.new_path)
            if worktree:
                try:
                    with open(os.path.join(root, d.new_path), "rb") as f:
                        data = f.read()
                except OSError as e:
                    notices.append(Notice(f"cannot read: {e.strerror or e}", display))
                    continue
            else:
                data = blobs.read(d.new_blob) if d.new_blob else None
                if data is None:
                    notices.append(Notice(f"object {d.new_blob} is missing (partial or shallow clone?)", display))
                    continue
            if not run.readable(data):
                continue
            found, file_notices = run.scan_added(display, data, lines)
            findings += found
            notices += file_notices
    _emit(run.result(findings, notices, os.getcwd(), commit=commit), fmt, output, color, show_suppressed, exit_zero)


class _SkippedFiles:
    """diff's skim (sources/git.Skim): only the hunks of files it skips go unread. Unlike
    history, diff has no keyword prefilter: a line added inside an existing statement
    reports the statement whatever the line holds."""

    skim_keywords = None  # every hunk may matter: no keyword test

    def __init__(self, run: _Run):
        self.skips = run.skips

    @staticmethod
    def may_matter(hunks: bytes) -> bool:
        return True


def _diff_patch(run: _Run, patch_file: str) -> ScanResult:
    if patch_file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(patch_file, "rb") as f:
                data = f.read()
        except OSError as e:
            raise UsageError(f"cannot read: {e.strerror or e}", patch_file) from None
    diffs = list(gitsrc.parse_patch(data))
    if data.strip() and not diffs:
        raise UsageError("not a unified diff (no ---/+++ or diff --git headers)", patch_file)
    findings: list[Finding] = []
    notices: list[Notice] = []
    for d, lines in run.added(diffs):
        for first, text in _known_parts(d.added):
            found, file_notices = run.scan_added(d.new_path, text, {n - first + 1 for n in lines if n >= first})
            shift = first - 1  # each part is scanned as if it began the file
            findings += [replace(f, line=f.line + shift, end_line=f.end_line + shift) for f in found]
            notices += [replace(n, line=n.line + shift) if n.line else n for n in file_notices]
    return run.result(findings, notices, os.getcwd())


# blank lines a part of a patched file may hold before the next added line starts another
_GAP = 1000


def _known_parts(added: dict[int, str]) -> Iterator[tuple[int, str]]:
    """The new content as far as a patch knows it: its added lines in place, the lines
    between them blank; cut where they lie far apart, so that a hunk claiming to start at
    line 300,000,000 costs its own lines, not 300 million blank ones."""
    numbers = sorted(added)
    start = 0
    for i in range(1, len(numbers) + 1):
        if i == len(numbers) or numbers[i] - numbers[i - 1] > _GAP:
            first = numbers[start]
            yield first, "\n".join(added.get(n, "") for n in range(first, numbers[i - 1] + 1)) + "\n"
            start = i


# --------------------------------------------------------------------------- history


@main.command("history")
@click.argument("rev_range", required=False)
@click.option("--policy-date", metavar="YYYY-MM-DD",
              help="Judge every commit by the policy in force on this date (default: each commit's own date).")
@click.option("--jobs", "-j", type=int, default=0, show_default=True,
              help="Threads that scan parts of the history in parallel (0: all cores; "
                   "histories under 200 commits are scanned in one).")
@include_vendored_option
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr [default: when a terminal].")
@report_options
def history_command(rev_range, policy_date, jobs, include_vendored, progress, fmt, output, select, ignore, fail_on,
                    config_path, no_ignore, show_suppressed, color, exit_zero, baseline):
    """Lint every commit's additions and message (default: all of HEAD's history).

    Each violation is reported once, at the commit that added it (its path and line in
    that commit; the commit id in the report). Commits before the policy's effective
    date report nothing. Merges are diffed against their first parent.
    """
    pinned = None
    if policy_date:
        try:
            pinned = date.fromisoformat(policy_date)
        except ValueError:
            raise UsageError(f"--policy-date: '{policy_date}' is not a date (YYYY-MM-DD)") from None
    run = _Run(config_path, select, ignore, fail_on, no_ignore, baseline=baseline, include_vendored=include_vendored)
    root = gitsrc.repo_root(os.getcwd(), bare_ok=True)  # auditors keep mirrors
    head = gitsrc.head_commit(root)
    if rev_range:
        revs = gitsrc.check_range(root, rev_range)
        right = rev_range.split("..")[-1].lstrip(".") if ".." in rev_range else rev_range
        commit = gitsrc.verify_revision(root, right or "HEAD")
    elif head is None:
        notice = Notice("the repository has no commits yet: no history to lint", level="note")
        _emit(run.result([], [notice], os.getcwd()), fmt, output, color, show_suppressed, exit_zero)
        return
    else:
        revs, commit = ["HEAD"], head
    from vitana_guard.audit import Progress

    bar = Progress(0, 0, sys.stderr, enabled=progress, unit="commits")
    if bar.enabled:  # counting the commits is a walk of its own: only for the bar
        bar.total = int(gitsrc.git(["rev-list", "--count", "--first-parent", *revs], root).stdout or 0)
    try:
        result = scan_history(run, root, revs, pinned, jobs=jobs, on_commit=lambda n: bar.advance(findings=n))
    finally:
        bar.close()
    result.commit = commit
    _emit(result, fmt, output, color, show_suppressed, exit_zero)


def _effective(pack) -> date | None:
    value = (pack.policy or {}).get("effective")
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _main_chain(root: str) -> set[str]:
    """The first-parent chain of the main branch (origin/HEAD, main, master; else HEAD)."""
    ref = None
    p = gitsrc.git(["symbolic-ref", "-q", "refs/remotes/origin/HEAD"], root, check=False)
    if p.returncode == 0 and p.stdout.strip():
        ref = p.stdout.decode().strip()
    else:
        for candidate in ("refs/heads/main", "refs/heads/master"):
            if gitsrc.git(["rev-parse", "--verify", "-q", candidate], root, check=False).returncode == 0:
                ref = candidate
                break
    p = gitsrc.git(["rev-list", "--first-parent", ref or "HEAD"], root, check=False)
    return set(p.stdout.decode().split()) if p.returncode == 0 else set()


@dataclass
class _Scanned:
    """What one commit adds to a history report, worked out where its files were read.

    `commit` keeps the metadata only (its file diffs are dropped once scanned)."""

    commit: gitsrc.CommitDiff
    when: date  # the day whose policy judges the commit
    in_force: bool
    docs_only: bool  # every path it changes is documentation: no backend change (no VG106)
    messages: list[Finding] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # on added lines, file by file
    notices: list[Notice] = field(default_factory=list)


def scan_history(run: _Run, root: str, revs: list[str], pinned: date | None, jobs: int = 1,
                 on_commit: Callable[[int], None] | None = None) -> ScanResult:
    """The report of a history; `on_commit(findings)` as each commit is taken, in order
    (its findings before the once-per-introducing-commit rule)."""
    effective = _effective(run.pack)
    services = {s.lower() for s in (run.cfg.merge_service or DEFAULT_MERGE_SERVICE)}
    expected = tuple(g.lower() for g in run.cfg.expected_pushers)
    vg106 = run.pack.get("VG106")
    check_direct = vg106 is not None and run.options.selection.chooses(vg106)
    main_chain = _main_chain(root) if check_direct else set()
    merged_by_service = False
    direct: list[gitsrc.CommitDiff] = []  # VG106 candidates: reported once a PR merge is seen
    committed: dict[str, int] = {}  # sha -> commit time, to order the report
    kept: dict[tuple, Finding] = {}  # newest first: an older commit's finding replaces a newer one
    messages: list[Finding] = []
    notices: list[Notice] = []
    for scanned in _history(run, root, revs, pinned, effective, jobs):
        c = scanned.commit
        if on_commit is not None:
            on_commit(len(scanned.findings) + len(scanned.messages))
        by_service = (c.committer.lower() in services or c.committer_email.lower() in services
                      or c.committer_email.lower().split("@")[0] in services)
        if c.sha in main_chain and by_service:
            merged_by_service = True
        if c.error:
            notices.append(Notice(f"commit {c.sha[:12]} skipped: git cannot read its changes ({c.error})",
                                  f"COMMIT_MSG@{c.sha[:12]}"))
        if not scanned.in_force:
            continue
        committed[c.sha] = c.time
        messages += scanned.messages
        if (check_direct and c.sha in main_chain and len(c.parents) <= 1 and not by_service and not c.error
                and not scanned.docs_only and not _expected_pusher(c, expected)):
            direct.append(c)
        notices += scanned.notices
        seen_here: dict[str, int] = {}
        for f in scanned.findings:
            n = seen_here.get(f.fingerprint, 0)
            seen_here[f.fingerprint] = n + 1
            kept[(f.fingerprint, n)] = f
    findings = list(kept.values()) + messages
    if merged_by_service:
        findings += [_direct_commit(vg106, c) for c in direct]
    # reports order a history by commit date (oldest first), then by place
    findings = [replace(f, properties={**f.properties, "committed_at": _iso(committed[f.commit])})
                if f.commit in committed else f for f in findings]
    return run.result(findings, notices, os.getcwd())


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# documentation: a commit that changes nothing else changes no backend (VG106)
_DOC_EXT = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".txt")
_DOC_NAMES = frozenset(("license", "licence", "copying", "authors", "contributors", "changelog", "notice"))


def is_documentation(path: str) -> bool:
    """Markdown and text documents anywhere, and anything under a docs/ directory."""
    parts = path.lower().split("/")
    base = parts[-1]
    return (base.endswith(_DOC_EXT) or base.split(".", 1)[0] in _DOC_NAMES
            or any(p in ("docs", "doc") for p in parts[:-1]))


def _expected_pusher(c: gitsrc.CommitDiff, expected: tuple[str, ...]) -> bool:
    """The committer is an account whose direct pushes the team expects (`expected-pushers`)."""
    import fnmatch

    # a name is taken as written first: `github-actions[bot]` is no character class
    return any(v.lower() == g or fnmatch.fnmatchcase(v.lower(), g)
               for v in (c.committer, c.committer_email) if v for g in expected)


def _direct_commit(vg106, c: gitsrc.CommitDiff) -> Finding:
    """VG106: a commit that landed on the main branch without a PR merge. It is about the
    commit, not a line of a file: anchored at the commit (path = short id, line 0)."""
    from vitana_guard.engine.scan import fingerprint

    subject = c.message.split("\n", 1)[0].strip()
    snippet = f"{c.sha[:12]} {subject}"[:200]
    return Finding(
        rule_id=vg106.id, slug=vg106.slug, severity=vg106.severity,
        message=(f"commit {c.sha[:12]} by {c.author} <{c.author_email}> landed on the main branch "
                 f"directly (committer {c.committer}), not through a PR merged by Safe Merge"),
        policy=vg106.policy, path=c.sha[:12], line=0, column=0,
        end_line=0, end_column=0, snippet=snippet, source_line=subject,
        fingerprint=fingerprint(vg106.id, "direct-commit", c.sha), commit=c.sha,
        properties={"anchor": "commit"},
    )


# commits per part of the chain a worker scans: each part starts cold (its own git
# processes, each file's newest version read whole), so not too many of them
_CHUNK_MIN = 100


def _history(run: _Run, root: str, revs: list[str], pinned: date | None, effective: date | None,
             jobs: int) -> Iterator[_Scanned]:
    """The commits of `revs` (first-parent chain, newest first), scanned in this thread
    or, with jobs > 1, here and by jobs - 1 worker threads: this thread scans the newest
    1/jobs of the chain (its results come first) while the workers take consecutive
    parts of the rest, each with its own `git log` process. The heavy work (git, the
    core's reading, rebuilding and scanning) runs outside the GIL, so threads share the
    compiled pack instead of pickling it to processes. Each worker counts on its own
    copy of the run, merged here. Workers only scan; what is reported once (a finding
    at the commit that introduced it) is decided by the caller over all commits in
    order, as in a serial run."""
    from vitana_guard.pipeline import worker_count

    jobs = worker_count(jobs)
    chain = gitsrc.first_parent_chain(root, revs) if jobs > 1 else []
    if len(chain) < 2 * _CHUNK_MIN:
        yield from _scan_commits(run, root, gitsrc.walk_history(root, revs, run), pinned, effective)
        return
    from concurrent.futures import ThreadPoolExecutor  # only when there is parallel work

    own, rest = chain[: len(chain) // jobs], chain[len(chain) // jobs :]
    size = max(_CHUNK_MIN, -(-len(rest) // ((jobs - 1) * 2)))
    chunks = [rest[i : i + size] for i in range(0, len(rest), size)]
    with ThreadPoolExecutor(max_workers=min(jobs - 1, len(chunks))) as pool:
        parts = pool.map(lambda shas: _scan_part(run, root, shas, pinned, effective), chunks)
        yield from _scan_commits(run, root, gitsrc.walk_commits(root, own, skim=run), pinned, effective)
        for scanned, tally in parts:
            run.add_tally(tally)
            yield from scanned


def _scan_part(run: _Run, root: str, shas: list[str], pinned: date | None,
               effective: date | None) -> tuple[list[_Scanned], tuple]:
    """One part of the chain scanned in a worker thread, with what it adds to the run's
    counts (kept on the worker's own copy of the run, not shared)."""
    import copy

    mine = copy.copy(run)  # config, pack and caches shared; the counts its own
    mine.reset_tally()
    scanned = list(_scan_commits(mine, root, gitsrc.walk_commits(root, shas, skim=mine), pinned, effective))
    return scanned, mine.tally()


# files scanned per batch: their missing contents are asked of `git cat-file` at once
_BLOB_BATCH = 200
# file diffs held per batch, whatever the prefilter keeps (they rebuild older versions)
_DIFF_BATCH = 5000


def _scan_commits(run: _Run, root: str, commits: Iterable[gitsrc.CommitDiff], pinned: date | None,
                  effective: date | None) -> Iterator[_Scanned]:
    """Each commit's message and added lines scanned, in the order given."""
    from vitana_guard.sources.versions import Versions

    with gitsrc.BlobReader(root) as blobs:
        versions = Versions(blobs)
        for batch, diffs in _batches(run, commits, pinned, effective):
            contents = versions.contents(diffs, {id(d) for _, todo in batch for d, _ in todo}, check_later=True)
            for scanned, todo in batch:
                _scan_files(run, root, scanned, [(d, lines, contents[id(d)]) for d, lines in todo], versions)
                yield scanned


def _batches(run: _Run, commits: Iterable[gitsrc.CommitDiff], pinned: date | None,
             effective: date | None) -> Iterator[tuple[list[tuple[_Scanned, list]], list[gitsrc.FileDiff]]]:
    """Runs of commits, each with the files whose added lines pass the keyword prefilter,
    cut so that a run scans about _BLOB_BATCH files; with them every file diff of the run,
    newest first."""
    batch: list[tuple[_Scanned, list]] = []
    diffs: list[gitsrc.FileDiff] = []
    wanted = 0
    for c in commits:
        when = pinned or datetime.fromtimestamp(c.time, timezone.utc).date()
        in_force = effective is None or when >= effective
        paths = [d.new_path or d.old_path for d in c.files]
        docs_only = bool(paths) and all(p is not None and is_documentation(p) for p in paths)
        todo = _prefiltered(run, c.files) if in_force else []
        scanned = _Scanned(c, when, in_force, docs_only)
        if in_force:
            scanned.messages = _scan_message(run, c, run.period(when))
        diffs += c.files
        c.files = []
        batch.append((scanned, todo))
        wanted += len(todo)
        if wanted >= _BLOB_BATCH or len(diffs) >= _DIFF_BATCH:
            yield batch, diffs
            batch, diffs, wanted = [], [], 0
    if batch:
        yield batch, diffs


def _prefiltered(run: _Run, diffs: list[gitsrc.FileDiff]) -> list[tuple[gitsrc.FileDiff, set[int]]]:
    """The files whose new added lines hold a keyword: the others cannot add a finding."""
    return run.added(diffs, prefilter=True)


def _scan_message(run: _Run, c: gitsrc.CommitDiff, period) -> list[Finding]:
    """The commit message's findings, reported at `COMMIT_MSG@<sha12>` (line 1: the
    subject): scanned in the core in one call (`DocumentScanner.scan_message`)."""
    from vitana_guard.engine.scan import DocumentScanner

    if not (c.message.strip() and run.wanted(c.message, "commit-msg")):
        return []
    pack, compiled = period
    scanner = DocumentScanner(pack, compiled, no_ignore=run.options.no_ignore)
    scanner.scan_message(f"COMMIT_MSG@{c.sha[:12]}", c.message, "commit-msg", commit=c.sha)
    return scanner.finish()[0]


def _scan_files(run: _Run, root: str, scanned: _Scanned, todo: list, versions) -> None:
    """The commit's files scanned. A rebuilt version comes unchecked (`versions.unchecked`):
    it is checked against its object id only when something of it would be reported (a
    finding, a notice, a skip), and replaced by git's content when it is wrong."""
    c = scanned.commit
    period = run.period(scanned.when) if todo else None
    for d, lines, data in todo:
        display = _display(root, d.new_path)
        unchecked = id(d) in versions.unchecked
        while True:
            if data is None:
                scanned.notices.append(Notice(f"commit {c.sha[:12]}: object {d.new_blob} is missing "
                                              "(partial or shallow clone?); file skipped", display))
                break
            if unchecked and not run.readable(data, count=False):
                data, unchecked = versions.confirm(d, data), False
                continue
            if not run.readable(data):
                break
            right: list[bytes | None] = []

            def trusted(d=d, data=data) -> bool:
                right.append(versions.confirm(d, data))
                return right[0] is data

            got = run.scan_added(display, data, lines, commit=c.sha, period=period,
                                 trusted=trusted if unchecked else None)
            if got is None:  # rebuilt wrong: the scan found something in a content git does not hold
                data, unchecked = right[0], False
                continue
            scanned.notices += got[1]
            scanned.findings += got[0]
            break
