"""JUnit XML for CI test-report views (GitLab, Jenkins, test-reporter actions).

One `<testsuite name="vitana-guard">` (inside `<testsuites>`). One testcase per active
finding, as CI dashboards count them: name `VG101 direct-cloud-run-deploy path:line:col`,
classname the path, one `<failure type="VG101" message="...">path:line:col ...</failure>`. Input errors are testcases with an `<error>`; note-level notices (files skipped)
and, with show_suppressed, suppressed findings are `<skipped>` testcases. With no findings
and no input errors there is one passing testcase. Counts: tests = testcases,
failures / errors / skipped = testcases holding one of those (so `failures` is the
number of `<failure>` elements, and of active findings).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

from vitana_guard.model import Finding, ScanResult
from vitana_guard.report._common import (
    TOOL_NAME,
    ReportOptions,
    display_path,
    evidence_items,
    sorted_findings,
    sorted_notices,
    summary_line,
    utc_timestamp,
)

# Characters XML 1.0 cannot carry at all, even escaped.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(s: object) -> str:
    """Text safe for XML 1.0: illegal characters become U+FFFD (ElementTree escapes the rest)."""
    return _XML_ILLEGAL.sub("\ufffd", str(s))


def _where(f: Finding, root: str) -> str:
    return f"{display_path(f.path, root)}:{f.line}:{f.column}"


def _duration(result: ScanResult) -> str | None:
    start, end = utc_timestamp(result.start_time), utc_timestamp(result.end_time)
    if not (start and end):
        return None
    seconds = (datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    return f"{max(0.0, seconds):.3f}"


def render(result: ScanResult, options: ReportOptions) -> str:
    root = result.root
    suite = ET.Element("testsuite", {"name": TOOL_NAME})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("root", root),
        ("commit", result.commit or ""),
        ("files_scanned", result.files_scanned),
        ("bytes_scanned", result.bytes_scanned),
        ("summary", summary_line(result)),
        *evidence_items(result),
    ):
        ET.SubElement(props, "property", {"name": name, "value": _x(value)})

    tests = failures = errors = skipped = 0

    active = sorted_findings(result.active)
    for f in active:
        # one testcase per finding, as CI dashboards count: `failures` = <failure> elements
        path = display_path(f.path, root)
        case = ET.SubElement(
            suite,
            "testcase",
            {"name": _x(f"{f.rule_id} {f.slug} {_where(f, root)}".replace("  ", " ")), "classname": _x(path),
             "file": _x(path), "line": str(f.line)},
        )
        failure = ET.SubElement(case, "failure", {"type": _x(f.rule_id), "message": _x(f.message)})
        failure.text = _x(f"{_where(f, root)}: [{f.severity}] {f.message}" + (f"\n{f.snippet}" if f.snippet else ""))
        tests += 1
        failures += 1

    if options.show_suppressed:
        for f in sorted_findings([f for f in result.findings if f.suppression is not None]):
            case = ET.SubElement(
                suite,
                "testcase",
                {"name": _x(f"{f.rule_id} {f.slug} {_where(f, root)}"), "classname": _x(display_path(f.path, root))},
            )
            reason = f.suppression.justification or f.suppression.kind  # type: ignore[union-attr]
            ET.SubElement(case, "skipped", {"message": _x(f"suppressed: {reason}")})
            tests += 1
            skipped += 1

    for n in sorted_notices(result.notices):
        where = (n.path or "") + (f":{n.line}" if n.path and n.line else "")
        name = f"{n.level}: {where or n.message}"
        case = ET.SubElement(suite, "testcase", {"name": _x(name), "classname": f"{TOOL_NAME}.input"})
        if n.level == "error":
            err = ET.SubElement(case, "error", {"type": "input-error", "message": _x(n.message)})
            err.text = _x(f"{where + ': ' if where else ''}{n.message}")
            errors += 1
        else:
            ET.SubElement(case, "skipped", {"message": _x(n.message)})
            skipped += 1
        tests += 1

    if not active and not result.input_errors:
        ET.SubElement(suite, "testcase", {"name": "no findings", "classname": TOOL_NAME})
        tests += 1

    attrs = {"tests": str(tests), "failures": str(failures), "errors": str(errors), "skipped": str(skipped)}
    duration = _duration(result)
    if duration is not None:
        attrs["time"] = duration
    if utc_timestamp(result.start_time):
        attrs["timestamp"] = utc_timestamp(result.start_time)  # type: ignore[assignment]
    suite.attrib.update(attrs)
    top = ET.Element("testsuites", {"name": TOOL_NAME, **{k: v for k, v in attrs.items() if k != "skipped" and k != "timestamp"}})
    top.append(suite)
    ET.indent(top)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="unicode") + "\n"
