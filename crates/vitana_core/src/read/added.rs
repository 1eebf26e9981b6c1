//! Which added lines of a change are new (the port of `sources/git.py`'s
//! `moved_lines`/`new_lines`, run per line in Python before): a line the change also
//! deletes, whitespace aside, from a file of the same kind moved and is not new; moved
//! into another kind of file (a README line into a Makefile recipe) it is new.

use std::collections::HashMap;

use crate::keywords::KeywordSet;
use crate::pyfmt::is_space;
use crate::segment::file_kind;

/// One file diff as the reading of a change sees it.
pub struct Change<'a> {
    /// the new path, else the old one (what a diff's added lines are judged by)
    pub new_path: &'a str,
    /// the old path, else the new one (what its deleted lines are judged by)
    pub old_path: &'a str,
    /// (line number, text) of the added lines
    pub added: Vec<(u64, &'a str)>,
    pub deleted: Vec<&'a str>,
    /// text in the new version (not a deletion, submodule or symlink)
    pub lintable: bool,
}

/// The new lines of each change with any, by index: those whose text no change
/// deletes from a file of the same kind, sorted. With `keywords`, only the changes
/// whose new lines (joined by newlines) hold one of them: the others cannot add a
/// finding (`history`'s prefilter).
///
/// With the gate, a change none of whose added lines holds a keyword is passed over
/// first (its new lines are some of them), and a change list with none left costs no
/// look at the deleted lines. Deleted texts are compared word by word (Python's
/// `split()`), found by a hash of their words: no string is built per line.
pub fn new_lines(changes: &[Change<'_>], keywords: Option<&KeywordSet>) -> Vec<(usize, Vec<u64>)> {
    let mut joined = String::new();
    let join = |joined: &mut String, lines: &[(u64, &str)]| {
        joined.clear();
        for (j, (_, t)) in lines.iter().enumerate() {
            if j > 0 {
                joined.push('\n');
            }
            joined.push_str(t);
        }
    };
    // a keyword that spans a line break may appear once moved lines are left out
    let precheck = keywords.filter(|k| !k.multiline());
    let candidates: Vec<usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.lintable && !c.added.is_empty())
        .filter(|(_, c)| match precheck {
            Some(k) => {
                join(&mut joined, &c.added);
                k.any_in(&joined)
            }
            None => true,
        })
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    // words' hash -> (deleted text, kind of file it is deleted from)
    let mut moved: HashMap<u64, Vec<(&str, &'static str)>, FxBuild> = HashMap::default();
    for c in changes.iter().filter(|c| !c.deleted.is_empty()) {
        let kind = file_kind(c.old_path, "");
        for t in &c.deleted {
            let Some(h) = words_hash(t) else { continue };
            let same = moved.entry(h).or_default();
            if !same.iter().any(|&(d, k)| k == kind && same_words(d, t)) {
                same.push((t, kind));
            }
        }
    }
    let is_moved = |t: &str, kind: &str| {
        words_hash(t)
            .and_then(|h| moved.get(&h))
            .is_some_and(|same| same.iter().any(|&(d, k)| k == kind && same_words(d, t)))
    };
    let mut out = Vec::new();
    for i in candidates {
        let c = &changes[i];
        let kind = file_kind(c.new_path, "");
        let mut lines: Vec<(u64, &str)> = if moved.is_empty() {
            c.added.clone()
        } else {
            c.added
                .iter()
                .filter(|(_, t)| !is_moved(t, kind))
                .copied()
                .collect()
        };
        if lines.is_empty() {
            continue;
        }
        lines.sort_unstable_by_key(|&(n, _)| n);
        if let Some(k) = keywords {
            join(&mut joined, &lines);
            if !k.any_in(&joined) {
                continue;
            }
        }
        out.push((i, lines.into_iter().map(|(n, _)| n).collect()));
    }
    out
}

type FxBuild = rustc_hash::FxBuildHasher;

/// The words of `text` (`str.split()`).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_space).filter(|w| !w.is_empty())
}

/// A hash of the text's words (what `squeeze` keeps), or None for a blank text: a
/// blank line is never a moved one. ASCII text (nearly every line) is cut byte by byte,
/// other text by `is_space`; both hash the same words alike.
fn words_hash(text: &str) -> Option<u64> {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    let mut any = false;
    let mut add = |w: &[u8]| {
        h.write(w);
        h.write_u8(0xff); // never in UTF-8: words stay apart
        any = true;
    };
    if text.is_ascii() {
        ascii_words(text).for_each(&mut add);
    } else {
        words(text).for_each(|w| add(w.as_bytes()));
    }
    any.then(|| h.finish())
}

