"""Tests for vitana_guard.normalize.shell: command text -> simple commands."""
from __future__ import annotations

import gc
import random

import pytest

from vitana_guard.model import Command, Word
from vitana_guard.normalize.shell import DEPTH_MARKER, MAX_DEPTH, _parse_strict, parse


def check(text: str, cmds: list[Command]) -> None:
    """Invariants every result must satisfy: offsets index the original text."""
    assert all(isinstance(c, Command) for c in cmds)
    assert [c.start for c in cmds] == sorted(c.start for c in cmds)
    for c in cmds:
        assert 0 <= c.start <= c.end <= len(text)
        assert c.argv, "commands are never empty"
        for w in c.argv:
            assert isinstance(w, Word)
            assert 0 <= w.start <= w.end <= len(text)
            assert text[w.start:w.end] == w.raw
            assert c.start <= w.start and w.end <= c.end


def values(text: str) -> list[list[str | None]]:
    cmds = _parse_strict(text)
    check(text, cmds)
    assert parse(text) == cmds
    return [c.values() for c in cmds]


def programs(text: str) -> list[str | None]:
    return [v[0] for v in values(text)]


def spans(text: str) -> list[list[str]]:
    """The text each word's offsets point at."""
    return [[text[w.start:w.end] for w in c.argv] for c in parse(text)]


def table(cases):
    return pytest.mark.parametrize("text, expected", cases, ids=[repr(c[0])[:60] for c in cases])


# --------------------------------------------------------------------------- basics


@table([
    ("", []),
    ("   \n\n\t\n", []),
    ("ls", [["ls"]]),
    ("gcloud run deploy a --region x && echo ok",
     [["gcloud", "run", "deploy", "a", "--region", "x"], ["echo", "ok"]]),
    ("npm ci && gcloud beta run deploy x", [["npm", "ci"], ["gcloud", "beta", "run", "deploy", "x"]]),
    ("a || b; c | d |& e & f", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]),
    ("a&&b||c;d|e&f", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]),
    ("a\nb\n\n\nc", [["a"], ["b"], ["c"]]),
    ("a\r\nb\r\n", [["a"], ["b"]]),
    ("gcloud run \\\n  deploy x", [["gcloud", "run", "deploy", "x"]]),
    ("echo ab\\\ncd", [["echo", "abcd"]]),
    ("# gcloud run deploy", []),
    ("echo hi # gcloud run deploy\nls", [["echo", "hi"], ["ls"]]),
    ("echo a#b", [["echo", "a#b"]]),
    ("echo hi;# comment", [["echo", "hi"]]),
    ("  # indented comment\n\n  ls -la  ", [["ls", "-la"]]),
])
def test_separators_comments_continuations(text, expected):
    assert values(text) == expected


# --------------------------------------------------------------------------- quoting


@table([
    ("echo 'gcloud run deploy is forbidden'", [["echo", "gcloud run deploy is forbidden"]]),
    ('echo "a b" \'c d\' e\\ f', [["echo", "a b", "c d", "e f"]]),
    ('echo "x\\"y\\\\z\\$w\\`v\\n"', [["echo", 'x"y\\z$w`v\\n']]),
    ("echo 'it'\\''s'", [["echo", "it's"]]),
    ("echo $'a\\tb\\n\\x41\\101\\u00e9\\'q'", [["echo", "a\tb\nAA\u00e9'q"]]),
    ('echo $"hello"', [["echo", "hello"]]),
    ("echo ''", [["echo", ""]]),
    ('echo ""', [["echo", ""]]),
    ("echo a'b'\"c\"d", [["echo", "abcd"]]),
    ('echo "$HOME" $USER ${X:+y} "${A}b" $1 $@ $?', [["echo", None, None, None, None, None, None, None]]),
    # a plain default is what bash gives when the variable is unset: the value judged
    ("${GCLOUD_BIN:-gcloud} run deploy", [["gcloud", "run", "deploy"]]),
    ('"${D-docker}" push x', [["docker", "push", "x"]]),
    ("echo ${X:=a/b.c} ${X:-y} ${X:-$(z)} ${X:-} ${X#y} ${X:-a b}", [["echo", "a/b.c", "y", None, None, None, None], ["z"]]),
    ("echo '$HOME' \\$HOME", [["echo", "$HOME", "$HOME"]]),
    ("echo $ a$ $/", [["echo", "$", "a$", "$/"]]),
    ("echo $((1 + 2)) x", [["echo", None, "x"]]),
    ('echo "multi\nline"', [["echo", "multi\nline"]]),
    ("echo *.py ~/x", [["echo", "*.py", "~/x"]]),
])
def test_quoting(text, expected):
    assert values(text) == expected


def test_quoted_keyword_is_a_program():
    assert values("'if' x") == [["if", "x"]]


# --------------------------------------------------------------------------- grouping


