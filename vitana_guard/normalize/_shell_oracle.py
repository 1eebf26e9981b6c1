"""The Python shell parser that `vitana_guard._core` replaced: the oracle of the
differential test (tests/test_shell_parity.py), and nothing else. Do not import it
from the engine; `normalize/shell.py` is the parser.

Shell command text -> a flat list of simple commands.

The linter never runs what it reads, so this is a static, best-effort parser of
POSIX/bash syntax, written for what rules need: *which programs run, with which
arguments, and where they are written*. It is:

- pure: no subprocess, no eval, no globbing, no environment lookups;
- single pass: one hand-written scanner walks the text once, with compiled
  regexes only to jump over runs of ordinary characters; command substitutions
  are parsed in place by the same scanner (no re-scan), so the cost is linear;
- total: it never raises on malformed input. An unterminated quote or
  substitution extends to the end of the text; nesting deeper than `MAX_DEPTH`
  is skipped as opaque text by iterative scanners, so Python's recursion limit
  is never reached;
- exact about positions: every `Word` carries `start`/`end` offsets into the
  text given to `parse`, including words of nested scripts (`bash -c '...'`,
  `eval`, `ssh host '...'`, heredoc scripts, backticks), which a linter needs to
  report line and column.

The output is flat: compound commands (`if`, `while`, `for`, `case`, subshells,
brace groups, functions, pipelines, lists) are reduced to the simple commands
inside them, because rules ask "does anything here run `gcloud run deploy`",
not "in which branch". Wrappers that only run another program (`sudo`, `env`,
`timeout`, `nohup`, `xargs`, ...) are stripped so that `Command.program` is the
program that really runs; nested shells are unwrapped for the same reason.

Words that are not literals (`$VAR`, `$(...)`, backticks, template
placeholders such as `<PR_NUMBER>` or `{{NAME}}`) get `value=None`: an unknown
value, which rules must treat as "could be anything".
"""
from __future__ import annotations

import gc
import re
from bisect import bisect_right
from itertools import accumulate, repeat
from operator import add

from ..model import Command, Word

__all__ = ["MAX_DEPTH", "parse"]

MAX_DEPTH = 100
"""Nesting depth (substitutions, nested scripts) parsed; deeper text is opaque."""

# Stands for an expansion the scanning shell performs itself ($VAR, $(...),
# `...`) when a word is re-read as a script (`bash -c "..."`, `eval`, `ssh`):
# the nested shell sees the expansion's *result*, which is unknown. Using a
# private-use character also means the substitution is not parsed twice (which
# would make nested `bash -c "$(bash -c "$(...)")"` exponential).
_MARK = "\ue000"

# Runs of characters with no special meaning, by context.
_RUN = re.compile(r"[^ \t\r\n|&;()<>\\'\"`$]+")
_DQ_RUN = re.compile(r'[^"\\$`]+')
_ANSI_RUN = re.compile(r"[^'\\]+")
_BT_RUN = re.compile(r"[^`\\]+")
_PARAM_RUN = re.compile(r"[^{}\\'\"$`]+")
_PARAM_DQ_RUN = re.compile(r'[^{}\\"$`]+')
_BODY_RUN = re.compile(r"[^\\$`]+")

_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]")
# `${NAME:-word}` (also `-`, `:=`, `=`) with a plain word: bash gives the word when NAME
# is unset (or empty). A deploy script's `${GCLOUD_BIN:-gcloud} run deploy` runs gcloud.
_DEFAULTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*:?[-=]([A-Za-z0-9_./:@%+,-]+)")
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=")
_NAME_EQ = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z0-9_.-]*>")
_TEMPLATE = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_.-]*\s*\}\}")
_HEX = frozenset("0123456789abcdefABCDEF")
_OCT = frozenset("01234567")

_WORD_END = frozenset(" \t\r\n;&|)")
_BLANK = frozenset(" \t\r")

# Reserved words that are syntax, not programs, when they start a command.
_KEYWORDS = frozenset(
    {"if", "then", "elif", "else", "fi", "do", "done", "while", "until", "!", "{", "}",
     "case", "esac", "for", "select", "function", "coproc"}
)

_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "ash", "mksh"})

_ANSI_SIMPLE = {
    "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
    "e": "\x1b", "E": "\x1b", "\\": "\\", "'": "'", '"': '"', "?": "?",
}

# Wrapper programs stripped from the front of a command:
# name -> (short options taking an argument, long options taking an argument
#          when written without "=", short options meaning "no command follows").
_PREFIX: dict[str, tuple[str, frozenset[str], str]] = {
    "sudo": ("ugCDprtURT", frozenset({"--user", "--group", "--close-from", "--chdir", "--prompt",
                                      "--role", "--type", "--other-user", "--command-timeout",
                                      "--chroot", "--host"}), "elvK"),
    "doas": ("uC", frozenset(), "L"),
    "env": ("uCPS", frozenset({"--unset", "--chdir", "--split-string"}), ""),  # see _env
    "timeout": ("sk", frozenset({"--signal", "--kill-after"}), ""),
    "nohup": ("", frozenset(), ""),
    "nice": ("n", frozenset({"--adjustment"}), ""),
    "time": ("fo", frozenset({"--format", "--output"}), ""),
    "exec": ("a", frozenset(), ""),
    "command": ("", frozenset(), ""),
    "builtin": ("", frozenset(), ""),
    "stdbuf": ("ioe", frozenset({"--input", "--output", "--error"}), ""),
    "ionice": ("cn", frozenset({"--class", "--classdata"}), "pPu"),
    "caffeinate": ("tw", frozenset(), ""),
    "xargs": ("IEadnLPs", frozenset({"--arg-file", "--delimiter", "--max-args", "--max-procs",
                                     "--max-chars", "--process-slot-var"}), ""),
    "chronic": ("", frozenset(), ""),
    "watch": ("nq", frozenset({"--interval", "--equexit"}), ""),
    "strace": ("abeEIoOpPsSuUX", frozenset(), ""),
    "ltrace": ("aADeFlnopsuxXw", frozenset(), ""),
}
_SSH_ARGS = "BbcDEeFIiJLlmOopQRSWw"
# First words that need the slow path of command building.
_SPECIAL = frozenset(_PREFIX) | _SHELLS | {"eval", "ssh", "find"}
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def parse(text: str) -> list[Command]:
    """Every simple command in `text`, in order of position.

    Never raises: on an internal error the commands found so far are returned
    (a linter must keep going on hostile input).
    """
    if not text:
        return []
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8", "replace")
    out: list[Command] = []
    # The parser allocates many small objects and no reference cycles; with
    # the cyclic collector running, its repeated passes over the growing result
    # cost more than the parse itself (x2-3 on a 1 MB script).
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        if not _plain_commands(text, 0, len(text), out):
            _Parser(text, text, 0, None, None, out, _budget(text))._parse_list(0, 0, None)
    except Exception:  # pragma: no cover - safety net; tests use _parse_strict
        pass
    finally:
        if collecting:
            gc.enable()
    out.sort(key=_start_of)
    return out


