"""Git inputs: the added lines of a diff, and the additions of every commit in a history.

Everything goes through the `git` CLI (the same binary the user runs, so partial clones,
alternates and replace refs behave as they do for them):

- `parse_patch` reads a unified diff (`git diff -U0`, `git log -p` or any patch file)
  with the core's reader (crates/vitana_core/src/read/git.rs), counting hunk lines, so
  a removed line that reads `--- x` is not taken for a header. It cuts the lines at
  "\n" only, as git counts them (a lone "\r" stays inside its line). This module
  chooses and runs the git plumbing; the core parses what git prints.
- `BlobReader` is one long-lived `git cat-file --batch` process for every blob a run needs.
- `walk_history` streams one `git log -p -U0 --first-parent` process and yields one
  `CommitDiff` per commit as it arrives (patches are never all held in memory). When
  git stops at a missing object (partial or shallow clone: `git log -p` exits 128 at
  the first one) the walk resumes past that commit and reports it as skipped. Its
  output goes to the core's `LogReader` as the pipe hands it over, cut into commits
  and file diffs as bytes; a file diff whose hunks cannot matter (`Skim`: no keyword,
  or a file history skips) is summarised, not parsed line by line.
- `walk_commits` diffs a given list of commits the same way (`git log --no-walk --stdin`):
  `history --jobs` hands each worker a part of the first-parent chain.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator, Protocol, TypeVar

from vitana_guard import _core
from vitana_guard.errors import UsageError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
NULL_SHA = "0" * 40
# git reads no user or system config that would change its output format
_GIT_ENV_OVERRIDES = {"GIT_PAGER": "cat", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
_GIT = ["git", "-c", "core.quotepath=off", "-c", "diff.noprefix=false", "-c", "diff.mnemonicprefix=false",
        "-c", "color.ui=never", "-c", "log.showSignature=false"]
# what opens a commit and ends its message in `git log` output; the nonce keeps a
# commit message from forging either
_NONCE = os.urandom(6).hex()
_COMMIT_MARK = b"\x01vg-commit-" + _NONCE.encode() + b" "


class GitError(UsageError):
    """A git command failed in a way the user must fix (bad revision, not a repository)."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(_GIT_ENV_OVERRIDES)
    return env


def git(args: list[str], cwd: str, *, check: bool = True, input: bytes | None = None) -> subprocess.CompletedProcess:
    global _head_of_root
    _head_of_root = None  # another git command ran: repo_root's answer about HEAD may be stale
    try:
        p = subprocess.run(_GIT + args, cwd=cwd, capture_output=True, input=input, env=_env())
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if check and p.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {_stderr(p.stderr)}")
    return p


def _stderr(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    lines = [line.removeprefix("fatal: ").removeprefix("error: ") for line in text.splitlines() if line.strip()]
    return "; ".join(lines[:3]) or "failed"


def repo_root(cwd: str, *, bare_ok: bool = False) -> str:
    """The work tree's top directory; a clear error outside a repository.

    With `bare_ok` (commands that read only commits, like `history`), a bare repository
    or mirror clone, which has no work tree, answers its git directory instead."""
    if not os.path.isdir(cwd):
        raise GitError("not a directory", cwd)
    if bare_ok:
        p = git(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], cwd, check=False)
        answer = p.stdout.decode("utf-8", "surrogateescape").splitlines()
        if p.returncode == 0 and len(answer) == 2 and answer[0].strip() == "true":
            return answer[1].strip()
    # one process answers both questions `diff` asks: the top directory, and HEAD's
    # commit (exit 1, no sha: an unborn branch), kept for the head_commit call after it
    p = git(["rev-parse", "--show-toplevel", "--verify", "-q", "HEAD^{commit}"], cwd, check=False)
    answer = p.stdout.decode("utf-8", "surrogateescape").splitlines()
    if (p.returncode, len(answer)) in ((0, 2), (1, 1)) and os.path.isabs(answer[0].strip()):
        top = answer[0].strip()
        global _head_of_root
        _head_of_root = (top, answer[1].strip() if p.returncode == 0 else None)
        return top
    p = git(["rev-parse", "--show-toplevel"], cwd, check=False)  # the error, as git words it
    if p.returncode != 0:
        if b"not a git repository" in p.stderr.lower():
            raise GitError("not a git repository (or any parent up to the filesystem root)", cwd)
        raise GitError(_stderr(p.stderr), cwd)
    top = p.stdout.decode("utf-8", "surrogateescape").strip()
    if not top:
        raise GitError("a bare repository has no work tree; run inside a clone", cwd)
    return top


# (top directory, HEAD's sha or None) as repo_root found them, until the next git command
_head_of_root: tuple[str, str | None] | None = None


