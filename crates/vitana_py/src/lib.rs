//! `vitana_guard._core`: the engine's Python face. Thin wrappers only; the logic
//! lives in `vitana_core`, which knows nothing of Python.

mod shell;

use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyString};

/// A compiled keyword set: which of its keywords occur in a text.
#[pyclass(frozen, module = "vitana_guard._core")]
struct KeywordSet {
    inner: vitana_core::keywords::KeywordSet,
    /// the keywords as Python strings, so a result shares them rather than copying
    words: Vec<Py<PyString>>,
}

#[pymethods]
impl KeywordSet {
    #[new]
    fn new(py: Python<'_>, keywords: Vec<String>) -> Self {
        let words = keywords
            .iter()
            .map(|k| PyString::new(py, k).unbind())
            .collect();
        KeywordSet {
            inner: vitana_core::keywords::KeywordSet::new(&keywords),
            words,
        }
    }

    /// The keywords present in `text` (matched on its lower-case form).
    fn present<'py>(&self, py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyFrozenSet>> {
        let found = self.inner.present(text);
        PyFrozenSet::new(py, found.iter().map(|&i| self.words[i].bind(py)))
    }

    /// Whether any keyword occurs in `text`.
    fn any_in(&self, text: &str) -> bool {
        self.inner.any_in(text)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<KeywordSet>()?;
    shell::register(m)?;
    Ok(())
}
