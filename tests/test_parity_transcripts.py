"""Parity of the transcript readers: the Python oracle (vitana_guard/transcripts/_oracle) and
the Rust readers (`_core.TranscriptReader`, behind vitana_guard.transcripts.read) must yield
the same Segments and Notices, in the same order, on:
- every transcript fixture under tests/ (issue 15's included) and the shared corpus's;
- every transcript the reader tests write (recorded by running them, see _transcript_recorder.py);
- generated sessions: benchmarks/dense_session.py's Claude logs and tests/transcript_shapes.py's
  seeded sessions of every format, with broken lines, escapes, surrogates and huge lines;
each read with and without the keyword prefilter, with the format detected and forced.

Deliberate differences (a JSON value in Rust cannot hold what Python's can), each asserted below:
1. a lone surrogate escape (`"\\ud800"`) reads as U+FFFD (Python keeps the lone surrogate, which
   no UTF-8 output can carry anyway); the comparison maps Python's to U+FFFD;
2. `NaN`, `Infinity`, `-Infinity` and numbers beyond f64's range read as null (Python: float);
3. an integer beyond 64 bits in a record only CPython's `json` reads (one that also holds a lone
   surrogate, NaN or invalid UTF-8, which orjson rejects) reads as the nearest float, as orjson
   reads it in every other record (Python: the exact int there);
4. `jobs` (processes sharing one big file) is ignored: the Rust reader reads a file in one pass;
5. `str()` of a list or an object (only compared for equality, when OpenAI request lines are
   matched with the history) is JSON text rather than Python's repr;
6. `isprintable()` (a Codex `write_stdin` of control keys only) treats unassigned code points as
   printable;
7. a Claude summary's non-string `leafUuid` is no record id (Python passes the value through);
8. a record with invalid UTF-8 *and* nesting deeper than 1024 levels: Python's message depends
   on its interpreter's recursion limit; Rust says "JSON nested too deeply" at 1025 levels.
"""
from __future__ import annotations

import dataclasses
import glob
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vitana_guard import transcripts as rust
from vitana_guard.model import Segment
from vitana_guard.transcripts import _oracle as oracle
from vitana_guard.transcripts.prefilter import Prefilter

sys.path.insert(0, str(Path(__file__).parent))
import transcript_shapes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/work/shared/corpus/scan/transcripts")
KEYWORDS = ["gcloud", "deploy", "push", "main", "curl", "approval", "gateway", "terraform", "vtid"]
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _norm(x):
    """Python's values as Rust gives them (difference 1)."""
    if isinstance(x, str):
        return LONE_SURROGATE.sub("\ufffd", x)
    if dataclasses.is_dataclass(x):
        return dataclasses.replace(x, **{f.name: _norm(getattr(x, f.name)) for f in dataclasses.fields(x)})
    return x


def _first_difference(a: list, b: list) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"item {i}:\n  python: {x!r}\n  rust:   {y!r}"
    return f"lengths {len(a)} vs {len(b)}; extra: {(a[len(b):] or b[len(a):])[:2]!r}"


def assert_same(path: str, display_path: str, fmt: str | None, keywords: list[str] | None) -> int:
    pf = Prefilter(keywords) if keywords is not None else None
    want = [_norm(i) for i in oracle.read(path, display_path, fmt, prefilter=pf)]
    got = list(rust.read(path, display_path, fmt, prefilter=pf))
    assert got == want, f"{display_path} (format {fmt}, keywords {keywords is not None}): {_first_difference(want, got)}"
    return len(got)


def assert_same_detection(path: str) -> str | None:
    with open(path, "rb") as f:
        head = f.read(rust.HEAD_BYTES)
    assert rust.detect(path, head) == oracle.detect(path, head), path
    return rust.detect(path, head)


def _all_ways(path: str, display_path: str) -> int:
    fmt = assert_same_detection(path)
    n = 0
    for keywords in (None, KEYWORDS):
        n += assert_same(path, display_path, None, keywords)
        if fmt is not None:
            n += assert_same(path, display_path, fmt, keywords)
    return n


def _fixture_files() -> list[str]:
    files = glob.glob(str(ROOT / "tests/transcripts/fixtures/**/*"), recursive=True)
    if CORPUS.is_dir():
        files += glob.glob(str(CORPUS / "**/*"), recursive=True)
    return sorted(f for f in files if os.path.isfile(f))


