"""A compiled rule pack, cached between runs.

Loading the pack parses YAML, validates it against the schema and renders the
templates: ~150 ms, more than the whole scan of a staged change. The compiled pack
is pickled under the user's cache directory, keyed by everything it is made of
(the rule files' bytes, the parameters, the schema, the tool version), so editing a
rule or a parameter makes a new entry and a stale one is never used. Entries are
sealed (`sealed`): the content hash they were compiled from and an HMAC are checked
on every load, before anything is unpickled; one that fails is rebuilt, never trusted.
"""
from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any, Iterable

from vitana_guard import __version__
from vitana_guard.engine.rules import RulePack, builtin_rules_dir

_ENV_DISABLE = "VITANA_GUARD_NO_CACHE"
# Every config edit, temporary rules directory and day with dated parameters makes a
# new entry: keep the most recently used ones only.
KEEP_ENTRIES = 32
# key -> pack: history compiles one per policy period, and a fork server's children
# inherit what the server loaded
_in_memory: dict[str, RulePack] = {}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vitana-guard"


_CODE_IDENTITY: str | None = None


def _code_identity() -> str:
    """The size and modification time of the code that builds and reads a compiled pack
    (the engine's modules, the native core): an upgrade or a rebuild under the same version
    number must not load a pack pickled by other code."""
    global _CODE_IDENTITY
    if _CODE_IDENTITY is None:
        from vitana_guard import _core

        engine = Path(__file__).resolve().parent
        paths = [Path(_core.__file__), *sorted(engine.glob("*.py")), *sorted((engine / "matchers").glob("*.py"))]
        parts = []
        for path in paths:
            try:
                st = path.stat()
                parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                parts.append(f"{path.name}:?")
        _CODE_IDENTITY = "|".join(parts)
    return _CODE_IDENTITY


def pack_key(extra_dirs: Iterable[str | Path], parameters: dict[str, Any] | None, *extra: Any) -> str | None:
    """Digest of every input of the compiled pack, or None if one cannot be read."""
    from vitana_guard import _core  # its sha256: no hashlib (OpenSSL) to load on every start

    parts = [__version__.encode() + b"\0" + _code_identity().encode()]
    schema = Path(__file__).resolve().parent.parent / "schemas" / "rule.schema.json"
    try:
        files = sorted(builtin_rules_dir().glob("*.yaml")) + [schema]
        for d in extra_dirs:
            if not Path(d).is_dir():
                return None  # not cacheable: loading reports the missing directory
            parts.append(str(d).encode() + b"\0")
            files += sorted(Path(d).glob("*.yaml")) + sorted(Path(d).glob("*.yml"))
        for f in files:
            parts.append(str(f).encode() + b"\0" + f.read_bytes() + b"\0")
    except OSError:
        return None
    parts.append(json.dumps([parameters or {}, *extra], sort_keys=True, default=str).encode())
    return _core.sha256_hex(b"".join(parts))[:32]


def load_pack_cached(
    extra_dirs: Iterable[str | Path] = (),
    parameters: dict[str, Any] | None = None,
    *,
    parameters_source: str = "config",
    parameter_changes: Iterable[tuple[Any, dict[str, Any]]] = (),
    as_of: Any = None,
) -> RulePack:
    import datetime as dt

    extra_dirs, parameter_changes = list(extra_dirs), list(parameter_changes)
    day = as_of or dt.date.today()  # dated parameter changes make the pack a function of the day
    key = None if os.environ.get(_ENV_DISABLE) else pack_key(extra_dirs, parameters, parameter_changes, day)

    def build() -> RulePack:
        from vitana_guard.engine.rules import load_pack  # compiling: YAML, schema, templates, matchers

        return load_pack(extra_dirs, parameters, parameters_source=parameters_source,
                         parameter_changes=parameter_changes, as_of=day)

    if key is None:
        return build()
    if key not in _in_memory:
        _in_memory[key] = _load_or_build(key, build)
    return _in_memory[key]


def _load_or_build(key: str, build) -> RulePack:
    from vitana_guard import sealed

    path = cache_dir() / f"pack-{key}.pickle"
    payload = sealed.read(path, key)  # verified before anything is unpickled
    if payload is not None:
        try:
            pack = pickle.loads(payload)
            if isinstance(pack, RulePack):
                os.utime(path)  # recently used: kept by _prune
                return pack
        except Exception:  # noqa: BLE001 - an entry of an older code version is rebuilt
            pass
    pack = build()
    if sealed.write(path, key, pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL)):
        try:
            _prune(path.parent)
        except OSError:
            pass  # a read-only cache only costs time
    return pack


def _prune(directory: Path) -> None:
    """Drop all but the KEEP_ENTRIES most recently used packs (and their side files)."""
    def last_used(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except FileNotFoundError:  # pruned meanwhile by another process
            return 0.0

    entries = sorted(directory.glob("pack-*.pickle"), key=last_used, reverse=True)
    for old in entries[KEEP_ENTRIES:]:
        for stale in (old, old.with_suffix(".prefilter.json")):
            try:
                stale.unlink()
            except FileNotFoundError:
                pass
