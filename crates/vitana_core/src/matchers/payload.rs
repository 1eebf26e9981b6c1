//! `payload`: fields of a gateway request (its spec compiled by `engine/matchers/payload.py`).
//!
//! `endpoint` names entries of the `endpoints` parameter (or `unknown` / `any`).
//! A field check fires on a JSON object body (no body at all reads as `{}`); a body
//! that is a placeholder or read from a file is unknown and never fires. `contract`
//! checks method, path, JSON-ness and the required fields of the endpoint table,
//! leaving out fields other rules own. With `url_regex` (and `method`) it matches
//! requests to other APIs instead (GitHub's REST API, say).
//!
//! The problem texts quote values as Python's `repr` does (`'x'`, `True`, `None`):
//! they reach the findings' messages, which stay as the Python engine wrote them.

use serde_json::{Map, Value};

use super::{regex, Hit, Outcome};
use crate::gateway::{self, UNKNOWN_ENDPOINT};
use crate::model::{is_unknown, Request};
use crate::pack::strings;
use crate::pattern::{Pattern, TimedOut};
use crate::pyfmt;

#[derive(Debug, Clone)]
pub struct PayloadMatcher {
    endpoints: Vec<String>,
    field: Option<String>,
    missing: bool,
    empty: bool,
    falsy: bool,
    not_in: Option<Vec<String>>,
    not_regex: Option<Pattern>,
    contract: bool,
    method: Option<String>,
    url_regex: Option<Pattern>,
    prefixes: Vec<String>,
    /// the `endpoints` parameter: (name, spec), in its order
    table: Vec<(String, Value)>,
    /// (name, path) of each endpoint, as `gateway::endpoint_of` takes them
    paths: Vec<(String, String)>,
}

/// What a request's body is to a field check.
enum Body<'r> {
    /// a placeholder, a file, or anything not literal
    Unknown,
    Json(&'r Value),
    /// no body: none of the fields
    Empty,
    /// a body that is not JSON
    Invalid,
}

