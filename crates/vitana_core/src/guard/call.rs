//! A hook's JSON read into a call and the items to judge (port of `hooks/agents.py`'s
//! `parse_call` and `items_of`): a shell tool's command, a file a write or edit leaves
//! (an edit applied to the file on disk, judged on the lines it wrote), a Codex patch's
//! files, a fetch's HTTP request. The three agents' payloads share these fields.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use super::edits;
pub use crate::pyfmt::{shlex_quote, strip as py_strip, truthy};

const SHELL_TOOLS: &[&str] = &[
    "bash",
    "shell",
    "run_shell_command",
    "exec_command",
    "shell_command",
    "local_shell",
    "container.exec",
    "exec",
    "execute_command",
    "run_command",
    "run_terminal_cmd",
    "terminal",
    "execute_bash",
];
const FETCH_TOOLS: &[&str] = &["webfetch", "web_fetch"];
const WRITE_TOOLS: &[&str] = &[
    "write",
    "edit",
    "multiedit",
    "write_file",
    "replace",
    "notebookedit",
    "create_file",
];
const SHELLS: &[&str] = &["bash", "sh", "zsh", "dash", "ksh"];

/// A payload the guard cannot read: denied with this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput(pub String);

/// What an item is judged as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemChannel {
    Command,
    Request,
    File,
}

/// One piece of a pending call to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub channel: ItemChannel,
    pub text: String,
    /// the file written (channel File)
    pub path: Option<String>,
    /// for a file an edit produces: the 1-based lines the edit wrote (None: the whole file)
    pub lines: Option<BTreeSet<u64>>,
}

impl Item {
    pub fn command(text: impl Into<String>) -> Item {
        Item {
            channel: ItemChannel::Command,
            text: text.into(),
            path: None,
            lines: None,
        }
    }

    fn file(text: String, path: Option<String>, lines: Option<BTreeSet<u64>>) -> Item {
        Item {
            channel: ItemChannel::File,
            text,
            path,
            lines,
        }
    }
}

/// A pending tool call.
#[derive(Debug, Clone)]
pub struct Call {
    pub agent: String,
    pub session: String,
    pub record_id: String,
    pub tool: String,
    pub items: Vec<Item>,
    pub cwd: Option<String>,
    pub tool_input: Map<String, Value>,
    /// the command of a shell tool (MCP tools with a `command` included)
    pub shell_text: Option<String>,
    /// the whole payload (the post hook reads the result from it)
    pub data: Map<String, Value>,
}

/// Reads the hook's stdin; `fallback_id` names a call that carries no id of its own.
pub fn parse_call(agent: &str, raw: &str, fallback_id: &str) -> Result<Call, BadInput> {
    if raw.trim().is_empty() {
        return Err(BadInput(
            "empty stdin (expected the hook's JSON payload)".into(),
        ));
    }
    let data: Value = serde_json::from_str(raw).map_err(|e| {
        if e.to_string().contains("recursion limit") {
            BadInput("stdin JSON is nested too deeply".into())
        } else {
            BadInput(format!("stdin is not JSON: {e}"))
        }
    })?;
    let Value::Object(data) = data else {
        return Err(BadInput("stdin JSON is not an object".into()));
    };
    let tool = match data.get("tool_name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(BadInput("payload has no tool_name".into())),
    };
    let Some(Value::Object(tool_input)) = data.get("tool_input") else {
        return Err(BadInput("payload has no tool_input object".into()));
    };
    let tool_input = tool_input.clone();
    let session = match data.get("session_id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(BadInput("payload has no session_id".into())),
    };
    let record_id = ["tool_use_id", "call_id"]
        .iter()
        .filter_map(|k| data.get(*k))
        .find(|v| truthy(v))
        .map(py_str)
        .unwrap_or_else(|| fallback_id.to_owned());
    let cwd = match data.get("cwd") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let items = items_of(&tool, &tool_input, cwd.as_deref())?;
    let shell_text = if is_shell_tool(&tool, &tool_input) {
        items.first().map(|i| i.text.clone())
    } else {
        None
    };
    Ok(Call {
        agent: agent.to_owned(),
        session,
        record_id,
        tool,
        items,
        cwd,
        tool_input,
        shell_text,
        data,
    })
}

fn base_name(tool: &str) -> String {
    let name = tool.to_lowercase();
    if name.starts_with("mcp__") {
        name.rsplit("__").next().unwrap_or("").to_owned()
    } else {
        name
    }
}

/// A shell tool by name, or an MCP tool whose input has a `command` (`mcp__shell__run`):
/// whatever its server calls it, a command it is given is run as shell.
pub fn is_shell_tool(tool: &str, args: &Map<String, Value>) -> bool {
    let name = tool.to_lowercase();
    let base = base_name(tool);
    if SHELL_TOOLS.contains(&base.as_str()) {
        return true;
    }
    name.starts_with("mcp__")
        && (args.contains_key("command") || args.contains_key("cmd"))
        && !WRITE_TOOLS.contains(&base.as_str())
        && base != "apply_patch"
}

