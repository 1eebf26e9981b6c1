//! Findings: the last stage. A rule's hit in a segment becomes what a user reads (port
//! of `engine/scan.py`'s `finding_of`, `approval_of`, directives and `settle`, which the
//! Python engine had):
//!
//! - where: 1-based line and column (columns count code points, as the reports always
//!   have) of the hit, or of a request field's offending value where it is written;
//! - what: the snippet, its source line, the short `matched` text, and the message, a
//!   jinja2 template rendered with minijinja (sandboxed; variables: the policy
//!   parameters, the hit's variables, `matched`; values print as Python's `str` prints
//!   them, so the messages read as they did);
//! - the fingerprint (sha256 of rule, path and whitespace-normalised match: baselines
//!   depend on it, so it is computed exactly as before);
//! - suppressions: a human's fallback approval in the session, and inline
//!   `vitana-guard: ignore[...] reason` directives (`settle` applies them, drops the
//!   same violation seen twice and sorts).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use minijinja::value::{Object, Value as Jinja, ValueKind};
use regex::Regex;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{is_unknown, Actor, Segment, Status};
use crate::pack::Rule;
use crate::pyfmt;

/// Snippets and one-line source lines are cut to this many characters.
const SNIPPET_MAX: usize = 200;
/// A source line longer than this (a minified one-liner) is not quoted.
const SOURCE_LINE_MAX: usize = 1000;

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// "external" (a human's approval) or "inSource" (an inline directive), as SARIF says
    pub kind: &'static str,
    pub justification: String,
}

/// A finding, as the reports show it (`model.Finding`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule_id: String,
    pub slug: String,
    pub severity: String,
    pub message: String,
    pub policy: String,
    pub path: String,
    pub line: u64,
    pub column: u64,
    pub end_line: u64,
    /// exclusive, like SARIF
    pub end_column: u64,
    pub snippet: String,
    pub source_line: String,
    pub fingerprint: String,
    pub record_id: Option<String>,
    pub commit: Option<String>,
    pub session: Option<String>,
    pub suppression: Option<Suppression>,
    /// the segment's actor, status, tool and via, those it has
    pub properties: Vec<(&'static str, String)>,
}

impl Finding {
    /// The reports' order: path, line, column, rule.
    fn sort_key(&self) -> (&str, u64, u64, &str) {
        (&self.path, self.line, self.column, &self.rule_id)
    }
}

/// The rules' message templates, compiled once per pack.
pub struct Messages {
    env: minijinja::Environment<'static>,
    /// per rule: its template compiled (false: it does not parse, and is shown as written)
    ok: Vec<bool>,
    templates: Vec<String>,
    params: Arc<Value>,
}

impl std::fmt::Debug for Messages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Messages")
            .field("templates", &self.templates)
            .finish()
    }
}

