"""Bad input: never raise, never silently skip."""
import json
import tracemalloc

import pytest

from vitana_guard.model import Notice, Segment, Status
from vitana_guard.transcripts import read

from transcript_helpers import notices, segs

CLAUDE_TOOL = '{"type":"assistant","uuid":"%s","sessionId":"s","message":{"id":"m","role":"assistant","content":[{"type":"tool_use","id":"%s","name":"Bash","input":{"command":"%s"}}]}}'
CLAUDE_RESULT = '{"type":"user","uuid":"r%s","sessionId":"s","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"%s","content":"ok"}]}}'


def run(tmp_path, fmt, data: bytes, name="t.jsonl"):
    p = tmp_path / name
    p.write_bytes(data)
    return list(read(str(p), name, fmt))


def good(n, cmd="make"):
    return (CLAUDE_TOOL % (f"u{n}", f"t{n}", cmd) + "\n" + CLAUDE_RESULT % (n, f"t{n}") + "\n").encode()


def test_malformed_line_notice_and_go_on(tmp_path):
    got = run(tmp_path, "claude", good(1) + b'{"type": "user", oops}\n' + good(2, "ls"))
    (n,) = notices(got)
    assert (n.level, n.path, n.line) == ("error", "t.jsonl", 3)
    assert n.message.startswith("claude: line 3: ")
    assert [s.text for s in segs(got, "command")] == ["make", "ls"]
    assert [s.line for s in segs(got, "command")] == [1, 4]


def test_truncated_last_line(tmp_path):
    data = good(1) + (CLAUDE_TOOL % ("u9", "t9", "git push")).encode()[:60]
    got = run(tmp_path, "claude", data)
    (n,) = notices(got)
    assert n.line == 3 and "truncated" in n.message
    assert segs(got, "command")[0].origin.status == Status.EXECUTED


def test_complete_last_line_without_newline_is_read(tmp_path):
    data = good(1) + (CLAUDE_TOOL % ("u9", "t9", "git push")).encode()
    got = run(tmp_path, "claude", data)
    assert notices(got) == []
    assert segs(got, "command")[-1].text == "git push" and segs(got, "command")[-1].origin.status == Status.UNKNOWN


def test_invalid_utf8_read_with_replacement(tmp_path):
    line = (CLAUDE_TOOL % ("u1", "t1", "echo XX")).encode().replace(b"XX", b"\xff\xfe")
    got = run(tmp_path, "claude", line + b"\n" + good(2))
    (n,) = notices(got)
    assert n.line == 1 and "UTF-8" in n.message
    assert segs(got, "command")[0].text == "echo \ufffd\ufffd"


def test_twenty_mb_record(tmp_path):
    big = "x" * (20 * 1024 * 1024)
    data = (CLAUDE_TOOL % ("u1", "t1", "echo " + big)).encode() + b"\n" + good(2)
    got = run(tmp_path, "claude", data)
    assert notices(got) == []
    assert len(segs(got, "command")[0].text) == 20 * 1024 * 1024 + 5


@pytest.mark.parametrize("keywords", [None, ["bash"]])
def test_oversized_record_skipped_with_notice(tmp_path, keywords):
    from vitana_guard.transcripts.prefilter import Prefilter

    data = (CLAUDE_TOOL % ("u1", "t1", "y" * 5000)).encode() + b"\n" + good(2)
    p = tmp_path / "t.jsonl"
    p.write_bytes(data)
    prefilter = Prefilter(keywords) if keywords else None
    got = list(read(str(p), "t.jsonl", "claude", prefilter=prefilter, max_record_bytes=1000))
    assert isinstance(got[0], Notice) and got[0].line == 1 and "limit" in got[0].message
    assert [s.line for s in got[1:] if isinstance(s, Segment)] == [2, 3]


@pytest.mark.parametrize("fmt", ["claude", "codex", "gemini", "openai"])
def test_deep_nesting_jsonl(tmp_path, fmt):
    deep = b'{"a":' * 10000 + b"1" + b"}" * 10000
    head = {
        "claude": b"",
        "codex": b'{"timestamp":"t","type":"session_meta","payload":{"id":"s"}}\n',
        "gemini": b'{"sessionId":"s","projectHash":"h"}\n',
        "openai": b'{"role":"user","content":"hi"}\n',
    }[fmt]
    got = run(tmp_path, fmt, head + deep + b"\n")
    ns = notices(got)
    assert len(ns) == 1 and "deep" in ns[0].message and ns[0].level == "error"


def test_deep_nesting_stdlib_fallback(tmp_path):
    got = run(tmp_path, "openai", b"[" * 100000 + b"]" * 100000 + b"\n")
    (n,) = notices(got)
    assert "deep" in n.message and n.line == 1


