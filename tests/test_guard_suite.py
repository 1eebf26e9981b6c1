"""The guard suite: every case of tests/guard_cases.py through the INSTALLED hook command
(the command `hook install` writes into an agent's settings, run by a shell with the
call's JSON on stdin, as the agent runs it; exit code and stdout checked per contract),
and every shell case also under real bash in a sandbox whose fake gcloud, docker, gh,
git, curl (and wget, pip, vitana-guard, sudo, yarn, pnpm) record their argv:

- a case the guard allows must make the fakes record nothing forbidden;
- a case it denies must make them record the forbidden call (or change a file that holds
  the guard, for tampering), unless the case says why not (`reach`);
- mutated variants of the deny cases (quoting, spacing, wrappers) are held to the same.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import guard_cases as gc
from vitana_guard.hooks import install

AGENTS = ("claude", "gemini", "codex")
SHELL_TOOL = {"claude": "Bash", "gemini": "run_shell_command", "codex": "Bash"}
FAKES = ("gcloud", "docker", "gh", "git", "curl", "wget", "pip", "pip3", "vitana-guard")
SEP, END = "\x1f", "\x1e"

_FAKE = """#!/bin/sh
# records its argv for the guard suite, runs nothing
{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\036'; } >> "$FAKE_LOG"
"""
_FAKE_CURL = _FAKE + """out=""; prev=""; body='{"ok": true}'
for a in "$@"; do
  case "$a" in *.sh) body='gcloud run deploy from-the-net';; esac
  [ "$prev" = "-o" ] && out="$a"
  prev="$a"
