"""The command line, run as users run it (`python -m vitana_guard`) in scratch directories."""
from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO_FIXTURE, dedent, run_cli, write

DEPLOY = "gcloud run deploy gateway --source .\n"  # VG101, error
PR = "gh pr create --fill\n"  # VG105, warning


def lines_of(proc) -> list[str]:
    return proc.stdout.splitlines()


def headers(proc) -> list[str]:
    """Finding header lines of a text report (no source / caret lines, no summary)."""
    return [l for l in lines_of(proc) if l and not l.startswith(" ") and ": VG" in l]


# -- exit codes ----------------------------------------------------------------------


def test_clean_exits_0(workdir):
    write(workdir / "ok.sh", "#!/bin/sh\necho hello\n")
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "No findings in 1 file.\n"
    assert proc.stderr == ""


def test_findings_exit_1(workdir):
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", ".", cwd=workdir)
    assert proc.returncode == 1
    assert proc.stdout.endswith("Found 1 finding (1 error) in 1 file.\n")


def test_usage_error_exits_2(workdir):
    proc = run_cli("scan", "--format", "yaml", cwd=workdir)
    assert proc.returncode == 2
    assert "yaml" in proc.stderr


def test_fail_on(workdir):
    write(workdir / "pr.sh", PR)
    assert run_cli("scan", cwd=workdir).returncode == 1  # default: warning
    proc = run_cli("scan", "--fail-on", "error", cwd=workdir)
    assert proc.returncode == 0
    assert "VG105 [warning]" in proc.stdout  # still reported
    write(workdir / "ops.sh", DEPLOY)
    assert run_cli("scan", "--fail-on", "error", cwd=workdir).returncode == 1
    assert run_cli("scan", "--fail-on", "note", cwd=workdir).returncode == 1


def test_fail_on_from_config(workdir):
    write(workdir / "pr.sh", PR)
    write(workdir / ".vitana-guard.yaml", "fail-on: error\n")
    assert run_cli("scan", cwd=workdir).returncode == 0
    assert run_cli("scan", "--fail-on", "warning", cwd=workdir).returncode == 1  # the option wins


def test_exit_zero(workdir):
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", "--exit-zero", cwd=workdir)
    assert proc.returncode == 0
    assert "VG101" in proc.stdout
    # input errors still exit 2
    proc = run_cli("scan", "--exit-zero", "ops.sh", "missing.sh", cwd=workdir)
    assert proc.returncode == 2


def test_missing_path_exits_2(workdir):
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", "nope/", "ops.sh", cwd=workdir)
    assert proc.returncode == 2
    assert "nope/: error: No such file or directory" in proc.stdout
    assert "ops.sh:1:1: VG101" in proc.stdout  # the rest is still scanned


# -- selection -----------------------------------------------------------------------


def test_select_and_ignore(workdir):
    write(workdir / "ops.sh", DEPLOY + PR + "curl -s https://gateway-7bq3mm2ncd-uc.a.run.app/api/v1/cicd/health\n")
    rules = lambda proc: [h.split()[1] for h in headers(proc)]  # noqa: E731
    assert rules(run_cli("scan", cwd=workdir)) == ["VG101", "VG105", "VG201"]
    assert rules(run_cli("scan", "--select", "VG1", cwd=workdir)) == ["VG101", "VG105"]
    assert rules(run_cli("scan", "--select", "vg2,VG105", cwd=workdir)) == ["VG105", "VG201"]
    assert rules(run_cli("scan", "--ignore", "VG101", cwd=workdir)) == ["VG105", "VG201"]
    assert rules(run_cli("scan", "--select", "VG1", "--ignore", "VG105", cwd=workdir)) == ["VG101"]
    proc = run_cli("scan", "--ignore", "VG1", "--ignore", "VG2", cwd=workdir)
    assert proc.returncode == 0 and rules(proc) == []


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_id_exits_2_naming_it(workdir, option):
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", option, "VG101,VG999", cwd=workdir)
    assert proc.returncode == 2
    assert proc.stderr == f"vitana-guard: error: {option}: unknown rule ID or prefix 'VG999'\n"
    assert proc.stdout == ""


