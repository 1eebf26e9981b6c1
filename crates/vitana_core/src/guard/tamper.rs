//! The guard protects itself (port of the deleted `hooks/tamper.py`): tool calls that would switch
//! it off or weaken it are denied.
//!
//! The agent runs as the same user as the guard, so everything that keeps the guard in
//! place is a file the agent could write: its config (`.vitana-guard.yaml`,
//! `[tool.vitana-guard]` in pyproject.toml), the agent settings that hold the hook
//! (`.claude/settings*.json`, `.gemini/settings.json`, `.codex/hooks.json`,
//! `.codex/config.toml`, the same under `~` and the system-wide managed files), its
//! cache, state and code. This module finds calls that write, move or delete one of
//! those, and `vitana-guard hook uninstall` / `pip uninstall vitana-guard`. Reading any
//! of them stays allowed.
//!
//! For shell tools it reads the argv and redirect targets of every simple command the
//! shell normalizer finds (nested `bash -c` scripts included). Beyond the deleted Python
//! original (the deliberate differences its parity test listed): copies into a
//! directory, git after its global options and its whole-tree rewrites, `find -delete`
//! and `xargs rm`, interpreter code that writes or removes a protected path. A path built at run time
//! (`rm "$F"`) is unknown and not judged here; `$HOME`, `${HOME}` and `~` are read as
//! the home directory, and the XDG/agent variables as the process has them.

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::{basename, expanduser, first_truthy, join, normpath, py_strip, GuardPaths};
use crate::normalize::shell;

const CONFIG_NAMES: [&str; 2] = [".vitana-guard.yaml", ".vitana-guard.yml"];
const PYPROJECT_SECTION: &str = "[tool.vitana-guard]";
/// characters of a pyproject.toml read to look for the section (`f.read(1 << 20)`)
const PYPROJECT_CHARS: usize = 1 << 20;

/// system-wide managed settings (hook install --managed) and their directories
const SYSTEM_DIRS: [&str; 6] = [
    "/etc/claude-code",
    "/etc/gemini-cli",
    "/etc/codex",
    "/opt/vitana-guard",
    "/Library/Application Support/ClaudeCode",
    "/Library/Application Support/GeminiCli",
];
const AGENT_DIRS: [&str; 3] = [".claude", ".gemini", ".codex"];

/// programs that write, move or remove the files they name
const REMOVERS: [&str; 8] = [
    "rm",
    "rmdir",
    "unlink",
    "shred",
    "srm",
    "trash",
    "trash-put",
    "gio",
];
const MOVERS: [&str; 1] = ["mv"];
/// the last operand is written
const COPIERS: [&str; 5] = ["cp", "install", "ln", "rsync", "scp"];
const WRITERS: [&str; 8] = [
    "tee", "truncate", "chmod", "chown", "chgrp", "chattr", "setfacl", "touch",
];
/// with -i
const IN_PLACE: [&str; 4] = ["sed", "gsed", "perl", "ruby"];

const EDIT_TOOLS: [&str; 10] = [
    "write",
    "edit",
    "multiedit",
    "write_file",
    "replace",
    "notebookedit",
    "create_file",
    "edit_file",
    "str_replace_based_edit_tool",
    "str_replace_editor",
];

/// A call that would disable or weaken the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tamper {
    /// a short description of the protected thing
    pub what: String,
}

impl Tamper {
    pub fn reason(&self) -> String {
        format!(
            "vitana-guard blocked this call: it would disable or weaken the guard ({}). \
             The guard's configuration, hook settings, cache and code are changed by a person \
             outside the agent session, not by the agent.",
            self.what
        )
    }
}

fn tamper(what: String) -> Option<Tamper> {
    Some(Tamper { what })
}

/// Agent settings files that hold (or can hold) the hook, relative to a project or home.
/// `[\w-]` is Python's `\w` (letters and numbers of any script); its `$` also holds
/// before a final newline.
fn settings() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?:^|/)(?:\.claude/settings(?:\.[\p{L}\p{N}_-]+)*\.json|\.gemini/settings\.json|\.codex/hooks\.json|\.codex/config\.toml)\n?\z",
        )
        .expect("a fixed regex")
    })
}

// -- which paths are protected -----------------------------------------------------------

/// An absolute, normalised path for a word naming a file; None when unknown.
fn expand(word: &str, cwd: Option<&str>, paths: &GuardPaths) -> Option<String> {
    if word.is_empty() {
        return None;
    }
    let mut word = word.to_string();
    for var in ["${HOME}", "$HOME"] {
        if let Some(rest) = word.strip_prefix(var) {
            word = format!("{}{}", paths.home, rest);
        }
    }
    for var in super::EXPANDED_VARS {
        for form in [format!("${{{var}}}"), format!("${var}")] {
            if let (Some(rest), Some(value)) = (word.strip_prefix(form.as_str()), paths.var(var)) {
                word = format!("{value}{rest}");
            }
        }
    }
    if word.contains('$') || word.contains('`') {
        return None;
    }
    let mut word = expanduser(&word, &paths.home);
    if !word.starts_with('/') {
        let base = match cwd.filter(|c| !c.is_empty()) {
            Some(c) if Path::new(c).is_dir() => c.to_string(),
            Some(_) => "/".to_string(),
            None => match std::env::current_dir() {
                Ok(d) if d.is_dir() => d.to_string_lossy().into_owned(),
                _ => "/".to_string(),
            },
        };
        word = join(&base, &word);
    }
    Some(normpath(&word))
}

/// Directories whose contents are the guard: its cache, state and code.
fn guard_dirs(paths: &GuardPaths) -> Vec<String> {
    let mut dirs = vec![
        paths.cache_dir.clone(),
        paths.state_dir.clone(),
        // the default places too, should XDG_* point elsewhere for this process only
        join(&paths.home, ".cache/vitana-guard"),
        join(&paths.home, ".local/state/vitana-guard"),
    ];
    dirs.extend(paths.code_dirs.iter().cloned());
    for var in ["CLAUDE_CONFIG_DIR", "CODEX_HOME"] {
        if let Some(v) = paths.var(var) {
            dirs.push(v.to_string());
        }
    }
    dirs.iter().map(|d| normpath(d)).collect()
}

fn within(path: &str, directory: &str) -> bool {
    path == directory || path.starts_with(&format!("{}/", directory.trim_end_matches('/')))
}

