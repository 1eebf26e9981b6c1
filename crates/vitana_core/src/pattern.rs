//! The rule pack's regexes, on two engines. Most run on the `regex` crate: linear time
//! in the text, so no rule text can stall a scan. A pattern that needs look-around or
//! back-references (the `regex` crate refuses them) runs on `fancy-regex`, a
//! backtracking engine, with a backtrack limit: a pattern that runs past it on some
//! text gives [`TimedOut`], which the scan reports as the rule not applied (an
//! error-level notice: the live guard denies), as the Python engine's timeout did.
//!
//! A rule's regex is compiled as the Python side reads it: multi-line (`^`/`$` at line
//! ends), case-insensitive unless the rule says otherwise; a policy parameter's regex
//! (the approval pattern) with its own inline flags only.
//!
//! A pattern is only parsed when the pack loads (its syntax checked, so a bad rule is
//! an error then) and compiled on its first use: a hook call or a one-file scan runs a
//! handful of a pack's regexes, and compiling them all cost more than the scan. The
//! Python side compiles each pattern (`check`) when it loads a rule file, so a pattern
//! that parses but does not compile is still a rule error naming its file and line.
//!
//! Offsets are byte offsets of the text, except `search` and `find_all` (for the
//! Python bindings), which count Unicode code points as Python's `str` does.
//!
//! A linear pattern runs as written, with Unicode rules, where the text needs them;
//! elsewhere a spelling that gives the same matches runs faster (each compiled on first
//! use too):
//! - on most texts, the pattern without Unicode (byte classes, ASCII case folding) on
//!   the text written one byte per character ([`OneByte`]): every character outside
//!   ASCII stands as an ASCII byte of its class, a word character as `_`, a space as
//!   `\v`, anything else as a control byte. No Unicode table is built, the DFA stays
//!   small, and a Unicode `\b` never sends the search to the PikeVM. On the real
//!   repository the Unicode spellings of VG501's two prose patterns took about 40 ms
//!   each to compile, and the PikeVM 48 ms on one 735 KB snapshot holding `ä`;
//! - where that cannot stand (a text with the Kelvin sign or a long s, which Unicode
//!   case folding ties to ASCII letters; a non-ASCII digit for a pattern with `\d`; a
//!   pattern naming Unicode classes, `_`, or a letter outside ASCII), on a text with no
//!   non-ASCII word character, the pattern with ASCII word boundaries. A Unicode `\b` makes the regex crate's lazy DFA give up at the first
//!   non-ASCII byte and hand the search to the PikeVM, 10 to 50 times slower (measured
//!   on the real repository's docs, three in four of which hold a `—` or an emoji);
//!   with no non-ASCII word character both spellings see the same boundaries.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// Compiled programs stay below this size: a pathological rule is refused (or, found
/// too big on first use, reported as not applied) rather than eating memory.
const SIZE_LIMIT: usize = 64 << 20;

/// How many backtracking steps the bounded engine takes on one search before it gives
/// up (fancy-regex's default): a few milliseconds of work.
pub const BACKTRACK_LIMIT: usize = 1_000_000;

/// The step budgets of longer texts, by length (bytes up to, steps). A search with no
/// match takes steps in proportion to the text even when nothing backtracks: a 380 KB
/// stylesheet of the real repository took about 2 million (30 ms), so one budget for
/// every length reported ordinary files as not checked. The budget grows with the text
/// (about 16 steps a byte), so only a pattern that truly backtracks runs out.
const LONGER_BUDGETS: [(usize, usize); 3] = [
    (1 << 20, 16 << 20),
    (16 << 20, 256 << 20),
    (usize::MAX, 4 << 30),
];
const BASE_BUDGET_BYTES: usize = 64 << 10;

/// A regex on the bounded engine ran past its backtrack limit: the rule was not
/// applied to this text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut;

/// Which engine runs a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Linear,
    Bounded,
}

impl Engine {
    /// The engine's name as `rules show` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Linear => "linear",
            Engine::Bounded => "backtracking (bounded)",
        }
    }
}

#[derive(Debug, Clone)]
enum Compiled {
    Linear(Regex),
    Bounded(fancy_regex::Regex),
    /// it did not compile on first use (a program past the size limit, say): never
    /// matches, always reports the rule not applied (fail closed)
    Failed,
}

/// A rule regex.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// the pattern in the engines' spelling (see `python_spelling`)
    source: String,
    ignore_case: bool,
    multi_line: bool,
    /// the engine that runs it and, for the bounded one, why the linear one does not;
    /// Err: neither can (see `read_syntax`). Read at `new`, or on first use for a
    /// pattern of a checked pack (`unchecked`)
    syntax: OnceLock<Result<(Engine, Option<String>), String>>,
    compiled: OnceLock<Compiled>,
    /// linear patterns: the spelling for text written one byte per character (None:
    /// the pattern cannot be written so, or did not compile so)
    one_byte: OnceLock<Option<OneByte>>,
    /// linear patterns: the spelling with ASCII word boundaries (None: it has none)
    ascii_boundaries: OnceLock<Option<Regex>>,
    /// bounded patterns: compiled with the budgets of longer texts (`LONGER_BUDGETS`)
    longer: [OnceLock<Option<fancy_regex::Regex>>; 3],
}

