//! Reading one file's text, the reading half of `vitana_guard/sources/files.py`: the
//! size limit, binary detection (a shell script a shell still runs is not binary for a
//! NUL byte), and decoding as Python does (UTF-8 with U+FFFD for bad bytes and a notice
//! naming the first one, a UTF-8 BOM dropped, UTF-16 with a BOM decoded). Finding the
//! files (git ls-files, the walk) stays in Python. Nothing here panics on input.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use memchr::{memchr, memchr_iter};

use crate::model::{Notice, NoticeLevel};
use crate::records::RecordFilter;

pub const MAX_BYTES: u64 = 50 * (1 << 20);
pub const BINARY_MESSAGE: &str = "binary file skipped";
pub const TOO_LARGE_PREFIX: &str = "file too large";

const SHELL_SUFFIXES: [&str; 8] = [
    ".sh", ".bash", ".zsh", ".ksh", ".dash", ".ash", ".bats", ".command",
];
const SHELLS: [&str; 8] = ["sh", "bash", "zsh", "ksh", "mksh", "dash", "ash", "busybox"];

/// What the OS said, as Python's `OSError.strerror` (without Rust's "(os error N)").
pub fn os_message(e: &io::Error) -> String {
    let s = e.to_string();
    match (e.raw_os_error(), s.rfind(" (os error ")) {
        (Some(_), Some(k)) => s[..k].to_string(),
        _ => s,
    }
}

fn notice(message: String, display: &str, line: Option<u64>, level: NoticeLevel) -> Notice {
    Notice {
        message,
        path: Some(display.to_string()),
        line,
        level,
    }
}

/// The bytes of a file, or why not: larger than `max_bytes` (an error naming the size),
/// or unreadable (the OS message). `size` is the size the caller saw, used when the
/// file cannot be measured again.
pub fn read_bytes(
    path: &Path,
    display: &str,
    max_bytes: u64,
    size: u64,
) -> Result<Vec<u8>, Notice> {
    let err = |e: io::Error| notice(os_message(&e), display, None, NoticeLevel::Error);
    let f = File::open(path).map_err(err)?;
    let mut data = Vec::new();
    // read what the file holds (not `max_bytes` up front), up to one byte past the limit
    f.take(max_bytes + 1).read_to_end(&mut data).map_err(err)?;
    if data.len() as u64 > max_bytes {
        let size = std::fs::metadata(path).map_or(size, |m| m.len());
        return Err(notice(
            format!("{TOO_LARGE_PREFIX} ({size} bytes, limit {max_bytes}); not scanned"),
            display,
            None,
            NoticeLevel::Error,
        ));
    }
    Ok(data)
}

pub fn is_utf16(data: &[u8]) -> bool {
    data.starts_with(b"\xff\xfe") || data.starts_with(b"\xfe\xff")
}

fn basename(b: &[u8]) -> &[u8] {
    match b.iter().rposition(|&c| c == b'/') {
        Some(k) => &b[k + 1..],
        None => b,
    }
}

/// A `#!` line naming a shell (directly or through `env`).
fn shell_shebang(data: &[u8]) -> bool {
    // `#![ \t]*(\S+)(?:[ \t]+(\S+))?` on bytes (\S: not ASCII whitespace)
    if !data.starts_with(b"#!") {
        return false;
    }
    let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut k = 2;
    while k < data.len() && matches!(data[k], b' ' | b'\t') {
        k += 1;
    }
    let a = k;
    while k < data.len() && !space(data[k]) {
        k += 1;
    }
    if k == a {
        return false;
    }
    let first = &data[a..k];
    let mut second: Option<&[u8]> = None;
    let mut j = k;
    while j < data.len() && matches!(data[j], b' ' | b'\t') {
        j += 1;
    }
    if j > k {
        let b = j;
        while j < data.len() && !space(data[j]) {
            j += 1;
        }
        if j > b {
            second = Some(&data[b..j]);
        }
    }
    let mut program = basename(first);
    if program == b"env" {
        if let Some(s) = second {
            program = basename(s);
        }
    }
    SHELLS.iter().any(|s| s.as_bytes() == program)
}

/// Whether a file holding NUL bytes is still a shell script a shell runs: bash and dash
/// drop NUL bytes and run the rest; bash refuses a file only as `check_binary_file`
/// does (an ELF header, or a NUL in the first 80 bytes before the end of the first
/// line, the first two after a `#!` line). So a script that passes and is UTF-8 once its
/// NULs are dropped is text.
pub fn shell_runs_it(path: &str, data: &[u8]) -> bool {
    let lower = path.to_lowercase();
    if !(SHELL_SUFFIXES.iter().any(|s| lower.ends_with(s)) || shell_shebang(data)) {
        return false;
    }
    if data.starts_with(b"\x7fELF") {
        return false;
    }
    let mut lines = if data.starts_with(b"#!") { 2 } else { 1 };
    for &byte in &data[..data.len().min(80)] {
        if byte == b'\n' {
            lines -= 1;
            if lines == 0 {
                break;
            }
        } else if byte == 0 {
            return false;
        }
    }
    let kept: Vec<u8> = data.iter().copied().filter(|&b| b != 0).collect();
    std::str::from_utf8(&kept).is_ok()
}

