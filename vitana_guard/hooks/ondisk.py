"""What a command runs from disk: `make TARGET`, `npm|yarn|pnpm run X`, `bash FILE`,
`sh FILE`, `./FILE`, `source FILE`. The guard reads the Makefile, package.json or script
from the call's cwd and judges what it runs, as more command text of the same call.

Bounded: files up to MAX_BYTES, MAX_DEPTH levels (a script that runs a script that runs
make ...), MAX_SCRIPTS in all. Fail closed: a file that exists but cannot be read or
parsed, or a bound that is reached, is an error (the hook denies with the reason); a
file that does not exist runs nothing (the command will fail).
"""
from __future__ import annotations

import json
import os
import re

MAX_BYTES = 1 << 20
MAX_DEPTH = 4
MAX_SCRIPTS = 32
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_NPM_SHORT = frozenset({"start", "test", "stop", "restart", "t", "tst"})
_YARN_BUILTIN = frozenset({"add", "install", "remove", "upgrade", "init", "info", "list", "why", "config", "cache",
                           "global", "link", "unlink", "login", "logout", "publish", "pack", "version", "workspace",
                           "workspaces", "dlx", "exec", "node", "set", "plugin", "up", "dedupe", "npm"})


class OnDiskError(Exception):
    pass


def scripts(text: str, cwd: str | None) -> list[tuple[str, str]]:
    """(what, script text) for everything `text` runs from disk, nested ones included."""
    if not cwd:
        return []
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    todo = [(text, cwd, 0)]
    while todo:
        current, where, depth = todo.pop(0)
        for what, script, at in _direct(current, where):
            key = what + "\0" + script
            if key in seen:
                continue
            seen.add(key)
            if depth + 1 > MAX_DEPTH or len(out) >= MAX_SCRIPTS:
                raise OnDiskError(f"{what} runs more than the guard follows ({MAX_DEPTH} levels, {MAX_SCRIPTS} scripts)")
            out.append((what, script))
            todo.append((script, at, depth + 1))
    return out