@table([
    ("x=$(gcloud run deploy a)", [["gcloud", "run", "deploy", "a"]]),
    ("echo $(date) `whoami`", [["echo", None, None], ["date"], ["whoami"]]),
    ("echo pre$(date)post", [["echo", None], ["date"]]),
    ('echo "$(a "$(b c)")"', [["echo", None], ["a", None], ["b", "c"]]),
    ("echo $(a $(b $(c)))", [["echo", None], ["a", None], ["b", None], ["c"]]),
    ("echo `a \\`b\\``", [["echo", None], ["a", None], ["b"]]),
    ("(cd /x && make) || exit 1", [["cd", "/x"], ["make"], ["exit", "1"]]),
    ("{ echo a; echo b; } > log", [["echo", "a"], ["echo", "b"]]),
    ("( (a) )", [["a"]]),
    ("diff <(sort a) >(tee b)", [["diff", None, None], ["sort", "a"], ["tee", "b"]]),
    ("echo ${X:-$(gcloud config get project)}", [["echo", None], ["gcloud", "config", "get", "project"]]),
    # bash runs the substitutions of an array assignment and of arithmetic
    ("a=(1 2 $(ls)) b", [["b"], ["ls"]]),
    ("a=('$(ls)') b", [["b"]]),
    ("echo $(( 1 + $(ls) ))", [["echo", None], ["ls"]]),
    ("(( x = `ls` ))", [["ls"]]),
    ("echo $( (sub) )", [["echo", None], ["sub"]]),
    ("echo $(case $x in a) one;; esac) z", [["echo", None, "z"], ["one"]]),
    ("echo {a,b} {} }", [["echo", "{a,b}", "{}", "}"]]),
])
def test_grouping_and_substitution(text, expected):
    assert values(text) == expected


# --------------------------------------------------------------------------- keywords


@table([
    ("if gcloud x; then a; elif b; then c; else d; fi", [["gcloud", "x"], ["a"], ["b"], ["c"], ["d"]]),
    ("if ! grep -q x f; then echo no; fi", [["grep", "-q", "x", "f"], ["echo", "no"]]),
    ("while read l; do echo $l; done < f", [["read", "l"], ["echo", None]]),
    ("until ping -c1 h; do sleep 1; done", [["ping", "-c1", "h"], ["sleep", "1"]]),
    ("for x in a b $(ls); do rm $x; done", [["ls"], ["rm", None]]),
    ("for x in a b\ndo\n  echo $x\ndone", [["echo", None]]),
    ("for ((i=0; i<3; i++)); do echo; done", [["echo"]]),
    ("select x in a b; do break; done", [["break"]]),
    ("case $1 in\n  a|b) echo ab;;\n  (c) echo c ;;\n  *) deploy --all\nesac",
     [["echo", "ab"], ["echo", "c"], ["deploy", "--all"]]),
    ("case x in a) one;& b) two;;& c) three;; esac; after", [["one"], ["two"], ["three"], ["after"]]),
    ("case $a in x) case $b in y) inner;; esac;; z) outer;; esac",
     [["inner"], ["outer"]]),
    ("function f() { gcloud run deploy; }", [["gcloud", "run", "deploy"]]),
    ("function f { a; }\nf", [["a"], ["f"]]),
    ("f() { a; }; g () {\n b\n}", [["a"], ["b"]]),
    ("! false", [["false"]]),
    ("(( x > 3 )) && echo big", [["echo", "big"]]),
    ("[[ -f x ]] && echo yes", [["[[", "-f", "x", "]]"], ["echo", "yes"]]),
    ("[[ $a < b ]] && echo lt > f", [["[[", None, "<", "b", "]]"], ["echo", "lt"]]),
    ("ls !(*.py) @(a|b)", [["ls", "!(*.py)", "@(a|b)"]]),
    ("echo if then fi done", [["echo", "if", "then", "fi", "done"]]),
    ("if true\nthen\n  if false; then x; fi\nfi", [["true"], ["false"], ["x"]]),
])
def test_control_keywords(text, expected):
    assert values(text) == expected


# --------------------------------------------------------------------------- redirections


@table([
    ("echo hi > out", [["echo", "hi"]]),
    ("echo hi >> out 2>&1", [["echo", "hi"]]),
    ("cmd &> all.log", [["cmd"]]),
    ("cmd &>> all.log", [["cmd"]]),
    ("sort < in > out", [["sort"]]),
    ("cat <<< 'word here' x", [["cat", "x"]]),
    ("cmd 2>/dev/null 3>&- 1>&2 >| f", [["cmd"]]),
    ("cmd >out arg", [["cmd", "arg"]]),
    (">out cmd arg", [["cmd", "arg"]]),
    ("cmd 2> err arg", [["cmd", "arg"]]),
    ("echo 2 > f", [["echo", "2"]]),
    ("exec {fd}>file", [["exec"]]),
    ("cmd > $(mktemp)", [["cmd"], ["mktemp"]]),
    ("cmd < <(gen)", [["cmd"], ["gen"]]),
])
def test_redirections_removed(text, expected):
    assert values(text) == expected


@table([
    ("cat <<EOF\ngcloud run deploy\nEOF", [["cat"]]),
    ("cat <<EOF > f\ngcloud run deploy\nEOF\nls", [["cat"], ["ls"]]),
    ("cat <<'EOF'\n$(gcloud run deploy)\nEOF", [["cat"]]),
    ('cat <<"EOF"\n`x`\nEOF', [["cat"]]),
    ("cat <<-EOF\n\tgcloud run deploy\n\tEOF\nls", [["cat"], ["ls"]]),
    ("cat <<EOF\nEOF is not alone\n EOF\nEOF\nls", [["cat"], ["ls"]]),
    ("cat <<A; cat <<B\na body\nA\nb body\nB\nafter", [["cat"], ["cat"], ["after"]]),
    ("cat <<EOF | grep x\nbody\nEOF\nls", [["cat"], ["grep", "x"], ["ls"]]),
    ("cat <<EOF\nunterminated body\ngcloud run deploy", [["cat"]]),
    ("cat <<EOF\r\nbody\r\nEOF\r\nls", [["cat"], ["ls"]]),
    ('git commit -m "$(cat <<\'EOF\'\nfix: x; gcloud run deploy\n\nEOF\n)" && git push',
     [["git", "commit", "-m", None], ["cat"], ["git", "push"]]),
    # an unquoted heredoc expands: its substitutions run, the rest is data
    ("cat <<EOF\nhello $(date) `id` gcloud run deploy\nEOF", [["cat"], ["date"], ["id"]]),
    ("cat <<EOF\nprice \\$(not run)\nEOF", [["cat"]]),
])
def test_heredoc_body_is_data(text, expected):
    assert values(text) == expected


