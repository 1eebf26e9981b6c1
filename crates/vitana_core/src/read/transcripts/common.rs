//! Pieces every transcript reader shares: segment construction, tool-call dispatch,
//! fenced blocks in assistant text, code a tool runs, and the ordered emitter that holds
//! a tool call until its result says what became of it.

use std::collections::VecDeque;
use std::sync::LazyLock;

use super::value::Value;
use crate::pyfmt::shlex_quote;
use indexmap::IndexMap;
use regex::Regex;
use regex_automata::{meta, Anchored, Input};

use super::pyjson::{self, blank, dumps, lstrip, strip};
use crate::model::{Actor, Channel, Item, Notice, NoticeLevel, Origin, Segment, Status};

/// Tool names (lower case; MCP `mcp__server__name` is matched on `name`) that run a shell
/// command.
pub const SHELL_TOOLS: [&str; 14] = [
    "bash",
    "powershell",
    "shell",
    "run_command",
    "exec",
    "terminal",
    "execute_command",
    "run_shell_command",
    "exec_command",
    "shell_command",
    "container.exec",
    "run_terminal_cmd",
    "execute_bash",
    "local_shell",
];
const SHELLS: [&str; 5] = ["bash", "sh", "zsh", "dash", "ksh"];
const SHELL_FENCES: [&str; 8] = [
    "bash",
    "sh",
    "shell",
    "zsh",
    "console",
    "shell-session",
    "shellsession",
    "ksh",
];

/// Where a record's segments come from (the Python readers' `base` dict).
#[derive(Debug, Clone, Default)]
pub struct Base {
    pub path: String,
    pub kind: &'static str,
    pub line: u64,
    pub session: Option<String>,
    pub index: Option<u64>,
    pub record_id: Option<String>,
    pub flat: bool,
    pub column: u64,
}

impl Base {
    pub fn new(path: &str, kind: &'static str, line: u64) -> Base {
        Base {
            path: path.to_string(),
            kind,
            line,
            flat: true,
            column: 1,
            ..Base::default()
        }
    }
}

/// Set a record id in place: the buffer already there is reused (a reader sets its
/// `Base`'s id for every record and for every call and result in it).
pub fn set_id(slot: &mut Option<String>, id: Option<&str>) {
    match (slot.as_mut(), id) {
        (Some(held), Some(id)) => {
            held.clear();
            held.push_str(id);
        }
        (None, Some(id)) => *slot = Some(id.to_string()),
        (_, None) => *slot = None,
    }
}

/// A segment of `base` (the Python `make`).
pub fn make(
    text: String,
    channel: Channel,
    base: &Base,
    actor: Option<Actor>,
    status: Option<Status>,
    tool: Option<&str>,
) -> Segment {
    Segment {
        text,
        channel,
        origin: Origin {
            path: base.path.clone(),
            kind: base.kind.to_string(),
            record_id: base.record_id.clone(),
            record_index: base.index,
            session: base.session.clone(),
            actor,
            status,
            commit: None,
            tool: tool.map(str::to_string),
            via: None,
        },
        line: base.line,
        column: base.column,
        indent: 0,
        flat: base.flat,
    }
}

pub fn notice(message: String, path: &str, line: Option<u64>) -> Notice {
    Notice {
        message,
        path: Some(path.to_string()),
        line,
        level: NoticeLevel::Error,
    }
}

/// `obj.get(key)` of a JSON object (None for any other value).
pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object().and_then(|o| o.get(key))
}

/// `obj.get(key) if isinstance(obj.get(key), str) else None`.
pub fn get_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key).and_then(Value::as_str)
}

