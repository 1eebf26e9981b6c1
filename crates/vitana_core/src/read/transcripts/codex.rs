//! Codex CLI rollout JSONL (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).
//!
//! Reads the `response_item` stream (`event_msg` repeats the same messages), plus the
//! `exec_command_end` events, which say how a command ended (a current `exec_command` is
//! first answered "Process running with session ID N"; its exit code comes later).
//! Mid-2025 bare-item lines and the single-document `{session, items}` form are read too.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::value::Value;
use regex::Regex;

use super::common::{
    argv_to_command, assistant_text, content_text, get, get_str, make, notice, salvage_command,
    script_payloads, tool_payloads, with_status, Base, Ordered, UnknownTypes, CODE_KEYS,
};
use super::jsonl::Rec;
use super::pyjson::{self, blank, dumps, head_chars, lstrip, truthy};
use crate::model::{Actor, Channel, Item, Status};

pub const NAME: &str = "codex";
const ITEM_TYPES: [&str; 9] = [
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "compaction",
    "web_search_call",
];
const READ_TYPES: [&str; 4] = ["session_meta", "response_item", "event_msg", "compacted"];
pub const SKIPPED_TYPES: [&str; 1] = ["turn_context"];
pub const SKIPPED_ITEMS: [&str; 8] = [
    "reasoning",
    "compaction",
    "compaction_summary",
    "web_search_call",
    "image_generation_call",
    "tool_search_call",
    "tool_search_output",
    "ghost_snapshot",
];
const DENIED: [&str; 3] = [
    "exec command rejected by user",
    "patch rejected by user",
    "This action was rejected due to unacceptable risk.",
];
const INJECTED: [&str; 5] = [
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions",
    "<INSTRUCTIONS>",
    "<turn_aborted>",
];

static RUNNING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\n)[\s\x1c-\x1f]*Process running with session ID (\d+)").unwrap()
});
static EXIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|\n)[\s\x1c-\x1f]*(?:Exit code:|Process exited with code)[\s\x1c-\x1f]*(-?\d+)",
    )
    .unwrap()
});
static USER_SHELL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<user_shell_command>(.*?)</user_shell_command>").unwrap());
static SHELL_CMD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<command>(.*?)</command>").unwrap());

/// Decimal-digit zeros of Unicode (what Python's `int()` reads as 0).
const ZEROS: [u32; 2] = ['0' as u32, 0x660];

/// Whether `int(digits)` is not 0 (`\d` is any Unicode decimal digit).
pub fn nonzero(digits: &str) -> bool {
    digits
        .trim_start_matches('-')
        .chars()
        .any(|c| !is_zero_digit(c))
}

fn is_zero_digit(c: char) -> bool {
    let n = c as u32;
    ZEROS.contains(&n) || DIGIT_ZEROS.contains(&n)
}

/// The zero of every run of Unicode decimal digits (category Nd).
const DIGIT_ZEROS: [u32; 68] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0, 0x11f50,
    0x1e4f0,
];

pub fn sniff_record(obj: &Value) -> bool {
    let has = |k: &str| get(obj, k).is_some();
    if has("timestamp") && has("type") && has("payload") {
        return true;
    }
    if get_str(obj, "type") == Some("session_meta") {
        return true;
    }
    if has("id") && has("timestamp") && has("instructions") {
        return true;
    }
    matches!(get(obj, "session"), Some(Value::Object(_)))
        && matches!(get(obj, "items"), Some(Value::Array(_)))
}

