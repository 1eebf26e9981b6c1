"""`sequence`: the order of a session's gateway steps (§3, §5.2).

Steps are the well-formed gateway calls of one session, in order, named after
the `endpoints` parameter (`create-pr`, `safe-merge`, `deploy`) plus `verify`
(a GET of the CI/CD health endpoint or a feature endpoint on the gateway).
A call the gateway would reject (an error-level contract finding on it) opened
no PR, merged nothing and deployed nothing, so it is not a step.

- `requires_before`: report `step` when no `requires_before` step came before it
  (since the last `after` step, when `after` is given; without an `after` step
  in the session the check does not apply: a deploy-only session ships work
  merged elsewhere).
- `requires_after`: report `step` when none of these steps follows it.

The core runs it (crates/vitana_core/src/matchers/sequence.rs).
"""
from __future__ import annotations

from dataclasses import dataclass

from vitana_guard.engine.matchers import as_list


@dataclass(frozen=True)
class SequenceMatcher:
    step: str
    after: str | None
    requires_before: str | None
    requires_after: tuple[str, ...]
    unit = "session"


def compile(spec: dict, params: dict, where: str, line: int | None) -> SequenceMatcher:
    return SequenceMatcher(
        step=spec["step"],
        after=spec.get("after"),
        requires_before=spec.get("requires_before"),
        requires_after=tuple(as_list(spec.get("requires_after"))),
    )
