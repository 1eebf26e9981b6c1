//! Gemini CLI chats: `session-*.jsonl` (replay log) and legacy `session-*.json` (one
//! object).
//!
//! JSONL replay: a line with a string `id` is a message, re-appended whole when it changes;
//! the last copy wins, at the first copy's position (reported at the last copy's line).
//! `{"$set": {...}}` updates metadata (`messages` in it replaces the list);
//! `{"$rewindTo": id}` drops that message and all after it (unknown id: all). The replay
//! holds the latest copy of every live message until the end of the file.

use std::sync::LazyLock;

use super::value::{Map, Value};
use indexmap::IndexMap;
use regex::Regex;

use super::common::{
    assistant_text, content_text, get, get_str, make, notice, tool_payloads, Base, UnknownTypes,
};
use super::jsonl::{self, DocItem, LineCounter, Rec};
use super::pyjson::{blank, lstrip, tail_chars};
use crate::model::{Actor, Channel, Item, Status};

pub const NAME: &str = "gemini";
const MESSAGE_TYPES: [&str; 6] = ["user", "gemini", "model", "info", "error", "warning"];
const INJECTED_PREFIXES: [&str; 3] = [
    "You are an AI agent that brings the power of Gemini directly into the terminal.",
    "System: Please continue.",
    "This is the Gemini CLI. We are setting up the context for our chat.",
];
const REFERENCED: &str = "\n--- Content from referenced files ---";

static EXIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Exit Code:[\s\x1c-\x1f]*(-?\d+)").unwrap());

pub fn sniff_record(obj: &Value) -> bool {
    if get(obj, "sessionId").is_some() && get(obj, "projectHash").is_some() {
        return true;
    }
    match get(obj, "messages") {
        Some(Value::Array(m)) => match m.first() {
            Some(first @ Value::Object(_)) => {
                matches!(
                    get_str(first, "type"),
                    Some("user" | "gemini" | "info" | "error" | "warning")
                )
            }
            _ => false,
        },
        _ => false,
    }
}

pub fn status_of(status: Option<&Value>, output: &str) -> Status {
    let code = if output.is_empty() {
        None
    } else {
        EXIT.captures(tail_chars(output, 4000))
            .map(|m| super::codex::nonzero(m.get(1).unwrap().as_str()))
    };
    match status.and_then(Value::as_str) {
        Some("success") => {
            if code == Some(true) {
                Status::Failed
            } else {
                Status::Executed
            }
        }
        Some("error") => {
            if code.is_some() {
                Status::Failed
            } else {
                Status::Denied
            }
        }
        Some("cancelled") => Status::Denied,
        _ => Status::Unknown,
    }
}

fn result_output(result: Option<&Value>) -> String {
    let items: Vec<&Value> = match result {
        Some(d @ Value::Object(_)) => vec![d],
        Some(Value::Array(a)) => a.iter().collect(),
        _ => return String::new(),
    };
    let mut parts: Vec<&str> = vec![];
    for r in items {
        if !r.is_object() {
            continue;
        }
        let resp = match get(r, "functionResponse") {
            Some(fr @ Value::Object(_)) => get(fr, "response"),
            _ => None,
        };
        if let Some(resp @ Value::Object(_)) = resp {
            for key in ["output", "error", "llmContent"] {
                if let Some(v) = get_str(resp, key) {
                    if !v.is_empty() {
                        parts.push(v);
                        break;
                    }
                }
            }
        } else if let Some(t) = get_str(r, "text") {
            parts.push(t);
        }
    }
    parts.join("\n")
}

/// The replay of a JSONL chat.
pub struct Gemini {
    path: String,
    meta: Map,
    messages: IndexMap<String, (u64, Value)>,
    unknown: UnknownTypes,
}

impl Gemini {
    pub fn new(display_path: &str) -> Gemini {
        Gemini {
            path: display_path.to_string(),
            meta: Map::new(),
            messages: IndexMap::new(),
            unknown: UnknownTypes::default(),
        }
    }

