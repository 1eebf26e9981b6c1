r"""Shell command text -> a flat list of simple commands.

The parser is the native core's (`vitana_guard._core`, crates/vitana_core/src/
normalize/shell/); this module gives its results as the model's `Command` and
`Word` records, with offsets as code-point indices into the `str` given.

It is a static, best-effort parser of POSIX/bash syntax, written for what rules
need: *which programs run, with which arguments, and where they are written*.
It is pure (nothing is run, expanded or looked up), single pass, total (never
raises on malformed input: an unterminated quote or substitution extends to the
end of the text) and exact about positions: every `Word` carries `start`/`end`
offsets into the text given to `parse`, including words of nested scripts
(`bash -c '...'`, `eval`, `ssh host '...'`, heredoc scripts, backticks).

The output is flat: compound commands (`if`, `while`, `for`, `case`, subshells,
brace groups, functions, pipelines, lists) are reduced to the simple commands
inside them, because rules ask "does anything here run `gcloud run deploy`",
not "in which branch". Wrappers that only run another program (`sudo`, `env`,
`timeout`, `nohup`, `xargs`, ...) are stripped so that `Command.program` is the
program that really runs; nested shells are unwrapped for the same reason.

Words that are not literals (`$VAR`, `$(...)`, backticks, template
placeholders such as `<PR_NUMBER>` or `{{NAME}}`) get `value=None`: an unknown
value, which rules must treat as "could be anything".

It reads what bash would run where the text itself says (issue 13's evasions):
- quoting inside a word is removed (`g"c"loud`, `gc''loud`, `g\cloud`,
  `$'\x67cloud'` are all `gcloud`);
- names bound earlier in the same text are expanded: `G=gcloud; $G run deploy`,
  `CMD="gcloud run deploy"; $CMD x` (split into words, as bash does unquoted),
  `export`/`readonly`/`local`/`declare` forms, arrays (`"${a[@]}"`), and
  `${NAME:-word}` takes NAME's value when NAME was set. Assignments count in text
  order wherever they are (a branch, a loop, a function): over-approximating is
  the safe side for a guard. A name given an unknown value, `unset` or `read`
  becomes unknown again. `$(command -v gcloud)`, `$(which gcloud)` and
  `` `which gcloud` `` give `gcloud`;
- text fed to a shell is parsed as its script: `sh <<< '...'`,
  `echo '...' | sh`, `printf '...' | bash`, `cat <<EOF | bash`;
- literal command strings in interpreter payloads (`python -c`, `node -e`,
  `perl -e`, `ruby -e`) passed to `os.system`, `subprocess.run([...])`,
  `child_process.execSync`/`spawn`, `system`, `exec` or backticks are parsed as
  commands (the code itself is neither run nor parsed as its language);
- where text is left unparsed because nesting goes past `MAX_DEPTH` (101 nested
  `eval`s or `$(`) or the work budget is spent, a command is emitted whose only
  word has the value `DEPTH_MARKER` ("\ue001depth", a private-use character no
  program name holds), spanning that text: what runs there is unknown, and a guard
  must deny it. One per parse.
"""
from __future__ import annotations

import gc

from .. import _core
from ..model import Command, Word

__all__ = ["DEPTH_MARKER", "MAX_DEPTH", "line_starts", "parse", "parse_statements", "plain_lines", "runs", "statements",
           "statements_at"]

MAX_DEPTH: int = _core.SHELL_MAX_DEPTH
"""Nesting depth (substitutions, nested scripts) parsed; deeper text is opaque."""

DEPTH_MARKER: str = _core.SHELL_DEPTH_MARK
"""The program of the command emitted where nesting past MAX_DEPTH left text
unparsed: "\\ue001depth". A guard denies it."""


def _commands(parse_fn, *args) -> list[Command]:
    """Run a `_core` parse and build the records. The results are many small objects
    and no reference cycles; with the cyclic collector running, its passes over the
    growing lists cost more than the parse itself on a large script (x3 on 4 MB)."""
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        return [Command(tuple([Word(*w) for w in argv]), start, end) for argv, start, end in parse_fn(*args)]
    finally:
        if collecting:
            gc.enable()


def parse(text: str) -> list[Command]:
    """Every simple command in `text`, in order of position. Never raises on
    malformed shell."""
    if not text:
        return []
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8", "replace")
    return _commands(_core.shell_parse, text)


_parse_strict = parse  # the core has no safety net to leave out: the tests' name for parse


def parse_statements(text: str, spans: list[tuple[int, int]]) -> list[Command]:
    """Commands of the given statement spans (sorted), offsets into `text`.
    Adjacent spans are parsed as one run."""
    return _commands(_core.shell_parse_statements, text, list(spans))


def statements(text: str) -> list[tuple[int, int]] | None:
    """Spans of the top-level statements of a script: runs of lines joined where a
    quote, a backslash continuation or a heredoc body carries on past a newline.

    Each span parses on its own as the whole script would (a line inside `if`,
    `(`...`)` or `$(`...`)` blocks parses the same alone), so a caller may parse only
    the statements that mention what it looks for. None when the script holds what
    this cheap lexer cannot split with certainty (backticks, unterminated quotes):
    parse it whole then.
    """
    return _core.shell_statements(text)


def statements_at(text: str, offsets: list[int]) -> list[tuple[int, int]] | None:
    """The spans of `statements(text)` that hold one of `offsets` (in order), without
    listing the others. None where `statements` gives None."""
    return _core.shell_statements_at(text, list(offsets))


def runs(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with adjacent ones merged: the runs `parse_statements` parses."""
    return _core.shell_runs(list(spans))


def plain_lines(text: str) -> list[tuple[int, int]] | None:
    """The lines of `text` (spans, each with its newline) when all of it is plain
    commands: each line then parses on its own as the whole text does, offsets
    aside. None otherwise."""
    return _core.shell_plain_lines(text)


def line_starts(text: str) -> list[int]:
    """The offset of every line's start (one per item of `text.split("\\n")`)."""
    return _core.shell_line_starts(text)
