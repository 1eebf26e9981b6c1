"""The compiled-pack caches (engine/cache.py's pickle and the native hook's guard-<key>.json)
are verified before they are read back: a tampered, corrupt or foreign entry is rebuilt,
never unpickled or trusted."""
from __future__ import annotations

import io
import json
import os
import pickle

import pytest

from vitana_guard import sealed
from vitana_guard.engine import cache
from vitana_guard.hooks import agents


class _Boom:
    """A pickle that runs code when loaded: what an attacker would plant."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    monkeypatch.delenv("VITANA_GUARD_NO_CACHE", raising=False)
    cache._in_memory.clear()
    yield tmp_path / "c" / "vitana-guard"
    cache._in_memory.clear()


def test_planted_pickle_is_never_loaded(cache_home, tmp_path):
    pack = cache.load_pack_cached()
    [entry] = cache_home.glob("pack-*.pickle")
    marker = tmp_path / "pwned"
    entry.write_bytes(pickle.dumps(_Boom(str(marker))))  # raw pickle, right name
    cache._in_memory.clear()
    again = cache.load_pack_cached()
    assert not marker.exists()
    assert [r.id for r in again.rules] == [r.id for r in pack.rules]
    assert sealed.read(entry, entry.stem.removeprefix("pack-")) is not None  # rebuilt and resealed


def test_payload_swapped_under_a_valid_header_is_rebuilt(cache_home, tmp_path):
    cache.load_pack_cached()
    [entry] = cache_home.glob("pack-*.pickle")
    data = entry.read_bytes()
    head = data[: data.index(b"\n", data.index(b"\n", len(sealed.MAGIC)) + 1) + 1]
    marker = tmp_path / "pwned2"
    entry.write_bytes(head + pickle.dumps(_Boom(str(marker))))
    cache._in_memory.clear()
    cache.load_pack_cached()
    assert not marker.exists()


def test_entry_of_other_sources_is_not_used(cache_home, tmp_path):
    target = cache_home / "pack-x.pickle"
    assert sealed.write(target, "hash-of-old-rules", b"payload")
    assert sealed.read(target, "hash-of-old-rules") == b"payload"
    assert sealed.read(target, "hash-of-edited-rules") is None


def test_cache_dir_open_to_others_is_neither_read_nor_written(cache_home):
    target = cache_home / "pack-y.pickle"
    assert sealed.write(target, "k", b"payload")
    assert oct(cache_home.stat().st_mode & 0o777) == oct(0o700)
    os.chmod(cache_home, 0o777)
    assert sealed.read(target, "k") is None
    assert not sealed.write(target, "k", b"other")
    os.chmod(cache_home, 0o700)
    os.chmod(target, 0o666)  # an entry others may write is not trusted either
    assert sealed.read(target, "k") is None


def _deploy_denied() -> bool:
    payload = {"session_id": "c", "tool_name": "Bash", "tool_input": {"command": "gcloud run deploy api"}, "cwd": "/"}
    return agents.main(["claude"], io.StringIO(json.dumps(payload)), io.StringIO(), io.StringIO()) == 2


def _guard_entry(cache_home):
    [entry] = cache_home.glob("guard-*.json")
    return entry, entry.stem.removeprefix("guard-")


def test_hook_pack_that_was_edited_cannot_wave_calls_through(cache_home):
    assert _deploy_denied()
    entry, key = _guard_entry(cache_home)
    data = entry.read_bytes()
    payload = json.loads(sealed.read(entry, key))
    payload["prefilter"] = {"keywords": ["zzz-never"], "always": False}
    head = data[: data.index(b"\n", data.index(b"\n", len(sealed.MAGIC)) + 1) + 1]
    entry.write_bytes(head + json.dumps(payload).encode())  # valid header, edited payload
    assert _deploy_denied()
    assert json.loads(sealed.read(entry, key))["prefilter"]["keywords"] != ["zzz-never"]  # rebuilt


@pytest.mark.parametrize("spoil", ["missing", "corrupt", "foreign key", "other source"])
def test_hook_pack_missing_corrupt_or_foreign_is_rebuilt(cache_home, spoil):
    assert _deploy_denied()
    entry, key = _guard_entry(cache_home)
    if spoil == "missing":
        entry.unlink()
    elif spoil == "corrupt":
        entry.write_bytes(entry.read_bytes()[:100])
    elif spoil == "foreign key":  # sealed by someone else's key: same bytes, another .key
        (cache_home / sealed.KEY_NAME).write_bytes(os.urandom(32))
    else:  # an entry compiled from other rules, put under this key's name
        planted = {"format": 2, "pack": {}, "prefilter": {"keywords": [], "always": False}, "extra": []}
        assert sealed.write(entry, "0" * 40, json.dumps(planted).encode())
    assert sealed.read(entry, key) is None
    assert _deploy_denied()
    assert json.loads(sealed.read(entry, key))["prefilter"]["keywords"]  # rebuilt and resealed


def test_hook_cache_dir_open_to_others_denies(cache_home):
    assert _deploy_denied()
    os.chmod(cache_home, 0o777)
    payload = {"session_id": "c", "tool_name": "Bash", "tool_input": {"command": "ls"}, "cwd": "/"}
    err = io.StringIO()
    assert agents.main(["claude"], io.StringIO(json.dumps(payload)), io.StringIO(), err) == 2
    assert "must be a private directory" in err.getvalue()