/// (text to report as output, status) of a function_call_output `output`; status None: the
/// process is still running.
pub fn output_of(raw: Option<&Value>) -> (String, Option<Status>) {
    let parsed;
    let mut raw = raw;
    if let Some(Value::String(s)) = raw {
        if lstrip(s).starts_with('{') {
            let l = pyjson::loads_str(s);
            if l.error.is_none() {
                if let Some(v @ Value::Object(_)) = l.value {
                    parsed = v;
                    raw = Some(&parsed);
                }
            }
        }
    }
    let mut meta_exit: Option<i128> = None;
    let mut success: Option<bool> = None;
    let text: String = match raw {
        Some(obj @ Value::Object(_)) => {
            if let Some(md @ Value::Object(_)) = get(obj, "metadata") {
                if pyjson::is_int(get(md, "exit_code")) {
                    meta_exit = get(md, "exit_code").and_then(pyjson::int_value);
                }
            }
            if let Some(Value::Bool(b)) = get(obj, "success") {
                success = Some(*b);
            }
            let found = ["output", "content"]
                .iter()
                .find_map(|k| get(obj, k).map(|v| (k, v)));
            match found {
                Some((_, Value::String(s))) => s.clone(),
                Some((_, v)) => content_text(Some(v)),
                None => dumps(obj, false),
            }
        }
        Some(list @ Value::Array(_)) => content_text(Some(list)),
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => String::new(),
        Some(other) => dumps(other, false),
    };
    let head = head_chars(&text, 4000);
    if DENIED.iter().any(|d| head.contains(d)) {
        return (text, Some(Status::Denied));
    }
    if head.contains("sandbox denied exec error") {
        return (text, Some(Status::Failed));
    }
    if let Some(code) = meta_exit {
        let st = if code != 0 {
            Status::Failed
        } else {
            Status::Executed
        };
        return (text, Some(st));
    }
    if let Some(m) = EXIT.captures(head) {
        let st = if nonzero(m.get(1).unwrap().as_str()) {
            Status::Failed
        } else {
            Status::Executed
        };
        return (text, Some(st));
    }
    if success == Some(false) {
        return (text, Some(Status::Failed));
    }
    if RUNNING.is_match(head) {
        return (text, None);
    }
    (text, Some(Status::Executed))
}

/// The status an `exec_command_end` event gives its call.
pub fn end_status(payload: &Value) -> Option<Status> {
    let state = get(payload, "status");
    if state == Some(&Value::String("declined".into())) {
        return Some(Status::Denied);
    }
    if let Some(Value::Number(n)) = get(payload, "exit_code") {
        if n.is_i64() || n.is_u64() {
            return Some(if n.as_i64() == Some(0) || n.as_u64() == Some(0) {
                Status::Executed
            } else {
                Status::Failed
            });
        }
    }
    match state.and_then(Value::as_str) {
        Some("failed") => Some(Status::Failed),
        Some("completed") => Some(Status::Executed),
        _ => None,
    }
}

/// A reader error that ends the file (Python's `guarded`: an exception out of the reader).
pub struct Fatal(pub String);

pub struct Codex {
    path: String,
    session: Option<String>,
    pub index: i64,
    em: Ordered,
    tools: HashMap<String, String>,
    unknown: UnknownTypes,
    subagent: bool,
    processes: HashMap<String, String>,
    reply_to: HashMap<String, String>,
}

fn unhashable(v: &Value) -> Option<&'static str> {
    match v {
        Value::Array(_) => Some("list"),
        Value::Object(_) => Some("dict"),
        _ => None,
    }
}

impl Codex {
    pub fn new(display_path: &str) -> Codex {
        Codex {
            path: display_path.to_string(),
            session: None,
            index: -1,
            em: Ordered::default(),
            tools: HashMap::new(),
            unknown: UnknownTypes::default(),
            subagent: false,
            processes: HashMap::new(),
            reply_to: HashMap::new(),
        }
    }

    fn base(&self, line: u64) -> Base {
        let mut b = Base::new(&self.path, NAME, line);
        b.session = Some(self.session.clone().unwrap_or_else(|| self.path.clone()));
        b.index = Some(self.index as u64);
        b
    }

    pub fn set_session(&mut self, s: &str) {
        self.session = Some(s.to_string());
    }

