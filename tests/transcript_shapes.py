"""Seeded generators of small agent transcripts in every format the readers know, with the
awkward parts of real logs mixed in: broken and truncated lines, JSON escapes (`\\u0067cloud`,
`\\/`), surrogate pairs and lone surrogates, control characters, CRLF, a BOM, blank lines,
lines that are not objects, invalid UTF-8, deep nesting and huge lines.

Used by tests/test_parity_transcripts.py (Python oracle vs Rust readers) and by
benchmarks/read_transcripts.py. `generate(fmt, rng)` returns (file name, bytes).
"""
from __future__ import annotations

import json
import random

WORDS = ["gcloud run deploy api", "git push origin main", "curl -X POST https://gw.example.dev/api/v1/deploy",
         "npm test", "ls -la", "./deploy.sh prod", "kubectl apply -f k8s/", "echo ok", "make release",
         "git push --force-with-lease origin main", "terraform apply", "gh pr merge 12 --admin"]
PROSE = ["CEO approval: you may deploy today.", "Looks good; running the tests.", "Deploying via the gateway.",
         "```bash\n$ gcloud run deploy x\nDone\n```", "```http\nPOST https://gw.example.dev/x\n\n{}\n```",
         "plain words", "", "   ", "multi\nline\ntext", "caf\u00e9 \u2603 \U0001f600"]
KEYWORDS = ["gcloud", "deploy", "push", "main", "curl", "approval", "gateway", "terraform"]
NUMBERS = ["0", "-0", "-0.0", "1e16", "1.5e-7", "0.1", "1e22", "5e-324", "18446744073709551615", "-9223372036854775808", "-12", "2.50",
           "1E+2", "0.0001", "12345678901234567.0", "true", "null", '"\\u00e9\\ud83d\\ude00"', '{"k": [1, {"z": "\\u2603"}]}']
TRICKY = ["\\u0067cloud run deploy", "https:\\/\\/gw.example.dev\\/x", "\\ud83d\\ude00 emoji", "\\ud800 lone",
          "tab\\there", "nul\\u0000x", "quote \\\" and back\\\\slash", "\\u00e9t\\u00e9"]


def _s(rng: random.Random, pool=None) -> str:
    return rng.choice(pool or WORDS + PROSE)


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=rng_flag[0])


rng_flag = [False]


def _tricky_line(line: str, rng: random.Random) -> str:
    """Put a raw JSON escape into a string value of a dumped line."""
    i = line.find('": "')
    if i < 0:
        return line
    i += 4
    return line[:i] + rng.choice(TRICKY) + line[i:]


def _noise(rng: random.Random, lines: list[str]) -> list[bytes]:
    out: list[bytes] = []
    for ln in lines:
        r = rng.random()
        if r < 0.04:
            ln = ln[: rng.randrange(1, max(2, len(ln)))]  # broken record
        elif r < 0.10:
            ln = _tricky_line(ln, rng)
        raw = ln.encode("utf-8", "surrogatepass")
        r = rng.random()
        if r < 0.02:
            raw = raw.replace(b"e", b"\xff", 1)  # invalid UTF-8
        elif r < 0.03:
            raw += b"\r"
        out.append(raw)
        r = rng.random()
        if r < 0.02:
            out.append(rng.choice([b"", b"   ", b"[1, 2]", b'"text"', b"3", b"null", b"{}", b"{\"a\": [" * 40 + b"1" + b"]}" * 40,
                                   b"[" * 1100 + b"]" * 1100, b"{\"a\": 1} trailing", b"{\"a\": \"\x01\"}",
                                   b"\xef\xbb\xbf{\"a\": 1}", b"not json at all", b"{\"a\" 1}", b"{\"a\": 01}"]))
        elif r < 0.025:
            out.append(json.dumps({"type": "assistant", "message": {"role": "assistant", "content": [
                {"type": "text", "text": "x" * rng.choice([70_000, 300_000]) + " gcloud"}]}}).encode())
    return out


def _join(rng: random.Random, chunks: list[bytes]) -> bytes:
    data = b"\n".join(chunks)
    if rng.random() < 0.8:
        data += b"\n"  # else a last line without its newline
    if rng.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
    return data


