"""Where a project's configuration may come from: one search, shared by the CLI and the
live hook (import-light: the hook runs on every tool call).

From the start directory upward, the first `.vitana-guard.yaml` / `.vitana-guard.yml`, or
`pyproject.toml` holding `[tool.vitana-guard]`, wins. The search never leaves the
repository (it ends at the directory holding `.git`) and, outside a repository, never
goes above the home directory. Outside both, it stops below the filesystem root and
below any directory that everyone may write (`/tmp`), where anyone could plant one. A file owned by another user (neither this user nor root) is never read: in
a shared directory it would let that user choose the rules that judge this user's work.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

CONFIG_NAMES = (".vitana-guard.yaml", ".vitana-guard.yml")
PYPROJECT_SECTION = "[tool.vitana-guard]"


def trusted_file(path: Path) -> bool:
    """A regular file owned by this user or by root."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_uid in (os.getuid(), 0)


def search_dirs(start: Path) -> list[Path]:
    """The directories to look in, nearest first, within the bounds above."""
    chain = [start, *start.parents]
    for i, directory in enumerate(chain):
        try:
            if (directory / ".git").exists():
                return chain[: i + 1]  # a config never comes from outside the repository
        except OSError:
            return chain[: i + 1]
    home = Path(os.path.expanduser("~"))
    try:
        home = home.resolve()
    except OSError:
        pass
    if home in chain:
        return chain[: chain.index(home) + 1]
    kept = []
    for directory in chain:
        if directory == directory.parent or _world_writable(directory):
            break
        kept.append(directory)
    return kept or chain[:1]


def _world_writable(directory: Path) -> bool:
    try:
        return bool(os.stat(directory).st_mode & 0o002)
    except OSError:
        return True


def discover(start: str | os.PathLike) -> Path | None:
    here = Path(start)
    try:
        try:
            here = here.resolve()
        except RuntimeError:  # a symlink loop: the scan reports it; look up from where it was named
            here = Path(os.path.abspath(start)).parent
        try:
            if here.is_file() or not here.exists():
                here = here.parent
        except OSError:  # in a directory we may not read: the scan reports the path
            here = here.parent
        if not here.is_dir():
            return None
    except OSError:  # a name too long for the OS, a deleted directory: no config either
        return None
    for directory in search_dirs(here):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if trusted_file(candidate):
                return candidate
        pyproject = directory / "pyproject.toml"
        if trusted_file(pyproject):
            try:
                with open(pyproject, encoding="utf-8", errors="replace") as f:
                    if PYPROJECT_SECTION in f.read():
                        return pyproject
            except OSError:
                pass
    return None
