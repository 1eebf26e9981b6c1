"""Inputs a scan must not lose without a word: unreadable directories in a git work tree,
shell scripts holding NUL bytes, files over the size limit, symlink loops and unreadable
files named on the command line, empty and binary files in an audited directory."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write

DEPLOY = "gcloud run deploy web --source .\n"


def unprivileged(args: list[str]) -> list[str]:
    """`args` run so that file permissions apply. CI runs as root, which reads anything
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): there the command runs without those two
    capabilities (util-linux `setpriv`), so a chmod 000 directory really is unreadable."""
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root and `setpriv` (util-linux) is missing: cannot make a file unreadable; "
                    "install util-linux")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *args]


def vg(cwd: Path, *args: str, as_user: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "vitana_guard", *args]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(unprivileged(cmd) if as_user else cmd, cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def locked(tmp_path: Path):
    """Paths made unreadable (mode 000) by a test; readable again afterwards so tmp_path can go."""
    made: list[Path] = []
    yield made
    for p in made:
        os.chmod(p, 0o755)


# --------------------------------------------------------------------------- unreadable directory


def test_an_unreadable_directory_in_a_git_work_tree_is_an_input_error(tmp_path: Path, locked):
    repo = tmp_path / "repo"
    write(repo / "ok.sh", "echo fine\n")
    write(repo / "private" / "release.sh", DEPLOY)  # untracked: only git's directory walk finds it
    git(repo, "init", "-q")
    git(repo, "add", "ok.sh")
    git(repo, "commit", "-q", "-m", "init")
    os.chmod(repo / "private", 0)
    locked.append(repo / "private")
    # the check really runs without the right to read it (as root too)
    probe = subprocess.run(unprivileged(["ls", str(repo / "private")]), capture_output=True)
    assert probe.returncode != 0, "the directory is still readable: the test would prove nothing"

    p = vg(repo, "scan", ".", "--format", "json", as_user=True)
    assert p.returncode == 2, p.stderr
    report = json.loads(p.stdout)
    errors = [n for n in report["notices"] if n["level"] == "error"]
    assert [n["path"] for n in errors] == ["private"]
    assert "Permission denied" in errors[0]["message"] and "not scanned" in errors[0]["message"]
    text = vg(repo, "scan", ".", as_user=True)
    assert text.returncode == 2 and "private: error: cannot open directory (Permission denied)" in text.stdout


# --------------------------------------------------------------------------- NUL bytes


def scan_json(cwd: Path, *paths: str) -> tuple[int, dict]:
    p = vg(cwd, "scan", "--format", "json", *paths)
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, json.loads(p.stdout)


def test_a_shell_script_with_a_nul_in_a_comment_is_scanned_as_bash_runs_it(tmp_path: Path):
    script = b"#!/usr/bin/env bash\nset -e\n# padding \x00\x00 left by an editor\n" + DEPLOY.encode()
    write(tmp_path / "release.sh", script)
    write(tmp_path / "tools" / "publish", script.replace(b"env bash", b"env sh"))  # no suffix: the #! line says shell
    write(tmp_path / "task.bash", b"echo start\n\x00# note\n" + DEPLOY.encode())  # no #!: the first line is clean
    if shutil.which("bash"):  # the premise: bash runs it, the NULs dropped
        ran = subprocess.run(["bash", "-n", str(tmp_path / "release.sh")], capture_output=True)
        assert ran.returncode == 0, ran.stderr
    code, report = scan_json(tmp_path, "release.sh", "tools/publish", "task.bash")
    assert code == 1
    assert sorted((f["path"], f["line"], f["rule_id"]) for f in report["findings"]) == [
        ("release.sh", 4, "VG101"), ("task.bash", 3, "VG101"), ("tools/publish", 4, "VG101")]
    assert report["summary"]["skipped"] == {}


def test_binaries_stay_binary_even_when_named_like_scripts(tmp_path: Path):
    # an ELF file, a NUL in the first line (bash refuses it: "cannot execute binary file"),
    # an installer script with a compressed archive appended, a NUL-laden text file that is no script
    write(tmp_path / "tool.sh", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64 + DEPLOY.encode())
    write(tmp_path / "first.sh", b"#!/bin/sh\x00\n" + DEPLOY.encode())
    write(tmp_path / "setup.sh", b"#!/bin/sh\ntail -n +4 \"$0\" | tar xz\nexit 0\n\x1f\x8b\x08\x00\x00\x00\x00\x00\xff\xfe\x80"
          + DEPLOY.encode())
    write(tmp_path / "data.txt", b"col\x00" + DEPLOY.encode())
    code, report = scan_json(tmp_path, "tool.sh", "first.sh", "setup.sh", "data.txt")
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["skipped"] == {"binary": 4}


# --------------------------------------------------------------------------- size limit


def test_a_file_over_the_size_limit_is_reported_not_read_and_exits_2(tmp_path: Path):
    big = tmp_path / "generated.sh"
    with open(big, "wb") as f:
        f.write(DEPLOY.encode())
        f.truncate(50 * 2**20 + 1)  # sparse: one byte over the limit
    write(tmp_path / "small.sh", "echo ok\n")
    code, report = scan_json(tmp_path, ".")
    assert code == 2
    errors = [n for n in report["notices"] if n["level"] == "error"]
    assert [n["path"] for n in errors] == ["generated.sh"]
    assert "too large" in errors[0]["message"] and "not scanned" in errors[0]["message"]
    assert report["summary"]["files_scanned"] == 1  # small.sh only: the big one was not read
    assert "too-large" not in report["summary"]["skipped"]


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("command", [["scan"], ["scan", "--transcript-format", "claude"], ["audit", "--no-progress"]])
def test_a_symlink_loop_named_as_an_argument_is_a_clear_error(tmp_path: Path, command: list[str]):
    os.symlink("loop-b", tmp_path / "loop-a")
    os.symlink("loop-a", tmp_path / "loop-b")
    p = vg(tmp_path, *command, "loop-a")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr, p.stderr
    assert "loop-a: error:" in p.stdout and "symbolic links" in p.stdout


@pytest.mark.parametrize("command", [["scan"], ["scan", "--transcript-format", "claude"], ["audit", "--no-progress"]])
@pytest.mark.parametrize("where", ["file", "directory"])
def test_an_unreadable_file_named_as_an_argument_is_a_clear_error(tmp_path: Path, command: list[str], where: str,
                                                                  locked):
    session = write(tmp_path / "logs" / "session.jsonl", '{"type": "user"}\n')
    locked.append(session if where == "file" else session.parent)  # the file itself, or the folder holding it
    os.chmod(locked[-1], 0)
    p = vg(tmp_path, *command, "logs/session.jsonl", as_user=True)
    assert "Traceback" not in p.stderr, p.stderr
    assert p.returncode == 2
    said = p.stdout + p.stderr
    assert "logs/session.jsonl" in said and ("not readable" in said or "Permission denied" in said), said
    assert "no such file" not in said


# --------------------------------------------------------------------------- audit of a directory


def test_audit_counts_empty_and_binary_files_in_a_directory_as_scan_does(tmp_path: Path):
    write(tmp_path / "notes" / "todo.txt", "")
    write(tmp_path / "build" / "out.log", "")
    write(tmp_path / "cache" / "blob.jsonl", b"\x00\x17\x02 packed \x00" * 20)
    audit = vg(tmp_path, "audit", ".", "--format", "json", "--no-progress")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert report["notices"] == []  # no "empty file: no session records" for each empty file
    assert report["summary"]["skipped"] == {"empty": 2, "binary": 1}
    code, scanned = scan_json(tmp_path, ".")
    assert scanned["summary"]["skipped"]["binary"] == report["summary"]["skipped"]["binary"]
    # a file named on the command line was meant as a session log: still said
    named = vg(tmp_path, "audit", "notes/todo.txt", "cache/blob.jsonl", "--format", "json", "--no-progress")
    notices = {n["path"]: n for n in json.loads(named.stdout)["notices"]}
    assert notices["notes/todo.txt"]["level"] == "warning" and notices["cache/blob.jsonl"]["level"] == "error"
    assert named.returncode == 2
