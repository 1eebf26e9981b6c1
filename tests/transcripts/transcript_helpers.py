from __future__ import annotations

from pathlib import Path


from vitana_guard.model import Notice, Segment
from vitana_guard.transcripts import read

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str, fmt: str | None = None) -> list:
    path = FIXTURES / name
    return list(read(str(path), name, fmt))


def segs(items, channel: str | None = None) -> list[Segment]:
    return [s for s in items if isinstance(s, Segment) and (channel is None or s.channel.value == channel)]


def notices(items) -> list[Notice]:
    return [n for n in items if isinstance(n, Notice)]


def by_text(items, text: str) -> Segment:
    found = [s for s in segs(items) if s.text == text]
    assert len(found) == 1, (text, [s.text for s in segs(items)])
    return found[0]


