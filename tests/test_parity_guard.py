"""Differential test of the live guard's own checks: the Python originals
(vitana_guard/hooks/tamper.py, ondisk.py, edited.py) against their Rust port
(crates/vitana_core/src/guard/, through `vitana_guard._core`), which the native hook runs.

Inputs: every input of tests/test_guard_tamper.py, test_guard_ondisk.py and
test_guard_edits.py and the tamper / on-disk / edit cases of tests/guard_cases.py (their
tables imported, their temp trees built the same way), and about 2,000 seeded generated
inputs: commands composed of rm/mv/cp/tee/sed -i/chmod/make/npm run/bash/cd/redirects
over protected and unprotected paths, edit-tool calls, Makefiles, edits with old/new
strings, replace_all and MultiEdit lists, and Codex patches.

Results must be identical (the what and reason of a tamper, the (what, script) list or
the error of the on-disk reader, the text and lines of an edit). The deliberate
differences, which the comparison allows (and no other):
- "not JSON (...)": the parenthesised detail is serde_json's message, not Python's json
  module's (the reason still names the file and says it is not JSON);
- a byte of an edited file that is not UTF-8 reads as U+FFFD, not as a lone surrogate (a
  Rust string is UTF-8); one character for one byte, so lines and offsets agree;
- session 6 (the guard evasions, brief H6), the Rust checks deny what the originals
  missed; the comparison allows the Rust side to deny (never to allow) where a command
  holds one of these forms (`_new_tamper`), and to read a different script where a
  shell's options come before it (`_new_script`):
  - a copy, move, link or rsync INTO a directory (`cp f .claude/`, `cp -t DIR SRC`,
    `mv -t`): DIR/basename(SRC) is judged;
  - git after global options (`git -C dir checkout -- f`, `-c k=v`, `--git-dir`,
    `--work-tree`), `reset` paths, and whole-tree rewrites (`reset --hard`, `stash`,
    `clean -f` without paths), the files the patches of `apply`/`am` name;
  - `find PATHS -delete` / `-exec rm` and `xargs rm` fed by a pipe: the start paths,
    or what the feeding command names, judged as `rm -r` would be;
  - `python -c`/`node -e`/`perl -e`/`ruby -e` code that writes or removes a file and
    names a protected path in a string literal;
  - on disk: `bash -o pipefail FILE`, `bash -O extglob FILE`, `--rcfile X FILE`: the
    option's value is skipped and FILE read (the original read the value as the
    script); `bash -s ...` reads stdin (no file);
  (the shell reader's own fixes of that session, substitutions in array assignments and
  arithmetic, are shared by both sides: both use the Rust reader.)
Not generated here, by design (each is a path Python takes through an exception or a
hang, where the port denies or declines to read):
- a FIFO (or other non-regular file) named as pyproject.toml or edited: Python blocks
  opening it, the port does not open it;
- an edit whose result would pass 64 MiB (`edited.MAX_RESULT` in the port): judged on
  its new text alone; Python builds it, or raises MemoryError;
- a package.json Python's json reads and serde_json refuses (NaN, 1e400, lone
  surrogate escapes, nesting past 128): the port denies it as not JSON;
- a `~user` whose name holds NUL, a path with NUL, `edits` that is a number under a
  protected pyproject.toml: Python raises (the hook denies as an internal error), the
  port denies with its own reason.
"""
from __future__ import annotations

import json
import os
import random
import re

import pytest

import guard_cases as gc
import test_guard_edits as ted
import test_guard_ondisk as tod
import test_guard_tamper as ttp
from vitana_guard import _core
from vitana_guard.hooks import edited, ondisk, tamper

CODE_DIRS = [os.path.dirname(os.path.dirname(os.path.abspath(tamper.__file__)))]
SEED = 20261204


# -- the two sides ---------------------------------------------------------------------------


def py_judge(tool, args, cwd, shell_text):
    t = tamper.judge(tool, args, cwd, shell_text)
    return None if t is None else (t.what, t.reason)