done
if [ -n "$out" ]; then printf '%s\\n' "$body" > "$out"; else printf '%s\\n' "$body"; fi
"""
_FAKE_SUDO = "#!/bin/sh\nexec \"$@\"\n"
_FAKE_YARN = "#!/bin/sh\n[ \"$1\" = run ] && shift\nexec npm run \"$@\"\n"


# -- what is forbidden, seen from the fakes' records -----------------------------------

_GCLOUD = re.compile(r"(?:^| )(?:alpha |beta )?(?:run deploy|run services replace|run services update(?:-traffic)?|"
                     r"builds submit|app deploy|functions deploy|run jobs deploy)(?: |$)")
_MAIN = re.compile(r"^\+?(?:[^:\s]*:)?(?:refs/heads/)?(?:main|master)$")
_DENIED_REPO = re.compile(r"exafyltd/(?:vitana-backend|vitana-dev-gateway-[\w-]*)(?:\.git)?$")
_URL_HOST = re.compile(r"https?://([^/\s:@]+)")


def forbidden(call: list[str]) -> str | None:
    """Why a recorded call is forbidden by the policy (error-level rules), or None."""
    prog, args = call[0], call[1:]
    if "--help" in args:
        return None
    if prog == "gcloud":
        plain = " ".join(a for a in args if not a.startswith("-"))
        return "gcloud release" if _GCLOUD.search(plain) else None
    if prog == "docker":
        if args[:1] == ["push"] or args[:2] == ["image", "push"] or ("--push" in args and "build" in args):
            return "docker push"
        return None
    if prog == "gh":
        if args[:2] == ["pr", "merge"]:
            return "gh pr merge"
        if args[:2] == ["workflow", "run"] and len(args) > 2 and "deploy" in args[2].lower():
            return "deploy workflow dispatch"
        if args[:1] == ["api"] and any(re.search(r"pulls/\d+/merge$", a) for a in args):
            return "merge api"
        if any(_DENIED_REPO.search(a) for a in args):
            return "denied repo"
        return None
    if prog == "git":
        if args[:1] == ["push"] and not {"--dry-run", "-n"} & set(args):
            if any(_MAIN.match(a) for a in args[2:] if not a.startswith("-")):
                return "push to main"
        if args[:1] in (["clone"], ["remote"]) and any(_DENIED_REPO.search(a) for a in args):
            return "denied repo"
        return None
    if prog in ("curl", "wget"):
        for a in args:
            for host in _URL_HOST.findall(a):
                if "gateway" in host and (host != "gateway-q74ibpv6ia-uc.a.run.app" or a.startswith("http://")):
                    return "non-canonical gateway"
            if "://" in a:  # the host a call reaches is the one after any userinfo
                parts = urlsplit(a)
                on_canonical = parts.scheme == "https" and parts.hostname == "gateway-q74ibpv6ia-uc.a.run.app"
                if parts.path.startswith(_CONTROL_PLANE) and not on_canonical:
                    return "control plane on another host"
            if "github.com" in a and _DENIED_REPO.search(a.rstrip("/")):
                return "denied repo"
        return None
    if prog in ("pip", "pip3") and "uninstall" in args and "vitana-guard" in args:
        return "uninstalls the guard"
    if prog == "vitana-guard" and "uninstall" in args:
        return "uninstalls the hook"
    return None


_CONTROL_PLANE = ("/api/v1/github/", "/api/v1/deploy/", "/api/v1/cicd/")

# rules whose forbidden thing is a gateway call in the wrong context or shape: the fake
# records the call itself
_CONTRACT_RULES = {"VG202", "VG302", "VG401", "VG402", "VG403", "VG404", "VG601"}


# -- fixtures ---------------------------------------------------------------------------------


def _fakes(fakes):
    """The fake programs that record what bash runs, in `fakes`."""
    fakes.mkdir()
    for name in FAKES:
        (fakes / name).write_text(_FAKE_CURL if name == "curl" else _FAKE)
    (fakes / "sudo").write_text(_FAKE_SUDO)
    (fakes / "yarn").write_text(_FAKE_YARN)
    (fakes / "pnpm").write_text(_FAKE_YARN)
    os.symlink("/usr/bin/python3", fakes / "python")
    for f in fakes.iterdir():
        if not f.is_symlink():
            f.chmod(0o755)
    return fakes


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("guard-suite")
    fakes = _fakes(root / "fakes")
    commands = {}
    for agent in AGENTS:
        data = install.with_hook({}, agent, install.default_command(agent))
        pre_event, post_event = install.events(agent)
        commands[agent] = (data["hooks"][pre_event][0]["hooks"][0]["command"],
                           data["hooks"][post_event][0]["hooks"][0]["command"])
    cache = root / "cache"
    return {"root": root, "fakes": fakes, "commands": commands, "cache": cache, "marker": root / "shadowed"}


class Sandbox:
    def __init__(self, world, case: gc.Case):
        # one place for every case (remade each time): the project config's path is part
        # of the compiled pack's cache key, so the pack is built once for the suite
        self.root = world["root"] / "box"
        shutil.rmtree(self.root, ignore_errors=True)
        self.project = self.root / "work" / "proj"
        self.home = self.root / "home"
        self.log = self.root / "fake.log"
        self.world = world
        for base, files in ((self.project, {**gc.PROJECT_FILES, **case.files}), (self.home, gc.HOME_FILES)):
            for rel, text in files.items():
                p = base / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(text)
                if rel.endswith(".sh"):
                    p.chmod(0o755)
        (self.project / ".git").mkdir()
        self.log.write_text("")

    def env(self) -> dict:
        return {"PATH": f"{self.world['fakes']}:/usr/bin:/bin", "HOME": str(self.home), "FAKE_LOG": str(self.log),
                "XDG_CACHE_HOME": str(self.world["cache"]), "XDG_STATE_HOME": str(self.root / "state"),
                "SHADOW_MARKER": str(self.world["marker"]), "LANG": "C.UTF-8",
                "npm_config_update_notifier": "false", "npm_config_loglevel": "silent"}

    def protected(self) -> dict:
        """What the guard holds in the sandbox, to see whether a command changed it."""
        out = {}
        for base in (self.project, self.home):
            if not base.exists():
                continue
            for p in base.rglob("*"):
                rel = str(p.relative_to(self.root))
                if p.is_file() and (p.name in (".vitana-guard.yaml", "pyproject.toml") or "/.claude/" in rel
                                    or "/.gemini/" in rel or "/.codex/" in rel or "vitana-guard" in rel):
                    out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for rel in (".vitana-guard.yaml", ".claude/settings.json", ".codex/hooks.json"):
            out.setdefault("work/proj/" + rel, None)
        return out

    def bash(self, command: str) -> list[list[str]]:
        """Run `command` under real bash in the sandbox; the fakes' recorded calls."""
        before = self.protected()
        try:
            subprocess.run(["bash", "-c", command], cwd=self.project, env=self.env(), capture_output=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            pass
        self.changed = before != self.protected()
        text = self.log.read_text() if self.log.exists() else ""
        return [rec.split(SEP) for rec in text.split(END) if rec]


def payload(case: gc.Case, agent: str, session: str, cwd: str, command: str | None = None) -> dict:
    if command is not None or case.command is not None:
        tool = case.tool or SHELL_TOOL[agent]
        tool_input = {"command": command if command is not None else case.command}
    else:
        tool, tool_input = case.tool, case.tool_input
    return {"session_id": session, "transcript_path": None, "cwd": cwd, "hook_event_name": "PreToolUse",
            "tool_name": tool, "tool_input": tool_input, "tool_use_id": "t-" + uuid.uuid4().hex[:8]}


def run_hook(world, sandbox: Sandbox, agent: str, data: dict, post: bool = False):
    command = world["commands"][agent][1 if post else 0]
    return subprocess.run(command, shell=True, input=json.dumps(data), capture_output=True, text=True,
                          cwd=sandbox.project, env=sandbox.env(), timeout=120)


def decide(world, case: gc.Case, index: int, command: str | None = None):
    """Run the case's setup and the call through the installed hook command; check the
    agent's contract; return (decision, reason, sandbox, agent)."""
    agent = case.agent or AGENTS[index % 3]
    sandbox = Sandbox(world, case)
    session = "suite-" + uuid.uuid4().hex
    cwd = str(sandbox.project)
    if case.cwd == "gone":
        gone = sandbox.root / "gone"
        gone.mkdir()
        gone.rmdir()
        cwd = str(gone)
    for setup_command, result in case.setup:
        data = payload(case, agent, session, cwd, setup_command)
        data["tool_name"] = SHELL_TOOL[agent]
        pre = run_hook(world, sandbox, agent, data)
        assert pre.returncode in (0, 2), (setup_command, pre.stderr)
        if pre.returncode == 2:
            continue  # denied: the call never ran, so no result reaches the post hook
        post = run_hook(world, sandbox, agent, {**data, "hook_event_name": "PostToolUse", "tool_response": result},
                        post=True)
        assert post.returncode == 0, post.stderr
    proc = run_hook(world, sandbox, agent, payload(case, agent, session, cwd, command))
    decision = check_contract(agent, proc)
    return decision, proc.stderr, sandbox, agent


def check_contract(agent: str, proc) -> str:
    if proc.returncode == 2:
        assert proc.stderr.strip(), "a deny carries its reason on stderr"
        body = json.loads(proc.stdout)
        if agent == "gemini":
            assert body["decision"] == "deny" and body["reason"].strip()
        else:
            out = body["hookSpecificOutput"]
            assert out["hookEventName"] == "PreToolUse" and out["permissionDecision"] == "deny"
            assert out["permissionDecisionReason"].strip()
        return "deny"
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr}"
    if proc.stdout.strip():  # a warning: context only, never a decision
        body = json.loads(proc.stdout)
        assert "permissionDecision" not in body.get("hookSpecificOutput", {}) and "decision" not in body
    return "allow"


