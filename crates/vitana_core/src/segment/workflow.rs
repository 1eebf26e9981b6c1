//! GitHub workflows: every `run:` scalar is a command (block scalars dedented, with
//! `indent`), a step `uses:` an action that deploys or pushes is a command in a normal
//! form; the rest is prose.
//!
//! Where the `run:` scalars are depends on YAML. The caller that has a YAML parser
//! (Python's PyYAML composer, whose marks this port must reproduce) passes them as a
//! `WorkflowYaml`; without it, or for text that is not YAML, they are found line by
//! line, as Python's fallback does.

use super::{blank, find, py_space, py_word, rstrip, rstrip_ch, starts_with, string, Text};
use crate::model::Channel;

/// One `run:` scalar: the key's column, the value's span (code points, properties
/// included), its style (`|`, `>`, `'`, `"`, or None for plain) and, from a parser,
/// its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpan {
    pub key_col: usize,
    pub start: usize,
    pub end: usize,
    pub style: Option<char>,
    pub value: Option<String>,
}

/// What a YAML parser found in a workflow: the `run:` scalars and the releasing
/// `uses:` steps as (offset, normal form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkflowYaml {
    pub spans: Vec<RunSpan>,
    pub actions: Vec<(usize, String)>,
}

pub(super) fn segments(t: &mut Text<'_>, yaml: Option<&WorkflowYaml>) {
    let (spans, actions) = match yaml {
        Some(y) => (y.spans.clone(), y.actions.clone()),
        None => (scan_run_spans(t.t), scan_action_steps(t.t)),
    };
    // a step that deploys through an action is a command too (VG101/VG103 match the
    // `uses:` line written in this normal form)
    for (offset, text) in actions {
        t.emit_flat(text, Channel::Command, offset, 0, true);
    }
    let mut excluded: Vec<(usize, usize)> = spans.iter().map(|s| render_scalar(t, s)).collect();
    excluded.sort();
    t.prose_between(&excluded);
}

// Actions that release: a step `uses:` one of these is a deploy (push: only when the
// step's `with: push:` is not false).
const DEPLOY_ACTIONS: [&str; 1] = ["google-github-actions/deploy-cloudrun"];
const PUSH_ACTIONS: [&str; 1] = ["docker/build-push-action"];

/// The normal form of a releasing `uses:` step (what the rules match), or None.
pub fn action_step(uses: &str, push: Option<&str>) -> Option<String> {
    let name = uses
        .split('@')
        .next()
        .unwrap_or("")
        .trim_matches(py_space)
        .to_lowercase();
    let uses = uses.trim_matches(py_space);
    if DEPLOY_ACTIONS.contains(&name.as_str()) {
        return Some(format!("uses: {uses}"));
    }
    if PUSH_ACTIONS.contains(&name.as_str()) {
        if let Some(p) = push {
            let p = p.trim_matches(py_space).to_lowercase();
            if !matches!(p.as_str(), "false" | "no" | "off" | "") {
                return Some(format!("uses: {uses} (push: true)"));
            }
        }
    }
    None
}

fn skip_blanks(s: &[char], mut k: usize) -> usize {
    while matches!(s.get(k), Some(' ' | '\t')) {
        k += 1;
    }
    k
}

/// `^([ \t]*(?:-[ \t]+)?)KEY:` on a line: (prefix width, end of `KEY:`).
fn key_at(line: &[char], key: &str) -> Option<(usize, usize)> {
    let mut k = skip_blanks(line, 0);
    if line.get(k) == Some(&'-') {
        let b = skip_blanks(line, k + 1);
        if b > k + 1 {
            k = b;
        }
    }
    let prefix = k;
    if starts_with(&line[k..], key) && line.get(k + key.chars().count()) == Some(&':') {
        Some((prefix, k + key.chars().count() + 1))
    } else {
        None
    }
}