def rs_judge(tool, args, cwd, shell_text):
    return _core.tamper_judge(tool, args, cwd, shell_text, CODE_DIRS)


def py_shell(text, cwd):
    t = tamper.judge_shell(text, cwd)
    return None if t is None else (t.what, t.reason)


def rs_shell(text, cwd):
    return _core.tamper_judge_shell(text, cwd, CODE_DIRS)


_NOT_JSON = re.compile(r"(: not JSON) \(.*\)$", re.S)


def _scripts(fn, error, text, cwd):
    try:
        return ("ok", [tuple(x) for x in fn(text, cwd)])
    except error as e:
        return ("error", _NOT_JSON.sub(r"\1 (...)", str(e)))  # deliberate: the JSON detail


def py_scripts(text, cwd):
    return _scripts(ondisk.scripts, ondisk.OnDiskError, text, cwd)


def rs_scripts(text, cwd):
    return _scripts(_core.ondisk_scripts, ValueError, text, cwd)


_SURROGATE = re.compile("[\udc80-\udcff]")


def _edited(result):
    if result is None:
        return None
    text, lines = result
    return _SURROGATE.sub("\ufffd", text), frozenset(lines)  # deliberate: U+FFFD for a bad byte


# the forms of the session 6 deliberate differences (see the docstring)
_NEW_TAMPER = re.compile(r"(?:^|[\s;&|(`'\"])(?:cp|mv|install|ln|rsync|scp|git|find|xargs|"
                         r"python3?|node|perl|ruby)(?=[\s;&|)]|$)")
_NEW_SCRIPT = re.compile(r"(?:^|[\s;&|(`'\"])(?:bash|sh|zsh|dash|ksh)\s(?:[^;&|\n]*\s)?"
                         r"(?:[-+]\w*[oO]|--rcfile|--init-file|-s|-)(?=\s)")


def _new_tamper(text):
    return bool(_NEW_TAMPER.search(text))


def _new_script(text):
    return bool(_NEW_SCRIPT.search(text))


def same_shell(text, cwd):
    """Both checks a shell call goes through: tamper, and what it runs from disk. Gives
    (tampers, what it runs or the error) for the caller's tally."""
    found = py_shell(text, cwd)
    got = rs_shell(text, cwd)
    if got != found:
        # deliberate: the Rust side denies a form the original missed
        assert got is not None and _new_tamper(text), (text, cwd, got, found)
    judged = rs_judge("Bash", {"command": text}, cwd, text)
    assert judged == got, (text, cwd)
    if got == found:
        assert judged == py_judge("Bash", {"command": text}, cwd, text), (text, cwd)
    runs = py_scripts(text, cwd)
    if rs_scripts(text, cwd) != runs:
        assert _new_script(text), (text, cwd)  # deliberate: the script after a shell's options
    return found is not None, runs


def same_call(tool, args, cwd):
    found = py_judge(tool, args, cwd, None)
    assert rs_judge(tool, args, cwd, None) == found, (tool, args, cwd)
    return found is not None


def same_edit(path, cwd, args, edits):
    want = _edited(edited.apply_edits(path, cwd, args, edits))
    assert _edited(_core.apply_edits(path, cwd, args, edits)) == want, (path, args, edits)
    return want


def same_patch(patch, cwd):
    """Gives how many updates applied."""
    want = edited.patch_files(patch)
    assert [tuple(f) for f in _core.patch_files(patch)] == [tuple(f) for f in want], patch
    applied = 0
    for path, kind, lines in want:
        if kind == "update":
            result = _edited(edited.apply_hunks(path, cwd, lines))
            assert _edited(_core.apply_hunks(path, cwd, lines)) == result, (path, lines)
            applied += result is not None
    same_call("apply_patch", {"input": patch}, cwd)
    return applied


# -- the trees of the test files ---------------------------------------------------------------