def test_unknown_rule_id_in_config_names_the_config(workdir):
    write(workdir / "ops.sh", DEPLOY)
    cfg = write(workdir / ".vitana-guard.yaml", "select: [VG1]\nignore: [VG1O1]\n")
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 2
    assert f"{cfg}: unknown rule ID or prefix 'VG1O1'" in proc.stderr


def test_vg303_only_when_selected(workdir):
    write(workdir / ".git" / "COMMIT_EDITMSG", "Fix pagination\n\n# Please enter the commit message\n")
    proc = run_cli("scan", ".git/COMMIT_EDITMSG", cwd=workdir)
    assert proc.returncode == 0
    proc = run_cli("scan", ".git/COMMIT_EDITMSG", "--select", "VG303", "--fail-on", "note", cwd=workdir)
    assert proc.returncode == 1
    assert ".git/COMMIT_EDITMSG:1:1: VG303 [note]" in proc.stdout


# -- text format ---------------------------------------------------------------------


def test_text_format_exactly(workdir):
    write(workdir / "scripts" / "ops.sh", "#!/bin/bash\nset -e\n  gcloud run deploy gateway --source .\n")
    proc = run_cli("scan", cwd=workdir)
    assert proc.stdout == (
        "scripts/ops.sh:3:3: VG101 [error] `gcloud run deploy gateway --source .` deploys to Cloud Run directly; "
        "call POST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy/service with a VTID instead\n"
        "      gcloud run deploy gateway --source .\n"
        "      ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "Found 1 finding (1 error) in 1 file.\n"
    )


def test_text_paths_are_relative_to_the_current_directory(workdir):
    write(workdir / "sub" / "dir" / "ops.sh", DEPLOY)
    proc = run_cli("scan", "sub", cwd=workdir)
    assert headers(proc)[0].startswith("sub/dir/ops.sh:1:1: VG101 [error] ")
    proc = run_cli("scan", ".", cwd=workdir / "sub")
    assert headers(proc)[0].startswith("dir/ops.sh:1:1: VG101 [error] ")


def test_show_suppressed(workdir):
    write(workdir / "ops.sh", "gcloud run deploy gw  # vitana-guard: ignore[VG101] drill\n")
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 0
    assert proc.stdout == "No findings in 1 file; 1 suppressed.\n"
    proc = run_cli("scan", "--show-suppressed", cwd=workdir)
    assert "[suppressed: drill]" in headers(proc)[0]
    proc = run_cli("scan", "--no-ignore", cwd=workdir)
    assert proc.returncode == 1


def test_color(workdir):
    write(workdir / "ops.sh", DEPLOY)
    assert "\x1b[" not in run_cli("scan", cwd=workdir).stdout  # not a terminal
    assert "\x1b[1;31m[error]" in run_cli("scan", "--color", cwd=workdir).stdout


# -- machine formats -----------------------------------------------------------------


@pytest.fixture
def mixed(workdir):
    write(workdir / "ops.sh", DEPLOY + PR)
    write(workdir / "old.sh", "gcloud run deploy x  # vitana-guard: ignore[VG101] kept for history\n")
    return workdir


def test_json_format(mixed):
    proc = run_cli("scan", "--format", "json", cwd=mixed)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["version"] == 1
    assert report["summary"]["findings"] == 2
    assert report["summary"]["suppressed"] == 1
    assert report["summary"]["by_severity"] == {"error": 1, "warning": 1, "note": 0}
    assert report["summary"]["files_scanned"] == 2
    got = [(f["path"], f["line"], f["rule_id"], f["suppressed"]) for f in report["findings"]]
    assert got == [("old.sh", 1, "VG101", True), ("ops.sh", 1, "VG101", False), ("ops.sh", 2, "VG105", False)]
    assert report["findings"][0]["suppression"] == {"kind": "inSource", "justification": "kept for history"}


def test_sarif_format(mixed):
    proc = run_cli("scan", "--format", "sarif", cwd=mixed)
    assert proc.returncode == 1
    log = json.loads(proc.stdout)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "vitana-guard"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"VG101", "VG105"}
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], bool(r.get("suppressions"))) for r in run["results"]}
    assert results == {("VG101", "old.sh", True), ("VG101", "ops.sh", False), ("VG105", "ops.sh", False)}
    levels = {r["ruleId"]: r["level"] for r in run["results"] if not r.get("suppressions")}
    assert levels == {"VG101": "error", "VG105": "warning"}
    assert all(r["partialFingerprints"] for r in run["results"])


