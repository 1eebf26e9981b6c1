"""The hook server: started by the first call, answers later ones, never weakens a verdict.

The hook contracts themselves run in both modes in tests/test_hooks.py; here: the
server's life cycle and what happens when it is missing, broken or not private.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import wait_for
from test_hooks import claude, claude_deny, hook, hook_server

from vitana_guard.hooks import client


@pytest.fixture
def env(tmp_path):
    runtime = tempfile.mkdtemp(prefix="vg-rt-", dir="/tmp")
    e = {**os.environ, "VITANA_GUARD_SERVER": "1", "XDG_RUNTIME_DIR": runtime}
    e.pop("CI", None)  # CI never starts a server (tested below); these tests are about one
    for k in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "HOME"):
        (tmp_path / k).mkdir()
        e[k] = str(tmp_path / k)
    yield e
    control(e, "stop")
    shutil.rmtree(runtime, ignore_errors=True)


def control(env, what):
    return subprocess.run([sys.executable, "-m", "vitana_guard.hooks", what], capture_output=True, text=True,
                          env=env, timeout=30)


def socket_path(env) -> Path:
    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    try:
        return Path(client.socket_path())
    finally:
        os.environ["XDG_RUNTIME_DIR"] = saved if saved is not None else ""
        if saved is None:
            del os.environ["XDG_RUNTIME_DIR"]


def test_first_call_is_answered_here_and_starts_a_server(env):
    assert control(env, "status").returncode == 3  # none yet
    assert "VG103" in claude_deny(hook(env, "claude", claude("docker push x")))
    assert wait_for(lambda: control(env, "status").returncode == 0)
    assert "VG101" in claude_deny(hook(env, "claude", claude("gcloud run deploy api")))
    assert ", 1 calls answered" in control(env, "status").stdout
    assert hook(env, "claude", claude("ls -la")).returncode == 0
    assert "stopping" in control(env, "stop").stdout
    assert wait_for(lambda: not socket_path(env).exists())


def test_server_off_evaluates_every_call_here(env):
    env = {**env, "VITANA_GUARD_SERVER": "0"}
    assert "VG103" in claude_deny(hook(env, "claude", claude("docker push x")))
    time.sleep(0.5)
    assert not socket_path(env).parent.exists()


def test_no_server_is_started_on_ci(env):
    env = {**env, "CI": "true"}
    assert "VG103" in claude_deny(hook(env, "claude", claude("docker push x")))
    time.sleep(0.5)
    assert not socket_path(env).exists()


def test_directory_others_can_enter_is_not_used(env):
    directory = socket_path(env).parent
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    assert "VG103" in claude_deny(hook(env, "claude", claude("docker push x")))
    time.sleep(0.5)
    assert not socket_path(env).exists()


@pytest.mark.parametrize("reply", [b"", b"ok\x00\x00\x00\x01\x00\x00"], ids=["hangs-up", "child-dies-mid-reply"])
def test_broken_server_falls_back_to_evaluating_here(env, reply):
    """A server that never says it forked, or whose child dies before its exit code."""
    path = socket_path(env)
    path.parent.mkdir(mode=0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    received = []

    def misbehave():
        conn, _ = listener.accept()
        received.append(conn.recv(1 << 16))
        conn.sendall(reply)
        conn.close()

    t = threading.Thread(target=misbehave)
    t.start()
    try:
        reason = claude_deny(hook(env, "claude", claude("docker push x")))
    finally:
        t.join(10)
        listener.close()
    assert "VG103" in reason and received and received[0].startswith(client.encode([b"run"])[:7])


def test_call_sees_the_callers_directory_and_environment(env, tmp_path):
    with hook_server(env) as e:
        work = tmp_path / "work"
        work.mkdir()
        r = subprocess.run([sys.executable, "-m", "vitana_guard.hooks", "claude", "--audit-log", "decisions.jsonl"],
                           input=json.dumps(claude("docker push x")), capture_output=True, text=True, env=e,
                           cwd=work, timeout=60)
        assert r.returncode == 2
        assert json.loads((work / "decisions.jsonl").read_text())["decision"] == "deny"
        r = hook({**e, "VITANA_GUARD_FAIL_OPEN": "1"}, "claude", "not json")
        assert r.returncode == 0 and "--fail-open" in r.stderr
        assert hook(e, "claude", "not json").returncode == 2
        assert ", 3 calls answered" in control(e, "status").stdout


def test_ctrl_c_reaches_the_child(env):
    """The terminal sends SIGINT to the caller; the child (in the server's session) must
    stop too, and the caller exits as an interrupted process does."""
    with hook_server(env) as e:
        server_pid = int(control(e, "status").stdout.split("pid ")[1].split(",")[0])
        caller = subprocess.Popen([sys.executable, "-m", "vitana_guard.hooks", "claude"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
        assert wait_for(lambda: len(children(server_pid)) == 1)  # the child waits for its stdin
        caller.send_signal(signal.SIGINT)
        assert caller.wait(30) == 130
        assert wait_for(lambda: not children(server_pid))
        caller.stdin.close()


def test_ctrl_c_before_the_servers_answer_still_reaches_the_child(env):
    """Ctrl-C can come after the server forked the child but before its answer (the
    child's pid) arrives: the caller waits for that answer, stops the child, and exits
    with the child's code. A fake server answers late, with a stand-in child's pid."""
    path = socket_path(env)
    path.parent.mkdir(mode=0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    child = subprocess.Popen(["sleep", "60"])
    got_call = threading.Event()
    interrupted = threading.Event()

    def answer_late():
        conn, _ = listener.accept()
        conn.recv(1 << 16)
        got_call.set()
        interrupted.wait(30)  # the caller has had its Ctrl-C while waiting for this
        conn.sendall(b"ok" + child.pid.to_bytes(4, "big"))
        child.wait(30)  # stopped by the caller's SIGINT
        conn.sendall((130).to_bytes(4, "big", signed=True))
        conn.close()

    t = threading.Thread(target=answer_late)
    t.start()
    try:
        caller = subprocess.Popen([sys.executable, "-m", "vitana_guard.hooks", "claude"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert got_call.wait(30)
        time.sleep(0.2)  # into the wait for the answer
        caller.send_signal(signal.SIGINT)
        interrupted.set()
        assert caller.wait(30) == 130
        assert child.wait(30) == -signal.SIGINT
    finally:
        interrupted.set()
        t.join(10)
        listener.close()
        if child.poll() is None:
            child.kill()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_idle_server_exits_and_removes_its_socket(env):
    server = subprocess.Popen([sys.executable, "-m", "vitana_guard.hooks", "serve", "--idle", "1"], env=env)
    assert wait_for(lambda: socket_path(env).exists())
    assert server.wait(30) == 0
    assert not socket_path(env).exists()


def test_second_server_leaves_the_first_alone(env):
    with hook_server(env) as e:
        pid = control(e, "status").stdout
        second = subprocess.run([sys.executable, "-m", "vitana_guard.hooks", "serve"], env=e, timeout=30)
        assert second.returncode == 0
        assert control(e, "status").stdout == pid


def test_socket_left_by_a_dead_server_is_replaced(env):
    path = socket_path(env)
    path.parent.mkdir(mode=0o700)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # the file stays, nobody listens
    assert "VG103" in claude_deny(hook(env, "claude", claude("docker push x")))
    assert wait_for(lambda: control(env, "status").returncode == 0)


def test_build_id_follows_the_code(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "engine").mkdir(parents=True)
    (pkg / "engine" / "scan.py").write_text("x = 1\n")
    (pkg / "rules.yaml").write_text("a: 1\n")
    first = client.build_id(str(pkg))
    assert client.build_id(str(pkg)) == first
    (pkg / "rules.yaml").write_text("a: 2\n")  # data is keyed per call, not per server
    assert client.build_id(str(pkg)) == first
    (pkg / "engine" / "scan.py").write_text("x = 22\n")
    assert client.build_id(str(pkg)) != first


def test_framing_rejects_cut_messages():
    message = client.encode([b"run", b"claude", b"", b"/tmp", b"{}"])
    assert client.decode(message) == [b"run", b"claude", b"", b"/tmp", b"{}"]
    for cut in range(1, len(message)):
        decoded = client.decode(message[:cut])
        assert decoded is None or len(decoded) < 5


def test_git_hooks_run_in_the_server_as_they_run_alone(env, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git_env = {**env, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "a",
               "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.com",
               "NO_COLOR": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=git_env, check=True)
    (repo / "ship.sh").write_text("#!/bin/sh\nmake test\ngcloud run deploy api --region us-central1\n")
    subprocess.run(["git", "add", "ship.sh"], cwd=repo, env=git_env, check=True)
    (repo / "MSG").write_text("VTID-0518 docs\n\nThen merge the PR in the GitHub UI.\n# a comment git strips\n")
    runs = {}
    with hook_server(git_env) as served:
        for mode, e in (("alone", {**git_env, "VITANA_GUARD_SERVER": "0"}), ("server", served)):
            for args in (["diff", "--staged"], ["commit-msg", "MSG"], ["diff", "--staged", "--format", "json"]):
                r = subprocess.run([sys.executable, "-m", "vitana_guard", *args], cwd=repo, env=e,
                                   capture_output=True, text=True, timeout=60)
                runs[mode, args[0], len(args)] = (r.returncode, r.stdout, r.stderr)
        assert ", 3 calls answered" in control(served, "status").stdout
    alone = {k[1:]: v for k, v in runs.items() if k[0] == "alone"}
    served_runs = {k[1:]: v for k, v in runs.items() if k[0] == "server"}
    assert alone[("diff", 2)][0] == 1 and "ship.sh:3:1: VG101" in alone[("diff", 2)][1]
    assert alone[("commit-msg", 2)][0] == 1 and "MSG:3:" in alone[("commit-msg", 2)][1]
    for key in alone:
        code, out, err = served_runs[key]
        assert code == alone[key][0]
        if key[1] == 4:  # JSON: the same findings, whatever the timestamps
            assert json.loads(out)["findings"] == json.loads(alone[key][1])["findings"]
        else:
            assert out == alone[key][1] and err == alone[key][2]
