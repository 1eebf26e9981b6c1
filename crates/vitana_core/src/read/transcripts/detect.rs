//! Which transcript format a file is, from its first bytes (~64 KB), then its path.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::jsonl::{head_objects, lstrip_head};
use super::{claude, codex, gemini, openai, plain};

/// A format's test of one head record.
type Sniff = fn(&super::value::Value) -> bool;

pub const FORMATS: [&str; 5] = ["claude", "codex", "gemini", "openai", "text"];
pub const HEAD_BYTES: usize = 64 * 1024;

static ARRAY_OF_OBJECTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^\[[ \t\n\r\x0b\x0c]*\{").unwrap());
static GEMINI_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u)"type"[ \t\n\r\x0b\x0c]*:[ \t\n\r\x0b\x0c]*"(?:gemini|user)""#).unwrap()
});

fn has(s: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(s, needle).is_some()
}

/// A JSON document (pretty-printed, or one line longer than the head).
fn document_format(head: &[u8]) -> Option<&'static str> {
    let s = lstrip_head(head);
    match s.first() {
        Some(b'[') => {
            return (ARRAY_OF_OBJECTS.is_match(s) && has(s, b"\"role\"")).then_some("openai");
        }
        Some(b'{') => {}
        _ => return None,
    }
    if has(s, b"\"projectHash\"") || (has(s, b"\"messages\"") && GEMINI_TYPE.is_match(s)) {
        return Some("gemini");
    }
    if has(s, b"\"messages\"") && has(s, b"\"role\"") {
        return Some("openai");
    }
    if has(s, b"\"items\"") && has(s, b"\"session\"") {
        return Some("codex");
    }
    None
}

fn path_format(path: &str, head: &[u8]) -> Option<&'static str> {
    let p = path.replace('\\', "/");
    let name = p.rsplit('/').next().unwrap_or("");
    if p.contains("/.claude/projects/") && name.ends_with(".jsonl") {
        return Some("claude");
    }
    if name.starts_with("rollout-")
        && name.ends_with(".jsonl")
        && (p.contains("/sessions/") || p.contains("/archived_sessions/") || p.contains("/.codex/"))
    {
        return Some("codex");
    }
    if p.contains("/.gemini/tmp/")
        && p.contains("/chats/")
        && (name.ends_with(".json") || name.ends_with(".jsonl"))
    {
        return Some("gemini");
    }
    if (name.ends_with(".log") || name.ends_with(".txt")) && plain::has_prompt(head) {
        return Some("text");
    }
    None
}

/// The transcript format of a file from its first bytes, then its path; None: not a
/// transcript.
pub fn detect(path: &str, head: &[u8]) -> Option<&'static str> {
    let records = head_objects(head, 8);
    let sniffers: [(&str, Sniff); 4] = [
        (codex::NAME, codex::sniff_record),
        (gemini::NAME, gemini::sniff_record),
        (claude::NAME, claude::sniff_record),
        (openai::NAME, openai::sniff_record),
    ];
    for (name, sniff) in sniffers {
        if records.iter().any(sniff) {
            return Some(name);
        }
    }
    if let Some(f) = document_format(head) {
        return Some(f);
    }
    if plain::sniff(head) {
        return Some("text");
    }
    path_format(path, head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_content_then_path() {
        assert_eq!(
            detect(
                "x",
                b"{\"timestamp\":\"t\",\"type\":\"session_meta\",\"payload\":{}}\n"
            ),
            Some("codex")
        );
        assert_eq!(detect("x", b"[\n  {\"role\": \"user\"}\n]"), Some("openai"));
        assert_eq!(detect("x", b"$ ls\nfile\n"), Some("text"));
        assert_eq!(detect("a/.claude/projects/p/s.jsonl", b""), Some("claude"));
        assert_eq!(detect("x", b"hello"), None);
    }
}
