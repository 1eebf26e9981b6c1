"""`url`: URLs whose host is a candidate (`host_contains`, `host_regex`) and whose
origin (scheme + host) is not in `allow`. Bare Cloud Run hosts count as URLs.

- Placeholders (`<hash>`, `{GATEWAY_URL}`, `${HOST}`, `$VAR`, `...`, `*`, `xxx`) stand
  for values not yet known. A host holding one is judged on its fixed text: when some
  allowed host could fill it in (`gateway-<ID>.a.run.app`, `$GATEWAY_URL`, `gateway...`)
  it is no finding; when its fixed text already rules every allowed host out
  (`vitana-gateway-<hash>-uc.a.run.app`) it is one.
- `ignore_hosts` (globs: the reserved names of RFC 2606/6761) are never a gateway.
- `paths`: only URLs whose path holds one of them (the control plane), whatever their
  host is named (reserved names included); `host_contains` and `ignore_hosts` do not apply.
- A URL with userinfo is judged by its real host: `https://<allowed host>@elsewhere/`
  names an allowed host only to disguise where it goes, and is always a finding.
"""
from __future__ import annotations

import bisect
import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator


from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, as_list, compile_regex

# A URL is anchored on what every URL holds (`://`, or `.run.app` for a bare Cloud
# Run host) and grown from there: no pattern is tried at every position of the text.
_SCHEME = re.compile(r"(?:https?|wss?)\Z", re.IGNORECASE)
# `\.` goes on: a URL in a regex literal (`https://gateway\.corp\.io`) is read whole
_URL_TAIL = re.compile(r"""(?:[^\s'"<>`\\)\]{}|,;]|\\\.)+""")
# a placeholder a URL goes on through (bounded: a stray `<` costs at most 64 characters)
# `<code>`, `</span>` and the like are markup around a URL, not placeholders in it
_TAGS = r"/|(?:a|b|i|u|s|p|br|em|strong|span|code|tt|kbd|pre|li|td|th|div|sub|sup|small|mark)\b"
_TAG = r"(?!" + _TAGS + ")"
_MARKUP = re.compile(r"<(?:" + _TAGS + ")")
_URL_PLACEHOLDER = re.compile(r"<" + _TAG + r"[^<>\s]{1,64}>|\{\{[^{}\n]{1,64}\}\}|\{[^{}\s]{1,64}\}")
_HOST_HEAD = re.compile(r"(?:[A-Za-z0-9.*-]|<" + _TAG + r"[^<>\s]{1,64}>|\{\{?[^{}\s]{1,64}\}\}?|\$\{[^{}\s]{1,64}\}|\$\w)+\Z")
_RUN_APP = re.compile(r"\.run\.app", re.IGNORECASE)
# shell's ${NAME:-word} family: the word may be a URL
_EXPANSION_OPS = (":-", ":=", ":+", ":?")

# placeholders inside a host; `x{3,}` only as a whole part of a label (`gateway-xxx`)
_HOST_PLACEHOLDER = re.compile(
    r"<[^<>]{0,64}>|\{\{?[^{}]{0,64}\}\}?|\$\{[^{}]{0,64}\}|\$\w{1,64}|\.\.\.|…|\*"
    r"|(?<![a-z0-9])x{3,16}(?![a-z0-9])",
    re.IGNORECASE,
)


def find_urls(text: str) -> Iterator[tuple[int, int, str]]:
    spans: list[tuple[int, int]] = []
    i = text.find("://")
    while i >= 0:
        scheme = _SCHEME.search(text, max(0, i - 5), i)
        if scheme and _url_may_start(text, scheme.start()):
            end = _grow(text, i + 3)
            if end > i + 3:
                spans.append((scheme.start(), end))
                i = text.find("://", end)
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
                while start < i and text[start] in "-.":  # `${X:-host.run.app}`: the `-` is shell's
                    start += 1
                spans.append((start, max(_grow(text, i), m.end())))
    for start, end in sorted(spans):
        if text[end : end + 1] in ("{", "$") or (text[end : end + 1] == "<" and _MARKUP.match(text, end) is None):
            continue  # the URL goes on with a placeholder it could not be read through: unknown
        url = text[start:end].rstrip(":")
        if url.endswith(".") and not url.endswith("..."):
            url = url.rstrip(".")
        if url.startswith("."):
            continue
        yield start, start + len(url), url


def _url_may_start(text: str, at: int) -> bool:
    """A scheme starts a URL unless glued to a word (`xhttps://`); after shell's `:-`
    (`${URL:-https://…}`) it does."""
    return at == 0 or not _is_host_char(text[at - 1]) or text[max(0, at - 2) : at] in _EXPANSION_OPS


