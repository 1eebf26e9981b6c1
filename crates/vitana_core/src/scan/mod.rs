//! The per-document scan (port of `engine/scan.py`'s `DocumentScanner`): each
//! segment goes through the keyword prefilter, the rule entries of its channel run on
//! the units they take (its text, the commands its shell runs, the HTTP requests those
//! make), and transcript sessions collect gateway steps, tool-output evidence and a
//! human's fallback approval; sequence rules are judged when the document ends.
//!
//! Every rule entry runs here (no callback into Python), and each hit is made into a
//! finding on the spot (`crate::findings`: position, snippet, message, fingerprint,
//! the session's approval); `finish` applies the inline directives, drops duplicates
//! and sorts (`findings::settle`).
//!
//! A focused scan (`diff`, `history`: the added lines) keeps only the findings on its
//! focus lines, so a long prose segment (a whole text or source file) is matched in
//! windows of whole paragraphs around those lines (`window_spans`), not whole: a 2.5 MB
//! file changed in one line costs its paragraph. Its directives are still read whole,
//! and an entry that judges the whole segment (`require`, `unless_message`) sees it so.

mod compiled;
pub mod files;
mod units;

pub use compiled::Compiled;

use rustc_hash::FxHashMap;
use std::sync::Arc;

use crate::findings::{self, Directives, Finding, HitIn};
use crate::matchers::sequence::SequenceMatcher;
use crate::matchers::{Hit, Matcher, Outcome};
use crate::model::{Actor, Channel, Request, Segment};
use crate::session::{Session, Step};

/// A document with more findings of one rule than this is pathological (a generated
/// dump): the rest are summarised in one notice.
pub const MAX_FINDINGS_PER_RULE: usize = 1000;

/// A notice of the scan (path: the segment's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanNotice {
    pub message: String,
    pub path: String,
    pub line: u64,
    /// "error" or "note"
    pub level: &'static str,
}

/// What one segment gave (its findings stay with the scanner until `finish`).
#[derive(Debug, Clone, Default)]
pub struct SegmentResult {
    /// how many findings it gave
    pub found: usize,
    pub notices: Vec<ScanNotice>,
    /// byte offset of a human's fallback approval in this segment (its session's first)
    pub approval: Option<usize>,
    /// the segment holds a gateway step: a finding at the document's end may point at it
    pub step: bool,
}

/// A matcher's hit for a rule, or a timeout (None), or the depth marker (rule None).
type Event = (Option<usize>, Option<Hit>);

/// Scans one document's segments; `finish` judges the sessions' sequences.
pub struct DocumentScanner {
    compiled: Arc<Compiled>,
    /// lines whose findings matter (a diff's added lines); None = every line
    focus: Option<Vec<u64>>,
    sessions: Vec<(String, Session)>,
    // FxHash: looked up once or more per segment, keyed by the pack's indices and the
    // document's own names (SipHash was 1% of a dense session); never iterated
    session_index: FxHashMap<String, usize>,
    timeouts: rustc_hash::FxHashSet<(usize, String)>,
    paths: FxHashMap<(usize, String), bool>,
    counts: FxHashMap<usize, usize>,
    seq: usize,
    /// entries of a list that apply, by (list, channel, actor), for `fits_for`'s (kind, path)
    fits: FxHashMap<(usize, Channel, Option<Actor>), Vec<usize>>,
    fits_for: (String, String),
    findings: Vec<Finding>,
    directives: Directives,
    /// inline directives are not applied (`--no-ignore`, the live guard)
    no_ignore: bool,
    /// sessions hold only the steps a sequence entry may still report (`stream_steps`)
    stream_steps: bool,
    /// the step names met so far, shared by the sessions' step lists
    step_names: Vec<Arc<str>>,
    /// bytes of text the matchers were run on (what a focus saves, measured)
    matched_bytes: usize,
}

impl DocumentScanner {
    pub fn new(compiled: Arc<Compiled>, focus: Option<Vec<u64>>) -> Self {
        // sorted, for the windows' binary searches
        let focus = focus.map(|mut f| {
            f.sort_unstable();
            f.dedup();
            f
        });
        DocumentScanner {
            compiled,
            focus,
            sessions: Vec::new(),
            session_index: Default::default(),
            timeouts: Default::default(),
            paths: Default::default(),
            counts: Default::default(),
            seq: 0,
            fits: Default::default(),
            fits_for: (String::new(), String::new()),
            findings: Vec::new(),
            directives: Directives::default(),
            no_ignore: false,
            stream_steps: false,
            step_names: Vec::new(),
            matched_bytes: 0,
        }
    }

