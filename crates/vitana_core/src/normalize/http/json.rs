//! JSON as agents write it in request bodies: standard JSON, plus template
//! placeholders read as the unknown value (`model::UNKNOWN_MARK`).
//!
//! Beyond the standard: bare placeholders `<X>`, `{{x}}`, `${X}`, `$X`, `$(...)`,
//! `...` as values and strings that are wholly a placeholder (`"<branch>"`) are
//! unknown; `...` standing for elided object members is skipped; trailing commas and
//! `//` / `/* */` comments are tolerated. The parser keeps its own stack (no
//! recursion): nesting deeper than `MAX_DEPTH` is an error. Errors say what and where
//! ("line 3 column 14: expected ',' or '}'"), columns counted in characters.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Number, Value};

use super::pyfmt::{is_space, is_word, repr};
use crate::model::{unknown_value, UNKNOWN_MARK};

/// Deepest JSON nesting accepted.
pub const MAX_DEPTH: usize = 500;

/// Python's `\s` as a regex class.
const SP: &str = r"[\s\x1c-\x1f]";

const PLACEHOLDER: &str = r"<[^<>\n]+>|\{\{[^{}\n]*\}\}|\$\{[^{}\n]*\}|\$\([^()\n]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\.\.\.|\x{2026}";

/// Each pattern is compiled on its first use, apart: a request body without a quoted
/// placeholder (most of them) needs only the pre-test, and the other two's Unicode
/// classes were most of the regex work of a live-guard call that rebuilt a request.
macro_rules! pattern {
    ($(#[$doc:meta])* $name:ident, $build:expr) => {
        $(#[$doc])*
        fn $name() -> &'static Regex {
            static P: OnceLock<Regex> = OnceLock::new();
            P.get_or_init(|| Regex::new(&$build).expect("a fixed regex"))
        }
    };
}

/// Word characters of a bare placeholder's neighbours.
const WORD: &str = r"\p{L}\p{N}_";

pattern!(
    /// a whole string value that is only a placeholder
    placeholder_string,
    format!(r"^{SP}*(?:{PLACEHOLDER}){SP}*$")
);
pattern!(
    /// somewhere in a text, a quoted string that may be a placeholder (cheap pre-test)
    quoted_placeholder,
    format!(r#""{SP}*(?:<|\{{\{{|\$|\.\.\.|\x{{2026}})"#)
);
pattern!(
    /// a bare placeholder in value position, possibly glued to word characters: PR_<N>
    bare,
    format!(r"^[{WORD}.\-]*(?:{PLACEHOLDER})(?:{PLACEHOLDER}|[{WORD}.\-/]+)*")
);

/// Parse `body` as lenient JSON: the value, or the error message.
pub fn parse_json_lenient(body: &str) -> Result<Value, String> {
    let mut value = Parser { text: body }
        .parse()
        .map_err(|(pos, what)| format!("{}: {what}", where_(body, pos)))?;
    if quoted_placeholder().is_match(body) {
        unknown_strings(&mut value);
    }
    Ok(value)
}

/// "line L column C" of byte offset `pos`, counted in characters.
fn where_(text: &str, pos: usize) -> String {
    let pos = pos.min(text.len());
    let before = &text[..pos];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    format!("line {line} column {column}")
}

fn is_placeholder_string(s: &str) -> bool {
    s.chars().count() < 400 && placeholder_string().is_match(s)
}

/// Replace string values that are wholly a placeholder with the unknown value.
fn unknown_strings(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            Value::String(s) if s != UNKNOWN_MARK && is_placeholder_string(s) => {
                *node = unknown_value();
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => stack.extend(map.values_mut()),
            _ => {}
        }
    }
}

type Error = (usize, String);

enum Frame {
    Object(Map<String, Value>, Option<String>),
    Array(Vec<Value>),
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Value,
    KeyOrClose,
    ValueOrClose,
    After,
    End,
}

struct Parser<'a> {
    text: &'a str,
}

/// A character of Python's `[\w$.\-]`: what may not follow a literal or a number.
fn word_char(c: Option<char>) -> bool {
    matches!(c, Some(c) if is_word(c) || matches!(c, '$' | '.' | '-'))
}