@table([
    ("bash <<'EOF'\ngcloud run deploy x\nEOF", [["bash"], ["gcloud", "run", "deploy", "x"]]),
    ("sh <<EOF\nset -e\nmake deploy\nEOF\nls", [["sh"], ["set", "-e"], ["make", "deploy"], ["ls"]]),
    ("sudo bash -s -- arg <<EOF\nrm -rf /x\nEOF", [["bash", "-s", "--", "arg"], ["rm", "-rf", "/x"]]),
    ("ssh host bash <<'EOF'\ngcloud run deploy\nEOF",
     [["ssh", "host", "bash"], ["bash"], ["gcloud", "run", "deploy"]]),
    ("ssh host <<'EOF'\nreboot\nEOF", [["ssh", "host"], ["reboot"]]),
    ("bash script.sh <<EOF\nnot a command\nEOF", [["bash", "script.sh"]]),
    ("bash 3<<EOF\nnot a command\nEOF", [["bash"]]),
    ("bash <<-EOF\n\tif x; then y; fi\n\tEOF", [["bash"], ["x"], ["y"]]),
])
def test_heredoc_read_by_a_shell_is_parsed(text, expected):
    assert values(text) == expected


def test_heredoc_script_offsets():
    text = "bash <<'EOF'\n  gcloud run deploy x\nEOF\n"
    cmds = parse(text)
    assert spans(text)[1] == ["gcloud", "run", "deploy", "x"]
    assert cmds[1].argv[0].start == text.index("gcloud")


# --------------------------------------------------------------------------- placeholders


@table([
    ("gh pr merge <PR_NUMBER>", [["gh", "pr", "merge", None]]),
    ("gh pr merge <PR_NUMBER> --squash", [["gh", "pr", "merge", None, "--squash"]]),
    ("git checkout -b <feature-branch-name>", [["git", "checkout", "-b", None]]),
    ("git push origin feature/<name.v2>", [["git", "push", "origin", None]]),
    ("gcloud config set project {{PROJECT_ID}}", [["gcloud", "config", "set", "project", None]]),
    ("curl -H 'X: {{ TOKEN }}' url", [["curl", "-H", None, "url"]]),
    ("echo ${{ secrets.KEY }}", [["echo", None]]),
    ("<command> --flag", [[None, "--flag"]]),
    # not placeholders: real redirections, and go templates
    ("sort <in.txt >out.txt", [["sort"]]),
    ("docker inspect -f '{{.State.Running}}' c", [["docker", "inspect", "-f", "{{.State.Running}}", "c"]]),
    ("echo '<b>'", [["echo", "<b>"]]),
    ("cat <<EOF\n<X>\nEOF", [["cat"]]),
])
def test_placeholders(text, expected):
    assert values(text) == expected


def test_placeholder_word_offsets():
    text = "gh pr merge <PR_NUMBER>"
    w = parse(text)[0].argv[3]
    assert (w.raw, w.value, w.start, w.end) == ("<PR_NUMBER>", None, 12, 23)


# --------------------------------------------------------------------------- prefixes