    pub fn feed(&mut self, rec: Rec, out: &mut Vec<Item>) {
        match rec {
            Rec::Notice(n) => self.em.push(Item::Notice(n), out),
            Rec::Record(line, rec) => {
                self.index += 1;
                let mut local = vec![];
                match self.record(&rec, line, &mut local) {
                    Ok(()) => out.extend(local),
                    Err(Fatal(e)) => {
                        // Python's generator had yielded what came before the exception
                        out.extend(local);
                        let n = notice(
                            format!("{NAME}: line {line}: unreadable record: {e}"),
                            &self.path,
                            Some(line),
                        );
                        self.em.push(Item::Notice(n), out);
                    }
                }
            }
        }
    }

    /// One element of a `{session, items}` document; an error ends the file.
    pub fn feed_item(&mut self, item: &Value, line: u64, out: &mut Vec<Item>) -> Result<(), Fatal> {
        self.index += 1;
        if item.is_object() {
            self.item(item, line, out)?;
        }
        Ok(())
    }

    pub fn finish(&mut self, out: &mut Vec<Item>) {
        self.em.finish(out);
        if let Some(n) = self.unknown.notice(NAME, &self.path) {
            out.push(Item::Notice(n));
        }
    }

    pub fn push_notice(&mut self, n: crate::model::Notice, out: &mut Vec<Item>) {
        self.em.push(Item::Notice(n), out);
    }

    fn record(&mut self, rec: &Value, line: u64, out: &mut Vec<Item>) -> Result<(), Fatal> {
        let rtype = get_str(rec, "type");
        let payload = get(rec, "payload");
        if rtype == Some("session_meta") {
            if let Some(p @ Value::Object(_)) = payload {
                if let Some(id) = get_str(p, "id") {
                    self.session = Some(id.to_string());
                }
                let sub = match get(p, "source") {
                    Some(s @ Value::Object(_)) => {
                        get(s, "subagent").is_some() || get(s, "subAgent").is_some()
                    }
                    _ => false,
                };
                if sub || truthy(get(p, "parent_thread_id")) {
                    self.subagent = true;
                }
                return Ok(());
            }
        }
        if rtype == Some("event_msg") {
            if let Some(p @ Value::Object(_)) = payload {
                if get_str(p, "type") == Some("exec_command_end") {
                    let call_id = get_str(p, "call_id");
                    if let (Some(c), Some(st)) = (call_id, end_status(p)) {
                        self.em.resolve(Some(c), st, out);
                    }
                }
            }
            return Ok(());
        }
        if rtype.is_some_and(|t| SKIPPED_TYPES.contains(&t)) {
            return Ok(());
        }
        if rtype == Some("response_item") {
            if let Some(p @ Value::Object(_)) = payload {
                return self.item(p, line, out);
            }
        }
        if rtype == Some("compacted") {
            if let Some(p @ Value::Object(_)) = payload {
                if let Some(text) = get_str(p, "message") {
                    if !blank(text) {
                        let seg = make(
                            text.to_string(),
                            Channel::Prose,
                            &self.base(line),
                            Some(Actor::Injected),
                            None,
                            None,
                        );
                        self.em.push(Item::Segment(seg), out);
                    }
                }
                return Ok(());
            }
        }
        if get(rec, "payload").is_none() {
            if rtype.is_some_and(|t| ITEM_TYPES.contains(&t)) {
                return self.item(rec, line, out);
            } else if self.index == 0
                && get_str(rec, "id").is_some()
                && get(rec, "timestamp").is_some()
            {
                self.session = get_str(rec, "id").map(str::to_string);
            } else if let Some(Value::Array(items)) = get(rec, "items") {
                if let Some(s @ Value::Object(_)) = get(rec, "session") {
                    if let Some(id) = get_str(s, "id") {
                        self.session = Some(id.to_string());
                    }
                }
                for it in items {
                    if it.is_object() {
                        self.item(it, line, out)?;
                    }
                }
            } else if get_str(rec, "record_type") == Some("state") {
                // mid-2025 state snapshot between items: skipped on purpose
            } else if self.index > 0 {
                self.unknown
                    .add(rtype.unwrap_or("(type not a string)"), line);
            }
            return Ok(());
        }
        if !rtype.is_some_and(|t| READ_TYPES.contains(&t)) {
            self.unknown
                .add(rtype.unwrap_or("(type not a string)"), line);
        }
        Ok(())
    }

