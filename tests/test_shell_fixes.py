"""The shell reader's deliberate fixes (issue 13's evasions), and the inputs they are
checked on: every string of tests/test_shell.py, every rule example, the script-like
fixtures (and the shared corpus when it is there) and ~2,000 generated snippets.

The core reads shell text two ways: as the Python parser it replaced did (`legacy=True`,
held identical to that parser by a differential test until parity held and the parser
was deleted: 22 of 22 passed) and with its fixes on. Every fix is listed in `DELIBERATE`,
each with the result bash agrees with and the reason; with the fixes on, every command
the legacy reading finds with known values must still be found as it is.
"""
from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import pytest
import yaml

from vitana_guard import _core

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/work/shared/corpus")


# --------------------------------------------------------------------------- inputs


def _literal(node: ast.AST) -> str | None:
    """A string constant, or a constant expression of them (`"a" * 3 + "b"`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp):
        left = _literal(node.left)
        if isinstance(node.op, ast.Add):
            right = _literal(node.right)
            if left is not None and right is not None:
                return left + right
        if (isinstance(node.op, ast.Mult) and left is not None and isinstance(node.right, ast.Constant)
                and isinstance(node.right.value, int)):
            return left * node.right.value
    return None


def test_shell_strings() -> list[str]:
    """Every string written in tests/test_shell.py: its inputs (and, harmlessly, its
    expected values)."""
    tree = ast.parse((ROOT / "tests" / "test_shell.py").read_text())
    found = {s for node in ast.walk(tree) if (s := _literal(node)) is not None}
    return sorted(found)


test_shell_strings.__test__ = False  # a helper, not a test


def rule_examples() -> list[str]:
    texts = []
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        for rule in (yaml.safe_load(path.read_text()) or {}).get("rules", []) or []:
            examples = rule.get("examples") or {}
            for key in ("match", "no-match"):
                for ex in examples.get(key) or []:
                    texts.append(ex["text"] if isinstance(ex, dict) else ex)
    return texts


SCRIPT_SUFFIXES = {".sh", ".bash", ".txt", ".md", ".yml", ".yaml", ".json", ".jsonl", ".log", ".py"}


def script_files() -> list[Path]:
    files = [p for p in sorted((ROOT / "tests").rglob("*")) if p.is_file() and p.suffix in SCRIPT_SUFFIXES
             and "__pycache__" not in p.parts and p.stat().st_size < 2_000_000]
    if CORPUS.is_dir():  # the shared corpus, where this checkout has it
        files += [p for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.suffix in SCRIPT_SUFFIXES
                  and p.stat().st_size < 2_000_000]
    return files


# A seeded generator of shell text: the syntax the parser knows, mixed at random,
# so that odd neighbours (an unterminated quote before a heredoc, a backtick in a
# `${`) get tried too.
WORDS = ["gcloud", "run", "deploy", "x", "gh", "pr", "merge", "git", "push", "origin", "main", "docker", "-t",
         "--region=eu", "é", "日本", "a/b.sh", "./deploy.sh", "{}", "*.py", "~/x", "1", "2", "-c", "--", "{{NAME}}",
         "<PR_NUMBER>", "\ue000", "ünï", "a=b", "X=1", "arr[2]=q", "v+=1", "if", "then", "fi", "do", "done", "esac",
         "!", "{", "}", "[[", "]]", "\x00", "\udcff", "\u212a", "ｇcloud"]
WRAPPERS = ["sudo ", "sudo -u deploy -E ", "env A=1 ", "env -S 'A=1 ", "env -i -- ", "timeout 5 ", "nohup ",
            "nice -n 3 ", "xargs -n1 ", "watch ", "watch -x ", "command ", "command -v ", "exec ", "time -p ",
            "stdbuf -oL ", "ionice -c3 ", "doas -u x ", "strace -f ", "builtin ", "/usr/bin/sudo "]
SHELLS = ["bash", "sh", "zsh", "/bin/bash", "dash"]


def _word(rng: random.Random, depth: int) -> str:
    k = rng.random()
    w = rng.choice(WORDS)
    if k < 0.45 or depth > 3:
        return w
    if k < 0.52:
        return "'" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3))) + rng.choice(["'", "'", ""])
    if k < 0.60:
        inner = " ".join(_word(rng, depth + 1) for _ in range(rng.randint(0, 3)))
        return '"' + inner.replace('"', '\\"') + rng.choice(['"', '"', ""])
    if k < 0.66:
        return "$(" + _snippet(rng, depth + 1) + rng.choice([")", ")", ""])
    if k < 0.70:
        return "`" + _snippet(rng, depth + 1).replace("`", "\\`") + rng.choice(["`", "`", ""])
    if k < 0.74:
        return rng.choice(["$X", "${X}", "$1", "$@", "${X:-gcloud}", "${Y-a/b}", "${Z:=q}", "${#X}", "${X%/*}",
                           "$((1+2))", "$", "${X:-$(id)}", "${"])
    if k < 0.78:
        return rng.choice(["$'\\x67cloud'", "$'a\\tb'", "$'\\101'", "$'\\u00e9'", "$'\\cA'", "$'\\q'", "$'\\",
                           "$'\\U0010ffff'", "$'\\ud800'", '$"x"'])
    if k < 0.82:
        a, b = w, rng.choice(WORDS)
        return a[: len(a) // 2] + rng.choice(["''", '""', "\\", "'", '"']) + a[len(a) // 2:] + b[:0]
    if k < 0.86:
        return rng.choice(["<(", ">("]) + _snippet(rng, depth + 1) + ")"
    if k < 0.90:
        return rng.choice(["a=(1 2 $(ls))", "!(*.py)", "@(a|b)", "x=$(id)", "2>&1", "{fd}>f", ">out", "<in",
                           "&>log", "<<<'w'", "3>&-", ">|f"])
    return w + "\\\n" + rng.choice(WORDS)


def _command(rng: random.Random, depth: int) -> str:
    k = rng.random()
    argv = " ".join(_word(rng, depth) for _ in range(rng.randint(1, 5)))
    if depth > 3:
        return argv
    if k < 0.15:
        return rng.choice(WRAPPERS) + argv
    if k < 0.25:
        script = _snippet(rng, depth + 1)
        quote = rng.choice(["'", '"'])
        return f"{rng.choice(SHELLS)} {rng.choice(['-c', '-lc', '-e -c', '-xc', '-o pipefail -c'])} " \
               f"{quote}{script.replace(quote, '')}{rng.choice([quote, quote, ''])}"
    if k < 0.30:
        return "eval " + rng.choice(["", "'", '"']) + _snippet(rng, depth + 1)
    if k < 0.36:
        body = "\n".join(_snippet(rng, depth + 1) for _ in range(rng.randint(0, 3)))
        delim = rng.choice(["EOF", "'EOF'", '"EOF"', "-EOF", "-'X'"])
        name = delim.strip("-'\"")
        end = ("\t" if delim.startswith("-") else "") + name
        reader = rng.choice(["cat", "bash", "sh -s", "ssh host", "ssh host bash", "bash 3", "python3 -", "cat >f"])
        return f"{reader} <<{delim}\n{body}\n{rng.choice([end, end, 'NOPE'])}"
    if k < 0.40:
        return f"ssh {rng.choice(['-i k ', '-p 22 ', ''])}host " + argv
    if k < 0.43:
        return "find . -name x -exec " + argv + rng.choice([" \\;", " {} +", " ';'", ""])
    if k < 0.47:
        return f"if {argv}; then {_command(rng, depth + 1)}; {rng.choice(['else x; ', ''])}fi"
    if k < 0.50:
        return f"for v in a b $(ls); do {_command(rng, depth + 1)}; done"
    if k < 0.53:
        return f"case $v in a|b) {_command(rng, depth + 1)};; (c) y;& *) z;; esac"
    if k < 0.56:
        return f"f() {{ {_command(rng, depth + 1)}; }}"
    if k < 0.58:
        return f"(( i > 2 )) && ( {argv} )"
    return argv


OPERATORS = [" && ", " || ", "; ", " | ", " |& ", " & ", "\n", "\r\n", " # c'mt\n", " \\\n ", ";;", " ) ", " ( "]


def _snippet(rng: random.Random, depth: int = 0) -> str:
    parts = [_command(rng, depth)]
    for _ in range(rng.randint(0, 3 if depth else 5)):
        parts.append(rng.choice(OPERATORS))
        parts.append(_command(rng, depth))
    return "".join(parts)


PLAIN = ["gcloud", "run", "deploy", "x", "ls", "-la", "--region=eu", "a#b", "é", "X=1", "sudo", "if", "./x.sh", "{"]


def _plain_script(rng: random.Random) -> str:
    """Lines of plain commands (the statements and plain-lines fast paths' input)."""
    lines = []
    for _ in range(rng.randint(1, 8)):
        cmd = " ".join(rng.choice(PLAIN[:8]) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.3:
            cmd += rng.choice([" | ", " && ", "; ", " || ", " & "]) + rng.choice(PLAIN)
        lines.append(cmd + rng.choice(["", " # note", "\r"]))
    return "\n".join(lines) + rng.choice(["", "\n"])


def generated(count: int = 2000, seed: int = 130518) -> list[str]:
    rng = random.Random(seed)
    return [_plain_script(rng) if k % 5 == 0 else _snippet(rng) for k in range(count)]


# --------------------------------------------------------------------------- the two readings


def new(text: str, legacy: bool = True) -> list:
    return [([tuple(w) for w in argv], s, e) for argv, s, e in _core.shell_parse(text, legacy)]


ASSIGNED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?\+?=")
EXPANDED = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def refined(text: str) -> bool:
    """With the fixes on, the offsets still index the text, and every command the
    legacy reading finds with all values known is still there as it was (unless the
    text expands a name it binds: then values rightly change)."""
    fixed = new(text, legacy=False)
    for argv, s, e in fixed:
        for raw, _value, ws, we in argv:
            if text[ws:we] != raw:
                return False
    if set(ASSIGNED.findall(text)) & set(EXPANDED.findall(text)):
        return True
    as_set = {(tuple(argv), s, e) for argv, s, e in fixed}
    return all((tuple(argv), s, e) in as_set for argv, s, e in new(text) if all(w[1] is not None for w in argv))


# --------------------------------------------------------------------------- the checks


# The deliberate differences: input, what the core gives with its fixes on (each
# checked against bash in test_shell.py's evasion table), and why.
DEPTH = "\ue001depth"
DELIBERATE = [
    ('g"c"loud run deploy x', [["gcloud", "run", "deploy", "x"]],
     "not a difference: the legacy reading already removed quotes inside a word; kept here as the baseline"),
    ("G=gcloud; $G run deploy x", [["gcloud", "run", "deploy", "x"]],
     "a name bound earlier in the text is expanded (the legacy reading: unknown program)"),
    ('CMD="gcloud run deploy"; $CMD x', [["gcloud", "run", "deploy", "x"]],
     "an unquoted expansion is split into words, as bash does"),
    ("export G=gcloud; $G run deploy x", [["export", "G=gcloud"], ["gcloud", "run", "deploy", "x"]],
     "declaration builtins bind names too"),
    ('a=(gcloud run deploy x); "${a[@]}"', [["gcloud", "run", "deploy", "x"]],
     "array elements, one word each"),
    ("B=main; git push origin $B", [["git", "push", "origin", "main"]],
     "the bound value of an argument"),
    ("X=docker; ${X:-echo} push img", [["docker", "push", "img"]],
     "${NAME:-word} takes NAME's value when NAME was set (the legacy reading: the word)"),
    ("$(command -v gcloud) run deploy x", [["gcloud", "run", "deploy", "x"], ["command", "-v", "gcloud"]],
     "a lookup of a program's path stands for the program"),
    ("`which gcloud` run deploy x", [["gcloud", "run", "deploy", "x"], ["which", "gcloud"]],
     "the same, in backticks"),
    ("sh <<< 'gcloud run deploy x'", [["sh"], ["gcloud", "run", "deploy", "x"]],
     "a here-string is the script of a shell reading stdin"),
    ("echo 'gcloud run deploy x' | sh", [["echo", "gcloud run deploy x"], ["gcloud", "run", "deploy", "x"], ["sh"]],
     "text piped into a shell is its script"),
    ("printf 'gcloud run deploy x\\n' | bash",
     [["printf", "gcloud run deploy x\\n"], ["gcloud", "run", "deploy", "x"], ["bash"]],
     "printf's output, escapes decoded, piped into a shell"),
    ("cat <<EOF | bash\ngcloud run deploy x\nEOF", [["cat"], ["bash"], ["gcloud", "run", "deploy", "x"]],
     "a heredoc copied by cat into a shell is its script (the legacy reading: data)"),
    ("python3 -c \"import os; os.system('gcloud run deploy x')\"",
     [["python3", "-c", "import os; os.system('gcloud run deploy x')"], ["gcloud", "run", "deploy", "x"]],
     "a literal command string passed to os.system in a payload is judged as a command"),
    ("node -e \"require('child_process').execSync('gh pr merge 3')\"",
     [["node", "-e", "require('child_process').execSync('gh pr merge 3')"], ["gh", "pr", "merge", "3"]],
     "the same for child_process in node -e"),
    ("eval " * 101 + "gcloud run deploy x", [["eval", "gcloud", "run", "deploy", "x"], [DEPTH]],
     "nesting past MAX_DEPTH leaves text unparsed: a marker command says so, for the guard to deny"),
]


@pytest.mark.parametrize("text, expected, reason", DELIBERATE, ids=[repr(d[0])[:40] for d in DELIBERATE])
def test_deliberate_differences(text, expected, reason):
    assert [[w[1] for w in argv] for argv, _, _ in new(text, legacy=False)] == expected, reason
    legacy_values = [[w[1] for w in argv] for argv, _, _ in new(text)]
    assert (legacy_values == expected) == reason.startswith("not a difference"), reason


def test_fixes_keep_what_the_legacy_reading_knows():
    texts = test_shell_strings() + rule_examples() + generated(500, seed=7)
    assert [t for t in texts if not refined(t)] == []


def test_surrogates_and_non_ascii_offsets_are_code_points():
    text = "echo \udcff é 日本 $'\\ud800' && gcloud run deploy ｇ"
    cmds = new(text)
    assert cmds[1][0][0] == ("gcloud", "gcloud", text.index("gcloud"), text.index("gcloud") + 6)
