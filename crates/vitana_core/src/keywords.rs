//! Which of a rule pack's keywords occur in a text: the prefilter every segment and
//! every transcript record goes through before any regex or parser runs.
//!
//! Keywords are matched against the text's lower-case form, as the rules are written
//! (`gcloud`, `deploy`, `gh`). An ASCII case-insensitive automaton reads the bytes once,
//! without building the lowered copy, whenever lowering could not change what it finds:
//! the keywords are all ASCII lower case and the text holds neither of the two characters
//! whose lower case is ASCII (the Kelvin sign lowers to `k`, `İ` to `i` and a dot). Other
//! text is lowered with Unicode's full mapping first and searched case-sensitively.

use std::sync::OnceLock;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchError, MatchKind};

use crate::model::Command;
use crate::shellview::shell_view;

/// A compiled keyword set. Indices refer to the keyword list it was built from.
#[derive(Debug, Clone)]
pub struct KeywordSet {
    count: usize,
    /// keywords that are empty: present in every text
    always: Vec<usize>,
    /// ASCII, already lower-case keywords: the only ones lowered ASCII text can hold
    ascii: Option<Group>,
    /// every non-empty keyword, for lowered non-ASCII text
    unicode: Option<Group>,
    /// every non-empty keyword is in `ascii`
    all_ascii: bool,
    /// some keyword holds a line break (it may match across lines joined by one)
    multiline: bool,
}

/// Some of the keywords, with their automaton built on first use: ASCII text never
/// needs the Unicode group's, and building an automaton (a DFA for a pack's hundred
/// keywords) was 4M instructions of a live-guard call, twice over.
#[derive(Debug, Clone)]
struct Group {
    patterns: Vec<String>,
    /// the keyword index of each pattern
    ids: Vec<usize>,
    caseless: bool,
    searcher: OnceLock<Searcher>,
}

/// How a group is searched: a DFA stepped by hand (see `mark_streamed`), or, for a set
/// too large for a DFA's table, aho-corasick's own choice of automaton.
#[derive(Debug, Clone)]
enum Searcher {
    Dfa(Box<DFA>),
    Automaton(AhoCorasick),
}

/// A DFA's table grows with the keywords' total length: rule packs hold about fifty.
const MAX_DFA_PATTERNS: usize = 1000;

impl Group {
    fn new<S: AsRef<str>>(keywords: &[S], ids: Vec<usize>, caseless: bool) -> Option<Group> {
        (!ids.is_empty()).then(|| Group {
            patterns: ids
                .iter()
                .map(|&i| keywords[i].as_ref().to_owned())
                .collect(),
            ids,
            caseless,
            searcher: OnceLock::new(),
        })
    }

    fn searcher(&self) -> &Searcher {
        self.searcher.get_or_init(|| {
            let dfa = (self.patterns.len() <= MAX_DFA_PATTERNS)
                .then(|| {
                    DFA::builder()
                        .ascii_case_insensitive(self.caseless)
                        .match_kind(MatchKind::Standard)
                        .build(&self.patterns)
                        .ok()
                })
                .flatten();
            match dfa {
                Some(dfa) => Searcher::Dfa(Box::new(dfa)),
                None => Searcher::Automaton(
                    AhoCorasickBuilder::new()
                        .ascii_case_insensitive(self.caseless)
                        .match_kind(MatchKind::Standard)
                        .build(&self.patterns)
                        .expect("literal keywords always compile"),
                ),
            }
        })
    }

    /// Marks the keywords of the group that occur in `haystack`. A search that fails
    /// (it cannot, unanchored) marks them all: the rules then run, as without a gate.
    fn mark(&self, haystack: &[u8], seen: &mut [bool]) {
        match self.searcher() {
            Searcher::Dfa(dfa) => {
                if mark_streamed(dfa, &self.ids, haystack, seen).is_err() {
                    self.ids.iter().for_each(|&i| seen[i] = true);
                }
            }
            Searcher::Automaton(automaton) => mark_all(automaton, &self.ids, haystack, seen),
        }
    }

