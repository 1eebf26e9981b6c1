"""Parity of the core's reader of git's diff output and its rebuilding of file versions
(crates/vitana_core/src/read/) with the Python they replaced (sources/_oracle_git.py,
_oracle_versions.py): field for field the same records, byte for byte the same versions.

Inputs: the histories the git tests build, this repository's own history, seeded random
histories (lines added, removed and moved, renames, CRLF, lone CR, binary, deleted and
re-created files, odd paths, modes, symlinks) and a few thousand generated patches.

Deliberate differences (inputs the generators below leave out, each pinned by a test):
- an `index` or mode line that is not UTF-8: Python raised UnicodeDecodeError (a
  traceback); the core reads it with U+FFFD;
- a C-quoted path with an octal escape Python's int() refuses (`"\\1xy"`): Python raised
  ValueError; the core reads the escaped byte as itself;
- a hunk header number above 2^56: Python read any size; the core does not read the
  line as a hunk (no file has that many lines);
- a commit date that does not fit 64 bits reads as 0 (Python kept the big int).
"""
from __future__ import annotations

import io
import os
import random
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest
import test_git
from test_git import _varied_history, commit, g, write
from test_history_read import Skim, log_output, odd_history

from vitana_guard import _core
from vitana_guard.sources import _oracle_git as oracle
from vitana_guard.sources import _oracle_versions
from vitana_guard.sources import git as gitsrc
from vitana_guard.sources import versions

repo = test_git.repo  # the fixture: a new git repository per test
ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ("gcloud", "deploy", "docker push", "kubectl")


class KeywordSkim:
    """A skim that gives its keyword gate as data (as history's run does); the oracle
    calls its may_matter, which answers the same on the same keywords."""

    def __init__(self, skipped: tuple[str, ...] = ("vendor/", "docs/")):
        self.skipped = skipped
        self.skim_keywords = KEYWORDS
        self._set = _core.KeywordSet(list(KEYWORDS))

    def skips(self, path: str) -> bool:
        return path.startswith(self.skipped)

    def may_matter(self, hunks: bytes) -> bool:
        return self._set.any_in(hunks)


SKIMS = [None, Skim(True), Skim(False), Skim(True, ("docs/", "vendor/")), KeywordSkim()]


def commits_both(output: bytes, skim) -> tuple[list[dict], list[dict]]:
    old = [asdict(c) for c in oracle._read_commits(oracle._commit_chunks(io.BytesIO(output)), skim)]
    new = [asdict(c) for c in gitsrc._read_stream(io.BytesIO(output), skim)]
    return old, new


def assert_log_parity(output: bytes) -> int:
    """Both readers on one `git log -p` output under every skim; returns the commits."""
    count = 0
    for skim in SKIMS:
        old, new = commits_both(output, skim)
        assert len(old) == len(new)
        for o, n in zip(old, new):
            assert n == o, o["sha"]
        count = len(old)
    # skimmed hunks read later give the parsed hunks
    for o, n in zip(oracle._read_commits(oracle._commit_chunks(io.BytesIO(output)), Skim(False)),
                    gitsrc._read_stream(io.BytesIO(output), Skim(False))):
        for a, b in zip(o.files, n.files, strict=True):
            assert gitsrc.hunks_of(b) == oracle.hunks_of(a)
    # each commit's patch through the general parser too
    for chunk in oracle._commit_chunks(io.BytesIO(output)):
        end = oracle._MESSAGE_END.search(chunk)
        if end:
            patch = chunk[end.end():]
            assert [asdict(d) for d in gitsrc.parse_patch(patch)] == [asdict(d) for d in oracle.parse_patch(patch)]
    return count


ODD_NAMES = ["sp ace.sh", 'quo"te.md', "tab\there.txt", "é/ü.sh", "back\\slash.txt", "new\nline.txt",
             "a b/c d.sh", "-dash.txt", "x.min.js", "vendor/v.sh", "docs/d.md", "lock/Cargo.lock"]