impl Messages {
    pub fn new(rules: &[Rule], params: &Value) -> Messages {
        let mut env = minijinja::Environment::new();
        env.set_formatter(|out, _state, value| {
            out.write_str(&python_str(value))?;
            Ok(())
        });
        env.add_filter("join", join_filter);
        env.add_filter("re", |v: Jinja| -> String {
            regex_module_escape(&python_str(&v))
        });
        env.add_filter("host", |v: Jinja| -> String {
            crate::gateway::url_hostname(&python_str(&v))
        });
        let mut ok = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            ok.push(
                env.add_template_owned(i.to_string(), rule.message.clone())
                    .is_ok(),
            );
        }
        Messages {
            env,
            ok,
            templates: rules.iter().map(|r| r.message.clone()).collect(),
            params: Arc::new(params.clone()),
        }
    }

    /// Rule `rule`'s message for a hit: `{**params, **variables, "matched": matched}`.
    /// A template that does not render (an attribute of an undefined name, say) is
    /// shown as written, as jinja2's TemplateError left it.
    pub fn render(
        &self,
        rule: usize,
        variables: &[(&'static str, Value)],
        matched: &str,
    ) -> String {
        let template = self.templates.get(rule).map_or("", String::as_str);
        if !template.contains("{{") && !template.contains("{%") {
            return template.to_owned();
        }
        if !self.ok.get(rule).copied().unwrap_or(false) {
            return template.to_owned();
        }
        let vars = Vars {
            params: Arc::clone(&self.params),
            hit: variables.to_vec(),
            matched: matched.to_owned(),
        };
        self.env
            .get_template(&rule.to_string())
            .and_then(|t| t.render(Jinja::from_object(vars)))
            .unwrap_or_else(|_| template.to_owned())
    }
}

/// A finding's template variables: `matched`, then the hit's, then the parameters.
#[derive(Debug)]
struct Vars {
    params: Arc<Value>,
    hit: Vec<(&'static str, Value)>,
    matched: String,
}

impl Object for Vars {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        let key = key.as_str()?;
        if key == "matched" {
            return Some(Jinja::from(self.matched.as_str()));
        }
        if let Some((_, v)) = self.hit.iter().rev().find(|(k, _)| *k == key) {
            return Some(jinja_of(v));
        }
        self.params.get(key).map(jinja_of)
    }
}

fn jinja_of(v: &Value) -> Jinja {
    Jinja::from(minijinja::value::Serde(v))
}

/// jinja2's `join`: each item as Python's `str`.
fn join_filter(value: Jinja, sep: Option<String>) -> Result<String, minijinja::Error> {
    let sep = sep.unwrap_or_default();
    if let Some(s) = value.as_str() {
        return Ok(s.chars().map(String::from).collect::<Vec<_>>().join(&sep));
    }
    let items: Vec<String> = value.try_iter()?.map(|v| python_str(&v)).collect();
    Ok(items.join(&sep))
}

/// The `regex` module's `escape` (special characters and whitespace backslashed).
fn regex_module_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_whitespace() || " #$&()*+-.?[\\]^{|}~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A template value as Python's `str` prints the object it stands for.
fn python_str(value: &Jinja) -> String {
    match value.kind() {
        ValueKind::Undefined => String::new(),
        ValueKind::String => {
            let s = value.as_str().unwrap_or("");
            if s == crate::model::UNKNOWN_MARK {
                "UNKNOWN".into()
            } else {
                s.to_owned()
            }
        }
        _ => python_repr(value),
    }
}

/// A template value as Python's `repr` prints the object it stands for.
fn python_repr(value: &Jinja) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "None".into(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.into(),
        ValueKind::Number => {
            if let Ok(i) = i64::try_from(value.clone()) {
                if value.is_integer() {
                    return i.to_string();
                }
            }
            match f64::try_from(value.clone()) {
                Ok(f) if !value.is_integer() => pyfmt::float_repr(f),
                _ => value.to_string(),
            }
        }
        ValueKind::String => {
            let s = value.as_str().unwrap_or("");
            if s == crate::model::UNKNOWN_MARK {
                "UNKNOWN".into()
            } else {
                pyfmt::str_repr(s)
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> = value
                .try_iter()
                .map(|it| it.map(|v| python_repr(&v)).collect())
                .unwrap_or_default();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let items: Vec<String> = value
                .try_iter()
                .map(|it| {
                    it.map(|k| {
                        let v = value.get_item(&k).unwrap_or_default();
                        format!("{}: {}", python_repr(&k), python_repr(&v))
                    })
                    .collect()
                })
                .unwrap_or_default();
            format!("{{{}}}", items.join(", "))
        }
        _ => value.to_string(),
    }
}

/// 1-based (line, column) in the source file of the character at byte `at` of the
/// segment's text (`Segment.position`; columns in code points).
pub fn position(seg: &Segment, at: usize) -> (u64, u64) {
    if seg.flat {
        return (seg.line, seg.column);
    }
    let text = seg.text.as_str();
    let at = floor_char(text, at);
    let before = &text[..at];
    let newlines = memchr::memchr_iter(b'\n', before.as_bytes()).count() as u64;
    if newlines == 0 {
        return (seg.line, seg.column + before.chars().count() as u64);
    }
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        seg.line + newlines,
        seg.indent + 1 + before[line_start..].chars().count() as u64,
    )
}