impl PayloadMatcher {
    pub fn compile(spec: &Value, params: &Value) -> Result<PayloadMatcher, String> {
        let flag = |key: &str| spec.get(key).is_some_and(pyfmt::truthy);
        let endpoints = match spec.get("endpoint") {
            None | Some(Value::Null) => vec!["any".to_string()],
            Some(_) => strings(spec, "endpoint")?,
        };
        let not_in = match spec.get("not_in") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(items.iter().map(pyfmt::str_of).collect()),
            Some(v) => Some(vec![pyfmt::str_of(v)]),
        };
        let truthy_regex = |key: &str, ignore_case: bool| -> Result<Option<Pattern>, String> {
            if spec.get(key).is_some_and(pyfmt::truthy) {
                regex(spec, key, ignore_case)
            } else {
                Ok(None)
            }
        };
        let table: Vec<(String, Value)> = match params.get("endpoints") {
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => Vec::new(),
        };
        let paths = table
            .iter()
            .map(|(name, spec)| {
                let path = spec.get("path").and_then(Value::as_str).unwrap_or("");
                (name.clone(), path.to_owned())
            })
            .collect();
        Ok(PayloadMatcher {
            endpoints,
            field: spec.get("field").and_then(Value::as_str).map(str::to_owned),
            missing: flag("missing"),
            empty: flag("empty"),
            falsy: flag("falsy"),
            not_in,
            not_regex: truthy_regex("not_regex", false)?,
            contract: flag("contract"),
            method: spec
                .get("method")
                .filter(|v| pyfmt::truthy(v))
                .map(|m| pyfmt::str_of(m).to_uppercase()),
            url_regex: truthy_regex("url_regex", true)?,
            prefixes: strings(params, "control_plane_prefixes")?,
            table,
            paths,
        })
    }

    /// The request's hit (its whole span), if any; a regex that runs past its limit
    /// gives none and says so.
    pub fn matches(&self, request: &Request) -> Outcome {
        match self.judge(request) {
            Ok(hit) => Outcome::of(hit.into_iter().collect()),
            Err(TimedOut) => Outcome::stopped(Vec::new()),
        }
    }

    fn judge(&self, request: &Request) -> Result<Option<Hit>, TimedOut> {
        let method = request.method.to_uppercase();
        if let Some(url_regex) = &self.url_regex {
            // a request to some other API (GitHub's, say)
            if self.method.as_ref().map_or(true, |m| *m == method)
                && url_regex.is_match(&request.url)?
            {
                return Ok(Some(hit(
                    request,
                    vec![
                        ("url", Value::from(request.url.as_str())),
                        ("method", Value::from(method)),
                    ],
                )));
            }
            return Ok(None);
        }
        let Some(endpoint) = gateway::endpoint_of(request, &self.prefixes, &self.paths) else {
            return Ok(None);
        };
        if !self.endpoints.iter().any(|e| e == "any" || e == endpoint) {
            return Ok(None);
        }
        if self.contract {
            let problems = self.contract_problems(request, endpoint, &method);
            if problems.is_empty() {
                return Ok(None);
            }
            return Ok(Some(hit(
                request,
                vec![
                    ("endpoint", Value::from(endpoint)),
                    ("problems", Value::from(problems.join("; "))),
                ],
            )));
        }
        let Some(field) = &self.field else {
            return Ok(None);
        };
        let value = match body(request) {
            Body::Json(Value::Object(body)) => body.get(field),
            Body::Empty => None,
            _ => return Ok(None),
        };
        if value.is_some_and(is_unknown) {
            return Ok(None);
        }
        let Some(problem) = self.field_problem(value)? else {
            return Ok(None);
        };
        let shown = value.cloned().unwrap_or_else(|| Value::from(""));
        Ok(Some(hit(
            request,
            vec![
                ("endpoint", Value::from(endpoint)),
                ("field", Value::from(field.as_str())),
                ("value", shown),
                ("problem", Value::from(problem)),
            ],
        )))
    }

    /// `_field_problem`; `value` None: the field is missing.
    fn field_problem(&self, value: Option<&Value>) -> Result<Option<String>, TimedOut> {
        let Some(value) = value else {
            let asked = self.missing || self.empty || self.falsy;
            return Ok(asked.then(|| "missing".to_string()));
        };
        if self.empty
            && (value.is_null() || value.as_str().is_some_and(|s| pyfmt::strip(s).is_empty()))
        {
            return Ok(Some("empty".into()));
        }
        if self.falsy && is_falsy(value) {
            return Ok(Some(format!("set to {}", pyfmt::repr(value))));
        }
        if let Some(allowed) = &self.not_in {
            let shown = pyfmt::str_of(value);
            if !allowed.contains(&shown) {
                return Ok(Some(format!("{} is not allowed", pyfmt::repr(value))));
            }
        }
        if let Some(not_regex) = &self.not_regex {
            let matches = match value.as_str() {
                Some(s) => not_regex.is_match(s)?,
                None => false,
            };
            if !matches {
                return Ok(Some(format!("{} does not match", pyfmt::repr(value))));
            }
        }
        Ok(None)
    }

    fn contract_problems(&self, request: &Request, endpoint: &str, method: &str) -> Vec<String> {
        if endpoint == UNKNOWN_ENDPOINT {
            let path = gateway::path_of(&request.url, &self.prefixes).unwrap_or_default();
            return vec![format!("unknown control-plane endpoint {path}")];
        }
        let empty = Value::Object(Map::new());
        let spec = self
            .table
            .iter()
            .find(|(name, _)| name == endpoint)
            .map_or(&empty, |(_, spec)| spec);
        let mut problems = Vec::new();
        let wanted = spec.get("method").map(pyfmt::str_of).unwrap_or_default();
        if method != wanted {
            problems.push(format!("{endpoint} takes {wanted}, not {method}"));
        }
        let fields = match spec.get("fields") {
            Some(Value::Object(f)) if !f.is_empty() => f,
            _ => return problems,
        };
        if let Some(error) = request.body_error.as_deref().filter(|e| !e.is_empty()) {
            problems.push(format!("body is not JSON ({error})"));
            return problems;
        }
        let body = match body(request) {
            Body::Unknown => return problems,
            Body::Json(Value::Object(body)) => Some(body),
            Body::Empty => None,
            Body::Json(_) | Body::Invalid => {
                problems.push("body is not a JSON object".into());
                return problems;
            }
        };
        for (name, rule) in fields {
            let value = body.and_then(|b| b.get(name));
            let Some(value) = value else {
                problems.push(format!("missing required field '{name}'"));
                continue;
            };
            if is_unknown(value) {
                continue;
            }
            let kind = rule.get("type").and_then(Value::as_str).unwrap_or("");
            if let Some(fits) = type_check(kind) {
                if !fits(value) {
                    let name_of = pyfmt::type_name(value);
                    problems.push(format!("'{name}' must be {kind}, got {name_of}"));
                    continue;
                }
            }
            if let Some(equals) = rule.get("equals") {
                if !pyfmt::equal(value, equals) {
                    problems.push(format!(
                        "'{name}' must be {}, got {}",
                        pyfmt::repr(equals),
                        pyfmt::repr(value)
                    ));
                }
            }
        }
        problems
    }
}

