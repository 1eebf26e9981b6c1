//! Python's spellings of small things the HTTP rebuild writes into its results:
//! whitespace as `str.isspace` sees it, `repr` of a string (error messages),
//! `urllib.parse.quote` / `urlencode`, and `json.dumps` (re-dumped httpie bodies).
//! The results are compared with the Python original's, so they must match it.

use serde_json::Value;

/// `str.isspace` of one character: Unicode White_Space plus the four separators
/// U+001C..U+001F, which Python also counts.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `str.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `str.lstrip()`.
pub fn lstrip(s: &str) -> &str {
    s.trim_start_matches(is_space)
}

/// A character of Python's `\w`: a letter, a number, or `_`.
pub fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `repr` prints a character as itself (`str.isprintable`), for the characters
/// an error message can quote. Close to Python's table: controls, format characters,
/// separators other than space, surrogates and private use are not printable
/// (unassigned code points are the one difference: Python escapes them).
fn printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || (0x7f..0xa0).contains(&u) {
        return false;
    }
    if c != ' ' && is_space(c) {
        return false;
    }
    !matches!(u,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f
        | 0xfeff | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f
        | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        | 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd
        | 0xfffe | 0xffff)
}

/// `repr(s)` of a Python str.
pub fn repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if printable(c) => out.push(c),
            c => {
                let u = c as u32;
                if u < 0x100 {
                    out.push_str(&format!("\\x{u:02x}"));
                } else if u < 0x10000 {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\U{u:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// `urllib.parse.quote(s, safe=extra)`: UTF-8, every byte but the unreserved ones and
/// `extra` written `%XX`.
pub fn quote(s: &str, extra: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || extra.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `urllib.parse.urlencode(pairs)` (quote_plus: a space is `+`).
pub fn urlencode(pairs: &[(String, String)]) -> String {
    let plus = |s: &str| quote(s, b" ").replace(' ', "+");
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", plus(k), plus(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `repr(f)` of a Python float: the shortest digits that read back, fixed notation for
/// exponents -4..16, else `1e+16` style.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let body = if (-4..16).contains(&exp) {
        if exp >= 0 {
            let e = exp as usize;
            let (int, frac) = if digits.len() > e + 1 {
                (digits[..e + 1].to_string(), digits[e + 1..].to_string())
            } else {
                (format!("{digits:0<width$}", width = e + 1), String::new())
            };
            format!("{int}.{}", if frac.is_empty() { "0" } else { &frac })
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let exp_sign = if exp < 0 { '-' } else { '+' };
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{first}{dot}e{exp_sign}{:02}", exp.abs())
    };
    format!("{sign}{body}")
}

/// A string as `json.dumps(..., ensure_ascii=False)` writes it.
fn dump_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.dumps(value, ensure_ascii=False)`: `", "` and `": "` separators, Python's
/// float spelling. Iterative, so deep values cannot overflow the stack.
pub fn dumps(value: &Value) -> String {
    enum Step<'a> {
        Value(&'a Value),
        Text(&'static str),
        Key(&'a str),
    }
    let mut out = String::new();
    let mut stack = vec![Step::Value(value)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Text(t) => out.push_str(t),
            Step::Key(k) => {
                dump_str(k, &mut out);
                out.push_str(": ");
            }
            Step::Value(v) => match v {
                Value::Null => out.push_str("null"),
                Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => out.push_str(&i.to_string()),
                    (_, Some(u), _) => out.push_str(&u.to_string()),
                    (_, _, Some(f)) => out.push_str(&float_repr(f)),
                    _ => out.push_str("null"),
                },
                Value::String(s) => dump_str(s, &mut out),
                Value::Array(items) => {
                    out.push('[');
                    stack.push(Step::Text("]"));
                    for (i, item) in items.iter().enumerate().rev() {
                        stack.push(Step::Value(item));
                        if i > 0 {
                            stack.push(Step::Text(", "));
                        }
                    }
                }
                Value::Object(map) => {
                    out.push('{');
                    stack.push(Step::Text("}"));
                    let members: Vec<_> = map.iter().collect();
                    for (i, (k, item)) in members.into_iter().enumerate().rev() {
                        stack.push(Step::Value(item));
                        stack.push(Step::Key(k));
                        if i > 0 {
                            stack.push(Step::Text(", "));
                        }
                    }
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_python_writes_them() {
        for (f, s) in [
            (1.5, "1.5"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (-0.0, "-0.0"),
            (123.456, "123.456"),
            (1e300, "1e+300"),
        ] {
            assert_eq!(float_repr(f), s);
        }
    }

    #[test]
    fn repr_picks_quotes_and_escapes() {
        assert_eq!(repr("ab"), "'ab'");
        assert_eq!(repr("a'b"), "\"a'b\"");
        assert_eq!(repr("a'\"\n"), "'a\\'\"\\n'");
        assert_eq!(repr("\u{1}é"), "'\\x01é'");
    }

    #[test]
    fn quote_and_urlencode() {
        assert_eq!(quote("a b/é~", b""), "a%20b%2F%C3%A9~");
        assert_eq!(urlencode(&[("k y".into(), "v&1".into())]), "k+y=v%261");
    }

    #[test]
    fn dumps_like_python() {
        let v: Value = serde_json::from_str(r#"{"a": [1, 2.5, "x\n"], "b": {"c": null}}"#).unwrap();
        assert_eq!(dumps(&v), r#"{"a": [1, 2.5, "x\n"], "b": {"c": null}}"#);
    }
}