def _grow(text: str, at: int) -> int:
    """The end of a URL whose rest starts at `at`: URL characters and placeholders."""
    while True:
        m = _URL_TAIL.match(text, at) or _URL_PLACEHOLDER.match(text, at)
        if not m or m.end() == at:
            return at
        at = m.end()


def _is_host_char(c: str) -> bool:
    return c.isalnum() or c in "_.-"


@dataclass(frozen=True)
class Url:
    scheme: str  # lowered; "" for a bare host
    host: str  # lowered, placeholders kept; "" when there is none
    userinfo: str
    path: str  # from the first "/" after the authority ("" when none)

    @property
    def templated(self) -> bool:
        return bool(_HOST_PLACEHOLDER.search(self.host))


@lru_cache(maxsize=4096)  # documents repeat their URLs
def parse(url: str) -> Url:
    has_scheme = "://" in url
    scheme, rest = url.split("://", 1) if has_scheme else ("", url)
    cut = len(rest)
    for sep in "/?#":
        j = rest.find(sep)
        if 0 <= j < cut:
            cut = j
    authority, path = rest[:cut].replace("\\.", "."), rest[cut:]
    userinfo, _, hostport = authority.rpartition("@")
    host = hostport
    if host.startswith("["):  # an IPv6 literal (or a stray "["): never a gateway's name
        host = host[1:].split("]", 1)[0]
    elif ":" in host:
        host = host.rsplit(":", 1)[0]  # a port, placeholders included (`:${PORT}`)
    return Url(scheme.lower(), host.lower().rstrip(".") if not host.endswith("...") else host.lower(),
               userinfo, path)


@lru_cache(maxsize=1024)
def _host_pattern(host: str) -> re.Pattern:
    """A templated host as a full-match pattern: fixed text literal, placeholders any text."""
    return re.compile(".*".join(re.escape(p) for p in _HOST_PLACEHOLDER.split(host)), re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class UrlMatcher:
    host_contains: tuple[str, ...]
    host_regex: regex.Pattern | None
    allow: frozenset[tuple[str, str]]  # (scheme, host)
    allow_hosts: frozenset[str]
    ignore_hosts: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    unit = "text"

    def match(self, text: str) -> Iterator[Hit]:
        for start, end, url in find_urls(text):
            if self._judge(url):
                yield Hit(start, end, {"url": url, "host": parse(url).host})

    def _judge(self, url: str) -> bool:
        u = parse(url)
        if not u.host:
            return False
        if u.userinfo and self._names_allowed_or_candidate(u.userinfo.lower()) and not self._allowed(u):
            return True  # `https://<canonical>@elsewhere/`: its real host decides, and it is not allowed
        if self.paths:  # the control plane, whatever the host is named
            if not any(p in u.path for p in self.paths):
                return False
        else:
            fixed = "".join(_HOST_PLACEHOLDER.split(u.host)) if u.templated else u.host
            if not self._candidate(fixed):
                return False
            if any(fnmatch.fnmatchcase(u.host, g) for g in self.ignore_hosts):
                return False
        if u.templated:
            return not self._could_be_allowed(u)
        return not self._allowed(u)

    def _allowed(self, u: Url) -> bool:
        return (u.scheme, u.host) in self.allow if u.scheme else u.host in self.allow_hosts

    def _candidate(self, host: str) -> bool:
        return any(c in host for c in self.host_contains) or (
            self.host_regex is not None and bool(self.host_regex.search(host, timeout=REGEX_TIMEOUT)))

    def _names_allowed_or_candidate(self, userinfo: str) -> bool:
        return any(h and h in userinfo for h in self.allow_hosts) or self._candidate(userinfo)

    def _could_be_allowed(self, u: Url) -> bool:
        """Whether an allowed origin can fill in the placeholders of a templated host."""
        pattern = _host_pattern(u.host)
        if u.scheme:
            return any(s == u.scheme and pattern.fullmatch(h) for s, h in self.allow)
        return any(pattern.fullmatch(h) for h in self.allow_hosts)


def compile(spec: dict, params: dict, where: str, line: int | None) -> UrlMatcher:
    allowed = [parse(u) for u in as_list(spec.get("allow"))]
    return UrlMatcher(
        host_contains=tuple(c.lower() for c in as_list(spec.get("host_contains"))),
        host_regex=compile_regex(spec["host_regex"], where, line, ignore_case=True) if spec.get("host_regex") else None,
        allow=frozenset((u.scheme, u.host) for u in allowed),
        allow_hosts=frozenset(u.host for u in allowed),
        ignore_hosts=tuple(str(g).lower() for g in as_list(spec.get("ignore_hosts"))),
        paths=tuple(str(p) for p in as_list(spec.get("paths"))),
    )
