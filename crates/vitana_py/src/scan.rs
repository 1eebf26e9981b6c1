//! Bindings of the per-document scan (`vitana_core::scan`).
//!
//! `Scanner(pack_json)` compiles the pack once; `Scanner.document(unknown, focus,
//! no_ignore)` starts a document (`unknown`: Python's `UNKNOWN`, how request values
//! that are not literal read in `steps`). `DocumentScan.scan(segment)` returns the
//! segment's notices as (message, path, line, level); `finish()` the document's
//! finished findings (see `finding_to_py`) and its last notices. The core makes the
//! findings whole (positions, messages, fingerprints, suppressions): the Python side
//! only turns them into `model.Finding`s.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use vitana_core::findings::Finding;
use vitana_core::model::{Actor, Channel, Origin, Segment, Status};
use vitana_core::pack::Pack;
use vitana_core::records::RecordFilter;
use vitana_core::scan::files::{FileJob, FileOutcome, FileScan};
use vitana_core::scan::{self, Compiled, ScanNotice};

use crate::segment::{notice_tuple, workflow_yaml, NoticeTuple, YamlSpans};
use crate::text::text_of;

/// A compiled pack (immutable; shared by the documents scanned with it).
#[pyclass(frozen, module = "vitana_guard._core")]
struct Scanner {
    compiled: Arc<Compiled>,
    /// the JSON it was built from: pickling rebuilds from it
    json: String,
}

#[pymethods]
impl Scanner {
    #[new]
    fn new(pack_json: String) -> PyResult<Self> {
        let pack = Pack::from_json(&pack_json).map_err(PyValueError::new_err)?;
        let compiled = Compiled::new(pack).map_err(PyValueError::new_err)?;
        Ok(Scanner {
            compiled: Arc::new(compiled),
            json: pack_json,
        })
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, (String,))> {
        let cls = slf.get_type().into_any().unbind();
        Ok((cls, (slf.get().json.clone(),)))
    }

    /// Reads and scans a batch of files, (path, display path, size) each, on `threads`
    /// threads without the GIL (`vitana_core::scan::files`). One outcome per file, in
    /// order: None when the file is for the caller's own path (a transcript, a workflow,
    /// a `.jsonl` or commit message file), else (findings, notices, sha256 hex or None),
    /// findings as `finish` gives them. `keywords`: the file-level gate (None: none).
    /// `digests`: whether files are hashed (else every sha256 is None).
    #[pyo3(signature = (files, keywords, no_ignore, threads, max_bytes, digests=true))]
    #[allow(clippy::too_many_arguments)]
    fn scan_files<'py>(
        &self,
        py: Python<'py>,
        files: Vec<(String, String, u64)>,
        keywords: Option<Vec<String>>,
        no_ignore: bool,
        threads: usize,
        max_bytes: u64,
        digests: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let jobs: Vec<FileJob> = files
            .into_iter()
            .map(|(path, display, size)| FileJob {
                path,
                display,
                size,
            })
            .collect();
        let gate = keywords.map(|k| RecordFilter::new(&k));
        let outcomes = py.detach(|| {
            FileScan {
                compiled: &self.compiled,
                gate: gate.as_ref(),
                no_ignore,
                max_bytes,
                digests,
            }
            .run(&jobs, threads)
        });
        let out = PyList::empty(py);
        for outcome in outcomes {
            match outcome {
                FileOutcome::Deferred => out.append(py.None())?,
                FileOutcome::Scanned {
                    findings,
                    notices,
                    digest,
                } => {
                    let found = PyList::empty(py);
                    for f in &findings {
                        found.append(finding_to_py(py, f)?)?;
                    }
                    let notices: Vec<NoticeTuple> = notices.into_iter().map(notice_tuple).collect();
                    out.append((found, notices, digest))?;
                }
            }
        }
        Ok(out)
    }

    #[pyo3(signature = (unknown, focus=None, no_ignore=false))]
    fn document(
        &self,
        unknown: Py<PyAny>,
        focus: Option<Vec<u64>>,
        no_ignore: bool,
    ) -> DocumentScan {
        DocumentScan {
            inner: scan::DocumentScanner::new(Arc::clone(&self.compiled), focus)
                .no_ignore(no_ignore),
            unknown,
        }
    }
}

