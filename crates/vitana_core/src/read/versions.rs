//! Older file versions rebuilt from `git log -p -U0` hunks, checked against git's ids.
//!
//! `history` reads newest first: each file diff says how the commit's version of a file
//! differs from its parent's, so the parent's version is the commit's with each hunk's
//! new lines put back to its old ones. Python keeps the plan (which version to read
//! from git, which to keep, the memory budget); this module does the work that grows
//! with the file: cutting lines, splicing hunks and hashing the result, which must be
//! the object id git recorded (`blob <size>\0<content>`) before anything is scanned.

use sha1::{Digest, Sha1};

/// The id git gives a blob with this content (SHA-1).
pub fn object_id(data: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", data.len()).as_bytes());
    h.update(data);
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// Lines as git counts them, each ended by `\n` only (a lone `\r` stays inside).
pub fn lines(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i + 1);
        out.push(&data[pos..end]);
        pos = end;
    }
    out
}

/// A hunk as the rebuild needs it: (index of its first new line, its count of new
/// lines, its old lines).
pub type Hunk<'a> = (i64, i64, Vec<&'a [u8]>);

/// Python's slice bounds for `lines[start:stop]` on a list of `len` items.
fn slice_bounds(start: i64, stop: i64, len: usize) -> (usize, usize) {
    let len = len as i64;
    let clamp = |i: i64| {
        if i < 0 {
            (i + len).max(0)
        } else {
            i.min(len)
        }
    };
    let (a, b) = (clamp(start), clamp(stop));
    (a as usize, b.max(a) as usize)
}

