"""Tests for vitana_guard.sources.classify: kinds, channels and exact positions."""
from __future__ import annotations

import random

import pytest

from vitana_guard.model import Channel, Segment
from vitana_guard.sources import classify
from vitana_guard.sources.classify import file_kind, segments

C, P, R, O = Channel.COMMAND, Channel.PROSE, Channel.REQUEST, Channel.OUTPUT


# --------------------------------------------------------------------------- helpers


def where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """The true 1-based (line, column) of the nth occurrence of needle in text."""
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    return text.count("\n", 0, idx) + 1, idx - (text.rfind("\n", 0, idx) + 1) + 1


def hits(segs: list[Segment], needle: str, channel: Channel) -> list[tuple[int, int]]:
    out = []
    for s in segs:
        if s.channel != channel:
            continue
        start = s.text.find(needle)
        while start >= 0:
            out.append(s.position(start))
            start = s.text.find(needle, start + 1)
    return out


def assert_at(segs, text, needle, channel, nth=0):
    """`needle` is seen in `channel` exactly where it is in the file."""
    assert where(text, needle, nth) in hits(segs, needle, channel), (
        needle,
        where(text, needle, nth),
        hits(segs, needle, channel),
    )


def assert_exact(segs: list[Segment], text: str) -> None:
    """Every character of every non-flat segment maps onto the same character in the
    file, except the few synthesized ones (` \\` line continuations, blanks)."""
    lines = text.split("\n")
    for s in segs:
        if s.flat:
            continue
        mapped = 0
        for off, ch in enumerate(s.text):
            if ch == "\n":
                continue
            line, col = s.position(off)
            real = lines[line - 1][col - 1] if col - 1 < len(lines[line - 1]) else None
            if real == ch:
                mapped += 1
            else:
                assert ch in " \\", (s, off, ch, real)
        assert mapped, s


def segs_of(path: str, text: str, kind: str | None = None) -> list[Segment]:
    out = list(segments(path, text, kind))
    assert_exact(out, text)
    for s in out:
        assert s.origin.path == path
    return out


def channels(segs):
    return [s.channel for s in segs]


# --------------------------------------------------------------------------- file_kind


@pytest.mark.parametrize(
    "path,head,kind",
    [
        ("scripts/deploy.sh", "", "shell"),
        ("x.bash", "", "shell"),
        ("bin/release", "#!/usr/bin/env bash\nset -e\n", "shell"),
        ("bin/run", "#!/bin/sh\n", "shell"),
        ("bin/tool", "#!/usr/bin/env python3\n", "text"),
        ("Makefile", "", "makefile"),
        ("sub/GNUmakefile", "", "makefile"),
        ("rules/deploy.mk", "", "makefile"),
        ("Dockerfile", "", "dockerfile"),
        ("docker/Dockerfile.prod", "", "dockerfile"),
        ("api.dockerfile", "", "dockerfile"),
        ("Containerfile", "", "dockerfile"),
        (".github/workflows/ci.yml", "", "workflow"),
        ("sub/.github/workflows/deploy.yaml", "", "workflow"),
        (".github/actions/x/action.yml", "", "workflow"),
        ("config/app.yml", "", "config"),
        ("package.json", "", "package-json"),
        ("web/package.json", "", "package-json"),
        ("tsconfig.json", "", "config"),
        ("README.md", "", "markdown"),
        ("docs/x.MDX", "", "markdown"),
        ("api/deploy.http", "", "http"),
        ("x.rest", "", "http"),
        (".env", "", "config"),
        (".env.production", "", "config"),
        ("infra/main.tf", "", "config"),
        ("setup.cfg", "", "config"),
        ("src/app.py", "", "code"),
        ("web/src/panel.tsx", "", "code"),
        ("frontend/app.js.backup2", "", "code"),
        ("tools/run.py", "#!/bin/bash\n", "shell"),  # a shebang says what runs it
        ("notes.txt", "", "text"),
        ("LICENSE", "", "text"),
    ],
)
def test_file_kind(path, head, kind):
    assert file_kind(path, head) == kind


# --------------------------------------------------------------------------- shell

