//! Agent-transcript readers: one transcript file → an ordered stream of `Item`s (Segments
//! and Notices), the same as the Python readers yield.
//!
//! JSONL is streamed in blocks of whole lines; with keywords, only the lines the
//! `RecordFilter` picks (and the results of the calls on them) are parsed. Readers never
//! fail: what they cannot read becomes a Notice.

pub mod claude;
pub mod codex;
pub mod common;
pub mod detect;
pub mod gemini;
pub mod jsonl;
pub mod openai;
pub mod plain;
pub mod pyjson;
pub mod value;

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;

use value::Value;

use crate::model::{Item, Notice};
use crate::records::RecordFilter;
use common::notice;
use jsonl::{os_error, Records};

pub use detect::{detect, FORMATS, HEAD_BYTES};

/// How to read a transcript.
#[derive(Debug, Clone)]
pub struct Options {
    /// the keyword prefilter's words (None: parse every record)
    pub keywords: Option<Vec<String>>,
    /// the size cap of one JSONL record
    pub max_record_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keywords: None,
            max_record_bytes: jsonl::MAX_RECORD_BYTES,
        }
    }
}

enum Format {
    Claude(claude::Claude),
    Codex(codex::Codex),
    Gemini(gemini::Gemini),
    OpenAi(openai::OpenAi),
}

enum State {
    Jsonl(Box<Records>, Box<Format>),
    Plain(Box<plain::Plain>),
    Done,
}

/// The items of one transcript file, in file order.
pub struct TranscriptReader {
    state: State,
    out: VecDeque<Item>,
}

/// Open a file for reading; a directory is an error, as in Python.
pub(crate) fn open(path: &str) -> std::io::Result<File> {
    let f = File::open(path)?;
    if f.metadata()?.is_dir() {
        return Err(std::io::Error::from_raw_os_error(21));
    }
    Ok(f)
}

