//! OpenAI-style chat messages: a JSON array of `{role, ...}`, `{"messages": [...]}`, or JSONL
//! (one message a line, or one request/response a line: `{"messages": [...]}`,
//! `{"request": {...}, "response": {...}}`, `{"choices": [...]}`). Request lines repeat the
//! history; messages already read are not read again.

use std::collections::HashMap;

use super::value::{Map, Value};

use super::common::{
    assistant_text, content_text, get, get_str, make, notice, salvage_command, tool_payloads, Base,
    Ordered, SHELL_TOOLS,
};
use super::jsonl::{self, DocItem, LineCounter, Rec};
use super::pyjson::{self, blank, truthy};
use crate::model::{Actor, Channel, Item, Status};

pub const NAME: &str = "openai";
const ROLES: [&str; 6] = [
    "system",
    "developer",
    "user",
    "assistant",
    "tool",
    "function",
];

pub fn sniff_record(obj: &Value) -> bool {
    if matches!(get_str(obj, "role"), Some(r) if ROLES.contains(&r)) {
        return true;
    }
    if let Some(Value::Array(m)) = get(obj, "messages") {
        if let Some(first @ Value::Object(_)) = m.first() {
            if get(first, "role").is_some() {
                return true;
            }
        }
    }
    if let Some(req @ Value::Object(_)) = get(obj, "request") {
        if matches!(get(req, "messages"), Some(Value::Array(_))) {
            return true;
        }
    }
    match get(obj, "choices") {
        Some(Value::Array(c)) => {
            matches!(c.first(), Some(first @ Value::Object(_)) if get(first, "message").is_some())
        }
        _ => false,
    }
}

pub struct OpenAi {
    path: String,
    em: Ordered,
    index: i64,
    /// keys of the messages of the current conversation
    history: Vec<String>,
    tools: HashMap<String, String>,
}

/// What identifies a message across request lines (not its incidental fields).
fn digest(m: &Value) -> String {
    let Value::Object(_) = m else {
        return format!("\u{1}{}", super::common::py_repr(m));
    };
    let calls: &[Value] = match get(m, "tool_calls") {
        Some(Value::Array(a)) => a,
        _ => &[],
    };
    let mut key = vec![
        pyjson::py_str(get(m, "role")),
        content_text(get(m, "content")),
        pyjson::py_str(get(m, "tool_call_id")),
    ];
    for c in calls {
        let empty = Value::Object(Default::default());
        let func = match c {
            Value::Object(_) => match get(c, "function") {
                Some(f @ Value::Object(_)) => f,
                _ => &empty,
            },
            _ => &empty,
        };
        key.push(if c.is_object() {
            pyjson::py_str(get(c, "id"))
        } else {
            String::new()
        });
        key.push(pyjson::py_str(get(func, "name")));
        key.push(pyjson::py_str(get(func, "arguments")));
    }
    key.join("\u{0}")
}

impl OpenAi {
    pub fn new(display_path: &str) -> OpenAi {
        OpenAi {
            path: display_path.to_string(),
            em: Ordered::default(),
            index: -1,
            history: vec![],
            tools: HashMap::new(),
        }
    }

    pub fn feed(&mut self, rec: Rec, out: &mut Vec<Item>) {
        match rec {
            Rec::Notice(n) => self.em.push(Item::Notice(n), out),
            Rec::Record(line, rec) => self.record(&rec, line, out),
        }
    }

    pub fn finish(&mut self, out: &mut Vec<Item>) {
        self.em.finish(out);
    }

    fn record(&mut self, rec: &Value, line: u64, out: &mut Vec<Item>) {
        if get(rec, "role").is_some() {
            self.index += 1;
            self.message(rec, line, None, out);
            return;
        }
        let mut msgs = get(rec, "messages");
        if matches!(msgs, None | Some(Value::Null)) {
            if let Some(req @ Value::Object(_)) = get(rec, "request") {
                msgs = get(req, "messages");
            }
        }
        if let Some(Value::Array(msgs)) = msgs {
            let digests: Vec<String> = msgs.iter().map(digest).collect();
            let mut common = 0;
            while common < digests.len().min(self.history.len())
                && digests[common] == self.history[common]
            {
                common += 1;
            }
            if common < self.history.len() && common < digests.len() {
                self.history.clear(); // another conversation
                common = 0;
            }
            for m in &msgs[common..] {
                self.index += 1;
                if m.is_object() {
                    self.message(m, line, None, out);
                }
            }
            if digests.len() >= self.history.len() {
                self.history = digests;
            }
        }
        let resp = match get(rec, "response") {
            Some(r @ Value::Object(_)) => r,
            _ => rec,
        };
        if let Some(Value::Array(choices)) = get(resp, "choices") {
            if let Some(ch) = choices.first() {
                if let Some(m @ Value::Object(_)) = get(ch, "message") {
                    self.index += 1;
                    self.history.push(digest(m));
                    self.message(m, line, None, out);
                }
            }
        }
    }