/// An argv list as one shell command line: `[bash|sh|zsh, -c|-lc, SCRIPT]` is the
/// SCRIPT; any other argv is joined with shell quoting (`shlex.join`).
pub fn argv_to_command(argv: Option<&Value>) -> Option<String> {
    match argv? {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if !a.is_empty() => {
            let words: Vec<String> = a
                .iter()
                .map(|w| match w {
                    Value::String(s) => s.clone(),
                    other => dumps(other, true),
                })
                .collect();
            if words.len() == 3
                && SHELLS.contains(&words[0].rsplit('/').next().unwrap_or(""))
                && ["-c", "-lc", "-cl", "-ic", "-ilc", "-lic"].contains(&words[1].as_str())
            {
                return Some(words[2].clone());
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

/// What a structured tool call runs or sends: a command or an HTTP request.
pub fn tool_payloads(name: Option<&str>, args: Option<&Value>) -> Vec<(Channel, String)> {
    let (Some(name), Some(args @ Value::Object(_))) = (name, args) else {
        return vec![];
    };
    let lname = py_lower(name);
    let base = if lname.starts_with("mcp__") {
        lname.rsplit("__").next().unwrap_or("")
    } else {
        lname.as_str()
    };
    if SHELL_TOOLS.contains(&base) {
        let mut cmd: Option<Value> = match get(args, "command") {
            Some(v) => Some(v.clone()),
            None => get(args, "cmd").cloned(),
        };
        if matches!(cmd, None | Some(Value::Null)) {
            if let Some(Value::String(program)) = get(args, "program") {
                let mut argv = vec![Value::String(program.clone())];
                if let Some(Value::Array(rest)) = get(args, "args") {
                    argv.extend(rest.iter().cloned());
                }
                cmd = Some(Value::Array(argv));
            }
        }
        if let Some(text) = argv_to_command(cmd.as_ref()) {
            if !blank(&text) {
                return vec![(Channel::Command, text)];
            }
        }
        return vec![];
    }
    if let Some(url) = get_str(args, "url") {
        let l = py_lower(lstrip(url));
        if l.starts_with("http://") || l.starts_with("https://") {
            return vec![(
                Channel::Request,
                http_text(
                    get(args, "method"),
                    strip(url),
                    get(args, "headers"),
                    body_of(args),
                ),
            )];
        }
    }
    vec![]
}

/// Python's `str.lower()` (full Unicode lower-casing, as Rust's).
pub fn py_lower(s: &str) -> String {
    s.to_lowercase()
}

fn body_of(args: &Value) -> Option<&Value> {
    ["body", "json", "data"]
        .iter()
        .find_map(|k| get(args, k).filter(|v| !v.is_null()))
}

/// An HTTP request in `.http` form: `METHOD URL`, headers, blank line, body.
pub fn http_text(
    method: Option<&Value>,
    url: &str,
    headers: Option<&Value>,
    body: Option<&Value>,
) -> String {
    let m = match method {
        Some(Value::String(s)) if !blank(s) => strip(s).to_uppercase(),
        _ => "GET".into(),
    };
    let mut text = format!("{m} {url}");
    if let Some(Value::Object(h)) = headers {
        for (k, v) in h.iter() {
            text.push('\n');
            text.push_str(k);
            text.push_str(": ");
            text.push_str(&py_format(v));
        }
    }
    match body {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::String(s)) => {
            text.push_str("\n\n");
            text.push_str(s);
        }
        Some(other) => {
            text.push_str("\n\n");
            text.push_str(&dumps(other, false));
        }
    }
    text
}

/// `f"{v}"` of a JSON value: `str()`; containers as Python would print them.
fn py_format(v: &Value) -> String {
    match v {
        Value::Array(_) | Value::Object(_) => py_repr(v),
        other => pyjson::py_str(Some(other)),
    }
}

/// Python's `repr` of a JSON value (dict/list/str/number/bool/None).
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(_) => pyjson::py_str(Some(v)),
        Value::String(s) => str_repr(s),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, x)| format!("{}: {}", str_repr(k), py_repr(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c)
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !is_printable(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"))
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"))
                } else {
                    out.push_str(&format!("\\U{n:08x}"))
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable()` for one character: not a control,
/// format, separator (but space), surrogate or private-use character. (Unassigned code
/// points count as printable here: a deliberate difference, Python has the tables.)
pub fn is_printable(c: char) -> bool {
    let n = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || (c.is_whitespace()) {
        return false;
    }
    let format = matches!(n,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f);
    let private = matches!(n, 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd);
    !(format || private)
}

// --- fenced code blocks in assistant text ----------------------------------------------

static FENCE_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^\s\x1c-\x1f`{]*)").unwrap());

/// Shell and http fenced blocks of Markdown text.
pub fn fenced_blocks(text: &str) -> Vec<(Channel, String)> {
    if !text.contains("```") && !text.contains("~~~") {
        return vec![];
    }
    let mut out = vec![];
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(m) = FENCE_OPEN.captures(lines[i]) else {
            i += 1;
            continue;
        };
        let fence = m.get(2).unwrap();
        if fence.as_str().starts_with('`') && lines[i][fence.end()..].contains('`') {
            i += 1;
            continue;
        }
        let indent = m.get(1).unwrap().as_str().len();
        let fence = fence.as_str();
        let fch = fence.chars().next().unwrap_or('`');
        let lang = py_lower(m.get(3).unwrap().as_str());
        let lang = lang.trim_start_matches('.');
        let mut body: Vec<&str> = vec![];
        i += 1;
        while i < lines.len() {
            let ln = lines[i];
            let stripped = ln.trim_start_matches(' ');
            let lead = ln.len() - stripped.len();
            if lead <= 3
                && stripped.starts_with(fence)
                && strip(stripped).trim_matches(fch).is_empty()
            {
                break;
            }
            body.push(&ln[indent.min(lead)..]);
            i += 1;
        }
        i += 1;
        let block = body.join("\n");
        if blank(&block) {
            continue;
        }
        if SHELL_FENCES.contains(&lang) {
            let cmd = strip_prompts(&block);
            if !blank(&cmd) {
                out.push((Channel::Command, cmd));
            }
        } else if lang == "http" {
            out.push((Channel::Request, block));
        }
    }
    out
}

/// Keep only the commands of a block written as a terminal session (`$ cmd` + output).
pub fn strip_prompts(block: &str) -> String {
    let lines: Vec<&str> = block.split('\n').collect();
    let is_prompt = |ln: &str| ln.starts_with("$ ") || ln == "$";
    if !lines.iter().any(|l| is_prompt(l)) {
        return block.to_string();
    }
    let mut out: Vec<&str> = vec![];
    let mut cont = false;
    for ln in lines {
        if is_prompt(ln) {
            out.push(ln.get(2..).unwrap_or(""));
            cont = continues(ln);
        } else if cont {
            out.push(ln);
            cont = continues(ln);
        }
    }
    out.join("\n")
}

/// An odd number of trailing backslashes (after `\r`s): the line continues.
pub fn continues(line: &str) -> bool {
    let s = line.trim_end_matches('\r');
    let n = s.len() - s.trim_end_matches('\\').len();
    n % 2 == 1
}

/// Prose plus the fenced shell/http blocks it holds (suggested commands, status None).
pub fn assistant_text(text: Option<&str>, base: &Base) -> Vec<Segment> {
    let Some(text) = text else { return vec![] };
    if blank(text) {
        return vec![];
    }
    let mut segs = vec![make(
        text.to_string(),
        Channel::Prose,
        base,
        Some(Actor::Agent),
        None,
        None,
    )];
    for (channel, body) in fenced_blocks(text) {
        segs.push(make(body, channel, base, Some(Actor::Agent), None, None));
    }
    segs
}

/// Text of a message content: a string, or a list of string / {text} / {type:text,text}
/// parts; parts marked `thought: true` are skipped.
pub fn content_text(content: Option<&Value>) -> String {
    let parts: Vec<&Value> = match content {
        Some(Value::String(s)) => return s.clone(),
        Some(d @ Value::Object(_)) => vec![d],
        Some(Value::Array(a)) => a.iter().collect(),
        _ => return String::new(),
    };
    let mut out: Vec<&str> = vec![];
    for p in parts {
        match p {
            Value::String(s) => out.push(s),
            Value::Object(_) => {
                if pyjson::truthy(get(p, "thought")) {
                    continue;
                }
                let Some(text) = get_str(p, "text") else {
                    continue;
                };
                let ok = match get(p, "type") {
                    None | Some(Value::Null) => true,
                    Some(Value::String(t)) => {
                        matches!(t.as_str(), "text" | "input_text" | "output_text")
                    }
                    _ => false,
                };
                if ok {
                    out.push(text);
                }
            }
            _ => {}
        }
    }
    out.join("\n")
}

// --- ordering ---------------------------------------------------------------------------

pub fn with_status(mut item: Item, status: Status) -> Item {
    if let Item::Segment(s) = &mut item {
        s.origin.status = Some(status);
    }
    item
}

struct Entry {
    item: Item,
    call: Option<String>,
}

/// Keeps the stream in file order while tool calls wait for their results.
///
/// A call segment is queued until `resolve(call_id, status)`; everything after it waits
/// behind it. If a call stays unanswered while more than `window` items pile up behind
/// it, it is released with `Status::Unknown` (bounded memory).
pub struct Ordered {
    queue: VecDeque<Entry>,
    /// sequence number of the queue's front entry
    base: u64,
    /// call ids from the log, hashed with FxHash (SipHash was 1% of a dense session;
    /// the order is the map's insertion order, whatever the hash)
    pending: IndexMap<String, Vec<u64>, rustc_hash::FxBuildHasher>,
    window: usize,
    provisional: rustc_hash::FxHashMap<String, Status>,
}

impl Default for Ordered {
    fn default() -> Self {
        Ordered {
            queue: VecDeque::new(),
            base: 0,
            pending: IndexMap::default(),
            window: 2000,
            provisional: Default::default(),
        }
    }
}

impl Ordered {
    pub fn pending(&self, call_id: Option<&str>) -> bool {
        call_id.is_some_and(|c| self.pending.contains_key(c))
    }

    pub fn provisional(&mut self, call_id: &str, status: Status) {
        if self.pending.contains_key(call_id) {
            self.provisional.insert(call_id.to_string(), status);
        }
    }

    pub fn push(&mut self, item: Item, out: &mut Vec<Item>) {
        if self.pending.is_empty() {
            out.push(item);
            return;
        }
        self.queue.push_back(Entry { item, call: None });
        self.drain(out);
    }

    pub fn push_call(&mut self, call_id: Option<&str>, seg: Segment, out: &mut Vec<Item>) {
        let Some(call_id) = call_id.filter(|c| !c.is_empty()) else {
            self.push(with_status(Item::Segment(seg), Status::Unknown), out);
            return;
        };
        let seq = self.base + self.queue.len() as u64;
        self.queue.push_back(Entry {
            item: Item::Segment(seg),
            call: Some(call_id.to_string()),
        });
        self.pending
            .entry(call_id.to_string())
            .or_default()
            .push(seq);
        self.drain(out);
    }

    pub fn resolve(&mut self, call_id: Option<&str>, status: Status, out: &mut Vec<Item>) {
        let Some(call_id) = call_id else { return };
        let Some(entries) = self.pending.swap_remove(call_id) else {
            return;
        };
        if entries.is_empty() {
            return;
        }
        self.provisional.remove(call_id);
        self.settle(&entries, status);
        self.drain(out);
    }

    fn settle(&mut self, seqs: &[u64], status: Status) {
        for &seq in seqs {
            if let Some(e) = self.queue.get_mut((seq - self.base) as usize) {
                let item =
                    std::mem::replace(&mut e.item, Item::Notice(notice(String::new(), "", None)));
                e.item = with_status(item, status);
                e.call = None;
            }
        }
    }

    fn drain(&mut self, out: &mut Vec<Item>) {
        while let Some(head) = self.queue.front() {
            if let Some(call) = &head.call {
                if self.queue.len() <= self.window {
                    break;
                }
                let call = call.clone();
                self.resolve_unknown(&call);
            }
            let e = self.queue.pop_front().expect("front exists");
            self.base += 1;
            out.push(e.item);
        }
    }

    fn resolve_unknown(&mut self, call_id: &str) {
        let status = self.provisional.remove(call_id).unwrap_or(Status::Unknown);
        if let Some(seqs) = self.pending.swap_remove(call_id) {
            self.settle(&seqs, status);
        }
    }

    pub fn finish(&mut self, out: &mut Vec<Item>) {
        let ids: Vec<String> = self.pending.keys().cloned().collect();
        for id in ids {
            self.resolve_unknown(&id);
        }
        for e in self.queue.drain(..) {
            out.push(e.item);
        }
        self.base = 0;
    }
}

/// Record types a reader met but does not know: counted, reported once per file.
#[derive(Default)]
pub struct UnknownTypes {
    counts: IndexMap<String, u64>,
    first_line: Option<u64>,
}

impl UnknownTypes {
    pub fn add(&mut self, rtype: &str, line: u64) {
        if self.counts.len() < 100 || self.counts.contains_key(rtype) {
            *self.counts.entry(rtype.to_string()).or_insert(0) += 1;
        }
        if self.first_line.is_none() {
            self.first_line = Some(line);
        }
    }

    pub fn notice(&self, fmt: &str, display_path: &str) -> Option<Notice> {
        if self.counts.is_empty() {
            return None;
        }
        let total: u64 = self.counts.values().sum();
        let mut items: Vec<(&String, &u64)> = self.counts.iter().collect();
        items.sort_by(|a, b| b.1.cmp(a.1).then_with(|| py_str_cmp(a.0, b.0)));
        let names = items
            .iter()
            .map(|(t, n)| format!("{t} ({n})"))
            .collect::<Vec<_>>()
            .join(", ");
        let what = if total == 1 { "record" } else { "records" };
        Some(Notice {
            message: format!("{fmt}: {total} {what} of unknown type not read: {names}"),
            path: Some(display_path.to_string()),
            line: self.first_line,
            level: NoticeLevel::Note,
        })
    }
}

/// Python's string order (by code point; Rust's `str` order is by UTF-8 bytes, the same).
fn py_str_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.cmp(b)
}

/// A set that forgets its oldest members beyond `limit` (dedup keys in huge files): a key
/// is in the set when it was added (successfully) within the last `limit` additions.
///
/// Every record's uuid passes through here, and a long session keeps `limit` of them, in
/// a table too large for the caches: what costs is the number of places in memory an
/// addition touches. So:
/// - a canonical UUID (36 characters, lower-case hex) is kept as its 128 bits: adding one
///   allocates nothing, and hashing or comparing it reads no string elsewhere in memory.
///   The bits map back to that one spelling, and a key that spells a canonical UUID is
///   always kept as its bits, so the set answers as a set of strings does. Any other key
///   is kept as its text, hashed with FxHash.
/// - each member carries the number of its addition, and a member older than the last
///   `limit` additions counts as absent. Forgetting is then no lookup per addition: every
///   `limit` additions one sweep through the table drops the members that fell out (the
///   table holds at most twice `limit`). An addition touches one place of the table,
///   where a queue of arrivals and a removal per addition touched three.
pub struct BoundedSet {
    uuids: rustc_hash::FxHashMap<(u64, u64), u64>,
    texts: rustc_hash::FxHashMap<Box<str>, u64>,
    /// successful additions so far: the number of the last one
    added: u64,
    limit: u64,
}

impl Default for BoundedSet {
    fn default() -> Self {
        BoundedSet::with_limit(100_000)
    }
}

/// The value of each byte as a hex digit: 0-15 for `0-9a-f`, 16 for anything else (upper
/// case included: `A` and `a` spell different keys).
const HEX: [u8; 256] = {
    let mut t = [16u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The 128 bits of a canonical UUID (`8-4-4-4-12` lower-case hex digits), as two halves;
/// None for any other text.
fn uuid_bits(key: &str) -> Option<(u64, u64)> {
    let b = key.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut bits: u128 = 0;
    // the digits' values or'ed: 16 is set when one of them is not a digit
    let mut seen = 0u8;
    for part in [&b[0..8], &b[9..13], &b[14..18], &b[19..23], &b[24..36]] {
        for &c in part {
            let d = HEX[c as usize];
            seen |= d;
            bits = bits << 4 | u128::from(d & 15);
        }
    }
    (seen & 16 == 0).then_some(((bits >> 64) as u64, bits as u64))
}

impl BoundedSet {
    pub fn with_limit(limit: usize) -> BoundedSet {
        BoundedSet {
            uuids: Default::default(),
            texts: Default::default(),
            added: 0,
            limit: limit.max(1) as u64,
        }
    }

    /// Add; false if it was already there.
    pub fn add(&mut self, key: &str) -> bool {
        let number = self.added + 1;
        // a member numbered `oldest` or later is one of the last `limit` additions
        let oldest = number.saturating_sub(self.limit);
        let fresh = match uuid_bits(key) {
            Some(bits) => match self.uuids.entry(bits) {
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    let held = e.get_mut();
                    (*held < oldest).then(|| *held = number).is_some()
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(number);
                    true
                }
            },
            None => match self.texts.get_mut(key) {
                Some(held) => (*held < oldest).then(|| *held = number).is_some(),
                None => {
                    self.texts.insert(key.into(), number);
                    true
                }
            },
        };
        if !fresh {
            return false;
        }
        self.added = number;
        if number % self.limit == 0 {
            // from the next addition on, members numbered `number + 1 - limit` or later count
            let keep = (number + 1).saturating_sub(self.limit);
            self.uuids.retain(|_, n| *n >= keep);
            self.texts.retain(|_, n| *n >= keep);
        }
        true
    }

    /// How many members the set holds: the last `limit` additions.
    pub fn len(&self) -> usize {
        self.added.min(self.limit) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.added == 0
    }
}

static SALVAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""(?:command|cmd)"\s*:\s*"((?:[^"\\]|\\(?s:.))*)"#).unwrap());

/// The `command`/`cmd` string of broken JSON arguments, if one can be read (a truncated
/// string is read up to where it stops).
pub fn salvage_command(arguments: &str) -> Option<String> {
    let m = SALVAGE.captures(arguments)?;
    let mut raw = m.get(1)?.as_str();
    if raw.ends_with('\\') && !raw.ends_with("\\\\") {
        raw = &raw[..raw.len() - 1];
    }
    let quoted = format!("\"{raw}\"");
    match pyjson::loads_str(&quoted).value {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

// --- code a tool runs (Codex code mode `exec`, an MCP JavaScript REPL) ------------------
//
// The code is never run or evaluated: a few bounded patterns pick out what it would make
// the host do. Python's patterns use back-references (the closing quote); here each is a
// prefix regex plus a hand-written quoted-string scanner with the same bounds.

const NAMES: &str = r"\b(?:exec_command|shell_command|run_command|shell|exec)\s*\(\s*\{";
static SCRIPT_OBJECT_HEAD: LazyLock<meta::Regex> =
    LazyLock::new(|| meta::Regex::new(NAMES).unwrap());
static SCRIPT_KEY: LazyLock<meta::Regex> =
    LazyLock::new(|| meta::Regex::new(r#"["']?\b(?:cmd|command)["']?\s*:\s*"#).unwrap());
static SCRIPT_ARGV: LazyLock<meta::Regex> = LazyLock::new(|| {
    meta::Regex::new(&format!(
        r#"{NAMES}[^{{}}]{{0,2000}}?["']?\b(?:cmd|command)["']?\s*:\s*(?P<argv>\[[^\[\]]{{0,4000}}\])"#
    ))
    .unwrap()
});
static SCRIPT_STRING_HEAD: LazyLock<meta::Regex> =
    LazyLock::new(|| meta::Regex::new(r"\b(?:execSync|exec|spawnSync|execa|\$)\s*\(\s*").unwrap());
static SCRIPT_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\b(?P<fn>goto|navigate|fetch|open|newPage|get|post|put|patch|delete|request)\s*\(\s*(?P<q>["'`])(?P<url>https?://[^"'`\s\\]+)"#,
    )
    .unwrap()
});
static SCRIPT_METHOD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bmethod\s*:\s*["'](?P<m>[A-Za-z]{3,7})["']"#).unwrap());

/// A quoted string at `at` (`"`, `'` or a backtick; at most 8000 characters, no raw
/// newline): (quote, body, end).
fn quoted_at(code: &str, at: usize) -> Option<(char, &str, usize)> {
    let q = code[at..].chars().next()?;
    if !matches!(q, '"' | '\'' | '`') {
        return None;
    }
    let start = at + 1;
    let mut it = code[start..].char_indices();
    let mut n = 0;
    while let Some((i, c)) = it.next() {
        if c == q {
            return Some((q, &code[start..start + i], start + i + 1));
        }
        if n == 8000 {
            return None;
        }
        if c == '\\' {
            match it.next() {
                Some((_, '\n')) | None => return None,
                Some(_) => {}
            }
        } else if c == '\n' {
            return None;
        }
        n += 1;
    }
    None
}

fn unquote(quote: char, raw: &str) -> String {
    if quote == '"' {
        if let Some(Value::String(s)) = pyjson::loads_str(&format!("\"{raw}\"")).value {
            return s;
        }
    }
    let mut out = String::new();
    let mut it = raw.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(x) => out.push(x),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `(start, end, quote, body)` of each match of the object-argument shell pattern.
fn object_matches(code: &str) -> Vec<(usize, usize, char, String)> {
    let mut out = vec![];
    let mut from = 0;
    while from <= code.len() {
        let Some(m) = SCRIPT_OBJECT_HEAD.search(&Input::new(code).range(from..)) else {
            break;
        };
        let mut found = None;
        // `[^{}]{0,2000}?`: the nearest key after the brace first
        let mut j = m.end();
        let mut count = 0;
        loop {
            let key = SCRIPT_KEY.search(&Input::new(code).range(j..).anchored(Anchored::Yes));
            if let Some(k) = key {
                if let Some((q, body, end)) = quoted_at(code, k.end()) {
                    found = Some((m.start(), end, q, body.to_string()));
                    break;
                }
            }
            let Some(c) = code[j..].chars().next() else {
                break;
            };
            if c == '{' || c == '}' || count == 2000 {
                break;
            }
            j += c.len_utf8();
            count += 1;
        }
        match found {
            Some(f) => {
                from = f.1;
                out.push(f);
            }
            None => {
                from = m.start() + code[m.start()..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    out
}

fn string_matches(code: &str) -> Vec<(usize, usize, char, String)> {
    let mut out = vec![];
    let mut from = 0;
    while from <= code.len() {
        let Some(m) = SCRIPT_STRING_HEAD.search(&Input::new(code).range(from..)) else {
            break;
        };
        match quoted_at(code, m.end()) {
            Some((q, body, end)) => {
                out.push((m.start(), end, q, body.to_string()));
                from = if end > m.start() { end } else { end + 1 };
            }
            None => {
                from = m.start() + code[m.start()..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    out
}

/// Shell commands and HTTP requests a piece of tool-run code makes, in code order.
pub fn script_payloads(code: Option<&Value>) -> Vec<(Channel, String)> {
    let Some(Value::String(code)) = code else {
        return vec![];
    };
    if blank(code) {
        return vec![];
    }
    let mut found: Vec<(usize, Channel, String)> = vec![];
    let mut taken: Vec<(usize, usize)> = vec![];
    for matches in [object_matches(code), string_matches(code)] {
        for (start, end, q, body) in matches {
            if taken.iter().any(|&(s, e)| s <= start && start < e) {
                continue;
            }
            let text = unquote(q, &body);
            if !blank(&text) {
                taken.push((start, end));
                found.push((start, Channel::Command, text));
            }
        }
    }
    for caps in SCRIPT_ARGV.captures_iter(code.as_str()) {
        let Some(m) = caps.get_match() else {
            continue;
        };
        if taken.iter().any(|&(s, e)| s <= m.start() && m.start() < e) {
            continue;
        }
        let Some(span) = caps.get_group_by_name("argv") else {
            continue;
        };
        let argv = code[span.range()].replace('\'', "\"");
        let Some(v) = pyjson::loads_str(&argv).value else {
            continue;
        };
        if let Some(text) = argv_to_command(Some(&v)) {
            if !blank(&text) {
                found.push((m.start(), Channel::Command, text));
            }
        }
    }
    let mut from = 0;
    while let Some(caps) = SCRIPT_URL.captures_at(code, from) {
        let whole = caps.get(0).unwrap();
        let q = caps.name("q").unwrap().as_str();
        let url_m = caps.name("url").unwrap();
        // Python bounds the URL at 2048 characters and closes it with the same quote
        if url_m.as_str().chars().count() > 2048 || !code[url_m.end()..].starts_with(q) {
            from = whole.start()
                + code[whole.start()..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
            continue;
        }
        from = url_m.end() + q.len();
        let url = url_m.as_str();
        let func = caps.name("fn").unwrap().as_str();
        let mut method = match py_lower(func).as_str() {
            "get" => "GET",
            "post" => "POST",
            "put" => "PUT",
            "patch" => "PATCH",
            "delete" => "DELETE",
            _ => "GET",
        }
        .to_string();
        if func == "fetch" || func == "request" {
            let end = from; // past the closing quote
            let limit = char_offset(code, end, 400);
            if let Some(mm) = SCRIPT_METHOD.captures(&code[end..limit]) {
                method = mm.name("m").unwrap().as_str().to_uppercase();
            }
        }
        found.push((
            whole.start(),
            Channel::Request,
            http_text(Some(&Value::String(method)), url, None, None),
        ));
    }
    found.sort_by_key(|f| f.0);
    found.into_iter().map(|(_, c, t)| (c, t)).collect()
}

/// The byte offset `n` characters after `from` (or the end).
fn char_offset(s: &str, from: usize, n: usize) -> usize {
    s[from..]
        .char_indices()
        .nth(n)
        .map_or(s.len(), |(i, _)| from + i)
}

/// Keys whose string value is code (a JavaScript/Python REPL tool's source).
pub const CODE_KEYS: [&str; 6] = ["code", "script", "source", "js", "javascript", "input"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_id_replaces_the_id_in_the_same_buffer() {
        let mut slot = None;
        set_id(&mut slot, Some("a-long-record-id-0001"));
        let at = slot.as_ref().unwrap().as_ptr();
        set_id(&mut slot, Some("toolu_01"));
        assert_eq!(slot.as_deref(), Some("toolu_01"));
        assert_eq!(slot.as_ref().unwrap().as_ptr(), at);
        set_id(&mut slot, None);
        assert_eq!(slot, None);
    }

    #[test]
    fn argv_is_a_shell_line() {
        let v: Value = serde_json::from_str(r#"["bash", "-lc", "git push"]"#).unwrap();
        assert_eq!(argv_to_command(Some(&v)).unwrap(), "git push");
        let v: Value = serde_json::from_str(r#"["git", "commit", "-m", "a b", 1]"#).unwrap();
        assert_eq!(argv_to_command(Some(&v)).unwrap(), "git commit -m 'a b' 1");
    }

    #[test]
    fn fenced_shell_blocks_are_commands() {
        let t = "run:\n```bash\n$ gcloud run deploy\nok\n```\n";
        assert_eq!(
            fenced_blocks(t),
            vec![(Channel::Command, "gcloud run deploy".to_string())]
        );
    }

    #[test]
    fn ordered_holds_items_behind_a_call() {
        let mut o = Ordered::default();
        let mut out = vec![];
        let seg = make(
            "x".into(),
            Channel::Command,
            &Base::new("p", "claude", 1),
            None,
            None,
            None,
        );
        o.push_call(Some("c1"), seg.clone(), &mut out);
        o.push(Item::Notice(notice("n".into(), "p", None)), &mut out);
        assert!(out.is_empty());
        o.resolve(Some("c1"), Status::Failed, &mut out);
        assert_eq!(out.len(), 2);
        match &out[0] {
            Item::Segment(s) => assert_eq!(s.origin.status, Some(Status::Failed)),
            _ => panic!("a segment first"),
        }
    }

    #[test]
    fn bounded_set_forgets_the_oldest() {
        let mut s = BoundedSet::with_limit(2);
        assert!(s.add("a") && s.add("b") && !s.add("a"));
        assert!(s.add("c")); // forgets "a"
        assert!(s.add("a") && !s.add("c"));
        assert_eq!(s.len(), 2); // the forgotten member left the set too
        assert!(s.add("b"));
    }

    #[test]
    fn bounded_set_answers_as_a_queue_of_the_last_additions_does() {
        // the plain model: a set of strings and the queue of their arrivals
        let keys: Vec<String> = (0..24)
            .map(|i| match i % 3 {
                0 => format!("{i:08x}-0000-4000-8000-{i:012x}"),
                1 => format!("{i:08X}-0000-4000-8000-{i:012X}"), // upper case: text
                _ => format!("result:toolu_{i}"),
            })
            .collect();
        for limit in [1usize, 2, 3, 7] {
            let mut set = BoundedSet::with_limit(limit);
            let mut model: (std::collections::HashSet<String>, VecDeque<String>) =
                Default::default();
            let mut state = 11u64 + limit as u64;
            for _ in 0..5000 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let key = &keys[(state >> 33) as usize % keys.len()];
                let expected = if model.0.contains(key) {
                    false
                } else {
                    model.0.insert(key.clone());
                    model.1.push_back(key.clone());
                    if model.1.len() > limit {
                        let old = model.1.pop_front().unwrap();
                        model.0.remove(&old);
                    }
                    true
                };
                assert_eq!(set.add(key), expected, "{key} (limit {limit})");
                assert_eq!(set.len(), model.0.len());
            }
        }
    }

    #[test]
    fn bounded_set_keeps_uuids_and_other_keys_apart_and_in_order() {
        let a = "92692eef-415f-6016-5af6-54e0856b74c9";
        let b = "1a3c4261-f25c-5b61-92ab-c24071e5ff7b";
        let mut s = BoundedSet::with_limit(3);
        assert!(s.add(a) && !s.add(a));
        // the same letters in upper case, or one digit off, are other keys
        assert!(s.add(&a.to_uppercase()) && s.add(b));
        assert!(!s.add(b) && !s.add(&a.to_uppercase()));
        assert_eq!(s.len(), 3);
        assert!(s.add("relayed:1")); // forgets `a`, the oldest, whatever its kind
        assert_eq!(s.len(), 3);
        assert!(s.add(a)); // forgets the upper-case one
        assert!(s.add(&a.to_uppercase()) && !s.add("relayed:1") && !s.add(a));
        // almost a UUID: read as text, never as bits
        assert_eq!(uuid_bits(&a.replace('-', "_")), None);
        assert_eq!(uuid_bits(&format!("{a}0")), None);
        assert_eq!(
            uuid_bits("00000000-0000-0001-0000-00000000000f"),
            Some((1, 15))
        );
        assert_eq!(uuid_bits("00000000-0000-0000-0000-00000000000F"), None);
        assert_ne!(uuid_bits(a), uuid_bits(b));
    }

    #[test]
    fn script_payloads_find_commands_and_urls() {
        let code = Value::String(
            "await tools.exec_command({cmd: \"gcloud run deploy\"}); await tab.goto('https://x.io/a')"
                .into(),
        );
        let got = script_payloads(Some(&code));
        assert_eq!(got[0], (Channel::Command, "gcloud run deploy".to_string()));
        assert_eq!(got[1], (Channel::Request, "GET https://x.io/a".to_string()));
    }
}
