"""Live pre-tool hooks: contracts per agent, flow state, fail-closed, installer."""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from vitana_guard import _core
from vitana_guard.hooks import install

GW = "https://gateway-q74ibpv6ia-uc.a.run.app"
CREATE_PR = (f"curl -s -X POST {GW}/api/v1/github/create-pr -H 'Content-Type: application/json' -d "
             "'{\"vtid\": \"VTID-0518\", \"base\": \"main\", \"head\": \"claude/fix-issue-1\", "
             "\"title\": \"t\", \"body\": \"VTID-0518 t\"}'")
SAFE_MERGE = (f"curl -s -X POST {GW}/api/v1/github/safe-merge -d '{{\"vtid\": \"VTID-0518\", "
              "\"repo\": \"exafyltd/vitana-platform\", \"pr_number\": 4, \"require_checks\": true}'")
DEPLOY = (f"curl -s -X POST {GW}/api/v1/deploy/service -d '{{\"vtid\": \"VTID-0518\", "
          "\"service\": \"gateway\", \"environment\": \"dev\"}'")
HEALTH = f"curl -s {GW}/api/v1/cicd/health"
FORBIDDEN = {
    "sh -c 'gcloud run deploy x'": "VG101",
    "env X=1 ./deploy.sh": "VG102",
    "gh pr merge 3": "VG106",
    "docker push x": "VG103",
}


@pytest.fixture
def plain_env(tmp_path):
    e = dict(os.environ)
    for k in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "HOME"):
        (tmp_path / k).mkdir()
        e[k] = str(tmp_path / k)
    e.pop("VITANA_GUARD_FAIL_OPEN", None)
    return e


@pytest.fixture(params=["module", "executable"])
def env(request, plain_env):
    """Every hook contract holds both through `python -m vitana_guard.hooks` (people,
    scripts, settings of older versions) and through the executable `hook install`
    names in the agents' settings, run directly."""
    return {**plain_env, "VG_TEST_VIA": request.param}


def hook(env, agent, payload, *args, module="vitana_guard.hooks"):
    data = payload if isinstance(payload, str) else json.dumps(payload)
    argv = [sys.executable, "-m", module] + (["hook"] if module == "vitana_guard" else []) + [agent, *args]
    if env.get("VG_TEST_VIA") == "executable" and module == "vitana_guard.hooks":
        argv = [str(install.ensure_executable()), agent, *args, "--python", sys.executable,
                "--package", str(install.PACKAGE_DIR)]
    return subprocess.run(argv, input=data, capture_output=True, text=True, env=env, timeout=60)


def claude(command=None, session="sess-1", tool="Bash", tool_input=None):
    return {
        "session_id": session,
        "transcript_path": "/home/u/.claude/projects/p/sess-1.jsonl",
        "cwd": "/tmp",
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input if tool_input is not None else {"command": command, "description": "run"},
        "tool_use_id": "toolu_" + uuid.uuid4().hex[:20],
    }


def gemini(command, session="g-1"):
    return {"session_id": session, "transcript_path": "/t.json", "cwd": "/tmp", "hook_event_name": "BeforeTool",
            "timestamp": "2025-12-01T10:00:00Z", "tool_name": "run_shell_command",
            "tool_input": {"command": command, "description": "x"}}


def codex(command, session="c-1", tool="Bash"):
    return {"session_id": session, "transcript_path": None, "cwd": "/tmp", "hook_event_name": "PreToolUse",
            "model": "gpt-5-codex", "permission_mode": "default", "tool_name": tool,
            "tool_input": {"command": command}, "tool_use_id": "call_" + uuid.uuid4().hex[:12]}


def claude_deny(r):
    assert r.returncode == 2, r
    out = json.loads(r.stdout)
    assert list(out) == ["hookSpecificOutput"]
    spec = out["hookSpecificOutput"]
    assert spec["hookEventName"] == "PreToolUse" and spec["permissionDecision"] == "deny"
    assert spec["permissionDecisionReason"].strip() == r.stderr.strip()
    return spec["permissionDecisionReason"]


