//! JSON plumbing shared by the transcript readers.
//!
//! - `Records`: JSON Lines, streamed with 1-based line numbers, a per-record size cap and a
//!   Notice for every record that cannot be read. With a `RecordFilter` the file is read in
//!   blocks of whole lines and only the candidate lines are parsed, plus the lines that
//!   answer a picked call (see `Wanted`): a result often holds no keyword, yet it decides
//!   its call's status.
//! - `iter_document`: one (possibly pretty-printed) JSON document whose interesting part is
//!   an array: a bracket/string scanner finds where each element starts, so every element
//!   gets its own line number and its own parse.
//! - `key_lines`: lines of the keys with a given name inside one element.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::LazyLock;

use super::value::{Map, Value};
use memchr::{memchr, memchr_iter, memmem, memrchr};

use super::common::notice;
use super::pyjson::{self, bytes_isspace, loads, loads_skipping};
use crate::model::Notice;
use crate::records::{Quick, RecordFilter};

pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;
pub const BLOCK_BYTES: usize = 8 << 20;
const BOM: &[u8] = b"\xef\xbb\xbf";

/// What the record stream yields.
pub enum Rec {
    Record(u64, Value),
    Notice(Notice),
}

fn oversize(fmt: &str, path: &str, line: u64, size: usize, max: usize) -> Rec {
    Rec::Notice(notice(
        format!("{fmt}: line {line}: record of {size} bytes is over the {max}-byte limit; skipped"),
        path,
        Some(line),
    ))
}

/// Parse one line: a record, or Notices (malformed, truncated, not an object, bad UTF-8).
pub fn parse_line(
    raw: &[u8],
    line: u64,
    complete: bool,
    path: &str,
    fmt: &str,
    out: &mut VecDeque<Rec>,
) {
    let skip = match fmt {
        "claude" => Some(&super::claude::SKIP),
        _ => None,
    };
    let l = loads_skipping(raw, skip);
    if let Some(error) = l.error {
        let why = if complete {
            error
        } else {
            format!("truncated last line (the file may still be being written): {error}")
        };
        out.push_back(Rec::Notice(notice(
            format!("{fmt}: line {line}: {why}"),
            path,
            Some(line),
        )));
        return;
    }
    if l.replaced {
        out.push_back(Rec::Notice(notice(
            format!("{fmt}: line {line}: invalid UTF-8; read with replacement characters"),
            path,
            Some(line),
        )));
    }
    match l.value {
        Some(v @ Value::Object(_)) => out.push_back(Rec::Record(line, v)),
        Some(v) => out.push_back(Rec::Notice(notice(
            format!(
                "{fmt}: line {line}: not a JSON object ({})",
                pyjson::type_name(&v)
            ),
            path,
            Some(line),
        ))),
        None => {}
    }
}

/// The records of a JSONL file, in file order.
pub struct Records {
    src: Source,
    path: String,
    fmt: &'static str,
    max: usize,
    out: VecDeque<Rec>,
    done: bool,
}

enum Source {
    Lines {
        reader: BufReader<File>,
        line: u64,
        buf: Vec<u8>,
    },
    Blocks(Box<Blocks>),
}

struct Blocks {
    file: File,
    filter: RecordFilter,
    /// the keyword most of the log's lines hold (see `Quick`)
    quick: Quick,
    wanted: Wanted,
    lines_before: u64,
    carry: Vec<u8>,
    first: bool,
    /// the block being read and its picked lines still to parse: (line, start, end); parsed
    /// one at a time, so that memory holds one block and one record
    block: Vec<u8>,
    picked: VecDeque<(u64, usize, usize)>,
    /// a spare buffer for the next read (blocks are swapped, not reallocated)
    spare: Vec<u8>,
}

