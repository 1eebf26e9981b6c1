"""The per-user fork server behind the latency-critical entry points (see `client`).

Started in the background by the first invocation that finds none, it imports the
CLI, the engine and the hooks once, listens on a Unix socket in a private directory
and forks a child per invocation. The child takes the caller's stdin, stdout and
stderr (received over the socket), environment, working directory and arguments, runs
the entry point as a fresh process would, and sends its exit code back. Children are
independent processes: calls run in parallel, share nothing they could corrupt (the
session state has its own file lock), and see rule or config edits at once (the rule
pack cache is keyed by content per call). The server exits after `--idle` seconds
without a call (default 15 minutes).

A lock file held for the server's life makes a second server (two first calls at
once) exit at start, and lets the holder replace a socket file a killed server left.
"""
from __future__ import annotations

import fcntl
import os
import signal
import socket
import sys

from vitana_guard.hooks import client

IDLE_SECONDS = 15 * 60
MAX_MESSAGE = 1 << 20  # argv, environment and cwd: a few KB


def main(argv: list[str]) -> int:
    idle = IDLE_SECONDS
    if argv[:1] == ["--idle"] and len(argv) == 2 and argv[1].isdigit() and int(argv[1]) > 0:
        idle = int(argv[1])
    elif argv:
        print("usage: python -m vitana_guard.hooks serve [--idle SECONDS]", file=sys.stderr)
        return 2
    path = client.socket_path()
    if path is None or not client.private_dir(os.path.dirname(path), create=True):
        print("vitana-guard server: no private socket directory; not serving", file=sys.stderr)
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


def preload() -> None:
    """What every child would otherwise import itself."""
    import vitana_guard.cli  # noqa: F401 - registers every command group
    import vitana_guard.engine.scan  # noqa: F401
    import vitana_guard.hooks.agents  # noqa: F401
    import vitana_guard.hooks.core  # noqa: F401
    import vitana_guard.pipeline  # noqa: F401
    import vitana_guard.report.text  # noqa: F401


def serve(path: str, idle: float) -> None:
    preload()
    try:
        os.unlink(path)  # left by a server that was killed; we hold the lock, so not live
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    listener.settimeout(idle)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    forks = 0
    with listener:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return
            fds: list[int] = []
            try:
                conn.settimeout(client.ACK_TIMEOUT)
                fields, fds = receive(conn)
                kind = fields[0] if fields else b""
                if kind == b"run" and len(fields) == 5 and len(fds) == 3:
                    if os.fork() == 0:
                        listener.close()
                        child(conn, fds, fields[1:])  # never returns
                    forks += 1
                elif kind == b"status":
                    conn.sendall(f"running, pid {os.getpid()}, {forks} calls answered".encode())
                elif kind == b"stop":
                    conn.sendall(b"stopping")
                    return
            except OSError:
                continue  # a caller that went away, or no fork: it runs the call itself
            finally:
                for fd in fds:
                    os.close(fd)
                conn.close()
            if kind == b"run" and len(fields) == 5:
                warm(fields[1], fields[4].decode("utf-8", "surrogateescape"))


def warm(entry: bytes, cwd: str) -> None:
    """Load and compile the rule pack the caller's project uses, after its child is on
    its way, so the next call's child inherits it (no cache file read, no regex
    compiled). Keys are the packs' content, so a stale one is never served; errors are
    the child's to report."""
    from vitana_guard.engine.scan import DocumentScanner

    try:
        if entry == b"hook":
            from vitana_guard.hooks import core

            engine, _ = core.load_engine(cwd)
            DocumentScanner(engine.pack, engine.compiled)
        else:
            from vitana_guard import config as configmod
            from vitana_guard.pipeline import ScanOptions, compiled_for, load_for

            cfg = configmod.load(configmod.discover(cwd))
            pack = load_for(cfg)
            DocumentScanner(pack, compiled_for(pack, ScanOptions(select=cfg.select, ignore=cfg.ignore)))
    except Exception:  # noqa: BLE001, S110 - see above
        pass


def receive(conn: socket.socket) -> tuple[list[bytes], list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, MAX_MESSAGE, 3)
    chunks = [data]
    while data:
        data = conn.recv(1 << 16)
        chunks.append(data)
        if sum(map(len, chunks)) > MAX_MESSAGE:
            break
    return client.decode(b"".join(chunks)) or [], fds


def child(conn: socket.socket, fds: list[int], fields: list[bytes]) -> None:
    """Become the caller's process and run its entry point; exit with its code."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocess (git) must reap its own
        os.setsid()  # the server's session must not receive the caller's signals
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        entry, argv, env, cwd = (f.decode("utf-8", "surrogateescape") for f in fields)
        os.environ.clear()
        os.environ.update(p.split("=", 1) for p in env.split("\0") if "=" in p)
        os.chdir(cwd)
        sys.argv = argv.split("\0")
        conn.settimeout(None)
        conn.sendall(b"ok" + os.getpid().to_bytes(4, "big"))
        code = run_entry(entry, sys.argv[1:])
    except KeyboardInterrupt:  # Ctrl-C passed on by the caller: exit as an interrupted process does
        code = 130
    except BaseException:  # noqa: BLE001 - a child must always report, never return to the loop
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - the caller closed its end
                pass
        try:
            conn.sendall(code.to_bytes(4, "big", signed=True))
        except OSError:
            pass
        os._exit(code & 0xFF)


def run_entry(entry: str, args: list[str]) -> int:
    """What the caller's own process would have run; SystemExit becomes the code."""
    try:
        if entry == "hook":
            from vitana_guard.hooks import agents

            return agents.main(args)
        from vitana_guard.cli import main

        main(args, prog_name="vitana-guard")
        return 0
    except SystemExit as e:
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        print(e.code, file=sys.stderr)
        return 1
