//! The guard's decision on a call (port of `hooks/core.py`'s `evaluate` and
//! `agents.py`'s `respond`) and the post-tool hook's record of the gateway steps a
//! call took (`record_result`).
//!
//! A call is judged as `scan` judges a transcript's tool call: each command and request
//! item as a segment of the agent's session, after the session's recorded gateway steps
//! are replayed (so a deploy before any safe-merge is denied); each file item as the
//! file the call leaves, as `scan` reads that file (for an edit: only what lands on the
//! lines it wrote), plus the commands a written program hands to the shell. A rule that
//! could not be applied completely (a timeout, text nested past what the shell reader
//! follows) is no pass: the call is denied.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::cache::{GuardPack, Prefilter};
use super::call::{py_json, Call, Item, ItemChannel};
use crate::findings::Finding;
use crate::keywords::KeywordSet;
use crate::model::{Actor, Channel, Origin, Segment, Status};
use crate::pack::Pack;
use crate::scan::{Compiled, DocumentScanner, ScanNotice};

/// VG602 (deploy never verified) needs what comes after the call: a hook cannot judge it.
pub const NOT_JUDGED_LIVE: &[&str] = &["VG602"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Deny,
    Warn,
    Allow,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Deny => "deny",
            Decision::Warn => "warn",
            Decision::Allow => "allow",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub reason: String,
    pub rules: Vec<String>,
}

impl Verdict {
    pub fn allow() -> Verdict {
        Verdict {
            decision: Decision::Allow,
            reason: String::new(),
            rules: Vec::new(),
        }
    }

