//! The units of a command segment: which statements to parse (a long script is cut
//! into statements and only those holding a keyword of the rules in play are parsed),
//! the commands they run, tried against the command entries that may match their
//! program, and the HTTP requests those commands make.

use std::sync::Arc;

use memchr::memchr_iter;

use super::{is_step_source, Cx, DocumentScanner, Event};
use crate::matchers::{Hit, Matcher};
use crate::model::{Channel, Command, Request};
use crate::normalize::{http, shell};

/// Scripts shorter than this (in characters) are parsed whole.
const WHOLE_PARSE_BELOW: usize = 2048;

type Span = (usize, usize);

/// A text's lower-case form (as `str.lower` makes it) with a way back to its
/// character positions.
pub(super) struct Lowered {
    pub text: String,
    /// byte offset of every character of `text`, then its length (None: ASCII)
    lowered_starts: Option<Vec<usize>>,
    /// the same for the original text
    source_starts: Option<Vec<usize>>,
    pub same_length: bool,
}

impl Lowered {
    pub fn new(source: &str) -> Lowered {
        if source.is_ascii() {
            return Lowered {
                text: source.to_ascii_lowercase(),
                lowered_starts: None,
                source_starts: None,
                same_length: true,
            };
        }
        let text = source.to_lowercase();
        let starts = |t: &str| -> Vec<usize> {
            t.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(t.len()))
                .collect()
        };
        let lowered_starts = starts(&text);
        let source_starts = starts(source);
        Lowered {
            same_length: lowered_starts.len() == source_starts.len(),
            text,
            lowered_starts: Some(lowered_starts),
            source_starts: Some(source_starts),
        }
    }

    /// A character index of the source as a byte offset of the lowered text (clamped).
    fn lowered_byte(&self, ch: usize) -> usize {
        match &self.lowered_starts {
            None => ch.min(self.text.len()),
            Some(s) => s[ch.min(s.len() - 1)],
        }
    }

    fn source_char(&self, byte: usize) -> usize {
        match &self.source_starts {
            None => byte,
            Some(s) => s.partition_point(|&b| b < byte),
        }
    }

    fn lowered_char(&self, byte: usize) -> usize {
        match &self.lowered_starts {
            None => byte,
            Some(s) => s.partition_point(|&b| b < byte),
        }
    }

    fn source_byte(&self, ch: usize, len: usize) -> usize {
        match &self.source_starts {
            None => ch.min(len),
            Some(s) => s[ch.min(s.len() - 1)],
        }
    }

    /// `lowered[s:e]` for a span of the source in bytes, indexed by characters as
    /// Python does (whatever the lengths).
    fn slice(&self, s: usize, e: usize) -> &str {
        let a = self.lowered_byte(self.source_char(s));
        let b = self.lowered_byte(self.source_char(e));
        self.text.get(a..b.max(a)).unwrap_or("")
    }
}

impl DocumentScanner {
    /// `_scan_commands`: parse the shell only when a rule still wants it.
    pub(super) fn scan_commands(&mut self, present: &[bool], hidden: bool, cx: &mut Cx<'_, '_>) {
        let c = Arc::clone(&self.compiled);
        let seg = cx.seg;
        let eligible = self.in_play(&c.command, seg, seg.channel, present);
        let request_entries = self.in_play(&c.request, seg, Channel::Request, present);
        let wants_requests =
            !request_entries.is_empty() || (!c.sequence.is_empty() && is_step_source(seg));
        if eligible.is_empty() && !wants_requests {
            return;
        }
        let text = seg.text.as_str();
        let runs = if hidden {
            vec![(0, text.len())]
        } else {
            self.runs(cx, &eligible, wants_requests)
        };
        if cx.session.is_some() {
            let commands = shell::parse_statements(text, &runs);
            let events = self.command_events(&commands, &eligible, 0);
            self.replay(events, cx);
            if wants_requests {
                let requests = requests_of(&commands);
                self.scan_requests(present, requests, Some(request_entries), cx);
            }
            return;
        }
        let mut command_events = Vec::new();
        let mut request_events = Vec::new();
        for (s, e) in runs {
            let Some(run) = text.get(s..e) else { continue };
            self.run_events(
                run,
                s,
                &eligible,
                &request_entries,
                false,
                &mut command_events,
                &mut request_events,
            );
        }
        command_events.extend(request_events);
        self.replay(command_events, cx);
    }