@pytest.mark.parametrize("command,rule", FORBIDDEN.items())
def test_claude_denies_forbidden(env, command, rule):
    reason = claude_deny(hook(env, "claude", claude(command)))
    assert rule in reason and "Instead:" in reason and "/api/v1/" in reason


@pytest.mark.parametrize("command,rule", FORBIDDEN.items())
def test_gemini_denies_forbidden(env, command, rule):
    r = hook(env, "gemini", gemini(command))
    assert r.returncode == 2
    out = json.loads(r.stdout)
    assert set(out) == {"decision", "reason"} and out["decision"] == "deny" and rule in out["reason"]


@pytest.mark.parametrize("command,rule", FORBIDDEN.items())
def test_codex_denies_forbidden(env, command, rule):
    assert rule in claude_deny(hook(env, "codex", codex(command)))


def test_codex_patch_lines_end_at_newline_only():
    """apply_patch writes a line holding a form feed or a lone CR as one line: the part
    after it is not an added line of its own (the hook's patch reader, `guard::edits`,
    and the file text its items are made of)."""

    patch = ("*** Begin Patch\n*** Add File: run.sh\n+echo a\x0c+gcloud run deploy x --source .\r\n"
             "+echo b\r+docker push img\n*** End Patch")
    [(path, kind, lines)] = _core.patch_files(patch)
    added = [line[1:] for line in lines if line.startswith("+")]
    assert (path, kind, "\n".join(added) + "\n") == (
        "run.sh", "add", "echo a\x0c+gcloud run deploy x --source .\necho b\r+docker push img\n")


def test_codex_argv_command(env):
    assert "VG101" in claude_deny(hook(env, "codex", codex(["bash", "-lc", "gcloud run deploy x"], tool="shell")))


@pytest.mark.parametrize("command", ["ls -la", CREATE_PR, HEALTH, "grep 'gcloud run deploy' README.md"])
@pytest.mark.parametrize("agent", ["claude", "gemini", "codex"])
def test_clean_and_canonical_calls_allowed_silently(env, agent, command):
    payload = {"claude": claude, "gemini": gemini, "codex": codex}[agent](command, session=f"clean-{uuid.uuid4()}")
    r = hook(env, agent, payload)
    assert (r.returncode, r.stdout) == (0, ""), r


def test_click_entry_point_same_contract(env):
    claude_deny(hook(env, "claude", claude("docker push x"), module="vitana_guard"))
    r = hook(env, "claude", claude("ls"), module="vitana_guard")
    assert (r.returncode, r.stdout) == (0, "")


OK_RESULT = {"stdout": '{"ok": true}', "stderr": "", "interrupted": False}


def ran(env, payload, result=OK_RESULT):
    """The pre hook; when it allows, the call 'runs' and the post hook sees `result`."""
    r = hook(env, "claude", payload)
    if r.returncode == 0:
        post = hook(env, "claude", {**payload, "hook_event_name": "PostToolUse", "tool_response": result}, "--post")
        assert post.returncode == 0, post.stderr
    return r


def test_deploy_before_safe_merge_denied_vg601(env):
    s = "flow-" + uuid.uuid4().hex
    assert ran(env, claude(CREATE_PR, s)).returncode == 0
    reason = claude_deny(ran(env, claude(DEPLOY, s)))
    assert "VG601" in reason
    # the denied deploy was not recorded; after safe-merge the deploy goes through
    assert ran(env, claude(SAFE_MERGE, s)).returncode == 0
    r = ran(env, claude(DEPLOY, s))
    assert r.returncode == 0 and "VG601" not in r.stdout
    # other sessions are independent: a deploy-only session is not out of order
    assert ran(env, claude(DEPLOY, "other-" + s)).returncode == 0
    state = Path(env["XDG_STATE_HOME"]) / "vitana-guard" / "sessions"
    docs = [json.loads(p.read_text()) for p in state.glob("*.json")]
    steps = {tuple(n for st in d["steps"] for n in st["names"]) for d in docs}
    assert ("create-pr", "safe-merge", "deploy") in steps
    assert not any(s in p.name for p in state.iterdir())  # session id hashed