/// The linear spelling that runs on a text.
enum Linear<'r> {
    Text(&'r Regex),
    /// on the text's own bytes
    Bytes(&'r regex::bytes::Regex),
    /// on the text written one byte per character (offsets count characters)
    Written(&'r regex::bytes::Regex, Vec<u8>),
}

/// A linear pattern without Unicode, run on the text written one byte per character:
/// ASCII stays, and a character outside ASCII becomes a byte the pattern treats as
/// Unicode treats the character. The pattern names no Unicode class and no `_` (see
/// `spell`), so all it can tell of such a character is its class: `\w`, `\b` and
/// `\s` see `_` as a word character and `\v` as a space, as Unicode sees letters and
/// spaces; `.` and negated classes match any of them. The pattern's own characters
/// outside ASCII (a `“`: no letter, no space, no case) are each written as a control
/// byte of their own, in the pattern and in the text; ASCII control bytes of the text
/// that would read as one of them are written as `\x01`, the byte of other symbols.
#[derive(Debug, Clone)]
struct OneByte {
    regex: regex::bytes::Regex,
    /// the pattern's characters outside ASCII and the bytes that stand for them
    literals: Vec<(char, u8)>,
    /// the pattern has `\d` or `\D`: a text with a digit outside ASCII, which Unicode
    /// `\d` matches, keeps Unicode
    digits: bool,
}

/// A pattern spelled for one-byte text, before it is compiled (fields as `OneByte`'s).
struct Spelled {
    regex: String,
    literals: Vec<(char, u8)>,
    digits: bool,
}

/// Bytes that stand for a pattern's own characters outside ASCII.
const LITERAL_BYTES: [u8; 25] = [
    2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
];
const WORD_BYTE: u8 = b'_';
const SPACE_BYTE: u8 = 0x0b;
const OTHER_BYTE: u8 = 0x01;

impl OneByte {
    /// The pattern compiled to read one-byte text; None when it cannot be written so
    /// (see `spell`) or does not compile so.
    fn new(source: &str, ignore_case: bool, multi_line: bool) -> Option<OneByte> {
        let spelled = OneByte::spell(source)?;
        let regex = regex::bytes::RegexBuilder::new(&spelled.regex)
            .unicode(false)
            .multi_line(multi_line)
            .case_insensitive(ignore_case)
            .size_limit(SIZE_LIMIT)
            .build()
            .ok()?;
        Some(OneByte {
            regex,
            literals: spelled.literals,
            digits: spelled.digits,
        })
    }

    /// The pattern as the one-byte text reads it (uncompiled), its literals' bytes and
    /// whether it has `\d`; None when it cannot be written so: it names Unicode classes
    /// or code points (`\p`, `\x`, ...), POSIX classes, `_`, `\v` or a control byte,
    /// or a character outside ASCII that is a letter, a space or has a case, or one
    /// that bounds a range.
    fn spell(source: &str) -> Option<Spelled> {
        if source.contains('_')
            || source.contains("[[:")
            || source
                .bytes()
                .any(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r'))
        {
            return None;
        }
        let mut out = String::with_capacity(source.len());
        let mut literals: Vec<(char, u8)> = Vec::new();
        let mut digits = false;
        let mut chars = source.chars().peekable();
        let mut last = '\0';
        while let Some(c) = chars.next() {
            if c == '\\' {
                let escaped = chars.next()?;
                if matches!(escaped, 'x' | 'u' | 'U' | 'p' | 'P' | 'N' | 'v') || !escaped.is_ascii()
                {
                    return None;
                }
                digits |= matches!(escaped, 'd' | 'D');
                out.push(c);
                out.push(escaped);
                last = escaped;
                continue;
            }
            if c.is_ascii() {
                out.push(c);
                last = c;
                continue;
            }
            let caseless = c.to_lowercase().eq([c]) && c.to_uppercase().eq([c]);
            if regex_syntax::is_word_character(c)
                || c.is_whitespace()
                || !caseless
                || last == '-'
                || chars.peek() == Some(&'-')
            {
                return None;
            }
            let byte = match literals.iter().find(|&&(l, _)| l == c) {
                Some(&(_, b)) => b,
                None => {
                    let b = *LITERAL_BYTES.get(literals.len())?;
                    literals.push((c, b));
                    b
                }
            };
            out.push_str(&format!("\\x{byte:02x}"));
            last = c;
        }
        Some(Spelled {
            regex: out,
            literals,
            digits,
        })
    }

    /// `text` written one byte per character; borrowed when that is the text itself
    /// (ASCII holding no byte of a literal); None when Unicode must run: the Kelvin
    /// sign or a long s (case folding ties them to `k` and `s`), or a non-ASCII digit
    /// for a pattern with `\d`.
    fn text<'t>(&self, text: &'t str) -> Option<Cow<'t, [u8]>> {
        let is_literal_byte = |b: u8| self.literals.iter().any(|&(_, l)| l == b);
        if text.is_ascii() && (self.literals.is_empty() || !text.bytes().any(is_literal_byte)) {
            return Some(Cow::Borrowed(text.as_bytes()));
        }
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            out.push(if c.is_ascii() {
                let b = c as u8;
                if is_literal_byte(b) {
                    OTHER_BYTE
                } else {
                    b
                }
            } else if let Some(&(_, b)) = self.literals.iter().find(|&&(l, _)| l == c) {
                b
            } else if c == '\u{212A}' || c == '\u{17F}' {
                return None;
            } else if regex_syntax::is_word_character(c) {
                if self.digits && c.is_numeric() {
                    return None;
                }
                WORD_BYTE
            } else if c.is_whitespace() {
                SPACE_BYTE
            } else {
                OTHER_BYTE
            });
        }
        Some(Cow::Owned(out))
    }
}