    pub fn deny(reason: impl Into<String>, rules: &[&str]) -> Verdict {
        Verdict {
            decision: Decision::Deny,
            reason: reason.into(),
            rules: rules.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}

/// What the hook prints and its exit code, per the agent's contract: a deny is JSON on
/// stdout (Claude Code and Codex: `hookSpecificOutput.permissionDecision`; Gemini CLI:
/// `decision`), the reason on stderr, exit 2. A clean call prints nothing and exits 0
/// (never "allow": that would skip the agent's own permission prompt); a warning exits
/// 0 with the reason as context (Claude) or on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

pub fn respond(agent: &str, verdict: &Verdict) -> Answer {
    let mut a = Answer {
        stdout: String::new(),
        stderr: String::new(),
        code: 0,
    };
    match verdict.decision {
        Decision::Deny => {
            let body = if agent == "gemini" {
                serde_json::json!({"decision": "deny", "reason": verdict.reason})
            } else {
                serde_json::json!({"hookSpecificOutput": {
                    "hookEventName": "PreToolUse", "permissionDecision": "deny",
                    "permissionDecisionReason": verdict.reason}})
            };
            a.stdout = format!("{body}\n");
            a.stderr = format!("{}\n", verdict.reason);
            a.code = 2;
        }
        Decision::Warn if agent == "claude" => {
            // context only: no permissionDecision, the user's permission flow is unchanged
            let body = serde_json::json!({"hookSpecificOutput": {
                "hookEventName": "PreToolUse", "additionalContext": verdict.reason}});
            a.stdout = format!("{body}\n");
        }
        Decision::Warn => a.stderr = format!("{}\n", verdict.reason),
        Decision::Allow => {}
    }
    a
}

/// The deny for a call the guard could not check.
pub fn failed(what: &str) -> Verdict {
    Verdict::deny(
        format!(
            "vitana-guard could not check this call and fails closed: {what}. \
             Fix the hook (or run it with --fail-open) to proceed."
        ),
        &[],
    )
}

/// True when no rule could match any item: none of the pack's keywords occurs in an
/// item's text (read as bash reads it, for every item) nor in a written file's path.
pub fn prefilter_clean(pre: &Prefilter, items: &[Item]) -> bool {
    if pre.always {
        return false;
    }
    let finder = KeywordSet::new(&pre.keywords);
    items.iter().all(|item| {
        finder.present_shell(&item.text).0.is_empty()
            && item.path.as_deref().map_or(true, |p| !finder.any_in(p))
    })
}

/// Text nested deeper than the shell reader follows is opaque to it: the guard denies
/// rather than judge what it could see. The reader marks where it stopped.
pub fn depth_limit(items: &[Item]) -> Option<String> {
    use crate::normalize::shell::{parse, DEPTH_MARK, MAX_DEPTH};
    items
        .iter()
        .filter(|i| i.channel == ItemChannel::Command)
        .any(|i| {
            parse(&i.text)
                .iter()
                .any(|c| c.program() == Some(DEPTH_MARK))
        })
        .then(|| {
            format!(
                "the command nests substitutions, evals or nested shells deeper than the \
                 {MAX_DEPTH} levels the guard reads"
            )
        })
}

/// The compiled pack.
pub struct Engine {
    pub compiled: Arc<Compiled>,
    pub gateway_url: String,
    pub prefixes: Vec<String>,
}

impl Engine {
    pub fn new(pack: GuardPack) -> Result<Engine, String> {
        let compiled = Compiled::new(Pack::from_value(pack.pack)?)?;
        Ok(Engine {
            gateway_url: compiled.gateway_url.clone(),
            prefixes: compiled.prefixes.clone(),
            compiled: Arc::new(compiled),
        })
    }
}

/// A scan of one document's segments, its findings made and settled by the core (inline
/// ignore directives are not honoured: the agent writes the text it is judged on).
struct Doc {
    scanner: DocumentScanner,
    notices: Vec<ScanNotice>,
}

impl Doc {
    fn new(engine: &Engine, focus: Option<Vec<u64>>) -> Doc {
        Doc {
            scanner: DocumentScanner::new(Arc::clone(&engine.compiled), focus).no_ignore(true),
            notices: Vec::new(),
        }
    }

    fn feed(&mut self, seg: Segment) {
        let result = self.scanner.scan_segment(&seg);
        self.notices.extend(result.notices);
    }

    fn finish(mut self) -> (Vec<Finding>, Vec<ScanNotice>) {
        let (found, notices) = self.scanner.finish();
        self.notices.extend(notices);
        (found, self.notices)
    }
}

fn agent_origin(call: &Call, path: &str, record_id: &str, tool: Option<&str>) -> Origin {
    Origin {
        path: path.to_owned(),
        kind: call.agent.clone(),
        record_id: Some(record_id.to_owned()),
        session: Some(call.session.clone()),
        actor: Some(Actor::Agent),
        status: Some(Status::Executed),
        tool: tool.map(str::to_owned),
        ..Origin::default()
    }
}

fn segment(text: &str, channel: Channel, origin: Origin) -> Segment {
    Segment {
        text: text.to_owned(),
        channel,
        origin,
        line: 1,
        column: 1,
        indent: 0,
        flat: false,
    }
}

/// Source files whose command strings are read: the interpreters the shell reader knows.
fn code_language(path: Option<&str>) -> Option<&'static str> {
    let path = path?;
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name
        .rfind('.')
        .filter(|&i| i > 0)
        .map(|i| name[i..].to_lowercase())?;
    Some(match ext.as_str() {
        ".py" | ".pyw" => "python",
        ".js" | ".mjs" | ".cjs" | ".ts" | ".mts" | ".cts" => "node",
        ".pl" | ".pm" => "perl",
        ".rb" => "ruby",
        _ => return None,
    })
}

/// Whether a non-file item names a control-plane path: then the session's recorded
/// steps are replayed before it.
pub fn gated(engine: &Engine, items: &[Item]) -> bool {
    items
        .iter()
        .filter(|i| i.channel != ItemChannel::File)
        .any(|i| engine.prefixes.iter().any(|p| i.text.contains(p.as_str())))
}

/// Judges the call's items; `past`: the session's recorded steps (see [`gated`]).
pub fn evaluate(call: &Call, engine: &Engine, past: &[Map<String, Value>]) -> Verdict {
    let rid = call.record_id.as_str();
    let mut doc = Doc::new(engine, None);
    for (i, step) in past.iter().enumerate() {
        let channel = if step.get("channel").and_then(Value::as_str) == Some("request") {
            Channel::Request
        } else {
            Channel::Command
        };
        let text = step.get("text").and_then(Value::as_str).unwrap_or("");
        let replay = format!("replay-{i}");
        let tool = step.get("tool").and_then(Value::as_str);
        let origin = agent_origin(call, &format!("<hook:{replay}>"), &replay, tool);
        doc.feed(segment(text, channel, origin));
    }
    let mut file_found = Vec::new();
    let mut file_notices = Vec::new();
    for item in &call.items {
        if item.channel == ItemChannel::File {
            let focus = item.lines.as_ref().map(|l| l.iter().copied().collect());
            let mut own = Doc::new(engine, focus);
            let path = item.path.as_deref().unwrap_or("<written>");
            for mut seg in crate::segment::segments(path, &item.text, None, None) {
                seg.origin.record_id = Some(rid.to_owned());
                seg.origin.session = Some(call.session.clone());
                seg.origin.tool = Some(call.tool.clone());
                own.feed(seg);
            }
            let (found, notices) = own.finish();
            file_found.extend(
                found
                    .into_iter()
                    .filter(|f| item.lines.as_ref().map_or(true, |l| l.contains(&f.line))),
            );
            file_notices.extend(notices);
            // a program the tool writes runs the command strings it hands to os.system,
            // subprocess, child_process and the like: judged as the commands they are
            for script in code_commands(item.path.as_deref(), &item.text, item.lines.as_ref()) {
                doc.feed(segment(
                    &script,
                    Channel::Command,
                    agent_origin(call, "<hook>", rid, Some(&call.tool)),
                ));
            }
            continue;
        }
        let channel = if item.channel == ItemChannel::Request {
            Channel::Request
        } else {
            Channel::Command
        };
        doc.feed(segment(
            &item.text,
            channel,
            agent_origin(call, "<hook>", rid, Some(&call.tool)),
        ));
    }
    let (mut found, mut notices) = doc.finish();
    found.extend(file_found);
    notices.extend(file_notices);
    let failed: Vec<&str> = notices
        .iter()
        .filter(|n| n.level == "error")
        .map(|n| n.message.as_str())
        .collect();
    if !failed.is_empty() {
        // a rule that could not be applied (a timeout, text it cannot read) is no pass
        return Verdict::deny(
            format!(
                "vitana-guard could not check this call completely and fails closed: {}",
                failed
                    .iter()
                    .take(3)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            &["incomplete"],
        );
    }
    let mine: Vec<&Finding> = found
        .iter()
        .filter(|f| f.record_id.as_deref() == Some(rid) && f.suppression.is_none())
        .filter(|f| !NOT_JUDGED_LIVE.contains(&f.rule_id.as_str()))
        .collect();
    let errors: Vec<&Finding> = mine
        .iter()
        .copied()
        .filter(|f| f.severity == "error")
        .collect();
    let blocking = !errors.is_empty();
    let shown = if blocking { &errors } else { &mine };
    if shown.is_empty() {
        return Verdict::allow();
    }
    let ids: BTreeSet<&str> = mine.iter().map(|f| f.rule_id.as_str()).collect();
    Verdict {
        decision: if blocking {
            Decision::Deny
        } else {
            Decision::Warn
        },
        reason: reason(engine, shown, blocking),
        rules: ids.into_iter().map(str::to_owned).collect(),
    }
}

fn code_commands(path: Option<&str>, text: &str, lines: Option<&BTreeSet<u64>>) -> Vec<String> {
    let Some(language) = code_language(path) else {
        return Vec::new();
    };
    crate::normalize::shell::code_commands(language, text)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, span)| match (lines, span) {
            (Some(lines), Some((start, _))) => {
                let line = memchr::memchr_iter(b'\n', &text.as_bytes()[..(*start).min(text.len())])
                    .count() as u64
                    + 1;
                lines.contains(&line)
            }
            _ => true,
        })
        .map(|(script, _)| script)
        .collect()
}

