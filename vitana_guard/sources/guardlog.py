"""The live guard's audit log read back as evidence.

Each line of `audit.jsonl` (hooks/state.py) is one decision on one agent tool call:
time, agent, session, tool, tool-use id, the rules that fired, the decision and a
fingerprint of the call (the command itself is never logged). A scan turns every
rule of a decision into a finding at that line: a call the guard denied never ran,
so its finding is suppressed with that justification (evidence of the attempt,
not a failure); a call it let through with a warning did run, so that finding is
active. Decisions without rules (clean calls) are not findings.
"""
from __future__ import annotations

import json
from typing import Iterator

from vitana_guard.engine.rules import RulePack
from vitana_guard.engine.scan import Selection, fingerprint
from vitana_guard.model import Finding, Notice, Suppression

_KEYS = {"agent", "decision", "rules", "fingerprint"}


def sniff(head: bytes) -> bool:
    """The first line is a guard decision record."""
    first = head.split(b"\n", 1)[0]
    try:
        record = json.loads(first)
    except ValueError:
        return False
    return isinstance(record, dict) and _KEYS <= record.keys()


def read(path: str, display: str, pack: RulePack, selection: Selection) -> Iterator[Finding | Notice]:
    try:
        f = open(path, "rb")
    except OSError as e:
        yield Notice(f"guard log: cannot read: {e.strerror or e}", display)
        return
    with f:
        for line, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                if not isinstance(record, dict) or not _KEYS <= record.keys():
                    raise ValueError("not a guard decision record")
                _check_types(record)
            except RecursionError:
                yield Notice(f"guard log: line {line}: JSON nested too deeply", display, line)
                continue
            except (ValueError, UnicodeDecodeError) as e:
                yield Notice(f"guard log: line {line}: {e}", display, line)
                continue
            yield from _findings(record, line, display, pack, selection)


def _check_types(record: dict) -> None:
    """Raise ValueError naming the first field whose type the hook never writes (an edited
    or foreign line): `rules` is a list of rule IDs, the ids are strings or null."""
    rules = record.get("rules")
    if rules is not None and not (isinstance(rules, list) and all(isinstance(r, str) for r in rules)):
        raise ValueError(f"'rules' must be a list of rule IDs, not {json.dumps(rules)[:80]}")
    for key in ("session", "tool_use_id"):
        if not isinstance(record.get(key), (str, type(None))):
            raise ValueError(f"'{key}' must be a string, not {json.dumps(record[key])[:80]}")  # noqa: TRY004 - read() makes a ValueError the line's notice


def _findings(record: dict, line: int, display: str, pack: RulePack, selection: Selection) -> Iterator[Finding]:
    decision = str(record.get("decision"))
    when, agent, tool = record.get("time", "?"), record.get("agent", "?"), record.get("tool", "?")
    call = str(record.get("fingerprint") or "")
    for rule_id in record.get("rules") or []:
        rule = pack.get(str(rule_id))
        if rule is None or not selection.chooses(rule):
            continue
        denied = decision == "deny"
        yield Finding(
            rule_id=rule.id,
            slug=rule.slug,
            severity=rule.severity,
            message=f"{agent} {tool} call {'denied' if denied else 'allowed with a warning'} by the live guard at "
            f"{when}: {rule.summary}",
            policy=rule.policy,
            path=display,
            line=line,
            column=1,
            end_line=line,
            end_column=2,
            snippet=f"call {call[:16]}",
            fingerprint=fingerprint(rule.id, display, call),
            record_id=record.get("tool_use_id"),
            session=record.get("session"),
            suppression=Suppression("external", f"denied by the live guard at {when}; the call never ran")
            if denied
            else None,
            properties={"agent": agent, "tool": tool, "decision": decision},
        )
