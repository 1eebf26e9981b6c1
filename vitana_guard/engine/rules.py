"""Loading the rule pack: YAML data, validated against the published schema,
rendered with the policy parameters, compiled once.

Importing this module is cheap (no `regex`, YAML, template or matcher module): a run
whose compiled pack is cached (engine/cache.py) unpickles these records and nothing
else, and the core runs the rules."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from vitana_guard import yamlfile
from vitana_guard.errors import UsageError
from vitana_guard.model import Actor, Channel, RuleInfo, Severity

# the matcher kinds a rule entry may name (engine/matchers/<kind>.py compiles each)
MATCHER_KINDS = ("pattern", "command", "url", "require", "payload", "sequence", "context")
POLICY_FILE = "policy.yaml"


def _compile_matcher(kind: str, spec: Any, params: dict, path: str, line: int | None) -> Any:
    import importlib

    return importlib.import_module(f"vitana_guard.engine.matchers.{kind}").compile(spec, params, path, line)


class _Deferred:
    """A matcher as the pack cache stores it: pickled on its own, unpickled on first use.
    A scan never uses the Python matchers (the core runs the rules), so loading a cached
    pack imports no matcher module (nor `regex`)."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes):
        self.blob = blob

    def __reduce__(self):
        return _Deferred, (self.blob,)


class _MatcherSlot:
    """`Entry.matcher`: restores a `_Deferred` matcher the first time it is read."""

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__["matcher"]
        if isinstance(value, _Deferred):
            import pickle

            value = obj.__dict__["matcher"] = pickle.loads(value.blob)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__["matcher"] = value


@dataclass(frozen=True)
class Entry:
    """One matcher of a rule, with the channels/actors/kinds it applies to."""

    matcher: Any
    channels: frozenset[Channel]
    actors: frozenset[str] | None  # actor names; "none" = text with no actor (files)
    kinds: frozenset[str] | None
    not_kinds: frozenset[str] = frozenset()  # kinds it never applies to (VG501: source code)
    # `mentions: false`: in a command, only what its commands would reach is matched
    # (the core's mentions.rs), not the words of echo, grep, commit messages and the like
    calls_only: bool = False
    # the matcher's kind and its spec as rendered with the parameters: what the core
    # compiles (engine/packdata.py); not part of equality (a dict is not hashable)
    kind: str = field(default="", compare=False)
    spec: Any = field(default=None, compare=False)
    # the unit the matcher takes (its `unit`: "text", "command", "request", "context",
    # "session"), known without restoring the matcher
    unit: str = field(default="", compare=False)

    @property
    def ungated(self) -> bool:
        """A `require` matcher fires on what is absent: keywords cannot gate it."""
        return self.kind == "require"

    def __getstate__(self) -> dict:
        # the matcher pickled apart, restored when read (_MatcherSlot)
        import pickle

        state = dict(self.__dict__)
        if not isinstance(state["matcher"], _Deferred):
            state["matcher"] = _Deferred(pickle.dumps(state["matcher"], protocol=pickle.HIGHEST_PROTOCOL))
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def applies(self, channel: Channel, actor: Actor | None, kind: str) -> bool:
        if channel not in self.channels:
            return False
        if self.actors is not None and (actor.value if actor else "none") not in self.actors:
            return False
        if kind in self.not_kinds:
            return False
        return self.kinds is None or kind in self.kinds


Entry.matcher = _MatcherSlot()  # set after @dataclass read the fields


@dataclass(frozen=True)
class Example:
    text: str
    path: str | None
    expect_match: bool
    line: int | None


@dataclass(frozen=True)
class Rule:
    id: str
    slug: str
    severity: Severity
    policy: str
    channels: frozenset[Channel]
    summary: str
    message: str
    description: dict[str, str]
    keywords: tuple[str, ...]
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    enabled: bool
    tags: tuple[str, ...]
    entries: tuple[Entry, ...]
    examples: tuple[Example, ...]
    source: str
    line: int | None

    def info(self) -> RuleInfo:
        return RuleInfo(
            id=self.id,
            slug=self.slug,
            severity=self.severity,
            policy=self.policy,
            summary=self.summary,
            description=self.markdown(),
            channels=tuple(sorted(c.value for c in self.channels)),
            tags=self.tags,
        )

    def markdown(self) -> str:
        d = self.description
        return (
            f"{d['finds'].strip()}\n\n## Why it matters\n{d['why'].strip()}\n\n"
            f"## Example\n```\n{d['example'].strip()}\n```\n\n## Instead\n{d['instead'].strip()}\n\n"
            f"Policy: VTID-0518 {self.policy}"
        )


