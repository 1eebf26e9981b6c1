//! Which added lines of a change are new (the port of `sources/git.py`'s
//! `moved_lines`/`new_lines`, run per line in Python before): a line the change also
//! deletes, whitespace aside, from a file of the same kind moved and is not new; moved
//! into another kind of file (a README line into a Makefile recipe) it is new.

use std::collections::HashMap;

use crate::keywords::KeywordSet;
use crate::pyfmt::squeeze;
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
pub fn new_lines(changes: &[Change<'_>], keywords: Option<&KeywordSet>) -> Vec<(usize, Vec<u64>)> {
    // normalised text -> kinds of file it is deleted from
    let mut moved: HashMap<String, Vec<&'static str>> = HashMap::new();
    for c in changes.iter().filter(|c| !c.deleted.is_empty()) {
        let kind = file_kind(c.old_path, "");
        for t in &c.deleted {
            let kinds = moved.entry(squeeze(t)).or_default();
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    moved.remove("");
    let mut out = Vec::new();
    let mut joined = String::new();
    for (i, c) in changes.iter().enumerate() {
        if !c.lintable || c.added.is_empty() {
            continue;
        }
        let kind = file_kind(c.new_path, "");
        let mut lines: Vec<(u64, &str)> = if moved.is_empty() {
            c.added.clone()
        } else {
            c.added
                .iter()
                .filter(|(_, t)| !moved.get(&squeeze(t)).is_some_and(|k| k.contains(&kind)))
                .copied()
                .collect()
        };
        if lines.is_empty() {
            continue;
        }
        lines.sort_unstable_by_key(|&(n, _)| n);
        if let Some(k) = keywords {
            joined.clear();
            for (j, (_, t)) in lines.iter().enumerate() {
                if j > 0 {
                    joined.push('\n');
                }
                joined.push_str(t);
            }
            if !k.any_in(&joined) {
                continue;
            }
        }
        out.push((i, lines.into_iter().map(|(n, _)| n).collect()));
    }
    out
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
}
