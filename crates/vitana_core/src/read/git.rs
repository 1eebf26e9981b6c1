//! The reader of git's diff output: `git diff -U0`, `git log -p -U0` and any patch file.
//!
//! Python spawns git (which plumbing, which arguments, resuming past a missing object)
//! and hands this module git's stdout in whatever pieces the pipe gives; this module
//! cuts it into commits and file diffs, as bytes:
//! - lines end at `\n` only, as git counts them: a lone `\r` inside a line is content,
//!   and a `\r` before the `\n` (CRLF files) is dropped from the texts only;
//! - hunk lines are counted, so a removed line reading `--- x` is not a header;
//! - a commit opens with a mark carrying a per-process nonce and its message ends at a
//!   line carrying it too, so no message can forge a commit or a file diff;
//! - a file diff whose hunks cannot matter (see [`Skim`]: a path history skips, or
//!   hunks holding no keyword) is summarised, not parsed line by line.
//!
//! Paths are kept as the bytes git names (after C-unquoting): Python decodes them with
//! `surrogateescape`, which no Rust string can hold.

use memchr::memmem;

use crate::keywords::KeywordSet;

/// One hunk's place in the new version and its old lines, raw (each with its `\n`,
/// but the last line of a file without one): enough to rebuild the old version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hunk {
    /// index (0-based) of the hunk's first new line; git numbers an empty new side by
    /// the line it follows
    pub start: i64,
    /// how many new lines the hunk replaces (as its header says)
    pub count: i64,
    pub old: Vec<Vec<u8>>,
}

/// One file of a patch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDiff {
    pub old_path: Option<Vec<u8>>,
    pub new_path: Option<Vec<u8>>,
    /// full shas with `--full-index`, else abbreviated
    pub old_blob: Option<String>,
    pub new_blob: Option<String>,
    pub new_mode: Option<String>,
    /// added lines: (line number, text), in the order read; a number read twice keeps
    /// its first place and its last text (as a Python dict does)
    pub added: Vec<(i64, String)>,
    /// the deleted lines' texts (to tell moved lines from new ones)
    pub deleted: Vec<String>,
    pub hunks: Vec<Hunk>,
    pub binary: bool,
    pub is_new: bool,
    pub is_deleted: bool,
    /// hunks skimmed, not read, and they add lines: `added` and `hunks` stay empty
    pub summarised: bool,
    /// a skimmed diff's hunks as git wrote them (not for a skipped path): read only if
    /// an older version is rebuilt across it ([`hunks_of`])
    pub unread: Vec<u8>,
    /// `added` no longer ascends (a malformed patch): a number may be read twice
    unordered: bool,
}

impl FileDiff {
    fn add(&mut self, line: i64, text: String) {
        if !self.unordered {
            match self.added.last() {
                Some(&(last, _)) if line <= last => self.unordered = true,
                _ => return self.added.push((line, text)),
            }
        }
        // a number read twice keeps its first place and its last text (a Python dict)
        if let Some(slot) = self.added.iter_mut().rev().find(|(n, _)| *n == line) {
            slot.1 = text;
        } else {
            self.added.push((line, text));
        }
    }
}

/// One commit of `git log` output in the format [`log_format`] gives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommitDiff {
    pub sha: String,
    pub parents: Vec<String>,
    pub author: String,
    pub author_email: String,
    pub committer: String,
    pub committer_email: String,
    /// committer date, unix seconds
    pub time: i64,
    pub message: String,
    pub files: Vec<FileDiff>,
}

/// What the reader asks before it parses a file diff's hunks line by line: a file diff
/// it clears is summarised ([`FileDiff::summarised`]).
pub trait Skim {
    /// The file (its new path, else its old one) is not linted: its hunks never matter.
    fn skips(&mut self, path: &[u8]) -> bool;
    /// The hunks may hold a line worth reading.
    fn may_matter(&mut self, hunks: &[u8]) -> bool;
}

/// The skim as data: a path test and the keyword gate of `history`.
pub struct SkimRules<F: FnMut(&[u8]) -> bool> {
    pub skips: F,
    /// hunks without any of these keywords (nor in their shell view) cannot matter;
    /// None: every hunk may matter (a prefilter that does not see lines on their own)
    pub keywords: Option<KeywordSet>,
}

