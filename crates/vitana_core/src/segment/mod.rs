//! Segments: a file's text cut into channel segments (RULES.md, "channels"), the port of
//! `vitana_guard/sources/classify.py`.
//!
//! `file_kind` names the kind of a file from its path and first characters; `segments`
//! cuts its text into COMMAND, REQUEST, OUTPUT and PROSE segments. Positions are what
//! Python computes: 1-based lines, and columns counted in code points. So the structured
//! kinds work on the text as a slice of `char`s (offsets are code points, as in Python,
//! and the binding hands them over unchanged); the kinds read whole (text, code, config,
//! http) never convert.
//!
//! Whitespace is Python's (`str.isspace`, the `\s` of `re`): it differs from Rust's
//! `char::is_whitespace` on U+001C..U+001F, which Python counts as space.

mod dockerfile;
mod kind;
mod makefile;
mod markdown;
mod package_json;
mod shell;
mod workflow;

pub use kind::{file_kind, KINDS};
pub use workflow::{RunSpan, WorkflowYaml};

use crate::model::{Channel, Origin, Segment};

/// Python's `str.isspace` (and `re`'s `\s` on str patterns).
pub(crate) fn py_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\r'
            | '\u{1C}'..='\u{1F}'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// Python's `\s` as a character class body for the `regex` crate.
pub(crate) const PY_SPACE_CLASS: &str = r"\t\n\x0B\x0C\r\x1C-\x1F \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}";

/// Python's `\w` on str patterns, as near as std gives it (letters, digits, `_`).
pub(crate) fn py_word(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// `s.strip()` is empty.
pub(crate) fn blank(s: &[char]) -> bool {
    s.iter().all(|&c| py_space(c))
}

/// `s.strip()` as (start, end) within `s`.
pub(crate) fn strip_bounds(s: &[char]) -> (usize, usize) {
    let mut a = 0;
    let mut b = s.len();
    while a < b && py_space(s[a]) {
        a += 1;
    }
    while b > a && py_space(s[b - 1]) {
        b -= 1;
    }
    (a, b)
}

pub(crate) fn strip(s: &[char]) -> &[char] {
    let (a, b) = strip_bounds(s);
    &s[a..b]
}

pub(crate) fn lstrip(s: &[char]) -> &[char] {
    let a = s.iter().position(|&c| !py_space(c)).unwrap_or(s.len());
    &s[a..]
}

pub(crate) fn rstrip(s: &[char]) -> &[char] {
    let b = s.iter().rposition(|&c| !py_space(c)).map_or(0, |k| k + 1);
    &s[..b]
}

/// `s.rstrip(ch)` / `s.lstrip(ch)` for one character.
pub(crate) fn rstrip_ch(s: &[char], ch: char) -> &[char] {
    let b = s.iter().rposition(|&c| c != ch).map_or(0, |k| k + 1);
    &s[..b]
}

pub(crate) fn lstrip_ch(s: &[char], ch: char) -> &[char] {
    let a = s.iter().position(|&c| c != ch).unwrap_or(s.len());
    &s[a..]
}

pub(crate) fn starts_with(s: &[char], p: &str) -> bool {
    let mut it = s.iter();
    p.chars().all(|c| it.next() == Some(&c))
}

pub(crate) fn find(s: &[char], c: char, from: usize) -> Option<usize> {
    s.get(from..)?
        .iter()
        .position(|&x| x == c)
        .map(|k| k + from)
}

pub(crate) fn string(s: &[char]) -> String {
    s.iter().collect()
}

/// A file's text with its line starts, to turn offsets into segments.
pub(crate) struct Text<'a> {
    pub t: &'a [char],
    /// the text as given, when it is ASCII (offsets are then byte offsets too): slices
    /// are copied from it rather than re-encoded from `t`
    ascii: Option<&'a str>,
    pub origin: Origin,
    pub out: Vec<Segment>,
    /// [start, end] of the pending prose run
    prose: Option<(usize, usize)>,
    pub starts: Vec<usize>,
}