SHELL = """#!/usr/bin/env bash
# Deploy helper: run only through the gateway.
set -euo pipefail

REGION="us-central1"   # default region
echo "building # not a comment"
count=${#REGION}
cat <<EOF > notes.txt
# a heading in a here-document, not a comment
EOF
  # indented comment: gcloud run deploy is forbidden
gcloud run deploy gateway --region "$REGION"
"""


def test_shell_whole_file_is_one_command_and_comments_are_prose():
    segs = segs_of("scripts/deploy.sh", SHELL)
    cmds = [s for s in segs if s.channel == C]
    assert len(cmds) == 1 and cmds[0].text == SHELL and (cmds[0].line, cmds[0].column) == (1, 1)
    prose = [s.text for s in segs if s.channel == P]
    assert prose == [
        "# Deploy helper: run only through the gateway.",
        "# default region",
        "# indented comment: gcloud run deploy is forbidden",
    ]
    assert_at(segs, SHELL, "gcloud run deploy gateway", C)
    assert_at(segs, SHELL, "gcloud run deploy is forbidden", P)
    assert_at(segs, SHELL, "default region", P)
    assert all(s.origin.kind == "shell" for s in segs)


@pytest.mark.parametrize(
    "script, comments",
    [
        ("#!/bin/bash # not a shebang comment\necho x\n", ["# not a shebang comment"]),
        ("# first\necho a#b ${#x} $# x#\n", ["# first"]),  # `#` inside a word
        ("echo x;# a\necho y|# b\n(echo z)# c\n&& # d\n", ["# a", "# b", "# c", "# d"]),
        ("echo '# quoted\n# still quoted' \"# dq \\\" # dq\" \\# x # real\n", ["# real"]),
        ("x=$(echo y) # after\ny=`date` # ticks\n", ["# after", "# ticks"]),
        ("cat <<EOF # opener\n# body\nEOF\n# after\n", ["# opener", "# after"]),
        ("cat <<-'EOF'\n\t# body\n\tEOF\n# after\n", ["# after"]),
        ('cat <<"E.F" <<X\n# one\nE.F\n# two\nX\n# after\n', ["# after"]),
        ("cat <<< '# here-string' # real\n# next\n", ["# real", "# next"]),
        ("cat << EOF\n# body\n  EOF\nEOF\n# after\n", ["# after"]),  # an indented delimiter ends nothing
        ("echo x # crlf\r\ncat <<EOF\r\n# body\r\nEOF\r\n# after\r\n", ["# crlf", "# after"]),
        ("echo 'unterminated # x\n# y\n", ["# x", "# y"]),  # an unterminated quote is a character
        ("echo \"open # x\n", ["# x"]),
        ("echo x \\\n# continued\n", ["# continued"]),
        ("cat <<'EOF\n# not a here-document\n", ["# not a here-document"]),
    ],
)
def test_shell_comment_lexer(script, comments):
    segs = segs_of("run.sh", script)
    assert [s.text for s in segs if s.channel == P] == comments
    for comment in comments:
        assert_at(segs, script, comment, P, nth=script[: script.index(comment)].count(comment))


def test_shell_kind_from_shebang():
    text = "#!/bin/bash\ndocker push gcr.io/x/y\n"
    segs = segs_of("bin/push", text)
    assert channels(segs) == [C]
    assert segs[0].origin.kind == "shell"
    assert_at(segs, text, "docker push", C)


# --------------------------------------------------------------------------- makefile

MAKEFILE = """\
# Build and release targets
PROJECT := vitana
URL = https://gateway-q74ibpv6ia-uc.a.run.app

.PHONY: build deploy

build:
\tdocker build -t $(PROJECT) .

deploy: build
\t@gcloud run deploy x
\t-@docker push gcr.io/$(PROJECT)/api \\
\t    --all-tags
\t# recipe comment
\t@echo done $$HOME

quick: ; gcloud builds submit .
"""


