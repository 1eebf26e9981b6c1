//! Mentions are not calls (port of the deleted `normalize/mentions.py`): the part of a command
//! text that would reach something.
//!
//! Rules whose entries say `mentions: false` judge the URLs and repositories a call
//! would reach, not those a command only mentions (`rg <old host>`, `echo`, a commit
//! message, `sed -i 's|<old>|<new>|' .env`, which writes only the new value).
//! [`calls_text`] returns the text with the words of such mentioning commands blanked,
//! one space for each character (newlines kept), so character positions of everything
//! else are unchanged. Conservative: only the arguments of a known list of programs
//! that print, search or record text are blanked; a command substitution inside a
//! blanked word is restored; `echo`/`printf`/`cat` writing to a client config file
//! are not blanked.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Command, Word};
use crate::normalize::shell;

/// programs whose arguments are text they print, search or record
const MENTION: &[&str] = &[
    "echo", "printf", "rg", "grep", "egrep", "fgrep", "zgrep", "ag", "ack", "cat", "less", "more",
    "head", "tail", "wc", "sed", "gsed", "awk", "gawk", "diff", "true", ":", "test", "[", "logger",
    "jq", "yq",
];
/// what they print may be written to a file
const PRINTERS: &[&str] = &["echo", "printf", "cat"];
/// git subcommands that only read, search or record text
const GIT_MENTION: &[&str] = &[
    "grep", "log", "show", "commit", "tag", "diff", "blame", "notes", "status", "shortlog",
];
const GH_TEXT_OPTIONS: &[&str] = &[
    "--body",
    "-b",
    "--title",
    "-t",
    "--message",
    "-m",
    "--subject",
];

/// A file that configures a client (`.env`, `.npmrc`, ...). Python's `$` also holds
/// before a final newline.
fn client_config() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?:^|/)(?:\.env(?:\.[\w.-]+)?|[\w.-]+\.env|\.npmrc|\.netrc|\.curlrc|\.wgetrc|\.envrc)\n?\z",
        )
        .expect("a fixed regex")
    })
}

fn redirect_word() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r#"\A(?:"[^"]*"|'[^']*'|[^\s;|&()<>])+"#).expect("a fixed regex"))
}

fn configures_client(target: &str) -> bool {
    client_config().is_match(target)
}

/// The words written to by `>`, `>>`, `>|`, `&>` and `&>>` in one command's text
/// (outside quotes: `echo "a > b"` writes nothing).
pub fn redirect_targets(span: &str) -> Vec<String> {
    let b = span.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    if memchr::memchr(b'>', b).is_none() {
        return out; // most commands redirect nothing
    }
    let mut i = 0;
    let mut quote: u8 = 0;
    while i < n {
        let c = b[i];
        if quote != 0 {
            if c == quote {
                quote = 0;
            } else if c == b'\\' && quote == b'"' {
                i += 1; // the backslash; the character it escapes goes next
            }
            i += char_len(b, i);
            continue;
        }
        if c == b'\'' || c == b'"' {
            quote = c;
        } else if c == b'\\' {
            i += 1; // the backslash; the character it escapes goes next
        } else if c == b'>' && (i == 0 || b[i - 1] != b'<') {
            let mut j = i + 1;
            let dup = j < n && b[j] == b'&';
            if j < n && matches!(b[j], b'>' | b'|' | b'&') {
                j += 1;
            }
            while j < n && matches!(b[j], b' ' | b'\t') {
                j += 1;
            }
            if let Some(m) = redirect_word().find(&span[j..]) {
                let word = m.as_str();
                let descriptor =
                    word == "-" || (!word.is_empty() && word.chars().all(|c| c.is_ascii_digit()));
                if !(dup && descriptor) {
                    out.push(word.replace(['"', '\''], ""));
                }
                i = j + m.end();
                continue;
            }
        }
        i += char_len(b, i);
    }
    out
}

/// The length of the character at `i` (1 past the end).
fn char_len(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        None => 1,
        Some(&x) if x < 0x80 => 1,
        Some(&x) if x >= 0xF0 => 4,
        Some(&x) if x >= 0xE0 => 3,
        Some(_) => 2,
    }
}

/// `text` with the words of commands that only mention things blanked (one space per
/// character: character positions hold; byte offsets may not).
pub fn calls_text(text: &str) -> String {
    calls_text_of(text, &shell::parse(text))
}