def test_fixtures_read_the_same():
    files = _fixture_files()
    assert any("issue15" in f for f in files)
    total = sum(_all_ways(f, os.path.relpath(f, ROOT)) for f in files)
    assert total > 500


def test_inputs_of_the_reader_tests_read_the_same(tmp_path):
    """Every transcript tests/transcripts/ writes, read as those tests read it."""
    env = dict(os.environ, VG_RECORD_TRANSCRIPTS=str(tmp_path), PYTHONPATH=str(ROOT / "tests"))
    run = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "tests/transcripts"), "-q", "-x",
                          "-p", "_transcript_recorder", "-p", "no:cacheprovider"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:]
    cases = sorted(tmp_path.glob("*/case.json"))
    assert len(cases) > 100
    compared = 0
    for case in cases:
        c = json.loads(case.read_text())
        if c["max_record_bytes"] is not None:
            continue  # the oracle's cap is fixed at 64 MiB
        assert_same(c["path"], c["display_path"], c["fmt"], c["keywords"])
        assert_same(c["path"], c["display_path"], c["fmt"], None if c["keywords"] else KEYWORDS)
        compared += 1
    assert compared > 100


def test_dense_sessions_read_the_same(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import dense_session

    for seed in (1, 518):
        path = tmp_path / f"dense-{seed}.jsonl"
        dense_session.generate(str(path), 1.5, seed=seed)
        for keywords in (None, KEYWORDS, ["gcloud"]):
            assert assert_same(str(path), path.name, "claude", keywords) > 0


# where logs live: names and folders the readers and detection look at
PLACES = ["{name}", ".claude/projects/-srv-app/5b0e9c3a-77d1-4f0e-9a21-6c4d2e8f1a30.jsonl",
          ".claude/projects/-srv-app/5b0e9c3a-77d1-4f0e-9a21-6c4d2e8f1a30/subagents/agent-a1b2.jsonl",
          "proj/agent-7f3e.jsonl", ".codex/sessions/2026/11/04/rollout-2026-11-04T09-00-00-x.jsonl",
          ".gemini/tmp/ab12/chats/session-2026-11-04T09-00-c0ffee12.jsonl",
          ".gemini/tmp/ab12/chats/parent-session/child.jsonl", "logs/ci.log", "notes.txt"]


@pytest.mark.parametrize("kind", sorted(transcript_shapes.FORMATS))
def test_generated_sessions_read_the_same(tmp_path, kind):
    for seed in range(300):
        rng = random.Random(f"{kind}-{seed}")
        name, data = transcript_shapes.generate(kind, rng)
        place = rng.choice(PLACES).format(name=name)
        path = tmp_path / str(seed) / place
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        _all_ways(str(path), place if rng.random() < 0.8 else str(path))


def test_generated_huge_lines_and_deep_records_read_the_same(tmp_path):
    big = "x" * (9 << 20)  # longer than a block: carried over to the next one
    lines = [json.dumps({"type": "user", "uuid": "u1", "sessionId": "s", "message": {"role": "user", "content": "deploy " + big}}),
             "[" * 5000 + "]" * 5000,
             json.dumps({"type": "assistant", "uuid": "u2", "message": {"role": "assistant", "content": [
                 {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "gcloud run deploy x"}}]}}),
             json.dumps({"type": "user", "uuid": "u3", "message": {"role": "user", "content": [
                 {"type": "tool_result", "tool_use_id": "t1", "is_error": True, "content": "Exit code 1"}]}})]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines))  # no newline at the end
    for keywords in (None, KEYWORDS):
        assert_same(str(path), "big.jsonl", "claude", keywords)


# --- the deliberate differences ---------------------------------------------------------------


def _codex_output(tmp_path, output_json: str) -> tuple[list, list]:
    call = {"timestamp": "t", "type": "response_item", "payload": {"type": "function_call", "name": "shell",
                                                                  "arguments": json.dumps({"command": "ls"}), "call_id": "c1"}}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(call) + "\n" + '{"timestamp": "t", "type": "response_item", "payload": '
                    '{"type": "function_call_output", "call_id": "c1", "output": ' + output_json + "}}\n")
    out = lambda items: [s.text for s in items if isinstance(s, Segment) and s.channel.value == "output"]  # noqa: E731
    return out(oracle.read(str(path), "r.jsonl", "codex")), out(rust.read(str(path), "r.jsonl", "codex"))