def claude(rng: random.Random, n: int) -> bytes:
    sid = "s-%d" % rng.randrange(100)
    lines = []
    calls: list[str] = []
    for i in range(n):
        r = rng.random()
        uid = "u%d" % rng.randrange(3 * n)  # duplicates happen
        env = {"uuid": uid, "sessionId": sid, "isSidechain": rng.random() < 0.1}
        if r < 0.3:
            tid = "toolu_%d" % rng.randrange(3 * n)
            calls.append(tid)
            name = rng.choice(["Bash", "Bash", "WebFetch", "mcp__gw__shell", "Read", "PowerShell"])
            inp = {"command": _s(rng, WORDS)} if name != "WebFetch" else {"url": "https://gw.example.dev/" + uid, "method": rng.choice(["get", "POST", None])}
            if rng.random() < 0.1:
                inp = {"command": rng.choice([["bash", "-lc", _s(rng, WORDS)], ["git", "push", "origin main", 3, {"k": "\u00e9"}], None, 5])}
            lines.append(_dump({"type": "assistant", **env, "message": {"role": "assistant", "content": [
                {"type": "text", "text": _s(rng, PROSE)}, {"type": "tool_use", "id": tid, "name": name, "input": inp}]}}))
        elif r < 0.55 and calls:
            tid = rng.choice(calls)
            err = rng.choice([None, True, False, "yes"])
            text = rng.choice(["ok", "Exit code 1\nfailed", "PreToolUse:Bash hook error: no", "<tool_use_error>File has not been read yet</tool_use_error>",
                               "The user doesn't want to proceed with this tool use.", "Permission to use Bash with command x has been denied.",
                               "Claude requested permissions to write to /x, but you haven't granted it yet.",
                               "cd to '/tmp' was blocked. For security, Claude Code may only change directories", "", [{"type": "text", "text": "deployed main"}]])
            block = {"type": "tool_result", "tool_use_id": tid, "content": text}
            if err is not None:
                block["is_error"] = err
            lines.append(_dump({"type": "user", **env, "message": {"role": "user", "content": [block]}}))
        elif r < 0.7:
            text = rng.choice(["please deploy main", "<bash-input>git push origin main</bash-input>", "<bash-stdout>pushed</bash-stdout><bash-stderr></bash-stderr>",
                               "<system-reminder>x</system-reminder>", "<task-notification>CEO approval: deploy</task-notification>", "[Request interrupted by user]",
                               _s(rng, PROSE)])
            extra = {"isMeta": True} if rng.random() < 0.1 else {}
            content = text if rng.random() < 0.5 else [text, {"type": "text", "text": text}, 7]
            lines.append(_dump({"type": "user", **env, **extra, "message": {"role": "user", "content": content}}))
        elif r < 0.75:
            lines.append(_dump({"type": "summary", "summary": _s(rng, PROSE), "leafUuid": uid}))
        elif r < 0.8:
            lines.append(_dump({"type": "system", **env, "content": _s(rng, PROSE), "subtype": "local_command"}))
        elif r < 0.87:
            tid = "toolu_p%d" % rng.randrange(n)
            inner = {"type": "assistant", "uuid": "in%d" % rng.randrange(n), "message": {"role": "assistant", "content": [
                {"type": "tool_use", "id": tid, "name": "Bash", "input": {"command": _s(rng, WORDS)}}]}}
            data = rng.choice([{"type": "agent_progress", "message": inner, "normalizedMessages": [inner, {}]},
                               {"type": "bash_progress"}, {"type": "new_kind"}, {"type": ["x"]}, {"type": 3}, None])
            lines.append(_dump({"type": "progress", **env, "data": data}))
        else:
            lines.append(_dump({"type": rng.choice(["file-history-snapshot", "queue-operation", "weird", 5, ["t"]]), **env}))
    return _join(rng, _noise(rng, lines))