impl Pattern {
    /// Checks the pattern's syntax (a parse, no compile) and picks its engine; the
    /// pattern is compiled on first use. `check` compiles it now: the Python side does
    /// when it loads a rule, so a rule neither engine compiles is an error naming its
    /// file and line; a pack handed to the core was so checked.
    pub fn new(pattern: &str, ignore_case: bool, multi_line: bool) -> Result<Pattern, String> {
        let p = Pattern::unchecked(pattern, ignore_case, multi_line);
        p.syntax().clone()?;
        Ok(p)
    }

    /// A pattern whose syntax is read on first use, not now: a rule regex of a pack the
    /// Python side built, which checked every one when it loaded the rule. A live-guard
    /// call reads a handful of a pack's regexes, and reading all of them at load was a
    /// sixth of a call that needs the scan. One that turns out not to parse never
    /// matches and reports the rule not applied (fail closed).
    pub fn unchecked(pattern: &str, ignore_case: bool, multi_line: bool) -> Pattern {
        Pattern {
            source: python_spelling(pattern).into_owned(),
            ignore_case,
            multi_line,
            syntax: OnceLock::new(),
            compiled: OnceLock::new(),
            one_byte: OnceLock::new(),
            ascii_boundaries: OnceLock::new(),
            longer: Default::default(),
        }
    }

    /// The engine and reason, read once (see `read_syntax`).
    fn syntax(&self) -> &Result<(Engine, Option<String>), String> {
        self.syntax.get_or_init(|| read_syntax(&self.source))
    }

    /// Compiles the pattern now; Err says why neither engine can run it.
    pub fn check(&self) -> Result<(), String> {
        match self.build() {
            Ok(c) => {
                let _ = self.compiled.set(c);
                Ok(())
            }
            Err(e) => Err(match self.reason() {
                Some(reason) => format!("{reason} (and the backtracking engine: {e})"),
                None => e,
            }),
        }
    }

