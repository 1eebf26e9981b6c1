"""The raw-bytes prefilter: which records get parsed, whatever the jobs asked for."""
from __future__ import annotations

import json

from vitana_guard.model import Notice, Segment
from vitana_guard.transcripts import read
from vitana_guard.transcripts.prefilter import Prefilter

KEYWORDS = ["gcloud", "deploy.sh", "gateway"]


def record(n: int, command: str) -> str:
    return json.dumps({"type": "assistant", "sessionId": "s1", "uuid": f"u{n}", "message": {
        "id": f"m{n}", "role": "assistant",
        "content": [{"type": "tool_use", "id": f"t{n}", "name": "Bash", "input": {"command": command}}]}})


def write_session(path, n: int = 3000) -> None:
    lines = []
    for i in range(n):
        command = "npm test"
        if i % 997 == 5:
            command = "gcloud run deploy gw"
        if i % 1231 == 7:
            command = "\\u0067cloud run deploy escaped"  # JSON escape: raw bytes do not spell it
        lines.append(record(i, command).replace("\\\\u0067", "\\u0067"))
    lines.insert(1500, '{"type": "assistant", "broken')  # not an object: must be reported
    path.write_text("\n".join(lines) + "\n")


def commands(items) -> list[tuple[int, str]]:
    return [(s.line, s.text) for s in items if isinstance(s, Segment) and s.channel.value == "command"]


def test_prefilter_keeps_keywords_escapes_and_broken_records(tmp_path):
    path = tmp_path / "s.jsonl"
    write_session(path)
    full = list(read(str(path), "s.jsonl", "claude"))
    filtered = list(read(str(path), "s.jsonl", "claude", prefilter=Prefilter(KEYWORDS)))
    wanted = [c for c in commands(full) if "gcloud" in c[1]]
    assert wanted and [c for c in commands(filtered) if "gcloud" in c[1]] == wanted
    assert any("escaped" in text for _, text in wanted)  # decoded \u0067cloud
    assert [n.line for n in filtered if isinstance(n, Notice)] == [n.line for n in full if isinstance(n, Notice)] == [1501]
    assert len(commands(filtered)) < len(commands(full)) / 10  # the npm tests were never parsed


def test_jobs_give_the_same_stream(tmp_path):
    path = tmp_path / "s.jsonl"
    write_session(path)
    one = list(read(str(path), "s.jsonl", "claude", prefilter=Prefilter(KEYWORDS)))
    two = list(read(str(path), "s.jsonl", "claude", prefilter=Prefilter(KEYWORDS, jobs=2)))
    assert commands(two) == commands(one)
    assert [(n.line, n.message) for n in two if isinstance(n, Notice)] == [
        (n.line, n.message) for n in one if isinstance(n, Notice)]


def plain_candidates(block: bytes, keywords: list[str]) -> list[int]:
    """The prefilter's contract, read line by line with the standard library."""
    starts, offset = [], 0
    for line in block.split(b"\n"):
        body = line.strip(b" \t\r")
        lowered = line.lower()
        shaped = not body or (body.startswith(b"{") and body.endswith(b"}"))
        if not shaped or b"\\u" in line or b"\\/" in line or any(k.encode() in lowered for k in keywords):
            starts.append(offset)
        offset += len(line) + 1
    if block.endswith(b"\n"):  # no line after the last newline
        starts = [s for s in starts if s < len(block)]
    return starts


def test_core_prefilter_picks_the_lines_a_plain_reading_picks(tmp_path):
    path = tmp_path / "s.jsonl"
    write_session(path)
    edge = (b'{"a": "GATEWAY"}\n  {"b": 1}  \n\n[1]\n{"c": "deploy.sh\\/x"}\r\n'
            b'{"d": "\xc3\xa9 gcloud"}\n{"truncated": ')
    for block in (path.read_bytes(), edge):
        assert Prefilter(KEYWORDS).candidates(block) == plain_candidates(block, KEYWORDS)
    assert Prefilter(KEYWORDS).any_hit(b"x GCLOUD y") and not Prefilter(KEYWORDS).any_hit(b"npm test")