def _write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def trees(tmp_path, monkeypatch):
    """test_guard_tamper's project (with HOME and XDG_* pointed into it), and the
    guard suite's project and home, in one temp dir."""
    repo = ttp.project.__wrapped__(tmp_path, monkeypatch)
    home = tmp_path / "home"
    _write(home, gc.HOME_FILES)
    proj = tmp_path / "proj"
    _write(proj, gc.PROJECT_FILES)
    (proj / "build").mkdir()
    return repo, proj, home


def test_tamper_tables(trees):
    repo, proj, _ = trees
    for command in ttp.DENIED_SHELL + ttp.ALLOWED_SHELL:
        for cwd in (str(repo), str(repo / "src"), str(proj)):
            same_shell(command, cwd)
    # the calls of the edit-tool and apply_patch tests
    for tool, args in [
        ("Write", {"file_path": str(repo / ".vitana-guard.yaml"), "content": "select: []\n"}),
        ("Edit", {"file_path": ".claude/settings.json", "old_string": "{}", "new_string": '{"hooks": {}}'}),
        ("MultiEdit", {"file_path": str(repo / ".claude/settings.local.json"),
                       "edits": [{"old_string": "a", "new_string": "b"}]}),
        ("Edit", {"file_path": str(repo / "pyproject.toml"), "old_string": 'select = ["VG1"]',
                  "new_string": "select = []"}),
        ("Write", {"file_path": str(repo / "pyproject.toml"), "content": '[project]\nname = "x"\n'}),
        ("write_file", {"file_path": str(repo / ".gemini/settings.json"), "content": "{}"}),
        ("Edit", {"file_path": str(repo / "pyproject.toml"), "old_string": 'version = "1"',
                  "new_string": 'version = "2"'}),
        ("Write", {"file_path": str(repo / "pyproject.toml"),
                   "content": (repo / "pyproject.toml").read_text().replace('version = "1"', 'version = "3"')}),
        ("Read", {"file_path": ".vitana-guard.yaml"}),
    ]:
        same_call(tool, args, str(repo))
    for patch in ["*** Begin Patch\n*** Delete File: .vitana-guard.yaml\n*** End Patch\n",
                  "*** Begin Patch\n*** Update File: .codex/hooks.json\n@@\n-x\n+y\n*** End Patch\n",
                  "*** Begin Patch\n*** Add File: src/app.py\n+print(1)\n*** End Patch\n"]:
        same_call("apply_patch", {"input": patch}, str(repo))
    for tool, command in [("mcp__shell__run", "rm .vitana-guard.yaml"), ("mcp__box__exec", "ls")]:
        assert rs_judge(tool, {"command": command}, str(repo), command) == \
            py_judge(tool, {"command": command}, str(repo), command)


def test_guard_cases(trees):
    _, proj, _ = trees
    seen = 0
    for case in gc.CASES:
        if case.command is not None:
            if case.rule == "tamper" or case.name.startswith(("make-", "npm-", "yarn-", "pnpm-", "bash-", "sh-",
                                                              "dot-slash", "source-", "script-", "cd-",
                                                              "deploy-script", "quoted-deploy", "malformed-")):
                _write(proj, case.files)
                same_shell(case.command, str(proj))
                seen += 1
        elif case.tool_input is not None:
            same_call(case.tool, case.tool_input, str(proj))
            args = case.tool_input
            if case.tool in ("Edit", "MultiEdit", "replace"):
                same_edit(args["file_path"], str(proj), args, args.get("edits") or [])
            if case.tool == "apply_patch":
                same_patch(args["input"], str(proj))
            seen += 1
    assert seen > 60


