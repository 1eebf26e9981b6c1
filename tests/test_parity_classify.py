"""Differential test: the Rust classifier and file reader against the Python oracle.

The oracle (vitana_guard/sources/_oracle_classify.py, _oracle_files.py) is the Python
implementation the core replaced. Both run on every file under tests/, the rule
examples that name a path, the shared corpus (when present), this repository's own
files, and seeded generated files of every kind; segments must be identical (text,
channel, origin, line, column, indent, flat), and so must decoding.

Deliberate differences (each a case where Python raises or holds text Rust cannot):
- a Dockerfile whose last instruction continues into comment lines only, at the end
  of the file: Python raised IndexError; the core gives the instruction as a command
  and the comment lines once as prose;
- a package.json script with an escape `json.loads` refuses: Python raised
  ValueError; the core reads the file as prose, as any text that is not JSON;
- a lone surrogate (`\\ud800` in a JSON or YAML escape, or in a Python str passed
  in) becomes U+FFFD;
- a `run: "..."` fallback scalar holding a mid-line carriage return, or a `\\U`
  escape past U+10FFFF (PyYAML folds it, or Python raises ValueError): no segment.
"""
from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest
import yaml

from vitana_guard.sources import _oracle_classify as oracle
from vitana_guard.sources import _oracle_files as oracle_files
from vitana_guard.sources import classify, files

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/work/shared/corpus")


def _seg(s):
    return (s.text, s.channel, s.origin, s.line, s.column, s.indent, s.flat)


ORACLE_RAISED: list[tuple[str, str]] = []
# the oracle's crashes the core fixes on purpose (module docstring)
_ORACLE_CRASHES = {("dockerfile", IndexError), ("package-json", ValueError)}


def _differs(path: str, text: str) -> str | None:
    try:
        want = [_seg(s) for s in oracle.segments(path, text)]
    except (IndexError, ValueError) as e:
        # a deliberate difference (module docstring): the oracle crashes, the core
        # must not, and must still say what it can
        got = list(classify.segments(path, text))
        kind = classify.file_kind(path, text[:256])
        assert any(kind == k and isinstance(e, c) for k, c in _ORACLE_CRASHES), (path, text)
        ORACLE_RAISED.append((path, type(e).__name__))
        return None if got or not text.strip() else f"{path}: oracle raised, rust gave nothing"
    got = [_seg(s) for s in classify.segments(path, text)]
    if want == got:
        return None
    for k, (w, g) in enumerate(zip(want, got)):
        if w != g:
            return f"{path}: segment {k}: oracle {w!r} rust {g!r}"
    return f"{path}: {len(want)} segments in the oracle, {len(got)} in rust"


def _decode_differs(path: str, data: bytes) -> str | None:
    entry = files.FileEntry(path, path, len(data))
    want = oracle_files.decode(entry, data)
    got = files.decode(entry, data)
    return None if want == got else f"{path}: decode: oracle {want!r} rust {got!r}"


def _check_file(abs_path: Path, display: str, problems: list[str]) -> None:
    data = abs_path.read_bytes()
    if len(data) > files.MAX_BYTES:
        return
    d = _decode_differs(display, data)
    if d:
        problems.append(d)
    text, _ = oracle_files.decode(files.FileEntry(str(abs_path), display, len(data)), data)
    if text is not None:
        d = _differs(display, text)
        if d:
            problems.append(d)


def _check_tree(paths, problems):
    for abs_path, display in paths:
        if abs_path.is_file() and not abs_path.is_symlink():
            _check_file(abs_path, display, problems)


def test_every_file_under_tests():
    problems: list[str] = []
    tests = ROOT / "tests"
    _check_tree(((p, str(p.relative_to(ROOT))) for p in sorted(tests.rglob("*"))), problems)
    assert problems == []


def test_this_repository_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    names = [n for n in out.decode("utf-8", "surrogateescape").split("\0") if n]
    assert len(names) > 50
    problems: list[str] = []
    _check_tree(((ROOT / n, n) for n in names), problems)
    assert problems == []


def _rule_examples():
    for rule_file in sorted((ROOT / "rules").glob("*.yaml")):
        doc = yaml.safe_load(rule_file.read_text("utf-8"))
        for rule in (doc or {}).get("rules", []) if isinstance(doc, dict) else []:
            examples = rule.get("examples") or {}
            for group in ("match", "no-match"):
                for ex in examples.get(group) or []:
                    if isinstance(ex, dict) and isinstance(ex.get("path"), str) and isinstance(ex.get("text"), str):
                        yield ex["path"], ex["text"]


