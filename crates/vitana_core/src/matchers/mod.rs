//! The matcher kinds (`vitana_guard/engine/matchers/`), one module each. A matcher
//! looks at one kind of unit (a segment's text, a parsed command, a session's steps)
//! and gives [`Hit`]s: byte spans of the segment text with the variables the rule's
//! message template may use (JSON values: a payload's field value keeps its type, as
//! the template's `or` and the problem texts read it).

pub mod command;
pub mod context;
pub mod glob;
pub mod pattern;
pub mod payload;
pub mod require;
pub mod sequence;
pub mod url;

use serde_json::Value;

use crate::pattern::{Pattern, TimedOut};

/// A matcher's hit: a byte span of the text it was given, and message variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub variables: Vec<(&'static str, Value)>,
    /// set by a matcher outside the core that keeps the hit's variables itself
    pub token: Option<usize>,
}

impl Hit {
    pub fn new(start: usize, end: usize) -> Hit {
        Hit {
            start,
            end,
            variables: Vec::new(),
            token: None,
        }
    }
}

/// A matcher's hits on one unit, and whether a regex ran past its limit after them
/// (the rule was not applied to the rest).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    pub timed_out: bool,
}

impl Outcome {
    pub fn of(hits: Vec<Hit>) -> Outcome {
        Outcome {
            hits,
            timed_out: false,
        }
    }

    /// The hits found before a regex ran past its limit.
    pub fn stopped(hits: Vec<Hit>) -> Outcome {
        Outcome {
            hits,
            timed_out: true,
        }
    }
}

/// A compiled matcher.
#[derive(Debug, Clone)]
pub enum Matcher {
    Pattern(pattern::PatternMatcher),
    Require(require::RequireMatcher),
    Context(Box<context::ContextMatcher>),
    Command(Box<command::CommandMatcher>),
    Sequence(sequence::SequenceMatcher),
    Url(Box<url::UrlMatcher>),
    Payload(Box<payload::PayloadMatcher>),
}

impl Matcher {
    /// Whether the matcher judges a segment as a whole (a `require`'s absence, a
    /// pattern's `unless_message`), so that a focused scan must not cut it.
    pub fn judges_whole(&self) -> bool {
        match self {
            Matcher::Require(_) => true,
            Matcher::Pattern(m) => m.judges_whole(),
            _ => false,
        }
    }

    /// The unit the matcher takes: "text", "command", "request", "context", "session".
    pub fn unit(&self, kind: &str) -> &'static str {
        match kind {
            "pattern" | "url" | "require" => "text",
            "command" => "command",
            "payload" => "request",
            "context" => "context",
            _ => "session",
        }
    }
}

/// Compiles one entry's rendered spec (`params`: the policy parameters, which the
/// payload matcher reads its endpoint table from).
pub fn compile(kind: &str, spec: &Value, params: &Value) -> Result<Matcher, String> {
    Ok(match kind {
        "pattern" => Matcher::Pattern(pattern::PatternMatcher::compile(spec)?),
        "require" => Matcher::Require(require::RequireMatcher::compile(spec)?),
        "context" => Matcher::Context(Box::new(context::ContextMatcher::compile(spec)?)),
        "command" => Matcher::Command(Box::new(command::CommandMatcher::compile(spec)?)),
        "sequence" => Matcher::Sequence(sequence::SequenceMatcher::compile(spec)?),
        "url" => Matcher::Url(Box::new(url::UrlMatcher::compile(spec)?)),
        "payload" => Matcher::Payload(Box::new(payload::PayloadMatcher::compile(spec, params)?)),
        other => return Err(format!("unknown matcher kind '{other}'")),
    })
}

/// A rule regex from a spec key: multi-line, case-insensitive when asked. A pack's
/// regexes were checked when the Python side loaded their rules: their syntax is read
/// on first use (`Pattern::unchecked`).
pub(crate) fn regex(spec: &Value, key: &str, ignore_case: bool) -> Result<Option<Pattern>, String> {
    match spec.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(Pattern::unchecked(s, ignore_case, true))),
        Some(_) => Err(format!("'{key}' must be a regex")),
    }
}

/// Rule regexes from a spec key holding one or a list (see `regex`).
pub(crate) fn regexes(spec: &Value, key: &str, ignore_case: bool) -> Result<Vec<Pattern>, String> {
    Ok(crate::pack::strings(spec, key)?
        .iter()
        .map(|s| Pattern::unchecked(s, ignore_case, true))
        .collect())
}

/// Whether any of `patterns` occurs in `text` (tried in order, as Python's `any`).
pub(crate) fn any_in(patterns: &[Pattern], text: &str) -> Result<bool, TimedOut> {
    for p in patterns {
        if p.is_match(text)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The sentence that holds `text[start..end]` (byte offsets): a sentence ends at `.`, `!` or
/// `?` before whitespace, at a blank line, or before a list or quote line.
pub fn sentence_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut s = 0;
    let mut at = 0;
    while let Some((_, e)) = sentence_end(text, at, start) {
        s = e;
        at = e;
    }
    let finish = sentence_end(text, end, text.len()).map_or(text.len(), |(m, _)| m + 1);
    (s, finish)
}

/// The first sentence end in `text[from..limit]` (the text beyond `limit` unseen, as
/// a regex's `endpos` hides it): `[.!?](?=\s)|\n\s*\n|\n[-*>] `.
fn sentence_end(text: &str, from: usize, limit: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let window = &text[..limit];
    let mut p = from;
    while p < limit {
        match bytes[p] {
            b'.' | b'!' | b'?'
                if window[p + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_whitespace) =>
            {
                return Some((p, p + 1));
            }
            b'\n' => {
                // `\n\s*\n`: the last newline of the whitespace run after it
                let mut last = None;
                for (i, c) in window[p + 1..].char_indices() {
                    if !c.is_whitespace() {
                        break;
                    }
                    if c == '\n' {
                        last = Some(p + 1 + i);
                    }
                }
                if let Some(nl) = last {
                    return Some((p, nl + 1));
                }
                if p + 2 < limit
                    && matches!(bytes[p + 1], b'-' | b'*' | b'>')
                    && bytes[p + 2] == b' '
                {
                    return Some((p, p + 3));
                }
            }
            _ => {}
        }
        p += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_stops_blank_lines_and_list_items() {
        let text = "First one. Second has it here! Third.";
        let at = text.find("it").unwrap();
        let (s, e) = sentence_bounds(text, at, at + 2);
        assert_eq!(&text[s..e], " Second has it here!");
        let text = "para one\n  \npara it two\n- item";
        let at = text.find("it two").unwrap();
        let (s, e) = sentence_bounds(text, at, at + 2);
        assert_eq!(&text[s..e], "para it two\n");
    }

    #[test]
    fn a_stop_glued_to_a_word_ends_nothing() {
        let text = "see v1.2.3 it works";
        let (s, e) = sentence_bounds(text, 11, 13);
        assert_eq!((s, e), (0, text.len()));
    }

    #[test]
    fn the_text_after_the_match_start_is_unseen_for_the_start() {
        // `.` right before the match, whose first character is the whitespace
        let text = "a. b";
        assert_eq!(sentence_bounds(text, 2, 4).0, 0);
        assert_eq!(sentence_bounds(text, 3, 4).0, 2);
    }
}