def test_session6_differences_are_real(trees):
    """Each native-only case of the guard suite is a deliberate difference: the Rust
    check denies (or reads the script), the Python original does not."""
    _, proj, _ = trees
    for case in gc.CASES[gc.CASES.index(next(c for c in gc.CASES if c.name == "find-delete-pyc-at-root")) + 1:]:
        _write(proj, case.files)
        cwd = str(proj)
        if case.rule == "tamper":
            assert rs_shell(case.command, cwd) is not None, case.name
            assert py_shell(case.command, cwd) is None, case.name
            assert _new_tamper(case.command), case.name
        else:
            got, want = rs_scripts(case.command, cwd), py_scripts(case.command, cwd)
            assert got[0] == "ok" and any("gcloud run deploy" in s for _, s in got[1]), case.name
            assert got != want and _new_script(case.command), case.name


def test_ondisk_tables(tmp_path, monkeypatch):
    project = tod.project.__wrapped__(tmp_path, monkeypatch)
    for command in ["make release", "make -C . release", "npm run deploy", "yarn deploy", "pnpm run deploy",
                    "bash tools/publish.sh", "sh ./tools/publish.sh", "./tools/publish.sh", "source tools/publish.sh",
                    ". tools/publish.sh", "./tools/inner.sh", "make", "make test", "npm test", "npm run build",
                    "yarn add left-pad", "make -n release", "bash -n tools/publish.sh", "cat tools/publish.sh",
                    "./tools/missing.sh", "./tools/clean.sh"]:
        same_shell(command, str(project))
    (project / "svc").mkdir()
    (project / "svc" / "Makefile").write_text("release:\n\tgcloud run deploy svc\ntest:\n\t@true\n")
    for command in ["cd svc && make release", "cd svc && make test", "cd tools && ./publish.sh",
                    "cd svc && rm ../.vitana-guard.yaml"]:
        same_shell(command, str(project))
    for i in range(ondisk.MAX_DEPTH + 2):
        (project / f"s{i}.sh").write_text(f"./s{i + 1}.sh\n")
    same_shell("./s0.sh", str(project))
    (project / "big.sh").write_bytes(b"#" * (ondisk.MAX_BYTES + 1))
    same_shell("bash big.sh", str(project))
    (project / "package.json").write_text("{ not json")
    assert rs_scripts("npm run deploy", str(project)) == py_scripts("npm run deploy", str(project))
    assert "not JSON" in rs_scripts("npm run deploy", str(project))[1]
    (project / "package.json").write_text('{"scripts": []}')
    same_shell("npm run deploy", str(project))
    (project / "package.json").write_text('{"scripts": {"deploy": "x"}}')
    os.chmod(project / "package.json", 0)
    try:
        if not os.access(project / "package.json", os.R_OK):  # root reads anything
            assert rs_scripts("npm run deploy", str(project))[0] == "error"
        same_shell("npm run deploy", str(project))
    finally:
        os.chmod(project / "package.json", 0o644)
    same_shell("make", None)
    same_shell("make", "")


def test_edit_tables(tmp_path, monkeypatch):
    repo = ted.repo.__wrapped__(tmp_path, monkeypatch)
    cwd = str(repo)
    same_edit(".github/workflows/ci.yml", cwd, {"old_string": "          npm test\n",
                                                "new_string": "          npm test\n          gcloud run deploy\n"}, [])
    same_edit(str(repo / "Makefile"), cwd, {}, [{"old_string": "\tnpm run build\n",
                                                 "new_string": "\tnpm run build\n\tdocker push web:1\n"}])
    same_edit(str(repo / "package.json"), cwd, {"old_string": '"test": "jest"',
                                                "new_string": '"test": "jest",\n    "ship": "gcloud run deploy api"'}, [])
    same_patch("*** Begin Patch\n*** Update File: .github/workflows/ci.yml\n@@\n           npm ci\n"
               "-          npm test\n+          npm test\n+          gh pr merge 12 --squash\n*** End Patch\n", cwd)
    (repo / "Makefile").write_text("release:\n\tgcloud run deploy api\nbuild:\n\tnpm run build\n")
    same_edit("Makefile", cwd, {"old_string": "\tnpm run build\n", "new_string": "\tnpm run build -- --prod\n"}, [])
    same_edit("package.json", cwd, {"old_string": '"test": "jest"', "new_string": '"test": "jest --ci"'}, [])
    assert same_edit("/x", "/", {}, []) is None