def test_sarif_validates_against_the_schema(mixed):
    sarif_kit = pytest.importorskip("sarif_kit")
    proc = run_cli("scan", "--format", "sarif", cwd=mixed)
    assert sarif_kit.validation_errors(json.loads(proc.stdout)) == []


def test_github_format(mixed):
    proc = run_cli("scan", "--format", "github", cwd=mixed)
    assert proc.returncode == 1
    annotations = [l for l in lines_of(proc) if l.startswith("::")]
    assert len(annotations) == 2
    assert annotations[0].startswith("::error file=ops.sh,line=1,col=1,")
    assert "title=VG101 direct-cloud-run-deploy::" in annotations[0]
    assert annotations[1].startswith("::warning file=ops.sh,line=2,col=1,")


def test_junit_format(mixed):
    proc = run_cli("scan", "--format", "junit", cwd=mixed)
    assert proc.returncode == 1
    root = ET.fromstring(proc.stdout)
    assert root.tag == "testsuites"
    failures = root.findall(".//failure")
    assert len(failures) == 2
    assert int(root.get("failures")) == 2


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit", "html"])
def test_output_file(mixed, fmt):
    out = mixed / "reports" / f"report.{fmt}"
    out.parent.mkdir()
    proc = run_cli("scan", "--format", fmt, "--output", str(out), ".", cwd=mixed)
    assert proc.returncode == 1
    assert proc.stdout == ""
    text = out.read_text("utf-8")
    assert "VG101" in text
    if fmt in ("json", "sarif"):
        json.loads(text)
        assert proc.stderr == "Found 2 findings (1 error, 1 warning) in 2 files; 1 suppressed.\n"
    if fmt == "junit":
        ET.fromstring(text)
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<script src" not in text  # one offline file


def test_output_to_an_unwritable_place_exits_2(mixed):
    proc = run_cli("scan", "--format", "json", "--output", str(mixed / "no" / "such" / "dir" / "r.json"), cwd=mixed)
    assert proc.returncode == 2
    assert "cannot write report" in proc.stderr


def test_same_scan_same_bytes(mixed):
    a = json.loads(run_cli("scan", "--format", "json", cwd=mixed).stdout)
    b = json.loads(run_cli("scan", "--format", "json", cwd=mixed).stdout)
    assert a["findings"] == b["findings"] and a["summary"] == b["summary"]


# -- configuration -------------------------------------------------------------------


def test_config_discovered_upward(workdir):
    write(workdir / ".vitana-guard.yaml", "ignore: [VG101]\n")
    write(workdir / "a" / "b" / "ops.sh", DEPLOY + PR)
    for cwd, path in ((workdir, "a/b"), (workdir / "a" / "b", "."), (workdir / "a", "b/ops.sh")):
        proc = run_cli("scan", path, cwd=cwd)
        assert [h.split()[1] for h in headers(proc)] == ["VG105"], (cwd, path, proc.stdout)


def test_config_in_pyproject(workdir):
    write(workdir / "pyproject.toml", '[project]\nname = "svc"\n\n[tool.vitana-guard]\nignore = ["VG105"]\nfail-on = "error"\n')
    write(workdir / "ops.sh", DEPLOY + PR)
    proc = run_cli("scan", cwd=workdir)
    assert [h.split()[1] for h in headers(proc)] == ["VG101"]
    # a pyproject.toml without the table is not a config
    write(workdir / "sub" / "pyproject.toml", '[project]\nname = "sub"\n')
    write(workdir / "sub" / "pr.sh", PR)
    proc = run_cli("scan", ".", cwd=workdir / "sub")
    assert headers(proc) == []  # the parent's pyproject still applies


def test_yaml_config_wins_over_pyproject_in_the_same_directory(workdir):
    write(workdir / "pyproject.toml", '[tool.vitana-guard]\nignore = ["VG105"]\n')
    write(workdir / ".vitana-guard.yaml", "ignore: [VG101]\n")
    write(workdir / "ops.sh", DEPLOY + PR)
    assert [h.split()[1] for h in headers(run_cli("scan", cwd=workdir))] == ["VG105"]