    pub fn feed(&mut self, rec: Rec, out: &mut Vec<Item>) {
        let (line, rec) = match rec {
            Rec::Notice(n) => return out.push(Item::Notice(n)), // messages come at the end
            Rec::Record(line, rec) => (line, rec),
        };
        let Value::Object(mut obj) = rec else { return };
        if let Some(Value::String(id)) = obj.get("id") {
            let id = id.clone();
            // a re-appended copy replaces the first, keeping its position
            self.messages.insert(id, (line, Value::Object(obj)));
        } else if obj.contains_key("$rewindTo") {
            let target = &obj["$rewindTo"];
            let Value::String(target) = target else {
                out.push(Item::Notice(notice(
                    format!("{NAME}: line {line}: $rewindTo is not a message id; ignored"),
                    &self.path,
                    Some(line),
                )));
                return;
            };
            let cut = self.messages.get_index_of(target.as_str()).unwrap_or(0);
            self.messages.truncate(cut);
        } else if obj.contains_key("$set") {
            if let Some(Value::Object(upd)) = obj.remove("$set") {
                if let Some(Value::Array(ms)) = upd.get("messages") {
                    self.messages = IndexMap::new();
                    for m in ms {
                        if let Some(id) = get_str(m, "id") {
                            self.messages.insert(id.to_string(), (line, m.clone()));
                        }
                    }
                }
                for (k, v) in upd {
                    if k != "messages" {
                        self.meta.insert(k, v);
                    }
                }
            }
        } else if self.meta.is_empty() && obj.contains_key("sessionId") {
            for (k, v) in obj {
                self.meta.insert(k, v);
            }
        } else if !obj.contains_key("$patch") {
            self.unknown.add("line without a message id", line);
        }
    }

    pub fn finish(&mut self, out: &mut Vec<Item>) {
        let session = get_str(&Value::Object(self.meta.clone()), "sessionId")
            .map(str::to_string)
            .unwrap_or_else(|| self.path.clone());
        let sub = is_subagent(&self.path, &self.meta);
        let messages = std::mem::take(&mut self.messages);
        for (index, (_, (line, msg))) in messages.into_iter().enumerate() {
            match get(&msg, "type") {
                Some(Value::String(t)) if MESSAGE_TYPES.contains(&t.as_str()) => {}
                Some(Value::String(t)) => self.unknown.add(&format!("message/{t}"), line),
                Some(Value::Array(_)) | Some(Value::Object(_)) => {
                    // Python: a list is unhashable, and the reader stops there
                    let kind = if matches!(get(&msg, "type"), Some(Value::Array(_))) {
                        "list"
                    } else {
                        "dict"
                    };
                    out.push(Item::Notice(notice(
                        format!("{NAME}: reader failed: TypeError: unhashable type: '{kind}'"),
                        &self.path,
                        None,
                    )));
                    return;
                }
                _ => self.unknown.add("message/(type not a string)", line),
            }
            message(
                &msg,
                line,
                index as u64,
                &session,
                &self.path,
                None,
                sub,
                out,
            );
        }
        if let Some(n) = self.unknown.notice(NAME, &self.path) {
            out.push(Item::Notice(n));
        }
    }
}

/// A sub-agent's chat (`chats/<parent-session>/<session>.jsonl`, or metadata saying so).
fn is_subagent(display_path: &str, meta: &Map) -> bool {
    if meta.get("kind") == Some(&Value::String("subagent".into()))
        || matches!(meta.get("parentSessionId"), Some(Value::String(_)))
    {
        return true;
    }
    let norm = display_path.replace('\\', "/");
    let parts: Vec<&str> = norm.split('/').collect();
    parts.len() >= 3 && parts[parts.len() - 3] == "chats"
}

