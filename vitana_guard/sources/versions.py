"""The content of the file versions a history scan needs, mostly without asking git.

`history` reads `git log -p -U0` newest first. Each file diff says how the commit's
version of a file differs from its parent's, so the parent's version is the commit's
version with each hunk's new lines put back to its old ones. A file's content is
therefore read from `git cat-file` once, for the newest version the scan needs, and
older versions are rebuilt from the patches between them. Contents are keyed by object
id, and a rebuilt version is checked against its id (git hashes `blob <size>\\0<content>`)
before anything of it is reported: a patch that does not rebuild exactly costs one read,
never a wrong finding. `contents` checks each rebuilt version it hands out; with
`check_later`, `history` checks only those whose scan finds something (most find
nothing: hashing them all was a tenth of a run), by `confirm`.

The plan and the store are here; cutting lines, splicing hunks and hashing are the
core's (crates/vitana_core/src/read/versions.rs). Versions are held as their bytes.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from vitana_guard import _core
from vitana_guard.sources.git import BlobReader, FileDiff, hunks_of

# memory for versions kept between batches; beyond it the oldest are read again
_BUDGET = 64 << 20
_LINE_OVERHEAD = 41  # bytes a line costs beside its content (a bytes object, a list slot)


def object_id(data: bytes, length: int = 40) -> str:
    """The id git gives a blob with this content (SHA-1, or SHA-256 for 64-digit ids)."""
    if length == 40:
        return _core.object_id(data)
    # an object name, not a security check (FIPS builds refuse it otherwise)
    return hashlib.sha256(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _rebuildable(d: FileDiff) -> bool:
    """Whether the parent's version follows from this diff and the commit's version."""
    return (not d.binary and bool(d.old_blob and d.old_blob.strip("0")) and d.new_mode != "160000"
            and bool(d.hunks or d.unread))


def _older(content: bytes, d: FileDiff) -> tuple[bytes, int]:
    """The parent's version of a file from the commit's (lines end at "\n" only: a lone
    "\r" stays inside its line), with the memory it costs held (`_core.held_size`)."""
    return _core.older(content, hunks_of(d))


class Versions:
    """New-side contents of the file diffs of a history, asked for newest first."""

    def __init__(self, blobs: BlobReader, budget: int = _BUDGET):
        self._blobs = blobs
        self._lines: dict[str, bytes] = {}  # object id -> its content
        self._size: dict[str, int] = {}
        self._held = 0
        self._budget = budget
        self.read = 0  # contents read from git
        self.rebuilt = 0  # contents rebuilt from patches (verified, unless handed out unchecked)
        self.unchecked: set[int] = set()  # id() of the diffs whose content was handed out unchecked

    def contents(self, diffs: Sequence[FileDiff], wanted: set[int],
                 check_later: bool = False) -> dict[int, bytes | None]:
        """The new content of each diff whose id() is in `wanted`, None for a missing
        object. `diffs` are every file diff of a run of commits, newest first: those not
        wanted carry the older versions along. With `check_later`, a rebuilt content is
        handed out unchecked (its diff's id() in `unchecked`): the caller must `confirm`
        it before reporting anything of it."""
        self.unchecked.clear()
        misses = self._plan(diffs, wanted)
        names = [diffs[i].new_blob or "" for i in misses]
        fetched = dict(zip(misses, self._blobs.read_many(names)))
        self.read += len(misses)
        out: dict[int, bytes | None] = {}
        for i, d in enumerate(diffs):
            content = self._take(d.new_blob) if d.new_blob else None
            if d.is_deleted:
                content = b""
            if i in fetched:
                content = out[id(d)] = fetched[i]
            elif id(d) in wanted:
                if check_later and content is not None and d.new_blob:
                    self.rebuilt += 1
                    self.unchecked.add(id(d))
                    out[id(d)] = content
                else:
                    content, out[id(d)] = self._verified(d, content)
            if content is not None and _rebuildable(d):
                assert d.old_blob is not None
                self._keep(d.old_blob, *_older(content, d))
        self._trim()
        return out

    def _plan(self, diffs: Sequence[FileDiff], wanted: set[int]) -> list[int]:
        """Indexes of the wanted diffs whose content no newer version rebuilds: the same
        walk as `contents`, on object ids only."""
        have = set(self._lines)
        misses = []
        for i, d in enumerate(diffs):
            known = d.is_deleted or d.new_blob in have
            have.discard(d.new_blob)  # type: ignore[arg-type]
            if not known and id(d) in wanted:
                misses.append(i)
                known = True
            if known and _rebuildable(d):
                have.add(d.old_blob)  # type: ignore[arg-type]
        return misses

    def _verified(self, d: FileDiff, data: bytes | None) -> tuple[bytes | None, bytes | None]:
        if not d.new_blob:
            return None, None
        if data is not None and object_id(data, len(d.new_blob)) == d.new_blob:
            self.rebuilt += 1
            return data, data
        data = self._blobs.read(d.new_blob)
        self.read += 1
        return data, data

    def confirm(self, d: FileDiff, data: bytes) -> bytes | None:
        """A content `contents` handed out unchecked, checked against the diff's object
        id: `data` itself when it is right, else what git holds (None: missing)."""
        assert d.new_blob is not None
        self.unchecked.discard(id(d))
        if object_id(data, len(d.new_blob)) == d.new_blob:
            return data
        self.rebuilt -= 1
        self.read += 1
        return self._blobs.read(d.new_blob)

    def _take(self, oid: str) -> bytes | None:
        lines = self._lines.pop(oid, None)
        if lines is not None:
            self._held -= self._size.pop(oid)
        return lines

    def _keep(self, oid: str, content: bytes, size: int) -> None:
        """Holds a version; `size`: its bytes and _LINE_OVERHEAD a line."""
        self._take(oid)
        self._lines[oid] = content
        self._size[oid] = size
        self._held += size

    def _trim(self) -> None:
        """Drops the versions kept longest once over budget (between batches, so that a
        batch's plan holds)."""
        for oid in list(self._lines) if self._held > self._budget else ():
            if self._held <= self._budget:
                break
            self._take(oid)