def test_state_never_in_repo(env, tmp_path):
    s = "where-" + uuid.uuid4().hex
    ran(env, claude(CREATE_PR, s))
    assert list((Path(env["XDG_STATE_HOME"]) / "vitana-guard" / "sessions").glob("*.json"))


def test_write_of_deploy_script_denied(env):
    payload = claude(tool="Write", tool_input={"file_path": "/repo/scripts/release.sh",
                                               "content": "#!/bin/bash\nset -e\ngcloud run deploy gateway --source .\n"})
    assert "VG101" in claude_deny(hook(env, "claude", payload))


def test_edit_and_multiedit(env):
    edit = claude(tool="Edit", tool_input={"file_path": "/repo/run.sh", "old_string": "x", "new_string": "docker push img\n"})
    assert "VG103" in claude_deny(hook(env, "claude", edit))
    multi = claude(tool="MultiEdit", tool_input={"file_path": "/repo/a.sh", "edits": [
        {"old_string": "a", "new_string": "echo hi\n"}, {"old_string": "b", "new_string": "gh pr merge 3\n"}]})
    assert "VG106" in claude_deny(hook(env, "claude", multi))
    ok = claude(tool="Write", tool_input={"file_path": "/repo/notes.txt", "content": "hello world\n"})
    assert hook(env, "claude", ok).returncode == 0


def test_webfetch_request(env):
    bad = claude(tool="WebFetch", tool_input={"url": "http://gateway-q74ibpv6ia-uc.a.run.app/api/v1/cicd/health",
                                              "prompt": "status?"})
    assert "VG201" in claude_deny(hook(env, "claude", bad))
    good = claude(tool="WebFetch", tool_input={"url": f"{GW}/api/v1/cicd/health", "prompt": "status?"})
    r = hook(env, "claude", good)
    assert (r.returncode, r.stdout) == (0, "")


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]", json.dumps({"tool_name": "Bash"}),
                                   json.dumps({"session_id": "s", "tool_name": "Bash", "tool_input": {}})])
def test_garbage_stdin_fails_closed(env, stdin):
    reason = claude_deny(hook(env, "claude", stdin))
    assert "fails closed" in reason
    r = hook(env, "gemini", stdin)
    assert r.returncode == 2 and json.loads(r.stdout)["decision"] == "deny"



@pytest.mark.parametrize("stdin, why", [
    ("[" * 100_000 + "]" * 100_000, "stdin JSON is nested too deeply"),  # was RecursionError
    (json.dumps(claude(tool="MultiEdit", tool_input={"file_path": "a.sh", "edits": 5})), "edits is not a list"),
])
def test_malformed_payload_is_bad_input_not_an_internal_error(env, stdin, why):
    """Still denied (fail closed), but the reason says what is wrong with the payload."""
    reason = claude_deny(hook(env, "claude", stdin))
    assert why in reason and "internal error" not in reason


def test_cwd_too_long_for_the_os_is_denied_with_a_reason(env):
    """A cwd no directory can have (ENAMETOOLONG) is a cwd that does not exist: its config
    cannot be read, so the call is denied, with that reason (not as an internal error)."""
    payload = claude("ls -la")
    payload["cwd"] = "/" + "x" * 5000
    reason = claude_deny(hook(env, "claude", payload))
    assert "does not exist" in reason and "internal error" not in reason

def test_fail_open_allows_garbage(env):
    r = hook(env, "claude", "garbage", "--fail-open")
    assert (r.returncode, r.stdout) == (0, "") and "fail-open" in r.stderr
    r = hook(env, "claude", "garbage", module="vitana_guard")
    assert r.returncode == 2
    r = hook({**env, "VITANA_GUARD_FAIL_OPEN": "1"}, "claude", "garbage", module="vitana_guard")
    assert r.returncode == 0


