//! Statements: cheap top-level splitting of a script, and the plain-line test.
//!
//! A long script is mostly one-line statements. A caller that looks for a few
//! keywords parses only the statements that hold them (`statements_at`), which
//! gives the same commands as parsing the whole script, as long as each statement
//! parses on its own as it does in place. This lexer only has to know where a
//! statement goes on past its line: inside a quote, after a backslash, through a
//! here-document body, through a `case` block. Where it cannot tell (backticks,
//! quotes nested in a substitution, unterminated quotes) it says so (None) and the
//! caller parses the whole script.

use memchr::{memchr, memchr_iter, memrchr};

use super::lex::{
    char_len, decode, decode_before, is_assignment, is_keyword, is_space, is_special, is_word_char,
    RUN,
};

type Span = (usize, usize);

/// The offset of every line's start (0, and one after each newline).
pub fn line_starts(text: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr_iter(b'\n', text).map(|k| k + 1))
        .collect()
}

/// Sorted spans with adjacent ones merged: the runs `parse_statements` parses.
pub fn runs(spans: &[Span]) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for &(s, e) in spans {
        match out.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => out.push((s, e)),
        }
    }
    out
}

// -- plain commands -------------------------------------------------------------

#[inline]
fn plain_word_start(b: u8) -> bool {
    !RUN[b as usize] && b != b'#'
}