@table([
    ("FOO=1 BAR=$(x) gcloud run deploy", [["gcloud", "run", "deploy"], ["x"]]),
    ("A=1", []),
    ("A=1 B=2; ls", [["ls"]]),
    ("a[0]=x b+=y cmd", [["cmd"]]),
    ('"A=1" cmd', [["A=1", "cmd"]]),
    ("sudo -u deploy -E ./deploy.sh", [["./deploy.sh"]]),
    ("sudo -Eu deploy cmd", [["cmd"]]),
    ("sudo -H --preserve-env=PATH,HOME -i -- cmd x", [["cmd", "x"]]),
    ("sudo --user=root --preserve-env cmd", [["cmd"]]),
    ("sudo --user root FOO=1 cmd", [["cmd"]]),
    ("sudo -v", [["sudo", "-v"]]),
    ("sudo -e /etc/hosts", [["sudo", "-e", "/etc/hosts"]]),
    ("/usr/bin/sudo -s cmd", [["cmd"]]),
    ("doas -u www cmd", [["cmd"]]),
    ("env GOOGLE_CLOUD_PROJECT=vitana-dev gcloud run deploy x --quiet",
     [["gcloud", "run", "deploy", "x", "--quiet"]]),
    ("env -i -u HOME --unset=PATH -C /tmp X=1 cmd", [["cmd"]]),
    ("env --unset HOME --chdir=/x - cmd", [["cmd"]]),
    ("env", [["env"]]),
    ("env -i", [["env", "-i"]]),
    ("env -S 'gcloud run deploy' x", [["gcloud", "run", "deploy", "x"]]),
    ('env -S"FOO=1 gcloud run" deploy', [["gcloud", "run", "deploy"]]),
    ("env --split-string='-i gcloud' deploy", [["gcloud", "deploy"]]),
    ("timeout 30 cmd", [["cmd"]]),
    ("timeout -s KILL -k 5 30s cmd x", [["cmd", "x"]]),
    ("timeout --signal=TERM --preserve-status 1m cmd", [["cmd"]]),
    ("nohup ./server > log 2>&1 &", [["./server"]]),
    ("nice -n 10 make", [["make"]]),
    ("nice -5 make", [["make"]]),
    ("time -p make", [["make"]]),
    ("time make", [["make"]]),
    ("exec gunicorn app", [["gunicorn", "app"]]),
    ("exec >log 2>&1", [["exec"]]),
    ("command gcloud run deploy", [["gcloud", "run", "deploy"]]),
    ("command -v gcloud", [["command", "-v", "gcloud"]]),
    ("command -V gcloud", [["command", "-V", "gcloud"]]),
    ("command -p ls", [["ls"]]),
    ("builtin echo hi", [["echo", "hi"]]),
    ("stdbuf -oL -e0 cmd", [["cmd"]]),
    ("stdbuf --output=L cmd", [["cmd"]]),
    ("ionice -c3 -n 7 cmd", [["cmd"]]),
    ("ionice -c3 -p 123", [["ionice", "-c3", "-p", "123"]]),
    ("caffeinate -i -t 60 cmd", [["cmd"]]),
    ("xargs -0 -n1 -I{} rm {}", [["rm", "{}"]]),
    ("xargs -P 4 --max-args=1 --replace cmd", [["cmd"]]),
    ("xargs", [["xargs"]]),
    ("chronic -e cmd", [["cmd"]]),
    ("watch -n 5 kubectl get pods", [["kubectl", "get", "pods"]]),
    ("strace -f -o out.txt cmd", [["cmd"]]),
    ("ltrace -e malloc cmd", [["cmd"]]),
    ("sudo env X=1 timeout 30 nohup gcloud run deploy", [["gcloud", "run", "deploy"]]),
    ("sudo -E nice -n 5 ionice -c2 stdbuf -oL time -p xargs -0 cmd", [["cmd"]]),
    ("$CMD arg", [[None, "arg"]]),
])
def test_prefix_stripping(text, expected):
    assert values(text) == expected


def test_prefix_stripped_command_spans_the_prefixes():
    text = "sudo env X=1 timeout 30 nohup gcloud run deploy && ls"
    cmd = parse(text)[0]
    assert (cmd.start, cmd.end) == (0, text.index(" &&"))
    assert cmd.argv[0].start == text.index("gcloud")


def test_env_split_string_offsets():
    text = "env -S 'gcloud run deploy' x"
    assert spans(text) == [["gcloud", "run", "deploy", "x"]]


# --------------------------------------------------------------------------- nested shells


@table([
    ("sh -c 'gcloud run deploy gateway --source .'", [["gcloud", "run", "deploy", "gateway", "--source", "."]]),
    ('bash -c "npm ci && npm test"', [["npm", "ci"], ["npm", "test"]]),
    ("bash -lc 'a; b'", [["a"], ["b"]]),
    ("bash -xc a", [["a"]]),
    ("bash -e -c 'a'", [["a"]]),
    ("bash -c -e 'a'", [["a"]]),
    ("bash -o pipefail -c 'a | b'", [["a"], ["b"]]),
    ("bash --norc --noprofile -c 'a'", [["a"]]),
    ("/bin/bash -c 'a'", [["a"]]),
    ("zsh -c 'a'", [["a"]]),
    ("dash -c 'a'; ksh -c 'b'", [["a"], ["b"]]),
    ("sh -c -- 'a b' arg0 arg1", [["a", "b"]]),
    ("bash -c", [["bash", "-c"]]),
    ("bash script.sh", [["bash", "script.sh"]]),
    ("sudo -u x bash -c 'gcloud run deploy'", [["gcloud", "run", "deploy"]]),
    ("timeout 60 sh -c 'sh -c \"gcloud run deploy\"'", [["gcloud", "run", "deploy"]]),
    ("bash -c 'x=$(gcloud run deploy a)'", [["gcloud", "run", "deploy", "a"]]),
    ('bash -c "cd $DIR && make"', [["cd", None], ["make"]]),
    ('bash -c "echo $(date)"', [["echo", None], ["date"]]),
    ("bash -c \"echo \\$(date)\"", [["echo", None], ["date"]]),
    ("bash -c $'a\\nb'", [["a"], ["b"]]),
    ("bash -c 'if x; then y; fi'", [["x"], ["y"]]),
    ("xargs -n1 sh -c 'echo \"$1\"' _", [["echo", None]]),
    ("eval 'gcloud run deploy'", [["gcloud", "run", "deploy"]]),
    ('eval "a && b"', [["a"], ["b"]]),
    ("eval gcloud run deploy x", [["gcloud", "run", "deploy", "x"]]),
    ('eval "$(ssh-agent -s)"', [[None], ["ssh-agent", "-s"]]),
    ("eval", [["eval"]]),
    ("watch 'kubectl get pods | grep x'", [["kubectl", "get", "pods"], ["grep", "x"]]),
    ("watch -x ls", [["ls"]]),
])
def test_nested_shells(text, expected):
    assert values(text) == expected


def test_nested_shell_offsets_single_quoted():
    text = "sh -c 'gcloud run deploy gateway --source .'"
    cmd = parse(text)[0]
    assert [(w.start, w.end) for w in cmd.argv][:3] == [(7, 13), (14, 17), (18, 24)]
    assert spans(text) == [["gcloud", "run", "deploy", "gateway", "--source", "."]]
    assert (cmd.start, cmd.end) == (7, len(text) - 1)


