"""`command`: argv-level matching on parsed shell commands.

A command matches when its program (basename of argv[0]) is one of `program`
(or matches a `program_glob`, or is a `launcher` whose first operand matches it),
its subcommand `words` follow in order (flags anywhere, with their values;
`optional_words` such as gcloud's `alpha`/`beta` release tracks may sit between),
and the optional `flags_any`, `arg` and `option` conditions hold. Unknown words
(`$VAR`, `<PLACEHOLDER>`) never satisfy a literal. `--help` is never a run, nor is
a command with one of `flags_none` (dry runs: `git push --dry-run`, `bash -n FILE`;
for a launcher, only its own flags before the script count).
The core runs it (crates/vitana_core/src/matchers/command.rs).
"""
from __future__ import annotations

from dataclasses import dataclass

from vitana_guard.engine.matchers import RulePattern, as_list, compile_regex


@dataclass(frozen=True)
class ArgCondition:
    index: int | None
    start: int
    regex: RulePattern | None
    not_regex: RulePattern | None
    globs: tuple[str, ...]
    ignore: RulePattern | None


@dataclass(frozen=True)
class OptionCondition:
    names: frozenset[str]
    regex: RulePattern | None
    not_regex: RulePattern | None


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