impl Parser<'_> {
    fn at(&self, pos: usize) -> Option<char> {
        self.text[pos..].chars().next()
    }

    /// Skip blanks (Python's JSON ones, \f, \v and a BOM) and comments.
    fn ws(&self, mut pos: usize) -> usize {
        loop {
            let rest = &self.text[pos..];
            if let Some(c) = rest.chars().next() {
                if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}' | '\u{b}' | '\u{feff}') {
                    pos += c.len_utf8();
                    continue;
                }
            }
            if rest.starts_with("//") {
                pos += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            if let Some(comment) = rest.strip_prefix("/*") {
                if let Some(end) = comment.find("*/") {
                    pos += end + 4;
                    continue;
                }
            }
            return pos;
        }
    }

    /// A JSON string whose opening quote is at `pos - 1` (Python's strict scanstring).
    fn string(&self, pos: usize) -> Result<(String, usize), Error> {
        let b = self.text.as_bytes();
        let begin = pos - 1;
        let mut out = String::new();
        let mut i = pos;
        loop {
            let chunk_start = i;
            while i < b.len() && b[i] != b'"' && b[i] != b'\\' && b[i] >= 0x20 {
                i += 1;
            }
            out.push_str(&self.text[chunk_start..i]);
            if i >= b.len() {
                return Err((begin, "unterminated string".into()));
            }
            match b[i] {
                b'"' => return Ok((out, i + 1)),
                b'\\' => {
                    let Some(&e) = b.get(i + 1) else {
                        return Err((begin, "unterminated string".into()));
                    };
                    let simple = match e {
                        b'"' => Some('"'),
                        b'\\' => Some('\\'),
                        b'/' => Some('/'),
                        b'b' => Some('\u{8}'),
                        b'f' => Some('\u{c}'),
                        b'n' => Some('\n'),
                        b'r' => Some('\r'),
                        b't' => Some('\t'),
                        _ => None,
                    };
                    if let Some(c) = simple {
                        out.push(c);
                        i += 2;
                        continue;
                    }
                    if e != b'u' {
                        return Err((i, "invalid \\escape".into()));
                    }
                    let u_at = i + 1;
                    let c = self.hex4(u_at)?;
                    let mut end = u_at + 5;
                    let mut code = c;
                    if (0xd800..0xdc00).contains(&c)
                        && end + 6 < b.len()
                        && b[end] == b'\\'
                        && b[end + 1] == b'u'
                    {
                        let c2 = self.hex4(end + 1)?;
                        if (0xdc00..0xe000).contains(&c2) {
                            code = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
                            end += 6;
                        }
                    }
                    // a lone surrogate has no UTF-8 form: it reads as U+FFFD
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    i = end;
                }
                _ => return Err((i, "invalid control character".into())),
            }
        }
    }

    /// The four hex digits after the `u` at `u_at`.
    fn hex4(&self, u_at: usize) -> Result<u32, Error> {
        let b = self.text.as_bytes();
        let bad = || (u_at, "invalid \\uXXXX escape".to_string());
        if u_at + 5 >= b.len() {
            return Err(bad());
        }
        let mut v = 0u32;
        for &d in &b[u_at + 1..u_at + 5] {
            v = v * 16 + (d as char).to_digit(16).ok_or_else(bad)?;
        }
        Ok(v)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?` at `pos`: (end, is_float).
    fn number(&self, pos: usize) -> Option<(usize, bool)> {
        let b = self.text.as_bytes();
        let digits = |mut i: usize| {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            (i, i - s)
        };
        let mut i = pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i).0,
            _ => return None,
        }
        let mut float = false;
        if b.get(i) == Some(&b'.') {
            let (j, n) = digits(i + 1);
            if n > 0 {
                i = j;
                float = true;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let (k, n) = digits(j);
            if n > 0 {
                i = k;
                float = true;
            }
        }
        Some((i, float))
    }

    fn scalar(&self, pos: usize) -> Result<(Value, usize), Error> {
        let text = self.text;
        let c = self.at(pos);
        if c == Some('"') {
            let (s, end) = self.string(pos + 1)?;
            return Ok((Value::String(s), end));
        }
        if matches!(c, Some('t' | 'f' | 'n')) {
            for (word, val) in [
                ("true", Value::Bool(true)),
                ("false", Value::Bool(false)),
                ("null", Value::Null),
            ] {
                if text[pos..].starts_with(word) && !word_char(self.at(pos + word.len())) {
                    return Ok((val, pos + word.len()));
                }
            }
        }
        if let Some(m) = bare().find(&text[pos..]) {
            return Ok((unknown_value(), pos + m.end()));
        }
        if let Some((end, float)) = self.number(pos) {
            if !word_char(self.at(end)) {
                return Ok((number_value(&text[pos..end], float, pos)?, end));
            }
        }
        if c.is_none() {
            return Err((pos, "expected a value, found the end of the body".into()));
        }
        Err(self.bad_value(pos))
    }

    fn bad_value(&self, pos: usize) -> Error {
        let rest = &self.text[pos..];
        let found: String = rest
            .chars()
            .take_while(|&c| !is_space(c) && !",:[]{}\"".contains(c))
            .take(30)
            .collect();
        let found = if found.is_empty() {
            rest.chars().next().map(String::from).unwrap_or_default()
        } else {
            found
        };
        if found.starts_with('\'') {
            return (
                pos,
                "expected a value: strings take double quotes, found '".into(),
            );
        }
        (pos, format!("expected a value, found {}", repr(&found)))
    }

    fn parse(&self) -> Result<Value, Error> {
        let text = self.text;
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Value> = None;
        let mut state = State::Value;
        let mut pos = self.ws(0);
        if pos >= text.len() {
            return Err((pos, "empty body".into()));
        }
        loop {
            pos = self.ws(pos);
            let c = self.at(pos);
            match state {
                State::Value => {
                    if matches!(c, Some('{' | '[')) && !text[pos..].starts_with("{{") {
                        if stack.len() >= MAX_DEPTH {
                            return Err((pos, format!("nesting deeper than {MAX_DEPTH} levels")));
                        }
                        pos += 1;
                        if c == Some('{') {
                            stack.push(Frame::Object(Map::new(), None));
                            state = State::KeyOrClose;
                        } else {
                            stack.push(Frame::Array(Vec::new()));
                            state = State::ValueOrClose;
                        }
                        continue;
                    }
                    let (value, end) = self.scalar(pos)?;
                    pos = end;
                    state = attach(&mut stack, &mut root, value);
                }
                State::KeyOrClose => match c {
                    Some('}') => {
                        pos += 1;
                        state = close(&mut stack, &mut root);
                    }
                    Some('"') => {
                        let (key, end) = self.string(pos + 1)?;
                        pos = self.ws(end);
                        if self.at(pos) != Some(':') {
                            return Err((pos, "expected ':' after the key".into()));
                        }
                        pos += 1;
                        if let Some(Frame::Object(_, pending)) = stack.last_mut() {
                            *pending = Some(key);
                        }
                        state = State::Value;
                    }
                    _ if text[pos..].starts_with("...") => {
                        pos += 3; // elided members
                        state = State::After;
                    }
                    Some('\u{2026}') => {
                        pos += '\u{2026}'.len_utf8();
                        state = State::After;
                    }
                    None => {
                        return Err((
                            pos,
                            "expected a string key or '}', found the end of the body".into(),
                        ))
                    }
                    Some(ch) => {
                        let mut what = "a string key or '}'".to_string();
                        if ch == '\'' {
                            what += " (keys take double quotes)";
                        }
                        return Err((
                            pos,
                            format!("expected {what}, found {}", repr(&ch.to_string())),
                        ));
                    }
                },
                State::ValueOrClose => {
                    if c == Some(']') {
                        pos += 1;
                        state = close(&mut stack, &mut root);
                    } else {
                        state = State::Value;
                    }
                }
                State::After => {
                    let closer = match stack.last() {
                        Some(Frame::Object(..)) => '}',
                        _ => ']',
                    };
                    match c {
                        Some(',') => {
                            pos += 1;
                            state = if closer == '}' {
                                State::KeyOrClose
                            } else {
                                State::ValueOrClose
                            };
                        }
                        Some(ch) if ch == closer => {
                            pos += 1;
                            state = close(&mut stack, &mut root);
                        }
                        None => {
                            return Err((
                                pos,
                                format!("expected ',' or '{closer}', found the end of the body"),
                            ))
                        }
                        Some(_) => return Err((pos, format!("expected ',' or '{closer}'"))),
                    }
                }
                State::End => {
                    if pos < text.len() {
                        return Err((pos, "unexpected text after the JSON value".into()));
                    }
                    return Ok(root.unwrap_or(Value::Null));
                }
            }
        }
    }
}

/// Puts a finished value in the open container (or makes it the root); the next state.
fn attach(stack: &mut [Frame], root: &mut Option<Value>, value: Value) -> State {
    match stack.last_mut() {
        None => {
            *root = Some(value);
            State::End
        }
        Some(Frame::Array(items)) => {
            items.push(value);
            State::After
        }
        Some(Frame::Object(map, pending)) => {
            // a repeated key keeps its first place and takes the last value, as in Python
            map.insert(pending.take().unwrap_or_default(), value);
            State::After
        }
    }
}

/// Closes the innermost container; the next state.
fn close(stack: &mut Vec<Frame>, root: &mut Option<Value>) -> State {
    let value = match stack.pop() {
        Some(Frame::Object(map, _)) => Value::Object(map),
        Some(Frame::Array(items)) => Value::Array(items),
        None => return State::End,
    };
    attach(stack, root, value)
}

/// A number's value. Python reads any integer of up to 4,300 digits exactly; here one
/// beyond 64 bits reads as a float, and a number with no finite float form (1e400) as
/// the unknown value (serde_json holds no infinities).
fn number_value(s: &str, float: bool, pos: usize) -> Result<Value, Error> {
    if !float {
        if s.trim_start_matches('-').len() > 4300 {
            return Err((pos, "number too long".into()));
        }
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = s.parse::<u64>() {
            return Ok(Value::Number(u.into()));
        }
    }
    let f: f64 = s.parse().unwrap_or(f64::NAN);
    Ok(Number::from_f64(f).map_or_else(unknown_value, Value::Number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::is_unknown;
    use serde_json::json;

    fn ok(text: &str) -> Value {
        parse_json_lenient(text).unwrap()
    }

    #[test]
    fn standard_json() {
        assert_eq!(
            ok(r#"{"a": [1, 2.5, "x", null, false]}"#),
            json!({"a": [1, 2.5, "x", null, false]})
        );
        assert_eq!(ok("  42 "), json!(42));
    }

    #[test]
    fn placeholders_are_unknown() {
        for p in [
            "<PR>",
            "{{ x }}",
            "${X}",
            "$X",
            "$(gh pr view)",
            "...",
            "\"<b>\"",
            "PR_<N>",
        ] {
            let v = ok(&format!(r#"{{"k": {p}, "z": 1}}"#));
            assert!(is_unknown(&v["k"]), "{p}");
            assert_eq!(v["z"], json!(1));
        }
        assert_eq!(
            ok(r#"{"t": "VTID-<n>: fix"}"#),
            json!({"t": "VTID-<n>: fix"})
        );
    }

    #[test]
    fn lenient_forms() {
        assert_eq!(
            ok("{\n // c\n \"a\": 1, /* x */\n \"l\": [1,],\n}"),
            json!({"a": 1, "l": [1]})
        );
        assert_eq!(ok(r#"{"a": 1, ..., "b": 2}"#), json!({"a": 1, "b": 2}));
        assert_eq!(ok(r#"{"a": 1, "a": 2, "b": 0}"#), json!({"a": 2, "b": 0}));
    }

    #[test]
    fn errors_say_what_and_where() {
        let err = |t: &str| parse_json_lenient(t).unwrap_err();
        assert_eq!(
            err("{\n  \"a\": 1\n  \"c\": 3\n}"),
            "line 3 column 3: expected ',' or '}'"
        );
        assert_eq!(err(r#"{"a": "x"#), "line 1 column 7: unterminated string");
        assert_eq!(err("é {"), "line 1 column 1: expected a value, found 'é'");
        assert_eq!(err(""), "line 1 column 1: empty body");
        assert!(err(&format!("[{}, <X>]", "9".repeat(5000))).contains("number too long"));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_json_lenient(&deep)
            .unwrap_err()
            .contains("nesting deeper than 500"));
        let edge = "[".repeat(MAX_DEPTH) + "<X>" + &"]".repeat(MAX_DEPTH);
        assert!(parse_json_lenient(&edge).is_ok());
    }
}
