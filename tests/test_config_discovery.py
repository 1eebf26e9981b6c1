"""Config discovery stays inside the repository (or the home directory) and never reads
another user's file (tests run as root: ownership is simulated with os.getuid for the
Python search). Each search is made twice: by the CLI's (Python) and by the native
hook's (Rust, `_core.guard_discover_config`), which keys its pack on what it finds."""
from __future__ import annotations

import os

import pytest

from vitana_guard import config as configmod
from vitana_guard import _core


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home" / "me"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return home


def hook_search(start):
    found = _core.guard_discover_config(str(start))
    return None if found is None else type(start)(found)


def both(start) -> set:
    return {configmod.discover(start), hook_search(start)}


def test_stops_at_repository_root(home):
    (home / ".vitana-guard.yaml").write_text("select: [VG1]\n")
    repo = home / "work" / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    assert both(repo / "src") == {None}
    (repo / ".vitana-guard.yaml").write_text("select: [VG2]\n")
    assert both(repo / "src") == {repo / ".vitana-guard.yaml"}


def test_outside_a_repository_stops_at_home(home, tmp_path):
    (tmp_path / "home" / ".vitana-guard.yaml").write_text("select: [VG1]\n")  # above home
    work = home / "scratch" / "deep"
    work.mkdir(parents=True)
    assert both(work) == {None}
    (home / ".vitana-guard.yaml").write_text("select: [VG2]\n")
    assert both(work) == {home / ".vitana-guard.yaml"}


def test_outside_home_stops_below_a_directory_everyone_writes(home, tmp_path):
    shared = tmp_path / "shared"
    (shared / "proj" / "sub").mkdir(parents=True)
    os.chmod(shared, 0o1777)  # like /tmp
    (shared / ".vitana-guard.yaml").write_text("select: [VG1]\n")
    assert both(shared / "proj" / "sub") == {None}
    (shared / "proj" / ".vitana-guard.yaml").write_text("select: [VG2]\n")
    assert both(shared / "proj" / "sub") == {shared / "proj" / ".vitana-guard.yaml"}


def test_another_users_file_is_never_read(home, monkeypatch):
    repo = home / "repo"
    (repo / ".git").mkdir(parents=True)
    cfg = repo / ".vitana-guard.yaml"
    cfg.write_text("select: [VG2]\n")
    pyproject = repo / "pyproject.toml"
    pyproject.write_text("[tool.vitana-guard]\nselect = ['VG1']\n")
    os.chown(cfg, 4243, 4243)
    os.chown(pyproject, 4243, 4243)
    assert both(repo) == {None}  # as root: neither root's nor ours
    monkeypatch.setattr(os, "getuid", lambda: 4242)
    assert configmod.discover(repo) is None
    os.chown(pyproject, 4242, 4242)  # this user's own file is read
    assert configmod.discover(repo) == pyproject
    assert hook_search(repo) is None  # the hook runs as root here: 4242 is another user
    os.chown(cfg, 0, 0)  # root's too (an administrator's)
    assert both(repo) == {cfg}
