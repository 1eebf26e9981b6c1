//! Python's text forms of plain values, where a user reads them: finding messages
//! (`{{ value }}` is Python's `str(value)`), the payload matcher's problem texts
//! (`{value!r}`), and Python's idea of whitespace (`str.split()`, `str.strip()`), which
//! the snippets and fingerprints use. The values are JSON values, as a rebuilt request's
//! body and the policy parameters hold them; the unknown value reads `UNKNOWN`.

use serde_json::Value;

use crate::model::is_unknown;

/// Whether Python's `str.isspace` holds for `c` (the HTTP normalizer's).
pub use crate::normalize::http::pyfmt::is_space;

/// `" ".join(text.split())`: runs of whitespace made one space, none at the ends.
pub fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(is_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `text.strip()`.
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// Python's `shlex.quote`.
pub fn shlex_quote(word: &str) -> String {
    if word.is_empty() {
        return "''".into();
    }
    let safe = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\"'\"'"))
    }
}

/// Python's truth value of a JSON value.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `str(value)`: a string as it is, anything else as `repr`.
pub fn str_of(value: &Value) -> String {
    match value {
        Value::String(s) if !is_unknown(value) => s.clone(),
        _ => repr(value),
    }
}

/// `repr(value)` of the Python object `json.loads` makes of a JSON value.
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out);
    out
}

fn write_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&float_repr(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(_) if is_unknown(value) => out.push_str("UNKNOWN"),
        Value::String(s) => out.push_str(&str_repr(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&str_repr(k));
                out.push_str(": ");
                write_repr(v, out);
            }
            out.push('}');
        }
    }
}

/// `type(value).__name__` of the Python object of a JSON value.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's `==` of two JSON values' objects (`1 == 1.0 == True`).
pub fn equal(a: &Value, b: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => match (a.as_i64(), b.as_i64()) {
                (Some(i), Some(j)) => i == j,
                _ => x == y,
            },
            _ => false,
        },
    }
}

/// `repr(s)` of a str (the HTTP normalizer's, which reads `str.isprintable` closely).
pub fn str_repr(s: &str) -> String {
    crate::normalize::http::pyfmt::repr(s)
}

/// `repr(x)` of a float: the shortest digits that read back as `x`, positional for
/// exponents -4..16, else `d.ddde+XX`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{x:e}"); // shortest round-trip digits: "-1.5e20", "1e0"
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the point
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        return format!("{sign}{body}");
    }
    let (first, rest) = digits.split_at(1);
    let mantissa = if rest.is_empty() {
        first.to_string()
    } else {
        format!("{first}.{rest}")
    };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
}

/// Compact JSON (`json.dumps(..., separators=(",", ":"))`) laid out as
/// `json.dumps(..., indent=indent)` lays it out: one member or item per line, `": "`
/// after keys, empty containers as `[]` and `{}`. Strings are copied as they are. The
/// reports build the compact text with the C encoder and lay it out here: with an
/// indent, Python's encoder is its pure-Python one, ten times slower on a report of a
/// few thousand inputs.
pub fn json_indent(compact: &str, indent: usize) -> String {
    let bytes = compact.as_bytes();
    let mut out = String::with_capacity(compact.len() + compact.len() / 2);
    let mut depth = 0usize;
    let mut i = 0;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend((0..depth * indent).map(|_| ' '));
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // a string, to its closing quote (escapes read in pairs)
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                out.push_str(&compact[start..i]);
                continue;
            }
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                if bytes.get(i + 1) == Some(&close) {
                    out.push(open as char);
                    out.push(close as char);
                    i += 2;
                    continue;
                }
                out.push(open as char);
                depth += 1;
                newline(&mut out, depth);
            }
            close @ (b'}' | b']') => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(close as char);
            }
            b',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            b':' => out.push_str(": "),
            _ => {
                // a number, true, false or null: up to the next structural byte
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b',' | b']' | b'}' | b':') {
                    i += 1;
                }
                out.push_str(&compact[start..i]);
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_json_is_laid_out_as_pythons_indent() {
        let compact = r#"{"a":[1,{},[]],"b":{"c":"x,\\\":[y]"},"d":-1.5e+20,"e":[null]}"#;
        assert_eq!(
            json_indent(compact, 2),
            "{\n  \"a\": [\n    1,\n    {},\n    []\n  ],\n  \"b\": {\n    \"c\": \"x,\\\\\\\":[y]\"\n  },\n  \"d\": -1.5e+20,\n  \"e\": [\n    null\n  ]\n}"
        );
        assert_eq!(json_indent("[]", 2), "[]");
        assert_eq!(json_indent("\"s\"", 2), "\"s\"");
    }

    #[test]
    fn reprs_read_as_pythons() {
        assert_eq!(repr(&json!("x")), "'x'");
        assert_eq!(repr(&json!("it's")), "\"it's\"");
        assert_eq!(repr(&json!("a'b\"c\n\\")), "'a\\'b\"c\\n\\\\'");
        assert_eq!(repr(&json!(true)), "True");
        assert_eq!(repr(&Value::Null), "None");
        assert_eq!(repr(&json!(1)), "1");
        assert_eq!(repr(&json!(-2.5)), "-2.5");
        assert_eq!(repr(&json!(1.0)), "1.0");
        assert_eq!(repr(&json!(1e20)), "1e+20");
        assert_eq!(repr(&json!(1.5e-7)), "1.5e-07");
        assert_eq!(repr(&json!(0.0001)), "0.0001");
        assert_eq!(repr(&json!(123456789012345680.0)), "1.2345678901234568e+17");
        assert_eq!(repr(&json!({"a": [1, null, "b"]})), "{'a': [1, None, 'b']}");
        assert_eq!(repr(&json!("\u{7}é\u{a0}")), "'\\x07é\\xa0'");
        assert_eq!(str_of(&json!("x")), "x");
        assert_eq!(str_of(&json!(false)), "False");
        assert_eq!(str_of(&crate::model::unknown_value()), "UNKNOWN");
    }

    #[test]
    fn equality_and_truth_are_pythons() {
        assert!(equal(&json!(1), &json!(1.0)));
        assert!(equal(&json!(true), &json!(1)));
        assert!(!equal(&json!("1"), &json!(1)));
        assert!(equal(&json!({"a": [0]}), &json!({"a": [false]})));
        assert!(!truthy(&json!(0.0)) && !truthy(&json!("")) && !truthy(&json!([])));
        assert!(truthy(&json!("False")));
        assert_eq!(type_name(&json!(1.0)), "float");
        assert_eq!(type_name(&json!(1)), "int");
    }

    #[test]
    fn whitespace_is_pythons() {
        assert_eq!(squeeze("  a\u{1f}b \n\tc\u{a0} "), "a b c");
        assert_eq!(strip("\u{1c} x \u{2028}"), "x");
    }
}