/// `calls_text` of a text whose commands (`shell::parse(text)`) are at hand.
pub fn calls_text_of(text: &str, commands: &[Command]) -> String {
    if commands.is_empty() {
        return text.to_owned();
    }
    let mut writes_client = false;
    for cmd in commands {
        let program = basename(
            cmd.argv
                .first()
                .and_then(|w| w.value.as_deref())
                .unwrap_or(""),
        );
        let mut targets = redirect_targets(span(text, cmd.start, cmd.end));
        if ["tee", "cp", "install", "mv", "dd"].contains(&program) {
            targets.extend(
                cmd.argv[1..]
                    .iter()
                    .filter_map(|w| w.value.clone())
                    .filter(|v| !v.is_empty()),
            );
        }
        if targets
            .iter()
            .any(|t| configures_client(t.strip_prefix("of=").unwrap_or(t)))
        {
            writes_client = true;
        }
    }
    let mut blank: Vec<(usize, usize)> = Vec::new();
    let mut keep: Vec<(usize, usize)> = Vec::new();
    for cmd in commands {
        match mention_spans(cmd, text, writes_client) {
            None => keep.extend(cmd.argv.iter().map(|w| (w.start, w.end))),
            Some(spans) => blank.extend(spans),
        }
    }
    if blank.is_empty() {
        return text.to_owned();
    }
    let clamp = |(s, e): (usize, usize)| s.min(text.len())..e.min(text.len());
    if text.is_ascii() {
        // one byte a character: blank in place, then put back what calls keep
        let mut out = text.as_bytes().to_vec();
        for r in blank.into_iter().map(clamp) {
            for b in out[r].iter_mut().filter(|b| **b != b'\n') {
                *b = b' ';
            }
        }
        for r in keep.into_iter().map(clamp) {
            // a call nested in a blanked word (`echo "$(curl ...)"`) is still judged
            out[r.clone()].copy_from_slice(&text.as_bytes()[r]);
        }
        return crate::utf8::lossy_owned(out); // ASCII stays ASCII: no byte is replaced
    }
    let mut marks = vec![false; text.len()];
    for r in blank.into_iter().map(clamp) {
        marks[r].fill(true);
    }
    for r in keep.into_iter().map(clamp) {
        marks[r].fill(false);
    }
    text.char_indices()
        .map(|(i, c)| if marks[i] && c != '\n' { ' ' } else { c })
        .collect()
}

