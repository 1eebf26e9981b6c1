"""Mentions are not calls: the part of a command text that would reach something.

VG201/VG202 judge the URLs and repositories a call would reach (curl, wget, httpie,
git clone/remote/fetch/push, gh --repo, and files written that configure a client
such as `.env`), not those a command only mentions: `rg <old host>`, `git grep
<old repo>`, `echo`, a commit message, `sed -i 's|<old>|<canonical>|' .env` (which
writes only the canonical value). `calls_text` returns the segment text with the
words of such mentioning commands blanked (spaces, newlines kept), so offsets and
positions of everything else are unchanged; rules whose entries say
`mentions: false` are matched on it.

Conservative by construction: only the arguments of a known list of programs that
print, search or record text are blanked; anything else (an unknown program, a nested
shell, an assignment, a heredoc body) stays judged. A command substitution inside a
blanked word is restored (`echo "$(curl <old>)"` still calls). `echo`/`printf`/`cat`
whose output goes to a client config file (`>> .env`, `| tee .env`) are not blanked.
"""
from __future__ import annotations

import re

# programs whose arguments are text they print, search or record
_MENTION = frozenset({
    "echo", "printf", "rg", "grep", "egrep", "fgrep", "zgrep", "ag", "ack", "cat", "less", "more", "head",
    "tail", "wc", "sed", "gsed", "awk", "gawk", "diff", "true", ":", "test", "[", "logger", "jq", "yq",
})
_PRINTERS = frozenset({"echo", "printf", "cat"})  # what they print may be written to a file
# git subcommands that only read, search or record text
_GIT_MENTION = frozenset({"grep", "log", "show", "commit", "tag", "diff", "blame", "notes", "status", "shortlog"})
_GH_TEXT_OPTIONS = frozenset({"--body", "-b", "--title", "-t", "--message", "-m", "--subject"})
CLIENT_CONFIG = re.compile(
    r"(?:^|/)(?:\.env(?:\.[\w.-]+)?|[\w.-]+\.env|\.npmrc|\.netrc|\.curlrc|\.wgetrc|\.envrc)$")
_REDIRECT_WORD = re.compile(r"""(?:"[^"]*"|'[^']*'|[^\s;|&()<>])+""")


