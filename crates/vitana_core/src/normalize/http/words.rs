//! From shell words to the option list and body text the clients read.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::json::parse_json_lenient;
use super::pyfmt::{is_word, lstrip, strip};
use crate::model::{unknown_value, Word};

/// Shell quote removal that keeps expansions (`$VAR`, `${X}`, `$(...)`) as text.
pub fn unquote(raw: &str) -> String {
    let b = raw.as_bytes();
    let n = b.len();
    let mut out = String::with_capacity(n);
    let mut i = 0;
    // pushes the character at byte i, returns its width
    let push_at = |out: &mut String, i: usize| -> usize {
        let c = raw[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(c);
        c.len_utf8()
    };
    while i < n {
        match b[i] {
            b'\'' => {
                let j = raw[i + 1..].find('\'').map_or(n, |k| i + 1 + k);
                out.push_str(&raw[i + 1..j]);
                i = j + 1;
            }
            b'$' if raw[i..].starts_with("$'") => {
                i += 2;
                while i < n && b[i] != b'\'' {
                    if b[i] == b'\\' && i + 1 < n {
                        match b[i + 1] {
                            b'n' => out.push('\n'),
                            b't' => out.push('\t'),
                            b'r' => out.push('\r'),
                            b'0' => out.push('\0'),
                            _ => {
                                i += 1 + push_at(&mut out, i + 1);
                                continue;
                            }
                        }
                        i += 2;
                    } else {
                        i += push_at(&mut out, i);
                    }
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < n && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < n && b"$`\"\\\n".contains(&b[i + 1]) {
                        if b[i + 1] != b'\n' {
                            out.push(b[i + 1] as char);
                        }
                        i += 2;
                    } else if raw[i..].starts_with("$(") {
                        let j = subst_end(raw, i);
                        out.push_str(&raw[i..j]);
                        i = j;
                    } else {
                        i += push_at(&mut out, i);
                    }
                }
                i += 1;
            }
            b'\\' => {
                if i + 1 < n && b[i + 1] != b'\n' {
                    i += 1 + push_at(&mut out, i + 1);
                } else {
                    i += 2;
                }
            }
            b'$' if raw[i..].starts_with("$(") => {
                let j = subst_end(raw, i);
                out.push_str(&raw[i..j]);
                i = j;
            }
            _ => i += push_at(&mut out, i),
        }
    }
    out
}

/// End of the `$(...)` starting at `i` (balanced parentheses, quotes skipped).
fn subst_end(raw: &str, i: usize) -> usize {
    let b = raw.as_bytes();
    let n = b.len();
    let mut depth = 0i64;
    let mut j = i + 1;
    let mut quote = 0u8;
    while j < n {
        let c = b[j];
        if quote != 0 {
            if c == b'\\' && quote == b'"' {
                j += 1;
            } else if c == quote {
                quote = 0;
            }
        } else if c == b'\'' || c == b'"' {
            quote = c;
        } else if c == b'\\' {
            j += 1;
        } else if c == b'(' {
            depth += 1;
        } else if c == b')' {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        }
        j += 1;
    }
    n
}

/// A word's value, or for a non-literal word its text with quotes removed.
pub fn text(word: &Word) -> String {
    match &word.value {
        Some(v) => v.clone(),
        None => unquote(&word.raw),
    }
}

/// `"$(cat <<'EOF' ... EOF)"` -> the here-document; other text unchanged.
pub fn body_text(text: &str) -> String {
    heredoc_subst(strip(text)).unwrap_or_else(|| text.to_string())
}

/// The body of a whole `$(cat <<EOF\n...\nEOF\n)`, as Python's
/// `\$\(\s*cat\s*<<-?\s*(['"]?)([A-Za-z_][\w-]*)\1[ \t]*\n(.*?)\n[ \t]*\2[ \t]*\n?\s*\)`
/// reads it (the `regex` crate has no back-references, so by hand).
fn heredoc_subst(t: &str) -> Option<String> {
    let rest = t.strip_prefix("$(")?;
    let rest = lstrip(rest).strip_prefix("cat")?;
    let rest = lstrip(rest).strip_prefix("<<")?;
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let rest = lstrip(rest);
    let (quote, rest) = match rest.chars().next() {
        Some(q @ ('\'' | '"')) => (Some(q), &rest[1..]),
        _ => (None, rest),
    };
    let first = rest.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let name_len = rest
        .char_indices()
        .find(|&(_, c)| !(is_word(c) || c == '-'))
        .map_or(rest.len(), |(i, _)| i);
    let name = &rest[..name_len];
    let mut rest = &rest[name_len..];
    if let Some(q) = quote {
        rest = rest.strip_prefix(q)?;
    }
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix('\n')?;
    // the shortest body after which `\n[ \t]*NAME` and only blanks before `)` follow
    let mut from = 0;
    while let Some(k) = rest[from..].find('\n') {
        let nl = from + k;
        let after = rest[nl + 1..].trim_start_matches([' ', '\t']);
        if let Some(tail) = after.strip_prefix(name) {
            if lstrip(tail.trim_start_matches([' ', '\t'])) == ")" {
                return Some(rest[..nl].to_string());
            }
        }
        from = nl + 1;
    }
    None
}

/// One option as `scan` reports it: (long name, argument).
pub type Opt = (String, Option<String>);

/// How one client spells its options.
pub struct OptionSpec {
    /// short options that take an argument
    pub short_arg: &'static str,
    /// short options reported under a long name (`-X` -> `request`)
    pub short_names: &'static [(char, &'static str)],
    /// long options that take an argument
    pub long_arg: &'static [&'static str],
    /// prefixes of short flags that are whole words (wget's `-nv`, `-nc`)
    pub prefix_flags: &'static [&'static str],
}