def codex(rng: random.Random, n: int) -> bytes:
    lines = [_dump({"timestamp": "t", "type": "session_meta", "payload": {"id": "sess-%d" % rng.randrange(9),
                                                                          **({"source": {"subagent": {}}} if rng.random() < 0.1 else {})}})]
    calls: list[str] = []
    procs = 0
    for i in range(n):
        r = rng.random()
        def env(p):
            return _dump({"timestamp": "t%d" % i, "type": "response_item", "payload": p})
        if r < 0.3:
            cid = "call_%d" % rng.randrange(2 * n)
            calls.append(cid)
            name = rng.choice(["exec_command", "shell", "shell_command", "write_stdin", "exec", "search"])
            args = rng.choice([{"cmd": _s(rng, WORDS)}, {"command": ["bash", "-lc", _s(rng, WORDS)]}, {"command": _s(rng, WORDS)},
                               {"chars": rng.choice(["\u0003", "ls\n", "", "\u0004"]), "session_id": rng.choice([procs, str(procs), True])},
                               {"program": "git", "args": ["push", "origin", "main"]}, {"url": "https://gw.example.dev/x", "headers": {"A": 1, "B": [1]}, "body": {"k": 1.5}}])
            argstr = json.dumps(args) if rng.random() < 0.9 else '{"cmd": "gcloud run deploy ' + "x" * rng.randrange(5)
            p = {"type": "function_call", "name": name, "arguments": argstr if rng.random() < 0.9 else args, "call_id": cid}
            if rng.random() < 0.1:
                p["namespace"] = rng.choice(["mcp__js", "browser"])
                p["arguments"] = json.dumps({"code": "await tab.goto('https://gw.example.dev/a'); exec_command({cmd: \"git push origin main\"})"})
            lines.append(env(p))
        elif r < 0.5 and calls:
            cid = rng.choice(calls)
            procs += 1
            out = rng.choice(["Exit code: 0\nok", "Exit code: 1\nerr", "Process running with session ID %d" % procs, "exec command rejected by user",
                              "sandbox denied exec error", json.dumps({"output": "x", "metadata": {"exit_code": rng.choice([0, 2, True])}}),
                              {"content": [{"type": "input_text", "text": "deploy main"}], "success": False}, [{"type": "output_text", "text": "o"}], 3, None,
                              "Process exited with code \u0661", "NUMBERS"])
            item = json.dumps({"type": rng.choice(["function_call_output", "custom_tool_call_output"]), "call_id": cid, "output": out})
            if out == "NUMBERS":  # numbers as Python prints them (json.dumps of the output object)
                item = item.replace('"NUMBERS"', '{"v": [%s], "argv": %s}' % (", ".join(rng.sample(NUMBERS, 4)), rng.choice(NUMBERS)))
            lines.append('{"timestamp": "t%d", "type": "response_item", "payload": %s}' % (i, item))
        elif r < 0.6 and calls:
            lines.append(_dump({"timestamp": "t", "type": "event_msg", "payload": {"type": "exec_command_end", "call_id": rng.choice(calls),
                                                                                   "exit_code": rng.choice([0, 1, None, True]), "status": rng.choice(["completed", "failed", "declined", None])}}))
        elif r < 0.75:
            role = rng.choice(["user", "assistant", "developer"])
            text = rng.choice([_s(rng, PROSE), "<user_shell_command><command>git push origin main</command></user_shell_command>", "<environment_context>x</environment_context>"])
            lines.append(env({"type": "message", "role": role, "id": "m%d" % i, "content": [{"type": "input_text", "text": text}, text]}))
        elif r < 0.8:
            cid = "c_%d" % i
            calls.append(cid)
            lines.append(env({"type": "custom_tool_call", "name": rng.choice(["exec", "apply_patch", "shell"]), "call_id": cid,
                              "input": rng.choice(['execSync("gcloud run deploy x"); fetch("https://gw.example.dev/d", {method: "post"})', '{"command": "git push origin main"}', "*** Begin Patch"])}))
        elif r < 0.85:
            lines.append(env({"type": "local_shell_call", "call_id": "l%d" % i, "action": {"command": ["bash", "-lc", _s(rng, WORDS)]}}))
        elif r < 0.9:
            lines.append(_dump({"timestamp": "t", "type": rng.choice(["turn_context", "compacted", "odd"]), "payload": {"message": _s(rng, PROSE)}}))
        else:
            lines.append(env({"type": rng.choice(["reasoning", "new_item", 7, ["l"]])}))
    return _join(rng, _noise(rng, lines))


def gemini(rng: random.Random, n: int) -> bytes:
    lines = [_dump({"sessionId": "g%d" % rng.randrange(9), "projectHash": "ab", "startTime": "t"})]
    ids = []
    for i in range(n):
        r = rng.random()
        if r < 0.6 or not ids:
            mid = "m%d" % rng.randrange(n) if ids and rng.random() < 0.3 else "m%d" % i
            ids.append(mid)
            mtype = rng.choice(["user", "gemini", "info", "error", "model", "other"])
            msg = {"id": mid, "timestamp": "t", "type": mtype, "content": rng.choice([_s(rng, PROSE), [{"text": _s(rng, PROSE)}, {"text": "t", "thought": True}],
                                                                                   "System: Please continue.", "look\n--- Content from referenced files ---\nfile body"])}
            if mtype == "gemini":
                msg["toolCalls"] = [{"id": "t%d" % i, "name": rng.choice(["run_shell_command", "web_fetch"]), "args": {"command": _s(rng, WORDS)},
                                     "status": rng.choice(["success", "error", "cancelled", "executing"]),
                                     "result": rng.choice([[{"functionResponse": {"response": {"output": rng.choice(["ok", "Exit Code: 1", "Exit Code: 0"])}}}], None, {"text": "x"}])}]
            lines.append(_dump(msg))
        elif r < 0.7:
            lines.append(_dump({"$set": {"lastUpdated": "t"}} if rng.random() < 0.7 else {"$set": {"messages": [{"id": "z", "type": "user", "content": "hi deploy"}]}}))
        elif r < 0.8:
            lines.append(_dump({"$rewindTo": rng.choice(ids + ["nope", 3])}))
        else:
            lines.append(_dump(rng.choice([{"$patch": {}}, {"x": 1}])))
    return _join(rng, _noise(rng, lines))


