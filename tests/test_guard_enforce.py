"""The guard as an enforcement point: managed install, flow state from results,
fail-closed paths, isolation from the cwd."""
from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from vitana_guard.hooks import agents, install, managed

GW = "https://gateway-q74ibpv6ia-uc.a.run.app"
CREATE_PR = (f"curl -s -X POST {GW}/api/v1/github/create-pr -H 'Content-Type: application/json' -d "
             "'{\"vtid\": \"VTID-0518\", \"base\": \"main\", \"head\": \"claude/fix-issue-7\", "
             "\"title\": \"fix\", \"body\": \"VTID-0518 fix\"}'")
MERGE_BODY = "'{\"vtid\": \"VTID-0518\", \"repo\": \"exafyltd/vitana-platform\", \"pr_number\": 7, \"require_checks\": true}'"
SAFE_MERGE = f"curl -s -X POST {GW}/api/v1/github/safe-merge -d {MERGE_BODY}"
LOCAL_MERGE = f"curl -X POST http://localhost:9/api/v1/github/safe-merge -d {MERGE_BODY} || true"
DEPLOY = (f"curl -s -X POST {GW}/api/v1/deploy/service -d '{{\"vtid\": \"VTID-0518\", "
          "\"service\": \"gateway\", \"environment\": \"dev\"}'")
OK = {"stdout": '{"ok": true, "pr_number": 7}', "stderr": "", "interrupted": False}


@pytest.fixture(autouse=True)
def private_state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("VITANA_GUARD_FAIL_OPEN", raising=False)


def pre(command: str, session: str = "s", agent: str = "claude", cwd: str = "/", argv=()) -> tuple[int, str, str]:
    payload = {"session_id": session, "tool_name": "Bash", "tool_input": {"command": command}, "cwd": cwd}
    out, err = io.StringIO(), io.StringIO()
    code = agents.main([agent, *argv], io.StringIO(json.dumps(payload)), out, err)
    return code, out.getvalue(), err.getvalue()


def post(command: str, result, session: str = "s", agent: str = "claude") -> int:
    key = "tool_response"
    payload = {"session_id": session, "tool_name": "Bash", "tool_input": {"command": command}, "cwd": "/",
               key: result}
    return agents.main([agent, "--post"], io.StringIO(json.dumps(payload)), io.StringIO(), io.StringIO())


def run(command: str, result=OK, session: str = "s") -> int:
    """What an agent does: the pre hook decides, the call runs, the post hook sees its result."""
    code = pre(command, session)[0]
    if code == 0:
        post(command, result, session)
    return code


# -- flow state from results -------------------------------------------------------------


def test_failed_local_safe_merge_does_not_open_the_deploy():
    assert run(CREATE_PR) == 0
    # the control plane on another host is VG201 before it runs; and were it run anyway
    # (the guard installed mid-session), its result opens nothing
    code, _, reason = pre(LOCAL_MERGE)
    assert code == 2 and "VG201" in reason
    post(LOCAL_MERGE, {"stdout": "", "stderr": "curl: (7) Failed to connect", "interrupted": False})
    code, _, reason = pre(DEPLOY)
    assert code == 2 and "VG601" in reason


def test_local_safe_merge_that_printed_success_still_does_not_count():
    assert run(CREATE_PR, session="x") == 0
    post(LOCAL_MERGE, OK, session="x")  # a fake server on localhost answering ok
    assert pre(DEPLOY, session="x")[0] == 2


def test_canonical_safe_merge_that_succeeded_opens_the_deploy():
    assert run(CREATE_PR, session="y") == 0
    assert run(SAFE_MERGE, session="y") == 0
    assert pre(DEPLOY, session="y")[0] == 0


def test_canonical_safe_merge_that_failed_does_not_count():
    assert run(CREATE_PR, session="z") == 0
    assert run(SAFE_MERGE, {"stdout": '{"ok": false, "error": "checks failing"}', "stderr": ""}, session="z") == 0
    assert pre(DEPLOY, session="z")[0] == 2
    assert run(SAFE_MERGE, {"stdout": "", "stderr": ""}, session="z") == 0  # no answer: no evidence
    assert pre(DEPLOY, session="z")[0] == 2


def test_pre_hook_alone_records_nothing():
    assert pre(CREATE_PR, session="p")[0] == 0
    assert pre(SAFE_MERGE, session="p")[0] == 2  # the create-pr never reported a result


def test_gemini_after_tool_result_shape():
    assert run(CREATE_PR, session="g") == 0
    payload = {"session_id": "g", "tool_name": "run_shell_command", "tool_input": {"command": SAFE_MERGE}, "cwd": "/",
               "tool_response": {"llmContent": 'Output: {"ok": true}', "returnDisplay": "", "error": None}}
    assert agents.main(["gemini", "--post"], io.StringIO(json.dumps(payload)), io.StringIO(), io.StringIO()) == 0
    assert pre(DEPLOY, session="g")[0] == 0