    /// Whether any keyword of the group occurs in `haystack` (the prefilter skips to
    /// the candidates); a search that fails says yes.
    fn is_match(&self, haystack: &[u8]) -> bool {
        match self.searcher() {
            Searcher::Dfa(dfa) => dfa
                .try_find(&Input::new(haystack))
                .map_or(true, |m| m.is_some()),
            Searcher::Automaton(automaton) => automaton.is_match(haystack),
        }
    }
}

impl KeywordSet {
    pub fn new<S: AsRef<str>>(keywords: &[S]) -> KeywordSet {
        let mut always = Vec::new();
        let mut ascii = Vec::new();
        let mut unicode = Vec::new();
        for (i, k) in keywords.iter().enumerate() {
            let k = k.as_ref();
            if k.is_empty() {
                always.push(i);
                continue;
            }
            unicode.push(i);
            if k.is_ascii() && !k.bytes().any(|b| b.is_ascii_uppercase()) {
                ascii.push(i);
            }
        }
        let all_ascii = ascii.len() == unicode.len();
        KeywordSet {
            count: keywords.len(),
            all_ascii,
            multiline: keywords.iter().any(|k| k.as_ref().contains(['\n', '\r'])),
            always,
            ascii: Group::new(keywords, ascii, true),
            unicode: Group::new(keywords, unicode, false),
        }
    }

    /// How many keywords the set was built from.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The indices of the keywords present in `text`, each once, sorted.
    pub fn present(&self, text: &str) -> Vec<usize> {
        let mut seen = vec![false; self.count];
        for &i in &self.always {
            seen[i] = true;
        }
        if self.reads_raw(text) {
            if let Some(group) = &self.ascii {
                group.mark(text.as_bytes(), &mut seen);
            }
        } else if let Some(group) = &self.unicode {
            group.mark(text.to_lowercase().as_bytes(), &mut seen);
        }
        seen.iter()
            .enumerate()
            .filter_map(|(i, &s)| s.then_some(i))
            .collect()
    }

    /// The keywords of what a command text runs: present in the text, in its shell
    /// view (quotes removed, escapes decoded: see `shellview`), or in the words of its
    /// commands as the shell reader resolves them (names bound earlier in the text,
    /// `G=gc; ${G}loud` runs gcloud). The flag says whether the raw text lacks some of
    /// them: then it spells a keyword in pieces, and only parsing all of it tells what runs.
    pub fn present_shell(&self, text: &str) -> (Vec<usize>, bool) {
        let parsed = std::cell::OnceCell::new();
        self.present_shell_parsed(text, || {
            parsed.get_or_init(|| crate::normalize::shell::parse(text))
        })
    }

    /// `present_shell`, with the text's commands from `commands` (called only when
    /// names could be bound): a scan that parses the text anyway parses it once.
    pub fn present_shell_parsed<'c>(
        &self,
        text: &str,
        commands: impl FnOnce() -> &'c [Command],
    ) -> (Vec<usize>, bool) {
        let raw = self.present(text);
        let mut all = raw.clone();
        if let Some(view) = shell_view(text.as_bytes()) {
            all.extend(self.present(&String::from_utf8_lossy(&view)));
        }
        if text.contains('$') && text.contains('=') {
            let mut words = String::new();
            for command in commands() {
                for word in command.argv.iter().filter_map(|w| w.value.as_deref()) {
                    words.push_str(word);
                    words.push(' ');
                }
                words.push('\n');
            }
            all.extend(self.present(&words));
        }
        all.sort_unstable();
        all.dedup();
        let hidden = all.len() > raw.len();
        (all, hidden)
    }

    /// Whether any keyword occurs in UTF-8 `data` (invalid sequences read as U+FFFD) or
    /// in its shell view: the gate of a whole file or diff.
    pub fn any_in_bytes(&self, data: &[u8]) -> bool {
        let found = |bytes: &[u8]| self.any_in(&crate::utf8::lossy(bytes));
        found(data) || shell_view(data).is_some_and(|view| found(&view))
    }

    /// Whether some keyword holds a line break: then a text of lines joined by `\n` may
    /// hold it though no line does.
    pub fn multiline(&self) -> bool {
        self.multiline
    }

    /// Whether any keyword occurs in `text`; stops at the first.
    pub fn any_in(&self, text: &str) -> bool {
        if !self.always.is_empty() {
            return true;
        }
        if self.reads_raw(text) {
            return self
                .ascii
                .as_ref()
                .is_some_and(|g| g.is_match(text.as_bytes()));
        }
        self.unicode
            .as_ref()
            .is_some_and(|g| g.is_match(text.to_lowercase().as_bytes()))
    }
}

