"""`rules test`: every rule's examples must (not) match, run through the real pipeline.

An example is written to a scratch file named by its `path` (default: a shell
script for command/request rules, a text file otherwise) and scanned like any
file, so classification, transcript reading and the engine are all exercised.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from vitana_guard.engine.rules import Example, Rule, RulePack
from vitana_guard.model import Channel
from vitana_guard.pipeline import ScanOptions, scan_file
from vitana_guard.sources.files import FileEntry


@dataclass(frozen=True)
class ExampleFailure:
    rule: Rule
    example: Example
    found: tuple[str, ...]  # messages of the findings of that rule

    def describe(self) -> str:
        want = "should match" if self.example.expect_match else "should not match"
        where = f"{self.rule.source}:{self.example.line}" if self.example.line else self.rule.source
        text = self.example.text if len(self.example.text) < 160 else self.example.text[:157] + "..."
        extra = f" (found: {self.found[0]})" if self.found else ""
        return f"{where}: {self.rule.id} {want}: {text!r}{extra}"


def default_path(rule: Rule) -> str:
    return "example.sh" if rule.channels & {Channel.COMMAND, Channel.REQUEST} else "example.txt"


def run_examples(pack: RulePack, rules: list[Rule] | None = None) -> tuple[int, list[ExampleFailure]]:
    """(number of examples run, failures)."""
    failures: list[ExampleFailure] = []
    count = 0
    with tempfile.TemporaryDirectory(prefix="vg-examples-") as scratch:
        for rule in rules if rules is not None else pack.rules:
            options = ScanOptions(select=(rule.id,))
            for i, example in enumerate(rule.examples):
                count += 1
                rel = example.path or default_path(rule)
                path = os.path.join(scratch, f"{rule.id}-{i}", rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                data = example.text.encode("utf-8", "surrogatepass")  # a YAML "\ud800" is text too
                with open(path, "wb") as f:
                    f.write(data)
                entry = FileEntry(path=path, display_path=rel, size=len(data))
                found, _, _ = scan_file(pack, options, entry)
                hits = tuple(f.message for f in found if f.rule_id == rule.id and f.suppression is None)
                if bool(hits) != example.expect_match:
                    failures.append(ExampleFailure(rule, example, hits))
    return count, failures


__all__ = ["run_examples", "ExampleFailure"]