    fn item(&mut self, item: &Value, line: u64, out: &mut Vec<Item>) -> Result<(), Fatal> {
        let itype = get(item, "type");
        let itype_s = itype.and_then(Value::as_str);
        match itype_s {
            Some("message") => {
                let role = get(item, "role").and_then(Value::as_str);
                let content = get(item, "content");
                let parts: Vec<Option<&Value>> = match content {
                    Some(Value::Array(a)) => a.iter().map(Some).collect(),
                    other => vec![other],
                };
                let mut base = self.base(line);
                base.record_id = get_str(item, "id").map(str::to_string);
                for part in parts {
                    let text = content_text(part);
                    if blank(&text) {
                        continue;
                    }
                    match role {
                        Some("assistant") => {
                            for seg in assistant_text(Some(&text), &base) {
                                self.em.push(Item::Segment(seg), out);
                            }
                        }
                        Some("user") => {
                            for (mut channel, mut actor, t) in user_text(&text) {
                                if self.subagent && actor == Actor::Human {
                                    channel = Channel::Prose;
                                    actor = Actor::Agent;
                                }
                                let seg = make(t, channel, &base, Some(actor), None, None);
                                self.em.push(Item::Segment(seg), out);
                            }
                        }
                        _ => {
                            let seg = make(
                                text,
                                Channel::Prose,
                                &base,
                                Some(Actor::Injected),
                                None,
                                None,
                            );
                            self.em.push(Item::Segment(seg), out);
                        }
                    }
                }
                Ok(())
            }
            Some("function_call") => {
                self.function_call(item, line, out);
                Ok(())
            }
            Some("local_shell_call") => {
                let call_id = call_id_of(item);
                let text = match get(item, "action") {
                    Some(a @ Value::Object(_)) => argv_to_command(get(a, "command")),
                    _ => None,
                };
                if let Some(c) = call_id {
                    self.tools.insert(c.to_string(), "local_shell_call".into());
                }
                if let Some(text) = text.filter(|t| !blank(t)) {
                    let mut b = self.base(line);
                    b.record_id = call_id.map(str::to_string);
                    let seg = make(
                        text,
                        Channel::Command,
                        &b,
                        Some(Actor::Agent),
                        None,
                        Some("local_shell_call"),
                    );
                    self.em.push_call(call_id, seg, out);
                }
                Ok(())
            }
            Some("custom_tool_call") => {
                let call_id = get_str(item, "call_id");
                let name = get_str(item, "name");
                let tool = qualified(get_str(item, "namespace"), name);
                if let (Some(c), Some(t)) = (call_id, &tool) {
                    if !c.is_empty() {
                        self.tools.insert(c.to_string(), t.clone());
                    }
                }
                let raw = get(item, "input");
                let mut payloads = vec![];
                if name == Some("exec") {
                    payloads = script_payloads(raw);
                } else if name != Some("apply_patch") {
                    if let Some(Value::String(s)) = raw {
                        if lstrip(s).starts_with('{') {
                            let l = pyjson::loads_str(s);
                            if let (None, Some(v @ Value::Object(_))) = (l.error, l.value) {
                                payloads = tool_payloads(tool.as_deref(), Some(&v));
                            }
                        }
                    }
                }
                let mut b = self.base(line);
                b.record_id = call_id.map(str::to_string);
                for (channel, text) in payloads {
                    let seg = make(text, channel, &b, Some(Actor::Agent), None, tool.as_deref());
                    self.em.push_call(call_id, seg, out);
                }
                Ok(())
            }
            Some("function_call_output") | Some("custom_tool_call_output") => {
                self.output(item, line, out);
                Ok(())
            }
            Some(t) if SKIPPED_ITEMS.contains(&t) => Ok(()),
            Some(t) => {
                if !ITEM_TYPES.contains(&t) {
                    self.unknown.add(&format!("response_item/{t}"), line);
                }
                Ok(())
            }
            None => {
                if let Some(kind) = itype.and_then(unhashable) {
                    return Err(Fatal(format!("TypeError: unhashable type: '{kind}'")));
                }
                self.unknown.add("response_item/(type not a string)", line);
                Ok(())
            }
        }
    }

