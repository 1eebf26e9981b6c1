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
//! that parses but does not compile is still a rule error naming its file and line. Offsets are byte offsets of the text, except `search` and `find_all` (for the
//! Python bindings), which count Unicode code points as Python's `str` does.

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};

/// Compiled programs stay below this size: a pathological rule is refused (or, found
/// too big on first use, reported as not applied) rather than eating memory.
const SIZE_LIMIT: usize = 64 << 20;

/// How many backtracking steps the bounded engine takes on one search before it gives
/// up (fancy-regex's default): a few milliseconds of work.
pub const BACKTRACK_LIMIT: usize = 1_000_000;

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
    engine: Engine,
    /// why the linear engine does not run it (bounded patterns)
    reason: Option<String>,
    compiled: OnceLock<Compiled>,
}

impl Pattern {
    /// Checks the pattern's syntax (a parse, no compile) and picks its engine; the
    /// pattern is compiled on first use. `check` compiles it now: the Python side does
    /// when it loads a rule, so a rule neither engine compiles is an error naming its
    /// file and line; a pack handed to the core was so checked.
    pub fn new(pattern: &str, ignore_case: bool, multi_line: bool) -> Result<Pattern, String> {
        let source = python_spelling(pattern).into_owned();
        // the syntax only (no Unicode classes expanded: that is the compile's work)
        let parsed = regex_syntax::ast::parse::ParserBuilder::new()
            .build()
            .parse(&source);
        let mut p = Pattern {
            source,
            ignore_case,
            multi_line,
            engine: Engine::Linear,
            reason: None,
            compiled: OnceLock::new(),
        };
        let linear_error = match parsed {
            Ok(_) => return Ok(p),
            Err(e) => e.to_string(),
        };
        if !needs_backtracking(&linear_error) {
            return Err(last_line(&linear_error));
        }
        fancy_regex::Expr::parse_tree(&p.source).map_err(|e| {
            format!(
                "{} (and the backtracking engine: {e})",
                last_line(&linear_error)
            )
        })?;
        p.engine = Engine::Bounded;
        p.reason = Some(last_line(&linear_error));
        Ok(p)
    }

    /// Compiles the pattern now; Err says why neither engine can run it.
    pub fn check(&self) -> Result<(), String> {
        match self.build() {
            Ok(c) => {
                let _ = self.compiled.set(c);
                Ok(())
            }
            Err(e) => Err(match &self.reason {
                Some(reason) => format!("{reason} (and the backtracking engine: {e})"),
                None => e,
            }),
        }
    }

    fn build(&self) -> Result<Compiled, String> {
        match self.engine {
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

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Why the linear engine does not run it (None when it does).
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The compiled pattern (compiled on first use; one that does not compile, which a
    /// checked pack never holds, runs as [`Compiled::Failed`]).
    fn compiled(&self) -> &Compiled {
        self.compiled
            .get_or_init(|| self.build().unwrap_or(Compiled::Failed))
    }

    /// Whether the pattern occurs in `text`.
    pub fn is_match(&self, text: &str) -> Result<bool, TimedOut> {
        match self.compiled() {
            Compiled::Linear(r) => Ok(r.is_match(text)),
            Compiled::Bounded(r) => r.is_match(text).map_err(|_| TimedOut),
            Compiled::Failed => Err(TimedOut),
        }
    }

    /// The first match at or after byte `at`: (start, end) in bytes.
    pub fn find_at(&self, text: &str, at: usize) -> Result<Option<(usize, usize)>, TimedOut> {
        match self.compiled() {
            Compiled::Linear(r) => Ok(r.find_at(text, at).map(|m| (m.start(), m.end()))),
            Compiled::Bounded(r) => r
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
        match self.compiled() {
            Compiled::Linear(r) => Box::new(r.find_iter(text).map(|m| Ok((m.start(), m.end())))),
            Compiled::Bounded(r) => {
                let mut failed = false;
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
            assert!(p.compiled.get().is_none(), "{source}");
            assert_eq!(p.is_match("Deploy it"), Ok(true));
            assert!(p.compiled.get().is_some());
        }
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