def head_commit(root: str) -> str | None:
    """HEAD's sha, or None for an empty repository (unborn branch)."""
    global _head_of_root
    known, _head_of_root = _head_of_root, None
    if known is not None and known[0] == root:
        return known[1]  # repo_root read it, and no git command ran since
    p = git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], root, check=False)
    return p.stdout.decode().strip() if p.returncode == 0 else None


def verify_revision(root: str, rev: str) -> str:
    p = git(["rev-parse", "--verify", "-q", "--end-of-options", f"{rev}^{{commit}}"], root, check=False)
    if p.returncode != 0:
        raise GitError(f"unknown revision '{rev}' (not a commit in this repository)")
    return p.stdout.decode().strip()


def check_range(root: str, rev_range: str) -> list[str]:
    """Validate a revision or range (`A..B`, `A...B`, `A`, `^A B`); returns its parts as git args."""
    if rev_range.startswith("-"):
        raise GitError(f"invalid revision range '{rev_range}'")
    for sep in ("...", ".."):
        if sep in rev_range:
            left, right = rev_range.split(sep, 1)
            for side in (left or "HEAD", right or "HEAD"):
                verify_revision(root, side)
            return [rev_range]
    verify_revision(root, rev_range)
    return [rev_range]


# --------------------------------------------------------------------------- patches
# The parsing is vitana_core's (crates/vitana_core/src/read/git.rs): records come back
# as tuples in the field order of FileDiff and CommitDiff.


def unquote_path(raw: bytes) -> str:
    """A path as git prints it: C-quoted ("a\\tb", "\\303\\251") when it has odd bytes."""
    return _core.unquote_path(raw)


def _header_paths(rest: bytes) -> tuple[str | None, str | None]:
    """Paths of `diff --git a/X b/Y` (only needed when no ---/+++ lines follow)."""
    return _core.header_paths(rest)