/// Fallback when the file is not valid YAML: `run:` keys found line by line.
fn scan_run_spans(text: &[char]) -> Vec<RunSpan> {
    let n = text.len();
    let mut out = Vec::new();
    let mut ls = 0;
    loop {
        let eol = find(text, '\n', ls).unwrap_or(n);
        let line = &text[ls..eol];
        if let Some((key_col, after)) = key_at(line, "run") {
            if line.get(after).map_or(true, |&c| py_space(c)) {
                let start = ls + skip_blanks(line, after);
                let rest = rstrip_ch(&text[start..eol], '\r');
                if !(blank(rest) || rest.first() == Some(&'#')) {
                    let ch = rest[0];
                    if ch == '|' || ch == '>' {
                        out.push(RunSpan {
                            key_col,
                            start,
                            end: n,
                            style: Some(ch),
                            value: None,
                        });
                    } else if ch == '\'' || ch == '"' {
                        if let Some(close) = quoted_end(rest, ch) {
                            out.push(RunSpan {
                                key_col,
                                start,
                                end: start + close + 1,
                                style: Some(ch),
                                value: None,
                            });
                        }
                    } else {
                        let cut = rest
                            .windows(2)
                            .position(|w| matches!(w[0], ' ' | '\t') && w[1] == '#')
                            .unwrap_or(rest.len());
                        let value = rstrip(&rest[..cut]);
                        out.push(RunSpan {
                            key_col,
                            start,
                            end: start + value.len(),
                            style: None,
                            value: None,
                        });
                    }
                }
            }
        }
        if eol >= n {
            return out;
        }
        ls = eol + 1;
    }
}