/// One document's scan.
/// Sendable: a Dask worker thread may drop (or go on with) a document another started.
#[pyclass(module = "vitana_guard._core")]
struct DocumentScan {
    inner: scan::DocumentScanner,
    unknown: Py<PyAny>,
}

#[pymethods]
impl DocumentScan {
    fn scan<'py>(
        &mut self,
        py: Python<'py>,
        segment: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let seg = segment_of(segment)?;
        let result = py.detach(|| self.inner.scan_segment(&seg));
        notices_to_py(py, &result.notices)
    }

    /// Classifies one file's text as `kind` and scans its segments, all in the core
    /// without the GIL: a file's way through `scan` and `history` crosses into Python
    /// once, not once per segment. `yaml`: a workflow's run spans and releasing steps
    /// as PyYAML composed them (`classify_segments`'s).
    #[pyo3(signature = (path, text, kind, yaml=None))]
    fn scan_file<'py>(
        &mut self,
        py: Python<'py>,
        path: &Bound<'py, PyString>,
        text: &Bound<'py, PyString>,
        kind: &str,
        yaml: Option<YamlSpans>,
    ) -> PyResult<Bound<'py, PyList>> {
        let path = text_of(path.as_any())?;
        let text = text_of(text.as_any())?;
        let yaml = yaml.map(workflow_yaml);
        let notices = py.detach(|| self.inner.scan_file(&path, &text, kind, yaml.as_ref()));
        notices_to_py(py, &notices)
    }

    /// A free-text message (a commit message, a PR body) scanned in one call as
    /// `sources/message.py`'s `segments` gives it: the whole text one prose segment of
    /// `kind`, then the fenced commands and requests inside it (the text read as
    /// markdown) as segments of their own at their lines, all with the message's origin
    /// and `commit`. `history` scans thousands of messages: one crossing each.
    #[pyo3(signature = (path, text, kind, commit=None))]
    fn scan_message<'py>(
        &mut self,
        py: Python<'py>,
        path: &Bound<'py, PyString>,
        text: &Bound<'py, PyString>,
        kind: &str,
        commit: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let path = text_of(path.as_any())?;
        let text = text_of(text.as_any())?;
        let notices = py.detach(|| {
            let origin = |kind: &str| Origin {
                path: path.clone(),
                kind: kind.to_owned(),
                commit: commit.clone(),
                ..Origin::default()
            };
            let mut notices = Vec::new();
            if !text.is_empty() {
                let whole = Segment {
                    text: text.clone(),
                    channel: Channel::Prose,
                    origin: origin(kind),
                    line: 1,
                    column: 1,
                    indent: 0,
                    flat: false,
                };
                notices.extend(self.inner.scan_segment(&whole).notices);
            }
            for seg in vitana_core::segment::segments(&path, &text, Some("markdown"), None) {
                if seg.channel != Channel::Prose && !seg.text.is_empty() {
                    let seg = Segment {
                        origin: origin("markdown"),
                        ..seg
                    };
                    notices.extend(self.inner.scan_segment(&seg).notices);
                }
            }
            notices
        });
        notices_to_py(py, &notices)
    }

    /// `scan_file` of a file's bytes, decoded here as Python's `decode("utf-8",
    /// "replace")` would (one U+FFFD for each invalid sequence): a file version read from
    /// git is never made a Python str. Returns the notices and the decoded text's UTF-8
    /// length (what a report counts as scanned).
    fn scan_file_bytes<'py>(
        &mut self,
        py: Python<'py>,
        path: &Bound<'py, PyString>,
        data: &[u8],
        kind: &str,
    ) -> PyResult<(Bound<'py, PyList>, usize)> {
        let path = text_of(path.as_any())?;
        let (notices, size) = py.detach(|| {
            let text = vitana_core::utf8::lossy(data);
            (self.inner.scan_file(&path, &text, kind, None), text.len())
        });
        Ok((notices_to_py(py, &notices)?, size))
    }

    /// Reads one transcript with the core's reader (see `TranscriptReader`) and scans
    /// its segments, all without the GIL: no Python object per record or segment. The
    /// notices of the reading and of the scan, in the order they arose.
    #[pyo3(signature = (path, display_path, format=None, keywords=None, max_record_bytes=None))]
    fn scan_transcript<'py>(
        &mut self,
        py: Python<'py>,
        path: String,
        display_path: String,
        format: Option<String>,
        keywords: Option<Vec<String>>,
        max_record_bytes: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        use vitana_core::model::Item;

        // a transcript may be any length: its sessions hold only the steps still to judge
        self.inner.stream_steps(true);
        let notices = py.detach(|| {
            let items =
                crate::transcripts::open(&path, &display_path, format, keywords, max_record_bytes);
            let mut notices: Vec<NoticeTuple> = Vec::new();
            for item in items {
                match item {
                    Item::Segment(seg) if seg.text.is_empty() => {}
                    Item::Segment(seg) => notices.extend(
                        self.inner
                            .scan_segment(&seg)
                            .notices
                            .into_iter()
                            .map(|n| (n.message, Some(n.path), Some(n.line), n.level)),
                    ),
                    Item::Notice(n) => notices.push(notice_tuple(n)),
                }
            }
            notices
        });
        PyList::new(py, notices)
    }

    /// The gateway steps of a session so far: (name, `Request` fields) each, the
    /// request's offsets in code points of its segment's text.
    fn steps<'py>(&self, py: Python<'py>, session: &str) -> PyResult<Bound<'py, PyList>> {
        let unknown = self.unknown.bind(py);
        let out = PyList::empty(py);
        for step in self.inner.steps(session) {
            let offsets = Offsets::new(&step.seg.text);
            let cp = |b: usize| offsets.cp(b);
            let fields = crate::http::request_to_py(py, &step.request, unknown, &cp)?;
            out.append((step.name.as_str(), fields))?;
        }
        Ok(out)
    }

    fn finish<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let (found, notices) = py.detach(|| self.inner.finish());
        let out = PyList::empty(py);
        for f in &found {
            out.append(finding_to_py(py, f)?)?;
        }
        Ok((out, notices_to_py(py, &notices)?))
    }
}

