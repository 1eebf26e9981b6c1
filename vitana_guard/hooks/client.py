"""The client side of the fork server: how a hook invocation starts in milliseconds.

An agent starts a new interpreter for every tool call, and git one for every commit;
importing the engine and the CLI costs several times what the evaluation does (regex,
the dataclass records, the matchers, click: ~100 ms). So the latency-critical entry
points (`python -m vitana_guard.hooks AGENT`, `vitana-guard hook AGENT`,
`vitana-guard diff`, `vitana-guard commit-msg`) hand their invocation to a per-user
server (`hooks.server`) that has those modules imported and forks a child for it. The
child gets this process's stdin, stdout and stderr (passed over the socket), its
environment, working directory and arguments, so it behaves exactly as this process
would (terminal detection, pipes, exit code), and each call is isolated in its own
process. This module imports nothing the interpreter has not loaded at start-up:
`_socket` rather than `socket` (whose enums cost ~10 ms), no json.

No server reachable (first call, a reinstall, `VITANA_GUARD_SERVER=0`, a socket
directory that is not private): the invocation runs in this process, and a server is
started in the background for the next ones (not on CI, where `CI` is set: nobody
would reuse it). A server that accepts but never says it forked a child, or whose
child dies without an exit code, is treated the same way: the guard never lets a
call through because the server failed.
"""
from __future__ import annotations

import os
import sys

ACK_TIMEOUT = 5.0  # s for the server to fork a child; the work itself is not timed
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def server_enabled() -> bool:
    return (hasattr(os, "fork") and hasattr(os, "getuid")
            and os.environ.get("VITANA_GUARD_SERVER", "1").lower() not in ("0", "false", "no", "off"))


