from vitana_guard.model import Actor, Channel, Status

from transcript_helpers import FIXTURES, by_text, load, notices, segs


def items():
    return load("openai_chat.json")


def source_line(n):
    return (FIXTURES / "openai_chat.json").read_text().split("\n")[n - 1]


def test_arguments_string_line_inside_pretty_json():
    s = by_text(items(), "kubectl rollout restart deploy/web")
    assert (s.channel, s.origin.record_id, s.origin.status, s.origin.tool, s.origin.actor) == (
        Channel.COMMAND, "k1", Status.EXECUTED, "shell", Actor.AGENT)
    assert '"arguments"' in source_line(s.line) and "kubectl" in source_line(s.line)
    assert s.origin.session == "openai_chat.json"


def test_arguments_dict_with_argv_unanswered():
    s = by_text(items(), "helm upgrade web ./chart")
    assert (s.origin.record_id, s.origin.status) == ("k2", Status.UNKNOWN)
    assert '"arguments"' in source_line(s.line)


def test_broken_arguments_notice_and_go_on():
    got = items()
    (n,) = notices(got)
    assert n.level == "error" and n.path == "openai_chat.json" and "k3" in n.message
    assert n.message.startswith(f"openai: line {n.line}: ")
    assert '"arguments"' in source_line(n.line)
    assert by_text(got, "gcloud run deploy web").origin.record_id == "k3"  # salvaged
    assert by_text(got, "kubectl get pods").channel == Channel.COMMAND  # later messages still read


def test_roles():
    got = items()
    sys_ = by_text(got, "You are a helpful devops agent.")
    assert (sys_.channel, sys_.origin.actor, sys_.line) == (Channel.PROSE, Actor.INJECTED, 4)
    user = by_text(got, "Restart the web deployment.")
    assert (user.channel, user.origin.actor, user.line) == (Channel.USER, Actor.HUMAN, 8)
    out = by_text(got, "deployment.apps/web restarted")
    assert (out.channel, out.origin.actor, out.origin.record_id) == (Channel.OUTPUT, Actor.TOOL, "k1")


def test_console_block_prompts_stripped():
    cmd = by_text(items(), "kubectl get pods")
    assert (cmd.origin.actor, cmd.origin.status) == (Actor.AGENT, None)


def test_generic_http_tool():
    req = by_text(items(), 'POST https://api.example.com/v1/jobs\n\n{"job": "reindex"}')
    assert (req.channel, req.origin.record_id, req.origin.status) == (Channel.REQUEST, "k4", Status.EXECUTED)


def test_jsonl_request_response_pairs_not_repeated():
    got = load("openai_pairs.jsonl")
    assert [(s.channel.value, s.text, s.line) for s in segs(got)] == [
        ("user", "list files", 1),
        ("command", "ls", 1),
        ("output", "a.txt", 2),
        ("prose", "There is a.txt.", 2),
    ]
    assert segs(got)[1].origin.status == Status.EXECUTED


def test_messages_object_and_jsonl_messages(tmp_path):
    from vitana_guard.transcripts import read

    p = tmp_path / "chat.json"
    p.write_text('{"model": "x",\n "messages": [\n  {"role": "user", "content": "hi"},\n  {"role": "assistant", "content": "hello"}\n ]\n}\n')
    assert [(s.text, s.line) for s in segs(read(str(p), "chat.json"))] == [("hi", 3), ("hello", 4)]
    q = tmp_path / "chat.jsonl"
    q.write_text('{"role":"assistant","tool_calls":[{"id":"x1","function":{"name":"terminal","arguments":"{\\"cmd\\":\\"make\\"}"}}]}\n{"role":"tool","tool_call_id":"x1","content":"ok"}\n')
    got = list(read(str(q), "chat.jsonl"))
    assert [(s.text, s.line, s.origin.status) for s in segs(got)] == [("make", 1, Status.EXECUTED), ("ok", 2, Status.EXECUTED)]