impl KeywordSet {
    /// Whether the ASCII caseless automaton on `text` as it is finds what the Unicode
    /// one finds on its lower case: ASCII text, or only ASCII keywords and no character
    /// whose lower case is ASCII (U+0130, U+212A). Other non-ASCII characters lower to
    /// non-ASCII ones, which no ASCII keyword can take part in.
    fn reads_raw(&self, text: &str) -> bool {
        text.is_ascii()
            || (self.all_ascii
                && memchr::memmem::find(text.as_bytes(), "\u{212A}".as_bytes()).is_none()
                && memchr::memmem::find(text.as_bytes(), "\u{130}".as_bytes()).is_none())
    }
}

fn mark_all(automaton: &AhoCorasick, ids: &[usize], haystack: &[u8], seen: &mut [bool]) {
    // every keyword present counts, overlapping ones too (`deploy` inside `deploy.sh`).
    // An overlapping search over the whole text cannot skip ahead, so the fast
    // non-overlapping search (with its prefilter) finds where keywords are, and an
    // overlapping search runs only around each of its matches. That finds them all:
    // a keyword left out by the non-overlapping search starts after the previous match
    // and ends at or after this one's end (the search reports the match that ends
    // first), so it lies within `maxlen` bytes of that end.
    let maxlen = automaton.max_pattern_len();
    let mut left = ids.iter().filter(|&&i| !seen[i]).count();
    let mut mark = |i: usize| {
        if !seen[i] {
            seen[i] = true;
            left -= 1;
        }
        left == 0
    };
    let mut resumed = 0;
    for m in automaton.find_iter(haystack) {
        let from = resumed.max(m.end().saturating_sub(maxlen));
        // keywords close together (a session on this platform names the gateway in
        // every line): one overlapping pass over the rest reads less than windows would
        let dense = m.end() - resumed < 4 * maxlen;
        let to = if dense {
            haystack.len()
        } else {
            haystack.len().min(m.end() + maxlen)
        };
        for o in automaton.find_overlapping_iter(&haystack[from..to]) {
            if mark(ids[o.pattern().as_usize()]) {
                return;
            }
        }
        if dense {
            return;
        }
        resumed = m.end();
    }
}