/// The parent's version from the commit's: each hunk's new lines replaced by its old
/// ones. Bounds read as Python's slices read them (a malformed hunk rebuilds
/// something; the id check refuses it).
pub fn older(content: &[u8], hunks: &[Hunk<'_>]) -> Vec<u8> {
    older_sized(content, hunks).0
}

/// `older`, with the `held_size` of what it gives.
///
/// Hunks as git writes them (in order, apart, inside the file) are applied in one
/// forward pass that copies the unchanged runs whole: a 2.5 MB file changed in a few
/// places costs a copy, not a slice per line and a move of the rest per hunk. Any
/// other list of hunks (a malformed patch) takes the general splice below, which reads
/// bounds as Python's slices read them.
pub fn older_sized(content: &[u8], hunks: &[Hunk<'_>]) -> (Vec<u8>, usize) {
    let out = older_in_order(content, hunks).unwrap_or_else(|| older_spliced(content, hunks));
    let size = held_size_counted(&out);
    (out, size)
}

/// The byte offset `n` lines after `pos` (a line ends after `\n`, or at the end), or
/// None when fewer than `n` lines follow. Newlines are counted a block at a time (the
/// vectorised count), and looked for one by one only in the block where the n-th ends.
fn skip_lines(content: &[u8], pos: usize, n: usize) -> Option<usize> {
    const BLOCK: usize = 4096;
    let (mut pos, mut left) = (pos, n);
    while left > 0 {
        if pos >= content.len() {
            return None;
        }
        let end = (pos + BLOCK).min(content.len());
        let block = &content[pos..end];
        let k = memchr::memchr_iter(b'\n', block).count();
        if k < left && end < content.len() {
            (pos, left) = (end, left - k);
            continue;
        }
        return match memchr::memchr_iter(b'\n', block).nth(left - 1) {
            Some(i) => Some(pos + i + 1),
            // the last line has no newline: it is the one wanted if it is next
            None if k == left - 1 && !content.ends_with(b"\n") => Some(content.len()),
            None => None,
        };
    }
    Some(pos)
}

/// The forward pass of `older_sized`, or None when the hunks are not in order, overlap
/// or reach past the file.
fn older_in_order(content: &[u8], hunks: &[Hunk<'_>]) -> Option<Vec<u8>> {
    let old_bytes: usize = hunks.iter().flat_map(|h| h.2.iter()).map(|l| l.len()).sum();
    let mut out = Vec::with_capacity(content.len() + old_bytes);
    let (mut pos, mut line) = (0usize, 0usize);
    for (start, count, old) in hunks {
        let start = usize::try_from(*start).ok()?;
        let count = usize::try_from(*count).ok()?;
        let begin = skip_lines(content, pos, start.checked_sub(line)?)?;
        let end = skip_lines(content, begin, count)?;
        out.extend_from_slice(&content[pos..begin]);
        for l in old {
            out.extend_from_slice(l);
        }
        (pos, line) = (end, start + count);
    }
    out.extend_from_slice(&content[pos..]);
    Some(out)
}

/// Every hunk's new lines replaced by its old ones on the list of lines, from the last
/// hunk to the first so that earlier indexes stay valid.
fn older_spliced(content: &[u8], hunks: &[Hunk<'_>]) -> Vec<u8> {
    let mut ls = lines(content);
    for (start, count, old) in hunks.iter().rev() {
        let (a, b) = slice_bounds(*start, start.saturating_add(*count), ls.len());
        ls.splice(a..b, old.iter().copied());
    }
    ls.concat()
}

/// `held_size`'s count, without cutting the lines: a piece without its newline joins the
/// next one, so a version has a line per newline and one more after the last newline
/// when something follows it.
fn held_size_counted(content: &[u8]) -> usize {
    let ended = memchr::memchr_iter(b'\n', content).count();
    let tail = !content.is_empty() && !content.ends_with(b"\n");
    content.len() + 41 * (ended + usize::from(tail))
}

/// Memory a version costs in the Python store's accounting: its bytes, and 41 bytes a
/// line beside them (a bytes object, a list slot).
pub fn held_size(content: &[u8]) -> usize {
    held_size_counted(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_gits() {
        assert_eq!(object_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        assert_eq!(
            object_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn lines_end_at_newline_only() {
        assert_eq!(lines(b"a\rb\nc"), [&b"a\rb\n"[..], b"c"]);
        assert!(lines(b"").is_empty());
    }

    #[test]
    fn hunks_put_back_the_old_lines() {
        // new: zero one three four ; old: one two three
        let hunks = vec![(0, 1, vec![]), (2, 0, vec![&b"two\n"[..]]), (3, 1, vec![])];
        assert_eq!(
            older(b"zero\none\nthree\nfour\n", &hunks),
            b"one\ntwo\nthree\n"
        );
    }

    #[test]
    fn out_of_range_hunks_slice_as_python_does() {
        assert_eq!(older(b"a\n", &[(5, 2, vec![&b"x\n"[..]])]), b"a\nx\n");
        assert_eq!(
            older(b"a\nb\n", &[(-1, 1, vec![&b"x\n"[..]])]),
            b"a\nx\nb\n"
        );
        assert_eq!(held_size(b"a\nb"), 3 + 82);
    }

    #[test]
    fn older_sized_counts_as_held_size_does() {
        let cases: Vec<(&[u8], Vec<Hunk<'_>>)> = vec![
            (
                b"zero\none\nthree\nfour\n",
                vec![(0, 1, vec![]), (2, 0, vec![&b"two\n"[..]])],
            ),
            (b"a\nb", vec![(1, 1, vec![&b"x"[..]])]),
            (b"a\nb\n", vec![(0, 1, vec![&b"x"[..]])]),
            (b"a\n", vec![(0, 1, vec![])]),
        ];
        for (content, hunks) in cases {
            let (out, size) = older_sized(content, &hunks);
            assert_eq!(out, older(content, &hunks));
            assert_eq!(size, held_size(&out), "{:?}", String::from_utf8_lossy(&out));
        }
    }

    #[test]
    fn the_forward_pass_rebuilds_what_the_splice_does() {
        let content: &[u8] = b"l0\nl1\nl2\nl3\nl4\nl5";
        let x: &[u8] = b"x\n";
        let y: &[u8] = b"y";
        let cases: Vec<Vec<Hunk<'_>>> = vec![
            vec![],
            vec![(0, 0, vec![x])],
            vec![(0, 6, vec![x, y])],
            vec![(1, 2, vec![]), (3, 0, vec![x]), (5, 1, vec![y])],
            vec![(6, 0, vec![x])],
            vec![(2, 1, vec![x]), (3, 1, vec![x, x])],
        ];
        for hunks in cases {
            let forward = older_in_order(content, &hunks).expect("hunks in order");
            assert_eq!(forward, older_spliced(content, &hunks), "{hunks:?}");
        }
        assert_eq!(
            older(b"a\nb\nc\n", &[(1, 1, vec![x])]),
            b"a\nx\nc\n".to_vec()
        );
    }

    #[test]
    fn hunks_out_of_order_or_past_the_end_take_the_splice() {
        let content: &[u8] = b"a\nb\nc\n";
        let x: &[u8] = b"x\n";
        let odd: Vec<Vec<Hunk<'_>>> = vec![
            vec![(2, 1, vec![]), (0, 1, vec![x])], // out of order
            vec![(0, 2, vec![]), (1, 1, vec![x])], // overlapping
            vec![(3, 1, vec![x])],                 // past the last line
            vec![(5, 0, vec![x])],
            vec![(-1, 1, vec![x])],
        ];
        for hunks in odd {
            assert!(older_in_order(content, &hunks).is_none(), "{hunks:?}");
            let (out, size) = older_sized(content, &hunks);
            assert_eq!(out, older_spliced(content, &hunks));
            assert_eq!(size, held_size(&out));
        }
    }

    #[test]
    fn lines_are_skipped_across_blocks() {
        let content: Vec<u8> = (0..3000)
            .flat_map(|k| format!("line {k}\n").into_bytes())
            .collect();
        let ls = lines(&content);
        let offset = |n: usize| ls[..n].iter().map(|l| l.len()).sum::<usize>();
        for (pos_line, n) in [(0, 0), (0, 1), (0, 2999), (0, 3000), (17, 1500), (2999, 1)] {
            assert_eq!(
                skip_lines(&content, offset(pos_line), n),
                Some(offset(pos_line + n))
            );
        }
        assert_eq!(skip_lines(&content, 0, 3001), None);
        let mut open = content.clone();
        open.extend_from_slice(b"no newline");
        assert_eq!(skip_lines(&open, offset(2990), 11), Some(open.len()));
        assert_eq!(skip_lines(&open, offset(2990), 12), None);
    }
}