    fn function_call(&mut self, item: &Value, line: u64, out: &mut Vec<Item>) {
        let name = get_str(item, "name");
        let namespace = get_str(item, "namespace");
        let call_id = call_id_of(item);
        let tool = qualified(namespace, name);
        if let (Some(c), Some(t)) = (call_id, &tool) {
            self.tools.insert(c.to_string(), t.clone());
        }
        let mut args_owned: Option<Value> = get(item, "arguments").cloned();
        let mut payloads: Vec<(Channel, String)> = vec![];
        if let Some(Value::String(args)) = &args_owned {
            let args = args.clone();
            let (value, error) = if blank(&args) {
                (Some(Value::Object(Default::default())), None)
            } else {
                let l = pyjson::loads_str(&args);
                (l.value, l.error)
            };
            if let Some(error) = error {
                let n = notice(
                    format!(
                        "{NAME}: line {line}: arguments of call {} ({}) are not valid JSON: {error}",
                        call_id.unwrap_or("None"),
                        tool.as_deref().unwrap_or("None")
                    ),
                    &self.path,
                    Some(line),
                );
                self.em.push(Item::Notice(n), out);
                let salvaged = salvage_command(&args);
                if let (Some(s), Some(n)) = (salvaged, name) {
                    if !s.is_empty()
                        && !n.is_empty()
                        && !namespace.is_some_and(|n| !n.is_empty())
                        && ["exec_command", "shell_command", "shell", "container.exec"]
                            .contains(&n.to_lowercase().as_str())
                    {
                        payloads = vec![(Channel::Command, s)];
                    }
                }
                args_owned = None;
            } else {
                args_owned = value;
            }
        }
        if let Some(args @ Value::Object(_)) = &args_owned {
            let has_ns = namespace.is_some_and(|n| !n.is_empty());
            if name == Some("write_stdin") && !has_ns {
                payloads = stdin_payloads(args);
                let key = pyjson::py_str(get(args, "session_id"));
                let started = self.processes.get(&key).filter(|s| !s.is_empty()).cloned();
                if let (Some(c), Some(s)) = (call_id, started) {
                    self.reply_to.insert(c.to_string(), s);
                }
            } else if has_ns {
                payloads = tool_payloads(tool.as_deref(), Some(args));
                if payloads.is_empty() {
                    payloads = code_payloads(args);
                }
            } else {
                payloads = tool_payloads(name, Some(args));
            }
        }
        let mut b = self.base(line);
        b.record_id = call_id.map(str::to_string);
        for (channel, text) in payloads {
            let seg = make(text, channel, &b, Some(Actor::Agent), None, tool.as_deref());
            self.em.push_call(call_id, seg, out);
        }
    }

    fn output(&mut self, item: &Value, line: u64, out: &mut Vec<Item>) {
        let call_id = get_str(item, "call_id");
        let (text, status) = output_of(get(item, "output"));
        let tool = call_id
            .filter(|c| !c.is_empty())
            .and_then(|c| self.tools.remove(c));
        let mut b = self.base(line);
        b.record_id = call_id.map(str::to_string);
        let mut seg = (!blank(&text)).then(|| {
            make(
                text.clone(),
                Channel::Output,
                &b,
                Some(Actor::Tool),
                status,
                tool.as_deref(),
            )
        });
        match status {
            None => {
                let head = head_chars(&text, 4000);
                let running = RUNNING
                    .captures(head)
                    .map(|m| m.get(1).unwrap().as_str().to_string());
                let started = call_id.filter(|c| !c.is_empty()).map(|c| {
                    self.processes
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| c.to_string())
                });
                if let (Some(r), Some(s)) = (running, &started) {
                    if !s.is_empty() && tool.as_deref() != Some("write_stdin") {
                        self.processes.insert(r, s.clone());
                    }
                }
                if let Some(c) = call_id.filter(|c| !c.is_empty()) {
                    if self.em.pending(Some(c)) {
                        self.em.provisional(c, Status::Executed);
                        if let Some(s) = seg {
                            self.em.push_call(Some(c), s, out);
                        }
                        return;
                    }
                }
                seg = seg.map(|s| match with_status(Item::Segment(s), Status::Executed) {
                    Item::Segment(s) => s,
                    Item::Notice(_) => unreachable!("a segment stays a segment"),
                });
            }
            Some(st) => {
                self.em.resolve(call_id, st, out);
                if let Some(c) = call_id.filter(|c| !c.is_empty()) {
                    if let Some(origin) = self.reply_to.remove(c) {
                        // a write_stdin reply that says how the running process ended
                        if EXIT.is_match(head_chars(&text, 4000)) {
                            self.em.resolve(Some(&origin), st, out);
                        }
                    }
                }
            }
        }
        if let Some(s) = seg {
            self.em.push(Item::Segment(s), out);
        }
    }
}