impl Records {
    pub fn new(
        file: File,
        path: &str,
        fmt: &'static str,
        filter: Option<RecordFilter>,
        max: usize,
    ) -> Records {
        let src = match filter {
            None => Source::Lines {
                reader: BufReader::with_capacity(1 << 20, file),
                line: 0,
                buf: Vec::new(),
            },
            Some(filter) => Source::Blocks(Box::new(Blocks {
                file,
                filter,
                quick: Quick::default(),
                wanted: Wanted::new(reference_keys(fmt)),
                lines_before: 0,
                carry: Vec::new(),
                first: true,
                block: Vec::new(),
                picked: VecDeque::new(),
                spare: Vec::new(),
            })),
        };
        Records {
            src,
            path: path.to_string(),
            fmt,
            max,
            out: VecDeque::new(),
            done: false,
        }
    }

    fn fill(&mut self) {
        let (path, fmt, max) = (self.path.as_str(), self.fmt, self.max);
        let r = match &mut self.src {
            Source::Lines { reader, line, buf } => {
                next_line(reader, line, buf, path, fmt, max, &mut self.out)
            }
            Source::Blocks(b) => match b.picked.pop_front() {
                Some((line, start, end)) => {
                    if end - start > max {
                        self.out
                            .push_back(oversize(fmt, path, line, end - start, max));
                    } else {
                        parse_line(&b.block[start..end], line, true, path, fmt, &mut self.out);
                    }
                    Ok(true)
                }
                None => b.next_block(path, fmt, max, &mut self.out),
            },
        };
        match r {
            Ok(true) => {}
            Ok(false) => self.done = true,
            Err(e) => {
                self.out.push_back(Rec::Notice(notice(
                    format!("{fmt}: reader failed: OSError: {e}"),
                    path,
                    None,
                )));
                self.done = true;
            }
        }
    }
}

impl Iterator for Records {
    type Item = Rec;
    fn next(&mut self) -> Option<Rec> {
        loop {
            if let Some(r) = self.out.pop_front() {
                return Some(r);
            }
            if self.done {
                return None;
            }
            self.fill();
        }
    }
}

/// Read up to `limit` bytes of one line (newline included) into `buf`.
fn read_line_limited(
    reader: &mut BufReader<File>,
    limit: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    buf.clear();
    while buf.len() < limit {
        let avail = reader.fill_buf()?;
        if avail.is_empty() {
            break;
        }
        let room = limit - buf.len();
        let window = &avail[..avail.len().min(room)];
        match memchr(b'\n', window) {
            Some(i) => {
                buf.extend_from_slice(&window[..=i]);
                reader.consume(i + 1);
                break;
            }
            None => {
                let n = window.len();
                buf.extend_from_slice(window);
                reader.consume(n);
            }
        }
    }
    Ok(())
}

fn next_line(
    reader: &mut BufReader<File>,
    line: &mut u64,
    buf: &mut Vec<u8>,
    path: &str,
    fmt: &str,
    max: usize,
    out: &mut VecDeque<Rec>,
) -> std::io::Result<bool> {
    read_line_limited(reader, max + 1, buf)?;
    if buf.is_empty() {
        return Ok(false);
    }
    *line += 1;
    let complete = buf.last() == Some(&b'\n');
    if buf.len() > max && !complete {
        let mut size = buf.len();
        let mut chunk = Vec::new();
        loop {
            read_line_limited(reader, 1 << 20, &mut chunk)?;
            if chunk.is_empty() {
                break;
            }
            size += chunk.len();
            if chunk.last() == Some(&b'\n') {
                break;
            }
        }
        out.push_back(oversize(fmt, path, *line, size, max));
        return Ok(true);
    }
    let mut raw: &[u8] = buf;
    if *line == 1 && raw.starts_with(BOM) {
        raw = &raw[3..];
    }
    if raw.is_empty() || bytes_isspace(raw) {
        return Ok(true);
    }
    parse_line(raw, *line, complete, path, fmt, out);
    Ok(true)
}

/// Append up to `n` bytes of `file` to `buf`; how many were read.
fn read_into(file: &mut File, buf: &mut Vec<u8>, n: usize) -> std::io::Result<usize> {
    let before = buf.len();
    // room for the whole read (and read_to_end's probe), so the buffer is not doubled
    buf.reserve(n + 64);
    file.by_ref().take(n as u64).read_to_end(buf)?;
    Ok(buf.len() - before)
}

