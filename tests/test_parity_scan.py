"""The per-document scan on the Rust core against the Python engine it replaced
(engine/_oracle_scan.py): the same segments through both give the same JSON report
(findings and notices; a report's other fields do not come from the scan).

Inputs: every rule example, every file and transcript fixture under tests/ (through
the real readers), the shared corpus when it is there, small generated dense
transcripts (benchmarks/dense_session.py) and seeded generated shell, markdown,
workflow and source files, whole and with focus lines (a diff's added lines).

The core runs every entry (look-around regexes on its bounded engine, payload
matchers, path globs) and makes the findings itself (messages rendered with minijinja,
fingerprints, approvals, inline directives, dedupe and order): the reports compared
here hold all of that.

Deliberate differences: none are needed on these inputs. Known, and left to inputs these
do not hold:
- a regex that runs past the core's backtrack limit gives "regex timed out (ran past its
  backtracking limit)", where the oracle's 0.25 s timeout said "regex timed out after
  0.25s" (the limit is counted in steps, not seconds: the same text times out on
  every machine);
- a Python str with a lone surrogate reaches the core as U+FFFD, which a rule regex may
  read differently, and its fingerprint hashes U+FFFD;
- the core lower-cases a non-ASCII text as Rust's `str::to_lowercase` does, where
  Python's `str.lower` differs only on a few characters' final forms;
- a message printing a value with a character Python's `str.isprintable` rejects
  inside a list or dict (a `repr`) escapes the common ones only (controls, separators,
  format and private-use characters), not every unassigned code point.
"""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

from vitana_guard.engine import _oracle_scan as oracle
from vitana_guard.engine import scan
from vitana_guard.engine.rules import load_pack
from vitana_guard.model import Notice, ScanResult
from vitana_guard.pipeline import ScanOptions, document_segments
from vitana_guard.report import json_report
from vitana_guard.ruletest import default_path
from vitana_guard.sources import classify
from vitana_guard.sources.files import FileEntry

ROOT = Path(__file__).resolve().parent
CORPUS = Path("/work/shared/corpus")
sys.path.insert(0, str(ROOT.parent / "benchmarks"))

PACK = load_pack()
ALL = scan.Selection()
COMPILED: dict = {}


def compiled(selection: scan.Selection):
    if selection not in COMPILED:
        COMPILED[selection] = scan.compile_pack(PACK, selection)
    return COMPILED[selection]


def report(findings, notices) -> dict:
    data = json_report.to_dict(ScanResult(findings, notices, [], ""))
    return {"findings": data["findings"], "notices": data["notices"]}


def both(items: list, selection: scan.Selection = ALL, focus: frozenset[int] | None = None) -> tuple[dict, dict]:
    """The reports of the oracle's scan and the core's, on the same items."""
    c = compiled(selection)
    old = oracle.DocumentScanner(PACK, c, focus=focus)
    old.feed(items)
    new = scan.DocumentScanner(PACK, c, focus=focus)
    new.feed(items)
    # the gateway steps of each session (the live guard records them)
    sessions = {i.origin.session for i in items if not isinstance(i, Notice) and i.origin.session}
    for session in sorted(sessions):
        assert new.steps(session) == old.steps(session), session
    return report(*old.finish()), report(*new.finish())


def items_of(path: Path, display: str, options: ScanOptions = ScanOptions()) -> list:
    entry = FileEntry(str(path), display, path.stat().st_size)
    return list(document_segments(PACK, entry, options))


def assert_same(items: list, what: str, selection: scan.Selection = ALL, focus=None) -> int:
    old, new = both(items, selection, focus)
    assert new == old, what
    return len(old["findings"])


def test_rule_examples(tmp_path):
    found = 0
    for rule in PACK.rules:
        selection = scan.Selection((rule.id,))
        for i, example in enumerate(rule.examples):
            rel = example.path or default_path(rule)
            path = tmp_path / f"{rule.id}-{i}" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(example.text.encode("utf-8", "surrogatepass"))
            items = items_of(path, rel)
            found += assert_same(items, f"{rule.id} example {i}", selection)
            found += assert_same(items, f"{rule.id} example {i}, every rule")
    assert found > 100  # the examples that should match did, in both


def fixture_files() -> list[Path]:
    out = []
    for base in (ROOT / "fixtures", ROOT / "transcripts" / "fixtures"):
        out += sorted(p for p in base.rglob("*") if p.is_file())
    return out


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_fixtures(path):
    items = items_of(path, str(path.relative_to(ROOT)))
    assert_same(items, str(path))
    segments = [i for i in items if not isinstance(i, Notice)]
    if segments:  # a diff's added lines: every third line of the file
        last = max(s.line + s.text.count("\n") for s in segments)
        assert_same(items, f"{path} focused", focus=frozenset(range(1, last + 1, 3)))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