def socket_dir() -> str:
    """A directory only this user can enter: `$XDG_RUNTIME_DIR/vitana-guard` (a tmpfs
    that dies with the login session), else `$TMPDIR/vitana-guard-<uid>`."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "vitana-guard")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"vitana-guard-{os.getuid()}")


def private_dir(path: str, create: bool) -> bool:
    """True when `path` is a real directory owned by us with no access for others
    (what keeps another user from answering our hook or receiving our terminal)."""
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (st.st_mode & 0o170000) == 0o040000 and st.st_uid == os.getuid() and not st.st_mode & 0o077


def build_id(package: str = PACKAGE_DIR) -> str:
    """Identifies this installation's code: interpreter, package path and every source
    file's size and mtime. A server runs the code it started with, so a reinstall or
    an edited engine gets a new server address instead of a stale answer."""
    # the real interpreter: `python` and `python3` in one venv are one installation
    # (the package path tells venvs apart)
    parts = [os.path.realpath(sys.executable), package, sys.version]
    stack = [package]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in sorted(it, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
    # FNV-1a: a stable name, not a secret (hashlib costs an OpenSSL import here)
    h = 0xCBF29CE484222325
    for byte in "\0".join(parts).encode("utf-8", "surrogateescape"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


_installation_id: str | None = None


def installation_id() -> str:
    """`build_id` of this package, worked out once per process: a server keeps the id
    of the code it loaded, and its children inherit it."""
    global _installation_id
    if _installation_id is None:
        _installation_id = build_id()
    return _installation_id


def socket_path() -> str | None:
    path = os.path.join(socket_dir(), f"vg-{installation_id()}.sock")
    return path if len(path.encode()) < 100 else None  # sun_path holds 108 bytes


# -- framing: each field is a 4-byte big-endian length and its bytes -------------------


def encode(fields: list[bytes]) -> bytes:
    return b"".join(len(f).to_bytes(4, "big") + f for f in fields)


def decode(data: bytes) -> list[bytes] | None:
    """The fields of a complete message; None when it is cut short."""
    fields, pos = [], 0
    while pos < len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        if pos + 4 > len(data) or pos + 4 + size > len(data):
            return None
        fields.append(data[pos + 4:pos + 4 + size])
        pos += 4 + size
    return fields


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


# -- asking the server -----------------------------------------------------------------


def run_in_server(entry: str, argv: list[str]) -> int | None:
    """Run `entry` (`hook` or `cli`) with `argv` in a child of the server, on this
    process's stdio; its exit code, or None when no server ran it."""
    path = socket_path() if server_enabled() else None
    if not path or not private_dir(os.path.dirname(path), create=False):
        return None
    import _socket

    fds = [fd for fd in (0, 1, 2) if _is_open(fd)]
    if len(fds) < 3:
        return None  # a closed stdio stream cannot be handed over; run here as it is
    env = [f"{k}={v}" for k, v in os.environ.items()]
    command_line = "\0".join([sys.argv[0], *argv])  # argv[0] too: reports record the command line
    message = encode([b"run", _bytes(entry), _bytes(command_line), _bytes("\0".join(env)), _bytes(os.getcwd())])
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(ACK_TIMEOUT)
        sock.connect(path)
        rights = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
        sock.sendmsg([message], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
        sock.shutdown(_socket.SHUT_WR)
        with _ForwardCtrlC() as ctrl_c:
            ack = _recv_exactly(sock, 6)  # b"ok" and the child's pid: from here on it owns stdio
            if ack is None or ack[:2] != b"ok":
                if ctrl_c.pending:
                    raise KeyboardInterrupt  # nothing runs in the server: interrupted here
                return None
            sock.settimeout(None)
            ctrl_c.to(int.from_bytes(ack[2:], "big"))
            code = _recv_exactly(sock, 4)
    except OSError:  # no server, refused, a stale socket, no fork in time
        return None
    finally:
        sock.close()
    if code is None:
        return None  # the child died without an exit code (killed): run it here
    return int.from_bytes(code, "big", signed=True)


class _ForwardCtrlC:
    """While a call runs in the server, Ctrl-C (SIGINT) reaching this process goes to the
    child, or waits until its pid is known. A handler that raises KeyboardInterrupt
    could lose bytes already read from the socket (the exception lands between two
    bytecodes), leaving this process waiting for an answer it has had."""

    def __init__(self) -> None:
        self.child = 0
        self.pending = False
        self._installed = False
        self._previous = None

    def __enter__(self) -> "_ForwardCtrlC":
        import _signal  # the C module: no enums to build

        try:
            self._previous = _signal.signal(_signal.SIGINT, self._on_sigint)
            self._installed = True
        except ValueError:  # not the main thread: Ctrl-C is not ours to route
            pass
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:
            import _signal

            _signal.signal(_signal.SIGINT, _signal.SIG_DFL if self._previous is None else self._previous)

    def _on_sigint(self, _signum, _frame) -> None:
        if self.child:
            os.kill(self.child, 2)
        else:
            self.pending = True

    def to(self, child: int) -> None:
        """The child's pid is known: a Ctrl-C that came before it goes to it now."""
        self.child = child
        if self.pending:
            os.kill(child, 2)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _recv_exactly(sock, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def start_server() -> None:
    """Start a detached server (its own session, stdio on /dev/null, so neither the
    agent nor git waits on it). posix_spawn, not subprocess: this runs in a hook."""
    if "CI" in os.environ or not server_enabled():
        return
    path = socket_path()
    if not path or not private_dir(os.path.dirname(path), create=True):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        null = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
        argv = [sys.executable, "-I", "-m", "vitana_guard.hooks", "serve"]  # -I: nothing from the cwd
        idle = os.environ.get("VITANA_GUARD_SERVER_IDLE", "")
        if idle.isdigit():
            argv += ["--idle", idle]
        os.posix_spawn(sys.executable, argv, dict(os.environ), file_actions=null, setsid=True)
    except (OSError, AttributeError, NotImplementedError):
        pass  # no server: every call runs in its own process, as before


def control(what: str) -> int:
    """`stop`: ask this installation's server to exit; `status`: whether one runs."""
    import _socket

    path = socket_path()
    reply = None
    if path:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            sock.settimeout(2.0)
            sock.connect(path)
            sock.sendall(encode([what.encode()]))
            sock.shutdown(_socket.SHUT_WR)
            reply = sock.recv(1 << 12).decode("utf-8", "replace")
        except OSError:
            reply = None
        finally:
            sock.close()
    if not reply:
        print(f"vitana-guard server: not running ({path or 'no socket path'})")
        return 0 if what == "stop" else 3
    print(f"vitana-guard server: {reply} ({path})")
    return 0


# -- entry points ----------------------------------------------------------------------


def main(argv: list[str]) -> int:
    """`python -m vitana_guard.hooks AGENT [...] | serve [--idle S] | status | stop`."""
    if argv[:1] == ["serve"]:
        from vitana_guard.hooks import server

        return server.main(argv[1:])
    if argv[:1] in (["stop"], ["status"]):
        return control(argv[0])
    if "--no-server" in argv:
        # the installed hooks: a process of the same user could listen on the server's
        # socket and answer "allow"; evaluated here, in a fresh isolated interpreter
        from vitana_guard.hooks import agents

        return agents.main([a for a in argv if a != "--no-server"])
    code = run_in_server("hook", argv)
    if code is None:
        from vitana_guard.hooks import agents

        code = agents.main(argv)
        start_server()
    return code
