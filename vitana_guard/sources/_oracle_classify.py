"""The Python classifier, kept as the oracle of tests/test_parity_classify.py only: the
public `classify` runs on the Rust core (`vitana_guard._core.classify_segments`).

Split the text of one file into Segments by channel (RULES.md, "channels").

`file_kind` names the kind of a file from its path and first bytes; `segments` cuts its
text into COMMAND, REQUEST, OUTPUT and PROSE segments. Every character of a segment's
text that comes from the file maps back to its exact 1-based line and column through
`Segment.position` (dedented blocks use `indent`; text decoded from an escaped string is
`flat`). A few characters are synthesized to keep shell meaning where the file format
joins lines (YAML folding, Dockerfile comment lines inside a continuation): they are
placed at line ends or over blanked text, so no original character moves.

Pure: no I/O.
"""
from __future__ import annotations

import bisect
import json
import posixpath
import re
import shlex
from functools import cached_property
from typing import Iterator

from vitana_guard.model import Channel, Origin, Segment
from vitana_guard.normalize.shell import line_starts

__all__ = ["KINDS", "file_kind", "segments"]

KINDS = (
    "shell",
    "makefile",
    "dockerfile",
    "workflow",
    "package-json",
    "markdown",
    "config",
    "http",
    "text",
    "code",
)

# --------------------------------------------------------------------------- kinds

_SHELL_EXT = (".sh", ".bash", ".zsh", ".ksh")
_MARKDOWN_EXT = (".md", ".markdown", ".mdx")
_HTTP_EXT = (".http", ".rest")
# Source code: read whole as prose like text (a URL or a repository in it still counts),
# but its comments and strings are no conversation with a human (VG501 skips "code").
_CODE_EXT = (
    ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".vue", ".svelte",
    ".py", ".pyi", ".go", ".rs", ".java", ".kt", ".kts", ".scala", ".groovy", ".rb", ".php",
    ".cs", ".fs", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".m", ".mm", ".swift", ".dart",
    ".lua", ".pl", ".pm", ".r", ".jl", ".ex", ".exs", ".erl", ".clj", ".sql", ".ps1",
)
# editor and hand-made copies keep their file's kind: app.js.backup2 is code
_COPY_SUFFIX = re.compile(r"\.(?:bak|backup|orig|old|save|swp|tmp)\d*$|~$")
_CONFIG_EXT = (
    ".yml",
    ".yaml",
    ".json",
    ".toml",
    ".ini",
    ".cfg",
    ".conf",
    ".properties",
    ".tf",
    ".tfvars",
)
_SHEBANG = re.compile(
    r"#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:sh|bash|zsh|dash|ksh|mksh|ash)(?:\s|$)"
)


def file_kind(path: str, head: str) -> str:
    """The kind of a file: its path first, then a shebang in `head` (its first bytes)."""
    p = path.replace("\\", "/")
    base = posixpath.basename(p)
    lower = base.lower()
    if lower.endswith((".yml", ".yaml")):
        if "/.github/workflows/" in "/" + p or lower in ("action.yml", "action.yaml"):
            return "workflow"
    if base == "package.json":
        return "package-json"
    if (
        base in ("Dockerfile", "Containerfile")
        or base.startswith(("Dockerfile.", "Containerfile."))
        or lower.endswith(".dockerfile")
    ):
        return "dockerfile"
    if base in ("Makefile", "makefile", "GNUmakefile") or lower.endswith(".mk"):
        return "makefile"
    if lower.endswith(_SHELL_EXT):
        return "shell"
    if lower.endswith(_MARKDOWN_EXT):
        return "markdown"
    if lower.endswith(_HTTP_EXT):
        return "http"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(_CONFIG_EXT):
        return "config"
    if head.startswith("#!") and _SHEBANG.match(head.split("\n", 1)[0]):
        return "shell"
    if _COPY_SUFFIX.sub("", lower).endswith(_CODE_EXT):
        return "code"
    return "text"


# --------------------------------------------------------------------------- positions