    /// Sessions keep only the gateway steps a sequence entry may still report (and every
    /// step's name): a long transcript's memory does not grow with its steps. `steps`
    /// then gives the steps held, not all of them.
    pub fn stream_steps(&mut self, yes: bool) {
        self.stream_steps = yes;
    }

    /// `name`, shared with the other steps of that name.
    fn step_name_shared(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.step_names.iter().find(|n| &***n == name) {
            return Arc::clone(n);
        }
        let n: Arc<str> = Arc::from(name);
        self.step_names.push(Arc::clone(&n));
        n
    }

    /// Bytes of segment text the matchers have run on so far.
    pub fn matched_bytes(&self) -> usize {
        self.matched_bytes
    }

    /// Inline `vitana-guard: ignore` directives are not applied.
    pub fn no_ignore(mut self, yes: bool) -> Self {
        self.no_ignore = yes;
        self
    }

    /// Classifies one file's text as `kind` (a workflow's `yaml` as the caller composed
    /// it) and scans its segments; their notices, in order.
    pub fn scan_file(
        &mut self,
        path: &str,
        text: &str,
        kind: &str,
        yaml: Option<&crate::segment::WorkflowYaml>,
    ) -> Vec<ScanNotice> {
        let mut notices = Vec::new();
        for seg in crate::segment::segments(path, text, Some(kind), yaml) {
            if !seg.text.is_empty() {
                notices.extend(self.scan_segment(&seg).notices);
            }
        }
        notices
    }

    /// Scans one segment (numbered in the order fed, from 0).
    pub fn scan_segment(&mut self, seg: &Segment) -> SegmentResult {
        let number = self.seq;
        self.seq += 1;
        let mut out = SegmentResult::default();
        let text = seg.text.as_str();
        if text.is_empty() {
            return out;
        }
        self.directives.collect(seg);
        let session = seg.origin.session.as_ref().map(|name| self.session(name));
        if self.focus.is_some() {
            match self.windows(seg, session) {
                Windows::None => return out,
                Windows::Whole => {}
                Windows::Some(spans) => {
                    for (first, start, end) in spans {
                        let part = window_segment(seg, first, start, end);
                        self.match_segment(&part, number, session, &mut out);
                    }
                    return out;
                }
            }
        }
        self.match_segment(seg, number, session, &mut out);
        out
    }

    /// Runs the entries of the segment's channel on it (the keyword prefilter first),
    /// with its session's and its units' (commands, requests) matchers.
    fn match_segment(
        &mut self,
        seg: &Segment,
        number: usize,
        session: Option<usize>,
        out: &mut SegmentResult,
    ) {
        let text = seg.text.as_str();
        self.matched_bytes += text.len();
        let c = Arc::clone(&self.compiled);
        // a command segment's commands, parsed once for the keyword gate's names and
        // the text without mentions, whichever asks first
        let parsed = std::cell::OnceCell::new();
        let commands = || parsed.get_or_init(|| crate::normalize::shell::parse(text));
        let (present, hidden) = if seg.channel == Channel::Command {
            c.keywords
                .present_shell_parsed(text, || commands().as_slice())
        } else {
            (c.keywords.present(text), false)
        };
        let present = c.present_mask(&present);
        let mut cx = Cx {
            seg,
            number,
            session,
            taken: Vec::new(),
            out,
            shared: None,
        };
        let text_entries = self.applicable(&c.text[channel_index(seg.channel)], seg, seg.channel);
        // the text without mentions (`mentions: false`), made when an entry needs it
        let mut calls: Option<String> = None;
        for e in text_entries {
            if !c.passes(e, &present) {
                continue;
            }
            let entry = &c.pack.entries[e];
            let rule = entry.rule;
            let on_calls = entry.calls_only && seg.channel == Channel::Command;
            if on_calls && calls.is_none() {
                calls = Some(crate::mentions::calls_text_of(text, commands()));
            }
            let subject = if on_calls { calls.as_deref() } else { None };
            let on = subject.unwrap_or(text);
            let mut outcome = match &entry.matcher {
                Matcher::Pattern(m) => m.matches(on),
                Matcher::Require(m) => m.matches(on),
                Matcher::Url(m) => m.matches(on),
                _ => Outcome::default(),
            };
            if on.len() != text.len() {
                // a blanked character was wider than its space: back to the text's bytes
                for hit in &mut outcome.hits {
                    hit.start = same_char(on, text, hit.start);
                    hit.end = same_char(on, text, hit.end);
                }
            }
            for hit in outcome.hits {
                self.report(rule, hit, &mut cx);
            }
            if outcome.timed_out {
                self.timed_out(rule, seg, cx.out);
            }
        }
        if let Some(s) = session {
            self.session_text(s, &present, &mut cx);
        }
        match seg.channel {
            Channel::Command => self.scan_commands(&present, hidden, &mut cx),
            Channel::Request => {
                let requests = crate::normalize::http::requests_from_http_block(text);
                self.scan_requests(&present, requests, None, &mut cx);
            }
            _ => {}
        }
    }

