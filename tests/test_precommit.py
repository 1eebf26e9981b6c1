"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit (`pre-commit run` with a
config naming the hook repository at a commit, as a user's config does).

The test first snapshots this checkout's files (tracked and untracked, not ignored) into a
temporary repository and commits them: it tests the files as they are now. pre-commit
installs the snapshot into its own environment (building the Rust engine, with the
checkout's cargo target directory) once per session, under a temporary PRE_COMMIT_HOME.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pre_commit  # noqa: F401  (the test extras install it; no skip: a missing pre-commit fails)
import pytest


ROOT = Path(__file__).resolve().parents[1]
DEPLOY = "gcloud run deploy gateway --source .\n"


def git_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_SYSTEM=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="Dev", GIT_AUTHOR_EMAIL="dev@example.com",
               GIT_COMMITTER_NAME="Dev", GIT_COMMITTER_EMAIL="dev@example.com")
    # pre-commit builds the hook repository's Rust engine in its own environment: one
    # cargo target directory for the whole suite compiles the dependencies once
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "target"))
    env.update(extra)
    return env


def g(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=git_env(), check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> Path:
    """A committed copy of this checkout's files."""
    snap = tmp_path_factory.mktemp("hookrepo")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            env=git_env(), check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if (src.is_file() or src.is_symlink()) and ".venv" not in Path(rel).parts:
            dst = snap / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst, follow_symlinks=False)  # vitana_guard/rules links to rules/
    g(snap, "init", "-q", "-b", "main")
    g(snap, "add", "-A")
    g(snap, "commit", "-q", "-m", "snapshot")
    return snap


@pytest.fixture(scope="session")
def pc_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    g(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("# project\n")
    g(repo, "add", "-A")
    g(repo, "commit", "-q", "-m", "init")
    return repo


def run_hook(project: Path, hook_repo: Path, pc_home: Path, hook: str, *args: str) -> subprocess.CompletedProcess:
    """`pre-commit run HOOK` from the hook repository at its commit, as a user's config names
    it. Unlike `try-repo`, which builds a new environment in a temporary store each time,
    this builds the hook's environment (and its Rust engine) once per test session."""
    rev = g(hook_repo, "rev-parse", "HEAD")
    config = pc_home / f"config-{hook}.yaml"
    config.write_text(f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks: [{{id: {hook}}}]\n")
    cmd = [sys.executable, "-m", "pre_commit", "run", hook, "--config", str(config), "--verbose", *args]
    p = subprocess.run(cmd, cwd=project, env=git_env(PRE_COMMIT_HOME=str(pc_home)), capture_output=True, text=True,
                       timeout=900)
    print(p.stdout[-3000:], p.stderr[-3000:])
    return p


def test_staged_hook(project: Path, hook_repo: Path, pc_home: Path):
    (project / "ship.sh").write_text("#!/bin/sh\necho ok\n")
    g(project, "add", "ship.sh")
    p = run_hook(project, hook_repo, pc_home, "vitana-guard")
    assert p.returncode == 0, p.stdout
    g(project, "commit", "-q", "-m", "clean")
    (project / "ship.sh").write_text("#!/bin/sh\necho ok\n" + DEPLOY)
    g(project, "add", "ship.sh")
    p = run_hook(project, hook_repo, pc_home, "vitana-guard")
    assert p.returncode == 1, p.stdout
    assert "VG101" in p.stdout


def test_staged_hook_from_the_installed_environment(project: Path, hook_repo: Path, pc_home: Path):
    """As a developer's machine runs it (`pre-commit run` from the installed environment,
    which, unlike try-repo's, outlives the run): every commit refuses, each in its own
    process, and nothing is left running or listening (there is no server)."""
    runtime = Path(tempfile.mkdtemp(prefix="vg-rt-", dir="/tmp"))
    env = git_env(PRE_COMMIT_HOME=str(pc_home), XDG_RUNTIME_DIR=str(runtime))
    env.pop("CI", None)
    rev = g(hook_repo, "rev-parse", "HEAD")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks: [{{id: vitana-guard}}]\n")
    (project / "ship.sh").write_text("#!/bin/sh\necho ok\n" + DEPLOY)
    g(project, "add", "ship.sh", ".pre-commit-config.yaml")
    run = [sys.executable, "-m", "pre_commit", "run", "vitana-guard", "--verbose"]
    try:
        for _ in range(2):
            p = subprocess.run(run, cwd=project, env=env, capture_output=True, text=True, timeout=900)
            assert p.returncode == 1 and "ship.sh:3:1: VG101" in p.stdout, p.stdout + p.stderr
        assert not list(runtime.rglob("*")), "something was left in the runtime directory (a socket?)"
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def test_files_hook(project: Path, hook_repo: Path, pc_home: Path):
    (project / "ok.sh").write_text("echo ok\n")
    (project / "bad.sh").write_text(DEPLOY)
    g(project, "add", "-A")
    assert run_hook(project, hook_repo, pc_home, "vitana-guard-files", "--files", "ok.sh").returncode == 0
    p = run_hook(project, hook_repo, pc_home, "vitana-guard-files", "--files", "bad.sh")
    assert p.returncode == 1 and "VG101" in p.stdout


def test_commit_msg_hook(project: Path, hook_repo: Path, pc_home: Path):
    msg = project / ".git" / "COMMIT_EDITMSG"
    msg.write_text("VTID-0518 fix\n\n# Please enter the commit message; click Run workflow (a comment)\n")
    args = ("--hook-stage", "commit-msg", "--commit-msg-filename", str(msg))
    assert run_hook(project, hook_repo, pc_home, "vitana-guard-commit-msg", *args).returncode == 0
    msg.write_text("fix\n\nThen merge the PR in the GitHub UI.\n")
    p = run_hook(project, hook_repo, pc_home, "vitana-guard-commit-msg", *args)
    assert p.returncode == 1 and "VG501" in p.stdout


def test_pre_push_hook(project: Path, hook_repo: Path, pc_home: Path):
    base = g(project, "rev-parse", "HEAD")
    (project / "ok.sh").write_text("echo ok\n")
    g(project, "add", "-A")
    g(project, "commit", "-q", "-m", "clean")
    clean = g(project, "rev-parse", "HEAD")
    args = ("--hook-stage", "pre-push", "--from-ref", base, "--to-ref", clean)
    assert run_hook(project, hook_repo, pc_home, "vitana-guard-pre-push", *args).returncode == 0
    (project / "ok.sh").write_text("echo ok\ndocker push img:1\n")
    g(project, "add", "-A")
    g(project, "commit", "-q", "-m", "push image")
    bad = g(project, "rev-parse", "HEAD")
    args = ("--hook-stage", "pre-push", "--from-ref", base, "--to-ref", bad)
    p = run_hook(project, hook_repo, pc_home, "vitana-guard-pre-push", *args)
    assert p.returncode == 1 and "VG103" in p.stdout