class _Text:
    """A file's text with its line starts, to turn offsets into segments."""

    def __init__(self, text: str, origin: Origin) -> None:
        self.text = text
        self.origin = origin
        self.out: list[Segment] = []
        self._prose: list[int] | None = None  # [start, end] of pending prose run

    # positions ---------------------------------------------------------------
    @cached_property
    def starts(self) -> list[int]:
        """Offset of every line start; computed on first use (a file that is one
        prose segment needs none)."""
        return line_starts(self.text)

    def pos(self, offset: int) -> tuple[int, int]:
        if offset == 0:
            return 1, 1
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def lines(self) -> list[tuple[int, str]]:
        """(start offset, text without the newline) of every line."""
        return list(zip(self.starts, self.text.split("\n")))

    # emitting ----------------------------------------------------------------
    def emit(
        self,
        text: str,
        channel: Channel,
        offset: int,
        *,
        indent: int = 0,
        flat: bool = False,
    ) -> None:
        """A segment whose first character is at `offset` in the file."""
        if not text.strip():
            return
        line, column = self.pos(offset)
        self.out.append(Segment(text, channel, self.origin, line, column, indent, flat))

    def emit_span(self, start: int, end: int, channel: Channel, *, trim: bool = True) -> None:
        """A segment that is the slice [start, end) of the file (lines after the
        first keep their whole text: indent 0)."""
        t = self.text
        if trim:
            while start < end and t[start] in " \t\r\n\f\v":
                start += 1
            while end > start and t[end - 1] in " \t\r\n\f\v":
                end -= 1
        if start < end:
            self.emit(t[start:end], channel, start)

    def prose(self, start: int, end: int) -> None:
        """Add [start, end) to the pending prose run (merged while contiguous)."""
        if self._prose is not None and start <= self._prose[1] + 1:
            self._prose[1] = max(self._prose[1], end)
            return
        self.flush()
        self._prose = [start, end]

    def flush(self) -> None:
        if self._prose is not None:
            self.emit_span(self._prose[0], self._prose[1], Channel.PROSE)
            self._prose = None

    def prose_between(self, spans: list[tuple[int, int]]) -> None:
        """PROSE for everything outside `spans` (sorted, non-overlapping)."""
        prev = 0
        for s, e in spans:
            if s > prev:
                self.emit_span(prev, s, Channel.PROSE)
            prev = max(prev, e)
        if prev < len(self.text):
            self.emit_span(prev, len(self.text), Channel.PROSE)

    def done(self) -> list[Segment]:
        self.flush()
        self.out.sort(key=lambda s: (s.line, s.column))
        return self.out


# --------------------------------------------------------------------------- entry


def segments(display_path: str, text: str, kind: str | None = None) -> Iterator[Segment]:
    """The segments of one file's text, in file order."""
    if kind is None:
        kind = file_kind(display_path, text[:256])
    t = _Text(text, Origin(path=display_path, kind=kind))
    handler = _HANDLERS.get(kind)
    if handler is None:
        t.emit(text, Channel.PROSE, 0)
    else:
        handler(t)
    return iter(t.done())


def _whole(channel: Channel):
    def handle(t: _Text) -> None:
        t.emit(t.text, channel, 0)

    return handle


# --------------------------------------------------------------------------- shell

# A run of shell text in which no comment starts and no here-document opens: words,
# blanks, quoted strings, escapes, `<<<` and a `<` that opens no here-document. The
# regex engine walks the quotes, so Python only sees the few places where something
# happens. `_SH_LINE_RUN` also stops at a newline: the bodies of the here-documents
# opened on the line start after it.
_SH_RUN = re.compile(
    r"""(?:[^'"\\\#<]+ | '[^']*' | "(?:[^"\\]|\\.)*" | \\. | <<< | <(?!<-?[ \t]*(['"]?)[A-Za-z_][\w.-]*\1))*+""",
    re.X | re.S,
)
_SH_LINE_RUN = re.compile(
    r"""(?:[^'"\\\#<\n]+ | '[^']*' | "(?:[^"\\]|\\.)*" | \\. | <<< | <(?!<-?[ \t]*(['"]?)[A-Za-z_][\w.-]*\1))*+""",
    re.X | re.S,
)
_SH_HEREDOC = re.compile(r"""<<-?[ \t]*(['"]?)([A-Za-z_][\w.-]*)\1""")
_SH_COMMENT_AFTER = frozenset(" \t\n;&|()")  # a `#` after these starts a comment


def _shell_comments(text: str, base: int = 0) -> Iterator[tuple[int, int]]:
    """Spans (start, end) of the comments of a shell script, as best a cheap lexer
    can tell: a `#` starting a word, outside quotes and here-documents."""
    pos = 0
    n = len(text)
    pending: list[tuple[str, bool]] = []  # here-documents opened on this line
    while True:
        pos = (_SH_LINE_RUN if pending else _SH_RUN).match(text, pos).end()
        if pos >= n:
            return
        c = text[pos]
        if c == "#":
            if (text[pos - 1] if pos else "\n") in _SH_COMMENT_AFTER and not (pos == 0 and text.startswith("#!")):
                eol = text.find("\n", pos)
                eol = n if eol < 0 else eol
                yield base + pos, base + (eol - 1 if text[eol - 1] == "\r" else eol)
                pos = eol
            else:
                pos += 1  # a `#` inside a word: part of the word
        elif c == "\n":  # only the line run stops here
            pos = _skip_heredoc_bodies(text, pos + 1, pending)
            pending = []
        elif c == "<" and (m := _SH_HEREDOC.match(text, pos)):
            pending.append((m.group(2), m.group(0).startswith("<<-")))
            pos = m.end()
        else:
            pos += 1  # an unterminated quote or a final backslash: a character of its own