@dataclass(frozen=True)
class RulePack:
    rules: tuple[Rule, ...]
    params: dict[str, Any]
    policy: dict[str, Any]
    digest: str  # sha256 of the rule files and parameters: evidence, cache key
    warnings: tuple[str, ...] = field(default=())

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def parameters_on(policy: dict[str, Any], day: Any, overrides: dict[str, Any] | None = None,
                  override_changes: Iterable[tuple[Any, dict[str, Any]]] = ()) -> dict[str, Any]:
    """The parameter overrides in force on `day` (None: today's, i.e. all changes).

    Order: the pack's dated changes, then the configuration's parameters, then the
    configuration's own dated changes — an organisation's settings win over the pack's.
    """
    import datetime as dt

    def due(when: Any) -> bool:
        if day is None:
            return True
        when = when if isinstance(when, dt.date) else dt.date.fromisoformat(str(when))
        return when <= day

    params: dict[str, Any] = {}
    for change in sorted(policy.get("changes") or [], key=lambda c: str(c["from"])):
        if due(change["from"]):
            params.update(change.get("parameters") or {})
    params.update(overrides or {})
    for when, values in sorted(override_changes, key=lambda c: str(c[0])):
        if due(when):
            params.update(values)
    return params


def change_dates(policy: dict[str, Any], override_changes: Iterable[tuple[Any, dict[str, Any]]] = ()) -> list[Any]:
    """Every date on which a parameter changes, sorted."""
    import datetime as dt

    days = {c["from"] if isinstance(c["from"], dt.date) else dt.date.fromisoformat(str(c["from"]))
            for c in policy.get("changes") or []}
    days.update(when for when, _ in override_changes)
    return sorted(days)


def builtin_rules_dir() -> Path:
    """The shipped pack: `vitana_guard.rules` when installed, else the checkout's rules/.

    (An editable install does not map rules/ into the package; the checkout does.)
    """
    try:
        # the package's folder, as importlib.resources.files names it for a package on
        # disk, without importing importlib.resources (~4 ms of a one-file scan)
        from vitana_guard import rules as package
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "rules"
    if getattr(package, "__file__", None):
        return Path(package.__file__).parent
    import importlib.resources  # a namespace package (no __init__.py)

    return Path(str(importlib.resources.files("vitana_guard.rules")))


@lru_cache(maxsize=1)
def rule_schema() -> dict:
    import importlib.resources

    text = importlib.resources.files("vitana_guard.schemas").joinpath("rule.schema.json").read_text("utf-8")
    return json.loads(text)


def load_pack(
    extra_dirs: Iterable[str | Path] = (),
    parameters: dict[str, Any] | None = None,
    *,
    parameters_source: str = "config",
    parameter_changes: Iterable[tuple[Any, dict[str, Any]]] = (),
    as_of: Any = None,
) -> RulePack:
    """The pack with the parameters in force on `as_of` (a date; None: today)."""
    import datetime as dt

    base = builtin_rules_dir()
    policy_path = base / POLICY_FILE
    policy_doc, _ = yamlfile.load(policy_path.read_text("utf-8"), str(policy_path))
    params = dict(policy_doc["parameters"])
    day = as_of or dt.date.today()
    overrides = parameters_on(policy_doc.get("policy") or {}, day, parameters, parameter_changes)
    for key, value in overrides.items():
        if key not in params:
            raise UsageError(f"unknown parameter '{key}' (known: {', '.join(sorted(params))})", parameters_source)
        _check_parameter(key, value, params[key], parameters_source)
        params[key] = value
    import hashlib

    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    files = sorted(p for p in base.glob("*.yaml") if p.name != POLICY_FILE)
    for d in extra_dirs:
        d = Path(d)
        try:
            found = d.is_dir()
        except OSError as e:  # a name too long: pathlib raises what it does not expect
            raise UsageError(f"cannot read rule directory: {e.strerror or e}", str(d)) from None
        if not found:
            raise UsageError("rule directory not found", str(d))
        files.extend(sorted(d.glob("*.yaml")) + sorted(d.glob("*.yml")))
    rules: list[Rule] = []
    warnings: list[str] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"cannot read rule file: {e}", str(path)) from None
        digest.update(path.name.encode() + b"\0" + text.encode())
        for rule in load_rule_file(text, str(path), params):
            if rule.id in seen:
                raise UsageError(f"duplicate rule id {rule.id} (also in {seen[rule.id]})", str(path), rule.line)
            seen[rule.id] = str(path)
            if not rule.keywords:
                warnings.append(f"{path}:{rule.line}: {rule.id} declares no keywords: every segment pays for its matcher")
            rules.append(rule)
    rules.sort(key=lambda r: r.id)
    return RulePack(tuple(rules), params, dict(policy_doc.get("policy") or {}), digest.hexdigest(), tuple(warnings))