# Plain commands: words of ordinary characters separated by blanks, newlines, comments
# and the operators `|`, `|&`, `||`, `&&`, `&`, `;` (not `;;`/`;&`, which end case
# items): no quote, escape, expansion, redirection, parenthesis or here-document. Most
# lines of a script are like this (`gcloud run services describe gateway --region x`).
_PLAIN_WORD = r"[^ \t\r\n|&;()<>\\'\"`$\#][^ \t\r\n|&;()<>\\'\"`$]*"
_PLAIN_RUN = re.compile(rf"(?:[ \t\r\n]+ | {_PLAIN_WORD} | \|[|&]? | && | & | ;(?![;&]) | \#[^\n]*)*+", re.X)
_PLAIN_TOKEN = re.compile(rf"{_PLAIN_WORD}|\#[^\n]*")  # words, and comments to skip
_PLAIN_GAP = re.compile(r"[ \t\r]*")  # between two words of one command
_PLAIN_FIRST = re.compile(rf"(?:^|[|&;])[ \t\r]*({_PLAIN_WORD})", re.M)  # the first word of a command


def _plain_first(word: str) -> bool:
    """Whether a command starting with `word` needs no syntax: no keyword, wrapper,
    path or assignment (see `_Parser._end`'s fast path)."""
    return not (word in _KEYWORDS or word in _SPECIAL or "/" in word or ("=" in word and _ASSIGN.match(word)))


def plain_lines(text: str) -> list[tuple[int, int]] | None:
    """The lines of `text` (spans, each with its newline) when all of it is plain
    commands: each line then parses on its own as the whole text does, offsets
    aside. None otherwise."""
    if _PLAIN_RUN.fullmatch(text) is None:
        return None
    if not all(_plain_first(m.group(1)) for m in _PLAIN_FIRST.finditer(text)):
        return None
    starts = line_starts(text)
    return [(s, e) for s, e in zip(starts, [*starts[1:], len(text)]) if s < len(text)]


def line_starts(text: str) -> list[int]:
    """The offset of every line's start (one per item of `text.split("\\n")`), without
    a Python step per line."""
    return list(accumulate(map(add, map(len, text.split("\n")[:-1]), repeat(1)), initial=0))


def _plain_commands(text: str, s: int, e: int, out: list[Command]) -> bool:
    """Add the commands of text[s:e] to `out` when it holds only plain commands
    that need no syntax (see `_PLAIN_RUN`; the first word no keyword, wrapper,
    path or assignment): the parser would give the same, more slowly. False, and
    nothing added, otherwise."""
    if _PLAIN_RUN.fullmatch(text, s, e) is None:
        return False
    commands: list[list[Word]] = []
    words: list[Word] = []
    end = s
    for m in _PLAIN_TOKEN.finditer(text, s, e):
        start = m.start()
        if words and _PLAIN_GAP.fullmatch(text, end, start) is None:
            commands.append(words)  # an operator or a newline ended it
            words = []
        g = m.group()
        end = m.end()
        if g[0] == "#":
            continue
        if not words and not _plain_first(g):
            return False  # syntax or wrapping to work out: the parser's job
        assign = "=" in g and _ASSIGN.match(g) is not None
        # as `_Parser._word` reads a plain word: an assignment keeps its text
        unknown = not assign and (_MARK in g or ("{{" in g and _TEMPLATE.search(g) is not None))
        words.append(Word(g, None if unknown else g, start, end))
    if words:
        commands.append(words)
    out.extend([Command(tuple(argv), argv[0].start, argv[-1].end) for argv in commands])
    return True


def _parse_strict(text: str) -> list[Command]:
    """`parse` without the safety net (for tests and fuzzing)."""
    out: list[Command] = []
    _Parser(text, text, 0, None, None, out, _budget(text))._parse_list(0, 0, None)
    out.sort(key=_start_of)
    return out


def _budget(text: str) -> list[int]:
    return [8 * len(text) + 65536]


def _start_of(cmd: Command) -> int:
    return cmd.start


def _basename(value: str) -> str:
    return value[value.rfind("/") + 1:]


class _W:
    """A word during command building: the public `Word` fields plus what the
    builder needs (its decoded chunks, to re-read it as a script)."""

    __slots__ = ("raw", "value", "start", "end", "chunks", "quoted", "assign", "p")

    def __init__(self, raw, value, start, end, chunks, quoted, assign, p):
        self.raw = raw
        self.value = value
        self.start = start
        self.end = end
        # (text, offset, source_length) in the coordinates of parser `p`. When
        # len(text) == source_length the chunk maps char by char (a plain run);
        # otherwise every char of it maps to the whole source span (an escape,
        # a decoded ANSI-C sequence, an expansion standing as _MARK).
        self.chunks = chunks
        self.quoted = quoted
        self.assign = assign
        self.p = p


class _Heredoc:
    __slots__ = ("delim", "strip", "quoted", "fd", "script")

    def __init__(self, delim: str, strip: bool, quoted: bool, fd: str | None):
        self.delim = delim
        self.strip = strip
        self.quoted = quoted  # `<<'EOF'`: the body is not expanded
        self.fd = fd
        self.script = False  # set when the command reads it as a shell script


class _Frame:
    """Builder state for one command list (the top level, or one `$(...)`)."""

    __slots__ = ("words", "start", "end", "heredocs", "parens", "case", "skip", "fn")

    def __init__(self):
        self.words: list = []
        self.start: int | None = None
        self.end = 0
        self.heredocs: list[_Heredoc] = []
        self.parens = 0  # open subshells in this list
        self.case: list[str] = []  # per open `case`: "pattern" or "body"
        self.skip: str | None = None  # "case" | "for" | "func": words being skipped
        self.fn = False  # just after `function NAME`: a following `()` is syntax