# -- generated -------------------------------------------------------------------------------

PATHS = [
    ".vitana-guard.yaml", ".vitana-guard.yml", "pyproject.toml", "src/pyproject.toml", ".claude/settings.json",
    ".claude/settings.local.json", ".claude/settings.x-y.json", ".claude/settings.é.json", ".claude/other.json",
    ".gemini/settings.json", ".codex/hooks.json", ".codex/config.toml", ".codex/other.toml",
    "~/.claude/settings.json", "~", "~/", "$HOME/.cache/vitana-guard/pack", "${HOME}/.local/state/vitana-guard",
    "$XDG_CACHE_HOME/vitana-guard", "${XDG_STATE_HOME}/vitana-guard/s.json", "$XDG_CONFIG_HOME/x",
    "$CODEX_HOME/config.toml", "$CLAUDE_CONFIG_DIR", "/etc/codex/x", "/etc/claude-code", "/opt/vitana-guard/bin",
    "/opt", "/etc", "..", ".", "../proj", "../repo", "src", "src/app.py", "README.md", "build", "/tmp/x", "$F",
    '"$HOME/.claude/settings.json"', "'.vitana-guard.yaml'", '".claude"/settings.json', "~root/.claude/settings.json",
    "~nobody-here/x", "/", "//", "$HOMEX/.vitana-guard.yaml", "tools/ship.sh", "tools", ".claude", ".gemini",
    "src/../.vitana-guard.yaml", "./.codex//hooks.json", "$(pwd)/.vitana-guard.yaml", "`pwd`/x", "-rf", "--",
    ".vitana-guard.yaml.off", "pyproject.toml.bak", "empty.json", "deploy.sh", "scripts/deploy.sh",
]
SCRIPTS = ["tools/ship.sh", "./tools/ship.sh", "tools/reset.sh", "./tools/release-all.sh", "deploy.sh", "./deploy.sh",
           "scripts/deploy.sh", "missing.sh", "~/x.sh", "src", "tools/loop.sh", "./tools/loop.sh", "bin.sh", "big.sh"]
TARGETS = ["release", "ship", "test", "", "missing", "all", "a", "b", "c", ".PHONY", "deep0", "x y", "d", "x", "z", "q",
           "tab", "cont", "indented", "image"]


def _path(r):
    p = r.choice(PATHS)
    if r.random() < 0.1:
        p = CODE_DIRS[0] + r.choice(["", "/hooks/tamper.py", "/../x"])
    return p


def _runs(r):
    return r.choice([
        f"make {r.choice(TARGETS)}", f"make -C services/api {r.choice(TARGETS)}", f"make -Cservices/api {r.choice(TARGETS)}",
        f"make -f Makefile.gen {r.choice(TARGETS)}", "make -f Makefile.gen", "make --file Makefile.gen", f"make -fMakefile.gen {r.choice(TARGETS)} {r.choice(TARGETS)}",
        f"make -n {r.choice(TARGETS)}", f"make X=1 {r.choice(TARGETS)}", "gmake release", "make --directory=. ship",
        f"npm run {r.choice(['ship', 'test', 'build', 'x', 'deploy'])}", "npm test", "npm t", "npm start", "npm install",
        f"yarn {r.choice(['ship', 'add', 'test', 'run ship', 'dlx x'])}", f"pnpm run {r.choice(['ship', 'build'])}",
        "npm run-script ship", "npm rum ship", "yarn", "npm run",
        f"bash {r.choice(SCRIPTS)}", f"sh -x {r.choice(SCRIPTS)}", f"bash -n {r.choice(SCRIPTS)}",
        f"zsh -ec {r.choice(SCRIPTS)}", f"{r.choice(SCRIPTS)}", f"source {r.choice(SCRIPTS)}", f". {r.choice(SCRIPTS)}",
    ])