def test_difference_1_lone_surrogate_reads_as_replacement_character(tmp_path):
    py, rs = _codex_output(tmp_path, '"bad \\ud800 text"')
    assert py == ["bad \ud800 text"] and rs == ["bad \ufffd text"]


def test_difference_2_nan_and_infinity_read_as_null(tmp_path):
    py, rs = _codex_output(tmp_path, '{"a": NaN, "b": -Infinity, "c": 1e999}')
    assert py == ['{"a": NaN, "b": -Infinity, "c": Infinity}'] and rs == ['{"a": null, "b": null, "c": null}']


def test_huge_integers_read_as_floats_in_both(tmp_path):
    """Not a difference: orjson, the Python readers' first parser, reads them as floats too."""
    py, rs = _codex_output(tmp_path, '{"n": 123456789012345678901234567890, "m": -0, "f": 1.5e-7}')
    assert py == rs == ['{"n": 1.2345678901234568e+29, "m": 0, "f": 1.5e-07}']


def test_difference_3_huge_integer_in_a_record_only_the_stdlib_reads(tmp_path):
    py, rs = _codex_output(tmp_path, '{"n": 123456789012345678901234567890, "s": "\\ud800"}')
    assert py == ['{"n": 123456789012345678901234567890, "s": "\ud800"}']
    assert rs == ['{"n": 1.2345678901234568e+29, "s": "\ufffd"}']


def test_difference_4_jobs_do_not_change_the_stream(tmp_path):
    path = tmp_path / "dense.jsonl"
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import dense_session

    dense_session.generate(str(path), 0.5)
    one = list(rust.read(str(path), "d.jsonl", "claude", prefilter=Prefilter(KEYWORDS)))
    assert list(rust.read(str(path), "d.jsonl", "claude", prefilter=Prefilter(KEYWORDS, jobs=4))) == one


def test_difference_7_non_string_leaf_uuid_is_no_record_id(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"type": "summary", "summary": "deployed", "leafUuid": 7}\n')
    (py,) = oracle.read(str(path), "s.jsonl", "claude")
    (rs,) = rust.read(str(path), "s.jsonl", "claude")
    assert py.origin.record_id == 7 and rs.origin.record_id is None


def test_mutated_records_are_reported_the_same(tmp_path):
    """Broken JSON in every way one edit can break it: the same Notices, word for word
    (CPython's error messages and positions, and orjson's for depth and bad UTF-8)."""
    rng = random.Random(15)
    base = json.dumps({"role": "user", "content": "d\u00e9ploy \u2603 \U0001f600", "n": [1, -2.5e3, True, None],
                       "o": {"k": "v\\\"x"}}, ensure_ascii=False).encode()
    alphabet = [b"{", b"}", b"[", b"]", b'"', b",", b":", b"\\", b"u", b"0", b"-", b".", b"e", b" ", b"\n", b"\t", b"x",
                b"\x01", b"\xff", b"\xe2\x98", b"N", b"I", b"t", b"n", b"\\ud83d", b"\\u12"]
    lines = []
    for _ in range(3000):
        raw = bytearray(base)
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(raw) + 1)
            op = rng.random()
            if op < 0.4 and raw:
                del raw[i:i + rng.randrange(1, 4)]
            elif op < 0.8:
                raw[i:i] = rng.choice(alphabet)
            else:
                raw[i:i + 1] = rng.choice(alphabet)
        lines.append(bytes(raw).replace(b"\n", b" "))
    path = tmp_path / "m.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert assert_same(str(path), "m.jsonl", "openai", None) > 1000
    assert_same(str(path), "m.jsonl", "openai", KEYWORDS)


@pytest.mark.parametrize("fmt", [None, "claude", "codex", "gemini", "openai", "text", "nonsense"])
def test_unreadable_paths_are_reported_the_same(tmp_path, fmt):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(b"\x00\x01\x02 not a transcript")
    for name in ("missing.jsonl", ".", "empty.jsonl", "binary.bin"):
        path = str(tmp_path / name)
        assert_same(path, name, fmt, None)
        assert_same(path, name, fmt, KEYWORDS)