    /// The bounded regex with the step budget of a text of `len` bytes (`base`: the
    /// budget of short texts).
    fn bounded_for<'r>(
        &'r self,
        base: &'r fancy_regex::Regex,
        len: usize,
    ) -> &'r fancy_regex::Regex {
        if len <= BASE_BUDGET_BYTES {
            return base;
        }
        let k = LONGER_BUDGETS
            .iter()
            .position(|&(upto, _)| len <= upto)
            .unwrap_or(2);
        self.longer[k]
            .get_or_init(|| {
                fancy_regex::RegexBuilder::new(&self.source)
                    .case_insensitive(self.ignore_case)
                    .multi_line(self.multi_line)
                    .backtrack_limit(LONGER_BUDGETS[k].1)
                    .delegate_size_limit(SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
            .unwrap_or(base)
    }

    fn build(&self) -> Result<Compiled, String> {
        let engine = match self.syntax() {
            Ok((engine, _)) => *engine,
            Err(e) => return Err(e.clone()),
        };
        match engine {
            Engine::Linear => RegexBuilder::new(&self.source)
                .multi_line(self.multi_line)
                .case_insensitive(self.ignore_case)
                .size_limit(SIZE_LIMIT)
                .build()
                .map(Compiled::Linear)
                .map_err(|e| last_line(&e.to_string())),
            Engine::Bounded => fancy_regex::RegexBuilder::new(&self.source)
                .case_insensitive(self.ignore_case)
                .multi_line(self.multi_line)
                .backtrack_limit(BACKTRACK_LIMIT)
                .delegate_size_limit(SIZE_LIMIT)
                .build()
                .map(Compiled::Bounded)
                .map_err(|e| e.to_string()),
        }
    }

    /// The engine that runs it (the linear one for a pattern neither can run: it never
    /// compiles, see `compiled`).
    pub fn engine(&self) -> Engine {
        self.syntax()
            .as_ref()
            .map_or(Engine::Linear, |(engine, _)| *engine)
    }

    /// Why the linear engine does not run it (None when it does).
    pub fn reason(&self) -> Option<&str> {
        self.syntax()
            .as_ref()
            .ok()
            .and_then(|(_, reason)| reason.as_deref())
    }

    /// The compiled pattern (compiled on first use; one that does not compile, which a
    /// checked pack never holds, runs as [`Compiled::Failed`]).
    fn compiled(&self) -> &Compiled {
        self.compiled
            .get_or_init(|| self.build().unwrap_or(Compiled::Failed))
    }

    /// The spelling of a linear pattern that gives its results on `text` fastest;
    /// None for a bounded one.
    fn linear_for(&self, text: &str) -> Option<Linear<'_>> {
        if self.engine() != Engine::Linear || self.syntax().is_err() {
            return None;
        }
        let one_byte = self
            .one_byte
            .get_or_init(|| OneByte::new(&self.source, self.ignore_case, self.multi_line));
        if let Some(one_byte) = one_byte {
            match one_byte.text(text) {
                Some(Cow::Borrowed(_)) => return Some(Linear::Bytes(&one_byte.regex)),
                Some(Cow::Owned(written)) => {
                    return Some(Linear::Written(&one_byte.regex, written))
                }
                None => {}
            }
        }
        if !has_non_ascii_word(text) {
            // the spellings differ only in their boundaries: should this one not
            // compile, the Unicode one gives the same results
            let ascii = self.ascii_boundaries.get_or_init(|| {
                ascii_word_boundaries(&self.source).and_then(|s| {
                    RegexBuilder::new(&s)
                        .multi_line(self.multi_line)
                        .case_insensitive(self.ignore_case)
                        .size_limit(SIZE_LIMIT)
                        .build()
                        .ok()
                })
            });
            if let Some(ascii) = ascii {
                return Some(Linear::Text(ascii));
            }
        }
        match self.compiled() {
            Compiled::Linear(r) => Some(Linear::Text(r)),
            _ => None,
        }
    }

    /// Whether the pattern occurs in `text`.
    pub fn is_match(&self, text: &str) -> Result<bool, TimedOut> {
        match self.linear_for(text) {
            Some(Linear::Text(r)) => return Ok(r.is_match(text)),
            Some(Linear::Bytes(r)) => return Ok(r.is_match(text.as_bytes())),
            Some(Linear::Written(r, written)) => return Ok(r.is_match(&written)),
            None => {}
        }
        match self.compiled() {
            Compiled::Linear(r) => Ok(r.is_match(text)),
            Compiled::Bounded(r) => self
                .bounded_for(r, text.len())
                .is_match(text)
                .map_err(|_| TimedOut),
            Compiled::Failed => Err(TimedOut),
        }
    }

    /// The first match at or after byte `at`: (start, end) in bytes.
    pub fn find_at(&self, text: &str, at: usize) -> Result<Option<(usize, usize)>, TimedOut> {
        match self.linear_for(text) {
            Some(Linear::Text(r)) => return Ok(r.find_at(text, at).map(|m| (m.start(), m.end()))),
            Some(Linear::Bytes(r)) => {
                return Ok(r.find_at(text.as_bytes(), at).map(|m| (m.start(), m.end())))
            }
            Some(Linear::Written(r, written)) => {
                let from = text[..at].chars().count();
                let mut bytes = ByteOffsets::new(text);
                return Ok(r
                    .find_at(&written, from)
                    .map(|m| (bytes.at(m.start()), bytes.at(m.end()))));
            }
            None => {}
        }
        match self.compiled() {
            Compiled::Linear(r) => Ok(r.find_at(text, at).map(|m| (m.start(), m.end()))),
            Compiled::Bounded(r) => self
                .bounded_for(r, text.len())
                .find_from_pos(text, at)
                .map(|m| m.map(|m| (m.start(), m.end())))
                .map_err(|_| TimedOut),
            Compiled::Failed => Err(TimedOut),
        }
    }

    /// The first match: (start, end) in bytes.
    pub fn find(&self, text: &str) -> Result<Option<(usize, usize)>, TimedOut> {
        self.find_at(text, 0)
    }

    /// Every non-overlapping match, in bytes, in order; a search that runs past the
    /// limit ends the matches with an `Err` (those before it stand).
    pub fn find_iter<'a>(
        &'a self,
        text: &'a str,
    ) -> Box<dyn Iterator<Item = Result<(usize, usize), TimedOut>> + 'a> {
        match self.linear_for(text) {
            Some(Linear::Text(r)) => {
                return Box::new(r.find_iter(text).map(|m| Ok((m.start(), m.end()))))
            }
            Some(Linear::Bytes(r)) => {
                return Box::new(
                    r.find_iter(text.as_bytes())
                        .map(|m| Ok((m.start(), m.end()))),
                )
            }
            Some(Linear::Written(r, written)) => {
                let mut bytes = ByteOffsets::new(text);
                let spans: Vec<_> = r
                    .find_iter(&written)
                    .map(|m| Ok((bytes.at(m.start()), bytes.at(m.end()))))
                    .collect();
                return Box::new(spans.into_iter());
            }
            None => {}
        }
        match self.compiled() {
            Compiled::Linear(r) => Box::new(r.find_iter(text).map(|m| Ok((m.start(), m.end())))),
            Compiled::Bounded(r) => {
                let mut failed = false;
                let r = self.bounded_for(r, text.len());
                Box::new(r.find_iter(text).map_while(move |m| {
                    if failed {
                        return None;
                    }
                    match m {
                        Ok(m) => Some(Ok((m.start(), m.end()))),
                        Err(_) => {
                            failed = true;
                            Some(Err(TimedOut))
                        }
                    }
                }))
            }
            Compiled::Failed => Box::new(std::iter::once(Err(TimedOut))),
        }
    }

    /// Every match, in bytes, and whether the search stopped at the limit.
    pub fn find_all_bytes(&self, text: &str) -> (Vec<(usize, usize)>, bool) {
        let mut out = Vec::new();
        for m in self.find_iter(text) {
            match m {
                Ok(span) => out.push(span),
                Err(TimedOut) => return (out, true),
            }
        }
        (out, false)
    }

    /// The first match's (start, end) in code points.
    pub fn search(&self, text: &str) -> Result<Option<(usize, usize)>, TimedOut> {
        let Some((s, e)) = self.find(text)? else {
            return Ok(None);
        };
        let mut counter = CodePoints::new(text);
        Ok(Some((counter.at(s), counter.at(e))))
    }

    /// Every non-overlapping match's (start, end) in code points, in order.
    pub fn find_all(&self, text: &str) -> Result<Vec<(usize, usize)>, TimedOut> {
        let mut counter = CodePoints::new(text);
        self.find_iter(text)
            .map(|m| m.map(|(s, e)| (counter.at(s), counter.at(e))))
            .collect()
    }
}