/// Split argv into options and positional words. Combined flags (`-sX POST`,
/// `-XPOST`) and `--opt=value` are understood.
pub fn scan<'w>(args: &'w [Word], spec: &OptionSpec) -> (Vec<Opt>, Vec<&'w Word>) {
    let mut opts = Vec::new();
    let mut pos = Vec::new();
    let mut i = 0;
    let n = args.len();
    let mut only_positional = false;
    while i < n {
        let w = &args[i];
        let t = text(w);
        i += 1;
        if only_positional || !t.starts_with('-') || t == "-" {
            pos.push(w);
            continue;
        }
        if t == "--" {
            only_positional = true;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            if let Some((name, val)) = long.split_once('=') {
                opts.push((name.to_string(), Some(val.to_string())));
            } else if spec.long_arg.contains(&long) && i < n {
                opts.push((long.to_string(), Some(text(&args[i]))));
                i += 1;
            } else {
                opts.push((long.to_string(), None));
            }
            continue;
        }
        if spec.prefix_flags.iter().any(|p| t.starts_with(p)) {
            opts.push((t[1..].to_string(), None));
            continue;
        }
        for (j, ch) in t.char_indices().skip(1) {
            let name = spec
                .short_names
                .iter()
                .find(|(c, _)| *c == ch)
                .map_or_else(|| ch.to_string(), |(_, long)| long.to_string());
            if spec.short_arg.contains(ch) {
                let rest = &t[j + ch.len_utf8()..];
                if !rest.is_empty() {
                    opts.push((name, Some(rest.to_string())));
                } else if i < n {
                    opts.push((name, Some(text(&args[i]))));
                    i += 1;
                } else {
                    opts.push((name, None));
                }
                break;
            }
            opts.push((name, None));
        }
    }
    (opts, pos)
}

/// A `Name: value` header (`Name;` sends it empty).
pub fn header(text: &str) -> Option<(String, String)> {
    match text.split_once(':') {
        Some((name, value)) => Some((strip(name).to_string(), strip(value).to_string())),
        None => text
            .strip_suffix(';')
            .map(|name| (strip(name).to_string(), String::new())),
    }
}

fn is_json_type(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .rev()
        .find(|(name, _)| name.to_lowercase() == "content-type")
        .is_some_and(|(_, value)| value.to_lowercase().contains("json"))
}

/// Whether a text is wholly a variable, a substitution or a placeholder.
pub fn whole_opaque(text: &str) -> bool {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(
            r"^[\s\x1c-\x1f]*(?:\$\{[^{}]*\}|\$[A-Za-z_][\p{L}\p{N}_]*|\$\((?s:.*)\)|`[^`]*`|<[^<>\n]+>)[\s\x1c-\x1f]*$",
        )
        .unwrap()
    })
    .is_match(text)
}

/// (json, body_error) for a body: parsed when it looks like JSON or is said to be.
pub fn decode_body(
    body: Option<&str>,
    headers: &[(String, String)],
    json_hint: bool,
) -> (Option<Value>, Option<String>) {
    let Some(body) = body else {
        return (None, None);
    };
    if whole_opaque(body) {
        return (Some(unknown_value()), None);
    }
    let declared = json_hint || is_json_type(headers);
    if lstrip(body).starts_with(['{', '[']) || declared {
        return match parse_json_lenient(body) {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e)),
        };
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_keeps_expansions() {
        assert_eq!(unquote(r#""$X/y"'z'\ w"#), "$X/yz w");
        assert_eq!(unquote(r#""$(echo "a b")""#), r#"$(echo "a b")"#);
        assert_eq!(unquote("$'a\\nb'"), "a\nb");
    }

    #[test]
    fn heredoc_bodies() {
        let t = "$(cat <<'EOF'\n{\"a\": 1}\nEOF\n)";
        assert_eq!(body_text(t), "{\"a\": 1}");
        assert_eq!(
            body_text("$(cat <<EOF\nx\nEOFX\n)"),
            "$(cat <<EOF\nx\nEOFX\n)"
        );
    }

    #[test]
    fn options_combined_and_attached() {
        let words: Vec<Word> = ["-sXPOST", "--data=a", "-H", "A: b", "u"]
            .iter()
            .map(|s| Word {
                raw: s.to_string(),
                value: Some(s.to_string()),
                start: 0,
                end: 0,
            })
            .collect();
        let spec = OptionSpec {
            short_arg: "XH",
            short_names: &[('X', "request")],
            long_arg: &[],
            prefix_flags: &[],
        };
        let (opts, pos) = scan(&words, &spec);
        assert_eq!(
            opts,
            vec![
                ("s".into(), None),
                ("request".into(), Some("POST".into())),
                ("data".into(), Some("a".into())),
                ("H".into(), Some("A: b".into())),
            ]
        );
        assert_eq!(pos.len(), 1);
    }
}
