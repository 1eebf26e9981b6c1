"""Find the files to scan and read their text.

`discover` turns paths (files and directories) into FileEntry records: inside a git work
tree a directory is the files git tracks or would track (`git ls-files`, which honours
.gitignore); elsewhere a walk that skips VCS directories and does not loop on symlinks.
Vendored, generated and lock files are skipped and counted per reason. `read_text`
reads one file: binary files are skipped (a shell script a shell still runs is not
binary for a NUL byte), a file over the size limit is an error, bytes that are
not UTF-8 are replaced, each with a Notice. Nothing here raises on bad input. Reading and decoding run on the Rust core
(crates/vitana_core/src/read/files.rs).
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import Sequence

from vitana_guard import _core
from vitana_guard.model import Notice
from vitana_guard.pathglob import compile_globs

__all__ = [
    "FileEntry",
    "discover",
    "read_text",
    "skip_reason",
    "skip_reason_for",
    "not_read",
    "shell_runs_it",
    "BINARY_MESSAGE",
    "MAX_BYTES",
    "VENDORED_DIRS",
    "LOCKFILES",
]

MAX_BYTES = 50 * 2**20
BINARY_MESSAGE = "binary file skipped"
TOO_LARGE_PREFIX = "file too large"

VENDORED_DIRS = frozenset(
    {
        "node_modules",
        "vendor",
        "third_party",
        "bower_components",
        ".venv",
        "venv",
        "site-packages",
        "__pycache__",
        ".tox",
        ".mypy_cache",
    }
)
VCS_DIRS = frozenset({".git", ".hg", ".svn"})
LOCKFILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "Cargo.lock",
        "Gemfile.lock",
        "composer.lock",
        "go.sum",
        "uv.lock",
        "Pipfile.lock",
    }
)
_GENERATED = re.compile(r".*(?:\.min\.js|\.min\.css|\.map|\.pb\.go|_pb2\.py|_pb2_grpc\.py|_pb2\.pyi)\Z")


@dataclass(frozen=True)
class FileEntry:
    path: str  # absolute
    display_path: str  # relative to the scan root, forward slashes
    size: int


# --------------------------------------------------------------------------- globs


# --------------------------------------------------------------------------- discovery


def skip_reason_for(rel_parts: list[str]) -> str | None:
    """Why a file at `rel_parts` (path parts under the walked directory, or in a
    repository for `diff` and `history`) is skipped unless vendored files are asked for."""
    name = rel_parts[-1]
    for part in rel_parts[:-1]:
        if part in VENDORED_DIRS:
            return "vendored"
    if name in LOCKFILES:
        return "lockfile"
    if _GENERATED.match(name):
        return "generated"
    return None


def _display(path: str, root: str) -> str:
    # most paths lie under the root (absolute, normalised): slicing is exact for them
    # and `relpath`, which normalises both paths each call, was a sixth of a tree's walk
    if path.startswith(root) and path[len(root):len(root) + 1] == os.sep and os.path.normpath(path) == path:
        return path[len(root) + 1:].replace(os.sep, "/")
    try:
        rel = os.path.relpath(path, root)
    except ValueError:  # another drive (Windows)
        rel = path
    return rel.replace(os.sep, "/")


def _error_message(e: OSError) -> str:
    return e.strerror or str(e)


def _git_toplevel(directory: str) -> str | None:
    """The work tree holding `directory` (nearest `.git`), or None."""
    d = directory
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


# git lists what it can and only warns on stderr about a directory it cannot open; that
# directory's files would be dropped silently, so the warning becomes an error notice
_GIT_UNREADABLE = re.compile(r"^warning: could not open directory '(.*)': (.*)$")


def _git_files(top: str, directory: str, notices: list[Notice], root: str) -> list[str] | None:
    """Paths (relative to `top`) git tracks or would track under `directory`; a
    directory git could not open is an error notice."""
    import subprocess  # a directory walk only: a one-file scan never starts git

    rel = os.path.relpath(directory, top)
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", rel],
            cwd=top,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},  # untranslated warnings, parsed below
            check=False,
        )
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        m = _GIT_UNREADABLE.match(line)
        if m:
            where = _display(os.path.join(top, m.group(1).rstrip("/")), root)
            notices.append(Notice(f"cannot open directory ({m.group(2)}); its files were not scanned",
                                  path=where, level="error"))
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return list(dict.fromkeys(n for n in names if n))


def _walk(directory: str, notices: list[Notice], root: str) -> list[tuple[str, list[str]]]:
    """Files under `directory` without git: (absolute path, parts relative to
    `directory`). Real directories are walked first; a symlinked directory is then
    followed only if its target was not walked yet, so nothing is read twice and a
    loop ends with a note."""
    out: list[tuple[str, list[str]]] = []
    top_real = os.path.realpath(directory)
    visited = {top_real}
    stack: list[tuple[str, list[str], tuple[str, ...]]] = [(directory, [], (top_real,))]
    links: list[tuple[str, list[str], tuple[str, ...]]] = []
    while stack or links:
        if not stack:
            link, parts, ancestors = links.pop(0)
            real = os.path.realpath(link)
            if real in ancestors:
                message = f"symlink loop not followed: {parts[-1]} -> {real}"
            elif real in visited:
                message = f"symlinked directory not followed, already scanned: {real}"
            else:
                visited.add(real)
                stack.append((link, parts, ancestors + (real,)))
                continue
            notices.append(Notice(message, path=_display(link, root), level="note"))
            continue
        current, parts, ancestors = stack.pop()
        try:
            it = os.scandir(current)
        except OSError as e:
            notices.append(Notice(_error_message(e), path=_display(current, root), level="error"))
            continue
        with it:
            for entry in it:
                name = entry.name
                try:
                    is_dir = entry.is_dir()  # follows symlinks
                except OSError:
                    is_dir = False
                if not is_dir:
                    out.append((entry.path, parts + [name]))
                elif name in VCS_DIRS:
                    continue
                elif entry.is_symlink():
                    links.append((entry.path, parts + [name], ancestors))
                else:
                    real = os.path.join(ancestors[-1], name)
                    visited.add(real)
                    stack.append((entry.path, parts + [name], ancestors + (real,)))
    return out


def discover(
    paths: Sequence[str],
    *,
    root: str,
    include_vendored: bool = False,
    exclude: Sequence[str] = (),
) -> tuple[list[FileEntry], dict[str, int], list[Notice]]:
    """The files to scan under `paths` (relative ones resolve against the current
    directory), sorted by display path; how many were skipped per reason; notices
    for paths that could not be read.

    A file named explicitly is always scanned (unless an `exclude` pattern matches
    it); files found in directories skip vendored directories, generated files and
    lock files unless `include_vendored`.
    """
    root = os.path.abspath(root)
    excluded = compile_globs(exclude)
    skipped: dict[str, int] = {}
    notices: list[Notice] = []
    found: dict[str, FileEntry] = {}

    def count(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    def add(path: str, rel_parts: list[str] | None, display: str | None = None) -> None:
        if display is None:
            display = _display(path, root)
        if display in found:
            return
        if excluded is not None and excluded.match(display):
            count("excluded")
            return
        if rel_parts is not None and not include_vendored:
            reason = skip_reason_for(rel_parts)
            if reason:
                count(reason)
                return
        try:
            st = os.stat(path)
        except OSError as e:
            if os.path.lexists(path) and rel_parts is not None:
                notices.append(Notice(f"broken symlink: {_error_message(e)}", path=display, level="note"))
            elif rel_parts is None:
                notices.append(Notice(_error_message(e), path=display, level="error"))
            # a tracked file deleted from the work tree is not an input
            return
        if not stat.S_ISREG(st.st_mode):
            if rel_parts is None:
                notices.append(Notice("not a regular file", path=display, level="error"))
            return
        found[display] = FileEntry(path, display, st.st_size)

    for given in paths:
        path = os.path.abspath(given)
        try:
            st = os.stat(path)
        except OSError as e:
            notices.append(Notice(_error_message(e), path=given, level="error"))
            continue
        if not stat.S_ISDIR(st.st_mode):
            add(path, None)
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            notices.append(Notice("Permission denied", path=given, level="error"))
            continue
        top = _git_toplevel(path)
        names = _git_files(top, path, notices, root) if top is not None else None
        if top is not None and names is None:
            notices.append(
                Notice(
                    "git ls-files failed; directory walked without .gitignore",
                    path=given,
                    level="note",
                )
            )
        if names is not None:
            prefix_parts = len(_split(os.path.relpath(path, top)))
            for name in names:
                parts = name.split("/")
                add(os.path.join(top, *parts), parts[prefix_parts:] or parts)
        else:
            # a walked file's display path is its directory's and the names under it,
            # unless the root lies below the directory (then `..` may cancel out)
            base = _display(path, root)
            lexical = path == root or not root.startswith(path.rstrip(os.sep) + os.sep)
            for file_path, parts in _walk(path, notices, root):
                if not lexical:
                    add(file_path, parts)
                elif base == ".":
                    add(file_path, parts, "/".join(parts))
                else:
                    add(file_path, parts, base + "/" + "/".join(parts))

    entries = sorted(found.values(), key=lambda e: e.display_path)
    return entries, skipped, notices


def _split(rel: str) -> list[str]:
    rel = rel.replace(os.sep, "/")
    return [] if rel in ("", ".") else rel.split("/")


# --------------------------------------------------------------------------- reading


def read_text(entry: FileEntry, *, max_bytes: int = MAX_BYTES) -> tuple[str | None, Notice | None]:
    """The text of a file, or None and why (see `read_bytes` and `decode`)."""
    data, notice = read_bytes(entry, max_bytes=max_bytes)
    if data is None:
        return None, notice
    return decode(entry, data)


def _notice(t) -> Notice | None:
    if t is None:
        return None
    message, path, line, level = t
    return Notice(message, path=path, line=line, level=level)


def read_bytes(entry: FileEntry, *, max_bytes: int = MAX_BYTES) -> tuple[bytes | None, Notice | None]:
    """The bytes of a file, or None and why (read by the Rust core,
    crates/vitana_core/src/read/files.rs):

    - larger than `max_bytes`: `(None, Notice(level="error"))` naming the size;
    - unreadable: `(None, Notice(level="error"))` with the OS message.
    """
    data, notice = _core.read_file_bytes(entry.path, entry.display_path, max_bytes, entry.size)
    return data, _notice(notice)


def is_utf16(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff"))


SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh", ".dash", ".ash", ".bats", ".command")


def shell_runs_it(path: str, data: bytes) -> bool:
    """Whether a file holding NUL bytes is still a shell script a shell runs.

    bash and dash drop NUL bytes from a script and run the rest; bash refuses a file
    only as `check_binary_file` does: an ELF header, or a NUL within the first 80 bytes
    before the end of the first line (the first two after a `#!` line). So a script
    (a shell `#!` line or a shell suffix) that passes that test and is UTF-8 once its
    NULs are dropped is text. A real binary fails: it is ELF, starts with a NUL-laden
    header, or holds bytes that are not UTF-8 -- those stay `binary` skips."""
    return _core.shell_runs_it(path, data)


def decode(entry: FileEntry, data: bytes) -> tuple[str | None, Notice | None]:
    """Text from a file's bytes, or None and why (decoded by the Rust core).

    - binary (a NUL byte in the first 8 KB): `(None, Notice(BINARY_MESSAGE, level="note"))`;
      the caller counts it as a `binary` skip (see `skip_reason`); except a shell script
      a shell still runs (`shell_runs_it`), read without its NULs as the shell reads it;
    - not valid UTF-8: the text with U+FFFD for bad bytes, and an error Notice with the
      line of the first bad byte.
    A UTF-8 byte-order mark is dropped (columns then match editors); UTF-16 with a BOM
    is decoded.
    """
    text, notice = _core.decode_file(entry.path, entry.display_path, data)
    return text, _notice(notice)


def skip_reason(notice: Notice | None) -> str | None:
    """The `skipped` reason a read_text Notice stands for: "binary" or None. A file over
    the size limit is not a skip but an input error (exit 2): it was not read, and its
    findings would be lost without a word."""
    if notice is None:
        return None
    if notice.message == BINARY_MESSAGE:
        return "binary"
    return None


def not_read(notice: Notice | None) -> bool:
    """Whether a read_text Notice means the file's text was not read at all (a binary
    skip, a file over the size limit): such a file does not count as scanned."""
    return notice is not None and (notice.message == BINARY_MESSAGE or notice.message.startswith(TOO_LARGE_PREFIX))