def test_unreadable_pack_fails_closed(env, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()
    (repo / ".vitana-guard.yaml").write_text("rules-dirs: [missing-dir]\n")
    payload = claude("gcloud run deploy x")
    payload["cwd"] = str(repo)
    reason = claude_deny(hook(env, "claude", payload))
    assert "fails closed" in reason and "rule directory not found" in reason


def test_audit_log_redacts(env, tmp_path):
    log = tmp_path / "audit.jsonl"
    hook(env, "claude", claude("docker push secret-image-name"), "--audit-log", str(log))
    hook(env, "claude", claude("ls"), "--audit-log", str(log))
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [x["decision"] for x in lines] == ["deny", "allow"]
    assert lines[0]["rules"] == ["VG103"] and len(lines[0]["fingerprint"]) == 64
    assert "secret-image-name" not in log.read_text()
    assert {"time", "agent", "session", "tool"} <= set(lines[0])
    hook(env, "claude", claude("ls"))
    assert (Path(env["XDG_STATE_HOME"]) / "vitana-guard" / "audit.jsonl").exists()


def test_cache_keyed_by_rule_content(env, tmp_path):
    repo = tmp_path / "repo"
    rules = repo / "myrules"
    rules.mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / ".vitana-guard.yaml").write_text("parameters:\n  allowed_services: [gateway]\n")
    payload = claude(DEPLOY.replace("\"gateway\"", "\"oasis-operator\""))
    payload["cwd"] = str(repo)
    assert "VG401" in claude_deny(hook(env, "claude", payload))
    (repo / ".vitana-guard.yaml").write_text("parameters:\n  allowed_services: [gateway, oasis-operator]\n")
    payload["tool_use_id"] = "toolu_2"
    r = hook(env, "claude", payload)
    assert r.returncode == 0, r
    cache = Path(env["XDG_CACHE_HOME"]) / "vitana-guard"
    assert len(list(cache.glob("guard-*.json"))) == 2