/// Which engine runs `source` (a syntax parse, no Unicode classes expanded: that is the
/// compile's work) and, for the bounded one, why the linear one does not; Err says why
/// neither can.
fn read_syntax(source: &str) -> Result<(Engine, Option<String>), String> {
    let linear_error = match regex_syntax::ast::parse::ParserBuilder::new()
        .build()
        .parse(source)
    {
        Ok(_) => return Ok((Engine::Linear, None)),
        Err(e) => e.to_string(),
    };
    if !needs_backtracking(&linear_error) {
        return Err(last_line(&linear_error));
    }
    fancy_regex::Expr::parse_tree(source).map_err(|e| {
        format!(
            "{} (and the backtracking engine: {e})",
            last_line(&linear_error)
        )
    })?;
    Ok((Engine::Bounded, Some(last_line(&linear_error))))
}

/// Whether the `regex` crate refused a pattern only for a feature the backtracking
/// engine has (look-around, back-references).
fn needs_backtracking(error: &str) -> bool {
    error.contains("look-around") || error.contains("backreference")
}

/// The last line of a `regex` error (its message; the lines above draw the pattern).
fn last_line(error: &str) -> String {
    let line = error.trim().lines().last().unwrap_or("").trim();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

/// The pattern with Python's spelling of end-of-text, `\Z`, in the regex crate's
/// (`\z`: both match only at the very end, unlike `$`). Escapes are read in pairs, so an
/// escaped backslash before a `Z` stays as written; inside a character class nothing
/// changes.
fn python_spelling(pattern: &str) -> std::borrow::Cow<'_, str> {
    match respell_escapes(pattern, |c| (c == 'Z').then_some("\\z")) {
        Some(out) => std::borrow::Cow::Owned(out),
        None => std::borrow::Cow::Borrowed(pattern),
    }
}

/// The pattern with each escape `\c` outside a character class that `respell` gives a
/// spelling for written so; None when there is none. Escapes are read in pairs, so an
/// escaped backslash before the letter stays as written.
fn respell_escapes(
    pattern: &str,
    respell: impl Fn(char) -> Option<&'static str>,
) -> Option<String> {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut in_class = false;
    let mut changed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => match respell(n).filter(|_| !in_class) {
                    Some(spelling) => {
                        out.push_str(spelling);
                        changed = true;
                    }
                    None => {
                        out.push('\\');
                        out.push(n);
                    }
                },
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    changed.then_some(out)
}

