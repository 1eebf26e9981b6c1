"""`url`: URLs whose host is a candidate (`host_contains`, `host_regex`) and whose
origin (scheme + host) is not in `allow`. Bare Cloud Run hosts count as URLs.
URLs holding placeholders (`<ID>`, `{GATEWAY_URL}`, `$VAR`) are unknown values."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator
from urllib.parse import urlsplit

import regex

from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, as_list, compile_regex

_STOP = r"""[^\s'"<>`\\)\]}|,;]"""
SCHEME_URL_RE = regex.compile(r"(?i)(?<![\w.-])(?:https?|wss?)://" + _STOP + "+")
# a bare Cloud Run host: found from its `.run.app` suffix, never by trying every word
BARE_HOST_RE = regex.compile(r"(?i)(?<![\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.run\.app\b" + _STOP + "*")
_PLACEHOLDER = regex.compile(r"[<>{}$]")
_RUN_APP = regex.compile(r"(?i)\.run\.app")


def find_urls(text: str) -> Iterator[tuple[int, int, str]]:
    spans = []
    if "://" in text:
        spans += [(m.start(), m.end()) for m in SCHEME_URL_RE.finditer(text, timeout=REGEX_TIMEOUT)]
    if _RUN_APP.search(text):
        taken = list(spans)
        for m in BARE_HOST_RE.finditer(text, timeout=REGEX_TIMEOUT):
            if not any(s <= m.start() < e for s, e in taken):
                spans.append((m.start(), m.end()))
    for start, end in sorted(spans):
        if text[end : end + 1] in ("<", "{", "$"):
            continue  # the URL goes on with a placeholder: an unknown value
        url = text[start:end].rstrip(".:")
        yield start, start + len(url), url


@dataclass(frozen=True)
class UrlMatcher:
    host_contains: tuple[str, ...]
    host_regex: regex.Pattern | None
    allow: frozenset[tuple[str, str]]  # (scheme, host)
    allow_hosts: frozenset[str]
    unit = "text"

    def match(self, text: str) -> Iterator[Hit]:
        for start, end, url in find_urls(text):
            has_scheme = "://" in url
            parts = urlsplit(url if has_scheme else "https://" + url)
            host = (parts.hostname or "").lower()
            if not host or _PLACEHOLDER.search(url.split("/", 3)[2] if has_scheme else url.split("/", 1)[0]):
                continue
            if not (
                any(c in host for c in self.host_contains)
                or (self.host_regex is not None and self.host_regex.search(host, timeout=REGEX_TIMEOUT))
            ):
                continue
            if has_scheme and (parts.scheme.lower(), host) in self.allow:
                continue
            if not has_scheme and host in self.allow_hosts:
                continue
            yield Hit(start, end, {"url": url, "host": host})


def compile(spec: dict, params: dict, where: str, line: int | None) -> UrlMatcher:
    allowed = [urlsplit(u) for u in as_list(spec.get("allow"))]
    return UrlMatcher(
        host_contains=tuple(c.lower() for c in as_list(spec.get("host_contains"))),
        host_regex=compile_regex(spec["host_regex"], where, line, ignore_case=True) if spec.get("host_regex") else None,
        allow=frozenset((u.scheme.lower(), (u.hostname or "").lower()) for u in allowed),
        allow_hosts=frozenset((u.hostname or "").lower() for u in allowed),
    )
