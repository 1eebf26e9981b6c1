//! Dockerfiles: `RUN` instructions are commands (shell form with its continuation
//! lines, exec form as a quoted command line, BuildKit here-documents); the rest prose.

use std::sync::OnceLock;

use crate::pyfmt::shlex_quote;

use regex::Regex;

use super::{
    blank, lstrip, lstrip_ch, py_space, py_word, rstrip, rstrip_ch, string, strip, Text,
    PY_SPACE_CLASS,
};
use crate::model::Channel;

fn directive() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        let s = format!("[{PY_SPACE_CLASS}]");
        let ns = format!("[^{PY_SPACE_CLASS}]");
        Regex::new(&format!(r"^#{s}*([A-Za-z]+){s}*={s}*({ns}+){s}*$")).expect("directive")
    })
}

/// `[ \t]*([A-Za-z]+)(?=\s|$)[ \t]*` on a line: (instruction, end of the match).
fn instruction(line: &[char]) -> Option<(String, usize)> {
    let mut k = 0;
    while matches!(line.get(k), Some(' ' | '\t')) {
        k += 1;
    }
    let a = k;
    while line.get(k).is_some_and(|c| c.is_ascii_alphabetic()) {
        k += 1;
    }
    if k == a || line.get(k).is_some_and(|&c| !py_space(c)) {
        return None;
    }
    let name = string(&line[a..k]);
    while matches!(line.get(k), Some(' ' | '\t')) {
        k += 1;
    }
    Some((name, k))
}

/// `(?:--[\w-]+(?:=\S*)?[ \t]+)*` at `p`, bounded by `end`.
fn run_flags(s: &[char], mut p: usize, end: usize) -> usize {
    loop {
        let mut k = p;
        if !(k + 1 < end && s[k] == '-' && s[k + 1] == '-') {
            return p;
        }
        k += 2;
        let a = k;
        while k < end && (py_word(s[k]) || s[k] == '-') {
            k += 1;
        }
        if k == a {
            return p;
        }
        if k < end && s[k] == '=' {
            k += 1;
            while k < end && !py_space(s[k]) {
                k += 1;
            }
        }
        let b = k;
        while k < end && matches!(s[k], ' ' | '\t') {
            k += 1;
        }
        if k == b {
            return p;
        }
        p = k;
    }
}

/// A BuildKit here-document opener `<<(-?)(['"]?)([A-Za-z_][\w.-]*)\2`.
struct Heredoc {
    /// the match, as written
    whole: (usize, usize),
    strip_tabs: bool,
    delim: (usize, usize),
}

fn heredocs(line: &[char]) -> Vec<Heredoc> {
    let mut out = Vec::new();
    let mut p = 0;
    while p + 1 < line.len() {
        if line[p] == '<' && line[p + 1] == '<' {
            if let Some((end, delim, dash)) = super::shell::heredoc_opener(line, p + 2) {
                // Python's pattern allows no blanks between `<<-` and the quote or name
                let k = p + 2 + usize::from(dash);
                if !matches!(line.get(k), Some(' ' | '\t')) {
                    out.push(Heredoc {
                        whole: (p, end),
                        strip_tabs: dash,
                        delim,
                    });
                    p = end;
                    continue;
                }
            }
        }
        p += 1;
    }
    out
}

