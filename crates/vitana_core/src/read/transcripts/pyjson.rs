//! JSON as the Python readers see it: parsing, error messages, `json.dumps` text and
//! the few Python value semantics (truthiness, `str()`, whitespace) the readers rely on.
//!
//! The fast path is `serde_json` (objects keep their key order, as Python's dicts do).
//! A record it rejects gets a second chance from a small parser that follows CPython's
//! `json` module: it accepts what CPython accepts (`NaN`, `Infinity`, lone surrogate
//! escapes, numbers out of f64's range) and words its errors the same way, with
//! code-point positions, so that a Notice reads as the Python reader's did.
//!
//! Deliberate differences from Python (a JSON value cannot hold them):
//! - `NaN`, `Infinity`, `-Infinity` and numbers beyond f64's range read as `null`;
//! - a lone surrogate escape (`"\ud800"`) reads as U+FFFD;
//! - an integer beyond 64 bits reads as the nearest f64.

use serde::de::DeserializeSeed;

use super::value::{Map, Number, Skip, Value, ValueSeed};

/// The deepest nesting accepted (orjson's limit, which the deleted Python readers hit first).
pub const MAX_DEPTH: usize = 1024;

/// orjson's message for bytes that are not UTF-8 (reported when the replacement-decoded
/// text does not parse either).
const NOT_UTF8: &str = "str is not valid UTF-8: surrogates not allowed: line 1 column 1 (char 0)";

/// A parsed value, or why not; `replaced` is true when invalid UTF-8 was read with
/// replacement characters (Python's `loads` → (value, error, utf8_replaced)).
pub struct Loaded {
    pub value: Option<Value>,
    pub error: Option<String>,
    pub replaced: bool,
}

/// Parse `raw` (bytes of a record); never panics.
pub fn loads(raw: &[u8]) -> Loaded {
    loads_skipping(raw, None)
}

/// `loads`, without building the members `skip` names (see `Skip`): the same answer for
/// every member the reader reads, the same errors and notices.
pub fn loads_skipping(raw: &[u8], skip: Option<&'static Skip>) -> Loaded {
    // UTF-8 checked once, for the whole record (a skipped string is not checked by the
    // parser): bytes that are not UTF-8 take the second chance, and its notice
    let Ok(text) = std::str::from_utf8(raw) else {
        return second_chance(raw);
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = ValueSeed(skip)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match parsed {
        // serde_json reads the integer `-0` as the float -0.0; Python as the int 0
        Ok(_) if has_minus_zero_int(raw) => second_chance(raw),
        Ok(v) => Loaded {
            value: Some(v),
            error: None,
            replaced: false,
        },
        Err(_) => second_chance(raw),
    }
}

/// Whether `raw` may hold the integer `-0` (a `-0` not followed by a digit, `.`, `e`).
/// (A `-0` must follow `:`, `[`, `,` or whitespace to be a number; one inside a string only
/// costs the slower parse.)
fn has_minus_zero_int(raw: &[u8]) -> bool {
    // the searcher built once, not per record
    static MINUS_ZERO: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"-0"));
    MINUS_ZERO.find_iter(raw).any(|i| {
        !matches!(raw.get(i + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
            && (i == 0
                || matches!(
                    raw[i - 1],
                    b':' | b'[' | b',' | b' ' | b'\t' | b'\n' | b'\r'
                ))
    })
}

/// Parse a string (a tool call's `arguments`).
pub fn loads_str(raw: &str) -> Loaded {
    loads(raw.as_bytes())
}

fn second_chance(raw: &[u8]) -> Loaded {
    let text = crate::utf8::lossy(raw);
    let replaced = matches!(text, std::borrow::Cow::Owned(_)); // only invalid bytes copy
    let chars: Vec<char> = text.chars().collect();
    let (result, deep) = if nesting(raw) > 64 {
        // a deep record: parsed on a thread with room for 1024 levels of recursion
        let owned = chars.clone();
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || parse_chars(&owned))
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or((
                Err(PyError {
                    msg: "nested",
                    pos: 0,
                }),
                true,
            ))
    } else {
        parse_chars(&chars)
    };
    match result {
        Ok(v) => Loaded {
            value: Some(v),
            error: None,
            replaced,
        },
        Err(e) => {
            let error = if deep {
                if replaced {
                    "JSON nested too deeply".to_string()
                } else {
                    "JSON nested too deeply (over 1024 levels)".to_string()
                }
            } else if replaced {
                NOT_UTF8.to_string()
            } else {
                short(&e.render(&chars), 200)
            };
            Loaded {
                value: None,
                error: Some(error),
                replaced: false,
            }
        }
    }
}

