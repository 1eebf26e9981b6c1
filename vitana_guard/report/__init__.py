"""Report formats: each module renders a ScanResult to a string.

`FORMATS` is the registry (name -> module); add a format by adding a module with a
`render(result, options)` function and an entry.
"""
from __future__ import annotations

import importlib
from typing import Callable

from vitana_guard.model import ScanResult
from vitana_guard.report._common import ReportOptions

Renderer = Callable[[ScanResult, ReportOptions], str]


# name -> module; a format's module is imported when it is first used (the HTML
# report's jinja2 has no business in a pre-commit hook's start-up)
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "html": "html",
}

# the formats that show each input's sha256 (the evidence of what was read); a scan
# for the others hashes nothing (the text report shows it only for `audit`)
SHOWS_INPUT_DIGESTS = frozenset({"json", "sarif", "junit", "html"})


def renderer(fmt: str) -> Renderer:
    """The render function of format `fmt`; ValueError for an unknown format."""
    try:
        module = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r} (choose from: {', '.join(FORMATS)})") from None
    return importlib.import_module(f"vitana_guard.report.{module}").render


def render(fmt: str, result: ScanResult, options: ReportOptions = ReportOptions()) -> str:
    """Render `result` in format `fmt` (a key of FORMATS); ValueError for an unknown format."""
    return renderer(fmt)(result, options)


__all__ = ["FORMATS", "ReportOptions", "Renderer", "render", "renderer"]