    /// The gateway steps of a session so far (before `finish`).
    pub fn steps(&self, session: &str) -> &[Step] {
        self.session_index
            .get(session)
            .map_or(&[], |&i| self.sessions[i].1.steps.as_slice())
    }

    /// Judges every session's steps (their findings point at the step segments), then
    /// settles the document's findings: directives applied, duplicates dropped, sorted.
    pub fn finish(&mut self) -> (Vec<Finding>, Vec<ScanNotice>) {
        let mut notices = Vec::new();
        let sessions = std::mem::take(&mut self.sessions);
        for (_, session) in &sessions {
            if session.names.is_empty() {
                continue;
            }
            let names: Vec<&str> = session.names.iter().map(|s| &**s).collect();
            let c = Arc::clone(&self.compiled);
            for &e in &c.sequence {
                let entry = &c.pack.entries[e];
                let Matcher::Sequence(m) = &entry.matcher else {
                    continue;
                };
                for i in m.judge(&names) {
                    // held: a streaming scan lets go only of steps no entry reports
                    let Some(step) = session.step(i) else {
                        debug_assert!(false, "step {i} reported but not held");
                        continue;
                    };
                    let mut hit = Hit::new(step.start, step.end);
                    hit.variables.push(("step", step.name.clone().into()));
                    hit.variables.push(("missing", m.missing().into()));
                    let rule = entry.rule;
                    if self.capped(rule, &step.path, step.line, &mut notices) {
                        continue;
                    }
                    *self.counts.entry(rule).or_insert(0) += 1;
                    let approval = session.approval.as_ref().filter(|_| c.covered(rule));
                    let f = findings::finding_of(
                        &c.pack.rules[rule],
                        rule,
                        &c.messages,
                        &step.seg,
                        HitIn {
                            start: hit.start,
                            end: hit.end,
                            variables: &hit.variables,
                        },
                        approval,
                    );
                    self.findings.push(f);
                }
            }
        }
        self.session_index.clear();
        let found = std::mem::take(&mut self.findings);
        let directives = std::mem::take(&mut self.directives);
        (
            findings::settle(found, &directives, self.no_ignore),
            notices,
        )
    }

    fn session(&mut self, name: &str) -> usize {
        if let Some(&i) = self.session_index.get(name) {
            return i;
        }
        self.sessions.push((name.to_owned(), Session::default()));
        self.session_index
            .insert(name.to_owned(), self.sessions.len() - 1);
        self.sessions.len() - 1
    }

