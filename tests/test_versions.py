"""History rebuilds older file versions from `git log -p -U0` instead of reading each blob:
every rebuilt content must be byte for byte what git stores."""
from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
import test_git
from test_git import commit, write
from test_history_read import Skim

from vitana_guard.sources import git as gitsrc
from vitana_guard.sources.versions import Versions, object_id

repo = test_git.repo  # the fixture: a new git repository per test


def blob(repo: Path, oid: str) -> bytes:
    return subprocess.run(["git", "cat-file", "blob", oid], cwd=repo, capture_output=True, check=True).stdout


def all_diffs(repo: Path, skim=None) -> list[gitsrc.FileDiff]:
    out: list[gitsrc.FileDiff] = []
    for c in gitsrc.walk_history(str(repo), ["HEAD"], skim):
        out += c.files
    return out


def rebuild(repo: Path, diffs: list[gitsrc.FileDiff], batch: int = 1000, **kw) -> tuple[Versions, dict[int, bytes | None]]:
    """Contents of every text diff's new side, asked for in batches as `history` does."""
    got: dict[int, bytes | None] = {}
    with gitsrc.BlobReader(str(repo)) as reader:
        versions = Versions(reader, **kw)
        for i in range(0, len(diffs), batch):
            part = diffs[i : i + batch]
            got.update(versions.contents(part, {id(d) for d in part if d.lintable}))
    return versions, got


def test_object_id_is_gits():
    assert object_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert object_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_edge_cases_rebuild_exactly(repo: Path):
    steps = [
        {"a.sh": "one\ntwo\nthree\n", "doc.md": "# t\n", "crlf.txt": "x\r\ny\r\n", "cr.txt": "p\rq\nr\n"},
        {"a.sh": "zero\none\nthree\nfour"},                      # insert, delete, no newline at end
        {"a.sh": "zero\none\nthree\nfour\n", "crlf.txt": "x\r\nz\r\ny\r\n", "cr.txt": "p\rq\nr\ns\n"},  # newline back
        {"a.sh": "--- x\n+++ y\none\n", "doc.md": "# t\n\n\n- item\n"},  # lines that look like headers
        {"doc.md": None},                                              # deleted
        {"doc.md": "# back\n", "a.sh": "\n\n--- x\n"},                 # re-created
        {"a.sh": "only\n", "cr.txt": "p\rq\nr\nt\rs\n"},          # a lone CR is inside a line
        {"a.sh": "only"},                                              # only the final newline goes
    ]
    for n, step in enumerate(steps):
        for path, text in step.items():
            if text is None:
                (repo / path).unlink()
            else:
                write(repo, path, text)
        commit(repo, f"step {n}")
    diffs = all_diffs(repo)
    versions, got = rebuild(repo, diffs)
    wanted = [d for d in diffs if d.lintable]
    assert wanted and all(got[id(d)] == blob(repo, d.new_blob) for d in wanted)
    assert versions.rebuilt > 0
    # a path is read once, at its newest version; the deletion gives doc.md's last content
    assert versions.read <= 4


def test_random_histories_rebuild_exactly(repo: Path):
    rnd = random.Random(518)
    words = ["gcloud run deploy", "echo ok", "", "  indented", "docker push x", "\\", "--- a", "+++ b", "@@ -1 +1 @@"]
    files = {f"f{k}.sh": [] for k in range(4)}
    for n in range(60):
        for name in rnd.sample(sorted(files), rnd.randint(1, 3)):
            body = files[name]
            for _ in range(rnd.randint(0, 4)):
                body.insert(rnd.randint(0, len(body)), rnd.choice(words))
            for _ in range(rnd.randint(0, 2)):
                if body:
                    del body[rnd.randrange(len(body))]
            end = "" if rnd.random() < 0.2 else "\n"
            write(repo, name, "\n".join(body) + end if body else "")
        commit(repo, f"c{n}")
    for skim in (None, Skim(False)):  # skimmed hunks are read when a rebuild needs them
        diffs = all_diffs(repo, skim)
        assert all(d.summarised for d in diffs if d.lintable) if skim else True
        versions, got = rebuild(repo, diffs, batch=25)
        wanted = [d for d in diffs if d.lintable]
        assert len(wanted) > 50
        assert all(got[id(d)] == blob(repo, d.new_blob) for d in wanted)
        assert versions.read <= len(files) + 2 and versions.rebuilt >= len(wanted) - versions.read


def test_a_patch_that_does_not_rebuild_costs_a_read_not_a_wrong_content(repo: Path):
    write(repo, "a.sh", "one\n")
    commit(repo, "one")
    write(repo, "a.sh", "one\ntwo\n")
    commit(repo, "two")
    write(repo, "a.sh", "one\ntwo\nthree\n")
    commit(repo, "three")
    diffs = all_diffs(repo)
    start, count, _ = diffs[0].hunks[0]
    diffs[0].hunks[0] = (start, count, [b"tampered\n"])  # the newest diff now rebuilds a wrong parent
    versions, got = rebuild(repo, diffs)
    assert [got[id(d)] for d in diffs] == [b"one\ntwo\nthree\n", b"one\ntwo\n", b"one\n"]
    assert versions.read == 2  # the newest version, and the one the bad patch could not give


