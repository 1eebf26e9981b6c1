//! Requests in the content of a ```http fence or a `.http` file.
//!
//! Each is `METHOD URL [HTTP/1.1]` (a bare URL is a GET), header lines, a blank line
//! and a body that runs to a `###` line, or to the next request line after a blank
//! line. Offsets are bytes of the block's text.

use std::sync::OnceLock;

use regex::Regex;

use super::pyfmt::{lstrip, strip};
use super::words::decode_body;
use crate::model::{unknown_value, Request};

struct Patterns {
    request_line: Regex,
    bare_url_line: Regex,
    header_line: Regex,
    continuation: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        // Python's \s and \S
        let s = r"[\s\x1c-\x1f]";
        let ns = r"[^\s\x1c-\x1f]";
        let http = r"(?:[ \t]+HTTP/\d(?:\.\d)?)?[ \t]*";
        Patterns {
            request_line: Regex::new(&format!(
                r"^(?i:(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE|CONNECT))[ \t]+({ns}+){http}$"
            ))
            .unwrap(),
            bare_url_line: Regex::new(&format!(
                r"^((?:[A-Za-z][A-Za-z0-9+.-]*://|\{{\{{?[^{{}}{s2}]+\}}\}}?|<[^<>{s2}]+>|\$\{{?[\p{{L}}\p{{N}}_]+\}}?|/){ns}*){http}$",
                s2 = &s[1..s.len() - 1],
            ))
            .unwrap(),
            header_line: Regex::new(r"^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*(.*?)[ \t]*$")
                .unwrap(),
            continuation: Regex::new(&format!(r"^[ \t]+([?&/]{ns}*)[ \t]*$")).unwrap(),
        }
    })
}

/// `str.splitlines(keepends=True)` as (start, end without the line break, line).
fn lines(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let brk = matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !brk {
            continue;
        }
        let mut next = i + c.len_utf8();
        if c == '\r' && matches!(chars.peek(), Some((_, '\n'))) {
            chars.next();
            next += 1;
        }
        let line = &text[start..next];
        let stripped = line.trim_end_matches(['\r', '\n']);
        out.push((start, start + stripped.len(), stripped));
        start = next;
    }
    if start < text.len() {
        let line = &text[start..];
        let stripped = line.trim_end_matches(['\r', '\n']);
        out.push((start, start + stripped.len(), stripped));
    }
    out
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t']);
    t.starts_with('#') || t.starts_with("//")
}

fn request_line(line: &str) -> Option<(String, String, bool)> {
    let p = patterns();
    if let Some(c) = p.request_line.captures(line) {
        return Some((c[1].to_uppercase(), c[2].to_string(), true));
    }
    p.bare_url_line
        .captures(line)
        .map(|c| ("GET".to_string(), c[1].to_string(), false))
}

/// Requests in the content of a ```http fence or a .http file.
pub fn requests_from_http_block(text: &str) -> Vec<Request> {
    let p = patterns();
    let lines = lines(text);
    let n = lines.len();
    let mut requests = Vec::new();
    let mut i = 0;
    while i < n {
        let (start, line_end, line) = lines[i];
        let stripped = strip(line);
        if stripped.is_empty() || stripped.starts_with("###") || is_comment(line) {
            i += 1;
            continue;
        }
        let Some((method, mut url, explicit)) = request_line(stripped) else {
            i += 1;
            continue;
        };
        let start = start + (line.len() - lstrip(line).len());
        let mut end = line_end;
        i += 1;
        while i < n {
            let Some(c) = p.continuation.captures(lines[i].2) else {
                break;
            };
            url.push_str(&c[1]);
            end = lines[i].1;
            i += 1;
        }
        let mut headers = Vec::new();
        while i < n {
            let (_, e, line) = lines[i];
            let stripped = strip(line);
            if stripped.is_empty() || stripped.starts_with("###") {
                break;
            }
            if is_comment(line) {
                i += 1;
            } else if let Some(c) = p.header_line.captures(line) {
                headers.push((c[1].to_string(), c[2].to_string()));
                end = e;
                i += 1;
            } else {
                break; // a body with no blank line before it
            }
        }
        let mut body_lines: Vec<(usize, usize, &str)> = Vec::new();
        let mut previous_blank = true;
        while i < n {
            let stripped = strip(lines[i].2);
            if stripped.starts_with("###") {
                break;
            }
            if previous_blank && p.request_line.is_match(stripped) {
                break; // the next request
            }
            if ["> {%", ">> ", ">>! ", "<> "]
                .iter()
                .any(|s| stripped.starts_with(s))
            {
                break; // JetBrains response handler / redirect
            }
            if !stripped.is_empty() || !body_lines.is_empty() {
                body_lines.push(lines[i]);
            }
            previous_blank = stripped.is_empty();
            i += 1;
        }
        while body_lines.last().is_some_and(|l| strip(l.2).is_empty()) {
            body_lines.pop();
        }
        let mut body = None;
        let mut decoded = (None, None);
        if let (Some(first), Some(last)) = (body_lines.first(), body_lines.last()) {
            let b = &text[first.0..last.1];
            end = last.1;
            if body_lines.len() == 1 && strip(b).starts_with("< ") {
                decoded = (Some(unknown_value()), None); // body read from a file
            } else {
                decoded = decode_body(Some(b), &headers, false);
                body = Some(b.to_string());
            }
        }
        requests.push(Request {
            method,
            url,
            start,
            end,
            headers,
            body,
            json: decoded.0,
            body_error: decoded.1,
            method_explicit: explicit,
        });
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn two_requests_and_a_body() {
        let text = "POST https://g/api/x HTTP/1.1\nContent-Type: application/json\n\n{\"a\": <N>}\n\n###\n/health\n";
        let rs = requests_from_http_block(text);
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].method, "POST");
        assert_eq!(
            rs[0].headers,
            vec![("Content-Type".to_string(), "application/json".to_string())]
        );
        assert!(crate::model::is_unknown(&rs[0].json.as_ref().unwrap()["a"]));
        assert_eq!(rs[1].url, "/health");
        assert!(!rs[1].method_explicit);
        assert_eq!(
            &text[rs[0].start..rs[0].end],
            "POST https://g/api/x HTTP/1.1\nContent-Type: application/json\n\n{\"a\": <N>}"
        );
        let _ = json!(null);
    }

    #[test]
    fn prose_is_no_request() {
        assert!(requests_from_http_block("just some words here\n").is_empty());
    }
}