impl Blocks {
    /// One block of whole lines: its candidate lines parsed into `out`. False at the end.
    fn next_block(
        &mut self,
        path: &str,
        fmt: &str,
        max: usize,
        out: &mut VecDeque<Rec>,
    ) -> std::io::Result<bool> {
        loop {
            let mut data = std::mem::take(&mut self.spare);
            data.clear();
            data.extend_from_slice(&self.carry);
            self.carry.clear();
            let got = read_into(&mut self.file, &mut data, BLOCK_BYTES)?;
            if got == 0 {
                if !data.is_empty() && !bytes_isspace(&data) {
                    // a last line without its newline
                    parse_line(&data, self.lines_before + 1, false, path, fmt, out);
                }
                return Ok(false);
            }
            let Some(cut) = memrchr(b'\n', &data) else {
                if data.len() > max {
                    let mut size = data.len();
                    let mut reader = BufReader::new(&mut self.file);
                    loop {
                        // drain the oversized line without keeping it
                        let avail = reader.fill_buf()?;
                        if avail.is_empty() {
                            break;
                        }
                        let window = &avail[..avail.len().min(1 << 20)];
                        if let Some(i) = memchr(b'\n', window) {
                            size += i + 1;
                            reader.consume(i + 1);
                            break;
                        }
                        let n = window.len();
                        size += n;
                        reader.consume(n);
                    }
                    // give back what the buffered reader read beyond the line
                    let left = reader.buffer().len() as i64;
                    drop(reader);
                    if left > 0 {
                        use std::io::{Seek, SeekFrom};
                        self.file.seek(SeekFrom::Current(-left))?;
                    }
                    self.lines_before += 1;
                    out.push_back(oversize(fmt, path, self.lines_before, size, max));
                    return Ok(true);
                }
                self.carry = data;
                continue;
            };
            self.carry.extend_from_slice(&data[cut + 1..]);
            data.truncate(cut + 1);
            let mut block = data;
            if self.first && block.starts_with(BOM) {
                block[..3].copy_from_slice(b"   ");
            }
            let mut starts = self.filter.candidates_quick(&block, &mut self.quick);
            if self.first && starts.first() != Some(&0) {
                starts.insert(0, 0); // the first record names the session / format metadata
            }
            self.first = false;
            let origin = self.wanted.note_calls(&block, &starts);
            let answers = self.wanted.answers(&block, &origin);
            if !answers.is_empty() {
                starts.extend(answers);
                starts.sort_unstable();
                starts.dedup();
            }
            let (mut line, mut pos) = (self.lines_before, 0usize);
            for start in starts {
                line += memchr_iter(b'\n', &block[pos..start]).count() as u64;
                pos = start;
                let end = start + memchr(b'\n', &block[start..]).unwrap_or(block.len() - start);
                if end - start > max || (end > start && !bytes_isspace(&block[start..end])) {
                    self.picked.push_back((line + 1, start, end));
                }
            }
            self.lines_before = line + memchr_iter(b'\n', &block[pos..]).count() as u64;
            self.spare = std::mem::replace(&mut self.block, block);
            return Ok(true);
        }
    }
}

// --- pairing: a call the prefilter picks is always read with its result -----------------

/// The key a result names its call by, per format (Gemini keeps results in the message).
pub fn reference_keys(fmt: &str) -> &'static [&'static [u8]] {
    match fmt {
        "claude" => &[b"\"tool_use_id\""],
        "codex" => &[b"\"call_id\""],
        "openai" => &[b"\"tool_call_id\""],
        _ => &[],
    }
}

