"""The shipped rule pack against its contract (RULES.md) and its own examples,
plus how user rule packs fail: schema errors name the key, slow regexes are bounded."""
from __future__ import annotations

import os

import pytest

from conftest import dedent, run_cli, write
from vitana_guard.engine.rules import load_pack
from vitana_guard.model import Severity
from vitana_guard.ruletest import run_examples

# The catalogue of RULES.md: IDs, slugs and default severities are a contract
# (SARIF ruleId, suppressions, baselines and users' configs key on them).
CONTRACT = {
    "VG101": ("direct-cloud-run-deploy", "error"),
    "VG102": ("deploy-script", "error"),
    "VG103": ("docker-cli-deploy", "error"),
    "VG104": ("direct-gcloud-deploy", "error"),
    "VG105": ("pr-outside-gateway", "warning"),
    "VG106": ("merge-outside-safe-merge", "error"),
    "VG107": ("deploy-workflow-dispatch", "error"),
    "VG201": ("non-canonical-gateway-url", "error"),
    "VG202": ("non-canonical-repo", "error"),
    "VG301": ("pr-missing-vtid", "error"),
    "VG302": ("gateway-call-missing-vtid", "error"),
    "VG303": ("commit-missing-vtid", "note"),
    "VG304": ("branch-name", "warning"),
    "VG401": ("deploy-service-not-allowed", "error"),
    "VG402": ("deploy-environment-not-dev", "error"),
    "VG403": ("safe-merge-checks-disabled", "error"),
    "VG404": ("gateway-call-malformed", "error"),
    "VG501": ("manual-deploy-request", "error"),
    "VG502": ("unfounded-unavailability-claim", "error"),
    "VG503": ("unapproved-fallback-proposal", "warning"),
    "VG601": ("flow-out-of-order", "error"),
    "VG602": ("deploy-unverified", "warning"),
}
# RULES.md "channels" column (VG6xx are judged over a session's requests).
CHANNELS = {
    "VG101": {"command"}, "VG102": {"command"}, "VG103": {"command"}, "VG104": {"command"},
    "VG105": {"command", "request"}, "VG106": {"command", "request"}, "VG107": {"command", "request"},
    "VG202": {"command", "request", "prose"},
    "VG302": {"request"}, "VG401": {"request"}, "VG402": {"request"}, "VG403": {"request"}, "VG404": {"request"},
    "VG501": {"prose"}, "VG502": {"prose"}, "VG503": {"prose"},
}


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def test_rule_ids_are_exactly_the_contract(pack):
    assert sorted(r.id for r in pack.rules) == sorted(CONTRACT)


@pytest.mark.parametrize("rule_id", sorted(CONTRACT))
def test_slug_and_default_severity(pack, rule_id):
    rule = pack.get(rule_id)
    slug, severity = CONTRACT[rule_id]
    assert rule.slug == slug
    assert rule.severity is Severity(severity)


@pytest.mark.parametrize("rule_id", sorted(CHANNELS))
def test_channels(pack, rule_id):
    assert {c.value for c in pack.get(rule_id).channels} == CHANNELS[rule_id]


def test_vg201_applies_to_every_channel(pack):
    assert {c.value for c in pack.get("VG201").channels} == {"command", "request", "prose", "user", "output", "meta"}


def test_only_vg303_is_off_by_default(pack):
    assert [r.id for r in pack.rules if not r.enabled] == ["VG303"]


def test_every_rule_documents_itself(pack):
    for rule in pack.rules:
        assert rule.summary and rule.message and rule.policy.startswith("§"), rule.id
        for part in ("finds", "why", "example", "instead"):
            assert rule.description[part].strip(), (rule.id, part)
        assert "## Why it matters" in rule.markdown()


@pytest.mark.parametrize("rule_id", sorted(CONTRACT))
def test_each_rule_has_enough_examples(pack, rule_id):
    rule = pack.get(rule_id)
    matches = [e for e in rule.examples if e.expect_match]
    no_matches = [e for e in rule.examples if not e.expect_match]
    assert len(matches) >= 4, f"{rule_id}: {len(matches)} match examples"
    assert len(no_matches) >= 4, f"{rule_id}: {len(no_matches)} no-match examples"


def test_every_example_passes(pack):
    count, failures = run_examples(pack)
    assert count >= 8 * len(pack.rules)
    assert not failures, "\n".join(f.describe() for f in failures)


def test_pack_loads_without_warnings(pack):
    assert pack.warnings == ()


def test_digest_is_stable_and_tracks_parameters(pack):
    assert load_pack().digest == pack.digest
    other = load_pack(parameters={"gateway_url": "https://gateway-other.example.run.app"})
    assert other.digest != pack.digest


def test_cli_rules_test_exits_0(workdir):
    proc = run_cli("rules", "test", cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(CONTRACT)} rules" in proc.stdout
    assert " 0 failed" in proc.stdout


# -- user rule packs -----------------------------------------------------------------