/// The line of `text` that holds byte `at`; "" for a line longer than 1000 characters.
pub fn source_line(text: &str, at: usize) -> String {
    let at = floor_char(text, at);
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[start..end];
    if line.len() <= SOURCE_LINE_MAX || line.chars().count() <= SOURCE_LINE_MAX {
        line.to_owned()
    } else {
        String::new()
    }
}

/// Content fingerprint: rule + path + whitespace-normalised matched text. Independent
/// of line numbers, so it survives edits above the finding (`scan.fingerprint`).
pub fn fingerprint(rule_id: &str, path: &str, snippet: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(pyfmt::squeeze(snippet).as_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..20].to_owned()
}

/// A human's fallback approval at byte `at` of a user segment.
pub fn approval_of(seg: &Segment, at: usize) -> Suppression {
    let (line, _) = position(seg, at);
    let quote: String = pyfmt::squeeze(&seg.text).chars().take(200).collect();
    let mut place = format!("{}:{line}", seg.origin.path);
    if let Some(id) = &seg.origin.record_id {
        place.push_str(&format!(" ({id})"));
    }
    Suppression {
        kind: "external",
        justification: format!("fallback approved by the human at {place}: \"{quote}\""),
    }
}

/// One hit of a rule in a segment: byte span of its text and the hit's variables.
pub struct HitIn<'a> {
    pub start: usize,
    pub end: usize,
    pub variables: &'a [(&'static str, Value)],
}

/// Makes a finding (`finding_of`). `approval`: the session's, when it covers the rule.
pub fn finding_of(
    rule: &Rule,
    rule_index: usize,
    messages: &Messages,
    seg: &Segment,
    hit: HitIn<'_>,
    approval: Option<&Suppression>,
) -> Finding {
    let text = seg.text.as_str();
    let (hs, he) = (
        floor_char(text, hit.start),
        floor_char(text, hit.end.max(hit.start)),
    );
    let whole = &text[hs..he];
    // a request's field (create-pr `head`) is pointed at where it is written, not at
    // the request's first line; the fingerprint stays the whole request's (baselines)
    let (s, e) = (!seg.flat)
        .then(|| field_span(whole, hit.variables))
        .flatten()
        .unwrap_or((0, whole.len()));
    let (start, end) = (hs + s, hs + e);
    let (line, column) = position(seg, start);
    let (end_line, end_column) = if seg.flat {
        (line, column + 1)
    } else {
        position(seg, end)
    };
    let snippet = &text[start..end];
    // the command as it runs: line continuations (`\` newline) joined
    let mut short = pyfmt::squeeze(&continuation().replace_all(whole, " "));
    if short.chars().count() > 120 {
        short = short.chars().take(117).collect::<String>() + "...";
    }
    let origin = &seg.origin;
    let source_line = if seg.flat {
        cut(snippet.split('\n').next().unwrap_or(""), SNIPPET_MAX)
    } else {
        source_line(text, start)
    };
    let mut properties = Vec::new();
    if let Some(actor) = origin.actor {
        properties.push(("actor", actor_name(actor).to_owned()));
    }
    if let Some(status) = origin.status {
        properties.push(("status", status_name(status).to_owned()));
    }
    if let Some(tool) = origin.tool.as_ref().filter(|t| !t.is_empty()) {
        properties.push(("tool", tool.clone()));
    }
    if let Some(via) = origin.via.as_ref().filter(|t| !t.is_empty()) {
        properties.push(("via", via.clone()));
    }
    Finding {
        rule_id: rule.id.clone(),
        slug: rule.slug.clone(),
        severity: rule.severity.clone(),
        message: messages.render(rule_index, hit.variables, &short),
        policy: rule.policy.clone(),
        path: origin.path.clone(),
        line,
        column,
        end_line,
        end_column,
        snippet: cut(snippet, SNIPPET_MAX),
        source_line,
        fingerprint: fingerprint(&rule.id, &origin.path, whole),
        record_id: origin.record_id.clone(),
        commit: origin.commit.clone(),
        session: origin.session.clone(),
        suppression: approval.cloned(),
        properties,
    }
}

fn actor_name(a: Actor) -> &'static str {
    a.as_str()
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Executed => "executed",
        Status::Failed => "failed",
        Status::Denied => "denied",
        Status::Blocked => "blocked",
        Status::Unknown => "unknown",
    }
}