/// Python's `_short`: one line, at most `limit` code points.
pub fn short(msg: &str, limit: usize) -> String {
    let msg = msg.replace('\n', " ");
    if msg.chars().count() <= limit {
        return msg;
    }
    let mut out: String = msg.chars().take(limit - 3).collect();
    out.push_str("...");
    out
}

struct PyError {
    msg: &'static str,
    pos: usize,
}

impl PyError {
    /// CPython's JSONDecodeError text: `msg: line L column C (char P)`.
    fn render(&self, s: &[char]) -> String {
        let pos = self.pos.min(s.len());
        let lineno = s[..pos].iter().filter(|&&c| c == '\n').count() + 1;
        let colno = match s[..pos].iter().rposition(|&c| c == '\n') {
            Some(i) => pos - i,
            None => pos + 1,
        };
        format!(
            "{}: line {} column {} (char {})",
            self.msg, lineno, colno, self.pos
        )
    }
}

fn parse_chars(chars: &[char]) -> (Result<Value, PyError>, bool) {
    let mut p = PyParser {
        s: chars,
        depth: 0,
        deep: false,
    };
    let r = p.decode();
    (r, p.deep)
}

/// The deepest bracket nesting of `raw`, strings skipped (an upper bound is enough).
fn nesting(raw: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut esc) = (0usize, 0usize, false, false);
    for &b in raw {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn err<T>(msg: &'static str, pos: usize) -> Result<T, PyError> {
    Err(PyError { msg, pos })
}

/// CPython's `json` scanner, over code points.
struct PyParser<'a> {
    s: &'a [char],
    depth: usize,
    deep: bool,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl PyParser<'_> {
    fn ws(&self, mut i: usize) -> usize {
        while i < self.s.len() && is_ws(self.s[i]) {
            i += 1
        }
        i
    }

    fn decode(&mut self) -> Result<Value, PyError> {
        if self.s.first() == Some(&'\u{feff}') {
            return err("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
        }
        let start = self.ws(0);
        let (v, end) = self.value(start)?;
        let end = self.ws(end);
        if end != self.s.len() {
            return err("Extra data", end);
        }
        Ok(v)
    }

    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn matches(&self, i: usize, word: &str) -> bool {
        let n = word.chars().count();
        i + n <= self.s.len() && self.s[i..i + n].iter().copied().eq(word.chars())
    }

    fn value(&mut self, i: usize) -> Result<(Value, usize), PyError> {
        let Some(c) = self.at(i) else {
            return err("Expecting value", i);
        };
        match c {
            '"' => {
                let (s, end) = self.string(i + 1)?;
                return Ok((Value::String(s), end));
            }
            '{' | '[' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    self.deep = true;
                    return err("nested", i);
                }
                let r = if c == '{' {
                    self.object(i + 1)
                } else {
                    self.array(i + 1)
                };
                self.depth -= 1;
                return r;
            }
            'n' if self.matches(i, "null") => return Ok((Value::Null, i + 4)),
            't' if self.matches(i, "true") => return Ok((Value::Bool(true), i + 4)),
            'f' if self.matches(i, "false") => return Ok((Value::Bool(false), i + 5)),
            'N' if self.matches(i, "NaN") => return Ok((Value::Null, i + 3)),
            'I' if self.matches(i, "Infinity") => return Ok((Value::Null, i + 8)),
            '-' if self.matches(i, "-Infinity") => return Ok((Value::Null, i + 9)),
            _ => {}
        }
        self.number(i)
    }

    fn number(&self, start: usize) -> Result<(Value, usize), PyError> {
        let s = self.s;
        let n = s.len();
        let digit = |i: usize| i < n && s[i].is_ascii_digit();
        let mut i = start;
        if s[i] == '-' {
            i += 1;
            if i >= n {
                return err("Expecting value", start);
            }
        }
        if ('1'..='9').contains(&s[i]) {
            i += 1;
            while digit(i) {
                i += 1
            }
        } else if s[i] == '0' {
            i += 1;
        } else {
            return err("Expecting value", start);
        }
        let mut is_float = false;
        if i + 1 < n && s[i] == '.' && s[i + 1].is_ascii_digit() {
            is_float = true;
            i += 2;
            while digit(i) {
                i += 1
            }
        }
        if i + 1 < n && (s[i] == 'e' || s[i] == 'E') {
            let e_start = i;
            i += 1;
            if i + 1 < n && (s[i] == '-' || s[i] == '+') {
                i += 1;
            }
            while digit(i) {
                i += 1
            }
            if s[i - 1].is_ascii_digit() {
                is_float = true;
            } else {
                i = e_start;
            }
        }
        let text: String = s[start..i].iter().collect();
        let v = if is_float {
            text.parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map_or(Value::Null, Value::Number)
        } else if let Ok(x) = text.parse::<i64>() {
            Value::Number(x.into())
        } else if let Ok(x) = text.parse::<u64>() {
            Value::Number(x.into())
        } else {
            text.parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map_or(Value::Null, Value::Number)
        };
        Ok((v, i))
    }

    fn string(&self, mut end: usize) -> Result<(String, usize), PyError> {
        let s = self.s;
        let len = s.len();
        let begin = end - 1;
        let mut out = String::new();
        loop {
            let mut c = '\0';
            let mut next = end;
            while next < len {
                c = s[next];
                if c == '"' || c == '\\' {
                    break;
                }
                if (c as u32) <= 0x1f {
                    return err("Invalid control character at", next);
                }
                next += 1;
            }
            if !(c == '"' || c == '\\') || next >= len {
                return err("Unterminated string starting at", begin);
            }
            out.extend(&s[end..next]);
            next += 1;
            if c == '"' {
                end = next;
                break;
            }
            if next == len {
                return err("Unterminated string starting at", begin);
            }
            let e = s[next];
            if e != 'u' {
                end = next + 1;
                let ch = match e {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => return err("Invalid \\escape", end - 2),
                };
                out.push(ch);
            } else {
                next += 1;
                end = next + 4;
                if end >= len {
                    return err("Invalid \\uXXXX escape", next - 1);
                }
                let Some(mut cp) = hex4(&s[next..end]) else {
                    return err("Invalid \\uXXXX escape", end - 5);
                };
                if (0xd800..0xdc00).contains(&cp)
                    && end + 6 < len
                    && s[end] == '\\'
                    && s[end + 1] == 'u'
                {
                    let Some(c2) = hex4(&s[end + 2..end + 6]) else {
                        return err("Invalid \\uXXXX escape", end + 1);
                    };
                    if (0xdc00..0xe000).contains(&c2) {
                        cp = 0x10000 + (((cp - 0xd800) << 10) | (c2 - 0xdc00));
                        end += 6;
                    }
                }
                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
        }
        Ok((out, end))
    }

    fn object(&mut self, start: usize) -> Result<(Value, usize), PyError> {
        let mut map = Map::new();
        let mut i = self.ws(start);
        if self.at(i) != Some('}') {
            loop {
                if self.at(i) != Some('"') {
                    return err("Expecting property name enclosed in double quotes", i);
                }
                let (key, next) = self.string(i + 1)?;
                i = self.ws(next);
                if self.at(i) != Some(':') {
                    return err("Expecting ':' delimiter", i);
                }
                i = self.ws(i + 1);
                let (v, next) = self.value(i)?;
                map.insert(key, v);
                i = self.ws(next);
                if self.at(i) == Some('}') {
                    break;
                }
                if self.at(i) != Some(',') {
                    return err("Expecting ',' delimiter", i);
                }
                i = self.ws(i + 1);
            }
        }
        Ok((Value::Object(map), i + 1))
    }

    fn array(&mut self, start: usize) -> Result<(Value, usize), PyError> {
        let mut items = Vec::new();
        let mut i = self.ws(start);
        if self.at(i) != Some(']') {
            loop {
                let (v, next) = self.value(i)?;
                items.push(v);
                i = self.ws(next);
                if self.at(i) == Some(']') {
                    break;
                }
                if self.at(i) != Some(',') {
                    return err("Expecting ',' delimiter", i);
                }
                i = self.ws(i + 1);
            }
        }
        Ok((Value::Array(items), i + 1))
    }
}