    /// `_run_events`: what one run of statements (parsed on its own) gives the command
    /// entries and then the request entries, placed at `by` in the segment. A run of
    /// plain command lines is the sum of its lines, each parsed on its own.
    #[allow(clippy::too_many_arguments)]
    fn run_events(
        &mut self,
        run: &str,
        by: usize,
        eligible: &[usize],
        request_entries: &[usize],
        line: bool,
        command_events: &mut Vec<Event>,
        request_events: &mut Vec<Event>,
    ) {
        let body = run.as_bytes();
        let several =
            !line && !body.is_empty() && memchr::memchr(b'\n', &body[..body.len() - 1]).is_some();
        let lines = if several {
            shell::plain_lines(body)
        } else {
            None
        };
        if let Some(lines) = lines {
            for (s, e) in lines {
                let Some(piece) = run.get(s..e) else { continue };
                let first = piece.trim_start_matches([' ', '\t', '\r']).chars().next();
                if matches!(first, None | Some('#') | Some('\n')) {
                    continue; // a blank or comment line runs nothing
                }
                self.run_events(
                    piece,
                    by + s,
                    eligible,
                    request_entries,
                    true,
                    command_events,
                    request_events,
                );
            }
            return;
        }
        let commands = shell::parse(run);
        command_events.extend(self.command_events(&commands, eligible, by));
        if !request_entries.is_empty() {
            for request in requests_of(&commands) {
                self.match_request(&request, request_entries, request_events, by);
            }
        }
    }

    /// `_command_events`: each command against the eligible entries its program may reach.
    fn command_events(
        &mut self,
        commands: &[Command],
        eligible: &[usize],
        by: usize,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        if eligible.is_empty() {
            return events;
        }
        let c = Arc::clone(&self.compiled);
        for cmd in commands {
            let Some(program) = cmd.program() else {
                continue;
            };
            if program == shell::DEPTH_MARK {
                events.push((None, Some(Hit::new(cmd.start + by, cmd.end + by))));
                continue;
            }
            let base = program.rsplit('/').next().unwrap_or(program);
            for e in self.plan(base, eligible) {
                if let Matcher::Command(m) = &c.pack.entries[e].matcher {
                    let rule = c.pack.entries[e].rule;
                    match m.matches(cmd) {
                        Ok(Some(mut hit)) => {
                            hit.start += by;
                            hit.end += by;
                            events.push((Some(rule), Some(hit)));
                        }
                        Ok(None) => {}
                        Err(_) => events.push((Some(rule), None)),
                    }
                }
            }
        }
        events
    }

    /// `_plan`: the eligible command entries that may match a command run as `base`.
    fn plan(&self, base: &str, eligible: &[usize]) -> Vec<usize> {
        let c = Arc::clone(&self.compiled);
        let mut plan: Vec<usize> = c
            .command_index
            .get(base)
            .map(|v| v.iter().copied().filter(|e| eligible.contains(e)).collect())
            .unwrap_or_default();
        for &e in &c.command_any {
            if let Matcher::Command(m) = &c.pack.entries[e].matcher {
                if eligible.contains(&e)
                    && (m.launchers.iter().any(|l| l == base) || m.program_matches(base, &[]))
                {
                    plan.push(e);
                }
            }
        }
        plan
    }

    /// `_runs`: the spans of the segment to parse, adjacent statements merged.
    fn runs(&self, cx: &Cx<'_, '_>, eligible: &[usize], wants_requests: bool) -> Vec<Span> {
        let seg = cx.seg;
        let text = seg.text.as_str();
        let whole = vec![(0, text.len())];
        let chars = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        if (chars < WHOLE_PARSE_BELOW && self.focus.is_none())
            || (wants_requests && seg.origin.session.is_some())
        {
            return whole;
        }
        let lowered = Lowered::new(text);
        let keywords = self.statement_keywords(eligible, wants_requests);
        let lines_kept = lowered.same_length
            && keywords
                .as_ref()
                .is_none_or_all(|k| !k.is_empty() && !k.contains('\n'));
        let holds = |s: usize, e: usize, keywords: &[String]| {
            let piece = lowered.slice(s, e);
            keywords.iter().any(|k| piece.contains(k.as_str()))
        };
        if self.focus.is_some() && lines_kept {
            let spans = shell::statements_at(text.as_bytes(), &self.focus_offsets(cx));
            return match spans {
                None => whole,
                Some(spans) => {
                    let spans: Vec<Span> = match &keywords {
                        Some(k) => spans.into_iter().filter(|&(s, e)| holds(s, e, k)).collect(),
                        None => spans,
                    };
                    shell::runs(&spans)
                }
            };
        }
        let spans = match &keywords {
            None => shell::statements(text.as_bytes()),
            Some(k) if lines_kept => {
                shell::statements_at(text.as_bytes(), &line_hits(&lowered, k, text.len()))
            }
            Some(k) => shell::statements(text.as_bytes())
                .map(|v| v.into_iter().filter(|&(s, e)| holds(s, e, k)).collect()),
        };
        let Some(mut spans) = spans else { return whole };
        if self.focus.is_some() {
            spans = self.focused(cx, spans);
        }
        shell::runs(&spans)
    }

