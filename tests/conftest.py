"""Shared helpers for the engine, CLI, rule-pack and corpus-like tests.

Nothing here reads outside tests/: fixtures are copied into tmp dirs so git
discovery, config discovery and vendored-dir handling behave as in a user's clone.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

REPO_FIXTURE = FIXTURES / "repo"


def run_cli(*args: str, cwd: str | os.PathLike, timeout: float = 120, env: dict | None = None):
    """`python -m vitana_guard ARGS` in `cwd`; returns the CompletedProcess (text)."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "vitana_guard", *args],
        cwd=str(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def wait_for(predicate, seconds: float = 30.0) -> bool:
    """Poll `predicate` until it holds (True) or `seconds` pass (False): for what a
    background process does on its own time."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/repo outside any git work tree."""
    dest = tmp_path / "repo"
    shutil.copytree(REPO_FIXTURE, dest)
    return dest


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty directory outside any git work tree."""
    d = tmp_path / "work"
    d.mkdir()
    return d