/// The call ids on a line: `"(?:id|call_id)"\s*:\s*"([^"\\]{1,200})"`, left to right,
/// without overlaps (a hand-written search: the regex took a third of a dense log's time).
fn call_ids(line: &[u8]) -> Vec<&[u8]> {
    static ID: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"\"id\""));
    static CALL_ID: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"\"call_id\""));
    // the next occurrence of each key at or after `from` (searched again only once passed)
    let find = |f: &memmem::Finder, from: usize| f.find(&line[from..]).map(|i| from + i);
    let mut out = Vec::new();
    let mut from = 0;
    let (mut a, mut b) = (find(&ID, 0), find(&CALL_ID, 0));
    while from < line.len() {
        if a.is_some_and(|i| i < from) {
            a = find(&ID, from);
        }
        if b.is_some_and(|i| i < from) {
            b = find(&CALL_ID, from);
        }
        let Some((at, len)) = [a.map(|i| (i, 4)), b.map(|i| (i, 9))]
            .into_iter()
            .flatten()
            .min()
        else {
            break;
        };
        match reference_value(line, at + len) {
            Some(id) => {
                out.push(id);
                // past the value's closing quote
                from = id.as_ptr() as usize - line.as_ptr() as usize + id.len() + 1;
            }
            None => from = at + 1,
        }
    }
    out
}

const STILL_RUNNING: &[u8] = b"Process running with session ID";
static RUNNING: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(STILL_RUNNING));
const MAX_WANTED: usize = 10_000;
const ANSWER_WINDOW: i64 = 2 << 20;
const RUNNING_WINDOW: i64 = 64 << 20;

/// Call ids are short byte strings from the log, hashed with FxHash: no adversary gains by
/// colliding them (the map is bounded at MAX_WANTED entries).
type FxBuild = rustc_hash::FxBuildHasher;

/// Ids of picked calls whose result has not been seen yet, each with the bytes of log after
/// its call still to search (results follow their calls within a few records), and the order
/// it was first wanted in (the oldest is forgotten first).
pub struct Wanted {
    keys: &'static [&'static [u8]],
    /// a searcher per key, built once (not per block and span)
    finders: Vec<memmem::Finder<'static>>,
    /// id -> (bytes left to search, order of arrival)
    ids: HashMap<Vec<u8>, (i64, u64), FxBuild>,
    arrivals: u64,
}

fn is_ascii_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `\s*:\s*"([^"\\]{1,200})"` at `at`: the referenced id.
fn reference_value(block: &[u8], mut at: usize) -> Option<&[u8]> {
    while at < block.len() && is_ascii_ws(block[at]) {
        at += 1;
    }
    if block.get(at) != Some(&b':') {
        return None;
    }
    at += 1;
    while at < block.len() && is_ascii_ws(block[at]) {
        at += 1;
    }
    if block.get(at) != Some(&b'"') {
        return None;
    }
    at += 1;
    let start = at;
    while at < block.len() && at - start < 200 && block[at] != b'"' && block[at] != b'\\' {
        at += 1;
    }
    if at > start && block.get(at) == Some(&b'"') {
        Some(&block[start..at])
    } else {
        None
    }
}