/// The items of a call to judge.
pub fn items_of(
    tool: &str,
    args: &Map<String, Value>,
    cwd: Option<&str>,
) -> Result<Vec<Item>, BadInput> {
    let base = base_name(tool);
    if is_shell_tool(tool, args) {
        let cmd = args.get("command").or_else(|| args.get("cmd"));
        let Some(text) = cmd.and_then(command_text) else {
            return Err(BadInput(format!("{tool} call has no command")));
        };
        return Ok(if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![Item::command(text)]
        });
    }
    if WRITE_TOOLS.contains(&base.as_str()) {
        let path = ["file_path", "path", "notebook_path"]
            .iter()
            .filter_map(|k| args.get(*k))
            .find(|v| truthy(v));
        let edits: Vec<Value> = match args.get("edits") {
            None => Vec::new(),
            Some(v) if !truthy(v) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err(BadInput(format!("{tool} call's edits is not a list"))),
        };
        if let Some(Value::String(p)) = path {
            if !p.is_empty()
                && matches!(base.as_str(), "edit" | "multiedit" | "replace")
                && (cwd.is_some_and(|c| !c.is_empty()) || Path::new(p).is_absolute())
            {
                let at = cwd.filter(|c| !c.is_empty()).unwrap_or("/");
                if let Some((text, lines)) = edits::apply_edits(p, at, args, &edits) {
                    return Ok(vec![Item::file(text, Some(p.clone()), Some(lines))]);
                }
            }
        }
        let mut texts: Vec<&Value> = ["content", "new_string", "new_source"]
            .iter()
            .filter_map(|k| args.get(*k))
            .collect();
        texts.extend(
            edits
                .iter()
                .filter_map(|e| e.as_object().and_then(|o| o.get("new_string"))),
        );
        let path = path.map(py_str);
        return Ok(texts
            .into_iter()
            .filter_map(|t| t.as_str().filter(|s| !s.is_empty()))
            .map(|t| Item::file(t.to_owned(), path.clone(), None))
            .collect());
    }
    if base == "apply_patch" {
        let patch = ["input", "patch"]
            .iter()
            .filter_map(|k| args.get(*k))
            .find(|v| truthy(v))
            .map(py_str)
            .or_else(|| {
                args.get("command")
                    .and_then(command_text)
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_default();
        return Ok(patch_items(&patch, cwd));
    }
    let url = args.get("url");
    if FETCH_TOOLS.contains(&base.as_str()) || url.is_some_and(Value::is_string) {
        let urls: Vec<String> = match url {
            Some(Value::String(u)) => vec![u.clone()],
            _ => urls_in(
                &args
                    .get("prompt")
                    .filter(|v| truthy(v))
                    .map(py_str)
                    .unwrap_or_default(),
            ),
        };
        let method = match args.get("method") {
            Some(Value::String(m)) => m.clone(),
            _ => "GET".into(),
        };
        return Ok(urls
            .iter()
            .map(|u| py_strip(u))
            .filter(|u| !u.is_empty())
            .map(|u| Item {
                channel: ItemChannel::Request,
                text: http_text(&method, u, args),
                path: None,
                lines: None,
            })
            .collect());
    }
    Ok(Vec::new())
}

fn command_text(cmd: &Value) -> Option<String> {
    match cmd {
        Value::String(s) => Some(s.clone()),
        Value::Array(words) if !words.is_empty() && words.iter().all(Value::is_string) => {
            let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
            let prog = words[0].rsplit('/').next().unwrap_or("");
            if words.len() == 3
                && SHELLS.contains(&prog)
                && matches!(words[1], "-c" | "-lc" | "-ic")
            {
                return Some(words[2].to_owned());
            }
            Some(
                words
                    .iter()
                    .map(|w| shlex_quote(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        _ => None,
    }
}

fn urls_in(text: &str) -> Vec<String> {
    static URL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = URL.get_or_init(|| {
        regex::Regex::new(r#"https?://[^\s<>"'`)\]]+"#).expect("a fixed, valid regex")
    });
    re.find_iter(text).map(|m| m.as_str().to_owned()).collect()
}

fn http_text(method: &str, url: &str, args: &Map<String, Value>) -> String {
    let method = py_strip(method).to_uppercase();
    let mut text = format!("{} {url}", if method.is_empty() { "GET" } else { &method });
    if let Some(Value::Object(headers)) = args.get("headers") {
        for (k, v) in headers {
            text.push_str(&format!("\n{k}: {}", py_str(v)));
        }
    }
    let body = ["body", "json", "data"]
        .iter()
        .filter_map(|k| args.get(*k))
        .find(|v| !v.is_null());
    if let Some(body) = body {
        if body.as_str() != Some("") {
            text.push_str("\n\n");
            match body {
                Value::String(s) => text.push_str(s),
                other => text.push_str(&py_json(other)),
            }
        }
    }
    text
}

fn patch_items(patch: &str, cwd: Option<&str>) -> Vec<Item> {
    let mut items = Vec::new();
    for file in edits::patch_files(patch) {
        if file.kind == "update"
            && (cwd.is_some_and(|c| !c.is_empty()) || Path::new(&file.path).is_absolute())
        {
            let at = cwd.filter(|c| !c.is_empty()).unwrap_or("/");
            if let Some((text, lines)) = edits::apply_hunks(&file.path, at, &file.lines) {
                items.push(Item::file(text, Some(file.path), Some(lines)));
                continue;
            }
        }
        let added: Vec<&str> = file
            .lines
            .iter()
            .filter_map(|l| l.strip_prefix('+'))
            .collect();
        if !added.is_empty() {
            items.push(Item::file(added.join("\n") + "\n", Some(file.path), None));
        }
    }
    items
}

/// Python's `str()` of a JSON value as `json.loads` gives it.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => py_number(n),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", py_repr(&Value::String(k.clone())), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn py_number(n: &serde_json::Number) -> String {
    if n.is_f64() {
        let f = n.as_f64().unwrap_or(0.0);
        if f.fract() == 0.0 && f.abs() < 1e16 {
            format!("{f:.1}")
        } else {
            format!("{f}")
        }
    } else {
        n.to_string()
    }
}

/// Python's `json.dumps(v, ensure_ascii=False)`: `, ` and `: ` separators.
pub fn py_json(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("[{}]", a.iter().map(py_json).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), py_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Number(n) => py_number(n),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(raw: &str) -> Result<Call, BadInput> {
        parse_call("claude", raw, "hook-x")
    }

    #[test]
    fn bad_payloads_say_what_is_missing() {
        assert_eq!(
            call(" ").unwrap_err().0,
            "empty stdin (expected the hook's JSON payload)"
        );
        assert!(call("{").unwrap_err().0.starts_with("stdin is not JSON: "));
        assert_eq!(call("[1]").unwrap_err().0, "stdin JSON is not an object");
        assert_eq!(call("{}").unwrap_err().0, "payload has no tool_name");
        assert_eq!(
            call(r#"{"tool_name": "Bash"}"#).unwrap_err().0,
            "payload has no tool_input object"
        );
        assert_eq!(
            call(r#"{"tool_name": "Bash", "tool_input": {}}"#)
                .unwrap_err()
                .0,
            "payload has no session_id"
        );
        assert_eq!(
            call(r#"{"tool_name": "Bash", "tool_input": {}, "session_id": "s"}"#)
                .unwrap_err()
                .0,
            "Bash call has no command"
        );
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        let deep = format!(r#"{{"tool_name": "Bash", "x": {deep}}}"#);
        assert_eq!(
            call(&deep).unwrap_err().0,
            "stdin JSON is nested too deeply"
        );
    }

    #[test]
    fn shell_tools_and_mcp_commands() {
        let c = call(r#"{"tool_name": "mcp__shell__run", "tool_input": {"command": ["bash", "-lc", "gcloud x"]}, "session_id": "s", "tool_use_id": "t1"}"#).unwrap();
        assert_eq!(c.items, vec![Item::command("gcloud x")]);
        assert_eq!(c.shell_text.as_deref(), Some("gcloud x"));
        assert_eq!(c.record_id, "t1");
        let c = call(r#"{"tool_name": "exec_command", "tool_input": {"cmd": ["git", "push", "it's"]}, "session_id": "s"}"#).unwrap();
        assert_eq!(c.items, vec![Item::command(r#"git push 'it'"'"'s'"#)]);
        assert_eq!(c.record_id, "hook-x");
    }

    #[test]
    fn fetches_are_requests() {
        let c = call(r#"{"tool_name": "WebFetch", "tool_input": {"url": " https://x.dev/a ", "method": "post", "headers": {"A": 1}, "json": {"k": [1, true]}}, "session_id": "s"}"#).unwrap();
        assert_eq!(c.items[0].channel, ItemChannel::Request);
        assert_eq!(
            c.items[0].text,
            "POST https://x.dev/a\nA: 1\n\n{\"k\": [1, true]}"
        );
        let c = call(r#"{"tool_name": "web_fetch", "tool_input": {"prompt": "read https://a.b/c) and http://d.e"}, "session_id": "s"}"#).unwrap();
        let texts: Vec<&str> = c.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["GET https://a.b/c", "GET http://d.e"]);
    }

    #[test]
    fn writes_without_a_file_on_disk_judge_what_they_write() {
        let c = call(r#"{"tool_name": "Write", "tool_input": {"file_path": "d.sh", "content": "gcloud run deploy"}, "session_id": "s"}"#).unwrap();
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].path.as_deref(), Some("d.sh"));
        assert!(call(
            r#"{"tool_name": "MultiEdit", "tool_input": {"edits": 3}, "session_id": "s"}"#
        )
        .is_err());
    }
}