fn reason(engine: &Engine, findings: &[&Finding], blocking: bool) -> String {
    let mut lines = vec![if blocking {
        "vitana-guard blocked this call (policy VTID-0518):".to_owned()
    } else {
        "vitana-guard warning (policy VTID-0518), the call is allowed:".to_owned()
    }];
    let mut seen = BTreeSet::new();
    for f in findings {
        if !seen.insert((f.rule_id.as_str(), f.message.as_str())) {
            continue;
        }
        let instead = engine
            .compiled
            .pack
            .rules
            .iter()
            .find(|r| r.id == f.rule_id)
            .map(|r| {
                r.instead
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace("{GATEWAY_URL}", &engine.gateway_url)
            })
            .unwrap_or_default();
        let message = f.message.trim_end();
        let mut line = format!("- {} {} [{}]: {message}", f.rule_id, f.slug, f.severity);
        if !instead.is_empty() {
            if !message.ends_with(['.', '!', '?']) {
                line.push('.');
            }
            line.push_str(&format!(" Instead: {instead}"));
        }
        lines.push(line);
    }
    lines.join("\n")
}

// -- results (post-tool hook) -------------------------------------------------------

const FAILURE_MARKERS: &[&str] = &[
    "curl: (",
    "could not resolve host",
    "connection refused",
    "failed to connect",
    "operation timed out",
    "connection timed out",
    "ssl certificate problem",
];