    /// Which parts of a segment a focused scan matches (see `Windows`).
    fn windows(&mut self, seg: &Segment, session: Option<usize>) -> Windows {
        let Some(focus) = self.focus.as_ref() else {
            return Windows::Whole;
        };
        let text = seg.text.as_bytes();
        let last = if seg.flat {
            seg.line
        } else {
            seg.line + memchr::memchr_iter(b'\n', text).count() as u64
        };
        let from = focus.partition_point(|&l| l < seg.line);
        let to = focus.partition_point(|&l| l <= last);
        if from == to {
            return Windows::None;
        }
        // a session's segment feeds state whole; commands and requests are read as
        // statements and requests, whose start may lie lines before a focus line
        let cut = session.is_none()
            && !seg.flat
            && text.len() > WINDOW_MARGIN_BYTES
            && matches!(
                seg.channel,
                Channel::Prose | Channel::Output | Channel::Meta | Channel::User
            );
        if !cut {
            return Windows::Whole;
        }
        let lines: Vec<usize> = focus[from..to]
            .iter()
            .map(|&l| (l - seg.line) as usize)
            .collect();
        // entries that judge the whole segment (a `require`'s absence, an
        // `unless_message`) see it whole
        let c = Arc::clone(&self.compiled);
        let list = self.applicable(&c.text[channel_index(seg.channel)], seg, seg.channel);
        if list
            .iter()
            .any(|&e| c.pack.entries[e].matcher.judges_whole())
        {
            return Windows::Whole;
        }
        let spans = window_spans(text, &lines);
        if spans.len() == 1 && spans[0].1 == 0 && spans[0].2 == text.len() {
            return Windows::Whole;
        }
        Windows::Some(spans)
    }

    /// The entries of `list` that apply to the segment's actor, kind and path, for `channel`.
    fn applicable(&mut self, list: &[usize], seg: &Segment, channel: Channel) -> Vec<usize> {
        // the same for most segments of a document: worked out once per list, channel
        // and actor while the kind and path stay the same
        if self.fits_for.0 != seg.origin.kind || self.fits_for.1 != seg.origin.path {
            self.fits.clear();
            self.fits_for = (seg.origin.kind.clone(), seg.origin.path.clone());
        }
        let key = (list.as_ptr() as usize, channel, seg.origin.actor);
        if let Some(fit) = self.fits.get(&key) {
            return fit.clone();
        }
        let c = Arc::clone(&self.compiled);
        let mut out = Vec::new();
        for &e in list {
            let entry = &c.pack.entries[e];
            if !entry.applies(channel, seg.origin.actor, &seg.origin.kind) {
                continue;
            }
            if self.on_path(entry.rule, &seg.origin.path) {
                out.push(e);
            }
        }
        self.fits.insert(key, out.clone());
        out
    }

    /// Whether rule `rule`'s `paths` take in `path` (once per rule and path).
    fn on_path(&mut self, rule: usize, path: &str) -> bool {
        let globs = &self.compiled.paths[rule];
        if globs.is_empty() {
            return true;
        }
        let key = (rule, path.to_owned());
        if let Some(&ok) = self.paths.get(&key) {
            return ok;
        }
        let ok = globs.takes(path);
        self.paths.insert(key, ok);
        ok
    }

    fn in_play(
        &mut self,
        list: &[usize],
        seg: &Segment,
        channel: Channel,
        present: &[bool],
    ) -> Vec<usize> {
        let mut v = self.applicable(list, seg, channel);
        v.retain(|&e| self.compiled.passes(e, present));
        v
    }

    /// `_report`: the cap per rule, then one finding per span and rule in a segment.
    fn report(&mut self, rule: usize, hit: Hit, cx: &mut Cx<'_, '_>) {
        if self.capped(rule, &cx.seg.origin.path, cx.seg.line, &mut cx.out.notices) {
            return;
        }
        if cx
            .taken
            .iter()
            .any(|&(r, s, e)| r == rule && hit.start < e && s < hit.end)
        {
            return; // the same violation through another entry of the rule
        }
        cx.taken.push((rule, hit.start, hit.end));
        *self.counts.entry(rule).or_insert(0) += 1;
        let c = &self.compiled;
        let approval = cx
            .session
            .and_then(|s| self.sessions[s].1.approval.as_ref())
            .filter(|_| c.covered(rule));
        let f = findings::finding_of(
            &c.pack.rules[rule],
            rule,
            &c.messages,
            cx.seg,
            HitIn {
                start: hit.start,
                end: hit.end,
                variables: &hit.variables,
            },
            approval,
        );
        self.findings.push(f);
        cx.out.found += 1;
    }

    /// Whether `rule` is past the cap (the first time, with a notice at `path:line`).
    fn capped(
        &mut self,
        rule: usize,
        path: &str,
        line: u64,
        notices: &mut Vec<ScanNotice>,
    ) -> bool {
        let count = self.counts.entry(rule).or_insert(0);
        if *count < MAX_FINDINGS_PER_RULE {
            return false;
        }
        if *count == MAX_FINDINGS_PER_RULE {
            *count += 1;
            notices.push(ScanNotice {
                message: format!(
                    "{}: more than {MAX_FINDINGS_PER_RULE} findings in this document; the rest are not reported",
                    self.compiled.pack.rules[rule].id
                ),
                path: path.to_owned(),
                line,
                level: "note",
            });
        }
        true
    }

