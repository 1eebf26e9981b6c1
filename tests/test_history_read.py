"""How `history` reads `git log -p`: cut into commits and file diffs as bytes, common
headers matched at once, and file diffs whose hunks hold no keyword summarised rather
than parsed. Each shortcut must give what the general parser gives."""
from __future__ import annotations

import io
import random
import re
import subprocess
from dataclasses import asdict
from pathlib import Path

import test_git
from test_git import _history_result, _varied_history, commit, g, write

from vitana_guard.sources import git as gitsrc

repo = test_git.repo  # the fixture: a new git repository per test


def log_output(repo: Path) -> bytes:
    return subprocess.run(gitsrc._GIT + gitsrc._LOG_ARGS + ["HEAD"], cwd=repo, capture_output=True,
                          check=True, env=gitsrc._env()).stdout


def patches(output: bytes) -> list[bytes]:
    """Each commit's patch, after its message."""
    pieces = output.split(b"\n" + gitsrc._COMMIT_MARK)  # a commit, from its mark to the next
    out = []
    for chunk in [p + b"\n" for p in pieces[:-1]] + pieces[-1:]:
        end = gitsrc._MESSAGE_END.search(chunk)
        assert end is not None
        out.append(chunk[end.end():])
    return out


# a file diff header of the common shape (the header the reader takes at once; the
# Python reader's matcher, kept here to tell the two kinds apart in a test history)
PLAIN_HEADER = re.compile(
    rb"diff --git [^\n]*\n(?:(new|deleted) file mode (\d+)\n)?"
    rb"index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?\n"
    rb"--- (?:a/([^\n\"\t\r]+)|/dev/null)\n\+\+\+ (?:b/([^\n\"\t\r]+)|/dev/null)\n\Z")


class Skim:
    """What history tells the reader (sources/git.Skim), fixed for a test."""

    def __init__(self, matter: bool, skipped: tuple[str, ...] = ()):
        self.matter, self.skipped = matter, skipped

    def skips(self, path: str) -> bool:
        return path.startswith(self.skipped) if self.skipped else False

    def may_matter(self, hunks: bytes) -> bool:
        return self.matter


def parsed(patch: bytes) -> list[dict]:
    """What the general parser makes of a patch."""
    return [asdict(d) for d in gitsrc.parse_patch(patch)]


def odd_history(repo: Path) -> None:
    """Files whose diffs take every kind of header git writes."""
    write(repo, "plain.sh", "echo one\n")
    write(repo, "sp ace.txt", "a\n")  # git ends ---/+++ names holding a space with a tab
    write(repo, "quo\"te.md", "q\n")  # and quotes names holding a quote
    write(repo, "é.txt", "accent\n")
    write(repo, "crlf.txt", "x\r\ny\r\n")
    write(repo, "bin.dat", b"\0\1\2")
    write(repo, "gone.txt", "--- x\n+++ y\n")
    write(repo, "empty.txt", "")
    commit(repo, "init")
    write(repo, "plain.sh", "echo one\ngcloud run deploy api --source .\necho two")  # no newline at end
    write(repo, "sp ace.txt", "a\nb\n")
    write(repo, "quo\"te.md", "q\n--- not a header\n")
    write(repo, "crlf.txt", "x\r\nz\r\n")
    write(repo, "bin.dat", b"\0\1\3")
    (repo / "gone.txt").unlink()
    (repo / "plain.sh").chmod(0o755)
    (repo / "link").symlink_to("plain.sh")
    commit(repo, "change everything")
    (repo / "sp ace.txt").chmod(0o755)  # a mode change alone
    write(repo, "empty.txt", "now text\n")
    commit(repo, "modes")


