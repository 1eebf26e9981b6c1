"""`payload`: fields of a gateway request.

`endpoint` names entries of the `endpoints` parameter (or `unknown` / `any`).
A field check fires on a JSON object body (no body at all reads as `{}`); a body
that is a placeholder or read from a file is unknown and never fires. `contract`
checks method, path, JSON-ness and the required fields of the endpoint table,
leaving out fields other rules own. With `url_regex` (and `method`) it matches
requests to other APIs instead (GitHub's REST API, say).
The core runs it (crates/vitana_core/src/matchers/payload.rs).
"""
from __future__ import annotations

from dataclasses import dataclass

from vitana_guard.engine.matchers import RulePattern, as_list, compile_regex


@dataclass(frozen=True)
class PayloadMatcher:
    endpoints: frozenset[str]
    field: str | None
    missing: bool
    empty: bool
    falsy: bool
    not_in: frozenset[str] | None
    not_regex: RulePattern | None
    contract: bool
    method: str | None
    url_regex: RulePattern | None
    unit = "request"


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
    )
