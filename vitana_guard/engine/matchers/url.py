"""`url`: URLs whose host is a candidate (`host_contains`, `host_regex`) and whose
origin (scheme + host) is not in `allow`. Bare Cloud Run hosts count as URLs.
URLs holding placeholders (`<ID>`, `{GATEWAY_URL}`, `$VAR`) are unknown values."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator
from urllib.parse import urlsplit

import bisect
import re

import regex

from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, as_list, compile_regex

# A URL is anchored on what every URL holds (`://`, or `.run.app` for a bare Cloud
# Run host) and grown from there: no pattern is tried at every position of the text.
_SCHEME = re.compile(r"(?:https?|wss?)\Z", re.IGNORECASE)
_URL_TAIL = re.compile(r"""[^\s'"<>`\\)\]}|,;]+""")
_HOST_HEAD = re.compile(r"[A-Za-z0-9.-]+\Z")
_PLACEHOLDER = re.compile(r"[<>{}$]")
_RUN_APP = re.compile(r"\.run\.app", re.IGNORECASE)
_BAD_AUTHORITY = re.compile(r"^\[|\]?(?::\d*)?$")  # brackets and a port around a host


def find_urls(text: str) -> Iterator[tuple[int, int, str]]:
    spans: list[tuple[int, int]] = []
    i = text.find("://")
    while i >= 0:
        scheme = _SCHEME.search(text, max(0, i - 5), i)
        if scheme and (scheme.start() == 0 or not _is_host_char(text[scheme.start() - 1])):
            tail = _URL_TAIL.match(text, i + 3)
            if tail:
                spans.append((scheme.start(), tail.end()))
                i = text.find("://", tail.end())
                continue
        i = text.find("://", i + 3)
    scheme_spans = list(spans)  # sorted by start, not overlapping
    for m in _RUN_APP.finditer(text):
        i = m.start()
        k = bisect.bisect_right(scheme_spans, (i, len(text) + 1)) - 1
        if k < 0 or not scheme_spans[k][0] <= i < scheme_spans[k][1]:
            head = _HOST_HEAD.search(text, max(0, i - 253), i)
            start = head.start() if head else i
            if start == 0 or not _is_host_char(text[start - 1]):
                tail = _URL_TAIL.match(text, i)
                spans.append((start, tail.end() if tail else m.end()))
    for start, end in sorted(spans):
        if text[end : end + 1] in ("<", "{", "$"):
            continue  # the URL goes on with a placeholder: an unknown value
        url = text[start:end].rstrip(".:")
        if url.startswith("."):
            continue
        yield start, start + len(url), url


def _is_host_char(c: str) -> bool:
    return c.isalnum() or c in "_.-"


@dataclass(frozen=True)
class UrlMatcher:
    host_contains: tuple[str, ...]
    host_regex: regex.Pattern | None
    allow: frozenset[tuple[str, str]]  # (scheme, host)
    allow_hosts: frozenset[str]
    unit = "text"

    def match(self, text: str) -> Iterator[Hit]:
        for start, end, url in find_urls(text):
            scheme, host = _origin(url)
            if not host:
                continue
            if not (
                any(c in host for c in self.host_contains)
                or (self.host_regex is not None and self.host_regex.search(host, timeout=REGEX_TIMEOUT))
            ):
                continue
            if scheme and (scheme, host) in self.allow:
                continue
            if not scheme and host in self.allow_hosts:
                continue
            yield Hit(start, end, {"url": url, "host": host})


@lru_cache(maxsize=4096)  # documents repeat their URLs, and urlsplit is the costly step
def _origin(url: str) -> tuple[str, str]:
    """(scheme lowered, "" for a bare host; host lowered, "" when there is none or it
    holds a placeholder)."""
    has_scheme = "://" in url
    authority = url.split("/", 3)[2] if has_scheme else url.split("/", 1)[0]
    if _PLACEHOLDER.search(authority):
        return "", ""
    try:
        parts = urlsplit(url if has_scheme else "https://" + url)
        host = (parts.hostname or "").lower()
    except ValueError:  # "http://[host/…": no valid IPv6 literal, but a host all the same
        host = _BAD_AUTHORITY.sub("", authority.rsplit("@", 1)[-1]).lower()
    return (url.split(":", 1)[0].lower() if has_scheme else ""), host


def compile(spec: dict, params: dict, where: str, line: int | None) -> UrlMatcher:
    allowed = [urlsplit(u) for u in as_list(spec.get("allow"))]
    return UrlMatcher(
        host_contains=tuple(c.lower() for c in as_list(spec.get("host_contains"))),
        host_regex=compile_regex(spec["host_regex"], where, line, ignore_case=True) if spec.get("host_regex") else None,
        allow=frozenset((u.scheme.lower(), (u.hostname or "").lower()) for u in allowed),
        allow_hosts=frozenset((u.hostname or "").lower() for u in allowed),
    )
