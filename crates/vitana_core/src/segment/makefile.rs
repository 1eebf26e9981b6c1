//! Makefiles: recipe lines (and a rule's `; command`) are commands, the rest prose.

use std::sync::OnceLock;

use regex::Regex;

use super::{blank, continued, lstrip, py_space, string, Text, PY_SPACE_CLASS};
use crate::model::Channel;

struct Patterns {
    assign: Regex,
    define: Regex,
    endef: Regex,
    directive: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let s = format!("[{PY_SPACE_CLASS}]");
        let word = format!("[^{PY_SPACE_CLASS}:#=]");
        let mods = format!("(?:(?:export|override|private){s}+)*");
        let build = |p: String| Regex::new(&p).expect("makefile pattern");
        Patterns {
            assign: build(format!(r"^{s}*{mods}{word}+{s}*(?:::?=|:::=|[+?!]?=)")),
            define: build(format!(r"^{s}*{mods}define(?:{s}|$)")),
            endef: build(format!(r"^{s}*endef(?:{s}|$)")),
            directive: build(format!(
                r"^{s}*(?:ifeq|ifneq|ifdef|ifndef|else|endif|-?include|sinclude|vpath|unexport)(?:{s}|$)"
            )),
        }
    })
}

/// Offset of the rule's `:` in a non-assignment line, None if none (outside $(...)).
fn rule_colon(line: &[char]) -> Option<usize> {
    let mut depth: usize = 0;
    for (i, &ch) in line.iter().enumerate() {
        match ch {
            '(' | '{' => depth += 1,
            ')' | '}' => depth = depth.saturating_sub(1),
            '#' if depth == 0 => return None,
            ':' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

pub(super) fn segments(t: &mut Text<'_>) {
    let pat = patterns();
    let text = t.t;
    let lines = t.lines();
    let n = lines.len();
    let mut i = 0;
    let mut in_rule = false;
    let mut in_define = false;
    while i < n {
        let (off, line_end) = lines[i];
        let line = &text[off..line_end];
        let mut j = i;
        while continued(&text[lines[j].0..lines[j].1]) && j + 1 < n {
            j += 1;
        }
        let end = lines[j].1;
        let nxt = j + 1;
        let line_s = string(line);
        if in_define {
            if pat.endef.is_match(&line_s) {
                in_define = false;
                t.prose(off, end);
            } else if line.first() == Some(&'\t') {
                recipe(t, off, end);
            } else {
                t.prose(off, end);
            }
        } else if line.first() == Some(&'\t') && in_rule {
            recipe(t, off, end);
        } else if blank(line) {
            t.flush();
        } else if lstrip(line).first() == Some(&'#') {
            t.prose(off, end);
        } else if pat.define.is_match(&line_s) {
            in_define = true;
            in_rule = false;
            t.prose(off, end);
        } else if pat.directive.is_match(&line_s) {
            t.prose(off, end);
        } else if pat.assign.is_match(&line_s) {
            in_rule = false;
            t.prose(off, end);
        } else {
            let logical = &text[off..end];
            if let Some(colon) = rule_colon(logical) {
                in_rule = true;
                let semi = super::find(logical, ';', colon);
                let hash = super::find(logical, '#', colon);
                match semi {
                    Some(semi) if hash.map_or(true, |h| semi < h) => {
                        t.prose(off, off + semi);
                        t.flush();
                        t.emit_span(off + semi + 1, end, Channel::Command);
                    }
                    _ => t.prose(off, end),
                }
            } else {
                in_rule = false;
                t.prose(off, end);
            }
        }
        i = nxt;
    }
}

fn recipe(t: &mut Text<'_>, off: usize, end: usize) {
    t.flush();
    let mut start = off + 1; // after the recipe tab
    while start < end && (matches!(t.t[start], '@' | '+' | '-') || py_space(t.t[start])) {
        start += 1;
    }
    if t.t.get(start) == Some(&'#') {
        t.emit_span(start, end, Channel::Prose);
    } else {
        t.emit_span(start, end, Channel::Command);
    }
}