/// Whether a tool result shows the call ran and the server answered with success.
/// Unknown (no result, empty output) is not success: a step is recorded on evidence.
pub fn succeeded(result: Option<&Value>) -> bool {
    let mut texts: Vec<String> = Vec::new();
    match result {
        Some(Value::Object(r)) => {
            let flag = |k: &str| r.get(k).is_some_and(super::call::truthy);
            if flag("is_error") || flag("isError") || flag("interrupted") || flag("error") {
                return false;
            }
            for k in ["exit_code", "exitCode", "returncode", "code"] {
                if let Some(n) = r
                    .get(k)
                    .filter(|v| v.is_i64() || v.is_u64() || v.is_boolean())
                {
                    let nonzero = match n {
                        Value::Bool(b) => *b,
                        other => other.as_i64() != Some(0),
                    };
                    if nonzero {
                        return false;
                    }
                }
            }
            for k in [
                "stdout",
                "output",
                "llmContent",
                "returnDisplay",
                "content",
                "result",
                "stderr",
            ] {
                match r.get(k) {
                    Some(Value::String(s)) => texts.push(s.clone()),
                    Some(Value::Array(items)) => texts.extend(items.iter().map(|x| match x {
                        Value::String(s) => s.clone(),
                        other => py_json_ascii(other),
                    })),
                    _ => {}
                }
            }
        }
        Some(Value::String(s)) => texts.push(s.clone()),
        _ => return false,
    }
    let text = texts.join("\n");
    let lowered = text.to_lowercase();
    if text.trim().is_empty() || FAILURE_MARKERS.iter().any(|m| lowered.contains(m)) {
        return false;
    }
    static EXIT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static STATUS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static FALSE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static ERROR: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let exit =
        EXIT.get_or_init(|| regex::Regex::new(r"exit code:?\s*(-?\d+)").expect("fixed regex"));
    if let Some(c) = exit.captures(&lowered) {
        if &c[1] != "0" {
            return false;
        }
    }
    let status =
        STATUS.get_or_init(|| regex::Regex::new(r"\bhttp/[\d.]+\s+(\d{3})").expect("fixed regex"));
    let last = status
        .captures_iter(&lowered)
        .last()
        .map(|c| c[1].to_owned());
    if last.as_deref().is_some_and(|s| !s.starts_with('2')) {
        return false;
    }
    let falsy = FALSE
        .get_or_init(|| regex::Regex::new(r#""(?:ok|success)"\s*:\s*false"#).expect("fixed regex"));
    if falsy.is_match(&lowered) {
        return false;
    }
    // Python's `"error"\s*:\s*(?!null)`: the `\s*` may give back a space, so only
    // `"error":null` written without a space after the colon passes
    let error = ERROR.get_or_init(|| regex::Regex::new(r#""error"\s*:"#).expect("fixed regex"));
    for m in error.find_iter(&lowered) {
        let after = &lowered[m.end()..];
        if after.starts_with(char::is_whitespace) || !after.starts_with("null") {
            return false;
        }
    }
    last.is_some() || text.contains('{')
}

fn py_json_ascii(v: &Value) -> String {
    py_json(v)
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect()
}

/// The gateway steps a call that ran took, as the session file stores them: only those
/// whose request went to the canonical gateway (scheme and host, no userinfo).
/// `env` looks a variable up in the agent's environment (a `$GATEWAY/...` URL).
pub fn record_steps(
    call: &Call,
    engine: &Engine,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Map<String, Value>> {
    let mut doc = Doc::new(engine, None);
    for item in &call.items {
        if item.channel == ItemChannel::File {
            continue;
        }
        let channel = if item.channel == ItemChannel::Request {
            Channel::Request
        } else {
            Channel::Command
        };
        doc.feed(segment(
            &item.text,
            channel,
            agent_origin(call, "<hook>", &call.record_id, Some(&call.tool)),
        ));
    }
    let mut stored = Vec::new();
    for step in doc.scanner.steps(&call.session) {
        let request = &step.request;
        if !reaches(&request.url, &engine.gateway_url, env) {
            continue;
        }
        let mut text = format!("{} {}", request.method, request.url);
        for (k, v) in &request.headers {
            text.push_str(&format!("\n{k}: {v}"));
        }
        if let Some(body) = request.body.as_deref().filter(|b| !b.is_empty()) {
            text.push_str("\n\n");
            text.push_str(body);
        }
        let mut m = Map::new();
        m.insert(
            "names".into(),
            Value::Array(vec![Value::String(step.name.clone())]),
        );
        m.insert("channel".into(), Value::String("request".into()));
        m.insert("text".into(), Value::String(text));
        m.insert("tool".into(), Value::String(call.tool.clone()));
        stored.push(m);
    }
    stored
}

/// A URL split as Python's `urlsplit` splits it (what `_reaches` reads of it).
#[derive(Debug, PartialEq, Eq)]
struct Url {
    scheme: String,
    /// lower-cased, without brackets
    host: Option<String>,
    userinfo: bool,
    port: Option<u32>,
}

fn split_url(url: &str) -> Result<Url, ()> {
    let (scheme, rest) = match url.find(':') {
        Some(i)
            if i > 0
                && url[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && url[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (url[..i].to_lowercase(), &url[i + 1..])
        }
        _ => (String::new(), url),
    };
    let Some(after) = rest.strip_prefix("//") else {
        return Ok(Url {
            scheme,
            host: None,
            userinfo: false,
            port: None,
        });
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let netloc = &after[..end];
    let (userinfo, hostport) = match netloc.rfind('@') {
        Some(i) => (true, &netloc[i + 1..]),
        None => (false, netloc),
    };
    let (host, port) = if let Some(stripped) = hostport.strip_prefix('[') {
        let close = stripped.find(']').ok_or(())?;
        let host = &stripped[..close];
        let port = stripped[close + 1..].strip_prefix(':');
        (host.to_owned(), port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (hostport.to_owned(), None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.chars().all(|c| c.is_ascii_digit()) => {
            let n: u32 = p.parse().map_err(|_| ())?;
            if n > 65535 {
                return Err(());
            }
            Some(n)
        }
        Some(_) => return Err(()),
    };
    let host = (!host.is_empty()).then(|| host.to_lowercase());
    Ok(Url {
        scheme,
        host,
        userinfo,
        port,
    })
}

/// Whether `url` (its leading `$VAR` / `${VAR}` taken from the agent's environment)
/// reaches the canonical gateway: same scheme and host, default port, no userinfo.
pub fn reaches(url: &str, canonical: &str, env: &dyn Fn(&str) -> Option<String>) -> bool {
    static VAR: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let var = VAR.get_or_init(|| {
        regex::Regex::new(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?").expect("fixed regex")
    });
    let mut url = url.to_owned();
    if let Some(c) = var.captures(&url.clone()) {
        if let Some(value) = env(&c[1]).filter(|v| !v.is_empty()) {
            url = value + &url[c.get(0).map_or(0, |m| m.end())..];
        }
    }
    let (Ok(parts), Ok(canon)) = (split_url(&url), split_url(canonical)) else {
        return false;
    };
    let default = if parts.scheme == "https" { 443 } else { 80 };
    parts.scheme == canon.scheme
        && parts.host == canon.host
        && !parts.userinfo
        && parts.port.map_or(true, |p| p == default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deny_and_warn_follow_each_contract() {
        let deny = Verdict::deny("no", &["VG101"]);
        let a = respond("gemini", &deny);
        assert_eq!((a.code, a.stderr.as_str()), (2, "no\n"));
        assert_eq!(
            serde_json::from_str::<Value>(&a.stdout).unwrap(),
            json!({"decision": "deny", "reason": "no"})
        );
        let a = respond("codex", &deny);
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        let warn = Verdict {
            decision: Decision::Warn,
            reason: "careful".into(),
            rules: vec![],
        };
        let a = respond("claude", &warn);
        assert_eq!(a.code, 0);
        assert!(a.stdout.contains("additionalContext") && a.stderr.is_empty());
        let a = respond("gemini", &warn);
        assert_eq!(
            (a.code, a.stdout.as_str(), a.stderr.as_str()),
            (0, "", "careful\n")
        );
        assert_eq!(
            respond("claude", &Verdict::allow()),
            Answer {
                stdout: String::new(),
                stderr: String::new(),
                code: 0
            }
        );
    }

    #[test]
    fn depth_marker_denies() {
        let nested = format!(
            "echo {}gcloud run deploy x{}",
            "$(".repeat(101),
            ")".repeat(101)
        );
        assert!(depth_limit(&[Item::command(nested)])
            .unwrap()
            .contains("levels"));
        // many `-c` flags nest nothing: no false deny
        let flags = format!("grep {} x", "-c ".repeat(150));
        assert_eq!(depth_limit(&[Item::command(flags)]), None);
    }

    #[test]
    fn results_count_as_success_only_on_evidence() {
        assert!(!succeeded(None));
        assert!(!succeeded(Some(&json!({"stdout": ""}))));
        assert!(succeeded(Some(&json!({"stdout": "{\"ok\": true}"}))));
        assert!(!succeeded(Some(&json!({"stdout": "{\"ok\": false}"}))));
        assert!(!succeeded(Some(&json!({"stdout": "{}", "exit_code": 1}))));
        assert!(!succeeded(Some(
            &json!({"stdout": "curl: (6) Could not resolve host"})
        )));
        assert!(succeeded(Some(&json!("HTTP/1.1 200 OK"))));
        assert!(!succeeded(Some(&json!("HTTP/1.1 500 oops"))));
        assert!(!succeeded(Some(&json!({"stdout": "{\"error\": \"x\"}"}))));
        assert!(succeeded(Some(&json!({"stdout": "{\"error\":null}"}))));
        assert!(!succeeded(Some(&json!({"stdout": "{\"error\": null}"}))));
        assert!(!succeeded(Some(&json!({"stdout": "exit code: 3 {}"}))));
    }

    #[test]
    fn only_the_canonical_gateway_is_reached() {
        let gw = "https://gateway.example.run.app";
        let none = |_: &str| None;
        assert!(reaches(
            "https://gateway.example.run.app/api/v1/x",
            gw,
            &none
        ));
        assert!(reaches("https://GATEWAY.example.run.app:443/x", gw, &none));
        assert!(!reaches("http://gateway.example.run.app/x", gw, &none));
        assert!(!reaches("https://u@gateway.example.run.app/x", gw, &none));
        assert!(!reaches(
            "https://gateway.example.run.app:8443/x",
            gw,
            &none
        ));
        assert!(!reaches(
            "https://gateway.example.run.app.evil.dev/x",
            gw,
            &none
        ));
        assert!(!reaches(
            "https://gateway.example.run.app:99999/x",
            gw,
            &none
        ));
        let env = |k: &str| (k == "GW").then(|| gw.to_owned());
        assert!(reaches("${GW}/api/v1/x", gw, &env));
        assert!(!reaches("$OTHER/api/v1/x", gw, &env));
    }
}