def _simple(r):
    if r.random() < 0.5:
        return _runs(r)
    p, q = _path(r), _path(r)
    return r.choice([
        f"rm -rf {p}", f"rm -f {p} {q}", f"rmdir {p}", f"unlink {p}", f"shred -u {p}", f"mv {p} {q}", f"mv -f {p} /tmp/y",
        f"cp {p} {q}", f"cp -t {p} {q}", f"cp --target-directory={p} {q}", f"install -m 644 {q} {p}", f"ln -sf {q} {p}",
        f"rsync -a {q} {p}", f"cp {p}", f"tee {p}", f"tee -a {p} < /dev/null", f"truncate -s 0 {p}", f"chmod 644 {p}",
        f"chown me {p}", f"touch {p}", f"sed -i 's/a/b/' {p}", f"sed -e 's/a/b/' {p}", f"sed -ni 's/a/b/p' {p}",
        f"sed --in-place=.bak 's/a/b/' {p}", f"perl -pi -e 's/a//' {p}", f"ruby -i -pe 'x' {p}", f"gsed -E -i x {p}",
        f"dd if=/dev/zero of={p}", f"git rm {p}", f"git checkout -- {p}", f"git restore {p}", f"git clean -fd {p}",
        f"git mv {q} {p}", f"git add {p}", f"echo x > {p}", f"echo x >> {p}", f"printf '' >| {p}", f"ls &> {p}",
        f"ls &>>{p}", f"echo 'x > {p}'", f"echo x >&2", f"cat {p}", f"cat < {p}", f"grep x {p}", f"echo x 2> {p}",
        "vitana-guard hook uninstall claude", "vitana_guard hook uninstall", "python -m vitana_guard hook uninstall x",
        "python3 -m vitana-guard hook uninstall", "pip uninstall -y vitana-guard", "pipx uninstall vitana_guard",
        "uv pip uninstall vitana-guard", "conda remove vitana-guard", "apt remove vitana-guard", "pip install vitana-guard",
        "vitana-guard hook install claude", "npm uninstall vitana-guard",
        f"bash -c 'rm -f {p}'", f"sh -c \"echo x > {p}\"", f"sudo rm -rf {p}", f"env X=1 tee {p}",
        f"timeout 5 mv {p} {q}", f"cd {r.choice(['src', 'tools', 'services/api', '..', '~', '$D', '-', ''])}",
        f"pushd {r.choice(['src', 'tools', '/tmp'])}", f"F={p}; rm $F", f"eval 'rm {p}'",
    ])


def _command(r):
    n = r.choice([1, 1, 2, 2, 3])
    out = _simple(r)
    for _ in range(n - 1):
        out += r.choice([" && ", "; ", " | ", " || ", "\n"]) + _simple(r)
    if r.random() < 0.1:
        out = f"( {out} )"
    return out


MAKE_LINES = ["all: test", "release: image", "\t@gcloud run deploy web", "\t-docker push web:1", "\t+echo ok",
              "image:", "\tdocker build -t web .", "test:\n\tpytest", "a b: c d; echo inline", "c:: ; rm -f x",
              "d:=e", "x := y", "x = y", "a::=b", "a :: b", "a: b # comment", ".PHONY: all test", "export X = 1",
              "include other.mk", "ifeq ($(X),1)", "endif", "define FOO", "endef", "  indented: rule",
              "# comment: no", "deep0: deep1", "deep1: deep2", "deep2: deep3", "deep3: deep0",
              "cont: a \\\n b", "\t@echo $(X)", "", "a:", "\tgh pr merge 1 --admin", "b\u3000: c", "b\x1c: c",
              "x y: ;", "z: ;   ", "tab\t: tab", "q:\t;\tq"]


def _makefile(r):
    lines = [r.choice(MAKE_LINES) for _ in range(r.randint(1, 12))]
    return "\n".join(lines) + r.choice(["", "\n"])