def _skip_heredoc_bodies(text: str, pos: int, heredocs: list[tuple[str, bool]]) -> int:
    """The offset after the bodies of `heredocs` (delimiter, `<<-`) starting at `pos`."""
    n = len(text)
    for delim, strip_tabs in heredocs:
        while pos < n:
            eol = text.find("\n", pos)
            line_end = n if eol < 0 else eol
            line = text[pos:line_end].rstrip("\r")
            pos = n if eol < 0 else eol + 1
            if (line.lstrip("\t") if strip_tabs else line) == delim:
                break
    return pos


def _do_shell(t: _Text) -> None:
    t.emit(t.text, Channel.COMMAND, 0)
    for s, e in _shell_comments(t.text):
        t.emit(t.text[s:e], Channel.PROSE, s)


# --------------------------------------------------------------------------- makefile

_MK_ASSIGN = re.compile(
    r"\s*(?:(?:export|override|private)\s+)*[^\s:#=]+\s*(?:::?=|:::=|[+?!]?=)"
)
_MK_DEFINE = re.compile(r"\s*(?:(?:export|override|private)\s+)*define(?:\s|$)")
_MK_ENDEF = re.compile(r"\s*endef(?:\s|$)")
_MK_DIRECTIVE = re.compile(
    r"\s*(?:ifeq|ifneq|ifdef|ifndef|else|endif|-?include|sinclude|vpath|unexport)(?:\s|$)"
)
_MK_RECIPE_PREFIX = re.compile(r"[@+\-\s]*")


def _continued(line: str) -> bool:
    """Ends with an odd number of backslashes (line continuation)."""
    stripped = line.rstrip("\r")
    k = len(stripped) - len(stripped.rstrip("\\"))
    return k % 2 == 1


def _rule_colon(line: str) -> int:
    """Offset of the rule's `:` in a non-assignment line, -1 if none (outside $(...))."""
    depth = 0
    for i, ch in enumerate(line):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth = max(0, depth - 1)
        elif ch == "#" and depth == 0:
            return -1
        elif ch == ":" and depth == 0:
            return i
    return -1


def _do_makefile(t: _Text) -> None:
    lines = t.lines()
    n = len(lines)
    i = 0
    in_rule = False
    in_define = False
    while i < n:
        off, line = lines[i]
        # a logical line: this line and its continuation lines
        j = i
        while _continued(lines[j][1]) and j + 1 < n:
            j += 1
        end = lines[j][0] + len(lines[j][1])
        nxt = j + 1
        if in_define:
            if _MK_ENDEF.match(line):
                in_define = False
                t.prose(off, end)
            elif line.startswith("\t"):
                _mk_recipe(t, off, end, line)
            else:
                t.prose(off, end)
        elif line.startswith("\t") and in_rule:
            _mk_recipe(t, off, end, line)
        elif not line.strip():
            t.flush()
        elif line.lstrip().startswith("#"):
            t.prose(off, end)
        elif _MK_DEFINE.match(line):
            in_define = True
            in_rule = False
            t.prose(off, end)
        elif _MK_DIRECTIVE.match(line):
            t.prose(off, end)
        elif _MK_ASSIGN.match(line):
            in_rule = False
            t.prose(off, end)
        else:
            logical = t.text[off:end]
            colon = _rule_colon(logical)
            if colon >= 0:
                in_rule = True
                semi = logical.find(";", colon)
                hash_ = logical.find("#", colon)
                if semi >= 0 and (hash_ < 0 or semi < hash_):
                    t.prose(off, off + semi)
                    t.flush()
                    t.emit_span(off + semi + 1, end, Channel.COMMAND)
                else:
                    t.prose(off, end)
            else:
                in_rule = False
                t.prose(off, end)
        i = nxt


def _mk_recipe(t: _Text, off: int, end: int, line: str) -> None:
    t.flush()
    body_start = off + 1  # after the recipe tab
    m = _MK_RECIPE_PREFIX.match(t.text, body_start, end)
    start = m.end() if m else body_start
    if t.text.startswith("#", start):
        t.emit_span(start, end, Channel.PROSE)
    else:
        t.emit_span(start, end, Channel.COMMAND)


# --------------------------------------------------------------------------- dockerfile