def test_over_budget_versions_are_read_again(repo: Path):
    for n in range(5):
        write(repo, "a.sh", "".join(f"line {k}\n" for k in range(n + 1)))
        commit(repo, f"c{n}")
    diffs = all_diffs(repo)
    versions, got = rebuild(repo, diffs, batch=1, budget=0)
    assert all(got[id(d)] == blob(repo, d.new_blob) for d in diffs)
    assert versions.read == 5 and versions.rebuilt == 0


def _violation_deep_in_history(repo: Path) -> str:
    """deploy.sh gains a VG101 line at line 11 in commit `bad` (returned), then six
    commits each add a `gcloud auth list` line above it."""
    write(repo, "deploy.sh", "".join(f"echo step {k}\n" for k in range(20)))
    commit(repo, "base")
    write(repo, "deploy.sh", "".join(f"echo step {k}\n" for k in range(10)) + "gcloud run deploy api --source .\n"
          + "".join(f"echo step {k}\n" for k in range(10, 20)))
    bad = commit(repo, "bad")
    for n in range(6):
        text = (repo / "deploy.sh").read_text()
        write(repo, "deploy.sh", f"gcloud auth list {n}\n" + text)
        commit(repo, f"later {n}")
    return bad


@pytest.mark.parametrize("jobs", [1, 2])
def test_history_findings_on_rebuilt_versions(repo: Path, jobs: int, monkeypatch):
    """A violation added deep in a file's history is found at its commit and line, by a
    serial run and by workers that each start their part of the chain with a read."""
    from test_git import _history_result, _in_parts

    from vitana_guard import commands_git

    bad = _violation_deep_in_history(repo)
    if jobs > 1:
        monkeypatch.setattr(commands_git, "_CHUNK_MIN", 2)
        _in_parts(monkeypatch)
    result = _history_result(repo, monkeypatch, jobs)
    assert [(f.path, f.line, f.rule_id, f.commit) for f in result.findings] == [("deploy.sh", 11, "VG101", bad)]
    assert result.files_scanned == 7  # every version but the first: their added lines name gcloud


def test_versions_checked_later_are_confirmed_against_their_ids(repo: Path):
    """`check_later` hands a rebuilt content out unchecked; `confirm` gives git's content
    when the patch rebuilt it wrong, and the same object when it is right."""
    for n in range(3):
        write(repo, "a.sh", "".join(f"line {k}\n" for k in range(n + 1)))
        commit(repo, f"c{n}")
    diffs = all_diffs(repo)
    start, count, _ = diffs[0].hunks[0]
    diffs[0].hunks[0] = (start, count, [b"tampered\n"])  # the middle version rebuilds wrong
    with gitsrc.BlobReader(str(repo)) as reader:
        versions = Versions(reader)
        got = versions.contents(diffs, {id(d) for d in diffs}, check_later=True)
        assert versions.unchecked == {id(diffs[1]), id(diffs[2])} and versions.read == 1
        assert got[id(diffs[1])] != blob(repo, diffs[1].new_blob)  # not checked yet
        assert versions.confirm(diffs[1], got[id(diffs[1])]) == blob(repo, diffs[1].new_blob)
        right = blob(repo, diffs[2].new_blob)
        assert versions.confirm(diffs[2], right) is right
        assert versions.read == 2 and not versions.unchecked


@pytest.mark.parametrize("jobs", [1, 2])
def test_history_reports_nothing_of_a_version_rebuilt_wrong(repo: Path, jobs: int, monkeypatch):
    """A rebuilt version is checked before anything of it is reported: one that a bad
    rebuild fills with violations is replaced by git's content, and counted once."""
    from test_git import _history_result, _in_parts

    from vitana_guard import commands_git
    from vitana_guard.sources import versions as versionsmod

    bad = _violation_deep_in_history(repo)
    older = versionsmod._older
    monkeypatch.setattr(versionsmod, "_older", lambda content, d: (
        older(content, d)[0].replace(b"gcloud auth list", b"gcloud run deploy evil --source . #"), older(content, d)[1]))
    if jobs > 1:
        monkeypatch.setattr(commands_git, "_CHUNK_MIN", 2)
        _in_parts(monkeypatch)
    result = _history_result(repo, monkeypatch, jobs)
    assert [(f.path, f.line, f.rule_id, f.commit) for f in result.findings] == [("deploy.sh", 11, "VG101", bad)]
    assert result.files_scanned == 7 and not result.notices


def test_history_hashes_no_rebuilt_version_that_finds_nothing(repo: Path, monkeypatch):
    from test_git import _history_result

    from vitana_guard.sources import versions as versionsmod

    for n in range(6):
        write(repo, "deploy.sh", "".join(f"gcloud auth list {k}\n" for k in range(n + 1)))
        commit(repo, f"c{n}")
    hashed: list[bytes] = []
    object_id = versionsmod.object_id
    monkeypatch.setattr(versionsmod, "object_id", lambda data, length=40: hashed.append(data) or object_id(data, length))
    result = _history_result(repo, monkeypatch, 1)
    assert result.files_scanned == 6 and not result.findings
    assert hashed == []