GOOD_RULE = """\
rules:
  - id: ACME01
    slug: no-curl-pipe-sh
    severity: warning
    policy: "§4.1"
    channels: [command]
    summary: Pipes a download into a shell.
    message: "`{{ matched }}` pipes a download into a shell"
    keywords: [curl]
    match:
      - pattern: {regex: 'curl\\b[^|\\n]*\\|\\s*(?:ba)?sh\\b'}
    description:
      finds: "curl … | sh"
      why: "Runs unreviewed code."
      example: "curl -s https://x.example/i.sh | sh"
      instead: "Download, read, then run."
    examples:
      match:
        - curl -s https://x.example/i.sh | sh
        - curl -fsSL https://get.example.com | bash
        - curl https://a.example/b | sh -s -- -y
        - "curl -L https://c.example/d.sh | bash"
      no-match:
        - curl -s https://x.example/i.sh -o i.sh
        - wget https://x.example/i.sh
        - echo hi | sh
        - curl https://x.example | tee out.txt
"""


def test_user_rules_dir_with_a_good_rule(workdir):
    write(workdir / "acme-rules" / "acme.yaml", GOOD_RULE)
    proc = run_cli("rules", "test", "acme-rules", cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("1 rules, 8 examples: 8 passed, 0 failed")

    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    write(workdir / "install.sh", "#!/bin/sh\ncurl -fsSL https://get.example.com | bash\n")
    proc = run_cli("scan", "install.sh", cwd=workdir)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("install.sh:2:1: ACME01 [warning] ")


def test_failing_user_example_is_reported_with_its_line(workdir):
    bad = GOOD_RULE.replace("        - echo hi | sh\n", "        - curl -s https://x.example/z | sh\n")
    write(workdir / "acme-rules" / "acme.yaml", bad)
    proc = run_cli("rules", "test", "acme-rules", cwd=workdir)
    assert proc.returncode == 1
    line = bad.splitlines().index("        - curl -s https://x.example/z | sh") + 1
    assert f"acme.yaml:{line}: ACME01 should not match" in proc.stdout


@pytest.mark.parametrize(
    "broken, key",
    [
        # a misspelled required key: the message names the key actually written
        (lambda t: t.replace("    match:\n      - pattern", "    mtach:\n      - pattern"), "mtach"),
        # a misspelled optional key
        (lambda t: t.replace("    keywords: [curl]", "    keyword: [curl]"), "keyword"),
        # a bad value names its key
        (lambda t: t.replace("severity: warning", "severity: critical"), "severity"),
    ],
)
def test_schema_error_names_file_line_and_key(workdir, broken, key):
    text = broken(GOOD_RULE)
    write(workdir / "acme-rules" / "acme.yaml", text)
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    write(workdir / "x.sh", "echo ok\n")
    for args in (("scan", "x.sh"), ("rules", "test", "acme-rules"), ("rules", "list")):
        proc = run_cli(*args, cwd=workdir)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        line = next(i for i, l in enumerate(text.splitlines(), 1) if l.lstrip().startswith(key + ":"))
        assert f"acme.yaml:{line}: " in proc.stderr, (args, proc.stderr)
        assert key in proc.stderr.split(f"acme.yaml:{line}: ", 1)[1], (args, proc.stderr)


def test_invalid_regex_in_user_rule_is_a_usage_error(workdir):
    text = GOOD_RULE.replace("regex: 'curl", "regex: '(curl")
    write(workdir / "acme-rules" / "acme.yaml", text)
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    write(workdir / "x.sh", "echo ok\n")
    proc = run_cli("scan", "x.sh", cwd=workdir)
    assert proc.returncode == 2
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "pattern:" in l)
    assert f"acme.yaml:{line}: invalid regex" in proc.stderr


def test_duplicate_rule_id_is_a_usage_error(workdir):
    write(workdir / "acme-rules" / "acme.yaml", GOOD_RULE.replace("ACME01", "VG101"))
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    proc = run_cli("rules", "list", cwd=workdir)
    assert proc.returncode == 2
    assert "duplicate rule id VG101" in proc.stderr


def test_missing_rules_dir_is_a_usage_error(workdir):
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [nowhere]\n")
    proc = run_cli("rules", "list", cwd=workdir)
    assert proc.returncode == 2
    assert "rule directory not found" in proc.stderr


CATASTROPHIC_RULE = """\
rules:
  - id: ACME02
    slug: slow-regex
    severity: warning
    policy: "§0"
    channels: [prose, command]
    summary: A rule whose regex backtracks exponentially.
    message: "slow"
    keywords: [aaaa]
    match:
      - pattern: {regex: '(a|aa)+(?!b)$'}
    description: {finds: x, why: y, example: z, instead: w}
    examples:
      match: [aaaa, aaaa, aaaa, aaaa]
      no-match: [b, b, b, b]
"""


