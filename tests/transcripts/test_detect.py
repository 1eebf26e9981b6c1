import pytest

from vitana_guard.transcripts import FORMATS, detect, read

from transcript_helpers import FIXTURES, notices


@pytest.mark.parametrize(
    "name,fmt",
    [
        ("claude_session.jsonl", "claude"),
        ("rollout-2026-10-02T12-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl", "codex"),
        ("session-2026-10-03T08-00-c0ffee12.jsonl", "gemini"),
        ("session-2026-03-01T10-00-legacy01.json", "gemini"),
        ("openai_chat.json", "openai"),
        ("openai_pairs.jsonl", "openai"),
        ("terminal.log", "text"),
    ],
)
def test_detect_by_content(name, fmt):
    path = FIXTURES / name
    assert detect("/somewhere/else/file", path.read_bytes()[:65536]) == fmt
    assert fmt in FORMATS


def test_detect_by_path_hints():
    junk = b"{not json yet"
    assert detect("/home/u/.claude/projects/-srv-app/abc.jsonl", junk) == "claude"
    assert detect("/home/u/.codex/sessions/2026/10/02/rollout-2026-10-02T12-00-00-x.jsonl", junk) == "codex"
    assert detect("/home/u/.gemini/tmp/ab12/chats/session-2026-10-03T08-00-x.jsonl", junk) == "gemini"
    assert detect("/tmp/build.txt", b"starting\n$ make\nok\n") == "text"
    assert detect("/tmp/build.txt", b"just some notes\n") is None


def test_not_a_transcript():
    assert detect("/repo/README.md", b"# Title\n\nSome text with $ signs.\n") is None
    assert detect("/repo/package.json", b'{"name": "x", "version": "1.0.0"}\n') is None
    assert detect("/repo/a.bin", b"\x00\x01\x02$ x") is None


def test_read_undetectable_and_missing(tmp_path):
    p = tmp_path / "notes.md"
    p.write_text("# hello\n")
    (n,) = list(read(str(p), "notes.md"))
    assert n.level == "error" and n.path == "notes.md"
    got = list(read(str(tmp_path / "missing.jsonl"), "missing.jsonl", "claude"))
    assert len(notices(got)) == 1 and "cannot read" in got[0].message
    got = list(read(str(p), "notes.md", "klingon"))
    assert "unknown transcript format" in got[0].message


def test_pretty_single_object_openai_and_large_first_line():
    big = b'{"messages": [{"role": "user", "content": "' + b"x" * 70000 + b'"}]}'
    assert detect("/x/chat.json", big[:65536]) == "openai"