impl<'a> Text<'a> {
    fn new(src: &'a str, t: &'a [char], origin: Origin) -> Text<'a> {
        let mut starts = vec![0];
        starts.extend(
            t.iter()
                .enumerate()
                .filter(|(_, &c)| c == '\n')
                .map(|(k, _)| k + 1),
        );
        Text {
            t,
            ascii: src.is_ascii().then_some(src),
            origin,
            out: Vec::new(),
            prose: None,
            starts,
        }
    }

    /// The characters [a, b) as a String.
    pub fn slice(&self, a: usize, b: usize) -> String {
        match self.ascii {
            Some(src) => src[a..b].to_string(),
            None => string(&self.t[a..b]),
        }
    }

    pub fn pos(&self, offset: usize) -> (u64, u64) {
        if offset == 0 {
            return (1, 1);
        }
        let i = self.starts.partition_point(|&s| s <= offset) - 1;
        ((i + 1) as u64, (offset - self.starts[i] + 1) as u64)
    }

    /// (start offset, end offset without the newline) of every line.
    pub fn lines(&self) -> Vec<(usize, usize)> {
        let n = self.t.len();
        self.starts
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                let e = self.starts.get(k + 1).map_or(n, |&x| x - 1);
                (s, e)
            })
            .collect()
    }

    pub fn emit_flat(
        &mut self,
        text: String,
        channel: Channel,
        offset: usize,
        indent: u64,
        flat: bool,
    ) {
        if text.chars().all(py_space) {
            return;
        }
        let (line, column) = self.pos(offset);
        self.out.push(Segment {
            text,
            channel,
            origin: self.origin.clone(),
            line,
            column,
            indent,
            flat,
        });
    }

    pub fn emit(&mut self, text: String, channel: Channel, offset: usize) {
        self.emit_flat(text, channel, offset, 0, false)
    }

    /// A segment at an explicit position (dedented blocks).
    pub fn push(&mut self, text: String, channel: Channel, line: u64, column: u64, indent: u64) {
        self.out.push(Segment {
            text,
            channel,
            origin: self.origin.clone(),
            line,
            column,
            indent,
            flat: false,
        });
    }

    /// A segment that is the slice [start, end) of the file, trimmed.
    pub fn emit_span(&mut self, mut start: usize, mut end: usize, channel: Channel) {
        let t = self.t;
        while start < end && matches!(t[start], ' ' | '\t' | '\r' | '\n' | '\x0c' | '\x0b') {
            start += 1;
        }
        while end > start && matches!(t[end - 1], ' ' | '\t' | '\r' | '\n' | '\x0c' | '\x0b') {
            end -= 1;
        }
        if start < end {
            self.emit(self.slice(start, end), channel, start);
        }
    }

    /// Add [start, end) to the pending prose run (merged while contiguous).
    pub fn prose(&mut self, start: usize, end: usize) {
        if let Some(p) = self.prose.as_mut() {
            if start <= p.1 + 1 {
                p.1 = p.1.max(end);
                return;
            }
        }
        self.flush();
        self.prose = Some((start, end));
    }

    pub fn flush(&mut self) {
        if let Some((s, e)) = self.prose.take() {
            self.emit_span(s, e, Channel::Prose);
        }
    }

    /// PROSE for everything outside `spans` (sorted).
    pub fn prose_between(&mut self, spans: &[(usize, usize)]) {
        let mut prev = 0;
        for &(s, e) in spans {
            if s > prev {
                self.emit_span(prev, s, Channel::Prose);
            }
            prev = prev.max(e);
        }
        if prev < self.t.len() {
            self.emit_span(prev, self.t.len(), Channel::Prose);
        }
    }

    fn done(mut self) -> Vec<Segment> {
        self.flush();
        self.out.sort_by_key(|s| (s.line, s.column));
        self.out
    }
}