fn utf16(data: &[u8]) -> Option<String> {
    let (body, le) = if data.starts_with(b"\xff\xfe") {
        (&data[2..], true)
    } else {
        (&data[2..], false)
    };
    if body.len() % 2 != 0 {
        return None;
    }
    let units = body.chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

/// Text from a file's bytes, or None and why: binary (a NUL byte in the first 8 KB,
/// unless a shell runs it) is a note; bytes that are not UTF-8 are replaced, with an
/// error notice naming the first one and its line.
pub fn decode(path: &str, display: &str, data: &[u8]) -> (Option<String>, Option<Notice>) {
    if is_utf16(data) {
        if let Some(text) = utf16(data) {
            return (Some(text), None);
        }
    }
    let stripped: Vec<u8>;
    let mut data = data;
    if memchr(0, &data[..data.len().min(8192)]).is_some() {
        if !shell_runs_it(path, data) {
            return (
                None,
                Some(notice(
                    BINARY_MESSAGE.to_string(),
                    display,
                    None,
                    NoticeLevel::Note,
                )),
            );
        }
        // what bash and dash read: they drop NUL bytes
        stripped = data.iter().copied().filter(|&b| b != 0).collect();
        data = &stripped;
    }
    let bom = if data.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    match std::str::from_utf8(&data[bom..]) {
        Ok(text) => (Some(text.to_string()), None),
        Err(e) => {
            let bad = e.valid_up_to() + bom;
            let line = memchr_iter(b'\n', &data[..bad]).count() as u64 + 1;
            let text = String::from_utf8_lossy(&data[bom..]).into_owned();
            (
                Some(text),
                Some(notice(
                    format!("not valid UTF-8 at byte {bad}; undecodable bytes replaced"),
                    display,
                    Some(line),
                    NoticeLevel::Error,
                )),
            )
        }
    }
}

/// The file-level keyword gate: whether a file's bytes can hold anything a rule looks
/// for, so are worth classifying. A file with no keyword of any rule (nor a JSON escape
/// that could spell one, nor a shell spelling of one) has nothing to find; UTF-16 text
/// is not searched as bytes, so it always passes.
pub fn worth_classifying(data: &[u8], filter: &RecordFilter) -> bool {
    is_utf16(data) || filter.any_hit(data)
}

/// `read_bytes` then `decode`.
pub fn read_text(
    path: &Path,
    display: &str,
    max_bytes: u64,
    size: u64,
) -> (Option<String>, Option<Notice>) {
    match read_bytes(path, display, max_bytes, size) {
        Ok(data) => decode(&path.to_string_lossy(), display, &data),
        Err(n) => (None, Some(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_shell_with_nul() {
        let (t, n) = decode("a.bin", "a.bin", b"ab\0cd");
        assert!(t.is_none());
        assert_eq!(n.map(|n| n.message).as_deref(), Some(BINARY_MESSAGE));
        let (t, n) = decode("run.sh", "run.sh", b"#!/bin/sh\necho a\necho\0 b\n");
        assert_eq!(t.as_deref(), Some("#!/bin/sh\necho a\necho b\n"));
        assert!(n.is_none());
        assert!(shell_runs_it("x", b"#!/usr/bin/env bash\n\necho\0"));
        assert!(!shell_runs_it("x.sh", b"#!/bin/sh\0\n"));
    }

    #[test]
    fn keyword_gate() {
        let filter = RecordFilter::new(&["gcloud"]);
        assert!(worth_classifying(b"run gcloud deploy", &filter));
        assert!(!worth_classifying(b"nothing here", &filter));
        assert!(worth_classifying(b"\xff\xfeg\x00", &filter));
    }

    #[test]
    fn bad_utf8_is_replaced_with_a_notice() {
        let (t, n) = decode("a.txt", "a.txt", b"\xef\xbb\xbfok\nbad \xff here");
        assert_eq!(t.as_deref(), Some("ok\nbad \u{FFFD} here"));
        let n = n.expect("notice");
        assert_eq!(
            n.message,
            "not valid UTF-8 at byte 10; undecodable bytes replaced"
        );
        assert_eq!(n.line, Some(2));
        let (t, _) = decode("u.txt", "u.txt", b"\xff\xfea\x00");
        assert_eq!(t.as_deref(), Some("a"));
    }
}