/// The first `n` bytes of a file.
pub fn read_head(path: &str, n: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    open(path)?.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn py_quote(s: &str) -> String {
    common::py_repr(&Value::String(s.to_string()))
}

impl TranscriptReader {
    /// Segments and Notices of one transcript file. `fmt` None: detected from the content.
    pub fn new(
        path: &str,
        display_path: &str,
        fmt: Option<&str>,
        options: &Options,
    ) -> TranscriptReader {
        let mut r = TranscriptReader {
            state: State::Done,
            out: VecDeque::new(),
        };
        let fmt: String = match fmt {
            Some(f) => f.to_string(),
            None => {
                let head = match read_head(path, HEAD_BYTES) {
                    Ok(h) => h,
                    Err(e) => {
                        r.note(notice(
                            format!("cannot read transcript: {}", os_error(&e)),
                            display_path,
                            None,
                        ));
                        return r;
                    }
                };
                match detect(path, &head) {
                    Some(f) => f.to_string(),
                    None => {
                        r.note(notice(
                            "not a recognised agent transcript (claude, codex, gemini, openai, text)".into(),
                            display_path,
                            None,
                        ));
                        return r;
                    }
                }
            }
        };
        let name: &'static str = match fmt.as_str() {
            "claude" => claude::NAME,
            "codex" => codex::NAME,
            "gemini" => gemini::NAME,
            "openai" => openai::NAME,
            "text" => plain::NAME,
            other => {
                r.note(notice(
                    format!(
                        "unknown transcript format {} (known: {})",
                        py_quote(other),
                        FORMATS.join(", ")
                    ),
                    display_path,
                    None,
                ));
                return r;
            }
        };
        if name == plain::NAME {
            match plain::Plain::open(path, display_path) {
                Ok(p) => r.state = State::Plain(Box::new(p)),
                Err(item) => r.out.push_back(*item),
            }
            return r;
        }
        let file = match open(path) {
            Ok(f) => f,
            Err(e) => {
                r.note(notice(
                    format!("{name}: cannot read: {}", os_error(&e)),
                    display_path,
                    None,
                ));
                return r;
            }
        };
        let head = if name == claude::NAME {
            Vec::new()
        } else {
            match read_head(path, 65536) {
                Ok(h) => h,
                Err(e) => {
                    r.note(notice(
                        format!("{name}: reader failed: OSError: {}", os_error(&e)),
                        display_path,
                        None,
                    ));
                    return r;
                }
            }
        };
        let mut items = vec![];
        let format = match name {
            "claude" => Format::Claude(claude::Claude::new(display_path)),
            "codex" => {
                if jsonl::looks_like_document(&head)
                    && memchr::memmem::find(&head, b"\"items\"").is_some()
                {
                    codex_document(path, display_path, &mut items);
                    r.out.extend(items);
                    return r;
                }
                Format::Codex(codex::Codex::new(display_path))
            }
            "gemini" => {
                let stripped = {
                    let i = head
                        .iter()
                        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
                        .unwrap_or(head.len());
                    &head[i..]
                };
                let first_line = stripped.split(|&b| b == b'\n').next().unwrap_or(b"");
                let l = pyjson::loads(first_line);
                let legacy = jsonl::looks_like_document(&head)
                    || (l.error.is_none()
                        && matches!(&l.value, Some(v) if matches!(common::get(v, "messages"), Some(Value::Array(_)))));
                if legacy {
                    gemini::read_legacy(path, display_path, &mut items);
                    r.out.extend(items);
                    return r;
                }
                Format::Gemini(gemini::Gemini::new(display_path))
            }
            _ => {
                if jsonl::looks_like_document(&head) {
                    openai::read_document(path, display_path, &mut items);
                    r.out.extend(items);
                    return r;
                }
                Format::OpenAi(openai::OpenAi::new(display_path))
            }
        };
        let filter = options.keywords.as_ref().map(|k| RecordFilter::new(k));
        let records = Records::new(file, display_path, name, filter, options.max_record_bytes);
        r.state = State::Jsonl(Box::new(records), Box::new(format));
        r
    }

    fn note(&mut self, n: Notice) {
        self.out.push_back(Item::Notice(n));
    }

    fn step(&mut self) {
        let mut items = vec![];
        match &mut self.state {
            State::Done => return,
            State::Plain(p) => {
                if !p.step(&mut items) {
                    self.state = State::Done;
                }
            }
            State::Jsonl(records, format) => match records.next() {
                Some(rec) => match format.as_mut() {
                    Format::Claude(c) => c.feed(rec, &mut items),
                    Format::Codex(c) => c.feed(rec, &mut items),
                    Format::Gemini(g) => g.feed(rec, &mut items),
                    Format::OpenAi(o) => o.feed(rec, &mut items),
                },
                None => {
                    match format.as_mut() {
                        Format::Claude(c) => c.finish(&mut items),
                        Format::Codex(c) => c.finish(&mut items),
                        Format::Gemini(g) => g.finish(&mut items),
                        Format::OpenAi(o) => o.finish(&mut items),
                    }
                    self.state = State::Done;
                }
            },
        }
        self.out.extend(items);
    }
}

impl Iterator for TranscriptReader {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.out.pop_front() {
                return Some(item);
            }
            if matches!(self.state, State::Done) {
                return None;
            }
            self.step();
        }
    }
}

/// A single-document Codex rollout (`{session, items}`).
fn codex_document(path: &str, display_path: &str, out: &mut Vec<Item>) {
    let data =
        match jsonl::read_document(path, display_path, codex::NAME, jsonl::MAX_DOCUMENT_BYTES) {
            Ok(d) => d,
            Err(n) => return out.push(Item::Notice(n)),
        };
    let mut st = codex::Codex::new(display_path);
    for item in jsonl::iter_document(&data, display_path, codex::NAME, &["items"]) {
        match item {
            jsonl::DocItem::Notice(n) => st.push_notice(n, out),
            jsonl::DocItem::Meta(meta) => {
                if let Some(Value::Object(sess)) = meta.get("session") {
                    if let Some(Value::String(id)) = sess.get("id") {
                        st.set_session(id);
                    }
                }
            }
            jsonl::DocItem::Item(value, line, _, _) => {
                if let Err(codex::Fatal(e)) = st.feed_item(&value, line, out) {
                    out.push(Item::Notice(notice(
                        format!("codex: reader failed: {e}"),
                        display_path,
                        None,
                    )));
                    return;
                }
            }
        }
    }
    st.finish(out);
}