class _Parser:
    """Scans `text`, which is either the original text (`starts is None`:
    offset i is `base + i` in the original) or a text derived from it (a
    nested script after quote removal), where `starts[i]`/`ends[i]` give the
    original span of character i."""

    def __init__(self, src, text, base, starts, ends, out, budget, sink=None, sink_depth=-1):
        self.src = src
        self.text = text
        self.n = len(text)
        self.base = base
        self.starts = starts
        self.ends = ends
        self.out = out
        # Characters nested scripts may still re-scan (shared by all parsers of
        # one `parse`): re-reading `eval eval eval ...` would otherwise cost
        # O(length * depth). When spent, nested scripts stay unparsed words.
        self.budget = budget
        self.sink = sink  # when set, top-level words are collected (env -S)
        self.sink_depth = sink_depth
        self.pending: list[_Heredoc] = []  # heredocs whose body starts at the next newline
        self.arith_fail = -1  # `((` scans failing before this offset are not retried

    # -- offsets -----------------------------------------------------------
    def _s(self, i: int) -> int:
        """Original offset where text position `i` starts."""
        if self.starts is None:
            return self.base + i
        if i < self.n:
            return self.starts[i]
        return self.ends[-1] if self.ends else self.base

    def _e(self, i: int) -> int:
        """Original offset where a span of text ending at position `i` ends."""
        if self.starts is None:
            return self.base + i
        if i > 0:
            return self.ends[min(i, self.n) - 1]
        return self.starts[0] if self.starts else self.base

    # -- command lists -----------------------------------------------------
    def _parse_list(self, i: int, depth: int, closer: str | None) -> int:
        """Parse commands from `i` until EOF or, when `closer` is ")", the
        unbalanced ")" ending a `$(`/`<(`; return the offset after it."""
        text = self.text
        n = self.n
        f = _Frame()
        while i < n:
            c = text[i]
            if c in _BLANK:
                i += 1
                continue
            if c == "\n":
                self._end(f, depth)
                i += 1
                if f.skip == "for":
                    f.skip = None
                if self.pending:
                    i = self._read_heredocs(i, depth)
                continue
            if c == "\\":
                if i + 1 < n and text[i + 1] == "\n":
                    i += 2
                    continue
            elif c == "#":
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            elif c == ";":
                self._end(f, depth)
                if f.skip == "for":
                    f.skip = None
                if text.startswith(";;", i) or text.startswith(";&", i):
                    i += 3 if text.startswith(";;&", i) else 2
                    if f.case:
                        f.case[-1] = "pattern"
                else:
                    i += 1
                continue
            elif c == "&":
                if i + 1 < n and text[i + 1] == ">":
                    i = self._redirect(f, i, i, None, depth)
                    continue
                self._end(f, depth)
                i += 2 if (i + 1 < n and text[i + 1] == "&") else 1
                continue
            elif c == "|":
                self._end(f, depth)
                i += 2 if (i + 1 < n and text[i + 1] in "|&") else 1
                continue
            elif c == "(":
                i = self._open_paren(f, i, depth)
                continue
            elif c == ")":
                if f.case and f.case[-1] == "pattern":
                    f.case[-1] = "body"
                    i += 1
                    continue
                self._end(f, depth)
                i += 1
                if f.parens:
                    f.parens -= 1
                    continue
                if closer is not None:
                    return i
                continue
            elif c == "<" or c == ">":
                nxt = text[i + 1] if i + 1 < n else ""
                if nxt != "(" and not (c == "<" and _PLACEHOLDER.match(text, i)):
                    if f.words and f.words[0][2] == "[[" and f.words[-1][2] != "]]":
                        # `[[ a < b ]]`: a comparison, not a redirection
                        f.words.append((i, i + 1, c, None, False, False))
                        f.end = i + 1
                        i += 1
                        continue
                    i = self._redirect(f, i, i, None, depth)
                    continue
            # a word
            j, value, chunks, quoted, assign = self._word(i, depth)
            if j == i:  # defensive: never loop without progress
                i += 1
                continue
            if (j < n and text[j] in "<>" and not quoted and value
                    and (value.isdigit() or (len(value) > 2 and value[0] == "{" and value[-1] == "}"))):
                i = self._redirect(f, j, i, value, depth)  # `2>&1`, `{fd}>file`
                continue
            if f.skip is None and not f.case and (f.words or quoted or value not in _KEYWORDS):
                # fast path: not syntax (see _add_word)
                if f.start is None:
                    f.start = i
                f.words.append((i, j, value, chunks, quoted, assign))
                f.end = j
                f.fn = False
            else:
                self._add_word(f, i, j, value, chunks, quoted, assign)
            i = j
        self._end(f, depth)
        return n

    def _open_paren(self, f: _Frame, i: int, depth: int) -> int:
        text = self.text
        n = self.n
        if f.case and f.case[-1] == "pattern":
            return i + 1  # `(a|b)` pattern syntax
        if f.fn or len(f.words) == 1:
            k = i + 1
            while k < n and text[k] in _BLANK:
                k += 1
            if k < n and text[k] == ")":  # `f() {`, `function f() {`
                if not f.fn:
                    f.words = []
                    f.start = None
                f.fn = False
                return k + 1
        if not f.words and text.startswith("((", i):
            k = self._arith_end(i + 2)
            if k >= 0:  # `(( expr ))`, `for ((;;))`
                return k
        self._end(f, depth)
        f.parens += 1
        return i + 1

    def _add_word(self, f: _Frame, s, e, value, chunks, quoted, assign) -> None:
        """Add a word to the current simple command, unless it is syntax."""
        f.fn = False
        case = f.case
        if case and case[-1] == "pattern":
            if value == "esac" and not quoted:
                case.pop()
            return
        kind = f.skip
        if kind is not None:
            if kind == "case":
                if value == "in" and not quoted:
                    f.skip = None
                    case.append("pattern")
            elif kind == "for":
                if value == "do" and not quoted:
                    f.skip = None
            else:  # "func": the function name
                f.skip = None
                f.fn = True
            return
        if not f.words and not quoted and value in _KEYWORDS:
            if value == "esac":
                if case:
                    case.pop()
            elif value == "case":
                f.skip = "case"
            elif value == "for" or value == "select":
                f.skip = "for"
            elif value == "function":
                f.skip = "func"
            return
        if f.start is None:
            f.start = s
        f.words.append((s, e, value, chunks, quoted, assign))
        f.end = e

    def _end(self, f: _Frame, depth: int) -> None:
        """End the current simple command and emit it."""
        if f.words:
            words = f.words
            heredocs = f.heredocs
            f.words = []
            f.heredocs = []
            src = self.src
            first = words[0]
            v = first[2]
            if (self.starts is None and self.sink is None and not first[5]
                    and (v is None or (v not in _SPECIAL and "/" not in v))):
                # fast path: no wrapper to strip, nothing nested to unwrap
                b = self.base
                if len(words) == 1:
                    s = b + first[0]
                    e = b + first[1]
                    argv = (Word(src[s:e], v, s, e),)
                else:
                    argv = tuple([Word(src[b + s:b + e], value, b + s, b + e)
                                  for s, e, value, _, _, _ in words])
                self.out.append(Command(argv, b + f.start, b + f.end))
            else:
                text = self.text
                ws = []
                for s, e, value, chunks, quoted, assign in words:
                    ss = self._s(s)
                    ee = self._e(e)
                    if chunks is None:
                        chunks = [(text[s:e], s, e - s)]
                    ws.append(_W(src[ss:ee], value, ss, ee, chunks, quoted, assign, self))
                self._command(ws, self._s(f.start), self._e(f.end), heredocs, depth)
        elif f.heredocs:
            f.heredocs = []
        f.start = None
        f.fn = False

    # -- redirections and heredocs ----------------------------------------
    def _redirect(self, f: _Frame, i: int, op_start: int, fd: str | None, depth: int) -> int:
        """Consume a redirection operator at `i` and its target word; record
        heredocs. Returns the offset after the target."""
        text = self.text
        n = self.n
        c = text[i]
        heredoc = strip = False
        if c == "<":
            if text.startswith("<<<", i):
                j = i + 3
            elif text.startswith("<<-", i):
                j, heredoc, strip = i + 3, True, True
            elif text.startswith("<<", i):
                j, heredoc = i + 2, True
            else:
                j = i + 2 if (i + 1 < n and text[i + 1] in "&>") else i + 1
        elif c == ">":
            j = i + 2 if (i + 1 < n and text[i + 1] in ">&|") else i + 1
        else:  # &> or &>>
            j = i + 3 if text.startswith("&>>", i) else i + 2
        end = j
        while j < n:
            ch = text[j]
            if ch == " " or ch == "\t":
                j += 1
            elif ch == "\\" and j + 1 < n and text[j + 1] == "\n":
                j += 2
            else:
                break
        if j < n and text[j] not in "\n;&|()":
            k, _value, chunks, quoted, _assign = self._word(j, depth)
            if k > j:
                end = k
                if heredoc:
                    delim = self.text[j:k] if chunks is None else "".join([t for t, _, _ in chunks])
                    h = _Heredoc(delim, strip, quoted, fd)
                    self.pending.append(h)
                    f.heredocs.append(h)
        if f.start is None:
            f.start = op_start
        f.end = max(f.end, end) if f.words else end
        return end

    def _read_heredocs(self, i: int, depth: int) -> int:
        """Skip the bodies of pending heredocs starting at `i` (just after a
        newline). A body is data, unless its command reads it as a script;
        but in an unquoted one (`<<EOF`) `$(...)` and backticks run when the
        heredoc is read, so those are parsed."""
        text = self.text
        n = self.n
        pending = self.pending
        self.pending = []
        for h in pending:
            body = i
            body_end = n
            delim = h.delim
            size = len(delim)
            while i < n:
                j = text.find("\n", i)
                line_end = n if j < 0 else j
                k = i
                if h.strip:
                    while k < line_end and text[k] == "\t":
                        k += 1
                e = line_end - 1 if (line_end > k and text[line_end - 1] == "\r") else line_end
                if e - k == size and text.startswith(delim, k):
                    body_end = i
                    i = line_end + 1 if j >= 0 else n
                    break
                i = line_end + 1 if j >= 0 else n
            if body_end > body and depth < MAX_DEPTH:
                if h.script:
                    self._parse_span(body, body_end, depth + 1)
                elif not h.quoted:
                    self._body_substitutions(body, body_end, depth)
        return i

    def _body_substitutions(self, s: int, e: int, depth: int) -> None:
        """Parse the command substitutions in text[s:e] (an unquoted heredoc
        body), leaving the rest as data."""
        text = self.text
        j = text.find("$(", s, e)
        k = text.find("`", s, e)
        if j < 0 and k < 0:
            return
        if self.budget[0] < e - s:
            return
        self.budget[0] -= e - s
        if self.starts is None:
            p = _Parser(self.src, text[s:e], self.base + s, None, None, self.out, self.budget)
        else:
            p = _Parser(self.src, text[s:e], self._s(s), self.starts[s:e], self.ends[s:e],
                        self.out, self.budget)
        body = p.text
        n = p.n
        scratch: list = []
        i = 0
        while i < n:
            m = _BODY_RUN.match(body, i)
            if m is not None:
                i = m.end()
                if i >= n:
                    break
            c = body[i]
            if c == "\\":
                i += 2
            elif c == "`":
                i = p._backtick(i, scratch, depth)
            else:
                i, _ = p._dollar(i, scratch, depth, True)
            del scratch[:]

    # -- words -------------------------------------------------------------
    def _word(self, i: int, depth: int):
        """Scan one word from `i`. Returns (end, value, chunks, quoted, assign),
        chunks None for a plain word; substitutions inside are parsed (their
        commands emitted) on the way."""
        text = self.text
        n = self.n
        m = _RUN.match(text, i)
        if m is not None:  # fast path: a plain word
            j = m.end()
            if j >= n or text[j] in _WORD_END:
                # chunks None: one plain run, text[i:j] (saves allocations)
                g = m.group()
                if "=" in g and _ASSIGN.match(g):
                    return j, g, None, False, True
                if _MARK in g or ("{{" in g and _TEMPLATE.search(g)):
                    return j, None, None, False, False
                return j, g, None, False, False
        start = i
        chunks: list = []
        literal = True
        quoted = False
        assign = False
        while i < n:
            m = _RUN.match(text, i)
            if m is not None:
                j = m.end()
                if i == start and "=" in m.group() and _ASSIGN.match(text, i, j):
                    assign = True
                chunks.append((m.group(), i, j - i))
                i = j
                if i >= n:
                    break
            c = text[i]
            if c in _WORD_END:
                break
            if c == "'":
                j = text.find("'", i + 1)
                if j < 0:
                    j = n
                if j > i + 1:
                    chunks.append((text[i + 1:j], i + 1, j - i - 1))
                quoted = True
                i = j + 1 if j < n else n
            elif c == '"':
                quoted = True
                i, lit = self._dquote(i + 1, chunks, depth)
                if not lit:
                    literal = False
            elif c == "\\":
                if i + 1 >= n:
                    chunks.append(("\\", i, 1))
                    i = n
                elif text[i + 1] == "\n":
                    i += 2
                else:
                    chunks.append((text[i + 1], i, 2))
                    quoted = True
                    i += 2
            elif c == "$":
                nxt = text[i + 1] if i + 1 < n else ""
                if nxt == "'":
                    quoted = True
                    i = self._ansi(i + 2, chunks)
                elif nxt == '"':
                    quoted = True
                    i, lit = self._dquote(i + 2, chunks, depth)
                    if not lit:
                        literal = False
                else:
                    i, lit = self._dollar(i, chunks, depth, False)
                    if not lit:
                        literal = False
            elif c == "`":
                i = self._backtick(i, chunks, depth)
                literal = False
            elif c == "<" or c == ">":
                if i + 1 < n and text[i + 1] == "(":  # process substitution
                    j = self._subst(i + 2, depth)
                    chunks.append((_MARK, i, j - i))
                    literal = False
                    i = j
                    continue
                m = _PLACEHOLDER.match(text, i) if c == "<" else None
                if m is None:
                    break
                chunks.append((m.group(), i, m.end() - i))  # `<PR_NUMBER>`
                literal = False
                i = m.end()
            elif c == "(" and assign and len(chunks) == 1 and text[i - 1] == "=":
                j = self._skip_subst(i + 1)  # array assignment `a=(1 2)`
                chunks.append((_MARK, i, j - i))
                literal = False
                i = j
            elif c == "(" and i > start and text[i - 1] in "?*+@!":
                j = self._skip_subst(i + 1)  # extglob `!(*.py)`: a pattern
                chunks.append((text[i:j], i, j - i))
                i = j
            else:
                break
        value = None
        if literal:
            if len(chunks) == 1:
                value = chunks[0][0]
            else:
                value = "".join([ch[0] for ch in chunks])
            if _MARK in value or ("{{" in value and _TEMPLATE.search(value)):
                value = None
        return i, value, chunks, quoted, assign

    def _dquote(self, i: int, chunks: list, depth: int):
        """Scan a double-quoted string from after its opening quote.
        Returns (offset after the closing quote, literal)."""
        text = self.text
        n = self.n
        literal = True
        while i < n:
            m = _DQ_RUN.match(text, i)
            if m is not None:
                j = m.end()
                chunks.append((m.group(), i, j - i))
                i = j
                if i >= n:
                    break
            c = text[i]
            if c == '"':
                return i + 1, literal
            if c == "\\":
                d = text[i + 1] if i + 1 < n else ""
                if d == "\n":
                    i += 2
                elif d and d in '"\\$`':
                    chunks.append((d, i, 2))
                    i += 2
                else:
                    chunks.append(("\\", i, 1))
                    i += 1
            elif c == "$":
                i, lit = self._dollar(i, chunks, depth, True)
                if not lit:
                    literal = False
            else:  # backtick
                i = self._backtick(i, chunks, depth)
                literal = False
        return n, literal

    def _ansi(self, i: int, chunks: list) -> int:
        """Decode a `$'...'` string from after its opening quote."""
        text = self.text
        n = self.n
        while i < n:
            m = _ANSI_RUN.match(text, i)
            if m is not None:
                j = m.end()
                chunks.append((m.group(), i, j - i))
                i = j
                if i >= n:
                    break
            if text[i] == "'":
                return i + 1
            if i + 1 >= n:
                chunks.append(("\\", i, 1))
                return n
            d = text[i + 1]
            if d in _ANSI_SIMPLE:
                chunks.append((_ANSI_SIMPLE[d], i, 2))
                i += 2
                continue
            j = i + 2
            if d in _OCT:
                while j < n and j < i + 4 and text[j] in _OCT:
                    j += 1
                code = int(text[i + 1:j], 8)
            elif d in "xuU":
                limit = i + 2 + (2 if d == "x" else 4 if d == "u" else 8)
                while j < n and j < limit and text[j] in _HEX:
                    j += 1
                if j == i + 2:
                    chunks.append(("\\" + d, i, 2))
                    i = j
                    continue
                code = int(text[i + 2:j], 16)
            elif d == "c" and i + 2 < n:
                j = i + 3
                code = ord(text[i + 2]) & 31
            else:
                chunks.append(("\\" + d, i, 2))
                i += 2
                continue
            chunks.append((chr(code) if code <= 0x10FFFF else "\ufffd", i, j - i))
            i = j
        return n

    def _dollar(self, i: int, chunks: list, depth: int, dq: bool):
        """Scan an expansion at `$`. Returns (end, literal)."""
        text = self.text
        n = self.n
        nxt = text[i + 1] if i + 1 < n else ""
        if nxt == "(":
            if i + 2 < n and text[i + 2] == "(":
                k = self._arith_end(i + 3)
                if k >= 0:
                    chunks.append((_MARK, i, k - i))
                    return k, False
            j = self._subst(i + 2, depth)
        elif nxt == "{":
            j = self._param(i + 2, depth + 1, dq)
            m = _DEFAULTED.fullmatch(text, i + 2, j - 1)
            if m is not None:  # `${NAME:-word}`: the word, when NAME is unset, is the value to judge
                chunks.append((m.group(1), i, j - i))
                return j, True
        else:
            m = _VAR.match(text, i + 1)
            if m is None:
                chunks.append(("$", i, 1))
                return i + 1, True
            j = m.end()
        chunks.append((_MARK, i, j - i))
        return j, False

    def _subst(self, i: int, depth: int) -> int:
        """Parse a `$(`/`<(`/`>(` body from `i`; return the offset after `)`."""
        if depth >= MAX_DEPTH:
            return self._skip_subst(i)
        return self._parse_list(i, depth + 1, ")")

    def _param(self, i: int, depth: int, dq: bool) -> int:
        """Skip a `${...}` body from `i`, parsing substitutions inside it."""
        text = self.text
        n = self.n
        if depth >= MAX_DEPTH:
            return self._skip_braces(i)
        run = _PARAM_DQ_RUN if dq else _PARAM_RUN
        scratch: list = []
        level = 0
        while i < n:
            m = run.match(text, i)
            if m is not None:
                i = m.end()
                if i >= n:
                    break
            c = text[i]
            if c == "}":
                if level == 0:
                    return i + 1
                level -= 1
                i += 1
            elif c == "{":
                level += 1
                i += 1
            elif c == "\\":
                i += 2
            elif c == "'":
                j = text.find("'", i + 1)
                i = n if j < 0 else j + 1
            elif c == '"':
                i, _ = self._dquote(i + 1, scratch, depth)
            elif c == "$":
                i, _ = self._dollar(i, scratch, depth, dq)
            else:  # backtick
                i = self._backtick(i, scratch, depth)
        return n

    def _backtick(self, i: int, chunks: list, depth: int) -> int:
        """Scan a backtick substitution at `i` and parse its body (after the
        backslash unescaping bash applies to it)."""
        text = self.text
        n = self.n
        j = i + 1
        escaped = False
        while j < n:
            m = _BT_RUN.match(text, j)
            if m is not None:
                j = m.end()
                if j >= n:
                    break
            if text[j] == "`":
                break
            escaped = True
            j += 2
        close = min(j, n)
        end = close + 1 if close < n else n
        chunks.append((_MARK, i, end - i))
        if depth < MAX_DEPTH and close > i + 1:
            if not escaped:
                self._parse_span(i + 1, close, depth + 1)
            else:
                inner: list = []
                k = i + 1
                while k < close:
                    m = _BT_RUN.match(text, k, close)
                    if m is not None:
                        inner.append((m.group(), k, m.end() - k))
                        k = m.end()
                        continue
                    d = text[k + 1] if k + 1 < close else ""
                    if d and d in "\\`$":
                        inner.append((d, k, 2))
                        k += 2
                    else:
                        inner.append(("\\", k, 1))
                        k += 1
                w = _W("", None, self._s(i), self._e(end), inner, True, False, self)
                self._parse_words([w], depth + 1)
        return end

    # -- opaque skips (iterative: used beyond MAX_DEPTH and for arithmetic) --
    def _skip_subst(self, i: int) -> int:
        """Offset after the `)` closing a substitution whose body starts at
        `i`, without parsing it. Iterative, so any nesting depth is safe."""
        text = self.text
        n = self.n
        stack = ["p"]
        while i < n:
            c = text[i]
            top = stack[-1]
            if c == "\\":
                i += 2
                continue
            if top == "p":
                if c == "'":
                    j = text.find("'", i + 1)
                    i = n if j < 0 else j + 1
                    continue
                if c == '"':
                    stack.append("d")
                elif c == "(":
                    stack.append("p")
                elif c == ")":
                    stack.pop()
                    if not stack:
                        return i + 1
                elif c == "`":
                    stack.append("b")
            elif top == "d":
                if c == '"':
                    stack.pop()
                elif c == "$" and i + 1 < n and text[i + 1] == "(":
                    stack.append("p")
                    i += 1
                elif c == "`":
                    stack.append("b")
            elif c == "`":
                stack.pop()
            i += 1
        return n

    def _skip_braces(self, i: int) -> int:
        text = self.text
        n = self.n
        level = 0
        while i < n:
            c = text[i]
            if c == "\\":
                i += 1
            elif c == "{":
                level += 1
            elif c == "}":
                if level == 0:
                    return i + 1
                level -= 1
            i += 1
        return n

    def _arith_end(self, i: int) -> int:
        """Offset after the `))` closing arithmetic whose body starts at `i`,
        or -1 when this is not arithmetic (`((a) && b)` is nested subshells)."""
        if i < self.arith_fail:
            return -1
        text = self.text
        n = self.n
        level = 0
        j = i
        while j < n:
            c = text[j]
            if c == "(":
                level += 1
            elif c == ")":
                if level == 0:
                    if j + 1 < n and text[j + 1] == ")":
                        return j + 2
                    break
                level -= 1
            elif c == "\n":
                break
            j += 1
        self.arith_fail = j
        return -1

    # -- nested scripts ----------------------------------------------------
    def _parse_span(self, s: int, e: int, depth: int) -> bool:
        """Parse text[s:e] of this parser as a script of its own."""
        if self.budget[0] < e - s:
            return False
        self.budget[0] -= e - s
        if self.starts is None:
            p = _Parser(self.src, self.text[s:e], self.base + s, None, None, self.out, self.budget)
        else:
            p = _Parser(self.src, self.text[s:e], self._s(s), self.starts[s:e], self.ends[s:e],
                        self.out, self.budget)
        p._parse_list(0, depth, None)
        return True

    def _parse_words(self, ws: list, depth: int, skip: int = 0, sink: list | None = None) -> bool:
        """Parse words (joined by spaces, after quote removal) as a script,
        e.g. the SCRIPT of `bash -c SCRIPT` or the arguments of `eval`.
        `skip` drops leading characters (`-Sstring`); with `sink`, the words of
        the script's top-level commands are collected instead of emitted.
        Returns False when the work budget is spent (nothing parsed)."""
        size = sum([w.end - w.start for w in ws])
        if self.budget[0] < size:
            return False
        self.budget[0] -= size
        text, base, starts, ends = _derive(ws)
        if skip:
            text = text[skip:]
            if starts is None:
                base += skip
            else:
                starts = starts[skip:]
                ends = ends[skip:]
        p = _Parser(self.src, text, base, starts, ends, self.out, self.budget, sink, depth)
        p._parse_list(0, depth, None)
        return True

    # -- command building --------------------------------------------------
    def _command(self, ws: list, cs: int, ce: int, heredocs: list, depth: int) -> None:
        """Strip wrappers, unwrap nested shells, emit the command(s)."""
        if self.sink is not None and depth == self.sink_depth:
            self.sink.extend(ws)
            return
        n = len(ws)
        i = 0
        last = None  # index of the last wrapper stripped
        names_ok = False  # after sudo/env: NAME=value words are assignments
        while i < n:
            w = ws[i]
            v = w.value
            if w.assign or (names_ok and v and _NAME_EQ.match(v)):
                i += 1
                continue
            if v is None:
                break
            name = _basename(v)
            spec = _PREFIX.get(name)
            if spec is None:
                break
            if name == "command" and i + 1 < n:
                nv = ws[i + 1].value
                if nv and nv[0] == "-" and nv[:2] != "--" and ("v" in nv or "V" in nv):
                    break  # `command -v x` looks x up; it runs nothing
            last = i
            if name == "env":
                ws, i = self._env(ws, i + 1, depth)
                n = len(ws)
                names_ok = True
                continue
            j, seen, nocmd = _skip_opts(ws, i + 1, spec)
            if nocmd:
                break
            if name == "timeout" and j < n:
                j += 1  # the duration
            if name == "watch" and j == n - 1 and "x" not in seen and "--exec" not in seen:
                # `watch 'cmd | grep x'`: the command is run by `sh -c`
                if depth < MAX_DEPTH and self._parse_words([ws[j]], depth + 1):
                    return
            names_ok = name == "sudo" or name == "doas"
            i = j
        if i >= n and last is not None:
            i = last  # the wrapper runs nothing else (`sudo -v`, `env`): keep it
        if i >= n:
            return  # only assignments
        argv = ws[i:]
        prog = argv[0].value
        base = _basename(prog) if prog else None
        if base in _SHELLS:
            mode, script = _shell_mode(argv)
            if mode == "c" and script is not None and depth < MAX_DEPTH:
                if self._parse_words([script], depth + 1):
                    return
            if mode == "stdin":
                _mark_script(heredocs)
        elif base == "eval" and len(argv) > 1 and depth < MAX_DEPTH:
            if self._parse_words(argv[1:], depth + 1):
                return
        elif base == "ssh":
            self._ssh(argv, heredocs, depth)
        elif base == "find" and depth < MAX_DEPTH:
            self._find_exec(argv, depth)
        self.out.append(Command(tuple([Word(w.raw, w.value, w.start, w.end) for w in argv]), cs, ce))

    def _env(self, ws: list, i: int, depth: int):
        """Skip `env` options from `i`; `-S STRING` is split into words that
        replace it and are processed as further `env` arguments.
        Returns (words, index of the first word after the options)."""
        n = len(ws)
        splits = 0
        while i < n:
            w = ws[i]
            v = w.value
            if v is None or v[:1] != "-":
                break
            if v == "--":
                return ws, i + 1
            if v == "-":
                i += 1
                continue
            split = None  # (index replaced, word holding the string, chars to skip, words dropped)
            if v[1] == "-":
                name, eq, _ = v.partition("=")
                if name == "--split-string":
                    split = (i, w, len(name) + 1, 1) if eq else (i, ws[i + 1] if i + 1 < n else None, 0, 2)
                else:
                    i += 2 if (not eq and name in ("--unset", "--chdir")) else 1
            else:
                for k in range(1, len(v)):
                    ch = v[k]
                    if ch == "S":
                        if k + 1 < len(v):
                            split = (i, w, k + 1, 1)  # -Sstring
                        else:
                            split = (i, ws[i + 1] if i + 1 < n else None, 0, 2)
                        break
                    if ch in "uCP":
                        if k == len(v) - 1:
                            i += 1
                        break
                i += 1
            if split is not None:
                at, holder, skip, drop = split
                if holder is None:
                    return ws, n
                words: list = []
                if depth < MAX_DEPTH and splits < 8:
                    self._parse_words([holder], depth + 1, skip, words)
                splits += 1
                ws = ws[:at] + words + ws[at + drop:]
                n = len(ws)
                i = at
        return ws, i

    def _ssh(self, argv: list, heredocs: list, depth: int) -> None:
        """`ssh [opts] host [command...]`: the remote command is shell text
        (its words joined by spaces), parsed as well as the ssh command."""
        k, _seen, _ = _skip_opts(argv, 1, (_SSH_ARGS, frozenset(), ""))
        if k >= len(argv):
            return
        remote = argv[k + 1:]
        if not remote:
            _mark_script(heredocs)  # `ssh host <<EOF`: a login shell reads it
            return
        first = remote[0].value
        if first and _basename(first) in _SHELLS and _shell_mode(remote)[0] == "stdin":
            _mark_script(heredocs)
        if depth < MAX_DEPTH:
            self._parse_words(remote, depth + 1)

    def _find_exec(self, argv: list, depth: int) -> None:
        """`find ... -exec CMD {} ;`: CMD runs too."""
        n = len(argv)
        k = 1
        while k < n:
            if argv[k].value in _FIND_EXEC:
                j = k + 1
                while j < n:
                    v = argv[j].value
                    if v == ";" or (v == "+" and argv[j - 1].value == "{}"):
                        break
                    j += 1
                sub = argv[k + 1:j]
                if sub:
                    self._command(sub, sub[0].start, sub[-1].end, [], depth + 1)
                k = j
            k += 1