/// A finding as a tuple of `model.Finding`'s fields, in order; `suppression` as (kind,
/// justification) or None, `properties` as (name, value) pairs.
fn finding_to_py<'py>(py: Python<'py>, f: &Finding) -> PyResult<Bound<'py, PyTuple>> {
    let suppression = f
        .suppression
        .as_ref()
        .map(|s| (s.kind, s.justification.as_str()));
    let fields: Vec<Bound<'py, PyAny>> = vec![
        f.rule_id.as_str().into_pyobject(py)?.into_any(),
        f.slug.as_str().into_pyobject(py)?.into_any(),
        f.severity.as_str().into_pyobject(py)?.into_any(),
        f.message.as_str().into_pyobject(py)?.into_any(),
        f.policy.as_str().into_pyobject(py)?.into_any(),
        f.path.as_str().into_pyobject(py)?.into_any(),
        f.line.into_pyobject(py)?.into_any(),
        f.column.into_pyobject(py)?.into_any(),
        f.end_line.into_pyobject(py)?.into_any(),
        f.end_column.into_pyobject(py)?.into_any(),
        f.snippet.as_str().into_pyobject(py)?.into_any(),
        f.source_line.as_str().into_pyobject(py)?.into_any(),
        f.fingerprint.as_str().into_pyobject(py)?.into_any(),
        f.record_id.as_deref().into_pyobject(py)?.into_any(),
        f.commit.as_deref().into_pyobject(py)?.into_any(),
        f.session.as_deref().into_pyobject(py)?.into_any(),
        suppression.into_pyobject(py)?.into_any(),
        f.properties.clone().into_pyobject(py)?.into_any(),
    ];
    PyTuple::new(py, fields)
}

fn notices_to_py<'py>(py: Python<'py>, notices: &[ScanNotice]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for n in notices {
        out.append((n.message.as_str(), n.path.as_str(), n.line, n.level))?;
    }
    Ok(out)
}