impl Wanted {
    pub fn new(keys: &'static [&'static [u8]]) -> Wanted {
        Wanted {
            keys,
            finders: keys.iter().map(|k| memmem::Finder::new(*k)).collect(),
            ids: HashMap::default(),
            arrivals: 0,
        }
    }

    /// Remember the call ids on the picked lines; {id: offset of its line} for this block.
    fn note_calls(&mut self, block: &[u8], starts: &[usize]) -> HashMap<Vec<u8>, usize, FxBuild> {
        let mut origin = HashMap::default();
        if self.keys.is_empty() {
            return origin; // nothing would ever be looked for
        }
        for &start in starts {
            let end = memchr(b'\n', &block[start..]).map_or(block.len(), |i| start + i);
            for key in call_ids(&block[start..end]) {
                if !origin.contains_key(key) {
                    origin.insert(key.to_vec(), start);
                }
                match self.ids.get_mut(key) {
                    Some(v) => v.0 = ANSWER_WINDOW, // keeps its place in the order
                    None => {
                        self.arrivals += 1;
                        self.ids
                            .insert(key.to_vec(), (ANSWER_WINDOW, self.arrivals));
                    }
                }
            }
        }
        if self.ids.len() > MAX_WANTED {
            let mut order: Vec<(u64, Vec<u8>)> =
                self.ids.iter().map(|(k, v)| (v.1, k.clone())).collect();
            order.sort_unstable();
            for (_, k) in order.into_iter().take(self.ids.len() - MAX_WANTED) {
                self.ids.remove(&k);
            }
        }
        origin
    }

    /// Starts of the lines of `block` that answer a wanted call (after the call's line).
    fn answers(&mut self, block: &[u8], origin: &HashMap<Vec<u8>, usize, FxBuild>) -> Vec<usize> {
        let mut found = Vec::new();
        if self.ids.is_empty() || self.keys.is_empty() {
            return found;
        }
        let size = block.len();
        let at = |k: &[u8]| origin.get(k).copied().unwrap_or(0);
        let mut spans: Vec<(usize, usize)> = self
            .ids
            .iter()
            .map(|(k, &(left, _))| (at(k), size.min(at(k) + left.max(0) as usize)))
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for (a, b) in merged {
            for (key, finder) in self.keys.iter().zip(&self.finders) {
                let mut from = a;
                while from + key.len() <= b {
                    let Some(i) = finder.find(&block[from..b]) else {
                        break;
                    };
                    let pos = from + i;
                    if let Some(ident) = reference_value(block, pos + key.len()) {
                        if self.ids.contains_key(ident) {
                            let start = memrchr(b'\n', &block[..pos]).map_or(0, |i| i + 1);
                            let call_line = origin.get(ident).map_or(-1, |&o| o as i64);
                            if start as i64 > call_line {
                                found.push(start);
                                let end = memchr(b'\n', &block[pos..]).map_or(size, |i| pos + i);
                                if RUNNING.find(&block[start..end]).is_some() {
                                    if let Some(v) = self.ids.get_mut(ident) {
                                        v.0 = RUNNING_WINDOW; // the exit code comes later
                                    }
                                } else {
                                    self.ids.remove(ident);
                                }
                            }
                        }
                    }
                    from = pos + key.len();
                }
            }
        }
        // what is left to search after this block
        self.ids.retain(|k, v| {
            let used = (size - origin.get(k.as_slice()).copied().unwrap_or(0)) as i64;
            if v.0 > used {
                v.0 -= used;
                true
            } else {
                false
            }
        });
        found
    }
}

// --- pretty-printed documents ------------------------------------------------------------

pub struct ScanError {
    pub message: &'static str,
    pub offset: usize,
}

fn skip_ws(data: &[u8], mut pos: usize) -> usize {
    while pos < data.len() && matches!(data[pos], b' ' | b'\t' | b'\r' | b'\n') {
        pos += 1;
    }
    pos
}

fn is_token(b: u8) -> bool {
    matches!(b, b'"' | b'[' | b']' | b'{' | b'}' | b',')
}

/// The end of the JSON string starting at `i` (a `"`), within `data[..end]`.
fn string_end(data: &[u8], i: usize, end: usize) -> Option<usize> {
    let mut p = i + 1;
    while p < end {
        match data[p] {
            b'"' => return Some(p + 1),
            b'\\' => {
                if p + 1 >= end {
                    return None;
                }
                p += 2;
            }
            _ => p += 1,
        }
    }
    None
}

fn next_token(data: &[u8], from: usize, end: usize) -> Option<usize> {
    data[from.min(end)..end]
        .iter()
        .position(|&b| is_token(b))
        .map(|i| from + i)
}

/// Offset just past the value starting at `pos` (up to the next `,`/`]`/`}` at depth 0).
fn value_end(data: &[u8], mut pos: usize) -> Result<usize, ScanError> {
    let mut depth = 0usize;
    loop {
        let Some(i) = next_token(data, pos, data.len()) else {
            return Err(ScanError {
                message: "unexpected end of JSON (truncated?)",
                offset: data.len(),
            });
        };
        match data[i] {
            b'"' => {
                let Some(e) = string_end(data, i, data.len()) else {
                    return Err(ScanError {
                        message: "unterminated string (truncated?)",
                        offset: i,
                    });
                };
                pos = e;
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                if depth == 0 {
                    return Ok(i);
                }
                depth -= 1;
            }
            _ => {
                if depth == 0 {
                    return Ok(i);
                }
            }
        }
        pos = i + 1;
    }
}

