"""`python -m vitana_guard.hooks`: the process an agent spawns for every tool call.

An agent starts a new interpreter per call, and importing the engine costs more than
the evaluation (regex, the dataclass records, the matchers: ~70 ms). So the hook asks a
per-user evaluation server (`hooks.server`) that keeps the engine loaded, and answers in
the time Python takes to start. This module therefore imports nothing beyond what the
interpreter has already loaded: `_socket`, not `socket` (whose enum set-up alone costs
~10 ms), and a length-prefixed framing instead of `json`.

No server reachable (first call, after an upgrade, `VITANA_GUARD_SERVER=0`, a socket
directory that is not private): the call is evaluated in this process, exactly as the
server would, and a server is started in the background for the next calls. A reply
cut short falls back the same way: the guard never allows a call because the server
failed (fail closed is decided by the evaluation, wherever it runs).
"""
from __future__ import annotations

import os
import sys

# what a call's evaluation reads from the environment (the server adopts the caller's)
FORWARDED_ENV = ("HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "VITANA_GUARD_FAIL_OPEN")
REPLY_TIMEOUT = 8.0  # s; the agents' own hook timeout is 10 s and more
MAX_FIELD = 64 << 20  # a Write of a large file is a few MB; refuse absurd frames


def server_enabled() -> bool:
    return os.environ.get("VITANA_GUARD_SERVER", "1").lower() not in ("0", "false", "no", "off")


def socket_dir() -> str:
    """A directory only this user can enter: `$XDG_RUNTIME_DIR/vitana-guard` (a tmpfs
    that dies with the login session), else `$TMPDIR/vitana-guard-<uid>`."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "vitana-guard")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"vitana-guard-{os.getuid()}")


def private_dir(path: str, create: bool) -> bool:
    """True when `path` is a real directory owned by us with no access for others
    (what keeps another user from answering our hook or reading our calls)."""
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


PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_id(package: str = PACKAGE_DIR) -> str:
    """Identifies this installation's code: interpreter, package path and every source
    file's size and mtime. A server runs the code it started with, so a reinstall or
    an edited engine gets a new server address instead of a stale answer."""
    parts = [sys.executable, package, sys.version]
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


def socket_path() -> str | None:
    path = os.path.join(socket_dir(), f"hook-{build_id()}.sock")
    return path if len(path.encode()) < 100 else None  # sun_path holds 108 bytes


# -- framing: each field is a 4-byte big-endian length and its bytes -------------------


def encode(fields: list[bytes]) -> bytes:
    return b"".join(len(f).to_bytes(4, "big") + f for f in fields)


def decode(data: bytes) -> list[bytes] | None:
    """The fields of a complete message; None when it is cut short or malformed."""
    fields, pos = [], 0
    while pos < len(data):
        if pos + 4 > len(data):
            return None
        size = int.from_bytes(data[pos:pos + 4], "big")
        if size > MAX_FIELD or pos + 4 + size > len(data):
            return None
        fields.append(data[pos + 4:pos + 4 + size])
        pos += 4 + size
    return fields


def request(path: str, fields: list[bytes], timeout: float = REPLY_TIMEOUT) -> list[bytes] | None:
    """Send one request and read the whole reply; None when no server answers."""
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(encode(fields))
        sock.shutdown(_socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(1 << 16):
            chunks.append(chunk)
    except OSError:  # no server, refused, timed out, reset: evaluate here instead
        return None
    finally:
        sock.close()
    return decode(b"".join(chunks))


def run_request(argv: list[str], stdin: bytes) -> list[bytes]:
    env = [f"{k}={os.environ[k]}" for k in FORWARDED_ENV if k in os.environ]
    return [b"run", "\0".join(argv).encode("utf-8", "surrogateescape"),
            "\0".join(env).encode("utf-8", "surrogateescape"),
            os.getcwd().encode("utf-8", "surrogateescape"), stdin]


def start_server() -> None:
    """Start a detached server (its own session, stdio on /dev/null, so the agent never
    waits on it). posix_spawn, not subprocess: this runs inside a hook call."""
    try:
        null = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
        os.posix_spawn(sys.executable, [sys.executable, "-m", "vitana_guard.hooks", "serve"], os.environ,
                       file_actions=null, setsid=True)
    except (OSError, AttributeError, NotImplementedError):
        pass  # no server: every call is evaluated in its own process, as before


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        from vitana_guard.hooks import server

        return server.main(argv[1:])
    if argv[:1] in (["stop"], ["status"]):
        return control(argv[0])
    path = socket_path() if server_enabled() and hasattr(os, "getuid") else None
    stdin = sys.stdin.buffer.read()
    if path and private_dir(os.path.dirname(path), create=False):
        reply = request(path, run_request(argv, stdin))
        if reply is not None and len(reply) == 3 and reply[0].isdigit():
            sys.stdout.buffer.write(reply[1])
            sys.stderr.buffer.write(reply[2])
            return int(reply[0])
    code = evaluate_here(argv, stdin)
    if path and private_dir(os.path.dirname(path), create=True):
        sys.stdout.flush()
        sys.stderr.flush()
        start_server()
    return code


def evaluate_here(argv: list[str], stdin: bytes) -> int:
    import io

    from vitana_guard.hooks import agents

    return agents.main(argv, stdin=io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))


def control(what: str) -> int:
    """`stop`: ask this installation's server to exit; `status`: say whether one runs."""
    path = socket_path()
    reply = request(path, [what.encode()], timeout=2.0) if path else None
    if reply is None:
        print(f"vitana-guard hook server: not running ({path or 'no socket path'})")
        return 0 if what == "stop" else 3
    print(f"vitana-guard hook server: {reply[0].decode('utf-8', 'replace') if reply else 'no answer'} ({path})")
    return 0
