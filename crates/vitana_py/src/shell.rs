//! The shell normalizer's Python face: `shell_parse` and the statement functions.
//!
//! Python indexes a `str` by code point; the core works on UTF-8 bytes. Offsets are
//! converted here, both ways. ASCII text (most scripts) needs no conversion: byte
//! and code-point offsets are the same. A `str` with lone surrogates (which JSON
//! can carry) is handed over as WTF-8, Python's `surrogatepass` encoding, and the
//! values come back through the same codec, so nothing is lost.

use std::borrow::Cow;
use std::cell::Cell;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use vitana_core::normalize::shell;

/// A Python string's bytes, and where the last offset conversion left off.
///
/// Offsets come and go mostly in order (commands by start, words left to right), so
/// a conversion counts characters from the last one, forwards or backwards: O(text)
/// over a whole result, and no table of the text's size.
struct Text<'a> {
    bytes: Cow<'a, [u8]>,
    ascii: bool,
    /// (byte offset, code-point index) of the last conversion
    at: Cell<(usize, usize)>,
    /// whether `bytes` is valid UTF-8 (else WTF-8)
    utf8: bool,
}

/// Characters in `b`: the bytes that are not UTF-8 continuation bytes.
fn chars(b: &[u8]) -> usize {
    b.iter().filter(|&&x| x & 0xC0 != 0x80).count()
}

impl<'a> Text<'a> {
    fn new(s: &'a Bound<'_, PyString>) -> PyResult<Text<'a>> {
        let (bytes, utf8): (Cow<'a, [u8]>, bool) = match s.to_str() {
            Ok(t) => (Cow::Borrowed(t.as_bytes()), true),
            Err(_) => {
                let b = s.call_method1("encode", ("utf-8", "surrogatepass"))?;
                let b = b.cast_into::<PyBytes>()?;
                (Cow::Owned(b.as_bytes().to_vec()), false)
            }
        };
        Ok(Text {
            ascii: bytes.is_ascii(),
            bytes,
            at: Cell::new((0, 0)),
            utf8,
        })
    }

    /// The code-point index of a byte offset.
    fn cp(&self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        let byte = byte.min(self.bytes.len());
        let (b0, c0) = self.at.get();
        let c = if byte >= b0 {
            c0 + chars(&self.bytes[b0..byte])
        } else {
            c0 - chars(&self.bytes[byte..b0])
        };
        self.at.set((byte, c));
        c
    }

    /// The byte offset of a code-point index.
    fn byte(&self, cp: usize) -> usize {
        if self.ascii {
            return cp.min(self.bytes.len());
        }
        let (mut b, mut c) = self.at.get();
        let n = self.bytes.len();
        while c < cp && b < n {
            b += 1;
            while b < n && self.bytes[b] & 0xC0 == 0x80 {
                b += 1;
            }
            c += 1;
        }
        while c > cp && b > 0 {
            b -= 1;
            while b > 0 && self.bytes[b] & 0xC0 == 0x80 {
                b -= 1;
            }
            c -= 1;
        }
        self.at.set((b, c));
        b
    }

    fn spans_in(&self, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
        spans
            .iter()
            .map(|&(s, e)| (self.byte(s), self.byte(e)))
            .collect()
    }

    fn spans_out(&self, spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
        spans
            .into_iter()
            .map(|(s, e)| (self.cp(s), self.cp(e)))
            .collect()
    }
}

/// A Python `str` from UTF-8 bytes, or from WTF-8 through `surrogatepass`.
fn string<'py>(py: Python<'py>, b: &[u8], utf8_hint: bool) -> PyResult<Bound<'py, PyString>> {
    if utf8_hint || b.is_ascii() {
        if let Ok(s) = std::str::from_utf8(b) {
            return Ok(PyString::new(py, s));
        }
    }
    match std::str::from_utf8(b) {
        Ok(s) => Ok(PyString::new(py, s)),
        Err(_) => PyString::from_encoded_object(
            &PyBytes::new(py, b),
            Some(c"utf-8"),
            Some(c"surrogatepass"),
        ),
    }
}

fn commands<'py>(
    py: Python<'py>,
    text: &Text,
    cmds: Vec<shell::RawCommand>,
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for c in cmds {
        let argv = PyList::empty(py);
        for w in c.argv {
            let raw = string(py, &text.bytes[w.start..w.end], text.utf8)?;
            let value = match &w.value {
                shell::Value::Raw => raw.clone().into_any(),
                shell::Value::Text(v) => string(py, v, text.utf8)?.into_any(),
                shell::Value::Unknown => py.None().into_bound(py),
            };
            argv.append(PyTuple::new(
                py,
                [
                    raw.into_any(),
                    value,
                    text.cp(w.start).into_pyobject(py)?.into_any(),
                    text.cp(w.end).into_pyobject(py)?.into_any(),
                ],
            )?)?;
        }
        out.append((argv, text.cp(c.start), text.cp(c.end)))?;
    }
    Ok(out)
}

