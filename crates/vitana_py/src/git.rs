//! Bindings of `vitana_core::read::{git, versions}`: the reader of git's diff output
//! and the rebuilding of older file versions. Python spawns git and reads its stdout;
//! the records come back as tuples in the field order of `sources/git.py`'s
//! `FileDiff` and `CommitDiff`, which Python builds from them.

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::text::text_of;
use vitana_core::keywords::KeywordSet;
use vitana_core::read::added;
use vitana_core::read::git as core;
use vitana_core::read::versions;

/// A path's bytes as Python names them: UTF-8, odd bytes as surrogate escapes.
fn path_str<'py>(py: Python<'py>, p: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    match std::str::from_utf8(p) {
        Ok(s) => Ok(PyString::new(py, s).into_any()),
        Err(_) => PyBytes::new(py, p).call_method1("decode", ("utf-8", "surrogateescape")),
    }
}

fn opt_path<'py>(py: Python<'py>, p: &Option<Vec<u8>>) -> PyResult<Bound<'py, PyAny>> {
    match p {
        Some(p) => path_str(py, p),
        None => Ok(py.None().into_bound(py)),
    }
}

fn hunk_list<'py>(py: Python<'py>, hunks: &[core::Hunk]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for h in hunks {
        let old = PyList::new(py, h.old.iter().map(|l| PyBytes::new(py, l)))?;
        out.append((h.start, h.count, old))?;
    }
    Ok(out)
}

/// A FileDiff's fields, in the dataclass's order.
fn file_tuple<'py>(py: Python<'py>, d: &core::FileDiff) -> PyResult<Bound<'py, PyTuple>> {
    let added = PyDict::new(py);
    for (n, t) in &d.added {
        added.set_item(n, t)?;
    }
    let fields: Vec<Bound<'py, PyAny>> = vec![
        opt_path(py, &d.old_path)?,
        opt_path(py, &d.new_path)?,
        d.old_blob.clone().into_pyobject(py)?.into_any(),
        d.new_blob.clone().into_pyobject(py)?.into_any(),
        d.new_mode.clone().into_pyobject(py)?.into_any(),
        added.into_any(),
        PyList::new(py, &d.deleted)?.into_any(),
        hunk_list(py, &d.hunks)?.into_any(),
        d.binary.into_pyobject(py)?.to_owned().into_any(),
        d.is_new.into_pyobject(py)?.to_owned().into_any(),
        d.is_deleted.into_pyobject(py)?.to_owned().into_any(),
        d.summarised.into_pyobject(py)?.to_owned().into_any(),
        PyBytes::new(py, &d.unread).into_any(),
    ];
    PyTuple::new(py, fields)
}

fn file_list<'py>(py: Python<'py>, diffs: &[core::FileDiff]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for d in diffs {
        out.append(file_tuple(py, d)?)?;
    }
    Ok(out)
}

/// A CommitDiff's fields (without `error`), in the dataclass's order.
fn commit_tuple<'py>(py: Python<'py>, c: &core::CommitDiff) -> PyResult<Bound<'py, PyTuple>> {
    let fields: Vec<Bound<'py, PyAny>> = vec![
        PyString::new(py, &c.sha).into_any(),
        PyList::new(py, &c.parents)?.into_any(),
        PyString::new(py, &c.author).into_any(),
        PyString::new(py, &c.author_email).into_any(),
        PyString::new(py, &c.committer).into_any(),
        PyString::new(py, &c.committer_email).into_any(),
        c.time.into_pyobject(py)?.into_any(),
        PyString::new(py, &c.message).into_any(),
        file_list(py, &c.files)?.into_any(),
    ];
    PyTuple::new(py, fields)
}