def reason_names(reason: str, rule: str | None) -> bool:
    if rule is None:
        return True
    if rule == "tamper":
        return "disable or weaken the guard" in reason
    if rule == "fail-closed":
        return "fails closed" in reason
    return rule in reason


def sandbox_check(case: gc.Case, sandbox: Sandbox, command: str, decision: str) -> None:
    calls = sandbox.bash(command)
    bad = [(forbidden(c), c) for c in calls if forbidden(c)]
    if case.rule in _CONTRACT_RULES:
        bad += [("gateway call", c) for c in calls if any("/api/v1/" in a for a in c)]
    effect = bool(bad) or sandbox.changed
    if decision == "allow":
        if case.reach:
            assert effect, f"marked out of static reach, but bash ran nothing forbidden: {calls}"
        else:
            assert not effect, f"allowed, but bash ran: {bad or 'a change to the guard files'}"
    else:
        if case.reach:
            assert not effect, f"marked '{case.reach}', but bash did run: {bad}"
        else:
            assert effect, f"denied, but bash ran nothing forbidden (calls: {calls}); mark it with a reason"


# -- the cases -------------------------------------------------------------------------------


def _variants(case: gc.Case) -> list[tuple[str, str]]:
    c = case.command
    out: list[tuple[str, str]] = []
    if not any(ch in c for ch in "'\"$`|&;()<>\\\n#"):
        words = c.split()
        out += [
            ("spacing", "  ".join(words)),
            ("tabs", "\t".join(words)),
            ("single-quoted-args", words[0] + " " + " ".join(f"'{w}'" for w in words[1:])),
            ("double-quoted-args", words[0] + " " + " ".join(f'"{w}"' for w in words[1:])),
            ("quoted-program", f"'{words[0]}' " + " ".join(words[1:])),
            ("line-continuation", " ".join(words[:-1]) + " \\\n    " + words[-1]),
        ]
    wrappers = [
        ("bash-c", f"bash -c {shlex.quote(c)}"),
        ("sh-c", f"sh -c {shlex.quote(c)}"),
        ("env", f"env VG_SUITE=1 {c}"),
        ("nohup", f"nohup {c}"),
        ("timeout", f"timeout 60 {c}"),
        ("sudo", f"sudo {c}"),
        ("chained", f"true && {c}"),
        ("or-true", f"{c} || true"),
        ("subshell", f"( {c} )"),
        ("group", f"{{ {c}; }}"),
        ("cd-first", f"cd . && {c}"),
        ("time", f"time {c}"),
    ]
    # six wrappers per case, rotating, so every wrapper is tried on several cases (time budget)
    k = sum(map(ord, case.name)) % len(wrappers)
    return out + (wrappers[k:] + wrappers[:k])[:6]