/// A file's text as Python's text mode reads it: invalid UTF-8 replaced, `\r\n` and
/// `\r` read as `\n`; at most `max_chars` characters. Only regular files are opened (a
/// FIFO would block the hook).
fn read_text(path: &str, max_chars: Option<usize>) -> Option<String> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut data = Vec::new();
    let file = std::fs::File::open(path).ok()?;
    match max_chars {
        // a character is at most 4 bytes, and `\r\n` one character from two
        Some(n) => file.take((n as u64 + 1) * 4).read_to_end(&mut data),
        None => { file }.read_to_end(&mut data),
    }
    .ok()?;
    let text = String::from_utf8_lossy(&data)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    Some(match max_chars {
        Some(n) => match text.char_indices().nth(n) {
            Some((i, _)) => text[..i].to_string(),
            None => text,
        },
        None => text,
    })
}

fn pyproject_has_section(path: &str) -> bool {
    read_text(path, Some(PYPROJECT_CHARS)).is_some_and(|t| t.contains(PYPROJECT_SECTION))
}

fn exists(path: &str) -> bool {
    Path::new(path).exists()
}

/// What `path` (absolute, normalised) holds of the guard, or None. With `removal`, a
/// directory that contains a protected file counts too (`rm -rf .claude`).
fn protected(path: &str, removal: bool, cwd: Option<&str>, paths: &GuardPaths) -> Option<String> {
    let name = basename(path);
    if CONFIG_NAMES.contains(&name) {
        return Some(format!("{path} is vitana-guard's configuration"));
    }
    if name == "pyproject.toml" && pyproject_has_section(path) {
        return Some(format!(
            "{path} holds vitana-guard's [tool.vitana-guard] configuration"
        ));
    }
    if settings().is_match(path) {
        return Some(format!("{path} holds the agent's hook settings"));
    }
    if SYSTEM_DIRS.iter().any(|d| within(path, d)) {
        return Some(format!("{path} is part of the system-wide managed install"));
    }
    let dirs = guard_dirs(paths);
    if dirs.iter().any(|d| within(path, d)) {
        return Some(format!(
            "{path} is vitana-guard's own cache, state, code or agent config"
        ));
    }
    if !removal {
        return None;
    }
    let system = SYSTEM_DIRS.iter().map(|d| d.to_string());
    for d in dirs.iter().cloned().chain(system) {
        if within(&d, path) {
            return Some(format!("removing {path} removes {d}"));
        }
    }
    // `rm -rf ..` from a subdirectory
    for sub in AGENT_DIRS.iter().chain(CONFIG_NAMES.iter()) {
        let target = join(path, sub);
        if exists(&target) {
            return Some(format!(
                "removing {path} removes {target}, which holds the guard's settings"
            ));
        }
    }
    let mut homes = vec![paths.home.as_str()];
    homes.extend(cwd.filter(|c| !c.is_empty()));
    for base in homes {
        for sub in AGENT_DIRS {
            let target = join(base, sub);
            if within(&target, path) && exists(&target) {
                return Some(format!(
                    "removing {path} removes {target}, which holds the agent's hook settings"
                ));
            }
        }
        for conf in CONFIG_NAMES {
            let target = join(base, conf);
            if within(&target, path) && path != target && exists(&target) {
                return Some(format!(
                    "removing {path} removes {target}, vitana-guard's configuration"
                ));
            }
        }
    }
    None
}

// -- tool calls ----------------------------------------------------------------------------

/// The tamper a call would do, or None. `shell_text` is the command of a shell tool.
pub fn judge(
    tool: &str,
    args: &Map<String, Value>,
    cwd: Option<&str>,
    shell_text: Option<&str>,
    paths: &GuardPaths,
) -> Option<Tamper> {
    let name = tool.to_lowercase();
    let base = match name.strip_prefix("mcp__") {
        Some(_) => name.rsplit("__").next().unwrap_or(&name),
        None => name.as_str(),
    };
    if let Some(text) = shell_text {
        return judge_shell(text, cwd, paths);
    }
    if EDIT_TOOLS.contains(&base) {
        return match first_truthy(args, &["file_path", "path", "notebook_path"]) {
            Some(Value::String(raw)) => {
                let path = expand(raw, cwd, paths)?;
                judge_edit(&path, args, paths)
            }
            _ => None,
        };
    }
    if base == "apply_patch" {
        let patch = match first_truthy(args, &["input", "patch", "command"]) {
            Some(Value::String(s)) => s.clone(),
            // `"\n".join(str(p) for p in patch)`: an item that is not a string is one
            // line without a newline that starts no patch header, whatever Python's
            // str() spells for it
            Some(Value::Array(items)) => items
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            // str() of a number, object or `true`: no newline, no header
            _ => String::new(),
        };
        return judge_patch(&patch, cwd, paths);
    }
    None
}

fn judge_edit(path: &str, args: &Map<String, Value>, paths: &GuardPaths) -> Option<Tamper> {
    let what = protected(path, false, None, paths)?;
    if basename(path) == "pyproject.toml" {
        // other sections of pyproject.toml stay editable
        let mut texts: Vec<&Value> = ["old_string", "new_string"]
            .iter()
            .filter_map(|k| args.get(*k))
            .collect();
        match args.get("edits").filter(|e| super::truthy(e)) {
            None | Some(Value::String(_)) | Some(Value::Object(_)) => {}
            Some(Value::Array(edits)) => {
                for e in edits.iter().filter_map(Value::as_object) {
                    texts.extend(
                        ["old_string", "new_string"]
                            .iter()
                            .filter_map(|k| e.get(*k)),
                    );
                }
            }
            // Python raises TypeError iterating a number or `true`: the hook denies
            Some(_) => return tamper(what),
        }
        let texts: Vec<&str> = texts.into_iter().filter_map(Value::as_str).collect();
        let section = section(path);
        if let Some(Value::String(content)) = args.get("content") {
            if section_text(content) == section {
                return None;
            }
        } else if !texts.iter().any(|t| {
            t.contains("vitana-guard")
                || t.contains("vitana_guard")
                || (!py_strip(t).is_empty() && section.contains(t))
        }) {
            return None;
        }
    }
    tamper(what)
}

fn section(path: &str) -> String {
    read_text(path, None)
        .map(|t| section_text(&t))
        .unwrap_or_default()
}