WORDS = ["gcloud run deploy api --source .", "echo ok", "", "  indented", "docker push img", "\\", "--- a",
         "+++ b", "@@ -1 +1 @@", "diff --git a/x b/x", "kubectl apply -f k.yaml", "p\rq", "tail\r", "é ü",
         "\\ No newline at end of file", "\x01vg-commit-x", "index 0..1"]


def random_history(repo: Path, seed: int, commits: int = 30) -> None:
    """A seeded history of every kind of change git writes a diff for."""
    rnd = random.Random(seed)
    files: dict[str, list[str]] = {}
    names = ODD_NAMES[:] + [f"f{k}.sh" for k in range(4)]
    for n in range(commits):
        for _ in range(rnd.randint(1, 4)):
            name = rnd.choice(names)
            op = rnd.random()
            if name in files and op < 0.1:  # deleted (and maybe re-created later)
                (repo / name).unlink()
                del files[name]
                continue
            if name in files and op < 0.3:  # renamed
                target = rnd.choice(names)
                if target not in files and "/" not in target:
                    (repo / name).rename(repo / target)
                    files[target] = files.pop(name)
                continue
            body = files.setdefault(name, [])
            for _ in range(rnd.randint(0, 5)):
                body.insert(rnd.randint(0, len(body)), rnd.choice(WORDS))
            for _ in range(rnd.randint(0, 2)):
                if body:
                    del body[rnd.randrange(len(body))]
            if body and rnd.random() < 0.3:  # a line moves to another file
                other = files.setdefault(rnd.choice(names), [])
                other.insert(rnd.randint(0, len(other)), body.pop(rnd.randrange(len(body))))
            for fname, fbody in files.items():
                eol = "\r\n" if fname.endswith(".txt") and seed % 2 else "\n"
                end = "" if rnd.random() < 0.15 else eol
                write(repo, fname, eol.join(fbody) + end if fbody else "")
        if rnd.random() < 0.2:
            write(repo, f"bin{n % 3}.dat", bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 40))) + b"\0")
        if rnd.random() < 0.1 and files:
            (repo / rnd.choice(sorted(files))).chmod(0o755 if rnd.random() < 0.5 else 0o644)
        if rnd.random() < 0.05 and not (repo / f"link{n}").exists():
            (repo / f"link{n}").symlink_to("f0.sh")
        if rnd.random() < 0.1:
            write(repo, f"bad{n % 2}.txt", bytes(rnd.randrange(1, 256) for _ in range(30)) + b"\n")
        message = rnd.choice(["c", "multi\n\nline body", "\x01vg-commit-ffff fake\n\x02\n", "é message", "trailing\n\n\n"])
        commit(repo, f"{message} {n}")


def test_the_git_tests_histories_read_the_same(repo: Path):
    odd_history(repo)
    _varied_history(repo)
    assert assert_log_parity(log_output(repo)) > 15


def test_seeded_random_histories_read_the_same(tmp_path: Path):
    total = 0
    renames = 0
    for seed in range(4):
        r = tmp_path / f"r{seed}"
        r.mkdir()
        g(r, "init", "-q", "-b", "main")
        random_history(r, seed)
        total += assert_log_parity(log_output(r))
        # renames and copies detected (history reads --no-renames; `diff` of a patch file may hold them)
        renamed = subprocess.run(["git", "-c", "core.quotepath=on", "log", "-p", "-M", "-C", "--format=", "--stat"],
                                 cwd=r, capture_output=True, check=True, env=gitsrc._env()).stdout
        assert [asdict(d) for d in gitsrc.parse_patch(renamed)] == [asdict(d) for d in oracle.parse_patch(renamed)]
        renames += renamed.count(b"\nrename from ")
        for skim in SKIMS:
            assert ([asdict(d) for d in gitsrc.read_git_patch(renamed, skim)]
                    == [asdict(d) for d in oracle.read_git_patch(renamed, skim)])
    assert total == 4 * 30 and renames > 0


def test_this_repositorys_history_reads_the_same():
    """This repository's own first-parent history (whatever a shallow clone holds)."""
    if subprocess.run(["git", "rev-parse", "--git-dir"], cwd=ROOT, capture_output=True).returncode != 0:
        pytest.fail("the test suite runs inside its git repository")
    out = subprocess.run(gitsrc._GIT + gitsrc._LOG_ARGS + ["-n", "400", "HEAD"], cwd=ROOT, capture_output=True,
                         env=gitsrc._env()).stdout  # a shallow clone prints what it holds
    assert out.startswith(oracle._COMMIT_MARK)
    assert assert_log_parity(out) >= 1