/// No skim: every file diff is parsed.
pub struct NoSkim;

impl Skim for NoSkim {
    fn skips(&mut self, _path: &[u8]) -> bool {
        false
    }

    fn may_matter(&mut self, _hunks: &[u8]) -> bool {
        true
    }
}

impl<F: FnMut(&[u8]) -> bool> Skim for SkimRules<F> {
    fn skips(&mut self, path: &[u8]) -> bool {
        (self.skips)(path)
    }

    fn may_matter(&mut self, hunks: &[u8]) -> bool {
        self.keywords
            .as_ref()
            .map_or(true, |k| k.any_in_bytes(hunks))
    }
}

// --------------------------------------------------------------------------- lines

/// Lines ended by `\n` only (each keeps it), as Python's `BytesIO` iterates them.
struct Lines<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lines<'a> {
    fn new(data: &'a [u8]) -> Self {
        Lines { data, pos: 0 }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        self.pos += end;
        Some(&rest[..end])
    }
}

fn rstrip<'a>(mut s: &'a [u8], chars: &[u8]) -> &'a [u8] {
    while let Some((last, rest)) = s.split_last() {
        if !chars.contains(last) {
            break;
        }
        s = rest;
    }
    s
}

/// Text of bytes, invalid sequences as U+FFFD (`utf8::lossy`), owned.
fn lossy(bytes: &[u8]) -> String {
    crate::utf8::lossy(bytes).into_owned()
}

fn strip_prefix(path: Vec<u8>, prefix: &[u8]) -> Vec<u8> {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.to_vec(),
        None => path,
    }
}

// --------------------------------------------------------------------------- paths