/// Every simple command in `text`: a list of (argv, start, end), each word a tuple
/// (raw, value or None, start, end); offsets are code-point indices.
/// `legacy` gives the Python parser's results, without the fixes made since (for
/// the differential test only).
#[pyfunction]
#[pyo3(signature = (text, legacy = false))]
fn shell_parse<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
    legacy: bool,
) -> PyResult<Bound<'py, PyList>> {
    let t = Text::new(text)?;
    let cmds = shell::parse_bytes(&t.bytes, shell::Options { legacy });
    commands(py, &t, cmds)
}

/// The commands of the given statement spans (sorted), as `shell_parse` gives them.
#[pyfunction]
#[pyo3(signature = (text, spans, legacy = false))]
fn shell_parse_statements<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyString>,
    spans: Vec<(usize, usize)>,
    legacy: bool,
) -> PyResult<Bound<'py, PyList>> {
    let t = Text::new(text)?;
    let cmds =
        shell::parse_statements_bytes(&t.bytes, &t.spans_in(&spans), shell::Options { legacy });
    commands(py, &t, cmds)
}

/// Spans of the top-level statements of a script, or None where the cheap lexer
/// cannot split it with certainty.
#[pyfunction]
fn shell_statements(text: &Bound<'_, PyString>) -> PyResult<Option<Vec<(usize, usize)>>> {
    let t = Text::new(text)?;
    Ok(shell::statements(&t.bytes).map(|s| t.spans_out(s)))
}

/// The spans of `shell_statements(text)` that hold one of `offsets`.
#[pyfunction]
fn shell_statements_at(
    text: &Bound<'_, PyString>,
    offsets: Vec<usize>,
) -> PyResult<Option<Vec<(usize, usize)>>> {
    let t = Text::new(text)?;
    let offsets: Vec<usize> = offsets.into_iter().map(|o| t.byte(o)).collect();
    Ok(shell::statements_at(&t.bytes, &offsets).map(|s| t.spans_out(s)))
}

/// The lines of `text` (spans, newline included) when all of it is plain commands.
#[pyfunction]
fn shell_plain_lines(text: &Bound<'_, PyString>) -> PyResult<Option<Vec<(usize, usize)>>> {
    let t = Text::new(text)?;
    Ok(shell::plain_lines(&t.bytes).map(|s| t.spans_out(s)))
}

/// The offset of every line's start.
#[pyfunction]
fn shell_line_starts(text: &Bound<'_, PyString>) -> PyResult<Vec<usize>> {
    let t = Text::new(text)?;
    Ok(shell::line_starts(&t.bytes)
        .into_iter()
        .map(|o| t.cp(o))
        .collect())
}

/// Sorted spans with adjacent ones merged.
#[pyfunction]
fn shell_runs(spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    shell::runs(&spans)
}

/// The command strings `code` (a `python`, `node`, `perl` or `ruby` program) passes to
/// calls that run commands, as (script, start, end) with code-point offsets, or
/// (script, None, None) when the command was assembled from an argv list; None for
/// another language.
/// (script, start, end) of a command string found in code, offsets in code points.
type CodeCommandSpan = (String, Option<usize>, Option<usize>);

#[pyfunction]
fn shell_code_commands(language: &str, code: &str) -> Option<Vec<CodeCommandSpan>> {
    let found = shell::code_commands(language, code)?;
    let ascii = code.is_ascii();
    let cp = |byte: usize| match code.get(..byte) {
        Some(head) if !ascii => head.chars().count(),
        _ => byte,
    };
    Some(
        found
            .into_iter()
            .map(|(script, span)| match span {
                Some((s, e)) => (script, Some(cp(s)), Some(cp(e))),
                None => (script, None, None),
            })
            .collect(),
    )
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(shell_code_commands, m)?)?;
    m.add("SHELL_MAX_DEPTH", shell::MAX_DEPTH)?;
    m.add("SHELL_DEPTH_MARK", shell::DEPTH_MARK)?;
    m.add_function(wrap_pyfunction!(shell_parse, m)?)?;
    m.add_function(wrap_pyfunction!(shell_parse_statements, m)?)?;
    m.add_function(wrap_pyfunction!(shell_statements, m)?)?;
    m.add_function(wrap_pyfunction!(shell_statements_at, m)?)?;
    m.add_function(wrap_pyfunction!(shell_plain_lines, m)?)?;
    m.add_function(wrap_pyfunction!(shell_line_starts, m)?)?;
    m.add_function(wrap_pyfunction!(shell_runs, m)?)?;
    Ok(())
}