# --------------------------------------------------------------------------- generated patches

HEADERS = [b"diff --git a/x b/x\n", b'diff --git "a/q\\"x" "b/q\\"x"\n', b"diff --git a/sp ace b/sp ace\n",
           b"diff --git a/a b/b\n", b"diff --git \n", b"--- a/x\n", b"--- /dev/null\n", b'--- "a/\\303\\251\\t"\n',
           b"--- a/sp ace\t\n", b"+++ b/x\n", b"+++ /dev/null\n", b"+++ b/x\r\n", b"+++ \"b/a\\nb\"\n",
           b"index 1234567..89abcde 100644\n", b"index 0000000..1111111\n", b"index zz\n",
           b"new file mode 100755\n", b"deleted file mode 100644\n", b"old mode 100644\n", b"new mode 100755\n",
           b"rename from a/r\n", b"rename to b/r\n", b"copy from c\n", b'copy to "d\\001"\n',
           b"similarity index 90%\n", b"Binary files a/x and b/x differ\n", b"GIT binary patch\n",
           b"\\ No newline at end of file\n"]
BODY = [b"+add\n", b"-del\n", b" ctx\n", b"\n", b"+--- x\n", b"---- y\n", b"++++ z\n", b"+a\rb\n", b"-c\r\n",
        b"+\xff\xfe bad utf8\n", b"-\xe9t\xe9\n", b"\\ No newline at end of file\n", b"+deploy gcloud\n", b"+last"]


def hunk_header(rnd: random.Random) -> bytes:
    def num() -> bytes:
        return str(rnd.choice([0, 1, 2, 3, rnd.randint(0, 50), 300000000, 10**15])).encode()

    old = b"-" + num() + (b"," + num() if rnd.random() < 0.6 else b"")
    new = b"+" + num() + (b"," + num() if rnd.random() < 0.6 else b"")
    return b"@@ " + old + b" " + new + b" @@" + rnd.choice([b"", b" fn()"]) + b"\n"


