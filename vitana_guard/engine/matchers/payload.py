"""`payload`: fields of a gateway request.

`endpoint` names entries of the `endpoints` parameter (or `unknown` / `any`).
A field check fires on a JSON object body (no body at all reads as `{}`); a body
that is a placeholder or read from a file is unknown and never fires. `contract`
checks method, path, JSON-ness and the required fields of the endpoint table,
leaving out fields other rules own. With `url_regex` (and `method`) it matches
requests to other APIs instead (GitHub's REST API, say).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator


from vitana_guard.engine import gateway
from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, as_list, compile_regex
from vitana_guard.model import Request
from vitana_guard.normalize.http import UNKNOWN

_MISSING = object()
_TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


@dataclass(frozen=True)
class PayloadMatcher:
    endpoints: frozenset[str]
    field: str | None
    missing: bool
    empty: bool
    falsy: bool
    not_in: frozenset[str] | None
    not_regex: regex.Pattern | None
    contract: bool
    method: str | None
    url_regex: regex.Pattern | None
    params: dict
    unit = "request"

    def match(self, request: Request) -> Iterator[Hit]:
        if self.url_regex is not None:  # a request to some other API (GitHub's, say)
            if (self.method is None or request.method.upper() == self.method) and self.url_regex.search(
                request.url, timeout=REGEX_TIMEOUT
            ):
                yield Hit(request.start, request.end, {"url": request.url, "method": request.method.upper()})
            return
        endpoint = gateway.endpoint_of(request, self.params)
        if endpoint is None or ("any" not in self.endpoints and endpoint not in self.endpoints):
            return
        if self.contract:
            problems = self._contract_problems(request, endpoint)
            if problems:
                yield Hit(request.start, request.end, {"endpoint": endpoint, "problems": "; ".join(problems)})
            return
        body = _body(request)
        if body is UNKNOWN or not isinstance(body, dict) or self.field is None:
            return
        value = body.get(self.field, _MISSING)
        if value is UNKNOWN:
            return
        problem = self._field_problem(value)
        if problem:
            shown = "" if value is _MISSING else value
            yield Hit(request.start, request.end, {"endpoint": endpoint, "field": self.field, "value": shown, "problem": problem})

    def _field_problem(self, value: Any) -> str | None:
        if value is _MISSING:
            return "missing" if (self.missing or self.empty or self.falsy) else None
        if self.empty and (value is None or (isinstance(value, str) and not value.strip())):
            return "empty"
        if self.falsy and (value in (False, None, 0, "", "false", "False")):
            return f"set to {value!r}"
        if self.not_in is not None and str(value) not in self.not_in:
            return f"{value!r} is not allowed"
        if self.not_regex is not None and (not isinstance(value, str) or not self.not_regex.search(value, timeout=REGEX_TIMEOUT)):
            return f"{value!r} does not match"
        return None

    def _contract_problems(self, request: Request, endpoint: str) -> list[str]:
        if endpoint == gateway.UNKNOWN_ENDPOINT:
            path = gateway.path_of(request.url, self.params["control_plane_prefixes"])
            return [f"unknown control-plane endpoint {path}"]
        spec = self.params["endpoints"][endpoint]
        problems = []
        if request.method.upper() != spec["method"]:
            problems.append(f"{endpoint} takes {spec['method']}, not {request.method.upper()}")
        fields = spec.get("fields") or {}
        if not fields:
            return problems
        if request.body_error:
            return problems + [f"body is not JSON ({request.body_error})"]
        body = _body(request)
        if body is UNKNOWN:
            return problems
        if not isinstance(body, dict):
            return problems + ["body is not a JSON object"]
        for name, rule in fields.items():
            value = body.get(name, _MISSING)
            if value is UNKNOWN:
                continue
            if value is _MISSING:
                problems.append(f"missing required field '{name}'")
                continue
            expected = _TYPES.get(rule.get("type", ""))
            if expected is not None and (not isinstance(value, expected) or (expected is int and isinstance(value, bool))):
                problems.append(f"'{name}' must be {rule['type']}, got {type(value).__name__}")
            elif "equals" in rule and value != rule["equals"]:
                problems.append(f"'{name}' must be {rule['equals']!r}, got {value!r}")
        return problems


def _body(request: Request) -> Any:
    if request.json is not None:
        return request.json
    if request.body is None:
        return {}  # a call without a body has none of the fields
    return UNKNOWN if not request.body_error else None


def compile(spec: dict, params: dict, where: str, line: int | None) -> PayloadMatcher:
    not_in = spec.get("not_in")
    return PayloadMatcher(
        endpoints=frozenset(as_list(spec.get("endpoint", "any"))),
        field=spec.get("field"),
        missing=bool(spec.get("missing")),
        empty=bool(spec.get("empty")),
        falsy=bool(spec.get("falsy")),
        not_in=frozenset(str(v) for v in as_list(not_in)) if not_in is not None else None,
        not_regex=compile_regex(spec["not_regex"], where, line) if spec.get("not_regex") else None,
        contract=bool(spec.get("contract")),
        method=spec["method"].upper() if spec.get("method") else None,
        url_regex=compile_regex(spec["url_regex"], where, line, ignore_case=True) if spec.get("url_regex") else None,
        params=params,
    )