def test_nested_shell_offsets_double_quoted_with_escapes():
    text = 'bash -c "cd /app && echo \\"hi there\\" && gcloud deploy"'
    assert values(text) == [["cd", "/app"], ["echo", "hi there"], ["gcloud", "deploy"]]
    assert spans(text) == [["cd", "/app"], ["echo", '\\"hi there\\"'], ["gcloud", "deploy"]]


def test_doubly_nested_offsets():
    text = "timeout 60 sh -c 'sh -c \"gcloud run deploy\"'"
    assert spans(text) == [["gcloud", "run", "deploy"]]


def test_backtick_offsets():
    text = "echo `a \\`b\\``"
    assert spans(text) == [["echo", "`a \\`b\\``"], ["a", "\\`b\\`"], ["b"]]


@table([
    ("ssh host 'cd /app && gcloud run deploy'",
     [["ssh", "host", "cd /app && gcloud run deploy"], ["cd", "/app"], ["gcloud", "run", "deploy"]]),
    ("ssh -i key -p 22 -o StrictHostKeyChecking=no user@host gcloud run deploy x",
     [["ssh", "-i", "key", "-p", "22", "-o", "StrictHostKeyChecking=no", "user@host", "gcloud", "run",
       "deploy", "x"], ["gcloud", "run", "deploy", "x"]]),
    ("ssh -t host sudo reboot", [["ssh", "-t", "host", "sudo", "reboot"], ["reboot"]]),
    ("ssh host", [["ssh", "host"]]),
])
def test_ssh_remote_command(text, expected):
    assert values(text) == expected


def test_ssh_remote_offsets():
    text = "ssh h gcloud run deploy x"
    assert spans(text)[1] == ["gcloud", "run", "deploy", "x"]
    text = "ssh h 'gcloud run' deploy"
    assert spans(text)[1] == ["gcloud", "run", "deploy"]


@table([
    ("find . -name '*.pyc' -exec rm -f {} \\;",
     [["find", ".", "-name", "*.pyc", "-exec", "rm", "-f", "{}", ";"], ["rm", "-f", "{}"]]),
    ("find . -execdir git pull ';' -exec sh -c 'gcloud x' {} +",
     [["find", ".", "-execdir", "git", "pull", ";", "-exec", "sh", "-c", "gcloud x", "{}", "+"],
      ["git", "pull"], ["gcloud", "x"]]),
    ("find . -name x", [["find", ".", "-name", "x"]]),
])
def test_find_exec(text, expected):
    assert values(text) == expected


@table([
    ("source ./env.sh", [["source", "./env.sh"]]),
    (". ~/.bashrc && deploy", [[".", "~/.bashrc"], ["deploy"]]),
])
def test_source_stays_a_command(text, expected):
    assert values(text) == expected


# --------------------------------------------------------------------------- offsets


def test_word_offsets_are_exact():
    text = "  FOO=1 gcloud 'run' \"de\"ploy \\\n  --x=$Y # c\nls"
    cmds = parse(text)
    assert [[(w.raw, w.value) for w in c.argv] for c in cmds] == [
        [("gcloud", "gcloud"), ("'run'", "run"), ('"de"ploy', "deploy"), ("--x=$Y", None)],
        [("ls", "ls")],
    ]
    assert (cmds[0].start, cmds[0].end) == (2, text.index(" # c"))
    assert cmds[1].start == len(text) - 2


def test_substitution_offsets():
    text = 'x=$(gcloud run deploy a) && echo "$(date -u)"'
    assert spans(text) == [["gcloud", "run", "deploy", "a"], ["echo", '"$(date -u)"'], ["date", "-u"]]


# --------------------------------------------------------------------------- robustness


