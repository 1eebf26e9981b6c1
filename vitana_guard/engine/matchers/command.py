"""`command`: argv-level matching on parsed shell commands.

A command matches when its program (basename of argv[0]) is one of `program`
(or matches a `program_glob`, or is a `launcher` whose first operand matches it),
its subcommand `words` follow in order (flags anywhere, with their values;
`optional_words` such as gcloud's `alpha`/`beta` release tracks may sit between),
and the optional `flags_any`, `arg` and `option` conditions hold. Unknown words
(`$VAR`, `<PLACEHOLDER>`) never satisfy a literal. `--help` is never a run, nor is
a command with one of `flags_none` (dry runs: `git push --dry-run`, `bash -n FILE`;
for a launcher, only its own flags before the script count).
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator


from vitana_guard.engine.matchers import REGEX_TIMEOUT, Hit, as_list, compile_regex
from vitana_guard.model import Command, Word

HELP_FLAGS = frozenset({"--help", "-help", "--usage"})


@dataclass(frozen=True)
class ArgCondition:
    index: int | None
    start: int
    regex: regex.Pattern | None
    not_regex: regex.Pattern | None
    globs: tuple[str, ...]
    ignore: regex.Pattern | None

    def hit(self, operands: list[Word]) -> Word | None:
        candidates = operands[self.index : self.index + 1] if self.index is not None else operands[self.start :]
        for word in candidates:
            value = word.value
            if value is None or (self.ignore and self.ignore.search(value, timeout=REGEX_TIMEOUT)):
                continue
            if self.regex and not self.regex.search(value, timeout=REGEX_TIMEOUT):
                continue
            if self.globs and not _glob_match(posixpath.basename(value), self.globs):
                continue
            if self.not_regex and self.not_regex.search(value, timeout=REGEX_TIMEOUT):
                continue
            return word
        return None


@dataclass(frozen=True)
class OptionCondition:
    names: frozenset[str]
    regex: regex.Pattern | None
    not_regex: regex.Pattern | None

    def hit(self, argv: tuple[Word, ...]) -> Word | None:
        for i, word in enumerate(argv):
            value = word.value
            if value is None:
                continue
            target: str | None
            if value in self.names:
                if i + 1 >= len(argv):
                    continue
                found = argv[i + 1]
                target = found.value
            elif "=" in value and value.split("=", 1)[0] in self.names:
                found, target = word, value.split("=", 1)[1]
            else:
                continue
            if target is None:
                continue
            if self.regex and not self.regex.search(target, timeout=REGEX_TIMEOUT):
                continue
            if self.not_regex and self.not_regex.search(target, timeout=REGEX_TIMEOUT):
                continue
            return found
        return None


@dataclass(frozen=True)
class CommandMatcher:
    programs: frozenset[str]
    program_globs: tuple[str, ...]
    launchers: frozenset[str]
    words: tuple[str, ...]
    optional_words: frozenset[str]
    flags_any: frozenset[str]
    arg: ArgCondition | None
    option: OptionCondition | None
    flags_none: frozenset[str] = frozenset()
    unit = "command"

    def match(self, command: Command) -> Iterator[Hit]:
        argv = command.argv
        if not argv or argv[0].value is None:
            return
        if any(w.value in HELP_FLAGS for w in argv[1:]):
            return
        program = argv[0].value.rsplit("/", 1)[-1]
        if not self.program_matches(program, argv):
            return
        after = _match_words(argv, self.words, self.optional_words)
        if after is None:
            return
        if self.flags_none and self._dry(program, argv):
            return
        if self.flags_any and not any(
            w.value is not None and (w.value in self.flags_any or w.value.split("=", 1)[0] in self.flags_any)
            for w in argv[1:]
        ):
            return
        focus: Word | None = None
        if self.arg is not None:
            focus = self.arg.hit(_operands(argv[after:]))
            if focus is None:
                return
        if self.option is not None:
            focus = self.option.hit(argv[1:])
            if focus is None:
                return
        yield Hit(command.start, command.end, {"program": program, "focus": focus.value if focus else ""})

    def _dry(self, program: str, argv: tuple[Word, ...]) -> bool:
        words = argv[1:]
        if program not in self.programs and program not in self.launchers:
            return False  # a script run by its own name: its flags are its own (`./deploy.sh -n`)
        if program in self.launchers and program not in self.programs:
            first = next((i for i, w in enumerate(words) if w.value is None or not w.value.startswith("-")), len(words))
            words = words[:first]  # `bash -n x.sh`, not `bash x.sh -n`
        for w in words:
            v = w.value
            if v is None or not v.startswith("-"):
                continue
            if v in self.flags_none or v.split("=", 1)[0] in self.flags_none:
                return True
            if not v.startswith("--") and any(f"-{c}" in self.flags_none for c in v[1:]):
                return True  # a cluster of short flags: `-fn`
        return False

    def program_matches(self, program: str, argv: tuple[Word, ...]) -> bool:
        """Whether a command run as `program` (with `argv`) is one this matcher names
        (the scanner asks with no argv to plan which entries a program can reach)."""
        if program in self.programs:
            return True
        if self.program_globs and _glob_match(program, self.program_globs):
            return True
        if program in self.launchers:
            operands = _operands(argv[1:])
            return bool(operands) and operands[0].value is not None and _glob_match(
                posixpath.basename(operands[0].value), self.program_globs
            )
        return False


def _glob_match(name: str, globs: tuple[str, ...]) -> bool:
    return bool(globs) and _globs_regex(globs).match(name) is not None


@lru_cache(maxsize=64)
def _globs_regex(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One case-insensitive regex for a set of basename globs."""
    return re.compile("|".join(fnmatch.translate(g) for g in globs), re.IGNORECASE)


