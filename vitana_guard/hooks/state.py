"""Per-session flow state and the audit log, outside the repository.

State: `$XDG_STATE_HOME/vitana-guard/sessions/<sha256(session)[:32]>.json` holding the
gateway steps the session already took (the original segment text of each, in order),
so a deploy before any safe-merge is denied live. Writers take an exclusive `flock` on
a sibling lock file and replace the file atomically (temp file + `os.replace`), so
concurrent hook processes never leave a torn or lost update.

Audit: one JSON line per decision appended to `$XDG_STATE_HOME/vitana-guard/audit.jsonl`
with a single `O_APPEND` write; the evaluated text is recorded only as its sha256.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

MAX_STEPS = 200  # replay cost is bounded; older steps are dropped first


def state_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "vitana-guard"


def cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vitana-guard"


def session_file(session: str) -> Path:
    digest = hashlib.sha256(session.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return state_home() / "sessions" / f"{digest}.json"


def load_steps(session: str) -> list[dict]:
    """The steps already taken; a missing or unreadable file is an empty session."""
    try:
        data = json.loads(session_file(session).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, list):
        return []
    return [s for s in steps if isinstance(s, dict) and isinstance(s.get("text"), str)]


def append_steps(session: str, new: list[dict]) -> None:
    if not new:
        return
    import fcntl

    path = session_file(session)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(str(path) + ".lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            steps = (load_steps(session) + new)[-MAX_STEPS:]
            doc = {"version": 1, "session_sha256": path.stem, "updated": _now(), "steps": steps}
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def audit(record: dict, path: str | None = None) -> None:
    """Append one decision as one JSON line (single O_APPEND write)."""
    target = Path(path) if path else state_home() / "audit.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = (json.dumps({"time": _now(), **record}, ensure_ascii=False, sort_keys=False) + "\n").encode()
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def fingerprint(texts: list[str]) -> str:
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"
