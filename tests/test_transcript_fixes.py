"""What the transcript readers (the Rust core, behind vitana_guard.transcripts.read) do on
purpose where the Python readers they replaced did otherwise (a JSON value in Rust cannot
hold what Python's can). The differential test against those readers held (25 of 25 passed)
before they were deleted; these are its deliberate differences, kept as behaviour."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from vitana_guard import transcripts
from vitana_guard.model import Segment
from vitana_guard.transcripts.prefilter import Prefilter

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ["gcloud", "deploy", "push", "main", "curl", "approval", "gateway", "terraform", "vtid"]


def _codex_output(tmp_path, output_json: str) -> list:
    call = {"timestamp": "t", "type": "response_item", "payload": {"type": "function_call", "name": "shell",
                                                                  "arguments": json.dumps({"command": "ls"}), "call_id": "c1"}}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(call) + "\n" + '{"timestamp": "t", "type": "response_item", "payload": '
                    '{"type": "function_call_output", "call_id": "c1", "output": ' + output_json + "}}\n")
    return [s.text for s in transcripts.read(str(path), "r.jsonl", "codex")
            if isinstance(s, Segment) and s.channel.value == "output"]


def test_lone_surrogate_reads_as_replacement_character(tmp_path):
    assert _codex_output(tmp_path, '"bad \\ud800 text"') == ["bad \ufffd text"]


def test_nan_and_infinity_read_as_null(tmp_path):
    assert _codex_output(tmp_path, '{"a": NaN, "b": -Infinity, "c": 1e999}') == ['{"a": null, "b": null, "c": null}']


def test_huge_integers_read_as_floats(tmp_path):
    out = _codex_output(tmp_path, '{"n": 123456789012345678901234567890, "m": -0, "f": 1.5e-7}')
    assert out == ['{"n": 1.2345678901234568e+29, "m": 0, "f": 1.5e-07}']
    out = _codex_output(tmp_path, '{"n": 123456789012345678901234567890, "s": "\\ud800"}')
    assert out == ['{"n": 1.2345678901234568e+29, "s": "\ufffd"}']


def test_jobs_do_not_change_the_stream(tmp_path):
    path = tmp_path / "dense.jsonl"
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import dense_session

    dense_session.generate(str(path), 0.5)
    one = list(transcripts.read(str(path), "d.jsonl", "claude", prefilter=Prefilter(KEYWORDS)))
    assert one and list(transcripts.read(str(path), "d.jsonl", "claude", prefilter=Prefilter(KEYWORDS, jobs=4))) == one


def test_non_string_leaf_uuid_is_no_record_id(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"type": "summary", "summary": "deployed", "leafUuid": 7}\n')
    (segment,) = transcripts.read(str(path), "s.jsonl", "claude")
    assert segment.origin.record_id is None
