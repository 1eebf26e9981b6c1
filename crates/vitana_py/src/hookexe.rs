//! The live guard's executable, embedded at build time (see build.rs): `hook install`
//! writes these bytes out and points the agents' settings at the file.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

static EXECUTABLE: &[u8] = include_bytes!(env!("VITANA_GUARD_HOOK_EXE"));

/// The bytes of `vitana-guard-hook` built with this extension.
#[pyfunction]
fn guard_executable(py: Python<'_>) -> Bound<'_, PyBytes> {
    PyBytes::new(py, EXECUTABLE)
}

/// A hash of those bytes (computed at build time): whether a written copy is this one.
#[pyfunction]
fn guard_build_id() -> &'static str {
    env!("VITANA_GUARD_HOOK_ID")
}

/// The config the native hook keys its pack on for a call at `start` (its port of
/// `vitana_guard/discovery.py`, with this process's HOME), or None.
#[pyfunction]
fn guard_discover_config(start: &str) -> Option<String> {
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/".into());
    vitana_core::guard::discovery::discover(
        std::path::Path::new(start),
        std::path::Path::new(&home),
    )
    .map(|p| p.to_string_lossy().into_owned())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(guard_executable, m)?)?;
    m.add_function(wrap_pyfunction!(guard_build_id, m)?)?;
    m.add_function(wrap_pyfunction!(guard_discover_config, m)?)?;
    Ok(())
}