def test_makefile_recipes_are_commands():
    segs = segs_of("Makefile", MAKEFILE)
    cmds = [s for s in segs if s.channel == C]
    assert [s.text for s in cmds] == [
        "docker build -t $(PROJECT) .",
        "gcloud run deploy x",
        "docker push gcr.io/$(PROJECT)/api \\\n\t    --all-tags",
        "echo done $$HOME",
        "gcloud builds submit .",
    ]
    # `@` removed: the command starts at column 3 (tab, @)
    assert (cmds[1].line, cmds[1].column) == (11, 3)
    assert_at(segs, MAKEFILE, "gcloud run deploy x", C)
    assert_at(segs, MAKEFILE, "docker push", C)
    assert_at(segs, MAKEFILE, "--all-tags", C)
    assert_at(segs, MAKEFILE, "gcloud builds submit", C)
    assert_at(segs, MAKEFILE, "# recipe comment", P)
    assert_at(segs, MAKEFILE, "# Build and release", P)
    assert_at(segs, MAKEFILE, "https://gateway-q74ibpv6ia-uc.a.run.app", P)
    assert not hits(segs, "gcloud", P)


def test_makefile_assignment_ends_rule():
    text = "a:\n\techo a\nX = 1\n\techo orphan\n"
    segs = segs_of("x.mk", text)
    assert [s.text for s in segs if s.channel == C] == ["echo a"]


# --------------------------------------------------------------------------- dockerfile

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base
ENV GATEWAY_URL=https://gateway-q74ibpv6ia-uc.a.run.app
RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt && \\
    # install the CLI
    apt-get update && \\
    gcloud run deploy api --image gcr.io/p/api
RUN ["bash", "-c", "docker push gcr.io/p/api"]
run echo lower-case instruction
RUN <<EOF
set -e
gcloud builds submit .
EOF
CMD ["python", "app.py"]
"""


def test_dockerfile_run_instructions_are_commands():
    segs = segs_of("Dockerfile", DOCKERFILE)
    cmds = [s for s in segs if s.channel == C]
    assert len(cmds) == 4
    first = cmds[0]
    assert first.text.startswith("pip install")
    assert (first.line, first.column) == where(DOCKERFILE, "pip install")
    assert_at(segs, DOCKERFILE, "gcloud run deploy api", C)
    assert_at(segs, DOCKERFILE, "apt-get update", C)
    # the comment line inside the continuation is prose, and blanked in the command
    assert_at(segs, DOCKERFILE, "# install the CLI", P)
    assert "install the CLI" not in first.text
    assert first.text.split("\n")[1].strip() == "\\"
    # exec form: the argv, shell-quoted, flat at the `[`
    exec_ = cmds[1]
    assert exec_.flat and exec_.text == "bash -c 'docker push gcr.io/p/api'"
    assert exec_.position(10) == where(DOCKERFILE, '["bash"')
    assert cmds[2].text == "echo lower-case instruction"
    assert_at(segs, DOCKERFILE, "echo lower-case", C)
    # heredoc body is the script
    assert cmds[3].text == "set -e\ngcloud builds submit ."
    assert_at(segs, DOCKERFILE, "gcloud builds submit", C)
    assert_at(segs, DOCKERFILE, "https://gateway-q74ibpv6ia-uc.a.run.app", P)
    assert not hits(segs, "python", C)


def test_dockerfile_backtick_escape():
    text = "# escape=`\nFROM x\nRUN echo a && `\n    gcloud run deploy b\n"
    segs = segs_of("Dockerfile.win", text)
    (cmd,) = [s for s in segs if s.channel == C]
    assert cmd.text == "echo a && \\\n    gcloud run deploy b"
    assert_at(segs, text, "gcloud run deploy b", C)


# --------------------------------------------------------------------------- workflow

WORKFLOW = """\
name: Deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Authenticate
        run: gcloud auth list   # show accounts
      - name: Deploy
        run: |
          echo "deploying"
          export REGION=us-central1
          gcloud run deploy gateway --region "$REGION" \\
            --image gcr.io/p/gateway
      - name: Push
        run: "docker push gcr.io/p/gateway"
      - name: Folded
        run: >-
          gcloud builds
          submit .
      - name: Escaped
        run: "echo \\"x\\" && gcloud app deploy"
      - name: Notify
        run: curl -X POST https://api.github.com/repos/exafyltd/vitana-backend/pulls
        env:
          REPO: exafyltd/vitana-backend