def _operands(words: tuple[Word, ...]) -> list[Word]:
    """Words that are not flags (values of flags cannot be told apart; kept)."""
    return [w for w in words if w.value is None or not w.value.startswith("-") or w.value == "-"]


def _match_words(argv: tuple[Word, ...], words: tuple[str, ...], optional: frozenset[str]) -> int | None:
    """Index after the last of `words` found in order, or None."""
    i = 1
    after_flag = False
    for expected in words:
        while True:
            if i >= len(argv):
                return None
            value = argv[i].value
            i += 1
            if value == expected:
                after_flag = False
                break
            if value is not None and value.startswith("-"):
                after_flag = "=" not in value
                continue
            if value in optional:
                after_flag = False
                continue
            if after_flag:  # the value of the flag before it
                after_flag = False
                continue
            return None
    return i


def compile(spec: dict, params: dict, where: str, line: int | None) -> CommandMatcher:
    arg = spec.get("arg")
    option = spec.get("option")
    return CommandMatcher(
        programs=frozenset(as_list(spec.get("program"))),
        program_globs=tuple(as_list(spec.get("program_glob"))),
        launchers=frozenset(as_list(spec.get("launchers"))),
        words=tuple(spec.get("words", ())),
        optional_words=frozenset(spec.get("optional_words", ())),
        flags_any=frozenset(spec.get("flags_any", ())),
        flags_none=frozenset(spec.get("flags_none", ())),
        arg=ArgCondition(
            index=arg.get("index"),
            start=arg.get("from", 0),
            regex=compile_regex(arg["regex"], where, line) if "regex" in arg else None,
            not_regex=compile_regex(arg["not"], where, line) if "not" in arg else None,
            globs=tuple(as_list(arg.get("glob"))),
            ignore=compile_regex(arg["ignore"], where, line) if "ignore" in arg else None,
        )
        if arg
        else None,
        option=OptionCondition(
            names=frozenset(option["names"]),
            regex=compile_regex(option["regex"], where, line) if "regex" in option else None,
            not_regex=compile_regex(option["not"], where, line) if "not" in option else None,
        )
        if option
        else None,
    )