def test_shared_corpus():
    paths = sorted(p for p in CORPUS.rglob("*") if p.is_file() and ".git" not in p.parts
                   and p.suffix not in (".bundle", ".tsv", ".py"))
    assert paths
    found = 0
    for path in paths:
        found += assert_same(items_of(path, str(path.relative_to(CORPUS))), str(path))
    assert found > 0


def test_dense_transcripts(tmp_path):
    import dense_session

    for seed in (518, 7, 1201):
        path = tmp_path / f"dense-{seed}.jsonl"
        dense_session.generate(str(path), 0.3, seed)
        items = items_of(path, path.name)
        assert len(items) > 300  # read as a transcript: prose, commands, outputs, user turns
        assert_same(items, f"dense session seed {seed}")


def test_generated_files():
    import scan as bench  # benchmarks/scan.py's generators

    rng = random.Random(518)
    found = 0
    for n in range(60):
        ext = rng.choice(sorted(bench.GENERATORS))
        lines = bench.GENERATORS[ext](rng, rng.randint(200, 6000))
        for _ in range(rng.randint(0, 3)):  # the benchmark's violations, more often
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(bench.VIOLATIONS[ext]))
        text = "\n".join(lines) + "\n"
        name = f".github/workflows/deploy-{n}.yml" if ext == ".yaml" and n % 2 else f"gen/{n}{ext}"
        items = list(classify.segments(name, text))
        found += assert_same(items, f"generated {name} (seed 518, #{n})")
        lines = text.count("\n") + 1
        focus = frozenset(rng.sample(range(1, lines + 1), min(lines, 12)))
        assert_same(items, f"generated {name} focused", focus=focus)
    assert found > 0


SHELL_PIECES = [
    "gcloud run deploy api --region us-central1", "g''cloud run deploy x", "$'\\x67cloud' run deploy y",
    "curl -X POST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy -d '{\"service\":\"x\"}'",
    "curl https://vitana-gateway-abc-uc.a.run.app/health", "echo https://old-gateway.run.app/x",
    "git push --force origin main", "bash ./deploy-prod.sh", "bash -n deploy.sh", "gh workflow run deploy.yml",
    "kubectl apply -f x.yaml", "# a comment about deploy", "cat <<EOF\ngcloud run deploy z\nEOF",
    "for i in 1 2; do gcloud run deploy s$i; done", "x=$(gcloud run deploy q)", "echo 'VTID-0518'",
    "terraform apply -auto-approve", "firebase deploy --only hosting", "npm run deploy", "ls -la",
    "echo " + "$(" * 120 + "gcloud run deploy deep" + ")" * 120,  # past the reader's depth: a notice
]


def test_generated_shell():
    rng = random.Random(13)
    found = 0
    for n in range(200):
        lines = [rng.choice(SHELL_PIECES) for _ in range(rng.randint(1, 150))]
        text = "\n".join(lines) + "\n"
        items = list(classify.segments(f"s/{n}.sh", text))
        found += assert_same(items, f"generated shell #{n}")
        if n % 4 == 0:
            total = text.count("\n") + 1
            focus = frozenset(rng.sample(range(1, total + 1), min(5, total)))
            assert_same(items, f"generated shell #{n} focused", focus=focus)
    assert found > 0


def test_a_pickled_pack_scans_alike():
    import pickle

    c = pickle.loads(pickle.dumps(compiled(ALL)))
    items = list(classify.segments("x.sh", "gcloud run deploy api\n"))
    new = scan.DocumentScanner(PACK, c)
    new.feed(items)
    findings, _ = new.finish()
    assert [f.rule_id for f in findings] == [f.rule_id for f in oracle.scan_segments(PACK, items)[0]]
    assert findings


def test_the_core_runs_every_entry():
    """No entry is left to Python: the look-around regexes (VG202's repository names),
    the payload matchers and the rules' path globs run in the core, and agree."""
    from vitana_guard import _core

    assert not hasattr(_core.Scanner, "external_entries")
    text = ("git clone https://github.com/exafyltd/vitana-backend.git\n"
            "curl -X POST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy/service"
            " -d '{\"service\": \"nope\", \"environment\": \"prod\", \"vtid\": \"\"}'\n")
    items = list(classify.segments("ops/run.sh", text))
    old, new = both(items)
    assert new == old
    # VG202: a look-around regex; VG401/VG402: payload field checks; VG302: a payload
    # field check without a VTID
    assert {f["rule_id"] for f in new["findings"]} == {"VG202", "VG302", "VG401", "VG402"}
    assert any("'prod'" in f["message"] for f in new["findings"])  # a payload problem text


GATEWAY = "https://gateway-q74ibpv6ia-uc.a.run.app/api/v1"
PAYLOAD_VALUES = ['"nope"', "0", "false", "null", '[1, "a"]', '{"a": 1}', "1.5", '"False"', '""', '"  "', '"x\'y"',
                  "true", "1e20", '"dev"', '"gateway"', '"AUTO"', '"main"']