@table([
    ("echo 'unterminated gcloud run deploy", [["echo", "unterminated gcloud run deploy"]]),
    ('echo "unterminated $(x', [["echo", None], ["x"]]),
    ("echo $(gcloud run deploy", [["echo", None], ["gcloud", "run", "deploy"]]),
    ("echo `a", [["echo", None], ["a"]]),
    ("echo ${unterminated", [["echo", None]]),
    ("(a; b", [["a"], ["b"]]),
    ("a) b", [["a"], ["b"]]),
    ("a ))) b", [["a"], ["b"]]),
    ("echo \\", [["echo", "\\"]]),
    ("\\", [["\\"]]),
    ("echo $'\\", [["echo", "\\"]]),
    ("echo $'\\x", [["echo", "\\x"]]),
    ("echo $'\\U7fffffff'", [["echo", "\ufffd"]]),
    ("cat <<", [["cat"]]),
    ("a |", [["a"]]),
    ("| a", [["a"]]),
    (";;", []),
    ("case x in a) b", [["b"]]),
    ("if then fi done esac }", []),
    ("echo \x00\x01\udcff\ufeff é", [["echo", "\x00\x01\udcff\ufeff", "é"]]),
])
def test_malformed_input_never_raises(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize("opener, closer", [("$(", ")"), ("$(echo ", ")"), ('"$(echo ', ')"'), ("<(", ")"),
                                             ("${", "}"), ("(", ")"), ("$((", "))")])
def test_deep_nesting_is_capped(opener, closer):
    for text in (opener * 10_000, opener * 10_000 + "x" + closer * 10_000):
        cmds = _parse_strict(text)
        check(text, cmds)
        assert len(cmds) <= MAX_DEPTH + 2


def test_deep_substitution_nesting_finds_the_shallow_commands():
    text = "$(echo " * 10_000 + "x" + ")" * 10_000 + "; gcloud run deploy"
    cmds = _parse_strict(text)
    assert cmds[-1].values() == ["gcloud", "run", "deploy"]
    assert cmds[0].values() == [None]  # the outer `$(...)` is itself the command
    inner = [c.program for c in cmds[1:-1]]
    # past the depth limit, what runs is unknown: one marker command says so
    assert inner.count(DEPTH_MARKER) == 1
    assert all(p in ("echo", DEPTH_MARKER) for p in inner)


@pytest.mark.parametrize("text", [
    "eval " * 10_000 + "x",
    "sh -c " * 10_000,
    "env -S " * 10_000 + "x",
    "bash <<EOF\n" * 5_000,
    "bash -c 'eval \"" * 3_000,
    "`" * 10_001,
    "\\`" * 10_000,
    "((" * 10_000,
    "case x in " * 10_000,
    "a=(" * 10_000,
    "<<EOF\n" * 10_000,
    "cat <<EOF\n" + "$(" * 10_000,
    # names bound earlier are expanded within the work budget, not without bound
    "X=ab; " + "X=$X$X; " * 60 + "echo $X",
    'C="' + "a " * 5_000 + '"; echo ' + "$C " * 2_000,
    "a=(x y); " + "a+=(${a[@]} ${a[@]}); " * 40 + 'echo "${a[@]}"',
])
def test_pathological_input_completes(text):
    check(text, _parse_strict(text))


def test_one_megabyte_script_completes():
    block = (
        "#!/bin/bash\nset -euo pipefail\n"
        "if [ -f .env ]; then source .env; fi\n"
        "for f in $(ls *.py); do python3 \"$f\" --flag=1 > /dev/null 2>&1 || echo \"fail $f\"; done\n"
        "sudo -E env FOO=1 timeout 30 gcloud run deploy svc --region us-central1 --image=$(cat img) && echo 'ok'\n"
        "case \"$1\" in a|b) echo ab;; *) bash -c 'cd /tmp && make all' ;; esac\n"
        "cat <<'EOF' > notes.txt\nnot $(parsed)\nEOF\n"
    )
    text = block * (1_000_000 // len(block) + 1)
    assert len(text) >= 1_000_000
    cmds = parse(text)
    assert len(cmds) > 10_000
    assert sum(1 for c in cmds if c.values()[:3] == ["gcloud", "run", "deploy"]) == text.count("gcloud run deploy")


def test_parse_leaves_the_garbage_collector_as_it_found_it():
    assert gc.isenabled()
    parse("ls")
    assert gc.isenabled()
    gc.disable()
    try:
        parse("ls")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_fuzz_never_raises_and_offsets_hold():
    rng = random.Random(20240518)
    alphabet = list("ab $()`'\"\\{}|&;<>#=\n\t-x") + ["<<EOF\n", "EOF\n", "bash -c ", "$(", "sudo ", "env -S ",
                                                   "<NAME>", "case ", " in ", "esac", ";;", "eval ", "ssh h ",
                                                   "find -exec ", "$'", "${", "((", "))"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        cmds = _parse_strict(text)
        check(text, cmds)


def test_command_span_includes_leading_redirections_and_trailing_ones():
    text = ">out FOO=1 cmd arg 2>&1; next"
    cmd = parse(text)[0]
    assert (cmd.start, cmd.end) == (0, text.index(";"))
    assert cmd.values() == ["cmd", "arg"]


def test_eval_multi_word_offsets():
    text = "eval gcloud 'run deploy' x"
    assert values(text) == [["gcloud", "run", "deploy", "x"]]
    assert spans(text) == [["gcloud", "run", "deploy", "x"]]


def test_template_placeholder_in_double_quotes_is_unknown():
    assert values('gh pr merge "{{PR}}" --body "see <PR_NUMBER>"') == [["gh", "pr", "merge", None, "--body",
                                                                          "see <PR_NUMBER>"]]


STATEMENT_SCRIPTS = [
    "#!/bin/bash\necho \"it's\ngcloud run deploy\" ok\ncat <<EOF\ngcloud run deploy x\nEOF\n"
    "x=$(\n  gcloud run deploy y\n)\ngcloud run \\\n  deploy z # comment 'x\necho a#b 'c\nd'\n",
    "if true; then\n  ./deploy.sh\nfi\nfor s in a b; do docker push \"$s\"; done\nbash <<'EOS'\ngcloud run deploy q\nEOS\n",
    "case $x in\n  a|b) gh pr merge 1 ;;\nesac\nf() { git push origin main; }\nsudo -E env A=1 gcloud app deploy\n",
]


@pytest.mark.parametrize("script", STATEMENT_SCRIPTS)
def test_statements_parse_like_the_whole_script(script):
    from vitana_guard.normalize.shell import parse_statements, statements

    spans = statements(script)
    assert spans is not None and spans[0][0] == 0 and spans[-1][1] == len(script)
    as_words = lambda cmds: [[(w.raw, w.value, w.start, w.end) for w in c.argv] for c in cmds]  # noqa: E731
    assert as_words(parse_statements(script, spans)) == as_words(parse(script))
    # any subset of statements gives exactly the commands that lie inside it
    chosen = spans[1::2]
    inside = [c for c in parse(script) if any(s <= c.start < e for s, e in chosen)]
    assert as_words(parse_statements(script, chosen)) == as_words(inside)


def test_statements_give_up_where_the_lexer_cannot_follow():
    from vitana_guard.normalize.shell import statements

    assert statements("echo `date`\n") is None  # backticks
    assert statements('x="$(echo "a\nb")"\n') is None  # quotes nested in a substitution
    assert statements("echo 'unterminated\n") is None


JOINED_SCRIPT = (
    "echo a\ncat <<-'EOF'\n\tgcloud run deploy x\n\tEOF\necho 'q\nr' # c\ncase $x in\n  a) b;;\nesac\n"
    "gcloud run \\\n  deploy y\necho \"z\" # q\r\necho end"
)


def test_statements_join_lines_only_where_a_statement_goes_on():
    from vitana_guard.normalize.shell import statements

    text = JOINED_SCRIPT
    starts = ["echo a", "cat <<-", "echo 'q", "case", "gcloud run \\", "echo \"z\"", "echo end"]
    bounds = [text.index(s) for s in starts] + [len(text)]
    assert statements(text) == list(zip(bounds, bounds[1:]))


@pytest.mark.parametrize("script", STATEMENT_SCRIPTS + [JOINED_SCRIPT, "# in case of\necho a\necho b\n", ""])
def test_statements_at_gives_the_statements_holding_the_offsets(script):
    from vitana_guard.normalize.shell import statements, statements_at

    spans = statements(script)
    for offsets in ([], [0], list(range(0, len(script), 7)), list(range(len(script)))[::-1]):
        offsets = [o for o in offsets if o < len(script)]
        assert statements_at(script, offsets) == [sp for sp in spans if any(sp[0] <= o < sp[1] for o in offsets)]


def test_statements_at_gives_up_where_statements_does():
    from vitana_guard.normalize.shell import statements_at

    assert statements_at("echo a\necho `date`\n", []) is None
    assert statements_at("echo \"$(x)\"\n", [0]) is None


PLAIN_PIECES = [" ", "\t", "\r", "\n", "|", "||", "|&", "&&", "&", ";", ";;", "#", "# c", "a#b", "gcloud", "run", "deploy",
                "--x=1", "X=1", "X=1{{Y}}", "sudo", "env", "bash", "if", "fi", "{", "}", "!", "for", "case", "in", "./x.sh",
                "{{X}}", "{{ X }}", "\ue000", "a{b,c}", "[[", "]]", "x", "1", "2>&1", "'q'", "$x", "(", "\x0b", "é", "eval"]


def test_plain_lines_parse_on_their_own_as_together():
    from vitana_guard.normalize import shell

    def placed(cmds, by):
        return [([(w.raw, w.value, w.start + by, w.end + by) for w in c.argv], c.start + by, c.end + by) for c in cmds]

    rng = random.Random(5180)
    split = 0
    for _ in range(3000):
        text = "".join(rng.choice(PLAIN_PIECES) + rng.choice(["", " ", "\n"]) for _ in range(rng.randint(0, 20)))
        lines = shell.plain_lines(text)
        if lines is None:
            continue
        split += 1
        assert "".join(text[s:e] for s, e in lines) == text
        assert placed(parse(text), 0) == [c for s, e in lines for c in placed(parse(text[s:e]), s)], text
    assert split > 300
    assert shell.plain_lines("a | b\n# c sudo\nd && e") == [(0, 6), (6, 15), (15, 21)]
    assert shell.plain_lines("a\nsudo b\n") is None and shell.plain_lines("a\necho 'b'\n") is None


# --------------------------------------------------------------------------- evasions (issue 13)

# Each of these runs the forbidden command in bash; the parse must show it. The
# `bash` check below runs every case with fake programs on PATH that record their
# argv, so the table cannot drift from what bash does.
EVASIONS = [
    # quoting inside a word
    ('g"c"loud run deploy x', ["gcloud", "run", "deploy", "x"]),
    ("gc''loud run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("g\\cloud run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("$'\\x67cloud' run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("./dep''loy.sh prod", ["./deploy.sh", "prod"]),
    ('gh pr mer""ge 12', ["gh", "pr", "merge", "12"]),
    # names bound earlier in the same text
    ("G=gcloud; $G run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("G=gcloud; ${G} run deploy x", ["gcloud", "run", "deploy", "x"]),
    ('G=gcloud\n"$G" run deploy x', ["gcloud", "run", "deploy", "x"]),
    ('CMD="gcloud run deploy"; $CMD x', ["gcloud", "run", "deploy", "x"]),
    ("export G=gcloud; $G run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("readonly G=gcloud && $G run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("declare G=gcloud; $G run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("f() { local G=gcloud; $G run deploy x; }; f", ["gcloud", "run", "deploy", "x"]),
    ('a=(gcloud run deploy x); "${a[@]}"', ["gcloud", "run", "deploy", "x"]),
    ("a=(gcloud 'run' deploy x); ${a[@]}", ["gcloud", "run", "deploy", "x"]),
    ("B=main; git push origin $B", ["git", "push", "origin", "main"]),
    ("G=gcloud; ${G:-echo} run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("if true; then D=docker; fi; $D push img", ["docker", "push", "img"]),
    ("$(command -v gcloud) run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("$(which gcloud) run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("`which gcloud` run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("G=$(command -v gcloud); $G run deploy x", ["gcloud", "run", "deploy", "x"]),
    ("G=gcloud; bash -c \"$G run deploy x\"", ["gcloud", "run", "deploy", "x"]),
    ("env G=gcloud bash -c '$G run deploy x'", ["gcloud", "run", "deploy", "x"]),
    ("G=gcloud sh -c '$G run deploy x'", ["gcloud", "run", "deploy", "x"]),
    # text fed to a shell
    ("sh <<< 'gcloud run deploy x'", ["gcloud", "run", "deploy", "x"]),
    ("echo 'gcloud run deploy x' | sh", ["gcloud", "run", "deploy", "x"]),
    ("echo gcloud run deploy x | bash -s", ["gcloud", "run", "deploy", "x"]),
    ("printf 'gcloud run deploy x\\n' | bash", ["gcloud", "run", "deploy", "x"]),
    ("printf '%s\\n' 'git push origin main' | env bash", ["git", "push", "origin", "main"]),
    ("cat <<EOF | bash\ngcloud run deploy x\nEOF", ["gcloud", "run", "deploy", "x"]),
    # literal command strings inside interpreter payloads
    ("python3 -c \"import os; os.system('gcloud run deploy x')\"", ["gcloud", "run", "deploy", "x"]),
    ("python3 -c 'import subprocess; subprocess.run([\"gcloud\",\"run\",\"deploy\",\"x\"])'",
     ["gcloud", "run", "deploy", "x"]),
    ("node -e \"require('child_process').execSync('gcloud run deploy x')\"", ["gcloud", "run", "deploy", "x"]),
    ("node -e \"require('child_process').spawnSync('docker', ['push', 'img'])\"", ["docker", "push", "img"]),
    ("perl -e 'system(\"gh pr merge 7\")'", ["gh", "pr", "merge", "7"]),
    ("perl -le 'print `git push origin main`'", ["git", "push", "origin", "main"]),
]

FAKES = ("gcloud", "gh", "git", "docker")


def _bash_runs(text: str, tmp_path) -> list[str]:
    """What bash runs of the fake programs, each as `name args`."""
    import os
    import shutil
    import subprocess

    bash = shutil.which("bash")
    assert bash, "bash is needed to check the evasion table"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "log"
    script = f'#!/bin/sh\necho "$(basename "$0") $*" >> {log}\n'
    for name in FAKES:
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "deploy.sh").write_text(script)
    (tmp_path / "deploy.sh").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run([bash, "-c", text], cwd=tmp_path, env=env, capture_output=True, timeout=30, check=False)
    return log.read_text().splitlines() if os.path.exists(log) else []


@table(EVASIONS)
def test_evasions_read_as_bash_runs_them(text, expected, tmp_path):
    assert expected in values(text)
    ran = " ".join([expected[0].rsplit("/", 1)[-1], *expected[1:]])
    assert ran in _bash_runs(text, tmp_path)


@pytest.mark.parametrize("text", [
    "eval " * 101 + "gcloud run deploy x",
    "$(" * 101 + "gcloud run deploy x" + ")" * 101,
    "bash -c '" + "eval " * 120 + "gcloud run deploy x'",
])
def test_nesting_past_the_limit_is_marked_for_denial(text, tmp_path):
    programs_ = [c.program for c in parse(text)]
    assert programs_.count(DEPTH_MARKER) == 1
    assert "gcloud run deploy x" in _bash_runs(text, tmp_path)  # bash does run it


def test_names_are_not_taken_where_bash_does_not_see_them(tmp_path):
    # a prefix assignment is not expanded in its own command; `unset` and an
    # unknown value make the name unknown again; a quoted expansion is one word
    assert values("G=gcloud ${G} run deploy x") == [[None, "run", "deploy", "x"]]
    assert values("G=gcloud; unset G; $G run deploy x")[-1] == [None, "run", "deploy", "x"]
    assert values("G=gcloud; G=$(pick); $G run deploy x")[-1] == [None, "run", "deploy", "x"]
    assert values('CMD="gcloud run deploy"; "$CMD" x') == [["gcloud run deploy", "x"]]
    for text in ("G=gcloud ${G} run deploy x", 'CMD="gcloud run deploy"; "$CMD" x'):
        assert _bash_runs(text, tmp_path) == []


def test_interpreter_payloads_are_judged_only_where_they_run_a_command():
    assert values("ruby -e 'system \"gcloud run deploy x\"'")[-1] == ["gcloud", "run", "deploy", "x"]
    # printing, or a script file's own arguments, runs nothing
    assert values("python3 -c 'print(\"gcloud run deploy x\")'") == [["python3", "-c", 'print("gcloud run deploy x")']]
    assert len(values("python3 tool.py -c 'os.system(\"gcloud\")'")) == 1
    assert values("python3 -c 'import os; os.system(cmd)'") == [["python3", "-c", "import os; os.system(cmd)"]]
    text = "python3 -c \"import os; os.system('ls; gcloud run deploy x')\""
    cmd = [c for c in parse(text) if c.program == "gcloud"][0]
    assert [text[w.start:w.end] for w in cmd.argv] == ["gcloud", "run", "deploy", "x"]


def test_fed_text_keeps_positions_inside_the_literal():
    text = "echo 'ls; gcloud run deploy x' | sh"
    cmd = [c for c in parse(text) if c.program == "gcloud"][0]
    assert [text[w.start:w.end] for w in cmd.argv] == ["gcloud", "run", "deploy", "x"]
    text = "G=gcloud; $G run deploy x"
    cmd = parse(text)[-1]
    assert (cmd.argv[0].raw, cmd.argv[0].start) == ("$G", text.index("$G"))
