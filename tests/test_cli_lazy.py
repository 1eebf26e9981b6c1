"""What a one-shot command loads: only the code it runs (issue #12, `scan FILE` in
tens of milliseconds). Each property is checked in a fresh process, on the modules it
imported and the git processes it started, never on a timing."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import run_cli

# prints the modules a CLI run imported, as JSON, when the process exits
_PROBE = """
import atexit, json, sys
atexit.register(lambda: print("MODULES=" + json.dumps(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["vitana-guard", *sys.argv[1:]]
from vitana_guard.entry import main
main()
"""

# modules a plain `scan` of a file has no use for, once the compiled pack is cached
NOT_FOR_SCAN = (
    "vitana_guard.commands_git", "vitana_guard.sources.git", "vitana_guard.commands_audit",
    "vitana_guard.commands_hooks", "vitana_guard.baseline", "vitana_guard.audit", "vitana_guard.report.html",
    "vitana_guard.report.sarif", "vitana_guard.report.json_report", "vitana_guard.engine.matchers",
    "vitana_guard.engine.params", "vitana_guard.sources.classify", "regex", "jinja2", "jsonschema", "yaml", "vitana_guard.units", "hashlib", "hmac",
    "importlib.resources", "subprocess",
)


def _modules(args: list[str], cwd: Path, env: dict) -> tuple[subprocess.CompletedProcess, set[str]]:
    p = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=str(cwd), capture_output=True, text=True,
                       env={**os.environ, "NO_COLOR": "1", **env}, timeout=120)
    line = next(line for line in p.stderr.splitlines() if line.startswith("MODULES="))
    return p, set(json.loads(line.removeprefix("MODULES=")))


@pytest.fixture
def cache_env(tmp_path) -> dict:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_scan_of_a_file_imports_only_what_it_runs(tmp_path, cache_env):
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\ngcloud run deploy api --source .\n")
    first, _ = _modules(["scan", str(script)], tmp_path, cache_env)  # compiles the pack into the cache
    assert first.returncode == 1, first.stderr
    p, modules = _modules(["scan", str(script)], tmp_path, cache_env)
    assert p.returncode == 1 and "VG101" in p.stdout  # the same finding, from the cached pack
    assert sorted(m for m in NOT_FOR_SCAN if m in modules) == []
    assert "vitana_guard.report.text" in modules


def test_scan_loads_the_chosen_report_only(tmp_path, cache_env):
    script = tmp_path / "deploy.sh"
    script.write_text("gcloud run deploy api\n")
    _modules(["scan", str(script)], tmp_path, cache_env)
    p, modules = _modules(["scan", "--format", "sarif", str(script)], tmp_path, cache_env)
    assert json.loads(p.stdout)["runs"][0]["results"][0]["ruleId"] == "VG101"
    assert "vitana_guard.report.sarif" in modules
    assert not {"vitana_guard.report.text", "vitana_guard.report.html", "jinja2"} & modules


def test_version_and_help_load_no_command_module(tmp_path, cache_env):
    for args in (["--version"], ["--help"]):
        p, modules = _modules(args, tmp_path, cache_env)
        assert p.returncode == 0, p.stderr
        assert not {m for m in modules if m.startswith("vitana_guard.") and m not in (
            "vitana_guard.cli", "vitana_guard.entry", "vitana_guard.errors", "vitana_guard.hooks")}


def test_help_lists_every_command_with_its_own_short_help():
    """`--help` takes the short help of a command not loaded from LAZY_COMMANDS: each
    entry must read as the command's own help does, at any width."""
    from vitana_guard import cli

    listing = run_cli("--help", cwd=".").stdout
    for name, (module, help_text) in cli.LAZY_COMMANDS.items():
        __import__(module)
        command = cli.main.commands[name]
        for limit in (30, 45, 80, 200):
            assert click.Command(name, help=help_text).get_short_help_str(limit) == command.get_short_help_str(limit)
        assert f"  {name} " in listing
    assert sorted(cli.main.commands) == sorted(cli.main.list_commands(click.Context(cli.main)))
    for name in ("scan", "rules"):
        assert f"  {name} " in listing


def test_an_unknown_command_is_a_usage_error():
    p = run_cli("scna", "x", cwd=".")
    assert p.returncode == 2
    assert "No such command 'scna'" in p.stderr


def test_a_lazy_command_runs_and_shows_its_help(tmp_path):
    p = run_cli("diff", "--help", cwd=tmp_path)
    assert p.returncode == 0 and "--staged" in p.stdout
    p = run_cli("baseline", "write", "--help", cwd=tmp_path)
    assert p.returncode == 0 and "--from-report" in p.stdout


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_pre_commit_diff_starts_few_git_processes_and_no_scan_extras(tmp_path, cache_env):
    """`diff --staged` as the pre-commit hook runs it: one `rev-parse` (top directory and
    HEAD together), one `diff --cached`, one `cat-file --batch` for all staged files."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for i in range(10):
        (repo / f"f{i}.sh").write_text(f"echo {i}\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "init")
    for i in range(10):
        with open(repo / f"f{i}.sh", "a") as f:
            f.write("gcloud run deploy api\n" if i == 3 else f"echo more {i}\n")
    _git(repo, "add", "-A")
    real_git = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    shim = tmp_path / "bin"
    shim.mkdir()
    log = tmp_path / "git-calls.log"
    (shim / "git").write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {real_git} "$@"\n')
    (shim / "git").chmod(stat.S_IRWXU)
    env = {**cache_env, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    _modules(["diff", "--staged"], repo, env)  # compiles the pack into the cache
    log.unlink()
    p, modules = _modules(["diff", "--staged", "--format", "json"], repo, env)
    report = json.loads(p.stdout)
    assert [f["path"] for f in report["findings"]] == ["f3.sh"]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert report["invocation"]["commit"] == head
    calls = log.read_text().splitlines()
    assert len(calls) == 3, calls
    assert not {"vitana_guard.commands_audit", "vitana_guard.commands_hooks", "vitana_guard.report.html",
                "regex", "jinja2", "jsonschema", "yaml"} & modules


def test_diff_in_a_repository_without_commits_reads_the_whole_index(tmp_path, cache_env):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "d.sh").write_text("gcloud run deploy api\n")
    _git(repo, "add", "-A")
    p = run_cli("diff", "--staged", "--format", "json", cwd=repo, env=cache_env)
    report = json.loads(p.stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["VG101"]
    assert report["invocation"]["commit"] is None


def test_the_collector_stays_on_with_a_larger_first_generation(tmp_path, cache_env):
    """The entry point tunes the cyclic collector for a short process (fewer passes, none
    over the frozen objects at exit) but never turns it off: `history` and `audit` run long."""
    probe = _PROBE.replace("sorted(sys.modules)", "[gc.isenabled(), gc.get_threshold()[0]]").replace(
        "import atexit, json, sys", "import atexit, gc, json, sys")
    p = subprocess.run([sys.executable, "-c", probe, "--version"], cwd=str(tmp_path), capture_output=True,
                       text=True, env={**os.environ, **cache_env}, timeout=60)
    line = next(line for line in p.stderr.splitlines() if line.startswith("MODULES="))
    enabled, threshold = json.loads(line.removeprefix("MODULES="))
    assert enabled and threshold >= 10_000
