//! Which lines of a JSONL transcript are worth parsing.
//!
//! Violations are rare; parsing every record of a gigabyte transcript costs far more
//! than finding the few that mention a rule's keyword. One automaton pass over a block
//! of whole lines finds every keyword (ASCII case-insensitive, on the raw bytes), and a
//! line is parsed when it holds one, or when the keyword test cannot be trusted:
//! - a JSON escape (`\u0067cloud`, `https:\/\/`): the raw bytes of an escaped keyword
//!   do not spell it;
//! - a line not shaped like a JSON object (`{...}`), a truncated last line included,
//!   so that it is reported as unreadable rather than skipped in silence;
//! - a keyword in the line's shell view (`g''cloud`, `$'\x67cloud'`: see `shellview`),
//!   so that a command spelled in pieces is still read.

use std::sync::OnceLock;

use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use memchr::{memchr, memchr_iter, memmem};

use crate::shellview::shell_view;

const ESCAPES: [&str; 2] = ["\\u", "\\/"];
/// lines past the quick word between two choices of `Quick::sparse`
const WINDOW: usize = 64;

#[derive(Debug, Clone)]
pub struct RecordFilter {
    automaton: AhoCorasick,
    /// the automaton's patterns, lower case; the first `keywords` are keywords (then escapes)
    patterns: Vec<String>,
    keywords: usize,
    /// the longest patterns (up to 64, of 4 bytes or more), case-sensitive, in the SIMD
    /// searcher for a few dozen literals (Teddy), with the index of each in `patterns`;
    /// built on first use, None when Teddy declines them. The automaton folds ASCII case,
    /// which leaves it no SIMD prefilter: it reads byte by byte. A line on which this
    /// finds a pattern (spelled as the rule spells it, lower case) holds a keyword or an
    /// escape, so it is picked without the automaton; only a line without one (a keyword
    /// in upper case, a short one, or none) is left to it. The lines picked are the same.
    /// (Short patterns are left out: two-byte ones made Teddy verify at almost every
    /// byte, as slow as the automaton.)
    lower: OnceLock<Option<(packed::Searcher, Vec<usize>)>>,
}

/// A keyword most lines of a log hold (its lower-case spelling), looked for with memchr's
/// SIMD search before the automaton: a line holding it is picked without the automaton's
/// byte-by-byte pass. The lines picked are the same; in a keyword-dense session the
/// automaton ran over most of every line, a tenth of the scan. Chosen from the keywords
/// the automaton found first on the lines of a block, kept while it picks most lines.
///
/// It also says whether the lines the quick word misses go to the case-sensitive SIMD
/// searcher (`RecordFilter::lower`) before the automaton: only while most of them hold a
/// keyword it finds (a dense log), judged every `WINDOW` such lines. On other lines the
/// automaton must read the line anyway, and the searcher's pass over it first (its
/// candidates are everywhere in JSON) made picking lines up to a third slower.
#[derive(Debug, Default)]
pub struct Quick {
    finder: Option<memmem::Finder<'static>>,
    /// most lines past the quick word held no keyword in the last block
    sparse: bool,
}

