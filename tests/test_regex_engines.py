"""The pack's regexes run on the core's engines (linear-time, or bounded backtracking for
look-around): they must find what the `regex` module (the rule language's reference
reading) finds, span for span."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from vitana_guard._core import Regex
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
def test_the_core_finds_what_the_regex_module_finds(pattern: RulePattern):
    core = Regex(pattern.pattern, pattern.ignore_case, pattern.multi_line)
    assert core.engine == pattern.engine
    reference = _backtracking(pattern.pattern, pattern.ignore_case, pattern.multi_line)
    for text in TEXTS:
        got = core.find_all(text)
        want = [(m.start(), m.end()) for m in reference.finditer(text)]
        assert got == want, (pattern.pattern[:80], text[:200])


def test_the_pack_leaves_the_linear_engine_only_for_look_around():
    fallbacks = [p for p in PATTERNS + PARAMETER_PATTERNS if p.engine != "linear"]
    assert all(p.engine == "backtracking (bounded)" for p in fallbacks)
    assert all("look-around" in p.fallback_reason for p in fallbacks), [p.fallback_reason for p in fallbacks]
    # VG202's repository names (two); VG501's docs entry reads its look-behind as an
    # `unless_before` and runs on the linear engine
    assert len(fallbacks) == 2, [p.pattern[:60] for p in fallbacks]


def test_a_regex_neither_engine_runs_is_a_rule_error(tmp_path):
    """The `regex` module reads `(?<=a+)b` (variable-length look-behind); the core's
    bounded engine does not: the rule file is refused, naming where."""
    import subprocess
    import sys

    rule = tmp_path / "rules" / "x.yaml"
    rule.parent.mkdir()
    rule.write_text("""rules:
  - id: VG901
    slug: odd-regex
    severity: warning
    policy: "§1"
    channels: [prose]
    summary: An odd regex.
    message: "odd"
    match:
      - pattern: {regex: '(?:deploy){e<=1}'}
    description:
      finds: "x"
      why: "x"
      example: "x"
      instead: "x"
    examples:
      match: ["deploy"]
      no-match: ["x"]
""")
    proc = subprocess.run([sys.executable, "-m", "vitana_guard", "rules", "test", str(rule.parent)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "x.yaml" in proc.stderr and "cannot run on the core" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