/// Whether `text` is only plain commands: words of ordinary characters separated by
/// blanks, newlines, comments and the operators `|`, `|&`, `||`, `&&`, `&`, `;`
/// (not `;;`/`;&`, which end case items): no quote, escape, expansion,
/// redirection, parenthesis or here-document.
fn plain_run(text: &[u8]) -> bool {
    let n = text.len();
    let mut i = 0;
    while i < n {
        let b = text[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'|' => {
                i += if i + 1 < n && (text[i + 1] == b'|' || text[i + 1] == b'&') {
                    2
                } else {
                    1
                }
            }
            b'&' => {
                i += if i + 1 < n && text[i + 1] == b'&' {
                    2
                } else {
                    1
                }
            }
            b';' => {
                if i + 1 < n && (text[i + 1] == b';' || text[i + 1] == b'&') {
                    return false;
                }
                i += 1;
            }
            b'#' => i = memchr(b'\n', &text[i..]).map_or(n, |k| i + k),
            _ if plain_word_start(b) => {
                while i < n && !RUN[text[i] as usize] {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
    true
}

/// Whether a command starting with `word` needs no syntax: no keyword, wrapper,
/// path or assignment.
fn plain_first(word: &[u8]) -> bool {
    !(is_keyword(word)
        || is_special(word)
        || word.contains(&b'/')
        || (word.contains(&b'=') && is_assignment(word)))
}

/// The lines of `text` (spans, each with its newline) when all of it is plain
/// commands: each line then parses on its own as the whole text does, offsets
/// aside. None otherwise.
pub fn plain_lines(text: &[u8]) -> Option<Vec<Span>> {
    if !plain_run(text) {
        return None;
    }
    let n = text.len();
    // the first word of every command: after the start, a newline or an operator
    let starts = std::iter::once(0).chain(
        text.iter()
            .enumerate()
            .filter(|(_, &b)| matches!(b, b'\n' | b'|' | b'&' | b';'))
            .map(|(p, _)| p + 1),
    );
    for mut i in starts {
        while i < n && matches!(text[i], b' ' | b'\t' | b'\r') {
            i += 1;
        }
        if i < n && plain_word_start(text[i]) {
            let mut j = i;
            while j < n && !RUN[text[j] as usize] {
                j += 1;
            }
            if !plain_first(&text[i..j]) {
                return None;
            }
        }
    }
    let starts = line_starts(text);
    let ends = starts.iter().skip(1).copied().chain(std::iter::once(n));
    Some(
        starts
            .iter()
            .copied()
            .zip(ends)
            .filter(|&(s, _)| s < n)
            .collect(),
    )
}

// -- statements ---------------------------------------------------------------------

/// A `#` that starts a comment: after white space, `;&|(`, or at a line's start.
fn comment_at(text: &[u8], pos: usize) -> bool {
    match decode_before(text, pos) {
        None => true,
        Some(cp) => cp == '\n' as u32 || is_space(cp) || matches!(cp, 0x3B | 0x26 | 0x7C | 0x28),
    }
}

/// Plain text for the statement lexer: no quote, escape, newline, `<`, `#` or backtick.
#[inline]
fn lex_plain(b: u8) -> bool {
    !matches!(b, b'\'' | b'"' | b'\\' | b'<' | b'\n' | b'#' | b'`')
}

/// A here-document operator at `q` (`<<`, `<<-`, then a quoted or plain word):
/// the end of the word's quotes and the word's span; None if there is none.
fn heredoc_op(text: &[u8], q: usize) -> Option<(usize, Span)> {
    let n = text.len();
    if !text[q..].starts_with(b"<<") || (q + 2 < n && text[q + 2] == b'<') {
        return None;
    }
    let mut j = q + 2;
    if j < n && text[j] == b'-' {
        j += 1;
    }
    while j < n && (text[j] == b' ' || text[j] == b'\t') {
        j += 1;
    }
    if j >= n {
        return None;
    }
    let quote = text[j];
    if quote == b'\'' || quote == b'"' {
        let k = text[j + 1..]
            .iter()
            .position(|&b| b == quote || b == b'\n')
            .map(|k| j + 1 + k)?;
        if text[k] != quote || k == j + 1 {
            return None;
        }
        return Some((k + 1, (j + 1, k)));
    }
    if quote == b'\\' {
        j += 1;
    }
    if j < n && (text[j].is_ascii_alphabetic() || text[j] == b'_') {
        let mut k = j + 1;
        while k < n && (text[k].is_ascii_alphanumeric() || matches!(text[k], b'_' | b'-')) {
            k += 1;
        }
        return Some((k, (j, k)));
    }
    None
}

/// A token that leaves statement boundaries as they are: plain text, a one-line
/// quoted string without a substitution, an escape other than a line continuation,
/// a comment, a `#` or `<` that is no syntax here. Its end, or None.
fn quiet(text: &[u8], pos: usize) -> Option<usize> {
    let n = text.len();
    let b = text[pos];
    if lex_plain(b) {
        let mut j = pos + 1;
        while j < n && lex_plain(text[j]) {
            j += 1;
        }
        return Some(j);
    }
    match b {
        b'\'' => {
            let k = text[pos + 1..]
                .iter()
                .position(|&c| c == b'\'' || c == b'\n')
                .map(|k| pos + 1 + k);
            if let Some(k) = k.filter(|&k| text[k] == b'\'') {
                return Some(k + 1);
            }
        }
        b'"' => {
            let mut j = pos + 1;
            while j < n {
                match text[j] {
                    b'"' => return Some(j + 1),
                    b'\n' | b'`' => break,
                    b'\\' => {
                        let next = if j + 1 < n { text[j + 1] } else { b'\n' };
                        let dollar_ok = next == b'$' && !(j + 2 < n && text[j + 2] == b'(');
                        if !matches!(next, b'\n' | b'$' | b'`') || dollar_ok {
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    b'$' => {
                        if j + 1 < n && text[j + 1] == b'(' {
                            break;
                        }
                        j += 1;
                    }
                    _ => j += 1,
                }
            }
        }
        _ => {}
    }
    if b == b'\\' && pos + 1 < n && text[pos + 1] != b'\n' {
        return Some(pos + 1 + char_len(text[pos + 1]).min(n - pos - 1));
    }
    if b == b'#' {
        if comment_at(text, pos) {
            return Some(memchr(b'\n', &text[pos..]).map_or(n, |k| pos + k));
        }
        return Some(pos + 1);
    }
    if b == b'<' && heredoc_op(text, pos).is_none() {
        return Some(pos + 1);
    }
    None
}

enum Tok {
    Dq,
    Heredoc(Span, bool),
    Newline,
    Other,
}

/// One token of the full statement lexer at `pos`: what it is and its end. None
/// where it cannot go on (an unterminated quote or backtick, a final backslash).
fn lex(text: &[u8], pos: usize) -> Option<(Tok, usize)> {
    let n = text.len();
    let b = text[pos];
    match b {
        b'\'' => {
            let k = memchr(b'\'', &text[pos + 1..])?;
            return Some((Tok::Other, pos + 1 + k + 1));
        }
        b'"' => {
            let mut j = pos + 1;
            while j < n {
                match text[j] {
                    b'"' => return Some((Tok::Dq, j + 1)),
                    b'\\' if j + 1 < n => j += 1 + char_len(text[j + 1]).min(n - j - 1),
                    b'\\' => return None,
                    _ => j += 1,
                }
            }
            return None;
        }
        b'\\' => {
            if pos + 1 < n {
                return Some((
                    Tok::Other,
                    pos + 1 + char_len(text[pos + 1]).min(n - pos - 1),
                ));
            }
            return None;
        }
        b'<' => {
            if let Some((end, word)) = heredoc_op(text, pos) {
                return Some((Tok::Heredoc(word, text[pos..].starts_with(b"<<-")), end));
            }
            return Some((Tok::Other, pos + 1));
        }
        b'\n' => return Some((Tok::Newline, pos + 1)),
        b'`' => return None,
        b'#' => {
            if comment_at(text, pos) {
                return Some((
                    Tok::Other,
                    memchr(b'\n', &text[pos..]).map_or(n, |k| pos + k),
                ));
            }
            return Some((Tok::Other, pos + 1));
        }
        _ => {}
    }
    let mut j = pos + 1;
    while j < n && lex_plain(text[j]) {
        j += 1;
    }
    Some((Tok::Other, j))
}

fn find_nl(text: &[u8], s: usize, e: usize) -> Option<usize> {
    memchr(b'\n', &text[s..e]).map(|k| s + k)
}

/// End the statement [start, end): kept when it spans more than one line.
fn close(text: &[u8], start: usize, end: usize, joined: &mut Vec<Span>) {
    if end > start + 1 && find_nl(text, start, end - 1).is_some() {
        joined.push((start, end));
    }
}

/// The statements that are not one line of their own (sorted): those spanning
/// several lines, and `case` blocks. None when the lexer cannot follow the script.
fn joined_statements(text: &[u8]) -> Option<Vec<Span>> {
    let n = text.len();
    let mut joined = Vec::new();
    let mut start = 0;
    let mut pending: Vec<(Span, bool)> = Vec::new();
    let mut pos = 0;
    while pos < n {
        let run = pos;
        while pos < n {
            if text[pos] == b'\n' && pending.is_empty() {
                pos += 1;
                continue;
            }
            match quiet(text, pos) {
                Some(e) => pos = e,
                None => break,
            }
        }
        if let Some(first) = find_nl(text, run, pos) {
            // newlines ended the current statement and one-line ones after it
            close(text, start, first + 1, &mut joined);
            start = memrchr(b'\n', &text[run..pos]).map_or(0, |k| run + k + 1);
        }
        if pos >= n {
            break;
        }
        let (tok, end) = lex(text, pos)?;
        if let Tok::Dq = tok {
            let g = &text[pos..end];
            if memchr::memmem::find(g, b"$(").is_some() || memchr(b'`', g).is_some() {
                return None; // quotes nested in a substitution: the lexer cannot follow
            }
        }
        pos = end;
        match tok {
            Tok::Heredoc(word, strip) => pending.push((word, strip)),
            Tok::Newline => {
                for &((ws, we), strip) in &pending {
                    // skip each body, up to its delimiter line
                    let word = &text[ws..we];
                    while pos < n {
                        let eol = memchr(b'\n', &text[pos..]).map(|k| pos + k);
                        let mut line = &text[pos..eol.unwrap_or(n)];
                        pos = eol.map_or(n, |e| e + 1);
                        if strip {
                            while let [b'\t', rest @ ..] = line {
                                line = rest;
                            }
                        }
                        if line == word {
                            break;
                        }
                    }
                }
                pending.clear();
                close(text, start, pos, &mut joined);
                start = pos;
            }
            _ => {}
        }
    }
    if start < n {
        close(text, start, n, &mut joined);
    }
    if memchr::memmem::find(text, b"case").is_some()
        || memchr::memmem::find(text, b"esac").is_some()
    {
        joined = join_case_blocks(text, joined);
    }
    Some(joined)
}

/// Spans of the top-level statements of a script: runs of lines joined where a
/// quote, a backslash continuation or a heredoc body carries on past a newline.
/// Each span parses on its own as the whole script would. None when the script
/// holds what this cheap lexer cannot split with certainty: parse it whole then.
pub fn statements(text: &[u8]) -> Option<Vec<Span>> {
    let joined = joined_statements(text)?;
    let n = text.len();
    let mut spans: Vec<Span> = Vec::new();
    let mut pos = 0;
    for (s, e) in joined.into_iter().chain(std::iter::once((n, n))) {
        while pos < s {
            // the one-line statements before this one
            let end = find_nl(text, pos, s).map_or(s, |k| k + 1);
            spans.push((pos, end));
            pos = end;
        }
        if s < e {
            spans.push((s, e));
            pos = e;
        }
    }
    Some(spans)
}

/// The spans of `statements(text)` that hold one of `offsets` (in order), without
/// listing the others. None where `statements` gives None.
pub fn statements_at(text: &[u8], offsets: &[usize]) -> Option<Vec<Span>> {
    let joined = joined_statements(text)?;
    let mut sorted = offsets.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<Span> = Vec::new();
    for p in sorted {
        if out.last().is_some_and(|l| p < l.1) {
            continue; // in the statement found last
        }
        out.push(statement_of(text, &joined, p));
    }
    Some(out)
}

/// The statement holding offset `p`: one of `joined`, else the line around it.
fn statement_of(text: &[u8], joined: &[Span], p: usize) -> Span {
    let i = joined.partition_point(|&(s, _)| s <= p);
    if i > 0 && p < joined[i - 1].1 {
        return joined[i - 1];
    }
    let n = text.len();
    let p = p.min(n);
    let eol = memchr(b'\n', &text[p..]).map_or(n, |k| p + k + 1);
    let sol = memrchr(b'\n', &text[..p]).map_or(0, |k| k + 1);
    (sol, eol)
}

/// The `case`/`esac` words of `text` (where they are a word of their own): their
/// offsets, and whether each opens a block.
fn case_words(text: &[u8]) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let finder = memchr::memmem::Finder::new(b"case");
    let closer = memchr::memmem::Finder::new(b"esac");
    let mut found: Vec<(usize, bool)> = finder
        .find_iter(text)
        .map(|p| (p, true))
        .chain(closer.find_iter(text).map(|p| (p, false)))
        .collect();
    found.sort_unstable();
    for (p, open) in found {
        let before = decode_before(text, p);
        if before.is_some_and(|c| is_word_char(c) || c == '$' as u32 || c == '-' as u32) {
            continue;
        }
        if p + 4 < text.len() {
            let (c, _) = decode(text, p + 4);
            if is_word_char(c) || c == '-' as u32 {
                continue;
            }
        }
        out.push((p, open));
    }
    out
}

/// A `case ... esac` block is one statement: its patterns (`a|b)`) are not
/// commands, which only the block as a whole tells. The words count wherever they
/// are (in quotes and comments too), as this cheap lexer cannot tell.
fn join_case_blocks(text: &[u8], joined: Vec<Span>) -> Vec<Span> {
    let words = case_words(text);
    if words.is_empty() {
        return joined;
    }
    let n = text.len();
    // the statements holding a word, with every joined one: a statement between
    // them holds no word and joins the block it is in, if any
    let mut marked: Vec<Span> = joined.clone();
    marked.extend(words.iter().map(|&(p, _)| statement_of(text, &joined, p)));
    marked.sort_unstable();
    marked.dedup();
    let mut out: Vec<Span> = Vec::new();
    let mut depth = 0usize;
    let mut k = 0;
    for (s, e) in marked {
        match out.last_mut() {
            Some(last) if depth > 0 => last.1 = e, // inside an open block, with the lines before it
            _ => out.push((s, e)),
        }
        while k < words.len() && words[k].0 < e {
            depth = if words[k].1 {
                depth + 1
            } else {
                depth.saturating_sub(1)
            };
            k += 1;
        }
    }
    if depth > 0 {
        if let Some(last) = out.last_mut() {
            last.1 = n; // a block left open runs to the end
        }
    }
    out
}
