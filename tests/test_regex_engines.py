"""The pack's regexes run on the core's linear-time engine: it must find what the
`regex` module (the rule language's reference reading) finds, span for span."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from vitana_guard.engine.matchers import RulePattern, _backtracking, patterns_of
from vitana_guard.engine.rules import load_pack

ROOT = Path(__file__).resolve().parents[1]
PACK = load_pack()
PATTERNS = list(dict.fromkeys(p for r in PACK.rules for e in r.entries for p in patterns_of(e.matcher)))
PARAMETER_PATTERNS = [RulePattern(PACK.params[k], False, multi_line=False) for k in ("approval_pattern", "approval_negation")]

WORDS = ("gcloud run deploy", "please click", "Run workflow", "the gateway is down", "403", "CEO", "approved",
         "VTID-0518", "deploy.sh", "https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy/service", "can you",
         "merge the PR", "in the GitHub UI", "Cloud Shell", "exafyltd/vitana-backend", "not", "CTO authorised",
         "ẞtraße", "é", "\u212aelvin", "İ", "—", "\n", "\n\n", ". ", "? ", "- ", "`", "\"", "claude/fix-issue-7")


def texts() -> list[str]:
    out = [ex.text for r in PACK.rules for ex in r.examples]
    for path in sorted((ROOT / "tests").rglob("*")):
        if path.is_file() and path.suffix in {".jsonl", ".json", ".log", ".md", ".sh", ".yml", ".yaml", ".txt"}:
            out.append(path.read_text("utf-8", "replace")[:20000])
    rng = random.Random(518)
    out += [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 40))) for _ in range(400)]
    return out


TEXTS = texts()


@pytest.mark.parametrize("pattern", PATTERNS + PARAMETER_PATTERNS, ids=lambda p: p.pattern[:40])
def test_linear_engine_finds_what_the_regex_module_finds(pattern: RulePattern):
    if pattern.engine != "linear":
        assert pattern.fallback_reason  # runs on the reference engine itself: nothing to compare
        return
    reference = _backtracking(pattern.pattern, pattern.ignore_case, pattern.multi_line)
    for text in TEXTS:
        got = [(m.start(), m.end()) for m in pattern.finditer(text)]
        want = [(m.start(), m.end()) for m in reference.finditer(text)]
        assert got == want, (pattern.pattern[:80], text[:200])


def test_the_pack_leaves_the_linear_engine_only_for_look_around():
    fallbacks = [p for p in PATTERNS + PARAMETER_PATTERNS if p.engine != "linear"]
    assert all("look-around" in p.fallback_reason for p in fallbacks), [p.fallback_reason for p in fallbacks]
    assert len(fallbacks) <= 3, [p.pattern[:60] for p in fallbacks]  # VG202's repository names, VG501's docs entry
