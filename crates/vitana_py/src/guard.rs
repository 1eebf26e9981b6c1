//! Bindings of the live guard's own checks (`vitana_core::guard`): tamper, what a
//! command runs from disk, and edits applied. The Python originals in
//! `vitana_guard/hooks/` stay what the Python hook runs; these exist so the
//! differential test (tests/test_parity_guard.py) can hold the port to them.
//!
//! Tool arguments cross as JSON (`json.dumps` of the dict), which is how the native
//! hook receives them. Lines written come back as a frozenset, as Python gives them.

use std::collections::BTreeSet;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyString};
use serde_json::{Map, Value};
use vitana_core::guard::{edits, ondisk, tamper, GuardPaths};

use crate::text::text_of;

/// A Python object as JSON, through `json.dumps`.
fn json_of(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let dumped = obj
        .py()
        .import("json")?
        .call_method1("dumps", (obj,))?
        .extract::<String>()?;
    serde_json::from_str(&dumped).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn map_of(obj: &Bound<'_, PyAny>) -> PyResult<Map<String, Value>> {
    match json_of(obj)? {
        Value::Object(m) => Ok(m),
        _ => Err(PyTypeError::new_err("the arguments are not a dict")),
    }
}

fn opt_text(obj: Option<&Bound<'_, PyString>>) -> PyResult<Option<String>> {
    obj.map(|s| text_of(s.as_any())).transpose()
}

/// (what, reason) of a tamper.
type Found = Option<(String, String)>;

fn found(t: Option<tamper::Tamper>) -> Found {
    t.map(|t| {
        let reason = t.reason();
        (t.what, reason)
    })
}

/// `tamper.judge`: (what, reason) of the tamper a call would do, or None. `code_dirs`
/// are the guard's code directories; HOME and XDG_* are read from the environment.
#[pyfunction]
#[pyo3(signature = (tool, args, cwd, shell_text, code_dirs))]
fn tamper_judge(
    tool: &Bound<'_, PyString>,
    args: &Bound<'_, PyAny>,
    cwd: Option<&Bound<'_, PyString>>,
    shell_text: Option<&Bound<'_, PyString>>,
    code_dirs: Vec<String>,
) -> PyResult<Found> {
    let paths = GuardPaths::from_env(code_dirs);
    let (cwd, shell_text) = (opt_text(cwd)?, opt_text(shell_text)?);
    Ok(found(tamper::judge(
        &text_of(tool.as_any())?,
        &map_of(args)?,
        cwd.as_deref(),
        shell_text.as_deref(),
        &paths,
    )))
}

/// `tamper.judge_shell`: (what, reason), or None.
#[pyfunction]
#[pyo3(signature = (text, cwd, code_dirs))]
fn tamper_judge_shell(
    text: &Bound<'_, PyString>,
    cwd: Option<&Bound<'_, PyString>>,
    code_dirs: Vec<String>,
) -> PyResult<Found> {
    let paths = GuardPaths::from_env(code_dirs);
    let cwd = opt_text(cwd)?;
    Ok(found(tamper::judge_shell(
        &text_of(text.as_any())?,
        cwd.as_deref(),
        &paths,
    )))
}

/// `ondisk.scripts`: [(what, script)]; ValueError with the reason to deny.
#[pyfunction]
fn ondisk_scripts(
    text: &Bound<'_, PyString>,
    cwd: Option<&Bound<'_, PyString>>,
) -> PyResult<Vec<(String, String)>> {
    let cwd = opt_text(cwd)?;
    ondisk::scripts(&text_of(text.as_any())?, cwd.as_deref()).map_err(PyValueError::new_err)
}

type Edited<'py> = Option<(String, Bound<'py, PyFrozenSet>)>;

fn edited<'py>(py: Python<'py>, r: Option<(String, BTreeSet<u64>)>) -> PyResult<Edited<'py>> {
    r.map(|(text, lines)| Ok((text, PyFrozenSet::new(py, lines.iter())?)))
        .transpose()
}

/// `edited.apply_edits`: (text, frozenset of lines written), or None.
#[pyfunction]
fn apply_edits<'py>(
    py: Python<'py>,
    path: &Bound<'py, PyString>,
    cwd: &Bound<'py, PyString>,
    args: &Bound<'py, PyAny>,
    edits: &Bound<'py, PyAny>,
) -> PyResult<Edited<'py>> {
    let edits = match json_of(edits)? {
        Value::Array(a) => a,
        _ => return Err(PyTypeError::new_err("edits is not a list")),
    };
    let r = edits::apply_edits(
        &text_of(path.as_any())?,
        &text_of(cwd.as_any())?,
        &map_of(args)?,
        &edits,
    );
    edited(py, r)
}

/// `edited.patch_files`: [(path, kind, lines)].
#[pyfunction]
fn patch_files(patch: &Bound<'_, PyString>) -> PyResult<Vec<(String, String, Vec<String>)>> {
    Ok(edits::patch_files(&text_of(patch.as_any())?)
        .into_iter()
        .map(|f| (f.path, f.kind, f.lines))
        .collect())
}

/// `edited.apply_hunks`: (text, frozenset of lines written), or None.
#[pyfunction]
fn apply_hunks<'py>(
    py: Python<'py>,
    path: &Bound<'py, PyString>,
    cwd: &Bound<'py, PyString>,
    lines: Vec<String>,
) -> PyResult<Edited<'py>> {
    let r = edits::apply_hunks(&text_of(path.as_any())?, &text_of(cwd.as_any())?, &lines);
    edited(py, r)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tamper_judge, m)?)?;
    m.add_function(wrap_pyfunction!(tamper_judge_shell, m)?)?;
    m.add_function(wrap_pyfunction!(ondisk_scripts, m)?)?;
    m.add_function(wrap_pyfunction!(apply_edits, m)?)?;
    m.add_function(wrap_pyfunction!(patch_files, m)?)?;
    m.add_function(wrap_pyfunction!(apply_hunks, m)?)?;
    Ok(())
}