/// The first `n` characters of `text`.
fn cut(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => text[..i].to_owned(),
        None => text.to_owned(),
    }
}

/// The largest char boundary at or below `at` (a span from a matcher is on one; this
/// keeps a bad one from panicking).
fn floor_char(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn continuation() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\\\r?\n").expect("a fixed regex"))
}

/// `_field_span`: where a request field's offending value is written in the request's
/// text (`"head": "x"`, `\"head\":\"x\"` inside a shell string, `head=x`), in bytes of
/// `whole`, or None.
fn field_span(whole: &str, variables: &[(&'static str, Value)]) -> Option<(usize, usize)> {
    let get = |k: &str| {
        variables
            .iter()
            .rev()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v)
    };
    let name = get("field")?.as_str().filter(|s| !s.is_empty())?;
    let value = get("value")?;
    if is_unknown(value) {
        return None;
    }
    let value = value.as_str().filter(|s| !s.is_empty())?;
    let pattern = format!(
        r#"\b{}\\?["']?\s*[:=]\s*\\?["']?({})"#,
        regex::escape(name),
        regex::escape(value)
    );
    let re = Regex::new(&pattern).ok()?;
    let m = re.captures(whole)?.get(1)?;
    Some((m.start(), m.end()))
}

/// A document's inline `vitana-guard: ignore[...] reason` directives, by path and line.
#[derive(Debug, Default, Clone)]
pub struct Directives {
    by_line: HashMap<(String, u64), (Vec<String>, String)>,
}

fn directive() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"vitana-guard:\s*ignore(?:\[([A-Za-z0-9, ]*)\])?[ \t]*([^\n]*)")
            .expect("a fixed regex")
    })
}

impl Directives {
    /// The directives a segment holds (`collect_directives`). The directive is written
    /// in lower case.
    pub fn collect(&mut self, seg: &Segment) {
        // memchr's SIMD search: std's `str::contains` took 4% of a dense tree's scan here;
        // its searcher built once, not per segment
        static DIRECTIVE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"vitana-guard:"));
        if DIRECTIVE.find(seg.text.as_bytes()).is_none() {
            return;
        }
        for c in directive().captures_iter(&seg.text) {
            let Some(all) = c.get(0) else { continue };
            let (line, _) = position(seg, all.start());
            let ids = c
                .get(1)
                .map_or("", |m| m.as_str())
                .split(',')
                .map(pyfmt::strip)
                .filter(|i| !i.is_empty())
                .map(str::to_owned)
                .collect();
            let reason = pyfmt::strip(c.get(2).map_or("", |m| m.as_str()));
            let reason = pyfmt::strip(reason.strip_suffix("-->").unwrap_or(reason));
            let reason = if reason.is_empty() {
                "no reason given"
            } else {
                reason
            };
            self.by_line
                .insert((seg.origin.path.clone(), line), (ids, reason.to_owned()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_line.is_empty()
    }

    /// `_apply_directive`: a directive on the finding's line or the line above.
    fn apply(&self, finding: &mut Finding) {
        if finding.suppression.is_some() {
            return;
        }
        for line in [finding.line, finding.line.saturating_sub(1)] {
            let key = (finding.path.clone(), line);
            if let Some((ids, reason)) = self.by_line.get(&key) {
                if ids.is_empty() || ids.iter().any(|p| finding.rule_id.starts_with(p.as_str())) {
                    finding.suppression = Some(Suppression {
                        kind: "inSource",
                        justification: reason.clone(),
                    });
                    return;
                }
            }
        }
    }
}

/// A document's final findings: directives applied (unless `no_ignore`), the same
/// violation seen through two segments kept once, sorted.
pub fn settle(
    mut findings: Vec<Finding>,
    directives: &Directives,
    no_ignore: bool,
) -> Vec<Finding> {
    if !directives.is_empty() && !no_ignore {
        for f in &mut findings {
            directives.apply(f);
        }
    }
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| {
        seen.insert((
            f.rule_id.clone(),
            f.path.clone(),
            f.line,
            f.column,
            f.commit.clone(),
        ))
    });
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

#[cfg(test)]
mod tests;
