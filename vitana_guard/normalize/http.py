"""Reconstruct HTTP requests from what issues them.

Three pure entry points, run by the Rust core (`vitana_guard._core`,
crates/vitana_core/src/normalize/http/):

- `request_from_command(cmd)`: a curl / wget / httpie / xh command line -> `Request`;
- `requests_from_http_block(text)`: the content of a ```http fence or a `.http` file;
- `parse_json_lenient(body)`: JSON where template placeholders (`<PR_NUMBER>`,
  `{{var}}`, `${VAR}`, `$VAR`, `...`) read as the `UNKNOWN` value.

Nothing here runs, fetches or reads anything: bodies read from files (`-d @x.json`)
are unknown (`body=None`, `json=UNKNOWN`). The Python original was deleted once the
differential test held.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vitana_guard import _core

if TYPE_CHECKING:
    from vitana_guard.model import Command, Request

__all__ = [
    "UNKNOWN",
    "MAX_DEPTH",
    "CLIENT_PROGRAMS",
    "parse_json_lenient",
    "request_from_command",
    "requests_from_http_block",
]


# --------------------------------------------------------------------------- UNKNOWN


class _Unknown:
    """The value of a placeholder or of anything not literal (`$VAR`, `@file`).

    A singleton: test it with `is UNKNOWN`. It is truthy like any object, so rules
    must not read it as a boolean.
    """

    __slots__ = ()
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"

    def __copy__(self) -> _Unknown:
        return self

    def __deepcopy__(self, memo: Any) -> _Unknown:
        return self


UNKNOWN = _Unknown()

MAX_DEPTH: int = _core.HTTP_MAX_DEPTH  # deepest JSON nesting accepted

# Substrings one of which every command `request_from_command` reads contains.
CLIENT_PROGRAMS = ("curl", "wget", "http", "xh")


def parse_json_lenient(body: str) -> tuple[Any, str | None]:
    """Parse `body` as JSON, reading template placeholders as `UNKNOWN`.

    Returns `(value, None)`, or `(None, error)` where error says what and where
    ("line 3 column 14: expected ',' or '}'"). Beyond standard JSON: bare
    placeholders `<X>`, `{{x}}`, `${X}`, `$X`, `$(...)`, `...` as values and strings
    that are wholly a placeholder (`"<branch>"`) are `UNKNOWN`; `...` standing for
    elided object members is skipped; trailing commas and `//` / `/* */` comments
    are tolerated. Nesting deeper than `MAX_DEPTH` is an error.
    """
    if not isinstance(body, str):
        return None, "body is not text"
    return _core.http_parse_json_lenient(body, UNKNOWN)


def request_from_command(cmd: Command) -> Request | None:
    """The HTTP request a curl / wget / httpie / xh command makes, or None."""
    from vitana_guard.model import Request  # defined on first use (model.py)

    fields = _core.http_request_from_command(cmd, UNKNOWN)
    return None if fields is None else Request(*fields)


def requests_from_http_block(text: str) -> list[Request]:
    """Requests in the content of a ```http fence or a .http file.

    Each is `METHOD URL [HTTP/1.1]` (a bare URL is a GET), header lines, a blank
    line and a body that runs to a `###` line, or to the next request line after a
    blank line. `start`/`end` span the request in `text`.
    """
    from vitana_guard.model import Request

    return [Request(*fields) for fields in _core.http_requests_from_block(text, UNKNOWN)]