def generated_patch(rnd: random.Random) -> bytes:
    out = []
    for _ in range(rnd.randint(1, 4)):
        out += rnd.sample(HEADERS, rnd.randint(1, 5))
        for _ in range(rnd.randint(0, 3)):
            out.append(hunk_header(rnd))
            out += [rnd.choice(BODY) for _ in range(rnd.randint(0, 6))]
    data = b"".join(out)
    return data[: rnd.randint(len(data) // 2, len(data))] if rnd.random() < 0.2 else data


def test_generated_patches_read_the_same():
    rnd = random.Random(518)
    for _ in range(3000):
        patch = generated_patch(rnd)
        assert [asdict(d) for d in gitsrc.parse_patch(patch)] == [asdict(d) for d in oracle.parse_patch(patch)], patch
        for skim in (None, Skim(False), KeywordSkim(("x",))):
            new, old = gitsrc.read_git_patch(patch, skim), oracle.read_git_patch(patch, skim)
            assert [asdict(d) for d in new] == [asdict(d) for d in old], patch
            # skimmed hunks read later, malformed ones included
            assert [gitsrc.hunks_of(d) for d in new] == [oracle.hunks_of(d) for d in old], patch


def test_generated_logs_cut_the_same():
    rnd = random.Random(12)
    mark = oracle._COMMIT_MARK
    end = b"\n\x02" + gitsrc._NONCE.encode()
    for _ in range(500):
        parts = []
        for _ in range(rnd.randint(1, 4)):
            head = mark + rnd.choice([b"a" * 40, b"", b"b" * 40 + b" " + b"c" * 40]) + b"\n"
            who = b"\0".join(rnd.choice([b"N", b"e@x", b"\xff", b""]) for _ in range(rnd.randint(0, 6)))
            who += rnd.choice([b"\x001700000000", b"\x00 12 ", b"\x00x", b"", b"\x00-5"])
            msg = rnd.choice([b"", b"m", b"m\n", b"\x02", b"\n\x02\n"])
            tail = end + rnd.choice([b"\n", b"", b"x\n"]) if rnd.random() < 0.9 else b""
            parts.append(head + who + b"\n" + msg + b"\n" + tail + generated_patch(rnd))
        output = b"\n".join(parts)
        for skim in (None, Skim(False)):
            old, new = commits_both(output, skim)
            assert new == old, output


# --------------------------------------------------------------------------- helpers and differences


def test_path_and_format_helpers_agree():
    for raw in [b'"a\\tb\\"c\\\\"', b'"\\303\\251"', b"plain\t", b"x\r\r", b'"', b'"\\"', b'"\\7"', b'"\\1234"',
                b'"a\\qb"', b'"\\377\\000"']:
        assert gitsrc.unquote_path(raw) == oracle.unquote_path(raw), raw
    for rest in [b"a/x b/x\n", b'"a/q" "b/q"\n', b"a/sp ace b/sp ace", b"a/x", b"", b" a", b'"a/x"b/x', b"a/1 b/22\n"]:
        assert gitsrc._header_paths(rest) == oracle._header_paths(rest), rest
    assert _core.log_format(gitsrc._NONCE) == gitsrc._FORMAT


def test_deliberate_differences_read_without_a_traceback():
    with pytest.raises(UnicodeDecodeError):
        list(oracle.parse_patch(b"--- a/x\n+++ b/x\nindex \xff..1 100644\n"))
    assert [d.old_blob for d in gitsrc.parse_patch(b"--- a/x\n+++ b/x\nindex \xff..1 100644\n")] == ["\ufffd"]
    with pytest.raises(ValueError):
        oracle.unquote_path(b'"\\1xy"')
    assert gitsrc.unquote_path(b'"\\1xy"') == "1xy"
    huge = b"--- a/x\n+++ b/x\n@@ -1 +" + b"9" * 30 + b" @@\n+x\n"
    assert list(oracle.parse_patch(huge))[0].added == {int("9" * 30): "x"}
    assert list(gitsrc.parse_patch(huge))[0].added == {}


# --------------------------------------------------------------------------- versions


def rebuilt_both(repo: Path, skim, batch: int, budget: int | None = None, tamper: bool = False):
    """Every text diff's new content through both stores, as `history` asks for them."""
    results = []
    for git_mod, versions_mod in ((oracle, _oracle_versions), (gitsrc, versions)):
        diffs = [d for c in git_mod.walk_history(str(repo), ["HEAD"], skim) for d in c.files]
        if tamper:
            for d in diffs[::3]:
                for i, (start, count, _old) in enumerate(git_mod.hunks_of(d)):
                    d.hunks[i] = (start, count, [b"tampered\n"])
        got = []
        with git_mod.BlobReader(str(repo)) as reader:
            kw = {} if budget is None else {"budget": budget}
            store = versions_mod.Versions(reader, **kw)
            for i in range(0, len(diffs), batch):
                part = diffs[i : i + batch]
                contents = store.contents(part, {id(d) for d in part if d.lintable})
                got += [contents.get(id(d), "not asked") for d in part]
        results.append((got, store.read, store.rebuilt))
    return results


def test_versions_rebuild_the_same(tmp_path: Path):
    for seed in range(3):
        r = tmp_path / f"r{seed}"
        r.mkdir()
        g(r, "init", "-q", "-b", "main")
        random_history(r, seed + 10, commits=25)
        for skim, batch, budget, tamper in [(None, 1000, None, False), (Skim(False), 7, None, False),
                                            (None, 3, 0, False), (KeywordSkim(), 10, 300, True)]:
            old, new = rebuilt_both(r, skim, batch, budget, tamper)
            assert new == old
            assert new[2] > 0 or budget == 0


def test_object_ids_agree():
    rnd = random.Random(7)
    for _ in range(200):
        data = os.urandom(rnd.randint(0, 300))
        assert versions.object_id(data) == _oracle_versions.object_id(data)
    assert versions.object_id(b"x", 64) == _oracle_versions.object_id(b"x", 64)