impl RecordFilter {
    /// `keywords` are matched ASCII case-insensitively; empty ones are ignored.
    pub fn new<S: AsRef<str>>(keywords: &[S]) -> RecordFilter {
        let mut patterns: Vec<String> = keywords
            .iter()
            .map(|k| k.as_ref().to_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        let keywords = patterns.len();
        patterns.extend(ESCAPES.iter().map(|e| e.to_string()));
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("literal keywords always compile");
        RecordFilter {
            automaton,
            patterns,
            keywords,
            lower: OnceLock::new(),
        }
    }

    fn lower(&self) -> Option<&(packed::Searcher, Vec<usize>)> {
        self.lower
            .get_or_init(|| {
                let mut ids: Vec<usize> = (0..self.patterns.len())
                    .filter(|&i| self.patterns[i].len() >= 4)
                    .collect();
                ids.sort_by_key(|&i| (std::cmp::Reverse(self.patterns[i].len()), i));
                ids.truncate(64);
                let mut b = packed::Config::new()
                    .match_kind(packed::MatchKind::LeftmostFirst)
                    .builder();
                b.extend(ids.iter().map(|&i| &self.patterns[i]));
                b.build().map(|searcher| (searcher, ids))
            })
            .as_ref()
    }

    /// Whether `data` (or its shell view) holds any keyword or a JSON escape (a whole
    /// file's gate).
    pub fn any_hit(&self, data: &[u8]) -> bool {
        self.automaton.is_match(data)
            || shell_view(data).is_some_and(|v| self.automaton.is_match(&v))
    }

    /// Offsets of the starts of the lines of `block` to parse, ascending.
    pub fn candidates(&self, block: &[u8]) -> Vec<usize> {
        self.candidates_quick(block, &mut Quick::default())
    }

    /// `candidates`, for the blocks of one log in turn: `quick` carries the keyword the
    /// log's lines hold most from block to block (see `Quick`). The same lines.
    pub fn candidates_quick(&self, block: &[u8], quick: &mut Quick) -> Vec<usize> {
        let raw = self.raw_candidates(block, quick);
        // every line picked already (a keyword-dense log): the shell view cannot add one
        let lines = memchr_iter(b'\n', block).count() + usize::from(!block.ends_with(b"\n"));
        if raw.len() >= lines {
            return raw;
        }
        let Some(view) = shell_view(block) else {
            return raw;
        };
        // the view keeps every line break: its n-th line is the block's n-th line
        let hidden = self.raw_candidates(&view, &mut Quick::default());
        if hidden.is_empty() {
            return raw;
        }
        let mut wanted = Vec::with_capacity(hidden.len());
        let (mut line, mut at) = (0usize, 0usize);
        for start in hidden {
            line += memchr_iter(b'\n', &view[at..start]).count();
            at = start;
            wanted.push(line);
        }
        let mut starts = raw;
        let (mut line, mut start) = (0usize, 0usize);
        let mut next = wanted.into_iter().peekable();
        while let Some(&want) = next.peek() {
            if line == want {
                starts.push(start);
                next.next();
                continue;
            }
            match memchr(b'\n', &block[start..]) {
                Some(i) => {
                    start += i + 1;
                    line += 1;
                }
                None => break,
            }
        }
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    fn raw_candidates(&self, block: &[u8], quick: &mut Quick) -> Vec<usize> {
        let mut starts = Vec::new();
        // the automaton's first hit from `searched` on: valid for a line starting at or
        // before it (None: no hit after `searched`)
        let mut cached: Option<(usize, Option<(usize, usize)>)> = None;
        // the case-sensitive searcher (`lower`) for the lines past the quick word, while
        // most of them hold a keyword: judged every WINDOW such lines
        let lower = self.lower();
        let mut use_lower = !quick.sparse;
        // lines past the quick word, and those the searcher found (or, while it waits,
        // would find: the automaton's hit is one of its patterns)
        let (mut seen, mut held) = (0usize, 0usize);
        let mut in_lower = vec![false; self.patterns.len()];
        for &i in lower.map_or(&[][..], |(_, ids)| ids.as_slice()) {
            in_lower[i] = true;
        }
        let mut next_quick = quick.finder.as_ref().and_then(|f| f.find(block));
        // per keyword, the lines the automaton found it on first; lines, quick lines
        let mut firsts = vec![0u32; self.keywords];
        let (mut lines, mut quick_lines) = (0usize, 0usize);
        let mut start = 0;
        while start < block.len() {
            let end = memchr(b'\n', &block[start..]).map_or(block.len(), |i| start + i);
            let line = &block[start..end];
            lines += 1;
            if let (Some(f), Some(q)) = (quick.finder.as_ref(), next_quick) {
                if q < start {
                    next_quick = f.find(&block[start..]).map(|i| start + i);
                }
            }
            // a keyword holds no line break: one starting on this line is on it
            let hit_here = if next_quick.is_some_and(|q| q < end) {
                quick_lines += 1;
                true
            } else {
                // searched on this line only: on a line without a hit the automaton
                // reads it whole anyway
                let lower_hit =
                    lower
                        .filter(|_| use_lower && start < end)
                        .and_then(|(searcher, ids)| {
                            searcher
                                .find_in(block, aho_corasick::Span::from(start..end))
                                .map(|m| (m.start(), ids[m.pattern().as_usize()]))
                        });
                let from_lower = lower_hit.is_some();
                let hit = lower_hit.or_else(|| match cached {
                    Some((from, h)) if from <= start && h.map_or(true, |(at, _)| at >= start) => h,
                    _ => {
                        let h = self.hit_from(block, start);
                        cached = Some((start, h));
                        h
                    }
                });
                seen += 1;
                let on_line = if let Some((at, pattern)) = hit.filter(|&(at, _)| at < end) {
                    if at >= start && pattern < self.keywords {
                        firsts[pattern] += 1;
                    }
                    if from_lower || (!use_lower && in_lower[pattern]) {
                        held += 1;
                    }
                    true
                } else {
                    false
                };
                if seen == WINDOW {
                    use_lower = held * 2 >= seen;
                    (seen, held) = (0, 0);
                }
                on_line
            };
            if hit_here || !object_shaped(line) {
                starts.push(start);
            }
            start = end + 1;
        }
        // a quick keyword that picks under half the lines gives way to the one found
        // first most often
        if seen > 0 {
            use_lower = held * 2 >= seen;
        }
        quick.sparse = !use_lower;
        if quick_lines * 2 < lines {
            let best = (0..self.keywords).max_by_key(|&k| (firsts[k], std::cmp::Reverse(k)));
            if let Some(k) = best.filter(|&k| firsts[k] > 0) {
                let word = self.patterns[k].as_bytes().to_vec();
                quick.finder = Some(memmem::Finder::new(&word).into_owned());
            }
        }
        starts
    }

    /// The automaton's first match at or after `from`: (start, pattern).
    fn hit_from(&self, block: &[u8], from: usize) -> Option<(usize, usize)> {
        if from >= block.len() {
            return None;
        }
        self.automaton
            .find(Input::new(block).range(from..))
            .map(|m| (m.start(), m.pattern().as_usize()))
    }
}

/// Whether a line's first non-blank byte is `{` and its last `}`; a blank line passes
/// (nothing to report).
fn object_shaped(line: &[u8]) -> bool {
    let first = line
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\r'));
    let Some(first) = first else {
        return true;
    };
    let last = line
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r'))
        .unwrap_or(first);
    line[first] == b'{' && line[last] == b'}'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(filter: &RecordFilter, block: &str) -> Vec<String> {
        filter
            .candidates(block.as_bytes())
            .into_iter()
            .map(|s| block[s..].lines().next().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn keeps_lines_with_a_keyword_whatever_its_case() {
        let f = RecordFilter::new(&["gcloud"]);
        let block = "{\"a\": \"ls\"}\n{\"a\": \"GCloud run deploy\"}\n{\"b\": 1}\n";
        assert_eq!(lines_of(&f, block), ["{\"a\": \"GCloud run deploy\"}"]);
    }

    #[test]
    fn keeps_escaped_text_and_lines_not_shaped_like_objects() {
        let f = RecordFilter::new(&["gcloud"]);
        let block = "{\"a\": \"\\u0067cloud\"}\n[1, 2]\n{\"cut\": \"off\n\n  {\"ok\": 1}  \n";
        assert_eq!(
            lines_of(&f, block),
            ["{\"a\": \"\\u0067cloud\"}", "[1, 2]", "{\"cut\": \"off"]
        );
    }

    #[test]
    fn a_truncated_last_line_is_kept() {
        let f = RecordFilter::new(&["gcloud"]);
        assert_eq!(lines_of(&f, "{\"a\": 1}\n{\"b\": "), ["{\"b\": "]);
    }

    #[test]
    fn several_hits_on_one_line_keep_it_once() {
        let f = RecordFilter::new(&["deploy", "gateway"]);
        let block = "{\"x\": \"deploy deploy gateway\"}\n{\"y\": \"deploy\"}\n";
        assert_eq!(f.candidates(block.as_bytes()), [0, 31]);
    }

    #[test]
    fn keeps_a_line_whose_command_is_spelled_in_pieces() {
        let f = RecordFilter::new(&["gcloud"]);
        let block = "{\"a\": \"ls\"}\n{\"c\": \"g'\\\"'cloud run\"}\n{\"b\": \"x\"}\n";
        assert_eq!(lines_of(&f, block), ["{\"c\": \"g'\\\"'cloud run\"}"]);
        assert!(f.any_hit(b"{\"c\": \"g''cloud\"}"));
    }

    #[test]
    fn every_line_picked_is_every_line() {
        let f = RecordFilter::new(&["deploy"]);
        let block = "{\"a\": \"deploy\"}\n{\"b\": \"g''cloud deploy\"}\n";
        assert_eq!(f.candidates(block.as_bytes()), [0, 16]);
    }

    #[test]
    fn a_quick_keyword_picks_the_same_lines() {
        let f = RecordFilter::new(&["gateway", "deploy"]);
        let block = "{\"a\": \"the gateway\"}\n{\"b\": \"GATEWAY\"}\n{\"c\": \"ls\"}\n\
                     {\"d\": \"deploy\"}\n[1]\n{\"e\": \"gateway deploy\"}\n{\"f\": \"\\u0067\"}\n";
        let mut quick = Quick::default();
        let first = f.candidates_quick(block.as_bytes(), &mut quick);
        assert_eq!(first, f.candidates(block.as_bytes()));
        assert_eq!(lines_of(&f, block).len(), 6); // all but `ls`
                                                  // the keyword found first on most lines is looked for with memchr from then on,
                                                  // and picks the same lines (GATEWAY, deploy alone and the rest by the automaton)
        assert!(quick.finder.is_some());
        assert_eq!(quick.finder.as_ref().unwrap().needle(), b"gateway");
        assert_eq!(f.candidates_quick(block.as_bytes(), &mut quick), first);
        let other = "{\"x\": \"deploy\"}\n{\"y\": \"Gateway\"}\n{\"z\": 1}\n";
        assert_eq!(
            f.candidates_quick(other.as_bytes(), &mut quick),
            f.candidates(other.as_bytes())
        );
    }

    #[test]
    fn the_case_sensitive_searcher_picks_the_lines_the_automaton_alone_picks() {
        let keys = ["gateway", "deploy", "gh", "hub", "cloud shell", "vtid-"];
        let f = RecordFilter::new(&keys);
        assert!(
            f.lower().is_some(),
            "a pack's few dozen keywords fit the searcher"
        );
        let plain = RecordFilter {
            lower: OnceLock::from(None),
            ..f.clone()
        };
        let words = [
            "gateway",
            "GATEWAY",
            "Deploy",
            "deploy",
            "ls",
            "x y",
            "\\u0067",
            "gh",
            "GH",
            "hub",
            "cloud  shell",
            "Cloud Shell",
            "\\/",
            "deplo",
            "gatewa",
            "",
            "VTID-1",
            "vtid-2",
            "cloud shell",
        ];
        let mut state = 5u64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let (mut quick, mut plain_quick) = (Quick::default(), Quick::default());
        for _ in 0..300 {
            let mut block = String::new();
            for _ in 0..next(150) {
                match next(10) {
                    0 => block.push_str("[1]"),
                    1 => {}
                    _ => {
                        block.push_str("{\"m\": \"");
                        for _ in 0..next(4) {
                            block.push_str(words[next(words.len())]);
                            block.push(' ');
                        }
                        block.push_str("\"}");
                    }
                }
                block.push('\n');
            }
            let got = f.candidates_quick(block.as_bytes(), &mut quick);
            assert_eq!(
                got,
                plain.candidates_quick(block.as_bytes(), &mut plain_quick),
                "{block}"
            );
            assert_eq!(got, plain.candidates(block.as_bytes()), "{block}");
        }
    }

    #[test]
    fn the_case_sensitive_searcher_waits_while_a_log_is_sparse() {
        let f = RecordFilter::new(&["gateway", "deploy"]);
        let sparse = "{\"a\": 1}\n{\"b\": 2}\n{\"c\": \"deploy\"}\n{\"d\": 3}\n";
        let dense = "{\"a\": \"DEPLOY\"}\n{\"b\": \"gateway\"}\n{\"c\": 1}\n";
        let mut quick = Quick::default();
        assert!(!quick.sparse); // a log starts as dense, the sessions this is for
        let got = f.candidates_quick(sparse.as_bytes(), &mut quick);
        assert_eq!(got, f.candidates(sparse.as_bytes()));
        assert!(quick.sparse, "one line in four holds a keyword");
        // the same lines while it waits, and it comes back on a dense block
        let got = f.candidates_quick(dense.as_bytes(), &mut quick);
        assert_eq!(got, f.candidates(dense.as_bytes()));
        assert_eq!(got.len(), 2);
        assert!(!quick.sparse);
    }

    #[test]
    fn any_hit_sees_keywords_and_escapes() {
        let f = RecordFilter::new(&["gcloud"]);
        assert!(f.any_hit(b"x GCLOUD y"));
        assert!(f.any_hit(b"x \\/ y"));
        assert!(!f.any_hit(b"plain"));
    }
}
