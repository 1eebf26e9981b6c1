"""Project configuration: `.vitana-guard.yaml` or `[tool.vitana-guard]` in pyproject.toml,
found upward from the scanned path. Unknown keys and rule IDs are errors that name them."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vitana_guard import yamlfile
from vitana_guard.errors import UsageError

CONFIG_NAMES = (".vitana-guard.yaml", ".vitana-guard.yml")
KEYS = {
    "select": list,
    "ignore": list,
    "fail-on": str,
    "per-path-ignores": dict,
    "parameters": dict,
    "rules-dirs": list,
    "exclude": list,
    "include-vendored": bool,
    "merge-service": list,
    "expected-pushers": list,
    "parameter-changes": list,
}


@dataclass(frozen=True)
class Config:
    path: str | None = None  # the file it came from
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    rules_dirs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include_vendored: bool = False
    merge_service: tuple[str, ...] = ()
    # committer names/emails (globs) whose direct pushes to main are expected (no VG106)
    expected_pushers: tuple[str, ...] = ()
    # [(from date, {parameter: value})]: the organisation's own dated changes
    parameter_changes: tuple[tuple[Any, dict[str, Any]], ...] = ()
    text: str = ""  # raw text, for the evidence digest


def discover(start: str | Path) -> Path | None:
    """The project config for `start` (see `discovery`: bounded by the repository or
    the home directory, never another user's file)."""
    from vitana_guard import discovery

    return discovery.discover(start)



def load(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    path = Path(path)
    text = _read(path)
    if path.name == "pyproject.toml":
        data, lines = _toml_section(text, str(path))
    else:
        data, lines = yamlfile.load(text, str(path))
        data = data or {}
    if not isinstance(data, dict):
        raise UsageError("configuration must be a mapping", str(path), 1)
    for key, value in data.items():
        where = yamlfile.line_of(lines, (key,))
        if key not in KEYS:
            raise UsageError(f"unknown key '{key}' (known: {', '.join(KEYS)})", str(path), where)
        if not isinstance(value, KEYS[key]):
            raise UsageError(f"'{key}' must be a {KEYS[key].__name__}", str(path), where)
        if key in _STRING_LISTS:
            _check_strings(value, (key,), str(path), lines)
    for glob, ids in data.get("per-path-ignores", {}).items():
        _check_strings(ids if isinstance(ids, list) else [ids], ("per-path-ignores", glob), str(path), lines)
    for i, d in enumerate(data.get("rules-dirs", ())):
        if "\0" in str(d):  # pathlib refuses it with a ValueError
            raise UsageError("'rules-dirs' entry holds a NUL character", str(path), yamlfile.line_of(lines, ("rules-dirs", i)))
    if data.get("fail-on") not in (None, "error", "warning", "note"):
        raise UsageError("'fail-on' must be error, warning or note", str(path), yamlfile.line_of(lines, ("fail-on",)))
    base = path.parent
    return Config(
        path=str(path),
        select=tuple(map(str, data.get("select", ()))),
        ignore=tuple(map(str, data.get("ignore", ()))),
        fail_on=data.get("fail-on"),
        per_path_ignores={str(k): tuple(map(str, v if isinstance(v, list) else [v])) for k, v in data.get("per-path-ignores", {}).items()},
        parameters=dict(data.get("parameters", {})),
        rules_dirs=tuple(str((base / str(d)).resolve()) for d in data.get("rules-dirs", ())),
        exclude=tuple(map(str, data.get("exclude", ()))),
        include_vendored=bool(data.get("include-vendored", False)),
        merge_service=tuple(map(str, data.get("merge-service", ()))),
        expected_pushers=tuple(map(str, data.get("expected-pushers", ()))),
        parameter_changes=_changes(data.get("parameter-changes", []), str(path), lines),
        text=text,
    )


_STRING_LISTS = ("select", "ignore", "rules-dirs", "exclude", "merge-service", "expected-pushers")


def _check_strings(values: list, at: tuple, source: str, lines: yamlfile.Lines) -> None:
    """Every item is a string (a number is taken as written: a directory named 2024);
    null, true, a list or a mapping is a mistake that str() would hide."""
    for i, item in enumerate(values):
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            where = yamlfile.line_of(lines, at + (i,))
            raise UsageError(f"'{at[0]}' entries must be strings, not {type(item).__name__} ({item!r:.60})", source, where)


def _toml_section(text: str, source: str) -> tuple[Any, yamlfile.Lines]:
    """`[tool.vitana-guard]` of a pyproject.toml ({} when absent) and its keys' lines."""
    import tomllib  # only for a pyproject.toml

    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"invalid TOML: {e}", source) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise UsageError("invalid TOML: nested too deeply", source) from None
    for key in ("tool", "vitana-guard"):
        data = data.get(key, {}) if isinstance(data, dict) else data
    if not isinstance(data, dict):  # `tool = 5`: there is no [tool.vitana-guard] table
        raise UsageError("[tool.vitana-guard] must be a table", source)
    return data, _toml_lines(text)


def _changes(raw: list, source: str, lines: yamlfile.Lines) -> tuple[tuple[Any, dict[str, Any]], ...]:
    """`parameter-changes: [{from: DATE, parameters: {...}}]`, checked."""
    import datetime as dt

    out = []
    for i, item in enumerate(raw):
        where = yamlfile.line_of(lines, ("parameter-changes", i))
        if not isinstance(item, dict) or set(item) != {"from", "parameters"} or not isinstance(item["parameters"], dict):
            raise UsageError("each parameter change is {from: YYYY-MM-DD, parameters: {...}}", source, where)
        day = item["from"]
        if isinstance(day, dt.datetime):  # a date and time: never compared with a commit's date
            raise UsageError(f"'from' must be a date (YYYY-MM-DD), got the date and time {day.isoformat()}", source, where)
        if not isinstance(day, dt.date):
            try:
                day = dt.date.fromisoformat(str(day))
            except ValueError:
                raise UsageError(f"'from' must be a date (YYYY-MM-DD), got {day!r}", source, where) from None
        out.append((day, dict(item["parameters"])))
    return tuple(out)


def check_rule_ids(ids: tuple[str, ...], known: set[str], source: str) -> None:
    """Every ID or prefix must name at least one rule."""
    for rule_id in ids:
        if rule_id.upper() != "ALL" and not any(k.startswith(rule_id) for k in known):
            raise UsageError(f"unknown rule ID or prefix '{rule_id}'", source)


def _toml_lines(text: str) -> yamlfile.Lines:
    """Lines of the keys of `[tool.vitana-guard]` (and of its sub-tables' headers), so
    errors in pyproject.toml name a line as they do in YAML."""
    lines: yamlfile.Lines = {}
    inside = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            header = line.strip("[] \t").replace('"', "").replace("'", "")
            inside = header == "tool.vitana-guard"
            if header.startswith("tool.vitana-guard."):
                lines.setdefault((header.split(".", 2)[2].split(".")[0],), number)
            continue
        if inside and "=" in line and not line.startswith("#"):
            key = line.split("=", 1)[0].strip().strip("\"'")
            lines.setdefault((key,), number)
    return lines


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read configuration: {e}", str(path)) from None