/// The segments of one file's text, in file order (`kind` None: from the path and
/// text). A workflow's `run:` scalars come from `yaml` when the caller parsed the file
/// as YAML; without it they are found line by line, as Python does for text that is
/// not valid YAML.
pub fn segments(
    display_path: &str,
    text: &str,
    kind: Option<&str>,
    yaml: Option<&WorkflowYaml>,
) -> Vec<Segment> {
    let kind = match kind {
        Some(k) => k.to_string(),
        None => {
            let head: String = text.chars().take(256).collect();
            file_kind(display_path, &head).to_string()
        }
    };
    let origin = Origin {
        path: display_path.to_string(),
        kind: kind.clone(),
        ..Origin::default()
    };
    let whole = match kind.as_str() {
        "http" => Some(Channel::Request),
        "shell" | "makefile" | "dockerfile" | "workflow" | "package-json" | "markdown" => None,
        _ => Some(Channel::Prose),
    };
    if let Some(channel) = whole {
        if text.chars().all(py_space) {
            return Vec::new();
        }
        return vec![Segment {
            text: text.to_string(),
            channel,
            origin,
            line: 1,
            column: 1,
            indent: 0,
            flat: false,
        }];
    }
    let chars: Vec<char> = if text.is_ascii() {
        text.bytes().map(char::from).collect() // no decoding: widened byte by byte
    } else {
        text.chars().collect()
    };
    let mut t = Text::new(text, &chars, origin);
    match kind.as_str() {
        "shell" => shell::segments(&mut t),
        "makefile" => makefile::segments(&mut t),
        "dockerfile" => dockerfile::segments(&mut t),
        "workflow" => workflow::segments(&mut t, yaml),
        "package-json" => package_json::segments(&mut t),
        _ => markdown::segments(&mut t),
    }
    t.done()
}

/// `line` ends with an odd number of backslashes (after `\r`s): a continuation.
pub(crate) fn continued(line: &[char]) -> bool {
    let s = rstrip_ch(line, '\r');
    let k = s.len() - rstrip_ch(s, '\\').len();
    k % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::segments;
    use crate::model::Channel;

    /// (channel, text, line, column, indent, flat) of each segment.
    fn segs(path: &str, text: &str) -> Vec<(Channel, String, u64, u64, u64, bool)> {
        segments(path, text, None, None)
            .into_iter()
            .map(|s| (s.channel, s.text, s.line, s.column, s.indent, s.flat))
            .collect()
    }

    #[test]
    fn markdown_fences_by_language() {
        let got = segs(
            "a.md",
            "Run it:\n\n```bash\ngcloud run deploy\n```\n\n```console\n$ ls\nout\n```\n",
        );
        assert_eq!(
            got,
            vec![
                (Channel::Prose, "Run it:".into(), 1, 1, 0, false),
                (Channel::Command, "gcloud run deploy".into(), 4, 1, 0, false),
                (Channel::Command, "ls".into(), 8, 3, 0, false),
                (Channel::Output, "out".into(), 9, 1, 0, false),
            ]
        );
    }

    #[test]
    fn makefile_recipes_and_dockerfile_runs_are_commands() {
        let got = segs(
            "Makefile",
            "X = 1\nship:\n\t@gcloud run deploy api \\\n\t  --quiet\n",
        );
        assert_eq!(
            got[1],
            (
                Channel::Command,
                "gcloud run deploy api \\\n\t  --quiet".into(),
                3,
                3,
                0,
                false
            )
        );
        let got = segs("Dockerfile", "FROM a\nRUN [\"sh\", \"-c\", \"echo hi\"]\n");
        assert_eq!(
            got[1],
            (Channel::Command, "sh -c 'echo hi'".into(), 2, 5, 0, true)
        );
    }

    #[test]
    fn package_json_scripts_and_workflow_blocks() {
        let got = segs(
            "package.json",
            "{\"scripts\": {\"d\": \"gcloud \\\"x\\\"\"}}",
        );
        assert_eq!(
            got[1],
            (Channel::Command, "gcloud \"x\"".into(), 1, 20, 0, true)
        );
        let got = segs(
            ".github/workflows/a.yml",
            "steps:\n  - run: |\n      echo a\n      echo b\n",
        );
        assert_eq!(
            got[1],
            (Channel::Command, "echo a\necho b".into(), 3, 7, 6, false)
        );
    }
}