_DK_DIRECTIVE = re.compile(r"#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$")
_DK_INSTR = re.compile(r"[ \t]*([A-Za-z]+)(?=\s|$)[ \t]*")
_DK_RUN_FLAGS = re.compile(r"(?:--[\w-]+(?:=\S*)?[ \t]+)*")
_DK_HEREDOC = re.compile(r"<<(-?)(['\"]?)([A-Za-z_][\w.-]*)\2")


def _do_dockerfile(t: _Text) -> None:
    lines = t.lines()
    n = len(lines)
    escape = "\\"
    # parser directives: leading `# directive=value` lines
    for _, line in lines:
        m = _DK_DIRECTIVE.match(line.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
            escape = m.group(2)
    i = 0
    while i < n:
        off, line = lines[i]
        stripped = line.strip()
        if not stripped:
            t.flush()
            i += 1
            continue
        if stripped.startswith("#"):
            t.prose(off, off + len(line))
            i += 1
            continue
        # gather the logical instruction: continuation lines, minus the comment and
        # empty lines Docker drops inside it
        parts = [i]
        blanked: list[int] = []  # comment/whitespace lines inside the continuation
        j = i
        while lines[j][1].rstrip().endswith(escape) and j + 1 < n:
            j += 1
            while j < n and (not lines[j][1].strip() or lines[j][1].lstrip().startswith("#")):
                if lines[j][1].strip():
                    blanked.append(j)
                j += 1
            if j >= n:
                j = n - 1
                break
            parts.append(j)
        last = parts[-1]
        end = lines[last][0] + len(lines[last][1])
        m = _DK_INSTR.match(line)
        instr = m.group(1).upper() if m else ""
        # here-documents (BuildKit) follow the instruction's first line
        heredocs = list(_DK_HEREDOC.finditer(line)) if instr in ("RUN", "COPY", "ADD") else []
        body_end_line = last
        bodies: list[tuple[int, int]] = []  # (first line index, last line index) of bodies
        if heredocs:
            k = last + 1
            for h in heredocs:
                strip_tabs, delim = h.group(1) == "-", h.group(3)
                first = k
                while k < n:
                    content = lines[k][1].rstrip("\r")
                    if (content.lstrip("\t") if strip_tabs else content) == delim:
                        break
                    k += 1
                bodies.append((first, k - 1))
                body_end_line = min(k, n - 1)
                k += 1
        full_end = lines[body_end_line][0] + len(lines[body_end_line][1])
        if instr == "RUN":
            t.flush()
            cmd_start = off + m.end()
            fm = _DK_RUN_FLAGS.match(t.text, cmd_start, end)
            cmd_start = fm.end() if fm else cmd_start
            _dk_run(t, cmd_start, end, full_end, parts, blanked, lines, escape, heredocs, bodies)
            for b in blanked:
                boff, bline = lines[b]
                t.emit_span(boff, boff + len(bline), Channel.PROSE)
        else:
            t.prose(off, full_end)
        i = body_end_line + 1


def _dk_run(
    t: _Text,
    start: int,
    end: int,
    full_end: int,
    parts: list[int],
    blanked: list[int],
    lines: list[tuple[int, str]],
    escape: str,
    heredocs: list[re.Match],
    bodies: list[tuple[int, int]],
) -> None:
    text = t.text
    if text.startswith("[", start):
        # exec form: JSON array of strings, no shell
        pieces = []
        for p in parts:
            poff, pline = lines[p]
            piece = text[max(start, poff) : poff + len(pline)]
            pieces.append(_strip_escape(piece, escape) if p != parts[-1] else piece)
        try:
            argv = json.loads("".join(pieces))
        except ValueError:
            argv = None
        if isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv):
            t.emit(shlex.join(argv), Channel.COMMAND, start, flat=True)
            return
    first_line_rest = text[start : lines[parts[0]][0] + len(lines[parts[0]][1])]
    if (
        len(heredocs) == 1
        and parts[0] == parts[-1]
        and first_line_rest.strip() == heredocs[0].group(0)
    ):
        # `RUN <<EOF` ... `EOF`: the body is the script
        first, last = bodies[0]
        if first <= last:
            boff = lines[first][0]
            t.emit(text[boff : lines[last][0] + len(lines[last][1])], Channel.COMMAND, boff)
        return
    chunk = list(text[start:full_end])
    # continuation characters become `\` (a backtick escape would mean something else
    # to a shell); comment lines inside the continuation become blanks ending in `\`
    for p in parts[:-1]:
        poff, pline = lines[p]
        k = poff + len(pline.rstrip()) - 1 - start
        if 0 <= k < len(chunk):
            chunk[k] = "\\"
    for b in blanked:
        boff, bline = lines[b]
        lo = max(boff - start, 0)
        hi = boff + len(bline.rstrip("\r")) - start
        for k in range(lo, hi):
            chunk[k] = " "
        if hi > lo:
            chunk[hi - 1] = "\\"
    t.emit("".join(chunk).rstrip(), Channel.COMMAND, start)


