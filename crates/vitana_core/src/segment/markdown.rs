//! Markdown: fenced blocks by their language (shell → command, console → prompted
//! commands and output, http → request), everything else prose, one segment per
//! paragraph. Inline code is prose: never a command.

use std::sync::OnceLock;

use regex::Regex;

use super::{blank, continued, starts_with, string, strip, Text, PY_SPACE_CLASS};
use crate::model::Channel;

const COMMAND_LANGS: [&str; 9] = [
    "bash",
    "sh",
    "shell",
    "zsh",
    "ksh",
    "dash",
    "shellscript",
    "shell-script",
    "fish",
];
const PROMPT_LANGS: [&str; 6] = [
    "console",
    "shell-session",
    "shellsession",
    "sh-session",
    "bash-session",
    "terminal",
];
const REQUEST_LANGS: [&str; 3] = ["http", "rest", "restclient"];

fn prompt() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(&format!(
            r"^(?:\([\w.-]+\)[ ]+)?(?:[\w.-]+@[\w.-]+(?::[^{PY_SPACE_CLASS}$#]*)?[ ]?)?\$(?:[ ]|$)"
        ))
        .expect("prompt pattern")
    })
}

/// The end (in characters) of a shell prompt at the start of `line`.
fn prompt_end(line: &[char]) -> Option<usize> {
    // the prompt needs a `$`: most lines have none
    if !line.contains(&'$') {
        return None;
    }
    let s = string(line);
    prompt().find(&s).map(|m| s[..m.end()].chars().count())
}

/// The width of a line's blockquote markers (`> `), 0 without.
fn quote_width(line: &[char]) -> usize {
    let mut end = 0;
    loop {
        let mut k = end;
        let mut spaces = 0;
        while spaces < 3 && line.get(k) == Some(&' ') {
            k += 1;
            spaces += 1;
        }
        if line.get(k) != Some(&'>') {
            return end;
        }
        k += 1;
        if line.get(k) == Some(&' ') {
            k += 1;
        }
        end = k;
    }
}

/// A fence `( *)(`{3,}|~{3,})(.*)$` at `p`: (indent, fence length and char, info start).
fn fence_at(line: &[char], p: usize) -> Option<(usize, usize, char, usize)> {
    let mut k = p;
    while line.get(k) == Some(&' ') {
        k += 1;
    }
    let indent = k - p;
    let c = *line.get(k)?;
    if c != '`' && c != '~' {
        return None;
    }
    let a = k;
    while line.get(k) == Some(&c) {
        k += 1;
    }
    if k - a < 3 {
        return None;
    }
    Some((indent, k - a, c, k))
}

/// (container prefix width, fence indent, fence char, fence length, info) when `line`
/// opens a fenced block.
fn opens(line: &[char]) -> Option<(usize, usize, char, usize, &[char])> {
    let prefix = quote_width(line);
    let (indent, len, c, info) = fence_at(line, prefix)?;
    let info = &line[info..];
    if c == '`' && info.contains(&'`') {
        return None;
    }
    Some((prefix, indent, c, len, info))
}

/// A closing fence ` *(`{3,}|~{3,})[ \t\r]*$` after the blockquote markers.
fn closes(line: &[char], c: char, len: usize) -> bool {
    let Some((_, n, fc, k)) = fence_at(line, quote_width(line)) else {
        return false;
    };
    fc == c && n >= len && line[k..].iter().all(|&x| matches!(x, ' ' | '\t' | '\r'))
}

fn contains_mark(line: &[char]) -> bool {
    line.windows(3)
        .any(|w| w == ['`', '`', '`'] || w == ['~', '~', '~'])
}

pub(super) fn segments(t: &mut Text<'_>) {
    let text = t.t;
    let lines = t.lines();
    let n = lines.len();
    let line_of = |k: usize| &text[lines[k].0..lines[k].1];
    let mut i = 0;
    for k in 0..n {
        if k < i || !contains_mark(line_of(k)) {
            continue;
        }
        let Some((prefix, indent, c, len, info)) = opens(line_of(k)) else {
            continue;
        };
        prose(t, &lines[i..k]);
        let info = string(strip(info));
        let mut lang = match info.split(super::py_space).find(|w| !w.is_empty()) {
            Some(first) if !info.is_empty() => first
                .trim_matches(|c| c == '{' || c == '}' || c == '.')
                .to_lowercase(),
            _ => String::new(),
        };
        if let Some(cut) = lang.find(',') {
            lang.truncate(cut);
        }
        let mut j = k + 1;
        while j < n && !closes(line_of(j), c, len) {
            j += 1;
        }
        block(t, &lines[k + 1..j], prefix, indent, &lang);
        i = j + 1;
    }
    if i < n {
        prose(t, &lines[i..]);
    }
}

