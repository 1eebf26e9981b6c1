"""gitignore-style path globs: `**` crosses directories, `*` and `?` do not."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable


@lru_cache(maxsize=1024)
def compile_glob(glob: str) -> re.Pattern[str]:
    pattern = glob.strip()
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : j].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    if pattern.endswith("/"):
        body += ".*"
    # a glob without a slash matches at any depth, like .gitignore
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + body + "(?:/.*)?\\Z" if not anchored else body + "(?:/.*)?\\Z")


def matches(path: str, globs: Iterable[str]) -> bool:
    path = path.replace("\\", "/").lstrip("./") if path.startswith("./") else path.replace("\\", "/")
    return any(compile_glob(g).match(path) for g in globs)