/// A path as git prints it: C-quoted (`"a\tb"`, `"\303\251"`) when it has odd bytes;
/// a trailing tab (git adds one after ---/+++ names holding a space) and trailing
/// `\r`s are dropped.
pub fn unquote_path(raw: &[u8]) -> Vec<u8> {
    let mut raw = rstrip(raw, b"\r");
    if let Some(rest) = raw.strip_suffix(b"\t") {
        raw = rest;
    }
    if raw.len() < 2 || raw[0] != b'"' || raw[raw.len() - 1] != b'"' {
        return raw.to_vec();
    }
    let body = &raw[1..raw.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == b'\\' && i + 1 < body.len() {
            let n = body[i + 1];
            if (b'0'..=b'7').contains(&n) && i + 4 <= body.len() {
                if let Some(v) = octal(&body[i + 1..i + 4]) {
                    out.push((v & 0xFF) as u8);
                    i += 4;
                    continue;
                }
            }
            out.push(match n {
                b'n' => b'\n',
                b't' => b'\t',
                b'a' => 7,
                b'b' => 8,
                b'f' => 12,
                b'r' => b'\r',
                b'v' => 11,
                other => other, // `\"`, `\\` and any other escaped byte stand for themselves
            });
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Three bytes read as an octal number the way Python's `int(x, 8)` reads them
/// (surrounding ASCII whitespace and single underscores between digits allowed).
fn octal(digits: &[u8]) -> Option<u32> {
    let s = rstrip(digits, b" \t\n\r\x0b\x0c");
    if s.is_empty() || s[0] == b'_' || s[s.len() - 1] == b'_' {
        return None;
    }
    let mut v = 0u32;
    let mut prev_underscore = false;
    for &b in s {
        if b == b'_' {
            if prev_underscore {
                return None;
            }
            prev_underscore = true;
            continue;
        }
        prev_underscore = false;
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        v = v * 8 + u32::from(b - b'0');
    }
    Some(v)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Paths of `diff --git a/X b/Y` (only needed when no ---/+++ lines follow).
pub fn header_paths(rest: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let rest = rstrip(rest, b"\n");
    let pair = |a: &[u8], b: &[u8]| {
        (
            Some(strip_prefix(unquote_path(a), b"a/")),
            Some(strip_prefix(unquote_path(b), b"b/")),
        )
    };
    if rest.first() == Some(&b'"') {
        // a quoted name (the first unescaped quote closes it), whitespace, the other
        let mut i = 1;
        let mut closed = None;
        while i < rest.len() {
            match rest[i] {
                b'\\' if i + 1 < rest.len() && rest[i + 1] != b'\n' => i += 2,
                b'\\' => break,
                b'"' => {
                    closed = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        if let Some(q) = closed {
            let after = &rest[q + 1..];
            let ws = after.iter().take_while(|&&b| is_space(b)).count();
            if ws > 0 {
                return pair(&rest[..q + 1], &after[ws..]);
            }
        }
    }
    let n = rest.len();
    if n % 2 == 1 {
        let half = (n - 1) / 2;
        let (a, b) = (&rest[..half], &rest[half + 1..]);
        if a.get(2..).unwrap_or(b"") == b.get(2..).unwrap_or(b"") {
            return pair(a, b);
        }
    }
    // `\S+ ` then the rest
    let word = rest.iter().take_while(|&&b| !is_space(b)).count();
    if word > 0 && rest.get(word) == Some(&b' ') {
        return pair(&rest[..word], &rest[word + 1..]);
    }
    (None, None)
}

// --------------------------------------------------------------------------- parser

/// Numbers beyond this are not read as line numbers (Python's ints have no bound; no
/// file has 10^17 lines).
const MAX_NUMBER: i64 = 1 << 56;

fn number(s: &[u8]) -> Option<(i64, &[u8])> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in &s[..digits] {
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
        if v > MAX_NUMBER {
            return None;
        }
    }
    Some((v, &s[digits..]))
}

/// `@@ -A[,B] +C[,D] @@`: (old count, new start, new count).
fn hunk_header(line: &[u8]) -> Option<(i64, i64, i64)> {
    let s = line.strip_prefix(b"@@ -")?;
    let (_, mut s) = number(s)?;
    let mut old_count = 1;
    if let Some(r) = s.strip_prefix(b",") {
        (old_count, s) = number(r)?;
    }
    let s = s.strip_prefix(b" +")?;
    let (new_start, mut s) = number(s)?;
    let mut new_count = 1;
    if let Some(r) = s.strip_prefix(b",") {
        (new_count, s) = number(r)?;
    }
    s.strip_prefix(b" @@")?;
    Some((old_count, new_start, new_count))
}

/// FileDiffs of a unified diff, read line by line.
pub fn parse_patch(data: &[u8]) -> Vec<FileDiff> {
    let mut it = Lines::new(data);
    let mut out = Vec::new();
    let mut current: Option<FileDiff> = None;
    // the `diff --git` line's paths: used only when no ---/+++ line names them
    let mut header: &[u8] = b"";
    let mut raw = it.next();
    while let Some(line) = raw {
        let c = line.first().copied();
        if c == Some(b'@') {
            if let (Some(cur), Some(h)) = (current.as_mut(), hunk_header(line)) {
                // a line that cannot be the hunk's ends it early and is read as a header
                raw = open_hunk(h, &mut it, cur).or_else(|| it.next());
                continue;
            }
        }
        if line.starts_with(b"diff --git ") {
            if let Some(cur) = current.take() {
                out.push(named(cur, header));
            }
            current = Some(FileDiff::default());
            header = &line[b"diff --git ".len()..];
        } else if line.starts_with(b"--- ") {
            let cur = match current.take() {
                Some(cur) if cur.added.is_empty() && cur.deleted.is_empty() => cur,
                Some(cur) => {
                    out.push(named(cur, header));
                    FileDiff::default()
                }
                None => FileDiff::default(),
            };
            let cur = current.insert(cur);
            let name = rstrip(&line[4..], b"\n");
            if rstrip(name, b"\t\r") == b"/dev/null" {
                cur.is_new = true;
                cur.old_path = None;
            } else {
                cur.old_path = Some(strip_prefix(unquote_path(name), b"a/"));
            }
            header = b"";
        } else if let Some(cur) = current.as_mut() {
            if c != Some(b'\\') {
                // not "\ No newline at end of file"
                header_line(cur, line);
                if line.starts_with(b"+++ ")
                    || line.starts_with(b"rename ")
                    || line.starts_with(b"copy ")
                {
                    header = b"";
                }
            }
        }
        raw = it.next();
    }
    if let Some(cur) = current {
        out.push(named(cur, header));
    }
    out
}

/// A file diff whose paths only its `diff --git` line gives (no ---/+++ lines: binary,
/// mode or empty-file changes) takes them from there.
fn named(mut current: FileDiff, header: &[u8]) -> FileDiff {
    if !header.is_empty() {
        let (old, new) = header_paths(header);
        if !current.is_new {
            current.old_path = old;
        }
        if !current.is_deleted {
            current.new_path = new;
        }
    }
    current
}

/// Reads the hunk whose header gave `h` into `current`; returns the line read after it
/// that is not the hunk's, if any.
fn open_hunk<'a>(
    (old_left, new_start, new_left): (i64, i64, i64),
    it: &mut Lines<'a>,
    current: &mut FileDiff,
) -> Option<&'a [u8]> {
    let start = if new_left != 0 {
        new_start - 1
    } else {
        new_start
    };
    current.hunks.push(Hunk {
        start,
        count: new_left,
        old: Vec::new(),
    });
    let at = current.hunks.len() - 1;
    hunk(it, current, at, old_left, new_left, new_start)
}

/// Reads the lines of one hunk, counting them so that a removed line reading `--- x` is
/// not taken for a header. A malformed hunk ends at the first line that cannot be one.
fn hunk<'a>(
    it: &mut Lines<'a>,
    current: &mut FileDiff,
    at: usize,
    mut old_left: i64,
    mut new_left: i64,
    mut new_line: i64,
) -> Option<&'a [u8]> {
    // whether the line before a "\ No newline" marker was an old one
    let mut last_old = false;
    let no_newline = |current: &mut FileDiff, last_old: bool| {
        if last_old {
            if let Some(last) = current.hunks[at].old.last_mut() {
                if last.last() == Some(&b'\n') {
                    last.pop();
                }
            }
        }
    };
    while old_left > 0 || new_left > 0 {
        let raw = it.next()?;
        match raw.first() {
            Some(&c @ (b'+' | b'-')) => {
                let mut body = rstrip(&raw[1..], b"\n");
                if let Some(b) = body.strip_suffix(b"\r") {
                    body = b;
                }
                if c == b'+' {
                    current.add(new_line, lossy(body));
                    new_line += 1;
                    new_left -= 1;
                    last_old = false;
                } else {
                    current.deleted.push(lossy(body));
                    current.hunks[at].old.push(raw[1..].to_vec());
                    old_left -= 1;
                    last_old = true;
                }
            }
            Some(b' ') | Some(b'\n') => {
                let old = if raw[0] == b' ' { &raw[1..] } else { b"\n" };
                current.hunks[at].old.push(old.to_vec());
                new_line += 1;
                new_left -= 1;
                old_left -= 1;
                last_old = true;
            }
            Some(b'\\') => no_newline(current, last_old),
            _ => return Some(raw),
        }
    }
    // the marker may also follow the hunk's last line
    let raw = it.next()?;
    if raw[0] == b'\\' {
        no_newline(current, last_old);
        return None;
    }
    Some(raw)
}

/// The extended header lines of a file's diff (modes, renames, blob ids, binary).
fn header_line(current: &mut FileDiff, raw: &[u8]) {
    if let Some(name) = raw.strip_prefix(b"+++ ") {
        let name = rstrip(name, b"\n");
        if rstrip(name, b"\t\r") == b"/dev/null" {
            current.is_deleted = true;
        } else {
            current.new_path = Some(strip_prefix(unquote_path(name), b"b/"));
        }
        return;
    }
    let line = rstrip(raw, b"\n");
    if let Some(rest) = line.strip_prefix(b"index ") {
        let parts: Vec<&[u8]> = rest
            .split(|&b| is_space(b))
            .filter(|p| !p.is_empty())
            .collect();
        if let Some(ids) = parts.first() {
            if let Some(i) = memmem::find(ids, b"..") {
                current.old_blob = Some(lossy(&ids[..i]));
                current.new_blob = Some(lossy(&ids[i + 2..]));
            }
        }
        if let Some(mode) = parts.get(1) {
            current.new_mode = Some(lossy(mode));
        }
    } else if let Some(mode) = line.strip_prefix(b"new file mode ") {
        current.is_new = true;
        current.new_mode = Some(lossy(mode));
    } else if line.starts_with(b"deleted file mode ") {
        current.is_deleted = true;
    } else if let Some(mode) = line.strip_prefix(b"new mode ") {
        current.new_mode = Some(lossy(mode));
    } else if let Some(name) = line
        .strip_prefix(b"rename to ")
        .or_else(|| line.strip_prefix(b"copy to "))
    {
        current.new_path = Some(unquote_path(name));
    } else if let Some(name) = line
        .strip_prefix(b"rename from ")
        .or_else(|| line.strip_prefix(b"copy from "))
    {
        current.old_path = Some(unquote_path(name));
    } else if line.starts_with(b"Binary files ") || line == b"GIT binary patch" {
        current.binary = true;
    }
}

// --------------------------------------------------------------------------- git's own output

/// FileDiffs of git's own diff output (every file begins with `diff --git`); with
/// `skim`, those it clears are summarised.
pub fn read_git_patch(data: &[u8], skim: &mut dyn Skim) -> Vec<FileDiff> {
    files(data, 0, skim)
}

/// The file diffs of a commit's patch (`chunk` from `start` on).
fn files(chunk: &[u8], start: usize, skim: &mut dyn Skim) -> Vec<FileDiff> {
    let mut out = Vec::new();
    let mut at = next_file(chunk, start);
    while let Some(a) = at {
        let nxt = next_file(chunk, a + 1);
        let end = nxt.unwrap_or(chunk.len());
        // where the hunks start
        let h = memmem::find(&chunk[a..end], b"\n@@").map_or(end, |i| a + i + 1);
        let head = &chunk[a..h];
        let plain = plain_header(head);
        let mut diffs = match &plain {
            Some(d) => vec![d.clone()],
            None => parse_patch(head),
        };
        if h < end {
            let path = diffs.last().and_then(|d| {
                [&d.new_path, &d.old_path]
                    .into_iter()
                    .flatten()
                    .find(|p| !p.is_empty())
                    .cloned()
            });
            let skipped = path.is_some_and(|p| skim.skips(&p));
            // a skipped file's hunks are never copied
            let body: &[u8] = if skipped { b"" } else { &chunk[h..end] };
            let summarise = skipped || !skim.may_matter(body);
            if summarise {
                let adds = memmem::find(&chunk[h - 1..end], b"\n+").is_some();
                let deleted = deleted_lines(body);
                for d in &mut diffs {
                    d.deleted = deleted.clone();
                    d.summarised = adds;
                    d.unread = body.to_vec();
                }
            } else {
                let quick = plain.and_then(|mut d| read_hunks(body, &mut d).then_some(d));
                diffs = match quick {
                    Some(d) => vec![d],
                    None => parse_patch(&chunk[a..end]),
                };
            }
        }
        out.append(&mut diffs);
        at = nxt;
    }
    out
}

/// Texts of the lines starting with `-` (one `\r` before the line end dropped).
fn deleted_lines(body: &[u8]) -> Vec<String> {
    Lines::new(body)
        .filter_map(|line| line.strip_prefix(b"-"))
        .map(|l| {
            let l = l.strip_suffix(b"\n").unwrap_or(l);
            lossy(l.strip_suffix(b"\r").unwrap_or(l))
        })
        .collect()
}

/// Where the next file diff starts at or after `pos`. A hunk line starts with ' ',
/// '+', '-' or '\', so "diff --git " at a line start begins a file.
fn next_file(chunk: &[u8], pos: usize) -> Option<usize> {
    if pos == 0 && chunk.starts_with(b"diff --git ") {
        return Some(0);
    }
    let from = pos.saturating_sub(1).min(chunk.len());
    memmem::find(&chunk[from..], b"\ndiff --git ").map(|i| from + i + 1)
}

/// A file diff's hunks, read now if they were skimmed.
pub fn hunks_of(d: &mut FileDiff) -> &[Hunk] {
    if !d.unread.is_empty() {
        let mut read = FileDiff::default();
        d.hunks = if read_hunks(&d.unread, &mut read) {
            read.hunks
        } else {
            Vec::new()
        };
        d.unread = Vec::new();
    }
    &d.hunks
}

/// The header git writes for most file diffs of `log -p --full-index --no-renames`,
/// read at once:
/// `diff --git ...\n[(new|deleted) file mode M\n]index X..Y[ M]\n--- (a/P|/dev/null)\n+++ (b/P|/dev/null)\n`
/// and nothing after. Anything else (quoted or tabbed paths, mode changes, binary
/// files) takes the parser.
fn plain_header(head: &[u8]) -> Option<FileDiff> {
    let mut rest = head.strip_prefix(b"diff --git ")?;
    let line = |rest: &mut &[u8]| -> Option<Vec<u8>> {
        let i = memchr::memchr(b'\n', rest)?;
        let l = rest[..i].to_vec();
        *rest = &rest[i + 1..];
        Some(l)
    };
    line(&mut rest)?;
    let mut d = FileDiff::default();
    let mut kind = None;
    let mut file_mode = None;
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let hex = |s: &[u8]| !s.is_empty() && s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let mut l = line(&mut rest)?;
    for (word, k) in [
        (&b"new file mode "[..], "new"),
        (b"deleted file mode ", "deleted"),
    ] {
        if let Some(m) = l.strip_prefix(word) {
            if !digits(m) {
                return None;
            }
            kind = Some(k);
            file_mode = Some(lossy(m));
            l = line(&mut rest)?;
            break;
        }
    }
    let index = l.strip_prefix(b"index ")?;
    let dots = memmem::find(index, b"..")?;
    let (old, tail) = (&index[..dots], &index[dots + 2..]);
    let (new, mode) = match memchr::memchr(b' ', tail) {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    if !hex(old) || !hex(new) || mode.is_some_and(|m| !digits(m)) {
        return None;
    }
    d.old_blob = Some(lossy(old));
    d.new_blob = Some(lossy(new));
    d.new_mode = match mode {
        Some(m) => Some(lossy(m)),
        None if kind == Some("new") => file_mode,
        None => None,
    };
    let name = |l: &[u8], prefix: &[u8]| -> Option<Option<Vec<u8>>> {
        if l == b"/dev/null" {
            return Some(None);
        }
        let p = l.strip_prefix(prefix)?;
        let plain = !p.is_empty() && !p.iter().any(|b| matches!(b, b'\n' | b'"' | b'\t' | b'\r'));
        plain.then(|| Some(p.to_vec()))
    };
    let minus = name(line(&mut rest)?.strip_prefix(b"--- ")?, b"a/")?;
    let plus = name(line(&mut rest)?.strip_prefix(b"+++ ")?, b"b/")?;
    if !rest.is_empty() {
        return None;
    }
    match minus {
        Some(p) => d.old_path = Some(p),
        None => d.is_new = true,
    }
    match plus {
        Some(p) => d.new_path = Some(p),
        None => d.is_deleted = true,
    }
    if kind == Some("deleted") {
        d.is_deleted = true;
    }
    Some(d)
}

/// The hunks of one file diff into `d`; false if the body holds a line that is not one
/// (the caller parses the file diff the general way).
fn read_hunks(body: &[u8], d: &mut FileDiff) -> bool {
    let mut it = Lines::new(body);
    let mut raw = it.next();
    while let Some(line) = raw {
        let Some(h) = hunk_header(line) else {
            return false;
        };
        raw = open_hunk(h, &mut it, d).or_else(|| it.next());
    }
    true
}

// --------------------------------------------------------------------------- commits

/// The `--format` of `git log` this reader cuts: a `\x01` mark line with the nonce, the
/// ids, the people and the date, the message, and a `\x02` line with the nonce.
pub fn log_format(nonce: &str) -> String {
    format!("%x01vg-commit-{nonce} %H %P%n%an%x00%ae%x00%cn%x00%ce%x00%ct%n%B%n%x02{nonce}")
}

/// Reads `git log` output in the pieces the pipe gives, commit by commit: only the
/// commit being printed is held (a 174 MB vendored commit is held once, as its
/// parsed file diffs would be).
pub struct LogReader {
    mark: Vec<u8>,
    /// `\n` + mark: where the next commit starts
    sep: Vec<u8>,
    end: Vec<u8>,
    buf: Vec<u8>,
    /// bytes of `buf` known to hold no separator start
    searched: usize,
}

impl LogReader {
    pub fn new(nonce: &str) -> LogReader {
        let mark = format!("\x01vg-commit-{nonce} ").into_bytes();
        let mut sep = vec![b'\n'];
        sep.extend_from_slice(&mark);
        LogReader {
            mark,
            sep,
            end: format!("\n\x02{nonce}").into_bytes(),
            buf: Vec::new(),
            searched: 0,
        }
    }

    /// The commits complete once `data` is added.
    pub fn feed(&mut self, data: &[u8], skim: &mut dyn Skim) -> Vec<CommitDiff> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        let mut taken = 0;
        let finder = memmem::Finder::new(&self.sep);
        while let Some(i) = finder.find(&self.buf[self.searched.max(taken)..]) {
            let i = self.searched.max(taken) + i;
            if let Some(c) = self.commit(&self.buf[taken..i + 1], skim) {
                out.push(c);
            }
            taken = i + 1;
        }
        self.buf.drain(..taken);
        self.searched = (self.buf.len() + 1).saturating_sub(self.sep.len());
        out
    }

    /// The last commit, once git's output has ended.
    pub fn finish(&mut self, skim: &mut dyn Skim) -> Vec<CommitDiff> {
        let buf = std::mem::take(&mut self.buf);
        self.searched = 0;
        if buf.is_empty() {
            return Vec::new();
        }
        self.commit(&buf, skim).into_iter().collect()
    }

    /// One commit from its mark to the next, or None when it is not one.
    pub fn commit(&self, chunk: &[u8], skim: &mut dyn Skim) -> Option<CommitDiff> {
        let rest = chunk.strip_prefix(&self.mark[..])?;
        let first = memchr::memchr(b'\n', rest)? + self.mark.len();
        let second = first + 1 + memchr::memchr(b'\n', &chunk[first + 1..])?;
        let mut ids = chunk[self.mark.len()..first]
            .split(|&b| is_space(b))
            .filter(|p| !p.is_empty())
            .map(lossy);
        let sha = ids.next()?;
        let parents: Vec<String> = ids.collect();
        let mut who: Vec<&[u8]> = chunk[first + 1..second].split(|&b| b == 0).collect();
        who.resize(who.len().max(5), b"");
        let end = self.message_end(chunk, second);
        let body_end = end.map_or(chunk.len(), |(s, _)| s + 1);
        let mut message = lossy(&chunk[second + 1..body_end]);
        if message.ends_with("\n\n") {
            message.pop();
        }
        Some(CommitDiff {
            sha,
            parents,
            author: lossy(who[0]),
            author_email: lossy(who[1]),
            committer: lossy(who[2]),
            committer_email: lossy(who[3]),
            time: py_int(who[4]).unwrap_or(0),
            message,
            files: end.map_or_else(Vec::new, |(_, e)| files(chunk, e, skim)),
        })
    }

    /// (start, end) of the line ending the message: `\n\x02<nonce>` then `\n` or the end.
    fn message_end(&self, chunk: &[u8], from: usize) -> Option<(usize, usize)> {
        let mut pos = from;
        let finder = memmem::Finder::new(&self.end);
        while let Some(i) = finder.find(&chunk[pos..]) {
            let s = pos + i;
            let e = s + self.end.len();
            if e == chunk.len() {
                return Some((s, e));
            }
            if chunk[e] == b'\n' {
                return Some((s, e + 1));
            }
            pos = s + 1;
        }
        None
    }
}

/// A number the way Python's `int(bytes)` reads it (whitespace around, a sign,
/// single underscores between digits); None where Python raises (or beyond i64).
fn py_int(raw: &[u8]) -> Option<i64> {
    let mut s = raw;
    while let Some((f, r)) = s.split_first() {
        if !is_space(*f) {
            break;
        }
        s = r;
    }
    let s = rstrip(s, b" \t\n\r\x0b\x0c");
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s.is_empty() || s[0] == b'_' || s[s.len() - 1] == b'_' {
        return None;
    }
    let mut v: i64 = 0;
    let mut prev_underscore = false;
    for &b in s {
        if b == b'_' {
            if prev_underscore {
                return None;
            }
            prev_underscore = true;
            continue;
        }
        prev_underscore = false;
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests;