def _skip_opts(ws: list, i: int, spec):
    """Skip the options of a wrapper from `i`. Returns (index of the first
    operand, options seen, whether an option means no command follows)."""
    args, longs, nocmd = spec
    n = len(ws)
    seen: list[str] = []
    while i < n:
        v = ws[i].value
        if v is None or len(v) < 2 or v[0] != "-":
            break
        if v == "--":
            i += 1
            break
        i += 1
        if v[1] == "-":
            name = v.split("=", 1)[0]
            seen.append(name)
            if "=" not in v and name in longs:
                i += 1
            continue
        for k in range(1, len(v)):
            ch = v[k]
            seen.append(ch)
            if ch in nocmd:
                return i, seen, True
            if ch in args:
                if k == len(v) - 1:
                    i += 1
                break
    return i, seen, False


def _shell_mode(argv: list):
    """How a shell command gets its script: ("c", SCRIPT word or None),
    ("stdin", None) or ("file", None)."""
    n = len(argv)
    k = 1
    has_c = False
    has_s = False
    while k < n:
        v = argv[k].value
        if v is None:
            break
        if v == "--":
            k += 1
            break
        if v[:2] == "--":
            k += 2 if v in ("--rcfile", "--init-file") else 1
            continue
        if len(v) > 1 and v[0] in "-+":
            takes = False
            for ch in v[1:]:
                if ch == "c":
                    has_c = True
                elif ch == "s":
                    has_s = True
                elif ch in "oO":
                    takes = True
            k += 2 if takes else 1
            continue
        break
    if has_c:
        return "c", (argv[k] if k < n else None)
    if has_s or k >= n or argv[k].value == "-":
        return "stdin", None
    return "file", None


