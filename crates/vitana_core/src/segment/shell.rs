//! Shell scripts: the whole text is a command; its comments are prose too.
//!
//! The comment finder is a cheap lexer (Python's `_shell_comments`): a `#` starting a
//! word, outside quotes and here-document bodies.

use super::{lstrip_ch, py_word, rstrip_ch, Text};
use crate::model::Channel;

pub(super) fn segments(t: &mut Text<'_>) {
    t.emit(t.slice(0, t.t.len()), Channel::Command, 0);
    for (s, e) in comments(t.t) {
        t.emit(t.slice(s, e), Channel::Prose, s);
    }
}

/// `<-?[ \t]*(['"]?)[A-Za-z_][\w.-]*\1` at `p` (the characters after a `<`): the end of
/// a here-document opener, its delimiter span and whether it is `<<-`.
pub(crate) fn heredoc_opener(s: &[char], p: usize) -> Option<(usize, (usize, usize), bool)> {
    let mut k = p;
    let dash = s.get(k) == Some(&'-');
    if dash {
        k += 1;
    }
    while matches!(s.get(k), Some(' ' | '\t')) {
        k += 1;
    }
    let quote = match s.get(k) {
        Some(&q @ ('\'' | '"')) => {
            k += 1;
            Some(q)
        }
        _ => None,
    };
    match s.get(k) {
        Some(&c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return None,
    }
    let name_start = k;
    k += 1;
    while let Some(&c) = s.get(k) {
        if py_word(c) || c == '.' || c == '-' {
            k += 1;
        } else {
            break;
        }
    }
    let name = (name_start, k);
    if let Some(q) = quote {
        if s.get(k) != Some(&q) {
            return None;
        }
        k += 1;
    }
    Some((k, name, dash))
}

/// One run of text where nothing happens (`_SH_RUN`, `_SH_LINE_RUN` with `line`).
fn run(s: &[char], mut p: usize, line: bool) -> usize {
    let n = s.len();
    loop {
        if p >= n {
            return p;
        }
        match s[p] {
            '\'' => match s[p + 1..].iter().position(|&c| c == '\'') {
                Some(k) => p = p + 1 + k + 1,
                None => return p,
            },
            '"' => {
                let mut k = p + 1;
                let mut closed = None;
                while k < n {
                    match s[k] {
                        '"' => {
                            closed = Some(k + 1);
                            break;
                        }
                        '\\' => {
                            if k + 1 < n {
                                k += 2;
                            } else {
                                break;
                            }
                        }
                        _ => k += 1,
                    }
                }
                match closed {
                    Some(e) => p = e,
                    None => return p,
                }
            }
            '\\' => {
                if p + 1 < n {
                    p += 2;
                } else {
                    return p;
                }
            }
            '#' => return p,
            '<' => {
                if s.get(p + 1) == Some(&'<') && s.get(p + 2) == Some(&'<') {
                    p += 3;
                } else if s.get(p + 1) == Some(&'<') && heredoc_opener(s, p + 2).is_some() {
                    return p;
                } else {
                    p += 1;
                }
            }
            '\n' if line => return p,
            _ => p += 1,
        }
    }
}

/// Spans (start, end) of the comments of a shell script.
pub(crate) fn comments(s: &[char]) -> Vec<(usize, usize)> {
    let n = s.len();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut pending: Vec<((usize, usize), bool)> = Vec::new();
    loop {
        pos = run(s, pos, !pending.is_empty());
        if pos >= n {
            return out;
        }
        let c = s[pos];
        if c == '#' {
            let prev = if pos > 0 { s[pos - 1] } else { '\n' };
            let shebang = pos == 0 && s.get(1) == Some(&'!');
            if matches!(prev, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')') && !shebang {
                let eol = super::find(s, '\n', pos).unwrap_or(n);
                let end = if s[eol - 1] == '\r' { eol - 1 } else { eol };
                out.push((pos, end));
                pos = eol;
            } else {
                pos += 1;
            }
        } else if c == '\n' {
            pos = skip_heredoc_bodies(s, pos + 1, &pending);
            pending.clear();
        } else if c == '<' && s.get(pos + 1) == Some(&'<') {
            match heredoc_opener(s, pos + 2) {
                Some((end, name, dash)) => {
                    pending.push((name, dash));
                    pos = end;
                }
                None => pos += 1,
            }
        } else {
            pos += 1;
        }
    }
}

/// The offset after the bodies of `heredocs` (delimiter span, `<<-`) starting at `pos`.
fn skip_heredoc_bodies(s: &[char], mut pos: usize, heredocs: &[((usize, usize), bool)]) -> usize {
    let n = s.len();
    for &((ds, de), strip_tabs) in heredocs {
        let delim = &s[ds..de];
        while pos < n {
            let eol = super::find(s, '\n', pos);
            let line_end = eol.unwrap_or(n);
            let line = rstrip_ch(&s[pos..line_end], '\r');
            pos = eol.map_or(n, |e| e + 1);
            let line = if strip_tabs {
                lstrip_ch(line, '\t')
            } else {
                line
            };
            if line == delim {
                break;
            }
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::comments;

    fn spans(s: &str) -> Vec<String> {
        let c: Vec<char> = s.chars().collect();
        comments(&c)
            .into_iter()
            .map(|(a, b)| c[a..b].iter().collect())
            .collect()
    }

    #[test]
    fn comments_outside_quotes_and_heredocs() {
        assert_eq!(spans("#!/bin/sh\necho a # one\n"), vec!["# one"]);
        assert_eq!(spans("echo 'a # b' x#y\n# two\r\n"), vec!["# two"]);
        assert_eq!(spans("cat <<EOF\n# body\nEOF\n# after"), vec!["# after"]);
        assert_eq!(spans("cat <<-'E' # c\n\t# body\n\tE\n"), vec!["# c"]);
    }
}