/// Members of the array or object starting at `pos`: (key or None, value start, value end).
/// Iterative, so any nesting depth is fine.
pub fn scan_members(
    data: &[u8],
    pos: usize,
    mut each: impl FnMut(Option<String>, usize, usize) -> bool,
) -> Result<(), ScanError> {
    let opener = data.get(pos).copied();
    if !matches!(opener, Some(b'[') | Some(b'{')) {
        return Err(ScanError {
            message: "expected an array or an object",
            offset: pos,
        });
    }
    let closer = if opener == Some(b'[') { b']' } else { b'}' };
    let mut pos = skip_ws(data, pos + 1);
    if data.get(pos) == Some(&closer) {
        return Ok(());
    }
    loop {
        let mut key = None;
        if closer == b'}' {
            let Some(e) = (data.get(pos) == Some(&b'"'))
                .then(|| string_end(data, pos, data.len()))
                .flatten()
            else {
                return Err(ScanError {
                    message: "expected an object key",
                    offset: pos,
                });
            };
            let k = String::from_utf8_lossy(&data[pos..e]);
            key = Some(match pyjson::loads_str(&k).value {
                Some(Value::String(s)) => s,
                _ => String::new(),
            });
            pos = skip_ws(data, e);
            if data.get(pos) != Some(&b':') {
                return Err(ScanError {
                    message: "expected ':' after an object key",
                    offset: pos,
                });
            }
            pos = skip_ws(data, pos + 1);
        }
        let start = pos;
        let end = value_end(data, pos)?;
        if !each(key, start, end) {
            return Ok(());
        }
        if data[end] == closer {
            return Ok(());
        }
        if data[end] == b',' {
            pos = skip_ws(data, end + 1);
            continue;
        }
        return Err(ScanError {
            message: "mismatched bracket",
            offset: end,
        });
    }
}

/// 1-based line of a byte offset; cheap for increasing offsets.
pub struct LineCounter {
    offset: usize,
    line: u64,
}

impl LineCounter {
    pub fn new() -> LineCounter {
        LineCounter { offset: 0, line: 1 }
    }

    pub fn at(&mut self, data: &[u8], offset: usize) -> u64 {
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += memchr_iter(b'\n', &data[self.offset..offset]).count() as u64;
        self.offset = offset;
        self.line
    }
}

impl Default for LineCounter {
    fn default() -> Self {
        LineCounter::new()
    }
}

/// Lines of every key `name` at nesting `depth` (1 = the element's own keys) in
/// `data[start..end]`.
pub fn key_lines(
    data: &[u8],
    start: usize,
    end: usize,
    name: &str,
    depth: i64,
    lines: &mut LineCounter,
) -> Vec<u64> {
    let mut out = vec![];
    let needle = format!("\"{name}\"");
    let needle = needle.as_bytes();
    if memmem::find(&data[start..end], needle).is_none() {
        return out;
    }
    let mut level = 0i64;
    let mut pos = start;
    loop {
        let Some(i) = next_token(data, pos, end) else {
            return out;
        };
        match data[i] {
            b'"' => {
                let Some(e) = string_end(data, i, end) else {
                    return out;
                };
                pos = e;
                if level == depth && &data[i..e] == needle {
                    let w = skip_ws(data, pos);
                    if data.get(w) == Some(&b':') {
                        out.push(lines.at(data, i));
                    }
                }
                continue;
            }
            b'[' | b'{' => level += 1,
            b']' | b'}' => level -= 1,
            _ => {}
        }
        pos = i + 1;
    }
}

/// A whole JSON document (bounded by `max`), BOM blanked.
pub fn read_document(
    path: &str,
    display_path: &str,
    fmt: &str,
    max: usize,
) -> Result<Vec<u8>, Notice> {
    let mut data = Vec::new();
    let r = File::open(path).and_then(|f| f.take(max as u64 + 1).read_to_end(&mut data));
    if let Err(e) = r {
        return Err(notice(
            format!("{fmt}: cannot read: {}", os_error(&e)),
            display_path,
            None,
        ));
    }
    if data.len() > max {
        return Err(notice(
            format!(
                "{fmt}: file is over the {max}-byte limit for a single JSON document; not read"
            ),
            display_path,
            None,
        ));
    }
    if data.starts_with(BOM) {
        data[..3].copy_from_slice(b"   ");
    }
    Ok(data)
}