def redirect_targets(span: str) -> list[str]:
    """The words written to by `>`, `>>`, `>|`, `&>` and `&>>` in one command's text
    (outside quotes: `echo "a > b"` writes nothing)."""
    out = []
    i, n, quote = 0, len(span), ""
    while i < n:
        c = span[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"':
                i += 1
            i += 1
            continue
        if c in "'\"":
            quote = c
        elif c == "\\":
            i += 1
        elif c == ">" and (i == 0 or span[i - 1] != "<"):
            j = i + 1
            dup = j < n and span[j] == "&"
            if j < n and span[j] in ">|&":
                j += 1
            while j < n and span[j] in " \t":
                j += 1
            w = _REDIRECT_WORD.match(span, j)
            if w:
                word = w.group(0)
                if not (dup and (word.isdigit() or word == "-")):  # `>&2`: a descriptor
                    out.append(word.replace('"', "").replace("'", ""))
                i = w.end()
                continue
        i += 1
    return out


def calls_text(text: str) -> str:
    """`text` with the words of commands that only mention things blanked."""
    from vitana_guard.normalize import shell

    commands = shell.parse(text)
    if not commands:
        return text
    writes_client = False
    for cmd in commands:
        values = [w.value for w in cmd.argv]
        program = (values[0] or "").rsplit("/", 1)[-1] if values else ""
        targets = redirect_targets(text[cmd.start:cmd.end])
        if program in ("tee", "cp", "install", "mv", "dd"):
            targets += [v for v in values[1:] if v]
        if any(CLIENT_CONFIG.search(t.removeprefix("of=")) for t in targets):
            writes_client = True
    blank: list[tuple[int, int]] = []
    keep: list[tuple[int, int]] = []
    for cmd in commands:
        spans = _mention_spans(cmd, text, writes_client)
        if spans is None:
            keep += [(w.start, w.end) for w in cmd.argv]
        else:
            blank += spans
    if not blank:
        return text
    chars = list(text)
    for s, e in blank:
        for i in range(s, e):
            if chars[i] != "\n":
                chars[i] = " "
    for s, e in keep:  # a call nested in a blanked word (`echo "$(curl ...)"`) is still judged
        chars[s:e] = text[s:e]
    return "".join(chars)


def _mention_spans(cmd, text: str, writes_client: bool) -> list[tuple[int, int]] | None:
    """The spans to blank of a mentioning command; None for a command that may call."""
    argv = cmd.argv
    if not argv or argv[0].value is None:
        return None
    program = argv[0].value.rsplit("/", 1)[-1]
    args = argv[1:]
    if program in _PRINTERS and (writes_client or any(CLIENT_CONFIG.search(t)
                                                      for t in redirect_targets(text[cmd.start:cmd.end]))):
        return None  # what it prints configures a client
    if program in ("sed", "gsed") and _in_place(args):
        files = [w.value for w in args if w.value and not w.value.startswith("-") and w.value not in _scripts(args)]
        if any(CLIENT_CONFIG.search(f) for f in files):
            # what the edit writes is judged: the replacement of each s-command
            spans = []
            for w in args:
                spans += _all_but_replacement(w, text)
            return spans
        return [(w.start, w.end) for w in args]
    if program in _MENTION:
        return [(w.start, w.end) for w in args]
    if program == "git":
        sub = next((w.value for w in args if w.value and not w.value.startswith("-")), None)
        if sub in _GIT_MENTION:
            return [(w.start, w.end) for w in args]
        return None
    if program == "gh":
        spans = []
        for i, w in enumerate(args):
            v = w.value or ""
            if v in _GH_TEXT_OPTIONS and i + 1 < len(args):
                spans.append((args[i + 1].start, args[i + 1].end))
            elif "=" in v and v.split("=", 1)[0] in _GH_TEXT_OPTIONS:
                spans.append((w.start, w.end))
        return spans or None
    return None


def _in_place(args) -> bool:
    for w in args:
        v = w.value or ""
        if v.startswith("--in-place") or v == "-i" or (v.startswith("-") and not v.startswith("--") and "i" in v[1:]):
            return True
    return False


def _scripts(args) -> set[str]:
    """The sed scripts among the arguments (`-e S`, or the first operand)."""
    out, i, first = set(), 0, True
    while i < len(args):
        v = args[i].value or ""
        if v in ("-e", "--expression") and i + 1 < len(args):
            out.add(args[i + 1].value or "")
            first = False
            i += 2
            continue
        if not v.startswith("-") and first:
            out.add(v)
            first = False
        i += 1
    return out


def _all_but_replacement(word, text: str) -> list[tuple[int, int]]:
    """Spans of `word` to blank, keeping the replacement of an `s<d>old<d>new<d>` script."""
    raw = text[word.start:word.end]
    body_start = 1 if raw[:1] in ("'", '"') else 0
    if raw[body_start:body_start + 1] != "s" or len(raw) < body_start + 2:
        return [(word.start, word.end)]
    delim = raw[body_start + 1]
    if delim.isalnum() or delim in " \\\n":
        return [(word.start, word.end)]
    parts, i = [], body_start + 2
    start = i
    while i < len(raw) and len(parts) < 2:
        if raw[i] == "\\":
            i += 2
            continue
        if raw[i] == delim:
            parts.append((start, i))
            start = i + 1
        i += 1
    if len(parts) < 2:
        return [(word.start, word.end)]
    keep_s, keep_e = parts[1]
    return [(word.start, word.start + keep_s), (word.start + keep_e, word.end)]