    fn timed_out(&mut self, rule: usize, seg: &Segment, out: &mut SegmentResult) {
        let key = (rule, seg.origin.path.clone());
        if !self.timeouts.insert(key) {
            return;
        }
        out.notices.push(ScanNotice {
            message: format!(
                "{}: regex timed out (ran past its backtracking limit); the rule was not applied to this text",
                self.compiled.pack.rules[rule].id
            ),
            path: seg.origin.path.clone(),
            line: seg.line,
            level: "error",
        });
    }

    fn too_deep(&mut self, seg: &Segment, at: usize, out: &mut SegmentResult) {
        out.notices.push(ScanNotice {
            message: format!(
                "shell nested deeper than {} levels was not read; what it runs is not judged",
                crate::normalize::shell::MAX_DEPTH
            ),
            path: seg.origin.path.clone(),
            line: line_of(seg, at),
            level: "error",
        });
    }

    /// Reports hits and timeouts in the order the matchers gave them.
    fn replay(&mut self, events: Vec<Event>, cx: &mut Cx<'_, '_>) {
        for (rule, hit) in events {
            match (rule, hit) {
                (None, Some(hit)) => self.too_deep(cx.seg, hit.start, cx.out),
                (Some(rule), None) => self.timed_out(rule, cx.seg, cx.out),
                (Some(rule), Some(hit)) => self.report(rule, hit, cx),
                (None, None) => {}
            }
        }
    }

    fn session_text(&mut self, s: usize, present: &[bool], cx: &mut Cx<'_, '_>) {
        let c = Arc::clone(&self.compiled);
        let seg = cx.seg;
        let text = seg.text.as_str();
        if seg.channel == Channel::Output {
            for (i, &e) in c.context.iter().enumerate() {
                if let Matcher::Context(m) = &c.pack.entries[e].matcher {
                    let evidence = self.sessions[s].1.evidence.entry(i).or_default();
                    if m.observe(text, evidence).is_err() {
                        self.timed_out(c.pack.entries[e].rule, seg, cx.out);
                    }
                }
            }
        } else if seg.channel == Channel::User
            && seg.origin.actor == Some(Actor::Human)
            && self.sessions[s].1.approval.is_none()
        {
            // a parameter regex that runs past its limit approves nothing
            if let Ok(Some((at, _))) = c.approval.find(text) {
                if c.negation.is_match(text) == Ok(false) {
                    self.sessions[s].1.approval = Some(findings::approval_of(seg, at));
                    cx.out.approval = Some(at);
                }
            }
        }
        for (i, &e) in c.context.iter().enumerate() {
            if !c.passes(e, present) {
                continue;
            }
            let entry = &c.pack.entries[e];
            if !entry.applies(seg.channel, seg.origin.actor, &seg.origin.kind)
                || !self.on_path(entry.rule, &seg.origin.path)
            {
                continue;
            }
            let outcome = if let Matcher::Context(m) = &entry.matcher {
                let evidence = self.sessions[s].1.evidence.entry(i).or_default().clone();
                m.matches(text, &evidence)
            } else {
                Outcome::default()
            };
            for hit in outcome.hits {
                self.report(entry.rule, hit, cx);
            }
            if outcome.timed_out {
                self.timed_out(entry.rule, seg, cx.out);
            }
        }
    }