def _mark_script(heredocs: list) -> None:
    for h in heredocs:
        if h.fd is None or h.fd == "0":
            h.script = True


def _derive(ws: list):
    """The text of words after quote removal, joined by spaces, with the
    original span of each character: (text, base, starts, ends); `starts` is
    None when the text maps to the original as one run from `base`."""
    if len(ws) == 1:
        w = ws[0]
        chunks = w.chunks
        if len(chunks) == 1 and w.p.starts is None:
            t, off, size = chunks[0]
            if len(t) == size:
                return t, w.p.base + off, None, None
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for k, w in enumerate(ws):
        p = w.p
        if k:
            parts.append(" ")
            starts.append(ends[-1] if ends else w.start)
            ends.append(w.start)
        for t, off, size in w.chunks:
            parts.append(t)
            lt = len(t)
            if lt == size:
                if p.starts is None:
                    b = p.base + off
                    starts.extend(range(b, b + lt))
                    ends.extend(range(b + 1, b + lt + 1))
                else:
                    starts.extend(p.starts[off:off + lt])
                    ends.extend(p.ends[off:off + lt])
            else:
                s0 = p._s(off)
                e0 = p._e(off + size)
                starts.extend([s0] * lt)
                ends.extend([e0] * lt)
    base = starts[0] if starts else (ws[0].start if ws else 0)
    return "".join(parts), base, starts, ends


