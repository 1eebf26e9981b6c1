//! Bindings of the live guard's own code (`vitana_core::guard`). The native hook runs the
//! checks itself; the bindings that let a differential test hold them to the Python
//! originals went with those originals once parity held. What is left is read from Python.

use pyo3::prelude::*;
use pyo3::types::PyString;
use vitana_core::guard::edits;

use crate::text::text_of;

/// The files a Codex `apply_patch` writes: [(path, kind, lines)].
#[pyfunction]
fn patch_files(patch: &Bound<'_, PyString>) -> PyResult<Vec<(String, String, Vec<String>)>> {
    Ok(edits::patch_files(&text_of(patch.as_any())?)
        .into_iter()
        .map(|f| (f.path, f.kind, f.lines))
        .collect())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(patch_files, m)?)?;
    Ok(())
}
