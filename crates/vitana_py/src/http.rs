//! Bindings of the HTTP rebuild (`vitana_core::normalize::http`) and the endpoint
//! recognition (`vitana_core::gateway`). A request comes back as a tuple in the field
//! order of model.py's `Request`; its JSON as Python objects, the unknown value as the
//! `unknown` object the caller passes in (Python's `UNKNOWN` singleton).

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde_json::Value;
use vitana_core::model::{is_unknown, Command, Request, Word};
use vitana_core::{gateway, normalize::http};

use crate::text::text_of;

/// A `model.Command` (or any object with its attributes) as a core `Command`.
fn command_of(cmd: &Bound<'_, PyAny>) -> PyResult<Command> {
    let py = cmd.py();
    let mut argv = Vec::new();
    for w in cmd.getattr(intern!(py, "argv"))?.try_iter()? {
        let w = w?;
        let value = w.getattr(intern!(py, "value"))?;
        argv.push(Word {
            raw: text_of(&w.getattr(intern!(py, "raw"))?)?,
            value: if value.is_none() {
                None
            } else {
                Some(text_of(&value)?)
            },
            start: w.getattr(intern!(py, "start"))?.extract()?,
            end: w.getattr(intern!(py, "end"))?.extract()?,
        });
    }
    Ok(Command {
        argv,
        start: cmd.getattr(intern!(py, "start"))?.extract()?,
        end: cmd.getattr(intern!(py, "end"))?.extract()?,
    })
}

/// A JSON value as the Python objects `json.loads` gives.
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    v: &Value,
    unknown: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(_) if is_unknown(v) => unknown.clone(),
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item, unknown)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item, unknown)?)?;
            }
            dict.into_any()
        }
    })
}

/// Byte offsets of `text` -> code-point offsets (identity for ASCII text).
fn char_offsets(text: &str) -> impl Fn(usize) -> usize + '_ {
    let ascii = text.is_ascii();
    move |b: usize| {
        if ascii {
            b
        } else {
            text[..b.min(text.len())].chars().count()
        }
    }
}

/// A request as the tuple of model.py's `Request` fields, in order.
pub(crate) fn request_to_py<'py>(
    py: Python<'py>,
    r: &Request,
    unknown: &Bound<'py, PyAny>,
    offset: &dyn Fn(usize) -> usize,
) -> PyResult<Bound<'py, PyTuple>> {
    let headers = PyTuple::new(py, r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let json = match &r.json {
        Some(v) => json_to_py(py, v, unknown)?,
        None => py.None().into_bound(py),
    };
    PyTuple::new(
        py,
        [
            PyString::new(py, &r.method).into_any(),
            PyString::new(py, &r.url).into_any(),
            offset(r.start).into_pyobject(py)?.into_any(),
            offset(r.end).into_pyobject(py)?.into_any(),
            headers.into_any(),
            r.body.as_deref().into_pyobject(py)?.into_any(),
            json,
            r.body_error.as_deref().into_pyobject(py)?.into_any(),
            pyo3::types::PyBool::new(py, r.method_explicit)
                .to_owned()
                .into_any(),
        ],
    )
}

/// The request a curl / wget / httpie / xh `Command` makes, as `Request` fields, or None.
#[pyfunction]
fn http_request_from_command<'py>(
    py: Python<'py>,
    cmd: &Bound<'py, PyAny>,
    unknown: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let cmd = command_of(cmd)?;
    match http::request_from_command(&cmd) {
        Some(r) => Ok(Some(request_to_py(py, &r, unknown, &|o| o)?)),
        None => Ok(None),
    }
}

/// Same, from plain parts: argv as (raw, value, start, end) tuples.
#[pyfunction]
fn http_request_from_parts<'py>(
    py: Python<'py>,
    argv: Vec<(String, Option<String>, usize, usize)>,
    start: usize,
    end: usize,
    unknown: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let argv = argv
        .into_iter()
        .map(|(raw, value, start, end)| Word {
            raw,
            value,
            start,
            end,
        })
        .collect();
    match http::request_from_command(&Command { argv, start, end }) {
        Some(r) => Ok(Some(request_to_py(py, &r, unknown, &|o| o)?)),
        None => Ok(None),
    }
}

/// Requests in a ```http block, as `Request` fields (offsets in code points).
#[pyfunction]
fn http_requests_from_block<'py>(
    py: Python<'py>,
    text: &Bound<'py, PyAny>,
    unknown: &Bound<'py, PyAny>,
) -> PyResult<Vec<Bound<'py, PyTuple>>> {
    let text = text_of(text)?;
    let requests = py.detach(|| http::requests_from_http_block(&text));
    let offset = char_offsets(&text);
    requests
        .iter()
        .map(|r| request_to_py(py, r, unknown, &offset))
        .collect()
}

/// Lenient JSON: (value, None) or (None, error).
#[pyfunction]
fn http_parse_json_lenient<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    unknown: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Option<String>)> {
    let body = text_of(body)?;
    match py.detach(|| http::parse_json_lenient(&body)) {
        Ok(v) => Ok((json_to_py(py, &v, unknown)?, None)),
        Err(e) => Ok((py.None().into_bound(py), Some(e))),
    }
}

/// Whether a request is a GET on the gateway outside the control plane.
#[pyfunction]
fn gateway_is_feature_check(
    method: &Bound<'_, PyAny>,
    url: &Bound<'_, PyAny>,
    gateway_url: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let request = Request::bare(text_of(method)?, text_of(url)?);
    Ok(gateway::is_feature_check(&request, &text_of(gateway_url)?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(http_request_from_command, m)?)?;
    m.add_function(wrap_pyfunction!(http_request_from_parts, m)?)?;
    m.add_function(wrap_pyfunction!(http_requests_from_block, m)?)?;
    m.add_function(wrap_pyfunction!(http_parse_json_lenient, m)?)?;
    m.add_function(wrap_pyfunction!(gateway_is_feature_check, m)?)?;
    m.add("HTTP_MAX_DEPTH", http::MAX_DEPTH)?;
    Ok(())
}
