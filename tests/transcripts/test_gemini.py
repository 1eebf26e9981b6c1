from vitana_guard.model import Actor, Channel, Status

from transcript_helpers import by_text, load, notices, segs

NAME = "session-2026-10-03T08-00-c0ffee12.jsonl"


def items():
    return load(NAME)


def test_reappended_message_reported_once_with_last_status():
    got = items()
    cmds = [s for s in segs(got, "command") if s.text == "terraform apply -auto-approve"]
    assert len(cmds) == 1
    s = cmds[0]
    assert (s.line, s.origin.record_id, s.origin.status, s.origin.tool, s.origin.actor) == (
        5, "t1", Status.FAILED, "run_shell_command", Actor.AGENT)
    assert s.origin.session == "c0ffee12-0000-4000-8000-000000000001"
    # last copy wins at the first copy's position: before m3 (line 4)
    order = [x.text for x in segs(got)]
    assert order.index("terraform apply -auto-approve") < order.index("Shell command is running...")


def test_rewind_drops_messages():
    got = items()
    texts = [s.text for s in segs(got)]
    assert "rm -rf .terraform" not in texts and "no, stop" not in texts and "terraform plan" not in texts


def test_set_and_statuses():
    got = items()
    assert notices(got) == []
    assert by_text(got, "git push --force").origin.status == Status.DENIED  # error without exit code
    assert by_text(got, "terraform fmt").origin.status == Status.EXECUTED
    out = by_text(got, "Output: (empty)")
    assert (out.channel, out.origin.actor, out.origin.record_id) == (Channel.OUTPUT, Actor.TOOL, "t4")


def test_user_info_and_thoughts():
    got = items()
    u = by_text(got, "Apply the terraform plan.")
    assert (u.channel, u.origin.actor, u.line) == (Channel.USER, Actor.HUMAN, 2)
    info = by_text(got, "Shell command is running...")
    assert (info.channel, info.origin.actor) == (Channel.PROSE, Actor.INJECTED)
    assert not any("gcloud" in s.text for s in segs(got))  # thoughts skipped


def test_rewind_unknown_id_drops_all_and_set_messages(tmp_path):
    from vitana_guard.transcripts import read

    p = tmp_path / "session-x.jsonl"
    p.write_text(
        '{"sessionId":"s","projectHash":"h","startTime":"t","lastUpdated":"t"}\n'
        '{"id":"a","type":"user","content":"one"}\n'
        '{"$rewindTo":"nope"}\n'
        '{"id":"b","type":"user","content":"two"}\n'
        '{"$set":{"messages":[{"id":"c","type":"user","content":"three"},{"id":"b","type":"user","content":"two!"}]}}\n'
        '{"id":"c","type":"gemini","content":"three, answered"}\n'
    )
    got = list(read(str(p), "session-x.jsonl", "gemini"))
    assert [(s.text, s.line) for s in segs(got)] == [("three, answered", 6), ("two!", 5)]


def test_legacy_json_line_numbers():
    got = load("session-2026-03-01T10-00-legacy01.json")
    assert notices(got) == []
    user = by_text(got, "Deploy the docs site.")
    assert (user.line, user.origin.session) == (11, "legacy-0001")
    cmd = by_text(got, "firebase deploy --only hosting")
    assert (cmd.line, cmd.origin.status, cmd.origin.record_id) == (22, Status.EXECUTED, "run_shell_command-1")
    from transcript_helpers import FIXTURES

    lines = (FIXTURES / "session-2026-03-01T10-00-legacy01.json").read_text().split("\n")
    assert '"args"' in lines[cmd.line - 1] and '"Deploy the docs site."' in lines[user.line - 1]
