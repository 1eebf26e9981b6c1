//! `vitana_guard._core`: the engine's Python face. Thin wrappers only; the logic
//! lives in `vitana_core`, which knows nothing of Python.

mod digest;
mod git;
mod guard;
mod http;
mod scan;
mod segment;
mod shell;
mod text;

use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyString};

mod hookexe;
mod matching;
mod transcripts;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc; // Rust's allocations only (Python keeps its own)

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

    /// The keywords present in `text` or in its shell view (quotes removed, escapes
    /// decoded), and whether the view added any (the text spells one in pieces).
    fn present_shell<'py>(
        &self,
        py: Python<'py>,
        text: &str,
    ) -> PyResult<(Bound<'py, PyFrozenSet>, bool)> {
        let (found, hidden) = self.inner.present_shell(text);
        Ok((
            PyFrozenSet::new(py, found.iter().map(|&i| self.words[i].bind(py)))?,
            hidden,
        ))
    }

    /// Whether any keyword occurs in UTF-8 `data` (invalid sequences read as U+FFFD) or
    /// in its shell view.
    fn any_in(&self, py: Python<'_>, data: &[u8]) -> bool {
        py.detach(|| self.inner.any_in_bytes(data))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// Which lines of a JSONL transcript to parse (see `vitana_core::records`).
#[pyclass(frozen, module = "vitana_guard._core")]
struct RecordFilter {
    inner: vitana_core::records::RecordFilter,
}

#[pymethods]
impl RecordFilter {
    #[new]
    fn new(keywords: Vec<String>) -> Self {
        RecordFilter {
            inner: vitana_core::records::RecordFilter::new(&keywords),
        }
    }

    /// Whether `data` holds any keyword or a JSON escape.
    fn any_hit(&self, py: Python<'_>, data: &[u8]) -> bool {
        py.detach(|| self.inner.any_hit(data))
    }

    /// Offsets of the starts of the lines of `block` to parse, ascending.
    fn candidates(&self, py: Python<'_>, block: &[u8]) -> Vec<usize> {
        py.detach(|| self.inner.candidates(block))
    }
}

/// A rule regex as the core runs it (see `vitana_core::pattern`): on the linear-time
/// engine, or on the bounded backtracking one for look-around and back-references
/// (`engine`, `reason`). Raises ValueError with the reason when neither can run the
/// pattern; a search that runs past the backtrack limit raises TimeoutError.
#[pyclass(frozen, module = "vitana_guard._core")]
struct Regex {
    inner: vitana_core::pattern::Pattern,
}

fn timed_out(_: vitana_core::pattern::TimedOut) -> PyErr {
    pyo3::exceptions::PyTimeoutError::new_err("regex ran past its backtracking limit")
}

#[pymethods]
impl Regex {
    #[new]
    #[pyo3(signature = (pattern, ignore_case=false, multi_line=true))]
    fn new(pattern: &str, ignore_case: bool, multi_line: bool) -> PyResult<Self> {
        // compiled now: a rule's regex is checked when its file loads
        let inner = vitana_core::pattern::Pattern::new(pattern, ignore_case, multi_line)
            .and_then(|p| p.check().map(|()| p))
            .map_err(pyo3::exceptions::PyValueError::new_err)?;
        Ok(Regex { inner })
    }

    /// "linear" or "backtracking (bounded)".
    #[getter]
    fn engine(&self) -> &'static str {
        self.inner.engine().name()
    }

    /// Why the linear engine does not run it (None when it does).
    #[getter]
    fn reason(&self) -> Option<String> {
        self.inner.reason().map(str::to_owned)
    }

    /// The first match as (start, end) in code points, or None.
    fn search(&self, py: Python<'_>, text: &str) -> PyResult<Option<(usize, usize)>> {
        py.detach(|| self.inner.search(text)).map_err(timed_out)
    }

    fn is_match(&self, py: Python<'_>, text: &str) -> PyResult<bool> {
        py.detach(|| self.inner.is_match(text)).map_err(timed_out)
    }

    /// Every non-overlapping match as (start, end) in code points.
    fn find_all(&self, py: Python<'_>, text: &str) -> PyResult<Vec<(usize, usize)>> {
        py.detach(|| self.inner.find_all(text)).map_err(timed_out)
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<KeywordSet>()?;
    m.add_class::<RecordFilter>()?;
    m.add_class::<Regex>()?;
    shell::register(m)?;
    http::register(m)?;
    git::register(m)?;
    transcripts::register(m)?;
    segment::register(m)?;
    scan::register(m)?;
    hookexe::register(m)?;
    guard::register(m)?;
    text::register(m)?;
    digest::register(m)?;
    matching::register(m)?;
    Ok(())
}