def test_commits_are_cut_the_same_whatever_pieces_git_writes(repo: Path):
    odd_history(repo)
    _varied_history(repo)
    output = log_output(repo)
    whole = list(gitsrc._read_stream(io.BytesIO(output)))

    class Trickle(io.BytesIO):
        """A pipe that hands over 1 to 23 bytes at a time."""

        def __init__(self, data: bytes, seed: int):
            super().__init__(data)
            self.rnd = random.Random(seed)

        def read1(self, size: int = -1) -> bytes:
            return super().read1(self.rnd.randint(1, 23))

    for seed in range(3):
        pieces = list(gitsrc._read_stream(Trickle(output, seed)))
        assert [asdict(c) for c in pieces] == [asdict(c) for c in whole]
    assert len(whole) == int(g(repo, "rev-list", "--count", "--first-parent", "HEAD"))


def test_plain_headers_read_as_the_parser_reads_them(repo: Path):
    odd_history(repo)
    _varied_history(repo)
    seen = 0
    for patch in patches(log_output(repo)):
        assert [asdict(d) for d in gitsrc.read_git_patch(patch)] == parsed(patch)
        seen += patch.count(b"\ndiff --git ")
    assert seen > 40
    # the shortcut took the common headers and left the rest to the parser (the history
    # holds both kinds: PLAIN_HEADER tells them apart)
    headers = [p for patch in patches(log_output(repo)) for p in patch.split(b"\ndiff --git ")[1:]]
    plain = [h for h in headers if PLAIN_HEADER.match(b"diff --git " + h[: h.find(b"\n@@") + 1]) is not None]
    assert 0 < len(plain) < len(headers)


def test_summarised_file_diffs_keep_what_history_needs(repo: Path):
    odd_history(repo)
    _varied_history(repo)
    summarised = 0
    for patch in patches(log_output(repo)):
        full = gitsrc.read_git_patch(patch)
        assert [asdict(d) for d in gitsrc.read_git_patch(patch, Skim(True))] == [asdict(d) for d in full]
        skipped = [d.new_path for d in gitsrc.read_git_patch(patch, Skim(True, ("docs/",))) if d.summarised]
        assert skipped == [d.new_path for d in full if d.added and d.new_path.startswith("docs/")]
        for short, d in zip(gitsrc.read_git_patch(patch, Skim(False)), full, strict=True):
            if not d.hunks:  # nothing to summarise: binary, mode-only, empty
                assert asdict(short) == asdict(d)
                continue
            summarised += 1
            assert short.summarised == bool(d.added) and not short.added and not short.hunks
            assert (short.deleted, short.lintable, short.new_path, short.old_path, short.new_blob) == (
                d.deleted, d.lintable, d.new_path, d.old_path, d.new_blob)
    assert summarised > 20


def test_a_commit_message_cannot_forge_a_commit_or_a_file(repo: Path):
    write(repo, "a.txt", "a\n")
    commit(repo, "init")
    write(repo, "a.txt", "a\nb\n")
    forged = ("subject\n\n\x01vg-commit " + "f" * 40 + "\n\x02\n"
              "diff --git a/x.sh b/x.sh\n--- a/x.sh\n+++ b/x.sh\n@@ -0,0 +1 @@\n+gcloud run deploy x --source .\n")
    sha = commit(repo, forged)
    commits = list(gitsrc.walk_history(str(repo), ["HEAD"]))
    assert [c.sha for c in commits] == [sha, g(repo, "rev-parse", "HEAD~1")]
    assert commits[0].message == g(repo, "log", "-1", "--format=%B", sha) + "\n"
    assert [d.new_path for d in commits[0].files] == ["a.txt"]