def test_vg602_is_not_raised_live():
    assert run(CREATE_PR, session="v") == 0
    assert run(SAFE_MERGE, session="v") == 0
    code, out, err = pre(DEPLOY, session="v")
    assert code == 0 and "VG602" not in out + err


# -- fail closed ---------------------------------------------------------------------------


def test_deleted_cwd_denies(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    gone.rmdir()
    code, out, err = pre("ls", cwd=str(gone))
    assert code == 2 and "does not exist" in err
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"


SLOW_RULE = """\
rules:
  - id: ACME09
    slug: slow-lookaround
    severity: error
    policy: "§4.1"
    channels: [command]
    summary: A rule whose regex (a back-reference) backtracks without end on some text.
    message: "`{{ matched }}` is slow"
    keywords: [aaaa]
    match:
      - pattern: {regex: '(a|a)+\\1b'}
    description:
      finds: "a run of a before b"
      why: "a test of the guard's time limit"
      example: "aab"
      instead: "nothing"
    examples:
      match: ["echo aaaab"]
      no-match: ["echo aaaa"]
"""


@pytest.mark.parametrize("agent", ["claude", "gemini", "codex"])
def test_regex_timeout_denies(agent, tmp_path):
    # a rule that cannot finish on this text (a back-reference regex past its backtracking
    # budget): the call was not checked completely
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "acme").mkdir()
    (repo / "acme" / "slow.yaml").write_text(SLOW_RULE)
    (repo / ".vitana-guard.yaml").write_text("rules-dirs: [acme]\n")
    code, out, err = pre("echo " + "a" * 60 + "c", agent=agent, cwd=str(repo))
    assert code == 2 and "could not check this call completely" in err and "ACME09: regex timed out" in err, err
    body = json.loads(out)
    assert (body["decision"] if agent == "gemini" else body["hookSpecificOutput"]["permissionDecision"]) == "deny"


def test_depth_limit_denies():
    nested = "echo " + "$(" * 101 + "gcloud run deploy x" + ")" * 101
    code, _, err = pre(nested)
    assert code == 2 and "levels" in err
    evals = "eval " * 101 + "'gcloud run deploy x'"
    assert pre(evals)[0] == 2


def package_copy(tmp_path) -> Path:
    """A copy of the installed package the hook can be pointed at (`--package`)."""
    import shutil

    copy = tmp_path / "pkg" / "vitana_guard"
    shutil.copytree(install.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "_bin"))
    return copy


def test_unreadable_pack_denies(tmp_path):
    copy = package_copy(tmp_path)
    shutil_rules = copy / "rules"
    import shutil

    shutil.rmtree(shutil_rules)
    shutil_rules.write_text("not a directory")
    code, _, err = pre("gcloud run services list", argv=["--package", str(copy)])
    assert code == 2 and "cannot read the rules directory" in err and "Not a directory" in err


def test_failing_pack_compile_denies_with_its_reason(tmp_path):
    failing = tmp_path / "python"
    failing.write_text("#!/bin/sh\necho 'no module named yaml' >&2\nexit 3\n")
    failing.chmod(0o755)
    code, out, err = pre("gcloud run services list", argv=["--python", str(failing)])
    assert code == 2 and "compiling the rule pack failed" in err and "no module named yaml" in err
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"
    code, _, err = pre("gcloud run services list", argv=["--python", str(tmp_path / "missing")])
    assert code == 2 and "cannot run" in err


def test_deadline_denies_before_the_agent_gives_up(tmp_path):
    slow = tmp_path / "python"  # the pack's compile never ends
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    started = time.monotonic()
    code, out, err = pre("gcloud run services list", argv=["--deadline", "0.3", "--python", str(slow)])
    assert code == 2 and "did not finish within 0.3s" in err
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert time.monotonic() - started < 3


