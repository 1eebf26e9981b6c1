"""The two HTML pages: the repository page of `scan --format html` (files, not sessions),
and the audit page's Totals: human sizes, a per-day chart drawn as inline SVG, and a
layout that holds at 1280 and 390 px, checked in headless Chromium."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli, write
from vitana_guard.model import Finding, RuleInfo, ScanResult, Severity
from vitana_guard.report import html as htmlmod
from vitana_guard.report.html import render_html

OPS = """#!/bin/sh
set -eu
echo building
gcloud run deploy web --source .
echo done
docker push registry.example/web:2
"""


def repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write(repo / "services" / "web" / "ops.sh", OPS)
    write(repo / "services" / "api" / "release.sh", "#!/bin/sh\n./deploy.sh api\n")
    write(repo / "docs" / "notes.md", "Nothing to see.\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def test_scan_html_is_a_repository_page_not_the_audit_page(tmp_path: Path):
    repo = repository(tmp_path)
    p = run_cli("scan", ".", "--format", "html", cwd=repo)
    assert p.returncode == 1, p.stderr
    html = p.stdout
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # none of the audit page's session vocabulary for files
    for absent in ("Sessions", "sessions", "Agent: unknown", "agent unknown", "Day: unknown", "unknown"):
        assert absent not in text, absent
    assert "vitana-guard repository report" in text
    # totals by rule and by directory
    assert re.search(r"VG101 direct-cloud-run-deploy error 1 1 ", text)
    assert re.search(r"services/web 2 1 VG101, VG103", text) and re.search(r"services/api 1 1 VG102", text)
    # files ranked: the file with two errors first
    ranked = html[html.index('id="files-table"'):html.index('id="findings"')]
    assert ranked.index("services/web/ops.sh") < ranked.index("services/api/release.sh")
    # each finding with the code around it, its line marked
    assert '<div class="at"><span class="ln">4</span>gcloud run deploy web --source .</div>' in html
    assert '<span class="ln">3</span>echo building</div>' in html and '<span class="ln">5</span>echo done</div>' in html


def test_code_context_only_where_the_file_still_says_so(tmp_path: Path):
    repo = repository(tmp_path)
    report = json.loads(run_cli("scan", ".", "--format", "json", cwd=repo).stdout)
    write(repo / "services" / "web" / "ops.sh", "#!/bin/sh\n# rewritten since\n")  # the file changed after the scan
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "VG101"]
    result = ScanResult(findings=[Finding(rule_id=finding["rule_id"], slug=finding["slug"], severity=Severity.ERROR,
                                          message=finding["message"], policy="§2", path=finding["path"],
                                          line=finding["line"], column=1, end_line=finding["line"], end_column=5,
                                          snippet="x", source_line=OPS.splitlines()[finding["line"] - 1])],
                        notices=[], rules=[], root=str(repo))
    html = htmlmod.render_repository(result)
    assert 'class="ln"' not in html  # no misleading lines from the file as it is now
    assert "gcloud run deploy web --source ." in html  # the line as scanned


def test_sizes_in_human_units():
    assert [htmlmod.human_bytes(n) for n in (0, 812, 19_800, 3_400_000, 1_200_000_000)] == [
        "0 B", "812 B", "19.8 KB", "3.4 MB", "1.2 GB"]


def test_chart_stacks_rules_per_day_and_buckets_long_ranges():
    points = [("2026-10-01", "VG101"), ("2026-10-01", "VG101"), ("2026-10-01", "VG103"), ("2026-10-03", "VG103"),
              ("unknown", "VG101")]
    c = htmlmod.chart_by_day(points)
    assert c["unit"] == "day" and c["buckets"] == ["2026-10-01", "2026-10-03"] and c["max"] == 3
    assert [(b["title"]) for b in c["bars"]] == ["2026-10-01: VG101 × 2", "2026-10-01: VG103 × 1",
                                                  "2026-10-03: VG103 × 1"]
    assert c["uncharted"] == 1
    first = [b for b in c["bars"] if b["title"].startswith("2026-10-01")]
    assert first[0]["h"] == pytest.approx(2 * first[1]["h"], abs=0.2)  # heights proportional to counts
    assert first[1]["y"] + first[1]["h"] == pytest.approx(first[0]["y"], abs=0.2)  # stacked
    year = [(f"2026-{m:02d}-{d:02d}", "VG101") for m in range(1, 13) for d in (1, 15)]
    assert htmlmod.chart_by_day(year)["unit"] == "day"
    daily = [(f"2026-{m:02d}-{d:02d}", "VG101") for m in range(1, 7) for d in range(1, 29)]
    assert htmlmod.chart_by_day(daily)["unit"] == "week"


# --------------------------------------------------------------------------- the audit page in a browser

LONG_SLUGS = [("VG101", "direct-cloud-run-deploy", Severity.ERROR), ("VG102", "deploy-script", Severity.ERROR),
              ("VG106", "merge-outside-safe-merge", Severity.ERROR), ("VG107", "deploy-workflow-dispatch", Severity.ERROR),
              ("VG201", "non-canonical-gateway-url", Severity.WARNING), ("VG403", "safe-merge-checks-disabled", Severity.ERROR),
              ("VG501", "asks-human-to-deploy", Severity.WARNING), ("VG602", "deploy-without-health-check", Severity.NOTE)]


def big_audit() -> ScanResult:
    """Many rules with long names, counts in the thousands, long repository paths, 30 days."""
    findings = []
    for i in range(2400):
        rid, slug, sev = LONG_SLUGS[i % len(LONG_SLUGS)]
        day = f"2026-10-{1 + i % 30:02d}"
        repo = f"/home/runner/work/vitana-platform/vitana-platform/services/{['gateway', 'oasis-operator'][i % 2]}"
        findings.append(Finding(rule_id=rid, slug=slug, severity=sev, message="m", policy="§2",
                                path=f"projects/-home-dev-vitana-platform/session-{i % 211:04d}.jsonl", line=1 + i,
                                column=1, end_line=1 + i, end_column=4, snippet="x", session=f"s{i % 211}",
                                properties={"agent": ["claude", "codex", "gemini"][i % 3], "repository": repo, "day": day}))
    rules = [RuleInfo(id=r, slug=s, severity=str(v), summary=s, description="", policy="§2", tags=())
             for r, s, v in LONG_SLUGS]
    return ScanResult(findings=findings, notices=[], rules=rules, root="/logs", files_scanned=211,
                      bytes_scanned=19_800)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        pytest.fail("headless Chromium is needed to check the HTML layout: apt-get install -y chromium")
    return found


# Injected into a COPY of the page only (the report itself carries no measuring code): after
# layout, it reports to the harness page what a reader would see go wrong in Totals.
MEASURE = """
window.addEventListener("load", function () {
  function lines(el) {
    var r = document.createRange(); r.selectNodeContents(el);
    var tops = {}; Array.prototype.forEach.call(r.getClientRects(), function (q) { if (q.width > 0) tops[Math.round(q.top)] = 1; });
    return Object.keys(tops).length;
  }
  var root = document.documentElement;
  var out = {viewport: root.clientWidth, page: root.scrollWidth, problems: [], rules: {}, svg: 0};
  var head = document.getElementById("totals"), totals = head && head.nextElementSibling;
  if (!totals) out.problems.push("no Totals section");
  else {
    var boxes = [];
    totals.querySelectorAll("table").forEach(function (t, i) {
      var box = t.getBoundingClientRect(), holder = t.parentElement.getBoundingClientRect();
      boxes.push(box);
      if (box.right > holder.right + 0.5 || box.left < holder.left - 0.5)
        out.problems.push("table " + i + " is wider than its place (" + Math.round(box.width) + " > " + Math.round(holder.width) + ")");
      t.querySelectorAll("td,th").forEach(function (c) {
        if (c.scrollWidth > c.clientWidth + 1) out.problems.push("cell cut: " + c.textContent.trim().slice(0, 40));
      });
      var first = t.querySelector("th");
      if (first && first.textContent.trim() === "Rule")
        t.querySelectorAll("tbody td:first-child").forEach(function (c) { out.rules[c.textContent.trim()] = lines(c); });
    });
    for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
      var a = boxes[i], b = boxes[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
        out.problems.push("tables " + i + " and " + j + " overlap");
    }
    totals.querySelectorAll("svg").forEach(function (s) {
      var box = s.getBoundingClientRect(), holder = s.parentElement.getBoundingClientRect();
      if (box.right > holder.right + 0.5) out.problems.push("chart wider than its box");
      out.svg += s.querySelectorAll("rect").length;
    });
  }
  if (out.page > out.viewport) out.problems.push("page wider than the window (" + out.page + " > " + out.viewport + ")");
  parent.postMessage(JSON.stringify(out), "*");
});
"""


def layout(page: Path, width: int) -> dict:
    """Load `page` in an iframe `width` px wide (headless windows are at least 500 px),
    measure it there, and read the result from the harness's DOM."""
    copy = page.with_name(page.stem + f"-measured-{width}.html")
    copy.write_text(page.read_text().replace("</body>", f"<script>{MEASURE}</script></body>"))
    harness = page.with_name(f"harness-{width}.html")
    harness.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe src="{copy.name}" '
                       f'style="border:0;width:{width}px;height:30000px"></iframe><script>'
                       'window.addEventListener("message", function (e) { document.body.setAttribute("data-layout", e.data); });'
                       "</script></body></html>")
    p = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=1400,1000", "--virtual-time-budget=10000", "--dump-dom", harness.as_uri()],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r'data-layout="([^"]*)"', p.stdout)
    assert m, f"the page did not report its layout: {p.stderr[-2000:]}"
    return json.loads(m.group(1).replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"))


@pytest.mark.parametrize("width", [1280, 390])
def test_audit_totals_hold_at_desktop_and_phone_widths(tmp_path: Path, width: int):
    page = tmp_path / "audit.html"
    page.write_text(render_html(big_audit(), context=False))
    got = layout(page, width)
    assert got["viewport"] == width
    assert got["problems"] == []
    assert len(got["rules"]) == len(LONG_SLUGS)
    if width == 1280:  # room enough: every rule name on one line, never a word per line
        assert set(got["rules"].values()) == {1}, got["rules"]
    else:
        assert max(got["rules"].values()) <= 3, got["rules"]
    assert got["svg"] >= 30  # the chart is drawn: a bar segment per day and rule


def test_audit_page_chart_is_inline_svg_and_sizes_are_human(tmp_path: Path):
    html = render_html(big_audit(), context=False)
    totals = html[html.index('id="totals"'):html.index('id="sessions"')]
    assert "<svg" in totals and "Violations per day, by rule" in totals
    assert totals.count("<rect") == 30 * len(LONG_SLUGS) // 2  # each day holds 4 of the 8 rules here
    assert "<script" not in totals and "http://www.w3.org/2000/svg" in totals
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "19.8 KB" in html and "0.0 MB" not in html
