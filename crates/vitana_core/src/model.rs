//! The records the engine hands between its stages, as plain structs. They mirror
//! `vitana_guard/model.py` field for field, so a stage ported from Python is checked
//! against its Python original by comparing records.
//!
//! Offsets inside a `Segment`'s text are byte offsets (UTF-8); the Python binding turns
//! them into code-point indices, which is what the Python side and the reports use.

/// Where a piece of text comes from (RULES.md, "channels").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// shell that is (or will be) executed
    Command,
    /// an HTTP request (fenced http block, agent HTTP tool)
    Request,
    /// natural language by a person or an agent
    Prose,
    /// what the human said to the agent
    User,
    /// what a tool printed back
    Output,
    /// names and identifiers: branch names, PR head/base, repo names
    Meta,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Command => "command",
            Channel::Request => "request",
            Channel::Prose => "prose",
            Channel::User => "user",
            Channel::Output => "output",
            Channel::Meta => "meta",
        }
    }
}

/// Who produced a piece of a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Human,
    Agent,
    Tool,
    /// system reminders, compaction summaries, sub-agent prompts, skill bodies
    Injected,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Human => "human",
            Actor::Agent => "agent",
            Actor::Tool => "tool",
            Actor::Injected => "injected",
        }
    }
}

/// What became of a tool call, when the log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// ran (and exited 0, or the log gives no exit code)
    Executed,
    /// ran, and failed while running (non-zero exit)
    Failed,
    /// never ran: refused by the user, a hook, or a permission rule or prompt
    Denied,
    /// never ran: the tool itself refused it (bad input, a security limit)
    Blocked,
    /// no result in the log
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Executed => "executed",
            Status::Failed => "failed",
            Status::Denied => "denied",
            Status::Blocked => "blocked",
            Status::Unknown => "unknown",
        }
    }

    /// Whether the call was carried out (or may have been).
    pub fn ran(self) -> bool {
        !matches!(self, Status::Denied | Status::Blocked)
    }
}

/// Where a segment came from, beyond its position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// the path reported to the user (relative to the scan root where possible)
    pub path: String,
    /// file kind or transcript format: "shell", "markdown", "claude", "pr", ...
    pub kind: String,
    /// tool-use id, call id, message id
    pub record_id: Option<String>,
    /// position of the record in its transcript
    pub record_index: Option<u64>,
    /// transcript session id (one flow per session)
    pub session: Option<String>,
    pub actor: Option<Actor>,
    pub status: Option<Status>,
    /// commit that introduced the text (history scans)
    pub commit: Option<String>,
    /// agent tool name ("Bash", "exec_command", ...)
    pub tool: Option<String>,
    /// how a record reached this file when it is a copy of another's ("agent_progress")
    pub via: Option<String>,
}

/// A piece of text in one channel, with the position of its first character.
///
/// Offsets map back to file positions: by counting newlines, lines after the first
/// starting at column `indent + 1` (a dedented `run: |` block); when `flat`, every
/// offset maps to (`line`, `column`): the text was decoded from an escaped string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub channel: Channel,
    pub origin: Origin,
    pub line: u64,
    pub column: u64,
    pub indent: u64,
    pub flat: bool,
}

/// Something the scan could not do, or skipped: reported, never silent. `error` means
/// part of the input could not be read (exit code 2); `note` is information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub message: String,
    pub path: Option<String>,
    pub line: Option<u64>,
    pub level: NoticeLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    Error,
    Note,
}

/// What a reader yields, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Segment(Segment),
    Notice(Notice),
}

/// One shell word after quote removal, with its span in the segment text.
///
/// `value` is None when the word is not a literal (it holds `$VAR`, `$(...)`, a glob
/// or a template placeholder such as `<PR_NUMBER>`): an unknown value. `raw` is the
/// word as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub raw: String,
    pub value: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// One simple command: argv after prefixes (`sudo`, `env X=1`, `VAR=x`, ...) are
/// stripped. `start`/`end` span the whole simple command in the segment text
/// (including the stripped prefixes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub argv: Vec<Word>,
    pub start: usize,
    pub end: usize,
}

impl Command {
    /// The words' values, for tests and rules that only look at them.
    pub fn values(&self) -> Vec<Option<&str>> {
        self.argv.iter().map(|w| w.value.as_deref()).collect()
    }

    /// The program's literal name, when it has one.
    pub fn program(&self) -> Option<&str> {
        self.argv.first().and_then(|w| w.value.as_deref())
    }
}

/// The text of the JSON string that stands for an unknown value (a placeholder, `$VAR`,
/// a body read from a file). serde_json has no variant of its own for it; this string
/// is the one Python's `_dump_unknown` uses as its marker, so the two read alike.
pub const UNKNOWN_MARK: &str = "\u{E000}unknown\u{E000}";

/// The unknown value as a JSON value (see `UNKNOWN_MARK`).
pub fn unknown_value() -> serde_json::Value {
    serde_json::Value::String(UNKNOWN_MARK.to_string())
}

/// Whether a JSON value is the unknown value.
pub fn is_unknown(value: &serde_json::Value) -> bool {
    matches!(value, serde_json::Value::String(s) if s == UNKNOWN_MARK)
}

/// An HTTP request rebuilt from what issues it (mirrors model.py's `Request`).
///
/// `json` is the parsed body (placeholders read as the unknown value), None when there
/// is no body; `body_error` says why a body present is not JSON. `start`/`end` are in
/// the offsets of what it was read from: a `Command`'s own, or bytes of a block's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub start: usize,
    pub end: usize,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub json: Option<serde_json::Value>,
    pub body_error: Option<String>,
    /// false when the method was inferred (curl's default GET, or POST for data)
    pub method_explicit: bool,
}

impl Request {
    /// A request of only a method and a URL, read from nothing (no offsets, no body).
    pub fn bare(method: String, url: String) -> Request {
        Request {
            method,
            url,
            start: 0,
            end: 0,
            headers: Vec::new(),
            body: None,
            json: None,
            body_error: None,
            method_explicit: true,
        }
    }
}
