"""The per-user hook server: keeps the rule engine loaded between an agent's calls.

Started in the background by the first hook call that finds none (`client.start_server`),
it listens on a Unix socket in a private directory (`client.socket_dir`), answers one
call at a time with exactly what `python -m vitana_guard.hooks AGENT` would print and
exit with, and exits after `--idle` seconds without a call (default 15 minutes).

One call at a time keeps the evaluation identical to the in-process one (it adopts the
caller's environment and working directory for the call) and the session state
consistent; a call takes a few milliseconds, so callers queue briefly at worst.
A lock file held for the server's life makes a second server (two agents' first calls
at once) exit at start, and lets the holder replace a socket file a crashed server left.
"""
from __future__ import annotations

import fcntl
import io
import os
import socket
import sys
from contextlib import contextmanager

from vitana_guard.hooks import client

IDLE_SECONDS = 15 * 60
calls_answered = 0


def main(argv: list[str]) -> int:
    idle = IDLE_SECONDS
    if argv[:1] == ["--idle"] and len(argv) == 2 and argv[1].isdigit():
        idle = int(argv[1])
    elif argv:
        print("usage: python -m vitana_guard.hooks serve [--idle SECONDS]", file=sys.stderr)
        return 2
    path = client.socket_path()
    if path is None or not client.private_dir(os.path.dirname(path), create=True):
        print("vitana-guard hook server: no private socket directory; not serving", file=sys.stderr)
        return 2
    lock = open(path + ".lock", "a")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another server for this installation is (being) started
    try:
        serve(path, idle)
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        lock.close()
    return 0


def serve(path: str, idle: float) -> None:
    try:
        os.unlink(path)  # left by a server that died; we hold the lock, so it is not live
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    listener.settimeout(idle)
    from vitana_guard.hooks import core

    core.keep_engines_in_memory()
    with listener:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return
            with conn:
                if not answer(conn):
                    return


def answer(conn: socket.socket) -> bool:
    """Handle one connection; False when asked to stop."""
    global calls_answered
    conn.settimeout(client.REPLY_TIMEOUT)
    try:
        fields = client.decode(read_all(conn))
    except OSError:
        return True
    if not fields:
        return True
    kind = fields[0]
    if kind == b"stop":
        conn.sendall(client.encode([b"stopping"]))
        return False
    if kind == b"status":
        conn.sendall(client.encode([f"running, pid {os.getpid()}, {calls_answered} calls answered".encode()]))
        return True
    if kind == b"run" and len(fields) == 5:
        reply = run_call(*fields[1:])
        calls_answered += 1
        try:
            conn.sendall(client.encode(reply))
        except OSError:
            pass  # the caller gave up (timeout) and evaluates the call itself
    return True


def read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def run_call(argv: bytes, env: bytes, cwd: bytes, stdin: bytes) -> list[bytes]:
    from vitana_guard.hooks import agents

    args = argv.decode("utf-8", "surrogateescape").split("\0") if argv else []
    pairs = dict(p.split("=", 1) for p in env.decode("utf-8", "surrogateescape").split("\0") if "=" in p)
    out, err = io.StringIO(), io.StringIO()
    with caller_context(pairs, cwd.decode("utf-8", "surrogateescape")):
        code = agents.main(args, stdin=io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"), stdout=out,
                           stderr=err)
    return [str(code).encode(), out.getvalue().encode(), err.getvalue().encode()]


@contextmanager
def caller_context(env: dict[str, str], cwd: str):
    """The caller's view for one call: its forwarded variables and working directory."""
    saved = {k: os.environ.get(k) for k in client.FORWARDED_ENV}
    here = os.getcwd()
    for k in client.FORWARDED_ENV:
        if k in env:
            os.environ[k] = env[k]
        else:
            os.environ.pop(k, None)
    try:
        os.chdir(cwd)
    except OSError:
        pass
    try:
        yield
    finally:
        os.chdir(here)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