/// The pattern with every word boundary (`\b`, `\B`) spelled as an ASCII one, or None
/// when it has none. Escapes are read in pairs; inside a character class nothing changes.
fn ascii_word_boundaries(pattern: &str) -> Option<String> {
    respell_escapes(pattern, |c| match c {
        'b' => Some("(?-u:\\b)"),
        'B' => Some("(?-u:\\B)"),
        _ => None,
    })
}

/// Whether `text` holds a character outside ASCII that a Unicode `\b` counts as part of
/// a word (a letter, digit or mark: `é`, `я`, `字`; not `—`, `“` or an emoji).
fn has_non_ascii_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(first) = bytes.iter().position(|b| !b.is_ascii()) else {
        return false;
    };
    text[first..]
        .chars()
        .any(|c| !c.is_ascii() && regex_syntax::is_word_character(c))
}

/// Turns ascending code-point offsets of a text into byte offsets in one forward walk.
struct ByteOffsets<'t> {
    text: &'t str,
    /// code points walked, and the byte offset they end at
    walked: usize,
    byte: usize,
}

impl<'t> ByteOffsets<'t> {
    fn new(text: &'t str) -> Self {
        ByteOffsets {
            text,
            walked: 0,
            byte: 0,
        }
    }

    /// The byte offset of code point `cp`, which must not be below the last one asked for.
    fn at(&mut self, cp: usize) -> usize {
        for c in self.text[self.byte..].chars() {
            if self.walked >= cp {
                break;
            }
            self.byte += c.len_utf8();
            self.walked += 1;
        }
        self.byte
    }
}

/// Turns ascending byte offsets of a text into code-point offsets in one forward walk.
struct CodePoints<'t> {
    text: &'t str,
    ascii: bool,
    byte: usize,
    chars: usize,
}

impl<'t> CodePoints<'t> {
    fn new(text: &'t str) -> Self {
        CodePoints {
            text,
            ascii: text.is_ascii(),
            byte: 0,
            chars: 0,
        }
    }

    /// The code-point offset of byte offset `at`, which must not be below the last one
    /// asked for; when it is, the walk starts again from the beginning.
    fn at(&mut self, at: usize) -> usize {
        if self.ascii {
            return at;
        }
        if at < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..at].chars().count();
        self.byte = at;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_gets_a_step_budget_to_match() {
        // no match anywhere: the search walks the whole text, which one budget for
        // every length cut short at about 64 KB
        // VG501's docs entry, as the pack renders it
        let p = Pattern::new(
            r#"(?x)
(?:
  \bfall(?:ing)?[\s-]?back\s+(?:to|on)\b[^`\n]{0,40}?
| \bfallback\s*:\s*
| (?<![\w-])(?:deploy|ship|release|roll\s+out|redeploy)\b[^`\n.]{0,50}?(?:\b(?:with|via|using|by\s+running|run(?:ning)?)\s+|:\s*)
)
`[^`\n]{0,120}?(?:\bgcloud\s+(?:alpha\s+|beta\s+)?(?:run\s+deploy|run\s+services\s+replace|builds\s+submit|app\s+deploy|functions\s+deploy|run\s+jobs\s+deploy)|[\w./-]{0,120}deploy[\w.-]{0,60}\.sh\b|\bdocker\s+(?:image\s+)?push)[^`\n]{0,200}`
"#,
            true,
            true,
        )
        .unwrap();
        assert_eq!(p.engine(), Engine::Bounded);
        let text = "deploy-ment: ship to: release notes, fallback to: redeploy via the roll out\n"
            .repeat(6000);
        assert!(text.len() > 400_000);
        assert_eq!(p.find_all_bytes(&text), (vec![], false));
        let hit = format!("{text}Deploy with `./deploy.sh` now\n");
        assert_eq!(p.find_all_bytes(&hit).0.len(), 1);
    }

    #[test]
    fn word_boundaries_read_as_unicode_whichever_regex_runs() {
        let p = Pattern::new(r"\bdeploy\b|\B-x\b", true, true).unwrap();
        // `—` and emoji are no word characters: the ASCII spelling runs and agrees
        assert_eq!(p.find_all("— deploy 🚀").unwrap(), vec![(2, 8)]);
        assert_eq!(p.find_all("—deploy—").unwrap(), vec![(1, 7)]);
        // a letter outside ASCII is one: glued to the word, there is no boundary
        assert_eq!(p.find_all("édeploy deploy").unwrap(), vec![(8, 14)]);
        assert_eq!(p.find_all("deployé").unwrap(), vec![]);
        assert!(!p.is_match("naïvedeploy").unwrap());
    }

