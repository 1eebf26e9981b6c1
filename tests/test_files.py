"""Tests for vitana_guard.sources.files: discovery and reading."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from vitana_guard.pathglob import compile_globs
from vitana_guard.sources.files import (
    BINARY_MESSAGE,
    FileEntry,
    discover,
    read_text,
    skip_reason,
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def write(path, content: str | bytes = "x\n") -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as f:
        f.write(content)
    return str(path)


def git(cwd, *args):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def displays(entries):
    return [e.display_path for e in entries]


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / ".gitignore", "ignored.txt\nbuild-out/\n")
    write(root / "deploy.sh", "gcloud run deploy x\n")
    write(root / "docs" / "README.md", "# x\n")
    write(root / "ignored.txt")
    write(root / "build-out" / "a.js")
    write(root / "node_modules" / "pkg" / "index.js")
    write(root / "vendor" / "lib" / "x.go")
    write(root / "package-lock.json", "{}")
    write(root / "web" / "app.min.js")
    git(root, "add", ".gitignore", "deploy.sh", "node_modules", "vendor", "package-lock.json", "web")
    git(root, "commit", "-q", "-m", "init")
    write(root / "new_untracked.py", "print(1)\n")
    return root


# --------------------------------------------------------------------------- git


@needs_git
def test_git_repo_honours_gitignore(repo):
    entries, skipped, notices = discover([str(repo)], root=str(repo))
    assert displays(entries) == [".gitignore", "deploy.sh", "docs/README.md", "new_untracked.py"]
    assert skipped == {"vendored": 2, "lockfile": 1, "generated": 1}
    assert notices == []
    e = entries[1]
    assert e.path == str(repo / "deploy.sh") and e.size == len("gcloud run deploy x\n")


@needs_git
def test_git_include_vendored(repo):
    entries, skipped, _ = discover([str(repo)], root=str(repo), include_vendored=True)
    assert "node_modules/pkg/index.js" in displays(entries)
    assert "vendor/lib/x.go" in displays(entries)
    assert "package-lock.json" in displays(entries)
    assert "web/app.min.js" in displays(entries)
    assert "ignored.txt" not in displays(entries)
    assert skipped == {}


@needs_git
def test_git_subdirectory_and_display_relative_to_root(repo):
    entries, _, _ = discover([str(repo / "docs")], root=str(repo))
    assert displays(entries) == ["docs/README.md"]


@needs_git
def test_git_deleted_tracked_file_is_not_an_error(repo):
    os.remove(repo / "deploy.sh")
    entries, _, notices = discover([str(repo)], root=str(repo))
    assert "deploy.sh" not in displays(entries)
    assert notices == []


@needs_git
def test_exclude_globs(repo):
    entries, skipped, _ = discover([str(repo)], root=str(repo), exclude=["docs/**", "*.py"])
    assert displays(entries) == [".gitignore", "deploy.sh"]
    assert skipped["excluded"] == 2


# --------------------------------------------------------------------------- plain walk


def test_walk_outside_git_skips_vendored_and_vcs(tmp_path):
    write(tmp_path / "a.sh")
    write(tmp_path / "sub" / "b.md")
    write(tmp_path / ".hg" / "store")
    write(tmp_path / ".svn" / "entries")
    write(tmp_path / "node_modules" / "x" / "y.js")
    write(tmp_path / "node_modules" / "x" / "z.js")
    write(tmp_path / "sub" / "yarn.lock")
    write(tmp_path / "gen" / "api_pb2.py")
    entries, skipped, notices = discover([str(tmp_path)], root=str(tmp_path))
    assert displays(entries) == ["a.sh", "sub/b.md"]
    assert skipped == {"vendored": 2, "lockfile": 1, "generated": 1}
    assert notices == []


@pytest.mark.parametrize("root", ["tree", "beside", "tree/sub", "."])
def test_walked_files_are_displayed_relative_to_the_root_wherever_it_lies(tmp_path, root):
    # the root may be the walked directory, beside it (`scan ../other`) or below it
    tree = tmp_path / "tree"
    write(tree / "a.sh")
    write(tree / "sub" / "b.md")
    write(tree / "sub" / "deep" / "c.py")
    (tmp_path / "beside").mkdir()
    root_dir = tmp_path / root
    entries, _, _ = discover([str(tree)], root=str(root_dir))
    want = sorted(os.path.relpath(p, root_dir).replace(os.sep, "/")
                  for p in (tree / "a.sh", tree / "sub" / "b.md", tree / "sub" / "deep" / "c.py"))
    assert displays(entries) == want


def test_broken_git_dir_falls_back_to_walk(tmp_path):
    write(tmp_path / ".git" / "config", "not a repo")
    write(tmp_path / "a.sh")
    entries, _, notices = discover([str(tmp_path)], root=str(tmp_path))
    assert displays(entries) == ["a.sh"]
    assert [n.level for n in notices] == ["note"]
    assert "git ls-files failed" in notices[0].message


def test_symlink_loop_outside_git(tmp_path):
    write(tmp_path / "d" / "f.txt")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    os.symlink(tmp_path, tmp_path / "d" / "up")
    entries, _, notices = discover([str(tmp_path)], root=str(tmp_path))
    assert displays(entries) == ["d/f.txt"]
    assert {n.level for n in notices} == {"note"}
    assert {n.path for n in notices} == {"d/loop", "d/up"}
    assert all("symlink loop" in n.message for n in notices)


def test_symlinked_directory_followed_once(tmp_path):
    write(tmp_path / "real" / "f.txt")
    os.symlink(tmp_path / "real", tmp_path / "alias")
    entries, _, notices = discover([str(tmp_path)], root=str(tmp_path))
    assert displays(entries) == ["real/f.txt"]
    assert len(notices) == 1 and notices[0].level == "note"
    assert notices[0].path == "alias" and "already scanned" in notices[0].message


def test_missing_path_is_an_error_notice(tmp_path):
    missing = str(tmp_path / "nope.sh")
    entries, skipped, notices = discover([missing], root=str(tmp_path))
    assert entries == [] and skipped == {}
    assert len(notices) == 1
    assert notices[0].level == "error"
    assert notices[0].message == "No such file or directory"
    assert notices[0].path == missing


def test_explicit_file_is_scanned_even_if_vendored(tmp_path):
    f = write(tmp_path / "node_modules" / "x" / "deploy.sh")
    lock = write(tmp_path / "package-lock.json", "{}")
    entries, skipped, _ = discover([f, lock], root=str(tmp_path))
    assert displays(entries) == ["node_modules/x/deploy.sh", "package-lock.json"]
    assert skipped == {}


def test_explicit_file_and_directory_deduplicated_and_sorted(tmp_path):
    write(tmp_path / "b.sh")
    a = write(tmp_path / "a.sh")
    entries, _, _ = discover([str(tmp_path), a, a], root=str(tmp_path))
    assert displays(entries) == ["a.sh", "b.sh"]


def test_relative_paths_resolve_against_cwd(tmp_path, monkeypatch):
    write(tmp_path / "x" / "a.sh")
    monkeypatch.chdir(tmp_path)
    entries, _, _ = discover(["x"], root=str(tmp_path))
    assert displays(entries) == ["x/a.sh"]
    assert os.path.isabs(entries[0].path)


def test_unreadable_directory(tmp_path, monkeypatch):
    d = tmp_path / "locked"
    write(d / "a.sh")
    # as root chmod 000 denies nothing: make the OS refuse the directory instead
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(d):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    entries, _, notices = discover([str(tmp_path)], root=str(tmp_path))
    assert entries == []
    assert notices[0].level == "error" and notices[0].message == "Permission denied"


def test_discover_10000_files(tmp_path):
    for i in range(100):
        d = tmp_path / f"d{i}"
        d.mkdir()
        for j in range(100):
            (d / f"f{j}.py").write_text("x")
    entries, _, _ = discover([str(tmp_path)], root=str(tmp_path))
    assert len(entries) == 10_000  # speed is measured in benchmarks/, not asserted here


def test_glob_semantics():
    rx = compile_globs(["docs/**", "*.log", "/top.txt", "a/**/b.py", "gen/"])
    ok = lambda p: bool(rx.match(p))  # noqa: E731
    assert ok("docs/x/y.md")
    assert ok("x.log") and ok("deep/er/x.log")
    assert ok("top.txt") and not ok("sub/top.txt")
    assert ok("a/b.py") and ok("a/x/y/b.py") and not ok("c/a/b.py")
    assert ok("gen/x.py") and ok("sub/gen/x.py")
    assert not ok("src/main.py")
    assert compile_globs([]) is None


# --------------------------------------------------------------------------- read_text


def entry_for(path) -> FileEntry:
    return FileEntry(str(path), os.path.basename(path), os.path.getsize(path))


def test_read_text_utf8(tmp_path):
    p = write(tmp_path / "a.md", "héllo\n")
    assert read_text(entry_for(p)) == ("héllo\n", None)


def test_read_text_drops_bom(tmp_path):
    p = write(tmp_path / "a.md", b"\xef\xbb\xbfgcloud\n")
    assert read_text(entry_for(p)) == ("gcloud\n", None)


def test_read_text_binary(tmp_path):
    p = write(tmp_path / "img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    text, notice = read_text(entry_for(p))
    assert text is None
    assert notice.level == "note" and notice.message == BINARY_MESSAGE
    assert skip_reason(notice) == "binary"


def test_read_text_invalid_utf8_notice_with_line(tmp_path):
    p = write(tmp_path / "a.sh", b"echo ok\necho two\necho \xff\xfe bad\n")
    text, notice = read_text(entry_for(p))
    assert text == "echo ok\necho two\necho \ufffd\ufffd bad\n"
    assert notice.level == "error"
    assert notice.line == 3
    assert notice.path == "a.sh"
    assert notice.message == "not valid UTF-8 at byte 22; undecodable bytes replaced"
    assert skip_reason(notice) is None


def test_read_text_too_large(tmp_path):
    p = write(tmp_path / "big.txt", "x" * 101)
    text, notice = read_text(entry_for(p), max_bytes=100)
    assert text is None
    assert notice.level == "error" and "101 bytes" in notice.message
    assert skip_reason(notice) is None  # not a quiet skip: an input error (exit 2)


def test_read_text_missing(tmp_path):
    text, notice = read_text(FileEntry(str(tmp_path / "gone"), "gone", 0))
    assert text is None
    assert notice.level == "error" and notice.message == "No such file or directory"


def test_read_text_utf16_bom(tmp_path):
    p = write(tmp_path / "w.ps1", "gcloud run deploy\n".encode("utf-16"))
    assert read_text(entry_for(p)) == ("gcloud run deploy\n", None)


def test_read_text_50mb_single_line(tmp_path):
    p = tmp_path / "one-line.min.txt"
    p.write_bytes(b"a" * (50 * 2**20 - 10) + b"\xff")
    text, notice = read_text(entry_for(p))
    assert len(text) == 50 * 2**20 - 9
    assert notice.line == 1 and f"byte {50 * 2**20 - 10}" in notice.message


@pytest.mark.parametrize("size, limit", [(0, 5), (4, 5), (5, 5), (6, 5), (100, 5)])
def test_read_bytes_reads_the_whole_file_up_to_the_limit(tmp_path, size, limit):
    from vitana_guard.sources.files import read_bytes

    path = tmp_path / "f"
    path.write_bytes(bytes(range(size)))
    data, notice = read_bytes(entry_for(path), max_bytes=limit)
    if size <= limit:
        assert (data, notice) == (bytes(range(size)), None)
    else:
        assert data is None and notice.level == "error"
        assert notice.message == f"file too large ({size} bytes, limit {limit}); not scanned"


def test_read_bytes_follows_a_file_that_grew_after_it_was_listed(tmp_path):
    from vitana_guard.sources.files import FileEntry, read_bytes

    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    # listed at 3 bytes: the file grew to 10 before it was read
    stale = FileEntry(str(path), "f", 3)
    assert read_bytes(stale, max_bytes=50) == (b"x" * 10, None)
    data, notice = read_bytes(stale, max_bytes=8)
    assert data is None and "(10 bytes, limit 8)" in notice.message
