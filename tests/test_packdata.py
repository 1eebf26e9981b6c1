"""The compiled pack as the core reads it (engine/packdata.py, crates/vitana_core/src/pack.rs)."""
from __future__ import annotations

import json
import re

import pytest

from vitana_guard import _core
from vitana_guard.engine import packdata
from vitana_guard.engine.rules import load_pack
from vitana_guard.engine.scan import Selection


def test_every_entry_crosses_with_its_rendered_spec():
    pack = load_pack()
    data = json.loads(packdata.pack_json(pack, Selection().chooses))
    assert [r["id"] for r in data["rules"]] == [r.id for r in pack.rules]
    assert len(data["entries"]) == sum(len(r.entries) for r in pack.rules)
    vg201 = next(e for e in data["entries"] if data["rules"][e["rule"]]["id"] == "VG201")
    # the spec is rendered: the parameter's value, not its template
    assert vg201["kind"] == "url" and "{{" not in json.dumps(vg201["spec"])
    assert vg201["calls_only"] is True
    assert _core.Scanner(json.dumps(data))  # look-around patterns and payload entries included


def test_no_entry_is_left_to_python():
    """The core runs every entry: no entry carries a flag handing it back; it makes the
    findings, so each rule carries its message template, slug, policy and what to do
    instead (FORMAT 3)."""
    pack = load_pack()
    data = packdata.pack_data(pack, Selection().chooses)
    assert data["format"] == 3
    vg101 = next(r for r in data["rules"] if r["id"] == "VG101")
    rule = next(r for r in pack.rules if r.id == "VG101")
    assert (vg101["slug"], vg101["policy"], vg101["message"]) == (rule.slug, rule.policy, rule.message)
    assert vg101["instead"] == rule.description["instead"] and "{{" in vg101["message"]
    assert not any("python" in e for e in data["entries"])
    assert {"payload", "pattern", "command", "url", "context", "sequence", "require"} <= {
        e["kind"] for e in data["entries"]}


def test_a_selection_marks_the_rules_that_run():
    data = packdata.pack_data(load_pack(), Selection(("VG1",)).chooses)
    chosen = {r["id"] for r in data["rules"] if r["chosen"]}
    assert chosen and all(i.startswith("VG1") for i in chosen)


@pytest.mark.parametrize("text, says", [
    ("not json", "not JSON"),
    ('{"format": 99}', "format"),
    ('{"format": 1}', "format"),
    ('{"format": 2}', "format"),
    ('{"format": 3, "rules": [], "entries": [{"rule": 3}]}', "entries[0]"),
])
def test_bad_pack_data_is_a_clear_error(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        _core.Scanner(text)
