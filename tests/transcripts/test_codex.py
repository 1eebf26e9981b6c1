from vitana_guard.model import Actor, Channel, Status

from transcript_helpers import by_text, load, notices, segs

NAME = "rollout-2026-10-02T12-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl"
SESSION = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"


def items():
    return load(NAME)


def test_stream_basics():
    got = items()
    assert notices(got) == []
    assert all(s.origin.session == SESSION and s.origin.kind == "codex" and s.flat for s in segs(got))
    lines = [s.line for s in segs(got)]
    assert lines == sorted(lines)


def test_exec_command_rejected_by_user():
    s = by_text(items(), "./ship.sh prod")
    assert (s.channel, s.line, s.origin.record_id, s.origin.status, s.origin.tool, s.origin.actor) == (
        Channel.COMMAND, 7, "call_A", Status.DENIED, "exec_command", Actor.AGENT)


def test_shell_bash_lc_unwrapped_and_metadata_exit_code():
    s = by_text(items(), "npm run build && npm test")
    assert (s.line, s.origin.status) == (9, Status.FAILED)
    out = by_text(items(), "1 failing")  # JSON output: its `output` field
    assert (out.channel, out.origin.actor, out.origin.record_id, out.line) == (Channel.OUTPUT, Actor.TOOL, "call_B", 10)


def test_shell_argv_is_shell_quoted():
    s = by_text(items(), "git commit -m 'fix: it'\"'\"'s done'")
    assert (s.line, s.origin.status) == (11, Status.EXECUTED)  # "Exit code: 0"


def test_shell_command_process_exited():
    s = by_text(items(), "git push origin main")
    assert (s.line, s.origin.status, s.origin.tool) == (13, Status.FAILED, "shell_command")


def test_local_shell_call():
    s = by_text(items(), "docker push registry.example.com/app:1")
    assert (s.line, s.origin.record_id, s.origin.status) == (15, "call_E", Status.EXECUTED)


def test_write_stdin_and_sandbox_denied():
    s = by_text(items(), "import os; os.system('make deploy')\n")
    assert (s.channel, s.line, s.origin.status, s.origin.tool) == (Channel.COMMAND, 19, Status.FAILED, "write_stdin")


def test_program_args_variant_and_risk_rejection():
    s = by_text(items(), "kubectl apply -f 'k 8s.yaml'")
    assert (s.line, s.origin.status) == (25, Status.DENIED)


def test_apply_patch_not_a_command():
    got = items()
    assert not any("gcloud run deploy" in s.text for s in segs(got))
    assert by_text(got, "patch rejected by user").origin.status == Status.DENIED


def test_messages_and_injected_context():
    got = items()
    env = [s for s in segs(got) if s.line == 2][0]
    assert (env.channel, env.origin.actor) == (Channel.PROSE, Actor.INJECTED)
    user = by_text(got, "Ship the release.")
    assert (user.channel, user.origin.actor, user.line) == (Channel.USER, Actor.HUMAN, 3)
    assert [s.line for s in segs(got) if s.text == "Ship the release."] == [3]  # event_msg copy not read
    line23 = [s for s in segs(got) if s.line == 23]
    assert [(s.channel, s.text) for s in line23][1] == (Channel.COMMAND, "make deploy")
    assert line23[0].origin.actor == Actor.AGENT
    assert not any(s.line == 6 for s in segs(got))  # reasoning skipped


def test_broken_arguments_notice_and_salvage(tmp_path):
    p = tmp_path / "rollout.jsonl"
    p.write_text(
        '{"timestamp":"t","type":"session_meta","payload":{"id":"s1"}}\n'
        '{"timestamp":"t","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\\"cmd\\":\\"gcloud run deploy api","call_id":"c1"}}\n'
    )
    from vitana_guard.transcripts import read

    got = list(read(str(p), "rollout.jsonl", "codex"))
    assert notices(got)[0].line == 2 and "not valid JSON" in notices(got)[0].message
    assert segs(got)[0].text == "gcloud run deploy api" and segs(got)[0].origin.status == Status.UNKNOWN
