"""The Python original of the HTTP rebuild, kept ONLY as the oracle of
tests/test_parity_http.py (the public module runs the Rust core). Do not import it
elsewhere.

Reconstruct HTTP requests from what issues them.

Three pure entry points:

- `request_from_command(cmd)`: a curl / wget / httpie / xh command line -> `Request`;
- `requests_from_http_block(text)`: the content of a ```http fence or a `.http` file;
- `parse_json_lenient(body)`: JSON where template placeholders (`<PR_NUMBER>`,
  `{{var}}`, `${VAR}`, `$VAR`, `...`) read as the `UNKNOWN` value.

Nothing here runs, fetches or reads anything: bodies read from files (`-d @x.json`)
are unknown (`body=None`, `json=UNKNOWN`).
"""
from __future__ import annotations

import json as _json
import re
from itertools import accumulate
from json.decoder import JSONDecodeError, scanstring
from typing import Any
from urllib.parse import quote, urlencode

from vitana_guard.model import Command, Request, Word

__all__ = [
    "UNKNOWN",
    "MAX_DEPTH",
    "parse_json_lenient",
    "request_from_command",
    "requests_from_http_block",
]


# --------------------------------------------------------------------------- UNKNOWN


# The one UNKNOWN: the public module's, so results of both compare equal.
from vitana_guard.normalize.http import UNKNOWN  # noqa: E402

MAX_DEPTH = 500  # deepest JSON nesting accepted


# --------------------------------------------------------------------------- JSON

# A whole JSON string value that is only a placeholder: "<feature-branch-name>".
_PLACEHOLDER = (
    r"<[^<>\n]+>"
    r"|\{\{[^{}\n]*\}\}"
    r"|\$\{[^{}\n]*\}"
    r"|\$\([^()\n]*\)"
    r"|\$[A-Za-z_][A-Za-z0-9_]*"
    r"|\.\.\.|\u2026"
)
_PLACEHOLDER_STRING = re.compile(rf"\s*(?:{_PLACEHOLDER})\s*")
# Somewhere in a text, a quoted string that may be a placeholder (cheap pre-test).
_QUOTED_PLACEHOLDER = re.compile(r'"\s*(?:<|\{\{|\$|\.\.\.|\u2026)')
# A bare placeholder in value position, possibly glued to word characters: PR_<N>.
_BARE = re.compile(rf"[\w.\-]*(?:{_PLACEHOLDER})(?:{_PLACEHOLDER}|[\w.\-/]+)*")
_ELLIPSIS = re.compile(r"\.\.\.|\u2026")
_WS = re.compile(r"(?:[ \t\n\r\f\v\ufeff]+|//[^\n]*|/\*.*?\*/)*", re.S)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_WORDCHAR = re.compile(r"[\w$.\-]")
_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}

_DECODER = _json.JSONDecoder()


class _JSONError(Exception):
    def __init__(self, pos: int, what: str) -> None:
        super().__init__(what)
        self.pos = pos
        self.what = what


def _where(text: str, pos: int) -> str:
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {column}"