def test_generated_commands(trees):
    repo, proj, home = trees
    r = random.Random(SEED)
    (proj / "tools" / "loop.sh").write_text("./tools/loop.sh\nbash tools/ship.sh\n")
    (proj / "bin.sh").write_bytes(b"gcloud run deploy\0")
    (proj / "big.sh").write_bytes(b"#" * (ondisk.MAX_BYTES + 1))
    (proj / "src" / "Makefile").write_text("release:\n\tcd .. && make release\n")
    (repo / "Makefile").write_text("all:\n\trm -rf .claude\n")
    deep = "\n".join(f"deep{i}: deep{i + 1}" for i in range(20)) + "\ndeep20:\n\techo deep\n"
    # most calls run where the scripts are; the others from elsewhere, and a gone cwd
    dirs = [str(proj)] * 6 + [str(repo), str(repo / "src"), str(proj / "services/api"), str(home), str(proj / "gone")]
    tally = {"tamper": 0, "none": 0, "runs": 0, "error": 0, "runs nothing": 0}
    for i in range(1200):
        if i % 10 == 0:
            (proj / "Makefile.gen").write_text(deep if i % 30 == 0 else _makefile(r))
        if i % 50 == 0:
            (proj / "package.json").write_text(r.choice([
                '{"scripts": {"ship": "gcloud run deploy", "preship": "rm .vitana-guard.yaml", "postship": 1}}',
                '{"scripts": null}', '[1, 2]', '{"scripts": "x"}', "{bad", '{"scripts": {"test": ""}}', ""]))
        tampers, (status, runs) = same_shell(_command(r), r.choice(dirs))
        tally["tamper" if tampers else "none"] += 1
        tally["error" if status == "error" else "runs" if runs else "runs nothing"] += 1
    # the generator reaches every outcome, each many times
    assert min(tally.values()) > 50, tally


def test_generated_edit_calls(trees, monkeypatch):
    repo, proj, _ = trees
    r = random.Random(SEED + 1)
    monkeypatch.chdir(repo)  # a call without a cwd reads paths from the process's
    tools = ["Write", "Edit", "MultiEdit", "write_file", "replace", "NotebookEdit", "create_file",
             "mcp__fs__edit_file", "str_replace_editor", "Read", "apply_patch", "mcp__x__apply_patch"]
    texts = ['select = ["VG1"]', "vitana-guard", "vitana_guard", "[tool.vitana-guard]", 'version = "1"', "", "  ",
             '\nselect = ["VG1"]', 'name = "x"', "x"]
    section = (repo / "pyproject.toml").read_text()
    denied = 0
    for _ in range(400):
        tool = r.choice(tools)
        key = r.choice(["file_path", "path", "notebook_path"])
        args = {key: r.choice([_path(r), str(repo / "pyproject.toml"), "pyproject.toml", "", None, 5])}
        if r.random() < 0.3:
            args["file_path" if key != "file_path" else "path"] = _path(r)
        kind = r.random()
        if kind < 0.3:
            args["content"] = r.choice([section, section.replace('version = "1"', 'version = "2"'), "x\n",
                                        section.replace("\n", "\r\n"), section + "[tool.other]\n", None])
        elif kind < 0.7:
            args["old_string"], args["new_string"] = r.choice(texts), r.choice(texts)
        else:
            args["edits"] = r.choice([[{"old_string": r.choice(texts), "new_string": r.choice(texts)}],
                                      [1, "x", {"new_string": "vitana-guard"}], "abc", {"a": 1}, [], None])
        if tool.endswith("apply_patch"):
            head = r.choice(["*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ", "*** Nope: "])
            patch = f"*** Begin Patch\n{head}{_path(r)}\r\n*** End Patch"
            args = {r.choice(["input", "patch", "command"]): r.choice([patch, [patch, 5, None], patch.split("\n"), 0])}
        denied += same_call(tool, args, r.choice([str(repo), str(proj), None, "", str(repo / "missing")]))
    assert 80 < denied < 320, denied


