"""Safe YAML loading that remembers where each value was written.

Rule and config files are data: only `yaml.SafeLoader` ever sees them. Errors must
name the line, so loading also returns a map from a value's path (tuple of keys
and indexes) to its 1-based line.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from vitana_guard.errors import UsageError

Lines = dict[tuple, int]

# values a document may hold once its aliases are expanded: the shipped rule files hold
# under 500; a "billion laughs" of nested aliases holds billions, and every reader after
# the loader (schema validation, templates) would walk each copy
MAX_VALUES = 100_000


@lru_cache(maxsize=1)
def _loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader whose constructors' own errors (the date 2020-13-45, a `!!int` of
        `x`) are marked YAML errors: they name the line instead of escaping as ValueError."""

        def construct_object(self, node, deep=False):
            try:
                return super().construct_object(node, deep)
            except (ValueError, TypeError, OverflowError) as e:
                raise yaml.constructor.ConstructorError(None, None, str(e), node.start_mark) from None

    return Loader


def load(text: str, path: str) -> tuple[Any, Lines]:
    import yaml  # here, not at import: a cached rule pack needs no YAML at all

    try:
        loader = _loader()(text)
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
    except RecursionError:  # the composer recurses once per level
        raise UsageError("invalid YAML: nested too deeply", path) from None
    lines: Lines = {}
    if node is not None:
        _walk(node, (), lines, [], path)
    return data, lines


def _walk(node, at: tuple, lines: Lines, open_nodes: list, path: str) -> None:
    """Record the line of every value; a node inside itself (`a: &a [*a]`) or aliases
    expanding past MAX_VALUES are errors, not endless walks."""
    import yaml

    line = node.start_mark.line + 1
    if any(n is node for n in open_nodes):
        raise UsageError("invalid YAML: an alias refers to a value that contains it", path, line)
    if len(lines) >= MAX_VALUES:
        raise UsageError(f"invalid YAML: over {MAX_VALUES} values once aliases are expanded", path, line)
    lines[at] = line
    if not isinstance(node, yaml.CollectionNode):
        return
    open_nodes.append(node)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _walk(value, at + (key.value,), lines, open_nodes, path)
                # a mapping value is reported at its key (a block value starts a line below)
                lines[at + (key.value,)] = key.start_mark.line + 1
    else:
        for i, item in enumerate(node.value):
            _walk(item, at + (i,), lines, open_nodes, path)
    open_nodes.pop()


def line_of(lines: Lines, at: tuple) -> int | None:
    """Line of the value at `at`, or of its nearest written parent."""
    while at not in lines and at:
        at = at[:-1]
    return lines.get(at)