/// The keyword gate a skim gives as data: its `skim_keywords` attribute (a list of
/// keywords, or None when every hunk may matter). Outer None: the skim has no such
/// attribute and its `may_matter` is called.
fn skim_keywords(skim: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Option<KeywordSet>>> {
    let Some(skim) = skim else {
        return Ok(None);
    };
    if !skim.hasattr("skim_keywords")? {
        return Ok(None);
    }
    let words: Option<Vec<String>> = skim.getattr("skim_keywords")?.extract()?;
    Ok(Some(words.map(|w| KeywordSet::new(&w))))
}

/// A Python skim (sources/git.Skim): paths asked once each, hunks tested on the
/// keywords it gives as data, else by its `may_matter`. The first Python error is kept
/// and raised once the reader is done.
struct PySkim<'a, 'py> {
    obj: Option<&'a Bound<'py, PyAny>>,
    keywords: Option<&'a Option<KeywordSet>>,
    cache: &'a mut HashMap<Vec<u8>, bool>,
    error: Option<PyErr>,
}

impl PySkim<'_, '_> {
    fn done(self) -> PyResult<()> {
        self.error.map_or(Ok(()), Err)
    }
}

impl core::Skim for PySkim<'_, '_> {
    fn skips(&mut self, path: &[u8]) -> bool {
        let Some(obj) = self.obj else {
            return false;
        };
        if let Some(&known) = self.cache.get(path) {
            return known;
        }
        let answer = path_str(obj.py(), path)
            .and_then(|p| obj.call_method1("skips", (p,)))
            .and_then(|r| r.is_truthy());
        match answer {
            Ok(v) => {
                if self.cache.len() > 100_000 {
                    self.cache.clear();
                }
                self.cache.insert(path.to_vec(), v);
                v
            }
            Err(e) => {
                self.error.get_or_insert(e);
                false
            }
        }
    }

    fn may_matter(&mut self, hunks: &[u8]) -> bool {
        let Some(obj) = self.obj else {
            return true;
        };
        if let Some(keywords) = self.keywords {
            return keywords.as_ref().map_or(true, |k| k.any_in_bytes(hunks));
        }
        let answer = obj
            .call_method1("may_matter", (PyBytes::new(obj.py(), hunks),))
            .and_then(|r| r.is_truthy());
        answer.unwrap_or_else(|e| {
            self.error.get_or_insert(e);
            true
        })
    }
}

/// Reads `git log` output (format `log_format(nonce)`) in the pieces the pipe gives.
#[pyclass(module = "vitana_guard._core")]
struct LogReader {
    inner: core::LogReader,
    skim: Option<Py<PyAny>>,
    keywords: Option<Option<KeywordSet>>,
    cache: HashMap<Vec<u8>, bool>,
}

impl LogReader {
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        step: impl FnOnce(&mut core::LogReader, &mut dyn core::Skim) -> Vec<core::CommitDiff>,
    ) -> PyResult<Bound<'py, PyList>> {
        let obj = self.skim.as_ref().map(|s| s.bind(py).clone());
        let mut skim = PySkim {
            obj: obj.as_ref(),
            keywords: self.keywords.as_ref(),
            cache: &mut self.cache,
            error: None,
        };
        let commits = step(&mut self.inner, &mut skim);
        skim.done()?;
        let out = PyList::empty(py);
        for c in &commits {
            out.append(commit_tuple(py, c)?)?;
        }
        Ok(out)
    }
}

#[pymethods]
impl LogReader {
    #[new]
    #[pyo3(signature = (nonce, skim=None))]
    fn new(nonce: &str, skim: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PyValueError::new_err(
                "the nonce must be ASCII letters and digits",
            ));
        }
        Ok(LogReader {
            inner: core::LogReader::new(nonce),
            keywords: skim_keywords(skim.as_ref())?,
            skim: skim.map(Bound::unbind),
            cache: HashMap::new(),
        })
    }

    /// The commits that `data` completes, as CommitDiff field tuples.
    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        self.run(py, |r, s| r.feed(data, s))
    }

    /// The last commit (git's output has ended).
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.run(py, |r, s| r.finish(s))
    }
}

/// FileDiff field tuples of a unified diff.
#[pyfunction]
fn parse_patch<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
    let diffs = py.detach(|| core::parse_patch(data));
    file_list(py, &diffs)
}

/// FileDiff field tuples of git's own diff output; with `skim`, those it clears are
/// summarised.
#[pyfunction]
#[pyo3(signature = (data, skim=None))]
fn read_git_patch<'py>(
    py: Python<'py>,
    data: &[u8],
    skim: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let keywords = skim_keywords(skim.as_ref())?;
    let mut cache = HashMap::new();
    let mut s = PySkim {
        obj: skim.as_ref(),
        keywords: keywords.as_ref(),
        cache: &mut cache,
        error: None,
    };
    let diffs = core::read_git_patch(data, &mut s);
    s.done()?;
    file_list(py, &diffs)
}

/// The hunks of a skimmed file diff's `unread` bytes, or [] when they do not read as
/// hunks.
#[pyfunction]
fn read_hunks<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
    let mut d = core::FileDiff::default();
    d.unread = data.to_vec();
    core::hunks_of(&mut d);
    hunk_list(py, &d.hunks)
}

#[pyfunction]
fn unquote_path<'py>(py: Python<'py>, raw: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    path_str(py, &core::unquote_path(raw))
}

#[pyfunction]
fn header_paths<'py>(
    py: Python<'py>,
    rest: &[u8],
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (a, b) = core::header_paths(rest);
    Ok((opt_path(py, &a)?, opt_path(py, &b)?))
}