DIRECTIVES = ["# vitana-guard: ignore[VG1] staging only", "# vitana-guard: ignore", "# vitana-guard: ignore[VG4, VG3]",
              "# vitana-guard:ignore[VG999]  -->", "echo ok"]


def test_generated_payloads_messages_and_directives():
    """Request bodies with every kind of JSON value (the payload matcher's problem texts
    and the messages quote them as Python does), wrong methods, unknown endpoints, and
    inline directives on the lines around them."""
    rng = random.Random(4242)
    found = 0
    for n in range(150):
        lines = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.3:
                lines.append(rng.choice(DIRECTIVES))
                continue
            endpoint = rng.choice(["deploy/service", "github/safe-merge", "github/create-pr", "nope/x", "cicd/health"])
            fields = rng.sample(["service", "environment", "require_checks", "vtid", "head", "base", "repo"],
                                rng.randint(0, 4))
            body = ", ".join(f'"{f}": {rng.choice(PAYLOAD_VALUES)}' for f in fields)
            body = "{" + body + "}" if rng.random() < 0.9 else "{not json"
            method = rng.choice(["POST", "POST", "GET", "PUT"])
            lines.append(f"curl -X {method} {GATEWAY}/{endpoint} -d '{body}'")
            if rng.random() < 0.2:
                lines.append(f"gcloud run deploy svc{n} --region us-central1")
        text = "\n".join(lines) + "\n"
        items = list(classify.segments(f"p/{n}.sh", text))
        found += assert_same(items, f"payloads #{n}: {text!r}")
    assert found > 100


MENTION_PIECES = [
    "rg old-gateway.run.app", "grep -r 'https://old.run.app' .", "echo https://x-gateway.run.app",
    "echo GATEWAY=https://old.run.app >> .env", "printf '%s' https://a.run.app | tee .env.local",
    "sed -i 's|old.run.app|new.run.app|' .env", "sed -i -e 's#a.run.app#b.run.app#' config.env",
    "sed 's/x.run.app/y.run.app/' notes.md", "git commit -m 'move off https://old.run.app'",
    "git push https://old.run.app/repo.git", "gh pr create --title 'x.run.app' --body=\"see y.run.app\"",
    "gh api --repo acme/legacy", "curl https://old-gateway.run.app/api", 'echo "$(curl https://z.run.app)"',
    "cat <<EOF > .npmrc\nregistry=https://old.run.app\nEOF", "echo héllo wörld https://é.run.app",
    "cp template .env", "dd if=x of=.env", "echo a > b >&2", "echo 'a > .env'", "awk '{print}' f",
    "jq .url data.json", "x=$(echo https://q.run.app)", "ls \\\n  -la", "echo \"unterminated",
]


def test_calls_text_agrees_with_python():
    from vitana_guard import _core
    from vitana_guard.normalize import mentions

    rng = random.Random(99)
    texts = list(MENTION_PIECES)
    for _ in range(3000):
        sep = rng.choice(["\n", " && ", "; ", " | "])
        texts.append(sep.join(rng.choice(MENTION_PIECES) for _ in range(rng.randint(1, 6))))
    changed = 0
    for text in texts:
        want = mentions.calls_text(text)
        assert _core.mentions_calls_text(text) == want, text
        changed += want != text
    assert changed > 1000


URL_PIECES = [
    "https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy", "https://old-gateway.run.app/x", "gw-7.run.app",
    "https://gateway-<hash>-uc.a.run.app", "https://vitana-gateway-<hash>-uc.a.run.app/", "${GATEWAY_URL}/api/v1/cicd",
    "${GW:-https://gateway-x.run.app}", "https://{GATEWAY}/api/v1/", "https://gateway-xxx.a.run.app",
    "https://gateway.example/api/v1/deploy", "https://gateway-q74ibpv6ia-uc.a.run.app@evil.example/api",
    "<code>https://gateway-old.run.app</code>", "https://gateway\\.corp\\.io/x", "wss://gateway.live/socket",
    "HTTPS://GATEWAY-OLD.RUN.APP/X", "https://[::1]:8080/api/v1/x", "http://gateway:3000/api/v1/tasks",
    "gateway-…-uc.a.run.app", "https://gw.run.app${PATH}", "xhttps://glued.example", "(https://gateway-p.run.app).",
    "https://gateway-$ID.run.app/api", "https://gateway-é.run.app/ü", "`https://gateway-q.run.app`,",
    "curl -s", "echo", "rg", "please", "the", "\n", "\n\n", ". ", "'", '"', "<", "{", "$",
]


def test_generated_urls():
    rng = random.Random(2026)
    found = 0
    for n in range(400):
        text = " ".join(rng.choice(URL_PIECES) for _ in range(rng.randint(1, 30)))
        for name in (f"u/{n}.md", f"u/{n}.sh"):
            found += assert_same(list(classify.segments(name, text + "\n")), f"urls {name}: {text!r}")
    assert found > 200
