"""The compiled pack as plain data: what the Rust core (`vitana_guard._core.Scanner`)
compiles once per pack and selection.

The Python side loads, validates and renders the rules (pyyaml, jsonschema, jinja2);
the core gets each rule's selection-independent facts, and each entry's matcher
kind with its spec as rendered with the parameters. The core runs every entry itself
(a regex needing look-around runs on its bounded backtracking engine) and makes the
findings: each rule's message template, slug, policy and `description.instead` go too.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vitana_guard.engine.rules import Entry, RulePack

FORMAT = 3  # bumped when the data's shape changes (the core refuses another)


def pack_data(pack: RulePack, chooses: Any) -> dict[str, Any]:
    """`pack` as JSON-able data; `chooses(rule)` (a Selection's) marks the rules that run."""
    rules = []
    entries = []
    for index, rule in enumerate(pack.rules):
        rules.append({
            "id": rule.id,
            "slug": rule.slug,
            "severity": rule.severity.value,
            "policy": rule.policy,
            # the findings are made in the core: their message template, and what to do
            # instead (the live guard's deny reason quotes it)
            "message": rule.message,
            "instead": str(rule.description.get("instead") or ""),
            "channels": sorted(c.value for c in rule.channels),
            "keywords": list(rule.keywords),
            "include": list(rule.include),
            "exclude": list(rule.exclude),
            "enabled": rule.enabled,
            "chosen": bool(chooses(rule)),
        })
        for entry in rule.entries:
            entries.append(_entry_data(index, entry))
    return {"format": FORMAT, "params": pack.params, "rules": rules, "entries": entries}


def _entry_data(rule: int, entry: Entry) -> dict[str, Any]:
    return {
        "rule": rule,
        "kind": entry.kind,
        "spec": entry.spec,
        "channels": sorted(c.value for c in entry.channels),
        "actors": sorted(entry.actors) if entry.actors is not None else None,
        "kinds": sorted(entry.kinds) if entry.kinds is not None else None,
        "not_kinds": sorted(entry.not_kinds),
        "calls_only": entry.calls_only,
    }


def pack_json(pack: RulePack, chooses: Any) -> str:
    # parameters may hold dates (YAML reads them so): as text, as the digest does
    return json.dumps(pack_data(pack, chooses), default=str, ensure_ascii=False)
