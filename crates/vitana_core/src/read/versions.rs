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
/// ones, from the last hunk to the first so that earlier indexes stay valid. Bounds
/// read as Python's slices read them (a malformed hunk rebuilds something; the id
/// check refuses it).
pub fn older(content: &[u8], hunks: &[Hunk<'_>]) -> Vec<u8> {
    older_sized(content, hunks).0
}

/// `older`, with the `held_size` of what it gives, counted from the lines it cut
/// rather than by cutting them again.
pub fn older_sized(content: &[u8], hunks: &[Hunk<'_>]) -> (Vec<u8>, usize) {
    let mut ls = lines(content);
    for (start, count, old) in hunks.iter().rev() {
        let (a, b) = slice_bounds(*start, start.saturating_add(*count), ls.len());
        ls.splice(a..b, old.iter().copied());
    }
    // a piece without its newline joins the next one: a line ends at each newline,
    // and one more follows the last newline when something does
    let ended = ls.iter().filter(|l| l.ends_with(b"\n")).count();
    let tail = ls.last().is_some_and(|l| !l.ends_with(b"\n"));
    let out = ls.concat();
    let size = out.len() + 41 * (ended + usize::from(tail));
    (out, size)
}

/// Memory a version costs in the Python store's accounting: its bytes, and 41 bytes a
/// line beside them (a bytes object, a list slot).
pub fn held_size(content: &[u8]) -> usize {
    content.len() + 41 * lines(content).len()
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
}