def test_config_discovery_stops_at_the_repository(workdir):
    write(workdir / ".vitana-guard.yaml", "ignore: [VG1]\n")
    repo = workdir / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / "ops.sh", DEPLOY)
    proc = run_cli("scan", "ops.sh", cwd=repo)
    assert "VG101" in proc.stdout


def test_explicit_config(workdir):
    cfg = write(workdir / "ci" / "guard.yaml", "select: [VG105]\n")
    write(workdir / "ops.sh", DEPLOY + PR)
    proc = run_cli("scan", "--config", str(cfg), cwd=workdir)
    assert [h.split()[1] for h in headers(proc)] == ["VG105"]


def test_unknown_config_key_exits_2_with_file_and_line(workdir):
    cfg = write(workdir / ".vitana-guard.yaml", "fail-on: error\n\nselec:\n  - VG1\n")
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"vitana-guard: error: {cfg}:3: unknown key 'selec'")


def test_unknown_pyproject_key_exits_2_with_file_and_line(workdir):
    cfg = write(workdir / "pyproject.toml", '[project]\nname = "x"\n\n[tool.vitana-guard]\nfail-on = "error"\nignor = ["VG101"]\n')
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"vitana-guard: error: {cfg}:6: unknown key 'ignor'")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("fail-on: fatal\n", ":1: 'fail-on' must be error, warning or note"),
        ("select: VG1\n", ":1: 'select' must be a list"),
        ("parameters:\n  gateway: https://x\n", "unknown parameter 'gateway'"),
        ("select: [VG1\n", "invalid YAML"),
        ("- VG1\n", ":1: configuration must be a mapping"),
        # YAML that PyYAML parses but cannot build, or that has no end: once a traceback
        ("parameter-changes:\n  - from: 2020-13-45\n    parameters: {}\n", ":2: invalid YAML: month must be in 1..12"),
        ("select: !!int x\n", ":1: invalid YAML: invalid literal for int()"),
        ("select: &a [*a]\n", ":1: invalid YAML: an alias refers to a value that contains it"),
        ("select: " + "[" * 20000 + "]" * 20000 + "\n", ": invalid YAML: nested too deeply"),
        ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
         + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}' if i > 1 else '*a'] * 10)}]\n" for i in range(1, 7)),
         "invalid YAML: over 100000 values once aliases are expanded"),
    ],
)
def test_bad_config_values_exit_2(workdir, text, expected):
    write(workdir / ".vitana-guard.yaml", text)
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr



@pytest.mark.parametrize(
    "name, text, expected",
    [
        # each once a TypeError, ValueError, OSError or AttributeError traceback with exit 1
        (".vitana-guard.yaml", "rules-dirs: [null]\n", ":1: 'rules-dirs' entries must be strings"),
        (".vitana-guard.yaml", 'rules-dirs: ["a\\0b"]\n', ":1: 'rules-dirs' entry holds a NUL character"),
        (".vitana-guard.yaml", f"rules-dirs: [{'x' * 5000}]\n", "cannot read rule directory: File name too long"),
        (".vitana-guard.yaml", "exclude:\n  - a\n  - [b]\n", ":3: 'exclude' entries must be strings"),
        (".vitana-guard.yaml", "per-path-ignores: {'*.md': {VG1: x}}\n", ":1: 'per-path-ignores' entries must be strings"),
        (".vitana-guard.yaml", "parameter-changes:\n  - from: 2020-01-01 10:00:00\n    parameters: {}\n",
         ":2: 'from' must be a date (YYYY-MM-DD), got the date and time"),
        (".vitana-guard.yaml", "parameters: {gateway_url: 5}\n", "parameter 'gateway_url' must be a string"),
        (".vitana-guard.yaml", "parameters: {gateway_url: 'http://[x'}\n", "parameter 'gateway_url': not a URL"),
        (".vitana-guard.yaml", "parameters: {endpoints: {x: 5}}\n", "endpoint 'x' must be a mapping"),
        (".vitana-guard.yaml", "parameters: {deploy_scripts: [null]}\n", "'deploy_scripts' must be a list of strings"),
        (".vitana-guard.yaml", "parameters: {approval_pattern: '(?<'}\n", "'approval_pattern': invalid regex"),
        ("pyproject.toml", "tool = 5  # not the [tool.vitana-guard] table\n", "[tool.vitana-guard] must be a table"),
        ("pyproject.toml", "[tool.vitana-guard]\nselect = " + "[" * 5000 + "]" * 5000 + "\n", "invalid TOML: nested too deeply"),
        ("pyproject.toml", "[tool.vitana-guard]\nexclude = [{a = 1}]\n", ":2: 'exclude' entries must be strings"),
    ],
)
def test_wrongly_typed_config_values_exit_2(workdir, name, text, expected):
    cfg = write(workdir / name, text)
    write(workdir / "ops.sh", DEPLOY)
    # no pack cache: one built by older code for the same parameters would skip their checks
    proc = run_cli("scan", cwd=workdir, env={"VITANA_GUARD_NO_CACHE": "1"})
    assert (proc.returncode, proc.stderr.count("\n")) == (2, 1), proc.stderr
    assert proc.stderr.startswith("vitana-guard: error: ") and expected in proc.stderr
    assert str(cfg) in proc.stderr or "rule directory" in proc.stderr

