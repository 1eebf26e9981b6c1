"""The three hook contracts (shared/reference/agent-logs.md, "Live hooks").

Claude Code PreToolUse / Codex PreToolUse (Claude-compatible): deny = JSON
`hookSpecificOutput.permissionDecision: deny` on stdout + the reason on stderr +
exit 2 (the combination reported robust across versions). Gemini CLI BeforeTool:
deny = stdout holding only `{"decision": "deny", "reason": ...}` + exit 2 (stderr
carries the reason too, for builds that read it on exit 2).

Clean calls print nothing and exit 0: the hook never answers "allow", which would
skip the agent's own permission prompt. Warnings exit 0 with the reason as context.

Fail closed: bad stdin, an unreadable pack or any internal error denies (exit 2)
unless `--fail-open` / `VITANA_GUARD_FAIL_OPEN=1`.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

from vitana_guard.hooks import AGENTS, edited, state
from vitana_guard.hooks.core import Call, Item, Verdict

USAGE = ("usage: python -m vitana_guard.hooks {claude|gemini|codex} [--post] [--deadline S] [--fail-open] "
         "[--audit-log FILE]")

SHELL_TOOLS = frozenset({
    "bash", "shell", "run_shell_command", "exec_command", "shell_command", "local_shell", "container.exec",
    "exec", "execute_command", "run_command", "run_terminal_cmd", "terminal", "execute_bash",
})
FETCH_TOOLS = frozenset({"webfetch", "web_fetch"})
WRITE_TOOLS = frozenset({"write", "edit", "multiedit", "write_file", "replace", "notebookedit", "create_file"})
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})


class BadInput(Exception):
    pass


# -- reading a call --------------------------------------------------------------------


def parse_call(agent: str, raw: str) -> Call:
    if not raw.strip():
        raise BadInput("empty stdin (expected the hook's JSON payload)")
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise BadInput(f"stdin is not JSON: {e}") from None
    except RecursionError:
        raise BadInput("stdin JSON is nested too deeply") from None
    if not isinstance(data, dict):
        raise BadInput("stdin JSON is not an object")
    tool = data.get("tool_name")
    tool_input = data.get("tool_input")
    session = data.get("session_id")
    if not isinstance(tool, str) or not tool:
        raise BadInput("payload has no tool_name")
    if not isinstance(tool_input, dict):
        raise BadInput("payload has no tool_input object")
    if not isinstance(session, str) or not session:
        raise BadInput("payload has no session_id")
    record_id = data.get("tool_use_id") or data.get("call_id") or f"hook-{os.urandom(8).hex()}"
    cwd = data.get("cwd") if isinstance(data.get("cwd"), str) else None
    items = items_of(tool, tool_input, cwd)
    shell_text = items[0].text if is_shell_tool(tool, tool_input) and items else None
    return Call(agent, session, str(record_id), tool, items, cwd, tool_input, shell_text)


def is_shell_tool(tool: str, args: dict) -> bool:
    """A shell tool by name, or an MCP tool whose input has a `command` (`mcp__shell__run`):
    whatever its server calls it, a command it is given is run as shell."""
    name = tool.lower()
    base = name.rsplit("__", 1)[-1] if name.startswith("mcp__") else name
    if base in SHELL_TOOLS:
        return True
    return name.startswith("mcp__") and ("command" in args or "cmd" in args) and base not in WRITE_TOOLS \
        and base != "apply_patch"


def items_of(tool: str, args: dict, cwd: str | None = None) -> list[Item]:
    name = tool.lower()
    base = name.rsplit("__", 1)[-1] if name.startswith("mcp__") else name
    if is_shell_tool(tool, args):
        text = _command_text(args.get("command", args.get("cmd")))
        if text is None:
            raise BadInput(f"{tool} call has no command")
        return [Item("command", text)] if text.strip() else []
    if base in WRITE_TOOLS:
        path = args.get("file_path") or args.get("path") or args.get("notebook_path")
        texts = [args.get(k) for k in ("content", "new_string", "new_source")]
        edits = args.get("edits") or []
        if not isinstance(edits, list):
            raise BadInput(f"{tool} call's edits is not a list")
        if isinstance(path, str) and path and base in ("edit", "multiedit", "replace") and (cwd or os.path.isabs(path)):
            result = edited.apply_edits(path, cwd or "/", args, edits)
            if result is not None:
                text, lines = result
                return [Item("file", text, path, lines)]
        texts += [e.get("new_string") for e in edits if isinstance(e, dict)]
        texts = [t for t in texts if isinstance(t, str) and t]
        return [Item("file", t, str(path) if path else None) for t in texts]
    if base == "apply_patch":  # Codex: each file as the patch leaves it
        return _patch_items(args.get("input") or args.get("patch") or _command_text(args.get("command")) or "", cwd)
    if base in FETCH_TOOLS or isinstance(args.get("url"), str):
        url = args.get("url")
        urls = [url] if isinstance(url, str) else _urls(str(args.get("prompt") or ""))
        method = args.get("method") if isinstance(args.get("method"), str) else "GET"
        return [Item("request", _http_text(method, u.strip(), args)) for u in urls if u.strip()]
    return []


def _command_text(cmd) -> str | None:
    if isinstance(cmd, str):
        return cmd
    if isinstance(cmd, list) and cmd and all(isinstance(w, str) for w in cmd):
        if len(cmd) == 3 and cmd[0].rsplit("/", 1)[-1] in _SHELLS and cmd[1] in ("-c", "-lc", "-ic"):
            return cmd[2]
        import shlex

        return shlex.join(cmd)
    return None


def _urls(text: str) -> list[str]:
    import re

    return re.findall(r"https?://[^\s<>\"'`)\]]+", text)


def _http_text(method: str, url: str, args: dict) -> str:
    text = f"{method.strip().upper() or 'GET'} {url}"
    headers = args.get("headers")
    if isinstance(headers, dict):
        text += "".join(f"\n{k}: {v}" for k, v in headers.items())
    body = next((args[k] for k in ("body", "json", "data") if args.get(k) is not None), None)
    if body is not None and body != "":
        text += "\n\n" + (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False))
    return text


def _patch_items(patch: str, cwd: str | None = None) -> list[Item]:
    items: list[Item] = []
    for path, kind, lines in edited.patch_files(str(patch)):
        if kind == "update" and (cwd or os.path.isabs(path)):
            result = edited.apply_hunks(path, cwd or "/", lines)
            if result is not None:
                items.append(Item("file", result[0], path, result[1]))
                continue
        added = [line[1:] for line in lines if line.startswith("+")]
        if added:
            items.append(Item("file", "\n".join(added) + "\n", path))
    return items


# -- answering -------------------------------------------------------------------------


def respond(agent: str, verdict: Verdict, out, err) -> int:
    if verdict.decision == "deny":
        if agent == "gemini":
            out.write(json.dumps({"decision": "deny", "reason": verdict.reason}) + "\n")
        else:
            out.write(json.dumps({"hookSpecificOutput": {
                "hookEventName": "PreToolUse", "permissionDecision": "deny",
                "permissionDecisionReason": verdict.reason}}) + "\n")
        err.write(verdict.reason + "\n")
        return 2
    if verdict.decision == "warn":
        if agent == "claude":
            # context only: no permissionDecision, so the user's permission flow is unchanged
            out.write(json.dumps({"hookSpecificOutput": {
                "hookEventName": "PreToolUse", "additionalContext": verdict.reason}}) + "\n")
        else:
            err.write(verdict.reason + "\n")
    return 0


@dataclass
class Options:
    agent: str | None = None
    fail_open: bool = False
    audit_log: str | None = None
    post: bool = False  # a post-tool hook: record gateway steps from the call's result
    deadline: float | None = None  # seconds: deny on our own before the agent's timeout


def _options(argv: list[str]) -> Options:
    o = Options(fail_open=os.environ.get("VITANA_GUARD_FAIL_OPEN", "") in ("1", "true", "yes"))
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--fail-open":
            o.fail_open = True
        elif a == "--post":
            o.post = True
        elif a in ("--audit-log", "--deadline") and i + 1 < len(argv):
            i += 1
            if a == "--audit-log":
                o.audit_log = argv[i]
            elif not _set_deadline(o, argv[i]):
                return Options(fail_open=o.fail_open)
        elif a.startswith("--audit-log="):
            o.audit_log = a.split("=", 1)[1]
        elif a.startswith("--deadline="):
            if not _set_deadline(o, a.split("=", 1)[1]):
                return Options(fail_open=o.fail_open)
        elif a in AGENTS and o.agent is None:
            o.agent = a
        else:
            return Options(fail_open=o.fail_open)
        i += 1
    return o


def _set_deadline(o: Options, value: str) -> bool:
    try:
        o.deadline = float(value)
    except ValueError:
        return False
    return o.deadline > 0


class DeadlineExceeded(Exception):
    pass


def _arm(deadline: float | None):
    """Deny on our own when the evaluation runs past `deadline` seconds: the agent's
    own timeout would count as a non-blocking hook error and let the call run."""
    if not deadline:
        return None
    import signal

    def expired(_signum, _frame):
        raise DeadlineExceeded(f"the check did not finish within {deadline:g}s")

    try:
        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, deadline)
    except (ValueError, OSError, AttributeError):  # not the main thread, no SIGALRM
        return None
    return previous


def _disarm(previous) -> None:
    if previous is None:
        return
    import signal

    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def main(argv: list[str] | None = None, stdin=None, stdout=None, stderr=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out, err = stdout or sys.stdout, stderr or sys.stderr
    o = _options(argv)
    if o.agent is None:
        err.write(USAGE + "\n")
        # still answer in a blocking form: a misconfigured hook must not allow
        return respond("claude", Verdict("deny", "vitana-guard hook misconfigured: " + USAGE), out, err)
    if o.post:
        return run_post(o.agent, stdin=stdin, stderr=err)
    previous = _arm(o.deadline)
    try:
        return run(o.agent, fail_open=o.fail_open, audit_log=o.audit_log, stdin=stdin, stdout=out, stderr=err)
    finally:
        _disarm(previous)


def run_post(agent: str, *, stdin=None, stderr=None) -> int:
    """Post-tool hook: record the gateway steps the call took, when it reached the
    canonical gateway and succeeded. Never blocks (the call has run); a failure only
    means the step is not recorded, so a later step that needs it is denied."""
    err = stderr or sys.stderr
    try:
        raw = (stdin or sys.stdin).read()
        call = parse_call(agent, raw)
        data = json.loads(raw)
        result = next((data[k] for k in ("tool_response", "tool_result", "tool_output", "response") if k in data), None)
        if call.items:
            from vitana_guard.hooks import core

            core.record_result(call, result)
    except Exception as e:  # noqa: BLE001 - nothing to block any more; say why nothing was recorded
        err.write(f"vitana-guard: post-tool hook could not record this call's result: {e}\n")
    return 0


def run(agent: str, *, fail_open: bool = False, audit_log: str | None = None, stdin=None, stdout=None,
        stderr=None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    call = None
    try:
        raw = (stdin or sys.stdin).read()
        call = parse_call(agent, raw)
        if call.cwd is not None and not _is_dir(call.cwd):
            raise BadInput(f"the call's cwd {call.cwd!r} does not exist (deleted?); its config cannot be read")
        from vitana_guard.hooks import tamper

        tampering = tamper.judge(call.tool, call.tool_input, call.cwd, call.shell_text)
        if tampering is None and call.shell_text is not None:
            # what the command runs from disk (Makefile, package.json, scripts) is judged too
            from vitana_guard.hooks import ondisk

            try:
                found = ondisk.scripts(call.shell_text, call.cwd)
            except ondisk.OnDiskError as e:
                raise BadInput(f"cannot check what this command runs from disk: {e}") from None
            call.items += [Item("command", script) for _, script in found if script.strip()]
            for what, script in found:
                tampering = tampering or tamper.judge_shell(script, call.cwd)
        if tampering is not None:
            verdict = Verdict("deny", tampering.reason, ["tamper"])
        elif not call.items:
            verdict = Verdict("allow", fast=True)
        else:
            from vitana_guard.hooks import core

            verdict, key = core.fast_verdict(call)
            if verdict is None:
                verdict = core.evaluate(call, key)
    except BaseException as e:  # noqa: BLE001 - fail closed on everything, SystemExit included
        if isinstance(e, KeyboardInterrupt):
            raise
        # refusals that say what the guard could not do are given as they are
        plain = isinstance(e, BadInput) or type(e).__name__ in ("DepthLimit", "DeadlineExceeded", "OnDiskError")
        what = str(e) if plain else f"internal error: {type(e).__name__}: {e}"
        if fail_open:
            err.write(f"vitana-guard: hook error ({what}); --fail-open: allowing the call\n")
            _audit(audit_log, agent, call, Verdict("allow", what), err, error=what)
            return 0
        verdict = Verdict("deny", f"vitana-guard could not check this call and fails closed: {what}. "
                                  "Fix the hook (or run it with --fail-open) to proceed.")
        _audit(audit_log, agent, call, verdict, err, error=what)
        return respond(agent, verdict, out, err)
    _audit(audit_log, agent, call, verdict, err)
    return respond(agent, verdict, out, err)


def _is_dir(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


def _audit(path, agent, call, verdict, err, error: str | None = None) -> None:
    try:
        record = {
            "agent": agent,
            "session": call.session if call else None,
            "tool": call.tool if call else None,
            "tool_use_id": call.record_id if call else None,
            "rules": verdict.rules,
            "decision": verdict.decision,
            "fingerprint": state.fingerprint([i.text for i in call.items]) if call else None,
        }
        if error:
            record["error"] = error
        state.audit(record, path)
    except Exception as e:  # noqa: BLE001 - the audit log never changes a decision
        err.write(f"vitana-guard: cannot write audit log: {e}\n")