def test_rule_examples_with_a_path():
    examples = list(_rule_examples())
    assert len(examples) > 5
    problems = [d for p, t in examples if (d := _differs(p, t))]
    assert problems == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
def test_shared_corpus():
    problems: list[str] = []
    _check_tree(((p, str(p.relative_to(CORPUS))) for p in sorted(CORPUS.rglob("*"))), problems)
    assert problems == []


# --------------------------------------------------------------------------- generated

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


def _gen_shell(r):
    makers = [
        lambda r: _words(r, 6),
        lambda r: "# " + _words(r, 4),
        lambda r: "cat <<" + r.choice(["EOF", "-EOF", "'EOF'", '"E"', "-\tE"]) + " " + _words(r, 2),
        lambda r: r.choice(["EOF", "\tEOF", "E", "\tE"]),
        lambda r: "echo '" + _words(r, 3),
        lambda r: 'x="' + _words(r, 3) + r.choice(['"', "", '\\"']),
        lambda r: r.choice(["#!/bin/bash", "#!/usr/bin/env sh", "  #x", "a;#b", "a #b\\"]),
    ]
    return _eol(r, _lines(r, makers, 12))


def _gen_makefile(r):
    makers = [
        lambda r: "\t" + r.choice(["@", "-", "+", "@-", "", " "]) + _words(r, 5),
        lambda r: "\t# " + _words(r, 3),
        lambda r: r.choice(["all", "build", "$(X)", "a b", "x.o"]) + ":" + r.choice(["", " dep", " ; " + _words(r, 3), " # c ; x", "; x # c"]),
        lambda r: r.choice(["X", "export Y", "override Z", "A B"]) + r.choice([" = ", " := ", "+=", "?=", " != ", "::="]) + _words(r, 3),
        lambda r: r.choice(["define F", "endef", "ifeq (a,b)", "else", "endif", "include x.mk", ".RECIPEPREFIX = >", "vpath %"]),
        lambda r: _words(r, 3) + r.choice(["\\", "\\\\", " \\", ""]),
        lambda r: "",
        lambda r: "# " + _words(r, 3),
    ]
    return _eol(r, _lines(r, makers, 14))


def _gen_dockerfile(r):
    makers = [
        lambda r: r.choice(["RUN", "run", "COPY", "FROM", "ENV", "Run"]) + r.choice([" ", "\t", "  "]) + _words(r, 5) + r.choice(["", " \\", "\\", " `"]),
        lambda r: "RUN " + r.choice(["--mount=type=cache,target=/x ", "--network=none ", ""]) + r.choice(['["sh", "-c", "echo hi"]', '["a b", "c\'d"]', "[\"x\", \\", '"y"]', "[1, 2]", "[]"]),
        lambda r: "RUN <<" + r.choice(["EOF", "-EOF", "'EOF'", "EOF <<E2"]) + r.choice(["", " bash"]),
        lambda r: r.choice(["EOF", "\tEOF", "E2", "  EOF"]),
        lambda r: r.choice(["# escape=`", "# syntax=docker/dockerfile:1", "#escape=\\"]),
        lambda r: "  # " + _words(r, 3),
        lambda r: "    " + _words(r, 4) + r.choice(["", " \\"]),
        lambda r: "",
    ]
    return _eol(r, _lines(r, makers, 14))


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


def _gen_package_json(r):
    def value(r, depth=0):
        c = r.random()
        if c < 0.4 or depth > 2:
            return r.choice(['"' + _words(r, 4).replace('"', "'").replace("\\", "/") + '"', '"a\\"b \\\\ c \\u00e9 \\n"', "1", "-2.5e3", "true", "null", '"x"'])
        if c < 0.7:
            return "{" + ", ".join(f'"{k}": {value(r, depth + 1)}' for k in r.sample(["a", "b", "scripts", "c"], r.randint(0, 3))) + "}"
        return "[" + ", ".join(value(r, depth + 1) for _ in range(r.randint(0, 3))) + "]"

    scripts = ", ".join(f'\n    "{k}": {value(r, 2)}' for k in r.sample(["build", "deploy", "test", "lint"], r.randint(0, 4)))
    text = '{\n  "name": "x",\n  "scripts": {' + scripts + "\n  }," + f'\n  "other": {value(r)}' + "\n}\n"
    if r.random() < 0.2:
        k = r.randrange(len(text))
        text = text[:k] + r.choice(["", "}", ",", '"', "x", "\n"]) + text[k + 1:]
    return text