fn call_id_of(item: &Value) -> Option<&str> {
    let v = match get(item, "call_id") {
        Some(v) if truthy(Some(v)) => Some(v),
        _ => get(item, "id"),
    };
    v.and_then(Value::as_str)
}

/// A namespaced function's full name (`mcp__server__tool`, as Claude names MCP tools).
fn qualified(namespace: Option<&str>, name: Option<&str>) -> Option<String> {
    let name = name.filter(|n| !n.is_empty())?;
    match namespace.filter(|n| !n.is_empty()) {
        None => Some(name.to_string()),
        Some(ns) if ns.starts_with("mcp__") => Some(format!("{ns}__{name}")),
        Some(ns) => Some(format!("{ns}.{name}")),
    }
}

/// What a write_stdin types into a running process: a command line, unless it is only
/// control keys (Ctrl-C, Ctrl-D) or empty (a poll for more output).
fn stdin_payloads(args: &Value) -> Vec<(Channel, String)> {
    let Some(chars) = get_str(args, "chars") else {
        return vec![];
    };
    if !chars
        .chars()
        .any(|c| super::common::is_printable(c) && !pyjson::is_py_space(c))
    {
        return vec![];
    }
    vec![(Channel::Command, chars.to_string())]
}

fn code_payloads(args: &Value) -> Vec<(Channel, String)> {
    for key in CODE_KEYS {
        if let Some(v @ Value::String(_)) = get(args, key) {
            let found = script_payloads(Some(v));
            if !found.is_empty() {
                return found;
            }
        }
    }
    vec![]
}

fn user_text(text: &str) -> Vec<(Channel, Actor, String)> {
    let s = lstrip(text);
    if s.starts_with("<user_shell_command>") {
        let mut out = vec![];
        for m in USER_SHELL.captures_iter(text) {
            let inner = m.get(1).unwrap().as_str();
            let cmd = match SHELL_CMD.captures(inner) {
                Some(c) => c.get(1).unwrap().as_str(),
                None => inner,
            };
            let cmd = pyjson::strip(cmd);
            if !cmd.is_empty() {
                out.push((Channel::User, Actor::Human, cmd.to_string()));
            }
        }
        if out.is_empty() {
            return vec![(Channel::User, Actor::Human, text.to_string())];
        }
        return out;
    }
    if INJECTED.iter().any(|p| s.starts_with(p)) {
        return vec![(Channel::Prose, Actor::Injected, text.to_string())];
    }
    vec![(Channel::User, Actor::Human, text.to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_and_end_events() {
        let v = Value::String("Process running with session ID 7".into());
        assert_eq!(output_of(Some(&v)).1, None);
        let v = Value::String("Exit code: 2\nerr".into());
        assert_eq!(output_of(Some(&v)).1, Some(Status::Failed));
        let e: Value = serde_json::from_str(r#"{"exit_code": 0}"#).unwrap();
        assert_eq!(end_status(&e), Some(Status::Executed));
        assert!(!nonzero("00"));
        assert!(nonzero("-1"));
    }
}