/// Marks every pattern of `dfa` that occurs in `haystack`, overlapping ones too.
///
/// Each step of a DFA waits for the load of the step before it. Three cursors, each
/// over a third of the text, step in turn, so that their loads overlap: on the real
/// tree's files this reads 1.8 GB/s where one cursor (aho-corasick's overlapping
/// search, or its prefiltered search, which stops at every keyword of dense text)
/// reads 650-680 MB/s. A cursor starts the longest keyword's length less one byte
/// before its third, so a match that ends in its third is read whole by it.
fn mark_streamed(
    dfa: &DFA,
    ids: &[usize],
    haystack: &[u8],
    seen: &mut [bool],
) -> Result<(), MatchError> {
    let start = dfa.start_state(Anchored::No)?;
    let back = dfa.max_pattern_len().saturating_sub(1);
    let third = haystack.len() / 3;
    let parts = [
        &haystack[..third],
        &haystack[third.saturating_sub(back)..2 * third],
        &haystack[(2 * third).saturating_sub(back)..],
    ];
    let mut mark = |sid: StateID| {
        if dfa.is_special(sid) && dfa.is_match(sid) {
            for k in 0..dfa.match_len(sid) {
                seen[ids[dfa.match_pattern(sid, k).as_usize()]] = true;
            }
        }
    };
    let step = |sid: StateID, byte: u8| dfa.next_state(Anchored::No, sid, byte);
    let together = parts.iter().map(|p| p.len()).min().unwrap_or(0);
    let mut sid = [start; 3];
    for ((&a, &b), &c) in parts[0][..together]
        .iter()
        .zip(&parts[1][..together])
        .zip(&parts[2][..together])
    {
        sid = [step(sid[0], a), step(sid[1], b), step(sid[2], c)];
        sid.iter().for_each(|&s| mark(s));
    }
    for (part, mut s) in parts.iter().zip(sid) {
        for &byte in &part[together..] {
            s = step(s, byte);
            mark(s);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(set: &KeywordSet, keys: &[&str], text: &str) -> Vec<String> {
        set.present(text)
            .into_iter()
            .map(|i| keys[i].to_string())
            .collect()
    }

    /// The keywords `set` finds in `text` are those a plain search of its lower case finds.
    fn finds_what_a_plain_search_finds(set: &KeywordSet, keys: &[&str], text: &str) {
        let lowered = text.to_lowercase();
        let want: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| lowered.contains(k))
            .collect();
        let mut got = words(set, keys, text);
        got.sort_by_key(|w| keys.iter().position(|k| k == w));
        assert_eq!(got, want, "{text:?}");
    }

    #[test]
    fn finds_each_keyword_once_whatever_its_case() {
        let keys = ["gcloud", "deploy", "gh"];
        let set = KeywordSet::new(&keys);
        assert_eq!(
            words(&set, &keys, "GCloud run DEPLOY; gcloud again"),
            ["gcloud", "deploy"]
        );
        assert!(set.present("nothing here").is_empty());
    }

    #[test]
    fn every_keyword_in_the_text_is_found_however_they_overlap() {
        // small alphabet, keywords that nest and overlap, text in either case: the set
        // found is compared with a plain search of the lowered text for each keyword
        let keys = [
            "ab", "bab", "abab", "b", "aab", "baa", "abba", "bbbab", "aaaa",
        ];
        let set = KeywordSet::new(&keys);
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for _ in 0..20_000 {
            let len = next() % 40 + 1;
            let text: String = (0..len)
                .map(|_| match next() % 9 {
                    0..=3 => 'a',
                    4..=6 => 'b',
                    7 => 'A',
                    _ => 'B',
                })
                .collect();
            finds_what_a_plain_search_finds(&set, &keys, &text);
        }
    }

    #[test]
    fn long_texts_are_read_whole_wherever_a_keyword_lies() {
        // texts read by the three cursors, each holding the keywords planted in it
        // (some across the cuts between the cursors' thirds) and no others
        let keys = [
            "deploy",
            "deploy.sh",
            "ploy",
            "gcloud run deploy",
            "gh",
            "sh",
        ];
        let set = KeywordSet::new(&keys);
        let mut state = 11u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        for _ in 0..3000 {
            let len = 20 + next(5000) as usize;
            let mut text = vec![b'x'; len];
            for _ in 0..next(3) + 1 {
                let key = keys[next(keys.len() as u64) as usize].as_bytes();
                let at = match next(4) {
                    0 => len / 3,
                    1 => 2 * (len / 3),
                    _ => next(len as u64) as usize,
                }
                .saturating_sub(next(key.len() as u64) as usize)
                .min(len - key.len());
                for (k, &b) in key.iter().enumerate() {
                    let upper = next(2) == 0;
                    text[at + k] = if upper { b.to_ascii_uppercase() } else { b };
                }
            }
            finds_what_a_plain_search_finds(&set, &keys, &String::from_utf8(text).unwrap());
        }
    }

    #[test]
    fn a_set_too_large_for_a_dfa_finds_what_a_small_one_does() {
        // past MAX_DFA_PATTERNS the set searches with aho-corasick's own automaton
        let mut keys: Vec<String> = (0..MAX_DFA_PATTERNS).map(|i| format!("zq{i}x")).collect();
        keys.extend(["ab", "bab", "abab", "b", "aab"].map(String::from));
        let large = KeywordSet::new(&keys);
        let small = KeywordSet::new(&keys[MAX_DFA_PATTERNS..]);
        assert!(matches!(
            large.ascii.as_ref().map(Group::searcher),
            Some(Searcher::Automaton(_))
        ));
        for text in ["", "b", "abab baab", "ABAB", &"ab ".repeat(700)] {
            let want: Vec<usize> = small
                .present(text)
                .into_iter()
                .map(|i| i + MAX_DFA_PATTERNS)
                .collect();
            assert_eq!(large.present(text), want, "{text:?}");
            assert_eq!(large.any_in(text), !want.is_empty());
        }
        assert_eq!(large.present("zq17x"), [17]);
    }

    #[test]
    fn overlapping_keywords_are_all_found() {
        let keys = ["deploy", "deploy.sh", "ploy"];
        let set = KeywordSet::new(&keys);
        assert_eq!(
            words(&set, &keys, "./deploy.sh"),
            ["deploy", "deploy.sh", "ploy"]
        );
    }

    #[test]
    fn text_with_other_non_ascii_characters_is_read_as_it_is() {
        let keys = ["gcloud", "deploy", "gi"];
        let set = KeywordSet::new(&keys);
        assert_eq!(
            words(&set, &keys, "— GCLOUD run 🚀 Déploy deploy"),
            ["gcloud", "deploy"]
        );
        assert!(set.any_in("naïve GCloud"));
        // U+0130 lowers to `i` and a combining dot: only the lowered text holds `gi`
        assert_eq!(words(&set, &keys, "é G\u{130}"), ["gi"]);
        assert!(set.any_in("é G\u{130}"));
    }

    #[test]
    fn non_ascii_text_is_lowered_with_unicode_rules() {
        // U+212A KELVIN SIGN lowers to ASCII `k`, as Python's str.lower does
        let keys = ["kubectl"];
        let set = KeywordSet::new(&keys);
        assert_eq!(words(&set, &keys, "\u{212A}UBECTL apply"), ["kubectl"]);
        assert!(set.any_in("\u{212A}ubectl"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_still_searched() {
        let set = KeywordSet::new(&["gcloud"]);
        assert!(set.any_in_bytes(b"\xff\xfe gcloud run"));
        assert!(!set.any_in_bytes(b"\xff\xfe gclou"));
    }

    #[test]
    fn a_keyword_spelled_in_pieces_is_found_in_the_shell_view() {
        let keys = ["gcloud", "deploy"];
        let set = KeywordSet::new(&keys);
        assert_eq!(set.present_shell("g''cloud run deploy"), (vec![0, 1], true));
        assert_eq!(
            set.present_shell("gcloud 'run' deploy"),
            (vec![0, 1], false)
        );
        assert_eq!(set.present_shell("ls"), (vec![], false));
        assert!(set.any_in_bytes(b"$'\\x67cloud' run"));
        // a program named through names bound earlier in the text
        assert_eq!(
            set.present_shell("G=gc; ${G}loud run dep\"\"loy x"),
            (vec![0, 1], true)
        );
    }

    #[test]
    fn upper_case_keywords_never_match_lowered_text() {
        let keys = ["VTID"];
        let set = KeywordSet::new(&keys);
        assert!(set.present("VTID-0518").is_empty());
        assert!(!set.any_in("vtid"));
    }

    #[test]
    fn an_empty_keyword_is_always_present() {
        let keys = ["", "gh"];
        let set = KeywordSet::new(&keys);
        assert_eq!(set.present("plain"), [0]);
        assert!(set.any_in("plain"));
    }
}