def test_concurrent_hooks_keep_state_valid(env):
    s = "conc-" + uuid.uuid4().hex
    procs = []
    for i in range(10):
        cmd = CREATE_PR if i % 2 == 0 else HEALTH
        p = subprocess.Popen([sys.executable, "-m", "vitana_guard.hooks", "claude", "--post"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        procs.append((p, json.dumps({**claude(cmd, s), "tool_response": OK_RESULT})))
    for p, data in procs:
        p.stdin.write(data)
        p.stdin.close()
    for p, _ in procs:
        assert p.wait(60) == 0, p.stderr.read()
    files = list((Path(env["XDG_STATE_HOME"]) / "vitana-guard" / "sessions").glob("*.json"))
    assert len(files) == 1
    doc = json.loads(files[0].read_text())
    assert len(doc["steps"]) == 10
    assert sorted(n for st in doc["steps"] for n in st["names"]) == ["create-pr"] * 5 + ["verify"] * 5


# -- installer -------------------------------------------------------------------------

OTHER = {
    "model": "opus",
    "permissions": {"allow": ["Bash(ls:*)"]},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter", "timeout": 5}]}],
        "PostToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "fmt"}]}],
    },
    "zeta": 1,
}


def cli(env, cwd, *args):
    return subprocess.run([sys.executable, "-m", "vitana_guard", "hook", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=60)


@pytest.mark.parametrize("agent,rel,event", [("claude", ".claude/settings.json", "PreToolUse"),
                                             ("gemini", ".gemini/settings.json", "BeforeTool"),
                                             ("codex", ".codex/hooks.json", "PreToolUse")])
def test_install_uninstall_roundtrip(plain_env, tmp_path, agent, rel, event):
    settings = tmp_path / rel
    settings.parent.mkdir(parents=True)
    original = json.dumps(OTHER, indent=4) + "\n"
    settings.write_text(original)
    r = cli(plain_env, tmp_path, "install", agent, "--project")
    assert r.returncode == 0, r.stderr
    data = json.loads(settings.read_text())
    assert list(data) == list(OTHER)  # key order kept
    post_event = {"PreToolUse": "PostToolUse", "BeforeTool": "AfterTool"}[event]
    assert data["hooks"]["PostToolUse"][0] == OTHER["hooks"]["PostToolUse"][0]
    ours = [g for g in data["hooks"][event] if "vitana-guard-hook" in g["hooks"][0]["command"]]
    assert len(ours) == 1 and ours[0]["hooks"][0]["type"] == "command"
    assert ours[0]["hooks"][0]["timeout"] == (30000 if agent == "gemini" else 30)
    # the settings name the executable install wrote: this build's, runnable
    exe, *args = shlex.split(ours[0]["hooks"][0]["command"])
    assert Path(exe) == install.executable_path() and os.access(exe, os.X_OK)
    assert hashlib.sha256(Path(exe).read_bytes()).hexdigest()[:32] == _core.guard_build_id()
    assert args[:3] == [agent, "--deadline", "20"] and args[3:5] == ["--python", sys.executable]
    post = [g for g in data["hooks"][post_event] if "vitana-guard-hook" in g["hooks"][0]["command"]]
    assert len(post) == 1 and f" {agent} --post " in post[0]["hooks"][0]["command"]
    if event == "PreToolUse":
        assert data["hooks"]["PreToolUse"][0] == OTHER["hooks"]["PreToolUse"][0]
    assert (tmp_path / (rel + ".bak")).read_text() == original
    # idempotent: the second install does not touch the file
    before = settings.read_bytes()
    mtime = settings.stat().st_mtime_ns
    assert cli(plain_env, tmp_path, "install", agent).returncode == 0
    assert settings.read_bytes() == before and settings.stat().st_mtime_ns == mtime
    # uninstall restores the original bytes
    assert cli(plain_env, tmp_path, "uninstall", agent).returncode == 0
    assert settings.read_text() == original


def test_install_user_scope_and_fresh_file(plain_env, tmp_path):
    r = cli(plain_env, tmp_path, "install", "claude", "--user")
    assert r.returncode == 0
    data = json.loads((Path(plain_env["HOME"]) / ".claude" / "settings.json").read_text())
    (group,) = data["hooks"]["PreToolUse"]
    assert group["matcher"] == "Bash|WebFetch|Write|Edit|MultiEdit|NotebookEdit|mcp__.*"
    (post,) = data["hooks"]["PostToolUse"]
    assert post["matcher"] == "Bash|WebFetch|mcp__.*"
    assert not (tmp_path / ".claude").exists()


def test_dry_run_writes_nothing(plain_env, tmp_path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps(OTHER))
    r = cli(plain_env, tmp_path, "install", "claude", "--dry-run")
    assert r.returncode == 0 and r.stdout.startswith("---") and "+" in r.stdout and "vitana-guard-hook" in r.stdout
    assert settings.read_text() == json.dumps(OTHER)
    assert not (tmp_path / ".claude" / "settings.json.bak").exists()
    r = cli(plain_env, tmp_path, "install", "gemini", "--dry-run")
    assert not (tmp_path / ".gemini").exists()


def test_malformed_settings_untouched(plain_env, tmp_path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"hooks": [,]}')
    r = cli(plain_env, tmp_path, "install", "claude")
    assert r.returncode == 2 and "not valid JSON" in r.stderr
    assert settings.read_text() == '{"hooks": [,]}'
    assert not (tmp_path / ".claude" / "settings.json.bak").exists()


def test_uninstall_keeps_shared_group(plain_env, tmp_path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    both = {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "my-linter"},
        {"type": "command", "command": "vitana-guard hook claude", "timeout": 10}]}],
        "PostToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "vitana-guard hook claude --post"}]}]}}
    settings.write_text(json.dumps(both))
    assert cli(plain_env, tmp_path, "install", "claude").returncode == 0
    assert settings.read_text() == json.dumps(both)  # already installed: not rewritten
    assert cli(plain_env, tmp_path, "uninstall", "claude").returncode == 0
    assert json.loads(settings.read_text()) == {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "my-linter"}]}]}}