def _read(path: str) -> str | None:
    """The text of `path`; None when it does not exist; an error when it exists but
    cannot be read in full."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise OnDiskError(f"cannot read {path}: {e.strerror or e}") from None
    if not os.path.isfile(path):
        return None
    if size > MAX_BYTES:
        raise OnDiskError(f"{path} is larger than the guard reads ({MAX_BYTES} bytes)")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise OnDiskError(f"cannot read {path}: {e.strerror or e}") from None
    if b"\0" in data:
        return None  # a binary: opaque, like any program
    return data.decode("utf-8", "replace")


def with_cwds(commands, cwd: str):
    """Each command with the directories it may run in: the call's cwd, and the one the
    `cd`s before it lead to (read flat, as the shell reader reads: a `cd` in a subshell or
    a branch is taken too, so both are judged)."""
    here = cwd
    for cmd in commands:
        values = [w.value for w in cmd.argv]
        if values and values[0] in ("cd", "pushd"):
            operands = [v for v in values[1:] if v is not None and not v.startswith("-")]
            if len(values) > 1 and (values[1] is None or (operands and "$" in operands[0])):
                here = None  # unknown from here on
            elif operands and here is not None:
                here = os.path.normpath(os.path.join(here, os.path.expanduser(operands[0])))
            elif not operands and here is not None:
                here = os.path.expanduser("~")
        yield cmd, [cwd] + ([here] if here is not None and here != cwd else [])


def _direct(text: str, cwd: str) -> list[tuple[str, str, str]]:
    from vitana_guard.normalize import shell

    out: list[tuple[str, str, str]] = []
    for cmd, dirs in with_cwds(shell.parse(text), cwd):
        for where in dirs:
            out += _direct_one(cmd, where)
    return out


def _direct_one(cmd, cwd: str) -> list[tuple[str, str, str]]:
    values = [w.value for w in cmd.argv]
    if not values or values[0] is None:
        return []
    program = values[0].rsplit("/", 1)[-1]
    args = values[1:]
    if program in ("make", "gmake"):
        return _make(args, cwd)
    if program in ("npm", "pnpm", "yarn"):
        return _package(program, args, cwd)
    if program in _SHELLS or program in ("source", "."):
        operands = [a for a in args if a is not None]
        if program in _SHELLS:
            if any(a == "-c" or (a.startswith("-") and not a.startswith("--") and "c" in a[1:]) for a in operands):
                return []  # `bash -c '...'`: the shell reader follows it
            if any(a == "-n" or a == "--noexec" for a in operands):
                return []  # a syntax check runs nothing
            operands = [a for a in operands if not a.startswith("-")]
        return _script(operands[0], cwd) if operands else []
    if "/" in values[0]:
        return _script(values[0], cwd)
    return []


def _script(name: str, cwd: str) -> list[tuple[str, str, str]]:
    path = os.path.normpath(os.path.join(cwd, os.path.expanduser(name)))
    text = _read(path)
    if text is None:
        return []
    return [(f"the script {name}", text, cwd)]  # a script runs in its caller's cwd


# -- make ------------------------------------------------------------------------------

_RULE = re.compile(r"^([^\s:#=][^:=#]*?)\s*::?(?!=)\s*([^;#]*)(?:;(.*))?$")


def _make(args: list, cwd: str) -> list[tuple[str, str, str]]:
    directory, makefile, targets = cwd, None, []
    i = 0
    while i < len(args):
        a = args[i]
        if a is None:
            i += 1
            continue
        if a in ("-C", "--directory") and i + 1 < len(args) and args[i + 1]:
            directory = os.path.join(directory, args[i + 1])
            i += 2
            continue
        if a in ("-f", "--file", "--makefile") and i + 1 < len(args) and args[i + 1]:
            makefile = args[i + 1]
            i += 2
            continue
        if a.startswith("-C") and len(a) > 2:
            directory = os.path.join(directory, a[2:])
        elif a.startswith("-f") and len(a) > 2:
            makefile = a[2:]
        elif a in ("-n", "--dry-run", "--just-print", "--recon", "-q", "--question"):
            return []  # prints or checks, runs nothing
        elif not a.startswith("-") and "=" not in a:
            targets.append(a)
        i += 1
    names = [makefile] if makefile else ["GNUmakefile", "makefile", "Makefile"]
    for name in names:
        path = os.path.join(directory, name)
        text = _read(path)
        if text is not None:
            rules, first = _make_rules(text)
            recipe = _recipes(rules, targets or ([first] if first else []))
            return [(f"make {' '.join(targets) or first or ''} ({path})".strip(), recipe, directory)] if recipe else []
    return []


def _make_rules(text: str) -> tuple[dict[str, tuple[list[str], list[str]]], str | None]:
    rules: dict[str, tuple[list[str], list[str]]] = {}
    first = None
    current: list[str] = []
    for line in text.replace("\\\n", " ").split("\n"):
        if line.startswith("\t"):
            for t in current:
                rules[t][1].append(line[1:].lstrip("@-+ "))
            continue
        m = _RULE.match(line)
        if m and not line.startswith((" ", "export ", "include ", "ifeq", "ifneq", "ifdef", "ifndef", "define")):
            names = m.group(1).split()
            prereqs = m.group(2).split()
            current = names
            for t in names:
                rules.setdefault(t, ([], []))
                rules[t][0].extend(prereqs)
                if m.group(3):
                    rules[t][1].append(m.group(3).strip())
                if first is None and not t.startswith("."):
                    first = t
        elif line.strip() and not line.startswith("#"):
            current = []
    return rules, first


def _recipes(rules, targets: list[str]) -> str:
    out: list[str] = []
    seen: set[str] = set()

    def visit(t: str, depth: int) -> None:
        if t in seen or t not in rules:
            return
        if depth > 16:
            raise OnDiskError(f"make target {t} nests deeper than the guard follows")
        seen.add(t)
        prereqs, recipe = rules[t]
        for p in prereqs:
            visit(p, depth + 1)
        out.extend(recipe)

    for t in targets:
        visit(t, 0)
    return "\n".join(out)


# -- package.json ----------------------------------------------------------------------


def _package(program: str, args: list, cwd: str) -> list[tuple[str, str, str]]:
    words = [a for a in args if a is not None]
    operands = [a for a in words if not a.startswith("-")]
    if not operands:
        return []
    name = None
    if operands[0] in ("run", "run-script", "rum", "urn"):
        name = operands[1] if len(operands) > 1 else None
    elif program == "npm" and operands[0] in _NPM_SHORT:
        name = {"t": "test", "tst": "test"}.get(operands[0], operands[0])
    elif program in ("yarn", "pnpm") and operands[0] not in _YARN_BUILTIN:
        name = operands[0]
    if not name:
        return []
    path = os.path.join(cwd, "package.json")
    text = _read(path)
    if text is None:
        return []
    try:
        data = json.loads(text)
    except ValueError as e:
        raise OnDiskError(f"cannot read {path}: not JSON ({e})") from None
    found = data.get("scripts") if isinstance(data, dict) else None
    if found is not None and not isinstance(found, dict):
        raise OnDiskError(f"cannot read {path}: 'scripts' is not an object")
    found = found or {}
    body = [found[k] for k in (f"pre{name}", name, f"post{name}") if isinstance(found.get(k), str)]
    return [(f"{program} run {name} ({path})", "\n".join(body), cwd)] if body else []