def _check_parameter(key: str, value: Any, default: Any, source: str) -> None:
    """An override has its default's shape (a string, a list of strings, a mapping) and
    what the engine reads from it parses: the matchers assume both and would otherwise
    fail mid-scan with a TypeError or a regex error."""
    for kind, name in ((str, "a string"), (list, "a list"), (dict, "a mapping")):
        if isinstance(default, kind) and not isinstance(value, kind):
            raise UsageError(f"parameter '{key}' must be {name} like its default, not {type(value).__name__}", source)
    if isinstance(default, list) and all(isinstance(d, str) for d in default):
        bad = next((v for v in value if not isinstance(v, str)), "")
        if not isinstance(bad, str):
            raise UsageError(f"parameter '{key}' must be a list of strings, not one holding {bad!r:.60}", source)
    check = _PARAMETER_CHECKS.get(key)
    problem = check(value) if check else None
    if problem:
        raise UsageError(f"parameter '{key}': {problem}", source)


def _url_problem(value: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        urlsplit(value)
    except ValueError as e:
        return f"not a URL ({e})"
    return None


def _regex_problem(value: str) -> str | None:
    import regex

    try:
        regex.compile(value)
    except regex.error as e:
        return f"invalid regex: {e}"
    return None


def _endpoints_problem(value: dict) -> str | None:
    """Each endpoint: {method, path, fields: {name: {type, equals}}} (gateway.py, payload.py)."""
    for name, spec in value.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("method"), str) or not isinstance(spec.get("path"), str):
            return f"endpoint '{name}' must be a mapping with a string 'method' and 'path'"
        fields = spec.get("fields") or {}
        if not isinstance(fields, dict) or not all(isinstance(f, dict) and isinstance(f.get("type", ""), str)
                                                   for f in fields.values()):
            return f"endpoint '{name}': 'fields' must map each field name to {{type: ..., equals: ...}}"
    return None


_PARAMETER_CHECKS = {
    "gateway_url": _url_problem,
    "endpoints": _endpoints_problem,
    "vtid_pattern": _regex_problem,
    "branch_pattern": _regex_problem,
    "approval_pattern": _regex_problem,
    "approval_negation": _regex_problem,
}