# -- statements: cheap top-level splitting ------------------------------------

_STATEMENT_LEX = re.compile(
    r"""(?P<sq>'[^']*')
      | (?P<dq>"(?:[^"\\]|\\.)*")
      | (?P<esc>\\.)
      | (?P<hd><<(?!<)-?[ \t]*(?:'(?P<h1>[^'\n]+)'|"(?P<h2>[^"\n]+)"|\\?(?P<h3>[A-Za-z_][A-Za-z0-9_-]*)))
      | (?P<nl>\n)
      | (?P<open>['"`])
      | (?P<cm>(?:(?<=[\s;&|(])|^)\#[^\n]*)
      | [^'"\\<\n\#`]+ | [<\#]""",
    re.X | re.S | re.M,
)


# Tokens that leave statement boundaries as they are: plain text, one-line quoted
# strings without a substitution, escapes other than a line continuation, comments, a
# `#` or `<` that is no syntax here. They tokenize as `_STATEMENT_LEX` does; the regex
# engine walks them, so Python sees only what ends or joins statements.
_QUIET = r"""[^'"\\<\n\#`]+ | '[^'\n]*' | "(?:[^"\\\n$`]|\\[^\n$`]|\\?\$(?!\())*" | \\[^\n]
    | (?:(?<=[\s;&|(])|^)\#[^\n]* | \# | <(?!<(?!<)-?[ \t]*(?:'[^'\n]+'|"[^"\n]+"|\\?[A-Za-z_]))"""
