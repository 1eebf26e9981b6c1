from vitana_guard.model import Actor, Channel, Status

from transcript_helpers import by_text, load, notices, segs

SESSION = "7d2c1a90-3b7e-4c55-9f41-2e8a6b0c1d11"


def items():
    return load("claude_session.jsonl")


def test_no_notices_and_flat_segments():
    got = items()
    assert notices(got) == []
    assert all(s.flat and s.column == 1 and s.origin.kind == "claude" for s in segs(got))
    assert all(s.origin.session == SESSION for s in segs(got) if s.line > 1)
    assert segs(got)[0].origin.session == "claude_session.jsonl"  # summary before any sessionId


def test_bash_executed():
    s = by_text(items(), "npm test")
    assert (s.channel, s.line, s.origin.record_id, s.origin.status, s.origin.actor, s.origin.tool) == (
        Channel.COMMAND, 4, "toolu_01", Status.EXECUTED, Actor.AGENT, "Bash")
    out = by_text(items(), "Tests: 42 passed")
    assert (out.channel, out.line, out.origin.actor, out.origin.record_id, out.origin.status) == (
        Channel.OUTPUT, 5, Actor.TOOL, "toolu_01", Status.EXECUTED)


def test_bash_failed_exit_code():
    s = by_text(items(), "npm run lint")
    assert (s.line, s.origin.status) == (6, Status.FAILED)


def test_hook_denied():
    s = by_text(items(), "make release ENV=prod")
    assert (s.line, s.origin.record_id, s.origin.status) == (8, "toolu_03", Status.DENIED)


def test_user_rejected_and_interrupt_marker_injected():
    s = by_text(items(), "git push origin main")
    assert (s.line, s.origin.status) == (10, Status.DENIED)
    marker = by_text(items(), "[Request interrupted by user for tool use]")
    assert (marker.channel, marker.origin.actor) == (Channel.PROSE, Actor.INJECTED)


def test_permission_rule_denied_and_tool_use_error_blocked():
    assert by_text(items(), "ls -la").origin.status == Status.DENIED
    # input validation by the tool: never ran, but no one denied it
    assert by_text(items(), "cat missing").origin.status == Status.BLOCKED


def test_webfetch_is_request():
    s = by_text(items(), "GET https://status.example.com/api/health")
    assert (s.channel, s.line, s.origin.record_id, s.origin.status, s.origin.tool) == (
        Channel.REQUEST, 13, "toolu_05", Status.EXECUTED, "WebFetch")


def test_assistant_text_with_fenced_blocks():
    got = items()
    line15 = [s for s in segs(got) if s.line == 15]
    assert [s.channel for s in line15] == [Channel.PROSE, Channel.COMMAND, Channel.REQUEST]
    prose, cmd, req = line15
    assert prose.text.startswith("Tests pass.") and "```bash" in prose.text
    assert prose.origin.actor == Actor.AGENT
    assert cmd.text == "./scripts/release.sh staging"  # `$ ` prompt stripped
    assert (cmd.origin.actor, cmd.origin.status) == (Actor.AGENT, None)
    assert req.text == 'POST https://api.example.com/releases\nContent-Type: application/json\n\n{"env": "staging"}'


def test_thinking_skipped():
    got = items()
    assert not any(s.line == 3 for s in segs(got))
    assert not any("./deploy.sh directly" in s.text for s in segs(got))


def test_injected_records():
    got = items()
    summary = [s for s in segs(got) if s.line == 1][0]
    assert (summary.channel, summary.origin.actor) == (Channel.PROSE, Actor.INJECTED)
    meta = [s for s in segs(got) if s.line == 16][0]
    assert (meta.channel, meta.origin.actor) == (Channel.PROSE, Actor.INJECTED)
    compact = [s for s in segs(got) if s.line == 19][0]
    assert (compact.channel, compact.origin.actor) == (Channel.PROSE, Actor.INJECTED)
    assert "./deploy.sh" in compact.text


def test_human_prompt_and_bash_mode():
    got = items()
    prompt = by_text(got, "Release the cart fix to staging please.")
    assert (prompt.channel, prompt.origin.actor, prompt.line) == (Channel.USER, Actor.HUMAN, 2)
    bang = by_text(got, "kubectl get pods")
    assert (bang.channel, bang.origin.actor, bang.line) == (Channel.USER, Actor.HUMAN, 17)
    out = by_text(got, "web-1 Running")
    assert (out.channel, out.origin.actor) == (Channel.OUTPUT, Actor.TOOL)


def test_sidechain_keeps_session():
    s = by_text(items(), "ls -la")
    assert (s.line, s.origin.session) == (20, SESSION)


def test_duplicate_uuid_line_read_once_and_file_writes_not_commands():
    got = items()
    assert not any(s.line == 22 for s in segs(got))
    assert not any("gcloud run deploy" in s.text for s in segs(got))  # Write payload: quoted
    assert by_text(got, "File created successfully").origin.tool == "Write"


def test_unanswered_call_unknown_and_order():
    got = items()
    assert by_text(got, "sleep 1000").origin.status == Status.UNKNOWN
    lines = [s.line for s in segs(got)]
    assert lines == sorted(lines)


def test_same_message_id_blocks_not_deduplicated(tmp_path):
    line = '{"type":"assistant","uuid":"%s","sessionId":"s","message":{"id":"msg_1","role":"assistant","content":[%s]}}\n'
    p = tmp_path / "x.jsonl"
    p.write_text(
        line % ("u1", '{"type":"text","text":"Running it."}')
        + line % ("u2", '{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"make"}}')
        + line % ("u3", '{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"make"}}')
    )
    got = load_path(p)
    assert [(s.channel, s.line) for s in segs(got)] == [(Channel.PROSE, 1), (Channel.COMMAND, 2)]
    assert segs(got)[1].origin.status == Status.UNKNOWN


def test_powershell_and_mcp_shell(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(
        '{"type":"assistant","uuid":"u1","sessionId":"s","message":{"id":"m","role":"assistant","content":['
        '{"type":"tool_use","id":"t1","name":"PowerShell","input":{"command":"Get-Process"}},'
        '{"type":"tool_use","id":"t2","name":"mcp__desktop__execute_command","input":{"command":"make deploy"}},'
        '{"type":"tool_use","id":"t3","name":"mcp__github__create_issue","input":{"title":"x"}}]}}\n'
    )
    assert [s.text for s in segs(load_path(p), "command")] == ["Get-Process", "make deploy"]


def load_path(p):
    from vitana_guard.transcripts import read

    return list(read(str(p), p.name, "claude"))
