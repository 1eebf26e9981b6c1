"""The scanner's shortcuts (keyword finding, statement selection) give what the plain
way gives: same keywords, same commands, same findings."""
from __future__ import annotations

import pickle

import pytest

from vitana_guard.engine.scan import _KeywordFinder

KEYWORDS = ("", "cloud shell", "deploy", "deploy.sh", "gcloud", "Upper", "/api/v1/cicd/", "clé", "docker")


def plain(text: str) -> frozenset[str]:
    lowered = text.lower()
    return frozenset(k for k in KEYWORDS if k in lowered)


TEXTS = [
    "npm test\n" * 40,
    "GCloud run DEPLOY gateway\n" + "x" * 300,
    "curl https://g/API/v1/cicd/health; ./deploy.sh; Cloud Shell " + "y" * 300,
    "upper and UPPER " * 30,  # a keyword with capitals never matches lowered text
    "do\u212aer push " * 40,  # Kelvin sign: lower() makes it `docker`
    "CLÉ " * 100,
    "gcloud",  # short: substring tests
]


@pytest.mark.parametrize("text", TEXTS)
def test_keyword_finder_agrees_with_substring_tests(text):
    assert _KeywordFinder(KEYWORDS).present(text, text.lower()) == plain(text)


def test_keyword_finder_reads_bytes_that_are_not_utf8():
    finder = _KeywordFinder(KEYWORDS[1:])  # without "", which every text holds
    assert finder.any_in(b"\xff\xfe GCloud run deploy") and not finder.any_in(b"\xff\xfe npm ci")
    assert _KeywordFinder(KEYWORDS).any_in(b"npm ci")


def test_keyword_finder_pickles_as_its_keywords():
    finder = _KeywordFinder(KEYWORDS)
    copy = pickle.loads(pickle.dumps(finder))
    assert copy.keywords == KEYWORDS and copy.present(TEXTS[2], TEXTS[2].lower()) == plain(TEXTS[2])


def long_script(first_line: str) -> str:
    filler = ['echo "step {i}: build the gateway"', "npm ci --prefix services/web", "# deploy notes {i}"]
    lines = [first_line] + [filler[i % 3].format(i=i) for i in range(150)]
    lines[40] = "gcloud run deploy gateway --source ."
    lines[80] = "if true; then\n  docker push gcr.io/x/gw:1\nfi"
    lines[120] = "bash <<EOF\n./scripts/deploy.sh gw\nEOF"
    lines[130] = "echo 'gcloud run deploy\nin quotes' && gcloud builds submit ."
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("first_line", ["#!/bin/bash", "# İstanbul: lower() makes this line longer"])
def test_statement_selection_finds_what_parsing_everything_finds(first_line):
    from vitana_guard.engine import scan as scan_module
    from vitana_guard.engine.rules import load_pack
    from vitana_guard.normalize import shell
    from vitana_guard.sources import classify

    pack = load_pack()
    text = long_script(first_line)
    # longer than the core parses whole (WHOLE_PARSE_BELOW, crates/vitana_core/src/scan/units.rs)
    assert len(text) > 2048 and shell.statements(text) is not None

    def found(text: str) -> list[tuple]:
        findings, _ = scan_module.scan_segments(pack, classify.segments("run.sh", text))
        return [(f.rule_id, f.line, f.column, f.end_line, f.end_column) for f in findings]

    selected = found(text)  # the core parses the statements that hold a keyword
    lines = text.split("\n")
    assert {f[1] for f in selected} == {
        n + 1 for n, line in enumerate(lines) if any(w in line for w in ("deploy gateway", "push", "gw", "submit"))
    }
    # parsing it whole finds the same (the Python engine, which parsed every script whole,
    # was compared here until parity held; now a prefix short enough to be parsed whole)
    prefix = "\n".join(lines[:45]) + "\n"
    assert len(prefix) < 2048
    whole = found(prefix)
    assert whole == [f for f in selected if f[1] <= 45]


