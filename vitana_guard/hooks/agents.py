"""The live hook from Python: runs the native executable (crates/vitana_guard_hook).

The three hook contracts (shared/reference/agent-logs.md, "Live hooks") are answered by
the executable: Claude Code PreToolUse / Codex PreToolUse deny with JSON
`hookSpecificOutput.permissionDecision: deny` on stdout, the reason on stderr and exit
2; Gemini CLI BeforeTool with `{"decision": "deny", "reason": ...}` and exit 2. Clean
calls print nothing and exit 0; warnings exit 0 with the reason as context. Every
failure denies (exit 2) unless `--fail-open` / `VITANA_GUARD_FAIL_OPEN=1`.

`vitana-guard hook AGENT` and `python -m vitana_guard.hooks AGENT` come here, for people
and scripts that call the hook by hand; `hook install` points the agents' settings at
the executable itself, so no interpreter starts on a call whose pack is cached.
"""
from __future__ import annotations

import json
import subprocess
import sys

def main(argv: list[str] | None = None, stdin=None, stdout=None, stderr=None) -> int:
    """Run the hook executable on `argv` with `stdin`'s text; its stdout and stderr go to
    `stdout`/`stderr` (default: this process's), its exit code is returned."""
    from vitana_guard.hooks import install

    argv = list(sys.argv[1:] if argv is None else argv)
    argv = [a for a in argv if a != "--no-server"]  # settings written by older versions
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        exe = install.ensure_executable()
    except (install.SettingsError, OSError) as e:
        return _deny(out, err, f"the hook executable is not available: {e}")
    if not any(a == "--python" or a.startswith("--python=") for a in argv):
        argv += ["--python", sys.executable]
    if not any(a == "--package" or a.startswith("--package=") for a in argv):
        argv += ["--package", str(install.PACKAGE_DIR)]
    source = stdin if stdin is not None else sys.stdin
    data = source.read()
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    try:
        proc = subprocess.run([str(exe), *argv], input=data, capture_output=True)
    except OSError as e:
        return _deny(out, err, f"cannot run the hook executable {exe}: {e}")
    _write(out, proc.stdout)
    _write(err, proc.stderr)
    return proc.returncode


def _write(stream, data: bytes) -> None:
    if not data:
        return
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8", "replace"))


def _deny(out, err, what: str) -> int:
    """The Claude/Codex deny form (Gemini reads exit 2 and stderr): nothing could run."""
    reason = (f"vitana-guard could not check this call and fails closed: {what}. "
              "Fix the hook (or run it with --fail-open) to proceed.")
    out.write(json.dumps({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                                 "permissionDecisionReason": reason}}) + "\n")
    err.write(reason + "\n")
    return 2