    /// `_statement_keywords`: one of which a statement must hold to be parsed; None when
    /// a command rule in play has none.
    fn statement_keywords(&self, eligible: &[usize], wants_requests: bool) -> Option<Vec<String>> {
        let c = Arc::clone(&self.compiled);
        let mut words: Vec<String> = Vec::new();
        let mut all_have = true;
        for &e in &c.command {
            if !eligible.contains(&e) {
                continue;
            }
            let rule = &c.pack.rules[c.pack.entries[e].rule];
            all_have &= !rule.keywords.is_empty();
            words.extend(rule.keywords.iter().cloned());
        }
        if wants_requests {
            words.extend(http::CLIENT_PROGRAMS.iter().map(|s| s.to_string()));
        }
        words.sort();
        words.dedup();
        (!words.is_empty() && all_have).then_some(words)
    }

    /// `_focused`: the statement spans that touch a focus line.
    fn focused(&self, cx: &Cx<'_, '_>, spans: Vec<Span>) -> Vec<Span> {
        let text = cx.seg.text.as_bytes();
        let focus = self.focus.as_deref().unwrap_or(&[]);
        let count = |a: usize, b: usize| memchr_iter(b'\n', &text[a.min(b)..b]).count() as u64;
        let mut line = cx.seg.line;
        let mut pos = 0;
        let mut kept = Vec::new();
        for (s, e) in spans {
            line += count(pos, s);
            pos = s;
            let last = line + count(s, s.max(e.saturating_sub(1)));
            if focus.iter().any(|&n| line <= n && n <= last) {
                kept.push((s, e));
            }
        }
        kept
    }

    /// `_focus_offsets`: where each focus line within the segment starts in its text.
    fn focus_offsets(&self, cx: &Cx<'_, '_>) -> Vec<usize> {
        let text = cx.seg.text.as_bytes();
        let first = cx.seg.line;
        let starts = shell::line_starts(text);
        self.focus
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .filter_map(|&n| {
                let k = n.checked_sub(first)? as usize;
                starts.get(k).copied().filter(|&s| s < text.len())
            })
            .collect()
    }
}

/// `_line_hits`: an offset (in the source, bytes) of each keyword on every line where
/// it occurs.
fn line_hits(lowered: &Lowered, keywords: &[String], source_len: usize) -> Vec<usize> {
    // memchr's SIMD searches: std's `str::find` here was 3% of a dense tree's scan
    let text = lowered.text.as_bytes();
    let mut hits = Vec::new();
    for k in keywords {
        let finder = memchr::memmem::Finder::new(k.as_bytes());
        let mut p = finder.find(text);
        while let Some(at) = p {
            hits.push(lowered.source_byte(lowered.lowered_char(at), source_len));
            let Some(eol) = memchr::memchr(b'\n', &text[at..]).map(|i| at + i) else {
                break;
            };
            p = finder.find(&text[eol + 1..]).map(|i| eol + 1 + i);
        }
    }
    hits
}

/// `_requests`: the HTTP requests the commands make.
fn requests_of(commands: &[Command]) -> Vec<Request> {
    commands
        .iter()
        .filter(|c| {
            c.program().is_some_and(|p| {
                let lowered = p.to_lowercase();
                !p.is_empty() && http::CLIENT_PROGRAMS.iter().any(|c| lowered.contains(c))
            })
        })
        .filter_map(http::request_from_command)
        .collect()
}

trait AllOr {
    fn is_none_or_all(&self, f: impl Fn(&String) -> bool) -> bool;
}

impl AllOr for Option<&Vec<String>> {
    fn is_none_or_all(&self, f: impl Fn(&String) -> bool) -> bool {
        self.map_or(true, |v| v.iter().all(f))
    }
}
