//! Transcript readers (see `vitana_core::read::transcripts`): an iterator of plain tuples
//! that `vitana_guard/transcripts/__init__.py` turns into the model's Segment and Notice.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use vitana_core::model::Item;
use vitana_core::read::transcripts as core;

use crate::segment::notice_tuple;

/// The items of one transcript file, in file order. A Segment is
/// `("s", text, channel, path, kind, record_id, record_index, session, actor, status,
/// tool, via, line, column, indent, flat)`; a Notice is `("n", message, path, line, level)`.
#[pyclass(module = "vitana_guard._core")]
struct TranscriptReader {
    inner: core::TranscriptReader,
}

#[pymethods]
impl TranscriptReader {
    #[new]
    #[pyo3(signature = (path, display_path, format=None, keywords=None, max_record_bytes=None))]
    fn new(
        py: Python<'_>,
        path: String,
        display_path: String,
        format: Option<String>,
        keywords: Option<Vec<String>>,
        max_record_bytes: Option<usize>,
    ) -> Self {
        let inner = py.detach(|| open(&path, &display_path, format, keywords, max_record_bytes));
        TranscriptReader { inner }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let inner = &mut self.inner;
        let Some(item) = py.detach(|| inner.next()) else {
            return Ok(None);
        };
        let t = match item {
            Item::Segment(s) => {
                let o = s.origin;
                let parts: Vec<Bound<'py, PyAny>> = vec![
                    "s".into_pyobject(py)?.into_any(),
                    s.text.into_pyobject(py)?.into_any(),
                    s.channel.as_str().into_pyobject(py)?.into_any(),
                    o.path.into_pyobject(py)?.into_any(),
                    o.kind.into_pyobject(py)?.into_any(),
                    o.record_id.into_pyobject(py)?.into_any(),
                    o.record_index.into_pyobject(py)?.into_any(),
                    o.session.into_pyobject(py)?.into_any(),
                    o.actor.map(|a| a.as_str()).into_pyobject(py)?.into_any(),
                    o.status.map(|st| st.as_str()).into_pyobject(py)?.into_any(),
                    o.tool.into_pyobject(py)?.into_any(),
                    o.via.into_pyobject(py)?.into_any(),
                    s.line.into_pyobject(py)?.into_any(),
                    s.column.into_pyobject(py)?.into_any(),
                    s.indent.into_pyobject(py)?.into_any(),
                    s.flat.into_pyobject(py)?.to_owned().into_any(),
                ];
                PyTuple::new(py, parts)?
            }
            Item::Notice(n) => {
                let (message, path, line, level) = notice_tuple(n);
                ("n", message, path, line, level).into_pyobject(py)?
            }
        };
        Ok(Some(t))
    }
}

/// The core's reader of one transcript, with the keyword prefilter and record cap the
/// Python side passes (default cap: `jsonl::MAX_RECORD_BYTES`).
pub(crate) fn open(
    path: &str,
    display_path: &str,
    format: Option<String>,
    keywords: Option<Vec<String>>,
    max_record_bytes: Option<usize>,
) -> core::TranscriptReader {
    let options = core::Options {
        keywords,
        max_record_bytes: max_record_bytes.unwrap_or(core::jsonl::MAX_RECORD_BYTES),
    };
    core::TranscriptReader::new(path, display_path, format.as_deref(), &options)
}

/// The transcript format of a file from its first bytes, then its path; None: not a
/// transcript.
#[pyfunction]
fn detect_transcript(path: &str, head: &Bound<'_, PyBytes>) -> Option<&'static str> {
    core::detect(path, head.as_bytes())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TranscriptReader>()?;
    m.add_function(wrap_pyfunction!(detect_transcript, m)?)?;
    Ok(())
}