def load_rule_file(text: str, path: str, params: dict[str, Any]) -> list[Rule]:
    import jsonschema  # only when rules are compiled (not from the cache)

    data, lines = yamlfile.load(text, path)
    validator = jsonschema.Draft202012Validator(rule_schema())
    # a misspelt key shows as "unexpected" and as a missing required key: name the one written
    errors = sorted(
        validator.iter_errors(data),
        key=lambda e: (list(map(str, e.absolute_path)), e.validator != "additionalProperties"),
    )
    if errors:
        e = errors[0]
        at = tuple(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            extra = [k for k in e.instance if k not in (e.schema.get("properties") or {})]
            at += tuple(extra[:1])
        where = "/".join(map(str, at)) or "top level"
        raise UsageError(f"{where}: {e.message}", path, yamlfile.line_of(lines, at))
    return [_compile_rule(raw, path, lines, ("rules", i), params) for i, raw in enumerate(data["rules"])]


def _check_example_path(rel: str | None, what: str, path: str, line: int | None) -> None:
    """`rules test` writes an example to its `path` under a scratch directory: the path
    must stay inside it (a user's rule file is data, never a way to write elsewhere)."""
    if rel is None:
        return
    parts = rel.replace("\\", "/").split("/")
    if not rel or rel.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts or "\0" in rel:
        raise UsageError(f"{what} path '{rel}' must be a relative path inside the example's directory "
                         "(no leading '/', drive or '..')", path, line)


def _keywords(values: Any) -> tuple[str, ...]:
    """Prefilter literals: a keyword rendered from a glob keeps its longest literal run."""
    out = []
    for value in [values] if isinstance(values, str) else values:
        parts = [p for p in re.split(r"[*?\[\]]", str(value).lower()) if p]
        if parts:
            out.append(max(parts, key=len))
    return tuple(out)


def _compile_rule(raw: dict, path: str, lines: yamlfile.Lines, at: tuple, params: dict) -> Rule:
    from vitana_guard.engine.params import render_value

    line = yamlfile.line_of(lines, at)
    rendered = {
        k: render_value(v, params, path, yamlfile.line_of(lines, at + (k,)))
        for k, v in raw.items()
        if k not in ("examples", "description", "message")
    }
    channels = frozenset(Channel(c) for c in raw["channels"])
    entries = []
    for j, spec in enumerate(rendered["match"]):
        entry_line = yamlfile.line_of(lines, at + ("match", j))
        kinds = [k for k in spec if k in MATCHER_KINDS]
        if len(kinds) != 1:
            raise UsageError(
                f"{raw['id']}: match[{j}] must have exactly one matcher kind ({', '.join(MATCHER_KINDS)})", path, entry_line
            )
        kind = kinds[0]
        entry_channels = frozenset(Channel(c) for c in spec.get("channels", raw["channels"]))
        if not entry_channels <= channels:
            raise UsageError(f"{raw['id']}: match[{j}] names channels the rule does not list", path, entry_line)
        matcher = _compile_matcher(kind, spec[kind], params, path, entry_line)
        if kind == "command":
            from vitana_guard.engine.matchers import patterns_of

            slow = next((p for p in patterns_of(matcher) if p.engine != "linear"), None)
            if slow is not None:
                # the core matches commands on the linear-time engine only
                raise UsageError(
                    f"{raw['id']}: match[{j}]: the command matcher's regex {slow.pattern!r} cannot run on "
                    f"the linear-time engine ({slow.fallback_reason}), and command matchers run on it only; "
                    "write it without look-around or back-references (a negative condition goes in `not:`)",
                    path, entry_line)
        entries.append(
            Entry(
                matcher=matcher,
                channels=entry_channels,
                actors=frozenset(spec["actors"]) if "actors" in spec else None,
                kinds=frozenset(spec["kinds"]) if "kinds" in spec else None,
                not_kinds=frozenset(spec.get("not_kinds", ())),
                calls_only=spec.get("mentions") is False,
                kind=kind,
                spec=spec[kind],
                unit=matcher.unit,
            )
        )
    examples = []
    for expect, key in ((True, "match"), (False, "no-match")):
        for k, ex in enumerate(raw["examples"][key]):
            ex_line = yamlfile.line_of(lines, at + ("examples", key, k))
            if isinstance(ex, str):
                examples.append(Example(ex, None, expect, ex_line))
            else:
                _check_example_path(ex.get("path"), f"{raw['id']}: example", path, ex_line)
                examples.append(Example(ex["text"], ex.get("path"), expect, ex_line))
    paths = rendered.get("paths") or {}

    def _strs(v: Any) -> tuple[str, ...]:
        return tuple([v] if isinstance(v, str) else v or ())

    return Rule(
        id=raw["id"],
        slug=raw["slug"],
        severity=Severity(raw["severity"]),
        policy=raw["policy"],
        channels=channels,
        summary=raw["summary"],
        message=raw["message"],
        description=raw["description"],
        keywords=_keywords(rendered.get("keywords", ())),
        include=_strs(paths.get("include")),
        exclude=_strs(paths.get("exclude")),
        enabled=raw.get("enabled", True),
        tags=tuple(raw.get("tags", ())),
        entries=tuple(entries),
        examples=tuple(examples),
        source=path,
        line=line,
    )