@dataclass
class FileDiff:
    """One file of a patch: its new path, the added lines (line number -> text) and
    the deleted lines' text (to tell moved lines from new ones)."""

    old_path: str | None = None
    new_path: str | None = None
    old_blob: str | None = None  # full shas with --full-index, else abbreviated or None
    new_blob: str | None = None
    new_mode: str | None = None
    added: dict[int, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    # (index of the hunk's first new line, its count of new lines, its old lines as
    # bytes): enough to rebuild the old version from the new one (sources/versions.py)
    hunks: list[tuple[int, int, list[bytes]]] = field(default_factory=list)
    binary: bool = False
    is_new: bool = False
    is_deleted: bool = False
    # hunks skimmed, not read (walk_history's `skim` cleared them), and they add lines:
    # `added` and `hunks` stay empty; `deleted` is complete unless history skips the path
    summarised: bool = False
    # a skimmed diff's hunks as git wrote them (not for a skipped path): read only if an
    # older version is rebuilt across it (hunks_of)
    unread: bytes = b""

    @property
    def path(self) -> str | None:
        return self.new_path if not self.is_deleted else None

    @property
    def lintable(self) -> bool:
        """Text content in the new version (not a deletion, submodule or symlink)."""
        return (
            not self.is_deleted
            and not self.binary
            and self.new_path is not None
            and self.new_mode not in ("160000", "120000")
            and (bool(self.added) or self.summarised)
        )


def parse_patch(data: bytes) -> Iterator[FileDiff]:
    """FileDiffs of a unified diff, read line by line. Lines end at "\n" only, as git
    counts them: a lone "\r" inside a line must not end its hunk early."""
    return iter([FileDiff(*t) for t in _core.parse_patch(data)])


def new_lines(diffs: list[FileDiff], keywords=None) -> list[tuple[FileDiff, set[int]]]:
    """(file diff, its new added lines) for each lintable diff that adds any: lines whose
    text (whitespace-normalised) no diff of the list deletes from a file of the same
    kind. A deleted line that reappears in a file of that kind moved and is not new;
    moved into another kind of file (notes.txt -> release.sh, a README line into a
    Makefile recipe) it changes meaning, from text to command: new. With `keywords` (a
    `_core.KeywordSet`), only the diffs whose new lines hold one. The work is the
    core's (crates/vitana_core/src/read/added.rs), one call per change."""
    rows = [(d.new_path or d.old_path or "", d.old_path or d.new_path or "", d.added, d.deleted, d.lintable)
            for d in diffs]
    return [(diffs[i], lines) for i, lines in _core.new_added_lines(rows, keywords)]


# --------------------------------------------------------------------------- blobs


class BlobReader:
    """One `git cat-file --batch` process: blob text by object name."""

    def __init__(self, root: str):
        self.root = root
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(_GIT + ["cat-file", "--batch"], cwd=self.root, stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env())
        return self._proc

    def read(self, name: str) -> bytes | None:
        """The object's content, or None when it is missing (partial/shallow clone)."""
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline()
        except (BrokenPipeError, OSError):
            self.close()
            return None
        parts = header.split()
        if len(parts) != 3 or parts[1] == b"missing":
            return None
        size = int(parts[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)  # the newline after the content
        return data if parts[1] == b"blob" else None

    def read_many(self, names: list[str]) -> list[bytes | None]:
        """Several objects with one write and one flush (a round trip per batch, not per blob)."""
        out: list[bytes | None] = []
        for i in range(0, len(names), 200):  # 200 names stay far below a pipe buffer
            chunk = names[i : i + 200]
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(b"".join(n.encode("utf-8", "surrogateescape") + b"\n" for n in chunk))
                proc.stdin.flush()
                for _ in chunk:
                    parts = proc.stdout.readline().split()
                    if len(parts) != 3 or parts[1] == b"missing":
                        out.append(None)
                        continue
                    data = proc.stdout.read(int(parts[2]))
                    proc.stdout.read(1)
                    out.append(data if parts[1] == b"blob" else None)
            except (BrokenPipeError, OSError):
                self.close()
                out.extend([None] * (len(chunk) - (len(out) - i)))
        return out

    def close(self) -> None:
        if self._proc is not None:
            try:
                if self._proc.stdin:
                    self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                self._proc.kill()
            self._proc = None

    def __enter__(self) -> "BlobReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def decode(data: bytes) -> str | None:
    """Text of a blob, None for binary content."""
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


# --------------------------------------------------------------------------- history


@dataclass
class CommitDiff:
    sha: str
    parents: list[str]
    author: str
    author_email: str
    committer: str
    committer_email: str
    time: int  # committer date, unix seconds
    message: str
    files: list[FileDiff] = field(default_factory=list)
    error: str | None = None  # set when the diff could not be read (missing object)


# %x01 marks a commit header (never in a patch line: those start with ' ', +, -, @, \ or a
# header word); the message ends at a %x02 line (both carry the nonce).
_FORMAT = f"%x01vg-commit-{_NONCE} %H %P%n%an%x00%ae%x00%cn%x00%ce%x00%ct%n%B%n%x02{_NONCE}"
_LOG_ARGS = ["log", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--full-index", "--no-renames",
             "--first-parent", "--diff-merges=first-parent", "--no-abbrev", "--format=" + _FORMAT]


_MESSAGE_END = re.compile(rb"\n\x02" + _NONCE.encode() + rb"(?:\n|$)")


class Skim(Protocol):
    """What the reader of git's diff output asks (history, diff) before it parses a file
    diff's hunks line by line: a file diff it clears is summarised (FileDiff.summarised).

    A skim may give its keyword gate as data, `skim_keywords`: the keywords whose
    absence from the hunks (and from their shell view) means they cannot matter, or None
    when every hunk may matter; the reader then tests the hunks itself and never calls
    `may_matter`."""

    def skips(self, path: str) -> bool:
        """The file is not linted (vendored, generated...): its hunks never matter."""

    def may_matter(self, hunks: bytes) -> bool:
        """The hunks may hold a line worth reading (a keyword)."""


def _commits(records: list[tuple]) -> list[CommitDiff]:
    return [CommitDiff(*r[:8], [FileDiff(*f) for f in r[8]]) for r in records]


def _read_stream(stream: BinaryIO, skim: Skim | None = None) -> Iterator[CommitDiff]:
    """The commits of git's output as the pipe hands it over; only the commit being
    printed is held (the reader cuts at the nonce's marks). They are read on the
    read-ahead thread, beside the scan of the commits before them."""
    reader = _core.LogReader(_NONCE, skim)
    for commits in _read_ahead(stream, lambda block: _commits(reader.feed(block))):
        yield from commits
    yield from _commits(reader.finish())


T = TypeVar("T")

# git's output read ahead of the scan, at most this many blocks of this size
_AHEAD_BLOCKS = 128
_AHEAD_SIZE = 1 << 18


def _read_ahead(stream: BinaryIO, read: Callable[[bytes], T] = lambda block: block) -> Iterator[T]:
    """What `read` makes of each block of `stream`, on a thread of its own: git (another
    process) goes on printing while the scan works on what it printed before, instead
    of stopping at a full pipe, and `read` (the core's reader of git's output) runs
    beside the scan. Reading releases the GIL; at most _AHEAD_BLOCKS results are held.
    When the consumer stops early the thread stops at its next block."""
    import queue
    import threading

    blocks: queue.Queue = queue.Queue(maxsize=_AHEAD_BLOCKS)
    stop = threading.Event()
    failed: list[BaseException] = []

    def put(item) -> bool:
        while not stop.is_set():
            try:
                blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            while True:
                try:
                    block = stream.read1(_AHEAD_SIZE)
                except (OSError, ValueError):  # the pipe closed under it: the consumer has stopped
                    break
                if not block or not put(read(block)):
                    break
        except BaseException as e:  # noqa: BLE001 - an error of `read`, handed to the consumer
            failed.append(e)
        put(None)

    thread = threading.Thread(target=pump, name="vg-git-reader", daemon=True)
    thread.start()
    try:
        while (item := blocks.get()) is not None:
            yield item
        if failed:
            raise failed[0]
    finally:
        stop.set()


def read_git_patch(data: bytes, skim: Skim | None = None) -> list[FileDiff]:
    """FileDiffs of git's own diff output (`git diff`, `git log -p`: every file begins
    with `diff --git`); with `skim`, those it clears are summarised."""
    return [FileDiff(*t) for t in _core.read_git_patch(data, skim)]


def hunks_of(d: FileDiff) -> list[tuple[int, int, list[bytes]]]:
    """A file diff's hunks, read now if they were skimmed."""
    if d.unread:
        d.hunks = _core.read_hunks(d.unread)
        d.unread = b""
    return d.hunks


class _Failed(Exception):
    def __init__(self, message: str):
        self.message = message


def _stream_log(root: str, args: list[str], stdin: bytes | None = None, skim: Skim | None = None) -> Iterator[CommitDiff]:
    """Yields commits as git prints them; raises _Failed if git exits non-zero."""
    cmd = _GIT + _LOG_ARGS + args
    proc = subprocess.Popen(cmd, cwd=root, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    if stdin is not None:
        assert proc.stdin is not None
        # small (a list of shas): written before reading, git reads all of stdin first
        proc.stdin.write(stdin)
        proc.stdin.close()
    try:
        yield from _read_stream(proc.stdout, skim)
    finally:
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        code = proc.wait()
    if code != 0:
        raise _Failed(_stderr(err))


def walk_history(root: str, revs: list[str], skim: Skim | None = None) -> Iterator[CommitDiff]:
    """Every commit of `revs` (first-parent chain, newest first) with its additions.

    A commit whose diff git cannot produce (a missing object) is yielded with
    `error` set and no files; the walk goes on past it. With `skim`, a file diff whose
    hunks it clears is summarised (see FileDiff.summarised).
    """
    done: set[str] = set()
    try:
        yield from _complete(_stream_log(root, revs, skim=skim), done)
        return
    except _Failed:
        pass
    # git stopped: the commit it printed last may be incomplete. Go on from there.
    yield from walk_commits(root, [s for s in first_parent_chain(root, revs) if s not in done], failed=True,
                            skim=skim)


def first_parent_chain(root: str, revs: list[str]) -> list[str]:
    """The commits walk_history yields for `revs`, in the same order."""
    return git(["rev-list", "--first-parent", *revs], root).stdout.decode().split()


def walk_commits(root: str, shas: list[str], *, failed: bool = False, skim: Skim | None = None) -> Iterator[CommitDiff]:
    """The given commits in the given order, each diffed as walk_history does (so a part
    of the chain can be read on its own: `history --jobs`). `failed`: git just stopped
    at the first of them."""
    remaining = list(shas)
    while remaining:
        if failed:  # read the commit git stopped at alone, then stream the rest again
            yield from _alone(root, remaining.pop(0))
            if not remaining:
                return
        done: set[str] = set()
        try:
            yield from _complete(_stream_log(root, ["--no-walk=unsorted", "--stdin"],
                                             ("\n".join(remaining) + "\n").encode(), skim), done)
            return
        except _Failed:
            remaining = [s for s in remaining if s not in done]
            failed = True


def _complete(commits: Iterator[CommitDiff], done: set[str]) -> Iterator[CommitDiff]:
    """Commits of a stream that git finished printing: each one once the next has begun,
    the last once git has exited well (else _Failed). Adds the shas yielded to `done`."""
    last: CommitDiff | None = None
    for commit in commits:
        if last is not None:
            done.add(last.sha)
            yield last
        last = commit
    if last is not None:
        done.add(last.sha)
        yield last


def _alone(root: str, sha: str) -> list[CommitDiff]:
    """One commit read by itself; with `error` set when git cannot diff it."""
    try:
        return list(_stream_log(root, ["--no-walk", sha]))
    except _Failed as e:
        message = e.message
    info = git(["log", "-1", "--no-walk", "--format=" + _FORMAT, sha], root, check=False).stdout
    reader = _core.LogReader(_NONCE)
    commits = _commits(reader.feed(info) + reader.finish())
    commit = commits[0] if commits else CommitDiff(sha, [], "", "", "", "", 0, "")
    commit.error = message
    return [commit]
