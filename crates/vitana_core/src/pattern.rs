//! The rule pack's regexes, on the `regex` crate: linear time in the text, so no
//! timeout is needed and no rule text can stall a scan.
//!
//! A rule's regex is compiled as the Python side reads it: multi-line (`^`/`$` at line
//! ends), case-insensitive unless the rule says otherwise; a policy parameter's regex
//! (the approval pattern) with its own inline flags only. A pattern this
//! engine cannot run (look-around, back-references) is refused with the reason, and
//! the Python side runs it on the backtracking `regex` module under a timeout.
//!
//! Offsets are returned in Unicode code points, as Python's `str` counts them.

use std::ops::Range;
use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// A compiled rule regex.
///
/// It runs as written, with Unicode rules, where the text needs them; elsewhere a
/// spelling that gives the same matches runs faster (each compiled on first use: most
/// processes, a hook call or one small file, need one of them for a few regexes):
/// - on ASCII text, the pattern without Unicode (byte classes, ASCII case folding),
///   when the pattern itself is plain ASCII: no Unicode table is built and the DFA
///   stays small;
/// - on a text with no non-ASCII word character, the pattern with ASCII word
///   boundaries. A Unicode `\b` makes the regex crate's lazy DFA give up at the first
///   non-ASCII byte and hand the search to the PikeVM, 10 to 50 times slower (measured
///   on the real repository's docs, three in four of which hold a `—` or an emoji);
///   with no non-ASCII word character both spellings see the same boundaries.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: Regex,
    source: String,
    ignore_case: bool,
    multi_line: bool,
    /// None: the pattern is not plain ASCII (or did not compile so)
    ascii_text: OnceLock<Option<regex::bytes::Regex>>,
    /// None inside: the pattern has no word boundary
    ascii_boundaries: OnceLock<Option<Regex>>,
}

/// Compiled programs stay below this size: a pathological rule is refused at load time
/// rather than taking memory at scan time.
const SIZE_LIMIT: usize = 64 << 20;

/// The matches of a [`Pattern`], as byte ranges of the text.
pub enum Spans<'r, 't> {
    Text(regex::Matches<'r, 't>),
    Bytes(regex::bytes::Matches<'r, 't>),
}

impl Iterator for Spans<'_, '_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        match self {
            Spans::Text(m) => m.next().map(|m| m.range()),
            Spans::Bytes(m) => m.next().map(|m| m.range()),
        }
    }
}