    /// `_scan_requests`: the requests against the request entries in play.
    fn scan_requests(
        &mut self,
        present: &[bool],
        requests: Vec<Request>,
        entries: Option<Vec<usize>>,
        cx: &mut Cx<'_, '_>,
    ) {
        if requests.is_empty() {
            return;
        }
        let c = Arc::clone(&self.compiled);
        let entries = match entries {
            Some(e) => e,
            None => self.in_play(&c.request, cx.seg, Channel::Request, present),
        };
        for request in &requests {
            let mut events = Vec::new();
            self.match_request(request, &entries, &mut events, 0);
            self.replay(events, cx);
            if let Some(s) = cx.session {
                if !c.sequence.is_empty() && is_step_source(cx.seg) {
                    if let Some(step) = self.step_name(request) {
                        if !self.rejected(request, cx) {
                            let name = self.step_name_shared(&step);
                            let matchers: Option<Vec<&SequenceMatcher>> =
                                self.stream_steps.then(|| {
                                    c.sequence
                                        .iter()
                                        .filter_map(|&e| match &c.pack.entries[e].matcher {
                                            Matcher::Sequence(m) => Some(m),
                                            _ => None,
                                        })
                                        .collect()
                                });
                            let step = Step {
                                name: step,
                                segment: cx.number,
                                seg: Arc::clone(cx.seg_arc()),
                                path: cx.seg.origin.path.clone(),
                                line: cx.seg.line,
                                start: request.start,
                                end: request.end,
                                request: request.clone(),
                            };
                            self.sessions[s]
                                .1
                                .push_step(name, step, matchers.as_deref());
                            cx.out.step = true;
                        }
                    }
                }
            }
        }
    }

    /// Every entry's hits on one request (shifted by `by`); a timeout leaves a None hit.
    fn match_request(
        &self,
        request: &Request,
        entries: &[usize],
        events: &mut Vec<Event>,
        by: usize,
    ) {
        for &e in entries {
            let entry = &self.compiled.pack.entries[e];
            let outcome = request_outcome(&entry.matcher, request);
            for mut hit in outcome.hits {
                hit.start += by;
                hit.end += by;
                events.push((Some(entry.rule), Some(hit)));
            }
            if outcome.timed_out {
                events.push((Some(entry.rule), None));
            }
        }
    }

    /// Would the gateway refuse this call (an error-level request finding)? The
    /// validators are asked in order; the first that fires decides.
    fn rejected(&mut self, request: &Request, cx: &mut Cx<'_, '_>) -> bool {
        let c = Arc::clone(&self.compiled);
        for &e in &c.validators {
            let outcome = request_outcome(&c.pack.entries[e].matcher, request);
            if !outcome.hits.is_empty() {
                return true;
            }
            if outcome.timed_out {
                self.timed_out(c.pack.entries[e].rule, cx.seg, cx.out);
            }
        }
        false
    }

    fn step_name(&self, request: &Request) -> Option<String> {
        let c = Arc::clone(&self.compiled);
        match crate::gateway::endpoint_of(request, &c.prefixes, &c.endpoints) {
            Some("health") => Some("verify".into()),
            None => {
                crate::gateway::is_feature_check(request, &c.gateway_url).then(|| "verify".into())
            }
            Some(crate::gateway::UNKNOWN_ENDPOINT) => None,
            Some(name) => Some(name.to_owned()),
        }
    }
}

/// A request entry's outcome on one request.
fn request_outcome(matcher: &Matcher, request: &Request) -> Outcome {
    match matcher {
        Matcher::Payload(m) => m.matches(request),
        _ => Outcome::default(),
    }
}

/// The parts of a segment a focused scan (a diff's added lines) runs the matchers on.
enum Windows {
    /// no focus line in it: nothing to match (its directives still count)
    None,
    /// all of it
    Whole,
    /// (first line's index in the segment, start, end) byte spans of its text
    Some(Vec<(usize, usize, usize)>),
}

/// Lines and bytes a window reaches beyond its focus lines, at least: more than the
/// pack's bounded spans (`[\s\S]{0,240}`), so that a match that starts above a focus
/// line or runs on below it is found whole.
const WINDOW_MARGIN_LINES: usize = 5;
const WINDOW_MARGIN_BYTES: usize = 2048;
/// Beyond the margin, a window reaches on to a paragraph break (a blank line: a
/// sentence end, so that `unless` sees the sentences it sees in the whole text), for at
/// most this many bytes before it stops at a line end.
const WINDOW_SNAP_BYTES: usize = 64 << 10;

