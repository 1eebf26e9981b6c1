"""gitignore-style path globs: `**` crosses directories, `*` and `?` do not.

One implementation for every glob of the project: `--exclude`, per-path ignores,
rules' `paths`, sanctioned workflow paths.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable


def glob_to_regex(pattern: str) -> str:
    """A gitignore-like glob as a regex over a whole relative path.

    `**` spans directories (`**/x`, `a/**/b`, `a/**`), `*` and `?` stay within one
    path part, `[...]` is a character class. A pattern with no `/` (other than a
    trailing one) matches a name at any depth; a leading `/` anchors it to the root.
    A pattern that matches a directory matches everything under it.
    """
    p = pattern.strip().replace("\\", "/")
    anchored = p.startswith("/")
    p = p.strip("/") if p.endswith("/") else p.lstrip("/")
    if not anchored and "/" not in p:
        p = "**/" + p
    out = []
    i = 0
    n = len(p)
    while i < n:
        c = p[i]
        if p.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif p.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = p.find("]", i + 2)
            if j < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = p[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out) + "(?:/.*)?"



def compile_globs(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex that fully matches a path matched by any of `patterns`."""
    parts = [glob_to_regex(p) for p in patterns if p and p.strip()]
    if not parts:
        return None
    return re.compile("(?:" + "|".join(parts) + r")\Z", re.S)


@lru_cache(maxsize=1024)
def _compiled(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    return compile_globs(globs)


def matches(path: str, globs: Iterable[str]) -> bool:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    pattern = _compiled(tuple(globs))
    return pattern is not None and pattern.match(path) is not None
