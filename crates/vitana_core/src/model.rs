//! The records the engine hands between its stages, as plain structs.
//!
//! Offsets are byte offsets into the text the stage was given (UTF-8); the Python
//! binding turns them into code-point indices, which is what the Python side uses.

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
