//! sha256 and sealed cache entries for the Python side: a one-shot command (`scan
//! FILE`, the pre-commit hook) checks its cached pack and hashes its inputs without
//! importing `hashlib` and `hmac` (OpenSSL's load is a few percent of its run).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use vitana_core::guard::{sealed, state};

/// The sha256 of `data`, in hex.
#[pyfunction]
fn sha256_hex(py: Python<'_>, data: &[u8]) -> String {
    py.detach(|| state::sha256_hex(data))
}

/// The sha256 of a file's bytes in hex, without the GIL (a big file is hashed on a
/// thread while it is scanned); None when it cannot be read.
#[pyfunction]
fn sha256_file(py: Python<'_>, path: PathBuf) -> Option<String> {
    py.detach(|| state::sha256_file(&path).ok())
}

/// The payload of the sealed entry at `path` compiled from `source` (a content hash),
/// verified as `vitana_guard/sealed.py` writes it; None when it is missing or fails a
/// check (then the caller rebuilds it).
#[pyfunction]
fn sealed_read<'py>(py: Python<'py>, path: PathBuf, source: &str) -> Option<Bound<'py, PyBytes>> {
    let payload = py.detach(|| sealed::read(&path, source))?;
    Some(PyBytes::new(py, &payload))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sha256_hex, m)?)?;
    m.add_function(wrap_pyfunction!(sha256_file, m)?)?;
    m.add_function(wrap_pyfunction!(sealed_read, m)?)?;
    Ok(())
}