/// A legacy single-document chat.
pub fn read_legacy(path: &str, display_path: &str, out: &mut Vec<Item>) {
    let data = match jsonl::read_document(path, display_path, NAME, jsonl::MAX_DOCUMENT_BYTES) {
        Ok(d) => d,
        Err(n) => return out.push(Item::Notice(n)),
    };
    let mut session = display_path.to_string();
    let mut lines = LineCounter::new();
    let mut index: i64 = -1;
    let mut sub = is_subagent(display_path, &Map::new());
    for item in jsonl::iter_document(&data, display_path, NAME, &["messages"]) {
        match item {
            DocItem::Notice(n) => out.push(Item::Notice(n)),
            DocItem::Meta(meta) => {
                if let Some(Value::String(s)) = meta.get("sessionId") {
                    session = s.clone();
                }
                sub = is_subagent(display_path, &meta);
            }
            DocItem::Item(value, line, start, end) => {
                index += 1;
                if !value.is_object() {
                    continue;
                }
                let mut arg_lines = None;
                if super::pyjson::truthy(get(&value, "toolCalls")) {
                    arg_lines = Some(jsonl::key_lines(&data, start, end, "args", 3, &mut lines));
                }
                let content_line = jsonl::key_lines(&data, start, end, "content", 1, &mut lines)
                    .first()
                    .copied()
                    .unwrap_or(line);
                message(
                    &value,
                    line,
                    index as u64,
                    &session,
                    display_path,
                    Some((content_line, arg_lines)),
                    sub,
                    out,
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn message(
    msg: &Value,
    line: u64,
    index: u64,
    session: &str,
    display_path: &str,
    hint: Option<(u64, Option<Vec<u64>>)>,
    sub: bool,
    out: &mut Vec<Item>,
) {
    let mtype = get(msg, "type").and_then(Value::as_str);
    let mid = get_str(msg, "id");
    let (content_line, arg_lines) = hint.unwrap_or((line, None));
    let mut base = Base::new(display_path, NAME, content_line);
    base.session = Some(session.to_string());
    base.index = Some(index);
    base.record_id = mid.map(str::to_string);
    let text = content_text(get(msg, "content"));
    if !blank(&text) {
        match mtype {
            Some("gemini" | "model") => {
                for seg in assistant_text(Some(&text), &base) {
                    out.push(Item::Segment(seg));
                }
            }
            Some("user") => {
                for (channel, actor, part) in user_text(&text, sub) {
                    out.push(Item::Segment(make(
                        part,
                        channel,
                        &base,
                        Some(actor),
                        None,
                        None,
                    )));
                }
            }
            _ => out.push(Item::Segment(make(
                text,
                Channel::Prose,
                &base,
                Some(Actor::Injected),
                None,
                None,
            ))),
        }
    }
    let Some(Value::Array(calls)) = get(msg, "toolCalls") else {
        return;
    };
    for (j, tc) in calls.iter().enumerate() {
        if !tc.is_object() {
            continue;
        }
        let name = get_str(tc, "name");
        let tid = get_str(tc, "id");
        let mut output = result_output(get(tc, "result"));
        if output.is_empty() {
            if let Some(d) = get_str(tc, "resultDisplay") {
                output = d.to_string();
            }
        }
        let status = status_of(get(tc, "status"), &output);
        let call_line = match &arg_lines {
            Some(al) if !al.is_empty() && al.len() == calls.len() => al[j],
            _ => line,
        };
        let mut cb = base.clone();
        cb.line = call_line;
        cb.record_id = tid.map(str::to_string);
        for (channel, ptext) in tool_payloads(name, get(tc, "args")) {
            out.push(Item::Segment(make(
                ptext,
                channel,
                &cb,
                Some(Actor::Agent),
                Some(status),
                name,
            )));
        }
        if !blank(&output) {
            out.push(Item::Segment(make(
                output,
                Channel::Output,
                &cb,
                Some(Actor::Tool),
                Some(status),
                name,
            )));
        }
    }
}

fn user_text(text: &str, sub: bool) -> Vec<(Channel, Actor, String)> {
    if INJECTED_PREFIXES
        .iter()
        .any(|p| lstrip(text).starts_with(p))
    {
        return vec![(Channel::Prose, Actor::Injected, text.to_string())];
    }
    let (typed, sep, files) = match text.find(REFERENCED) {
        Some(i) => (&text[..i], REFERENCED, &text[i + REFERENCED.len()..]),
        None => (text, "", ""),
    };
    let mut out = vec![];
    if !blank(typed) {
        out.push(if sub {
            (Channel::Prose, Actor::Agent, typed.to_string())
        } else {
            (Channel::User, Actor::Human, typed.to_string())
        });
    }
    if !sep.is_empty() && !blank(files) {
        out.push((
            Channel::Prose,
            Actor::Injected,
            format!("{}{}", sep.trim_start_matches('\n'), files),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let s = |x: &str| Some(Value::String(x.into()));
        assert_eq!(
            status_of(s("success").as_ref(), "Exit Code: 1"),
            Status::Failed
        );
        assert_eq!(
            status_of(s("error").as_ref(), "denied by policy"),
            Status::Denied
        );
        assert_eq!(status_of(s("executing").as_ref(), ""), Status::Unknown);
    }
}