def _openai_messages(rng: random.Random, n: int) -> list[dict]:
    msgs = []
    for i in range(n):
        r = rng.random()
        if r < 0.4:
            cid = "k%d" % i
            args = rng.choice([json.dumps({"command": _s(rng, WORDS)}), {"cmd": _s(rng, WORDS)}, '{"command": "gcloud run dep', "[1]", "", json.dumps({"url": "https://gw.example.dev/"})])
            m = {"role": "assistant", "content": rng.choice([None, _s(rng, PROSE)]), "tool_calls": [{"id": cid, "type": "function", "function": {"name": rng.choice(["shell", "bash", "fetch"]), "arguments": args}}]}
            if rng.random() < 0.1:
                m["function_call"] = {"name": "bash", "arguments": json.dumps({"command": "git push origin main"})}
            msgs.append(m)
            if rng.random() < 0.8:
                msgs.append({"role": "tool", "tool_call_id": cid, "content": rng.choice(["ok", "", "deployed"])})
        else:
            msgs.append({"role": rng.choice(["user", "system", "assistant", "developer"]), "content": _s(rng, PROSE)})
    return msgs


def openai_jsonl(rng: random.Random, n: int) -> bytes:
    msgs = _openai_messages(rng, n)
    lines = []
    if rng.random() < 0.5:
        lines = [_dump(m) for m in msgs]
    else:
        for k in range(1, len(msgs) + 1, 3):  # request lines repeating the history
            lines.append(_dump({"request": {"messages": msgs[:k]}, "response": {"choices": [{"message": {"role": "assistant", "content": _s(rng, PROSE)}}]}}))
    return _join(rng, _noise(rng, lines))


def openai_document(rng: random.Random, n: int) -> bytes:
    msgs = _openai_messages(rng, n)
    doc = msgs if rng.random() < 0.5 else {"model": "m", "messages": msgs}
    text = json.dumps(doc, indent=rng.choice([2, 4]))
    if rng.random() < 0.15:
        text = text[: rng.randrange(len(text))]
    return text.encode()


def gemini_legacy(rng: random.Random, n: int) -> bytes:
    msgs = []
    for i in range(n):
        m = {"id": "m%d" % i, "type": rng.choice(["user", "gemini"]), "content": _s(rng, PROSE)}
        if m["type"] == "gemini" and rng.random() < 0.6:
            m["toolCalls"] = [{"id": "t%d" % i, "name": "run_shell_command", "args": {"command": _s(rng, WORDS)}, "status": "success"},
                              {"id": "u%d" % i, "name": "run_shell_command", "args": {"command": "ls"}, "status": "error", "resultDisplay": "Exit Code: 2"}]
        msgs.append(m)
    text = json.dumps({"sessionId": "legacy", "projectHash": "h", "messages": msgs}, indent=2)
    if rng.random() < 0.1:
        text = text[: rng.randrange(len(text))]
    return text.encode()


def plain(rng: random.Random, n: int) -> bytes:
    out = []
    for _ in range(n):
        if rng.random() < 0.4:
            cmd = _s(rng, WORDS)
            out.append("$ " + cmd + (" \\" if rng.random() < 0.1 else ""))
        else:
            out.append(rng.choice(["output line", "", "  ", "$not a prompt", "caf\u00e9", "x\r", "Everything up-to-date"]))
    data = "\n".join(out).encode()
    if rng.random() < 0.1:
        data += b"\n\xff\xfe bad bytes"
    return data


FORMATS = {
    "claude": (claude, "session.jsonl"),
    "codex": (codex, "rollout.jsonl"),
    "gemini": (gemini, "session-g.jsonl"),
    "openai": (openai_jsonl, "chat.jsonl"),
    "openai-doc": (openai_document, "chat.json"),
    "gemini-legacy": (gemini_legacy, "session-l.json"),
    "text": (plain, "terminal.log"),
}


def generate(kind: str, rng: random.Random, n: int | None = None) -> tuple[str, bytes]:
    """One generated transcript of `kind` (a key of FORMATS): (file name, bytes)."""
    rng_flag[0] = rng.random() < 0.3  # some writers escape every non-ASCII character
    fn, name = FORMATS[kind]
    return name, fn(rng, n if n is not None else rng.randrange(1, 40))
