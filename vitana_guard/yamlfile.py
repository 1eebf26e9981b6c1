"""Safe YAML loading that remembers where each value was written.

Rule and config files are data: only `yaml.SafeLoader` ever sees them. Errors must
name the line, so loading also returns a map from a value's path (tuple of keys
and indexes) to its 1-based line.
"""
from __future__ import annotations

from typing import Any

from vitana_guard.errors import UsageError

Lines = dict[tuple, int]


def load(text: str, path: str) -> tuple[Any, Lines]:
    import yaml  # here, not at import: a cached rule pack needs no YAML at all

    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise UsageError(f"invalid YAML: {e.problem or e}", path, line) from None
    except yaml.YAMLError as e:
        raise UsageError(f"invalid YAML: {e}", path) from None
    lines: Lines = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node, at: tuple, lines: Lines) -> None:
    import yaml

    lines[at] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _walk(value, at + (key.value,), lines)
                # a mapping value is reported at its key (a block value starts a line below)
                lines[at + (key.value,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, at + (i,), lines)


def line_of(lines: Lines, at: tuple) -> int | None:
    """Line of the value at `at`, or of its nearest written parent."""
    while at not in lines and at:
        at = at[:-1]
    return lines.get(at)