    #[test]
    fn the_fast_spelling_finds_what_the_unicode_one_finds() {
        let patterns = [
            r"\b403\b|\bForbidden\b",
            r"\b(?:do not|never)\b\s+\w+",
            r"\Bfoo\B",
            r"x[\b]?y",
            "[\"'“]?\\b(?:click|run)\\s+[^`\\n]{0,6}deploy\\b",
            r"\W+|\S{3}|.\s.",
            r"\d+\b|\bss\b|\bkm\b",
            "[^“”a-z]{2,}|“[^”]*”",
            r"(?x) ^ \s* never \s+ (?:ask|tell) \b .{0,4} $",
            r"deploy\w*",
        ];
        let texts = [
            "a 403 Forbidden — never deploy",
            "é403 Forbiddenя do not café",
            "ÿfooÿ xfoox 💥foo💥",
            "never 字 ok",
            "plain ascii 403",
            "“403” never—ever",
            "",
            "please “click deploy” now, run\u{a0}x deployé",
            "Ärger: click\u{2003}— deploy\nnever ask\u{3000}😀é\nnever tell",
            "٤٠٣ 403 ss ſs \u{212A}m km",
            "\u{2}x\u{3} “a\u{2}b” x\u{b}y deploy_x deployer",
            "naïve “quoted” ü—ä 12ü ü12 ab₂ x\u{301}y",
        ];
        for source in patterns {
            let Ok(p) = Pattern::new(source, true, true) else {
                continue;
            };
            let unicode = RegexBuilder::new(source)
                .multi_line(true)
                .case_insensitive(true)
                .build()
                .unwrap();
            for text in texts {
                let want: Vec<_> = unicode
                    .find_iter(text)
                    .map(|m| (m.start(), m.end()))
                    .collect();
                let got: Vec<_> = p.find_iter(text).map(|m| m.unwrap()).collect();
                assert_eq!(got, want, "{source:?} on {text:?}");
            }
        }
    }

    #[test]
    fn only_the_kelvin_sign_and_long_s_fold_to_ascii() {
        // the one-byte spelling reads every other character outside ASCII by its class
        // alone, which holds only if Unicode case folding ties no other to ASCII
        let ascii = RegexBuilder::new(r"(?i)[a-z0-9_]").build().unwrap();
        let folded: Vec<char> = (0x80..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| ascii.is_match(c.encode_utf8(&mut [0; 4])))
            .collect();
        assert_eq!(folded, ['\u{17F}', '\u{212A}']);
    }

    #[test]
    fn text_outside_ascii_runs_without_unicode() {
        let p = Pattern::new(
            r"(?x) [“]? \b please \s+ click \b [^\n]{0,20} deploy",
            true,
            true,
        )
        .unwrap();
        let text = "Bitte prüfen — please\u{a0}click the “deploy” ✓";
        assert_eq!(p.find_all(text).unwrap(), [(15, 39)]);
        assert!(p.compiled.get().is_none() && p.ascii_boundaries.get().is_none());
        // a letter glued to the word leaves no boundary, as in Unicode
        assert_eq!(p.find_all("äplease click deploy").unwrap(), []);
        // the Kelvin sign is a `k` to a case-insensitive Unicode pattern: Unicode runs
        let k = Pattern::new(r"\bclick\b", true, true).unwrap();
        assert_eq!(k.find_all("clic\u{212A} ä").unwrap(), [(0, 5)]);
        assert!(k.compiled.get().is_some());
    }

    fn all(p: &Pattern, text: &str) -> Vec<(usize, usize)> {
        p.find_all(text).unwrap()
    }

    #[test]
    fn lines_anchor_and_case_folds_as_rules_expect() {
        let p = Pattern::new(r"^please (?:click|run)\b", true, true).unwrap();
        assert_eq!(
            all(&p, "ok\nPlease CLICK it\nplease run x"),
            [(3, 15), (19, 29)]
        );
        let strict = Pattern::new("VTID", false, true).unwrap();
        assert_eq!(strict.is_match("vtid-0518"), Ok(false));
    }

    #[test]
    fn without_multi_line_anchors_hold_at_the_text_ends_only() {
        let p = Pattern::new(r"^run$", false, false).unwrap();
        assert_eq!(p.is_match("a\nrun\nb"), Ok(false));
        assert_eq!(p.is_match("run"), Ok(true));
    }

    #[test]
    fn offsets_count_code_points() {
        let p = Pattern::new("deploy", true, true).unwrap();
        assert_eq!(all(&p, "é→ deploy, ü deploy"), [(3, 9), (13, 19)]);
        assert_eq!(p.search("ééé deploy"), Ok(Some((4, 10))));
    }