/// PROSE for `lines` (no fence among them): a segment per run of non-blank lines.
fn prose(t: &mut Text<'_>, lines: &[(usize, usize)]) {
    let mut run: Option<(usize, usize)> = None;
    for &(off, end) in lines {
        if !blank(&t.t[off..end]) {
            run = Some((run.map_or(off, |r| r.0), end));
        } else if let Some((a, b)) = run.take() {
            t.emit_span(a, b, Channel::Prose);
        }
    }
    if let Some((a, b)) = run {
        t.emit_span(a, b, Channel::Prose);
    }
}

fn block(
    t: &mut Text<'_>,
    lines: &[(usize, usize)],
    mut prefix: usize,
    mut fence_indent: usize,
    lang: &str,
) {
    if lines.is_empty() {
        return;
    }
    let text = t.t;
    // strip the container prefix and the fence's indentation, but only by a width every
    // non-blank line has, so columns stay exact
    let mut d = usize::MAX;
    let mut leads = Vec::new();
    for &(off, end) in lines {
        let line = &text[off..end];
        if !blank(line) {
            let p = quote_width(line);
            if p != prefix {
                prefix = 0;
                fence_indent = 0;
            }
            let rest = &line[p..];
            leads.push(rest.iter().take_while(|&&c| c == ' ').count());
        }
    }
    for &l in &leads {
        d = d.min(l);
    }
    let d = d.min(fence_indent);
    let width = prefix + d;
    let content: Vec<(usize, &[char])> = lines
        .iter()
        .map(|&(off, end)| {
            let line = &text[off..end];
            (
                off + width,
                if line.len() > width {
                    &line[width..]
                } else {
                    &[][..]
                },
            )
        })
        .collect();
    if COMMAND_LANGS.contains(&lang) || PROMPT_LANGS.contains(&lang) {
        if PROMPT_LANGS.contains(&lang) || content.iter().any(|(_, c)| prompt_end(c).is_some()) {
            console(t, &content, width);
        } else {
            emit(t, &content, Channel::Command, width);
        }
    } else if REQUEST_LANGS.contains(&lang) {
        emit(t, &content, Channel::Request, width);
    } else {
        emit(t, &content, Channel::Prose, width);
    }
}

fn emit(t: &mut Text<'_>, content: &[(usize, &[char])], channel: Channel, width: usize) {
    let mut a = 0;
    let mut b = content.len();
    while a < b && blank(content[a].1) {
        a += 1;
    }
    while b > a && blank(content[b - 1].1) {
        b -= 1;
    }
    if a == b {
        return;
    }
    let text: Vec<String> = content[a..b]
        .iter()
        .map(|&(off, c)| {
            if c.is_empty() {
                String::new()
            } else {
                t.slice(off, off + c.len())
            }
        })
        .collect();
    let (line, column) = t.pos(content[a].0);
    t.push(text.join("\n"), channel, line, column, width as u64);
}

/// Prompted lines (`$ cmd`, with `\` or `> ` continuation lines) are commands; the rest
/// is output.
fn console(t: &mut Text<'_>, content: &[(usize, &[char])], width: usize) {
    let n = content.len();
    let mut k = 0;
    let mut output: Vec<(usize, &[char])> = Vec::new();
    while k < n {
        let (off, line) = content[k];
        let Some(m) = prompt_end(line) else {
            if !blank(line) {
                output.push((off, line));
            } else {
                emit(t, &output, Channel::Output, width);
                output.clear();
            }
            k += 1;
            continue;
        };
        emit(t, &output, Channel::Output, width);
        output.clear();
        let mut cmd: Vec<(usize, &[char])> = vec![(off + m, &line[m..])];
        k += 1;
        while k < n && (continued(cmd[cmd.len() - 1].1) || starts_with(content[k].1, "> ")) {
            cmd.push(content[k]);
            k += 1;
        }
        let mut more: Vec<(usize, &[char])> = cmd[1..].to_vec();
        let cont_width = if !more.is_empty() && more.iter().all(|(_, c)| starts_with(c, "> ")) {
            more = more.iter().map(|&(o, c)| (o + 2, &c[2..])).collect();
            width + 2
        } else {
            width
        };
        let mut parts = vec![string(cmd[0].1)];
        parts.extend(more.iter().map(|(_, c)| string(c)));
        let text = parts.join("\n");
        if !text.chars().all(super::py_space) {
            let (line_no, column) = t.pos(cmd[0].0);
            t.push(text, Channel::Command, line_no, column, cont_width as u64);
        }
    }
    emit(t, &output, Channel::Output, width);
}