/// Byte offsets of a text to code points and back (identity for ASCII). The table of
/// a non-ASCII text is made on the first conversion: most segments need none.
struct Offsets<'t> {
    text: &'t str,
    ascii: bool,
    /// byte offset of every character, then the text's length
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Self {
        Offsets {
            text,
            ascii: text.is_ascii(),
            starts: std::cell::OnceCell::new(),
        }
    }

    fn starts(&self) -> &[usize] {
        self.starts.get_or_init(|| {
            self.text
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(self.text.len()))
                .collect()
        })
    }

    fn cp(&self, byte: usize) -> usize {
        if self.ascii {
            return byte.min(self.text.len());
        }
        self.starts().partition_point(|&b| b < byte)
    }
}

fn optional_text(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if obj.is_none() {
        Ok(None)
    } else {
        text_of(obj).map(Some)
    }
}

/// The enum's `value`, or None.
fn enum_value(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if obj.is_none() {
        return Ok(None);
    }
    Ok(Some(obj.getattr(intern!(obj.py(), "value"))?.extract()?))
}

/// A `model.Segment` as a core `Segment` (the fields the scan reads).
fn segment_of(seg: &Bound<'_, PyAny>) -> PyResult<Segment> {
    let py = seg.py();
    let origin = seg.getattr(intern!(py, "origin"))?;
    let channel = enum_value(&seg.getattr(intern!(py, "channel"))?)?.unwrap_or_default();
    let channel = vitana_core::pack::channel(&channel)
        .ok_or_else(|| PyValueError::new_err(format!("unknown channel {channel:?}")))?;
    let actor = match enum_value(&origin.getattr(intern!(py, "actor"))?)?.as_deref() {
        None => None,
        Some("human") => Some(Actor::Human),
        Some("agent") => Some(Actor::Agent),
        Some("tool") => Some(Actor::Tool),
        Some("injected") => Some(Actor::Injected),
        Some(other) => return Err(PyValueError::new_err(format!("unknown actor {other:?}"))),
    };
    let status = match enum_value(&origin.getattr(intern!(py, "status"))?)?.as_deref() {
        None => None,
        Some("executed") => Some(Status::Executed),
        Some("failed") => Some(Status::Failed),
        Some("denied") => Some(Status::Denied),
        Some("blocked") => Some(Status::Blocked),
        Some(_) => Some(Status::Unknown),
    };
    Ok(Segment {
        text: text_of(&seg.getattr(intern!(py, "text"))?)?,
        channel,
        origin: Origin {
            path: text_of(&origin.getattr(intern!(py, "path"))?)?,
            kind: text_of(&origin.getattr(intern!(py, "kind"))?)?,
            record_id: optional_text(&origin.getattr(intern!(py, "record_id"))?)?,
            record_index: origin.getattr(intern!(py, "record_index"))?.extract()?,
            session: optional_text(&origin.getattr(intern!(py, "session"))?)?,
            actor,
            status,
            commit: optional_text(&origin.getattr(intern!(py, "commit"))?)?,
            tool: optional_text(&origin.getattr(intern!(py, "tool"))?)?,
            via: optional_text(&origin.getattr(intern!(py, "via"))?)?,
        },
        line: seg.getattr(intern!(py, "line"))?.extract()?,
        column: seg.getattr(intern!(py, "column"))?.extract()?,
        indent: seg.getattr(intern!(py, "indent"))?.extract()?,
        flat: seg.getattr(intern!(py, "flat"))?.extract()?,
    })
}

/// The text with the words of commands that only mention things blanked (see
/// `vitana_core::mentions`): the same characters, so code-point offsets hold.
#[pyfunction]
fn mentions_calls_text(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = text_of(text)?;
    Ok(py.detach(|| vitana_core::mentions::calls_text(&text)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mentions_calls_text, m)?)?;
    m.add_class::<Scanner>()?;
    m.add_class::<DocumentScan>()?;
    // which files the batch hands back: the Python path decides by the same lists
    m.add(
        "TRANSCRIPT_SUFFIXES",
        vitana_core::scan::files::TRANSCRIPT_SUFFIXES.to_vec(),
    )?;
    m.add(
        "COMMIT_MESSAGE_FILES",
        vitana_core::scan::files::COMMIT_MESSAGE_FILES.to_vec(),
    )?;
    Ok(())
}
