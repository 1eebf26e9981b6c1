"""Cache entries that are verified before they are read back.

A compiled rule pack is cached as a pickle (a few ms to load instead of ~150 ms to
build), and unpickling bytes that someone else wrote runs their code. So an entry is
read back only when all of these hold:

- the cache directory is a real directory owned by this user with no access for
  group or others (created 0700), and the entry is a regular file owned by this user
  and writable by nobody else;
- the entry names the content hash of what it was compiled from (the rule files,
  config and code, computed afresh on every load by the caller) and that hash is the
  caller's: an entry compiled from other inputs is never used;
- an HMAC-SHA256 over that hash and the payload verifies under a random per-user key
  (`.key`, 0600, in the same private directory). The check runs *before* the payload
  is unpickled, so bytes not written by this code (a hand-made pickle, a truncated or
  corrupted entry, an entry from another key) are never deserialised.

An entry that fails any check is rebuilt and rewritten, never trusted. Not pickle-free
on purpose: the compiled pack holds compiled regexes and matcher objects; turning it
into a data format is the native core's job (see DESIGN.md). The key keeps out other
users and stale or foreign bytes; the agent, which runs as this same user, is kept
out of the cache directory by the guard's tamper check (crates/vitana_core/src/guard/tamper.rs), and a
managed install keeps the cache where only root writes.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

MAGIC = b"VGSEAL1\n"
KEY_NAME = ".key"


def private_dir(directory: Path, create: bool = True) -> bool:
    if create:
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return False
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def _own_file(path: Path) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _key(directory: Path, create: bool) -> bytes | None:
    path = directory / KEY_NAME
    if create and not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, os.urandom(32))
            finally:
                os.close(fd)
        except FileExistsError:
            pass  # another process made it first
        except OSError:
            return None
    if not _own_file(path):
        return None
    try:
        st = os.lstat(path)
        if st.st_mode & 0o077:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) == 32 else None


def _mac(key: bytes, source: str, payload: bytes) -> bytes:
    import hashlib
    import hmac

    return hmac.new(key, source.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


def read(path: Path, source: str) -> bytes | None:
    """The payload of a verified entry compiled from `source` (a content hash); None
    when the entry is missing or fails any check.

    The checks above run in the core (crates/vitana_core/src/guard/sealed.rs, which the
    native hook reads its entries with): a one-shot command loads neither `hmac` nor
    `hashlib` to verify its cached pack."""
    from vitana_guard import _core

    return _core.sealed_read(path, source)


def write(path: Path, source: str, payload: bytes) -> bool:
    """Write an entry atomically; False when the directory is not private or not writable."""
    directory = path.parent
    if not private_dir(directory, create=True):
        return False
    key = _key(directory, create=True)
    if key is None:
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + _mac(key, source, payload) + b"\n" + source.encode() + b"\n" + payload)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False
    return True