def test_config_parameters_and_per_path_ignores(workdir):
    write(
        workdir / ".vitana-guard.yaml",
        dedent(
            """
            parameters:
              gateway_url: https://gateway-other.example.run.app
            per-path-ignores:
              "legacy/**": [VG1]
            """
        ),
    )
    write(workdir / "check.sh", "curl -s https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health\ncurl -s https://gateway-other.example.run.app/api/v1/cicd/health\n")
    write(workdir / "legacy" / "ops.sh", DEPLOY)
    report = json.loads(run_cli("scan", "--format", "json", cwd=workdir).stdout)
    got = [(f["path"], f["line"], f["rule_id"], f["suppressed"]) for f in report["findings"]]
    assert got == [("check.sh", 1, "VG201", False), ("legacy/ops.sh", 1, "VG101", True)]
    assert report["findings"][1]["suppression"]["justification"] == "per-path-ignores: legacy/**"


def test_exclude(workdir):
    write(workdir / "ops.sh", DEPLOY)
    write(workdir / "gen" / "out.sh", DEPLOY)
    proc = run_cli("scan", "--exclude", "gen/", cwd=workdir)
    assert [h.split(":")[0] for h in headers(proc)] == ["ops.sh"]
    assert "1 file skipped (1 excluded)" in proc.stdout


# -- awkward inputs --------------------------------------------------------------------


def test_non_utf8_file_is_a_notice_and_exit_2_but_findings_still_reported(workdir):
    write(workdir / "latin1.sh", "# caf\xe9\n".encode("latin-1") + DEPLOY.encode())
    write(workdir / "ops.sh", PR)
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 2
    assert "latin1.sh:2:1: VG101 [error]" in proc.stdout
    assert "ops.sh:1:1: VG105 [warning]" in proc.stdout
    assert "latin1.sh:1: error: not valid UTF-8 at byte 5; undecodable bytes replaced" in proc.stdout
    report = json.loads(run_cli("scan", "--format", "json", cwd=workdir).stdout)
    assert report["summary"]["input_errors"] == 1
    assert [n["path"] for n in report["notices"]] == ["latin1.sh"]


def test_binary_file_is_skipped_and_counted(workdir):
    write(workdir / "blob.bin", b"\x00\x01gcloud run deploy x\n")
    write(workdir / "ops.sh", "echo ok\n")
    proc = run_cli("scan", cwd=workdir)
    assert proc.returncode == 0
    assert proc.stdout == "No findings in 1 file; 1 file skipped (1 binary).\n"


def test_50_mb_single_line_file(workdir):
    """A big generated one-liner (a data dump) scans without error."""
    import hashlib

    target = 50 * 1000 * 1000
    digest = hashlib.sha256(b"seed").hexdigest()
    item = f'"{digest}",'
    count = (target - len('{"integrity": []}\n')) // len(item)
    body = '{"integrity": [' + (item * count).rstrip(",") + "]}\n"
    write(workdir / "hashes.json", body)
    write(workdir / "ops.sh", DEPLOY)
    proc = run_cli("scan", "--format", "json", cwd=workdir, timeout=600)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["notices"] == []
    assert report["summary"]["files_scanned"] == 2
    assert report["summary"]["bytes_scanned"] == len(body) + len(DEPLOY)
    assert [f["path"] for f in report["findings"]] == ["ops.sh"]


