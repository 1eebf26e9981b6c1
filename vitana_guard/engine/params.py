"""Policy parameters, defined once and rendered into rules.

Templates run in jinja2's sandbox: a rule or config file can name parameters and
apply the filters below, nothing else. A string that is exactly `{{ name }}`
takes the parameter's value as it is (a list stays a list).
"""
from __future__ import annotations

import fnmatch
from functools import lru_cache
from typing import Any

import regex

from vitana_guard.errors import UsageError

# jinja2 is imported only when a template needs more than `{{ name }}`: the live
# hooks and pre-commit start in tens of milliseconds, and jinja2 alone costs ~30.
_SIMPLE_TEMPLATE = regex.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


def glob_to_regex(glob: str) -> str:
    """A shell glob as an unanchored regex fragment (`*` never crosses `/`)."""
    return fnmatch.translate(glob).removeprefix("(?s:").removesuffix(")\\Z").replace(".*", "[^/\\s]*")


def _re_any(values: Any) -> str:
    items = [values] if isinstance(values, str) else list(values)
    return "(?:" + "|".join(regex.escape(str(v)) for v in items) + ")"


def _globs_re(values: Any) -> str:
    items = [values] if isinstance(values, str) else list(values)
    return "(?:" + "|".join(glob_to_regex(str(v)) for v in items) + ")"


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters.update(re=lambda v: regex.escape(str(v)), re_any=_re_any, globs_re=_globs_re, host=_host)
    return env


def render_value(value: Any, params: dict[str, Any], where: str, line: int | None) -> Any:
    """Render every template string inside `value` (recursively)."""
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:
            return value
        stripped = value.strip()
        if stripped.startswith("{{") and stripped.endswith("}}"):
            name = stripped[2:-2].strip()
            if name.isidentifier():
                if name not in params:
                    raise UsageError(f"unknown parameter '{name}' in template {value!r}", where, line)
                return params[name]
        from jinja2 import TemplateError

        try:
            return _environment().from_string(value).render(**params)
        except TemplateError as e:
            raise UsageError(f"template {value!r}: {e}", where, line) from None
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            rendered = render_value(item, params, where, line)
            # a list parameter rendered into a list flattens into it
            out.extend(rendered) if isinstance(rendered, list) and isinstance(item, str) else out.append(rendered)
        return out
    if isinstance(value, dict):
        return {k: render_value(v, params, where, line) for k, v in value.items()}
    return value