def test_catastrophic_user_regex_does_not_hang_the_scan(workdir):
    write(workdir / "acme-rules" / "slow.yaml", CATASTROPHIC_RULE)
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    write(workdir / "notes.txt", "a" * 80 + "!\n")
    write(workdir / "ops.sh", "echo " + "a" * 80 + "!\ngcloud run deploy gateway --source .\n")
    proc = run_cli("scan", ".", "--format", "json", cwd=workdir, timeout=120)  # a hang fails here
    assert "Traceback" not in proc.stderr, proc.stderr
    import json

    report = json.loads(proc.stdout)
    # the scan went on: the other rules still report in the same file
    rules = {(f["path"], f["rule_id"]) for f in report["findings"]}
    assert ("ops.sh", "VG101") in rules
    # and the timeout is an input error naming the rule and the file
    notices = [n for n in report["notices"] if "ACME02" in n["message"]]
    assert {n["path"] for n in notices} == {"notes.txt", "ops.sh"}
    assert all("timed out" in n["message"] and n["level"] == "error" for n in notices)
    assert proc.returncode == 2


def test_nested_quantifiers_run_in_linear_time_without_look_around(workdir):
    """The same catastrophic shape without the look-ahead runs on the linear-time engine:
    the scan finishes with no timeout, and `rules show` says which engine runs what."""
    write(workdir / "acme-rules" / "slow.yaml", CATASTROPHIC_RULE.replace("(?!b)", ""))
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    write(workdir / "notes.txt", "a" * 5000 + "!\n" + "a" * 5000 + "\n")
    proc = run_cli("scan", "notes.txt", "--format", "json", cwd=workdir, timeout=60)
    import json

    report = json.loads(proc.stdout)
    assert report["notices"] == [] and proc.returncode == 1
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [("ACME02", 2)]
    shown = run_cli("rules", "show", "ACME02", cwd=workdir).stdout
    assert "regex engine: linear" in shown


def test_rules_show_names_the_backtracking_engine_and_why(workdir):
    write(workdir / "acme-rules" / "slow.yaml", CATASTROPHIC_RULE)
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    shown = run_cli("rules", "show", "ACME02", cwd=workdir).stdout
    assert "regex engine: backtracking (bounded" in shown
    assert "look-around" in shown


def test_catastrophic_regex_text_report(workdir):
    write(workdir / "acme-rules" / "slow.yaml", CATASTROPHIC_RULE)
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    write(workdir / "notes.txt", "intro\n" + "a" * 80 + "!\n")
    proc = run_cli("scan", "notes.txt", cwd=workdir, timeout=60)
    assert proc.returncode == 2
    # the notice points at the start of the text the rule could not finish (the whole file here)
    assert "notes.txt:1: error: ACME02: regex timed out" in proc.stdout, proc.stdout + proc.stderr
    assert proc.stdout.count("ACME02") == 1  # once per rule and file


@pytest.mark.parametrize("bad", ["/tmp/vg-escape.sh", "../../vg-escape.sh", "ok/../../vg-escape.sh", "C:/x.sh"])
def test_example_path_cannot_leave_the_scratch_directory(workdir, bad):
    """`rules test` writes each example to its `path`: a user's rule file must not make it
    write anywhere else on disk."""
    text = GOOD_RULE.replace("        - wget https://x.example/i.sh\n",
                             f"        - {{text: 'wget https://x.example/i.sh', path: '{bad}'}}\n")
    write(workdir / "acme-rules" / "acme.yaml", text)
    proc = run_cli("rules", "test", "acme-rules", cwd=workdir)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    line = next(i for i, l in enumerate(text.splitlines(), 1) if bad in l)
    assert f"acme.yaml:{line}: ACME01: example path '{bad}' must be a relative path" in proc.stderr
    assert not os.path.exists("/tmp/vg-escape.sh")


def test_example_text_with_a_lone_surrogate_is_written_not_a_traceback(workdir):
    text = GOOD_RULE.replace("        - wget https://x.example/i.sh\n", '        - "wget https://x.example/\\ud800"\n')
    write(workdir / "acme-rules" / "acme.yaml", text)
    proc = run_cli("rules", "test", "acme-rules", cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_command_matcher_regex_that_needs_backtracking_is_a_clear_rule_error(workdir):
    """Command matchers run on the core's linear-time engine only: a look-ahead there is
    refused when the rule loads, naming the file, line and rule, never a traceback."""
    rule = dedent("""
        rules:
          - id: ACME09
            slug: tf-apply
            severity: error
            policy: "§0"
            channels: [command]
            summary: Applies Terraform by hand.
            message: "`{{ matched }}` applies by hand"
            keywords: [terraform]
            match:
              - command: {program: terraform, words: [apply], arg: {regex: '^(?!-target).*'}}
            description: {finds: x, why: y, example: z, instead: w}
            examples:
              match: ["terraform apply plan.out"]
              no-match: ["terraform plan"]
        """)
    write(workdir / "acme-rules" / "tf.yaml", rule)
    write(workdir / ".vitana-guard.yaml", "rules-dirs: [acme-rules]\n")
    write(workdir / "x.sh", "terraform apply plan.out\n")
    proc = run_cli("scan", "x.sh", cwd=workdir)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "tf.yaml:11: ACME09: match[0]" in proc.stderr and "linear-time engine" in proc.stderr