    fn message(
        &mut self,
        m: &Value,
        line: u64,
        hints: Option<(u64, Option<Vec<u64>>)>,
        out: &mut Vec<Item>,
    ) {
        let role = get(m, "role").and_then(Value::as_str);
        let (content_line, arg_lines) = hints.unwrap_or((line, None));
        let mut base = Base::new(&self.path, NAME, content_line);
        base.session = Some(self.path.clone());
        base.index = Some(self.index as u64);
        let text = content_text(get(m, "content"));
        if role == Some("assistant") {
            for seg in assistant_text(Some(&text), &base) {
                self.em.push(Item::Segment(seg), out);
            }
            let mut calls: Vec<Value> = match get(m, "tool_calls") {
                Some(Value::Array(a)) => a.clone(),
                _ => vec![],
            };
            if let Some(fc @ Value::Object(_)) = get(m, "function_call") {
                // legacy single call
                let mut legacy = Map::new();
                legacy.insert("id".into(), Value::Null);
                legacy.insert("function".into(), fc.clone());
                calls.push(Value::Object(legacy));
            }
            let n_calls = calls.len();
            for (j, call) in calls.iter().enumerate() {
                if !call.is_object() {
                    continue;
                }
                let empty = Value::Object(Default::default());
                let func = match get(call, "function") {
                    Some(f @ Value::Object(_)) => f,
                    _ => &empty,
                };
                let name = get_str(func, "name");
                let cid = get_str(call, "id");
                let call_line = match &arg_lines {
                    Some(al) if !al.is_empty() && al.len() == n_calls => al[j],
                    _ => line,
                };
                if let (Some(c), Some(n)) = (cid, name) {
                    if !c.is_empty() && !n.is_empty() {
                        self.tools.insert(c.to_string(), n.to_string());
                    }
                }
                let mut args: Option<Value> = get(func, "arguments").cloned();
                let mut payloads = vec![];
                if let Some(Value::String(s)) = &args {
                    let s = s.clone();
                    let (value, error) = if blank(&s) {
                        (Some(Value::Object(Default::default())), None)
                    } else {
                        let l = pyjson::loads_str(&s);
                        (l.value, l.error)
                    };
                    let bad = match (&error, &value) {
                        (Some(e), _) => Some(e.clone()),
                        (None, Some(v @ Value::Object(_))) => {
                            let _ = v;
                            None
                        }
                        (None, Some(v)) => {
                            Some(format!("not a JSON object ({})", pyjson::type_name(v)))
                        }
                        (None, None) => Some("not a JSON object (NoneType)".into()),
                    };
                    if let Some(why) = bad {
                        let n = notice(
                            format!(
                                "{NAME}: line {call_line}: arguments of tool call {} ({}) are not valid JSON: {why}",
                                cid.unwrap_or("None"),
                                name.unwrap_or("None")
                            ),
                            &self.path,
                            Some(call_line),
                        );
                        self.em.push(Item::Notice(n), out);
                        if let (Some(sv), Some(n)) = (salvage_command(&s), name) {
                            if !sv.is_empty()
                                && !n.is_empty()
                                && SHELL_TOOLS.contains(&n.to_lowercase().as_str())
                            {
                                payloads = vec![(Channel::Command, sv)];
                            }
                        }
                        args = None;
                    } else {
                        args = value;
                    }
                }
                if let Some(a @ Value::Object(_)) = &args {
                    payloads = tool_payloads(name, Some(a));
                }
                let mut cb = base.clone();
                cb.line = call_line;
                cb.record_id = cid.map(str::to_string);
                for (channel, ptext) in payloads {
                    let seg = make(ptext, channel, &cb, Some(Actor::Agent), None, name);
                    self.em.push_call(cid, seg, out);
                }
            }
            return;
        }
        if matches!(role, Some("tool" | "function")) {
            let cid = get_str(m, "tool_call_id");
            let tool = match cid {
                Some(c) if !c.is_empty() => self.tools.remove(c),
                _ => get_str(m, "name").map(str::to_string),
            };
            // the log says nothing of exit codes: a tool message answering the call means it ran
            self.em.resolve(cid, Status::Executed, out);
            if !blank(&text) {
                let mut b = base.clone();
                b.record_id = cid.map(str::to_string);
                let seg = make(
                    text,
                    Channel::Output,
                    &b,
                    Some(Actor::Tool),
                    Some(Status::Executed),
                    tool.as_deref(),
                );
                self.em.push(Item::Segment(seg), out);
            }
            return;
        }
        if blank(&text) {
            return;
        }
        let seg = if role == Some("user") {
            make(text, Channel::User, &base, Some(Actor::Human), None, None)
        } else {
            make(
                text,
                Channel::Prose,
                &base,
                Some(Actor::Injected),
                None,
                None,
            )
        };
        self.em.push(Item::Segment(seg), out);
    }
}

/// A pretty-printed (or one-line) JSON document.
pub fn read_document(path: &str, display_path: &str, out: &mut Vec<Item>) {
    let data = match jsonl::read_document(path, display_path, NAME, jsonl::MAX_DOCUMENT_BYTES) {
        Ok(d) => d,
        Err(n) => return out.push(Item::Notice(n)),
    };
    let mut st = OpenAi::new(display_path);
    let mut lines = LineCounter::new();
    for item in jsonl::iter_document(&data, display_path, NAME, &["messages"]) {
        match item {
            DocItem::Notice(n) => st.em.push(Item::Notice(n), out),
            DocItem::Meta(_) => {}
            DocItem::Item(value, line, start, end) => {
                st.index += 1;
                if !value.is_object() {
                    let n = notice(
                        format!("{NAME}: line {line}: message is not a JSON object"),
                        display_path,
                        Some(line),
                    );
                    st.em.push(Item::Notice(n), out);
                    continue;
                }
                let mut hints = None;
                if truthy(get(&value, "tool_calls")) || truthy(get(&value, "function_call")) {
                    let depth = if truthy(get(&value, "tool_calls")) {
                        4
                    } else {
                        2
                    };
                    hints = Some(jsonl::key_lines(
                        &data,
                        start,
                        end,
                        "arguments",
                        depth,
                        &mut lines,
                    ));
                }
                let content_line = jsonl::key_lines(&data, start, end, "content", 1, &mut lines)
                    .first()
                    .copied()
                    .unwrap_or(line);
                st.message(&value, line, Some((content_line, hints)), out);
            }
        }
    }
    st.em.finish(out);
}