DECIDED = gc.CASES
BASE = [pytest.param(i, c, id=c.name) for i, c in enumerate(DECIDED)]
MUTATED = [pytest.param(i, c, name, cmd, id=f"{c.name}~{name}")
           for i, c in enumerate(gc.CASES) if c.mutate for name, cmd in _variants(c)]


def test_suite_size_and_issue_lists_covered():
    """At least 150 cases through the installed hook, deny and allow both well represented."""
    decided = len(gc.CASES) + len(MUTATED)
    assert decided >= 150 and len(gc.CASES) >= 150
    assert sum(c.expect == "deny" for c in gc.CASES) >= 60 and sum(c.expect == "allow" for c in gc.CASES) >= 60
    names = [c.name for c in gc.CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("index,case", BASE)
def test_case(world, index, case):
    decision, reason, sandbox, _ = decide(world, case, index)
    assert decision == case.expect, reason
    if decision == "deny":
        assert reason_names(reason, case.rule), reason
    assert not world["marker"].exists(), "the installed hook imported a module from the project cwd"
    if case.command is not None and case.sandbox is None:
        sandbox_check(case, sandbox, case.command, decision)
    shutil.rmtree(sandbox.root, ignore_errors=True)


@pytest.mark.parametrize("index,case,variant,command", MUTATED)
def test_mutated_deny_case(world, index, case, variant, command):
    decision, reason, sandbox, _ = decide(world, case, index + len(variant), command)
    assert decision == "deny", f"{variant}: {command!r} allowed"
    assert reason_names(reason, case.rule), reason
    sandbox_check(case, sandbox, command, decision)
    shutil.rmtree(sandbox.root, ignore_errors=True)


def test_forbidden_predicate():
    assert forbidden(["gcloud", "--project", "p", "run", "deploy", "web"])
    assert not forbidden(["gcloud", "run", "services", "list"])
    assert forbidden(["git", "push", "origin", "HEAD:main"]) and not forbidden(["git", "push", "-n", "origin", "main"])
    assert forbidden(["curl", "-s", "https://gateway-7bq3mm2ncd-uc.a.run.app/x"])
    assert not forbidden(["curl", "-s", "https://gateway-q74ibpv6ia-uc.a.run.app/x"])
    assert not forbidden(["git", "grep", "exafyltd/vitana-backend"])
