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

use regex::{Regex, RegexBuilder};

/// A compiled rule regex.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: Regex,
}

/// Compiled programs stay below this size: a pathological rule is refused at load time
/// rather than taking memory at scan time.
const SIZE_LIMIT: usize = 64 << 20;

impl Pattern {
    pub fn new(pattern: &str, ignore_case: bool, multi_line: bool) -> Result<Pattern, String> {
        RegexBuilder::new(&python_spelling(pattern))
            .multi_line(multi_line)
            .case_insensitive(ignore_case)
            .size_limit(SIZE_LIMIT)
            .build()
            .map(|regex| Pattern { regex })
            .map_err(|e| e.to_string())
    }

    /// The first match's (start, end) in code points.
    pub fn search(&self, text: &str) -> Option<(usize, usize)> {
        let m = self.regex.find(text)?;
        let mut counter = CodePoints::new(text);
        Some((counter.at(m.start()), counter.at(m.end())))
    }

    /// The compiled regex, for callers that work in byte offsets (the matchers).
    pub fn regex(&self) -> &Regex {
        &self.regex
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Every non-overlapping match's (start, end) in code points, in order.
    pub fn find_all(&self, text: &str) -> Vec<(usize, usize)> {
        let mut counter = CodePoints::new(text);
        self.regex
            .find_iter(text)
            .map(|m| (counter.at(m.start()), counter.at(m.end())))
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
