#!/usr/bin/env python3
"""Write the benchmark's corpora (none is committed) as JSONL, one {"id", "text"} a line.

    python3 benchmarks/shell_grammar/tools/corpora.py --out /tmp/sg \
        [--tree /tmp/vp] [--session /tmp/sg/session.jsonl]

- tests.jsonl: every string written in tests/test_shell.py, the texts of
  test_shell_fixes.py's DELIBERATE table and its 2,000 generated snippets, and the
  `command` of every shell case of tests/guard_cases.py (ids say which);
- session.jsonl: the `command` of every Bash tool call of a dense session written by
  benchmarks/dense_session.py (given with --session, or generated here, ~20 MB).

The repository's tree (corpus a) is cut into shell segments by the benchmark binary
itself, with vitana_core's own segment classifier (`shell_grammar segments TREE`).

The test modules are imported with stand-ins for vitana_guard (only their data and the
snippet generator are used), so no build of the package is needed.
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _stub(name: str) -> None:
    mod = types.ModuleType(name)
    mod.__path__ = []  # a package, so that submodules resolve to the stubs
    sys.modules[name] = mod


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no &str holds it
        return False
    return True


def test_inputs() -> list[dict]:
    for name in ("vitana_guard", "vitana_guard._core"):
        _stub(name)
    sys.modules["vitana_guard"]._core = sys.modules["vitana_guard._core"]
    parity = load(ROOT / "tests" / "test_shell_fixes.py")
    cases = load(ROOT / "tests" / "guard_cases.py")
    out: list[dict] = []
    tree = ast.parse((ROOT / "tests" / "test_shell.py").read_text())
    shell_strings = sorted({s for node in ast.walk(tree) if (s := parity._literal(node)) is not None})
    out += [{"id": f"test_shell:{k}", "text": t} for k, t in enumerate(shell_strings)]
    out += [{"id": f"deliberate:{k}", "text": d[0]} for k, d in enumerate(parity.DELIBERATE)]
    out += [{"id": f"generated:{k}", "text": t} for k, t in enumerate(parity.generated())]
    out += [{"id": f"guard_case:{c.name}", "text": c.command} for c in cases.CASES if c.command]
    return [o for o in out if o["text"].strip() and utf8(o["text"])]


def session_inputs(path: Path) -> list[dict]:
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            content = (record.get("message") or {}).get("content")
            if not isinstance(content, list):
                continue
            for item in content:
                if (isinstance(item, dict) and item.get("type") == "tool_use" and item.get("name") == "Bash"
                        and isinstance((item.get("input") or {}).get("command"), str)):
                    out.append({"id": f"session:{n}", "text": item["input"]["command"]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--session", type=Path, help="a dense session JSONL (else one is generated)")
    ap.add_argument("--session-mb", type=int, default=20)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tests = test_inputs()
    (args.out / "tests.jsonl").write_text("".join(json.dumps(o) + "\n" for o in tests))
    session = args.session
    if session is None:
        session = args.out / "dense_session.jsonl"
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "dense_session.py"), str(session),
                        "--mb", str(args.session_mb)], check=True)
    commands = session_inputs(session)
    (args.out / "session.jsonl").write_text("".join(json.dumps(o) + "\n" for o in commands))
    print(f"tests: {len(tests)} inputs; session: {len(commands)} commands", file=sys.stderr)


if __name__ == "__main__":
    main()