# ... and newlines, each ending a one-line statement
_STATEMENT_RUN = re.compile(rf"(?:{_QUIET} | \n)*+", re.X | re.M)
# within a line that opened here-documents: their bodies start after its newline
_STATEMENT_LINE_RUN = re.compile(rf"(?:{_QUIET})*+", re.X | re.M)


def statements(text: str) -> list[tuple[int, int]] | None:
    """Spans of the top-level statements of a script: runs of lines joined where a
    quote, a backslash continuation or a heredoc body carries on past a newline.

    Each span parses on its own as the whole script would (a line inside `if`,
    `(`...`)` or `$(`...`)` blocks parses the same alone), so a caller may parse only
    the statements that mention what it looks for. None when the script holds what
    this cheap lexer cannot split with certainty (backticks, unterminated quotes):
    parse it whole then.
    """
    joined = _joined_statements(text)
    if joined is None:
        return None
    spans: list[tuple[int, int]] = []
    pos = 0
    for s, e in joined + [(len(text), len(text))]:
        while pos < s:  # the one-line statements before this one
            eol = text.find("\n", pos, s)
            spans.append((pos, s if eol < 0 else eol + 1))
            pos = spans[-1][1]
        if s < e:
            spans.append((s, e))
            pos = e
    return spans


def statements_at(text: str, offsets: list[int]) -> list[tuple[int, int]] | None:
    """The spans of `statements(text)` that hold one of `offsets` (in order), without
    listing the others: a long script is mostly one-line statements, found by their
    newlines. None where `statements` gives None."""
    joined = _joined_statements(text)
    if joined is None:
        return None
    starts = [s for s, _ in joined]
    out: list[tuple[int, int]] = []
    for p in sorted(offsets):
        if out and p < out[-1][1]:
            continue  # in the statement found last
        out.append(_statement_of(text, joined, starts, p))
    return out