#[pyfunction]
fn log_format(nonce: &str) -> String {
    core::log_format(nonce)
}

/// The SHA-1 id git gives a blob with this content.
#[pyfunction]
fn object_id(py: Python<'_>, data: &[u8]) -> String {
    py.detach(|| versions::object_id(data))
}

/// The parent's version of a file from the commit's and the diff's hunks.
#[pyfunction]
fn older<'py>(
    py: Python<'py>,
    content: &[u8],
    hunks: Vec<(i64, i64, Vec<Bound<'py, PyBytes>>)>,
) -> (Bound<'py, PyBytes>, usize) {
    let hunks: Vec<versions::Hunk<'_>> = hunks
        .iter()
        .map(|(s, c, old)| (*s, *c, old.iter().map(|b| b.as_bytes()).collect()))
        .collect();
    let (out, size) = py.detach(|| versions::older_sized(content, &hunks));
    (PyBytes::new(py, &out), size)
}

/// Memory a version costs in the store's accounting.
#[pyfunction]
fn held_size(content: &[u8]) -> usize {
    versions::held_size(content)
}

/// The new added lines of a change's file diffs (`vitana_core::read::added`): for
/// each (new path, old path, added {line: text}, deleted texts, lintable) with new
/// lines, (its index, the set of them); with `keywords`, only those whose new lines
/// hold a keyword.
#[pyfunction]
#[pyo3(signature = (diffs, keywords=None))]
#[allow(clippy::type_complexity)]
fn new_added_lines<'py>(
    py: Python<'py>,
    diffs: Vec<(
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyDict>,
        Bound<'py, PyList>,
        bool,
    )>,
    keywords: Option<PyRef<'py, crate::KeywordSet>>,
) -> PyResult<Bound<'py, PyList>> {
    // (new path, old path, added, deleted) as Rust text: borrowed from the Python
    // strings (a million lines in a history), copied only for one with a surrogate
    let mut held: Vec<Vec<(u64, Bound<'py, PyString>)>> = Vec::with_capacity(diffs.len());
    for (_, _, lines, _, _) in &diffs {
        let mut v = Vec::with_capacity(lines.len());
        for (n, t) in lines.iter() {
            v.push((n.extract::<u64>()?, t.cast_into::<PyString>()?));
        }
        held.push(v);
    }
    let mut texts = Vec::with_capacity(diffs.len());
    for ((new_path, old_path, _, deleted, _), lines) in diffs.iter().zip(&held) {
        let added = lines
            .iter()
            .map(|(n, t)| Ok((*n, str_of(t)?)))
            .collect::<PyResult<Vec<_>>>()?;
        let deleted = deleted
            .iter()
            .map(|t| text_of(&t))
            .collect::<PyResult<Vec<_>>>()?;
        texts.push((text_of(new_path)?, text_of(old_path)?, added, deleted));
    }
    let changes: Vec<added::Change<'_>> = texts
        .iter()
        .zip(&diffs)
        .map(|((new_path, old_path, lines, deleted), d)| added::Change {
            new_path,
            old_path,
            added: lines.iter().map(|(n, t)| (*n, t.as_ref())).collect(),
            deleted: deleted.iter().map(String::as_str).collect(),
            lintable: d.4,
        })
        .collect();
    let gate = keywords.as_ref().map(|k| &k.inner);
    let found = py.detach(|| added::new_lines(&changes, gate));
    let out = PyList::empty(py);
    for (i, lines) in found {
        out.append((i, pyo3::types::PySet::new(py, lines)?))?;
    }
    Ok(out)
}

/// A Python str's text, borrowed unless it holds a surrogate (see `text_of`).
fn str_of<'a>(t: &'a Bound<'_, PyString>) -> PyResult<std::borrow::Cow<'a, str>> {
    match t.to_str() {
        Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Err(_) => text_of(t.as_any()).map(std::borrow::Cow::Owned),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(new_added_lines, m)?)?;
    m.add_class::<LogReader>()?;
    m.add_function(wrap_pyfunction!(parse_patch, m)?)?;
    m.add_function(wrap_pyfunction!(read_git_patch, m)?)?;
    m.add_function(wrap_pyfunction!(read_hunks, m)?)?;
    m.add_function(wrap_pyfunction!(unquote_path, m)?)?;
    m.add_function(wrap_pyfunction!(header_paths, m)?)?;
    m.add_function(wrap_pyfunction!(log_format, m)?)?;
    m.add_function(wrap_pyfunction!(object_id, m)?)?;
    m.add_function(wrap_pyfunction!(older, m)?)?;
    m.add_function(wrap_pyfunction!(held_size, m)?)?;
    Ok(())
}