/// `str.splitlines()`: lines end at `\n`, `\r\n`, `\r`, `\v`, `\f`, `\x1c`-`\x1e`,
/// `\x85`, U+2028, U+2029.
fn splitlines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let brk = matches!(
            c,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if brk {
            out.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && it.peek().map(|&(_, n)| n) == Some('\n') {
                it.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The `[tool.vitana-guard]` table (and its subtables) of a pyproject.toml text.
fn section_text(text: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in splitlines(text) {
        let stripped = py_strip(line);
        if stripped.starts_with('[') {
            inside = stripped.starts_with("[tool.vitana-guard");
        }
        if inside {
            out.push(line);
        }
    }
    out.join("\n")
}

fn judge_patch(patch: &str, cwd: Option<&str>, paths: &GuardPaths) -> Option<Tamper> {
    for line in patch.split('\n') {
        let line = line.trim_end_matches('\r');
        for head in [
            "*** Add File: ",
            "*** Update File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ] {
            if let Some(rest) = line.strip_prefix(head) {
                if let Some(path) = expand(py_strip(rest), cwd, paths) {
                    let removal = head == "*** Delete File: ";
                    if let Some(what) = protected(&path, removal, cwd, paths) {
                        return tamper(what);
                    }
                }
            }
        }
    }
    None
}

// -- shell -----------------------------------------------------------------------------------

/// A simple command as tamper reads it: each word's value, or for a word without a
/// literal value its raw text without quotes (so `"$HOME/.claude/..."` is expanded).
struct Cmd {
    values: Vec<String>,
    /// the parser's values of the words after the program (None: unknown)
    args: Vec<Option<String>>,
    start: usize,
    end: usize,
}

/// Each command with the directories it may run in (`ondisk.with_cwds`): the call's
/// cwd, and the one the `cd`s before it lead to (read flat, as the shell reader reads).
pub(crate) fn with_cwds(values: &[Vec<Option<String>>], cwd: &str, home: &str) -> Vec<Vec<String>> {
    let mut here: Option<String> = Some(cwd.to_string());
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        if matches!(v.first(), Some(Some(p)) if p == "cd" || p == "pushd") {
            let operands: Vec<&String> = v[1..]
                .iter()
                .flatten()
                .filter(|a| !a.starts_with('-'))
                .collect();
            if v.len() > 1 && (v[1].is_none() || operands.first().is_some_and(|o| o.contains('$')))
            {
                here = None; // unknown from here on
            } else if let (Some(op), Some(h)) = (operands.first(), here.as_ref()) {
                here = Some(normpath(&join(h, &expanduser(op, home))));
            } else if operands.is_empty() && here.is_some() {
                here = Some(expanduser("~", home));
            }
        }
        let mut dirs = vec![cwd.to_string()];
        if let Some(h) = here.as_ref().filter(|h| h.as_str() != cwd) {
            dirs.push(h.clone());
        }
        out.push(dirs);
    }
    out
}

/// A word's value as text (lossy: a lone surrogate from `$'\uD800'` reads as U+FFFD).
pub(crate) fn word_value(w: &shell::RawWord, text: &[u8]) -> Option<String> {
    w.value(text)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

fn slice(text: &str, s: usize, e: usize) -> String {
    let b = text.as_bytes();
    let e = e.min(b.len());
    String::from_utf8_lossy(&b[s.min(e)..e]).into_owned()
}

/// The tamper a shell command text would do, or None.
pub fn judge_shell(text: &str, cwd: Option<&str>, paths: &GuardPaths) -> Option<Tamper> {
    let bytes = text.as_bytes();
    let parsed = shell::parse_bytes(bytes, shell::Options::default());
    // `with_cwds` reads the parser's values (None where unknown), not tamper's
    let values: Vec<Vec<Option<String>>> = parsed
        .iter()
        .map(|c| c.argv.iter().map(|w| word_value(w, bytes)).collect())
        .collect();
    let dirs = with_cwds(&values, cwd.unwrap_or(""), &paths.home);
    for (k, ((c, v), dirs)) in parsed.iter().zip(&values).zip(dirs).enumerate() {
        let fed = k
            .checked_sub(1)
            .and_then(|p| xargs_feed(text, &parsed[p], c, &values[p]));
        let cmd = Cmd {
            values: v
                .iter()
                .zip(&c.argv)
                .map(|(v, w)| match v {
                    Some(v) => v.clone(),
                    None => slice(text, w.start, w.end).replace(['"', '\''], ""),
                })
                .collect(),
            args: v.iter().skip(1).cloned().collect(),
            start: c.start,
            end: c.end,
        };
        for wh in dirs {
            // the call's cwd, and where the `cd`s before the command lead
            let at = if wh.is_empty() {
                cwd
            } else {
                Some(wh.as_str())
            };
            if let Some(found) = judge_command(&cmd, text, at, paths) {
                return Some(found);
            }
            if let Some(feed) = &fed {
                if let Some(found) = judge_xargs(&cmd, feed, at, paths) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// When `c` is run by `xargs` (stripped by the normalizer) at the end of a pipe from
/// `prev`: the words `prev` writes are unknown, so its known operands stand for them
/// (`find ~/.claude -name settings.json | xargs rm`, `echo .claude/settings.json |
/// xargs rm`) when it is `find`, `echo`, `printf` or `ls`; otherwise (`git ls-files |
/// xargs rm`, `cat list | xargs rm`), or when it names none, the current directory.
fn xargs_feed(
    text: &str,
    prev: &shell::RawCommand,
    c: &shell::RawCommand,
    prev_values: &[Option<String>],
) -> Option<Vec<String>> {
    let first = c.argv.first()?;
    let lead = slice(text, c.start, first.start);
    if !lead.split_whitespace().any(|w| basename(w) == "xargs") {
        return None;
    }
    if prev.end > c.start || !slice(text, prev.end, c.start).contains('|') {
        return None;
    }
    let feeder = prev_values
        .first()
        .and_then(|v| v.as_deref())
        .map(basename)
        .unwrap_or("");
    if !matches!(feeder, "find" | "echo" | "printf" | "ls") {
        // `git ls-files`, `cat list`, `grep -l`: names not known here
        return Some(vec![".".to_string()]);
    }
    let ops: Vec<String> = prev_values
        .iter()
        .skip(1)
        .flatten()
        .filter(|v| !v.starts_with('-'))
        // xargs splits what it reads at blanks (or NULs, `-0`); printf and `echo -e`
        // write them for `\0`, `\n`, `\t`
        .flat_map(|v| {
            v.replace("\\0", " ")
                .replace("\\n", " ")
                .replace("\\t", " ")
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    Some(if ops.is_empty() {
        vec![".".to_string()]
    } else {
        ops
    })
}

/// A program run by `xargs` that removes, moves or writes the words it is fed.
fn judge_xargs(
    cmd: &Cmd,
    feed: &[String],
    cwd: Option<&str>,
    paths: &GuardPaths,
) -> Option<Tamper> {
    let program = cmd
        .values
        .first()
        .map(|v| v.rsplit('/').next().unwrap_or(v))?;
    let writes = [&REMOVERS[..], &MOVERS, &COPIERS, &WRITERS, &IN_PLACE]
        .iter()
        .any(|set| set.contains(&program));
    if !writes {
        return None;
    }
    first_protected(feed.iter().map(|f| (f.clone(), true)), cwd, paths)
}

fn judge_command(cmd: &Cmd, text: &str, cwd: Option<&str>, paths: &GuardPaths) -> Option<Tamper> {
    let values: Vec<&str> = cmd.values.iter().map(String::as_str).collect();
    let program = values
        .first()
        .map(|v| v.rsplit('/').next().unwrap_or(v))
        .unwrap_or("");
    let known: Vec<&str> = values.iter().skip(1).copied().collect();
    // switching the hook off
    if uninstalls(program, &known) {
        return tamper("it uninstalls vitana-guard or its hook".to_string());
    }
    for target in crate::mentions::redirect_targets(&slice(text, cmd.start, cmd.end)) {
        if let Some(path) = expand(&target, cwd, paths) {
            if let Some(what) = protected(&path, false, None, paths) {
                return tamper(format!("{what}, written by a redirection"));
            }
        }
    }
    let operands: Vec<&str> = known
        .iter()
        .copied()
        .filter(|v| !v.starts_with('-'))
        .collect();
    let is = |set: &[&str]| set.contains(&program);
    let targets: Vec<(&str, bool)> = if is(&REMOVERS) || is(&MOVERS) {
        operands.iter().map(|v| (*v, true)).collect()
    } else if is(&COPIERS) {
        match option_value(&known, &["-t", "--target-directory"]).filter(|t| !t.is_empty()) {
            Some(t) => vec![(t, false)],
            None if operands.len() >= 2 => vec![(operands[operands.len() - 1], false)],
            None => vec![],
        }
    } else if is(&WRITERS) {
        operands.iter().map(|v| (*v, false)).collect()
    } else if is(&IN_PLACE)
        && known.iter().any(|v| {
            *v == "-i"
                || v.starts_with("-i")
                || v.starts_with("--in-place")
                || (v.starts_with('-') && !v.starts_with("--") && v[1..].contains('i'))
        })
    {
        operands.iter().map(|v| (*v, false)).collect()
    } else if program == "dd" {
        known
            .iter()
            .filter_map(|v| v.strip_prefix("of="))
            .map(|v| (v, false))
            .collect()
    } else if program == "git"
        && known
            .first()
            .is_some_and(|k| ["rm", "mv", "checkout", "restore", "clean"].contains(k))
    {
        operands.iter().skip(1).map(|v| (*v, true)).collect()
    } else {
        vec![]
    };
    for (word, removal) in targets {
        if let Some(path) = expand(word, cwd, paths) {
            if let Some(what) = protected(&path, removal, cwd, paths) {
                return tamper(what);
            }
        }
    }
    // the forms the Python original missed (after its checks, so where it denies the
    // reason is the same)
    if is(&COPIERS) || is(&MOVERS) {
        if let Some(found) = into_directory(&known, &operands, cwd, paths) {
            return Some(found);
        }
    }
    if program == "git" {
        if let Some(found) = judge_git(&known, cwd, paths) {
            return Some(found);
        }
    }
    if program == "find" {
        if let Some(found) = judge_find(&known, cwd, paths) {
            return Some(found);
        }
    }
    judge_payloads(program, &cmd.args, cwd, paths)
}

/// The first protected path of `targets` (words, with removal semantics or not).
fn first_protected(
    targets: impl IntoIterator<Item = (String, bool)>,
    cwd: Option<&str>,
    paths: &GuardPaths,
) -> Option<Tamper> {
    for (word, removal) in targets {
        if let Some(path) = expand(&word, cwd, paths) {
            if let Some(what) = protected(&path, removal, cwd, paths) {
                return tamper(what);
            }
        }
    }
    None
}

/// `cp settings.json .claude/`, `mv -t .claude x.json`, `ln -s f .claude/`: a copy,
/// move or link into a directory writes DIR/basename(SRC), judged as a removal of
/// that path (a directory copied in replaces what it holds). With a
/// source written `dir/` (rsync's "the contents of"), each entry of it lands in DIR.
fn into_directory(
    known: &[&str],
    operands: &[&str],
    cwd: Option<&str>,
    paths: &GuardPaths,
) -> Option<Tamper> {
    if known
        .iter()
        .any(|a| *a == "-T" || *a == "--no-target-directory")
    {
        return None; // the last operand is the file itself, judged as before
    }
    let (dir, sources): (&str, Vec<&str>) =
        match option_value(known, &["-t", "--target-directory"]).filter(|t| !t.is_empty()) {
            Some(t) => {
                let mut rest = operands.to_vec();
                if let Some(k) = rest.iter().position(|o| *o == t) {
                    rest.remove(k);
                }
                (t, rest)
            }
            None if operands.len() >= 2 => (
                operands[operands.len() - 1],
                operands[..operands.len() - 1].to_vec(),
            ),
            None => return None,
        };
    let dir_path = expand(dir, cwd, paths)?;
    if !(dir.ends_with('/') || Path::new(&dir_path).is_dir()) {
        return None;
    }
    let mut targets = Vec::new();
    for src in sources {
        let src_path = expand(src, cwd, paths);
        let src_dir = src_path.as_deref().is_some_and(|p| Path::new(p).is_dir());
        if src.ends_with('/') && src_dir {
            // the contents of src/ (rsync): bounded, a guard reads no more
            if let Ok(entries) = std::fs::read_dir(src_path.as_deref().unwrap_or("")) {
                for e in entries.flatten().take(1024) {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    targets.push((join(&dir_path, &name), is_dir));
                }
            }
            continue;
        }
        let name = basename(src.trim_end_matches('/'));
        if !name.is_empty() && name != "." && name != ".." {
            // as a removal: a directory copied over DIR/NAME replaces what it holds,
            // and whether SRC is one may be known only when the command runs
            targets.push((join(&dir_path, name), true));
        }
    }
    first_protected(targets, cwd, paths)
}

/// git's global options that take a value as the next word.
const GIT_VALUED: [&str; 6] = [
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--config-env",
];

/// git subcommands that rewrite or remove the files their path operands name.
const GIT_PATHS: [&str; 6] = ["rm", "mv", "checkout", "restore", "clean", "reset"];

/// `git [global options] SUBCOMMAND ...` that writes or removes a protected file.
/// Global options come first (`-C dir`, `-c k=v`, `--git-dir`, `--work-tree`); `-C`
/// and `--work-tree` move where the paths are read from. Judged:
/// - `rm`, `mv`, `checkout`, `restore`, `clean`, `reset`, `stash push`: their path
///   operands (a directory holding a protected file counts, as for `rm -r`);
/// - whole-tree rewrites without paths: `reset --hard|--merge|--keep`, `stash` (push,
///   save, pop, apply), `clean -f` without paths: the work tree itself;
/// - `apply` and `am`: the files their patch files name (read, bounded).
///
/// A commit-moving command (`merge`, `pull`, `switch`, `checkout BRANCH`,
/// `cherry-pick`, `revert`) rewrites what the commits change, which is not known
/// without running git: not judged here.
fn judge_git(known: &[&str], cwd: Option<&str>, paths: &GuardPaths) -> Option<Tamper> {
    let mut base: Option<String> = cwd.map(str::to_string);
    let mut i = 0;
    while i < known.len() {
        let a = known[i];
        if !a.starts_with('-') {
            break;
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (a, None),
        };
        let value = if GIT_VALUED.contains(&name) {
            match inline {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    known.get(i).copied()
                }
            }
        } else {
            None
        };
        if let (Some(v), true) = (value, name == "-C" || name == "--work-tree") {
            // `-C` is relative to the directory before it
            let at = base.as_deref();
            base = expand(v, at, paths).or(base.clone());
        }
        i += 1;
    }
    let sub = *known.get(i)?;
    let rest = &known[i + 1..];
    let at = base.as_deref();
    let flag = |names: &[&str]| rest.iter().any(|a| names.contains(a));
    // options whose value is the next word, not a path (`stash push -m MSG`, `clean
    // -e PATTERN`, `restore -s TREE`, `checkout -b NAME`)
    let valued: &[&str] = match sub {
        "stash" => &["-m", "--message", "--pathspec-from-file"],
        "clean" => &["-e", "--exclude"],
        "restore" => &["-s", "--source"],
        "checkout" => &["-b", "-B", "--orphan"],
        _ => &[],
    };
    let mut ops: Vec<&str> = Vec::new();
    let mut after_dashes = false;
    let mut k = 0;
    while k < rest.len() {
        let a = rest[k];
        if after_dashes || !a.starts_with('-') {
            ops.push(a);
        } else if a == "--" {
            after_dashes = true;
        } else if valued.contains(&a) {
            k += 1;
        }
        k += 1;
    }
    let tree = || base.clone().unwrap_or_else(|| ".".to_string());
    let mut targets: Vec<(String, bool)> = Vec::new();
    match sub {
        "stash" => {
            let action = ops.first().copied().unwrap_or("push");
            if ["push", "save", "pop", "apply"].contains(&action) {
                let paths_given: Vec<&str> = if action == "push" && ops.len() > 1 {
                    ops[1..].to_vec()
                } else {
                    vec![]
                };
                if paths_given.is_empty() {
                    targets.push((tree(), true));
                }
                targets.extend(paths_given.iter().map(|p| (p.to_string(), true)));
            }
        }
        "reset" if flag(&["--hard", "--merge", "--keep"]) => targets.push((tree(), true)),
        "clean" if ops.is_empty() && !flag(&["-n", "--dry-run"]) => targets.push((tree(), true)),
        "apply" | "am" => {
            for p in &ops {
                if let Some(path) = expand(p, at, paths) {
                    if let Some(text) = read_text(&path, Some(PATCH_CHARS)) {
                        targets.extend(patch_paths(&text).into_iter().map(|p| (p, true)));
                    }
                }
            }
        }
        s if GIT_PATHS.contains(&s) => {
            // the first operand of `checkout`/`reset` may be a commit: judged too (a
            // commit named like a protected path is the same name)
            targets.extend(ops.iter().map(|p| (p.to_string(), true)));
        }
        _ => {}
    }
    first_protected(targets, at, paths)
}

/// characters of a patch file read for the paths it changes
const PATCH_CHARS: usize = 1 << 22;

/// The paths a git-format patch (or mbox of them) changes.
fn patch_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix("diff --git ") {
            out.extend(rest.split(' ').map(|p| strip_ab(p).to_string()));
        } else if let Some(rest) = line
            .strip_prefix("+++ ")
            .or_else(|| line.strip_prefix("--- "))
            .or_else(|| line.strip_prefix("rename to "))
            .or_else(|| line.strip_prefix("rename from "))
            .or_else(|| line.strip_prefix("copy to "))
        {
            let p = rest.split('\t').next().unwrap_or(rest);
            if p != "/dev/null" {
                out.push(strip_ab(p).to_string());
            }
        }
    }
    out
}

fn strip_ab(p: &str) -> &str {
    p.strip_prefix("a/")
        .or_else(|| p.strip_prefix("b/"))
        .unwrap_or(p)
}

/// `find PATHS... -delete` and `find PATHS... -exec rm {} ;` (also `-execdir`,
/// `-ok`, `-okdir` with a program that removes, moves or writes): every start path
/// is judged as `rm -r` would be (a directory holding a protected file counts),
/// since which files the tests select is not known statically.
fn judge_find(known: &[&str], cwd: Option<&str>, paths: &GuardPaths) -> Option<Tamper> {
    let mut k = 0;
    // -H -L -P -D opts -Olevel come before the paths
    while k < known.len() && matches!(known[k], "-H" | "-L" | "-P" | "-D" | "-O") {
        k += if known[k] == "-D" { 2 } else { 1 };
    }
    let starts: Vec<&str> = known[k.min(known.len())..]
        .iter()
        .copied()
        .take_while(|a| !a.starts_with('-') && *a != "(" && *a != "!" && *a != ",")
        .collect();
    let writes = known.iter().enumerate().any(|(j, a)| {
        *a == "-delete"
            || (matches!(*a, "-exec" | "-execdir" | "-ok" | "-okdir")
                && known.get(j + 1).is_some_and(|p| {
                    let p = p.rsplit('/').next().unwrap_or(p);
                    REMOVERS.contains(&p)
                        || MOVERS.contains(&p)
                        || COPIERS.contains(&p)
                        || WRITERS.contains(&p)
                        || IN_PLACE.contains(&p)
                        || p == "dd"
                }))
    });
    if !writes || selects_no_guard_file(&known[k.min(known.len())..]) {
        return None;
    }
    let starts = if starts.is_empty() { vec!["."] } else { starts };
    first_protected(starts.iter().map(|s| (s.to_string(), true)), cwd, paths)
}

/// Names a file of the guard's can have: its config, the agent settings that hold the
/// hook, and what its code, cache and state directories hold.
const GUARD_FILE_NAMES: &[&str] = &[
    ".vitana-guard.yaml",
    ".vitana-guard.yml",
    "pyproject.toml",
    "settings.json",
    "settings.local.json",
    "hooks.json",
    "config.toml",
    "managed-settings.json",
    "core.py",
    "_core.abi3.so",
    "_core.cpython-311-x86_64-linux-gnu.so",
    "vg501.yaml",
    "rules.yml",
    "vitana-guard-hook",
    "pack-0.pickle",
    "guard-0.json",
    ".key",
    "audit.jsonl",
    "sessions",
    ".claude",
    ".gemini",
    ".codex",
    "vitana_guard",
    "vitana-guard",
];

/// Whether a `find` expression removes only files (or empty directories) whose name no
/// file of the guard's has: `find . -name '*.pyc' -delete`, a cleanup agents run in
/// every project. Only a plain chain of tests qualifies (no `-o`, `!`, `,` or
/// parentheses), with a `-name`/`-iname` glob that matches none of
/// [`GUARD_FILE_NAMES`], and an action that cannot take a directory's contents with
/// it: `-delete`, a remover without a recursive flag, or `-type f`.
fn selects_no_guard_file(expr: &[&str]) -> bool {
    if expr
        .iter()
        .any(|a| matches!(*a, "-o" | "-or" | "!" | "-not" | "," | "(" | ")"))
    {
        return false;
    }
    let files_only = expr.windows(2).any(|w| w == ["-type", "f"]);
    // each -exec must run a remover on the selected file only (`rm -f {} +`): another
    // program, or a fixed operand (`-exec rm .claude/settings.json ;`), acts on what
    // the selection does not bound
    for (j, a) in expr.iter().enumerate() {
        if !matches!(*a, "-exec" | "-execdir" | "-ok" | "-okdir") {
            continue;
        }
        let command: Vec<&str> = expr[j + 1..]
            .iter()
            .copied()
            .take_while(|w| !matches!(*w, ";" | "+"))
            .collect();
        let Some((program, args)) = command.split_first() else {
            return false;
        };
        if !REMOVERS.contains(&basename(program)) {
            return false;
        }
        for w in args {
            let recursive = *w == "--recursive"
                || (w.starts_with('-') && !w.starts_with("--") && w[1..].contains(['r', 'R']));
            if (recursive && !files_only) || (!w.starts_with('-') && *w != "{}") {
                return false;
            }
        }
    }
    expr.windows(2).any(|w| {
        let caseless = w[0] == "-iname";
        (w[0] == "-name" || caseless)
            && crate::matchers::glob::globs_regex(&[w[1]], caseless)
                .is_ok_and(|glob| !GUARD_FILE_NAMES.iter().any(|name| glob.is_match(name)))
    })
}

/// Calls in an interpreter's program text that write, move or remove a file.
fn write_call() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?x)
            \b(?:remove|unlink\w*|rmtree|rmdir\w*|removedirs|rename\w*|move|copy\w*|
                write\w*|append\w*|truncate\w*|touch|chmod\w*|chown\w*|rm|rmSync|cp|cpSync|
                delete|symlink\w*|link\w*|remove_tree|mkpath|createWriteStream)\b
            | \bos\.replace\b
            | \bopen\w*\s*\(?[^)]*?['"](?:[rbt]*[wax+][rbt+]*['"]|\+<|\+?>)
            "#,
        )
        .expect("a fixed regex")
    })
}

/// String literals in program text ('...', "...", `...`).
fn literal() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r#"'([^'\n]*)'|"([^"\n]*)"|`([^`\n]*)`"#).expect("a fixed regex"))
}

/// `python -c "import os; os.remove('.claude/settings.json')"`, `node -e
/// "fs.unlinkSync(...)"`, `perl -e 'unlink ...'`: a program text that calls
/// something that writes or removes files, and names a protected path in a string
/// literal (or two adjacent literals joined, with or without a `/`:
/// `os.path.join('.claude', 'settings.json')`, `'.cla' + 'ude/settings.json'`), is
/// judged as removing that path. Conservative: the call need
/// not be the one that takes the path.
fn judge_payloads(
    program: &str,
    args: &[Option<String>],
    cwd: Option<&str>,
    paths: &GuardPaths,
) -> Option<Tamper> {
    let args: Vec<Option<&str>> = args.iter().map(Option::as_deref).collect();
    for code in shell::code_payloads(program, &args) {
        if !write_call().is_match(&code) {
            continue;
        }
        let lits: Vec<String> = literal()
            .captures_iter(&code)
            .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
            .map(|m| {
                m.as_str()
                    .trim_start_matches(['+', '<', '>', ' '])
                    .to_string()
            })
            .filter(|l| !l.is_empty())
            .collect();
        let mut targets: Vec<(String, bool)> = lits.iter().map(|l| (l.clone(), true)).collect();
        for pair in lits.windows(2) {
            // `os.path.join('.claude', 'settings.json')`, `'.cla' + 'ude/...'`
            targets.push((format!("{}/{}", pair[0], pair[1]), true));
            targets.push((format!("{}{}", pair[0], pair[1]), true));
        }
        if let Some(found) = first_protected(targets, cwd, paths) {
            return Some(found);
        }
    }
    None
}

fn uninstalls(program: &str, args: &[&str]) -> bool {
    let has = |w: &str| program == w || args.contains(&w);
    let named = |a: &&str| *a == "vitana-guard" || *a == "vitana_guard";
    if (named(&program) || args.contains(&"vitana_guard") || args.first() == Some(&"vitana-guard"))
        && has("hook")
        && has("uninstall")
    {
        return true;
    }
    if (has("uninstall") || has("remove")) && args.iter().any(named) {
        // pip/pipx/uv/conda/apt removing the guard itself
        let tools = [
            "pip", "pipx", "uv", "conda", "mamba", "poetry", "apt", "dpkg", "python",
        ];
        if tools.iter().any(|t| program.starts_with(t)) {
            return true;
        }
    }
    false
}

fn option_value<'a>(args: &[&'a str], names: &[&str]) -> Option<&'a str> {
    for (i, a) in args.iter().enumerate() {
        if names.contains(a) && i + 1 < args.len() {
            return Some(args[i + 1]);
        }
        for n in names {
            if n.starts_with("--") {
                if let Some(rest) = a.strip_prefix(&format!("{n}=")) {
                    return Some(rest);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::TempDir;
    use std::collections::BTreeMap;

    /// test_guard_tamper.py's project: a home with agent settings, a repo with config.
    fn project() -> (TempDir, String, GuardPaths) {
        let t = TempDir::new("tamper");
        t.write("home/.claude/settings.json", "{}");
        t.write("repo/.git/HEAD", "");
        t.write("repo/.claude/settings.json", "{}");
        t.write("repo/.vitana-guard.yaml", "select: [VG1]\n");
        t.write(
            "repo/pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1\"\n\n[tool.vitana-guard]\nselect = [\"VG1\"]\n",
        );
        t.write("repo/src/app.py", "");
        let mut env = BTreeMap::new();
        env.insert("HOME".to_string(), join(&t.0, "home"));
        env.insert("XDG_CACHE_HOME".to_string(), join(&t.0, "cache"));
        env.insert("XDG_STATE_HOME".to_string(), join(&t.0, "state"));
        let paths = GuardPaths::from_map(env, vec![join(&t.0, "code/vitana_guard")]);
        let repo = join(&t.0, "repo");
        (t, repo, paths)
    }

    #[test]
    fn shell_tampering_is_found() {
        let (_t, repo, paths) = project();
        for command in [
            "echo 'select: []' > .vitana-guard.yaml",
            "printf '' >| .vitana-guard.yaml",
            "bash -c 'echo {} > .claude/settings.json'",
            "sed -i 's/PreToolUse/Nothing/' .claude/settings.json",
            "sed --in-place -e 's/x/y/' .claude/settings.local.json",
            "perl -pi -e 's/vitana//' .gemini/settings.json",
            "rm -f .vitana-guard.yaml",
            "rm -rf .claude",
            "cd src && rm -rf ..",
            "mv .vitana-guard.yaml .vitana-guard.yaml.off",
            "truncate -s 0 .codex/hooks.json",
            "echo '{}' | tee .gemini/settings.json",
            "cat /dev/null >> ~/.claude/settings.json",
            "echo \"{}\" > \"$HOME/.claude/settings.json\"",
            "cp /tmp/empty.json .claude/settings.json",
            "rm -rf ~/.cache/vitana-guard",
            "rm -rf $HOME/.local/state/vitana-guard",
            "rm -rf $XDG_CACHE_HOME",
            "vitana-guard hook uninstall claude --user",
            "python -m vitana_guard hook uninstall gemini",
            "pip uninstall -y vitana-guard",
            "git checkout -- .vitana-guard.yaml",
            "sed -i '/tool.vitana-guard/,$d' pyproject.toml",
            "echo '' > pyproject.toml",
            "sudo tee /etc/claude-code/managed-settings.json < /dev/null",
            "dd if=/dev/zero of=.codex/config.toml count=1",
        ] {
            let found = judge_shell(command, Some(&repo), &paths);
            assert!(found.is_some(), "{command}");
            assert!(found
                .unwrap()
                .reason()
                .contains("disable or weaken the guard"));
        }
    }

    #[test]
    fn evasions_of_session_6_are_found() {
        let (t, repo, paths) = project();
        t.write("repo/backup/settings.json", "{}");
        t.write(
            "repo/p.patch",
            "diff --git a/.vitana-guard.yaml b/.vitana-guard.yaml\n--- a/.vitana-guard.yaml\n+++ b/.vitana-guard.yaml\n@@ -1 +1 @@\n-select: [VG1]\n+select: []\n",
        );
        for command in [
            // copies, moves and links into a protected directory
            "cp settings.json .claude/",
            "cp /tmp/x/settings.json .claude",
            "cp -t .claude settings.json",
            "mv --target-directory=.claude /tmp/settings.json",
            "mv -t .claude/ x/settings.json",
            "install -m 644 settings.json ~/.claude/",
            "ln -sf /tmp/settings.json .claude/",
            "rsync -a backup/ .claude/",
            "cp -r backup/.claude .",
            // git with global options first, and whole-tree rewrites
            "git -C . checkout -- .vitana-guard.yaml",
            "git -C src checkout -- ../.vitana-guard.yaml",
            "git -c core.pager=cat restore .claude/settings.json",
            "git --git-dir=.git --work-tree=. rm -q .vitana-guard.yaml",
            "git --no-pager checkout HEAD~3 -- .vitana-guard.yaml",
            "git reset --hard",
            "git -C . reset --hard HEAD~1",
            "git stash",
            "git stash pop",
            "git stash push -- .claude",
            "git stash push -m wip",
            "git clean -f -e build",
            "git clean -fdx",
            "git apply p.patch",
            "git -C . am p.patch",
            // find and xargs
            "find ~/.claude -name settings.json -delete",
            "find . -name '*.json' -delete",
            "find . -name '*.pyc' -o -name '*.yaml' -delete",
            "find . -name node_modules -exec rm -rf {} +",
            "find . -name '*.tmp' -exec sh -c 'rm -rf .claude' \\;",
            "find . -type f -name '*.tmp' -exec sh -c 'rm -rf .claude' \\;",
            "find . -type f -name '*.tmp' -exec rm .claude/settings.json \\;",
            "find ~ -name '*.py' -delete",
            "find . -name '.vitana-guard.*' -delete",
            "find . -name '*.yaml' -exec rm {} \\;",
            "find -L .claude -execdir rm -f {} +",
            "find ~/.claude -name settings.json | xargs rm",
            "echo .claude/settings.json | xargs -0 rm",
            "printf 'x\\0.claude/settings.json\\0' | xargs -0 rm",
            "git ls-files | xargs rm -f",
            // interpreters that remove or write
            "python -c \"import os; os.remove('.claude/settings.json')\"",
            "python3 -c \"import os; os.unlink(os.path.join('.claude', 'settings.json'))\"",
            "python3 -c \"open('.vitana-guard.yaml', 'w').write('')\"",
            "node -e \"require('fs').unlinkSync('.claude/settings.json')\"",
            "node -e \"fs.writeFileSync('.vitana-guard.yaml', '')\"",
            "perl -e 'unlink \".vitana-guard.yaml\"'",
            "perl -e 'open(my $f, \">\", \".claude/settings.json\")'",
            "ruby -e 'File.delete(\".vitana-guard.yaml\")'",
            "python3 -c \"import os; os.remove('.cla' + 'ude/settings.json')\"",
            "python3 -c \"import shutil; shutil.rmtree('.claude')\"",
            "python3 -c \"import pathlib; pathlib.Path('.codex/hooks.json').write_text('')\"",
        ] {
            let found = judge_shell(command, Some(&repo), &paths);
            assert!(found.is_some(), "{command}");
        }
        for command in [
            "cp a.txt src/",
            "cp settings.json src/",
            "mv -t src a.py",
            "git -C src status",
            "git -C . log -- .vitana-guard.yaml",
            "git diff .vitana-guard.yaml",
            "git stash list",
            "git reset --soft HEAD~1",
            "git clean -n",
            "git -C src clean -fdx",
            "find src -name '*.pyc' -delete",
            "find . -name '*.pyc' -delete",
            "find . -type f -name '*.log' -exec rm -f {} +",
            "find ~ -iname '*.TMP' -delete",
            "find . -name x -print",
            "echo src/a | xargs rm",
            "python -c \"print(open('.vitana-guard.yaml').read())\"",
            "node -e \"console.log(fs.readFileSync('.claude/settings.json', 'utf8'))\"",
            "python3 -c \"import os; os.remove('build/out.txt')\"",
        ] {
            assert_eq!(judge_shell(command, Some(&repo), &paths), None, "{command}");
        }
    }

    #[test]
    fn reads_and_other_writes_pass() {
        let (_t, repo, paths) = project();
        for command in [
            "cat .vitana-guard.yaml",
            "cat .claude/settings.json | jq .hooks",
            "cp .vitana-guard.yaml /tmp/guard-config-copy.yaml",
            "echo 'do not write to > .vitana-guard.yaml'",
            "grep -n vitana-guard pyproject.toml",
            "vitana-guard hook install claude",
            "rm -rf build dist",
            "ls -la > listing.txt 2>&1",
            "echo done >&2",
            "pip install -e .",
            "rm \"$F\"",
        ] {
            assert_eq!(judge_shell(command, Some(&repo), &paths), None, "{command}");
        }
    }

    #[test]
    fn reasons_name_what_is_protected() {
        let (t, repo, paths) = project();
        let what = |c: &str| judge_shell(c, Some(&repo), &paths).map(|t| t.what);
        assert_eq!(
            what("echo x > .vitana-guard.yaml"),
            Some(format!(
                "{repo}/.vitana-guard.yaml is vitana-guard's configuration, written by a redirection"
            ))
        );
        assert_eq!(
            what("rm -rf .claude"),
            Some(format!(
                "removing {repo}/.claude removes {repo}/.claude, which holds the agent's hook settings"
            ))
        );
        assert_eq!(
            what("rm -rf ~/.cache"),
            Some(format!(
                "removing {0}/home/.cache removes {0}/home/.cache/vitana-guard",
                t.0
            ))
        );
        assert_eq!(
            what("pip uninstall vitana_guard"),
            Some("it uninstalls vitana-guard or its hook".to_string())
        );
    }

    #[test]
    fn edit_tools_and_patches() {
        let (_t, repo, paths) = project();
        let args = |v: serde_json::Value| v.as_object().cloned().unwrap();
        let cwd = Some(repo.as_str());
        let call = |tool: &str, v| judge(tool, &args(v), cwd, None, &paths);
        use serde_json::json;
        assert!(call(
            "Write",
            json!({"file_path": ".vitana-guard.yaml", "content": ""})
        )
        .is_some());
        assert!(call(
            "Edit",
            json!({"file_path": ".claude/settings.json", "old_string": "{}", "new_string": "x"})
        )
        .is_some());
        assert!(call(
            "mcp__fs__write_file",
            json!({"path": ".gemini/settings.json"})
        )
        .is_some());
        // a falsy file_path gives way to path; a truthy non-string one stops the look-up
        assert!(call(
            "Write",
            json!({"file_path": "", "path": ".vitana-guard.yml"})
        )
        .is_some());
        assert!(call(
            "Write",
            json!({"file_path": 5, "path": ".vitana-guard.yml"})
        )
        .is_none());
        assert!(call("Read", json!({"file_path": ".vitana-guard.yaml"})).is_none());
        // pyproject.toml: only its [tool.vitana-guard] section is protected
        let pyproject = format!("{repo}/pyproject.toml");
        assert!(call(
            "Edit",
            json!({"file_path": pyproject, "old_string": "select = [\"VG1\"]", "new_string": ""})
        )
        .is_some());
        assert!(call(
            "Edit",
            json!({"file_path": pyproject, "old_string": "version = \"1\"", "new_string": "2"})
        )
        .is_none());
        let same = std::fs::read_to_string(&pyproject)
            .unwrap()
            .replace("\"1\"", "\"3\"");
        assert!(call("Write", json!({"file_path": pyproject, "content": same})).is_none());
        assert!(call(
            "Write",
            json!({"file_path": pyproject, "content": "[project]\n"})
        )
        .is_some());
        assert!(call("Edit", json!({"file_path": pyproject, "edits": 3})).is_some());
        let patch = |p: &str| json!({"input": p});
        assert!(call(
            "apply_patch",
            patch("*** Begin Patch\n*** Delete File: .vitana-guard.yaml\n*** End Patch\n")
        )
        .is_some());
        assert!(call(
            "apply_patch",
            patch("*** Update File: .codex/hooks.json\r\n@@\n-x\n+y\n")
        )
        .is_some());
        assert!(call(
            "apply_patch",
            patch("*** Move to:  .claude/settings.json \n")
        )
        .is_some());
        assert!(call(
            "apply_patch",
            patch("*** Add File: src/app.py\n+print(1)\n")
        )
        .is_none());
        assert!(call(
            "apply_patch",
            json!({"input": 0, "patch": ["x", 5, "*** Delete File: .vitana-guard.yaml"]})
        )
        .is_some());
        // a shell tool is judged on its command
        assert!(judge(
            "mcp__shell__run",
            &args(json!({})),
            cwd,
            Some("rm .vitana-guard.yaml"),
            &paths
        )
        .is_some());
    }

    #[test]
    fn python_text_helpers() {
        assert_eq!(
            splitlines("a\r\nb\rc\x1cd\u{2028}e\n"),
            vec!["a", "b", "c", "d", "e"]
        );
        assert_eq!(splitlines("a\n\nb"), vec!["a", "", "b"]);
        assert_eq!(
            section_text(
                "[project]\nx=1\n [tool.vitana-guard]\na=1\n[tool.vitana-guard.x]\nb\n[other]\nc"
            ),
            " [tool.vitana-guard]\na=1\n[tool.vitana-guard.x]\nb"
        );
        assert!(settings().is_match("/r/.claude/settings.local.json"));
        assert!(settings().is_match("/r/.claude/settings.é-1.json\n"));
        assert!(!settings().is_match("/r/.claude/settings.json.bak"));
        assert!(!settings().is_match("/r/x.claude/settings.json"));
    }
}