fn hex4(s: &[char]) -> Option<u32> {
    let mut v = 0u32;
    for &c in s {
        v = (v << 4) | c.to_digit(16)?;
    }
    Some(v)
}

// --- Python value semantics ------------------------------------------------------------

/// `bool(value)`.
pub fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

/// `isinstance(value, int)` (a bool is an int in Python).
pub fn is_int(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(_)))
        || matches!(v, Some(Value::Number(n)) if n.is_i64() || n.is_u64())
}

/// The value of an int (bools as 0/1).
pub fn int_value(v: &Value) -> Option<i128> {
    match v {
        Value::Bool(b) => Some(*b as i128),
        Value::Number(n) => n
            .as_i64()
            .map(|x| x as i128)
            .or_else(|| n.as_u64().map(|x| x as i128)),
        _ => None,
    }
}

/// `type(value).__name__`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `str(value)` for scalars; containers as JSON text (a deliberate difference: Python
/// writes their repr; only equality between such keys matters to the readers).
pub fn py_str(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "None".into(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Bool(false)) => "False".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other @ Value::Number(_)) => dumps(other, false),
        Some(other) => format!("\u{0}repr:{}", dumps(other, false)),
    }
}

/// Python's `str.isspace()` for one character.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.strip()` is empty.
pub fn blank(s: &str) -> bool {
    s.chars().all(is_py_space)
}