def test_50_mb_single_line_of_prose_finishes(workdir):
    """Rule keywords all over a huge line: the regex budget may run out, but the scan
    finishes, without a traceback, and says which rules were not applied."""
    words = "the gateway service did not deploy; click retry at https://gateway-7bq3mm2ncd-uc.a.run.app/x then "
    text = (words * (50 * 1000 * 1000 // len(words)))[: 50 * 1000 * 1000 - 1] + "\n"
    write(workdir / "huge.txt", text)
    proc = run_cli("scan", "--format", "json", "huge.txt", cwd=workdir, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    errors = [n for n in report["notices"] if n["level"] == "error"]
    assert all("regex timed out" in n["message"] and n["path"] == "huge.txt" for n in errors), errors
    assert proc.returncode == (2 if errors else 1)


def test_too_large_file_is_an_input_error(workdir):
    with open(workdir / "huge.log", "wb") as f:
        f.truncate(50 * 2**20 + 1)  # sparse; the NUL bytes are never read past the limit
    proc = run_cli("scan", "huge.log", cwd=workdir)
    assert proc.returncode == 2  # too large: not read, said so
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loop_does_not_hang(workdir):
    write(workdir / "src" / "ops.sh", DEPLOY)
    os.symlink("..", workdir / "src" / "up")
    os.symlink("loop-b", workdir / "loop-a")
    os.symlink("loop-a", workdir / "loop-b")
    proc = run_cli("scan", ".", cwd=workdir, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.count("VG101") == 1
    assert "symlink loop not followed" in proc.stdout


def test_directory_symlink_is_scanned_once(workdir):
    write(workdir / "real" / "ops.sh", DEPLOY)
    os.symlink("real", workdir / "alias")
    proc = run_cli("scan", "--format", "json", cwd=workdir)
    report = json.loads(proc.stdout)
    assert [f["path"] for f in report["findings"]] == ["real/ops.sh"]


# -- vendored --------------------------------------------------------------------------


def test_node_modules_skipped_and_counted(fixture_repo):
    proc = run_cli("scan", "--format", "json", cwd=fixture_repo)
    report = json.loads(proc.stdout)
    assert report["summary"]["skipped"] == {"vendored": 1}
    assert not any(f["path"].startswith("node_modules/") for f in report["findings"])
    text = run_cli("scan", cwd=fixture_repo).stdout
    assert text.splitlines()[-1].endswith("; 1 file skipped (1 vendored).")


def test_include_vendored_scans_node_modules(fixture_repo):
    report = json.loads(run_cli("scan", "--format", "json", "--include-vendored", cwd=fixture_repo).stdout)
    assert report["summary"]["skipped"] == {}
    vendored = [(f["path"], f["line"], f["rule_id"]) for f in report["findings"] if f["path"].startswith("node_modules/")]
    assert vendored == [("node_modules/cloud-helper/README.md", 4, "VG101")]


def test_vendored_file_named_explicitly_is_scanned(fixture_repo):
    proc = run_cli("scan", "node_modules/cloud-helper/README.md", cwd=fixture_repo)
    assert proc.returncode == 1
    assert "node_modules/cloud-helper/README.md:4:1: VG101" in proc.stdout


# -- the policy itself ---------------------------------------------------------------


def test_policy_text_scans_clean(workdir):
    shutil.copy(REPO_FIXTURE / "docs" / "VTID-0518.md", workdir / "VTID-0518.md")
    for args in (("VTID-0518.md",), ("VTID-0518.md", "--select", "ALL")):
        proc = run_cli("scan", *args, cwd=workdir)
        assert proc.returncode == 0, proc.stdout
        assert proc.stdout == "No findings in 1 file.\n"


def test_policy_text_scans_clean_as_a_pr_body_file(workdir):
    # the same text pasted as a PR description or a docs page elsewhere in the tree
    shutil.copy(REPO_FIXTURE / "docs" / "VTID-0518.md", workdir / "README.md")
    assert run_cli("scan", cwd=workdir).stdout == "No findings in 1 file.\n"


# -- rules subcommands, help, version ------------------------------------------------


def test_rules_list(workdir):
    proc = run_cli("rules", "list", cwd=workdir)
    assert proc.returncode == 0
    rows = proc.stdout.splitlines()
    assert len(rows) == 22
    assert rows[0].split()[:3] == ["VG101", "error", "direct-cloud-run-deploy"]
    (vg303,) = [r for r in rows if r.startswith("VG303")]
    assert vg303.split()[:3] == ["VG303", "note", "commit-missing-vtid"]
    assert vg303.endswith("(off unless selected)")


def test_rules_show(workdir):
    proc = run_cli("rules", "show", "vg101", cwd=workdir)
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith("VG101 direct-cloud-run-deploy [error] — VTID-0518 §2, §4.1\nchannels: command\n")
    for heading in ("## Why it matters", "## Example", "## Instead"):
        assert heading in out
    assert "gcloud run deploy oasis-operator" in out


def test_rules_show_unknown(workdir):
    proc = run_cli("rules", "show", "VG999", cwd=workdir)
    assert proc.returncode == 2
    assert "unknown rule 'VG999'" in proc.stderr


def test_help_and_version(workdir):
    proc = run_cli("--help", cwd=workdir)
    assert proc.returncode == 0
    assert "Usage:" in proc.stdout and "scan" in proc.stdout and "rules" in proc.stdout
    assert "Exit codes: 0 clean, 1 findings" in proc.stdout
    proc = run_cli("scan", "--help", cwd=workdir)
    assert proc.returncode == 0 and "--fail-on" in proc.stdout and "--include-vendored" in proc.stdout
    proc = run_cli("--version", cwd=workdir)
    assert proc.returncode == 0 and proc.stdout.startswith("vitana-guard, version ")


def test_jobs_give_the_same_findings(fixture_repo):
    one = json.loads(run_cli("scan", "--format", "json", "--jobs", "1", cwd=fixture_repo).stdout)
    two = json.loads(run_cli("scan", "--format", "json", "--jobs", "2", cwd=fixture_repo).stdout)
    assert one["findings"] == two["findings"]
    assert one["summary"] == two["summary"]


def _pack_and_options():
    """The default configuration's rule pack and the scan options `scan` makes of it."""
    from vitana_guard import config as configmod
    from vitana_guard import pipeline
    from vitana_guard.cli import _options

    cfg = configmod.load(None)
    pack = pipeline.load_for(cfg)
    return pack, _options(pack, cfg, (), (), None, False)


@pytest.mark.parametrize("min_files, pool", [(500, False), (2, True)])
def test_default_jobs_start_workers_only_for_enough_work(fixture_repo, monkeypatch, min_files, pool):
    """`--jobs 0` (the default) scans a few files on this thread (a pool gains nothing
    there) and a big tree on worker threads (the core's), with the same report."""
    import dataclasses

    from vitana_guard import pipeline

    started = []
    real = pipeline._scan_batch

    def counting(pack, options, entries, threads):
        if threads > 1:
            started.append(threads)
        return real(pack, options, entries, threads)

    monkeypatch.setattr(pipeline, "_scan_batch", counting)
    monkeypatch.setattr(pipeline, "AUTO_MIN_FILES", min_files)
    monkeypatch.setattr(pipeline, "worker_count", lambda jobs: jobs if jobs > 0 else 2)
    pack, defaults = _pack_and_options()

    def findings(jobs: int) -> list:
        options = dataclasses.replace(defaults, jobs=jobs)
        return pipeline.scan_paths([str(fixture_repo)], options, pack, root=str(fixture_repo)).findings

    auto = findings(0)
    assert bool(started) is pool
    assert auto == findings(1) and auto


def test_inputs_are_hashed_only_for_the_reports_that_show_them(fixture_repo, monkeypatch):
    """JSON, SARIF, JUnit and HTML name each input's sha256; a text or GitHub report does
    not, so their scans hash nothing (files in the core's batch and on the Python path
    alike), with the same findings."""
    import dataclasses
    import hashlib

    from vitana_guard import pipeline
    from vitana_guard.report import FORMATS, SHOWS_INPUT_DIGESTS, render

    write(fixture_repo / "session.jsonl", '{"type": "user", "message": {"role": "user", "content": "hi"}}\n')
    hashed = []
    monkeypatch.setattr(pipeline, "sha256_file", lambda path: hashed.append(path) or "0" * 64)
    pack, defaults = _pack_and_options()

    def scan(digests: bool):
        options = dataclasses.replace(defaults, jobs=1, digests=digests)
        return pipeline.scan_paths([str(fixture_repo)], options, pack, root=str(fixture_repo))

    with_digests = scan(True)
    on_python_path = list(hashed)  # the workflow and the transcript
    without = scan(False)
    assert without.findings == with_digests.findings and with_digests.findings
    assert without.inputs == [] and hashed == on_python_path
    assert without.config_digest == with_digests.config_digest  # the same configuration judged
    assert str(fixture_repo / "session.jsonl") in on_python_path
    shown = dict(with_digests.inputs)
    assert len(shown) == with_digests.files_scanned
    script = next(p for p in shown if p.endswith(".sh"))
    digest = hashlib.sha256((fixture_repo / script).read_bytes()).hexdigest()
    assert shown[script] == digest
    for fmt in FORMATS:  # the set names exactly the formats that show a digest
        assert (digest in render(fmt, with_digests)) is (fmt in SHOWS_INPUT_DIGESTS), fmt


def test_the_file_keyword_gate_changes_no_outcome(fixture_repo):
    """A batch gates its files on the pack's keywords; one small file is scanned
    without the gate (building it costs more than classifying the file). Both give the
    same findings and notices for every file, keyword-less, binary and broken ones too."""
    import dataclasses

    from vitana_guard import pipeline
    from vitana_guard.sources import files

    write(fixture_repo / "plain.md", "Nothing here a rule looks for.\n")
    (fixture_repo / "broken.sh").write_bytes(b"echo \xff\xfe\ngcloud run deploy api\n")
    (fixture_repo / "blob.bin").write_bytes(b"\0gcloud run deploy\n")
    pack, defaults = _pack_and_options()
    options = dataclasses.replace(defaults, jobs=1, digests=False)
    entries, _, _ = files.discover([str(fixture_repo)], root=str(fixture_repo))
    core = pipeline.compiled_for(pack, options).core
    jobs = [(e.path, e.display_path, e.size) for e in entries]
    keywords = list(pipeline._prefilter(pack, options, transcripts=False).keywords)
    gated = core.scan_files(jobs, keywords, False, 1, files.MAX_BYTES, False)
    assert gated == core.scan_files(jobs, None, False, 1, files.MAX_BYTES, False)
    assert any(out and out[0] for out in gated) and len(entries) > 5
    one = [e for e in entries if e.display_path == "broken.sh"]
    assert pipeline._scan_batch(pack, options, one, 1) == [gated[entries.index(one[0])]]


def test_published_config_schema_matches_what_the_loader_accepts():
    """Editors check configs against schemas/config.schema.json: it must list exactly the
    keys config.py accepts, and accept the README's example."""
    import importlib.resources
    from pathlib import Path

    import jsonschema
    import yaml

    from vitana_guard import config as configmod

    schema = json.loads(importlib.resources.files("vitana_guard.schemas").joinpath("config.schema.json").read_text())
    assert set(schema["properties"]) == set(configmod.KEYS)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("```yaml\nselect:", 1)[1].split("```", 1)[0]
    as_json = json.loads(json.dumps(yaml.safe_load("select:" + example), default=str))  # what an editor sees
    jsonschema.validate(as_json, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"selct": ["VG1"]}, schema)


def test_rule_pack_cache_keeps_the_recent_entries_only(tmp_path, monkeypatch):
    """Each config change adds a cache entry; the cache does not grow without end."""
    from vitana_guard.engine import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(cache, "KEEP_ENTRIES", 2)
    urls = [f"https://gateway-v{i}-uc.a.run.app" for i in range(4)]
    for url in urls:
        pack = cache.load_pack_cached(parameters={"gateway_url": url})
        assert pack.params["gateway_url"] == url
    assert len(list((tmp_path / "vitana-guard").glob("pack-*.pickle"))) == 2
    assert cache.load_pack_cached(parameters={"gateway_url": urls[-1]}).params["gateway_url"] == urls[-1]