"""


def test_workflow_block_run_exact_position():
    segs = segs_of(".github/workflows/deploy.yml", WORKFLOW)
    cmds = [s for s in segs if s.channel == C]
    block = cmds[1]
    assert block.text.split("\n")[2].startswith("gcloud run deploy gateway")
    # the violating command is on the 3rd line of the block: line 16, column 11
    assert where(WORKFLOW, "gcloud run deploy") == (16, 11)
    assert block.position(block.text.index("gcloud run deploy")) == (16, 11)
    assert (block.line, block.column, block.indent) == (14, 11, 10)
    assert_at(segs, WORKFLOW, "--image gcr.io/p/gateway", C)


def test_workflow_scalars():
    segs = segs_of(".github/workflows/deploy.yml", WORKFLOW)
    cmds = [s for s in segs if s.channel == C]
    assert cmds[0].text == "gcloud auth list"
    assert_at(segs, WORKFLOW, "gcloud auth list", C)
    assert cmds[2].text == "docker push gcr.io/p/gateway"
    assert_at(segs, WORKFLOW, "docker push", C)
    # folded block: lines stay in place, joined by a shell line continuation
    assert cmds[3].text == "gcloud builds \\\nsubmit ."
    assert_at(segs, WORKFLOW, "submit .", C)
    # escaped double-quoted scalar: decoded, flat at the first char inside the quotes
    assert cmds[4].flat and cmds[4].text == 'echo "x" && gcloud app deploy'
    assert cmds[4].position(5) == where(WORKFLOW, 'echo \\"x')
    assert_at(segs, WORKFLOW, "curl -X POST", C)
    # everything else is prose, the run values are not repeated there
    assert_at(segs, WORKFLOW, "# show accounts", P)
    assert_at(segs, WORKFLOW, "REPO: exafyltd/vitana-backend", P)
    assert not hits(segs, "gcloud", P)
    assert hits(segs, "exafyltd/vitana-backend", P) == [where(WORKFLOW, "exafyltd/vitana-backend", 1)]


def test_workflow_invalid_yaml_uses_line_scanner():
    text = "jobs:\n  x:\n    steps:\n      - run: |\n          gcloud run deploy a\n      - run: docker push b\n   bad: [\n"
    segs = segs_of(".github/workflows/broken.yml", text)
    assert [s.text for s in segs if s.channel == C] == ["gcloud run deploy a", "docker push b"]
    assert_at(segs, text, "gcloud run deploy a", C)
    assert_at(segs, text, "docker push b", C)


def test_composite_action():
    text = "name: x\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: |-\n        gcloud run deploy z\n"
    segs = segs_of("action.yml", text)
    assert [s.text for s in segs if s.channel == C] == ["gcloud run deploy z"]
    assert_at(segs, text, "gcloud run deploy z", C)


# --------------------------------------------------------------------------- package.json

PACKAGE_JSON = """\
{
  "name": "vitana-web",
  "repository": "https://github.com/exafyltd/vitana-backend",
  "scripts": {
    "build": "tsc -p .",
    "deploy": "gcloud run deploy web --source .",
    "push": "echo \\"pushing\\" && docker push gcr.io/p/web",
    "nested": "npm run build"
  },
  "config": {"scripts": "not scripts"},
  "devDependencies": {"typescript": "^5.0.0"}
}
"""


def test_package_json_scripts():
    segs = segs_of("package.json", PACKAGE_JSON)
    cmds = [s for s in segs if s.channel == C]
    assert [s.text for s in cmds] == [
        "tsc -p .",
        "gcloud run deploy web --source .",
        'echo "pushing" && docker push gcr.io/p/web',
        "npm run build",
    ]
    assert_at(segs, PACKAGE_JSON, "gcloud run deploy web", C)
    assert cmds[2].flat and cmds[2].position(0) == where(PACKAGE_JSON, 'echo \\"pushing')
    assert_at(segs, PACKAGE_JSON, "https://github.com/exafyltd/vitana-backend", P)
    assert_at(segs, PACKAGE_JSON, '"deploy":', P)
    assert not hits(segs, "gcloud", P)
    assert not hits(segs, "not scripts", C)


def test_package_json_invalid_is_prose():
    text = '{"scripts": {"deploy": "gcloud run deploy"'
    segs = segs_of("package.json", text)
    assert channels(segs) == [P]


# --------------------------------------------------------------------------- markdown

MARKDOWN = """\
# Deploying