/// `s.lstrip()`.
pub fn lstrip(s: &str) -> &str {
    s.trim_start_matches(is_py_space)
}

/// `s.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// `bytes.isspace()` (ASCII whitespace; False for empty bytes).
pub fn bytes_isspace(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter()
            .all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
}

/// The first `n` code points of `s`.
pub fn head_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The last `n` code points of `s`.
pub fn tail_chars(s: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    match s.char_indices().rev().nth(n - 1) {
        Some((i, _)) => &s[i..],
        None => s,
    }
}

// --- json.dumps --------------------------------------------------------------------------

/// `json.dumps(value, ensure_ascii=...)` with the default separators.
pub fn dumps(v: &Value, ensure_ascii: bool) -> String {
    let mut out = String::new();
    dump_into(v, ensure_ascii, &mut out);
    out
}

fn dump_into(v: &Value, ascii: bool, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string())
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string())
            } else {
                out.push_str(&float_repr(n.as_f64().unwrap_or(0.0)))
            }
        }
        Value::String(s) => dump_str(s, ascii, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump_into(x, ascii, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dump_str(k, ascii, out);
                out.push_str(": ");
                dump_into(x, ascii, out);
            }
            out.push('}');
        }
    }
}

fn dump_str(s: &str, ascii: bool, out: &mut String) {
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
            c if ascii && (c as u32) > 0x7f => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest round-trip digits, scientific below 1e-4 and from
/// 1e16 on.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    if !(-4..16).contains(&exp) {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        let es = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{es}{:02}", exp.abs());
    }
    if exp >= 0 {
        let point = exp as usize + 1;
        let (int, frac) = if digits.len() > point {
            (digits[..point].to_string(), digits[point..].to_string())
        } else {
            (
                format!("{}{}", digits, "0".repeat(point - digits.len())),
                "0".to_string(),
            )
        };
        format!("{sign}{int}.{frac}")
    } else {
        format!("{sign}0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(s: &str) -> String {
        loads(s.as_bytes()).error.unwrap_or_default()
    }

    #[test]
    fn errors_read_as_cpython_words_them() {
        assert_eq!(
            error_of("{\"a\": }"),
            "Expecting value: line 1 column 7 (char 6)"
        );
        assert_eq!(
            error_of("{\"a\" 1}"),
            "Expecting ':' delimiter: line 1 column 6 (char 5)"
        );
        assert_eq!(
            error_of("{\"a\": \"x"),
            "Unterminated string starting at: line 1 column 7 (char 6)"
        );
        assert_eq!(error_of("{} x"), "Extra data: line 1 column 4 (char 3)");
    }

    #[test]
    fn minus_zero_is_an_int() {
        let v = loads(b"[-0, -0.0, \"-0\"]").value.unwrap();
        assert_eq!(dumps(&v, false), "[0, -0.0, \"-0\"]");
    }

    #[test]
    fn python_extensions_are_read() {
        let l = loads(b"{\"a\": NaN, \"b\": \"\\ud800x\", \"c\": 1e400}");
        let v = l.value.unwrap();
        assert_eq!(v["a"], Value::Null);
        assert_eq!(v["b"], Value::String("\u{fffd}x".into()));
        assert_eq!(v["c"], Value::Null);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_flagged() {
        let l = loads(b"{\"a\": \"\xff\"}");
        assert!(l.replaced);
        assert_eq!(l.value.unwrap()["a"], Value::String("\u{fffd}".into()));
    }

    #[test]
    fn depth_is_limited_without_recursion_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(loads(deep.as_bytes()).error.unwrap().contains("deep"));
        let ok = format!("{}{}", "[".repeat(1024), "]".repeat(1024));
        assert!(loads(ok.as_bytes()).error.is_none());
    }

    #[test]
    fn dumps_like_python() {
        let v: Value = serde_json::from_str("{\"a\": [1, 2.5, 1e16, 0.0001, \"é\"]}").unwrap();
        assert_eq!(
            dumps(&v, true),
            "{\"a\": [1, 2.5, 1e+16, 0.0001, \"\\u00e9\"]}"
        );
        assert_eq!(dumps(&v, false), "{\"a\": [1, 2.5, 1e+16, 0.0001, \"é\"]}");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(123.0), "123.0");
    }
}