def _statement_of(text: str, joined: list[tuple[int, int]], starts: list[int], p: int) -> tuple[int, int]:
    """The statement holding offset `p`: one of `joined` (whose starts are `starts`),
    else the line around it."""
    i = bisect_right(starts, p) - 1
    if i >= 0 and p < joined[i][1]:
        return joined[i]
    eol = text.find("\n", p)
    return text.rfind("\n", 0, p) + 1, len(text) if eol < 0 else eol + 1


def _joined_statements(text: str) -> list[tuple[int, int]] | None:
    """The statements that are not one line of their own (sorted): those spanning
    several lines, and `case` blocks. None when the lexer cannot follow the script."""
    joined: list[tuple[int, int]] = []
    n = len(text)
    start = 0  # of the current statement
    pending: list[tuple[str, bool]] = []  # heredoc delimiters opened on this line
    pos = 0
    while pos < n:
        run = pos
        pos = (_STATEMENT_LINE_RUN if pending else _STATEMENT_RUN).match(text, pos).end()
        first = text.find("\n", run, pos)
        if first >= 0:  # newlines ended the current statement and one-line ones after it
            _close(text, start, first + 1, joined)
            start = text.rfind("\n", run, pos) + 1
        if pos >= n:
            break
        m = _STATEMENT_LEX.match(text, pos)
        if m is None or m.lastgroup == "open":
            return None
        if m.lastgroup == "dq" and ("$(" in m.group() or "`" in m.group()):
            return None  # quotes nested in a substitution: the lexer cannot follow
        pos = m.end()
        if m.lastgroup == "hd":
            word = m.group("h1") or m.group("h2") or m.group("h3")
            pending.append((word, m.group().startswith("<<-")))
        elif m.lastgroup == "nl":
            for word, strip_tabs in pending:  # skip each body, up to its delimiter line
                while pos < n:
                    end = text.find("\n", pos)
                    line = text[pos : end if end >= 0 else n]
                    pos = end + 1 if end >= 0 else n
                    if (line.lstrip("\t") if strip_tabs else line) == word:
                        break
            pending.clear()
            _close(text, start, pos, joined)
            start = pos
    if start < n:
        _close(text, start, n, joined)
    if "case" in text or "esac" in text:
        joined = _join_case_blocks(text, joined)
    return joined


def _close(text: str, start: int, end: int, joined: list[tuple[int, int]]) -> None:
    """End the statement [start, end): kept when it spans more than one line."""
    if text.find("\n", start, end - 1) >= 0:
        joined.append((start, end))


_CASE_WORD = re.compile(r"(?<![\w$-])(case|esac)(?![\w-])")


def _join_case_blocks(text: str, joined: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A `case ... esac` block is one statement: its patterns (`a|b)`) are not
    commands, which only the block as a whole tells. `joined` holds the statements
    that span lines; the others are lines. The words count wherever they are (in
    quotes and comments too), as this cheap lexer cannot tell."""
    words = [(m.start(), m.group(1) == "case") for m in _CASE_WORD.finditer(text)]
    if not words:
        return joined
    starts = [s for s, _ in joined]
    n = len(text)
    # the statements holding a word, with every joined one: a statement between
    # them holds no word and joins the block it is in, if any
    marked = set(joined) | {_statement_of(text, joined, starts, p) for p, _ in words}
    out: list[tuple[int, int]] = []
    depth = 0
    k = 0
    for s, e in sorted(marked):
        if depth:
            out[-1] = (out[-1][0], e)  # inside an open block, with the lines before it
        else:
            out.append((s, e))
        while k < len(words) and words[k][0] < e:
            depth = depth + 1 if words[k][1] else max(0, depth - 1)
            k += 1
    if depth:
        out[-1] = (out[-1][0], n)  # a block left open runs to the end
    return out


def runs(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with adjacent ones merged: the runs `parse_statements` parses."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and out[-1][1] == s:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def parse_statements(text: str, spans: list[tuple[int, int]]) -> list[Command]:
    """Commands of the given statement spans (sorted), offsets into `text`.

    Adjacent spans are parsed as one run; each run is scanned in place (offsets
    are `start + i`), so no word is rebuilt."""
    out: list[Command] = []
    collecting = gc.isenabled()
    if collecting:
        gc.disable()  # see parse()
    try:
        for s, e in runs(spans):
            try:
                if not _plain_commands(text, s, e, out):
                    run = text[s:e]
                    _Parser(text, run, s, None, None, out, _budget(run))._parse_list(0, 0, None)
            except Exception:  # pragma: no cover - as in parse(): keep what was found
                pass
    finally:
        if collecting:
            gc.enable()
    out.sort(key=_start_of)
    return out
