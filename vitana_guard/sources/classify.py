"""Split the text of one file into Segments by channel (RULES.md, "channels").

`file_kind` names the kind of a file from its path and first characters; `segments` cuts
its text into COMMAND, REQUEST, OUTPUT and PROSE segments. Both run on the Rust core
(`vitana_guard._core`, crates/vitana_core/src/segment/); positions are Python's (lines,
and columns in code points). Every character of a segment's text that comes from the
file maps back to its exact line and column through `Segment.position` (dedented blocks
use `indent`; text decoded from an escaped string is `flat`).

A workflow's YAML is composed here, with PyYAML (whose marks say where each `run:`
scalar is), and handed to the core; text that is not YAML is read line by line there.

Pure: no I/O.
"""
from __future__ import annotations

from typing import Iterator

from vitana_guard import _core
from vitana_guard.model import Channel, Origin, Segment

__all__ = ["KINDS", "file_kind", "segments"]

KINDS = (
    "shell",
    "makefile",
    "dockerfile",
    "workflow",
    "package-json",
    "markdown",
    "config",
    "http",
    "text",
    "code",
)

_CHANNELS = {c.value: c for c in Channel}
# kinds the core cuts into segments; the others are one segment (http a request)
_STRUCTURED = frozenset({"shell", "makefile", "dockerfile", "workflow", "package-json", "markdown"})
_WHOLE = {"http": Channel.REQUEST}


def file_kind(path: str, head: str) -> str:
    """The kind of a file: its path first, then a shebang in `head` (its first characters)."""
    return _core.file_kind(path, head)


def segments(display_path: str, text: str, kind: str | None = None) -> Iterator[Segment]:
    """The segments of one file's text, in file order."""
    if kind is None:
        kind = _core.file_kind(display_path, text[:256])
    origin = Origin(path=display_path, kind=kind)
    whole = _WHOLE.get(kind, Channel.PROSE if kind not in _STRUCTURED else None)
    if whole is not None:
        # read whole: the text itself is the segment (not copied through the core)
        return iter([] if not text or text.isspace() else [Segment(text, whole, origin, 1, 1, 0, False)])
    yaml_spans = workflow_yaml(text) if kind == "workflow" else None
    return iter(
        [
            Segment(seg_text, _CHANNELS[channel], origin, line, column, indent, flat)
            for seg_text, channel, line, column, indent, flat in _core.classify_segments(
                display_path, text, kind, yaml_spans
            )
        ]
    )


def workflow_yaml(text: str):
    """(run spans, releasing steps) as PyYAML composes the text, or None when it is not YAML."""
    actions: list[tuple[int, str]] = []
    spans = _yaml_run_spans(text, actions)
    if spans is None:
        return None
    return [(k, s, e, style, value) for k, s, e, style, value in spans], actions


# --------------------------------------------------------------------------- workflow YAML

# Actions that release: a step `uses:` one of these is a deploy (push: only when the
# step's `with: push:` is not false; an expression may be true at run time).
_DEPLOY_ACTIONS = ("google-github-actions/deploy-cloudrun",)
_PUSH_ACTIONS = ("docker/build-push-action",)


def _action_step(uses: str, push) -> str | None:
    """The normal form of a releasing `uses:` step (what the rules match), or None."""
    name = uses.split("@", 1)[0].strip().lower()
    if name in _DEPLOY_ACTIONS:
        return f"uses: {uses.strip()}"
    if name in _PUSH_ACTIONS and push is not None and str(push).strip().lower() not in ("false", "no", "off", ""):
        return f"uses: {uses.strip()} (push: true)"
    return None


def _yaml_run_spans(text: str, actions: list | None = None):
    """(key column, value start, value end, style, value) of every `run:` scalar, or
    None when the text is not YAML. Releasing `uses:` steps go to `actions`
    as (offset, normal form)."""
    import yaml  # workflows only: most files never need it

    docs = None
    # libyaml composes 15-20x faster than pure-Python PyYAML, with the same marks and
    # nodes, except: it does not count a byte-order mark, and it accepts some tabs
    # PyYAML refuses (`key: \t value`). Text holding either, or that libyaml refuses,
    # goes to PyYAML, whose answer is the reference (tests/test_classify.py holds them alike).
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is not None and "\t" not in text and "\ufeff" not in text:
        try:
            docs = list(yaml.compose_all(text, Loader=c_loader))
        except yaml.YAMLError:
            docs = None
    if docs is None:
        try:
            docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        except yaml.YAMLError:
            return None
    out = []
    seen: set[int] = set()
    stack = [d for d in docs if d is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            if actions is not None:
                _yaml_action(node, actions)
            for k, v in node.value:
                if (
                    isinstance(k, yaml.ScalarNode)
                    and k.value == "run"
                    and isinstance(v, yaml.ScalarNode)
                    and id(v) not in seen
                ):
                    seen.add(id(v))
                    # libyaml names the plain style '' where PyYAML says None
                    out.append((k.start_mark.column, v.start_mark.index, v.end_mark.index, v.style or None, v.value))
                else:
                    stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return out


def _yaml_action(node, actions: list) -> None:
    import yaml

    keys = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    uses = keys.get("uses")
    if not isinstance(uses, yaml.ScalarNode) or not isinstance(uses.value, str):
        return
    push = None
    with_ = keys.get("with")
    if isinstance(with_, yaml.MappingNode):
        for k, v in with_.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "push" and isinstance(v, yaml.ScalarNode):
                push = v.value
    normal = _action_step(uses.value, push)
    if normal:
        actions.append((uses.start_mark.index, normal))