/// The windows of `text` around the focus lines `lines` (0-based, sorted): runs of whole
/// lines, each from a paragraph start at least the margin above its first focus line to
/// a paragraph break at least the margin below its last, merged where they meet, as
/// (first line index, start byte, end byte).
fn window_spans(text: &[u8], lines: &[usize]) -> Vec<(usize, usize, usize)> {
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
    if starts.len() > 1 && starts.last() == Some(&text.len()) {
        starts.pop(); // a final newline opens no line
    }
    let n = starts.len();
    let end_of = |k: usize| starts.get(k + 1).copied().unwrap_or(text.len());
    // as `matchers::sentence_end` reads `\n\s*\n`
    let blank = |k: usize| {
        std::str::from_utf8(&text[starts[k]..end_of(k)])
            .is_ok_and(|l| l.chars().all(char::is_whitespace))
    };
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let first = lines[i].min(n - 1);
        // up to a paragraph's first line (the line above blank, this one not); never
        // into the window before, which this one then joins
        let floor = out.last().map_or(0, |w| w.2);
        let a = starts[first];
        let mut j = first.saturating_sub(WINDOW_MARGIN_LINES);
        while j > 0 && starts[j] > floor && a - starts[j] < WINDOW_MARGIN_BYTES {
            j -= 1;
        }
        let opens = |j: usize| blank(j - 1) && !blank(j);
        while j > 0 && starts[j] > floor && !opens(j) && a - starts[j] < WINDOW_SNAP_BYTES {
            j -= 1;
        }
        // down through the blank line that ends a paragraph, taking in the focus
        // lines it reaches (the window then reaches their margin too)
        let mut last = first;
        let mut k;
        loop {
            let b = end_of(last);
            k = (last + WINDOW_MARGIN_LINES).min(n - 1);
            while k + 1 < n && end_of(k) - b < WINDOW_MARGIN_BYTES {
                k += 1;
            }
            while k + 1 < n && !blank(k) && end_of(k) - b < WINDOW_SNAP_BYTES {
                k += 1;
            }
            let mut grew = false;
            while i + 1 < lines.len() && lines[i + 1].min(n - 1) <= k {
                i += 1;
                if lines[i].min(n - 1) > last {
                    last = lines[i].min(n - 1);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        i += 1;
        let (start, end) = (starts[j], end_of(k));
        match out.last_mut() {
            Some(w) if start <= w.2 => w.2 = w.2.max(end),
            _ => out.push((j, start, end)),
        }
    }
    out
}

/// The lines [start, end) of a segment as a segment of their own, at their place.
fn window_segment(seg: &Segment, first: usize, start: usize, end: usize) -> Segment {
    Segment {
        text: seg.text[start..end].to_owned(),
        channel: seg.channel,
        origin: seg.origin.clone(),
        line: seg.line + first as u64,
        // a segment's later lines start at its indent (`findings::position`)
        column: if first == 0 {
            seg.column
        } else {
            seg.indent + 1
        },
        indent: seg.indent,
        flat: false,
    }
}

/// What one segment's scan carries between its steps.
struct Cx<'a, 'o> {
    seg: &'a Segment,
    number: usize,
    session: Option<usize>,
    /// (rule, start, end) reported in this segment
    taken: Vec<(usize, usize, usize)>,
    out: &'o mut SegmentResult,
    /// the segment, shared by its gateway steps (made for the first)
    shared: Option<Arc<Segment>>,
}

impl Cx<'_, '_> {
    fn seg_arc(&mut self) -> &Arc<Segment> {
        let seg = self.seg;
        self.shared.get_or_insert_with(|| Arc::new(seg.clone()))
    }
}

fn is_step_source(seg: &Segment) -> bool {
    seg.origin.actor == Some(Actor::Agent) && seg.origin.status.is_some_and(|s| s.ran())
}

/// The byte offset in `to` of the character at byte offset `at` of `from` (two texts
/// of the same characters' count).
fn same_char(from: &str, to: &str, at: usize) -> usize {
    let n = from.get(..at).map_or(0, |p| p.chars().count());
    to.char_indices().nth(n).map_or(to.len(), |(i, _)| i)
}

/// The source line of byte offset `at` of a segment.
pub fn line_of(seg: &Segment, at: usize) -> u64 {
    if seg.flat {
        return seg.line;
    }
    let at = at.min(seg.text.len());
    seg.line + memchr::memchr_iter(b'\n', &seg.text.as_bytes()[..at]).count() as u64
}

pub(crate) fn channel_index(c: Channel) -> usize {
    match c {
        Channel::Command => 0,
        Channel::Request => 1,
        Channel::Prose => 2,
        Channel::User => 3,
        Channel::Output => 4,
        Channel::Meta => 5,
    }
}

#[cfg(test)]
mod tests;