def _gen_markdown(r):
    makers = [
        lambda r: _words(r, 6),
        lambda r: "",
        lambda r: r.choice(["", "  ", "> ", "   > > "]) + r.choice(["```", "~~~", "````", "~~~~"]) + r.choice(["", "bash", "sh", "console", "http", "{.bash}", "shell,x", "`x`", "python", " Bash "]),
        lambda r: r.choice(["", "> ", "  "]) + r.choice(["```", "~~~", "````"]),
        lambda r: r.choice(["$ ", "(venv) $ ", "user@host:~/x$ ", "> ", "  $ "]) + _words(r, 4) + r.choice(["", " \\"]),
        lambda r: "Use `gcloud run deploy` " + _words(r, 2),
        lambda r: r.choice(["", "> "]) + "POST https://x/api/v1/deploy HTTP/1.1",
    ]
    return _eol(r, _lines(r, makers, 16))


def _gen_other(r):
    return _eol(r, [_words(r, 8) for _ in range(r.randint(0, 5))])


_GENERATORS = {
    "run.sh": _gen_shell,
    "Makefile": _gen_makefile,
    "Dockerfile": _gen_dockerfile,
    ".github/workflows/ci.yml": _gen_workflow,
    "package.json": _gen_package_json,
    "docs/README.md": _gen_markdown,
    "notes.txt": _gen_other,
    "api.http": _gen_other,
    "x.yaml": _gen_other,
    "app.ts": _gen_other,
    "script": _gen_shell,
}


@pytest.mark.parametrize("path", sorted(_GENERATORS))
def test_generated_files(path):
    r = random.Random(f"classify:{path}")
    problems = []
    for _ in range(2000):
        text = _GENERATORS[path](r)
        if path == "script":
            text = r.choice(["#!/bin/sh\n", "#! /usr/bin/env bash\n", "#!/usr/bin/env -S zsh -e\n", "#!python\n"]) + text
        d = _differs(path, text)
        if d:
            problems.append(d)
    assert problems[:5] == []


def test_generated_bytes_decode_alike():
    r = random.Random("decode")
    pieces = [b"echo hi\n", b"\0", b"\xff", b"\xc3\xa9", b"\xe6\x97", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
              b"#!/bin/sh\n", b"\x7fELF", b"\r\n", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"a\x00b", b"\n"]
    problems = []
    for k in range(3000):
        data = b"".join(r.choice(pieces) for _ in range(r.randint(0, 12)))
        if r.random() < 0.3:
            data = r.choice([b"#!/bin/bash\n", b"#!/usr/bin/env sh\n", b"\xff\xfe", b""]) + data
        for path in ("x.sh", "x.bin", "run"):
            d = _decode_differs(path, data)
            if d:
                problems.append(d)
    assert problems[:5] == []


def test_read_bytes_limit_and_errors(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 101)
    for name, limit in (("big.txt", 100), ("big.txt", 101), ("missing.txt", 100), (".", 100)):
        p = tmp_path / name
        entry = files.FileEntry(str(p), name, 7)
        assert files.read_bytes(entry, max_bytes=limit) == oracle_files.read_bytes(entry, max_bytes=limit)


def test_workflow_yaml_composer_finds_what_pyyaml_finds():
    # classify composes with libyaml where it agrees with PyYAML (no tab, no BOM) and
    # with PyYAML otherwise: the run spans and releasing steps must be PyYAML's
    r = random.Random("yaml-composer")
    texts = [_gen_workflow(r) for _ in range(10000)] + [
        "a: \x85b\n", 'jobs:\n  - run: "\\u00e9 \\x41"\n', "k: \u2028\n", "steps:\r  - run: a\r",
        "- run: |\n  a\u2029b\n", "\ufeffsteps:\n  - run: x\n", "steps:\n  - run: \t x\n",
        "- run: &r echo\n- run: *r\n", "a: [\n", "- run: 'é''x'\n  uses: docker/build-push-action@v6\n  with: {push: yes}\n",
    ]
    problems = []
    for text in texts:
        want_actions: list = []
        got_actions: list = []
        want = oracle._yaml_run_spans(text, want_actions)
        got = classify._yaml_run_spans(text, got_actions)
        if (want, want_actions) != (got, got_actions):
            problems.append((text, want, got))
    assert problems[:3] == []
