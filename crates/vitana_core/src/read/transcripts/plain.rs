//! Plain terminal logs: a line starting `$ ` is a command (backslash continuation lines
//! belong to it); the lines up to the next prompt are its output. No ids, no status.

use std::fs::File;
use std::io::{BufRead, BufReader};

use super::common::{continues, make, notice, Base};
use super::jsonl::os_error;
use super::pyjson::blank;
use crate::model::{Actor, Channel, Item, Status};

pub const NAME: &str = "text";
const MAX_OUTPUT_LINES: usize = 2000;
const MAX_OUTPUT_CHARS: usize = 1 << 20;

fn is_prompt(line: &str) -> bool {
    line.starts_with("$ ")
}

/// The text starts with a `$ ` prompt (after blank lines) and is not binary.
pub fn sniff(head: &[u8]) -> bool {
    if memchr::memchr(0, &head[..head.len().min(8192)]).is_some() {
        return false;
    }
    let text = String::from_utf8_lossy(head);
    for line in text.split('\n') {
        if !blank(line) {
            return is_prompt(line);
        }
    }
    false
}

pub fn has_prompt(head: &[u8]) -> bool {
    if memchr::memchr(0, &head[..head.len().min(8192)]).is_some() {
        return false;
    }
    head.starts_with(b"$ ") || memchr::memmem::find(head, b"\n$ ").is_some()
}

/// Streams a plain log a line at a time.
pub struct Plain {
    reader: Option<BufReader<File>>,
    path: String,
    index: i64,
    cmd: Option<Vec<String>>,
    cmd_line: u64,
    out: Vec<String>,
    out_line: u64,
    out_chars: usize,
    bad_utf8_reported: bool,
    lineno: u64,
    buf: Vec<u8>,
}

impl Plain {
    pub fn open(path: &str, display_path: &str) -> Result<Plain, Box<Item>> {
        let f = super::open(path).map_err(|e| {
            Item::Notice(notice(
                format!("{NAME}: cannot read: {}", os_error(&e)),
                display_path,
                None,
            ))
        })?;
        Ok(Plain {
            reader: Some(BufReader::with_capacity(1 << 20, f)),
            path: display_path.to_string(),
            index: -1,
            cmd: None,
            cmd_line: 0,
            out: vec![],
            out_line: 0,
            out_chars: 0,
            bad_utf8_reported: false,
            lineno: 0,
            buf: Vec::new(),
        })
    }

    fn base(&self, line: u64) -> Base {
        let mut b = Base::new(&self.path, NAME, line);
        b.session = Some(self.path.clone());
        b.flat = false;
        b
    }

    fn flush_output(&mut self, items: &mut Vec<Item>) {
        if !self.out.is_empty() && self.out.iter().any(|s| !blank(s)) {
            let mut b = self.base(self.out_line);
            b.index = (self.index >= 0).then_some(self.index as u64);
            let seg = make(
                self.out.join("\n"),
                Channel::Output,
                &b,
                Some(Actor::Tool),
                Some(Status::Unknown),
                None,
            );
            items.push(Item::Segment(seg));
        }
        self.out.clear();
        self.out_chars = 0;
    }

    fn flush_command(&mut self, items: &mut Vec<Item>) {
        if let Some(cmd) = self.cmd.take() {
            let text = cmd.join("\n");
            if !blank(&text) {
                let mut b = self.base(self.cmd_line);
                b.column = 3;
                b.index = Some(self.index as u64);
                items.push(Item::Segment(make(
                    text,
                    Channel::Command,
                    &b,
                    Some(Actor::Agent),
                    Some(Status::Unknown),
                    None,
                )));
            }
        }
    }

    /// The items of the next line (or of the end); false at the end.
    pub fn step(&mut self, items: &mut Vec<Item>) -> bool {
        let Some(reader) = self.reader.as_mut() else {
            return false;
        };
        self.buf.clear();
        let n = match reader.read_until(b'\n', &mut self.buf) {
            Ok(n) => n,
            Err(e) => {
                items.push(Item::Notice(notice(
                    format!("{NAME}: reader failed: OSError: {e}"),
                    &self.path,
                    None,
                )));
                self.reader = None;
                return false;
            }
        };
        if n == 0 {
            self.flush_command(items);
            self.flush_output(items);
            self.reader = None;
            return false;
        }
        self.lineno += 1;
        let line = match std::str::from_utf8(&self.buf) {
            Ok(s) => s.to_string(),
            Err(_) => {
                if !self.bad_utf8_reported {
                    self.bad_utf8_reported = true;
                    items.push(Item::Notice(notice(
                        format!(
                            "{NAME}: line {}: invalid UTF-8; read with replacement characters",
                            self.lineno
                        ),
                        &self.path,
                        Some(self.lineno),
                    )));
                }
                String::from_utf8_lossy(&self.buf).into_owned()
            }
        };
        let line = line
            .trim_end_matches('\n')
            .trim_end_matches('\r')
            .to_string();
        if let Some(cmd) = self.cmd.as_mut() {
            let more = continues(&line);
            cmd.push(line);
            if !more {
                self.flush_command(items);
            }
            return true;
        }
        if is_prompt(&line) {
            self.flush_output(items);
            self.index += 1;
            let more = continues(&line);
            self.cmd = Some(vec![line[2..].to_string()]);
            self.cmd_line = self.lineno;
            if !more {
                self.flush_command(items);
            }
            return true;
        }
        if self.out.is_empty() {
            self.out_line = self.lineno;
        }
        self.out_chars += line.chars().count();
        self.out.push(line);
        if self.out.len() >= MAX_OUTPUT_LINES || self.out_chars >= MAX_OUTPUT_CHARS {
            self.flush_output(items);
        }
        true
    }
}