def test_deep_nesting_in_pretty_document(tmp_path):
    deep = "[" * 10000 + "]" * 10000
    doc = '[\n  {"role": "user", "content": "hi"},\n  ' + deep + ',\n  {"role": "user", "content": "bye"}\n]\n'
    got = run(tmp_path, "openai", doc.encode(), "chat.json")
    assert [s.text for s in segs(got)] == ["hi", "bye"]
    (n,) = notices(got)
    assert n.line == 3


def test_truncated_pretty_document(tmp_path):
    doc = json.dumps([{"role": "user", "content": "hi"}, {"role": "user", "content": "bye"}], indent=2)
    got = run(tmp_path, "openai", doc[:-30].encode(), "chat.json")
    assert [s.text for s in segs(got)] == ["hi"]
    assert len(notices(got)) == 1


def test_unknown_record_type_skipped_and_named_in_a_note(tmp_path):
    data = (b'{"type":"mystery-thing","uuid":"z","sessionId":"s"}\n' + good(1)
            + b'{"type":"mystery-thing","uuid":"y","sessionId":"s"}\n{"type":"queue-operation","operation":"enqueue"}\n')
    got = run(tmp_path, "claude", data)
    assert [s.text for s in segs(got, "command")] == ["make"]
    (n,) = notices(got)
    assert (n.level, n.line) == ("note", 1)
    assert n.message == "claude: 2 records of unknown type not read: mystery-thing (2)"  # queue-operation: on purpose


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"a string"', b"42", b"null"])
def test_non_object_line(tmp_path, payload):
    got = run(tmp_path, "claude", payload + b"\n" + good(1))
    (n,) = notices(got)
    assert n.line == 1 and "not a JSON object" in n.message
    assert segs(got, "command")[0].text == "make"


def test_weird_shapes_do_not_raise(tmp_path):
    data = (
        b'{"type":"assistant","uuid":"a","message":{"content":[42,{"type":"tool_use","id":7,"name":null,"input":"x"}]}}\n'
        b'{"type":"user","uuid":"b","message":{"content":{"weird":true}}}\n'
        b'{"type":"assistant","uuid":"c","message":"nope"}\n'
    ) + good(1)
    got = run(tmp_path, "claude", data)
    assert [s.text for s in segs(got, "command")] == ["make"]
    for fmt in ("codex", "gemini", "openai", "text"):
        out = run(tmp_path, fmt, data)
        assert all(isinstance(x, (Segment, Notice)) for x in out)



# a list or object where a string is expected once raised `unhashable type`: the whole
# file's detection failed (claude), or the record (codex) or the rest of the file (gemini) was lost


def test_unhashable_record_type_does_not_stop_detection(tmp_path):
    data = b'{"type":["user"],"uuid":"w","sessionId":"s","message":{"content":"x"}}\n' + good(1)
    (tmp_path / "w.jsonl").write_bytes(data)
    got = list(read(str(tmp_path / "w.jsonl"), "w.jsonl"))  # format detected from the records
    assert [s.text for s in segs(got, "command")] == ["make"]
    assert [(n.level, n.message) for n in notices(got)] == [
        ("note", "claude: 1 record of unknown type not read: (type not a string) (1)")]


def test_unhashable_codex_type_is_an_unknown_record(tmp_path):
    data = (b'{"type":{"k":1},"id":"x"}\n'
            b'{"type":"function_call","name":"shell","call_id":"c1","arguments":"{\\"command\\":[\\"ls\\"]}"}\n')
    got = run(tmp_path, "codex", data)
    assert notices(got) == [] and [s.text for s in segs(got, "command")] == ["ls"]


def test_gemini_rewind_to_a_list_is_a_notice(tmp_path):
    data = (b'{"sessionId":"s","projectHash":"p"}\n{"id":"m1","type":"user","content":"hello"}\n'
            b'{"$rewindTo":["m1"]}\n{"id":"m2","type":"user","content":"again"}\n')
    got = run(tmp_path, "gemini", data)
    (n,) = notices(got)
    assert n.line == 3 and "$rewindTo is not a message id" in n.message
    assert [s.text for s in segs(got)] == ["hello", "again"]

def test_large_file_memory_stays_flat(tmp_path):
    p = tmp_path / "big.jsonl"
    one = good(0).decode()
    with open(p, "w") as f:
        for i in range(20000):
            f.write(one.replace('"t0"', f'"t{i}"').replace('"u0"', f'"u{i}"').replace('"r0"', f'"r{i}"'))
    tracemalloc.start()
    count = 0
    for item in read(str(p), "big.jsonl", "claude"):
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 40000
    assert peak < 30 * 1024 * 1024  # the file is ~8 MB; dedup keys are bounded