/// Python's `exc.strerror`: the OS's message without Rust's " (os error N)".
pub fn os_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// What a document walk yields.
pub enum DocItem {
    /// the scalar top-level members of an object document
    Meta(Map),
    /// an element of the array: value, line, start, end
    Item(Value, u64, usize, usize),
    Notice(Notice),
}

/// Walk one JSON document: the elements of the top-level array or of the first top-level
/// member named in `array_keys`.
pub fn iter_document(
    data: &[u8],
    display_path: &str,
    fmt: &str,
    array_keys: &[&str],
) -> Vec<DocItem> {
    let mut out = vec![];
    let mut lines = LineCounter::new();
    let pos = skip_ws(data, 0);
    if pos >= data.len() {
        out.push(DocItem::Notice(notice(
            format!("{fmt}: empty file"),
            display_path,
            Some(1),
        )));
        return out;
    }
    let r = (|| -> Result<(), ScanError> {
        if data[pos] == b'[' {
            return elements(data, pos, display_path, fmt, &mut lines, &mut out);
        }
        if data[pos] != b'{' {
            let l = lines.at(data, pos);
            out.push(DocItem::Notice(notice(
                format!("{fmt}: line {l}: not a JSON object or array"),
                display_path,
                Some(l),
            )));
            return Ok(());
        }
        let mut meta = Map::new();
        let mut array_at = None;
        scan_members(data, pos, |key, start, end| {
            let key = key.unwrap_or_default();
            if array_keys.contains(&key.as_str()) && array_at.is_none() && data[start] == b'[' {
                array_at = Some(start);
                return true;
            }
            if end - start <= 4096 && data[start] != b'[' && data[start] != b'{' {
                if let Some(v) = loads(&data[start..end]).value {
                    meta.insert(key, v);
                }
            }
            true
        })?;
        out.push(DocItem::Meta(meta));
        if let Some(at) = array_at {
            elements(data, at, display_path, fmt, &mut lines, &mut out)?;
        } else if !array_keys.is_empty() {
            let l = lines.at(data, pos);
            out.push(DocItem::Notice(notice(
                format!(
                    "{fmt}: no {} array in the JSON document; nothing read",
                    array_keys.join(" or ")
                ),
                display_path,
                Some(l),
            )));
        }
        Ok(())
    })();
    if let Err(e) = r {
        let l = lines.at(data, e.offset.min(data.len()));
        out.push(DocItem::Notice(notice(
            format!(
                "{fmt}: line {l}: {}; the rest of the file was not read",
                e.message
            ),
            display_path,
            Some(l),
        )));
    }
    out
}

fn elements(
    data: &[u8],
    pos: usize,
    display_path: &str,
    fmt: &str,
    lines: &mut LineCounter,
    out: &mut Vec<DocItem>,
) -> Result<(), ScanError> {
    scan_members(data, pos, |_key, start, end| {
        let line = lines.at(data, start);
        let l = loads(&data[start..end]);
        if let Some(error) = l.error {
            out.push(DocItem::Notice(notice(
                format!("{fmt}: line {line}: {error}"),
                display_path,
                Some(line),
            )));
            return true;
        }
        if l.replaced {
            out.push(DocItem::Notice(notice(
                format!("{fmt}: line {line}: invalid UTF-8; read with replacement characters"),
                display_path,
                Some(line),
            )));
        }
        if let Some(v) = l.value {
            out.push(DocItem::Item(v, line, start, end));
        }
        true
    })
}

/// The JSON objects on the first complete lines of `head` (for format sniffing).
pub fn head_objects(head: &[u8], limit: usize) -> Vec<Value> {
    let mut out = vec![];
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let mut lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    if !head.ends_with(b"\n") && lines.len() > 1 {
        lines.pop(); // the last piece may be cut by the head size
    }
    for raw in lines {
        if raw.is_empty() || bytes_isspace(raw) {
            continue;
        }
        match loads(raw).value {
            Some(v @ Value::Object(_)) => out.push(v),
            _ => break, // not JSON Lines: no use reading on
        }
        if out.len() >= limit {
            break;
        }
    }
    out
}

