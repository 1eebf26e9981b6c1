from vitana_guard.model import Actor, Channel, Status

from transcript_helpers import load, notices, segs


def test_prompt_log_with_continuations():
    got = load("terminal.log")
    assert notices(got) == []
    s = segs(got)
    assert [(x.channel, x.line, x.column) for x in s] == [
        (Channel.COMMAND, 1, 3), (Channel.OUTPUT, 2, 1),
        (Channel.COMMAND, 3, 3), (Channel.OUTPUT, 6, 1),
        (Channel.COMMAND, 8, 3), (Channel.OUTPUT, 9, 1),
    ]
    cmd = s[2]
    assert cmd.text == "docker build -t registry.example.com/web:2 . && \\\n    docker push \\\n    registry.example.com/web:2"
    assert not cmd.flat and (cmd.origin.actor, cmd.origin.status) == (Actor.AGENT, Status.UNKNOWN)
    # positions map back into the file
    assert cmd.position(cmd.text.index("docker push")) == (4, 5)
    assert cmd.position(0) == (1 + 2, 3)
    assert s[3].text == "Step 1/9 : FROM node:20\npushed" and s[3].origin.actor == Actor.TOOL
