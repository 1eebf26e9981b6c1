//! package.json: the string values of the top-level `scripts` object are commands,
//! the rest prose. A tolerant tokenizer (Python's `_JSON_TOKEN`) finds them with their
//! positions; text that is not such JSON is prose.

use std::sync::OnceLock;

use regex::Regex;

use super::{string, Text, PY_SPACE_CLASS};
use crate::model::Channel;

fn token() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(&format!(
            r#"(?s)[{PY_SPACE_CLASS}]+|"(?:[^"\\\n]|\\.)*"|[{{}}\[\]:,]|-?\d[\d.eE+-]*|true|false|null|."#
        ))
        .expect("json token pattern")
    })
}

pub(super) fn segments(t: &mut Text<'_>) {
    let text = string(t.t);
    let Some(scripts) = scripts(&text) else {
        t.emit(text, Channel::Prose, 0);
        return;
    };
    // a script with an escape JSON does not allow makes the file no JSON (npm refuses
    // it): all prose, as any text that is not JSON (Python raised ValueError here)
    let mut decoded: Vec<Option<String>> = Vec::with_capacity(scripts.len());
    for &(s, e) in &scripts {
        let inner = &t.t[s + 1..(e - 1).max(s + 1)];
        if inner.contains(&'\\') {
            match json_string(&string(&t.t[s..e])) {
                Some(value) => decoded.push(Some(value)),
                None => {
                    t.emit(text, Channel::Prose, 0);
                    return;
                }
            }
        } else {
            decoded.push(None);
        }
    }
    for (&(s, e), value) in scripts.iter().zip(decoded) {
        match value {
            Some(v) => t.emit_flat(v, Channel::Command, s + 1, 0, true),
            None => t.emit(
                string(&t.t[s + 1..(e - 1).max(s + 1)]),
                Channel::Command,
                s + 1,
            ),
        }
    }
    t.prose_between(&scripts);
}

/// Spans (code points, with quotes) of the string values of the top-level "scripts"
/// object, or None when the text is not JSON as the tokenizer reads it.
fn scripts(text: &str) -> Option<Vec<(usize, usize)>> {
    let mut toks: Vec<(&str, usize)> = Vec::new();
    let mut chars = 0;
    for m in token().find_iter(text) {
        let tok = m.as_str();
        let len = tok.chars().count();
        if !tok.chars().all(super::py_space) {
            toks.push((tok, chars));
        }
        chars += len;
    }
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        out: Vec::new(),
    };
    p.value(0, false)?;
    Some(p.out)
}

struct Parser<'a> {
    toks: &'a [(&'a str, usize)],
    pos: usize,
    out: Vec<(usize, usize)>,
}

impl<'a> Parser<'a> {
    fn tok(&self, k: usize) -> Option<&'a str> {
        self.toks.get(k).map(|t| t.0)
    }

    fn value(&mut self, depth: usize, in_scripts: bool) -> Option<()> {
        // Python stops at its recursion limit (an exception); so does this, as prose
        if depth > 900 {
            return None;
        }
        let tok = self.tok(self.pos)?;
        if tok == "{" {
            self.pos += 1;
            if self.tok(self.pos)? == "}" {
                self.pos += 1;
                return Some(());
            }
            loop {
                let key = self.tok(self.pos)?;
                if !key.starts_with('"') {
                    return None;
                }
                if self.tok(self.pos + 1)? != ":" {
                    return None;
                }
                self.pos += 2;
                let is_scripts = depth == 0 && key == "\"scripts\"";
                let v = self.tok(self.pos)?;
                if in_scripts && v.starts_with('"') {
                    let vo = self.toks[self.pos].1;
                    self.out.push((vo, vo + v.chars().count()));
                    self.pos += 1;
                } else {
                    self.value(depth + 1, is_scripts)?;
                }
                let sep = self.tok(self.pos)?;
                self.pos += 1;
                if sep == "}" {
                    return Some(());
                }
                if sep != "," {
                    return None;
                }
            }
        } else if tok == "[" {
            self.pos += 1;
            if self.tok(self.pos)? == "]" {
                self.pos += 1;
                return Some(());
            }
            loop {
                self.value(depth + 1, false)?;
                let sep = self.tok(self.pos)?;
                self.pos += 1;
                if sep == "]" {
                    return Some(());
                }
                if sep != "," {
                    return None;
                }
            }
        } else if tok.starts_with('"')
            || tok.starts_with(|c: char| "-0123456789".contains(c))
            || matches!(tok, "true" | "false" | "null")
        {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }
}

/// One JSON string token decoded as Python's `json.loads` does; None where Python
/// raises (or would hold a lone surrogate, which Rust text cannot).
pub(crate) fn json_string(token: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(token) {
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// A JSON array of strings (Docker's exec form), None if the text is anything else.
pub(crate) fn json_string_array(text: &str) -> Option<Vec<String>> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}
