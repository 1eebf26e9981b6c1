"""Which files and JSONL records are worth parsing: a multi-literal scan of raw bytes.

Violations are rare; parsing every record of a gigabyte transcript costs far more
than finding the few that mention a rule's keyword. A block of lines is scanned
once for every keyword at the same time (Hyperscan where its wheel exists, else
one combined regex); only the lines holding a hit are parsed.

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

import re
import threading
from typing import Callable

try:  # x86-64 wheels only; the regex fallback is correct, just slower
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None

# A line whose first non-blank byte is not `{`, or whose last is not `}`.
_BAD_SHAPE = (rb"^[ \t]*[^{ \t\r\n]", rb"[^} \t\r\n][ \t\r]*$")
_ESCAPES = (rb"\\u", rb"\\/")


class Prefilter:
    """`candidates(block)`: offsets of the starts of the lines to parse in `block`
    (a run of whole lines), sorted."""

    def __init__(self, keywords: list[str], jobs: int = 1):
        self.keywords = sorted({k.lower() for k in keywords if k})
        self.jobs = jobs  # processes that may share one big file (see _jsonl._iter_filtered)
        # a Hyperscan database shares one scratch space: scans from several threads
        # (Dask's in-process workers) must take turns
        self._lock = threading.Lock()
        literals = [re.escape(k.encode()) for k in self.keywords] + list(_ESCAPES)
        self._scan: Callable[[bytes], list[int]]
        self._any: Callable[[bytes], bool]
        if hyperscan is not None:
            self._scan = _hyperscan_scanner(literals)
            self._any = _hyperscan_any(literals)
        else:
            self._scan = _regex_scanner(literals)
            words = re.compile(b"|".join(literals), re.IGNORECASE)
            self._any = lambda data: words.search(data) is not None

    def __reduce__(self):  # compiled databases do not pickle; the keywords do
        return Prefilter, (self.keywords, self.jobs)

    def any_hit(self, data: bytes) -> bool:
        """Whether `data` holds any keyword or a JSON escape (a whole file's gate)."""
        with self._lock:
            return self._any(data)

    def candidates(self, block: bytes) -> list[int]:
        starts = set()
        with self._lock:
            offsets = self._scan(block)
        for offset in offsets:
            starts.add(block.rfind(b"\n", 0, offset) + 1)
        return sorted(starts)


def _hyperscan_scanner(literals: list[bytes]) -> Callable[[bytes], list[int]]:
    expressions = literals + list(_BAD_SHAPE)
    flags = [hyperscan.HS_FLAG_CASELESS] * len(literals) + [hyperscan.HS_FLAG_MULTILINE] * len(_BAD_SHAPE)
    db = hyperscan.Database()
    db.compile(expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags)

    def scan(block: bytes) -> list[int]:
        hits: list[int] = []
        # report each line once: after a hit, hits before the line's end add nothing
        def on_match(_id: int, start: int, end: int, _flags: int, _ctx: object) -> None:
            hits.append(max(end - 1, 0))

        db.scan(block, match_event_handler=on_match)
        return hits

    return scan


def _hyperscan_any(literals: list[bytes]) -> Callable[[bytes], bool]:
    db = hyperscan.Database()
    db.compile(expressions=literals, ids=list(range(len(literals))), elements=len(literals),
               flags=[hyperscan.HS_FLAG_CASELESS] * len(literals))

    def stop(*_args: object) -> bool:
        return True  # the first hit settles it

    def any_hit(data: bytes) -> bool:
        try:
            db.scan(data, match_event_handler=stop)
        except hyperscan.ScanTerminated:
            return True
        return False

    return any_hit


def _regex_scanner(literals: list[bytes]) -> Callable[[bytes], list[int]]:
    words = re.compile(b"|".join(literals), re.IGNORECASE)
    shape = re.compile(b"|".join(_BAD_SHAPE), re.MULTILINE)

    def scan(block: bytes) -> list[int]:
        hits = []
        for pattern in (words, shape):
            pos = 0
            while True:
                m = pattern.search(block, pos)
                if m is None:
                    break
                hits.append(m.start())
                end = block.find(b"\n", m.end())
                if end < 0:
                    break
                pos = end + 1  # one hit per line is enough
        return hits

    return scan
