//! Python text into Rust text, for the bindings that take a `str`.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// A Python str as Rust text. A lone surrogate (Python allows them, UTF-8 does not)
/// becomes U+FFFD, one character for one, so code-point offsets still hold.
pub(crate) fn text_of(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let s = obj.cast::<PyString>()?;
    match s.to_str() {
        Ok(t) => Ok(t.to_string()),
        Err(_) => {
            let bytes = s.call_method1("encode", ("utf-16-le", "surrogatepass"))?;
            let units: Vec<u16> = bytes
                .extract::<&[u8]>()?
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            Ok(String::from_utf16_lossy(&units))
        }
    }
}

/// Compact JSON laid out as `json.dumps(..., indent=indent)` would (see
/// `vitana_core::pyfmt::json_indent`).
#[pyfunction]
fn json_indent(py: Python<'_>, compact: &str, indent: usize) -> String {
    py.detach(|| vitana_core::pyfmt::json_indent(compact, indent))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(json_indent, m)?)
}
