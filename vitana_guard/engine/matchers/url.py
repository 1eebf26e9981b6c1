"""`url`: URLs whose host is a candidate (`host_contains`, `host_regex`) and whose
origin (scheme + host) is not in `allow`. Bare Cloud Run hosts count as URLs.

- Placeholders (`<hash>`, `{GATEWAY_URL}`, `${HOST}`, `$VAR`, `...`, `*`, `xxx`) stand
  for values not yet known. A host holding one is judged on its fixed text: when some
  allowed host could fill it in (`gateway-<ID>.a.run.app`, `$GATEWAY_URL`, `gateway...`)
  it is no finding; when its fixed text already rules every allowed host out
  (`vitana-gateway-<hash>-uc.a.run.app`) it is one.
- `ignore_hosts` (globs: the reserved names of RFC 2606/6761) are never a gateway.
- `paths`: only URLs whose path holds one of them (the control plane), whatever their
  host is named (reserved names included); `host_contains` and `ignore_hosts` do not apply.
- A URL with userinfo is judged by its real host: `https://<allowed host>@elsewhere/`
  names an allowed host only to disguise where it goes, and is always a finding.

The core finds and judges the URLs (crates/vitana_core/src/matchers/url.rs).
"""
from __future__ import annotations

from dataclasses import dataclass

from vitana_guard.engine.matchers import RulePattern, as_list, compile_regex


@dataclass(frozen=True)
class UrlMatcher:
    host_contains: tuple[str, ...]
    host_regex: RulePattern | None
    allow: tuple[str, ...]  # allowed origins, as written
    ignore_hosts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    unit = "text"


def compile(spec: dict, params: dict, where: str, line: int | None) -> UrlMatcher:
    return UrlMatcher(
        host_contains=tuple(c.lower() for c in as_list(spec.get("host_contains"))),
        host_regex=compile_regex(spec["host_regex"], where, line, ignore_case=True) if spec.get("host_regex") else None,
        allow=tuple(str(u) for u in as_list(spec.get("allow"))),
        ignore_hosts=tuple(str(g).lower() for g in as_list(spec.get("ignore_hosts"))),
        paths=tuple(str(p) for p in as_list(spec.get("paths"))),
    )