pub(super) fn segments(t: &mut Text<'_>) {
    let text = t.t;
    let lines = t.lines();
    let n = lines.len();
    let line_of = |k: usize| &text[lines[k].0..lines[k].1];
    let mut escape = '\\';
    // parser directives: leading `# directive=value` lines
    for k in 0..n {
        let s = string(strip(line_of(k)));
        let Some(c) = directive().captures(&s) else {
            break;
        };
        if c[1].to_lowercase() == "escape" && (&c[2] == "\\" || &c[2] == "`") {
            escape = c[2].chars().next().unwrap_or('\\');
        }
    }
    let ends_escape = |k: usize| rstrip(line_of(k)).last() == Some(&escape);
    let mut i = 0;
    while i < n {
        let (off, line_end) = lines[i];
        let line = &text[off..line_end];
        if blank(line) {
            t.flush();
            i += 1;
            continue;
        }
        if strip(line).first() == Some(&'#') {
            t.prose(off, line_end);
            i += 1;
            continue;
        }
        // the logical instruction: continuation lines, minus the comment and empty
        // lines Docker drops inside it
        let mut parts = vec![i];
        let mut blanked: Vec<usize> = Vec::new();
        let mut j = i;
        while ends_escape(j) && j + 1 < n {
            j += 1;
            while j < n && (blank(line_of(j)) || lstrip(line_of(j)).first() == Some(&'#')) {
                if !blank(line_of(j)) {
                    blanked.push(j);
                }
                j += 1;
            }
            if j >= n {
                break;
            }
            parts.push(j);
        }
        let last = *parts.last().unwrap_or(&i);
        // comment lines after the last line of the instruction (it continued into the
        // end of the file) are not part of it: the loop reads them as comments next
        // (Python raised IndexError here)
        blanked.retain(|&b| b < last);
        let end = lines[last].1;
        let m = instruction(line);
        let instr = m
            .as_ref()
            .map(|(s, _)| s.to_uppercase())
            .unwrap_or_default();
        let docs = if matches!(instr.as_str(), "RUN" | "COPY" | "ADD") {
            heredocs(line)
        } else {
            Vec::new()
        };
        let mut body_end_line = last;
        let mut bodies: Vec<(usize, isize)> = Vec::new();
        if !docs.is_empty() {
            let mut k = last + 1;
            for h in &docs {
                let delim = &line[h.delim.0..h.delim.1];
                let first = k;
                while k < n {
                    let content = rstrip_ch(line_of(k), '\r');
                    let content = if h.strip_tabs {
                        lstrip_ch(content, '\t')
                    } else {
                        content
                    };
                    if content == delim {
                        break;
                    }
                    k += 1;
                }
                bodies.push((first, k as isize - 1));
                body_end_line = k.min(n - 1);
                k += 1;
            }
        }
        let full_end = lines[body_end_line].1;
        if instr == "RUN" {
            t.flush();
            let cmd_start = off + m.map_or(0, |(_, e)| e);
            let cmd_start = run_flags(text, cmd_start, end);
            run(
                t, &lines, cmd_start, full_end, &parts, &blanked, escape, line, &docs, &bodies,
            );
            for &b in &blanked {
                t.emit_span(lines[b].0, lines[b].1, Channel::Prose);
            }
        } else {
            t.prose(off, full_end);
        }
        i = body_end_line + 1;
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    t: &mut Text<'_>,
    lines: &[(usize, usize)],
    start: usize,
    full_end: usize,
    parts: &[usize],
    blanked: &[usize],
    escape: char,
    first_line: &[char],
    docs: &[Heredoc],
    bodies: &[(usize, isize)],
) {
    let text = t.t;
    if text.get(start) == Some(&'[') {
        // exec form: a JSON array of strings, no shell
        let mut joined = String::new();
        let last = parts[parts.len() - 1];
        for &p in parts {
            let (poff, pend) = lines[p];
            let piece = &text[start.max(poff).min(pend)..pend];
            if p != last {
                let s = rstrip(piece);
                let s = if s.last() == Some(&escape) {
                    &s[..s.len() - 1]
                } else {
                    s
                };
                joined.extend(s.iter());
            } else {
                joined.extend(piece.iter());
            }
        }
        if let Some(argv) = super::package_json::json_string_array(&joined) {
            if !argv.is_empty() {
                let line: Vec<String> = argv.iter().map(|a| shlex_quote(a)).collect();
                t.emit_flat(line.join(" "), Channel::Command, start, 0, true);
                return;
            }
        }
    }
    let e0 = lines[parts[0]].1;
    let first_line_rest = &text[start.min(e0)..e0];
    if docs.len() == 1
        && parts[0] == parts[parts.len() - 1]
        && strip(first_line_rest) == &first_line[docs[0].whole.0..docs[0].whole.1]
    {
        // `RUN <<EOF` ... `EOF`: the body is the script
        let (first, last) = bodies[0];
        if first as isize <= last {
            let boff = lines[first].0;
            let bend = lines[last as usize].1;
            t.emit(string(&text[boff..bend]), Channel::Command, boff);
        }
        return;
    }
    let mut chunk: Vec<char> = text[start.min(full_end)..full_end].to_vec();
    // continuation characters become `\`; comment lines inside the continuation become
    // blanks ending in `\`
    for &p in &parts[..parts.len() - 1] {
        let (poff, pend) = lines[p];
        let k = (poff + rstrip(&text[poff..pend]).len()) as isize - 1 - start as isize;
        if k >= 0 && (k as usize) < chunk.len() {
            chunk[k as usize] = '\\';
        }
    }
    for &b in blanked {
        let (boff, bend) = lines[b];
        let lo = (boff as isize - start as isize).max(0) as usize;
        let hi = (boff + rstrip_ch(&text[boff..bend], '\r').len()) as isize - start as isize;
        let hi = hi.max(0) as usize;
        for c in chunk.iter_mut().take(hi).skip(lo) {
            *c = ' ';
        }
        if hi > lo && hi <= chunk.len() {
            chunk[hi - 1] = '\\';
        }
    }
    let s = rstrip(&chunk);
    t.emit(string(s), Channel::Command, start);
}