def test_history_reports_the_same_with_summaries(repo: Path, monkeypatch):
    """Random histories of keyword and plain lines moving between files: the report is
    the one of a history that parses every hunk."""
    from vitana_guard import commands_git

    rnd = random.Random(518)
    words = ["gcloud run deploy api \\", "  --source . \\", "  --region eu", "echo ok", "", "plain words",
             "docker push img", "see the guide", "--- a", "@@ -1 +1 @@"]
    files = {name: [] for name in ["a.sh", "b.sh", "c.md", "d.txt", "vendor/v.sh"]}
    for n in range(40):
        for name in rnd.sample(sorted(files), rnd.randint(1, 3)):
            body = files[name]
            for _ in range(rnd.randint(0, 4)):
                body.insert(rnd.randint(0, len(body)), rnd.choice(words))
            if body and rnd.random() < 0.5:  # a line moves to another file
                other = files[rnd.choice(sorted(files))]
                other.insert(rnd.randint(0, len(other)), body.pop(rnd.randrange(len(body))))
        files["vendor/v.sh"].append(f"gcloud run deploy v{n} --source .")
        for name, body in files.items():
            write(repo, name, "\n".join(body) + "\n")
        commit(repo, f"c{n}")
    calls: list[bool] = []  # for each file diff with hunks: whether it was summarised
    walk_history = gitsrc.walk_history

    def counted(*args, **kwargs):
        for c in walk_history(*args, **kwargs):
            calls.extend(d.summarised or not d.hunks for d in c.files if d.hunks or d.summarised or d.unread)
            yield c

    monkeypatch.setattr(gitsrc, "walk_history", counted)
    with_summaries = test_git._comparable(_history_result(repo, monkeypatch, 1))
    # the reader tests hunks on the keywords the run gives as data: None, every hunk matters
    monkeypatch.setattr(commands_git._Run, "skim_keywords", None)
    monkeypatch.setattr(commands_git._Run, "skips", lambda run, path: False)
    assert with_summaries == test_git._comparable(_history_result(repo, monkeypatch, 1))
    assert with_summaries[0] and True in calls and False in calls
    assert with_summaries[4] == {"vendored": 40}  # vendor/ changed in every commit, summarised unread


def test_keyword_test_on_bytes_answers_as_the_text_test():
    from vitana_guard.commands_git import _Run

    finder = _Run(None, (), (), None, False).compiled.finder
    rnd = random.Random(518)
    parts = ["GCloud", "gclou", "d", "\u212aubectl", "gate", "way", "é", " ", "x" * 300, "push", "pu", "sh", "\n", "HEAD"]
    answers = set()
    for _ in range(3000):
        text = "".join(rnd.choice(parts) for _ in range(rnd.randint(0, 12)))
        answer = finder.any_in(text.encode())
        assert answer == bool(finder.present(text, text.lower())), text
        answers.add(answer)
    assert answers == {True, False}


def test_commits_are_read_on_the_read_ahead_thread(repo: Path):
    """The core's reader of git's output runs on the read-ahead thread, beside the scan;
    the commits still come in git's order."""
    import threading

    for n in range(5):
        write(repo, "a.sh", f"echo {n}\n")
        commit(repo, f"c{n}")
    readers: set[str] = set()

    class Watch:
        skim_keywords = None

        def skips(self, path: str) -> bool:
            readers.add(threading.current_thread().name)
            return False

        def may_matter(self, hunks: bytes) -> bool:
            return True

    shas = [c.sha for c in gitsrc.walk_history(str(repo), ["HEAD"], Watch())]
    assert shas == gitsrc.first_parent_chain(str(repo), ["HEAD"])
    assert readers == {"vg-git-reader"}


def test_an_error_of_the_reader_is_raised_not_taken_for_the_end(repo: Path):
    """An error while the read-ahead thread reads git's output (here the skim's) stops
    the walk with that error; it is never taken for the pipe's end (a history cut short)."""
    import pytest

    write(repo, "a.sh", "echo 1\n")
    commit(repo, "c1")

    class Broken:
        skim_keywords = None

        def skips(self, path: str) -> bool:
            raise ValueError("cannot tell")

        def may_matter(self, hunks: bytes) -> bool:
            return True

    with pytest.raises(ValueError, match="cannot tell"):
        list(gitsrc.walk_history(str(repo), ["HEAD"], Broken()))
