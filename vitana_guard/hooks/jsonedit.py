"""Edits to a JSON settings file made in its text, so everything else stays as written.

`hook install` adds one entry to a list (and the keys leading to it); `hook uninstall`
takes it out. Re-serialising the whole file would rewrite what a person chose: number
spellings (`1.0`, `1e3`), one-line lists, blank lines, key spacing. Here the document
is parsed once for the positions of its values (`locate`), and only the spans that
change are replaced. The caller checks the result parses to the intended data and
falls back to a full dump when it does not (duplicate keys, odd input).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Node", "EditError", "locate", "append_item", "add_member", "remove_item", "remove_member"]


class EditError(ValueError):
    pass


@dataclass
class Node:
    kind: str  # "object", "array" or "scalar"
    start: int  # offset of the first character ({, [ or the scalar)
    end: int  # offset after the last character
    members: list[tuple[str, int, "Node"]] = field(default_factory=list)  # object: (key, key offset, value)
    items: list["Node"] = field(default_factory=list)  # array

    def get(self, key: str) -> "Node | None":
        found = [v for k, _, v in self.members if k == key]
        return found[-1] if found else None  # the last of duplicate keys wins, as json.loads


_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


def locate(text: str) -> Node:
    """The position tree of a JSON document (strict JSON; EditError otherwise)."""
    node, pos = _value(text, _skip(text, 0))
    if _skip(text, pos) != len(text):
        raise EditError("trailing text")
    return node


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _value(text: str, pos: int) -> tuple[Node, int]:
    if pos >= len(text):
        raise EditError("unexpected end")
    c = text[pos]
    if c == "{":
        node = Node("object", pos, pos)
        pos = _skip(text, pos + 1)
        if text.startswith("}", pos):
            node.end = pos + 1
            return node, pos + 1
        while True:
            m = _STRING.match(text, pos)
            if not m:
                raise EditError(f"expected a key at {pos}")
            key = json.loads(m.group())
            pos = _skip(text, m.end())
            if not text.startswith(":", pos):
                raise EditError(f"expected ':' at {pos}")
            value, after = _value(text, _skip(text, pos + 1))
            node.members.append((key, m.start(), value))
            pos = _skip(text, after)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
                continue
            if text.startswith("}", pos):
                node.end = pos + 1
                return node, pos + 1
            raise EditError(f"expected ',' or '}}' at {pos}")
    if c == "[":
        node = Node("array", pos, pos)
        pos = _skip(text, pos + 1)
        if text.startswith("]", pos):
            node.end = pos + 1
            return node, pos + 1
        while True:
            item, after = _value(text, pos)
            node.items.append(item)
            pos = _skip(text, after)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
                continue
            if text.startswith("]", pos):
                node.end = pos + 1
                return node, pos + 1
            raise EditError(f"expected ',' or ']' at {pos}")
    m = _STRING.match(text, pos) or _SCALAR.match(text, pos)
    if not m:
        raise EditError(f"unexpected character at {pos}")
    return Node("scalar", pos, m.end()), m.end()


# --------------------------------------------------------------------------- layout


def _line_indent(text: str, pos: int) -> str:
    """The leading whitespace of the line holding `pos`."""
    start = text.rfind("\n", 0, pos) + 1
    return _WS.match(text, start).group().replace("\n", "").replace("\r", "")


def _render(value: Any, unit: str | None, indent: str) -> str:
    """`value` as JSON: one line when the file is written on one line (`unit` None),
    else indented by `unit` with its continuation lines starting at `indent`."""
    if unit is None:
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", "\n" + indent)


def _first_gap(text: str, container: Node, first_start: int) -> str:
    """The whitespace between a container's opening bracket and its first entry."""
    return text[container.start + 1 : first_start]


def _insert_entry(text: str, container: Node, entry_starts: list[int], last_end: int, body: str, unit: str | None) -> str:
    """`body` (already rendered) added as the last entry of a container."""
    if not entry_starts:
        if unit is None:
            return text[: container.start + 1] + body + text[container.end - 1 :]
        outer = _line_indent(text, container.start)
        return (text[: container.start + 1] + "\n" + outer + unit + body + "\n" + outer
                + text[container.end - 1 :])
    if len(entry_starts) == 1:
        gap = _first_gap(text, container, entry_starts[0]) or " "  # `[1]` -> `[1, 2]`
    else:  # the whitespace after the comma before the last entry
        gap = text[_comma_end(text, entry_starts[-1]) : entry_starts[-1]]
    return text[:last_end] + "," + gap + body + text[last_end:]


def _comma_end(text: str, entry_start: int) -> int:
    """Offset just after the comma before the entry starting at `entry_start`."""
    comma = text.rfind(",", 0, entry_start)
    return comma + 1


def _unit_and_indent(text: str, container: Node, entry_starts: list[int], unit: str | int | None) -> tuple[str | None, str]:
    if unit is None or "\n" not in text[container.start : container.end] and entry_starts:
        return None, ""
    unit_s = "\t" if unit == "\t" else " " * int(unit)
    indent = _line_indent(text, entry_starts[-1]) if entry_starts else _line_indent(text, container.start) + unit_s
    return unit_s, indent


# --------------------------------------------------------------------------- edits


def append_item(text: str, array: Node, value: Any, unit: str | int | None) -> str:
    """`value` added at the end of `array`."""
    starts = [i.start for i in array.items]
    unit_s, indent = _unit_and_indent(text, array, starts, unit)
    last_end = array.items[-1].end if array.items else array.start + 1
    return _insert_entry(text, array, starts, last_end, _render(value, unit_s, indent), unit_s)


def add_member(text: str, obj: Node, key: str, value: Any, unit: str | int | None) -> str:
    """`"key": value` added as the last member of `obj`, with the file's spacing after ':'."""
    starts = [k for _, k, _ in obj.members]
    unit_s, indent = _unit_and_indent(text, obj, starts, unit)
    colon = ": "
    if obj.members:
        _, key_at, first = obj.members[0]
        m = _STRING.match(text, key_at)
        colon = text[m.end() : first.start]
    body = json.dumps(key, ensure_ascii=False) + colon + _render(value, unit_s, indent)
    last_end = obj.members[-1][2].end if obj.members else obj.start + 1
    return _insert_entry(text, obj, starts, last_end, body, unit_s)


def _remove_entry(text: str, container: Node, starts: list[int], ends: list[int], i: int) -> str:
    if len(starts) == 1:  # the only entry: the container is left empty, `[]` / `{}`
        return text[: container.start + 1] + text[container.end - 1 :]
    if i > 0:  # from the end of the previous entry: its comma and the gap go too
        return text[: ends[i - 1]] + text[ends[i] :]
    return text[: starts[0]] + text[starts[1] :]


def remove_item(text: str, array: Node, i: int) -> str:
    return _remove_entry(text, array, [n.start for n in array.items], [n.end for n in array.items], i)


def remove_member(text: str, obj: Node, key: str) -> str:
    keys = [k for k, _, _ in obj.members]
    i = len(keys) - 1 - keys[::-1].index(key)
    return _remove_entry(text, obj, [k for _, k, _ in obj.members], [v.end for _, _, v in obj.members], i)
