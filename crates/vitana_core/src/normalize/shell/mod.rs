//! Shell command text -> a flat list of simple commands.
//!
//! The linter never runs what it reads, so this is a static, best-effort parser of
//! POSIX/bash syntax, written for what rules need: *which programs run, with which
//! arguments, and where they are written*. It is:
//!
//! - pure: no process, no eval, no globbing, no environment lookups;
//! - single pass: one hand-written scanner walks the text once; command
//!   substitutions are parsed in place by the same scanner, so the cost is linear;
//! - total: it never fails on malformed input. An unterminated quote or
//!   substitution extends to the end of the text; nesting deeper than [`MAX_DEPTH`]
//!   is skipped as opaque text by iterative scanners;
//! - exact about positions: every word carries its span in the text given to
//!   `parse`, including words of nested scripts (`bash -c '...'`, `eval`,
//!   `ssh host '...'`, heredoc scripts, backticks).
//!
//! The output is flat: compound commands are reduced to the simple commands inside
//! them, because rules ask "does anything here run `gcloud run deploy`", not "in
//! which branch". Wrappers that only run another program (`sudo`, `env`, `timeout`,
//! `nohup`, `xargs`, ...) are stripped so that the first word is the program that
//! really runs; nested shells are unwrapped for the same reason.
//!
//! Words that are not literals (`$VAR`, `$(...)`, backticks, template placeholders
//! such as `<PR_NUMBER>` or `{{NAME}}`) get no value: "could be anything".
//!
//! Offsets are byte offsets. The text is bytes so that WTF-8 (text with lone
//! surrogates, as Python strings may hold) parses too; `parse` takes a `&str`.

mod lex;
mod parser;
mod payload;
mod resolve;
mod statements;

pub use statements::{line_starts, plain_lines, runs, statements, statements_at};

use crate::model::{Command, Word};
use parser::{budget, Cx, Map, Parser};

/// Nesting depth (substitutions, nested scripts) parsed; deeper text is opaque.
pub const MAX_DEPTH: usize = 100;

/// The value of the one word of the command emitted where text is left unparsed
/// (nesting past [`MAX_DEPTH`], or the work budget spent): what runs there is not
/// known, and a guard must deny. U+E001 is a private-use character, which no
/// program name holds; the command spans the text left unparsed. Emitted once per
/// parse.
pub const DEPTH_MARK: &str = "\u{e001}depth";

/// A command string found in a program's code, and its byte span when written out whole.
pub type CodeCommand = (String, Option<(usize, usize)>);

/// The command strings a program's source code passes to the calls that run commands
/// (`os.system`, `subprocess.run([...])`, `child_process.execSync`, `spawn`, `system`,
/// backticks), for a language named `python`, `node`, `perl` or `ruby` (None for
/// another): what an agent's tool writes into a script is judged as the commands it
/// would run. Each comes with its byte span in `code` when the literal is written out
/// whole (an argv list joined into one script has none).
pub fn code_commands(language: &str, code: &str) -> Option<Vec<CodeCommand>> {
    let lang = payload::code_options(language.as_bytes())?;
    Some(
        payload::commands_in(lang, code.as_bytes())
            .into_iter()
            .map(|found| {
                (
                    String::from_utf8_lossy(&found.script).into_owned(),
                    found.span,
                )
            })
            .collect(),
    )
}

/// The program texts an interpreter command runs from its arguments (`python -c
/// CODE`, `node -e CODE`, `perl -e CODE`, `ruby -e CODE`), for a program named
/// `python`, `node`, `perl` or `ruby` (any version); `args` are the words after the
/// program, None where unknown. Empty for another program or a script file.
pub fn code_payloads(program: &str, args: &[Option<&str>]) -> Vec<String> {
    let Some(lang) = payload::code_options(lex::basename(program.as_bytes())) else {
        return Vec::new();
    };
    let values: Vec<Option<&[u8]>> = args.iter().map(|a| a.map(str::as_bytes)).collect();
    payload::code_words(lang, &values)
        .into_iter()
        .filter_map(|(k, skip)| args[k].map(|a| a.get(skip..).unwrap_or("").to_string()))
        .collect()
}