def test_cached_clean_call_starts_no_interpreter(tmp_path):
    """Once the pack is compiled, a clean call runs the executable alone: no python on
    PATH and an unusable --python change nothing (a call that needs the pack's scan too)."""
    exe = str(install.ensure_executable())
    payload = lambda cmd: json.dumps({"session_id": "n", "tool_name": "Bash",  # noqa: E731
                                      "tool_input": {"command": cmd}, "cwd": "/"})
    base = [exe, "claude", "--package", str(install.PACKAGE_DIR)]
    warm = subprocess.run(base + ["--python", sys.executable], input=payload("gcloud run deploy x"),
                          capture_output=True, text=True, timeout=120)
    assert warm.returncode == 2 and "VG101" in warm.stderr
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(tmp_path)  # no interpreter to be found
    for cmd, code in (("ls -la", 0), ("gcloud run deploy x", 2)):
        proc = subprocess.run(base + ["--python", str(tmp_path / "no-python")], input=payload(cmd),
                              capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == code, proc.stderr
    assert "VG101" in proc.stderr


def test_installed_command_never_imports_from_the_cwd(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    marker = tmp_path / "shadowed"
    # a stdlib-shadowing module in the project: imported, it would allow everything
    for name in ("json.py", "shlex.py", "dataclasses.py"):
        (project / name).write_text(f"import os, sys\nopen({str(marker)!r}, 'w').close()\nos._exit(0)\n")
    command = install.default_command("claude")
    assert shlex.split(command)[0] == str(install.executable_path())  # no interpreter runs the hook
    payload = json.dumps({"session_id": "iso", "tool_name": "Bash", "tool_input": {"command": "gcloud run deploy x"},
                          "cwd": str(project)})
    env = dict(os.environ)
    proc = subprocess.run(command, shell=True, input=payload, capture_output=True, text=True, cwd=project, env=env,
                          timeout=120)
    assert not marker.exists()
    assert proc.returncode == 2 and "VG101" in proc.stderr


# -- installer ----------------------------------------------------------------------------


@pytest.mark.parametrize("agent", ["claude", "gemini", "codex"])
def test_install_sets_timeout_deadline_post_hook_and_mcp_matcher(agent):
    pre_event, post_event = install.events(agent)
    data = install.with_hook({}, agent, install.default_command(agent))
    (pre_group,) = data["hooks"][pre_event]
    (post_group,) = data["hooks"][post_event]
    timeout = pre_group["hooks"][0]["timeout"]
    seconds = timeout / 1000 if agent == "gemini" else timeout
    command = pre_group["hooks"][0]["command"]
    deadline = float(shlex.split(command)[shlex.split(command).index("--deadline") + 1])
    assert deadline <= seconds - 5  # room to spare
    assert "--post" in post_group["hooks"][0]["command"]
    # Claude Code blocks the call itself when the hook cannot answer (onFailure, 2.1.295+)
    assert pre_group["hooks"][0].get("onFailure") == ("block" if agent == "claude" else None)
    import re

    assert re.fullmatch(pre_group["matcher"], "mcp__shell__run" if agent != "gemini" else "shell__run")


def test_managed_install_in_a_temp_root(tmp_path):
    written = managed.install_managed(["claude", "gemini", "codex"], tmp_path)
    claude = json.loads((tmp_path / "etc/claude-code/managed-settings.json").read_text())
    assert claude["allowManagedHooksOnly"] is True
    assert install.installed(claude, "claude", "PreToolUse") and install.installed(claude, "claude", "PostToolUse")
    gemini = json.loads((tmp_path / "etc/gemini-cli/settings.json").read_text())
    assert install.installed(gemini, "gemini", "BeforeTool") and install.installed(gemini, "gemini", "AfterTool")
    codex = tomllib.loads((tmp_path / "etc/codex/requirements.toml").read_text())
    assert codex["allow_managed_hooks_only"] is True
    assert "vitana-guard-hook codex" in codex["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    script = tmp_path / managed.PREFIX / managed.EXECUTABLE
    assert script in written
    for p in [script, *(tmp_path / managed.PREFIX).rglob("*.py"), *(tmp_path / managed.PREFIX).rglob("*.yaml"),
              tmp_path / "etc/claude-code/managed-settings.json"]:
        st = p.stat()
        assert st.st_uid == 0 and not st.st_mode & 0o022, p  # root-owned, nobody else writes
    assert os.access(script, os.X_OK)
    # the executable runs the root-owned copy, not the package it was installed from
    payload = json.dumps({"session_id": "m", "tool_name": "Bash",
                          "tool_input": {"command": "python -c 'import vitana_guard'; gcloud run deploy api"},
                          "cwd": str(tmp_path)})
    command = claude["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    assert shlex.split(command)[0] == str(script) and f"--package {tmp_path / managed.PREFIX}/lib/vitana_guard" in command
    proc = subprocess.run(shlex.split(command), input=payload, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 2 and "VG101" in proc.stderr
    probe = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / managed.PREFIX / 'lib')!r});"
                            "import vitana_guard, vitana_guard.rules; print(vitana_guard.__file__, vitana_guard.rules.__path__[0])"],
                           capture_output=True, text=True, timeout=60)
    assert all(part.startswith(str(tmp_path)) for part in probe.stdout.split()), probe.stdout
    # idempotent for codex's TOML, and a re-install keeps one entry per event
    managed.install_managed(["claude", "codex"], tmp_path)
    claude = json.loads((tmp_path / "etc/claude-code/managed-settings.json").read_text())
    assert len(claude["hooks"]["PreToolUse"]) == 1
    assert (tmp_path / "etc/codex/requirements.toml").read_text().count("[[hooks.PreToolUse]]") == 1


def test_managed_install_refuses_foreign_codex_hooks(tmp_path):
    target = tmp_path / "etc/codex/requirements.toml"
    target.parent.mkdir(parents=True)
    target.write_text('[[hooks.PreToolUse]]\nmatcher = "x"\n')
    with pytest.raises(managed.ManagedError):
        managed.install_managed(["codex"], tmp_path)
    assert target.read_text() == '[[hooks.PreToolUse]]\nmatcher = "x"\n'


def test_managed_cli_needs_root_or_a_root_dir(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "vitana_guard", "hook", "install", "claude", "--managed", "--root",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "etc/claude-code/managed-settings.json").is_file()