enum Engine<'r> {
    Text(&'r Regex),
    Bytes(&'r regex::bytes::Regex),
}

impl Pattern {
    pub fn new(pattern: &str, ignore_case: bool, multi_line: bool) -> Result<Pattern, String> {
        let source = python_spelling(pattern).into_owned();
        let regex = build(&source, ignore_case, multi_line)?;
        Ok(Pattern {
            regex,
            source,
            ignore_case,
            multi_line,
            ascii_text: OnceLock::new(),
            ascii_boundaries: OnceLock::new(),
        })
    }

    /// The compiled spelling that gives this pattern's results on `text` fastest.
    fn engine_for(&self, text: &str) -> Engine<'_> {
        if text.is_ascii() {
            let ascii = self.ascii_text.get_or_init(|| {
                plain_ascii(&self.source)
                    .then(|| {
                        regex::bytes::RegexBuilder::new(&self.source)
                            .unicode(false)
                            .multi_line(self.multi_line)
                            .case_insensitive(self.ignore_case)
                            .size_limit(SIZE_LIMIT)
                            .build()
                            .ok()
                    })
                    .flatten()
            });
            if let Some(ascii) = ascii {
                return Engine::Bytes(ascii);
            }
        }
        if has_non_ascii_word(text) {
            return Engine::Text(&self.regex);
        }
        // the spellings differ only in their boundaries: should this one not compile,
        // the Unicode one gives the same results, slower
        let ascii = self.ascii_boundaries.get_or_init(|| {
            ascii_word_boundaries(&self.source)
                .and_then(|s| build(&s, self.ignore_case, self.multi_line).ok())
        });
        Engine::Text(ascii.as_ref().unwrap_or(&self.regex))
    }

    /// Every non-overlapping match, as byte ranges.
    pub fn find_iter<'r, 't>(&'r self, text: &'t str) -> Spans<'r, 't> {
        match self.engine_for(text) {
            Engine::Text(r) => Spans::Text(r.find_iter(text)),
            Engine::Bytes(r) => Spans::Bytes(r.find_iter(text.as_bytes())),
        }
    }

    /// The first match, as a byte range.
    pub fn find(&self, text: &str) -> Option<Range<usize>> {
        match self.engine_for(text) {
            Engine::Text(r) => r.find(text).map(|m| m.range()),
            Engine::Bytes(r) => r.find(text.as_bytes()).map(|m| m.range()),
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        match self.engine_for(text) {
            Engine::Text(r) => r.is_match(text),
            Engine::Bytes(r) => r.is_match(text.as_bytes()),
        }
    }

    /// The first match's (start, end) in code points.
    pub fn search(&self, text: &str) -> Option<(usize, usize)> {
        let m = self.find(text)?;
        let mut counter = CodePoints::new(text);
        Some((counter.at(m.start), counter.at(m.end)))
    }

    /// Every non-overlapping match's (start, end) in code points, in order.
    pub fn find_all(&self, text: &str) -> Vec<(usize, usize)> {
        let mut counter = CodePoints::new(text);
        self.find_iter(text)
            .map(|m| (counter.at(m.start), counter.at(m.end)))
            .collect()
    }
}

/// The pattern with Python's spelling of end-of-text, `\Z`, in the regex crate's
/// (`\z`: both match only at the very end, unlike `$`). Escapes are read in pairs, so an
/// escaped backslash before a `Z` stays as written; inside a character class nothing
/// changes.
fn python_spelling(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains("\\Z") {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next();
                match next {
                    Some('Z') if !in_class => out.push_str("\\z"),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
            }
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
    std::borrow::Cow::Owned(out)
}

fn build(source: &str, ignore_case: bool, multi_line: bool) -> Result<Regex, String> {
    RegexBuilder::new(source)
        .multi_line(multi_line)
        .case_insensitive(ignore_case)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// Whether the pattern means the same without Unicode on ASCII text: plain ASCII, and no
/// escape that names a character or class beyond it (`\x{17F}`, `\p{L}`: case folding
/// ties `ſ` and the Kelvin sign to ASCII letters).
fn plain_ascii(source: &str) -> bool {
    source.is_ascii()
        && !["\\x", "\\u", "\\U", "\\p", "\\P", "\\N"]
            .iter()
            .any(|e| source.contains(e))
}

/// The pattern with every word boundary (`\b`, `\B`) spelled as an ASCII one, or None
/// when it has none. Escapes are read in pairs; inside a character class nothing changes.
fn ascii_word_boundaries(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut in_class = false;
    let mut changed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if !in_class => {
                    out.push_str(if b == 'b' { "(?-u:\\b)" } else { "(?-u:\\B)" });
                    changed = true;
                }
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
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
    fn word_boundaries_read_as_unicode_whichever_regex_runs() {
        let p = Pattern::new(r"\bdeploy\b|\B-x\b", true, true).unwrap();
        // `—` and emoji are no word characters: the ASCII spelling runs and agrees
        assert_eq!(p.find_all("— deploy 🚀"), vec![(2, 8)]);
        assert_eq!(p.find_all("—deploy—"), vec![(1, 7)]);
        // a letter outside ASCII is one: glued to the word, there is no boundary
        assert_eq!(p.find_all("édeploy deploy"), vec![(8, 14)]);
        assert_eq!(p.find_all("deployé"), vec![]);
        assert!(!p.is_match("naïvedeploy"));
    }

    #[test]
    fn the_fast_spelling_finds_what_the_unicode_one_finds() {
        let patterns = [
            r"\b403\b|\bForbidden\b",
            r"\b(?:do not|never)\b\s+\w+",
            r"\Bfoo\B",
            r"x[\b]?y",
        ];
        let texts = [
            "a 403 Forbidden — never deploy",
            "é403 Forbiddenя do not café",
            "ÿfooÿ xfoox 💥foo💥",
            "never 字 ok",
            "plain ascii 403",
            "“403” never—ever",
            "",
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
                let got: Vec<_> = p.find_iter(text).map(|m| (m.start, m.end)).collect();
                assert_eq!(got, want, "{source:?} on {text:?}");
            }
        }
    }

    #[test]
    fn lines_anchor_and_case_folds_as_rules_expect() {
        let p = Pattern::new(r"^please (?:click|run)\b", true, true).unwrap();
        assert_eq!(
            p.find_all("ok\nPlease CLICK it\nplease run x"),
            [(3, 15), (19, 29)]
        );
        let strict = Pattern::new("VTID", false, true).unwrap();
        assert!(!strict.is_match("vtid-0518"));
    }

    #[test]
    fn without_multi_line_anchors_hold_at_the_text_ends_only() {
        let p = Pattern::new(r"^run$", false, false).unwrap();
        assert!(!p.is_match("a\nrun\nb"));
        assert!(p.is_match("run"));
    }

    #[test]
    fn offsets_count_code_points() {
        let p = Pattern::new("deploy", true, true).unwrap();
        assert_eq!(p.find_all("é→ deploy, ü deploy"), [(3, 9), (13, 19)]);
        assert_eq!(p.search("ééé deploy"), Some((4, 10)));
    }

    #[test]
    fn pythons_end_of_text_is_read() {
        let p = Pattern::new(r"\Auses: x(?:@\S*)?\Z", false, true).unwrap();
        assert!(p.is_match("uses: x@v2"));
        assert!(!p.is_match("uses: x@v2\nmore"));
        // an escaped backslash before Z is a backslash and a Z
        assert!(Pattern::new(r"a\\Z", false, true).unwrap().is_match("a\\Z"));
    }

    #[test]
    fn look_around_is_refused_with_a_reason() {
        let err = Pattern::new(r"(?<!\w)acme/legacy", true, true).unwrap_err();
        assert!(err.contains("look-around"), "{err}");
    }

    #[test]
    fn long_texts_take_linear_time() {
        // a pattern that backtracks exponentially elsewhere
        let p = Pattern::new(r"(a+)+$", false, true).unwrap();
        let text = "a".repeat(100_000) + "b";
        assert!(!p.is_match(&text));
    }
}
