//! `EntryMatcher`: one rule entry's matcher, compiled and run by the core on a single
//! unit. The scanner runs the same matchers on the units it cuts from a document; this
//! lets a test reach one matcher directly (a command's argv rules, a URL's judgement, a
//! session's step order) with no document, channel or keyword gate around it. No scan
//! uses it.

use pyo3::exceptions::{PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;
use vitana_core::matchers::{self, context::Evidence, Hit, Matcher, Outcome};
use vitana_core::normalize::{http, shell};

use crate::http::json_to_py;

/// A hit as (start, end, variables), offsets in code points of the text.
type PyHit<'py> = (usize, usize, Bound<'py, PyDict>);

/// A rule entry's matcher: `kind` and its rendered `spec` as JSON, with the policy
/// parameters (`params`, JSON: the payload matcher reads its endpoint table there).
/// Raises ValueError when the spec does not compile.
#[pyclass(frozen, module = "vitana_guard._core")]
struct EntryMatcher {
    inner: Matcher,
}

fn json(what: &str, text: &str) -> PyResult<Value> {
    serde_json::from_str(text).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

fn timed_out() -> PyErr {
    PyTimeoutError::new_err("a regex ran past its backtracking limit")
}

#[pymethods]
impl EntryMatcher {
    #[new]
    fn new(kind: &str, spec: &str, params: &str) -> PyResult<Self> {
        let inner = matchers::compile(kind, &json("spec", spec)?, &json("params", params)?)
            .map_err(PyValueError::new_err)?;
        Ok(EntryMatcher { inner })
    }

    /// The hits on `text` read as the matcher's unit: a segment's text (`pattern`,
    /// `url`, `require`); each simple command of a shell text (`command`); each HTTP
    /// request those commands make (`payload`); a statement made after the tool
    /// outputs `outputs` of its session (`context`). Raises TimeoutError when a regex
    /// runs past its limit, ValueError for a `sequence` (see `judge`).
    #[pyo3(signature = (text, outputs = Vec::new()))]
    fn hits<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        outputs: Vec<String>,
    ) -> PyResult<Vec<PyHit<'py>>> {
        let hits = py.detach(|| self.run(text, &outputs))?;
        let offset = char_offsets(text);
        let unknown = py.None().into_bound(py);
        hits.iter()
            .map(|h| {
                let variables = PyDict::new(py);
                for (name, value) in &h.variables {
                    variables.set_item(*name, json_to_py(py, value, &unknown)?)?;
                }
                Ok((offset(h.start), offset(h.end), variables))
            })
            .collect()
    }

    /// A `sequence` matcher's verdict on a session's steps, in order: the indexes of
    /// the steps that break the order.
    fn judge(&self, steps: Vec<String>) -> PyResult<Vec<usize>> {
        match &self.inner {
            Matcher::Sequence(m) => Ok(m.judge(&steps)),
            _ => Err(PyValueError::new_err(
                "only a sequence matcher judges steps",
            )),
        }
    }
}

impl EntryMatcher {
    fn run(&self, text: &str, outputs: &[String]) -> PyResult<Vec<Hit>> {
        let outcome = match &self.inner {
            Matcher::Pattern(m) => m.matches(text),
            Matcher::Require(m) => m.matches(text),
            Matcher::Url(m) => m.matches(text),
            Matcher::Context(m) => {
                let mut evidence = Evidence::default();
                for output in outputs {
                    m.observe(output, &mut evidence).map_err(|_| timed_out())?;
                }
                m.matches(text, &evidence)
            }
            Matcher::Command(m) => {
                let mut hits = Vec::new();
                for command in shell::parse(text) {
                    hits.extend(m.matches(&command).map_err(|_| timed_out())?);
                }
                Outcome::of(hits)
            }
            Matcher::Payload(m) => {
                let mut hits = Vec::new();
                for request in shell::parse(text)
                    .iter()
                    .filter_map(http::request_from_command)
                {
                    let outcome = m.matches(&request);
                    if outcome.timed_out {
                        return Err(timed_out());
                    }
                    hits.extend(outcome.hits);
                }
                Outcome::of(hits)
            }
            Matcher::Sequence(_) => {
                return Err(PyValueError::new_err(
                    "a sequence matcher judges a session's steps: use judge",
                ))
            }
        };
        if outcome.timed_out {
            return Err(timed_out());
        }
        Ok(outcome.hits)
    }
}

/// Byte offsets of `text` -> code-point offsets (identity for ASCII text).
fn char_offsets(text: &str) -> impl Fn(usize) -> usize + '_ {
    let ascii = text.is_ascii();
    move |b: usize| {
        if ascii {
            b
        } else {
            text.char_indices().take_while(|&(i, _)| i < b).count()
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<EntryMatcher>()
}