/// `is_space` of an ASCII byte: Python's whitespace, the separators 0x1c-0x1f with it.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | 0x1c..=0x1f | b' ')
}

/// Whether two texts are the same whitespace aside (`squeeze(a) == squeeze(b)`).
fn same_words(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return ascii_words(a).eq(ascii_words(b));
    }
    words(a).eq(words(b))
}

/// The words of an ASCII text, cut byte by byte.
fn ascii_words(text: &str) -> impl Iterator<Item = &[u8]> {
    text.as_bytes()
        .split(|&b| is_ascii_space(b))
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change<'a>(path: &'a str, added: &[(u64, &'a str)], deleted: &[&'a str]) -> Change<'a> {
        Change {
            new_path: path,
            old_path: path,
            added: added.to_vec(),
            deleted: deleted.to_vec(),
            lintable: true,
        }
    }

    #[test]
    fn a_line_moved_within_a_kind_is_not_new() {
        let changes = [
            change("a.sh", &[(3, "gcloud  run deploy"), (4, "echo hi")], &[]),
            change("b.sh", &[], &["  gcloud run\tdeploy "]),
        ];
        assert_eq!(new_lines(&changes, None), [(0, vec![4])]);
    }

    #[test]
    fn a_line_moved_into_another_kind_of_file_is_new() {
        let changes = [
            change("release.sh", &[(1, "gcloud run deploy")], &[]),
            change("notes.txt", &[], &["gcloud run deploy"]),
        ];
        assert_eq!(new_lines(&changes, None), [(0, vec![1])]);
    }

    #[test]
    fn the_keyword_gate_keeps_changes_whose_new_lines_hold_one() {
        let keywords = KeywordSet::new(&["gcloud"]);
        let changes = [
            change("a.txt", &[(2, "nothing"), (1, "GCloud here")], &[]),
            change("b.txt", &[(1, "nothing at all")], &[]),
            Change {
                lintable: false,
                ..change("c.txt", &[(1, "gcloud")], &[])
            },
        ];
        assert_eq!(new_lines(&changes, Some(&keywords)), [(0, vec![1, 2])]);
        assert_eq!(new_lines(&changes, None), [(0, vec![1, 2]), (1, vec![1])]);
    }

    #[test]
    fn a_keyword_across_a_line_break_is_found_once_moved_lines_are_left_out() {
        // "gcloud\nrun" is in the new lines "gcloud", "run" (joined), not in all three added
        let keywords = KeywordSet::new(&["gcloud\nrun"]);
        let changes = [
            change("a.sh", &[(1, "gcloud"), (2, "echo moved"), (3, "run")], &[]),
            change("b.sh", &[], &["echo   moved"]),
        ];
        assert_eq!(new_lines(&changes, Some(&keywords)), [(0, vec![1, 3])]);
    }

    #[test]
    fn only_changes_with_a_keyword_in_their_added_lines_pass_the_gate() {
        let keywords = KeywordSet::new(&["gcloud"]);
        let changes = [
            change("a.sh", &[(1, "echo one")], &["gcloud run deploy"]),
            change("b.sh", &[(1, "gcloud run deploy"), (2, "")], &[""]),
            change("c.sh", &[(4, "  gcloud run deploy")], &[]),
        ];
        // b's line is moved from a (same kind), c's too; a blank line is never moved
        assert_eq!(new_lines(&changes, Some(&keywords)), []);
        assert_eq!(new_lines(&changes, None), [(0, vec![1]), (1, vec![2])]);
    }

    #[test]
    fn ascii_and_other_text_hash_their_words_alike() {
        for b in 0u8..128 {
            assert_eq!(is_ascii_space(b), is_space(b as char), "{b:#x}");
        }
        // the same words, spaced by ASCII or by a no-break space
        assert_eq!(
            words_hash("gcloud  run\tdeploy"),
            words_hash("gcloud\u{a0}run deploy")
        );
        assert_ne!(words_hash("gcloud run"), words_hash("gcloudrun"));
        assert_eq!(words_hash(" \t\u{1f}"), None);
        let changes = [
            change("a.sh", &[(1, "gcloud run deploy")], &[]),
            change("b.sh", &[], &["gcloud\u{a0}run\u{2003}deploy"]),
        ];
        assert_eq!(new_lines(&changes, None), []);
    }
}
