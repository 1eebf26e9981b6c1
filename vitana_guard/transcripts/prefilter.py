"""Which files and JSONL records are worth parsing: a multi-literal scan of raw bytes.

Violations are rare; parsing every record of a gigabyte transcript costs far more
than finding the few that mention a rule's keyword. A block of lines is scanned
once for every keyword at the same time; only the lines holding a hit are parsed.

What keeps it honest:
- a line holding a JSON escape (`\\u0067cloud`, `https:\\/\\/`) is always parsed:
  the raw bytes of an escaped keyword do not spell it;
- a line not shaped like a JSON object (`{...}`), including a truncated last line,
  is always parsed, so it is reported as unreadable rather than skipped in silence;
- the keywords are every selected rule's keywords plus the pack's
  `transcript_markers` (approvals, tool failures, denials, session records);
  if any selected rule has no keywords there is no prefilter at all.
"""
from __future__ import annotations

from vitana_guard._core import RecordFilter


class Prefilter:
    """`candidates(block)`: offsets of the starts of the lines to parse in `block`
    (a run of whole lines), sorted. The scan itself is the core's (one Aho-Corasick
    pass over the block, see crates/vitana_core/src/records.rs)."""

    def __init__(self, keywords: list[str], jobs: int = 1):
        self.keywords = sorted({k.lower() for k in keywords if k})
        # processes that may share one big file, kept for callers that pass it: the core
        # reads a file in one pass (the Python readers split one; they are deleted)
        self.jobs = jobs
        # built on first use: a tree's scan hands only the keywords to the core, whose
        # batch builds its own (an automaton is a few million instructions to build)
        self._built: RecordFilter | None = None

    def __reduce__(self):
        return Prefilter, (self.keywords, self.jobs)

    @property
    def _filter(self) -> RecordFilter:
        if self._built is None:
            self._built = RecordFilter(self.keywords)
        return self._built

    def any_hit(self, data: bytes) -> bool:
        """Whether `data` holds any keyword or a JSON escape (a whole file's gate)."""
        return self._filter.any_hit(data)

    def candidates(self, block: bytes) -> list[int]:
        return self._filter.candidates(block)