WORDS = ["npm ci", "npm test", "gcloud run deploy", "\t@echo ok", "  - run: |", "é", "日本", "a", "b", "ab", "x y",
         "\r", "\r\n", "\n", "\n\n", "\t", " ", "  ", "{", "}", '"test": "jest"', "🙂"]


def _text(r, n):
    return "".join(r.choice(WORDS) for _ in range(n))


def test_generated_edits(tmp_path):
    r = random.Random(SEED + 2)
    path = tmp_path / "f.txt"
    applied = 0
    for i in range(500):
        raw = _text(r, r.randint(0, 40))
        data = raw.encode()
        if i % 25 == 0:
            data += b"\xff\xe2\x82 tail \xc3"  # bytes that are not UTF-8
        path.write_bytes(data)
        on_disk = path.read_text("utf-8", "surrogateescape").replace("\r\n", "\n").replace("\r", "\n")

        def old():
            if on_disk and r.random() < 0.85:
                a = r.randrange(len(on_disk))
                # a tool's JSON holds no lone surrogate (the native hook refuses one)
                return _SURROGATE.sub("", on_disk[a:a + r.randint(0, 8)])
            return _text(r, r.randint(0, 2))

        def step():
            s = {"old_string": old(), "new_string": _text(r, r.randint(0, 4))}
            if r.random() < 0.3:
                s["replace_all"] = r.choice([True, False, 1, 0, "", "x", None])
            if r.random() < 0.3:
                s["expected_replacements"] = r.choice([1, 2, 1.0, True, False, None, "1", 0])
            if r.random() < 0.05:
                s[r.choice(["old_string", "new_string"])] = r.choice([None, 5])
            return s

        if r.random() < 0.5:
            result = same_edit(r.choice([str(path), "f.txt"]), str(tmp_path), step(), [])
        else:
            edits = [step() for _ in range(r.randint(1, 4))]
            if r.random() < 0.1:
                edits.append(r.choice([1, "x", None]))
            result = same_edit(str(path), "/", {}, edits)
        applied += result is not None and bool(result[1])
    assert 100 < applied < 450, applied  # edits applied with lines written, and edits refused


def _patch(r, lines):
    out = ["*** Begin Patch"]
    for _ in range(r.randint(1, 3)):
        head = r.choice(["*** Update File: f.txt", "*** Update File:  f.txt ", "*** Add File: new.txt",
                         "*** Delete File: gone.txt", "*** Update File: missing.txt"])
        out.append(head + r.choice(["", "\r"]))
        for _ in range(r.randint(1, 3)):
            out.append(r.choice(["@@", "@@ def f():", "@@@"]))
            if lines and r.random() < 0.9:
                a = r.randrange(len(lines))
                block = lines[a:a + r.randint(1, 4)]
            else:
                block = [_text(r, 2)]
            for line in block:
                line = line + r.choice(["", "", "", " ", "\t"])
                out.append(r.choice([" ", " ", "-"]) + line if line or r.random() < 0.5 else "")
                if r.random() < 0.4:
                    out.append("+" + _text(r, r.randint(0, 3)).replace("\n", ""))
            if r.random() < 0.2:
                out.append(r.choice(["junk", "*** Move to: x", "\\ No newline"]))
        if r.random() < 0.3:
            out.append("*** End of File")
    out.append("*** End Patch")
    return "\n".join(out) + r.choice(["", "\n"])


def test_generated_patches(tmp_path):
    r = random.Random(SEED + 3)
    path = tmp_path / "f.txt"
    applied = 0
    for _ in range(400):
        text = _text(r, r.randint(0, 40)).replace("\r", "")
        path.write_text(text)
        applied += same_patch(_patch(r, text.split("\n")), str(tmp_path)) > 0
    assert 100 < applied < 380, applied