def _strip_escape(line: str, escape: str) -> str:
    s = line.rstrip()
    return s[:-1] if s.endswith(escape) else s


# --------------------------------------------------------------------------- workflow

_BLOCK_HEADER = re.compile(r"([|>])([1-9]?)([+-]?)([1-9]?)")
_NODE_PROPS = re.compile(r"(?:[&!][^\s]*[ \t]+)*")


def _do_workflow(t: _Text) -> None:
    actions: list[tuple[int, str]] = []
    spans = _yaml_run_spans(t.text, actions)
    if spans is None:
        spans = _scan_run_spans(t.text)
        actions = _scan_action_steps(t.text)
    # a step that deploys through an action is a command too (VG101/VG103 match the
    # `uses:` line written in this normal form; rules/vg1-deployment-path.yaml)
    for offset, text in actions:
        t.emit(text, Channel.COMMAND, offset, flat=True)
    excluded: list[tuple[int, int]] = []
    for key_col, start, end, style, value in spans:
        rendered = _render_scalar(t, key_col, start, end, style, value)
        if rendered is not None:
            excluded.append(rendered)
    excluded.sort()
    t.prose_between(excluded)


# Actions that release: a step `uses:` one of these is a deploy (push: only when the
# step's `with: push:` is not false; an expression may be true at run time).
_DEPLOY_ACTIONS = ("google-github-actions/deploy-cloudrun",)
_PUSH_ACTIONS = ("docker/build-push-action",)


def _action_step(uses: str, push) -> str | None:
    """The normal form of a releasing `uses:` step (what the rules match), or None."""
    name = uses.split("@", 1)[0].strip().lower()
    if name in _DEPLOY_ACTIONS:
        return f"uses: {uses.strip()}"
    if name in _PUSH_ACTIONS and push is not None and str(push).strip().lower() not in ("false", "no", "off", ""):
        return f"uses: {uses.strip()} (push: true)"
    return None


def _scan_action_steps(text: str) -> list[tuple[int, str]]:
    """Fallback when the file is not valid YAML (an edit's fragment): `uses:` lines, and
    for a push action a `push:` key before the next step."""
    out = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for i, line in enumerate(lines):
        m = re.match(r"^([ \t]*(?:-[ \t]+)?)uses:[ \t]*['\"]?([\w./@-]+)", line)
        if not m:
            continue
        push = None
        for nxt in lines[i + 1:]:
            if re.match(r"^[ \t]*-[ \t]", nxt) or re.match(r"^[ \t]*(?:uses|run):", nxt):
                break
            pm = re.match(r"^[ \t]*push:[ \t]*(.*?)[ \t]*(?:#.*)?$", nxt)
            if pm:
                push = pm.group(1).strip("'\"")
        normal = _action_step(m.group(2), push)
        if normal:
            out.append((offsets[i] + m.start(2), normal))
    return out