    #[test]
    fn pythons_end_of_text_is_read() {
        let p = Pattern::new(r"\Auses: x(?:@\S*)?\Z", false, true).unwrap();
        assert_eq!(p.is_match("uses: x@v2"), Ok(true));
        assert_eq!(p.is_match("uses: x@v2\nmore"), Ok(false));
        // an escaped backslash before Z is a backslash and a Z
        assert_eq!(
            Pattern::new(r"a\\Z", false, true).unwrap().is_match("a\\Z"),
            Ok(true)
        );
        // and on the backtracking engine too (its own `\Z` allows a final newline)
        let p = Pattern::new(r"(?<=x)y\Z", false, true).unwrap();
        assert_eq!(p.engine(), Engine::Bounded);
        assert_eq!(p.is_match("xy\n"), Ok(false));
        assert_eq!(p.is_match("xy"), Ok(true));
    }

    #[test]
    fn look_around_runs_on_the_bounded_engine_with_the_reason() {
        let p = Pattern::new(r"(?<![\w.-])acme/legacy(?![\w-])", true, true).unwrap();
        assert_eq!(p.engine(), Engine::Bounded);
        assert!(
            p.reason().unwrap().contains("look-around"),
            "{:?}",
            p.reason()
        );
        assert_eq!(
            all(
                &p,
                "x acme/legacy, my-acme/legacy acme/legacy-2 ACME/Legacy"
            ),
            [(2, 13), (44, 55)]
        );
        let back = Pattern::new(r"(\w)\1", false, true).unwrap();
        assert_eq!(back.engine(), Engine::Bounded);
        assert_eq!(all(&back, "abba"), [(1, 3)]);
    }

    #[test]
    fn a_pattern_neither_engine_runs_is_an_error() {
        assert!(Pattern::new(r"(unclosed", false, true).is_err());
        let err = Pattern::new(r"(?<=a)(b", false, true).unwrap_err();
        assert!(err.contains("backtracking engine"), "{err}");
    }

    #[test]
    fn syntax_is_checked_at_load_and_compiled_on_first_use() {
        for source in [r"\bdeploy\b", r"(?<!x)deploy"] {
            let p = Pattern::new(source, true, true).unwrap();
            let compiled = |p: &Pattern| {
                p.compiled.get().is_some()
                    || p.one_byte.get().is_some_and(Option::is_some)
                    || p.ascii_boundaries.get().is_some_and(Option::is_some)
            };
            assert!(!compiled(&p), "{source}");
            assert_eq!(p.is_match("Deploy it"), Ok(true));
            assert!(compiled(&p));
        }
        // ASCII text needs only the spelling without Unicode
        let p = Pattern::new(r"\bdeploy\b", true, true).unwrap();
        assert_eq!(p.is_match("deploy"), Ok(true));
        assert!(p.compiled.get().is_none() && p.ascii_boundaries.get().is_none());
        assert!(Pattern::new(r"a{2,1}", false, true).is_err());
        // a pattern that parses but does not compile: `check` says so; unchecked, it
        // fails closed (the rule reported as not applied)
        let p = Pattern::new(r"\p{NoSuchClass}", false, true).unwrap();
        assert!(
            p.check().unwrap_err().contains("Unicode"),
            "{:?}",
            p.check()
        );
        assert_eq!(p.is_match("x"), Err(TimedOut));
        assert!(Pattern::new(r"\bok\b", false, true)
            .unwrap()
            .check()
            .is_ok());
    }

    #[test]
    fn a_checked_packs_pattern_is_read_on_first_use_and_fails_closed() {
        let p = Pattern::unchecked(r"(?<!x)deploy", true, true);
        assert!(p.syntax.get().is_none());
        assert_eq!(p.is_match("Deploy"), Ok(true));
        assert_eq!(p.engine(), Engine::Bounded);
        // one that does not parse never matches: the rule is reported not applied
        let bad = Pattern::unchecked(r"(unclosed", true, true);
        assert_eq!(bad.is_match("unclosed"), Err(TimedOut));
        assert_eq!(bad.find_all_bytes("unclosed"), (vec![], true));
        assert!(bad.check().is_err());
    }

    #[test]
    fn the_bounded_engine_gives_up_instead_of_stalling() {
        let p = Pattern::new(r"^(?:a|a(?=a))*b", false, true).unwrap();
        assert_eq!(p.engine(), Engine::Bounded);
        let text = "a".repeat(40) + "!";
        assert_eq!(p.is_match(&text), Err(TimedOut));
        // the matches before the search that gave up stand
        let (spans, timed_out) = p.find_all_bytes(&format!("aab\n{text}"));
        assert_eq!((spans, timed_out), (vec![(0, 3)], true));
    }

    #[test]
    fn long_texts_take_linear_time() {
        // a pattern that backtracks exponentially elsewhere
        let p = Pattern::new(r"(a+)+$", false, true).unwrap();
        let text = "a".repeat(100_000) + "b";
        assert_eq!(p.is_match(&text), Ok(false));
    }
}