/// `head.lstrip(b"\xef\xbb\xbf \t\r\n")`.
pub fn lstrip_head(head: &[u8]) -> &[u8] {
    let i = head
        .iter()
        .position(|b| !matches!(b, 0xef | 0xbb | 0xbf | b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(head.len());
    &head[i..]
}

/// Whether a file is one JSON document (pretty-printed or not) rather than JSON Lines.
pub fn looks_like_document(head: &[u8]) -> bool {
    let s = lstrip_head(head);
    match s.first() {
        Some(b'[') => return true,
        Some(b'{') => {}
        _ => return false,
    }
    let first = s.split(|&b| b == b'\n').next().unwrap_or(b"");
    if loads(first).error.is_none() {
        return false; // a complete object on line 1: JSON Lines (or a one-line document)
    }
    let end = first
        .iter()
        .rposition(|&b| !is_ascii_ws(b))
        .map_or(0, |i| i + 1);
    matches!(first[..end].last(), Some(b'{' | b'[' | b',' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &[u8]) -> (Vec<String>, Option<Value>) {
        let mut out = VecDeque::new();
        parse_line(raw, 7, true, "s.jsonl", "claude", &mut out);
        let (mut notes, mut record) = (vec![], None);
        for r in out {
            match r {
                Rec::Notice(n) => notes.push(n.message),
                Rec::Record(_, v) => record = Some(v),
            }
        }
        (notes, record)
    }

    #[test]
    fn a_claude_records_skipped_members_are_still_checked() {
        // not built: the reader never reads them
        let (notes, rec) = parsed(
            br#"{"type": "user", "cwd": "/x", "toolUseResult": {"stdout": "a"}, "message": {"role": "user", "usage": 1}}"#,
        );
        let rec = rec.unwrap();
        assert!(notes.is_empty());
        assert!(rec["toolUseResult"].is_null() && rec["cwd"].is_null());
        assert_eq!(rec["message"]["role"], Value::String("user".into()));
        assert!(rec["message"]["usage"].is_null());
        // bytes that are not UTF-8 in a skipped member: read with replacement, with its notice
        let (notes, rec) = parsed(b"{\"type\": \"user\", \"toolUseResult\": \"\xff\"}");
        assert_eq!(
            notes,
            ["claude: line 7: invalid UTF-8; read with replacement characters"]
        );
        assert_eq!(rec.unwrap()["type"], Value::String("user".into()));
        // a control character in a skipped string: the record is malformed
        let (notes, rec) = parsed(b"{\"type\": \"user\", \"cwd\": \"a\tb\"}");
        assert!(rec.is_none());
        assert!(
            notes[0].starts_with("claude: line 7: Invalid control character"),
            "{notes:?}"
        );
    }

    #[test]
    fn members_of_a_document() {
        let data = br#"{"a": 1, "m": [ {"x": 1}, [2] ]}"#;
        let mut seen = vec![];
        scan_members(data, 0, |k, s, e| {
            seen.push((k, s, e));
            true
        })
        .ok();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].0.as_deref(), Some("a"));
    }

    #[test]
    fn call_ids_left_to_right() {
        let line = br#"{"id": "a", "x": {"call_id" : "b"}, "id": 3, "id":"c\d", "call_id": "e"}"#;
        assert_eq!(call_ids(line), [&b"a"[..], b"b", b"e"]);
    }

    #[test]
    fn reference_values() {
        assert_eq!(reference_value(b" : \"t1\"", 0), Some(&b"t1"[..]));
        assert_eq!(reference_value(b":\"\"", 0), None);
    }

    #[test]
    fn head_objects_stop_at_non_json() {
        let got = head_objects(b"{\"a\":1}\nnot json\n{\"b\":2}\n", 8);
        assert_eq!(got.len(), 1);
    }
}