/// A word's value as the parser gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// not a literal: could be anything
    Unknown,
    /// the word as written, `text[start..end]` (most words: no copy is made)
    Raw,
    /// bytes after quote removal and decoding: UTF-8, or WTF-8 when the input or a
    /// `$'\uD800'` escape holds a lone surrogate
    Text(Vec<u8>),
}

/// A word as the parser gives it: its value and span; the raw text is
/// `text[start..end]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawWord {
    pub value: Value,
    pub start: usize,
    pub end: usize,
}

impl RawWord {
    /// The value's bytes (None: unknown), given the text that was parsed.
    pub fn value<'a>(&'a self, text: &'a [u8]) -> Option<&'a [u8]> {
        match &self.value {
            Value::Unknown => None,
            Value::Raw => Some(&text[self.start..self.end]),
            Value::Text(v) => Some(v),
        }
    }
}

/// A simple command as the parser gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommand {
    pub argv: Vec<RawWord>,
    pub start: usize,
    pub end: usize,
}

pub(crate) type Wd = RawWord;
pub(crate) type Cmd = RawCommand;

/// How to parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Give exactly what the Python parser gave, without the fixes made since
    /// (names bound earlier, text fed to a shell, the depth marker, interpreter
    /// payloads). Only the differential test against that parser sets it.
    pub legacy: bool,
}

/// Every simple command in `text`, in order of position.
pub fn parse(text: &str) -> Vec<Command> {
    to_model(
        text.as_bytes(),
        parse_bytes(text.as_bytes(), Options::default()),
    )
}

/// `parse` on bytes (UTF-8 or WTF-8): the form the Python binding uses.
pub fn parse_bytes(text: &[u8], opts: Options) -> Vec<RawCommand> {
    let mut out = Vec::new();
    if !text.is_empty() {
        parse_run(text, 0, text.len(), opts, &mut out);
    }
    out.sort_by_key(|c| c.start);
    out
}

/// Commands of the given statement spans (sorted), offsets into `text`. Adjacent
/// spans are parsed as one run, each run in place as a script of its own.
pub fn parse_statements(text: &str, spans: &[(usize, usize)]) -> Vec<Command> {
    to_model(
        text.as_bytes(),
        parse_statements_bytes(text.as_bytes(), spans, Options::default()),
    )
}

pub fn parse_statements_bytes(
    text: &[u8],
    spans: &[(usize, usize)],
    opts: Options,
) -> Vec<RawCommand> {
    let mut out = Vec::new();
    for (s, e) in runs(spans) {
        let e = e.min(text.len());
        if s < e {
            parse_run(text, s, e, opts, &mut out);
        }
    }
    out.sort_by_key(|c| c.start);
    out
}

fn parse_run(text: &[u8], s: usize, e: usize, opts: Options, out: &mut Vec<RawCommand>) {
    let mut cx = Cx {
        out: std::mem::take(out),
        budget: budget(e - s),
        fixes: !opts.legacy,
        names: Default::default(),
        depth_marked: false,
    };
    Parser::new(&text[s..e], s, Map::Linear).parse_list(&mut cx, 0, 0, false);
    *out = cx.out;
}

fn to_model(text: &[u8], cmds: Vec<RawCommand>) -> Vec<Command> {
    let string = |b: &[u8]| crate::utf8::lossy(b).into_owned();
    cmds.into_iter()
        .map(|c| Command {
            argv: c
                .argv
                .into_iter()
                .map(|w| {
                    let raw = string(&text[w.start..w.end]);
                    let value = match w.value {
                        Value::Unknown => None,
                        Value::Raw => Some(raw.clone()),
                        Value::Text(v) => Some(crate::utf8::lossy_owned(v)),
                    };
                    Word {
                        raw,
                        value,
                        start: w.start,
                        end: w.end,
                    }
                })
                .collect(),
            start: c.start,
            end: c.end,
        })
        .collect()
}

#[cfg(test)]
mod tests;