fn span(text: &str, s: usize, e: usize) -> &str {
    text.get(s..e.max(s)).unwrap_or("")
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn value(w: &Word) -> &str {
    w.value.as_deref().unwrap_or("")
}

/// The spans to blank of a mentioning command; None for a command that may call.
fn mention_spans(cmd: &Command, text: &str, writes_client: bool) -> Option<Vec<(usize, usize)>> {
    let program = basename(cmd.argv.first()?.value.as_deref()?);
    let args = &cmd.argv[1..];
    let all = || args.iter().map(|w| (w.start, w.end)).collect::<Vec<_>>();
    if PRINTERS.contains(&program)
        && (writes_client
            || redirect_targets(span(text, cmd.start, cmd.end))
                .iter()
                .any(|t| configures_client(t)))
    {
        return None; // what it prints configures a client
    }
    if (program == "sed" || program == "gsed") && in_place(args) {
        let scripts = scripts(args);
        let edits_client = args
            .iter()
            .filter_map(|w| w.value.as_deref())
            .filter(|v| !v.is_empty() && !v.starts_with('-') && !scripts.iter().any(|s| s == v))
            .any(configures_client);
        if edits_client {
            // what the edit writes is judged: the replacement of each s-command
            return Some(
                args.iter()
                    .flat_map(|w| all_but_replacement(w, text))
                    .collect(),
            );
        }
        return Some(all());
    }
    if MENTION.contains(&program) {
        return Some(all());
    }
    if program == "git" {
        let sub = args
            .iter()
            .filter_map(|w| w.value.as_deref())
            .find(|v| !v.is_empty() && !v.starts_with('-'));
        return sub.filter(|s| GIT_MENTION.contains(s)).map(|_| all());
    }
    if program == "gh" {
        let mut spans = Vec::new();
        for (i, w) in args.iter().enumerate() {
            let v = value(w);
            if GH_TEXT_OPTIONS.contains(&v) && i + 1 < args.len() {
                spans.push((args[i + 1].start, args[i + 1].end));
            } else if v.contains('=')
                && GH_TEXT_OPTIONS.contains(&v.split('=').next().unwrap_or(""))
            {
                spans.push((w.start, w.end));
            }
        }
        return (!spans.is_empty()).then_some(spans);
    }
    None
}

fn in_place(args: &[Word]) -> bool {
    args.iter().any(|w| {
        let v = value(w);
        v.starts_with("--in-place")
            || v == "-i"
            || (v.starts_with('-') && !v.starts_with("--") && v[1..].contains('i'))
    })
}

/// The sed scripts among the arguments (`-e S`, or the first operand).
fn scripts(args: &[Word]) -> Vec<String> {
    let mut out = Vec::new();
    let mut first = true;
    let mut i = 0;
    while i < args.len() {
        let v = value(&args[i]);
        if (v == "-e" || v == "--expression") && i + 1 < args.len() {
            out.push(value(&args[i + 1]).to_owned());
            first = false;
            i += 2;
            continue;
        }
        if !v.starts_with('-') && first {
            out.push(v.to_owned());
            first = false;
        }
        i += 1;
    }
    out
}

/// Spans of `word` to blank, keeping the replacement of an `s<d>old<d>new<d>` script.
fn all_but_replacement(word: &Word, text: &str) -> Vec<(usize, usize)> {
    let whole = vec![(word.start, word.end)];
    let raw: Vec<(usize, char)> = span(text, word.start, word.end).char_indices().collect();
    let body_start = usize::from(matches!(raw.first(), Some((_, '\'' | '"'))));
    if raw.get(body_start).map(|c| c.1) != Some('s') || raw.len() < body_start + 2 {
        return whole;
    }
    let delim = raw[body_start + 1].1;
    if delim.is_alphanumeric() || matches!(delim, ' ' | '\\' | '\n') {
        return whole;
    }
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let mut i = body_start + 2;
    let mut start = i;
    while i < raw.len() && parts.len() < 2 {
        if raw[i].1 == '\\' {
            i += 2;
            continue;
        }
        if raw[i].1 == delim {
            parts.push((start, i));
            start = i + 1;
        }
        i += 1;
    }
    if parts.len() < 2 {
        return whole;
    }
    let byte = |k: usize| raw.get(k).map_or(word.end - word.start, |c| c.0);
    let (keep_s, keep_e) = parts[1];
    vec![
        (word.start, word.start + byte(keep_s)),
        (word.start + byte(keep_e), word.end),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_blanked_calls_kept() {
        let text = "rg old-gw.run.app && curl https://old-gw.run.app/x";
        let out = calls_text(text);
        assert_eq!(
            out,
            format!("rg {} && curl https://old-gw.run.app/x", " ".repeat(14))
        );
        assert_eq!(out.chars().count(), text.chars().count());
    }

    #[test]
    fn a_call_inside_an_echo_is_still_judged() {
        let out = calls_text(r#"echo "$(curl https://x.run.app)""#);
        assert!(out.contains("curl https://x.run.app"), "{out}");
    }

    #[test]
    fn printing_into_a_client_config_is_a_call() {
        let text = "echo GATEWAY=https://old.run.app >> .env";
        assert_eq!(calls_text(text), text);
        assert_eq!(
            redirect_targets("echo \"a > b\" >&2 > out.txt"),
            ["out.txt"]
        );
    }

    #[test]
    fn sed_on_a_client_config_keeps_the_replacement() {
        let out = calls_text("sed -i 's|old.run.app|new.run.app|' .env");
        assert!(
            out.contains("new.run.app") && !out.contains("old.run.app"),
            "{out}"
        );
    }

    #[test]
    fn blanking_keeps_character_positions_of_non_ascii_text() {
        let text = "echo héllo wörld\ncurl https://é.run.app";
        let out = calls_text(text);
        assert_eq!(out.chars().count(), text.chars().count());
        assert!(out.ends_with("curl https://é.run.app"));
        assert!(out.starts_with("echo            \n"));
    }

    #[test]
    fn ascii_text_is_blanked_as_other_text_is() {
        // ASCII text is blanked byte by byte; the same text with one non-ASCII
        // character after it goes through the character path
        let ascii = "echo 'one\ntwo' && rg old.run.app | tee out.txt\necho \"$(curl https://a.run.app)\" > .env\nsed -i 's|a.run.app|b.run.app|' .env";
        let wide = format!("{ascii} # é");
        let (a, w) = (calls_text(ascii), calls_text(&wide));
        assert_ne!(a, ascii);
        assert_eq!(w.strip_suffix(" # é"), Some(a.as_str()));
    }
}