fn quoted_end(rest: &[char], q: char) -> Option<usize> {
    let mut i = 1;
    while i < rest.len() {
        let c = rest[i];
        if q == '"' && c == '\\' {
            i += 2;
            continue;
        }
        if c == q {
            if q == '\'' && rest.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Fallback when the file is not valid YAML: `uses:` lines, and for a push action a
/// `push:` key before the next step.
fn scan_action_steps(text: &[char]) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut ls = 0;
    loop {
        let eol = find(text, '\n', ls).unwrap_or(text.len());
        lines.push((ls, eol));
        if eol >= text.len() {
            break;
        }
        ls = eol + 1;
    }
    let name_char = |c: char| py_word(c) || matches!(c, '.' | '/' | '@' | '-');
    let mut out = Vec::new();
    for (i, &(ls, le)) in lines.iter().enumerate() {
        let line = &text[ls..le];
        let Some((_, after)) = key_at(line, "uses") else {
            continue;
        };
        let mut k = skip_blanks(line, after);
        if matches!(line.get(k), Some('\'' | '"')) && line.get(k + 1).is_some_and(|&c| name_char(c))
        {
            k += 1;
        }
        let a = k;
        while line.get(k).is_some_and(|&c| name_char(c)) {
            k += 1;
        }
        if k == a {
            continue;
        }
        let name = string(&line[a..k]);
        let mut push: Option<String> = None;
        for &(ns, ne) in &lines[i + 1..] {
            let nxt = &text[ns..ne];
            let b = skip_blanks(nxt, 0);
            if (nxt.get(b) == Some(&'-') && matches!(nxt.get(b + 1), Some(' ' | '\t')))
                || starts_with(&nxt[b..], "uses:")
                || starts_with(&nxt[b..], "run:")
            {
                break;
            }
            if starts_with(&nxt[b..], "push:") {
                let v = skip_blanks(nxt, b + 5);
                // the shortest value after which only blanks and a comment follow
                let mut e = v;
                loop {
                    let r = skip_blanks(nxt, e);
                    if r >= nxt.len() || nxt[r] == '#' {
                        break;
                    }
                    e += 1;
                }
                let value = string(&nxt[v..e]);
                push = Some(value.trim_matches(|c| c == '\'' || c == '"').to_string());
            }
        }
        if let Some(normal) = action_step(&name, push.as_deref()) {
            out.push((ls + a, normal));
        }
    }
    out
}

/// `(?:[&!][^\s]*[ \t]+)*` at `p`, bounded by `end`.
fn node_props(s: &[char], mut p: usize, end: usize) -> usize {
    loop {
        if !(p < end && matches!(s[p], '&' | '!')) {
            return p;
        }
        let mut k = p + 1;
        while k < end && !py_space(s[k]) {
            k += 1;
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

/// Emit the COMMAND segment of a `run:` scalar; return the span it covers.
fn render_scalar(t: &mut Text<'_>, span: &RunSpan) -> (usize, usize) {
    let text = t.t;
    let (mut start, end) = (span.start, span.end.min(text.len()));
    let pm = node_props(text, start, end);
    if pm > start {
        start = pm;
    }
    let style = span.style;
    if matches!(style, Some('|' | '>')) {
        return render_block(
            t,
            span.key_col,
            start,
            end,
            style == Some('>'),
            span.value.is_some(),
        );
    }
    let (inner_start, inner_end) = if matches!(style, Some('\'' | '"')) {
        (start + 1, end.saturating_sub(1).max(start + 1))
    } else {
        (start, end.max(start))
    };
    let raw = &text[inner_start.min(inner_end)..inner_end];
    let escaped = (style == Some('"') && raw.contains(&'\\'))
        || (style == Some('\'') && raw.windows(2).any(|w| w == ['\'', '\'']));
    if !raw.contains(&'\n') {
        let plain = if escaped { None } else { Some(string(raw)) };
        match (&plain, &span.value) {
            (Some(p), None) => t.emit(p.clone(), Channel::Command, inner_start),
            (Some(p), Some(v)) if p == v => t.emit(p.clone(), Channel::Command, inner_start),
            _ => {
                let value = match &span.value {
                    Some(v) => Some(v.clone()),
                    None => load_quoted(&text[start..end.max(start)], style),
                };
                if let Some(v) = value {
                    t.emit_flat(v, Channel::Command, inner_start, 0, true);
                }
            }
        }
        return (start, end);
    }
    // a multi-line flow scalar: lines fold into spaces; keep every line where it is and
    // append ` \` where a line break folds (a shell line continuation)
    if escaped {
        if let Some(v) = &span.value {
            t.emit_flat(v.clone(), Channel::Command, inner_start, 0, true);
        }
        return (start, end);
    }
    let lines: Vec<&[char]> = raw.split(|&c| c == '\n').collect();
    t.emit(fold_lines(&lines, false), Channel::Command, inner_start);
    (start, end)
}

/// A one-line quoted YAML scalar's value (Python's `yaml.safe_load` of it), None where
/// PyYAML raises.
fn load_quoted(raw: &[char], style: Option<char>) -> Option<String> {
    // PyYAML's reader refuses characters that are not printable
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    if !raw.iter().all(|&c| printable(c)) || raw.len() < 2 {
        return None;
    }
    // a line break inside folds (PyYAML's own rules): not decoded here
    if raw
        .iter()
        .any(|&c| matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
    {
        return None;
    }
    let inner = &raw[1..raw.len() - 1];
    let mut out = String::new();
    if style == Some('\'') {
        let mut k = 0;
        while k < inner.len() {
            out.push(inner[k]);
            k += if inner[k] == '\'' { 2 } else { 1 };
        }
        return Some(out);
    }
    let mut k = 0;
    while k < inner.len() {
        let c = inner[k];
        if c != '\\' {
            out.push(c);
            k += 1;
            continue;
        }
        let e = *inner.get(k + 1)?;
        k += 2;
        let simple = match e {
            '0' => Some('\0'),
            'a' => Some('\u{07}'),
            'b' => Some('\u{08}'),
            't' | '\t' => Some('\t'),
            'n' => Some('\n'),
            'v' => Some('\u{0B}'),
            'f' => Some('\u{0C}'),
            'r' => Some('\r'),
            'e' => Some('\u{1B}'),
            ' ' => Some(' '),
            '"' => Some('"'),
            '/' => Some('/'),
            '\\' => Some('\\'),
            'N' => Some('\u{85}'),
            '_' => Some('\u{A0}'),
            'L' => Some('\u{2028}'),
            'P' => Some('\u{2029}'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        let len = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => return None,
        };
        let digits = inner.get(k..k + len)?;
        if !digits.iter().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let code = u32::from_str_radix(&string(digits), 16).ok()?;
        out.push(char::from_u32(code)?);
        k += len;
    }
    Some(out)
}

/// Lines joined, with ` \` where YAML folds a line break into a space.
fn fold_lines(lines: &[&[char]], folded_block: bool) -> String {
    let more_indented = |s: &[char]| folded_block && matches!(s.first(), Some(' ' | '\t'));
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for (k, &line) in lines.iter().enumerate() {
        let fold = match lines.get(k + 1) {
            Some(&nxt) => {
                !blank(line)
                    && !blank(nxt)
                    && !more_indented(line)
                    && !more_indented(nxt)
                    && rstrip(line).last() != Some(&'\\')
            }
            None => false,
        };
        if fold {
            out.push(string(rstrip_ch(line, '\r')) + " \\");
        } else {
            out.push(string(line));
        }
    }
    out.join("\n")
}

/// A block scalar's lines, dedented. With `bounded` (a parser gave `end`) the block is
/// the lines before `end`; otherwise it ends at the first non-blank line indented no
/// deeper than the key.
fn render_block(
    t: &mut Text<'_>,
    key_col: usize,
    start: usize,
    end: usize,
    folded: bool,
    bounded: bool,
) -> (usize, usize) {
    let text = t.t;
    // the header `([|>])([1-9]?)([+-]?)([1-9]?)`: an explicit indentation
    let mut digits: Option<usize> = None;
    if matches!(text.get(start), Some('|' | '>')) {
        let mut k = start + 1;
        let d1 = text
            .get(k)
            .and_then(|c| c.to_digit(10))
            .filter(|&d| d > 0 && text[k].is_ascii_digit());
        if d1.is_some() {
            k += 1;
        }
        if matches!(text.get(k), Some('+' | '-')) {
            k += 1;
        }
        let d2 = text
            .get(k)
            .and_then(|c| c.to_digit(10))
            .filter(|&d| d > 0 && text[k].is_ascii_digit());
        digits = d1.or(d2).map(|d| d as usize);
    }
    let Some(eol) = find(text, '\n', start) else {
        return (start, text.len());
    };
    let mut pos = eol + 1;
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut indent = digits.map(|d| key_col + d);
    let n = if bounded { end } else { text.len() };
    while pos < n {
        // Python's find is not bounded by `n`: a line may run past a parser's end
        let line_end = find(text, '\n', pos).unwrap_or(n);
        let body = rstrip_ch(&text[pos..line_end], '\r');
        if body.iter().any(|&c| c != ' ') {
            let lead = body.iter().take_while(|&&c| c == ' ').count();
            match indent {
                None => {
                    if lead <= key_col && !bounded {
                        break;
                    }
                    indent = Some(lead);
                }
                Some(i) if lead < i => break,
                _ => {}
            }
        }
        lines.push((pos, line_end));
        pos = line_end + 1;
    }
    while lines.last().is_some_and(|&(a, b)| blank(&text[a..b])) {
        lines.pop();
    }
    let lead_blank = lines
        .iter()
        .take_while(|&&(a, b)| blank(&text[a..b]))
        .count();
    lines.drain(..lead_blank);
    let Some(indent) = indent else {
        return (start, eol);
    };
    if lines.is_empty() {
        return (start, eol);
    }
    let content: Vec<&[char]> = lines
        .iter()
        .map(|&(a, b)| {
            if b - a > indent {
                &text[a + indent..b]
            } else {
                &[][..]
            }
        })
        .collect();
    let body = if folded {
        fold_lines(&content, true)
    } else {
        content
            .iter()
            .map(|c| string(c))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let first_off = lines[0].0 + indent;
    let (line_no, _) = t.pos(lines[0].0);
    if !body.chars().all(py_space) {
        t.push(
            body,
            Channel::Command,
            line_no,
            (indent + 1) as u64,
            indent as u64,
        );
    }
    let last_end = lines[lines.len() - 1].1;
    (start, first_off.max(last_end))
}

#[cfg(test)]
mod tests {
    use super::{load_quoted, scan_run_spans};

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn quoted_scalars_decode_as_yaml() {
        assert_eq!(
            load_quoted(&chars(r#""a\tb\x41""#), Some('"')).as_deref(),
            Some("a\tbA")
        );
        assert_eq!(
            load_quoted(&chars("'it''s'"), Some('\'')).as_deref(),
            Some("it's")
        );
        assert_eq!(load_quoted(&chars(r#""\q""#), Some('"')), None);
    }

    #[test]
    fn run_keys_found_line_by_line() {
        let spans = scan_run_spans(&chars(
            "steps:\n  - run: echo hi # note\n    run:\n  - run: |\n      x\n",
        ));
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].key_col, spans[0].style), (4, None));
        assert_eq!(spans[1].style, Some('|'));
    }
}