def _yaml_run_spans(text: str, actions: list | None = None):
    """(key column, value start, value end, style, value) of every `run:` scalar, or
    None when the text is not YAML. Releasing `uses:` steps go to `actions`
    as (offset, normal form)."""
    import yaml  # workflows only: most files never need it

    try:
        docs = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    out = []
    seen: set[int] = set()
    stack = [d for d in docs if d is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            if actions is not None:
                _yaml_action(node, actions)
            for k, v in node.value:
                if (
                    isinstance(k, yaml.ScalarNode)
                    and k.value == "run"
                    and isinstance(v, yaml.ScalarNode)
                    and id(v) not in seen
                ):
                    seen.add(id(v))
                    out.append((k.start_mark.column, v.start_mark.index, v.end_mark.index, v.style, v.value))
                else:
                    stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return out


def _yaml_action(node, actions: list) -> None:
    import yaml

    keys = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    uses = keys.get("uses")
    if not isinstance(uses, yaml.ScalarNode) or not isinstance(uses.value, str):
        return
    push = None
    with_ = keys.get("with")
    if isinstance(with_, yaml.MappingNode):
        for k, v in with_.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "push" and isinstance(v, yaml.ScalarNode):
                push = v.value
    normal = _action_step(uses.value, push)
    if normal:
        actions.append((uses.start_mark.index, normal))


_RUN_KEY = re.compile(r"^([ \t]*(?:-[ \t]+)?)run:(?=\s|$)[ \t]*", re.M)


def _scan_run_spans(text: str):
    """Fallback when the file is not valid YAML: `run:` keys found line by line."""
    out = []
    for m in _RUN_KEY.finditer(text):
        start = m.end()
        eol = text.find("\n", start)
        eol = len(text) if eol < 0 else eol
        rest = text[start:eol].rstrip("\r")
        if not rest.strip() or rest.startswith("#"):
            continue
        ch = rest[0]
        key_col = len(m.group(1))
        if ch in "|>":
            out.append((key_col, start, len(text), ch, None))
        elif ch in "'\"":
            close = _quoted_end(rest, ch)
            if close > 0:
                out.append((key_col, start, start + close + 1, ch, None))
        else:
            c = re.search(r"[ \t]#", rest)
            value = (rest[: c.start()] if c else rest).rstrip()
            out.append((key_col, start, start + len(value), None, None))
    return out


def _quoted_end(rest: str, q: str) -> int:
    i = 1
    while i < len(rest):
        c = rest[i]
        if q == '"' and c == "\\":
            i += 2
            continue
        if c == q:
            if q == "'" and rest.startswith("''", i):
                i += 2
                continue
            return i
        i += 1
    return -1


def _render_scalar(t: _Text, key_col, start, end, style, value):
    """Emit the COMMAND segment of a `run:` scalar; return the span it covers."""
    text = t.text
    pm = _NODE_PROPS.match(text, start, end)
    if pm and pm.end() > start:
        start = pm.end()
    if style in ("|", ">"):
        return _render_block(t, key_col, start, end, style, bounded=value is not None)
    if style in ("'", '"'):
        inner_start, inner_end = start + 1, end - 1
    else:
        inner_start, inner_end = start, end
    raw = text[inner_start:inner_end]
    if "\n" not in raw:
        plain = raw
        if style == '"' and "\\" in raw or style == "'" and "''" in raw:
            plain = None
        if plain is not None and (value is None or value == plain):
            t.emit(plain, Channel.COMMAND, inner_start)
        else:
            if value is None:
                value = _load_scalar(text[start:end])
            if value is not None:
                t.emit(value, Channel.COMMAND, inner_start, flat=True)
        return (start, end)
    # a multi-line flow scalar: lines fold into spaces; keep every line where it is
    # and append ` \` where a line break folds (a shell line continuation)
    if style == '"' and "\\" in raw or style == "'" and "''" in raw:
        if value is not None:
            t.emit(value, Channel.COMMAND, inner_start, flat=True)
        return (start, end)
    t.emit(_fold_lines(raw.split("\n")), Channel.COMMAND, inner_start)
    return (start, end)


def _load_scalar(raw: str) -> str | None:
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return None
    return value if isinstance(value, str) else None


def _fold_lines(lines: list[str], more_indented=lambda s: False) -> str:
    out = []
    for k, line in enumerate(lines):
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if (
            nxt is not None
            and line.strip()
            and nxt.strip()
            and not more_indented(line)
            and not more_indented(nxt)
            and not line.rstrip().endswith("\\")
        ):
            out.append(line.rstrip("\r") + " \\")
        else:
            out.append(line)
    return "\n".join(out)


def _render_block(t: _Text, key_col: int, start: int, end: int, style: str, bounded: bool):
    """A block scalar's lines, dedented. With `bounded` (the YAML parser gave `end`)
    the block is the lines before `end`; otherwise it ends at the first non-blank
    line indented no deeper than the key."""
    text = t.text
    hm = _BLOCK_HEADER.match(text, start)
    digits = (hm.group(2) or hm.group(4)) if hm else ""
    eol = text.find("\n", start)
    if eol < 0:
        return (start, len(text))
    pos = eol + 1
    lines: list[tuple[int, str]] = []
    indent = key_col + int(digits) if digits else None
    n = end if bounded else len(text)
    while pos < n:
        nl = text.find("\n", pos)
        line_end = n if nl < 0 else nl
        line = text[pos:line_end]
        body = line.rstrip("\r")
        if body.strip(" "):
            lead = len(body) - len(body.lstrip(" "))
            if indent is None:
                if lead <= key_col and not bounded:
                    break
                indent = lead
            elif lead < indent:
                break
        lines.append((pos, line))
        pos = line_end + 1
    while lines and not lines[-1][1].strip():
        lines.pop()
    while lines and not lines[0][1].strip():
        lines.pop(0)
    if not lines or indent is None:
        return (start, eol)
    content = [line[indent:] if len(line) > indent else "" for _, line in lines]
    if style == ">":
        body = _fold_lines(content, more_indented=lambda s: s[:1] in (" ", "\t"))
    else:
        body = "\n".join(content)
    first_off = lines[0][0] + indent
    line_no, _ = t.pos(lines[0][0])
    if body.strip():
        t.out.append(Segment(body, Channel.COMMAND, t.origin, line_no, indent + 1, indent))
    last_off, last_line = lines[-1]
    return (start, max(first_off, last_off + len(last_line)))


# --------------------------------------------------------------------------- package.json

_JSON_TOKEN = re.compile(
    r'\s+|"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]|-?\d[\d.eE+-]*|true|false|null|.', re.S
)


def _do_package_json(t: _Text) -> None:
    try:
        scripts = _json_scripts(t.text)
    except ValueError:
        t.emit(t.text, Channel.PROSE, 0)
        return
    for s, e in scripts:
        token = t.text[s:e]
        inner = token[1:-1]
        if "\\" in inner:
            t.emit(json.loads(token), Channel.COMMAND, s + 1, flat=True)
        else:
            t.emit(inner, Channel.COMMAND, s + 1)
    t.prose_between(scripts)


def _json_scripts(text: str) -> list[tuple[int, int]]:
    """Spans of the string values of the top-level "scripts" object (with quotes)."""
    toks = [(m.group(), m.start()) for m in _JSON_TOKEN.finditer(text) if not m.group().isspace()]
    out: list[tuple[int, int]] = []
    pos = 0

    def value(depth: int, in_scripts: bool) -> None:
        nonlocal pos
        if pos >= len(toks):
            raise ValueError("unexpected end")
        tok, off = toks[pos]
        if tok == "{":
            pos += 1
            if toks[pos][0] == "}":
                pos += 1
                return
            while True:
                key, _ = toks[pos]
                if not key.startswith('"'):
                    raise ValueError("key expected")
                if toks[pos + 1][0] != ":":
                    raise ValueError(": expected")
                pos += 2
                is_scripts = depth == 0 and key == '"scripts"'
                if in_scripts and toks[pos][0].startswith('"'):
                    vt, vo = toks[pos]
                    out.append((vo, vo + len(vt)))
                    pos += 1
                else:
                    value(depth + 1, is_scripts)
                sep = toks[pos][0]
                pos += 1
                if sep == "}":
                    return
                if sep != ",":
                    raise ValueError(", expected")
        elif tok == "[":
            pos += 1
            if toks[pos][0] == "]":
                pos += 1
                return
            while True:
                value(depth + 1, False)
                sep = toks[pos][0]
                pos += 1
                if sep == "]":
                    return
                if sep != ",":
                    raise ValueError(", expected")
        elif tok.startswith('"') or tok[0] in "-0123456789" or tok in ("true", "false", "null"):
            pos += 1
        else:
            raise ValueError(f"unexpected {tok!r}")

    try:
        value(0, False)
    except IndexError as e:
        raise ValueError("unexpected end") from e
    return out


# --------------------------------------------------------------------------- markdown

_MD_QUOTE = re.compile(r"(?:[ ]{0,3}>[ ]?)*")
_MD_FENCE = re.compile(r"( *)(`{3,}|~{3,})(.*)$")
_COMMAND_LANGS = {"bash", "sh", "shell", "zsh", "ksh", "dash", "shellscript", "shell-script", "fish"}
_PROMPT_LANGS = {"console", "shell-session", "shellsession", "sh-session", "bash-session", "terminal"}
_REQUEST_LANGS = {"http", "rest", "restclient"}
_PROMPT = re.compile(r"(?:\([\w.-]+\)[ ]+)?(?:[\w.-]+@[\w.-]+(?::[^\s$#]*)?[ ]?)?\$(?:[ ]|$)")


_MD_CLOSE = re.compile(r" *(`{3,}|~{3,})[ \t\r]*$")


def _do_markdown(t: _Text) -> None:
    """Fenced blocks by their language; everything else is prose, one segment per
    paragraph. Only lines holding ``` or ~~~ are looked at one by one."""
    lines = t.lines()
    n = len(lines)
    i = 0  # the first line not handled yet
    for k in _md_fence_candidates(t):
        if k < i:
            continue  # inside a block already handled
        opened = _md_fence(lines[k][1])
        if opened is None:
            continue
        prefix, fm = opened
        _md_prose(t, lines[i:k])
        fence = fm.group(2)
        info = fm.group(3).strip()
        lang = info.split(None, 1)[0].strip("{}.").lower() if info else ""
        lang = lang.split(",", 1)[0]
        j = k + 1
        while j < n:
            cl = lines[j][1]
            cm = _MD_CLOSE.match(cl, _quote_width(cl))
            if cm and cm.group(1)[0] == fence[0] and len(cm.group(1)) >= len(fence):
                break
            j += 1
        _md_block(t, lines[k + 1 : j], prefix, len(fm.group(1)), lang)
        i = j + 1
    _md_prose(t, lines[i:])


def _md_fence_candidates(t: _Text) -> list[int]:
    """Indexes of the lines holding ``` or ~~~, in order."""
    text, starts = t.text, t.starts
    found: set[int] = set()
    for mark in ("```", "~~~"):
        at = text.find(mark)
        while at >= 0:
            k = bisect.bisect_right(starts, at) - 1
            found.add(k)
            at = text.find(mark, starts[k + 1] if k + 1 < len(starts) else len(text))
    return sorted(found)


def _md_fence(line: str) -> tuple[int, re.Match] | None:
    """(container prefix width, fence match) when `line` opens a fenced block."""
    prefix = _quote_width(line)
    fm = _MD_FENCE.match(line, prefix)
    if fm and not (fm.group(2)[0] == "`" and "`" in fm.group(3)):
        return prefix, fm
    return None


def _quote_width(line: str) -> int:
    """The width of a line's blockquote markers (`> `), 0 without."""
    q = _MD_QUOTE.match(line)
    return q.end() if q else 0


def _md_prose(t: _Text, lines: list[tuple[int, str]]) -> None:
    """PROSE for `lines` (no fence among them): a segment per run of non-blank lines."""
    first = last = None
    for off, line in lines:
        if line.strip():
            if first is None:
                first = off
            last = off + len(line)
        elif first is not None:
            t.emit_span(first, last, Channel.PROSE)
            first = None
    if first is not None:
        t.emit_span(first, last, Channel.PROSE)


def _md_block(t: _Text, block: list[tuple[int, str]], prefix: int, fence_indent: int, lang: str) -> None:
    if not block:
        return
    # strip the container prefix (blockquote) and the fence's indentation, but only
    # by a width every non-blank line has, so columns stay exact
    leads = []
    for _, line in block:
        if line.strip():
            p = _quote_width(line)
            if p != prefix:
                prefix = 0
                fence_indent = 0
            rest = line[p:]
            leads.append(len(rest) - len(rest.lstrip(" ")))
    d = min([fence_indent] + leads) if leads else 0
    width = prefix + d
    content = [(off + width, line[width:] if len(line) > width else "") for off, line in block]
    if lang in _COMMAND_LANGS or lang in _PROMPT_LANGS:
        if lang in _PROMPT_LANGS or any(_PROMPT.match(c) for _, c in content):
            _md_console(t, content, width)
        else:
            _md_emit(t, content, Channel.COMMAND, width)
    elif lang in _REQUEST_LANGS:
        _md_emit(t, content, Channel.REQUEST, width)
    else:
        _md_emit(t, content, Channel.PROSE, width)


def _md_emit(t: _Text, content: list[tuple[int, str]], channel: Channel, width: int) -> None:
    while content and not content[0][1].strip():
        content = content[1:]
    while content and not content[-1][1].strip():
        content = content[:-1]
    if not content:
        return
    text = "\n".join(c for _, c in content)
    line, column = t.pos(content[0][0])
    t.out.append(Segment(text, channel, t.origin, line, column, width))


def _md_console(t: _Text, content: list[tuple[int, str]], width: int) -> None:
    """Prompted lines (`$ cmd`, with `\\` or `> ` continuation lines) are commands;
    the rest is output."""
    k = 0
    n = len(content)
    output: list[tuple[int, str]] = []
    while k < n:
        off, line = content[k]
        m = _PROMPT.match(line)
        if not m:
            if line.strip():
                output.append((off, line))
            else:
                _md_emit(t, output, Channel.OUTPUT, width)
                output = []
            k += 1
            continue
        _md_emit(t, output, Channel.OUTPUT, width)
        output = []
        cmd = [(off + m.end(), line[m.end() :])]
        k += 1
        while k < n and (_continued(cmd[-1][1]) or content[k][1].startswith("> ")):
            cmd.append(content[k])
            k += 1
        more = cmd[1:]
        if more and all(c.startswith("> ") for _, c in more):
            more = [(o + 2, c[2:]) for o, c in more]
            cont_width = width + 2
        else:
            cont_width = width
        text = "\n".join([cmd[0][1]] + [c for _, c in more])
        if text.strip():
            line_no, column = t.pos(cmd[0][0])
            t.out.append(Segment(text, Channel.COMMAND, t.origin, line_no, column, cont_width))
    _md_emit(t, output, Channel.OUTPUT, width)


_HANDLERS = {
    "shell": _do_shell,
    "makefile": _do_makefile,
    "dockerfile": _do_dockerfile,
    "workflow": _do_workflow,
    "package-json": _do_package_json,
    "markdown": _do_markdown,
    "config": _whole(Channel.PROSE),
    "http": _whole(Channel.REQUEST),
    "text": _whole(Channel.PROSE),
}