fn hit(request: &Request, variables: Vec<(&'static str, Value)>) -> Hit {
    let mut hit = Hit::new(request.start, request.end);
    hit.variables = variables;
    hit
}

/// `_body`: the JSON, no body (`{}`), unknown (a body that is not literal), or None (a
/// body that is not JSON).
fn body(request: &Request) -> Body<'_> {
    match &request.json {
        Some(v) if is_unknown(v) => Body::Unknown,
        Some(v) if !v.is_null() => Body::Json(v),
        _ if request.body.is_none() => Body::Empty,
        _ if request.body_error.as_deref().map_or(true, str::is_empty) => Body::Unknown,
        _ => Body::Invalid,
    }
}

/// `value in (False, None, 0, "", "false", "False")`, with Python's `==`.
fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => matches!(s.as_str(), "" | "false" | "False"),
        _ => false,
    }
}

/// The `isinstance` check of a field's `type` (an int is no boolean).
fn type_check(kind: &str) -> Option<fn(&Value) -> bool> {
    Some(match kind {
        "string" => |v| v.is_string(),
        "integer" => |v| v.is_i64() || v.is_u64(),
        "boolean" => |v| v.is_boolean(),
        "object" => |v| v.is_object(),
        "array" => |v| v.is_array(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params() -> Value {
        json!({
            "control_plane_prefixes": ["/api/v1/"],
            "endpoints": {
                "deploy": {"path": "/api/v1/deploy/service", "method": "POST",
                           "fields": {"service": {"type": "string"}, "vtid": {"type": "string"},
                                      "environment": {"type": "string", "equals": "dev"}}},
                "health": {"path": "/api/v1/cicd/health", "method": "GET"}
            }
        })
    }

    fn request(method: &str, url: &str, body: Option<&str>) -> Request {
        let (json, error) = match body {
            None => (None, None),
            Some(b) => match serde_json::from_str::<Value>(b) {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(e.to_string())),
            },
        };
        Request {
            method: method.into(),
            url: url.into(),
            start: 3,
            end: 40,
            headers: Vec::new(),
            body: body.map(str::to_owned),
            json,
            body_error: error,
            method_explicit: true,
        }
    }

    fn vars(spec: Value, r: &Request) -> Option<Vec<(&'static str, Value)>> {
        let m = PayloadMatcher::compile(&spec, &params()).unwrap();
        let out = m.matches(r);
        assert!(!out.timed_out);
        out.hits.into_iter().next().map(|h| {
            assert_eq!((h.start, h.end), (3, 40));
            h.variables
        })
    }

    const DEPLOY: &str = "https://gw/api/v1/deploy/service";

    #[test]
    fn a_field_check_quotes_values_as_python_does() {
        let spec = json!({"endpoint": "deploy", "field": "require_checks", "falsy": true});
        let r = request("POST", DEPLOY, Some(r#"{"require_checks": false}"#));
        let v = vars(spec.clone(), &r).unwrap();
        assert_eq!(v[3], ("problem", json!("set to False")));
        assert_eq!(v[2], ("value", json!(false)));
        let r = request("POST", DEPLOY, Some(r#"{"require_checks": "false"}"#));
        assert_eq!(
            vars(spec.clone(), &r).unwrap()[3],
            ("problem", json!("set to 'false'"))
        );
        let r = request("POST", DEPLOY, Some(r#"{"require_checks": 0}"#));
        assert_eq!(
            vars(spec.clone(), &r).unwrap()[3],
            ("problem", json!("set to 0"))
        );
        let r = request("POST", DEPLOY, Some(r#"{"require_checks": true}"#));
        assert!(vars(spec.clone(), &r).is_none());
        // no body has none of the fields
        let r = request("POST", DEPLOY, None);
        let v = vars(spec, &r).unwrap();
        assert_eq!(
            (v[2].1.clone(), v[3].1.clone()),
            (json!(""), json!("missing"))
        );
    }

    #[test]
    fn not_in_and_not_regex_and_empty() {
        let spec = json!({"endpoint": ["deploy"], "field": "service", "not_in": ["a", 1]});
        let r = request("POST", DEPLOY, Some(r#"{"service": "b"}"#));
        assert_eq!(
            vars(spec.clone(), &r).unwrap()[3],
            ("problem", json!("'b' is not allowed"))
        );
        let r = request("POST", DEPLOY, Some(r#"{"service": 1}"#));
        assert!(vars(spec, &r).is_none(), "str(1) is in the list");
        let spec = json!({"endpoint": "any", "field": "vtid", "not_regex": "^VTID-\\d+$"});
        let r = request("POST", DEPLOY, Some(r#"{"vtid": null}"#));
        assert_eq!(
            vars(spec.clone(), &r).unwrap()[3],
            ("problem", json!("None does not match"))
        );
        let r = request("POST", DEPLOY, Some(r#"{"vtid": "VTID-1"}"#));
        assert!(vars(spec, &r).is_none());
        let spec = json!({"field": "vtid", "empty": true});
        let r = request("POST", DEPLOY, Some(r#"{"vtid": "  "}"#));
        assert_eq!(
            vars(spec.clone(), &r).unwrap()[3],
            ("problem", json!("empty"))
        );
        // an unknown value, or a body that is no literal, never fires
        let mut r = request("POST", DEPLOY, Some(r#"{"vtid": "x"}"#));
        r.json = Some(json!({"vtid": crate::model::unknown_value()}));
        assert!(vars(spec.clone(), &r).is_none());
        let mut r = request("POST", DEPLOY, Some("@body.json"));
        r.body_error = None;
        assert!(vars(spec, &r).is_none());
    }

    #[test]
    fn the_contract_lists_every_problem() {
        let spec = json!({"endpoint": "any", "contract": true});
        let r = request(
            "GET",
            DEPLOY,
            Some(r#"{"service": 3, "environment": "prod"}"#),
        );
        let v = vars(spec.clone(), &r).unwrap();
        assert_eq!(v[0], ("endpoint", json!("deploy")));
        assert_eq!(
            v[1].1,
            json!(
                "deploy takes POST, not GET; 'service' must be string, got int; \
                   missing required field 'vtid'; 'environment' must be 'dev', got 'prod'"
            )
        );
        let r = request("POST", DEPLOY, Some("{not json"));
        let problems = vars(spec.clone(), &r).unwrap()[1].1.clone();
        assert!(
            problems.as_str().unwrap().starts_with("body is not JSON ("),
            "{problems}"
        );
        let r = request("POST", DEPLOY, Some("[1]"));
        assert_eq!(
            vars(spec.clone(), &r).unwrap()[1].1,
            json!("body is not a JSON object")
        );
        let r = request("POST", "https://gw/api/v1/nope?x=1", None);
        assert_eq!(
            vars(spec.clone(), &r).unwrap()[1].1,
            json!("unknown control-plane endpoint /api/v1/nope")
        );
        let r = request("GET", "https://gw/api/v1/cicd/health", None);
        assert!(vars(spec, &r).is_none());
    }

    #[test]
    fn url_regex_matches_other_apis() {
        let spec =
            json!({"url_regex": "api\\.github\\.com/repos/[^/]+/[^/]+/pulls", "method": "post"});
        let r = request("post", "https://API.github.com/repos/a/b/pulls", None);
        let v = vars(spec.clone(), &r).unwrap();
        assert_eq!(v[1], ("method", json!("POST")));
        let r = request("GET", "https://api.github.com/repos/a/b/pulls", None);
        assert!(vars(spec, &r).is_none());
    }
}
