//! Bindings of file reading (`vitana_core::read::files`) and classification into
//! segments (`vitana_core::segment`). The core counts positions in code points, as
//! Python does, so nothing is converted; a segment comes back as a tuple in the field
//! order of model.py's `Segment` (without its origin, which is the same for all).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyString;
use vitana_core::model::{Notice, NoticeLevel};
use vitana_core::read::files;
use vitana_core::segment::{self, RunSpan, WorkflowYaml};

use crate::text::text_of;

/// The kind of a file from its path and first characters.
#[pyfunction]
fn file_kind(path: &Bound<'_, PyString>, head: &Bound<'_, PyString>) -> PyResult<&'static str> {
    Ok(segment::file_kind(
        &text_of(path.as_any())?,
        &text_of(head.as_any())?,
    ))
}

type SegmentTuple = (String, &'static str, u64, u64, u64, bool);
pub(crate) type YamlSpans = (
    Vec<(usize, usize, usize, Option<char>, Option<String>)>,
    Vec<(usize, String)>,
);

/// The segments of a file of `kind` as [(text, channel, line, column, indent, flat)].
/// `yaml`: a workflow's `run:` scalars and releasing steps as Python's YAML
/// composer found them; None when it is not YAML (found line by line).
/// The (run spans, releasing steps) PyYAML found in a workflow, as the core reads them.
pub(crate) fn workflow_yaml((spans, actions): YamlSpans) -> WorkflowYaml {
    WorkflowYaml {
        spans: spans
            .into_iter()
            .map(|(key_col, start, end, style, value)| RunSpan {
                key_col,
                start,
                end,
                style,
                value,
            })
            .collect(),
        actions,
    }
}

#[pyfunction]
#[pyo3(signature = (path, text, kind, yaml=None))]
fn classify_segments(
    py: Python<'_>,
    path: &Bound<'_, PyString>,
    text: &Bound<'_, PyString>,
    kind: &str,
    yaml: Option<YamlSpans>,
) -> PyResult<Vec<SegmentTuple>> {
    let path = text_of(path.as_any())?;
    let text = text_of(text.as_any())?;
    let yaml = yaml.map(workflow_yaml);
    let segs = py.detach(|| segment::segments(&path, &text, Some(kind), yaml.as_ref()));
    Ok(segs
        .into_iter()
        .map(|s| {
            (
                s.text,
                s.channel.as_str(),
                s.line,
                s.column,
                s.indent,
                s.flat,
            )
        })
        .collect())
}

/// A notice as (message, path, line, level), the fields of model.py's `Notice`.
pub(crate) type NoticeTuple = (String, Option<String>, Option<u64>, &'static str);

pub(crate) fn notice_tuple(n: Notice) -> NoticeTuple {
    let level = match n.level {
        NoticeLevel::Error => "error",
        NoticeLevel::Note => "note",
    };
    (n.message, n.path, n.line, level)
}

/// A file's bytes, or None and the notice (message, path, line, level) saying why.
#[pyfunction]
fn read_file_bytes(
    py: Python<'_>,
    path: PathBuf,
    display: String,
    max_bytes: u64,
    size: u64,
) -> (Option<std::borrow::Cow<'static, [u8]>>, Option<NoticeTuple>) {
    match py.detach(|| files::read_bytes(&path, &display, max_bytes, size)) {
        Ok(data) => (Some(data.into()), None),
        Err(n) => (None, Some(notice_tuple(n))),
    }
}

/// Text from a file's bytes, or None; and the notice, if any.
#[pyfunction]
fn decode_file(
    py: Python<'_>,
    path: &Bound<'_, PyString>,
    display: String,
    data: &[u8],
) -> PyResult<(Option<String>, Option<NoticeTuple>)> {
    let path = text_of(path.as_any())?;
    let (text, notice) = py.detach(|| files::decode(&path, &display, data));
    Ok((text, notice.map(notice_tuple)))
}

/// Whether a file holding NUL bytes is still a shell script a shell runs.
#[pyfunction]
fn shell_runs_it(path: &Bound<'_, PyString>, data: &[u8]) -> PyResult<bool> {
    Ok(files::shell_runs_it(&text_of(path.as_any())?, data))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(file_kind, m)?)?;
    m.add_function(wrap_pyfunction!(classify_segments, m)?)?;
    m.add_function(wrap_pyfunction!(read_file_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(decode_file, m)?)?;
    m.add_function(wrap_pyfunction!(shell_runs_it, m)?)?;
    Ok(())
}
