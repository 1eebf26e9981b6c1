"""Report formats: each module renders a ScanResult to a string.

`FORMATS` is the registry (name -> renderer); add a format by adding a module and an entry.
"""
from __future__ import annotations

from typing import Callable

from vitana_guard.model import ScanResult
from vitana_guard.report import github, html, json_report, junit, sarif, text
from vitana_guard.report._common import ReportOptions

Renderer = Callable[[ScanResult, ReportOptions], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
    "html": html.render,
}


def render(fmt: str, result: ScanResult, options: ReportOptions = ReportOptions()) -> str:
    """Render `result` in format `fmt` (a key of FORMATS); ValueError for an unknown format."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r} (choose from: {', '.join(FORMATS)})") from None
    return renderer(result, options)


__all__ = ["FORMATS", "ReportOptions", "Renderer", "render"]