def _max_depth_bound(text: str) -> int:
    """An upper bound of the nesting depth (brackets outside strings; comments count)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets:
        return 0
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)))


def parse_json_lenient(body: str) -> tuple[Any, str | None]:
    """Parse `body` as JSON, reading template placeholders as `UNKNOWN`.

    Returns `(value, None)`, or `(None, error)` where error says what and where
    ("line 3 column 14: expected ',' or '}'"). Beyond standard JSON: bare
    placeholders `<X>`, `{{x}}`, `${X}`, `$X`, `$(...)`, `...` as values and strings
    that are wholly a placeholder (`"<branch>"`) are `UNKNOWN`; `...` standing for
    elided object members is skipped; trailing commas and `//` / `/* */` comments
    are tolerated. Never recurses: nesting deeper than `MAX_DEPTH` is an error.
    """
    if not isinstance(body, str):
        return None, "body is not text"
    shallow = _max_depth_bound(body) <= MAX_DEPTH
    value: Any = None
    done = False
    if shallow:
        try:
            value = _json.loads(body)
            done = True
        except (ValueError, RecursionError):
            pass
    if not done:
        try:
            value = _Parser(body, use_c=shallow).parse()
        except _JSONError as e:
            return None, f"{_where(body, e.pos)}: {e.what}"
    if _QUOTED_PLACEHOLDER.search(body):
        value = _unknown_strings(value)
    return value, None


def _is_placeholder_string(s: str) -> bool:
    return len(s) < 400 and _PLACEHOLDER_STRING.fullmatch(s) is not None


def _unknown_strings(value: Any) -> Any:
    """Replace string values that are wholly a placeholder with UNKNOWN (iteratively)."""
    if isinstance(value, str):
        return UNKNOWN if _is_placeholder_string(value) else value
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, str):
                    if _is_placeholder_string(v):
                        node[k] = UNKNOWN
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    if _is_placeholder_string(v):
                        node[i] = UNKNOWN
                elif isinstance(v, (dict, list)):
                    stack.append(v)
    return value


def _string_error(e: JSONDecodeError) -> _JSONError:
    msg = e.msg
    for cut in (" starting at", " at"):
        if msg.endswith(cut):
            msg = msg[: -len(cut)]
    msg = msg[:1].lower() + msg[1:]
    if msg.startswith("unterminated string"):
        msg = "unterminated string"
    return _JSONError(e.pos, msg)


class _Parser:
    """Iterative lenient JSON parser (explicit stack, no recursion).

    Containers are first handed to the C scanner (fast for the strict parts of a
    big body); when one fails, it is parsed here member by member. At most three
    C attempts may fail at the same place, so the work stays linear.
    """

    def __init__(self, text: str, use_c: bool) -> None:
        self.text = text
        self.use_c = use_c
        self.fail_at = -1
        self.fail_count = 0

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    def try_c(self, pos: int) -> tuple[Any, int] | None:
        if not self.use_c or (pos < self.fail_at and self.fail_count >= 3):
            return None
        try:
            return _DECODER.scan_once(self.text, pos)
        except (StopIteration, ValueError, RecursionError) as e:
            at = getattr(e, "pos", None)
            if not isinstance(at, int):
                at = e.value if isinstance(e, StopIteration) else pos
            if at == self.fail_at:
                self.fail_count += 1
            elif at > self.fail_at:
                self.fail_at, self.fail_count = at, 1
            return None

    def scalar(self, pos: int) -> tuple[Any, int]:
        text = self.text
        c = text[pos] if pos < len(text) else ""
        if c == '"':
            try:
                return scanstring(text, pos + 1, True)
            except JSONDecodeError as e:
                raise _string_error(e) from None
        if c in "tfn":
            for word, val in (("true", True), ("false", False), ("null", None)):
                if text.startswith(word, pos):
                    end = pos + len(word)
                    if not (end < len(text) and _WORDCHAR.match(text, end)):
                        return val, end
        m = _BARE.match(text, pos)
        if m:
            return UNKNOWN, m.end()
        m = _NUMBER.match(text, pos)
        if m and not (m.end() < len(text) and _WORDCHAR.match(text, m.end())):
            s = m.group()
            try:
                if m.group(1) or m.group(2):
                    return float(s), m.end()
                return int(s), m.end()
            except ValueError:
                raise _JSONError(pos, "number too long") from None
        if not c:
            raise _JSONError(pos, "expected a value, found the end of the body")
        return self.bad_value(pos)

    def bad_value(self, pos: int) -> tuple[Any, int]:
        text = self.text
        m = re.compile(r"[^\s,:\[\]{}\"]{1,30}").match(text, pos)
        found = m.group() if m else text[pos]
        if found[:1] == "'":
            raise _JSONError(pos, "expected a value: strings take double quotes, found '")
        raise _JSONError(pos, f"expected a value, found {found!r}")

    def parse(self) -> Any:
        text = self.text
        n = len(text)
        # stack entries: [container, pending key]; state: what is expected next
        stack: list[list[Any]] = []
        root: Any = None
        state = "value"
        pos = self.ws(0)
        if pos >= n:
            raise _JSONError(pos, "empty body")
        while True:
            pos = self.ws(pos)
            c = text[pos] if pos < n else ""
            if state == "value":
                if c in "{[" and not text.startswith("{{", pos):
                    got = self.try_c(pos)
                    if got is not None:
                        value, pos = got
                    else:
                        if len(stack) >= MAX_DEPTH:
                            raise _JSONError(pos, f"nesting deeper than {MAX_DEPTH} levels")
                        container: Any = {} if c == "{" else []
                        self.attach(stack, container)
                        if not stack:
                            root = container
                        stack.append([container, None])
                        pos += 1
                        state = "key_or_close" if c == "{" else "value_or_close"
                        continue
                else:
                    value, pos = self.scalar(pos)
                if not stack:
                    root = value
                    state = "end"
                else:
                    self.attach(stack, value)
                    state = "after"
            elif state in ("key_or_close", "key"):
                if c == "}":
                    stack.pop()
                    pos += 1
                    state = "after" if stack else "end"
                elif c == '"':
                    try:
                        key, pos = scanstring(text, pos + 1, True)
                    except JSONDecodeError as e:
                        raise _string_error(e) from None
                    pos = self.ws(pos)
                    if pos >= n or text[pos] != ":":
                        raise _JSONError(pos, "expected ':' after the key")
                    pos += 1
                    stack[-1][1] = key
                    state = "value"
                elif _ELLIPSIS.match(text, pos):
                    pos = _ELLIPSIS.match(text, pos).end()  # elided members
                    state = "after"
                elif not c:
                    raise _JSONError(pos, "expected a string key or '}', found the end of the body")
                else:
                    what = "a string key or '}'"
                    if c == "'":
                        what += " (keys take double quotes)"
                    raise _JSONError(pos, f"expected {what}, found {text[pos]!r}")
            elif state == "value_or_close":
                if c == "]":
                    stack.pop()
                    pos += 1
                    state = "after" if stack else "end"
                else:
                    state = "value"
            elif state == "after":
                closer = "}" if isinstance(stack[-1][0], dict) else "]"
                if c == ",":
                    pos += 1
                    state = "key_or_close" if closer == "}" else "value_or_close"
                elif c == closer:
                    stack.pop()
                    pos += 1
                    state = "after" if stack else "end"
                elif not c:
                    raise _JSONError(pos, f"expected ',' or '{closer}', found the end of the body")
                else:
                    raise _JSONError(pos, f"expected ',' or '{closer}'")
            else:  # end
                if pos < n:
                    raise _JSONError(pos, "unexpected text after the JSON value")
                return root

    @staticmethod
    def attach(stack: list[list[Any]], value: Any) -> None:
        if not stack:
            return
        container, key = stack[-1]
        if isinstance(container, dict):
            container[key] = value
        else:
            container.append(value)


# --------------------------------------------------------------------------- shell words

_HEREDOC_SUBST = re.compile(
    r"\$\(\s*cat\s*<<-?\s*(['\"]?)([A-Za-z_][\w-]*)\1[ \t]*\n(.*?)\n[ \t]*\2[ \t]*\n?\s*\)", re.S
)
_WHOLE_OPAQUE = re.compile(r"\s*(?:\$\{[^{}]*\}|\$[A-Za-z_]\w*|\$\((?s:.*)\)|`[^`]*`|<[^<>\n]+>)\s*")


def _unquote(raw: str) -> str:
    """Shell quote removal that keeps expansions (`$VAR`, `${X}`, `$(...)`) as text."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j
            out.append(raw[i + 1 : j])
            i = j + 1
        elif c == "$" and raw.startswith("$'", i):
            i += 2
            while i < n and raw[i] != "'":
                if raw[i] == "\\" and i + 1 < n:
                    e = raw[i + 1]
                    out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(e, e))
                    i += 2
                else:
                    out.append(raw[i])
                    i += 1
            i += 1
        elif c == '"':
            i += 1
            while i < n and raw[i] != '"':
                if raw[i] == "\\" and i + 1 < n and raw[i + 1] in '$`"\\\n':
                    out.append("" if raw[i + 1] == "\n" else raw[i + 1])
                    i += 2
                elif raw.startswith("$(", i):
                    j = _subst_end(raw, i)
                    out.append(raw[i:j])
                    i = j
                else:
                    out.append(raw[i])
                    i += 1
            i += 1
        elif c == "\\":
            if i + 1 < n and raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
        elif raw.startswith("$(", i):
            j = _subst_end(raw, i)
            out.append(raw[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _subst_end(raw: str, i: int) -> int:
    """End of the `$(...)` starting at `i` (balanced parentheses, quotes skipped)."""
    depth, j, n = 0, i + 1, len(raw)
    quote_char = ""
    while j < n:
        c = raw[j]
        if quote_char:
            if c == "\\" and quote_char == '"':
                j += 1
            elif c == quote_char:
                quote_char = ""
        elif c in "'\"":
            quote_char = c
        elif c == "\\":
            j += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return n


def _text(word: Word) -> str:
    """A word's value, or for a non-literal word its text with quotes removed."""
    return word.value if word.value is not None else _unquote(word.raw)


def _body_text(text: str) -> str:
    """`"$(cat <<'EOF' ... EOF)"` -> the here-document; other text unchanged."""
    m = _HEREDOC_SUBST.fullmatch(text.strip())
    return m.group(3) if m else text


# --------------------------------------------------------------------------- option scanning


def _scan(
    args: tuple[Word, ...],
    short_arg: str,
    short_names: dict[str, str],
    long_arg: frozenset[str],
    prefix_flags: tuple[str, ...] = (),
) -> tuple[list[tuple[str, str | None, Word]], list[Word]]:
    """Split argv into options `(name, argument, word)` and positional words.

    Short options are reported under their long name when `short_names` has one
    (`-X` -> `request`); long options without the dashes. Combined flags
    (`-sX POST`, `-XPOST`) and `--opt=value` are understood.
    """
    opts: list[tuple[str, str | None, Word]] = []
    pos: list[Word] = []
    i, n = 0, len(args)
    only_positional = False
    while i < n:
        w = args[i]
        t = _text(w)
        i += 1
        if only_positional or not t.startswith("-") or t == "-":
            pos.append(w)
            continue
        if t == "--":
            only_positional = True
            continue
        if t.startswith("--"):
            name, eq, val = t[2:].partition("=")
            if eq:
                opts.append((name, val, w))
            elif name in long_arg and i < n:
                opts.append((name, _text(args[i]), args[i]))
                i += 1
            else:
                opts.append((name, None, w))
            continue
        if prefix_flags and t.startswith(prefix_flags):
            opts.append((t[1:], None, w))  # wget -nv, -nc, ...
            continue
        j = 1
        while j < len(t):
            ch = t[j]
            name = short_names.get(ch, ch)
            if ch in short_arg:
                rest = t[j + 1 :]
                if rest:
                    opts.append((name, rest, w))
                elif i < n:
                    opts.append((name, _text(args[i]), args[i]))
                    i += 1
                else:
                    opts.append((name, None, w))
                break
            opts.append((name, None, w))
            j += 1
    return opts, pos


def _header(text: str) -> tuple[str, str] | None:
    name, sep, value = text.partition(":")
    if not sep:
        if text.endswith(";"):
            return text[:-1].strip(), ""
        return None
    return name.strip(), value.strip()


def _is_json_type(headers: tuple[tuple[str, str], ...]) -> bool:
    for name, value in reversed(headers):
        if name.lower() == "content-type":
            return "json" in value.lower()
    return False


def _decode_body(
    body: str | None, headers: tuple[tuple[str, str], ...], json_hint: bool = False
) -> tuple[Any, str | None]:
    """(json, body_error) for a body: parsed when it looks like JSON or is said to be."""
    if body is None:
        return None, None
    if _WHOLE_OPAQUE.fullmatch(body):
        return UNKNOWN, None
    declared = json_hint or _is_json_type(headers)
    if body.lstrip()[:1] in ("{", "[") or declared:
        return parse_json_lenient(body)
    return None, None


# --------------------------------------------------------------------------- curl

_CURL_SHORT_ARG = "AbcCdDeEFHKmoPQrtTuUwxXyYz"
_CURL_SHORT_NAMES = {
    "X": "request",
    "H": "header",
    "d": "data",
    "F": "form",
    "G": "get",
    "I": "head",
    "T": "upload-file",
    "K": "config",
}
_CURL_LONG_ARG = frozenset(
    """request header data data-ascii data-binary data-raw data-urlencode json form
    form-string output user user-agent referer cookie cookie-jar max-time
    connect-timeout write-out proxy upload-file config cert cacert capath key range
    continue-at speed-limit speed-time time-cond retry retry-delay retry-max-time
    resolve url url-query oauth2-bearer max-redirs limit-rate proxy-user interface
    local-port dump-header stderr trace trace-ascii ftp-port quote telnet-option
    unix-socket abstract-unix-socket aws-sigv4 variable connect-to ciphers tls-max
    pinnedpubkey proto proto-redir proto-default noproxy preproxy proxy-header
    request-target cert-type key-type pass crlfile dns-servers doh-url hsts alt-svc
    etag-compare etag-save output-dir create-file-mode max-filesize rate parallel-max
    netrc-file mail-from mail-rcpt mail-auth login-options sasl-authzid service-name
    socks4 socks4a socks5 socks5-hostname socks5-gssapi-service proxy-cacert
    proxy-capath proxy-cert proxy-cert-type proxy-key proxy-key-type proxy-pass
    proxy-ciphers proxy-tls13-ciphers proxy-pinnedpubkey proxy-crlfile proxy-tlsuser
    proxy-tlspassword proxy-tlsauthtype proxy-service-name tlsuser tlspassword
    tlsauthtype tls13-ciphers curves engine krb ftp-account ftp-alternative-to-user
    ftp-method ftp-ssl-ccc-mode delegation random-file egd-file
    happy-eyeballs-timeout-ms keepalive-time expect100-timeout ip-tos vlan-priority
    ech dns-interface dns-ipv4-addr dns-ipv6-addr ssl-sessions trace-config
    expand-data expand-url expand-header expand-output""".split()
)
_CURL_DATA = frozenset({"data", "data-ascii", "data-binary", "data-raw", "data-urlencode", "json"})


def _curl(cmd: Command) -> Request | None:
    opts, positional = _scan(cmd.argv[1:], _CURL_SHORT_ARG, _CURL_SHORT_NAMES, _CURL_LONG_ARG)
    method: str | None = None
    url: str | None = None
    headers: list[tuple[str, str]] = []
    parts: list[str] = []
    unknown_body = False
    json_opt = False
    form = get = head = upload = False
    for name, val, _w in opts:
        if name == "request" and val is not None:
            method = val.upper()
        elif name == "header" and val is not None:
            h = _header(val)
            if h is not None:
                headers.append(h)
        elif name in _CURL_DATA and val is not None:
            val = _body_text(val)
            if name == "json":
                json_opt = True
            if name == "data-urlencode":
                key, eq, content = val.partition("=")
                if eq:
                    parts.append(f"{key}={quote(content, safe='')}" if key else quote(content, safe=""))
                elif "@" in val:
                    unknown_body = True
                else:
                    parts.append(quote(val, safe=""))
            elif val.startswith("@") and name != "data-raw":
                unknown_body = True
            elif name == "json" and parts and not unknown_body:
                parts[-1] += val
            else:
                parts.append(val)
        elif name in ("form", "form-string"):
            form = True
        elif name == "get":
            get = True
        elif name == "head":
            head = True
        elif name == "upload-file":
            upload = True
        elif name == "url" and val is not None and url is None:
            url = val
    if url is None:
        for w in positional:
            url = _text(w)
            break
    if url is None:
        return None
    has_data = bool(parts) or unknown_body
    body: str | None = None
    json_value: Any = None
    error: str | None = None
    if get:
        if parts:
            url += ("&" if "?" in url else "?") + "&".join(parts)
    elif has_data:
        if not unknown_body:
            body = "&".join(parts)
    if json_opt:
        names = {h[0].lower() for h in headers}
        if "content-type" not in names:
            headers.append(("Content-Type", "application/json"))
        if "accept" not in names:
            headers.append(("Accept", "application/json"))
    if not get and (unknown_body or upload):
        json_value = UNKNOWN
    elif body is not None:
        json_value, error = _decode_body(body, tuple(headers), json_opt)
    explicit = method is not None
    if method is None:
        if head:
            method = "HEAD"
        elif get:
            method = "GET"
        elif has_data or form:
            method = "POST"
        elif upload:
            method = "PUT"
        else:
            method = "GET"
    return Request(
        method=method,
        url=url,
        start=cmd.start,
        end=cmd.end,
        headers=tuple(headers),
        body=body,
        json=json_value,
        body_error=error,
        method_explicit=explicit,
    )


# --------------------------------------------------------------------------- wget

_WGET_SHORT_ARG = "aABDeiIlOoPQRtTUwX"
_WGET_LONG_ARG = frozenset(
    """header method body-data body-file post-data post-file output-document
    output-file append-output execute input-file base tries timeout dns-timeout
    connect-timeout read-timeout wait waitretry quota directory-prefix user-agent
    level accept reject domains exclude-domains include-directories
    exclude-directories user password http-user http-password ftp-user ftp-password
    proxy-user proxy-password referer load-cookies save-cookies certificate
    certificate-type private-key private-key-type ca-certificate ca-directory
    secure-protocol limit-rate bind-address restrict-file-names local-encoding
    remote-encoding default-page config rejected-log warc-file accept-regex
    reject-regex regex-type max-redirect progress""".split()
)


def _wget(cmd: Command) -> Request | None:
    opts, positional = _scan(cmd.argv[1:], _WGET_SHORT_ARG, {}, _WGET_LONG_ARG, ("-n",))
    method: str | None = None
    headers: list[tuple[str, str]] = []
    body: str | None = None
    unknown_body = False
    post = False
    for name, val, _w in opts:
        if val is None:
            continue
        if name == "method":
            method = val.upper()
        elif name == "header":
            h = _header(val)
            if h is not None:
                headers.append(h)
        elif name in ("post-data", "body-data"):
            body, unknown_body = _body_text(val), False
            post = post or name == "post-data"
        elif name in ("post-file", "body-file"):
            body, unknown_body = None, True
            post = post or name == "post-file"
    if not positional:
        return None
    url = _text(positional[0])
    explicit = method is not None
    if method is None:
        method = "POST" if post else "GET"
    json_value, error = (UNKNOWN, None) if unknown_body else _decode_body(body, tuple(headers))
    return Request(
        method=method,
        url=url,
        start=cmd.start,
        end=cmd.end,
        headers=tuple(headers),
        body=body,
        json=json_value,
        body_error=error,
        method_explicit=explicit,
    )


# --------------------------------------------------------------------------- httpie / xh

_HTTPIE_SHORT_ARG = "aAopsP"
_HTTPIE_SHORT_NAMES = {"f": "form", "j": "json"}
_HTTPIE_LONG_ARG = frozenset(
    """auth auth-type output session session-read-only print history-print verify
    cert cert-key cert-key-pass proxy timeout max-redirects pretty style
    format-options response-charset response-mime ssl ciphers max-headers boundary
    default-scheme raw bearer resolve interface http-version""".split()
)
# Longest first: at one position the longest separator wins.
_ITEM_SEPARATORS = (":=@", "==", ":=", "=@", "=", "@", ":")
_METHOD_WORD = re.compile(r"[A-Za-z]+")


def _split_item(item: str) -> tuple[str, str, str] | None:
    """httpie `REQUEST_ITEM` -> (key, separator, value); backslash escapes a separator."""
    i, n = 0, len(item)
    key: list[str] = []
    while i < n:
        c = item[i]
        if c == "\\" and i + 1 < n:
            key.append(item[i + 1])
            i += 2
            continue
        for sep in _ITEM_SEPARATORS:
            if item.startswith(sep, i):
                return "".join(key), sep, item[i + len(sep) :]
        key.append(c)
        i += 1
    if item.endswith(";"):
        return item[:-1], ";", ""
    return None


_PATH_TOKEN = re.compile(r"\[([^\[\]]*)\]")


def _set_path(obj: dict[str, Any], key: str, value: Any) -> None:
    """httpie nested-JSON keys: `a[b][0]`, `a[]` (best effort; plain key otherwise)."""
    head, bracket, _ = key.partition("[")
    if not bracket or not key.endswith("]"):
        obj[key] = value
        return
    tokens = _PATH_TOKEN.findall(key[len(head) :])
    if "".join(f"[{t}]" for t in tokens) != key[len(head) :]:
        obj[key] = value
        return
    path: list[str | int | None] = [head]
    for t in tokens:
        path.append(None if t == "" else int(t) if t.isdigit() else t)
    node: Any = obj
    for idx, k in enumerate(path):
        if idx == len(path) - 1:
            _put(node, k, value)
            return
        nxt = path[idx + 1]
        child = _get(node, k)
        if not isinstance(child, (dict, list)):
            child = [] if (nxt is None or isinstance(nxt, int)) else {}
            _put(node, k, child)
        node = child


def _get(node: Any, k: str | int | None) -> Any:
    if k is None:
        return None
    if isinstance(node, dict):
        return node.get(k)
    if isinstance(node, list) and isinstance(k, int) and k < len(node):
        return node[k]
    return None


def _put(node: Any, k: str | int | None, value: Any) -> None:
    if isinstance(node, list):
        if k is None or not isinstance(k, int):
            node.append(value)
        else:
            while len(node) <= k:
                node.append(None)
            node[k] = value
    else:
        node[k if k is not None else ""] = value


def _httpie(cmd: Command) -> Request | None:
    opts, positional = _scan(cmd.argv[1:], _HTTPIE_SHORT_ARG, _HTTPIE_SHORT_NAMES, _HTTPIE_LONG_ARG)
    form = False
    raw: str | None = None
    for name, val, _w in opts:
        if name in ("form", "multipart"):
            form = True
        elif name == "json":
            form = False
        elif name == "raw" and val is not None:
            raw = _body_text(val)
    if not positional:
        return None
    method: str | None = None
    words = [_text(w) for w in positional]
    if len(words) >= 2 and _METHOD_WORD.fullmatch(words[0]):
        method = words[0].upper()
        words = words[1:]
    url, items = words[0], words[1:]
    headers: list[tuple[str, str]] = []
    fields: dict[str, Any] = {}
    form_fields: list[tuple[str, str]] = []
    has_data = raw is not None
    unknown_body = False
    error: str | None = None
    for item in items:
        split = _split_item(item)
        if split is None:
            continue
        key, sep, val = split
        if sep in (":", ";"):
            headers.append((key, val))
        elif sep == "==":
            pass  # query parameter
        elif sep == "=":
            has_data = True
            field: Any = UNKNOWN if _WHOLE_OPAQUE.fullmatch(val) else val
            if form:
                form_fields.append((key, val))
            else:
                _set_path(fields, key, field)
        elif sep == ":=":
            has_data = True
            parsed, err = parse_json_lenient(val)
            if err is not None and error is None:
                error = f"item {key}:= is not JSON: {err}"
            _set_path(fields, key, parsed if err is None else UNKNOWN)
        else:  # =@, :=@ read a file; @ uploads one
            has_data = True
            if sep == "@":
                form = True
                unknown_body = True
            else:
                _set_path(fields, key, UNKNOWN)
    explicit = method is not None
    if method is None:
        method = "POST" if has_data else "GET"
    body: str | None = None
    json_value: Any = None
    if raw is not None:
        body = raw
        json_value, error = _decode_body(raw, tuple(headers), not form)
    elif form:
        if unknown_body:
            json_value = None
        elif form_fields:
            body = urlencode(form_fields)
    elif fields or error:
        json_value = None if error else fields
        body = _dump_unknown(fields)
    return Request(
        method=method,
        url=url,
        start=cmd.start,
        end=cmd.end,
        headers=tuple(headers),
        body=body,
        json=json_value,
        body_error=error,
        method_explicit=explicit,
    )


def _dump_unknown(value: Any) -> str:
    """JSON text of a value holding UNKNOWN (written as the bare token `<unknown>`)."""
    marker = "\ue000unknown\ue000"

    def default(o: Any) -> Any:
        if o is UNKNOWN:
            return marker
        raise TypeError(type(o).__name__)

    return _json.dumps(value, default=default, ensure_ascii=False).replace(f'"{marker}"', "<unknown>")


# --------------------------------------------------------------------------- dispatch


def _program(cmd: Command) -> str | None:
    prog = cmd.program
    if not prog:
        return None
    prog = prog.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if prog.endswith(".exe"):
        prog = prog[:-4]
    return prog


# Substrings one of which every command `request_from_command` reads contains.
CLIENT_PROGRAMS = ("curl", "wget", "http", "xh")


def request_from_command(cmd: Command) -> Request | None:
    """The HTTP request a curl / wget / httpie / xh command makes, or None."""
    prog = _program(cmd)
    if prog == "curl":
        return _curl(cmd)
    if prog in ("wget", "wget2"):
        return _wget(cmd)
    if prog in ("http", "xh"):
        return _httpie(cmd)
    if prog in ("https", "xhs"):
        return _httpie(cmd)
    return None


# --------------------------------------------------------------------------- .http blocks

_METHODS = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE|CONNECT"
_REQUEST_LINE = re.compile(
    rf"(?i:({_METHODS}))[ \t]+(\S+)(?:[ \t]+HTTP/\d(?:\.\d)?)?[ \t]*"
)
_BARE_URL_LINE = re.compile(
    r"((?:[A-Za-z][A-Za-z0-9+.-]*://|\{\{?[^{}\s]+\}\}?|<[^<>\s]+>|\$\{?\w+\}?|/)\S*)"
    r"(?:[ \t]+HTTP/\d(?:\.\d)?)?[ \t]*"
)
_HEADER_LINE = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*(.*?)[ \t]*")
_SEPARATOR = re.compile(r"###.*")
_COMMENT = re.compile(r"[ \t]*(?:#|//).*")
_CONTINUATION = re.compile(r"[ \t]+([?&/]\S*)[ \t]*")


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, line) for each line, end excluding the newline."""
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        out.append((pos, pos + len(stripped), stripped))
        pos += len(line)
    return out


def _request_line(line: str) -> tuple[str, str, bool] | None:
    m = _REQUEST_LINE.fullmatch(line)
    if m:
        return m.group(1).upper(), m.group(2), True
    m = _BARE_URL_LINE.fullmatch(line)
    if m:
        return "GET", m.group(1), False
    return None


def requests_from_http_block(text: str) -> list[Request]:
    """Requests in the content of a ```http fence or a .http file.

    Each is `METHOD URL [HTTP/1.1]` (a bare URL is a GET), header lines, a blank
    line and a body that runs to a `###` line, or to the next request line after a
    blank line. `start`/`end` span the request in `text`.
    """
    lines = _lines(text)
    requests: list[Request] = []
    i, n = 0, len(lines)
    while i < n:
        start, _end, line = lines[i]
        if not line.strip() or _SEPARATOR.match(line.strip()) or _COMMENT.fullmatch(line):
            i += 1
            continue
        parsed = _request_line(line.strip())
        if parsed is None:
            i += 1
            continue
        method, url, explicit = parsed
        start += len(line) - len(line.lstrip())
        end = _end
        i += 1
        while i < n and (m := _CONTINUATION.fullmatch(lines[i][2])):
            url += m.group(1)
            end = lines[i][1]
            i += 1
        headers: list[tuple[str, str]] = []
        while i < n:
            s, e, line = lines[i]
            if not line.strip() or _SEPARATOR.match(line.strip()):
                break
            m = _HEADER_LINE.fullmatch(line)
            if _COMMENT.fullmatch(line):
                i += 1
            elif m:
                headers.append((m.group(1), m.group(2)))
                end = e
                i += 1
            else:
                break  # a body with no blank line before it
        body_lines: list[tuple[int, int, str]] = []
        previous_blank = True
        while i < n:
            s, e, line = lines[i]
            stripped = line.strip()
            if _SEPARATOR.match(stripped):
                break
            if previous_blank and _REQUEST_LINE.fullmatch(stripped):
                break  # the next request
            if stripped.startswith(("> {%", ">> ", ">>! ", "<> ")):
                break  # JetBrains response handler / redirect
            if stripped or body_lines:
                body_lines.append(lines[i])
            previous_blank = not stripped
            i += 1
        while body_lines and not body_lines[-1][2].strip():
            body_lines.pop()
        body: str | None = None
        json_value: Any = None
        error: str | None = None
        if body_lines:
            b_start, b_end = body_lines[0][0], body_lines[-1][1]
            body = text[b_start:b_end]
            end = b_end
            if len(body_lines) == 1 and body.strip().startswith("< "):
                body, json_value = None, UNKNOWN  # body read from a file
            else:
                json_value, error = _decode_body(body, tuple(headers))
        requests.append(
            Request(
                method=method,
                url=url,
                start=start,
                end=end,
                headers=tuple(headers),
                body=body,
                json=json_value,
                body_error=error,
                method_explicit=explicit,
            )
        )
    return requests