def test_repeated_runs_are_reported_where_each_one_is():
    """A run seen before (same text, same rules in play) is not parsed again: its
    hits are moved to where this one is."""
    from vitana_guard.engine import scan as scan_module
    from vitana_guard.engine.rules import load_pack
    from vitana_guard.sources import classify

    pack = load_pack()
    compiled = scan_module.compile_pack(pack, scan_module.Selection())
    bad = "  gcloud run deploy gw --source .  # again"
    text = "\n".join(["echo 'step gateway'", bad, "npm test", bad, "x=1", "", bad] * 60) + "\n"

    def found(path: str) -> list[tuple]:
        scanner = scan_module.DocumentScanner(pack, compiled)
        scanner.feed(classify.segments(path, text))
        return [(f.rule_id, f.line, f.column, f.end_column, f.snippet) for f in scanner.finish()[0]]

    first, again = found("a.sh"), found("b.sh")
    assert first == again
    lines = text.split("\n")
    assert [f[1:4] for f in first] == [(n + 1, 3, 3 + len(bad.split("  #")[0].strip())) for n, line in
                                       enumerate(lines) if line == bad]


def test_compiled_pack_pickles_and_scans_from_its_data():
    from vitana_guard.engine import scan as scan_module
    from vitana_guard.engine.rules import load_pack
    from vitana_guard.sources import classify

    pack = load_pack()
    compiled = scan_module.compile_pack(pack, scan_module.Selection())
    scanner = scan_module.DocumentScanner(pack, compiled)
    scanner.feed(classify.segments("a.sh", "gcloud run deploy gw\n" * 200))
    assert len(scanner.finish()[0]) == 200
    copy = pickle.loads(pickle.dumps(compiled))
    assert copy.keywords == compiled.keywords
    scanner = scan_module.DocumentScanner(load_pack(), copy)  # the core's pack comes back from its data
    scanner.feed(classify.segments("a.sh", "gcloud run deploy gw\n" * 2))
    assert len(scanner.finish()[0]) == 2


SCRIPT_PIECES = [  # whole statements, some over several lines, as scripts hold them
    "gcloud run deploy gw --source .", "docker push gcr.io/x/gw:1", "./scripts/deploy.sh gw", "echo deploy",
    "gcloud auth list", "curl -X POST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy/service -d '{}'",
    "if true; then\n  docker push gcr.io/x/gw:2\nfi", "case $x in\n  a) gcloud run deploy a ;;\n  *) true ;;\nesac",
    "cat <<EOF\ngcloud run deploy quoted\nEOF", "bash <<'X'\n./scripts/deploy.sh inner\nX",
    "echo 'open\ngcloud run deploy in-quotes'", 'echo "two\nlines" && docker push gcr.io/x/gw:3',
    "gcloud run \\\n  deploy svc", "# gcloud run deploy", "git push origin main", "npm ci", "",
]


@pytest.mark.parametrize("seed", range(3))
def test_focused_scan_finds_what_a_whole_scan_finds_on_the_focus_lines(seed):
    """`diff` and `history` scan only the statements at the added lines: on those lines
    they must report exactly what scanning the whole file reports."""
    import random

    from vitana_guard.engine.rules import load_pack
    from vitana_guard.engine.scan import Selection, compile_pack

    pack = load_pack()
    compiled = compile_pack(pack, Selection())
    rnd = random.Random(seed)
    checked = 0
    for _ in range(150):
        text = "\n".join(rnd.choice(SCRIPT_PIECES) for _ in range(rnd.randint(40, 160))) + "\n"
        lines = text.count("\n")
        focus = frozenset(rnd.sample(range(1, lines + 1), rnd.randint(1, 6)))

        whole = _on_focus(_found(pack, compiled, text, None), focus)
        assert _on_focus(_found(pack, compiled, text, focus), focus) == whole, (focus, text)
        checked += bool(whole)
    assert checked > 20  # the focus lines often hold findings


def _found(pack, compiled, text: str, focus: frozenset[int] | None) -> list:
    from vitana_guard.engine.scan import DocumentScanner
    from vitana_guard.sources import classify

    scanner = DocumentScanner(pack, compiled, focus=focus)
    scanner.feed(classify.segments("ship.sh", text))
    return scanner.finish()[0]


def _on_focus(findings: list, focus: frozenset[int]) -> list[tuple]:
    return sorted((f.rule_id, f.line, f.column, f.end_line, f.end_column) for f in findings
                  if any(n in focus for n in range(f.line, max(f.line, f.end_line) + 1)))