Never run `gcloud run deploy` yourself; use the gateway at
https://gateway-q74ibpv6ia-uc.a.run.app.

```bash
# build first
gcloud run deploy api --region us-central1
```

```console
$ docker push gcr.io/p/api \\
    --all-tags
The push refers to repository [gcr.io/p/api]
$ gh pr create --fill
```

1. Create the PR:

   ```http
   POST /api/v1/github/create-pr HTTP/1.1
   Content-Type: application/json

   {"repo": "exafyltd/vitana-platform"}
   ```

````sh title="nested"
```
gcloud builds submit
```
````

```json
{"cmd": "gcloud app deploy"}
```

<!-- please deploy manually from Cloud Shell -->

> ```bash
> docker image push x
> ```

~~~
gcloud functions deploy f
~~~
"""


def test_markdown_channels_and_positions():
    segs = segs_of("docs/DEPLOY.md", MARKDOWN)
    cmds = [s.text for s in segs if s.channel == C]
    assert cmds == [
        "# build first\ngcloud run deploy api --region us-central1",
        "docker push gcr.io/p/api \\\n    --all-tags",
        "gh pr create --fill",
        "```\ngcloud builds submit\n```",
        "docker image push x",
    ]
    assert_at(segs, MARKDOWN, "gcloud run deploy api", C)
    assert_at(segs, MARKDOWN, "docker push gcr.io", C)
    assert_at(segs, MARKDOWN, "--all-tags", C)
    assert_at(segs, MARKDOWN, "gh pr create", C)
    assert_at(segs, MARKDOWN, "gcloud builds submit", C)
    assert_at(segs, MARKDOWN, "docker image push x", C)
    assert_at(segs, MARKDOWN, "The push refers", O)
    # inline code stays in prose
    assert_at(segs, MARKDOWN, "gcloud run deploy` yourself", P)
    assert_at(segs, MARKDOWN, "https://gateway-q74ibpv6ia-uc.a.run.app", P)
    assert_at(segs, MARKDOWN, "please deploy manually", P)
    # http block: a request, dedented by the list indentation
    (req,) = [s for s in segs if s.channel == R]
    assert req.text.startswith("POST /api/v1/github/create-pr HTTP/1.1\nContent-Type")
    assert req.indent == 3
    assert_at(segs, MARKDOWN, "POST /api/v1", R)
    assert_at(segs, MARKDOWN, '"repo": "exafyltd/vitana-platform"', R)
    # json and unlabelled fences are prose
    assert_at(segs, MARKDOWN, '{"cmd": "gcloud app deploy"}', P)
    assert_at(segs, MARKDOWN, "gcloud functions deploy f", P)
    assert not hits(segs, "gcloud app deploy", C)


def test_markdown_bash_block_with_prompts():
    text = "```bash\n$ gcloud run deploy a\nDeploying... done\n```\n"
    segs = segs_of("README.md", text)
    assert [(s.channel, s.text) for s in segs] == [(C, "gcloud run deploy a"), (O, "Deploying... done")]
    assert_at(segs, text, "gcloud run deploy a", C)


def test_markdown_unclosed_fence_runs_to_end():
    text = "text\n\n```sh\ndocker push a\n"
    segs = segs_of("x.md", text)
    assert [(s.channel, s.text) for s in segs] == [(P, "text"), (C, "docker push a")]


# --------------------------------------------------------------------------- http, config, text


def test_http_file_is_one_request():
    text = "### create\nPOST https://gateway-q74ibpv6ia-uc.a.run.app/api/v1/deploy\nContent-Type: application/json\n\n{}\n"
    segs = segs_of("api/deploy.http", text)
    assert channels(segs) == [R]
    assert_at(segs, text, "POST https", R)


@pytest.mark.parametrize("path", ["config/app.yaml", ".env", "src/main.py", "infra/main.tf"])
def test_config_and_text_are_prose(path):
    text = "# c\nURL=https://gateway-dev.example.run.app\nx = 'gcloud run deploy'\n"
    segs = segs_of(path, text)
    assert channels(segs) == [P]
    assert_at(segs, text, "https://gateway-dev", P)
    assert_at(segs, text, "gcloud run deploy", P)


def test_explicit_kind_overrides_path():
    segs = segs_of("notes.txt", "docker push x\n", kind="shell")
    assert channels(segs) == [C] and segs[0].origin.kind == "shell"


def test_crlf_positions():
    text = "deploy:\r\n\t@gcloud run deploy x\r\n"
    segs = list(segments("Makefile", text))
    (cmd,) = [s for s in segs if s.channel == C]
    assert cmd.text == "gcloud run deploy x"
    assert cmd.position(0) == (2, 3)


def test_workflow_block_bounds_from_yaml():
    text = (
        "jobs:\n  a:\n    steps:\n      - run: |\n          echo 1\n\n          gcloud run deploy a\n\n"
        "        name: after\n      - run: |\n        name: not-content\n"
    )
    segs = segs_of(".github/workflows/a.yml", text)
    assert [s.text for s in segs if s.channel == C] == ["echo 1\n\ngcloud run deploy a"]
    assert_at(segs, text, "gcloud run deploy a", C)
    assert_at(segs, text, "name: after", P)


# -- workflow steps that release through an action -------------------------------------


def _commands(path, text):
    from vitana_guard.model import Channel
    from vitana_guard.sources import classify as _classify

    return [(s.line, s.text) for s in _classify.segments(path, text) if s.channel is Channel.COMMAND]


def test_workflow_action_steps_are_commands():
    text = ("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: google-github-actions/deploy-cloudrun@v2\n        with: {service: api}\n"
            "      - uses: docker/build-push-action@v6\n        with:\n          push: true\n"
            "      - uses: docker/build-push-action@v6\n        with:\n          push: false\n"
            "      - uses: docker/build-push-action@v6\n")
    assert _commands(".github/workflows/a.yml", text) == [
        (6, "uses: google-github-actions/deploy-cloudrun@v2"),
        (8, "uses: docker/build-push-action@v6 (push: true)"),
    ]


def test_workflow_fragment_that_is_not_yaml_still_shows_action_steps():
    fragment = ("      - name: ship\n        uses: google-github-actions/deploy-cloudrun@v2\n"
                "      - uses: docker/build-push-action@v5\n        with:\n          push: ${{ true }}\n  bad: [\n")
    assert [t for _, t in _commands(".github/workflows/a.yml", fragment)] == [
        "uses: google-github-actions/deploy-cloudrun@v2",
        "uses: docker/build-push-action@v5 (push: true)",
    ]


# -- inputs the Python classifier crashed on (issue 12 port) ------------------------------


def test_dockerfile_continuing_into_trailing_comments_does_not_crash():
    text = "FROM alpine\nRUN apk add --no-cache jq \\\n# pinned later\n"
    segs = [(s.channel, s.text, s.line) for s in segments("Dockerfile", text)]
    assert segs == [
        (Channel.PROSE, "FROM alpine", 1),
        (Channel.COMMAND, "apk add --no-cache jq \\", 2),
        (Channel.PROSE, "# pinned later", 3),
    ]


def test_package_json_with_an_escape_json_refuses_is_prose():
    text = '{"scripts": {"ship": "deploy \\q now", "up": "gcloud run deploy api"}}\n'
    segs = list(segments("package.json", text))
    assert [(s.channel, s.text) for s in segs] == [(Channel.PROSE, text)]


# --- the libyaml shortcut against PyYAML (from the classifier's parity test, deleted with
# --- the Python classifier once parity held)

_WORDS = ["gcloud", "run", "deploy", "gateway", "echo", "$X", "'a b'", '"q\\"x"', "#", "# c",
          "x#y", "\\", "<<EOF", "<<-'E'", "<<<", "cat", ";", "&&", "|", "é", "日本", "\t", "  ",
          "--flag=1", "${A:-b}", "$(date)", "`x`", "curl", "-X", "POST", "https://x/api/v1/y",
          "\u00a0", "\x1c", "'", '"', "{", "}", ":", "=", ":=", "+=", "@", "-", "~~~", "```"]


def _words(r: random.Random, n: int) -> str:
    return " ".join(r.choice(_WORDS) for _ in range(r.randint(0, n)))


def _lines(r: random.Random, makers, n: int) -> list[str]:
    return [r.choice(makers)(r) for _ in range(r.randint(0, n))]


def _eol(r: random.Random, lines: list[str]) -> str:
    nl = r.choice(["\n", "\n", "\n", "\r\n"])
    text = nl.join(lines)
    if r.random() < 0.5:
        text += nl
    if r.random() < 0.05:
        text = "\ufeff" + text
    return text


def _gen_workflow(r):
    def step(r):
        ind = " " * r.choice([4, 6, 8, 2, 3])
        kind = r.random()
        if kind < 0.45:
            style = r.choice(["|", ">", "|-", ">+", "|2", "&a |", "!!str |", ""])
            head = f"{ind}- run: {style}"
            if style in ("", ):
                return head + _words(r, 4)
            body_ind = ind + " " * r.choice([2, 4, 1, 0])
            body = [body_ind + r.choice(["", " ", "\t"]) + _words(r, 5) for _ in range(r.randint(0, 5))]
            if r.random() < 0.3:
                body.insert(r.randint(0, len(body)), "")
            return "\n".join([head] + body)
        if kind < 0.6:
            q = r.choice(["'", '"'])
            inner = _words(r, 4).replace("\n", " ")
            if r.random() < 0.3:
                inner += r.choice(["\\t", "\\x41", "''", "\\q", "\\u00e9"])
            return f"{ind}- run: {q}{inner}{q}" + r.choice(["", " # c", "\n" + ind + "  more " + q])
        if kind < 0.8:
            action = r.choice(["google-github-actions/deploy-cloudrun@v2", "docker/build-push-action@v6", "actions/checkout@v4", "'docker/build-push-action@v5'"])
            lines = [f"{ind}- uses: {action}"]
            if r.random() < 0.6:
                lines += [f"{ind}  with:", f"{ind}    push: " + r.choice(["true", "false", "${{ x }}", "'no'", "yes # c", ""])]
            return "\n".join(lines)
        return ind + r.choice(["name: " + _words(r, 3), "env: {A: b}", "if: ${{ x }}", "- name: x", "run:", "\trun: x", "  run: x"])

    head = r.choice(["on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:", "jobs:\n  b:\n    steps:", "steps:", "- x: [", ""])
    return _eol(r, [head] + [step(r) for _ in range(r.randint(0, 8))])


def test_workflow_yaml_composer_finds_what_pyyaml_finds(monkeypatch):
    # classify composes with libyaml where it agrees with PyYAML (no tab, no BOM) and
    # with PyYAML otherwise: the run spans and releasing steps must be PyYAML's
    r = random.Random("yaml-composer")
    texts = [_gen_workflow(r) for _ in range(10000)] + [
        "a: \x85b\n", 'jobs:\n  - run: "\\u00e9 \\x41"\n', "k: \u2028\n", "steps:\r  - run: a\r",
        "- run: |\n  a\u2029b\n", "\ufeffsteps:\n  - run: x\n", "steps:\n  - run: \t x\n",
        "- run: &r echo\n- run: *r\n", "a: [\n", "- run: 'é''x'\n  uses: docker/build-push-action@v6\n  with: {push: yes}\n",
    ]
    import yaml

    got = []
    for text in texts:
        actions: list = []
        got.append((classify._yaml_run_spans(text, actions), actions))
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)  # PyYAML alone
    problems = []
    for text, (spans, actions) in zip(texts, got, strict=True):
        want_actions: list = []
        want = classify._yaml_run_spans(text, want_actions)
        if (want, want_actions) != (spans, actions):
            problems.append((text, want, spans))
    assert problems[:3] == []
