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

/// One word of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// the word as written: `text[start..end]`
    pub raw: String,
    /// the word after quote removal and decoding; `None` when it holds an
    /// expansion whose value is unknown (`$VAR`, `$(...)`, a template placeholder)
    pub value: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// A simple command: the program that runs and its arguments, wrappers stripped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub argv: Vec<Word>,
    /// the span of the whole command as written, wrappers and redirections included
    pub start: usize,
    pub end: usize,
}

impl Command {
    /// The words' values, for tests and rules that only look at them.
    pub fn values(&self) -> Vec<Option<&str>> {
        self.argv.iter().map(|w| w.value.as_deref()).collect()
    }
}
